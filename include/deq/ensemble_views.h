/* deq/ensemble_views.h -- "linear views" ridge ensembles: K members, each
 * a ridge regression on its own view of x, all fitted on the same P
 * samples, predictions averaged (spec ridge_family.md 4.0 and 4b).
 *
 * Member r sees phi_r = A_r x + eta_r xi_r: A_r selects a subset S_r of
 * the coordinates (|S_r| = N_r; subsets may overlap), xi_r is fresh iid
 * N(0, I) feature noise per sample, present at training and test time,
 * independent across members; member r fits ridge lambda_r (normalised
 * by P).  With Sigma_r = A_r Sigma A_r' + eta_r^2 I, C_rr' = A_r Sigma
 * A_r' (r != r'), C_rr = Sigma_r, R_r = (Sigma_r + kappa_r)^-1 and kappa_r
 * the ridge kappa of Sigma_r at (P, lambda_r):
 *   gamma_rr' = tr[R_r C_rr' R_r' C_r'r]/P,
 *   B_rr'     = E[(phi_r' w*_r - x' wbar)(phi_r'' w*_r' - x' wbar)],
 *               w*_r = R_r A_r Sigma wbar,
 *   E_rr'     = (B_rr' + sigma^2 gamma_rr')/(1 - gamma_rr'),
 *   E_ens     = (1/K^2) sum_rr' E_rr' + zeta^2/K  (zeta^2: iid readout
 *               noise of each member's prediction),
 *   E_test    = E_ens + sigma^2 (noisy test label).
 * E_diag is the mean of E_rr, E_cross the mean of E_rr' over r != r'
 * (so E_ens = E_cross + (E_diag - E_cross)/K + zeta^2/K, as for random-
 * feature ensembles); E_cross is NaN for K = 1 (no pairs).
 *
 * Coordinates.  For a diagonal Sigma given as a deq_spectrum (exact,
 * integer multiplicities), coordinate j (0-based) is an eigen-direction:
 * atom 0's m_0 directions first, then atom 1's, and so on, in the atoms'
 * order; every direction of atom i carries target power v_i/m_i.  The
 * whole computation then depends only on per-atom counts, O(K^2 n_atoms)
 * per point; on a compressed spectrum (at least DEQ_RULE_MIN_ATOMS atoms,
 * exact sums not forced, deq/spectrum_rule.h) the pair sums run over
 * per-pair Gauss rules of their non-negative measures (c_rr' of atom i,
 * and u_i times c_rr', c_r - c_rr', c_r' - c_rr', c_r), built by the
 * plan's first solve in O(K^2 n_atoms DEQ_RULE_NODES) and within the
 * rule's bound 8.1e-16 for every kappa (the manual's "Compressed
 * spectra"), so that a point costs O(K^2) times the rules' nodes
 * (hundreds per pair); exact sums forced on the spectrum (--exact) hold
 * for the members and the pairs.  For a general (dense) Sigma,
 * coordinates are the rows of
 * Sigma; one symmetric eigendecomposition per member and one product per
 * pair happen when the plan is made, O(K^2 N_r^2) per point.
 *
 * Divergence: lambda_r = 0, eta_r = 0 and P = N_r (= rank Sigma_r) is
 * member r's interpolation peak: E_rr, E_ens, E_diag, E_test are +Inf and
 * the status DEQ_EDIVERGE ("peak shift": the ensemble's peak sits at
 * P = N_r, not at P = N).  */
#ifndef DEQ_ENSEMBLE_VIEWS_H
#define DEQ_ENSEMBLE_VIEWS_H

#include <stddef.h>
#include <stdint.h>
#include "deq/mc.h"
#include "deq/spectrum.h"
#include "deq/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_views_member {
  /* The subset: n explicit 0-based coordinate indices idx[0..n-1] (any
     order, no repeats), or, when idx is NULL, round(fraction N) distinct
     coordinates drawn uniformly with `seed` (deq_views_random_subset).  */
  size_t n;
  const size_t *idx;
  double fraction;     /* 0 < fraction <= 1, used when idx == NULL */
  uint64_t seed;
  double eta;          /* feature-noise standard deviation eta_r >= 0 */
  double lambda;       /* ridge lambda_r >= 0, or NAN: the common lambda */
  const char *label;   /* names the member in messages ("views:3"); NULL:
                          "member R" */
} deq_views_member;

typedef struct deq_views {
  size_t K;                        /* members, >= 1 */
  const deq_views_member *member;
} deq_views;

/* A random subset: n distinct indices of 0..N-1 (1 <= n <= N) drawn
   uniformly (partial Fisher-Yates on the stream (seed, 0)), in
   increasing order; reproducible on every platform.  */
deq_status deq_views_random_subset(size_t *idx, size_t N, size_t n,
                                   uint64_t seed);

/* K disjoint subsets of n coordinates each (K n <= N): a random
   permutation of 0..N-1 (seed) cut into consecutive blocks; block r in
   idx[r n .. r n + n - 1], each in increasing order.  */
