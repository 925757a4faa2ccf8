/* deq/features.h -- linear random features and deep structured Gaussian
 * features: deterministic equivalent and Monte Carlo.
 *
 * Model (arXiv 2405.00592 and 2303.01372; the manual's "Random features"):
 * x ~ N(0, Sigma) in R^N, y = wbar.x + eps, eps ~ N(0, sigma^2); features phi(x) = G' x with G = F_1 ... F_L,
 * F_l = Sigma_l^(1/2) Z_l / sqrt(N_l), Z_l (N_{l-1} x N_l) iid N(0, 1),
 * N_0 = N.  The readout v = (Phi'Phi/P + lambda)^-1 Phi'y/P on Phi = X G
 * (lambda normalised by P), w_eff = G v and
 *     E_g = (w_eff - wbar)' Sigma (w_eff - wbar)   (excess risk, no noise).
 *
 * The data and the first layer enter only through
 *     Omega = Sigma^(1/2) Sigma_1 Sigma^(1/2)  and  u = Sigma^(1/2) wbar
 * written in Omega's eigenbasis.  Every function here therefore takes an
 * "Omega spectrum": atoms (omega_i, m_i, v_i) with v_i = u_i^2 summed over
 * the atom's eigenspace.  With Sigma_1 = I this is the ordinary spectrum of
 * Sigma with its target powers v_i = s_i wbar_i^2.  Layers 2..L take an
 * optional covariance Sigma_l, given as a spectrum whose normalised
 * eigenvalue distribution (weights m_i/dim) is used at dimension N_{l-1};
 * its eigenvalues must be > 0 (its S-transform inverts its df).
 *
 * Fixed point: one shared, unnormalised df = df1^Omega(kappa) with
 * kappa = kappa_Omega, and
 *     lambda = kappa_f (1 - df/P),
 *     kappa_f = kappa (1 - df/N_L) prod_{l=2..L} c_l(df),
 *     c_l(df) = f_l(df/N_{l-1}) df/N_{l-1} = (1 - t)/S_{Sigma_l}(t),
 * f_l the inverse of the normalised df of Sigma_l (c_l = 1 - df/N_{l-1} for
 * Sigma_l = I).  One layer with M isotropic features:
 *     kappa = lambda/((1 - df/P)(1 - df/M)),  kappa_f = kappa (1 - df/M).
 * With rho = d log kappa/d log kappa_f, gap = df - df2^Omega(kappa),
 * t(k) = sum v/(s+k) and B(k) = k^2 sum v/(s+k)^2:
 *     E_pop  = (1 - rho) kappa t(kappa) + rho B(kappa)
 *     df2_A  = df - rho gap,  gamma = df2_A/P
 *     E_g    = (E_pop + sigma^2 gamma)/(1 - gamma)
 *     E_cross = (B(kappa) + sigma^2 gamma_c)/(1 - gamma_c),
 *               gamma_c = df2^Omega(kappa)/P   (feature-averaged predictor)
 *     bias = B/(1 - gamma_c), var_noise = sigma^2 gamma_c/(1 - gamma_c),
 *     var_features = E_g - E_cross,  so bias + var_noise + var_features = E_g
 *       (evaluated as P (1 - rho)/a [(B + sigma^2) gap/c + W] with
 *       a = P (1 - gamma), c = P (1 - gamma_c), W = kappa t(kappa) - B
 *       summed directly: no cancellation when it is small against E_g)
 *     E_test = E_g + sigma^2,  E_tr = (1 - df/P)^2 E_test,  gcv = E_test.
 * lambda = 0 gives df = d_max = min(rank Omega, N_1, ..., N_L, P).  At
 * the interpolation peak (lambda = 0, d_max = rank Omega = P) E_g, E_cross
 * and var_noise are +Inf when sigma^2 > 0 (DEQ_EDIVERGE) and var_features
 * is its finite limit sigma^2 P D/4, D = -d log(kappa_f/kappa)/d df at
 * d_max (+Inf if a width equals P); never NaN.  Infinitely wide identity
 * layers (M = INFINITY) are plain ridge: the point then carries
 * deq_ridge_solve's numbers exactly (var_noise = its variance,
 * var_features = 0, rho = 1).  */
#ifndef DEQ_FEATURES_H
#define DEQ_FEATURES_H

