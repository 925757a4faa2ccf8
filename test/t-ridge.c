/* test/t-ridge.c -- the ridge deterministic equivalent.
 *
 * Expected values come from (a) closed forms: Marchenko-Pastur for
 * Sigma = I, the ridgeless isotropic risks, the log-uniform symmetry point,
 * the power-law asymptotic constants; and (b) an independent reference
 * solver written here in long double (geometric bisection on the anchored,
 * cancellation-free form of the fixed point, ~1e-18 relative), against
 * which the library must agree to 1e-12 relative (the accuracy contract
 * of the MPFR twin, DESIGN.md).  */
#include <config.h>
#include <deq/spectrum.h>
#include <deq/resolvent.h>
#include <deq/ridge.h>
#include "testutil.h"

#include <float.h>

static const double REL = 1e-12;   /* the library's accuracy contract */

/* Tolerance against the long-double reference solver.  Under valgrind
   (make check-valgrind sets DEQ_VALGRIND) long double is emulated with
   double precision, so the reference itself is only good to ~1e-10 near
   the threshold; that run is for memory errors, make check for accuracy. */
static double ref_tol(void)
{
  return getenv("DEQ_VALGRIND") ? 1e-9 : REL;
}

/* ------------------------------------------------------------ spectra */

static deq_spectrum *iso(double N, double norm2)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, N, 1.0), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, norm2), DEQ_OK);
  return sp;
}

/* The spec sheet's log-uniform test spectrum on [0.1, 10] with target
   wbar_i^2 = s_i^(-1/2)/N, i.e. v_i = s_i^(1/2)/N; optionally with
   `zeros` extra zero eigenvalues (rank N, dim N + zeros).  */
static deq_spectrum *loguniform(size_t N, double zeros)
{
  deq_spectrum *lu = NULL;
  ck_assert_st(deq_spectrum_loguniform(&lu, N, 0.1, 10), DEQ_OK);
  size_t n = N + (zeros > 0);
  double *s = calloc(n, sizeof *s), *m = calloc(n, sizeof *m);
  double *v = calloc(n, sizeof *v);
  for (size_t i = 0; i < N; i++) {
    s[i] = lu->s[i];
    m[i] = 1;
    v[i] = sqrt(lu->s[i]) / (double)N;
  }
  if (zeros > 0)
    m[N] = zeros;
  deq_spectrum *sp = NULL;
  deq_error err;
  ck_assert_st(deq_spectrum_from_arrays(&sp, n, s, m, v, &err), DEQ_OK);
  deq_spectrum_free(lu);
  free(s);
  free(m);
  free(v);
  return sp;
}

static deq_spectrum *powerlaw(double alpha, double n, double r)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = alpha;
  p.n = n;
  p.r = r;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  return sp;
}

static deq_ridge_point solve(const deq_spectrum *sp, double P, double lambda,
                             double noise)
{
  deq_ridge_point pt;
  memset(&pt, 0, sizeof pt);
  deq_status st = deq_ridge_solve(&pt, sp, P, lambda, noise, NULL);
  ck_assert_msg(st == DEQ_OK, "solve(P=%g, lambda=%g): %s", P, lambda,
                deq_strerror(st));
  ck_assert_int_eq(pt.status, DEQ_OK);
  return pt;
}

/* ------------------------------------------------------------ reference */

struct lsums { long double df1, df2, cdf1, gap12, B; };

static struct lsums lsum(const deq_spectrum *sp, long double k)
{
  struct lsums r = { 0, 0, 0, 0, 0 };
  for (size_t i = 0; i < sp->n; i++) {
    long double s = sp->s[i], m = sp->m[i], q = s + k;
    if (s == 0)
      continue;
    r.df1 += m * s / q;
    r.df2 += m * (s / q) * (s / q);
    r.cdf1 += m * k / q;
    r.gap12 += m * s * k / (q * q);
    r.B += sp->v[i] / (q * q);
  }
  r.B *= k * k;
  return r;
}

static long double lrank(const deq_spectrum *sp)
{
  long double r = 0;
  for (size_t i = 0; i < sp->n; i++)
    if (sp->s[i] > 0)
      r += sp->m[i];
  return r;
}

static long double ltrace(const deq_spectrum *sp)
{
  long double t = 0;
  for (size_t i = 0; i < sp->n; i++)
    t += (long double)sp->m[i] * sp->s[i];
  return t;
}

/* sum m s/((s+k0)(s+k0+d)): df1(k0) - df1(k0+d) = d * anchor.  */
static long double lanchor(const deq_spectrum *sp, long double k0, long double d)
{
  long double a = 0;
  for (size_t i = 0; i < sp->n; i++) {
    long double s = sp->s[i];
    if (s > 0)
      a += sp->m[i] * s / ((s + k0) * (s + k0 + d));
  }
  return a;
}

struct gctx { const deq_spectrum *sp; long double P, lambda, k0, rank; };

typedef long double (*gfun)(long double, const struct gctx *);

/* Root of an increasing g on (0, inf) by geometric bisection.  */
static long double gbisect(gfun g, const struct gctx *c, long double lo,
                           long double hi)
{
  while (g(lo, c) > 0)
    lo /= 4;
  while (g(hi, c) < 0)
    hi *= 4;
  for (int it = 0; it < 2000 && hi / lo - 1 > 2 * LDBL_EPSILON; it++) {
    long double mid = sqrtl(lo) * sqrtl(hi);
    if (mid <= lo || mid >= hi)
      break;
    if (g(mid, c) < 0)
      lo = mid;
    else
      hi = mid;
  }
  return sqrtl(lo) * sqrtl(hi);
}

/* kappa0: cdf1(kappa0) = rank - P (increasing in kappa, no cancellation) */
static long double g_kappa0(long double k, const struct gctx *c)
{
  return lsum(c->sp, k).cdf1 - (c->rank - c->P);
}

/* over-parameterised: (k0 + d) d A(k0, d) - lambda P, increasing in d */
static long double g_offset(long double d, const struct gctx *c)
{
  return (c->k0 + d) * d * lanchor(c->sp, c->k0, d) - c->lambda * c->P;
}

/* rank <= P: kappa ((P - rank) + cdf1) - lambda P */
static long double g_under(long double k, const struct gctx *c)
{
  return k * ((c->P - c->rank) + lsum(c->sp, k).cdf1) - c->lambda * c->P;
}

struct rpoint {
  long double kappa, kappa0, df1, df2, gamma, one_minus_gamma, dkappa_dlambda, bias, variance;
  long double E_g, E_test, E_tr, gcv;
  int diverge;
};

