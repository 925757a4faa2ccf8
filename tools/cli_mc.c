/* tools/cli_mc.c -- pieces shared by every `deq mc MODEL` command.  */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int cli_mc_check_sampleable(const deq_spectrum *sp, const char *cmd,
                            const char *spectrum)
{
  if (sp->exact && isfinite(sp->dim) && sp->dim == floor(sp->dim))
    return CLI_OK;
  cli_error(cmd, "--spectrum '%s': Monte Carlo needs an exact spectrum of "
            "finite dimension with integer multiplicities (no analytic tail)",
            spectrum);
  return CLI_EUSAGE;
}

void cli_mc_estimate_cells(double *row, const deq_mc_estimate *e,
                           double theory)
{
  row[0] = e->mean;
  row[1] = e->se;
  row[2] = deq_mc_z(e, theory);
}

void cli_mc_banner(const char *cmd, uint64_t seed, uint64_t trials,
                   int threads)
{
  char ranks[32] = "";   /* under mpirun: threads are per rank */
  if (cli_mpi_size() > 1)
    snprintf(ranks, sizeof ranks, " ranks=%d", cli_mpi_size());
  fprintf(stderr, "# deq %s: seed=%llu trials=%llu threads=%d%s; z is "
          "Student's t with %llu degrees of freedom: |z| > 2 in %.1f%% of "
          "cells by chance\n", cmd, (unsigned long long)seed,
          (unsigned long long)trials, cli_mc_threads(threads), ranks,
          (unsigned long long)trials - 1,
          100 * deq_mc_z_tail(2.0, (size_t)trials));
}

int cli_mc_threads(int threads)
{
#ifdef _OPENMP
  return threads > 0 ? threads : omp_get_max_threads();
#else
  (void)threads;
  return 1;
#endif
}

int cli_mc_option(uint64_t *trials, uint64_t *seed, int *threads,
                  const char *cmd, int code, const char *arg)
{
  uint64_t u = 0;
  int st;
  switch (code) {
  case OPT_TRIALS:
    return cli_count_parse(trials, cmd, "--trials", arg, 2, CLI_MC_MAX_TRIALS);
  case OPT_SEED:
    return cli_count_parse(seed, cmd, "--seed", arg, 0, UINT64_MAX);
  case OPT_THREADS:
    st = cli_count_parse(&u, cmd, "--threads", arg, 0, CLI_MC_MAX_THREADS);
    if (st == CLI_OK) *threads = (int)u;
    return st;
  }
  cli_error(cmd, "internal error: option %d", code);
  return CLI_EUSAGE;
}
