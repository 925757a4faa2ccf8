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

/* One block of the grid: fixed values of the outer (non-continued) axes,
   every value of the continuation axes.  Blocks are independent, so they
   may run on different threads; each has its own copy of the values, its
   workspace, and its own status and first error.  */
typedef struct grid_block {
  const deq_model_type *t;
  char *points;
  void *ws;
  double *x;                  /* the values, grid slots filled as we go */
  const void *const *obj;
  const deq_model_axis *axes;
  const size_t *param;        /* axis -> parameter index */
  size_t naxes;
  size_t *const *order;       /* per axis: its values in increasing order */
  size_t *pos;                /* per axis: the caller's index of the value */
  deq_status result;
  deq_error err;              /* the block's first failure's message */
} grid_block;

/* Row-major index of the current position.  */
static size_t flat_index(const grid_block *g)
{
  size_t k = 0;
  for (size_t a = 0; a < g->naxes; a++) k = k * g->axes[a].n + g->pos[a];
  return k;
}

/* Solve the continuation axes a..naxes-1 from `warm`.  Returns the
   block's first point if it was solved OK, else NULL: the warm start of
   the next row along axis a - 1.  */
static const void *solve_block(grid_block *g, size_t a, const void *warm)
{
  if (a == g->naxes) {
    void *pt = g->points + flat_index(g) * g->t->point_size;
    deq_error e;
    deq_error_clear(&e);
    deq_status st = g->t->solve(pt, g->ws, g->x, g->obj, warm, &e);
    int failed_before = g->result != DEQ_OK && g->result != DEQ_EDIVERGE;
    if (st != DEQ_OK && st != DEQ_EDIVERGE && !failed_before)
      g->err = e;
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

/* Block `blk` of `nblocks` (row-major over the outer axes 0..nouter-1).  */
static deq_status run_block(const grid_block *proto, size_t blk, size_t nouter,
                            deq_status *result, deq_error *err)
{
  const deq_model_type *t = proto->t;
  grid_block g = *proto;
  g.result = DEQ_OK;
  g.ws = NULL;
  deq_error_clear(&g.err);
  g.x = malloc(t->nparam * sizeof *g.x);
  g.pos = calloc(g.naxes + 1, sizeof *g.pos);
  deq_status st = g.x && g.pos ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK) {
    memcpy(g.x, proto->x, t->nparam * sizeof *g.x);
    for (size_t a = nouter, rest = blk; a-- > 0;) {
      g.pos[a] = rest % g.axes[a].n;
      g.x[g.param[a]] = g.axes[a].v[g.pos[a]];
      rest /= g.axes[a].n;
    }
    if (t->ws_alloc) st = t->ws_alloc(&g.ws, g.x, g.obj, &g.err);
  }
  if (st == DEQ_OK) {
    solve_block(&g, nouter, NULL);
    st = g.result;
  }
  if (g.ws && t->ws_free) t->ws_free(g.ws);
  free(g.x);
  free(g.pos);
  *result = st;
  *err = g.err;
  return st;
}

deq_status deq_model_grid(void *points, const deq_model_type *t,
                          const double *x, const void *const *obj,
                          const deq_model_axis *axes, deq_error *err)
{
  if (!points || !t || !x || !obj || !axes) return DEQ_EINVAL;
  size_t param[64];
  size_t na = grid_params(t, param);
  if (deq_model_npoints(t, axes) == 0) return DEQ_EINVAL;
  size_t nouter = na - (t->warm_axes < na ? t->warm_axes : na);
  size_t nblocks = 1;
  for (size_t a = 0; a < nouter; a++) nblocks *= axes[a].n;
  size_t **order = calloc(na + 1, sizeof *order);
  deq_status *bst = malloc(nblocks * sizeof *bst);
  deq_error *berr = malloc(nblocks * sizeof *berr);
  deq_status st = order && bst && berr ? DEQ_OK : DEQ_ENOMEM;
  for (size_t a = 0; st == DEQ_OK && a < na; a++)
    if (!(order[a] = deq_grid_order(axes[a].v, axes[a].n))) st = DEQ_ENOMEM;
  if (st == DEQ_OK) {
    grid_block proto = { .t = t, .points = points, .x = (double *)x,
                         .obj = obj, .axes = axes, .param = param,
                         .naxes = na, .order = order };
    /* Independent blocks in parallel; each gives the same numbers on any
       thread, and statuses are combined in block order below.  */
#pragma omp parallel for schedule(dynamic, 1) if (nblocks > 1)
    for (size_t b = 0; b < nblocks; b++)
      run_block(&proto, b, nouter, &bst[b], &berr[b]);
    for (size_t b = 0; b < nblocks; b++) {
      int failed_before = st != DEQ_OK && st != DEQ_EDIVERGE;
      if (bst[b] != DEQ_OK && bst[b] != DEQ_EDIVERGE && !failed_before && err)
        *err = berr[b];
      st = deq_grid_status(st, bst[b]);
    }
  }
  for (size_t a = 0; order && a < na; a++) free(order[a]);
  free(order);
  free(bst);
  free(berr);
  return st;
}

/* ------------------------------------------------------------ MPFR */

static double reldiff(double a, double b)
{
  if (a == b || (isnan(a) && isnan(b))) return 0.0;
  if (isnan(a) || isnan(b) || isinf(a) || isinf(b)) return INFINITY;
  return fabs(a - b) / fmax(fabs(a), fabs(b));
}

deq_status deq_model_certify(double *maxrel, size_t *worst_point,
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
  if (worst_point) *worst_point = 0;
  if (worst_column) *worst_column = 0;
  if (st == DEQ_OK) memcpy(xv, x, t->nparam * sizeof *xv);
  for (size_t k = 0; st == DEQ_OK && k < npts; k++) {
    deq_status ps = deq_model_point_status(t, points, k);
    if (ps != DEQ_OK && ps != DEQ_EDIVERGE) continue;
    for (size_t a_ = na, rest = k; a_-- > 0;) {
      xv[param[a_]] = axes[a_].v[rest % axes[a_].n];
      rest /= axes[a_].n;
    }
    deq_status rs = t->mp(ref, xv, obj, prec);
    if (rs != DEQ_OK && rs != DEQ_EDIVERGE) {
      st = rs;
      break;
    }
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
