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

#include "deq/features.h"
#include "rng_impl.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

#define MC_MAX_DIM 1048576.0  /* 2^20 entries per dimension at most */
#define MC_CHUNK 1024
#define MC_ALIGN 64

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

static void *alloc_aligned(size_t count, size_t size)
{
  void *p = NULL;
  if (count == 0) count = 1;
  if (count > SIZE_MAX / size) return NULL;
  size_t bytes = (count * size + MC_ALIGN - 1) / MC_ALIGN * MC_ALIGN;
  if (posix_memalign(&p, MC_ALIGN, bytes) != 0) return NULL;
  return p;
}

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
  w->X = alloc_aligned(P * N, sizeof(double));
  w->y = alloc_aligned(P, sizeof(double));
  w->resid = alloc_aligned(P, sizeof(double));
  w->G = alloc_aligned(N * p->wmax, sizeof(double));
  w->Gtmp = alloc_aligned(N * p->wmax, sizeof(double));
  w->F = alloc_aligned(p->wmax * p->wmax, sizeof(double));
  w->Phi = alloc_aligned(P * NL, sizeof(double));
  w->d = alloc_aligned(k, sizeof(double));
  w->U = alloc_aligned(P * k, sizeof(double));
  w->VT = alloc_aligned(k * NL, sizeof(double));
  w->c = alloc_aligned(k, sizeof(double));
  w->coef = alloc_aligned(k * nl, sizeof(double));
  w->Wv = alloc_aligned(NL * nl, sizeof(double));
  w->W = alloc_aligned(N * nl, sizeof(double));
  w->iwork = alloc_aligned(8 * k, sizeof(lapack_int));
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

/* Omega: exact atoms, integer multiplicities, finite dimension.  */
static deq_status check_omega(size_t *N, const deq_spectrum *sp)
{
  if (!sp->s || !sp->m || !sp->v || sp->n == 0) return DEQ_EINVAL;
  if (!sp->exact || !isfinite(sp->dim)) return DEQ_EUNSUP;
  double dim = 0;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i], v = sp->v[i];
    if (!(s >= 0) || !isfinite(s) || !(v >= 0) || !isfinite(v) || !(m > 0)
        || !isfinite(m) || (s == 0 && v > 0))
      return DEQ_EDOM;
    if (m != floor(m)) return DEQ_EUNSUP;
    dim += m;
    if (dim > MC_MAX_DIM) return DEQ_EUNSUP;
  }
  *N = (size_t)dim;
  return DEQ_OK;
}

