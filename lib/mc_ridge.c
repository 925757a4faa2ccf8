/* lib/mc_ridge.c -- Monte Carlo ridge regression: sample (X, y) in Sigma's
 * eigenbasis, one thin SVD per trial, every lambda from it.
 *
 * With X = U diag(d) V' (thin, k = min(P, N) singular values), c = U'y and
 * t = P lambda, the ridge solution is w = V diag(d/(d^2 + t)) c, the
 * residual y - Xw = y_perp + U diag(t/(d^2 + t)) c with y_perp = y - U c,
 * and tr Sigma_hat (Sigma_hat + lambda)^-1 = sum d^2/(d^2 + t).
 * Singular values at or below d_max max(P, N) eps are treated as exact
 * zeros (the numerical rank r), which makes lambda = 0 the
 * minimum-norm least-squares solution.  */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/mc.h"
#include "mc_impl.h"
#include "student_impl.h"

/* Per-trial quantities, in this order, for each lambda.  */
enum { Q_EG, Q_ETR, Q_GCV, Q_DF1, NQ };

typedef struct mc_ridge_ws {
  double *X;          /* P x N column-major; destroyed by dgesdd */
  double *y;          /* P labels */
  double *resid;      /* P: y - U c */
  double *d;          /* k singular values, decreasing */
  double *U;          /* P x k */
  double *VT;         /* k x N */
  double *c;          /* k: U'y */
  double *coef;       /* k x nlambda: d c/(d^2 + t) */
  double *W;          /* N x nlambda: ridge weights in the eigenbasis */
  double *work;       /* dgesdd workspace, lwork doubles */
  lapack_int *iwork;  /* 8 k */
} mc_ridge_ws;

struct deq_mc_ridge_plan {
  size_t P, N, k, nlambda;
  int threads;
  double *s;          /* N: eigenvalue of each column */
  double *sqrt_s;     /* N */
  double *wbar;       /* N: target weight of each column */
  lapack_int lwork;
  mc_ridge_ws *ws;    /* one per thread */
};

double deq_mc_z_tail(double x, size_t trials)
{
  if (trials < 2 || !(x >= 0)) return NAN;
  if (isinf(x)) return 0.0;
  if (trials - 1 > 1000) return erfc(x / M_SQRT2);
  return 1.0 - deq_t_two_sided(x, (int)(trials - 1));
}

double deq_mc_z(const deq_mc_estimate *e, double theory)
{
  if (!e)
    return NAN;
  double gap = e->mean - theory;
  if (gap == 0.0)
    return 0.0;
  /* Every trial gave the same value: the spread is unknown, not zero,
     so a gap cannot be measured in standard errors.  */
  if (e->se == 0.0)
    return NAN;
  return gap / e->se;
}

/* ---------------------------------------------------------------- memory */

static void ws_free(mc_ridge_ws *ws)
{
  free(ws->X);
  free(ws->y);
  free(ws->resid);
  free(ws->d);
  free(ws->U);
  free(ws->VT);
  free(ws->c);
  free(ws->coef);
  free(ws->W);
  free(ws->work);
  free(ws->iwork);
}

