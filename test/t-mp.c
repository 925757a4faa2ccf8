/* t-mp.c -- tests of the MPFR reference module (deq/mp.h).
 *
 * Expected values come from exact rational sums, the isotropic
 * (Marchenko-Pastur) closed forms evaluated in long double, symmetries of
 * the log-uniform spectrum, finite differences and precision changes.
 * The last cases cross-check the double-precision solver deq_ridge_solve
 * against deq_mp_ridge at 200 bits.  */
#include <float.h>
#include "deq.h"
#include "testutil.h"

#define PREC 200

/* ------------------------------------------------------------ helpers */

static deq_spectrum *make_iso(double n, double w2)
{
  deq_spectrum *sp = NULL;
  ck_assert_int_eq(deq_spectrum_iso(&sp, n, 1.0), DEQ_OK);
  ck_assert_int_eq(deq_spectrum_target_iso(sp, w2), DEQ_OK);
  return sp;
}

/* Log-uniform on [0.1, 10] with w_i^2 = s_i^(-1/2)/N, i.e. v_i = s_i^(1/2)/N
   (the spec sheet's test spectrum).  */
static deq_spectrum *make_loguniform(size_t n)
{
  deq_spectrum *sp = NULL;
  ck_assert_int_eq(deq_spectrum_loguniform(&sp, n, 0.1, 10.0), DEQ_OK);
  double *v = malloc(n * sizeof *v);
  ck_assert_ptr_nonnull(v);
  for (size_t i = 0; i < n; i++) v[i] = sqrt(sp->s[i]) / (double)n;
  ck_assert_int_eq(deq_spectrum_target_values(sp, n, v, NULL), DEQ_OK);
  free(v);
  return sp;
}

static deq_spectrum *make_powerlaw(double n)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1.5;
  p.n = n;
  p.r = 0.4;
  deq_spectrum *sp = NULL;
  ck_assert_int_eq(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  return sp;
}

static deq_spectrum *make_arrays(size_t n, const double *s, const double *m,
                                 const double *v)
{
  deq_spectrum *sp = NULL;
  ck_assert_int_eq(deq_spectrum_from_arrays(&sp, n, s, m, v, NULL), DEQ_OK);
  return sp;
}

static deq_ridge_point mp_point(const deq_spectrum *sp, double P, double lam,
                                double noise, long prec, deq_status want)
{
  deq_ridge_point pt;
  deq_status st = deq_mp_ridge(&pt, sp, P, lam, noise, prec);
  ck_assert_msg(st == want, "P=%g lambda=%g prec=%ld: status %d (%s), want %d",
                P, lam, prec, (int)st, deq_strerror(st), (int)want);
  ck_assert_int_eq(pt.status, st);
  return pt;
}

/* ------------------------------------------------------------ exact rationals */

/* Dyadic rationals as reduced fractions of 128-bit integers; overflow fails
   the test rather than wrapping.  */
typedef struct frac {
  __int128 n, d; /* d > 0 */
} frac;