/* Layer l's standard deviations: atom i repeated m_i n/dim times.  */
static deq_status layer_sd(double **out, const deq_spectrum *sp, size_t n)
{
  double *sd = alloc_aligned(n, sizeof(double));
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

static deq_status query_lwork(lapack_int *lwork, rf_ws *w, size_t P,
                              size_t NL, size_t k)
{
  double wq = 0;
  lapack_int info = LAPACKE_dgesdd_work(
      LAPACK_COL_MAJOR, 'S', (lapack_int)P, (lapack_int)NL, w->Phi,
      (lapack_int)P, w->d, w->U, (lapack_int)P, w->VT, (lapack_int)k, &wq,
      -1, w->iwork);
  if (info != 0) return DEQ_ELAPACK;
  if (!(wq >= 1)) wq = 1;
  if (wq >= (double)INT_MAX) return DEQ_EUNSUP;
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

static deq_status plan_fill(deq_mc_rf_plan *p, const deq_spectrum *sp,
                            const deq_rf_chain *ch)
{
  size_t j = 0;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i];
    double w = s > 0 ? sqrt(sp->v[i] / (m * s)) : 0;
    for (size_t r = 0; r < (size_t)m; r++, j++) {
      p->s[j] = s;
      p->sqrt_s[j] = sqrt(s);
      p->wbar[j] = w;
    }
  }
  p->wmax = p->N;
  for (size_t l = 1; l <= p->L; l++) {
    double w = ch->width[l - 1];
    if (!isfinite(w) || w != floor(w) || w > MC_MAX_DIM) return DEQ_EUNSUP;
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
  st = check_omega(&N, omega);
  if (st) return st;
  if (P > (size_t)INT_MAX / 8) return DEQ_EUNSUP;
  deq_mc_rf_plan *p = calloc(1, sizeof *p);
  if (!p) return DEQ_ENOMEM;
  p->P = P;
  p->N = N;
  p->L = chain->L;
  p->nlambda = nlambda;
  p->threads = resolve_threads(threads);
  p->width = calloc(p->L + 1, sizeof *p->width);
  p->layer_sd = calloc(p->L + 1, sizeof *p->layer_sd);
  p->s = alloc_aligned(N, sizeof(double));
  p->sqrt_s = alloc_aligned(N, sizeof(double));
  p->wbar = alloc_aligned(N, sizeof(double));
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
    st = query_lwork(&p->lwork, &p->ws[0], P, p->width[p->L], p->k);
  for (int i = 0; i < p->threads && st == DEQ_OK; i++) {
    p->ws[i].work = alloc_aligned((size_t)p->lwork, sizeof(double));
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
  for (size_t j = 0; j < N; j++) {
    double *col = w->X + j * P;
    if (p->s[j] == 0) {
      memset(col, 0, P * sizeof(double));
      continue;
    }
    deq_rng_normals(col, P, rng);
    for (size_t i = 0; i < P; i++) col[i] *= p->sqrt_s[j];
  }
  deq_rng_normals(w->y, P, rng);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)N, 1.0, w->X, (int)P,
              p->wbar, 1, noise_sd, w->y, 1);
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

static size_t numerical_rank(const double *d, size_t k, size_t P, size_t n)
{
  double thr = d[0] * (double)(P > n ? P : n) * DBL_EPSILON;
  size_t r = 0;
  while (r < k && d[r] > thr) r++;
  return r;
}

/* E_tr, gcv, df at t = P lambda and the readout coefficients.  */
static void spectral(double *res, double *coef, const double *d,
                     const double *c, size_t k, size_t r, size_t P,
                     double yperp2, double t)
{
  double rss = yperp2, df = 0, slack = 0, g_num = 0, g_den = 0;
  for (size_t j = 0; j < r; j++) {
    double d2 = d[j] * d[j], den = d2 + t, f = t / den;
    coef[j] = d[j] * c[j] / den;
    rss += f * f * c[j] * c[j];
    df += d2 / den;
    slack += f;
    g_num += (c[j] / den) * (c[j] / den);
    g_den += 1.0 / den;
  }
  for (size_t j = r; j < k; j++) {
    coef[j] = 0;
    rss += c[j] * c[j];
  }
  double e_tr = rss / (double)P, gcv;
  if (r == P) { /* 1 - df/P = (t/P) sum 1/(d^2 + t): exact down to t = 0 */
    gcv = (double)P * g_num / (g_den * g_den);
  } else {
    double om = ((double)(P - r) + slack) / (double)P;
    gcv = e_tr / (om * om);
  }
  res[Q_EG] = 0;
  res[Q_ETR] = e_tr;
  res[Q_GCV] = gcv;
  res[Q_DF] = df;
}

static lapack_int run_trial(double *res, const deq_mc_rf_plan *p, rf_ws *w,
                            const double *t, double noise_sd, uint64_t seed,
                            uint64_t trial)
{
  size_t P = p->P, N = p->N, NL = p->width[p->L], k = p->k, nl = p->nlambda;
  deq_rng rng;
  deq_rng_seed(&rng, seed, trial);
  sample(p, w, noise_sd, &rng);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)P, (int)NL,
              (int)N, 1.0, w->X, (int)P, w->G, (int)N, 0.0, w->Phi, (int)P);
  lapack_int info = LAPACKE_dgesdd_work(
      LAPACK_COL_MAJOR, 'S', (lapack_int)P, (lapack_int)NL, w->Phi,
      (lapack_int)P, w->d, w->U, (lapack_int)P, w->VT, (lapack_int)k,
      w->work, p->lwork, w->iwork);
  if (info != 0) return info;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)k, 1.0, w->U, (int)P,
              w->y, 1, 0.0, w->c, 1);
  /* |y - U c|^2 from the explicit residual (no |y|^2 - |c|^2).  */
  memcpy(w->resid, w->y, P * sizeof(double));
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)k, -1.0, w->U,
              (int)P, w->c, 1, 1.0, w->resid, 1);
  double yperp2 = cblas_ddot((int)P, w->resid, 1, w->resid, 1);
  size_t r = numerical_rank(w->d, k, P, NL);
  for (size_t l = 0; l < nl; l++)
    spectral(res + l * NQ, w->coef + l * k, w->d, w->c, k, r, P, yperp2,
             t[l]);
  /* readouts V coef, then w_eff = G V coef for every lambda at once */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)NL, (int)nl,
              (int)k, 1.0, w->VT, (int)k, w->coef, (int)k, 0.0, w->Wv,
              (int)NL);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)nl,
              (int)NL, 1.0, w->G, (int)N, w->Wv, (int)NL, 0.0, w->W, (int)N);
  for (size_t l = 0; l < nl; l++) {
    const double *we = w->W + l * N;
    double eg = 0;
    for (size_t j = 0; j < N; j++) {
      double e = we[j] - p->wbar[j];
      eg += p->s[j] * e * e;
    }
    res[l * NQ + Q_EG] = eg;
  }
  return 0;
}

