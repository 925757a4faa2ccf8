/* deq/mc.h -- Monte Carlo experiments that sample the finite-size random
 * matrices behind each deterministic equivalent: every deq_mc_*
 * declaration (ridge, random features, correlated samples, spectra); the
 * models' types come from deq/features.h, deq/corr.h and deq/freeprob.h.
 *
 * Ridge: X (P x N) has rows x ~ N(0, Sigma), sampled in Sigma's eigenbasis
 * (iid N(0,1) entries, column i scaled by sqrt(s_i)); wbar has, in that
 * basis, wbar_k^2 = v_i/(m_i s_i) on each of atom i's m_i directions;
 * y = X wbar + sigma eps.  One thin SVD (dgesdd) per trial serves every
 * lambda.  Per trial and lambda: E_g = (w - wbar)' Sigma (w - wbar) exactly,
 * E_tr = |y - Xw|^2/P, df1 = tr Sigma_hat (Sigma_hat + lambda)^-1, and
 * gcv = E_tr/(1 - df1/P)^2 (its lambda -> 0 limit at lambda = 0).
 *
 * Trial t draws from a random stream derived from (seed, t) only, and
 * trials are reduced in order, so results are bitwise identical for any
 * number of threads.
 *
 * Thread safety (every deq_mc_* execute below): a plan holds per-thread workspace, so one execute at a
 * time per plan; executes on distinct plans may run concurrently.  An
 * execute sets OpenBLAS's process-wide thread count to 1 while it runs;
 * overlapping executes are reference counted and the last one to return
 * restores the count it found.  Meanwhile BLAS/LAPACK calls made by other
 * threads (the program's own, and libdeq's dense decompositions in plan
 * and spectrum constructors) run single-threaded, so their last bits may
 * differ from a run without concurrent executes; do not change the count
 * while executes run.  */
#ifndef DEQ_MC_H
#define DEQ_MC_H

#include <stddef.h>
#include <stdint.h>
#include "deq/spectrum.h"
#include "deq/features.h"
#include "deq/corr.h"
#include "deq/freeprob.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_mc_estimate {
  double mean;   /* sample mean over trials */
  double se;     /* standard error of the mean (sd/sqrt(trials)) */
} deq_mc_estimate;

/* z-score (mean - theory)/se; 0 if mean == theory.  NaN (undefined) if
   se == 0 and mean != theory: every trial gave the same value, so the
   spread is unknown and the gap cannot be measured in standard errors
   (and NaN if e is NULL or mean or se is NaN).  */
double deq_mc_z(const deq_mc_estimate *e, double theory);

/* The chance that |z| > x for a quantity that agrees with its theory,
   when se was estimated from `trials` trials: z is then Student's t with
   trials - 1 degrees of freedom (exact series up to 1000, the normal
   tail beyond), not a standard normal.  With 10 trials |z| > 2 in 7.7%
   of cells (4.6% for a normal z).  NaN for trials < 2 or x < 0.  */
double deq_mc_z_tail(double x, size_t trials);

typedef struct deq_mc_ridge_row {
  double lambda;
  deq_mc_estimate E_g, E_tr, gcv, df1;
} deq_mc_ridge_row;

typedef struct deq_mc_ridge_plan deq_mc_ridge_plan;

/* Plan: checks the spectrum (exact, integer multiplicities, dim <= 2^20),
   allocates per-thread workspace for P samples and nlambda ridges.
   threads <= 0 means one thread per available core.  */
deq_status deq_mc_ridge_plan_alloc(deq_mc_ridge_plan **out,
                                   const deq_spectrum *sp, size_t P,
                                   size_t nlambda, int threads);
void deq_mc_ridge_plan_free(deq_mc_ridge_plan *plan);

/* Run `trials` trials (>= 2) with lambda[0..nlambda-1] >= 0 and noise
   sigma^2 >= 0; rows has nlambda entries.  Thread safety: one execute at
   a time per plan (see above).  */
deq_status deq_mc_ridge_execute(deq_mc_ridge_row *rows, deq_mc_ridge_plan *plan,
                                const double *lambda, double noise,
                                size_t trials, uint64_t seed);

/* alloc + execute + free.  */
deq_status deq_mc_ridge_run(deq_mc_ridge_row *rows, const deq_spectrum *sp,
                            size_t P, const double *lambda, size_t nlambda,
                            double noise, size_t trials, uint64_t seed,
                            int threads);

