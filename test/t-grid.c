/* test/t-grid.c -- parallel grids (deq_model_grid_threads).
 *
 * The same grid solved on 1, 2, 3 and 7 threads must give the same
 * points bitwise, column by column and status by status, for models with
 * two continuation axes cut into tiles (ridge: P x lambda, rf), one (corr:
 * lambda), none (icl, flow: every point its own block) and for models
 * whose rows are never cut (sgd: the workspace carries the trajectory;
 * gd).  The axes are longer than a tile and given out of order, so that
 * tiles, corners and the caller's order are all exercised.  Cutting must
 * not change the answer beyond the solvers' own accuracy (a long grid
 * against the uncut serial continuation), and a grid no longer than one
 * tile is continued exactly as without cuts.  */
#include <config.h>
#include <deq.h>
#include "testutil.h"

#include <math.h>
#include <string.h>

static const int THREADS[] = { 1, 2, 3, 7 };

/* v[k] = a geometric grid from lo to hi, its halves interleaved so that
   the caller's order is not the increasing one.  */
static double *grid(size_t n, double lo, double hi, int integer)
{
  double *v = malloc(n * sizeof *v);
  ck_assert_ptr_nonnull(v);
  for (size_t k = 0; k < n; k++) {
    size_t j = k % 2 ? n - 1 - k / 2 : k / 2;
    v[k] = n > 1 ? lo * pow(hi / lo, (double)j / (double)(n - 1)) : lo;
    if (integer) v[k] = round(v[k]);
  }
  return v;
}

/* The same values in increasing order (step and time axes must be
   strictly increasing); integers forced apart by at least 1.  */
static double *increasing(size_t n, double lo, double hi, int integer)
{
  double *v = malloc(n * sizeof *v);
  ck_assert_ptr_nonnull(v);
  for (size_t k = 0; k < n; k++) {
    v[k] = n > 1 ? lo * pow(hi / lo, (double)k / (double)(n - 1)) : lo;
    if (integer) v[k] = round(v[k]);
    if (integer && k > 0 && v[k] <= v[k - 1]) v[k] = v[k - 1] + 1;
  }
  return v;
}

/* Solve the grid on every thread count of THREADS and compare each with
   the first, bitwise; returns the 1-thread points (to free).  */
static void *same_for_any_threads(const deq_model_type *t, const double *x,
                                  const void *const *obj,
                                  const deq_model_axis *axes)
{
  size_t n = deq_model_npoints(t, axes);
  ck_assert_uint_gt(n, 0);
  void *ref = calloc(n, t->point_size), *got = calloc(n, t->point_size);
  double *a = malloc(t->ncolumn * sizeof *a), *b = malloc(t->ncolumn * sizeof *b);
  ck_assert(ref && got && a && b);
  deq_error e0, e;
  deq_error_clear(&e0);
  deq_status s0 = deq_model_grid_threads(ref, t, x, obj, axes, 1, &e0);
  ck_assert_msg(s0 == DEQ_OK || s0 == DEQ_EDIVERGE, "%s: %s (%s)", t->name,
                deq_strerror(s0), e0.message);
  for (size_t r = 1; r < sizeof THREADS / sizeof *THREADS; r++) {
    memset(got, 0xa5, n * t->point_size);
    deq_error_clear(&e);
    deq_status s = deq_model_grid_threads(got, t, x, obj, axes, THREADS[r], &e);
    ck_assert_int_eq(s, s0);
    ck_assert_str_eq(e.message, e0.message);
    for (size_t k = 0; k < n; k++) {
      const char *p = (const char *)ref + k * t->point_size;
      const char *q = (const char *)got + k * t->point_size;
      ck_assert_int_eq(deq_model_point_status(t, got, k),
                       deq_model_point_status(t, ref, k));
      t->row(a, p);
      t->row(b, q);
      ck_assert_msg(memcmp(a, b, t->ncolumn * sizeof *a) == 0,
                    "%s, %d threads: point %zu differs from 1 thread",
                    t->name, THREADS[r], k);
    }
  }
  free(got);
  free(a);
  free(b);
  return ref;
}

