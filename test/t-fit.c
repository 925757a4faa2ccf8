/* t-fit.c -- power-law fits, local slopes and predicted ridge exponents.
 *
 * Exact recovery on synthetic power laws; standard errors against the
 * closed forms of straight-line least squares; Birge inflation on data
 * built so that the fitted line is known exactly; seeded noisy replicates
 * for the coverage of the error bars; the exponent table of
 * scaling_dynamics.md 1.3; and a fit to the ridge deterministic
 * equivalent itself.  */
#include "config.h"
#include "testutil.h"
#include "deq/fit.h"
#include "deq/resolvent.h"
#include "deq/ridge.h"
#include "deq/spectrum.h"

/* ------------------------------------------------------------ helpers */

/* splitmix64 + Box-Muller: a small, self-contained Gaussian source.  */
static uint64_t splitmix64(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static double gauss(uint64_t *s)
{
  double u1 = ((double)(splitmix64(s) >> 11) + 0.5) * 0x1.0p-53;  /* (0, 1) */
  double u2 = (double)(splitmix64(s) >> 11) * 0x1.0p-53;
  return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void logspace(double *x, size_t n, double lo, double hi)
{
  for (size_t i = 0; i < n; i++)
    x[i] = exp(log(lo) + (log(hi) - log(lo)) * (double)i / (double)(n - 1));
  x[0] = lo;
  x[n - 1] = hi;
}

static double sum_sq_dev(const double *u, size_t n, double *mean)
{
  double m = 0, s = 0;
  for (size_t i = 0; i < n; i++) m += u[i];
  m /= (double)n;
  for (size_t i = 0; i < n; i++) s += (u[i] - m) * (u[i] - m);
  *mean = m;
  return s;
}

/* ------------------------------------------------------------ powerlaw */

/* Double rounding of log/exp perturbs log y by a few ulps; the slope over
   a log range of ~9 then moves by well under 1e-13.  */
#define EXACT_TOL 1e-12

START_TEST(test_powerlaw_exact_unweighted)
{
  double x[25], y[25];
  logspace(x, 25, 1, 1e4);
  for (int i = 0; i < 25; i++) y[i] = 3 * pow(x[i], -1.7);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, 25, x, y, NULL, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, 1.7, EXACT_TOL);
  ck_assert_rel(f.c, 3.0, EXACT_TOL);
  ck_assert(f.b_se < 1e-12 && f.c_se < 1e-11);
  ck_assert(f.chi2_dof < 1e-25);
  ck_assert(f.birge == 1.0);
  ck_assert_int_eq(f.weighted, 0);
  ck_assert_uint_eq(f.n, 25);
  ck_assert(f.x_lo == 1 && f.x_hi == 1e4);
  ck_assert(f.floor == 0 && f.floor_se == 0);
  ck_assert_int_eq(f.status, DEQ_OK);
}
END_TEST

START_TEST(test_powerlaw_exact_weighted)
{
  /* se = 5% of y: every point has se(log y) = 0.05, so the textbook
     line-fit errors are 0.05/sqrt(Suu) and 0.05 sqrt(1/n + ubar^2/Suu).  */
  enum { n = 20 };
  double x[n], y[n], se[n], u[n];
  logspace(x, n, 10, 1e5);
  for (int i = 0; i < n; i++) {
    y[i] = 0.25 * pow(x[i], -0.6);
    se[i] = 0.05 * y[i];
    u[i] = log(x[i]);
  }
  double ubar, Suu = sum_sq_dev(u, n, &ubar);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, n, x, y, se, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, 0.6, EXACT_TOL);
  ck_assert_rel(f.c, 0.25, EXACT_TOL);
  ck_assert(f.chi2_dof < 1e-20);
  ck_assert(f.birge == 1.0);  /* chi2/dof < 1: never deflated */
  ck_assert_int_eq(f.weighted, 1);
  ck_assert_rel(f.b_se, 0.05 / sqrt(Suu), 1e-12);
  ck_assert_rel(f.c_se, 0.25 * 0.05 * sqrt(1.0 / n + ubar * ubar / Suu), 1e-12);
}
END_TEST

START_TEST(test_powerlaw_window_and_skips)
{
  /* Inside [10, 1000] y = 2 x^-0.9; outside a different law.  Points
     with y <= 0, non-finite y or x <= 0 are skipped.  */
  enum { n = 41 };
  double x[n + 1], y[n + 1];
  logspace(x, n, 0.1, 1e5);
  size_t inside = 0;
  double lo = INFINITY, hi = 0;
  for (int i = 0; i < n; i++) {
    int in = x[i] >= 10 && x[i] <= 1000;
    y[i] = in ? 2 * pow(x[i], -0.9) : 5 * pow(x[i], -3.0);
    if (in) {
      inside++;
      lo = fmin(lo, x[i]);
      hi = fmax(hi, x[i]);
    }
  }
  /* Spoil three of the inside points and add an x = 0 point.  */
  int spoiled[3] = {0}, k = 0;
  for (int i = 0; i < n && k < 3; i++)
    if (x[i] > 20 && x[i] < 500) spoiled[k++] = i;
  y[spoiled[0]] = 0;
  y[spoiled[1]] = -1;
  y[spoiled[2]] = NAN;
  x[n] = 0;
  y[n] = 1;
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, n + 1, x, y, NULL, 10, 1000), DEQ_OK);
  ck_assert_rel(f.b, 0.9, EXACT_TOL);
  ck_assert_rel(f.c, 2.0, 1e-11);
  ck_assert_uint_eq(f.n, inside - 3);
  ck_assert(f.x_lo == lo && f.x_hi == hi);
}
END_TEST

/* The Birge ratio.  Eight points symmetric in u = log x, and log y
   perturbed by d (+ - - + + - - +): the pattern is orthogonal to 1 and
   to u, so the fitted line is the exact one and the residuals are the
   pattern: chi^2 = 8 d^2/s^2 with se(log y) = s, on 6 degrees of
   freedom.  */
enum { NB = 8 };
static const double birge_pattern[NB] = {1, -1, -1, 1, 1, -1, -1, 1};

