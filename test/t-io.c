/* t-io.c -- tables of numbers: round trips, layouts, every parse error.  */
#include "config.h"
#include <float.h>
#include <unistd.h>
#include "testutil.h"
#include "deq/io.h"

/* Parse `text` through a real stream (tmpfile also handles empty text).  */
static deq_status read_text(deq_table **t, const char *text, deq_error *err)
{
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fwrite(text, 1, strlen(text), f), strlen(text));
  rewind(f);
  deq_status st = deq_table_read(t, f, err);
  fclose(f);
  return st;
}

static double cell(const deq_table *t, size_t i, size_t j)
{
  ck_assert_uint_lt(i, t->nrow);
  ck_assert_uint_lt(j, t->ncol);
  return t->data[i * t->ncol + j];
}

/* Expect a parse error at (line, column) whose message contains `text`.  */
static void expect_error(const char *input, long line, long column,
                         const char *text)
{
  deq_table *t = (deq_table *)&t;  /* must be reset to NULL */
  deq_error err;
  deq_status st = read_text(&t, input, &err);
  ck_assert_msg(st == DEQ_EPARSE, "status %d for input \"%s\"", st, input);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(err.line, line);
  ck_assert_int_eq(err.column, column);
  ck_assert_msg(strstr(err.message, text) != NULL,
                "message \"%s\" lacks \"%s\"", err.message, text);
}

/* ------------------------------------------------------------ round trips */

START_TEST(test_roundtrip_tsv_17g)
{
  /* deq's writer: tabs and %.17g, which is exact for every double.  */
  const double v[] = {0.1, 1.0 / 3, -1e-300, 5e-324, DBL_MAX, -0.0,
                      INFINITY, -INFINITY, NAN, 1e22, 123456789012345678.0,
                      -2.5, DBL_MIN, 6.02214076e23, 1 - DBL_EPSILON};
  const size_t nv = sizeof v / sizeof v[0], ncol = 3, nrow = nv / ncol;
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  fprintf(f, "P\tE_g\tE_g_se\n");
  for (size_t i = 0; i < nrow; i++)
    fprintf(f, "%.17g\t%.17g\t%.17g\n", v[3 * i], v[3 * i + 1], v[3 * i + 2]);
  rewind(f);
  deq_table *t;
  deq_error err;
  ck_assert_int_eq(deq_table_read(&t, f, &err), DEQ_OK);
  fclose(f);
  ck_assert_uint_eq(t->ncol, ncol);
  ck_assert_uint_eq(t->nrow, nrow);
  ck_assert_str_eq(t->names[0], "P");
  ck_assert_str_eq(t->names[1], "E_g");
  ck_assert_str_eq(t->names[2], "E_g_se");
  for (size_t k = 0; k < nv; k++) {
    double got = t->data[k];
    if (isnan(v[k]))
      ck_assert_msg(isnan(got), "cell %zu: %g is not NaN", k, got);
    else  /* bitwise: keeps the sign of -0.0 and every last bit */
      ck_assert_msg(memcmp(&got, &v[k], sizeof got) == 0,
                    "cell %zu: %.17g != %.17g", k, got, v[k]);
  }
  deq_table_free(t);
}
END_TEST

START_TEST(test_csv_with_spaces)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "a, b ,c\n1, 2 ,3\n-4,5e-1 , 6\n", NULL), DEQ_OK);
  ck_assert_uint_eq(t->ncol, 3);
  ck_assert_uint_eq(t->nrow, 2);
  ck_assert_str_eq(t->names[1], "b");
  ck_assert_str_eq(t->names[2], "c");
  ck_assert(cell(t, 0, 1) == 2.0);
  ck_assert(cell(t, 1, 0) == -4.0);
  ck_assert(cell(t, 1, 1) == 0.5);
  ck_assert(cell(t, 1, 2) == 6.0);
  deq_table_free(t);
}
END_TEST

START_TEST(test_whitespace_runs)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "  x   y\n 1   2\n3 \t 4  \n", NULL), DEQ_OK);
  ck_assert_uint_eq(t->ncol, 2);
  ck_assert_uint_eq(t->nrow, 2);
  ck_assert_str_eq(t->names[0], "x");
  ck_assert_str_eq(t->names[1], "y");
  ck_assert(cell(t, 1, 0) == 3.0 && cell(t, 1, 1) == 4.0);
  deq_table_free(t);
}
END_TEST

