/* deq/ridge.h -- deterministic equivalent of ridge regression.
 *
 * Model: x ~ N(0, Sigma) in R^N, y = wbar.x + eps, eps ~ N(0, sigma^2),
 * P samples, w = argmin (1/P)|y - Xw|^2 + lambda |w|^2 (lambda normalised
 * by P).  The renormalised ridge kappa solves
 *     lambda = kappa (1 - df1(kappa)/P),   kappa >= lambda,
 * on the branch where 1 - df2/P > 0.  Then, with gamma = df2(kappa)/P:
 *     bias     = B(kappa)/(1 - gamma)
 *     variance = sigma^2 gamma/(1 - gamma)
 *     E_g      = bias + variance              (excess risk, no label noise)
 *     E_test   = E_g + sigma^2
 *     E_tr     = (lambda/kappa)^2 E_test       (training error)
 *     gcv      = E_tr/(1 - df1/P)^2 -> E_test  (the asymptotic GCV value)
 * lambda = 0 is allowed: kappa -> kappa0 with df1(kappa0) = P when
 * rank > P, kappa -> 0 when rank <= P; at P = rank the variance diverges
 * (DEQ_EDIVERGE, E_g = +Inf when sigma^2 > 0).
 * Scaling every eigenvalue, target power, lambda and sigma^2 by c > 0
 * scales kappa and the risks by c and leaves df1, df2, gamma unchanged;
 * the solver keeps this to ~1e-14 relative for c over the whole double
 * range (tested at 1e+-150 and 1e+-300), and lambda may be as large as
 * DBL_MAX.  */
#ifndef DEQ_RIDGE_H
#define DEQ_RIDGE_H

#include "deq/spectrum.h"
#include "deq/resolvent.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_ridge_point {
  /* inputs */
  double P, lambda, noise;      /* noise is sigma^2 */
  /* fixed point */
  double kappa;
  double kappa0;                /* ridgeless kappa at this P: df1(kappa0) = P
                                   when rank > P, else 0 */
  double kappa0_exponent;       /* d log kappa0/d log P = -1/(1 - gamma0)
                                   (-alpha for a power law), 0 if rank <= P */
  double df1, df2;
  double gamma;                 /* df2/P */
  double one_minus_gamma;       /* 1 - gamma, computed without cancellation */
  double dkappa_dlambda;        /* 1/(1 - gamma) */
  /* risks */
  double bias;
  union { double var_noise; double variance; };  /* sigma^2 gamma/(1 -
                                gamma); `variance` is 0.1's name (0.3 drops
                                it) */
  double E_g, E_test, E_tr, gcv;
  /* diagnostics */
  int iterations;               /* spectrum passes used by the solve */
  double residual;              /* |log(G/lambda)|, G = kappa(1 - df1/P), at
                                   the last spectrum pass; kappa is one
                                   Newton step further, so its own residual
                                   is of the order of this squared.  0 when
                                   no iteration was needed (lambda = 0) */
  deq_status status;            /* DEQ_OK, DEQ_EDIVERGE, DEQ_ENOCONV */
} deq_ridge_point;

/* Solve at one (P, lambda).  P > 0 (need not be an integer), lambda >= 0,
   noise >= 0.  warm may be NULL or a nearby solved point (used as the
   starting guess).  DEQ_EUNSUP when kappa may exceed DBL_MAX (only when
   tr/P overflows, e.g. eigenvalues near DBL_MAX).  */
deq_status deq_ridge_solve(deq_ridge_point *out, const deq_spectrum *sp,
                           double P, double lambda, double noise,
                           const deq_ridge_point *warm);

/* Grid: out[i*nlambda + j] is (P[i], lambda[j]).  Points are solved in
   order of increasing P and lambda with warm starts, in parallel tiles of
   16 values per axis as deq_model_grid_threads describes (OpenMP's
   default thread count; the same numbers on any).  Returns the first
   non-OK, non-DIVERGE status (DEQ_EDIVERGE if only divergences occurred);
   every point carries its own status.  */
deq_status deq_ridge_grid(deq_ridge_point *out, const deq_spectrum *sp,
                          const double *P, size_t nP,
                          const double *lambda, size_t nlambda, double noise);

/* Modewise learned fractions s_i/(s_i + kappa), one per atom.  */
deq_status deq_ridge_learned(double *frac, const deq_spectrum *sp, double kappa);

/* The ridge lambda* >= 0 that minimises E_g at sample size P, and the
   point there.  lambda* = 0 when E_g increases from lambda = 0; at the
   noiseless interpolation peak (P = rank, noise = 0) that point has E_g =
   0 and keeps its DEQ_EDIVERGE status (dkappa/dlambda is infinite), which
   is returned.
   lambda* = +Inf: without signal (sp->signal = 0) and with noise > 0,
   E_g = sigma^2 gamma/(1 - gamma) decreases to 0 as lambda grows, so the
   infimum is the limit lambda -> infinity, the null predictor w = 0.
   The status is then DEQ_OK and out holds the limit values: lambda =
   kappa = +Inf, df1 = df2 = gamma = 0, one_minus_gamma = dkappa_dlambda
   = 1, bias = E_g = signal (0), variance = 0, E_test = E_tr = gcv =
   sigma^2; test isinf(out->lambda).  */
deq_status deq_ridge_optimal(deq_ridge_point *out, const deq_spectrum *sp,
                             double P, double noise);

/* Ridgeless renormalised ridge kappa0(P): df1(kappa0) = P if rank > P,
   else 0.  */
deq_status deq_ridge_kappa0(double *kappa0, const deq_spectrum *sp, double P);

#ifdef __cplusplus
}
#endif
#endif