static void birge_data(double *x, double *y, double *se, double d, double s,
                       double *Suu, double *ubar)
{
  const double uc = log(100.0), h = 0.3;
  *Suu = 0;
  for (int j = 0; j < NB; j++) {
    double du = h * (2 * j - 7);
    x[j] = exp(uc + du);
    y[j] = 4 * exp(-1.3 * (uc + du)) * exp(d * birge_pattern[j]);
    se[j] = s * y[j];
    *Suu += du * du;
  }
  *ubar = uc;
}

START_TEST(test_powerlaw_birge_inflates)
{
  double x[NB], y[NB], se[NB], Suu, ubar, d = 0.1, s = 0.01;
  birge_data(x, y, se, d, s, &Suu, &ubar);
  double chi2_dof = NB * d * d / (s * s) / (NB - 2), birge = sqrt(chi2_dof);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, NB, x, y, se, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, 1.3, EXACT_TOL);
  ck_assert_rel(f.c, 4.0, 1e-11);
  ck_assert_rel(f.chi2_dof, chi2_dof, 1e-10);
  ck_assert_rel(f.birge, birge, 1e-10);
  ck_assert(f.birge > 10);
  ck_assert_rel(f.b_se, birge * s / sqrt(Suu), 1e-10);
  ck_assert_rel(f.c_se, 4 * birge * s * sqrt(1.0 / NB + ubar * ubar / Suu), 1e-10);
}
END_TEST

START_TEST(test_powerlaw_birge_not_below_one)
{
  double x[NB], y[NB], se[NB], Suu, ubar, d = 0.001, s = 0.01;
  birge_data(x, y, se, d, s, &Suu, &ubar);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, NB, x, y, se, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.chi2_dof, NB * d * d / (s * s) / (NB - 2), 1e-8);
  ck_assert(f.chi2_dof < 1);
  ck_assert(f.birge == 1.0);
  ck_assert_rel(f.b_se, s / sqrt(Suu), 1e-10);  /* not deflated */
}
END_TEST

START_TEST(test_powerlaw_unweighted_errors)
{
  /* Same data without se: the residual variance 8 d^2/6 sets the errors. */
  double x[NB], y[NB], se[NB], Suu, ubar, d = 0.02;
  birge_data(x, y, se, d, 1, &Suu, &ubar);
  double s2 = NB * d * d / (NB - 2);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, NB, x, y, NULL, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, 1.3, EXACT_TOL);
  ck_assert_rel(f.chi2_dof, s2, 1e-10);
  ck_assert(f.birge == 1.0);
  ck_assert_rel(f.b_se, sqrt(s2 / Suu), 1e-10);
  ck_assert_rel(f.c_se, 4 * sqrt(s2 * (1.0 / NB + ubar * ubar / Suu)), 1e-10);
}
END_TEST

START_TEST(test_powerlaw_two_points)
{
  double x[2] = {2, 50}, y[2] = {7 * pow(2, -0.75), 7 * pow(50, -0.75)};
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, 2, x, y, NULL, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, 0.75, EXACT_TOL);
  ck_assert_rel(f.c, 7.0, EXACT_TOL);
  ck_assert(isnan(f.b_se) && isnan(f.c_se));
  ck_assert_uint_eq(f.n, 2);
}
END_TEST

