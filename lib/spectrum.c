/* spectrum.c -- spectral measures: allocation, validation, simple
 * constructors, targets and multiplicity compression.  */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deq/spectrum.h"
#include "spectrum_impl.h"
#include "spectrum_rule_impl.h"
#include "sum_impl.h"

deq_status deq_spectrum_alloc(deq_spectrum **out, size_t n)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (n == 0) return DEQ_EINVAL;
  deq_spectrum *sp = calloc(1, sizeof *sp);
  if (!sp) return DEQ_ENOMEM;
  sp->s = calloc(n, sizeof *sp->s);
  sp->m = malloc(n * sizeof *sp->m);
  sp->v = calloc(n, sizeof *sp->v);
  if (!sp->s || !sp->m || !sp->v) {
    deq_spectrum_free(sp);
    return DEQ_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) sp->m[i] = 1.0;
  /* an entry left at this address by a spectrum never freed through
     deq_spectrum_free (one made by hand) is not this spectrum's */
  deq_spectrum_rule_detach(sp);
  sp->n = n;
  sp->dim = sp->rank = (double)n;
  sp->exact = 1;
  *out = sp;
  return DEQ_OK;
}

void deq_spectrum_free(deq_spectrum *sp)
{
  if (!sp) return;
  deq_spectrum_rule_detach(sp);
  free(sp->s);
  free(sp->m);
  free(sp->v);
  free(sp);
}

deq_status deq_spectrum_copy(deq_spectrum **out, const deq_spectrum *sp)
{
  if (!out || !sp) return DEQ_EINVAL;
  deq_status st = deq_spectrum_alloc(out, sp->n);
  if (st) return st;
  deq_spectrum *c = *out;
  memcpy(c->s, sp->s, sp->n * sizeof *c->s);
  memcpy(c->m, sp->m, sp->n * sizeof *c->m);
  memcpy(c->v, sp->v, sp->n * sizeof *c->v);
  c->dim = sp->dim;
  c->rank = sp->rank;
  c->trace = sp->trace;
  c->signal = sp->signal;
  c->exact = sp->exact;
  st = deq_spectrum_rule_copy(c, sp);
  if (st) {
    deq_spectrum_free(c);
    *out = NULL;
  }
  return st;
}

/* column: the field of the file format (1 eigenvalue, 2 target power,
   3 multiplicity).  */
static deq_status atom_error(deq_error *err, size_t i, long column,
                             const char *what, double x)
{
  if (err) {
    err->line = (long)i + 1;
    err->column = column;
    snprintf(err->message, sizeof err->message, "atom %zu: %s (%g)", i + 1,
             what, x);
  }
  return DEQ_EDOM;
}

/* Check one atom; the first violated rule is reported.  */
static deq_status check_atom(const deq_spectrum *sp, size_t i, deq_error *err)
{
  double s = sp->s[i], m = sp->m[i], v = sp->v[i];
  if (!isfinite(s)) return atom_error(err, i, 1, "eigenvalue is not finite", s);
  if (s < 0) return atom_error(err, i, 1, "eigenvalue is negative", s);
  if (!isfinite(v)) return atom_error(err, i, 2, "target power is not finite", v);
  if (v < 0) return atom_error(err, i, 2, "target power is negative", v);
  if (s == 0 && v > 0)
    return atom_error(err, i, 2, "target power on a zero eigenvalue must be 0", v);
  if (!isfinite(m)) return atom_error(err, i, 3, "multiplicity is not finite", m);
  if (m <= 0) return atom_error(err, i, 3, "multiplicity is not positive", m);
  return DEQ_OK;
}

