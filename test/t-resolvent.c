/* test/t-resolvent.c -- trace functionals of (Sigma + kappa)^-1.
 *
 * Reference values are computed here from the atoms with compensated
 * long-double sums (64-bit mantissa, errors ~1e-19 relative), so a
 * tolerance of 1e-14 leaves ~50 ulp for the library's double sums.  */
#include <config.h>
#include <deq/spectrum.h>
#include <deq/resolvent.h>
#include "testutil.h"

#include <float.h>

/* Absolute comparison for quantities that are exactly zero.  */
#define ck_assert_small(a, tol)                                             \
  ck_assert_msg(fabs(a) <= (tol), "%s = %.17g, want |.| <= %g", #a,       \
                (double)(a), (double)(tol))

/* ------------------------------------------------------------ reference */

typedef struct { long double s, c; } ksum; /* Kahan-Babuska in long double */

static void kadd(ksum *a, long double x)
{
  long double t = a->s + x;
  if (fabsl(a->s) >= fabsl(x))
    a->c += (a->s - t) + x;
  else
    a->c += (x - t) + a->s;
  a->s = t;
}

static long double kval(const ksum *a) { return a->s + a->c; }

struct ref {
  long double df1, df2, cdf1, gap12, df3, t1, bias, dbias;
};

static struct ref ref_moments(const deq_spectrum *sp, double kappa)
{
  ksum d1 = {0, 0}, d2 = {0, 0}, c1 = {0, 0}, g = {0, 0}, d3 = {0, 0};
  ksum t1 = {0, 0}, b = {0, 0}, db = {0, 0};
  long double k = kappa;
  for (size_t i = 0; i < sp->n; i++) {
    long double s = sp->s[i], m = sp->m[i], v = sp->v[i];
    if (s == 0)
      continue;          /* zero atoms add nothing (and v = 0 there) */
    long double q = s + k;
    kadd(&d1, m * s / q);
    kadd(&d2, m * (s / q) * (s / q));
    kadd(&c1, m * k / q);
    kadd(&g, m * s * k / (q * q));
    kadd(&d3, m * s * s / (q * q * q));
    kadd(&t1, v / q);
    kadd(&b, v / (q * q));
    kadd(&db, v * s / (q * q * q));
  }
  struct ref r = { kval(&d1), kval(&d2), kval(&c1), kval(&g), kval(&d3),
                   kval(&t1), k * k * kval(&b), 2 * k * kval(&db) };
  return r;
}

static deq_spectrum *make(size_t n, const double *s, const double *m,
                          const double *v)
{
  deq_spectrum *sp = NULL;
  deq_error err;
  deq_status st = deq_spectrum_from_arrays(&sp, n, s, m, v, &err);
  ck_assert_msg(st == DEQ_OK, "from_arrays: %s", deq_strerror(st));
  return sp;
}

/* Three positive atoms and a zero atom: rank 6, dim 8.  */
static deq_spectrum *three_atoms(void)
{
  static const double s[] = { 3, 1, 0.25, 0 }, m[] = { 1, 2, 3, 2 };
  static const double v[] = { 0.5, 0.2, 0.1, 0 };
  return make(4, s, m, v);
}

static deq_moments moments(const deq_spectrum *sp, double kappa)
{
  deq_moments mo;
  deq_status st = deq_resolvent_moments(&mo, sp, kappa);
  ck_assert_msg(st == DEQ_OK, "moments(%g): %s", kappa, deq_strerror(st));
  return mo;
}

static void check_against_ref(const deq_spectrum *sp, double kappa, double tol)
{
  deq_moments mo = moments(sp, kappa);
  struct ref r = ref_moments(sp, kappa);
  ck_assert(mo.kappa == kappa);
  ck_assert_rel(mo.df1, (double)r.df1, tol);
  ck_assert_rel(mo.df2, (double)r.df2, tol);
  ck_assert_rel(mo.cdf1, (double)r.cdf1, tol);
  ck_assert_rel(mo.gap12, (double)r.gap12, tol);
  ck_assert_rel(mo.df3, (double)r.df3, tol);
  ck_assert_rel(mo.t1, (double)r.t1, tol);
  ck_assert_rel(mo.bias, (double)r.bias, tol);
  ck_assert_rel(mo.dbias, (double)r.dbias, tol);
}

