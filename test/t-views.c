/* test/t-views.c -- feature-subsampled ("linear views") ridge ensembles
 * (ridge_family.md 4.0 and 4b; deq/ensemble_views.h).
 *
 * Expected values come from (a) the isotropic closed form of 4b
 * (deq_views_iso, written from the spec's scalar formulas) against the
 * general per-atom formula, overlaps and heterogeneous eta/lambda
 * included; (b) ridge itself (K = 1, full subset, eta = 0); (c) the
 * spec's quoted peak-shift values (k = 4 disjoint quarters, sigma^2 =
 * 0.1, which is what the quoted numbers need: 1.5 at alpha = 0.2); (d)
 * the dense-Sigma path on a diagonal Sigma against the per-atom path;
 * (e) the 200-bit MPFR twin; (f) seeded Monte Carlo (the spec's
 * equicorrelated example with three heterogeneous overlapping members,
 * and a diagonal case), every E_rr' within |z| < 4.  */
#include <config.h>
#include <deq/ensemble_views.h>
#include <deq/ridge.h>
#include <deq/spectrum.h>
#include "testutil.h"

static deq_spectrum *iso(double N, double norm2)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, N, 1.0), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, norm2), DEQ_OK);
  return sp;
}

/* The spec's log-uniform spectrum on [0.1, 10], wbar_i^2 = s_i^-1/2/N.  */
static deq_spectrum *loguniform(size_t N)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.1, 10), DEQ_OK);
  for (size_t i = 0; i < N; i++) sp->v[i] = sqrt(sp->s[i]) / (double)N;
  ck_assert_st(deq_spectrum_update(sp, NULL), DEQ_OK);
  return sp;
}

static size_t *range(size_t lo, size_t n, size_t step)
{
  size_t *idx = malloc(n * sizeof *idx);
  for (size_t j = 0; j < n; j++) idx[j] = lo + j * step;
  return idx;
}

static size_t overlap(const size_t *a, size_t na, const size_t *b, size_t nb)
{
  size_t k = 0;
  for (size_t i = 0; i < na; i++)
    for (size_t j = 0; j < nb; j++) k += a[i] == b[j];
  return k;
}

/* ------------------------------------------------------------ closed form */

/* Three overlapping members on N = 600 isotropic coordinates.  */
START_TEST(test_iso_closed_form)
{
  const size_t N = 600, K = 3;
  size_t n[3] = { 300, 402, 198 };
  size_t *idx[3] = { range(0, 300, 1), range(198, 402, 1), range(0, 198, 3) };
  double eta[3] = { 0.3, 0, 0.5 }, lam[3] = { 0.05, 0.01, 0.1 };
  double nu[3], nup[9];
  deq_views_member m[3];
  for (size_t r = 0; r < K; r++) {
    nu[r] = (double)n[r] / N;
    m[r] = (deq_views_member){ n[r], idx[r], 0, 0, eta[r], lam[r], NULL };
    for (size_t q = 0; q < K; q++)
      nup[r * K + q] = (double)overlap(idx[r], n[r], idx[q], n[q]) / N;
  }
  deq_spectrum *sp = iso((double)N, 1.7);
  deq_views v = { K, m };
  deq_views_plan *plan = NULL;
  deq_error err;
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, &err), DEQ_OK);
  double alphas[] = { 0.1, 0.4, 0.5, 0.67, 1, 2.5 };
  double noises[] = { 0, 0.25 };
  for (size_t a = 0; a < 6; a++)
    for (size_t s = 0; s < 2; s++) {
      deq_views_point g, c;
      double kg[3], kc[3], gg[9], gc[9], bg[9], bc[9], eg[9], ec[9];
      ck_assert_st(deq_views_solve(&g, kg, gg, bg, eg, plan, alphas[a] * N,
                                   NAN, noises[s], 0.3), DEQ_OK);
      ck_assert_st(deq_views_iso(&c, kc, gc, bc, ec, K, nu, nup, eta, lam,
                                 alphas[a], 1.7, noises[s], 0.3), DEQ_OK);
      for (size_t r = 0; r < K; r++) ck_assert_rel(kg[r], kc[r], 1e-12);
      for (size_t q = 0; q < K * K; q++) {
        ck_assert_rel(gg[q], gc[q], 1e-12);
        ck_assert_rel(bg[q], bc[q], 1e-12);
        ck_assert_rel(eg[q], ec[q], 1e-12);
      }
      ck_assert_rel(g.E_ens, c.E_ens, 1e-12);
      ck_assert_rel(g.E_test, c.E_test, 1e-12);
      ck_assert_rel(g.E_diag, c.E_diag, 1e-12);
      ck_assert_rel(g.E_cross, c.E_cross, 1e-12);
      ck_assert_rel(g.E_ens, g.E_cross + (g.E_diag - g.E_cross) / 3 + 0.1,
                    1e-14);
    }
  /* lambda = 0 with feature noise: Sigma_r stays full rank */
  double lam0[3] = { 0, 0, 0 };
  for (size_t r = 0; r < K; r++) m[r].lambda = 0;
  deq_views_plan_free(plan);
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, &err), DEQ_OK);
  for (size_t a = 0; a < 6; a++) {
    deq_views_point g, c;
    double eg[9], ec[9];
    deq_status st = deq_views_solve(&g, NULL, NULL, NULL, eg, plan,
                                     alphas[a] * N, NAN, 0.25, 0);
    ck_assert_st(deq_views_iso(&c, NULL, NULL, NULL, ec, K, nu, nup, eta,
                               lam0, alphas[a], 1.7, 0.25, 0), st);
    for (size_t q = 0; q < K * K; q++) ck_assert_rel(eg[q], ec[q], 1e-12);
  }
  deq_views_plan_free(plan);
  deq_spectrum_free(sp);
  for (size_t r = 0; r < K; r++) free(idx[r]);
}
END_TEST

