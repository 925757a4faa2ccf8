/* test/t-sampler.c -- correlated-row Gaussian samplers (deq/sampler.h).
 *
 * Three kinds of checks:
 *  - exact linear maps: each method computes X = A Z for the normals Z
 *    that stream (seed, stream) produces; the test regenerates Z with the
 *    private generator, builds A independently (AR(1): the closed-form
 *    lower factor; Cholesky: its own long-double factorisation;
 *    circulant: a brute-force long-double DFT) and checks X = A Z to
 *    rounding and A A^T = K (second moments exact, no sampling error);
 *  - Monte Carlo: empirical covariances over many columns against K (all
 *    three paths), entry-wise z-scores with a Bonferroni threshold;
 *    circulant against Cholesky in distribution (covariances, the
 *    whitened norm x^T K^-1 x ~ chi^2_P: mean and variance, independence
 *    of the two columns an FFT yields);
 *  - reproducibility, concurrency on one plan, bad input.  */
#include "testutil.h"

#include <float.h>
#include <pthread.h>

#include <deq/sampler.h>
#include "../lib/rng_impl.h"
#include "../lib/mc_impl.h"  /* deq_sampler_execute_rng (private) */

#define SEED 20240817u

/* ------------------------------------------------------------- helpers */

/* Two-sided threshold t with n * P(|Z| > t) = alpha (Bonferroni over n
   statistics), by bisection on erfc.  */
static double bonferroni(size_t n, double alpha)
{
  double lo = 0.0, hi = 40.0;
  for (int i = 0; i < 200; i++) {
    double t = 0.5 * (lo + hi);
    if ((double)n * erfc(t / sqrt(2.0)) > alpha)
      lo = t;
    else
      hi = t;
  }
  return hi;
}

static void toeplitz(double *K, const double *acf, size_t P)
{
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i < P; i++)
      K[i + j * P] = acf[i > j ? i - j : j - i];
}

/* Lower Cholesky factor in long double, independent of LAPACK.  */
static void chol_ld(long double *L, const double *K, size_t P)
{
  memset(L, 0, P * P * sizeof *L);
  for (size_t j = 0; j < P; j++) {
    long double d = K[j + j * P];
    for (size_t k = 0; k < j; k++)
      d -= L[j + k * P] * L[j + k * P];
    ck_assert_msg(d > 0, "test matrix not positive definite");
    L[j + j * P] = sqrtl(d);
    for (size_t i = j + 1; i < P; i++) {
      long double s = K[i + j * P];
      for (size_t k = 0; k < j; k++)
        s -= L[i + k * P] * L[j + k * P];
      L[i + j * P] = s / L[j + j * P];
    }
  }
}

/* Largest |z| of the sample second moments S_ij = mean_c X_ic X_jc
   (i <= j) against K_ij scaled by s2 (the columns are N(0, s2 K)); the
   variance of one product is s2^2 (K_ii K_jj + K_ij^2).  */
static double cov_maxz(const double *X, size_t ldx, size_t P, size_t N,
                       const double *K, double s2)
{
  double zmax = 0.0;
  for (size_t i = 0; i < P; i++)
    for (size_t j = i; j < P; j++) {
      double s = 0.0;
      for (size_t c = 0; c < N; c++)
        s += X[i + c * ldx] * X[j + c * ldx];
      s /= (double)N;
      double kij = K[i + j * P] * s2, kii = K[i + i * P] * s2,
             kjj = K[j + j * P] * s2;
      double se = sqrt((kii * kjj + kij * kij) / (double)N);
      double z = fabs(s - kij) / se;
      if (z > zmax)
        zmax = z;
    }
  return zmax;
}

/* Two-sample version: S(X) - S(Y) against 0.  */
static double cov_maxz2(const double *X, const double *Y, size_t P, size_t N,
                        const double *K)
{
  double zmax = 0.0;
  for (size_t i = 0; i < P; i++)
    for (size_t j = i; j < P; j++) {
      double sx = 0.0, sy = 0.0;
      for (size_t c = 0; c < N; c++) {
        sx += X[i + c * P] * X[j + c * P];
        sy += Y[i + c * P] * Y[j + c * P];
      }
      double kij = K[i + j * P], kii = K[i + i * P], kjj = K[j + j * P];
      double se = sqrt(2.0 * (kii * kjj + kij * kij) / (double)N);
      double z = fabs((sx - sy) / (double)N) / se;
      if (z > zmax)
        zmax = z;
    }
  return zmax;
}

