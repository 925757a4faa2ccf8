/* test/t-spectrum.c -- spectral measures: validation, constructors, the
 * power-law tail, compression, targets and the file readers.
 *
 * Expected values are computed here independently: direct sums in long
 * double, closed forms, and Euler-Maclaurin sums of k^-p (em_sum) whose
 * remainder after the B6 term is below 1e-25 for the ranges used.  */
#include <config.h>
#include <deq/spectrum.h>
#include <deq/resolvent.h>
#include "testutil.h"

#include <float.h>
#include <unistd.h>


/* ------------------------------------------------------------ helpers */

static deq_spectrum *make(size_t n, const double *s, const double *m,
                          const double *v)
{
  deq_spectrum *sp = NULL;
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_spectrum_from_arrays(&sp, n, s, m, v, &err);
  ck_assert_msg(st == DEQ_OK, "from_arrays: %s (%s)", deq_strerror(st),
                err.message);
  ck_assert_ptr_nonnull(sp);
  return sp;
}


/* Euler-Maclaurin pieces for f(x) = x^-p: antiderivative and the
   B2, B4, B6 corrections sum_j B_2j/(2j)! f^(2j-1)(x).  */
static long double em_phi(long double p, long double x)
{
  return p == 1 ? logl(x) : powl(x, 1 - p) / (1 - p);
}

static long double em_corr(long double p, long double x)
{
  long double f1 = -p * powl(x, -p - 1);
  long double f3 = -p * (p + 1) * (p + 2) * powl(x, -p - 3);
  long double f5 = -p * (p + 1) * (p + 2) * (p + 3) * (p + 4) * powl(x, -p - 5);
  return f1 / 12 - f3 / 720 + f5 / 30240;
}

/* sum_{k=a}^{b} k^-p for a >= 1000 (b may be INFINITY when p > 1).  */
static long double em_sum(long double p, long double a, long double b)
{
  long double lo = em_phi(p, a) - powl(a, -p) / 2 + em_corr(p, a);
  long double hi = isinf(b) ? 0.0L
                            : em_phi(p, b) + powl(b, -p) / 2 + em_corr(p, b);
  return hi - lo;
}

/* sum_{k=1}^{n} k^-p: 999 direct terms, then Euler-Maclaurin.  */
static long double power_sum(long double p, long double n)
{
  long double acc = 0;
  long double top = n < 999 ? n : 999;
  for (long k = (long)top; k >= 1; k--)
    acc += powl((long double)k, -p);
  if (n > 999)
    acc += em_sum(p, 1000, n);
  return acc;
}

/* Free whatever a failed constructor may have left behind.  */
static void drop(deq_spectrum **sp)
{
  deq_spectrum_free(*sp);
  *sp = NULL;
}

/* ------------------------------------------------------------ alloc/update */

START_TEST(test_alloc_defaults)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_alloc(&sp, 5), DEQ_OK);
  ck_assert_int_eq(sp->n, 5);
  for (size_t i = 0; i < 5; i++) {
    ck_assert(sp->s[i] == 0.0);
    ck_assert(sp->m[i] == 1.0);
    ck_assert(sp->v[i] == 0.0);
  }
  /* fill and update: fields follow the atoms */
  for (size_t i = 0; i < 5; i++) {
    sp->s[i] = (double)(i + 1);
    sp->m[i] = 2.0;
    sp->v[i] = 0.5 * (double)i;
  }
  deq_error err;
  ck_assert_st(deq_spectrum_update(sp, &err), DEQ_OK);
  ck_assert(sp->dim == 10.0);
  ck_assert(sp->rank == 10.0);
  ck_assert(sp->trace == 30.0);
  ck_assert(sp->signal == 5.0);
  ck_assert_int_eq(sp->exact, 1);
  /* update again after a change */
  sp->s[4] = 0.0;
  sp->v[4] = 0.0;
  ck_assert_st(deq_spectrum_update(sp, &err), DEQ_OK);
  ck_assert(sp->dim == 10.0);
  ck_assert(sp->rank == 8.0);
  ck_assert(sp->trace == 20.0);
  ck_assert(sp->signal == 3.0);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_alloc_empty)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_alloc(&sp, 0), DEQ_EINVAL);
  drop(&sp);
  deq_spectrum_free(NULL); /* a no-op */
}
END_TEST

START_TEST(test_copy_is_deep)
{
  const double s[] = { 3, 1, 0.25 }, m[] = { 1, 2, 3 }, v[] = { 1, 0.5, 0.25 };
  deq_spectrum *a = make(3, s, m, v), *b = NULL;
  ck_assert_st(deq_spectrum_copy(&b, a), DEQ_OK);
  ck_assert_ptr_ne(a->s, b->s);
  ck_assert_ptr_ne(a->m, b->m);
  ck_assert_ptr_ne(a->v, b->v);
  ck_assert_int_eq(b->n, 3);
  ck_assert(b->dim == a->dim && b->rank == a->rank);
  ck_assert(b->trace == a->trace && b->signal == a->signal);
  ck_assert_int_eq(b->exact, a->exact);
  b->s[0] = 7;
  b->v[1] = 9;
  ck_assert(a->s[0] == 3 && a->v[1] == 0.5);
  deq_spectrum_free(a);
  deq_spectrum_free(b);
}
END_TEST

/* dim = sum m, rank = sum m over s > 0, trace = sum m s, signal = sum v.  */
START_TEST(test_from_arrays_fields)
{
  const double s[] = { 3, 1, 0.25, 0 }, m[] = { 1, 2, 3, 2 };
  const double v[] = { 0.5, 0.2, 0.1, 0 };
  deq_spectrum *sp = make(4, s, m, v);
  ck_assert_int_eq(sp->n, 4);
  for (size_t i = 0; i < 4; i++) /* order kept */
    ck_assert(sp->s[i] == s[i] && sp->m[i] == m[i] && sp->v[i] == v[i]);
  ck_assert(sp->dim == 8);
  ck_assert(sp->rank == 6);
  ck_assert(sp->trace == 5.75);
  ck_assert_rel(sp->signal, 0.8, 2 * DBL_EPSILON);
  ck_assert_int_eq(sp->exact, 1);
  deq_spectrum_free(sp);

  /* m == NULL: multiplicity 1; v == NULL: no target */
  sp = make(4, s, NULL, NULL);
  for (size_t i = 0; i < 4; i++)
    ck_assert(sp->m[i] == 1 && sp->v[i] == 0);
  ck_assert(sp->dim == 4 && sp->rank == 3 && sp->trace == 4.25);
  ck_assert(sp->signal == 0);
  deq_spectrum_free(sp);
}
END_TEST

