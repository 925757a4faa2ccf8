/* lib/model_sgd.c -- one-pass SGD's type object (deq/model.h) on top of
 * deq/dynamics.h.
 *
 * A trajectory is one solve that yields a row per reported step.  The
 * steps axis is the continuation axis and the block's workspace carries
 * the recursion state: the engine solves the steps in increasing order,
 * each warm-started from the previous one, so a row costs only the steps
 * since the previous row (a cold start, warm == NULL, restarts from step
 * 0).  No engine change was needed beyond the text parameter kind.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/dynamics.h"
#include "deq/model.h"
#include "sgd_impl.h"

enum { S_SPECTRUM, S_NOISE, S_DATA, S_LR, S_SCHEDULE, S_LR_FILE, S_BATCH,
       S_BATCH_SCHEDULE, S_AVERAGE, S_METHOD, S_STEPS, S_NPARAM };

static const char *const data_kinds[] = { "gaussian", "rademacher", NULL };
static const char *const methods[] = { "auto", "recursion", "volterra", NULL };

static const deq_param sgd_params[S_NPARAM] = {
  [S_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_REQUIRED, 0, 0, 0,
                   NULL, "SPEC", "the data covariance Sigma with the target "
                   "powers of wbar (w_0 = 0)" },
  [S_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [S_DATA] = { "data", DEQ_PARAM_CHOICE, 0, 0, 0, 1, data_kinds,
               "gaussian|rademacher", "coordinates z of x = Sigma^(1/2) z: "
               "fourth moment m4 = 3 or 1" },
  [S_LR] = { "lr", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_OPEN_MIN, NAN,
             0, INFINITY, NULL, "GRID", "base step size eta > 0 per step "
             "(the gradient is the batch mean); with --lr-file a factor "
             "(default 1)" },
  [S_SCHEDULE] = { "schedule", DEQ_PARAM_TEXT, 0, 0, 0, 0, NULL, "NAME",
                   "learning-rate schedule: constant; step:every=N|samples=N"
                   "[,factor=F]; cosine:horizon=T[,warmup=W,floor=F]; "
                   "wsd:horizon=T[,warmup=W,decay=D,floor=F]; power:power=A"
                   "[,t0=T0] (eta (1+t/t0)^-A); seesaw:every=N|samples=N"
                   "[,factor=F] (lr*sqrt(F), batch/F per phase); anytime"
                   "[:power=A,t0=T0] (with --average anytime:2 by default). "
                   "Seesaw and anytime follow the papers' rules [L]: their "
                   "theorems are quoted, not verified (see the manual)" },
  [S_LR_FILE] = { "lr-file", DEQ_PARAM_TEXT, 0, 0, 0, 0, NULL, "PATH",
                  "per-step learning rates, one per line (step 0 first; the "
                  "last value is held), times --lr" },
  [S_BATCH] = { "batch", DEQ_PARAM_COUNT, DEQ_PARAM_OPEN_MIN, 1, 0, INFINITY,
                NULL, "B", "batch size B > 0 (fresh samples per step; the "
                "gradient is their mean)" },
  [S_BATCH_SCHEDULE] = { "batch-schedule", DEQ_PARAM_TEXT, 0, 0, 0, 0, NULL,
                         "NAME", "constant; ramp:every=N|samples=N[,factor=F,"
                         "max=M] (B F^phase, the batch ramp)" },
  [S_AVERAGE] = { "average", DEQ_PARAM_TEXT, 0, 0, 0, 0, NULL, "AVG",
                  "weight average reported as E_g_avg: none; tail:FRACTION "
                  "(the last FRACTION of the iterates at each step); "
                  "tail:from=STEP; ema:BETA; anytime:C (rho_t = C/(t+1+C))" },
  [S_METHOD] = { "method", DEQ_PARAM_CHOICE, 0, 0, 0, 2, methods,
                 "auto|recursion|volterra", "per-atom recursion (any "
                 "schedule), or the FFT Volterra solve (constant schedule, "
                 "no average); auto: volterra where it applies" },
  [S_STEPS] = { "steps", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
                | DEQ_PARAM_SHARED | DEQ_PARAM_INTEGER
                | DEQ_PARAM_INCREASING, 0, 0, 0x1p53, NULL,
                "GRID", "reported steps T >= 0 (integers)", "step" },
};

static const deq_column sgd_columns[] = {
  { "step", "step T: the iterate w_T after T updates" },
  { "lr", "eta_T, the step size of update T (w_T -> w_T+1)" },
  { "batch", "B_T, the batch of update T" },
  { "samples", "samples consumed to reach w_T" },
  { "E_g", "excess risk of the iterate (w_T - wbar)' Sigma (w_T - wbar)" },
  { "E_test", "E_g + sigma^2" },
  { "E_g_avg", "excess risk of the weight average (= E_g without one)" },
};
#define S_NCOL (sizeof sgd_columns / sizeof sgd_columns[0])

/* The schedule, average and lr table of a run.  */
typedef struct sgd_config {
  deq_sgd_schedule sched;
  deq_sgd_average avg;
  double *table;
  double m4;
} sgd_config;