static __int128 gcd128(__int128 a, __int128 b)
{
  if (a < 0) a = -a;
  while (b) {
    __int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static frac fr_reduce(__int128 n, __int128 d)
{
  __int128 g = gcd128(n, d);
  if (g == 0) g = 1;
  return (frac){n / g, d / g};
}

static __int128 mul128(__int128 a, __int128 b)
{
  __int128 r;
  ck_assert_msg(!__builtin_mul_overflow(a, b, &r), "fraction overflow");
  return r;
}

static frac fr_d(double x)
{
  double scaled = ldexp(x, 30);
  ck_assert_msg(scaled == floor(scaled) && fabs(scaled) < 0x1p62,
                "%g is not a short dyadic", x);
  return fr_reduce((__int128)scaled, (__int128)1 << 30);
}

static frac fr_add(frac a, frac b)
{
  __int128 n;
  ck_assert(!__builtin_add_overflow(mul128(a.n, b.d), mul128(b.n, a.d), &n));
  return fr_reduce(n, mul128(a.d, b.d));
}

static frac fr_mul(frac a, frac b)
{
  frac x = fr_reduce(a.n, b.d), y = fr_reduce(b.n, a.d);
  return fr_reduce(mul128(x.n, y.n), mul128(x.d, y.d));
}

static frac fr_div(frac a, frac b)
{
  ck_assert(b.n != 0);
  frac inv = b.n > 0 ? (frac){b.d, b.n} : (frac){-b.d, -b.n};
  return fr_mul(a, inv);
}

/* Correctly rounded: IEEE division of two exactly representable integers.  */
static double fr_get(frac a)
{
  ck_assert(a.n > -((__int128)1 << 53) && a.n < ((__int128)1 << 53));
  ck_assert(a.d < ((__int128)1 << 53));
  return (double)a.n / (double)a.d;
}

/* A hand-made spectrum with a zero eigenvalue and non-integer
   multiplicities.  */
static const double hs[] = {2, 1, 0.5, 0, 3, 0.25};
static const double hm[] = {1, 2, 1.5, 4, 0.25, 3};
static const double hv[] = {0.5, 1, 0.25, 0, 0.75, 0.125};
#define HN (sizeof hs / sizeof hs[0])

static void exact_df(double *df1, double *df2, double *b, double kappa)
{
  frac f1 = {0, 1}, f2 = {0, 1}, fb = {0, 1}, k = fr_d(kappa);
  for (size_t i = 0; i < HN; i++) {
    if (hs[i] == 0) continue;
    frac s = fr_d(hs[i]), sk = fr_add(s, k);
    frac q = fr_div(s, sk), t = fr_mul(fr_d(hm[i]), q);
    f1 = fr_add(f1, t);
    f2 = fr_add(f2, fr_mul(t, q));
    fb = fr_add(fb, fr_div(fr_d(hv[i]), fr_mul(sk, sk)));
  }
  *df1 = fr_get(f1);
  *df2 = fr_get(f2);
  *b = fr_get(fr_mul(fr_mul(k, k), fb));
}

/* At 200 bits the result is within 2^-190 of the rational, which is far
   from any rounding boundary of a double: the doubles must be equal.  */
START_TEST(test_df_exact_rational)
{
  static const double kap[] = {0.0625, 0.125, 0.5, 1, 3, 7.5};
  deq_spectrum *sp = make_arrays(HN, hs, hm, hv);
  for (size_t j = 0; j < sizeof kap / sizeof kap[0]; j++) {
    double e1, e2, eb, d1, d2, b;
    exact_df(&e1, &e2, &eb, kap[j]);
    ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, kap[j], PREC), DEQ_OK);
    ck_assert_msg(d1 == e1, "kappa %g: df1 %.17g vs %.17g", kap[j], d1, e1);
    ck_assert_msg(d2 == e2, "kappa %g: df2 %.17g vs %.17g", kap[j], d2, e2);
    ck_assert_msg(b == eb, "kappa %g: B %.17g vs %.17g", kap[j], b, eb);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* kappa = 0: df1 = df2 = rank (zero eigenvalues excluded), B = 0.  */
START_TEST(test_df_at_zero)
{
  deq_spectrum *sp = make_arrays(HN, hs, hm, hv);
  double d1, d2, b, rank = 0;
  for (size_t i = 0; i < HN; i++)
    if (hs[i] > 0) rank += hm[i];
  ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, 0.0, PREC), DEQ_OK);
  ck_assert_double_eq(d1, rank);
  ck_assert_double_eq(d2, rank);
  ck_assert_double_eq(b, 0.0);
  ck_assert_int_eq(deq_mp_df(&d1, &d2, NULL, sp, 0.5, PREC), DEQ_OK);
  deq_spectrum_free(sp);
}
END_TEST

/* Isotropic: df1 = N/(1+k), df2 = N/(1+k)^2, B = k^2 |w|^2/(1+k)^2.  The
   200-bit value is correctly rounded; the reference takes <= 5 roundings
   (in long double, or in double under valgrind, which has no 80-bit
   arithmetic): 1e-15 allows 4 ulps.  */
START_TEST(test_df_iso)
{
  deq_spectrum *sp = make_iso(300, 2.5);
  static const double kap[] = {1e-12, 0.3, 1, 7.25, 1e9};
  for (size_t j = 0; j < sizeof kap / sizeof kap[0]; j++) {
    long double k = kap[j], d = 1 + k;
    double d1, d2, b;
    ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, kap[j], PREC), DEQ_OK);
    ck_assert_rel(d1, (double)(300 / d), 1e-15);
    ck_assert_rel(d2, (double)(300 / (d * d)), 1e-15);
    ck_assert_rel(b, (double)(k * k * 2.5L / (d * d)), 1e-15);
  }
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_df_bad_input)
{
  deq_spectrum *sp = make_arrays(HN, hs, hm, hv);
  double d1, d2, b;
  ck_assert_int_eq(deq_mp_df(NULL, &d2, &b, sp, 1, PREC), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_df(&d1, NULL, &b, sp, 1, PREC), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, NULL, 1, PREC), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, 1, 52), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, -1e-300, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, NAN, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, INFINITY, PREC), DEQ_EDOM);
  ck_assert(isnan(d1) && isnan(d2) && isnan(b));
  sp->s[1] = -1; /* corrupted after construction */
  ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, 1, PREC), DEQ_EDOM);
  sp->s[1] = 1;
  sp->v[3] = 1; /* target power on a zero eigenvalue */
  ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, 1, PREC), DEQ_EDOM);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ isotropic ridge */

typedef struct iso_ref {
  long double kappa, df1, df2, gamma, omg, bias, var, Eg, Etest, Etr;
} iso_ref;

/* Sigma = I (N atoms at 1), q = N/P:  kappa^2 + (1 - q - lambda) kappa -
   lambda = 0 (the positive root, in cancellation-free form, with 1 - q =
   (P - N)/P), df1 = N/(1+k), gamma = q/(1+k)^2, 1 - gamma = ((1-q) +
   k(2+k))/(1+k)^2,
   B = k^2 |w|^2/(1+k)^2, lambda/kappa = 1 - df1/P = (1 - q + k)/(1+k).  */
