/* lib/mc_msgd.c -- Monte Carlo of multi-pass SGD (deq/msgd.h): per trial
 * one data set of P samples drawn in Sigma's eigenbasis, then the weights
 * themselves, trained by SGD with B indices drawn uniformly with
 * replacement per step.  At each reported step: the exact excess test
 * risk sum_j s_j (w_j - wbar_j)^2 and the training error |y - X w|^2/P.
 * Trial t draws from the stream (seed, t) only and trials are reduced in
 * order (deq_mc_run_trials): bitwise identical for any thread count.  */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "deq/msgd.h"
#include "mc_impl.h"

typedef struct mc_msgd {
  size_t N, P, B, ns;
  deq_mc_steps g;             /* columns, order of T */
  double noise_sd, eta;
  const double *T;            /* ns reported steps, caller's order */
  uint64_t seed;
} mc_msgd;

/* A uniform index in [0, P) from 53 random bits (bias below P 2^-53).  */
static size_t draw_index(size_t P, deq_rng *rng)
{
  double u = (double) (deq_rng_u64(rng) >> 11) * 0x1p-53;
  size_t i = (size_t) (u * (double) P);
  return i < P ? i : P - 1;
}

static double test_excess(const double *w, const mc_msgd *c)
{
  double r = 0;
  for (size_t j = 0; j < c->N; j++) {
    double e = w[j] - c->g.wbar[j];
    r += c->g.s[j] * e * e;
  }
  return r;
}

static double train_error(const double *Xr, const double *y, const double *w,
                          double *r, const mc_msgd *c)
{
  memcpy(r, y, c->P * sizeof *r);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) c->P, (int) c->N, 1.0, Xr,
              (int) c->N, w, 1, -1.0, r, 1);
  double sum = 0;
  for (size_t i = 0; i < c->P; i++) sum += r[i] * r[i];
  return sum / (double) c->P;
}

static deq_status trial(double *res, void *ctx, int tid, uint64_t t)
{
  (void) tid;
  const mc_msgd *c = ctx;
  size_t N = c->N, P = c->P, ns = c->ns;
  double *X = malloc((2 * P * N + 2 * P + 2 * N) * sizeof *X);
  if (!X) return DEQ_ENOMEM;
  double *Xr = X + P * N, *y = Xr + P * N, *r = y + P, *w = r + P;
  double *grad = w + N;
  deq_rng rng;
  deq_rng_seed(&rng, c->seed, t);
  deq_mc_sample_xy(X, y, c->g.s, c->g.sqrt_s, c->g.wbar, P, N, c->noise_sd,
                   &rng);
  for (size_t j = 0; j < N; j++)             /* row-major copy: x_i rows */
    for (size_t i = 0; i < P; i++) Xr[i * N + j] = X[j * P + i];
  memset(w, 0, N * sizeof *w);
  double step = c->eta / (double) c->B;
  size_t next = 0;
  for (double tau = 0;; tau += 1) {
    for (; next < ns && c->T[c->g.order[next]] == tau; next++) {
      size_t k = c->g.order[next];
      res[k] = test_excess(w, c);
      res[ns + k] = train_error(Xr, y, w, r, c);
    }
    if (next == ns) break;
    memset(grad, 0, N * sizeof *grad);
    for (size_t b = 0; b < c->B; b++) {
      size_t i = draw_index(P, &rng);
      const double *x = Xr + i * N;
      double res_i = -y[i];
      for (size_t j = 0; j < N; j++) res_i += x[j] * w[j];
      for (size_t j = 0; j < N; j++) grad[j] += res_i * x[j];
    }
    for (size_t j = 0; j < N; j++) w[j] -= step * grad[j];
  }
  free(X);
  return DEQ_OK;
}

deq_status deq_mc_msgd_run(deq_mc_estimate *E_g, deq_mc_estimate *E_tr,
                           const deq_spectrum *sp, double P, double noise,
                           double eta, double batch, const double *T,
                           size_t n, size_t trials, uint64_t seed,
                           int threads)
{
  if (!E_g || !E_tr || !sp || !T || n == 0 || trials < 2) return DEQ_EINVAL;
  if (!(noise >= 0 && isfinite(noise)) || !(eta > 0 && isfinite(eta)))
    return DEQ_EDOM;
  if (!(P >= 1 && P <= 1e8 && P == floor(P)) || !(batch >= 1 && batch <= 1e8
      && batch == floor(batch)))
    return DEQ_EUNSUP;
  size_t N;
  deq_status st = deq_mc_check_spectrum(&N, sp);
  if (st != DEQ_OK) return st;
  if ((double) N * P > 1e9) return DEQ_EUNSUP;
  for (size_t k = 0; k < n; k++)
    if (!(T[k] >= 0 && T[k] == floor(T[k]) && T[k] <= 1e9)) return DEQ_EDOM;
  mc_msgd c = { .N = N, .P = (size_t) P, .B = (size_t) batch, .ns = n,
                .noise_sd = sqrt(noise), .eta = eta, .T = T, .seed = seed };
  deq_mc_estimate *est[2] = { E_g, E_tr };
  return deq_mc_run_steps(&c.g, sp, N, T, n, est, 2, trials, threads, trial,
                          &c);
}
