/* lib/mc_ensemble.c -- Monte Carlo random-feature ensembles
 * (deq/ensemble.h): per trial, data X, labels and label noise shared by
 * every member; K members with fresh independent features F_k; one thin
 * SVD of Phi_k = X F_k per member serving every lambda (the structure of
 * lib/mc_features.c).
 *
 * Per lambda the members' errors D_k = Sigma^(1/2)(F_k v_k - wbar) give
 *     E_diag  = mean_k |D_k|^2,
 *     E_cross = (|sum_k D_k|^2 - sum_k |D_k|^2)/(n (n - 1)),
 *     E_ens   = |sum_k D_k|^2/K^2,
 * n the number of members drawn: K, or 2 when K = 1 (the extra member
 * enters E_cross only).  */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/ensemble.h"
#include "mc_impl.h"

enum { Q_DIAG, Q_CROSS, Q_ENS, NQ };

#define MAX_MEMBERS 4096

typedef struct ens_ws {
  double *X, *y, *resid;    /* P x N, P, P */
  double *F, *Phi;          /* N x M, P x M (destroyed by dgesdd) */
  double *d, *U, *VT, *c;   /* k, P x k, k x M, k */
  double *coef, *Wv, *W;    /* k x nl, M x nl, N x nl */
  double *sumD;             /* N x nl: sum over members of D_k */
  double *diagK, *diagAll;  /* nl: sum of |D_k|^2 over the K / all members */
  double *work;
  lapack_int *iwork;
} ens_ws;

typedef struct ens_plan {
  size_t P, N, M, K, nmem, k, nlambda;
  int threads;
  double *s, *sqrt_s, *wbar;
  lapack_int lwork;
  ens_ws *ws;
  const double *t;          /* P lambda while the trials run */
  double noise_sd;
  uint64_t seed;
} ens_plan;

static void ws_free(ens_ws *w)
{
  double *a[] = {w->X, w->y, w->resid, w->F, w->Phi, w->d, w->U, w->VT, w->c,
                 w->coef, w->Wv, w->W, w->sumD, w->diagK, w->diagAll,
                 w->work};
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) free(a[i]);
  free(w->iwork);
}

static void plan_free(ens_plan *p)
{
  if (!p) return;
  for (int i = 0; p->ws && i < p->threads; i++) ws_free(&p->ws[i]);
  free(p->ws);
  free(p->s);
  free(p->sqrt_s);
  free(p->wbar);
  free(p);
}

static size_t mul_ok(size_t a, size_t b) /* a*b or 0 on overflow */
{
  return (b && a > SIZE_MAX / b) ? 0 : a * b;
}

