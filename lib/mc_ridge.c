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

#include "deq/mc.h"
#include "rng_impl.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
/* Declared by OpenBLAS's cblas.h, but not by other CBLAS headers.  */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

#define MC_MAX_DIM 1048576.0    /* 2^20 columns at most */
#define MC_CHUNK 1024           /* trials evaluated between two reductions */
#define MC_ALIGN 64             /* every work array starts on a cache line */

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

double deq_mc_z(const deq_mc_estimate *e, double theory)
{
  if (!e)
    return NAN;
  double gap = e->mean - theory;
  if (gap == 0.0)
    return 0.0;
  if (e->se == 0.0)
    return gap > 0 ? INFINITY : -INFINITY;
  return gap / e->se;
}

/* ---------------------------------------------------------------- memory */

/* Aligned so that every thread's arrays have the same alignment: BLAS
   kernels that treat unaligned heads differently then round alike.  */
static void *alloc_aligned(size_t count, size_t size)
{
  void *p = NULL;
  if (count == 0)
    count = 1;
  if (count > SIZE_MAX / size)
    return NULL;
  size_t bytes = (count * size + MC_ALIGN - 1) / MC_ALIGN * MC_ALIGN;
  if (posix_memalign(&p, MC_ALIGN, bytes) != 0)
    return NULL;
  return p;
}

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
  ws->X = alloc_aligned(P * N, sizeof(double));
  ws->y = alloc_aligned(P, sizeof(double));
  ws->resid = alloc_aligned(P, sizeof(double));
  ws->d = alloc_aligned(k, sizeof(double));
  ws->U = alloc_aligned(P * k, sizeof(double));
  ws->VT = alloc_aligned(k * N, sizeof(double));
  ws->c = alloc_aligned(k, sizeof(double));
  ws->coef = alloc_aligned(k * nlambda, sizeof(double));
  ws->W = alloc_aligned(N * nlambda, sizeof(double));
  ws->iwork = alloc_aligned(8 * k, sizeof(lapack_int));
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

/* Monte Carlo needs true eigenvalues with integer multiplicities and a
   dimension small enough to store X.  Returns the dimension in *N.  */
static deq_status check_spectrum(size_t *N, const deq_spectrum *sp)
{
  if (!sp->s || !sp->m || !sp->v || sp->n == 0)
    return DEQ_EINVAL;
  if (!sp->exact || !isfinite(sp->dim))
    return DEQ_EUNSUP;
  double dim = 0.0;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i], v = sp->v[i];
    if (!(s >= 0.0) || !isfinite(s) || !(v >= 0.0) || !isfinite(v)
        || !(m > 0.0) || !isfinite(m) || (s == 0.0 && v > 0.0))
      return DEQ_EDOM;
    if (m != floor(m))
      return DEQ_EUNSUP;
    dim += m;
    if (dim > MC_MAX_DIM)
      return DEQ_EUNSUP;
  }
  *N = (size_t)dim;
  return DEQ_OK;
}

/* Column j of atom i: eigenvalue s_i and wbar_j = sqrt(v_i/(m_i s_i)), so
   that the atom's m_i columns carry target power v_i.  */
static void fill_columns(deq_mc_ridge_plan *plan, const deq_spectrum *sp)
{
  size_t j = 0;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i];
    double w = s > 0.0 ? sqrt(sp->v[i] / (m * s)) : 0.0;
    for (size_t r = 0; r < (size_t)m; r++, j++) {
      plan->s[j] = s;
      plan->sqrt_s[j] = sqrt(s);
      plan->wbar[j] = w;
    }
  }
}