/* ------------------------------------------------------------ moments */

START_TEST(test_moments_three_atoms)
{
  deq_spectrum *sp = three_atoms();
  const double kappas[] = { 1e-3, 0.5, 1, 7, 1e3 };
  for (size_t i = 0; i < 5; i++)
    check_against_ref(sp, kappas[i], 1e-14);
  deq_spectrum_free(sp);
}
END_TEST

/* By hand at kappa = 1: terms are s/(s+1) = 3/4, 1/2, 1/5.  */
START_TEST(test_moments_by_hand)
{
  deq_spectrum *sp = three_atoms();
  deq_moments mo = moments(sp, 1.0);
  ck_assert_rel(mo.df1, 0.75 + 2 * 0.5 + 3 * 0.2, 1e-15);
  ck_assert_rel(mo.df2, 0.5625 + 2 * 0.25 + 3 * 0.04, 1e-15);
  ck_assert_rel(mo.cdf1, 0.25 + 2 * 0.5 + 3 * 0.8, 1e-15);
  ck_assert_rel(mo.gap12, 3.0 / 16 + 2 * 0.25 + 3 * 0.16, 1e-15);
  ck_assert_rel(mo.bias, 0.5 / 16 + 0.2 / 4 + 0.1 / 1.5625, 1e-15);
  deq_spectrum_free(sp);
}
END_TEST

/* A seeded random spectrum of 10^6 atoms: the compensated sums must stay
   at a few ulp; plain recursive summation is off by 1e-14 to 3e-14 here.  */
START_TEST(test_moments_many_atoms)
{
  uint64_t seed = test_seed(20240601), x = seed;
  printf("test_moments_many_atoms: seed %llu\n", (unsigned long long)seed);
  const size_t n = 1000000;
  double *s = malloc(n * sizeof *s), *v = malloc(n * sizeof *v);
  ck_assert(s && v);
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;  /* xorshift64 */
    s[i] = 0.1 + (double)(x >> 11) * 0x1p-53;
    v[i] = s[i] * 1e-6;
  }
  deq_spectrum *sp = make(n, s, NULL, v);
  const double kappas[] = { 1e-3, 0.3, 3 };
  for (size_t i = 0; i < 3; i++)
    check_against_ref(sp, kappas[i], 4e-15);
  deq_spectrum_free(sp);
  free(s);
  free(v);
}
END_TEST

