/* io.c -- reading tables of numbers with one header line.
 *
 * The header (the first line that is neither blank nor a '#' comment)
 * fixes the layout: if it contains a tab or a comma the table is
 * delimited (every tab or comma separates two fields, blanks around a
 * field are trimmed, an empty field is an error); otherwise fields are
 * separated by runs of blanks.  Every later non-blank, non-comment line is
 * a row of exactly ncol numbers.  Numbers are parsed as strtod does in the
 * C locale's format (the library never changes the locale), so "inf",
 * "-Inf", "NaN" and deq's own %.17g output all read back exactly; plain
 * decimals take parse_double.c's exact fast path (the same doubles as
 * strtod, several times faster), everything else strtod itself.  */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deq/io.h"
#include "parse_double_impl.h"
#if defined(HAVE_ZLIB_H) && defined(HAVE_LIBZ)
#include <zlib.h>
#define DEQ_IO_ZLIB 1
#endif

/* Longest piece of offending text quoted in an error message.  */
#define QUOTE_MAX 64

static deq_status parse_error(deq_error *err, long line, long column,
                              const char *what, const char *text)
{
  if (err) {
    err->line = line;
    err->column = column;
    if (!text)
      snprintf(err->message, sizeof err->message, "%s", what);
    else if (strlen(text) > QUOTE_MAX)
      snprintf(err->message, sizeof err->message, "%s: '%.*s...'", what,
               QUOTE_MAX, text);
    else
      snprintf(err->message, sizeof err->message, "%s: '%s'", what, text);
  }
  return DEQ_EPARSE;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Cut the line terminator ("\n" or "\r\n").  A trailing tab or comma
   stays: in a delimited table it is an empty last field.  */
static void chop(char *line, size_t n)
{
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
  line[n] = '\0';
}

static int is_skipped(const char *line)
{
  while (is_blank(*line)) line++;
  return *line == '\0' || *line == '#';
}

/* A growing list of field pointers into one line.  */
typedef struct fields {
  char **f;
  size_t n, cap;
} fields;

static int fields_push(fields *fs, char *p)
{
  if (fs->n == fs->cap) {
    size_t cap = fs->cap ? 2 * fs->cap : 16;
    char **f = realloc(fs->f, cap * sizeof *f);
    if (!f) return 0;
    fs->f = f;
    fs->cap = cap;
  }
  fs->f[fs->n++] = p;
  return 1;
}

static char *trim(char *s)
{
  while (is_blank(*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && is_blank(s[n - 1])) n--;
  s[n] = '\0';
  return s;
}

/* Split in place.  delimited: on every tab or comma, fields trimmed (and
   possibly empty); otherwise on runs of blanks.  0 on allocation failure. */
static int split(fields *fs, char *line, int delimited)
{
  fs->n = 0;
  if (delimited) {
    char *start = line;
    for (char *p = line;; p++) {
      if (*p == '\t' || *p == ',' || *p == '\0') {
        int last = *p == '\0';
        *p = '\0';
        if (!fields_push(fs, trim(start))) return 0;
        if (last) return 1;
        start = p + 1;
      }
    }
  }
  char *p = line;
  for (;;) {
    while (is_blank(*p)) p++;
    if (*p == '\0') return 1;
    if (!fields_push(fs, p)) return 0;
    while (*p && !is_blank(*p)) p++;
    if (*p) *p++ = '\0';
  }
}

/* The whole field must be one number.  Returns NULL on success, else
   what is wrong: overflow to +-HUGE_VAL is refused, underflow to a
   subnormal or zero is accepted.  */
static const char *parse_number(const char *s, double *x)
{
  if (deq_parse_decimal(s, x)) return NULL;   /* the common case, exactly */
  char *end;
  errno = 0;
  *x = strtod(s, &end);
  if (end == s || *end != '\0') return "not a number";
  if (errno == ERANGE && isinf(*x)) return "number out of range";
  return NULL;
}

/* Drop one pair of double quotes around a column name ("E_g" -> E_g),
   as spreadsheets write them.  */
static char *unquote(char *s)
{
  size_t n = strlen(s);
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    return s + 1;
  }
  return s;
}

typedef struct reader {
  FILE *f;
  char *line;
  size_t cap;
  long lineno;
  deq_error *err;
} reader;

/* Next line that is not blank or a comment, chopped; *got = 0 at the end
   of the input.  */
static deq_status next_line(reader *r, int *got)
{
  for (;;) {
    errno = 0;
    ssize_t n = getline(&r->line, &r->cap, r->f);
    if (n < 0) {
      *got = 0;
      if (errno == ENOMEM) return DEQ_ENOMEM;
      if (!ferror(r->f)) return DEQ_OK;
      if (r->err) {
        r->err->line = r->lineno + 1;
        snprintf(r->err->message, sizeof r->err->message, "read error: %s",
                 strerror(errno));
      }
      return DEQ_EIO;
    }
    r->lineno++;
    size_t m = (size_t)n;
    if (memchr(r->line, '\0', m))
      return parse_error(r->err, r->lineno, 0, "NUL byte in a text line", NULL);
    if (r->lineno == 1 && m >= 3 && memcmp(r->line, "\xEF\xBB\xBF", 3) == 0) {
      memmove(r->line, r->line + 3, m - 2);  /* UTF-8 byte order mark */
      m -= 3;
    }
    chop(r->line, m);
    if (!is_skipped(r->line)) {
      *got = 1;
      return DEQ_OK;
    }
  }
}

typedef struct named {
  const char *name;
  size_t col;
} named;

static int by_name_then_column(const void *a, const void *b)
{
  const named *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->col > y->col) - (x->col < y->col);
}

