/* lib/mc_corr.c -- Monte Carlo ridge with correlated samples: rows drawn
 * by the correlated-row sampler (deq/sampler.h), one thin SVD per trial,
 * every lambda from it (the algebra of lib/mc_ridge.c: with X = U D V',
 * c = U'y and t = P lambda, w = V diag(d/(d^2+t)) c and
 * y - Xw = y_perp + U diag(t/(d^2+t)) c).  */
#include "config.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "deq/corr.h"
#include "deq/sampler.h"
#include "rng_impl.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

#define MC_MAX_DIM 1048576.0
#define MC_CHUNK 512

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

static deq_status ws_alloc(ws *w, size_t P, size_t N, size_t k, size_t nl)
{
  w->X = malloc(P * N * sizeof *w->X);
  w->y = malloc(P * sizeof *w->y);
  w->resid = malloc(P * sizeof *w->resid);
  w->d = malloc(k * sizeof *w->d);
  w->U = malloc(P * k * sizeof *w->U);
  w->VT = malloc(k * N * sizeof *w->VT);
  w->c = malloc(k * sizeof *w->c);
  w->aU = malloc(k * sizeof *w->aU);
  w->coef = malloc(k * nl * sizeof *w->coef);
  w->W = malloc(N * nl * sizeof *w->W);
  w->iwork = malloc(8 * k * sizeof *w->iwork);
  if (!w->X || !w->y || !w->resid || !w->d || !w->U || !w->VT || !w->c
      || !w->aU || !w->coef || !w->W || !w->iwork)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

/* Columns in Sigma's eigenbasis, as in lib/mc_ridge.c.  */
static deq_status fill_columns(deq_mc_corr_plan *p, const deq_spectrum *sp)
{
  if (!sp->exact || !isfinite(sp->dim) || sp->dim > MC_MAX_DIM)
    return DEQ_EUNSUP;
  size_t N = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (sp->m[i] != floor(sp->m[i])) return DEQ_EUNSUP;
    N += (size_t)sp->m[i];
  }
  p->N = N;
  p->s = malloc(N * sizeof *p->s);
  p->sqrt_s = malloc(N * sizeof *p->sqrt_s);
  p->wbar = malloc(N * sizeof *p->wbar);
  if (!p->s || !p->sqrt_s || !p->wbar) return DEQ_ENOMEM;
  size_t j = 0;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i];
    double w = s > 0 ? sqrt(sp->v[i] / (m * s)) : 0.0;
    for (size_t r = 0; r < (size_t)m; r++, j++) {
      p->s[j] = s;
      p->sqrt_s[j] = sqrt(s);
      p->wbar[j] = w;
    }
  }
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

