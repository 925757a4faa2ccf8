/* lib/mc_spectrum.c -- Monte Carlo eigenvalues of sample covariances and
 * of products of random matrices (see deq/freeprob.h).
 *
 * Per trial: C = Z_0 diag(sqrt s)/sqrt(P) (P x N) when there is a data
 * factor, then C <- C diag(sqrt sigma_l) Z_l/sqrt(N_l) layer by layer
 * (dgemm); without data the first product starts from diag(sqrt s).  The
 * eigenvalues of A = C'C are the squared singular values of C (dgesdd,
 * values only).  Each trial writes its own slot of the output, so the
 * result does not depend on the number of threads.  */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/freeprob.h"
#include "mc_impl.h"

#define MCS_MAX_DIM 65536.0
#define MCS_MAX_LAYERS 64

typedef struct mcs_ws {
  double *A, *B;       /* current product and the next one */
  double *Z;           /* one Gaussian factor */
  double *sv;          /* singular values */
  double *work;
  lapack_int *iwork;
} mcs_ws;

struct deq_mc_spectrum_plan {
  size_t N, P, L, R, n_out, k;     /* R: rows of C (P, or N without data) */
  size_t width[MCS_MAX_LAYERS + 1]; /* width[0] = N, width[l] = N_l */
  double *sqrt_s;                  /* N */
  double *sqrt_lay[MCS_MAX_LAYERS]; /* N_{l-1} each, NULL = identity */
  size_t maxcols;
  int threads;
  lapack_int lwork;
  mcs_ws *ws;
};

static void ws_free(mcs_ws *w)
{
  free(w->A);
  free(w->B);
  free(w->Z);
  free(w->sv);
  free(w->work);
  free(w->iwork);
}

void deq_mc_spectrum_plan_free(deq_mc_spectrum_plan *plan)
{
  if (!plan)
    return;
  if (plan->ws)
    for (int i = 0; i < plan->threads; i++)
      ws_free(&plan->ws[i]);
  free(plan->ws);
  free(plan->sqrt_s);
  for (size_t l = 0; l < plan->L; l++)
    free(plan->sqrt_lay[l]);
  free(plan);
}

/* sqrt of every eigenvalue, each repeated by its multiplicity; the
   spectrum must be exact with dimension `dim`.  */
static deq_status expand(double **out, const deq_spectrum *sp, size_t dim)
{
  if (!sp->exact || !isfinite(sp->dim))
    return DEQ_EUNSUP;
  if (sp->dim != (double)dim)
    return DEQ_EDOM;  /* a layer spectrum must have dimension N_{l-1} */
  double *v = deq_mc_xalloc(dim, sizeof *v);
  if (!v)
    return DEQ_ENOMEM;
  size_t j = 0;
  for (size_t i = 0; i < sp->n; i++)
    for (size_t r = 0; r < (size_t)sp->m[i]; r++)
      v[j++] = sqrt(sp->s[i]);
  *out = v;
  return DEQ_OK;
}

static int integral(double x)
{
  return x >= 1 && x == floor(x) && x <= MCS_MAX_DIM;
}

static deq_status check_chain(const deq_freeprob_chain *c)
{
  double n_out, d_max;
  deq_status st = deq_freeprob_chain_dims(&n_out, &d_max, c);
  if (st != DEQ_OK)
    return st;
  if (c->layers > MCS_MAX_LAYERS)
    return DEQ_EUNSUP;
  if (!integral(c->input->dim) || !c->input->exact)
    return DEQ_EUNSUP;
  if (c->P > 0 && !integral(c->P))
    return DEQ_EUNSUP;
  for (size_t l = 0; l < c->layers; l++)
    if (!integral(c->widths[l]))
      return DEQ_EUNSUP;
  return DEQ_OK;
}

static deq_status ws_alloc(mcs_ws *w, const deq_mc_spectrum_plan *p)
{
  size_t big = p->R * p->maxcols;
  if (p->maxcols != 0 && big / p->maxcols != p->R)
    return DEQ_ENOMEM;
  w->A = deq_mc_xalloc(big, sizeof(double));
  w->B = deq_mc_xalloc(big, sizeof(double));
  w->Z = deq_mc_xalloc(p->maxcols * p->maxcols, sizeof(double));
  w->sv = deq_mc_xalloc(p->k, sizeof(double));
  w->iwork = deq_mc_xalloc(8 * p->k, sizeof(lapack_int));
  if (!w->A || !w->B || !w->Z || !w->sv || !w->iwork)
    return DEQ_ENOMEM;
  return DEQ_OK;
}

