/* lib/mc_cot.c -- Monte Carlo of chain-of-thought refinement (spec
 * icl_cot.md section 4.4) and of L-step in-context gradient descent
 * (section 3.2): direct simulation at finite dimension (deq/cot.h).
 *
 * Thread invariance as everywhere (mc_impl.h): trial t draws from the
 * stream (seed, t) only, BLAS is serial inside trials, trials are
 * reduced in order.  */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/cot.h"
#include "mc_impl.h"

#define MC_MAX_D 4096

/* ------------------------------------------------------------ chain of thought */

typedef struct cot_ws {
  double *Z, *y, *w, *h, *H, *W, *HH, *G, *S, *wh, *r;
} cot_ws;

typedef struct cot_ctx {
  size_t d, l, n, tests, ndepth, tmax;
  double rho, gamma;
  const double *depth;
  uint64_t seed;
  cot_ws *ws;
} cot_ctx;

static void cot_ws_free(cot_ws *w)
{
  if (!w) return;
  free(w->Z); free(w->y); free(w->w); free(w->h); free(w->H); free(w->W);
  free(w->HH); free(w->G); free(w->S); free(w->wh); free(w->r);
}

static deq_status cot_ws_alloc(cot_ws *w, const cot_ctx *c)
{
  size_t d = c->d;
  memset(w, 0, sizeof *w);
  w->Z = deq_mc_alloc_aligned(c->l * d, sizeof(double));
  w->y = deq_mc_alloc_aligned(c->l, sizeof(double));
  w->w = deq_mc_alloc_aligned(d, sizeof(double));
  w->h = deq_mc_alloc_aligned(d, sizeof(double));
  w->H = deq_mc_alloc_aligned(d * (c->n ? c->n : 1), sizeof(double));
  w->W = deq_mc_alloc_aligned(d * (c->n ? c->n : 1), sizeof(double));
  w->HH = deq_mc_alloc_aligned(d * d, sizeof(double));
  w->G = deq_mc_alloc_aligned(d * d, sizeof(double));
  w->S = deq_mc_alloc_aligned(d * d, sizeof(double));
  w->wh = deq_mc_alloc_aligned(d, sizeof(double));
  w->r = deq_mc_alloc_aligned(d, sizeof(double));
  if (!w->Z || !w->y || !w->w || !w->h || !w->H || !w->W || !w->HH
      || !w->G || !w->S || !w->wh || !w->r) {
    cot_ws_free(w);
    return DEQ_ENOMEM;
  }
  return DEQ_OK;
}

/* One context: w ~ N(0, I_d), Z (l x d, column-major) iid N(0, 1) so that
   x = z/sqrt(d), y = Z w/sqrt(d) + sqrt(rho) eps, h = (sqrt(d)/l) Z'y.  */
static void cot_context(const cot_ctx *c, cot_ws *w, deq_rng *rng)
{
  size_t d = c->d, l = c->l;
  deq_rng_normals(w->w, d, rng);
  deq_rng_normals(w->Z, l * d, rng);
  deq_rng_normals(w->y, l, rng);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)l, (int)d, 1 / sqrt((double)d),
              w->Z, (int)l, w->w, 1, sqrt(c->rho), w->y, 1);
  cblas_dgemv(CblasColMajor, CblasTrans, (int)l, (int)d,
              sqrt((double)d) / (double)l, w->Z, (int)l, w->y, 1, 0.0, w->h, 1);
}

/* Gamma = (sum w h')(sum h h')^-1 over n pretraining contexts, in G
   (column-major d x d); tau = Inf: gamma* I.  */
static deq_status cot_pretrain(const cot_ctx *c, cot_ws *w, deq_rng *rng)
{
  size_t d = c->d;
  memset(w->G, 0, d * d * sizeof *w->G);
  if (c->n == 0) {
    for (size_t i = 0; i < d; i++) w->G[i * d + i] = c->gamma;
    return DEQ_OK;
  }
  for (size_t mu = 0; mu < c->n; mu++) {
    cot_context(c, w, rng);
    memcpy(w->H + mu * d, w->h, d * sizeof *w->h);
    memcpy(w->W + mu * d, w->w, d * sizeof *w->w);
  }
  /* HH = H H' (d x d), G' = HH^-1 (W H')' = HH^-1 H W' */
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)d, (int)c->n, 1.0,
              w->H, (int)d, 0.0, w->HH, (int)d);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)d, (int)d,
              (int)c->n, 1.0, w->H, (int)d, w->W, (int)d, 0.0, w->S, (int)d);
  if (LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', (lapack_int)d, (lapack_int)d,
                    w->HH, (lapack_int)d, w->S, (lapack_int)d) != 0)
    return DEQ_ELAPACK;
  for (size_t i = 0; i < d; i++)      /* G = S' */
    for (size_t j = 0; j < d; j++) w->G[j * d + i] = w->S[i * d + j];
  return DEQ_OK;
}