/* A repeated name would make deq_table_column ambiguous: report the
   earliest second occurrence, with its first.  Sorting keeps this
   O(n log n) for tables of many columns.  */
static deq_status check_unique_names(const deq_table *t, reader *r)
{
  named *a = malloc(t->ncol * sizeof *a);
  if (!a) return DEQ_ENOMEM;
  for (size_t j = 0; j < t->ncol; j++) a[j] = (named){t->names[j], j};
  qsort(a, t->ncol, sizeof *a, by_name_then_column);
  size_t first = 0, second = SIZE_MAX;
  for (size_t k = 1; k < t->ncol; k++)
    if (strcmp(a[k].name, a[k - 1].name) == 0 &&
        (k < 2 || strcmp(a[k].name, a[k - 2].name) != 0) &&
        a[k].col < second) { /* a[k-1] is its group's first occurrence */
      first = a[k - 1].col;
      second = a[k].col;
    }
  free(a);
  if (second == SIZE_MAX) return DEQ_OK;
  char what[80];
  snprintf(what, sizeof what, "duplicate column name (columns %zu and %zu)",
           first + 1, second + 1);
  return parse_error(r->err, r->lineno, (long)second + 1, what,
                     t->names[second]);
}

static deq_status read_header(deq_table *t, int *delimited, reader *r,
                              fields *fs)
{
  int got;
  deq_status st = next_line(r, &got);
  if (st) return st;
  if (!got)
    return parse_error(r->err, 0, 0,
                       "empty input: no header line of column names", NULL);
  *delimited = strpbrk(r->line, "\t,") != NULL;
  if (!split(fs, r->line, *delimited)) return DEQ_ENOMEM;
  t->names = calloc(fs->n, sizeof *t->names);
  if (!t->names) return DEQ_ENOMEM;
  t->ncol = fs->n;
  for (size_t j = 0; j < fs->n; j++) {
    char *name = unquote(fs->f[j]);
    if (*name == '\0')
      return parse_error(r->err, r->lineno, (long)j + 1,
                         "empty column name in the header", NULL);
    /* A repeated name would make deq_table_column ambiguous.  */
    for (size_t i = 0; i < j; i++)
      if (strcmp(t->names[i], name) == 0) {
        char what[96];
        snprintf(what, sizeof what,
                 "duplicate column name (columns %zu and %zu)", i + 1, j + 1);
        return parse_error(r->err, r->lineno, (long)j + 1, what, name);
      }
    t->names[j] = strdup(name);
    if (!t->names[j]) return DEQ_ENOMEM;
  }
  return check_unique_names(t, r);
}