START_TEST(test_comments_and_blank_lines)
{
  deq_table *t;
  const char *in = "# produced by deq\n\n   # indented comment\nx y\n# mid\n"
                   "\n1 2\n   \n\t\n3 4\n# end\n";
  ck_assert_int_eq(read_text(&t, in, NULL), DEQ_OK);
  ck_assert_uint_eq(t->nrow, 2);
  ck_assert_str_eq(t->names[0], "x");
  ck_assert(cell(t, 0, 0) == 1.0 && cell(t, 1, 1) == 4.0);
  deq_table_free(t);
}
END_TEST

START_TEST(test_crlf_and_bom)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "\xEF\xBB\xBFx,y\r\n1,2\r\n", NULL), DEQ_OK);
  ck_assert_str_eq(t->names[0], "x");
  ck_assert_str_eq(t->names[1], "y");
  ck_assert(cell(t, 0, 1) == 2.0);
  deq_table_free(t);
}
END_TEST

START_TEST(test_inf_nan_any_case)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "a b c d e f g\n"
                                 "INF -Inf +infinity NaN nan -NAN inf\n", NULL),
                   DEQ_OK);
  ck_assert(isinf(cell(t, 0, 0)) && cell(t, 0, 0) > 0);
  ck_assert(isinf(cell(t, 0, 1)) && cell(t, 0, 1) < 0);
  ck_assert(isinf(cell(t, 0, 2)) && cell(t, 0, 2) > 0);
  for (size_t j = 3; j < 6; j++) ck_assert(isnan(cell(t, 0, j)));
  ck_assert(isinf(cell(t, 0, 6)));
  deq_table_free(t);
}
END_TEST

START_TEST(test_header_only)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "# nothing yet\nP\tE_g\n", NULL), DEQ_OK);
  ck_assert_uint_eq(t->ncol, 2);
  ck_assert_uint_eq(t->nrow, 0);
  ck_assert_int_eq(deq_table_column(t, "E_g"), 1);
  deq_table_free(t);
}
END_TEST

START_TEST(test_quoted_header_names)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "\"P\",\"E_g\"\n1,2\n", NULL), DEQ_OK);
  ck_assert_str_eq(t->names[0], "P");
  ck_assert_str_eq(t->names[1], "E_g");
  deq_table_free(t);
}
END_TEST

START_TEST(test_underflow_accepted)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "a\n1e-400\n-1e-400\n", NULL), DEQ_OK);
  ck_assert(cell(t, 0, 0) == 0.0 && cell(t, 1, 0) == 0.0);
  deq_table_free(t);
}
END_TEST

/* Lines far longer than any fixed buffer: 20000 columns.  */
START_TEST(test_long_lines)
{
  const size_t ncol = 20000;
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  for (size_t j = 0; j < ncol; j++) fprintf(f, "%scol%zu", j ? "\t" : "", j);
  fputc('\n', f);
  for (size_t i = 0; i < 3; i++) {
    for (size_t j = 0; j < ncol; j++)
      fprintf(f, "%s%.17g", j ? "\t" : "", (double)(i * ncol + j) / 7);
    fputc('\n', f);
  }
  rewind(f);
  deq_table *t;
  ck_assert_int_eq(deq_table_read(&t, f, NULL), DEQ_OK);
  fclose(f);
  ck_assert_uint_eq(t->ncol, ncol);
  ck_assert_uint_eq(t->nrow, 3);
  ck_assert_str_eq(t->names[ncol - 1], "col19999");
  ck_assert_int_eq(deq_table_column(t, "col12345"), 12345);
  for (size_t k = 0; k < 3 * ncol; k++) ck_assert(t->data[k] == (double)k / 7);
  deq_table_free(t);
}
END_TEST

START_TEST(test_many_rows)
{
  /* Enough rows to grow the storage several times.  */
  const size_t nrow = 5000;
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  fprintf(f, "i,sq\n");
  for (size_t i = 0; i < nrow; i++) fprintf(f, "%zu,%zu\n", i, i * i);
  rewind(f);
  deq_table *t;
  ck_assert_int_eq(deq_table_read(&t, f, NULL), DEQ_OK);
  fclose(f);
  ck_assert_uint_eq(t->nrow, nrow);
  for (size_t i = 0; i < nrow; i++)
    ck_assert(cell(t, i, 0) == (double)i && cell(t, i, 1) == (double)(i * i));
  deq_table_free(t);
}
END_TEST

