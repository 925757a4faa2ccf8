/* deq/model.h -- one interface for every model: type objects and the
 * engine that runs them.
 *
 * A model (ridge, random features, correlated samples, ...) is described
 * once by a constant type object, GSL-style: its parameters (name, kind,
 * range, default, normalisation, whether it takes a grid), its output
 * columns (one stable name and meaning each), its solve at one point, how
 * grids are continued, and its Monte Carlo counterpart.  The engine below
 * turns a type object into grids with warm starts, statuses and Monte
 * Carlo tables; the command line (deq MODEL, deq mc MODEL) and the
 * bindings iterate the same descriptors instead of wrapping each model by
 * hand.  deq_model_types() lists them all.
 *
 * Values.  Every parameter has a slot in two arrays of the model's
 * nparam entries: x[i] (a double: real values, counts, the index of a
 * choice, 0/1 for a flag) and obj[i] (a borrowed object for the object
 * kinds: a deq_spectrum, a deq_corr_model, a list; NULL if not given).  Grid parameters take, at each point, one value of their grid.
 *
 * Thread safety: the type objects are constant; deq_model_grid and
 * deq_model_mc are safe on distinct outputs and workspaces, and run
 * their points on several threads themselves with results that do not
 * depend on the thread count.  */
#ifndef DEQ_MODEL_H
#define DEQ_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "deq/status.h"
#include "deq/mc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum deq_param_kind {
  DEQ_PARAM_REAL = 0,     /* a real number */
  DEQ_PARAM_COUNT = 1,    /* a size (samples, features, steps): integral
                             wherever a matrix must be sampled */
  DEQ_PARAM_CHOICE = 2,   /* one word of `choices`; x = its index */
  DEQ_PARAM_FLAG = 3,     /* present or not; x = 1 or 0 */
  DEQ_PARAM_SPECTRUM = 4, /* obj: const deq_spectrum * (with target powers) */
  DEQ_PARAM_CORR = 5,     /* obj: const deq_corr_model * */
  DEQ_PARAM_LIST = 6,     /* obj: const deq_model_list * (numbers) */
  DEQ_PARAM_SPECTRA = 7,  /* obj: const deq_model_spectra * (a spectrum per
                             item, NULL for the identity) */
  DEQ_PARAM_TEXT = 8,     /* obj: const char * (a text the model parses
                             itself, e.g. "cosine:horizon=1000", or a file
                             name); NULL if not given */
  DEQ_PARAM_VIEWS = 9,    /* obj: const deq_views * (deq/ensemble_views.h):
                             ensemble members, read from a member file */
  DEQ_PARAM_TABLE = 10    /* obj: const deq_table * (deq/io.h): a table
                             with a header, read from a file */
} deq_param_kind;

typedef struct deq_model_list {
  const double *v;
  size_t n;
} deq_model_list;

typedef struct deq_model_spectra {
  const struct deq_spectrum *const *sp;
  size_t n;
} deq_model_spectra;

/* Parameter flags.  */
enum {
  DEQ_PARAM_GRID = 1u,      /* takes a grid of values (an axis) */
  DEQ_PARAM_REQUIRED = 2u,  /* must be given */
  DEQ_PARAM_INF = 4u,       /* +Inf is a valid value */
  DEQ_PARAM_OPEN_MIN = 8u,  /* the minimum itself is excluded */
  DEQ_PARAM_SHARED = 16u,   /* Monte Carlo: one sample serves every value
                               of this axis (the ridge lambda) */
  DEQ_PARAM_INTEGER = 32u,  /* an integer even in theory (a matrix
                               dimension); DEQ_PARAM_COUNT alone is an
                               integer only where a matrix is sampled */
  DEQ_PARAM_MC_ONLY = 64u,  /* a Monte Carlo setting (the simulated
                               dimension): deq mc only, ignored by the
                               theory */
  DEQ_PARAM_ORDERED = 128u, /* DEQ_PARAM_SPECTRUM: atoms keep the order
                               given (not merged and sorted), so that
                               direction j of two spectra can be paired */
  DEQ_PARAM_REALS = 256u,   /* DEQ_PARAM_LIST of arbitrary finite reals
                               (weights), not sizes: neither forced
                               positive nor integral; also file:PATH */
  DEQ_PARAM_INCREASING = 512u /* a grid that must be strictly increasing
                               (steps, times: the recursion or the
                               simulation walks them in order) */
};

