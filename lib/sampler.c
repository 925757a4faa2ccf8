/* lib/sampler.c -- Gaussian matrices with correlated rows: AR(1)
 * recursion, circulant embedding (FFTW), Cholesky (LAPACK).
 *
 * Every method computes X = A Z diag(a) for a fixed linear map A with
 * A A^T = K and Z iid N(0, 1); see deq/sampler.h for the contract.  */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <fftw3.h>
#include <lapacke.h>

#include "deq/sampler.h"
#include "fftw_impl.h"
#include "mc_impl.h"   /* deq_mc_alloc_aligned: every FFT buffer alike */
#include "rng_impl.h"

#define DEFAULT_EMBED_TOL 1e-12
#define SYM_TOL 1e-12

struct deq_sampler_plan {
  deq_sampler_info info;
  size_t P;
  double rho, rho_c;    /* AR1: rho and sqrt(1 - rho^2) */
  size_t M;             /* CIRCULANT: embedding size */
  double *amp;          /* M: sqrt(lambda_k/M) */
  fftw_plan fft;        /* in-place forward complex DFT of size M */
  double *L;            /* CHOLESKY: P x P lower factor, column-major */
};

void deq_sampler_plan_free(deq_sampler_plan *plan)
{
  if (!plan)
    return;
  if (plan->fft) {
    deq_fftw_lock();
    fftw_destroy_plan(plan->fft);
    deq_fftw_unlock();
  }
  free(plan->amp);
  free(plan->L);
  free(plan);
}

static deq_status new_plan(deq_sampler_plan **out, size_t P,
                           deq_sampler_method method)
{
  deq_sampler_plan *plan = calloc(1, sizeof *plan);
  if (!plan)
    return DEQ_ENOMEM;
  plan->P = P;
  plan->info.method = method;
  plan->info.P = P;
  *out = plan;
  return DEQ_OK;
}

deq_status deq_sampler_plan_info(deq_sampler_info *info,
                                 const deq_sampler_plan *plan)
{
  if (!info || !plan)
    return DEQ_EINVAL;
  *info = plan->info;
  return DEQ_OK;
}

/* --------------------------------------------------------------- AR(1) */

deq_status deq_sampler_plan_ar1(deq_sampler_plan **out, size_t P, double rho)
{
  if (!out)
    return DEQ_EINVAL;
  *out = NULL;
  if (P < 1 || !(rho > -1.0 && rho < 1.0))
    return DEQ_EDOM;
  deq_sampler_plan *plan = NULL;
  deq_status st = new_plan(&plan, P, DEQ_SAMPLER_AR1);
  if (st != DEQ_OK)
    return st;
  plan->rho = rho;
  /* 1 - rho^2 as (1 - rho)(1 + rho): no cancellation near |rho| = 1.  */
  plan->rho_c = sqrt((1.0 - rho) * (1.0 + rho));
  plan->info.rho = rho;
  *out = plan;
  return DEQ_OK;
}

/* ------------------------------------------------------------ Cholesky */

/* L = chol(K) in place (lower, column-major, P x P).  */
static deq_status factor(double *L, size_t P)
{
  lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)P,
                                        L, (lapack_int)P);
  if (info > 0)
    return DEQ_EDOM;        /* leading minor info is not positive */
  if (info < 0)
    return DEQ_ELAPACK;
  for (size_t j = 1; j < P; j++)   /* clean upper part: L is a plain matrix */
    memset(L + j * P, 0, j * sizeof(double));
  return DEQ_OK;
}

static deq_status check_lapack_size(size_t P)
{
  if (P > (size_t)INT_MAX || P > SIZE_MAX / P / sizeof(double))
    return DEQ_EUNSUP;
  return DEQ_OK;
}