/* A body above the reader's parallel threshold (1 MiB), cut into one
   chunk per thread: comment and blank lines in every part (so that chunks
   are moved up), the same table as line by line, and errors reported at
   their line, the first in line order when there are two.  */
static FILE *big_text(long bad1, long bad2)
{
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  fprintf(f, "# a comment before the header\ni,half\n");
  long line = 2;
  for (long i = 0; i < 80000; i++) {
    if (i % 9973 == 0) {
      fprintf(f, i % 2 ? "\n" : "# comment\n");
      line++;
    }
    line++;
    if (line == bad1 || line == bad2) fprintf(f, "%ld,x%ld\n", i, i);
    else fprintf(f, "%ld,%.17g\n", i, 0.5 * (double)i + 0.1);
  }
  rewind(f);
  return f;
}

START_TEST(test_large_body_in_chunks)
{
  FILE *f = big_text(0, 0);
  deq_table *t;
  ck_assert_int_eq(deq_table_read(&t, f, NULL), DEQ_OK);
  fclose(f);
  ck_assert_uint_eq(t->nrow, 80000);
  for (size_t i = 0; i < t->nrow; i++)
    ck_assert(cell(t, i, 0) == (double)i &&
              cell(t, i, 1) == 0.5 * (double)i + 0.1);
  deq_table_free(t);
  long bad[][2] = {{70000, 0}, {70000, 80001}, {30000, 70000}};
  for (int k = 0; k < 3; k++) {
    f = big_text(bad[k][0], bad[k][1]);
    deq_error err;
    ck_assert_int_eq(deq_table_read(&t, f, &err), DEQ_EPARSE);
    fclose(f);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(err.line, bad[k][0]);
    ck_assert_int_eq(err.column, 2);
    ck_assert_ptr_nonnull(strstr(err.message, "not a number"));
  }
}
END_TEST

/* deq_table_read_file maps a file of 1 MiB or more and reads it in
   place: files whose size is a whole number of pages, ending with a
   short line with or without its newline, and with a long last line, read
   the same numbers (the last lines come from a padded copy: no
   look-ahead past the mapping).  */
START_TEST(test_read_file_mapped)
{
  const char *ends[] = {"1,2\n", "1,2", "7", "12345678901234567,0.5\n"};
  for (int k = 0; k < 4; k++) {
    char path[] = "/tmp/deq-t-io-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    long size = fprintf(f, "a,b\n");
    long rows = 0;
    size_t tail = strlen(ends[k]);
    while (size < (1L << 20) + 4096) {
      size += fprintf(f, "%ld,%.17g\n", rows, 0.25 * (double)rows);
      rows++;
    }
    /* pad with a comment so the file ends exactly at a page boundary */
    long want = (size / 4096 + 2) * 4096, pad = want - size - (long)tail;
    fputc('#', f);
    for (long i = 1; i < pad - 1; i++) fputc('x', f);
    fputc('\n', f);
    fputs(ends[k], f);
    fclose(f);
    deq_table *t;
    deq_error err;
    deq_status st = deq_table_read_file(&t, path, &err);
    unlink(path);
    if (k == 2) {   /* one field where the header has two */
      ck_assert_int_eq(st, DEQ_EPARSE);
      ck_assert_int_eq(err.line, rows + 3);
      continue;
    }
    ck_assert_int_eq(st, DEQ_OK);
    ck_assert_uint_eq(t->nrow, (size_t)rows + 1);
    for (long i = 0; i < rows; i++)
      ck_assert(cell(t, (size_t)i, 0) == (double)i &&
                cell(t, (size_t)i, 1) == 0.25 * (double)i);
    ck_assert(cell(t, (size_t)rows, 0) == (k == 3 ? 12345678901234567.0 : 1));
    ck_assert(cell(t, (size_t)rows, 1) == (k == 3 ? 0.5 : 2));
    deq_table_free(t);
  }
}
END_TEST

