/* deq/cot.h -- depth and chain of thought in in-context regression by
 * linear attention: L-step in-context gradient descent with its optimal
 * learning rate (spec icl_cot.md section 3), and chain of thought as
 * iterative refinement (section 4).
 *
 * RECONSTRUCTIONS.  Both models are the solvable models of the spec sheet,
 * rebuilt from the papers' abstracts (Bordelon, Letey, Pehlevan, arXiv
 * 2510.01098; Takanami, Pehlevan, arXiv 2606.03217).  The formulas are
 * exact for these models (checked here against Monte Carlo), but they
 * are not verified to be the papers' models or equations.
 *
 * Depth (section 3, ISO): x ~ N(0, I_D), beta ~ N(0, I_D),
 * y = beta.x/sqrt(D) + sigma eps, context P = alpha D; L layers perform
 * b <- b + (gamma/L)(1/P) X'(y - X b) from b = 0.  For large D
 *   R(gamma; L, alpha, s2) = s2 + (1 - alpha)_+
 *     + int [(1 - gamma l/L)^(2L) + (s2/alpha)(1 - (1 - gamma l/L)^L)^2/l]
 *       dmu_MP(l)   (continuous part of Marchenko-Pastur, ratio 1/alpha),
 * the test risk including the noise s2.
 *
 * Chain of thought (section 4): x_i ~ N(0, I/d), w ~ N(0, I_d),
 * y_i = w.x_i + eps_i, eps ~ N(0, rho), context l = alpha d; pretraining
 * on n = tau d contexts fits Gamma by least squares on the weights
 * (tau > 1; tau = Inf: the population optimum gamma* I); T reasoning
 * steps w_{t+1} = w_t + Gamma (h - Sigma_hat w_t) from w_0 = 0.  e_T =
 * (1/d) E|w_T - w|^2, the excess risk of a fresh query (its test risk is
 * rho + e_T).  */
#ifndef DEQ_COT_H
#define DEQ_COT_H

#include <stddef.h>
#include <stdint.h>
#include "deq/status.h"
#include "deq/spectrum.h"
#include "deq/mc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ depth */

typedef struct deq_icl_depth_point {
  double alpha;      /* context length / dimension */
  double layers;     /* L >= 1 */
  double noise;      /* sigma^2 */
  double gamma;      /* the learning rate (gamma* when optimised) */
  double E_test;     /* R(gamma; L, alpha, sigma^2), noise included */
  double E_g;        /* E_test - sigma^2 */
  int iterations;    /* minimiser steps (0 at a given gamma) */
  deq_status status;
} deq_icl_depth_point;

/* R at a given gamma >= 0: alpha > 0, integer layers >= 1, noise >= 0.
   DEQ_EDOM outside the domain (out untouched but status/NaN risks).  */
deq_status deq_icl_depth_risk(deq_icl_depth_point *out, double gamma,
                              double layers, double alpha, double noise);

/* The optimal learning rate gamma* in (0, 2L/lambda_+) and R*: a scan
   of the interval, then Brent's minimiser around the best cell.  */
deq_status deq_icl_depth_optimal(deq_icl_depth_point *out, double layers,
                                 double alpha, double noise);

/* Infinite context with random rotations (section 3.3, numeric only):
   R(L) = min_gamma sum_i v_i (1 - gamma s_i/L)^(2L) over the atoms of a
   spectrum with target powers (the sheet's capacity lambda_k = k^-a and
   source lambda_k b_k = k^-(1 + a r) are deq's powerlaw alpha = a,
   r = r/2).  *gamma (may be NULL) gets the minimiser.  */
deq_status deq_icl_depth_rrs(double *R, double *gamma, const deq_spectrum *sp,
                             double layers);

/* The same sum at a given learning rate gamma >= 0 (not minimised):
   R(gamma; L) = sum_i v_i (1 - gamma s_i/L)^(2L), the alpha -> Inf limit
   of deq_icl_depth_risk minus the noise when the spectrum is isotropic
   (one atom s = 1, v = 1).  DEQ_EDOM for gamma < 0, bad layers or a
   spectrum without target power; DEQ_EDIVERGE when the sum overflows.  */
deq_status deq_icl_depth_rrs_risk(double *R, double gamma,
                                  const deq_spectrum *sp, double layers);

/* ------------------------------------------------------------ chain of thought */

typedef enum deq_cot_phase {
  DEQ_COT_EXPONENTIAL = 0,   /* alpha > 1, r < 1: e_T -> rho/(alpha - 1)
                                geometrically */
  DEQ_COT_POLYNOMIAL = 1,    /* alpha = 1: the MP edge at 0, power laws
                                in T */
  DEQ_COT_SATURATION = 2,    /* alpha < 1, tau >= tau_c: a floor >= 1 -
                                alpha from the context's null space */
  DEQ_COT_AMPLIFICATION = 3  /* tau < tau_c: r > 1, e_T grows like r^2T */
} deq_cot_phase;

