/* lib/sgd.c -- the exact expected-risk recursion of one-pass SGD
 * (deq/dynamics.h, scaling_dynamics 3.1), its stability bound, and the
 * kernels of its Volterra form.
 *
 * Two ways to the same numbers:
 *   recursion  O(n_atoms) per step for any schedule and average: the
 *              state carries every atom's part of the risk forward, so a
 *              trajectory reported at many steps costs only the steps
 *              since the previous report;
 *   Volterra   constant eta and B, no average: F and K in O(T n_atoms)
 *              (independent in t, so parallel and cache-blocked), then
 *              the causal convolution by FFT in O(T log^2 T)
 *              (volterra.c).  The trajectory is extended by doubling.
 *
 * Both run on the state's atoms: the spectrum's own, or (spectra of at
 * least DEQ_RULE_MIN_ATOMS atoms without forced exact sums) the
 * "pseudo-spectrum" of sgd_rule.c, Gauss nodes for the bins that its
 * bound admits over the horizon and atoms elsewhere.  */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/dynamics.h"
#include "deq/spectrum_rule.h"
#include "sgd_impl.h"
#include "spectrum_rule_impl.h"
#include "sum_impl.h"

struct deq_sgd_state {
  const deq_spectrum *sp;   /* the atoms summed: orig or pseudo */
  const deq_spectrum *orig; /* the spectrum (stability checks) */
  deq_spectrum *pseudo;     /* owned: compressed atoms (sgd_rule.c) */
  int compress;             /* DEQ_SGD_RULE_*; sub-states: exact */
  double horizon;           /* steps the atoms are valid for */
  size_t exact_atoms;       /* atoms of orig summed as they are */
  const deq_sgd_schedule *sched;
  deq_sgd_average avg;      /* running average (tail fraction: in `tail`) */
  double noise, m4;
  size_t n;
  double t, samples, R, Rbar;
  double *u, *M, *Q;        /* per atom: risk part, averaged parts */
  double *w;                /* per atom: m s^2 */
  double start;             /* window start of a uniform average */
  int check;
  double bound_B, bound;    /* cached deq_sgd_lr_bound at bound_B */
  deq_status status;        /* DEQ_EDIVERGE once the risk overflowed */
  deq_sgd_state *tail;      /* tail fraction: a runner with a moving start */
  deq_sgd_state *lag;       /* tail fraction: the iterate at the start */
  int volterra;
  double *Rv;               /* Volterra path: R_0 .. R_{nv-1} */
  size_t nv;
};

static void state_zero(deq_sgd_state *st)
{
  st->t = st->samples = 0;
  st->status = DEQ_OK;
  deq_sum acc;
  deq_sum_init(&acc);
  for (size_t i = 0; i < st->n; i++) {
    if (st->u) st->u[i] = st->M[i] = st->Q[i] = st->sp->v[i];
    deq_sum_add(&acc, st->sp->v[i]);
  }
  st->R = st->Rbar = deq_sum_get(&acc);
}

void deq_sgd_reset(deq_sgd_state *st)
{
  if (!st) return;
  state_zero(st);
  if (st->tail) deq_sgd_reset(st->tail);
  if (st->lag) deq_sgd_reset(st->lag);
}

void deq_sgd_free(deq_sgd_state *st)
{
  if (!st) return;
  deq_sgd_free(st->tail);
  deq_sgd_free(st->lag);
  free(st->u);
  free(st->Rv);
  deq_sgd_pseudo_free(st->pseudo);
  free(st);
}

void deq_sgd_check_stability(deq_sgd_state *st, int on)
{
  if (!st) return;
  st->check = on;
  if (st->tail) st->tail->check = on;
  if (st->lag) st->lag->check = on;
}

static deq_status alloc_mode(deq_sgd_state **out, const deq_spectrum *sp,
                             const deq_spectrum *orig, double noise,
                             double m4, const deq_sgd_schedule *sched,
                             const deq_sgd_average *avg, int compress);

/* Point st at the atoms of sp without per-atom arrays or sub-states.  */
static void state_clear(deq_sgd_state *st, const deq_spectrum *sp)
{
  deq_sgd_free(st->tail);
  deq_sgd_free(st->lag);
  st->tail = st->lag = NULL;
  free(st->u);
  st->u = NULL;
  st->sp = sp;
  st->n = sp->n;
}

/* Step 0 on the atoms of sp, arrays to come: a compressed state gets
   them once its atoms are chosen (its first advance), not for the whole
   spectrum first.  */
