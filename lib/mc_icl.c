/* lib/mc_icl.c -- Monte Carlo of linear-attention ICL (deq/icl.h): direct
 * ridge pretraining of Gamma on sampled contexts (spec icl_cot.md 1.1),
 * then its exact test errors (spec 1.2) for fresh tasks (ICL) and for
 * the pool (IDG).
 *
 * Features phi = vec(x_q v'), v = [h; s]: p = d(d+1) of them.  With
 * n >= p contexts the p x p normal equations are accumulated in blocks of
 * CHUNK contexts (dsyrk), otherwise the n x n kernel
 * K = (X_q X_q') o (V V') is built in blocks of rows, so that memory is
 * min(n, p)^2 doubles plus O((n + CHUNK) d).  One accumulation serves
 * every lambda: the upper triangle holds the matrix, each lambda
 * factorises a copy in the lower triangle (dpotrf 'L').
 *
 * Thread invariance: trial t draws everything from the stream (seed, t)
 * in a fixed order (pool, then every context's tokens and noise), BLAS is
 * serial, and the reduction is deq_mc_run_trials'.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/icl.h"
#include "mc_impl.h"

#define CHUNK 256
enum { Q_ICL, Q_IDG, NQ };

typedef struct ws {
  double *W;        /* pool tasks, npool x d */
  double *Xq;       /* query tokens, n x d */
  double *V;        /* [h; s] per context, n x (d+1) */
  double *yq;       /* query labels, n */
  double *tok, *y;  /* one context: (ell+1) x d tokens, ell+1 labels */
  double *A;        /* m x m normal equations or kernel (m = min(n, p)) */
  double *diag;     /* A's diagonal */
  double *b, *sol;  /* right-hand side (p; primal) and solution (m) */
  double *blk, *blk2; /* a block: CHUNK x p features, or 2 x CHUNK x n */
  double *Gamma;    /* d x (d+1) */
} ws;

typedef struct plan {
  size_t d, ell, k, npool, n, p, m, nl;
  int primal, threads;
  double *sqrt_c;   /* sqrt of the pretraining task variances, per direction */
  double *Cte;      /* d x d test covariance (diagonal) */
  double noise;
  const double *t;  /* n lambda/d, per lambda */
  ws *w;
  uint64_t seed;
} plan;

static void ws_free(ws *w)
{
  free(w->W); free(w->Xq); free(w->V); free(w->yq); free(w->tok); free(w->y);
  free(w->A); free(w->diag); free(w->b); free(w->sol); free(w->blk);
  free(w->blk2); free(w->Gamma);
}