START_TEST(test_powerlaw_too_few_points)
{
  double x[3] = {1, 10, 100}, y[3] = {1, 0.1, -1}, se[3] = {1, 1, 1};
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, 0, NULL, NULL, NULL, 0, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw(&f, 1, x, y, NULL, 0, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(f.status, DEQ_EINVAL);
  /* y <= 0 leaves one point.  */
  ck_assert_int_eq(deq_fit_powerlaw(&f, 2, x + 1, y + 1, NULL, 0, INFINITY), DEQ_EINVAL);
  /* The window leaves one point.  */
  ck_assert_int_eq(deq_fit_powerlaw(&f, 3, x, y, se, 5, 1000), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw(&f, 3, x, y, se, 0, INFINITY), DEQ_OK);
}
END_TEST

START_TEST(test_powerlaw_bad_input)
{
  double x[4] = {1, 2, 4, 8}, y[4] = {1, 0.5, 0.25, 0.125};
  double se[4] = {0.1, 0.1, 0.1, 0.1}, same[4] = {3, 3, 3, 3};
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(NULL, 4, x, y, NULL, 0, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw(&f, 4, NULL, y, NULL, 0, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw(&f, 4, x, NULL, NULL, 0, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw(&f, 4, x, y, NULL, 5, 2), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw(&f, 4, x, y, NULL, NAN, 2), DEQ_EINVAL);
  /* One distinct x: no slope.  */
  ck_assert_int_eq(deq_fit_powerlaw(&f, 4, same, y, NULL, 0, INFINITY), DEQ_EDOM);
  /* se must be positive and finite where it is used.  */
  se[2] = 0;
  ck_assert_int_eq(deq_fit_powerlaw(&f, 4, x, y, se, 0, INFINITY), DEQ_EDOM);
  ck_assert_int_eq(f.status, DEQ_EDOM);
  se[2] = NAN;
  ck_assert_int_eq(deq_fit_powerlaw(&f, 4, x, y, se, 0, INFINITY), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_powerlaw(&f, 4, x, y, se, 0, 3), DEQ_OK);  /* unused */
  ck_assert_rel(f.b, 1.0, EXACT_TOL);
}
END_TEST

/* ------------------------------------------------------------ coverage */

/* Coverage of the error bars over R seeded replicates.  For a correct
   standard error z = (b - b_true)/b_se is ~N(0,1) (Student t with n - p
   dof when unweighted), so P(|z| < 1) = 0.683 and P(|z| < 2) = 0.954
   (t(14): 0.666, 0.935; Birge inflation raises them to ~0.71, 0.96).
   The count bounds below are >= 4 binomial sd from those expectations,
   while an error bar off by a factor 2 either way misses them by far
   (P(|z| < 2) -> 0.68, or P(|z| < 1) -> 0.95).  Over 300 other seeds
   every check passed, the closest count being 2.7 sd from its bound.  */
enum { R = 200 };

typedef struct coverage {
  int in1, in2;           /* |z| < 1, |z| < 2 */
  double zsum;
  double bsum, bsum2;     /* spread of the estimates */
  double sesum;           /* mean reported error */
} coverage;

static void coverage_add(coverage *cv, double est, double se, double truth)
{
  double z = (est - truth) / se;
  cv->in1 += fabs(z) < 1;
  cv->in2 += fabs(z) < 2;
  cv->zsum += z;
  cv->bsum += est;
  cv->bsum2 += est * est;
  cv->sesum += se;
}

static void coverage_check(const coverage *cv, const char *what, uint64_t seed)
{
  double mean = cv->bsum / R;
  double sd = sqrt((cv->bsum2 / R - mean * mean) * R / (R - 1));
  double ratio = sd / (cv->sesum / R);
  ck_assert_msg(cv->in2 >= 172, "%s: only %d/%d with |z| < 2 (seed %llu)",
                what, cv->in2, R, (unsigned long long)seed);
  ck_assert_msg(cv->in1 >= 105 && cv->in1 <= 170,
                "%s: %d/%d with |z| < 1 (seed %llu)", what, cv->in1, R,
                (unsigned long long)seed);
  /* Mean z has sd 1/sqrt(200) = 0.07.  */
  ck_assert_msg(fabs(cv->zsum / R) < 0.3, "%s: mean z %g (seed %llu)", what,
                cv->zsum / R, (unsigned long long)seed);
  /* Spread of the estimates vs the mean error bar: ~1 (~0.93 with Birge
     inflation); the sample sd of 200 values has a relative sd of 5%.  */
  ck_assert_msg(ratio > 0.7 && ratio < 1.3,
                "%s: sd(b) / mean(b_se) = %g (seed %llu)", what, ratio,
                (unsigned long long)seed);
}

START_TEST(test_powerlaw_coverage_weighted)
{
  uint64_t seed = test_seed(20240601), s = seed;
  enum { n = 16 };
  double x[n], y[n], se[n];
  logspace(x, n, 10, 1e4);
  coverage cv = {0};
  for (int rep = 0; rep < R; rep++) {
    for (int i = 0; i < n; i++) {
      double truth = 2 * pow(x[i], -1.2);
      se[i] = 0.03 * truth;
      y[i] = truth + se[i] * gauss(&s);
    }
    deq_fit f;
    ck_assert_int_eq(deq_fit_powerlaw(&f, n, x, y, se, 0, INFINITY), DEQ_OK);
    coverage_add(&cv, f.b, f.b_se, 1.2);
  }
  coverage_check(&cv, "powerlaw weighted", seed);
}
END_TEST

START_TEST(test_powerlaw_coverage_unweighted)
{
  uint64_t seed = test_seed(20240602), s = seed;
  enum { n = 16 };
  double x[n], y[n];
  logspace(x, n, 1, 1e3);
  coverage cv = {0};
  for (int rep = 0; rep < R; rep++) {
    for (int i = 0; i < n; i++) y[i] = 0.7 * pow(x[i], -0.45) * exp(0.1 * gauss(&s));
    deq_fit f;
    ck_assert_int_eq(deq_fit_powerlaw(&f, n, x, y, NULL, 0, INFINITY), DEQ_OK);
    coverage_add(&cv, f.b, f.b_se, 0.45);
  }
  coverage_check(&cv, "powerlaw unweighted", seed);
}
END_TEST

/* The 95% half-width of an unweighted fit is t_{0.975, n-2} b_se, the
   Student quantile from standard tables (1, 2, 6, 30, 1000 dof; quoted to
   10 digits).  */
START_TEST(test_powerlaw_ci95_quantile)
{
  const struct { int n; double t; } table[] = {
    { 3, 12.70620474 }, { 4, 4.302652730 }, { 8, 2.446911851 },
    { 32, 2.042272456 }, { 1002, 1.962339081 },
  };
  uint64_t s = 99;
  for (size_t k = 0; k < 5; k++) {
    int n = table[k].n;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    logspace(x, n, 1, 1e3);
    for (int i = 0; i < n; i++) y[i] = pow(x[i], -0.5) * exp(0.1 * gauss(&s));
    deq_fit f;
    ck_assert_int_eq(deq_fit_powerlaw(&f, n, x, y, NULL, 0, INFINITY), DEQ_OK);
    ck_assert(f.dof == n - 2);
    ck_assert_rel(f.b_ci95 / f.b_se, table[k].t, 1e-9);
    free(x);
    free(y);
  }
  /* two points: an exact line, no interval */
  const double x2[] = { 1, 2 }, y2[] = { 1, 0.5 };
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, 2, x2, y2, NULL, 0, INFINITY), DEQ_OK);
  ck_assert(f.dof == 0 && isnan(f.b_ci95));
}
END_TEST

/* With 8 points the Student interval must cover the true exponent 95% of
   the time (1.96 b_se covers ~89.5%).  Log-normal noise makes the log fit
   an exact Gaussian linear model, so the coverage is exactly 0.95;
   R = 20000 replicates give a binomial sd of 0.0015, so the 95 +- 1%
   band is 6.5 sd wide either way and the 1.96 interval misses it by 36
   sd.  */
START_TEST(test_powerlaw_ci95_coverage)
{
  uint64_t seed = test_seed(20261202), s = seed;
  enum { n = 8, REPS = 20000 };
  double x[n], y[n];
  logspace(x, n, 1, 1e2);
  int in = 0, in_normal = 0;
  for (int rep = 0; rep < REPS; rep++) {
    for (int i = 0; i < n; i++) y[i] = 2 * pow(x[i], -0.8) * exp(0.2 * gauss(&s));
    deq_fit f;
    ck_assert_int_eq(deq_fit_powerlaw(&f, n, x, y, NULL, 0, INFINITY), DEQ_OK);
    in += fabs(f.b - 0.8) <= f.b_ci95;
    in_normal += fabs(f.b - 0.8) <= 1.959963984540054 * f.b_se;
  }
  double cov = (double)in / REPS, cov_normal = (double)in_normal / REPS;
  printf("ci95 coverage with %d points: %.4f (1.96 b_se: %.4f), seed %llu\n",
         n, cov, cov_normal, (unsigned long long)seed);
  ck_assert_msg(fabs(cov - 0.95) <= 0.01, "coverage %.4f (seed %llu)", cov,
                (unsigned long long)seed);
}
END_TEST

/* ------------------------------------------------------------ floor fit */

/* Brent stops at 1e-10 relative in b; floor and c move with b by at most
   a factor of the log range (~10).  */
#define FLOOR_TOL 1e-8

static void floor_curve(double *y, const double *x, size_t n, double fl,
                        double c, double b)
{
  for (size_t i = 0; i < n; i++) y[i] = fl + c * pow(x[i], -b);
}

START_TEST(test_floor_exact_unweighted)
{
  enum { n = 30 };
  double x[n], y[n];
  logspace(x, n, 1, 1e4);
  floor_curve(y, x, n, 0.3, 2.0, 0.8);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, n, x, y, NULL, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, 0.8, FLOOR_TOL);
  ck_assert_rel(f.floor, 0.3, FLOOR_TOL);
  ck_assert_rel(f.c, 2.0, FLOOR_TOL);
  ck_assert(f.b_se < 1e-8 && f.floor_se < 1e-8 && f.c_se < 1e-8);
  ck_assert(f.birge == 1.0);
  ck_assert_int_eq(f.weighted, 0);
  ck_assert_uint_eq(f.n, n);
  ck_assert(f.iterations > 0);
  ck_assert_int_eq(f.status, DEQ_OK);
}
END_TEST

