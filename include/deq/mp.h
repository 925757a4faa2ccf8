/* deq/mp.h -- MPFR reference versions of the core functionals.
 *
 * The spectrum's doubles are taken as exact binary numbers; every sum,
 * the kappa fixed point and the risks are computed with `prec` bits and
 * rounded to double at the end.  These are slow, independent references
 * for tests and for users who need to certify a number.  */
#ifndef DEQ_MP_H
#define DEQ_MP_H

#include "deq/spectrum.h"
#include "deq/ridge.h"
#include "deq/features.h"
#include "deq/corr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* df1, df2 (and B, which may be NULL) at kappa >= 0, prec bits (>= 53).  */
deq_status deq_mp_df(double *df1, double *df2, double *bias,
                     const deq_spectrum *sp, double kappa, long prec);

/* The ridge deterministic equivalent at (P, lambda, noise), computed with
   prec bits.  Fills every field of deq_ridge_point that deq_ridge_solve
   fills (iterations counts MPFR Newton/bisection steps).  */
deq_status deq_mp_ridge(deq_ridge_point *out, const deq_spectrum *sp,
                        double P, double lambda, double noise, long prec);

/* ------------------------------------------------------------ model twins
   Each unknown by geometric bisection on a monotone predicate down to a
   relative width 2^-(3 prec/4), then the module header's formulas with
   prec bits (>= 53; the tests use 200).
   DEQ_EINVAL for NULL or prec out of range, DEQ_EDOM outside the domain,
   DEQ_ENOCONV if a bracket cannot be found; outputs are NaN on failure.  */

/* S-transform of a spectrum (freeprob.h): S(delta) = (1 - delta)/(delta
   f(delta dim)), f the inverse of df1, 0 < delta < rank/dim.  */
deq_status deq_mp_s_transform(double *S, const deq_spectrum *sp,
                              double delta, long prec);

/* Sample covariance of P samples at z = -lambda < 0 (freeprob.h):
   g = (1/N) tr (Sigma_hat + lambda)^-1 = (kappa/lambda) (1/N) sum
   m/(s + kappa), kappa (1 - df1(kappa)/P) = lambda; *kappa and *df
   (= df1(kappa)) may be NULL.  P > 0, lambda > 0.  */
deq_status deq_mp_sample_stieltjes(double *g, double *kappa, double *df,
                                   const deq_spectrum *sp, double P,
                                   double lambda, long prec);

/* One layer of M isotropic random features (features.h, deq_rf_solve1)
   at lambda > 0: fills kappa, kappa_f, df, df_max, df2, rho, df2_A, gamma,
   one_minus_gamma, gamma_c, t1, B, E_pop, bias, var_noise, var_features,
   E_g, E_cross, E_test, E_tr, iterations (spectral passes) and status;
   kappa0, residual and gcv are NaN and bottleneck is 0.  M, P > 0.  */
deq_status deq_mp_rf1(deq_rf_point *out, const deq_spectrum *omega,
                      double M, double P, double lambda, double noise,
                      long prec);

/* Ridge with correlated samples (corr.h, deq_corr_solve) at lambda > 0
   for either noise model: every field of deq_corr_point but residual
   (NaN); iterations counts spectral passes.  P = K->dim.  */
deq_status deq_mp_corr(deq_corr_point *out, const deq_spectrum *sp,
                       const deq_spectrum *K, double lambda, double noise,
                       deq_corr_noise model, long prec);

#ifdef __cplusplus
}
#endif
#endif
