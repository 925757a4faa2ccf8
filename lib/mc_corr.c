/* lib/mc_corr.c -- Monte Carlo ridge with correlated samples: rows drawn
 * by the correlated-row sampler (deq/sampler.h), one thin SVD per trial,
 * every lambda from it (the algebra of lib/mc_ridge.c: with X = U D V',
 * c = U'y and t = P lambda, w = V diag(d/(d^2+t)) c and
 * y - Xw = y_perp + U diag(t/(d^2+t)) c).  */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/corr.h"
#include "deq/sampler.h"
#include "mc_impl.h"

enum { Q_EG, Q_ETR, Q_GCV, Q_CGCV, Q_DF, Q_FC, NQ };

typedef struct ws {
  double *X, *y, *resid, *d, *U, *VT, *c, *coef, *W, *work, *aU;
  lapack_int *iwork;
} ws;

struct deq_mc_corr_plan {
  size_t P, N, k, nlambda;
  int threads;
  double *s, *sqrt_s, *wbar;   /* per column */
  deq_sampler_plan *rows;      /* K^{1/2} */
  deq_spectrum *K;             /* exact K spectrum (CorrGCV) */
  double *alpha, s2;           /* forecast (alpha NULL: none) */
  lapack_int lwork;
  ws *w;
};

static void ws_free(ws *w)
{
  free(w->X); free(w->y); free(w->resid); free(w->d); free(w->U);
  free(w->VT); free(w->c); free(w->coef); free(w->W); free(w->work);
  free(w->aU); free(w->iwork);
}

void deq_mc_corr_plan_free(deq_mc_corr_plan *p)
{
  if (!p) return;
  if (p->w)
    for (int i = 0; i < p->threads; i++) ws_free(&p->w[i]);
  free(p->w);
  free(p->s);
  free(p->sqrt_s);
  free(p->wbar);
  free(p->alpha);
  deq_sampler_plan_free(p->rows);
  deq_spectrum_free(p->K);
  free(p);
}

/* Plain malloc (deq_mc_xalloc), not aligned: these buffers never were,
   and alignment could change the BLAS rounding of existing results.  */
static deq_status ws_alloc(ws *w, size_t P, size_t N, size_t k, size_t nl)
{
  if (N > SIZE_MAX / P || k > SIZE_MAX / nl || N > SIZE_MAX / nl
      || k > SIZE_MAX / 8)
    return DEQ_ENOMEM;
  w->X = deq_mc_alloc_aligned(P * N, sizeof *w->X);
  w->y = deq_mc_alloc_aligned(P, sizeof *w->y);
  w->resid = deq_mc_alloc_aligned(P, sizeof *w->resid);
  w->d = deq_mc_alloc_aligned(k, sizeof *w->d);
  w->U = deq_mc_alloc_aligned(P * k, sizeof *w->U);
  w->VT = deq_mc_alloc_aligned(k * N, sizeof *w->VT);
  w->c = deq_mc_alloc_aligned(k, sizeof *w->c);
  w->aU = deq_mc_alloc_aligned(k, sizeof *w->aU);
  w->coef = deq_mc_alloc_aligned(k * nl, sizeof *w->coef);
  w->W = deq_mc_alloc_aligned(N * nl, sizeof *w->W);
  w->iwork = deq_mc_alloc_aligned(8 * k, sizeof *w->iwork);
  if (!w->X || !w->y || !w->resid || !w->d || !w->U || !w->VT || !w->c
      || !w->aU || !w->coef || !w->W || !w->iwork)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

/* Columns in Sigma's eigenbasis, as in lib/mc_ridge.c.  */
static deq_status fill_columns(deq_mc_corr_plan *p, const deq_spectrum *sp)
{
  if (!sp->exact || !isfinite(sp->dim) || sp->dim > DEQ_MC_MAX_DIM)
    return DEQ_EUNSUP;
  size_t N = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (sp->m[i] != floor(sp->m[i])) return DEQ_EUNSUP;
    N += (size_t)sp->m[i];
  }
  p->N = N;
  p->s = deq_mc_xalloc(N, sizeof *p->s);
  p->sqrt_s = deq_mc_xalloc(N, sizeof *p->sqrt_s);
  p->wbar = deq_mc_xalloc(N, sizeof *p->wbar);
  if (!p->s || !p->sqrt_s || !p->wbar) return DEQ_ENOMEM;
  deq_mc_columns(p->s, p->sqrt_s, p->wbar, sp);
  return DEQ_OK;
}

/* The row sampler of a model: the AR(1) recursion, circulant embedding
   of a stationary acf, Cholesky of a dense K otherwise.  */
