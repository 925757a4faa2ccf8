/* deq/icl.h -- in-context learning (ICL) of linear regression by reduced
 * linear attention: the deterministic equivalent of its test error after
 * ridge pretraining, with task diversity and pretrain/test task alignment
 * (spec sheet icl_cot.md, sections 1 and 2: Lu, Letey, Zavatone-Veth,
 * Maiti, Pehlevan, arXiv 2405.11751; Letey, Zavatone-Veth, Lu, Pehlevan,
 * arXiv 2509.26551).
 *
 * Model.  Tokens x_i ~ N(0, I_d/d), labels y_i = <w, x_i> + eps_i with
 * eps_i ~ N(0, rho).  A context of ell tokens gives h = (d/ell) sum y_i x_i
 * and s = (1/ell) sum y_i^2; the prediction at the query x is
 * x' Gamma [h; s] with Gamma in R^{d x (d+1)}.  Pretraining: n contexts,
 * tasks drawn from a pool of k tasks w_j ~ N(0, C_tr) (k = inf: a fresh
 * task per context), Gamma minimises
 *   sum_mu (y_mu - x_mu' Gamma v_mu)^2 + (n/d) lambda |Gamma|_F^2.
 * Scalings: alpha = ell/d, kappa = k/d, tau = n/d^2, d -> inf.
 * Errors include the noise floor rho:
 *   e_ICL  test task fresh, w ~ N(0, C_te) (C_te = C_tr unless given);
 *   e_IDG  test task drawn from the k pretraining tasks.
 * lambda = 0 means the limit lambda -> 0+ (min-norm interpolation for
 * tau < 1, least squares for tau > 1); tau = 1 at lambda = 0 diverges.  */
#ifndef DEQ_ICL_H
#define DEQ_ICL_H

#include <stddef.h>
#include <stdint.h>
#include "deq/status.h"
#include "deq/spectrum.h"
#include "deq/mc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The task covariances on a common eigenbasis: atom i has pretraining
   eigenvalue c[i], test variance t[i] (the diagonal of C_te in C_tr's
   eigenbasis) and weight w[i] (its share of the d directions; the
   weights sum to 1).  */
typedef struct deq_icl_tasks {
  size_t n;
  double *c, *t, *w;
  double dim;      /* number of directions the spectra describe */
  double mean_c;   /* tr C_tr/d */
  double mean_t;   /* tr C_te/d */
} deq_icl_tasks;

/* From spectra (their eigenvalues and multiplicities; target powers are
   ignored).  train NULL: C_tr = I.  test NULL: C_te = C_tr.  Both given:
   C_te is diagonal in C_tr's eigenbasis and direction j of one is
   direction j of the other, atoms in the order given (multiplicities
   expanded); the dimensions must be equal.  DEQ_EDOM (message in err, may
   be NULL) for an infinite dimension, a negative test variance, or
   dimensions that differ.  */
deq_status deq_icl_tasks_alloc(deq_icl_tasks **out, const deq_spectrum *train,
                               const deq_spectrum *test, deq_error *err);
void deq_icl_tasks_free(deq_icl_tasks *tk);      /* free(NULL) is a no-op */

typedef struct deq_icl_point {
  double alpha, kappa, tau, noise, lambda;       /* the inputs */
  double e_icl;      /* test error, fresh task ~ N(0, C_te) */
  double e_idg;      /* test error, task from the pretraining pool */
  double e_pretrain; /* the part of e_icl that sees C_te only through its
                        trace (spec 2.2) */
  double e_align;    /* e_icl - e_pretrain = (1/d) tr(C_te K), linear in C_te */
  double alignment;  /* (1/d) tr(C_te Rbar(nu)), the "resolvent alignment" */
  double a;          /* Rbar(nu) = (a C_tr + nu)^-1, the pool's resolvent */
  double da;         /* d a/d nu */
  double M, dM;      /* (1/d) tr Rbar and its nu-derivative */
  double nu, xi;     /* nu = rho_tr/alpha + xi, xi the pretraining ridge's
                        effective shift (0 for tau > 1 at lambda = 0) */
  double g;          /* the fluctuation scale -D/den (spec 1.3 step 4) */
  int iterations;    /* evaluations of the pool resolvent */
  deq_status status;
} deq_icl_point;

