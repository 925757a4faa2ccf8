/* bench-ensemble.c -- speed of random-feature ensembles (issue 9).
 *
 * 1. The ensemble curve: a 200-point P grid on a 10^5-atom power-law
 *    spectrum (alpha = 1.5, r = 0.4), K = 4 members of M = 2000 features,
 *    lambda = 1e-3, through the model engine (warm starts, as deq
 *    ensemble runs it); and the optimal-ridge curve on 20 of those P.
 * 2. Monte Carlo: seconds per trial of deq_mc_ensemble_rf_run (one
 *    thread) against the LAPACK floor, the same K thin SVDs (dgesdd of
 *    P x M Gaussian matrices) timed bare.
 * 3. Linear views (deq subsample) on a 10^6-atom power-law spectrum, K =
 *    4 and 8 members of random 30% subsets (eta = 0.1): seconds per point
 *    with the pair sums on their per-pair rules and with exact sums, the
 *    one-off cost of the rules (the first solve builds them), the rules'
 *    nodes per pair against the atoms, and the ridge passes per member.  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <lapacke.h>
#include <deq/ensemble.h>
#include <deq/ensemble_views.h>
#include <deq/model.h>
#include <deq/ridge.h>
#include <deq/spectrum_rule.h>
#include "../../lib/ensemble_views_impl.h" /* the plan's rules (private) */
#include "../../lib/spectrum_rule_impl.h"
#include "bench.h"

enum { NPOINTS = 200, REPS = 3 };

static void die(const char *what, deq_status st)
{
  fprintf(stderr, "bench-ensemble: %s: %s\n", what, deq_strerror(st));
  exit(1);
}

static void curve(const deq_spectrum *sp)
{
  const deq_model_type *t = &deq_model_ensemble;
  double x[16];
  const void *obj[16] = {0};
  for (size_t i = 0; i < t->nparam; i++) x[i] = t->params[i].def;
  obj[deq_model_param(t, "spectrum")] = sp;
  x[deq_model_param(t, "noise")] = 0.01;
  double K = 4, M = 2000, lam = 1e-3, P[NPOINTS];
  for (int i = 0; i < NPOINTS; i++) P[i] = 10 * pow(1e4, i / (NPOINTS - 1.0));
  deq_model_axis axes[4] = {{&K, 1}, {&M, 1}, {P, NPOINTS}, {&lam, 1}};
  deq_ensemble_rf_point *out = malloc(NPOINTS * sizeof *out);
  double best = INFINITY;
  for (int r = 0; r < REPS; r++) {
    double t0 = bench_now();
    deq_status st = deq_model_grid(out, t, x, obj, axes, NULL);
    best = fmin(best, bench_now() - t0);
    if (st != DEQ_OK && st != DEQ_EDIVERGE) die("curve", st);
  }
  long passes = 0;
  for (int i = 0; i < NPOINTS; i++) passes += out[i].iterations;
  bench_report("ensemble.curve.K=4.M=2000.seconds", best, "s");
  bench_report("ensemble.curve.passes_per_point", (double)passes / NPOINTS,
               "passes");
  /* the optimal ridge: every 10th P */
  double t0 = bench_now();
  passes = 0;
  for (int i = 0; i < NPOINTS; i += 10) {
    deq_status st = deq_ensemble_rf_optimal(&out[0], sp, K, M, P[i], 0.01);
    if (st != DEQ_OK && st != DEQ_EDIVERGE) die("optimal", st);
    passes += out[0].iterations;
  }
  bench_report("ensemble.optimal.seconds_per_point",
               (bench_now() - t0) / (NPOINTS / 10), "s");
  bench_report("ensemble.optimal.passes_per_point",
               (double)passes / (NPOINTS / 10), "passes");
  free(out);
}

/* The bare factorisations of one trial: K thin SVDs of P x M.  */
static double svd_floor(size_t K, size_t P, size_t M, int reps)
{
  size_t k = P < M ? P : M;
  double *A = malloc(P * M * sizeof *A), *s = malloc(k * sizeof *s);
  double *U = malloc(P * k * sizeof *U), *VT = malloc(k * M * sizeof *VT);
  unsigned long long z = 88172645463325252ull;
  double best = INFINITY;
  for (int r = 0; r < reps; r++) {
    double t = 0;
    for (size_t m = 0; m < K; m++) {
      for (size_t i = 0; i < P * M; i++) {   /* xorshift, roughly uniform */
        z ^= z << 13;
        z ^= z >> 7;
        z ^= z << 17;
        A[i] = (double)(z >> 11) / 9007199254740992.0 - 0.5;
      }
      double t0 = bench_now();
      if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)P, (lapack_int)M,
                         A, (lapack_int)P, s, U, (lapack_int)P, VT,
                         (lapack_int)k) != 0)
        die("dgesdd", DEQ_ELAPACK);
      t += bench_now() - t0;
    }
    best = fmin(best, t);
  }
  free(A);
  free(s);
  free(U);
  free(VT);
  return best;
}

