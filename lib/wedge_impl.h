/* lib/wedge_impl.h -- the lens contour of full-batch GD (gd.c) and
 * multi-pass SGD (msgd_kernels.c) when the sample spectrum reaches 0 or
 * comes close to it (P near N).
 *
 * The contour is the image of the two rays zeta = e^(v +- i theta0),
 * theta0 = 3 pi/4, under the Moebius map z = A zeta/(1 - zeta): two
 * circular arcs from z = 0 to z = -A that meet at both ends at 45 degrees
 * to the real axis.  It encloses the segment [-A, 0] (the map sends it to
 * the negative zeta axis), so with A > hi it encloses -spec(Sigma_hat)
 * even when the spectrum reaches 0 (P = N).  A = (hi + 2/eta)/2 keeps
 * the lens inside the stability disk |1 + eta z| < 1 (it touches its
 * boundary only at z = 0), so (1 + eta z)^t decays along it for any t.
 *
 * In the variable v the corner at z = 0 goes to v -> -infinity (z ~ A
 * e^v) and the one at -A to v -> +infinity (z + A ~ A e^-v): every
 * scale near the hard edge, down to the 1/(eta t) at which the GD
 * filter acts, is sampled uniformly in log |z|.  The integrands are
 * analytic in v on the strip |Im v| < pi/4 (turning the rays by pi/4
 * reaches the cut of kappa on one side and the tangent of the stability
 * disk on the other), so the trapezoid rule with step h has error about
 * exp(-2 pi (pi/4)/h) = exp(-pi^2/(2 h)): h = 0.15 gives e^-33.  The
 * ends: at the corner z = 0 the integrands decay at least like |z|^1/2
 * (the hard edge, P = N: the one-point density ~ s^-1/2 and the
 * two-point form ~ (z1 z2)^-1/2 (z1^1/2 + z2^1/2)^-1 times the weight
 * |z|), so v_min = -120 leaves e^-60 of the scale 1/(eta t) even at t =
 * 2^53; at -A they decay like e^-v, v_max = 40.  Not installed.  */
#ifndef DEQ_WEDGE_IMPL_H
#define DEQ_WEDGE_IMPL_H

#include <complex.h>
#include <math.h>
#include <stddef.h>

#include "ellipse_impl.h"

#define DEQ_WEDGE_STEP 0.15
#define DEQ_WEDGE_VMIN (-120.0)
#define DEQ_WEDGE_VMAX 40.0

/* The lens replaces the ellipse when the lower edge is below this
   fraction of the upper one (the ellipse would need more than ~630
   nodes; at P = N it cannot separate the spectrum from 0 at all).  */
#define DEQ_WEDGE_RATIO 1e-3

/* 1 if the edges lo <= hi of the sample spectrum call for the lens.  */
static inline int deq_wedge_wanted(double lo, double hi, double ratio)
{
  return !(lo > ratio * hi);
}

/* The nodes the ellipse would need for eta alone (the lens's far corner
   -A is halfway between hi and 2/eta, so it is as close to the
   stability circle): above DEQ_ELLIPSE_MAX_NODES eta is too close to
   2/hi for either contour.  */
static inline double deq_wedge_eta_want(double lo, double hi, double eta)
{
  double rho_eta = acosh((2 / eta - (lo + hi) / 2) / ((hi - lo) / 2));
  return DEQ_ELLIPSE_EXPONENT / rho_eta;
}

typedef struct deq_wedge {
  double A;         /* the far corner -A */
  double h, vmax;   /* step and the largest v */
  size_t n;         /* nodes on the upper arc (2n in all) */
} deq_wedge;

/* Plan the lens for the upper edge hi > 0 and step size eta (eta hi < 2).  */
static inline void deq_wedge_plan(deq_wedge *w, double hi, double eta)
{
  w->A = (hi + 2 / eta) / 2;
  w->h = DEQ_WEDGE_STEP;
  w->vmax = DEQ_WEDGE_VMAX;
  w->n = (size_t) ceil((DEQ_WEDGE_VMAX - DEQ_WEDGE_VMIN) / DEQ_WEDGE_STEP);
}

/* Node k (0 <= k < 2n) and its weight dz, in the layout of the ellipse
   (deq_ellipse_node): k < n on the upper arc, ordered from -A towards 0
   (so that kappa can be continued node to node), and node 2n-1-k the
   conjugate of node k with weight -conj(w_k).  With q = 1/zeta =
   e^(-v - i theta0): z = -A/(1 - q), dz/dv = A q/(1 - q)^2, formed so
   that neither end overflows or cancels.  */
static inline void deq_wedge_node(const deq_wedge *w, size_t k,
                                  double complex *z, double complex *wt)
{
  size_t j = k < w->n ? k : 2 * w->n - 1 - k;
  double v = w->vmax - ((double) j + 0.5) * w->h;
  double complex q = exp(-v) * CMPLX(cos(0.75 * M_PI), -sin(0.75 * M_PI));
  double complex om = 1 - q;
  double complex zz = -w->A / om, ww = w->A * q / (om * om) * w->h;
  *z = k < w->n ? zz : conj(zz);
  *wt = k < w->n ? ww : -conj(ww);
}

/* The contour of gd and msgd for a sample spectrum [lo, hi] and step
   size eta: the lens when the spectrum reaches 0 or nearly (lo below
   ratio hi), the ellipse otherwise.  */
typedef struct deq_contour {
  int wedge;        /* 1: the lens */
  deq_wedge wg;
  deq_ellipse e;
  size_t n;         /* nodes on the upper half (2n in all) */
  double want;      /* nodes the contour asks for */
} deq_contour;

/* Returns 0, or -1 when eta is too close to the bound 2/hi for either
   contour (c->want nodes, more than DEQ_ELLIPSE_MAX_NODES).  */
static inline int deq_contour_plan(deq_contour *c, double lo, double hi,
                                   double eta, double ratio)
{
  c->wedge = deq_wedge_wanted(lo, hi, ratio);
  if (c->wedge) {
    c->want = deq_wedge_eta_want(lo, hi, eta);
    if (!(c->want <= DEQ_ELLIPSE_MAX_NODES)) return -1;
    deq_wedge_plan(&c->wg, hi, eta);
    c->n = c->wg.n;
  } else {
    int bad = deq_ellipse_plan(&c->e, lo, hi, eta);
    c->want = c->e.want;
    if (bad) return -1;
    c->n = c->e.n;
  }
  return 0;
}

/* Node k (0 <= k < 2n) and its weight dz, in the ellipse's layout.  */
static inline void deq_contour_node(const deq_contour *c, size_t k,
                                    double complex *z, double complex *w)
{
  if (c->wedge)
    deq_wedge_node(&c->wg, k, z, w);
  else
    deq_ellipse_node(&c->e, k, z, w);
}

#endif
