/* lib/mp_law_impl.h -- the Marchenko-Pastur law of a sample covariance
 * with identity population (ratio q = dim/samples, mean 1): quadrature
 * nodes and its Stieltjes transform in closed form.  Private; used by
 * the depth (icl_depth.c) and chain-of-thought (cot.c) modules.  The
 * edges and the atom come from the public closed forms of deq/freeprob.h
 * (deq_freeprob_mp_edges); the Stieltjes transform here is their
 * real-axis form with its derivative.  */
#ifndef DEQ_MP_LAW_IMPL_H
#define DEQ_MP_LAW_IMPL_H

#include <stddef.h>

/* The law with ratio q > 0: continuous part on [(1 - sqrt q)^2,
   (1 + sqrt q)^2] of mass min(1, 1/q), an atom of mass (1 - 1/q)_+ at 0.
   Quadrature: lambda = m + r cos(theta), theta_k = (k + 1/2) pi/n (the
   midpoint rule in theta), weights w_k = r^2 sin^2(theta_k)/(2 pi q
   lambda_k) pi/n.  The edge square roots are absorbed, so the rule is
   spectrally accurate for smooth integrands and exact for lambda times
   a polynomial of degree < 2n - 1.  */
typedef struct deq_mp_law {
  double q, lo, hi;      /* ratio and the edges of the continuous part */
  double atom;           /* mass at 0: (1 - 1/q)_+ */
  size_t n;              /* quadrature nodes */
  double *lambda, *w;    /* n nodes and weights (continuous part) */
} deq_mp_law;

/* Nodes for ratio q > 0 (n >= 1); DEQ_ENOMEM / DEQ_EINVAL.  */
int deq_mp_law_init(deq_mp_law *law, double q, size_t n);
void deq_mp_law_free(deq_mp_law *law);

/* Nodes for the integrals int f(lambda) (1 - gamma lambda)^r dmu, r <= R
   (chain of thought): composite Gauss-Legendre in theta with per_panel
   nodes per panel (<= 64), the panels graded geometrically (ratio 2)
   toward both ends of [0, pi] down to the width 1/sqrt(gamma sqrt(q) R)
   of the peak of |1 - gamma lambda|^R there.  About 18 panels at
   R = 2e4 instead of the 16 sqrt(R/2) nodes the midpoint rule needs.  */
int deq_mp_law_init_graded(deq_mp_law *law, double q, double gamma, double R,
                           size_t per_panel);

/* Stieltjes transform g(z) = int dmu(lambda)/(lambda - z) (atom included)
   and g'(z), for real z outside the support (z != 0 when there is an
   atom); closed form, with the root chosen without cancellation.  */
void deq_mp_law_stieltjes(double *g, double *dg, double q, double z);

#endif
