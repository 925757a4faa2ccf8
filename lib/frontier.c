/* frontier.c -- the compute-optimal frontier of the gradient-flow model
 * (scaling_dynamics 2.4) at P = infinity: for compute C = k N t, minimise
 * L(C/(k N), N) over N, one Brent minimisation in u = log N per C.
 * The loss is the single integral (2.4) (deq_flow_loss_single): the
 * double contour is not needed at P = infinity and costs ~M times more.  */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include "deq/fit.h"
#include "deq/solve.h"

#define SCAN_STEP 0.5     /* in log N: 4.3 points per decade */
#define U_ATOL 1e-5       /* N* to ~1e-5 relative; L* is flat there */
#define BRENT_MAXIT 200

typedef struct along {
  const deq_spectrum *sp;
  const deq_flow_opts *opt;
  double logCk;           /* log(C/k) */
  int evaluations;
  deq_status status;      /* first failure of the loss */
} along;

/* L(t, N) on the constraint, u = log N.  */
static double loss_at(double u, void *ctx)
{
  along *a = ctx;
  double N = exp(u), t = exp(a->logCk - u), L;
  a->evaluations++;
  deq_status st = deq_flow_loss_single(&L, a->sp, N, &t, 1, a->opt);
  if (st) {
    if (!a->status) a->status = st;
    return HUGE_VAL;
  }
  return L;
}

/* A bracket [lo, hi] with an interior point mid lower than both ends, or
   an end of [umin, umax] that is lowest.  Cold: scan the range.  Warm:
   grow from u0 by steps that double.  Returns mid (and its value).  */
static double bracket(double *lo, double *hi, double *fmid, along *a,
                      double umin, double umax, double u0)
{
  if (isnan(u0)) {
    int n = (int)ceil((umax - umin) / SCAN_STEP);
    if (n < 2) n = 2;
    double h = (umax - umin) / n, best = HUGE_VAL;
    int k = 0;
    for (int i = 0; i <= n; i++) {
      double f = loss_at(umin + i * h, a);
      if (f < best) { best = f; k = i; }
    }
    *lo = umin + (k > 0 ? k - 1 : 0) * h;
    *hi = umin + (k < n ? k + 1 : n) * h;
    *fmid = best;
    return umin + k * h;
  }
  double mid = fmin(fmax(u0, umin), umax), fm = loss_at(mid, a), h = SCAN_STEP;
  double l = fmax(mid - h, umin), fl = l < mid ? loss_at(l, a) : HUGE_VAL;
  double r = mid, fr = fm;
  if (fl < fm) {               /* downhill to the left */
    for (;;) {
      r = mid; fr = fm;
      mid = l; fm = fl;
      if (mid <= umin) { l = umin; break; }
      h *= 2;
      l = fmax(mid - h, umin);
      fl = loss_at(l, a);
      if (!(fl < fm)) break;
    }
  } else {                     /* otherwise downhill (or flat) to the right */
    r = fmin(mid + h, umax);
    fr = r > mid ? loss_at(r, a) : HUGE_VAL;
    while (fr < fm) {
      l = mid; fl = fm;
      mid = r; fm = fr;
      if (mid >= umax) { r = umax; break; }
      h *= 2;
      r = fmin(mid + h, umax);
      fr = loss_at(r, a);
    }
  }
  (void)fr;
  *lo = l;
  *hi = r;
  *fmid = fm;
  return mid;
}

deq_status deq_frontier_flow(deq_frontier_point *out, const deq_spectrum *sp,
                             double C, double k, double N_guess,
                             const deq_flow_opts *opt)
{
  if (!out) return DEQ_EINVAL;
  out->C = C;
  out->N = out->t = out->E_g = NAN;
  out->evaluations = 0;
  if (!sp) return out->status = DEQ_EINVAL;
  if (!(k > 0) || !isfinite(k) || !(C > 0) || !isfinite(C) || C / k < 1
      || !(N_guess > 0 || isnan(N_guess)))
    return out->status = DEQ_EDOM;
  along a = { sp, opt, log(C / k), 0, DEQ_OK };
  double umin = 0, umax = a.logCk;  /* N >= 1, t >= 1 */
  double lo, hi, fmid;
  double u = bracket(&lo, &hi, &fmid, &a, umin, umax,
                     isnan(N_guess) ? NAN : log(N_guess));
  deq_status st = a.status;
  if (!st && hi > lo) {
    deq_root r;
    deq_solve_brent_min(&r, loss_at, &a, lo, hi, u, 0, U_ATOL, BRENT_MAXIT);
    st = a.status;
    if (r.f <= fmid) { u = r.x; fmid = r.f; }
  }
  out->evaluations = a.evaluations;
  if (st) return out->status = st;
  out->N = exp(u);
  out->t = exp(a.logCk - u);
  out->E_g = fmid;
  /* A minimum on the edge of 1 <= N <= C/k is not the frontier.  */
  int edge = u - umin < 10 * U_ATOL || umax - u < 10 * U_ATOL;
  return out->status = edge ? DEQ_ENOCONV : DEQ_OK;
}
