/* lib/mp_law.c -- Marchenko-Pastur quadrature and Stieltjes transform
 * (lib/mp_law_impl.h).  */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "deq/freeprob.h"
#include "deq/status.h"
#include "mp_law_impl.h"

int deq_mp_law_init(deq_mp_law *law, double q, size_t n)
{
  law->lambda = law->w = NULL;
  if (!(q > 0) || !isfinite(q) || n == 0) return DEQ_EINVAL;
  double sq = sqrt(q), r = 2 * sq;
  law->q = q;
  /* the edges and the atom: the public closed forms (freeprob) */
  deq_status st = deq_freeprob_mp_edges(&law->lo, &law->hi, &law->atom, q, 1);
  if (st != DEQ_OK) return st;
  law->n = n;
  law->lambda = malloc(n * sizeof *law->lambda);
  law->w = malloc(n * sizeof *law->w);
  if (!law->lambda || !law->w) {
    deq_mp_law_free(law);
    return DEQ_ENOMEM;
  }
  for (size_t k = 0; k < n; k++) {
    double th = (k + 0.5) * M_PI / (double)n, s = sin(th);
    /* lambda = m + r cos(theta), written without cancellation near the
       lower edge: m - r = (1 - sq)^2 and 1 + cos = 2 cos^2(theta/2) */
    double c2 = cos(th / 2);
    double lam = (1 - sq) * (1 - sq) + 2 * r * c2 * c2;
    law->lambda[k] = lam;
    law->w[k] = r * r * s * s / (2 * q * lam * (double)n);
  }
  return DEQ_OK;
}

void deq_mp_law_free(deq_mp_law *law)
{
  free(law->lambda);
  free(law->w);
  law->lambda = law->w = NULL;
}

/* The real-axis twin of deq_freeprob_mp_stieltjes (which takes Im z >= 0
   and returns boundary values): for real z off the support, with g' and
   the root chosen without cancellation far from the support.
   q z g^2 + (z - 1 + q) g + 1 = 0; g ~ -1/z at infinity.  sigma = +1
   right of the support, -1 left of it (negative z, or the gap (0, lo)). */
void deq_mp_law_stieltjes(double *g, double *dg, double q, double z)
{
  double sq = sqrt(q), lo = (1 - sq) * (1 - sq), hi = (1 + sq) * (1 + sq);
  double b = z - 1 + q;
  double disc = (z - lo) * (z - hi);
  double sigma = z >= hi ? 1.0 : -1.0;
  double root = sigma * sqrt(disc > 0 ? disc : 0);
  /* g = (-b + root)/(2 q z) = 2/(-b - root): take the form whose two
     terms do not cancel */
  double gg;
  if ((-b) * (-root) > 0 || root == 0)
    gg = 2 / (-b - root);
  else
    gg = (-b + root) / (2 * q * z);
  *g = gg;
  /* differentiate the quadratic */
  if (dg) *dg = -(q * gg * gg + gg) / (2 * q * z * gg + b);
}