/* ------------------------------------------------------------ ridge */

START_TEST(test_single_member_is_ridge)
{
  deq_spectrum *sp = loguniform(400);
  deq_views_member m = { 0, NULL, 1.0, 3, 0, NAN, NULL };
  deq_views v = { 1, &m };
  deq_views_plan *plan = NULL;
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, NULL), DEQ_OK);
  size_t n;
  deq_views_plan_subset(plan, 0, &n);
  ck_assert_uint_eq(n, 400);
  double Ps[] = { 50, 200, 399, 401, 1000 }, lams[] = { 0, 1e-10, 0.05, 3 };
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 4; j++) {
      deq_ridge_point rp;
      deq_views_point vp;
      double kappa;
      ck_assert_st(deq_ridge_solve(&rp, sp, Ps[i], lams[j], 0.25, NULL),
                   DEQ_OK);
      ck_assert_st(deq_views_solve(&vp, &kappa, NULL, NULL, NULL, plan, Ps[i],
                                   lams[j], 0.25, 0), DEQ_OK);
      ck_assert(kappa == rp.kappa);
      ck_assert_rel(vp.E_ens, rp.E_g, 2e-15);
      ck_assert_rel(vp.E_test, rp.E_test, 2e-15);
      ck_assert(isnan(vp.E_cross));
    }
  deq_views_plan_free(plan);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ peak shift */