static iso_ref iso_closed(long double N, long double P, long double lam,
                          long double w2, long double sig2)
{
  iso_ref r;
  long double q = N / P, a = lam + (N - P) / P, disc = sqrtl(a * a + 4 * lam);
  long double k = a >= 0 ? (a + disc) / 2 : 2 * lam / (disc - a);
  long double d = 1 + k;
  r.kappa = k;
  r.df1 = N / d;
  r.df2 = N / (d * d);
  r.gamma = q / (d * d);
  r.omg = ((P - N) / P + k * (2 + k)) / (d * d);
  r.bias = k * k * w2 / (d * d) / r.omg;
  r.var = sig2 * r.gamma / r.omg;
  r.Eg = r.bias + r.var;
  r.Etest = r.Eg + sig2;
  long double c1 = lam > 0 ? lam / k : ((P - N) / P + k) / d;
  r.Etr = c1 * c1 * r.Etest;
  return r;
}

/* Tolerance 1e-14: the 200-bit value is correctly rounded (<= 1.1e-16) and
   the long double closed form has error <= 1e-19 times a condition number
   below 1e3 here (the complement forms avoid the P = N cancellation).  */
START_TEST(test_ridge_iso_closed_form)
{
  static const double Ps[] = {50, 99, 100, 101, 137.5, 200};
  static const double lams[] = {0, 1e-14, 1e-6, 0.01, 1, 100};
  const double N = 100, w2 = 1.7, sig2 = 0.3;
  deq_spectrum *sp = make_iso(N, w2);
  for (size_t i = 0; i < sizeof Ps / sizeof Ps[0]; i++)
    for (size_t j = 0; j < sizeof lams / sizeof lams[0]; j++) {
      double P = Ps[i], lam = lams[j];
      if (P == N && lam == 0) continue; /* the peak: test_ridge_iso_peak */
      iso_ref r = iso_closed(N, P, lam, w2, sig2);
      deq_ridge_point pt = mp_point(sp, P, lam, sig2, PREC, DEQ_OK);
      const double tol = 1e-14;
      ck_assert_msg(test_reldiff(pt.kappa, (double)r.kappa, 0) <= tol,
                    "P=%g lam=%g kappa %.17g vs %.17Lg", P, lam, pt.kappa,
                    r.kappa);
      ck_assert_rel(pt.df1, (double)r.df1, tol);
      ck_assert_rel(pt.df2, (double)r.df2, tol);
      ck_assert_rel(pt.gamma, (double)r.gamma, tol);
      ck_assert_rel(pt.one_minus_gamma, (double)r.omg, tol);
      ck_assert_rel(pt.dkappa_dlambda, (double)(1 / r.omg), tol);
      ck_assert_rel(pt.bias, (double)r.bias, tol);
      ck_assert_rel(pt.variance, (double)r.var, tol);
      ck_assert_msg(test_reldiff(pt.E_g, (double)r.Eg, 0) <= tol,
                    "P=%g lam=%g E_g %.17g vs %.17Lg", P, lam, pt.E_g, r.Eg);
      ck_assert_rel(pt.E_test, (double)r.Etest, tol);
      ck_assert_rel(pt.gcv, (double)r.Etest, tol);
      ck_assert_rel(pt.E_tr, (double)r.Etr, tol);
      ck_assert(pt.residual <= 1e-30);
      ck_assert_double_eq(pt.P, P);
      ck_assert_double_eq(pt.lambda, lam);
      ck_assert_double_eq(pt.noise, sig2);
      ck_assert_int_gt(pt.iterations, 0);
    }
  deq_spectrum_free(sp);
}
END_TEST

/* Ridgeless isotropic (Hastie et al.): q > 1: kappa0 = q - 1, gamma0 = 1/q,
   E_g = |w|^2 (1 - 1/q) + sigma^2/(q - 1); q < 1: kappa = 0, gamma = q,
   E_g = sigma^2 N/(P - N), bias 0.  */
START_TEST(test_ridge_iso_ridgeless)
{
  const double w2 = 1.3, sig2 = 0.45;
  static const double NP[][2] = {{200, 100}, {400, 100}, {300, 200},
                                 {100, 200}, {100, 101}, {100, 400}};
  for (size_t i = 0; i < sizeof NP / sizeof NP[0]; i++) {
    double N = NP[i][0], P = NP[i][1], q = N / P;
    deq_spectrum *sp = make_iso(N, w2);
    deq_ridge_point pt = mp_point(sp, P, 0.0, sig2, PREC, DEQ_OK);
    if (q > 1) {
      ck_assert_rel(pt.kappa, q - 1, 4e-16);
      ck_assert_rel(pt.gamma, 1 / q, 4e-16);
      ck_assert_rel(pt.E_g, w2 * (1 - 1 / q) + sig2 / (q - 1), 1e-15);
      ck_assert_double_eq(pt.E_tr, 0.0);
    } else {
      ck_assert_double_eq(pt.kappa, 0.0);
      ck_assert_rel(pt.gamma, q, 4e-16);
      ck_assert_double_eq(pt.bias, 0.0);
      ck_assert_rel(pt.E_g, sig2 * N / (P - N), 1e-15);
      double c1 = (P - N) / P;
      ck_assert_rel(pt.E_tr, c1 * c1 * (pt.E_g + sig2), 1e-15);
    }
    ck_assert_rel(pt.E_test, pt.E_g + sig2, 4e-16);
    deq_spectrum_free(sp);
  }
}
END_TEST

