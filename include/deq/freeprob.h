/* deq/freeprob.h -- free probability: Stieltjes transforms, the spectrum
 * of sample covariances and of products of free matrices, S-transforms.
 *
 * Conventions (see the manual, "Free probability"):
 * - Stieltjes transform of an n x n matrix A (or of a spectrum):
 *     g(z) = (1/n) tr (A - z)^-1 = (1/n) sum_i m_i/(s_i - z),
 *   so Im g > 0 when Im z > 0, g(z) ~ -1/z at infinity, and
 *   g(-lambda) = (1/n) tr (A + lambda)^-1.  The density of the continuous
 *   part is rho(x) = Im g(x + i0)/pi.
 * - Degrees of freedom are unnormalised, df_A(lambda) = tr A (A+lambda)^-1
 *   = n (1 + z g(z)) at z = -lambda; the normalised df is
 *   delta_A = df_A/n.
 * - S-transform in the df parametrisation: S_A(delta) = (1 - delta)/(delta
 *   lambda_A(delta)), lambda_A the inverse of delta_A; equal to
 *   Voiculescu's S(-delta).  S_{AB} = S_A S_B for free A, B.  White
 *   Wishart Z'Z/P (N x N): S = 1/(1 - q delta), q = N/P.
 * - Sample covariance of P samples from Sigma: Sigma_hat = X'X/P, X (P x N)
 *   with rows N(0, Sigma).  Its deterministic equivalent at z: the
 *   renormalised kappa(z) solves z = -kappa (1 - df1(kappa)/P), and
 *   g(z) = -(1 - df1(kappa)/N)/z.
 * - Chain (product): A = G' Omega G, G = F_1 ... F_L,
 *   F_l = Sigma_l^1/2 Z_l/sqrt(N_l), Z_l (N_{l-1} x N_l) iid N(0,1),
 *   N_0 = N = dim Omega; optionally with data, A = G' Omega^1/2 W_P
 *   Omega^1/2 G (the feature covariance of P samples).  Its inverse df is
 *     lambda_A(d) = f_Omega(d) prod_l (1 - d/N_l) [(1 - d/P)]
 *                   / prod_{l>=2} S_{Sigma_l}(d/N_{l-1}),
 *   f_Omega the inverse of df1 of Omega (deq_resolvent_inverse_df1).  */
#ifndef DEQ_FREEPROB_H
#define DEQ_FREEPROB_H

#include <stddef.h>
#include "deq/spectrum.h"

/* deq_complex: double _Complex in C, std::complex<double> in C++.  The two
   have the same layout (two doubles, real part first: C11 6.2.5,
   C++11 [complex.numbers]), so results written through a deq_complex *
   and the complex members of deq_freeprob_point read the same in both
   languages.  Passing a complex BY VALUE is another matter: no standard
   says a C++ class is passed like a C _Complex, so C++ never calls the
   by-value functions below directly.  Each has a twin, suffix _zp, that
   takes z by address; in C++ the by-value names are inline wrappers of
   the twins, so the same source compiles as C and as C++.  */
#ifdef __cplusplus
#include <complex>
typedef std::complex<double> deq_complex;
#else
#include <complex.h>
typedef double _Complex deq_complex;
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ population */

/* g(z) = (1/N) sum m/(s - z) of the spectrum itself.  Im z = 0 is allowed
   off the atoms; z equal to an atom (a pole) is DEQ_EDOM.  Infinite
   spectra (analytic tails) use their quadrature atoms.  */
#ifndef __cplusplus
deq_status deq_freeprob_stieltjes(deq_complex *g, const deq_spectrum *sp,
                                  deq_complex z);
#endif
deq_status deq_freeprob_stieltjes_zp(deq_complex *g, const deq_spectrum *sp,
                                     const deq_complex *z);

/* S_A(delta) of the spectrum (normalised in its dimension dim):
   (1 - delta)/(delta f(dim delta)), 0 < delta < rank/dim; DEQ_EDOM
   outside.  delta -> 0 tends to dim/trace.  */
deq_status deq_freeprob_s_transform(double *S, const deq_spectrum *sp,
                                    double delta);

/* White Wishart of ratio q = N/P > 0: S = 1/(1 - q delta) for
   0 < delta < min(1, 1/q) (DEQ_EDOM outside).  */
deq_status deq_freeprob_s_wishart(double *S, double q, double delta);

/* ------------------------------------------------------------ Marchenko-Pastur */

/* Sigma = scale I, q = N/P > 0: Sigma_hat has edges scale (1 -+ sqrt q)^2,
   density sqrt((b - x)(x - a))/(2 pi q scale x) on [a, b], and an atom at 0
   of mass max(0, 1 - 1/q).  */
deq_status deq_freeprob_mp_edges(double *lo, double *hi, double *atom0,
                                 double q, double scale);
deq_status deq_freeprob_mp_density(double *rho, double q, double scale,
                                   double x);
