/* bench-features.c -- speed of the random-feature deterministic equivalent.
 *
 * Target (issue 3): RF risk curves at the same cost per grid point as
 * ridge, i.e. a few fused passes over the spectrum.  Times a 200-point P
 * grid on a 10^5-atom power-law spectrum (alpha = 1.5, r = 0.4) for ridge,
 * one RF layer (M = 2000), a deep isotropic chain (4000, 2000, 3000) and a
 * chain with a structured 64-atom Sigma_2, each at lambda = 1e-3 and at
 * lambda = 0, and reports seconds, passes per point and the ratio of
 * times to ridge.  Deq's own include path only (no umbrella header), so
 * that it builds while other modules are being edited.  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <deq/features.h>
#include <deq/ridge.h>
#include "bench.h"

enum { NPOINTS = 200, REPS = 3 };

static void die(const char *what, deq_status st)
{
  fprintf(stderr, "bench-features: %s: %s\n", what, deq_strerror(st));
  exit(1);
}

static double time_ridge(const deq_spectrum *sp, const double *P, double lam)
{
  deq_ridge_point *out = malloc(NPOINTS * sizeof *out);
  double best = INFINITY;
  long passes = 0;
  for (int r = 0; r < REPS; r++) {
    double t0 = bench_now();
    deq_status st = deq_ridge_grid(out, sp, P, NPOINTS, &lam, 1, 0.0);
    best = fmin(best, bench_now() - t0);
    if (st != DEQ_OK && st != DEQ_EDIVERGE) die("ridge", st);
  }
  for (int i = 0; i < NPOINTS; i++) passes += out[i].iterations;
  char key[96];
  snprintf(key, sizeof key, "ridge.lambda=%g.seconds", lam);
  bench_report(key, best, "s");
  snprintf(key, sizeof key, "ridge.lambda=%g.passes_per_point", lam);
  bench_report(key, (double)passes / NPOINTS, "passes");
  free(out);
  return best;
}

static void time_rf(const char *name, const deq_spectrum *sp,
                    const deq_rf_chain *ch, const double *P, double lam,
                    double ridge_time)
{
  deq_rf_point *out = malloc(NPOINTS * sizeof *out);
  double best = INFINITY;
  long passes = 0;
  for (int r = 0; r < REPS; r++) {
    double t0 = bench_now();
    deq_status st = deq_rf_grid(out, sp, ch, P, NPOINTS, &lam, 1, 0.0);
    best = fmin(best, bench_now() - t0);
    if (st != DEQ_OK && st != DEQ_EDIVERGE) die(name, st);
  }
  for (int i = 0; i < NPOINTS; i++) passes += out[i].iterations;
  char key[128];
  snprintf(key, sizeof key, "%s.lambda=%g.seconds", name, lam);
  bench_report(key, best, "s");
  snprintf(key, sizeof key, "%s.lambda=%g.passes_per_point", name, lam);
  bench_report(key, (double)passes / NPOINTS, "passes");
  snprintf(key, sizeof key, "%s.lambda=%g.time_over_ridge", name, lam);
  bench_report(key, best / ridge_time, "x");
  free(out);
}

int main(void)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1.5;
  p.r = 0.4;
  p.n = 1e5;
  deq_spectrum *sp = NULL;
  deq_status st = deq_spectrum_powerlaw(&sp, &p);
  if (st) die("power law", st);
  double P[NPOINTS];
  for (int i = 0; i < NPOINTS; i++) P[i] = 10 * pow(1e4, i / (NPOINTS - 1.0));
  /* a structured second layer: 64 log-spaced eigenvalues in [0.1, 10] */
  deq_spectrum *l2 = NULL;
  st = deq_spectrum_loguniform(&l2, 64, 0.1, 10);
  if (st) die("layer spectrum", st);
  double M = 2000, deep[] = {4000, 2000, 3000};
  const deq_spectrum *layers[] = {l2, NULL};
  deq_rf_chain one = {1, &M, NULL}, iso = {3, deep, NULL},
               structured = {3, deep, layers};
  double lams[] = {1e-3, 0};
  for (int j = 0; j < 2; j++) {
    double tr = time_ridge(sp, P, lams[j]);
    time_rf("rf.M=2000", sp, &one, P, lams[j], tr);
    time_rf("deep.iso", sp, &iso, P, lams[j], tr);
    time_rf("deep.structured", sp, &structured, P, lams[j], tr);
  }
  deq_spectrum_free(l2);
  deq_spectrum_free(sp);
  return 0;
}