/* The single-threaded reader streams 256 KiB blocks: a header after
   more than a block of comments; rows whose length drops from about 40
   bytes to 4 after the first blocks (the rows' storage, sized from the
   first block, must grow); the same text through a pipe (no size known);
   a line longer than a block.  Every value is checked.  */
static void stream_text(FILE *f, long nlong, long nshort)
{
  for (int k = 0; k < 8000; k++)
    fprintf(f, "# comment %d: more than 256 KiB of them before the header\n",
            k);
  fprintf(f, "a,b\n");
  for (long i = 0; i < nlong; i++) fprintf(f, "%.17g,%.17g\n", i / 3.0, -i / 7.0);
  for (long i = 0; i < nshort; i++) fprintf(f, "%ld,%ld\n", i % 10, i % 7);
  fprintf(f, "%.17g,", 0.1);
  for (int k = 0; k < 300000; k++) fputc('0', f);   /* one 300 KB field */
  fprintf(f, "1\n");
}

static void check_stream_table(const deq_table *t, long nlong, long nshort)
{
  ck_assert_uint_eq(t->ncol, 2);
  ck_assert_uint_eq(t->nrow, (size_t)(nlong + nshort + 1));
  for (long i = 0; i < nlong; i++)
    ck_assert(cell(t, (size_t)i, 0) == i / 3.0 &&
              cell(t, (size_t)i, 1) == -i / 7.0);
  for (long i = 0; i < nshort; i++)
    ck_assert(cell(t, (size_t)(nlong + i), 0) == (double)(i % 10) &&
              cell(t, (size_t)(nlong + i), 1) == (double)(i % 7));
  ck_assert(cell(t, t->nrow - 1, 0) == 0.1 && cell(t, t->nrow - 1, 1) == 1.0);
}

START_TEST(test_stream_blocks)
{
  const long nlong = 20000, nshort = 400000;
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  stream_text(f, nlong, nshort);
  rewind(f);
  deq_table *t;
  ck_assert_int_eq(deq_table_read(&t, f, NULL), DEQ_OK);
  check_stream_table(t, nlong, nshort);
  deq_table_free(t);
  /* the same through a pipe: no size to guess the rows from */
  char path[] = "/tmp/deq-t-io-XXXXXX", cmd[64];
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *w = fdopen(fd, "w");
  rewind(f);
  int c;
  while ((c = fgetc(f)) != EOF) fputc(c, w);
  fclose(w);
  fclose(f);
  snprintf(cmd, sizeof cmd, "cat %s", path);
  FILE *p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(deq_table_read(&t, p, NULL), DEQ_OK);
  pclose(p);
  check_stream_table(t, nlong, nshort);
  deq_table_free(t);
  /* an error far into the text: its line, counted over the blocks */
  f = fopen(path, "a");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "1,2\n3,x\n");
  fclose(f);
  deq_error err;
  f = fopen(path, "r");   /* deq_table_read: streamed on any thread count */
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(deq_table_read(&t, f, &err), DEQ_EPARSE);
  fclose(f);
  ck_assert_int_eq(err.line, 8000 + 1 + nlong + nshort + 1 + 2);
  ck_assert_int_eq(err.column, 2);
  unlink(path);
}
END_TEST

START_TEST(test_column_lookup)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "P lambda E_g p\n1 2 3 4\n", NULL), DEQ_OK);
  ck_assert_int_eq(deq_table_column(t, "P"), 0);
  ck_assert_int_eq(deq_table_column(t, "p"), 3);
  ck_assert_int_eq(deq_table_column(t, "lambda"), 1);
  ck_assert_int_eq(deq_table_column(t, "E_g"), 2);
  ck_assert_int_eq(deq_table_column(t, "e_g"), -1);  /* case matters */
  ck_assert_int_eq(deq_table_column(t, "E"), -1);
  ck_assert_int_eq(deq_table_column(t, ""), -1);
  ck_assert_int_eq(deq_table_column(t, NULL), -1);
  ck_assert_int_eq(deq_table_column(NULL, "P"), -1);
  deq_table_free(t);
  deq_table_free(NULL);
}
END_TEST

START_TEST(test_error_cleared_on_success)
{
  deq_table *t;
  deq_error err = {7, 7, "stale"};
  ck_assert_int_eq(read_text(&t, "a\n1\n", &err), DEQ_OK);
  ck_assert_int_eq(err.line, 0);
  ck_assert_int_eq(err.column, 0);
  ck_assert_str_eq(err.message, "");
  deq_table_free(t);
}
END_TEST

