/* test/t-estimate.c -- GCV, exact leave-one-out and CorrGCV on data.
 *
 * References computed here, independently of lib/estimate.c:
 *  - brute force: every ridge problem (the full fit and each of the P
 *    leave-one-out refits, intercept re-estimated on the reduced data) is
 *    solved with LAPACK least squares (dgelsd) on the augmented system
 *    [Xc; sqrt(t) I] w = [yc; 0], which is the minimum-norm interpolant
 *    at t = 0 (rcond 1e-10 drops the centred data's null direction 1);
 *  - df = tr H from the explicit hat matrix built column by column;
 *  - the t -> 0 limits of GCV with P < N from (X X')^-1 (Cholesky);
 *  - kappa_K by bisection in long double on tr K(K+k)^-1 = df, with K's
 *    eigenvalues from dsyevd of the dense matrix;
 *  - the AR(1) spectrum: tr K^-1 = (P(1+rho^2) - 2 rho^2)/(1 - rho^2).
 * Monte Carlo (AR(1) rows and noise): CorrGCV tracks the true
 * out-of-sample risk |w - wbar|^2 + sigma^2 within |z| < 4, naive GCV is
 * optimistic as section 3.4 of the spec predicts.  */
#include <config.h>
#include <deq/corr.h>
#include <deq/estimate.h>
#include <deq/spectrum.h>
#include <float.h>
#include <cblas.h>
#include <lapacke.h>
#include "testutil.h"
#include "../lib/rng_impl.h"
#include "../lib/estimate_impl.h"

/* Brute-force tolerance: dgelsd on well-conditioned Gaussian designs is
   accurate to ~1e-13; the closed forms lose at most cond(X)^2 eps.  */
static const double BRUTE = 1e-9;

static double *gauss_matrix(size_t n, deq_rng *rng)
{
  double *x = malloc(n * sizeof *x);
  deq_rng_normals(x, n, rng);
  return x;
}

/* Ridge weights (and intercept) by brute force on the rows i with
   keep[i] != 0.  X row-major P x N, already scaled.  */
static void brute_fit(double *w, double *b, const double *X, const double *y,
                      size_t P, size_t N, const int *keep, double t,
                      int intercept)
{
  size_t m = 0;
  for (size_t i = 0; i < P; i++) m += keep[i] != 0;
  double *xm = calloc(N, sizeof *xm), ym = 0.0;
  if (intercept) {
    for (size_t i = 0; i < P; i++)
      if (keep[i]) {
        ym += y[i];
        for (size_t j = 0; j < N; j++) xm[j] += X[i * N + j];
      }
    ym /= (double)m;
    for (size_t j = 0; j < N; j++) xm[j] /= (double)m;
  }
  size_t rows = m + (t > 0 ? N : 0), ldb = rows > N ? rows : N;
  double *A = calloc(rows * N, sizeof *A), *B = calloc(ldb, sizeof *B);
  size_t k = 0;
  for (size_t i = 0; i < P; i++)
    if (keep[i]) {
      for (size_t j = 0; j < N; j++) A[k * N + j] = X[i * N + j] - xm[j];
      B[k++] = y[i] - ym;
    }
  if (t > 0)
    for (size_t j = 0; j < N; j++) A[(m + j) * N + j] = sqrt(t);
  double *sv = malloc((rows < N ? rows : N) * sizeof *sv);
  lapack_int rank;
  lapack_int info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)rows,
                                   (lapack_int)N, 1, A, (lapack_int)N, B, 1,
                                   sv, 1e-10, &rank);
  ck_assert_int_eq(info, 0);
  double bb = ym;
  for (size_t j = 0; j < N; j++) {
    w[j] = B[j];
    bb -= xm[j] * w[j];
  }
  *b = bb;
  free(xm); free(A); free(B); free(sv);
}

/* X / column sd (divisor P), as --standardize does.  */
static double *scaled_copy(const double *X, size_t P, size_t N, int stdz)
{
  double *Z = malloc(P * N * sizeof *Z);
  memcpy(Z, X, P * N * sizeof *Z);
  if (!stdz) return Z;
  for (size_t j = 0; j < N; j++) {
    double m = 0, ss = 0;
    for (size_t i = 0; i < P; i++) m += X[i * N + j];
    m /= (double)P;
    for (size_t i = 0; i < P; i++) ss += (X[i * N + j] - m) * (X[i * N + j] - m);
    double sd = sqrt(ss / (double)P);
    for (size_t i = 0; i < P; i++) Z[i * N + j] /= sd;
  }
  return Z;
}

typedef struct brute {
  double train, df, gcv, loo;
} brute;

static brute brute_all(const double *X0, const double *y, size_t P, size_t N,
                       double t, const deq_estimate_opts *o)
{
  double *X = scaled_copy(X0, P, N, o->standardize);
  int *keep = malloc(P * sizeof *keep);
  double *w = malloc(N * sizeof *w), b;
  brute r = {0, 0, 0, 0};
  for (size_t i = 0; i < P; i++) keep[i] = 1;
  brute_fit(w, &b, X, y, P, N, keep, t, o->intercept);
  for (size_t i = 0; i < P; i++) {
    double f = b;
    for (size_t j = 0; j < N; j++) f += X[i * N + j] * w[j];
    r.train += (y[i] - f) * (y[i] - f) / (double)P;
  }
  /* df = tr H: column i of H is the fit to the unit label vector e_i.  */
  double *e = calloc(P, sizeof *e);
  for (size_t i = 0; i < P; i++) {
    e[i] = 1.0;
    brute_fit(w, &b, X, e, P, N, keep, t, o->intercept);
    double f = b;
    for (size_t j = 0; j < N; j++) f += X[i * N + j] * w[j];
    r.df += f;
    e[i] = 0.0;
  }
  r.gcv = r.train / ((1 - r.df / (double)P) * (1 - r.df / (double)P));
  for (size_t i = 0; i < P; i++) {
    keep[i] = 0;
    brute_fit(w, &b, X, y, P, N, keep, t, o->intercept);
    keep[i] = 1;
    double f = b;
    for (size_t j = 0; j < N; j++) f += X[i * N + j] * w[j];
    r.loo += (y[i] - f) * (y[i] - f) / (double)P;
  }
  free(X); free(keep); free(w); free(e);
  return r;
}

/* The column-major copy the library takes of a row-major P x N X (the
   references here index rows).  */
static double *colmajor(const double *X, size_t P, size_t N)
{
  double *A = malloc(P * N * sizeof *A);
  for (size_t i = 0; i < P; i++)
    for (size_t j = 0; j < N; j++) A[i + j * P] = X[i * N + j];
  return A;
}

static deq_estimate_plan *make_plan(const double *X, const double *y,
                                    size_t P, size_t N, int ic, int stdz)
{
  deq_estimate_opts o = {ic, stdz};
  deq_estimate_plan *p = NULL;
  deq_error err;
  double *A = colmajor(X, P, N);
  ck_assert_st(deq_estimate_plan_alloc(&p, P, N, A, y, &o, &err), DEQ_OK);
  free(A);
  return p;
}

