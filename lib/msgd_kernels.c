/* lib/msgd_kernels.c -- the one-point functions of multi-pass SGD
 * (deq/msgd.h): the Volterra kernels K_L, K_R and the two pieces of the
 * full-batch training error, by contour integrals of the one-point
 * function, and the stability mass S(eta, B) at a real point.
 *
 * For f analytic on the sample spectrum,
 *   tr f(S)         = (1/2 pi i) closed-contour integral f(-z) (kappa/z) T0,
 *   tr Sigma f(S)   = same with df1 = sum m s/(s + kappa) for T0,
 *   wbar' f(S) wbar = same with V = sum (v/s)/(s + kappa),
 * T0 = sum m/(s + kappa), kappa = kappa(z).  The contour is full-batch
 * GD's (lib/gd.c), shared through ellipse_impl.h and wedge_impl.h: an
 * ellipse with foci at the support's outer edges, half way in the
 * elliptic parameter to the nearer of z = 0 and the circle |1 + eta z| =
 * 1, so that every (1 + eta z)^(2 tau) is at most 1 on a strip around it
 * and the midpoint trapezoid rule with 2n nodes, n = 40/rho_max, is
 * accurate to about e^-40 for every tau; or, when the spectrum reaches 0
 * (P = N) or nearly (lo < 1e-3 hi, the same rule as gd), the lens through
 * z = 0, trapezoid in log|z|.  On the lens the K_L, K_R and signal
 * integrands carry a factor z and vanish at 0 (at P = N like |z|^1/2 with
 * the weight); the trace's has a pole at 0 for P < N (the atom of
 * Sigma_hat at 0, residue kappa0 T0(kappa0) = N - P), subtracted in
 * omega and added back as N - P (f(0) = 1) by deq_msgd_kernels (msgd.c
 * needs only the nonzero part: see grow there); on the ellipse the
 * subtracted (N - P)/z integrates to 0, so the same weights serve.
 * Lower-half nodes are the conjugates of upper-half ones: each integral
 * is Im(upper sum)/pi.  At P = +Inf, S = Sigma and the traces are plain
 * atom sums.  */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/freeprob.h"
#include "deq/msgd.h"
#include "deq/twopoint.h"
#include "msgd_impl.h"
#include "ellipse_impl.h"
#include "wedge_impl.h"


typedef double complex cplx;

/* The switch to the lens (wedge_impl.h), overridable to compare both
   contours.  */
#ifndef MSGD_WEDGE_RATIO
#define MSGD_WEDGE_RATIO DEQ_WEDGE_RATIO
#endif