static struct rpoint ref_ridge(const deq_spectrum *sp, double P, double lambda,
                               double noise)
{
  struct gctx c = { sp, P, lambda, 0, lrank(sp) };
  long double tr = ltrace(sp), k, p_minus_df1;
  if (c.rank > c.P) {
    c.k0 = gbisect(g_kappa0, &c, 1, 1);
    long double d = lambda > 0 ? gbisect(g_offset, &c, lambda / 2, lambda + tr / P) : 0;
    k = c.k0 + d;
    p_minus_df1 = d * lanchor(sp, c.k0, d);
  } else {
    k = lambda > 0 ? gbisect(g_under, &c, lambda / 2, lambda + tr / P + 1) : 0;
    p_minus_df1 = (c.P - c.rank) + lsum(sp, k).cdf1;
  }
  struct lsums s = lsum(sp, k);
  struct rpoint r;
  memset(&r, 0, sizeof r);
  r.kappa = k;
  r.kappa0 = c.rank > c.P ? c.k0 : 0;
  r.df1 = k > 0 ? s.df1 : c.rank;
  r.df2 = k > 0 ? s.df2 : c.rank;
  long double p_minus_df2 = p_minus_df1 + s.gap12;
  r.gamma = r.df2 / P;
  r.one_minus_gamma = p_minus_df2 / P;
  r.diverge = r.one_minus_gamma == 0;
  r.dkappa_dlambda = 1 / r.one_minus_gamma;
  r.bias = s.B / r.one_minus_gamma;
  r.variance = noise * r.gamma / r.one_minus_gamma;
  r.E_g = r.bias + r.variance;
  if (r.diverge)   /* the variance blows up; the bias -> 0 */
    r.E_g = noise > 0 ? INFINITY : NAN;
  r.E_test = r.E_g + noise;
  r.E_tr = (p_minus_df1 / P) * (p_minus_df1 / P) * r.E_test;
  r.gcv = r.E_test;
  return r;
}

/* NaN == NaN, Inf == Inf, else relative difference.  */
static int close_to(double a, long double b, double tol)
{
  if (isnan(a) || isnan((double)b))
    return isnan(a) && isnan((double)b);
  return test_reldiff(a, (double)b, 0) <= tol;
}

#define CMP(field)                                                          \
  do {                                                                      \
    if (!close_to(pt->field, r->field, tol)) {                              \
      printf("  %s P=%g lambda=%g: %s = %.17g, want %.17Lg (rel %.2e)\n",   \
             label, pt->P, pt->lambda, #field, pt->field, r->field,         \
             test_reldiff(pt->field, (double)r->field, 0));                 \
      bad++;                                                                \
    }                                                                       \
  } while (0)

static int compare_point(const deq_ridge_point *pt, const struct rpoint *r,
                         double tol, const char *label)
{
  int bad = 0;
  CMP(kappa);
  CMP(kappa0);
  CMP(df1);
  CMP(df2);
  CMP(gamma);
  CMP(E_g);
  CMP(E_test);
  if (!r->diverge) {
    CMP(one_minus_gamma);
    CMP(dkappa_dlambda);
    CMP(bias);
    CMP(variance);
    CMP(E_tr);
    CMP(gcv);
  }
  return bad;
}

/* A sweep of (P, lambda) against the reference, including both sides of
   the interpolation threshold and lambda from 0 to 1.  */
static int sweep_against_reference(const deq_spectrum *sp, const char *label,
                                   const double *Ps, size_t nP, double noise)
{
  const double lambdas[] = { 0, 1e-14, 1e-8, 1e-4, 1e-2, 1 };
  int failures = 0;
  double rank = (double)lrank(sp);
  for (size_t i = 0; i < nP; i++)
    for (size_t j = 0; j < 6; j++) {
      double P = Ps[i], lambda = lambdas[j];
      deq_ridge_point pt;
      memset(&pt, 0, sizeof pt);
      deq_status st = deq_ridge_solve(&pt, sp, P, lambda, noise, NULL);
      struct rpoint r = ref_ridge(sp, P, lambda, noise);
      deq_status want = (P == rank && lambda == 0) ? DEQ_EDIVERGE : DEQ_OK;
      int bad = 0;
      if (st != want || pt.status != want) {
        printf("  %s P=%g lambda=%g: status %s/%s, want %s\n", label, P,
               lambda, deq_strerror(st), deq_strerror(pt.status),
               deq_strerror(want));
        bad++;
      }
      if (pt.P != P || pt.lambda != lambda || pt.noise != noise)
        bad++;
      bad += compare_point(&pt, &r, ref_tol(), label);
      failures += bad != 0;
    }
  return failures;
}

/* ------------------------------------------------------------ closed forms */

/* Marchenko-Pastur, Sigma = I_N, q = N/P: kappa^2 + (1-q-lambda) kappa
   - lambda = 0; the positive root, cancellation-free for either sign of
   b = 1 - q - lambda.  Then df1 = N/(1+k), df2 = N/(1+k)^2,
   B = k^2 norm2/(1+k)^2, 1 - gamma = ((1+k)^2 - q)/(1+k)^2 and
   1 - df1/P = lambda/kappa (or 1 - q at lambda = 0 < 1 - q).  */
static struct rpoint mp_closed_form(double N, double P, double lambda,
                                    double norm2, double noise)
{
  long double q = (long double)N / P, lam = lambda;
  long double b = 1 - q - lam, disc = sqrtl(b * b + 4 * lam);
  long double k = b > 0 ? 2 * lam / (b + disc) : (-b + disc) / 2;
  long double u = (1 + k) * (1 + k);
  struct rpoint r;
  memset(&r, 0, sizeof r);
  r.kappa = k;
  r.kappa0 = q > 1 ? q - 1 : 0;
  r.df1 = N / (1 + k);
  r.df2 = N / u;
  r.gamma = q / u;
  r.one_minus_gamma = (u - q) / u;
  r.dkappa_dlambda = u / (u - q);
  long double B = k * k * norm2 / u;
  r.bias = B / r.one_minus_gamma;
  r.variance = noise * r.gamma / r.one_minus_gamma;
  r.E_g = r.bias + r.variance;
  r.E_test = r.E_g + noise;
  long double slack = lam > 0 ? lam / k : (q < 1 ? 1 - q : 0);
  r.E_tr = slack * slack * r.E_test;
  r.gcv = r.E_test;
  return r;
}

START_TEST(test_marchenko_pastur)
{
  const double N = 1000, norm2 = 2, noise = 0.5;
  const double qs[] = { 0.5, 2 }, lambdas[] = { 0, 1e-14, 1e-8, 1e-2, 1 };
  deq_spectrum *sp = iso(N, norm2);
  int failures = 0;
  for (size_t i = 0; i < 2; i++)
    for (size_t j = 0; j < 5; j++) {
      double P = N / qs[i];
      deq_ridge_point pt = solve(sp, P, lambdas[j], noise);
      struct rpoint r = mp_closed_form(N, P, lambdas[j], norm2, noise);
      failures += compare_point(&pt, &r, REL, "MP") != 0;
    }
  deq_spectrum_free(sp);
  ck_assert_msg(failures == 0, "%d MP points off (see output)", failures);
}
END_TEST

/* Near the threshold: P = N - 1 and N + 1, lambda in {0, 1e-14}.  */
START_TEST(test_marchenko_pastur_threshold)
{
  const double N = 100, norm2 = 1, noise = 0.25;
  const double Ps[] = { 99, 101 }, lambdas[] = { 0, 1e-14, 1e-10 };
  deq_spectrum *sp = iso(N, norm2);
  int failures = 0;
  for (size_t i = 0; i < 2; i++)
    for (size_t j = 0; j < 3; j++) {
      deq_ridge_point pt = solve(sp, Ps[i], lambdas[j], noise);
      struct rpoint r = mp_closed_form(N, Ps[i], lambdas[j], norm2, noise);
      ck_assert(isfinite(pt.E_g));
      failures += compare_point(&pt, &r, REL, "MP threshold") != 0;
    }
  deq_spectrum_free(sp);
  ck_assert_msg(failures == 0, "%d near-threshold points off", failures);
}
END_TEST

