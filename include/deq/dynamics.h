/* deq/dynamics.h -- learning dynamics: one-pass SGD on a spectrum.
 *
 * SGD with fresh samples every step, x = Sigma^(1/2) z with independent
 * coordinates z (E z^2 = 1, E z^4 = m4: 3 Gaussian, 1 Rademacher),
 * y = wbar.x + eps, eps ~ N(0, sigma^2):
 *
 *   w_{t+1} = w_t - eta_t (1/B_t) sum_{b<B_t} x_b (x_b.w_t - y_b),  w_0 = 0.
 *
 * eta_t is the step size of step t (w_t -> w_{t+1}), per step, and the
 * gradient is the batch MEAN.  The expected excess risk
 * R_t = E (w_t - wbar)' Sigma (w_t - wbar) obeys the exact recursion
 * (scaling_dynamics 3.1), written per atom i (eigenvalue s, multiplicity
 * m, target power v) for u_i = s_i sum over its directions of E e_k^2:
 *
 *   u_i(t+1) = a_i(t) u_i(t) + (eta_t^2/B_t) m_i s_i^2 (R_t + sigma^2),
 *   a_i(t)   = (1 - eta_t s_i)^2 + (m4 - 2) eta_t^2 s_i^2/B_t,
 *   R_t      = sum_i u_i(t),   u_i(0) = v_i.
 *
 * It costs O(n_atoms) per step for any schedule.  Weight averages
 * wbar_{t+1} = (1 - rho_t) wbar_t + rho_t w_{t+1} follow the exact
 * recursions of 3.2 at the same cost.  With constant eta and B the risk
 * is the Volterra equation R_t = F_t + (eta^2/B) sum_{s<t} K_{t-1-s}
 * (R_s + sigma^2), solved by deq_volterra_solve in O(T log^2 T) once F
 * and K are known (forming them from atoms costs O(T n_atoms), the same
 * order as the recursion; see the manual for which path is used when).
 *
 * Stability (constant eta, B): the stationary level exists iff every
 * a_i < 1 and S(eta, B) = sum_i (eta/B) m_i s_i/(2 - eta s_i (1 +
 * (m4 - 2)/B)) < 1; deq_sgd_lr_bound gives the largest such eta.  */
#ifndef DEQ_DYNAMICS_H
#define DEQ_DYNAMICS_H

#include <stddef.h>
#include <stdint.h>
#include "deq/status.h"
#include "deq/spectrum.h"
#include "deq/mc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ schedules */

typedef enum deq_lr_kind {
  DEQ_LR_CONSTANT = 0, /* eta */
  DEQ_LR_STEP = 1,     /* eta factor^j, j = the phase (every / samples) */
  DEQ_LR_COSINE = 2,   /* linear warmup, then cosine from eta to eta floor
                          at step horizon (held after it) */
  DEQ_LR_WSD = 3,      /* warmup, stable, then linear decay over the last
                          `decay` fraction of the horizon to eta floor */
  DEQ_LR_POWER = 4,    /* eta (1 + t/t0)^-power */
  DEQ_LR_TABLE = 5,    /* eta table[t] (per-step table, --lr-file) */
  DEQ_LR_SEESAW = 6,   /* Seesaw: per phase eta sqrt(factor)^j and batch
                          B/factor^j (replaces an lr decay by `factor`) */
  DEQ_LR_ANYTIME = 7   /* eta (1 + t/t0)^-power, horizon-free, meant with
                          the anytime average rho_t = c/(t + 1 + c) */
} deq_lr_kind;

typedef enum deq_batch_kind {
  DEQ_BATCH_CONSTANT = 0,
  DEQ_BATCH_RAMP = 1   /* B factor^j per phase, capped at max */
} deq_batch_kind;

/* A phase counter for step decay, Seesaw and the batch ramp: phase
   j = floor(t/every) if every > 0, else floor(n/samples) with n the
   samples consumed before step t.  */
typedef struct deq_sgd_schedule {
  double lr;               /* base step size eta > 0 */
  deq_lr_kind lr_kind;
  double every, samples;   /* phase length in steps or in samples */
  double factor;           /* step: lr factor per phase (0.5);
                              seesaw: the replaced lr factor (0.5) */
  double horizon, warmup;  /* cosine, wsd: steps */
  double decay;            /* wsd: decaying fraction of the horizon (0.2) */
  double floor;            /* cosine, wsd: final lr as a fraction of eta */
  double power, t0;        /* power, anytime */
  const double *table;     /* table: ntable values > 0 (borrowed) */
  size_t ntable;
  double batch;            /* base batch B > 0 */
  deq_batch_kind batch_kind;
  double batch_every, batch_samples, batch_factor, batch_max;
} deq_sgd_schedule;

