/* deq/estimate.h -- risk estimators for ridge regression on a data set:
 * training error, empirical degrees of freedom, GCV, exact leave-one-out
 * and CorrGCV (correlated samples), all from one diagonalisation of the
 * centred design (a Gram eigendecomposition, or its thin SVD).
 *
 * Conventions (as everywhere in deq): X has P rows (samples) and N
 * columns (features); the ridge minimises
 *   (1/P) |y - b 1 - X w|^2 + lambda |w|^2        (lambda normalised by P)
 * with an unpenalised intercept b when opts.intercept (b = 0 otherwise).
 * With t = P lambda and the thin SVD Xc = U diag(d) V' of the (centred,
 * possibly standardised) design, the fit is yhat = H y with
 *   H = [1 1'/P] + U diag(d^2/(d^2 + t)) U'.
 * Per lambda (GCV: arXiv 2405.00592; CorrGCV: arXiv 2408.04607; the
 * manual's "Estimators on data"):
 *   train   = |y - yhat|^2 / P                              (E_tr)
 *   df      = tr H = sum d^2/(d^2+t) [+ 1]    (= tr Sigma_hat (Sigma_hat
 *             + lambda)^-1, plus one for the intercept)
 *   gcv     = train / (1 - df/P)^2
 *   loo     = (1/P) sum_i (y_i - yhat_i)^2 / (1 - H_ii)^2   (exact
 *             leave-one-out with the same unnormalised penalty t)
 *   corrgcv = train P / (kappa_K^2 tr[K (K + kappa_K)^-2]) with kappa_K
 *             the root of tr[K (K + kappa_K)^-1] = df  (K scaled to
 *             tr K = P); equals gcv when K = I.
 * Every quantity stays finite and accurate down to lambda = 0 (the
 * factors of t that vanish there are cancelled analytically).  */
#ifndef DEQ_ESTIMATE_H
#define DEQ_ESTIMATE_H

#include <stddef.h>
#include "deq/status.h"
#include "deq/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_estimate_opts {
  int intercept;    /* 1: unpenalised intercept (X and y centred) */
  int standardize;  /* 1: divide each column of X by its standard deviation
                       (divisor P, about the column mean); a constant
                       column is then an error */
} deq_estimate_opts;

/* The SVD and everything that does not depend on lambda.  */
typedef struct deq_estimate_plan deq_estimate_plan;

/* One row of results.  */
typedef struct deq_estimate_point {
  double lambda;
  union { double E_tr; double train; };  /* |y - yhat|^2/P; `train`: 0.1's
                                            name (0.3 drops it) */
  union { double df1; double df; };      /* tr H (includes 1 for the
                                            intercept); `df`: 0.1's name */
  double gcv;
  double loo;       /* +Inf (DEQ_EDIVERGE) if some H_ii = 1 */
  double corrgcv;   /* NaN when no K was given */
  double kappa_K;   /* the root above (NaN without K) */
  deq_status status;
} deq_estimate_point;

/* Criteria that select a lambda (argmin over the grid).  */
enum { DEQ_ESTIMATE_GCV, DEQ_ESTIMATE_LOO, DEQ_ESTIMATE_CORRGCV,
       DEQ_ESTIMATE_NCRIT };

/* Plan: X column-major P x N (X[i + j P] is sample i, feature j: the
   library's one matrix layout), y of length P.  Needs P >= 3 and N >= 1 and finite entries (DEQ_EDOM
   otherwise, with err->line = row + 1 or err->column = feature + 1 and a
   message).  Costs one eigendecomposition of the smaller Gram matrix
   (see the routes below; one dgesdd of the P x N matrix when it is
   ill-conditioned).  Entries may be
   anywhere in the double range: the plan works on X and y divided by
   powers of two (exact), so df and every ratio are scale-free, and
   train, gcv, loo and corrgcv are +Inf only when their true value
   exceeds DBL_MAX.  */
deq_status deq_estimate_plan_alloc(deq_estimate_plan **out, size_t P,
                                   size_t N, const double *X, const double *y,
                                   const deq_estimate_opts *opts,
                                   deq_error *err);
void deq_estimate_plan_free(deq_estimate_plan *plan);

/* How the plan diagonalises the hat matrix (all give the same H up to
   rounding; deq_estimate_route tells which one a plan used):
   FEATURES  Cholesky QR twice through the N x N matrix A'A (dsyrk,
             dpotrf, dtrsm, dsyrk) and the SVD of the N x N factor: a
             backward-stable thin SVD in O(P N^2), the default when
             P > N;
   GRAM      eigendecomposition of the P x P matrix AA' (with an
             intercept its null vector 1 is dropped): O(P^2 N), the
             default when P <= N;
   SVD       one dgesdd of A: several times slower, accurate for any
             conditioning.
   The GRAM route keeps only eigenvalues >= 1e-4 lambda_max (relative
   error about 1e4 eps ~ 2e-12), the FEATURES route needs d^2 >= 1e-10
   d_max^2; a design outside these (collinear or badly scaled features,
   or a centring null vector that is not at rounding level) takes the SVD
   route instead.  */