/* A trace or signal beyond DBL_MAX is +Inf, and the spectrum is valid
   (it has positive eigenvalues); a huge finite dimension is exact.  */
START_TEST(test_overflowing_sums)
{
  const double s[] = { 1e308, 1 }, m[] = { 10, 1 }, v[] = { 1e308, 1e308 };
  deq_spectrum *sp = make(2, s, m, v);
  ck_assert(isinf(sp->trace) && sp->trace > 0);
  ck_assert(isinf(sp->signal) && sp->signal > 0);
  ck_assert(sp->rank == 11 && sp->dim == 11);
  deq_spectrum_free(sp);
  ck_assert_st(deq_spectrum_iso(&sp, 1e17, 1e300), DEQ_OK);
  ck_assert(sp->dim == 1e17 && sp->rank == 1e17 && sp->trace == 1e17 * 1e300);
  deq_spectrum_free(sp);
}
END_TEST

/* A non-integer multiplicity cannot be sampled: exact must be 0.  */
START_TEST(test_exact_flag)
{
  const double s[] = { 2, 1 }, m[] = { 1, 2.5 };
  deq_spectrum *sp = make(2, s, m, NULL);
  ck_assert_int_eq(sp->exact, 0);
  ck_assert(sp->dim == 3.5);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_from_arrays_invalid)
{
  const double s[] = { 1 };
  deq_spectrum *sp = NULL;
  deq_error err;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 0, s, NULL, NULL, &err),
               DEQ_EINVAL);
  drop(&sp);
  ck_assert_st(deq_spectrum_from_arrays(&sp, 1, NULL, NULL, NULL, &err),
               DEQ_EINVAL);
  drop(&sp);
}
END_TEST

/* Each bad value at atom index 2 must give DEQ_EDOM and err.line = 3,
   both through from_arrays and through update.  */
struct bad_atom { char field; double value; const char *what; };

START_TEST(test_validation_table)
{
  const struct bad_atom table[] = {
    { 's', -1.0, "negative eigenvalue" },
    { 's', -DBL_MIN, "tiny negative eigenvalue" },
    { 's', NAN, "NaN eigenvalue" },
    { 's', INFINITY, "infinite eigenvalue" },
    { 'v', -1e-300, "negative target power" },
    { 'v', NAN, "NaN target power" },
    { 'v', INFINITY, "infinite target power" },
    { 'm', 0.0, "zero multiplicity" },
    { 'm', -1.0, "negative multiplicity" },
    { 'm', NAN, "NaN multiplicity" },
    { 'z', 1.0, "target power on a zero eigenvalue" },
  };
  int failures = 0;
  for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
    double s[4] = { 3, 2, 1, 0.5 }, m[4] = { 1, 1, 1, 1 };
    double v[4] = { 0.1, 0.1, 0.1, 0.1 };
    switch (table[t].field) {
    case 's': s[2] = table[t].value; break;
    case 'm': m[2] = table[t].value; break;
    case 'v': v[2] = table[t].value; break;
    case 'z': s[2] = 0.0; v[2] = table[t].value; break;
    }
    deq_spectrum *sp = NULL;
    deq_error err;
    deq_error_clear(&err);
    deq_status st = deq_spectrum_from_arrays(&sp, 4, s, m, v, &err);
    if (st != DEQ_EDOM || err.line != 3 || err.message[0] == '\0') {
      printf("from_arrays, %s: status %d, line %ld, message \"%s\"\n",
             table[t].what, (int)st, err.line, err.message);
      failures++;
    }
    drop(&sp);

    ck_assert_st(deq_spectrum_alloc(&sp, 4), DEQ_OK);
    for (size_t i = 0; i < 4; i++) {
      sp->s[i] = s[i];
      sp->m[i] = m[i];
      sp->v[i] = v[i];
    }
    deq_error_clear(&err);
    st = deq_spectrum_update(sp, &err);
    if (st != DEQ_EDOM || err.line != 3) {
      printf("update, %s: status %d, line %ld\n", table[t].what, (int)st,
             err.line);
      failures++;
    }
    deq_spectrum_free(sp);
  }
  ck_assert_msg(failures == 0, "%d validation failures (see output)", failures);
}
END_TEST

/* The first bad atom is the one reported.  */
START_TEST(test_validation_first_bad)
{
  const double s[] = { 1, -1, 1, -2 };
  deq_spectrum *sp = NULL;
  deq_error err;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 4, s, NULL, NULL, &err),
               DEQ_EDOM);
  ck_assert_int_eq(err.line, 2);
  drop(&sp);
}
END_TEST

/* ------------------------------------------------------------ iso */

START_TEST(test_iso)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, 7, 0.5), DEQ_OK);
  ck_assert_int_eq(sp->n, 1);
  ck_assert(sp->s[0] == 0.5 && sp->m[0] == 7 && sp->v[0] == 0);
  ck_assert(sp->dim == 7 && sp->rank == 7 && sp->trace == 3.5);
  ck_assert(sp->signal == 0);
  ck_assert_int_eq(sp->exact, 1);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_iso_bad)
{
  const double bad_n[] = { 0, -3, 2.5, NAN, INFINITY };
  const double bad_scale[] = { -1, NAN, INFINITY };
  deq_spectrum *sp = NULL;
  for (size_t i = 0; i < sizeof bad_n / sizeof bad_n[0]; i++) {
    ck_assert_st(deq_spectrum_iso(&sp, bad_n[i], 1.0), DEQ_EDOM);
    drop(&sp);
  }
  for (size_t i = 0; i < sizeof bad_scale / sizeof bad_scale[0]; i++) {
    ck_assert_st(deq_spectrum_iso(&sp, 10, bad_scale[i]), DEQ_EDOM);
    drop(&sp);
  }
}
END_TEST