typedef struct deq_param {
  const char *name;         /* stable name: option --NAME, Python keyword */
  deq_param_kind kind;
  unsigned flags;           /* DEQ_PARAM_* */
  double def;               /* default value (numeric kinds) */
  double min, max;          /* valid range (numeric kinds) */
  const char *const *choices; /* DEQ_PARAM_CHOICE: NULL-terminated words */
  const char *meta;         /* the value's placeholder in help: "GRID", "S2" */
  const char *help;         /* meaning, normalisation included */
  const char *column;       /* the output column that holds this
                               parameter's value when it is not named
                               `name` ("K" for "members"), or NULL */
} deq_param;

typedef struct deq_column {
  const char *name;         /* stable column name (the manual's glossary) */
  const char *help;
} deq_column;

/* A Monte Carlo quantity: its estimate is printed as NAME_mc, NAME_se and
   NAME_z, the z-score against the theory column `theory`.  */
typedef struct deq_mc_quantity {
  const char *name;
  const char *theory;
} deq_mc_quantity;

/* Solve at one point.  x/obj: the values (grid parameters at this point);
   ws: the workspace from ws_alloc (or NULL); warm: a solved neighbouring
   point or NULL.  Writes the model's point struct (point_size bytes)
   including its status; returns that status.  err (never NULL) may get a
   message for a failure that the status alone does not explain.  */
typedef deq_status (*deq_model_solve_fn)(void *point, void *ws,
                                         const double *x,
                                         const void *const *obj,
                                         const void *warm, deq_error *err);

typedef struct deq_model_type {
  const char *name;          /* "ridge" */
  const char *summary;       /* one line */
  const char *reference;     /* the paper or manual section, or NULL */
  const deq_param *params;
  size_t nparam;
  const deq_column *columns;
  size_t ncolumn;
  size_t point_size;         /* bytes of one solved point */
  size_t status_offset;      /* offsetof its deq_status field */
  /* Grid axes are the DEQ_PARAM_GRID parameters, outermost first in
     params order.  The innermost `warm_axes` axes are continuation axes:
     each is solved in increasing order, every point warm-started from the
     previous one; the first point of a row from the first point of the
     previous row.  Axes further out start afresh.  */
  size_t warm_axes;
  /* Checks that need several parameters (message in err); may be NULL. */
  deq_status (*validate)(const double *x, const void *const *obj,
                         const unsigned char *given, deq_error *err);
  /* Per-run workspace (e.g. a K spectrum cached per P); may be NULL.  */
  deq_status (*ws_alloc)(void **ws, const double *x, const void *const *obj,
                         deq_error *err);
  void (*ws_free)(void *ws);
  deq_model_solve_fn solve;
  /* The columns of a solved point: row[ncolumn].  */
  void (*row)(double *row, const void *point);
  const char *plot_y;        /* the column drawn against the first axis */
  /* The MPFR twin (NULL: none): the point at x computed with prec bits
     (deq/mp.h), in the same point struct, so that any result can be
     certified column by column.  DEQ_EUNSUP where the twin does not
     cover a mode (e.g. the optimal ridge).  */
  deq_status (*mp)(void *point, const double *x, const void *const *obj,
                   long prec);
  /* ---- Monte Carlo (mc == NULL: none) */
  const deq_mc_quantity *mc_quantities;
  size_t nmc;
  const char *const *mc_columns; /* theory columns printed by deq mc */
  size_t nmc_column;
  /* One outer point (x holds its values; the DEQ_PARAM_SHARED axis takes
     the values shared[0..nshared-1]): est[j*nmc + q] for shared value j
     and quantity q.  points: the solved theory points of those values. */
  deq_status (*mc)(deq_mc_estimate *est, void *ws, const double *x,
                   const void *const *obj, const double *shared,
                   size_t nshared, const void *points, size_t trials,
                   uint64_t seed, int threads, deq_error *err);
  /* ---- generated axes (NULL: none).  For a grid parameter `param` that
     the caller was not given values for, the values that other
     parameters imply (e.g. the divisors of --no-free-lunch TOTAL for the
     ensemble's members): writes at most cap of them to v (v may be NULL
     when cap = 0) and returns how many there are; 0: none (the default
     value applies).  Callers that build grids (the command line) ask
     this before falling back to the default.  */
  size_t (*axis)(double *v, size_t cap, size_t param, const double *x,
                 const void *const *obj, const unsigned char *given);
  /* ---- presentation (appended; NULL: the defaults) */
  const char *plot_x;        /* the parameter on x (NULL: the axis just
                                outside the innermost one) */
  const char *divergence;    /* what a DEQ_EDIVERGE point is, on stderr
                                (NULL: "interpolation peak") */
  /* ---- parallel grids (appended; 0: the default) */
  size_t warm_chunk;         /* > 0: the continuation axes may be cut into
                                chunks of this many values, so that one
                                long row runs on several threads (see
                                deq_model_grid_threads); the solve must
                                then depend on its workspace only through
                                caches that the values determine.  0:
                                every block of outer-axis values is solved
                                whole, on one thread with one workspace
                                (e.g. SGD, whose workspace carries the
                                trajectory from step to step).  */
} deq_model_type;