/* eta = lr, constant; B = 1, constant; factor 0.5, decay 0.2, power 0.5,
   t0 = 1, batch_factor 2, batch_max +Inf.  */
void deq_sgd_schedule_init(deq_sgd_schedule *s);

/* Parse "NAME" or "NAME:key=value,..." (the --schedule text) into s's lr
   part, keeping s->lr: constant; step:every=N|samples=N[,factor=F];
   cosine:horizon=T[,warmup=W,floor=F]; wsd:horizon=T[,warmup=W,decay=D,
   floor=F]; power:power=A[,t0=T0]; seesaw:every=N|samples=N[,factor=F];
   anytime[:power=A,t0=T0].  Batch text: constant; ramp:every=N|samples=N
   [,factor=F,max=M].  Errors: DEQ_EPARSE/DEQ_EDOM with the reason in err.  */
deq_status deq_sgd_schedule_parse(deq_sgd_schedule *s, const char *text,
                                  deq_error *err);
deq_status deq_sgd_batch_parse(deq_sgd_schedule *s, const char *text,
                               deq_error *err);
/* Check the values (ranges, table entries); DEQ_EDOM with err.  */
deq_status deq_sgd_schedule_check(const deq_sgd_schedule *s, deq_error *err);

/* eta_t and B_t of step t (w_t -> w_{t+1}), n samples consumed before it.
   A table shorter than t + 1 holds its last value.  */
void deq_sgd_schedule_at(double *eta, double *batch,
                         const deq_sgd_schedule *s, double t, double n);
/* 1 if eta and B never change (the Volterra path applies).  */
int deq_sgd_schedule_is_constant(const deq_sgd_schedule *s);

/* ------------------------------------------------------------ averaging */

typedef enum deq_avg_kind {
  DEQ_AVG_NONE = 0,
  DEQ_AVG_TAIL = 1,     /* uniform average of the iterates floor((1 - f) T)
                           .. T at the reported step T (f = param) */
  DEQ_AVG_TAIL_FROM = 2,/* uniform average of the iterates s .. T (s =
                           param; before s the iterate itself) */
  DEQ_AVG_EMA = 3,      /* wbar <- beta wbar + (1 - beta) w, beta = param,
                           wbar_0 = w_0 */
  DEQ_AVG_ANYTIME = 4   /* rho_t = c/(t + 1 + c), c = param, wbar_0 = w_0 */
} deq_avg_kind;

typedef struct deq_sgd_average {
  deq_avg_kind kind;
  double param;
} deq_sgd_average;

/* "none", "tail:FRACTION", "tail:from=S", "ema:BETA", "anytime:C".  */
deq_status deq_sgd_average_parse(deq_sgd_average *a, const char *text,
                                 deq_error *err);

/* ------------------------------------------------------------ the recursion */

typedef struct deq_sgd_state deq_sgd_state;

/* A trajectory state at step 0 for the spectrum (with target powers),
   noise sigma^2 >= 0 and fourth moment m4 >= 1 (3 for Gaussian data).
   The spectrum and schedule are borrowed and must outlive the state.  */
deq_status deq_sgd_alloc(deq_sgd_state **out, const deq_spectrum *sp,
                         double noise, double m4,
                         const deq_sgd_schedule *sched,
                         const deq_sgd_average *avg);
void deq_sgd_free(deq_sgd_state *st);
/* Back to step 0.  */
void deq_sgd_reset(deq_sgd_state *st);
/* Check stability at every step taken: a step whose eta_t is not below
   deq_sgd_lr_bound(B_t) stops the run with DEQ_EDOM and the bound in
   err.  Off by default (then an overflowing risk is +Inf, DEQ_EDIVERGE).  */
void deq_sgd_check_stability(deq_sgd_state *st, int on);

typedef struct deq_sgd_point {
  double step;      /* T */
  double lr;        /* eta_T, the step size of step T */
  double batch;     /* B_T */
  double samples;   /* samples consumed to reach w_T */
  double E_g;       /* R_T, excess risk of the iterate */
  double E_test;    /* R_T + sigma^2 */
  double E_g_avg;   /* excess risk of the average (= E_g without one) */
  deq_status status;
} deq_sgd_point;

/* Advance to step T (>= the current step; a smaller T restarts from 0;
   a tail fraction averages its own window, started from a second state
   that walks the window starts) and fill out.  DEQ_EDIVERGE with +Inf risks if they
   leave the double range; DEQ_EDOM (message in err, may be NULL) if
   stability is checked and violated.  */