START_TEST(test_peak_shift)
{
  const size_t N = 400, K = 4;
  size_t *idx = malloc(N * sizeof *idx);
  ck_assert_st(deq_views_disjoint(idx, N, K, 100, 11), DEQ_OK);
  deq_views_member m[4];
  for (size_t r = 0; r < K; r++)
    m[r] = (deq_views_member){ 100, idx + 100 * r, 0, 0, 0, NAN, NULL };
  deq_spectrum *sp = iso((double)N, 1);
  deq_views v = { K, m };
  deq_views_plan *plan = NULL;
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, NULL), DEQ_OK);
  /* the spec's values (4b): 1.50, 5.87, 1.63 at alpha = 0.2, 0.26, 0.3,
     and 0.774999 at 0.5; exactly 1.5, 5.875, 1.625, 0.775 */
  double alpha[] = { 0.2, 0.26, 0.3, 0.5 }, want[] = { 1.5, 5.875, 1.625,
                                                        0.775 };
  for (size_t a = 0; a < 4; a++) {
    deq_views_point p;
    ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan,
                                 alpha[a] * N, 0, 0.1, 0), DEQ_OK);
    ck_assert_rel(p.E_ens, want[a], 1e-13);
  }
  /* the divergence sits at P = N_r = 100, not at P = N */
  deq_views_point p;
  ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan, 100, 0, 0.1,
                               0), DEQ_EDIVERGE);
  ck_assert(isinf(p.E_ens) && p.E_ens > 0 && isinf(p.E_test));
  ck_assert(isfinite(p.E_cross));
  ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan, 99, 0, 0.1,
                               0), DEQ_OK);
  ck_assert(isfinite(p.E_ens) && p.E_ens > 20);
  ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan, 400, 0, 0.1,
                               0), DEQ_OK);
  ck_assert(isfinite(p.E_ens));
  ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan, 100, 1e-3,
                               0.1, 0), DEQ_OK);
  /* feature noise does not move the divergence (Sigma_r full rank) */
  for (size_t r = 0; r < K; r++) m[r].eta = 0.5;
  deq_views_plan_free(plan);
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, NULL), DEQ_OK);
  ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan, 100, 0, 0.1,
                               0), DEQ_EDIVERGE);
  ck_assert(isinf(p.E_ens));
  deq_views_plan_free(plan);
  deq_spectrum_free(sp);
  free(idx);
}
END_TEST

/* ------------------------------------------------------------ dense */

/* A diagonal Sigma given densely (atoms with multiplicities expanded)
   against the per-atom path, random overlapping subsets.  */
START_TEST(test_dense_equals_diagonal)
{
  double s[] = { 4, 1, 0.25, 0.05 }, mult[] = { 10, 30, 40, 20 };
  double v[] = { 1.0, 0.5, 0.2, 0.1 };
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 4, s, mult, v, NULL), DEQ_OK);
  size_t N = 100;
  double *S = calloc(N * N, sizeof *S), *w = malloc(N * sizeof *w);
  for (size_t i = 0, j = 0; i < 4; i++)
    for (size_t k = 0; k < (size_t)mult[i]; k++, j++) {
      S[j * N + j] = s[i];
      w[j] = (j % 2 ? -1 : 1) * sqrt(v[i] / mult[i] / s[i]);
    }
  deq_views_member m[3] = { { 0, NULL, 0.5, 1, 0.2, NAN, NULL },
                            { 0, NULL, 0.7, 2, 0, 0.02, NULL },
                            { 0, NULL, 0.3, 3, 1.0, NAN, NULL } };
  deq_views vw = { 3, m };
  deq_views_plan *pd = NULL, *pg = NULL;
  ck_assert_st(deq_views_plan_diag(&pd, sp, &vw, NULL), DEQ_OK);
  ck_assert_st(deq_views_plan_dense(&pg, S, w, N, &vw, NULL), DEQ_OK);
  double Ps[] = { 20, 50, 80, 200 };
  for (size_t i = 0; i < 4; i++) {
    deq_views_point a, b;
    double ea[9], eb[9], ga[9], gb[9];
    ck_assert_st(deq_views_solve(&a, NULL, ga, NULL, ea, pd, Ps[i], 0.01,
                                 0.2, 0), DEQ_OK);
    ck_assert_st(deq_views_solve(&b, NULL, gb, NULL, eb, pg, Ps[i], 0.01,
                                 0.2, 0), DEQ_OK);
    for (size_t q = 0; q < 9; q++) {
      ck_assert_rel(ga[q], gb[q], 1e-11);
      ck_assert(test_reldiff(ea[q], eb[q], 1e-3) <= 1e-10);
    }
    ck_assert_rel(a.E_ens, b.E_ens, 1e-10);
  }
  deq_views_plan_free(pd);
  deq_views_plan_free(pg);
  deq_spectrum_free(sp);
  free(S);
  free(w);
}
END_TEST

/* ------------------------------------------------------------ MPFR */