/* Every (P, N, intercept, standardize) and lambda, including lambda = 0 in
   both regimes (P > N + 1: residual left; P < N: interpolation, where the
   leave-one-out refits are minimum-norm interpolants).  */
START_TEST(test_brute_force)
{
  static const size_t shapes[][2] = {{24, 6}, {20, 35}, {15, 14}};
  static const double lambdas[] = {0.0, 1e-3, 0.1, 2.0};
  uint64_t seed = test_seed(11);
  for (size_t s = 0; s < 3; s++)
    for (int ic = 0; ic <= 1; ic++)
      for (int stdz = 0; stdz <= 1; stdz++) {
        size_t P = shapes[s][0], N = shapes[s][1];
        deq_rng rng;
        deq_rng_seed(&rng, seed, s * 4 + (size_t)ic * 2 + (size_t)stdz);
        double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
        for (size_t i = 0; i < P * N; i++) X[i] = X[i] * (1 + (double)(i % N)) + 0.3;
        for (size_t i = 0; i < P; i++) y[i] += X[i * N] + 2.0;
        deq_estimate_plan *p = make_plan(X, y, P, N, ic, stdz);
        deq_estimate_point pt[4];
        deq_status st = deq_estimate_execute(pt, p, 4, lambdas, NULL);
        ck_assert_msg(st == DEQ_OK, "seed %llu: status %d",
                      (unsigned long long)seed, st);
        for (size_t l = 0; l < 4; l++) {
          deq_estimate_opts o = {ic, stdz};
          brute b = brute_all(X, y, P, N, (double)P * lambdas[l], &o);
          ck_assert_msg(test_reldiff(pt[l].loo, b.loo, 1e-300) < BRUTE &&
                        /* GCV at df = P is 0/0 by brute force: see
                           test_ridgeless_interpolation */
                        (b.df > (double)P - 1e-6 ||
                         test_reldiff(pt[l].gcv, b.gcv, 1e-300) < BRUTE) &&
                        test_reldiff(pt[l].df, b.df, 1e-300) < BRUTE &&
                        fabs(pt[l].train - b.train) < BRUTE * (1 + b.loo),
                        "seed %llu P %zu N %zu ic %d std %d lambda %g: "
                        "loo %.15g/%.15g gcv %.15g/%.15g df %.15g/%.15g "
                        "train %.3g/%.3g", (unsigned long long)seed, P, N, ic,
                        stdz, lambdas[l], pt[l].loo, b.loo, pt[l].gcv, b.gcv,
                        pt[l].df, b.df, pt[l].train, b.train);
          ck_assert(isnan(pt[l].corrgcv));
        }
        deq_estimate_plan_free(p);
        free(X); free(y);
      }
}
END_TEST

/* The three routes of deq_estimate_plan_alloc_route (N x N features,
   P x P Gram, SVD) against the brute-force refits with the intercept
   re-estimated on every reduced data set (scikit-learn's RidgeCV
   definition of the leave-one-out error), to 1e-12, on a tall table, a
   wide one, and N = P - 1 where the feature and Gram routes both apply
   (and agree with each other and the SVD to 1e-12).  */
START_TEST(test_routes_brute_force)
{
  static const size_t shapes[][2] = {{30, 6}, {12, 25}, {13, 12}};
  static const double lambdas[] = {1e-3, 0.1, 2.0};
  static const int want[3][3] = {   /* route taken: features, gram, svd */
    {DEQ_ESTIMATE_ROUTE_FEATURES, DEQ_ESTIMATE_ROUTE_SVD, DEQ_ESTIMATE_ROUTE_SVD},
    {DEQ_ESTIMATE_ROUTE_SVD, DEQ_ESTIMATE_ROUTE_GRAM, DEQ_ESTIMATE_ROUTE_SVD},
    {DEQ_ESTIMATE_ROUTE_FEATURES, DEQ_ESTIMATE_ROUTE_GRAM, DEQ_ESTIMATE_ROUTE_SVD}};
  static const int routes[3] = {DEQ_ESTIMATE_ROUTE_FEATURES,
                                DEQ_ESTIMATE_ROUTE_GRAM, DEQ_ESTIMATE_ROUTE_SVD};
  uint64_t seed = test_seed(23);
  for (size_t s = 0; s < 3; s++) {
    size_t P = shapes[s][0], N = shapes[s][1];
    deq_rng rng;
    deq_rng_seed(&rng, seed, s);
    double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
    for (size_t i = 0; i < P * N; i++) X[i] += 0.5 + (double)(i % N) / 4;
    for (size_t i = 0; i < P; i++) y[i] += X[i * N] + 2.0;
    double *A = colmajor(X, P, N);
    deq_estimate_opts o = {1, 0};
    brute b[3];
    for (size_t l = 0; l < 3; l++)
      b[l] = brute_all(X, y, P, N, (double)P * lambdas[l], &o);
    deq_estimate_point pt[3][3];
    for (int k = 0; k < 3; k++) {
      deq_estimate_plan *p = NULL;
      deq_error err;
      ck_assert_st(deq_estimate_plan_alloc_route(&p, P, N, A, y, &o,
                                                 routes[k], &err), DEQ_OK);
      ck_assert_int_eq(deq_estimate_route(p), want[s][k]);
      ck_assert_st(deq_estimate_execute(pt[k], p, 3, lambdas, NULL), DEQ_OK);
      for (size_t l = 0; l < 3; l++)
        ck_assert_msg(test_reldiff(pt[k][l].loo, b[l].loo, 1e-300) < 1e-12 &&
                      test_reldiff(pt[k][l].df, b[l].df, 1e-300) < 1e-12,
                      "seed %llu P %zu N %zu route %d lambda %g: loo "
                      "%.17g/%.17g df %.17g/%.17g",
                      (unsigned long long)seed, P, N, routes[k], lambdas[l],
                      pt[k][l].loo, b[l].loo, pt[k][l].df, b[l].df);
      deq_estimate_plan_free(p);
    }
    for (size_t l = 0; l < 3; l++) {
      ck_assert(test_reldiff(pt[0][l].loo, pt[1][l].loo, 1e-300) < 1e-12);
      ck_assert(test_reldiff(pt[0][l].gcv, pt[2][l].gcv, 1e-300) < 1e-12);
      ck_assert(test_reldiff(pt[1][l].train, pt[2][l].train, 1e-300) < 1e-12);
    }
    free(A); free(X); free(y);
  }
  /* Collinear features: the Gram routes refuse them and take the SVD.  */
  double Xc[8 * 3], yc[8];
  for (size_t i = 0; i < 8; i++) {
    Xc[i] = (double)i;
    Xc[i + 8] = 2.0 * (double)i;   /* column 2 = 2 column 1 */
    Xc[i + 16] = (double)(i * i % 5);
    yc[i] = (double)(i % 3);
  }
  deq_estimate_plan *q = NULL;
  deq_estimate_opts o = {1, 0};
  ck_assert_st(deq_estimate_plan_alloc_route(&q, 8, 3, Xc, yc, &o,
                                             DEQ_ESTIMATE_ROUTE_FEATURES, NULL),
               DEQ_OK);
  ck_assert_int_eq(deq_estimate_route(q), DEQ_ESTIMATE_ROUTE_SVD);
  ck_assert_uint_eq(deq_estimate_rank(q), 2);
  deq_estimate_plan_free(q);
  ck_assert_st(deq_estimate_plan_alloc_route(&q, 8, 3, Xc, yc, &o, 7, NULL),
               DEQ_EINVAL);
}
END_TEST

