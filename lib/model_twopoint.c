/* lib/model_twopoint.c -- the two-point model's type object (deq/model.h)
 * on top of deq/twopoint.h: axes P, z1, z2 (z2 shared by Monte Carlo),
 * the weights of A chosen by --weights or given by --weight-values.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/model.h"
#include "grid_impl.h"
#include "deq/twopoint.h"

enum { T_SPECTRUM, T_WEIGHTS, T_VALUES, T_P, T_Z1, T_Z2, T_NPARAM };
enum { W_IDENTITY, W_SIGMA };

static const char *const weight_kinds[] = { "identity", "sigma", NULL };

static const deq_param tp_params[T_NPARAM] = {
  [T_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0,
                   0, NULL, "SPEC", "the data covariance Sigma with the target "
                   "powers of wbar (for the form wbar' T wbar)" },
  [T_WEIGHTS] = { "weights", DEQ_PARAM_CHOICE, 0, W_IDENTITY, 0, 1,
                  weight_kinds, "KIND", "A diagonal in Sigma's eigenbasis: "
                  "identity (A = I) or sigma (A = Sigma)" },
  [T_VALUES] = { "weight-values", DEQ_PARAM_LIST, DEQ_PARAM_REALS, 0,
                 -INFINITY, INFINITY, NULL, "LIST|file:PATH",
                 "A's weight on each atom of the spectrum, in deq's atom "
                 "order (distinct eigenvalues, decreasing): a comma list or "
                 "a file with one number per line (replaces --weights)" },
  [T_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
            | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
            "sample sizes > 0" },
  [T_Z1] = { "z1", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED, 0, 0,
             INFINITY, NULL, "GRID", "first ridge z1 >= 0 (normalised by P, "
             "like lambda)" },
  [T_Z2] = { "z2", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
             | DEQ_PARAM_SHARED, 0, 0, INFINITY, NULL, "GRID",
             "second ridge z2 >= 0 (the continuation axis)" },
};

static const deq_column tp_columns[] = {
  { "P", "sample size" },
  { "z1", "first ridge" },
  { "z2", "second ridge" },
  { "kappa1", "renormalised ridge at z1: z1 = kappa1 (1 - df1/P)" },
  { "kappa2", "renormalised ridge at z2" },
  { "gamma12", "tr[Sigma R1 Sigma R2]/P, R_i = (Sigma + kappa_i)^-1" },
  { "amplification", "1/(1 - gamma12); +Inf at the interpolation peak" },
  { "cross_trace", "tr[A R2 Sigma R1] (unnormalised)" },
  { "trace", "tr T, T = z1 z2 (S + z1)^-1 A (S + z2)^-1 (unnormalised)" },
  { "trace_per_dim", "tr T/N" },
  { "form", "wbar' T wbar" },
};
#define T_NCOL (sizeof tp_columns / sizeof tp_columns[0])

/* The weights of A: the user's values, Sigma's eigenvalues, or NULL (I). */
static const double *weights_of(const double *x, const void *const *obj)
{
  const deq_model_list *vals = obj[T_VALUES];
  const deq_spectrum *sp = obj[T_SPECTRUM];
  if (vals) return vals->v;
  return x[T_WEIGHTS] == W_SIGMA ? sp->s : NULL;
}

static deq_status tp_validate(const double *x, const void *const *obj,
                              const unsigned char *given, deq_error *err)
{
  (void)x;
  const deq_model_list *vals = obj[T_VALUES];
  const deq_spectrum *sp = obj[T_SPECTRUM];
  if (given[T_WEIGHTS] && given[T_VALUES]) {
    snprintf(err->message, sizeof err->message,
             "--weights cannot be combined with --weight-values");
    return DEQ_EINVAL;
  }
  if (vals && sp && vals->n != sp->n) {
    snprintf(err->message, sizeof err->message, "--weight-values: %zu "
             "values for a spectrum of %zu atoms (one weight per atom)",
             vals->n, sp->n);
    return DEQ_EINVAL;
  }
  for (size_t i = 0; vals && i < vals->n; i++)
    if (!isfinite(vals->v[i])) {
      snprintf(err->message, sizeof err->message, "--weight-values: value "
               "%zu is not finite", i + 1);
      return DEQ_EDOM;
    }
  return DEQ_OK;
}

static deq_status tp_solve(void *point, void *ws, const double *x,
                           const void *const *obj, const void *warm,
                           deq_error *err)
{
  (void)ws;
  (void)err;
  deq_twopoint_point *pt = point;
  deq_status st = deq_twopoint_solve(pt, obj[T_SPECTRUM], x[T_P], x[T_Z1],
                                     x[T_Z2], weights_of(x, obj), warm);
  pt->P = x[T_P];
  pt->z1 = x[T_Z1];
  pt->z2 = x[T_Z2];
  pt->status = st;
  return st;
}

static deq_status tp_mp(void *point, const double *x, const void *const *obj,
                        long prec)
{
  return deq_mp_twopoint(point, obj[T_SPECTRUM], x[T_P], x[T_Z1], x[T_Z2],
                         weights_of(x, obj), prec);
}

static void tp_row(double *row, const void *point)
{
  const deq_twopoint_point *p = point;
  double r[T_NCOL] = { p->P, p->z1, p->z2, p->kappa1, p->kappa2, p->gamma12,
                       p->amplification, p->cross_trace, p->trace,
                       p->trace_per_dim, p->form };
  for (size_t j = 0; j < T_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity tp_mc_q[] = {
  { "trace", "trace" }, { "form", "form" }
};
static const char *const tp_mc_columns[] = {
  "P", "z1", "z2", "kappa1", "kappa2", "gamma12", "trace", "form"
};

static deq_status tp_mc(deq_mc_estimate *est, void *ws, const double *x,
                        const void *const *obj, const double *shared,
                        size_t ns, const void *points, size_t trials,
                        uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)points;
  deq_mc_twopoint_row *rows = malloc((ns ? ns : 1) * sizeof *rows);
  if (!rows) return DEQ_ENOMEM;
  deq_status st = deq_mc_twopoint_run(rows, obj[T_SPECTRUM], (size_t)x[T_P],
                                      x[T_Z1], shared, ns, weights_of(x, obj),
                                      trials, seed, threads);
  if (st == DEQ_EUNSUP)
    snprintf(err->message, sizeof err->message, "Monte Carlo needs an exact "
             "spectrum with integer multiplicities and at most 2^20 "
             "dimensions");
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) {
    est[2 * j] = rows[j].trace;
    est[2 * j + 1] = rows[j].form;
  }
  free(rows);
  return st;
}

const deq_model_type deq_model_twopoint = {
  .name = "twopoint",
  .summary = "two-point deterministic equivalent of z1 z2 (S + z1)^-1 A "
             "(S + z2)^-1: kappa1, kappa2, gamma12, its trace and target "
             "form",
  .reference = "the manual's chapter on two-point functions",
  .params = tp_params,
  .nparam = T_NPARAM,
  .columns = tp_columns,
  .ncolumn = T_NCOL,
  .point_size = sizeof(deq_twopoint_point),
  .status_offset = offsetof(deq_twopoint_point, status),
  .warm_axes = 2,
  .warm_chunk = DEQ_GRID_CHUNK,
  .validate = tp_validate,
  .solve = tp_solve,
  .row = tp_row,
  .plot_y = "trace",
  .mp = tp_mp,
  .mc_quantities = tp_mc_q,
  .nmc = 2,
  .mc_columns = tp_mc_columns,
  .nmc_column = 8,
  .mc = tp_mc,
};
