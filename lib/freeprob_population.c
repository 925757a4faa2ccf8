/* freeprob_population.c -- Stieltjes and S-transforms of a spectrum
 * itself, and the S-transform of a white Wishart. */
#include "config.h"

#include <complex.h>
#include <math.h>

#include "deq/freeprob.h"
#include "deq/resolvent.h"
#include "sum_impl.h"

deq_status deq_freeprob_stieltjes(double complex *g, const deq_spectrum *sp,
                                  double complex z)
{
  if (!g || !sp || sp->n == 0 || !sp->s || !sp->m)
    return DEQ_EINVAL;
  if (!isfinite(creal(z)) || !isfinite(cimag(z)))
    return DEQ_EDOM;
  if (!(sp->dim > 0) || !isfinite(sp->dim))
    return DEQ_EDOM;
  deq_sum re, im;
  deq_sum_init(&re);
  deq_sum_init(&im);
  for (size_t i = 0; i < sp->n; i++) {
    double complex w = sp->s[i] - z;
    if (w == 0)
      return DEQ_EDOM; /* z is an eigenvalue: a pole */
    double complex t = sp->m[i] / w;
    deq_sum_add(&re, creal(t));
    deq_sum_add(&im, cimag(t));
  }
  *g = CMPLX(deq_sum_get(&re), deq_sum_get(&im)) / sp->dim;
  return DEQ_OK;
}

deq_status deq_freeprob_s_transform(double *S, const deq_spectrum *sp,
                                    double delta)
{
  if (!S || !sp || sp->n == 0)
    return DEQ_EINVAL;
  if (!(sp->dim > 0) || !isfinite(sp->dim))
    return DEQ_EDOM;
  if (!(delta > 0) || !(delta * sp->dim < sp->rank))
    return DEQ_EDOM;
  double k;
  deq_status st = deq_resolvent_inverse_df1(&k, sp, delta * sp->dim);
  if (st != DEQ_OK)
    return st;
  *S = (1.0 - delta) / (delta * k);
  return DEQ_OK;
}

deq_status deq_freeprob_s_wishart(double *S, double q, double delta)
{
  if (!S)
    return DEQ_EINVAL;
  if (!(q > 0) || !isfinite(q) || !(delta > 0) || !(delta < 1)
      || !(q * delta < 1))
    return DEQ_EDOM;
  *S = 1.0 / (1.0 - q * delta);
  return DEQ_OK;
}
