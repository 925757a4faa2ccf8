/* test/t-solve.c -- scalar root finding: a table of problems swept through
 * both solvers (GSL style), plus bad brackets, iteration limits and error
 * propagation.  Roots are known in closed form (sqrt 2, log 2, Cardano's
 * formula in long double, 1, 0, 1e-300).  */
#include <config.h>
#include <deq/solve.h>
#include "testutil.h"

#include <float.h>

/* ------------------------------------------------------------ problems */

static deq_status sq2_fdf(double x, void *p, double *f, double *df)
{
  (void)p; *f = x * x - 2; *df = 2 * x; return DEQ_OK;
}
static double sq2_f(double x, void *p) { (void)p; return x * x - 2; }

static deq_status exp2_fdf(double x, void *p, double *f, double *df)
{
  (void)p; *f = exp(x) - 2; *df = exp(x); return DEQ_OK;
}
static double exp2_f(double x, void *p) { (void)p; return exp(x) - 2; }

/* Wallis' cubic x^3 - 2x - 5.  */
static deq_status wallis_fdf(double x, void *p, double *f, double *df)
{
  (void)p; *f = (x * x - 2) * x - 5; *df = 3 * x * x - 2; return DEQ_OK;
}
static double wallis_f(double x, void *p) { (void)p; return (x * x - 2) * x - 5; }

/* x^3 - 2x + 2: plain Newton from 0 cycles 0 -> 1 -> 0 -> ...  */
static deq_status cycle_fdf(double x, void *p, double *f, double *df)
{
  (void)p; *f = (x * x - 2) * x + 2; *df = 3 * x * x - 2; return DEQ_OK;
}
static double cycle_f(double x, void *p) { (void)p; return (x * x - 2) * x + 2; }

/* atan: plain Newton from 10 overshoots to -139 and diverges.  */
static deq_status atan_fdf(double x, void *p, double *f, double *df)
{
  (void)p; *f = atan(x); *df = 1 / (1 + x * x); return DEQ_OK;
}
static double atan_f(double x, void *p) { (void)p; return atan(x); }

/* cbrt: the Newton step maps x to -2x, so plain Newton diverges.  */
static deq_status cbrt_fdf(double x, void *p, double *f, double *df)
{
  (void)p;
  double c = cbrt(x);
  *f = c;
  *df = c != 0 ? 1 / (3 * c * c) : INFINITY;
  return DEQ_OK;
}
static double cbrt_f(double x, void *p) { (void)p; return cbrt(x); }

/* A root at 1e-300: log(x) - log(1e-300).  */
static deq_status tiny_fdf(double x, void *p, double *f, double *df)
{
  (void)p; *f = log(x) - log(1e-300); *df = 1 / x; return DEQ_OK;
}
static double tiny_f(double x, void *p) { (void)p; return log(x) - log(1e-300); }

/* Double root made sign-changing: (x-1)|x-1|; x - 1 is exact near 1, so
   the sign of f is exact and the root is resolvable to the last ulp.  */
static deq_status dbl_fdf(double x, void *p, double *f, double *df)
{
  (void)p; double d = x - 1; *f = d * fabs(d); *df = 2 * fabs(d); return DEQ_OK;
}
static double dbl_f(double x, void *p) { (void)p; double d = x - 1; return d * fabs(d); }

/* Triple root (x-1)^3.  */
static deq_status cube_fdf(double x, void *p, double *f, double *df)
{
  (void)p; double d = x - 1; *f = d * d * d; *df = 3 * d * d; return DEQ_OK;
}
static double cube_f(double x, void *p) { (void)p; double d = x - 1; return d * d * d; }

struct problem {
  const char *name;
  deq_fdf fdf;
  deq_func f;
  double lo, hi, x0;         /* Newton bracket and start */
  double blo, bhi;           /* Brent bracket */
  long double root;
  double xtol, atol;
  double fmax;               /* accepted |f| at the answer */
  double xabs;               /* extra error from rounding in f (0: 4 ulp) */
  int newton_evals;          /* accepted Newton evaluations (see below) */
  int brent_evals;
};

