/* deq/twopoint.h -- two-point deterministic equivalents.
 *
 * Setting as in deq/ridge.h: Sigma_hat = X'X/P for P samples x ~ N(0,
 * Sigma).  For two ridges z1, z2 (real >= 0, or complex off the negative
 * real axis) let kappa_i = kappa(z_i) solve
 *     z = kappa (1 - df1(kappa)/P)                  (the ridge equation)
 * on the branch continued from the positive real axis, R_i = (Sigma +
 * kappa_i)^-1, and A a matrix diagonal in Sigma's eigenbasis with weight
 * a_i on atom i's eigenspace.  Then (arXiv 2502.05074; spec section 5.1)
 *     T := z1 z2 (Sigma_hat + z1)^-1 A (Sigma_hat + z2)^-1
 *       ~ kappa1 kappa2 R1 A R2
 *         + kappa1 kappa2 cross/(P (1 - gamma12)) R1 Sigma R2,
 *     gamma12 = tr[Sigma R1 Sigma R2]/P,   cross = tr[A R2 Sigma R1].
 * Reported, per atom (s, m, v, a) with a_ = s/(s+kappa), b_ = kappa/(s+kappa):
 *     gamma12 = (1/P) sum m a_1 a_2
 *     cross_trace = sum m a s/((s+kappa1)(s+kappa2))                 (unnormalised)
 *     trace   = tr T = sum m a b_1 b_2 + c sum m s/((s+k1)(s+k2)) kappa1 kappa2
 *     trace_per_dim = trace/N   (N = dim, the number of directions)
 *     form    = wbar' T wbar = sum (v/s) a b_1 b_2 + c sum v b_1 b_2
 * with c = cross/(P (1 - gamma12)).  The target enters through deq's
 * convention v = s * (sum of wbar_k^2 over the atom's eigenspace), so an
 * atom contributes (v/s) times its diagonal value of T to the form; atoms
 * with s = 0 carry v = 0 and add nothing to the form (and a m to the
 * trace: T is exactly A there).
 *
 * At z1 = z2 = lambda this is ridge: gamma12 = gamma, and with A = Sigma
 * (weights a = s) form = B(kappa)/(1 - gamma), the bias of E_g (deq_ridge
 * `bias`), and trace = tr of the ridge's lambda^2 (S+l)^-1 Sigma (S+l)^-1.
 * 1 - gamma12 is formed without cancellation as
 *     P (1 - gamma12) = C1 + sum m a_1 b_2 = C2 + sum m a_2 b_1,
 * C_i = P - df1(kappa_i) = (P - rank) + sum m b_i when rank <= P, else
 * P z_i/kappa_i at the fixed point (the average of the two forms is used).
 * It vanishes only at z1 = z2 = 0 with rank = P (the interpolation peak):
 * then amplification = 1/(1 - gamma12) = +Inf, the status is
 * DEQ_EDIVERGE, and trace, form, cross keep their finite limits.
 *
 * Accuracy: the real path takes kappa from deq_ridge_solve (anchored,
 * ~1e-15 relative down to z = 1e-14); the complex path solves kappa(z)
 * by Newton in the plain form, so for rank > P its relative accuracy is
 * about 1e-16 |kappa|/|z| as z -> 0.  Eigenvalues and |kappa| should lie
 * within 1e+-150 (no rescaled kernel, unlike deq/resolvent.h).  */
#ifndef DEQ_TWOPOINT_H
#define DEQ_TWOPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "deq/spectrum.h"
#include "deq/freeprob.h"   /* deq_complex */
#include "deq/mc.h"         /* deq_mc_estimate */

