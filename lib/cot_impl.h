/* lib/cot_impl.h -- private to the chain-of-thought module (lib/cot.c)
 * and its tests: the choice of quadrature nodes for the ladder.  */
#ifndef DEQ_COT_IMPL_H
#define DEQ_COT_IMPL_H

#include <stddef.h>
#include "deq/status.h"

enum {
  DEQ_COT_RULE_GRADED = 0,    /* Gauss panels graded toward the edges
                                 (the default, about 250 nodes at T = 1e4) */
  DEQ_COT_RULE_MIDPOINT = 1   /* the midpoint rule in theta with 16 sqrt(T)
                                 nodes (in powers of two from 256): the
                                 first release's nodes, kept for tests */
};

/* deq_cot_risk_curve on the nodes of `rule`.  */
deq_status deq_cot_risk_curve_rule(double *e, size_t tmax, double alpha,
                                   double tau, double rho, int rule);

#endif
