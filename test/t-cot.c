/* test/t-cot.c -- depth (L-step in-context GD) and chain of thought
 * (deq/cot.h): the spec sheet's tables (icl_cot.md sections 3.2, 3.3,
 * 4.3, 4.4), closed forms derived independently below, the ladder
 * recursion against the spec's O(T^4) form and the MPFR twins, phases,
 * divergence without NaN, bad input, and seeded Monte Carlo.  */
#include <math.h>
#include <string.h>

#include <deq/cot.h>
#include "testutil.h"
#include "../lib/cot_impl.h"     /* the node rules (private) */
#include "../lib/mp_law_impl.h"

/* ------------------------------------------------------------ depth */

START_TEST(depth_sheet_table)
{
  /* section 3.2: L, alpha, sigma^2, gamma*, R* */
  static const double tab[][5] = {
    { 1, 1, 0.1, 0.47619048, 0.62380952 },
    { 2, 1, 0.1, 0.98241989, 0.50603295 },
    { 4, 1, 0.1, 1.95684262, 0.42809695 },
    { 16, 1, 0.1, 5.90857020, 0.37852443 },
    { 4, 0.5, 0.1, 1.28697484, 0.68578206 },
    { 4, 4, 0, 3.20000001, 0.01465600 },
    { 8, 2, 0.25, 3.73629478, 0.43397677 },
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    deq_icl_depth_point p;
    ck_assert_st(deq_icl_depth_optimal(&p, tab[i][0], tab[i][1], tab[i][2]),
                 DEQ_OK);
    /* gamma* sits in a flat minimum: the sheet's 8 digits agree to 1e-7 */
    ck_assert_msg(fabs(p.gamma - tab[i][3]) < 1e-6 * tab[i][3],
                  "row %zu gamma* %.10f", i, p.gamma);
    ck_assert_msg(fabs(p.E_test - tab[i][4]) < 6e-9, "row %zu R* %.10f", i,
                  p.E_test);
    ck_assert_rel(p.E_g, p.E_test - tab[i][2], 1e-15);
  }
}
END_TEST

/* L = 1: R(gamma) = s2 + 1 - 2 gamma + gamma^2 (1 + (1 + s2)/alpha) from
   the MP moments int l = 1, int l^2 = 1 + 1/alpha (the quadrature is
   exact for it); gamma* = 1/(1 + (1 + s2)/alpha), R* = s2 + (1 + s2)/
   (alpha + 1 + s2), the kappa = tau = Inf limit of section 1.  */
START_TEST(depth_one_layer_closed_form)
{
  static const double cases[][2] = { { 0.3, 0 }, { 0.5, 0.1 }, { 1, 0.1 },
                                     { 2.5, 0.7 }, { 40, 0.01 } };
  for (size_t i = 0; i < 5; i++) {
    double a = cases[i][0], s2 = cases[i][1];
    for (double g = 0; g <= 1.5; g += 0.25) {
      deq_icl_depth_point p;
      ck_assert_st(deq_icl_depth_risk(&p, g, 1, a, s2), DEQ_OK);
      ck_assert_rel(p.E_test, s2 + 1 - 2 * g + g * g * (1 + (1 + s2) / a),
                    1e-13);
    }
    deq_icl_depth_point p;
    ck_assert_st(deq_icl_depth_optimal(&p, 1, a, s2), DEQ_OK);
    ck_assert_rel(p.E_test, s2 + (1 + s2) / (a + 1 + s2), 1e-13);
    ck_assert_rel(p.gamma, 1 / (1 + (1 + s2) / a), 1e-7);
  }
}
END_TEST

START_TEST(depth_mpfr_twin)
{
  static const double cases[][4] = { /* gamma, L, alpha, s2 */
    { 0.47, 1, 1, 0.1 }, { 1.9, 4, 1, 0.1 }, { 5.9, 16, 1, 0.1 },
    { 1.3, 4, 0.5, 0.1 }, { 3.2, 4, 4, 0 }, { 3.7, 8, 2, 0.25 },
    { 20, 64, 0.3, 2 } };
  for (size_t i = 0; i < 7; i++) {
    deq_icl_depth_point p;
    double R;
    ck_assert_st(deq_icl_depth_risk(&p, cases[i][0], cases[i][1], cases[i][2],
                                    cases[i][3]), DEQ_OK);
    ck_assert_st(deq_mp_icl_depth_risk(&R, cases[i][0], cases[i][1],
                                       cases[i][2], cases[i][3], 0, 200),
                 DEQ_OK);
    ck_assert_rel(p.E_test, R, 1e-12);
  }
}
END_TEST

/* Depth helps only at finite context: R* falls with L at alpha = 1, and
   at alpha = 1000 L = 1 is within 1e-3 of every deeper L.  */
START_TEST(depth_monotone_in_layers)
{
  double prev = INFINITY;
  for (double L = 1; L <= 64; L *= 2) {
    deq_icl_depth_point p;
    ck_assert_st(deq_icl_depth_optimal(&p, L, 1, 0.1), DEQ_OK);
    ck_assert_msg(p.E_test < prev, "L = %g: %g !< %g", L, p.E_test, prev);
    prev = p.E_test;
  }
  deq_icl_depth_point p1, p8;
  deq_icl_depth_optimal(&p1, 1, 1000, 0.1);
  deq_icl_depth_optimal(&p8, 8, 1000, 0.1);
  ck_assert(p8.E_test <= p1.E_test && p1.E_test - p8.E_test < 1e-3);
}
END_TEST