static int resolve_threads(int threads)
{
#ifdef _OPENMP
  return threads > 0 ? threads : omp_get_max_threads();
#else
  (void)threads;
  return 1;
#endif
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
  p->threads = resolve_threads(threads);
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
  if (st == DEQ_OK) {
    double wq = 0;
    lapack_int info = LAPACKE_dgesdd_work(
        LAPACK_COL_MAJOR, 'S', (lapack_int)P, (lapack_int)p->N, p->w[0].X,
        (lapack_int)P, p->w[0].d, p->w[0].U, (lapack_int)P, p->w[0].VT,
        (lapack_int)p->k, &wq, -1, p->w[0].iwork);
    if (info != 0) st = DEQ_ELAPACK;
    p->lwork = (lapack_int)ceil(wq > 1 ? wq : 1);
  }
  for (int i = 0; st == DEQ_OK && i < p->threads; i++) {
    p->w[i].work = malloc((size_t)p->lwork * sizeof(double));
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

static lapack_int run_trial(double *res, const deq_mc_corr_plan *p, ws *w,
                            const double *t, double sd, int iid,
                            uint64_t seed, uint64_t trial)
{
  size_t P = p->P, N = p->N, k = p->k, nl = p->nlambda;
  deq_rng rng;
  deq_rng_seed(&rng, seed, trial);
  if (deq_sampler_execute_rng(w->X, P, N, p->sqrt_s, p->rows, &rng))
    return -1000;
  if (iid) {
    deq_rng_normals(w->y, P, &rng);
    for (size_t i = 0; i < P; i++) w->y[i] *= sd;
  } else if (deq_sampler_execute_rng(w->y, P, 1, &sd, p->rows, &rng)) {
    return -1000;
  }
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)N, 1.0, w->X, (int)P,
              p->wbar, 1, 1.0, w->y, 1);
  lapack_int info = LAPACKE_dgesdd_work(
      LAPACK_COL_MAJOR, 'S', (lapack_int)P, (lapack_int)N, w->X, (lapack_int)P,
      w->d, w->U, (lapack_int)P, w->VT, (lapack_int)k, w->work, p->lwork,
      w->iwork);
  if (info != 0) return info;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)k, 1.0, w->U, (int)P,
              w->y, 1, 0.0, w->c, 1);
  memcpy(w->resid, w->y, P * sizeof *w->resid);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)k, -1.0, w->U, (int)P,
              w->c, 1, 1.0, w->resid, 1);
  double yperp2 = cblas_ddot((int)P, w->resid, 1, w->resid, 1);
  double ay = 0;   /* alpha' y_perp */
  if (p->alpha) {
    cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)k, 1.0, w->U, (int)P,
                p->alpha, 1, 0.0, w->aU, 1);
    ay = cblas_ddot((int)P, p->alpha, 1, w->resid, 1);
  }
  double thr = w->d[0] * (double)(P > N ? P : N) * DBL_EPSILON;
  size_t r = 0;
  while (r < k && w->d[r] > thr) r++;
  for (size_t l = 0; l < nl; l++) {
    double *q = res + l * NQ, *coef = w->coef + l * k, tl = t[l];
    double rss = yperp2, df = 0, slack = 0, gn = 0, gd = 0, ar = ay;
    for (size_t j = 0; j < r; j++) {
      double d2 = w->d[j] * w->d[j], den = d2 + tl, f = tl / den;
      coef[j] = w->d[j] * w->c[j] / den;
      rss += f * f * w->c[j] * w->c[j];
      df += d2 / den;
      slack += f;
      gn += (w->c[j] / den) * (w->c[j] / den);
      gd += 1.0 / den;
      if (p->alpha) ar += w->aU[j] * f * w->c[j];
    }
    for (size_t j = r; j < k; j++) {
      coef[j] = 0;
      rss += w->c[j] * w->c[j];
      if (p->alpha) ar += w->aU[j] * w->c[j];
    }
    q[Q_ETR] = rss / (double)P;
    if (r == P) {
      q[Q_GCV] = (double)P * gn / (gd * gd);
    } else {
      double om = ((double)(P - r) + slack) / (double)P;
      q[Q_GCV] = q[Q_ETR] / (om * om);
    }
    double fac;
    q[Q_CGCV] = deq_corr_gcv_factor(&fac, NULL, p->K, df) == DEQ_OK
                ? q[Q_ETR] * fac : NAN;
    q[Q_DF] = df;
    q[Q_FC] = ar;   /* alpha' r; completed below with E_g */
  }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)N, (int)nl,
              (int)k, 1.0, w->VT, (int)k, w->coef, (int)k, 0.0, w->W, (int)N);
  for (size_t l = 0; l < nl; l++) {
    const double *wl = w->W + l * N;
    double eg = 0;
    for (size_t j = 0; j < N; j++) {
      double e = wl[j] - p->wbar[j];
      eg += p->s[j] * e * e;
    }
    double *q = res + l * NQ;
    q[Q_EG] = eg;
    q[Q_FC] = p->alpha && !iid ? q[Q_FC] * q[Q_FC] + p->s2 * (eg + sd * sd)
                               : NAN;
  }
  return 0;
}