static double *sample(const deq_sampler_plan *plan, size_t P, size_t N,
                      uint64_t seed, uint64_t stream)
{
  double *X = malloc(P * N * sizeof *X);
  ck_assert_ptr_nonnull(X);
  ck_assert_st(deq_sampler_execute(X, P, N, NULL, plan, seed, stream),
               DEQ_OK);
  return X;
}

/* --------------------------------------------------------------- AR(1) */

/* x = L z with L_ts = rho^(t-s) (s = 0) or rho^(t-s) sqrt(1-rho^2)
   (s >= 1), t >= s: the recursion unrolled.  L L^T = rho^|i-j| exactly
   (a geometric sum), checked here in long double.  */
START_TEST(ar1_exact_map)
{
  const size_t P = 40, N = 7;
  const double rhos[] = { 0.9, -0.6, 0.0, 0.999 };
  uint64_t seed = test_seed(SEED);
  for (size_t r = 0; r < 4; r++) {
    double rho = rhos[r];
    deq_sampler_plan *plan = NULL;
    ck_assert_st(deq_sampler_plan_ar1(&plan, P, rho), DEQ_OK);
    double *X = sample(plan, P, N, seed, 3);
    double *Z = malloc(P * N * sizeof *Z);
    deq_rng rng;
    deq_rng_seed(&rng, seed, 3);
    deq_rng_normals(Z, P * N, &rng);
    long double *L = calloc(P * P, sizeof *L);
    long double rc = sqrtl(1.0L - (long double)rho * rho);
    for (size_t t = 0; t < P; t++)
      for (size_t s = 0; s <= t; s++)
        L[t + s * P] = powl(rho, (long double)(t - s)) * (s == 0 ? 1.0L : rc);
    for (size_t c = 0; c < N; c++)
      for (size_t t = 0; t < P; t++) {
        long double x = 0;
        for (size_t s = 0; s <= t; s++)
          x += L[t + s * P] * Z[s + c * P];
        /* the recursion's rounding grows like 1/(1-|rho|) */
        ck_assert_msg(fabsl(x - X[t + c * P]) <= 1e-12 / (1.0 - fabs(rho)),
                      "rho %g seed %llu: X[%zu,%zu] = %.17g vs %.17Lg", rho,
                      (unsigned long long)seed, t, c, X[t + c * P], x);
      }
    /* valgrind (make check-valgrind sets DEQ_VALGRIND) emulates long
       double at double precision: the identity then holds to ~1e-13 */
    long double ltol = getenv("DEQ_VALGRIND") ? 1e-12L : 1e-15L;
    for (size_t i = 0; i < P; i++)
      for (size_t j = 0; j < P; j++) {
        long double k = 0;
        for (size_t s = 0; s < P; s++)
          k += L[i + s * P] * L[j + s * P];
        long double want = powl(rho, (long double)(i > j ? i - j : j - i));
        ck_assert_msg(fabsl(k - want) <= ltol, "rho %g K[%zu,%zu]", rho,
                      i, j);
      }
    deq_sampler_info info;
    ck_assert_st(deq_sampler_plan_info(&info, plan), DEQ_OK);
    ck_assert_int_eq(info.method, DEQ_SAMPLER_AR1);
    ck_assert(info.rho == rho && info.P == P && info.embed == 0);
    free(L);
    free(X);
    free(Z);
    deq_sampler_plan_free(plan);
  }
}
END_TEST

/* ------------------------------------------------------------ Cholesky */

/* Block-equicorrelated K (m = 4, c = 0.5) plus an AR part: X = L Z with
   L the test's own long-double Cholesky factor.  */
START_TEST(cholesky_exact_map)
{
  const size_t P = 24, N = 5;
  uint64_t seed = test_seed(SEED);
  double *K = malloc(P * P * sizeof *K);
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i < P; i++)
      K[i + j * P] = (i / 4 == j / 4 ? (i == j ? 1.0 : 0.5) : 0.0)
                     + 0.3 * pow(0.7, (double)(i > j ? i - j : j - i));
  deq_sampler_plan *plan = NULL;
  ck_assert_st(deq_sampler_plan_matrix(&plan, K, P, P), DEQ_OK);
  double *X = sample(plan, P, N, seed, 11);
  double *Z = malloc(P * N * sizeof *Z);
  deq_rng rng;
  deq_rng_seed(&rng, seed, 11);
  deq_rng_normals(Z, P * N, &rng);
  long double *L = malloc(P * P * sizeof *L);
  chol_ld(L, K, P);
  for (size_t c = 0; c < N; c++)
    for (size_t t = 0; t < P; t++) {
      long double x = 0;
      for (size_t s = 0; s <= t; s++)
        x += L[t + s * P] * Z[s + c * P];
      ck_assert_msg(fabsl(x - X[t + c * P]) <= 1e-13,
                    "X[%zu,%zu] = %.17g vs %.17Lg", t, c, X[t + c * P], x);
    }
  deq_sampler_info info;
  deq_sampler_plan_info(&info, plan);
  ck_assert_int_eq(info.method, DEQ_SAMPLER_CHOLESKY);
  free(K);
  free(X);
  free(Z);
  free(L);
  deq_sampler_plan_free(plan);
}
END_TEST

