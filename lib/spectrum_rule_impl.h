/* spectrum_rule_impl.h -- the spectrum's side of compressed rules.  */
#ifndef DEQ_SPECTRUM_RULE_IMPL_H
#define DEQ_SPECTRUM_RULE_IMPL_H

#include "deq/spectrum_rule.h"

/* Mark sp's rule due, to be built from its current atoms by the first
   deq_spectrum_rule_get (none when exact sums are forced for sp, or by
   default, or sp is small).  Called by deq_spectrum_update.  */
deq_status deq_spectrum_rule_attach(deq_spectrum *sp);

/* Drop sp's rule but keep its setting (atoms that failed validation).  */
void deq_spectrum_rule_drop(const deq_spectrum *sp);

/* Forget sp's rule and setting (deq_spectrum_free).  */
void deq_spectrum_rule_detach(const deq_spectrum *sp);

/* Give `to` (a copy of `from`) the same setting and its own rule.  */
deq_status deq_spectrum_rule_copy(deq_spectrum *to, const deq_spectrum *from);

/* The atoms a real-axis sum of resolvent type runs over (every pole at
   -kappa <= 0; see the bound in deq/spectrum_rule.h): sp's rule when it
   has one, else its own atoms.  Sums weighted by m see the rule's
   v-nodes as m = 0, and conversely.  */
typedef struct deq_atoms {
  size_t n;
  const double *s, *m, *v;
} deq_atoms;

static inline deq_atoms deq_sum_atoms(const deq_spectrum *sp)
{
  const deq_spectrum_rule *r = deq_spectrum_rule_get(sp);
  if (r) return (deq_atoms){r->n, r->s, r->m, r->v};
  return (deq_atoms){sp->n, sp->s, sp->m, sp->v};
}

#endif
