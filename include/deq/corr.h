/* deq/corr.h -- ridge regression with correlated samples: the sample
 * correlation spectrum K, the coupled deterministic equivalent, the
 * failure of GCV, CorrGCV, and a test point correlated with the training
 * set (forecasting).  Atanasov, Zavatone-Veth, Pehlevan, arXiv 2408.04607.
 *
 * Model: X = K^{1/2} Z Sigma^{1/2} (P x N), i.e. E[x_mu x_nu'] = K_{mu nu}
 * Sigma, with K a P x P correlation matrix (tr K = P); y = X wbar + eps
 * with either
 *   DEQ_CORR_NOISE_K:   eps ~ N(0, sigma^2 K)  (noise correlated like x),
 *   DEQ_CORR_NOISE_IID: eps ~ N(0, sigma^2 I).
 * w = argmin (1/P)|y - Xw|^2 + lambda |w|^2 (lambda normalised by P).  The
 * test point is x ~ N(0, Sigma), independent, with label noise sigma^2
 * (except for the forecast, below).
 *
 * Fixed point (unnormalised df, df1^A(k) = tr A (A + k)^-1):
 *     df = df1^Sigma(kappa) = df1^K(kappa_K),   lambda = kappa kappa_K df/P.
 * With a = df1^S - df2^S, b = df1^K - df2^K (at kappa, kappa_K) and
 * B = kappa^2 wbar' Sigma (Sigma + kappa)^-2 wbar:
 *     gamma  = df2^Sigma df2^K/df^2,  1 - gamma = (a df2^K + b df)/df^2
 *     E_g    = (B + sigma^2 gamma)/(1 - gamma)              (noise K)
 *            = B/(1-gamma) + sigma^2 df2^S b/(kappa_K df^2 (1-gamma)) (iid)
 *     E_test = E_g + sigma^2  (= (B + sigma^2)/(1 - gamma) for noise K)
 *     E_tr   = (kappa_K b/P) E_test                         (noise K)
 *            = (kappa_K b/P) B/(1-gamma) + sigma^2 [1 - df/P
 *              - a b/(P df (1 - gamma))]                    (iid)
 *     gcv_naive = E_tr/(1 - df/P)^2  (the limit of the usual GCV)
 *     corrgcv   = E_tr P/(kappa_K b)  (the limit of CorrGCV; = E_test for
 *                                      noise K, biased for iid noise)
 * K = I (every eigenvalue exactly 1) is plain ridge: deq_corr_solve then
 * returns deq_ridge_solve's numbers field for field (gcv_naive = corrgcv
 * = gcv, kappa_K = (P - df)/df, df2_K = df^2/P).  */
#ifndef DEQ_CORR_H
#define DEQ_CORR_H

#include <stddef.h>
#include "deq/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ K models */

typedef enum deq_corr_kind {
  DEQ_CORR_AR1 = 1,    /* K_ij = rho^|i-j|, -1 < rho < 1 */
  DEQ_CORR_ACF = 2,    /* stationary K_ij = acf[|i-j|], acf[0] = 1, lags
                          beyond nacf - 1 are 0 */
  DEQ_CORR_BLOCKS = 3, /* block diagonal, blocks of size m (m divides P),
                          unit diagonal, correlation c inside a block */
  DEQ_CORR_EQUI = 4,   /* (1 - c) I + c 1 1' */
  DEQ_CORR_MATRIX = 5  /* an explicit symmetric positive definite matrix */
} deq_corr_kind;

/* A description of K that does not depend on P (except MATRIX, whose
   size is fixed).  The arrays are borrowed, not copied.  */
typedef struct deq_corr_model {
  deq_corr_kind kind;
  double rho;          /* AR1 */
  size_t m;            /* BLOCKS: block size >= 1 */
  double c;            /* BLOCKS, EQUI: correlation */
  const double *acf;   /* ACF: acf[0..nacf-1] */
  size_t nacf;
  const double *K;     /* MATRIX: column-major, size x size */
  size_t size;
} deq_corr_model;

/* EXACT: eigenvalues of the finite P x P matrix.  SYMBOL (AR1 and ACF
   only; the others have no separate limit and give EXACT): the P -> inf
   spectral measure, the Toeplitz symbol f(w) = sum_h acf[|h|] e^{ihw} at
   w_j = 2 pi j/M, j = 0..M-1, each with weight P/M, where M is the
   smallest even multiple of P with M >= max(1024, 2 nacf); f is computed with
   one FFTW real DFT (closed form for AR1).  These are the eigenvalues of
   the circulant approximation of K; they differ from EXACT by O(1/P).
   Thread safety: safe; libdeq serialises its FFTW planning with one
   internal mutex (planning of the program's own, concurrent with libdeq,
   must be serialised by the program).  */
