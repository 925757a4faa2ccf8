/* lib/fit_spectrum.c -- capacity and source exponents fitted to a
 * spectrum (deq/data.h, deq_fit_spectrum; scaling_dynamics.md 1.5.6).  */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "deq/data.h"
#include "deq/fit.h"
#include "deq/solve.h"

/* Positive atoms in decreasing eigenvalue order, as mode indices: atom a
   covers modes M_{a-1}+1 .. M_a; mid[a] is its mid index and tail[a] =
   sum of v beyond M_a.  */
typedef struct modes {
  size_t n;
  double *s, *mid, *end, *tail;
  double total;               /* M */
} modes;

static void modes_free(modes *m)
{
  free(m->s); free(m->mid); free(m->end); free(m->tail);
}

typedef struct atom_ref {
  double s;
  size_t i;
} atom_ref;

/* Decreasing eigenvalue, ties in the given order.  */
static int by_eigenvalue_desc(const void *a, const void *b)
{
  const atom_ref *x = a, *y = b;
  if (x->s != y->s) return (x->s < y->s) - (x->s > y->s);
  return (x->i > y->i) - (x->i < y->i);
}

static deq_status modes_of(modes *m, const deq_spectrum *sp)
{
  memset(m, 0, sizeof *m);
  size_t n = sp->n;
  atom_ref *idx = malloc(n * sizeof *idx);
  m->s = malloc(n * sizeof *m->s);
  m->mid = malloc(n * sizeof *m->mid);
  m->end = malloc(n * sizeof *m->end);
  m->tail = malloc(n * sizeof *m->tail);
  if (!idx || !m->s || !m->mid || !m->end || !m->tail) {
    free(idx);
    modes_free(m);
    return DEQ_ENOMEM;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (sp->s[i] > 0) idx[k++] = (atom_ref){ sp->s[i], i };
  qsort(idx, k, sizeof *idx, by_eigenvalue_desc);
  double cum = 0;
  for (size_t a = 0; a < k; a++) {
    size_t i = idx[a].i;
    m->s[a] = sp->s[i];
    m->mid[a] = cum + (sp->m[i] + 1) / 2;
    cum += sp->m[i];
    m->end[a] = cum;
  }
  long double t = 0;
  for (size_t a = k; a-- > 0;) {
    m->tail[a] = (double)t;
    t += sp->v[idx[a].i];
  }
  m->n = k;
  m->total = cum;
  free(idx);
  return DEQ_OK;
}

/* ------------------------------------------------------------ tail fit */

/* log C(k) = log a + log g(k; beta), g = ((k+1/2)^-beta - (M+1/2)^-beta)/beta.
   For each beta, log a is the mean residual (variable projection).  */
typedef struct tail_fit {
  const double *k, *logC;
  size_t n;
  double M;
} tail_fit;

static double log_g(double k, double beta, double M)
{
  double a = -beta * log(k + 0.5), b = -beta * log(M + 0.5);
  /* (e^a - e^b)/beta without cancellation: e^a (1 - e^(b-a))/beta */
  return a + log(-expm1(b - a)) - log(beta);
}

static double tail_rss(double beta, void *params)
{
  const tail_fit *t = params;
  double mean = 0;
  for (size_t i = 0; i < t->n; i++)
    mean += t->logC[i] - log_g(t->k[i], beta, t->M);
  mean /= (double)t->n;
  double rss = 0;
  for (size_t i = 0; i < t->n; i++) {
    double e = t->logC[i] - log_g(t->k[i], beta, t->M) - mean;
    rss += e * e;
  }
  return rss;
}

/* beta and its least-squares standard error (Gauss-Newton, one
   parameter after projecting out log a).  */
static deq_status tail_beta(double *beta, double *se, const tail_fit *t)
{
  deq_root r;
  deq_status st = deq_solve_brent_min(&r, tail_rss, (void *)t, 1e-3, 40.0,
                                      1.0, 1e-10, 1e-12, 500);
  if (st) return st;
  double b = r.x, h = 1e-6 * fmax(b, 1e-3);
  double jm = 0, *J = malloc(t->n * sizeof *J);
  if (!J) return DEQ_ENOMEM;
  for (size_t i = 0; i < t->n; i++) {
    J[i] = (log_g(t->k[i], b + h, t->M) - log_g(t->k[i], b - h, t->M)) / (2 * h);
    jm += J[i];
  }
  jm /= (double)t->n;
  double sjj = 0;
  for (size_t i = 0; i < t->n; i++) sjj += (J[i] - jm) * (J[i] - jm);
  free(J);
  *beta = b;
  *se = t->n > 2 && sjj > 0 ? sqrt(r.f / (double)(t->n - 2) / sjj) : NAN;
  return DEQ_OK;
}

/* ------------------------------------------------------------ windows */

/* The atoms whose (mid or end) index lies in [lo, hi] into x, y (y > 0).  */
static size_t select_points(double *x, double *y, const modes *m,
                            const double *idx, const double *val, double lo,
                            double hi)
{
  size_t n = 0;
  for (size_t a = 0; a < m->n; a++)
    if (idx[a] >= lo && idx[a] <= hi && val[a] > 0) {
      x[n] = idx[a];
      y[n] = val[a];
      n++;
    }
  return n;
}

static deq_status alpha_fit(double *alpha, double *se, const double *x,
                            const double *y, size_t n)
{
  deq_fit f;
  deq_status st = deq_fit_powerlaw(&f, n, x, y, NULL, 0, INFINITY);
  *alpha = f.b;
  *se = f.b_se;
  return st;
}

static deq_status beta_fit(double *beta, double *se, const double *x,
                           const double *y, size_t n, double M)
{
  double *logC = malloc(n * sizeof *logC);
  if (!logC) return DEQ_ENOMEM;
  for (size_t i = 0; i < n; i++) logC[i] = log(y[i]);
  tail_fit t = { x, logC, n, M };
  deq_status st = tail_beta(beta, se, &t);
  free(logC);
  return st;
}

typedef deq_status (*window_fit)(double *b, double *se, const double *x,
                                 const double *y, size_t n, double M);

static deq_status alpha_fit_M(double *b, double *se, const double *x,
                              const double *y, size_t n, double M)
{
  (void)M;
  return alpha_fit(b, se, x, y, n);
}

/* Fit over the window, then over its two halves (split at the
   geometric middle): se is the fit's error and the half-difference of
   the halves' exponents (the drift) in quadrature.  */
static deq_status fit_with_drift(double *b, double *se, double *drift,
                                 window_fit fit, const double *x,
                                 const double *y, size_t n, double M)
{
  double s0;
  deq_status st = fit(b, &s0, x, y, n, M);
  if (st) return st;
  *drift = 0;
  size_t h = n / 2;
  double b1, b2, e1, e2;
  if (h >= 3 && n - h >= 3
      && fit(&b1, &e1, x, y, h, M) == DEQ_OK
      && fit(&b2, &e2, x + h, y + h, n - h, M) == DEQ_OK)
    *drift = fabs(b1 - b2) / 2;
  *se = hypot(s0, *drift);
  return DEQ_OK;
}

/* ------------------------------------------------------------ predictions */

static void predict(deq_spectrum_fit *out)
{
  deq_exponent e;
  out->b_ridgeless = out->b_ridgeless_se = NAN;
  out->b_optimal = out->b_optimal_se = NAN;
  if (deq_fit_predict_ridge(&e, out->alpha, out->r, DEQ_REGIME_RIDGELESS, 0,
                            0) != DEQ_OK)
    return;
  /* b0 = 2 alpha min(r, 1) = beta below saturation, 2 alpha above.  */
  double b0se = out->r < 1 ? out->beta_se : 2 * out->alpha_se;
  out->b_ridgeless = e.b;
  out->b_ridgeless_se = b0se;
  if (deq_fit_predict_ridge(&e, out->alpha, out->r, DEQ_REGIME_OPTIMAL, 0,
                            1) != DEQ_OK)
    return;
  double b0 = out->b_ridgeless;
  out->b_optimal = e.b;
  out->b_optimal_se = b0se / ((b0 + 1) * (b0 + 1));   /* d/db0 b0/(b0+1) */
}

deq_status deq_fit_spectrum(deq_spectrum_fit *out, const deq_spectrum *sp,
                            size_t lo, size_t hi)
{
  if (!out || !sp) return DEQ_EINVAL;
  memset(out, 0, sizeof *out);
  out->status = DEQ_EDOM;
  modes m;
  deq_status st = modes_of(&m, sp);
  if (st) return out->status = st;
  out->modes = (size_t)m.total;
  if (lo == 0 && hi == 0) {
    lo = 2;
    hi = (size_t)(m.total / 8);
    if (hi < 6) hi = 6;
  }
  if (hi > m.total) hi = (size_t)m.total;
  out->lo = lo;
  out->hi = hi;
  double *x = malloc((m.n + 1) * sizeof *x), *y = malloc((m.n + 1) * sizeof *y);
  if (!x || !y) {
    st = DEQ_ENOMEM;
    goto done;
  }
  size_t n = select_points(x, y, &m, m.mid, m.s, (double)lo, (double)hi);
  st = DEQ_EDOM;
  if (n < 4) goto done;
  st = fit_with_drift(&out->alpha, &out->alpha_se, &out->alpha_drift,
                      alpha_fit_M, x, y, n, m.total);
  if (st) goto done;
  n = select_points(x, y, &m, m.end, m.tail, (double)lo, (double)hi);
  st = DEQ_EDOM;
  if (n < 4) goto done;
  st = fit_with_drift(&out->beta, &out->beta_se, &out->beta_drift, beta_fit,
                      x, y, n, m.total);
  if (st) goto done;
  out->r = out->beta / (2 * out->alpha);
  out->r_se = out->r * hypot(out->beta_se / out->beta,
                             out->alpha_se / out->alpha);
  predict(out);
done:
  free(x);
  free(y);
  modes_free(&m);
  return out->status = st;
}