void deq_msgd_set_err(deq_error *err, const char *fmt, ...)
{
  if (!err) return;
  deq_error_clear(err);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

/* The outer edges lo, hi of the nonzero sample spectrum (lo clamped at
   0: P = N) and the real kappa at hi; DEQ_EUNSUP for a singular Sigma.  */
static deq_status edges(double *lo, double *hi, double *khi,
                        const deq_spectrum *sp, double P, deq_error *err)
{
  if (isinf(P)) {        /* one pass: the population spectrum itself */
    double a = INFINITY, b = 0;
    for (size_t i = 0; i < sp->n; i++) {
      a = fmin(a, sp->s[i]);
      b = fmax(b, sp->s[i]);
    }
    *lo = a, *hi = b, *khi = -b;
    return DEQ_OK;
  }
  if (sp->rank < sp->dim) {
    deq_msgd_set_err(err, "multi-pass SGD needs a full-rank Sigma (rank %g, "
                     "N = %g)", sp->rank, sp->dim);
    return DEQ_EUNSUP;
  }
  deq_freeprob_support *sup = NULL;
  deq_status st = deq_freeprob_sample_support(&sup, sp, P);
  if (st != DEQ_OK) return st;
  if (sup->n == 0 || (sup->atom0 > 0) != (P < sp->dim)) {
    deq_freeprob_support_free(sup);
    deq_msgd_set_err(err, "multi-pass SGD: no continuous sample spectrum, or "
                     "an atom at 0 where none is expected (P = %g, N = %g)",
                     P, sp->dim);
    return DEQ_EUNSUP;
  }
  *lo = fmax(sup->lo[0], 0.0);
  *hi = sup->hi[sup->n - 1];
  *khi = sup->khi[sup->n - 1];
  deq_freeprob_support_free(sup);
  return *hi > *lo && isfinite(*hi) ? DEQ_OK : DEQ_EUNSUP;
}

static double df1_real(const deq_spectrum *sp, double k)
{
  double d = 0;
  for (size_t i = 0; i < sp->n; i++) d += sp->m[i] * sp->s[i] / (sp->s[i] + k);
  return d;
}

/* S = -df1(kappa)/B at the real kappa of z = -2/eta < -hi on the branch
   through z = -Inf: x(kappa) = -kappa (1 - df1(kappa)/P) = 2/eta with
   kappa in (-2/eta, khi), where x decreases from above 2/eta to hi.  */
static double mass_at(const deq_spectrum *sp, double P, double eta,
                      double batch, double hi, double khi)
{
  double x = 2 / eta;
  if (!(x > hi)) return INFINITY;
  if (isinf(P)) return -df1_real(sp, -x) / batch;
  double a = -x, b = khi;      /* x(a) > 2/eta > x(b) */
  for (int it = 0; it < 200; it++) {
    double m = 0.5 * (a + b);
    if (m == a || m == b) break;
    double xm = -m * (1 - df1_real(sp, m) / P);
    if (xm > x) a = m;
    else b = m;
  }
  return -df1_real(sp, 0.5 * (a + b)) / batch;
}

static deq_status check_args(const deq_spectrum *sp, double P, double batch)
{
  if (!sp) return DEQ_EINVAL;
  if (!(P > 0) || isnan(P) || !(batch > 0) || !isfinite(batch))
    return DEQ_EDOM;
  return DEQ_OK;
}

deq_status deq_msgd_noise_mass(double *S, const deq_spectrum *sp, double P,
                               double eta, double batch)
{
  if (!S) return DEQ_EINVAL;
  deq_status st = check_args(sp, P, batch);
  if (st != DEQ_OK) return st;
  if (!(eta > 0) || !isfinite(eta)) return DEQ_EDOM;
  double lo, hi, khi;
  st = edges(&lo, &hi, &khi, sp, P, NULL);
  if (st != DEQ_OK) return st;
  *S = mass_at(sp, P, eta, batch, hi, khi);
  return DEQ_OK;
}

deq_status deq_msgd_lr_bound(double *eta_max, const deq_spectrum *sp,
                             double P, double batch)
{
  if (!eta_max) return DEQ_EINVAL;
  deq_status st = check_args(sp, P, batch);
  if (st != DEQ_OK) return st;
  double lo, hi, khi;
  st = edges(&lo, &hi, &khi, sp, P, NULL);
  if (st != DEQ_OK) return st;
  double top = 2 / hi;
  /* S increases with eta; at the GD bound it is -df1(khi)/B (finite).  */
  if (mass_at(sp, P, top * (1 - 1e-15), batch, hi, khi) < 1) {
    *eta_max = top;
    return DEQ_OK;
  }
  double a = 0, b = top;
  while (b - a > 1e-13 * b) {
    double m = 0.5 * (a + b);
    if (mass_at(sp, P, m, batch, hi, khi) < 1) a = m;
    else b = m;
  }
  *eta_max = a;
  return DEQ_OK;
}

deq_status deq_msgd_check_eta(const deq_spectrum *sp, double P, double eta,
                              double batch, deq_error *err)
{
  if (!(eta > 0) || !isfinite(eta)) {
    deq_msgd_set_err(err, "step size eta = %g must be positive and finite",
                     eta);
    return DEQ_EDOM;
  }
  double lo, hi, khi;
  deq_status st = edges(&lo, &hi, &khi, sp, P, err);
  if (st != DEQ_OK) return st;
  double S = mass_at(sp, P, eta, batch, hi, khi);
  if (S < 1) return DEQ_OK;
  double bound = NAN;
  deq_msgd_lr_bound(&bound, sp, P, batch);
  deq_msgd_set_err(err, "unstable step size: eta = %.6g is not below the "
                   "multi-pass SGD stability bound %.6g (batch %g, P = %g; "
                   "gradient-noise mass S = %.6g >= 1 or eta >= 2/hi = "
                   "%.6g)", eta, bound, batch, P, S, 2 / hi);
  return DEQ_EDOM;
}

/* ------------------------------------------------------------ contour */

void deq_msgd_contour_free(msgd_contour *c)
{
  free(c->z);
  free(c->omega);
  memset(c, 0, sizeof *c);
}

deq_status deq_msgd_contour_build(msgd_contour *c, const deq_spectrum *sp,
                                  double P, double eta, deq_error *err)
{
  memset(c, 0, sizeof *c);
  c->P = P;
  c->eta = eta;
  if (isinf(P)) return DEQ_OK;      /* atom sums, no contour */
  double lo, hi, khi;
  deq_status st = edges(&lo, &hi, &khi, sp, P, err);
  if (st != DEQ_OK) return st;
  if (!(eta * hi < 2)) return DEQ_EDOM;
  deq_contour ct = { 0 };
  if (deq_contour_plan(&ct, lo, hi, eta, MSGD_WEDGE_RATIO)) {
    deq_msgd_set_err(err, "multi-pass SGD: eta = %.6g is too close to the "
                     "stability bound 2/hi = %.6g for the contour (%.0f "
                     "nodes, more than %d)", eta, 2 / hi, ct.want,
                     DEQ_ELLIPSE_MAX_NODES);
    return DEQ_EUNSUP;
  }
  c->wedge = ct.wedge;
  /* P < N: the atom of Sigma_hat at 0 (see the top of the file) */
  c->atom0 = P < sp->dim ? sp->dim - P : 0;
  size_t n = ct.n;
  c->n = n;
  c->z = malloc(n * sizeof *c->z);
  c->omega = malloc(3 * n * sizeof *c->omega);
  if (!c->z || !c->omega) {
    deq_msgd_contour_free(c);
    return DEQ_ENOMEM;
  }
  cplx prev = 0;
  for (size_t j = 0; j < n; j++) {
    cplx z, w, k;
    deq_contour_node(&ct, j, &z, &w);
    st = deq_twopoint_kappa_c(&k, NULL, sp, P, &z, j ? &prev : NULL);
    if (st != DEQ_OK) {
      deq_msgd_contour_free(c);
      deq_msgd_set_err(err, "multi-pass SGD: kappa(z) failed on the contour");
      return st;
    }
    prev = k;
    cplx t0 = 0, d1 = 0, v = 0;
    for (size_t i = 0; i < sp->n; i++) {
      cplx r = 1 / (sp->s[i] + k);
      t0 += sp->m[i] * r;
      d1 += sp->m[i] * sp->s[i] * r;
      if (sp->v[i] > 0) v += sp->v[i] / sp->s[i] * r;
    }
    cplx base = w * k / z;
    c->z[j] = z;
    c->omega[j] = w * (k * t0 - c->atom0) / z;   /* tr, less the atom */
    c->omega[n + j] = base * d1;      /* tr Sigma */
    c->omega[2 * n + j] = base * v;   /* wbar' . wbar */
  }
  return DEQ_OK;
}

/* The four series at tau = t0 .. t0 + T - 1 (arrays may be NULL); the
   trace without the atom at 0 (P < N: c->atom0 = N - P more).  */
deq_status deq_msgd_series(double *K_L, double *K_R, double *signal,
                           double *trace, const msgd_contour *c,
                           const deq_spectrum *sp, size_t t0, size_t T)
{
  double eta = c->eta;
  if (isinf(c->P)) {
    double *p = malloc((sp->n ? sp->n : 1) * sizeof *p);
    if (!p) return DEQ_ENOMEM;
    for (size_t i = 0; i < sp->n; i++) {
      double g = (1 - eta * sp->s[i]) * (1 - eta * sp->s[i]);
      p[i] = t0 ? pow(g, (double) t0) : 1;
    }
    for (size_t t = 0; t < T; t++) {
      double kl = 0, sg = 0, tr = 0;
      for (size_t i = 0; i < sp->n; i++) {
        double s = sp->s[i], g = (1 - eta * s) * (1 - eta * s);
        kl += sp->m[i] * s * s * p[i];
        sg += sp->v[i] * p[i];
        tr += sp->m[i] * p[i];
        p[i] *= g;
      }
      if (K_L) K_L[t] = kl;
      if (K_R) K_R[t] = kl;
      if (signal) signal[t] = sg;
      if (trace) trace[t] = tr;
    }
    free(p);
    return DEQ_OK;
  }
  size_t n = c->n;
  cplx *q = malloc(n * sizeof *q), *g = malloc(n * sizeof *g);
  if (!q || !g) {
    free(q), free(g);
    return DEQ_ENOMEM;
  }
  for (size_t j = 0; j < n; j++) {
    cplx step = 1 + eta * c->z[j];
    g[j] = step * step;
    q[j] = cpow(g[j], (double) t0);
    if (t0 == 0) q[j] = 1;
  }
  for (size_t t = 0; t < T; t++) {
    cplx kl = 0, kr = 0, sg = 0, tr = 0;
    for (size_t j = 0; j < n; j++) {
      cplx z = c->z[j], qj = q[j];
      tr += c->omega[j] * qj;
      kl += c->omega[j] * (z * z) * qj;
      kr -= c->omega[n + j] * z * qj;
      sg -= c->omega[2 * n + j] * z * qj;
      q[j] = qj * g[j];
    }
    /* The traces are non-negative; clamp quadrature noise below 0.  */
    if (K_L) K_L[t] = fmax(0, cimag(kl) / M_PI);
    if (K_R) K_R[t] = fmax(0, cimag(kr) / M_PI);
    if (signal) signal[t] = fmax(0, cimag(sg) / M_PI);
    if (trace) trace[t] = fmax(0, cimag(tr) / M_PI);
  }
  free(q);
  free(g);
  return DEQ_OK;
}

deq_status deq_msgd_kernels(double *K_L, double *K_R, double *signal,
                            double *trace, const deq_spectrum *sp, double P,
                            double eta, size_t T, deq_error *err)
{
  deq_status st = check_args(sp, P, 1);
  if (st != DEQ_OK) return st;
  if (!(eta > 0) || !isfinite(eta)) return DEQ_EDOM;
  msgd_contour c;
  st = deq_msgd_contour_build(&c, sp, P, eta, err);
  if (st != DEQ_OK) return st;
  st = deq_msgd_series(K_L, K_R, signal, trace, &c, sp, 0, T);
  for (size_t t = 0; st == DEQ_OK && trace && t < T; t++)
    trace[t] += c.atom0;
  deq_msgd_contour_free(&c);
  return st;
}