/* Section 3.3, (a, r) = (2, 1), K = 2e5 modes: the sheet's R(L)
   normalised by the signal (sum lambda_k b_k = 1).  deq's source
   exponent is r/2.  */
/* s_k = k^-alpha, v_k = k^-(1 + 2 alpha r), k = 1..n.  */
static deq_spectrum *power_spectrum(double alpha, double r, double n)
{
  deq_powerlaw pl;
  deq_powerlaw_init(&pl);
  pl.alpha = alpha;
  pl.r = r;
  pl.n = n;
  deq_spectrum *sp;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &pl), DEQ_OK);
  return sp;
}

START_TEST(depth_rrs_sheet_values)
{
  deq_spectrum *sp = power_spectrum(2, 0.5, 2e5);
  static const double want[] = { 0.0333271, 0.0155012, 0.00728472,
                                 0.00348435, 0.00169273, 0.000831646 };
  double L = 4;
  for (size_t i = 0; i < 6; i++, L *= 2) {
    double R, g;
    ck_assert_st(deq_icl_depth_rrs(&R, &g, sp, L), DEQ_OK);
    /* the sheet's 6 significant digits */
    ck_assert_msg(fabs(R / sp->signal - want[i]) < 1.6e-6 * want[i],
                  "L = %g: %.8g", L, R / sp->signal);
    ck_assert(g > 0 && g < 2 * L);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* The sum at a given gamma: the finite-alpha risk tends to it like
   1/alpha (isotropic tokens), the MPFR twin agrees, and the minimiser of
   deq_icl_depth_rrs is a minimum of it.  */
START_TEST(depth_rrs_risk_limit_and_twin)
{
  deq_spectrum *iso;
  double one = 1;
  ck_assert_st(deq_spectrum_from_arrays(&iso, 1, &one, NULL, &one, NULL),
               DEQ_OK);
  double R, gap[2];
  ck_assert_st(deq_icl_depth_rrs_risk(&R, 0.5, iso, 4), DEQ_OK);
  ck_assert_double_eq_tol(R, pow(0.875, 8), 1e-15);
  for (int i = 0; i < 2; i++) {
    deq_icl_depth_point p;
    ck_assert_st(deq_icl_depth_risk(&p, 0.5, 4, i ? 1e8 : 1e6, 0), DEQ_OK);
    gap[i] = p.E_g - R;
  }
  ck_assert(fabs(gap[0]) < 1e-6);
  ck_assert_msg(fabs(gap[0] / gap[1] - 100) < 1, "gaps %g %g", gap[0],
                gap[1]);

  deq_spectrum *sp = power_spectrum(1.5, 0.25, 5000);
  double Rs, gs, Rmp;
  ck_assert_st(deq_icl_depth_rrs(&Rs, &gs, sp, 16), DEQ_OK);
  ck_assert_st(deq_icl_depth_rrs_risk(&R, gs, sp, 16), DEQ_OK);
  ck_assert_double_eq(R, Rs);
  for (int sgn = -1; sgn <= 1; sgn += 2) {
    double Rn;
    ck_assert_st(deq_icl_depth_rrs_risk(&Rn, gs * (1 + sgn * 1e-3), sp, 16),
                 DEQ_OK);
    ck_assert(Rn > R);
  }
  ck_assert_st(deq_mp_icl_depth_rrs_risk(&Rmp, gs, sp, 16, 256), DEQ_OK);
  ck_assert_msg(fabs(Rmp - R) < 1e-13 * R, "%.17g vs %.17g", R, Rmp);
  /* bad input */
  ck_assert_st(deq_icl_depth_rrs_risk(&R, -1, sp, 16), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_rrs_risk(&R, 1, sp, 0), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_rrs_risk(&R, 1, sp, 2.5), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_rrs_risk(&R, NAN, sp, 2), DEQ_EDOM);
  ck_assert(isnan(R));
  ck_assert_st(deq_mp_icl_depth_rrs_risk(&R, -1, sp, 16, 256), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_rrs_risk(NULL, 1, sp, 2), DEQ_EINVAL);
  /* lr beyond stability: the sum overflows to +Inf, never NaN */
  ck_assert_st(deq_icl_depth_rrs_risk(&R, 1e300, sp, 1000), DEQ_EDIVERGE);
  ck_assert(isinf(R) && R > 0);
  deq_spectrum_free(sp);
  deq_spectrum_free(iso);
}
END_TEST

START_TEST(depth_bad_input)
{
  deq_icl_depth_point p;
  ck_assert_st(deq_icl_depth_optimal(&p, 1, 0, 0.1), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_optimal(&p, 1, -1, 0.1), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_optimal(&p, 0, 1, 0.1), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_optimal(&p, 1.5, 1, 0.1), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_optimal(&p, 1, 1, -0.1), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_optimal(&p, 1, NAN, 0.1), DEQ_EDOM);
  ck_assert(isnan(p.E_test) && p.status == DEQ_EDOM);
  ck_assert_st(deq_icl_depth_risk(&p, -1, 1, 1, 0.1), DEQ_EDOM);
  ck_assert_st(deq_icl_depth_optimal(NULL, 1, 1, 0.1), DEQ_EINVAL);
}
END_TEST

/* ------------------------------------------------------------ chain of thought */

/* Section 4.4, theory rows: alpha, tau, rho, e_T at T = 1, 2, 3, 5, 8, 12. */
START_TEST(cot_sheet_table)
{
  static const double tab[][9] = {
    { 2, INFINITY, 0.1, 0.354839, 0.212579, 0.158169, 0.112017, 0.091995,
      0.087911 },
    { 2, 4, 0.1, 0.473118, 0.274015, 0.207327, 0.140986, 0.106915, 0.094936 },
    { 3, 2, 0.2, 0.571429, 0.328567, 0.237771, 0.156958, 0.118807, 0.105257 },
    { 0.6, 4, 0.05, 0.848485, 0.720774, 0.703357, 0.677460, 0.669360,
      0.674821 },
  };
  static const size_t Ts[] = { 1, 2, 3, 5, 8, 12 };
  double e[13];
  for (size_t i = 0; i < 4; i++) {
    ck_assert_st(deq_cot_risk_curve(e, 12, tab[i][0], tab[i][1], tab[i][2]),
                 DEQ_OK);
    for (size_t j = 0; j < 6; j++)
      ck_assert_msg(fabs(e[Ts[j]] - tab[i][3 + j]) < 5.01e-7,
                    "row %zu T = %zu: %.8f", i, Ts[j], e[Ts[j]]);
    ck_assert(e[0] == 1);
  }
  /* the convergence check of 4.4 (4 decimals) */
  static const double conv[][5] = { { 6, 0.4258, 0.1273, 0.0936, 0.0924 },
                                    { 1.5, 1.0645, 1.1817, 4.0453, 180.2 } };
  double f[21];
  for (size_t i = 0; i < 2; i++) {
    ck_assert_st(deq_cot_risk_curve(f, 20, 2, conv[i][0], 0.1), DEQ_OK);
    ck_assert(fabs(f[1] - conv[i][1]) < 5e-5 && fabs(f[5] - conv[i][2]) < 5e-5
              && fabs(f[10] - conv[i][3]) < 5e-5);
    ck_assert(fabs(f[20] - conv[i][4]) < (i ? 0.05 : 5e-5));
  }
}
END_TEST

/* T = 1 is the OLS risk (1 - gamma*) tau/(tau - 1).  */
START_TEST(cot_one_step_is_ols)
{
  static const double cases[][3] = { { 2, 4, 0.1 }, { 0.5, 3, 0.2 },
                                     { 1, 1.5, 0 }, { 7, 1.1, 1 },
                                     { 2, INFINITY, 0.1 } };
  for (size_t i = 0; i < 5; i++) {
    double a = cases[i][0], tau = cases[i][1], rho = cases[i][2], e[2];
    double g = 1 / (1 + (1 + rho) / a);
    ck_assert_st(deq_cot_risk_curve(e, 1, a, tau, rho), DEQ_OK);
    double want = isinf(tau) ? 1 - g : (1 - g) * tau / (tau - 1);
    ck_assert_rel(e[1], want, 1e-13);
  }
}
END_TEST

/* tau = Inf: pure MP integrals.  At T = 2 from the MP moments
   m_k = 1, 1 + q, 1 + 3q + q^2, 1 + 6q + 6q^2 + q^3 (q = 1/alpha):
   e_2 = int (1 - g l)^4 + (rho/alpha) int (2 g l - g^2 l^2)^2/l.  */
START_TEST(cot_tau_inf_pure_mp)
{
  static const double cases[][2] = { { 0.3, 0.1 }, { 1, 0.2 }, { 2, 0.1 },
                                     { 5, 0 }, { 0.8, 1.5 } };
  for (size_t i = 0; i < 5; i++) {
    double a = cases[i][0], rho = cases[i][1], q = 1 / a, e[3];
    double g = 1 / (1 + (1 + rho) / a);
    double m2 = 1 + q, m3 = 1 + 3 * q + q * q,
           m4 = 1 + 6 * q + 6 * q * q + q * q * q;
    double bias = 1 - 4 * g + 6 * g * g * m2 - 4 * g * g * g * m3
                  + g * g * g * g * m4;
    double noise = 4 * g * g - 4 * g * g * g * m2 + g * g * g * g * m3;
    ck_assert_st(deq_cot_risk_curve(e, 2, a, INFINITY, rho), DEQ_OK);
    ck_assert_rel(e[2], bias + rho / a * noise, 1e-12);
  }
}
END_TEST

/* alpha > 1, convergent: e_T -> rho/(alpha - 1) (the OLS fixed point).  */
START_TEST(cot_limit_is_ols_fixed_point)
{
  static const double cases[][3] = { { 2, INFINITY, 0.1 }, { 2, 6, 0.1 },
                                     { 3, 2, 0.2 }, { 4, 10, 0.5 } };
  double e[401];
  for (size_t i = 0; i < 4; i++) {
    deq_cot_info in;
    ck_assert_st(deq_cot_phase_info(&in, cases[i][0], cases[i][1],
                                    cases[i][2]), DEQ_OK);
    ck_assert_int_eq(in.phase, DEQ_COT_EXPONENTIAL);
    ck_assert_st(deq_cot_risk_curve(e, 400, cases[i][0], cases[i][1],
                                    cases[i][2]), DEQ_OK);
    ck_assert_rel(e[400], cases[i][2] / (cases[i][0] - 1), 1e-10);
    ck_assert_rel(in.e_inf, cases[i][2] / (cases[i][0] - 1), 1e-15);
  }
}
END_TEST

/* The node recursion (graded nodes) against the spec's O(T^4) ladder
   (midpoint nodes), in every phase.  */
START_TEST(cot_recursion_matches_ladder)
{
  static const double cases[][3] = { { 2, 4, 0.1 }, { 0.6, 4, 0.05 },
                                     { 1, 3, 0.1 }, { 2, 1.5, 0.1 },
                                     { 0.3, 1.2, 0.4 }, { 5, 2, 0 } };
  double a[41], b[41];
  for (size_t i = 0; i < 6; i++) {
    ck_assert_st(deq_cot_risk_curve(a, 40, cases[i][0], cases[i][1],
                                    cases[i][2]), DEQ_OK);
    ck_assert_st(deq_cot_risk_ladder(b, 40, cases[i][0], cases[i][1],
                                     cases[i][2]), DEQ_OK);
    for (size_t T = 0; T <= 40; T++)
      ck_assert_msg(test_reldiff(a[T], b[T], 0) < 1e-12,
                    "case %zu T = %zu: %.17g vs %.17g", i, T, a[T], b[T]);
  }
}
END_TEST

/* The tail: in a convergent phase the recursion stops once the rungs
   are below rounding and the box sums only age; the result must still
   be the full ladder's to 1e-12 (alpha = 20: the rungs die by row ~60).
   A fresh curve asked for T = 120 at once, and one extended step by
   step, agree bitwise.  */
START_TEST(cot_tail_matches_ladder)
{
  static double a[121], b[121];
  ck_assert_st(deq_cot_risk_curve(a, 120, 20, 3, 0.1), DEQ_OK);
  ck_assert_st(deq_cot_risk_ladder(b, 120, 20, 3, 0.1), DEQ_OK);
  for (size_t T = 0; T <= 120; T++)
    ck_assert_msg(test_reldiff(a[T], b[T], 0) < 1e-12, "T = %zu: %.17g vs "
                  "%.17g", T, a[T], b[T]);
  deq_cot_curve *c;
  ck_assert_st(deq_cot_curve_alloc(&c, 20, 3, 0.1), DEQ_OK);
  for (size_t T = 0; T <= 120; T++) {
    double v;
    ck_assert_st(deq_cot_curve_at(&v, c, T), DEQ_OK);
    ck_assert(v == a[T]);
  }
  deq_cot_curve_free(c);
  /* deep: e_T -> rho/(alpha - 1) at T = 3000 in well under a second */
  double v;
  ck_assert_st(deq_cot_curve_alloc(&c, 20, 3, 0.1), DEQ_OK);
  ck_assert_st(deq_cot_curve_at(&v, c, 3000), DEQ_OK);
  ck_assert_rel(v, 0.1 / 19, 1e-12);
  deq_cot_curve_free(c);
}
END_TEST

/* Moderate depth in every phase: the blocked recursion on graded nodes
   against the values of the earlier two-pass recursion on midpoint
   nodes at T = 300 (which matched the O(T^4) ladder to 1e-12 wherever
   that is affordable, T <= 40 above).  */
START_TEST(cot_recursion_regression_T300)
{
  static const double cases[][4] = {
    { 2, 4, 0.1, 0.099999999928421984 },       /* exponential */
    { 0.6, 8, 0.1, 0.64321951986898718 },      /* saturation */
    { 2, 1.5, 0.1, 1.5243161682066297e+54 },   /* amplification */
    { 2, 2.6, 0.1, 0.10000380018779735 },      /* just above tau_c */
    { 1, 4, 0.1, 0.80989914996819201 },        /* polynomial */
  };
  static double e[301];
  for (size_t i = 0; i < 5; i++) {
    ck_assert_st(deq_cot_risk_curve(e, 300, cases[i][0], cases[i][1],
                                    cases[i][2]), DEQ_OK);
    ck_assert_msg(test_reldiff(e[300], cases[i][3], 0) < 1e-12,
                  "case %zu: %.17g vs %.17g", i, e[300], cases[i][3]);
  }
}
END_TEST

/* The graded Gauss rule reproduces the midpoint rule's moments
   m_f(r) = int f(lambda) a^r dmu, a = 1 - gamma lambda, f = 1, lambda,
   lambda^2, for every power r <= R = 4096 (the depths T <= 2048 it
   serves): the ladder depends on the law only through these.  Relative
   to int |f a^r| dmu, within 2e-14 + 1e-16 r (at r = 4096 about 2e-13
   is reached where a comes near -1: alpha = 1 or 2, rho = 0); powers in
   long double so that the 4096 rounded products do not blur the
   comparison (the midpoint rule with 1024 nodes, what the first release
   used up to T = 4096).  12 nodes per panel instead of 14 fail (3 times
   the floor at alpha = 0.3, rho = 0).  */
START_TEST(cot_graded_rule_moments)
{
  static const double alphas[] = { 0.3, 1, 2, 20 }, rhos[] = { 0, 0.1, 2 };
  const size_t R = 4096;
  for (size_t ia = 0; ia < 4; ia++)
    for (size_t ir = 0; ir < 3; ir++) {
      double q = 1 / alphas[ia],
             gamma = 1 / (1 + (1 + rhos[ir]) / alphas[ia]);
      deq_mp_law g, m;
      ck_assert_int_eq(deq_mp_law_init_graded(&g, q, gamma, (double)R, 14),
                       DEQ_OK);
      ck_assert_int_eq(deq_mp_law_init(&m, q, 1024), DEQ_OK);
      ck_assert_uint_lt(g.n, 260);
      double worst = 0;
      for (int f = 0; f < 3; f++) {
        long double pg[300], *pm = malloc(m.n * sizeof *pm);
        ck_assert_ptr_nonnull(pm);
        for (size_t k = 0; k < g.n; k++)
          pg[k] = g.w[k] * pow(g.lambda[k], f);
        for (size_t k = 0; k < m.n; k++)
          pm[k] = m.w[k] * pow(m.lambda[k], f);
        for (size_t r = 0; r <= R; r++) {
          long double sg = 0, sm = 0, sa = 0;
          for (size_t k = 0; k < g.n; k++) {
            sg += pg[k];
            pg[k] *= 1 - (long double)gamma * g.lambda[k];
          }
          for (size_t k = 0; k < m.n; k++) {
            sm += pm[k];
            sa += fabsl(pm[k]);
            pm[k] *= 1 - (long double)gamma * m.lambda[k];
          }
          /* the floor: a node's a = 1 - gamma lambda is rounded, so a^r
             carries r times its rounding on either rule */
          if (sa > 0)
            worst = fmax(worst, (double)(fabsl(sg - sm) / sa)
                                / (2e-14 + 1e-16 * (double)r));
        }
        free(pm);
      }
      ck_assert_msg(worst < 1, "alpha %g rho %g: %.3g of the floor", alphas[ia],
                    rhos[ir], worst);
      deq_mp_law_free(&g);
      deq_mp_law_free(&m);
    }
}
END_TEST

/* The whole curve on the graded nodes against the same recursion on the
   first release's midpoint nodes (16 sqrt(T), in powers of two) at
   T <= 1000, in the phases where the recursion runs to the end
   (polynomial, near tau_c, amplification until overflow, where both
   give +Inf from the same depth on) and in saturation (early stop).  */
START_TEST(cot_graded_matches_midpoint)
{
  static const double cases[][3] = { { 1, 4, 0.1 }, { 2, 2.4, 0.1 },
                                     { 0.6, 8, 0.05 }, { 2, 1.3, 0.1 },
                                     { 0.3, 1.2, 0.4 } };
  static double a[1001], b[1001];
  for (size_t i = 0; i < 5; i++) {
    deq_status sa = deq_cot_risk_curve_rule(a, 1000, cases[i][0], cases[i][1],
                                            cases[i][2], DEQ_COT_RULE_GRADED);
    deq_status sb = deq_cot_risk_curve_rule(b, 1000, cases[i][0], cases[i][1],
                                            cases[i][2],
                                            DEQ_COT_RULE_MIDPOINT);
    ck_assert_st(sa, sb);
    for (size_t T = 0; T <= 1000; T++) {
      ck_assert(!isnan(a[T]));
      if (isinf(b[T])) {
        ck_assert_msg(isinf(a[T]) && a[T] > 0, "case %zu T = %zu", i, T);
        continue;
      }
      ck_assert_msg(test_reldiff(a[T], b[T], 0) < 1e-12,
                    "case %zu T = %zu: %.17g vs %.17g", i, T, a[T], b[T]);
    }
  }
}
END_TEST

/* Deep curves against the first release (commit 9bfd26a: midpoint nodes,
   row-by-row recursion; 4.6 s of CPU at alpha = 1 then): e_1000 and
   e_2000 at alpha = 1, tau = 4 (polynomial) and alpha = 2, tau = 2.4
   (just below tau_c = 2.472), e_2000 in saturation, and the depth from
   which amplification overflows to +Inf (DEQ_EDIVERGE, never NaN).  */
START_TEST(cot_first_release_T2000)
{
  static const double cases[][5] = {
    { 1, 4, 0.1, 1.439282930667803, 2.0284755131150121 },
    { 2, 2.4, 0.1, 2500.728320797587, 2377441807.3983989 },
    { 0.6, 8, 0.05, 0.55441176470582443, 0.55441176470582232 },
  };
  static double e[2001];
  for (size_t i = 0; i < 3; i++) {
    ck_assert_st(deq_cot_risk_curve(e, 2000, cases[i][0], cases[i][1],
                                    cases[i][2]), DEQ_OK);
    ck_assert_msg(test_reldiff(e[1000], cases[i][3], 0) < 1e-12
                  && test_reldiff(e[2000], cases[i][4], 0) < 1e-12,
                  "case %zu: %.17g %.17g", i, e[1000], e[2000]);
  }
  static const double amp[][4] = { { 2, 1.3, 0.1, 954 }, { 1, 1.5, 0.1, 1042 },
                                   { 0.6, 2, 0.05, 1681 } };
  for (size_t i = 0; i < 3; i++) {
    ck_assert_st(deq_cot_risk_curve(e, 2000, amp[i][0], amp[i][1], amp[i][2]),
                 DEQ_EDIVERGE);
    size_t first = (size_t)amp[i][3];
    ck_assert(isfinite(e[first - 1]) && e[first - 1] > 1e299);
    for (size_t T = first; T <= 2000; T++) ck_assert(isinf(e[T]) && e[T] > 0);
  }
}
END_TEST

/* The MPFR ladder (200 bits, twice the nodes).  */
START_TEST(cot_mpfr_twin)
{
  static const double cases[][3] = { { 2, 4, 0.1 }, { 0.6, 4, 0.05 },
                                     { 1, 3, 0.1 }, { 2, 1.5, 0.1 },
                                     { 2, INFINITY, 0.1 } };
  static const size_t Ts[] = { 0, 1, 5, 12 };
  double e[13];
  for (size_t i = 0; i < 5; i++) {
    ck_assert_st(deq_cot_risk_curve(e, 12, cases[i][0], cases[i][1],
                                    cases[i][2]), DEQ_OK);
    for (size_t j = 0; j < 4; j++) {
      double m;
      ck_assert_st(deq_mp_cot_risk(&m, Ts[j], cases[i][0], cases[i][1],
                                   cases[i][2], 0, 200), DEQ_OK);
      ck_assert_msg(test_reldiff(e[Ts[j]], m, 0) < 1e-12, "case %zu T = %zu",
                    i, Ts[j]);
    }
  }
}
END_TEST

/* A curve object answers in any order with the same numbers as the
   sweep (same nodes up to T = 256).  */
START_TEST(cot_curve_object)
{
  double e[61];
  ck_assert_st(deq_cot_risk_curve(e, 60, 2, 4, 0.1), DEQ_OK);
  deq_cot_curve *c;
  ck_assert_st(deq_cot_curve_alloc(&c, 2, 4, 0.1), DEQ_OK);
  static const size_t order[] = { 60, 3, 0, 17, 60, 1 };
  for (size_t i = 0; i < 6; i++) {
    double v;
    ck_assert_st(deq_cot_curve_at(&v, c, order[i]), DEQ_OK);
    ck_assert(v == e[order[i]]);
  }
  deq_cot_curve_free(c);
  ck_assert_st(deq_cot_curve_alloc(&c, 2, 1, 0.1), DEQ_EDOM);
  ck_assert(c == NULL);
}
END_TEST

/* Section 4.3's numbers.  */
START_TEST(cot_phase_examples)
{
  deq_cot_info in;
  ck_assert_st(deq_cot_phase_info(&in, 2, INFINITY, 0.1), DEQ_OK);
  ck_assert(fabs(in.tau_c - 2.4720) < 5e-5);
  ck_assert_int_eq(in.phase, DEQ_COT_EXPONENTIAL);
  ck_assert_st(deq_cot_phase_info(&in, 2, 1.3, 0.1), DEQ_OK);
  ck_assert(fabs(in.r - 1.4404) < 5e-5);
  ck_assert_int_eq(in.phase, DEQ_COT_AMPLIFICATION);
  ck_assert_st(deq_cot_phase_info(&in, 2, 2, 0.1), DEQ_OK);
  ck_assert(fabs(in.r - 1.0636) < 5e-5);
  ck_assert_st(deq_cot_phase_info(&in, 0.6, 4, 0.05), DEQ_OK);
  ck_assert(fabs(in.tau_c - 4.25) < 5e-5);
  ck_assert(fabs(in.r - 1.0093) < 5e-5);
  ck_assert_int_eq(in.phase, DEQ_COT_AMPLIFICATION);  /* just below tau_c */
  ck_assert_st(deq_cot_phase_info(&in, 0.6, 5, 0.05), DEQ_OK);
  ck_assert_int_eq(in.phase, DEQ_COT_SATURATION);
  ck_assert(in.r == 1 && isnan(in.e_inf));
  ck_assert_st(deq_cot_phase_info(&in, 1, INFINITY, 0.1), DEQ_OK);
  ck_assert_int_eq(in.phase, DEQ_COT_POLYNOMIAL);
  ck_assert(in.r == 1);
  ck_assert_str_eq(deq_cot_phase_name(DEQ_COT_SATURATION), "saturation");
  ck_assert_str_eq(deq_cot_phase_name((deq_cot_phase)9), "?");
  /* r is the growth rate: (e_{T+1}/e_T)^(1/2) -> r (tau = 1.3) */
  double e[201];
  ck_assert_st(deq_cot_phase_info(&in, 2, 1.3, 0.1), DEQ_OK);
  ck_assert_st(deq_cot_risk_curve(e, 200, 2, 1.3, 0.1), DEQ_OK);
  double rate = sqrt(e[200] / e[199]);
  ck_assert_msg(fabs(rate - in.r) < 0.01 * in.r, "rate %g r %g", rate, in.r);
  /* tau_c is where r crosses 1 */
  ck_assert_st(deq_cot_phase_info(&in, 3, 2, 0.2), DEQ_OK);
  double tc = in.tau_c;
  deq_cot_phase_info(&in, 3, tc * (1 - 1e-6), 0.2);
  ck_assert(in.r > 1 && in.r < 1 + 1e-4);
  deq_cot_phase_info(&in, 3, tc * (1 + 1e-6), 0.2);
  ck_assert(in.r < 1);
}
END_TEST

START_TEST(cot_optimal_depth)
{
  static const double rho[] = { 0.3, 0.1, 0.03, 0.01 };
  static const size_t want[] = { 6, 12, 24, 40 };
  for (size_t i = 0; i < 4; i++) {
    size_t t;
    double e;
    int over;
    ck_assert_st(deq_cot_optimal_depth(&t, &e, &over, 200, 2, INFINITY,
                                       rho[i]), DEQ_OK);
    ck_assert_uint_eq(t, want[i]);
    ck_assert(over == 1);
    if (i == 1) ck_assert(fabs(e - 0.08791) < 5e-6);
  }
  static const double tau[] = { 1.2, 1.6, 2.0, 2.3 };
  static const size_t want2[] = { 1, 4, 10, 20 };
  for (size_t i = 0; i < 4; i++) {
    size_t t;
    double e;
    int over;
    ck_assert_st(deq_cot_optimal_depth(&t, &e, &over, 200, 2, tau[i], 0.1),
                 DEQ_OK);
    ck_assert_uint_eq(t, want2[i]);
    ck_assert(over == 1);
  }
  /* noiseless, convergent: no overthinking, the deepest is best */
  size_t t;
  double e;
  int over;
  ck_assert_st(deq_cot_optimal_depth(&t, &e, &over, 50, 3, INFINITY, 0),
               DEQ_OK);
  ck_assert(t == 50 && over == 0);
}
END_TEST

/* Amplification overflows: finite values, then +Inf with DEQ_EDIVERGE,
   never NaN.  */
START_TEST(cot_overflow_is_inf)
{
  static double e[601];
  deq_cot_info in;
  ck_assert_st(deq_cot_phase_info(&in, 2, 1.02, 0.1), DEQ_OK);
  ck_assert(in.r > 3);
  ck_assert_st(deq_cot_risk_curve(e, 600, 2, 1.02, 0.1), DEQ_EDIVERGE);
  size_t first_inf = 0;
  for (size_t T = 0; T <= 600; T++) {
    ck_assert(!isnan(e[T]) && e[T] > 0);
    if (isinf(e[T]) && !first_inf) first_inf = T;
    if (first_inf) ck_assert(isinf(e[T]));
  }
  ck_assert(first_inf > 100);
  ck_assert(e[first_inf - 1] > 1e250);
  double v;
  deq_cot_curve *c;
  ck_assert_st(deq_cot_curve_alloc(&c, 2, 1.02, 0.1), DEQ_OK);
  ck_assert_st(deq_cot_curve_at(&v, c, 600), DEQ_EDIVERGE);
  ck_assert(isinf(v) && v > 0);
  ck_assert_st(deq_cot_curve_at(&v, c, 10), DEQ_OK);
  ck_assert(v == e[10]);
  deq_cot_curve_free(c);
}
END_TEST

START_TEST(cot_bad_input)
{
  double e[3];
  static const double bad[][3] = { { 0, 4, 0.1 }, { -1, 4, 0.1 },
                                   { 2, 1, 0.1 }, { 2, 0.5, 0.1 },
                                   { 2, -3, 0.1 }, { 2, 4, -0.1 },
                                   { NAN, 4, 0.1 }, { 2, NAN, 0.1 },
                                   { 2, 4, INFINITY }, { INFINITY, 4, 0.1 } };
  for (size_t i = 0; i < 10; i++) {
    deq_cot_info in;
    size_t t;
    double es, m;
    ck_assert_st(deq_cot_risk_curve(e, 2, bad[i][0], bad[i][1], bad[i][2]),
                 DEQ_EDOM);
    ck_assert_st(deq_cot_risk_ladder(e, 2, bad[i][0], bad[i][1], bad[i][2]),
                 DEQ_EDOM);
    ck_assert_st(deq_cot_phase_info(&in, bad[i][0], bad[i][1], bad[i][2]),
                 DEQ_EDOM);
    ck_assert(isnan(in.r) && in.status == DEQ_EDOM);
    ck_assert_st(deq_cot_optimal_depth(&t, &es, NULL, 5, bad[i][0], bad[i][1],
                                       bad[i][2]), DEQ_EDOM);
    ck_assert_st(deq_mp_cot_risk(&m, 1, bad[i][0], bad[i][1], bad[i][2], 0,
                                 64), DEQ_EDOM);
  }
  ck_assert_st(deq_cot_risk_curve(NULL, 2, 2, 4, 0.1), DEQ_EINVAL);
  ck_assert_st(deq_cot_risk_ladder(e, 201, 2, 4, 0.1), DEQ_EUNSUP);
}
END_TEST

/* ------------------------------------------------------------ Monte Carlo */

START_TEST(mc_cot_agrees)
{
  uint64_t seed = test_seed(11);
  static const double depth[] = { 1, 2, 5 };
  deq_mc_estimate est[3], est1[3];
  double e[6];
  ck_assert_st(deq_cot_risk_curve(e, 5, 2, INFINITY, 0.1), DEQ_OK);
  ck_assert_st(deq_mc_cot_run(est, 100, 2, INFINITY, 0.1, depth, 3, 4, 20,
                              seed, 2), DEQ_OK);
  for (size_t j = 0; j < 3; j++) {
    double z = deq_mc_z(&est[j], e[(size_t)depth[j]]);
    ck_assert_msg(fabs(z) < 4, "seed %llu depth %g: z = %g",
                  (unsigned long long)seed, depth[j], z);
  }
  /* bitwise the same on one thread */
  ck_assert_st(deq_mc_cot_run(est1, 100, 2, INFINITY, 0.1, depth, 3, 4, 20,
                              seed, 1), DEQ_OK);
  ck_assert(memcmp(est, est1, sizeof est) == 0);
  /* finite tau: pretraining by least squares, small d (4 s.e. plus the
     sheet's finite-d gap at d = 50, about 2%) */
  static const double d1[] = { 1 };
  ck_assert_st(deq_mc_cot_run(est, 50, 2, 4, 0.1, d1, 1, 4, 10, seed, 2),
               DEQ_OK);
  ck_assert_st(deq_cot_risk_curve(e, 1, 2, 4, 0.1), DEQ_OK);
  ck_assert_msg(fabs(est[0].mean - e[1]) < 4 * est[0].se + 0.03 * e[1],
                "seed %llu: %g vs %g", (unsigned long long)seed, est[0].mean,
                e[1]);
  ck_assert_st(deq_mc_cot_run(est, 50, 2, 0.5, 0.1, d1, 1, 4, 10, seed, 2),
               DEQ_EDOM);
  ck_assert_st(deq_mc_cot_run(est, 50, 2, 4, 0.1, d1, 1, 4, 1, seed, 2),
               DEQ_EINVAL);
}
END_TEST

START_TEST(mc_depth_agrees)
{
  uint64_t seed = test_seed(12);
  static const double L[] = { 1, 4, 16 };
  double g[3], R[3];
  for (size_t j = 0; j < 3; j++) {
    deq_icl_depth_point p;
    ck_assert_st(deq_icl_depth_optimal(&p, L[j], 1, 0.1), DEQ_OK);
    g[j] = p.gamma;
    R[j] = p.E_test;
  }
  deq_mc_estimate est[3], est1[3];
  ck_assert_st(deq_mc_icl_depth_run(est, 60, 1, 0.1, L, g, 3, 100, seed, 2),
               DEQ_OK);
  for (size_t j = 0; j < 3; j++) {
    double z = deq_mc_z(&est[j], R[j]);
    ck_assert_msg(fabs(z) < 4, "seed %llu L %g: z = %g",
                  (unsigned long long)seed, L[j], z);
  }
  ck_assert_st(deq_mc_icl_depth_run(est1, 60, 1, 0.1, L, g, 3, 100, seed, 1),
               DEQ_OK);
  ck_assert(memcmp(est, est1, sizeof est) == 0);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("cot");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, depth_sheet_table);
  tcase_add_test(tc, depth_one_layer_closed_form);
  tcase_add_test(tc, depth_mpfr_twin);
  tcase_add_test(tc, depth_monotone_in_layers);
  tcase_add_test(tc, depth_rrs_sheet_values);
  tcase_add_test(tc, depth_rrs_risk_limit_and_twin);
  tcase_add_test(tc, depth_bad_input);
  tcase_add_test(tc, cot_sheet_table);
  tcase_add_test(tc, cot_one_step_is_ols);
  tcase_add_test(tc, cot_tau_inf_pure_mp);
  tcase_add_test(tc, cot_limit_is_ols_fixed_point);
  tcase_add_test(tc, cot_recursion_matches_ladder);
  tcase_add_test(tc, cot_tail_matches_ladder);
  tcase_add_test(tc, cot_recursion_regression_T300);
  tcase_add_test(tc, cot_graded_rule_moments);
  tcase_add_test(tc, cot_graded_matches_midpoint);
  tcase_add_test(tc, cot_first_release_T2000);
  tcase_add_test(tc, cot_mpfr_twin);
  tcase_add_test(tc, cot_curve_object);
  tcase_add_test(tc, cot_phase_examples);
  tcase_add_test(tc, cot_optimal_depth);
  tcase_add_test(tc, cot_overflow_is_inf);
  tcase_add_test(tc, cot_bad_input);
  tcase_add_test(tc, mc_cot_agrees);
  tcase_add_test(tc, mc_depth_agrees);
  suite_add_tcase(s, tc);
  return test_run(s);
}
