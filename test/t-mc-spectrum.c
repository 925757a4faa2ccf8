/* t-mc-spectrum.c -- Monte Carlo eigenvalues of sample covariances and
 * products against the deterministic equivalents: Kolmogorov-Smirnov
 * distances that shrink with size, the exact finite-P second moment,
 * the df and S-transform of exact products, thread invariance.
 * Seeds from test_seed() (DEQ_TEST_SEED overrides); printed on failure.  */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <deq.h>
#include "testutil.h"

static int cmp_d(const void *a, const void *b)
{
  double u = *(const double *)a, v = *(const double *)b;
  return (u > v) - (u < v);
}

/* KS distance of pooled eigenvalues of `trials` samples of c.  The atom
   at 0: F(0^-) = 0, F(0) = atom0.  */
static double pooled_ks(const deq_freeprob_chain *c, size_t trials,
                        uint64_t seed)
{
  deq_mc_spectrum_plan *p = NULL;
  ck_assert_st(deq_mc_spectrum_plan_alloc(&p, c, 0), DEQ_OK);
  size_t n = deq_mc_spectrum_size(p) * trials;
  double *e = malloc(n * sizeof *e), *F = malloc(n * sizeof *F),
         *Fl = malloc(n * sizeof *Fl);
  ck_assert(e && F && Fl);
  ck_assert_st(deq_mc_spectrum_execute(e, p, trials, seed), DEQ_OK);
  qsort(e, n, sizeof *e, cmp_d);
  ck_assert_st(deq_freeprob_chain_cdf(F, c, e, n, 0), DEQ_OK);
  for (size_t i = 0; i < n; i++)
    Fl[i] = e[i] == 0 ? 0 : F[i];
  double D;
  ck_assert_st(deq_freeprob_ks(&D, e, F, Fl, n), DEQ_OK);
  free(e);
  free(F);
  free(Fl);
  deq_mc_spectrum_plan_free(p);
  return D;
}

/* Sample covariance of a log-uniform spectrum, q = 2 (atom at 0) and
   q = 0.5: the pooled KS distance is O(1/N) (finite-size bias of the
   spectral distribution and its rigid fluctuations), so it must shrink
   by a clear factor from N = 100 to N = 400 (about 4 expected; we ask
   for 2) and stay below 0.02 / 0.006 (a few times the values measured
   with several seeds: about 0.004-0.008 at N = 100).  Equal pooled counts:
   trials 16 and 4.  */
START_TEST(test_ks_sample_shrinks)
{
  uint64_t seed = test_seed(20240611);
  const double qs[] = { 2.0, 0.5 };
  for (int iq = 0; iq < 2; iq++) {
    double D[2];
    for (int k = 0; k < 2; k++) {
      size_t N = k ? 400 : 100;
      deq_spectrum *sp = NULL;
      ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.1, 10), DEQ_OK);
      deq_freeprob_chain c = { sp, 0, NULL, NULL, N / qs[iq] };
      D[k] = pooled_ks(&c, 16, seed + (uint64_t)k);
      deq_spectrum_free(sp);
    }
    ck_assert_msg(D[0] < 0.02 && D[1] < 0.006 && D[1] < 0.5 * D[0],
                  "seed %llu q=%g: KS %g (N=100), %g (N=400)",
                  (unsigned long long)seed, qs[iq], D[0], D[1]);
  }
}
END_TEST

/* The same over six decades (log-uniform on [1e-3, 1e3]), where a CDF
   that misses mass near the lower edge leaves a KS distance that does not
   shrink with N.  */
START_TEST(test_ks_sample_shrinks_wide)
{
  uint64_t seed = test_seed(20261202);
  const double qs[] = { 2.0, 0.5 };
  for (int iq = 0; iq < 2; iq++) {
    double D[2];
    for (int k = 0; k < 2; k++) {
      size_t N = k ? 400 : 100;
      deq_spectrum *sp = NULL;
      ck_assert_st(deq_spectrum_loguniform(&sp, N, 1e-3, 1e3), DEQ_OK);
      deq_freeprob_chain c = { sp, 0, NULL, NULL, N / qs[iq] };
      D[k] = pooled_ks(&c, 16, seed + (uint64_t)k);
      deq_spectrum_free(sp);
    }
    ck_assert_msg(D[0] < 0.02 && D[1] < 0.006 && D[1] < 0.5 * D[0],
                  "seed %llu q=%g: KS %g (N=100), %g (N=400)",
                  (unsigned long long)seed, qs[iq], D[0], D[1]);
  }
}
END_TEST

