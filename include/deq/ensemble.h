/* deq/ensemble.h -- ensembles of ridge predictors: random-feature
 * ensembles, their optimal ridge and the no-free-lunch curve.
 *
 * Model (arXiv 2412.05418; the manual's "Random-feature ensembles";
 * spec sheet ridge_family.md 4a): x ~ N(0, Sigma) in R^N, y = wbar.x +
 * eps, eps ~ N(0, sigma^2), P shared samples with shared label noise.
 * Member k = 1..K has its own M isotropic Gaussian features F_k =
 * Z_k/sqrt(M) (Z_k N x M iid N(0, 1), independent across members) and
 * fits the ridge readout of deq/features.h with the common lambda
 * (normalised by P).  The ensemble predicts with the mean of the members'
 * effective weights w_k = F_k v_k, so with E_rr' = (w_r - wbar)' Sigma
 * (w_r' - wbar):
 *     E_diag  = E_rr   = the one-layer RF excess risk E_g (deq_rf_solve1)
 *     E_cross = E_rr'  (r != r') = the RF point's E_cross: ridge on x run
 *               at the feature-renormalised kappa2 (the risk of the
 *               feature-averaged predictor)
 *     E_ens   = E_K = E_cross + (E_diag - E_cross)/K      (excess risk)
 *     E_test  = E_ens + sigma^2
 * K = +Inf is the infinite ensemble: E_ens = E_cross.  M = +Inf is plain
 * ridge (E_diag = E_cross = E_ens).  Divergences come back as +Inf with
 * DEQ_EDIVERGE, as in deq/features.h; an infinite ensemble of members
 * that diverge only through their feature variance (M = P, lambda = 0)
 * is finite and DEQ_OK.
 *
 * The optimal ridge minimises E_ens over lambda >= 0.  For
 * under-parameterised members the minimum may sit at the boundary
 * lambda -> 0+; it is then reported as lambda = 0 with at_boundary = 1
 * (never as a small interior value).  The no-free-lunch curve fixes the
 * total number of features T = K M and gives, for every divisor K of T,
 * the optimal-ridge E_ens of K members of M = T/K features.  */
#ifndef DEQ_ENSEMBLE_H
#define DEQ_ENSEMBLE_H

#include <stddef.h>
#include <stdint.h>
#include "deq/spectrum.h"
#include "deq/features.h"
#include "deq/mc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_ensemble_rf_point {
  /* inputs */
  double P, M, K, lambda, noise;
  /* the member's fixed point (deq/features.h, one layer of M features) */
  double kappa2;        /* input-space renormalised ridge (rf kappa) */
  double kappa_f;       /* lambda/(1 - df/P), the readout's ridge */
  double df;            /* df1^Sigma(kappa2), the shared df */
  double gamma;         /* df2 of the feature covariance at kappa_f, / P */
  double gamma_c;       /* df2^Sigma(kappa2)/P (the cross term's gamma) */
  /* risks */
  double E_diag;        /* one member's excess risk */
  double E_cross;       /* covariance of two members' errors */
  double E_ens;         /* E_K = E_cross + (E_diag - E_cross)/K */
  double E_test;        /* E_ens + sigma^2 */
  /* optimal ridge: 1 when the minimum over lambda >= 0 is at the boundary
     lambda -> 0+ (then lambda = 0); 0 otherwise, and for a fixed lambda */
  int at_boundary;
  /* diagnostics */
  int iterations;       /* passes over the spectrum */
  deq_status status;    /* DEQ_OK, DEQ_EDIVERGE, DEQ_ENOCONV */
  deq_rf_point member;  /* one member's full solve (every RF quantity) */
} deq_ensemble_rf_point;

/* K members of M features at (P, lambda).  sp: Sigma with target powers;
   K an integer >= 1 or +INFINITY; M > 0 (may be +INFINITY); P > 0;
   lambda >= 0; noise >= 0; warm NULL or a nearby solved point.
   DEQ_EDOM for arguments out of range, DEQ_EINVAL for NULL.  */
deq_status deq_ensemble_rf_solve(deq_ensemble_rf_point *out,
                                 const deq_spectrum *sp, double K, double M,
                                 double P, double lambda, double noise,
                                 const deq_ensemble_rf_point *warm);

/* The ridge lambda* >= 0 minimising E_ens, and the point there (see the
   header comment for the boundary).  A scan of 96 log-spaced ridges from
   1e-10 s_max upwards, each local minimum refined by Brent in log lambda
   (minima below 1e-10 s_max are taken as the boundary: E_ens differs
   there from its lambda = 0 value by a relative 1e-10 or less).
   lambda* = +Inf when the scan decreases without end (no signal, only
   noise): the null predictor, E_diag = E_cross = E_ens = signal.  */
deq_status deq_ensemble_rf_optimal(deq_ensemble_rf_point *out,
                                   const deq_spectrum *sp, double K, double M,
                                   double P, double noise);

/* The divisors of T (a positive integer <= 2^53) in increasing order:
   writes at most cap of them to K (K may be NULL when cap = 0) and
   returns how many there are (0 if T is not a positive integer).  */
size_t deq_ensemble_divisors(double *K, size_t cap, double T);

/* The no-free-lunch curve at total T = K M: out[i] is the optimal-ridge
   point of K = the i-th divisor of T (deq_ensemble_divisors) with
   M = T/K; nout must be at least the number of divisors.  Returns the
   first failure, else DEQ_EDIVERGE if some point diverged, else
   DEQ_OK.  DEQ_EDOM if T is not a positive integer.  */
deq_status deq_ensemble_rf_no_free_lunch(deq_ensemble_rf_point *out,
                                         size_t nout, const deq_spectrum *sp,
                                         double T, double P, double noise);

/* MPFR twin (deq/mp.h): E_diag and E_cross from deq_mp_rf1 at prec bits,
   E_ens and E_test combined with prec bits and rounded once; the
   fixed-point fields as deq_mp_rf1 gives them.  lambda > 0, M finite.  */
deq_status deq_mp_ensemble_rf(deq_ensemble_rf_point *out,
                              const deq_spectrum *sp, double K, double M,
                              double P, double lambda, double noise,
                              long prec);

/* ------------------------------------------------------------ Monte Carlo

   Per trial: X (P x N) in Sigma's eigenbasis and the labels y with their
   noise, shared by every member; then K members, each with fresh
   independent features F_k = Z_k/sqrt(M), Phi_k = X F_k and one thin SVD
   of Phi_k serving every lambda; w_k = F_k v_k(lambda).  Per lambda, with
   D_k = Sigma^(1/2)(w_k - wbar):
       E_diag  = mean_k |D_k|^2,
       E_cross = mean over k != k' of D_k.D_k',
       E_ens   = |mean_k D_k|^2.
   With K = 1 one extra member is drawn for E_cross only (E_diag and E_ens
   are then the single member's risk).  Trial t uses stream (seed, t) and
   trials are reduced in order: bitwise identical for any thread count.
   K and M must be finite integers (DEQ_EUNSUP otherwise), K <= 4096.  */
typedef struct deq_mc_ensemble_rf_row {
  double lambda;
  deq_mc_estimate E_diag, E_cross, E_ens;
} deq_mc_ensemble_rf_row;

deq_status deq_mc_ensemble_rf_run(deq_mc_ensemble_rf_row *rows,
                                  const deq_spectrum *sp, double K, double M,
                                  size_t P, const double *lambda,
                                  size_t nlambda, double noise, size_t trials,
                                  uint64_t seed, int threads);

#ifdef __cplusplus
}
#endif
#endif