static void state_defer(deq_sgd_state *st, const deq_spectrum *sp)
{
  state_clear(st, sp);
  state_zero(st);
}

/* (Re)build st's per-atom arrays and sub-states for the atoms of sp and
   go back to step 0.  */
static deq_status state_init(deq_sgd_state *st, const deq_spectrum *sp)
{
  state_clear(st, sp);
  st->u = malloc(4 * (sp->n ? sp->n : 1) * sizeof *st->u);
  if (!st->u) return DEQ_ENOMEM;
  st->M = st->u + sp->n;
  st->Q = st->M + sp->n;
  st->w = st->Q + sp->n;
  for (size_t i = 0; i < sp->n; i++) st->w[i] = sp->m[i] * sp->s[i] * sp->s[i];
  st->start = deq_sgd_tail_start(&st->avg, 0);
  if (st->avg.kind == DEQ_AVG_TAIL) {
    deq_sgd_average from = { DEQ_AVG_TAIL_FROM, 0 };
    deq_status s = alloc_mode(&st->tail, sp, st->orig, st->noise, st->m4,
                              st->sched, &from, DEQ_SGD_RULE_EXACT);
    if (s == DEQ_OK)
      s = alloc_mode(&st->lag, sp, st->orig, st->noise, st->m4, st->sched,
                     NULL, DEQ_SGD_RULE_EXACT);
    if (s != DEQ_OK) return s;
    st->tail->check = st->lag->check = st->check;
  }
  state_zero(st);
  return DEQ_OK;
}

static deq_status alloc_mode(deq_sgd_state **out, const deq_spectrum *sp,
                             const deq_spectrum *orig, double noise,
                             double m4, const deq_sgd_schedule *sched,
                             const deq_sgd_average *avg, int compress)
{
  deq_sgd_state *st = calloc(1, sizeof *st);
  if (!st) return DEQ_ENOMEM;
  st->orig = orig;
  st->sched = sched;
  st->noise = noise;
  st->m4 = m4;
  st->bound_B = NAN;
  st->compress = compress;
  st->horizon = compress == DEQ_SGD_RULE_EXACT ? INFINITY : 0;
  st->exact_atoms = orig->n;
  if (avg) st->avg = *avg;
  deq_status s = DEQ_OK;
  if (compress == DEQ_SGD_RULE_EXACT) s = state_init(st, sp);
  else state_defer(st, sp);
  if (s != DEQ_OK) {
    deq_sgd_free(st);
    return s;
  }
  *out = st;
  return DEQ_OK;
}

deq_status deq_sgd_alloc(deq_sgd_state **out, const deq_spectrum *sp,
                         double noise, double m4,
                         const deq_sgd_schedule *sched,
                         const deq_sgd_average *avg)
{
  if (!out || !sp || !sched) return DEQ_EINVAL;
  *out = NULL;
  if (!(noise >= 0 && isfinite(noise)) || !(m4 >= 1 && isfinite(m4)))
    return DEQ_EDOM;
  if (deq_sgd_schedule_check(sched, NULL) != DEQ_OK) return DEQ_EDOM;
  if (!isfinite(sp->signal)) return DEQ_EDOM;
  int compress = deq_spectrum_rule_allowed(sp) ? DEQ_SGD_RULE_SELECT
                                               : DEQ_SGD_RULE_EXACT;
  return alloc_mode(out, sp, sp, noise, m4, sched, avg, compress);
}

void deq_sgd_set_compression(deq_sgd_state *st, int mode)
{
  if (!st || mode == st->compress) return;
  st->compress = mode;
  st->horizon = mode == DEQ_SGD_RULE_EXACT ? INFINITY : 0;
  deq_sgd_pseudo_free(st->pseudo);
  st->pseudo = NULL;
  st->exact_atoms = st->orig->n;
  st->nv = 0;
  if (mode != DEQ_SGD_RULE_EXACT) state_defer(st, st->orig);
  else if (state_init(st, st->orig) != DEQ_OK) st->status = DEQ_ENOMEM;
}

void deq_sgd_atoms_used(const deq_sgd_state *st, size_t *atoms,
                        size_t *exact)
{
  if (atoms) *atoms = st ? st->n : 0;
  if (exact) *exact = st ? st->exact_atoms : 0;
}

static int same_atoms(const deq_spectrum *a, const deq_spectrum *b)
{
  if (!a || !b) return a == b;
  return a->n == b->n && !memcmp(a->s, b->s, a->n * sizeof *a->s)
         && !memcmp(a->m, b->m, a->n * sizeof *a->m)
         && !memcmp(a->v, b->v, a->n * sizeof *a->v);
}

