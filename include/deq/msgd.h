/* deq/msgd.h -- multi-pass SGD on P fixed samples (ridge_family 5.4).
 *
 * Data set: P samples x_mu = Sigma^(1/2) z_mu (z Gaussian), y_mu = wbar.x_mu
 * + eps_mu, eps ~ N(0, sigma^2), Sigma_hat = X'X/P.  Every step draws B
 * indices uniformly WITH replacement from the P samples:
 *
 *   w_{t+1} = w_t - (eta/B) sum_{b<B} x_{i_b} (x_{i_b}.w_t - y_{i_b}),  w_0 = 0.
 *
 * The gradient noise has covariance (1/B)[(1/P) sum_mu r_mu^2 x_mu x_mu' -
 * g g'] (r the residuals, g the full gradient); its decoupling (1/P) sum_mu
 * r_mu^2 x_mu x_mu' ~ L_t Sigma_hat, dropping the subleading g g' and
 * rank-one terms, gives the Volterra pair
 *
 *   L_t = L_t^GD + (eta^2/B) sum_{s<t} K_L(t-1-s) L_s,
 *   R_t = R_t^GD + (eta^2/B) sum_{s<t} K_R(t-1-s) L_s,
 *   K_L(tau) = tr[Sigma_hat^2 (I - eta Sigma_hat)^(2 tau)],
 *   K_R(tau) = tr[Sigma Sigma_hat (I - eta Sigma_hat)^(2 tau)],
 *   L_t^GD = wbar' Sigma_hat (I - eta Sigma_hat)^(2t) wbar
 *            + (sigma^2/P) [(P - N) + tr (I - eta Sigma_hat)^(2t)],
 *
 * L_t = E |y - X w_t|^2/P the training error (noise included), R_t the
 * excess test risk, R_t^GD full-batch GD's (deq_gd_plan, two-point
 * function).  The kernels and L^GD are one-point functions of Sigma_hat,
 * evaluated as contour integrals of tr(Sigma_hat + z)^-1 ~ (kappa/z)
 * tr(Sigma + kappa)^-1 and its Sigma- and wbar-weighted versions on the
 * contour of full-batch GD (an ellipse around the sample spectrum inside
 * |1 + eta z| < 1).  The form was derived and verified by Monte Carlo only,
 * not compared with the paper's own SGD formulas (the sheet's [U]).
 *
 * P = +Inf is the one-pass limit: Sigma_hat = Sigma, the same pair with
 * atom sums, L = R + sigma^2.  It is deq_sgd_run with m4 = 2: the
 * decoupling drops the Gaussian fourth-moment term (m4 - 2) eta^2 s^2/B of
 * the exact one-pass recursion, a relative O(eta s_max) difference.
 *
 * Stability: bounded iff eta < 2/hi (full-batch GD) and
 *   S(eta, B) = (eta/B) tr[Sigma_hat (2 - eta Sigma_hat)^-1] < 1,
 * the L-kernel's total mass (eta^2/B) sum_tau K_L(tau).  S is a one-point
 * function at the real point z = -2/eta beyond the spectrum:
 * S = -df1(kappa(-2/eta))/B with the real kappa of that point.
 * Supported: any finite P (P = N and near N on full-batch GD's lens
 * through z = 0) with a full-rank Sigma, or P = +Inf.
 * Constant eta and B only (a schedule would need full-batch GD's two-point
 * sum with per-step products instead of (1 + eta z)^t).  */
#ifndef DEQ_MSGD_H
#define DEQ_MSGD_H

#include <stddef.h>
#include <stdint.h>
#include "deq/status.h"
#include "deq/spectrum.h"
#include "deq/mc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_msgd_point {
  double step;      /* t */
  double epoch;     /* t B/P: passes over the data (0 at P = +Inf) */
  double E_g;       /* R_t, excess test risk */
  double E_test;    /* R_t + sigma^2 */
  double E_tr;      /* L_t, training error |y - X w_t|^2/P */
  double E_g_gd;    /* R_t^GD, full-batch GD at the same eta */
  double E_tr_gd;   /* L_t^GD */
  deq_status status;
} deq_msgd_point;

/* S(eta, B) above (DEQ_OK also when S >= 1; eta >= 2/hi gives +Inf).  */
deq_status deq_msgd_noise_mass(double *S, const deq_spectrum *sp, double P,
                               double eta, double batch);

/* The largest stable eta: sup{eta < 2/hi : S(eta, B) < 1} (bisection to a
   relative 1e-13).  Any P, or +Inf.  */
deq_status deq_msgd_lr_bound(double *eta_max, const deq_spectrum *sp,
                             double P, double batch);

/* A plan for one (sp, P, sigma^2, eta, B): the contour, the full-batch
   GD plan and the Volterra solution, grown on demand (doubling) to the
   largest step asked.  Cost: O(T n_c) for the kernels (n_c contour nodes,
   64 .. 2048 on the ellipse, 1067 on the lens near P = N) plus O(T log^2 T) for the Volterra solve, then O(t +
   n_c^2) per reported step.  Steps up to 1e7.  DEQ_EDOM (bad value,
   unstable eta: the bound in err), DEQ_EUNSUP (a singular Sigma, an
   infinite spectrum at finite P, eta too close to 2/hi for the contour:
   message in err).  The spectrum is
   borrowed.  */
typedef struct deq_msgd_plan deq_msgd_plan;
deq_status deq_msgd_plan_alloc(deq_msgd_plan **out, const deq_spectrum *sp,
                               double P, double noise, double eta,
                               double batch, deq_error *err);
void deq_msgd_plan_free(deq_msgd_plan *plan);
deq_status deq_msgd_plan_eval(deq_msgd_point *out, deq_msgd_plan *plan,
                              double t, deq_error *err);

/* Convenience: the points at the steps T[0..n-1] (any order).  */
deq_status deq_msgd_run(deq_msgd_point *out, const deq_spectrum *sp,
                        double P, double noise, double eta, double batch,
                        const double *T, size_t n, deq_error *err);

/* The one-point functions behind the theory at steps 0..T-1 (any array
   may be NULL): K_L, K_R, wbar' Sigma_hat (I - eta Sigma_hat)^(2t) wbar
   and tr (I - eta Sigma_hat)^(2t) (unnormalised traces).  For tests and
   figures.  */
deq_status deq_msgd_kernels(double *K_L, double *K_R, double *signal,
                            double *trace, const deq_spectrum *sp, double P,
                            double eta, size_t T, deq_error *err);

/* Monte Carlo (lib/mc_msgd.c): per trial one data set (X, y) sampled in
   Sigma's eigenbasis, then actual SGD with B indices drawn uniformly with
   replacement per step; E_g (excess test risk, exact in the eigenbasis)
   and E_tr (|y - X w|^2/P) at the integer steps T[0..n-1] (any order),
   mean and standard error over trials >= 2.  Exact spectrum, finite
   integer P and B.  Trial t uses the stream (seed, t): bitwise identical
   for any thread count.  */
deq_status deq_mc_msgd_run(deq_mc_estimate *E_g, deq_mc_estimate *E_tr,
                           const deq_spectrum *sp, double P, double noise,
                           double eta, double batch, const double *T,
                           size_t n, size_t trials, uint64_t seed,
                           int threads);

#ifdef __cplusplus
}
#endif
#endif
