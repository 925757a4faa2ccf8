/* test/t-data.c -- spectra measured on data, exponent fits, and the
 * measured learning curve (deq/data.h).
 *
 * References computed here, independently of lib/data_spectrum.c,
 * lib/fit_spectrum.c and lib/learning_curve.c:
 *  - the linear spectrum from the thin SVD of the centred design (dgesdd;
 *    the library uses dsyevd of X'X/n): s_k = d_k^2/n, v_k = (u_k'y)^2/n;
 *  - the explained variance from least squares (dgels): var y - RSS/n;
 *  - kernel spectra: tr G/n = sum eta, y'Gy/n^2 = sum eta_k v_k;
 *  - the expected test error of a tiny data set by enumerating every
 *    draw of P rows (primal ridge for the linear kernel, Cramer's rule
 *    for the 2 x 2 kernel systems);
 *  - coverage: synthetic Gaussian data with a power-law covariance and
 *    target, over seeds.  */
#include <config.h>
#include <deq/data.h>
#include <deq/fit.h>
#include <float.h>
#include <cblas.h>
#include <lapacke.h>
#include "testutil.h"
#include "../lib/rng_impl.h"

static double *gauss_matrix(size_t n, deq_rng *rng)
{
  double *x = malloc(n * sizeof *x);
  deq_rng_normals(x, n, rng);
  return x;
}

/* A correlated design with a noisy linear label (column-major n x d).  */
static void make_data(double *X, double *y, size_t n, size_t d, deq_rng *rng)
{
  double *Z = gauss_matrix(n * d, rng);
  for (size_t i = 0; i < n; i++) {
    double acc = 0;
    for (size_t j = 0; j < d; j++) {
      double v = Z[i + j * n] * (1.0 + j) + (j ? 0.5 * Z[i + (j - 1) * n] : 0);
      X[i + j * n] = v + 3.0;          /* an offset the centring removes */
      acc += v * (j % 2 ? 0.3 : -0.7);
    }
    y[i] = acc + 0.5 * deq_rng_normal(rng) + 10.0;
  }
  free(Z);
}

/* ------------------------------------------------------------ linear */

START_TEST(linear_equals_svd)
{
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(11), 0);
  size_t n = 60, d = 7;
  double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
  make_data(X, y, n, d, &rng);
  deq_kernel k = { DEQ_KERNEL_LINEAR, 0, 0, 0 };
  deq_error err;
  ck_assert_st(deq_data_prepare(X, y, n, d, &k, 0, &err), DEQ_OK);
  deq_spectrum *sp = NULL;
  deq_data_info info;
  ck_assert_st(deq_data_spectrum(&sp, &info, X, y, n, d, &k), DEQ_OK);
  ck_assert_uint_eq(sp->n, d);
  /* reference: thin SVD of the centred design */
  double *A = malloc(n * d * sizeof *A), *U = malloc(n * d * sizeof *U),
         *VT = malloc(d * d * sizeof *VT), *sv = malloc(d * sizeof *sv),
         *sup = malloc(d * sizeof *sup);
  memcpy(A, X, n * d * sizeof *A);
  ck_assert_int_eq(LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'N', (int)n, (int)d,
                                  A, (int)n, sv, U, (int)n, VT, (int)d, sup),
                   0);
  for (size_t j = 0; j < d; j++) {
    double c = cblas_ddot((int)n, U + j * n, 1, y, 1);
    ck_assert_rel(sp->s[j], sv[j] * sv[j] / (double)n, 1e-12);
    ck_assert_rel(sp->v[j], c * c / (double)n, 1e-12);
  }
  /* explained variance and noise against least squares */
  double *B = malloc(n * sizeof *B);
  memcpy(A, X, n * d * sizeof *A);
  memcpy(B, y, n * sizeof *B);
  ck_assert_int_eq(LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (int)n, (int)d, 1, A,
                                 (int)n, B, (int)n), 0);
  double rss = 0, yy = 0;
  for (size_t i = d; i < n; i++) rss += B[i] * B[i];
  for (size_t i = 0; i < n; i++) yy += y[i] * y[i];
  ck_assert_rel(info.noise, rss / (double)n, 1e-12);
  ck_assert_rel(info.y_var, yy / (double)n, 1e-14);
  ck_assert_rel(sp->signal, yy / (double)n - rss / (double)n, 1e-12);
  ck_assert_rel(info.explained + info.noise, info.y_var, 1e-13);
  free(A); free(U); free(VT); free(sv); free(sup); free(B);
  free(X); free(y);
  deq_spectrum_free(sp);
}
END_TEST