/* ------------------------------------------------------------ log-uniform */

/* s_i = exp(log hi - (i - 1/2)/n log(hi/lo)).  exp of an argument of size
   <= 3 with a rounded argument: a few ulp, 1e-14 is generous.  */
START_TEST(test_loguniform_values)
{
  const size_t n = 400;
  const double lo = 0.1, hi = 10;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, n, lo, hi), DEQ_OK);
  ck_assert_int_eq(sp->n, n);
  long double tr = 0;
  for (size_t i = 1; i <= n; i++) {
    long double want = expl(logl(hi) - ((long double)i - 0.5L) / n * logl((long double)hi / lo));
    ck_assert_rel(sp->s[i - 1], (double)want, 1e-14);
    ck_assert(sp->m[i - 1] == 1 && sp->v[i - 1] == 0);
    if (i > 1)
      ck_assert(sp->s[i - 1] < sp->s[i - 2]);
    tr += want;
  }
  ck_assert(sp->dim == 400 && sp->rank == 400);
  ck_assert_rel(sp->trace, (double)tr, 1e-13);
  ck_assert_int_eq(sp->exact, 1);
  deq_spectrum_free(sp);
}
END_TEST

/* s_i s_{n+1-i} = lo*hi; with n odd the middle atom is sqrt(lo*hi).  */
START_TEST(test_loguniform_symmetry)
{
  const struct { size_t n; double lo, hi; } cases[] = {
    { 400, 0.1, 10 }, { 7, 0.5, 8 }, { 1001, 1e-3, 1e2 }
  };
  for (size_t c = 0; c < 3; c++) {
    deq_spectrum *sp = NULL;
    ck_assert_st(deq_spectrum_loguniform(&sp, cases[c].n, cases[c].lo, cases[c].hi), DEQ_OK);
    double prod = cases[c].lo * cases[c].hi;
    for (size_t i = 0; i < cases[c].n; i++)
      ck_assert_rel(sp->s[i] * sp->s[cases[c].n - 1 - i], prod, 1e-14);
    if (cases[c].n % 2)
      ck_assert_rel(sp->s[cases[c].n / 2], sqrt(prod), 1e-14);
    deq_spectrum_free(sp);
  }
  /* lo == hi: a single repeated eigenvalue */
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, 5, 2.0, 2.0), DEQ_OK);
  for (size_t i = 0; i < 5; i++)
    ck_assert_rel(sp->s[i], 2.0, 2 * DBL_EPSILON);
  deq_spectrum_free(sp);
}
END_TEST

/* Ranges near the ends of the double range, where lo*hi under- or
   overflows: every eigenvalue against long-double logs (64-bit mantissa,
   exponent range 1e+-4932).  The accuracy contract is a few ulps times
   log(hi/lo) (the exponent's rounding).  */
START_TEST(test_loguniform_extreme)
{
  const struct { size_t n; double lo, hi; } cases[] = {
    { 100, 1e-162, 1e-160 }, { 101, 1e150, 1e160 }, { 7, 1e-300, 1e300 },
    { 50, 1e-307, 1e-306 }, { 9, 1e300, 1e308 }, { 400, 0.1, 10 },
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    size_t n = cases[c].n;
    long double llo = logl(cases[c].lo), lhi = logl(cases[c].hi);
    double tol = 4 * DBL_EPSILON * fmax(1.0, (double)(lhi - llo));
    deq_spectrum *sp = NULL;
    ck_assert_st(deq_spectrum_loguniform(&sp, n, cases[c].lo, cases[c].hi), DEQ_OK);
    for (size_t i = 1; i <= n; i++) {
      long double want = expl(lhi - ((long double)i - 0.5L) / n * (lhi - llo));
      ck_assert_msg(test_reldiff(sp->s[i - 1], (double)want, 0) <= tol,
                    "[%g, %g] atom %zu: %.17g vs %.17Lg", cases[c].lo,
                    cases[c].hi, i, sp->s[i - 1], want);
    }
    deq_spectrum_free(sp);
  }
}
END_TEST

START_TEST(test_loguniform_bad)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, 0, 0.1, 10),
               DEQ_EINVAL); drop(&sp);
  ck_assert_st(deq_spectrum_loguniform(&sp, 10, 0, 10), DEQ_EDOM); drop(&sp);
  ck_assert_st(deq_spectrum_loguniform(&sp, 10, -1, 10), DEQ_EDOM); drop(&sp);
  ck_assert_st(deq_spectrum_loguniform(&sp, 10, 2, 1), DEQ_EDOM); drop(&sp);
  ck_assert_st(deq_spectrum_loguniform(&sp, 10, NAN, 1), DEQ_EDOM); drop(&sp);
  ck_assert_st(deq_spectrum_loguniform(&sp, 10, 0.1, INFINITY),
               DEQ_EDOM); drop(&sp);
}
END_TEST

/* ------------------------------------------------------------ power law */

START_TEST(test_powerlaw_init)
{
  deq_powerlaw p;
  memset(&p, 0x7f, sizeof p);
  deq_powerlaw_init(&p);
  ck_assert(p.alpha == 1.5 && p.n == 1000 && p.scale == 1);
  ck_assert(isnan(p.r));
  ck_assert(p.amp == 1 && p.exact_max == 0 && p.head == 0);
}
END_TEST

