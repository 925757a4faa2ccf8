/* freeprob_marchenko.c -- closed forms of the Marchenko-Pastur law
 * (Sigma = scale I). */
#include "config.h"

#include <complex.h>
#include <math.h>

#include "deq/freeprob.h"

static int mp_bad(double q, double scale)
{
  return !(q > 0) || !isfinite(q) || !(scale > 0) || !isfinite(scale);
}

deq_status deq_freeprob_mp_edges(double *lo, double *hi, double *atom0,
                                 double q, double scale)
{
  if (!lo || !hi || !atom0)
    return DEQ_EINVAL;
  if (mp_bad(q, scale))
    return DEQ_EDOM;
  double r = sqrt(q);
  *lo = scale * (1 - r) * (1 - r);
  *hi = scale * (1 + r) * (1 + r);
  *atom0 = q > 1 ? 1 - 1 / q : 0;
  return DEQ_OK;
}

deq_status deq_freeprob_mp_density(double *rho, double q, double scale,
                                   double x)
{
  if (!rho)
    return DEQ_EINVAL;
  if (mp_bad(q, scale) || isnan(x))
    return DEQ_EDOM;
  double lo, hi, a0;
  deq_freeprob_mp_edges(&lo, &hi, &a0, q, scale);
  if (!(x > lo && x < hi) || x <= 0) {
    *rho = 0;
    return DEQ_OK;
  }
  *rho = sqrt((hi - x) * (x - lo)) / (2 * M_PI * q * scale * x);
  return DEQ_OK;
}

deq_status deq_freeprob_mp_stieltjes(double complex *g, double q,
                                     double scale, double complex z)
{
  if (!g)
    return DEQ_EINVAL;
  if (mp_bad(q, scale) || !isfinite(creal(z)) || !(cimag(z) >= 0)
      || !isfinite(cimag(z)) || z == 0)
    return DEQ_EDOM;
  double lo, hi, a0;
  deq_freeprob_mp_edges(&lo, &hi, &a0, q, scale);
  double complex u = z / scale;
  /* +0 imaginary parts: csqrt then gives the boundary value from above */
  double complex ua = CMPLX(creal(u) - lo / scale, cimag(u) + 0.0);
  double complex ub = CMPLX(creal(u) - hi / scale, cimag(u) + 0.0);
  double complex root = csqrt(ua) * csqrt(ub);
  *g = (-(u + q - 1) + root) / (2 * q * u) / scale;
  return DEQ_OK;
}
