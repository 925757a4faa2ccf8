/* lib/model_msgd.c -- the multi-pass SGD model's type object (deq/model.h)
 * on top of deq_msgd_plan (deq/msgd.h).  The steps axis is innermost; the
 * workspace keeps the plan of the current (P, lr, batch), so further
 * steps of a row only extend its Volterra solution.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <mpfr.h>

#include "deq/dynamics.h"
#include "deq/model.h"
#include "deq/msgd.h"

enum { M_SPECTRUM, M_NOISE, M_P, M_LR, M_BATCH, M_STEPS, M_NPARAM };

static const deq_param msgd_params[M_NPARAM] = {
  [M_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0,
                   0, NULL, "SPEC", "the data covariance Sigma with the "
                   "target powers of wbar (full rank; w_0 = 0)" },
  [M_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [M_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
            | DEQ_PARAM_OPEN_MIN | DEQ_PARAM_INF, 0, 0, INFINITY, NULL,
            "GRID", "number of fixed samples P (any: P = N and P < N too), "
            "or inf (one pass: "
            "one-pass SGD with fourth moment m4 = 2, deq_sgd_run in the "
            "library; see the manual)" },
  [M_LR] = { "lr", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_OPEN_MIN, NAN,
             0, INFINITY, NULL, "GRID", "constant step size eta per step (the "
             "gradient is the batch mean), below the stability bound "
             "(default: half of it)" },
  [M_BATCH] = { "batch", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_OPEN_MIN,
                1, 0, INFINITY, NULL, "GRID", "batch size B > 0, drawn "
                "uniformly with replacement from the P samples each step" },
  [M_STEPS] = { "steps", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
                | DEQ_PARAM_SHARED | DEQ_PARAM_INTEGER
                | DEQ_PARAM_INCREASING, 0, 0, 1e7, NULL,
                "GRID", "reported steps t >= 0 (increasing integers up to "
                "1e7)",
                "step" },
};

static const deq_column msgd_columns[] = {
  { "step", "step t: the iterate w_t after t updates" },
  { "P", "number of fixed samples" },
  { "lr", "step size eta" },
  { "batch", "batch size B" },
  { "epoch", "t B/P, passes over the data (0 at P = inf)" },
  { "E_g", "excess test risk R_t = E (w_t - wbar)' Sigma (w_t - wbar)" },
  { "E_test", "E_g + sigma^2" },
  { "E_tr", "training error L_t = E |y - X w_t|^2/P (noise included)" },
  { "E_g_gd", "R_t of full-batch GD at the same eta (the B -> inf limit)" },
  { "E_tr_gd", "L_t of full-batch GD at the same eta" },
};
#define M_NCOL (sizeof msgd_columns / sizeof msgd_columns[0])

typedef struct msgd_model_point {
  double P, lr, batch;
  deq_msgd_point m;
} msgd_model_point;

typedef struct msgd_ws {
  deq_msgd_plan *plan;
  double P, lr, batch;
} msgd_ws;

static void msgd_ws_free(void *p)
{
  msgd_ws *w = p;
  if (!w) return;
  deq_msgd_plan_free(w->plan);
  free(w);
}

static deq_status msgd_ws_alloc(void **out, const double *x,
                                const void *const *obj, deq_error *err)
{
  (void)x;
  (void)obj;
  (void)err;
  msgd_ws *w = calloc(1, sizeof *w);
  if (!w) return DEQ_ENOMEM;
  w->P = w->lr = w->batch = NAN;
  *out = w;
  return DEQ_OK;
}

/* The step size of the point: --lr, or half the stability bound.  */
static deq_status step_size(double *eta, const double *x,
                            const deq_spectrum *sp)
{
  if (!isnan(x[M_LR])) {
    *eta = x[M_LR];
    return DEQ_OK;
  }
  double bound;
  deq_status st = deq_msgd_lr_bound(&bound, sp, x[M_P], x[M_BATCH]);
  *eta = bound / 2;
  return st;
}

static deq_status msgd_solve(void *point, void *ws, const double *x,
                             const void *const *obj, const void *warm,
                             deq_error *err)
{
  (void)warm;
  msgd_model_point *pt = point;
  msgd_ws *w = ws;
  const deq_spectrum *sp = obj[M_SPECTRUM];
  pt->P = x[M_P];
  pt->batch = x[M_BATCH];
  pt->m.step = x[M_STEPS];
  deq_status st = step_size(&pt->lr, x, sp);
  if (st == DEQ_EUNSUP && !err->message[0])
    snprintf(err->message, sizeof err->message, "multi-pass SGD needs a "
             "full-rank Sigma (P = %g, N = %g)", x[M_P], sp->dim);
  if (st == DEQ_OK && !(w->plan && w->P == x[M_P] && w->lr == pt->lr
                        && w->batch == x[M_BATCH])) {
    deq_msgd_plan_free(w->plan);
    w->plan = NULL;
    w->P = w->lr = w->batch = NAN;
    st = deq_msgd_plan_alloc(&w->plan, sp, x[M_P], x[M_NOISE], pt->lr,
                             x[M_BATCH], err);
    if (st == DEQ_OK) w->P = x[M_P], w->lr = pt->lr, w->batch = x[M_BATCH];
  }
  if (st == DEQ_OK) st = deq_msgd_plan_eval(&pt->m, w->plan, x[M_STEPS], err);
  if (st != DEQ_OK && st != DEQ_EDIVERGE) {
    pt->m = (deq_msgd_point){ x[M_STEPS], NAN, NAN, NAN, NAN, NAN, NAN, st };
  }
  pt->m.status = st;
  return st;
}

