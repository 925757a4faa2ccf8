/* test/bench/bench-cot.c -- chain-of-thought depth sweeps to T = 1e4:
 * tau = Inf (no ladder, O(nq) per depth); finite tau in convergent
 * phases (the ladder recursion until its rungs die out, then O(nq) per
 * depth); the full O(T^2 nq) recursion where it never stops: alpha = 1
 * (polynomial), tau = 2.4 just below tau_c = 2.472 at alpha = 2, and
 * amplification (tau = 1.3: e_T overflows to +Inf, DEQ_EDIVERGE, from
 * T = 954 on), each to T = 1e4 (and the first at T = 2000, the first
 * release's benchmark); wall and CPU seconds.  Then the depth model's
 * optimal learning rate and its infinite-context power law on 2e5 modes.
 * DEQ_BENCH_COT_TMAX (default 10000) caps the full-recursion sweeps.  */
#include <config.h>
#include <stdlib.h>
#include <math.h>
#include <deq/cot.h>
#include "bench.h"

static double cpu_now(void)
{
  return (double)clock() / CLOCKS_PER_SEC;
}

/* One full sweep to T; reports wall and CPU seconds.  */
static int full_sweep(double *e, size_t T, double alpha, double tau,
                      double rho, deq_status want, const char *name)
{
  char buf[96];
  double t0 = bench_now(), c0 = cpu_now();
  deq_status st = deq_cot_risk_curve(e, T, alpha, tau, rho);
  double wall = bench_now() - t0, cpu = cpu_now() - c0;
  if (st != want) return 1;
  for (size_t i = 0; i <= T; i++)
    if (isnan(e[i])) return 1;
  snprintf(buf, sizeof buf, "%s_T%zu", name, T);
  bench_report(buf, wall, "s");
  snprintf(buf, sizeof buf, "%s_T%zu_cpu", name, T);
  bench_report(buf, cpu, "s");
  return 0;
}

int main(void)
{
  const char *cap = getenv("DEQ_BENCH_COT_TMAX");
  size_t tcap = cap ? (size_t)strtoul(cap, NULL, 10) : 10000;
  size_t tmax = 10000;
  double *e = malloc((tmax + 1) * sizeof *e);
  if (!e) return 1;

  double t0 = bench_now();
  if (deq_cot_risk_curve(e, tmax, 2, INFINITY, 0.1) != DEQ_OK) return 1;
  bench_report("cot_tau_inf_sweep_T10000", bench_now() - t0, "s");
  /* alpha = 1: the polynomial phase, the slowest to converge */
  t0 = bench_now();
  if (deq_cot_risk_curve(e, tmax, 1, INFINITY, 0.1) != DEQ_OK) return 1;
  bench_report("cot_tau_inf_alpha1_sweep_T10000", bench_now() - t0, "s");

  t0 = bench_now();
  if (deq_cot_risk_curve(e, tmax, 2, 4, 0.1) != DEQ_OK) return 1;
  bench_report("cot_alpha2_tau4_sweep_T10000", bench_now() - t0, "s");
  t0 = bench_now();
  if (deq_cot_risk_curve(e, tmax, 0.6, 8, 0.05) != DEQ_OK) return 1;
  bench_report("cot_alpha0.6_tau8_sweep_T10000", bench_now() - t0, "s");

  /* the full recursion: no early stop */
  size_t T2 = tcap < 2000 ? tcap : 2000, T4 = tcap < tmax ? tcap : tmax;
  if (full_sweep(e, T2, 1, 4, 0.1, DEQ_OK, "cot_alpha1_tau4_sweep")
      || full_sweep(e, T4, 1, 4, 0.1, DEQ_OK, "cot_alpha1_tau4_sweep")
      || full_sweep(e, T4, 2, 2.4, 0.1, DEQ_OK, "cot_alpha2_tau2.4_sweep")
      || full_sweep(e, T4, 2, 1.3, 0.1, T4 >= 954 ? DEQ_EDIVERGE : DEQ_OK,
                    "cot_alpha2_tau1.3_sweep"))
    return 1;

  t0 = bench_now();
  size_t ts;
  double es;
  if (deq_cot_optimal_depth(&ts, &es, NULL, 1000, 2, 2.3, 0.1) != DEQ_OK)
    return 1;
  bench_report("cot_optimal_depth_tau2.3_T1000", bench_now() - t0, "s");

  t0 = bench_now();
  for (double L = 1; L <= 1024; L *= 2) {
    deq_icl_depth_point p;
    if (deq_icl_depth_optimal(&p, L, 1, 0.1) != DEQ_OK) return 1;
  }
  bench_report("icl_depth_optimal_L1_to_1024", bench_now() - t0, "s");

  /* infinite context (sheet section 3.3): a power law of 2e5 modes */
  deq_powerlaw pl;
  deq_powerlaw_init(&pl);
  pl.alpha = 2;
  pl.r = 0.5;
  pl.n = 2e5;
  deq_spectrum *sp;
  if (deq_spectrum_powerlaw(&sp, &pl) != DEQ_OK) return 1;
  t0 = bench_now();
  for (double L = 1; L <= 1024; L *= 2) {
    double R, g;
    if (deq_icl_depth_rrs(&R, &g, sp, L) != DEQ_OK) return 1;
  }
  bench_report("icl_depth_rrs_2e5_modes_L1_to_1024", bench_now() - t0, "s");
  deq_spectrum_free(sp);
  free(e);
  return 0;
}
