/* lib/ensemble_iso.c -- the isotropic closed form of feature-subsampled
 * ensembles (spec 4b): Sigma = I, wbar spread uniformly.  Written from
 * the spec's scalar formulas, not from the general code, so that the two
 * check each other.  */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deq/ensemble_views.h"

/* The root kappa >= 0 of kappa^2 + b kappa - lambda s0 = 0, without
   cancellation.  */
static double iso_kappa(double nu, double s0, double lambda, double alpha)
{
  double b = s0 - lambda - nu * s0 / alpha, c = lambda * s0;
  double disc = sqrt(b * b + 4 * c);
  if (b > 0) return 2 * c / (b + disc);
  return (disc - b) / 2;
}

deq_status deq_views_iso(deq_views_point *out, double *kappa, double *gamma,
                         double *B, double *E, size_t K, const double *nu,
                         const double *nu_pair, const double *eta,
                         const double *lambda, double alpha, double norm2,
                         double noise, double readout_noise)
{
  if (!out || !nu || !eta || !lambda || (K > 1 && !nu_pair) || K < 1)
    return DEQ_EINVAL;
  *out = (deq_views_point){ NAN, NAN, noise, readout_noise, (double)K, NAN,
                            NAN, NAN, NAN, DEQ_EDOM };
  if (!(alpha > 0) || !(norm2 >= 0) || !(noise >= 0) || !(readout_noise >= 0))
    return DEQ_EDOM;
  for (size_t r = 0; r < K; r++)
    if (!(nu[r] > 0 && nu[r] <= 1) || !(eta[r] >= 0) || !(lambda[r] >= 0))
      return DEQ_EDOM;
  double *a = malloc(K * sizeof *a);
  if (!a) return DEQ_ENOMEM;
  int diverged = 0;
  double sd = 0, sc = 0;
  for (size_t r = 0; r < K; r++) {
    double s0 = 1 + eta[r] * eta[r];
    double k = iso_kappa(nu[r], s0, lambda[r], alpha);
    a[r] = 1 / (s0 + k);
    if (kappa) kappa[r] = k;
  }
  for (size_t r = 0; r < K; r++)
    for (size_t q = 0; q < K; q++) {
      double g, b;
      if (r == q) {
        double s0 = 1 + eta[r] * eta[r];
        g = nu[r] * s0 * s0 * a[r] * a[r] / alpha;
        b = norm2 * (s0 * a[r] * a[r] * nu[r] - 2 * a[r] * nu[r] + 1);
      } else {
        double o = nu_pair[r * K + q];
        g = o * a[r] * a[q] / alpha;
        b = norm2 * (a[r] * a[q] * o - a[r] * nu[r] - a[q] * nu[q] + 1);
      }
      double num = b + noise * g, e;
      if (1 - g > 0) e = num / (1 - g);
      else {
        diverged = 1;
        e = num > 0 ? INFINITY : 0;
      }
      if (gamma) gamma[r * K + q] = g;
      if (B) B[r * K + q] = b;
      if (E) E[r * K + q] = e;
      if (r == q) sd += e;
      else sc += e;
    }
  free(a);
  out->E_diag = sd / (double)K;
  out->E_cross = K > 1 ? sc / ((double)K * (double)(K - 1)) : NAN;
  out->E_ens = (sd + sc) / ((double)K * (double)K) + readout_noise / (double)K;
  out->E_test = out->E_ens + noise;
  out->P = alpha;   /* in units of N */
  out->status = diverged ? DEQ_EDIVERGE : DEQ_OK;
  return out->status;
}
