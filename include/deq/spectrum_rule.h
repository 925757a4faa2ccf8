/* deq/spectrum_rule.h -- compressed spectra: per-bin Gauss rules that
 * replace a large spectrum in every real-axis sum over its atoms.
 *
 * The atoms with s > 0 are cut into bins [2^e, 2^(e+1)) of eigenvalue
 * ratio 2.  A bin with more atoms than the rule would have is replaced by
 * the DEQ_RULE_NODES-point Gauss rule of its discrete measure sum m_i
 * delta(s_i) (nodes with v = 0) and, if it carries target power, the
 * Gauss rule of sum v_i delta(s_i) (nodes with m = 0).  Other bins and
 * atoms with s = 0 stay as they are.  Built in O(n DEQ_RULE_NODES) by the
 * discretised Stieltjes procedure and the eigen-decomposition of the
 * Jacobi matrix (Golub-Welsch).
 *
 * Bound.  For f(s) = s^p / prod (s + kappa_j) with every kappa_j >= 0,
 * p <= 2 and at most 3 factors (every resolvent-type sum of the solvers:
 * df1, df2, df3, complements, gaps, anchored sums, t1, B, dB/dk, and m/s,
 * v/s at kappa = 0), the sum over a bin is positive and the rule's
 * relative error on it is at most
 *     4 u^2 (2/l)^3 rho^(1-2n) / (rho - 1),
 *     u = 3/2 + (rho + 1/rho)/4,  l = 3/2 - (rho + 1/rho)/4,
 * for every rho in (1, 3 + sqrt 8) (Chebyshev truncation on the Bernstein
 * ellipse; the poles -kappa_j <= 0 are at distance >= l 2^e from it).  For
 * n = 14 nodes the minimum over rho is 8.1e-16, uniformly in kappa >= 0;
 * all terms being positive, the same bound holds for the whole sum.
 * deq_spectrum_rule_bound() returns it; rounding adds a few ulps.
 *
 * The factors are bounded one by one, so the kappa_j need not coincide:
 * the two-point sums at two ridges (poles -kappa1, -kappa2 and 0) have
 * the same bound.
 *
 * Where it is used: deq_moments_pass (every deq_resolvent_* function, the
 * ridge, random-feature, correlated and ensemble solvers built on it), at
 * kappa >= 0 only; corr's K sums; deq_twopoint_solve with A = I or
 * A = Sigma (given as sp->s); the pair sums of feature-subsampled views
 * on a diagonal Sigma, on rules of their own non-negative per-atom
 * measures (same bins and bound, deq/ensemble_views.h).  Not used for
 * complex arguments (densities, two-point contour sums), signed per-atom
 * weights (two-point --weight-values), (1 - eta s)^(2t) sums
 * (GD, multi-pass SGD; one-pass SGD selects bins by a bound of its own,
 * lib/sgd_rule.c), or by Monte Carlo, which samples the original atoms.
 *
 * The rule and the exact-sums setting belong to the spectrum's arrays and
 * size: a spectrum at the same address with other arrays has neither.
 *
 * deq_spectrum_update (and every constructor) marks the rule due when the
 * spectrum has at least DEQ_RULE_MIN_ATOMS atoms, and the first sum that
 * needs it builds it (thread-safe; spectra never summed on the real axis
 * never pay for it).  It is NULL when no bin is worth compressing.  One-pass
 * SGD's bins (the rule with each bin's atoms) are kept the same way: built
 * by the first SGD solve after an update, then shared by every state and
 * thread; so is SGD's stability bound per batch and m4 (deq_sgd_lr_bound).
 * Changing atoms requires deq_spectrum_update, as for dim and
 * trace.  */
#ifndef DEQ_SPECTRUM_RULE_H
#define DEQ_SPECTRUM_RULE_H

#include "deq/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEQ_RULE_NODES 14
/* Spectra with fewer atoms keep exact sums (a pass is cheap already, and
   their results stay bitwise those of exact sums).  */
#define DEQ_RULE_MIN_ATOMS 4096

/* A compressed spectrum: n atoms in the deq_spectrum layout (m-nodes have
   v = 0, v-nodes m = 0; untouched atoms keep both).  */
typedef struct deq_spectrum_rule {
  size_t n;        /* atoms of the rule */
  double *s, *m, *v;
  size_t source;   /* atoms of the spectrum it replaces */
  size_t bins;     /* occupied bins of ratio 2 */
  size_t gauss;    /* bins replaced by Gauss rules */
} deq_spectrum_rule;

/* Build the rule of sp with `nodes` points per bin and measure (1..64).
   *out = NULL (and DEQ_OK) when no bin has more atoms than its rule.  */
deq_status deq_spectrum_rule_build(deq_spectrum_rule **out,
                                   const deq_spectrum *sp, int nodes);
void deq_spectrum_rule_free(deq_spectrum_rule *rule);

/* The rule attached to sp, built now if due (NULL: sums run over the
   atoms themselves).  */
const deq_spectrum_rule *deq_spectrum_rule_get(const deq_spectrum *sp);

/* exact = 1: drop sp's rule and never attach one (exact sums);
   exact = 0: attach the rule again.  */
deq_status deq_spectrum_set_exact_sums(deq_spectrum *sp, int exact);
int deq_spectrum_exact_sums(const deq_spectrum *sp);

/* Process-wide default for spectra updated from now on (the CLI's
   --exact): 1 exact sums, 0 compressed (the default).  */
void deq_spectrum_exact_sums_default(int exact);

/* The relative error bound stated above for `nodes` points per bin.  */
double deq_spectrum_rule_bound(int nodes);

#ifdef __cplusplus
}
#endif
#endif