/* Cardano, one real root of x^3 + p x + q (discriminant > 0).  */
static long double cardano(long double p, long double q)
{
  long double d = sqrtl(q * q / 4 + p * p * p / 27);
  return cbrtl(-q / 2 + d) + cbrtl(-q / 2 - d);
}

/* Evaluation budgets: smooth simple roots converge quadratically, about 6
   Newton steps from these starts (Wallis from 2.5: errors 0.41, 0.07,
   2.6e-3, 3.7e-6, 7.9e-12, 1e-16), so 12 evaluations cover the two
   endpoints, the steps and a confirming one.  Linear cases (multiple roots, bisection on
   cbrt) need ~log(width/tol)/log(1/ratio) <= 100 steps.  The tiny root is
   reached by geometric bisection in ~10 halvings of a 700-wide log range
   (arithmetic bisection would need ~1000).  Brent's budget is generous:
   its worst case is quadratic in the bisection count.  */
static size_t problems(struct problem *t)
{
  size_t n = 0;
  t[n++] = (struct problem){ "x^2 - 2", sq2_fdf, sq2_f, 0, 2, 1, 0, 2,
                             sqrtl(2), 1e-15, 0, 1e-13, 0, 12, 40 };
  t[n++] = (struct problem){ "exp(x) - 2", exp2_fdf, exp2_f, -1, 3, 3, -1, 3,
                             logl(2), 1e-15, 0, 1e-13, 0, 12, 40 };
  t[n++] = (struct problem){ "x^3 - 2x - 5", wallis_fdf, wallis_f, 2, 3, 2.5, 2, 3,
                             cardano(-2, -5), 1e-15, 0, 1e-12, 0, 12, 40 };
  t[n++] = (struct problem){ "x^3 - 2x + 2 (cycle)", cycle_fdf, cycle_f, -3, 1, 0,
                             -3, 1, cardano(-2, 2), 1e-15, 0, 1e-12, 0, 40, 60 };
  t[n++] = (struct problem){ "atan(x) from 10", atan_fdf, atan_f, -5, 15, 10, -5, 15,
                             0, 1e-15, 1e-15, 1e-14, 0, 60, 100 };
  t[n++] = (struct problem){ "cbrt(x)", cbrt_fdf, cbrt_f, -1, 2, 1, -1, 2,
                             0, 1e-15, 1e-14, INFINITY, 0, 120, 200 };
  t[n++] = (struct problem){ "log(x/1e-300)", tiny_fdf, tiny_f, 1e-305, 1, 1,
                             1e-305, 1e-295, 1e-300L, 1e-15, 0, 1e-12,
                             /* log(x) ~ -690 carries 690 eps: 2e-13 rel */
                             2e-13 * 1e-300, 60, 200 };
  t[n++] = (struct problem){ "(x-1)|x-1|", dbl_fdf, dbl_f, 0, 3, 3, 0, 3,
                             1, 1e-15, 0, 1e-26, 0, 120, 200 };
  t[n++] = (struct problem){ "(x-1)^3", cube_fdf, cube_f, 0, 3, 3, 0, 3,
                             1, 1e-15, 0, 1e-39, 0, 200, 200 };
  return n;
}

/* The answer must be within the requested tolerance of the true root
   (twice the stopping tolerance plus rounding), inside its final bracket,
   and that bracket must still change sign.  */
