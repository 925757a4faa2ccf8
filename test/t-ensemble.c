/* test/t-ensemble.c -- random-feature ensembles (ridge_family.md 4a):
 * E_K = E_cross + (E_diag - E_cross)/K, the optimal ridge and the
 * no-free-lunch curve.
 *
 * Expected values come from (a) reductions through independent code
 * paths: K = 1 is deq_rf_solve1's E_g exactly; E_cross is ridge
 * (deq_ridge_solve) at the ridge lambda~ whose kappa is the member's
 * kappa2; K = inf is E_cross; (b) the spec sheet's numbers (E_4 of the 4a
 * MC table; the no-free-lunch example E* for K = 1, 2, 4, 8); (c) the
 * MPFR twin to 1e-12; (d) brute-force scans of E_ens(lambda) for the
 * optimal ridge; (e) seeded Monte Carlo (z-scores, thread invariance).  */
#include <config.h>
#include <string.h>
#include <deq/spectrum.h>
#include <deq/ridge.h>
#include <deq/features.h>
#include <deq/ensemble.h>
#include <deq/model.h>
#include "testutil.h"

/* Spec log-uniform spectrum on [0.1, 10], wbar_i^2 = s_i^(-1/2)/N.  */
static deq_spectrum *loguniform(size_t N)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.1, 10), DEQ_OK);
  for (size_t i = 0; i < N; i++) sp->v[i] = sqrt(sp->s[i]) / (double)N;
  ck_assert_st(deq_spectrum_update(sp, NULL), DEQ_OK);
  return sp;
}

/* Sigma = I in dimension N, |wbar|^2 = 1.  */
static deq_spectrum *iso(size_t N)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, (double)N, 1), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 1.0), DEQ_OK);
  return sp;
}

/* ------------------------------------------------------------ reductions */

/* K = 1 is the one-layer random-feature risk, bitwise.  */
START_TEST(test_one_member_is_rf)
{
  deq_spectrum *sp = loguniform(300);
  double Ms[] = {50, 300, 900}, Ps[] = {100, 300, 600}, lam[] = {0, 1e-3, 0.3};
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 3; c++) {
        deq_ensemble_rf_point e;
        deq_rf_point r;
        deq_status se = deq_ensemble_rf_solve(&e, sp, 1, Ms[a], Ps[b], lam[c],
                                              0.1, NULL);
        deq_status sr = deq_rf_solve1(&r, sp, Ms[a], Ps[b], lam[c], 0.1, NULL);
        ck_assert_int_eq(se, sr);
        ck_assert(e.E_ens == r.E_g || (isinf(e.E_ens) && isinf(r.E_g)));
        ck_assert(e.E_diag == r.E_g || (isinf(e.E_diag) && isinf(r.E_g)));
        ck_assert(e.E_cross == r.E_cross || (isinf(e.E_cross)
                                             && isinf(r.E_cross)));
        ck_assert(e.kappa2 == r.kappa);
        ck_assert(e.E_test == e.E_ens + 0.1);
      }
  deq_spectrum_free(sp);
}
END_TEST

/* E_cross is ridge on x at the member's kappa2: deq_ridge_solve at
   lambda~ = kappa2 (1 - df1(kappa2)/P) (an independent solver) has
   kappa = kappa2 and E_g = E_cross; K = inf gives E_cross; large K
   approaches it as 1/K.  */
