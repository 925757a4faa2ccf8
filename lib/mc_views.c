/* lib/mc_views.c -- Monte Carlo of linear-views (feature-subsampled)
 * ridge ensembles (deq_mc_views_run in deq/ensemble_views.h).
 *
 * Per trial: one data set (X, y) shared by every member; member r's
 * design Phi_r = X[:, S_r] + eta_r Xi_r with fresh noise Xi_r; one thin
 * SVD of Phi_r serves every lambda (its weights V diag(d/(d^2 + P
 * lambda)) U'y, singular values at the numerical-rank cut counting as
 * zeros, so lambda = 0 is the minimum-norm fit).  The conditional risks
 * are exact given the weights: E_rr' = (w_r - wbar)' Sigma (w_r' - wbar)
 * + [r = r'] eta_r^2 |w_r|^2.  */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "ensemble_views_impl.h"
#include "mc_impl.h"

typedef struct views_ws {
  double *X, *y, *resid, *Phi, *d, *U, *VT, *c, *coef;
  double *Z;        /* dense: the iid normals behind X = Z Sigma^1/2 */
  double *W;        /* per member n_r x nlambda, consecutive */
  double *delta;    /* N x K: w_r - wbar for one lambda */
  double *t;        /* N x K: Sigma delta (dense) */
  double *work;
  lapack_int *iwork;
} views_ws;

typedef struct views_run {
  const deq_views_plan *p;
  size_t P, N, K, nl, nmax, kmax, m;
  double *s, *sqrt_s, *wbar;   /* diagonal: per coordinate */
  double *root;                /* dense: Sigma^1/2 (N x N) */
  double *lam;                 /* K x nl: each member's ridge per lambda */
  size_t *woff;                /* member r's weights at W + woff[r] */
  double noise_sd, zeta2;
  uint64_t seed;
  lapack_int lwork;
  int threads;
  views_ws *ws;
} views_run;

static void ws_free(views_ws *w)
{
  double *a[] = { w->X, w->y, w->resid, w->Phi, w->d, w->U, w->VT, w->c,
                  w->coef, w->W, w->delta, w->t, w->work, w->Z };
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) free(a[i]);
  free(w->iwork);
}

static deq_status ws_alloc(views_ws *w, const views_run *v)
{
  size_t P = v->P, N = v->N, k = v->kmax, nl = v->nl, K = v->K;
  w->X = deq_mc_alloc_aligned(P * N, sizeof(double));
  w->y = deq_mc_alloc_aligned(P, sizeof(double));
  w->resid = deq_mc_alloc_aligned(P, sizeof(double));
  w->Phi = deq_mc_alloc_aligned(P * v->nmax, sizeof(double));
  w->d = deq_mc_alloc_aligned(k, sizeof(double));
  w->U = deq_mc_alloc_aligned(P * k, sizeof(double));
  w->VT = deq_mc_alloc_aligned(k * v->nmax, sizeof(double));
  w->c = deq_mc_alloc_aligned(k, sizeof(double));
  w->coef = deq_mc_alloc_aligned(k * nl, sizeof(double));
  w->W = deq_mc_alloc_aligned(v->woff[K], sizeof(double));
  w->delta = deq_mc_alloc_aligned(N * K, sizeof(double));
  w->t = deq_mc_alloc_aligned(N * K, sizeof(double));
  w->iwork = deq_mc_alloc_aligned(8 * k, sizeof(lapack_int));
  if (v->p->dense && !(w->Z = deq_mc_alloc_aligned(P * N, sizeof(double))))
    return DEQ_ENOMEM;
  if (!w->X || !w->y || !w->resid || !w->Phi || !w->d || !w->U || !w->VT
      || !w->c || !w->coef || !w->W || !w->delta || !w->t || !w->iwork)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

static void run_free(views_run *v)
{
  if (v->ws)
    for (int i = 0; i < v->threads; i++) ws_free(&v->ws[i]);
  free(v->ws);
  free(v->s);
  free(v->sqrt_s);
  free(v->wbar);
  free(v->root);
  free(v->lam);
  free(v->woff);
}

/* Sigma^1/2 of the dense plan (eigenvalues clamped at 0).  */
static deq_status dense_root(views_run *v)
{
  size_t N = v->N;
  double *Q = malloc(N * N * sizeof *Q), *e = malloc(N * sizeof *e);
  double *T = malloc(N * N * sizeof *T);
  v->root = deq_mc_alloc_aligned(N * N, sizeof(double));
  deq_status st = Q && e && T && v->root ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK) {
    memcpy(Q, v->p->sigma, N * N * sizeof *Q);
    if (LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)N, Q,
                       (lapack_int)N, e) != 0)
      st = DEQ_ELAPACK;
  }
  if (st == DEQ_OK) {
    for (size_t j = 0; j < N; j++) {
      double r = sqrt(fmax(e[j], 0.0));
      for (size_t i = 0; i < N; i++) T[j * N + i] = Q[j * N + i] * r;
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)N, (int)N,
                (int)N, 1.0, T, (int)N, Q, (int)N, 0.0, v->root, (int)N);
  }
  free(Q);
  free(e);
  free(T);
  return st;
}