START_TEST(test_mpfr)
{
  deq_spectrum *sp = loguniform(300);
  deq_views_member m[3] = { { 0, NULL, 0.5, 5, 0.3, 0.05, NULL },
                            { 0, NULL, 0.67, 6, 0, 0.01, NULL },
                            { 0, NULL, 0.33, 7, 0.5, NAN, NULL } };
  deq_views v = { 3, m };
  deq_views_plan *plan = NULL;
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, NULL), DEQ_OK);
  double Ps[] = { 30, 99, 150, 300, 2000 };
  for (size_t i = 0; i < 5; i++) {
    deq_views_point a, b;
    double ka[3], kb[3], ga[9], gb[9], ba[9], bb[9], ea[9], eb[9];
    ck_assert_st(deq_views_solve(&a, ka, ga, ba, ea, plan, Ps[i], 1e-3, 0.3,
                                 0.2), DEQ_OK);
    ck_assert_st(deq_mp_views(&b, kb, gb, bb, eb, plan, Ps[i], 1e-3, 0.3, 0.2,
                              200), DEQ_OK);
    for (size_t r = 0; r < 3; r++) ck_assert_rel(ka[r], kb[r], 1e-12);
    for (size_t q = 0; q < 9; q++) {
      ck_assert_rel(ga[q], gb[q], 1e-12);
      ck_assert_rel(ba[q], bb[q], 1e-12);
      ck_assert_rel(ea[q], eb[q], 1e-12);
    }
    ck_assert_rel(a.E_ens, b.E_ens, 1e-12);
    ck_assert_rel(a.E_test, b.E_test, 1e-12);
  }
  /* lambda = 0 is outside the twin's bisection */
  deq_views_point b;
  ck_assert_st(deq_mp_views(&b, NULL, NULL, NULL, NULL, plan, 100, 0, 0, 0,
                            200), DEQ_EUNSUP);
  deq_views_plan_free(plan);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ Monte Carlo */

/* The spec's example: Sigma = (1 - c) I + c 11' with c = 0.3, three
   members of 0.5N, 0.67N, 0.33N overlapping coordinates, eta = 0.3, 0,
   0.5, lambda = 0.05, 0.01, 0.1; N = P = 100.  */
static deq_views_plan *equicorrelated(size_t N, size_t **idx)
{
  double c = 0.3;
  double *S = malloc(N * N * sizeof *S), *w = malloc(N * sizeof *w);
  for (size_t i = 0; i < N; i++) {
    for (size_t j = 0; j < N; j++) S[i * N + j] = i == j ? 1 : c;
    w[i] = (1 + 0.5 * (i % 2 ? -1 : 1)) / sqrt((double)N);
  }
  size_t n[3] = { N / 2, (size_t)(0.67 * N), N / 3 };
  idx[0] = range(0, n[0], 1);
  idx[1] = range(N - n[1], n[1], 1);
  idx[2] = range(0, n[2], 3);
  deq_views_member m[3] = { { n[0], idx[0], 0, 0, 0.3, 0.05, NULL },
                            { n[1], idx[1], 0, 0, 0, 0.01, NULL },
                            { n[2], idx[2], 0, 0, 0.5, 0.1, NULL } };
  deq_views v = { 3, m };
  deq_views_plan *plan = NULL;
  ck_assert_st(deq_views_plan_dense(&plan, S, w, N, &v, NULL), DEQ_OK);
  free(S);
  free(w);
  return plan;
}

static void check_mc(const deq_views_plan *plan, size_t P, double lambda,
                     double noise, double zeta2, size_t trials, uint64_t seed)
{
  size_t K = deq_views_plan_members(plan);
  double *E = malloc(K * K * sizeof *E);
  deq_mc_estimate *pair = malloc(K * K * sizeof *pair), ens, diag, cross;
  deq_views_point pt;
  ck_assert_st(deq_views_solve(&pt, NULL, NULL, NULL, E, plan, (double)P,
                               lambda, noise, zeta2), DEQ_OK);
  ck_assert_st(deq_mc_views_run(pair, &ens, &diag, &cross, plan, P, &lambda,
                                1, noise, zeta2, trials, seed, 2), DEQ_OK);
  for (size_t q = 0; q < K * K; q++)
    ck_assert_msg(fabs(deq_mc_z(&pair[q], E[q])) < 4, "seed %llu: E_%zu%zu "
                  "theory %g mc %g +- %g", (unsigned long long)seed, q / K,
                  q % K, E[q], pair[q].mean, pair[q].se);
  ck_assert_msg(fabs(deq_mc_z(&ens, pt.E_ens)) < 4, "seed %llu: E_ens %g vs "
                "%g +- %g", (unsigned long long)seed, pt.E_ens, ens.mean,
                ens.se);
  ck_assert(fabs(deq_mc_z(&diag, pt.E_diag)) < 4);
  ck_assert(fabs(deq_mc_z(&cross, pt.E_cross)) < 4);
  free(E);
  free(pair);
}

