/* lib/model.c -- the engine every model type runs on: grids with
 * continuation, statuses, and the Monte Carlo loop over outer points.  */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deq/model.h"
#include "grid_impl.h"

static const deq_model_type *const all_types[] = {
  &deq_model_ridge, &deq_model_rf, &deq_model_corr,
  &deq_model_ensemble, &deq_model_subsample, &deq_model_twopoint,
  &deq_model_icl, &deq_model_cot, &deq_model_icl_depth, &deq_model_sgd,
  &deq_model_flow,
  &deq_model_gd,
  &deq_model_msgd,
  &deq_model_frontier,
  NULL
};

const deq_model_type *const *deq_model_types(void) { return all_types; }

const deq_model_type *deq_model_find(const char *name)
{
  for (size_t i = 0; name && all_types[i]; i++)
    if (strcmp(all_types[i]->name, name) == 0) return all_types[i];
  return NULL;
}

int deq_model_param(const deq_model_type *t, const char *name)
{
  for (size_t i = 0; t && name && i < t->nparam; i++)
    if (strcmp(t->params[i].name, name) == 0) return (int)i;
  return -1;
}

int deq_model_column(const deq_model_type *t, const char *name)
{
  for (size_t i = 0; t && name && i < t->ncolumn; i++)
    if (strcmp(t->columns[i].name, name) == 0) return (int)i;
  return -1;
}

/* ------------------------------------------------------------ grids */

/* The grid parameters' indices, outermost first; returns how many.  */
static size_t grid_params(const deq_model_type *t, size_t *idx)
{
  size_t n = 0;
  for (size_t i = 0; i < t->nparam; i++)
    if (t->params[i].flags & DEQ_PARAM_GRID) idx[n++] = i;
  return n;
}

size_t deq_model_npoints(const deq_model_type *t, const deq_model_axis *axes)
{
  if (!t || !axes) return 0;
  size_t idx[64], na = grid_params(t, idx), n = 1;
  for (size_t a = 0; a < na; a++) {
    if (axes[a].n == 0 || n > SIZE_MAX / axes[a].n) return 0;
    n *= axes[a].n;
  }
  return n;
}

deq_status deq_model_point_status(const deq_model_type *t, const void *points,
                                  size_t k)
{
  deq_status st;
  memcpy(&st, (const char *)points + k * t->point_size + t->status_offset,
         sizeof st);
  return st;
}

/* The engine's side of deq_grid_run: the grid's axis values go into the
   model's full parameter array, one copy per block.  */
typedef struct model_grid {
  const deq_model_type *t;
  const double *x;            /* the non-grid values */
  const void *const *obj;
  size_t param[64];           /* axis -> parameter index */
  size_t naxes;
} model_grid;

typedef struct model_ws {
  double *x;                  /* this block's values */
  void *ws;                   /* the model's workspace */
} model_ws;

static void model_ws_free(void *p, const void *ctx)
{
  const model_grid *m = ctx;
  model_ws *w = p;
  if (w && w->ws && m->t->ws_free) m->t->ws_free(w->ws);
  free(w);
}

static void set_axes(double *xfull, const model_grid *m, const double *xaxes)
{
  for (size_t a = 0; a < m->naxes; a++) xfull[m->param[a]] = xaxes[a];
}

static deq_status model_ws_alloc(void **out, const void *ctx,
                                 const double *xaxes, deq_error *err)
{
  const model_grid *m = ctx;
  const deq_model_type *t = m->t;
  model_ws *w = calloc(1, sizeof *w + t->nparam * sizeof(double));
  if (!w) return DEQ_ENOMEM;
  w->x = (double *)(w + 1);
  memcpy(w->x, m->x, t->nparam * sizeof *w->x);
  set_axes(w->x, m, xaxes);
  deq_status st = t->ws_alloc ? t->ws_alloc(&w->ws, w->x, m->obj, err)
                              : DEQ_OK;
  if (st != DEQ_OK) {
    free(w);
    return st;
  }
  *out = w;
  return DEQ_OK;
}

static deq_status model_solve(void *point, const void *ctx, void *ws,
                              const double *xaxes, const void *warm,
                              deq_error *err)
{
  const model_grid *m = ctx;
  model_ws *w = ws;
  set_axes(w->x, m, xaxes);
  return m->t->solve(point, w->ws, w->x, m->obj, warm, err);
}

deq_status deq_model_grid(void *points, const deq_model_type *t,
                          const double *x, const void *const *obj,
                          const deq_model_axis *axes, deq_error *err)
{
  return deq_model_grid_threads(points, t, x, obj, axes, 0, err);
}

deq_status deq_model_grid_threads(void *points, const deq_model_type *t,
                                  const double *x, const void *const *obj,
                                  const deq_model_axis *axes, int threads,
                                  deq_error *err)
{
  if (!points || !t || !x || !obj || !axes) return DEQ_EINVAL;
  if (deq_model_npoints(t, axes) == 0) return DEQ_EINVAL;
  deq_status cs = deq_model_check(t, x, axes, 0, err);
  if (cs != DEQ_OK) return cs;
  model_grid m = { .t = t, .x = x, .obj = obj };
  m.naxes = grid_params(t, m.param);
  deq_grid_spec g = { .point_size = t->point_size, .naxes = m.naxes,
                      .warm_axes = t->warm_axes, .axes = axes, .ctx = &m,
                      .solve = model_solve, .ws_alloc = model_ws_alloc,
                      .ws_free = model_ws_free, .chunk = t->warm_chunk,
                      .threads = threads };
  return deq_grid_run(points, &g, err);
}

