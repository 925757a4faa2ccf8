/* test/t-features.c -- random-feature and deep-feature deterministic
 * equivalents (ridge_family.md 2.2-2.4).
 *
 * Expected values come from (a) reductions and closed forms: M -> infinity
 * is ridge (deq_ridge_solve, an independent code path); the ridgeless
 * isotropic projection risk ||wbar||^2 (1 - n/N) + sigma^2 n/(P - n) over
 * (1 - n/P) for a width bottleneck n; Sigma_l = a I equals the identity
 * chain at lambda/a; (b) numbers quoted in the spec sheets (E_diag,
 * E_cross of section 4a; the N <-> P table of scaling_dynamics.md 1.4);
 * (c) a reference solver written here in long double that parametrises by
 * the shared df (outer bisection on df, inner bisections for every inverse
 * df, the spec's literal section 2.4 formulas with kappa_Omega'), against
 * which the library must agree to 1e-12; (d) a 200-bit MPFR solver of the
 * one-layer fixed point (section 2.2, bisection on kappa).  */
#include <config.h>
#include <deq/spectrum.h>
#include <deq/spectrum_rule.h>
#include <deq/resolvent.h>
#include <deq/ridge.h>
#include <deq/features.h>
#include <deq/mp.h>
#include "testutil.h"

static const double REL = 1e-12;

static double ref_tol(void)
{
  return getenv("DEQ_VALGRIND") ? 1e-8 : REL;
}

/* ------------------------------------------------------------ spectra */

/* Spec log-uniform spectrum on [0.1, 10], wbar_i^2 = s_i^(-1/2)/N.  */
static deq_spectrum *loguniform(size_t N)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.1, 10), DEQ_OK);
  for (size_t i = 0; i < N; i++) sp->v[i] = sqrt(sp->s[i]) / (double)N;
  ck_assert_st(deq_spectrum_update(sp, NULL), DEQ_OK);
  return sp;
}

static deq_spectrum *iso(double N, double norm2)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, N, 1.0), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, norm2), DEQ_OK);
  return sp;
}

static deq_spectrum *arrays(size_t n, const double *s, const double *m,
                            const double *v)
{
  deq_spectrum *sp = NULL;
  deq_error err;
  ck_assert_st(deq_spectrum_from_arrays(&sp, n, s, m, v, &err), DEQ_OK);
  return sp;
}

static deq_rf_point rf(const deq_spectrum *sp, const deq_rf_chain *ch,
                       double P, double lambda, double noise)
{
  deq_rf_point pt;
  deq_status st = deq_rf_solve(&pt, sp, ch, P, lambda, noise, NULL);
  ck_assert_msg(st == DEQ_OK, "rf(P=%g, lambda=%g): %s", P, lambda,
                deq_strerror(st));
  return pt;
}

/* ------------------------------------------------------------ reference */

typedef long double ld;

typedef struct lsum { ld df1, df2, t1, tp; } lsum; /* tp = sum v/(s+k)^2 */

static lsum lsums(const deq_spectrum *sp, ld k, ld scale)
{
  lsum r = {0, 0, 0, 0};
  for (size_t i = 0; i < sp->n; i++) {
    ld s = sp->s[i], m = sp->m[i] * scale, q = s + k;
    if (s == 0) continue;
    r.df1 += m * s / q;
    r.df2 += m * (s / q) * (s / q);
    r.t1 += sp->v[i] / q;
    r.tp += sp->v[i] / (q * q);
  }
  return r;
}

/* k with df1(k) = d (multiplicities times scale), geometric bisection.  */
static ld linv(const deq_spectrum *sp, ld d, ld scale)
{
  ld tr = 0;
  for (size_t i = 0; i < sp->n; i++) tr += (ld)sp->m[i] * scale * sp->s[i];
  ld hi = 2 * tr / d, lo = hi * 1e-40L;
  for (int it = 0; it < 200; it++) {
    ld mid = sqrtl(lo * hi);
    if (lsums(sp, mid, scale).df1 > d) lo = mid; else hi = mid;
  }
  return sqrtl(lo * hi);
}

typedef struct lchain {
  size_t L;
  const double *w;
  const deq_spectrum *const *layer;
} lchain;

/* lambda(df) and, on request, kappa_Omega, kappa_f and d log kappa_f/d df. */
static ld lambda_of_df(const deq_spectrum *om, const lchain *ch, ld P, ld df,
                       ld *kO, ld *kf, ld *dlkf)
{
  ld k = linv(om, df, 1);
  lsum s = lsums(om, k, 1);
  ld NL = ch->w[ch->L - 1];
  ld f = k * (1 - df / NL), dl = -1 / (s.df1 - s.df2) - 1 / (NL - df);
  for (size_t l = 2; l <= ch->L; l++) {
    ld n = ch->w[l - 2];
    const deq_spectrum *ls = ch->layer ? ch->layer[l - 2] : NULL;
    if (!ls) {
      f *= 1 - df / n;
      dl += -1 / (n - df);
      continue;
    }
    ld scale = n / ls->dim; /* df of Sigma_l normalised to dimension n */
    ld fl = linv(ls, df, scale);
    lsum q = lsums(ls, fl, scale);
    f *= fl * df / n;
    dl += -1 / (q.df1 - q.df2) + 1 / df;
  }
  if (kO) *kO = k;
  if (kf) *kf = f;
  if (dlkf) *dlkf = dl;
  return f * (1 - df / P);
}

