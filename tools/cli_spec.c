/* tools/cli_spec.c -- spectrum and target specifications.
 *
 *   --spectrum iso:n=N[,scale=S]
 *   --spectrum loguniform:n=N,lo=A,hi=B
 *   --spectrum powerlaw:alpha=A,n=N|inf[,scale=S,head=H,exact_max=M]
 *   --spectrum file:PATH
 *   --target source:r=R[,amp=A] | iso[:norm=W2] | file:PATH | none
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* --------------------------------------------------------- key=value lists */

static cli_key *find_key(cli_key *keys, size_t nkeys, const char *name)
{
  for (size_t i = 0; i < nkeys; i++)
    if (strcmp(keys[i].name, name) == 0)
      return &keys[i];
  return NULL;
}

static void list_keys(char *buf, size_t len, const cli_key *keys, size_t nkeys)
{
  buf[0] = '\0';
  for (size_t i = 0; i < nkeys; i++) {
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", i ? ", " : "", keys[i].name);
  }
}

/* One "key=value" field.  */
static int parse_field(const cli_key_ctx *c, cli_key *keys, size_t nkeys,
                       char *field)
{
  char *eq = strchr(field, '=');
  if (!eq || eq == field) {
    cli_error(c->cmd, "%s '%s': '%s' is not key=value", c->opt, c->text, field);
    return CLI_EUSAGE;
  }
  *eq = '\0';
  const char *value = eq + 1;
  cli_key *k = find_key(keys, nkeys, field);
  if (!k) {
    char names[128];
    list_keys(names, sizeof names, keys, nkeys);
    cli_error(c->cmd, "%s '%s': unknown key '%s' for %s (keys: %s)", c->opt,
              c->text, field, c->kind, names);
    return CLI_EUSAGE;
  }
  if (k->seen) {
    cli_error(c->cmd, "%s '%s': duplicate key '%s'", c->opt, c->text, field);
    return CLI_EUSAGE;
  }
  k->seen = 1;
  int bad = k->allow_inf ? cli_parse_number_or_inf(k->value, value)
                         : cli_parse_number(k->value, value);
  if (bad) {
    cli_error(c->cmd, "%s '%s': %s='%s' is not a %snumber", c->opt, c->text,
              field, value, k->allow_inf ? "" : "finite ");
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

int cli_keys_parse(const cli_key_ctx *c, cli_key *keys, size_t nkeys,
                   const char *body)
{
  int st = CLI_OK;
  if (body && *body) {
    char *copy = strdup(body);
    if (!copy) {
      cli_error(c->cmd, "out of memory");
      return CLI_ENUM;
    }
    /* strtok would skip empty fields; walk the commas by hand.  */
    for (char *field = copy, *next; st == CLI_OK && field; field = next) {
      char *comma = strchr(field, ',');
      next = comma ? comma + 1 : NULL;
      if (comma)
        *comma = '\0';
      st = parse_field(c, keys, nkeys, field);
    }
    free(copy);
  }
  for (size_t i = 0; st == CLI_OK && i < nkeys; i++)
    if (keys[i].required && !keys[i].seen) {
      cli_error(c->cmd, "%s '%s': missing key '%s' for %s", c->opt, c->text,
                keys[i].name, c->kind);
      st = CLI_EUSAGE;
    }
  return st;
}

static int bad_value(const cli_key_ctx *c, const char *what)
{
  cli_error(c->cmd, "%s '%s': %s", c->opt, c->text, what);
  return CLI_EUSAGE;
}

static int is_count(double x)
{
  return x >= 1 && x == floor(x) && isfinite(x);
}

/* ---------------------------------------------------------- spectrum kinds */

static int parse_iso(cli_spec *s, const cli_key_ctx *c, const char *body)
{
  s->scale = 1;
  cli_key keys[] = { { "n", &s->n, 1, 0, 0 },
                      { "scale", &s->scale, 0, 0, 0 } };
  int st = cli_keys_parse(c, keys, 2, body);
  if (st == CLI_OK && !is_count(s->n))
    return bad_value(c, "n must be an integer >= 1");
  if (st == CLI_OK && !(s->scale > 0))
    return bad_value(c, "scale must be > 0");
  return st;
}

static int parse_loguniform(cli_spec *s, const cli_key_ctx *c, const char *body)
{
  cli_key keys[] = { { "n", &s->n, 1, 0, 0 }, { "lo", &s->lo, 1, 0, 0 },
                      { "hi", &s->hi, 1, 0, 0 } };
  int st = cli_keys_parse(c, keys, 3, body);
  if (st != CLI_OK)
    return st;
  if (!is_count(s->n) || s->n > (double)SIZE_MAX / 32)
    return bad_value(c, "n must be an integer >= 1");
  if (!(s->lo > 0 && s->hi >= s->lo))
    return bad_value(c, "need 0 < lo <= hi");
  return CLI_OK;
}

static int parse_powerlaw(cli_spec *s, const cli_key_ctx *c, const char *body)
{
  deq_powerlaw *p = &s->powerlaw;
  deq_powerlaw_init(p);
  cli_key keys[] = { { "alpha", &p->alpha, 1, 0, 0 }, { "n", &p->n, 1, 1, 0 },
                      { "scale", &p->scale, 0, 0, 0 },
                      { "head", &p->head, 0, 0, 0 },
                      { "exact_max", &p->exact_max, 0, 0, 0 } };
  int st = cli_keys_parse(c, keys, 5, body);
  if (st != CLI_OK)
    return st;
  if (!(p->alpha > 0))
    return bad_value(c, "alpha must be > 0");
  if (!(is_count(p->n) || p->n == INFINITY))
    return bad_value(c, "n must be an integer >= 1 or inf");
  if (p->n == INFINITY && !(p->alpha > 1))
    return bad_value(c, "n=inf needs alpha > 1 (the trace must be finite)");
  if (!(p->scale > 0))
    return bad_value(c, "scale must be > 0");
  if (keys[3].seen && !is_count(p->head))
    return bad_value(c, "head must be an integer >= 1");
  if (keys[4].seen && !is_count(p->exact_max))
    return bad_value(c, "exact_max must be an integer >= 1");
  return CLI_OK;
}

static int parse_spectrum(cli_spec *s, const char *cmd, const char *text)
{
  const char *colon = strchr(text, ':');
  size_t klen = colon ? (size_t)(colon - text) : strlen(text);
  const char *body = colon ? colon + 1 : NULL;
  cli_key_ctx c = { cmd, "--spectrum", text, NULL };
  static const struct { const char *name; cli_spectrum_kind kind; } kinds[] = {
    { "iso", CLI_SPEC_ISO }, { "loguniform", CLI_SPEC_LOGUNIFORM },
    { "powerlaw", CLI_SPEC_POWERLAW }, { "file", CLI_SPEC_FILE } };
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    if (strlen(kinds[i].name) != klen
        || strncmp(text, kinds[i].name, klen) != 0)
      continue;
    c.kind = kinds[i].name;
    s->kind = kinds[i].kind;
    switch (s->kind) {
    case CLI_SPEC_ISO: return parse_iso(s, &c, body);
    case CLI_SPEC_LOGUNIFORM: return parse_loguniform(s, &c, body);
    case CLI_SPEC_POWERLAW: return parse_powerlaw(s, &c, body);
    case CLI_SPEC_FILE:
      if (!body || !*body)
        return bad_value(&c, "file: needs a path (file:PATH)");
      s->path = body;
      return CLI_OK;
    }
  }
  cli_error(cmd, "--spectrum '%s': unknown kind '%.*s' "
            "(kinds: iso, loguniform, powerlaw, file)", text, (int)klen, text);
  return CLI_EUSAGE;
}

/* ------------------------------------------------------------ targets */

static int parse_target(cli_spec *s, const char *cmd, const char *text)
{
  const char *colon = strchr(text, ':');
  size_t klen = colon ? (size_t)(colon - text) : strlen(text);
  const char *body = colon ? colon + 1 : NULL;
  cli_key_ctx c = { cmd, "--target", text, NULL };
  s->target_text = text;
  if (klen == 6 && strncmp(text, "source", 6) == 0) {
    c.kind = "source";
    deq_powerlaw *p = &s->powerlaw;
    cli_key keys[] = { { "r", &p->r, 1, 0, 0 }, { "amp", &p->amp, 0, 0, 0 } };
    p->amp = 1;
    int st = cli_keys_parse(&c, keys, 2, body);
    if (st != CLI_OK)
      return st;
    if (!(p->r > 0))
      return bad_value(&c, "r must be > 0");
    if (!(p->amp >= 0))
      return bad_value(&c, "amp must be >= 0");
    if (s->kind != CLI_SPEC_POWERLAW)
      return bad_value(&c, "a source target needs --spectrum powerlaw:...");
    s->target = CLI_TARGET_SOURCE;
    return CLI_OK;
  }
  if (klen == 3 && strncmp(text, "iso", 3) == 0) {
    c.kind = "iso";
    s->norm2 = 1;
    cli_key keys[] = { { "norm", &s->norm2, 0, 0, 0 } };
    int st = cli_keys_parse(&c, keys, 1, body);
    if (st == CLI_OK && !(s->norm2 >= 0))
      return bad_value(&c, "norm must be >= 0");
    s->target = CLI_TARGET_ISO;
    return st;
  }
  if (klen == 4 && strncmp(text, "file", 4) == 0) {
    if (!body || !*body)
      return bad_value(&c, "file: needs a path (file:PATH)");
    s->target_path = body;
    s->target = CLI_TARGET_FILE;
    return CLI_OK;
  }
  if (strcmp(text, "none") == 0) {
    s->target = CLI_TARGET_NONE;
    return CLI_OK;
  }
  cli_error(cmd, "--target '%s': unknown kind '%.*s' (kinds: source, iso, "
            "file, none)", text, (int)klen, text);
  return CLI_EUSAGE;
}

static const char *kind_name(cli_spectrum_kind k)
{
  switch (k) {
  case CLI_SPEC_ISO: return "iso";
  case CLI_SPEC_LOGUNIFORM: return "loguniform";
  case CLI_SPEC_POWERLAW: return "powerlaw";
  case CLI_SPEC_FILE: return "file";
  }
  return "?";
}

int cli_spec_parse(cli_spec *out, const char *cmd, const char *spectrum,
                   const char *target, int target_required)
{
  memset(out, 0, sizeof *out);
  deq_powerlaw_init(&out->powerlaw);
  if (!spectrum) {
    cli_error(cmd, "--spectrum is required");
    return CLI_EUSAGE;
  }
  out->text = spectrum;
  int st = parse_spectrum(out, cmd, spectrum);
  if (st != CLI_OK)
    return st;
  out->powerlaw.r = NAN;  /* no target unless --target source: */
  out->powerlaw.amp = 0;
  if (target)
    return parse_target(out, cmd, target);
  if (target_required && out->kind != CLI_SPEC_FILE) {
    cli_error(cmd, "--target is required with --spectrum %s",
              kind_name(out->kind));
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

/* ------------------------------------------------------------ building */

/* Report a library failure while building from option `opt`.  */
static int build_error(const char *cmd, const char *opt, const char *text,
                       deq_status st, const deq_error *err)
{
  const char *msg = err && err->message[0] ? err->message : deq_strerror(st);
  cli_error(cmd, "%s '%s': %s", opt, text, msg);
  return cli_status_exit(st);
}

static int file_error(const char *cmd, const char *opt, const char *path,
                      long line, deq_status st, const deq_error *err)
{
  return cli_file_error(cmd, opt, path, line, err ? err->column : 0, st, err);
}

/* Line number of the k-th (1-based) data line of a one-column file, so
   that an error about target value k can name its line; 0 if unknown.  */
static long data_line(const char *path, long k)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return 0;
  char buf[4096];
  long line = 0, found = 0, seen = 0;
  while (!found && fgets(buf, sizeof buf, f)) {
    size_t len = strlen(buf);
    int whole = len > 0 && buf[len - 1] == '\n';
    line++;
    const char *p = buf + strspn(buf, " \t\r\n");
    if (*p && *p != '#' && ++seen == k)
      found = line;
    /* Skip the rest of an over-long line.  */
    while (!whole && fgets(buf, sizeof buf, f)) {
      len = strlen(buf);
      whole = len > 0 && buf[len - 1] == '\n';
    }
  }
  fclose(f);
  return found;
}

static int apply_target_file(deq_spectrum *sp, const char *cmd,
                             const char *path)
{
  deq_error err;
  deq_error_clear(&err);
  FILE *f = fopen(path, "r");
  if (!f) {
    cli_error(cmd, "--target: %s: %s", path, strerror(errno));
    return CLI_EUSAGE;
  }
  double *v = NULL;
  size_t nv = 0;
  deq_status st = deq_read_column(&v, &nv, f, &err);
  fclose(f);
  if (st != DEQ_OK)
    return file_error(cmd, "--target", path, err.line, st, &err);
  int ret = CLI_OK;
  if (nv != sp->n) {
    cli_error(cmd, "--target: %s: %zu target values for a spectrum of %zu "
              "atoms", path, nv, sp->n);
    ret = CLI_EUSAGE;
  } else {
    deq_error_clear(&err);
    st = deq_spectrum_target_values(sp, nv, v, &err);
    if (st != DEQ_OK)
      ret = file_error(cmd, "--target", path,
                       err.line > 0 ? data_line(path, err.line) : 0, st, &err);
  }
  free(v);
  return ret;
}

static int apply_target_zero(deq_spectrum *sp, const char *cmd)
{
  double *zero = calloc(sp->n, sizeof *zero);
  if (!zero) {
    cli_error(cmd, "out of memory");
    return CLI_ENUM;
  }
  deq_status st = deq_spectrum_target_values(sp, sp->n, zero, NULL);
  free(zero);
  return st == DEQ_OK ? CLI_OK : build_error(cmd, "--target", "none", st, NULL);
}

static int apply_target(deq_spectrum *sp, const char *cmd, const cli_spec *s)
{
  switch (s->target) {
  case CLI_TARGET_UNSET:
  case CLI_TARGET_SOURCE:
    return CLI_OK;  /* file column, or built into the power law */
  case CLI_TARGET_NONE:
    return apply_target_zero(sp, cmd);
  case CLI_TARGET_FILE:
    return apply_target_file(sp, cmd, s->target_path);
  case CLI_TARGET_ISO:
    if (!isfinite(sp->dim)) {
      cli_error(cmd, "--target '%s': an isotropic target needs a spectrum of "
                "finite dimension", s->target_text);
      return CLI_EUSAGE;
    }
    {
      deq_status st = deq_spectrum_target_iso(sp, s->norm2);
      if (st != DEQ_OK)
        return build_error(cmd, "--target", s->target_text, st, NULL);
    }
    return CLI_OK;
  }
  return CLI_OK;
}

static int build_base(deq_spectrum **out, const char *cmd, const cli_spec *s)
{
  deq_status st = DEQ_OK;
  deq_error err;
  deq_error_clear(&err);
  switch (s->kind) {
  case CLI_SPEC_ISO:
    st = deq_spectrum_iso(out, s->n, s->scale);
    break;
  case CLI_SPEC_LOGUNIFORM:
    st = deq_spectrum_loguniform(out, (size_t)s->n, s->lo, s->hi);
    break;
  case CLI_SPEC_POWERLAW:
    st = deq_spectrum_powerlaw(out, &s->powerlaw);
    break;
  case CLI_SPEC_FILE:
    st = deq_spectrum_read_file(out, s->path, &err);
    if (st != DEQ_OK)
      return file_error(cmd, "--spectrum", s->path, err.line, st, &err);
    return CLI_OK;
  }
  if (st != DEQ_OK) {
    *out = NULL;
    return build_error(cmd, "--spectrum", s->text, st, &err);
  }
  return CLI_OK;
}

int cli_spec_build(deq_spectrum **out, const char *cmd, const cli_spec *s)
{
  return cli_spec_build_order(out, cmd, s, 0);
}

int cli_spec_build_order(deq_spectrum **out, const char *cmd,
                         const cli_spec *s, int keep_order)
{
  deq_spectrum *sp = NULL;
  *out = NULL;
  int ret = build_base(&sp, cmd, s);
  if (ret == CLI_OK)
    ret = apply_target(sp, cmd, s);
  if (ret == CLI_OK && !keep_order) {
    deq_status st = deq_spectrum_compress(sp);
    if (st != DEQ_OK)
      ret = build_error(cmd, "--spectrum", s->text, st, NULL);
  }
  if (ret != CLI_OK) {
    deq_spectrum_free(sp);
    return ret;
  }
  *out = sp;
  return CLI_OK;
}