/* lambda = 0 at P = rank: DEQ_EDIVERGE, kappa = 0, gamma = 1, E_g = +Inf
   with noise.  */
START_TEST(test_ridge_iso_peak)
{
  deq_spectrum *sp = make_iso(100, 1.0);
  deq_ridge_point pt = mp_point(sp, 100, 0.0, 0.25, PREC, DEQ_EDIVERGE);
  ck_assert_double_eq(pt.kappa, 0.0);
  ck_assert_double_eq(pt.gamma, 1.0);
  ck_assert_double_eq(pt.one_minus_gamma, 0.0);
  ck_assert(isinf(pt.dkappa_dlambda) && pt.dkappa_dlambda > 0);
  ck_assert(isinf(pt.E_g) && pt.E_g > 0);
  ck_assert(isinf(pt.E_test) && pt.E_test > 0);
  ck_assert(isinf(pt.variance) && pt.variance > 0);
  pt = mp_point(sp, 100, 0.0, 0.0, PREC, DEQ_EDIVERGE);
  ck_assert(isinf(pt.dkappa_dlambda));
  ck_assert(!isnan(pt.E_g));
  deq_spectrum_free(sp);
  /* rank, not N, decides: 100 positive eigenvalues plus zeros.  */
  const double s[] = {1, 0}, m[] = {100, 50};
  sp = make_arrays(2, s, m, NULL);
  pt = mp_point(sp, 100, 0.0, 1.0, PREC, DEQ_EDIVERGE);
  ck_assert(isinf(pt.E_g));
  deq_spectrum_free(sp);
}
END_TEST

/* Near the peak kappa ~ sqrt(lambda) and E_g ~ sigma^2/(2 sqrt(lambda)): huge
   but finite and still given to full accuracy (checked in the closed form
   test); here only its growth: E_g(lambda/100) / E_g(lambda) -> 10.  */
START_TEST(test_ridge_iso_peak_scaling)
{
  deq_spectrum *sp = make_iso(100, 1.0);
  deq_ridge_point a = mp_point(sp, 100, 1e-20, 1.0, PREC, DEQ_OK);
  deq_ridge_point b = mp_point(sp, 100, 1e-22, 1.0, PREC, DEQ_OK);
  ck_assert_rel(b.E_g / a.E_g, 10.0, 1e-9);
  ck_assert_rel(a.kappa, 1e-10, 1e-9);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ general spectra */

/* The log-uniform spectrum is symmetric under s -> 1/s, so df1(1) = N/2:
   kappa0 = 1 at P = N/2.  The constructed doubles are symmetric up to one
   rounding each, which moves kappa0 by ~1e-16.  */
START_TEST(test_ridge_loguniform_kappa0)
{
  deq_spectrum *sp = make_loguniform(200);
  deq_ridge_point pt = mp_point(sp, 100, 0.0, 0.25, PREC, DEQ_OK);
  ck_assert_rel(pt.kappa, 1.0, 1e-14);
  ck_assert_rel(pt.df1, 100.0, 1e-14);
  ck_assert_double_eq(pt.E_tr, 0.0);
  deq_spectrum_free(sp);
}
END_TEST

/* At a solution, lambda = kappa (1 - df1(kappa)/P) with df1 from
   deq_mp_df at the returned (rounded) kappa; P - df1 >= P/20 at these
   points, so the rounding of df1 costs at most ~20 ulps.  */
START_TEST(test_ridge_fixed_point_identity)
{
  deq_spectrum *sp = make_loguniform(200);
  static const double Ps[] = {50, 100, 199, 201, 400};
  static const double lams[] = {0.05, 0.5, 3};
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 3; j++) {
      double P = Ps[i], lam = lams[j], d1, d2, b;
      deq_ridge_point pt = mp_point(sp, P, lam, 0.25, PREC, DEQ_OK);
      ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, pt.kappa, PREC), DEQ_OK);
      ck_assert_rel(pt.kappa * (1 - d1 / P), lam, 1e-13);
      ck_assert_rel(pt.df1, d1, 1e-15);
      ck_assert_rel(pt.df2, d2, 1e-15);
      ck_assert_rel(pt.bias, b / (1 - d2 / P), 1e-13);
      ck_assert(pt.kappa >= lam);
      ck_assert(pt.df2 <= pt.df1 && pt.df1 <= fmin(P, 200));
      ck_assert_rel(pt.E_tr, pow(lam / pt.kappa, 2) * pt.E_test, 1e-14);
      ck_assert_rel(pt.gamma + pt.one_minus_gamma, 1.0, 1e-15);
    }
  deq_spectrum_free(sp);
}
END_TEST

/* dkappa/dlambda = 1/(1 - gamma) against a central difference with
   h = 1e-5 lambda: truncation ~h^2 ~ 1e-12, rounding ~1e-16/1e-5.  */
