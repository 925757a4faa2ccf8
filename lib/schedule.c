/* lib/schedule.c -- learning-rate and batch-size schedules of one-pass SGD
 * (deq/dynamics.h): their "NAME:key=value,..." texts and their values at
 * a step.  The texts are parsed here, not in the command line, so that
 * every caller of the model descriptor (CLI, bindings) reads the same
 * language.  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/dynamics.h"

void deq_sgd_schedule_init(deq_sgd_schedule *s)
{
  memset(s, 0, sizeof *s);
  s->lr = NAN;
  s->lr_kind = DEQ_LR_CONSTANT;
  s->factor = 0.5;
  s->decay = 0.2;
  s->power = 0.5;
  s->t0 = 1;
  s->batch = 1;
  s->batch_kind = DEQ_BATCH_CONSTANT;
  s->batch_factor = 2;
  s->batch_max = INFINITY;
}

/* ------------------------------------------------------------ parsing */

typedef struct key {
  const char *name;
  double *value;
  int seen;
} key;

static deq_status fail(deq_error *err, deq_status st, const char *fmt,
                       const char *a, const char *b, const char *c)
{
  if (err) {
    deq_error_clear(err);
    snprintf(err->message, sizeof err->message, fmt, a, b, c);
  }
  return st;
}

/* "k=v,k=v" into keys; what names the kind in messages.  */
static deq_status parse_keys(key *keys, size_t nkeys, const char *body,
                             const char *what, const char *list,
                             deq_error *err)
{
  char buf[256];
  if (!body || !*body) return DEQ_OK;
  if (strlen(body) >= sizeof buf)
    return fail(err, DEQ_EPARSE, "%s: parameters too long%s%s", what, "", "");
  strcpy(buf, body);
  for (char *field = buf, *next; field; field = next) {
    char *comma = strchr(field, ',');
    next = comma ? comma + 1 : NULL;
    if (comma) *comma = '\0';
    char *eq = strchr(field, '=');
    if (!eq)
      return fail(err, DEQ_EPARSE, "%s: '%s' is not key=value (keys: %s)",
                  what, field, list);
    *eq = '\0';
    size_t k = 0;
    while (k < nkeys && strcmp(keys[k].name, field) != 0) k++;
    if (k == nkeys)
      return fail(err, DEQ_EPARSE, "%s: unknown key '%s' (keys: %s)", what,
                  field, list);
    if (keys[k].seen)
      return fail(err, DEQ_EPARSE, "%s: key '%s' given twice%s", what, field,
                  "");
    char *end;
    double v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || !isfinite(v))
      return fail(err, DEQ_EPARSE, "%s: '%s' needs a finite number, not '%s'",
                  what, field, eq + 1);
    *keys[k].value = v;
    keys[k].seen = 1;
  }
  return DEQ_OK;
}

/* The kind name (before ':') and the body (after it, or "").  */
static int split(char *name, size_t len, const char **body, const char *text)
{
  const char *colon = strchr(text, ':');
  size_t n = colon ? (size_t)(colon - text) : strlen(text);
  if (n >= len) return 0;
  memcpy(name, text, n);
  name[n] = '\0';
  *body = colon ? colon + 1 : "";
  return 1;
}

static deq_status need_phase(const deq_sgd_schedule *s, double every,
                             double samples, const char *what, deq_error *err)
{
  (void)s;
  if ((every > 0) == (samples > 0))
    return fail(err, DEQ_EDOM, "%s: give exactly one of every=STEPS and "
                "samples=SAMPLES (> 0)%s%s", what, "", "");
  return DEQ_OK;
}

static const struct {
  const char *name;
  deq_lr_kind kind;
  const char *keys;
} lr_kinds[] = {
  { "constant", DEQ_LR_CONSTANT, "none" },
  { "step", DEQ_LR_STEP, "every, samples, factor" },
  { "cosine", DEQ_LR_COSINE, "horizon, warmup, floor" },
  { "wsd", DEQ_LR_WSD, "horizon, warmup, decay, floor" },
  { "power", DEQ_LR_POWER, "power, t0" },
  { "seesaw", DEQ_LR_SEESAW, "every, samples, factor" },
  { "anytime", DEQ_LR_ANYTIME, "power, t0" },
};
#define N_LR_KINDS (sizeof lr_kinds / sizeof lr_kinds[0])

/* The lr part of *s from text, the other fields kept; on failure *s is
   unchanged.  */
static deq_status parse_lr(deq_sgd_schedule *s, const char *text,
                           deq_error *err);