/* Optimal dgesdd workspace for P x N with jobz = 'S', queried once.  */
static deq_status query_lwork(lapack_int *lwork, mc_ridge_ws *ws, size_t P,
                              size_t N, size_t k)
{
  double wq = 0.0;
  lapack_int info = LAPACKE_dgesdd_work(
      LAPACK_COL_MAJOR, 'S', (lapack_int)P, (lapack_int)N, ws->X,
      (lapack_int)P, ws->d, ws->U, (lapack_int)P, ws->VT, (lapack_int)k,
      &wq, -1, ws->iwork);
  if (info != 0)
    return DEQ_ELAPACK;
  if (!(wq >= 1.0))
    wq = 1.0;
  if (wq >= (double)INT_MAX)   /* lapack_int cannot hold it */
    return DEQ_EUNSUP;
  *lwork = (lapack_int)ceil(wq);
  return DEQ_OK;
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
  deq_status st = check_spectrum(&N, sp);
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
  plan->threads = resolve_threads(threads);
  plan->s = alloc_aligned(N, sizeof(double));
  plan->sqrt_s = alloc_aligned(N, sizeof(double));
  plan->wbar = alloc_aligned(N, sizeof(double));
  plan->ws = calloc((size_t)plan->threads, sizeof *plan->ws);
  if (!plan->s || !plan->sqrt_s || !plan->wbar || !plan->ws) {
    deq_mc_ridge_plan_free(plan);
    return DEQ_ENOMEM;
  }
  fill_columns(plan, sp);

  for (int i = 0; i < plan->threads && st == DEQ_OK; i++)
    st = ws_alloc(&plan->ws[i], P, N, plan->k, nlambda);
  if (st == DEQ_OK)
    st = query_lwork(&plan->lwork, &plan->ws[0], P, N, plan->k);
  for (int i = 0; i < plan->threads && st == DEQ_OK; i++) {
    plan->ws[i].work = alloc_aligned((size_t)plan->lwork, sizeof(double));
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

/* X with column j = sqrt(s_j) * iid N(0,1), then y = X wbar + noise_sd eps.
   X is drawn before eps, so runs that differ only in the noise level
   share their X.  */
static void sample_data(const deq_mc_ridge_plan *plan, mc_ridge_ws *ws,
                        double noise_sd, deq_rng *rng)
{
  size_t P = plan->P, N = plan->N;
  for (size_t j = 0; j < N; j++) {
    double *col = ws->X + j * P;
    if (plan->s[j] == 0.0) {
      memset(col, 0, P * sizeof(double));
      continue;
    }
    deq_rng_normals(col, P, rng);
    double a = plan->sqrt_s[j];
    for (size_t i = 0; i < P; i++)
      col[i] *= a;
  }
  deq_rng_normals(ws->y, P, rng);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)N, 1.0, ws->X,
              (int)P, plan->wbar, 1, noise_sd, ws->y, 1);
}

/* Number of singular values above d_max max(P, N) eps.  */
static size_t numerical_rank(const double *d, size_t k, size_t P, size_t N)
{
  double thr = d[0] * (double)(P > N ? P : N) * DBL_EPSILON;
  size_t r = 0;
  while (r < k && d[r] > thr)
    r++;
  return r;
}

/* |y - U c|^2, computed from the explicit residual: when y lies almost
   in span U, subtracting |c|^2 from |y|^2 would lose every digit.  */
static double residual_norm2(const deq_mc_ridge_plan *plan, mc_ridge_ws *ws)
{
  size_t P = plan->P, k = plan->k;
  memcpy(ws->resid, ws->y, P * sizeof(double));
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)k, -1.0, ws->U,
              (int)P, ws->c, 1, 1.0, ws->resid, 1);
  return cblas_ddot((int)P, ws->resid, 1, ws->resid, 1);
}

/* E_tr, gcv and df1 at t = P lambda, and the ridge coefficients
   coef_j = d_j c_j/(d_j^2 + t) (zero beyond the rank).  */