/* ----------------------------------------------------------- circulant */

/* Column pair (2p, 2p+1) = Re, Im of y_t = sum_k sqrt(lambda_k/M) w_k
   e^{-2 pi i t k/M} with w the next M complex normals and lambda the DFT
   of the embedding row, both recomputed here in long double.  The
   covariance of that map, sum_k (lambda_k/M) cos(2 pi (i-j) k/M), must
   be c_|i-j| (the embedding contains K).  */
static void check_circulant_map(const double *acf, size_t nacf, size_t P,
                                size_t N, size_t want_M, uint64_t seed)
{
  deq_sampler_options opt = { DEQ_SAMPLER_CIRCULANT, 0, 0 };
  deq_sampler_plan *plan = NULL;
  ck_assert_st(deq_sampler_plan_acf(&plan, acf, nacf, P, &opt), DEQ_OK);
  deq_sampler_info info;
  deq_sampler_plan_info(&info, plan);
  size_t M = info.embed;
  ck_assert_int_eq(info.method, DEQ_SAMPLER_CIRCULANT);
  ck_assert_uint_ge(M, 2 * (P - 1));
  if (want_M)
    ck_assert_uint_eq(M, want_M);
  double *X = sample(plan, P, N, seed, 5);

  const long double tau = 6.283185307179586476925286766559L;
  long double *lam = malloc(M * sizeof *lam);
  long double lmax = 0;
  for (size_t k = 0; k < M; k++) {
    long double s = 0;
    for (size_t j = 0; j < M; j++) {
      size_t h = j < M - j ? j : M - j;
      double r = h < nacf ? acf[h] : 0.0;
      s += r * cosl(tau * (long double)((j * k) % M) / (long double)M);
    }
    lam[k] = s;
    lmax = fmaxl(lmax, s);
  }
  for (size_t k = 0; k < M; k++) {
    ck_assert_msg(lam[k] >= -1e-12L * lmax, "lambda_%zu = %Lg < 0", k,
                  lam[k]);
    if (lam[k] < 0)
      lam[k] = 0;
  }
  for (size_t i = 0; i < P; i++) {   /* covariance of the map = K */
    long double s = 0;
    for (size_t k = 0; k < M; k++)
      s += lam[k] / (long double)M
           * cosl(tau * (long double)((i * k) % M) / (long double)M);
    ck_assert_msg(fabsl(s - acf[i]) <= 1e-13L, "cov lag %zu: %.17Lg vs %.17g",
                  i, s, acf[i]);
  }
  /* Rounding: the library's eigenvalues carry an absolute error up to
     about delta = 4 eps log2(M) sum_k |r_k| (FFT), and a = sqrt(lambda/M)
     then errs by min(sqrt(delta/M), delta/(2 sqrt(M lambda))): large
     only for eigenvalues near 0.  The tolerance sums these errors.  */
  long double rsum = 0;
  for (size_t j = 0; j < M; j++)
    rsum += fabs(acf[j < M - j ? j : M - j]);
  long double delta = 4.0L * DBL_EPSILON * (log2l((long double)M) + 1) * rsum;
  deq_rng rng;
  deq_rng_seed(&rng, seed, 5);
  double *w = malloc(2 * M * sizeof *w);
  for (size_t c = 0; c < N; c += 2) {
    deq_rng_normals(w, 2 * M, &rng);
    long double tol = 1e-12L;
    for (size_t k = 0; k < M; k++) {
      long double da = sqrtl(delta / (long double)M);
      if (lam[k] > 0)
        da = fminl(da, delta / (2 * sqrtl((long double)M * lam[k])));
      tol += da * (fabs(w[2 * k]) + fabs(w[2 * k + 1]));
    }
    for (size_t t = 0; t < P; t++) {
      long double re = 0, im = 0;
      for (size_t k = 0; k < M; k++) {
        long double a = sqrtl(lam[k] / (long double)M);
        long double ph = -tau * (long double)((t * k) % M) / (long double)M;
        long double cs = cosl(ph), sn = sinl(ph);
        re += a * (w[2 * k] * cs - w[2 * k + 1] * sn);
        im += a * (w[2 * k] * sn + w[2 * k + 1] * cs);
      }
      ck_assert_msg(fabsl(re - X[t + c * P]) <= tol,
                    "P %zu Re[%zu,%zu]: %.17g vs %.17Lg (tol %Lg)", P, t, c,
                    X[t + c * P], re, tol);
      if (c + 1 < N)
        ck_assert_msg(fabsl(im - X[t + (c + 1) * P]) <= tol,
                      "P %zu Im[%zu,%zu]", P, t, c + 1);
    }
  }
  free(w);
  free(lam);
  free(X);
  deq_sampler_plan_free(plan);
}