/* Room for one more row in t->data, grown geometrically.  */
static deq_status room_for_row(deq_table *t, size_t *cap_rows)
{
  if (t->nrow < *cap_rows) return DEQ_OK;
  size_t cap = *cap_rows ? 2 * *cap_rows : 64;
  if (cap > SIZE_MAX / sizeof(double) / t->ncol) return DEQ_ENOMEM;
  double *d = realloc(t->data, cap * t->ncol * sizeof *d);
  if (!d) return DEQ_ENOMEM;
  t->data = d;
  *cap_rows = cap;
  return DEQ_OK;
}

/* The common row, parsed in place without splitting: ncol plain
   decimals (parse_double.c) separated as the header's layout says.  1
   when all of them were stored in row; 0 sends the line to the general
   path (split, strtod, and its messages naming line and field), which
   decides every other case the same way as before.  */
static int fast_row(double *row, const char *p, size_t ncol, int delimited)
{
  for (size_t j = 0; j < ncol; j++) {
    while (*p == ' ' || (!delimited && *p == '\t')) p++;
    p = deq_parse_decimal_prefix(p, &row[j]);
    if (!p) return 0;
    if (delimited) {
      while (*p == ' ') p++;
      if (j + 1 < ncol) {
        if (*p != ',' && *p != '\t') return 0;
        p++;
      }
    } else if (j + 1 < ncol && *p != ' ' && *p != '\t') {
      return 0;
    }
  }
  while (*p == ' ' || (!delimited && *p == '\t')) p++;
  return *p == '\0';
}

/* Append one row of ncol numbers, growing t->data geometrically.  */
static deq_status push_row(deq_table *t, size_t *cap_rows, reader *r,
                           const fields *fs)
{
  long lineno = r->lineno;
  if (fs->n != t->ncol) {
    char what[96];
    snprintf(what, sizeof what, "%zu field%s where the header has %zu",
             fs->n, fs->n == 1 ? "" : "s", t->ncol);
    /* Point at the first extra field, or at the first missing one.  */
    long col = fs->n > t->ncol ? (long)t->ncol + 1 : (long)fs->n + 1;
    return parse_error(r->err, lineno, col, what, NULL);
  }
  deq_status st = room_for_row(t, cap_rows);
  if (st) return st;
  double *row = t->data + t->nrow * t->ncol;
  for (size_t j = 0; j < t->ncol; j++) {
    const char *s = fs->f[j];
    if (*s == '\0')
      return parse_error(r->err, lineno, (long)j + 1, "empty field", NULL);
    const char *bad = parse_number(s, &row[j]);
    if (bad) return parse_error(r->err, lineno, (long)j + 1, bad, s);
  }
  t->nrow++;
  return DEQ_OK;
}

deq_status deq_table_read(deq_table **out, FILE *f, deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  deq_error_clear(err);
  if (!f) return DEQ_EINVAL;
  deq_table *t = calloc(1, sizeof *t);
  if (!t) return DEQ_ENOMEM;
  reader r = {f, NULL, 0, 0, err};
  fields fs = {0};
  int delimited = 0;
  deq_status st = read_header(t, &delimited, &r, &fs);
  size_t cap_rows = 0;
  while (st == DEQ_OK) {
    int got;
    st = next_line(&r, &got);
    if (st || !got) break;
    st = room_for_row(t, &cap_rows);
    if (st) break;
    if (fast_row(t->data + t->nrow * t->ncol, r.line, t->ncol, delimited)) {
      t->nrow++;
      continue;
    }
    if (!split(&fs, r.line, delimited))
      st = DEQ_ENOMEM;
    else
      st = push_row(t, &cap_rows, &r, &fs);
  }
  free(r.line);
  free(fs.f);
  if (st) {
    deq_table_free(t);
    return st;
  }
  *out = t;
  return DEQ_OK;
}