START_TEST(test_floor_exact_weighted)
{
  enum { n = 25 };
  double x[n], y[n], se[n];
  logspace(x, n, 3, 3e5);
  floor_curve(y, x, n, 1e-3, 0.5, 1.6);
  for (int i = 0; i < n; i++) se[i] = 1e-3 * y[i];
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, n, x, y, se, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, 1.6, FLOOR_TOL);
  ck_assert_rel(f.floor, 1e-3, FLOOR_TOL);
  ck_assert_rel(f.c, 0.5, FLOOR_TOL);
  ck_assert(f.birge == 1.0);
  ck_assert_int_eq(f.weighted, 1);
  ck_assert(f.b_se > 0 && isfinite(f.b_se));
}
END_TEST

START_TEST(test_floor_exact_various)
{
  /* Small and large exponents, a zero floor, a negative floor.  */
  static const double cases[][3] = {  /* floor, c, b */
    {0.0, 1.0, 1.2}, {-0.1, 1.0, 0.5}, {2.0, 5.0, 0.05}, {0.01, 3.0, 4.0},
    {1e3, 1e4, 0.3},
  };
  enum { n = 40 };
  double x[n], y[n];
  logspace(x, n, 1, 50);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    floor_curve(y, x, n, cases[k][0], cases[k][1], cases[k][2]);
    deq_fit f;
    ck_assert_int_eq(deq_fit_powerlaw_floor(&f, n, x, y, NULL, 0, INFINITY), DEQ_OK);
    ck_assert_msg(fabs(f.b - cases[k][2]) <= FLOOR_TOL * cases[k][2],
                  "case %zu: b = %.17g", k, f.b);
    /* Floor against the scale of y (it may be 0).  */
    ck_assert_msg(fabs(f.floor - cases[k][0]) <= 1e-7 * (fabs(cases[k][0]) + cases[k][1]),
                  "case %zu: floor = %.17g", k, f.floor);
    ck_assert_rel(f.c, cases[k][1], 1e-7);
  }
}
END_TEST

START_TEST(test_floor_window)
{
  enum { n = 50 };
  double x[n], y[n];
  logspace(x, n, 0.01, 1e6);
  size_t inside = 0;
  for (int i = 0; i < n; i++) {
    int in = x[i] >= 1 && x[i] <= 1e4;
    y[i] = in ? 0.2 + 3 * pow(x[i], -0.7) : 100.0 * (i + 1);
    inside += in;
  }
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, n, x, y, NULL, 1, 1e4), DEQ_OK);
  ck_assert_uint_eq(f.n, inside);
  ck_assert_rel(f.b, 0.7, FLOOR_TOL);
  ck_assert_rel(f.floor, 0.2, FLOOR_TOL);
  ck_assert(f.x_lo >= 1 && f.x_hi <= 1e4);
}
END_TEST

/* Known-answer errors for the floor fit.  At the true (floor, c, b) the
   Jacobian columns are 1, x^-b and -c x^-b log x.  Data = truth + eps
   with eps W-orthogonal to all three columns make the truth an exact
   stationary point of the weighted SSE, with chi^2 = eps'W eps, and
   (J'WJ)^-1_kk = 1/|(I - P_others) j_k|^2_W (the squared W-norm of what
   is left of column k after projecting out the other two), computed
   here by Gram-Schmidt instead of a matrix inverse.  */
enum { NK = 20 };

static double wdot(const double *a, const double *b, const double *w)
{
  double s = 0;
  for (int i = 0; i < NK; i++) s += w[i] * a[i] * b[i];
  return s;
}

/* v -= (v.q/q.q) q under the weights w.  */
static void wproject_out(double *v, const double *q, const double *w)
{
  double a = wdot(v, q, w) / wdot(q, q, w);
  for (int i = 0; i < NK; i++) v[i] -= a * q[i];
}

/* Part of r orthogonal to columns a and b: returns |.|^2_W, leaves it in r. */
static double wresidual(double *r, const double *a, const double *b,
                        const double *w)
{
  double qb[NK];
  memcpy(qb, b, sizeof qb);
  wproject_out(qb, a, w);
  wproject_out(r, a, w);
  wproject_out(r, qb, w);
  return wdot(r, r, w);
}

static void floor_known_errors(double K)
{
  const double fl = 0.4, c = 2.0, b = 0.7, s = 0.01;
  double x[NK], y[NK], se[NK], w[NK], J[3][NK], eps[NK], r[NK];
  logspace(x, NK, 1, 1e3);
  for (int i = 0; i < NK; i++) {
    double t = pow(x[i], -b), truth = fl + c * t;
    se[i] = s * truth;
    w[i] = 1 / (se[i] * se[i]);
    J[0][i] = 1;
    J[1][i] = t;
    J[2][i] = -c * t * log(x[i]);
    eps[i] = sin(7.0 * i + 1);  /* any pattern, then orthogonalised */
  }
  wresidual(eps, J[0], J[1], w);
  memcpy(r, J[2], sizeof r);
  wresidual(r, J[0], J[1], w);
  wproject_out(eps, r, w);
  double scale = sqrt(K * (NK - 3) / wdot(eps, eps, w));
  for (int i = 0; i < NK; i++) y[i] = fl + c * J[1][i] + scale * eps[i];
  double rn2[3];
  for (int k = 0; k < 3; k++) {
    memcpy(r, J[k], sizeof r);
    rn2[k] = wresidual(r, J[(k + 1) % 3], J[(k + 2) % 3], w);
  }
  double birge = fmax(1.0, sqrt(K));
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, NK, x, y, se, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, b, FLOOR_TOL);
  ck_assert_rel(f.floor, fl, FLOOR_TOL);
  ck_assert_rel(f.c, c, FLOOR_TOL);
  ck_assert_rel(f.chi2_dof, K, 1e-8);
  ck_assert_rel(f.birge, birge, 1e-8);
  /* The implementation's Jacobian sits at the fitted b (1e-10 away).  */
  ck_assert_rel(f.floor_se, birge / sqrt(rn2[0]), 1e-6);
  ck_assert_rel(f.c_se, birge / sqrt(rn2[1]), 1e-6);
  ck_assert_rel(f.b_se, birge / sqrt(rn2[2]), 1e-6);
}

