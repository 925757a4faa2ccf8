/* lib/grid.c -- the one continuation loop behind every grid: the model
 * engine (deq_model_grid) and the models' own grid functions
 * (deq_ridge_grid, deq_rf_grid, deq_corr_grid) all run here, in parallel
 * with the same numbers for any thread count.
 *
 * The values of the outer axes make independent blocks.  With
 * spec->chunk > 0 the continuation axes of a block are cut further into
 * tiles of `chunk` values per axis (in increasing order of each axis), so
 * that the cut depends on the grid alone, never on the threads:
 *   phase 1: per block, the tiles' first points (their corners) are
 *            continued from corner to corner, one thread per block;
 *   phase 2: every tile is continued from its corner, in parallel.
 * A tile is continued exactly as a whole block is without cuts (each row
 * from the previous point, each row's first point from the previous row's
 * first), and the corners are continued the same way on the grid of
 * corners.  A grid with at most `chunk` values per continuation axis has
 * one tile: the serial continuation, unchanged.  */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "grid_impl.h"
#include "mc_impl.h"

#define MAX_AXES 64

/* A tile's corner as phase 1 left it: the warm start it was given, and
   itself if it solved OK (else NULL), i.e. what the tile's rows go on
   from.  */
typedef struct corner {
  const void *warm;
  const void *result;
} corner;

/* The grid's cut, the same for every thread.  */
typedef struct shape {
  const deq_grid_spec *g;
  char *points;
  size_t nouter;                 /* axes 0..nouter-1 make blocks */
  size_t nblocks, ntiles, block_points;
  size_t len[MAX_AXES];          /* per continuation axis: values per tile */
  size_t ntile[MAX_AXES];        /* per continuation axis: tiles */
  size_t *order[MAX_AXES];       /* per axis: its values in increasing order */
  corner *corners;               /* [block * ntiles + tile]; NULL: one tile */
  unsigned char *dead;           /* per block: its workspace failed */
  /* the run's outcome, the same for any thread order: the first failing
     point in row-major order, the first with a message, and whether any
     point diverged */
  size_t first_fail, first_msg;
  deq_status fail_status;
  deq_error fail_err;
  int diverged;
} shape;

/* A thread's workspace, kept while it works on the same block.  */
typedef struct thread_ws {
  size_t block;
  void *ws;
  deq_status st;
  deq_error err;
  int have;
} thread_ws;

/* One walk over a block or a tile.  */
typedef struct walk {
  shape *s;
  void *ws;
  double x[MAX_AXES];        /* the axis values of the current point */
  size_t pos[MAX_AXES];      /* per axis: the caller's index of the value */
  size_t k[MAX_AXES];        /* per axis: the index in increasing order */
  size_t lo[MAX_AXES], hi[MAX_AXES], step[MAX_AXES];
  corner *record;            /* phase 1: the block's corners, to fill */
  const corner *done;        /* phase 2: the tile's corner, solved */
} walk;

static size_t flat_index(const walk *w)
{
  const deq_grid_spec *g = w->s->g;
  size_t k = 0;
  for (size_t a = 0; a < g->naxes; a++) k = k * g->axes[a].n + w->pos[a];
  return k;
}

static size_t tile_of(const walk *w)
{
  const shape *s = w->s;
  size_t t = 0;
  for (size_t a = s->nouter; a < s->g->naxes; a++)
    t = t * s->ntile[a] + w->k[a] / s->len[a];
  return t;
}

/* Note a failure (st not OK or a divergence) at flat index k.  */
static void note_failure(shape *s, size_t k, deq_status st,
                         const deq_error *e)
{
#pragma omp critical(deq_grid_report)
  {
    if (k < s->first_fail) {
      s->first_fail = k;
      s->fail_status = st;
    }
    if (e && e->message[0] && k < s->first_msg) {
      s->first_msg = k;
      s->fail_err = *e;
    }
  }
}

/* Solve the continuation axes a..naxes-1 of the walk's ranges from
   `warm`; corner: whether every axis so far is at its first value.
   Returns the first point if it solved OK, else NULL: the warm start of
   the next row along axis a - 1.  */
