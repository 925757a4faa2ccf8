/* test/bench/bench-gcv.c -- the estimators on a 10000 x 500 design with
 * 50 lambda values: plan (the feature route: dsyrk + dsyevd + refinement)
 * + execute (O(P r) per lambda in dgemm blocks, with CorrGCV for an
 * AR(1) K), next to a bare dgesdd of the same matrix; and the table
 * reader on a 1e6-line file.  The comparison with scikit-learn's RidgeCV
 * is test/bench/gcv-vs-sklearn.py.  */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <deq/estimate.h>
#include <deq/io.h>
#include <stdio.h>
#include <unistd.h>
#include <deq/spectrum.h>
#include "../../lib/rng_impl.h"
#include "bench.h"

/* The table reader on 1e6 lines of two %.17g numbers (a spectrum file's
   shape), from a temporary file: seconds including the file's read.  */
static double bench_reader(void)
{
  char path[] = "/tmp/deq-bench-reader-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return NAN;
  FILE *f = fdopen(fd, "w");
  deq_rng rng;
  deq_rng_seed(&rng, 3, 0);
  fprintf(f, "s\tm\n");
  for (int i = 0; i < 1000000; i++) {
    double u;
    deq_rng_normals(&u, 1, &rng);
    fprintf(f, "%.17g\t%d\n", exp(u), 1 + i % 4);
  }
  fclose(f);
  deq_table *t = NULL;
  double best = INFINITY;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = bench_now();
    deq_status st = deq_table_read_file(&t, path, NULL);
    double dt = bench_now() - t0;
    if (st || t->nrow != 1000000) best = NAN;
    else if (dt < best) best = dt;
    deq_table_free(t);
  }
  unlink(path);
  return best;
}

int main(void)
{
  size_t P = 10000, N = 500, nl = 50;
  double *X = malloc(P * N * sizeof *X), *y = malloc(P * sizeof *y);
  double *A = malloc(P * N * sizeof *A), *U = malloc(P * N * sizeof *U);
  double *VT = malloc(N * N * sizeof *VT), *d = malloc(N * sizeof *d);
  double lam[50];
  deq_estimate_point pts[50];
  if (!X || !y || !A || !U || !VT || !d) return 1;
  deq_rng rng;
  deq_rng_seed(&rng, 1, 0);
  deq_rng_normals(X, P * N, &rng);
  deq_rng_normals(y, P, &rng);
  for (size_t l = 0; l < nl; l++) lam[l] = 1e-6 * pow(1e7, (double)l / 49.0);

  /* the SVD alone (same call the plan makes) */
  memcpy(A, X, P * N * sizeof *A);
  double t0 = bench_now();
  lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)P,
                                   (lapack_int)N, A, (lapack_int)P, d, U,
                                   (lapack_int)P, VT, (lapack_int)N);
  double t_svd = bench_now() - t0;
  if (info) return 1;

  deq_spectrum *K = NULL;
  t0 = bench_now();
  if (deq_estimate_K_ar1(&K, P, 0.5)) return 1;
  double t_k = bench_now() - t0;

  deq_estimate_opts o = {1, 1};
  deq_estimate_plan *plan = NULL;
  deq_error err;
  t0 = bench_now();
  if (deq_estimate_plan_alloc(&plan, P, N, X, y, &o, &err)) return 1;
  double t_plan = bench_now() - t0;
  t0 = bench_now();
  if (deq_estimate_execute(pts, plan, nl, lam, NULL)) return 1;
  double t_exec = bench_now() - t0;
  t0 = bench_now();
  if (deq_estimate_execute(pts, plan, nl, lam, K)) return 1;
  double t_exec_k = bench_now() - t0;

  bench_report("gcv_10000x500_svd_alone", t_svd, "s");
  bench_report("gcv_10000x500_plan", t_plan, "s");
  bench_report("gcv_10000x500_50lambda_execute", t_exec, "s");
  bench_report("gcv_10000x500_50lambda_execute_corrgcv", t_exec_k, "s");
  bench_report("gcv_ar1_K_spectrum_P10000", t_k, "s");
  bench_report("gcv_10000x500_total", t_plan + t_exec_k + t_k, "s");
  bench_report("gcv_total_over_svd", (t_plan + t_exec_k + t_k) / t_svd, "x");
  /* Before the exact fast path (strtod on getline'd, split fields) this
     was 0.69 s wall, 0.26 s cpu on the README's machine.  */
  bench_report("table_read_1e6_lines", bench_reader(), "s");
  deq_estimate_plan_free(plan);
  deq_spectrum_free(K);
  free(X); free(y); free(A); free(U); free(VT); free(d);
  return 0;
}