START_TEST(test_ridge_threads)
{
  const deq_model_type *t = &deq_model_ridge;
  deq_spectrum *sp = test_sp_logu(200, 1.0);
  double *P = grid(37, 20, 800, 1), *lambda = grid(41, 1e-6, 1, 0);
  lambda[3] = 0;                         /* ridgeless: the peak at P = N */
  P[5] = 200;
  double x[16];
  const void *obj[16];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  x[deq_model_param(t, "noise")] = 0.2;
  deq_model_axis axes[2] = { { P, 37 }, { lambda, 41 } };
  free(same_for_any_threads(t, x, obj, axes));
  /* one lambda: one long continuation row along P */
  deq_model_axis row[2] = { { P, 37 }, { lambda + 1, 1 } };
  free(same_for_any_threads(t, x, obj, row));
  free(P);
  free(lambda);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_rf_corr_threads)
{
  deq_spectrum *sp = test_sp_logu(120, 1.0);
  double *P = grid(20, 30, 400, 1), *lambda = grid(35, 1e-5, 1, 0);
  double M[] = { 60, INFINITY, 300 };
  {
    const deq_model_type *t = &deq_model_rf;
    double x[16];
    const void *obj[16];
    test_model_defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    x[deq_model_param(t, "noise")] = 0.1;
    deq_model_axis axes[3] = { { M, 3 }, { P, 20 }, { lambda, 35 } };
    free(same_for_any_threads(t, x, obj, axes));
  }
  {
    const deq_model_type *t = &deq_model_corr;
    deq_corr_model ar1 = { .kind = DEQ_CORR_AR1, .rho = 0.5 };
    double x[16];
    const void *obj[16];
    test_model_defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    obj[deq_model_param(t, "corr")] = &ar1;
    x[deq_model_param(t, "noise")] = 0.1;
    deq_model_axis axes[2] = { { P, 3 }, { lambda, 35 } };
    free(same_for_any_threads(t, x, obj, axes));
  }
  free(P);
  free(lambda);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_icl_flow_threads)
{
  {
    const deq_model_type *t = &deq_model_icl;
    double *alpha = grid(9, 0.2, 5, 0), *tau = grid(11, 0.3, 8, 0);
    double lambda[] = { 1e-3, 0.1 };
    double x[16];
    const void *obj[16];
    test_model_defaults(t, x, obj);
    size_t na = 0;
    deq_model_axis axes[8];
    for (size_t i = 0; i < t->nparam; i++) {
      if (!(t->params[i].flags & DEQ_PARAM_GRID)) continue;
      const char *name = t->params[i].name;
      if (strcmp(name, "alpha") == 0) axes[na++] = (deq_model_axis){ alpha, 9 };
      else if (strcmp(name, "tau") == 0) axes[na++] = (deq_model_axis){ tau, 11 };
      else if (strcmp(name, "lambda") == 0)
        axes[na++] = (deq_model_axis){ lambda, 2 };
      else axes[na++] = (deq_model_axis){ &x[i], 1 };
    }
    free(same_for_any_threads(t, x, obj, axes));
    free(alpha);
    free(tau);
  }
  {
    const deq_model_type *t = &deq_model_flow;
    deq_spectrum *sp = test_sp_logu(20, 1.0);
    double *P = grid(3, 20, 200, 1), *time = increasing(5, 0.5, 500, 0);
    double N[] = { INFINITY, 80 };
    double x[16];
    const void *obj[16];
    test_model_defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    x[deq_model_param(t, "noise")] = 0.1;
    deq_model_axis axes[3] = { { N, 2 }, { P, 3 }, { time, 5 } };
    free(same_for_any_threads(t, x, obj, axes));
    free(P);
    free(time);
    deq_spectrum_free(sp);
  }
}
END_TEST

