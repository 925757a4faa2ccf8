/* grid_impl.h -- continuation along grids, shared by the model solvers.
 *
 * Grid points are solved in increasing order of each coordinate, each
 * warm-started from its neighbour, so that the caller's order (which the
 * output keeps) does not matter.  */
#ifndef DEQ_GRID_IMPL_H
#define DEQ_GRID_IMPL_H

#include <stdlib.h>
#include "deq/status.h"
#include "deq/model.h"

typedef struct deq_grid_key {
  double x;
  size_t i;
} deq_grid_key;

static inline int deq_grid_key_cmp(const void *a, const void *b)
{
  const deq_grid_key *p = a, *q = b;
  if (p->x != q->x) return (p->x > q->x) - (p->x < q->x);
  return (p->i > q->i) - (p->i < q->i); /* ties keep the caller's order */
}

/* order[k] = index of the k-th smallest x; NULL if out of memory.  */
static inline size_t *deq_grid_order(const double *x, size_t n)
{
  deq_grid_key *k = malloc(n * sizeof *k);
  size_t *order = malloc(n * sizeof *order);
  if (!k || !order) {
    free(k);
    free(order);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) k[i] = (deq_grid_key){x[i], i};
  qsort(k, n, sizeof *k, deq_grid_key_cmp);
  for (size_t i = 0; i < n; i++) order[i] = k[i].i;
  free(k);
  return order;
}

/* The status of a grid so far, given one more point's: the first failure
   wins; otherwise DEQ_EDIVERGE if any point diverged.  */
static inline deq_status deq_grid_status(deq_status sofar, deq_status point)
{
  if (sofar != DEQ_OK && sofar != DEQ_EDIVERGE) return sofar;
  if (point != DEQ_OK && point != DEQ_EDIVERGE) return point;
  return sofar ? sofar : point;
}

/* ------------------------------------------------------------ grids
   A grid of naxes axes (row-major in `points`, each axis in the caller's
   order).  The innermost warm_axes axes are continued: solved in
   increasing order, each point warm-started from the previous one and
   each row's first point from the previous row's first.  The outer axes
   make independent blocks, solved in parallel.  With chunk > 0 the
   continuation axes are cut into tiles of chunk values per axis (the
   cut depends on the grid alone): the tiles' first points are continued
   from one another, then every tile from its first point, in parallel;
   a grid with at most chunk values per continuation axis is continued
   exactly as with chunk = 0.  Chunks need a solve whose result depends
   on its workspace only through caches that the values determine (a
   thread keeps its workspace while it stays in a block); chunk = 0
   keeps every block on one thread with one workspace, for models whose
   workspace carries the continuation.  The numbers are bitwise the same
   for any thread count.  solve gets the axis values x[0..naxes-1] of
   the point.  Returns DEQ_OK, DEQ_EDIVERGE, or the failure of the first
   failing point in row-major order (a failure beats a divergence); err
   (may be NULL) gets the message of the first failing point in
   row-major order that has one.  */
typedef struct deq_grid_spec {
  size_t point_size;
  size_t naxes, warm_axes;
  const deq_model_axis *axes;   /* deq/model.h */
  const void *ctx;
  deq_status (*solve)(void *point, const void *ctx, void *ws,
                      const double *x, const void *warm, deq_error *err);
  /* x: the block's outer axis values (the rest are 0).  May be NULL.  */
  deq_status (*ws_alloc)(void **ws, const void *ctx, const double *x,
                         deq_error *err);
  void (*ws_free)(void *ws, const void *ctx);
  size_t chunk;                 /* values per tile and axis; 0: no cut */
  int threads;                  /* 0: OpenMP's default (one per core) */
} deq_grid_spec;

/* The chunk of the library's own real-axis grids (ridge, features,
   corr): long enough that cold corners are rare, short enough that a
   200-point curve makes a dozen tiles.  */
#define DEQ_GRID_CHUNK 16

deq_status deq_grid_run(void *points, const deq_grid_spec *g, deq_error *err);

#endif
