/* deq/resolvent.h -- trace functionals of (Sigma + kappa)^-1 over a spectrum.
 *
 * All traces are unnormalised:
 *   df1(k) = tr Sigma (Sigma + k)^-1      = sum m s/(s+k)
 *   df2(k) = tr Sigma^2 (Sigma + k)^-2    = sum m s^2/(s+k)^2
 *   B(k)   = k^2 wbar' Sigma (Sigma+k)^-2 wbar = k^2 sum v/(s+k)^2
 * Every sum is taken in one fused pass, in blocks combined with
 * compensated (Neumaier) summation.  */
#ifndef DEQ_RESOLVENT_H
#define DEQ_RESOLVENT_H

#include "deq/spectrum.h"
#include "deq/solve.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_moments {
  double kappa;  /* the point k > 0 (or 0: the limit k -> 0+) */
  double df1;    /* sum m s/(s+k) */
  double df2;    /* sum m s^2/(s+k)^2 */
  double cdf1;   /* sum m k/(s+k) over s > 0: rank - df1 without cancellation */
  double gap12;  /* df1 - df2 = sum m s k/(s+k)^2, without cancellation */
  double df3;    /* sum m s^2/(s+k)^3; d df2/dk = -2 df3 */
  double t1;     /* sum v/(s+k) */
  double bias;   /* B(k) = k^2 sum v/(s+k)^2 */
  double dbias;  /* dB/dk = 2 k sum v s/(s+k)^3 */
} deq_moments;

/* All moments at kappa >= 0 in one pass.  kappa = 0 gives the k -> 0+
   limits (df1 = df2 = rank, bias = 0).  */
deq_status deq_resolvent_moments(deq_moments *out, const deq_spectrum *sp,
                                 double kappa);

/* df1 and df2 only (the cheaper pass used inside root finding).  */
deq_status deq_resolvent_df(double *df1, double *df2, const deq_spectrum *sp,
                            double kappa);

/* Anchored difference A(k0, d) = sum m s/((s+k0)(s+k0+d)), so that
   df1(k0) - df1(k0+d) = d * A exactly, without cancellation.  */
deq_status deq_resolvent_anchor(double *A, const deq_spectrum *sp,
                                double k0, double d);

/* Inverse degrees of freedom: the kappa > 0 with df1(kappa) = d, for
   0 < d < rank.  d >= rank gives DEQ_EDOM; DEQ_EUNSUP when 2 tr/d
   overflows.  Newton in the
   cancellation-free form when d is close to the rank.  */
deq_status deq_resolvent_inverse_df1(double *kappa, const deq_spectrum *sp,
                                     double d);

#ifdef __cplusplus
}
#endif
#endif
