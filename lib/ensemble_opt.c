/* lib/ensemble_opt.c -- the optimal ridge of a random-feature ensemble and
 * the no-free-lunch curve (deq/ensemble.h).
 *
 * E_ens(lambda) has no convenient analytic slope (it mixes the member's
 * and the cross term's fixed points), so the minimum is found by a scan
 * in log lambda with warm starts, every local minimum of the scan refined
 * by Brent, and the boundary lambda = 0 compared explicitly.  */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "deq/ensemble.h"
#include "deq/solve.h"
#include "ensemble_impl.h"

typedef struct opt_ctx {
  const deq_spectrum *sp;
  double K, M, P, noise;
  deq_ensemble_rf_point last;  /* the last evaluation: the next warm start */
  int have_last;
  int passes;
  deq_status failure;          /* the first solver failure, or DEQ_OK */
} opt_ctx;

/* E_ens at lambda = e^u; +Inf for a divergence or a failure (recorded).  */
static double ens_at(double u, void *params)
{
  opt_ctx *o = params;
  deq_ensemble_rf_point pt;
  deq_status st = deq_ensemble_rf_solve(&pt, o->sp, o->K, o->M, o->P, exp(u),
                                        o->noise, o->have_last ? &o->last
                                                               : NULL);
  o->passes += pt.iterations;
  if (st != DEQ_OK && st != DEQ_EDIVERGE) {
    if (o->failure == DEQ_OK) o->failure = st;
    return INFINITY;
  }
  if (st == DEQ_OK) {
    o->last = pt;
    o->have_last = 1;
  }
  return isnan(pt.E_ens) ? INFINITY : pt.E_ens;
}

/* Refine a minimum bracketed by [a, b] around x; keep the lowest.  */
static void refine(double *best_u, double *best_E, opt_ctx *o, double a,
                   double b, double x)
{
  deq_root r;
  deq_status st = deq_solve_brent_min(&r, ens_at, o, a, b, x, 1e-10, 1e-10,
                                      200);
  if (st == DEQ_OK && r.f < *best_E) {
    *best_E = r.f;
    *best_u = r.x;
  }
}

/* The infimum at lambda -> infinity (E_ens decreasing to the end of the
   double range): the null predictor w = 0, E = signal.  */
static deq_status null_predictor(deq_ensemble_rf_point *out, const opt_ctx *o)
{
  deq_ensemble_rf_set_inputs(out, o->K, o->M, o->P, INFINITY, o->noise);
  out->kappa2 = out->kappa_f = INFINITY;
  out->df = out->gamma = out->gamma_c = 0;
  out->E_diag = out->E_cross = out->E_ens = o->sp->signal;
  out->E_test = o->sp->signal + o->noise;
  out->iterations = o->passes;
  out->member.status = DEQ_OK;
  out->status = DEQ_OK;
  return DEQ_OK;
}