static int check_answer(const struct problem *p, const char *method,
                        deq_status st, const deq_root *r, int budget)
{
  double err = (double)fabsl((long double)r->x - p->root);
  double allow = 4 * (p->xtol * (double)fabsl(p->root) + p->atol) +
                 (p->xabs > 0 ? p->xabs : 4 * DBL_EPSILON * (double)fabsl(p->root));
  double flo = p->f(r->lo, NULL), fhi = p->f(r->hi, NULL);
  int ok = st == DEQ_OK && r->status == DEQ_OK && err <= allow &&
           fabs(p->f(r->x, NULL)) <= p->fmax && r->lo <= r->x &&
           r->x <= r->hi && !(flo * fhi > 0) && r->iterations > 0 &&
           r->iterations <= budget;
  printf("%-7s %-22s evals %3d  x = %-24.17g err %.2e (allow %.1e) "
         "|f| %.2e  [%g, %g]  %s%s\n", method, p->name, r->iterations, r->x,
         err, allow, fabs(r->f), r->lo, r->hi, deq_strerror(st),
         ok ? "" : "   <-- WRONG");
  return !ok;
}

START_TEST(test_newton_table)
{
  struct problem t[16];
  size_t n = problems(t);
  int failures = 0;
  for (size_t i = 0; i < n; i++) {
    deq_root r;
    memset(&r, 0, sizeof r);
    deq_status st = deq_solve_newton(&r, t[i].fdf, NULL, t[i].lo, t[i].hi,
                                     t[i].x0, t[i].xtol, t[i].atol, 200);
    failures += check_answer(&t[i], "newton", st, &r, t[i].newton_evals);
  }
  ck_assert_msg(failures == 0, "%d Newton problems failed (see table)", failures);
}
END_TEST

START_TEST(test_brent_table)
{
  struct problem t[16];
  size_t n = problems(t);
  int failures = 0;
  for (size_t i = 0; i < n; i++) {
    deq_root r;
    memset(&r, 0, sizeof r);
    t[i].lo = t[i].blo;
    t[i].hi = t[i].bhi;
    deq_status st = deq_solve_brent(&r, t[i].f, NULL, t[i].lo, t[i].hi,
                                    t[i].xtol, t[i].atol, 1000);
    failures += check_answer(&t[i], "brent", st, &r, t[i].brent_evals);
  }
  ck_assert_msg(failures == 0, "%d Brent problems failed (see table)", failures);
}
END_TEST

/* deq_solve_newton_dir: the same problems with the orientation given
   (every table problem has f(lo) < 0 < f(hi)); it skips the endpoint
   evaluations, so it may not need more evaluations than deq_solve_newton. */
START_TEST(test_newton_dir_table)
{
  struct problem t[16];
  size_t n = problems(t);
  int failures = 0;
  for (size_t i = 0; i < n; i++) {
    deq_root r, plain;
    memset(&r, 0, sizeof r);
    deq_status st = deq_solve_newton_dir(&r, t[i].fdf, NULL, t[i].lo, t[i].hi,
                                         t[i].x0, +1, t[i].xtol, t[i].atol, 200);
    failures += check_answer(&t[i], "dir +1", st, &r, t[i].newton_evals);
    deq_solve_newton(&plain, t[i].fdf, NULL, t[i].lo, t[i].hi, t[i].x0,
                     t[i].xtol, t[i].atol, 200);
    if (r.iterations > plain.iterations) {
      printf("dir +1 %s: %d evaluations, plain Newton %d\n", t[i].name,
             r.iterations, plain.iterations);
      failures++;
    }
  }
  ck_assert_msg(failures == 0, "%d oriented Newton problems failed", failures);
}
END_TEST

static deq_status neg_sq2_fdf(double x, void *p, double *f, double *df)
{
  (void)p; *f = 2 - x * x; *df = -2 * x; return DEQ_OK;
}

START_TEST(test_newton_dir_decreasing)
{
  deq_root r;
  ck_assert_int_eq(deq_solve_newton_dir(&r, neg_sq2_fdf, NULL, 0, 2, 2, -1,
                                        1e-15, 0, 100), DEQ_OK);
  ck_assert_rel(r.x, sqrt(2.0), 4e-15);
  ck_assert(r.lo <= r.x && r.x <= r.hi);
  ck_assert_int_le(r.iterations, 20);
  ck_assert_int_eq(deq_solve_newton_dir(&r, sq2_fdf, NULL, 0, 2, 0.5, +1,
                                        1e-15, 0, 100), DEQ_OK);
  ck_assert_rel(r.x, sqrt(2.0), 4e-15);
}
END_TEST