START_TEST(circulant_exact_map)
{
  uint64_t seed = test_seed(SEED);
  double acf[64];
  for (size_t k = 0; k < 64; k++)
    acf[k] = pow(0.8, (double)k);
  /* sizes: 2(P-1) rounded up to 2^a 3^b 5^c 7^d when the lags allow */
  check_circulant_map(acf, 21, 20, 5, 40, seed);  /* odd N */
  check_circulant_map(acf, 20, 20, 4, 38, seed);  /* lag 20 unknown */
  check_circulant_map(acf, 34, 33, 4, 64, seed);
  check_circulant_map(acf, 1, 1, 3, 1, seed);     /* P = 1 */
  for (size_t k = 0; k < 64; k++)                 /* long memory */
    acf[k] = 1.0 / sqrt(1.0 + (double)k);
  check_circulant_map(acf, 17, 17, 2, 32, seed);
  /* Gaussian acf: the minimal embedding is negative, larger ones with
     the true lags beyond P are not; the map must still be exact.  */
  for (size_t k = 0; k < 64; k++)
    acf[k] = exp(-(double)(k * k) / 25.0);
  check_circulant_map(acf, 64, 16, 2, 0, seed);
}
END_TEST

/* Embedding growth: Gaussian acf exp(-(k/5)^2) at P = 16 needs several
   sizes with its true long lags; with only P lags (zeros beyond) no size
   works: ENOCONV under CIRCULANT, and AUTO falls back to Cholesky.  */
START_TEST(circulant_growth_and_fallback)
{
  const size_t P = 16;
  double acf[400];
  for (size_t k = 0; k < 400; k++)
    acf[k] = exp(-(double)(k * k) / 25.0);
  deq_sampler_options opt = { DEQ_SAMPLER_CIRCULANT, 0, 0 };
  deq_sampler_plan *plan = NULL;
  deq_sampler_info info;
  ck_assert_st(deq_sampler_plan_acf(&plan, acf, 400, P, &opt), DEQ_OK);
  deq_sampler_plan_info(&info, plan);
  ck_assert_int_gt(info.embed_tries, 1);
  ck_assert_uint_gt(info.embed, 30);
  ck_assert(info.embed_min_eig >= -1e-12);
  deq_sampler_plan_free(plan);

  ck_assert_st(deq_sampler_plan_acf(&plan, acf, P, P, &opt), DEQ_ENOCONV);
  ck_assert_ptr_null(plan);
  opt.max_embed = 30;     /* only the minimal size */
  ck_assert_st(deq_sampler_plan_acf(&plan, acf, 400, P, &opt), DEQ_ENOCONV);

  opt.method = DEQ_SAMPLER_AUTO;
  opt.max_embed = 0;
  ck_assert_st(deq_sampler_plan_acf(&plan, acf, P, P, &opt), DEQ_OK);
  deq_sampler_plan_info(&info, plan);
  ck_assert_int_eq(info.method, DEQ_SAMPLER_CHOLESKY);
  ck_assert_int_gt(info.embed_tries, 0);
  deq_sampler_plan_free(plan);
  ck_assert_st(deq_sampler_plan_acf(&plan, acf, P, P, NULL), DEQ_OK);
  deq_sampler_plan_info(&info, plan);
  ck_assert_int_eq(info.method, DEQ_SAMPLER_CHOLESKY);
  deq_sampler_plan_free(plan);
}
END_TEST

/* --------------------------------------------------------- Monte Carlo */