static const void *solve_rows(walk *w, size_t a, const void *warm,
                              int is_corner)
{
  shape *s = w->s;
  const deq_grid_spec *g = s->g;
  if (a == g->naxes) {
    if (is_corner && w->done) return w->done->result;
    size_t k = flat_index(w);
    void *pt = s->points + k * g->point_size;
    corner *rec = w->record ? &w->record[tile_of(w)] : NULL;
    deq_error e;
    deq_error_clear(&e);
    deq_status st = g->solve(pt, g->ctx, w->ws, w->x, warm, &e);
    if (st == DEQ_EDIVERGE) {
#pragma omp atomic write
      s->diverged = 1;
    } else if (st != DEQ_OK) {
      note_failure(s, k, st, &e);
    }
    if (rec) {
      rec->warm = warm;
      rec->result = st == DEQ_OK ? pt : NULL;
    }
    return st == DEQ_OK ? pt : NULL;
  }
  const void *first = NULL, *prev = warm;
  for (size_t k = w->lo[a]; k < w->hi[a]; k += w->step[a]) {
    size_t i = s->order[a][k];
    w->pos[a] = i;
    w->k[a] = k;
    w->x[a] = g->axes[a].v[i];
    const void *start = solve_rows(w, a + 1, prev, is_corner && k == w->lo[a]);
    if (start) prev = start;
    if (k == w->lo[a]) first = start;
  }
  return first;
}

/* The outer axes' values of block `blk` into w (and the axis values
   ws_alloc gets: the outer ones, the rest 0).  */
static void set_block(walk *w, size_t blk)
{
  const shape *s = w->s;
  const deq_grid_spec *g = s->g;
  memset(w->x, 0, sizeof w->x);
  for (size_t a = s->nouter, rest = blk; a-- > 0;) {
    w->pos[a] = rest % g->axes[a].n;
    w->x[a] = g->axes[a].v[w->pos[a]];
    rest /= g->axes[a].n;
  }
}

/* The thread's workspace for block blk (w->x holds the block's values);
   DEQ_OK or the failure, noted once per block.  */
static deq_status ws_for(thread_ws *tw, walk *w, size_t blk)
{
  shape *s = w->s;
  const deq_grid_spec *g = s->g;
  if (!(tw->have && tw->block == blk)) {
    if (tw->ws && g->ws_free) g->ws_free(tw->ws, g->ctx);
    tw->ws = NULL;
    tw->block = blk;
    tw->have = 1;
    deq_error_clear(&tw->err);
    tw->st = g->ws_alloc ? g->ws_alloc(&tw->ws, g->ctx, w->x, &tw->err)
                         : DEQ_OK;
    if (tw->st != DEQ_OK) tw->ws = NULL;
  }
  w->ws = tw->ws;
  return tw->st;
}

/* Phase 1 (with tiles): the corners of block blk.  Without tiles: the
   whole block.  */
static void run_block(shape *s, thread_ws *tw, size_t blk)
{
  const deq_grid_spec *g = s->g;
  walk w = { .s = s };
  set_block(&w, blk);
  deq_status st = ws_for(tw, &w, blk);
  if (st != DEQ_OK) {
    s->dead[blk] = 1;
    note_failure(s, blk * s->block_points, st, &tw->err);
    return;
  }
  for (size_t a = s->nouter; a < g->naxes; a++) {
    w.lo[a] = 0;
    w.hi[a] = g->axes[a].n;
    w.step[a] = s->corners ? s->len[a] : 1;
  }
  w.record = s->corners ? s->corners + blk * s->ntiles : NULL;
  solve_rows(&w, s->nouter, NULL, 1);
}

/* Phase 2: tile t of block blk, continued from its corner.  */
static void run_tile(shape *s, thread_ws *tw, size_t blk, size_t t)
{
  const deq_grid_spec *g = s->g;
  if (s->dead[blk]) return;
  walk w = { .s = s };
  set_block(&w, blk);
  deq_status st = ws_for(tw, &w, blk);
  if (st != DEQ_OK) {                /* phase 1 had one: out of memory */
    note_failure(s, blk * s->block_points, st, &tw->err);
    return;
  }
  for (size_t a = g->naxes, rest = t; a-- > s->nouter;) {
    size_t c = rest % s->ntile[a];
    rest /= s->ntile[a];
    w.lo[a] = c * s->len[a];
    w.hi[a] = w.lo[a] + s->len[a] < g->axes[a].n ? w.lo[a] + s->len[a]
                                                  : g->axes[a].n;
    w.step[a] = 1;
  }
  w.done = &s->corners[blk * s->ntiles + t];
  solve_rows(&w, s->nouter, w.done->warm, 1);
}