/* The deterministic equivalent (spec 1.3) at alpha, kappa, tau > 0
   (kappa = INFINITY: a fresh task per context), noise rho >= 0 and
   lambda >= 0, for the task covariances tk (NULL: isotropic).
   DEQ_EDOM for arguments outside that domain (outputs NaN);
   DEQ_EDIVERGE at tau = 1 with lambda = 0 (errors +Inf).  */
deq_status deq_icl_solve(deq_icl_point *out, const deq_icl_tasks *tk,
                         double alpha, double kappa, double tau, double noise,
                         double lambda);

/* The same computed with prec bits of MPFR (>= 53): unknowns by
   bisection down to a relative width 2^-(3 prec/4), everything else with
   prec bits, rounded to double at the end.  iterations counts resolvent
   evaluations.  An independent reference for deq_icl_solve.  */
deq_status deq_mp_icl(deq_icl_point *out, const deq_icl_tasks *tk,
                      double alpha, double kappa, double tau, double noise,
                      double lambda, long prec);

/* Result 1 of arXiv 2405.11751 (spec 1.4): the closed forms of e_ICL and
   e_IDG for isotropic tasks at lambda -> 0+.  Same domain and statuses as
   deq_icl_solve with lambda = 0.  Either output may be NULL.  */
deq_status deq_icl_closed_form(double *e_icl, double *e_idg, double alpha,
                               double kappa, double tau, double noise);

/* ------------------------------------------------------------ finite d */

/* The exact test error at finite d of a given Gamma (d x (d+1), row-major
   with leading dimension ldg >= d+1; column d multiplies s), for contexts
   of ell >= 1 tokens and noise rho >= 0 (spec 1.2): the expectation over
   the context and the query, for
   - a Gaussian task w ~ N(0, C) (C: d x d row-major symmetric, leading
     dimension ldc >= d; NULL for C = I): deq_icl_gamma_error_gaussian;
   - the average over k >= 1 given tasks (W: k x d row-major, leading
     dimension ldw >= d): deq_icl_gamma_error_tasks.
   DEQ_EINVAL for NULL or a bad size, DEQ_EDOM for rho < 0 or a non-finite
   result.  */
deq_status deq_icl_gamma_error_gaussian(double *e, const double *Gamma,
                                        size_t ldg, size_t d, double ell,
                                        double noise, const double *C,
                                        size_t ldc);
deq_status deq_icl_gamma_error_tasks(double *e, const double *Gamma,
                                     size_t ldg, size_t d, double ell,
                                     double noise, const double *W,
                                     size_t ldw, size_t k);

/* ------------------------------------------------------------ Monte Carlo */

/* Direct pretraining of linear attention at dimension d: ell = alpha d
   tokens per context, k = kappa d pool tasks (kappa = inf: fresh tasks),
   n = tau d^2 contexts (each rounded to the nearest integer >= 1), task
   covariances tk (NULL: isotropic; every weight times d must be an
   integer: DEQ_EDOM otherwise), noise rho.  Each trial draws the pool
   and the contexts, accumulates the normal equations in blocks of
   contexts (the d(d+1) features when n >= d(d+1), the n x n kernel
   otherwise), solves for Gamma at every lambda of the list and
   evaluates e_ICL and e_IDG exactly (deq_icl_gamma_error_*).
   rows[l] gets lambda[l]'s estimates.  Trial t draws from the stream
   (seed, t); results are bitwise identical for any thread count.
   DEQ_EINVAL for trials < 2 or an empty list, DEQ_EDOM for bad inputs,
   DEQ_ELAPACK if a system is singular (lambda = 0 with n = d(d+1)).  */
typedef struct deq_mc_icl_row {
  double lambda;
  deq_mc_estimate e_icl, e_idg;
} deq_mc_icl_row;

deq_status deq_mc_icl_run(deq_mc_icl_row *rows, const deq_icl_tasks *tk,
                          size_t d, double alpha, double kappa, double tau,
                          double noise, const double *lambda, size_t nlambda,
                          size_t trials, uint64_t seed, int threads);

#ifdef __cplusplus
}
#endif
#endif
