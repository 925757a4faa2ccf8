/* bench-ridge.c -- speed of the ridge deterministic equivalent.
 *
 * Targets (issue 2): a 200-point P grid on a 10^6-atom power-law spectrum
 * in under 1 s on one core; the same curve with n = 10^12 through the
 * quadrature tail in under 0.1 s.  Reports spectral terms per second
 * (atoms x spectrum passes / time) and passes per grid point.  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <deq.h>
#include "bench.h"

enum { NPOINTS = 200 };

static deq_spectrum *powerlaw(double n)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1.5;
  p.r = 0.4;
  p.n = n;
  deq_spectrum *sp = NULL;
  if (deq_spectrum_powerlaw(&sp, &p)) {
    fprintf(stderr, "bench-ridge: cannot build the power law n = %g\n", n);
    exit(1);
  }
  return sp;
}

/* Time one grid (best of `reps`) and report time, passes and terms/s.  */
static void time_grid(const char *name, const deq_spectrum *sp,
                      const double *P, size_t nP, const double *lambda,
                      size_t nl, int reps)
{
  deq_ridge_point *out = malloc(nP * nl * sizeof *out);
  double best = INFINITY;
  long passes = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = bench_now();
    deq_status st = deq_ridge_grid(out, sp, P, nP, lambda, nl, 0.0);
    double t = bench_now() - t0;
    if (st != DEQ_OK) {
      fprintf(stderr, "bench-ridge: %s: %s\n", name, deq_strerror(st));
      exit(1);
    }
    best = fmin(best, t);
  }
  for (size_t i = 0; i < nP * nl; i++) passes += out[i].iterations;
  char key[128];
  snprintf(key, sizeof key, "%s.seconds", name);
  bench_report(key, best, "s");
  snprintf(key, sizeof key, "%s.passes_per_point", name);
  bench_report(key, (double)passes / (double)(nP * nl), "passes");
  snprintf(key, sizeof key, "%s.terms_per_second", name);
  bench_report(key, (double)passes * (double)sp->n / best, "terms/s");
  free(out);
}

int main(void)
{
  double P[NPOINTS], lambda0 = 0.0, lambda1 = 1e-4, lgrid[NPOINTS];
  for (int i = 0; i < NPOINTS; i++) {
    P[i] = 10.0 * pow(1e4, i / (NPOINTS - 1.0));      /* 10 .. 1e5 */
    lgrid[i] = 1e-8 * pow(1e8, i / (NPOINTS - 1.0));  /* 1e-8 .. 1 */
  }
  double P1000 = 1000;
  printf("# deq bench-ridge: power law alpha = 1.5, r = 0.4, one thread\n");

  deq_spectrum *sp = powerlaw(1e6);
  bench_report("atoms.n1e6", (double)sp->n, "atoms");
  time_grid("Pgrid200.n1e6.lambda0", sp, P, NPOINTS, &lambda0, 1, 3);
  time_grid("Pgrid200.n1e6.lambda1e-4", sp, P, NPOINTS, &lambda1, 1, 3);
  time_grid("lambdagrid200.n1e6.P1000", sp, &P1000, 1, lgrid, NPOINTS, 3);
  deq_spectrum_free(sp);

  sp = powerlaw(1e12);
  bench_report("atoms.n1e12", (double)sp->n, "atoms");
  time_grid("Pgrid200.n1e12.lambda0", sp, P, NPOINTS, &lambda0, 1, 5);
  time_grid("Pgrid200.n1e12.lambda1e-4", sp, P, NPOINTS, &lambda1, 1, 5);
  deq_spectrum_free(sp);

  sp = powerlaw(INFINITY);
  bench_report("atoms.ninf", (double)sp->n, "atoms");
  time_grid("Pgrid200.ninf.lambda0", sp, P, NPOINTS, &lambda0, 1, 5);
  deq_spectrum_free(sp);
  return 0;
}