static void spectral_quantities(double *res, double *coef, const double *d,
                                const double *c, size_t k, size_t r,
                                size_t P, double yperp2, double t)
{
  double rss = yperp2, df1 = 0.0, slack = 0.0, g_num = 0.0, g_den = 0.0;
  for (size_t j = 0; j < r; j++) {
    double d2 = d[j] * d[j], den = d2 + t, f = t / den;
    coef[j] = d[j] * c[j] / den;
    rss += f * f * c[j] * c[j];
    df1 += d2 / den;
    slack += f;
    g_num += (c[j] / den) * (c[j] / den);
    g_den += 1.0 / den;
  }
  for (size_t j = r; j < k; j++) {   /* directions X does not reach */
    coef[j] = 0.0;
    rss += c[j] * c[j];
  }
  double e_tr = rss / (double)P;
  double gcv;
  if (r == P) {
    /* 1 - df1/P = (t/P) sum 1/(d^2+t); t cancels, exact down to t = 0.  */
    gcv = (double)P * g_num / (g_den * g_den);
  } else {
    double one_minus = ((double)(P - r) + slack) / (double)P;
    gcv = e_tr / (one_minus * one_minus);
  }
  res[Q_EG] = 0.0;   /* filled once the weights are known */
  res[Q_ETR] = e_tr;
  res[Q_GCV] = gcv;
  res[Q_DF1] = df1;
}

/* One trial: res[l*NQ + q] for every lambda.  Returns dgesdd's info.  */
static lapack_int run_trial(double *res, const deq_mc_ridge_plan *plan,
                            mc_ridge_ws *ws, const double *t,
                            double noise_sd, uint64_t seed, uint64_t trial)
{
  size_t P = plan->P, N = plan->N, k = plan->k, nl = plan->nlambda;
  deq_rng rng;
  deq_rng_seed(&rng, seed, trial);
  sample_data(plan, ws, noise_sd, &rng);

  lapack_int info = LAPACKE_dgesdd_work(
      LAPACK_COL_MAJOR, 'S', (lapack_int)P, (lapack_int)N, ws->X,
      (lapack_int)P, ws->d, ws->U, (lapack_int)P, ws->VT, (lapack_int)k,
      ws->work, plan->lwork, ws->iwork);
  if (info != 0)
    return info;

  cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)k, 1.0, ws->U, (int)P,
              ws->y, 1, 0.0, ws->c, 1);
  double yperp2 = residual_norm2(plan, ws);
  size_t r = numerical_rank(ws->d, k, P, N);
  for (size_t l = 0; l < nl; l++)
    spectral_quantities(res + l * NQ, ws->coef + l * k, ws->d, ws->c, k, r,
                        P, yperp2, t[l]);

  /* W = V coef: the weights for every lambda in one product.  */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)N, (int)nl,
              (int)k, 1.0, ws->VT, (int)k, ws->coef, (int)k, 0.0, ws->W,
              (int)N);
  for (size_t l = 0; l < nl; l++) {
    const double *w = ws->W + l * N;
    double eg = 0.0;
    for (size_t j = 0; j < N; j++) {
      double e = w[j] - plan->wbar[j];
      eg += plan->s[j] * e * e;
    }
    res[l * NQ + Q_EG] = eg;
  }
  return 0;
}

/* ---------------------------------------------------------------- execute */

/* Trials first .. first+n-1 into res (n x nlambda x NQ) and info.  Each
   trial depends on (seed, trial) only, whichever thread runs it.  */
static void run_chunk(double *res, lapack_int *info, deq_mc_ridge_plan *plan,
                      const double *t, double noise_sd, uint64_t seed,
                      size_t first, size_t n)
{
  size_t stride = plan->nlambda * NQ;
#ifdef _OPENMP
#pragma omp parallel for num_threads(plan->threads) schedule(dynamic)
#endif
  for (size_t i = 0; i < n; i++) {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    info[i] = run_trial(res + i * stride, plan, &plan->ws[tid], t, noise_sd,
                        seed, (uint64_t)(first + i));
  }
}

/* Welford's update, applied in trial order so that the sums do not
   depend on the number of threads.  */