void deq_table_free(deq_table *t)
{
  if (!t) return;
  if (t->names)
    for (size_t j = 0; j < t->ncol; j++) free(t->names[j]);
  free(t->names);
  free(t->data);
  free(t);
}

long deq_table_column(const deq_table *t, const char *name)
{
  if (!t || !name) return -1;
  for (size_t j = 0; j < t->ncol; j++)
    if (t->names[j] && strcmp(t->names[j], name) == 0) return (long)j;
  return -1;
}

/* ------------------------------------------------------------ files */

static deq_status file_error(deq_error *err, deq_status st, const char *path,
                             const char *what)
{
  if (err) {
    err->line = err->column = 0;
    snprintf(err->message, sizeof err->message, "%s: %s", path, what);
  }
  return st;
}

/* Does the file start with the gzip magic bytes 1f 8b?  */
static int is_gzip(FILE *f)
{
  unsigned char magic[2] = {0, 0};
  size_t got = fread(magic, 1, 2, f);
  rewind(f);
  return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

#ifdef DEQ_IO_ZLIB
/* The whole decompressed content of a gzip file.  A stream that ends
   early or fails its check is an error: zlib reports it through gzerror
   or gzclose, never through a short read alone.  */
static deq_status gunzip_all(char **buf, size_t *len, const char *path,
                             deq_error *err)
{
  *buf = NULL;
  *len = 0;
  gzFile gz = gzopen(path, "rb");
  if (!gz) return file_error(err, DEQ_EIO, path, strerror(errno ? errno : ENOMEM));
  size_t cap = 0;
  deq_status st = DEQ_OK;
  /* zlib's message lives in the gz state, freed by gzclose: keep a copy. */
  char why[128] = "";
  for (;;) {
    if (cap - *len < 65536) {
      char *b = cap > SIZE_MAX / 4 ? NULL : realloc(*buf, 2 * cap + 65536);
      if (!b) {
        st = DEQ_ENOMEM;
        break;
      }
      *buf = b;
      cap = 2 * cap + 65536;
    }
    int n = gzread(gz, *buf + *len, (unsigned)(cap - *len));
    int zerr = Z_OK;
    const char *m = gzerror(gz, &zerr);
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
      st = DEQ_EIO;
      snprintf(why, sizeof why, "%s", m ? m : "");
      break;
    }
    if (n == 0) break;
    *len += (size_t)n;
  }
  const char *msg = "truncated or corrupt gzip data";
  int zc = gzclose(gz);
  if (st == DEQ_OK && zc != Z_OK)
    st = DEQ_EIO;
  if (st == DEQ_EIO)
    file_error(err, st, path, *why ? why : msg);
  if (st) {
    free(*buf);
    *buf = NULL;
  }
  return st;
}
#endif

deq_status deq_table_read_file(deq_table **out, const char *path,
                               deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  deq_error_clear(err);
  if (!path) return DEQ_EINVAL;
  FILE *f = fopen(path, "rb");
  if (!f) return file_error(err, DEQ_EIO, path, strerror(errno));
  int gz = is_gzip(f);
  if (!gz) {
    deq_status st = deq_table_read(out, f, err);
    if (fclose(f) != 0 && st == DEQ_OK) {
      deq_table_free(*out);
      *out = NULL;
      return file_error(err, DEQ_EIO, path, "read error");
    }
    return st;
  }
  fclose(f);
#ifdef DEQ_IO_ZLIB
  char *buf;
  size_t len;
  deq_status st = gunzip_all(&buf, &len, path, err);
  if (st) return st;
  if (len == 0) {
    free(buf);
    return parse_error(err, 0, 0, "empty input: no header line of column names",
                       NULL);
  }
  FILE *m = fmemopen(buf, len, "r");
  if (!m) {
    free(buf);
    return file_error(err, DEQ_EIO, path, strerror(errno));
  }
  st = deq_table_read(out, m, err);
  fclose(m);
  free(buf);
  return st;
#else
  return file_error(err, DEQ_EUNSUP, path,
                    "gzip-compressed, and deq was built without zlib");
#endif
}
