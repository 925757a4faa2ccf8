/* lib/grid.c -- the one continuation loop behind every grid: the model
 * engine (deq_model_grid) and the models' own grid functions
 * (deq_ridge_grid, deq_rf_grid, deq_corr_grid) all run here.  */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "grid_impl.h"

/* One block: fixed values of the outer axes, every value of the
   continuation axes.  */
typedef struct block {
  const deq_grid_spec *g;
  char *points;
  void *ws;
  double *x;              /* the axis values of the current point */
  size_t *pos;            /* per axis: the caller's index of the value */
  size_t *const *order;   /* per axis: its values in increasing order */
  deq_status result;
  deq_error err;          /* the block's first failure's message */
} block;

static size_t flat_index(const block *b)
{
  size_t k = 0;
  for (size_t a = 0; a < b->g->naxes; a++)
    k = k * b->g->axes[a].n + b->pos[a];
  return k;
}

/* Solve the continuation axes a..naxes-1 from `warm`.  Returns the
   block's first point if it was solved OK, else NULL: the warm start of
   the next row along axis a - 1.  */
static const void *solve_rows(block *b, size_t a, const void *warm)
{
  const deq_grid_spec *g = b->g;
  if (a == g->naxes) {
    void *pt = b->points + flat_index(b) * g->point_size;
    deq_error e;
    deq_error_clear(&e);
    deq_status st = g->solve(pt, g->ctx, b->ws, b->x, warm, &e);
    int failed_before = b->result != DEQ_OK && b->result != DEQ_EDIVERGE;
    if (st != DEQ_OK && st != DEQ_EDIVERGE && !failed_before)
      b->err = e;
    b->result = deq_grid_status(b->result, st);
    return st == DEQ_OK ? pt : NULL;
  }
  const void *first = NULL, *prev = warm;
  for (size_t k = 0; k < g->axes[a].n; k++) {
    size_t i = b->order[a][k];
    b->pos[a] = i;
    b->x[a] = g->axes[a].v[i];
    const void *start = solve_rows(b, a + 1, prev);
    if (start) prev = start;
    if (k == 0) first = start;
  }
  return first;
}

/* Block `blk` (row-major over the outer axes 0..nouter-1).  */
static void run_block(const block *proto, size_t blk, size_t nouter,
                      deq_status *result, deq_error *err)
{
  const deq_grid_spec *g = proto->g;
  block b = *proto;
  b.result = DEQ_OK;
  b.ws = NULL;
  deq_error_clear(&b.err);
  b.x = calloc(g->naxes + 1, sizeof *b.x);
  b.pos = calloc(g->naxes + 1, sizeof *b.pos);
  deq_status st = b.x && b.pos ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK) {
    for (size_t a = nouter, rest = blk; a-- > 0;) {
      b.pos[a] = rest % g->axes[a].n;
      b.x[a] = g->axes[a].v[b.pos[a]];
      rest /= g->axes[a].n;
    }
    if (g->ws_alloc) st = g->ws_alloc(&b.ws, g->ctx, b.x, &b.err);
  }
  if (st == DEQ_OK) {
    solve_rows(&b, nouter, NULL);
    st = b.result;
  }
  if (b.ws && g->ws_free) g->ws_free(b.ws, g->ctx);
  free(b.x);
  free(b.pos);
  *result = st;
  *err = b.err;
}

deq_status deq_grid_run(void *points, const deq_grid_spec *g, deq_error *err)
{
  size_t na = g->naxes, nblocks = 1;
  size_t nouter = na - (g->warm_axes < na ? g->warm_axes : na);
  for (size_t a = 0; a < na; a++)
    if (g->axes[a].n == 0) return DEQ_EINVAL;
  for (size_t a = 0; a < nouter; a++) nblocks *= g->axes[a].n;
  size_t **order = calloc(na + 1, sizeof *order);
  deq_status *bst = malloc(nblocks * sizeof *bst);
  deq_error *berr = malloc(nblocks * sizeof *berr);
  deq_status st = order && bst && berr ? DEQ_OK : DEQ_ENOMEM;
  for (size_t a = 0; st == DEQ_OK && a < na; a++)
    if (!(order[a] = deq_grid_order(g->axes[a].v, g->axes[a].n)))
      st = DEQ_ENOMEM;
  if (st == DEQ_OK) {
    block proto = { .g = g, .points = points, .order = order };
    /* Independent blocks in parallel: each gives the same numbers on any
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