deq_status deq_sampler_plan_matrix(deq_sampler_plan **out, const double *K,
                                   size_t ldk, size_t P)
{
  if (!out)
    return DEQ_EINVAL;
  *out = NULL;
  if (!K)
    return DEQ_EINVAL;
  if (P < 1)
    return DEQ_EDOM;
  if (ldk < P)
    return DEQ_EINVAL;
  deq_status st = check_lapack_size(P);
  if (st != DEQ_OK)
    return st;
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i <= j; i++) {
      double a = K[i + j * ldk], b = K[j + i * ldk];
      double scale = fmax(fabs(K[i + i * ldk]), fabs(K[j + j * ldk]));
      if (!isfinite(a) || !isfinite(b) || !(fabs(a - b) <= SYM_TOL * scale))
        return DEQ_EDOM;
    }
  deq_sampler_plan *plan = NULL;
  st = new_plan(&plan, P, DEQ_SAMPLER_CHOLESKY);
  if (st != DEQ_OK)
    return st;
  plan->L = deq_mc_alloc_aligned(P * P, sizeof(double));
  if (!plan->L) {
    deq_sampler_plan_free(plan);
    return DEQ_ENOMEM;
  }
  for (size_t j = 0; j < P; j++)
    memcpy(plan->L + j * P, K + j * ldk, P * sizeof(double));
  st = factor(plan->L, P);
  if (st != DEQ_OK) {
    deq_sampler_plan_free(plan);
    return st;
  }
  *out = plan;
  return DEQ_OK;
}

/* Cholesky of the Toeplitz matrix of acf[0..P-1].  */
static deq_status plan_toeplitz_cholesky(deq_sampler_plan *plan,
                                         const double *acf)
{
  size_t P = plan->P;
  deq_status st = check_lapack_size(P);
  if (st != DEQ_OK)
    return st;
  plan->L = deq_mc_alloc_aligned(P * P, sizeof(double));
  if (!plan->L)
    return DEQ_ENOMEM;
  for (size_t j = 0; j < P; j++)
    for (size_t i = j; i < P; i++)
      plan->L[i + j * P] = acf[i - j];
  plan->info.method = DEQ_SAMPLER_CHOLESKY;
  plan->info.embed = 0;
  return factor(plan->L, P);
}

/* ----------------------------------------------------------- circulant */

/* Smallest m >= n whose prime factors are all in {2, 3, 5, 7}: FFTW's
   fastest sizes.  The gaps between such numbers are small, so a linear
   scan is cheap.  */
static size_t next_fast_size(size_t n)
{
  for (size_t m = n < 1 ? 1 : n;; m++) {
    size_t r = m;
    static const size_t primes[] = { 2, 3, 5, 7 };
    for (int i = 0; i < 4; i++)
      while (r % primes[i] == 0)
        r /= primes[i];
    if (r == 1)
      return m;
    if (m == SIZE_MAX)
      return SIZE_MAX;
  }
}

/* Eigenvalues of the symmetric circulant of size M with first row
   r_k = acf[min(k, M-k)]: the real DFT of the row.  lam gets lambda_0
   .. lambda_{M/2}; the others mirror them.  */
static deq_status circulant_eigs(double *lam, double *row, double *spec,
                                 const double *acf, size_t M)
{
  for (size_t k = 0; k < M; k++) {
    size_t h = k < M - k ? k : M - k;
    row[k] = acf[h];      /* h < nacf: the sizes tried guarantee it */
  }
  deq_fftw_lock();
  fftw_plan p = fftw_plan_dft_r2c_1d((int)M, row, (fftw_complex *)spec,
                                     FFTW_ESTIMATE);
  deq_fftw_unlock();
  if (!p)
    return DEQ_ENOMEM;
  fftw_execute(p);
  deq_fftw_lock();
  fftw_destroy_plan(p);
  deq_fftw_unlock();
  for (size_t k = 0; k <= M / 2; k++)
    lam[k] = spec[2 * k];   /* real part */
  return DEQ_OK;
}

/* Levinson-Durbin: is the Toeplitz matrix of acf[0..P-1] positive
   definite?  (All reflection coefficients inside (-1, 1).)  O(P^2); used
   only to explain a failed embedding.  */