START_TEST(test_mc_equicorrelated)
{
  size_t *idx[3];
  deq_views_plan *plan = equicorrelated(100, idx);
  check_mc(plan, 100, NAN, 0.25, 0.1, 300, test_seed(2026));
  deq_views_plan_free(plan);
  for (size_t r = 0; r < 3; r++) free(idx[r]);
}
END_TEST

START_TEST(test_mc_diagonal)
{
  deq_spectrum *sp = loguniform(120);
  deq_views_member m[3] = { { 0, NULL, 0.5, 5, 0.3, 0.05, NULL },
                            { 0, NULL, 0.67, 6, 0, NAN, NULL },
                            { 0, NULL, 0.25, 7, 0, 0, NULL } };
  deq_views v = { 3, m };
  deq_views_plan *plan = NULL;
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, NULL), DEQ_OK);
  check_mc(plan, 60, 0.02, 0.25, 0, 300, test_seed(77));
  deq_views_plan_free(plan);
  deq_spectrum_free(sp);
}
END_TEST

/* Every thread count gives the same bits; lambdas share the trials.  */
START_TEST(test_mc_threads)
{
  size_t *idx[3];
  deq_views_plan *plan = equicorrelated(40, idx);
  double lam[2] = { 0.01, 0.1 };
  deq_mc_estimate a[18], b[18], ea[2], eb[2];
  ck_assert_st(deq_mc_views_run(a, ea, NULL, NULL, plan, 30, lam, 2, 0.1, 0,
                                40, 9, 1), DEQ_OK);
  ck_assert_st(deq_mc_views_run(b, eb, NULL, NULL, plan, 30, lam, 2, 0.1, 0,
                                40, 9, 3), DEQ_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0 && memcmp(ea, eb, sizeof ea) == 0);
  ck_assert_st(deq_mc_views_run(b, eb, NULL, NULL, plan, 30, lam, 2, 0.1, 0,
                                1, 9, 1), DEQ_EINVAL);
  deq_views_plan_free(plan);
  for (size_t r = 0; r < 3; r++) free(idx[r]);
}
END_TEST

/* ------------------------------------------------------------ bad input */

static void expect_error(const deq_spectrum *sp, const deq_views *v,
                         deq_status want, const char *words)
{
  deq_views_plan *plan = (deq_views_plan *)1;
  deq_error err;
  deq_error_clear(&err);
  ck_assert_st(deq_views_plan_diag(&plan, sp, v, &err), want);
  ck_assert(plan == NULL);
  ck_assert_msg(strstr(err.message, words) != NULL, "message '%s' lacks '%s'",
                err.message, words);
}

