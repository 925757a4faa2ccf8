/* bench-freeprob.c -- density of a sample covariance on a 2000-point grid
 * for a 1e5-atom population spectrum (target: under 2 s on one core),
 * with the passes over the spectrum per grid point.  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <deq.h>
#include "bench.h"

static int run(const char *name, const deq_spectrum *sp, double P)
{
  enum { NX = 2000 };
  static double x[NX];
  static deq_freeprob_point o[NX];
  deq_freeprob_support *s = NULL;
  double t0 = bench_now();
  deq_status st = deq_freeprob_sample_support(&s, sp, P);
  double t_support = bench_now() - t0;
  if (st != DEQ_OK) {
    fprintf(stderr, "%s: support: %s\n", name, deq_strerror(st));
    return 1;
  }
  double lo = s->lo[0], hi = s->hi[s->n - 1];
  for (int i = 0; i < NX; i++)
    x[i] = lo + (hi - lo) * (i + 0.5) / NX;
  t0 = bench_now();
  clock_t c0 = clock();
  st = deq_freeprob_sample_density(o, sp, P, x, NX);
  double t = bench_now() - t0;
  double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
  if (st != DEQ_OK) {
    fprintf(stderr, "%s: density: %s\n", name, deq_strerror(st));
    deq_freeprob_support_free(s);
    return 1;
  }
  long passes = 0;
  int fallback = 0;
  double mass = s->atom0;
  for (int i = 0; i < NX; i++) {
    passes += o[i].iterations;
    fallback += o[i].iterations > 40;
    mass += o[i].density * (hi - lo) / NX;
  }
  char buf[128];
  snprintf(buf, sizeof buf, "%s_support_s", name);
  bench_report(buf, t_support, "s");
  snprintf(buf, sizeof buf, "%s_intervals", name);
  bench_report(buf, (double)s->n, "intervals");
  snprintf(buf, sizeof buf, "%s_density_2000pt_s", name);
  bench_report(buf, t, "s");
  snprintf(buf, sizeof buf, "%s_density_2000pt_cpu_s", name);
  bench_report(buf, cpu, "s");
  snprintf(buf, sizeof buf, "%s_passes_per_point", name);
  bench_report(buf, (double)passes / NX, "passes");
  snprintf(buf, sizeof buf, "%s_ladder_fallbacks", name);
  bench_report(buf, fallback, "points");
  snprintf(buf, sizeof buf, "%s_total_mass_midpoint", name);
  bench_report(buf, mass, "(should be ~1)");
  deq_freeprob_support_free(s);
  return 0;
}

int main(void)
{
  deq_spectrum *lu = NULL, *pl = NULL;
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1.5;
  p.amp = 0;   /* no target */
  p.n = 1e5;
  if (deq_spectrum_loguniform(&lu, 100000, 0.1, 10) != DEQ_OK
      || deq_spectrum_powerlaw(&pl, &p) != DEQ_OK)
    return 1;
  int bad = run("loguniform_1e5_P5e4", lu, 5e4);
  bad |= run("powerlaw_1e5_P1e3", pl, 1e3);
  deq_spectrum_free(lu);
  deq_spectrum_free(pl);
  return bad;
}