/* Closed-form g(z) (branch with Im g >= 0 for Im z >= 0; real z on the
   support gives the boundary value g(x + i0)).  z = 0 is DEQ_EDOM.  */
#ifndef __cplusplus
deq_status deq_freeprob_mp_stieltjes(deq_complex *g, double q,
                                     double scale, deq_complex z);
#endif
deq_status deq_freeprob_mp_stieltjes_zp(deq_complex *g, double q,
                                        double scale, const deq_complex *z);

/* ------------------------------------------------------------ results */

typedef struct deq_freeprob_point {
  deq_complex z;         /* where: z = x + i y, y >= 0 */
  deq_complex g;         /* g(z) (y = 0: the boundary value g(x + i0)) */
  deq_complex kappa;     /* renormalised argument of the input spectrum */
  deq_complex df;        /* unnormalised df at lambda = -z: n (1 + z g) */
  double density;        /* Im g/pi: the density of the continuous part */
  double eta;            /* imaginary part actually solved at (0: on the axis) */
  int iterations;        /* passes over the spectrum */
  deq_status status;     /* DEQ_OK, or why this point failed */
} deq_freeprob_point;

/* ------------------------------------------------------------ sample covariance */

/* g of Sigma_hat (P samples, P > 0) at z with Im z >= 0, z != 0 when there
   is an atom at 0.  Newton on kappa with continuation from far away.  */
#ifndef __cplusplus
deq_status deq_freeprob_sample_stieltjes(deq_freeprob_point *out,
                                         const deq_spectrum *sp, double P,
                                         deq_complex z);
#endif
deq_status deq_freeprob_sample_stieltjes_zp(deq_freeprob_point *out,
                                            const deq_spectrum *sp, double P,
                                            const deq_complex *z);

/* Support of the continuous part of the spectrum of Sigma_hat: disjoint
   intervals [lo_k, hi_k] in increasing order, their masses, and the atom
   at 0 of mass 1 - min(P, rank)/N.  The edges are x(kappa) = -kappa (1 -
   df1(kappa)/P) at the real critical points df2(kappa) = P (one below
   -s_max, one above -s_min, and 0 or 2 between consecutive atoms).  */
typedef struct deq_freeprob_support {
  size_t n;              /* number of intervals */
  double *lo, *hi;       /* their edges */
  double *mass;          /* integral of the density over each interval */
  double *klo, *khi;     /* the real kappa at each edge */
  double atom0;          /* mass of the atom at 0 */
  int passes;            /* passes over the spectrum */
} deq_freeprob_support;

deq_status deq_freeprob_sample_support(deq_freeprob_support **out,
                                       const deq_spectrum *sp, double P);
void deq_freeprob_support_free(deq_freeprob_support *s);

/* Density of the continuous part at x[0..n-1] (any order, any sign): 0
   outside the support; inside, the complex kappa with Im kappa < 0 of the
   real-axis equation, by Newton from an edge expansion or the previous
   point (sorted internally), with an upper-half-plane continuation as the
   fallback.  out[i] matches x[i].  */
deq_status deq_freeprob_sample_density(deq_freeprob_point *out,
                                       const deq_spectrum *sp, double P,
                                       const double *x, size_t n);

/* Moments m[k] = lim (1/N) tr Sigma_hat^k, k = 0..order (order <= 64):
   m1 = mu1, m2 = mu2 + q mu1^2, m3 = mu3 + 3 q mu1 mu2 + q^2 mu1^3, ...
   with mu_k = tr Sigma^k/N, q = N/P (series reversion of the
   self-consistent equation).  Finite spectra only.  */
deq_status deq_freeprob_sample_moments(double *m, size_t order,
                                       const deq_spectrum *sp, double P);

/* CDF of the spectral distribution of Sigma_hat (atom included) at x[0..n-1]
   (any order), by Clenshaw-Curtis quadrature of the density on pieces of
   each support interval, cut adaptively (geometrically across decades),
   with `nodes` nodes per piece (>= 16; 0 means 32).  Masses and CDF are
   accurate to 1e-10 absolute (the manual, "Numerics and accuracy").  */
deq_status deq_freeprob_sample_cdf(double *F, const deq_spectrum *sp,
                                   double P, const double *x, size_t n,
                                   size_t nodes);

/* ------------------------------------------------------------ chains */

typedef struct deq_freeprob_chain {
  const deq_spectrum *input;   /* Omega, dimension N (first-layer structure
                                  folded in: Omega = Sigma^1/2 Sigma_1 Sigma^1/2) */
  size_t layers;               /* L >= 0 */
  const double *widths;        /* N_1 .. N_L > 0 (any real > 0) */
  const deq_spectrum *const *layer; /* NULL, or L entries: layer[l] is
                                  Sigma_{l+1} (NULL = identity); layer[0]
                                  must be NULL.  Used through its spectral
                                  distribution; must have no zero
                                  eigenvalue (DEQ_EDOM) */
  double P;                    /* samples > 0, or 0: no data factor */
} deq_freeprob_chain;

