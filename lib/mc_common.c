/* lib/mc_common.c -- plumbing shared by the Monte Carlo modules: aligned
 * memory, trial threads and the chunked trial driver, Welford statistics,
 * the column model of Sigma's eigenbasis and the thin-SVD ridge algebra
 * (see mc_impl.h).  */
#include "config.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "mc_impl.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
/* Declared by OpenBLAS's cblas.h, but not by other CBLAS headers.  */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

/* ---------------------------------------------------------------- hooks */

/* The hooks a program installed (deq_mc_set_hooks) and the number of
   the next loop.  Plain globals: installing is documented as not
   concurrent with loops, and loops with hooks start one at a time.  */
static deq_mc_hooks hooks;
static size_t next_loop;
static int have_hooks;   /* without hooks, concurrent loops touch nothing */

void deq_mc_set_hooks(const deq_mc_hooks *h)
{
  static const deq_mc_hooks none;
  hooks = h ? *h : none;
  have_hooks = h != NULL;
  next_loop = 0;
}

/* ---------------------------------------------------------------- memory */

void *deq_mc_alloc_aligned(size_t count, size_t size)
{
  void *p = NULL;
  if (count == 0)
    count = 1;
  if (count > SIZE_MAX / size)
    return NULL;
  size_t bytes = (count * size + DEQ_MC_ALIGN - 1) / DEQ_MC_ALIGN
                 * DEQ_MC_ALIGN;
  if (posix_memalign(&p, DEQ_MC_ALIGN, bytes) != 0)
    return NULL;
  return p;
}

void *deq_mc_xalloc(size_t count, size_t size)
{
  if (count == 0)
    count = 1;
  if (count > SIZE_MAX / size)
    return NULL;
  return malloc(count * size);
}

/* ---------------------------------------------------------------- threads */

int deq_mc_threads(int threads)
{
#ifdef _OPENMP
  return threads > 0 ? threads : omp_get_max_threads();
#else
  (void)threads;
  return 1;
#endif
}

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
static pthread_mutex_t blas_mutex = PTHREAD_MUTEX_INITIALIZER;
static int blas_users;   /* executes inside a serial bracket */
static int blas_saved;   /* the count before the first of them */
#endif

void deq_mc_blas_serial(void)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  pthread_mutex_lock(&blas_mutex);
  if (blas_users++ == 0) {
    /* hooks.blas_threads: threads inside one big trial (deq mc
       --blas-threads), reproducible for that count only.  */
    int inside = hooks.blas_threads > 0 ? hooks.blas_threads : 1;
    blas_saved = openblas_get_num_threads();
    if (blas_saved != inside) openblas_set_num_threads(inside);
  }
  pthread_mutex_unlock(&blas_mutex);
#endif
}

void deq_mc_blas_restore(void)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  pthread_mutex_lock(&blas_mutex);
  int inside = hooks.blas_threads > 0 ? hooks.blas_threads : 1;
  if (--blas_users == 0 && blas_saved != inside)
    openblas_set_num_threads(blas_saved);
  pthread_mutex_unlock(&blas_mutex);
#endif
}

void deq_mc_parallel(deq_status *st, double *res, size_t stride,
                     size_t first, size_t n, int threads, deq_mc_trial_fn run,
                     void *ctx)
{
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic)
#else
  (void)threads;
#endif
  for (size_t i = 0; i < n; i++) {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    st[i] = run(res + i * stride, ctx, tid, (uint64_t)(first + i));
  }
}

/* Trials first .. first+n-1 into res/st: this process's share computed
   here, the rest gathered from the others (hooks.share/gather).  */