static deq_status toeplitz_pd(int *pd, const double *acf, size_t P)
{
  double *phi = malloc((P > 1 ? P : 1) * sizeof *phi);
  double *tmp = malloc((P > 1 ? P : 1) * sizeof *tmp);
  if (!phi || !tmp) {
    free(phi);
    free(tmp);
    return DEQ_ENOMEM;
  }
  double err = 1.0;   /* prediction error variance / c_0 */
  *pd = 1;
  for (size_t k = 1; k < P && *pd; k++) {
    double acc = acf[k] / acf[0];
    for (size_t j = 1; j < k; j++)
      acc -= phi[j] * acf[k - j] / acf[0];
    double refl = acc / err;
    if (!(fabs(refl) < 1.0)) {
      *pd = 0;
      break;
    }
    for (size_t j = 1; j < k; j++)
      tmp[j] = phi[j] - refl * phi[k - j];
    memcpy(phi + 1, tmp + 1, (k - 1) * sizeof *phi);
    phi[k] = refl;
    err *= (1.0 - refl) * (1.0 + refl);
    if (!(err > 0.0))
      *pd = 0;
  }
  free(phi);
  free(tmp);
  return DEQ_OK;
}

/* Eigenvalues of size M into *lam (M/2 + 1 entries, caller frees),
   and their smallest/largest ratio in *ratio.  */
static deq_status try_embedding(double **lam_out, double *ratio,
                                const double *acf, size_t M)
{
  double *row = deq_mc_alloc_aligned(M, sizeof(double));
  double *lam = deq_mc_alloc_aligned(M / 2 + 1, sizeof(double));
  double *spec = deq_mc_alloc_aligned(M + 2, sizeof(double));
  deq_status st = (row && lam && spec) ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK)
    st = circulant_eigs(lam, row, spec, acf, M);
  free(row);
  free(spec);
  if (st != DEQ_OK) {
    free(lam);
    return st;
  }
  double lmax = 0.0, lmin = INFINITY;
  for (size_t k = 0; k <= M / 2; k++) {
    lmax = fmax(lmax, lam[k]);
    lmin = fmin(lmin, lam[k]);
  }
  *ratio = lmax > 0.0 ? lmin / lmax : -INFINITY;
  *lam_out = lam;
  return DEQ_OK;
}

/* sqrt(lambda_k/M) for all k (negatives within the tolerance are
   rounding: clipped to 0), and the in-place FFT plan, made on a buffer
   with the alignment execute's scratch has.  */
static deq_status finish_circulant(deq_sampler_plan *plan, const double *lam,
                                   size_t M)
{
  plan->M = M;
  plan->amp = deq_mc_alloc_aligned(M, sizeof(double));
  double *buf = deq_mc_alloc_aligned(2 * M, sizeof(double));
  if (plan->amp && buf) {
    for (size_t k = 0; k <= M / 2; k++) {
      double l = lam[k] > 0.0 ? lam[k] : 0.0;
      plan->amp[k] = sqrt(l / (double)M);
      plan->amp[(M - k) % M] = plan->amp[k];
    }
    deq_fftw_lock();
    plan->fft = fftw_plan_dft_1d((int)M, (fftw_complex *)buf,
                                 (fftw_complex *)buf, FFTW_FORWARD,
                                 FFTW_ESTIMATE);
    deq_fftw_unlock();
  }
  free(buf);
  if (!plan->amp || !plan->fft)
    return DEQ_ENOMEM;
  plan->info.method = DEQ_SAMPLER_CIRCULANT;
  plan->info.embed = M;
  return DEQ_OK;
}

/* Sizes tried: lags beyond the given ones are never invented, so a size
   M is usable only if its row needs lags <= nacf - 1, i.e.
   M <= 2 (nacf - 1) + 1.  First the smallest FFT-friendly size >= the
   minimal one 2 (P - 1) (1 for P = 1), or the minimal size itself if
   that needs unknown lags; then growth by about 1/8 per step to
   FFT-friendly sizes, ending with the largest usable size.  */
static size_t first_size(size_t P, size_t limit)
{
  size_t m0 = P > 1 ? 2 * (P - 1) : 1;
  size_t m = next_fast_size(m0);
  return m <= limit ? m : m0;
}

static size_t next_size(size_t M, size_t limit)
{
  size_t grow = M / 8 > 1 ? M / 8 : 1;
  size_t m = next_fast_size(M + grow);
  if (m <= limit)
    return m;
  return M < limit ? limit : 0;   /* 0: no more sizes */
}

