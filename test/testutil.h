/* test/testutil.h -- helpers shared by the Check suites.
 *
 * Seeds: every randomised test takes its seed from test_seed(default); the
 * environment variable DEQ_TEST_SEED overrides it, and the seed in use is
 * printed so that a failure can be replayed.  */
#ifndef DEQ_TESTUTIL_H
#define DEQ_TESTUTIL_H

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <deq/status.h>

static inline uint64_t test_seed(uint64_t fallback)
{
  const char *e = getenv("DEQ_TEST_SEED");
  uint64_t s = (e && *e) ? strtoull(e, NULL, 0) : fallback;
  return s;
}

/* Relative difference |a - b| / max(|a|, |b|, floor).  */
static inline double test_reldiff(double a, double b, double floor)
{
  double d = fabs(a - b), m = fmax(fmax(fabs(a), fabs(b)), floor);
  if (a == b) return 0.0;
  return d / m;
}

#define ck_assert_rel(a, b, tol)                                            \
  do {                                                                      \
    double a_ = (a), b_ = (b);                                              \
    double r_ = test_reldiff(a_, b_, 0.0);                                  \
    ck_assert_msg(r_ <= (tol), "%s = %.17g vs %s = %.17g: rel %.3g > %.3g", \
                  #a, a_, #b, b_, r_, (double)(tol));                       \
  } while (0)

/* A call must return the status `want` (the message names both).  */
#define ck_assert_st(expr, want)                                            \
  do {                                                                      \
    deq_status st_ = (expr);                                                \
    ck_assert_msg(st_ == (want), "%s -> %d (%s), want %d", #expr, (int)st_, \
                  deq_strerror(st_), (int)(want));                          \
  } while (0)

/* Run a suite; return the process exit status.  Honour CK_RUN_CASE /
   CK_RUN_SUITE (Check's own variables) to run one named test case.  */
static inline int test_run(Suite *s)
{
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