START_TEST(test_sgd_gd_threads)
{
  deq_spectrum *sp = test_sp_logu(30, 1.0);
  double *steps = increasing(24, 1, 300, 1);
  {
    const deq_model_type *t = &deq_model_sgd;
    double lr[] = { 0.005, 0.012, 0.002 };
    double x[16];
    const void *obj[16];
    test_model_defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    x[deq_model_param(t, "noise")] = 0.1;
    deq_model_axis axes[2] = { { lr, 3 }, { steps, 24 } };
    free(same_for_any_threads(t, x, obj, axes));
  }
  {
    const deq_model_type *t = &deq_model_gd;
    deq_spectrum *small = test_sp_logu(10, 1.0);   /* the contour plan's cost */
    double P[] = { 300, 100 }, lr[] = { NAN };
    double x[16];
    const void *obj[16];
    test_model_defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    x[deq_model_param(t, "noise")] = 0.1;
    obj[deq_model_param(t, "spectrum")] = small;
    deq_model_axis axes[3] = { { P, 2 }, { lr, 1 }, { steps, 24 } };
    free(same_for_any_threads(t, x, obj, axes));
    deq_spectrum_free(small);
  }
  free(steps);
  deq_spectrum_free(sp);
}
END_TEST

/* Tiles against the uncut serial continuation (warm_chunk = 0): the same
   numbers to the solver's accuracy on a long grid, and bitwise on a grid
   of one tile.  */
START_TEST(test_cut_matches_serial)
{
  deq_model_type serial = deq_model_ridge;
  serial.warm_chunk = 0;
  const deq_model_type *t = &deq_model_ridge;
  ck_assert_uint_gt(t->warm_chunk, 1);
  deq_spectrum *sp = test_sp_logu(300, 1.0);
  double *P = grid(200, 10, 3000, 1), *lambda = grid(3, 1e-4, 0.1, 0);
  double x[16];
  const void *obj[16];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  x[deq_model_param(t, "noise")] = 0.2;
  size_t nt = t->warm_chunk;
  deq_model_axis longg[2] = { { P, 200 }, { lambda, 3 } };
  deq_model_axis one[2] = { { P, nt }, { lambda, 3 } };
  deq_model_axis *cases[2] = { longg, one };
  int ik = deq_model_column(t, "kappa"), ie = deq_model_column(t, "E_g");
  for (int c = 0; c < 2; c++) {
    size_t n = deq_model_npoints(t, cases[c]);
    deq_ridge_point *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
    ck_assert(a && b);
    ck_assert_st(deq_model_grid_threads(a, t, x, obj, cases[c], 2, NULL),
                 DEQ_OK);
    ck_assert_st(deq_model_grid_threads(b, &serial, x, obj, cases[c], 2, NULL),
                 DEQ_OK);
    double ra[32], rb[32];
    for (size_t k = 0; k < n; k++) {
      t->row(ra, &a[k]);
      t->row(rb, &b[k]);
      if (c == 1)
        ck_assert_msg(memcmp(ra, rb, t->ncolumn * sizeof *ra) == 0,
                      "one tile: point %zu differs from the serial one", k);
      else
        ck_assert_msg(test_reldiff(ra[ik], rb[ik], 0) < 1e-13
                      && test_reldiff(ra[ie], rb[ie], 0) < 1e-12,
                      "point %zu: kappa %.17g vs %.17g, E_g %.17g vs %.17g",
                      k, ra[ik], rb[ik], ra[ie], rb[ie]);
    }
    free(a);
    free(b);
  }
  free(P);
  free(lambda);
  deq_spectrum_free(sp);
}
END_TEST

/* A failure is reported the same way on any thread count: the status and
   message of the first failing point in row-major order.  */
