/* lib/mc_impl.h -- private plumbing shared by the Monte Carlo modules
 * (mc_ridge.c, mc_features.c, mc_corr.c, mc_spectrum.c) and the
 * sampler's aligned buffers.  Not installed.
 *
 * Bitwise thread invariance rests on three rules kept here in one place:
 * every trial depends on (seed, trial) only, BLAS runs single-threaded
 * while trials run, and per-trial results are reduced serially in trial
 * order (Welford).  */
#ifndef DEQ_MC_IMPL_H
#define DEQ_MC_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <lapacke.h>

#include "deq/mc.h"
#include "deq/sampler.h"
#include "deq/spectrum.h"
#include "deq/status.h"
#include "rng_impl.h"

#define DEQ_MC_MAX_DIM 1048576.0  /* 2^20 columns at most: X must be stored */
#define DEQ_MC_ALIGN 64           /* work arrays start on a cache line */
#define DEQ_MC_CHUNK 1024         /* trials evaluated between two reductions */

/* ------------------------------------------------------------ sampler */

/* deq_sampler_execute drawing from a caller's generator, so that one trial
   stream can feed X and then the noise (mc_corr.c).
   deq_sampler_execute(..., seed, stream) equals this with a generator
   freshly seeded by deq_rng_seed(rng, seed, stream).  Private: users
   cannot create a deq_rng.  */
deq_status deq_sampler_execute_rng(double *X, size_t ldx, size_t N,
                                   const double *col_scale,
                                   const deq_sampler_plan *plan,
                                   deq_rng *rng);

/* ------------------------------------------------------------ memory */

/* count * size bytes aligned to DEQ_MC_ALIGN (free with free()); NULL on
   overflow or failure; count 0 allocates one element.  Same alignment for
   every thread's arrays, so that BLAS kernels treating unaligned heads
   differently round alike.  */
void *deq_mc_alloc_aligned(size_t count, size_t size);

/* malloc(count * size) with the overflow check; count 0 allocates one
   element.  For modules whose buffers were never aligned (changing that
   could change their rounding).  */
void *deq_mc_xalloc(size_t count, size_t size);

/* ------------------------------------------------------------ threads */

/* Trial threads: `threads` when positive, else OpenMP's default; 1
   without OpenMP.  */
int deq_mc_threads(int threads);

/* Bracket a parallel trial loop: OpenBLAS runs one thread inside (a
   threaded BLAS would round differently and break thread-count
   invariance).  OpenBLAS's count is process-wide, so the brackets are
   reference counted under a mutex: the first deq_mc_blas_serial saves
   the count and sets 1, the last deq_mc_blas_restore puts the saved count
   back, however the executes of several threads overlap.  */
void deq_mc_blas_serial(void);
void deq_mc_blas_restore(void);

/* One trial: writes its per-trial quantities to res, using the workspace
   of thread tid; depends on (seed, trial) only, whichever thread runs
   it.  Returns DEQ_OK or the status the execute call should fail with.  */
typedef deq_status (*deq_mc_trial_fn)(double *res, void *ctx, int tid,
                                      uint64_t trial);

/* Trials first .. first+n-1 in parallel on `threads` threads; trial
   first+i writes res + i*stride and its status to st[i].  */
void deq_mc_parallel(deq_status *st, double *res, size_t stride,
                     size_t first, size_t n, int threads, deq_mc_trial_fn run,
                     void *ctx);

/* The chunked trial loop of every *_execute: BLAS serial (restored on
   return), chunks of DEQ_MC_CHUNK trials run in parallel, then folded
   into mean/m2 (m quantities per trial, overwritten) by Welford's update
   in trial order.  Stops at the first failing trial (in trial order) and
   returns its status; DEQ_ENOMEM if the chunk buffers do not fit.  */
deq_status deq_mc_run_trials(double *mean, double *m2, size_t m,
                             size_t trials, int threads, deq_mc_trial_fn run,
                             void *ctx);

/* deq_mc_run_trials for nq quantities of n values each (a trial writes
   quantity j at value k to res[j n + k]), then est[j][k] = its estimate;
   the sums are allocated here.  */
deq_status deq_mc_run_estimates(deq_mc_estimate *const *est, size_t nq,
                                size_t n, size_t trials, int threads,
                                deq_mc_trial_fn run, void *ctx);

/* What the trials of a Monte Carlo over reported steps read besides their
   module's own settings: the spectrum's columns (deq_mc_columns) and the
   steps in increasing order (deq_mc_step_order).  */
typedef struct deq_mc_steps {
  double *s, *sqrt_s, *wbar;  /* N each */
  size_t *order;              /* indices of T, increasing step */
} deq_mc_steps;

/* Fill *g for sp (dimension N, from deq_mc_check_spectrum) and the n
   steps T, run deq_mc_run_estimates (ctx, which holds g, is what the
   trials get), then free g's arrays.  */
deq_status deq_mc_run_steps(deq_mc_steps *g, const deq_spectrum *sp,
                            size_t N, const double *T, size_t n,
                            deq_mc_estimate *const *est, size_t nq,
                            size_t trials, int threads, deq_mc_trial_fn run,
                            void *ctx);

