/* deq/sampler.h -- Gaussian matrices with correlated rows (plan/execute).
 *
 * A plan describes a P x P covariance K (for time series a correlation
 * matrix, K_tt = 1).  execute fills a P x N matrix X, stored column-major
 * with leading dimension ldx >= P (X[i + j ldx] is row i, column j), whose
 * columns are independent N(0, a_j^2 K) vectors:
 *
 *     X = K^{1/2} Z diag(a),   Z iid N(0, 1),   a_j = col_scale[j] (or 1),
 *
 * so that E[x_mu x_nu^T] = K_{mu nu} diag(a)^2 for the rows x_mu.  To sample
 * X = K^{1/2} Z Sigma^{1/2} in Sigma's eigenbasis pass col_scale[j] =
 * sqrt(s_j) (the eigenvalue of column j).  A noise vector eps ~ N(0,
 * sigma^2 K) is the case N = 1, col_scale = &sigma.  (K^{1/2} stands for
 * any square root: the methods below use different factors with the same
 * distribution of X.)
 *
 * Three methods behind one plan type:
 *  - AR1: K_ij = rho^|i-j|, by the exact recursion
 *        x_1 = z_1,  x_t = rho x_{t-1} + sqrt(1 - rho^2) z_t;
 *    O(P) per column, no setup.
 *  - CIRCULANT: stationary K_ij = c_|i-j| from autocorrelations
 *    c_0..c_{P-1} (c_0 > 0; c_0 = 1 for a correlation matrix).  K is
 *    embedded in the symmetric circulant of size M >= 2(P - 1) with first
 *    row r_k = c_min(k, M-k); its eigenvalues lambda_k (a real FFT of the
 *    row) must be >= 0.  Lags are never invented: M needs c_0..c_{M/2},
 *    so M <= 2(nacf - 1) + 1 for nacf given lags.  The first size tried
 *    is the smallest FFT-friendly one (2^a 3^b 5^c 7^d) >= 2(P-1) (1 if
 *    P = 1) if its lags are known, else exactly 2(P-1); then M grows by
 *    about 1/8 per step to FFT-friendly sizes (Wood & Chan 1994), ending
 *    with the largest usable size, up to max_embed.  Negative eigenvalues
 *    down to -embed_tol max_k lambda_k are rounding and set to 0.  Then
 *    y = FFT(sqrt(lambda/M) (z1 + i z2)) gives two independent columns,
 *    Re y[0..P-1] and Im y[0..P-1], per complex FFT of size M (Dietrich
 *    & Newsam 1997).  O(M log M) per two columns.  Pass the true lags
 *    beyond P - 1 when known (e.g. nacf = P + 1 lets M = 2^k cover
 *    P = 2^(k-1)); they are needed when the minimal embedding fails.
 *  - CHOLESKY: K = L L^T (LAPACK dpotrf); X = L Z with one BLAS dtrmm
 *    per execute.  O(P^3/3) setup, O(P^2) per column.
 *
 * Random numbers: X depends only on (plan, N, col_scale, seed, stream):
 * execute seeds libdeq's xoshiro256** generator on stream `stream` of
 * `seed` (Monte Carlo trial t uses stream t).  The normals are drawn
 * column by column (the circulant method draws M complex normals, real
 * then imaginary part, per pair of columns; for odd N the last FFT's
 * imaginary part is discarded).  FFTW plans are made with FFTW_ESTIMATE,
 * which is deterministic, so X is bitwise reproducible from run to run.
 *
 * Threads: a plan is read-only during execute and execute allocates its
 * own scratch (M complex numbers for CIRCULANT, nothing otherwise), so any
 * number of threads may execute the same plan at once on distinct
 * outputs (FFTW's new-array execute is thread-safe).  Plan allocation and
 * freeing call FFTW's planner, which is not thread-safe; libdeq
 * serialises all its planner calls with one internal mutex, so plans may
 * be made and freed from any threads at once (FFTW planning done by the
 * program itself, concurrently, must be serialised by the program).  The
 * CHOLESKY method calls BLAS dtrmm; inside parallel trials run BLAS
 * single-threaded (deq_mc_* executes do so).  */
