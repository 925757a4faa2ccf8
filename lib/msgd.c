/* lib/msgd.c -- multi-pass SGD on P fixed samples (deq/msgd.h): the plan
 * that solves the training-error Volterra equation once per (P, eta, B,
 * sigma^2) and reads test and training risks off it at any step.
 *
 * L (training error) solves L = L^GD + c K_L * L (c = eta^2/B) by the
 * blocked FFT solver of lib/volterra.c, extended when a later step is
 * asked for; the test risk R_t = R_t^GD + c sum_{s<t} K_R(t-1-s) L_s is
 * one O(t) sum per reported step, with R_t^GD from full-batch GD's
 * contour plan (deq_gd_plan) or, at P = +Inf, the atom sum
 * sum_i v_i (1 - eta s_i)^(2t).  */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deq/dynamics.h"
#include "deq/msgd.h"
#include "msgd_impl.h"

#define MSGD_MAX_STEP 1e7

struct deq_msgd_plan {
  const deq_spectrum *sp;
  double P, noise, eta, batch, c;
  msgd_contour con;
  deq_gd_plan *gd;          /* NULL at P = +Inf */
  size_t cap;               /* steps 0..cap-1 solved */
  double *K_L, *K_R, *sig, *tr, *F, *L;
};

void deq_msgd_plan_free(deq_msgd_plan *p)
{
  if (!p) return;
  deq_msgd_contour_free(&p->con);
  deq_gd_plan_free(p->gd);
  free(p->K_L), free(p->K_R), free(p->sig), free(p->tr), free(p->F);
  free(p->L);
  free(p);
}

deq_status deq_msgd_plan_alloc(deq_msgd_plan **out, const deq_spectrum *sp,
                               double P, double noise, double eta,
                               double batch, deq_error *err)
{
  if (!out || !sp) return DEQ_EINVAL;
  *out = NULL;
  if (!(P > 0) || isnan(P) || !(noise >= 0) || !isfinite(noise)
      || !(batch > 0) || !isfinite(batch)) {
    deq_msgd_set_err(err, "need P > 0 (got %g), a finite noise >= 0 (got "
                     "%g) and a finite batch > 0 (got %g)", P, noise, batch);
    return DEQ_EDOM;
  }
  deq_status st = deq_msgd_check_eta(sp, P, eta, batch, err);
  if (st != DEQ_OK) return st;
  deq_msgd_plan *p = calloc(1, sizeof *p);
  if (!p) return DEQ_ENOMEM;
  *p = (deq_msgd_plan){ .sp = sp, .P = P, .noise = noise, .eta = eta,
                        .batch = batch, .c = eta * eta / batch };
  st = deq_msgd_contour_build(&p->con, sp, P, eta, err);
  if (st == DEQ_OK && isfinite(P))
    st = deq_gd_plan_alloc(&p->gd, sp, P, eta, err);
  if (st != DEQ_OK) {
    deq_msgd_plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

/* Solve steps 0..want-1 (want > cap): the new kernel and forcing
   entries, then the Volterra continuation.  */
static deq_status grow(deq_msgd_plan *p, size_t want)
{
  size_t cap = p->cap, n = 2 * cap;
  if (n < want) n = want;
  if (n < 64) n = 64;
  double **arr[] = { &p->K_L, &p->K_R, &p->sig, &p->tr, &p->F, &p->L };
  for (size_t a = 0; a < sizeof arr / sizeof arr[0]; a++) {
    double *q = realloc(*arr[a], n * sizeof *q);
    if (!q) return DEQ_ENOMEM;
    *arr[a] = q;
  }
  size_t m = n - cap;
  deq_status st = deq_msgd_series(p->K_L + cap, p->K_R + cap, p->sig + cap,
                                  p->tr + cap, &p->con, p->sp, cap, m);
  if (st != DEQ_OK) return st;
  /* The noise part of L^GD is (sigma^2/P) tr_P[(1 - eta XX'/P)^(2t)]
     = sigma^2 ((1 - N/P)_+ + tr'/P), tr' the trace over the nonzero
     sample spectrum (the series' trace): no cancellation for P < N,
     where L^GD -> 0.  */
  double floor_noise = isinf(p->P) ? p->noise
                       : p->noise * fmax(0, 1 - p->sp->dim / p->P);
  for (size_t t = cap; t < n; t++) {
    p->F[t] = p->sig[t] + floor_noise;
    if (isfinite(p->P) && p->noise > 0) p->F[t] += p->noise * p->tr[t] / p->P;
  }
  st = deq_volterra_extend(p->L, p->F, p->K_L, p->c, 0, cap, n);
  if (st != DEQ_OK && st != DEQ_EDIVERGE) return st;
  p->cap = n;
  return DEQ_OK;
}

deq_status deq_msgd_plan_eval(deq_msgd_point *out, deq_msgd_plan *p,
                              double t, deq_error *err)
{
  if (!out || !p) return DEQ_EINVAL;
  if (!(t >= 0 && t <= MSGD_MAX_STEP && t == floor(t))) {
    deq_msgd_set_err(err, "step t = %g must be an integer in [0, %g]", t,
                     MSGD_MAX_STEP);
    return DEQ_EDOM;
  }
  size_t ti = (size_t) t;
  deq_status st = DEQ_OK;
  if (ti + 1 > p->cap) st = grow(p, ti + 1);
  if (st != DEQ_OK) return st;
  double gd_risk;
  if (p->gd) {
    deq_gd_point g;
    st = deq_gd_plan_eval(&g, p->gd, p->noise, t, err);
    if (st != DEQ_OK && st != DEQ_EDIVERGE) return st;
    gd_risk = g.E_g;
  } else {
    gd_risk = p->sig[ti];
  }
  double sum = 0;
  for (size_t s = 0; s < ti; s++) sum += p->K_R[ti - 1 - s] * p->L[s];
  out->step = t;
  out->epoch = isinf(p->P) ? 0 : t * p->batch / p->P;
  out->E_g_gd = gd_risk;
  out->E_tr_gd = p->F[ti];
  out->E_g = gd_risk + p->c * sum;
  out->E_test = out->E_g + p->noise;
  out->E_tr = p->L[ti];
  out->status = isfinite(out->E_g) && isfinite(out->E_tr) ? DEQ_OK
                                                           : DEQ_EDIVERGE;
  return out->status;
}

deq_status deq_msgd_run(deq_msgd_point *out, const deq_spectrum *sp,
                        double P, double noise, double eta, double batch,
                        const double *T, size_t n, deq_error *err)
{
  if (!out || (n && !T)) return DEQ_EINVAL;
  deq_msgd_plan *p = NULL;
  deq_status st = deq_msgd_plan_alloc(&p, sp, P, noise, eta, batch, err);
  if (st != DEQ_OK) return st;
  /* Grow once to the largest step.  */
  double tmax = 0;
  for (size_t i = 0; i < n; i++)
    if (T[i] > tmax && T[i] <= MSGD_MAX_STEP) tmax = T[i];
  if (n && tmax + 1 > (double) p->cap) st = grow(p, (size_t) tmax + 1);
  deq_status worst = st;
  for (size_t i = 0; st == DEQ_OK && i < n; i++) {
    deq_status s = deq_msgd_plan_eval(&out[i], p, T[i], err);
    if (s != DEQ_OK && s != DEQ_EDIVERGE) {
      worst = s;
      break;
    }
    if (s != DEQ_OK) worst = s;
  }
  deq_msgd_plan_free(p);
  return worst;
}
