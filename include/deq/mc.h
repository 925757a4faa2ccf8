/* deq/mc.h -- Monte Carlo experiments that sample the finite-size random
 * matrices behind each deterministic equivalent.
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
 * number of threads.  OpenBLAS is set to one thread during an execute
 * (openblas_set_num_threads is process-wide; the previous value is
 * restored on return).  */
#ifndef DEQ_MC_H
#define DEQ_MC_H

#include <stddef.h>
#include <stdint.h>
#include "deq/spectrum.h"

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
   sigma^2 >= 0; rows has nlambda entries.  */
deq_status deq_mc_ridge_execute(deq_mc_ridge_row *rows, deq_mc_ridge_plan *plan,
                                const double *lambda, double noise,
                                size_t trials, uint64_t seed);

/* alloc + execute + free.  */
deq_status deq_mc_ridge_run(deq_mc_ridge_row *rows, const deq_spectrum *sp,
                            size_t P, const double *lambda, size_t nlambda,
                            double noise, size_t trials, uint64_t seed,
                            int threads);

#ifdef __cplusplus
}
#endif
#endif
