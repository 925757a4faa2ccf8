/* test/t-corr.c -- correlated samples: K spectra, the coupled fixed point,
 * risks, GCV and CorrGCV limits, forecasting.
 *
 * Expected values come from (a) exact reductions: K = I is plain ridge
 * (deq_ridge_solve), K = (1 - c) I is ridge at lambda/(1 - c); (b) an
 * independent long-double reference written here (bisection on the shared
 * df with bisection inversions, and the spec sheet's formulas in their
 * raw form), to 1e-12 relative; (c) dense LAPACK algebra in the test
 * (eigenvalues of Toeplitz matrices, the forecast quadratic form by
 * linear solves); (d) finite differences for dkappa/dlambda; (e) the spec
 * sheet's own numbers (ridge_family.md section 3); (f) a 200-bit MPFR
 * solver of the coupled fixed point (bisection on df), to 1e-12.  */
#include <config.h>
#include <deq/spectrum.h>
#include <deq/ridge.h>
#include <deq/corr.h>
#include <deq/mp.h>
#include "testutil.h"

#include <float.h>
#include <lapacke.h>

static double ref_tol(void)
{
  return getenv("DEQ_VALGRIND") ? 1e-9 : 1e-12;
}

/* Log-uniform Sigma on [0.1, 10] with v_i = sqrt(s_i)/N (the spec sheet's
   test spectrum).  */
static deq_spectrum *sigma(size_t N)
{
  deq_spectrum *lu = NULL;
  ck_assert_st(deq_spectrum_loguniform(&lu, N, 0.1, 10), DEQ_OK);
  double *v = malloc(N * sizeof *v);
  for (size_t i = 0; i < N; i++) v[i] = sqrt(lu->s[i]) / (double)N;
  deq_error err;
  ck_assert_st(deq_spectrum_target_values(lu, N, v, &err), DEQ_OK);
  free(v);
  return lu;
}

static deq_spectrum *iso_K(double P, double level)
{
  deq_spectrum *K = NULL;
  ck_assert_st(deq_spectrum_iso(&K, P, level), DEQ_OK);
  return K;
}

static deq_corr_point csolve(const deq_spectrum *S, const deq_spectrum *K,
                             double lambda, double noise, deq_corr_noise m)
{
  deq_corr_point pt;
  deq_status st = deq_corr_solve(&pt, S, K, lambda, noise, m, NULL);
  ck_assert_msg(st == DEQ_OK, "corr solve(lambda=%g): %s", lambda,
                deq_strerror(st));
  return pt;
}

static deq_ridge_point rsolve(const deq_spectrum *S, double P, double lambda,
                              double noise)
{
  deq_ridge_point pt;
  ck_assert_st(deq_ridge_solve(&pt, S, P, lambda, noise, NULL), DEQ_OK);
  return pt;
}

/* ------------------------------------------------------------ K = I */

START_TEST(identity_is_ridge)
{
  static const double lambdas[] = { 1e-12, 1e-6, 1e-3, 0.05, 1, 30 };
  static const size_t Ns[] = { 100, 400 };   /* P = 200: under, over */
  double P = 200, s2 = 0.25;
  deq_spectrum *K = iso_K(P, 1);
  for (size_t a = 0; a < 2; a++) {
    deq_spectrum *S = sigma(Ns[a]);
    for (size_t j = 0; j < sizeof lambdas / sizeof *lambdas; j++) {
      double l = lambdas[j];
      deq_ridge_point r = rsolve(S, P, l, s2);
      for (int m = 0; m < 2; m++) {
        deq_corr_point c = csolve(S, K, l, s2, (deq_corr_noise)m);
        double tol = 1e-12;
        ck_assert_rel(c.kappa, r.kappa, tol);
        ck_assert_rel(c.df, r.df1, tol);
        /* lambda = kappa kappa_K df/P (kappa_K = (P - df)/df for K = I
           would cancel at tiny lambda) */
        ck_assert_rel(c.kappa * c.kappa_K * c.df / P, l, 1e-12);
        if (l >= 1e-3)
          ck_assert_rel(c.kappa_K, (P - r.df1) / r.df1, 1e-12);
        ck_assert_rel(c.gamma, r.gamma, tol);
        ck_assert_rel(c.one_minus_gamma, r.one_minus_gamma, tol);
        ck_assert_rel(c.E_g, r.E_g, tol);
        ck_assert_rel(c.bias, r.bias, tol);
        ck_assert_rel(c.E_test, r.E_test, tol);
        ck_assert_rel(c.E_tr, r.E_tr, tol);
        ck_assert_rel(c.gcv_naive, r.E_test, tol);
        ck_assert_rel(c.corrgcv, r.E_test, tol);
        ck_assert_rel(c.dkappa_dlambda, r.dkappa_dlambda, tol);
      }
    }
    /* lambda = 0 on both sides of the threshold.  */
    deq_ridge_point r = rsolve(S, P, 0, s2);
    for (int m = 0; m < 2; m++) {
      deq_corr_point c = csolve(S, K, 0, s2, (deq_corr_noise)m);
      ck_assert_rel(c.kappa, r.kappa, 1e-12);
      ck_assert_rel(c.E_g, r.E_g, 1e-12);
      ck_assert_rel(c.E_tr + 1, r.E_tr + 1, 1e-12);
      ck_assert_rel(c.gcv_naive, r.E_test, 1e-12);
      ck_assert_rel(c.corrgcv, r.E_test, 1e-12);
    }
    deq_spectrum_free(S);
  }
  deq_spectrum_free(K);
}
END_TEST