START_TEST(test_df_matches_moments)
{
  deq_spectrum *sp = three_atoms();
  const double kappas[] = { 0, 1e-9, 0.5, 40 };
  for (size_t i = 0; i < 4; i++) {
    double d1, d2;
    ck_assert_st(deq_resolvent_df(&d1, &d2, sp, kappas[i]), DEQ_OK);
    deq_moments mo = moments(sp, kappas[i]);
    ck_assert_rel(d1, mo.df1, 2 * DBL_EPSILON);
    ck_assert_rel(d2, mo.df2, 2 * DBL_EPSILON);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* kappa = 0: the kappa -> 0+ limits.  df1 = df2 = rank, cdf1 = gap12 =
   bias = dbias = 0, df3 = sum m/s, t1 = sum v/s (zero atoms add 0).  */
START_TEST(test_moments_kappa0)
{
  deq_spectrum *sp = three_atoms();
  deq_moments mo = moments(sp, 0.0);
  ck_assert_rel(mo.df1, 6.0, DBL_EPSILON);
  ck_assert_rel(mo.df2, 6.0, DBL_EPSILON);
  ck_assert_small(mo.cdf1, 0);
  ck_assert_small(mo.gap12, 0);
  ck_assert_small(mo.bias, 0);
  ck_assert_small(mo.dbias, 0);
  ck_assert_rel(mo.df3, 1.0 / 3 + 2 + 12, 1e-15);
  ck_assert_rel(mo.t1, 0.5 / 3 + 0.2 + 0.4, 1e-15);
  /* and continuity: kappa = 1e-200 gives the same values */
  deq_moments tiny = moments(sp, 1e-200);
  ck_assert_rel(tiny.df1, mo.df1, DBL_EPSILON);
  ck_assert_rel(tiny.df3, mo.df3, 1e-15);
  ck_assert_rel(tiny.t1, mo.t1, 1e-15);
  deq_spectrum_free(sp);
}
END_TEST

/* Centred differences with relative step h = 1e-5: truncation
   ~h^2 f'''/6 ~ 1e-10 relative, rounding ~eps/h ~ 1e-11, so 1e-8 holds
   with a wide margin and still catches any wrong formula.  */
START_TEST(test_moments_derivatives)
{
  deq_spectrum *sp = three_atoms();
  const double kappas[] = { 0.01, 0.3, 2, 50 };
  for (size_t i = 0; i < 4; i++) {
    double k = kappas[i], h = 1e-5 * k;
    deq_moments c = moments(sp, k), p = moments(sp, k + h), m = moments(sp, k - h);
    double ddf1 = (p.df1 - m.df1) / (2 * h);
    double ddf2 = (p.df2 - m.df2) / (2 * h);
    double dB = (p.bias - m.bias) / (2 * h);
    double dt1 = (p.t1 - m.t1) / (2 * h);
    double dc1 = (p.cdf1 - m.cdf1) / (2 * h);
    ck_assert_rel(ddf1, -(c.df1 - c.df2) / k, 1e-8);
    ck_assert_rel(ddf1, -c.gap12 / k, 1e-8);
    ck_assert_rel(ddf2, -2 * c.df3, 1e-8);
    ck_assert_rel(dB, c.dbias, 1e-8);
    ck_assert_rel(dt1, -c.bias / (k * k), 1e-8);
    ck_assert_rel(dc1, c.gap12 / k, 1e-8);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* kappa = 1e-12 against s ~ 1: cdf1 ~ 1e-12 and gap12 ~ 1e-12 must be
   accurate to 1e-14 relative.  rank - df1 would have an absolute error
   ~rank*eps ~ 1e-15, i.e. ~1e-3 relative.  */
START_TEST(test_cdf1_gap12_tiny_kappa)
{
  const double s[] = { 2, 1, 0.5, 0 }, m[] = { 1, 1, 2, 3 };
  deq_spectrum *sp = make(4, s, m, NULL);
  const double kappas[] = { 1e-12, 1e-16, 1e-300 };
  for (size_t i = 0; i < 3; i++) {
    deq_moments mo = moments(sp, kappas[i]);
    struct ref r = ref_moments(sp, kappas[i]);
    ck_assert_rel(mo.cdf1, (double)r.cdf1, 1e-14);
    ck_assert_rel(mo.gap12, (double)r.gap12, 1e-14);
    /* leading order: kappa * sum m/s over s > 0 = 5.5 kappa */
    ck_assert_rel(mo.cdf1, 5.5 * kappas[i], 1e-11);
  }
  /* kappa >> s: df1 ~ trace/kappa, df1 - df2 ~ df1 */
  deq_moments mo = moments(sp, 1e12);
  struct ref r = ref_moments(sp, 1e12);
  ck_assert_rel(mo.df1, (double)r.df1, 1e-14);
  ck_assert_rel(mo.df2, (double)r.df2, 1e-14);
  ck_assert_rel(mo.gap12, (double)r.gap12, 1e-14);
  ck_assert_rel(mo.cdf1, (double)r.cdf1, 1e-14);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_moments_bad)
{
  deq_spectrum *sp = three_atoms();
  deq_moments mo;
  double a, b;
  ck_assert_st(deq_resolvent_moments(&mo, sp, -1.0), DEQ_EDOM);
  ck_assert_st(deq_resolvent_moments(&mo, sp, -1e-300), DEQ_EDOM);
  ck_assert_st(deq_resolvent_moments(&mo, sp, NAN), DEQ_EDOM);
  ck_assert_st(deq_resolvent_df(&a, &b, sp, -2.0), DEQ_EDOM);
  ck_assert_st(deq_resolvent_df(&a, &b, sp, NAN), DEQ_EDOM);
  ck_assert_st(deq_resolvent_moments(&mo, NULL, 1.0), DEQ_EINVAL);
  ck_assert_st(deq_resolvent_moments(NULL, sp, 1.0), DEQ_EINVAL);
  ck_assert_st(deq_resolvent_df(&a, &b, NULL, 1.0), DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ anchor */

static long double ref_anchor(const deq_spectrum *sp, double k0, double d)
{
  ksum a = {0, 0};
  for (size_t i = 0; i < sp->n; i++) {
    long double s = sp->s[i];
    if (s > 0)
      kadd(&a, sp->m[i] * s / ((s + k0) * (s + (long double)k0 + d)));
  }
  return kval(&a);
}

START_TEST(test_anchor)
{
  deq_spectrum *sp = three_atoms();
  const struct { double k0, d; } cases[] = {
    { 0.7, 0.3 }, { 1, 1e-10 }, { 1e-3, 5 }, { 2, 0 }, { 1e-9, 1e-12 }, { 5, 1e6 }
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double A;
    ck_assert_st(deq_resolvent_anchor(&A, sp, cases[c].k0, cases[c].d), DEQ_OK);
    ck_assert_rel(A, (double)ref_anchor(sp, cases[c].k0, cases[c].d), 1e-14);
  }
  /* d = 0: A = sum m s/(s+k0)^2 = gap12(k0)/k0 */
  double A;
  ck_assert_st(deq_resolvent_anchor(&A, sp, 2.0, 0.0), DEQ_OK);
  deq_moments mo = moments(sp, 2.0);
  ck_assert_rel(A, mo.gap12 / 2.0, 1e-14);
  deq_spectrum_free(sp);
}
END_TEST

/* Eigenvalues, target powers and kappa near the ends of the double range,
   where (s+k0)(s+k) (and for 1e+-300 s+k's reciprocal) is out of range
   although every moment is representable; and one spectrum that spans
   1e400.  The long-double reference has the range to do it directly.  */
START_TEST(test_extreme_scales)
{
  const double scales[] = { 1e150, 1e-150, 1e300, 1e-300, 1e-305, 0x1p1000 };
  const double kappas[] = { 0.01, 0.5, 2, 1e3 };
  static const double s0[] = { 3, 1, 0.25, 0 }, m0[] = { 1, 2, 3, 2 };
  static const double v0[] = { 0.5, 0.2, 0.1, 0 };
  for (size_t c = 0; c < sizeof scales / sizeof scales[0]; c++) {
    double f = scales[c], s[4], v[4];
    for (int i = 0; i < 4; i++) {
      s[i] = s0[i] * f;
      v[i] = v0[i] * f;
    }
    deq_spectrum *sp = make(4, s, m0, v);
    for (size_t j = 0; j < 4; j++) {
      double k = kappas[j] * f;
      if (!isnormal(k) || !isnormal(0.25 * f)) continue;
      check_against_ref(sp, k, 1e-14);
      double A;
      ck_assert_st(deq_resolvent_anchor(&A, sp, 0.5 * k, 0.5 * k), DEQ_OK);
      ck_assert_rel(A, (double)ref_anchor(sp, 0.5 * k, 0.5 * k), 1e-14);
    }
    deq_spectrum_free(sp);
  }
  static const double sw[] = { 1e200, 1, 1e-200 }, vw[] = { 1e190, 1, 1e-210 };
  deq_spectrum *wide = make(3, sw, NULL, vw);
  const double kw[] = { 1e-190, 1, 1e190 };
  for (size_t j = 0; j < 3; j++) {
    check_against_ref(wide, kw[j], 1e-14);
    double A;
    ck_assert_st(deq_resolvent_anchor(&A, wide, 0.5 * kw[j], 0.5 * kw[j]), DEQ_OK);
    ck_assert_rel(A, (double)ref_anchor(wide, 0.5 * kw[j], 0.5 * kw[j]), 1e-14);
  }
  deq_spectrum_free(wide);
}
END_TEST

/* df1(k0) - df1(k0 + d) = d A for moderate d: the difference of two O(1)
   numbers carries an absolute error of a few eps * rank.  */
START_TEST(test_anchor_identity)
{
  deq_spectrum *sp = three_atoms();
  const double k0s[] = { 0.1, 1, 3 }, ds[] = { 0.05, 0.5, 2, 10 };
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 4; j++) {
      double A;
      ck_assert_st(deq_resolvent_anchor(&A, sp, k0s[i], ds[j]), DEQ_OK);
      double diff = moments(sp, k0s[i]).df1 - moments(sp, k0s[i] + ds[j]).df1;
      ck_assert_msg(fabs(diff - ds[j] * A) <= 8 * DBL_EPSILON * 6,
                    "k0 %g d %g: df1 difference %.17g vs d*A %.17g", k0s[i],
                    ds[j], diff, ds[j] * A);
    }
  /* k0 = 0 on a spectrum without zero atoms: A = sum m/(s + d).  The
     header leaves k0 = 0 open; an implementation may refuse it (EDOM),
     but a value it returns must be right.  */
  const double s[] = { 3, 1, 0.25 }, m[] = { 1, 2, 3 };
  deq_spectrum *pos = make(3, s, m, NULL);
  double A;
  deq_status st = deq_resolvent_anchor(&A, pos, 0.0, 0.5);
  ck_assert(st == DEQ_OK || st == DEQ_EDOM);
  if (st == DEQ_OK)
    ck_assert_rel(A, 1 / 3.5 + 2 / 1.5 + 3 / 0.75, 1e-15);
  deq_spectrum_free(pos);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ inverse df1 */

/* Round trip with an independent df1: near the rank the check is on
   cdf1 = rank - df1 (computed here from kappa without cancellation).  */
static void check_inverse(const deq_spectrum *sp, double d, double *kprev)
{
  double kappa = -1;
  deq_status st = deq_resolvent_inverse_df1(&kappa, sp, d);
  ck_assert_msg(st == DEQ_OK, "inverse_df1(%.17g): %s", d, deq_strerror(st));
  ck_assert_msg(kappa > 0 && isfinite(kappa), "d %.17g: kappa %g", d, kappa);
  struct ref r = ref_moments(sp, kappa);
  ck_assert_msg(test_reldiff((double)r.df1, d, 0) <= 1e-13,
                "d %.17g: df1(kappa = %.17g) = %.17Lg", d, kappa, r.df1);
  double gap = sp->rank - d;   /* exact when d > rank/2 (Sterbenz) */
  if (d > sp->rank / 2)
    ck_assert_msg(test_reldiff((double)r.cdf1, gap, 0) <= 1e-12,
                  "d = rank - %.17g: cdf1(kappa = %.17g) = %.17Lg", gap,
                  kappa, r.cdf1);
  if (kprev) {
    ck_assert_msg(kappa < *kprev, "kappa(d) not decreasing at d = %.17g", d);
    *kprev = kappa;
  }
}

START_TEST(test_inverse_df1_three_atoms)
{
  deq_spectrum *sp = three_atoms();
  const double ds[] = { 1e-12, 1e-6, 0.01, 0.5, 1, 2.5, 3, 5, 5.999,
                        6 - 1e-6, 6 - 1e-9, 6 - 1e-12 };
  double kprev = INFINITY;
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++)
    check_inverse(sp, ds[i], &kprev);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_inverse_df1_loguniform)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, 400, 0.1, 10), DEQ_OK);
  double kprev = INFINITY;
  for (double d = 1e-8; d < 1; d *= 10)
    check_inverse(sp, d, &kprev);
  for (int i = 1; i < 400; i += 7)
    check_inverse(sp, (double)i, &kprev);
  check_inverse(sp, 399.5, &kprev);
  check_inverse(sp, 400 - 1e-6, &kprev);
  check_inverse(sp, 400 - 1e-10, &kprev);
  /* symmetry s -> 1/s: df1(1) = 200 exactly, so kappa(200) = 1 */
  double kappa;
  ck_assert_st(deq_resolvent_inverse_df1(&kappa, sp, 200), DEQ_OK);
  ck_assert_rel(kappa, 1.0, 1e-14);
  deq_spectrum_free(sp);
}
END_TEST

/* Isotropic, N = 10: df1 = N/(1 + kappa), so kappa = (N - d)/d.  */
START_TEST(test_inverse_df1_iso)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, 10, 1.0), DEQ_OK);
  const double ds[] = { 1e-10, 0.3, 5, 9.5, 10 - 1e-6, 10 - 1e-11 };
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
    double kappa;
    ck_assert_st(deq_resolvent_inverse_df1(&kappa, sp, ds[i]), DEQ_OK);
    ck_assert_rel(kappa, (10 - ds[i]) / ds[i], 1e-13);
  }
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_inverse_df1_bad)
{
  deq_spectrum *sp = three_atoms();
  double kappa;
  ck_assert_st(deq_resolvent_inverse_df1(&kappa, sp, 6.0), DEQ_EDOM);
  ck_assert_st(deq_resolvent_inverse_df1(&kappa, sp, 6.5), DEQ_EDOM);
  ck_assert_st(deq_resolvent_inverse_df1(&kappa, sp, INFINITY), DEQ_EDOM);
  ck_assert_st(deq_resolvent_inverse_df1(&kappa, sp, 0.0), DEQ_EDOM);
  ck_assert_st(deq_resolvent_inverse_df1(&kappa, sp, -1.0), DEQ_EDOM);
  ck_assert_st(deq_resolvent_inverse_df1(&kappa, sp, NAN), DEQ_EDOM);
  ck_assert_st(deq_resolvent_inverse_df1(&kappa, NULL, 1.0), DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *resolvent_suite(void)
{
  Suite *s = suite_create("resolvent");
  TCase *tc = tcase_create("moments");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_moments_three_atoms);
  tcase_add_test(tc, test_moments_by_hand);
  tcase_add_test(tc, test_moments_many_atoms);
  tcase_add_test(tc, test_df_matches_moments);
  tcase_add_test(tc, test_moments_kappa0);
  tcase_add_test(tc, test_moments_derivatives);
  tcase_add_test(tc, test_cdf1_gap12_tiny_kappa);
  tcase_add_test(tc, test_moments_bad);
  suite_add_tcase(s, tc);

  tc = tcase_create("anchor");
  tcase_add_test(tc, test_anchor);
  tcase_add_test(tc, test_anchor_identity);
  tcase_add_test(tc, test_extreme_scales);
  suite_add_tcase(s, tc);

  tc = tcase_create("inverse");
  tcase_add_test(tc, test_inverse_df1_three_atoms);
  tcase_add_test(tc, test_inverse_df1_loguniform);
  tcase_add_test(tc, test_inverse_df1_iso);
  tcase_add_test(tc, test_inverse_df1_bad);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep output of failing forks */
  return test_run(resolvent_suite());
}
