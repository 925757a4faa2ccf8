/* lib/learning_curve.c -- the learning curve of (kernel) ridge measured
 * on a data set taken as the population (deq/data.h, deq_lcurve_*).
 *
 * One Gram matrix of all n rows serves every trial: a trial draws P row
 * indices, solves (K + P lambda) a = y on the drawn block by one dsyevd
 * (a pseudo-inverse, so that lambda = 0 and repeated rows are the
 * minimum-norm interpolator), and predicts every row from the drawn
 * columns.  Trials follow lib/mc_impl.h's rules (streams from (seed,
 * stream), serial BLAS, Welford in trial order).  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "deq/data.h"
#include "mc_impl.h"

struct deq_lcurve_plan {
  size_t n;
  double *G;    /* n x n Gram matrix */
  double *y;    /* centred labels */
};

deq_status deq_lcurve_plan_alloc(deq_lcurve_plan **out, const double *X,
                                 const double *y, size_t n, size_t d,
                                 const deq_kernel *k)
{
  if (!out || !X || !y || !k) return DEQ_EINVAL;
  *out = NULL;
  if (n < 2 || d < 1) return DEQ_EDOM;
  if (n > DEQ_DATA_MAX_ROWS) return DEQ_EUNSUP;
  deq_status st = deq_kernel_check(k, NULL);
  if (st) return st;
  deq_lcurve_plan *p = calloc(1, sizeof *p);
  if (!p) return DEQ_ENOMEM;
  p->n = n;
  p->G = malloc(n * n * sizeof *p->G);
  p->y = malloc(n * sizeof *p->y);
  if (!p->G || !p->y) {
    deq_lcurve_plan_free(p);
    return DEQ_ENOMEM;
  }
  memcpy(p->y, y, n * sizeof *p->y);
  deq_data_gram(p->G, X, n, d, k);
  *out = p;
  return DEQ_OK;
}

void deq_lcurve_plan_free(deq_lcurve_plan *plan)
{
  if (!plan) return;
  free(plan->G);
  free(plan->y);
  free(plan);
}

typedef struct lcurve_ctx {
  const deq_lcurve_plan *plan;
  size_t P;
  double t;          /* P lambda */
  uint64_t seed;
} lcurve_ctx;

/* Coefficients a = Q diag(1/(e + t)) Q' yt over the eigenvalues above
   the numerical threshold (the rest are the null space: pseudo-inverse).  */
static void dual_coefficients(double *a, double *Q, const double *e,
                              const double *yt, double *c, size_t P, double t)
{
  double thr = fmax(e[P - 1], 0.0) * (double)P * DBL_EPSILON;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)P, 1.0, Q, (int)P, yt,
              1, 0.0, c, 1);
  for (size_t j = 0; j < P; j++)
    c[j] = e[j] > thr ? c[j] / (e[j] + t) : 0.0;
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)P, 1.0, Q, (int)P, c,
              1, 0.0, a, 1);
}

static deq_status lcurve_trial(double *res, void *vctx, int tid,
                               uint64_t trial)
{
  (void)tid;
  const lcurve_ctx *ctx = vctx;
  const deq_lcurve_plan *p = ctx->plan;
  size_t P = ctx->P, n = p->n;
  size_t *idx = malloc(P * sizeof *idx);
  double *K = malloc(P * P * sizeof *K), *e = malloc(P * sizeof *e),
         *yt = malloc(P * sizeof *yt), *c = malloc(P * sizeof *c),
         *a = malloc(P * sizeof *a), *f = calloc(n, sizeof *f);
  deq_status st = DEQ_ENOMEM;
  if (!idx || !K || !e || !yt || !c || !a || !f) goto done;
  deq_rng rng;
  deq_rng_seed(&rng, ctx->seed, ((uint64_t)P << 32) + trial);
  for (size_t i = 0; i < P; i++) {
    size_t r = (size_t)(deq_rng_uniform(&rng) * (double)n);
    idx[i] = r < n ? r : n - 1;
    yt[i] = p->y[idx[i]];
  }
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i < P; i++)
      K[i + j * P] = p->G[idx[i] + idx[j] * n];
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)P,
                                   K, (lapack_int)P, e);
  if (info != 0) {
    st = DEQ_ELAPACK;
    goto done;
  }
  dual_coefficients(a, K, e, yt, c, P, ctx->t);
  for (size_t j = 0; j < P; j++)   /* f = G[:, idx] a (G symmetric) */
    cblas_daxpy((int)n, a[j], p->G + idx[j] * n, 1, f, 1);
  long double s = 0;
  for (size_t i = 0; i < n; i++) {
    double r = p->y[i] - f[i];
    s += (long double)r * r;
  }
  res[0] = (double)(s / (long double)n);
  st = DEQ_OK;
done:
  free(idx); free(K); free(e); free(yt); free(c); free(a); free(f);
  return st;
}

deq_status deq_lcurve_execute(deq_mc_estimate *E_test,
                              const deq_lcurve_plan *plan, size_t P,
                              double lambda, size_t trials, uint64_t seed,
                              int threads)
{
  if (!E_test || !plan) return DEQ_EINVAL;
  E_test->mean = E_test->se = NAN;
  if (trials < 2) return DEQ_EINVAL;
  if (P < 1 || P > DEQ_DATA_MAX_ROWS || P >= ((size_t)1 << 31)
      || !(lambda >= 0) || !isfinite(lambda * (double)P))
    return DEQ_EDOM;
  lcurve_ctx ctx = { plan, P, (double)P * lambda, seed };
  double mean, m2;
  deq_status st = deq_mc_run_trials(&mean, &m2, 1, trials,
                                    deq_mc_threads(threads), lcurve_trial,
                                    &ctx);
  if (st) return st;
  *E_test = deq_mc_estimate_of(mean, m2, trials);
  return DEQ_OK;
}
