/* lib/sgd_impl.h -- private pieces shared by the SGD recursion (sgd.c),
 * its weight averages (sgd_average.c), the Monte Carlo (mc_sgd.c) and
 * the MPFR twin (mp_sgd.c).  Not installed.  */
#ifndef DEQ_SGD_IMPL_H
#define DEQ_SGD_IMPL_H

#include <stddef.h>
#include "deq/dynamics.h"

/* The step factor a = (1 - y)^2 + (c1 - 1) y^2 = 1 - x, y = eta s, c1 =
   1 + (m4 - 2)/B, as hi + lo: one rounded double would carry a relative
   error up to u/2 that a^t multiplies by t (1e-10 after 1e6 steps, the
   same sign for every step); with the lo part (exact when a >= 1/2, where
   powers decay slowly) the error is that of x, of order u x, and a^t
   stays within u (t x) of its value, t x being at most a few tens
   while a^t matters.  */
static inline void deq_sgd_factor(double y, double c1, double *hi,
                                  double *lo)
{
  double x = y * (2 - c1 * y);
  *hi = 1 - x;
  *lo = (1 - *hi) - x;
}

/* rho_t of step t (wbar_t -> wbar_{t+1}) for an average whose uniform
   window starts at iterate `start` (DEQ_AVG_TAIL_FROM; the tail fraction
   is turned into a start by the caller).  1 means "restart at the
   iterate".  */
double deq_sgd_rho(const deq_sgd_average *avg, double start, double t);

/* One step of the averaging recursions (scaling_dynamics 3.2) for n
   atoms: u1 = the atoms' risk parts after the step, M and Q the atoms'
   parts of E[ebar^2] and E[ebar e] (times s), updated in place;
   returns sum M (the averaged risk).  */
double deq_sgd_average_step(double *M, double *Q, const double *u1,
                            const double *s, size_t n, double eta,
                            double rho);

/* The tail start of the average at the reported step T.  */
double deq_sgd_tail_start(const deq_sgd_average *avg, double T);

/* Use the Volterra path (sgd.c) for a constant schedule without an
   average; returns 0 (and leaves the recursion) otherwise.  */
int deq_sgd_use_volterra(deq_sgd_state *st, int on);

/* ------------------------------------------------------------ compression
   (sgd_rule.c; the bound is stated there and in the manual)  */

struct deq_rule_bins;

#define DEQ_SGD_RULE_EXACT 0  /* every atom */
#define DEQ_SGD_RULE_SELECT 1 /* the bins the bound admits (the default) */
#define DEQ_SGD_RULE_ALL 2    /* every Gauss bin, bound or not (tests) */
/* The relative error allowed on every path sum.  */
#define DEQ_SGD_RULE_TOL 1e-15

/* *out = the pseudo-spectrum for steps 0 .. T-1 of sched (nodes of the
   compressed bins, atoms of the others; free with deq_sgd_pseudo_free),
   or NULL when no bin is compressed; *exact_atoms = atoms of sp kept.  */
deq_status deq_sgd_rule_select(deq_spectrum **out, size_t *exact_atoms,
                               const deq_spectrum *sp,
                               const struct deq_rule_bins *bb,
                               const deq_sgd_schedule *sched, double m4,
                               double T, int mode, double tol);
void deq_sgd_pseudo_free(deq_spectrum *ps);

/* log of the bound (*) of sgd_rule.c per unit weight: the largest error
   of the DEQ_RULE_NODES-point Gauss rule of a bin [A, 2A) on any path
   function with Lambda in [L0, L1] (times s^2 if s2), steps with eta <=
   eta_max and |c| <= cabs; minimised over rho.  */
double deq_sgd_rule_log_error(double A, double eta_max, double cabs,
                              double L0, double L1, int s2);

/* Choose the compression of a fresh state (before its first advance):
   one of DEQ_SGD_RULE_*.  */
void deq_sgd_set_compression(deq_sgd_state *st, int mode);

#endif