/* ------------------------------------------------------------ errors */

START_TEST(test_bad_arguments)
{
  deq_table *t = (deq_table *)&t;
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(deq_table_read(NULL, f, NULL), DEQ_EINVAL);
  ck_assert_int_eq(deq_table_read(&t, NULL, NULL), DEQ_EINVAL);
  ck_assert_ptr_null(t);
  fclose(f);
}
END_TEST

START_TEST(test_error_non_numeric_cell)
{
  expect_error("x\ty\n1\t2\n3\tabc\n", 3, 2, "'abc'");
  expect_error("x\ty\n1\t2\n3\tabc\n", 3, 2, "not a number");
}
END_TEST

START_TEST(test_error_partial_number)
{
  /* strtod would stop after "1.5": the whole field must be the number.  */
  expect_error("a b\n1.5x 2\n", 2, 1, "'1.5x'");
  expect_error("a,b\n1,2 3\n", 2, 2, "'2 3'");
  expect_error("a\tb\n1 2\t3\n", 2, 1, "'1 2'");
  expect_error("a b\n1 infinite\n", 2, 2, "'infinite'");
  expect_error("a b\n1 1e\n", 2, 2, "'1e'");
}
END_TEST

START_TEST(test_error_line_counts_comments)
{
  /* Line numbers are those of the file, comments and blanks included.  */
  expect_error("# c\n\nx y z\n1 2 3\n\n# c\n1 2 z\n", 7, 3, "'z'");
}
END_TEST

START_TEST(test_error_too_many_fields)
{
  expect_error("a b\n1 2\n1 2 3\n", 3, 3, "3 fields where the header has 2");
  expect_error("a,b\n1,2,\n", 2, 3, "3 fields");  /* trailing comma */
}
END_TEST

START_TEST(test_error_too_few_fields)
{
  expect_error("a,b,c\n1,2\n", 2, 3, "2 fields where the header has 3");
  expect_error("a b c\n1\n", 2, 2, "1 field where");
}
END_TEST

START_TEST(test_error_empty_field)
{
  expect_error("a,b,c\n1,,3\n", 2, 2, "empty field");
  expect_error("a\tb\n\t3\n", 2, 1, "empty field");
  expect_error("a, b\n1,  \n", 2, 2, "empty field");
}
END_TEST

START_TEST(test_error_empty_input)
{
  expect_error("", 0, 0, "empty input");
  expect_error("# only\n\n   \n# comments\n", 0, 0, "empty input");
}
END_TEST

START_TEST(test_error_empty_column_name)
{
  expect_error("a,,b\n1,2,3\n", 1, 2, "empty column name");
  expect_error("\n# c\na\t\n", 3, 2, "empty column name");
}
END_TEST

START_TEST(test_error_overflow)
{
  expect_error("a b\n1 -1e999\n", 2, 2, "out of range");
}
END_TEST

START_TEST(test_error_long_text_truncated)
{
  char in[1200] = "a\n";
  memset(in + 2, 'q', 1000);
  in[1002] = '\n';
  in[1003] = '\0';
  deq_table *t;
  deq_error err;
  ck_assert_int_eq(read_text(&t, in, &err), DEQ_EPARSE);
  ck_assert_int_eq(err.line, 2);
  ck_assert_int_eq(err.column, 1);
  ck_assert_ptr_nonnull(strstr(err.message, "qqqq..."));
  ck_assert_uint_lt(strlen(err.message), sizeof err.message);
}
END_TEST

START_TEST(test_error_without_err_record)
{
  deq_table *t;
  ck_assert_int_eq(read_text(&t, "a\nz\n", NULL), DEQ_EPARSE);
  ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_error_nul_byte)
{
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  fwrite("a\n1\0\n", 1, 5, f);
  rewind(f);
  deq_table *t;
  deq_error err;
  ck_assert_int_eq(deq_table_read(&t, f, &err), DEQ_EPARSE);
  ck_assert_int_eq(err.line, 2);
  fclose(f);
}
END_TEST