/* Plain parameters are passed through untouched.  */
struct shift { double c; int calls; };

static deq_status shift_fdf(double x, void *p, double *f, double *df)
{
  struct shift *s = p;
  s->calls++;
  *f = x * x - s->c;
  *df = 2 * x;
  return DEQ_OK;
}
static double shift_f(double x, void *p)
{
  struct shift *s = p;
  s->calls++;
  return x * x - s->c;
}

START_TEST(test_params_and_eval_count)
{
  struct shift s = { 3.0, 0 };
  deq_root r;
  ck_assert_int_eq(deq_solve_newton(&r, shift_fdf, &s, 0, 3, 3, 1e-15, 0, 100), DEQ_OK);
  ck_assert_rel(r.x, sqrt(3.0), 4e-15);
  ck_assert_int_eq(r.iterations, s.calls);   /* iterations = evaluations */
  s.calls = 0;
  ck_assert_int_eq(deq_solve_brent(&r, shift_f, &s, 0, 3, 1e-15, 0, 100), DEQ_OK);
  ck_assert_rel(r.x, sqrt(3.0), 4e-15);
  ck_assert_int_eq(r.iterations, s.calls);
}
END_TEST

/* f(lo) = 0 or f(hi) = 0: that endpoint is the answer.  */
START_TEST(test_root_at_endpoint)
{
  struct shift s = { 4.0, 0 };
  deq_root r;
  ck_assert_int_eq(deq_solve_newton(&r, shift_fdf, &s, 2, 5, 3, 1e-15, 0, 50), DEQ_OK);
  ck_assert(r.x == 2.0);
  ck_assert_int_eq(deq_solve_newton(&r, shift_fdf, &s, 0, 2, 1, 1e-15, 0, 50), DEQ_OK);
  ck_assert(r.x == 2.0);
  ck_assert_int_eq(deq_solve_brent(&r, shift_f, &s, 2, 5, 1e-15, 0, 50), DEQ_OK);
  ck_assert(r.x == 2.0);
  ck_assert_int_eq(deq_solve_brent(&r, shift_f, &s, 0, 2, 1e-15, 0, 50), DEQ_OK);
  ck_assert(r.x == 2.0);
}
END_TEST

/* Too few iterations: DEQ_ENOCONV in the return value and in out->status,
   and the best bracket so far is still a bracket.  */
START_TEST(test_max_iter)
{
  deq_root r;
  memset(&r, 0, sizeof r);
  deq_status st = deq_solve_newton(&r, sq2_fdf, NULL, 0, 100, 100, 1e-15, 0, 3);
  ck_assert_int_eq(st, DEQ_ENOCONV);
  ck_assert_int_eq(r.status, DEQ_ENOCONV);
  ck_assert_int_le(r.iterations, 3 + 2);
  ck_assert(r.lo <= r.hi && sq2_f(r.lo, NULL) <= 0 && sq2_f(r.hi, NULL) >= 0);

  memset(&r, 0, sizeof r);
  st = deq_solve_newton_dir(&r, sq2_fdf, NULL, 0, 100, 100, 1, 1e-15, 0, 3);
  ck_assert_int_eq(st, DEQ_ENOCONV);
  ck_assert_int_eq(r.status, DEQ_ENOCONV);
  ck_assert_int_le(r.iterations, 3);

  memset(&r, 0, sizeof r);
  st = deq_solve_brent(&r, sq2_f, NULL, 0, 100, 1e-15, 0, 3);
  ck_assert_int_eq(st, DEQ_ENOCONV);
  ck_assert_int_eq(r.status, DEQ_ENOCONV);
  ck_assert_int_le(r.iterations, 3 + 2);
  ck_assert(r.lo <= r.hi && sq2_f(r.lo, NULL) <= 0 && sq2_f(r.hi, NULL) >= 0);
}
END_TEST

