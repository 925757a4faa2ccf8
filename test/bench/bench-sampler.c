/* test/bench/bench-sampler.c -- correlated-row sampling of a P x N matrix
 * (default 4096 x 512): circulant embedding (FFTW) against Cholesky
 * (dpotrf + dtrmm) for the same stationary K, plus the AR(1) recursion.
 *
 * Setup (plan) and per-sample (execute) times are reported separately;
 * per-sample times are the best of `reps` executes.  Two acfs: AR-like
 * c_k = 0.9^k and fractional Gaussian noise with H = 0.8 (long memory,
 * c_k ~ k^(2H-2), not AR).  Run with OPENBLAS_NUM_THREADS=1 (make bench
 * does) for a single-core comparison.
 *
 * Usage: bench-sampler [P [N [reps]]]  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <deq/sampler.h>
#include "bench.h"

static double best_execute(double *X, size_t P, size_t N,
                           const deq_sampler_plan *plan, int reps)
{
  double best = INFINITY;
  for (int r = 0; r < reps; r++) {
    double t0 = bench_now();
    if (deq_sampler_execute(X, P, N, NULL, plan, 1, (uint64_t)r) != DEQ_OK)
      return NAN;
    double dt = bench_now() - t0;
    if (dt < best)
      best = dt;
  }
  return best;
}

/* Plan with the given method; setup time in *t_plan.  */
static deq_sampler_plan *plan_acf(double *t_plan, const double *acf,
                                  size_t nacf, size_t P,
                                  deq_sampler_method method)
{
  deq_sampler_options opt = { method, 0, 0 };
  deq_sampler_plan *plan = NULL;
  double t0 = bench_now();
  deq_status st = deq_sampler_plan_acf(&plan, acf, nacf, P, &opt);
  *t_plan = bench_now() - t0;
  if (st != DEQ_OK) {
    fprintf(stderr, "bench-sampler: plan failed: %s\n", deq_strerror(st));
    return NULL;
  }
  return plan;
}

static int compare(const char *name, const double *acf, size_t nacf,
                   size_t P, size_t N, int reps, double *X)
{
  char key[128];
  double tc_plan, tl_plan;
  deq_sampler_plan *pc = plan_acf(&tc_plan, acf, nacf, P,
                                  DEQ_SAMPLER_CIRCULANT);
  deq_sampler_plan *pl = plan_acf(&tl_plan, acf, nacf, P,
                                  DEQ_SAMPLER_CHOLESKY);
  if (!pc || !pl) {
    deq_sampler_plan_free(pc);
    deq_sampler_plan_free(pl);
    return 1;
  }
  deq_sampler_info info;
  deq_sampler_plan_info(&info, pc);
  double tc = best_execute(X, P, N, pc, reps);
  double tl = best_execute(X, P, N, pl, reps);
  snprintf(key, sizeof key, "%s_circulant_embed_size", name);
  bench_report(key, (double)info.embed, "M");
  snprintf(key, sizeof key, "%s_circulant_plan", name);
  bench_report(key, tc_plan, "s");
  snprintf(key, sizeof key, "%s_circulant_sample", name);
  bench_report(key, tc, "s");
  snprintf(key, sizeof key, "%s_cholesky_factor", name);
  bench_report(key, tl_plan, "s");
  snprintf(key, sizeof key, "%s_cholesky_sample", name);
  bench_report(key, tl, "s");
  snprintf(key, sizeof key, "%s_speedup_per_sample", name);
  bench_report(key, tl / tc, "x");
  snprintf(key, sizeof key, "%s_speedup_with_setup", name);
  bench_report(key, (tl_plan + tl) / (tc_plan + tc), "x");
  deq_sampler_plan_free(pc);
  deq_sampler_plan_free(pl);
  return 0;
}

int main(int argc, char **argv)
{
  size_t P = argc > 1 ? strtoul(argv[1], NULL, 10) : 4096;
  size_t N = argc > 2 ? strtoul(argv[2], NULL, 10) : 512;
  int reps = argc > 3 ? atoi(argv[3]) : 3;
  if (P < 2 || N < 1 || reps < 1) {
    fprintf(stderr, "usage: bench-sampler [P >= 2 [N >= 1 [reps >= 1]]]\n");
    return 1;
  }
  /* P + 1 lags: the embedding may use the power of two 2^k >= 2(P-1).  */
  size_t nacf = P + 1;
  double *acf = malloc(nacf * sizeof *acf);
  double *X = malloc(P * N * sizeof *X);
  if (!acf || !X)
    return 1;
  printf("# bench-sampler: P = %zu, N = %zu, best of %d\n", P, N, reps);

  for (size_t k = 0; k < nacf; k++)
    acf[k] = pow(0.9, (double)k);
  int rc = compare("ar0.9", acf, nacf, P, N, reps, X);

  deq_sampler_plan *ar = NULL;
  double t0 = bench_now();
  if (deq_sampler_plan_ar1(&ar, P, 0.9) == DEQ_OK) {
    bench_report("ar0.9_recursion_plan", bench_now() - t0, "s");
    bench_report("ar0.9_recursion_sample", best_execute(X, P, N, ar, reps),
                 "s");
  }
  deq_sampler_plan_free(ar);

  const double H = 0.8;
  for (size_t k = 0; k < nacf; k++) {
    double kk = (double)k;
    acf[k] = 0.5 * (pow(kk + 1.0, 2 * H) - 2.0 * pow(kk, 2 * H)
                    + pow(fabs(kk - 1.0), 2 * H));
  }
  rc |= compare("fgn0.8", acf, nacf, P, N, reps, X);
  free(acf);
  free(X);
  return rc;
}
