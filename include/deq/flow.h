/* deq/flow.h -- gradient flow of a linear random-feature model: the
 * deterministic equivalent of "A Dynamical Model of Neural Scaling Laws"
 * (Bordelon-Atanasov-Pehlevan 2024; scaling_dynamics 2.1-2.3).
 *
 * Teacher y = wbar.x + eps, x ~ N(0, Sigma), eps ~ N(0, sigma^2); student
 * f(x) = v.(A x)/sqrt(N), A (N x D) iid N(0, 1); gradient flow on
 * (1/2P) sum_mu (y_mu - f(x_mu))^2 from v = 0.  The loss is the excess risk
 *     L(t) = E (w_eff(t) - wbar)' Sigma (w_eff(t) - wbar),  w_eff = A'v/sqrt(N),
 * so L(0) = sum_i v_i (the signal).  The Laplace variable s acts as a ridge
 * on v (normalised by P); the renormalised ridge kappa(s) solves
 *     s = kappa (1 - df1(kappa)/N)(1 - df1(kappa)/P),  df1 = sum m s_i/(s_i + kappa)   (2.1)
 * on the branch with kappa ~ s at |s| -> infinity, the two-point function
 * T(s, s') = s s' E[e^(s) Sigma e^(s')] is (2.2), and
 *     L(t) = (1/2 pi i)^2 double integral e^((s+s')t) T(s,s')/(s s') ds ds'
 * is evaluated on the Weideman-Trefethen parabola (2.3) in long double.
 * N, P may be INFINITY (no bottleneck).  Atoms (s_i, m_i, v_i) of a deq
 * spectrum; v_i is the target power s_i sum wbar_k^2 of the atom.
 * Status of the formulas: (2.1)-(2.2) are tagged [D] + [V-MC] in the sheet
 * (derived there, checked against simulation); see the manual.  */
#ifndef DEQ_FLOW_H
#define DEQ_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include "deq/status.h"
#include "deq/spectrum.h"
#include "deq/mc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Contour: n = 2M + 1 parabola nodes, mu = mu_scale pi n/(12 t).
   M = 0 and mu_scale = 0 mean the defaults (M = 24 for the double
   contour, 32 for the single one; mu_scale = 1).  Measured in long double
   (the manual): relative error about 1e-9 (at most 2e-8 seen) while
   L(t) > 1e-3 L(0), below that an absolute error of order 1e-11 L(0).
   The double contour's roundoff grows like e^(pi n mu_scale/6)
   LDBL_EPSILON, so M >= 32 at mu_scale = 1 is worse, not better.  */
typedef struct deq_flow_opts {
  int M;
  double mu_scale;
} deq_flow_opts;

void deq_flow_opts_init(deq_flow_opts *o);

/* The renormalised ridge kappa(s) of (2.1) for real s >= 0 (N, P > 0,
   possibly INFINITY).  s = 0 gives the ridgeless kappa_0: the root of
   df1(kappa_0) = min(N, P) when rank > min(N, P), else 0.  */
deq_status deq_flow_kappa(double *kappa, const deq_spectrum *sp, double N,
                          double P, double s);

/* The static random-feature ridge risk T(lambda, lambda) (ridge lambda on
   v, normalised by P), lambda >= 0; lambda = 0 is the ridgeless limit,
   i.e. L(t = infinity).  +Inf with DEQ_EDIVERGE at an interpolation peak.  */
deq_status deq_flow_static(double *E, const deq_spectrum *sp, double N,
                           double P, double noise, double lambda);

/* L(t) for each t[i] >= 0 (t = 0: the signal; t = INFINITY: the ridgeless
   static risk) by the double contour integral.  opt may be NULL.  Returns
   the first failure; DEQ_EDIVERGE (with L = +Inf) only for t = INFINITY
   at an interpolation peak.  */
deq_status deq_flow_loss(double *L, const deq_spectrum *sp, double N,
                         double P, double noise, const double *t, size_t nt,
                         const deq_flow_opts *opt);

/* P = infinity only: the single-integral form (2.4),
       L(t) = (1/2 pi i) int e^(2st) (kappa/s) sum_i v_i/(s_i + kappa) ds,
   s = kappa (1 - df1(kappa)/N), on the same parabola (noise drops out).  */
deq_status deq_flow_loss_single(double *L, const deq_spectrum *sp, double N,
                                const double *t, size_t nt,
                                const deq_flow_opts *opt);

/* Direct simulation (lib/mc_flow.c, spec 2.5): per trial P samples x =
   Sigma^(1/2) z (Gaussian, Sigma's eigenbasis), y = wbar.x + sigma eps,
   features A (N x D) iid N(0, 1), and the gradient flow solved exactly
   at every time by the thin SVD of X A'/sqrt(N P) (no time stepping);
   t = INFINITY is the minimum-norm interpolant (the ridgeless limit).
   E_g at the times t[0..nt-1] >= 0, mean and standard error over trials
   >= 2.  N and P finite integers (DEQ_EUNSUP for INFINITY), the spectrum
   exact (integer multiplicities), D max(N, P) and N P at most 2^27.
   Trial t uses the stream (seed, t): bitwise identical for any thread
   count.  */
deq_status deq_mc_flow_run(deq_mc_estimate *E_g, const deq_spectrum *sp,
                           double N, double P, double noise, const double *t,
                           size_t nt, size_t trials, uint64_t seed,
                           int threads);

/* One point of the `flow` model (deq/model.h: deq_model_flow).  */
typedef struct deq_flow_point {
  double N, P, t, noise;  /* inputs */
  double E_g;             /* L(t), the excess risk */
  double E_test;          /* E_g + sigma^2 */
  double kappa0;          /* ridgeless kappa_0 (the t = infinity ridge) */
  double signal;          /* L(0) = sum_i v_i */
  deq_status status;
} deq_flow_point;

#ifdef __cplusplus
}
#endif
#endif
