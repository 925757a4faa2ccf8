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
#include <deq/model.h>
#include <deq/spectrum.h>
#include <deq/status.h>

static inline uint64_t test_seed(uint64_t fallback)
{
  const char *e = getenv("DEQ_TEST_SEED");
  uint64_t s = (e && *e) ? strtoull(e, NULL, 0) : fallback;
  return s;
}

/* A uniform double in [0, 1) from a splitmix64 stream: test data that
   does not depend on deq's own generator.  */
static inline double test_uniform(uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1p-53;
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

/* The spec's power law s_k = k^-1.5 with source r = 0.4 (s_k wbar_k^2 =
   k^-(1 + 2 1.5 0.4)), n atoms (may be INFINITY).  */
static inline deq_spectrum *test_sp_powerlaw(double n)
{
  deq_powerlaw pl;
  deq_powerlaw_init(&pl);
  pl.alpha = 1.5;
  pl.r = 0.4;
  pl.n = n;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_powerlaw(&sp, &pl), DEQ_OK);
  return sp;
}

/* Log-uniform on [0.1, 10], n atoms, isotropic target |wbar|^2 = norm2. */
static inline deq_spectrum *test_sp_logu(size_t n, double norm2)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, n, 0.1, 10), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, norm2), DEQ_OK);
  return sp;
}

/* x and obj of a model type with every parameter at its default.  */
static inline void test_model_defaults(const deq_model_type *t, double *x,
                                       const void **obj)
{
  for (size_t i = 0; i < t->nparam; i++) {
    x[i] = t->params[i].def;
    obj[i] = NULL;
  }
}

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