START_TEST(test_ridge_dkappa_dlambda)
{
  deq_spectrum *sp = make_loguniform(200);
  static const double cases[][2] = {{100, 0.1}, {150, 0.01}, {300, 0.01},
                                    {200, 0.001}};
  for (size_t i = 0; i < 4; i++) {
    double P = cases[i][0], lam = cases[i][1], h = 1e-5 * lam;
    deq_ridge_point c = mp_point(sp, P, lam, 0, PREC, DEQ_OK);
    deq_ridge_point u = mp_point(sp, P, lam + h, 0, PREC, DEQ_OK);
    deq_ridge_point d = mp_point(sp, P, lam - h, 0, PREC, DEQ_OK);
    ck_assert_rel((u.kappa - d.kappa) / (2 * h), c.dkappa_dlambda, 1e-8);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* kappa increases with lambda and decreases with P.  */
START_TEST(test_ridge_monotone)
{
  deq_spectrum *sp = make_loguniform(100);
  static const double Ps[] = {20, 50, 99, 100, 101, 150, 400};
  static const double lams[] = {0, 1e-12, 1e-6, 1e-2, 1, 10};
  double prevP[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
  for (size_t i = 0; i < 7; i++) {
    double prevk = -1;
    for (size_t j = 0; j < 6; j++) {
      if (Ps[i] == 100 && lams[j] == 0) { prevP[j] = NAN; continue; }
      deq_ridge_point pt = mp_point(sp, Ps[i], lams[j], 0.1, 64, DEQ_OK);
      ck_assert(pt.kappa > prevk);
      if (!isnan(prevP[j]))   /* strictly, except kappa = 0 beyond the rank */
        ck_assert(pt.kappa < prevP[j] || (pt.kappa == 0 && prevP[j] == 0));
      ck_assert(pt.one_minus_gamma > 0 && pt.one_minus_gamma <= 1);
      ck_assert(pt.E_tr <= pt.E_test);
      prevk = pt.kappa;
      prevP[j] = pt.kappa;
    }
  }
  deq_spectrum_free(sp);
}
END_TEST

/* Zero eigenvalues add nothing to df (but do not count in the rank), and
   splitting an atom's multiplicity changes nothing.  */
START_TEST(test_ridge_zero_atoms_and_split)
{
  const double s1[] = {3, 1, 0.25}, m1[] = {2.5, 4, 3.5}, v1[] = {1, 0.5, 0.25};
  const double s2[] = {3, 0, 1, 0.25, 3, 0}, m2[] = {1.25, 7, 4, 3.5, 1.25, 0.5},
               v2[] = {0.5, 0, 0.5, 0.25, 0.5, 0};
  deq_spectrum *a = make_arrays(3, s1, m1, v1), *b = make_arrays(6, s2, m2, v2);
  static const double Ps[] = {5, 9.5, 10, 10.5, 30};
  static const double lams[] = {0, 1e-10, 0.3};
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 3; j++) {
      deq_status want = (Ps[i] == 10 && lams[j] == 0) ? DEQ_EDIVERGE : DEQ_OK;
      deq_ridge_point x = mp_point(a, Ps[i], lams[j], 0.2, PREC, want);
      deq_ridge_point y = mp_point(b, Ps[i], lams[j], 0.2, PREC, want);
      if (want != DEQ_OK) continue;
      ck_assert_rel(x.kappa, y.kappa, 1e-15);
      ck_assert_rel(x.df1, y.df1, 1e-15);
      ck_assert_rel(x.df2, y.df2, 1e-15);
      ck_assert_rel(x.E_g, y.E_g, 1e-15);
      ck_assert_rel(x.E_tr, y.E_tr, 1e-15);
    }
  deq_spectrum_free(a);
  deq_spectrum_free(b);
}
END_TEST

/* 53 bits against 256 bits.  The solve is cancellation-free, so 53 bits
   loses only the summation error, <= n u ~ 2e-14 relative for n = 200,
   amplified at most ~10x by 1/(1 - gamma): 1e-12 leaves a margin.  */
START_TEST(test_ridge_prec_consistency)
{
  deq_spectrum *sp = make_loguniform(200);
  static const double Ps[] = {100, 199, 200, 201, 400};
  static const double lams[] = {0, 1e-14, 1e-8, 1e-2, 1};
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 5; j++) {
      if (Ps[i] == 200 && lams[j] == 0) continue;
      deq_ridge_point lo = mp_point(sp, Ps[i], lams[j], 0.25, 53, DEQ_OK);
      deq_ridge_point hi = mp_point(sp, Ps[i], lams[j], 0.25, 256, DEQ_OK);
      ck_assert_rel(lo.kappa, hi.kappa, 1e-12);
      ck_assert_rel(lo.df1, hi.df1, 1e-12);
      ck_assert_rel(lo.df2, hi.df2, 1e-12);
      ck_assert_rel(lo.one_minus_gamma, hi.one_minus_gamma, 1e-12);
      ck_assert_rel(lo.E_g, hi.E_g, 1e-12);
      ck_assert_rel(lo.E_tr, hi.E_tr, 1e-12);
    }
  deq_spectrum_free(sp);
}
END_TEST

/* An infinite power law (quadrature tail, rank = INFINITY) is always
   over-parameterised: lambda = 0 gives kappa0 > 0 with df1(kappa0) = P.  */
START_TEST(test_ridge_powerlaw_infinite)
{
  deq_spectrum *sp = make_powerlaw(INFINITY);
  ck_assert(isinf(sp->rank));
  static const double Ps[] = {10, 1000, 1e6};
  for (size_t i = 0; i < 3; i++) {
    double d1, d2, b;
    deq_ridge_point pt = mp_point(sp, Ps[i], 0.0, 0.01, PREC, DEQ_OK);
    ck_assert(pt.kappa > 0);
    ck_assert_int_eq(deq_mp_df(&d1, &d2, &b, sp, pt.kappa, PREC), DEQ_OK);
    ck_assert_rel(d1, Ps[i], 1e-13);
    ck_assert_double_eq(pt.E_tr, 0.0);
    deq_ridge_point r = mp_point(sp, Ps[i], 1e-9, 0.01, PREC, DEQ_OK);
    ck_assert(r.kappa > pt.kappa);
    ck_assert_rel(r.kappa * (1 - r.df1 / Ps[i]), 1e-9, 1e-6);
  }
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_ridge_bad_input)
{
  deq_spectrum *sp = make_iso(10, 1.0);
  deq_ridge_point pt;
  ck_assert_int_eq(deq_mp_ridge(NULL, sp, 5, 0.1, 0, PREC), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_ridge(&pt, NULL, 5, 0.1, 0, PREC), DEQ_EINVAL);
  ck_assert_int_eq(pt.status, DEQ_EINVAL);
  ck_assert(isnan(pt.kappa) && isnan(pt.E_g));
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 5, 0.1, 0, 52), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 0, 0.1, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, -3, 0.1, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, NAN, 0.1, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, INFINITY, 0.1, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 5, -1e-300, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 5, NAN, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 5, INFINITY, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 5, 0.1, -0.5, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 5, 0.1, NAN, PREC), DEQ_EDOM);
  ck_assert_int_eq(pt.status, DEQ_EDOM);
  ck_assert(isnan(pt.kappa));
  sp->m[0] = 0; /* corrupted after construction */
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 5, 0.1, 0, PREC), DEQ_EDOM);
  deq_spectrum_free(sp);
  /* An infinite rank whose atoms cannot reach df1 = P.  */
  ck_assert_int_eq(deq_spectrum_alloc(&sp, 3), DEQ_OK);
  sp->dim = INFINITY;
  for (size_t i = 0; i < 3; i++) sp->s[i] = 1.0 / (double)(i + 1);
  ck_assert_int_eq(deq_spectrum_update(sp, NULL), DEQ_OK);
  ck_assert(isinf(sp->rank));
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 2, 0.1, 0, PREC), DEQ_OK);
  ck_assert_int_eq(deq_mp_ridge(&pt, sp, 5, 0.1, 0, PREC), DEQ_EDOM);
  ck_assert(isnan(pt.kappa));
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ deq_ridge_solve */