static deq_status ws_alloc(ws *w, const plan *p)
{
  size_t d = p->d, n = p->n, m = p->m;
  if (m > SIZE_MAX / 8 / m) return DEQ_ENOMEM;
  /* dual: the block also holds diag(sol) V (n x (d+1)) */
  size_t blk = p->primal ? CHUNK * p->p : n * (d + 1 > CHUNK ? d + 1 : CHUNK);
  w->W = deq_mc_alloc_aligned(p->npool * d, sizeof(double));
  w->Xq = deq_mc_alloc_aligned(n * d, sizeof(double));
  w->V = deq_mc_alloc_aligned(n * (d + 1), sizeof(double));
  w->yq = deq_mc_alloc_aligned(n, sizeof(double));
  w->tok = deq_mc_alloc_aligned((p->ell + 1) * d, sizeof(double));
  w->y = deq_mc_alloc_aligned(p->ell + 1, sizeof(double));
  w->A = deq_mc_alloc_aligned(m * m, sizeof(double));
  w->diag = deq_mc_alloc_aligned(m, sizeof(double));
  w->b = deq_mc_alloc_aligned(p->p > n ? p->p : n, sizeof(double));
  w->sol = deq_mc_alloc_aligned(p->p > n ? p->p : n, sizeof(double));
  w->blk = deq_mc_alloc_aligned(blk, sizeof(double));
  w->blk2 = deq_mc_alloc_aligned(p->primal ? 1 : CHUNK * n, sizeof(double));
  w->Gamma = deq_mc_alloc_aligned(d * (d + 1), sizeof(double));
  if (!w->W || !w->Xq || !w->V || !w->yq || !w->tok || !w->y || !w->A
      || !w->diag || !w->b || !w->sol || !w->blk || !w->blk2 || !w->Gamma)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

static void plan_free(plan *p)
{
  if (p->w)
    for (int i = 0; i < p->threads; i++) ws_free(&p->w[i]);
  free(p->w);
  free(p->sqrt_c);
  free(p->Cte);
}

/* Per-direction variances: atom i covers w_i d directions (an integer).  */
static deq_status fill_directions(plan *p, const deq_icl_tasks *tk)
{
  size_t d = p->d, j = 0;
  p->sqrt_c = calloc(d, sizeof *p->sqrt_c);
  p->Cte = calloc(d * d, sizeof *p->Cte);
  if (!p->sqrt_c || !p->Cte) return DEQ_ENOMEM;
  if (!tk) {
    for (size_t i = 0; i < d; i++) {
      p->sqrt_c[i] = 1;
      p->Cte[i * d + i] = 1;
    }
    return DEQ_OK;
  }
  for (size_t i = 0; i < tk->n; i++) {
    double m = tk->w[i] * (double)d, r = nearbyint(m);
    if (fabs(m - r) > 1e-9 * (double)d || j + (size_t)r > d) return DEQ_EDOM;
    for (size_t q = 0; q < (size_t)r; q++, j++) {
      p->sqrt_c[j] = sqrt(tk->c[i]);
      p->Cte[j * d + j] = tk->t[i];
    }
  }
  return j == d ? DEQ_OK : DEQ_EDOM;
}

/* ------------------------------------------------------------ one trial */

/* Draw the pool and the n contexts; store x_q, v = [h; s] and y_q.  */
static void draw_contexts(const plan *p, ws *w, deq_rng *rng)
{
  size_t d = p->d, ell = p->ell;
  double sd = sqrt(p->noise), xs = 1 / sqrt((double)d);
  deq_rng_normals(w->W, p->npool * d, rng);
  for (size_t j = 0; j < p->npool; j++)
    for (size_t i = 0; i < d; i++) w->W[j * d + i] *= p->sqrt_c[i];
  for (size_t mu = 0; mu < p->n; mu++) {
    const double *task = w->W + (mu % p->npool) * d;
    deq_rng_normals(w->tok, (ell + 1) * d, rng);
    deq_rng_normals(w->y, ell + 1, rng);
    for (size_t i = 0; i < (ell + 1) * d; i++) w->tok[i] *= xs;
    for (size_t i = 0; i <= ell; i++)
      w->y[i] = sd * w->y[i] + cblas_ddot((int)d, w->tok + i * d, 1, task, 1);
    double *v = w->V + mu * (d + 1), s = 0;
    memset(v, 0, d * sizeof *v);
    for (size_t i = 0; i < ell; i++) {
      cblas_daxpy((int)d, w->y[i], w->tok + i * d, 1, v, 1);
      s += w->y[i] * w->y[i];
    }
    for (size_t i = 0; i < d; i++) v[i] *= (double)d / (double)ell;
    v[d] = s / (double)ell;
    memcpy(w->Xq + mu * d, w->tok + ell * d, d * sizeof(double));
    w->yq[mu] = w->y[ell];
  }
}

/* Primal: A = Phi' Phi (upper triangle, column-major p x p), b = Phi' y_q. */
static void accumulate_primal(const plan *p, ws *w)
{
  size_t d = p->d, P = p->p;
  memset(w->A, 0, P * P * sizeof(double));
  memset(w->b, 0, P * sizeof(double));
  for (size_t r0 = 0; r0 < p->n; r0 += CHUNK) {
    size_t nr = p->n - r0 < CHUNK ? p->n - r0 : CHUNK;
    for (size_t r = 0; r < nr; r++) {
      const double *x = w->Xq + (r0 + r) * d, *v = w->V + (r0 + r) * (d + 1);
      double *phi = w->blk + r * P;
      for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= d; j++) phi[i * (d + 1) + j] = x[i] * v[j];
    }
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)P, (int)nr, 1.0,
                w->blk, (int)P, 1.0, w->A, (int)P);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)nr, 1.0, w->blk,
                (int)P, w->yq + r0, 1, 1.0, w->b, 1);
  }
}

