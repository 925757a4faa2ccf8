/* bench-grid.c -- parallel grids (deq_model_grid_threads): the same grid
 * on 1 and 2 threads, and whether the points are bitwise the same.
 *
 * Grids (issue 12): the 200-point P grid (10 .. 1e5) on the 10^6-atom
 * power law (alpha = 1.5, r = 0.4) at lambda = 1e-4, one continuation row
 * cut into tiles of deq_model_ridge.warm_chunk points; `deq flow` on
 * 10 P x 10 times (every point its own block); `deq gd` on 4 P x 40
 * steps (a block per P, rows not cut).
 * Reports wall seconds per grid (best of a few runs), the speed-up, the
 * ratio of processor time on 2 threads to 1 (the work the cut adds,
 * readable even on a loaded machine), and "identical 1" when the
 * 2-thread points equal the 1-thread ones byte for byte.  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <deq.h>
#include "bench.h"

#include <time.h>

static void defaults(const deq_model_type *t, double *x, const void **obj)
{
  for (size_t i = 0; i < t->nparam; i++) {
    x[i] = t->params[i].def;
    obj[i] = NULL;
  }
}

/* Wall seconds of the best of reps runs; *cpu: its processor seconds
   (every thread's), which on a loaded machine still show the work the
   cut adds.  */
static double time_threads(double *cpu, void *pts, const deq_model_type *t,
                           const double *x, const void *const *obj,
                           const deq_model_axis *axes, int threads, int reps,
                           const char *name)
{
  double best = INFINITY;
  for (int r = 0; r < reps; r++) {
    clock_t c0 = clock();
    double t0 = bench_now();
    deq_status st = deq_model_grid_threads(pts, t, x, obj, axes, threads, NULL);
    double dt = bench_now() - t0;
    double dc = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (st != DEQ_OK && st != DEQ_EDIVERGE) {
      fprintf(stderr, "bench-grid: %s: %s\n", name, deq_strerror(st));
      exit(1);
    }
    if (dt < best) *cpu = dc;
    best = fmin(best, dt);
  }
  return best;
}

static void compare(const char *name, const deq_model_type *t, const double *x,
                    const void *const *obj, const deq_model_axis *axes,
                    int reps)
{
  size_t n = deq_model_npoints(t, axes);
  void *one = calloc(n, t->point_size), *two = calloc(n, t->point_size);
  double *a = malloc(t->ncolumn * sizeof *a), *b = malloc(t->ncolumn * sizeof *b);
  if (!one || !two || !a || !b) {
    fprintf(stderr, "bench-grid: out of memory\n");
    exit(1);
  }
  double c1 = 0, c2 = 0;
  double t1 = time_threads(&c1, one, t, x, obj, axes, 1, reps, name);
  double t2 = time_threads(&c2, two, t, x, obj, axes, 2, reps, name);
  int same = 1;
  for (size_t k = 0; k < n && same; k++) {
    t->row(a, (const char *)one + k * t->point_size);
    t->row(b, (const char *)two + k * t->point_size);
    same = memcmp(a, b, t->ncolumn * sizeof *a) == 0
           && deq_model_point_status(t, one, k)
              == deq_model_point_status(t, two, k);
  }
  char key[160];
  snprintf(key, sizeof key, "grid.%s.threads1.seconds", name);
  bench_report(key, t1, "s");
  snprintf(key, sizeof key, "grid.%s.threads2.seconds", name);
  bench_report(key, t2, "s");
  snprintf(key, sizeof key, "grid.%s.speedup", name);
  bench_report(key, t1 / t2, "x");
  snprintf(key, sizeof key, "grid.%s.cpu_ratio_2_to_1", name);
  bench_report(key, c2 / c1, "x");
  snprintf(key, sizeof key, "grid.%s.identical", name);
  bench_report(key, same, "");
  free(one);
  free(two);
  free(a);
  free(b);
}

static double *logspace(size_t n, double lo, double hi)
{
  double *v = malloc(n * sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    v[i] = lo * pow(hi / lo, (double)i / (double)(n - 1));
  return v;
}

int main(void)
{
  printf("# deq bench-grid: deq_model_grid_threads on 1 and 2 threads\n");
  /* ridge: the 1e6-atom power law, 200 P at lambda = 1e-4 */
  {
    const deq_model_type *t = &deq_model_ridge;
    deq_powerlaw p;
    deq_powerlaw_init(&p);
    p.alpha = 1.5;
    p.r = 0.4;
    p.n = 1e6;
    deq_spectrum *sp = NULL;
    double *P = logspace(200, 10, 1e5), lambda = 1e-4;
    if (!P || deq_spectrum_powerlaw(&sp, &p)) {
      fprintf(stderr, "bench-grid: cannot build the power law\n");
      return 1;
    }
    double x[16];
    const void *obj[16];
    defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    deq_model_axis axes[2] = { { P, 200 }, { &lambda, 1 } };
    compare("ridge.Pgrid200.n1e6.lambda1e-4", t, x, obj, axes, 3);
    deq_spectrum_free(sp);
    free(P);
  }
  /* flow: 10 P x 10 times, N = inf, on a 100-atom log-uniform spectrum
     (contour integrals: milliseconds per point, every point its own
     block) */
  {
    const deq_model_type *t = &deq_model_flow;
    deq_spectrum *sp = NULL;
    if (deq_spectrum_loguniform(&sp, 100, 0.1, 10)
        || deq_spectrum_target_iso(sp, 1.0)) {
      fprintf(stderr, "bench-grid: cannot build the spectrum\n");
      return 1;
    }
    double *P = logspace(10, 20, 2000), *time = logspace(10, 0.1, 1000);
    double N = INFINITY;
    double x[16];
    const void *obj[16];
    defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    x[deq_model_param(t, "noise")] = 0.1;
    deq_model_axis axes[3] = { { &N, 1 }, { P, 10 }, { time, 10 } };
    compare("flow.P10xtime10.n100", t, x, obj, axes, 3);
    deq_spectrum_free(sp);
    free(P);
    free(time);
  }
  /* gd: 4 P x 40 steps on a 100-atom log-uniform spectrum */
  {
    const deq_model_type *t = &deq_model_gd;
    deq_spectrum *sp = NULL;
    if (deq_spectrum_loguniform(&sp, 100, 0.1, 10)
        || deq_spectrum_target_iso(sp, 1.0)) {
      fprintf(stderr, "bench-grid: cannot build the spectrum\n");
      return 1;
    }
    double *P = logspace(4, 200, 2000), *steps = logspace(40, 1, 1e4);
    double lr = NAN;
    /* rounded, then made strictly increasing (the axis requires it) */
    for (int i = 0; i < 40; i++) {
      steps[i] = round(steps[i]);
      if (i > 0 && steps[i] <= steps[i - 1]) steps[i] = steps[i - 1] + 1;
    }
    double x[16];
    const void *obj[16];
    defaults(t, x, obj);
    obj[deq_model_param(t, "spectrum")] = sp;
    x[deq_model_param(t, "noise")] = 0.1;
    deq_model_axis axes[3] = { { P, 4 }, { &lr, 1 }, { steps, 40 } };
    compare("gd.P4xsteps40.n100", t, x, obj, axes, 1);
    deq_spectrum_free(sp);
    free(P);
    free(steps);
  }
  return 0;
}
