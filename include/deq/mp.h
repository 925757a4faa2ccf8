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

#ifdef __cplusplus
}
#endif
#endif