/* Dual: A = (X_q X_q') o (V V') (upper triangle, n x n), by blocks of
   rows.  */
static void accumulate_dual(const plan *p, ws *w)
{
  size_t d = p->d, n = p->n;
  for (size_t r0 = 0; r0 < n; r0 += CHUNK) {
    size_t nr = n - r0 < CHUNK ? n - r0 : CHUNK;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)n,
                (int)d, 1.0, w->Xq + r0 * d, (int)d, w->Xq, (int)d, 0.0,
                w->blk, (int)n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)n,
                (int)d + 1, 1.0, w->V + r0 * (d + 1), (int)d + 1, w->V,
                (int)d + 1, 0.0, w->blk2, (int)n);
    for (size_t r = 0; r < nr; r++) {
      size_t i = r0 + r;
      for (size_t j = i; j < n; j++)
        w->A[i + j * n] = w->blk[r * n + j] * w->blk2[r * n + j];
    }
  }
}

/* Solve (A + t I) x = rhs with A's upper triangle kept: the lower one
   gets the shifted copy and its Cholesky factor.  */
static deq_status solve_shifted(double *x, ws *w, size_t m, const double *rhs,
                                double t)
{
  double *A = w->A;
  for (size_t j = 0; j < m; j++) {
    for (size_t i = j + 1; i < m; i++) A[i + j * m] = A[j + i * m];
    A[j + j * m] = w->diag[j] + t;
  }
  memcpy(x, rhs, m * sizeof *x);
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)m, A,
                                   (lapack_int)m);
  if (info == 0)
    info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)m, 1, A,
                          (lapack_int)m, x, (lapack_int)m);
  return info == 0 ? DEQ_OK : DEQ_ELAPACK;
}

/* Gamma at ridge t (= n lambda/d).  */
static deq_status gamma_at(const plan *p, ws *w, double t)
{
  size_t d = p->d, n = p->n;
  if (p->primal) {
    deq_status st = solve_shifted(w->Gamma, w, p->p, w->b, t);
    return st;
  }
  deq_status st = solve_shifted(w->sol, w, n, w->yq, t);
  if (st != DEQ_OK) return st;
  /* Gamma = X_q' diag(sol) V, the scaled V in the block.  */
  double *sv = w->blk;
  for (size_t mu = 0; mu < n; mu++)
    for (size_t j = 0; j <= d; j++)
      sv[mu * (d + 1) + j] = w->sol[mu] * w->V[mu * (d + 1) + j];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d + 1,
              (int)n, 1.0, w->Xq, (int)d, sv, (int)d + 1, 0.0, w->Gamma,
              (int)d + 1);
  return DEQ_OK;
}

static deq_status run_trial(double *res, void *vctx, int tid, uint64_t trial)
{
  const plan *p = vctx;
  ws *w = &p->w[tid];
  deq_rng rng;
  deq_rng_seed(&rng, p->seed, trial);
  draw_contexts(p, w, &rng);
  if (p->primal)
    accumulate_primal(p, w);
  else
    accumulate_dual(p, w);
  for (size_t i = 0; i < p->m; i++) w->diag[i] = w->A[i + i * p->m];
  for (size_t l = 0; l < p->nl; l++) {
    deq_status st = gamma_at(p, w, p->t[l]);
    if (st == DEQ_OK)
      st = deq_icl_gamma_error_gaussian(res + l * NQ + Q_ICL, w->Gamma,
                                        p->d + 1, p->d, (double)p->ell,
                                        p->noise, p->Cte, p->d);
    if (st == DEQ_OK)
      st = deq_icl_gamma_error_tasks(res + l * NQ + Q_IDG, w->Gamma, p->d + 1,
                                     p->d, (double)p->ell, p->noise, w->W,
                                     p->d, p->npool);
    if (st != DEQ_OK) return st;
  }
  return DEQ_OK;
}