START_TEST(test_bad_brackets)
{
  deq_root r;
  /* no sign change */
  ck_assert_st(deq_solve_newton(&r, sq2_fdf, NULL, 2, 3, 2.5, 1e-15, 0, 50),
               DEQ_EDOM);
  ck_assert_st(deq_solve_brent(&r, sq2_f, NULL, 2, 3, 1e-15, 0, 50), DEQ_EDOM);
  ck_assert_st(deq_solve_brent(&r, sq2_f, NULL, -1, 1, 1e-15, 0, 50),
               DEQ_EDOM);
  /* empty bracket away from the root */
  ck_assert_st(deq_solve_newton(&r, sq2_fdf, NULL, 3, 3, 3, 1e-15, 0, 50),
               DEQ_EDOM);
  ck_assert_st(deq_solve_brent(&r, sq2_f, NULL, 3, 3, 1e-15, 0, 50), DEQ_EDOM);
  /* non-finite ends */
  ck_assert_st(deq_solve_newton(&r, sq2_fdf, NULL, NAN, 2, 1, 1e-15, 0, 50),
               DEQ_EDOM);
  ck_assert_st(deq_solve_brent(&r, sq2_f, NULL, 0, NAN, 1e-15, 0, 50),
               DEQ_EDOM);
  /* a start outside the bracket is clamped into it (solve.h), not refused:
     the answer is the root */
  const double outside[] = { 5, -1, INFINITY, -INFINITY };
  for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
    ck_assert_st(deq_solve_newton(&r, sq2_fdf, NULL, 0, 2, outside[i], 1e-15,
                                  0, 50), DEQ_OK);
    ck_assert_rel(r.x, sqrt(2.0), 4e-15);
    ck_assert_st(deq_solve_newton_dir(&r, sq2_fdf, NULL, 0, 2, outside[i], 1,
                                      1e-15, 0, 50), DEQ_OK);
    ck_assert_rel(r.x, sqrt(2.0), 4e-15);
  }
  /* orientation must be +1 or -1 */
  ck_assert_st(deq_solve_newton_dir(&r, sq2_fdf, NULL, 0, 2, 1, 0, 1e-15, 0,
                                    50),
               DEQ_EINVAL);
  ck_assert_st(deq_solve_newton_dir(&r, sq2_fdf, NULL, 0, 2, 1, 2, 1e-15, 0,
                                    50),
               DEQ_EINVAL);
  ck_assert_st(deq_solve_newton_dir(&r, sq2_fdf, NULL, NAN, 2, 1, 1, 1e-15, 0,
                                    50),
               DEQ_EDOM);
  /* no function */
  ck_assert_st(deq_solve_newton(&r, NULL, NULL, 0, 2, 1, 1e-15, 0, 50),
               DEQ_EINVAL);
  ck_assert_st(deq_solve_brent(&r, NULL, NULL, 0, 2, 1e-15, 0, 50),
               DEQ_EINVAL);
}
END_TEST

/* A failing fdf aborts the solve and its status comes back.  */
static deq_status failing_fdf(double x, void *p, double *f, double *df)
{
  int *calls = p;
  if (++*calls > 3)
    return DEQ_EDOM;
  *f = x * x - 2;
  *df = 2 * x;
  return DEQ_OK;
}

START_TEST(test_fdf_error_aborts)
{
  int calls = 0;
  deq_root r;
  deq_status st = deq_solve_newton(&r, failing_fdf, &calls, 0, 100, 100, 1e-15, 0, 100);
  ck_assert_int_eq(st, DEQ_EDOM);
  ck_assert_int_eq(calls, 4);   /* no call after the failure */
}
END_TEST