/* Dimension of the product (N_L, or N when L = 0) and the largest
   attainable df: min(rank Omega, N_1..N_L, P).  */
deq_status deq_freeprob_chain_dims(double *n_out, double *d_max,
                                   const deq_freeprob_chain *c);

/* lambda_A(d) for 0 < d < d_max (the inverse df of the product).  */
deq_status deq_freeprob_chain_lambda(double *lambda,
                                     const deq_freeprob_chain *c, double d);

/* df of the product at ridge lambda > 0 from the S-product (monotone
   root in d of lambda_A(d) = lambda); *kappa is f_Omega(df).  */
deq_status deq_freeprob_chain_df(double *df, double *kappa,
                                 const deq_freeprob_chain *c, double lambda);

/* The same by nested fixed points, one Wishart layer at a time:
   df_l(lambda) = df_{l-1}(lambda/(1 - df_l/N_l)), df_0 = df1 of Omega,
   the data factor (P) outermost.  Isotropic layers only (DEQ_EUNSUP
   otherwise).  An independent check of deq_freeprob_chain_df.  */
deq_status deq_freeprob_chain_df_nested(double *df,
                                        const deq_freeprob_chain *c,
                                        double lambda);

/* S-transform of the product at delta (normalised in n_out).  */
deq_status deq_freeprob_chain_s_transform(double *S,
                                          const deq_freeprob_chain *c,
                                          double delta);

/* g of the product at z, Im z > 0 (or real z: the boundary value,
   reached by the continuation).  */
#ifndef __cplusplus
deq_status deq_freeprob_chain_stieltjes(deq_freeprob_point *out,
                                        const deq_freeprob_chain *c,
                                        deq_complex z);
#endif
deq_status deq_freeprob_chain_stieltjes_zp(deq_freeprob_point *out,
                                           const deq_freeprob_chain *c,
                                           const deq_complex *z);

/* Density at real x[0..n-1]: continuation in the upper half plane down
   a geometric ladder of eta (factor 4, from the grid spacing down to
   1e-13 times the spectral scale), warm-started level by level from the
   neighbouring grid point, then Newton on the axis.  A point where the
   axis Newton does not converge keeps Im g(x + i eta_min)/pi (eta
   recorded in out->eta).  */
deq_status deq_freeprob_chain_density(deq_freeprob_point *out,
                                      const deq_freeprob_chain *c,
                                      const double *x, size_t n);

/* Atom at 0 of the product: 1 - d_max/n_out.  */
double deq_freeprob_chain_atom0(const deq_freeprob_chain *c);

/* CDF of the product at x[0..n-1] (any order), atom included: the
   trapezoid rule in u on x = xmax u^2 (xmax = max x, u uniform with
   `nodes` steps, 0 means 4000), linear interpolation in u.  The
   substitution makes a 1/sqrt(x) hard edge at 0 smooth; square-root
   edges leave an error of order nodes^-1.5.  Sample covariances (no
   layers) use deq_freeprob_sample_cdf instead.  */
deq_status deq_freeprob_chain_cdf(double *F, const deq_freeprob_chain *c,
                                  const double *x, size_t n, size_t nodes);

/* ------------------------------------------------------------ KS distance */

/* sup_x |F_n(x) - F(x)| for sorted samples x[0..n-1] and the theoretical
   CDF values F[i] = F(x[i]) (right-continuous) and Fleft[i] = F(x[i]^-)
   (NULL: continuous, equal to F).  Ties are handled.  */
deq_status deq_freeprob_ks(double *D, const double *x, const double *F,
                           const double *Fleft, size_t n);

#ifdef __cplusplus
}

/* C++: the by-value forms, through the _zp twins (see deq_complex).  */
inline deq_status deq_freeprob_stieltjes(deq_complex *g,
                                         const deq_spectrum *sp,
                                         deq_complex z)
{
  return deq_freeprob_stieltjes_zp(g, sp, &z);
}
inline deq_status deq_freeprob_mp_stieltjes(deq_complex *g, double q,
                                            double scale, deq_complex z)
{
  return deq_freeprob_mp_stieltjes_zp(g, q, scale, &z);
}
inline deq_status deq_freeprob_sample_stieltjes(deq_freeprob_point *out,
                                                const deq_spectrum *sp,
                                                double P, deq_complex z)
{
  return deq_freeprob_sample_stieltjes_zp(out, sp, P, &z);
}
inline deq_status deq_freeprob_chain_stieltjes(deq_freeprob_point *out,
                                               const deq_freeprob_chain *c,
                                               deq_complex z)
{
  return deq_freeprob_chain_stieltjes_zp(out, c, &z);
}
#endif
#endif
