/* lib/model_frontier.c -- the compute-optimal frontier's type object
 * (deq/model.h): one row per compute C, N*(C), t*(C), L*(C) with C = k N t,
 * either from theory (the gradient-flow model at P = infinity, minimised
 * over N along the constraint, warm-started along the compute axis) or
 * from data (the joint law L_inf + a N^-p + b t^-q fitted once per run to
 * a table, then its closed-form minimiser).  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/fit.h"
#include "deq/io.h"
#include "deq/model.h"

enum { F_SPECTRUM, F_DATA, F_NCOL, F_TCOL, F_YCOL, F_SECOL, F_FIXED,
       F_CONVENTION, F_M, F_COMPUTE, F_NPARAM };

static const char *const conventions[] = { "nt", "6nt", NULL };

static const deq_param frontier_params[F_NPARAM] = {
  [F_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, 0, 0, 0, 0, NULL, "SPEC",
                   "theory: the data covariance Sigma with the target powers "
                   "(the flow model at P = inf)" },
  [F_DATA] = { "data", DEQ_PARAM_TABLE, 0, 0, 0, 0, NULL, "TABLE",
               "from data instead: fit L_inf + a N^-p + b t^-q to this "
               "table (e.g. deq flow output) and use its closed-form "
               "frontier" },
  [F_NCOL] = { "N-column", DEQ_PARAM_TEXT, 0, 0, 0, 0, NULL, "COL",
               "--data: the model-size column (default N)" },
  [F_TCOL] = { "t-column", DEQ_PARAM_TEXT, 0, 0, 0, 0, NULL, "COL",
               "--data: the time column (default t; P for the data-limited "
               "law L(N, P))" },
  [F_YCOL] = { "y-column", DEQ_PARAM_TEXT, 0, 0, 0, 0, NULL, "COL",
               "--data: the loss column (default E_g)" },
  [F_SECOL] = { "se-column", DEQ_PARAM_TEXT, 0, 0, 0, 0, NULL, "COL|none",
                "--data: standard errors of the loss (default Y_se if "
                "present; without them the residuals are relative)" },
  [F_FIXED] = { "zero-floor", DEQ_PARAM_FLAG, 0, 0, 0, 1, NULL, NULL,
                "--data: fix L_inf = 0" },
  [F_CONVENTION] = { "convention", DEQ_PARAM_CHOICE, 0, 0, 0, 1,
                     conventions, "nt|6nt", "compute C = N t (nt) or C = 6 N t "
                     "(6nt)" },
  [F_M] = { "nodes", DEQ_PARAM_REAL, DEQ_PARAM_INTEGER, 32, 1, 200, NULL, "M",
            "theory: contour half-width of the single integral (2.4)" },
  [F_COMPUTE] = { "compute", DEQ_PARAM_REAL, DEQ_PARAM_GRID
                  | DEQ_PARAM_REQUIRED | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY,
                  NULL, "GRID", "compute budgets C > 0 (theory: C/k >= 1, "
                  "the search keeps N >= 1 and t >= 1)", "C" },
};

static const deq_column frontier_columns[] = {
  { "C", "compute C = k N t (k = 1, or 6 with --convention 6nt)" },
  { "N", "compute-optimal model size N*(C)" },
  { "t", "compute-optimal time t*(C) = C/(k N*)" },
  { "E_g", "the loss on the frontier L*(C) = L(t*, N*)" },
};
#define F_NCOLUMN (sizeof frontier_columns / sizeof frontier_columns[0])

static double factor(const double *x)
{
  return x[F_CONVENTION] == 1 ? 6.0 : 1.0;
}

static deq_status frontier_validate(const double *x, const void *const *obj,
                                    const unsigned char *given, deq_error *err)
{
  (void)x;
  (void)obj;
  static const int data_only[] = { F_NCOL, F_TCOL, F_YCOL, F_SECOL, F_FIXED };
  if (!given[F_SPECTRUM] == !given[F_DATA]) {
    snprintf(err->message, sizeof err->message,
             "give exactly one of --spectrum SPEC (theory) and --data TABLE");
    return DEQ_EINVAL;
  }
  for (size_t i = 0; given[F_SPECTRUM] && i < 5; i++)
    if (given[data_only[i]]) {
      snprintf(err->message, sizeof err->message, "--%s goes with --data",
               frontier_params[data_only[i]].name);
      return DEQ_EINVAL;
    }
  if (given[F_DATA] && given[F_M]) {
    snprintf(err->message, sizeof err->message, "--nodes goes with --spectrum");
    return DEQ_EINVAL;
  }
  return DEQ_OK;
}

/* ------------------------------------------------ --data: one fit per run */

static const char *text_or(const void *const *obj, int i, const char *def)
{
  return obj[i] ? (const char *)obj[i] : def;
}

static long column(const deq_table *t, const char *name, const char *opt,
                   deq_error *err)
{
  long c = deq_table_column(t, name);
  if (c < 0)
    snprintf(err->message, sizeof err->message, "--data: no column '%s' "
             "(%s)", name, opt);
  return c;
}