typedef enum deq_corr_method {
  DEQ_CORR_EXACT = 0,
  DEQ_CORR_SYMBOL = 1
} deq_corr_method;

/* K spectra: atoms (eigenvalue, multiplicity, target power 0), total
   multiplicity P, tr K = P.  AR1 EXACT costs O(P): one safeguarded
   Newton root per eigenvalue of the tridiagonal K^-1's secular equation
   (see lib/corr_spectrum.c; 1e-13 relative, |rho| up to 1 - 1e-6).
   Statuses: DEQ_EINVAL (NULL), DEQ_EDOM (P < 1,
   rho outside (-1, 1), m not dividing P, c outside the positive-definite
   range, acf[0] != 1 or non-finite, a non-positive-definite K or
   symbol), DEQ_EUNSUP (EXACT acf or matrix with P > 46340: P^2 must fit
   LAPACK's int), DEQ_ELAPACK, DEQ_ENOMEM.  err (may be NULL) gets a
   message.  deq/estimate.h's deq_estimate_K_* are these functions.  */
deq_status deq_corr_spectrum_ar1(deq_spectrum **K, size_t P, double rho,
                                 deq_corr_method method);
deq_status deq_corr_spectrum_acf(deq_spectrum **K, size_t P,
                                 const double *acf, size_t nacf,
                                 deq_corr_method method, deq_error *err);
/* Blocks of size m (P a multiple of m; -1/(m-1) < c < 1): eigenvalues
   1 - c (multiplicity P - P/m) and 1 + (m - 1) c (multiplicity P/m).  */
deq_status deq_corr_spectrum_blocks(deq_spectrum **K, size_t P, size_t m,
                                    double c);
/* Equicorrelated (-1/(P-1) < c < 1): 1 - c (P - 1 times), 1 + (P - 1) c.  */
deq_status deq_corr_spectrum_equi(deq_spectrum **K, size_t P, double c);
/* Explicit K (P x P column-major, symmetric to 1e-12 relative, positive
   definite; LAPACK dsyevd).  K is rescaled by P/tr K so that tr K = P.  */
deq_status deq_corr_spectrum_matrix(deq_spectrum **K, size_t P,
                                    const double *Kmat, deq_error *err);
/* Dispatch on model->kind.  MATRIX needs P == model->size.  */
deq_status deq_corr_spectrum(deq_spectrum **K, const deq_corr_model *model,
                             size_t P, deq_corr_method method,
                             deq_error *err);

/* The dense P x P matrix of a model (column-major, caller frees).  */
deq_status deq_corr_matrix(double **Kmat, const deq_corr_model *model,
                           size_t P);

/* Read a file of autocorrelations (one per line, lag 0 first, '#'
   comments) or of a square matrix (one row per line).  Errors name the
   line and field.  */
deq_status deq_corr_read_acf(double **acf, size_t *nacf, const char *path,
                             deq_error *err);
deq_status deq_corr_read_matrix(double **Kmat, size_t *P, const char *path,
                                deq_error *err);

/* ------------------------------------------------------------ the solve */

typedef enum deq_corr_noise {
  DEQ_CORR_NOISE_K = 0,   /* eps ~ N(0, sigma^2 K) */
  DEQ_CORR_NOISE_IID = 1  /* eps ~ N(0, sigma^2 I) */
} deq_corr_noise;

typedef struct deq_corr_point {
  /* inputs */
  double P, lambda, noise;   /* P = K's dimension; noise = sigma^2 */
  deq_corr_noise model;
  /* fixed point */
  double kappa, kappa_K;
  union { double df1; double df; };  /* df1^Sigma(kappa); `df`: 0.1's name */
  double df2, df2_K;         /* df2^Sigma(kappa), df2^K(kappa_K) */
  double gamma, one_minus_gamma;
  double dkappa_dlambda;     /* P b/((1 - gamma) kappa_K df^2) */
  /* risks */
  double B;                  /* kappa^2 wbar' Sigma (Sigma+kappa)^-2 wbar */
  double bias;               /* B/(1 - gamma) */
  union { double var_noise; double variance; };  /* E_g - bias; `variance`:
                                                    0.1's name */
  double E_g, E_test, E_tr;
  double train_ratio;        /* kappa_K b/P: E_tr/E_test for noise K */
  union { double gcv; double gcv_naive; };  /* E_tr/(1 - df1/P)^2, the
                                 usual GCV's limit; `gcv_naive`: 0.1's name */
  double corrgcv;
  /* diagnostics */
  int iterations;            /* outer function evaluations */
  double residual;           /* |log(lambda(df)/lambda)| at the root */
  deq_status status;         /* DEQ_OK, DEQ_EDIVERGE, DEQ_ENOCONV */
} deq_corr_point;