/* ------------------------------------------------------------ random features (deq/features.h)
 * Per trial: X (P x N) with rows ~ N(0, Omega) in Omega's eigenbasis, y =
 * X wbar + sigma eps (wbar_k^2 = v_i/(m_i s_i)), FRESH layers F_1 (Sigma_1 =
 * I: Omega already holds it) and F_l = Sigma_l^(1/2) Z_l/sqrt(N_l) with
 * Sigma_l diagonal (rotation invariance of Z), G = F_1 ... F_L, Phi = X G
 * and one thin SVD of Phi for every lambda.  Per lambda: E_g = (G v -
 * wbar)' Omega (G v - wbar) exactly, E_tr = |y - Phi v|^2/P, df =
 * tr Phi_hat (Phi_hat + lambda)^-1 (Phi_hat = Phi'Phi/P) and gcv =
 * E_tr/(1 - df/P)^2.  Trial t uses stream (seed, t); trials run in
 * parallel and are reduced in order: bitwise identical for any thread
 * count.  Widths must be integers, layer spectra must have m_i N_{l-1}/dim
 * integral (DEQ_EUNSUP otherwise).  */
typedef struct deq_mc_rf_row {
  double lambda;
  deq_mc_estimate E_g, E_tr, gcv;
  union { deq_mc_estimate df1; deq_mc_estimate df; };  /* `df`: 0.1's name */
} deq_mc_rf_row;

typedef struct deq_mc_rf_plan deq_mc_rf_plan;

deq_status deq_mc_rf_plan_alloc(deq_mc_rf_plan **out,
                                const deq_spectrum *omega,
                                const deq_rf_chain *chain, size_t P,
                                size_t nlambda, int threads);
void deq_mc_rf_plan_free(deq_mc_rf_plan *plan);
/* Thread safety: one execute at a time per plan; BLAS as above.  */
deq_status deq_mc_rf_execute(deq_mc_rf_row *rows, deq_mc_rf_plan *plan,
                             const double *lambda, double noise,
                             size_t trials, uint64_t seed);
deq_status deq_mc_rf_run(deq_mc_rf_row *rows, const deq_spectrum *omega,
                         const deq_rf_chain *chain, size_t P,
                         const double *lambda, size_t nlambda, double noise,
                         size_t trials, uint64_t seed, int threads);

/* ------------------------------------------------------------ correlated samples (deq/corr.h) */

/* Per trial: X = K^{1/2} Z Sigma^{1/2} drawn by the row sampler
   (deq/sampler.h: AR(1) recursion, circulant embedding for ACF, Cholesky
   for BLOCKS, EQUI, MATRIX) in Sigma's eigenbasis, then the noise
   (sigma K^{1/2} g by the same sampler, or sigma g), y = X wbar + eps; one
   dgesdd serves every lambda.  Per lambda: E_g = (w - wbar)' Sigma
   (w - wbar), E_tr = |y - Xw|^2/P, df = tr S (S + lambda)^-1 (S = X'X/P),
   gcv_naive = E_tr/(1 - df/P)^2, corrgcv = E_tr * deq_corr_gcv_factor(K,
   df) (NaN when df >= P), and, with a horizon tau > 0 (AR1 and ACF), the
   conditional forecast risk E[(y_* - w.x_*)^2 | training set] =
   (alpha' r)^2 + s^2 (E_g + sigma^2), r = y - Xw, for a test point and
   its noise correlated with the training set (noise model K only; NaN for
   iid).  Trials run in parallel with streams (seed, t) and are reduced in
   order: bitwise identical for any thread count.  */
typedef struct deq_mc_corr_row {
  double lambda;
  deq_mc_estimate E_g, E_tr;
  union { deq_mc_estimate gcv; deq_mc_estimate gcv_naive; };  /* 0.1: gcv_naive */
  deq_mc_estimate corrgcv;
  union { deq_mc_estimate df1; deq_mc_estimate df; };  /* 0.1: df */
  deq_mc_estimate E_forecast;
} deq_mc_corr_row;

typedef struct deq_mc_corr_plan deq_mc_corr_plan;

/* sp: exact spectrum with integer multiplicities (dim <= 2^20); P >= 2;
   tau = 0 for no forecast.  threads <= 0: one per core.  */
deq_status deq_mc_corr_plan_alloc(deq_mc_corr_plan **out,
                                  const deq_spectrum *sp,
                                  const deq_corr_model *model, size_t P,
                                  size_t tau, size_t nlambda, int threads);
void deq_mc_corr_plan_free(deq_mc_corr_plan *plan);
/* Thread safety: one execute at a time per plan; BLAS as above.  */
deq_status deq_mc_corr_execute(deq_mc_corr_row *rows, deq_mc_corr_plan *plan,
                               const double *lambda, double noise,
                               deq_corr_noise model, size_t trials,
                               uint64_t seed);
deq_status deq_mc_corr_run(deq_mc_corr_row *rows, const deq_spectrum *sp,
                           const deq_corr_model *model, size_t P, size_t tau,
                           const double *lambda, size_t nlambda, double noise,
                           deq_corr_noise noise_model, size_t trials,
                           uint64_t seed, int threads);

