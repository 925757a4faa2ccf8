/* lib/mc_twopoint.c -- Monte Carlo two-point functions: sample X in
 * Sigma's eigenbasis, one thin SVD per trial for every z2.
 *
 * With X = U diag(d) V' (k = min(P, N)), e = d^2/P and f_i = e/(e + z_i)
 * (0 beyond the numerical rank r), M_i = z_i (Sigma_hat + z_i)^-1 = I -
 * V diag(f_i) V' (V'V = I), so with b_j = (V' A V)_jj and p = V' wbar:
 *   tr[M1 A M2]       = tr A - sum_j (f1_j + f2_j - f1_j f2_j) b_j,
 *   wbar' M1 A M2 wbar = sum_n a_n u1_n u2_n,  u_i = wbar - V (f_i o p).
 * b and u1 are formed once per trial; each z2 then costs O(N k).  */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/twopoint.h"
#include "mc_impl.h"

enum { Q_TRACE, Q_FORM, NQ };

typedef struct tp_ws {
  double *X, *y, *d, *U, *VT, *work;
  double *bd;      /* k: the diagonal of V' A V */
  double *p;       /* k: V' wbar */
  double *f1, *f2; /* k */
  double *c;       /* k: f o p */
  double *u1, *u2; /* N */
  lapack_int *iwork;
} tp_ws;

typedef struct tp_plan {
  size_t P, N, k, nz2;
  int threads;
  double *s, *sqrt_s, *wbar, *a; /* N each: per column */
  double trA;
  double z1;
  const double *z2;
  uint64_t seed;
  lapack_int lwork;
  tp_ws *ws;
} tp_plan;

static void ws_free(tp_ws *w)
{
  double *b[] = { w->X, w->y, w->d, w->U, w->VT, w->work, w->bd, w->p, w->f1, w->f2, w->c, w->u1, w->u2 };
  for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) free(b[i]);
  free(w->iwork);
}

static deq_status ws_alloc(tp_ws *w, size_t P, size_t N, size_t k)
{
  if (N > SIZE_MAX / P || N > SIZE_MAX / k)
    return DEQ_ENOMEM;
  w->X = deq_mc_alloc_aligned(P * N, sizeof(double));
  w->y = deq_mc_alloc_aligned(P, sizeof(double));
  w->d = deq_mc_alloc_aligned(k, sizeof(double));
  w->U = deq_mc_alloc_aligned(P * k, sizeof(double));
  w->VT = deq_mc_alloc_aligned(k * N, sizeof(double));
  w->bd = deq_mc_alloc_aligned(k, sizeof(double));
  w->p = deq_mc_alloc_aligned(k, sizeof(double));
  w->f1 = deq_mc_alloc_aligned(k, sizeof(double));
  w->f2 = deq_mc_alloc_aligned(k, sizeof(double));
  w->c = deq_mc_alloc_aligned(k, sizeof(double));
  w->u1 = deq_mc_alloc_aligned(N, sizeof(double));
  w->u2 = deq_mc_alloc_aligned(N, sizeof(double));
  w->iwork = deq_mc_alloc_aligned(8 * k, sizeof(lapack_int));
  if (!w->X || !w->y || !w->d || !w->U || !w->VT
      || !w->bd || !w->p || !w->f1 || !w->f2 || !w->c || !w->u1 || !w->u2
      || !w->iwork)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

static void plan_free(tp_plan *p)
{
  if (p->ws)
    for (int i = 0; i < p->threads; i++) ws_free(&p->ws[i]);
  free(p->ws);
  free(p->s);
  free(p->sqrt_s);
  free(p->wbar);
  free(p->a);
}

/* Per-column weights: atom i's weight on each of its m_i columns.  */
static void column_weights(double *acol, const deq_spectrum *sp,
                           const double *a)
{
  size_t j = 0;
  for (size_t i = 0; i < sp->n; i++)
    for (size_t r = 0; r < (size_t)sp->m[i]; r++) acol[j++] = a ? a[i] : 1.0;
}

static deq_status plan_init(tp_plan *p, const deq_spectrum *sp, size_t P,
                            const double *a, int threads)
{
  size_t N = 0;
  deq_status st = deq_mc_check_spectrum(&N, sp);
  if (st) return st;
  if (P > (size_t)INT_MAX / 8) return DEQ_EUNSUP;
  p->P = P;
  p->N = N;
  p->k = P < N ? P : N;
  p->threads = deq_mc_threads(threads);
  p->s = deq_mc_alloc_aligned(N, sizeof(double));
  p->sqrt_s = deq_mc_alloc_aligned(N, sizeof(double));
  p->wbar = deq_mc_alloc_aligned(N, sizeof(double));
  p->a = deq_mc_alloc_aligned(N, sizeof(double));
  p->ws = calloc((size_t)p->threads, sizeof *p->ws);
  if (!p->s || !p->sqrt_s || !p->wbar || !p->a || !p->ws) return DEQ_ENOMEM;
  deq_mc_columns(p->s, p->sqrt_s, p->wbar, sp);
  column_weights(p->a, sp, a);
  p->trA = 0;
  for (size_t j = 0; j < N; j++) p->trA += p->a[j];
  for (int i = 0; i < p->threads && !st; i++)
    st = ws_alloc(&p->ws[i], P, N, p->k);
  if (!st) {
    tp_ws *w = &p->ws[0];
    st = deq_mc_svd_lwork(&p->lwork, 'S', P, N, w->X, w->d, w->U, w->VT,
                          w->iwork);
  }
  for (int i = 0; i < p->threads && !st; i++)
    if (!(p->ws[i].work = deq_mc_alloc_aligned((size_t)p->lwork,
                                               sizeof(double))))
      st = DEQ_ENOMEM;
  return st;
}

/* f_j = e_j/(e_j + z) over the rank r, 0 beyond.  */
static void shrink(double *f, const double *d, size_t k, size_t r, size_t P,
                   double z)
{
  for (size_t j = 0; j < k; j++) {
    double e = d[j] * d[j] / (double)P;
    f[j] = j < r ? e / (e + z) : 0.0;
  }
}

/* u = wbar - V (f o p).  */
static void apply_m(double *u, double *c, const tp_plan *p, const tp_ws *w,
                    const double *f)
{
  for (size_t j = 0; j < p->k; j++) c[j] = f[j] * w->p[j];
  memcpy(u, p->wbar, p->N * sizeof *u);
  cblas_dgemv(CblasColMajor, CblasTrans, (int)p->k, (int)p->N, -1.0, w->VT,
              (int)p->k, c, 1, 1.0, u, 1);
}

static deq_status run_trial(double *res, void *vp, int tid, uint64_t trial)
{
  const tp_plan *p = vp;
  tp_ws *w = &p->ws[tid];
  size_t P = p->P, N = p->N, k = p->k;
  deq_rng rng;
  deq_rng_seed(&rng, p->seed, trial);
  deq_mc_sample_xy(w->X, w->y, p->s, p->sqrt_s, p->wbar, P, N, 0.0, &rng);
  if (deq_mc_svd('S', P, N, w->X, w->d, w->U, w->VT, w->work, p->lwork,
                 w->iwork) != 0)
    return DEQ_ELAPACK;
  size_t r = deq_mc_numerical_rank(w->d, k, P, N);

  /* b_j = sum_n a_n V_nj^2 (VT is k x N, column n holds row n of V) */
  memset(w->bd, 0, k * sizeof *w->bd);
  for (size_t n = 0; n < N; n++) {
    const double *col = w->VT + n * k;
    for (size_t j = 0; j < k; j++) w->bd[j] += p->a[n] * col[j] * col[j];
  }
  shrink(w->f1, w->d, k, r, P, p->z1);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)k, (int)N, 1.0, w->VT,
              (int)k, p->wbar, 1, 0.0, w->p, 1);
  apply_m(w->u1, w->c, p, w, w->f1);

  for (size_t l = 0; l < p->nz2; l++) {
    shrink(w->f2, w->d, k, r, P, p->z2[l]);
    double removed = 0, form = 0;
    for (size_t j = 0; j < k; j++)
      removed += (w->f1[j] + w->f2[j] - w->f1[j] * w->f2[j]) * w->bd[j];
    apply_m(w->u2, w->c, p, w, w->f2);
    for (size_t n = 0; n < N; n++) form += p->a[n] * w->u1[n] * w->u2[n];
    res[l * NQ + Q_TRACE] = p->trA - removed;
    res[l * NQ + Q_FORM] = form;
  }
  return DEQ_OK;
}

