/* spectrum_file.c -- the spectrum file format and one-column number files.
 *
 * Format: one atom per line, "eigenvalue [target_power [multiplicity]]",
 * fields separated by blanks, tabs or commas, '#' starts a comment.
 * The stream is read whole into memory and split in place; numbers go
 * through deq_parse_decimal (strtod's values, faster).  */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "deq/spectrum.h"
#include "parse_double_impl.h"
#include "spectrum_impl.h"

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

/* A whole field: the fast exact path, else strtod (inf, nan, hex, ...).  */
static int parse_field(const char *tok, double *x)
{
  if (deq_parse_decimal(tok, x)) return 1;
  char *end;
  *x = strtod(tok, &end);
  return end != tok && *end == '\0';
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The common line, in one pass without copying: plain decimal fields
   separated by blanks or one comma, an optional comment.  Returns the
   number of fields (0 for a blank or comment line), or -1 for anything
   else (errors included), which split_fields and parse_field then
   handle with the same results.  */
static int fast_line(const char *p, double *val, int max)
{
  int n = 0;
  for (;;) {
    while (is_blank(*p)) p++;
    if (*p == '\0' || *p == '#') return n;
    if (n == max || !(p = deq_parse_decimal_prefix(p, &val[n]))) return -1;
    n++;
    int blanks = is_blank(*p);
    while (is_blank(*p)) p++;
    if (*p == ',') {
      p++;
      while (is_blank(*p)) p++;
      if (*p == '\0' || *p == '#' || *p == ',') return -1; /* empty field */
    } else if (!blanks && *p != '\0' && *p != '#') {
      return -1; /* "1.5x": not a number */
    }
  }
}

typedef struct growable {
  double *a;
  size_t n, cap;
} growable;

/* The rows read so far: cols[j] (all of the same length) and the file
   line of each row.  */
typedef struct rows {
  growable *cols;
  long *lines;
  size_t n, cap;
  int mincols, maxcols;
  const double *defaults;
  size_t hint;  /* rows expected (0: unknown) */
} rows;

static int room(rows *r)
{
  if (r->n < r->cap) return 1;
  size_t cap = r->cap ? 2 * r->cap : r->hint > 1024 ? r->hint : 1024;
  for (int j = 0; j < r->maxcols; j++) {
    double *a = realloc(r->cols[j].a, cap * sizeof *a);
    if (!a) return 0;
    r->cols[j].a = a;
  }
  long *l = realloc(r->lines, cap * sizeof *l);
  if (!l) return 0;
  r->lines = l;
  r->cap = cap;
  return 1;
}

/* One NUL-terminated line: a row, nothing (blank or comment), or an
   error naming the line and field.  */
static deq_status one_line(rows *r, char *text, long lineno, deq_error *err)
{
  int maxcols = r->maxcols;
  if (lineno == 1 && strncmp(text, "\xEF\xBB\xBF", 3) == 0)
    text += 3; /* UTF-8 byte order mark */
  double val[4];
  int nf = fast_line(text, val, maxcols);
  if (nf == 0) return DEQ_OK;
  if (nf < r->mincols) { /* not the common line: split it in place */
    char *field[4];
    int empty = 0;
    nf = split_fields(text, field, maxcols, &empty);
    if (nf < 0) return parse_error(err, lineno, empty, "empty field%s", "");
    if (nf == 0) return DEQ_OK;
    if (nf > maxcols)
      return parse_error(err, lineno, maxcols + 1, "too many fields (at most %s)",
                         maxcols == 1 ? "1" : "3: eigenvalue target_power multiplicity");
    if (nf < r->mincols) return parse_error(err, lineno, nf + 1, "missing field%s", "");
    for (int j = 0; j < nf; j++)
      if (!parse_field(field[j], &val[j]))
        return parse_error(err, lineno, j + 1, "'%s' is not a number", field[j]);
  }
  if (!room(r)) return DEQ_ENOMEM;
  for (int j = 0; j < maxcols; j++)
    r->cols[j].a[r->n] = j < nf ? val[j] : r->defaults[j];
  r->lines[r->n++] = lineno;
  return DEQ_OK;
}

/* Rows to expect in a regular file: one per 16 bytes from here to its
   end (a 17-digit atom line has about 40), so that the columns are
   rarely moved by growing; untouched pages of the excess cost nothing
   and the caller trims the columns.  0 for pipes.  */
static size_t rows_hint(FILE *f)
{
  struct stat st;
  long at = ftell(f);
  if (at < 0 || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)
      || st.st_size <= at)
    return 0;
  return (size_t)((st.st_size - at) / 16 + 1);
}