deq_status deq_spectrum_update(deq_spectrum *sp, deq_error *err)
{
  if (!sp || sp->n == 0 || !sp->s || !sp->m || !sp->v) return DEQ_EINVAL;
  int infinite = isinf(sp->dim);
  deq_sum dim, rank, trace, signal;
  deq_sum_init(&dim);
  deq_sum_init(&rank);
  deq_sum_init(&trace);
  deq_sum_init(&signal);
  int exact = 1;
  for (size_t i = 0; i < sp->n; i++) {
    deq_status st = check_atom(sp, i, err);
    if (st) {
      deq_spectrum_rule_drop(sp); /* never a rule of other atoms */
      return st;
    }
    deq_sum_add(&dim, sp->m[i]);
    if (sp->s[i] > 0) deq_sum_add(&rank, sp->m[i]);
    deq_sum_add(&trace, sp->m[i] * sp->s[i]);
    deq_sum_add(&signal, sp->v[i]);
    if (sp->m[i] != floor(sp->m[i])) exact = 0;
  }
  /* An infinite power law stays infinite: its atoms are quadrature nodes.  */
  sp->dim = infinite ? INFINITY : deq_sum_get(&dim);
  sp->rank = infinite ? INFINITY : deq_sum_get(&rank);
  /* An overflowing sum is +Inf (the compensation term would make it NaN):
     the spectrum is still valid, only its trace is not representable.  */
  sp->trace = isfinite(trace.s) ? deq_sum_get(&trace) : INFINITY;
  sp->signal = isfinite(signal.s) ? deq_sum_get(&signal) : INFINITY;
  sp->exact = exact && !infinite && sp->exact;
  if (!(sp->trace > 0)) {
    if (err) {
      err->line = err->column = 0;
      snprintf(err->message, sizeof err->message,
               "spectrum has no positive eigenvalue");
    }
    deq_spectrum_rule_drop(sp);
    return DEQ_EDOM;
  }
  return deq_spectrum_rule_attach(sp); /* compressed sums, if worth it */
}

deq_status deq_spectrum_from_arrays(deq_spectrum **out, size_t n,
                                    const double *s, const double *m,
                                    const double *v, deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (n == 0 || !s) return DEQ_EINVAL;
  deq_spectrum *sp;
  deq_status st = deq_spectrum_alloc(&sp, n);
  if (st) return st;
  memcpy(sp->s, s, n * sizeof *s);
  if (m) memcpy(sp->m, m, n * sizeof *m);
  if (v) memcpy(sp->v, v, n * sizeof *v);
  st = deq_spectrum_update(sp, err);
  if (st) {
    deq_spectrum_free(sp);
    return st;
  }
  *out = sp;
  return DEQ_OK;
}

deq_status deq_spectrum_adopt(deq_spectrum **out, size_t n, double *s,
                              double *m, double *v, deq_error *err)
{
  *out = NULL;
  deq_spectrum *sp = n && s ? calloc(1, sizeof *sp) : NULL;
  if (!m && sp) {
    m = malloc(n * sizeof *m);
    for (size_t i = 0; m && i < n; i++) m[i] = 1.0;
  }
  if (!v && sp) v = calloc(n, sizeof *v);
  if (!sp || !m || !v) {
    free(s);
    free(m);
    free(v);
    free(sp);
    return n && s ? DEQ_ENOMEM : DEQ_EINVAL;
  }
  deq_spectrum_rule_detach(sp); /* as deq_spectrum_alloc */
  *sp = (deq_spectrum){ .s = s, .m = m, .v = v, .n = n, .exact = 1 };
  sp->dim = sp->rank = (double)n;
  deq_status st = deq_spectrum_update(sp, err);
  if (st) {
    deq_spectrum_free(sp);
    return st;
  }
  *out = sp;
  return DEQ_OK;
}

deq_status deq_spectrum_iso(deq_spectrum **out, double n, double scale)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (!(n >= 1) || n != floor(n) || !isfinite(n) || !(scale > 0) ||
      !isfinite(scale))
    return DEQ_EDOM;
  return deq_spectrum_from_arrays(out, 1, &scale, &n, NULL, NULL);
}

/* base * exp(x) without a spurious under- or overflow of exp(x) alone.  */
static double times_exp(double base, double x)
{
  double e = exp(x);
  if (isnormal(e)) return base * e;
  double h = exp(0.5 * x);
  return base * h * h;
}

/* log(hi/lo) from the ratio when it is in range (exact to rounding), else
   from the logs.  */
static double log_span(double lo, double hi)
{
  double r = hi / lo;
  return isnormal(r) ? log(r) : log(hi) - log(lo);
}