/* ------------------------------------------------------------ execute */

static deq_mc_estimate estimate(double mean, double m2, size_t trials)
{
  double T = (double)trials;
  deq_mc_estimate e = { mean, sqrt(m2 / (T - 1.0) / T) };
  return e;
}

deq_status deq_mc_corr_execute(deq_mc_corr_row *rows, deq_mc_corr_plan *p,
                               const double *lambda, double noise,
                               deq_corr_noise model, size_t trials,
                               uint64_t seed)
{
  if (!rows || !p || !lambda || trials < 2) return DEQ_EINVAL;
  if (model != DEQ_CORR_NOISE_K && model != DEQ_CORR_NOISE_IID)
    return DEQ_EINVAL;
  if (!(noise >= 0) || !isfinite(noise)) return DEQ_EDOM;
  size_t nl = p->nlambda, m = nl * NQ;
  for (size_t l = 0; l < nl; l++)
    if (!(lambda[l] >= 0) || !isfinite(lambda[l] * (double)p->P))
      return DEQ_EDOM;
  size_t chunk = trials < MC_CHUNK ? trials : MC_CHUNK;
  double *t = malloc(nl * sizeof *t), *res = malloc(chunk * m * sizeof *res);
  double *mean = calloc(m, sizeof *mean), *m2 = calloc(m, sizeof *m2);
  lapack_int *info = malloc(chunk * sizeof *info);
  deq_status st = DEQ_OK;
  int blas_threads = -1;
  (void)blas_threads;
  if (!t || !res || !mean || !m2 || !info) {
    st = DEQ_ENOMEM;
    goto done;
  }
  for (size_t l = 0; l < nl; l++) t[l] = (double)p->P * lambda[l];
  double sd = sqrt(noise);
  int iid = model == DEQ_CORR_NOISE_IID;
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
#endif
  for (size_t first = 0; first < trials; first += chunk) {
    size_t n = trials - first < chunk ? trials - first : chunk;
#ifdef _OPENMP
#pragma omp parallel for num_threads(p->threads) schedule(dynamic)
#endif
    for (size_t i = 0; i < n; i++) {
      int tid = 0;
#ifdef _OPENMP
      tid = omp_get_thread_num();
#endif
      info[i] = run_trial(res + i * m, p, &p->w[tid], t, sd, iid, seed,
                          (uint64_t)(first + i));
    }
    for (size_t i = 0; i < n; i++) {
      if (info[i] != 0) {
        st = info[i] == -1000 ? DEQ_ENOMEM : DEQ_ELAPACK;
        goto done;
      }
      double cnt = (double)(first + i + 1);
      const double *x = res + i * m;
      for (size_t j = 0; j < m; j++) {   /* Welford, in trial order */
        double delta = x[j] - mean[j];
        mean[j] += delta / cnt;
        m2[j] += delta * (x[j] - mean[j]);
      }
    }
  }
  for (size_t l = 0; l < nl; l++) {
    const double *mu = mean + l * NQ, *v = m2 + l * NQ;
    rows[l].lambda = lambda[l];
    rows[l].E_g = estimate(mu[Q_EG], v[Q_EG], trials);
    rows[l].E_tr = estimate(mu[Q_ETR], v[Q_ETR], trials);
    rows[l].gcv_naive = estimate(mu[Q_GCV], v[Q_GCV], trials);
    rows[l].corrgcv = estimate(mu[Q_CGCV], v[Q_CGCV], trials);
    rows[l].df = estimate(mu[Q_DF], v[Q_DF], trials);
    rows[l].E_forecast = estimate(mu[Q_FC], v[Q_FC], trials);
  }
done:
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  if (blas_threads > 0) openblas_set_num_threads(blas_threads);
#endif
  free(t);
  free(res);
  free(mean);
  free(m2);
  free(info);
  return st;
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
