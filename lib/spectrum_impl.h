/* spectrum_impl.h -- the spectrum module's private constructors.  */
#ifndef DEQ_SPECTRUM_IMPL_H
#define DEQ_SPECTRUM_IMPL_H

#include "deq/spectrum.h"

/* deq_spectrum_from_arrays without the copies: the spectrum takes the
   malloc'ed arrays s, m, v (n each; m or v NULL: ones, zeros) whether it
   succeeds or not.  The file reader hands over its columns this way.  */
deq_status deq_spectrum_adopt(deq_spectrum **out, size_t n, double *s,
                              double *m, double *v, deq_error *err);

#endif
