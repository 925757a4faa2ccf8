/* lib/model_flow.c -- the gradient-flow random-feature model's type object
 * (deq/model.h) on top of deq/flow.h: axes N (features), P (samples) and
 * time; N, P and time may be inf.  Monte Carlo (deq mc flow): the
 * direct simulation of lib/mc_flow.c at finite N and P, one sample per
 * (N, P) serving every time.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "deq/model.h"
#include "deq/flow.h"

enum { W_SPECTRUM, W_NOISE, W_M, W_MU, W_N, W_P, W_TIME, W_NPARAM };

static const deq_param flow_params[W_NPARAM] = {
  [W_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0,
                   0, NULL, "SPEC", "the data covariance Sigma with the "
                   "target powers of wbar" },
  [W_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [W_M] = { "nodes", DEQ_PARAM_REAL, DEQ_PARAM_INTEGER, 24, 1, 200, NULL,
            "M", "contour half-width: n = 2M + 1 parabola nodes (24 is the "
            "measured optimum in long double; larger is worse)" },
  [W_MU] = { "mu-scale", DEQ_PARAM_REAL, DEQ_PARAM_OPEN_MIN, 1, 0, 10, NULL,
             "F", "contour scale f: mu = f pi n/(12 t)" },
  [W_N] = { "N", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_INF
            | DEQ_PARAM_OPEN_MIN, INFINITY, 0, INFINITY, NULL, "GRID",
            "features (model size) N > 0 or inf (default inf)" },
  [W_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_INF
            | DEQ_PARAM_OPEN_MIN, INFINITY, 0, INFINITY, NULL, "GRID",
            "samples P > 0 or inf (default inf)" },
  [W_TIME] = { "time", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
               | DEQ_PARAM_INF | DEQ_PARAM_INCREASING | DEQ_PARAM_SHARED, 0,
               0, INFINITY, NULL, "GRID",
               "gradient-flow time t >= 0 (loss (1/2P) sum (y - f)^2); inf: "
               "the ridgeless limit", "t" },
};

static const deq_column flow_columns[] = {
  { "N", "features" },
  { "P", "samples" },
  { "t", "gradient-flow time" },
  { "E_g", "excess risk L(t) = E (w_eff - wbar)' Sigma (w_eff - wbar)" },
  { "E_test", "E_g + sigma^2" },
  { "kappa0", "ridgeless renormalised ridge: df1(kappa0) = min(N, P), or 0" },
  { "signal", "L(0) = sum of the target powers" },
};
#define W_NCOL (sizeof flow_columns / sizeof flow_columns[0])

static deq_status flow_solve(void *point, void *ws, const double *x,
                             const void *const *obj, const void *warm,
                             deq_error *err)
{
  (void)ws;
  (void)warm;
  (void)err;
  deq_flow_point *pt = point;
  const deq_spectrum *sp = obj[W_SPECTRUM];
  deq_flow_opts o = { (int)x[W_M], x[W_MU] };
  pt->N = x[W_N];
  pt->P = x[W_P];
  pt->t = x[W_TIME];
  pt->noise = x[W_NOISE];
  pt->signal = sp->signal;
  pt->E_g = pt->E_test = pt->kappa0 = NAN;
  deq_status st = deq_flow_kappa(&pt->kappa0, sp, pt->N, pt->P, 0);
  if (st == DEQ_OK)
    st = deq_flow_loss(&pt->E_g, sp, pt->N, pt->P, pt->noise, &pt->t, 1, &o);
  if (st == DEQ_OK || st == DEQ_EDIVERGE) pt->E_test = pt->E_g + pt->noise;
  pt->status = st;
  return st;
}

static void flow_row(double *row, const void *point)
{
  const deq_flow_point *p = point;
  double r[W_NCOL] = { p->N, p->P, p->t, p->E_g, p->E_test, p->kappa0,
                       p->signal };
  for (size_t j = 0; j < W_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity flow_mc_q[] = { { "E_g", "E_g" } };
static const char *const flow_mc_columns[] = { "N", "P", "t", "E_g" };

/* Monte Carlo at one (N, P) for every time of the shared axis.  */
static deq_status flow_mc(deq_mc_estimate *est, void *ws, const double *x,
                          const void *const *obj, const double *shared,
                          size_t ns, const void *points, size_t trials,
                          uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)points;
  deq_status st = deq_mc_flow_run(est, obj[W_SPECTRUM], x[W_N], x[W_P],
                                  x[W_NOISE], shared, ns, trials, seed,
                                  threads);
  if (st == DEQ_EUNSUP && !err->message[0])
    snprintf(err->message, sizeof err->message, "Monte Carlo needs finite "
             "N and P, an exact spectrum (integer multiplicities), D max(N, "
             "P) <= 2^27 and N P <= 2^27");
  return st;
}

const deq_model_type deq_model_flow = {
  .name = "flow",
  .summary = "gradient flow of a linear random-feature model: L(t, N, P) "
             "by the parabola-contour inverse Laplace transform",
  .reference = "Bordelon, Atanasov, Pehlevan 2024 (arXiv 2402.01092); the "
               "manual's chapter on gradient flow",
  .params = flow_params,
  .nparam = W_NPARAM,
  .columns = flow_columns,
  .ncolumn = W_NCOL,
  .point_size = sizeof(deq_flow_point),
  .status_offset = offsetof(deq_flow_point, status),
  .warm_axes = 0,
  .solve = flow_solve,
  .row = flow_row,
  .plot_y = "E_g",
  .mc_quantities = flow_mc_q,
  .nmc = 1,
  .mc_columns = flow_mc_columns,
  .nmc_column = 4,
  .mc = flow_mc,
  .plot_x = "time",
  .divergence = "ridgeless interpolation peak (N = P < rank, or P = rank "
                "with noise): the loss grows without bound in time",
};