START_TEST(test_bad_input)
{
  deq_spectrum *sp = iso(50, 1);
  size_t ok[3] = { 0, 1, 2 }, far[2] = { 3, 50 }, twice[3] = { 4, 7, 4 };
  deq_views_member m[2] = { { 3, ok, 0, 0, 0, NAN, "views.txt:1" },
                            { 3, ok, 0, 0, 0, NAN, "views.txt:2" } };
  deq_views v = { 0, m };
  expect_error(sp, &v, DEQ_EINVAL, "K >= 1");
  v.K = 2;
  m[1].n = 0;
  expect_error(sp, &v, DEQ_EDOM, "views.txt:2: subset: is empty");
  m[1] = (deq_views_member){ 2, far, 0, 0, 0, NAN, "views.txt:2" };
  expect_error(sp, &v, DEQ_EDOM, "views.txt:2: subset: index 51 is beyond N "
               "= 50");
  m[1] = (deq_views_member){ 3, twice, 0, 0, 0, NAN, NULL };
  expect_error(sp, &v, DEQ_EDOM, "member 2: subset: index 5 is repeated");
  m[1] = (deq_views_member){ 3, ok, 0, 0, -0.1, NAN, "views.txt:2" };
  expect_error(sp, &v, DEQ_EDOM, "views.txt:2: eta:");
  m[1] = (deq_views_member){ 3, ok, 0, 0, 0, -1, "views.txt:2" };
  expect_error(sp, &v, DEQ_EDOM, "views.txt:2: lambda:");
  m[1] = (deq_views_member){ 0, NULL, 0.001, 0, 0, NAN, "views.txt:2" };
  expect_error(sp, &v, DEQ_EDOM, "views.txt:2: fraction:");
  m[1] = (deq_views_member){ 0, NULL, 1.5, 0, 0, NAN, "views.txt:2" };
  expect_error(sp, &v, DEQ_EDOM, "views.txt:2: fraction:");
  /* a subset of zero-variance coordinates only */
  double s[] = { 1, 0 }, mult[] = { 2, 2 };
  deq_spectrum *z = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&z, 2, s, mult, NULL, NULL), DEQ_OK);
  size_t zeros[2] = { 2, 3 };
  m[1] = (deq_views_member){ 2, zeros, 0, 0, 0, NAN, "views.txt:2" };
  m[0].n = 2;
  expect_error(z, &v, DEQ_EDOM, "views.txt:2: subset: Sigma_r is zero");
  deq_spectrum_free(z);
  /* solve's own arguments */
  m[1] = (deq_views_member){ 3, ok, 0, 0, 0, NAN, NULL };
  deq_views_plan *plan = NULL;
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, NULL), DEQ_OK);
  deq_views_point p;
  ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan, 0, 0.1, 0,
                               0), DEQ_EDOM);
  ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan, 10, NAN, 0,
                               0), DEQ_EDOM);
  ck_assert_st(deq_views_solve(&p, NULL, NULL, NULL, NULL, plan, 10, 0.1, -1,
                               0), DEQ_EDOM);
  deq_views_plan_free(plan);
  size_t buf[10];
  ck_assert_st(deq_views_disjoint(buf, 10, 3, 4, 1), DEQ_EDOM);
  ck_assert_st(deq_views_random_subset(buf, 10, 0, 1), DEQ_EDOM);
  deq_spectrum_free(sp);
}
END_TEST

/* Random subsets are reproducible, distinct, sorted and in range.  */
START_TEST(test_subsets)
{
  size_t a[30], b[30];
  ck_assert_st(deq_views_random_subset(a, 100, 30, 42), DEQ_OK);
  ck_assert_st(deq_views_random_subset(b, 100, 30, 42), DEQ_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  for (size_t j = 1; j < 30; j++) ck_assert(a[j] > a[j - 1]);
  ck_assert(a[29] < 100);
  ck_assert_st(deq_views_random_subset(b, 100, 30, 43), DEQ_OK);
  ck_assert(memcmp(a, b, sizeof a) != 0);
  size_t d[40], seen[40] = { 0 };
  ck_assert_st(deq_views_disjoint(d, 40, 4, 10, 5), DEQ_OK);
  for (size_t j = 0; j < 40; j++) seen[d[j]]++;
  for (size_t j = 0; j < 40; j++) ck_assert_uint_eq(seen[j], 1);
}
END_TEST

static Suite *views_suite(void)
{
  Suite *s = suite_create("views");
  TCase *tc = tcase_create("views");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_iso_closed_form);
  tcase_add_test(tc, test_single_member_is_ridge);
  tcase_add_test(tc, test_peak_shift);
  tcase_add_test(tc, test_dense_equals_diagonal);
  tcase_add_test(tc, test_mpfr);
  tcase_add_test(tc, test_mc_equicorrelated);
  tcase_add_test(tc, test_mc_diagonal);
  tcase_add_test(tc, test_mc_threads);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_subsets);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(views_suite());
}
