/* resolvent_impl.h -- the fused spectral pass shared by the solvers.  */
#ifndef DEQ_RESOLVENT_IMPL_H
#define DEQ_RESOLVENT_IMPL_H

#include "deq/resolvent.h"

/* All deq_moments at kappa > 0 and, when kappa0 > 0, the anchored sum
   *anchor = sum m s/((s+kappa0)(s+kappa)) in the same pass (one division
   per atom either way).  kappa0 = 0 leaves *anchor untouched.  */
void deq_moments_pass(deq_moments *out, double *anchor, const deq_spectrum *sp,
                      double kappa, double kappa0);

/* First-order update of the moments from out->kappa to kappa (used after a
   Newton step so small that the O(step^2) error is below rounding).  */
void deq_moments_shift(deq_moments *m, double kappa);

/* W(kappa) = kappa t1 - B = sum v s kappa/(s+kappa)^2 without
   cancellation (one pass; 0 at kappa = 0).  */
double deq_moments_signal_gap(const deq_spectrum *sp, double kappa);

#endif