/* A = X diag(spread^(m/(N-1))) W (P x N column-major, calloc'd), W a
   random rotation drawn from rng: the spread is in the singular values,
   not in the columns (a column scaling alone would leave A'A's rounding
   relative to each column, harmless).  X: P x N by rows.  */
static double *graded_design(const double *X, size_t P, size_t N,
                             double spread, deq_rng *rng)
{
  double *A = calloc(P * N, sizeof *A), *W = gauss_matrix(N * N, rng);
  double *tau = malloc(N * sizeof *tau);
  ck_assert_int_eq(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)N,
                                  (lapack_int)N, W, (lapack_int)N, tau), 0);
  ck_assert_int_eq(LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)N,
                                  (lapack_int)N, (lapack_int)N, W,
                                  (lapack_int)N, tau), 0);
  for (size_t j = 0; j < N; j++)
    for (size_t m = 0; m < N; m++) {
      double c = pow(spread, (double)m / (double)(N - 1)) * W[m + j * N];
      for (size_t i = 0; i < P; i++) A[i + j * P] += X[i * N + m] * c;
    }
  free(W);
  free(tau);
  return A;
}

/* Plans of the feature and SVD routes on (A, y) (intercept), the route
   and passes the first took, and their points at nl lambdas within tol
   of each other (loo, gcv, df, train).  */
static void features_against_svd(const double *A, const double *y, size_t P,
                                  size_t N, const double *lambdas, size_t nl,
                                  double tol, int route, int passes,
                                  const char *what)
{
  deq_estimate_opts o = {1, 0};
  deq_estimate_plan *pf = NULL, *ps = NULL;
  ck_assert_st(deq_estimate_plan_alloc_route(&pf, P, N, A, y, &o,
                                             DEQ_ESTIMATE_ROUTE_FEATURES,
                                             NULL), DEQ_OK);
  ck_assert_st(deq_estimate_plan_alloc_route(&ps, P, N, A, y, &o,
                                             DEQ_ESTIMATE_ROUTE_SVD, NULL),
               DEQ_OK);
  ck_assert_int_eq(deq_estimate_route(pf), route);
  ck_assert_int_eq(deq_estimate_feature_passes(pf), passes);
  ck_assert_int_eq(deq_estimate_feature_passes(ps), 0);
  deq_estimate_point *f = malloc(2 * nl * sizeof *f), *v = f + nl;
  ck_assert_st(deq_estimate_execute(f, pf, nl, lambdas, NULL), DEQ_OK);
  ck_assert_st(deq_estimate_execute(v, ps, nl, lambdas, NULL), DEQ_OK);
  for (size_t l = 0; l < nl; l++)
    ck_assert_msg(test_reldiff(f[l].loo, v[l].loo, 1e-300) < tol &&
                  test_reldiff(f[l].gcv, v[l].gcv, 1e-300) < tol &&
                  test_reldiff(f[l].df, v[l].df, 1e-300) < tol &&
                  test_reldiff(f[l].train, v[l].train, 1e-300) < tol,
                  "%s, lambda %g: loo %.17g/%.17g gcv %.17g/%.17g "
                  "df %.17g/%.17g", what, lambdas[l], f[l].loo, v[l].loo,
                  f[l].gcv, v[l].gcv, f[l].df, v[l].df);
  free(f);
  deq_estimate_plan_free(pf);
  deq_estimate_plan_free(ps);
}

/* The feature route is a backward-stable SVD (CholeskyQR2), not only a
   factor of A'A: on a tall design with graded singular values (cond(A)
   ~ 3e4), at ridges down to below the smallest d^2 (where H depends on
   the small directions), it agrees with the SVD route to 1e-12
   (measured 1e-14), while the same route with its second Cholesky QR
   pass removed (A'A's factor alone) differs by 1.6e-10 in df and 1.1e-10
   in loo: this test fails for it.  At cond(A) ~ 1e6 (d^2 spread 1e12 >
   1/FEATURES_TAU) the route hands over to the SVD.  */
START_TEST(test_features_graded)
{
  const size_t P = 200, N = 20;
  static const double lambdas[] = {1e-12, 1e-10, 1e-8, 1e-4};
  static const double spread[] = {3e-5, 1e-6};
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(29), 0);
  double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
  for (size_t k = 0; k < 2; k++) {
    double *A = graded_design(X, P, N, spread[k], &rng);
    char what[32];
    snprintf(what, sizeof what, "spread %g", spread[k]);
    features_against_svd(A, y, P, N, lambdas, 4, 1e-12,
                         k == 0 ? DEQ_ESTIMATE_ROUTE_FEATURES
                                : DEQ_ESTIMATE_ROUTE_SVD, k == 0 ? 2 : 0,
                         what);
    free(A);
  }
  free(X);
  free(y);
}
END_TEST

/* The feature route's one pass (G = A'A, U = A V / d) against the SVD
   route: well-conditioned tall designs take it and agree to 1e-13 on
   every quantity; a spread of cond(A)^2 = 1e5, or one row of leverage
   H_ii ~ 0.99 (1/(1 - H_ii) would magnify the pass's eps cond(A)^2 into
   the leave-one-out), takes the second pass instead, and still
   agrees.  (Without the leverage test, test_brute_force's P = 15,
   N = 14 designs miss the brute force by 1e-9: checked.)  */
START_TEST(test_features_one_pass)
{
  const size_t P = 300, N = 20;
  static const double lambdas[] = {0.0, 1e-10, 1e-6, 1e-3, 1.0};
  static const struct { double spread, outlier; int passes; } cases[] = {
    {1.0, 0.0, 1}, {0.1, 0.0, 1}, {0.00316, 0.0, 2}, {1.0, 99.0, 2}};
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(31), 0);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
    double *A = graded_design(X, P, N, cases[k].spread, &rng);
    /* The last row far out (H ~ 1 - 1/s2), in the second block of 256
       rows: the one pass has overwritten the first block when it
       finds it, and must fill those rows again.  */
    if (cases[k].outlier > 0.0)
      for (size_t j = 0; j < N; j++)
        A[P - 1 + j * P] = sqrt(cases[k].outlier * (double)P / (double)N);
    for (size_t i = 0; i < P; i++) y[i] += A[i] - 0.5 * A[i + P];
    char what[32];
    snprintf(what, sizeof what, "case %zu", k);
    features_against_svd(A, y, P, N, lambdas, 5, 1e-13,
                         DEQ_ESTIMATE_ROUTE_FEATURES, cases[k].passes, what);
    free(A);
    free(X);
    free(y);
  }
}
END_TEST

/* The ridges run a block of rows at a time (as many as fit in 2 MiB
   with their products: about 2400 rows at N = 100, 420 at P = 600 on
   the Gram route): on 4000 x 100 (deficient) and 600 x 700 (full rank)
   the points agree to 1e-13 whether the lambdas run together or one at
   a time (different blocks), and E_tr is the mean square of
   deq_estimate_residuals (whole U, no blocks).  */