/* Every mode an atom: s_k = scale k^-alpha, v_k = amp k^-(1+2 alpha r).  */
START_TEST(test_powerlaw_exact)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1.5;
  p.n = 1000;
  p.scale = 2;
  p.r = 0.4;
  p.amp = 3;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  ck_assert_int_eq(sp->n, 1000);
  ck_assert_int_eq(sp->exact, 1);
  ck_assert(sp->dim == 1000 && sp->rank == 1000);
  long double tr = 0, sig = 0;
  for (size_t k = 1; k <= 1000; k++) {
    long double s = 2 * powl(k, -1.5L), v = 3 * powl(k, -(long double)(1 + 2 * p.alpha * p.r));
    ck_assert_rel(sp->s[k - 1], (double)s, 1e-14);
    ck_assert_rel(sp->v[k - 1], (double)v, 1e-14);
    ck_assert(sp->m[k - 1] == 1);
    tr += s;
    sig += v;
  }
  ck_assert_rel(sp->trace, (double)tr, 1e-13);
  ck_assert_rel(sp->signal, (double)sig, 1e-13);
  deq_spectrum_free(sp);

  /* a forgotten source exponent is an error, not a silent zero target */
  p.r = NAN;
  sp = NULL;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_EINVAL);
  ck_assert_ptr_null(sp);
  /* no target: amp = 0 (r is then ignored, NAN or not) */
  p.amp = 0;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  for (size_t k = 0; k < 1000; k++)
    ck_assert(sp->v[k] == 0);
  ck_assert(sp->signal == 0);
  deq_spectrum_free(sp);
  p.r = 0.3;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  ck_assert(sp->signal == 0);
  deq_spectrum_free(sp);
  p.amp = 3;   /* as before the no-target cases */

  /* a single mode */
  p.n = 1;
  p.r = 0.5;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  ck_assert_int_eq(sp->n, 1);
  ck_assert(sp->s[0] == 2 && sp->v[0] == 3);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_powerlaw_bad)
{
  struct { const char *what; double alpha, n, scale, r, amp; } cases[] = {
    { "alpha = 0", 0, 100, 1, 0.5, 1 },
    { "alpha < 0", -1, 100, 1, 0.5, 1 },
    { "alpha NaN", NAN, 100, 1, 0.5, 1 },
    { "n = 0", 1.5, 0, 1, 0.5, 1 },
    { "n non-integer", 1.5, 10.5, 1, 0.5, 1 },
    { "n negative", 1.5, -5, 1, 0.5, 1 },
    { "n NaN", 1.5, NAN, 1, 0.5, 1 },
    { "n > 2^53", 1.5, 0x1p60, 1, 0.5, 1 },
    { "n = inf, alpha = 1", 1.0, INFINITY, 1, 0.5, 1 },
    { "n = inf, alpha < 1", 0.8, INFINITY, 1, 0.5, 1 },
    { "scale = 0", 1.5, 100, 0, 0.5, 1 },
    { "scale < 0", 1.5, 100, -1, 0.5, 1 },
    { "r < 0", 1.5, 100, 1, -0.5, 1 },
    { "amp < 0", 1.5, 100, 1, 0.5, -1 },
    { "amp NaN", 1.5, 100, 1, 0.5, NAN },
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    deq_powerlaw p;
    deq_powerlaw_init(&p);
    p.alpha = cases[c].alpha;
    p.n = cases[c].n;
    p.scale = cases[c].scale;
    p.r = cases[c].r;
    p.amp = cases[c].amp;
    deq_spectrum *sp = NULL;
    deq_status st = deq_spectrum_powerlaw(&sp, &p);
    if (st != DEQ_EDOM && st != DEQ_EINVAL) {
      printf("powerlaw %s: status %d (%s)\n", cases[c].what, (int)st,
             deq_strerror(st));
      failures++;
    }
    drop(&sp);
  }
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_powerlaw(&sp, NULL), DEQ_EINVAL);
  drop(&sp);
  ck_assert_msg(failures == 0, "%d bad power laws accepted", failures);
}
END_TEST

/* A power law past exact_max: the first `head` modes are exact atoms, the
   rest quadrature atoms strictly below them, in decreasing order.  */
static void check_tail_structure(const deq_spectrum *sp, double alpha,
                                 double scale, double n, double head)
{
  ck_assert_int_eq(sp->exact, 0);
  ck_assert_msg((double)sp->n < n, "tail form has %zu atoms for n = %g",
                sp->n, n);
  ck_assert((double)sp->n > head);
  /* head eigenvalues exact; multiplicities 1 away from the junction (an
     end correction may reweight the last few head atoms) */
  for (size_t k = 1; k <= (size_t)head; k++) {
    ck_assert_rel(sp->s[k - 1], (double)(scale * powl(k, -(long double)alpha)), 1e-14);
    ck_assert(sp->m[k - 1] > 0);
    if (k <= (size_t)head / 2)
      ck_assert(sp->m[k - 1] == 1);
  }
  double s_head = scale * pow(head, -alpha);
  for (size_t i = (size_t)head; i < sp->n; i++) {
    ck_assert_msg(sp->s[i] < s_head && sp->s[i] > 0,
                  "tail atom %zu: s = %g not in (0, %g)", i, sp->s[i], s_head);
    ck_assert(sp->m[i] > 0);
    ck_assert(sp->s[i] <= sp->s[i - 1]);
  }
  if (isinf(n)) {
    ck_assert(isinf(sp->dim) && isinf(sp->rank));
  } else {
    ck_assert_rel(sp->dim, n, 1e-9);
    ck_assert_rel(sp->rank, n, 1e-9);
  }
}

/* Tail spectra: trace and signal against Euler-Maclaurin sums of k^-p
   (for n = inf: zeta(p)); the documented tail accuracy is ~1e-14 (tested at 1e-13).  */
START_TEST(test_powerlaw_tail_trace)
{
  const struct { double alpha, n, r, scale, amp; } cases[] = {
    { 1.5, 1e12, 0.4, 1, 1 },
    { 1.5, INFINITY, 0.4, 1, 1 },
    { 1.5, INFINITY, 0.4, 2, 0.5 },
    { 3.0, INFINITY, 0.25, 1, 1 },
    { 1.1, INFINITY, 1.0, 1, 1 },
    { 1.0, 1e12, 0.5, 1, 1 },
    { 0.5, 1e12, 1.0, 1, 1 },
    { 2.0, 3e6, 0.3, 1, 1 },  /* finite n, forced tail below */
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    deq_powerlaw p;
    deq_powerlaw_init(&p);
    p.alpha = cases[c].alpha;
    p.n = cases[c].n;
    p.r = cases[c].r;
    p.scale = cases[c].scale;
    p.amp = cases[c].amp;
    if (c == 7) {
      p.exact_max = 1e5;
      p.head = 1e4;
    }
    deq_spectrum *sp = NULL;
    deq_status st = deq_spectrum_powerlaw(&sp, &p);
    ck_assert_msg(st == DEQ_OK, "case %zu: %s", c, deq_strerror(st));
    check_tail_structure(sp, p.alpha, p.scale, p.n, 1e4);
    long double b = 1 + 2 * (long double)p.alpha * p.r;
    double tr = (double)(p.scale * power_sum(p.alpha, p.n));
    double sig = (double)(p.amp * power_sum(b, p.n));
    double etr = test_reldiff(sp->trace, tr, 0), esig = test_reldiff(sp->signal, sig, 0);
    printf("tail alpha=%g n=%g r=%g: trace %.17g (want %.17g, rel %.2e), "
           "signal %.17g (want %.17g, rel %.2e)\n", p.alpha, p.n, p.r,
           sp->trace, tr, etr, sp->signal, sig, esig);
    if (!(etr < 1e-13) || !(esig < 1e-13))
      failures++;
    deq_spectrum_free(sp);
  }
  ck_assert_msg(failures == 0, "%d tail trace/signal failures", failures);
}
END_TEST

