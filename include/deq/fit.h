/* deq/fit.h -- power-law and scaling-law fits, and exponents predicted
 * from source/capacity exponents.
 *
 * Convention: a decaying curve y ~ c x^-b has exponent b (> 0).  */
#ifndef DEQ_FIT_H
#define DEQ_FIT_H

#include <stddef.h>
#include "deq/status.h"

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

#ifdef __cplusplus
}
#endif
#endif