/* The MPFR twin covers P = inf only, where the theory is the one-pass
   recursion with m4 = 2 (deq_mp_sgd replays it at prec bits) and GD's
   risk the atom sum sum_i v_i (1 - eta s_i)^(2t).  Finite P is a complex
   contour quadrature with no scalar twin: DEQ_EUNSUP.  */
static deq_status msgd_mp(void *point, const double *x,
                          const void *const *obj, long prec)
{
  msgd_model_point *pt = point;
  const deq_spectrum *sp = obj[M_SPECTRUM];
  double t = x[M_STEPS], noise = x[M_NOISE];
  if (isfinite(x[M_P]) || t * (double)sp->n > 1e6) return DEQ_EUNSUP;
  pt->P = x[M_P];
  pt->batch = x[M_BATCH];
  deq_status st = step_size(&pt->lr, x, sp);
  if (st != DEQ_OK) return st;
  deq_sgd_schedule sch;
  deq_sgd_schedule_init(&sch);
  sch.lr = pt->lr;
  sch.batch = x[M_BATCH];
  deq_sgd_average avg = { DEQ_AVG_NONE, 0 };
  deq_sgd_point one;
  st = deq_mp_sgd(&one, sp, noise, 2.0, &sch, &avg, &t, 1, prec);
  if (st != DEQ_OK) return st;
  mpfr_t sum, a;
  mpfr_inits2(prec, sum, a, (mpfr_ptr)0);
  mpfr_set_zero(sum, 1);
  for (size_t i = 0; i < sp->n; i++) {
    mpfr_set_d(a, sp->s[i], MPFR_RNDN);
    mpfr_mul_d(a, a, pt->lr, MPFR_RNDN);
    mpfr_d_sub(a, 1.0, a, MPFR_RNDN);
    mpfr_pow_ui(a, a, 2 * (unsigned long)t, MPFR_RNDN);
    mpfr_mul_d(a, a, sp->v[i], MPFR_RNDN);
    mpfr_add(sum, sum, a, MPFR_RNDN);
  }
  double gd = mpfr_get_d(sum, MPFR_RNDN);
  mpfr_clears(sum, a, (mpfr_ptr)0);
  pt->m = (deq_msgd_point){ .step = t, .epoch = 0, .E_g = one.E_g,
                            .E_test = one.E_g + noise,
                            .E_tr = one.E_g + noise, .E_g_gd = gd,
                            .E_tr_gd = gd + noise, .status = DEQ_OK };
  return DEQ_OK;
}

static void msgd_row(double *row, const void *point)
{
  const msgd_model_point *p = point;
  double r[M_NCOL] = { p->m.step, p->P, p->lr, p->batch, p->m.epoch,
                       p->m.E_g, p->m.E_test, p->m.E_tr, p->m.E_g_gd,
                       p->m.E_tr_gd };
  for (size_t j = 0; j < M_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity msgd_mc_q[] = {
  { "E_g", "E_g" }, { "E_tr", "E_tr" }
};
static const char *const msgd_mc_columns[] = {
  "step", "P", "lr", "batch", "E_g", "E_tr"
};

static deq_status msgd_mc(deq_mc_estimate *est, void *ws, const double *x,
                          const void *const *obj, const double *shared,
                          size_t ns, const void *points, size_t trials,
                          uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  const msgd_model_point *pt = points;
  double eta = pt[0].lr;
  if (isinf(x[M_P])) {
    snprintf(err->message, sizeof err->message, "Monte Carlo of multi-pass "
             "SGD needs a finite P (P = inf is one pass: deq mc sgd)");
    return DEQ_EUNSUP;
  }
  deq_mc_estimate *e = malloc(2 * ns * sizeof *e);
  if (!e) return DEQ_ENOMEM;
  deq_status st = deq_mc_msgd_run(e, e + ns, obj[M_SPECTRUM], x[M_P],
                                  x[M_NOISE], eta, x[M_BATCH], shared, ns,
                                  trials, seed, threads);
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) {
    est[2 * j] = e[j];
    est[2 * j + 1] = e[ns + j];
  }
  if (st == DEQ_EUNSUP && !err->message[0])
    snprintf(err->message, sizeof err->message, "Monte Carlo needs an exact "
             "spectrum (integer multiplicities), integer P and batch, and "
             "N P <= 1e9");
  free(e);
  return st;
}

const deq_model_type deq_model_msgd = {
  .name = "msgd",
  .summary = "multi-pass SGD on P fixed samples (batches drawn with "
             "replacement): test and training risk by a Volterra pair on "
             "one-point functions (any P, or inf)",
  .reference = "the manual's chapter on SGD dynamics, multi-pass section",
  .params = msgd_params,
  .nparam = M_NPARAM,
  .columns = msgd_columns,
  .ncolumn = M_NCOL,
  .point_size = sizeof(msgd_model_point),
  .status_offset = offsetof(msgd_model_point, m.status),
  .warm_axes = 1,
  .ws_alloc = msgd_ws_alloc,
  .ws_free = msgd_ws_free,
  .solve = msgd_solve,
  .row = msgd_row,
  .plot_y = "E_g",
  .mp = msgd_mp,
  .mc_quantities = msgd_mc_q,
  .nmc = 2,
  .mc_columns = msgd_mc_columns,
  .nmc_column = 6,
  .mc = msgd_mc,
  .plot_x = "steps",
};
