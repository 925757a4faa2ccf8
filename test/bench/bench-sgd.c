/* bench-sgd.c -- speed of the one-pass SGD risk trajectory (issue 10).
 *
 * Target: T = 1e6 steps on a 1e6-atom power law (alpha = 1.5, r = 0.4)
 * and on the infinite power law (n = INFINITY: an exact head of 10^4
 * atoms plus quadrature atoms for the tail), at a constant learning rate
 * (the FFT Volterra path and the recursion) and with cosine and WSD
 * schedules (the recursion; WSD with a tail average).  Spectra of at
 * least 4096 atoms are compressed for SGD (bins of Gauss rules where the
 * manual's bound admits them, exact atoms elsewhere): each run prints the
 * atoms it sums over and how many of them are atoms of the spectrum.
 * The exact sums (deq_spectrum_set_exact_sums, the CLI's --exact) cost
 * O(T n_atoms); they are timed over Texact steps and extrapolated.
 *
 * An lr grid (deq_model_sgd, 8 learning rates from 0.1 to 0.8 / tr Sigma,
 * T = 1e5, one thread: every point its own state) on the finite power law
 * shows the per-point cost of the compression: the spectrum's bins and
 * stability bound are computed by the first point and shared by the
 * others (spectrum_rule.c).
 * It runs on a spectrum of its own (n atoms), bins included.
 *
 * Every run prints wall and CPU seconds (the machine may be shared).
 *
 * Usage: bench-sgd [T [n [Texact]]]  (defaults 1e6, 1e6, 2e3).  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <deq/dynamics.h>
#include <deq/model.h>
#include <deq/spectrum_rule.h>
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

static void report(const char *name, const char *what, double v,
                   const char *unit)
{
  char key[160];
  snprintf(key, sizeof key, "%s.%s", name, what);
  bench_report(key, v, unit);
}

enum { CONSTANT, COSINE, WSD_TAIL };

static void run(const char *name, const deq_spectrum *sp, double T,
                int kind, int volterra)
{
  deq_sgd_schedule s;
  deq_sgd_schedule_init(&s);
  s.lr = 0.5 / sp->trace;
  deq_sgd_average avg = { DEQ_AVG_NONE, 0 };
  if (kind == COSINE) {
    s.lr_kind = DEQ_LR_COSINE;
    s.horizon = T;
  } else if (kind == WSD_TAIL) {
    s.lr_kind = DEQ_LR_WSD;
    s.horizon = T;
    avg = (deq_sgd_average){ DEQ_AVG_TAIL, 0.5 };
  }
  deq_sgd_point p;
  double t0 = bench_now(), c0 = bench_cpu();
  deq_status st;
  size_t atoms = sp->n, exact = sp->n;
  if (volterra) {
    size_t n = (size_t)T + 1;
    double *F = malloc(3 * n * sizeof *F);
    if (!F) die("memory", DEQ_ENOMEM);
    st = deq_sgd_volterra_kernels(F, F + n, sp, s.lr, 1, 3, n);
    double t1 = bench_now();
    if (st == DEQ_OK) st = deq_volterra_solve(F + 2 * n, F, F + n, s.lr * s.lr,
                                              0.1, n);
    report(name, "kernels.seconds", t1 - t0, "s");
    report(name, "fft_solve.seconds", bench_now() - t1, "s");
    p.E_g = F[2 * n + n - 1];
    free(F);
  } else {
    deq_sgd_state *state;
    st = deq_sgd_alloc(&state, sp, 0.1, 3, &s, &avg);
    if (st == DEQ_OK) st = deq_sgd_advance(&p, state, T, NULL);
    deq_sgd_atoms_used(state, &atoms, &exact);
    deq_sgd_free(state);
  }
  if (st != DEQ_OK) die(name, st);
  double secs = bench_now() - t0, cpu = bench_cpu() - c0;
  report(name, "seconds", secs, "s");
  report(name, "cpu_seconds", cpu, "s");
  if (!volterra) {
    report(name, "atoms_summed", (double)atoms, "atoms");
    report(name, "exact_atoms", (double)exact, "atoms");
  }
  report(name, "E_g", p.E_g, "");
  if (kind == WSD_TAIL) report(name, "E_g_avg", p.E_g_avg, "");
}

/* 8 learning rates at steps T (the model's grid, one thread) on a fresh
   power law of n atoms, so that the time includes building its bins.  */