static deq_status row_sampler(deq_sampler_plan **out,
                              const deq_corr_model *m, size_t P)
{
  if (m->kind == DEQ_CORR_AR1) return deq_sampler_plan_ar1(out, P, m->rho);
  double *A = NULL;
  deq_status st;
  if (m->kind == DEQ_CORR_ACF) {
    size_t n = m->nacf > P ? m->nacf : P;
    A = calloc(n, sizeof *A);
    if (!A) return DEQ_ENOMEM;
    for (size_t h = 0; h < m->nacf; h++) A[h] = m->acf[h] / m->acf[0];
    st = deq_sampler_plan_acf(out, A, n, P, NULL);
  } else {
    st = deq_corr_matrix(&A, m, P);
    if (st == DEQ_OK && m->kind == DEQ_CORR_MATRIX) {   /* tr K = P */
      double tr = 0;
      for (size_t i = 0; i < P; i++) tr += A[i + i * P];
      for (size_t i = 0; i < P * P; i++) A[i] *= (double)P / tr;
    }
    if (st == DEQ_OK) st = deq_sampler_plan_matrix(out, A, P, P);
  }
  free(A);
  return st;
}

deq_status deq_mc_corr_plan_alloc(deq_mc_corr_plan **out,
                                  const deq_spectrum *sp,
                                  const deq_corr_model *model, size_t P,
                                  size_t tau, size_t nlambda, int threads)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (!sp || !model || nlambda == 0) return DEQ_EINVAL;
  if (P < 2) return DEQ_EDOM;
  if (P > (size_t)INT_MAX / 8) return DEQ_EUNSUP;
  deq_mc_corr_plan *p = calloc(1, sizeof *p);
  if (!p) return DEQ_ENOMEM;
  p->P = P;
  p->nlambda = nlambda;
  p->threads = deq_mc_threads(threads);
  deq_status st = fill_columns(p, sp);
  if (st == DEQ_OK) st = deq_corr_spectrum(&p->K, model, P, DEQ_CORR_EXACT, NULL);
  if (st == DEQ_OK) st = row_sampler(&p->rows, model, P);
  if (st == DEQ_OK && tau > 0) {
    deq_corr_forecast *f = NULL;
    st = deq_corr_forecast_alloc(&f, model, P, tau);
    if (st == DEQ_OK) {
      p->alpha = malloc(P * sizeof *p->alpha);
      st = p->alpha ? deq_corr_forecast_alpha(p->alpha, &p->s2, f) : DEQ_ENOMEM;
    }
    deq_corr_forecast_free(f);
  }
  if (st == DEQ_OK) {
    p->k = P < p->N ? P : p->N;
    p->w = calloc((size_t)p->threads, sizeof *p->w);
    if (!p->w) st = DEQ_ENOMEM;
  }
  for (int i = 0; st == DEQ_OK && i < p->threads; i++)
    st = ws_alloc(&p->w[i], P, p->N, p->k, nlambda);
  if (st == DEQ_OK)
    st = deq_mc_svd_lwork(&p->lwork, 'S', P, p->N, p->w[0].X, p->w[0].d,
                          p->w[0].U, p->w[0].VT, p->w[0].iwork);
  for (int i = 0; st == DEQ_OK && i < p->threads; i++) {
    p->w[i].work = deq_mc_xalloc((size_t)p->lwork, sizeof(double));
    if (!p->w[i].work) st = DEQ_ENOMEM;
  }
  if (st != DEQ_OK) {
    deq_mc_corr_plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

/* ------------------------------------------------------------ one trial */

typedef struct corr_ctx {
  deq_mc_corr_plan *p;
  const double *t;     /* P lambda, per lambda */
  double sd;           /* noise standard deviation */
  int iid;             /* noise iid rather than K-correlated */
  uint64_t seed;
} corr_ctx;

/* One trial: res[l*NQ + q] for every lambda.  A sampler failure is
   reported as DEQ_ENOMEM, a failed SVD as DEQ_ELAPACK.  */
static deq_status run_trial(double *res, void *vctx, int tid, uint64_t trial)
{
  const corr_ctx *ctx = vctx;
  const deq_mc_corr_plan *p = ctx->p;
  ws *w = &p->w[tid];
  size_t P = p->P, N = p->N, k = p->k, nl = p->nlambda;
  double sd = ctx->sd;
  int iid = ctx->iid;
  deq_rng rng;
  deq_rng_seed(&rng, ctx->seed, trial);
  if (deq_sampler_execute_rng(w->X, P, N, p->sqrt_s, p->rows, &rng))
    return DEQ_ENOMEM;
  if (iid) {
    deq_rng_normals(w->y, P, &rng);
    for (size_t i = 0; i < P; i++) w->y[i] *= sd;
  } else if (deq_sampler_execute_rng(w->y, P, 1, &sd, p->rows, &rng)) {
    return DEQ_ENOMEM;
  }
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)N, 1.0, w->X, (int)P,
              p->wbar, 1, 1.0, w->y, 1);
  if (deq_mc_svd('S', P, N, w->X, w->d, w->U, w->VT, w->work, p->lwork,
                 w->iwork) != 0)
    return DEQ_ELAPACK;
  double yperp2 = deq_mc_project(w->c, w->resid, w->U, w->y, P, k);
  double ay = 0;   /* alpha' y_perp */
  if (p->alpha) {
    cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)k, 1.0, w->U, (int)P,
                p->alpha, 1, 0.0, w->aU, 1);
    ay = cblas_ddot((int)P, p->alpha, 1, w->resid, 1);
  }
  size_t r = deq_mc_numerical_rank(w->d, k, P, N);
  for (size_t l = 0; l < nl; l++) {
    double *q = res + l * NQ, tl = ctx->t[l];
    deq_mc_fit fit;
    deq_mc_ridge_fit(&fit, w->coef + l * k, w->d, w->c, k, r, P, yperp2, tl);
    double ar = ay;   /* alpha' r, r = y - X w: same terms, same order */
    if (p->alpha) {
      for (size_t j = 0; j < r; j++) {
        double d2 = w->d[j] * w->d[j], den = d2 + tl, f = tl / den;
        ar += w->aU[j] * f * w->c[j];
      }
      for (size_t j = r; j < k; j++) ar += w->aU[j] * w->c[j];
    }
    q[Q_ETR] = fit.e_tr;
    q[Q_GCV] = fit.gcv;
    double fac;
    q[Q_CGCV] = deq_corr_gcv_factor(&fac, NULL, p->K, fit.df) == DEQ_OK
                ? q[Q_ETR] * fac : NAN;
    q[Q_DF] = fit.df;
    q[Q_FC] = ar;   /* alpha' r; completed below with E_g */
  }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)N, (int)nl,
              (int)k, 1.0, w->VT, (int)k, w->coef, (int)k, 0.0, w->W, (int)N);
  for (size_t l = 0; l < nl; l++) {
    double eg = deq_mc_excess(w->W + l * N, p->wbar, p->s, N);
    double *q = res + l * NQ;
    q[Q_EG] = eg;
    q[Q_FC] = p->alpha && !iid ? q[Q_FC] * q[Q_FC] + p->s2 * (eg + sd * sd)
                               : NAN;
  }
  return DEQ_OK;
}

