/* lib/mc_features.c -- Monte Carlo random-feature and deep-feature ridge:
 * fresh data and fresh layers per trial, one thin SVD of Phi = X G per
 * trial for every lambda (the structure of lib/mc_ridge.c).
 *
 * With Phi = U diag(d) V' (k = min(P, N_L)) and t = P lambda the readout
 * is v = V diag(d/(d^2 + t)) U'y, w_eff = G v, the residual y - Phi v =
 * y_perp + U diag(t/(d^2 + t)) U'y and df = sum d^2/(d^2 + t).  Singular
 * values at or below d_max max(P, N_L) eps count as zeros, so lambda = 0
 * is the minimum-norm least-squares readout.  */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/features.h"
#include "mc_impl.h"

enum { Q_EG, Q_ETR, Q_GCV, Q_DF, NQ };

typedef struct rf_ws {
  double *X, *y, *resid;   /* P x N, P, P */
  double *G, *Gtmp, *F;    /* N x wmax (two), wmax x wmax */
  double *Phi;             /* P x N_L, destroyed by dgesdd */
  double *d, *U, *VT, *c;  /* k, P x k, k x N_L, k */
  double *coef, *Wv, *W;   /* k x nl, N_L x nl, N x nl */
  double *work;
  lapack_int *iwork;
} rf_ws;

struct deq_mc_rf_plan {
  size_t P, N, L, k, nlambda, wmax;
  size_t *width;           /* N_0 = N, N_1 .. N_L */
  double **layer_sd;       /* layer l >= 2: N_{l-1} standard deviations */
  int threads;
  double *s, *sqrt_s, *wbar;
  lapack_int lwork;
  rf_ws *ws;
};

static void ws_free(rf_ws *w)
{
  double *a[] = {w->X, w->y, w->resid, w->G, w->Gtmp, w->F, w->Phi, w->d,
                 w->U, w->VT, w->c, w->coef, w->Wv, w->W, w->work};
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) free(a[i]);
  free(w->iwork);
}

static size_t mul_ok(size_t a, size_t b) /* a*b or 0 on overflow */
{
  return (b && a > SIZE_MAX / b) ? 0 : a * b;
}