/* ------------------------------------------------------------ driver */

static deq_status check_args(const deq_mc_icl_row *rows, size_t d,
                             double alpha, double kappa, double tau,
                             double noise, const double *lambda, size_t nl,
                             size_t trials)
{
  if (!rows || !lambda || nl == 0 || trials < 2 || d == 0) return DEQ_EINVAL;
  if (!(alpha > 0 && isfinite(alpha) && kappa > 0 && tau > 0 && isfinite(tau)
        && noise >= 0 && isfinite(noise)))
    return DEQ_EDOM;
  for (size_t l = 0; l < nl; l++)
    if (!(lambda[l] >= 0 && isfinite(lambda[l]))) return DEQ_EDOM;
  if (d > 4096 || alpha * d > 1e7 || tau * d * d > 1e8
      || (isfinite(kappa) && kappa * d > 1e8))
    return DEQ_EUNSUP;
  return DEQ_OK;
}

static size_t count_of(double v)
{
  double r = nearbyint(v);
  return r < 1 ? 1 : (size_t)r;
}

deq_status deq_mc_icl_run(deq_mc_icl_row *rows, const deq_icl_tasks *tk,
                          size_t d, double alpha, double kappa, double tau,
                          double noise, const double *lambda, size_t nlambda,
                          size_t trials, uint64_t seed, int threads)
{
  deq_status st = check_args(rows, d, alpha, kappa, tau, noise, lambda,
                             nlambda, trials);
  if (st != DEQ_OK) return st;
  plan p = { 0 };
  p.d = d;
  p.ell = count_of(alpha * (double)d);
  p.n = count_of(tau * (double)d * (double)d);
  p.k = isfinite(kappa) ? count_of(kappa * (double)d) : 0;
  p.npool = p.k ? p.k : p.n;
  p.p = d * (d + 1);
  p.primal = p.n >= p.p;
  p.m = p.primal ? p.p : p.n;
  p.nl = nlambda;
  p.noise = noise;
  p.seed = seed;
  p.threads = deq_mc_threads(threads);
  double *t = malloc(nlambda * sizeof *t);
  double *mean = malloc(nlambda * NQ * sizeof *mean);
  double *m2 = malloc(nlambda * NQ * sizeof *m2);
  if (!t || !mean || !m2) st = DEQ_ENOMEM;
  for (size_t l = 0; st == DEQ_OK && l < nlambda; l++)
    t[l] = (double)p.n * lambda[l] / (double)d;
  p.t = t;
  if (st == DEQ_OK) st = fill_directions(&p, tk);
  if (st == DEQ_OK) {
    p.w = calloc((size_t)p.threads, sizeof *p.w);
    if (!p.w) st = DEQ_ENOMEM;
  }
  for (int i = 0; st == DEQ_OK && i < p.threads; i++)
    st = ws_alloc(&p.w[i], &p);
  if (st == DEQ_OK)
    st = deq_mc_run_trials(mean, m2, nlambda * NQ, trials, p.threads,
                           run_trial, &p);
  for (size_t l = 0; st == DEQ_OK && l < nlambda; l++) {
    rows[l].lambda = lambda[l];
    rows[l].e_icl = deq_mc_estimate_of(mean[l * NQ + Q_ICL],
                                       m2[l * NQ + Q_ICL], trials);
    rows[l].e_idg = deq_mc_estimate_of(mean[l * NQ + Q_IDG],
                                       m2[l * NQ + Q_IDG], trials);
  }
  plan_free(&p);
  free(t);
  free(mean);
  free(m2);
  return st;
}
