/* tools/cli_grid.c -- numbers and grids on the command line.
 *
 * A grid is "v", "v1,v2,..." or "start:stop:count[:log|:lin]".  Linear
 * grids are start + (stop - start) i/(count - 1), log grids are
 * start (stop/start)^(i/(count - 1)) (so that 10:1000:3:log has exactly
 * 100 in the middle); both end exactly at start and stop.  */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Larger grids are surely typos (and would exhaust memory).  */
#define CLI_GRID_MAX 100000000u

int cli_parse_number_or_inf(double *out, const char *text)
{
  char *end;
  if (!text || !*text || isspace((unsigned char)*text))
    return -1;
  errno = 0;
  double x = strtod(text, &end);
  if (*end != '\0' || isnan(x))
    return -1;
  /* Overflow to +-HUGE_VAL is a bad number; underflow to 0 is fine.  */
  if (errno == ERANGE && isinf(x))
    return -1;
  *out = x;
  return 0;
}

int cli_parse_number(double *out, const char *text)
{
  double x;
  if (cli_parse_number_or_inf(&x, text) != 0 || !isfinite(x))
    return -1;
  *out = x;
  return 0;
}

int cli_parse_uint(uint64_t *out, const char *text)
{
  char *end;
  if (!text || !isdigit((unsigned char)*text))
    return -1;
  errno = 0;
  /* Decimal only: a leading zero is not octal, 0x is not hex.  */
  unsigned long long u = strtoull(text, &end, 10);
  if (*end != '\0' || errno == ERANGE)
    return -1;
  *out = (uint64_t)u;
  return 0;
}

/* Why x violates the constraints, or NULL.  */
static const char *constraint_problem(double x, int constraints)
{
  if ((constraints & CLI_POSITIVE) && !(x > 0))
    return "must be > 0";
  if ((constraints & CLI_NONNEGATIVE) && !(x >= 0))
    return "must be >= 0";
  if ((constraints & CLI_INTEGER) && x != floor(x))
    return "must be an integer";
  return NULL;
}

static int check_value(const char *cmd, const char *opt, const char *text,
                       double x, int constraints)
{
  const char *why = constraint_problem(x, constraints);
  if (!why)
    return CLI_OK;
  char buf[32];
  cli_error(cmd, "%s '%s': value %s %s", opt, text, cli_num(buf, x), why);
  return CLI_EUSAGE;
}

int cli_scalar_parse(double *out, const char *cmd, const char *opt,
                     const char *text, int constraints)
{
  double x;
  if (strpbrk(text, ",:")) {
    cli_error(cmd, "%s '%s': takes one number, not a grid", opt, text);
    return CLI_EUSAGE;
  }
  if (cli_parse_number(&x, text) != 0) {
    cli_error(cmd, "%s '%s': not a finite number", opt, text);
    return CLI_EUSAGE;
  }
  int st = check_value(cmd, opt, text, x, constraints);
  if (st == CLI_OK)
    *out = x + 0.0;  /* -0 -> +0 */
  return st;
}

/* Split a copy of text at every `sep`; fields point into *copy.  */
static size_t split(char **fields, size_t max, char *copy, char sep)
{
  size_t n = 0;
  char *p = copy;
  for (;;) {
    if (n < max)
      fields[n] = p;
    n++;
    char *q = strchr(p, sep);
    if (!q)
      break;
    *q = '\0';
    p = q + 1;
  }
  return n;
}

static int grid_alloc(cli_grid *g, const char *cmd, size_t n)
{
  g->v = malloc(n * sizeof *g->v);
  if (!g->v) {
    cli_error(cmd, "out of memory for a grid of %zu values", n);
    return CLI_ENUM;
  }
  g->n = n;
  return CLI_OK;
}

static int parse_list(cli_grid *g, const char *cmd, const char *opt,
                      const char *text, char *copy, int allow_inf)
{
  size_t n = split(NULL, 0, copy, ',');
  int st = grid_alloc(g, cmd, n);
  if (st != CLI_OK)
    return st;
  const char *field = copy;
  for (size_t i = 0; i < n; i++) {
    int bad = allow_inf ? cli_parse_number_or_inf(&g->v[i], field)
                        : cli_parse_number(&g->v[i], field);
    if (bad || g->v[i] == -INFINITY) {
      cli_error(cmd, "%s '%s': '%s' is not a %snumber", opt, text, field,
                allow_inf ? "" : "finite ");
      return CLI_EUSAGE;
    }
    field += strlen(field) + 1;
  }
  return CLI_OK;
}

