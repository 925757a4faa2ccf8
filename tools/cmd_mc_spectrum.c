/* tools/cmd_mc_spectrum.c -- the output of `deq mc spectrum`: eigenvalues
 * of sampled sample covariances and products, pooled over trials, as a
 * histogram next to the limiting density, and their Kolmogorov-Smirnov
 * distance to the limiting CDF.  The command itself (options, the chain)
 * is cmd_mc_spectrum in tools/cmd_spectrum.c, which calls
 * mc_spectrum_write here.  */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const hist_columns[] = {
  "bin_lo", "bin_hi", "x", "density", "density_mc", "density_se", "density_z"
};
static const char *const ks_columns[] = {
  "n", "trials", "eigenvalues", "ks", "atom0", "atom0_mc"
};

static int cmp_d(const void *a, const void *b)
{
  double u = *(const double *)a, v = *(const double *)b;
  return (u > v) - (u < v);
}

/* KS distance of the pooled (sorted) eigenvalues; zeros are the atom.  */
static deq_status pooled_ks(double *D, const deq_freeprob_chain *c,
                            const double *sorted, size_t n)
{
  double *F = malloc(n * sizeof *F), *Fl = malloc(n * sizeof *Fl);
  deq_status st = DEQ_ENOMEM;
  if (F && Fl) {
    st = deq_freeprob_chain_cdf(F, c, sorted, n, 0);
    for (size_t i = 0; st == DEQ_OK && i < n; i++)
      Fl[i] = sorted[i] == 0 ? 0 : F[i];
    if (st == DEQ_OK)
      st = deq_freeprob_ks(D, sorted, F, Fl, n);
  }
  free(F);
  free(Fl);
  return st;
}

/* Per-trial histogram densities of the nonzero eigenvalues: mean and
   standard error over trials per bin, and the theory bin averages.  */
static int histogram(cli_table *t, const char *cmd,
                     const deq_freeprob_chain *c, const double *eig,
                     size_t n_out, size_t trials, size_t bins, double top)
{
  double w = top / (double)bins;
  double *edges = malloc((bins + 1) * sizeof *edges);
  double *F = malloc((bins + 1) * sizeof *F);
  double *mean = calloc(bins, sizeof *mean), *m2 = calloc(bins, sizeof *m2);
  double *cnt = malloc(bins * sizeof *cnt);
  int st = CLI_OK;
  if (!edges || !F || !mean || !m2 || !cnt) {
    cli_error(cmd, "out of memory");
    st = CLI_ENUM;
    goto done;
  }
  for (size_t b = 0; b <= bins; b++)
    edges[b] = w * (double)b;
  deq_status ds = deq_freeprob_chain_cdf(F, c, edges, bins + 1, 0);
  if (ds != DEQ_OK) {
    cli_error(cmd, "limiting CDF: %s", deq_strerror(ds));
    st = cli_status_exit(ds);
    goto done;
  }
  for (size_t tr = 0; tr < trials; tr++) {
    memset(cnt, 0, bins * sizeof *cnt);
    for (size_t i = 0; i < n_out; i++) {
      double e = eig[tr * n_out + i];
      if (e == 0)
        continue;
      size_t b = (size_t)(e / w);
      cnt[b < bins ? b : bins - 1] += 1;
    }
    for (size_t b = 0; b < bins; b++) {   /* Welford, in trial order */
      double v = cnt[b] / ((double)n_out * w), dl = v - mean[b];
      mean[b] += dl / (double)(tr + 1);
      m2[b] += dl * (v - mean[b]);
    }
  }
  for (size_t b = 0; st == CLI_OK && b < bins; b++) {
    double T = (double)trials, theory = (F[b + 1] - F[b]) / w;
    deq_mc_estimate e = { mean[b], sqrt(m2[b] / (T - 1) / T) };
    double row[7] = { edges[b], edges[b + 1], edges[b] + 0.5 * w, theory,
                      e.mean, e.se, deq_mc_z(&e, theory) };
    st = cli_table_add(t, cmd, row);
  }
done:
  free(edges);
  free(F);
  free(mean);
  free(m2);
  free(cnt);
  return st;
}

int mc_spectrum_write(const deq_freeprob_chain *c, uint64_t trials,
                      uint64_t seed, int threads, size_t bins, int ks,
                      const cli_output *out)
{
  const char *cmd = out->command;
  deq_mc_spectrum_plan *plan = NULL;
  deq_status ds = deq_mc_spectrum_plan_alloc(&plan, c, threads);
  if (ds != DEQ_OK) {
    if (ds == DEQ_EUNSUP || ds == DEQ_EDOM)
      cli_error(cmd, "cannot sample this model: integer --samples and "
                "--widths, and layer spectra of dimension N_{l-1}, are "
                "needed (%s)", deq_strerror(ds));
    else
      cli_error(cmd, "Monte Carlo setup: %s", deq_strerror(ds));
    return cli_status_exit(ds);
  }
  size_t n_out = deq_mc_spectrum_size(plan), n = n_out * (size_t)trials;
  double *eig = malloc(n * sizeof *eig), *sorted = malloc(n * sizeof *sorted);
  cli_table t;
  cli_table_init(&t, ks ? 6 : 7, ks ? ks_columns : hist_columns);
  int st = CLI_OK;
  if (!eig || !sorted) {
    cli_error(cmd, "out of memory");
    st = CLI_ENUM;
    goto done;
  }
  cli_mc_banner(cmd, seed, trials, threads);
  ds = deq_mc_spectrum_execute(eig, plan, (size_t)trials, seed);
  if (ds != DEQ_OK) {
    cli_error(cmd, "Monte Carlo failed: %s", deq_strerror(ds));
    st = cli_status_exit(ds);
    goto done;
  }
  memcpy(sorted, eig, n * sizeof *eig);
  qsort(sorted, n, sizeof *sorted, cmp_d);
  double D, zeros = 0;
  for (size_t i = 0; i < n && sorted[i] == 0; i++)
    zeros += 1;
  ds = pooled_ks(&D, c, sorted, n);
  if (ds != DEQ_OK) {
    cli_error(cmd, "limiting CDF: %s", deq_strerror(ds));
    st = cli_status_exit(ds);
    goto done;
  }
  double a0 = deq_freeprob_chain_atom0(c);
  if (ks) {
    double row[6] = { (double)n_out, (double)trials, (double)n, D, a0,
                      zeros / (double)n };
    st = cli_table_add(&t, cmd, row);
  } else {
    char b1[32], b2[32], b3[32];
    fprintf(stderr, "# deq %s: Kolmogorov-Smirnov distance %s over %zu "
            "eigenvalues; atom at 0: %s (sampled %s)\n", cmd, cli_num(b1, D),
            n, cli_num(b2, a0), cli_num(b3, zeros / (double)n));
    double top = sorted[n - 1] > 0 ? sorted[n - 1] * (1 + 1e-12) : 1;
    st = histogram(&t, cmd, c, eig, n_out, (size_t)trials, bins, top);
  }
  cli_plot plot = { 2, 3, 4, 5, -1 };
  if (st == CLI_OK)
    st = cli_table_write(&t, out, ks ? NULL : &plot);
done:
  cli_table_free(&t);
  free(eig);
  free(sorted);
  deq_mc_spectrum_plan_free(plan);
  return st;
}
