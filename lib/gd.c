/* lib/gd.c -- full-batch gradient descent on P fixed samples through
 * contour integrals of the two-point function (deq/dynamics.h, spec 5.2).
 *
 * f(S) = (1/2 pi i) closed integral of f(-z) (S + z)^-1 dz around
 * -spec(S).  The contour is the ellipse with foci -lo, -hi (the edges of
 * the sample spectrum) and elliptic parameter rho: in the coordinates
 * z = c + f cosh(rho + i theta) every point of the focal segment (the cut
 * of kappa) is at imaginary distance rho from the contour, z = 0 at
 * rho0 - rho and the circle |1 + eta z| = 1 at no less than rho_eta -
 * rho.  With rho = min(rho0, rho_eta)/2 the integrands are analytic and
 * (inside the disk) |1 + eta z|^t <= 1 on a strip of half-width rho_max/2
 * around the contour, so the midpoint trapezoid rule with 2 n nodes has
 * error about exp(-n rho_max): n = 40/rho_max.  Lower-half nodes are the
 * conjugates of upper-half ones (kappa too), so every sum is twice the
 * real (or imaginary) part of its upper-half part.  For P < N the atom
 * of Sigma_hat at 0 stays outside the ellipse and enters the signal by
 * its residues (null_terms, plan_signal).
 *
 * When the spectrum reaches 0 (P = N) or comes close (lo < 1e-3 hi) the
 * ellipse cannot stay off z = 0, and the lens of wedge_impl.h, through
 * z = 0, replaces it: there the integrands are integrable (P = N) or
 * analytic (P > N); for P < N the poles at 0 are subtracted (null_terms,
 * anchor_nodes) and t = +Inf is taken in closed form.  A singular Sigma
 * is reduced to its nonzero atoms first (reduce_spectrum).  */
#include <config.h>

#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/dynamics.h"
#include "deq/freeprob.h"
#include "deq/twopoint.h"   /* deq_twopoint_kappa_c */
#include "ellipse_impl.h"
#include "wedge_impl.h"


typedef double complex cplx;

typedef struct gd_contour {
  size_t n;        /* nodes on the upper half; 2n in all */
  cplx *z, *w;     /* nodes and weights dz (upper half then lower half) */
  cplx *kappa;     /* kappa(z) per node */
  cplx *df1;       /* df1(kappa) per node */
  int null;        /* P < N: Sigma_hat has an atom at 0, outside the
                      contour (handled by residues at z = 0) */
  int wedge;       /* the lens through z = 0 (wedge_impl.h) rather than
                      the ellipse: the spectrum reaches 0 or nearly */
  double kappa0;   /* P < N: kappa(0) > 0 (df1(kappa0) = P) */
  cplx *kdf;       /* the lens with P < N: kappa df1(kappa) - kappa0 P per
                      upper node, to full relative accuracy (anchor_nodes) */
} gd_contour;

/* The switch to the lens (wedge_impl.h), overridable to compare both
   contours.  */
#ifndef GD_WEDGE_RATIO
#define GD_WEDGE_RATIO DEQ_WEDGE_RATIO
#endif