#include <stddef.h>
#include "deq/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A chain of L >= 1 feature layers.  width[l-1] = N_l > 0 (INFINITY is
   allowed in the theory: no bottleneck, 1 - df/N_l = 1).  layer[l-2] is
   Sigma_l for l = 2..L, or NULL for the identity; layer itself may be NULL
   (all identity).  The caller keeps the arrays alive.  */
typedef struct deq_rf_chain {
  size_t L;
  const double *width;
  const deq_spectrum *const *layer;
} deq_rf_chain;

/* Which constraint sets d_max (the ridgeless df).  */
enum {
  DEQ_RF_BOTTLENECK_RANK = 0,   /* rank of Omega: kappa -> 0 */
  DEQ_RF_BOTTLENECK_SAMPLES = -1 /* P; a positive value l means width N_l */
};

typedef struct deq_rf_point {
  /* inputs */
  double P, lambda, noise;
  /* fixed point */
  double kappa;          /* kappa_Omega (kappa_2 of the one-layer sheet) */
  double kappa0;         /* its ridgeless value: df1(kappa0) = d_max, or 0 */
  double kappa_f;        /* lambda/(1 - df/P): the ridge seen by the readout */
  union { double df1; double df; };  /* df1^Omega(kappa), the shared df;
                                        `df`: 0.1's name (0.3 drops it) */
  double df_max;         /* d_max = min(rank Omega, N_1..N_L, P) */
  int bottleneck;        /* DEQ_RF_BOTTLENECK_* or l for width N_l */
  double df2;            /* df2^Omega(kappa) */
  double rho;            /* d log kappa/d log kappa_f, in [0, 1] */
  double df2_A;          /* df2 of the feature covariance at kappa_f */
  double gamma;          /* df2_A/P */
  double one_minus_gamma;/* 1 - gamma without cancellation */
  double gamma_c;        /* df2/P (feature-averaged predictor) */
  double t1;             /* t(kappa) = sum v/(s + kappa) */
  double B;              /* B(kappa) = kappa^2 sum v/(s + kappa)^2 */
  /* risks */
  double E_pop;          /* population error of the readout on fixed features */
  double bias, var_noise, var_features;
  double E_g, E_cross, E_test, E_tr, gcv;
  /* diagnostics */
  int iterations;        /* passes over the Omega spectrum */
  double residual;       /* |log(lambda(kappa)/lambda)| at the returned
                            state (after the final Taylor step); 0 when
                            lambda = 0 */
  deq_status status;     /* DEQ_OK, DEQ_EDIVERGE, DEQ_ENOCONV */
} deq_rf_point;

/* Validate a chain: DEQ_EINVAL for NULL/L = 0, DEQ_EDOM for a width that is
   not > 0 (NaN included) or a layer spectrum with a zero eigenvalue,
   DEQ_EUNSUP for more than 65 layers.  */
deq_status deq_rf_chain_check(const deq_rf_chain *chain);

/* Solve at one (P, lambda).  omega: the Omega spectrum with target powers
   u_i^2; P > 0, lambda >= 0, noise >= 0; warm NULL or a nearby point.  */
deq_status deq_rf_solve(deq_rf_point *out, const deq_spectrum *omega,
                        const deq_rf_chain *chain, double P, double lambda,
                        double noise, const deq_rf_point *warm);

/* One layer of M isotropic features (M > 0, may be INFINITY = ridge).  */
deq_status deq_rf_solve1(deq_rf_point *out, const deq_spectrum *omega,
                         double M, double P, double lambda, double noise,
                         const deq_rf_point *warm);

/* Grid: out[i*nlambda + j] is (P[i], lambda[j]); solved in increasing P
   and lambda with warm starts, in parallel tiles of 16 values per axis
   (deq_model_grid_threads; the same numbers on any thread count).
   Returns the first failure (a failure
   beats DEQ_EDIVERGE, whatever the order), else DEQ_EDIVERGE if some
   point diverged; every point carries its own status.  */
deq_status deq_rf_grid(deq_rf_point *out, const deq_spectrum *omega,
                       const deq_rf_chain *chain, const double *P, size_t nP,
                       const double *lambda, size_t nlambda, double noise);

#ifdef __cplusplus
}
#endif
#endif