static deq_status read_table(sgd_config *c, const char *path, deq_error *err)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err->message, sizeof err->message, "--lr-file: cannot open "
             "'%.200s'", path);
    return DEQ_EIO;
  }
  deq_error e;
  deq_error_clear(&e);
  deq_status st = deq_read_column(&c->table, &c->sched.ntable, f, &e);
  fclose(f);
  if (st != DEQ_OK) {
    snprintf(err->message, sizeof err->message, "--lr-file: %.160s:%ld: %.80s",
             path, e.line, e.message[0] ? e.message : deq_strerror(st));
    return st;
  }
  if (c->sched.ntable == 0) {
    snprintf(err->message, sizeof err->message, "--lr-file: '%.200s' holds "
             "no learning rates", path);
    return DEQ_EDOM;
  }
  c->sched.table = c->table;
  c->sched.lr_kind = DEQ_LR_TABLE;
  return DEQ_OK;
}

/* Prefix a library message with the option it came from.  */
static deq_status opt_error(deq_error *err, const char *opt, deq_status st,
                            const deq_error *e)
{
  snprintf(err->message, sizeof err->message, "%s: %.230s", opt,
           e->message[0] ? e->message : deq_strerror(st));
  return st;
}

static deq_status config_build(sgd_config *c, const double *x,
                               const void *const *obj, deq_error *err)
{
  memset(c, 0, sizeof *c);
  deq_sgd_schedule_init(&c->sched);
  c->m4 = x[S_DATA] == 1 ? 1.0 : 3.0;
  c->sched.lr = isnan(x[S_LR]) ? 1.0 : x[S_LR];
  c->sched.batch = x[S_BATCH];
  deq_error e;
  deq_error_clear(&e);
  deq_status st = DEQ_OK;
  if (obj[S_SCHEDULE] && obj[S_LR_FILE]) {
    snprintf(err->message, sizeof err->message, "--schedule cannot be "
             "combined with --lr-file");
    return DEQ_EINVAL;
  }
  if (obj[S_SCHEDULE]) {
    st = deq_sgd_schedule_parse(&c->sched, obj[S_SCHEDULE], &e);
    if (st != DEQ_OK) return opt_error(err, "--schedule", st, &e);
  }
  if (obj[S_LR_FILE] && (st = read_table(c, obj[S_LR_FILE], err)) != DEQ_OK)
    return st;
  if (obj[S_BATCH_SCHEDULE]) {
    st = deq_sgd_batch_parse(&c->sched, obj[S_BATCH_SCHEDULE], &e);
    if (st != DEQ_OK) return opt_error(err, "--batch-schedule", st, &e);
  }
  if (obj[S_AVERAGE]) {
    st = deq_sgd_average_parse(&c->avg, obj[S_AVERAGE], &e);
    if (st != DEQ_OK) return opt_error(err, "--average", st, &e);
  } else if (c->sched.lr_kind == DEQ_LR_ANYTIME) {
    c->avg = (deq_sgd_average){ DEQ_AVG_ANYTIME, 2 };
  }
  st = deq_sgd_schedule_check(&c->sched, &e);
  if (st != DEQ_OK) {
    snprintf(err->message, sizeof err->message, "%.250s", e.message);
    return st;
  }
  if (x[S_METHOD] == 2 && !(deq_sgd_schedule_is_constant(&c->sched)
                            && c->avg.kind == DEQ_AVG_NONE)) {
    snprintf(err->message, sizeof err->message, "--method volterra needs a "
             "constant schedule and batch and no --average");
    return DEQ_EINVAL;
  }
  return DEQ_OK;
}

static void config_free(sgd_config *c)
{
  free(c->table);
  c->table = NULL;
}

static deq_status sgd_validate(const double *x, const void *const *obj,
                               const unsigned char *given, deq_error *err)
{
  if (!given[S_LR] && !given[S_LR_FILE]) {
    snprintf(err->message, sizeof err->message, "--lr is required (or "
             "--lr-file)");
    return DEQ_EINVAL;
  }
  double xv[S_NPARAM];
  memcpy(xv, x, sizeof xv);
  if (!(xv[S_LR] > 0)) xv[S_LR] = 1;    /* a grid: checked per value */
  sgd_config c;
  deq_status st = config_build(&c, xv, obj, err);
  config_free(&c);
  return st;
}

/* The workspace: one trajectory per lr value, carried along the steps.  */
typedef struct sgd_ws {
  sgd_config c;
  deq_sgd_state *st;
  double lr;
} sgd_ws;

static void sgd_ws_free(void *p)
{
  sgd_ws *w = p;
  if (!w) return;
  deq_sgd_free(w->st);
  config_free(&w->c);
  free(w);
}

static deq_status sgd_ws_alloc(void **out, const double *x,
                               const void *const *obj, deq_error *err)
{
  (void)x;
  (void)obj;
  (void)err;
  sgd_ws *w = calloc(1, sizeof *w);
  if (!w) return DEQ_ENOMEM;
  w->lr = NAN;
  *out = w;
  return DEQ_OK;
}