/* Where a module's result row keeps its lambda and its nq estimates
   (offsetof), and the row's size.  */
typedef struct deq_mc_row_layout {
  size_t size, lambda, nq;
  size_t q[8];
} deq_mc_row_layout;

/* The execute of every Monte Carlo over a ridge grid: checks trials >= 2
   (DEQ_EINVAL), noise >= 0 and every lambda >= 0 with P lambda finite
   (DEQ_EDOM); points *t at t[l] = P lambda[l] (the unnormalised ridges)
   while the trials run (deq_mc_run_trials, each trial writing nq
   quantities per lambda); then fills row l (lambda and the estimates of
   quantity q at row->q[q]).  */
deq_status deq_mc_lambda_execute(void *rows, const deq_mc_row_layout *row,
                                 size_t P, const double *lambda,
                                 size_t nlambda, double noise, size_t trials,
                                 int threads, const double **t,
                                 deq_mc_trial_fn run, void *ctx);

/* order[0..n-1]: the indices of T in increasing order, ties in the
   caller's order (a stable insertion sort: step grids are short).  */
void deq_mc_step_order(size_t *order, const double *T, size_t n);

/* ------------------------------------------------------------ statistics */

/* Welford's update of m running means/second moments with the count-th
   sample x.  */
void deq_mc_accumulate(double *mean, double *m2, const double *x, size_t m,
                       double count);

/* Mean and its standard error sqrt(m2/(T-1)/T) over T = trials.  */
deq_mc_estimate deq_mc_estimate_of(double mean, double m2, size_t trials);

/* ------------------------------------------------------------ spectra */

/* Monte Carlo needs true eigenvalues with integer multiplicities and a
   dimension of at most DEQ_MC_MAX_DIM.  Returns the dimension in *N.  */
deq_status deq_mc_check_spectrum(size_t *N, const deq_spectrum *sp);

/* One column per eigenvalue copy, in the eigenbasis: s_j, sqrt(s_j) and
   the target weight wbar_j = sqrt(v_i/(m_i s_i)), so that atom i's m_i
   columns carry target power v_i.  */
void deq_mc_columns(double *s, double *sqrt_s, double *wbar,
                    const deq_spectrum *sp);

/* The same columns in one new block of 3 N doubles (N from
   deq_mc_check_spectrum): returns s, the block to free, with *sqrt_s and
   *wbar pointing inside it; NULL (and nothing to free) on failure.  */
double *deq_mc_columns_alloc(double **sqrt_s, double **wbar,
                             const deq_spectrum *sp, size_t N);

/* X (P x N, column j = sqrt(s_j) iid N(0,1), zero if s_j = 0), then
   y = X wbar + noise_sd eps.  X is drawn before eps, so runs that differ
   only in the noise level share their X.  */
void deq_mc_sample_xy(double *X, double *y, const double *s,
                      const double *sqrt_s, const double *wbar, size_t P,
                      size_t N, double noise_sd, deq_rng *rng);

/* ------------------------------------------------------------ thin SVD */

/* dgesdd of the column-major m x n matrix A (lda = m): jobz 'S' gives the
   thin U (ldu = m) and VT (ldvt = min(m, n)), 'N' values only (U, VT
   unused).  Returns LAPACK's info.  */
lapack_int deq_mc_svd(char jobz, size_t m, size_t n, double *A, double *s,
                      double *U, double *VT, double *work, lapack_int lwork,
                      lapack_int *iwork);

/* The optimal lwork of the same call, queried once per plan: DEQ_ELAPACK
   if the query fails, DEQ_EUNSUP if lapack_int cannot hold it.  */
deq_status deq_mc_svd_lwork(lapack_int *lwork, char jobz, size_t m, size_t n,
                            double *A, double *s, double *U, double *VT,
                            lapack_int *iwork);

/* Number of singular values d[0..k-1] (decreasing) above
   d_max max(P, n) eps: the rest count as exact zeros.  */
size_t deq_mc_numerical_rank(const double *d, size_t k, size_t P, size_t n);

/* c = U'y (U: P x k) and resid = y - U c; returns |y - U c|^2 from the
   explicit residual: when y lies almost in span U, |y|^2 - |c|^2 would
   lose every digit.  */
double deq_mc_project(double *c, double *resid, const double *U,
                      const double *y, size_t P, size_t k);

/* Training error, GCV and degrees of freedom of ridge at t = P lambda
   from X's singular values d (rank r of k), c = U'y and |y_perp|^2.  */
typedef struct deq_mc_fit {
  double e_tr, gcv, df;
} deq_mc_fit;

/* Also writes the ridge coefficients coef_j = d_j c_j/(d_j^2 + t) (zero
   beyond the rank): the weights are V coef.  */
void deq_mc_ridge_fit(deq_mc_fit *fit, double *coef, const double *d,
                      const double *c, size_t k, size_t r, size_t P,
                      double yperp2, double t);

/* Excess risk sum_j s_j (w_j - wbar_j)^2 in the eigenbasis.  */
double deq_mc_excess(const double *w, const double *wbar, const double *s,
                     size_t N);

#endif /* DEQ_MC_IMPL_H */