/* ------------------------------------------------------------ execute */

static void run_chunk(double *res, lapack_int *info, deq_mc_rf_plan *p,
                      const double *t, double noise_sd, uint64_t seed,
                      size_t first, size_t n)
{
  size_t stride = p->nlambda * NQ;
#ifdef _OPENMP
#pragma omp parallel for num_threads(p->threads) schedule(dynamic)
#endif
  for (size_t i = 0; i < n; i++) {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    info[i] = run_trial(res + i * stride, p, &p->ws[tid], t, noise_sd, seed,
                        (uint64_t)(first + i));
  }
}

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
  deq_mc_estimate e = {mean, sqrt(m2 / (T - 1.0) / T)};
  return e;
}

deq_status deq_mc_rf_execute(deq_mc_rf_row *rows, deq_mc_rf_plan *plan,
                             const double *lambda, double noise,
                             size_t trials, uint64_t seed)
{
  if (!rows || !plan || !lambda || trials < 2) return DEQ_EINVAL;
  if (!(noise >= 0) || !isfinite(noise)) return DEQ_EDOM;
  for (size_t l = 0; l < plan->nlambda; l++)
    if (!(lambda[l] >= 0) || !isfinite(lambda[l] * (double)plan->P))
      return DEQ_EDOM;
  deq_status st = DEQ_OK;
  int blas_threads = -1;
  (void)blas_threads;
  size_t nl = plan->nlambda, m = nl * NQ;
  size_t chunk = trials < MC_CHUNK ? trials : MC_CHUNK;
  if (nl > SIZE_MAX / sizeof(double) / NQ / chunk) return DEQ_ENOMEM;
  double *t = malloc(nl * sizeof *t), *res = malloc(chunk * m * sizeof *res);
  lapack_int *info = malloc(chunk * sizeof *info);
  double *mean = calloc(m, sizeof *mean), *m2 = calloc(m, sizeof *m2);
  if (!t || !res || !info || !mean || !m2) {
    st = DEQ_ENOMEM;
    goto done;
  }
  for (size_t l = 0; l < nl; l++) t[l] = (double)plan->P * lambda[l];
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
#endif
  for (size_t first = 0; first < trials; first += chunk) {
    size_t n = trials - first < chunk ? trials - first : chunk;
    run_chunk(res, info, plan, t, sqrt(noise), seed, first, n);
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
    rows[l].df = estimate(mu[Q_DF], v[Q_DF], trials);
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