/* Harmonic numbers: the alpha = 1, n = 1e12 trace is H_n
   = ln n + euler_gamma + 1/(2n) - 1/(12 n^2) + ...  A second, fully
   closed-form check of the tail integral for a non-summable law.  */
START_TEST(test_powerlaw_tail_harmonic)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1;
  p.amp = 0;   /* no target */
  p.n = 1e12;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  const long double euler = 0.57721566490153286060651209L;
  long double h = logl(1e12L) + euler + 0.5L / 1e12L;
  ck_assert_rel(sp->trace, (double)h, 1e-13);
  deq_spectrum_free(sp);
}
END_TEST

/* Reference moments of s_k = k^-a, v_k = k^-b, k = 1..n, by brute force
   (long double, smallest terms first) for n <= nb, plus for larger n the
   series in s/kappa summed with Euler-Maclaurin (s_k/kappa <= 1.3e-4 for
   k > 4e6, kappa >= 1e-6 and a = 1.5, so 10 terms reach 1e-38).  */
struct refmom { long double df1, df2, bias, t1; };

static struct refmom brute(const double *s, const double *v, size_t nb,
                           double kappa)
{
  struct refmom r = { 0, 0, 0, 0 };
  long double k = kappa;
  for (size_t i = nb; i-- > 0;) {
    long double si = s[i], q = si + k, f = si / q, w = (long double)v[i] / q;
    r.df1 += f;
    r.df2 += f * f;
    r.t1 += w;
    r.bias += w / q;
  }
  r.bias *= k * k;
  return r;
}

static struct refmom series_tail(long double a, long double b, long double from,
                                 long double to, long double kappa)
{
  struct refmom r = { 0, 0, 0, 0 };
  for (int j = 0; j < 10; j++) {
    long double sg = (j % 2) ? -1 : 1, kj = powl(kappa, -j);
    r.df1 += sg * kj / kappa * em_sum(a * (j + 1), from, to);
    r.df2 += sg * (j + 1) * kj / (kappa * kappa) * em_sum(a * (j + 2), from, to);
    r.bias += sg * (j + 1) * kj * em_sum(b + a * j, from, to);
    r.t1 += sg * kj / kappa * em_sum(b + a * j, from, to);
  }
  return r;
}

static int compare_moments(const deq_spectrum *sp, double kappa,
                           struct refmom want, double tol, const char *label)
{
  deq_moments mo;
  deq_status st = deq_resolvent_moments(&mo, sp, kappa);
  if (st != DEQ_OK) {
    printf("%s kappa=%g: status %s\n", label, kappa, deq_strerror(st));
    return 1;
  }
  double e1 = test_reldiff(mo.df1, (double)want.df1, 0);
  double e2 = test_reldiff(mo.df2, (double)want.df2, 0);
  double eb = test_reldiff(mo.bias, (double)want.bias, 0);
  double et = test_reldiff(mo.t1, (double)want.t1, 0);
  int bad = !(e1 < tol) || !(e2 < tol) || !(eb < tol) || !(et < tol);
  printf("%s kappa=%-6g df1 %.3e df2 %.3e B %.3e t1 %.3e%s\n", label, kappa,
         e1, e2, eb, et, bad ? "  FAIL" : "");
  return bad;
}

START_TEST(test_powerlaw_tail_moments)
{
  const double alpha = 1.5, r = 0.4, b = 1 + 2 * alpha * r;
  const size_t nb = 4000000;
  const double kappas[] = { 1e-6, 1e-4, 1e-2, 1 };
  double *s = malloc(nb * sizeof *s), *v = malloc(nb * sizeof *v);
  ck_assert(s && v);
  for (size_t k = 1; k <= nb; k++) {
    long double lk = logl((long double)k);
    s[k - 1] = (double)expl(-alpha * lk);
    v[k - 1] = (double)expl(-b * lk);
  }
  int failures = 0;
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = alpha;
  p.r = r;

  /* n = 4e6 exactly (every mode an atom, by default exact_max = 2^22),
     then through the tail (exact_max = 1e5, head = 1e4).  */
  deq_spectrum *ex = NULL, *tl = NULL, *big = NULL, *inf = NULL;
  p.n = (double)nb;
  ck_assert_st(deq_spectrum_powerlaw(&ex, &p), DEQ_OK);
  ck_assert_int_eq(ex->n, nb);
  ck_assert_int_eq(ex->exact, 1);
  p.exact_max = 1e5;
  p.head = 1e4;
  ck_assert_st(deq_spectrum_powerlaw(&tl, &p), DEQ_OK);
  check_tail_structure(tl, alpha, 1.0, p.n, p.head);
  p.exact_max = 0;
  p.head = 0;
  p.n = 1e12;
  ck_assert_st(deq_spectrum_powerlaw(&big, &p), DEQ_OK);
  p.n = INFINITY;
  ck_assert_st(deq_spectrum_powerlaw(&inf, &p), DEQ_OK);

  for (size_t i = 0; i < 4; i++) {
    double kappa = kappas[i];
    struct refmom head = brute(s, v, nb, kappa);
    /* exact path: the same atoms, so compensated sums agree to ~1e-13 */
    failures += compare_moments(ex, kappa, head, 1e-12, "n=4e6 exact");
    failures += compare_moments(tl, kappa, head, 1e-13, "n=4e6 tail ");
    struct refmom t = series_tail(alpha, b, (long double)nb + 1, 1e12L, kappa);
    struct refmom want = { head.df1 + t.df1, head.df2 + t.df2,
                           head.bias + t.bias, head.t1 + t.t1 };
    failures += compare_moments(big, kappa, want, 1e-13, "n=1e12     ");
    t = series_tail(alpha, b, (long double)nb + 1, INFINITY, kappa);
    struct refmom wi = { head.df1 + t.df1, head.df2 + t.df2,
                         head.bias + t.bias, head.t1 + t.t1 };
    failures += compare_moments(inf, kappa, wi, 1e-13, "n=inf      ");
  }
  deq_spectrum_free(ex);
  deq_spectrum_free(tl);
  deq_spectrum_free(big);
  deq_spectrum_free(inf);
  free(s);
  free(v);
  ck_assert_msg(failures == 0, "%d tail moment failures (see output)", failures);
}
END_TEST

