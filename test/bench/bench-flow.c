/* bench-flow.c -- speed of the gradient-flow model (issue 10): the
 * L(t, N) grid of 50 x 50 points that `deq flow --N GRID --time GRID`
 * computes (the double contour, P = inf, long double, M = 24), and the
 * same grid by the single integral (2.4) that `deq frontier` minimises
 * (P = inf only, M = 32).  Power law alpha = 1.5, r = 0.4, D = 1500
 * atoms (the manual's example); N = 10 .. 1000, t = 1 .. 1e5, log grids.
 * Cost: O(M^2 D) per point for the double contour, O(M D) for the single
 * integral, both dominated by the kappa(s) continuation and the pair sums.
 *
 * Usage: bench-flow [n [D]]  (an n x n grid, default 50; D atoms).  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <deq/flow.h>
#include "bench.h"

static void die(const char *what, deq_status st)
{
  fprintf(stderr, "bench-flow: %s: %s\n", what, deq_strerror(st));
  exit(1);
}

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 50;
  double D = argc > 2 ? atof(argv[2]) : 1500;
  if (n < 2 || !(D >= 1)) {
    fprintf(stderr, "usage: bench-flow [n >= 2 [D >= 1]]\n");
    return 1;
  }
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1.5;
  p.r = 0.4;
  p.n = D;
  deq_spectrum *sp;
  deq_status st = deq_spectrum_powerlaw(&sp, &p);
  if (st) die("powerlaw", st);
  double *t = malloc((size_t)n * sizeof *t), *L = malloc((size_t)n * sizeof *L);
  if (!t || !L) die("memory", DEQ_ENOMEM);
  for (int j = 0; j < n; j++) t[j] = pow(1e5, j / (n - 1.0));
  char key[96];
  for (int single = 0; single < 2; single++) {
    double t0 = bench_now(), check = 0;
    clock_t c0 = clock();
    for (int i = 0; i < n; i++) {
      double N = 10 * pow(100, i / (n - 1.0));
      st = single ? deq_flow_loss_single(L, sp, N, t, (size_t)n, NULL)
                  : deq_flow_loss(L, sp, N, INFINITY, 0, t, (size_t)n, NULL);
      if (st) die(single ? "single integral" : "double contour", st);
      check += L[n - 1];
    }
    double dt = bench_now() - t0;
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    snprintf(key, sizeof key, "flow.%s.grid%dx%d.D%g.seconds",
             single ? "single" : "double", n, n, D);
    bench_report(key, dt, "s");
    snprintf(key, sizeof key, "flow.%s.per_point.ms",
             single ? "single" : "double");
    bench_report(key, 1e3 * dt / ((double)n * n), "ms");
    /* CPU time too: on a shared machine the wall time is inflated */
    snprintf(key, sizeof key, "flow.%s.grid%dx%d.D%g.cpu_seconds",
             single ? "single" : "double", n, n, D);
    bench_report(key, cpu, "s");
    fprintf(stderr, "# checksum %.12g\n", check);
  }
  free(t);
  free(L);
  deq_spectrum_free(sp);
  return 0;
}
