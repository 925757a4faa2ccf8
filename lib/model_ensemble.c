/* lib/model_ensemble.c -- the random-feature ensemble's type object
 * (deq/model.h) on top of deq/ensemble.h: K members of M features on a
 * (P, lambda) grid, the optimal ridge, and the no-free-lunch mode, whose
 * members axis (the divisors of the total K M) the descriptor generates
 * through the `axis` hook.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/model.h"
#include "grid_impl.h"
#include "deq/ensemble.h"

enum { E_SPECTRUM, E_NOISE, E_MEMBERS, E_FEATURES, E_P, E_LAMBDA, E_OPTIMAL,
       E_NFL, E_NPARAM };

static const deq_param ens_params[E_NPARAM] = {
  [E_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0, 0,
                   NULL, "SPEC", "the data covariance Sigma with the target "
                   "powers of wbar" },
  [E_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [E_MEMBERS] = { "members", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_INF
                  | DEQ_PARAM_INTEGER, 1, 1, INFINITY, NULL, "GRID",
                  "ensemble sizes K >= 1 (inf: the infinite ensemble, "
                  "E_ens = E_cross); a grid gives one block per K", "K" },
  [E_FEATURES] = { "features", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_INF
                   | DEQ_PARAM_OPEN_MIN, NAN, 0, INFINITY, NULL, "GRID",
                   "features per member M > 0 (inf: ridge); required unless "
                   "--no-free-lunch", "M" },
  [E_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
            | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
            "sample sizes > 0" },
  [E_LAMBDA] = { "lambda", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_SHARED,
                 0, 0, INFINITY, NULL, "GRID", "ridges >= 0, normalised by P "
                 "(shared by the members)" },
  [E_OPTIMAL] = { "optimal-lambda", DEQ_PARAM_FLAG, 0, 0, 0, 1, NULL, NULL,
                  "one row per point at the ridge lambda* >= 0 minimising "
                  "E_ens (replaces --lambda); lambda* -> 0+ is printed as "
                  "lambda = 0 with at_boundary = 1" },
  [E_NFL] = { "no-free-lunch", DEQ_PARAM_COUNT, DEQ_PARAM_INTEGER
              | DEQ_PARAM_OPEN_MIN, NAN, 0, 9007199254740992.0, NULL, "TOTAL",
              "the no-free-lunch curve: one row per divisor K of TOTAL with "
              "M = TOTAL/K features per member, each at its optimal ridge "
              "(replaces --members, --features and --lambda)" },
};

static const deq_column ens_columns[] = {
  { "P", "sample size" },
  { "K", "number of members" },
  { "M", "features per member" },
  { "lambda", "ridge, normalised by P (the optimum with --optimal-lambda)" },
  { "at_boundary", "1 if the optimal ridge is the boundary lambda -> 0+ "
                   "(printed as lambda = 0), else 0" },
  { "kappa", "kappa2, the member's input-space renormalised ridge: "
             "lambda = kappa (1 - df1/P)(1 - df1/M)" },
  { "kappa_f", "lambda/(1 - df1/P), the ridge seen by each readout" },
  { "df1", "df1^Sigma(kappa), the shared degrees of freedom" },
  { "gamma", "df2 of a member's feature covariance at kappa_f, over P" },
  { "gamma_c", "df2^Sigma(kappa)/P, the cross term's gamma" },
  { "E_diag", "one member's excess risk (the rf command's E_g)" },
  { "E_cross", "covariance of two members' errors: ridge on x at kappa "
               "(the infinite ensemble)" },
  { "E_ens", "ensemble excess risk E_cross + (E_diag - E_cross)/K" },
  { "E_test", "E_ens + sigma^2" },
};
#define E_NCOL (sizeof ens_columns / sizeof ens_columns[0])

static int nfl_mode(const double *x) { return !isnan(x[E_NFL]); }

/* Features per member at this point.  */
static double members_M(const double *x)
{
  return nfl_mode(x) ? x[E_NFL] / x[E_MEMBERS] : x[E_FEATURES];
}

static deq_status ens_validate(const double *x, const void *const *obj,
                               const unsigned char *given, deq_error *err)
{
  (void)obj;
  const char *why = NULL;
  if (given[E_NFL]) {
    if (given[E_MEMBERS] || given[E_FEATURES] || given[E_LAMBDA])
      why = "--no-free-lunch TOTAL chooses K, M and lambda itself: do not "
            "combine it with --members, --features or --lambda";
    else if (deq_ensemble_divisors(NULL, 0, x[E_NFL]) == 0)
      why = "--no-free-lunch: TOTAL must be a positive integer";
  } else if (!given[E_FEATURES]) {
    why = "--features M is required (or --no-free-lunch TOTAL)";
  } else if (given[E_OPTIMAL] && given[E_LAMBDA]) {
    why = "--lambda cannot be combined with --optimal-lambda";
  }
  if (!why) return DEQ_OK;
  snprintf(err->message, sizeof err->message, "%s", why);
  return DEQ_EINVAL;
}

