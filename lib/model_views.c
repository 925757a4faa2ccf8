/* lib/model_views.c -- the feature-subsampled ensemble's type object
 * (deq/model.h), command name `subsample`: members from a member file
 * (--views) or a homogeneous ensemble (--members K, --fraction NU,
 * --disjoint or random subsets), on top of deq/ensemble_views.h.  */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/ensemble_views.h"
#include "deq/io.h"
#include "deq/model.h"
#include "grid_impl.h"

enum { V_SPECTRUM, V_SIGMA, V_NOISE, V_VIEWS, V_FRACTION, V_DISJOINT, V_SEED, V_ETA,
       V_READOUT, V_MEMBERS, V_P, V_LAMBDA, V_NPARAM };

static const deq_param views_params[V_NPARAM] = {
  [V_SPECTRUM] = { "spectrum", DEQ_PARAM_SPECTRUM, 0, 0, 0, 0,
                   NULL, "SPEC", "a diagonal data covariance Sigma with the "
                   "target powers of wbar; coordinates 1..N are its "
                   "eigen-directions in decreasing eigenvalue order" },
  [V_SIGMA] = { "sigma", DEQ_PARAM_TABLE, 0, 0, 0, 0, NULL, "file:PATH",
                "a dense Sigma instead of --spectrum: a table with a header "
                "line, N columns of Sigma (any names; coordinates are its "
                "rows) and a column named wbar, the target weights" },
  [V_NOISE] = { "noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "S2",
                "label noise variance sigma^2 >= 0" },
  [V_VIEWS] = { "views", DEQ_PARAM_VIEWS, 0, 0, 0, 0, NULL, "FILE",
                "member file, one member a line: a subset of coordinates "
                "('1-50,60') or fraction=NU,seed=S, then optional eta=ETA "
                "(feature noise sd) and lambda=L (its own ridge; default the "
                "--lambda grid)" },
  [V_FRACTION] = { "fraction", DEQ_PARAM_REAL, DEQ_PARAM_OPEN_MIN, NAN, 0, 1,
                   NULL, "NU", "with --members: each member sees round(NU N) "
                   "coordinates (default 1/K)" },
  [V_DISJOINT] = { "disjoint", DEQ_PARAM_FLAG, 0, 0, 0, 1, NULL, NULL,
                   "with --members: disjoint subsets (blocks of one random "
                   "permutation) instead of independent random subsets" },
  [V_SEED] = { "subset-seed", DEQ_PARAM_COUNT, DEQ_PARAM_INTEGER, 1, 0, 1e15,
               NULL, "S", "with --members: seed of the random subsets "
               "(member r uses S + r)" },
  [V_ETA] = { "eta", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL, "ETA",
              "with --members: feature-noise standard deviation of every "
              "member" },
  [V_READOUT] = { "readout-noise", DEQ_PARAM_REAL, 0, 0, 0, INFINITY, NULL,
                  "Z2", "variance zeta^2 of iid readout noise on each "
                  "member's prediction (adds zeta^2/K)" },
  [V_MEMBERS] = { "members", DEQ_PARAM_COUNT, DEQ_PARAM_GRID
                  | DEQ_PARAM_INTEGER | DEQ_PARAM_OPEN_MIN, NAN, 0, 1e6, NULL,
                  "GRID", "K members of a homogeneous ensemble (instead of "
                  "--views); a grid gives one curve per K" },
  [V_P] = { "P", DEQ_PARAM_COUNT, DEQ_PARAM_GRID | DEQ_PARAM_REQUIRED
            | DEQ_PARAM_OPEN_MIN, 0, 0, INFINITY, NULL, "GRID",
            "sample sizes > 0" },
  [V_LAMBDA] = { "lambda", DEQ_PARAM_REAL, DEQ_PARAM_GRID | DEQ_PARAM_SHARED,
                 0, 0, INFINITY, NULL, "GRID", "ridges >= 0, normalised by "
                 "P, of the members without their own lambda" },
};

static const deq_column views_columns[] = {
  { "P", "sample size" },
  { "lambda", "the common ridge (members with their own lambda ignore it)" },
  { "members", "K, the number of members" },
  { "E_ens", "excess risk of the averaged predictor: (1/K^2) sum E_rr' + "
             "zeta^2/K" },
  { "E_test", "E_ens + sigma^2 (noisy test label)" },
  { "E_diag", "mean over members of E_rr (their own excess risks)" },
  { "E_cross", "mean of E_rr' over pairs r != r' (nan for K = 1)" },
};
#define V_NCOL (sizeof views_columns / sizeof views_columns[0])

/* The members of x/obj: the member file, or K homogeneous members (the
   index storage is returned in *idx, freed by the caller).  */