START_TEST(test_row_blocks)
{
  static const size_t shapes[][2] = {{4000, 100}, {600, 700}};
  static const double lambdas[] = {1e-6, 1e-3, 1e-2, 0.1, 1.0};
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(37), 0);
  for (int k = 0; k < 2; k++) {
    size_t P = shapes[k][0], N = shapes[k][1];
    double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
    for (size_t i = 0; i < P; i++) y[i] += X[i * N] - 0.5 * X[i * N + 1] + 2.0;
    deq_estimate_plan *p = make_plan(X, y, P, N, 1, 0);
    deq_estimate_point all[5], one;
    ck_assert_st(deq_estimate_execute(all, p, 5, lambdas, NULL), DEQ_OK);
    double *e = malloc(P * sizeof *e);
    for (size_t l = 0; l < 5; l++) {
      ck_assert_st(deq_estimate_execute(&one, p, 1, &lambdas[l], NULL), DEQ_OK);
      ck_assert_st(deq_estimate_residuals(e, p, lambdas[l]), DEQ_OK);
      double ss = 0.0;
      for (size_t i = 0; i < P; i++) ss += e[i] * e[i];
      ck_assert_msg(test_reldiff(all[l].loo, one.loo, 1e-300) < 1e-13 &&
                    test_reldiff(all[l].gcv, one.gcv, 1e-300) < 1e-13 &&
                    test_reldiff(all[l].train, one.train, 1e-300) < 1e-13 &&
                    test_reldiff(all[l].train, ss / (double)P, 1e-300) < 1e-12,
                    "%zu x %zu lambda %g: loo %.17g/%.17g train %.17g/%.17g/%.17g",
                    P, N, lambdas[l], all[l].loo, one.loo, all[l].train,
                    one.train, ss / (double)P);
    }
    free(e);
    deq_estimate_plan_free(p);
    free(X);
    free(y);
  }
}
END_TEST

/* P < N, no intercept, lambda -> 0: GCV(0) = P |(XX')^-1 y|^2 /
   (tr (XX')^-1)^2 and LOO(0) = (1/P) sum ([(XX')^-1 y]_i / [(XX')^-1]_ii)^2,
   and lambda = 1e-13 agrees with lambda = 0 (no 0/0 anywhere).  */
/* Data near the ends of the double range (issue 8): scaling the design by
   a and the labels by b gives the same df at lambda/a^2 and the risks
   times b^2 (bitwise for powers of two), with a, b from 2^-500 to 1e160
   (where the unscaled sums of squares would overflow or underflow).  */
START_TEST(test_scale_invariance)
{
  const size_t P = 30, N = 8;
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(21), 0);
  double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
  for (size_t i = 0; i < P; i++) y[i] += X[i * N] + 1.0;
  static const double scales[][2] = {
    {0x1p500, 0x1p400}, {0x1p-500, 0x1p-480}, {1e160, 1e150}, {1e-160, 1e-150},
    {1e160, 1.0}};
  static const double lambdas[] = {0.0, 1e-3, 0.5};
  for (int stdz = 0; stdz <= 1; stdz++) {
    deq_estimate_plan *p0 = make_plan(X, y, P, N, 1, stdz);
    deq_estimate_point ref[3];
    ck_assert_st(deq_estimate_execute(ref, p0, 3, lambdas, NULL), DEQ_OK);
    for (size_t c = 0; c < sizeof scales / sizeof scales[0]; c++) {
      double a = scales[c][0], b = scales[c][1];
      double *Xs = malloc(P * N * sizeof *Xs), *ys = malloc(P * sizeof *ys);
      for (size_t i = 0; i < P * N; i++) Xs[i] = X[i] * a;
      for (size_t i = 0; i < P; i++) ys[i] = y[i] * b;
      deq_estimate_plan *p = make_plan(Xs, ys, P, N, 1, stdz);
      /* Standardised columns are scale-free; raw ones need lambda a^2,
         which leaves the normal range for a = 1e+-160 unless lambda = 0
         (those ridges fall back to the reference lambda 0).  */
      double lam[3];
      int same[3];
      for (int l = 0; l < 3; l++) {
        lam[l] = stdz ? lambdas[l] : lambdas[l] * a * a;
        int normal = lam[l] == 0 || fpclassify(lam[l]) == FP_NORMAL;
        same[l] = normal ? l : 0;
        if (!normal) lam[l] = 0.0;
      }
      deq_estimate_point pt[3];
      ck_assert_st(deq_estimate_execute(pt, p, 3, lam, NULL), DEQ_OK);
      int exact = frexp(a, &(int){0}) == 0.5 && frexp(b, &(int){0}) == 0.5;
      double tol = exact ? 0.0 : 1e-12;
      for (int l = 0; l < 3; l++) {
        const deq_estimate_point *r = &ref[same[l]];
        ck_assert_msg(test_reldiff(pt[l].df, r->df, 0) <= tol,
                      "scale %zu stdz %d lambda %d: df %.17g vs %.17g", c,
                      stdz, l, pt[l].df, r->df);
        ck_assert_rel(pt[l].train / b / b, r->train, tol + 1e-300);
        ck_assert_rel(pt[l].gcv / b / b, r->gcv, tol + 1e-300);
        ck_assert_rel(pt[l].loo / b / b, r->loo, tol + 1e-300);
      }
      deq_estimate_plan_free(p);
      free(Xs);
      free(ys);
    }
    deq_estimate_plan_free(p0);
  }
  free(X);
  free(y);
}
END_TEST

START_TEST(test_ridgeless_interpolation)
{
  size_t P = 12, N = 30;
  deq_rng rng;
  uint64_t seed = test_seed(5);
  deq_rng_seed(&rng, seed, 0);
  double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
  double *G = calloc(P * P, sizeof *G), *a = malloc(P * sizeof *a);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)P, (int)P, (int)N,
              1.0, X, (int)N, X, (int)N, 0.0, G, (int)P);
  ck_assert_int_eq(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)P, G, (lapack_int)P), 0);
  memcpy(a, y, P * sizeof *a);
  ck_assert_int_eq(LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)P, 1, G, (lapack_int)P, a, 1), 0);
  ck_assert_int_eq(LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', (lapack_int)P, G, (lapack_int)P), 0);
  double num = 0, tr = 0, loo = 0;
  for (size_t i = 0; i < P; i++) {
    num += a[i] * a[i];
    tr += G[i * P + i];
    loo += (a[i] / G[i * P + i]) * (a[i] / G[i * P + i]) / (double)P;
  }
  double gcv0 = (double)P * num / (tr * tr);
  deq_estimate_plan *p = make_plan(X, y, P, N, 0, 0);
  double lam[2] = {0.0, 1e-13};
  deq_estimate_point pt[2];
  ck_assert_st(deq_estimate_execute(pt, p, 2, lam, NULL), DEQ_OK);
  ck_assert_rel(pt[0].gcv, gcv0, 1e-11);
  ck_assert_rel(pt[0].loo, loo, 1e-11);
  ck_assert_rel(pt[1].gcv, gcv0, 1e-9);
  ck_assert_rel(pt[1].loo, loo, 1e-9);
  ck_assert(pt[0].train == 0.0);
  ck_assert_rel(pt[0].df, (double)P, 1e-14);
  deq_estimate_plan_free(p);
  free(X); free(y); free(G); free(a);
}
END_TEST

