/* lib/sgd_impl.h -- private pieces shared by the SGD recursion (sgd.c),
 * its weight averages (sgd_average.c), the Monte Carlo (mc_sgd.c) and
 * the MPFR twin (mp_sgd.c).  Not installed.  */
#ifndef DEQ_SGD_IMPL_H
#define DEQ_SGD_IMPL_H

#include <stddef.h>
#include "deq/dynamics.h"

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

#endif
