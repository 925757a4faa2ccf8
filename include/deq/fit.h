/* deq/fit.h -- power-law and scaling-law fits, and exponents predicted
 * from source/capacity exponents.
 *
 * Convention: a decaying curve y ~ c x^-b has exponent b (> 0).  */
#ifndef DEQ_FIT_H
#define DEQ_FIT_H

#include <stddef.h>
#include "deq/status.h"
#include "deq/spectrum.h"
#include "deq/flow.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_fit {
  double b, b_se;          /* exponent and its standard error */
  double c, c_se;          /* amplitude c and its standard error */
  double floor, floor_se;  /* L_inf of y = L_inf + c x^-b (0, 0 without floor) */
  double chi2_dof;         /* weighted: chi^2/dof; unweighted: residual variance of log y */
  double birge;            /* sqrt(chi2_dof) used to inflate errors (>= 1), 1 if unweighted */
  double x_lo, x_hi;       /* window actually used */
  size_t n;                /* points used */
  int weighted;            /* 1 if standard errors of y were used */
  int iterations;          /* for the floor fit */
  deq_status status;
  double dof;              /* residual degrees of freedom, n - 2 (n - 3
                              with a floor); 0 when there are none */
  double b_ci95;           /* half-width of the 95% interval for b:
                              t_{0.975, dof} b_se when the error scale is
                              estimated from the residuals (unweighted, or
                              Birge ratio > 1), 1.96 b_se when the given se
                              fix it; NAN when b_se is */
} deq_fit;

/* Weighted least squares of log y on log x over points with
   xlo <= x <= xhi (pass 0 and INFINITY for all) and y > 0.  se may be
   NULL; otherwise weights are (y/se)^2 and the slope error is inflated by
   the Birge ratio sqrt(chi^2/dof) when it exceeds 1.  Needs >= 3 points
   (2 gives b with b_se = NAN).  */
deq_status deq_fit_powerlaw(deq_fit *out, size_t n, const double *x,
                            const double *y, const double *se,
                            double xlo, double xhi);

/* y = floor + c x^-b with a free floor (variable projection: for each b
   the floor and c are linear; b is found by Brent minimisation).
   Weights 1/se^2, or 1/y^2 (relative residuals) when se is NULL.
   Needs >= 4 points.  */
deq_status deq_fit_powerlaw_floor(deq_fit *out, size_t n, const double *x,
                                  const double *y, const double *se,
                                  double xlo, double xhi);

/* Local exponents b_i = -d log y / d log x by centred differences
   (one-sided at the ends).  Points with y <= 0 give NAN.  n >= 2.  */
deq_status deq_fit_local_slopes(double *b, size_t n, const double *x,
                                const double *y);

/* Predicted learning-curve exponents for ridge on a power law
   s_k = k^-alpha with source v_k = k^-(1+2 alpha r) at N = infinity,
   as P -> infinity.  r' = min(r, 1).  */
typedef enum deq_ridge_regime {
  DEQ_REGIME_RIDGELESS = 0,  /* lambda = 0 */
  DEQ_REGIME_FIXED = 1,      /* lambda > 0 constant */
  DEQ_REGIME_SCALED = 2,     /* lambda = P^-ell */
  DEQ_REGIME_OPTIMAL = 3     /* lambda = lambda*(P) */
} deq_ridge_regime;

typedef struct deq_exponent {
  double b;          /* E_g - floor ~ P^-b */
  int floor;         /* 1 if E_g tends to a positive constant */
  double lambda_b;   /* optimal regime: lambda* ~ P^-lambda_b (else NAN) */
} deq_exponent;

deq_status deq_fit_predict_ridge(deq_exponent *out, double alpha, double r,
                                 deq_ridge_regime regime, double ell,
                                 int noisy);


/* ------------------------------------------------ joint scaling laws
 * The joint law  y = L_inf + a x^-p + b z^-q  of two resources, e.g. the
 * model size N and the training time t (or the sample count P for the
 * data-limited law L(N, P)), fitted to a table by weighted nonlinear least
 * squares (scaling_dynamics 1.5 item 5).  For fixed (p, q) the model is
 * linear in (L_inf, a, b); (p, q) are found by a grid scan and a
 * Nelder-Mead refinement of that reduced sum of squares (variable
 * projection), and the standard errors come from the Gauss-Newton
 * covariance (J'WJ)^-1 at the optimum, scaled as in deq_fit_powerlaw:
 * by the Birge ratio^2 when it exceeds 1 (weights 1/se^2), by chi^2/dof
 * without se (weights 1/y^2: relative residuals).  x or z may be +inf
 * (that term is 0 there: a t = inf or N = inf row of a grid).  */
enum { DEQ_JOINT_FLOOR = 0, DEQ_JOINT_A, DEQ_JOINT_P, DEQ_JOINT_B,
       DEQ_JOINT_Q, DEQ_JOINT_NPAR };