/* The plan reads any strided view of the design; the column sums run
   over the rows in order whatever the layout, so a column-major design
   and the same numbers as rows of a table (label first, stride N + 1)
   give bitwise the same points, on both Gram routes and with
   standardisation (N = 13 and 50: column groups of 8 with a rest).  */
START_TEST(test_layouts_bitwise)
{
  static const size_t shapes[][2] = {{60, 13}, {20, 50}};
  static const double lambdas[] = {0.0, 1e-3, 0.7};
  for (size_t s = 0; s < 2; s++)
    for (int stdz = 0; stdz <= 1; stdz++) {
      size_t P = shapes[s][0], N = shapes[s][1];
      deq_rng rng;
      deq_rng_seed(&rng, test_seed(31), s);
      double *A = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
      double *T = malloc(P * (N + 1) * sizeof *T);   /* rows: y, x */
      for (size_t i = 0; i < P; i++) {
        T[i * (N + 1)] = y[i];
        for (size_t j = 0; j < N; j++) {
          A[i + j * P] = A[i + j * P] * (1.0 + (double)j) + (double)j;
          T[i * (N + 1) + 1 + j] = A[i + j * P];
        }
      }
      deq_estimate_opts o = {1, stdz};
      deq_estimate_plan *pc = NULL, *pr = NULL;
      ck_assert_st(deq_estimate_plan_alloc(&pc, P, N, A, y, &o, NULL), DEQ_OK);
      ck_assert_st(deq_estimate_plan_alloc_strided(&pr, P, N, T + 1, N + 1, 1,
                                                   T, N + 1, &o,
                                                   DEQ_ESTIMATE_ROUTE_AUTO,
                                                   NULL), DEQ_OK);
      deq_estimate_point a[3], b[3];
      ck_assert_st(deq_estimate_execute(a, pc, 3, lambdas, NULL), DEQ_OK);
      ck_assert_st(deq_estimate_execute(b, pr, 3, lambdas, NULL), DEQ_OK);
      for (size_t l = 0; l < 3; l++)
        ck_assert_msg(memcmp(&a[l].loo, &b[l].loo, sizeof a[l].loo) == 0 &&
                      memcmp(&a[l].gcv, &b[l].gcv, sizeof a[l].gcv) == 0 &&
                      memcmp(&a[l].df, &b[l].df, sizeof a[l].df) == 0 &&
                      memcmp(&a[l].train, &b[l].train, sizeof a[l].train) == 0,
                      "P %zu N %zu standardize %d lambda %g: loo %.17g/%.17g",
                      P, N, stdz, lambdas[l], a[l].loo, b[l].loo);
      deq_estimate_plan_free(pc);
      deq_estimate_plan_free(pr);
      free(A); free(y); free(T);
    }
}
END_TEST

/* GCV, LOO, train, df and CorrGCV with a known K depend on the rows only
   as a set; the AR(1) estimate of rho depends on their order.  */
START_TEST(test_row_order)
{
  size_t P = 40, N = 8;
  deq_rng rng;
  uint64_t seed = test_seed(7);
  deq_rng_seed(&rng, seed, 0);
  double *X = gauss_matrix(P * N, &rng), *y = malloc(P * sizeof *y);
  /* AR(1) labels so that the residual autocorrelation is clearly nonzero */
  double prev = 0;
  for (size_t i = 0; i < P; i++) {
    prev = 0.8 * prev + deq_rng_normal(&rng);
    y[i] = prev + X[i * N];
  }
  double *X2 = malloc(P * N * sizeof *X2), *y2 = malloc(P * sizeof *y2);
  for (size_t i = 0; i < P; i++) {
    size_t k = (i * 17 + 5) % P;   /* a permutation: gcd(17, 40) = 1 */
    memcpy(X2 + k * N, X + i * N, N * sizeof *X);
    y2[k] = y[i];
  }
  deq_spectrum *K = NULL;
  ck_assert_st(deq_estimate_K_ar1(&K, P, 0.6), DEQ_OK);
  deq_estimate_plan *p1 = make_plan(X, y, P, N, 1, 1);
  deq_estimate_plan *p2 = make_plan(X2, y2, P, N, 1, 1);
  double lam[3] = {0.0, 0.01, 1.0};
  deq_estimate_point a[3], b[3];
  ck_assert_st(deq_estimate_execute(a, p1, 3, lam, K), DEQ_OK);
  ck_assert_st(deq_estimate_execute(b, p2, 3, lam, K), DEQ_OK);
  for (int l = 0; l < 3; l++) {
    ck_assert_rel(a[l].gcv, b[l].gcv, 1e-11);
    ck_assert_rel(a[l].loo, b[l].loo, 1e-11);
    ck_assert_rel(a[l].train, b[l].train, 1e-11);
    ck_assert_rel(a[l].df, b[l].df, 1e-12);
    ck_assert_rel(a[l].corrgcv, b[l].corrgcv, 1e-11);
  }
  double r1, r2;
  ck_assert_st(deq_estimate_ar1_rho(&r1, p1, 0.01), DEQ_OK);
  ck_assert_st(deq_estimate_ar1_rho(&r2, p2, 0.01), DEQ_OK);
  ck_assert_msg(fabs(r1 - r2) > 0.1, "rho %g vs %g (seed %llu)", r1, r2,
                (unsigned long long)seed);
  deq_estimate_plan_free(p1);
  deq_estimate_plan_free(p2);
  deq_spectrum_free(K);
  free(X); free(y); free(X2); free(y2);
}
END_TEST

/* K = I (any scale) gives CorrGCV = GCV in both regimes, lambda = 0 too. */
START_TEST(test_identity_K)
{
  static const size_t shapes[][2] = {{30, 5}, {10, 25}};
  for (int s = 0; s < 2; s++)
    for (int ic = 0; ic <= 1; ic++) {
      size_t P = shapes[s][0], N = shapes[s][1];
      deq_rng rng;
      deq_rng_seed(&rng, test_seed(3), (uint64_t)(2 * s + ic));
      double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
      deq_spectrum *K = NULL;
      ck_assert_st(deq_spectrum_iso(&K, (double)P, 3.5), DEQ_OK);
      deq_estimate_plan *p = make_plan(X, y, P, N, ic, 0);
      double lam[6] = {0.0, 1e-12, 1e-4, 0.05, 1.0, 1e4};
      deq_estimate_point pt[6];
      ck_assert_st(deq_estimate_execute(pt, p, 6, lam, K), DEQ_OK);
      for (int l = 0; l < 6; l++) {
        ck_assert_rel(pt[l].corrgcv, pt[l].gcv, 1e-12);
        /* K = I: kappa_K = (P - df)/df (the naive P - df of the reference
           cancels when lambda is tiny: the library's complement is exact) */
        if (lam[l] >= 1e-4)
          ck_assert_rel(pt[l].kappa_K, ((double)P - pt[l].df) / pt[l].df,
                        1e-10);
      }
      deq_estimate_plan_free(p);
      deq_spectrum_free(K);
      free(X); free(y);
    }
}
END_TEST