static double sqdist_over_d(const double *a, const double *b, size_t d)
{
  double s = 0;
  for (size_t i = 0; i < d; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s / (double)d;
}

static deq_status cot_trial(double *res, void *vctx, int tid, uint64_t trial)
{
  const cot_ctx *c = vctx;
  cot_ws *w = &c->ws[tid];
  size_t d = c->d, l = c->l;
  deq_rng rng;
  deq_rng_seed(&rng, c->seed, trial);
  deq_status st = cot_pretrain(c, w, &rng);
  if (st != DEQ_OK) return st;
  for (size_t j = 0; j < c->ndepth; j++) res[j] = 0;
  for (size_t k = 0; k < c->tests; k++) {
    cot_context(c, w, &rng);
    /* Sigma_hat = Z'Z/l (upper triangle) */
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)d, (int)l,
                1.0 / (double)l, w->Z, (int)l, 0.0, w->S, (int)d);
    memset(w->wh, 0, d * sizeof *w->wh);
    for (size_t t = 0; t <= c->tmax; t++) {
      if (t > 0) {   /* w <- w + G (h - Sigma_hat w) */
        memcpy(w->r, w->h, d * sizeof *w->r);
        cblas_dsymv(CblasColMajor, CblasUpper, (int)d, -1.0, w->S, (int)d,
                    w->wh, 1, 1.0, w->r, 1);
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)d, (int)d, 1.0, w->G,
                    (int)d, w->r, 1, 1.0, w->wh, 1);
      }
      double err = -1;
      for (size_t j = 0; j < c->ndepth; j++)
        if (c->depth[j] == (double)t) {
          if (err < 0) err = sqdist_over_d(w->wh, w->w, d);
          res[j] += err / (double)c->tests;
        }
    }
  }
  for (size_t j = 0; j < c->ndepth; j++)
    if (!isfinite(res[j])) return DEQ_EDIVERGE;
  return DEQ_OK;
}

/* Estimates from the Welford sums: est[j] = mean and s.e.  */
static deq_status run_and_reduce(deq_mc_estimate *est, size_t m, size_t trials,
                                 int threads, deq_mc_trial_fn fn, void *ctx)
{
  double *mean = malloc(m * sizeof *mean), *m2 = malloc(m * sizeof *m2);
  deq_status st = mean && m2 ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK)
    st = deq_mc_run_trials(mean, m2, m, trials, threads, fn, ctx);
  for (size_t j = 0; st == DEQ_OK && j < m; j++)
    est[j] = deq_mc_estimate_of(mean[j], m2[j], trials);
  free(mean);
  free(m2);
  return st;
}

deq_status deq_mc_cot_run(deq_mc_estimate *est, size_t d, double alpha,
                          double tau, double rho, const double *depth,
                          size_t ndepth, size_t tests, size_t trials,
                          uint64_t seed, int threads)
{
  if (!est || !depth || ndepth == 0 || tests == 0 || trials < 2)
    return DEQ_EINVAL;
  if (!(alpha > 0) || !(tau > 1) || isnan(tau) || !(rho >= 0)
      || !isfinite(rho) || d < 1 || d > MC_MAX_D)
    return DEQ_EDOM;
  double l = round(alpha * (double)d), n = isinf(tau) ? 0 : round(tau * (double)d);
  if (!(l >= 1) || l * (double)d > 1e9 || n * (double)d > 1e9) return DEQ_EDOM;
  if (!isinf(tau) && n < (double)d + 1) return DEQ_EDOM;   /* H H' singular */
  cot_ctx c = { .d = d, .l = (size_t)l, .n = (size_t)n, .tests = tests,
                .ndepth = ndepth, .rho = rho,
                .gamma = 1 / (1 + (1 + rho) / alpha), .depth = depth,
                .seed = seed };
  for (size_t j = 0; j < ndepth; j++) {
    if (!(depth[j] >= 0) || depth[j] != floor(depth[j]) || depth[j] > 1e6)
      return DEQ_EDOM;
    if (depth[j] > (double)c.tmax) c.tmax = (size_t)depth[j];
  }
  int nt = deq_mc_threads(threads);
  c.ws = calloc((size_t)nt, sizeof *c.ws);
  deq_status st = c.ws ? DEQ_OK : DEQ_ENOMEM;
  int made = 0;
  for (; st == DEQ_OK && made < nt; made++)
    if ((st = cot_ws_alloc(&c.ws[made], &c)) != DEQ_OK) break;
  if (st == DEQ_OK)
    st = run_and_reduce(est, ndepth, trials, nt, cot_trial, &c);
  for (int i = 0; c.ws && i < made; i++) cot_ws_free(&c.ws[i]);
  free(c.ws);
  return st;
}

