/* test/t-model.c -- the model interface (deq/model.h): descriptors, the
 * grid engine and the Monte Carlo driver.
 *
 * The engine must reproduce, bitwise, what each model's own solver gives
 * (deq_ridge_grid, deq_rf_grid, deq_corr_grid and the direct Monte Carlo
 * runs): it changes no number, only who loops.  Descriptors are checked
 * for consistency (unique names, valid defaults, existing theory columns
 * for every Monte Carlo quantity).  */
#include <config.h>
#include <deq.h>
#include "testutil.h"

#include <stddef.h>

START_TEST(test_descriptors)
{
  const deq_model_type *const *types = deq_model_types();
  size_t n = 0;
  for (; types[n]; n++) {
    const deq_model_type *t = types[n];
    ck_assert_ptr_eq(deq_model_find(t->name), t);
    ck_assert(t->nparam > 0 && t->ncolumn > 0 && t->point_size > 0);
    ck_assert(t->status_offset + sizeof(deq_status) <= t->point_size);
    ck_assert_int_ge(deq_model_column(t, t->plot_y), 0);
    if (t->plot_x)   /* a grid parameter */
      ck_assert(deq_model_param(t, t->plot_x) >= 0
                && (t->params[deq_model_param(t, t->plot_x)].flags
                    & DEQ_PARAM_GRID));
    size_t shared = 0;
    for (size_t i = 0; i < t->nparam; i++) {
      const deq_param *p = &t->params[i];
      ck_assert_int_eq(deq_model_param(t, p->name), (int)i); /* unique */
      ck_assert(p->help && *p->help);
      shared += (p->flags & DEQ_PARAM_SHARED) != 0;
      if (p->kind == DEQ_PARAM_CHOICE)
        ck_assert(p->choices && p->choices[(size_t)p->def]);
    }
    ck_assert_uint_le(shared, 1);
    for (size_t j = 0; j < t->ncolumn; j++)
      ck_assert_int_eq(deq_model_column(t, t->columns[j].name), (int)j);
    for (size_t q = 0; q < t->nmc; q++)
      ck_assert_int_ge(deq_model_column(t, t->mc_quantities[q].theory), 0);
    for (size_t j = 0; j < t->nmc_column; j++)
      ck_assert_int_ge(deq_model_column(t, t->mc_columns[j]), 0);
  }
  ck_assert_uint_eq(n, 14);
  ck_assert_ptr_null(deq_model_find("nonesuch"));
  ck_assert_int_eq(deq_model_param(&deq_model_ridge, "nonesuch"), -1);
}
END_TEST

/* The ridge grid through the engine equals deq_ridge_grid bitwise, in the
   caller's (unsorted) order, including the interpolation peak.  */