/* ------------------------------------------------------------ compress */

START_TEST(test_compress)
{
  const double s[] = { 1, 3, 1, 2, 3, 0.5, 0, 0 };
  const double m[] = { 1, 2, 3, 1, 1, 1, 2, 1 };
  const double v[] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0, 0 };
  deq_spectrum *sp = make(8, s, m, v);
  double dim = sp->dim, rank = sp->rank, tr = sp->trace, sig = sp->signal;
  ck_assert_st(deq_spectrum_compress(sp), DEQ_OK);
  const double ws[] = { 3, 2, 1, 0.5, 0 }, wm[] = { 3, 1, 4, 1, 3 };
  const double wv[] = { 0.2 + 0.5, 0.4, 0.1 + 0.3, 0.6, 0 };
  ck_assert_int_eq(sp->n, 5);
  for (size_t i = 0; i < 5; i++) {
    ck_assert(sp->s[i] == ws[i]);
    ck_assert(sp->m[i] == wm[i]);
    ck_assert_rel(sp->v[i], wv[i], DBL_EPSILON);
  }
  ck_assert(sp->dim == dim && sp->rank == rank);
  ck_assert_rel(sp->trace, tr, 2 * DBL_EPSILON);
  ck_assert_rel(sp->signal, sig, 4 * DBL_EPSILON);
  ck_assert_int_eq(sp->exact, 1);
  /* compressing again changes nothing */
  ck_assert_st(deq_spectrum_compress(sp), DEQ_OK);
  ck_assert_int_eq(sp->n, 5);
  for (size_t i = 0; i < 5; i++)
    ck_assert(sp->s[i] == ws[i] && sp->m[i] == wm[i]);
  deq_spectrum_free(sp);

  /* a quadrature tail keeps its nominal dimension n exactly (re-summing
     the non-integer weights would give n plus rounding) */
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.n = 1e9;
  p.amp = 0;   /* no target */
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  ck_assert_int_eq(sp->exact, 0);
  ck_assert_st(deq_spectrum_compress(sp), DEQ_OK);
  ck_assert(sp->dim == 1e9 && sp->rank == 1e9);
  deq_spectrum_free(sp);

  /* distinct values: only sorted */
  const double s2[] = { 0.5, 4, 2 }, v2[] = { 0.05, 0.4, 0.2 };
  sp = make(3, s2, NULL, v2);
  ck_assert_st(deq_spectrum_compress(sp), DEQ_OK);
  ck_assert_int_eq(sp->n, 3);
  ck_assert(sp->s[0] == 4 && sp->s[1] == 2 && sp->s[2] == 0.5);
  ck_assert(sp->v[0] == 0.4 && sp->v[1] == 0.2 && sp->v[2] == 0.05);
  deq_spectrum_free(sp);

  /* iso-like: every atom equal */
  const double s3[] = { 2, 2, 2, 2 };
  sp = make(4, s3, NULL, NULL);
  ck_assert_st(deq_spectrum_compress(sp), DEQ_OK);
  ck_assert_int_eq(sp->n, 1);
  ck_assert(sp->s[0] == 2 && sp->m[0] == 4 && sp->dim == 4);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ targets */