/* The values of the first naxes axes at row-major index k of those axes
   into x (the parameter slots param[]).  */
static void set_point(double *x, const size_t *param, size_t naxes,
                      const deq_model_axis *axes, size_t k)
{
  for (size_t a = naxes; a-- > 0;) {
    x[param[a]] = axes[a].v[k % axes[a].n];
    k /= axes[a].n;
  }
}

/* ------------------------------------------------------------ MPFR */

static double reldiff(double a, double b)
{
  if (a == b || (isnan(a) && isnan(b))) return 0.0;
  if (isnan(a) || isnan(b) || isinf(a) || isinf(b)) return INFINITY;
  return fabs(a - b) / fmax(fabs(a), fabs(b));
}

deq_status deq_model_certify(double *maxrel, size_t *ncertified,
                             size_t *worst_point,
                             size_t *worst_column, const deq_model_type *t,
                             const double *x, const void *const *obj,
                             const deq_model_axis *axes, const void *points,
                             long prec)
{
  if (!maxrel || !t || !x || !obj || !axes || !points) return DEQ_EINVAL;
  if (!t->mp) return DEQ_EUNSUP;
  size_t param[64], na = grid_params(t, param);
  size_t npts = deq_model_npoints(t, axes);
  if (npts == 0) return DEQ_EINVAL;
  double *xv = malloc(t->nparam * sizeof *xv);
  double *a = malloc(t->ncolumn * sizeof *a), *b = malloc(t->ncolumn * sizeof *b);
  void *ref = calloc(1, t->point_size);
  deq_status st = xv && a && b && ref ? DEQ_OK : DEQ_ENOMEM;
  *maxrel = 0;
  size_t ncert = 0;
  if (worst_point) *worst_point = 0;
  if (worst_column) *worst_column = 0;
  if (st == DEQ_OK) memcpy(xv, x, t->nparam * sizeof *xv);
  for (size_t k = 0; st == DEQ_OK && k < npts; k++) {
    deq_status ps = deq_model_point_status(t, points, k);
    if (ps != DEQ_OK && ps != DEQ_EDIVERGE) continue;
    set_point(xv, param, na, axes, k);
    deq_status rs = t->mp(ref, xv, obj, prec);
    if (rs == DEQ_EUNSUP) continue;
    if (rs != DEQ_OK && rs != DEQ_EDIVERGE) {
      st = rs;
      break;
    }
    ncert++;
    t->row(a, (const char *)points + k * t->point_size);
    t->row(b, ref);
    for (size_t j = 0; j < t->ncolumn; j++) {
      double r = reldiff(a[j], b[j]);
      if (r > *maxrel) {
        *maxrel = r;
        if (worst_point) *worst_point = k;
        if (worst_column) *worst_column = j;
      }
    }
  }
  free(xv);
  free(a);
  free(b);
  free(ref);
  if (ncertified) *ncertified = ncert;
  if (st == DEQ_OK && ncert == 0) st = DEQ_EUNSUP;
  return st;
}

/* ------------------------------------------------------------ Monte Carlo */

uint64_t deq_model_mc_seed(uint64_t seed, size_t i)
{
  return seed + (uint64_t)i * ((uint64_t)1 << 32);
}

deq_status deq_model_mc(deq_mc_estimate *est, size_t *failed,
                        const deq_model_type *t, const double *x,
                        const void *const *obj, const deq_model_axis *axes,
                        const void *points, size_t trials, uint64_t seed,
                        int threads, deq_error *err)
{
  if (!est || !t || !t->mc || !x || !obj || !axes || !points) return DEQ_EINVAL;
  size_t param[64], na = grid_params(t, param), shared = na;
  for (size_t a = 0; a < na; a++)
    if (t->params[param[a]].flags & DEQ_PARAM_SHARED) shared = a;
  /* The shared axis must be innermost: its values are contiguous.  */
  if (shared + 1 != na) return DEQ_EUNSUP;
  size_t npts = deq_model_npoints(t, axes), ns = axes[shared].n;
  if (npts == 0) return DEQ_EINVAL;
  deq_status cs = deq_model_check(t, x, axes, 1, err);
  if (cs != DEQ_OK) return cs;
  double *xv = malloc(t->nparam * sizeof *xv);
  void *ws = NULL;
  deq_status st = xv ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK) {
    memcpy(xv, x, t->nparam * sizeof *xv);
    if (t->ws_alloc) st = t->ws_alloc(&ws, x, obj, err);
  }
  for (size_t i = 0; st == DEQ_OK && i < npts / ns; i++) {
    set_point(xv, param, shared, axes, i);   /* the outer axes' values */
    deq_error e;
    deq_error_clear(&e);
    st = t->mc(est + i * ns * t->nmc, ws, xv, obj, axes[shared].v, ns,
               (const char *)points + i * ns * t->point_size, trials,
               deq_model_mc_seed(seed, i), threads, &e);
    if (st != DEQ_OK) {
      if (failed) *failed = i * ns;
      if (err) *err = e;
    }
  }
  if (ws && t->ws_free) t->ws_free(ws);
  free(xv);
  return st;
}