deq_status deq_sgd_schedule_parse(deq_sgd_schedule *out, const char *text,
                                  deq_error *err)
{
  if (!out || !text) return DEQ_EINVAL;
  deq_sgd_schedule s;
  deq_sgd_schedule_init(&s);
  s.lr = out->lr;
  s.batch = out->batch;
  s.batch_kind = out->batch_kind;
  s.batch_every = out->batch_every;
  s.batch_samples = out->batch_samples;
  s.batch_factor = out->batch_factor;
  s.batch_max = out->batch_max;
  deq_status st = parse_lr(&s, text, err);
  if (st == DEQ_OK) *out = s;
  return st;
}

static deq_status parse_lr(deq_sgd_schedule *s, const char *text,
                           deq_error *err)
{
  char name[32];
  const char *body;
  if (!s || !text) return DEQ_EINVAL;
  if (!split(name, sizeof name, &body, text))
    return fail(err, DEQ_EPARSE, "unknown schedule '%s'%s%s", text, "", "");
  size_t k = 0;
  while (k < N_LR_KINDS && strcmp(lr_kinds[k].name, name) != 0) k++;
  if (k == N_LR_KINDS)
    return fail(err, DEQ_EPARSE, "unknown schedule '%s' (constant, step, "
                "cosine, wsd, power, seesaw, anytime)%s%s", name, "", "");
  s->lr_kind = lr_kinds[k].kind;
  key keys[4];
  size_t n = 0;
  switch (s->lr_kind) {
  case DEQ_LR_STEP:
  case DEQ_LR_SEESAW:
    keys[n++] = (key){ "every", &s->every, 0 };
    keys[n++] = (key){ "samples", &s->samples, 0 };
    keys[n++] = (key){ "factor", &s->factor, 0 };
    break;
  case DEQ_LR_COSINE:
  case DEQ_LR_WSD:
    keys[n++] = (key){ "horizon", &s->horizon, 0 };
    keys[n++] = (key){ "warmup", &s->warmup, 0 };
    keys[n++] = (key){ "floor", &s->floor, 0 };
    if (s->lr_kind == DEQ_LR_WSD) keys[n++] = (key){ "decay", &s->decay, 0 };
    break;
  case DEQ_LR_POWER:
  case DEQ_LR_ANYTIME:
    keys[n++] = (key){ "power", &s->power, 0 };
    keys[n++] = (key){ "t0", &s->t0, 0 };
    break;
  default:
    break;
  }
  char what[64];
  snprintf(what, sizeof what, "schedule %s", name);
  if (n == 0 && *body)
    return fail(err, DEQ_EPARSE, "%s takes no parameters%s%s", what, "", "");
  deq_status st = parse_keys(keys, n, body, what, lr_kinds[k].keys, err);
  if (st != DEQ_OK) return st;
  if ((s->lr_kind == DEQ_LR_COSINE || s->lr_kind == DEQ_LR_WSD)
      && !keys[0].seen)
    return fail(err, DEQ_EPARSE, "%s: missing key 'horizon'%s%s", what, "", "");
  if (s->lr_kind == DEQ_LR_STEP || s->lr_kind == DEQ_LR_SEESAW)
    return need_phase(s, s->every, s->samples, what, err);
  return DEQ_OK;
}

static deq_status parse_batch(deq_sgd_schedule *s, const char *text,
                              deq_error *err);

deq_status deq_sgd_batch_parse(deq_sgd_schedule *out, const char *text,
                               deq_error *err)
{
  if (!out || !text) return DEQ_EINVAL;
  deq_sgd_schedule s = *out, init;
  deq_sgd_schedule_init(&init);
  s.batch_every = init.batch_every;
  s.batch_samples = init.batch_samples;
  s.batch_factor = init.batch_factor;
  s.batch_max = init.batch_max;
  deq_status st = parse_batch(&s, text, err);
  if (st == DEQ_OK) *out = s;
  return st;
}

