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
  &deq_model_ridge, &deq_model_rf, &deq_model_corr, NULL
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

typedef struct grid_run {
  const deq_model_type *t;
  char *points;
  void *ws;
  double *x;                  /* the values, grid slots filled as we go */
  const void *const *obj;
  const deq_model_axis *axes;
  const size_t *param;        /* axis -> parameter index */
  size_t naxes;
  size_t **order;             /* per axis: its values in increasing order */
  size_t *pos;                /* per axis: the caller's index of the value */
  deq_status result;
  deq_error *err;
} grid_run;

/* Row-major index of the current position.  */
static size_t flat_index(const grid_run *g)
{
  size_t k = 0;
  for (size_t a = 0; a < g->naxes; a++) k = k * g->axes[a].n + g->pos[a];
  return k;
}

/* Solve the block of the continuation axes a..naxes-1 from `warm`.
   Returns the block's first point if it was solved OK, else NULL: the
   warm start of the next block along axis a - 1.  */
static const void *solve_block(grid_run *g, size_t a, const void *warm)
{
  if (a == g->naxes) {
    size_t k = flat_index(g);
    void *pt = g->points + k * g->t->point_size;
    deq_error e;
    deq_error_clear(&e);
    deq_status st = g->t->solve(pt, g->ws, g->x, g->obj, warm, &e);
    int failed_before = g->result != DEQ_OK && g->result != DEQ_EDIVERGE;
    if (st != DEQ_OK && st != DEQ_EDIVERGE && g->err && !failed_before)
      *g->err = e;   /* the first failure's message */
    g->result = deq_grid_status(g->result, st);
    return st == DEQ_OK ? pt : NULL;
  }
  const void *first = NULL, *prev = warm;
  for (size_t b = 0; b < g->axes[a].n; b++) {
    size_t i = g->order[a][b];
    g->pos[a] = i;
    g->x[g->param[a]] = g->axes[a].v[i];
    const void *start = solve_block(g, a + 1, prev);
    if (start) prev = start;
    if (b == 0) first = start;
  }
  return first;
}

/* The outer (non-continued) axes, in the caller's order.  */
static void solve_outer(grid_run *g, size_t a, size_t nouter)
{
  if (a == nouter) {
    solve_block(g, a, NULL);
    return;
  }
  for (size_t i = 0; i < g->axes[a].n; i++) {
    g->pos[a] = i;
    g->x[g->param[a]] = g->axes[a].v[i];
    solve_outer(g, a + 1, nouter);
  }
}

deq_status deq_model_grid(void *points, const deq_model_type *t,
                          const double *x, const void *const *obj,
                          const deq_model_axis *axes, deq_error *err)
{
  if (!points || !t || !x || !obj || !axes) return DEQ_EINVAL;
  size_t param[64];
  size_t na = grid_params(t, param);
  if (deq_model_npoints(t, axes) == 0) return DEQ_EINVAL;
  grid_run g = { .t = t, .points = points, .obj = obj, .axes = axes,
                 .param = param, .naxes = na, .result = DEQ_OK, .err = err };
  g.x = malloc(t->nparam * sizeof *g.x);
  g.order = calloc(na + 1, sizeof *g.order);
  g.pos = calloc(na + 1, sizeof *g.pos);
  deq_status st = g.x && g.order && g.pos ? DEQ_OK : DEQ_ENOMEM;
  for (size_t a = 0; st == DEQ_OK && a < na; a++)
    if (!(g.order[a] = deq_grid_order(axes[a].v, axes[a].n))) st = DEQ_ENOMEM;
  if (st == DEQ_OK) {
    memcpy(g.x, x, t->nparam * sizeof *g.x);
    if (t->ws_alloc) st = t->ws_alloc(&g.ws, x, obj, err);
  }
  if (st == DEQ_OK) {
    size_t warm = t->warm_axes < na ? t->warm_axes : na;
    solve_outer(&g, 0, na - warm);
    st = g.result;
  }
  if (g.ws && t->ws_free) t->ws_free(g.ws);
  for (size_t a = 0; g.order && a < na; a++) free(g.order[a]);
  free(g.order);
  free(g.pos);
  free(g.x);
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
  double *xv = malloc(t->nparam * sizeof *xv);
  void *ws = NULL;
  deq_status st = xv ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK) {
    memcpy(xv, x, t->nparam * sizeof *xv);
    if (t->ws_alloc) st = t->ws_alloc(&ws, x, obj, err);
  }
  for (size_t i = 0; st == DEQ_OK && i < npts / ns; i++) {
    size_t rest = i;          /* the outer axes' values of point i */
    for (size_t a = shared; a-- > 0;) {
      xv[param[a]] = axes[a].v[rest % axes[a].n];
      rest /= axes[a].n;
    }
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