/* A chain G' Omega G with two isotropic layers and data: same test.  */
START_TEST(test_ks_chain_shrinks)
{
  uint64_t seed = test_seed(777);
  double D[2];
  for (int k = 0; k < 2; k++) {
    size_t N = k ? 400 : 100;
    deq_spectrum *sp = NULL;
    ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.2, 5), DEQ_OK);
    double w[2] = { 1.5 * N, 0.75 * N };
    deq_freeprob_chain c = { sp, 2, w, NULL, 2.0 * N };
    D[k] = pooled_ks(&c, 16, seed + (uint64_t)k);
    deq_spectrum_free(sp);
  }
  ck_assert_msg(D[0] < 0.03 && D[1] < 0.01 && D[1] < 0.5 * D[0],
                "seed %llu: KS %g (N=100), %g (N=400)",
                (unsigned long long)seed, D[0], D[1]);
}
END_TEST

/* Exact finite-P moment: E (1/N) tr Sigma_hat^2 = (1 + 1/P) mu2 + q mu1^2
   (Wick).  z-score over trials, |z| < 4.  The first moment is exact too.  */
START_TEST(test_second_moment_exact)
{
  uint64_t seed = test_seed(31337);
  size_t N = 60, P = 40, T = 400;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.1, 10), DEQ_OK);
  deq_freeprob_chain c = { sp, 0, NULL, NULL, (double)P };
  double *e = malloc(N * T * sizeof *e);
  ck_assert_st(deq_mc_spectrum_run(e, &c, T, seed, 0), DEQ_OK);
  double mu1 = 0, mu2 = 0, q = (double)N / P;
  for (size_t i = 0; i < sp->n; i++) {
    mu1 += sp->m[i] * sp->s[i] / N;
    mu2 += sp->m[i] * sp->s[i] * sp->s[i] / N;
  }
  double want[2] = { mu1, (1 + 1.0 / P) * mu2 + q * mu1 * mu1 };
  for (int k = 1; k <= 2; k++) {
    double mean = 0, m2 = 0;
    for (size_t t = 0; t < T; t++) {
      double v = 0;
      for (size_t i = 0; i < N; i++)
        v += pow(e[t * N + i], k) / N;
      double dl = v - mean;
      mean += dl / (t + 1);
      m2 += dl * (v - mean);
    }
    deq_mc_estimate est = { mean, sqrt(m2 / (T - 1) / T) };
    double z = deq_mc_z(&est, want[k - 1]);
    ck_assert_msg(fabs(z) < 4, "seed %llu: moment %d: %g +- %g vs %g (z=%g)",
                  (unsigned long long)seed, k, est.mean, est.se, want[k - 1], z);
  }
  free(e);
  deq_spectrum_free(sp);
}
END_TEST

/* df of an exact product with a structured second layer (spec 2.4 reports
   474.28 vs 474.51 at N = 600): tr A (A + lambda)^-1 from the sampled
   eigenvalues vs the S-product, relative gap below 1% at N = 300 and
   shrinking towards N = 600.  */
START_TEST(test_df_exact_product)
{
  uint64_t seed = test_seed(4242);
  double gap[2];
  for (int k = 0; k < 2; k++) {
    size_t N = k ? 600 : 300;
    deq_spectrum *om = NULL, *lay = NULL;
    ck_assert_st(deq_spectrum_loguniform(&om, N, 0.1, 10), DEQ_OK);
    size_t n1 = N;
    ck_assert_st(deq_spectrum_loguniform(&lay, n1, 0.5, 2), DEQ_OK);
    double w[2] = { (double)n1, 0.75 * N };
    const deq_spectrum *layers[2] = { NULL, lay };
    deq_freeprob_chain c = { om, 2, w, layers, 0 };
    size_t T = 2, n = (size_t)w[1];
    double *e = malloc(n * T * sizeof *e);
    ck_assert_st(deq_mc_spectrum_run(e, &c, T, seed + (uint64_t)k, 0), DEQ_OK);
    double l = 0.1, emp = 0, th;
    for (size_t i = 0; i < n * T; i++)
      emp += e[i] / (e[i] + l) / T;
    ck_assert_st(deq_freeprob_chain_df(&th, NULL, &c, l), DEQ_OK);
    gap[k] = fabs(emp - th) / th;
    free(e);
    deq_spectrum_free(om);
    deq_spectrum_free(lay);
  }
  ck_assert_msg(gap[0] < 0.01 && gap[1] < 0.01, "seed %llu: gaps %g %g",
                (unsigned long long)seed, gap[0], gap[1]);
}
END_TEST