typedef struct lref { ld kappa, kappa_f, df, E_g, E_cross, E_tr, gamma; } lref;

static lref reference(const deq_spectrum *om, const lchain *ch, double P,
                      double lambda, double noise)
{
  ld dmax = P;
  for (size_t l = 0; l < ch->L; l++) dmax = fminl(dmax, ch->w[l]);
  ld rank = 0;
  for (size_t i = 0; i < om->n; i++) if (om->s[i] > 0) rank += om->m[i];
  dmax = fminl(dmax, rank);
  ld lo = 0, hi = dmax;
  for (int it = 0; it < 120; it++) {
    ld mid = (lo + hi) / 2;
    if (lambda_of_df(om, ch, P, mid, NULL, NULL, NULL) > lambda) lo = mid;
    else hi = mid;
  }
  lref r;
  ld df = (lo + hi) / 2, kO, kf, dlkf;
  lambda_of_df(om, ch, P, df, &kO, &kf, &dlkf);
  lsum s = lsums(om, kO, 1);
  /* spec 2.4, literally */
  ld dlkO = -1 / (df - s.df2);
  ld kOp = (kO / kf) * dlkO / dlkf;
  ld tau = s.t1, taup = -s.tp;
  ld E_pop = (kO - kf * kOp) * tau - kf * kO * kOp * taup;
  ld df2A = df - (kf * kOp / kO) * (df - s.df2);
  ld g = df2A / P, s2 = noise;
  ld gc = s.df2 / P, B = kO * kO * s.tp;
  r.kappa = kO;
  r.kappa_f = kf;
  r.df = df;
  r.gamma = g;
  r.E_g = (E_pop + s2 * g) / (1 - g);
  r.E_cross = (B + s2 * gc) / (1 - gc);
  r.E_tr = (1 - df / P) * (1 - df / P) * (r.E_g + s2);
  return r;
}

static void check_reference(const deq_spectrum *om, const double *w,
                            size_t L, const deq_spectrum *const *layer,
                            double P, double lambda, double noise)
{
  deq_rf_chain ch = {L, w, layer};
  lchain lc = {L, w, layer};
  deq_rf_point pt = rf(om, &ch, P, lambda, noise);
  lref r = reference(om, &lc, P, lambda, noise);
  double tol = ref_tol();
  ck_assert_rel(pt.kappa, (double)r.kappa, tol);
  ck_assert_rel(pt.kappa_f, (double)r.kappa_f, tol);
  ck_assert_rel(pt.df, (double)r.df, tol);
  ck_assert_rel(pt.gamma, (double)r.gamma, tol);
  ck_assert_rel(pt.E_g, (double)r.E_g, tol);
  ck_assert_rel(pt.E_cross, (double)r.E_cross, tol);
  ck_assert_rel(pt.E_tr, (double)r.E_tr, tol);
}

/* ------------------------------------------------------------ tests */

/* M -> infinity: one layer reduces to ridge, in every regime.  */
START_TEST(test_ridge_limit)
{
  deq_spectrum *lu = loguniform(400);
  double Ps[] = {100, 200, 399, 400, 401, 800};
  double lams[] = {0, 1e-14, 1e-6, 0.02, 1, 100};
  for (size_t i = 0; i < 6; i++)
    for (size_t j = 0; j < 6; j++) {
      if (Ps[i] == 400 && lams[j] == 0) continue; /* the peak */
      deq_ridge_point r;
      ck_assert_st(deq_ridge_solve(&r, lu, Ps[i], lams[j], 0.25, NULL), DEQ_OK);
      deq_rf_point inf, big;
      ck_assert_st(deq_rf_solve1(&inf, lu, INFINITY, Ps[i], lams[j], 0.25,
                                 NULL), DEQ_OK);
      ck_assert_st(deq_rf_solve1(&big, lu, 1e15, Ps[i], lams[j], 0.25, NULL),
                   DEQ_OK);
      ck_assert_rel(inf.kappa, r.kappa, 1e-13);
      ck_assert_rel(inf.E_g, r.E_g, 1e-13);
      ck_assert_rel(inf.E_tr, r.E_tr, 1e-12);
      ck_assert_rel(inf.gamma, r.gamma, 1e-13);
      ck_assert_rel(inf.E_cross, r.E_g, 1e-13);
      ck_assert_rel(inf.bias, r.bias, 1e-13);
      ck_assert_rel(inf.var_noise, r.variance, 1e-13);
      ck_assert(fabs(inf.var_features) <= 1e-13 * r.E_g);
      /* M = 1e15: corrections are O(df/M) ~ 1e-13 */
      ck_assert_rel(big.E_g, r.E_g, 1e-10);
      ck_assert_rel(big.kappa, r.kappa, 1e-10);
    }
  deq_spectrum_free(lu);
}
END_TEST