static deq_status make_views(deq_views *v, deq_views_member **mem,
                             size_t **idx, size_t N, const double *x,
                             const void *const *obj, deq_error *err)
{
  *mem = NULL;
  *idx = NULL;
  if (obj[V_VIEWS]) {
    *v = *(const deq_views *)obj[V_VIEWS];
    return DEQ_OK;
  }
  double Kd = x[V_MEMBERS];
  if (!(Kd >= 1 && Kd <= 1e6)) {
    snprintf(err->message, sizeof err->message, "--members: K must be an "
             "integer >= 1");
    return DEQ_EDOM;
  }
  size_t K = (size_t)Kd;
  double nu = isnan(x[V_FRACTION]) ? 1 / Kd : x[V_FRACTION];
  size_t n = (size_t)nearbyint(nu * (double)N);
  if (n < 1) {
    snprintf(err->message, sizeof err->message, "--fraction: %g of N = %zu "
             "coordinates is an empty subset", nu, N);
    return DEQ_EDOM;
  }
  if (x[V_DISJOINT] && n > N / K) {
    snprintf(err->message, sizeof err->message, "--disjoint: %zu members of "
             "%zu coordinates do not fit in N = %zu", K, n, N);
    return DEQ_EDOM;
  }
  *mem = calloc(K, sizeof **mem);
  if (x[V_DISJOINT]) *idx = malloc(K * n * sizeof **idx);
  if (!*mem || (x[V_DISJOINT] && !*idx)) return DEQ_ENOMEM;
  uint64_t seed = (uint64_t)x[V_SEED];
  if (x[V_DISJOINT]) {
    deq_status st = deq_views_disjoint(*idx, N, K, n, seed);
    if (st) return st;
  }
  for (size_t r = 0; r < K; r++)
    (*mem)[r] = (deq_views_member){ x[V_DISJOINT] ? n : 0,
                                    x[V_DISJOINT] ? *idx + r * n : NULL, nu,
                                    seed + r, x[V_ETA], NAN, NULL };
  *v = (deq_views){ K, *mem };
  return DEQ_OK;
}

/* The --sigma table as a column-major Sigma and wbar.  */
static deq_status dense_plan(deq_views_plan **plan, const deq_table *t,
                             const double *x, const void *const *obj,
                             deq_error *err)
{
  long wcol = deq_table_column(t, "wbar");
  size_t N = t->nrow;
  if (wcol < 0 || t->ncol != N + 1) {
    snprintf(err->message, sizeof err->message, "--sigma: want N rows and N "
             "+ 1 columns (Sigma and one named wbar); got %zu rows, %zu "
             "columns%s", t->nrow, t->ncol, wcol < 0 ? ", no wbar" : "");
    return DEQ_EDOM;
  }
  double *sigma = malloc(N * N * sizeof *sigma), *wbar = malloc(N * sizeof *wbar);
  deq_status st = sigma && wbar ? DEQ_OK : DEQ_ENOMEM;
  for (size_t i = 0; st == DEQ_OK && i < N; i++)
    for (size_t j = 0, k = 0; j < t->ncol; j++) {
      double v = t->data[i * t->ncol + j];
      if ((long)j == wcol) wbar[i] = v;
      else sigma[k++ * N + i] = v;
    }
  deq_views v;
  deq_views_member *mem = NULL;
  size_t *idx = NULL;
  if (st == DEQ_OK) st = make_views(&v, &mem, &idx, N, x, obj, err);
  if (st == DEQ_OK) {
    deq_error_clear(err);
    st = deq_views_plan_dense(plan, sigma, wbar, N, &v, err);
    if (st == DEQ_EDOM && strncmp(err->message, "Sigma", 5) == 0) {
      char msg[sizeof err->message];
      snprintf(msg, sizeof msg, "%s", err->message);
      snprintf(err->message, sizeof err->message, "--sigma: %.200s", msg);
    }
  }
  free(mem);
  free(idx);
  free(sigma);
  free(wbar);
  return st;
}

static deq_status make_plan(deq_views_plan **plan, const double *x,
                            const void *const *obj, deq_error *err)
{
  const deq_spectrum *sp = obj[V_SPECTRUM];
  *plan = NULL;
  if (obj[V_SIGMA]) return dense_plan(plan, obj[V_SIGMA], x, obj, err);
  if (!sp) return DEQ_EINVAL;
  if (!sp->exact || !(sp->dim <= 1e9)) {
    snprintf(err->message, sizeof err->message, "--spectrum: coordinate "
             "subsets need a finite spectrum with integer multiplicities");
    return DEQ_EUNSUP;
  }
  deq_views v;
  deq_views_member *mem;
  size_t *idx;
  deq_status st = make_views(&v, &mem, &idx, (size_t)sp->dim, x, obj, err);
  if (st == DEQ_OK) st = deq_views_plan_diag(plan, sp, &v, err);
  free(mem);
  free(idx);
  return st;
}