/* Exact equality (both NaN counts as a failure: no field may be NaN).  */
#define ck_assert_same(a, b)                                                \
  ck_assert_msg((a) == (b), "%s = %.17g vs %s = %.17g", #a, (double)(a),    \
                #b, (double)(b))

static void assert_no_nan(const deq_corr_point *c)
{
  const double f[] = { c->kappa, c->kappa_K, c->df, c->df2, c->df2_K,
                       c->gamma, c->one_minus_gamma, c->dkappa_dlambda, c->B,
                       c->bias, c->variance, c->E_g, c->E_test, c->E_tr,
                       c->train_ratio, c->gcv_naive, c->corrgcv,
                       c->residual };
  for (size_t i = 0; i < sizeof f / sizeof *f; i++)
    ck_assert_msg(!isnan(f[i]), "field %zu is NaN (P = %g, lambda = %g)", i,
                  c->P, c->lambda);
}

/* K = I is ridge exactly, every field, across the interpolation peak
   (lambda = 0, P = N: ridge gives E_tr = 0 and gcv = E_test).  */
START_TEST(identity_is_ridge_exactly)
{
  static const double lambdas[] = { 0, 1e-14, 1e-8, 1 };
  static const double noises[] = { 0, 0.25 };
  enum { N = 60 };
  const double Ps[] = { N / 2, N - 1, N, N + 1, 2 * N };
  deq_spectrum *S = sigma(N);
  for (size_t a = 0; a < sizeof Ps / sizeof *Ps; a++) {
    deq_spectrum *K = iso_K(Ps[a], 1);
    for (size_t j = 0; j < sizeof lambdas / sizeof *lambdas; j++)
      for (size_t n = 0; n < 2; n++)
        for (int m = 0; m < 2; m++) {
          double l = lambdas[j], s2 = noises[n];
          deq_ridge_point r;
          deq_corr_point c;
          deq_status sr = deq_ridge_solve(&r, S, Ps[a], l, s2, NULL);
          deq_status sc = deq_corr_solve(&c, S, K, l, s2, (deq_corr_noise)m,
                                         NULL);
          ck_assert_int_eq(sc, sr);
          ck_assert(sr == DEQ_OK || (sr == DEQ_EDIVERGE && Ps[a] == N && l == 0));
          assert_no_nan(&c);
          ck_assert_same(c.status, r.status);
          ck_assert_same(c.kappa, r.kappa);
          ck_assert_same(c.df, r.df1);
          ck_assert_same(c.df2, r.df2);
          ck_assert_same(c.gamma, r.gamma);
          ck_assert_same(c.one_minus_gamma, r.one_minus_gamma);
          ck_assert_same(c.dkappa_dlambda, r.dkappa_dlambda);
          ck_assert_same(c.bias, r.bias);
          ck_assert_same(c.variance, r.variance);
          ck_assert_same(c.E_g, r.E_g);
          ck_assert_same(c.E_test, r.E_test);
          ck_assert_same(c.E_tr, r.E_tr);
          ck_assert_same(c.gcv_naive, r.gcv);
          ck_assert_same(c.corrgcv, r.gcv);
          ck_assert_same(c.residual, r.residual);
          ck_assert_same(c.iterations, r.iterations);
          /* the K-side fields of K = I: kappa_K = (P - df)/df */
          if (l >= 1e-8 || (l == 0 && Ps[a] > N))
            ck_assert_rel(c.kappa_K, (Ps[a] - r.df1) / r.df1, 1e-6);
          if (isinf(c.E_test)) ck_assert(c.train_ratio == 0);
          else ck_assert_rel(c.train_ratio * c.E_test, c.E_tr, 1e-14);
        }
    deq_spectrum_free(K);
  }
  deq_spectrum_free(S);
}
END_TEST

/* The peak of a general K (rank Sigma = rank K, lambda = 0): finite
   limits or +Inf, never NaN, and the limits of lambda -> 0+.  A full-rank
   AR(1) K, and a rank-deficient K (blocks with c -> 1 replaced by an
   explicit two-atom spectrum: eigenvalue 2 on half of P, 0 on the rest)
   where iid noise outside K's range leaves E_tr = sigma^2 (P - rank)/P.  */
START_TEST(general_peak_has_no_nan)
{
  deq_spectrum *S = sigma(100), *Kf = NULL, *Kd = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&Kf, 100, 0.5, DEQ_CORR_EXACT), DEQ_OK);
  double ks[] = { 2.0, 0.0 }, km[] = { 100, 100 };
  ck_assert_st(deq_spectrum_from_arrays(&Kd, 2, ks, km, NULL, NULL), DEQ_OK);
  const deq_spectrum *Ks[] = { Kf, Kd };
  for (int k = 0; k < 2; k++)
    for (int m = 0; m < 2; m++)
      for (int n = 0; n < 2; n++) {
        double s2 = n ? 0.25 : 0.0;
        deq_corr_point z;
        ck_assert_st(deq_corr_solve(&z, S, Ks[k], 0, s2, (deq_corr_noise)m,
                                    NULL), DEQ_EDIVERGE);
        assert_no_nan(&z);
        ck_assert(z.E_tr >= 0 && z.gcv_naive >= 0 && z.corrgcv >= 0);
        if (s2 > 0) ck_assert(isinf(z.E_g) && isinf(z.corrgcv));
        else ck_assert(z.E_g == 0 && z.corrgcv == 0);
        /* E_tr and gcv_naive: the limit lambda -> 0+ */
        deq_corr_point e = csolve(S, Ks[k], 1e-12, s2, (deq_corr_noise)m);
        double Etr = (k == 1 && m == DEQ_CORR_NOISE_IID) ? s2 * 0.5 : 0.0;
        ck_assert_msg(z.E_tr == Etr, "E_tr %g, want %g", z.E_tr, Etr);
        ck_assert_msg(fabs(e.E_tr - Etr) < 1e-4, "E_tr(1e-12) = %g vs %g",
                      e.E_tr, Etr);
        if (k == 1)
          ck_assert_msg(fabs(e.gcv_naive - z.gcv_naive) < 1e-4,
                        "gcv_naive(1e-12) = %g vs %g", e.gcv_naive,
                        z.gcv_naive);
      }
  deq_spectrum_free(S);
  deq_spectrum_free(Kf);
  deq_spectrum_free(Kd);
}
END_TEST

/* ------------------------------------------------------------ equicorrelation */

/* K = (1 - c) I_P (the equicorrelated bulk without its spike): exactly
   ridge at lambda/(1 - c); E_tr scales by (1 - c) for noise K; for iid
   noise the variance scales by 1/(1 - c) (ridge at noise s2/(1 - c)).  */
START_TEST(equi_bulk_is_rescaled_ridge)
{
  double P = 300, s2 = 0.3, c = 0.4;
  deq_spectrum *S = sigma(150), *K = iso_K(P, 1 - c);
  static const double lambdas[] = { 1e-8, 0.01, 0.2, 3 };
  for (size_t j = 0; j < 4; j++) {
    double l = lambdas[j];
    deq_ridge_point r = rsolve(S, P, l / (1 - c), s2);
    deq_ridge_point ri = rsolve(S, P, l / (1 - c), s2 / (1 - c));
    deq_corr_point k = csolve(S, K, l, s2, DEQ_CORR_NOISE_K);
    deq_corr_point i = csolve(S, K, l, s2, DEQ_CORR_NOISE_IID);
    ck_assert_rel(k.kappa, r.kappa, 1e-12);
    ck_assert_rel(k.gamma, r.gamma, 1e-12);
    ck_assert_rel(k.E_g, r.E_g, 1e-12);
    ck_assert_rel(k.E_test, r.E_test, 1e-12);
    ck_assert_rel(k.E_tr, (1 - c) * r.E_tr, 1e-12);
    ck_assert_rel(i.E_g, ri.E_g, 1e-12);
    ck_assert_rel(i.E_tr, (1 - c) * ri.E_tr, 1e-12);
  }
  deq_spectrum_free(S);
  deq_spectrum_free(K);
}
END_TEST

/* The full equicorrelated K adds one spike 1 + (P-1) c: kappa differs from
   ridge at lambda/(1-c) by O(1/P) (spec: 0.139588 vs 0.140362 at P = 400,
   0.140284 at 4000).  Sigma scales with P (N = P/2).  */
START_TEST(equi_spike_is_order_one_over_P)
{
  double c = 0.3, l = 0.05, gap[3];
  size_t Ps[3] = { 400, 1600, 6400 };
  for (int i = 0; i < 3; i++) {
    deq_spectrum *S = sigma(Ps[i] / 2), *K = NULL;
    ck_assert_st(deq_corr_spectrum_equi(&K, Ps[i], c), DEQ_OK);
    ck_assert_int_eq(K->n, 2);
    deq_corr_point k = csolve(S, K, l, 0.1, DEQ_CORR_NOISE_K);
    deq_ridge_point r = rsolve(S, (double)Ps[i], l / (1 - c), 0.1);
    gap[i] = fabs(k.kappa - r.kappa) / r.kappa;
    deq_spectrum_free(S);
    deq_spectrum_free(K);
  }
  printf("equi spike: relative kappa gap %.3g %.3g %.3g (P = 400, 1600, 6400)\n",
         gap[0], gap[1], gap[2]);
  fflush(stdout);
  ck_assert(gap[0] < 0.05);
  ck_assert(gap[0] / gap[1] > 3.5 && gap[0] / gap[1] < 4.5);
  ck_assert(gap[1] / gap[2] > 3.5 && gap[1] / gap[2] < 4.5);
}
END_TEST

/* ------------------------------------------------------------ K spectra */

/* Dense Toeplitz eigenvalues by LAPACK in the test, ascending.  */
static void toeplitz_eigs(double *w, size_t P, const double *acf, size_t n)
{
  double *A = malloc(P * P * sizeof *A);
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i < P; i++) {
      size_t h = i > j ? i - j : j - i;
      A[i + j * P] = h < n ? acf[h] : 0;
    }
  ck_assert_int_eq(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'U', (int)P, A,
                                  (int)P, w), 0);
  free(A);
}

static int cmp_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

START_TEST(ar1_exact_eigenvalues)
{
  size_t P = 257;
  double rho = -0.8;
  double *acf = malloc(P * sizeof *acf), *w = malloc(P * sizeof *w);
  for (size_t h = 0; h < P; h++) acf[h] = pow(rho, (double)h);
  toeplitz_eigs(w, P, acf, P);
  qsort(w, P, sizeof *w, cmp_desc);
  deq_spectrum *K = NULL, *K2 = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&K, P, rho, DEQ_CORR_EXACT), DEQ_OK);
  deq_error err;
  ck_assert_st(deq_corr_spectrum_acf(&K2, P, acf, P, DEQ_CORR_EXACT, &err),
               DEQ_OK);
  ck_assert_int_eq(K->n, P);
  ck_assert_rel(K->dim, (double)P, 0);
  ck_assert_rel(K->trace, (double)P, 1e-13);
  for (size_t i = 0; i < P; i++) {
    ck_assert_rel(K->s[i], w[i], 1e-12);
    ck_assert_rel(K2->s[i], w[i], 1e-12);
  }
  free(acf);
  free(w);
  deq_spectrum_free(K);
  deq_spectrum_free(K2);
}
END_TEST

