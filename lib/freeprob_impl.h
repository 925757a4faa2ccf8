/* freeprob_impl.h -- what the lib/freeprob_*.c files share (private).
 *
 * Every spectrum of a product is written through one complex unknown, the
 * renormalised argument kappa of the input spectrum Omega, with
 * d = df1_Omega(kappa) (complex) and
 *   Lambda(kappa) = kappa prod_j (1 - d/W_j) prod_{l>=2} e_l,
 *   e_l = t_l mu_l/(1 - t_l),  t_l = d/N_{l-1},  delta_l(mu_l) = t_l,
 * where W_j runs over the Wishart widths (N_1..N_L and P) and delta_l is
 * the normalised df of the layer covariance Sigma_l (e_l = 1 for an
 * isotropic layer).  The point z corresponds to Lambda(kappa) = -z, and
 * g(z) = -(1 - d/n_out)/z.  The sample covariance is the chain with no
 * layers and a data factor.
 *
 * The files: freeprob_kernel.c (atoms, complex and real passes),
 * freeprob_population.c (g and S of a spectrum), freeprob_marchenko.c
 * (closed forms), freeprob_model.c (the complex solver: Newton and the
 * eta ladder), freeprob_chain.c (products), freeprob_edges.c (support of
 * a sample covariance), freeprob_density.c (its density),
 * freeprob_cdf.c (masses, CDFs, KS), freeprob_moments.c.  */
#ifndef DEQ_FREEPROB_IMPL_H
#define DEQ_FREEPROB_IMPL_H

#include <complex.h>
#include <stddef.h>
#include "deq/freeprob.h"

#define FP_MAX_LAYERS 64
#define FP_MAX_ORDER 64
#define FP_NEWTON_MAX 60
#define FP_ETA_MIN 1e-13       /* relative to the spectral scale */
#define FP_COMPLEX_ROOT 1e-6   /* |Im kappa|/|kappa| of a surely complex root */

/* ---------------------------------------------------------------- atoms */

/* The positive atoms of a spectrum, padded to a multiple of 4 with
   (s = s_0, m = 0) so that the vector kernel needs no tail.  */
typedef struct fp_atoms {
  size_t n, npad;
  double *s, *m;
  double *zero;   /* n zero target powers: the view rpass hands the kernel */
  double dim, rank, trace, t2, smin, smax;
} fp_atoms;

void deq_fp_atoms_free(fp_atoms *a);
deq_status deq_fp_atoms_init(fp_atoms *a, const deq_spectrum *sp);

/* Complex sums at kappa: df1 = sum m s/(s+k), df2 = sum m s^2/(s+k)^2 and
   h = sum m s/(s+k)^2 (so that d df1/dk = -h).  */
typedef struct csums {
  double complex df1, df2, h;
} csums;

void deq_fp_cpass(csums *o, const fp_atoms *a, double complex k);

/* Real sums at any real kappa off the poles: df1, df2, df3 = sum m s^2/(s+k)^3. */
typedef struct rsums {
  double df1, df2, df3;
} rsums;

void deq_fp_rpass(rsums *o, const fp_atoms *a, double k);

/* ---------------------------------------------------------------- the model */

/* One chain: Omega's atoms, the Wishart widths W[0..nw-1] (layers then P),
   and the structured layers l >= 2 (lay[l] with n_{l-1} = nprev[l]).  */
typedef struct fp_model {
  fp_atoms omega;
  size_t L, nw;
  double W[FP_MAX_LAYERS + 1];
  double nprev[FP_MAX_LAYERS];
  fp_atoms lay[FP_MAX_LAYERS];
  int structured[FP_MAX_LAYERS];
  double n_out, d_max, scale;
} fp_model;

typedef struct fp_state {
  double complex kappa;
  double complex mu[FP_MAX_LAYERS];
  int have_mu[FP_MAX_LAYERS];
} fp_state;

deq_status deq_fp_chain_check(const deq_freeprob_chain *c);
deq_status deq_fp_model_init(fp_model *M, const deq_freeprob_chain *c);
void deq_fp_model_free(fp_model *M);

/* Newton on Lambda(kappa) + z from st->kappa (lower: keep Im kappa < 0);
   the point from a solution; the continuation down the eta ladder.  */
deq_status deq_fp_newton(fp_state *st, double complex *Fp_out,
                         double complex *d_out, const fp_model *M,
                         double complex z, int lower, int *passes);
void deq_fp_fill_point(deq_freeprob_point *o, const fp_model *M,
                       double complex z, double complex kappa,
                       double complex d, double eta);
deq_status deq_fp_ladder(deq_freeprob_point *o, const fp_model *M,
                         double complex z, int *passes);

/* ---------------------------------------------------------------- sample covariance */

/* Sort helper: indices of x in increasing order (qsort with a global-free
   pair array).  */
typedef struct fp_xi {
  double x;
  size_t i;
} fp_xi;

fp_xi *deq_fp_sorted_points(const double *x, size_t n);

/* The support without masses (freeprob_edges.c).  */
deq_status deq_fp_support_edges(deq_freeprob_support **out, const fp_atoms *a,
                                double P, double dim);

/* The model of Sigma_hat (P samples) and its support without masses.  */
deq_status deq_fp_sample_setup(fp_model *M, deq_freeprob_support **s,
                               const deq_spectrum *sp, double P);

/* Densities at sorted points p[0..n-1] with a support s; out[p[j].i].  */
deq_status deq_fp_density_sorted(deq_freeprob_point *out, const fp_model *M,
                                 const deq_freeprob_support *s, double P,
                                 const fp_xi *p, size_t n);

#endif