/* The double-precision solver must agree with the 200-bit reference to
   1e-12 relative everywhere except the true singularity (P = rank,
   lambda = 0), where both must say DEQ_EDIVERGE and E_g = +Inf.  */
static void cross_check(const deq_spectrum *sp, double P, double lam,
                        double noise)
{
  deq_ridge_point ref, fast;
  deq_status sr = deq_mp_ridge(&ref, sp, P, lam, noise, PREC);
  deq_status sf = deq_ridge_solve(&fast, sp, P, lam, noise, NULL);
  ck_assert_msg(sf == sr, "P=%g lambda=%g: deq_ridge_solve status %d, mp %d",
                P, lam, (int)sf, (int)sr);
  if (sr == DEQ_EDIVERGE) {
    ck_assert(isinf(fast.E_g) && fast.E_g > 0);
    ck_assert(isinf(ref.E_g) && ref.E_g > 0);
    return;
  }
  ck_assert_int_eq(sr, DEQ_OK);
  const double tol = 1e-12;
  const struct { const char *name; double f, r; } q[] = {
    {"kappa", fast.kappa, ref.kappa}, {"df1", fast.df1, ref.df1},
    {"df2", fast.df2, ref.df2},       {"gamma", fast.gamma, ref.gamma},
    {"one_minus_gamma", fast.one_minus_gamma, ref.one_minus_gamma},
    {"E_g", fast.E_g, ref.E_g},       {"E_tr", fast.E_tr, ref.E_tr},
    {"bias", fast.bias, ref.bias},    {"variance", fast.variance, ref.variance},
    {"E_test", fast.E_test, ref.E_test}, {"gcv", fast.gcv, ref.gcv},
    {"dkappa_dlambda", fast.dkappa_dlambda, ref.dkappa_dlambda},
  };
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    double rd = test_reldiff(q[i].f, q[i].r, 0);
    ck_assert_msg(rd <= tol, "P=%g lambda=%g %s: fast %.17g mp %.17g rel %.3g",
                  P, lam, q[i].name, q[i].f, q[i].r, rd);
  }
}

