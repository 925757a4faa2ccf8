/* lib/mc_sgd.c -- Monte Carlo of one-pass SGD (deq/dynamics.h): the
 * weights themselves, trained on fresh samples drawn in Sigma's
 * eigenbasis batch by batch, with the same schedules and averages as the
 * recursion.  Per trial and reported step: the exact excess risk
 * sum_j s_j e_j^2 of the iterate and of the average.  Trial t draws from
 * the stream (seed, t) only and trials are reduced in order
 * (deq_mc_run_trials), so results are bitwise identical for any number
 * of threads.  */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deq/dynamics.h"
#include "mc_impl.h"
#include "sgd_impl.h"

typedef struct mc_sgd {
  size_t N, ns;
  deq_mc_steps g;             /* columns, order of T */
  double noise_sd;
  int rademacher;
  const deq_sgd_schedule *sched;
  const deq_sgd_average *avg;
  const double *T;            /* ns reported steps, caller's order */
  double Tmax;
  uint64_t seed;
} mc_sgd;

static double excess(const double *e, const double *s, size_t N)
{
  double r = 0;
  for (size_t j = 0; j < N; j++) r += s[j] * e[j] * e[j];
  return r;
}

static void draw(double *z, size_t N, int rademacher, deq_rng *rng)
{
  if (!rademacher) {
    deq_rng_normals(z, N, rng);
    return;
  }
  for (size_t j = 0; j < N; j += 64) {
    uint64_t bits = deq_rng_u64(rng);
    for (size_t k = j; k < N && k < j + 64; k++, bits >>= 1)
      z[k] = (bits & 1) ? 1.0 : -1.0;
  }
}

/* One SGD update of e with eta and batch B.  */
static void update(double *e, double *grad, double *z, const mc_sgd *c,
                   double eta, size_t B, deq_rng *rng)
{
  size_t N = c->N;
  memset(grad, 0, N * sizeof *grad);
  for (size_t b = 0; b < B; b++) {
    draw(z, N, c->rademacher, rng);
    double r = 0;
    for (size_t j = 0; j < N; j++) {
      z[j] *= c->g.sqrt_s[j];        /* x = Sigma^(1/2) z */
      r += z[j] * e[j];
    }
    r -= c->noise_sd * deq_rng_normal(rng);   /* x.(w - wbar) - eps */
    for (size_t j = 0; j < N; j++) grad[j] += r * z[j];
  }
  double step = eta / (double)B;
  for (size_t j = 0; j < N; j++) e[j] -= step * grad[j];
}

static deq_status trial(double *res, void *ctx, int tid, uint64_t t)
{
  (void)tid;
  const mc_sgd *c = ctx;
  size_t N = c->N, ns = c->ns;
  int tail = c->avg->kind == DEQ_AVG_TAIL;
  double *buf = malloc((4 + (tail ? ns : 0)) * N * sizeof *buf);
  if (!buf) return DEQ_ENOMEM;
  double *e = buf, *ebar = e + N, *grad = ebar + N, *z = grad + N;
  double *acc = z + N;                       /* tail: one sum per step */
  double *start = calloc(ns ? ns : 1, sizeof *start);
  if (!start) {
    free(buf);
    return DEQ_ENOMEM;
  }
  deq_rng rng;
  deq_rng_seed(&rng, c->seed, t);
  for (size_t j = 0; j < N; j++) e[j] = ebar[j] = -c->g.wbar[j];   /* w_0 = 0 */
  if (tail) {
    memset(acc, 0, ns * N * sizeof *acc);
    for (size_t k = 0; k < ns; k++)
      start[k] = deq_sgd_tail_start(c->avg, c->T[k]);
  }
  double n = 0, from = c->avg->kind == DEQ_AVG_TAIL_FROM ? c->avg->param : 0;
  size_t next = 0;                           /* next reported step (sorted) */
  for (double tau = 0;; tau += 1) {
    /* iterate tau: the tail sums, then the reported steps at tau */
    for (size_t k = 0; tail && k < ns; k++)
      if (tau >= start[k] && tau <= c->T[k])
        for (size_t j = 0; j < N; j++) acc[k * N + j] += e[j];
    for (; next < ns && c->T[c->g.order[next]] == tau; next++) {
      size_t k = c->g.order[next];
      res[k] = excess(e, c->g.s, N);
      if (tail) {
        double inv = 1.0 / (c->T[k] - start[k] + 1);
        for (size_t j = 0; j < N; j++) grad[j] = acc[k * N + j] * inv;
        res[ns + k] = excess(grad, c->g.s, N);
      } else {
        res[ns + k] = c->avg->kind == DEQ_AVG_NONE ? res[k]
                                                    : excess(ebar, c->g.s, N);
      }
    }
    if (next == ns) break;
    double eta, B;
    deq_sgd_schedule_at(&eta, &B, c->sched, tau, n);
    update(e, grad, z, c, eta, (size_t)B, &rng);
    n += B;
    if (c->avg->kind != DEQ_AVG_NONE && !tail) {
      double rho = deq_sgd_rho(c->avg, from, tau);
      for (size_t j = 0; j < N; j++) ebar[j] = (1 - rho) * ebar[j] + rho * e[j];
    }
  }
  free(start);
  free(buf);
  return DEQ_OK;
}

deq_status deq_mc_sgd_run(deq_mc_estimate *E_g, deq_mc_estimate *E_g_avg,
                          const deq_spectrum *sp, double noise, double m4,
                          const deq_sgd_schedule *sched,
                          const deq_sgd_average *avg, const double *T,
                          size_t n, size_t trials, uint64_t seed,
                          int threads)
{
  if (!E_g || !E_g_avg || !sp || !sched || !avg || !T || n == 0)
    return DEQ_EINVAL;
  if (trials < 2) return DEQ_EINVAL;
  if (!(noise >= 0 && isfinite(noise)) || !(m4 == 1 || m4 == 3))
    return DEQ_EDOM;
  if (deq_sgd_schedule_check(sched, NULL) != DEQ_OK) return DEQ_EDOM;
  mc_sgd c = { .ns = n, .noise_sd = sqrt(noise), .rademacher = m4 == 1,
               .sched = sched, .avg = avg, .T = T, .seed = seed };
  size_t N;
  deq_status st = deq_mc_check_spectrum(&N, sp);
  if (st != DEQ_OK) return st;
  c.N = N;
  for (size_t k = 0; k < n; k++) {
    if (!(T[k] >= 0 && T[k] == floor(T[k]) && T[k] < 0x1p53)) return DEQ_EDOM;
    c.Tmax = fmax(c.Tmax, T[k]);
  }
  /* Batches must be whole numbers of samples.  */
  double used = 0;
  for (double t = 0; t < c.Tmax; t += 1) {
    double eta, B;
    deq_sgd_schedule_at(&eta, &B, sched, t, used);
    if (B != floor(B) || B < 1 || B > 1e9) return DEQ_EUNSUP;
    used += B;
  }
  deq_mc_estimate *est[2] = { E_g, E_g_avg };
  return deq_mc_run_steps(&c.g, sp, N, T, n, est, 2, trials, threads, trial,
                          &c);
}