/* ------------------------------------------------------------ depth */

typedef struct depth_ws {
  double *Z, *y, *beta, *b, *r;
} depth_ws;

typedef struct depth_ctx {
  size_t D, P, n;
  double noise;
  const double *layers, *gamma;
  uint64_t seed;
  depth_ws *ws;
} depth_ctx;

static void depth_ws_free(depth_ws *w)
{
  free(w->Z); free(w->y); free(w->beta); free(w->b); free(w->r);
}

static deq_status depth_trial(double *res, void *vctx, int tid, uint64_t trial)
{
  const depth_ctx *c = vctx;
  depth_ws *w = &c->ws[tid];
  size_t D = c->D, P = c->P;
  deq_rng rng;
  deq_rng_seed(&rng, c->seed, trial);
  /* x ~ N(0, I_D), y = beta.x/sqrt(D) + sigma eps */
  deq_rng_normals(w->beta, D, &rng);
  deq_rng_normals(w->Z, P * D, &rng);
  deq_rng_normals(w->y, P, &rng);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)D, 1 / sqrt((double)D),
              w->Z, (int)P, w->beta, 1, sqrt(c->noise), w->y, 1);
  for (size_t j = 0; j < c->n; j++) {
    size_t L = (size_t)c->layers[j];
    double step = c->gamma[j] / ((double)L * (double)P);
    memset(w->b, 0, D * sizeof *w->b);
    for (size_t s = 0; s < L; s++) {   /* b <- b + (gamma/L)(1/P) X'(y - Xb) */
      memcpy(w->r, w->y, P * sizeof *w->r);
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)D, -1.0, w->Z,
                  (int)P, w->b, 1, 1.0, w->r, 1);
      cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)D, step, w->Z,
                  (int)P, w->r, 1, 1.0, w->b, 1);
    }
    double s2 = 0, sd = sqrt((double)D);
    for (size_t i = 0; i < D; i++) {
      double e = w->beta[i] / sd - w->b[i];
      s2 += e * e;
    }
    res[j] = c->noise + s2;
    if (!isfinite(res[j])) return DEQ_EDIVERGE;
  }
  return DEQ_OK;
}

deq_status deq_mc_icl_depth_run(deq_mc_estimate *est, size_t D, double alpha,
                                double noise, const double *layers,
                                const double *gamma, size_t n, size_t trials,
                                uint64_t seed, int threads)
{
  if (!est || !layers || !gamma || n == 0 || trials < 2) return DEQ_EINVAL;
  if (!(alpha > 0) || !(noise >= 0) || !isfinite(noise) || D < 1
      || D > MC_MAX_D)
    return DEQ_EDOM;
  double P = round(alpha * (double)D);
  if (!(P >= 1) || P * (double)D > 1e9) return DEQ_EDOM;
  for (size_t j = 0; j < n; j++)
    if (!(layers[j] >= 1) || layers[j] != floor(layers[j]) || layers[j] > 1e6
        || !(gamma[j] >= 0) || !isfinite(gamma[j]))
      return DEQ_EDOM;
  depth_ctx c = { .D = D, .P = (size_t)P, .n = n, .noise = noise,
                  .layers = layers, .gamma = gamma, .seed = seed };
  int nt = deq_mc_threads(threads);
  c.ws = calloc((size_t)nt, sizeof *c.ws);
  deq_status st = c.ws ? DEQ_OK : DEQ_ENOMEM;
  for (int i = 0; st == DEQ_OK && i < nt; i++) {
    depth_ws *w = &c.ws[i];
    w->Z = deq_mc_alloc_aligned(c.P * D, sizeof(double));
    w->y = deq_mc_alloc_aligned(c.P, sizeof(double));
    w->r = deq_mc_alloc_aligned(c.P, sizeof(double));
    w->beta = deq_mc_alloc_aligned(D, sizeof(double));
    w->b = deq_mc_alloc_aligned(D, sizeof(double));
    if (!w->Z || !w->y || !w->r || !w->beta || !w->b) st = DEQ_ENOMEM;
  }
  if (st == DEQ_OK) st = run_and_reduce(est, n, trials, nt, depth_trial, &c);
  for (int i = 0; c.ws && i < nt; i++) depth_ws_free(&c.ws[i]);
  free(c.ws);
  return st;
}