deq_status deq_sgd_advance(deq_sgd_point *out, deq_sgd_state *st, double T,
                           deq_error *err);

/* The atoms the state sums over: *atoms in all (rule nodes and kept
   atoms), *exact of them atoms of the spectrum.  A spectrum of at least
   DEQ_RULE_MIN_ATOMS atoms (deq/spectrum_rule.h) is compressed for SGD
   unless exact sums are forced (deq_spectrum_set_exact_sums, the CLI's
   --exact): the bins of eigenvalue ratio 2 that a bound admits for the
   horizon are replaced by their Gauss rules (every path sum of the
   recursion, its averages and the Volterra kernels within a relative
   1e-15; the bound and its proof are in the manual).  The horizon grows
   by a factor 4 when a step beyond it is asked for; if that changes the
   bins, the state runs again from step 0.  */
void deq_sgd_atoms_used(const deq_sgd_state *st, size_t *atoms,
                        size_t *exact);

/* Convenience: the trajectory at the steps T[0..n-1] (any order;
   increasing order costs only the largest step).  */
deq_status deq_sgd_run(deq_sgd_point *out, const deq_spectrum *sp,
                       double noise, double m4, const deq_sgd_schedule *sched,
                       const deq_sgd_average *avg, const double *T, size_t n,
                       deq_error *err);

/* The largest stable constant step size for batch B: sup{eta : every
   a_i < 1 and S(eta, B) < 1} (bisection to a relative 1e-15, about 50
   passes over the atoms).  Kept with the spectrum (as its compressed
   rule, deq/spectrum_rule.h) for the last 8 (batch, m4) pairs: later
   calls return the same double until deq_spectrum_update.  */
deq_status deq_sgd_lr_bound(double *eta_max, const deq_spectrum *sp,
                            double batch, double m4);
/* S(eta, B) and the stationary risk sigma^2 S/(1 - S) (+Inf with
   DEQ_EDIVERGE when S >= 1 or some a_i >= 1).  */
deq_status deq_sgd_stationary(double *R_inf, double *S,
                              const deq_spectrum *sp, double noise,
                              double eta, double batch, double m4);

/* ------------------------------------------------------------ Volterra form */

/* F_t = sum_i v_i a_i^t and K_t = sum_i m_i s_i^2 a_i^t, t < T, for
   constant eta and B.  O(T n_atoms), parallel over blocks of t; a
   spectrum without forced exact sums is compressed for the horizon T as
   in deq_sgd_atoms_used (each F_t, K_t within a relative 1e-15).  */
deq_status deq_sgd_volterra_kernels(double *F, double *K,
                                    const deq_spectrum *sp, double eta,
                                    double batch, double m4, size_t T);

/* R_t = F_t + c sum_{s<t} K_{t-1-s} (R_s + g), t = 0..T-1, by the
   blocked FFT convolution (FFTW): O(T log^2 T).  F, K >= 0, c >= 0 and
   g >= 0 make every term positive, so the result has a relative error of
   a few 1e-15 times log2 T.  DEQ_EDIVERGE (+Inf from the first
   overflowing R_t on) if the solution leaves the double range.  */
deq_status deq_volterra_solve(double *R, const double *F, const double *K,
                              double c, double g, size_t T);
/* Continue a solution: R[0..n0-1] are known (solved before with the
   same F, K, c, g); computes R[n0..T-1].  The known part's contribution
   to the new steps is one FFT convolution, the new steps a blocked solve
   as above.  Same accuracy and statuses.  */
deq_status deq_volterra_extend(double *R, const double *F, const double *K,
                               double c, double g, size_t n0, size_t T);
/* The same by the direct O(T^2) sum (a reference for tests).  */
deq_status deq_volterra_direct(double *R, const double *F, const double *K,
                               double c, double g, size_t T);

/* ------------------------------------------------------------ MPFR twin */

/* deq_sgd_run with prec bits (>= 53) for every arithmetic operation of
   the recursion and the averages (schedule values in double).  Meant for
   small T * n_atoms.  */
deq_status deq_mp_sgd(deq_sgd_point *out, const deq_spectrum *sp,
                      double noise, double m4, const deq_sgd_schedule *sched,
                      const deq_sgd_average *avg, const double *T, size_t n,
                      long prec);

/* ------------------------------------------------------------ Monte Carlo */