START_TEST(test_floor_known_errors_inflated)
{
  floor_known_errors(4.0);  /* Birge ratio 2 */
}
END_TEST

START_TEST(test_floor_known_errors_plain)
{
  floor_known_errors(0.25);  /* chi2/dof < 1: no inflation */
}
END_TEST

/* Deterministic 1% relative scatter around y = 0.5 + 3 x^-0.8.  */
static void floor_scatter(double *x, double *y, size_t n, uint64_t seed)
{
  uint64_t s = seed;
  logspace(x, n, 1, 1e4);
  for (size_t i = 0; i < n; i++)
    y[i] = (0.5 + 3 * pow(x[i], -0.8)) * (1 + 0.01 * gauss(&s));
}

START_TEST(test_floor_birge_scaling)
{
  /* Errors (J'WJ)^-1 chi2/dof do not change when every se is scaled
     (Birge > 1 in both fits); below Birge 1 they scale with se.  */
  enum { n = 30 };
  double x[n], y[n], se1[n], se3[n];
  floor_scatter(x, y, n, test_seed(7));
  deq_fit a, b;
  for (int i = 0; i < n; i++) {
    se1[i] = 1e-4 * y[i];
    se3[i] = 3e-4 * y[i];
  }
  ck_assert_int_eq(deq_fit_powerlaw_floor(&a, n, x, y, se1, 0, INFINITY), DEQ_OK);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&b, n, x, y, se3, 0, INFINITY), DEQ_OK);
  ck_assert(a.birge > 1 && b.birge > 1);
  ck_assert_rel(a.birge, 3 * b.birge, 1e-6);
  ck_assert_rel(a.b_se, b.b_se, 1e-6);
  ck_assert_rel(a.floor_se, b.floor_se, 1e-6);
  ck_assert_rel(a.c_se, b.c_se, 1e-6);
  /* Unweighted = relative weights 1/y^2 scaled by chi2/dof: the same.  */
  deq_fit u;
  ck_assert_int_eq(deq_fit_powerlaw_floor(&u, n, x, y, NULL, 0, INFINITY), DEQ_OK);
  ck_assert(u.birge == 1.0);
  ck_assert_rel(u.b, a.b, 1e-8);
  ck_assert_rel(u.b_se, a.b_se, 1e-6);
  ck_assert_rel(u.floor_se, a.floor_se, 1e-6);
  ck_assert_rel(u.chi2_dof, a.chi2_dof * 1e-8, 1e-6);
  /* Large se: chi2/dof < 1, errors proportional to se.  */
  for (int i = 0; i < n; i++) {
    se1[i] = 0.1 * y[i];
    se3[i] = 0.3 * y[i];
  }
  ck_assert_int_eq(deq_fit_powerlaw_floor(&a, n, x, y, se1, 0, INFINITY), DEQ_OK);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&b, n, x, y, se3, 0, INFINITY), DEQ_OK);
  ck_assert(a.chi2_dof < 1 && a.birge == 1.0 && b.birge == 1.0);
  ck_assert_rel(3 * a.b_se, b.b_se, 1e-6);
  ck_assert_rel(3 * a.floor_se, b.floor_se, 1e-6);
}
END_TEST

START_TEST(test_floor_coverage_weighted)
{
  uint64_t seed = test_seed(20240603), s = seed;
  enum { n = 30 };
  double x[n], y[n], se[n];
  logspace(x, n, 1, 1e4);
  coverage cb = {0}, cf = {0};
  for (int rep = 0; rep < R; rep++) {
    for (int i = 0; i < n; i++) {
      double truth = 0.5 + 3 * pow(x[i], -0.8);
      se[i] = 0.005 * truth;
      y[i] = truth + se[i] * gauss(&s);
    }
    deq_fit f;
    ck_assert_int_eq(deq_fit_powerlaw_floor(&f, n, x, y, se, 0, INFINITY), DEQ_OK);
    coverage_add(&cb, f.b, f.b_se, 0.8);
    coverage_add(&cf, f.floor, f.floor_se, 0.5);
  }
  coverage_check(&cb, "floor weighted, b", seed);
  coverage_check(&cf, "floor weighted, floor", seed);
}
END_TEST

START_TEST(test_floor_coverage_unweighted)
{
  uint64_t seed = test_seed(20240604), s = seed;
  enum { n = 30 };
  double x[n], y[n];
  logspace(x, n, 1, 1e4);
  coverage cb = {0}, cc = {0};
  for (int rep = 0; rep < R; rep++) {
    for (int i = 0; i < n; i++)
      y[i] = (0.05 + 1.5 * pow(x[i], -0.5)) * (1 + 0.005 * gauss(&s));
    deq_fit f;
    ck_assert_int_eq(deq_fit_powerlaw_floor(&f, n, x, y, NULL, 0, INFINITY), DEQ_OK);
    coverage_add(&cb, f.b, f.b_se, 0.5);
    coverage_add(&cc, f.c, f.c_se, 1.5);
  }
  coverage_check(&cb, "floor unweighted, b", seed);
  coverage_check(&cc, "floor unweighted, c", seed);
}
END_TEST