/* ------------------------------------------------------------ AR(1) in O(P) */

/* The former O(P^2) path, kept as a reference: (1 - rho^2) K^-1 is
   tridiagonal (diagonal 1, 1 + rho^2, ..., 1, off-diagonal -rho); dsterf
   gives its eigenvalues mu to eps ||T|| and K's are (1 - rho^2)/mu,
   descending.  */
static void ar1_dsterf(double *w, size_t P, double rho)
{
  double *e = malloc(P * sizeof *e), q = 1.0 - rho * rho;
  for (size_t i = 0; i < P; i++) {
    w[i] = (i == 0 || i + 1 == P) ? 1.0 : 1.0 + rho * rho;
    e[i] = -rho;
  }
  if (P == 1) w[0] = q;
  ck_assert_int_eq(LAPACKE_dsterf((lapack_int)P, w, e), 0);
  for (size_t i = 0; i < P; i++) w[i] = q / w[i];
  free(e);
}

/* Each eigenvalue from the better-conditioned dense reference: K's large
   ones from dsyevd of K, its small ones from dsterf of T ~ K^-1; either
   is accurate to about eps (1 + |rho|)/(1 - |rho|) relative.  */
static void ar1_dense_reference(double *w, size_t P, double rho)
{
  double *acf = malloc(P * sizeof *acf), *t = malloc(P * sizeof *t);
  for (size_t h = 0; h < P; h++) acf[h] = pow(rho, (double)h);
  toeplitz_eigs(w, P, acf, P);
  qsort(w, P, sizeof *w, cmp_desc);
  ar1_dsterf(t, P, rho);
  for (size_t i = 0; i < P; i++)
    if (w[i] < 1) w[i] = t[i];
  free(acf);
  free(t);
}

/* The secular-equation eigenvalues against dense LAPACK for small P,
   to 1e-13 relative, for |rho| <= 0.9 (where the dense references are
   good to ~19 eps).  */
START_TEST(ar1_fast_matches_dense)
{
  static const size_t Ps[] = { 1, 2, 3, 10, 200 };
  static const double rhos[] = { 0, 1e-3, 0.5, -0.7, 0.9, -0.9 };
  for (size_t a = 0; a < sizeof Ps / sizeof *Ps; a++)
    for (size_t b = 0; b < sizeof rhos / sizeof *rhos; b++) {
      size_t P = Ps[a];
      double *w = malloc(P * sizeof *w);
      ar1_dense_reference(w, P, rhos[b]);
      deq_spectrum *K = NULL;
      ck_assert_st(deq_corr_spectrum_ar1(&K, P, rhos[b], DEQ_CORR_EXACT),
                   DEQ_OK);
      /* merged atoms (equal eigenvalues, rho = 0) expand back to P */
      size_t i = 0;
      for (size_t j = 0; j < K->n; j++)
        for (double m = 0; m < K->m[j]; m++, i++)
          ck_assert_msg(test_reldiff(K->s[j], w[i], 0) <= 1e-13,
                        "P %zu rho %g: lambda_%zu = %.17g vs %.17g", P,
                        rhos[b], i, K->s[j], w[i]);
      ck_assert_uint_eq(i, P);
      deq_spectrum_free(K);
      free(w);
    }
}
END_TEST

/* Against the former dsterf path at P = 2000 (its accuracy eps
   (1+|rho|)/(1-|rho|) = 3 eps at rho = 0.5).  */
START_TEST(ar1_fast_matches_old_path)
{
  size_t P = 2000;
  double *w = malloc(P * sizeof *w);
  for (int sgn = -1; sgn <= 1; sgn += 2) {
    double rho = 0.5 * sgn;
    ar1_dsterf(w, P, rho);
    deq_spectrum *K = NULL;
    ck_assert_st(deq_corr_spectrum_ar1(&K, P, rho, DEQ_CORR_EXACT), DEQ_OK);
    ck_assert_uint_eq(K->n, P);
    for (size_t i = 0; i < P; i++)
      ck_assert_msg(test_reldiff(K->s[i], w[i], 0) <= 1e-13,
                    "rho %g: lambda_%zu = %.17g vs %.17g", rho, i, K->s[i],
                    w[i]);
    deq_spectrum_free(K);
  }
  free(w);
}
END_TEST

/* Strong correlation (|rho| -> 1, where dense LAPACK loses
   (1+|rho|)/(1-|rho|) eps): against a 256-bit Sturm-sequence bisection of
   T = (1 - rho^2) K^-1, to 1e-13 relative.  */
#include <mpfr.h>

static void ar1_mpfr_reference(double *w, size_t P, double rho)
{
  mpfr_t r2, d, x, q, t, lo, hi, num;
  mpfr_inits2(256, r2, d, x, q, t, lo, hi, num, (mpfr_ptr)0);
  mpfr_set_d(r2, rho, MPFR_RNDN);
  mpfr_sqr(r2, r2, MPFR_RNDN);              /* rho^2, exact */
  mpfr_ui_sub(num, 1, r2, MPFR_RNDN);       /* 1 - rho^2 */
  for (size_t k = 0; k < P; k++) {          /* mu_k ascending */
    mpfr_set_ui(lo, 0, MPFR_RNDN);
    mpfr_set_ui(hi, 4, MPFR_RNDN);
    for (int it = 0; it < 120; it++) {
      mpfr_add(x, lo, hi, MPFR_RNDN);
      mpfr_div_2ui(x, x, 1, MPFR_RNDN);
      size_t below = 0;                     /* Sturm count of T - x */
      for (size_t i = 0; i < P; i++) {
        if (P == 1) mpfr_set(d, num, MPFR_RNDN);
        else if (i == 0 || i + 1 == P) mpfr_set_ui(d, 1, MPFR_RNDN);
        else mpfr_add_ui(d, r2, 1, MPFR_RNDN);
        mpfr_sub(d, d, x, MPFR_RNDN);
        if (i > 0) {
          mpfr_div(t, r2, q, MPFR_RNDN);
          mpfr_sub(d, d, t, MPFR_RNDN);
        }
        if (mpfr_zero_p(d)) mpfr_set_d(d, -1e-300, MPFR_RNDN);
        mpfr_set(q, d, MPFR_RNDN);
        below += mpfr_sgn(q) < 0;
      }
      if (below > k) mpfr_set(hi, x, MPFR_RNDN);
      else mpfr_set(lo, x, MPFR_RNDN);
    }
    mpfr_div(t, num, lo, MPFR_RNDN);
    w[k] = mpfr_get_d(t, MPFR_RNDN);        /* lambda, descending */
  }
  mpfr_clears(r2, d, x, q, t, lo, hi, num, (mpfr_ptr)0);
}

START_TEST(ar1_fast_strong_correlation)
{
  static const double rhos[] = { 0.99, 0.9999, -0.999999 };
  static const size_t Ps[] = { 1, 7, 40 };
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < 3; b++) {
      size_t P = Ps[a];
      double w[40];
      ar1_mpfr_reference(w, P, rhos[b]);
      deq_spectrum *K = NULL;
      ck_assert_st(deq_corr_spectrum_ar1(&K, P, rhos[b], DEQ_CORR_EXACT),
                   DEQ_OK);
      ck_assert_uint_eq(K->n, P);
      for (size_t i = 0; i < P; i++)
        ck_assert_msg(test_reldiff(K->s[i], w[i], 0) <= 1e-13,
                      "P %zu rho %g: lambda_%zu = %.17g vs %.17g", P,
                      rhos[b], i, K->s[i], w[i]);
      deq_spectrum_free(K);
    }
}
END_TEST

/* O(P) in practice: P = 64000 (issue 8 item 15: over 30 s with the
   O(P^2) path) in well under a second, tr K = P, and the extreme
   eigenvalues near the symbol's range [(1-rho)/(1+rho), (1+rho)/(1-rho)]. */