static deq_status run_chunk(deq_status *st, double *res, size_t m,
                            size_t first, size_t n, int threads,
                            deq_mc_trial_fn run, void *ctx)
{
  size_t lo = 0, hi = n;
  if (hooks.share && hooks.gather) {   /* a share needs its gather */
    hooks.share(hooks.ctx, n, &lo, &hi);
    if (lo > hi || hi > n) return DEQ_EINVAL;
  }
  deq_mc_parallel(st + lo, res + lo * m, m, first + lo, hi - lo, threads,
                  run, ctx);
  return hooks.gather ? hooks.gather(hooks.ctx, res, st, m, n) : DEQ_OK;
}

deq_status deq_mc_run_trials(double *mean, double *m2, size_t m,
                             size_t trials, int threads, deq_mc_trial_fn run,
                             void *ctx)
{
  size_t loop = have_hooks ? next_loop++ : 0;
  size_t limit = hooks.chunk ? hooks.chunk : DEQ_MC_CHUNK;
  size_t chunk = trials < limit ? trials : limit;
  if (chunk == 0)
    chunk = 1;
  if (m > SIZE_MAX / sizeof(double) / chunk)
    return DEQ_ENOMEM;
  double *res = malloc(chunk * m * sizeof *res);
  deq_status *st = malloc(chunk * sizeof *st);
  deq_status status = DEQ_OK;
  size_t done = 0;
  if (!res || !st) {
    status = DEQ_ENOMEM;
    goto done;
  }
  for (size_t j = 0; j < m; j++)
    mean[j] = m2[j] = 0.0;
  if (hooks.begin)
    status = hooks.begin(hooks.ctx, loop, m, trials, mean, m2, &done);
  if (status == DEQ_OK && done > trials)
    status = DEQ_EINVAL;

  deq_mc_blas_serial();
  for (size_t first = done; first < trials && status == DEQ_OK;
       first += chunk) {
    size_t n = trials - first < chunk ? trials - first : chunk;
    status = run_chunk(st, res, m, first, n, threads, run, ctx);
    for (size_t i = 0; status == DEQ_OK && i < n; i++) {   /* in trial order */
      if (st[i] != DEQ_OK) {
        status = st[i];
        break;
      }
      deq_mc_accumulate(mean, m2, res + i * m, m, (double)(first + i + 1));
    }
    if (status == DEQ_OK && hooks.fold)
      status = hooks.fold(hooks.ctx, loop, m, first + n, trials, mean, m2);
  }
  deq_mc_blas_restore();
done:
  free(res);
  free(st);
  return status;
}

void deq_mc_step_order(size_t *order, const double *T, size_t n)
{
  for (size_t k = 0; k < n; k++) {
    size_t j = k;
    while (j > 0 && T[order[j - 1]] > T[k]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = k;
  }
}

/* ---------------------------------------------------------------- statistics */

void deq_mc_accumulate(double *mean, double *m2, const double *x, size_t m,
                       double count)
{
  for (size_t i = 0; i < m; i++) {
    double delta = x[i] - mean[i];
    mean[i] += delta / count;
    m2[i] += delta * (x[i] - mean[i]);
  }
}

deq_mc_estimate deq_mc_estimate_of(double mean, double m2, size_t trials)
{
  double T = (double)trials;
  deq_mc_estimate e = { mean, sqrt(m2 / (T - 1.0) / T) };
  return e;
}

deq_status deq_mc_lambda_execute(void *rows, const deq_mc_row_layout *row,
                                 size_t P, const double *lambda,
                                 size_t nlambda, double noise, size_t trials,
                                 int threads, const double **t,
                                 deq_mc_trial_fn run, void *ctx)
{
  if (trials < 2) return DEQ_EINVAL;
  if (!(noise >= 0) || !isfinite(noise)) return DEQ_EDOM;
  for (size_t l = 0; l < nlambda; l++)
    if (!(lambda[l] >= 0) || !isfinite(lambda[l] * (double)P))
      return DEQ_EDOM;
  size_t nq = row->nq, m = nlambda * nq;
  double *tl = malloc(nlambda * sizeof *tl);
  double *mean = calloc(m, sizeof *mean), *m2 = calloc(m, sizeof *m2);
  deq_status st = tl && mean && m2 ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK) {
    for (size_t l = 0; l < nlambda; l++) tl[l] = (double)P * lambda[l];
    *t = tl;
    st = deq_mc_run_trials(mean, m2, m, trials, threads, run, ctx);
    *t = NULL;
  }
  for (size_t l = 0; st == DEQ_OK && l < nlambda; l++) {
    char *r = (char *)rows + l * row->size;
    memcpy(r + row->lambda, &lambda[l], sizeof lambda[l]);
    for (size_t q = 0; q < nq; q++) {
      deq_mc_estimate e = deq_mc_estimate_of(mean[l * nq + q], m2[l * nq + q],
                                             trials);
      memcpy(r + row->q[q], &e, sizeof e);
    }
  }
  free(tl);
  free(mean);
  free(m2);
  return st;
}