static deq_status ws_at(sgd_ws *w, const double *x, const void *const *obj,
                        deq_error *err)
{
  if (w->st && w->lr == x[S_LR]) return DEQ_OK;
  deq_sgd_free(w->st);
  w->st = NULL;
  config_free(&w->c);
  deq_status st = config_build(&w->c, x, obj, err);
  if (st == DEQ_OK)
    st = deq_sgd_alloc(&w->st, obj[S_SPECTRUM], x[S_NOISE], w->c.m4,
                       &w->c.sched, &w->c.avg);
  if (st != DEQ_OK) return st;
  deq_sgd_check_stability(w->st, 1);
  if (x[S_METHOD] != 1) deq_sgd_use_volterra(w->st, 1);
  w->lr = x[S_LR];
  return DEQ_OK;
}

static deq_status sgd_solve(void *point, void *ws, const double *x,
                            const void *const *obj, const void *warm,
                            deq_error *err)
{
  deq_sgd_point *pt = point;
  sgd_ws *w = ws;
  deq_status st = ws_at(w, x, obj, err);
  if (st == DEQ_OK) {
    if (!warm) deq_sgd_reset(w->st);
    st = deq_sgd_advance(pt, w->st, x[S_STEPS], err);
  }
  if (st != DEQ_OK && st != DEQ_EDIVERGE) {
    *pt = (deq_sgd_point){ x[S_STEPS], NAN, NAN, NAN, NAN, NAN, NAN, st };
  }
  pt->status = st;
  return st;
}

static deq_status sgd_mp(void *point, const double *x, const void *const *obj,
                         long prec)
{
  deq_error err;
  deq_error_clear(&err);
  sgd_config c;
  deq_status st = config_build(&c, x, obj, &err);
  const deq_spectrum *sp = obj[S_SPECTRUM];
  /* The twin replays the whole trajectory: small problems only.  */
  if (st == DEQ_OK && x[S_STEPS] * (double)sp->n > 1e6) st = DEQ_EUNSUP;
  if (st == DEQ_OK)
    st = deq_mp_sgd(point, sp, x[S_NOISE], c.m4, &c.sched, &c.avg,
                    &x[S_STEPS], 1, prec);
  config_free(&c);
  return st;
}

static void sgd_row(double *row, const void *point)
{
  const deq_sgd_point *p = point;
  double r[S_NCOL] = { p->step, p->lr, p->batch, p->samples, p->E_g, p->E_test,
                       p->E_g_avg };
  for (size_t j = 0; j < S_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity sgd_mc_q[] = {
  { "E_g", "E_g" }, { "E_g_avg", "E_g_avg" }
};
static const char *const sgd_mc_columns[] = {
  "step", "lr", "batch", "samples", "E_g", "E_g_avg"
};

static deq_status sgd_mc(deq_mc_estimate *est, void *ws, const double *x,
                         const void *const *obj, const double *shared,
                         size_t ns, const void *points, size_t trials,
                         uint64_t seed, int threads, deq_error *err)
{
  (void)ws;
  (void)points;
  sgd_config c;
  deq_status st = config_build(&c, x, obj, err);
  deq_mc_estimate *e = malloc(2 * ns * sizeof *e);
  if (st == DEQ_OK && !e) st = DEQ_ENOMEM;
  if (st == DEQ_OK)
    st = deq_mc_sgd_run(e, e + ns, obj[S_SPECTRUM], x[S_NOISE], c.m4,
                        &c.sched, &c.avg, shared, ns, trials, seed, threads);
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) {
    est[2 * j] = e[j];
    est[2 * j + 1] = e[ns + j];
  }
  if (st == DEQ_EUNSUP && !err->message[0])
    snprintf(err->message, sizeof err->message, "Monte Carlo needs an exact "
             "spectrum (integer multiplicities) and integer batch sizes");
  free(e);
  config_free(&c);
  return st;
}

const deq_model_type deq_model_sgd = {
  .name = "sgd",
  .summary = "one-pass SGD risk trajectories on a spectrum: schedules, "
             "batch ramps and weight averages by the exact recursion",
  .reference = "the manual's chapter on SGD dynamics",
  .params = sgd_params,
  .nparam = S_NPARAM,
  .columns = sgd_columns,
  .ncolumn = S_NCOL,
  .point_size = sizeof(deq_sgd_point),
  .status_offset = offsetof(deq_sgd_point, status),
  .warm_axes = 1,
  .validate = sgd_validate,
  .ws_alloc = sgd_ws_alloc,
  .ws_free = sgd_ws_free,
  .solve = sgd_solve,
  .row = sgd_row,
  .plot_y = "E_g_avg",     /* the average's risk, or the iterate's */
  .mp = sgd_mp,
  .mc_quantities = sgd_mc_q,
  .nmc = 2,
  .mc_columns = sgd_mc_columns,
  .nmc_column = 6,
  .mc = sgd_mc,
  .plot_x = "steps",
};