/* ------------------------------------------------------------ execute */

/* Where the execute writes each estimate (deq_mc_lambda_execute).  */
static const deq_mc_row_layout corr_row = {
  sizeof(deq_mc_corr_row), offsetof(deq_mc_corr_row, lambda), NQ,
  { [Q_EG] = offsetof(deq_mc_corr_row, E_g),
    [Q_ETR] = offsetof(deq_mc_corr_row, E_tr),
    [Q_GCV] = offsetof(deq_mc_corr_row, gcv),
    [Q_CGCV] = offsetof(deq_mc_corr_row, corrgcv),
    [Q_DF] = offsetof(deq_mc_corr_row, df1),
    [Q_FC] = offsetof(deq_mc_corr_row, E_forecast) } };

/* OpenBLAS runs single-threaded meanwhile (deq_mc_run_trials).  */
deq_status deq_mc_corr_execute(deq_mc_corr_row *rows, deq_mc_corr_plan *p,
                               const double *lambda, double noise,
                               deq_corr_noise model, size_t trials,
                               uint64_t seed)
{
  if (!rows || !p || !lambda) return DEQ_EINVAL;
  if (model != DEQ_CORR_NOISE_K && model != DEQ_CORR_NOISE_IID)
    return DEQ_EINVAL;
  corr_ctx ctx = {p, NULL, sqrt(fmax(noise, 0.0)),
                  model == DEQ_CORR_NOISE_IID, seed};
  return deq_mc_lambda_execute(rows, &corr_row, p->P, lambda, p->nlambda,
                               noise, trials, p->threads, &ctx.t, run_trial,
                               &ctx);
}

deq_status deq_mc_corr_run(deq_mc_corr_row *rows, const deq_spectrum *sp,
                           const deq_corr_model *model, size_t P, size_t tau,
                           const double *lambda, size_t nlambda, double noise,
                           deq_corr_noise noise_model, size_t trials,
                           uint64_t seed, int threads)
{
  deq_mc_corr_plan *p = NULL;
  deq_status st = deq_mc_corr_plan_alloc(&p, sp, model, P, tau, nlambda,
                                         threads);
  if (st) return st;
  st = deq_mc_corr_execute(rows, p, lambda, noise, noise_model, trials, seed);
  deq_mc_corr_plan_free(p);
  return st;
}