/* A duplicated column: one zero eigenvalue left out, the rest unchanged.  */
START_TEST(linear_rank_deficient)
{
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(12), 0);
  size_t n = 40, d = 4;
  double *X = malloc(n * (d + 1) * sizeof *X), *y = malloc(n * sizeof *y);
  make_data(X, y, n, d, &rng);
  memcpy(X + d * n, X, n * sizeof *X);
  deq_kernel k = { DEQ_KERNEL_LINEAR, 0, 0, 0 };
  ck_assert_st(deq_data_prepare(X, y, n, d + 1, &k, 0, NULL), DEQ_OK);
  deq_spectrum *sp = NULL;
  deq_data_info info;
  ck_assert_st(deq_data_spectrum(&sp, &info, X, y, n, d + 1, &k), DEQ_OK);
  ck_assert_uint_eq(info.modes, d);
  ck_assert_rel(info.explained + info.noise, info.y_var, 1e-12);
  free(X); free(y);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ kernels */

START_TEST(kernel_identities)
{
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(13), 0);
  size_t n = 30, d = 3;
  deq_kernel ks[] = { { DEQ_KERNEL_RBF, 0.2, 0, 0 },
                      { DEQ_KERNEL_LAPLACE, 0.3, 0, 0 },
                      { DEQ_KERNEL_POLY, 0, 2, 1 } };
  for (size_t q = 0; q < 3; q++) {
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    make_data(X, y, n, d, &rng);
    ck_assert_st(deq_data_prepare(X, y, n, d, &ks[q], 1, NULL), DEQ_OK);
    deq_spectrum *sp = NULL;
    deq_data_info info;
    ck_assert_st(deq_data_spectrum(&sp, &info, X, y, n, d, &ks[q]), DEQ_OK);
    /* the Gram matrix by hand (poly: (x.x' + 1)^2) */
    long double tr = 0, yGy = 0;
    for (size_t a = 0; a < n; a++)
      for (size_t b = 0; b < n; b++) {
        double s = 0;
        for (size_t j = 0; j < d; j++) {
          double u = X[a + j * n], v = X[b + j * n];
          s += q == 0 ? (u - v) * (u - v) : q == 1 ? fabs(u - v) : u * v;
        }
        double g = q == 0 ? exp(-0.2 * s) : q == 1 ? exp(-0.3 * s)
                                                   : (s + 1) * (s + 1);
        if (a == b) tr += g;
        yGy += (long double)y[a] * g * y[b];
      }
    double sum_eta = 0, sum_ev = 0;
    for (size_t i = 0; i < sp->n; i++) {
      sum_eta += sp->s[i];
      sum_ev += sp->s[i] * sp->v[i];
    }
    ck_assert_rel(sum_eta, (double)(tr / n), 1e-12);
    ck_assert_rel(sum_ev, (double)(yGy / ((long double)n * n)), 1e-10);
    ck_assert_rel(info.explained + info.noise, info.y_var, 1e-12);
    for (size_t i = 1; i < sp->n; i++) ck_assert(sp->s[i] <= sp->s[i - 1]);
    free(X); free(y);
    deq_spectrum_free(sp);
  }
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(bad_input)
{
  deq_error err;
  deq_kernel bad[] = { { DEQ_KERNEL_RBF, 0, 0, 0 },
                       { DEQ_KERNEL_RBF, -1, 0, 0 },
                       { DEQ_KERNEL_LAPLACE, INFINITY, 0, 0 },
                       { DEQ_KERNEL_RBF, NAN, 0, 0 },
                       { DEQ_KERNEL_POLY, 0, 1.5, 1 },
                       { DEQ_KERNEL_POLY, 0, 0, 1 },
                       { DEQ_KERNEL_POLY, 0, 2, -1 },
                       { (deq_kernel_kind)9, 1, 1, 1 } };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_st(deq_kernel_check(&bad[i], &err), DEQ_EDOM);
    ck_assert(err.message[0] != 0);
  }
  double X[6] = { 1, 2, NAN, 4, 4, 4 }, y[3] = { 1, 2, 3 };
  deq_kernel lin = { DEQ_KERNEL_LINEAR, 0, 0, 0 };
  ck_assert_st(deq_data_prepare(X, y, 3, 2, &lin, 0, &err), DEQ_EDOM);
  ck_assert_int_eq(err.line, 3);
  ck_assert_int_eq(err.column, 1);
  X[2] = 3;
  y[1] = INFINITY;
  ck_assert_st(deq_data_prepare(X, y, 3, 2, &lin, 0, &err), DEQ_EDOM);
  ck_assert_int_eq(err.line, 2);
  ck_assert_int_eq(err.column, 0);
  y[1] = 2;
  ck_assert_st(deq_data_prepare(X, y, 3, 2, &lin, 1, &err), DEQ_EDOM);
  ck_assert_int_eq(err.line, 0);     /* column 2 is constant */
  ck_assert_int_eq(err.column, 2);
  /* more rows than a kernel matrix allows: refused before any work */
  size_t big = DEQ_DATA_MAX_ROWS + 1;
  double *Xb = calloc(big, sizeof *Xb), *yb = calloc(big, sizeof *yb);
  deq_kernel rbf = { DEQ_KERNEL_RBF, 1, 0, 0 };
  deq_spectrum *sp = NULL;
  deq_data_info info;
  deq_lcurve_plan *plan = NULL;
  ck_assert_st(deq_data_spectrum(&sp, &info, Xb, yb, big, 1, &rbf),
               DEQ_EUNSUP);
  ck_assert_ptr_null(sp);
  ck_assert_st(deq_lcurve_plan_alloc(&plan, Xb, yb, big, 1, &rbf),
               DEQ_EUNSUP);
  ck_assert_ptr_null(plan);
  free(Xb);
  free(yb);
}
END_TEST