enum { DEQ_ESTIMATE_ROUTE_AUTO, DEQ_ESTIMATE_ROUTE_FEATURES,
       DEQ_ESTIMATE_ROUTE_GRAM, DEQ_ESTIMATE_ROUTE_SVD };

/* deq_estimate_plan_alloc with a preferred route (AUTO: by shape).  */
deq_status deq_estimate_plan_alloc_route(deq_estimate_plan **out, size_t P,
                                         size_t N, const double *X,
                                         const double *y,
                                         const deq_estimate_opts *opts,
                                         int route, deq_error *err);

/* The same from any strided view of the design: sample i, feature j at
   X[i rs + j cs], label i at y[i yinc] (strides >= 1; DEQ_EINVAL
   otherwise).  Column-major X is rs = 1, cs = P; the columns after the
   label in a deq_table (data row-major, label column 0) are X = data + 1,
   rs = ncol, cs = 1, y = data, yinc = ncol, read without a copy.  The
   plan is the same whatever the strides (the sums run over the rows in
   order).  */
deq_status deq_estimate_plan_alloc_strided(deq_estimate_plan **out,
                                           size_t P, size_t N,
                                           const double *X, size_t rs,
                                           size_t cs, const double *y,
                                           size_t yinc,
                                           const deq_estimate_opts *opts,
                                           int route, deq_error *err);

/* The route a plan took (FEATURES, GRAM or SVD).  */
int deq_estimate_route(const deq_estimate_plan *plan);

/* Numerical rank r of the centred design (singular values above
   d_max max(P, N) eps); the SVD keeps only these.  */
size_t deq_estimate_rank(const deq_estimate_plan *plan);

/* Evaluate nlambda ridges lambda[l] >= 0.  K: the spectrum of the sample
   correlation matrix (dimension P, every eigenvalue > 0; rescaled to
   tr K = P internally), or NULL to skip CorrGCV.  kappa_K is found by
   deq/corr.h's inversion (corrgcv = train deq_corr_gcv_factor(K, df)).
   O(P r) per lambda.  Every point carries its own status; the return is
   the grid rule of every deq grid: the first failure if any point failed
   (a failure beats DEQ_EDIVERGE), else DEQ_EDIVERGE if some loo is +Inf,
   else DEQ_OK.  */
deq_status deq_estimate_execute(deq_estimate_point *out,
                                const deq_estimate_plan *plan, size_t nlambda,
                                const double *lambda, const deq_spectrum *K);

/* Training residuals r = y - yhat at one lambda (length P, row order).  */
deq_status deq_estimate_residuals(double *r, const deq_estimate_plan *plan,
                                  double lambda);

/* Predictions for M new rows Xnew (column-major M x N, raw units: the
   plan's centring and scaling are applied) at one lambda.  */
deq_status deq_estimate_predict(double *yhat, const deq_estimate_plan *plan,
                                double lambda, size_t M, const double *Xnew);

/* Lag-1 autocorrelation estimate of an AR(1) sample correlation: the
   Yule-Walker value rho = sum_t r_t r_{t+1} / sum_t r_t^2 of the training
   residuals at `lambda`, in row order, clamped to [-0.99, 0.99].  */
deq_status deq_estimate_ar1_rho(double *rho, const deq_estimate_plan *plan,
                                double lambda);

/* Index of the grid point each criterion selects (argmin over finite
   values; ties go to the first).  sel[c] = nlambda if none is finite.  */
deq_status deq_estimate_select(size_t sel[DEQ_ESTIMATE_NCRIT],
                               const deq_estimate_point *pts, size_t nlambda);

/* ---------------------------------------------------------------- K spectra
 * Exact eigenvalues of P x P correlation matrices, for CorrGCV: the same
 * functions as deq/corr.h's deq_corr_spectrum_* with DEQ_CORR_EXACT (one
 * implementation; atoms in decreasing order, equal eigenvalues merged).
 * Statuses as there: DEQ_EDOM (not a correlation, not positive definite),
 * DEQ_EUNSUP (P > 46340 for the dense acf and matrix forms).  */

/* AR(1): K_ij = rho^|i-j|, |rho| < 1; O(P) (deq_corr_spectrum_ar1).  */
deq_status deq_estimate_K_ar1(deq_spectrum **out, size_t P, double rho);

/* Stationary: K_ij = acf[|i-j|] / acf[0], acf of length >= 1 (lags beyond
   the given ones are 0, |acf[h]| <= acf[0]), dense eigendecomposition
   (dsyevd, O(P^3)).  */
deq_status deq_estimate_K_acf(deq_spectrum **out, size_t P, const double *acf,
                              size_t nacf);

/* Explicit symmetric positive definite K: column-major P x P (the
   library's one matrix layout; symmetric to 1e-12 relative, so row-major
   gives the same), rescaled to tr K = P; dsyevd.  */
deq_status deq_estimate_K_matrix(deq_spectrum **out, size_t P,
                                 const double *K);

#ifdef __cplusplus
}
#endif
#endif