/* Empirical covariance over N columns against K, for every path.  */
START_TEST(empirical_covariance_all_paths)
{
  const size_t P = 12, N = 60000;
  uint64_t seed = test_seed(SEED);
  double thr = bonferroni(P * (P + 1) / 2, 1e-4);
  double acf[12], K[144];
  deq_sampler_plan *plans[4] = { NULL };
  const char *names[4] = { "ar1", "circulant", "cholesky-acf", "matrix" };

  for (size_t k = 0; k < P; k++)
    acf[k] = pow(0.9, (double)k);
  toeplitz(K, acf, P);
  deq_sampler_options circ = { DEQ_SAMPLER_CIRCULANT, 0, 0 };
  deq_sampler_options chol = { DEQ_SAMPLER_CHOLESKY, 0, 0 };
  ck_assert_st(deq_sampler_plan_ar1(&plans[0], P, 0.9), DEQ_OK);
  ck_assert_st(deq_sampler_plan_acf(&plans[1], acf, P, P, &circ), DEQ_OK);
  ck_assert_st(deq_sampler_plan_acf(&plans[2], acf, P, P, &chol), DEQ_OK);
  ck_assert_st(deq_sampler_plan_matrix(&plans[3], K, P, P), DEQ_OK);
  for (int m = 0; m < 4; m++) {
    double *X = sample(plans[m], P, N, seed, (uint64_t)m);
    double z = cov_maxz(X, P, P, N, K, 1.0);
    printf("sampler %s: max |z| = %.2f (threshold %.2f, seed %llu)\n",
           names[m], z, thr, (unsigned long long)seed);
    ck_assert_msg(z < thr, "%s: max |z| %.2f, seed %llu", names[m], z,
                  (unsigned long long)seed);
    free(X);
    deq_sampler_plan_free(plans[m]);
  }
}
END_TEST

/* Column scales: X diag(a) bitwise, N(0, a_j^2 K) columns, and the noise
   idiom N = 1, col_scale = &sigma; with ldx > P the padding rows stay.  */
START_TEST(column_scale_and_noise)
{
  const size_t P = 10, N = 5, ld = 13;
  uint64_t seed = test_seed(SEED);
  const double a[5] = { 1.0, 0.5, 3.0, 0.0, 2.0 };
  double acf[10];
  for (size_t k = 0; k < P; k++)
    acf[k] = pow(0.5, (double)k);
  deq_sampler_options circ = { DEQ_SAMPLER_CIRCULANT, 0, 0 };
  deq_sampler_plan *plans[3] = { NULL };
  ck_assert_st(deq_sampler_plan_ar1(&plans[0], P, 0.5), DEQ_OK);
  ck_assert_st(deq_sampler_plan_acf(&plans[1], acf, P, P, &circ), DEQ_OK);
  deq_sampler_options chol = { DEQ_SAMPLER_CHOLESKY, 0, 0 };
  ck_assert_st(deq_sampler_plan_acf(&plans[2], acf, P, P, &chol), DEQ_OK);
  for (int m = 0; m < 3; m++) {
    double X[13 * 5], Y[13 * 5];
    for (size_t i = 0; i < ld * N; i++)
      X[i] = Y[i] = -7.0;
    ck_assert_st(deq_sampler_execute(X, ld, N, NULL, plans[m], seed, 2),
                 DEQ_OK);
    ck_assert_st(deq_sampler_execute(Y, ld, N, a, plans[m], seed, 2), DEQ_OK);
    for (size_t c = 0; c < N; c++)
      for (size_t t = 0; t < ld; t++) {
        if (t >= P) {
          ck_assert(X[t + c * ld] == -7.0 && Y[t + c * ld] == -7.0);
          continue;
        }
        ck_assert_msg(Y[t + c * ld] == a[c] * X[t + c * ld],
                      "method %d [%zu,%zu]", m, t, c);
      }
    double eps[10], sigma = 0.3;
    ck_assert_st(deq_sampler_execute(eps, P, 1, &sigma, plans[m], seed, 2),
                 DEQ_OK);
    for (size_t t = 0; t < P; t++)
      ck_assert(eps[t] == sigma * X[t]);
    deq_sampler_plan_free(plans[m]);
  }
}
END_TEST

/* Whitened norm q = |L^-1 x|^2 ~ chi^2_P under N(0, K): mean P, variance
   2P, fourth central moment 12P(P+4).  */
static void whitened_norm_stats(double *mean, double *var, const double *X,
                                size_t P, size_t N, const long double *L)
{
  double s = 0, s2 = 0;
  long double *u = malloc(P * sizeof *u);
  for (size_t c = 0; c < N; c++) {
    double q = 0;
    for (size_t i = 0; i < P; i++) {   /* forward solve L u = x */
      long double v = X[i + c * P];
      for (size_t k = 0; k < i; k++)
        v -= L[i + k * P] * u[k];
      u[i] = v / L[i + i * P];
      q += (double)(u[i] * u[i]);
    }
    s += q;
    s2 += q * q;
  }
  free(u);
  *mean = s / (double)N;
  *var = (s2 - s * s / (double)N) / (double)(N - 1);
}