/* AR(1) spectrum: against dsyevd of the dense Toeplitz matrix, the trace
   P and the closed-form tr K^-1.  */
START_TEST(test_ar1_spectrum)
{
  static const double rhos[] = {0.7, -0.5, 0.95};
  size_t P = 120;
  for (int k = 0; k < 3; k++) {
    double rho = rhos[k];
    deq_spectrum *a = NULL, *b = NULL;
    ck_assert_st(deq_estimate_K_ar1(&a, P, rho), DEQ_OK);
    double acf[120];
    for (size_t h = 0; h < P; h++) acf[h] = pow(rho, (double)h);
    ck_assert_st(deq_estimate_K_acf(&b, P, acf, P), DEQ_OK);
    ck_assert_uint_eq(a->n, P);
    double inv = 0;
    for (size_t i = 0; i < P; i++) {
      /* both spectra list their atoms in decreasing order */
      ck_assert_rel(a->s[i], b->s[i], 1e-10);
      inv += 1.0 / a->s[i];
    }
    ck_assert_rel(a->trace, (double)P, 1e-12);
    ck_assert_rel(inv, ((double)P * (1 + rho * rho) - 2 * rho * rho) /
                  (1 - rho * rho), 1e-12);
    deq_spectrum_free(a);
    deq_spectrum_free(b);
  }
}
END_TEST

/* CorrGCV against an independent formula: kappa_K by long-double bisection
   on the dense K's eigenvalues, lambdas spanning df < P/2 and df > P/2
   (the two branches of the library) and lambda = 0 in both regimes.  */
static long double ref_kappa(const double *k, size_t P, long double df)
{
  long double lo = 1e-30L, hi = 1e30L;
  for (int it = 0; it < 400; it++) {
    long double mid = sqrtl(lo * hi), f = 0;
    for (size_t i = 0; i < P; i++) f += k[i] / (k[i] + mid);
    if (f > df) lo = mid; else hi = mid;
  }
  return sqrtl(lo * hi);
}

START_TEST(test_corrgcv_reference)
{
  static const size_t shapes[][2] = {{60, 50}, {40, 90}};
  static const double lam[] = {1e-3, 0.03, 0.3, 3.0, 30.0};
  for (int s = 0; s < 2; s++) {
    size_t P = shapes[s][0], N = shapes[s][1];
    deq_rng rng;
    deq_rng_seed(&rng, test_seed(13), (uint64_t)s);
    double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
    double acf[3] = {2.0, 0.9, 0.3};   /* an MA(2)-like K, tr K = 2P: rescaled */
    deq_spectrum *K = NULL;
    ck_assert_st(deq_estimate_K_acf(&K, P, acf, 3), DEQ_OK);
    deq_estimate_plan *p = make_plan(X, y, P, N, 0, 0);
    deq_estimate_point pt[5];
    ck_assert_st(deq_estimate_execute(pt, p, 5, lam, K), DEQ_OK);
    int below = 0, above = 0;
    for (int l = 0; l < 5; l++) {
      double *k = K->s;   /* already tr K = P: acf scaled by acf[0] */
      long double kap = ref_kappa(k, P, pt[l].df), q = 0;
      for (size_t i = 0; i < P; i++) q += k[i] / ((k[i] + kap) * (k[i] + kap));
      double ref = (double)((long double)P * pt[l].train / (kap * kap * q));
      ck_assert_rel(pt[l].kappa_K, (double)kap, 1e-10);
      ck_assert_rel(pt[l].corrgcv, ref, 1e-10);
      below += pt[l].df < 0.5 * (double)P;
      above += pt[l].df > 0.5 * (double)P;
    }
    ck_assert(below > 0 && above > 0);
    /* lambda = 0 with P < N: finite, and the limit of small lambda.  */
    double l0[2] = {0.0, 1e-11};
    ck_assert_st(deq_estimate_execute(pt, p, 2, l0, K), DEQ_OK);
    ck_assert(isfinite(pt[0].corrgcv) && pt[0].corrgcv > 0);
    ck_assert_rel(pt[0].corrgcv, pt[1].corrgcv, 1e-8);
    deq_estimate_plan_free(p);
    deq_spectrum_free(K);
    free(X); free(y);
  }
}
END_TEST

/* Predictions on the training rows are y minus the residuals.  */
START_TEST(test_predict)
{
  size_t P = 25, N = 7;
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(17), 0);
  double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
  for (size_t i = 0; i < P * N; i++) X[i] = 3 * X[i] + 1;
  deq_estimate_plan *p = make_plan(X, y, P, N, 1, 1);
  double e[25], f[25];
  ck_assert_st(deq_estimate_residuals(e, p, 0.2), DEQ_OK);
  double *A = colmajor(X, P, N);
  ck_assert_st(deq_estimate_predict(f, p, 0.2, P, A), DEQ_OK);
  free(A);
  for (size_t i = 0; i < P; i++)
    ck_assert(fabs(y[i] - f[i] - e[i]) < 1e-12 * (1 + fabs(y[i])));
  deq_estimate_plan_free(p);
  free(X); free(y);
}
END_TEST

/* Monte Carlo: X rows AR(1)-correlated (x_t = rho x_{t-1} + sqrt(1-rho^2)
   z_t, so E[x_s x_t'] = rho^|s-t| I), noise AR(1) with the same rho
   ("noise proportional to K", where CorrGCV is consistent).  The true
   E_test = |w - wbar|^2 + sigma^2 (Sigma = I).  Paired differences over
   trials give z-scores.  Spec 3.4: naive GCV converges to E_test times
   kappa_K (df - df2^K)/(P (1 - df/P)^2) < 1, strongly optimistic.  */