START_TEST(ar1_fast_large_P)
{
  size_t P = 64000;
  double rho = 0.5;
  deq_spectrum *K = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&K, P, rho, DEQ_CORR_EXACT), DEQ_OK);
  ck_assert_rel(K->trace, (double)P, 1e-12);
  ck_assert(K->s[0] < 3.0 && K->s[0] > 3.0 * (1 - 1e-6));
  ck_assert(K->s[K->n - 1] > 1.0 / 3 && K->s[K->n - 1] < (1.0 / 3) * (1 + 1e-6));
  deq_spectrum_free(K);
}
END_TEST

/* The symbol by FFT (acf = rho^h) equals the closed-form AR(1) symbol, and
   for a short acf (MA(2)) the closed form 1 + 2 a1 cos w + 2 a2 cos 2w.  */
START_TEST(symbol_by_fft)
{
  size_t P = 300;
  double rho = 0.7;
  size_t n = 200;
  double *acf = malloc(n * sizeof *acf);
  for (size_t h = 0; h < n; h++) acf[h] = pow(rho, (double)h);
  deq_spectrum *Ka = NULL, *Kf = NULL;
  deq_error err;
  ck_assert_st(deq_corr_spectrum_ar1(&Ka, P, rho, DEQ_CORR_SYMBOL), DEQ_OK);
  ck_assert_st(deq_corr_spectrum_acf(&Kf, P, acf, n, DEQ_CORR_SYMBOL, &err),
               DEQ_OK);
  ck_assert_rel(Ka->dim, (double)P, 1e-14);
  ck_assert_rel(Ka->trace, (double)P, 1e-12);
  ck_assert_int_eq(Ka->n, Kf->n);
  for (size_t i = 0; i < Ka->n; i++) {
    ck_assert_rel(Ka->s[i], Kf->s[i], 1e-12);
    ck_assert_rel(Ka->m[i], Kf->m[i], 1e-14);
  }
  deq_spectrum_free(Kf);
  double ma[3] = { 1, 0.3, -0.1 };
  ck_assert_st(deq_corr_spectrum_acf(&Kf, 64, ma, 3, DEQ_CORR_SYMBOL, &err),
               DEQ_OK);
  ck_assert_rel(Kf->trace, 64, 1e-13);
  for (size_t i = 0; i < Kf->n; i++) {
    /* every atom is f(w) at some grid w: solve for cos w and check */
    double s = Kf->s[i], best = INFINITY;
    for (int k = 0; k <= 512; k++) {   /* M = 1024 */
      double wk = 2 * M_PI * k / 1024.0;
      double f = 1 + 0.6 * cos(wk) - 0.2 * cos(2 * wk);
      best = fmin(best, fabs(f - s));
    }
    ck_assert_msg(best < 1e-13, "atom %g is not a symbol value", s);
  }
  free(acf);
  deq_spectrum_free(Ka);
  deq_spectrum_free(Kf);
}
END_TEST

/* Exact and symbol K give kappa with an O(1/P) gap (spec: 0.369159 vs
   0.370051 at P = 200, 0.369827 at 800).  N = P/2.  */
START_TEST(symbol_vs_exact_gap)
{
  size_t Ps[3] = { 200, 400, 800 };
  double gap[3];
  for (int i = 0; i < 3; i++) {
    deq_spectrum *S = sigma(Ps[i] / 2), *Ke = NULL, *Ks = NULL;
    ck_assert_st(deq_corr_spectrum_ar1(&Ke, Ps[i], 0.7, DEQ_CORR_EXACT), DEQ_OK);
    ck_assert_st(deq_corr_spectrum_ar1(&Ks, Ps[i], 0.7, DEQ_CORR_SYMBOL), DEQ_OK);
    deq_corr_point e = csolve(S, Ke, 0.05, 0.25, DEQ_CORR_NOISE_K);
    deq_corr_point s = csolve(S, Ks, 0.05, 0.25, DEQ_CORR_NOISE_K);
    gap[i] = (s.kappa - e.kappa) / s.kappa;
    deq_spectrum_free(S);
    deq_spectrum_free(Ke);
    deq_spectrum_free(Ks);
  }
  printf("AR(1) symbol vs exact: relative kappa gap %.4g %.4g %.4g "
         "(P = 200, 400, 800)\n", gap[0], gap[1], gap[2]);
  ck_assert(gap[0] > 0 && gap[0] < 0.02);
  ck_assert(gap[0] / gap[1] > 1.7 && gap[0] / gap[1] < 2.3);
  ck_assert(gap[1] / gap[2] > 1.7 && gap[1] / gap[2] < 2.3);
}
END_TEST

START_TEST(blocks_and_equi_atoms)
{
  deq_spectrum *K = NULL;
  ck_assert_st(deq_corr_spectrum_blocks(&K, 12, 4, 0.5), DEQ_OK);
  ck_assert_int_eq(K->n, 2);
  ck_assert_rel(K->s[0], 2.5, 1e-15);
  ck_assert_rel(K->m[0], 3, 0);
  ck_assert_rel(K->s[1], 0.5, 1e-15);
  ck_assert_rel(K->m[1], 9, 0);
  ck_assert_rel(K->trace, 12, 1e-15);
  deq_spectrum_free(K);
  /* dense blocks matrix -> explicit spectrum: same atoms */
  deq_corr_model m = { .kind = DEQ_CORR_BLOCKS, .m = 4, .c = 0.5 };
  double *A = NULL;
  ck_assert_st(deq_corr_matrix(&A, &m, 12), DEQ_OK);
  deq_error err;
  ck_assert_st(deq_corr_spectrum_matrix(&K, 12, A, &err), DEQ_OK);
  ck_assert_int_ge(K->n, 2);
  ck_assert_rel(K->s[0], 2.5, 1e-13);
  ck_assert_rel(K->s[K->n - 1], 0.5, 1e-13);
  deq_spectrum_free(K);
  free(A);
  ck_assert_st(deq_corr_spectrum_equi(&K, 10, 0.3), DEQ_OK);
  ck_assert_rel(K->s[0], 1 + 9 * 0.3, 1e-15);
  ck_assert_rel(K->m[1], 9, 0);
  deq_spectrum_free(K);
}
END_TEST

/* ------------------------------------------------------------ reference */

typedef long double ld;

/* df1 and df2 of a spectrum at k, and cdf1 = rank - df1, in long double.  */
static ld lgap;   /* df1 - df2 = sum m s k/(s+k)^2 of the last lsums call */

static void lsums(const deq_spectrum *sp, ld k, ld *df1, ld *df2, ld *cdf1,
                  ld *B)
{
  *df1 = *df2 = *cdf1 = lgap = 0;
  if (B) *B = 0;
  for (size_t i = 0; i < sp->n; i++) {
    ld s = sp->s[i], m = sp->m[i];
    if (s == 0) continue;
    *df1 += m * s / (s + k);
    *df2 += m * s * s / ((s + k) * (s + k));
    *cdf1 += m * k / (s + k);
    lgap += m * s * k / ((s + k) * (s + k));
    if (B) *B += k * k * sp->v[i] / ((s + k) * (s + k));
  }
}

/* kappa with df1 = rank - cc (cc > 0), by bisection on log kappa.  */
static ld linv(const deq_spectrum *sp, ld cc)
{
  ld lo = -200, hi = 200, d1, d2, c1;
  for (int it = 0; it < 200; it++) {
    ld mid = (lo + hi) / 2;
    lsums(sp, expl(mid), &d1, &d2, &c1, NULL);
    if (c1 < cc) lo = mid;
    else hi = mid;
  }
  return expl((lo + hi) / 2);
}

typedef struct lref {
  ld kappa, kK, df, gamma, Eg_K, Eg_iid, Etest, Etr_K, Etr_iid, gcv_K,
     corr_iid;
} lref;