static int parse_range(cli_grid *g, const char *cmd, const char *opt,
                       const char *text, char *copy, int round)
{
  char *f[4];
  size_t nf = split(f, 4, copy, ':');
  if (nf < 3 || nf > 4) {
    cli_error(cmd, "%s '%s': a range is start:stop:count[:log]", opt, text);
    return CLI_EUSAGE;
  }
  double a, b, c;
  if (cli_parse_number(&a, f[0]) != 0 || cli_parse_number(&b, f[1]) != 0) {
    cli_error(cmd, "%s '%s': bad start or stop '%s'", opt, text,
              cli_parse_number(&a, f[0]) != 0 ? f[0] : f[1]);
    return CLI_EUSAGE;
  }
  if (cli_parse_number(&c, f[2]) != 0 || c != floor(c) || c < 1
      || c > CLI_GRID_MAX) {
    cli_error(cmd, "%s '%s': count '%s' must be an integer from 1 to %u",
              opt, text, f[2], CLI_GRID_MAX);
    return CLI_EUSAGE;
  }
  int logscale = 0;
  if (nf == 4) {
    if (strcmp(f[3], "log") == 0)
      logscale = 1;
    else if (strcmp(f[3], "lin") != 0) {
      cli_error(cmd, "%s '%s': spacing '%s' must be log or lin", opt, text,
                f[3]);
      return CLI_EUSAGE;
    }
  }
  if (logscale && !(a > 0 && b > 0)) {
    cli_error(cmd, "%s '%s': a log grid needs start and stop > 0", opt, text);
    return CLI_EUSAGE;
  }
  size_t n = (size_t)c;
  int st = grid_alloc(g, cmd, n);
  if (st != CLI_OK)
    return st;
  /* b/a (or b - a) can leave the double range (1e-300:1e300): then the
     points come from logs (or halves), which stay in range.  */
  int wide = logscale ? !(isfinite(b / a) && b / a > 0) : !isfinite(b - a);
  for (size_t i = 0; i < n; i++) {
    double t = n > 1 ? (double)i / (double)(n - 1) : 0.0;
    if (logscale)
      g->v[i] = wide ? exp(log(a) + t * (log(b) - log(a))) : a * pow(b / a, t);
    else
      g->v[i] = wide ? a * (1 - t) + b * t : a + t * (b - a);
  }
  g->v[0] = a;
  if (n > 1)
    g->v[n - 1] = b;
  for (size_t i = 0; round && i < n; i++)   /* integer options: 16:512:8:log */
    g->v[i] = nearbyint(g->v[i]);
  return CLI_OK;
}

int cli_grid_parse(cli_grid *out, const char *cmd, const char *opt,
                   const char *text, int constraints)
{
  cli_grid g = { 0, NULL };
  char *copy = strdup(text);
  if (!copy) {
    cli_error(cmd, "out of memory");
    return CLI_ENUM;
  }
  int st = strchr(copy, ':')
    ? parse_range(&g, cmd, opt, text, copy, (constraints & CLI_ROUND) != 0)
    : parse_list(&g, cmd, opt, text, copy, (constraints & CLI_INF) != 0);
  free(copy);
  for (size_t i = 0; st == CLI_OK && i < g.n; i++) {
    g.v[i] += 0.0;  /* -0 -> +0 */
    st = check_value(cmd, opt, text, g.v[i], constraints);
  }
  if (st != CLI_OK) {
    cli_grid_free(&g);
    return st;
  }
  cli_grid_free(out);
  *out = g;
  return CLI_OK;
}

void cli_grid_free(cli_grid *g)
{
  free(g->v);
  g->v = NULL;
  g->n = 0;
}

int cli_count_parse(uint64_t *out, const char *cmd, const char *opt,
                    const char *arg, uint64_t min, uint64_t max)
{
  uint64_t u;
  if (cli_parse_uint(&u, arg) != 0 || u < min) {
    cli_error(cmd, "%s '%s': must be an integer >= %llu", opt, arg,
              (unsigned long long)min);
    return CLI_EUSAGE;
  }
  if (u > max) {
    cli_error(cmd, "%s '%s': too large (at most %llu)", opt, arg,
              (unsigned long long)max);
    return CLI_EUSAGE;
  }
  *out = u;
  return CLI_OK;
}