typedef struct deq_cot_info {
  double gamma;      /* gamma* = 1/(1 + (1 + rho)/alpha) */
  double sbar;       /* gamma*(1 - gamma*)/(tau - 1), 0 at tau = Inf */
  double r;          /* spectral radius of I - Gamma Sigma_hat (large d) */
  double tau_c;      /* amplification below tau_c (Inf: never above) */
  double e_inf;      /* rho/(alpha - 1) for alpha > 1, else NaN */
  deq_cot_phase phase;
  deq_status status;
} deq_cot_info;

/* The phase diagram at (alpha, tau, rho): alpha > 0, tau > 1 (Inf
   allowed), rho >= 0; DEQ_EDOM otherwise.  */
deq_status deq_cot_phase_info(deq_cot_info *out, double alpha, double tau,
                              double rho);

/* Name of a phase ("exponential", ...), "?" if out of range.  */
const char *deq_cot_phase_name(deq_cot_phase phase);

/* e_T for T = 0 .. tmax into e[0..tmax] (e_0 = 1).  The ladder sum is
   evaluated by a recursion over the quadrature nodes of the MP law,
   O(tmax^2 nq) time and O(tmax nq) memory (nq grows like log tmax:
   about 250 at tmax = 1e4, about 10 s of CPU there), which stops once
   its rungs have decayed below 1e-17 e_T (convergent phases; then
   O(nq) per depth); tau = Inf costs O(tmax nq).  Where the curve leaves the double range
   (amplification) the remaining values are +Inf and the status is
   DEQ_EDIVERGE; never NaN.  */
deq_status deq_cot_risk_curve(double *e, size_t tmax, double alpha,
                              double tau, double rho);

/* The same curve by the spec's O(T^4) ladder over MP moments (a
   reference for tests; tmax <= 200).  */
deq_status deq_cot_risk_ladder(double *e, size_t tmax, double alpha,
                               double tau, double rho);

/* The optimal depth: T* = the first argmin of e_T over 1 <= T <= tmax
   (tmax >= 1, else DEQ_EINVAL),
   e* = e_{T*}; *overthinking = 1 if e_T rises above e* again by tmax (a
   deeper chain is worse than stopping at T*).  */
deq_status deq_cot_optimal_depth(size_t *tstar, double *estar,
                                 int *overthinking, size_t tmax, double alpha,
                                 double tau, double rho);

/* A reusable curve: the recursion's state, extended on demand, so that
   a depth grid costs one sweep.  alloc checks the parameters.  */
typedef struct deq_cot_curve deq_cot_curve;
deq_status deq_cot_curve_alloc(deq_cot_curve **out, double alpha, double tau,
                               double rho);
void deq_cot_curve_free(deq_cot_curve *c);
/* e_T at depth T (extends the recursion as needed).  */
deq_status deq_cot_curve_at(double *e, deq_cot_curve *c, size_t T);

/* ------------------------------------------------------------ MPFR twins */

/* e_T by the O(T^4) ladder with prec bits (T <= 64); the MP quadrature
   uses nq nodes (0: twice the double solver's).  */
deq_status deq_mp_cot_risk(double *e, size_t T, double alpha, double tau,
                           double rho, size_t nq, long prec);

/* R(gamma; L, alpha, sigma^2) with prec bits (nq as above).  */
deq_status deq_mp_icl_depth_risk(double *R, double gamma, double layers,
                                 double alpha, double noise, size_t nq,
                                 long prec);

/* deq_icl_depth_rrs_risk with prec bits.  */
deq_status deq_mp_icl_depth_rrs_risk(double *R, double gamma,
                                     const deq_spectrum *sp, double layers,
                                     long prec);

/* ------------------------------------------------------------ Monte Carlo */

/* Chain of thought (section 4.4): per trial, pretraining on n =
   round(tau d) contexts of l = round(alpha d) tokens (Gamma by least
   squares; tau = Inf: Gamma = gamma* I), then `tests` fresh contexts
   refined for every depth in depth[0..ndepth-1]; est[j] is e_T at
   depth[j] averaged over the tests.  Trial t uses the stream (seed, t):
   bitwise identical for any thread count.  */
deq_status deq_mc_cot_run(deq_mc_estimate *est, size_t d, double alpha,
                          double tau, double rho, const double *depth,
                          size_t ndepth, size_t tests, size_t trials,
                          uint64_t seed, int threads);

/* Depth (section 3.2): per trial one context (D, P = round(alpha D)) and
   L-step GD at gamma[j] for layers[j], j < n; est[j] is the test risk
   sigma^2 + |beta/sqrt(D) - b_L|^2.  */
deq_status deq_mc_icl_depth_run(deq_mc_estimate *est, size_t D, double alpha,
                                double noise, const double *layers,
                                const double *gamma, size_t n, size_t trials,
                                uint64_t seed, int threads);

#ifdef __cplusplus
}
#endif
#endif
