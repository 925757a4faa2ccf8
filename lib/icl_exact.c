/* lib/icl_exact.c -- the exact finite-d test error of a given Gamma
 * (deq/icl.h; spec icl_cot.md section 1.2).
 *
 * Given the task w (c_w = |w|^2/d, s_w = c_w + rho), the context moments
 * are E h = w, E hh' = (1 + 1/ell) ww' + (s_w d/ell) I,
 * E hs = (1 + 2/ell) s_w w, E s^2 = (1 + 2/ell) s_w^2, and with
 * Gamma = [G | g] (G: d x d, g: the s column)
 *   e = rho + c_w - (2/d)(w'G w + s_w g'w)
 *       + (1/d)[(1 + 1/ell)|G w|^2 + (s_w d/ell)|G|_F^2
 *               + 2 (1 + 2/ell) s_w g'G w + (1 + 2/ell) s_w^2 |g|^2].
 * The Gaussian task averages these moments over w ~ N(0, C).  */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "deq/icl.h"

static deq_status check_args(const double *e, const double *Gamma, size_t ldg,
                             size_t d, double ell, double noise)
{
  if (!e || !Gamma || d == 0 || ldg < d + 1 || !(ell >= 1) || !isfinite(ell))
    return DEQ_EINVAL;
  if (!(noise >= 0) || !isfinite(noise)) return DEQ_EDOM;
  return DEQ_OK;
}

/* |G|_F^2 and |g|^2.  */
static void gamma_norms(double *G2, double *g2, const double *Gamma,
                        size_t ldg, size_t d)
{
  double a = 0, b = 0;
  for (size_t i = 0; i < d; i++) {
    const double *row = Gamma + i * ldg;
    for (size_t j = 0; j < d; j++) a += row[j] * row[j];
    b += row[d] * row[d];
  }
  *G2 = a;
  *g2 = b;
}

deq_status deq_icl_gamma_error_tasks(double *e, const double *Gamma,
                                     size_t ldg, size_t d, double ell,
                                     double noise, const double *W,
                                     size_t ldw, size_t k)
{
  deq_status st = check_args(e, Gamma, ldg, d, ell, noise);
  if (st != DEQ_OK) return st;
  *e = NAN;
  if (!W || k == 0 || ldw < d) return DEQ_EINVAL;
  double *Gw = malloc(d * sizeof *Gw);
  if (!Gw) return DEQ_ENOMEM;
  double G2, g2, sum = 0, dd = (double)d;
  gamma_norms(&G2, &g2, Gamma, ldg, d);
  for (size_t j = 0; j < k; j++) {
    const double *w = W + j * ldw;
    double w2 = 0, wGw = 0, gw = 0, Gw2 = 0, gGw = 0;
    for (size_t i = 0; i < d; i++) {
      const double *row = Gamma + i * ldg;
      double s = 0;
      for (size_t l = 0; l < d; l++) s += row[l] * w[l];
      Gw[i] = s;
      w2 += w[i] * w[i];
    }
    for (size_t i = 0; i < d; i++) {
      const double *row = Gamma + i * ldg;
      wGw += w[i] * Gw[i];
      gw += row[d] * w[i];
      Gw2 += Gw[i] * Gw[i];
      gGw += row[d] * Gw[i];
    }
    double cw = w2 / dd, sw = cw + noise;
    double lin = wGw + sw * gw;
    double quad = (1 + 1 / ell) * Gw2 + sw * dd / ell * G2
                  + 2 * (1 + 2 / ell) * sw * gGw
                  + (1 + 2 / ell) * sw * sw * g2;
    sum += cw - 2 / dd * lin + quad / dd;
  }
  free(Gw);
  *e = noise + sum / (double)k;
  return isfinite(*e) ? DEQ_OK : DEQ_EDOM;
}

deq_status deq_icl_gamma_error_gaussian(double *e, const double *Gamma,
                                        size_t ldg, size_t d, double ell,
                                        double noise, const double *C,
                                        size_t ldc)
{
  deq_status st = check_args(e, Gamma, ldg, d, ell, noise);
  if (st != DEQ_OK) return st;
  *e = NAN;
  if (C && ldc < d) return DEQ_EINVAL;
  double *GC = malloc(d * sizeof *GC);
  if (!GC) return DEQ_ENOMEM;
  double G2, g2, dd = (double)d;
  gamma_norms(&G2, &g2, Gamma, ldg, d);
  /* tr C, tr C^2, tr(G C) and tr(G C G') row by row of G C.  */
  double trC = 0, trC2 = 0, trGC = 0, trGCG = 0;
  for (size_t i = 0; i < d; i++) {
    if (C) {
      for (size_t l = 0; l < d; l++) {
        trC2 += C[i * ldc + l] * C[i * ldc + l];
      }
      trC += C[i * ldc + i];
    }
    const double *row = Gamma + i * ldg;
    for (size_t l = 0; l < d; l++) {
      double s = 0;
      if (C)
        for (size_t m = 0; m < d; m++) s += row[m] * C[m * ldc + l];
      else
        s = row[l];
      GC[l] = s;
    }
    trGC += GC[i];
    for (size_t l = 0; l < d; l++) trGCG += GC[l] * row[l];
  }
  free(GC);
  if (!C) {
    trC = dd;
    trC2 = dd;
  }
  double cbar = trC / dd, sbar = cbar + noise;
  double Es2 = sbar * sbar + 2 * trC2 / (dd * dd);     /* E s_w^2 */
  double quad = (1 + 1 / ell) * trGCG + sbar * dd / ell * G2
                + (1 + 2 / ell) * Es2 * g2;
  *e = noise + cbar - 2 / dd * trGC + quad / dd;
  return isfinite(*e) ? DEQ_OK : DEQ_EDOM;
}