#ifdef __cplusplus
extern "C" {
#endif

/* One real point (z1, z2 >= 0).  */
typedef struct deq_twopoint_point {
  double P, z1, z2;            /* inputs */
  double kappa1, kappa2;       /* kappa(z1), kappa(z2) (deq_ridge_solve) */
  double gamma12;              /* tr[Sigma R1 Sigma R2]/P */
  double one_minus_gamma12;    /* 1 - gamma12 without cancellation */
  double amplification;        /* 1/(1 - gamma12); +Inf at divergence */
  double cross_trace;          /* tr[A R2 Sigma R1] */
  double trace;                /* tr T */
  double trace_per_dim;        /* tr T / N */
  double form;                 /* wbar' T wbar */
  int iterations;              /* spectrum passes (both kappa solves + 1) */
  deq_status status;           /* DEQ_OK, DEQ_EDIVERGE, or the failure */
} deq_twopoint_point;

/* One complex point: the same quantities, complex.  */
typedef struct deq_twopoint_cpoint {
  double P;
  deq_complex z1, z2;
  deq_complex kappa1, kappa2;
  deq_complex gamma12, one_minus_gamma12, amplification;
  deq_complex cross_trace, trace, trace_per_dim, form;
  int iterations;              /* Newton passes of both kappa solves + 1 */
  deq_status status;
} deq_twopoint_cpoint;

/* Real z1, z2 >= 0 (finite), P > 0, weights a[0..sp->n-1] (one per atom,
   finite; NULL: A = I; pass sp->s for A = Sigma).  warm: a solved point
   at nearby (z1, z2) and the same P, or NULL (then kappa_i is bitwise
   deq_ridge_solve's; a warm start may move it by an ulp).  DEQ_EDOM for z < 0, P <= 0
   or a non-finite weight.  With A = I or A = Sigma (a == sp->s) the sums
   run over sp's compressed rule when it has one (deq/spectrum_rule.h:
   within 8.1e-16 relative); other weights sum every atom.  */
deq_status deq_twopoint_solve(deq_twopoint_point *out, const deq_spectrum *sp,
                              double P, double z1, double z2, const double *a,
                              const deq_twopoint_point *warm);

/* The renormalised ridge kappa(z) for complex z off the negative real
   axis (z = 0 allowed), by safeguarded Newton on kappa (1 - df1/P) = z:
   backtracking on |residual|, steps kept off the poles kappa = -s.
   warm (may be NULL): kappa at a nearby z on the same branch (e.g. the
   previous node of a contour): Newton starts there.  Without warm, or if
   Newton from warm fails or lands off the branch (sign of Im kappa !=
   sign of Im z), the branch is followed from the real point |z| along
   the arc of radius |z| (the tangent dkappa/dz = 1/(1 - df2/P) predicts
   each step).  Real z >= 0 uses deq_ridge_solve.  *iterations (may be
   NULL) gets the number of spectrum passes.  DEQ_EDOM on the negative
   real axis (Im z = 0, Re z < 0) or for non-finite z.  */
deq_status deq_twopoint_kappa_c(deq_complex *kappa, int *iterations,
                                const deq_spectrum *sp, double P,
                                const deq_complex *z, const deq_complex *warm);

/* Complex z1, z2 (by address, so that C++ callers pass std::complex):
   every field of the real point, complex.  warm: a solved point at nearby
   z1, z2 (same P, same branch) or NULL; its kappa1, kappa2 start the two
   Newton solves.  In a contour loop, pass the previous node's point.  */
deq_status deq_twopoint_solve_c(deq_twopoint_cpoint *out,
                                const deq_spectrum *sp, double P,
                                const deq_complex *z1, const deq_complex *z2,
                                const double *a,
                                const deq_twopoint_cpoint *warm);

/* Given kappa1, kappa2 already solved (e.g. one kappa per contour node,
   reused for every pair of nodes): the one fused pass only.  Above the
   rank, C_i = P - df1(kappa_i) is taken from the fixed point as P
   z_i/kappa_i, so kappa_i must be solved (deq_twopoint_kappa_c).  */
deq_status deq_twopoint_eval_c(deq_twopoint_cpoint *out,
                               const deq_spectrum *sp, double P,
                               const deq_complex *z1, const deq_complex *z2,
                               const deq_complex *kappa1,
                               const deq_complex *kappa2, const double *a);

/* MPFR twin of deq_twopoint_solve (z1, z2 > 0; prec bits >= 53): kappa by
   geometric bisection, sums and formulas with prec bits.  DEQ_EUNSUP for
   z = 0.  */
deq_status deq_mp_twopoint(deq_twopoint_point *out, const deq_spectrum *sp,
                           double P, double z1, double z2, const double *a,
                           long prec);

/* ------------------------------------------------------------ Monte Carlo
   Per trial: X (P x N) Gaussian in Sigma's eigenbasis (exact spectrum,
   integer multiplicities, N <= 2^20), one thin SVD X = U diag(d) V', and
   for each z2 of the list M_i = z_i (Sigma_hat + z_i)^-1 = I - V diag(
   e/(e + z_i)) V' with e = d^2/P (e beyond the numerical rank counts as
   0), so z = 0 is allowed.  Sampled: trace = tr[M1 A M2] and form =
   wbar' M1 A M2 wbar (wbar_k^2 = v_i/(m_i s_i)).  Trial t uses stream
   (seed, t); trials are reduced in order: bitwise identical for any
   thread count.  */
typedef struct deq_mc_twopoint_row {
  double z2;
  deq_mc_estimate trace, form;
} deq_mc_twopoint_row;

/* rows[j] for z2[j], j < nz2; z1 >= 0, z2[j] >= 0; trials >= 2; P >= 1
   an integer; a as above (NULL: identity).  threads <= 0: one per core.  */
deq_status deq_mc_twopoint_run(deq_mc_twopoint_row *rows,
                               const deq_spectrum *sp, size_t P, double z1,
                               const double *z2, size_t nz2, const double *a,
                               size_t trials, uint64_t seed, int threads);

#ifdef __cplusplus
}
#endif
#endif