/* ---------------------------------------------------------------- spectra */

deq_status deq_mc_check_spectrum(size_t *N, const deq_spectrum *sp)
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
    if (dim > DEQ_MC_MAX_DIM)
      return DEQ_EUNSUP;
  }
  *N = (size_t)dim;
  return DEQ_OK;
}

void deq_mc_columns(double *s_col, double *sqrt_s, double *wbar,
                    const deq_spectrum *sp)
{
  size_t j = 0;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i];
    double w = s > 0.0 ? sqrt(sp->v[i] / (m * s)) : 0.0;
    for (size_t r = 0; r < (size_t)m; r++, j++) {
      s_col[j] = s;
      sqrt_s[j] = sqrt(s);
      wbar[j] = w;
    }
  }
}

deq_status deq_mc_run_estimates(deq_mc_estimate *const *est, size_t nq,
                                size_t n, size_t trials, int threads,
                                deq_mc_trial_fn run, void *ctx)
{
  size_t m = nq * n;
  double *mean = malloc(2 * m * sizeof *mean);
  if (!mean) return DEQ_ENOMEM;
  double *m2 = mean + m;
  deq_status st = deq_mc_run_trials(mean, m2, m, trials, threads, run, ctx);
  for (size_t j = 0; st == DEQ_OK && j < nq; j++)
    for (size_t k = 0; k < n; k++)
      est[j][k] = deq_mc_estimate_of(mean[j * n + k], m2[j * n + k], trials);
  free(mean);
  return st;
}

deq_status deq_mc_run_steps(deq_mc_steps *g, const deq_spectrum *sp,
                            size_t N, const double *T, size_t n,
                            deq_mc_estimate *const *est, size_t nq,
                            size_t trials, int threads, deq_mc_trial_fn run,
                            void *ctx)
{
  deq_status st = DEQ_ENOMEM;
  g->s = deq_mc_columns_alloc(&g->sqrt_s, &g->wbar, sp, N);
  g->order = malloc(n * sizeof *g->order);
  if (g->s && g->order) {
    deq_mc_step_order(g->order, T, n);
    st = deq_mc_run_estimates(est, nq, n, trials, threads, run, ctx);
  }
  free(g->s);
  free(g->order);
  *g = (deq_mc_steps){ 0 };
  return st;
}

double *deq_mc_columns_alloc(double **sqrt_s, double **wbar,
                             const deq_spectrum *sp, size_t N)
{
  double *s = malloc(3 * N * sizeof *s);
  if (!s) return NULL;
  *sqrt_s = s + N;
  *wbar = s + 2 * N;
  deq_mc_columns(s, *sqrt_s, *wbar, sp);
  return s;
}