/* ------------------------------------------------------------ fits */

/* An exact power law: alpha recovered to rounding; beta close (the tail
   form is the sum's integral approximation).  */
START_TEST(fit_exact_powerlaw)
{
  size_t M = 400;
  double alpha = 1.5, r = 0.4, beta = 2 * alpha * r;
  double *s = malloc(M * sizeof *s), *v = malloc(M * sizeof *v);
  for (size_t k = 1; k <= M; k++) {
    s[k - 1] = pow((double)k, -alpha);
    v[k - 1] = pow((double)k, -(1 + beta));
  }
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, M, s, NULL, v, NULL), DEQ_OK);
  deq_spectrum_fit f;
  ck_assert_st(deq_fit_spectrum(&f, sp, 0, 0), DEQ_OK);
  ck_assert_uint_eq(f.lo, 2);
  ck_assert_uint_eq(f.hi, 50);
  ck_assert_rel(f.alpha, alpha, 1e-12);
  ck_assert(f.alpha_se < 1e-10);
  ck_assert_msg(fabs(f.beta - beta) < 0.02, "beta %g", f.beta);
  ck_assert_msg(fabs(f.r - r) < 0.01, "r %g", f.r);
  ck_assert_rel(f.b_ridgeless, f.beta, 1e-15);
  ck_assert_rel(f.b_optimal, f.beta / (f.beta + 1), 1e-15);
  /* an explicit window; too short a window is an error */
  ck_assert_st(deq_fit_spectrum(&f, sp, 5, 100), DEQ_OK);
  ck_assert_uint_eq(f.lo, 5);
  ck_assert_uint_eq(f.hi, 100);
  ck_assert_rel(f.alpha, alpha, 1e-12);
  ck_assert_st(deq_fit_spectrum(&f, sp, 5, 7), DEQ_EDOM);
  free(s);
  free(v);
  deq_spectrum_free(sp);
}
END_TEST

/* Coverage: Gaussian data x_k = sqrt(s_k) z_k with s_k = k^-alpha and a
   noiseless target of power v_k = k^-(1 + 2 alpha r), n rows per seed;
   the fitted (alpha, r) land within two standard errors of the truth in
   most seeds.  */
