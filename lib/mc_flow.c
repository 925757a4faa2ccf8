/* lib/mc_flow.c -- Monte Carlo of the random-feature gradient-flow model
 * (deq/flow.h; scaling_dynamics 2.1 and 2.5).  Per trial: P samples x =
 * Sigma^(1/2) z in Sigma's eigenbasis (D = dim Sigma), y = wbar.x + sigma
 * eps, features A (N x D) iid N(0, 1), and gradient flow on
 * (1/2P) sum (y - v.A x/sqrt(N))^2 from v = 0, solved exactly through the
 * thin SVD F = X A'/sqrt(N P) = U S V':
 *     v(t) = V (1 - e^(-S^2 t)) S^-1 U'y/sqrt(P),
 * (t = inf: the minimum-norm interpolant, S^-1 on the numerical rank),
 * w_eff = A'v/sqrt(N) and the exact excess risk sum_k s_k (w_eff - wbar)_k^2.
 * Trial t draws from the stream (seed, t) only and trials are reduced in
 * order (deq_mc_run_trials): bitwise identical for any thread count.  */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "deq/flow.h"
#include "mc_impl.h"

typedef struct mc_flow {
  size_t D, N, P, k, nt;
  double *s, *sqrt_s, *wbar;  /* D each */
  double noise_sd;
  const double *t;            /* nt times */
  lapack_int lwork;
  uint64_t seed;
} mc_flow;

static deq_status trial(double *res, void *ctx, int tid, uint64_t tr)
{
  (void)tid;
  const mc_flow *c = ctx;
  size_t D = c->D, N = c->N, P = c->P, k = c->k;
  double *X = deq_mc_xalloc(P * D, sizeof *X);
  double *A = deq_mc_xalloc(N * D, sizeof *A);
  double *F = deq_mc_xalloc(P * N, sizeof *F);
  double *U = deq_mc_xalloc(P * k, sizeof *U);
  double *VT = deq_mc_xalloc(k * N, sizeof *VT);
  double *work = deq_mc_xalloc((size_t) c->lwork, sizeof *work);
  lapack_int *iwork = deq_mc_xalloc(8 * k, sizeof *iwork);
  double *y = malloc(P * sizeof *y), *d = malloc(k * sizeof *d);
  double *cy = malloc(k * sizeof *cy), *a = malloc(k * sizeof *a);
  double *v = malloc(N * sizeof *v), *w = malloc(D * sizeof *w);
  deq_status st = DEQ_OK;
  if (!X || !A || !F || !U || !VT || !work || !iwork || !y || !d || !cy
      || !a || !v || !w) {
    st = DEQ_ENOMEM;
    goto done;
  }
  deq_rng rng;
  deq_rng_seed(&rng, c->seed, tr);
  deq_mc_sample_xy(X, y, c->s, c->sqrt_s, c->wbar, P, D, c->noise_sd, &rng);
  deq_rng_normals(A, N * D, &rng);             /* A: N x D, column-major */
  double rN = 1 / sqrt((double) N), rP = 1 / sqrt((double) P);
  /* F = X A'/sqrt(N P): (P x D)(D x N) */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int) P, (int) N,
              (int) D, rN * rP, X, (int) P, A, (int) N, 0.0, F, (int) P);
  if (deq_mc_svd('S', P, N, F, d, U, VT, work, c->lwork, iwork) != 0) {
    st = DEQ_ELAPACK;
    goto done;
  }
  size_t r = deq_mc_numerical_rank(d, k, P, N);
  cblas_dgemv(CblasColMajor, CblasTrans, (int) P, (int) k, rP, U, (int) P, y,
              1, 0.0, cy, 1);                  /* U'y/sqrt(P) */
  for (size_t q = 0; q < c->nt; q++) {
    double t = c->t[q];
    for (size_t j = 0; j < k; j++)
      a[j] = j < r ? (t == INFINITY ? 1 : -expm1(-d[j] * d[j] * t)) * cy[j]
                     / d[j]
                   : 0;
    cblas_dgemv(CblasColMajor, CblasTrans, (int) k, (int) N, 1.0, VT, (int) k,
                a, 1, 0.0, v, 1);              /* v = V a */
    cblas_dgemv(CblasColMajor, CblasTrans, (int) N, (int) D, rN, A, (int) N,
                v, 1, 0.0, w, 1);              /* w_eff = A'v/sqrt(N) */
    res[q] = deq_mc_excess(w, c->wbar, c->s, D);
  }
done:
  free(X), free(A), free(F), free(U), free(VT), free(work), free(iwork);
  free(y), free(d), free(cy), free(a), free(v), free(w);
  return st;
}

deq_status deq_mc_flow_run(deq_mc_estimate *E_g, const deq_spectrum *sp,
                           double N, double P, double noise, const double *t,
                           size_t nt, size_t trials, uint64_t seed,
                           int threads)
{
  if (!E_g || !sp || !t || nt == 0 || trials < 2) return DEQ_EINVAL;
  if (!(noise >= 0 && isfinite(noise))) return DEQ_EDOM;
  if (isinf(N) || isinf(P)) return DEQ_EUNSUP;
  if (!(N >= 1 && N == floor(N)) || !(P >= 1 && P == floor(P)))
    return DEQ_EDOM;
  for (size_t q = 0; q < nt; q++)
    if (!(t[q] >= 0)) return DEQ_EDOM;
  size_t D;
  deq_status st = deq_mc_check_spectrum(&D, sp);
  if (st != DEQ_OK) return st;
  if ((double) D * (N > P ? N : P) > 0x1p27 || N * P > 0x1p27)
    return DEQ_EUNSUP;                         /* matrices of 1 GiB */
  mc_flow c = { .D = D, .N = (size_t) N, .P = (size_t) P, .nt = nt,
                .noise_sd = sqrt(noise), .t = t, .seed = seed };
  c.k = c.P < c.N ? c.P : c.N;
  c.s = deq_mc_columns_alloc(&c.sqrt_s, &c.wbar, sp, D);
  double *F = deq_mc_xalloc(c.P * c.N, sizeof *F);
  double *dd = malloc(c.k * sizeof *dd);
  lapack_int *iwork = deq_mc_xalloc(8 * c.k, sizeof *iwork);
  if (!c.s || !F || !dd || !iwork) {
    st = DEQ_ENOMEM;
    goto done;
  }
  memset(F, 0, c.P * c.N * sizeof *F);
  /* a workspace query: U and VT are not touched */
  st = deq_mc_svd_lwork(&c.lwork, 'S', c.P, c.N, F, dd, F, F, iwork);
  if (st == DEQ_OK)
    st = deq_mc_run_estimates(&E_g, 1, nt, trials, threads, trial, &c);
done:
  free(c.s), free(F), free(dd), free(iwork);
  return st;
}