void deq_mc_sample_xy(double *X, double *y, const double *s,
                      const double *sqrt_s, const double *wbar, size_t P,
                      size_t N, double noise_sd, deq_rng *rng)
{
  for (size_t j = 0; j < N; j++) {
    double *col = X + j * P;
    if (s[j] == 0.0) {
      memset(col, 0, P * sizeof(double));
      continue;
    }
    deq_rng_normals(col, P, rng);
    double a = sqrt_s[j];
    for (size_t i = 0; i < P; i++)
      col[i] *= a;
  }
  deq_rng_normals(y, P, rng);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)N, 1.0, X, (int)P,
              wbar, 1, noise_sd, y, 1);
}

/* ---------------------------------------------------------------- thin SVD */

lapack_int deq_mc_svd(char jobz, size_t m, size_t n, double *A, double *s,
                      double *U, double *VT, double *work, lapack_int lwork,
                      lapack_int *iwork)
{
  lapack_int ldu = 1, ldvt = 1;
  if (jobz != 'N') {
    ldu = (lapack_int)m;
    ldvt = (lapack_int)(m < n ? m : n);
  }
  return LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, (lapack_int)m,
                             (lapack_int)n, A, (lapack_int)m, s, U, ldu, VT,
                             ldvt, work, lwork, iwork);
}

deq_status deq_mc_svd_lwork(lapack_int *lwork, char jobz, size_t m, size_t n,
                            double *A, double *s, double *U, double *VT,
                            lapack_int *iwork)
{
  double wq = 0.0;
  if (deq_mc_svd(jobz, m, n, A, s, U, VT, &wq, -1, iwork) != 0)
    return DEQ_ELAPACK;
  if (!(wq >= 1.0))
    wq = 1.0;
  if (wq >= (double)INT_MAX)   /* lapack_int cannot hold it */
    return DEQ_EUNSUP;
  *lwork = (lapack_int)ceil(wq);
  return DEQ_OK;
}

size_t deq_mc_numerical_rank(const double *d, size_t k, size_t P, size_t n)
{
  double thr = d[0] * (double)(P > n ? P : n) * DBL_EPSILON;
  size_t r = 0;
  while (r < k && d[r] > thr)
    r++;
  return r;
}

double deq_mc_project(double *c, double *resid, const double *U,
                      const double *y, size_t P, size_t k)
{
  cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)k, 1.0, U, (int)P, y, 1,
              0.0, c, 1);
  memcpy(resid, y, P * sizeof(double));
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)k, -1.0, U, (int)P,
              c, 1, 1.0, resid, 1);
  return cblas_ddot((int)P, resid, 1, resid, 1);
}

void deq_mc_ridge_fit(deq_mc_fit *fit, double *coef, const double *d,
                      const double *c, size_t k, size_t r, size_t P,
                      double yperp2, double t)
{
  double rss = yperp2, df = 0.0, slack = 0.0, g_num = 0.0, g_den = 0.0;
  for (size_t j = 0; j < r; j++) {
    double d2 = d[j] * d[j], den = d2 + t, f = t / den;
    coef[j] = d[j] * c[j] / den;
    rss += f * f * c[j] * c[j];
    df += d2 / den;
    slack += f;
    g_num += (c[j] / den) * (c[j] / den);
    g_den += 1.0 / den;
  }
  for (size_t j = r; j < k; j++) {   /* directions X does not reach */
    coef[j] = 0.0;
    rss += c[j] * c[j];
  }
  fit->e_tr = rss / (double)P;
  if (r == P) {
    /* 1 - df/P = (t/P) sum 1/(d^2+t); t cancels, exact down to t = 0.  */
    fit->gcv = (double)P * g_num / (g_den * g_den);
  } else {
    double one_minus = ((double)(P - r) + slack) / (double)P;
    fit->gcv = fit->e_tr / (one_minus * one_minus);
  }
  fit->df = df;
}

double deq_mc_excess(const double *w, const double *wbar, const double *s,
                     size_t N)
{
  double eg = 0.0;
  for (size_t j = 0; j < N; j++) {
    double e = w[j] - wbar[j];
    eg += s[j] * e * e;
  }
  return eg;
}
