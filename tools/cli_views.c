/* tools/cli_views.c -- the member file of `deq subsample --views FILE`
 * (the DEQ_PARAM_VIEWS parameter kind): one ensemble member a line,
 *   SUBSET [key=value,...] ...
 * where SUBSET lists 1-based coordinates with ranges ("1-50,60") and the
 * keys are fraction, seed (a random subset instead of SUBSET), eta and
 * lambda; '#' starts a comment, blank lines are skipped.  Syntax errors
 * name the file, line (the member) and field; the values themselves are
 * checked by the library (deq_views_plan_diag), whose messages carry each
 * member's label "--views: PATH:LINE".  */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int syntax(const char *cmd, const char *opt, const char *path,
                  long line, long field, const char *fmt, const char *arg)
{
  deq_error err;
  deq_error_clear(&err);
  snprintf(err.message, sizeof err.message, fmt, arg);
  cli_file_error(cmd, opt, path, line, field, DEQ_EPARSE, &err);
  return CLI_EUSAGE;
}

/* "1-50,60" into 0-based indices appended to *idx (*n of *cap).  */
static int parse_subset(size_t **idx, size_t *n, const char *text)
{
  size_t cap = 0;
  for (const char *p = text; *p;) {
    char *end;
    if (*p < '0' || *p > '9') return -1;
    errno = 0;
    unsigned long long a = strtoull(p, &end, 10), b = a;
    if (errno || end == p) return -1;
    p = end;
    if (*p == '-') {
      if (p[1] < '0' || p[1] > '9') return -1;
      b = strtoull(p + 1, &end, 10);
      if (errno || end == p + 1) return -1;
      p = end;
    }
    if (a < 1 || b < a || b - a >= (1ull << 32)) return -1;
    if (*p == ',') {
      p++;
      if (!*p) return -1;
    } else if (*p) {
      return -1;
    }
    for (unsigned long long k = a; k <= b; k++) {
      if (*n == cap) {
        cap = cap ? 2 * cap : 64;
        size_t *t = realloc(*idx, cap * sizeof *t);
        if (!t) return -2;
        *idx = t;
      }
      (*idx)[(*n)++] = (size_t)(k - 1);
    }
  }
  return 0;
}

void cli_views_free(cli_views *v)
{
  for (size_t r = 0; v->member && r < v->views.K; r++) {
    free((void *)v->member[r].idx);
    free((void *)v->member[r].label);
  }
  free(v->member);
  memset(v, 0, sizeof *v);
}

/* One member line (already stripped of its comment).  */
static int parse_member(deq_views_member *m, char *text, const char *cmd,
                        const char *opt, const char *path, long line)
{
  double fraction = NAN, seed = 1, eta = 0, lambda = NAN;
  int have_subset = 0, have_fraction = 0;
  long field = 0;
  size_t n = 0;
  size_t *idx = NULL;
  int st = CLI_OK;
  for (char *save = NULL, *tok = strtok_r(text, " \t\r\n", &save);
       tok && st == CLI_OK; tok = strtok_r(NULL, " \t\r\n", &save)) {
    field++;
    if (!strchr(tok, '=')) {
      if (have_subset) {
        st = syntax(cmd, opt, path, line, field, "subset: a second subset "
                    "'%s' (give one list, e.g. 1-50,60)", tok);
        break;
      }
      have_subset = 1;
      int ps = parse_subset(&idx, &n, tok);
      if (ps == -2) st = CLI_ENUM;
      else if (ps) st = syntax(cmd, opt, path, line, field, "subset: '%s' is "
                               "not a list of coordinates >= 1 and ranges "
                               "A-B (e.g. 1-50,60)", tok);
      continue;
    }
    char where[512];
    snprintf(where, sizeof where, "%s: %s:%ld:%ld", opt, path, line, field);
    cli_key keys[] = { { "fraction", &fraction, 0, 0, 0 },
                       { "seed", &seed, 0, 0, 0 }, { "eta", &eta, 0, 0, 0 },
                       { "lambda", &lambda, 0, 0, 0 } };
    cli_key_ctx c = { cmd, where, tok, "a member" };
    st = cli_keys_parse(&c, keys, 4, tok);
    have_fraction |= keys[0].seen;
    if (st == CLI_OK && keys[1].seen
        && !(seed >= 0 && seed <= 1e15 && seed == floor(seed)))
      st = syntax(cmd, opt, path, line, field, "seed: must be an integer in "
                  "[0, 1e15] (%s)", tok);
    if (st == CLI_OK && keys[1].seen && !keys[0].seen && !have_fraction)
      st = syntax(cmd, opt, path, line, field, "seed: goes with fraction= "
                  "(%s)", tok);
  }
  if (st == CLI_OK && have_subset == have_fraction)
    st = syntax(cmd, opt, path, line, 0, "%s", have_subset
                ? "give either a subset or fraction=, not both"
                : "no subset: give coordinates (e.g. 1-50,60) or "
                  "fraction=NU,seed=S");
  if (st != CLI_OK) {
    free(idx);
    return st;
  }
  char label[512];
  snprintf(label, sizeof label, "%s: %s:%ld", opt, path, line);
  *m = (deq_views_member){ n, have_subset ? idx : NULL, fraction,
                           (uint64_t)seed, eta, lambda, strdup(label) };
  if (!have_subset) free(idx);
  return m->label ? CLI_OK : CLI_ENUM;
}

int cli_views_read(cli_views *out, const char *cmd, const char *opt,
                   const char *path)
{
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "r");
  if (!f) return cli_file_error(cmd, opt, path, 0, 0, DEQ_EIO, NULL);
  char *buf = NULL;
  size_t len = 0, cap = 0;
  long line = 0;
  int st = CLI_OK;
  while (st == CLI_OK && getline(&buf, &len, f) >= 0) {
    line++;
    char *hash = strchr(buf, '#');
    if (hash) *hash = '\0';
    if (strspn(buf, " \t\r\n") == strlen(buf)) continue;
    if (out->views.K == cap) {
      cap = cap ? 2 * cap : 8;
      deq_views_member *t = realloc(out->member, cap * sizeof *t);
      if (!t) {
        st = CLI_ENUM;
        break;
      }
      out->member = t;
    }
    st = parse_member(&out->member[out->views.K], buf, cmd, opt, path, line);
    if (st == CLI_OK) out->views.K++;
  }
  if (st == CLI_OK && ferror(f))
    st = cli_file_error(cmd, opt, path, 0, 0, DEQ_EIO, NULL);
  free(buf);
  fclose(f);
  if (st == CLI_OK && out->views.K == 0) {
    deq_error err;
    deq_error_clear(&err);
    snprintf(err.message, sizeof err.message, "no members (an ensemble needs "
             "K >= 1 member lines)");
    st = cli_file_error(cmd, opt, path, 0, 0, DEQ_EINVAL, &err);
  }
  if (st == CLI_ENUM) cli_error(cmd, "out of memory");
  out->views.member = out->member;
  return st;
}