/* Make the atoms valid for steps 0 .. H-1: select the compressed bins
   for that horizon; if they differ from the current ones, the state
   starts again from step 0 on the new atoms (a bin once compressed
   cannot be expanded again).  */
static deq_status recompress(deq_sgd_state *st, double H)
{
  deq_rule_bins *bins; /* the spectrum's, shared (spectrum_rule.c) */
  deq_spectrum *ps = NULL;
  size_t exact;
  deq_status s = deq_spectrum_rule_bins(&bins, st->orig);
  if (s == DEQ_OK)
    s = deq_sgd_rule_select(&ps, &exact, st->orig, bins, st->sched, st->m4,
                            H, st->compress, DEQ_SGD_RULE_TOL);
  deq_rule_bins_release(bins);
  if (s != DEQ_OK) return s;
  st->horizon = H;
  if (same_atoms(ps, st->pseudo)) {
    deq_sgd_pseudo_free(ps);
    return DEQ_OK;
  }
  deq_sgd_pseudo_free(st->pseudo);
  st->pseudo = ps;
  st->exact_atoms = exact;
  st->nv = 0;
  return state_init(st, ps ? ps : st->orig);
}

/* ------------------------------------------------------------ stability */

/* S(eta, B); +Inf if some a_i >= 1.  */
static double stationary_S(const deq_spectrum *sp, double eta, double B,
                           double m4)
{
  double c = 1 + (m4 - 2) / B;
  deq_sum acc;
  deq_sum_init(&acc);
  for (size_t i = 0; i < sp->n; i++) {
    double den = 2 - eta * sp->s[i] * c;
    if (sp->s[i] == 0) continue;
    if (!(den > 0)) return INFINITY;
    deq_sum_add(&acc, eta / B * sp->m[i] * sp->s[i] / den);
  }
  return deq_sum_get(&acc);
}

deq_status deq_sgd_stationary(double *R_inf, double *S,
                              const deq_spectrum *sp, double noise,
                              double eta, double batch, double m4)
{
  if (!R_inf || !sp) return DEQ_EINVAL;
  if (!(eta > 0 && batch > 0 && noise >= 0 && m4 >= 1)) return DEQ_EDOM;
  double s = stationary_S(sp, eta, batch, m4);
  if (S) *S = s;
  if (!(s < 1)) {
    *R_inf = INFINITY;
    return DEQ_EDIVERGE;
  }
  *R_inf = noise * s / (1 - s);
  return DEQ_OK;
}

/* deq_sgd_lr_bound over every atom of sp (about 50 passes).  */
static deq_status lr_bound_atoms(double *eta_max, const deq_spectrum *sp,
                                 double batch, double m4)
{
  double smax = 0, c = 1 + (m4 - 2) / batch;
  for (size_t i = 0; i < sp->n; i++) smax = fmax(smax, sp->s[i]);
  if (!(smax > 0)) return DEQ_EDOM;
  /* S grows with eta: bracket the root of S = 1, then bisect.  */
  double lo = 0, hi = c > 0 ? 2 / (smax * c) : 2 * batch / sp->trace;
  while (stationary_S(sp, hi, batch, m4) < 1) {
    lo = hi;
    hi *= 2;
  }
  for (int k = 0; k < 200 && hi - lo > 1e-15 * hi; k++) {
    double mid = 0.5 * (lo + hi);
    if (stationary_S(sp, mid, batch, m4) < 1) lo = mid;
    else hi = mid;
  }
  *eta_max = lo;
  return DEQ_OK;
}

/* Once per spectrum, batch and m4 (an lr grid asks for the same bound at
   every point), until deq_spectrum_update.  */
deq_status deq_sgd_lr_bound(double *eta_max, const deq_spectrum *sp,
                            double batch, double m4)
{
  if (!eta_max || !sp) return DEQ_EINVAL;
  if (!(batch > 0 && m4 >= 1)) return DEQ_EDOM;
  return deq_spectrum_memo(eta_max, sp, lr_bound_atoms, batch, m4);
}