START_TEST(test_floor_bad_input)
{
  double x[5] = {1, 2, 4, 8, 16}, y[5], se[5] = {1, 1, 1, 1, 0};
  floor_curve(y, x, 5, 1, 1, 1);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw_floor(NULL, 5, x, y, NULL, 0, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, 3, x, y, NULL, 0, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, 5, x, y, NULL, 3, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(f.status, DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, 5, NULL, y, NULL, 0, INFINITY), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, 5, x, y, NULL, 3, 2), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, 5, x, y, se, 0, INFINITY), DEQ_EDOM);
  double same[5] = {2, 2, 2, 2, 2};
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, 5, same, y, NULL, 0, INFINITY), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, 5, x, y, se, 0, 10), DEQ_OK);
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, 4, x, y, NULL, 0, INFINITY), DEQ_OK);
  ck_assert_rel(f.b, 1.0, FLOOR_TOL);
}
END_TEST

START_TEST(test_floor_exponent_out_of_range)
{
  /* b = 30 lies beyond the search range [1e-3, 20].  */
  enum { n = 12 };
  double x[n], y[n];
  logspace(x, n, 1, 4);
  floor_curve(y, x, n, 1, 1, 30);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, n, x, y, NULL, 0, INFINITY), DEQ_ENOCONV);
  ck_assert_int_eq(f.status, DEQ_ENOCONV);
  ck_assert(f.b > 19.9);
}
END_TEST

/* ------------------------------------------------------------ local slopes */

START_TEST(test_local_slopes_power_law)
{
  /* Irregular grid: every difference of a pure power law is exact.  */
  double x[7] = {1, 1.5, 4, 4.1, 30, 200, 1e4}, y[7], b[7];
  for (int i = 0; i < 7; i++) y[i] = 2.5 * pow(x[i], -1.3);
  ck_assert_int_eq(deq_fit_local_slopes(b, 7, x, y), DEQ_OK);
  for (int i = 0; i < 7; i++) ck_assert_rel(b[i], 1.3, 1e-12);
  /* Decreasing x: the same slopes.  */
  double xr[7], yr[7];
  for (int i = 0; i < 7; i++) {
    xr[i] = x[6 - i];
    yr[i] = y[6 - i];
  }
  ck_assert_int_eq(deq_fit_local_slopes(b, 7, xr, yr), DEQ_OK);
  for (int i = 0; i < 7; i++) ck_assert_rel(b[i], 1.3, 1e-12);
}
END_TEST

START_TEST(test_local_slopes_quadratic)
{
  /* log y = -(a u^2 + c u) on a uniform grid in u: centred differences
     of a quadratic are exact (b = 2 a u + c); one-sided ones give the
     derivative at the midpoint.  */
  enum { n = 9 };
  const double a = 0.07, c = 0.4, h = 0.5;
  double x[n], y[n], b[n], u[n];
  for (int i = 0; i < n; i++) {
    u[i] = -1 + h * i;
    x[i] = exp(u[i]);
    y[i] = exp(-(a * u[i] * u[i] + c * u[i]));
  }
  ck_assert_int_eq(deq_fit_local_slopes(b, n, x, y), DEQ_OK);
  for (int i = 1; i < n - 1; i++) ck_assert_rel(b[i], 2 * a * u[i] + c, 1e-12);
  ck_assert_rel(b[0], a * (u[0] + u[1]) + c, 1e-12);
  ck_assert_rel(b[n - 1], a * (u[n - 2] + u[n - 1]) + c, 1e-12);
}
END_TEST

START_TEST(test_local_slopes_nonpositive)
{
  /* y[3] = 0: b[2], b[3], b[4] use it (or are it) and are NAN.  */
  double x[7] = {1, 2, 3, 4, 5, 6, 7}, y[7], b[7];
  for (int i = 0; i < 7; i++) y[i] = 1 / x[i];
  y[3] = 0;
  y[6] = -1;
  ck_assert_int_eq(deq_fit_local_slopes(b, 7, x, y), DEQ_OK);
  ck_assert_rel(b[0], 1.0, 1e-14);
  ck_assert_rel(b[1], 1.0, 1e-14);
  ck_assert(isnan(b[2]) && isnan(b[3]) && isnan(b[4]));
  ck_assert(isnan(b[5]) && isnan(b[6]));
}
END_TEST

START_TEST(test_local_slopes_bad_input)
{
  double x[3] = {1, 2, 3}, y[3] = {1, 0.5, 0.3}, b[3];
  double bad[3] = {1, 3, 2}, zero[3] = {0, 1, 2}, dup[3] = {1, 1, 2};
  ck_assert_int_eq(deq_fit_local_slopes(b, 1, x, y), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_local_slopes(NULL, 3, x, y), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_local_slopes(b, 3, NULL, y), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_local_slopes(b, 3, x, NULL), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_local_slopes(b, 3, bad, y), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_local_slopes(b, 3, zero, y), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_local_slopes(b, 3, dup, y), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_local_slopes(b, 2, x, y), DEQ_OK);
  ck_assert_rel(b[0], 1.0, 1e-14);
  ck_assert_rel(b[1], 1.0, 1e-14);
}
END_TEST

/* ------------------------------------------------------------ predictions */

static deq_exponent predict(double alpha, double r, deq_ridge_regime regime,
                            double ell, int noisy)
{
  deq_exponent e;
  ck_assert_int_eq(deq_fit_predict_ridge(&e, alpha, r, regime, ell, noisy), DEQ_OK);
  return e;
}

/* The worked examples of scaling_dynamics.md 1.3 (fits to the DE there
   agree to ~0.01): the predicted values are exact fractions.  */
START_TEST(test_predict_worked_examples)
{
  static const struct {
    double alpha, r, ridgeless, optimal, lambda_b;
  } ex[] = {
    {1.5, 0.4, 1.2, 6.0 / 11, 15.0 / 22},   /* 0.5454..., 0.6818... */
    {2.0, 0.25, 1.0, 0.5, 1.0},
    {2.0, 0.75, 3.0, 0.75, 0.5},
    {1.5, 1.5, 3.0, 0.75, 0.375},           /* saturated: r' = 1 */
  };
  for (size_t k = 0; k < sizeof ex / sizeof ex[0]; k++) {
    deq_exponent e = predict(ex[k].alpha, ex[k].r, DEQ_REGIME_RIDGELESS, 0, 0);
    ck_assert_rel(e.b, ex[k].ridgeless, 1e-15);
    ck_assert_int_eq(e.floor, 0);
    ck_assert(isnan(e.lambda_b));
    e = predict(ex[k].alpha, ex[k].r, DEQ_REGIME_OPTIMAL, 0, 1);
    ck_assert_rel(e.b, ex[k].optimal, 1e-15);
    ck_assert_rel(e.lambda_b, ex[k].lambda_b, 1e-15);
    ck_assert_int_eq(e.floor, 0);
  }
  ck_assert_rel(predict(1.5, 0.4, DEQ_REGIME_OPTIMAL, 0, 1).b, 0.54545454545454545, 1e-15);
  ck_assert_rel(predict(1.5, 0.4, DEQ_REGIME_OPTIMAL, 0, 1).lambda_b, 0.68181818181818182, 1e-15);
}
END_TEST

