/* lib/ensemble_views_impl.h -- the resolved plan of a linear-views
 * ensemble, shared by lib/ensemble_views.c, lib/mp_views.c and
 * lib/mc_views.c.  Not installed.  */
#ifndef DEQ_ENSEMBLE_VIEWS_IMPL_H
#define DEQ_ENSEMBLE_VIEWS_IMPL_H

#include <pthread.h>
#include "deq/ensemble_views.h"

struct deq_weighted_rule;

struct deq_views_plan {
  size_t K, N;
  int dense;
  double *eta, *lambda;      /* per member (lambda NAN: the common one) */
  size_t **idx, *n;          /* per member: sorted subset */
  deq_spectrum **msp;        /* per member: Sigma_r's spectrum (eta added),
                                target 0: its ridge kappa and gamma_rr */
  double signal;             /* wbar' Sigma wbar */
  /* diagonal Sigma: atoms s, m (counts), u (target power per direction),
     c[r*na + i] directions of atom i seen by r, cc[(r*K + r')*na + i]
     seen by both (r != r') */
  size_t na;
  double *s, *m, *u, *c, *cc;
  /* the pair sums on compressed rules (lib/ensemble_views.c, pair_rules):
     rules_allowed when Sigma's spectrum may be compressed; built by the
     first solve under rules_lock (rules_built); per pair r <= r' the
     rule rule[r*K + r'] of its measures (NULL: exact sums) and b0[r*K +
     r'], the part of B that does not depend on s */
  int rules_allowed, rules_built;
  pthread_mutex_t rules_lock;
  struct deq_weighted_rule **rule;
  double *b0;
  /* dense Sigma (column-major N x N) and wbar; per member the eigenvalues
     d[r] of Sigma[S_r, S_r] (clamped at 0) and beta[r] = Q_r' (Sigma
     wbar)[S_r]; per pair r < r' the matrix M[r*K + r'] = Q_r' Sigma[S_r,
     S_r'] Q_r' (n_r x n_r', column-major) */
  double *sigma, *wbar;
  double **d, **beta, **M;
};

#endif
