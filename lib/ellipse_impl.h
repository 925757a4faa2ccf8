/* lib/ellipse_impl.h -- the ellipse contour shared by full-batch GD
 * (gd.c) and multi-pass SGD (msgd_kernels.c); the geometry is explained
 * at the top of gd.c.  The ellipse has foci -lo, -hi (the edges of the
 * nonzero sample spectrum) and elliptic parameter rho = rho_max/2, with
 * rho_max the smaller of the parameters of z = 0 and of the stability
 * circle |1 + eta z| = 1; the midpoint trapezoid rule on it with 2n
 * nodes has error about exp(-n rho_max), so n = DEQ_ELLIPSE_EXPONENT /
 * rho_max (at least DEQ_ELLIPSE_MIN_NODES).  Not installed.  */
#ifndef DEQ_ELLIPSE_IMPL_H
#define DEQ_ELLIPSE_IMPL_H

#include <complex.h>
#include <math.h>
#include <stddef.h>

#define DEQ_ELLIPSE_MIN_NODES 64
#define DEQ_ELLIPSE_MAX_NODES 2048
#define DEQ_ELLIPSE_EXPONENT 40.0   /* n rho_max: error about e^-40 */

typedef struct deq_ellipse {
  double mid, a, b;  /* centre and semi-axes */
  double dth;        /* pi/n */
  size_t n;          /* nodes on the upper half */
  double want;       /* nodes the rule asks for (> MAX_NODES: refused) */
} deq_ellipse;

/* Plan the ellipse for edges 0 < lo < hi and step size eta (eta hi < 2).
   Returns 0, or -1 if it would need more than DEQ_ELLIPSE_MAX_NODES
   nodes (e->want says how many).  */
static inline int deq_ellipse_plan(deq_ellipse *e, double lo, double hi,
                                   double eta)
{
  double mid = -(lo + hi) / 2, f = (hi - lo) / 2;
  double rho0 = acosh((hi + lo) / (hi - lo));
  double rho_eta = acosh((2 / eta + mid) / f);
  double rho_max = fmin(rho0, rho_eta), rho = rho_max / 2;
  e->want = ceil(DEQ_ELLIPSE_EXPONENT / rho_max);
  if (!(e->want <= DEQ_ELLIPSE_MAX_NODES)) return -1;
  e->n = e->want < DEQ_ELLIPSE_MIN_NODES ? DEQ_ELLIPSE_MIN_NODES
                                         : (size_t) e->want;
  e->mid = mid;
  e->a = f * cosh(rho);
  e->b = f * sinh(rho);
  e->dth = M_PI / (double) e->n;
  return 0;
}

/* Node k (0 <= k < 2n; k < n on the upper half) and its weight dz.  */
static inline void deq_ellipse_node(const deq_ellipse *e, size_t k,
                                    double complex *z, double complex *w)
{
  double th = ((double) k + 0.5) * e->dth;
  *z = e->mid + e->a * cos(th) + I * (e->b * sin(th));
  *w = (-e->a * sin(th) + I * (e->b * cos(th))) * e->dth;
}

#endif