START_TEST(test_infinite_ensemble_is_ridge)
{
  deq_spectrum *sps[] = {loguniform(400), test_sp_powerlaw(2000), iso(300)};
  double Ms[] = {40, 200, 1000}, Ps[] = {100, 250, 700};
  for (int s = 0; s < 3; s++)
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) {
        deq_ensemble_rf_point e, inf;
        ck_assert_st(deq_ensemble_rf_solve(&e, sps[s], 8, Ms[a], Ps[b], 0.01,
                                           0.05, NULL), DEQ_OK);
        ck_assert_st(deq_ensemble_rf_solve(&inf, sps[s], INFINITY, Ms[a],
                                           Ps[b], 0.01, 0.05, NULL), DEQ_OK);
        double lt = e.kappa2 * (1 - e.df / Ps[b]);
        deq_ridge_point r;
        ck_assert_st(deq_ridge_solve(&r, sps[s], Ps[b], lt, 0.05, NULL),
                     DEQ_OK);
        ck_assert_rel(r.kappa, e.kappa2, 1e-12);
        ck_assert_rel(r.E_g, e.E_cross, 1e-12);
        ck_assert(inf.E_ens == e.E_cross);
        ck_assert_rel((e.E_ens - e.E_cross) * 8, e.E_diag - e.E_cross, 1e-10);
        ck_assert(e.E_diag >= e.E_ens && e.E_ens >= e.E_cross);
        deq_ensemble_rf_point big;
        ck_assert_st(deq_ensemble_rf_solve(&big, sps[s], 1e12, Ms[a], Ps[b],
                                           0.01, 0.05, NULL), DEQ_OK);
        ck_assert_rel(big.E_ens, e.E_cross, 1e-11);
      }
  for (int s = 0; s < 3; s++) deq_spectrum_free(sps[s]);
}
END_TEST

/* M = inf: every member is ridge, so the ensemble is ridge.  */
START_TEST(test_infinite_width_is_ridge)
{
  deq_spectrum *sp = loguniform(200);
  deq_ensemble_rf_point e;
  deq_ridge_point r;
  ck_assert_st(deq_ensemble_rf_solve(&e, sp, 4, INFINITY, 150, 0.03, 0.2,
                                     NULL), DEQ_OK);
  ck_assert_st(deq_ridge_solve(&r, sp, 150, 0.03, 0.2, NULL), DEQ_OK);
  ck_assert(e.E_ens == r.E_g && e.E_diag == r.E_g && e.E_cross == r.E_g);
  deq_spectrum_free(sp);
}
END_TEST

/* 4a's MC table: N = 400 log-uniform, P = 200, M = 100, lambda = 0.02,
   sigma^2 = 0.25: E_diag 1.746161, E_cross 0.735252, E_4 0.987979.  */
START_TEST(test_spec_table)
{
  deq_spectrum *lu = loguniform(400);
  deq_ensemble_rf_point p;
  ck_assert_st(deq_ensemble_rf_solve(&p, lu, 4, 100, 200, 0.02, 0.25, NULL),
               DEQ_OK);
  ck_assert(fabs(p.E_diag - 1.746161) < 6e-7);
  ck_assert(fabs(p.E_cross - 0.735252) < 6e-7);
  ck_assert(fabs(p.E_ens - 0.987979) < 6e-7);
  deq_spectrum_free(lu);
}
END_TEST

