/* deq/solve.h -- scalar root finding.
 *
 * deq_solve_newton: safeguarded Newton inside a sign-changing bracket;
 * a step that leaves the bracket, or does not shrink |f| fast enough, is
 * replaced by bisection (geometric bisection when the bracket spans more
 * than a factor 4 of positive values, so that tiny roots are reached in
 * few steps).  deq_solve_brent: Brent's method on a bracket.  Both report
 * iterations and the final residual.  */
#ifndef DEQ_SOLVE_H
#define DEQ_SOLVE_H

#include "deq/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* f and f' at x, computed together.  A non-OK return aborts the solve.  */
typedef deq_status (*deq_fdf)(double x, void *params, double *f, double *df);
typedef double (*deq_func)(double x, void *params);

typedef struct deq_root {
  double x;          /* the root */
  double f;          /* f(x) at the last evaluation */
  double lo, hi;     /* final bracket */
  int iterations;    /* function evaluations */
  deq_status status; /* DEQ_OK or DEQ_ENOCONV */
} deq_root;

/* Root of fdf in [lo, hi] (f(lo) and f(hi) of opposite signs or zero),
   starting from x0 (clamped into [lo, hi]).  Stops when a Newton step is
   at most xtol*|x| + atol (the step is taken: near a simple root the error
   is then of the order of the step squared), when a Newton step no longer
   changes x, or when bisection has shrunk the bracket to a few ulps (plus
   atol).  A bracket that shrinks onto a point where f was found infinite
   at one end (a jump, such as an overflow, not a sign change) is
   DEQ_ENOCONV.  out->f is f at the last evaluation, before the final
   step.  */
deq_status deq_solve_newton(deq_root *out, deq_fdf fdf, void *params,
                            double lo, double hi, double x0,
                            double xtol, double atol, int max_iter);

/* The same when the caller knows the orientation and wants to save the two
   endpoint evaluations: dir = +1 if f(lo) <= 0 <= f(hi), -1 if
   f(lo) >= 0 >= f(hi).  This is the form the model solvers use.  */
deq_status deq_solve_newton_dir(deq_root *out, deq_fdf fdf, void *params,
                                double lo, double hi, double x0, int dir,
                                double xtol, double atol, int max_iter);

/* Brent on [lo, hi] with f(lo) f(hi) <= 0.  */
deq_status deq_solve_brent(deq_root *out, deq_func f, void *params,
                           double lo, double hi, double xtol, double atol,
                           int max_iter);

/* Minimum of f on [a, b] by Brent's method (golden section and parabolic
   interpolation) from x in [a, b]; stops when the bracket around the
   minimum is within 2 (xtol |x| + atol), atol > 0.  out->x is the
   minimiser, out->f the minimum, out->iterations the steps taken (not
   counting the first evaluation).  A minimum at an end of [a, b] is
   returned as found there.  */
deq_status deq_solve_brent_min(deq_root *out, deq_func f, void *params,
                               double a, double b, double x, double xtol,
                               double atol, int max_iter);

#ifdef __cplusplus
}
#endif
#endif
