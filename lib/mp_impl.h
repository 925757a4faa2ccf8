/* lib/mp_impl.h -- private helpers shared by the MPFR twins (lib/mp*.c).  */
#ifndef DEQ_MP_IMPL_H
#define DEQ_MP_IMPL_H

#include <mpfr.h>
#include "deq/status.h"

/* Is x at or above the root of a predicate increasing in x?  */
typedef int (*deq_mp_pred)(mpfr_srcptr x, void *ctx);

/* Geometric bisection of [lo, hi] (predicate false at lo, true at hi)
   down to relative width 2^-(prec - prec/4); the root (the geometric
   mean of the final bracket) in lo.  DEQ_ENOCONV if the bracket is not
   one or the iteration limit is hit.  *iterations (may be NULL) counts
   the predicate evaluations inside the bracket.  */
deq_status deq_mp_bisect(mpfr_t lo, mpfr_t hi, deq_mp_pred above, void *ctx,
                         mpfr_prec_t prec, int *iterations);

#endif
