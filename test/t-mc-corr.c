/* test/t-mc-corr.c -- Monte Carlo with correlated rows against the
 * deterministic equivalent: E_g, E_tr, naive GCV and CorrGCV for AR(1) and
 * block correlations under both noise models, the forecast risk, the
 * finite-size gap of the self-averaging df, thread invariance, bad input.
 * Seeds from test_seed() (DEQ_TEST_SEED overrides), printed.  Risks are
 * checked by |z| < 4 (a 4-sigma band: with ~40 z-scores the chance of a
 * false alarm is ~3e-3), df by its relative gap, which must shrink with
 * size (it is O(1/P), far below the MC noise of the risks).  */
#include <config.h>
#include <deq/spectrum.h>
#include <deq/corr.h>
#include <deq/mc.h>
#include "testutil.h"

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

static void zcheck(const char *what, const deq_mc_estimate *e, double theory)
{
  double z = deq_mc_z(e, theory);
  printf("  %-10s mc %.6f +- %.6f theory %.6f z %+.2f\n", what, e->mean,
         e->se, theory, z);
  ck_assert_msg(fabs(z) < 4, "%s: z = %.2f (mc %g +- %g, theory %g)", what, z,
                e->mean, e->se, theory);
}

/* One configuration at P (N = P/2), lambda = 0.05, sigma^2 = 0.5; returns
   the relative df gap.  */
static double run_case(const deq_corr_model *m, deq_corr_noise nm, size_t P,
                       size_t trials, uint64_t seed)
{
  double lambda = 0.05, s2 = 0.5;
  deq_spectrum *S = sigma(P / 2), *K = NULL;
  ck_assert_st(deq_corr_spectrum(&K, m, P, DEQ_CORR_EXACT, NULL), DEQ_OK);
  deq_corr_point pt;
  ck_assert_st(deq_corr_solve(&pt, S, K, lambda, s2, nm, NULL), DEQ_OK);
  deq_mc_corr_row row;
  ck_assert_st(deq_mc_corr_run(&row, S, m, P, 0, &lambda, 1, s2, nm, trials,
                               seed, 0), DEQ_OK);
  printf("kind %d noise %s P %zu trials %zu seed %llu\n", (int)m->kind,
         nm == DEQ_CORR_NOISE_K ? "K" : "iid", P, trials,
         (unsigned long long)seed);
  zcheck("E_g", &row.E_g, pt.E_g);
  zcheck("E_tr", &row.E_tr, pt.E_tr);
  zcheck("gcv_naive", &row.gcv_naive, pt.gcv_naive);
  zcheck("corrgcv", &row.corrgcv, pt.corrgcv);
  double gap = fabs(row.df.mean - pt.df) / pt.df;
  printf("  df gap %.3g\n", gap);
  deq_spectrum_free(S);
  deq_spectrum_free(K);
  return gap;
}

static void sweep(const deq_corr_model *m, deq_corr_noise nm, uint64_t seed)
{
  double g1 = run_case(m, nm, 100, 300, seed);
  double g2 = run_case(m, nm, 400, 100, seed + 1000);
  ck_assert_msg(g1 < 0.02 && g2 < g1 / 2, "df gap does not shrink: %g -> %g",
                g1, g2);
}

START_TEST(ar1_noise_K)
{
  deq_corr_model m = { .kind = DEQ_CORR_AR1, .rho = 0.7 };
  sweep(&m, DEQ_CORR_NOISE_K, test_seed(11));
}
END_TEST

START_TEST(ar1_noise_iid)
{
  deq_corr_model m = { .kind = DEQ_CORR_AR1, .rho = 0.7 };
  sweep(&m, DEQ_CORR_NOISE_IID, test_seed(12));
}
END_TEST

START_TEST(blocks_noise_K)
{
  deq_corr_model m = { .kind = DEQ_CORR_BLOCKS, .m = 4, .c = 0.5 };
  sweep(&m, DEQ_CORR_NOISE_K, test_seed(13));
}
END_TEST

START_TEST(blocks_noise_iid)
{
  deq_corr_model m = { .kind = DEQ_CORR_BLOCKS, .m = 4, .c = 0.5 };
  sweep(&m, DEQ_CORR_NOISE_IID, test_seed(14));
}
END_TEST

/* Forecast risk, AR(1) rho = 0.7, tau = 1 and 3, and a stationary acf
   (MA(2)-like, circulant sampler) at tau = 1.  */
