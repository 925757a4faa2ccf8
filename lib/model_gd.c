/* lib/model_gd.c -- the full-batch GD model's type object (deq/model.h)
 * on top of deq_gd_plan (deq/dynamics.h).  The steps axis is the
 * innermost one; the workspace keeps the contour plan of the current
 * (P, lr), so every further step of a row costs O(n_c^2).  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/dynamics.h"
#include "deq/model.h"

enum { G_SPECTRUM, G_NOISE, G_P, G_LR, G_STEPS, G_NPARAM };

static const deq_param gd_params[G_NPARAM] = {
  [G_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0,
                   0, NULL, "SPEC", "the data covariance Sigma with the "
                   "target powers of wbar (zero eigenvalues allowed: they "
                   "neither learn nor enter the risk)" },
  [G_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [G_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
            | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
            "sample sizes (P < N: GD does not move on the null space of "
            "Sigma_hat; P = N: the interpolation peak, R_t grows like "
            "sqrt(t) with noise)" },
  [G_LR] = { "lr", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_OPEN_MIN, NAN,
             0, INFINITY, NULL, "GRID", "step size eta, below the stability "
             "bound 2/hi (hi: upper edge of the sample spectrum; default "
             "1/hi)" },
  [G_STEPS] = { "steps", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
                | DEQ_PARAM_SHARED | DEQ_PARAM_INTEGER
                | DEQ_PARAM_INCREASING | DEQ_PARAM_INF, 0, 0, 0x1p53, NULL,
                "GRID", "reported steps t >= 0, increasing (integers; inf: "
                "the limit, least squares or the minimum-norm fit)", "step" },
};

static const deq_column gd_columns[] = {
  { "step", "step t: the iterate w_t after t full-batch updates" },
  { "P", "sample size" },
  { "lr", "step size eta" },
  { "signal", "wbar'(I - eta S)^t Sigma (I - eta S)^t wbar" },
  { "variance", "(sigma^2/P) tr[Sigma h_t(S)], h_t(s) = (1 - (1 - eta s)^t)^2/s" },
  { "E_g", "excess risk R_t = signal + variance" },
  { "E_test", "E_g + sigma^2" },
};
#define G_NCOL (sizeof gd_columns / sizeof gd_columns[0])

typedef struct gd_model_point {
  double P, lr;
  deq_gd_point g;
} gd_model_point;

typedef struct gd_ws {
  deq_gd_plan *plan;
  double P, lr;
} gd_ws;

static void gd_ws_free(void *p)
{
  gd_ws *w = p;
  if (!w) return;
  deq_gd_plan_free(w->plan);
  free(w);
}

static deq_status gd_ws_alloc(void **out, const double *x,
                              const void *const *obj, deq_error *err)
{
  (void)x;
  (void)obj;
  (void)err;
  gd_ws *w = calloc(1, sizeof *w);
  if (!w) return DEQ_ENOMEM;
  w->P = w->lr = NAN;
  *out = w;
  return DEQ_OK;
}

/* The step size of the point: --lr, or 1/hi.  */
static deq_status step_size(double *eta, const double *x,
                            const deq_spectrum *sp)
{
  if (!isnan(x[G_LR])) {
    *eta = x[G_LR];
    return DEQ_OK;
  }
  double bound;
  deq_status st = deq_gd_lr_bound(&bound, sp, x[G_P]);
  *eta = bound / 2;
  return st;
}

static deq_status gd_solve(void *point, void *ws, const double *x,
                           const void *const *obj, const void *warm,
                           deq_error *err)
{
  (void)warm;
  gd_model_point *pt = point;
  gd_ws *w = ws;
  const deq_spectrum *sp = obj[G_SPECTRUM];
  pt->P = x[G_P];
  pt->g.step = x[G_STEPS];
  deq_status st = step_size(&pt->lr, x, sp);
  if (st == DEQ_OK && !(w->plan && w->P == x[G_P] && w->lr == pt->lr)) {
    deq_gd_plan_free(w->plan);
    w->plan = NULL;
    w->P = w->lr = NAN;
    st = deq_gd_plan_alloc(&w->plan, sp, x[G_P], pt->lr, err);
    if (st == DEQ_OK) w->P = x[G_P], w->lr = pt->lr;
  }
  if (st == DEQ_OK)
    st = deq_gd_plan_eval(&pt->g, w->plan, x[G_NOISE], x[G_STEPS], err);
  if (st != DEQ_OK && st != DEQ_EDIVERGE) {
    pt->g.signal = pt->g.variance = pt->g.E_g = pt->g.E_test = NAN;
  }
  pt->g.status = st;
  return st;
}

/* The MPFR twin (deq_mp_gd): finite steps up to 64; the same step size
   (--lr or 1/hi in double).  */
static deq_status gd_mp(void *point, const double *x, const void *const *obj,
                        long prec)
{
  gd_model_point *pt = point;
  const deq_spectrum *sp = obj[G_SPECTRUM];
  pt->P = x[G_P];
  deq_status st = step_size(&pt->lr, x, sp);
  if (st != DEQ_OK) return st;
  st = deq_mp_gd(&pt->g, sp, x[G_P], x[G_NOISE], pt->lr, x[G_STEPS], prec);
  return st;
}

static void gd_row(double *row, const void *point)
{
  const gd_model_point *p = point;
  double r[G_NCOL] = { p->g.step, p->P, p->lr, p->g.signal, p->g.variance,
                       p->g.E_g, p->g.E_test };
  for (size_t j = 0; j < G_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity gd_mc_q[] = { { "E_g", "E_g" } };
static const char *const gd_mc_columns[] = { "step", "P", "lr", "E_g" };

/* Monte Carlo at one (P, lr) for every step of the shared axis.  */
static deq_status gd_mc(deq_mc_estimate *est, void *ws, const double *x,
                        const void *const *obj, const double *shared,
                        size_t ns, const void *points, size_t trials,
                        uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)points;
  const deq_spectrum *sp = obj[G_SPECTRUM];
  double eta;
  deq_status st = step_size(&eta, x, sp);
  if (st == DEQ_OK)
    st = deq_mc_gd_run(est, sp, x[G_P], x[G_NOISE], eta, shared, ns, trials,
                       seed, threads);
  if (st == DEQ_EUNSUP && !err->message[0])
    snprintf(err->message, sizeof err->message, "Monte Carlo needs an exact "
             "spectrum (integer multiplicities) and N P <= 2^28");
  return st;
}

const deq_model_type deq_model_gd = {
  .name = "gd",
  .summary = "full-batch gradient descent on P fixed samples: R_t by "
             "contour integrals of the two-point function",
  .reference = "the manual's chapter on full-batch gradient descent",
  .params = gd_params,
  .nparam = G_NPARAM,
  .columns = gd_columns,
  .ncolumn = G_NCOL,
  .point_size = sizeof(gd_model_point),
  .status_offset = offsetof(gd_model_point, g.status),
  .warm_axes = 1,
  .ws_alloc = gd_ws_alloc,
  .ws_free = gd_ws_free,
  .solve = gd_solve,
  .row = gd_row,
  .mp = gd_mp,
  .plot_y = "E_g",
  .mc_quantities = gd_mc_q,
  .nmc = 1,
  .mc_columns = gd_mc_columns,
  .nmc_column = 4,
  .mc = gd_mc,
  .plot_x = "steps",
};
