/* spectrum_file.c -- the spectrum file format and one-column number files.
 *
 * Format: one atom per line, "eigenvalue [target_power [multiplicity]]",
 * fields separated by blanks, tabs or commas, '#' starts a comment.  */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deq/spectrum.h"

static deq_status parse_error(deq_error *err, long line, long field,
                              const char *fmt, const char *text)
{
  if (err) {
    err->line = line;
    err->column = field;
    snprintf(err->message, sizeof err->message, fmt, text);
  }
  return DEQ_EPARSE;
}

static int is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char *skip_space(char *p)
{
  while (is_space(*p)) p++;
  return p;
}

/* Split `line` in place into at most `max` fields; comments are cut off.
   Fields are separated by a comma (blanks around it allowed) or by a run
   of blanks; a comma with no field before or after it is an empty field,
   never skipped (strtok would merge "4,,2" into two fields).  Returns the
   number of fields, max + 1 if there are more, or -1 with *empty = the
   1-based number of an empty field.  */
static int split_fields(char *line, char **field, int max, int *empty)
{
  char *hash = strchr(line, '#');
  if (hash) *hash = '\0';
  char *p = skip_space(line);
  int n = 0;
  while (*p) {
    if (*p == ',') {
      *empty = n + 1;
      return -1;
    }
    char *tok = p;
    while (*p && !is_space(*p) && *p != ',') p++;
    char *end = p;
    p = skip_space(p);
    int comma = *p == ',';
    if (comma) p = skip_space(p + 1);
    *end = '\0';
    if (n == max) return max + 1;
    field[n++] = tok;
    if (comma && !*p) { /* trailing comma */
      *empty = n + 1;
      return -1;
    }
  }
  return n;
}

/* A whole token must be a number ("inf" and "nan" parse, and are
   rejected later by validation with a clearer message).  */
static int parse_number(const char *tok, double *x)
{
  char *end;
  errno = 0;
  *x = strtod(tok, &end);
  return end != tok && *end == '\0';
}

typedef struct growable {
  double *a;
  size_t n, cap;
} growable;

static int push(growable *g, double x)
{
  if (g->n == g->cap) {
    size_t cap = g->cap ? 2 * g->cap : 256;
    double *a = realloc(g->a, cap * sizeof *a);
    if (!a) return 0;
    g->a = a;
    g->cap = cap;
  }
  g->a[g->n++] = x;
  return 1;
}

/* Read lines of 1..maxcols numbers into cols[0..maxcols-1]; missing
   trailing fields get defaults[j].  Validation of values is the caller's.  */
static deq_status read_rows(growable *cols, growable *lines, int mincols,
                            int maxcols, const double *defaults, FILE *f,
                            deq_error *err)
{
  char *line = NULL;
  size_t cap = 0;
  long lineno = 0;
  deq_status st = DEQ_OK;
  while (getline(&line, &cap, f) >= 0) {
    lineno++;
    char *text = line;
    if (lineno == 1 && strncmp(text, "\xEF\xBB\xBF", 3) == 0)
      text += 3; /* UTF-8 byte order mark */
    char *field[4];
    int empty = 0, nf = split_fields(text, field, maxcols, &empty);
    if (nf < 0) {
      st = parse_error(err, lineno, empty, "empty field%s", "");
      break;
    }
    if (nf == 0) continue;
    if (nf > maxcols) {
      st = parse_error(err, lineno, maxcols + 1, "too many fields (at most %s)",
                       maxcols == 1 ? "1" : "3: eigenvalue target_power multiplicity");
      break;
    }
    if (nf < mincols) {
      st = parse_error(err, lineno, nf + 1, "missing field%s", "");
      break;
    }
    for (int j = 0; j < maxcols && st == DEQ_OK; j++) {
      double x = defaults[j];
      if (j < nf && !parse_number(field[j], &x))
        st = parse_error(err, lineno, j + 1, "'%s' is not a number", field[j]);
      else if (!push(&cols[j], x))
        st = DEQ_ENOMEM;
    }
    if (st == DEQ_OK && !push(lines, (double)lineno)) st = DEQ_ENOMEM;
    if (st) break;
  }
  if (st == DEQ_OK && ferror(f)) st = DEQ_EIO;
  free(line);
  return st;
}

deq_status deq_spectrum_read(deq_spectrum **out, FILE *f, deq_error *err)
{
  if (!out || !f) return DEQ_EINVAL;
  *out = NULL;
  deq_error_clear(err);
  growable cols[3] = {{0}}, lines = {0};
  static const double defaults[3] = {0.0, 0.0, 1.0};
  deq_status st = read_rows(cols, &lines, 1, 3, defaults, f, err);
  if (st == DEQ_OK && cols[0].n == 0)
    st = parse_error(err, 0, 0, "no atoms (the file is empty)%s", "");
  if (st == DEQ_OK) {
    /* Atoms map one-to-one to non-empty lines; report file line numbers.  */
    st = deq_spectrum_from_arrays(out, cols[0].n, cols[0].a, cols[2].a,
                                  cols[1].a, err);
    /* Validation numbers atoms; report the file line instead.  */
    if (st && err && err->line > 0 && (size_t)err->line <= lines.n) {
      long atom = err->line;
      err->line = (long)lines.a[atom - 1];
      char *colon = strchr(err->message, ':');
      char rest[sizeof err->message];
      snprintf(rest, sizeof rest, "%s", colon ? colon + 2 : err->message);
      snprintf(err->message, sizeof err->message, "%s", rest);
    }
  }
  for (int j = 0; j < 3; j++) free(cols[j].a);
  free(lines.a);
  return st;
}

deq_status deq_spectrum_read_file(deq_spectrum **out, const char *path,
                                  deq_error *err)
{
  if (!out || !path) return DEQ_EINVAL;
  *out = NULL;
  deq_error_clear(err);
  FILE *f = fopen(path, "r");
  if (!f) {
    if (err) snprintf(err->message, sizeof err->message, "cannot open: %s",
                      strerror(errno));
    return DEQ_EIO;
  }
  deq_status st = deq_spectrum_read(out, f, err);
  fclose(f);
  return st;
}

deq_status deq_read_column(double **out, size_t *n, FILE *f, deq_error *err)
{
  if (!out || !n || !f) return DEQ_EINVAL;
  *out = NULL;
  *n = 0;
  deq_error_clear(err);
  growable col = {0}, lines = {0};
  static const double defaults[1] = {0.0};
  deq_status st = read_rows(&col, &lines, 1, 1, defaults, f, err);
  if (st == DEQ_OK && col.n == 0)
    st = parse_error(err, 0, 0, "no numbers (the file is empty)%s", "");
  for (size_t i = 0; st == DEQ_OK && i < col.n; i++)
    if (!isfinite(col.a[i]))
      st = parse_error(err, (long)lines.a[i], 1, "value is not finite%s", "");
  free(lines.a);
  if (st) {
    free(col.a);
    return st;
  }
  *out = col.a;
  *n = col.n;
  return DEQ_OK;
}