START_TEST(fit_coverage)
{
  size_t D = 96, n = 3000, seeds = 24;
  double alpha = 1.5, r = 0.4;
  size_t in_a = 0, in_r = 0;
  double *X = malloc(n * D * sizeof *X), *y = malloc(n * sizeof *y);
  deq_kernel lin = { DEQ_KERNEL_LINEAR, 0, 0, 0 };
  for (size_t t = 0; t < seeds; t++) {
    deq_rng rng;
    deq_rng_seed(&rng, test_seed(14), t);
    deq_rng_normals(X, n * D, &rng);
    for (size_t i = 0; i < n; i++) y[i] = 0;
    for (size_t k = 1; k <= D; k++) {
      double sq = pow((double)k, -alpha / 2);
      double w = sqrt(pow((double)k, -(1 + 2 * alpha * r)) / (sq * sq));
      for (size_t i = 0; i < n; i++) {
        X[i + (k - 1) * n] *= sq;
        y[i] += w * X[i + (k - 1) * n];
      }
    }
    ck_assert_st(deq_data_prepare(X, y, n, D, &lin, 0, NULL), DEQ_OK);
    deq_spectrum *sp = NULL;
    deq_data_info info;
    ck_assert_st(deq_data_spectrum(&sp, &info, X, y, n, D, &lin), DEQ_OK);
    deq_spectrum_fit f;
    ck_assert_st(deq_fit_spectrum(&f, sp, 0, 0), DEQ_OK);
    in_a += fabs(f.alpha - alpha) <= 2 * f.alpha_se;
    in_r += fabs(f.r - r) <= 2 * f.r_se;
    if (getenv("DEQ_TEST_VERBOSE"))
      fprintf(stderr, "seed %zu: alpha %.4f +- %.4f  r %.4f +- %.4f\n", t,
              f.alpha, f.alpha_se, f.r, f.r_se);
    deq_spectrum_free(sp);
  }
  free(X);
  free(y);
  ck_assert_msg(in_a >= seeds * 3 / 4, "alpha covered in %zu of %zu", in_a,
                seeds);
  ck_assert_msg(in_r >= seeds * 3 / 4, "r covered in %zu of %zu", in_r, seeds);
}
END_TEST

/* ------------------------------------------------------------ learning curve */

/* Tiny population: 3 rows, one feature.  Enumerate the 9 draws of P = 2
   rows: linear ridge in primal form w = sum x y/(sum x^2 + P lambda), and
   RBF kernel ridge at lambda = 0 by Cramer's rule (the pseudo-inverse
   when both draws are the same row: f = k(., x_i) y_i / k(x_i, x_i)).  */
static const double TX[3] = { -1.0, 0.2, 1.5 }, TY[3] = { 0.3, -1.1, 2.0 };

static double exact_linear(double lambda)
{
  double xm = (TX[0] + TX[1] + TX[2]) / 3, ym = (TY[0] + TY[1] + TY[2]) / 3;
  double x[3], y[3], total = 0;
  for (int i = 0; i < 3; i++) {
    x[i] = TX[i] - xm;
    y[i] = TY[i] - ym;
  }
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      double w = (x[a] * y[a] + x[b] * y[b])
                 / (x[a] * x[a] + x[b] * x[b] + 2 * lambda);
      double e = 0;
      for (int i = 0; i < 3; i++) e += (y[i] - w * x[i]) * (y[i] - w * x[i]);
      total += e / 3;
    }
  return total / 9;
}

static double rbf(double u, double v) { return exp(-0.7 * (u - v) * (u - v)); }

static double exact_rbf_ridgeless(void)
{
  double ym = (TY[0] + TY[1] + TY[2]) / 3, y[3], total = 0;
  for (int i = 0; i < 3; i++) y[i] = TY[i] - ym;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      double ca, cb;
      if (a == b) {
        ca = y[a] / 2;   /* pinv of [[1,1],[1,1]] applied to (y, y) */
        cb = y[a] / 2;
      } else {
        double k = rbf(TX[a], TX[b]), det = 1 - k * k;
        ca = (y[a] - k * y[b]) / det;
        cb = (y[b] - k * y[a]) / det;
      }
      double e = 0;
      for (int i = 0; i < 3; i++) {
        double f = ca * rbf(TX[i], TX[a]) + cb * rbf(TX[i], TX[b]);
        e += (y[i] - f) * (y[i] - f);
      }
      total += e / 3;
    }
  return total / 9;
}