deq_status deq_mc_spectrum_plan_alloc(deq_mc_spectrum_plan **out,
                                      const deq_freeprob_chain *c,
                                      int threads)
{
  if (!out)
    return DEQ_EINVAL;
  *out = NULL;
  deq_status st = check_chain(c);
  if (st != DEQ_OK)
    return st;
  deq_mc_spectrum_plan *p = calloc(1, sizeof *p);
  if (!p)
    return DEQ_ENOMEM;
  p->N = (size_t)c->input->dim;
  p->P = (size_t)c->P;
  p->L = c->layers;
  p->R = p->P > 0 ? p->P : p->N;
  p->width[0] = p->N;
  p->maxcols = p->N;
  for (size_t l = 0; l < p->L; l++) {
    p->width[l + 1] = (size_t)c->widths[l];
    if (p->width[l + 1] > p->maxcols)
      p->maxcols = p->width[l + 1];
  }
  p->n_out = p->width[p->L];
  p->k = p->R < p->n_out ? p->R : p->n_out;
  p->threads = deq_mc_threads(threads);
  st = expand(&p->sqrt_s, c->input, p->N);
  for (size_t l = 1; st == DEQ_OK && l < p->L; l++)
    if (c->layer && c->layer[l])
      st = expand(&p->sqrt_lay[l], c->layer[l], p->width[l]);
  if (st == DEQ_OK) {
    p->ws = calloc((size_t)p->threads, sizeof *p->ws);
    if (!p->ws)
      st = DEQ_ENOMEM;
  }
  for (int i = 0; st == DEQ_OK && i < p->threads; i++)
    st = ws_alloc(&p->ws[i], p);
  if (st == DEQ_OK)
    st = deq_mc_svd_lwork(&p->lwork, 'N', p->R, p->n_out, p->ws[0].A,
                          p->ws[0].sv, NULL, NULL, p->ws[0].iwork);
  for (int i = 0; st == DEQ_OK && i < p->threads; i++) {
    p->ws[i].work = deq_mc_xalloc((size_t)p->lwork, sizeof(double));
    if (!p->ws[i].work)
      st = DEQ_ENOMEM;
  }
  if (st != DEQ_OK) {
    deq_mc_spectrum_plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

size_t deq_mc_spectrum_size(const deq_mc_spectrum_plan *plan)
{
  return plan ? plan->n_out : 0;
}

typedef struct spectrum_ctx {
  deq_mc_spectrum_plan *p;
  uint64_t seed;
} spectrum_ctx;

/* One trial into eig[0..n_out-1] (ascending).  */
static deq_status run_trial(double *eig, void *vctx, int tid, uint64_t trial)
{
  const spectrum_ctx *ctx = vctx;
  const deq_mc_spectrum_plan *p = ctx->p;
  mcs_ws *w = &p->ws[tid];
  deq_rng rng;
  deq_rng_seed(&rng, ctx->seed, trial);
  size_t R = p->R, cols;
  double *C = w->A, *D = w->B;
  size_t first = 0;
  if (p->P > 0) {   /* C = Z_0 diag(sqrt s)/sqrt(P) */
    deq_rng_normals(C, R * p->N, &rng);
    double f = 1.0 / sqrt((double)p->P);
    for (size_t j = 0; j < p->N; j++)
      for (size_t i = 0; i < R; i++)
        C[j * R + i] *= p->sqrt_s[j] * f;
    cols = p->N;
  } else {          /* C = diag(sqrt s) Z_1/sqrt(N_1) */
    size_t n1 = p->width[1];
    deq_rng_normals(C, R * n1, &rng);
    double f = 1.0 / sqrt((double)n1);
    for (size_t j = 0; j < n1; j++)
      for (size_t i = 0; i < R; i++)
        C[j * R + i] *= p->sqrt_s[i] * f;
    cols = n1;
    first = 1;
  }
  for (size_t l = first; l < p->L; l++) {
    size_t nin = p->width[l], nout = p->width[l + 1];
    deq_rng_normals(w->Z, nin * nout, &rng);
    double f = 1.0 / sqrt((double)nout);
    const double *sl = p->sqrt_lay[l];
    for (size_t j = 0; j < nout; j++)
      for (size_t i = 0; i < nin; i++)
        w->Z[j * nin + i] *= (sl ? sl[i] : 1.0) * f;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)nout,
                (int)nin, 1.0, C, (int)R, w->Z, (int)nin, 0.0, D, (int)R);
    double *t = C;
    C = D;
    D = t;
    cols = nout;
  }
  if (deq_mc_svd('N', R, cols, C, w->sv, NULL, NULL, w->work, p->lwork,
                 w->iwork) != 0)
    return DEQ_ELAPACK;
  size_t k = p->k, n = p->n_out, pad = n - k;
  double top = w->sv[0] * w->sv[0];
  double thr = top * (double)(n > R ? n : R) * DBL_EPSILON;
  for (size_t i = 0; i < pad; i++)
    eig[i] = 0.0;
  for (size_t i = 0; i < k; i++) {   /* descending -> ascending */
    double e = w->sv[k - 1 - i] * w->sv[k - 1 - i];
    eig[pad + i] = e <= thr ? 0.0 : e;
  }
  return DEQ_OK;
}

/* Every trial writes its own slot: no reduction, all trials in one
   parallel loop with BLAS serial (deq_mc_blas_serial).  */
deq_status deq_mc_spectrum_execute(double *eig, deq_mc_spectrum_plan *plan,
                                   size_t trials, uint64_t seed)
{
  if (!eig || !plan || trials == 0)
    return DEQ_EINVAL;
  if (trials > SIZE_MAX / plan->n_out)
    return DEQ_ENOMEM;
  deq_status *trial_st = deq_mc_xalloc(trials, sizeof *trial_st);
  if (!trial_st)
    return DEQ_ENOMEM;
  spectrum_ctx ctx = { plan, seed };
  deq_mc_blas_serial();
  deq_mc_parallel(trial_st, eig, plan->n_out, 0, trials, plan->threads,
                  run_trial, &ctx);
  deq_mc_blas_restore();
  deq_status st = DEQ_OK;
  for (size_t t = 0; t < trials; t++)
    if (trial_st[t] != DEQ_OK)
      st = DEQ_ELAPACK;
  free(trial_st);
  return st;
}

deq_status deq_mc_spectrum_run(double *eig, const deq_freeprob_chain *c,
                               size_t trials, uint64_t seed, int threads)
{
  deq_mc_spectrum_plan *p = NULL;
  deq_status st = deq_mc_spectrum_plan_alloc(&p, c, threads);
  if (st != DEQ_OK)
    return st;
  st = deq_mc_spectrum_execute(eig, p, trials, seed);
  deq_mc_spectrum_plan_free(p);
  return st;
}