START_TEST(test_target_iso)
{
  const double s[] = { 3, 1, 0.25, 0 }, m[] = { 1, 2, 3, 2 };
  deq_spectrum *sp = make(4, s, m, NULL);
  ck_assert_st(deq_spectrum_target_iso(sp, 2.0), DEQ_OK);
  /* v_i = norm2 m_i s_i / dim, dim = 8 */
  const double want[] = { 0.75, 0.5, 0.1875, 0 };
  for (size_t i = 0; i < 4; i++)
    ck_assert_rel(sp->v[i], want[i], DBL_EPSILON);
  ck_assert_rel(sp->signal, 1.4375, 2 * DBL_EPSILON);
  ck_assert_st(deq_spectrum_target_iso(sp, 0.0), DEQ_OK);
  ck_assert(sp->signal == 0);
  ck_assert_st(deq_spectrum_target_iso(sp, -1.0), DEQ_EDOM);
  ck_assert_st(deq_spectrum_target_iso(sp, NAN), DEQ_EDOM);
  ck_assert_st(deq_spectrum_target_iso(sp, INFINITY), DEQ_EDOM);
  deq_spectrum_free(sp);

  /* isotropic spectrum: signal = norm2 * scale */
  ck_assert_st(deq_spectrum_iso(&sp, 100, 0.5), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 3.0), DEQ_OK);
  ck_assert_rel(sp->signal, 1.5, 2 * DBL_EPSILON);
  deq_spectrum_free(sp);

  /* infinite dimension: no uniform direction */
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.n = INFINITY;
  p.amp = 0;   /* no target */
  ck_assert_st(deq_spectrum_powerlaw(&sp, &p), DEQ_OK);
  deq_status st = deq_spectrum_target_iso(sp, 1.0);
  ck_assert_msg(st == DEQ_EDOM || st == DEQ_EINVAL || st == DEQ_EUNSUP,
                "target_iso on n = inf: %s", deq_strerror(st));
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_target_values)
{
  const double s[] = { 3, 1, 0.25, 0 };
  deq_spectrum *sp = make(4, s, NULL, NULL);
  const double v[] = { 0.5, 0.25, 0.125, 0 };
  deq_error err;
  ck_assert_st(deq_spectrum_target_values(sp, 4, v, &err), DEQ_OK);
  for (size_t i = 0; i < 4; i++)
    ck_assert(sp->v[i] == v[i]);
  ck_assert(sp->signal == 0.875);

  ck_assert_st(deq_spectrum_target_values(sp, 3, v, &err), DEQ_EINVAL);
  ck_assert_st(deq_spectrum_target_values(sp, 5, v, &err), DEQ_EINVAL);

  const double neg[] = { 0.5, 0.25, -0.125, 0 };
  deq_error_clear(&err);
  ck_assert_st(deq_spectrum_target_values(sp, 4, neg, &err), DEQ_EDOM);
  ck_assert_int_eq(err.line, 3);
  ck_assert(err.message[0] != '\0');

  const double nan_[] = { NAN, 0, 0, 0 };
  deq_error_clear(&err);
  ck_assert_st(deq_spectrum_target_values(sp, 4, nan_, &err), DEQ_EDOM);
  ck_assert_int_eq(err.line, 1);

  const double on_zero[] = { 0.5, 0.25, 0.125, 0.5 };
  deq_error_clear(&err);
  ck_assert_st(deq_spectrum_target_values(sp, 4, on_zero, &err), DEQ_EDOM);
  ck_assert_int_eq(err.line, 4);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ file reader */

static FILE *text_file(const char *text)
{
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  rewind(f);
  return f;
}

static deq_status read_text(deq_spectrum **sp, deq_error *err, const char *text)
{
  FILE *f = text_file(text);
  deq_error_clear(err);
  *sp = NULL;
  deq_status st = deq_spectrum_read(sp, f, err);
  fclose(f);
  return st;
}

static const char good_file[] =
  "# eigenvalue target multiplicity\n"
  "\n"
  "1.5\n"
  "2.0 0.25\n"
  "   \t\n"
  "# a comment in the middle\n"
  "  3.0\t0.5\t4   # trailing comment\n"
  "0 0 2\n"
  "1e-3   1e-4 1   \n"
  "5 0.125";                    /* no final newline */

static void check_good_atoms(const deq_spectrum *sp)
{
  const double s[] = { 1.5, 2.0, 3.0, 0, 1e-3, 5 };
  const double v[] = { 0, 0.25, 0.5, 0, 1e-4, 0.125 };
  const double m[] = { 1, 1, 4, 2, 1, 1 };
  ck_assert_int_eq(sp->n, 6);
  for (size_t i = 0; i < 6; i++) {
    ck_assert_msg(sp->s[i] == s[i] && sp->v[i] == v[i] && sp->m[i] == m[i],
                  "atom %zu: (%g, %g, %g), want (%g, %g, %g)", i, sp->s[i],
                  sp->v[i], sp->m[i], s[i], v[i], m[i]);
  }
  ck_assert(sp->dim == 10 && sp->rank == 8);
  ck_assert_rel(sp->trace, 1.5 + 2 + 12 + 1e-3 + 5, 2 * DBL_EPSILON);
  ck_assert_rel(sp->signal, 0.25 + 0.5 + 1e-4 + 0.125, 2 * DBL_EPSILON);
}

START_TEST(test_read_good)
{
  deq_spectrum *sp;
  deq_error err;
  deq_status st = read_text(&sp, &err, good_file);
  ck_assert_msg(st == DEQ_OK, "%s at %ld:%ld: %s", deq_strerror(st), err.line,
                err.column, err.message);
  check_good_atoms(sp);
  deq_spectrum_free(sp);
}
END_TEST

/* Commas with blanks around them separate fields like blanks do; a UTF-8
   byte order mark (as spreadsheets write) starts the file.  */
START_TEST(test_read_commas_and_bom)
{
  deq_spectrum *sp;
  deq_error err;
  ck_assert_st(read_text(&sp, &err, "\xEF\xBB\xBF" "4,2\n3 , 1 , 2\n1,\t0\n"),
               DEQ_OK);
  ck_assert_int_eq(sp->n, 3);
  ck_assert(sp->s[0] == 4 && sp->v[0] == 2 && sp->m[0] == 1);
  ck_assert(sp->s[1] == 3 && sp->v[1] == 1 && sp->m[1] == 2);
  ck_assert(sp->s[2] == 1 && sp->v[2] == 0 && sp->m[2] == 1);
  deq_spectrum_free(sp);
  double *col;
  size_t n;
  FILE *f = text_file("\xEF\xBB\xBF" "0.5\n0.25\n");
  ck_assert_st(deq_read_column(&col, &n, f, &err), DEQ_OK);
  fclose(f);
  ck_assert(n == 2 && col[0] == 0.5 && col[1] == 0.25);
  free(col);
}
END_TEST

START_TEST(test_read_file_path)
{
  char path[] = "/tmp/deq-t-spectrum-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  ck_assert_ptr_nonnull(f);
  fputs(good_file, f);
  fclose(f);
  deq_spectrum *sp = NULL;
  deq_error err;
  deq_error_clear(&err);
  deq_status st = deq_spectrum_read_file(&sp, path, &err);
  unlink(path);
  ck_assert_msg(st == DEQ_OK, "%s: %s", deq_strerror(st), err.message);
  check_good_atoms(sp);
  deq_spectrum_free(sp);

  /* a file that does not exist */
  sp = NULL;
  deq_error_clear(&err);
  ck_assert_st(deq_spectrum_read_file(&sp, "/nonexistent/deq/spectrum.txt", &err),
               DEQ_EIO);
  drop(&sp);
}
END_TEST

/* Malformed files: status, line, and column = the 1-based number of the
   offending field (status.h); field = 0: column not checked.  */
struct bad_file {
  const char *text;
  int dom_ok;           /* DEQ_EDOM accepted besides DEQ_EPARSE */
  long line, field;
  const char *what;
};

static int column_ok(const struct bad_file *b, long column)
{
  return b->field == 0 || column == b->field;
}

START_TEST(test_read_errors)
{
  const struct bad_file table[] = {
    { "1.0\n2.0 abc\n", 0, 2, 2, "bad number" },
    { "1.0\n\n  -2.0 0.1\n", 1, 3, 1, "negative eigenvalue" },
    { "1 0.1 2\n# c\n1 -0.5\n", 1, 3, 2, "negative target power" },
    { "1 0.1 0\n", 1, 1, 3, "zero multiplicity" },
    { "1 0.1 -2\n", 1, 1, 3, "negative multiplicity" },
    { "1 2 3 4\n", 0, 1, 4, "extra field" },
    { "1\n2\n3 0 1 # ok\n4 0 1 junk\n", 0, 4, 4, "extra text" },
    { "nan 0\n", 1, 1, 1, "NaN eigenvalue" },
    { "1 inf\n", 1, 1, 2, "infinite target" },
    { "1e999\n", 1, 1, 1, "overflowing eigenvalue" },
    { "1.5x 0\n", 0, 1, 1, "trailing garbage in a number" },
    { "0 0.5\n", 1, 1, 0, "target power on a zero eigenvalue" },
    { "", 1, -1, 0, "empty file" },
    { "# only\n\n   \n# comments\n", 1, -1, 0, "comments only" },
    { "1\n4,,2\n", 0, 2, 2, "empty field between commas" },
    { "4, ,2\n", 0, 1, 2, "blank field between commas" },
    { "4,0.5,\n", 0, 1, 3, "trailing comma" },
    { ",4\n", 0, 1, 1, "leading comma" },
    { "4 , , 2\n", 0, 1, 2, "spaced empty field" },
  };
  int failures = 0;
  for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
    const struct bad_file *b = &table[t];
    deq_spectrum *sp;
    deq_error err;
    deq_status st = read_text(&sp, &err, b->text);
    int ok = st == DEQ_EPARSE || (b->dom_ok && st == DEQ_EDOM);
    if (b->line >= 0 && err.line != b->line)
      ok = 0;
    if (!column_ok(b, err.column))
      ok = 0;
    if (err.message[0] == '\0')
      ok = 0;
    printf("%-36s -> %-20s line %ld col %ld (want %ld:%ld): %s%s\n", b->what,
           deq_strerror(st), err.line, err.column, b->line, b->field,
           err.message, ok ? "" : "   <-- WRONG");
    if (!ok)
      failures++;
    drop(&sp);
  }
  ck_assert_msg(failures == 0, "%d malformed files handled wrongly", failures);
}
END_TEST