START_TEST(test_error_unreadable_stream)
{
  /* A write-only stream fails on the first read.  */
  FILE *f = fopen("/dev/null", "w");
  ck_assert_ptr_nonnull(f);
  deq_table *t;
  deq_error err;
  ck_assert_int_eq(deq_table_read(&t, f, &err), DEQ_EIO);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(err.line, 1);
  ck_assert_ptr_nonnull(strstr(err.message, "read error"));
  fclose(f);
}
END_TEST

/* A header that names a column twice would make deq_table_column pick
   one silently: an error at the second occurrence, naming both.  */
START_TEST(test_error_duplicate_column)
{
  expect_error("y,x2,x2,y\n1,2,3,4\n", 1, 3, "duplicate column name (columns 2 and 3): 'x2'");
  expect_error("# c\na b a\n1 2 3\n", 2, 3, "duplicate column name (columns 1 and 3): 'a'");
  expect_error("\"a\",a\n1,2\n", 1, 2, "'a'");
  expect_error("b,a,c,a,b,a\n1,2,3,4,5,6\n", 1, 4, "(columns 2 and 4): 'a'");
}
END_TEST

/* deq_table_read_file: test/data/real/diabetes.csv.gz (442 rows of 11
   columns, see its README) reads whole; a copy cut to its first 400 bytes
   (about 13 rows of text) is an I/O error naming the file, not a table of
   those rows.  */
START_TEST(test_read_file_gzip)
{
  const char *dir = getenv("DEQ_DATA");
  char path[4096], cut[] = "/tmp/deq-t-io-XXXXXX";
  snprintf(path, sizeof path, "%s/real/diabetes.csv.gz", dir ? dir : "test/data");
  deq_table *t = NULL;
  deq_error err;
  ck_assert_st(deq_table_read_file(&t, path, &err), DEQ_OK);
  ck_assert_uint_eq(t->nrow, 442);
  ck_assert_uint_eq(t->ncol, 11);
  ck_assert_int_eq(deq_table_column(t, "y"), 10);
  deq_table_free(t);

  FILE *in = fopen(path, "rb");
  ck_assert_ptr_nonnull(in);
  char head[400];
  ck_assert_uint_eq(fread(head, 1, sizeof head, in), sizeof head);
  fclose(in);
  int fd = mkstemp(cut);
  ck_assert_int_ge(fd, 0);
  FILE *out = fdopen(fd, "wb");
  ck_assert_uint_eq(fwrite(head, 1, sizeof head, out), sizeof head);
  fclose(out);
  t = (deq_table *)&t;
  deq_status st = deq_table_read_file(&t, cut, &err);
  ck_assert_ptr_null(t);
#if defined(HAVE_ZLIB_H) && defined(HAVE_LIBZ)
  ck_assert_st(st, DEQ_EIO);
  ck_assert_msg(strncmp(err.message, cut, strlen(cut)) == 0,
                "message '%s' does not name %s", err.message, cut);
#else
  ck_assert_st(st, DEQ_EUNSUP);
#endif
  remove(cut);
  ck_assert_st(deq_table_read_file(&t, "/nonexistent/deq.csv", &err), DEQ_EIO);
  ck_assert(strstr(err.message, "/nonexistent/deq.csv") != NULL);
}
END_TEST

/* A gzip file of text in stored (uncompressed) deflate blocks, with the
   CRC of text but bad (if not NULL, as long) in its place: gzip data
   whose check fails, written without zlib.  */
static void write_stored_gzip(const char *path, const char *text,
                              const char *bad)
{
  size_t n = strlen(text);
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    crc ^= (unsigned char)text[i];
    for (int k = 0; k < 8; k++) crc = crc >> 1 ^ (0xEDB88320u & -(crc & 1));
  }
  crc ^= 0xFFFFFFFFu;
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  fwrite(head, 1, sizeof head, f);
  const char *data = bad ? bad : text;
  for (size_t at = 0; at < n || at == 0; at += 65535) {
    size_t m = n - at < 65535 ? n - at : 65535;
    unsigned char blk[5] = {at + m == n, (unsigned char)m,
                            (unsigned char)(m >> 8), (unsigned char)~m,
                            (unsigned char)(~m >> 8)};
    fwrite(blk, 1, sizeof blk, f);
    fwrite(data + at, 1, m, f);
    if (n == 0) break;
  }
  for (int k = 0; k < 4; k++) fputc((int)(crc >> (8 * k)) & 0xFF, f);
  for (int k = 0; k < 4; k++) fputc((int)(n >> (8 * k)) & 0xFF, f);
  fclose(f);
}