static deq_status ws_alloc(rf_ws *w, const deq_mc_rf_plan *p)
{
  size_t P = p->P, N = p->N, NL = p->width[p->L], k = p->k, nl = p->nlambda;
  size_t sizes[] = {mul_ok(P, N), mul_ok(N, p->wmax), mul_ok(p->wmax, p->wmax),
                    mul_ok(P, NL), mul_ok(k, nl), mul_ok(NL, nl), mul_ok(N, nl)};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (!sizes[i]) return DEQ_ENOMEM;
  w->X = deq_mc_alloc_aligned(P * N, sizeof(double));
  w->y = deq_mc_alloc_aligned(P, sizeof(double));
  w->resid = deq_mc_alloc_aligned(P, sizeof(double));
  w->G = deq_mc_alloc_aligned(N * p->wmax, sizeof(double));
  w->Gtmp = deq_mc_alloc_aligned(N * p->wmax, sizeof(double));
  w->F = deq_mc_alloc_aligned(p->wmax * p->wmax, sizeof(double));
  w->Phi = deq_mc_alloc_aligned(P * NL, sizeof(double));
  w->d = deq_mc_alloc_aligned(k, sizeof(double));
  w->U = deq_mc_alloc_aligned(P * k, sizeof(double));
  w->VT = deq_mc_alloc_aligned(k * NL, sizeof(double));
  w->c = deq_mc_alloc_aligned(k, sizeof(double));
  w->coef = deq_mc_alloc_aligned(k * nl, sizeof(double));
  w->Wv = deq_mc_alloc_aligned(NL * nl, sizeof(double));
  w->W = deq_mc_alloc_aligned(N * nl, sizeof(double));
  w->iwork = deq_mc_alloc_aligned(8 * k, sizeof(lapack_int));
  if (!w->X || !w->y || !w->resid || !w->G || !w->Gtmp || !w->F || !w->Phi
      || !w->d || !w->U || !w->VT || !w->c || !w->coef || !w->Wv || !w->W
      || !w->iwork)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

void deq_mc_rf_plan_free(deq_mc_rf_plan *plan)
{
  if (!plan) return;
  if (plan->ws)
    for (int i = 0; i < plan->threads; i++) ws_free(&plan->ws[i]);
  if (plan->layer_sd)
    for (size_t l = 0; l <= plan->L; l++) free(plan->layer_sd[l]);
  free(plan->layer_sd);
  free(plan->ws);
  free(plan->width);
  free(plan->s);
  free(plan->sqrt_s);
  free(plan->wbar);
  free(plan);
}

/* Layer l's standard deviations: atom i repeated m_i n/dim times.  */
static deq_status layer_sd(double **out, const deq_spectrum *sp, size_t n)
{
  double *sd = deq_mc_alloc_aligned(n, sizeof(double));
  if (!sd) return DEQ_ENOMEM;
  size_t j = 0;
  for (size_t i = 0; i < sp->n; i++) {
    double r = sp->m[i] * (double)n / sp->dim;
    if (fabs(r - nearbyint(r)) > 1e-9 * fmax(1, r) || j + (size_t)nearbyint(r) > n) {
      free(sd);
      return DEQ_EUNSUP;
    }
    for (size_t q = 0; q < (size_t)nearbyint(r); q++) sd[j++] = sqrt(sp->s[i]);
  }
  if (j != n) {
    free(sd);
    return DEQ_EUNSUP;
  }
  *out = sd;
  return DEQ_OK;
}

static deq_status plan_fill(deq_mc_rf_plan *p, const deq_spectrum *sp,
                            const deq_rf_chain *ch)
{
  deq_mc_columns(p->s, p->sqrt_s, p->wbar, sp);
  p->wmax = p->N;
  for (size_t l = 1; l <= p->L; l++) {
    double w = ch->width[l - 1];
    if (!isfinite(w) || w != floor(w) || w > DEQ_MC_MAX_DIM) return DEQ_EUNSUP;
    p->width[l] = (size_t)w;
    if (p->width[l] > p->wmax) p->wmax = p->width[l];
  }
  for (size_t l = 2; l <= p->L; l++) {
    const deq_spectrum *ls = ch->layer ? ch->layer[l - 2] : NULL;
    if (!ls) continue;
    deq_status st = layer_sd(&p->layer_sd[l], ls, p->width[l - 1]);
    if (st) return st;
  }
  return DEQ_OK;
}

deq_status deq_mc_rf_plan_alloc(deq_mc_rf_plan **out,
                                const deq_spectrum *omega,
                                const deq_rf_chain *chain, size_t P,
                                size_t nlambda, int threads)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (!omega || nlambda == 0) return DEQ_EINVAL;
  deq_status st = deq_rf_chain_check(chain);
  if (st) return st;
  if (P < 1) return DEQ_EDOM;
  size_t N = 0;
  st = deq_mc_check_spectrum(&N, omega);
  if (st) return st;
  if (P > (size_t)INT_MAX / 8) return DEQ_EUNSUP;
  deq_mc_rf_plan *p = calloc(1, sizeof *p);
  if (!p) return DEQ_ENOMEM;
  p->P = P;
  p->N = N;
  p->L = chain->L;
  p->nlambda = nlambda;
  p->threads = deq_mc_threads(threads);
  p->width = calloc(p->L + 1, sizeof *p->width);
  p->layer_sd = calloc(p->L + 1, sizeof *p->layer_sd);
  p->s = deq_mc_alloc_aligned(N, sizeof(double));
  p->sqrt_s = deq_mc_alloc_aligned(N, sizeof(double));
  p->wbar = deq_mc_alloc_aligned(N, sizeof(double));
  p->ws = calloc((size_t)p->threads, sizeof *p->ws);
  if (!p->width || !p->layer_sd || !p->s || !p->sqrt_s || !p->wbar || !p->ws) {
    deq_mc_rf_plan_free(p);
    return DEQ_ENOMEM;
  }
  p->width[0] = N;
  st = plan_fill(p, omega, chain);
  if (st == DEQ_OK) {
    size_t NL = p->width[p->L];
    p->k = P < NL ? P : NL;
    if (NL > (size_t)INT_MAX / 8 || p->wmax > (size_t)INT_MAX) st = DEQ_EUNSUP;
  }
  for (int i = 0; i < p->threads && st == DEQ_OK; i++)
    st = ws_alloc(&p->ws[i], p);
  if (st == DEQ_OK)
    st = deq_mc_svd_lwork(&p->lwork, 'S', P, p->width[p->L], p->ws[0].Phi,
                          p->ws[0].d, p->ws[0].U, p->ws[0].VT,
                          p->ws[0].iwork);
  for (int i = 0; i < p->threads && st == DEQ_OK; i++) {
    p->ws[i].work = deq_mc_alloc_aligned((size_t)p->lwork, sizeof(double));
    if (!p->ws[i].work) st = DEQ_ENOMEM;
  }
  if (st) {
    deq_mc_rf_plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

/* ------------------------------------------------------------ one trial */

/* X (column j scaled by sqrt(s_j)), y = X wbar + noise_sd eps, then the
   layers in order: G = F_1 ... F_L with F_l = diag(sd_l) Z_l/sqrt(N_l).  */
static void sample(const deq_mc_rf_plan *p, rf_ws *w, double noise_sd,
                   deq_rng *rng)
{
  size_t P = p->P, N = p->N;
  deq_mc_sample_xy(w->X, w->y, p->s, p->sqrt_s, p->wbar, P, N, noise_sd, rng);
  size_t N1 = p->width[1];
  deq_rng_normals(w->G, N * N1, rng);
  double a = 1.0 / sqrt((double)N1);
  for (size_t i = 0; i < N * N1; i++) w->G[i] *= a;
  for (size_t l = 2; l <= p->L; l++) {
    size_t nin = p->width[l - 1], nout = p->width[l];
    deq_rng_normals(w->F, nin * nout, rng);
    double sc = 1.0 / sqrt((double)nout);
    const double *sd = p->layer_sd[l];
    for (size_t c = 0; c < nout; c++)
      for (size_t r = 0; r < nin; r++)
        w->F[c * nin + r] *= sd ? sd[r] * sc : sc;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)nout,
                (int)nin, 1.0, w->G, (int)N, w->F, (int)nin, 0.0, w->Gtmp,
                (int)N);
    double *t = w->G;
    w->G = w->Gtmp;
    w->Gtmp = t;
  }
}

