/* lib/model_icl.c -- the linear-attention ICL model's type object
 * (deq/model.h): e_ICL and e_IDG after ridge pretraining, task diversity
 * and pretrain/test task alignment, on top of deq/icl.h.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/model.h"
#include "deq/icl.h"

enum { I_TASK, I_TEST_TASK, I_TEST, I_NOISE, I_ALPHA, I_KAPPA, I_TAU,
       I_LAMBDA, I_D, I_NPARAM };

static const char *const test_kinds[] = { "icl", "idg", NULL };

static const deq_param icl_params[I_NPARAM] = {
  [I_TASK] = { "task-spectrum", DEQ_PARAM_SPECTRUM, DEQ_PARAM_ORDERED, 0, 0, 0, NULL, "SPEC",
               "eigenvalues of the pretraining task covariance C_tr "
               "(default: C_tr = I; its dimension is d, target powers are "
               "ignored)" },
  [I_TEST_TASK] = { "test-task-spectrum", DEQ_PARAM_SPECTRUM,
                    DEQ_PARAM_ORDERED, 0, 0, 0, NULL,
                    "SPEC", "the test task covariance C_te, diagonal in C_tr's "
                    "eigenbasis, direction j of one = direction j of the "
                    "other in the order given (default: C_te = C_tr; same "
                    "dimension as --task-spectrum)" },
  [I_TEST] = { "test", DEQ_PARAM_CHOICE, 0, 0, 0, 1, test_kinds, "icl|idg",
               "the column e_test (and the plot): icl = fresh test task, "
               "idg = a task from the pretraining pool" },
  [I_NOISE] = { "noise", DEQ_PARAM_REAL, DEQ_PARAM_GRID, 0, 0, INFINITY, NULL,
                "GRID", "label noise variance rho >= 0" },
  [I_ALPHA] = { "alpha", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
                | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
                "context length ell/d > 0" },
  [I_KAPPA] = { "kappa", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_INF
                | DEQ_PARAM_OPEN_MIN, INFINITY, 0, INFINITY, NULL, "GRID",
                "task diversity k/d > 0 (pool of k tasks; default inf: a "
                "fresh task per context)" },
  [I_TAU] = { "tau", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
              | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
              "pretraining contexts n/d^2 > 0" },
  [I_LAMBDA] = { "lambda", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_SHARED,
                 0, 0, INFINITY, NULL, "GRID",
                 "pretraining ridge >= 0 (penalty (n/d) lambda |Gamma|_F^2; "
                 "0: the limit lambda -> 0+, divergent at tau = 1)" },
  [I_D] = { "d", DEQ_PARAM_COUNT, DEQ_PARAM_INTEGER | DEQ_PARAM_MC_ONLY, 40, 1,
            4096, NULL, "D", "token dimension d of the simulation (memory "
            "min(tau d^2, d(d+1))^2 doubles per thread)" },
};

static const deq_column icl_columns[] = {
  { "alpha", "context length ell/d" },
  { "kappa", "task diversity k/d (inf: fresh tasks)" },
  { "tau", "pretraining contexts n/d^2" },
  { "noise", "label noise variance rho" },
  { "lambda", "pretraining ridge" },
  { "e_test", "e_ICL or e_IDG as --test says" },
  { "e_ICL", "test error (noise included), fresh task ~ N(0, C_te)" },
  { "e_IDG", "test error (noise included), task from the pretraining pool" },
  { "e_pretrain", "the part of e_ICL that sees C_te only through tr C_te" },
  { "e_align", "e_ICL - e_pretrain = (1/d) tr(C_te K), linear in C_te" },
  { "alignment", "(1/d) tr(C_te Rbar), Rbar = (a C_tr + nu)^-1" },
  { "a", "the pool's resolvent parameter a(nu) in (0, 1]" },
  { "M", "(1/d) tr Rbar(nu)" },
  { "nu", "rho_tr/alpha + xi" },
  { "xi", "the pretraining shift (0 for tau > 1 at lambda = 0)" },
  { "g", "the fluctuation scale -D/den" },
};
#define I_NCOL (sizeof icl_columns / sizeof icl_columns[0])

typedef struct icl_pt {
  deq_icl_point p;
  int idg;           /* e_test is e_IDG */
} icl_pt;

/* The task covariances of the options (NULL, NULL: isotropic).  */
static deq_status tasks_of(deq_icl_tasks **tk, const void *const *obj,
                           deq_error *err)
{
  *tk = NULL;
  if (!obj[I_TASK] && !obj[I_TEST_TASK]) return DEQ_OK;
  deq_error e;
  deq_error_clear(&e);
  deq_status st = deq_icl_tasks_alloc(tk, obj[I_TASK], obj[I_TEST_TASK], &e);
  if (st != DEQ_OK && err)
    snprintf(err->message, sizeof err->message, "--task-spectrum: %.200s",
             e.message[0] ? e.message : deq_strerror(st));
  return st;
}

/* Monte Carlo samples w_i d directions of atom i: an integer.  */
static int fits_dimension(const deq_icl_tasks *tk, double d)
{
  for (size_t i = 0; tk && i < tk->n; i++) {
    double m = tk->w[i] * d;
    if (fabs(m - nearbyint(m)) > 1e-9 * d) return 0;
  }
  return 1;
}

