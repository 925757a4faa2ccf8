/* lib/volterra.c -- the causal Volterra equation of constant-step SGD,
 *
 *   R_t = F_t + c sum_{s<t} K_{t-1-s} (R_s + g),   t = 0 .. T-1,
 *
 * by divide and conquer over time with FFT convolutions ("online" or
 * relaxed convolution): solve the first half of a block, add its
 * contribution to the second half by one FFT of the block's size, then
 * solve the second half.  Every level costs O(T log T), so the whole
 * solve is O(T log^2 T) instead of the direct O(T^2).  Blocks are powers
 * of two; the kernel's transform at each block size is the same for every
 * block of that size (K_0 .. K_{n-1}) and is computed once.  Blocks of
 * BASE steps or fewer are summed directly.  */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "deq/dynamics.h"
#include "fftw_impl.h"

#define BASE 64
#define MAXLEVEL 48

typedef struct level {
  size_t n;
  double *in;               /* n reals */
  fftw_complex *out, *khat; /* n/2 + 1 */
  fftw_plan fwd, bwd;
} level;

typedef struct vctx {
  double *R, *acc;          /* acc_t: sum over s of earlier blocks, no c */
  const double *F, *K;
  double c, g;
  size_t T;
  level lv[MAXLEVEL];
  int diverged;
} vctx;

static void levels_free(vctx *v)
{
  deq_fftw_lock();
  for (int k = 0; k < MAXLEVEL; k++) {
    level *L = &v->lv[k];
    if (L->fwd) fftw_destroy_plan(L->fwd);
    if (L->bwd) fftw_destroy_plan(L->bwd);
    fftw_free(L->in);
    fftw_free(L->out);
    fftw_free(L->khat);
  }
  deq_fftw_unlock();
}

