/* spectrum_powerlaw.c -- power-law spectra with a source condition,
 * exact or as an exact head plus a quadrature tail.
 *
 * Tail: for n beyond exact_max, the modes k > K (the head) enter through
 * the Euler-Maclaurin formula
 *   sum_{k=K+1}^{n} f(k) = int_K^n f(x) dx - f(K)/2 + f(n)/2
 *                          - f'(K)/12 + f'(n)/12 + O(f''')
 * with f'(K) replaced by the one-sided difference (3 f(K) - 4 f(K-1)
 * + f(K-2))/2 (Gregory's end correction).  Both corrections are then
 * positive reweightings of the last three head atoms (23/24, 7/6, 3/8),
 * so the formula holds for every functional deq evaluates, whatever kappa.
 * The neglected terms are O(f''') ~ alpha^3 f(K)/K^3, and f'(n)/12 is
 * dropped (relative size alpha/(12 n)).  The integral is taken in
 * u = log x by 8-point Gauss-Legendre panels of width at most 1/alpha:
 * every functional is F(s(x)) with poles at s = -kappa, i.e. at
 * Im u = pi/alpha, so panels of half-width 1/(2 alpha) converge like
 * (2 pi + sqrt(1 + 4 pi^2))^-16 ~ 1e-17.  Each node becomes an atom with
 * multiplicity w x (not an integer); the endpoint f(n)/2 is an atom of
 * multiplicity 1/2.  For n = infinity the panels stop where s(x) = 1e-150
 * scale, and the rest of the integral is one atom matching its first two
 * moments (sum s, sum s^2) and its target power.  */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include "deq/spectrum.h"

#define DEFAULT_EXACT_MAX 4194304.0 /* 2^22 */
#define DEFAULT_HEAD 10000.0
#define TAIL_S_STOP 1e-150

void deq_powerlaw_init(deq_powerlaw *p)
{
  if (!p) return;
  p->alpha = 1.5;
  p->n = 1000;
  p->scale = 1.0;
  p->r = NAN;
  p->amp = 1.0;
  p->exact_max = 0;
  p->head = 0;
}

/* 8-point Gauss-Legendre nodes and weights on [-1, 1].  */
static const double gl_x[4] = {0.1834346424956498, 0.5255324099163290,
                               0.7966664774136267, 0.9602898564975363};
static const double gl_w[4] = {0.3626837833783620, 0.3137066458778873,
                               0.2223810344533745, 0.1012285362903763};

static deq_status check_params(const deq_powerlaw *p)
{
  if (!(p->alpha > 0) || !isfinite(p->alpha)) return DEQ_EDOM;
  if (!(p->n >= 1)) return DEQ_EDOM;
  if (isinf(p->n)) {
    if (!(p->alpha > 1)) return DEQ_EDOM; /* trace must converge */
  } else if (p->n != floor(p->n) || p->n > 9007199254740992.0) {
    return DEQ_EDOM;
  }
  if (!(p->scale > 0) || !isfinite(p->scale)) return DEQ_EDOM;
  if (!isnan(p->r) && (!(p->r > 0) || !isfinite(p->r))) return DEQ_EDOM;
  if (!(p->amp >= 0) || !isfinite(p->amp)) return DEQ_EDOM;
  /* A target amplitude without a source exponent is a forgotten r, not a
     request for no target (that is amp = 0).  */
  if (isnan(p->r) && p->amp != 0) return DEQ_EINVAL;
  if (p->exact_max < 0 || p->head < 0 || isnan(p->exact_max) || isnan(p->head))
    return DEQ_EDOM;
  return DEQ_OK;
}

/* Target exponent 1 + 2 alpha r, or NAN for no target.  */
static double target_power_at(const deq_powerlaw *p, double k)
{
  if (isnan(p->r) || p->amp == 0) return 0.0;
  return p->amp * pow(k, -(1.0 + 2.0 * p->alpha * p->r));
}

static void fill_modes(deq_spectrum *sp, const deq_powerlaw *p, size_t K)
{
  for (size_t k = 1; k <= K; k++) {
    double x = (double)k;
    sp->s[k - 1] = p->scale * pow(x, -p->alpha);
    sp->m[k - 1] = 1.0;
    sp->v[k - 1] = target_power_at(p, x);
  }
}

/* Number of Gauss-Legendre panels covering [lo, hi] in log x.  */
static size_t panel_count(double lo, double hi, double alpha)
{
  double span = log(hi) - log(lo);
  size_t np = (size_t)ceil(span * alpha);
  return np ? np : 1;
}

