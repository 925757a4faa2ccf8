/* lib/sgd_rule.c -- compressed spectra for one-pass SGD: which bins of a
 * spectrum may be replaced by their Gauss rules over a horizon of T
 * steps, and the "pseudo-spectrum" of nodes and exact atoms that the
 * recursion and the Volterra kernels then run on.
 *
 * Why it is allowed.  The recursion, its averages and the Volterra
 * kernels are linear in the per-atom states, so every reported number is
 * a sum, with positive coefficients, of "path sums" int h dV and
 * int s^2 h dM over the target measure V = sum v_i delta(s_i) and the
 * multiplicity measure M = sum m_i delta(s_i), where each path function
 * h(s) is a product over distinct steps k of a_k(s) = (1 - eta_k s)^2 +
 * c_k eta_k^2 s^2 (c_k = (m4 - 2)/B_k), of 1 - eta_k s (averages), or of
 * 1.  Let Lambda be the sum of eta_k over the a-steps plus half of it
 * over the (1 - eta s)-steps: 0 <= Lambda <= Lambda_T = sum_{k<T} eta_k.
 *
 * Bound (per bin [A, 2A), mapped to x in [-1, 1] by s = A (x + 3)/2; on
 * the Bernstein ellipse E_rho the real part of s is >= X = A (3 - (rho +
 * 1/rho)/2)/2 and |s| <= Z = A (3 + (rho + 1/rho)/2)/2):
 *   |a_k(s)| <= 1 - 2 eta X + (1 + |c|) eta^2 Z^2 <= exp(-eta p),
 *   p = 2 X - (1 + max |c_k|) eta_max Z^2, and |1 - eta s| <= exp(-eta p/2);
 * so |h| <= exp(-p Lambda) on E_rho and, the Chebyshev series of h
 * truncated at degree 2n - 1 being integrated exactly by the n-point
 * Gauss rule of weight W, the bin's error is at most
 *   W (Z^2) 4 rho^(1 - 2n)/(rho - 1) exp(-p Lambda)          (*)
 * (Z^2 for the M-paths, which carry s^2).  On the bin itself, with Y =
 * 2 A eta_max < 1 and q(y) = 1 - 2y + kappa y^2, kappa = min(1, 1 +
 * min c_k), q(Y) > 0: -log q is convex with value 0 at 0, so
 *   a_k(s) >= q(eta_k s) >= exp(-eta_k r),  1 - eta_k s >= exp(-eta_k r/2),
 *   r = 2 A (-log q(Y))/Y,
 * and every path sum of the bin is >= W (A^2) exp(-r Lambda) > 0.
 *
 * Selection: a bin is "eligible" if Y < 1 and q(Y) > 0 (otherwise a_k may
 * be negative or past its minimum, and the bin keeps its atoms).  The
 * compressed set C (eligible bins with a Gauss rule) must satisfy, for
 * both measures and every Lambda in [0, Lambda_T],
 *   sum_{b in C} (*) <= tol sum_{b eligible} W_b (A_b^2) exp(-r_b Lambda),
 * i.e. the error of every path sum is at most tol times its part on the
 * eligible bins (its total when no a_k is negative elsewhere).  Lambda_T
 * is cut into intervals [L_j, L_j+1] (L_j+1 = 1.02 L_j); (*) is taken at
 * the interval end that makes it larger, with the best rho of a grid, the
 * lower bound at L_j+1: the check is rigorous between grid points.  While
 * it fails, the bin with the largest error term at the worst interval
 * keeps its atoms.  Bins with large eta s T but small s far from the
 * stability edge are typically compressed: their contribution is then
 * exponentially small next to the bins of smaller s, which carry the sum;
 * when no such bins carry the measure (a target on the top eigenvalues
 * only), the check keeps them exact.  */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deq/dynamics.h"
#include "deq/spectrum_rule.h"
#include "sgd_impl.h"
#include "spectrum_rule_impl.h"

#define NRHO 24
#define GROW 1.02

/* The step sizes and batch factors of steps 0 .. T-1.  */
typedef struct horizon_stats {
  double eta_max, lambda, c_min, c_max;
} horizon_stats;

static horizon_stats walk(const deq_sgd_schedule *sched, double m4, double T)
{
  horizon_stats h = { 0, 0, INFINITY, -INFINITY };
  double n = 0, eta, B;
  if (deq_sgd_schedule_is_constant(sched)) {
    deq_sgd_schedule_at(&eta, &B, sched, 0, 0);
    double c = (m4 - 2) / B;
    return (horizon_stats){ eta, eta * T, c, c };
  }
  for (double k = 0; k < T; k++) {
    deq_sgd_schedule_at(&eta, &B, sched, k, n);
    n += B;
    double c = (m4 - 2) / B;
    h.eta_max = fmax(h.eta_max, eta);
    h.lambda += eta;
    h.c_min = fmin(h.c_min, c);
    h.c_max = fmax(h.c_max, c);
  }
  /* a summation of T positive terms: a relative 1e-16 T margin */
  h.lambda *= 1 + 2e-16 * T;
  return h;
}

