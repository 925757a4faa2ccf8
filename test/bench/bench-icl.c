/* bench-icl.c -- speed of the linear-attention ICL deterministic
 * equivalent (deq/icl.h).
 *
 * Target (issue 11): a 100 x 100 (alpha, tau) grid, alpha and tau
 * log-spaced on [0.1, 10] and [0.1, 100] (tau = 1 avoided by the grid),
 * rho = 0.1, for isotropic tasks at kappa = inf and kappa = 0.5, and for
 * a two-level task spectrum against an anti-aligned test, each at
 * lambda = 0 and lambda = 0.1.  Reports seconds per grid and resolvent
 * evaluations per point.  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <deq/icl.h>
#include "bench.h"

enum { N = 100, REPS = 3 };

static void time_grid(const char *name, const deq_icl_tasks *tk, double kappa,
                      double lambda)
{
  double best = INFINITY;
  long evals = 0;
  for (int r = 0; r < REPS; r++) {
    evals = 0;
    double t0 = bench_now();
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        double alpha = 0.1 * pow(100.0, i / (N - 1.0));
        double tau = 0.1 * pow(1000.0, (j + 0.5) / N);
        deq_icl_point p;
        deq_status st = deq_icl_solve(&p, tk, alpha, kappa, tau, 0.1, lambda);
        if (st != DEQ_OK) {
          fprintf(stderr, "bench-icl: %s alpha=%g tau=%g: %s\n", name, alpha,
                  tau, deq_strerror(st));
          exit(1);
        }
        evals += p.iterations;
      }
    best = fmin(best, bench_now() - t0);
  }
  char key[128];
  snprintf(key, sizeof key, "icl.%s.lambda=%g.grid100x100.seconds", name,
           lambda);
  bench_report(key, best, "s");
  snprintf(key, sizeof key, "icl.%s.lambda=%g.evals_per_point", name, lambda);
  bench_report(key, (double)evals / (N * N), "evals");
}

int main(void)
{
  deq_spectrum *tr = NULL, *te = NULL;
  double s[2] = { 1.5, 0.5 }, t[2] = { 0.5, 1.5 };
  deq_icl_tasks *tk = NULL;
  if (deq_spectrum_from_arrays(&tr, 2, s, NULL, NULL, NULL)
      || deq_spectrum_from_arrays(&te, 2, t, NULL, NULL, NULL)
      || deq_icl_tasks_alloc(&tk, tr, te, NULL)) {
    fprintf(stderr, "bench-icl: setup failed\n");
    return 1;
  }
  for (int l = 0; l < 2; l++) {
    double lambda = l ? 0.1 : 0;
    time_grid("iso.kappa=inf", NULL, INFINITY, lambda);
    time_grid("iso.kappa=0.5", NULL, 0.5, lambda);
    time_grid("twolevel.anti.kappa=0.5", tk, 0.5, lambda);
  }
  deq_icl_tasks_free(tk);
  deq_spectrum_free(tr);
  deq_spectrum_free(te);
  return 0;
}