/* Every model type, NULL-terminated; and one by name (NULL if none).  */
const deq_model_type *const *deq_model_types(void);
const deq_model_type *deq_model_find(const char *name);
/* Index of a parameter / column by name, or -1.  */
int deq_model_param(const deq_model_type *t, const char *name);
int deq_model_column(const deq_model_type *t, const char *name);

/* A grid: one axis per DEQ_PARAM_GRID parameter, outermost first.  */
typedef struct deq_model_axis {
  const double *v;
  size_t n;
} deq_model_axis;

/* Number of points of a grid (0 on overflow).  */
size_t deq_model_npoints(const deq_model_type *t, const deq_model_axis *axes);

/* Solve every point of the grid into points (npoints * point_size bytes,
   row-major over the axes in params order, each axis in the caller's
   order); x/obj give the non-grid values (the grid slots are ignored).
   Continuation as described at warm_axes.  Returns DEQ_OK, DEQ_EDIVERGE
   if some point diverged, or the first failure (a failure beats a
   divergence); every point carries its own status.  err (may be NULL)
   gets the message of the first failure that has one.  */
deq_status deq_model_grid(void *points, const deq_model_type *t,
                          const double *x, const void *const *obj,
                          const deq_model_axis *axes, deq_error *err);

/* The same on `threads` threads (OpenMP; threads <= 0: OpenMP's default,
   one per core unless OMP_NUM_THREADS says otherwise, which is what
   deq_model_grid uses).  The points are bitwise identical for any thread
   count: the outer axes' values make independent blocks, and with
   t->warm_chunk = n > 0 the continuation axes are cut, by the grid
   alone, into tiles of n values per axis (in increasing order): the
   tiles' first points are continued from one another (each from the
   previous tile's first point), then every tile from its first point as
   a whole grid is, in parallel.  A grid with at most n values per
   continuation axis is therefore continued exactly as described at
   warm_axes; a longer one differs from that in the last bits at most.
   A model's own parallel regions run on one thread while the grid runs
   on several.  OpenBLAS runs on one thread during every grid call (one
   point included; the previous count is restored on return).  */
