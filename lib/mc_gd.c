/* lib/mc_gd.c -- Monte Carlo of full-batch gradient descent
 * (deq/dynamics.h): one data set (X, y) per trial, sampled in Sigma's
 * eigenbasis, and GD on it run exactly through the thin SVD
 * X/sqrt(P) = U D V': in the direction of singular value d_j (sample
 * eigenvalue l_j = d_j^2) the iterate from w_0 = 0 is
 *     (V'w_t)_j = (1 - (1 - eta l_j)^t) (U'y)_j/(sqrt(P) d_j),
 * and outside the row space of X (P < N) GD does not move (w stays 0).
 * Per reported step: the exact excess risk sum_k s_k (w_k - wbar_k)^2.
 * Trial t draws from the stream (seed, t) only and trials are reduced
 * in order (deq_mc_run_trials): bitwise identical for any thread count.  */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "deq/dynamics.h"
#include "mc_impl.h"

typedef struct mc_gd {
  size_t N, P, k, ns;
  double *s, *sqrt_s, *wbar;  /* N each */
  double noise_sd, eta;
  const double *T;            /* ns reported steps */
  lapack_int lwork;
  uint64_t seed;
} mc_gd;

static deq_status trial(double *res, void *ctx, int tid, uint64_t t)
{
  (void)tid;
  const mc_gd *c = ctx;
  size_t N = c->N, P = c->P, k = c->k;
  double *X = deq_mc_xalloc(P * N, sizeof *X);
  double *U = deq_mc_xalloc(P * k, sizeof *U);
  double *VT = deq_mc_xalloc(k * N, sizeof *VT);
  double *work = deq_mc_xalloc((size_t) c->lwork, sizeof *work);
  lapack_int *iwork = deq_mc_xalloc(8 * k, sizeof *iwork);
  double *y = malloc(P * sizeof *y), *d = malloc(k * sizeof *d);
  double *cy = malloc(k * sizeof *cy), *a = malloc(k * sizeof *a);
  double *w = malloc(N * sizeof *w);
  deq_status st = DEQ_OK;
  if (!X || !U || !VT || !work || !iwork || !y || !d || !cy || !a || !w) {
    st = DEQ_ENOMEM;
    goto done;
  }
  deq_rng rng;
  deq_rng_seed(&rng, c->seed, t);
  deq_mc_sample_xy(X, y, c->s, c->sqrt_s, c->wbar, P, N, c->noise_sd, &rng);
  double scale = 1 / sqrt((double) P);
  for (size_t i = 0; i < P * N; i++) X[i] *= scale;   /* X/sqrt(P) */
  if (deq_mc_svd('S', P, N, X, d, U, VT, work, c->lwork, iwork) != 0) {
    st = DEQ_ELAPACK;
    goto done;
  }
  size_t r = deq_mc_numerical_rank(d, k, P, N);
  /* c = U'y/sqrt(P): the target of direction j is c_j/d_j */
  cblas_dgemv(CblasColMajor, CblasTrans, (int) P, (int) k, scale, U, (int) P,
              y, 1, 0.0, cy, 1);
  for (size_t q = 0; q < c->ns; q++) {
    double tq = c->T[q];
    for (size_t j = 0; j < k; j++) {
      double l = d[j] * d[j], f = 1 - c->eta * l;
      a[j] = j < r ? (1 - pow(f, tq)) * cy[j] / d[j] : 0;
    }
    /* w = V a (the rows of VT are the directions) */
    cblas_dgemv(CblasColMajor, CblasTrans, (int) k, (int) N, 1.0, VT, (int) k,
                a, 1, 0.0, w, 1);
    res[q] = deq_mc_excess(w, c->wbar, c->s, N);
  }
done:
  free(X), free(U), free(VT), free(work), free(iwork);
  free(y), free(d), free(cy), free(a), free(w);
  return st;
}

deq_status deq_mc_gd_run(deq_mc_estimate *E_g, const deq_spectrum *sp,
                         double P, double noise, double eta, const double *T,
                         size_t n, size_t trials, uint64_t seed, int threads)
{
  if (!E_g || !sp || !T || n == 0 || trials < 2) return DEQ_EINVAL;
  if (!(noise >= 0 && isfinite(noise)) || !(eta > 0 && isfinite(eta))
      || !(P >= 1 && P == floor(P) && P <= DEQ_MC_MAX_DIM))
    return DEQ_EDOM;
  for (size_t q = 0; q < n; q++)
    if (!(T[q] == INFINITY || (T[q] >= 0 && T[q] == floor(T[q]))))
      return DEQ_EDOM;
  size_t N;
  deq_status st = deq_mc_check_spectrum(&N, sp);
  if (st != DEQ_OK) return st;
  if ((double) N * P > 0x1p28) return DEQ_EUNSUP;   /* X of 2 GiB */
  mc_gd c = { .N = N, .P = (size_t) P, .ns = n, .noise_sd = sqrt(noise),
              .eta = eta, .T = T, .seed = seed };
  c.k = c.P < N ? c.P : N;
  c.s = deq_mc_columns_alloc(&c.sqrt_s, &c.wbar, sp, N);
  double *X = deq_mc_xalloc(c.P * N, sizeof *X);
  double *dd = malloc(c.k * sizeof *dd);
  lapack_int *iwork = deq_mc_xalloc(8 * c.k, sizeof *iwork);
  if (!c.s || !X || !dd || !iwork) {
    st = DEQ_ENOMEM;
    goto done;
  }
  memset(X, 0, c.P * N * sizeof *X);
  /* a workspace query: U and VT are not touched */
  st = deq_mc_svd_lwork(&c.lwork, 'S', c.P, N, X, dd, X, X, iwork);
  if (st == DEQ_OK)
    st = deq_mc_run_estimates(&E_g, 1, n, trials, threads, trial, &c);
done:
  free(c.s), free(X), free(dd), free(iwork);
  return st;
}