static deq_status ws_alloc(ens_ws *w, const ens_plan *p)
{
  size_t P = p->P, N = p->N, M = p->M, k = p->k, nl = p->nlambda;
  size_t sizes[] = {mul_ok(P, N), mul_ok(N, M), mul_ok(P, M), mul_ok(k, nl),
                    mul_ok(M, nl), mul_ok(N, nl)};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (!sizes[i]) return DEQ_ENOMEM;
  w->X = deq_mc_alloc_aligned(P * N, sizeof(double));
  w->y = deq_mc_alloc_aligned(P, sizeof(double));
  w->resid = deq_mc_alloc_aligned(P, sizeof(double));
  w->F = deq_mc_alloc_aligned(N * M, sizeof(double));
  w->Phi = deq_mc_alloc_aligned(P * M, sizeof(double));
  w->d = deq_mc_alloc_aligned(k, sizeof(double));
  w->U = deq_mc_alloc_aligned(P * k, sizeof(double));
  w->VT = deq_mc_alloc_aligned(k * M, sizeof(double));
  w->c = deq_mc_alloc_aligned(k, sizeof(double));
  w->coef = deq_mc_alloc_aligned(k * nl, sizeof(double));
  w->Wv = deq_mc_alloc_aligned(M * nl, sizeof(double));
  w->W = deq_mc_alloc_aligned(N * nl, sizeof(double));
  w->sumD = deq_mc_alloc_aligned(N * nl, sizeof(double));
  w->diagK = deq_mc_alloc_aligned(nl, sizeof(double));
  w->diagAll = deq_mc_alloc_aligned(nl, sizeof(double));
  w->iwork = deq_mc_alloc_aligned(8 * k, sizeof(lapack_int));
  if (!w->X || !w->y || !w->resid || !w->F || !w->Phi || !w->d || !w->U
      || !w->VT || !w->c || !w->coef || !w->Wv || !w->W || !w->sumD
      || !w->diagK || !w->diagAll || !w->iwork)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

static deq_status plan_alloc(ens_plan **out, const deq_spectrum *sp, double K,
                             double M, size_t P, size_t nlambda, int threads)
{
  *out = NULL;
  if (!(K >= 1) || !(M >= 1) || K != floor(K) || M != floor(M) || P < 1)
    return isinf(K) || isinf(M) ? DEQ_EUNSUP : DEQ_EDOM;
  if (K > MAX_MEMBERS || M > DEQ_MC_MAX_DIM || P > (size_t)INT_MAX / 8)
    return DEQ_EUNSUP;
  size_t N = 0;
  deq_status st = deq_mc_check_spectrum(&N, sp);
  if (st) return st;
  ens_plan *p = calloc(1, sizeof *p);
  if (!p) return DEQ_ENOMEM;
  p->P = P;
  p->N = N;
  p->M = (size_t)M;
  p->K = (size_t)K;
  p->nmem = p->K < 2 ? 2 : p->K;
  p->k = P < p->M ? P : p->M;
  p->nlambda = nlambda;
  p->threads = deq_mc_threads(threads);
  p->s = deq_mc_alloc_aligned(N, sizeof(double));
  p->sqrt_s = deq_mc_alloc_aligned(N, sizeof(double));
  p->wbar = deq_mc_alloc_aligned(N, sizeof(double));
  p->ws = calloc((size_t)p->threads, sizeof *p->ws);
  st = p->s && p->sqrt_s && p->wbar && p->ws ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK) deq_mc_columns(p->s, p->sqrt_s, p->wbar, sp);
  for (int i = 0; i < p->threads && st == DEQ_OK; i++)
    st = ws_alloc(&p->ws[i], p);
  if (st == DEQ_OK)
    st = deq_mc_svd_lwork(&p->lwork, 'S', P, p->M, p->ws[0].Phi, p->ws[0].d,
                          p->ws[0].U, p->ws[0].VT, p->ws[0].iwork);
  for (int i = 0; i < p->threads && st == DEQ_OK; i++) {
    p->ws[i].work = deq_mc_alloc_aligned((size_t)p->lwork, sizeof(double));
    if (!p->ws[i].work) st = DEQ_ENOMEM;
  }
  if (st) {
    plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

/* ------------------------------------------------------------ one trial */

/* Member m: fresh F, the SVD of X F, the readouts for every lambda, then
   its errors D = Sigma^(1/2)(F v - wbar) added into the sums.  */
static deq_status member(const ens_plan *p, ens_ws *w, size_t m,
                         deq_rng *rng)
{
  size_t P = p->P, N = p->N, M = p->M, k = p->k, nl = p->nlambda;
  deq_rng_normals(w->F, N * M, rng);
  double a = 1.0 / sqrt((double)M);
  for (size_t i = 0; i < N * M; i++) w->F[i] *= a;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)P, (int)M,
              (int)N, 1.0, w->X, (int)P, w->F, (int)N, 0.0, w->Phi, (int)P);
  if (deq_mc_svd('S', P, M, w->Phi, w->d, w->U, w->VT, w->work, p->lwork,
                 w->iwork) != 0)
    return DEQ_ELAPACK;
  double yperp2 = deq_mc_project(w->c, w->resid, w->U, w->y, P, k);
  size_t r = deq_mc_numerical_rank(w->d, k, P, M);
  for (size_t l = 0; l < nl; l++) {
    deq_mc_fit fit;
    deq_mc_ridge_fit(&fit, w->coef + l * k, w->d, w->c, k, r, P, yperp2,
                     p->t[l]);
  }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)M, (int)nl,
              (int)k, 1.0, w->VT, (int)k, w->coef, (int)k, 0.0, w->Wv,
              (int)M);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)nl,
              (int)M, 1.0, w->F, (int)N, w->Wv, (int)M, 0.0, w->W, (int)N);
  for (size_t l = 0; l < nl; l++) {
    const double *wl = w->W + l * N;
    double *S = w->sumD + l * N, e = 0;
    for (size_t j = 0; j < N; j++) {
      double D = p->sqrt_s[j] * (wl[j] - p->wbar[j]);
      e += D * D;
      S[j] += D;
    }
    w->diagAll[l] += e;
    if (m < p->K) w->diagK[l] += e;
  }
  return DEQ_OK;
}