/* The spec's section 4a theory values (N = 400 log-uniform, P = 200,
   M = 100, lambda = 0.02, sigma^2 = 0.25), quoted to 6 decimals.  */
START_TEST(test_spec_values)
{
  deq_spectrum *lu = loguniform(400);
  deq_rf_point p;
  ck_assert_st(deq_rf_solve1(&p, lu, 100, 200, 0.02, 0.25, NULL), DEQ_OK);
  ck_assert(fabs(p.E_g - 1.746161) < 6e-7);
  ck_assert(fabs(p.E_cross - 0.735252) < 6e-7);
  ck_assert_rel(p.bias + p.var_noise + p.var_features, p.E_g, 1e-14);
  deq_spectrum_free(lu);
}
END_TEST

/* scaling_dynamics.md 1.4: noiseless ridgeless RF, alpha = 1.5, r = 0.4,
   20000 modes: (L(N=100, P=x) - L(100, inf)) x and (L(N=x, P=100) -
   L(inf, 100)) x are identical columns 3.22619, 2.93290, 2.90648.  */
START_TEST(test_np_symmetry)
{
  deq_powerlaw pl;
  deq_powerlaw_init(&pl);
  pl.alpha = 1.5;
  pl.r = 0.4;
  pl.n = 20000;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &pl), DEQ_OK);
  deq_rf_point a0, b0, a, b;
  ck_assert_st(deq_rf_solve1(&a0, sp, 100, 1e300, 0, 0, NULL), DEQ_OK);
  ck_assert_st(deq_rf_solve1(&b0, sp, INFINITY, 100, 0, 0, NULL), DEQ_OK);
  double want[] = {3.22619, 2.93290, 2.90648}, x = 1e3;
  for (int i = 0; i < 3; i++, x *= 10) {
    ck_assert_st(deq_rf_solve1(&a, sp, 100, x, 0, 0, NULL), DEQ_OK);
    ck_assert_st(deq_rf_solve1(&b, sp, x, 100, 0, 0, NULL), DEQ_OK);
    double ca = (a.E_g - a0.E_g) * x, cb = (b.E_g - b0.E_g) * x;
    ck_assert_rel(ca, cb, 1e-9);
    ck_assert_msg(fabs(ca - want[i]) < 6e-6, "x=%g: %.8f vs %.5f", x, ca,
                  want[i]);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* Width bottleneck n < P, N, lambda = 0, Omega = I_N: the readout fits
   the projection on a random n-dimensional subspace; E_g =
   [|wbar|^2 (1 - n/N) + sigma^2 n/P]/(1 - n/P), one layer or deep.  */
START_TEST(test_iso_bottleneck)
{
  double N = 300, P = 500, norm2 = 1.7, s2 = 0.3;
  deq_spectrum *sp = iso(N, norm2);
  double cases[][3] = {{100, 0, 0}, {250, 120, 0}, {120, 250, 400}};
  size_t Ls[] = {1, 2, 3};
  for (int c = 0; c < 3; c++) {
    deq_rf_chain ch = {Ls[c], cases[c], NULL};
    deq_rf_point p = rf(sp, &ch, P, 0, s2);
    double n = c == 0 ? 100 : 120;
    double want = (norm2 * (1 - n / N) + s2 * n / P) / (1 - n / P);
    ck_assert_rel(p.E_g, want, 1e-13);
    ck_assert_rel(p.df, n, 1e-15);
    ck_assert_rel(p.gamma, n / P, 1e-13);
    ck_assert_rel(p.kappa, N / n - 1, 1e-13);
    ck_assert(p.rho == 0);
    ck_assert_int_eq(p.bottleneck, c == 1 ? 2 : 1);
    /* lambda = 1e-14 agrees with the limit to O(lambda) */
    deq_rf_point q = rf(sp, &ch, P, 1e-14, s2);
    ck_assert_rel(q.E_g, want, 1e-11);
    ck_assert(q.kappa > p.kappa);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* Sigma_l = a I multiplies G by sqrt(a) per layer: with two such layers
   Phi'Phi scales by a^2, w_eff = G v is unchanged, and the risk at lambda
   equals the identity chain's at lambda/a^2.  */
START_TEST(test_scaled_layer)
{
  deq_spectrum *lu = loguniform(200);
  double a = 2.5, s[] = {2.5}, m[] = {7};
  deq_spectrum *aI = arrays(1, s, m, NULL);
  const deq_spectrum *layers[] = {aI, aI};
  double w[] = {150, 80, 120};
  deq_rf_chain ch = {3, w, layers}, id = {3, w, NULL};
  double lams[] = {1e-3, 0.05, 2};
  for (int j = 0; j < 3; j++) {
    deq_rf_point p = rf(lu, &ch, 100, lams[j], 0.1);
    deq_rf_point q = rf(lu, &id, 100, lams[j] / (a * a), 0.1);
    ck_assert_rel(p.E_g, q.E_g, 1e-13);
    ck_assert_rel(p.df, q.df, 1e-13);
  }
  deq_spectrum_free(aI);
  deq_spectrum_free(lu);
}
END_TEST

/* Agreement with the long-double df-parametrised reference.  */
START_TEST(test_reference_one_layer)
{
  deq_spectrum *lu = loguniform(200);
  double Ms[] = {50, 150, 400}, Ps[] = {60, 100, 300};
  double lams[] = {1e-4, 0.02, 1.5};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 3; k++)
        check_reference(lu, &Ms[i], 1, NULL, Ps[j], lams[k], 0.25);
  deq_spectrum_free(lu);
}
END_TEST

START_TEST(test_reference_deep)
{
  deq_spectrum *lu = loguniform(150);
  double s2[] = {0.5, 3.0}, m2[] = {1, 1};
  double s3[] = {0.2, 1, 4}, m3[] = {1, 2, 1};
  deq_spectrum *two = arrays(2, s2, m2, NULL), *three = arrays(3, s3, m3, NULL);
  const deq_spectrum *layers[] = {two, three};
  double w[] = {120, 90, 200};
  double lams[] = {1e-5, 0.02, 0.7};
  for (int k = 0; k < 3; k++) {
    check_reference(lu, w, 2, NULL, 100, lams[k], 0.2);
    check_reference(lu, w, 2, layers, 100, lams[k], 0.2);
    check_reference(lu, w, 3, layers, 80, lams[k], 0.2);
  }
  deq_spectrum_free(two);
  deq_spectrum_free(three);
  deq_spectrum_free(lu);
}
END_TEST

/* rho against a finite difference of log kappa in log kappa_f (the
   implicit-function formula is not reused): along lambda, kappa_f =
   lambda/(1 - df/P).  */
START_TEST(test_rho_finite_difference)
{
  deq_spectrum *lu = loguniform(200);
  double s2[] = {0.5, 3.0}, m2[] = {1, 1};
  deq_spectrum *two = arrays(2, s2, m2, NULL);
  const deq_spectrum *layers[] = {two};
  double w[] = {150, 90};
  deq_rf_chain ch = {2, w, layers};
  double lam = 0.03, h = 1e-5;
  deq_rf_point p = rf(lu, &ch, 120, lam, 0), a = rf(lu, &ch, 120, lam * (1 + h), 0),
               b = rf(lu, &ch, 120, lam * (1 - h), 0);
  double fd = (log(a.kappa) - log(b.kappa)) / (log(a.kappa_f) - log(b.kappa_f));
  ck_assert_rel(p.rho, fd, 1e-8);
  ck_assert_rel(p.kappa_f, lam / (1 - p.df / 120), 1e-13);
  deq_spectrum_free(two);
  deq_spectrum_free(lu);
}
END_TEST

/* Properties on a grid: 0 <= rho <= 1, Var_F >= 0, gamma < 1, df <
   d_max, kappa increasing in lambda, E_tr = (1 - df/P)^2 E_test, gcv =
   E_test; and small M: rho -> 0, E_pop -> kappa t(kappa).  */
START_TEST(test_properties)
{
  deq_spectrum *lu = loguniform(200);
  double Ms[] = {10, 60, 190, 250, 1000}, Ps[] = {30, 100, 199, 400};
  double lams[] = {1e-8, 1e-3, 0.05, 1, 20};
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 4; j++) {
      double prev = 0;
      for (int k = 0; k < 5; k++) {
        deq_rf_point p;
        ck_assert_st(deq_rf_solve1(&p, lu, Ms[i], Ps[j], lams[k], 0.1, NULL),
                     DEQ_OK);
        ck_assert(p.rho >= 0 && p.rho <= 1);
        ck_assert_msg(p.var_features >= -1e-14 * p.E_g, "Var_F %g",
                      p.var_features);
        ck_assert(p.gamma < 1 && p.one_minus_gamma > 0);
        ck_assert(p.df < p.df_max);
        ck_assert(p.kappa > prev);
        prev = p.kappa;
        if (p.df < 0.99 * Ps[j]) /* else the check itself cancels */
          ck_assert_rel(p.E_tr, pow(1 - p.df / Ps[j], 2) * p.E_test, 1e-12);
        ck_assert_rel(p.gcv, p.E_g + 0.1, 1e-15);
        ck_assert_rel(p.one_minus_gamma, 1 - p.gamma, 1e-12);
      }
    }
  /* small M */
  double last = INFINITY;
  for (double M = 1e-2; M >= 1e-8; M /= 100) {
    deq_rf_point p;
    ck_assert_st(deq_rf_solve1(&p, lu, M, 100, 0.01, 0, NULL), DEQ_OK);
    double gap = fabs(p.E_pop / (p.kappa * p.t1) - 1);
    ck_assert_msg(gap <= last, "M=%g: gap %g, rho %g", M, gap, p.rho);
    last = gap;
  }
  ck_assert(last < 1e-6);
  deq_spectrum_free(lu);
}
END_TEST

/* Ridgeless limits for each bottleneck, and lambda = 1e-14 next to them. */
START_TEST(test_ridgeless_bottlenecks)
{
  deq_spectrum *lu = loguniform(200);
  struct { size_t L; double w[3]; double P; int b; } c[] = {
    {1, {100}, 300, 1},           /* width */
    {1, {300}, 150, DEQ_RF_BOTTLENECK_SAMPLES},
    {1, {300}, 400, DEQ_RF_BOTTLENECK_RANK},
    {2, {80, 150}, 300, 1},       /* intermediate width */
    {3, {250, 90, 150}, 300, 2},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    deq_rf_chain ch = {c[i].L, c[i].w, NULL};
    deq_rf_point z = rf(lu, &ch, c[i].P, 0, 0.2);
    deq_rf_point t = rf(lu, &ch, c[i].P, 1e-14, 0.2);
    ck_assert_int_eq(z.bottleneck, c[i].b);
    ck_assert_rel(z.df, z.df_max, 0);
    ck_assert_rel(t.E_g, z.E_g, 1e-11);
    ck_assert(fabs(t.E_tr - z.E_tr) <= 1e-11 * t.E_test); /* O(lambda^2) */
    ck_assert(t.df < z.df);
    if (c[i].b == DEQ_RF_BOTTLENECK_RANK) {
      ck_assert(z.kappa == 0);
      /* rank 200 < P: noise only, ridge OLS */
      ck_assert_rel(z.E_g, 0.2 * 200 / (400 - 200.0), 1e-13);
    } else {
      ck_assert(z.kappa > 0 && t.kappa > z.kappa);
      ck_assert((t.kappa - z.kappa) / z.kappa < 1e-11);
    }
  }
  /* the interpolation peak: width = P, lambda = 0 */
  deq_rf_point p;
  ck_assert_st(deq_rf_solve1(&p, lu, 100, 100, 0, 0.1, NULL), DEQ_EDIVERGE);
  ck_assert(isinf(p.E_g));
  ck_assert_int_eq(p.status, DEQ_EDIVERGE);
  /* the reference at lambda = 1e-6 next to a deep bottleneck */
  double w[] = {150, 90};
  check_reference(lu, w, 2, NULL, 120, 1e-6, 0.2);
  deq_spectrum_free(lu);
}
END_TEST

/* Grid with warm starts equals cold solves; few passes per point.  */
START_TEST(test_grid)
{
  deq_spectrum *lu = loguniform(300);
  double w[] = {200, 120};
  deq_rf_chain ch = {2, w, NULL};
  enum { NP = 40, NL = 3 };
  double P[NP], lam[NL] = {0.1, 0, 1e-4};
  for (int i = 0; i < NP; i++) P[i] = 10 * pow(100, i / (NP - 1.0));
  deq_rf_point *g = calloc(NP * NL, sizeof *g);
  deq_status st = deq_rf_grid(g, lu, &ch, P, NP, lam, NL, 0.1);
  ck_assert(st == DEQ_OK || st == DEQ_EDIVERGE);
  long passes = 0;
  for (int i = 0; i < NP; i++)
    for (int j = 0; j < NL; j++) {
      deq_rf_point c;
      deq_status sc = deq_rf_solve(&c, lu, &ch, P[i], lam[j], 0.1, NULL);
      ck_assert_int_eq(sc, g[i * NL + j].status);
      if (sc == DEQ_OK) ck_assert_rel(g[i * NL + j].E_g, c.E_g, 1e-12);
      passes += g[i * NL + j].iterations;
    }
  ck_assert_msg(passes <= 8L * NP * NL, "passes %ld", passes);
  free(g);
  deq_spectrum_free(lu);
}
END_TEST

START_TEST(test_bad_input)
{
  deq_spectrum *lu = loguniform(50);
  deq_rf_point p;
  double bad[] = {0, -3, NAN};
  for (int i = 0; i < 3; i++) {
    ck_assert_st(deq_rf_solve1(&p, lu, bad[i], 10, 0.1, 0, NULL), DEQ_EDOM);
    double w[] = {20, bad[i]};
    deq_rf_chain ch = {2, w, NULL};
    ck_assert_st(deq_rf_solve(&p, lu, &ch, 10, 0.1, 0, NULL), DEQ_EDOM);
    ck_assert_st(deq_rf_chain_check(&ch), DEQ_EDOM);
  }
  double s[] = {1, 0}, m[] = {1, 1};
  deq_spectrum *z = arrays(2, s, m, NULL);
  const deq_spectrum *layers[] = {z};
  double w[] = {20, 30};
  deq_rf_chain ch = {2, w, layers};
  ck_assert_st(deq_rf_solve(&p, lu, &ch, 10, 0.1, 0, NULL), DEQ_EDOM);
  deq_rf_chain empty = {0, w, NULL};
  ck_assert_st(deq_rf_solve(&p, lu, &empty, 10, 0.1, 0, NULL), DEQ_EINVAL);
  ck_assert_st(deq_rf_solve(&p, lu, NULL, 10, 0.1, 0, NULL), DEQ_EINVAL);
  ck_assert_st(deq_rf_solve1(&p, lu, 10, 0, 0.1, 0, NULL), DEQ_EDOM);
  ck_assert_st(deq_rf_solve1(&p, lu, 10, 10, -1, 0, NULL), DEQ_EDOM);
  ck_assert_st(deq_rf_solve1(&p, lu, 10, 10, 0.1, -1, NULL), DEQ_EDOM);
  ck_assert_st(deq_rf_solve1(NULL, lu, 10, 10, 0.1, 0, NULL), DEQ_EINVAL);
  ck_assert_st(deq_rf_solve1(&p, NULL, 10, 10, 0.1, 0, NULL), DEQ_EINVAL);
  deq_spectrum_free(z);
  deq_spectrum_free(lu);
}
END_TEST

/* ------------------------------------------------------------ MPFR reference
 * One layer of M isotropic features (ridge_family.md 2.2, features.h) at
 * 200 bits: deq_mp_rf1 (lib/mp.c), geometric bisection on kappa for
 * lambda(kappa) = kappa (1 - df/P)(1 - df/M), then the header's risk
 * formulas.  */
#define MR_PREC 200

/* |a - b| relative to max(|a|, |b|, floor); records the maximum.  */
static void mr_cmp(const char *what, double lib, double ref, double floor,
                   double tol, double *maxrel, const char *where)
{
  double d = test_reldiff(lib, ref, floor);
  if (d > *maxrel) *maxrel = d;
  ck_assert_msg(d <= tol, "%s %s: lib %.17g vs mpfr %.17g: rel %.3g > %.3g",
                where, what, lib, ref, d, tol);
}

/* deq_rf_solve1 and deq_rf_solve (1-layer chain) against the 200-bit
   reference: N = 100, every ordering of M, P, N (M < P < N, M < N < P,
   P < N < M, N < M < P and the bottleneck cases they imply), lambda in
   {1e-8, 1e-3, 1}, log-uniform and power-law spectra, noise 0.25.  */
START_TEST(test_mpfr_one_layer)
{
  deq_spectrum *sp[2] = {loguniform(100), test_sp_powerlaw(100)};
  const char *name[2] = {"loguniform", "powerlaw"};
  double Ms[] = {40, 250}, Ps[] = {60, 300}, lams[] = {1e-8, 1e-3, 1};
  double noise = 0.25, tol = ref_tol(), maxrel = 0, epop = 0;
  for (int a = 0; a < 2; a++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        for (int l = 0; l < 3; l++) {
          double M = Ms[i], P = Ps[j], lam = lams[l];
          deq_rf_point r;
          ck_assert_st(deq_mp_rf1(&r, sp[a], M, P, lam, noise, MR_PREC), DEQ_OK);
          deq_rf_point p, q;
          ck_assert_st(deq_rf_solve1(&p, sp[a], M, P, lam, noise, NULL),
                       DEQ_OK);
          deq_rf_chain ch = {1, &M, NULL};
          ck_assert_st(deq_rf_solve(&q, sp[a], &ch, P, lam, noise, NULL),
                       DEQ_OK);
          char where[96];
          snprintf(where, sizeof where, "%s M=%g P=%g lambda=%g", name[a], M,
                   P, lam);
          for (int b = 0; b < 2; b++) {
            const deq_rf_point *x = b ? &q : &p;
            mr_cmp("kappa", x->kappa, r.kappa, 0, tol, &maxrel, where);
            mr_cmp("kappa_f", x->kappa_f, r.kappa_f, 0, tol, &maxrel, where);
            mr_cmp("df", x->df, r.df, 0, tol, &maxrel, where);
            mr_cmp("df2", x->df2, r.df2, 0, tol, &maxrel, where);
            mr_cmp("rho", x->rho, r.rho, 0, tol, &maxrel, where);
            mr_cmp("gamma", x->gamma, r.gamma, 0, tol, &maxrel, where);
            mr_cmp("1-gamma", x->one_minus_gamma, r.one_minus_gamma, 0, tol,
                   &maxrel, where);
            mr_cmp("gamma_c", x->gamma_c, r.gamma_c, 0, tol, &maxrel, where);
            mr_cmp("t1", x->t1, r.t1, 0, tol, &maxrel, where);
            mr_cmp("B", x->B, r.B, 0, tol, &maxrel, where);
            /* E_pop is O(kappa^2) when rho -> 1 (N < M, P, tiny lambda):
               1 - rho must be formed without cancellation.  */
            mr_cmp("E_pop", x->E_pop, r.E_pop, 0, tol, &maxrel, where);
            epop = fmax(epop, test_reldiff(x->E_pop, r.E_pop, 0));
            mr_cmp("E_g", x->E_g, r.E_g, 0, tol, &maxrel, where);
            mr_cmp("E_cross", x->E_cross, r.E_cross, 0, tol, &maxrel, where);
            mr_cmp("bias", x->bias, r.bias, 0, tol, &maxrel, where);
            mr_cmp("var_noise", x->var_noise, r.var_noise, 0, tol, &maxrel,
                   where);
            /* a difference of two risks: relative to E_g */
            mr_cmp("var_features", x->var_features, r.var_features, r.E_g,
                   tol, &maxrel, where);
            mr_cmp("E_test", x->E_test, r.E_g + noise, 0, tol, &maxrel, where);
            mr_cmp("E_tr", x->E_tr, r.E_tr, 0, tol, &maxrel, where);
          }
        }
  printf("features vs MPFR (200 bits): max rel diff %.3g "
         "(E_pop on its own scale: %.3g)\n", maxrel, epop);
  deq_spectrum_free(sp[0]);
  deq_spectrum_free(sp[1]);
}
END_TEST

/* M = INFINITY is ridge: every shared field equal to deq_ridge_solve's,
   across the interpolation peak (lambda = 0, P = N), never NaN.  */
START_TEST(test_infinite_width_is_ridge)
{
  static const double lambdas[] = { 0, 1e-14, 1e-8, 1 };
  static const double noises[] = { 0, 0.25 };
  enum { N = 60 };
  const double Ps[] = { N / 2, N - 1, N, N + 1, 2 * N };
  deq_spectrum *lu = loguniform(N);
  for (size_t a = 0; a < sizeof Ps / sizeof *Ps; a++)
    for (size_t j = 0; j < sizeof lambdas / sizeof *lambdas; j++)
      for (size_t n = 0; n < 2; n++) {
        double l = lambdas[j], s2 = noises[n];
        deq_ridge_point r;
        deq_rf_point p;
        deq_status sr = deq_ridge_solve(&r, lu, Ps[a], l, s2, NULL);
        deq_status sp = deq_rf_solve1(&p, lu, INFINITY, Ps[a], l, s2, NULL);
        ck_assert_int_eq(sp, sr);
        const double f[] = { p.kappa, p.kappa0, p.kappa_f, p.df, p.df_max,
                             p.df2, p.rho, p.df2_A, p.gamma,
                             p.one_minus_gamma, p.gamma_c, p.t1, p.B,
                             p.E_pop, p.bias, p.var_noise, p.var_features,
                             p.E_g, p.E_cross, p.E_test, p.E_tr, p.gcv,
                             p.residual };
        for (size_t k = 0; k < sizeof f / sizeof *f; k++)
          ck_assert_msg(!isnan(f[k]), "field %zu NaN at P %g lambda %g", k,
                        Ps[a], l);
        ck_assert(p.kappa == r.kappa && p.kappa0 == r.kappa0);
        ck_assert(p.df == r.df1 && p.df2 == r.df2);
        ck_assert(p.gamma == r.gamma && p.gamma_c == r.gamma);
        ck_assert(p.one_minus_gamma == r.one_minus_gamma);
        ck_assert(p.bias == r.bias && p.var_noise == r.variance);
        ck_assert(p.var_features == 0 && p.rho == 1);
        ck_assert(p.E_g == r.E_g && p.E_cross == r.E_g);
        ck_assert(p.E_test == r.E_test && p.E_tr == r.E_tr);
        ck_assert(p.gcv == r.gcv && p.status == r.status);
      }
  deq_spectrum_free(lu);
}
END_TEST

/* At the peak of a finite width (P = rank Omega < M, lambda = 0) E_g and
   E_cross diverge but their difference var_features tends to
   sigma^2 P/(4 (M - P)) (features.c, peak_var_features); lambda -> 0+
   approaches it at rate O(sqrt(lambda)).  */
START_TEST(test_peak_var_features)
{
  deq_spectrum *lu = loguniform(100);
  double s2 = 0.2, M = 300, P = 100, want = s2 * P / (4 * (M - P));
  deq_rf_point z, e;
  ck_assert_st(deq_rf_solve1(&z, lu, M, P, 0, s2, NULL), DEQ_EDIVERGE);
  ck_assert(isinf(z.E_g) && isinf(z.E_cross));
  ck_assert_rel(z.var_features, want, 1e-14);
  ck_assert_st(deq_rf_solve1(&e, lu, M, P, 1e-14, s2, NULL), DEQ_OK);
  ck_assert_rel(e.var_features, want, 1e-4);
  ck_assert_st(deq_rf_solve1(&z, lu, M, P, 0, 0, NULL), DEQ_EDIVERGE);
  ck_assert(z.var_features == 0 && z.E_g == 0);
  deq_spectrum_free(lu);
}
END_TEST

/* var_features small against E_g (rho -> 1: the rank of Omega far below
   the widths, sigma^2 > 0).  The library forms it as a sum of
   non-negative terms (features.c, var_features); the old E_g - E_cross
   lost its digits: measured against 256-bit MPFR (deq_mp_rf1, which
   subtracts at 256 bits) the old relative errors were 2.1e-8 (power law
   n = 1000), 9.4e-3 (iso n = 1000) and 5.2e-2 (log-uniform n = 100,
   M = 3000, P = 2000); the new ones are below 1e-14.  */
START_TEST(test_var_features_small)
{
  deq_spectrum *sp[3] = {test_sp_powerlaw(1000), iso(1000, 1.0), loguniform(100)};
  const double M[3] = {1e5, 1e5, 3000}, P[3] = {1e6, 1e6, 2000};
  double worst = 0, worst_old = 0;
  for (int a = 0; a < 3; a++) {
    deq_rf_point p, r;
    ck_assert_st(deq_rf_solve1(&p, sp[a], M[a], P[a], 1e-8, 0.1, NULL),
                 DEQ_OK);
    ck_assert_st(deq_mp_rf1(&r, sp[a], M[a], P[a], 1e-8, 0.1, 256), DEQ_OK);
    ck_assert(r.var_features < 1e-6 * r.E_g); /* the ill-conditioned case */
    ck_assert(r.var_features > 0);
    ck_assert_rel(p.var_features, r.var_features, 1e-13);
    worst = fmax(worst, test_reldiff(p.var_features, r.var_features, 0));
    worst_old = fmax(worst_old, test_reldiff(p.E_g - p.E_cross,
                                             r.var_features, 0));
    ck_assert_rel(p.bias + p.var_noise + p.var_features, p.E_g, 1e-15);
  }
  /* kappa >> s (M = 10 features of an isotropic 1000-atom Omega: kappa
     = 99): 2B > kappa t, so W is summed in its own pass (this point
     covers that branch; kappa t - B would lose only 2 digits here) */
  deq_rf_point pw, rw;
  ck_assert_st(deq_rf_solve1(&pw, sp[1], 10, 1e6, 1e-8, 0.1, NULL), DEQ_OK);
  ck_assert_st(deq_mp_rf1(&rw, sp[1], 10, 1e6, 1e-8, 0.1, 256), DEQ_OK);
  ck_assert(2 * pw.B > pw.kappa * pw.t1);
  ck_assert_rel(pw.var_features, rw.var_features, 1e-13);
  /* The chain code path (layer factors, D) with an infinitely wide first
     layer is the one-layer model: the same MPFR value.  */
  double w[2] = {INFINITY, M[0]};
  deq_rf_chain ch = {2, w, NULL};
  deq_rf_point q = rf(sp[0], &ch, P[0], 1e-8, 0.1), r0;
  ck_assert_st(deq_mp_rf1(&r0, sp[0], M[0], P[0], 1e-8, 0.1, 256), DEQ_OK);
  ck_assert_rel(q.var_features, r0.var_features, 1e-13);
  /* compressed (Gauss rule) against exact sums, power law n = 30000: the
     old differences were 1.8e-12 and 9.1e-13 off MPFR there and 8.5e-13
     apart; the new values agree to 2e-16 */
  deq_spectrum *big = test_sp_powerlaw(30000), *ex = NULL;
  ck_assert(deq_spectrum_rule_get(big) != NULL);
  ck_assert_st(deq_spectrum_copy(&ex, big), DEQ_OK);
  ck_assert_st(deq_spectrum_set_exact_sums(ex, 1), DEQ_OK);
  deq_rf_point c1, c2;
  ck_assert_st(deq_rf_solve1(&c1, big, 1e5, 1e6, 1e-8, 0.1, NULL), DEQ_OK);
  ck_assert_st(deq_rf_solve1(&c2, ex, 1e5, 1e6, 1e-8, 0.1, NULL), DEQ_OK);
  ck_assert_rel(c1.var_features, c2.var_features, 1e-13);
  deq_spectrum_free(big);
  deq_spectrum_free(ex);
  printf("var_features small: new vs MPFR %.3g (old E_g - E_cross %.3g)\n",
         worst, worst_old);
  for (int a = 0; a < 3; a++) deq_spectrum_free(sp[a]);
}
END_TEST

static Suite *features_suite(void)
{
  Suite *s = suite_create("features");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_ridge_limit);
  tcase_add_test(tc, test_infinite_width_is_ridge);
  tcase_add_test(tc, test_peak_var_features);
  tcase_add_test(tc, test_var_features_small);
  tcase_add_test(tc, test_spec_values);
  tcase_add_test(tc, test_np_symmetry);
  tcase_add_test(tc, test_iso_bottleneck);
  tcase_add_test(tc, test_scaled_layer);
  tcase_add_test(tc, test_reference_one_layer);
  tcase_add_test(tc, test_reference_deep);
  tcase_add_test(tc, test_rho_finite_difference);
  tcase_add_test(tc, test_properties);
  tcase_add_test(tc, test_ridgeless_bottlenecks);
  tcase_add_test(tc, test_grid);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_mpfr_one_layer);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(features_suite());
}