/* Circulant embedding against Cholesky for a non-AR, long-memory acf
   c_k = (1+k)^-1/2: the two samples' covariances agree, both whitened
   norms are chi^2_P in mean and variance, and the Re/Im columns of one
   FFT are uncorrelated (x.y has mean 0, variance tr K^2).  */
START_TEST(circulant_matches_cholesky)
{
  const size_t P = 24, N = 40000;
  uint64_t seed = test_seed(SEED);
  double acf[24], K[24 * 24];
  for (size_t k = 0; k < P; k++)
    acf[k] = 1.0 / sqrt(1.0 + (double)k);
  toeplitz(K, acf, P);
  deq_sampler_options circ = { DEQ_SAMPLER_CIRCULANT, 0, 0 };
  deq_sampler_options chol = { DEQ_SAMPLER_CHOLESKY, 0, 0 };
  deq_sampler_plan *pc = NULL, *pl = NULL;
  ck_assert_st(deq_sampler_plan_acf(&pc, acf, P, P, &circ), DEQ_OK);
  ck_assert_st(deq_sampler_plan_acf(&pl, acf, P, P, &chol), DEQ_OK);
  double *Xc = sample(pc, P, N, seed, 100);
  double *Xl = sample(pl, P, N, seed, 200);

  double thr = bonferroni(P * (P + 1) / 2, 1e-4);
  double z2 = cov_maxz2(Xc, Xl, P, N, K);
  printf("circulant vs cholesky: max |z| covariance = %.2f (thr %.2f)\n", z2,
         thr);
  ck_assert_msg(z2 < thr, "two-sample covariance z %.2f seed %llu", z2,
                (unsigned long long)seed);

  long double *L = malloc(P * P * sizeof *L);
  chol_ld(L, K, P);
  double Pd = (double)P, mu4 = 12.0 * Pd * (Pd + 4.0);
  double mean[2], var[2];
  whitened_norm_stats(&mean[0], &var[0], Xc, P, N, L);
  whitened_norm_stats(&mean[1], &var[1], Xl, P, N, L);
  for (int m = 0; m < 2; m++) {
    double zm = (mean[m] - Pd) / sqrt(2.0 * Pd / (double)N);
    double zv = (var[m] - 2.0 * Pd) / sqrt((mu4 - 4.0 * Pd * Pd) / (double)N);
    printf("%s: chi2 mean %.4f (z %.2f), var %.3f (z %.2f)\n",
           m ? "cholesky" : "circulant", mean[m], zm, var[m], zv);
    ck_assert_msg(fabs(zm) < 4 && fabs(zv) < 4,
                  "m %d zm %.2f zv %.2f seed %llu", m, zm, zv,
                  (unsigned long long)seed);
  }
  double zd = (mean[0] - mean[1]) / sqrt(4.0 * Pd / (double)N);
  ck_assert_msg(fabs(zd) < 4, "chi2 means differ: z %.2f", zd);

  double trK2 = 0, s = 0;
  for (size_t i = 0; i < P * P; i++)
    trK2 += K[i] * K[i];
  for (size_t c = 0; c + 1 < N; c += 2)
    for (size_t t = 0; t < P; t++)
      s += Xc[t + c * P] * Xc[t + (c + 1) * P];
  double zx = s / (double)(N / 2) / sqrt(trK2 / (double)(N / 2));
  printf("circulant Re/Im cross product z = %.2f\n", zx);
  ck_assert_msg(fabs(zx) < 4, "Re/Im columns correlated: z %.2f", zx);

  free(L);
  free(Xc);
  free(Xl);
  deq_sampler_plan_free(pc);
  deq_sampler_plan_free(pl);
}
END_TEST

/* ----------------------------------------------------- reproducibility */