START_TEST(test_mc_ar1)
{
  size_t P = 300, N = 100, T = 24;
  double rho = 0.7, sigma2 = 0.5, lambda = 0.05;
  uint64_t seed = test_seed(2024);
  deq_spectrum *K = NULL;
  ck_assert_st(deq_estimate_K_ar1(&K, P, rho), DEQ_OK);
  double sum_c = 0, sum_c2 = 0, sum_g = 0, sum_e = 0;
  double *X = malloc(P * N * sizeof *X), *y = malloc(P * sizeof *y);
  double *wbar = malloc(N * sizeof *wbar), *w = malloc(N * sizeof *w);
  double *eye = calloc(N * N, sizeof *eye);
  for (size_t j = 0; j < N; j++) eye[j * N + j] = 1.0;
  double a = sqrt(1 - rho * rho);
  for (size_t tr = 0; tr < T; tr++) {
    deq_rng rng;
    deq_rng_seed(&rng, seed, tr);
    deq_rng_normals(wbar, N, &rng);
    for (size_t j = 0; j < N; j++) wbar[j] /= sqrt((double)N);
    for (size_t i = 0; i < P; i++)
      for (size_t j = 0; j < N; j++) {
        double z = deq_rng_normal(&rng);
        X[i * N + j] = i ? rho * X[(i - 1) * N + j] + a * z : z;
      }
    double eps = 0;
    for (size_t i = 0; i < P; i++) {
      double z = deq_rng_normal(&rng);
      eps = i ? rho * eps + a * z : z;
      y[i] = cblas_ddot((int)N, X + i * N, 1, wbar, 1) + sqrt(sigma2) * eps;
    }
    deq_estimate_plan *p = make_plan(X, y, P, N, 0, 0);
    deq_estimate_point pt;
    ck_assert_st(deq_estimate_execute(&pt, p, 1, &lambda, K), DEQ_OK);
    ck_assert_st(deq_estimate_predict(w, p, lambda, N, eye), DEQ_OK);
    double etest = sigma2;
    for (size_t j = 0; j < N; j++) etest += (w[j] - wbar[j]) * (w[j] - wbar[j]);
    double dc = pt.corrgcv - etest;
    sum_c += dc;
    sum_c2 += dc * dc;
    sum_g += pt.gcv;
    sum_e += etest;
    deq_estimate_plan_free(p);
  }
  double mc = sum_c / (double)T, se = sqrt((sum_c2 / (double)T - mc * mc) / (double)(T - 1));
  double me = sum_e / (double)T, mg = sum_g / (double)T;
  printf("mc ar1 (P %zu, N %zu, rho %g, lambda %g, %zu trials, seed %llu): "
         "E_test %.5g, CorrGCV - E_test %.3g +- %.3g, GCV %.5g\n", P, N, rho,
         lambda, T, (unsigned long long)seed, me, mc, se, mg);
  ck_assert_msg(fabs(mc / se) < 4, "CorrGCV - E_test = %g +- %g (E_test %g), seed %llu",
                mc, se, me, (unsigned long long)seed);
  ck_assert_msg(fabs(mc) < 0.05 * me, "CorrGCV bias %g of E_test %g", mc, me);
  ck_assert_msg(mg < 0.8 * me, "GCV %g not optimistic vs E_test %g (seed %llu)",
                mg, me, (unsigned long long)seed);
  deq_spectrum_free(K);
  free(X); free(y); free(wbar); free(w); free(eye);
}
END_TEST

START_TEST(test_bad_input)
{
  /* column-major 6 x 2: feature 1 constant, feature 2 = 2 3 4 5 7 11 */
  double X[12] = {1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 7, 11}, y[6] = {1, 2, 3, 4, 5, 6};
  deq_estimate_plan *p = NULL;
  deq_error err;
  deq_estimate_opts std = {1, 1}, plain = {1, 0};
  ck_assert_st(deq_estimate_plan_alloc(&p, 6, 2, X, y, &std, &err), DEQ_EDOM);
  ck_assert(p == NULL);
  ck_assert_int_eq(err.column, 1);   /* feature 1 is constant */
  ck_assert(strstr(err.message, "constant") != NULL);
  ck_assert_st(deq_estimate_plan_alloc(&p, 2, 2, X, y, &plain, &err),
               DEQ_EDOM);
  ck_assert(strstr(err.message, "rows") != NULL);
  X[3 + 6] = NAN;   /* sample 4, feature 2 */
  ck_assert_st(deq_estimate_plan_alloc(&p, 6, 2, X, y, &plain, &err),
               DEQ_EDOM);
  ck_assert_int_eq(err.line, 4);
  ck_assert_int_eq(err.column, 2);
  X[3 + 6] = 5;
  y[2] = INFINITY;
  ck_assert_st(deq_estimate_plan_alloc(&p, 6, 2, X, y, &plain, &err),
               DEQ_EDOM);
  ck_assert_int_eq(err.line, 3);
  y[2] = 3;
  ck_assert_st(deq_estimate_plan_alloc(&p, 6, 0, X, y, &plain, &err),
               DEQ_EDOM);
  ck_assert_st(deq_estimate_plan_alloc(&p, 6, 2, X, y, &plain, &err), DEQ_OK);
  deq_estimate_point pt[1];
  double lam = -1;
  ck_assert_st(deq_estimate_execute(pt, p, 1, &lam, NULL), DEQ_EDOM);
  lam = 0.1;
  deq_spectrum *K = NULL;
  ck_assert_st(deq_estimate_K_ar1(&K, 5, 0.5), DEQ_OK);   /* wrong size */
  ck_assert_st(deq_estimate_execute(pt, p, 1, &lam, K), DEQ_EDOM);
  deq_spectrum_free(K);
  ck_assert_st(deq_estimate_K_ar1(&K, 6, 1.0), DEQ_EDOM);
  ck_assert_st(deq_estimate_K_ar1(&K, 6, NAN), DEQ_EDOM);
  double acf[2] = {1.0, 0.9};   /* symbol 1 + 1.8 cos w < 0 somewhere */
  ck_assert_st(deq_estimate_K_acf(&K, 40, acf, 2), DEQ_EDOM);
  double Kbad[4] = {1, 2, 2, 1};
  ck_assert_st(deq_estimate_K_matrix(&K, 2, Kbad), DEQ_EDOM);
  ck_assert(K == NULL);
  /* an exact fit leaves no residual to estimate rho from */
  double rho;
  double X2[3 * 5] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0, 1, 3, 5};
  deq_estimate_plan *q = NULL;
  deq_estimate_opts none = {0, 0};
  ck_assert_st(deq_estimate_plan_alloc(&q, 3, 5, X2, y, &none, &err), DEQ_OK);
  ck_assert_st(deq_estimate_ar1_rho(&rho, q, 0.0), DEQ_EDOM);
  deq_estimate_plan_free(q);
  deq_estimate_plan_free(p);
  deq_estimate_plan_free(NULL);
}
END_TEST

/* The selected lambda is the grid argmin; NaN and Inf are skipped.  */
/* The numerical rank of the (centred) design: min(P, N) for generic data,
   one less with a duplicated column, and one less again once the
   intercept centres away a direction when P <= N.  */
START_TEST(test_rank)
{
  enum { P = 8, N = 5 };
  double X[P * N], y[P];
  for (size_t i = 0; i < P; i++) {
    y[i] = (double)i;
    for (size_t j = 0; j < N; j++)
      X[i * N + j] = sin(1.3 * (double)(i + 1) * (double)(j + 1)) + 0.1 * (double)(i * j);
  }
  deq_estimate_plan *p = make_plan(X, y, P, N, 0, 0);
  ck_assert_uint_eq(deq_estimate_rank(p), N);
  deq_estimate_plan_free(p);
  for (size_t i = 0; i < P; i++) X[i * N + 4] = X[i * N + 1]; /* duplicate */
  p = make_plan(X, y, P, N, 0, 0);
  ck_assert_uint_eq(deq_estimate_rank(p), N - 1);
  deq_estimate_plan_free(p);
  /* wide design, 4 rows: rank 4 without intercept, 3 after centring */
  p = make_plan(X, y, 4, N, 0, 0);
  ck_assert_uint_eq(deq_estimate_rank(p), 4);
  deq_estimate_plan_free(p);
  p = make_plan(X, y, 4, N, 1, 0);
  ck_assert_uint_eq(deq_estimate_rank(p), 3);
  deq_estimate_plan_free(p);
}
END_TEST