/* --no-free-lunch generates the members axis: the divisors of TOTAL.  */
static size_t ens_axis(double *v, size_t cap, size_t param, const double *x,
                       const void *const *obj, const unsigned char *given)
{
  (void)obj;
  (void)given;
  if (param != E_MEMBERS || !nfl_mode(x)) return 0;
  return deq_ensemble_divisors(v, cap, x[E_NFL]);
}

static deq_status ens_solve(void *point, void *ws, const double *x,
                            const void *const *obj, const void *warm,
                            deq_error *err)
{
  (void)ws;
  (void)err;
  deq_ensemble_rf_point *pt = point;
  const deq_spectrum *sp = obj[E_SPECTRUM];
  if (x[E_OPTIMAL] || nfl_mode(x))
    return deq_ensemble_rf_optimal(pt, sp, x[E_MEMBERS], members_M(x), x[E_P],
                                   x[E_NOISE]);
  return deq_ensemble_rf_solve(pt, sp, x[E_MEMBERS], members_M(x), x[E_P],
                               x[E_LAMBDA], x[E_NOISE], warm);
}

/* The MPFR twin covers a fixed lambda > 0 and finite M.  */
static deq_status ens_mp(void *point, const double *x, const void *const *obj,
                         long prec)
{
  if (x[E_OPTIMAL] || nfl_mode(x) || !(x[E_LAMBDA] > 0)
      || isinf(x[E_FEATURES]))
    return DEQ_EUNSUP;
  deq_ensemble_rf_point *pt = point;
  deq_status st = deq_mp_ensemble_rf(pt, obj[E_SPECTRUM], x[E_MEMBERS],
                                     x[E_FEATURES], x[E_P], x[E_LAMBDA],
                                     x[E_NOISE], prec);
  pt->iterations = 0;
  return st;
}

static void ens_row(double *row, const void *point)
{
  const deq_ensemble_rf_point *p = point;
  double r[E_NCOL] = { p->P, p->K, p->M, p->lambda, p->at_boundary, p->kappa2,
                       p->kappa_f, p->df, p->gamma, p->gamma_c, p->E_diag,
                       p->E_cross, p->E_ens, p->E_test };
  for (size_t j = 0; j < E_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity ens_mc_q[] = {
  { "E_diag", "E_diag" }, { "E_cross", "E_cross" }, { "E_ens", "E_ens" }
};
static const char *const ens_mc_columns[] = {
  "P", "K", "M", "lambda", "kappa", "E_diag", "E_cross", "E_ens", "E_test"
};

static deq_status ens_mc(deq_mc_estimate *est, void *ws, const double *x,
                         const void *const *obj, const double *shared,
                         size_t ns, const void *points, size_t trials,
                         uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)shared;
  const deq_ensemble_rf_point *p = points;
  double K = x[E_MEMBERS], M = members_M(x);
  if (isinf(K) || isinf(M) || M != floor(M)) {
    snprintf(err->message, sizeof err->message, "needs finite K, integer M");
    return DEQ_EUNSUP;
  }
  double *lambda = calloc(ns ? ns : 1, sizeof *lambda);
  deq_mc_ensemble_rf_row *rows = malloc((ns ? ns : 1) * sizeof *rows);
  deq_status st = lambda && rows ? DEQ_OK : DEQ_ENOMEM;
  /* the ridges the theory used (the optimum in the optimal modes) */
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) lambda[j] = p[j].lambda;
  if (st == DEQ_OK)
    st = deq_mc_ensemble_rf_run(rows, obj[E_SPECTRUM], K, M, (size_t)x[E_P],
                                lambda, ns, x[E_NOISE], trials, seed, threads);
  if (st == DEQ_EUNSUP)
    snprintf(err->message, sizeof err->message, "at most 4096 members; "
             "dimensions at most 2^20");
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) {
    est[3 * j] = rows[j].E_diag;
    est[3 * j + 1] = rows[j].E_cross;
    est[3 * j + 2] = rows[j].E_ens;
  }
  free(lambda);
  free(rows);
  return st;
}

const deq_model_type deq_model_ensemble = {
  .name = "ensemble",
  .summary = "random-feature ensembles: K members of M isotropic Gaussian "
             "features each, trained by ridge on the same P samples and "
             "averaged; their optimal ridge and the no-free-lunch curve at "
             "a fixed total K M",
  .reference = "the manual's chapter on random-feature ensembles",
  .params = ens_params,
  .nparam = E_NPARAM,
  .columns = ens_columns,
  .ncolumn = E_NCOL,
  .point_size = sizeof(deq_ensemble_rf_point),
  .status_offset = offsetof(deq_ensemble_rf_point, status),
  .warm_axes = 2,
  .warm_chunk = DEQ_GRID_CHUNK,
  .validate = ens_validate,
  .solve = ens_solve,
  .row = ens_row,
  .plot_y = "E_ens",
  .mp = ens_mp,
  .mc_quantities = ens_mc_q,
  .nmc = 3,
  .mc_columns = ens_mc_columns,
  .nmc_column = 9,
  .mc = ens_mc,
  .axis = ens_axis,
};