deq_status deq_mc_twopoint_run(deq_mc_twopoint_row *rows,
                               const deq_spectrum *sp, size_t P, double z1,
                               const double *z2, size_t nz2, const double *a,
                               size_t trials, uint64_t seed, int threads)
{
  if (!rows || !sp || !z2 || nz2 == 0) return DEQ_EINVAL;
  if (trials < 2) return DEQ_EINVAL;
  if (P < 1) return DEQ_EDOM;
  if (!(z1 >= 0) || !isfinite(z1)) return DEQ_EDOM;
  for (size_t l = 0; l < nz2; l++)
    if (!(z2[l] >= 0) || !isfinite(z2[l])) return DEQ_EDOM;
  for (size_t i = 0; a && i < sp->n; i++)
    if (!isfinite(a[i])) return DEQ_EDOM;
  if (nz2 > SIZE_MAX / NQ) return DEQ_ENOMEM;
  tp_plan p = { .z1 = z1, .z2 = z2, .nz2 = nz2, .seed = seed };
  deq_status st = plan_init(&p, sp, P, a, threads);
  double *mean = calloc(nz2 * NQ, sizeof *mean);
  double *m2 = calloc(nz2 * NQ, sizeof *m2);
  if (!st && (!mean || !m2)) st = DEQ_ENOMEM;
  if (!st)
    st = deq_mc_run_trials(mean, m2, nz2 * NQ, trials, p.threads, run_trial,
                           &p);
  for (size_t l = 0; !st && l < nz2; l++) {
    rows[l].z2 = z2[l];
    rows[l].trace = deq_mc_estimate_of(mean[l * NQ + Q_TRACE],
                                       m2[l * NQ + Q_TRACE], trials);
    rows[l].form = deq_mc_estimate_of(mean[l * NQ + Q_FORM],
                                      m2[l * NQ + Q_FORM], trials);
  }
  free(mean);
  free(m2);
  plan_free(&p);
  return st;
}