/* Grow M until the embedding is nonnegative; DEQ_ENOCONV when the sizes
   run out (max_embed, or the known lags).  */
static deq_status plan_circulant(deq_sampler_plan *plan, const double *acf,
                                 size_t nacf, size_t max_embed, double tol)
{
  size_t P = plan->P;
  size_t limit = nacf <= (SIZE_MAX - 1) / 2 ? 2 * (nacf - 1) + 1 : SIZE_MAX;
  if (limit > max_embed)
    limit = max_embed;
  if (limit > (size_t)INT_MAX)
    limit = (size_t)INT_MAX;
  size_t M = first_size(P, limit);
  if (M > (size_t)INT_MAX)
    return DEQ_EUNSUP;
  for (int tries = 1; M > 0; tries++) {
    double *lam = NULL, ratio = 0.0;
    deq_status st = try_embedding(&lam, &ratio, acf, M);
    if (st != DEQ_OK)
      return st;
    plan->info.embed_tries = tries;
    plan->info.embed_min_eig = ratio;
    if (ratio >= -tol) {
      st = finish_circulant(plan, lam, M);
      free(lam);
      return st;
    }
    free(lam);
    M = next_size(M, limit);
  }
  return DEQ_ENOCONV;
}

static deq_status check_acf(const double *acf, size_t nacf)
{
  if (!(acf[0] > 0.0) || !isfinite(acf[0]))
    return DEQ_EDOM;
  for (size_t k = 1; k < nacf; k++)
    if (!isfinite(acf[k]) || !(fabs(acf[k]) <= acf[0]))
      return DEQ_EDOM;
  return DEQ_OK;
}

deq_status deq_sampler_plan_acf(deq_sampler_plan **out, const double *acf,
                                size_t nacf, size_t P,
                                const deq_sampler_options *opt)
{
  if (!out)
    return DEQ_EINVAL;
  *out = NULL;
  if (!acf)
    return DEQ_EINVAL;
  if (P < 1)
    return DEQ_EDOM;
  if (nacf < P)
    return DEQ_EINVAL;
  deq_sampler_method method = opt ? opt->method : DEQ_SAMPLER_AUTO;
  if (method != DEQ_SAMPLER_AUTO && method != DEQ_SAMPLER_CIRCULANT
      && method != DEQ_SAMPLER_CHOLESKY)
    return DEQ_EINVAL;
  size_t max_embed = opt && opt->max_embed ? opt->max_embed
                     : (P <= SIZE_MAX / 32 && 32 * P > 1024 ? 32 * P : 1024);
  if (opt && !(opt->embed_tol >= 0.0 && isfinite(opt->embed_tol)))
    return DEQ_EINVAL;
  double tol = opt && opt->embed_tol > 0.0 ? opt->embed_tol
               : DEFAULT_EMBED_TOL;
  deq_status st = check_acf(acf, nacf);
  if (st != DEQ_OK)
    return st;

  deq_sampler_plan *plan = NULL;
  st = new_plan(&plan, P, method);
  if (st != DEQ_OK)
    return st;
  if (method == DEQ_SAMPLER_CHOLESKY) {
    st = plan_toeplitz_cholesky(plan, acf);
  } else {
    st = plan_circulant(plan, acf, nacf, max_embed, tol);
    if (st == DEQ_ENOCONV && method == DEQ_SAMPLER_AUTO) {
      st = plan_toeplitz_cholesky(plan, acf);
    } else if (st == DEQ_ENOCONV) {
      int pd = 1;
      deq_status st2 = toeplitz_pd(&pd, acf, P);
      if (st2 != DEQ_OK)
        st = st2;
      else if (!pd)
        st = DEQ_EDOM;
    }
  }
  if (st != DEQ_OK) {
    deq_sampler_plan_free(plan);
    return st;
  }
  *out = plan;
  return DEQ_OK;
}

/* ------------------------------------------------------------- execute */