deq_status deq_model_grid_threads(void *points, const deq_model_type *t,
                                  const double *x, const void *const *obj,
                                  const deq_model_axis *axes, int threads,
                                  deq_error *err);

/* The status of the k-th solved point.  */
deq_status deq_model_point_status(const deq_model_type *t, const void *points,
                                  size_t k);

/* Monte Carlo over the same grid: est[k*nmc + q] for point k (row-major as
   above) and quantity q.  The points must have been solved by
   deq_model_grid.  Outer point i (all axes but the shared one, row-major)
   uses the seed deq_model_mc_seed(seed, i): results are bitwise identical
   for any thread count.  On failure *failed (may be NULL) is the first
   point of the first failing outer point, and err (may be NULL) may get
   a message.  */
deq_status deq_model_mc(deq_mc_estimate *est, size_t *failed,
                        const deq_model_type *t, const double *x,
                        const void *const *obj, const deq_model_axis *axes,
                        const void *points, size_t trials, uint64_t seed,
                        int threads, deq_error *err);

/* Certify solved points against the MPFR twin (t->mp, prec bits):
   *maxrel is the largest relative difference |a - b|/max(|a|, |b|) over
   every column of every point (equal values, infinities included, count
   0; a NaN against a number counts +Inf), *worst_point and *worst_column
   where it occurs (may be NULL).  Points that did not solve, and points
   the twin does not cover (it returns DEQ_EUNSUP, e.g. lambda = 0), are
   skipped; *ncertified (may be NULL) counts the others.  DEQ_EUNSUP if
   the type has no twin or no point was covered.  */
deq_status deq_model_certify(double *maxrel, size_t *ncertified,
                             size_t *worst_point,
                             size_t *worst_column, const deq_model_type *t,
                             const double *x, const void *const *obj,
                             const deq_model_axis *axes, const void *points,
                             long prec);

/* Whether value x of parameter i is in its declared range (min, max,
   DEQ_PARAM_OPEN_MIN, DEQ_PARAM_INF; an integer for DEQ_PARAM_INTEGER,
   and for DEQ_PARAM_COUNT when `sampled`, i.e. for Monte Carlo; +Inf
   stays valid for an integer parameter with DEQ_PARAM_INF): DEQ_OK,
   or DEQ_EDOM with "NAME: value X must be ..." in err (may be NULL).
   Kinds other than REAL and COUNT always pass, and so does the default
   of an optional parameter (its "not given": a NaN for an unused axis,
   or a value outside the range such as corr's horizon 0).  */
deq_status deq_model_check_value(const deq_model_type *t, size_t i, double x,
                                 int sampled, deq_error *err);
/* The same for every non-grid value x[i] and every axis value, and the
   order of a DEQ_PARAM_INCREASING axis ("NAME: values must be strictly
   increasing ..."); deq_model_grid (sampled = 0) and deq_model_mc
   (sampled = 1) call it first.  */
deq_status deq_model_check(const deq_model_type *t, const double *x,
                           const deq_model_axis *axes, int sampled,
                           deq_error *err);

/* The seed of outer point i: seed + i 2^32.  */
uint64_t deq_model_mc_seed(uint64_t seed, size_t i);

/* The model types (also in deq_model_types()).  */
extern const deq_model_type deq_model_ridge;
extern const deq_model_type deq_model_rf;
extern const deq_model_type deq_model_corr;
extern const deq_model_type deq_model_ensemble;
extern const deq_model_type deq_model_subsample;
extern const deq_model_type deq_model_twopoint;
extern const deq_model_type deq_model_icl;
extern const deq_model_type deq_model_cot;
extern const deq_model_type deq_model_icl_depth;
extern const deq_model_type deq_model_sgd;
extern const deq_model_type deq_model_flow;
extern const deq_model_type deq_model_gd;
extern const deq_model_type deq_model_msgd;
extern const deq_model_type deq_model_frontier;

#ifdef __cplusplus
}
#endif
#endif