START_TEST(forecast)
{
  uint64_t seed = test_seed(15);
  size_t P = 200;
  double lambda = 0.05, s2 = 0.5;
  deq_spectrum *S = sigma(P / 2), *K = NULL;
  double acf[3] = { 1, 0.5, 0.2 };
  deq_corr_model models[2] = { { .kind = DEQ_CORR_AR1, .rho = 0.7 },
                               { .kind = DEQ_CORR_ACF, .acf = acf, .nacf = 3 } };
  for (int i = 0; i < 2; i++) {
    ck_assert_st(deq_corr_spectrum(&K, &models[i], P, DEQ_CORR_EXACT, NULL),
                 DEQ_OK);
    deq_corr_point pt;
    ck_assert_st(deq_corr_solve(&pt, S, K, lambda, s2, DEQ_CORR_NOISE_K, NULL),
                 DEQ_OK);
    for (size_t tau = 1; tau <= 3; tau += 2) {
      deq_corr_forecast *f = NULL;
      ck_assert_st(deq_corr_forecast_alloc(&f, &models[i], P, tau), DEQ_OK);
      double E;
      ck_assert_st(deq_corr_forecast_risk(&E, f, &pt), DEQ_OK);
      deq_mc_corr_row row;
      ck_assert_st(deq_mc_corr_run(&row, S, &models[i], P, tau, &lambda, 1, s2,
                                   DEQ_CORR_NOISE_K, 300, seed + 100 * tau + 10 * (uint64_t)i, 0),
                   DEQ_OK);
      printf("forecast kind %d tau %zu seed %llu\n", (int)models[i].kind, tau,
             (unsigned long long)(seed + 100 * tau + 10 * (uint64_t)i));
      zcheck("E_forecast", &row.E_forecast, E);
      zcheck("E_g", &row.E_g, pt.E_g);
      deq_corr_forecast_free(f);
    }
    deq_spectrum_free(K);
  }
  deq_spectrum_free(S);
}
END_TEST

START_TEST(thread_invariance)
{
  deq_corr_model m = { .kind = DEQ_CORR_AR1, .rho = 0.5 };
  deq_spectrum *S = sigma(30);
  double lambda[2] = { 0.01, 0.3 };
  deq_mc_corr_row a[2], b[2];
  ck_assert_st(deq_mc_corr_run(a, S, &m, 40, 1, lambda, 2, 0.2,
                               DEQ_CORR_NOISE_K, 37, 5, 1), DEQ_OK);
  ck_assert_st(deq_mc_corr_run(b, S, &m, 40, 1, lambda, 2, 0.2,
                               DEQ_CORR_NOISE_K, 37, 5, 3), DEQ_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  deq_spectrum_free(S);
}
END_TEST

START_TEST(bad_input)
{
  deq_corr_model m = { .kind = DEQ_CORR_BLOCKS, .m = 4, .c = 0.5 };
  deq_spectrum *S = sigma(10);
  deq_mc_corr_plan *p = NULL;
  ck_assert_st(deq_mc_corr_plan_alloc(&p, S, &m, 10, 0, 1, 1), DEQ_EDOM);
  ck_assert_st(deq_mc_corr_plan_alloc(&p, S, &m, 1, 0, 1, 1), DEQ_EDOM);
  ck_assert_st(deq_mc_corr_plan_alloc(&p, S, &m, 12, 1, 1, 1), DEQ_EUNSUP);
  m.kind = DEQ_CORR_AR1;
  m.rho = 1.5;
  ck_assert_st(deq_mc_corr_plan_alloc(&p, S, &m, 12, 0, 1, 1), DEQ_EDOM);
  m.rho = 0.5;
  ck_assert_st(deq_mc_corr_plan_alloc(&p, S, &m, 12, 0, 1, 1), DEQ_OK);
  deq_mc_corr_row r;
  double l = -1;
  ck_assert_st(deq_mc_corr_execute(&r, p, &l, 0.1, DEQ_CORR_NOISE_K, 10, 1),
               DEQ_EDOM);
  l = 0.1;
  ck_assert_st(deq_mc_corr_execute(&r, p, &l, 0.1, DEQ_CORR_NOISE_K, 1, 1),
               DEQ_EINVAL);
  deq_mc_corr_plan_free(p);
  deq_mc_corr_plan_free(NULL);
  deq_spectrum_free(S);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("mc-corr");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, ar1_noise_K);
  tcase_add_test(tc, ar1_noise_iid);
  tcase_add_test(tc, blocks_noise_K);
  tcase_add_test(tc, blocks_noise_iid);
  tcase_add_test(tc, forecast);
  tcase_add_test(tc, thread_invariance);
  tcase_add_test(tc, bad_input);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(suite());
}