/* The per-coordinate columns of a diagonal plan.  */
static deq_status diag_columns(views_run *v)
{
  const deq_views_plan *p = v->p;
  v->s = deq_mc_alloc_aligned(v->N, sizeof(double));
  v->sqrt_s = deq_mc_alloc_aligned(v->N, sizeof(double));
  v->wbar = deq_mc_alloc_aligned(v->N, sizeof(double));
  if (!v->s || !v->sqrt_s || !v->wbar) return DEQ_ENOMEM;
  for (size_t i = 0, j = 0; i < p->na; i++)
    for (size_t q = 0; q < (size_t)p->m[i]; q++, j++) {
      v->s[j] = p->s[i];
      v->sqrt_s[j] = sqrt(p->s[i]);
      v->wbar[j] = p->s[i] > 0 ? sqrt(p->u[i] / p->s[i]) : 0;
    }
  return DEQ_OK;
}

/* X with rows N(0, Sigma) and y = X wbar + noise (X drawn first).  */
static void sample(const views_run *v, views_ws *w, deq_rng *rng)
{
  size_t P = v->P, N = v->N;
  if (!v->p->dense) {
    deq_mc_sample_xy(w->X, w->y, v->s, v->sqrt_s, v->wbar, P, N, v->noise_sd,
                     rng);
    return;
  }
  deq_rng_normals(w->Z, P * N, rng);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)P, (int)N,
              (int)N, 1.0, w->Z, (int)P, v->root, (int)N, 0.0, w->X, (int)P);
  deq_rng_normals(w->y, P, rng);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)N, 1.0, w->X, (int)P,
              v->p->wbar, 1, v->noise_sd, w->y, 1);
}

/* Member r's weights for every lambda into W + woff[r] (n_r x nl).  */
static deq_status fit_member(const views_run *v, views_ws *w, size_t r,
                             deq_rng *rng)
{
  const deq_views_plan *p = v->p;
  size_t P = v->P, n = p->n[r], k = P < n ? P : n, nl = v->nl;
  for (size_t j = 0; j < n; j++)
    memcpy(w->Phi + j * P, w->X + p->idx[r][j] * P, P * sizeof(double));
  if (p->eta[r] > 0)
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < P; i++)
        w->Phi[j * P + i] += p->eta[r] * deq_rng_normal(rng);
  if (deq_mc_svd('S', P, n, w->Phi, w->d, w->U, w->VT, w->work, v->lwork,
                 w->iwork) != 0)
    return DEQ_ELAPACK;
  double yperp2 = deq_mc_project(w->c, w->resid, w->U, w->y, P, k);
  size_t rank = deq_mc_numerical_rank(w->d, k, P, n);
  for (size_t l = 0; l < nl; l++) {
    deq_mc_fit fit;
    deq_mc_ridge_fit(&fit, w->coef + l * k, w->d, w->c, k, rank, P, yperp2,
                     (double)P * v->lam[r * nl + l]);
  }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)nl,
              (int)k, 1.0, w->VT, (int)k, w->coef, (int)k, 0.0,
              w->W + v->woff[r], (int)n);
  return DEQ_OK;
}

/* The K^2 pair risks of lambda l into res (then E_ens, E_diag, E_cross).  */
static void pair_risks(double *res, const views_run *v, views_ws *w, size_t l)
{
  const deq_views_plan *p = v->p;
  size_t N = v->N, K = v->K;
  const double *wbar = p->dense ? p->wbar : v->wbar;
  double sq[64], *norm2 = K <= 64 ? sq : malloc(K * sizeof *norm2);
  for (size_t r = 0; r < K; r++) {
    double *dl = w->delta + r * N;
    const double *wr = w->W + v->woff[r] + l * p->n[r];
    for (size_t j = 0; j < N; j++) dl[j] = -wbar[j];
    double s2 = 0;
    for (size_t j = 0; j < p->n[r]; j++) {
      dl[p->idx[r][j]] += wr[j];
      s2 += wr[j] * wr[j];
    }
    if (norm2) norm2[r] = s2;
    if (p->dense)
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)N, (int)N, 1.0, p->sigma,
                  (int)N, dl, 1, 0.0, w->t + r * N, 1);
    else
      for (size_t j = 0; j < N; j++) w->t[r * N + j] = v->s[j] * dl[j];
  }
  double sd = 0, sc = 0;
  for (size_t r = 0; r < K; r++)
    for (size_t q = r; q < K; q++) {
      double e = 0;
      const double *a = w->delta + r * N, *b = w->t + q * N;
      for (size_t j = 0; j < N; j++) e += a[j] * b[j];
      if (r == q) {
        e += p->eta[r] * p->eta[r] * (norm2 ? norm2[r] : NAN);
        sd += e;
      } else {
        sc += 2 * e;
      }
      res[r * K + q] = res[q * K + r] = e;
    }
  double k = (double)K;
  res[K * K] = (sd + sc) / (k * k) + v->zeta2 / k;
  res[K * K + 1] = sd / k;
  res[K * K + 2] = K > 1 ? sc / (k * (k - 1)) : NAN;
  if (norm2 != sq) free(norm2);
}