/* ------------------------------------------------------------ read_column */

START_TEST(test_read_column)
{
  FILE *f = text_file("# targets\n1\n\n2.5   # two and a half\n  3e-1\n4");
  double *x = NULL;
  size_t n = 0;
  deq_error err;
  deq_error_clear(&err);
  ck_assert_st(deq_read_column(&x, &n, f, &err), DEQ_OK);
  fclose(f);
  ck_assert_int_eq(n, 4);
  ck_assert(x[0] == 1 && x[1] == 2.5 && x[2] == 0.3 && x[3] == 4);
  free(x);
}
END_TEST

START_TEST(test_read_column_errors)
{
  const struct bad_file table[] = {
    { "1\nx\n", 0, 2, 1, "bad number" },
    { "1\n2 3\n", 0, 2, 2, "two numbers on a line" },
    { "1\n\n0.5q\n", 0, 3, 1, "trailing garbage" },
  };
  int failures = 0;
  for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
    FILE *f = text_file(table[t].text);
    double *x = NULL;
    size_t n = 0;
    deq_error err;
    deq_error_clear(&err);
    deq_status st = deq_read_column(&x, &n, f, &err);
    fclose(f);
    int ok = st == DEQ_EPARSE && err.line == table[t].line &&
             column_ok(&table[t], err.column) && err.message[0] != '\0';
    printf("column: %-24s -> %s line %ld col %ld: %s%s\n", table[t].what,
           deq_strerror(st), err.line, err.column, err.message,
           ok ? "" : "   <-- WRONG");
    if (!ok)
      failures++;
    if (st == DEQ_OK)
      free(x);
  }
  ck_assert_msg(failures == 0, "%d malformed columns handled wrongly", failures);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *spectrum_suite(void)
{
  Suite *s = suite_create("spectrum");
  TCase *tc = tcase_create("atoms");
  tcase_add_test(tc, test_alloc_defaults);
  tcase_add_test(tc, test_alloc_empty);
  tcase_add_test(tc, test_copy_is_deep);
  tcase_add_test(tc, test_from_arrays_fields);
  tcase_add_test(tc, test_exact_flag);
  tcase_add_test(tc, test_overflowing_sums);
  tcase_add_test(tc, test_from_arrays_invalid);
  tcase_add_test(tc, test_validation_table);
  tcase_add_test(tc, test_validation_first_bad);
  suite_add_tcase(s, tc);

  tc = tcase_create("constructors");
  tcase_add_test(tc, test_iso);
  tcase_add_test(tc, test_iso_bad);
  tcase_add_test(tc, test_loguniform_values);
  tcase_add_test(tc, test_loguniform_symmetry);
  tcase_add_test(tc, test_loguniform_extreme);
  tcase_add_test(tc, test_loguniform_bad);
  tcase_add_test(tc, test_powerlaw_init);
  tcase_add_test(tc, test_powerlaw_exact);
  tcase_add_test(tc, test_powerlaw_bad);
  suite_add_tcase(s, tc);

  tc = tcase_create("tail");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_powerlaw_tail_trace);
  tcase_add_test(tc, test_powerlaw_tail_harmonic);
  tcase_add_test(tc, test_powerlaw_tail_moments);
  suite_add_tcase(s, tc);

  tc = tcase_create("edit");
  tcase_add_test(tc, test_compress);
  tcase_add_test(tc, test_target_iso);
  tcase_add_test(tc, test_target_values);
  suite_add_tcase(s, tc);

  tc = tcase_create("files");
  tcase_add_test(tc, test_read_good);
  tcase_add_test(tc, test_read_commas_and_bom);
  tcase_add_test(tc, test_read_file_path);
  tcase_add_test(tc, test_read_errors);
  tcase_add_test(tc, test_read_column);
  tcase_add_test(tc, test_read_column_errors);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep output of failing forks */
  return test_run(spectrum_suite());
}
