/* lib/model_check.c -- the range check every caller of the model engine
 * gets: the command line, the Python package and direct library users
 * see one rule and one message per parameter.  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "deq/model.h"

/* The shortest text that reads back as x (integers in full), as the
   command line prints numbers.  */
static const char *num(char *buf, size_t len, double x)
{
  if (x == floor(x) && fabs(x) < 1e15) {
    snprintf(buf, len, "%.0f", x);
    return buf;
  }
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, x);
    if (strtod(buf, NULL) == x || isnan(x)) break;
  }
  return buf;
}

deq_status deq_model_check_value(const deq_model_type *t, size_t i, double x,
                                 int sampled, deq_error *err)
{
  if (!t || i >= t->nparam) return DEQ_EINVAL;
  const deq_param *p = &t->params[i];
  if (p->kind != DEQ_PARAM_REAL && p->kind != DEQ_PARAM_COUNT) return DEQ_OK;
  /* The default of an optional parameter is the descriptor's own "not
     given" (a NaN, or a 0 outside the range such as corr's horizon): it
     always passes.  */
  if (!(p->flags & DEQ_PARAM_REQUIRED)
      && (x == p->def || (isnan(x) && isnan(p->def))))
    return DEQ_OK;
  int integer = (p->flags & DEQ_PARAM_INTEGER)
                || (p->kind == DEQ_PARAM_COUNT && sampled);
  /* an integer parameter that takes inf (the ensemble's members) keeps it */
  int int_inf = (p->flags & DEQ_PARAM_INTEGER) && (p->flags & DEQ_PARAM_INF);
  char a[32], b[32], v[32];
  const char *why = NULL;
  char range[80];
  int below = (p->flags & DEQ_PARAM_OPEN_MIN) ? !(x > p->min) : !(x >= p->min);
  if (isinf(x) && integer && !(int_inf && x > 0)) {
    why = "must be a finite integer";
  } else if (isinf(x) && x > 0 && (p->flags & DEQ_PARAM_INF)) {
    return DEQ_OK;
  } else if (isnan(x) || below || !(x <= p->max)
             || (isinf(x) && !(p->flags & DEQ_PARAM_INF))) {
    if (isinf(p->max))
      snprintf(range, sizeof range, "must be %s %s",
               (p->flags & DEQ_PARAM_OPEN_MIN) ? ">" : ">=",
               num(a, sizeof a, p->min));
    else
      snprintf(range, sizeof range, "is outside [%s, %s]",
               num(a, sizeof a, p->min), num(b, sizeof b, p->max));
    why = range;
  } else if (integer && x != floor(x)) {
    why = "must be an integer";
  }
  if (!why) return DEQ_OK;
  if (err)
    snprintf(err->message, sizeof err->message, "%s: value %s %s", p->name,
             num(v, sizeof v, x), why);
  return DEQ_EDOM;
}

/* A step or time grid walked in order: a repeat or a step back is an
   input mistake, reported with the entry rather than silently sorted.  */
static deq_status check_increasing(const deq_param *p,
                                   const deq_model_axis *ax, deq_error *err)
{
  for (size_t k = 1; k < ax->n; k++) {
    if (ax->v[k] > ax->v[k - 1]) continue;
    char a[32], b[32];
    if (err)
      snprintf(err->message, sizeof err->message, "%s: values must be "
               "strictly increasing (entry %zu is %s after %s)", p->name,
               k + 1, num(a, sizeof a, ax->v[k]),
               num(b, sizeof b, ax->v[k - 1]));
    return DEQ_EDOM;
  }
  return DEQ_OK;
}

deq_status deq_model_check(const deq_model_type *t, const double *x,
                           const deq_model_axis *axes, int sampled,
                           deq_error *err)
{
  if (!t || !x || !axes) return DEQ_EINVAL;
  size_t a = 0;
  for (size_t i = 0; i < t->nparam; i++) {
    deq_status st = DEQ_OK;
    if (t->params[i].flags & DEQ_PARAM_GRID) {
      const deq_model_axis *ax = &axes[a++];
      for (size_t k = 0; st == DEQ_OK && k < ax->n; k++)
        st = deq_model_check_value(t, i, ax->v[k], sampled, err);
      if (st == DEQ_OK && (t->params[i].flags & DEQ_PARAM_INCREASING))
        st = check_increasing(&t->params[i], ax, err);
    } else {
      st = deq_model_check_value(t, i, x[i], sampled, err);
    }
    if (st != DEQ_OK) return st;
  }
  return DEQ_OK;
}