START_TEST(test_cross_ridge_solve_loguniform)
{
  const size_t N = 200;
  deq_spectrum *sp = make_loguniform(N);
  const double Ps[] = {N / 2, N - 1, N, N + 1, 2 * N};
  static const double lams[] = {0, 1e-14, 1e-8, 1};
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 4; j++) cross_check(sp, Ps[i], lams[j], 0.25);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_cross_ridge_solve_powerlaw)
{
  deq_spectrum *sp = make_powerlaw(1000);
  static const double Ps[] = {10, 100, 999, 1000, 1001, 3000};
  static const double lams[] = {0, 1e-14, 1e-8, 1e-4, 1};
  for (size_t i = 0; i < 6; i++)
    for (size_t j = 0; j < 5; j++) cross_check(sp, Ps[i], lams[j], 0.25);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ model twins */

/* S-transform: S = 1/c for Sigma = c I at every delta; for two atoms
   (s_i, m_i) the inverse df solves the quadratic
   m1 s1 (s2 + l) + m2 s2 (s1 + l) = d (s1 + l)(s2 + l), d = delta dim.  */
START_TEST(test_mp_s_transform_closed_forms)
{
  deq_spectrum *iso = NULL;
  ck_assert_int_eq(deq_spectrum_iso(&iso, 40, 2.5), DEQ_OK);
  const double deltas[] = {1e-6, 0.1, 0.5, 0.9, 0.999};
  for (int i = 0; i < 5; i++) {
    double S = NAN;
    ck_assert_int_eq(deq_mp_s_transform(&S, iso, deltas[i], PREC), DEQ_OK);
    ck_assert_rel(S, 0.4, 1e-15);
  }
  double s[2] = {3, 0.5}, m[2] = {10, 30};
  deq_spectrum *two = NULL;
  ck_assert_int_eq(deq_spectrum_from_arrays(&two, 2, s, m, NULL, NULL), DEQ_OK);
  for (int i = 0; i < 5; i++) {
    long double delta = deltas[i], d = delta * 40;
    /* d l^2 + (d (s1 + s2) - m1 s1 - m2 s2) l + s1 s2 (d - m1 - m2) = 0 */
    long double a = d, b = d * (s[0] + s[1]) - m[0] * s[0] - m[1] * s[1];
    long double c = s[0] * s[1] * (d - m[0] - m[1]);  /* < 0 */
    long double disc = sqrtl(b * b - 4 * a * c);
    long double l = b >= 0 ? -2 * c / (b + disc) : (disc - b) / (2 * a);
    long double want = (1 - delta) / (delta * l);
    double S = NAN;
    ck_assert_int_eq(deq_mp_s_transform(&S, two, deltas[i], PREC), DEQ_OK);
    ck_assert_msg(test_reldiff(S, (double)want, 0) <= 1e-13,
                  "delta=%g: %.17g vs %.17Lg", deltas[i], S, want);
  }
  double S;
  ck_assert_int_eq(deq_mp_s_transform(&S, two, 1.0, PREC), DEQ_EDOM);
  ck_assert(isnan(S));
  ck_assert_int_eq(deq_mp_s_transform(&S, two, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_s_transform(&S, two, 0.5, 40), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_s_transform(NULL, two, 0.5, PREC), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_s_transform(&S, NULL, 0.5, PREC), DEQ_EINVAL);
  deq_spectrum_free(iso);
  deq_spectrum_free(two);
}
END_TEST

/* Marchenko-Pastur at z = -lambda: g = kappa/(lambda (1 + kappa)) with the
   isotropic kappa of iso_closed; df = N/(1 + kappa).  */
START_TEST(test_mp_sample_stieltjes_mp)
{
  const double N = 100, Ps[] = {50, 100, 137.5, 400};
  const double lams[] = {1e-8, 0.01, 1, 100};
  deq_spectrum *sp = make_iso(N, 1);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      iso_ref r = iso_closed(N, Ps[i], lams[j], 1, 0);
      long double want = r.kappa / (lams[j] * (1 + r.kappa));
      double g, k, df;
      ck_assert_int_eq(deq_mp_sample_stieltjes(&g, &k, &df, sp, Ps[i],
                                               lams[j], PREC), DEQ_OK);
      ck_assert_msg(test_reldiff(g, (double)want, 0) <= 1e-14,
                    "P=%g lambda=%g: g %.17g vs %.17Lg", Ps[i], lams[j], g,
                    want);
      ck_assert_rel(k, (double)r.kappa, 1e-14);
      ck_assert_rel(df, (double)r.df1, 1e-14);
    }
  double g;
  ck_assert_int_eq(deq_mp_sample_stieltjes(&g, NULL, NULL, sp, 50, 0, PREC),
                   DEQ_EDOM);
  ck_assert(isnan(g));
  ck_assert_int_eq(deq_mp_sample_stieltjes(&g, NULL, NULL, sp, -1, 1, PREC),
                   DEQ_EDOM);
  ck_assert_int_eq(deq_mp_sample_stieltjes(NULL, NULL, NULL, sp, 50, 1, PREC),
                   DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

/* Isotropic ridge three ways: random features with M = 1e30 features
   (1 - df/M = 1 to 1e-28) and correlated samples with K = I (both noise
   models) equal the isotropic closed form.  */
START_TEST(test_mp_rf_corr_are_ridge)
{
  const double N = 100, Ps[] = {50, 150, 200}, lams[] = {1e-6, 0.01, 1};
  const double w2 = 1.7, sig2 = 0.3, tol = 1e-13;
  deq_spectrum *sp = make_iso(N, w2);
  for (int i = 0; i < 3; i++) {
    deq_spectrum *K = NULL;
    ck_assert_int_eq(deq_spectrum_iso(&K, Ps[i], 1.0), DEQ_OK);
    for (int j = 0; j < 3; j++) {
      double P = Ps[i], lam = lams[j];
      iso_ref r = iso_closed(N, P, lam, w2, sig2);
      deq_rf_point f;
      ck_assert_int_eq(deq_mp_rf1(&f, sp, 1e30, P, lam, sig2, PREC), DEQ_OK);
      ck_assert_msg(test_reldiff(f.kappa, (double)r.kappa, 0) <= tol,
                    "rf P=%g lam=%g kappa %.17g vs %.17Lg", P, lam, f.kappa,
                    r.kappa);
      ck_assert_rel(f.df, (double)r.df1, tol);
      ck_assert_rel(f.df2, (double)r.df2, tol);
      ck_assert_rel(f.gamma, (double)r.gamma, tol);
      ck_assert_rel(f.one_minus_gamma, (double)r.omg, tol);
      ck_assert_rel(f.bias, (double)r.bias, tol);
      ck_assert_rel(f.var_noise, (double)r.var, tol);
      ck_assert_rel(f.E_g, (double)r.Eg, tol);
      ck_assert_rel(f.E_test, (double)r.Etest, tol);
      ck_assert_rel(f.E_tr, (double)r.Etr, tol);
      ck_assert(fabs(f.var_features) <= 1e-13 * r.Eg);
      for (int m = 0; m < 2; m++) {
        deq_corr_point c;
        ck_assert_int_eq(deq_mp_corr(&c, sp, K, lam, sig2,
                                     m ? DEQ_CORR_NOISE_IID : DEQ_CORR_NOISE_K,
                                     PREC), DEQ_OK);
        ck_assert_msg(test_reldiff(c.kappa, (double)r.kappa, 0) <= tol,
                      "corr P=%g lam=%g m=%d kappa %.17g vs %.17Lg", P, lam,
                      m, c.kappa, r.kappa);
        ck_assert_rel(c.df, (double)r.df1, tol);
        ck_assert_rel(c.gamma, (double)r.gamma, tol);
        ck_assert_rel(c.one_minus_gamma, (double)r.omg, tol);
        ck_assert_rel(c.dkappa_dlambda, (double)(1 / r.omg), tol);
        ck_assert_rel(c.bias, (double)r.bias, tol);
        ck_assert_rel(c.variance, (double)r.var, tol);
        ck_assert_rel(c.E_g, (double)r.Eg, tol);
        ck_assert_rel(c.E_test, (double)r.Etest, tol);
        ck_assert_rel(c.E_tr, (double)r.Etr, tol);
        ck_assert_rel(c.corrgcv, (double)r.Etest, tol);
      }
    }
    deq_spectrum_free(K);
  }
  deq_rf_point f;
  deq_corr_point c;
  ck_assert_int_eq(deq_mp_rf1(&f, sp, 50, 100, 0, 0, PREC), DEQ_EDOM);
  ck_assert(isnan(f.kappa) && f.status == DEQ_EDOM);
  ck_assert_int_eq(deq_mp_rf1(&f, sp, 0, 100, 1, 0, PREC), DEQ_EDOM);
  ck_assert_int_eq(deq_mp_rf1(NULL, sp, 50, 100, 1, 0, PREC), DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_corr(&c, sp, sp, 0, 0, DEQ_CORR_NOISE_K, PREC),
                   DEQ_EDOM);
  ck_assert(isnan(c.kappa));
  ck_assert_int_eq(deq_mp_corr(&c, sp, NULL, 1, 0, DEQ_CORR_NOISE_K, PREC),
                   DEQ_EINVAL);
  ck_assert_int_eq(deq_mp_corr(&c, sp, sp, 1, 0, (deq_corr_noise)7, PREC),
                   DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

static Suite *mp_suite(void)
{
  Suite *s = suite_create("mp");
  TCase *tc = tcase_create("df");
  tcase_add_test(tc, test_df_exact_rational);
  tcase_add_test(tc, test_df_at_zero);
  tcase_add_test(tc, test_df_iso);
  tcase_add_test(tc, test_df_bad_input);
  suite_add_tcase(s, tc);

  tc = tcase_create("ridge");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_ridge_iso_closed_form);
  tcase_add_test(tc, test_ridge_iso_ridgeless);
  tcase_add_test(tc, test_ridge_iso_peak);
  tcase_add_test(tc, test_ridge_iso_peak_scaling);
  tcase_add_test(tc, test_ridge_loguniform_kappa0);
  tcase_add_test(tc, test_ridge_fixed_point_identity);
  tcase_add_test(tc, test_ridge_dkappa_dlambda);
  tcase_add_test(tc, test_ridge_monotone);
  tcase_add_test(tc, test_ridge_zero_atoms_and_split);
  tcase_add_test(tc, test_ridge_prec_consistency);
  tcase_add_test(tc, test_ridge_powerlaw_infinite);
  tcase_add_test(tc, test_ridge_bad_input);
  suite_add_tcase(s, tc);

  tc = tcase_create("models");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_mp_s_transform_closed_forms);
  tcase_add_test(tc, test_mp_sample_stieltjes_mp);
  tcase_add_test(tc, test_mp_rf_corr_are_ridge);
  suite_add_tcase(s, tc);

  tc = tcase_create("cross");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_cross_ridge_solve_loguniform);
  tcase_add_test(tc, test_cross_ridge_solve_powerlaw);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(mp_suite());
}