#ifndef DEQ_SAMPLER_H
#define DEQ_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include "deq/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum deq_sampler_method {
  DEQ_SAMPLER_AUTO = 0,     /* acf plans: CIRCULANT, else CHOLESKY */
  DEQ_SAMPLER_AR1 = 1,
  DEQ_SAMPLER_CIRCULANT = 2,
  DEQ_SAMPLER_CHOLESKY = 3
} deq_sampler_method;

/* Options for deq_sampler_plan_acf; NULL or zero fields mean defaults.  */
typedef struct deq_sampler_options {
  deq_sampler_method method; /* AUTO (default): circulant embedding, and
                                Cholesky of the Toeplitz K if no
                                nonnegative embedding exists up to
                                max_embed; CIRCULANT: fail instead
                                (DEQ_ENOCONV); CHOLESKY: always Cholesky */
  size_t max_embed;         /* largest circulant size tried; 0 means
                               max(32 P, 1024) */
  double embed_tol;         /* relative rounding tolerance for negative
                               circulant eigenvalues; 0 means 1e-12 */
} deq_sampler_options;

/* What a plan does (deq_sampler_plan_info).  */
typedef struct deq_sampler_info {
  deq_sampler_method method; /* AR1, CIRCULANT or CHOLESKY (never AUTO) */
  size_t P;                  /* rows */
  size_t embed;              /* circulant size M (0 unless CIRCULANT) */
  int embed_tries;           /* embedding sizes tried (0 if none) */
  double embed_min_eig;      /* smallest circulant eigenvalue of the last
                                size tried, relative to the largest,
                                before clipping (0 if none tried) */
  double rho;                /* AR1 coefficient (0 otherwise) */
} deq_sampler_info;

typedef struct deq_sampler_plan deq_sampler_plan;

/* AR(1): K_ij = rho^|i-j|.  DEQ_EDOM unless -1 < rho < 1 and P >= 1.  */
deq_status deq_sampler_plan_ar1(deq_sampler_plan **out, size_t P,
                                double rho);

/* Stationary K_ij = c_|i-j| from acf[0..nacf-1], nacf >= P (lags beyond
   P-1 only allow larger embeddings, M <= 2(nacf - 1) + 1; pass them if
   known).  opt may be NULL.  Statuses: DEQ_EINVAL (NULL,
   nacf < P), DEQ_EDOM (P < 1, acf[0] <= 0, non-finite or |c_k| > c_0,
   or K not positive definite: Levinson-Durbin for CIRCULANT, dpotrf for
   CHOLESKY), DEQ_ENOCONV (CIRCULANT only: K is positive definite but no
   usable circulant size <= max_embed has nonnegative eigenvalues),
   DEQ_ENOMEM, DEQ_EUNSUP (sizes beyond FFTW's or LAPACK's int).  */
deq_status deq_sampler_plan_acf(deq_sampler_plan **out, const double *acf,
                                size_t nacf, size_t P,
                                const deq_sampler_options *opt);

/* Explicit symmetric K (P x P, column-major, leading dimension ldk >= P;
   copied).  Cholesky.  DEQ_EDOM if P < 1, an entry is non-finite, K is
   not symmetric (|K_ij - K_ji| > 1e-12 max(|K_ii|, |K_jj|)) or not
   positive definite (dpotrf's info > 0).  */
deq_status deq_sampler_plan_matrix(deq_sampler_plan **out, const double *K,
                                   size_t ldk, size_t P);

void deq_sampler_plan_free(deq_sampler_plan *plan);

/* Method and embedding diagnostics.  DEQ_EINVAL on NULL.  */
deq_status deq_sampler_plan_info(deq_sampler_info *info,
                                 const deq_sampler_plan *plan);

/* X (column-major, ldx >= P) = K^{1/2} Z diag(col_scale), N columns,
   normals from stream `stream` of `seed`.  col_scale may be NULL (all 1).
   N = 0 is a no-op.  DEQ_EINVAL (NULL X or plan, ldx < P), DEQ_ENOMEM
   (scratch), DEQ_EUNSUP (CHOLESKY with ldx beyond BLAS's int).  */
deq_status deq_sampler_execute(double *X, size_t ldx, size_t N,
                               const double *col_scale,
                               const deq_sampler_plan *plan, uint64_t seed,
                               uint64_t stream);

#ifdef __cplusplus
}
#endif
#endif
