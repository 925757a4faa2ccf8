/* lib/sgd_average.c -- weight averaging of one-pass SGD by the exact
 * recursions of scaling_dynamics 3.2.  With e = w - wbar, ebar = the
 * average's error and fresh samples, E[e_{t+1} | past] = (1 - eta_t s) e_t
 * per mode, so per atom (all parts times s and summed over its
 * directions):
 *
 *   Q(t+1) = (1 - rho)(1 - eta s) Q(t) + rho c(t+1)
 *   M(t+1) = (1 - rho)^2 M(t) + 2 rho (1 - rho)(1 - eta s) Q(t)
 *            + rho^2 c(t+1),
 *
 * and the averaged risk is sum M.  rho = 1 restarts the average at the
 * iterate (M = Q = c).  */
#include <config.h>

#include <math.h>

#include "sgd_impl.h"

double deq_sgd_rho(const deq_sgd_average *avg, double start, double t)
{
  switch (avg->kind) {
  case DEQ_AVG_EMA:
    return 1 - avg->param;
  case DEQ_AVG_ANYTIME:
    return avg->param / (t + 1 + avg->param);
  case DEQ_AVG_TAIL:
  case DEQ_AVG_TAIL_FROM:
    /* wbar_{t+1} = mean of the iterates start .. t+1.  */
    return t + 1 <= start ? 1.0 : 1.0 / (t + 2 - start);
  default:
    return 1.0;
  }
}

double deq_sgd_tail_start(const deq_sgd_average *avg, double T)
{
  if (avg->kind == DEQ_AVG_TAIL_FROM) return avg->param;
  if (avg->kind == DEQ_AVG_TAIL) return floor((1 - avg->param) * T);
  return 0;
}

double deq_sgd_average_step(double *M, double *Q, const double *u1,
                            const double *s, size_t n, double eta, double rho)
{
  double total = 0, keep = 1 - rho;
  for (size_t i = 0; i < n; i++) {
    double d = 1 - eta * s[i], q = Q[i];
    Q[i] = keep * d * q + rho * u1[i];
    M[i] = keep * keep * M[i] + 2 * rho * keep * d * q + rho * rho * u1[i];
    total += M[i];
  }
  return total;
}