/* Ridgeless isotropic: E_g = norm2 (1 - 1/q) + sigma^2/(q - 1) for q > 1
   (kappa0 = q - 1, gamma0 = 1/q) and sigma^2 N/(P - N) for q < 1.  */
START_TEST(test_ridgeless_isotropic)
{
  const double N = 600, norm2 = 1.5, noise = 0.3;
  const double qs[] = { 0.25, 0.5, 0.75, 1.5, 2, 4 };
  deq_spectrum *sp = iso(N, norm2);
  for (size_t i = 0; i < 6; i++) {
    double q = qs[i], P = N / q;
    deq_ridge_point pt = solve(sp, P, 0, noise);
    if (q > 1) {
      ck_assert_rel(pt.kappa, q - 1, REL);
      ck_assert_rel(pt.gamma, 1 / q, REL);
      ck_assert_rel(pt.E_g, norm2 * (1 - 1 / q) + noise / (q - 1), REL);
      double k0;
      ck_assert_st(deq_ridge_kappa0(&k0, sp, P), DEQ_OK);
      ck_assert_rel(k0, q - 1, REL);
    } else {
      ck_assert(pt.kappa == 0);
      ck_assert(pt.bias == 0);
      ck_assert_rel(pt.gamma, q, REL);
      ck_assert_rel(pt.E_g, noise * N / (P - N), REL);
    }
    ck_assert_rel(pt.E_test, pt.E_g + noise, 1e-15);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* Log-uniform on [0.1, 10] is symmetric under s -> 1/s, so df1(1) = N/2
   and kappa0 = 1 at P = N/2.  At lambda = 1e-12 the offset is
   kappa - 1 = lambda/(1 - gamma0) + O(lambda^2) = 2.8e-12; the spec's
   naive df-space solver returns 2.2e-5.  kappa - 1 is resolved only to
   ulp(1) = 2.2e-16 in a double, so the check is |kappa - (1 + offset)|
   <= 4 ulp (a relative error of 3e-4 on the offset, 1e7 times smaller
   than the naive error).  */
START_TEST(test_loguniform_symmetry_point)
{
  deq_spectrum *sp = loguniform(400, 0);
  double k0;
  ck_assert_st(deq_ridge_kappa0(&k0, sp, 200), DEQ_OK);
  ck_assert_rel(k0, 1.0, 1e-14);
  deq_ridge_point pt = solve(sp, 200, 0, 0.25);
  ck_assert_rel(pt.kappa, 1.0, 1e-14);
  struct lsums s1 = lsum(sp, 1.0L);
  long double gamma0 = s1.df2 / 200;
  ck_assert_rel(pt.gamma, (double)gamma0, 1e-13);
  const double lambdas[] = { 1e-14, 1e-12, 1e-10 };
  for (size_t i = 0; i < 3; i++) {
    pt = solve(sp, 200, lambdas[i], 0.25);
    long double want = 1 + lambdas[i] / (1 - gamma0);
    ck_assert_msg(fabsl(pt.kappa - want) <= 4 * DBL_EPSILON,
                  "lambda %g: kappa - 1 = %.6e, want %.6Le", lambdas[i],
                  pt.kappa - 1, want - 1);
    struct rpoint r = ref_ridge(sp, 200, lambdas[i], 0.25);
    ck_assert_int_eq(compare_point(&pt, &r, REL, "symmetry"), 0);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* Power law s_k = k^-alpha, N = inf, lambda = 0.  Continuum limit:
   df1 ~ C k^(-1/alpha), C = (pi/alpha)/sin(pi/alpha), so kappa0 ~
   (C/P)^alpha.  Euler-Maclaurin adds -1/2 (the k = 0 endpoint) to df1 and
   to df2, giving kappa0 = (C/(P + 1/2))^alpha and gamma0 = 1 - 1/alpha
   - 1/(2 alpha P); the next corrections, measured with an independent
   brute-force sum, are < 2e-6 relative at P >= 100, hence 1e-5.  The
   bias: B/(1-gamma0) ~ Gamma(2r)Gamma(2-2r) kappa0^(2r) with an O(1/P)
   discreteness correction (measured 1.1/P), hence 2/P.  */
START_TEST(test_powerlaw_asymptotics)
{
  const struct { double alpha, r; } cases[] = { { 1.5, 0.4 }, { 2.5, 0.3 } };
  const double Ps[] = { 100, 1000, 10000 };
  const double noise = 0.01;
  for (size_t c = 0; c < 2; c++) {
    double a = cases[c].alpha, r = cases[c].r;
    deq_spectrum *sp = powerlaw(a, INFINITY, r);
    long double C = (M_PI / a) / sinl(M_PI / a);
    for (size_t i = 0; i < 3; i++) {
      double P = Ps[i];
      deq_ridge_point pt = solve(sp, P, 0, noise);
      long double k_as = powl(C / P, a), k_em = powl(C / (P + 0.5L), a);
      printf("alpha %g P %g: kappa0 %.10g, asymptote %.10Lg (rel %.2e), "
             "refined rel %.2e, gamma0 %.10g\n", a, P, pt.kappa, k_as,
             (double)(pt.kappa / k_as - 1), (double)(pt.kappa / k_em - 1),
             pt.gamma);
      ck_assert_msg(fabsl(pt.kappa / k_as - 1) < 0.02, "kappa0 not within 2%%");
      ck_assert_rel(pt.kappa, (double)k_em, 1e-5);
      ck_assert_msg(fabs(pt.gamma - (1 - 1 / a)) <= 1 / (a * P), "gamma0 %.10g", pt.gamma);
      ck_assert_msg(fabs(pt.gamma - (1 - 1 / a - 1 / (2 * a * P))) <= 1e-5,
                    "gamma0 %.10g", pt.gamma);
      /* tempered noise plateau: variance -> sigma^2 (alpha - 1) */
      ck_assert_msg(fabs(pt.variance / noise - (a - 1)) <= a / P,
                    "variance/sigma^2 = %.10g", pt.variance / noise);
      long double Eb = tgammal(2 * r) * tgammal(2 - 2 * r) * powl(pt.kappa, 2 * r);
      ck_assert_msg(fabsl(pt.bias / Eb - 1) <= 2 / P,
                    "bias %.10g vs asymptote %.10Lg", pt.bias, Eb);
    }
    double k0;
    ck_assert_st(deq_ridge_kappa0(&k0, sp, 1000), DEQ_OK);
    ck_assert_rel(k0, (double)powl(C / 1000.5L, a), 1e-5);
    deq_spectrum_free(sp);
  }
}
END_TEST

/* N = 4e6 (every mode an atom): the finite-N truncation shifts df1 by
   ~N^(1-alpha)/(kappa (alpha-1)), 1.3% of kappa0 at P = 1000.  */
START_TEST(test_powerlaw_finite_n)
{
  deq_spectrum *sp = powerlaw(1.5, 4e6, 0.4);
  deq_ridge_point pt = solve(sp, 1000, 0, 0);
  long double C = (M_PI / 1.5) / sinl(M_PI / 1.5);
  long double k_as = powl(C / 1000, 1.5);
  ck_assert_msg(fabsl(pt.kappa / k_as - 1) < 0.03, "kappa0 %.10g vs %.10Lg",
                pt.kappa, k_as);
  ck_assert_msg(pt.kappa < k_as, "truncation must lower kappa0");
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ reference */

START_TEST(test_reference_loguniform)
{
  deq_spectrum *sp = loguniform(400, 0);
  const double Ps[] = { 100, 200, 399, 400, 401, 800 };
  int f = sweep_against_reference(sp, "loguniform", Ps, 6, 0.25);
  deq_spectrum_free(sp);
  ck_assert_msg(f == 0, "%d points differ from the reference", f);
}
END_TEST

START_TEST(test_reference_powerlaw)
{
  deq_spectrum *sp = powerlaw(1.5, 1000, 0.4);
  const double Ps[] = { 50, 500, 999, 1000, 1001, 2000 };
  int f = sweep_against_reference(sp, "powerlaw", Ps, 6, 0.01);
  deq_spectrum_free(sp);
  ck_assert_msg(f == 0, "%d points differ from the reference", f);
}
END_TEST

/* 50 zero eigenvalues: rank 400 < dim 450.  The threshold is at P = rank;
   P = 420 is under-parameterised although P < dim.  */
START_TEST(test_reference_rank_deficient)
{
  deq_spectrum *sp = loguniform(400, 50);
  ck_assert(sp->rank == 400 && sp->dim == 450);
  const double Ps[] = { 200, 399, 400, 401, 420, 449.5 };
  int f = sweep_against_reference(sp, "rank-deficient", Ps, 6, 0.25);
  deq_ridge_point pt = solve(sp, 420, 0, 0.25);
  ck_assert(pt.kappa == 0);
  ck_assert_rel(pt.E_g, 0.25 * 400 / 20, REL);
  deq_spectrum_free(sp);
  ck_assert_msg(f == 0, "%d points differ from the reference", f);
}
END_TEST

/* Non-integer P is allowed.  */
START_TEST(test_reference_fractional_P)
{
  deq_spectrum *sp = loguniform(400, 0);
  const double Ps[] = { 0.5, 33.3, 399.75, 400.25 };
  int f = sweep_against_reference(sp, "fractional P", Ps, 4, 0.25);
  deq_spectrum_free(sp);
  ck_assert_msg(f == 0, "%d points differ from the reference", f);
}
END_TEST

/* ------------------------------------------------------------ properties */

static int check_properties(const deq_spectrum *sp, const char *label)
{
  const double Ps[] = { 50, 100, 200, 399, 401, 800, 1600 };
  const double lambdas[] = { 1e-14, 1e-10, 1e-6, 1e-4, 1e-2, 0.1, 1, 10 };
  const double noise = 0.25;
  int bad = 0;
  double prevP[8];
  for (size_t i = 0; i < 7; i++) {
    double prev = -1;
    for (size_t j = 0; j < 8; j++) {
      double P = Ps[i], lam = lambdas[j];
      deq_ridge_point pt = solve(sp, P, lam, noise);
      double cap = fmin(sp->rank, P);
      int ok = pt.kappa >= lam && pt.kappa > prev &&
               (i == 0 || pt.kappa < prevP[j]) &&
               pt.df2 <= pt.df1 && pt.df1 < cap * (1 + 4 * DBL_EPSILON) &&
               pt.gamma >= 0 && pt.gamma < 1 && pt.one_minus_gamma > 0 &&
               fabs(pt.gamma + pt.one_minus_gamma - 1) <= 4 * DBL_EPSILON &&
               test_reldiff(pt.dkappa_dlambda, 1 / pt.one_minus_gamma, 0) <= 1e-14 &&
               pt.dkappa_dlambda >= 1 &&
               test_reldiff(pt.E_g, pt.bias + pt.variance, 0) <= 1e-15 &&
               test_reldiff(pt.E_test, pt.E_g + noise, 0) <= 1e-15 &&
               test_reldiff(pt.E_tr, (lam / pt.kappa) * (lam / pt.kappa) * pt.E_test, 0) <= 1e-13 &&
               test_reldiff(pt.gcv, pt.E_test, 0) <= 1e-13 &&
               pt.bias >= 0 && pt.variance >= 0 &&
               pt.kappa0 >= 0 && pt.kappa0 <= pt.kappa &&
               (P < sp->rank ? pt.kappa0 > 0 : pt.kappa0 == 0);
      if (!ok) {
        printf("  %s P=%g lambda=%g: kappa %.17g (prev %.17g), df1 %.17g "
               "df2 %.17g gamma %.17g 1-gamma %.17g dk/dl %.17g E_g %.17g "
               "E_tr %.17g gcv %.17g kappa0 %.17g\n", label, P, lam, pt.kappa,
               prev, pt.df1, pt.df2, pt.gamma, pt.one_minus_gamma,
               pt.dkappa_dlambda, pt.E_g, pt.E_tr, pt.gcv, pt.kappa0);
        bad++;
      }
      prev = pt.kappa;
      prevP[j] = pt.kappa;
    }
  }
  return bad;
}

START_TEST(test_properties)
{
  deq_spectrum *lu = loguniform(400, 0), *pl = powerlaw(1.5, 400, 0.4);
  int bad = check_properties(lu, "loguniform") + check_properties(pl, "powerlaw");
  deq_spectrum_free(lu);
  deq_spectrum_free(pl);
  ck_assert_msg(bad == 0, "%d property violations (see output)", bad);
}
END_TEST

/* The reported residual is |log(G/lambda)| at the last spectrum pass
   (ridge.h); the returned kappa is one Newton step further, so its own
   relative residual, computed here in long double, must be of the order of
   the square of the report (Newton in log kappa: constant ~1), down to the
   rounding level of kappa.  The report itself must show convergence.  */
START_TEST(test_residual_reported)
{
  deq_spectrum *lu = loguniform(400, 0), *pl = powerlaw(1.5, 400, 0.4);
  const deq_spectrum *sps[] = { lu, pl };
  const double Ps[] = { 50, 200, 800 }, lambdas[] = { 1e-2, 1, 10 };
  int bad = 0;
  for (size_t k = 0; k < 2; k++)
    for (size_t i = 0; i < 3; i++)
      for (size_t j = 0; j < 3; j++) {
        const deq_spectrum *sp = sps[k];
        double P = Ps[i], lam = lambdas[j];
        deq_ridge_point pt = solve(sp, P, lam, 0.25);
        struct lsums m = lsum(sp, pt.kappa);
        long double rank = lrank(sp);
        long double C = rank <= P ? (P - rank) + m.cdf1 : P - m.df1;
        double truth = (double)fabsl((pt.kappa * C / P - lam) / lam);
        /* kappa itself is rounded: the residual of the double nearest the
           root is up to ~eps kappa/lambda */
        double floor_ = 4 * DBL_EPSILON * pt.kappa / lam;
        int ok = pt.residual <= 1e-6 &&
                 truth <= 10 * pt.residual * pt.residual + 1e-15 + floor_;
        printf("  %s P=%g lambda=%g: residual reported %.3e, true %.3e%s\n",
               k ? "powerlaw" : "loguniform", P, lam, pt.residual, truth,
               ok ? "" : "  <-- WRONG");
        bad += !ok;
      }
  deq_spectrum_free(lu);
  deq_spectrum_free(pl);
  ck_assert_msg(bad == 0, "%d reported residuals do not bound kappa's", bad);
}
END_TEST

/* dkappa/dlambda against centred differences, relative step 1e-5:
   truncation ~1e-10, rounding ~eps (kappa/lambda)/1e-5 <= 1e-10 at the
   points chosen (kappa/lambda <= 10); the spec found 8 digits.  */
START_TEST(test_dkappa_dlambda_fd)
{
  deq_spectrum *sp = loguniform(400, 0);
  const struct { double P, lambda; } pts[] = {
    { 200, 0.1 }, { 200, 1 }, { 800, 1e-3 }, { 800, 0.1 }, { 400, 0.05 }
  };
  for (size_t i = 0; i < 5; i++) {
    double P = pts[i].P, l = pts[i].lambda, h = 1e-5 * l;
    deq_ridge_point c = solve(sp, P, l, 0);
    double fd = (solve(sp, P, l + h, 0).kappa - solve(sp, P, l - h, 0).kappa) / (2 * h);
    ck_assert_rel(c.dkappa_dlambda, fd, 1e-8);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* P = rank, lambda = 0: the variance diverges.  */
START_TEST(test_interpolation_peak)
{
  deq_spectrum *sp = iso(100, 1);
  deq_ridge_point pt;
  ck_assert_st(deq_ridge_solve(&pt, sp, 100, 0, 0.5, NULL), DEQ_EDIVERGE);
  ck_assert_int_eq(pt.status, DEQ_EDIVERGE);
  ck_assert(pt.kappa == 0);
  ck_assert(isinf(pt.E_g) && pt.E_g > 0);
  ck_assert(isinf(pt.E_test) && pt.E_test > 0);
  ck_assert(isinf(pt.variance) && pt.variance > 0);
  /* just off the peak: finite, and large like lambda^(-1/2) */
  deq_ridge_point a = solve(sp, 100, 1e-12, 0.5), b = solve(sp, 100, 1e-10, 0.5);
  ck_assert(isfinite(a.E_g) && a.E_g > b.E_g);
  ck_assert_msg(fabs(a.E_g / b.E_g - 10) < 0.1, "E_g ratio %.6g, want ~10",
                a.E_g / b.E_g);
  deq_spectrum_free(sp);

  sp = loguniform(400, 50);
  ck_assert_st(deq_ridge_solve(&pt, sp, 400, 0, 0.25, NULL), DEQ_EDIVERGE);
  ck_assert(isinf(pt.E_g));
  deq_spectrum_free(sp);
}
END_TEST

static int same_point(const deq_ridge_point *a, const deq_ridge_point *b,
                      double tol);

/* A warm start, even from a distant point, gives the same answer.  */
START_TEST(test_warm_start)
{
  deq_spectrum *sp = loguniform(400, 0);
  const struct { double P, lambda; } pts[] = {
    { 100, 1e-14 }, { 200, 0 }, { 401, 1e-8 }, { 800, 1 }, { 399, 1e-2 },
    { 100, 1 }, { 90, 10 }, { 399, 1e-14 }
  };
  int bad = 0;
  for (size_t i = 0; i < 8; i++)
    for (size_t j = 0; j < 8; j++) {
      deq_ridge_point warm = solve(sp, pts[j].P, pts[j].lambda, 0.25);
      deq_ridge_point cold = solve(sp, pts[i].P, pts[i].lambda, 0.25), hot;
      ck_assert_st(deq_ridge_solve(&hot, sp, pts[i].P, pts[i].lambda, 0.25, &warm), DEQ_OK);
      if (!same_point(&hot, &cold, 1e-13)) {
        printf("warm (P=%g, lambda=%g) -> (P=%g, lambda=%g): kappa %.17g vs "
               "%.17g, kappa0 %.17g vs %.17g\n", pts[j].P, pts[j].lambda,
               pts[i].P, pts[i].lambda, hot.kappa, cold.kappa, hot.kappa0,
               cold.kappa0);
        bad++;
      }
    }
  deq_spectrum_free(sp);
  ck_assert_msg(bad == 0, "%d warm starts changed the answer", bad);
}
END_TEST

/* ------------------------------------------------------------ grid */

static int same_point(const deq_ridge_point *a, const deq_ridge_point *b,
                      double tol)
{
  const double fa[] = { a->P, a->lambda, a->noise, a->kappa, a->kappa0, a->df1, a->df2,
                        a->gamma, a->one_minus_gamma, a->dkappa_dlambda,
                        a->bias, a->variance, a->E_g, a->E_test, a->E_tr, a->gcv };
  const double fb[] = { b->P, b->lambda, b->noise, b->kappa, b->kappa0, b->df1, b->df2,
                        b->gamma, b->one_minus_gamma, b->dkappa_dlambda,
                        b->bias, b->variance, b->E_g, b->E_test, b->E_tr, b->gcv };
  for (size_t i = 0; i < sizeof fa / sizeof fa[0]; i++)
    if (!close_to(fa[i], fb[i], tol)) {
      printf("  field %zu: grid %.17g vs pointwise %.17g\n", i, fa[i], fb[i]);
      return 0;
    }
  return a->status == b->status;
}

START_TEST(test_grid_matches_pointwise)
{
  deq_spectrum *sp = loguniform(400, 0);
  const double Ps[] = { 800, 100, 400, 200, 399 };
  const double ls[] = { 1e-2, 0, 1, 1e-8, 1e-14 };
  deq_ridge_point out[25];
  ck_assert_st(deq_ridge_grid(out, sp, Ps, 5, ls, 5, 0.25), DEQ_EDIVERGE);
  int bad = 0;
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 5; j++) {
      deq_ridge_point pt;
      deq_status st = deq_ridge_solve(&pt, sp, Ps[i], ls[j], 0.25, NULL);
      const deq_ridge_point *g = &out[i * 5 + j];
      if (g->P != Ps[i] || g->lambda != ls[j] || g->status != st ||
          !same_point(g, &pt, 1e-13)) {
        printf("grid (P=%g, lambda=%g) at [%zu][%zu] differs\n", Ps[i], ls[j], i, j);
        bad++;
      }
    }
  ck_assert_msg(bad == 0, "%d grid points differ", bad);

  /* without the peak: DEQ_OK */
  const double Ps2[] = { 300, 50, 1000 };
  ck_assert_st(deq_ridge_grid(out, sp, Ps2, 3, ls, 5, 0.25), DEQ_OK);
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 5; j++) {
      deq_ridge_point pt = solve(sp, Ps2[i], ls[j], 0.25);
      ck_assert(same_point(&out[i * 5 + j], &pt, 1e-13));
    }

  /* only large ridges (lambda/kappa ~ 0.2 .. 2), every row warm-started
     from the previous P: kappa0 must still be the ridgeless root */
  const double Ps3[] = { 100, 90, 300 }, ls3[] = { 10, 1 };
  ck_assert_st(deq_ridge_grid(out, sp, Ps3, 3, ls3, 2, 0.25), DEQ_OK);
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 2; j++) {
      deq_ridge_point pt = solve(sp, Ps3[i], ls3[j], 0.25);
      ck_assert_msg(same_point(&out[i * 2 + j], &pt, 1e-13),
                    "P %g lambda %g: grid kappa0 %.17g, pointwise %.17g",
                    Ps3[i], ls3[j], out[i * 2 + j].kappa0, pt.kappa0);
    }
  deq_spectrum_free(sp);
}
END_TEST

/* A long sorted grid on a power law: warm starts must not change answers. */
START_TEST(test_grid_long)
{
  deq_spectrum *sp = powerlaw(1.5, 2000, 0.4);
  enum { NP = 60, NL = 4 };
  double Ps[NP], ls[NL] = { 0, 1e-6, 1e-3, 1 };
  for (int i = 0; i < NP; i++)
    Ps[i] = floor(10 * pow(10, 3.0 * i / (NP - 1)));  /* 10 .. 10000 */
  deq_ridge_point *out = malloc(NP * NL * sizeof *out);
  deq_status st = deq_ridge_grid(out, sp, Ps, NP, ls, NL, 0.01);
  ck_assert_msg(st == DEQ_OK || st == DEQ_EDIVERGE, "%s", deq_strerror(st));
  for (int i = 0; i < NP; i++)
    for (int j = 0; j < NL; j++) {
      deq_ridge_point pt;
      deq_status s1 = deq_ridge_solve(&pt, sp, Ps[i], ls[j], 0.01, NULL);
      ck_assert_int_eq(out[i * NL + j].status, s1);
      ck_assert_msg(same_point(&out[i * NL + j], &pt, 1e-13), "P %g lambda %g",
                    Ps[i], ls[j]);
    }
  free(out);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ learned, kappa0 */

START_TEST(test_learned)
{
  const double s[] = { 3, 1, 0.25, 0 }, m[] = { 1, 2, 3, 2 };
  deq_spectrum *sp = NULL;
  deq_error err;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 4, s, m, NULL, &err), DEQ_OK);
  double frac[4];
  const double kappas[] = { 1e-300, 0.5, 1, 1e6 };
  for (size_t k = 0; k < 4; k++) {
    ck_assert_st(deq_ridge_learned(frac, sp, kappas[k]), DEQ_OK);
    for (size_t i = 0; i < 4; i++)
      ck_assert_rel(frac[i], s[i] / (s[i] + kappas[k]), 2 * DBL_EPSILON);
  }
  ck_assert_st(deq_ridge_learned(frac, sp, 0), DEQ_OK);
  for (size_t i = 0; i < 3; i++)
    ck_assert(frac[i] == 1);
  ck_assert_st(deq_ridge_learned(frac, sp, -1), DEQ_EDOM);
  ck_assert_st(deq_ridge_learned(frac, sp, NAN), DEQ_EDOM);
  ck_assert_st(deq_ridge_learned(NULL, sp, 1), DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_kappa0)
{
  deq_spectrum *sp = loguniform(400, 50);
  const double Ps[] = { 10, 100, 200, 399.5 };
  for (size_t i = 0; i < 4; i++) {
    double k0;
    ck_assert_st(deq_ridge_kappa0(&k0, sp, Ps[i]), DEQ_OK);
    struct gctx c = { sp, Ps[i], 0, 0, lrank(sp) };
    ck_assert_rel(k0, (double)gbisect(g_kappa0, &c, 1, 1), REL);
  }
  double k0 = -1;
  ck_assert_st(deq_ridge_kappa0(&k0, sp, 400), DEQ_OK);
  ck_assert(k0 == 0);
  ck_assert_st(deq_ridge_kappa0(&k0, sp, 420), DEQ_OK);
  ck_assert(k0 == 0);
  ck_assert_st(deq_ridge_kappa0(&k0, sp, 0), DEQ_EDOM);
  ck_assert_st(deq_ridge_kappa0(&k0, sp, -5), DEQ_EDOM);
  ck_assert_st(deq_ridge_kappa0(&k0, sp, NAN), DEQ_EDOM);
  ck_assert_st(deq_ridge_kappa0(&k0, NULL, 10), DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ optimal */

/* Isotropic: E_g(lambda) is minimised at lambda* = sigma^2 N/(P norm2)
   (the Bayes-optimal ridge, lambda normalised by P).  A minimiser that
   solves dE_g/dlambda = 0 reaches 1e-8; the value itself is flat there.  */
START_TEST(test_optimal_isotropic)
{
  const double N = 1000, norm2 = 2;
  const struct { double q, noise; } cases[] = {
    { 2, 0.5 }, { 0.5, 0.5 }, { 2, 0.01 }, { 0.5, 3 }, { 1, 0.2 }
  };
  deq_spectrum *sp = iso(N, norm2);
  for (size_t c = 0; c < 5; c++) {
    double P = N / cases[c].q, noise = cases[c].noise;
    deq_ridge_point opt;
    ck_assert_st(deq_ridge_optimal(&opt, sp, P, noise), DEQ_OK);
    double want = noise * N / (P * norm2);
    ck_assert_rel(opt.lambda, want, 1e-8);
    deq_ridge_point at = solve(sp, P, opt.lambda, noise);
    ck_assert_rel(opt.E_g, at.E_g, 1e-12);
    ck_assert_rel(opt.kappa, at.kappa, 1e-12);
    ck_assert(opt.P == P && opt.noise == noise);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* Noiseless: over-parameterised isotropic E_g = norm2 (1 - 1/q) at
   lambda = 0 and grows with lambda; under-parameterised E_g(0) = 0.  */
START_TEST(test_optimal_noiseless)
{
  deq_spectrum *sp = iso(500, 1);
  const double Ps[] = { 250, 1000 };
  for (size_t i = 0; i < 2; i++) {
    deq_ridge_point opt;
    ck_assert_st(deq_ridge_optimal(&opt, sp, Ps[i], 0), DEQ_OK);
    ck_assert_msg(opt.lambda == 0, "P %g: lambda* = %g", Ps[i], opt.lambda);
    deq_ridge_point at0 = solve(sp, Ps[i], 0, 0);
    ck_assert_rel(opt.E_g, at0.E_g, 1e-12);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* General spectrum: the optimum is no worse than its neighbours (relative
   offsets 1e-3 and 1e-1) or lambda = 0.  */
START_TEST(test_optimal_is_minimum)
{
  deq_spectrum *lu = loguniform(400, 0), *pl = powerlaw(1.5, 1000, 0.4);
  const struct { deq_spectrum *sp; double P, noise; } cases[] = {
    { lu, 100, 0.25 }, { lu, 200, 0.25 }, { lu, 400, 0.25 }, { lu, 800, 1 },
    { pl, 100, 0.01 }, { pl, 1000, 0.01 }, { pl, 3000, 1e-4 },
  };
  for (size_t c = 0; c < 7; c++) {
    deq_ridge_point opt;
    ck_assert_st(deq_ridge_optimal(&opt, cases[c].sp, cases[c].P, cases[c].noise), DEQ_OK);
    ck_assert(opt.lambda > 0);
    const double f[] = { 0, 0.9, 0.999, 1.001, 1.1, 10 };
    for (size_t i = 0; i < 6; i++) {
      deq_ridge_point pt;
      deq_status st = deq_ridge_solve(&pt, cases[c].sp, cases[c].P,
                                      f[i] * opt.lambda, cases[c].noise, NULL);
      ck_assert(st == DEQ_OK || st == DEQ_EDIVERGE);
      ck_assert_msg(opt.E_g <= pt.E_g * (1 + 1e-14),
                    "case %zu: E_g(lambda*) = %.17g > E_g(%g lambda*) = %.17g",
                    c, opt.E_g, f[i], pt.E_g);
    }
  }
  deq_spectrum_free(lu);
  deq_spectrum_free(pl);
}
END_TEST

/* Noiseless interpolation peak (P = rank): lambda = 0 gives E_g = 0, the
   least possible value; the point keeps the peak's DEQ_EDIVERGE status
   (dkappa/dlambda is infinite), as deq_ridge_solve reports it.  */
START_TEST(test_optimal_noiseless_peak)
{
  deq_spectrum *sp = iso(10, 1);
  deq_ridge_point opt;
  ck_assert_st(deq_ridge_optimal(&opt, sp, 10, 0), DEQ_EDIVERGE);
  ck_assert(opt.lambda == 0 && opt.E_g == 0 && opt.E_test == 0);
  ck_assert_int_eq(opt.status, DEQ_EDIVERGE);
  deq_spectrum_free(sp);
}
END_TEST

/* No signal: E_g = sigma^2 gamma/(1 - gamma) decreases to 0 as lambda
   grows, so the optimum is lambda = +Inf with the null predictor's
   values; every finite lambda is worse.  Without noise either, E_g = 0
   everywhere and lambda* = 0.  */
START_TEST(test_optimal_no_signal)
{
  deq_spectrum *is = iso(100, 0), *lu = loguniform(100, 0);
  ck_assert_st(deq_spectrum_target_iso(lu, 0), DEQ_OK);
  deq_spectrum *sps[] = { is, lu };
  const double Ps[] = { 10, 50, 100, 200 };
  for (size_t b = 0; b < 2; b++) {
    for (size_t i = 0; i < 4; i++) {
      deq_ridge_point opt, at;
      ck_assert_st(deq_ridge_optimal(&opt, sps[b], Ps[i], 0.1), DEQ_OK);
      ck_assert(isinf(opt.lambda) && opt.lambda > 0 && isinf(opt.kappa));
      ck_assert(opt.E_g == 0 && opt.bias == 0 && opt.variance == 0);
      ck_assert(opt.df1 == 0 && opt.gamma == 0 && opt.one_minus_gamma == 1);
      ck_assert(opt.E_test == 0.1 && opt.E_tr == 0.1 && opt.gcv == 0.1);
      ck_assert(opt.P == Ps[i] && opt.noise == 0.1);
      deq_status st = deq_ridge_solve(&at, sps[b], Ps[i], 1e3, 0.1, NULL);
      ck_assert(st == DEQ_OK && at.E_g > opt.E_g);
      ck_assert_st(deq_ridge_optimal(&opt, sps[b], Ps[i], 0),
                   Ps[i] == 100 ? DEQ_EDIVERGE : DEQ_OK);
      ck_assert(opt.lambda == 0 && opt.E_g == 0);
    }
  }
  deq_spectrum_free(is);
  deq_spectrum_free(lu);
}
END_TEST

/* A weak signal in strong noise: the isotropic optimum sigma^2 N/(P
   norm2) lies far beyond the spectrum (1e8 .. 1e14).  */
START_TEST(test_optimal_weak_signal)
{
  const double norms[] = { 1e-6, 1e-12 }, Ps[] = { 50, 400 };
  for (size_t a = 0; a < 2; a++) {
    deq_spectrum *sp = iso(100, norms[a]);
    for (size_t i = 0; i < 2; i++) {
      deq_ridge_point opt;
      ck_assert_st(deq_ridge_optimal(&opt, sp, Ps[i], 1), DEQ_OK);
      ck_assert_rel(opt.lambda, 100 / (Ps[i] * norms[a]), 1e-8);
    }
    deq_spectrum_free(sp);
  }
}
END_TEST

/* ------------------------------------------------------------ extremes */

/* lambda -> infinity: w -> 0, the null predictor, so E_g -> the signal
   power and E_tr -> E_test, with corrections O(tr/(P lambda)) that are
   below rounding here.  P lambda overflows in all cases; kappa = lambda
   + O(tr/P) >= lambda.  (Beyond kappa ~ 1e307 the anchored sum, of order
   1/kappa, is subnormal and loses a few bits: not tested.)  */
START_TEST(test_huge_lambda)
{
  deq_spectrum *is = iso(100, 1), *pl = powerlaw(1.5, 1000, 0.4);
  const struct { deq_spectrum *sp; double P, lambda; } cases[] = {
    { is, 50, 5e306 }, { is, 200, 5e306 }, { is, 200, DBL_MAX },
    { pl, 1e9, 1e300 }, { pl, 10, 1e306 },
  };
  for (size_t c = 0; c < 5; c++) {
    const deq_spectrum *sp = cases[c].sp;
    deq_ridge_point pt = solve(sp, cases[c].P, cases[c].lambda, 0.5);
    ck_assert_msg(pt.kappa >= pt.lambda, "case %zu: kappa %.17g < lambda", c,
                  pt.kappa);
    ck_assert_rel(pt.E_g, sp->signal, 1e-14);
    ck_assert_rel(pt.E_test, sp->signal + 0.5, 1e-14);
    ck_assert_rel(pt.E_tr, sp->signal + 0.5, 1e-14);
    ck_assert(pt.E_tr <= pt.E_test);
    ck_assert_rel(pt.dkappa_dlambda, 1, 1e-14);
  }
  deq_spectrum_free(is);
  deq_spectrum_free(pl);
}
END_TEST

/* Huge valid dimensions: N = 1e17 isotropic against the MP closed form,
   P from 1 to 1e18 (kappa0 = N/P - 1 up to 1e17, where lambda + tr/P -
   kappa0 cancels).  */
START_TEST(test_huge_dimension)
{
  const double N = 1e17, norm2 = 1, noise = 0.5;
  const double Ps[] = { 1, 1e10, 1e16, 1e18 }, lambdas[] = { 0, 1e-3, 1 };
  deq_spectrum *sp = iso(N, norm2);
  int failures = 0;
  for (size_t i = 0; i < 4; i++)
    for (size_t j = 0; j < 3; j++) {
      deq_ridge_point pt = solve(sp, Ps[i], lambdas[j], noise);
      struct rpoint r = mp_closed_form(N, Ps[i], lambdas[j], norm2, noise);
      failures += compare_point(&pt, &r, REL, "N = 1e17") != 0;
    }
  deq_spectrum_free(sp);
  ck_assert_msg(failures == 0, "%d points off (see output)", failures);
}
END_TEST

/* A trace that overflows (ten eigenvalues 1e308): P = 100 > rank has a
   finite kappa, the root of 0.9 k^2 - 0.11 k - 1 = 0 (df1 = 10 +
   1/(1+k) to rounding); P = 1 needs kappa0 ~ 9e308, beyond the double
   range: DEQ_EUNSUP, not a wrong number.  */
START_TEST(test_overflowing_trace)
{
  const double s[] = { 1e308, 1 }, m[] = { 10, 1 };
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 2, s, m, NULL, NULL), DEQ_OK);
  ck_assert(isinf(sp->trace));
  deq_ridge_point pt = solve(sp, 100, 1, 0.5);
  ck_assert_rel(pt.kappa, (0.11 + sqrt(0.11 * 0.11 + 3.6)) / 1.8, 1e-14);
  ck_assert_rel(pt.df1, 10 + 1 / (1 + pt.kappa), 1e-15);
  ck_assert_st(deq_ridge_solve(&pt, sp, 1, 1, 0.5, NULL), DEQ_EUNSUP);
  ck_assert_st(deq_ridge_solve(&pt, sp, 1, 0, 0.5, NULL), DEQ_EUNSUP);
  deq_spectrum_free(sp);
}
END_TEST

/* sp with every eigenvalue and target power multiplied by c.  */
static deq_spectrum *scaled(const deq_spectrum *sp, double c)
{
  deq_spectrum *out = NULL;
  ck_assert_st(deq_spectrum_copy(&out, sp), DEQ_OK);
  for (size_t i = 0; i < out->n; i++) {
    out->s[i] *= c;
    out->v[i] *= c;
  }
  ck_assert_st(deq_spectrum_update(out, NULL), DEQ_OK);
  return out;
}

/* Scaling invariance: eigenvalues, target powers, lambda and sigma^2 all
   multiplied by c multiply kappa and the risks by c and leave df1, df2
   and gamma unchanged.  c = 1e+-150 puts (s+k0)(s+k) out of range and
   c = 1e+-300 puts s itself near the ends of the double range.  */
START_TEST(test_scaling_invariance)
{
  deq_spectrum *base[] = { iso(100, 1), loguniform(100, 0),
                           loguniform(100, 30), powerlaw(1.5, 1000, 0.4) };
  const double Ps[] = { 20, 50, 99, 150, 400 };
  const double lambdas[] = { 0, 1e-8, 1e-3, 1, 1e3 };
  const double scales[] = { 1e150, 1e-150, 1e300, 1e-300 };
  for (size_t b = 0; b < 4; b++) {
    for (size_t c = 0; c < 4; c++) {
      deq_spectrum *sc = scaled(base[b], scales[c]);
      for (size_t i = 0; i < 5; i++) {
        for (size_t j = 0; j < 5; j++) {
          double P = Ps[i], lam = lambdas[j], noise = 0.1, f = scales[c];
          if (lam == 0 && P == base[b]->rank) continue; /* the peak */
          if (lam > 0 && !isnormal(lam * f)) continue; /* not representable */
          deq_ridge_point want = solve(base[b], P, lam, noise);
          deq_ridge_point got = solve(sc, P, lam * f, noise * f);
          ck_assert_msg(test_reldiff(got.kappa / f, want.kappa, 0) <= 1e-13 &&
                        test_reldiff(got.E_g / f, want.E_g, 0) <= 1e-13 &&
                        test_reldiff(got.E_tr / f, want.E_tr, 0) <= 1e-13 &&
                        test_reldiff(got.df1, want.df1, 0) <= 1e-13 &&
                        test_reldiff(got.df2, want.df2, 0) <= 1e-13 &&
                        test_reldiff(got.gamma, want.gamma, 0) <= 1e-13,
                        "spectrum %zu x %g, P %g, lambda %g: kappa %.17g/%.17g"
                        " E_g %.17g/%.17g df1 %.17g/%.17g gamma %.17g/%.17g",
                        b, f, P, lam, got.kappa / f, want.kappa,
                        got.E_g / f, want.E_g, got.df1, want.df1, got.gamma,
                        want.gamma);
        }
      }
      deq_spectrum_free(sc);
    }
    deq_spectrum_free(base[b]);
  }
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_bad_input)
{
  deq_spectrum *sp = loguniform(50, 0);
  deq_ridge_point pt;
  ck_assert_st(deq_ridge_solve(&pt, sp, 0, 0.1, 0.1, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, sp, -10, 0.1, 0.1, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, sp, NAN, 0.1, 0.1, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, sp, INFINITY, 0.1, 0.1, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, sp, 10, -1e-300, 0.1, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, sp, 10, NAN, 0.1, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, sp, 10, INFINITY, 0.1, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, sp, 10, 0.1, -0.1, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, sp, 10, 0.1, NAN, NULL), DEQ_EDOM);
  ck_assert_st(deq_ridge_solve(&pt, NULL, 10, 0.1, 0.1, NULL), DEQ_EINVAL);
  ck_assert_st(deq_ridge_solve(NULL, sp, 10, 0.1, 0.1, NULL), DEQ_EINVAL);

  deq_ridge_point out[4];
  const double Ps[] = { 10, -1 }, ls[] = { 0.1, -0.1 };
  ck_assert_st(deq_ridge_grid(out, sp, Ps, 2, ls, 1, 0.1),
               DEQ_EDOM); /* P < 0 */
  ck_assert_st(deq_ridge_grid(out, sp, Ps, 1, ls, 2, 0.1),
               DEQ_EDOM); /* lambda < 0 */
  ck_assert_st(deq_ridge_grid(out, sp, Ps, 1, ls, 1, -0.1),
               DEQ_EDOM); /* noise < 0 */
  ck_assert_st(deq_ridge_grid(out, sp, Ps, 0, ls, 1, 0.1),
               DEQ_EINVAL); /* empty */
  ck_assert_st(deq_ridge_grid(out, sp, NULL, 1, ls, 1, 0.1), DEQ_EINVAL);
  ck_assert_st(deq_ridge_grid(NULL, sp, Ps, 1, ls, 1, 0.1), DEQ_EINVAL);

  ck_assert_st(deq_ridge_optimal(&pt, sp, 0, 0.1), DEQ_EDOM);
  ck_assert_st(deq_ridge_optimal(&pt, sp, NAN, 0.1), DEQ_EDOM);
  ck_assert_st(deq_ridge_optimal(&pt, sp, 10, -0.1), DEQ_EDOM);
  ck_assert_st(deq_ridge_optimal(&pt, NULL, 10, 0.1), DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *ridge_suite(void)
{
  Suite *s = suite_create("ridge");
  TCase *tc = tcase_create("closed-forms");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_marchenko_pastur);
  tcase_add_test(tc, test_marchenko_pastur_threshold);
  tcase_add_test(tc, test_ridgeless_isotropic);
  tcase_add_test(tc, test_loguniform_symmetry_point);
  tcase_add_test(tc, test_powerlaw_asymptotics);
  tcase_add_test(tc, test_powerlaw_finite_n);
  suite_add_tcase(s, tc);

  tc = tcase_create("reference");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_reference_loguniform);
  tcase_add_test(tc, test_reference_powerlaw);
  tcase_add_test(tc, test_reference_rank_deficient);
  tcase_add_test(tc, test_reference_fractional_P);
  suite_add_tcase(s, tc);

  tc = tcase_create("properties");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_properties);
  tcase_add_test(tc, test_dkappa_dlambda_fd);
  tcase_add_test(tc, test_residual_reported);
  tcase_add_test(tc, test_interpolation_peak);
  tcase_add_test(tc, test_warm_start);
  suite_add_tcase(s, tc);

  tc = tcase_create("grid");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_grid_matches_pointwise);
  tcase_add_test(tc, test_grid_long);
  tcase_add_test(tc, test_learned);
  tcase_add_test(tc, test_kappa0);
  suite_add_tcase(s, tc);

  tc = tcase_create("extremes");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_huge_lambda);
  tcase_add_test(tc, test_scaling_invariance);
  tcase_add_test(tc, test_huge_dimension);
  tcase_add_test(tc, test_overflowing_trace);
  suite_add_tcase(s, tc);

  tc = tcase_create("optimal");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_optimal_isotropic);
  tcase_add_test(tc, test_optimal_noiseless);
  tcase_add_test(tc, test_optimal_is_minimum);
  tcase_add_test(tc, test_optimal_noiseless_peak);
  tcase_add_test(tc, test_optimal_no_signal);
  tcase_add_test(tc, test_optimal_weak_signal);
  tcase_add_test(tc, test_bad_input);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep output of failing forks */
  return test_run(ridge_suite());
}
