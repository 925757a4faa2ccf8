/* test/t-msgd.c -- multi-pass SGD on P fixed samples (deq/msgd.h):
 * the one-point functions against Marchenko-Pastur moments (Narayana
 * polynomials, written here) and a direct quadrature of the MP density;
 * the stability mass at a real point against the kernels' total mass and
 * the one-pass bound; the plan against a brute-force O(T^2) Volterra sum;
 * the limits B -> inf (full-batch GD, also at P = N and N (1 -+ 1e-3));
 * continuity across P = N; lens and ellipse across their switch; the
 * limit P -> inf (one-pass SGD with
 * m4 = 2, and m4 = 3 up to O(eta s)); bad input; a seeded Monte Carlo
 * with |z| < 4 that is bitwise identical for 1 and 2 threads (also at
 * P = N).  */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <deq.h>
#include "testutil.h"

/* Sigma = s I_N with total target power v.  */
static deq_spectrum *iso(double N, double s, double v)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 1, &s, &N, &v, NULL), DEQ_OK);
  return sp;
}

static deq_spectrum *loguniform(size_t n)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, n, 0.1, 3), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 1.0), DEQ_OK);
  return sp;
}

/* MP moments (1/N) tr S^k for Sigma = I, ratio g = N/P: the Narayana
   polynomials sum_j Nar(k, j) g^(j-1).  */
static double mp_moment(int k, double g)
{
  static const double nar[7][7] = {
    { 1 }, { 1 }, { 1, 1 }, { 1, 3, 1 }, { 1, 6, 6, 1 },
    { 1, 10, 20, 10, 1 }, { 1, 15, 50, 50, 15, 1 }
  };
  double m = 0, p = 1;
  for (int j = 0; j < k || (k == 0 && j == 0); j++, p *= g) m += nar[k][j] * p;
  return m;
}

static double binom(int n, int k)
{
  double b = 1;
  for (int i = 1; i <= k; i++) b = b * (n - k + i) / i;
  return b;
}

/* (1/N) tr S^a (1 - eta s S)^(2 tau) in units of s^a, expanded.  */
static double mp_poly(int a, int tau, double es, double g)
{
  double sum = 0;
  for (int k = 0; k <= 2 * tau; k++)
    sum += binom(2 * tau, k) * pow(-es, k) * mp_moment(a + k, g);
  return sum;
}