static deq_status views_validate(const double *x, const void *const *obj,
                                 const unsigned char *given, deq_error *err)
{
  static const int shortcut[] = { V_FRACTION, V_DISJOINT, V_SEED, V_ETA };
  static const char *const name[] = { "--fraction", "--disjoint",
                                      "--subset-seed", "--eta" };
  if (!given[V_SPECTRUM] == !given[V_SIGMA]) {
    snprintf(err->message, sizeof err->message,
             "give exactly one of --spectrum SPEC and --sigma file:PATH");
    return DEQ_EINVAL;
  }
  if (!given[V_VIEWS] == !given[V_MEMBERS]) {
    snprintf(err->message, sizeof err->message,
             "give exactly one of --views FILE and --members K");
    return DEQ_EINVAL;
  }
  for (size_t i = 0; given[V_VIEWS] && i < 4; i++)
    if (given[shortcut[i]]) {
      snprintf(err->message, sizeof err->message, "%s goes with --members "
               "(a member file sets each member's subset and eta)", name[i]);
      return DEQ_EINVAL;
    }
  if (!given[V_VIEWS] || !(obj[V_SPECTRUM] || obj[V_SIGMA])) return DEQ_OK;
  deq_views_plan *plan = NULL;
  deq_status st = make_plan(&plan, x, obj, err);
  deq_views_plan_free(plan);
  return st;
}

static void views_ws_free(void *ws) { deq_views_plan_free(ws); }

static deq_status views_ws_alloc(void **out, const double *x,
                                 const void *const *obj, deq_error *err)
{
  deq_views_plan *plan = NULL;
  deq_status st = make_plan(&plan, x, obj, err);
  *out = plan;
  return st;
}

static deq_status views_solve(void *point, void *ws, const double *x,
                              const void *const *obj, const void *warm,
                              deq_error *err)
{
  (void)obj;
  (void)warm;
  (void)err;
  deq_views_point *pt = point;
  return deq_views_solve(pt, NULL, NULL, NULL, NULL, ws, x[V_P], x[V_LAMBDA],
                         x[V_NOISE], x[V_READOUT]);
}

/* The MPFR twin builds its own plan (the engine gives it no workspace). */
static deq_status views_mp(void *point, const double *x,
                           const void *const *obj, long prec)
{
  deq_views_plan *plan = NULL;
  deq_error err;
  deq_status st = make_plan(&plan, x, obj, &err);
  if (st == DEQ_OK)
    st = deq_mp_views(point, NULL, NULL, NULL, NULL, plan, x[V_P],
                      x[V_LAMBDA], x[V_NOISE], x[V_READOUT], prec);
  deq_views_plan_free(plan);
  return st;
}

static void views_row(double *row, const void *point)
{
  const deq_views_point *p = point;
  double r[V_NCOL] = { p->P, p->lambda, p->K, p->E_ens, p->E_test, p->E_diag,
                       p->E_cross };
  for (size_t j = 0; j < V_NCOL; j++) row[j] = r[j];
}

static const deq_mc_quantity views_mc_q[] = {
  { "E_ens", "E_ens" }, { "E_diag", "E_diag" }, { "E_cross", "E_cross" }
};
static const char *const views_mc_columns[] = {
  "P", "lambda", "members", "E_ens", "E_test", "E_diag", "E_cross"
};

static deq_status views_mc(deq_mc_estimate *est, void *ws, const double *x,
                           const void *const *obj, const double *shared,
                           size_t ns, const void *points, size_t trials,
                           uint64_t seed, int threads, deq_error *err)
{
  (void)obj;
  (void)points;
  if (!(x[V_P] <= 1e9)) return DEQ_EUNSUP;
  deq_mc_estimate *e = malloc(3 * ns * sizeof *e);
  if (!e) return DEQ_ENOMEM;
  deq_status st = deq_mc_views_run(NULL, e, e + ns, e + 2 * ns, ws,
                                   (size_t)x[V_P], shared, ns, x[V_NOISE],
                                   x[V_READOUT], trials, seed, threads);
  if (st == DEQ_EUNSUP)
    snprintf(err->message, sizeof err->message, "P N must stay below 1e10 "
             "and N below 2^20");
  for (size_t j = 0; st == DEQ_OK && j < ns; j++)
    for (size_t q = 0; q < 3; q++) est[3 * j + q] = e[q * ns + j];
  free(e);
  return st;
}

const deq_model_type deq_model_subsample = {
  .name = "subsample",
  .summary = "feature-subsampled (linear views) ridge ensembles: K members, "
             "each a ridge on its own subset of the coordinates (plus "
             "feature noise), fitted on the same P samples and averaged",
  .reference = "the manual's chapter on feature-subsampled ensembles; "
               "ridge_family.md 4.0 and 4b",
  .params = views_params,
  .nparam = V_NPARAM,
  .columns = views_columns,
  .ncolumn = V_NCOL,
  .point_size = sizeof(deq_views_point),
  .status_offset = offsetof(deq_views_point, status),
  .warm_axes = 2,
  .warm_chunk = DEQ_GRID_CHUNK,
  .validate = views_validate,
  .ws_alloc = views_ws_alloc,
  .ws_free = views_ws_free,
  .solve = views_solve,
  .row = views_row,
  .plot_y = "E_ens",
  .mp = views_mp,
  .mc_quantities = views_mc_q,
  .nmc = 3,
  .mc_columns = views_mc_columns,
  .nmc_column = 7,
  .mc = views_mc,
};
