/* test/bench/bench-parse.c -- the table reader's number parsing, in
 * nanoseconds per number, on text shaped like `deq gcv`'s benchmark
 * tables (test/bench/gcv-vs-sklearn.py): 5000 rows of 301 numbers
 * written with %.17g, column j ~ N(mu_j, 1/(j+1)) (as numpy's savetxt
 * writes them: -0.36528791364749213, 3.0488119214093402, 1.2345e-05).
 *
 *   parse: deq_parse_decimal_prefix_padded over the whole text, one
 *          number after another (each separator skipped);
 *   table: deq_table_read on the text (fmemopen), the single-threaded
 *          block reader, fast_row and all: what `deq gcv` pays to read.
 * Best of REPEAT runs (default 9); also a checksum of the values.
 *
 * Run by make bench (one thread).  */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deq.h"
#include "../../lib/parse_double_impl.h"
#include "bench.h"

enum { ROWS = 5000, COLS = 301 };

static uint64_t splitmix64(uint64_t *s)
{
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
  return ((double)(splitmix64(s) >> 11) + 0.5) * 0x1p-53;
}

static double normal(uint64_t *s)   /* Box-Muller */
{
  return sqrt(-2.0 * log(uniform(s))) * cos(6.283185307179586 * uniform(s));
}

int main(int argc, char **argv)
{
  int repeat = argc > 1 ? atoi(argv[1]) : 9;
  if (repeat < 1) repeat = 1;
  size_t cap = (size_t)ROWS * COLS * 26 + 16 * COLS + 64, len = 0;
  char *text = malloc(cap + 16);
  if (!text) return 1;
  for (int j = 0; j < COLS; j++)
    len += (size_t)sprintf(text + len, "%s%s%d", j ? "," : "",
                           j ? "x" : "y", j);
  text[len++] = '\n';
  size_t body = len;
  uint64_t seed = 1;
  double mu[COLS];
  for (int j = 0; j < COLS; j++) mu[j] = normal(&seed);
  for (int i = 0; i < ROWS; i++)
    for (int j = 0; j < COLS; j++) {
      double x = mu[j] + normal(&seed) / sqrt(1.0 + j);
      len += (size_t)sprintf(text + len, "%.17g%c", x,
                             j + 1 < COLS ? ',' : '\n');
    }
  memset(text + len, 0, 16);   /* the reader's zero padding */
  double n = (double)ROWS * COLS;
  printf("# %d x %d numbers, %.1f MB of text\n", ROWS, COLS, len / 1e6);

  double best = INFINITY, sum = 0;
  for (int r = 0; r < repeat; r++) {
    double t0 = bench_now(), s = 0, x;
    const char *p = text + body, *end = text + len;
    while (p < end) {
      p = deq_parse_decimal_prefix_padded(p, &x);
      if (!p) {
        fprintf(stderr, "bench-parse: a number declined\n");
        return 1;
      }
      s += x;
      p++;
    }
    double dt = bench_now() - t0;
    if (dt < best) best = dt;
    sum = s;
  }
  bench_report("parse", best / n * 1e9, "ns/number");

  double tbest = INFINITY, tsum = 0;
  for (int r = 0; r < repeat; r++) {
    FILE *f = fmemopen(text, len, "r");
    if (!f) return 1;
    deq_table *t = NULL;
    double t0 = bench_now();
    deq_status st = deq_table_read(&t, f, NULL);
    double dt = bench_now() - t0;
    fclose(f);
    if (st || !t || t->nrow != ROWS || t->ncol != COLS) {
      fprintf(stderr, "bench-parse: table read failed\n");
      return 1;
    }
    double s = 0;
    for (size_t k = 0; k < (size_t)ROWS * COLS; k++) s += t->data[k];
    deq_table_free(t);
    if (dt < tbest) tbest = dt;
    tsum = s;
  }
  bench_report("table", tbest / n * 1e9, "ns/number");
  printf("# checksums %.17g %.17g\n", sum, tsum);
  free(text);
  return 0;
}