/* Read lines of 1..maxcols numbers into cols[0..maxcols-1]; missing
   trailing fields get defaults[j]; (*lines)[i] is the file line of row i.
   The stream is read in blocks of 1 MiB (a longer line grows the block)
   and each line is parsed in place.  Validation of values is the
   caller's.  */
static deq_status read_rows(growable *cols, long **lines, int mincols,
                            int maxcols, const double *defaults, FILE *f,
                            deq_error *err)
{
  rows r = {cols, NULL, 0, 0, mincols, maxcols, defaults, rows_hint(f)};
  size_t cap = 1 << 20, have = 0;
  char *buf = malloc(cap);
  deq_status st = buf ? DEQ_OK : DEQ_ENOMEM;
  long lineno = 0;
  int eof = 0;
  while (st == DEQ_OK && !eof) {
    if (cap - have < 2) { /* a line longer than the block */
      char *b = realloc(buf, 2 * cap);
      if (!b) { st = DEQ_ENOMEM; break; }
      buf = b;
      cap *= 2;
    }
    size_t got = fread(buf + have, 1, cap - have - 1, f);
    have += got;
    eof = got == 0;
    if (eof && ferror(f)) { st = DEQ_EIO; break; }
    buf[have] = '\0';
    char *text = buf, *stop = buf + have;
    for (;;) {
      char *nl = memchr(text, '\n', (size_t)(stop - text));
      if (!nl && !(eof && text < stop)) break; /* wait for the line's end */
      if (nl) *nl = '\0';
      st = one_line(&r, text, ++lineno, err);
      if (st || !nl) { text = stop; break; }
      text = nl + 1;
    }
    have = (size_t)(stop - text); /* the start of an unfinished line */
    memmove(buf, text, have);
  }
  free(buf);
  for (int j = 0; j < maxcols; j++) cols[j].n = r.n;
  *lines = r.lines;
  return st;
}

deq_status deq_spectrum_read(deq_spectrum **out, FILE *f, deq_error *err)
{
  if (!out || !f) return DEQ_EINVAL;
  *out = NULL;
  deq_error_clear(err);
  growable cols[3] = {{0}};
  long *lines = NULL;
  static const double defaults[3] = {0.0, 0.0, 1.0};
  deq_status st = read_rows(cols, &lines, 1, 3, defaults, f, err);
  if (st == DEQ_OK && cols[0].n == 0)
    st = parse_error(err, 0, 0, "no atoms (the file is empty)%s", "");
  if (st == DEQ_OK) {
    /* Atoms map one-to-one to non-empty lines; report file line numbers.
       The spectrum takes the columns (trimmed to size), no copies.  */
    size_t n = cols[0].n;
    for (int j = 0; j < 3; j++) {
      double *a = realloc(cols[j].a, n * sizeof *a);
      if (a) cols[j].a = a;
    }
    st = deq_spectrum_adopt(out, n, cols[0].a, cols[2].a, cols[1].a, err);
    for (int j = 0; j < 3; j++) cols[j].a = NULL;
    /* Validation numbers atoms; report the file line instead.  */
    if (st && err && err->line > 0 && (size_t)err->line <= cols[0].n) {
      long atom = err->line;
      err->line = lines[atom - 1];
      char *colon = strchr(err->message, ':');
      char rest[sizeof err->message];
      snprintf(rest, sizeof rest, "%s", colon ? colon + 2 : err->message);
      snprintf(err->message, sizeof err->message, "%s", rest);
    }
  }
  for (int j = 0; j < 3; j++) free(cols[j].a);
  free(lines);
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
  growable col = {0};
  long *lines = NULL;
  static const double defaults[1] = {0.0};
  deq_status st = read_rows(&col, &lines, 1, 1, defaults, f, err);
  if (st == DEQ_OK && col.n == 0)
    st = parse_error(err, 0, 0, "no numbers (the file is empty)%s", "");
  for (size_t i = 0; st == DEQ_OK && i < col.n; i++)
    if (!isfinite(col.a[i]))
      st = parse_error(err, lines[i], 1, "value is not finite%s", "");
  free(lines);
  if (st) {
    free(col.a);
    return st;
  }
  double *a = realloc(col.a, col.n * sizeof *a); /* trim the excess */
  *out = a ? a : col.a;
  *n = col.n;
  return DEQ_OK;
}