START_TEST(test_predict_ridgeless)
{
  /* Noiseless: 2 alpha r'.  Noisy: plateau sigma^2 (alpha - 1), approached
     as P^-min(2 alpha r', 1).  */
  deq_exponent e = predict(2.0, 0.1, DEQ_REGIME_RIDGELESS, 0, 0);
  ck_assert_rel(e.b, 0.4, 1e-15);
  e = predict(2.0, 0.1, DEQ_REGIME_RIDGELESS, 0, 1);
  ck_assert_int_eq(e.floor, 1);
  ck_assert_rel(e.b, 0.4, 1e-15);
  e = predict(1.5, 0.4, DEQ_REGIME_RIDGELESS, 0, 1);
  ck_assert_int_eq(e.floor, 1);
  ck_assert_rel(e.b, 1.0, 1e-15);
  ck_assert(isnan(e.lambda_b));
  ck_assert_rel(predict(3.0, 7.0, DEQ_REGIME_RIDGELESS, 0, 0).b, 6.0, 1e-15);
}
END_TEST

START_TEST(test_predict_fixed)
{
  for (int noisy = 0; noisy <= 1; noisy++) {
    deq_exponent e = predict(1.5, 0.4, DEQ_REGIME_FIXED, 0, noisy);
    ck_assert_int_eq(e.floor, 1);
    ck_assert(e.b == 1.0);
    ck_assert(isnan(e.lambda_b));
  }
}
END_TEST

START_TEST(test_predict_scaled)
{
  /* Noiseless: 2 r' min(ell, alpha).  */
  ck_assert_rel(predict(2.0, 0.5, DEQ_REGIME_SCALED, 0.5, 0).b, 0.5, 1e-15);
  ck_assert_rel(predict(2.0, 0.5, DEQ_REGIME_SCALED, 3.0, 0).b, 2.0, 1e-15);
  ck_assert_rel(predict(2.0, 1.5, DEQ_REGIME_SCALED, 1.0, 0).b, 2.0, 1e-15);
  ck_assert_int_eq(predict(2.0, 0.5, DEQ_REGIME_SCALED, 0.5, 0).floor, 0);
  /* Noisy, ell < alpha: min(bias 2 r' ell, variance 1 - ell/alpha).  */
  deq_exponent e = predict(2.0, 0.5, DEQ_REGIME_SCALED, 0.5, 1);
  ck_assert_rel(e.b, 0.5, 1e-15);          /* min(0.5, 0.75) */
  ck_assert_int_eq(e.floor, 0);
  e = predict(2.0, 0.5, DEQ_REGIME_SCALED, 1.5, 1);
  ck_assert_rel(e.b, 0.25, 1e-15);         /* min(1.5, 0.25) */
  /* The best ell balances the two: ell = alpha/(2 alpha r' + 1), which
     gives the optimal-ridge exponent.  */
  double ell = 1.5 / 2.2;
  ck_assert_rel(predict(1.5, 0.4, DEQ_REGIME_SCALED, ell, 1).b, 6.0 / 11, 1e-14);
  /* Noisy, ell >= alpha: ridge below kappa0, as ridgeless.  */
  e = predict(1.5, 0.4, DEQ_REGIME_SCALED, 2.0, 1);
  ck_assert_int_eq(e.floor, 1);
  ck_assert_rel(e.b, 1.0, 1e-15);
  e = predict(2.0, 0.1, DEQ_REGIME_SCALED, 2.0, 1);
  ck_assert_int_eq(e.floor, 1);
  ck_assert_rel(e.b, 0.4, 1e-15);
  ck_assert(isnan(e.lambda_b));
}
END_TEST

START_TEST(test_predict_optimal_noiseless)
{
  deq_exponent e = predict(2.0, 0.3, DEQ_REGIME_OPTIMAL, 0, 0);
  ck_assert_rel(e.b, 1.2, 1e-15);
  ck_assert_int_eq(e.floor, 0);
  ck_assert(isnan(e.lambda_b));
}
END_TEST

START_TEST(test_predict_invalid)
{
  deq_exponent e;
  ck_assert_int_eq(deq_fit_predict_ridge(NULL, 1.5, 0.4, DEQ_REGIME_RIDGELESS, 0, 0), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.0, 0.4, DEQ_REGIME_RIDGELESS, 0, 0), DEQ_EDOM);
  ck_assert(isnan(e.b));
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 0.5, 0.4, DEQ_REGIME_OPTIMAL, 0, 1), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, NAN, 0.4, DEQ_REGIME_OPTIMAL, 0, 1), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, INFINITY, 0.4, DEQ_REGIME_OPTIMAL, 0, 1), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, 0.0, DEQ_REGIME_FIXED, 0, 1), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, -1, DEQ_REGIME_FIXED, 0, 1), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, NAN, DEQ_REGIME_FIXED, 0, 1), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, 0.4, DEQ_REGIME_SCALED, 0, 0), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, 0.4, DEQ_REGIME_SCALED, -1, 1), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, 0.4, DEQ_REGIME_SCALED, NAN, 1), DEQ_EDOM);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, 0.4, (deq_ridge_regime)7, 0, 1), DEQ_EINVAL);
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, 0.4, (deq_ridge_regime)-1, 0, 1), DEQ_EINVAL);
  /* ell is ignored outside the scaled regime.  */
  ck_assert_int_eq(deq_fit_predict_ridge(&e, 1.5, 0.4, DEQ_REGIME_FIXED, -1, 1), DEQ_OK);
}
END_TEST

/* ------------------------------------------------------------ theory curves */