deq_status deq_ensemble_rf_optimal(deq_ensemble_rf_point *out,
                                   const deq_spectrum *sp, double K, double M,
                                   double P, double noise)
{
  if (!out) return DEQ_EINVAL;
  deq_ensemble_rf_set_inputs(out, K, M, P, 0, noise);
  deq_status st = deq_ensemble_rf_check(sp, K, M, P, noise);
  if (st != DEQ_OK) return out->status = st;
  opt_ctx o = { .sp = sp, .K = K, .M = M, .P = P, .noise = noise };
  /* The boundary: a candidate when E_ens(0) is finite (a noiseless peak
     keeps its DEQ_EDIVERGE status with a finite limit).  */
  deq_ensemble_rf_point at0;
  deq_status st0 = deq_ensemble_rf_solve(&at0, sp, K, M, P, 0, noise, NULL);
  if (st0 != DEQ_OK && st0 != DEQ_EDIVERGE) return out->status = st0;
  o.passes = at0.iterations;
  double E0 = isfinite(at0.E_ens) ? at0.E_ens : INFINITY;
  if (sp->signal == 0 && noise > 0) return null_predictor(out, &o);
  double smax = 0;
  for (size_t i = 0; i < sp->n; i++) smax = fmax(smax, sp->s[i]);
  enum { NSCAN = 96 };
  double ulo = log(1e-10 * smax);
  double uhi = log(1e4 * (smax + sp->trace / P + noise));
  if (!isfinite(uhi)) uhi = log(DBL_MAX);
  double u[NSCAN], E[NSCAN];
  for (int j = 0; j < NSCAN; j++) {
    u[j] = ulo + (uhi - ulo) * j / (NSCAN - 1);
    E[j] = ens_at(u[j], &o);
  }
  if (o.failure != DEQ_OK) return out->status = o.failure;
  double best_u = NAN, best_E = INFINITY;
  int boundary = 0;
  /* The lowest scanned ridge is a minimum: the boundary if E_ens(0) is no
     higher (to rounding), else a minimum further down.  */
  if (E[0] <= E[1]) {
    if (E0 <= E[0] * (1 + 1e-12))
      boundary = 1;
    else
      refine(&best_u, &best_E, &o, ulo - log(1e20), u[1], ulo);
  }
  for (int j = 1; j + 1 < NSCAN; j++)
    if (E[j] < E[j - 1] && E[j] <= E[j + 1] && isfinite(E[j]))
      refine(&best_u, &best_E, &o, u[j - 1], u[j + 1], u[j]);
  /* Still decreasing at the top of the scan: go on in steps of 1e3.  */
  if (E[NSCAN - 1] < E[NSCAN - 2]) {
    const double step = log(1e3), umax = log(DBL_MAX) - step;
    double pu = u[NSCAN - 2], cu = u[NSCAN - 1], cE = E[NSCAN - 1];
    for (;;) {
      if (cu >= umax) return null_predictor(out, &o);
      double nu = cu + step, nE = ens_at(nu, &o);
      if (nE >= cE) {
        refine(&best_u, &best_E, &o, pu, nu, cu);
        break;
      }
      pu = cu;
      cu = nu;
      cE = nE;
    }
  }
  if (o.failure != DEQ_OK) return out->status = o.failure;
  if (boundary && !(best_E < E0)) {
    *out = at0;
  } else if (isfinite(best_E)) {
    st = deq_ensemble_rf_solve(out, sp, K, M, P, exp(best_u), noise, NULL);
    if (st != DEQ_OK && st != DEQ_EDIVERGE) return st;
  } else if (isfinite(E0)) {
    *out = at0;
    boundary = 1;
  } else {
    return out->status = DEQ_ENOCONV;
  }
  out->at_boundary = boundary && out->lambda == 0;
  out->iterations = o.passes;
  return out->status;
}

/* ------------------------------------------------------------ no free lunch */

size_t deq_ensemble_divisors(double *K, size_t cap, double T)
{
  if (!(T >= 1) || T != floor(T) || T > 9007199254740992.0) return 0;
  uint64_t t = (uint64_t)T, n = 0, hi = 0;
  /* small divisors ascending; their cofactors fill the top descending */
  for (uint64_t d = 1; d <= t / d; d++)
    if (t % d == 0) n += (d == t / d) ? 1 : 2;
  for (uint64_t d = 1, lo = 0; d <= t / d; d++) {
    if (t % d) continue;
    if (K && lo < cap) K[lo] = (double)d;
    lo++;
    if (d != t / d) {
      size_t at = (size_t)(n - 1 - hi);
      if (K && at < cap) K[at] = (double)(t / d);
      hi++;
    }
  }
  return (size_t)n;
}

deq_status deq_ensemble_rf_no_free_lunch(deq_ensemble_rf_point *out,
                                         size_t nout, const deq_spectrum *sp,
                                         double T, double P, double noise)
{
  if (!out || !sp) return DEQ_EINVAL;
  size_t n = deq_ensemble_divisors(NULL, 0, T);
  if (n == 0) return DEQ_EDOM;
  if (nout < n) return DEQ_EINVAL;
  double *K = malloc(n * sizeof *K);
  if (!K) return DEQ_ENOMEM;
  deq_ensemble_divisors(K, n, T);
  deq_status ret = DEQ_OK;
  for (size_t i = 0; i < n; i++) {
    double Ki = K[i];
    deq_status st = deq_ensemble_rf_optimal(&out[i], sp, Ki, T / Ki, P,
                                            noise);
    if (st == DEQ_EDIVERGE && ret == DEQ_OK) ret = st;
    else if (st != DEQ_OK && st != DEQ_EDIVERGE
             && (ret == DEQ_OK || ret == DEQ_EDIVERGE))
      ret = st;
  }
  free(K);
  return ret;
}