/* The cut of the grid (s->g set); DEQ_ENOMEM or DEQ_EINVAL.  */
static deq_status shape_init(shape *s)
{
  const deq_grid_spec *g = s->g;
  size_t na = g->naxes, nw = g->warm_axes < na ? g->warm_axes : na;
  if (na > MAX_AXES) return DEQ_EINVAL;
  s->nouter = na - nw;
  s->nblocks = 1;
  s->ntiles = 1;
  s->block_points = 1;
  s->first_fail = s->first_msg = SIZE_MAX;
  for (size_t a = 0; a < na; a++) {
    if (g->axes[a].n == 0) return DEQ_EINVAL;
    if (a < s->nouter) {
      s->nblocks *= g->axes[a].n;
      continue;
    }
    s->block_points *= g->axes[a].n;
    s->len[a] = g->chunk > 0 && g->chunk < g->axes[a].n ? g->chunk
                                                         : g->axes[a].n;
    s->ntile[a] = (g->axes[a].n + s->len[a] - 1) / s->len[a];
    s->ntiles *= s->ntile[a];
  }
  for (size_t a = 0; a < na; a++)
    if (!(s->order[a] = deq_grid_order(g->axes[a].v, g->axes[a].n)))
      return DEQ_ENOMEM;
  s->dead = calloc(s->nblocks, 1);
  if (!s->dead) return DEQ_ENOMEM;
  if (s->ntiles > 1) {
    if (s->nblocks > SIZE_MAX / sizeof *s->corners / s->ntiles)
      return DEQ_ENOMEM;
    s->corners = calloc(s->nblocks * s->ntiles, sizeof *s->corners);
    if (!s->corners) return DEQ_ENOMEM;
  }
  return DEQ_OK;
}

static void shape_free(shape *s)
{
  for (size_t a = 0; a < MAX_AXES; a++) free(s->order[a]);
  free(s->corners);
  free(s->dead);
}

deq_status deq_grid_run(void *points, const deq_grid_spec *g, deq_error *err)
{
  shape *s = calloc(1, sizeof *s);
  if (!s) return DEQ_ENOMEM;
  s->g = g;
  s->points = points;
  deq_status st = shape_init(s);
  if (st != DEQ_OK) {
    shape_free(s);
    free(s);
    return st;
  }
  int nt = deq_mc_threads(g->threads);
  size_t ntasks = s->corners ? s->nblocks * s->ntiles : s->nblocks;
  /* tasks handed out a few at a time when there are many (cheap points
     such as icl's); which thread solves a task changes no number */
  size_t per = ntasks / (64 * (size_t)nt) + 1;
  int grain = per < 4096 ? (int)per : 4096;
  /* Every grid, of one task or many, runs OpenBLAS on one thread (as
     Monte Carlo does) whatever `threads` is: a threaded BLAS would round
     differently with its thread count, so a point's bits would depend on
     the process's BLAS setting and on how many other points the grid
     has; and threads x threads would oversubscribe.  For the same reason
     a model's own parallel regions get the threads only when the grid
     runs on one.  */
  deq_mc_blas_serial();
#pragma omp parallel num_threads(nt) if (nt > 1 && ntasks > 1)
  {
#ifdef _OPENMP
    omp_set_num_threads(omp_get_num_threads() > 1 ? 1 : nt);
#endif
    thread_ws tw = { .have = 0 };
#pragma omp for schedule(dynamic, grain)
    for (size_t b = 0; b < s->nblocks; b++) run_block(s, &tw, b);
    if (s->corners) {
#pragma omp for schedule(dynamic, grain)
      for (size_t t = 0; t < ntasks; t++)
        run_tile(s, &tw, t / s->ntiles, t % s->ntiles);
    }
    if (tw.ws && g->ws_free) g->ws_free(tw.ws, g->ctx);
  }
  deq_mc_blas_restore();
  if (s->first_fail != SIZE_MAX) st = s->fail_status;
  else if (s->diverged) st = DEQ_EDIVERGE;
  if (err && s->first_msg != SIZE_MAX) *err = s->fail_err;
  shape_free(s);
  free(s);
  return st;
}