/* Warm starts along lambda give the cold answers.  */
START_TEST(test_warm_start)
{
  deq_spectrum *sp = test_sp_powerlaw(1000);
  deq_ensemble_rf_point w, c;
  ck_assert_st(deq_ensemble_rf_solve(&w, sp, 3, 300, 200, 1e-5, 0.01, NULL),
               DEQ_OK);
  for (double lam = 2e-5; lam < 1; lam *= 3) {
    ck_assert_st(deq_ensemble_rf_solve(&w, sp, 3, 300, 200, lam, 0.01, &w),
                 DEQ_OK);
    ck_assert_st(deq_ensemble_rf_solve(&c, sp, 3, 300, 200, lam, 0.01, NULL),
                 DEQ_OK);
    ck_assert_rel(w.E_ens, c.E_ens, 1e-13);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ divergences */

/* Isotropic, M = inf, P = N, lambda = 0 with noise: +Inf, DEQ_EDIVERGE.
   M = P at lambda = 0: each member diverges through its feature
   variance, the infinite ensemble does not.  */
START_TEST(test_divergence)
{
  deq_spectrum *sp = iso(100);
  deq_ensemble_rf_point e;
  ck_assert_st(deq_ensemble_rf_solve(&e, sp, 2, INFINITY, 100, 0, 0.1, NULL),
               DEQ_EDIVERGE);
  ck_assert(isinf(e.E_ens) && e.E_ens > 0);
  ck_assert_st(deq_ensemble_rf_solve(&e, sp, 2, 50, 50, 0, 0.1, NULL),
               DEQ_EDIVERGE);
  ck_assert(isinf(e.E_ens) && e.E_ens > 0 && isinf(e.E_test));
  ck_assert_st(deq_ensemble_rf_solve(&e, sp, INFINITY, 50, 50, 0, 0.1, NULL),
               DEQ_OK);
  ck_assert(isfinite(e.E_ens) && e.E_ens == e.E_cross);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ optimal ridge */

/* E_ens on a fine log grid of lambda (and at 0): the optimum is no
   higher than any of them, and no lower than the grid minimum by more
   than the grid's resolution allows.  */
static double scan_min(const deq_spectrum *sp, double K, double M, double P,
                       double noise, double *arg)
{
  deq_ensemble_rf_point e;
  deq_ensemble_rf_solve(&e, sp, K, M, P, 0, noise, NULL);
  double best = isfinite(e.E_ens) ? e.E_ens : INFINITY;
  *arg = 0;
  for (int j = 0; j <= 600; j++) {
    double lam = pow(10, -9 + 10.0 * j / 600);
    deq_ensemble_rf_solve(&e, sp, K, M, P, lam, noise, NULL);
    if (e.E_ens < best) {
      best = e.E_ens;
      *arg = lam;
    }
  }
  return best;
}

START_TEST(test_optimal_against_scan)
{
  deq_spectrum *sp = test_sp_powerlaw(2000);
  double Ks[] = {1, 2, 8}, Ms[] = {400, 100, 50}, noise[] = {0, 0.01, 0.1};
  for (int a = 0; a < 3; a++)
    for (int n = 0; n < 3; n++) {
      deq_ensemble_rf_point o;
      deq_status st = deq_ensemble_rf_optimal(&o, sp, Ks[a], Ms[a], 200,
                                              noise[n]);
      ck_assert_st(st, DEQ_OK);
      double arg, best = scan_min(sp, Ks[a], Ms[a], 200, noise[n], &arg);
      ck_assert_msg(o.E_ens <= best * (1 + 1e-12), "K=%g noise=%g: %.17g > "
                    "scan %.17g", Ks[a], noise[n], o.E_ens, best);
      ck_assert(o.E_ens >= best * (1 - 1e-4));
      ck_assert_int_eq(o.at_boundary, arg == 0 || o.lambda == 0);
      /* the reported point is the solve at the reported lambda */
      deq_ensemble_rf_point c;
      ck_assert_st(deq_ensemble_rf_solve(&c, sp, Ks[a], Ms[a], 200, o.lambda,
                                         noise[n], NULL), DEQ_OK);
      ck_assert_rel(c.E_ens, o.E_ens, 1e-13);
    }
  deq_spectrum_free(sp);
}
END_TEST

/* Under-parameterised members (M < P): the minimum is at lambda -> 0+,
   reported as lambda = 0 with at_boundary = 1, and E_ens rises from
   there.  */
START_TEST(test_boundary_optimum)
{
  deq_spectrum *sp = test_sp_powerlaw(2000);
  deq_ensemble_rf_point o, e0, e;
  ck_assert_st(deq_ensemble_rf_optimal(&o, sp, 16, 50, 200, 0.01), DEQ_OK);
  ck_assert(o.lambda == 0 && o.at_boundary == 1);
  ck_assert_st(deq_ensemble_rf_solve(&e0, sp, 16, 50, 200, 0, 0.01, NULL),
               DEQ_OK);
  ck_assert(o.E_ens == e0.E_ens);
  for (double lam = 1e-9; lam < 10; lam *= 10) {
    ck_assert_st(deq_ensemble_rf_solve(&e, sp, 16, 50, 200, lam, 0.01, NULL),
                 DEQ_OK);
    ck_assert(e.E_ens > e0.E_ens);
  }
  /* an interior optimum is flagged 0 */
  ck_assert_st(deq_ensemble_rf_optimal(&o, sp, 1, 800, 200, 0.01), DEQ_OK);
  ck_assert(o.lambda > 0 && o.at_boundary == 0);
  deq_spectrum_free(sp);
}
END_TEST

/* M = inf: the optimum of an ensemble of ridges is deq_ridge_optimal's
   (an independent method: a scan of the analytic slope in kappa).  */
START_TEST(test_optimal_ridge_limit)
{
  deq_spectrum *sps[] = {test_sp_powerlaw(2000), loguniform(300)};
  double Ps[] = {100, 600}, noise[] = {0.01, 0.3};
  for (int s = 0; s < 2; s++)
    for (int p = 0; p < 2; p++)
      for (int n = 0; n < 2; n++) {
        deq_ensemble_rf_point o;
        deq_ridge_point r;
        ck_assert_st(deq_ensemble_rf_optimal(&o, sps[s], 3, INFINITY, Ps[p],
                                             noise[n]), DEQ_OK);
        ck_assert_st(deq_ridge_optimal(&r, sps[s], Ps[p], noise[n]), DEQ_OK);
        ck_assert_rel(o.E_ens, r.E_g, 1e-12);
        ck_assert_rel(o.lambda, r.lambda, 1e-5);
        ck_assert_int_eq(o.at_boundary, 0);
      }
  for (int s = 0; s < 2; s++) deq_spectrum_free(sps[s]);
}
END_TEST

/* No signal, only noise: lambda* = +Inf, the null predictor.  */
START_TEST(test_null_predictor)
{
  deq_spectrum *sp = iso(50);
  for (size_t i = 0; i < sp->n; i++) sp->v[i] = 0;
  ck_assert_st(deq_spectrum_update(sp, NULL), DEQ_OK);
  deq_ensemble_rf_point o;
  ck_assert_st(deq_ensemble_rf_optimal(&o, sp, 2, 30, 40, 0.5), DEQ_OK);
  ck_assert(isinf(o.lambda) && o.E_ens == 0 && o.E_test == 0.5);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ no free lunch */

/* 4a's example: power law alpha = 1.5, r = 0.4, N = 2000, P = 200,
   K M = 800, sigma^2 = 0.01: E* = 0.0130426, 0.0134069, 0.0142610,
   0.0163395 for K = 1, 2, 4, 8.  */
START_TEST(test_spec_no_free_lunch)
{
  deq_spectrum *sp = test_sp_powerlaw(2000);
  size_t n = deq_ensemble_divisors(NULL, 0, 800);
  ck_assert_uint_eq(n, 18);
  deq_ensemble_rf_point *pts = calloc(n, sizeof *pts);
  ck_assert_st(deq_ensemble_rf_no_free_lunch(pts, n, sp, 800, 200, 0.01),
               DEQ_OK);
  double want[][2] = {{1, 0.0130426}, {2, 0.0134069}, {4, 0.0142610},
                      {8, 0.0163395}};
  for (int w = 0; w < 4; w++) {
    size_t i = 0;
    while (i < n && pts[i].K != want[w][0]) i++;
    ck_assert(i < n && pts[i].M * pts[i].K == 800);
    ck_assert_msg(fabs(pts[i].E_ens - want[w][1]) < 5e-8, "K=%g: %.9f",
                  want[w][0], pts[i].E_ens);
  }
  free(pts);
  deq_spectrum_free(sp);
}
END_TEST

/* E* nondecreasing in K at fixed K M over spectra, over- and
   under-parameterised, sigma^2 in {0, 0.01, 0.1}.  */
START_TEST(test_no_free_lunch_monotone)
{
  deq_spectrum *sps[] = {test_sp_powerlaw(2000), loguniform(400), iso(400)};
  const char *names[] = {"powerlaw", "loguniform", "iso"};
  double Ps[] = {100, 900}, noise[] = {0, 0.01, 0.1}, T = 240;
  size_t n = deq_ensemble_divisors(NULL, 0, T);
  deq_ensemble_rf_point *pts = calloc(n, sizeof *pts);
  for (int s = 0; s < 3; s++)
    for (int p = 0; p < 2; p++)
      for (int q = 0; q < 3; q++) {
        deq_status st = deq_ensemble_rf_no_free_lunch(pts, n, sps[s], T,
                                                      Ps[p], noise[q]);
        ck_assert_msg(st == DEQ_OK, "%s P=%g noise=%g: %s", names[s], Ps[p],
                      noise[q], deq_strerror(st));
        for (size_t i = 1; i < n; i++)
          ck_assert_msg(pts[i].E_ens >= pts[i - 1].E_ens * (1 - 1e-12),
                        "%s P=%g noise=%g: E*(K=%g) = %.17g < E*(K=%g) = "
                        "%.17g", names[s], Ps[p], noise[q], pts[i].K,
                        pts[i].E_ens, pts[i - 1].K, pts[i - 1].E_ens);
      }
  free(pts);
  for (int s = 0; s < 3; s++) deq_spectrum_free(sps[s]);
}
END_TEST

START_TEST(test_divisors)
{
  double K[8];
  ck_assert_uint_eq(deq_ensemble_divisors(K, 8, 12), 6);
  double want[] = {1, 2, 3, 4, 6, 12};
  for (int i = 0; i < 6; i++) ck_assert(K[i] == want[i]);
  ck_assert_uint_eq(deq_ensemble_divisors(K, 8, 1), 1);
  ck_assert(K[0] == 1);
  ck_assert_uint_eq(deq_ensemble_divisors(K, 2, 36), 9);  /* 1..36, 9 */
  ck_assert(K[0] == 1 && K[1] == 2);
  ck_assert_uint_eq(deq_ensemble_divisors(NULL, 0, 97), 2);
  ck_assert_uint_eq(deq_ensemble_divisors(NULL, 0, 0), 0);
  ck_assert_uint_eq(deq_ensemble_divisors(NULL, 0, -4), 0);
  ck_assert_uint_eq(deq_ensemble_divisors(NULL, 0, 2.5), 0);
  ck_assert_uint_eq(deq_ensemble_divisors(NULL, 0, NAN), 0);
  ck_assert_uint_eq(deq_ensemble_divisors(NULL, 0, INFINITY), 0);
}
END_TEST

/* ------------------------------------------------------------ MPFR */

START_TEST(test_mpfr)
{
  deq_spectrum *sps[] = {loguniform(200), test_sp_powerlaw(500)};
  double Ks[] = {1, 3, INFINITY}, Ms[] = {60, 400}, Ps[] = {100, 300};
  double lam[] = {1e-4, 0.05};
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 3; k++)
      for (int m = 0; m < 2; m++)
        for (int p = 0; p < 2; p++)
          for (int l = 0; l < 2; l++) {
            deq_ensemble_rf_point a, b;
            ck_assert_st(deq_ensemble_rf_solve(&a, sps[s], Ks[k], Ms[m], Ps[p],
                                               lam[l], 0.1, NULL), DEQ_OK);
            ck_assert_st(deq_mp_ensemble_rf(&b, sps[s], Ks[k], Ms[m], Ps[p],
                                            lam[l], 0.1, 200), DEQ_OK);
            ck_assert_rel(a.E_ens, b.E_ens, 1e-12);
            ck_assert_rel(a.E_diag, b.E_diag, 1e-12);
            ck_assert_rel(a.E_cross, b.E_cross, 1e-12);
            ck_assert_rel(a.E_test, b.E_test, 1e-12);
            ck_assert_rel(a.kappa2, b.kappa2, 1e-12);
          }
  deq_ensemble_rf_point b;
  ck_assert_st(deq_mp_ensemble_rf(&b, sps[0], 2, 50, 100, 0, 0.1, 200),
               DEQ_EDOM);
  for (int s = 0; s < 2; s++) deq_spectrum_free(sps[s]);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_bad_input)
{
  deq_spectrum *sp = iso(20);
  deq_ensemble_rf_point e;
  ck_assert_st(deq_ensemble_rf_solve(NULL, sp, 1, 10, 10, 0.1, 0, NULL),
               DEQ_EINVAL);
  ck_assert_st(deq_ensemble_rf_solve(&e, NULL, 1, 10, 10, 0.1, 0, NULL),
               DEQ_EINVAL);
  double badK[] = {0, -1, 1.5, NAN, -INFINITY};
  for (int i = 0; i < 5; i++) {
    ck_assert_st(deq_ensemble_rf_solve(&e, sp, badK[i], 10, 10, 0.1, 0, NULL),
                 DEQ_EDOM);
    ck_assert(e.status == DEQ_EDOM && isnan(e.E_ens));
    ck_assert_st(deq_ensemble_rf_optimal(&e, sp, badK[i], 10, 10, 0),
                 DEQ_EDOM);
  }
  double badM[] = {0, -3, NAN};
  for (int i = 0; i < 3; i++) {
    ck_assert_st(deq_ensemble_rf_solve(&e, sp, 2, badM[i], 10, 0.1, 0, NULL),
                 DEQ_EDOM);
    ck_assert_st(deq_ensemble_rf_optimal(&e, sp, 2, badM[i], 10, 0), DEQ_EDOM);
  }
  ck_assert_st(deq_ensemble_rf_solve(&e, sp, 2, 10, 0, 0.1, 0, NULL), DEQ_EDOM);
  ck_assert_st(deq_ensemble_rf_solve(&e, sp, 2, 10, 10, -0.1, 0, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_ensemble_rf_solve(&e, sp, 2, 10, 10, 0.1, -1, NULL),
               DEQ_EDOM);
  deq_ensemble_rf_point pts[4];
  ck_assert_st(deq_ensemble_rf_no_free_lunch(pts, 4, sp, 0, 10, 0), DEQ_EDOM);
  ck_assert_st(deq_ensemble_rf_no_free_lunch(pts, 4, sp, 6.5, 10, 0),
               DEQ_EDOM);
  ck_assert_st(deq_ensemble_rf_no_free_lunch(pts, 3, sp, 6, 10, 0),
               DEQ_EINVAL);   /* 6 has 4 divisors */
  deq_mc_ensemble_rf_row row;
  double lam = 0.1;
  ck_assert_st(deq_mc_ensemble_rf_run(&row, sp, 0, 10, 10, &lam, 1, 0, 10, 1,
                                      1), DEQ_EDOM);
  ck_assert_st(deq_mc_ensemble_rf_run(&row, sp, INFINITY, 10, 10, &lam, 1, 0,
                                      10, 1, 1), DEQ_EUNSUP);
  ck_assert_st(deq_mc_ensemble_rf_run(&row, sp, 2, 10.5, 10, &lam, 1, 0, 10,
                                      1, 1), DEQ_EDOM);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ Monte Carlo */

/* Seeded: every estimate within |z| < 4 of the theory (K = 1 uses an
   extra member for E_cross), and bitwise identical for 1 and 2
   threads.  */
START_TEST(test_mc)
{
  deq_spectrum *sp = loguniform(80);
  double lam[] = {0.02, 0.3}, Ks[] = {1, 3};
  uint64_t seed = test_seed(11);
  for (int k = 0; k < 2; k++) {
    deq_mc_ensemble_rf_row r1[2], r2[2];
    ck_assert_st(deq_mc_ensemble_rf_run(r1, sp, Ks[k], 30, 40, lam, 2, 0.25,
                                        400, seed, 1), DEQ_OK);
    ck_assert_st(deq_mc_ensemble_rf_run(r2, sp, Ks[k], 30, 40, lam, 2, 0.25,
                                        400, seed, 2), DEQ_OK);
    ck_assert(memcmp(r1, r2, sizeof r1) == 0);
    for (int l = 0; l < 2; l++) {
      deq_ensemble_rf_point e;
      ck_assert_st(deq_ensemble_rf_solve(&e, sp, Ks[k], 30, 40, lam[l], 0.25,
                                         NULL), DEQ_OK);
      double z[] = {deq_mc_z(&r1[l].E_diag, e.E_diag),
                    deq_mc_z(&r1[l].E_cross, e.E_cross),
                    deq_mc_z(&r1[l].E_ens, e.E_ens)};
      for (int q = 0; q < 3; q++)
        ck_assert_msg(fabs(z[q]) < 4, "seed %llu K=%g lambda=%g quantity %d: "
                      "z = %g", (unsigned long long)seed, Ks[k], lam[l], q,
                      z[q]);
      if (Ks[k] == 1)
        ck_assert(r1[l].E_ens.mean == r1[l].E_diag.mean);
    }
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ descriptor */

/* deq ensemble through the engine: the --no-free-lunch mode generates
   the members axis (the divisors of TOTAL), each row equals the library's
   no-free-lunch curve; a fixed-lambda grid certifies against the MPFR
   twin to 1e-12.  */
START_TEST(test_descriptor)
{
  const deq_model_type *t = deq_model_find("ensemble");
  ck_assert_ptr_eq(t, &deq_model_ensemble);
  int iK = deq_model_param(t, "members"), iN = deq_model_param(t, "no-free-lunch");
  int iS = deq_model_param(t, "spectrum"), iP = deq_model_param(t, "P");
  int iNo = deq_model_param(t, "noise"), iM = deq_model_param(t, "features");
  int iL = deq_model_param(t, "lambda");
  ck_assert(iK >= 0 && iN >= 0 && iS >= 0 && iP >= 0 && iNo >= 0);
  ck_assert_str_eq(t->params[iK].column, "K");
  deq_spectrum *sp = test_sp_powerlaw(500);
  double x[16];
  const void *obj[16] = {0};
  unsigned char given[16] = {0};
  for (size_t i = 0; i < t->nparam; i++) x[i] = t->params[i].def;
  obj[iS] = sp;
  x[iNo] = 0.01;
  x[iN] = 60;
  given[iN] = 1;
  double K[32];
  size_t n = t->axis(NULL, 0, (size_t)iK, x, obj, given);
  ck_assert_uint_eq(n, 12);
  ck_assert_uint_eq(t->axis(K, 32, (size_t)iK, x, obj, given), 12);
  ck_assert_uint_eq(t->axis(NULL, 0, (size_t)iP, x, obj, given), 0);
  double M = NAN, P = 100, lam = 0;
  deq_model_axis axes[4] = {{K, n}, {&M, 1}, {&P, 1}, {&lam, 1}};
  deq_ensemble_rf_point got[12], want[12];
  ck_assert_st(deq_model_grid(got, t, x, obj, axes, NULL), DEQ_OK);
  ck_assert_st(deq_ensemble_rf_no_free_lunch(want, 12, sp, 60, 100, 0.01),
               DEQ_OK);
  for (size_t i = 0; i < n; i++) {
    ck_assert(got[i].K == K[i] && got[i].M * got[i].K == 60);
    ck_assert(got[i].E_ens == want[i].E_ens);
  }
  /* fixed lambda: MPFR certification */
  x[iN] = NAN;
  double Ks[] = {1, 4, INFINITY}, Ms[] = {30, 300}, Ps[] = {50, 200};
  double lams[] = {1e-3, 0.1};
  deq_model_axis ax2[4] = {{Ks, 3}, {Ms, 2}, {Ps, 2}, {lams, 2}};
  (void)iM;
  (void)iL;
  deq_ensemble_rf_point pts[24];
  ck_assert_st(deq_model_grid(pts, t, x, obj, ax2, NULL), DEQ_OK);
  double maxrel;
  size_t ncert;
  ck_assert_st(deq_model_certify(&maxrel, &ncert, NULL, NULL, t, x, obj, ax2,
                                 pts, 200), DEQ_OK);
  ck_assert_uint_eq(ncert, 24);
  ck_assert_msg(maxrel < 1e-12, "maxrel %g", maxrel);
  deq_spectrum_free(sp);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("ensemble");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_one_member_is_rf);
  tcase_add_test(tc, test_infinite_ensemble_is_ridge);
  tcase_add_test(tc, test_infinite_width_is_ridge);
  tcase_add_test(tc, test_spec_table);
  tcase_add_test(tc, test_warm_start);
  tcase_add_test(tc, test_divergence);
  tcase_add_test(tc, test_optimal_against_scan);
  tcase_add_test(tc, test_boundary_optimum);
  tcase_add_test(tc, test_optimal_ridge_limit);
  tcase_add_test(tc, test_null_predictor);
  tcase_add_test(tc, test_spec_no_free_lunch);
  tcase_add_test(tc, test_no_free_lunch_monotone);
  tcase_add_test(tc, test_divisors);
  tcase_add_test(tc, test_mpfr);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_mc);
  tcase_add_test(tc, test_descriptor);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(suite());
}
