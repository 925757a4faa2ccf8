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
 * strtod, several times faster), everything else strtod itself.
 *
 * One thread streams the text in blocks and parses each block's whole
 * lines straight into their rows (stream_table); several threads parse a
 * mapped file, its body cut at line boundaries into one chunk per thread,
 * each chunk writing its rows at a slot counted from the newlines before
 * it (one thread per chunk, as many as OpenMP would use), and chunks that
 * skipped blank or comment lines are moved up afterwards (read_body).
 * Every field is parsed exactly on its own, so
 * the table is the same whatever the number of threads; the first error
 * in line order is the one reported, with its line and field.  */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "deq/io.h"
#include "bigmem_impl.h"
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

/* Zero bytes after the end of a text in memory: the number parser reads
   up to 8 bytes ahead inside a field (parse_double.c's eight-digit
   steps), and a last line without a newline ends at a NUL.  */
#define TEXT_PAD 16

typedef struct reader {
  const char *pos, *end;   /* the unread text */
  char *line;              /* copy of the current line, chopped */
  size_t cap;
  long lineno;
  deq_error *err;
} reader;

/* The line starting at s (before end): its end (a '\n' or end).  */
static const char *line_end(const char *s, const char *end)
{
  const char *e = memchr(s, '\n', (size_t)(end - s));
  return e ? e : end;
}

/* Copy of the line [s, e) as getline and chop left it: a NUL byte inside
   is an error; bom: drop a UTF-8 byte order mark (line 1).  */
static deq_status take_line(reader *r, const char *s, const char *e, int bom)
{
  size_t m = (size_t)(e - s);
  if (m + 1 > r->cap) {
    size_t cap = m + 1 > 2 * r->cap ? m + 1 : 2 * r->cap;
    char *l = realloc(r->line, cap);
    if (!l) return DEQ_ENOMEM;
    r->line = l;
    r->cap = cap;
  }
  if (memchr(s, '\0', m))
    return parse_error(r->err, r->lineno, 0, "NUL byte in a text line", NULL);
  memcpy(r->line, s, m);
  r->line[m] = '\0';
  if (bom && m >= 3 && memcmp(r->line, "\xEF\xBB\xBF", 3) == 0) {
    memmove(r->line, r->line + 3, m - 2);  /* UTF-8 byte order mark */
    m -= 3;
  }
  chop(r->line, m);
  return DEQ_OK;
}

/* Next line that is not blank or a comment, chopped into r->line; *got =
   0 at the end of the text.  */
static deq_status next_line(reader *r, int *got)
{
  while (r->pos < r->end) {
    const char *e = line_end(r->pos, r->end);
    r->lineno++;
    deq_status st = take_line(r, r->pos, e, r->lineno == 1);
    r->pos = e < r->end ? e + 1 : e;
    if (st) return st;
    if (!is_skipped(r->line)) {
      *got = 1;
      return DEQ_OK;
    }
  }
  *got = 0;
  return DEQ_OK;
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
    t->names[j] = strdup(name);
    if (!t->names[j]) return DEQ_ENOMEM;
  }
  return check_unique_names(t, r);   /* not pairwise: 5000 names are common */
}

/* The common row, parsed in place without copying or splitting: ncol
   plain decimals (parse_double.c) separated as the header's layout says,
   then blanks and carriage returns up to the line's end e.  1 when all
   of them were stored in row; 0 sends the line to the general path
   (copy, split, strtod, and its messages naming line and field), which
   decides every other case the same way as before.  Never reads past e
   but for the parser's look-ahead into the text's padding.  */
