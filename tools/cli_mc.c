/* tools/cli_mc.c -- pieces shared by every `deq mc MODEL` command.  */
#include <config.h>

#include <math.h>
#include <stdint.h>

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

/* The offset keeps streams apart even if the library derives trial
   streams by adding the trial number.  */
uint64_t cli_mc_seed(uint64_t seed, size_t i)
{
  return seed + (uint64_t)i * ((uint64_t)1 << 32);
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