/* Bisection on c = d_max - df in log space; both ranks are finite here. */
static lref reference(const deq_spectrum *S, const deq_spectrum *K, ld lambda,
                      ld s2)
{
  ld rS = S->rank, rK = K->rank, dmax = rS < rK ? rS : rK, P = K->dim;
  ld lo = logl(dmax) - 120, hi = logl(dmax), kS = 0, kK = 0;
  for (int it = 0; it < 200; it++) {
    ld mid = (lo + hi) / 2, c = expl(mid);
    kS = linv(S, rS - dmax + c);
    kK = linv(K, rK - dmax + c);
    ld lam = kS * kK * (dmax - c) / P;
    if (lam < lambda) lo = mid;
    else hi = mid;
  }
  ld c = expl((lo + hi) / 2), df = dmax - c;
  ld d1S, d2S, cS, B, d1K, d2K, cK;
  lsums(S, kS, &d1S, &d2S, &cS, &B);
  lsums(K, kK, &d1K, &d2K, &cK, NULL);
  ld gK = lgap;   /* df - df2^K without cancellation */
  lref r;
  r.kappa = kS;
  r.kK = kK;
  r.df = df;
  r.gamma = d2S * d2K / (df * df);
  ld g = r.gamma;
  r.Eg_K = (B + s2 * g) / (1 - g);
  r.Etest = (B + s2) / (1 - g);
  r.Eg_iid = B / (1 - g) + s2 * d2S * (df - d2K) / (df * df * kK * (1 - g));
  r.Etr_K = kK * gK / P * r.Etest;
  r.Etr_iid = kK * (df - d2K) / P * B / (1 - g)
              + s2 * (1 - df / P - (df - d2S) * (df - d2K) / (P * df * (1 - g)));
  r.gcv_K = r.Etr_K / ((cK / P) * (cK / P));   /* 1 - df/P = cdf1^K/P */
  r.corr_iid = r.Etr_iid * P / (kK * (df - d2K));
  return r;
}

START_TEST(long_double_reference)
{
  static const double lambdas[] = { 1e-4, 0.01, 0.05, 1, 10 };
  static const size_t Ns[] = { 60, 150 };   /* P = 100: under, over */
  deq_spectrum *K = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&K, 100, 0.6, DEQ_CORR_EXACT), DEQ_OK);
  double tol = ref_tol();
  for (int a = 0; a < 2; a++) {
    deq_spectrum *S = sigma(Ns[a]);
    for (int j = 0; j < 5; j++) {
      double l = lambdas[j], s2 = 0.3;
      lref r = reference(S, K, l, s2);
      deq_corr_point k = csolve(S, K, l, s2, DEQ_CORR_NOISE_K);
      deq_corr_point i = csolve(S, K, l, s2, DEQ_CORR_NOISE_IID);
      ck_assert_rel(k.kappa, (double)r.kappa, tol);
      ck_assert_rel(k.kappa_K, (double)r.kK, tol);
      ck_assert_rel(k.df, (double)r.df, tol);
      ck_assert_rel(k.gamma, (double)r.gamma, tol);
      ck_assert_rel(k.E_g, (double)r.Eg_K, tol);
      ck_assert_rel(k.E_test, (double)r.Etest, tol);
      ck_assert_rel(k.E_tr, (double)r.Etr_K, tol);
      ck_assert_rel(k.gcv_naive, (double)r.gcv_K, tol);
      ck_assert_rel(k.corrgcv, (double)r.Etest, tol);
      ck_assert_rel(i.E_g, (double)r.Eg_iid, tol);
      ck_assert_rel(i.E_test, (double)(r.Eg_iid + s2), tol);
      ck_assert_rel(i.E_tr, (double)r.Etr_iid, tol);
      ck_assert_rel(i.corrgcv, (double)r.corr_iid, tol);
    }
    deq_spectrum_free(S);
  }
  deq_spectrum_free(K);
}
END_TEST

/* The fixed point itself at tiny lambda (kappa or kappa_K ~ lambda): the
   cancellation-free parametrisation keeps full relative accuracy.  */
START_TEST(reference_tiny_lambda)
{
  deq_spectrum *K = NULL;
  ck_assert_st(deq_corr_spectrum_blocks(&K, 80, 4, 0.5), DEQ_OK);
  static const size_t Ns[] = { 50, 120 };
  for (int a = 0; a < 2; a++) {
    deq_spectrum *S = sigma(Ns[a]);
    static const double lambdas[] = { 1e-14, 1e-10 };
    for (int j = 0; j < 2; j++) {
      lref r = reference(S, K, lambdas[j], 0.2);
      deq_corr_point k = csolve(S, K, lambdas[j], 0.2, DEQ_CORR_NOISE_K);
      ck_assert_rel(k.kappa, (double)r.kappa, ref_tol());
      ck_assert_rel(k.kappa_K, (double)r.kK, ref_tol());
      ck_assert_rel(k.E_g, (double)r.Eg_K, ref_tol());
      ck_assert_rel(k.E_tr, (double)r.Etr_K, ref_tol());
    }
    deq_spectrum_free(S);
  }
  deq_spectrum_free(K);
}
END_TEST

/* ------------------------------------------------------------ properties */

START_TEST(dkappa_dlambda_finite_difference)
{
  deq_spectrum *S = sigma(300), *K = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&K, 200, 0.5, DEQ_CORR_EXACT), DEQ_OK);
  static const double lambdas[] = { 1e-3, 0.05, 2 };
  for (int j = 0; j < 3; j++) {
    double l = lambdas[j], h = 1e-5 * l;
    deq_corr_point p = csolve(S, K, l, 0, DEQ_CORR_NOISE_K);
    deq_corr_point a = csolve(S, K, l + h, 0, DEQ_CORR_NOISE_K);
    deq_corr_point b = csolve(S, K, l - h, 0, DEQ_CORR_NOISE_K);
    ck_assert_rel(p.dkappa_dlambda, (a.kappa - b.kappa) / (2 * h), 1e-8);
    ck_assert(p.dkappa_dlambda >= 1);
    ck_assert(a.kappa > p.kappa && p.kappa > b.kappa && p.kappa >= l);
  }
  deq_spectrum_free(S);
  deq_spectrum_free(K);
}
END_TEST

/* lambda = 0 is the limit of lambda -> 0+ (under and over-parameterised),
   and P = N is the interpolation peak.  */
START_TEST(ridgeless_limits)
{
  deq_spectrum *K = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&K, 200, 0.7, DEQ_CORR_EXACT), DEQ_OK);
  static const size_t Ns[] = { 120, 320 };
  for (int a = 0; a < 2; a++) {
    deq_spectrum *S = sigma(Ns[a]);
    for (int m = 0; m < 2; m++) {
      deq_corr_point z = csolve(S, K, 0, 0.25, (deq_corr_noise)m);
      deq_corr_point e = csolve(S, K, 1e-13, 0.25, (deq_corr_noise)m);
      ck_assert_rel(z.E_g, e.E_g, 1e-9);
      ck_assert_rel(z.E_test, e.E_test, 1e-9);
      ck_assert_rel(z.gcv_naive, e.gcv_naive, 1e-9);
      ck_assert_rel(z.corrgcv, e.corrgcv, 1e-9);
      ck_assert_rel(z.df, e.df, 1e-9);
      if (a == 0) {   /* N < P: kappa = 0, df = N */
        ck_assert(z.kappa == 0);
        ck_assert_rel(z.df, 120, 1e-15);
        ck_assert_rel(z.E_tr, e.E_tr, 1e-9);
        ck_assert_rel(z.kappa_K, e.kappa_K, 1e-9);
      } else {        /* N > P: kappa_K = 0, df = P, E_tr = 0 */
        ck_assert(z.kappa_K == 0);
        ck_assert_rel(z.df, 200, 1e-15);
        ck_assert(z.E_tr == 0 && e.E_tr < 1e-20);
        ck_assert_rel(z.kappa, e.kappa, 1e-9);
      }
    }
    deq_spectrum_free(S);
  }
  deq_spectrum *S = sigma(200);
  deq_corr_point p;
  ck_assert_st(deq_corr_solve(&p, S, K, 0, 0.25, DEQ_CORR_NOISE_K, NULL),
               DEQ_EDIVERGE);
  ck_assert(isinf(p.E_g) && p.status == DEQ_EDIVERGE);
  deq_spectrum_free(S);
  deq_spectrum_free(K);
}
END_TEST

/* Spec sheet, section 3.4-3.5 (N = 200, P = 400, log-uniform Sigma,
   lambda = 0.05, sigma^2 = 0.5, noise K; the setup is not written in
   the sheet, it was identified by these values): AR(1) rho = 0.7 has E_test =
   0.961663 and naive GCV 0.40; blocks m = 4, c = 0.5 naive GCV 0.60 vs
   E_test 0.90; forecast tau = 1: 0.570591, tau = 3: 0.867767.  */
