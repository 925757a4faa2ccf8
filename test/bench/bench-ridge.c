/* bench-ridge.c -- speed of the ridge deterministic equivalent.
 *
 * Targets (issue 2): a 200-point P grid on a 10^6-atom power-law spectrum
 * in under 1 s on one core; the same curve with n = 10^12 through the
 * quadrature tail in under 0.1 s.  Issue 12 (compressed spectra): that
 * grid at lambda = 1e-4 in under 0.05 s after the spectrum is built, and
 * under 0.3 s from a 10^6-line spectrum file, reading included.  Reports
 * spectral terms per second (atoms summed x passes / time; the atoms of
 * the compressed rule when there is one), passes per grid point, the
 * rule's build time and size, the exact path (deq_spectrum_set_exact_sums)
 * and the file reader.  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
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
  const deq_spectrum_rule *rule = deq_spectrum_rule_get(sp);
  double atoms = rule ? (double)rule->n : (double)sp->n;
  bench_report(key, (double)passes * atoms / best, "terms/s");
  free(out);
}

/* The compressed rule of sp: its build time (best of 3) and size.  */
static void time_rule(const char *name, const deq_spectrum *sp)
{
  double best = INFINITY;
  deq_spectrum_rule *r = NULL;
  for (int k = 0; k < 3; k++) {
    deq_spectrum_rule_free(r);
    double t0 = bench_now();
    if (deq_spectrum_rule_build(&r, sp, DEQ_RULE_NODES)) exit(1);
    best = fmin(best, bench_now() - t0);
  }
  char key[128];
  snprintf(key, sizeof key, "%s.rule_build.seconds", name);
  bench_report(key, best, "s");
  snprintf(key, sizeof key, "%s.rule_atoms", name);
  bench_report(key, r ? (double)r->n : (double)sp->n, "atoms");
  deq_spectrum_rule_free(r);
}

/* A 10^6-line spectrum file ("eigenvalue target_power", 17 digits): the
   reader alone (exact sums, no rule), the reader with the rule, and the
   whole curve from the file.  */
static void time_file(const double *P, double lambda)
{
  char path[] = "/tmp/bench-ridge.XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) exit(1);
  for (int k = 1; k <= 1000000; k++)
    fprintf(f, "%.17g %.17g\n", pow(k, -1.5), pow(k, -(1 + 2 * 1.5 * 0.4)));
  fclose(f);
  deq_ridge_point *out = malloc(NPOINTS * sizeof *out);
  double best[3] = {INFINITY, INFINITY, INFINITY}, cpu[3];
  for (int rep = 0; rep < 5; rep++)
    for (int mode = 0; mode < 3; mode++) {
      deq_spectrum_exact_sums_default(mode == 0);
      deq_spectrum *sp = NULL;
      double t0 = bench_now(), c0 = bench_cpu();
      if (deq_spectrum_read_file(&sp, path, NULL)) exit(1);
      if (mode == 1) deq_spectrum_rule_get(sp); /* built on first use */
      if (mode == 2 && deq_ridge_grid(out, sp, P, NPOINTS, &lambda, 1, 0.0))
        exit(1);
      double t = bench_now() - t0, c = bench_cpu() - c0;
      if (t < best[mode]) { /* the CPU time of the fastest run */
        best[mode] = t;
        cpu[mode] = c;
      }
      deq_spectrum_free(sp);
    }
  deq_spectrum_exact_sums_default(0);
  unlink(path);
  free(out);
  bench_report("file1e6.read.seconds", best[0], "s");
  bench_report("file1e6.read.cpu_seconds", cpu[0], "s");
  bench_report("file1e6.read_and_rule.seconds", best[1], "s");
  bench_report("file1e6.read_and_rule.cpu_seconds", cpu[1], "s");
  bench_report("file1e6.Pgrid200.lambda1e-4.total.seconds", best[2], "s");
  bench_report("file1e6.Pgrid200.lambda1e-4.total.cpu_seconds", cpu[2], "s");
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
  time_rule("n1e6", sp);
  time_grid("Pgrid200.n1e6.lambda0", sp, P, NPOINTS, &lambda0, 1, 3);
  time_grid("Pgrid200.n1e6.lambda1e-4", sp, P, NPOINTS, &lambda1, 1, 3);
  time_grid("lambdagrid200.n1e6.P1000", sp, &P1000, 1, lgrid, NPOINTS, 3);
  /* the exact path: every atom in every pass (the behaviour before) */
  if (deq_spectrum_set_exact_sums(sp, 1)) exit(1);
  time_grid("exact.Pgrid200.n1e6.lambda0", sp, P, NPOINTS, &lambda0, 1, 3);
  time_grid("exact.Pgrid200.n1e6.lambda1e-4", sp, P, NPOINTS, &lambda1, 1, 3);
  deq_spectrum_free(sp);
  time_file(P, lambda1);

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