/* A jump from -1 to +Inf at x = 1 (an overflowing residual) has no root:
   the bracket collapses onto it, which must not be reported as one.  */
static deq_status jump_fdf(double x, void *p, double *f, double *df)
{
  (void)p;
  *f = x < 1 ? -1.0 : INFINITY;
  *df = 0;
  return DEQ_OK;
}

START_TEST(test_newton_infinite_jump)
{
  deq_root r;
  ck_assert_st(deq_solve_newton_dir(&r, jump_fdf, NULL, 0, 2, 0.5, 1, 1e-12, 0,
                                    200), DEQ_ENOCONV);
  ck_assert_st(deq_solve_newton_dir(&r, jump_fdf, NULL, 0, 2, 2, 1, 1e-12, 0,
                                    200), DEQ_ENOCONV);
}
END_TEST

/* Brent's minimiser: minima known in closed form, an end-point minimum,
   and bad arguments.  The minimiser of a smooth function is only located to
   ~sqrt(eps) relative by function values, so the tolerance is 1e-7.  */
static double quad_min(double x, void *p)
{
  (void)p;
  return (x - 2) * (x - 2) + 1;
}

static double cos_min(double x, void *p)
{
  (void)p;
  return cos(x);
}

static double exp_min(double x, void *p)
{
  (void)p;
  return exp(x);
}

START_TEST(test_brent_min)
{
  deq_root r;
  ck_assert_int_eq(deq_solve_brent_min(&r, quad_min, NULL, 0, 5, 0.5, 1e-10, 1e-12, 100), DEQ_OK);
  ck_assert(fabs(r.x - 2) < 1e-7);
  ck_assert(fabs(r.f - 1) < 1e-14);
  ck_assert_int_eq(deq_solve_brent_min(&r, cos_min, NULL, 2, 5, 4, 1e-10, 1e-12, 100), DEQ_OK);
  ck_assert(fabs(r.x - M_PI) < 1e-7);
  ck_assert(fabs(r.f + 1) < 1e-14);
  ck_assert(r.iterations > 0 && r.iterations < 100);
  /* increasing function: the minimum sits at the left end */
  ck_assert_int_eq(deq_solve_brent_min(&r, exp_min, NULL, -1, 1, 0.5, 1e-10, 1e-12, 200), DEQ_OK);
  ck_assert(r.x < -1 + 1e-9);
  /* iteration limit, bad tolerance, start outside the interval */
  ck_assert_int_eq(deq_solve_brent_min(&r, cos_min, NULL, 2, 5, 4, 1e-10, 1e-12, 2), DEQ_ENOCONV);
  ck_assert_int_eq(deq_solve_brent_min(&r, cos_min, NULL, 2, 5, 4, 1e-10, 0, 100), DEQ_EINVAL);
  ck_assert_int_eq(deq_solve_brent_min(&r, cos_min, NULL, 2, 5, 6, 1e-10, 1e-12, 100), DEQ_EDOM);
  ck_assert_int_eq(deq_solve_brent_min(&r, cos_min, NULL, 5, 2, 4, 1e-10, 1e-12, 100), DEQ_EDOM);
}
END_TEST

static Suite *solve_suite(void)
{
  Suite *s = suite_create("solve");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_newton_table);
  tcase_add_test(tc, test_brent_table);
  tcase_add_test(tc, test_newton_dir_table);
  tcase_add_test(tc, test_newton_dir_decreasing);
  tcase_add_test(tc, test_params_and_eval_count);
  tcase_add_test(tc, test_root_at_endpoint);
  tcase_add_test(tc, test_max_iter);
  tcase_add_test(tc, test_bad_brackets);
  tcase_add_test(tc, test_fdf_error_aborts);
  tcase_add_test(tc, test_newton_infinite_jump);
  tcase_add_test(tc, test_brent_min);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep output of failing forks */
  return test_run(solve_suite());
}