typedef struct deq_fit_joint {
  double floor, a, p, b, q;          /* L_inf + a x^-p + b z^-q */
  double floor_se, a_se, p_se, b_se, q_se;
  double cov[DEQ_JOINT_NPAR][DEQ_JOINT_NPAR];  /* scaled covariance, in the
                                        order of DEQ_JOINT_*; the floor's
                                        row and column are 0 if fixed */
  double p_drift, q_drift; /* |p(lower half) - p(upper half)| of the range
                              of x (rows with x = inf in both halves), the
                              same for q over z: the systematic error of a
                              law that holds only asymptotically
                              (scaling_dynamics 1.5 item 1); NAN when a half
                              cannot be fitted */
  double chi2_dof;       /* weighted: chi^2/dof; else the relative variance */
  double birge;          /* sqrt(chi2_dof) when weighted and > 1, else 1 */
  double dof;            /* n - 5 (n - 4 with the floor fixed) */
  size_t n;              /* points used */
  int weighted, fixed_floor;
  int evaluations;       /* reduced sums of squares evaluated */
  deq_status status;
} deq_fit_joint;

/* Fit y[i] = L_inf + a x[i]^-p + b z[i]^-q over the points with x, z in
   (0, inf] and y finite (se finite and > 0 if se is not NULL; y != 0
   without se).  fix_floor: L_inf = 0.  The exponents are searched in
   [1e-3, 20].  Needs one point more than parameters and at least two
   distinct finite x and z values: DEQ_EINVAL otherwise (and for NULL
   arrays); DEQ_EDOM for a used point with a bad se; DEQ_ENOCONV when an
   exponent ends on the edge of the search range (the law does not
   describe the data), with the fit filled in.  */
deq_status deq_fit_joint_law(deq_fit_joint *out, size_t n, const double *x,
                             const double *z, const double *y,
                             const double *se, int fix_floor);

/* ------------------------------------------------ compute-optimal frontier
 * Compute C = k x z (k = 1: C = N t; k = 6: the C = 6 N t convention).
 * The minimiser over x of a x^-p + b (C/(k x))^-q (a, b, p, q > 0) is
 *     x* = (p a/(q b))^(1/(p+q)) (C/k)^(q/(p+q)),   z* = C/(k x*),
 * so x* ~ C^(q/(p+q)), z* ~ C^(p/(p+q)), L* - L_inf ~ C^-(pq/(p+q)).  */
typedef struct deq_frontier_point {
  double C;        /* compute */
  double N, t;     /* the optimal allocation, C = k N t */
  double E_g;      /* the loss on the frontier L*(C) */
  int evaluations; /* loss evaluations (theory), 0 (closed form) */
  deq_status status;
} deq_frontier_point;

/* The frontier of a fitted joint law at compute C > 0, k > 0: DEQ_EDOM if
   C or k is not finite and positive, or if a, b, p or q is not positive
   (the law has no interior optimum).  */
deq_status deq_frontier_law(deq_frontier_point *out, const deq_fit_joint *f,
                            double C, double k);

/* The frontier exponents of a fitted law, x* ~ C^N, z* ~ C^t,
   L* - L_inf ~ C^-L, with standard errors from the covariance of (p, q)
   (delta method).  */
typedef struct deq_frontier_exponents {
  double N, N_se, t, t_se, L, L_se;
} deq_frontier_exponents;

deq_status deq_frontier_law_exponents(deq_frontier_exponents *out,
                                      const deq_fit_joint *f);

/* The frontier of the gradient-flow model (deq/flow.h) at P = infinity:
   minimise L(t = C/(k N), N) over 1 <= N <= C/k (so t >= 1) by Brent's
   method in log N, with the loss from the single integral (2.4).
   N_guess > 0: a warm start (the bracket grows from N_guess by factors
   e^(1/2) until it holds the minimum); NAN: a scan of the whole range
   at 4.3 points per decade first.  DEQ_EDOM for C/k < 1 or k <= 0;
   DEQ_ENOCONV when the optimum is on the edge N = 1 or t = 1 (C too
   small for an interior optimum), with the edge point filled in.  opt
   may be NULL.  */
deq_status deq_frontier_flow(deq_frontier_point *out, const deq_spectrum *sp,
                             double C, double k, double N_guess,
                             const deq_flow_opts *opt);

/* Exponents that scaling_dynamics 2.4 predicts for the flow model on the
   power law s_k = k^-alpha, s_k wbar_k^2 = k^-(1 + 2 alpha r), P = inf
   unless said ([D] + [V-num] on the sheet; the paper's own formula is
   `L_paper`, [L]).  */
typedef struct deq_flow_exponents {
  double time;      /* L ~ t^-time at N = P = inf: 2r */
  double model;     /* L ~ N^-model at t = P = inf: min(2 alpha r, alpha)
                       (the sheet's corrected bottleneck) */
  double data;      /* L ~ P^-data at t = N = inf: min(2 alpha r, 2 alpha) */
  double L, N, t;   /* compute-optimal C = N t: L* ~ C^-L, N* ~ C^N,
                       t* ~ C^t */
  double L_paper;   /* (a-1) m/(a-1 + b m), m = min(a-1, 2b), a = 1 + 2 alpha r,
                       b = alpha: the paper's formula [L], which the sheet
                       finds wrong for r > 1/2 */
  int regime;       /* -1: r < 1/2 (time-model balance), 0: r = 1/2,
                       +1: r > 1/2 (the cross term t^-(1-1/alpha)/N
                       balances t^-2r) */
} deq_flow_exponents;

/* alpha > 1, r > 0 (DEQ_EDOM otherwise).  */
deq_status deq_fit_predict_flow(deq_flow_exponents *out, double alpha,
                                double r);

#ifdef __cplusplus
}
#endif
#endif