START_TEST(test_isotropic_moments)
{
  double N = 100, P = 400, s = 0.7, v = 1.3, eta = 0.4, g = N / P;
  deq_spectrum *sp = iso(N, s, v);
  double KL[3], KR[3], sig[3], tr[3];
  ck_assert_st(deq_msgd_kernels(KL, KR, sig, tr, sp, P, eta, 3, NULL),
               DEQ_OK);
  for (int tau = 0; tau < 3; tau++) {
    double es = eta * s;
    ck_assert_rel(KL[tau], N * s * s * mp_poly(2, tau, es, g), 1e-12);
    ck_assert_rel(KR[tau], N * s * s * mp_poly(1, tau, es, g), 1e-12);
    /* wbar' f(S) wbar = |wbar|^2 (1/N) tr f(S), |wbar|^2 = v/s */
    ck_assert_rel(sig[tau], v / s * s * mp_poly(1, tau, es, g), 1e-12);
    ck_assert_rel(tr[tau], N * mp_poly(0, tau, es, g), 1e-12);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* (1/N) tr f(S) for Sigma = s I by the MP density, x = c + r cos th:
   the density times dx is r^2 sin^2 th/(2 pi g s x) dth, smooth.  */
static double mp_quad(double (*f)(double, const double *), const double *p,
                      double s, double g)
{
  double a = s * (1 - sqrt(g)) * (1 - sqrt(g)), b = s * (1 + sqrt(g)) *
             (1 + sqrt(g));
  double c = (a + b) / 2, r = (b - a) / 2, sum = 0;
  int n = 4000;
  for (int k = 0; k < n; k++) {
    double th = (k + 0.5) * M_PI / n, x = c + r * cos(th);
    sum += f(x, p) * r * r * sin(th) * sin(th) / (2 * M_PI * g * s * x);
  }
  return sum * M_PI / n;
}

static double f_KL(double x, const double *p)
{
  return x * x * pow(1 - p[0] * x, 2 * p[1]);
}

static double f_noise(double x, const double *p)
{
  return x / (2 - p[0] * x);
}

START_TEST(test_isotropic_quadrature)
{
  double N = 100, P = 250, s = 1.3, eta = 0.5, g = N / P;
  deq_spectrum *sp = iso(N, s, 1);
  size_t T = 301;
  double *KL = malloc(T * sizeof *KL);
  ck_assert_st(deq_msgd_kernels(KL, NULL, NULL, NULL, sp, P, eta, T, NULL),
               DEQ_OK);
  double taus[] = { 0, 7, 30, 300 };
  for (size_t i = 0; i < 4; i++) {
    double p[2] = { eta, taus[i] };
    double want = N * mp_quad(f_KL, p, s, g);
    ck_assert_msg(fabs(KL[(size_t) taus[i]] - want) < 1e-11 * N * s * s,
                  "tau %g: %.15g vs %.15g", taus[i], KL[(size_t) taus[i]],
                  want);
  }
  /* the stability mass S = (eta/B) tr[S (2 - eta S)^-1] */
  double S, B = 3;
  ck_assert_st(deq_msgd_noise_mass(&S, sp, P, eta, B), DEQ_OK);
  double p[1] = { eta };
  ck_assert_rel(S, eta / B * N * mp_quad(f_noise, p, s, g), 1e-11);
  free(KL);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_noise_mass_is_kernel_mass)
{
  deq_spectrum *sp = loguniform(80);
  double P = 200, eta = 0.3, B = 2, S;
  ck_assert_st(deq_msgd_noise_mass(&S, sp, P, eta, B), DEQ_OK);
  size_t T = 20000;
  double *KL = malloc(T * sizeof *KL), sum = 0;
  ck_assert_st(deq_msgd_kernels(KL, NULL, NULL, NULL, sp, P, eta, T, NULL),
               DEQ_OK);
  for (size_t t = T; t-- > 0;) sum += KL[t];
  ck_assert_rel(S, eta * eta / B * sum, 1e-10);
  free(KL);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_lr_bound_one_pass)
{
  deq_spectrum *sp = loguniform(80);
  double B[] = { 1, 4, 64 };
  for (size_t i = 0; i < 3; i++) {
    double a, b;
    ck_assert_st(deq_msgd_lr_bound(&a, sp, INFINITY, B[i]), DEQ_OK);
    ck_assert_st(deq_sgd_lr_bound(&b, sp, B[i], 2.0), DEQ_OK);
    ck_assert_rel(a, b, 1e-12);
  }
  /* finite P: S(eta_max) = 1, or eta_max = 2/hi */
  double eta, S;
  ck_assert_st(deq_msgd_lr_bound(&eta, sp, 200, 1), DEQ_OK);
  ck_assert_st(deq_msgd_noise_mass(&S, sp, 200, eta, 1), DEQ_OK);
  ck_assert_rel(S, 1, 1e-10);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ the plan */

START_TEST(test_plan_brute_force)
{
  deq_spectrum *sp = loguniform(60);
  double P = 150, noise = 0.3, B = 2, bound;
  ck_assert_st(deq_msgd_lr_bound(&bound, sp, P, B), DEQ_OK);
  double eta = 0.7 * bound, c = eta * eta / B;
  size_t T = 400;
  double *KL = malloc(6 * T * sizeof *KL), *KR = KL + T, *sig = KR + T;
  double *tr = sig + T, *F = tr + T, *L = F + T;
  ck_assert_st(deq_msgd_kernels(KL, KR, sig, tr, sp, P, eta, T, NULL),
               DEQ_OK);
  for (size_t t = 0; t < T; t++)
    F[t] = sig[t] + noise / P * ((P - sp->dim) + tr[t]);
  for (size_t t = 0; t < T; t++) {          /* O(T^2) by hand */
    double sum = 0;
    for (size_t s = 0; s < t; s++) sum += KL[t - 1 - s] * L[s];
    L[t] = F[t] + c * sum;
  }
  double steps[] = { 0, 1, 17, 399, 200 };
  deq_msgd_point o[5];
  ck_assert_st(deq_msgd_run(o, sp, P, noise, eta, B, steps, 5, NULL),
               DEQ_OK);
  double Tg[5];
  deq_gd_point g[5];
  memcpy(Tg, steps, sizeof Tg);
  ck_assert_st(deq_gd_run(g, sp, P, noise, eta, Tg, 5, NULL), DEQ_OK);
  for (size_t i = 0; i < 5; i++) {
    size_t t = (size_t) steps[i];
    double sum = 0;
    for (size_t s = 0; s < t; s++) sum += KR[t - 1 - s] * L[s];
    ck_assert_rel(o[i].E_tr, L[t], 1e-12);
    ck_assert_rel(o[i].E_tr_gd, F[t], 1e-13);
    ck_assert_rel(o[i].E_g, g[i].E_g + c * sum, 1e-12);
    ck_assert_rel(o[i].E_g_gd, g[i].E_g, 1e-15);
    ck_assert_rel(o[i].E_test, o[i].E_g + noise, 1e-15);
    ck_assert_rel(o[i].epoch, steps[i] * B / P, 1e-15);
  }
  /* t = 0: the signal, and the training error signal + noise */
  ck_assert_rel(o[0].E_g, sp->signal, 1e-12);
  ck_assert_rel(o[0].E_tr, sp->signal + noise, 1e-12);
  /* a plan grown step by step equals one grown at once */
  deq_msgd_plan *plan;
  ck_assert_st(deq_msgd_plan_alloc(&plan, sp, P, noise, eta, B, NULL),
               DEQ_OK);
  for (size_t i = 0; i < 5; i++) {
    deq_msgd_point q;
    ck_assert_st(deq_msgd_plan_eval(&q, plan, steps[i], NULL), DEQ_OK);
    ck_assert_rel(q.E_g, o[i].E_g, 1e-13);
    ck_assert_rel(q.E_tr, o[i].E_tr, 1e-13);
  }
  deq_msgd_plan_free(plan);
  free(KL);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ limits */

START_TEST(test_large_batch_is_gd)
{
  deq_spectrum *sp = loguniform(60);
  /* P > N on the ellipse; P = N and P = N (1 -+ 1e-3) on the lens */
  double Ps[] = { 180, 60, 60 * (1 - 1e-3), 60 * (1 + 1e-3) };
  for (size_t k = 0; k < 4; k++) {
    double P = Ps[k], noise = 0.4, eta;
    ck_assert_st(deq_gd_lr_bound(&eta, sp, P), DEQ_OK);
    eta *= 0.5;
    double T[] = { 5, 50, 500 };
    deq_msgd_point a[3], b[3], huge[3];
    deq_gd_point g[3];
    ck_assert_st(deq_msgd_run(huge, sp, P, noise, eta, 1e15, T, 3, NULL),
                 DEQ_OK);
    ck_assert_st(deq_msgd_run(a, sp, P, noise, eta, 1e5, T, 3, NULL),
                 DEQ_OK);
    ck_assert_st(deq_msgd_run(b, sp, P, noise, eta, 1e6, T, 3, NULL),
                 DEQ_OK);
    ck_assert_st(deq_gd_run(g, sp, P, noise, eta, T, 3, NULL), DEQ_OK);
    for (size_t i = 0; i < 3; i++) {
      ck_assert_rel(huge[i].E_g, huge[i].E_g_gd, 1e-12);
      ck_assert_rel(huge[i].E_g_gd, g[i].E_g, 1e-15);
      ck_assert_rel(huge[i].E_tr, huge[i].E_tr_gd, 1e-12);
      /* the SGD excess is first order in 1/B */
      double da = 1e5 * (a[i].E_g - a[i].E_g_gd);
      double db = 1e6 * (b[i].E_g - b[i].E_g_gd);
      ck_assert(da > 0);
      ck_assert_rel(da, db, 1e-4);
    }
  }
  deq_spectrum_free(sp);
}
END_TEST

/* P across N: P = N (1 -+ 1e-3) bracket P = N (the risks move
   monotonically with P at fixed t) and differ from it by O(1e-3): no
   jump where the lens takes over or at the hard edge itself.  */
START_TEST(test_continuity_at_n)
{
  deq_spectrum *sp = loguniform(60);
  double noise = 0.3, B = 2, eta, N = sp->dim;
  ck_assert_st(deq_msgd_lr_bound(&eta, sp, N, B), DEQ_OK);
  eta *= 0.5;
  double T[] = { 1, 30, 300, 3000 };
  deq_msgd_point lo[4], mid[4], hi[4];
  ck_assert_st(deq_msgd_run(lo, sp, N * (1 - 1e-3), noise, eta, B, T, 4,
                            NULL), DEQ_OK);
  ck_assert_st(deq_msgd_run(mid, sp, N, noise, eta, B, T, 4, NULL), DEQ_OK);
  ck_assert_st(deq_msgd_run(hi, sp, N * (1 + 1e-3), noise, eta, B, T, 4,
                            NULL), DEQ_OK);
  for (size_t i = 0; i < 4; i++) {
    double g[] = { lo[i].E_g, mid[i].E_g, hi[i].E_g };
    double r[] = { lo[i].E_tr, mid[i].E_tr, hi[i].E_tr };
    double *q[] = { g, r };
    for (int k = 0; k < 2; k++) {
      double d0 = q[k][1] - q[k][0], d1 = q[k][2] - q[k][1];
      ck_assert_msg(d0 * d1 > 0, "t %g: %.12g %.12g %.12g not monotone",
                    T[i], q[k][0], q[k][1], q[k][2]);
      ck_assert_msg(fabs(d0) < 1e-2 * q[k][1] && fabs(d1) < 1e-2 * q[k][1],
                    "t %g: jump %.3g %.3g at %.12g", T[i], d0, d1, q[k][1]);
      /* smooth: the second difference is far below the first */
      ck_assert_msg(fabs(d1 - d0) < 0.1 * fabs(d0), "t %g: kink %.3g %.3g",
                    T[i], d0, d1);
    }
  }
  deq_spectrum_free(sp);
}
END_TEST

/* The lower edge over the upper one of the sample spectrum at P.  */
static double edge_ratio(const deq_spectrum *sp, double P)
{
  deq_freeprob_support *sup = NULL;
  ck_assert_st(deq_freeprob_sample_support(&sup, sp, P), DEQ_OK);
  double r = sup->lo[0] / sup->hi[sup->n - 1];
  deq_freeprob_support_free(sup);
  return r;
}

/* The lens and the ellipse on both sides of the switch (lo = 1e-3 hi),
   for P > N and P < N: P* (1 -+ 1e-12) straddle it, so the two contours
   must agree to their quadrature errors plus the risks' own change over
   2e-12 in P (with log-log slopes up to ~20 near N: 4e-11).  */
START_TEST(test_lens_meets_ellipse)
{
  deq_spectrum *sp = loguniform(60);
  double N = sp->dim, noise = 0.3, B = 2;
  double brackets[2][2] = { { N * 1.0001, 4 * N }, { N / 4, N * 0.9999 } };
  double T[] = { 1, 30, 300, 3000 };
  for (int side = 0; side < 2; side++) {
    double a = brackets[side][0], b = brackets[side][1];
    /* the ratio grows away from N on either side */
    int up = side == 0;
    for (int it = 0; it < 60; it++) {
      double m = 0.5 * (a + b);
      if ((edge_ratio(sp, m) < 1e-3) == up) a = m;
      else b = m;
    }
    double Ps = 0.5 * (a + b), eta;
    ck_assert_st(deq_msgd_lr_bound(&eta, sp, Ps, B), DEQ_OK);
    eta *= 0.5;
    deq_msgd_point e[4], l[4];
    double Pe = up ? Ps * (1 + 1e-12) : Ps * (1 - 1e-12);
    double Pl = up ? Ps * (1 - 1e-12) : Ps * (1 + 1e-12);
    ck_assert(edge_ratio(sp, Pe) > 1e-3 && edge_ratio(sp, Pl) < 1e-3);
    ck_assert_st(deq_msgd_run(e, sp, Pe, noise, eta, B, T, 4, NULL), DEQ_OK);
    ck_assert_st(deq_msgd_run(l, sp, Pl, noise, eta, B, T, 4, NULL), DEQ_OK);
    for (size_t i = 0; i < 4; i++) {
      ck_assert_rel(l[i].E_g, e[i].E_g, 1e-10);
      ck_assert_rel(l[i].E_tr, e[i].E_tr, 1e-10);
    }
  }
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_one_pass_limit)
{
  deq_spectrum *sp = loguniform(60);
  double noise = 0.5, B = 4, bound;
  ck_assert_st(deq_msgd_lr_bound(&bound, sp, INFINITY, B), DEQ_OK);
  double eta = 0.5 * bound;
  double T[] = { 0, 10, 100, 1000 };
  deq_msgd_point inf[4], big[4];
  deq_sgd_point m2[4], m3[4];
  deq_sgd_schedule sch;
  deq_sgd_schedule_init(&sch);
  sch.lr = eta;
  sch.batch = B;
  deq_sgd_average avg = { DEQ_AVG_NONE, 0 };
  ck_assert_st(deq_msgd_run(inf, sp, INFINITY, noise, eta, B, T, 4, NULL),
               DEQ_OK);
  ck_assert_st(deq_msgd_run(big, sp, 1e7, noise, eta, B, T, 4, NULL),
               DEQ_OK);
  ck_assert_st(deq_sgd_run(m2, sp, noise, 2.0, &sch, &avg, T, 4, NULL),
               DEQ_OK);
  ck_assert_st(deq_sgd_run(m3, sp, noise, 3.0, &sch, &avg, T, 4, NULL),
               DEQ_OK);
  double smax = 3, gap = 0;
  for (size_t i = 0; i < 4; i++) {
    /* P = inf is the one-pass recursion without the fourth-moment term */
    ck_assert_rel(inf[i].E_g, m2[i].E_g, 1e-12);
    ck_assert_rel(inf[i].E_tr, m2[i].E_g + noise, 1e-12);
    ck_assert_rel(inf[i].epoch, 0, 0);
    /* large finite P approaches it at O(N/P) */
    ck_assert_msg(fabs(big[i].E_g - inf[i].E_g) < 1e-4 * inf[i].E_g,
                  "t %g: P = 1e7 %.10g vs inf %.10g", T[i], big[i].E_g,
                  inf[i].E_g);
    ck_assert_msg(fabs(big[i].E_tr - inf[i].E_tr) < 1e-4 * inf[i].E_tr,
                  "t %g: train", T[i]);
    gap = fmax(gap, fabs(m3[i].E_g - inf[i].E_g) / m3[i].E_g);
  }
  /* deq sgd (Gaussian, m4 = 3) differs by the dropped term's order */
  ck_assert_msg(gap < 2 * eta * smax, "gap %g vs eta s_max %g", gap,
                eta * smax);
  ck_assert(gap > 0);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_bad_input)
{
  deq_spectrum *sp = loguniform(60);
  double T[] = { 10 }, bound;
  deq_msgd_point o;
  deq_error err;
  ck_assert_st(deq_msgd_lr_bound(&bound, sp, 150, 1), DEQ_OK);
  deq_error_clear(&err);
  ck_assert_st(deq_msgd_run(&o, sp, 150, 0.1, 1.01 * bound, 1, T, 1, &err),
               DEQ_EDOM);
  ck_assert(strstr(err.message, "stability bound") != NULL);
  deq_error_clear(&err);
  /* P = N: the stability mass is still checked (the lens) */
  ck_assert_st(deq_msgd_lr_bound(&bound, sp, 60, 1), DEQ_OK);
  deq_error_clear(&err);
  ck_assert_st(deq_msgd_run(&o, sp, 60, 0.1, 1.01 * bound, 1, T, 1, &err),
               DEQ_EDOM);
  ck_assert(strstr(err.message, "stability bound") != NULL);
  ck_assert_st(deq_msgd_run(&o, sp, 60, 0.1, 0.99 * bound, 1, T, 1, &err),
               DEQ_OK);
  ck_assert_st(deq_msgd_run(&o, sp, 150, 0.1, -1, 1, T, 1, NULL), DEQ_EDOM);
  ck_assert_st(deq_msgd_run(&o, sp, 150, -0.1, 0.01, 1, T, 1, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_msgd_run(&o, sp, 150, 0.1, 0.01, 0, T, 1, NULL), DEQ_EDOM);
  double bad[] = { 2.5 };
  ck_assert_st(deq_msgd_run(&o, sp, 150, 0.1, 0.01, 1, bad, 1, NULL),
               DEQ_EDOM);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ Monte Carlo */

/* Theory against a seeded Monte Carlo at (N, P); |z| < 4 for E_g (t >
   0) and E_tr, bitwise the same on 1 and 2 threads.  */
static void check_monte_carlo(size_t N, double P, uint64_t seed)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.2, 2), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 1.0), DEQ_OK);
  double noise = 0.3, B = 2, bound;
  ck_assert_st(deq_msgd_lr_bound(&bound, sp, P, B), DEQ_OK);
  double eta = 0.5 * bound;
  double T[] = { 0, 15, 60, 300 };
  deq_msgd_point o[4];
  ck_assert_st(deq_msgd_run(o, sp, P, noise, eta, B, T, 4, NULL), DEQ_OK);
  deq_mc_estimate g1[4], r1[4], g2[4], r2[4];
  ck_assert_st(deq_mc_msgd_run(g1, r1, sp, P, noise, eta, B, T, 4, 200, seed,
                               1), DEQ_OK);
  ck_assert_st(deq_mc_msgd_run(g2, r2, sp, P, noise, eta, B, T, 4, 200, seed,
                               2), DEQ_OK);
  for (size_t i = 0; i < 4; i++) {
    ck_assert(memcmp(&g1[i], &g2[i], sizeof g1[i]) == 0);
    ck_assert(memcmp(&r1[i], &r2[i], sizeof r1[i]) == 0);
    if (i > 0) {
      double z = (g1[i].mean - o[i].E_g) / g1[i].se;
      ck_assert_msg(fabs(z) < 4, "E_g t = %g: theory %.6g, MC %.6g, z %.2f",
                    T[i], o[i].E_g, g1[i].mean, z);
    }
    double z = (r1[i].mean - o[i].E_tr) / r1[i].se;
    ck_assert_msg(fabs(z) < 4, "E_tr t = %g: theory %.6g, MC %.6g, z %.2f",
                  T[i], o[i].E_tr, r1[i].mean, z);
  }
  deq_spectrum_free(sp);
}

START_TEST(test_monte_carlo)
{
  check_monte_carlo(40, 120, 11);
  check_monte_carlo(60, 60, 11);    /* P = N: the lens */
}
END_TEST

static Suite *msgd_suite(void)
{
  Suite *s = suite_create("msgd");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_isotropic_moments);
  tcase_add_test(tc, test_isotropic_quadrature);
  tcase_add_test(tc, test_noise_mass_is_kernel_mass);
  tcase_add_test(tc, test_lr_bound_one_pass);
  tcase_add_test(tc, test_plan_brute_force);
  tcase_add_test(tc, test_large_batch_is_gd);
  tcase_add_test(tc, test_continuity_at_n);
  tcase_add_test(tc, test_lens_meets_ellipse);
  tcase_add_test(tc, test_one_pass_limit);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_monte_carlo);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(msgd_suite());
}