static deq_status run_trial(double *res, void *vctx, int tid, uint64_t trial)
{
  const ens_plan *p = vctx;
  ens_ws *w = &p->ws[tid];
  size_t N = p->N, nl = p->nlambda;
  deq_rng rng;
  deq_rng_seed(&rng, p->seed, trial);
  deq_mc_sample_xy(w->X, w->y, p->s, p->sqrt_s, p->wbar, p->P, N, p->noise_sd,
                   &rng);
  memset(w->sumD, 0, N * nl * sizeof *w->sumD);
  memset(w->diagK, 0, nl * sizeof *w->diagK);
  memset(w->diagAll, 0, nl * sizeof *w->diagAll);
  for (size_t m = 0; m < p->nmem; m++) {
    deq_status st = member(p, w, m, &rng);
    if (st) return st;
  }
  double K = (double)p->K, n = (double)p->nmem;
  for (size_t l = 0; l < nl; l++) {
    double s2 = 0;
    for (size_t j = 0; j < N; j++) s2 += w->sumD[l * N + j] * w->sumD[l * N + j];
    res[l * NQ + Q_DIAG] = w->diagK[l] / K;
    res[l * NQ + Q_CROSS] = (s2 - w->diagAll[l]) / (n * (n - 1));
    /* K = 1: the ensemble is member 0 alone (the second one only served
       E_cross) */
    res[l * NQ + Q_ENS] = p->nmem == p->K ? s2 / (K * K) : w->diagK[l];
  }
  return DEQ_OK;
}

/* ------------------------------------------------------------ execute */

static const deq_mc_row_layout ens_row = {
  sizeof(deq_mc_ensemble_rf_row), offsetof(deq_mc_ensemble_rf_row, lambda),
  NQ,
  { [Q_DIAG] = offsetof(deq_mc_ensemble_rf_row, E_diag),
    [Q_CROSS] = offsetof(deq_mc_ensemble_rf_row, E_cross),
    [Q_ENS] = offsetof(deq_mc_ensemble_rf_row, E_ens) } };

deq_status deq_mc_ensemble_rf_run(deq_mc_ensemble_rf_row *rows,
                                  const deq_spectrum *sp, double K, double M,
                                  size_t P, const double *lambda,
                                  size_t nlambda, double noise, size_t trials,
                                  uint64_t seed, int threads)
{
  if (!rows || !sp || !lambda || nlambda == 0) return DEQ_EINVAL;
  ens_plan *p = NULL;
  deq_status st = plan_alloc(&p, sp, K, M, P, nlambda, threads);
  if (st) return st;
  p->noise_sd = sqrt(fmax(noise, 0.0));
  p->seed = seed;
  st = deq_mc_lambda_execute(rows, &ens_row, P, lambda, nlambda, noise,
                             trials, p->threads, &p->t, run_trial, p);
  plan_free(p);
  return st;
}