static double log_add(double a, double b)
{
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  double hi = fmax(a, b), lo = fmin(a, b);
  return hi + log1p(exp(lo - hi));
}

/* The bound (*) per bin, prepared once per bin: for each rho of the
   grid, the rate p and the log of its constant factor (V- and M-paths).  */
typedef struct bin_bound {
  double p[NRHO], lc[2][NRHO];
} bin_bound;

static void bound_prepare(bin_bound *bd, double A, double eta_max,
                          double cabs)
{
  int n = DEQ_RULE_NODES;
  for (int k = 0; k < NRHO; k++) {
    double rho = pow(1.25, k + 1), c = 0.25 * (rho + 1 / rho);
    double X = A * (1.5 - c), Z = A * (1.5 + c);
    bd->p[k] = 2 * X - (1 + cabs) * eta_max * Z * Z;
    bd->lc[0][k] = log(4.0) + (1 - 2 * n) * log(rho) - log(rho - 1);
    bd->lc[1][k] = bd->lc[0][k] + 2 * log(Z);
  }
}

static double bound_eval(const bin_bound *bd, double L0, double L1, int s2)
{
  double best = INFINITY;
  for (int k = 0; k < NRHO; k++)
    best = fmin(best, bd->lc[s2][k] + fmax(-bd->p[k] * L0, -bd->p[k] * L1));
  return best;
}

double deq_sgd_rule_log_error(double A, double eta_max, double cabs,
                              double L0, double L1, int s2)
{
  bin_bound bd;
  bound_prepare(&bd, A, eta_max, cabs);
  return bound_eval(&bd, L0, L1, s2 != 0);
}

typedef struct bin_info {
  double A, wv, wm;    /* bin start, weights of V and M */
  double r;            /* lower-bound rate (eligible bins) */
  int eligible, on;    /* on: compressed */
} bin_info;