static deq_status icl_validate(const double *x, const void *const *obj,
                               const unsigned char *given, deq_error *err)
{
  deq_icl_tasks *tk;
  deq_status st = tasks_of(&tk, obj, err);
  if (st == DEQ_OK && given[I_D] && !fits_dimension(tk, x[I_D])) {
    snprintf(err->message, sizeof err->message, "--d %g: each task-spectrum "
             "atom must cover an integer number of directions", x[I_D]);
    st = DEQ_EDOM;
  }
  deq_icl_tasks_free(tk);
  return st;
}

static deq_status icl_ws_alloc(void **ws, const double *x,
                               const void *const *obj, deq_error *err)
{
  (void)x;
  deq_icl_tasks *tk;
  deq_status st = tasks_of(&tk, obj, err);
  *ws = tk;
  return st;
}

static void icl_ws_free(void *ws) { deq_icl_tasks_free(ws); }

/* Each point is a bracketed scalar solve: no continuation needed.  */
static deq_status icl_solve(void *point, void *ws, const double *x,
                            const void *const *obj, const void *warm,
                            deq_error *err)
{
  (void)obj;
  (void)warm;
  icl_pt *pt = point;
  pt->idg = x[I_TEST] != 0;
  deq_status st = deq_icl_solve(&pt->p, ws, x[I_ALPHA], x[I_KAPPA], x[I_TAU],
                                x[I_NOISE], x[I_LAMBDA]);
  if (st == DEQ_EDIVERGE)
    snprintf(err->message, sizeof err->message, "tau = 1 at lambda = 0: the "
             "ridgeless test error diverges (double descent)");
  return st;
}

static deq_status icl_mp(void *point, const double *x, const void *const *obj,
                         long prec)
{
  icl_pt *pt = point;
  pt->idg = x[I_TEST] != 0;
  deq_icl_tasks *tk;
  deq_status st = tasks_of(&tk, obj, NULL);
  if (st == DEQ_OK)
    st = deq_mp_icl(&pt->p, tk, x[I_ALPHA], x[I_KAPPA], x[I_TAU], x[I_NOISE],
                    x[I_LAMBDA], prec);
  deq_icl_tasks_free(tk);
  return st;
}

static void icl_row(double *row, const void *point)
{
  const icl_pt *q = point;
  const deq_icl_point *p = &q->p;
  double r[I_NCOL] = {
    p->alpha, p->kappa, p->tau, p->noise, p->lambda,
    q->idg ? p->e_idg : p->e_icl, p->e_icl, p->e_idg, p->e_pretrain,
    p->e_align, p->alignment, p->a, p->M, p->nu, p->xi, p->g };
  for (size_t j = 0; j < I_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity icl_mc_q[] = {
  { "e_test", "e_test" }, { "e_ICL", "e_ICL" }, { "e_IDG", "e_IDG" }
};
static const char *const icl_mc_columns[] = {
  "alpha", "kappa", "tau", "noise", "lambda", "e_test", "e_ICL", "e_IDG"
};

static deq_status icl_mc(deq_mc_estimate *est, void *ws, const double *x,
                         const void *const *obj, const double *shared,
                         size_t ns, const void *points, size_t trials,
                         uint64_t seed, int threads, deq_error *err)
{
  (void)obj;
  (void)points;
  deq_mc_icl_row *rows = malloc(ns * sizeof *rows);
  if (!rows) return DEQ_ENOMEM;
  size_t d = (size_t)x[I_D];
  deq_status st = deq_mc_icl_run(rows, ws, d, x[I_ALPHA], x[I_KAPPA],
                                 x[I_TAU], x[I_NOISE], shared, ns, trials,
                                 seed, threads);
  if (st == DEQ_EDOM && ws)
    snprintf(err->message, sizeof err->message, "--d %zu: each task-spectrum "
             "atom must cover an integer number of directions", d);
  else if (st == DEQ_ELAPACK)
    snprintf(err->message, sizeof err->message, "singular pretraining system "
             "(lambda = 0 with n = tau d^2 = d(d+1) contexts)");
  for (size_t j = 0; st == DEQ_OK && j < ns; j++) {
    deq_mc_estimate *e = est + 3 * j;
    e[0] = x[I_TEST] != 0 ? rows[j].e_idg : rows[j].e_icl;
    e[1] = rows[j].e_icl;
    e[2] = rows[j].e_idg;
  }
  free(rows);
  return st;
}

const deq_model_type deq_model_icl = {
  .name = "icl",
  .summary = "in-context learning of linear regression by linear attention: "
             "test error after ridge pretraining (task diversity, task "
             "alignment)",
  .reference = "Lu et al., arXiv 2405.11751; Letey et al., arXiv 2509.26551; "
               "established: matches the authors' reference code and deq's "
               "Monte Carlo",
  .params = icl_params,
  .nparam = I_NPARAM,
  .columns = icl_columns,
  .ncolumn = I_NCOL,
  .point_size = sizeof(icl_pt),
  .status_offset = offsetof(icl_pt, p) + offsetof(deq_icl_point, status),
  .warm_axes = 0,
  .validate = icl_validate,
  .ws_alloc = icl_ws_alloc,
  .ws_free = icl_ws_free,
  .solve = icl_solve,
  .row = icl_row,
  .plot_y = "e_test",
  .mp = icl_mp,
  .mc_quantities = icl_mc_q,
  .nmc = 3,
  .mc_columns = icl_mc_columns,
  .nmc_column = 8,
  .mc = icl_mc,
};