/* DEQ_EDOM with the bound in err if step t (eta, B) is unstable.  */
static deq_status check_step(deq_sgd_state *st, double eta, double B,
                             deq_error *err)
{
  if (B != st->bound_B) {
    deq_status s = deq_sgd_lr_bound(&st->bound, st->orig, B, st->m4);
    if (s != DEQ_OK) return s;
    st->bound_B = B;
  }
  if (eta < st->bound) return DEQ_OK;
  if (err) {
    deq_error_clear(err);
    snprintf(err->message, sizeof err->message, "unstable step size: "
             "eta = %.6g at step %.0f is not below the stability bound "
             "eta < %.6g for batch %.6g (the stationary risk needs "
             "S(eta, B) < 1, see the manual)", eta, st->t, st->bound, B);
  }
  return DEQ_EDOM;
}

/* ------------------------------------------------------------ recursion */

static void diverge(deq_sgd_state *st)
{
  st->status = DEQ_EDIVERGE;
  st->R = st->Rbar = INFINITY;
}

/* One step t -> t+1 of the recursion and the running average.  */
static deq_status step(deq_sgd_state *st, deq_error *err)
{
  double eta, B;
  deq_sgd_schedule_at(&eta, &B, st->sched, st->t, st->samples);
  if (st->check) {
    deq_status s = check_step(st, eta, B, err);
    if (s != DEQ_OK) return s;
  }
  const double *sv = st->sp->s;
  double c1 = 1 + (st->m4 - 2) / B, f = eta * eta / B * (st->R + st->noise);
  deq_sum acc;
  deq_sum_init(&acc);
  for (size_t i0 = 0; i0 < st->n; i0 += DEQ_SUM_BLOCK) {
    size_t i1 = i0 + DEQ_SUM_BLOCK < st->n ? i0 + DEQ_SUM_BLOCK : st->n;
    double part = 0;
#pragma omp simd reduction(+:part)
    for (size_t i = i0; i < i1; i++) {
      double hi, lo;
      deq_sgd_factor(eta * sv[i], c1, &hi, &lo);
      st->u[i] = hi * st->u[i] + (lo * st->u[i] + f * st->w[i]);
      part += st->u[i];
    }
    deq_sum_add(&acc, part);
  }
  st->R = deq_sum_get(&acc);
  if (st->avg.kind != DEQ_AVG_NONE) {
    double rho = deq_sgd_rho(&st->avg, st->start, st->t);
    st->Rbar = deq_sgd_average_step(st->M, st->Q, st->u, sv, st->n, eta, rho);
  } else {
    st->Rbar = st->R;
  }
  st->t += 1;
  st->samples += B;
  if (!(st->R <= DBL_MAX) || !(st->Rbar <= DBL_MAX)) diverge(st);
  return DEQ_OK;
}

static deq_status run_to(deq_sgd_state *st, double T, deq_error *err)
{
  if (T < st->t) state_zero(st);
  while (st->t < T && st->status == DEQ_OK) {
    deq_status s = step(st, err);
    if (s != DEQ_OK) return s;
  }
  /* After a divergence the count of steps and samples still advances.  */
  if (st->status != DEQ_OK) {
    for (; st->t < T; st->t += 1) {
      double eta, B;
      deq_sgd_schedule_at(&eta, &B, st->sched, st->t, st->samples);
      st->samples += B;
    }
  }
  return DEQ_OK;
}

/* The tail fraction at T: `lag` walks the window starts (they increase
   with T, so it never replays), the runner copies it at the start and
   averages from there to T.  A trajectory reported at T_1 < T_2 < ...
   costs T_max for `lag` plus the windows sum (T_j - start_j).  */
static deq_status tail_to(deq_sgd_state *st, double T, deq_error *err)
{
  deq_sgd_state *lag = st->lag, *tr = st->tail;
  double start = deq_sgd_tail_start(&st->avg, T);
  if (lag->t > start) state_zero(lag);
  deq_status s = run_to(lag, start, err);
  if (s != DEQ_OK) return s;
  memcpy(tr->u, lag->u, tr->n * sizeof *tr->u);
  memcpy(tr->M, lag->u, tr->n * sizeof *tr->u);
  memcpy(tr->Q, lag->u, tr->n * sizeof *tr->u);
  tr->t = lag->t;
  tr->samples = lag->samples;
  tr->R = tr->Rbar = lag->R;
  tr->status = lag->status;
  tr->start = start;
  return run_to(tr, T, err);
}

/* ------------------------------------------------------------ Volterra path */

static deq_status kernels_range(double *F, double *K, const deq_spectrum *sp,
                                double eta, double batch, double m4,
                                size_t t_begin, size_t t_end);

/* Extend the Volterra solution to cover step T: the kernels of the new
   steps only, then deq_volterra_extend (the history's contribution by
   one FFT, the new steps by the blocked solve).  Growth by at least a
   quarter keeps the number of extensions logarithmic while computing at
   most 25% more steps than asked.  */
