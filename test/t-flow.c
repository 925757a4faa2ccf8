/* test/t-flow.c -- gradient flow of the linear random-feature model
 * (deq/flow.h, scaling_dynamics 2.1-2.3): t = infinity against the static
 * ridgeless random-feature risk of deq_rf_solve1 (an independent solver),
 * the static ridge T(lambda, lambda) against deq_rf_solve1 at the same
 * (N, P, lambda), P = infinity against the single-integral form (2.4),
 * N = P = infinity against the exact sum, t = 0, the spec sheet's
 * table 2.5 (computed there by an independent numpy script), node-count
 * convergence and bad input.  */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <deq.h>
#include "testutil.h"

/* The spec's powerlaw(D, alpha, r): s_k = k^-alpha, v_k = k^-(1+2 alpha r).  */
static deq_spectrum *powerlaw(double D, double alpha, double r)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = alpha;
  p.n = D;
  p.r = r;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  return sp;
}

/* The contour's error is relative to L(t) while L(t) is not far below
   the signal L(0), absolute (a fraction of L(0)) beyond: compare with
   the floor 1e-3 L(0).  */
#define ck_assert_flow(a, b, tol, L0)                                       \
  do {                                                                      \
    double r_ = test_reldiff((a), (b), 1e-3 * (L0));                        \
    ck_assert_msg(r_ <= (tol), "%s = %.17g vs %s = %.17g: rel %.3g > %.3g", \
                  #a, (double)(a), #b, (double)(b), r_, (double)(tol));     \
  } while (0)

static double loss_at(const deq_spectrum *sp, double N, double P,
                      double noise, double t, const deq_flow_opts *o)
{
  double L;
  ck_assert_st(deq_flow_loss(&L, sp, N, P, noise, &t, 1, o), DEQ_OK);
  return L;
}

/* ------------------------------------------------------------ spec values */

/* Table 2.5: D = 1500, alpha = 1.5, r = 0.4, sigma^2 = 0.05.  The sheet's
   contour ran in double precision (best about 2e-7, its 2.3), hence 1e-6
   for the time values; the static values are exact there.  */
START_TEST(spec_sheet_2_5)
{
  deq_spectrum *sp = powerlaw(1500, 1.5, 0.4);
  struct { double N, P, t, L; } row[] = {
    { INFINITY, 200, 1e1, 7.68458989e-02 },
    { INFINITY, 200, 1e3, 2.55219465e-02 },
    { INFINITY, 200, 1e5, 4.11762282e-02 },
    { 100, 400, 1e1, 9.64538136e-02 },
    { 100, 400, 1e3, 4.32706371e-02 },
    { 100, 400, 1e5, 5.03445967e-02 },
    { 400, 100, 1e3, 5.33285260e-02 },
    { 200, 200, 1e2, 3.30116373e-02 },
    { 200, 200, 1e4, 1.24899569e-01 },
    { 200, 200, 1e5, 3.85613383e-01 },
  };
  for (size_t i = 0; i < sizeof row / sizeof row[0]; i++)
    ck_assert_rel(loss_at(sp, row[i].N, row[i].P, 0.05, row[i].t, NULL),
                  row[i].L, 1e-6);
  /* ridgeless RF N = 300, P = 150 at t = infinity (2.5) and linear
     regression P = 200 at t = infinity (2.2: 4.11762280e-02 from (1.2)) */
  /* (deq_rf_solve1 gives 1.0598813348e-01 too, see static_equals_rf: the
     sheet's ninth digit is one unit off) */
  ck_assert_rel(loss_at(sp, 300, 150, 0.05, INFINITY, NULL), 1.05988132e-01,
                2e-8);
  ck_assert_rel(loss_at(sp, INFINITY, 200, 0.05, INFINITY, NULL),
                4.11762280e-02, 1e-8);
  /* static ridge rows; their noise is not printed, sigma^2 = 0.05 of the
     neighbouring rows reproduces all nine digits */
  double E;
  ck_assert_st(deq_flow_static(&E, sp, 100, 400, 0.05, 1e-3), DEQ_OK);
  ck_assert_rel(E, 3.95046878e-02, 1e-8);
  ck_assert_st(deq_flow_static(&E, sp, 400, 100, 0.05, 1e-3), DEQ_OK);
  ck_assert_rel(E, 4.50837025e-02, 1e-8);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------ static = rf_solve1 */

/* T(lambda, lambda) is ridge lambda on v: deq_rf_solve1 with M = N
   features, the same P, lambda (normalised by P) and noise; E_g of both
   is the excess risk.  lambda = 0 is t = infinity.  Covers kappa_0 > 0
   (rank > min(N, P)), kappa_0 = 0 (rank <= min(N, P)) and the peaks.  */
START_TEST(static_equals_rf)
{
  deq_spectrum *sp = powerlaw(200, 1.5, 0.4);
  double NP[][2] = { { 50, 300 }, { 300, 50 }, { 80, 120 }, { 120, 80 },
                     { 250, 400 }, { 400, 250 }, { 200, 300 },
                     { INFINITY, 150 }, { 300, 150 }, { 100, 100 },
                     { 400, 200 } };
  double lam[] = { 0, 1e-4, 1e-2, 1 };
  double noise[] = { 0, 0.05 };
  for (size_t i = 0; i < sizeof NP / sizeof NP[0]; i++)
    for (size_t j = 0; j < 4; j++)
      for (size_t k = 0; k < 2; k++) {
        deq_rf_point rp;
        double E;
        deq_status srf = deq_rf_solve1(&rp, sp, NP[i][0], NP[i][1], lam[j],
                                       noise[k], NULL);
        deq_status sfl = deq_flow_static(&E, sp, NP[i][0], NP[i][1],
                                         noise[k], lam[j]);
        /* rf flags DEQ_EDIVERGE also when only a component (var_noise,
           var_features) diverges and E_g is finite (noiseless peak) */
        int inf = isinf(rp.E_g);
        ck_assert(srf == DEQ_OK || srf == DEQ_EDIVERGE);
        ck_assert_msg(sfl == (inf ? DEQ_EDIVERGE : DEQ_OK),
                      "N=%g P=%g lambda=%g noise=%g: %d vs %d (E_g %g)",
                      NP[i][0], NP[i][1], lam[j], noise[k], sfl, srf, rp.E_g);
        if (inf) ck_assert(isinf(E) && E > 0);
        else ck_assert_rel(E, rp.E_g, 1e-12);
      }
  deq_spectrum_free(sp);
}
END_TEST

/* t = INFINITY in deq_flow_loss is the static ridgeless risk, and a time
   far beyond 1/s_min reaches it.  */
START_TEST(late_time_limit)
{
  deq_spectrum *sp = powerlaw(100, 1.5, 0.4);   /* s_min = 1e-3 */
  double NP[][2] = { { 300, 50 }, { 50, 300 }, { 250, 400 }, { 60, 60 } };
  for (size_t i = 0; i < 4; i++) {
    double E, L;
    double t = INFINITY;
    deq_status st = deq_flow_static(&E, sp, NP[i][0], NP[i][1], 0.05, 0);
    ck_assert_st(deq_flow_loss(&L, sp, NP[i][0], NP[i][1], 0.05, &t, 1, NULL),
                 st);
    if (st == DEQ_EDIVERGE) {
      ck_assert(isinf(L) && isinf(E));
      /* N = P < rank: the loss grows without bound in time */
      ck_assert(loss_at(sp, NP[i][0], NP[i][1], 0.05, 1e6, NULL)
                > 10 * loss_at(sp, NP[i][0], NP[i][1], 0.05, 1e3, NULL));
      continue;
    }
    ck_assert_rel(L, E, 0);
    ck_assert_rel(loss_at(sp, NP[i][0], NP[i][1], 0.05, 1e7, NULL), E, 2e-8);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ----------------------------------------------- P = infinity, N = infinity */

START_TEST(p_infinite_single_integral)
{
  deq_spectrum *sp = powerlaw(400, 1.5, 0.4);
  double t[] = { 1e-2, 1, 1e2, 1e4, 1e6 }, S[5], L[5];
  double Ns[] = { 30, 100, 1000, INFINITY };
  for (size_t i = 0; i < 4; i++) {
    ck_assert_st(deq_flow_loss_single(S, sp, Ns[i], t, 5, NULL), DEQ_OK);
    /* noise drops out at P = infinity */
    ck_assert_st(deq_flow_loss(L, sp, Ns[i], INFINITY, 0.3, t, 5, NULL),
                 DEQ_OK);
    for (size_t k = 0; k < 5; k++) ck_assert_flow(L[k], S[k], 2e-8, sp->signal);
    /* t = infinity: kappa_0 sum v/(s + kappa_0), df1(kappa_0) = N */
    double tinf = INFINITY, Si, E;
    ck_assert_st(deq_flow_loss_single(&Si, sp, Ns[i], &tinf, 1, NULL), DEQ_OK);
    ck_assert_st(deq_flow_static(&E, sp, Ns[i], INFINITY, 0, 0), DEQ_OK);
    ck_assert_rel(Si, E, 1e-12);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* N = P = infinity: L(t) = sum v e^(-2 s t) exactly.  */
START_TEST(both_infinite_exact)
{
  deq_spectrum *sp = powerlaw(300, 2.0, 0.3);
  double t[] = { 1e-3, 0.3, 10, 1e3, 1e5 }, S[5], L[5];
  ck_assert_st(deq_flow_loss_single(S, sp, INFINITY, t, 5, NULL), DEQ_OK);
  ck_assert_st(deq_flow_loss(L, sp, INFINITY, INFINITY, 0, t, 5, NULL),
               DEQ_OK);
  for (size_t k = 0; k < 5; k++) {
    long double ex = 0;
    for (size_t i = 0; i < sp->n; i++)
      ex += sp->v[i] * expl(-2.0L * sp->s[i] * t[k]);
    ck_assert_flow(S[k], (double)ex, 1e-10, sp->signal);
    ck_assert_flow(L[k], (double)ex, 2e-8, sp->signal);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------ t = 0, nodes */

START_TEST(time_zero_is_signal)
{
  deq_spectrum *sp = powerlaw(200, 1.5, 0.4);
  ck_assert_rel(loss_at(sp, 100, 300, 0.05, 0, NULL), sp->signal, 0);
  /* continuity: dL/dt(0) = -2 sum v s (the flow starts as at N = P = inf
     to first order); at t = 1e-6 the loss is within 1e-5 of the signal */
  ck_assert_rel(loss_at(sp, 100, 300, 0.05, 1e-6, NULL), sp->signal, 1e-5);
  deq_spectrum_free(sp);
}
END_TEST

/* The double contour converges in M until roundoff (amplified like
   e^(pi n f/6) LDBL_EPSILON) takes over; the sheet's table 2.3 shape.  */
START_TEST(node_convergence)
{
  deq_spectrum *sp = powerlaw(300, 1.5, 0.4);
  double t[] = { 1e-2, 1, 1e2, 1e4 };
  for (size_t k = 0; k < 4; k++) {
    deq_flow_opts o20 = { 20, 1 }, o28 = { 28, 0.8 };
    double Ld = loss_at(sp, 100, 200, 0.05, t[k], NULL);
    ck_assert_rel(loss_at(sp, 100, 200, 0.05, t[k], &o20), Ld, 1e-7);
    ck_assert_rel(loss_at(sp, 100, 200, 0.05, t[k], &o28), Ld, 1e-8);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* --------------------------------------------------------------- kappa */

START_TEST(kappa_real)
{
  deq_spectrum *sp = powerlaw(200, 1.5, 0.4);
  double k;
  /* s = 0: df1(kappa_0) = min(N, P) */
  ck_assert_st(deq_flow_kappa(&k, sp, 80, 120, 0), DEQ_OK);
  double d = 0;
  for (size_t i = 0; i < sp->n; i++) d += sp->s[i] / (sp->s[i] + k);
  ck_assert_rel(d, 80, 1e-13);
  ck_assert_st(deq_flow_kappa(&k, sp, 300, 250, 0), DEQ_OK);
  ck_assert(k == 0);
  /* s > 0: (2.1) */
  ck_assert_st(deq_flow_kappa(&k, sp, 80, 120, 1e-3), DEQ_OK);
  d = 0;
  for (size_t i = 0; i < sp->n; i++) d += sp->s[i] / (sp->s[i] + k);
  ck_assert_rel(k * (1 - d / 80) * (1 - d / 120), 1e-3, 1e-13);
  /* N = P = infinity: kappa = s */
  ck_assert_st(deq_flow_kappa(&k, sp, INFINITY, INFINITY, 0.7), DEQ_OK);
  ck_assert_rel(k, 0.7, 1e-15);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(bad_input)
{
  deq_spectrum *sp = powerlaw(50, 1.5, 0.4);
  double t = 1, L, E, k;
  deq_flow_opts o;
  deq_flow_opts_init(&o);
  ck_assert_st(deq_flow_loss(NULL, sp, 10, 10, 0, &t, 1, NULL), DEQ_EINVAL);
  ck_assert_st(deq_flow_loss(&L, NULL, 10, 10, 0, &t, 1, NULL), DEQ_EINVAL);
  ck_assert_st(deq_flow_loss(&L, sp, 10, 10, 0, NULL, 1, NULL), DEQ_EINVAL);
  ck_assert_st(deq_flow_loss(&L, sp, 10, 10, 0, &t, 0, NULL), DEQ_EINVAL);
  ck_assert_st(deq_flow_loss(&L, sp, 0, 10, 0, &t, 1, NULL), DEQ_EDOM);
  ck_assert_st(deq_flow_loss(&L, sp, 10, NAN, 0, &t, 1, NULL), DEQ_EDOM);
  ck_assert_st(deq_flow_loss(&L, sp, 10, 10, -1, &t, 1, NULL), DEQ_EDOM);
  double tb = -1, tn = NAN;
  ck_assert_st(deq_flow_loss(&L, sp, 10, 10, 0, &tb, 1, NULL), DEQ_EDOM);
  ck_assert_st(deq_flow_loss(&L, sp, 10, 10, 0, &tn, 1, NULL), DEQ_EDOM);
  o.M = -1;
  ck_assert_st(deq_flow_loss(&L, sp, 10, 10, 0, &t, 1, &o), DEQ_EDOM);
  o.M = 10;
  o.mu_scale = -1;
  ck_assert_st(deq_flow_loss(&L, sp, 10, 10, 0, &t, 1, &o), DEQ_EDOM);
  ck_assert_st(deq_flow_loss_single(&L, sp, -3, &t, 1, NULL), DEQ_EDOM);
  ck_assert_st(deq_flow_static(&E, sp, 10, 10, 0, -1), DEQ_EDOM);
  ck_assert_st(deq_flow_static(&E, sp, 10, 10, INFINITY, 0), DEQ_EDOM);
  ck_assert_st(deq_flow_kappa(&k, sp, 10, 10, -1), DEQ_EDOM);
  ck_assert_st(deq_flow_kappa(NULL, sp, 10, 10, 1), DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

/* The direct simulation (deq_mc_flow_run): |z| < 4 against the theory
   at N = 20, P = 40 on 40 directions, t = 0 exact, the same estimates
   bitwise on 1 and 2 threads, and its input checks.  */
START_TEST(monte_carlo)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, 40, 0.1, 10), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 1.0), DEQ_OK);
  double t[] = { 0, 2, 20, INFINITY }, L[4], noise = 0.1;
  ck_assert_st(deq_flow_loss(L, sp, 20, 40, noise, t, 4, NULL), DEQ_OK);
  deq_mc_estimate e1[4], e2[4];
  uint64_t seed = test_seed(20261202);
  ck_assert_st(deq_mc_flow_run(e2, sp, 20, 40, noise, t, 4, 300, seed, 2),
               DEQ_OK);
  ck_assert_st(deq_mc_flow_run(e1, sp, 20, 40, noise, t, 4, 300, seed, 1),
               DEQ_OK);
  ck_assert_rel(e1[0].mean, sp->signal, 1e-13);
  for (size_t q = 0; q < 4; q++) {
    ck_assert(e1[q].mean == e2[q].mean && e1[q].se == e2[q].se);
    if (q == 0) continue;
    double z = (e1[q].mean - L[q]) / e1[q].se;
    ck_assert_msg(fabs(z) < 4, "t = %g: theory %.6g, MC %.6g +- %.2g",
                  t[q], L[q], e1[q].mean, e1[q].se);
  }
  ck_assert_st(deq_mc_flow_run(e1, sp, INFINITY, 40, noise, t, 4, 10, 1, 1),
               DEQ_EUNSUP);
  ck_assert_st(deq_mc_flow_run(e1, sp, 20.5, 40, noise, t, 4, 10, 1, 1),
               DEQ_EDOM);
  ck_assert_st(deq_mc_flow_run(e1, sp, 20, 40, -1, t, 4, 10, 1, 1),
               DEQ_EDOM);
  ck_assert_st(deq_mc_flow_run(e1, sp, 20, 40, noise, t, 4, 1, 1, 1),
               DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

static Suite *flow_suite(void)
{
  Suite *s = suite_create("flow");
  TCase *tc = tcase_create("flow");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, spec_sheet_2_5);
  tcase_add_test(tc, static_equals_rf);
  tcase_add_test(tc, late_time_limit);
  tcase_add_test(tc, p_infinite_single_integral);
  tcase_add_test(tc, both_infinite_exact);
  tcase_add_test(tc, time_zero_is_signal);
  tcase_add_test(tc, node_convergence);
  tcase_add_test(tc, kappa_real);
  tcase_add_test(tc, bad_input);
  tcase_add_test(tc, monte_carlo);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run(flow_suite()); }
