/* estimate_impl.h -- what the tests may ask of a plan beyond
 * deq/estimate.h.  */
#ifndef DEQ_ESTIMATE_IMPL_H
#define DEQ_ESTIMATE_IMPL_H

#include "deq/estimate.h"

/* The passes over the design the feature route made: 1 (G = A'A and its
   eigenvectors, for well-conditioned designs), 2 (CholeskyQR2), 0 on
   the other routes.  */
int deq_estimate_feature_passes(const deq_estimate_plan *plan);

#endif
