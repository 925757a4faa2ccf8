/* lib/model_ridge.c -- the ridge model's type object (deq/model.h):
 * parameters, columns, solve and Monte Carlo on top of deq/ridge.h.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/model.h"
#include "grid_impl.h"
#include "deq/mp.h"
#include "deq/ridge.h"

enum { R_SPECTRUM, R_NOISE, R_P, R_LAMBDA, R_OPTIMAL, R_NPARAM };

static const deq_param ridge_params[R_NPARAM] = {
  [R_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0, 0,
                   NULL, "SPEC", "the data covariance Sigma with the target "
                   "powers of wbar" },
  [R_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [R_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
            | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
            "sample sizes > 0" },
  [R_LAMBDA] = { "lambda", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_SHARED,
                 0, 0, INFINITY, NULL, "GRID",
                 "ridges >= 0, normalised by P: (1/P)|y - Xw|^2 + lambda|w|^2" },
  [R_OPTIMAL] = { "optimal-lambda", DEQ_PARAM_FLAG, 0, 0, 0, 1, NULL, NULL,
                  "one row per P at the optimal ridge lambda*(P) (replaces "
                  "--lambda)" },
};

static const deq_column ridge_columns[] = {
  { "P", "sample size" },
  { "lambda", "ridge, normalised by P" },
  { "kappa", "renormalised ridge: lambda = kappa (1 - df1/P)" },
  { "df1", "tr Sigma (Sigma + kappa)^-1 (unnormalised)" },
  { "df2", "tr Sigma^2 (Sigma + kappa)^-2 (unnormalised)" },
  { "gamma", "df2/P" },
  { "bias", "B(kappa)/(1 - gamma)" },
  { "var_noise", "sigma^2 gamma/(1 - gamma); E_g = bias + var_noise" },
  { "E_g", "excess risk (w - wbar)' Sigma (w - wbar), no label noise" },
  { "E_test", "E_g + sigma^2" },
  { "E_tr", "training error (lambda/kappa)^2 E_test" },
  { "gcv", "E_tr/(1 - df1/P)^2, the limit of GCV (= E_test)" },
  { "dkappa_dlambda", "1/(1 - gamma)" },
};
#define R_NCOL (sizeof ridge_columns / sizeof ridge_columns[0])

static deq_status ridge_validate(const double *x, const void *const *obj,
                                 const unsigned char *given, deq_error *err)
{
  (void)x;
  (void)obj;
  if (given[R_OPTIMAL] && given[R_LAMBDA]) {
    snprintf(err->message, sizeof err->message,
             "--lambda cannot be combined with --optimal-lambda");
    return DEQ_EINVAL;
  }
  return DEQ_OK;
}

static deq_status ridge_solve(void *point, void *ws, const double *x,
                              const void *const *obj, const void *warm,
                              deq_error *err)
{
  (void)ws;
  (void)err;
  deq_ridge_point *pt = point;
  const deq_spectrum *sp = obj[R_SPECTRUM];
  deq_status st;
  if (x[R_OPTIMAL]) {
    st = deq_ridge_optimal(pt, sp, x[R_P], x[R_NOISE]);
    pt->status = st;
  } else {
    st = deq_ridge_solve(pt, sp, x[R_P], x[R_LAMBDA], x[R_NOISE], warm);
    pt->lambda = x[R_LAMBDA];
  }
  pt->P = x[R_P];
  return st;
}

static deq_status ridge_mp(void *point, const double *x,
                                  const void *const *obj, long prec)
{
  if (x[R_OPTIMAL]) return DEQ_EUNSUP;
  return deq_mp_ridge(point, obj[R_SPECTRUM], x[R_P], x[R_LAMBDA], x[R_NOISE],
                      prec);
}

static void ridge_row(double *row, const void *point)
{
  const deq_ridge_point *p = point;
  double r[R_NCOL] = { p->P, p->lambda, p->kappa, p->df1, p->df2, p->gamma,
                       p->bias, p->var_noise, p->E_g, p->E_test, p->E_tr,
                       p->gcv, p->dkappa_dlambda };
  for (size_t j = 0; j < R_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity ridge_mc_q[] = {
  { "E_g", "E_g" }, { "E_tr", "E_tr" }, { "gcv", "E_test" }, { "df1", "df1" }
};
static const char *const ridge_mc_columns[] = {
  "P", "lambda", "kappa", "df1", "E_g", "E_test", "E_tr", "gcv"
};

static deq_status ridge_mc(deq_mc_estimate *est, void *ws, const double *x,
                           const void *const *obj, const double *shared,
                           size_t ns, const void *points, size_t trials,
                           uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)shared;
  (void)err;
  const deq_ridge_point *p = points;
  double *lambda = calloc(ns ? ns : 1, sizeof *lambda);
  deq_mc_ridge_row *rows = malloc(ns * sizeof *rows);
  if (!lambda || !rows) {
    free(lambda);
    free(rows);
    return DEQ_ENOMEM;
  }
  for (size_t j = 0; j < ns; j++) lambda[j] = p[j].lambda;
  deq_status st = deq_mc_ridge_run(rows, obj[R_SPECTRUM], (size_t)x[R_P],
                                   lambda, ns,
                          x[R_NOISE], trials, seed, threads);
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) {
    est[4 * j] = rows[j].E_g;
    est[4 * j + 1] = rows[j].E_tr;
    est[4 * j + 2] = rows[j].gcv;
    est[4 * j + 3] = rows[j].df1;
  }
  free(lambda);
  free(rows);
  return st;
}

const deq_model_type deq_model_ridge = {
  .name = "ridge",
  .summary = "ridge regression learning curves from the deterministic "
             "equivalent",
  .reference = "the manual's chapter on ridge regression",
  .params = ridge_params,
  .nparam = R_NPARAM,
  .columns = ridge_columns,
  .ncolumn = R_NCOL,
  .point_size = sizeof(deq_ridge_point),
  .status_offset = offsetof(deq_ridge_point, status),
  .warm_axes = 2,
  .warm_chunk = DEQ_GRID_CHUNK,
  .validate = ridge_validate,
  .solve = ridge_solve,
  .row = ridge_row,
  .plot_y = "E_g",
  .mp = ridge_mp,
  .mc_quantities = ridge_mc_q,
  .nmc = 4,
  .mc_columns = ridge_mc_columns,
  .nmc_column = 8,
  .mc = ridge_mc,
};