deq_status deq_sgd_rule_select(deq_spectrum **out, size_t *exact_atoms,
                               const deq_spectrum *sp,
                               const deq_rule_bins *bb,
                               const deq_sgd_schedule *sched, double m4,
                               double T, int mode, double tol)
{
  *out = NULL;
  *exact_atoms = sp->n;
  if (!bb || T < 1 || mode == DEQ_SGD_RULE_EXACT) return DEQ_OK;
  horizon_stats h = walk(sched, m4, T);
  size_t nb = bb->nbins;
  bin_info *bi = calloc(nb, sizeof *bi);
  if (!bi) return DEQ_ENOMEM;
  double kappa = fmin(1.0, 1.0 + h.c_min);
  double cabs = fmax(fabs(h.c_min), fabs(h.c_max));
  double rmax = 0;
  for (size_t b = 0; b < nb; b++) {
    const deq_rule_bin *r = &bb->bin[b];
    bin_info *x = &bi[b];
    x->A = ldexp(1.0, r->e);
    x->wv = r->wv;
    x->wm = r->wm;
    double Y = 2 * x->A * h.eta_max, lq = log1p(Y * (kappa * Y - 2));
    x->eligible = Y < 1 && isfinite(lq) && Y > 0;
    if (x->eligible) {
      x->r = 2 * x->A * (-lq / Y) * (1 + 1e-12);
      rmax = fmax(rmax, x->r);
    }
    x->on = r->gauss && (mode == DEQ_SGD_RULE_ALL || x->eligible);
  }
  deq_status st = DEQ_OK;
  if (mode == DEQ_SGD_RULE_SELECT && rmax > 0) {
    /* the Lambda grid and the best log error term per bin and interval */
    double pmax = rmax, rho_max = pow(1.25, NRHO);
    for (size_t b = 0; b < nb; b++)
      if (bi[b].eligible) {
        double c = 0.25 * (rho_max + 1 / rho_max);
        double X = bi[b].A * (1.5 - c), Z = bi[b].A * (1.5 + c);
        pmax = fmax(pmax, fabs(2 * X - (1 + cabs) * h.eta_max * Z * Z));
      }
    double L1 = fmin(h.lambda, 1e-3 / pmax);
    size_t nj = 2;
    for (double L = L1; L < h.lambda; L *= GROW) nj++;
    double *grid = malloc((nj + 2 * nj * (nb + 1)) * sizeof *grid);
    if (!grid) {
      free(bi);
      return DEQ_ENOMEM;
    }
    double *lnum = grid + nj, *lden = lnum + 2 * nj * nb;
    size_t J = 0;
    grid[J++] = 0;
    for (double L = L1; L < h.lambda; L *= GROW) grid[J++] = L;
    grid[J++] = h.lambda;
    J--; /* intervals [grid[j], grid[j+1]), j < J */
    /* error terms only for the bins that can be compressed; the lower
       bound over every eligible bin (a running max keeps the log-sum
       cheap: terms below 1e-20 of the largest are dropped, which only
       lowers the bound) */
    bin_bound *bd = malloc(nb * sizeof *bd);
    if (!bd) {
      free(grid);
      free(bi);
      return DEQ_ENOMEM;
    }
    for (size_t b = 0; b < nb; b++)
      if (bi[b].on) bound_prepare(&bd[b], bi[b].A, h.eta_max, cabs);
    for (size_t j = 0; j < J; j++)
      for (int mu = 0; mu < 2; mu++) {
        double den = -INFINITY;
        for (size_t b = 0; b < nb; b++) {
          double W = mu ? bi[b].wm : bi[b].wv;
          double *ln = &lnum[(2 * j + mu) * nb + b];
          *ln = -INFINITY;
          if (!bi[b].eligible || !(W > 0)) continue;
          double lw = log(W);
          double term = lw + (mu ? 2 * log(bi[b].A) : 0)
                        - bi[b].r * grid[j + 1];
          if (term > den - 46) den = log_add(den, term);
          if (bi[b].on) *ln = lw + bound_eval(&bd[b], grid[j], grid[j + 1], mu);
        }
        lden[2 * j + mu] = den + log(tol);
      }
    free(bd);
    /* drop the worst bin until every interval passes */
    for (;;) {
      double worst = 0;
      size_t wj = 0;
      for (size_t j = 0; j < 2 * J; j++) {
        double num = -INFINITY;
        for (size_t b = 0; b < nb; b++)
          if (bi[b].on) num = log_add(num, lnum[j * nb + b]);
        double gap = num == -INFINITY ? -INFINITY : num - lden[j];
        if (gap > worst) {
          worst = gap;
          wj = j;
        }
      }
      if (!(worst > 0)) break;
      size_t drop = nb;
      for (size_t b = 0; b < nb; b++)
        if (bi[b].on && lnum[wj * nb + b] > -INFINITY
            && (drop == nb || lnum[wj * nb + b] > lnum[wj * nb + drop]))
          drop = b;
      if (drop == nb) break;
      bi[drop].on = 0;
    }
    free(grid);
  } else if (mode == DEQ_SGD_RULE_SELECT) {
    for (size_t b = 0; b < nb; b++) bi[b].on = 0;
  }
  /* the pseudo-spectrum: nodes of the compressed bins, atoms of the rest */
  const deq_spectrum_rule *rule = bb->rule;
  size_t n = 0, exact = 0, any = 0;
  for (size_t b = 0; b < nb; b++) {
    n += bi[b].on ? bb->bin[b].len : bb->bin[b].count;
    exact += bi[b].on ? 0 : bb->bin[b].count;
    any |= (size_t)bi[b].on;
  }
  n += rule->n - bb->rest;
  exact += rule->n - bb->rest;
  if (!any) {
    free(bi);
    return st;
  }
  deq_spectrum *ps = calloc(1, sizeof *ps);
  double *arr = malloc(3 * n * sizeof *arr);
  if (!ps || !arr) {
    free(ps);
    free(arr);
    free(bi);
    return DEQ_ENOMEM;
  }
  *ps = *sp;
  ps->n = n;
  ps->s = arr;
  ps->m = arr + n;
  ps->v = arr + 2 * n;
  ps->exact = 0;
  size_t k = 0;
  for (size_t b = 0; b < nb; b++) {
    const deq_rule_bin *r = &bb->bin[b];
    if (bi[b].on) {
      for (size_t i = r->off; i < r->off + r->len; i++, k++) {
        ps->s[k] = rule->s[i];
        ps->m[k] = rule->m[i];
        ps->v[k] = rule->v[i];
      }
    } else {
      for (size_t i = 0; i < r->count; i++, k++) {
        size_t a = bb->idx[r->first + i];
        ps->s[k] = sp->s[a];
        ps->m[k] = sp->m[a];
        ps->v[k] = sp->v[a];
      }
    }
  }
  for (size_t i = bb->rest; i < rule->n; i++, k++) {
    ps->s[k] = rule->s[i];
    ps->m[k] = rule->m[i];
    ps->v[k] = rule->v[i];
  }
  free(bi);
  *out = ps;
  *exact_atoms = exact;
  return DEQ_OK;
}

void deq_sgd_pseudo_free(deq_spectrum *ps)
{
  if (!ps) return;
  free(ps->s);
  free(ps);
}