START_TEST(reproducible_streams)
{
  const size_t P = 30, N = 6;
  uint64_t seed = test_seed(SEED);
  double acf[30];
  for (size_t k = 0; k < P; k++)
    acf[k] = pow(0.7, (double)k);
  deq_sampler_plan *plans[3] = { NULL };
  ck_assert_st(deq_sampler_plan_ar1(&plans[0], P, 0.7), DEQ_OK);
  ck_assert_st(deq_sampler_plan_acf(&plans[1], acf, P, P, NULL), DEQ_OK);
  deq_sampler_options chol = { DEQ_SAMPLER_CHOLESKY, 0, 0 };
  ck_assert_st(deq_sampler_plan_acf(&plans[2], acf, P, P, &chol), DEQ_OK);
  for (int m = 0; m < 3; m++) {
    double *A = sample(plans[m], P, N, seed, 9);
    double *B = sample(plans[m], P, N, seed, 9);
    double *C = sample(plans[m], P, N, seed, 10);
    double *D = sample(plans[m], P, N, seed + 1, 9);
    ck_assert(memcmp(A, B, P * N * sizeof *A) == 0);
    ck_assert(memcmp(A, C, P * N * sizeof *A) != 0);
    ck_assert(memcmp(A, D, P * N * sizeof *A) != 0);
    /* execute_rng from a freshly seeded stream is the same draw, and the
       generator moves on so that a second call draws new values */
    double *E = malloc(P * N * sizeof *E), *F = malloc(P * N * sizeof *F);
    deq_rng rng;
    deq_rng_seed(&rng, seed, 9);
    ck_assert_st(deq_sampler_execute_rng(E, P, N, NULL, plans[m], &rng),
                 DEQ_OK);
    ck_assert_st(deq_sampler_execute_rng(F, P, N, NULL, plans[m], &rng),
                 DEQ_OK);
    ck_assert(memcmp(A, E, P * N * sizeof *A) == 0);
    ck_assert(memcmp(A, F, P * N * sizeof *A) != 0);
    free(A);
    free(B);
    free(C);
    free(D);
    free(E);
    free(F);
    deq_sampler_plan_free(plans[m]);
  }
}
END_TEST

/* Several threads execute one plan at once (stream = thread index);
   each result equals the serial one bitwise.  */
typedef struct job {
  const deq_sampler_plan *plan;
  double *X;
  size_t P, N;
  uint64_t seed, stream;
  deq_status st;
} job;

static void *run_job(void *arg)
{
  job *j = arg;
  for (int rep = 0; rep < 20; rep++)
    j->st = deq_sampler_execute(j->X, j->P, j->N, NULL, j->plan, j->seed,
                                j->stream);
  return NULL;
}