static deq_status parse_batch(deq_sgd_schedule *s, const char *text,
                              deq_error *err)
{
  char name[32];
  const char *body;
  if (!s || !text) return DEQ_EINVAL;
  if (!split(name, sizeof name, &body, text))
    return fail(err, DEQ_EPARSE, "unknown batch schedule '%s'%s%s", text, "",
                "");
  if (strcmp(name, "constant") == 0) {
    s->batch_kind = DEQ_BATCH_CONSTANT;
    if (*body)
      return fail(err, DEQ_EPARSE, "batch schedule constant takes no "
                  "parameters%s%s%s", "", "", "");
    return DEQ_OK;
  }
  if (strcmp(name, "ramp") != 0)
    return fail(err, DEQ_EPARSE, "unknown batch schedule '%s' (constant, "
                "ramp)%s%s", name, "", "");
  s->batch_kind = DEQ_BATCH_RAMP;
  key keys[] = { { "every", &s->batch_every, 0 },
                 { "samples", &s->batch_samples, 0 },
                 { "factor", &s->batch_factor, 0 },
                 { "max", &s->batch_max, 0 } };
  deq_status st = parse_keys(keys, 4, body, "batch schedule ramp",
                             "every, samples, factor, max", err);
  if (st != DEQ_OK) return st;
  return need_phase(s, s->batch_every, s->batch_samples, "batch schedule ramp",
                    err);
}

deq_status deq_sgd_average_parse(deq_sgd_average *a, const char *text,
                                 deq_error *err)
{
  char name[32];
  const char *body;
  if (!a || !text) return DEQ_EINVAL;
  a->kind = DEQ_AVG_NONE;
  a->param = 0;
  if (!split(name, sizeof name, &body, text) )
    return fail(err, DEQ_EPARSE, "unknown average '%s'%s%s", text, "", "");
  char *end;
  double v = strtod(body, &end);
  int number = *body && !*end && isfinite(v);
  if (strcmp(name, "none") == 0 && !*body) return DEQ_OK;
  if (strcmp(name, "tail") == 0 && strncmp(body, "from=", 5) == 0) {
    v = strtod(body + 5, &end);
    if (body[5] && !*end && v >= 0 && v == floor(v) && v < 0x1p53) {
      a->kind = DEQ_AVG_TAIL_FROM;
      a->param = v;
      return DEQ_OK;
    }
    return fail(err, DEQ_EDOM, "average tail:from=S needs an integer step "
                "S >= 0, not '%s'%s%s", body + 5, "", "");
  }
  if (strcmp(name, "tail") == 0) {
    if (number && v > 0 && v <= 1) {
      a->kind = DEQ_AVG_TAIL;
      a->param = v;
      return DEQ_OK;
    }
    return fail(err, DEQ_EDOM, "average tail:FRACTION needs 0 < FRACTION "
                "<= 1, not '%s'%s%s", body, "", "");
  }
  if (strcmp(name, "ema") == 0) {
    if (number && v >= 0 && v < 1) {
      a->kind = DEQ_AVG_EMA;
      a->param = v;
      return DEQ_OK;
    }
    return fail(err, DEQ_EDOM, "average ema:BETA needs 0 <= BETA < 1, not "
                "'%s'%s%s", body, "", "");
  }
  if (strcmp(name, "anytime") == 0) {
    if (number && v > 0) {
      a->kind = DEQ_AVG_ANYTIME;
      a->param = v;
      return DEQ_OK;
    }
    return fail(err, DEQ_EDOM, "average anytime:C needs C > 0, not '%s'%s%s",
                body, "", "");
  }
  return fail(err, DEQ_EPARSE, "unknown average '%s' (none, tail:FRACTION, "
              "tail:from=STEP, ema:BETA, anytime:C)%s%s", text, "", "");
}