static void set_err(deq_error *err, const char *fmt, ...)
{
  if (!err) return;
  deq_error_clear(err);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

static void contour_free(gd_contour *c)
{
  free(c->z);
  free(c->w);
  free(c->kappa);
  free(c->df1);
  free(c->kdf);
  memset(c, 0, sizeof *c);
}

/* The edges of the nonzero sample spectrum; *null = 1 if Sigma_hat has
   an atom at 0 (P < N).  sp has full rank (reduce_spectrum).  At P = N
   the lower edge is 0 (up to rounding, clamped).  */
static deq_status sample_edges(double *lo, double *hi, int *null,
                               const deq_spectrum *sp, double P,
                               deq_error *err)
{
  deq_freeprob_support *sup = NULL;
  deq_status st = deq_freeprob_sample_support(&sup, sp, P);
  if (st != DEQ_OK) return st;
  if (sup->n == 0 || (sup->atom0 > 0) != (P < sp->dim)) {
    deq_freeprob_support_free(sup);
    set_err(err, "full-batch GD: no continuous sample spectrum, or an atom "
            "at 0 where none is expected (P = %g, N = %g)", P, sp->dim);
    return DEQ_EUNSUP;
  }
  *lo = fmax(sup->lo[0], 0.0);
  *hi = sup->hi[sup->n - 1];
  *null = P < sp->dim;
  deq_freeprob_support_free(sup);
  if (*hi > *lo && isfinite(*hi)) return DEQ_OK;
  set_err(err, "full-batch GD: no usable sample spectrum [%g, %g] (P = %g, "
          "N = %g)", *lo, *hi, P, sp->dim);
  return DEQ_EUNSUP;
}

/* Zero eigenvalues of Sigma carry no target power (deq_spectrum_update)
   and span an invariant subspace of Sigma_hat that Sigma annihilates:
   they neither learn nor enter the risk.  A singular Sigma is therefore
   the same problem as its nonzero atoms alone, with N = rank.  *use is
   sp itself, or a reduced copy in *owned (to be freed).  */
static deq_status reduce_spectrum(const deq_spectrum **use,
                                  deq_spectrum **owned,
                                  const deq_spectrum *sp)
{
  *owned = NULL;
  *use = sp;
  if (!(sp->rank < sp->dim)) return DEQ_OK;
  size_t k = 0;
  for (size_t i = 0; i < sp->n; i++) k += sp->s[i] > 0;
  deq_spectrum *r = NULL;
  deq_status st = deq_spectrum_alloc(&r, k);
  if (st != DEQ_OK) return st;
  k = 0;
  for (size_t i = 0; i < sp->n; i++)
    if (sp->s[i] > 0) {
      r->s[k] = sp->s[i];
      r->m[k] = sp->m[i];
      r->v[k] = sp->v[i];
      k++;
    }
  r->exact = sp->exact;
  st = deq_spectrum_update(r, NULL);
  if (st != DEQ_OK) {
    deq_spectrum_free(r);
    return st;
  }
  *owned = r;
  *use = r;
  return DEQ_OK;
}

deq_status deq_gd_lr_bound(double *eta_max, const deq_spectrum *sp, double P)
{
  if (!eta_max || !sp) return DEQ_EINVAL;
  if (!(P > 0) || !isfinite(P)) return DEQ_EDOM;
  deq_freeprob_support *sup = NULL;
  deq_status st = deq_freeprob_sample_support(&sup, sp, P);
  if (st != DEQ_OK) return st;
  *eta_max = sup->n ? 2 / sup->hi[sup->n - 1] : INFINITY;
  deq_freeprob_support_free(sup);
  return DEQ_OK;
}

static deq_status check_eta(double eta, double hi, deq_error *err)
{
  if (!(eta > 0) || !isfinite(eta)) {
    set_err(err, "step size eta = %g must be positive and finite", eta);
    return DEQ_EDOM;
  }
  if (eta * hi < 2) return DEQ_OK;
  set_err(err, "unstable step size: eta = %.6g is not below the stability "
          "bound 2/hi = %.6g (|1 - eta s| > 1 on part of the sample "
          "spectrum: the iteration diverges)", eta, 2 / hi);
  return DEQ_EDOM;
}

/* P < N on the lens: kappa = kappa0 + delta with delta accurate to the
   last digits as z -> 0 (a plain solve leaves an absolute error of
   eps kappa0 in it).  Newton on z(kappa0 + delta) - z written without
   cancellation, P - df1(kappa0 + delta) = delta sum m s/((s + kappa0)(s
   + kappa)) (spec 6.2, anchored at the ridgeless root), from the plain
   solve.  Then kdf = kappa df1(kappa) - kappa0 df1(kappa0) = delta sum m
   s^2/((s + kappa)(s + kappa0)): the variance's integrand, less a
   multiple of the entire (1 - G)^2/z^2 whose integral vanishes, is
   -(1 - G)^2 kdf/z^2, of size O(1) per node where (1 - G)^2 kappa0 P/z^2
   would be O(eta t) (and lose that many digits by cancellation).  */
static deq_status anchor_nodes(gd_contour *c, const deq_spectrum *sp,
                               double P)
{
  cplx zero = 0, k0c;
  deq_status st = deq_twopoint_kappa_c(&k0c, NULL, sp, P, &zero, NULL);
  if (st != DEQ_OK) return st;
  double k0 = creal(k0c);
  if (!(k0 > 0) || cimag(k0c) != 0) return DEQ_ENOCONV;
  c->kappa0 = k0;
  c->kdf = malloc(c->n * sizeof *c->kdf);
  if (!c->kdf) return DEQ_ENOMEM;
  for (size_t j = 0; j < c->n; j++) {
    cplx d = c->kappa[j] - k0, k = c->kappa[j], S2 = 0;
    for (int it = 0; it < 3; it++) {
      cplx S = 0, D2 = 0;
      S2 = 0;
      k = k0 + d;
      for (size_t i = 0; i < sp->n; i++) {
        double si = sp->s[i], mi = sp->m[i];
        cplx r = 1 / (si + k), r0 = 1 / (si + k0);
        S += mi * si * (r * r0);
        S2 += mi * si * si * (r * r0);
        D2 += mi * si * si * (r * r);
      }
      cplx F = k * d * S / P - c->z[j], dF = 1 - D2 / P;
      d -= F / dF;
    }
    c->kappa[j] = k0 + d;
    c->kdf[j] = d * S2;
  }
  return DEQ_OK;
}

/* kappa and df1 at the upper-half nodes, with warm starts along the
   contour (anchored for P < N on the lens); the lower half by
   conjugation.  */
static deq_status solve_nodes(gd_contour *c, const deq_spectrum *sp, double P)
{
  size_t n = c->n;
  for (size_t j = 0; j < n; j++) {
    deq_status st = deq_twopoint_kappa_c(&c->kappa[j], NULL, sp, P, &c->z[j],
                                         j ? &c->kappa[j - 1] : NULL);
    if (st != DEQ_OK) return st;
  }
  if (c->wedge && c->null) {
    deq_status st = anchor_nodes(c, sp, P);
    if (st != DEQ_OK) return st;
  }
  for (size_t j = 0; j < n; j++) {
    cplx k = c->kappa[j], d = 0;
    for (size_t i = 0; i < sp->n; i++)
      d += sp->m[i] * sp->s[i] / (sp->s[i] + k);
    c->df1[j] = d;
  }
  for (size_t j = 0; j < n; j++) {
    c->kappa[2 * n - 1 - j] = conj(c->kappa[j]);
    c->df1[2 * n - 1 - j] = conj(c->df1[j]);
  }
  return DEQ_OK;
}

/* The contour for (sp, P, eta): geometry, nodes, kappa.  */
static deq_status contour_build(gd_contour *c, const deq_spectrum *sp,
                                double P, double eta, deq_error *err)
{
  memset(c, 0, sizeof *c);
  double lo, hi;
  int null;
  deq_status st = sample_edges(&lo, &hi, &null, sp, P, err);
  if (st != DEQ_OK) return st;
  st = check_eta(eta, hi, err);
  if (st != DEQ_OK) return st;
  deq_contour ct = { 0 };
  if (deq_contour_plan(&ct, lo, hi, eta, GD_WEDGE_RATIO)) {
    set_err(err, "full-batch GD: eta = %.6g is too close to the stability "
            "bound 2/hi = %.6g for the contour (%.0f nodes, more than %d)",
            eta, 2 / hi, ct.want, DEQ_ELLIPSE_MAX_NODES);
    return DEQ_EUNSUP;
  }
  size_t n = ct.n;
  c->n = n;
  c->null = null;
  c->wedge = ct.wedge;
  c->z = malloc(2 * n * sizeof *c->z);
  c->w = malloc(2 * n * sizeof *c->w);
  c->kappa = malloc(2 * n * sizeof *c->kappa);
  c->df1 = malloc(2 * n * sizeof *c->df1);
  if (!c->z || !c->w || !c->kappa || !c->df1) {
    contour_free(c);
    return DEQ_ENOMEM;
  }
  for (size_t k = 0; k < 2 * n; k++)
    deq_contour_node(&ct, k, &c->z[k], &c->w[k]);
  st = solve_nodes(c, sp, P);
  if (st != DEQ_OK) contour_free(c);
  return st;
}

/* x^t for an integer t >= 0 by repeated squaring.  */
static cplx cpow_int(cplx x, double t)
{
  cplx r = 1;
  while (t > 0) {
    double h = floor(t / 2);
    if (t - 2 * h) r *= x;
    x *= x;
    t = h;
  }
  return r;
}

/* The two-point form with A = Sigma (deq/twopoint.h) reduces to
     form(z1, z2) = sum_i v_i b1_i b2_i / (1 - gamma12),
     P (1 - gamma12) = (P - N) + sum m b1 + sum m a1 b2   (no cancellation),
   a = s/(s + kappa), b = kappa/(s + kappa) per atom and node: the same
   fused pass as deq_twopoint_eval_c with the per-node divisions hoisted
   out of the n x 2n pairs.  */
static cplx pair_form(const deq_spectrum *sp, double P, const cplx *a1,
                      const cplx *b1, const cplx *b2, cplx sum_mb1)
{
  cplx vbb = 0, mab = 0;
  for (size_t i = 0; i < sp->n; i++) {
    vbb += sp->v[i] * (b1[i] * b2[i]);
    mab += sp->m[i] * (a1[i] * b2[i]);
  }
  return P * vbb / ((P - sp->dim) + sum_mb1 + mab);
}

#define GD_MAX_TABLE 4194304.0   /* nodes x atoms per table (64 MiB) */

/* pair[j*2n + k] = w_j w_k form(z_j, z_k)/(z_j z_k), j upper, k all.
   form is symmetric and form(conj z1, conj z2) = conj form(z1, z2); the
   lower weights are -conj(w), so pair[k][conj j] = conj pair[j][conj k]
   and the upper block is symmetric: only k >= j is computed.  With f0
   (the lens for P < N: f0[k] = form(0, z_k), K00 = form(0, 0)) the
   form is replaced by form - f0[j] - f0[k] + K00, analytic at z = 0
   where the lens passes (the poles at 0 are summed by plan_signal).  */
static deq_status pair_matrix(cplx **out, const gd_contour *c,
                              const deq_spectrum *sp, double P,
                              const cplx *f0, double K00, deq_error *err)
{
  size_t n = c->n, n2 = 2 * n, K = sp->n;
  if ((double) n * (double) K > GD_MAX_TABLE) {
    set_err(err, "full-batch GD: %zu contour nodes x %zu atoms exceed the "
            "table limit %.0f (coarsen the spectrum)", n, K, GD_MAX_TABLE);
    return DEQ_EUNSUP;
  }
  cplx *pm = malloc(n * n2 * sizeof *pm);
  cplx *A = malloc(n * K * sizeof *A), *B = malloc(n * K * sizeof *B);
  cplx *Bc = malloc(K * sizeof *Bc);
  cplx *mb = malloc(n * sizeof *mb);
  if (!pm || !A || !B || !Bc || !mb) {
    free(pm), free(A), free(B), free(Bc), free(mb);
    return DEQ_ENOMEM;
  }
  for (size_t j = 0; j < n; j++) {
    cplx k = c->kappa[j], sum = 0;
    for (size_t i = 0; i < K; i++) {
      cplx r = 1 / (sp->s[i] + k);
      A[j * K + i] = sp->s[i] * r;
      B[j * K + i] = k * r;
      sum += sp->m[i] * B[j * K + i];
    }
    mb[j] = sum;
  }
  for (size_t k = 0; k < n; k++) {
    size_t kc = n2 - 1 - k;     /* the node conj(z_k) */
    for (size_t i = 0; i < K; i++) Bc[i] = conj(B[k * K + i]);
    for (size_t j = 0; j <= k; j++) {
      const cplx *aj = A + j * K, *bj = B + j * K;
      cplx f = pair_form(sp, P, aj, bj, B + k * K, mb[j]);
      cplx g = pair_form(sp, P, aj, bj, Bc, mb[j]);
      if (f0) {
        f += K00 - f0[j] - f0[k];
        g += K00 - f0[j] - conj(f0[k]);
      }
      cplx wz_j = c->w[j] / c->z[j];
      pm[j * n2 + k] = pm[k * n2 + j] = wz_j * c->w[k] / c->z[k] * f;
      pm[j * n2 + kc] = wz_j * c->w[kc] / c->z[kc] * g;
      pm[k * n2 + (n2 - 1 - j)] = conj(pm[j * n2 + kc]);
    }
  }
  free(A), free(B), free(Bc), free(mb);
  *out = pm;
  return DEQ_OK;
}

/* signal = (1/2 pi i)^2 sum_{j,k} G_j G_k pair_jk = -2 Re(upper part)/(4
   pi^2); G = (1 + eta z)^t per node (all 2n).  */
static double signal_sum(const cplx *pm, const cplx *G, size_t n)
{
  size_t n2 = 2 * n;
  cplx s = 0;
  for (size_t j = 0; j < n; j++) {
    cplx r = 0;
    const cplx *row = pm + j * n2;
    for (size_t k = 0; k < n2; k++) r += row[k] * G[k];
    s += G[j] * r;
  }
  return (0.0 - creal(s)) / (2 * M_PI * M_PI);   /* +0 rather than -0 */
}

/* (1/P) tr[Sigma h_t(S)] = Im(upper part of sum w h_t(-z) (kappa/z)
   df1)/(pi P); omg = 1 - G per node (1: t = +Inf on the ellipse).  */
static double variance_sum(const gd_contour *c, const cplx *omg, double P)
{
  cplx s = 0;
  for (size_t j = 0; j < c->n; j++) {
    cplx one_minus = omg[j];
    if (c->kdf) {   /* the lens, P < N: see anchor_nodes */
      cplx zi = 1 / c->z[j];
      s -= c->w[j] * one_minus * one_minus * zi * zi * c->kdf[j];
      continue;
    }
    cplx h = -one_minus * one_minus / c->z[j];
    s += c->w[j] * h * c->kappa[j] / c->z[j] * c->df1[j];
  }
  return cimag(s) / (M_PI * P);
}

static void fill_point(deq_gd_point *o, double t, double signal,
                       double variance, double noise)
{
  o->step = t;
  o->signal = signal;
  o->variance = noise > 0 ? noise * variance : 0;
  o->E_g = o->signal + o->variance;
  o->E_test = o->E_g + noise;
  o->status = isfinite(o->E_g) ? DEQ_OK : DEQ_EDIVERGE;
}

static int step_ok(double t)
{
  return t == INFINITY || (t >= 0 && t <= 0x1p53 && t == floor(t));
}

static deq_status check_common(const deq_spectrum *sp, double P, double noise,
                               deq_error *err)
{
  if (!sp) return DEQ_EINVAL;
  if (!(P > 0) || !isfinite(P) || !(noise >= 0) || !isfinite(noise)) {
    set_err(err, "need P > 0 (got %g) and a finite noise >= 0 (got %g)", P,
            noise);
    return DEQ_EDOM;
  }
  return DEQ_OK;
}

/* Everything a run needs: the contour, the pair matrix, G per node.  */
typedef struct deq_gd_plan {
  gd_contour c;
  cplx *pm, *G, *step;
  cplx *omg;      /* 1 - G per node (the variance's filter) */
  cplx *lg;       /* the lens: log(1 + eta z) per node, so that G and 1 -
                     G stay accurate where z -> 0 */
  deq_spectrum *owned;   /* a singular Sigma's nonzero atoms */
  double P;
  double inf_signal, inf_variance;   /* the lens: t = +Inf in closed form */
  /* P < N: the residues at z = 0 (null space of Sigma_hat, where GD does
     not move): cross[k] = w_k form(0, z_k)/z_k on the upper nodes and
     form00 = form(0, 0), the ridgeless bias.  */
  cplx *cross;
  double form00;
} gd_plan;

static void plan_free(gd_plan *p)
{
  contour_free(&p->c);
  deq_spectrum_free(p->owned);
  free(p->omg);
  free(p->lg);
  free(p->cross);
  free(p->pm);
  free(p->G);
  free(p->step);
}

/* form(0, z) with kappa(0) = kappa0 > 0, the root of df1 = P: there
   P - df1(kappa0) = P z/kappa = 0 exactly, so the denominator of
   pair_form is sum m a0 b2 without the cancelling (P - N) + sum m b0.
   *f0 gets form(0, z_k) on every node (2n).  The ellipse leaves z = 0
   outside, so the double integral's poles at 0 are residues: cross_k =
   w_k form(0, z_k)/z_k.  The lens passes through z = 0, so the pair
   matrix takes form - f0_j - f0_k + form00, analytic there, and cross_k
   = w_k (form(0, z_k) - form00)/z_k; either way the signal is the
   double sum + 2 (1/2 pi i) sum G cross + form00 (plan_signal).  */
static deq_status null_terms(gd_plan *p, cplx **f0, const deq_spectrum *sp,
                             double P)
{
  size_t n = p->c.n, K = sp->n;
  cplx zero = 0, k0;
  deq_status st = deq_twopoint_kappa_c(&k0, NULL, sp, P, &zero, NULL);
  if (st != DEQ_OK) return st;
  if (!(creal(k0) > 0) || cimag(k0) != 0) return DEQ_ENOCONV;
  p->cross = malloc(n * sizeof *p->cross);
  *f0 = malloc(2 * n * sizeof **f0);
  cplx *a0 = malloc(K * sizeof *a0), *b0 = malloc(K * sizeof *b0);
  cplx *b2 = malloc(K * sizeof *b2);
  if (!p->cross || !*f0 || !a0 || !b0 || !b2) {
    free(a0), free(b0), free(b2);
    return DEQ_ENOMEM;
  }
  cplx sum_mb0 = (double) (sp->dim - P);   /* P - N + sum m b0 = 0 */
  double df1 = 0, df2 = 0;
  for (size_t i = 0; i < K; i++) {
    a0[i] = sp->s[i] / (sp->s[i] + k0);
    b0[i] = k0 / (sp->s[i] + k0);
    df1 += sp->m[i] * creal(a0[i]);
    df2 += sp->m[i] * creal(a0[i] * a0[i]);
  }
  p->form00 = creal(pair_form(sp, P, a0, b0, b0, sum_mb0));
  /* t = +Inf: the bias stays on the null space; (1/P) tr Sigma
     Sigma_hat^+ = gamma0/(1 - gamma0) with P - df2 = df1 - df2 at kappa0
     (no cancellation).  */
  p->inf_signal = p->form00;
  p->inf_variance = df2 / (df1 - df2);
  double sub = p->c.wedge ? p->form00 : 0;
  for (size_t k = 0; k < n; k++) {
    cplx kk = p->c.kappa[k];
    for (size_t i = 0; i < K; i++) b2[i] = kk / (sp->s[i] + kk);
    (*f0)[k] = pair_form(sp, P, a0, b0, b2, sum_mb0);
    (*f0)[2 * n - 1 - k] = conj((*f0)[k]);
    p->cross[k] = p->c.w[k] / p->c.z[k] * ((*f0)[k] - sub);
  }
  free(a0), free(b0), free(b2);
  return DEQ_OK;
}

/* log(1 + x) for complex x, accurate as x -> 0.  */
static cplx clog1p(cplx x)
{
  double re = creal(x), im = cimag(x);
  return CMPLX(0.5 * log1p(2 * re + re * re + im * im), atan2(im, 1 + re));
}

/* exp(x) - 1 for complex x, accurate as x -> 0.  */
static cplx cexpm1(cplx x)
{
  double re = creal(x), im = cimag(x), sh = sin(im / 2);
  return CMPLX(expm1(re) * cos(im) - 2 * sh * sh, exp(re) * sin(im));
}

static deq_status plan_build(gd_plan *p, const deq_spectrum *sp0, double P,
                             double eta, deq_error *err)
{
  memset(p, 0, sizeof *p);
  const deq_spectrum *sp;
  deq_status st = reduce_spectrum(&sp, &p->owned, sp0);
  if (st == DEQ_OK) st = contour_build(&p->c, sp, P, eta, err);
  if (st != DEQ_OK) {
    deq_spectrum_free(p->owned);
    return st;
  }
  size_t n2 = 2 * p->c.n;
  cplx *f0 = NULL;
  p->G = malloc(n2 * sizeof *p->G);
  p->omg = malloc(n2 * sizeof *p->omg);
  p->step = malloc(n2 * sizeof *p->step);
  p->lg = malloc(n2 * sizeof *p->lg);
  if (!p->G || !p->omg || !p->step || !p->lg) st = DEQ_ENOMEM;
  if (st == DEQ_OK && p->c.null) st = null_terms(p, &f0, sp, P);
  if (st == DEQ_OK)
    st = pair_matrix(&p->pm, &p->c, sp, P, p->c.wedge ? f0 : NULL,
                     p->form00, err);
  free(f0);
  if (st != DEQ_OK) {
    plan_free(p);
    return st;
  }
  if (!p->c.null) {   /* t = +Inf: Sigma_hat invertible, no bias left */
    p->inf_signal = 0;
    p->inf_variance = P > sp->dim ? sp->dim / (P - sp->dim) : INFINITY;
  }
  for (size_t k = 0; k < n2; k++) {
    p->step[k] = 1 + eta * p->c.z[k];
    p->lg[k] = clog1p(eta * p->c.z[k]);
  }
  p->P = P;
  return DEQ_OK;
}

/* The signal of G (per node): the contour block plus, for P < N, the
   poles at z = 0 with G(0) = 1 (null_terms):
     signal = [C x C] + 2 (1/2 pi i) sum_k G_k cross_k + form00,
   the middle sum being Im(upper part)/pi as lower = -conj(upper).  */
static double plan_signal(const gd_plan *p)
{
  double s = signal_sum(p->pm, p->G, p->c.n);
  if (!p->c.null) return s;
  cplx u = 0;
  for (size_t k = 0; k < p->c.n; k++) u += p->G[k] * p->cross[k];
  return s + 2 * cimag(u) / M_PI + p->form00;
}

/* G = (1 + eta z)^t and 1 - G per node.  On the lens, through
   exp(t log(1 + eta z)) so that 1 - G ~ -t eta z keeps its digits at
   the nodes near 0; on the ellipse by repeated squaring.  */
static void plan_filter(gd_plan *p, double t)
{
  size_t n2 = 2 * p->c.n;
  for (size_t k = 0; k < n2; k++) {
    if (p->c.wedge) {
      cplx x = t * p->lg[k];
      p->G[k] = cexp(x);
      p->omg[k] = -cexpm1(x);
    } else {
      p->G[k] = t == INFINITY ? 0 : cpow_int(p->step[k], t);
      p->omg[k] = 1 - p->G[k];
    }
  }
}

static void plan_eval(deq_gd_point *o, gd_plan *p, double P, double noise,
                      double t)
{
  if (p->c.wedge && t == INFINITY) {
    fill_point(o, t, p->inf_signal, p->inf_variance, noise);
    return;
  }
  plan_filter(p, t);
  fill_point(o, t, plan_signal(p), variance_sum(&p->c, p->omg, P), noise);
}

deq_status deq_gd_run(deq_gd_point *out, const deq_spectrum *sp, double P,
                      double noise, double eta, const double *T, size_t n,
                      deq_error *err)
{
  if (!out || (n && !T)) return DEQ_EINVAL;
  deq_status st = check_common(sp, P, noise, err);
  if (st != DEQ_OK) return st;
  for (size_t i = 0; i < n; i++)
    if (!step_ok(T[i])) {
      set_err(err, "step t = %g must be a non-negative integer <= 2^53 or "
              "inf (entry %.0f)", T[i], (double) i + 1);
      return DEQ_EDOM;
    }
  gd_plan p;
  st = plan_build(&p, sp, P, eta, err);
  if (st != DEQ_OK) return st;
  deq_status worst = DEQ_OK;
  for (size_t i = 0; i < n; i++) {
    plan_eval(&out[i], &p, P, noise, T[i]);
    if (out[i].status != DEQ_OK) worst = out[i].status;
  }
  plan_free(&p);
  return worst;
}

deq_status deq_gd_early_stop(deq_gd_point *best, const deq_spectrum *sp,
                             double P, double noise, double eta,
                             double t_max, deq_error *err)
{
  if (!best) return DEQ_EINVAL;
  deq_status st = check_common(sp, P, noise, err);
  if (st != DEQ_OK) return st;
  if (!(t_max >= 0 && t_max <= 1e7) || t_max != floor(t_max)) {
    set_err(err, "t_max = %g must be an integer in [0, %g]", t_max, 1e7);
    return DEQ_EDOM;
  }
  gd_plan p;
  st = plan_build(&p, sp, P, eta, err);
  if (st != DEQ_OK) return st;
  size_t n2 = 2 * p.c.n;
  for (size_t k = 0; k < n2; k++) p.G[k] = 1;
  for (double t = 0; t <= t_max; t++) {
    deq_gd_point o;
    if (p.c.wedge) {
      plan_filter(&p, t);
    } else {   /* the ellipse: G by one multiplication per step */
      for (size_t k = 0; k < n2; k++) p.omg[k] = 1 - p.G[k];
    }
    fill_point(&o, t, plan_signal(&p), variance_sum(&p.c, p.omg, P), noise);
    if (t == 0 || o.E_g < best->E_g) *best = o;
    for (size_t k = 0; k < n2; k++) p.G[k] *= p.step[k];
  }
  plan_free(&p);
  return best->status;
}

deq_status deq_gd_contour_mass(double *mass, size_t *nodes,
                               const deq_spectrum *sp0, double P, double eta,
                               deq_error *err)
{
  if (!mass) return DEQ_EINVAL;
  deq_status st = check_common(sp0, P, 0, err);
  if (st != DEQ_OK) return st;
  const deq_spectrum *sp;
  deq_spectrum *owned;
  st = reduce_spectrum(&sp, &owned, sp0);
  if (st != DEQ_OK) return st;
  gd_contour c;
  st = contour_build(&c, sp, P, eta, err);
  if (st != DEQ_OK) {
    deq_spectrum_free(owned);
    return st;
  }
  /* The lens passes through z = 0: for P < N the pole of the atom
     (residue 1 - P/N) is taken out, leaving the nonzero part as on the
     ellipse.  */
  double atom = c.wedge && c.null ? 1 - P / sp->dim : 0;
  cplx s = 0;
  for (size_t j = 0; j < c.n; j++) {
    cplx k = c.kappa[j], tr = 0;
    for (size_t i = 0; i < sp->n; i++) tr += sp->m[i] / (sp->s[i] + k);
    s += c.w[j] * (k * tr / sp->dim - atom) / c.z[j];
  }
  *mass = cimag(s) / M_PI;
  if (nodes) *nodes = c.n;
  contour_free(&c);
  deq_spectrum_free(owned);
  return DEQ_OK;
}

deq_status deq_gd_plan_alloc(deq_gd_plan **out, const deq_spectrum *sp,
                             double P, double eta, deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  deq_status st = check_common(sp, P, 0, err);
  if (st != DEQ_OK) return st;
  gd_plan *p = malloc(sizeof *p);
  if (!p) return DEQ_ENOMEM;
  st = plan_build(p, sp, P, eta, err);
  if (st != DEQ_OK) {
    free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

void deq_gd_plan_free(deq_gd_plan *plan)
{
  if (!plan) return;
  plan_free(plan);
  free(plan);
}

deq_status deq_gd_plan_eval(deq_gd_point *out, deq_gd_plan *plan,
                            double noise, double t, deq_error *err)
{
  if (!out || !plan) return DEQ_EINVAL;
  if (!(noise >= 0) || !isfinite(noise)) {
    set_err(err, "noise = %g must be finite and >= 0", noise);
    return DEQ_EDOM;
  }
  if (!step_ok(t)) {
    set_err(err, "step t = %g must be a non-negative integer <= 2^53 or "
            "inf", t);
    return DEQ_EDOM;
  }
  plan_eval(out, plan, plan->P, noise, t);
  return out->status;
}
