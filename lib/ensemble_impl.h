/* lib/ensemble_impl.h -- private helpers shared by lib/ensemble_*.c.  */
#ifndef DEQ_ENSEMBLE_IMPL_H
#define DEQ_ENSEMBLE_IMPL_H

#include "deq/ensemble.h"

/* DEQ_EINVAL for a NULL spectrum, DEQ_EDOM unless K is an integer >= 1
   or +Inf, M > 0, 0 < P < Inf and 0 <= noise < Inf.  */
deq_status deq_ensemble_rf_check(const deq_spectrum *sp, double K, double M,
                                 double P, double noise);

/* *out holds the inputs, NaN results, status DEQ_OK.  */
void deq_ensemble_rf_set_inputs(deq_ensemble_rf_point *out, double K,
                                double M, double P, double lambda,
                                double noise);

#endif