START_TEST(test_failure_threads)
{
  const deq_model_type *t = &deq_model_corr;
  deq_spectrum *sp = test_sp_logu(60, 1.0);
  deq_corr_model blocks = { .kind = DEQ_CORR_BLOCKS, .m = 4, .c = 0.3 };
  double P[] = { 40, 42, 44, 45, 48 }, *lambda = grid(30, 1e-4, 1, 0);
  double x[16];
  const void *obj[16];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  obj[deq_model_param(t, "corr")] = &blocks;
  deq_model_axis axes[2] = { { P, 5 }, { lambda, 30 } };
  size_t n = deq_model_npoints(t, axes);
  void *pts = calloc(n, t->point_size);
  ck_assert_ptr_nonnull(pts);
  for (size_t r = 0; r < sizeof THREADS / sizeof *THREADS; r++) {
    deq_error e;
    deq_error_clear(&e);
    ck_assert_st(deq_model_grid_threads(pts, t, x, obj, axes, THREADS[r], &e),
                 DEQ_EDOM);
    ck_assert_msg(strstr(e.message, "P = 42") != NULL, "%s", e.message);
    ck_assert_int_eq(deq_model_point_status(t, pts, 0), DEQ_OK);
    ck_assert_int_eq(deq_model_point_status(t, pts, 30), DEQ_EDOM);
  }
  free(pts);
  free(lambda);
  deq_spectrum_free(sp);
}
END_TEST

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* ridge's solve, recording the OpenBLAS thread count it runs under */
static int blas_seen;
static deq_status spy_solve(void *point, void *ws, const double *x,
                            const void *const *obj, const void *warm,
                            deq_error *err)
{
#pragma omp critical(blas_seen)
  if (openblas_get_num_threads() > blas_seen)
    blas_seen = openblas_get_num_threads();
  return deq_model_ridge.solve(point, ws, x, obj, warm, err);
}
#endif

/* Every grid runs OpenBLAS on one thread, a single point or one task on
   one thread included (a threaded BLAS would make a point's bits depend
   on the process's setting), and restores the caller's count.  Before
   the fix a one-point grid ran under the caller's 2 threads.  */
START_TEST(test_blas_serial)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  openblas_set_num_threads(2);
  int before = openblas_get_num_threads();
  deq_model_type spy = deq_model_ridge;
  spy.solve = spy_solve;
  deq_spectrum *sp = test_sp_logu(50, 1.0);
  double x[16], P1[] = { 30 }, L1[] = { 0.01 }, P3[] = { 20, 30, 40 };
  const void *obj[16];
  test_model_defaults(&spy, x, obj);
  obj[deq_model_param(&spy, "spectrum")] = sp;
  deq_model_axis one[2] = { { P1, 1 }, { L1, 1 } };
  deq_model_axis row[2] = { { P3, 3 }, { L1, 1 } };
  deq_model_axis *cases[2] = { one, row };
  deq_ridge_point pts[3];
  for (int c = 0; c < 2; c++)
    for (int th = 1; th <= 2; th++) {
      blas_seen = 0;
      ck_assert_st(deq_model_grid_threads(pts, &spy, x, obj, cases[c], th,
                                          NULL), DEQ_OK);
      ck_assert_msg(blas_seen == 1, "case %d, %d threads: solved under %d "
                    "OpenBLAS threads", c, th, blas_seen);
      ck_assert_int_eq(openblas_get_num_threads(), before);
    }
  deq_spectrum_free(sp);
#endif
}
END_TEST

/* One case per test: CK_RUN_CASE=ridge ./test/t-grid runs one.  */
#define ADD_CASE(s, name, test)                                             \
  do {                                                                      \
    TCase *tc = tcase_create(name);                                         \
    tcase_set_timeout(tc, 60);                                              \
    tcase_add_test(tc, test);                                               \
    suite_add_tcase(s, tc);                                                 \
  } while (0)

static Suite *suite(void)
{
  Suite *s = suite_create("grid");
  ADD_CASE(s, "ridge", test_ridge_threads);
  ADD_CASE(s, "rf_corr", test_rf_corr_threads);
  ADD_CASE(s, "icl_flow", test_icl_flow_threads);
  ADD_CASE(s, "sgd_gd", test_sgd_gd_threads);
  ADD_CASE(s, "cut", test_cut_matches_serial);
  ADD_CASE(s, "failure", test_failure_threads);
  ADD_CASE(s, "blas", test_blas_serial);
  return s;
}

int main(void) { return test_run(suite()); }