static void execute_ar1(double *X, size_t ldx, size_t N, const double *a,
                        const deq_sampler_plan *plan, deq_rng *rng)
{
  size_t P = plan->P;
  double rho = plan->rho, rc = plan->rho_c;
  for (size_t j = 0; j < N; j++) {
    double *x = X + j * ldx;
    deq_rng_normals(x, P, rng);
    for (size_t t = 1; t < P; t++)
      x[t] = rho * x[t - 1] + rc * x[t];
    if (a)
      for (size_t t = 0; t < P; t++)
        x[t] *= a[j];
  }
}

static deq_status execute_cholesky(double *X, size_t ldx, size_t N,
                                   const double *a,
                                   const deq_sampler_plan *plan, deq_rng *rng)
{
  size_t P = plan->P;
  if (ldx > (size_t)INT_MAX)
    return DEQ_EUNSUP;
  for (size_t j = 0; j < N; j++)
    deq_rng_normals(X + j * ldx, P, rng);
  /* dtrmm takes int sizes: blocks of at most INT_MAX columns.  */
  for (size_t j0 = 0; j0 < N; j0 += (size_t)INT_MAX) {
    size_t nb = N - j0 < (size_t)INT_MAX ? N - j0 : (size_t)INT_MAX;
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans,
                CblasNonUnit, (int)P, (int)nb, 1.0, plan->L, (int)P,
                X + j0 * ldx, (int)ldx);
  }
  if (a)
    for (size_t j = 0; j < N; j++)
      for (size_t t = 0; t < P; t++)
        X[t + j * ldx] *= a[j];
  return DEQ_OK;
}

static deq_status execute_circulant(double *X, size_t ldx, size_t N,
                                    const double *a,
                                    const deq_sampler_plan *plan,
                                    deq_rng *rng)
{
  size_t P = plan->P, M = plan->M;
  double *buf = deq_mc_alloc_aligned(2 * M, sizeof(double));
  if (!buf)
    return DEQ_ENOMEM;
  for (size_t j = 0; j < N; j += 2) {
    deq_rng_normals(buf, 2 * M, rng);
    for (size_t k = 0; k < M; k++) {
      buf[2 * k] *= plan->amp[k];
      buf[2 * k + 1] *= plan->amp[k];
    }
    fftw_execute_dft(plan->fft, (fftw_complex *)buf, (fftw_complex *)buf);
    double a0 = a ? a[j] : 1.0;
    double *x0 = X + j * ldx;
    for (size_t t = 0; t < P; t++)
      x0[t] = a0 * buf[2 * t];
    if (j + 1 < N) {
      double a1 = a ? a[j + 1] : 1.0;
      double *x1 = X + (j + 1) * ldx;
      for (size_t t = 0; t < P; t++)
        x1[t] = a1 * buf[2 * t + 1];
    }
  }
  free(buf);
  return DEQ_OK;
}

deq_status deq_sampler_execute_rng(double *X, size_t ldx, size_t N,
                                   const double *col_scale,
                                   const deq_sampler_plan *plan,
                                   struct deq_rng *rng)
{
  if (!plan || !rng || (!X && N > 0))
    return DEQ_EINVAL;
  if (ldx < plan->P)
    return DEQ_EINVAL;
  if (N == 0)
    return DEQ_OK;
  if (N - 1 > (SIZE_MAX - plan->P) / ldx)   /* X + (N-1) ldx + P overflows */
    return DEQ_EINVAL;
  switch (plan->info.method) {
  case DEQ_SAMPLER_AR1:
    execute_ar1(X, ldx, N, col_scale, plan, rng);
    return DEQ_OK;
  case DEQ_SAMPLER_CIRCULANT:
    return execute_circulant(X, ldx, N, col_scale, plan, rng);
  case DEQ_SAMPLER_CHOLESKY:
    return execute_cholesky(X, ldx, N, col_scale, plan, rng);
  default:
    return DEQ_EINVAL;
  }
}

deq_status deq_sampler_execute(double *X, size_t ldx, size_t N,
                               const double *col_scale,
                               const deq_sampler_plan *plan, uint64_t seed,
                               uint64_t stream)
{
  deq_rng rng;
  deq_rng_seed(&rng, seed, stream);
  return deq_sampler_execute_rng(X, ldx, N, col_scale, plan, &rng);
}
