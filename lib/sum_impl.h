/* sum_impl.h -- compensated (Neumaier) accumulation, private.
 *
 * Hot loops sum a block of terms with a plain SIMD reduction (short sums
 * lose little) and feed each block total to a Neumaier accumulator, so the
 * error does not grow with the number of atoms.  */
#ifndef DEQ_SUM_IMPL_H
#define DEQ_SUM_IMPL_H

#include <math.h>

#define DEQ_SUM_BLOCK 256

typedef struct deq_sum {
  double s, c;
} deq_sum;

static inline void deq_sum_init(deq_sum *a) { a->s = 0.0; a->c = 0.0; }

static inline void deq_sum_add(deq_sum *a, double x)
{
  double t = a->s + x;
  if (fabs(a->s) >= fabs(x))
    a->c += (a->s - t) + x;
  else
    a->c += (x - t) + a->s;
  a->s = t;
}

/* An infinite sum (a term or the total beyond DBL_MAX) is the sum itself:
   its compensation term is Inf - Inf = NaN and must not be added.  */
static inline double deq_sum_get(const deq_sum *a)
{
  return isfinite(a->s) ? a->s + a->c : a->s;
}

#endif