/* Quadrature atoms for int_{lo}^{hi} f(x) dx, appended at index j.  */
static size_t fill_tail(deq_spectrum *sp, size_t j, const deq_powerlaw *p,
                        double lo, double hi, size_t np)
{
  double ulo = log(lo), h = (log(hi) - ulo) / (double)np;
  for (size_t q = 0; q < np; q++) {
    double mid = ulo + (q + 0.5) * h;
    for (int i = 0; i < 8; i++) {
      double t = (i < 4 ? -gl_x[3 - i] : gl_x[i - 4]);
      double w = (i < 4 ? gl_w[3 - i] : gl_w[i - 4]);
      double x = exp(mid + 0.5 * h * t);
      double mult = 0.5 * h * w * x;
      sp->s[j] = p->scale * pow(x, -p->alpha);
      sp->m[j] = mult;
      sp->v[j] = isnan(p->r) ? 0.0
                 : p->amp * 0.5 * h * w * pow(x, -2.0 * p->alpha * p->r);
      j++;
    }
  }
  return j;
}

/* Gregory weights of the last three head atoms K-2, K-1, K: the head sum
   minus f(K)/2 and minus 1/12 of the one-sided derivative at K.  */
static void reweight_head(deq_spectrum *sp, size_t K)
{
  static const double w[3] = {23.0 / 24.0, 7.0 / 6.0, 3.0 / 8.0};
  for (int j = 0; j < 3; j++) {
    sp->m[K - 3 + j] *= w[j];
    sp->v[K - 3 + j] *= w[j];
  }
}

/* The endpoint term f(n)/2 of a finite tail.  */
static void fill_endpoint(deq_spectrum *sp, size_t j, const deq_powerlaw *p)
{
  sp->s[j] = p->scale * pow(p->n, -p->alpha);
  sp->m[j] = 0.5;
  sp->v[j] = 0.5 * target_power_at(p, p->n);
}

/* The part of an infinite power law beyond x as one moment-matched atom.  */
static void fill_remainder(deq_spectrum *sp, size_t j, const deq_powerlaw *p,
                           double x)
{
  double a = p->alpha, sx = p->scale * pow(x, -a);
  double t1 = sx * x / (a - 1.0);              /* int s dx */
  double t2 = sx * sx * x / (2.0 * a - 1.0);   /* int s^2 dx */
  sp->s[j] = t2 / t1;
  sp->m[j] = t1 * t1 / t2;
  sp->v[j] = isnan(p->r) ? 0.0
             : p->amp * pow(x, -2.0 * a * p->r) / (2.0 * a * p->r);
}

deq_status deq_spectrum_powerlaw(deq_spectrum **out, const deq_powerlaw *p)
{
  if (!out || !p) return DEQ_EINVAL;
  *out = NULL;
  deq_status st = check_params(p);
  if (st) return st;
  double exact_max = p->exact_max > 0 ? p->exact_max : DEFAULT_EXACT_MAX;
  double head = p->head > 0 ? floor(p->head) : DEFAULT_HEAD;
  deq_spectrum *sp;

  if (p->n <= exact_max) {
    size_t n = (size_t)p->n;
    st = deq_spectrum_alloc(&sp, n);
    if (st) return st;
    fill_modes(sp, p, n);
  } else {
    if (head >= p->n || head < 16) return DEQ_EDOM;
    size_t K = (size_t)head;
    int infinite = isinf(p->n);
    double lo = head;
    double hi = infinite ? pow(1.0 / TAIL_S_STOP, 1.0 / p->alpha) : p->n;
    if (hi <= lo) hi = 2 * lo; /* s_stop inside the head: a negligible tail */
    size_t np = panel_count(lo, hi, p->alpha);
    st = deq_spectrum_alloc(&sp, K + 8 * np + 1);
    if (st) return st;
    fill_modes(sp, p, K);
    reweight_head(sp, K);
    size_t j = fill_tail(sp, K, p, lo, hi, np);
    if (infinite) {
      fill_remainder(sp, j, p, hi);
      sp->dim = INFINITY;
    } else {
      fill_endpoint(sp, j, p);
    }
    sp->exact = 0;
  }
  st = deq_spectrum_update(sp, NULL);
  if (st) {
    deq_spectrum_free(sp);
    return st;
  }
  if (!sp->exact && isfinite(p->n)) sp->dim = sp->rank = p->n;
  *out = sp;
  return DEQ_OK;
}