START_TEST(spec_sheet_values)
{
  deq_spectrum *S = sigma(200), *K = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&K, 400, 0.7, DEQ_CORR_EXACT), DEQ_OK);
  deq_corr_point p = csolve(S, K, 0.05, 0.5, DEQ_CORR_NOISE_K);
  printf("spec AR(1): E_test %.6f gcv_naive %.4f corrgcv %.6f\n", p.E_test,
         p.gcv_naive, p.corrgcv);
  ck_assert(fabs(p.E_test - 0.961663) < 5e-7);
  ck_assert(fabs(p.gcv_naive - 0.40) < 0.005);
  deq_corr_model m = { .kind = DEQ_CORR_AR1, .rho = 0.7 };
  static const double want[2] = { 0.570591, 0.867767 };
  static const size_t taus[2] = { 1, 3 };
  for (int i = 0; i < 2; i++) {
    deq_corr_forecast *f = NULL;
    ck_assert_st(deq_corr_forecast_alloc(&f, &m, 400, taus[i]), DEQ_OK);
    double E;
    ck_assert_st(deq_corr_forecast_risk(&E, f, &p), DEQ_OK);
    printf("spec AR(1) forecast tau=%zu: %.6f\n", taus[i], E);
    ck_assert(fabs(E - want[i]) < 5e-7);
    deq_corr_forecast_free(f);
  }
  deq_spectrum_free(K);
  ck_assert_st(deq_corr_spectrum_blocks(&K, 400, 4, 0.5), DEQ_OK);
  p = csolve(S, K, 0.05, 0.5, DEQ_CORR_NOISE_K);
  printf("spec blocks: E_test %.4f gcv_naive %.4f\n", p.E_test, p.gcv_naive);
  ck_assert(fabs(p.gcv_naive - 0.60) < 0.005);
  ck_assert(fabs(p.E_test - 0.90) < 0.005);
  deq_spectrum_free(K);
  deq_spectrum_free(S);
}
END_TEST

/* ------------------------------------------------------------ CorrGCV */

START_TEST(gcv_factor)
{
  deq_spectrum *Id = iso_K(150, 1), *K = NULL;
  double f, kK;
  ck_assert_st(deq_corr_gcv_factor(&f, &kK, Id, 60), DEQ_OK);
  ck_assert_rel(f, 1 / ((1 - 0.4) * (1 - 0.4)), 1e-13);
  ck_assert_rel(kK, 90.0 / 60.0, 1e-13);
  /* noise K: corrgcv(point) = E_tr * factor(df) = E_test */
  ck_assert_st(deq_corr_spectrum_ar1(&K, 150, 0.6, DEQ_CORR_EXACT), DEQ_OK);
  deq_spectrum *S = sigma(100);
  deq_corr_point p = csolve(S, K, 0.02, 0.2, DEQ_CORR_NOISE_K);
  ck_assert_st(deq_corr_gcv_factor(&f, &kK, K, p.df), DEQ_OK);
  ck_assert_rel(kK, p.kappa_K, 1e-12);
  ck_assert_rel(p.E_tr * f, p.E_test, 1e-12);
  ck_assert_st(deq_corr_gcv_factor(&f, NULL, K, 150), DEQ_EDOM);
  ck_assert_st(deq_corr_gcv_factor(&f, NULL, K, 0), DEQ_EDOM);
  deq_spectrum_free(Id);
  deq_spectrum_free(K);
  deq_spectrum_free(S);
}
END_TEST

/* ------------------------------------------------------------ forecasting */

/* k_** - k_*' (K + 2k)(K + k)^-2 k_* by two dense solves in the test.  */
static double dense_forecast(const double *acf, size_t n, size_t P, size_t tau,
                             double k)
{
  double *A = malloc(P * P * sizeof *A), *x = malloc(P * sizeof *x);
  double *ks = malloc(P * sizeof *ks);
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i < P; i++) {
      size_t h = i > j ? i - j : j - i;
      A[i + j * P] = (h < n ? acf[h] : 0) + (i == j ? k : 0);
    }
  for (size_t mu = 0; mu < P; mu++) {
    size_t h = P + tau - 1 - mu;
    ks[mu] = h < n ? acf[h] : 0;
    x[mu] = ks[mu];
  }
  lapack_int ipiv_dummy = 0;
  (void)ipiv_dummy;
  ck_assert_int_eq(LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', (int)P, 1, A, (int)P,
                                 x, (int)P), 0);
  /* y = (K + k)^-1 x, using the factor left in A */
  double *y = malloc(P * sizeof *y);
  memcpy(y, x, P * sizeof *y);
  ck_assert_int_eq(LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', (int)P, 1, A, (int)P,
                                  y, (int)P), 0);
  /* (K + 2k)(K+k)^-2 = (K+k)^-1 + k (K+k)^-2 */
  long double q = 0;
  for (size_t i = 0; i < P; i++) q += (long double)ks[i] * (x[i] + k * y[i]);
  free(A);
  free(x);
  free(y);
  free(ks);
  return (double)(1.0L - q);
}

