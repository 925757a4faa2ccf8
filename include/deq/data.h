/* deq/data.h -- spectra measured on a data set, source/capacity
 * exponents fitted to a spectrum, and the learning curve of (kernel)
 * ridge regression measured on the data set.
 *
 * The data set is the population: its n rows are the distribution
 * (each with probability 1/n), its column means are the population
 * means.  X is column-major n x d (X[i + j n] is row i, feature j: the
 * library's one matrix layout), y has length n.
 *
 * Kernels (x, x' rows of the prepared X):
 *   linear   k = x.x'                          (features centred)
 *   rbf      k = exp(-gamma |x - x'|^2)
 *   poly     k = (x.x' + c)^degree
 *   laplace  k = exp(-gamma |x - x'|_1)        (L1 distance, as sklearn)
 * The label y is always centred by its population mean; risks are those
 * of the centred label (E_test = mean over the n rows of (y - f)^2).  */
#ifndef DEQ_DATA_H
#define DEQ_DATA_H
#include <stddef.h>
#include <stdint.h>
#include "deq/status.h"
#include "deq/spectrum.h"
#include "deq/mc.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef enum deq_kernel_kind {
  DEQ_KERNEL_LINEAR = 0, DEQ_KERNEL_RBF, DEQ_KERNEL_POLY, DEQ_KERNEL_LAPLACE
} deq_kernel_kind;

typedef struct deq_kernel {
  deq_kernel_kind kind;
  double gamma;    /* rbf, laplace: > 0, finite */
  double degree;   /* poly: an integer in [1, 64] */
  double c;        /* poly: >= 0, finite */
} deq_kernel;

/* Rows of an n x n Gram matrix deq works with (a dense dsyevd: 24 n^2
   bytes with its workspace, about a minute at this size on one core).  */
#define DEQ_DATA_MAX_ROWS 5000

/* DEQ_OK, or DEQ_EDOM with err->message naming the bad parameter.  */
deq_status deq_kernel_check(const deq_kernel *k, deq_error *err);

/* Prepare a data set in place: every cell must be finite (DEQ_EDOM,
   err->line = row + 1 and err->column = feature + 1, or column 0 for
   y); y is centred; the columns of X are centred when the kernel is
   linear or standardize is set, and with standardize divided by their
   standard deviation (divisor n; a constant column is DEQ_EDOM with
   err->line = 0, err->column = feature + 1).  n >= 2, d >= 1.  */
deq_status deq_data_prepare(double *X, double *y, size_t n, size_t d,
                            const deq_kernel *k, int standardize,
                            deq_error *err);

/* The Gram matrix G[i + j n] = k(x_i, x_j) of the n rows (column-major,
   both triangles filled).  */
deq_status deq_data_gram(double *G, const double *X, size_t n, size_t d,
                         const deq_kernel *k);

/* What a measured spectrum says besides its atoms.  */
typedef struct deq_data_info {
  size_t n, d;       /* rows, features */
  size_t modes;      /* positive eigenvalues kept (numerical rank) */
  double y_var;      /* mean of the centred y^2 (the label variance) */
  double explained;  /* sum of the target powers */
  double noise;      /* y_var - explained, from the explicit residual */
} deq_data_info;

/* The spectrum of a prepared data set (deq_data_prepare), one atom per
   positive eigenvalue in decreasing order (multiplicity 1).
   Linear kernel: the eigenvalues s_k of the covariance X'X/n (d x d,
   dsyevd) and the target powers v_k = (V_k' X'y/n)^2/s_k of the best
   linear predictor; noise = its mean squared residual.
   Other kernels: the eigenvalues of G/n (n x n, dsyevd; n <=
   DEQ_DATA_MAX_ROWS, else DEQ_EUNSUP) and v_k = (u_k'y)^2/n for the unit
   eigenvectors u_k; noise = the label variance in the numerical null
   space.  Eigenvalues below s_max max(n, d) eps count as zero.  */
deq_status deq_data_spectrum(deq_spectrum **out, deq_data_info *info,
                             const double *X, const double *y, size_t n,
                             size_t d, const deq_kernel *k);

/* ------------------------------------------------------------ exponents */

/* Capacity alpha from s_k ~ k^-alpha (least squares of log s on log k)
   and source r from the tail sums C(k) = sum_{j>k} v_j, fitted with the
   finite-spectrum form C(k) = a ((k+1/2)^-beta - (M+1/2)^-beta)
   (M modes; beta = 2 alpha r, scaling_dynamics.md 1.5.6), each over a
   window of mode indices [lo, hi].  Standard errors: the least-squares
   error and the drift between the fits to the window's two halves
   (a systematic error, scaling_dynamics.md 1.5.1) added in quadrature;
   r's by the delta method.  Predicted learning-curve exponents from
   (alpha, r): ridgeless noiseless 2 alpha min(r, 1), optimal ridge
   noisy b0/(b0 + 1) (deq_fit_predict_ridge).  */
typedef struct deq_spectrum_fit {
  double alpha, alpha_se, alpha_drift;
  double beta, beta_se, beta_drift;     /* tail-sum exponent 2 alpha r */
  double r, r_se;
  size_t lo, hi;                        /* window of mode indices used */
  size_t modes;                         /* positive modes M */
  double b_ridgeless, b_ridgeless_se;   /* E_g ~ P^-b, noiseless */
  double b_optimal, b_optimal_se;       /* E_g ~ P^-b, noisy, optimal lambda */
  deq_status status;
} deq_spectrum_fit;

/* lo = hi = 0: the automatic window, modes 2 .. max(M/8, 6) (the top
   mode left out; M/8 as for the learning curves of 1.5.2).  DEQ_EDOM
   when the window holds fewer than 4 modes or no target power beyond
   it.  */
deq_status deq_fit_spectrum(deq_spectrum_fit *out, const deq_spectrum *sp,
                            size_t lo, size_t hi);

/* ------------------------------------------------------------ learning curve */

/* The full Gram matrix of a prepared data set (n <= DEQ_DATA_MAX_ROWS).  */
typedef struct deq_lcurve_plan deq_lcurve_plan;

deq_status deq_lcurve_plan_alloc(deq_lcurve_plan **out, const double *X,
                                 const double *y, size_t n, size_t d,
                                 const deq_kernel *k);
void deq_lcurve_plan_free(deq_lcurve_plan *plan);

/* E_test of (kernel) ridge trained on P rows drawn uniformly with
   replacement from the data set, f = k(x)'(K + P lambda)^+ y_train
   (lambda normalised by P; the pseudo-inverse at lambda = 0 is the
   minimum-norm interpolator), tested on all n rows: mean and standard
   error over `trials` trials.  Trial t of size P draws from stream
   (seed, P 2^32 + t), so different P are independent and the result is
   bitwise the same for any thread count.  P >= 1, trials >= 2.  */
deq_status deq_lcurve_execute(deq_mc_estimate *E_test,
                              const deq_lcurve_plan *plan, size_t P,
                              double lambda, size_t trials, uint64_t seed,
                              int threads);

#ifdef __cplusplus
}
#endif
#endif