/* S-transform multiplicativity on exact products: the empirical S of
   Sigma_hat (inverting its empirical normalised df) vs S_Sigma S_W at
   delta = 0.1, 0.3, 0.45 (spec 1.2: within 0.6% at N = 800).  */
START_TEST(test_s_exact_product)
{
  uint64_t seed = test_seed(99);
  size_t N = 400, P = 200, T = 4;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.1, 10), DEQ_OK);
  deq_freeprob_chain c = { sp, 0, NULL, NULL, (double)P };
  double *e = malloc(N * T * sizeof *e);
  ck_assert_st(deq_mc_spectrum_run(e, &c, T, seed, 0), DEQ_OK);
  const double deltas[] = { 0.1, 0.3, 0.45 };
  for (int i = 0; i < 3; i++) {
    double d = deltas[i], lo = 1e-8, hi = 1e4;
    for (int it = 0; it < 200; it++) { /* bisection in log lambda */
      double mid = sqrt(lo * hi), f = 0;
      for (size_t j = 0; j < N * T; j++)
        f += e[j] / (e[j] + mid) / (N * T);
      if (f > d)
        lo = mid;
      else
        hi = mid;
    }
    double Semp = (1 - d) / (d * lo), Ss, Sw;
    ck_assert_st(deq_freeprob_s_transform(&Ss, sp, d), DEQ_OK);
    ck_assert_st(deq_freeprob_s_wishart(&Sw, (double)N / P, d), DEQ_OK);
    ck_assert_msg(fabs(Semp / (Ss * Sw) - 1) < 0.02, "seed %llu delta %g: %g vs %g",
                  (unsigned long long)seed, d, Semp, Ss * Sw);
  }
  free(e);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_threads_bitwise)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, 50, 0.1, 10), DEQ_OK);
  double w[2] = { 40, 30 };
  deq_freeprob_chain c = { sp, 2, w, NULL, 70 };
  size_t T = 7, n = 30;
  double *a = malloc(n * T * sizeof *a), *b = malloc(n * T * sizeof *b);
  ck_assert_st(deq_mc_spectrum_run(a, &c, T, 5, 1), DEQ_OK);
  ck_assert_st(deq_mc_spectrum_run(b, &c, T, 5, 3), DEQ_OK);
  ck_assert(memcmp(a, b, n * T * sizeof *a) == 0);
  for (size_t i = 1; i < n; i++)
    ck_assert(a[i] >= a[i - 1]);
  free(a);
  free(b);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_mc_bad_input)
{
  deq_spectrum *sp = NULL, *tail = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, 10, 1.0), DEQ_OK);
  deq_powerlaw pl;
  deq_powerlaw_init(&pl);
  pl.n = INFINITY;
  pl.amp = 0;
  ck_assert_st(deq_spectrum_powerlaw(&tail, &pl), DEQ_OK);
  deq_mc_spectrum_plan *p = NULL;
  double w = 5.5;
  deq_freeprob_chain c = { sp, 1, &w, NULL, 0 };
  ck_assert_st(deq_mc_spectrum_plan_alloc(&p, &c, 1), DEQ_EUNSUP);
  w = 0;
  ck_assert_st(deq_mc_spectrum_plan_alloc(&p, &c, 1), DEQ_EDOM);
  deq_freeprob_chain t = { tail, 0, NULL, NULL, 10 };
  ck_assert(deq_mc_spectrum_plan_alloc(&p, &t, 1) != DEQ_OK);
  /* a layer spectrum of the wrong dimension */
  double w2[2] = { 10, 8 };
  const deq_spectrum *lay[2] = { NULL, sp };
  deq_freeprob_chain d = { sp, 2, w2, lay, 0 };
  w2[0] = 12;
  ck_assert_st(deq_mc_spectrum_plan_alloc(&p, &d, 1), DEQ_EDOM);
  ck_assert(p == NULL);
  deq_mc_spectrum_plan_free(NULL);
  deq_spectrum_free(sp);
  deq_spectrum_free(tail);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("mc-spectrum");
  TCase *tc = tcase_create("mc");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_ks_sample_shrinks);
  tcase_add_test(tc, test_ks_sample_shrinks_wide);
  tcase_add_test(tc, test_ks_chain_shrinks);
  tcase_add_test(tc, test_second_moment_exact);
  tcase_add_test(tc, test_df_exact_product);
  tcase_add_test(tc, test_s_exact_product);
  tcase_add_test(tc, test_threads_bitwise);
  tcase_add_test(tc, test_mc_bad_input);
  suite_add_tcase(s, tc);
  return test_run(s);
}