deq_status deq_sgd_schedule_check(const deq_sgd_schedule *s, deq_error *err)
{
  char num[32];
  if (!s) return DEQ_EINVAL;
  if (!(s->lr > 0 && isfinite(s->lr))) {
    snprintf(num, sizeof num, "%g", s->lr);
    return fail(err, DEQ_EDOM, "the learning rate must be > 0 and finite, "
                "not %s%s%s", num, "", "");
  }
  if (!(s->batch > 0 && isfinite(s->batch))) {
    snprintf(num, sizeof num, "%g", s->batch);
    return fail(err, DEQ_EDOM, "the batch size must be > 0, not %s%s%s", num,
                "", "");
  }
  switch (s->lr_kind) {
  case DEQ_LR_STEP:
  case DEQ_LR_SEESAW:
    if (!(s->factor > 0 && s->factor <= 1))
      return fail(err, DEQ_EDOM, "schedule %s: factor must be in (0, 1]%s%s",
                  s->lr_kind == DEQ_LR_STEP ? "step" : "seesaw", "", "");
    if (s->lr_kind == DEQ_LR_SEESAW && s->batch_kind != DEQ_BATCH_CONSTANT)
      return fail(err, DEQ_EDOM, "schedule seesaw sets the batch itself: no "
                  "batch schedule with it%s%s%s", "", "", "");
    break;
  case DEQ_LR_COSINE:
  case DEQ_LR_WSD:
    if (!(s->horizon >= 1 && s->warmup >= 0 && s->warmup < s->horizon))
      return fail(err, DEQ_EDOM, "schedule %s: need horizon >= 1 and "
                  "0 <= warmup < horizon%s%s",
                  s->lr_kind == DEQ_LR_COSINE ? "cosine" : "wsd", "", "");
    if (!(s->floor >= 0 && s->floor <= 1))
      return fail(err, DEQ_EDOM, "schedule: floor must be in [0, 1]%s%s%s",
                  "", "", "");
    if (s->lr_kind == DEQ_LR_WSD && !(s->decay > 0 && s->decay <= 1))
      return fail(err, DEQ_EDOM, "schedule wsd: decay must be in (0, 1]%s%s%s",
                  "", "", "");
    break;
  case DEQ_LR_POWER:
  case DEQ_LR_ANYTIME:
    if (!(s->power >= 0 && s->t0 > 0))
      return fail(err, DEQ_EDOM, "schedule power/anytime: need power >= 0 and "
                  "t0 > 0%s%s%s", "", "", "");
    break;
  case DEQ_LR_TABLE:
    if (!s->table || s->ntable == 0)
      return fail(err, DEQ_EDOM, "the learning-rate table is empty%s%s%s", "",
                  "", "");
    for (size_t t = 0; t < s->ntable; t++)
      if (!(s->table[t] >= 0 && isfinite(s->table[t]))) {
        char line[32];
        snprintf(line, sizeof line, "%zu", t + 1);
        return fail(err, DEQ_EDOM, "learning-rate table: value %s (step %s) "
                    "must be finite and >= 0%s", line, line, "");
      }
    break;
  default:
    break;
  }
  if (s->batch_kind == DEQ_BATCH_RAMP
      && !(s->batch_factor >= 1 && s->batch_max >= s->batch))
    return fail(err, DEQ_EDOM, "batch schedule ramp: need factor >= 1 and "
                "max >= the batch%s%s%s", "", "", "");
  return DEQ_OK;
}

/* ------------------------------------------------------------ values */

static double phase(double every, double samples, double t, double n)
{
  return every > 0 ? floor(t / every) : floor(n / samples);
}

/* The lr as a fraction of eta after a linear warmup of w steps.  */
static double warmup(double w, double t)
{
  return t < w ? (t + 1) / w : 1.0;
}

static double lr_factor(const deq_sgd_schedule *s, double t, double n)
{
  switch (s->lr_kind) {
  case DEQ_LR_STEP:
    return pow(s->factor, phase(s->every, s->samples, t, n));
  case DEQ_LR_SEESAW:
    return pow(sqrt(s->factor), phase(s->every, s->samples, t, n));
  case DEQ_LR_COSINE: {
    if (t < s->warmup) return warmup(s->warmup, t);
    if (t >= s->horizon) return s->floor;
    double p = (t - s->warmup) / (s->horizon - s->warmup);
    return s->floor + (1 - s->floor) * 0.5 * (1 + cos(M_PI * p));
  }
  case DEQ_LR_WSD: {
    double start = s->horizon - s->decay * s->horizon;
    if (t < s->warmup) return warmup(s->warmup, t);
    if (t >= s->horizon) return s->floor;
    if (t < start) return 1.0;
    return s->floor + (1 - s->floor) * (s->horizon - t) / (s->horizon - start);
  }
  case DEQ_LR_POWER:
  case DEQ_LR_ANYTIME:
    return pow(1 + t / s->t0, -s->power);
  case DEQ_LR_TABLE: {
    size_t i = t < (double)s->ntable ? (size_t)t : s->ntable - 1;
    return s->table[i];
  }
  default:
    return 1.0;
  }
}

void deq_sgd_schedule_at(double *eta, double *batch,
                         const deq_sgd_schedule *s, double t, double n)
{
  *eta = s->lr * lr_factor(s, t, n);
  double B = s->batch;
  if (s->lr_kind == DEQ_LR_SEESAW)
    B /= pow(s->factor, phase(s->every, s->samples, t, n));
  else if (s->batch_kind == DEQ_BATCH_RAMP)
    B = fmin(B * pow(s->batch_factor,
                     phase(s->batch_every, s->batch_samples, t, n)),
             s->batch_max);
  *batch = B;
}

int deq_sgd_schedule_is_constant(const deq_sgd_schedule *s)
{
  return s->lr_kind == DEQ_LR_CONSTANT && s->batch_kind == DEQ_BATCH_CONSTANT;
}