/* Solve at ridge lambda >= 0 for Sigma (sp, with its target) and the K
   spectrum K (total multiplicity P = K->dim, a positive integer or not).
   lambda = 0 gives the ridgeless limit: kappa = 0 and df = rank Sigma when
   rank Sigma < rank K; kappa_K = 0 and df = rank K when rank K < rank
   Sigma; DEQ_EDIVERGE when they are equal (the interpolation peak),
   where every field is its lambda -> 0+ limit or +Inf, never NaN: E_g,
   E_test and corrgcv are +Inf if sigma^2 > 0 (0 if not), kappa = kappa_K
   = bias = train_ratio = 0, E_tr = 0 except sigma^2 (P - rank K)/P for
   iid noise and a rank-deficient K, gcv_naive = E_test for a full-rank
   K, else E_tr/(1 - df/P)^2.  warm may be NULL or a nearby solved
   point.  */
deq_status deq_corr_solve(deq_corr_point *out, const deq_spectrum *sp,
                          const deq_spectrum *K, double lambda, double noise,
                          deq_corr_noise model, const deq_corr_point *warm);

/* A lambda grid at one K: out[j] for lambda[j], solved in increasing
   lambda with warm starts, in parallel tiles of 16 values
   (deq_model_grid_threads; the same numbers on any thread count).  Every
   point carries its own status; the
   return is the first failure (a failure beats DEQ_EDIVERGE, whatever the
   order), else DEQ_EDIVERGE if some point diverged, else DEQ_OK.  */
deq_status deq_corr_grid(deq_corr_point *out, const deq_spectrum *sp,
                         const deq_spectrum *K, const double *lambda,
                         size_t nlambda, double noise, deq_corr_noise model);

/* ------------------------------------------------------------ CorrGCV */

/* The CorrGCV factor of an empirical df (0 < df < rank K):
     factor = P/(kappa_K [df - df2^K(kappa_K)]),  df1^K(kappa_K) = df,
   so that CorrGCV = E_tr * factor (E_tr = |y - Xw|^2/P).  K = I gives
   1/(1 - df/P)^2, the GCV factor.  kappa_K may be NULL.  */
deq_status deq_corr_gcv_factor(double *factor, double *kappa_K,
                               const deq_spectrum *K, double df);

/* ------------------------------------------------------------ forecasting */

/* A test point x_* correlated with the training rows through the joint
   correlation (k_* = E[x_* x_mu']/Sigma, k_** = 1), with label noise
   correlated the same way (noise model K).  With alpha = K^-1 k_* and
   s^2 = 1 - k_*' alpha, the out-of-sample risk is
       E_* = E_test [s^2 + kappa_K^2 alpha' K (K + kappa_K)^-2 alpha]
           = E_test [1 - k_*' (K + 2 kappa_K)(K + kappa_K)^-2 k_*].
   AR1: the test point is tau steps after the last training point,
   alpha = rho^tau e_P, s^2 = 1 - rho^(2 tau); O(P) per kappa_K through
   the tridiagonal K^-1.  ACF: k_*[mu] = acf[P + tau - 1 - mu]
   (mu = 0..P-1); one dsyevd of the Toeplitz K at plan time, O(P) per
   kappa_K.  Other kinds: DEQ_EUNSUP.  */
typedef struct deq_corr_forecast deq_corr_forecast;

deq_status deq_corr_forecast_alloc(deq_corr_forecast **out,
                                   const deq_corr_model *model, size_t P,
                                   size_t tau);
void deq_corr_forecast_free(deq_corr_forecast *f);
/* The ratio E_star/E_test at kappa_K >= 0.  */
deq_status deq_corr_forecast_factor(double *factor,
                                    const deq_corr_forecast *f,
                                    double kappa_K);
/* E_* of a solved point (noise model K only: DEQ_EUNSUP for iid).  */
deq_status deq_corr_forecast_risk(double *E_star, const deq_corr_forecast *f,
                                  const deq_corr_point *pt);
/* alpha (P values) and s^2, as used by Monte Carlo.  */
deq_status deq_corr_forecast_alpha(double *alpha, double *s2,
                                   const deq_corr_forecast *f);

#ifdef __cplusplus
}
#endif
#endif