/* Corrupt gzip data is an I/O error naming the file even when the text
   it decompresses to has a bad line long before zlib's check is reached
   (the table is streamed): a digit turned into a letter on line 3 of
   about 600 KB.  */
START_TEST(test_read_file_gzip_corrupt)
{
  size_t cap = 700000, n = 0;
  char *good = malloc(cap), *bad = malloc(cap);
  n += (size_t)snprintf(good + n, cap - n, "a,b\n");
  for (int i = 0; n + 64 < cap - 64; i++)
    n += (size_t)snprintf(good + n, cap - n, "%d,%.17g\n", i, i / 3.0);
  memcpy(bad, good, n + 1);
  char *third = strchr(strchr(bad, '\n') + 1, '\n') + 1;   /* "1,0.33..." */
  third[2] = 'x';
  char path[] = "/tmp/deq-t-io-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  deq_table *t = NULL;
  deq_error err;
  write_stored_gzip(path, good, NULL);
#if defined(HAVE_ZLIB_H) && defined(HAVE_LIBZ)
  ck_assert_st(deq_table_read_file(&t, path, &err), DEQ_OK);
  ck_assert(t->nrow > 20000 && cell(t, 1, 1) == 1 / 3.0);
  deq_table_free(t);
  write_stored_gzip(path, good, bad);
  ck_assert_st(deq_table_read_file(&t, path, &err), DEQ_EIO);
  ck_assert_ptr_null(t);
  ck_assert_msg(strncmp(err.message, path, strlen(path)) == 0 &&
                err.line == 0, "message '%s' line %ld", err.message, err.line);
#else
  ck_assert_st(deq_table_read_file(&t, path, &err), DEQ_EUNSUP);
#endif
  remove(path);
  free(good);
  free(bad);
}
END_TEST

static Suite *io_suite(void)
{
  Suite *s = suite_create("io");
  TCase *tc = tcase_create("read");
  /* test_long_lines reads lines of several megabytes: above Check's
     default 4 s on a loaded machine (it timed out with a load of 16 on 2
     cores), like the other suites' long cases.  */
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_roundtrip_tsv_17g);
  tcase_add_test(tc, test_error_duplicate_column);
  tcase_add_test(tc, test_read_file_gzip);
  tcase_add_test(tc, test_read_file_gzip_corrupt);
  tcase_add_test(tc, test_stream_blocks);
  tcase_add_test(tc, test_csv_with_spaces);
  tcase_add_test(tc, test_whitespace_runs);
  tcase_add_test(tc, test_comments_and_blank_lines);
  tcase_add_test(tc, test_crlf_and_bom);
  tcase_add_test(tc, test_inf_nan_any_case);
  tcase_add_test(tc, test_header_only);
  tcase_add_test(tc, test_quoted_header_names);
  tcase_add_test(tc, test_underflow_accepted);
  tcase_add_test(tc, test_long_lines);
  tcase_add_test(tc, test_many_rows);
  tcase_add_test(tc, test_large_body_in_chunks);
  tcase_add_test(tc, test_read_file_mapped);
  tcase_add_test(tc, test_column_lookup);
  tcase_add_test(tc, test_error_cleared_on_success);
  suite_add_tcase(s, tc);
  TCase *te = tcase_create("errors");
  tcase_add_test(te, test_bad_arguments);
  tcase_add_test(te, test_error_non_numeric_cell);
  tcase_add_test(te, test_error_partial_number);
  tcase_add_test(te, test_error_line_counts_comments);
  tcase_add_test(te, test_error_too_many_fields);
  tcase_add_test(te, test_error_too_few_fields);
  tcase_add_test(te, test_error_empty_field);
  tcase_add_test(te, test_error_empty_input);
  tcase_add_test(te, test_error_empty_column_name);
  tcase_add_test(te, test_error_overflow);
  tcase_add_test(te, test_error_long_text_truncated);
  tcase_add_test(te, test_error_without_err_record);
  tcase_add_test(te, test_error_nul_byte);
  tcase_add_test(te, test_error_unreadable_stream);
  suite_add_tcase(s, te);
  return s;
}

int main(void)
{
  return test_run(io_suite());
}