static deq_status volterra_to(deq_sgd_state *st, double T)
{
  if (T < (double)st->nv) return DEQ_OK;
  if (T > 1e9) return DEQ_EUNSUP;
  size_t n0 = st->nv, need = (size_t)T + 1;
  size_t len = n0 + n0 / 4 > need ? n0 + n0 / 4 : need;
  double eta, B;
  deq_sgd_schedule_at(&eta, &B, st->sched, 0, 0);
  double *R = realloc(st->Rv, 3 * len * sizeof *R);
  if (!R) return DEQ_ENOMEM;
  st->Rv = R;
  /* layout: R, F, K of capacity len each (moved up from capacity n0) */
  double *F = R + len, *K = F + len;
  memmove(K, R + 2 * n0, n0 * sizeof *K);
  memmove(F, R + n0, n0 * sizeof *F);
  deq_status s = kernels_range(F + n0, K + n0, st->sp, eta, B, st->m4, n0, len);
  if (s == DEQ_OK)
    s = deq_volterra_extend(R, F, K, eta * eta / B, st->noise, n0, len);
  if (s != DEQ_OK && s != DEQ_EDIVERGE) {
    st->nv = 0;
    return s;
  }
  st->nv = len;
  return DEQ_OK;
}

/* ------------------------------------------------------------ advance */

deq_status deq_sgd_advance(deq_sgd_point *out, deq_sgd_state *st, double T,
                           deq_error *err)
{
  if (!out || !st) return DEQ_EINVAL;
  if (!(T >= 0 && T == floor(T) && T < 0x1p53)) return DEQ_EDOM;
  deq_status s = DEQ_OK;
  double eta, B;
  if (st->compress != DEQ_SGD_RULE_EXACT) {
    double need = st->volterra && T >= (double)st->nv
                  ? fmax(T + 1, (double)(st->nv + st->nv / 4)) : T;
    if (need > st->horizon) s = recompress(st, fmax(need, 4 * st->horizon));
    /* still on the spectrum's atoms (T = 0 or no bin selected) */
    if (s == DEQ_OK && !st->u) s = state_init(st, st->sp);
  }
  if (s == DEQ_OK && st->volterra) {
    /* The stability check of the constant schedule, once.  */
    deq_sgd_schedule_at(&eta, &B, st->sched, 0, 0);
    if (st->check) s = check_step(st, eta, B, err);
    if (s == DEQ_OK) s = volterra_to(st, T);
    if (s == DEQ_OK) {
      st->R = st->Rbar = st->Rv[(size_t)T];
      st->t = T;
      st->samples = T * B;
      st->status = isinf(st->R) ? DEQ_EDIVERGE : DEQ_OK;
    }
  } else if (s == DEQ_OK) {
    s = run_to(st, T, err);
    if (s == DEQ_OK && st->tail) {
      s = tail_to(st, T, err);
      st->Rbar = st->tail->Rbar;
      if (st->tail->status != DEQ_OK) st->status = st->tail->status;
    }
  }
  if (s != DEQ_OK) {
    *out = (deq_sgd_point){ T, NAN, NAN, NAN, NAN, NAN, NAN, s };
    return s;
  }
  deq_sgd_schedule_at(&eta, &B, st->sched, st->t, st->samples);
  out->step = T;
  out->lr = eta;
  out->batch = B;
  out->samples = st->samples;
  out->E_g = st->R;
  out->E_test = st->R + st->noise;
  out->E_g_avg = st->Rbar;
  out->status = st->status;
  return st->status;
}

int deq_sgd_use_volterra(deq_sgd_state *st, int on)
{
  if (on && !(deq_sgd_schedule_is_constant(st->sched)
              && st->avg.kind == DEQ_AVG_NONE))
    return 0;
  st->volterra = on;
  return 1;
}

deq_status deq_sgd_run(deq_sgd_point *out, const deq_spectrum *sp,
                       double noise, double m4, const deq_sgd_schedule *sched,
                       const deq_sgd_average *avg, const double *T, size_t n,
                       deq_error *err)
{
  if (!out || !T || n == 0) return DEQ_EINVAL;
  deq_sgd_state *st;
  deq_status s = deq_sgd_alloc(&st, sp, noise, m4, sched, avg);
  if (s != DEQ_OK) return s;
  deq_status all = DEQ_OK;
  for (size_t k = 0; k < n; k++) {
    s = deq_sgd_advance(&out[k], st, T[k], err);
    if (s != DEQ_OK && s != DEQ_EDIVERGE) {
      all = s;
      break;
    }
    if (s == DEQ_EDIVERGE) all = s;
  }
  deq_sgd_free(st);
  return all;
}