/* Direct one-pass SGD (lib/mc_sgd.c): w_0 = 0, every step draws B_t
   fresh samples x = Sigma^(1/2) z in Sigma's eigenbasis (z Gaussian, or
   Rademacher when m4 == 1), y = wbar.x + sigma eps, and the same averages;
   E_g and E_g_avg at the increasing steps T[0..n-1] (mean and standard
   error over trials >= 2).  The spectrum must be exact (integer
   multiplicities, dim <= 2^20) and every B_t an integer.  Trial t uses
   the stream (seed, t): bitwise identical for any thread count.  */
deq_status deq_mc_sgd_run(deq_mc_estimate *E_g, deq_mc_estimate *E_g_avg,
                          const deq_spectrum *sp, double noise, double m4,
                          const deq_sgd_schedule *sched,
                          const deq_sgd_average *avg, const double *T,
                          size_t n, size_t trials, uint64_t seed,
                          int threads);

/* Direct full-batch GD (lib/mc_gd.c): per trial one data set of P
   samples x = Sigma^(1/2) z (z Gaussian, in Sigma's eigenbasis), y =
   wbar.x + sigma eps, and GD from w_0 = 0 with step eta run exactly
   through the thin SVD of X (per singular direction the iterate has a
   closed form; on the null space of X, P < N, it stays 0, whatever
   eta).  E_g at the steps T[0..n-1] (non-negative integers or +Inf: the
   minimum-norm least-squares fit), mean and standard error over trials
   >= 2.  The spectrum must be exact (integer multiplicities), P an
   integer, N P <= 2^28.  Trial t uses the stream (seed, t): bitwise
   identical for any thread count.  */
deq_status deq_mc_gd_run(deq_mc_estimate *E_g, const deq_spectrum *sp,
                         double P, double noise, double eta, const double *T,
                         size_t n, size_t trials, uint64_t seed, int threads);

/* ------------------------------------------------------------ full-batch GD
   Gradient descent on P fixed samples (spec 5.2, arXiv 2502.05074):
   Sigma_hat = X'X/P, y = X wbar + eps, eps ~ N(0, sigma^2 I),
       w_{t+1} = w_t - eta (Sigma_hat w_t - X'y/P),   w_0 = 0,
   so w_t - wbar = -(I - eta Sigma_hat)^t wbar + p_t(Sigma_hat) X'eps/P,
   p_t(s) = (1 - (1 - eta s)^t)/s.  The excess risk R_t = E (w_t - wbar)'
   Sigma (w_t - wbar) = signal + variance with
     signal   = wbar'(I - eta S)^t Sigma (I - eta S)^t wbar
              = (1/2 pi i)^2 closed-contour double integral of
                (1 + eta z1)^t (1 + eta z2)^t form(z1, z2)/(z1 z2),
                form = deq_twopoint_eval_c's form with A = Sigma,
     variance = (sigma^2/P) tr[Sigma h_t(S)],  h_t(s) = (1 - (1 - eta s)^t)^2/s
              = (sigma^2/P) (1/2 pi i) closed-contour integral of
                h_t(-z) (kappa/z) df1(kappa(z)).
   The contour is an ellipse with foci at the edges -lo, -hi of
   -support(Sigma_hat) (deq_freeprob_sample_support), inside the disk
   |1 + eta z| < 1 and away from z = 0, with midpoint trapezoid nodes
   (about 40/rho nodes on its upper half, rho the distance in the
   elliptic parameter to the nearest of 0 and that disk's boundary).
   P < N (Sigma_hat has an atom 1 - P/N at 0): the contour still encloses
   only the nonzero support, and the null space, where GD does not move
   ((1 - eta 0)^t = 1), enters through the residues at z = 0 (kappa(0) =
   kappa0 > 0, df1(kappa0) = P): signal += 2 (1/2 pi i) closed integral
   of (1 + eta z)^t form(0, z)/z + form(0, 0), form(0, 0) being the
   ridgeless bias; the variance integrand has no pole at 0 (h_t(0) = 0).
   P = N and P near N (the lower edge below 1e-3 hi): the support
   reaches or nearly reaches 0, and a lens through z = 0 (two circular
   arcs from 0 to -A, A = (hi + 2/eta)/2, trapezoid rule in log|z|, 1067
   nodes on the upper arc) replaces the ellipse; the poles at 0 (P < N)
   are subtracted there, and at P = N, t = +Inf gives E_g = +Inf with
   DEQ_EDIVERGE when sigma^2 > 0.  A singular Sigma is the problem on
   its nonzero atoms (zero eigenvalues carry no target power and neither
   learn nor enter the risk), with N = rank.  Stable iff eta < 2/hi (hi = the upper edge of the sample
   spectrum): for a larger eta, |1 - eta s| > 1 on part of the support and
   the iteration diverges; DEQ_EDOM with the bound in err.  */