static void lr_grid(const char *name, double n, double T)
{
  deq_spectrum *sp = powerlaw(n);
  const deq_model_type *t = &deq_model_sgd;
  double x[16], lr[8];
  const void *obj[16];
  for (size_t i = 0; i < t->nparam; i++) {
    x[i] = t->params[i].def;
    obj[i] = NULL;
  }
  obj[deq_model_param(t, "spectrum")] = sp;
  x[deq_model_param(t, "noise")] = 0.1;
  for (int i = 0; i < 8; i++) lr[i] = 0.1 * (i + 1) / sp->trace;
  deq_model_axis axes[2] = { { lr, 8 }, { &T, 1 } };
  if (t->point_size != sizeof(deq_sgd_point)) die(name, DEQ_EINVAL);
  deq_sgd_point *pts = calloc(8, sizeof *pts);
  if (!pts) die("memory", DEQ_ENOMEM);
  double t0 = bench_now(), c0 = bench_cpu();
  deq_status st = deq_model_grid_threads(pts, t, x, obj, axes, 1, NULL);
  if (st != DEQ_OK) die(name, st);
  report(name, "seconds", bench_now() - t0, "s");
  report(name, "cpu_seconds", bench_cpu() - c0, "s");
  report(name, "E_g.first", pts[0].E_g, "");
  report(name, "E_g.last", pts[7].E_g, "");
  free(pts);
  deq_spectrum_free(sp);
}

int main(int argc, char **argv)
{
  double T = argc > 1 ? atof(argv[1]) : 1e6;
  double n = argc > 2 ? atof(argv[2]) : 1e6;
  double Tx = argc > 3 ? atof(argv[3]) : 2e3;
  deq_spectrum *big = powerlaw(n), *inf = powerlaw(INFINITY);
  bench_report("T", T, "steps");
  bench_report("atoms.finite", (double)big->n, "atoms");
  bench_report("atoms.infinite", (double)inf->n, "atoms");
  run("finite.constant.volterra", big, T, CONSTANT, 1);
  run("finite.constant.recursion", big, T, CONSTANT, 0);
  run("finite.cosine.recursion", big, T, COSINE, 0);
  run("finite.wsd_tail.recursion", big, T, WSD_TAIL, 0);
  lr_grid("finite.lr_grid8.T1e5", n, 1e5);
  run("infinite.constant.volterra", inf, T, CONSTANT, 1);
  run("infinite.cosine.recursion", inf, T, COSINE, 0);
  /* exact sums over every atom, over Tx steps (O(T n): extrapolate) */
  if (deq_spectrum_set_exact_sums(big, 1) != DEQ_OK) die("exact", DEQ_EINVAL);
  bench_report("exact.T", Tx, "steps");
  double t0 = bench_now(), c0 = bench_cpu();
  run("exact.cosine.recursion", big, Tx, COSINE, 0);
  double secs = bench_now() - t0, cpu = bench_cpu() - c0;
  bench_report("exact.cosine.recursion.ns_per_atom_step",
               1e9 * cpu / (Tx * (double)big->n), "ns_cpu");
  bench_report("exact.cosine.recursion.seconds_at_T",
               secs * T / Tx, "s_extrapolated");
  bench_report("exact.cosine.recursion.cpu_seconds_at_T",
               cpu * T / Tx, "s_extrapolated");
  deq_spectrum_free(big);
  deq_spectrum_free(inf);
  return 0;
}