static void monte_carlo(void)
{
  deq_spectrum *sp = NULL;
  deq_status st = deq_spectrum_loguniform(&sp, 400, 0.1, 10);
  if (st) die("loguniform", st);
  st = deq_spectrum_target_iso(sp, 1.0);
  if (st) die("target", st);
  double lam[] = {1e-3, 1e-2, 0.1, 1, 10};
  size_t K = 4, P = 200, M = 100, trials = 40;
  deq_mc_ensemble_rf_row rows[5];
  double t0 = bench_now();
  st = deq_mc_ensemble_rf_run(rows, sp, (double)K, (double)M, P, lam, 5, 0.25,
                              trials, 1, 1);
  double per_trial = (bench_now() - t0) / (double)trials;
  if (st) die("mc", st);
  double floor = svd_floor(K, P, M, 5);
  bench_report("ensemble.mc.N=400.P=200.K=4.M=100.seconds_per_trial",
               per_trial, "s");
  bench_report("ensemble.mc.svd_floor_per_trial", floor, "s");
  bench_report("ensemble.mc.time_over_floor", per_trial / floor, "x");
  deq_spectrum_free(sp);
}

/* Seconds per point of deq_views_solve over a 10-point P grid.  */
static double views_points(const deq_views_plan *plan, int *diverged)
{
  double t0 = bench_now();
  for (int i = 0; i < 10; i++) {
    deq_views_point pt;
    deq_status st = deq_views_solve(&pt, NULL, NULL, NULL, NULL, plan,
                                    100 * pow(1e4, i / 9.0), 1e-4, 0.01, 0);
    if (st == DEQ_EDIVERGE) ++*diverged;
    else if (st) die("views", st);
  }
  return (bench_now() - t0) / 10;
}

static void views(void)
{
  deq_powerlaw p;
  deq_powerlaw_init(&p);
  p.alpha = 1.5;
  p.r = 0.4;
  p.n = 1e6;
  deq_spectrum *sp = NULL, *ex = NULL;
  deq_status st = deq_spectrum_powerlaw(&sp, &p);
  if (!st) st = deq_spectrum_copy(&ex, sp);
  if (!st) st = deq_spectrum_set_exact_sums(ex, 1);
  if (st) die("views spectrum", st);
  for (size_t K = 4; K <= 8; K += 4) {
    deq_views_member mem[8];
    for (size_t r = 0; r < K; r++)
      mem[r] = (deq_views_member){ 0, NULL, 0.3, 100 + r, 0.1, NAN, NULL };
    deq_views v = { K, mem };
    deq_views_plan *a = NULL, *b = NULL;
    deq_error err;
    st = deq_views_plan_diag(&a, sp, &v, &err);
    if (!st) st = deq_views_plan_diag(&b, ex, &v, &err);
    if (st) die(err.message, st);
    int div = 0;
    double t0 = bench_now();
    deq_views_point pt;
    st = deq_views_solve(&pt, NULL, NULL, NULL, NULL, a, 1000, 1e-4, 0.01, 0);
    if (st) die("views first", st);
    double first = bench_now() - t0;
    double tc = views_points(a, &div), te = views_points(b, &div);
    size_t nodes = 0, pairs = 0;
    for (size_t r = 0; r < K; r++)
      for (size_t q = r; q < K; q++, pairs++)
        nodes += a->rule && a->rule[r * K + q] ? a->rule[r * K + q]->n
                                               : a->na;
    deq_ridge_point rp;
    deq_ridge_solve(&rp, a->msp[0], 1000, 1e-4, 0, NULL);
    char name[96];
    snprintf(name, sizeof name, "views.N=1e6.K=%zu.compressed.seconds_per_point", K);
    bench_report(name, tc, "s");
    snprintf(name, sizeof name, "views.N=1e6.K=%zu.exact.seconds_per_point", K);
    bench_report(name, te, "s");
    snprintf(name, sizeof name, "views.N=1e6.K=%zu.rules_once.seconds", K);
    bench_report(name, first - tc, "s");
    snprintf(name, sizeof name, "views.N=1e6.K=%zu.nodes_per_pair", K);
    bench_report(name, (double)nodes / (double)pairs, "atoms");
    snprintf(name, sizeof name, "views.N=1e6.K=%zu.ridge_passes_per_member", K);
    bench_report(name, (double)rp.iterations, "passes");
    if (div) die("views diverged", DEQ_EDIVERGE);
    deq_views_plan_free(a);
    deq_views_plan_free(b);
  }
  deq_spectrum_free(sp);
  deq_spectrum_free(ex);
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
  curve(sp);
  deq_spectrum_free(sp);
  monte_carlo();
  views();
  return 0;
}