/* ------------------------------------------------------------ spectra (deq/freeprob.h) */

/* Eigenvalues of finite samples of the chain (lib/mc_spectrum.c):
   A = G' Omega^1/2 W Omega^1/2 G with W = Z_0'Z_0/P (omitted when P = 0),
   Omega diagonal (its eigenbasis), F_l = Sigma_l^1/2 Z_l/sqrt(N_l) with
   Sigma_l diagonal (no loss: the Gaussian Z_{l-1} before it is rotation
   invariant).  One dgesdd (singular values only) of the P x N_L (or
   N x N_L) matrix Z_0 Omega^1/2 F_1 ... F_L/sqrt(P) per trial; the
   eigenvalues are its squared singular values, padded with exact zeros to
   n_out; values below n_out eps times the largest are set to 0.
   Requirements: exact spectra with integer multiplicities, integer
   widths and P, layer spectra of dimension N_{l-1}.  Trial t draws from
   stream (seed, t); bitwise identical for any thread count.  */
typedef struct deq_mc_spectrum_plan deq_mc_spectrum_plan;

deq_status deq_mc_spectrum_plan_alloc(deq_mc_spectrum_plan **out,
                                      const deq_freeprob_chain *c,
                                      int threads);
void deq_mc_spectrum_plan_free(deq_mc_spectrum_plan *plan);
/* n_out: eigenvalues per trial.  */
size_t deq_mc_spectrum_size(const deq_mc_spectrum_plan *plan);
/* eig[t n_out .. (t+1) n_out - 1] = trial t's eigenvalues, ascending.  */
deq_status deq_mc_spectrum_execute(double *eig, deq_mc_spectrum_plan *plan,
                                   size_t trials, uint64_t seed);
deq_status deq_mc_spectrum_run(double *eig, const deq_freeprob_chain *c,
                               size_t trials, uint64_t seed, int threads);

/* ------------------------------------------------------------ run hooks */

/* Hooks around every Monte Carlo trial loop of libdeq (the loop behind
   each deq_mc_*_execute, every model's Monte Carlo in deq_model_mc, and
   deq_lcurve_execute): a program installs them to distribute the trials
   of each loop over processes (MPI), to checkpoint and resume, and to
   show progress, without libdeq depending on any of these.  The deq
   command installs them for `deq mc MODEL` (tools/cli_mc_run.c).

   A loop of T trials of m quantities runs in chunks of `chunk` trials:
   this process computes trials [lo, hi) of each chunk (share), the
   others' results are brought in (gather), then every trial of the chunk
   is folded into the running means and second moments in trial order
   (Welford) and `fold` sees the state.  Since trial t depends on (seed, t)
   only and the fold order is the trial order, the result is bitwise the
   same for any chunk size, share and thread count.

   Loops are numbered 0, 1, ... in the order they start after
   deq_mc_set_hooks: a resumed run that repeats the same calls meets the
   same loops in the same order.  Loops must then start one at a time
   (deq_model_mc runs its points serially).  Every member may be NULL (or
   0): no checkpoint, no distribution, no progress.  */
typedef struct deq_mc_hooks {
  void *ctx;
  size_t chunk;       /* trials per chunk (0: the library's 1024) */
  int blas_threads;   /* BLAS/LAPACK threads inside a trial (0: 1) */
  /* Before loop `loop` (m quantities, `trials` trials): a saved state
     may be restored into mean and m2 (m values each, zero on entry) with
     *done (0 on entry) the trials it holds; *done == trials skips every
     trial.  A status other than DEQ_OK ends the loop with it.  */
  deq_status (*begin)(void *ctx, size_t loop, size_t m, size_t trials,
                      double *mean, double *m2, size_t *done);
  /* This process's trials [*lo, *hi) of a chunk of n (default: all;
     ignored without gather).  */
  void (*share)(void *ctx, size_t n, size_t *lo, size_t *hi);
  /* On entry res (n rows of m values) and st (n statuses) hold this
     process's rows [lo, hi) of the chunk; on return every row.  */
  deq_status (*gather)(void *ctx, double *res, deq_status *st, size_t m,
                       size_t n);
  /* After a chunk is folded: the state of `done` of `trials` trials.  */
  deq_status (*fold)(void *ctx, size_t loop, size_t m, size_t done,
                     size_t trials, const double *mean, const double *m2);
} deq_mc_hooks;

/* Install hooks (copied) for every later loop and restart the loop
   numbering; NULL removes them.  Process-wide: not while a loop runs.  */
void deq_mc_set_hooks(const deq_mc_hooks *hooks);

#ifdef __cplusplus
}
#endif
#endif