static void tiny_curve(deq_mc_estimate *e, const deq_kernel *k, double lambda,
                       size_t trials, uint64_t seed, int threads)
{
  double X[3], y[3];
  memcpy(X, TX, sizeof X);
  memcpy(y, TY, sizeof y);
  ck_assert_st(deq_data_prepare(X, y, 3, 1, k, 0, NULL), DEQ_OK);
  deq_lcurve_plan *plan = NULL;
  ck_assert_st(deq_lcurve_plan_alloc(&plan, X, y, 3, 1, k), DEQ_OK);
  ck_assert_st(deq_lcurve_execute(e, plan, 2, lambda, trials, seed, threads),
               DEQ_OK);
  deq_lcurve_plan_free(plan);
}

START_TEST(lcurve_unbiased)
{
  uint64_t seed = test_seed(15);
  deq_kernel lin = { DEQ_KERNEL_LINEAR, 0, 0, 0 };
  deq_kernel k = { DEQ_KERNEL_RBF, 0.7, 0, 0 };
  deq_mc_estimate e;
  double lambdas[] = { 0.0, 0.05, 1.0 };
  for (int l = 0; l < 3; l++) {
    double want = exact_linear(lambdas[l]);
    tiny_curve(&e, &lin, lambdas[l], 20000, seed, 2);
    ck_assert_msg(fabs(e.mean - want) < 4 * e.se, "linear lambda %g: %g +- "
                  "%g, exact %g", lambdas[l], e.mean, e.se, want);
  }
  double want = exact_rbf_ridgeless();
  tiny_curve(&e, &k, 0.0, 20000, seed, 2);
  ck_assert_msg(fabs(e.mean - want) < 4 * e.se, "rbf: %g +- %g, exact %g",
                e.mean, e.se, want);
}
END_TEST

START_TEST(lcurve_threads_bitwise)
{
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(16), 0);
  size_t n = 80, d = 3;
  double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
  make_data(X, y, n, d, &rng);
  deq_kernel k = { DEQ_KERNEL_RBF, 0.1, 0, 0 };
  ck_assert_st(deq_data_prepare(X, y, n, d, &k, 1, NULL), DEQ_OK);
  deq_lcurve_plan *plan = NULL;
  ck_assert_st(deq_lcurve_plan_alloc(&plan, X, y, n, d, &k), DEQ_OK);
  deq_mc_estimate a, b, c;
  ck_assert_st(deq_lcurve_execute(&a, plan, 30, 1e-3, 13, 7, 1), DEQ_OK);
  ck_assert_st(deq_lcurve_execute(&b, plan, 30, 1e-3, 13, 7, 2), DEQ_OK);
  ck_assert_st(deq_lcurve_execute(&c, plan, 30, 1e-3, 13, 7, 3), DEQ_OK);
  ck_assert(memcmp(&a, &b, sizeof a) == 0 && memcmp(&a, &c, sizeof a) == 0);
  ck_assert_st(deq_lcurve_execute(&a, plan, 30, -1, 13, 7, 1), DEQ_EDOM);
  ck_assert_st(deq_lcurve_execute(&a, plan, 0, 0, 13, 7, 1), DEQ_EDOM);
  ck_assert_st(deq_lcurve_execute(&a, plan, 30, 0, 1, 7, 1), DEQ_EINVAL);
  deq_lcurve_plan_free(plan);
  free(X);
  free(y);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("data");
  TCase *tc = tcase_create("data");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, linear_equals_svd);
  tcase_add_test(tc, linear_rank_deficient);
  tcase_add_test(tc, kernel_identities);
  tcase_add_test(tc, bad_input);
  tcase_add_test(tc, fit_exact_powerlaw);
  tcase_add_test(tc, fit_coverage);
  tcase_add_test(tc, lcurve_unbiased);
  tcase_add_test(tc, lcurve_threads_bitwise);
  suite_add_tcase(s, tc);
  return test_run(s);
}