static int fast_row(double *row, const char *p, const char *e, size_t ncol,
                    int delimited)
{
  for (size_t j = 0; j < ncol; j++) {
    while (*p == ' ' || (!delimited && *p == '\t')) p++;
    p = deq_parse_decimal_prefix_padded(p, &row[j]);
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
  while (*p == '\r') p++;
  return p == e;
}

/* One row of ncol numbers from split fields into row.  */
static deq_status fill_row(double *row, size_t ncol, reader *r,
                           const fields *fs)
{
  long lineno = r->lineno;
  if (fs->n != ncol) {
    char what[96];
    snprintf(what, sizeof what, "%zu field%s where the header has %zu",
             fs->n, fs->n == 1 ? "" : "s", ncol);
    /* Point at the first extra field, or at the first missing one.  */
    long col = fs->n > ncol ? (long)ncol + 1 : (long)fs->n + 1;
    return parse_error(r->err, lineno, col, what, NULL);
  }
  for (size_t j = 0; j < ncol; j++) {
    const char *s = fs->f[j];
    if (*s == '\0')
      return parse_error(r->err, lineno, (long)j + 1, "empty field", NULL);
    const char *bad = parse_number(s, &row[j]);
    if (bad) return parse_error(r->err, lineno, (long)j + 1, bad, s);
  }
  return DEQ_OK;
}

/* Newlines in [p, p + n): 32 byte-wide counters, emptied every 255
   rounds before they can wrap; the fixed-length inner loop is what the
   compiler turns into vector compares (about 1 ms for 30 MB).  */
static size_t count_newlines(const char *p, size_t n)
{
  enum { LANES = 32, ROUNDS = 255 };
  size_t c = 0, i = 0;
  for (; n - i >= (size_t)LANES * ROUNDS; i += (size_t)LANES * ROUNDS) {
    unsigned char acc[LANES] = {0};
    for (size_t k = 0; k < (size_t)LANES * ROUNDS; k += LANES)
      for (int j = 0; j < LANES; j++) acc[j] += p[i + k + j] == '\n';
    for (int j = 0; j < LANES; j++) c += acc[j];
  }
  for (; i < n; i++) c += p[i] == '\n';
  return c;
}

/* A run of whole lines of the body, parsed by one thread into the row
   slots from row0 on.  */
typedef struct chunk {
  const char *s, *e;
  size_t lines;       /* lines in [s, e) */
  size_t row0, nrow;  /* first slot, rows stored */
  long lineno;        /* where an error was found, counted from s */
  deq_status st;
  deq_error err;
} chunk;

static void parse_chunk(chunk *c, double *data, size_t ncol, int delimited)
{
  reader r = {c->s, c->e, NULL, 0, 0, &c->err};
  fields fs = {0};
  c->st = DEQ_OK;
  while (r.pos < r.end) {
    const char *s = r.pos, *e = line_end(s, r.end);
    r.pos = e < r.end ? e + 1 : e;
    r.lineno++;
    double *row = data + (c->row0 + c->nrow) * ncol;
    if (fast_row(row, s, e, ncol, delimited)) {
      c->nrow++;
      continue;
    }
    c->st = take_line(&r, s, e, 0);
    if (c->st) break;
    if (is_skipped(r.line)) continue;
    if (!split(&fs, r.line, delimited)) {
      c->st = DEQ_ENOMEM;
      break;
    }
    c->st = fill_row(row, ncol, &r, &fs);
    if (c->st) break;
    c->nrow++;
  }
  c->lineno = r.lineno;
  free(r.line);
  free(fs.f);
}

/* The chunks' work: counting lines (rows == NULL), or parsing rows.  */
typedef struct job {
  chunk *c;
  double *rows;
  size_t ncol;
  int delimited;
} job;

static void *run_job(void *arg)
{
  job *w = arg;
  chunk *c = w->c;
  if (!w->rows) {
    size_t len = (size_t)(c->e - c->s);
    c->lines = count_newlines(c->s, len) + (len > 0 && c->e[-1] != '\n');
  } else {
    parse_chunk(c, w->rows, w->ncol, w->delimited);
  }
  return NULL;
}

/* Chunk k on thread k (the caller's own for chunk 0).  Plain threads,
   joined, rather than an OpenMP team: on a loaded machine a team's
   threads spin while they wait for each other, which costs processor
   time for nothing.  A thread that cannot start leaves its chunk to the
   caller.  */
static void run_chunks(chunk *c, int n, double *rows, size_t ncol,
                       int delimited)
{
  job w[64];
  pthread_t th[64];
  int started[64] = {0};
  for (int k = 0; k < n; k++) w[k] = (job){&c[k], rows, ncol, delimited};
  for (int k = 1; k < n; k++)
    started[k] = pthread_create(&th[k], NULL, run_job, &w[k]) == 0;
  run_job(&w[0]);
  for (int k = 1; k < n; k++) {
    if (started[k]) pthread_join(th[k], NULL);
    else run_job(&w[k]);
  }
}

/* Bodies smaller than this are read by one thread.  */
#define PARALLEL_MIN_BYTES ((size_t)1 << 20)

static int chunk_count(size_t bytes)
{
#ifdef _OPENMP
  int n = omp_get_max_threads();
  if (bytes >= PARALLEL_MIN_BYTES && n > 1) return n < 64 ? n : 64;
#endif
  (void)bytes;
  return 1;
}

/* The rows of [s, end) of a mapped file after a header on line
   hdr_line.  The lines in the last 16 bytes or more are copied to a
   padded buffer and read from there, the last chunk, so that no
   look-ahead leaves the mapping.  */
static deq_status read_body(deq_table *t, const char *s, const char *end,
                            long hdr_line, int delimited, deq_error *err)
{
  if (s >= end) return DEQ_OK;
  const char *cut = s;
  for (const char *q = end - 16; q > s; q--)
    if (q[-1] == '\n') {
      cut = q;
      break;
    }
  char *tail = malloc((size_t)(end - cut) + TEXT_PAD);
  if (!tail) return DEQ_ENOMEM;
  memcpy(tail, cut, (size_t)(end - cut));
  memset(tail + (end - cut), 0, TEXT_PAD);
  int n = chunk_count((size_t)(cut - s)), all = n + 1;
  chunk *c = calloc((size_t)all, sizeof *c);
  if (!c) {
    free(tail);
    return DEQ_ENOMEM;
  }
  c[n].s = tail;   /* the last chunk, the tail, read by the caller */
  c[n].e = tail + (end - cut);
  end = cut;
  const char *b = s;
  for (int k = 0; k < n; k++) {
    c[k].s = b;
    if (k + 1 < n) {
      const char *cut = s + (size_t)(end - s) / (size_t)n * (size_t)(k + 1);
      if (cut < b) cut = b;
      b = cut < end ? line_end(cut, end) : end;
      if (b < end) b++;
    } else {
      b = end;
    }
    c[k].e = b;
  }
  size_t total = 0;
  run_chunks(c, n, NULL, t->ncol, delimited);
  run_chunks(c + n, 1, NULL, t->ncol, delimited);
  for (int k = 0; k < all; k++) {
    c[k].row0 = total;
    total += c[k].lines;
  }
  deq_status st = DEQ_OK;
  if (total > SIZE_MAX / sizeof(double) / t->ncol) st = DEQ_ENOMEM;
  else if (!(t->data = deq_big_malloc(total * t->ncol * sizeof *t->data)))
    st = DEQ_ENOMEM;
  if (st == DEQ_OK) {
    run_chunks(c, n, t->data, t->ncol, delimited);
    run_chunks(c + n, 1, t->data, t->ncol, delimited);
    /* The first error in line order; else the rows moved together.  */
    long before = hdr_line;
    for (int k = 0; k < all && st == DEQ_OK; k++) {
      if (c[k].st) {
        st = c[k].st;
        if (err && c[k].err.line > 0) {
          *err = c[k].err;
          err->line = before + c[k].lineno;
        }
        break;
      }
      if (c[k].row0 != t->nrow)
        memmove(t->data + t->nrow * t->ncol, t->data + c[k].row0 * t->ncol,
                c[k].nrow * t->ncol * sizeof *t->data);
      t->nrow += c[k].nrow;
      before += (long)c[k].lines;
    }
  }
  free(c);
  free(tail);
  return st;
}

/* Parse a whole mapped text of len bytes, in parallel.  */
static deq_status parse_text(deq_table **out, const char *buf, size_t len,
                             deq_error *err)
{
  deq_table *t = calloc(1, sizeof *t);
  if (!t) return DEQ_ENOMEM;
  reader r = {buf, buf + len, NULL, 0, 0, err};
  fields fs = {0};
  int delimited = 0;
  deq_status st = read_header(t, &delimited, &r, &fs);
  free(r.line);
  free(fs.f);
  if (st == DEQ_OK)
    st = read_body(t, r.pos, r.end, r.lineno, delimited, err);
  if (st) {
    deq_table_free(t);
    return st;
  }
  *out = t;
  return DEQ_OK;
}

/* ------------------------------------------------------------ streams */

/* Where a streamed table's text comes from: a FILE, or a gzip file.  */
typedef struct source {
  FILE *f;
#ifdef DEQ_IO_ZLIB
  gzFile gz;
#endif
  int failed;        /* errno of a read error, or -1: zlib's, in why */
  char why[128];
} source;

/* Up to n bytes into buf: how many, 0 at the end or on an error
   (s->failed set).  A gzip stream that ends early or fails its check is
   an error: zlib reports it through gzerror or gzclose, never through a
   short read alone (see deq_table_read_file).  */
static size_t source_read(source *s, char *buf, size_t n)
{
#ifdef DEQ_IO_ZLIB
  if (s->gz) {
    int got = gzread(s->gz, buf, n > 1u << 30 ? 1u << 30 : (unsigned)n);
    int zerr = Z_OK;
    const char *m = gzerror(s->gz, &zerr);
    if (got < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
      s->failed = -1;
      snprintf(s->why, sizeof s->why, "%s", m && *m ? m
               : "truncated or corrupt gzip data");
      return 0;
    }
    return (size_t)got;
  }
#endif
  errno = 0;
  size_t got = fread(buf, 1, n, s->f);
  if (got < n && ferror(s->f)) s->failed = errno ? errno : EIO;
  return got;
}

/* Text blocks of this size (and more for a longer line): the rows are
   parsed from a buffer that stays in cache, and no page of the text is
   mapped or first touched in the process (in a virtual machine either
   costs about as much as parsing it).  */
#define STREAM_BLOCK ((size_t)1 << 18)

typedef struct stream {
  source *src;
  char *buf;
  size_t len, cap;   /* text in buf, and room (TEXT_PAD more allocated) */
  int eof;
} stream;

/* Read more text after the len bytes kept, growing the buffer when they
   fill it (a line longer than a block).  */
static deq_status stream_fill(stream *z)
{
  if (z->len == z->cap) {
    size_t cap = z->cap > SIZE_MAX / 4 ? 0 : 2 * z->cap;
    char *b = cap ? realloc(z->buf, cap + TEXT_PAD) : NULL;
    if (!b) return DEQ_ENOMEM;
    z->buf = b;
    z->cap = cap;
  }
  size_t got = source_read(z->src, z->buf + z->len, z->cap - z->len);
  z->len += got;
  if (got == 0) z->eof = 1;
  memset(z->buf + z->len, 0, TEXT_PAD);
  return z->src->failed ? DEQ_EIO : DEQ_OK;
}

/* The end of the last whole line in [s, end): past its '\n', or s.  At
   the end of the text, end itself.  */
static const char *whole_lines(const stream *z, const char *s)
{
  const char *end = z->buf + z->len;
  if (z->eof) return end;
  const char *last = s;   /* memchr forward: vectorised, and portable */
  for (const char *q = s; q < end;) {
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    if (!nl) break;
    last = q = nl + 1;
  }
  return last;
}

/* Room for rows more rows in t->data (*cap rows now): the first time
   for the whole text as estimated from its first lines (hint: the text's
   size, or 0), then growing by half.  Untouched rows cost no memory.  */
static deq_status ensure_rows(deq_table *t, size_t *cap, size_t rows,
                              size_t hint, size_t bytes_per_row)
{
  if (rows <= *cap - t->nrow) return DEQ_OK;
  size_t want = t->nrow + rows, guess = hint / bytes_per_row;
  if (!t->data && want < guess + guess / 8 + 16)
    want = guess + guess / 8 + 16;
  else if (want < *cap + *cap / 2)
    want = *cap + *cap / 2;
  if (want > SIZE_MAX / sizeof(double) / t->ncol) return DEQ_ENOMEM;
  double *d = t->data ? realloc(t->data, want * t->ncol * sizeof *d)
                      : deq_big_malloc(want * t->ncol * sizeof *d);
  if (!d) return DEQ_ENOMEM;
  t->data = d;
  *cap = want;
  return DEQ_OK;
}

/* A table read block by block from src (hint: the text's size if known,
   else 0): the header from the first whole lines, then each block's
   whole lines parsed straight into the rows, as one chunk of the
   parallel reader would be.  */
static deq_status stream_table(deq_table **out, source *src, size_t hint,
                               deq_error *err)
{
  stream z = {src, deq_scratch_malloc(STREAM_BLOCK + TEXT_PAD), 0,
              STREAM_BLOCK, 0};
  deq_table *t = calloc(1, sizeof *t);
  deq_status st = !z.buf || !t ? DEQ_ENOMEM : DEQ_OK;
  /* The header: whole lines until one is neither blank nor a comment.  */
  reader r = {NULL, NULL, NULL, 0, 0, err};
  fields fs = {0};
  int delimited = 0, got = 0;
  size_t done = 0;   /* bytes of buf already read as lines */
  while (st == DEQ_OK && !got) {
    st = stream_fill(&z);
    if (st) break;
    r.pos = z.buf + done;
    r.end = whole_lines(&z, r.pos);
    while (!got && r.pos < r.end) {
      const char *e = line_end(r.pos, r.end);
      r.lineno++;
      st = take_line(&r, r.pos, e, r.lineno == 1);
      r.pos = e < r.end ? e + 1 : e;
      if (st) break;
      got = !is_skipped(r.line);
    }
    done = (size_t)(r.pos - z.buf);
    if (!got && z.eof) break;
  }
  if (st == DEQ_OK && !got)
    st = parse_error(err, 0, 0, "empty input: no header line of column names",
                     NULL);
  if (st == DEQ_OK) {
    /* read_header's work on the line found */
    reader h = {"", "", NULL, 0, r.lineno - 1, err};
    char *line = r.line;
    size_t n = strlen(line);
    h.pos = line;
    h.end = line + n;
    st = read_header(t, &delimited, &h, &fs);
    free(h.line);
  }
  free(r.line);
  free(fs.f);
  /* The body, a block at a time.  */
  long before = r.lineno;   /* lines read before the current block */
  size_t cap = 0;
  while (st == DEQ_OK) {
    const char *s = z.buf + done, *cut = whole_lines(&z, s);
    if (cut > s) {
      chunk c = {s, cut, 0, t->nrow, 0, 0, DEQ_OK, {0}};
      size_t len = (size_t)(cut - s);
      c.lines = count_newlines(s, len) + (cut[-1] != '\n');
      st = ensure_rows(t, &cap, c.lines, hint, len / c.lines + 1);
      if (st) break;
      parse_chunk(&c, t->data, t->ncol, delimited);
      if (c.st) {
        st = c.st;
        if (err && c.err.line > 0) {
          *err = c.err;
          err->line = before + c.lineno;
        }
        break;
      }
      t->nrow += c.nrow;
      before += (long)c.lines;
    }
    if (z.eof) break;
    z.len -= (size_t)(cut - z.buf);   /* keep the partial line */
    memmove(z.buf, cut, z.len);
    done = 0;
    st = stream_fill(&z);
  }
  if (st == DEQ_EIO && src->failed && err) {
    err->line = before + 1;
    err->column = 0;
    if (src->failed > 0)
      snprintf(err->message, sizeof err->message, "read error: %s",
               strerror(src->failed));
    else
      snprintf(err->message, sizeof err->message, "%s", src->why);
  }
  if (st == DEQ_EIO && src->failed == ENOMEM)
    st = DEQ_ENOMEM;
  free(z.buf);
  if (st) {
    deq_table_free(t);
    return st;
  }
  *out = t;
  return DEQ_OK;
}

/* The text's size from here when f is a regular file, else 0.  */
static size_t size_hint(FILE *f)
{
  struct stat sb;
  int fd = fileno(f);
  if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return 0;
  off_t at = ftello(f);
  return at >= 0 && sb.st_size > at && (uint64_t)(sb.st_size - at) <= SIZE_MAX
         ? (size_t)(sb.st_size - at) : 0;
}

deq_status deq_table_read(deq_table **out, FILE *f, deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  deq_error_clear(err);
  if (!f) return DEQ_EINVAL;
  source src = {0};
  src.f = f;
  return stream_table(out, &src, size_hint(f), err);
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
  struct stat sb;
  if (!gz && fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
      (uint64_t)sb.st_size <= SIZE_MAX &&
      chunk_count((size_t)sb.st_size) > 1) {
    /* Several threads parse a large file where the page cache holds it,
       each its own range of lines.  */
    size_t len = (size_t)sb.st_size;
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
                   fileno(f), 0);
    if (m != MAP_FAILED) {
      deq_status st = parse_text(out, m, len, err);
      munmap(m, len);
      fclose(f);
      return st;
    }
  }
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
  source src = {0};
  src.gz = gzopen(path, "rb");
  if (!src.gz)
    return file_error(err, DEQ_EIO, path, strerror(errno ? errno : ENOMEM));
  deq_status st = stream_table(out, &src, 0, err);
  /* A table that stopped at a bad line may be corrupt data: read on to
     the end, so that zlib's check decides (as when the whole file was
     decompressed first).  */
  if (st != DEQ_OK && !src.failed) {
    char rest[65536];
    while (source_read(&src, rest, sizeof rest) > 0) continue;
  }
  /* zlib's message lives in the gz state, freed by gzclose: src keeps a
     copy.  A stream that ends early shows only here.  */
  int zc = gzclose(src.gz);
  if (src.failed < 0 || zc != Z_OK) {   /* a gzip error wins */
    deq_table_free(*out);
    *out = NULL;
    st = DEQ_EIO;
  }
  if (st == DEQ_EIO && (src.failed < 0 || zc != Z_OK))
    file_error(err, st, path, src.failed < 0 && *src.why ? src.why
               : "truncated or corrupt gzip data");
  return st;
#else
  return file_error(err, DEQ_EUNSUP, path,
                    "gzip-compressed, and deq was built without zlib");
#endif
}