static deq_status run_trial(double *res, void *ctx, int tid, uint64_t trial)
{
  const views_run *v = ctx;
  views_ws *w = &v->ws[tid];
  deq_rng rng;
  deq_rng_seed(&rng, v->seed, trial);
  sample(v, w, &rng);
  for (size_t r = 0; r < v->K; r++) {
    deq_status st = fit_member(v, w, r, &rng);
    if (st) return st;
  }
  size_t per = v->K * v->K + 3;
  for (size_t l = 0; l < v->nl; l++) pair_risks(res + l * per, v, w, l);
  return DEQ_OK;
}

static deq_status run_setup(views_run *v, const double *lambda)
{
  const deq_views_plan *p = v->p;
  size_t K = v->K, nl = v->nl;
  v->lam = malloc(K * nl * sizeof *v->lam);
  v->woff = calloc(K + 1, sizeof *v->woff);
  if (!v->lam || !v->woff) return DEQ_ENOMEM;
  for (size_t r = 0; r < K; r++) {
    for (size_t l = 0; l < nl; l++) {
      double lr = isnan(p->lambda[r]) ? lambda[l] : p->lambda[r];
      if (!(lr >= 0) || !isfinite((double)v->P * lr)) return DEQ_EDOM;
      v->lam[r * nl + l] = lr;
    }
    if (p->n[r] > v->nmax) v->nmax = p->n[r];
    v->woff[r + 1] = v->woff[r] + p->n[r] * nl;
  }
  v->kmax = v->P < v->nmax ? v->P : v->nmax;
  deq_status st = p->dense ? dense_root(v) : diag_columns(v);
  v->ws = st ? NULL : calloc((size_t)v->threads, sizeof *v->ws);
  if (!st && !v->ws) st = DEQ_ENOMEM;
  for (int i = 0; i < v->threads && st == DEQ_OK; i++)
    st = ws_alloc(&v->ws[i], v);
  /* the largest workspace any member's SVD asks for */
  for (size_t r = 0; r < K && st == DEQ_OK; r++) {
    lapack_int lw;
    st = deq_mc_svd_lwork(&lw, 'S', v->P, p->n[r], v->ws[0].Phi, v->ws[0].d,
                          v->ws[0].U, v->ws[0].VT, v->ws[0].iwork);
    if (st == DEQ_OK && lw > v->lwork) v->lwork = lw;
  }
  for (int i = 0; i < v->threads && st == DEQ_OK; i++)
    if (!(v->ws[i].work = deq_mc_alloc_aligned((size_t)v->lwork,
                                               sizeof(double))))
      st = DEQ_ENOMEM;
  return st;
}

deq_status deq_mc_views_run(deq_mc_estimate *pair, deq_mc_estimate *ens,
                            deq_mc_estimate *diag, deq_mc_estimate *cross,
                            const deq_views_plan *plan, size_t P,
                            const double *lambda, size_t nlambda,
                            double noise, double readout_noise,
                            size_t trials, uint64_t seed, int threads)
{
  if (!ens || !plan || !lambda || nlambda == 0 || trials < 2)
    return DEQ_EINVAL;
  if (P < 1 || !(noise >= 0) || isinf(noise) || !(readout_noise >= 0))
    return DEQ_EDOM;
  if (P > (size_t)INT_MAX / 8 || plan->N > (size_t)DEQ_MC_MAX_DIM
      || (double)P * (double)plan->N > 1e10)
    return DEQ_EUNSUP;
  views_run v = { .p = plan, .P = P, .N = plan->N, .K = plan->K,
                  .nl = nlambda, .noise_sd = sqrt(noise),
                  .zeta2 = readout_noise, .seed = seed,
                  .threads = deq_mc_threads(threads) };
  size_t per = v.K * v.K + 3;
  v.m = per * nlambda;
  deq_status st = run_setup(&v, lambda);
  double *mean = NULL, *m2 = NULL;
  if (st == DEQ_OK) {
    mean = malloc(v.m * sizeof *mean);
    m2 = malloc(v.m * sizeof *m2);
    st = mean && m2 ? DEQ_OK : DEQ_ENOMEM;
  }
  if (st == DEQ_OK)
    st = deq_mc_run_trials(mean, m2, v.m, trials, v.threads, run_trial, &v);
  for (size_t l = 0; st == DEQ_OK && l < nlambda; l++) {
    const double *mu = mean + l * per, *s2 = m2 + l * per;
    size_t KK = v.K * v.K;
    for (size_t q = 0; pair && q < KK; q++)
      pair[l * KK + q] = deq_mc_estimate_of(mu[q], s2[q], trials);
    ens[l] = deq_mc_estimate_of(mu[KK], s2[KK], trials);
    if (diag) diag[l] = deq_mc_estimate_of(mu[KK + 1], s2[KK + 1], trials);
    if (cross) cross[l] = deq_mc_estimate_of(mu[KK + 2], s2[KK + 2], trials);
  }
  free(mean);
  free(m2);
  run_free(&v);
  return st;
}