/* Plans and the kernel's transform for block size n = 2^k.  */
static deq_status level_init(vctx *v, int k)
{
  level *L = &v->lv[k];
  size_t n = (size_t)1 << k, nc = n / 2 + 1;
  L->n = n;
  L->in = fftw_malloc(n * sizeof *L->in);
  L->out = fftw_malloc(nc * sizeof *L->out);
  L->khat = fftw_malloc(nc * sizeof *L->khat);
  if (!L->in || !L->out || !L->khat) return DEQ_ENOMEM;
  deq_fftw_lock();
  L->fwd = fftw_plan_dft_r2c_1d((int)n, L->in, L->out, FFTW_ESTIMATE);
  L->bwd = fftw_plan_dft_c2r_1d((int)n, L->out, L->in,
                                FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  deq_fftw_unlock();
  if (!L->fwd || !L->bwd) return DEQ_ENOMEM;
  for (size_t j = 0; j < n; j++) L->in[j] = j < v->T ? v->K[j] : 0.0;
  fftw_execute_dft_r2c(L->fwd, L->in, L->khat);
  return DEQ_OK;
}

static void base_block(vctx *v, size_t l, size_t r)
{
  for (size_t t = l; t < r && t < v->T; t++) {
    double sum = v->acc[t];
    for (size_t s = l; s < t; s++) sum += v->K[t - 1 - s] * (v->R[s] + v->g);
    double R = v->F[t] + v->c * sum;
    if (!(R <= DBL_MAX)) {
      v->diverged = 1;
      for (size_t u = t; u < v->T; u++) v->R[u] = INFINITY;
      return;
    }
    v->R[t] = R;
  }
}

/* acc_t += sum_{s in [l, m)} K_{t-1-s} (R_s + g) for t in [m, r).  */
static void cross(vctx *v, int k, size_t l, size_t m, size_t r)
{
  level *L = &v->lv[k];
  size_t n = L->n, nc = n / 2 + 1;
  for (size_t j = 0; j < n; j++)
    L->in[j] = j < m - l ? v->R[l + j] + v->g : 0.0;
  fftw_execute_dft_r2c(L->fwd, L->in, L->out);
  for (size_t j = 0; j < nc; j++) {
    double a = L->out[j][0], b = L->out[j][1];
    double p = L->khat[j][0], q = L->khat[j][1];
    L->out[j][0] = a * p - b * q;
    L->out[j][1] = a * q + b * p;
  }
  fftw_execute_dft_c2r(L->bwd, L->out, L->in);
  /* z_{t-1-l}: the lags t-1-s run over 0 .. n-2, so nothing wraps.  */
  for (size_t t = m; t < r && t < v->T; t++)
    v->acc[t] += L->in[t - 1 - l] / (double)n;
}

static void solve(vctx *v, int k, size_t l)
{
  size_t n = (size_t)1 << k, r = l + n;
  if (v->diverged || l >= v->T) return;
  if (n <= BASE) {
    base_block(v, l, r);
    return;
  }
  size_t m = l + n / 2;
  solve(v, k - 1, l);
  if (v->diverged || m >= v->T) return;
  cross(v, k, l, m, r);
  solve(v, k - 1, m);
}

static deq_status check_args(double *R, const double *F, const double *K,
                             double c, double g, size_t T)
{
  if (!R || !F || !K || T == 0) return DEQ_EINVAL;
  if (!(c >= 0 && isfinite(c) && g >= 0 && isfinite(g))) return DEQ_EDOM;
  return DEQ_OK;
}

/* The blocked solve of R[0..T-1] with acc[t] (no factor c) already
   holding the contributions of steps before this window.  */
static deq_status run_blocked(double *R, const double *F, const double *K,
                              double c, double g, size_t T, double *acc)
{
  deq_status st = DEQ_OK;
  int top = 0;
  while (((size_t)1 << top) < T) top++;
  if (top >= MAXLEVEL) return DEQ_EUNSUP;
  vctx v = { .R = R, .F = F, .K = K, .c = c, .g = g, .T = T, .acc = acc };
  for (int k = 0; st == DEQ_OK && k <= top; k++)
    if (((size_t)1 << k) > BASE) st = level_init(&v, k);
  if (st == DEQ_OK) solve(&v, top, 0);
  levels_free(&v);
  if (st != DEQ_OK) return st;
  return v.diverged ? DEQ_EDIVERGE : DEQ_OK;
}

deq_status deq_volterra_solve(double *R, const double *F, const double *K,
                              double c, double g, size_t T)
{
  deq_status st = check_args(R, F, K, c, g, T);
  if (st != DEQ_OK) return st;
  double *acc = calloc(T, sizeof *acc);
  if (!acc) return DEQ_ENOMEM;
  st = run_blocked(R, F, K, c, g, T, acc);
  free(acc);
  return st;
}

/* acc[j] = sum_{s<n0} K_{n0+j-1-s} (R_s + g), j < L, by one FFT of a size
   N >= 2 n0 + L: the lags run over 0 .. n0+L-2, nothing wraps.  */
static deq_status history(double *acc, const double *R, const double *K,
                          double g, size_t n0, size_t L)
{
  size_t N = 1, nk = n0 + L - 1;
  while (N < 2 * n0 + L) N *= 2;
  if (N > ((size_t)1 << 40)) return DEQ_EUNSUP;
  double *x = fftw_malloc(2 * N * sizeof *x);
  fftw_complex *X = fftw_malloc(2 * (N / 2 + 1) * sizeof *X);
  deq_status st = x && X ? DEQ_OK : DEQ_ENOMEM;
  fftw_plan fwd = NULL, bwd = NULL;
  double *k = x + N;
  fftw_complex *KX = X + (N / 2 + 1);
  if (st == DEQ_OK) {
    deq_fftw_lock();
    fwd = fftw_plan_dft_r2c_1d((int)N, x, X, FFTW_ESTIMATE);
    bwd = fftw_plan_dft_c2r_1d((int)N, X, x, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    deq_fftw_unlock();
    if (!fwd || !bwd) st = DEQ_ENOMEM;
  }
  if (st == DEQ_OK) {
    for (size_t j = 0; j < N; j++) {
      x[j] = j < n0 ? R[j] + g : 0.0;
      k[j] = j < nk ? K[j] : 0.0;
    }
    fftw_execute_dft_r2c(fwd, x, X);
    fftw_execute_dft_r2c(fwd, k, KX);
    for (size_t j = 0; j < N / 2 + 1; j++) {
      double a = X[j][0], b = X[j][1], p = KX[j][0], q = KX[j][1];
      X[j][0] = a * p - b * q;
      X[j][1] = a * q + b * p;
    }
    fftw_execute_dft_c2r(bwd, X, x);
    for (size_t j = 0; j < L; j++) acc[j] = x[n0 + j - 1] / (double)N;
  }
  deq_fftw_lock();
  if (fwd) fftw_destroy_plan(fwd);
  if (bwd) fftw_destroy_plan(bwd);
  deq_fftw_unlock();
  fftw_free(x);
  fftw_free(X);
  return st;
}

deq_status deq_volterra_extend(double *R, const double *F, const double *K,
                               double c, double g, size_t n0, size_t T)
{
  deq_status st = check_args(R, F, K, c, g, T);
  if (st != DEQ_OK) return st;
  if (n0 > T) return DEQ_EINVAL;
  if (n0 == T) return DEQ_OK;
  if (n0 > 0 && isinf(R[n0 - 1])) {
    for (size_t t = n0; t < T; t++) R[t] = INFINITY;
    return DEQ_EDIVERGE;
  }
  size_t L = T - n0;
  double *acc = calloc(L, sizeof *acc);
  if (!acc) return DEQ_ENOMEM;
  if (n0 > 0) st = history(acc, R, K, g, n0, L);
  if (st == DEQ_OK) st = run_blocked(R + n0, F + n0, K, c, g, L, acc);
  free(acc);
  return st;
}

deq_status deq_volterra_direct(double *R, const double *F, const double *K,
                               double c, double g, size_t T)
{
  deq_status st = check_args(R, F, K, c, g, T);
  if (st != DEQ_OK) return st;
  for (size_t t = 0; t < T; t++) {
    double sum = 0;
    for (size_t s = 0; s < t; s++) sum += K[t - 1 - s] * (R[s] + g);
    R[t] = F[t] + c * sum;
    if (!(R[t] <= DBL_MAX)) {
      for (size_t u = t; u < T; u++) R[u] = INFINITY;
      return DEQ_EDIVERGE;
    }
  }
  return DEQ_OK;
}