/* Everything but the LAPACK workspace, whose size is queried later.  */
static deq_status ws_alloc(mc_ridge_ws *ws, size_t P, size_t N, size_t k,
                           size_t nlambda)
{
  if (N > SIZE_MAX / P || k > SIZE_MAX / nlambda || N > SIZE_MAX / nlambda
      || k > SIZE_MAX / 8)
    return DEQ_ENOMEM;
  ws->X = deq_mc_alloc_aligned(P * N, sizeof(double));
  ws->y = deq_mc_alloc_aligned(P, sizeof(double));
  ws->resid = deq_mc_alloc_aligned(P, sizeof(double));
  ws->d = deq_mc_alloc_aligned(k, sizeof(double));
  ws->U = deq_mc_alloc_aligned(P * k, sizeof(double));
  ws->VT = deq_mc_alloc_aligned(k * N, sizeof(double));
  ws->c = deq_mc_alloc_aligned(k, sizeof(double));
  ws->coef = deq_mc_alloc_aligned(k * nlambda, sizeof(double));
  ws->W = deq_mc_alloc_aligned(N * nlambda, sizeof(double));
  ws->iwork = deq_mc_alloc_aligned(8 * k, sizeof(lapack_int));
  if (!ws->X || !ws->y || !ws->resid || !ws->d || !ws->U || !ws->VT
      || !ws->c || !ws->coef || !ws->W || !ws->iwork)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

void deq_mc_ridge_plan_free(deq_mc_ridge_plan *plan)
{
  if (!plan)
    return;
  if (plan->ws)
    for (int i = 0; i < plan->threads; i++)
      ws_free(&plan->ws[i]);
  free(plan->ws);
  free(plan->s);
  free(plan->sqrt_s);
  free(plan->wbar);
  free(plan);
}

/* ---------------------------------------------------------------- plan */

deq_status deq_mc_ridge_plan_alloc(deq_mc_ridge_plan **out,
                                   const deq_spectrum *sp, size_t P,
                                   size_t nlambda, int threads)
{
  if (!out)
    return DEQ_EINVAL;
  *out = NULL;
  if (!sp || nlambda == 0)
    return DEQ_EINVAL;
  if (P < 1)
    return DEQ_EDOM;
  size_t N = 0;
  deq_status st = deq_mc_check_spectrum(&N, sp);
  if (st != DEQ_OK)
    return st;
  if (P > (size_t)INT_MAX / 8)   /* LAPACK dimensions and 8 k iwork */
    return DEQ_EUNSUP;

  deq_mc_ridge_plan *plan = calloc(1, sizeof *plan);
  if (!plan)
    return DEQ_ENOMEM;
  plan->P = P;
  plan->N = N;
  plan->k = P < N ? P : N;
  plan->nlambda = nlambda;
  plan->threads = deq_mc_threads(threads);
  plan->s = deq_mc_alloc_aligned(N, sizeof(double));
  plan->sqrt_s = deq_mc_alloc_aligned(N, sizeof(double));
  plan->wbar = deq_mc_alloc_aligned(N, sizeof(double));
  plan->ws = calloc((size_t)plan->threads, sizeof *plan->ws);
  if (!plan->s || !plan->sqrt_s || !plan->wbar || !plan->ws) {
    deq_mc_ridge_plan_free(plan);
    return DEQ_ENOMEM;
  }
  deq_mc_columns(plan->s, plan->sqrt_s, plan->wbar, sp);

  for (int i = 0; i < plan->threads && st == DEQ_OK; i++)
    st = ws_alloc(&plan->ws[i], P, N, plan->k, nlambda);
  if (st == DEQ_OK) {
    mc_ridge_ws *w = &plan->ws[0];
    st = deq_mc_svd_lwork(&plan->lwork, 'S', P, N, w->X, w->d, w->U, w->VT,
                          w->iwork);
  }
  for (int i = 0; i < plan->threads && st == DEQ_OK; i++) {
    plan->ws[i].work = deq_mc_alloc_aligned((size_t)plan->lwork,
                                            sizeof(double));
    if (!plan->ws[i].work)
      st = DEQ_ENOMEM;
  }
  if (st != DEQ_OK) {
    deq_mc_ridge_plan_free(plan);
    return st;
  }
  *out = plan;
  return DEQ_OK;
}

/* ---------------------------------------------------------------- one trial */

typedef struct ridge_ctx {
  deq_mc_ridge_plan *plan;
  const double *t;     /* P lambda, per lambda */
  double noise_sd;
  uint64_t seed;
} ridge_ctx;

/* One trial: res[l*NQ + q] for every lambda.  */
static deq_status run_trial(double *res, void *vctx, int tid, uint64_t trial)
{
  const ridge_ctx *ctx = vctx;
  const deq_mc_ridge_plan *plan = ctx->plan;
  mc_ridge_ws *ws = &plan->ws[tid];
  size_t P = plan->P, N = plan->N, k = plan->k, nl = plan->nlambda;
  deq_rng rng;
  deq_rng_seed(&rng, ctx->seed, trial);
  deq_mc_sample_xy(ws->X, ws->y, plan->s, plan->sqrt_s, plan->wbar, P, N,
                   ctx->noise_sd, &rng);

  if (deq_mc_svd('S', P, N, ws->X, ws->d, ws->U, ws->VT, ws->work,
                 plan->lwork, ws->iwork) != 0)
    return DEQ_ELAPACK;

  double yperp2 = deq_mc_project(ws->c, ws->resid, ws->U, ws->y, P, k);
  size_t r = deq_mc_numerical_rank(ws->d, k, P, N);
  for (size_t l = 0; l < nl; l++) {
    deq_mc_fit fit;
    deq_mc_ridge_fit(&fit, ws->coef + l * k, ws->d, ws->c, k, r, P, yperp2,
                     ctx->t[l]);
    res[l * NQ + Q_ETR] = fit.e_tr;
    res[l * NQ + Q_GCV] = fit.gcv;
    res[l * NQ + Q_DF1] = fit.df;
  }

  /* W = V coef: the weights for every lambda in one product.  */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)N, (int)nl,
              (int)k, 1.0, ws->VT, (int)k, ws->coef, (int)k, 0.0, ws->W,
              (int)N);
  for (size_t l = 0; l < nl; l++)
    res[l * NQ + Q_EG] = deq_mc_excess(ws->W + l * N, plan->wbar, plan->s, N);
  return DEQ_OK;
}

/* ---------------------------------------------------------------- execute */

/* Where the execute writes each estimate (deq_mc_lambda_execute).  */
static const deq_mc_row_layout ridge_row = {
  sizeof(deq_mc_ridge_row), offsetof(deq_mc_ridge_row, lambda), NQ,
  { [Q_EG] = offsetof(deq_mc_ridge_row, E_g),
    [Q_ETR] = offsetof(deq_mc_ridge_row, E_tr),
    [Q_GCV] = offsetof(deq_mc_ridge_row, gcv),
    [Q_DF1] = offsetof(deq_mc_ridge_row, df1) } };

/* OpenBLAS runs single-threaded during execute (deq_mc_run_trials), and
   the previous setting is restored on return; do not call OpenBLAS from
   other threads meanwhile.  */
deq_status deq_mc_ridge_execute(deq_mc_ridge_row *rows, deq_mc_ridge_plan *plan,
                                const double *lambda, double noise,
                                size_t trials, uint64_t seed)
{
  if (!rows || !plan || !lambda)
    return DEQ_EINVAL;
  ridge_ctx ctx = { plan, NULL, sqrt(fmax(noise, 0.0)), seed };
  return deq_mc_lambda_execute(rows, &ridge_row, plan->P, lambda,
                               plan->nlambda, noise, trials, plan->threads,
                               &ctx.t, run_trial, &ctx);
}

deq_status deq_mc_ridge_run(deq_mc_ridge_row *rows, const deq_spectrum *sp,
                            size_t P, const double *lambda, size_t nlambda,
                            double noise, size_t trials, uint64_t seed,
                            int threads)
{
  deq_mc_ridge_plan *plan = NULL;
  deq_status st = deq_mc_ridge_plan_alloc(&plan, sp, P, nlambda, threads);
  if (st != DEQ_OK)
    return st;
  st = deq_mc_ridge_execute(rows, plan, lambda, noise, trials, seed);
  deq_mc_ridge_plan_free(plan);
  return st;
}