/* ------------------------------------------------------------ kernels */

/* Blocks of KBLOCK steps (parallel: independent in t) times chunks of
   KCHUNK atoms (cache-resident): inside, a SIMD sum over the chunk's
   atoms per step, so the cost is compute-bound at a few flops per atom
   and step, where the recursion streams every atom's state once per
   step and cannot split its steps across threads.  */
#define KBLOCK 512
#define KCHUNK 1024

/* F[t - t_begin], K[t - t_begin] for t in [t_begin, t_end).  */
static deq_status kernels_range(double *F, double *K, const deq_spectrum *sp,
                                double eta, double batch, double m4,
                                size_t t_begin, size_t t_end)
{
  size_t n = sp->n, T = t_end - t_begin;
  size_t nblocks = (T + KBLOCK - 1) / KBLOCK;
  double c1 = 1 + (m4 - 2) / batch;
  double *a = malloc(3 * n * sizeof *a);
  if (!a) return DEQ_ENOMEM;
  double *w = a + n, *alo = w + n;
  for (size_t i = 0; i < n; i++) {
    deq_sgd_factor(eta * sp->s[i], c1, &a[i], &alo[i]);
    w[i] = sp->m[i] * sp->s[i] * sp->s[i];
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t b = 0; b < nblocks; b++) {
    size_t t0 = b * KBLOCK, len = t0 + KBLOCK < T ? KBLOCK : T - t0;
    double f[KBLOCK], k[KBLOCK], p[KCHUNK];
    for (size_t t = 0; t < len; t++) f[t] = k[t] = 0;
    for (size_t i0 = 0; i0 < n; i0 += KCHUNK) {
      size_t m = i0 + KCHUNK < n ? KCHUNK : n - i0;
      const double *ai = a + i0, *li = alo + i0, *vi = sp->v + i0,
                   *wi = w + i0;
      /* a_i^t0 (hi^t0 (1 + lo/hi)^t0); powers below 1e-290 are dropped
         (as 0) so that no subnormal arithmetic follows inside the block */
      for (size_t i = 0; i < m; i++) {
        double t = (double)(t_begin + t0);
        p[i] = pow(ai[i], t);
        if (li[i] != 0 && ai[i] > 0) p[i] *= exp(t * log1p(li[i] / ai[i]));
        if (fabs(p[i]) < 1e-290) p[i] = 0;
      }
      for (size_t t = 0; t < len; t++) {
        double fs = 0, ks = 0;
#pragma omp simd reduction(+:fs, ks)
        for (size_t i = 0; i < m; i++) {
          fs += vi[i] * p[i];
          ks += wi[i] * p[i];
          p[i] = p[i] * ai[i] + p[i] * li[i];
        }
        f[t] += fs;
        k[t] += ks;
      }
    }
    for (size_t t = 0; t < len; t++) {
      F[t0 + t] = f[t];
      K[t0 + t] = k[t];
    }
  }
  free(a);
  return DEQ_OK;
}

deq_status deq_sgd_volterra_kernels(double *F, double *K,
                                    const deq_spectrum *sp, double eta,
                                    double batch, double m4, size_t T)
{
  if (!F || !K || !sp || T == 0) return DEQ_EINVAL;
  if (!(eta > 0 && batch > 0 && m4 >= 1)) return DEQ_EDOM;
  deq_rule_bins *bins = NULL;
  deq_spectrum *ps = NULL;
  deq_status s = DEQ_OK;
  if (deq_spectrum_rule_allowed(sp)) {
    deq_sgd_schedule sched;
    deq_sgd_schedule_init(&sched);
    sched.lr = eta;
    sched.batch = batch;
    size_t exact;
    s = deq_spectrum_rule_bins(&bins, sp);
    if (s == DEQ_OK)
      s = deq_sgd_rule_select(&ps, &exact, sp, bins, &sched, m4, (double)T,
                              DEQ_SGD_RULE_SELECT, DEQ_SGD_RULE_TOL);
  }
  if (s == DEQ_OK) s = kernels_range(F, K, ps ? ps : sp, eta, batch, m4, 0, T);
  deq_sgd_pseudo_free(ps);
  deq_rule_bins_release(bins);
  return s;
}