START_TEST(test_ridge_grid_bitwise)
{
  const deq_model_type *t = &deq_model_ridge;
  deq_spectrum *sp = test_sp_logu(60, 1.0);
  double P[] = { 120, 30, 60, 45 }, lambda[] = { 1e-3, 0, 0.5, 1e-8 };
  deq_ridge_point want[16], got[16];
  memset(want, 0, sizeof want);
  memset(got, 0, sizeof got);
  deq_status ws = deq_ridge_grid(want, sp, P, 4, lambda, 4, 0.3);
  double x[8];
  const void *obj[8];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  x[deq_model_param(t, "noise")] = 0.3;
  deq_model_axis axes[2] = { { P, 4 }, { lambda, 4 } };
  ck_assert_uint_eq(deq_model_npoints(t, axes), 16);
  deq_status gs = deq_model_grid(got, t, x, obj, axes, NULL);
  ck_assert_int_eq(gs, ws);
  ck_assert_int_eq(gs, DEQ_EDIVERGE);   /* P = 60 = N at lambda = 0 */
  for (size_t k = 0; k < 16; k++) {
    ck_assert_int_eq(deq_model_point_status(t, got, k), want[k].status);
    double a[13], b[13];
    want[k].P = P[k / 4];
    want[k].lambda = lambda[k % 4];
    t->row(a, &want[k]);
    t->row(b, &got[k]);
    for (size_t j = 0; j < t->ncolumn; j++)
      ck_assert_msg(memcmp(&a[j], &b[j], sizeof a[j]) == 0 ,
                    "point %zu column %s: %.17g vs %.17g", k,
                    t->columns[j].name, a[j], b[j]);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* rf: one block per M (an outer axis, no warm start across blocks) equals
   deq_rf_grid per M.  */
START_TEST(test_rf_grid_bitwise)
{
  const deq_model_type *t = &deq_model_rf;
  deq_spectrum *sp = test_sp_logu(80, 1.0);
  double M[] = { 40, INFINITY, 120 }, P[] = { 100, 50 }, lambda[] = { 0.1, 0 };
  unsigned char buf[12 * 512];
  ck_assert_uint_le(t->point_size, 512);
  double x[8];
  const void *obj[8];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  x[deq_model_param(t, "noise")] = 0.1;
  deq_model_axis axes[3] = { { M, 3 }, { P, 2 }, { lambda, 2 } };
  deq_status gs = deq_model_grid(buf, t, x, obj, axes, NULL);
  ck_assert(gs == DEQ_OK || gs == DEQ_EDIVERGE);
  for (size_t c = 0; c < 3; c++) {
    deq_rf_point want[4];
    deq_rf_chain ch = { 1, &M[c], NULL };
    deq_rf_grid(want, sp, &ch, P, 2, lambda, 2, 0.1);
    for (size_t k = 0; k < 4; k++) {
      const deq_rf_point *g = (const deq_rf_point *)(buf + (c * 4 + k) * t->point_size);
      ck_assert_int_eq(g->status, want[k].status);
      ck_assert(memcmp(&g->E_g, &want[k].E_g, sizeof g->E_g) == 0);
      ck_assert(memcmp(&g->kappa, &want[k].kappa, sizeof g->kappa) == 0);
      ck_assert(memcmp(&g->E_tr, &want[k].E_tr, sizeof g->E_tr) == 0);
    }
  }
  deq_spectrum_free(sp);
}
END_TEST

/* corr: K rebuilt per P, lambda continued; equals deq_corr_grid.  */
START_TEST(test_corr_grid_bitwise)
{
  const deq_model_type *t = &deq_model_corr;
  deq_spectrum *sp = test_sp_logu(50, 1.0);
  deq_corr_model m = { .kind = DEQ_CORR_AR1, .rho = 0.6 };
  double P[] = { 80, 40 }, lambda[] = { 0.2, 0.01, 0 };
  unsigned char buf[6 * 512];
  ck_assert_uint_le(t->point_size, 512);
  double x[12];
  const void *obj[12];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  obj[deq_model_param(t, "corr")] = &m;
  x[deq_model_param(t, "noise")] = 0.2;
  deq_model_axis axes[2] = { { P, 2 }, { lambda, 3 } };
  ck_assert_int_eq(deq_model_grid(buf, t, x, obj, axes, NULL), DEQ_OK);
  for (size_t i = 0; i < 2; i++) {
    deq_spectrum *K = NULL;
    ck_assert_st(deq_corr_spectrum(&K, &m, (size_t)P[i], DEQ_CORR_EXACT, NULL),
                 DEQ_OK);
    deq_corr_point want[3];
    ck_assert_st(deq_corr_grid(want, sp, K, lambda, 3, 0.2, DEQ_CORR_NOISE_K),
                 DEQ_OK);
    for (size_t j = 0; j < 3; j++) {
      const deq_corr_point *g = (const deq_corr_point *)(buf + (i * 3 + j) * t->point_size);
      ck_assert(memcmp(&g->E_g, &want[j].E_g, sizeof g->E_g) == 0);
      ck_assert(memcmp(&g->corrgcv, &want[j].corrgcv, sizeof g->corrgcv) == 0);
    }
    deq_spectrum_free(K);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* A failure beats a divergence, and its message reaches err: a block
   size that does not divide the second P.  */
START_TEST(test_grid_status_rule)
{
  const deq_model_type *t = &deq_model_corr;
  deq_spectrum *sp = test_sp_logu(40, 1.0);
  deq_corr_model m = { .kind = DEQ_CORR_BLOCKS, .m = 4, .c = 0.3 };
  double P[] = { 40, 42 }, lambda[] = { 0 };   /* P = 40 = rank: a peak */
  unsigned char buf[2 * 512];
  double x[12];
  const void *obj[12];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  obj[deq_model_param(t, "corr")] = &m;
  x[deq_model_param(t, "noise")] = 0.1;
  deq_model_axis axes[2] = { { P, 2 }, { lambda, 1 } };
  deq_error err;
  deq_error_clear(&err);
  ck_assert_int_eq(deq_model_grid(buf, t, x, obj, axes, &err), DEQ_EDOM);
  ck_assert_int_eq(deq_model_point_status(t, buf, 0), DEQ_EDIVERGE);
  ck_assert_int_eq(deq_model_point_status(t, buf, 1), DEQ_EDOM);
  ck_assert_msg(strstr(err.message, "does not divide P = 42"), "%s", err.message);
  deq_spectrum_free(sp);
}
END_TEST

/* Monte Carlo through the engine: the same estimates as the direct run
   with the seed of each outer point, whatever the thread count.  */
START_TEST(test_mc_seeds)
{
  const deq_model_type *t = &deq_model_ridge;
  deq_spectrum *sp = test_sp_logu(30, 1.0);
  double P[] = { 20, 45 }, lambda[] = { 0.05, 0.5 };
  deq_ridge_point pts[4];
  double x[8];
  const void *obj[8];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  x[deq_model_param(t, "noise")] = 0.25;
  deq_model_axis axes[2] = { { P, 2 }, { lambda, 2 } };
  ck_assert_int_eq(deq_model_grid(pts, t, x, obj, axes, NULL), DEQ_OK);
  uint64_t seed = test_seed(7);
  deq_mc_estimate e1[16], e2[16];
  ck_assert_int_eq(deq_model_mc(e1, NULL, t, x, obj, axes, pts, 20, seed, 1,
                                NULL), DEQ_OK);
  ck_assert_int_eq(deq_model_mc(e2, NULL, t, x, obj, axes, pts, 20, seed, 2,
                                NULL), DEQ_OK);
  ck_assert(memcmp(e1, e2, sizeof e1) == 0);
  for (size_t i = 0; i < 2; i++) {
    deq_mc_ridge_row rows[2];
    ck_assert_st(deq_mc_ridge_run(rows, sp, (size_t)P[i], lambda, 2, 0.25, 20,
                                  deq_model_mc_seed(seed, i), 1), DEQ_OK);
    for (size_t j = 0; j < 2; j++) {
      const deq_mc_estimate *e = &e1[(i * 2 + j) * t->nmc];
      ck_assert(memcmp(&e[0], &rows[j].E_g, sizeof e[0]) == 0);
      ck_assert(memcmp(&e[3], &rows[j].df1, sizeof e[3]) == 0);
    }
  }
  ck_assert(deq_model_mc_seed(5, 0) == 5);
  ck_assert(deq_model_mc_seed(5, 3) == 5 + 3 * ((uint64_t)1 << 32));
  deq_spectrum_free(sp);
}
END_TEST

/* The MPFR twin certifies every column of a ridge grid to the library's
   accuracy contract, and finds a corrupted value where it is.  */
START_TEST(test_certify)
{
  const deq_model_type *t = &deq_model_ridge;
  deq_spectrum *sp = test_sp_logu(40, 1.0);
  double P[] = { 20, 40, 80 }, lambda[] = { 0, 1e-8, 0.3 };
  deq_ridge_point pts[9];
  double x[8];
  const void *obj[8];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  x[deq_model_param(t, "noise")] = 0.2;
  deq_model_axis axes[2] = { { P, 3 }, { lambda, 3 } };
  ck_assert_int_eq(deq_model_grid(pts, t, x, obj, axes, NULL), DEQ_EDIVERGE);
  double maxrel;
  size_t k, j;
  size_t ncert;
  ck_assert_st(deq_model_certify(&maxrel, &ncert, &k, &j, t, x, obj, axes,
                                 pts, 200), DEQ_OK);
  ck_assert_uint_eq(ncert, 9);
  ck_assert_msg(maxrel < 1e-12, "max rel %g at point %zu column %s", maxrel,
                k, t->columns[j].name);
  pts[7].E_g *= 1 + 1e-6;        /* P = 80, lambda = 1e-8 */
  ck_assert_st(deq_model_certify(&maxrel, NULL, &k, &j, t, x, obj, axes, pts,
                                 200), DEQ_OK);
  ck_assert_uint_eq(k, 7);
  ck_assert_str_eq(t->columns[j].name, "E_g");
  ck_assert(maxrel > 0.9e-6 && maxrel < 1.1e-6);
  /* The optimal ridge has no twin.  */
  x[deq_model_param(t, "optimal-lambda")] = 1;
  ck_assert_st(deq_model_certify(&maxrel, NULL, NULL, NULL, t, x, obj, axes,
                                 pts, 200), DEQ_EUNSUP);
  deq_spectrum_free(sp);
}
END_TEST

/* The rf and corr twins: lambda > 0 is certified, lambda = 0 skipped.  */
START_TEST(test_certify_rf_corr)
{
  deq_spectrum *sp = test_sp_logu(60, 1.0);
  double lambda[] = { 0, 0.05, 1.0 }, maxrel;
  size_t ncert, k, j;
  {
    const deq_model_type *t = &deq_model_rf;
    double M[] = { 30, INFINITY }, P[] = { 40, 90 };
    unsigned char buf[12 * 512];
    double x[8];
    const void *obj[8];
    test_model_defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    x[deq_model_param(t, "noise")] = 0.2;
    deq_model_axis axes[3] = { { M, 2 }, { P, 2 }, { lambda, 3 } };
    deq_status gs = deq_model_grid(buf, t, x, obj, axes, NULL);
    ck_assert(gs == DEQ_OK || gs == DEQ_EDIVERGE);
    ck_assert_st(deq_model_certify(&maxrel, &ncert, &k, &j, t, x, obj, axes,
                                   buf, 200), DEQ_OK);
    ck_assert_uint_eq(ncert, 4);   /* M = 30 at lambda > 0; M = inf is ridge */
    ck_assert_msg(maxrel < 1e-12, "rf: %g at point %zu column %s", maxrel, k,
                  t->columns[j].name);
  }
  {
    const deq_model_type *t = &deq_model_corr;
    deq_corr_model m = { .kind = DEQ_CORR_AR1, .rho = 0.5 };
    double P[] = { 50, 120 };
    unsigned char buf[6 * 512];
    double x[12];
    const void *obj[12];
    test_model_defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    obj[deq_model_param(t, "corr")] = &m;
    x[deq_model_param(t, "noise")] = 0.3;
    x[deq_model_param(t, "horizon")] = 2;
    deq_model_axis axes[2] = { { P, 2 }, { lambda, 3 } };
    deq_status gs = deq_model_grid(buf, t, x, obj, axes, NULL);
    ck_assert(gs == DEQ_OK || gs == DEQ_EDIVERGE);
    ck_assert_st(deq_model_certify(&maxrel, &ncert, &k, &j, t, x, obj, axes,
                                   buf, 200), DEQ_OK);
    ck_assert_uint_eq(ncert, 4);
    ck_assert_msg(maxrel < 1e-12, "corr: %g at point %zu column %s", maxrel,
                  k, t->columns[j].name);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* Scaling invariance (issue 8) for the models beyond ridge: every
   eigenvalue, target power, lambda and the noise scaled by c give kappa
   and E_g scaled by c and the same df1 and gamma, for c from 1e-300 to
   1e300 (t-ridge sweeps ridge itself).  rf agrees to 1e-13; corr's
   nested solve keeps the accuracy contract (1e-12; measured against its
   MPFR twin: 3e-14 to 6e-14 at lambda = 1e200..1e300, 1e-15 at 1).  */
static deq_spectrum *scaled_logu(size_t n, double c)
{
  double *s = malloc(n * sizeof *s), *m = malloc(n * sizeof *m);
  double *v = malloc(n * sizeof *v);
  for (size_t i = 0; i < n; i++) {
    double x = 0.1 * pow(100.0, (double)i / (double)(n - 1));
    s[i] = x * c;
    m[i] = 1;
    v[i] = sqrt(x) / (double)n * c;
  }
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, n, s, m, v, NULL), DEQ_OK);
  free(s);
  free(m);
  free(v);
  return sp;
}

START_TEST(test_scaling_invariance_rf_corr)
{
  static const double scales[] = { 1e300, 1e150, 1e-150, 1e-300 };
  const deq_model_type *types[2] = { &deq_model_rf, &deq_model_corr };
  deq_corr_model ar1 = { .kind = DEQ_CORR_AR1, .rho = 0.5 };
  double M[] = { 50 }, P[] = { 40, 80, 160 }, lambda0[] = { 1e-6, 0.01, 1.0 };
  for (int m = 0; m < 2; m++) {
    const deq_model_type *t = types[m];
    int ik = deq_model_column(t, "kappa"), ie = deq_model_column(t, "E_g");
    int id = deq_model_column(t, "df1"), ig = deq_model_column(t, "gamma");
    unsigned char ref[9 * 512], got[9 * 512];
    double rrow[32], grow[32];
    for (size_t c = 0; c <= 4; c++) {
      double sc = c == 0 ? 1.0 : scales[c - 1], lambda[3];
      for (int l = 0; l < 3; l++) lambda[l] = lambda0[l] * sc;
      deq_spectrum *sp = scaled_logu(100, sc);
      double x[12];
      const void *obj[12];
      test_model_defaults(t, x, obj);
      obj[deq_model_param(t, "spectrum")] = sp;
      x[deq_model_param(t, "noise")] = 0.1 * sc;
      if (m == 1) obj[deq_model_param(t, "corr")] = &ar1;
      deq_model_axis rf_axes[3] = { { M, 1 }, { P, 3 }, { lambda, 3 } };
      deq_model_axis corr_axes[2] = { { P, 3 }, { lambda, 3 } };
      ck_assert_int_eq(deq_model_grid(c ? got : ref, t, x, obj,
                                      m ? corr_axes : rf_axes, NULL), DEQ_OK);
      const double tol = m ? 1e-12 : 1e-13;
      for (size_t k = 0; c && k < 9; k++) {
        t->row(rrow, ref + k * t->point_size);
        t->row(grow, got + k * t->point_size);
        ck_assert_msg(test_reldiff(grow[ik] / sc, rrow[ik], 0) < tol
                      && test_reldiff(grow[ie] / sc, rrow[ie], 0) < tol
                      && test_reldiff(grow[id], rrow[id], 0) < tol
                      && test_reldiff(grow[ig], rrow[ig], 0) < tol,
                      "%s scale %g point %zu: kappa %.17g vs %.17g, E_g "
                      "%.17g vs %.17g, df1 %.17g vs %.17g", t->name, sc, k,
                      grow[ik] / sc, rrow[ik], grow[ie] / sc, rrow[ie],
                      grow[id], rrow[id]);
      }
      deq_spectrum_free(sp);
    }
  }
}
END_TEST

/* The library's fields carry the vocabulary's names; 0.1's names are
   aliases of the same storage for one release.  */
START_TEST(test_field_aliases)
{
  deq_ridge_point r = { .var_noise = 1.5 };
  ck_assert(r.variance == 1.5);
  deq_corr_point c = { .df1 = 2, .var_noise = 3, .gcv = 4 };
  ck_assert(c.df == 2 && c.variance == 3 && c.gcv_naive == 4);
  deq_rf_point f = { .df1 = 5 };
  ck_assert(f.df == 5);
  deq_mc_rf_row mr = { .df1 = { 6, 7 } };
  ck_assert(mr.df.mean == 6 && mr.df.se == 7);
  deq_mc_corr_row mc = { .gcv = { 8, 9 }, .df1 = { 10, 11 } };
  ck_assert(mc.gcv_naive.mean == 8 && mc.df.se == 11);
  deq_estimate_point e = { .E_tr = 12, .df1 = 13 };
  ck_assert(e.train == 12 && e.df == 13);
}
END_TEST

START_TEST(test_bad_arguments)
{
  const deq_model_type *t = &deq_model_ridge;
  double x[8], P[] = { 10 };
  const void *obj[8];
  test_model_defaults(t, x, obj);
  deq_model_axis axes[2] = { { P, 1 }, { P, 0 } };   /* an empty axis */
  deq_ridge_point pt;
  ck_assert_uint_eq(deq_model_npoints(t, axes), 0);
  ck_assert_st(deq_model_grid(&pt, t, x, obj, axes, NULL), DEQ_EINVAL);
  ck_assert_st(deq_model_grid(NULL, t, x, obj, axes, NULL), DEQ_EINVAL);
  deq_mc_estimate e[4];
  ck_assert_st(deq_model_mc(e, NULL, t, x, obj, axes, NULL, 2, 1, 1, NULL),
               DEQ_EINVAL);
  /* The ridge model's own check: --lambda with --optimal-lambda.  */
  unsigned char given[8] = { 0 };
  given[deq_model_param(t, "lambda")] = 1;
  given[deq_model_param(t, "optimal-lambda")] = 1;
  deq_error err;
  deq_error_clear(&err);
  ck_assert_st(t->validate(x, obj, given, &err), DEQ_EINVAL);
  ck_assert(strstr(err.message, "--optimal-lambda") != NULL);
}
END_TEST

/* The engine's range check: one rule and message for every caller.  */
START_TEST(test_range_check)
{
  const deq_model_type *t = &deq_model_ridge;
  int iP = deq_model_param(t, "P"), il = deq_model_param(t, "lambda");
  int in = deq_model_param(t, "noise");
  deq_error err;
  deq_error_clear(&err);
  ck_assert_int_eq(deq_model_check_value(t, iP, 0, 0, &err), DEQ_EDOM);
  ck_assert_str_eq(err.message, "P: value 0 must be > 0");
  ck_assert_int_eq(deq_model_check_value(t, iP, 10.5, 0, NULL), DEQ_OK);
  ck_assert_int_eq(deq_model_check_value(t, iP, 10.5, 1, &err), DEQ_EDOM);
  ck_assert_str_eq(err.message, "P: value 10.5 must be an integer");
  ck_assert_int_eq(deq_model_check_value(t, iP, INFINITY, 1, &err), DEQ_EDOM);
  ck_assert_int_eq(deq_model_check_value(t, il, -1, 0, &err), DEQ_EDOM);
  ck_assert_str_eq(err.message, "lambda: value -1 must be >= 0");
  ck_assert_int_eq(deq_model_check_value(t, il, INFINITY, 0, &err), DEQ_EDOM);
  ck_assert_int_eq(deq_model_check_value(t, in, NAN, 0, &err), DEQ_EDOM);
  ck_assert_int_eq(deq_model_check_value(t, in, INFINITY, 0, NULL), DEQ_EDOM);
  ck_assert_int_eq(deq_model_check_value(t, 99, 0, 0, NULL), DEQ_EINVAL);
  /* an optional parameter's default passes even outside its range */
  const deq_model_type *c = &deq_model_corr;
  int ih = deq_model_param(c, "horizon");
  ck_assert_int_eq(deq_model_check_value(c, ih, c->params[ih].def, 0, NULL),
                   DEQ_OK);
  ck_assert_int_eq(deq_model_check_value(c, ih, -3, 0, NULL), DEQ_EDOM);
  /* deq_model_grid and deq_model_mc check before solving */
  deq_spectrum *sp = test_sp_logu(40, 1.0);
  double x[12], P[] = { 20, -5 }, lambda[] = { 0.1 };
  const void *obj[12];
  test_model_defaults(t, x, obj);
  obj[deq_model_param(t, "spectrum")] = sp;
  deq_model_axis axes[2] = { { P, 2 }, { lambda, 1 } };
  unsigned char buf[2 * 512];
  deq_error_clear(&err);
  ck_assert_int_eq(deq_model_grid(buf, t, x, obj, axes, &err), DEQ_EDOM);
  ck_assert_str_eq(err.message, "P: value -5 must be > 0");
  P[1] = 30.5;
  ck_assert_int_eq(deq_model_grid(buf, t, x, obj, axes, &err), DEQ_OK);
  deq_mc_estimate est[2 * 4];
  ck_assert_int_eq(deq_model_mc(est, NULL, t, x, obj, axes, buf, 4, 1, 1,
                                &err), DEQ_EDOM);
  ck_assert_str_eq(err.message, "P: value 30.5 must be an integer");
  /* a DEQ_PARAM_INCREASING axis (gd's steps) must be strictly increasing */
  const deq_model_type *g = &deq_model_gd;
  int is = deq_model_param(g, "steps");
  ck_assert(g->params[is].flags & DEQ_PARAM_INCREASING);
  double gx[8], gP[] = { 80 }, glr[] = { NAN }, steps[] = { 0, 7, 7 };
  const void *gobj[8];
  test_model_defaults(g, gx, gobj);
  deq_model_axis gaxes[3] = { { gP, 1 }, { glr, 1 }, { steps, 3 } };
  ck_assert_int_eq(deq_model_check(g, gx, gaxes, 0, &err), DEQ_EDOM);
  ck_assert_str_eq(err.message, "steps: values must be strictly increasing "
                   "(entry 3 is 7 after 7)");
  steps[2] = 8;
  ck_assert_int_eq(deq_model_check(g, gx, gaxes, 0, &err), DEQ_OK);
  deq_spectrum_free(sp);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("model");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_descriptors);
  tcase_add_test(tc, test_ridge_grid_bitwise);
  tcase_add_test(tc, test_rf_grid_bitwise);
  tcase_add_test(tc, test_corr_grid_bitwise);
  tcase_add_test(tc, test_grid_status_rule);
  tcase_add_test(tc, test_mc_seeds);
  tcase_add_test(tc, test_certify);
  tcase_add_test(tc, test_certify_rf_corr);
  tcase_add_test(tc, test_scaling_invariance_rf_corr);
  tcase_add_test(tc, test_field_aliases);
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_range_check);
  suite_add_tcase(s, tc);
  return test_run(s);
}
