/* bench-mc.c -- cost of a Monte Carlo ridge trial against one SVD.
 *
 * Default problem: N = P = 1000 (log-uniform spectrum on [0.1, 10],
 * target v_i = s_i^(1/2)/N), 20 ridges log-spaced in [1e-4, 10], noise
 * 0.25, 50 trials.  Times deq_mc_ridge_run with 1 and 2 threads and one
 * bare LAPACKE_dgesdd_work on an N x N Gaussian matrix, and prints
 * "name value unit" lines.  Usage: bench-mc [N [trials]].  */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "deq/mc.h"
#include "deq/spectrum.h"
#include "bench.h"
#include "../../lib/rng_impl.h"

#define NLAMBDA 20
#define SVD_REPS 3

static int fail(const char *what, deq_status st)
{
  fprintf(stderr, "bench-mc: %s: %s\n", what, deq_strerror(st));
  return EXIT_FAILURE;
}

/* Mean wall time of one thin SVD (jobz = 'S', workspace queried
   beforehand, as in the sampler) of an n x n Gaussian matrix; -1 on
   failure.  */
static double time_svd(size_t n)
{
  double *A = malloc(n * n * sizeof *A), *d = malloc(n * sizeof *d);
  double *U = malloc(n * n * sizeof *U), *VT = malloc(n * n * sizeof *VT);
  lapack_int *iwork = malloc(8 * n * sizeof *iwork);
  double *work = NULL, wq = 0, total = -1;
  lapack_int N = (lapack_int)n;
  if (!A || !d || !U || !VT || !iwork)
    goto done;
  if (LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', N, N, A, N, d, U, N, VT, N,
                          &wq, -1, iwork) != 0)
    goto done;
  work = malloc((size_t)wq * sizeof *work);
  if (!work)
    goto done;
  deq_rng rng;
  deq_rng_seed(&rng, 12345, 0);
  total = 0;
  for (int rep = -1; rep < SVD_REPS; rep++) {   /* rep -1 warms up */
    deq_rng_normals(A, n * n, &rng);
    double t0 = bench_now();
    lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', N, N, A, N,
                                          d, U, N, VT, N, work,
                                          (lapack_int)wq, iwork);
    if (rep >= 0)
      total += bench_now() - t0;
    if (info != 0) {
      total = -1;
      goto done;
    }
  }
  total /= SVD_REPS;
done:
  free(A);
  free(d);
  free(U);
  free(VT);
  free(iwork);
  free(work);
  return total;
}

int main(int argc, char **argv)
{
  size_t N = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
  size_t trials = argc > 2 ? strtoul(argv[2], NULL, 10) : 50;
  if (N < 2 || trials < 2) {
    fprintf(stderr, "usage: bench-mc [N >= 2 [trials >= 2]]\n");
    return EXIT_FAILURE;
  }
  deq_spectrum *sp = NULL;
  deq_status st = deq_spectrum_loguniform(&sp, N, 0.1, 10.0);
  if (st != DEQ_OK)
    return fail("spectrum", st);
  double *v = malloc(N * sizeof *v);
  if (!v)
    return fail("spectrum", DEQ_ENOMEM);
  for (size_t i = 0; i < N; i++)
    v[i] = sqrt(sp->s[i]) / (double)N;
  st = deq_spectrum_target_values(sp, N, v, NULL);
  free(v);
  if (st != DEQ_OK)
    return fail("target", st);

  double lambda[NLAMBDA];
  for (int l = 0; l < NLAMBDA; l++)
    lambda[l] = 1e-4 * pow(1e5, l / (double)(NLAMBDA - 1));

  printf("# deq_mc_ridge_run: N = P = %zu, %d lambdas, %zu trials\n", N,
         NLAMBDA, trials);
  double svd = time_svd(N);
  if (svd < 0)
    return fail("dgesdd", DEQ_ELAPACK);
  bench_report("svd_time", svd, "s");

  deq_mc_ridge_row rows[2][NLAMBDA];
  double per_trial[2];
  for (int k = 0; k < 2; k++) {
    int threads = k + 1;
    double t0 = bench_now();
    st = deq_mc_ridge_run(rows[k], sp, N, lambda, NLAMBDA, 0.25, trials,
                          2024, threads);
    double elapsed = bench_now() - t0;
    if (st != DEQ_OK)
      return fail("deq_mc_ridge_run", st);
    per_trial[k] = elapsed / (double)trials;
    char name[64];
    snprintf(name, sizeof name, "run_time_threads%d", threads);
    bench_report(name, elapsed, "s");
    snprintf(name, sizeof name, "trials_per_s_threads%d", threads);
    bench_report(name, 1.0 / per_trial[k], "trials/s");
    snprintf(name, sizeof name, "time_per_trial_threads%d", threads);
    bench_report(name, per_trial[k], "s");
    snprintf(name, sizeof name, "trial_over_svd_threads%d", threads);
    bench_report(name, per_trial[k] / svd, "svds");
  }
  bench_report("speedup_2_threads", per_trial[0] / per_trial[1], "x");
  bench_report("threads_bitwise_equal",
               memcmp(rows[0], rows[1], sizeof rows[0]) == 0, "bool");
  deq_spectrum_free(sp);
  return EXIT_SUCCESS;
}