/* E_g(P) of the ridge deterministic equivalent on an infinite power law.  */
static void ridge_curve(double *Eg, const double *P, size_t n, double alpha,
                        double r, double lambda, double noise)
{
  deq_powerlaw pl;
  deq_powerlaw_init(&pl);
  pl.alpha = alpha;
  pl.r = r;
  pl.n = INFINITY;
  deq_spectrum *sp = NULL;
  ck_assert_int_eq(deq_spectrum_powerlaw(&sp, &pl), DEQ_OK);
  deq_ridge_point pt, prev;
  for (size_t i = 0; i < n; i++) {
    ck_assert_int_eq(deq_ridge_solve(&pt, sp, P[i], lambda, noise, i ? &prev : NULL),
                     DEQ_OK);
    Eg[i] = pt.E_g;
    prev = pt;
  }
  deq_spectrum_free(sp);
}

START_TEST(test_ridge_de_ridgeless_exponent)
{
  /* Noiseless ridgeless, alpha = 1.5, r = 0.4: predicted P^-1.2; the
     fit over one decade of the DE gives 1.2010 (scaling_dynamics.md
     1.3), with O(1/P) corrections.  */
  enum { n = 17 };
  double P[n], Eg[n];
  logspace(P, n, 1e3, 1e4);
  ridge_curve(Eg, P, n, 1.5, 0.4, 0.0, 0.0);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw(&f, n, P, Eg, NULL, 0, INFINITY), DEQ_OK);
  deq_exponent e = predict(1.5, 0.4, DEQ_REGIME_RIDGELESS, 0, 0);
  ck_assert_msg(fabs(f.b - e.b) < 0.02, "fitted %.6f vs predicted %.6f", f.b, e.b);
}
END_TEST

START_TEST(test_ridge_de_fixed_ridge_floor)
{
  /* Fixed lambda: E_g -> B(lambda) with a 1/P approach (variance-
     limited).  Over P in [1e4, 1e6] the next order is smaller by
     df1(lambda)/P < 0.6% (df1(1e-2) ~ 52), so it moves the fitted
     exponent by well under 0.01 and the floor by well under 1e-5 of
     B(lambda) (the whole 1/P term is 1.5e-4 of it at P = 1e6).  */
  enum { n = 21 };
  const double lambda = 1e-2;
  double P[n], Eg[n];
  logspace(P, n, 1e4, 1e6);
  ridge_curve(Eg, P, n, 1.5, 0.4, lambda, 0.1);
  deq_fit f;
  ck_assert_int_eq(deq_fit_powerlaw_floor(&f, n, P, Eg, NULL, 0, INFINITY), DEQ_OK);
  deq_exponent e = predict(1.5, 0.4, DEQ_REGIME_FIXED, 0, 1);
  ck_assert_msg(fabs(f.b - e.b) < 0.01, "fitted %.6f vs predicted %.6f", f.b, e.b);
  /* The floor is the bias B(lambda) = lambda^2 sum v/(s + lambda)^2.  */
  deq_spectrum *sp = test_sp_powerlaw(INFINITY);
  deq_moments m;
  ck_assert_int_eq(deq_resolvent_moments(&m, sp, lambda), DEQ_OK);
  deq_spectrum_free(sp);
  ck_assert_msg(fabs(f.floor - m.bias) < 1e-5 * m.bias,
                "floor %.10g vs B(lambda) %.10g", f.floor, m.bias);
}
END_TEST

static Suite *fit_suite(void)
{
  Suite *s = suite_create("fit");
  TCase *tp = tcase_create("powerlaw");
  tcase_add_test(tp, test_powerlaw_exact_unweighted);
  tcase_add_test(tp, test_powerlaw_exact_weighted);
  tcase_add_test(tp, test_powerlaw_window_and_skips);
  tcase_add_test(tp, test_powerlaw_birge_inflates);
  tcase_add_test(tp, test_powerlaw_birge_not_below_one);
  tcase_add_test(tp, test_powerlaw_unweighted_errors);
  tcase_add_test(tp, test_powerlaw_two_points);
  tcase_add_test(tp, test_powerlaw_too_few_points);
  tcase_add_test(tp, test_powerlaw_bad_input);
  tcase_add_test(tp, test_powerlaw_coverage_weighted);
  tcase_add_test(tp, test_powerlaw_coverage_unweighted);
  tcase_add_test(tp, test_powerlaw_ci95_quantile);
  tcase_add_test(tp, test_powerlaw_ci95_coverage);
  suite_add_tcase(s, tp);
  TCase *tf = tcase_create("floor");
  tcase_add_test(tf, test_floor_exact_unweighted);
  tcase_add_test(tf, test_floor_exact_weighted);
  tcase_add_test(tf, test_floor_exact_various);
  tcase_add_test(tf, test_floor_window);
  tcase_add_test(tf, test_floor_known_errors_inflated);
  tcase_add_test(tf, test_floor_known_errors_plain);
  tcase_add_test(tf, test_floor_birge_scaling);
  tcase_add_test(tf, test_floor_coverage_weighted);
  tcase_add_test(tf, test_floor_coverage_unweighted);
  tcase_add_test(tf, test_floor_bad_input);
  tcase_add_test(tf, test_floor_exponent_out_of_range);
  suite_add_tcase(s, tf);
  TCase *tl = tcase_create("slopes");
  tcase_add_test(tl, test_local_slopes_power_law);
  tcase_add_test(tl, test_local_slopes_quadratic);
  tcase_add_test(tl, test_local_slopes_nonpositive);
  tcase_add_test(tl, test_local_slopes_bad_input);
  suite_add_tcase(s, tl);
  TCase *tr = tcase_create("predict");
  tcase_add_test(tr, test_predict_worked_examples);
  tcase_add_test(tr, test_predict_ridgeless);
  tcase_add_test(tr, test_predict_fixed);
  tcase_add_test(tr, test_predict_scaled);
  tcase_add_test(tr, test_predict_optimal_noiseless);
  tcase_add_test(tr, test_predict_invalid);
  suite_add_tcase(s, tr);
  TCase *td = tcase_create("theory");
  tcase_add_test(td, test_ridge_de_ridgeless_exponent);
  tcase_add_test(td, test_ridge_de_fixed_ridge_floor);
  tcase_set_timeout(td, 60);
  suite_add_tcase(s, td);
  return s;
}

int main(void)
{
  return test_run(fit_suite());
}