typedef struct rf_ctx {
  deq_mc_rf_plan *p;
  const double *t;     /* P lambda, per lambda */
  double noise_sd;
  uint64_t seed;
} rf_ctx;

/* One trial: res[l*NQ + q] for every lambda.  */
static deq_status run_trial(double *res, void *vctx, int tid, uint64_t trial)
{
  const rf_ctx *ctx = vctx;
  const deq_mc_rf_plan *p = ctx->p;
  rf_ws *w = &p->ws[tid];
  size_t P = p->P, N = p->N, NL = p->width[p->L], k = p->k, nl = p->nlambda;
  deq_rng rng;
  deq_rng_seed(&rng, ctx->seed, trial);
  sample(p, w, ctx->noise_sd, &rng);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)P, (int)NL,
              (int)N, 1.0, w->X, (int)P, w->G, (int)N, 0.0, w->Phi, (int)P);
  if (deq_mc_svd('S', P, NL, w->Phi, w->d, w->U, w->VT, w->work, p->lwork,
                 w->iwork) != 0)
    return DEQ_ELAPACK;
  double yperp2 = deq_mc_project(w->c, w->resid, w->U, w->y, P, k);
  size_t r = deq_mc_numerical_rank(w->d, k, P, NL);
  for (size_t l = 0; l < nl; l++) {
    deq_mc_fit fit;
    deq_mc_ridge_fit(&fit, w->coef + l * k, w->d, w->c, k, r, P, yperp2,
                     ctx->t[l]);
    res[l * NQ + Q_ETR] = fit.e_tr;
    res[l * NQ + Q_GCV] = fit.gcv;
    res[l * NQ + Q_DF] = fit.df;
  }
  /* readouts V coef, then w_eff = G V coef for every lambda at once */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)NL, (int)nl,
              (int)k, 1.0, w->VT, (int)k, w->coef, (int)k, 0.0, w->Wv,
              (int)NL);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)nl,
              (int)NL, 1.0, w->G, (int)N, w->Wv, (int)NL, 0.0, w->W, (int)N);
  for (size_t l = 0; l < nl; l++)
    res[l * NQ + Q_EG] = deq_mc_excess(w->W + l * N, p->wbar, p->s, N);
  return DEQ_OK;
}

/* ------------------------------------------------------------ execute */

/* Where the execute writes each estimate (deq_mc_lambda_execute).  */
static const deq_mc_row_layout rf_row = {
  sizeof(deq_mc_rf_row), offsetof(deq_mc_rf_row, lambda), NQ,
  { [Q_EG] = offsetof(deq_mc_rf_row, E_g),
    [Q_ETR] = offsetof(deq_mc_rf_row, E_tr),
    [Q_GCV] = offsetof(deq_mc_rf_row, gcv),
    [Q_DF] = offsetof(deq_mc_rf_row, df1) } };

/* OpenBLAS runs single-threaded meanwhile (deq_mc_run_trials).  */
deq_status deq_mc_rf_execute(deq_mc_rf_row *rows, deq_mc_rf_plan *plan,
                             const double *lambda, double noise,
                             size_t trials, uint64_t seed)
{
  if (!rows || !plan || !lambda) return DEQ_EINVAL;
  rf_ctx ctx = {plan, NULL, sqrt(fmax(noise, 0.0)), seed};
  return deq_mc_lambda_execute(rows, &rf_row, plan->P, lambda, plan->nlambda,
                               noise, trials, plan->threads, &ctx.t,
                               run_trial, &ctx);
}

deq_status deq_mc_rf_run(deq_mc_rf_row *rows, const deq_spectrum *omega,
                         const deq_rf_chain *chain, size_t P,
                         const double *lambda, size_t nlambda, double noise,
                         size_t trials, uint64_t seed, int threads)
{
  deq_mc_rf_plan *plan = NULL;
  deq_status st = deq_mc_rf_plan_alloc(&plan, omega, chain, P, nlambda,
                                       threads);
  if (st) return st;
  st = deq_mc_rf_execute(rows, plan, lambda, noise, trials, seed);
  deq_mc_rf_plan_free(plan);
  return st;
}
