/* bench-sgd.c -- speed of the one-pass SGD risk trajectory (issue 10).
 *
 * Target: T = 1e6 steps on a 1e6-atom power law (alpha = 1.5, r = 0.4)
 * and on the infinite power law (n = INFINITY: an exact head of 10^4
 * atoms plus quadrature atoms for the tail), at a constant learning rate
 * (the FFT Volterra path and the recursion) and with a cosine schedule
 * (the recursion: no convolution structure).  Both paths cost
 * O(T n_atoms) for the spectral sums (the Volterra kernels F_t, K_t, or
 * the per-atom recursion), plus O(T log^2 T) for the FFT solve.
 *
 * Usage: bench-sgd [T [n]]  (defaults 1e6 and 1e6; the smoke run of the
 * session that wrote it used small T and extrapolated linearly in T n).  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <deq/dynamics.h>
#include "bench.h"

static void die(const char *what, deq_status st)
{
  fprintf(stderr, "bench-sgd: %s: %s\n", what, deq_strerror(st));
  exit(1);
}

static deq_spectrum *powerlaw(double n)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1.5;
  p.r = 0.4;
  p.n = n;
  deq_spectrum *sp;
  deq_status st = deq_spectrum_powerlaw(&sp, &p);
  if (st != DEQ_OK) die("powerlaw", st);
  return sp;
}

static void run(const char *name, const deq_spectrum *sp, double T,
                int cosine, int volterra)
{
  deq_sgd_schedule s;
  deq_sgd_schedule_init(&s);
  s.lr = 0.5 / sp->trace;
  if (cosine) {
    s.lr_kind = DEQ_LR_COSINE;
    s.horizon = T;
  }
  deq_sgd_point p;
  double t0 = bench_now();
  deq_status st;
  if (volterra) {
    size_t n = (size_t)T + 1;
    double *F = malloc(3 * n * sizeof *F);
    if (!F) die("memory", DEQ_ENOMEM);
    st = deq_sgd_volterra_kernels(F, F + n, sp, s.lr, 1, 3, n);
    double t1 = bench_now();
    if (st == DEQ_OK) st = deq_volterra_solve(F + 2 * n, F, F + n, s.lr * s.lr,
                                              0.1, n);
    char key[128];
    snprintf(key, sizeof key, "%s.kernels.seconds", name);
    bench_report(key, t1 - t0, "s");
    snprintf(key, sizeof key, "%s.fft_solve.seconds", name);
    bench_report(key, bench_now() - t1, "s");
    p.E_g = F[2 * n + n - 1];
    free(F);
  } else {
    st = deq_sgd_run(&p, sp, 0.1, 3, &s, NULL, &T, 1, NULL);
  }
  if (st != DEQ_OK) die(name, st);
  double secs = bench_now() - t0;
  char key[128];
  snprintf(key, sizeof key, "%s.seconds", name);
  bench_report(key, secs, "s");
  snprintf(key, sizeof key, "%s.ns_per_atom_step", name);
  bench_report(key, 1e9 * secs / (T * (double)sp->n), "ns");
  snprintf(key, sizeof key, "%s.E_g", name);
  bench_report(key, p.E_g, "");
}

int main(int argc, char **argv)
{
  double T = argc > 1 ? atof(argv[1]) : 1e6;
  double n = argc > 2 ? atof(argv[2]) : 1e6;
  deq_spectrum *big = powerlaw(n), *inf = powerlaw(INFINITY);
  bench_report("T", T, "steps");
  bench_report("atoms.finite", (double)big->n, "atoms");
  bench_report("atoms.infinite", (double)inf->n, "atoms");
  run("finite.constant.volterra", big, T, 0, 1);
  run("finite.constant.recursion", big, T, 0, 0);
  run("finite.cosine.recursion", big, T, 1, 0);
  run("infinite.constant.volterra", inf, T, 0, 1);
  run("infinite.constant.recursion", inf, T, 0, 0);
  run("infinite.cosine.recursion", inf, T, 1, 0);
  deq_spectrum_free(big);
  deq_spectrum_free(inf);
  return 0;
}
