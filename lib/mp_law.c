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

/* Gauss-Legendre nodes and weights on [-1, 1] (Newton on the
   three-term recurrence; n <= 64).  */
static void gauss_legendre(size_t n, double *x, double *w)
{
  for (size_t i = 0; i < n; i++) {
    double z = cos(M_PI * ((double)i + 0.75) / ((double)n + 0.5)), dp = 1;
    for (int it = 0; it < 100; it++) {
      double p1 = 1, p0 = 0;
      for (size_t j = 1; j <= n; j++) {
        double pm = p0;
        p0 = p1;
        p1 = ((double)(2 * j - 1) * z * p0 - (double)(j - 1) * pm) / (double)j;
      }
      dp = (double)n * (z * p1 - p0) / (z * z - 1);
      double dz = p1 / dp;
      z -= dz;
      if (fabs(dz) <= 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
}

int deq_mp_law_init_graded(deq_mp_law *law, double q, double gamma, double R,
                           size_t per_panel)
{
  law->lambda = law->w = NULL;
  if (!(q > 0) || !isfinite(q) || !(gamma > 0) || !(R >= 1)
      || per_panel == 0 || per_panel > 64)
    return DEQ_EINVAL;
  double sq = sqrt(q), r = 2 * sq;
  law->q = q;
  deq_status st = deq_freeprob_mp_edges(&law->lo, &law->hi, &law->atom, q, 1);
  if (st != DEQ_OK) return st;
  /* near either end 1 - |a| grows like gamma sqrt(q) phi^2 (phi the
     distance in theta), so a^R has the width phi_min in theta */
  double phimin = 1 / sqrt(gamma * sq * R);
  double br[136];
  size_t nb = 0, half;
  br[nb++] = 0;
  for (double p = phimin; p < 0.999 * M_PI / 2 && nb < 64; p *= 2)
    br[nb++] = p;
  half = nb;
  br[nb++] = M_PI / 2;
  for (size_t i = half - 1; i >= 1; i--) br[nb++] = M_PI - br[i];
  br[nb++] = M_PI;
  double gx[64], gw[64];
  gauss_legendre(per_panel, gx, gw);
  law->n = (nb - 1) * per_panel;
  law->lambda = malloc(law->n * sizeof *law->lambda);
  law->w = malloc(law->n * sizeof *law->w);
  if (!law->lambda || !law->w) {
    deq_mp_law_free(law);
    return DEQ_ENOMEM;
  }
  size_t k = 0;
  for (size_t b = 0; b + 1 < nb; b++) {
    double h = (br[b + 1] - br[b]) / 2, mid = (br[b + 1] + br[b]) / 2;
    for (size_t i = 0; i < per_panel; i++, k++) {
      double th = mid + h * gx[i], s = sin(th), c2 = cos(th / 2);
      double lam = (1 - sq) * (1 - sq) + 2 * r * c2 * c2;
      law->lambda[k] = lam;
      law->w[k] = r * r * s * s / (2 * M_PI * q * lam) * h * gw[i];
    }
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
