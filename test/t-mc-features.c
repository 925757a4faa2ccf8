/* test/t-mc-features.c -- Monte Carlo random-feature and deep-feature
 * ridge against the deterministic equivalent.
 *
 * Risks (E_g, E_tr, gcv) must agree within |z| < 4 at fixed printed seeds
 * (DEQ_TEST_SEED overrides).  The self-averaging df has a tiny standard
 * error, so its O(1/N) finite-size bias is resolved: the test demands that
 * the relative gap shrinks as N doubles (ratio < 0.75, expected ~0.5).
 * Results must be bitwise identical for 1 and 2 threads.  */
#include <config.h>
#include <deq/spectrum.h>
#include <deq/features.h>
#include <deq/mc.h>
#include "testutil.h"

static deq_spectrum *loguniform(size_t N)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.1, 10), DEQ_OK);
  for (size_t i = 0; i < N; i++) sp->v[i] = sqrt(sp->s[i]) / (double)N;
  ck_assert_st(deq_spectrum_update(sp, NULL), DEQ_OK);
  return sp;
}

static void check_z(const char *what, const deq_mc_estimate *e, double th,
                    uint64_t seed)
{
  double z = deq_mc_z(e, th);
  ck_assert_msg(fabs(z) < 4, "%s: mc %.6g +- %.3g vs theory %.6g, z = %.2f "
                "(seed %llu)", what, e->mean, e->se, th, z,
                (unsigned long long)seed);
}

/* Run T trials of chain ch at P for two ridges and z-test the risks.  */
static void z_case(const deq_spectrum *sp, const deq_rf_chain *ch, size_t P,
                   double noise, size_t T, uint64_t seed)
{
  double lam[2] = {0.02, 1e-6};
  deq_mc_rf_row rows[2];
  ck_assert_st(deq_mc_rf_run(rows, sp, ch, P, lam, 2, noise, T, seed, 0),
               DEQ_OK);
  for (int j = 0; j < 2; j++) {
    deq_rf_point th;
    ck_assert_st(deq_rf_solve(&th, sp, ch, (double)P, lam[j], noise, NULL),
                 DEQ_OK);
    check_z("E_g", &rows[j].E_g, th.E_g, seed);
    check_z("E_tr", &rows[j].E_tr, th.E_tr, seed);
    check_z("gcv", &rows[j].gcv, th.E_test, seed);
    ck_assert(fabs(rows[j].df.mean / th.df - 1) < 0.01);
  }
}

/* The spec's three one-layer regimes (lambda = 0.02, sigma^2 = 0.25).  */
START_TEST(test_one_layer_regimes)
{
  uint64_t seed = test_seed(301);
  printf("t-mc-features: seed %llu\n", (unsigned long long)seed);
  deq_spectrum *a = loguniform(200), *b = loguniform(100), *c = loguniform(50);
  double M1 = 50, M2 = 200, M3 = 100;
  deq_rf_chain ch1 = {1, &M1, NULL}, ch2 = {1, &M2, NULL}, ch3 = {1, &M3, NULL};
  z_case(a, &ch1, 100, 0.25, 300, seed);     /* M < P < N */
  z_case(b, &ch2, 50, 0.25, 300, seed + 1);  /* P < N < M */
  z_case(c, &ch3, 200, 0.25, 300, seed + 2); /* N < M < P */
  deq_spectrum_free(a);
  deq_spectrum_free(b);
  deq_spectrum_free(c);
}
END_TEST

/* Deep: isotropic L = 2 with a width bottleneck (1.5 P, 0.75 P), and a
   structured second layer (two-level Sigma_2) in L = 3.  */
START_TEST(test_deep)
{
  uint64_t seed = test_seed(302);
  deq_spectrum *sp = loguniform(200);
  double w2[] = {150, 75};
  deq_rf_chain ch2 = {2, w2, NULL};
  z_case(sp, &ch2, 100, 0.25, 300, seed);
  double s[] = {0.4, 2.5}, m[] = {1, 1};
  deq_spectrum *two = NULL;
  deq_error err;
  ck_assert_st(deq_spectrum_from_arrays(&two, 2, s, m, NULL, &err), DEQ_OK);
  const deq_spectrum *layers[] = {two, NULL};
  double w3[] = {160, 120, 140};
  deq_rf_chain ch3 = {3, w3, layers};
  /* P = 250 keeps every width well away from P: next to the
     interpolation threshold the O(1/N) corrections are large.  */
  z_case(sp, &ch3, 250, 0.1, 300, seed + 1);
  deq_spectrum_free(two);
  deq_spectrum_free(sp);
}
END_TEST