START_TEST(test_select)
{
  deq_estimate_point pts[4] = {
    {.gcv = 3, .loo = INFINITY, .corrgcv = NAN},
    {.gcv = 1, .loo = 2, .corrgcv = NAN},
    {.gcv = 1, .loo = 5, .corrgcv = NAN},
    {.gcv = 2, .loo = 1, .corrgcv = NAN}};
  size_t sel[DEQ_ESTIMATE_NCRIT];
  ck_assert_st(deq_estimate_select(sel, pts, 4), DEQ_OK);
  ck_assert_uint_eq(sel[DEQ_ESTIMATE_GCV], 1);
  ck_assert_uint_eq(sel[DEQ_ESTIMATE_LOO], 3);
  ck_assert_uint_eq(sel[DEQ_ESTIMATE_CORRGCV], 4);
}
END_TEST

/* ------------------------------------------------------------ estimate x corr */

static void assert_same_spectrum(const deq_spectrum *a, const deq_spectrum *b)
{
  ck_assert_uint_eq(a->n, b->n);
  ck_assert(a->dim == b->dim && a->trace == b->trace);
  for (size_t i = 0; i < a->n; i++)
    ck_assert(a->s[i] == b->s[i] && a->m[i] == b->m[i]);
}

/* CorrGCV of deq_estimate_execute = train deq_corr_gcv_factor(K, df), and
   its kappa_K, on a P x N Gaussian design (deficient when P > N + 1, full
   when P <= N); the factor's rank - df and the estimate's complement
   differ by rounding only.  */
static void check_gcv_factors(const deq_spectrum *K, size_t P, size_t N,
                              double tol)
{
  deq_rng rng;
  deq_rng_seed(&rng, test_seed(11), P + N);
  double *X = gauss_matrix(P * N, &rng), *y = gauss_matrix(P, &rng);
  deq_estimate_plan *p = make_plan(X, y, P, N, 1, 0);
  double lam[4] = {1e-6, 1e-3, 0.1, 10};
  deq_estimate_point pt[4];
  ck_assert_st(deq_estimate_execute(pt, p, 4, lam, K), DEQ_OK);
  for (int l = 0; l < 4; l++) {
    double f, kK;
    ck_assert_st(deq_corr_gcv_factor(&f, &kK, K, pt[l].df), DEQ_OK);
    /* the factor's own rank - df loses eps P/(P - df) relative in kappa_K,
       twice that in the factor ~ 1/kappa_K^2 */
    double t = tol + 8 * DBL_EPSILON * (double)P / ((double)P - pt[l].df);
    ck_assert_rel(pt[l].kappa_K, kK, t);
    ck_assert_rel(pt[l].corrgcv, pt[l].train * f, t);
  }
  deq_estimate_plan_free(p);
  free(X);
  free(y);
}

/* The estimate path (deq_estimate_K_*, deq_estimate_execute) and the corr
   path (deq_corr_spectrum_*, deq_corr_gcv_factor) agree: identical K
   spectra for ar1, acf and matrix (column-major, as deq_corr_matrix
   builds it), identical statuses past P = 46340, the same CorrGCV
   factors.  */
START_TEST(test_estimate_matches_corr)
{
  size_t P = 300;
  double rho = 0.6;
  deq_corr_model ar1 = { .kind = DEQ_CORR_AR1, .rho = rho };
  deq_spectrum *a = NULL, *b = NULL;
  ck_assert_st(deq_estimate_K_ar1(&a, P, rho), DEQ_OK);
  ck_assert_st(deq_corr_spectrum_ar1(&b, P, rho, DEQ_CORR_EXACT), DEQ_OK);
  assert_same_spectrum(a, b);
  check_gcv_factors(a, P, 40, 1e-12);
  check_gcv_factors(a, P, 400, 1e-12);
  deq_spectrum_free(a);
  deq_spectrum_free(b);

  double acf[3] = {1.0, 0.5, 0.2};
  ck_assert_st(deq_estimate_K_acf(&a, P, acf, 3), DEQ_OK);
  ck_assert_st(deq_corr_spectrum_acf(&b, P, acf, 3, DEQ_CORR_EXACT, NULL),
               DEQ_OK);
  assert_same_spectrum(a, b);
  check_gcv_factors(a, P, 40, 1e-12);
  deq_spectrum_free(a);
  deq_spectrum_free(b);

  /* a non-Toeplitz K: AR(1) plus a rank-one bump */
  double *Km = NULL;
  ck_assert_st(deq_corr_matrix(&Km, &ar1, P), DEQ_OK);
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i < P; i++)
      Km[i + j * P] += 0.3 * sin(0.1 * (double)i) * sin(0.1 * (double)j);
  ck_assert_st(deq_estimate_K_matrix(&a, P, Km), DEQ_OK);
  ck_assert_st(deq_corr_spectrum_matrix(&b, P, Km, NULL), DEQ_OK);
  assert_same_spectrum(a, b);
  check_gcv_factors(a, P, 40, 1e-12);
  deq_spectrum_free(a);
  deq_spectrum_free(b);
  free(Km);

  /* AR(1) past P = 46340, now O(P): the same spectra and factors */
  size_t Pbig = 50000;
  ck_assert_st(deq_estimate_K_ar1(&a, Pbig, rho), DEQ_OK);
  ck_assert_st(deq_corr_spectrum_ar1(&b, Pbig, rho, DEQ_CORR_EXACT), DEQ_OK);
  assert_same_spectrum(a, b);
  check_gcv_factors(a, Pbig, 3, 1e-12);
  deq_spectrum_free(a);
  deq_spectrum_free(b);

  /* past P = 46340 (P^2 > INT_MAX): the same status on both paths */
  deq_spectrum *c = NULL;
  size_t big = 46341;
  deq_status s1 = deq_estimate_K_acf(&c, big, acf, 3);
  deq_status s2 = deq_corr_spectrum_acf(&c, big, acf, 3, DEQ_CORR_EXACT, NULL);
  ck_assert_int_eq(s1, s2);
  ck_assert_int_eq(s1, DEQ_EUNSUP);
  ck_assert_int_eq(deq_estimate_K_matrix(&c, big, acf), DEQ_EUNSUP);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("estimate");
  TCase *tc = tcase_create("exact");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_brute_force);
  tcase_add_test(tc, test_routes_brute_force);
  tcase_add_test(tc, test_features_graded);
  tcase_add_test(tc, test_features_one_pass);
  tcase_add_test(tc, test_row_blocks);
  tcase_add_test(tc, test_ridgeless_interpolation);
  tcase_add_test(tc, test_scale_invariance);
  tcase_add_test(tc, test_row_order);
  tcase_add_test(tc, test_layouts_bitwise);
  tcase_add_test(tc, test_identity_K);
  tcase_add_test(tc, test_ar1_spectrum);
  tcase_add_test(tc, test_estimate_matches_corr);
  tcase_add_test(tc, test_corrgcv_reference);
  tcase_add_test(tc, test_predict);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_select);
  tcase_add_test(tc, test_rank);
  suite_add_tcase(s, tc);
  tc = tcase_create("mc");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_mc_ar1);
  suite_add_tcase(s, tc);
  printf("t-estimate: seeds from DEQ_TEST_SEED (default per test)\n");
  return test_run(s);
}