static void accumulate(double *mean, double *m2, const double *x, size_t m,
                       double count)
{
  for (size_t i = 0; i < m; i++) {
    double delta = x[i] - mean[i];
    mean[i] += delta / count;
    m2[i] += delta * (x[i] - mean[i]);
  }
}

static deq_mc_estimate estimate(double mean, double m2, size_t trials)
{
  double T = (double)trials;
  deq_mc_estimate e = { mean, sqrt(m2 / (T - 1.0) / T) };
  return e;
}

static deq_status check_execute_args(const deq_mc_ridge_row *rows,
                                     const deq_mc_ridge_plan *plan,
                                     const double *lambda, double noise,
                                     size_t trials)
{
  if (!rows || !plan || !lambda || trials < 2)
    return DEQ_EINVAL;
  if (!(noise >= 0.0) || !isfinite(noise))
    return DEQ_EDOM;
  for (size_t l = 0; l < plan->nlambda; l++)
    if (!(lambda[l] >= 0.0) || !isfinite(lambda[l] * (double)plan->P))
      return DEQ_EDOM;
  return DEQ_OK;
}

/* OpenBLAS runs single-threaded during execute, whatever the number of
   trial threads: a multi-threaded BLAS would round differently and break
   the bitwise thread-count invariance.  openblas_set_num_threads is
   process-wide, so the previous setting is restored on return; do not
   call OpenBLAS from other threads meanwhile.  */
deq_status deq_mc_ridge_execute(deq_mc_ridge_row *rows, deq_mc_ridge_plan *plan,
                                const double *lambda, double noise,
                                size_t trials, uint64_t seed)
{
  deq_status st = check_execute_args(rows, plan, lambda, noise, trials);
  if (st != DEQ_OK)
    return st;
  int blas_threads = -1; /* OpenBLAS setting to restore */
  (void)blas_threads;
  size_t nl = plan->nlambda, m = nl * NQ;
  size_t chunk = trials < MC_CHUNK ? trials : MC_CHUNK;
  double noise_sd = sqrt(noise);
  if (nl > SIZE_MAX / sizeof(double) / NQ / chunk)
    return DEQ_ENOMEM;
  double *t = malloc(nl * sizeof *t);
  double *res = malloc(chunk * m * sizeof *res);
  lapack_int *info = malloc(chunk * sizeof *info);
  double *mean = calloc(m, sizeof *mean);
  double *m2 = calloc(m, sizeof *m2);
  if (!t || !res || !info || !mean || !m2) {
    st = DEQ_ENOMEM;
    goto done;
  }
  for (size_t l = 0; l < nl; l++)
    t[l] = (double)plan->P * lambda[l];

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
#endif
  for (size_t first = 0; first < trials; first += chunk) {
    size_t n = trials - first < chunk ? trials - first : chunk;
    run_chunk(res, info, plan, t, noise_sd, seed, first, n);
    for (size_t i = 0; i < n; i++) {
      if (info[i] != 0) {
        st = DEQ_ELAPACK;
        goto done;
      }
      accumulate(mean, m2, res + i * m, m, (double)(first + i + 1));
    }
  }
  for (size_t l = 0; l < nl; l++) {
    const double *mu = mean + l * NQ, *v = m2 + l * NQ;
    rows[l].lambda = lambda[l];
    rows[l].E_g = estimate(mu[Q_EG], v[Q_EG], trials);
    rows[l].E_tr = estimate(mu[Q_ETR], v[Q_ETR], trials);
    rows[l].gcv = estimate(mu[Q_GCV], v[Q_GCV], trials);
    rows[l].df1 = estimate(mu[Q_DF1], v[Q_DF1], trials);
  }
done:
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  if (blas_threads > 0) openblas_set_num_threads(blas_threads);
#endif
  free(t);
  free(res);
  free(info);
  free(mean);
  free(m2);
  return st;
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