typedef struct deq_gd_point {
  double step;      /* t (a non-negative integer, or +Inf) */
  double E_g;       /* R_t = signal + variance */
  double signal;    /* wbar'(I - eta S)^t Sigma (I - eta S)^t wbar */
  double variance;  /* (sigma^2/P) tr[Sigma h_t(S)] */
  double E_test;    /* R_t + sigma^2 */
  deq_status status;
} deq_gd_point;

/* The stability bound 2/hi of the sample spectrum (P > 0).  */
deq_status deq_gd_lr_bound(double *eta_max, const deq_spectrum *sp, double P);

/* R_t at the steps T[0..n-1] (any order; each a non-negative integer up to
   2^53 or +Inf: t = +Inf is the least-squares or minimum-norm limit,
   signal 0 for P >= N).  noise = sigma^2 >= 0, 0 < eta <
   deq_gd_lr_bound.  Cost: contour nodes n_c (the ellipse: 64 .. 2048,
   more as P -> N or eta -> the bound; the lens: 1067) times 2 n_c two-point
   passes over the atoms, then O(n_c^2 + n_c log t) per step.  DEQ_EDOM
   (bad value, unstable eta: message in err, may be NULL), DEQ_EUNSUP
   (a contour that would need more than 2048 nodes: eta too close to the
   bound; or more than 4194304 nodes x atoms: message in err),
   DEQ_EDIVERGE (some E_g infinite: P = N at t = +Inf).  */
deq_status deq_gd_run(deq_gd_point *out, const deq_spectrum *sp, double P,
                      double noise, double eta, const double *T, size_t n,
                      deq_error *err);

/* Early stopping: the integer t in [0, t_max] with the smallest R_t
   (the first one on ties), scanning every step: O(t_max n_c^2).
   t_max <= 1e7.  Same statuses as deq_gd_run.  */
deq_status deq_gd_early_stop(deq_gd_point *best, const deq_spectrum *sp,
                             double P, double noise, double eta,
                             double t_max, deq_error *err);

/* The contour's self-check: (1/2 pi i) closed-contour integral of
   (1/N) tr (Sigma_hat + z)^-1 dz, which is 1 (every eigenvalue enclosed;
   min(1, P/N): for P < N the atom at 0 is left out; N = rank for a
   singular Sigma),
   on the contour deq_gd_run uses for this eta; *nodes (may be NULL) gets
   the number of nodes on its upper half.  */
deq_status deq_gd_contour_mass(double *mass, size_t *nodes,
                               const deq_spectrum *sp, double P, double eta,
                               deq_error *err);

/* A contour plan for repeated evaluations at one (sp, P, eta): the nodes,
   kappa and the pair table of deq_gd_run, built once; each step then
   costs O(n_c^2 + n_c log t).  The spectrum is borrowed.  Same statuses
   as deq_gd_run.  */
typedef struct deq_gd_plan deq_gd_plan;
deq_status deq_gd_plan_alloc(deq_gd_plan **out, const deq_spectrum *sp,
                             double P, double eta, deq_error *err);
void deq_gd_plan_free(deq_gd_plan *plan);
/* R_t at one step t (as in deq_gd_run) with noise sigma^2 >= 0.  */
deq_status deq_gd_plan_eval(deq_gd_point *out, deq_gd_plan *plan,
                            double noise, double t, deq_error *err);

/* The MPFR twin of deq_gd_run at one finite integer step t <= 64
   (lib/mp_gd.c): R_t from the moments tr[Sigma S^l] and wbar' S^j Sigma
   S^k wbar of the deterministic equivalents, expanded as power series in
   1/z with prec bits (>= 53) plus 4 t + 64 guard bits for the
   alternating binomial sums; no contour, so it checks deq_gd_run's
   quadrature as well as its rounding.  Any P > 0 (P = N, P < N and a
   singular Sigma included), at most 256 atoms; O(t^4 + n_atoms t^2)
   operations.  DEQ_EUNSUP for t = +Inf, t > 64, more atoms or an
   infinite spectrum; DEQ_EDOM for bad values (eta is not checked against
   the stability bound: the moments need none).  */
deq_status deq_mp_gd(deq_gd_point *out, const deq_spectrum *sp, double P,
                     double noise, double eta, double t, long prec);

#ifdef __cplusplus
}
#endif
#endif