START_TEST(forecast_forms_agree)
{
  size_t P = 120, n = 400;
  double rho = 0.7;
  double *acf = malloc(n * sizeof *acf);
  for (size_t h = 0; h < n; h++) acf[h] = pow(rho, (double)h);
  deq_corr_model ar = { .kind = DEQ_CORR_AR1, .rho = rho };
  deq_corr_model ac = { .kind = DEQ_CORR_ACF, .acf = acf, .nacf = n };
  static const size_t taus[] = { 1, 2, 5 };
  static const double ks[] = { 0, 1e-3, 0.3, 2, 50 };
  for (int t = 0; t < 3; t++) {
    deq_corr_forecast *fa = NULL, *fc = NULL;
    ck_assert_st(deq_corr_forecast_alloc(&fa, &ar, P, taus[t]), DEQ_OK);
    ck_assert_st(deq_corr_forecast_alloc(&fc, &ac, P, taus[t]), DEQ_OK);
    double s2;
    ck_assert_st(deq_corr_forecast_alpha(NULL, &s2, fc), DEQ_OK);
    ck_assert_rel(s2, 1 - pow(rho, 2.0 * taus[t]), 1e-12);
    for (int j = 0; j < 5; j++) {
      double a, c;
      ck_assert_st(deq_corr_forecast_factor(&a, fa, ks[j]), DEQ_OK);
      ck_assert_st(deq_corr_forecast_factor(&c, fc, ks[j]), DEQ_OK);
      ck_assert_rel(a, c, 1e-12);
      ck_assert_rel(a, dense_forecast(acf, n, P, taus[t], ks[j]), 1e-11);
      ck_assert(a >= s2 * (1 - 1e-12) && a <= 1 + 1e-12);
    }
    deq_corr_forecast_free(fa);
    deq_corr_forecast_free(fc);
  }
  free(acf);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(bad_input)
{
  deq_spectrum *K = NULL;
  deq_error err;
  ck_assert_st(deq_corr_spectrum_ar1(&K, 10, 1.0, DEQ_CORR_EXACT), DEQ_EDOM);
  ck_assert_st(deq_corr_spectrum_ar1(&K, 10, -1.0, DEQ_CORR_SYMBOL), DEQ_EDOM);
  ck_assert_st(deq_corr_spectrum_ar1(&K, 10, NAN, DEQ_CORR_EXACT), DEQ_EDOM);
  ck_assert_st(deq_corr_spectrum_ar1(&K, 0, 0.5, DEQ_CORR_EXACT), DEQ_EDOM);
  ck_assert_st(deq_corr_spectrum_blocks(&K, 10, 4, 0.5), DEQ_EDOM);
  ck_assert_st(deq_corr_spectrum_blocks(&K, 12, 4, 1.0), DEQ_EDOM);
  ck_assert_st(deq_corr_spectrum_blocks(&K, 12, 4, -0.34), DEQ_EDOM);
  ck_assert_st(deq_corr_spectrum_equi(&K, 10, -0.2), DEQ_EDOM);
  ck_assert(K == NULL);
  double bad_acf[3] = { 1, 0.9, 0 };   /* eigenvalues 1 +- 0.9 sqrt 2 */
  ck_assert_st(deq_corr_spectrum_acf(&K, 3, bad_acf, 3, DEQ_CORR_EXACT, &err),
               DEQ_EDOM);
  ck_assert(strstr(err.message, "positive definite") != NULL);
  ck_assert_st(deq_corr_spectrum_acf(&K, 3, bad_acf, 3, DEQ_CORR_SYMBOL, &err),
               DEQ_EDOM);
  ck_assert(strstr(err.message, "symbol") != NULL);
  double big[2] = { 1, 1.5 };
  ck_assert_st(deq_corr_spectrum_acf(&K, 3, big, 2, DEQ_CORR_EXACT, &err),
               DEQ_EDOM);
  double nonsym[4] = { 1, 0.5, 0.2, 1 };
  ck_assert_st(deq_corr_spectrum_matrix(&K, 2, nonsym, &err), DEQ_EDOM);
  ck_assert(strstr(err.message, "symmetric") != NULL);
  double nonpd[4] = { 1, 2, 2, 1 };
  ck_assert_st(deq_corr_spectrum_matrix(&K, 2, nonpd, &err), DEQ_EDOM);
  ck_assert(K == NULL);
  deq_corr_model mb = { .kind = DEQ_CORR_BLOCKS, .m = 4, .c = 0.5 };
  deq_corr_forecast *f = NULL;
  ck_assert_st(deq_corr_forecast_alloc(&f, &mb, 12, 1), DEQ_EUNSUP);
  deq_corr_model ma = { .kind = DEQ_CORR_AR1, .rho = 0.5 };
  ck_assert_st(deq_corr_forecast_alloc(&f, &ma, 12, 0), DEQ_EDOM);
  /* solve */
  deq_spectrum *S = sigma(20);
  ck_assert_st(deq_corr_spectrum_ar1(&K, 30, 0.5, DEQ_CORR_EXACT), DEQ_OK);
  deq_corr_point p;
  ck_assert_st(deq_corr_solve(&p, S, K, -1, 0, DEQ_CORR_NOISE_K, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_corr_solve(&p, S, K, NAN, 0, DEQ_CORR_NOISE_K, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_corr_solve(&p, S, K, 0.1, -1, DEQ_CORR_NOISE_K, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_corr_solve(&p, S, K, 0.1, 0, (deq_corr_noise)7, NULL),
               DEQ_EINVAL);
  ck_assert_st(deq_corr_solve(NULL, S, K, 0.1, 0, DEQ_CORR_NOISE_K, NULL),
               DEQ_EINVAL);
  ck_assert_st(deq_corr_forecast_alloc(&f, &ma, 31, 1), DEQ_OK);
  p = csolve(S, K, 0.1, 0.1, DEQ_CORR_NOISE_K);
  double E;
  ck_assert_st(deq_corr_forecast_risk(&E, f, &p), DEQ_EDOM);   /* P differs */
  p.model = DEQ_CORR_NOISE_IID;
  ck_assert_st(deq_corr_forecast_risk(&E, f, &p), DEQ_EUNSUP);
  deq_corr_forecast_free(f);
  deq_corr_forecast_free(NULL);
  deq_spectrum_free(S);
  deq_spectrum_free(K);
}
END_TEST

START_TEST(read_files)
{
  char path[] = "/tmp/deq-t-corr-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  fputs("# K\n1 0.5 0\n0.5, 1, 0.5\n0 0.5 1\n", f);
  fclose(f);
  double *A = NULL;
  size_t P = 0;
  deq_error err;
  ck_assert_st(deq_corr_read_matrix(&A, &P, path, &err), DEQ_OK);
  ck_assert_int_eq(P, 3);
  ck_assert(A[1] == 0.5 && A[2] == 0 && A[4] == 1);
  free(A);
  f = fopen(path, "w");
  fputs("1 0.5\n0.5 x\n", f);
  fclose(f);
  ck_assert_st(deq_corr_read_matrix(&A, &P, path, &err), DEQ_EPARSE);
  ck_assert_int_eq(err.line, 2);
  ck_assert_int_eq(err.column, 2);
  f = fopen(path, "w");
  fputs("1 0.5\n0.5 1\n0 0\n", f);
  fclose(f);
  ck_assert_st(deq_corr_read_matrix(&A, &P, path, &err), DEQ_EPARSE);
  ck_assert_int_eq(err.line, 3);
  /* autocorrelations: one per line, lag 0 first, comments allowed */
  f = fopen(path, "w");
  fputs("# acf\n1\n0.5\n\n0.25 # lag 2\n", f);
  fclose(f);
  double *acf = NULL;
  size_t nacf = 0;
  ck_assert_st(deq_corr_read_acf(&acf, &nacf, path, &err), DEQ_OK);
  ck_assert_int_eq(nacf, 3);
  ck_assert(acf[0] == 1 && acf[1] == 0.5 && acf[2] == 0.25);
  free(acf);
  f = fopen(path, "w");
  fputs("1\n0.5\nabc\n", f);
  fclose(f);
  ck_assert_st(deq_corr_read_acf(&acf, &nacf, path, &err), DEQ_EPARSE);
  ck_assert_int_eq(err.line, 3);
  remove(path);
  ck_assert_st(deq_corr_read_matrix(&A, &P, path, &err), DEQ_EIO);
  ck_assert_st(deq_corr_read_acf(&acf, &nacf, path, &err), DEQ_EIO);
}
END_TEST

/* A lambda grid in any order equals pointwise cold solves.  */
START_TEST(grid_matches_pointwise)
{
  deq_spectrum *S = sigma(100), *K = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&K, 200, 0.6, DEQ_CORR_EXACT), DEQ_OK);
  const double lam[] = { 1, 1e-6, 0.05, 0, 3 };
  deq_corr_point g[5], p;
  ck_assert_st(deq_corr_grid(g, S, K, lam, 5, 0.5, DEQ_CORR_NOISE_K), DEQ_OK);
  for (size_t j = 0; j < 5; j++) {
    ck_assert_st(deq_corr_solve(&p, S, K, lam[j], 0.5, DEQ_CORR_NOISE_K, NULL),
                 DEQ_OK);
    ck_assert(g[j].lambda == lam[j]);
    ck_assert_rel(g[j].kappa, p.kappa, 1e-12);
    ck_assert_rel(g[j].E_g, p.E_g, 1e-12);
    ck_assert_rel(g[j].E_tr + 1e-300, p.E_tr + 1e-300, 1e-12);
    ck_assert_rel(g[j].corrgcv, p.corrgcv, 1e-12);
  }
  ck_assert_st(deq_corr_grid(g, S, K, lam, 0, 0.5, DEQ_CORR_NOISE_K),
               DEQ_EINVAL);
  deq_spectrum_free(S);
  deq_spectrum_free(K);
}
END_TEST

/* The grid rule: a failure beats DEQ_EDIVERGE, whichever comes first.
   lambda = 0 at rank Sigma = rank K diverges; a NaN lambda fails with
   DEQ_EDOM (its own point's status).  */
START_TEST(grid_failure_beats_divergence)
{
  deq_spectrum *S = sigma(100), *K = NULL;
  ck_assert_st(deq_corr_spectrum_ar1(&K, 100, 0.6, DEQ_CORR_EXACT), DEQ_OK);
  const double orders[2][3] = { { 0, 0.1, NAN }, { NAN, 0.1, 0 } };
  for (int o = 0; o < 2; o++) {
    deq_corr_point g[3];
    ck_assert_st(deq_corr_grid(g, S, K, orders[o], 3, 0.5, DEQ_CORR_NOISE_K),
                 DEQ_EDOM);
    ck_assert_int_eq(g[o == 0 ? 0 : 2].status, DEQ_EDIVERGE);
    ck_assert_int_eq(g[o == 0 ? 2 : 0].status, DEQ_EDOM);
    ck_assert_int_eq(g[1].status, DEQ_OK);
  }
  const double div_only[2] = { 0.1, 0 };
  deq_corr_point g[2];
  ck_assert_st(deq_corr_grid(g, S, K, div_only, 2, 0.5, DEQ_CORR_NOISE_K),
               DEQ_EDIVERGE);
  deq_spectrum_free(S);
  deq_spectrum_free(K);
}
END_TEST

/* ------------------------------------------------------------ MPFR reference
 * The coupled fixed point of corr.h / ridge_family.md 3.2-3.4 at 200 bits:
 * deq_mp_corr (lib/mp.c), bisection on df with lambda(df) = kappa kappa_K
 * df/P and each kappa by inverting df1 in MPFR, then the spec's risk
 * formulas for either noise model.  */
#define MR_PREC 200

static void mr_cmp(const char *what, double lib, double ref, double tol,
                   double *maxrel, const char *where)
{
  double d = test_reldiff(lib, ref, 0);
  if (d > *maxrel) *maxrel = d;
  ck_assert_msg(d <= tol, "%s %s: lib %.17g vs mpfr %.17g: rel %.3g > %.3g",
                where, what, lib, ref, d, tol);
}

/* deq_corr_solve against the 200-bit reference: AR(1) K (rho = 0.5, exact
   eigenvalues, P = 200) and blocks K (m = 4, c = 0.5), log-uniform Sigma
   with N = 100 (under-parameterised: kappa -> 0) and, for blocks, N = 400
   (rank K < rank Sigma: kappa_K -> 0), lambda in {1e-6, 0.05, 1}, noise
   0.5, both noise models.  */
START_TEST(mpfr_reference)
{
  deq_spectrum *Ks[2] = {NULL, NULL};
  ck_assert_st(deq_corr_spectrum_ar1(&Ks[0], 200, 0.5, DEQ_CORR_EXACT),
               DEQ_OK);
  ck_assert_st(deq_corr_spectrum_blocks(&Ks[1], 200, 4, 0.5), DEQ_OK);
  const char *kname[2] = {"ar1", "blocks"};
  deq_spectrum *Ss[2] = {sigma(100), sigma(400)};
  const double lams[] = {1e-6, 0.05, 1};
  double noise = 0.5, tol = ref_tol(), maxrel = 0;
  for (int ik = 0; ik < 2; ik++)
    for (int is = 0; is < 2; is++) {
      if (ik == 0 && is == 1) continue;  /* AR(1): N = 100 only (time) */
      for (int il = 0; il < 3; il++) {
        double lam = lams[il];
        char where[80];
        snprintf(where, sizeof where, "%s N=%g lambda=%g", kname[ik],
                 Ss[is]->dim, lam);
        for (int m = 0; m < 2; m++) {
          deq_corr_noise nm = m ? DEQ_CORR_NOISE_IID : DEQ_CORR_NOISE_K;
          deq_corr_point p = csolve(Ss[is], Ks[ik], lam, noise, nm), r;
          ck_assert_st(deq_mp_corr(&r, Ss[is], Ks[ik], lam, noise, nm,
                                   MR_PREC), DEQ_OK);
          mr_cmp("kappa", p.kappa, r.kappa, tol, &maxrel, where);
          mr_cmp("kappa_K", p.kappa_K, r.kappa_K, tol, &maxrel, where);
          mr_cmp("df", p.df, r.df, tol, &maxrel, where);
          mr_cmp("df2", p.df2, r.df2, tol, &maxrel, where);
          mr_cmp("df2_K", p.df2_K, r.df2_K, tol, &maxrel, where);
          mr_cmp("gamma", p.gamma, r.gamma, tol, &maxrel, where);
          mr_cmp("1-gamma", p.one_minus_gamma, r.one_minus_gamma, tol,
                 &maxrel, where);
          mr_cmp("dkappa_dlambda", p.dkappa_dlambda, r.dkappa_dlambda, tol,
                 &maxrel, where);
          mr_cmp("B", p.B, r.B, tol, &maxrel, where);
          mr_cmp("train_ratio", p.train_ratio, r.train_ratio, tol, &maxrel,
                 where);
          mr_cmp(m ? "bias (iid)" : "bias (K)", p.bias, r.bias, tol,
                 &maxrel, where);
          mr_cmp(m ? "variance (iid)" : "variance (K)", p.variance,
                 r.variance, tol, &maxrel, where);
          mr_cmp(m ? "E_g (iid)" : "E_g (K)", p.E_g, r.E_g, tol, &maxrel,
                 where);
          mr_cmp(m ? "E_test (iid)" : "E_test (K)", p.E_test, r.E_test,
                 tol, &maxrel, where);
          mr_cmp(m ? "E_tr (iid)" : "E_tr (K)", p.E_tr, r.E_tr, tol,
                 &maxrel, where);
          mr_cmp(m ? "gcv_naive (iid)" : "gcv_naive (K)", p.gcv_naive,
                 r.gcv_naive, tol, &maxrel, where);
          mr_cmp(m ? "corrgcv (iid)" : "corrgcv (K)", p.corrgcv, r.corrgcv,
                 tol, &maxrel, where);
          /* CorrGCV is E_test for noise K (3.4), in the reference too */
          if (m == 0)
            ck_assert_rel(r.corrgcv, r.E_test, 1e-15);
        }
      }
    }
  printf("corr vs MPFR (200 bits): max rel diff %.3g\n", maxrel);
  for (int i = 0; i < 2; i++) {
    deq_spectrum_free(Ks[i]);
    deq_spectrum_free(Ss[i]);
  }
}
END_TEST

/* A huge ridge (issue 8: lambda = 1e300 "did not converge"): kappa and
   kappa_K near the top of the double range, df near its bottom; the
   predictor is null, so E_g is the signal, E_test = E_g + sigma^2 and
   E_tr = E_test, to the 1e-12 contract, and nothing is NaN.  */
START_TEST(huge_lambda)
{
  deq_spectrum *S = sigma(60), *K = NULL;
  ck_assert_st(deq_corr_spectrum_equi(&K, 40, 0.3), DEQ_OK);
  static const double lambdas[] = { 1e200, 1e300, 1.7e308 };
  for (int nm = 0; nm < 2; nm++)
    for (int l = 0; l < 3; l++) {
      deq_corr_point pt;
      ck_assert_st(deq_corr_solve(&pt, S, K, lambdas[l], 0.1,
                                  nm ? DEQ_CORR_NOISE_IID : DEQ_CORR_NOISE_K,
                                  NULL), DEQ_OK);
      ck_assert(pt.kappa >= lambdas[l] * (1 - 1e-12));
      ck_assert_rel(pt.E_g, S->signal, 1e-12);
      ck_assert_rel(pt.E_test, S->signal + 0.1, 1e-12);
      ck_assert_rel(pt.E_tr, pt.E_test, 1e-12);
      ck_assert(isfinite(pt.gcv) && isfinite(pt.corrgcv)
                && isfinite(pt.dkappa_dlambda) && isfinite(pt.var_noise));
    }
  deq_spectrum_free(S);
  deq_spectrum_free(K);
}
END_TEST


static Suite *suite(void)
{
  Suite *s = suite_create("corr");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, identity_is_ridge);
  tcase_add_test(tc, identity_is_ridge_exactly);
  tcase_add_test(tc, general_peak_has_no_nan);
  tcase_add_test(tc, equi_bulk_is_rescaled_ridge);
  tcase_add_test(tc, equi_spike_is_order_one_over_P);
  tcase_add_test(tc, ar1_exact_eigenvalues);
  tcase_add_test(tc, ar1_fast_matches_dense);
  tcase_add_test(tc, ar1_fast_matches_old_path);
  tcase_add_test(tc, ar1_fast_strong_correlation);
  tcase_add_test(tc, ar1_fast_large_P);
  tcase_add_test(tc, symbol_by_fft);
  tcase_add_test(tc, symbol_vs_exact_gap);
  tcase_add_test(tc, blocks_and_equi_atoms);
  tcase_add_test(tc, long_double_reference);
  tcase_add_test(tc, reference_tiny_lambda);
  tcase_add_test(tc, dkappa_dlambda_finite_difference);
  tcase_add_test(tc, ridgeless_limits);
  tcase_add_test(tc, spec_sheet_values);
  tcase_add_test(tc, gcv_factor);
  tcase_add_test(tc, forecast_forms_agree);
  tcase_add_test(tc, bad_input);
  tcase_add_test(tc, read_files);
  tcase_add_test(tc, grid_matches_pointwise);
  tcase_add_test(tc, grid_failure_beats_divergence);
  tcase_add_test(tc, mpfr_reference);
  tcase_add_test(tc, huge_lambda);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(suite());
}