/* Finite-size trend: M < P < N at N = 100, 200, 400 (P = N/2, M = N/4):
   the relative df gap roughly halves per doubling.  */
START_TEST(test_finite_size)
{
  uint64_t seed = test_seed(303);
  double prev = INFINITY, lam = 0.02;
  /* gap(2N) < 0.75 gap(N) + 3 se(2N): the expected ratio is 1/2 */
  for (size_t N = 100; N <= 400; N *= 2) {
    deq_spectrum *sp = loguniform(N);
    double M = (double)N / 4;
    deq_rf_chain ch = {1, &M, NULL};
    deq_mc_rf_row row;
    ck_assert_st(deq_mc_rf_run(&row, sp, &ch, N / 2, &lam, 1, 0.25, 200,
                               seed, 0), DEQ_OK);
    deq_rf_point th;
    ck_assert_st(deq_rf_solve(&th, sp, &ch, N / 2.0, lam, 0.25, NULL), DEQ_OK);
    double gap = fabs(row.df.mean / th.df - 1), se = row.df.se / th.df;
    printf("t-mc-features: N=%zu df gap %.3e (se %.1e), E_g rel %.2f%% z %.2f\n",
           N, gap, se, 100 * (row.E_g.mean / th.E_g - 1),
           deq_mc_z(&row.E_g, th.E_g));
    ck_assert_msg(gap < 0.75 * prev + 3 * se, "N=%zu: df gap %g after %g (seed %llu)",
                  N, gap, prev, (unsigned long long)seed);
    check_z("E_g", &row.E_g, th.E_g, seed);
    prev = gap;
    deq_spectrum_free(sp);
  }
}
END_TEST

START_TEST(test_threads_bitwise)
{
  deq_spectrum *sp = loguniform(60);
  double w[] = {40, 30}, lam[] = {0, 0.01, 1};
  deq_rf_chain ch = {2, w, NULL};
  deq_mc_rf_row a[3], b[3];
  ck_assert_st(deq_mc_rf_run(a, sp, &ch, 50, lam, 3, 0.2, 37, 9, 1), DEQ_OK);
  ck_assert_st(deq_mc_rf_run(b, sp, &ch, 50, lam, 3, 0.2, 37, 9, 2), DEQ_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_bad_input)
{
  deq_spectrum *sp = loguniform(30);
  deq_mc_rf_plan *plan = NULL;
  double frac = 10.5, zero = 0, ok = 10, lam = 0.1;
  deq_rf_chain c1 = {1, &frac, NULL}, c2 = {1, &zero, NULL}, c3 = {1, &ok, NULL};
  ck_assert_st(deq_mc_rf_plan_alloc(&plan, sp, &c1, 20, 1, 1), DEQ_EUNSUP);
  ck_assert(plan == NULL);
  ck_assert_st(deq_mc_rf_plan_alloc(&plan, sp, &c2, 20, 1, 1), DEQ_EDOM);
  ck_assert_st(deq_mc_rf_plan_alloc(&plan, sp, &c3, 0, 1, 1), DEQ_EDOM);
  /* a layer whose multiplicities do not divide N_1 */
  double s[] = {1, 2}, m[] = {1, 2}, w[] = {10, 5};
  deq_spectrum *l3 = NULL;
  deq_error err;
  ck_assert_st(deq_spectrum_from_arrays(&l3, 2, s, m, NULL, &err), DEQ_OK);
  const deq_spectrum *layers[] = {l3};
  deq_rf_chain c4 = {2, w, layers};
  ck_assert_st(deq_mc_rf_plan_alloc(&plan, sp, &c4, 20, 1, 1), DEQ_EUNSUP);
  ck_assert_st(deq_mc_rf_plan_alloc(&plan, sp, &c3, 20, 1, 1), DEQ_OK);
  deq_mc_rf_row row;
  ck_assert_st(deq_mc_rf_execute(&row, plan, &lam, 0.1, 1, 1), DEQ_EINVAL);
  double neg = -1;
  ck_assert_st(deq_mc_rf_execute(&row, plan, &neg, 0.1, 5, 1), DEQ_EDOM);
  deq_mc_rf_plan_free(plan);
  deq_mc_rf_plan_free(NULL);
  deq_spectrum_free(l3);
  deq_spectrum_free(sp);
}
END_TEST

static Suite *mc_features_suite(void)
{
  Suite *s = suite_create("mc-features");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_one_layer_regimes);
  tcase_add_test(tc, test_deep);
  tcase_add_test(tc, test_finite_size);
  tcase_add_test(tc, test_threads_bitwise);
  tcase_add_test(tc, test_bad_input);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(mc_features_suite());
}