static deq_status fit_table(deq_fit_joint *fit, const deq_table *t,
                            const void *const *obj, int fixed, deq_error *err)
{
  const char *yname = text_or(obj, F_YCOL, "E_g");
  long nc = column(t, text_or(obj, F_NCOL, "N"), "--N-column", err);
  long tc = nc < 0 ? -1 : column(t, text_or(obj, F_TCOL, "t"), "--t-column",
                                 err);
  long yc = tc < 0 ? -1 : column(t, yname, "--y-column", err);
  if (yc < 0) return DEQ_EINVAL;
  long sc = -1;
  const char *se = obj[F_SECOL];
  if (se && strcmp(se, "none") != 0) {
    if ((sc = column(t, se, "--se-column", err)) < 0) return DEQ_EINVAL;
  } else if (!se) {
    char name[256];
    snprintf(name, sizeof name, "%s_se", yname);
    sc = deq_table_column(t, name);
  }
  size_t n = t->nrow, cap = n ? n : 1;
  double *v = malloc(4 * cap * sizeof *v);
  if (!v) return DEQ_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const double *row = t->data + i * t->ncol;
    v[i] = row[nc];
    v[cap + i] = row[tc];
    v[2 * cap + i] = row[yc];
    v[3 * cap + i] = sc >= 0 ? row[sc] : 1;
  }
  deq_status st = deq_fit_joint_law(fit, n, v, v + cap, v + 2 * cap,
                                    sc >= 0 ? v + 3 * cap : NULL, fixed);
  free(v);
  if (st == DEQ_EINVAL)
    snprintf(err->message, sizeof err->message, "--data: %zu usable rows "
             "(N, t > 0, finite loss); the joint law needs at least %d, "
             "with two distinct finite values of each resource", fit->n,
             fixed ? 5 : 6);
  else if (st == DEQ_EDOM)
    snprintf(err->message, sizeof err->message, "--data: a standard error "
             "is not finite and positive");
  else if (st == DEQ_ENOCONV)
    snprintf(err->message, sizeof err->message, "--data: an exponent of the "
             "joint law ran to the edge of [1e-3, 20] (p = %g, q = %g): the "
             "law does not describe the table", fit->p, fit->q);
  return st;
}

static deq_status frontier_ws_alloc(void **ws, const double *x,
                                    const void *const *obj, deq_error *err)
{
  *ws = NULL;
  if (!obj[F_DATA]) return DEQ_OK;
  deq_fit_joint *fit = malloc(sizeof *fit);
  if (!fit) return DEQ_ENOMEM;
  deq_status st = fit_table(fit, obj[F_DATA], obj, x[F_FIXED] != 0, err);
  if (st == DEQ_OK && !(fit->a > 0 && fit->b > 0)) {
    snprintf(err->message, sizeof err->message, "--data: the fitted law has "
             "a = %g, b = %g: no interior compute optimum", fit->a, fit->b);
    st = DEQ_EDOM;
  }
  if (st) {
    free(fit);
    return st;
  }
  *ws = fit;
  return DEQ_OK;
}

static void frontier_ws_free(void *ws) { free(ws); }

/* ------------------------------------------------ one compute budget */

static deq_status frontier_solve(void *point, void *ws, const double *x,
                                 const void *const *obj, const void *warm,
                                 deq_error *err)
{
  deq_frontier_point *pt = point;
  double C = x[F_COMPUTE], k = factor(x);
  if (ws) {
    deq_status st = deq_frontier_law(pt, ws, C, k);
    if (st == DEQ_OK && !(pt->N >= 1 && pt->t >= 1)) {
      /* as from theory: no allocation below one feature or one step */
      snprintf(err->message, sizeof err->message, "--compute: at C = %g the "
               "fitted law's optimum is N = %g, t = %g, below 1: C is "
               "outside the range the table describes", C, pt->N, pt->t);
      pt->status = st = DEQ_EDOM;
    }
    return st;
  }
  const deq_frontier_point *w = warm;
  /* Warm start: the previous optimum moved by (C/C')^(1/2), the middle
     of the possible allocation exponents.  */
  double guess = w && w->status == DEQ_OK && w->N > 0
                 ? w->N * sqrt(C / w->C) : NAN;
  deq_flow_opts o = { (int)x[F_M], 1 };
  deq_status st = deq_frontier_flow(pt, obj[F_SPECTRUM], C, k, guess, &o);
  if (st == DEQ_EDOM)
    snprintf(err->message, sizeof err->message, "--compute: C = %g is below "
             "k = %g (no allocation with N >= 1 and t >= 1)", C, k);
  else if (st == DEQ_ENOCONV && isfinite(pt->N))
    snprintf(err->message, sizeof err->message, "--compute: at C = %g the "
             "optimum is on the edge (N = %g, t = %g): widen the spectrum or "
             "change C", C, pt->N, pt->t);
  return st;
}

static void frontier_row(double *row, const void *point)
{
  const deq_frontier_point *p = point;
  double r[F_NCOLUMN] = { p->C, p->N, p->t, p->E_g };
  for (size_t j = 0; j < F_NCOLUMN; j++) row[j] = r[j];
}

const deq_model_type deq_model_frontier = {
  .name = "frontier",
  .summary = "compute-optimal frontier N*(C), t*(C), L*(C) of the "
             "gradient-flow model (P = inf), or of a joint scaling law "
             "fitted to a table",
  .reference = "scaling_dynamics 2.4; the manual's section on the "
               "compute-optimal frontier",
  .params = frontier_params,
  .nparam = F_NPARAM,
  .columns = frontier_columns,
  .ncolumn = F_NCOLUMN,
  .point_size = sizeof(deq_frontier_point),
  .status_offset = offsetof(deq_frontier_point, status),
  .warm_axes = 1,
  .validate = frontier_validate,
  .ws_alloc = frontier_ws_alloc,
  .ws_free = frontier_ws_free,
  .solve = frontier_solve,
  .row = frontier_row,
  .plot_y = "E_g",
  .plot_x = "compute",
};