deq_status deq_views_disjoint(size_t *idx, size_t N, size_t K, size_t n,
                              uint64_t seed);

/* A plan: the members resolved against Sigma (subsets, per-member
   spectra, overlaps).  Errors name the member and field in err
   ("LABEL: subset: index 1001 is beyond N = 1000"): DEQ_EINVAL for
   K < 1 or NULL arguments, DEQ_EDOM for an empty or out-of-range subset,
   a repeated index, eta < 0, lambda < 0, a member whose Sigma_r is zero,
   DEQ_EUNSUP for a spectrum Monte Carlo could not sample either
   (non-integer multiplicities, infinite dimension).  */
typedef struct deq_views_plan deq_views_plan;

/* Diagonal Sigma: the spectrum's eigen-directions (see above).  */
deq_status deq_views_plan_diag(deq_views_plan **out, const deq_spectrum *sp,
                               const deq_views *views, deq_error *err);
/* Dense Sigma: N x N symmetric positive semi-definite, column-major;
   wbar: the target weights (N).  LAPACK dsyevd once per member.  */
deq_status deq_views_plan_dense(deq_views_plan **out, const double *sigma,
                                const double *wbar, size_t N,
                                const deq_views *views, deq_error *err);
void deq_views_plan_free(deq_views_plan *plan);   /* NULL: no-op */

size_t deq_views_plan_members(const deq_views_plan *plan);   /* K */
size_t deq_views_plan_dim(const deq_views_plan *plan);       /* N */
/* Member r's subset, increasing 0-based indices (owned by the plan).  */
const size_t *deq_views_plan_subset(const deq_views_plan *plan, size_t r,
                                    size_t *n);

typedef struct deq_views_point {
  double P, lambda, noise, readout_noise;   /* inputs (lambda: common) */
  double K;
  double E_ens, E_test, E_diag, E_cross;
  deq_status status;      /* DEQ_OK, DEQ_EDIVERGE, or the failure */
} deq_views_point;

/* Solve at (P, common lambda): P > 0, lambda >= 0 (used by the members
   whose lambda is NAN), noise sigma^2 >= 0, readout_noise zeta^2 >= 0.
   kappa[K], gamma[K*K], B[K*K], E[K*K] (row-major, [r*K + r']) receive the
   per-member and per-pair values; each may be NULL.  */
deq_status deq_views_solve(deq_views_point *out, double *kappa,
                           double *gamma, double *B, double *E,
                           const deq_views_plan *plan, double P,
                           double lambda, double noise,
                           double readout_noise);

/* The isotropic closed form of spec 4b (Sigma = I, wbar spread uniformly
   with |wbar|^2 = norm2), an independent check of the general formula:
   alpha = P/N, nu[r] = N_r/N, nu_pair[r*K + r'] = |S_r & S_r'|/N (its
   diagonal is ignored), eta[r] >= 0, lambda[r] >= 0 (all given).  Same
   outputs as deq_views_solve (out->lambda is NAN).  */
deq_status deq_views_iso(deq_views_point *out, double *kappa, double *gamma,
                         double *B, double *E, size_t K, const double *nu,
                         const double *nu_pair, const double *eta,
                         const double *lambda, double alpha, double norm2,
                         double noise, double readout_noise);

/* MPFR twin of deq_views_solve for diagonal plans (prec bits >= 53):
   every kappa_r by bisection, the sums and risks with prec bits.
   DEQ_EUNSUP for dense plans and for a member with lambda_r = 0.  */
deq_status deq_mp_views(deq_views_point *out, double *kappa, double *gamma,
                        double *B, double *E, const deq_views_plan *plan,
                        double P, double lambda, double noise,
                        double readout_noise, long prec);

/* ------------------------------------------------------------ Monte Carlo
   Trial t (stream (seed, t)): X (P x N) with rows x ~ N(0, Sigma) (in the
   eigenbasis for diagonal plans, X = Z Sigma^1/2 for dense ones), y = X
   wbar + sigma eps; every member its fresh feature noise; one thin SVD per
   member per trial serves every lambda; per pair the exact conditional
   risk E_rr' = (w_r - wbar)' Sigma (w_r' - wbar) + [r = r'] eta_r^2
   |w_r|^2 (w_r: member r's weights embedded in R^N).  E_ens adds zeta^2/K
   exactly.  Bitwise identical for any thread count.
   pair[l*K*K + r*K + r'] and ens/diag/cross[l] for lambda[l]; pair, diag
   and cross may be NULL.  P >= 1, trials >= 2.  */
deq_status deq_mc_views_run(deq_mc_estimate *pair, deq_mc_estimate *ens,
                            deq_mc_estimate *diag, deq_mc_estimate *cross,
                            const deq_views_plan *plan, size_t P,
                            const double *lambda, size_t nlambda,
                            double noise, double readout_noise,
                            size_t trials, uint64_t seed, int threads);

#ifdef __cplusplus
}
#endif
#endif