START_TEST(concurrent_execute)
{
  enum { T = 4 };
  const size_t P = 100, N = 8;
  uint64_t seed = test_seed(SEED);
  double acf[100];
  for (size_t k = 0; k < P; k++)
    acf[k] = pow(0.95, (double)k);
  deq_sampler_plan *plan = NULL;
  ck_assert_st(deq_sampler_plan_acf(&plan, acf, P, P, NULL), DEQ_OK);
  pthread_t th[T];
  job jobs[T];
  for (int i = 0; i < T; i++) {
    jobs[i] = (job){ plan, malloc(P * N * sizeof(double)), P, N, seed,
                     (uint64_t)i, DEQ_EINVAL };
    ck_assert_int_eq(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
  }
  for (int i = 0; i < T; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < T; i++) {
    ck_assert_st(jobs[i].st, DEQ_OK);
    double *ref = sample(plan, P, N, seed, (uint64_t)i);
    ck_assert(memcmp(ref, jobs[i].X, P * N * sizeof *ref) == 0);
    free(ref);
    free(jobs[i].X);
  }
  deq_sampler_plan_free(plan);
}
END_TEST

/* ----------------------------------------------------------- bad input */

START_TEST(bad_input)
{
  deq_sampler_plan *plan = (deq_sampler_plan *)&plan;   /* must be reset */
  ck_assert_st(deq_sampler_plan_ar1(&plan, 10, 1.0), DEQ_EDOM);
  ck_assert_ptr_null(plan);
  ck_assert_st(deq_sampler_plan_ar1(&plan, 10, -1.0), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_ar1(&plan, 10, 1.5), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_ar1(&plan, 10, NAN), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_ar1(&plan, 0, 0.5), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_ar1(NULL, 10, 0.5), DEQ_EINVAL);

  /* explicit K: not PD, not symmetric, NaN, P = 0, ldk < P */
  double notpd[4] = { 1, 2, 2, 1 }, asym[4] = { 1, 0.5, 0.2, 1 };
  double nan4[4] = { 1, NAN, NAN, 1 }, ok[4] = { 1, 0.5, 0.5, 1 };
  ck_assert_st(deq_sampler_plan_matrix(&plan, notpd, 2, 2), DEQ_EDOM);
  ck_assert_ptr_null(plan);
  ck_assert_st(deq_sampler_plan_matrix(&plan, asym, 2, 2), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_matrix(&plan, nan4, 2, 2), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_matrix(&plan, ok, 2, 0), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_matrix(&plan, ok, 1, 2), DEQ_EINVAL);
  ck_assert_st(deq_sampler_plan_matrix(&plan, NULL, 2, 2), DEQ_EINVAL);
  /* PSD but singular (fully correlated) is not positive definite */
  double ones[4] = { 1, 1, 1, 1 };
  ck_assert_st(deq_sampler_plan_matrix(&plan, ones, 2, 2), DEQ_EDOM);

  /* autocorrelations: (1, 0.9, 0) has eigenvalue 1 - 0.9 sqrt 2 < 0 */
  double bad[3] = { 1.0, 0.9, 0.0 };
  deq_sampler_options circ = { DEQ_SAMPLER_CIRCULANT, 0, 0 };
  deq_sampler_options chol = { DEQ_SAMPLER_CHOLESKY, 0, 0 };
  ck_assert_st(deq_sampler_plan_acf(&plan, bad, 3, 3, &circ), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_acf(&plan, bad, 3, 3, &chol), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_acf(&plan, bad, 3, 3, NULL), DEQ_EDOM);
  ck_assert_ptr_null(plan);
  double big[3] = { 1.0, 1.2, 0.1 }, zero[2] = { 0.0, 0.0 };
  double inf[3] = { 1.0, INFINITY, 0.1 };
  ck_assert_st(deq_sampler_plan_acf(&plan, big, 3, 3, NULL), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_acf(&plan, zero, 2, 2, NULL), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_acf(&plan, inf, 3, 3, NULL), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_acf(&plan, ok, 2, 0, NULL), DEQ_EDOM);
  ck_assert_st(deq_sampler_plan_acf(&plan, ok, 1, 2, NULL), DEQ_EINVAL);
  ck_assert_st(deq_sampler_plan_acf(&plan, NULL, 2, 2, NULL), DEQ_EINVAL);
  deq_sampler_options weird = { (deq_sampler_method)17, 0, 0 };
  ck_assert_st(deq_sampler_plan_acf(&plan, ok, 2, 2, &weird), DEQ_EINVAL);
  weird = (deq_sampler_options){ DEQ_SAMPLER_AR1, 0, 0 };
  ck_assert_st(deq_sampler_plan_acf(&plan, ok, 2, 2, &weird), DEQ_EINVAL);
  weird = (deq_sampler_options){ DEQ_SAMPLER_AUTO, 0, -1.0 };
  ck_assert_st(deq_sampler_plan_acf(&plan, ok, 2, 2, &weird), DEQ_EINVAL);

  /* execute */
  ck_assert_st(deq_sampler_plan_ar1(&plan, 4, 0.5), DEQ_OK);
  double X[8];
  ck_assert_st(deq_sampler_execute(X, 3, 2, NULL, plan, 1, 1), DEQ_EINVAL);
  ck_assert_st(deq_sampler_execute(NULL, 4, 2, NULL, plan, 1, 1), DEQ_EINVAL);
  ck_assert_st(deq_sampler_execute(X, 4, 2, NULL, NULL, 1, 1), DEQ_EINVAL);
  ck_assert_st(deq_sampler_execute(NULL, 4, 0, NULL, plan, 1, 1), DEQ_OK);
  ck_assert_st(deq_sampler_execute_rng(X, 4, 2, NULL, plan, NULL), DEQ_EINVAL);
  deq_sampler_info info;
  ck_assert_st(deq_sampler_plan_info(NULL, plan), DEQ_EINVAL);
  ck_assert_st(deq_sampler_plan_info(&info, NULL), DEQ_EINVAL);
  deq_sampler_plan_free(plan);
  deq_sampler_plan_free(NULL);
}
END_TEST

static Suite *sampler_suite(void)
{
  Suite *s = suite_create("sampler");
  TCase *tc = tcase_create("exact");
  tcase_add_test(tc, ar1_exact_map);
  tcase_add_test(tc, cholesky_exact_map);
  tcase_add_test(tc, circulant_exact_map);
  tcase_add_test(tc, circulant_growth_and_fallback);
  tcase_add_test(tc, column_scale_and_noise);
  tcase_add_test(tc, reproducible_streams);
  tcase_add_test(tc, concurrent_execute);
  tcase_add_test(tc, bad_input);
  suite_add_tcase(s, tc);
  TCase *mc = tcase_create("montecarlo");
  tcase_set_timeout(mc, 60);
  tcase_add_test(mc, empirical_covariance_all_paths);
  tcase_add_test(mc, circulant_matches_cholesky);
  suite_add_tcase(s, mc);
  return s;
}

int main(void)
{
  printf("t-sampler: seed %llu (DEQ_TEST_SEED overrides)\n",
         (unsigned long long)test_seed(SEED));
  return test_run(sampler_suite());
}