deq_status deq_spectrum_loguniform(deq_spectrum **out, size_t n, double lo,
                                   double hi)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (n == 0) return DEQ_EINVAL;
  if (!(lo > 0) || !(hi >= lo) || !isfinite(hi)) return DEQ_EDOM;
  deq_spectrum *sp;
  deq_status st = deq_spectrum_alloc(&sp, n);
  if (st) return st;
  double prod = lo * hi;
  if (isnormal(prod) && isnormal(hi / lo)) {
    double lhi = log(hi), span = log(hi / lo);
    for (size_t i = 0; i < n; i++)
      sp->s[i] = exp(lhi - ((double)i + 0.5) / (double)n * span);
    /* Make the s -> lo*hi/s symmetry exact where rounding would break it.  */
    for (size_t i = 0; i < n / 2; i++) sp->s[n - 1 - i] = prod / sp->s[i];
    if (n % 2) sp->s[n / 2] = sqrt(prod);
  } else {
    /* lo*hi or hi/lo under- or overflows: s_i = hi exp(-t span)
       = lo exp((1 - t) span), t = (i + 1/2)/n, each from the nearer end
       so that the exponent stays below span/2; t <-> 1 - t keeps the
       symmetry to rounding.  */
    double span = log_span(lo, hi);
    for (size_t i = 0; i < n; i++) {
      double t = ((double)i + 0.5) / (double)n;
      if (2 * i + 1 < n)
        sp->s[i] = times_exp(hi, -t * span);
      else if (2 * i + 1 > n)
        sp->s[i] = times_exp(lo, (1 - t) * span);
      else
        sp->s[i] = sqrt(lo) * sqrt(hi); /* the middle atom */
    }
  }
  st = deq_spectrum_update(sp, NULL);
  if (st) {
    deq_spectrum_free(sp);
    return st;
  }
  *out = sp;
  return DEQ_OK;
}

/* Recompute only the signal after a target change (keeps dim/rank).  */
static void update_signal(deq_spectrum *sp)
{
  deq_sum a;
  deq_sum_init(&a);
  for (size_t i = 0; i < sp->n; i++) deq_sum_add(&a, sp->v[i]);
  sp->signal = isfinite(a.s) ? deq_sum_get(&a) : INFINITY;
}

/* After a target change: the signal and the rule's target nodes.  */
static deq_status update_targets(deq_spectrum *sp)
{
  update_signal(sp);
  return deq_spectrum_rule_attach(sp);
}

deq_status deq_spectrum_target_iso(deq_spectrum *sp, double norm2)
{
  if (!sp) return DEQ_EINVAL;
  if (!(norm2 >= 0) || !isfinite(norm2)) return DEQ_EDOM;
  if (!isfinite(sp->dim)) return DEQ_EUNSUP;
  for (size_t i = 0; i < sp->n; i++)
    sp->v[i] = norm2 * sp->m[i] * sp->s[i] / sp->dim;
  return update_targets(sp);
}

deq_status deq_spectrum_target_values(deq_spectrum *sp, size_t n,
                                      const double *v, deq_error *err)
{
  if (!sp || !v) return DEQ_EINVAL;
  if (n != sp->n) {
    if (err) {
      err->line = err->column = 0;
      snprintf(err->message, sizeof err->message,
               "%zu target powers given for %zu atoms", n, sp->n);
    }
    return DEQ_EINVAL;
  }
  double *old = malloc(n * sizeof *old);
  if (!old) return DEQ_ENOMEM;
  memcpy(old, sp->v, n * sizeof *old);
  memcpy(sp->v, v, n * sizeof *v);
  for (size_t i = 0; i < n; i++) {
    deq_status st = check_atom(sp, i, err);
    if (st) {
      memcpy(sp->v, old, n * sizeof *old);
      free(old);
      return st;
    }
  }
  free(old);
  return update_targets(sp);
}

typedef struct atom {
  double s, m, v;
} atom;

static int by_decreasing_s(const void *a, const void *b)
{
  double x = ((const atom *)a)->s, y = ((const atom *)b)->s;
  return (x < y) - (x > y);
}

deq_status deq_spectrum_compress(deq_spectrum *sp)
{
  if (!sp || sp->n == 0) return DEQ_EINVAL;
  /* Merging does not change the dimension: keep a constructor's exact n
     rather than re-summing quadrature weights.  */
  double dim = sp->dim, rank = sp->rank;
  atom *a = malloc(sp->n * sizeof *a);
  if (!a) return DEQ_ENOMEM;
  for (size_t i = 0; i < sp->n; i++) a[i] = (atom){sp->s[i], sp->m[i], sp->v[i]};
  qsort(a, sp->n, sizeof *a, by_decreasing_s);
  size_t k = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (k > 0 && a[i].s == a[k - 1].s) {
      a[k - 1].m += a[i].m;
      a[k - 1].v += a[i].v;
    } else {
      a[k++] = a[i];
    }
  }
  for (size_t i = 0; i < k; i++) {
    sp->s[i] = a[i].s;
    sp->m[i] = a[i].m;
    sp->v[i] = a[i].v;
  }
  sp->n = k; /* arrays keep their capacity; only the count shrinks */
  free(a);
  deq_status st = deq_spectrum_update(sp, NULL);
  if (st == DEQ_OK) {
    sp->dim = dim;
    sp->rank = rank;
  }
  return st;
}
