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

/* A rule with its bins, for sums that choose per bin between the Gauss
   nodes and the atoms (SGD, see sgd_rule.c).  The bins are in the
   rule's order (decreasing eigenvalue); bin k's nodes or kept atoms are
   rule->s[off .. off + len), its own atoms sp->s[idx[first .. first +
   count)]; the atoms with s <= 0 follow the bins in the rule, from
   rule->s[rest] on.  */
typedef struct deq_rule_bin {
  int e;                /* its atoms lie in [2^e, 2^(e+1)) */
  int gauss;            /* replaced by Gauss rules */
  size_t off, len;      /* in the rule's arrays */
  size_t first, count;  /* in idx */
  double wv, wm;        /* sums of v and m over its atoms (in idx order) */
} deq_rule_bin;

typedef struct deq_rule_bins {
  deq_spectrum_rule *rule;
  deq_rule_bin *bin;
  size_t nbins, rest;
  size_t *idx;          /* positive atoms of sp, sorted by bin */
  int refs;             /* holders (deq_rule_bins_release) */
} deq_rule_bins;

/* *out = NULL (DEQ_OK) when no bin is worth compressing; one holder.  */
deq_status deq_rule_bins_build(deq_rule_bins **out, const deq_spectrum *sp,
                               int nodes);
void deq_rule_bins_free(deq_rule_bins *bb);

/* The same rules for any non-negative measures on a spectrum's atoms:
   nw measures sum w[k][i] delta(s_i) on the atoms s[0..n), each bin
   with more atoms than its rules replaced by the Gauss rule of every
   measure that has weight in it, built from the atoms where it has
   weight (nodes carry weight in that measure only; a measure with at
   most `nodes` such atoms keeps them; a bin without weight leaves
   nothing), other bins and atoms with s <= 0 kept with all their
   weights.  deq_spectrum_rule_build is the same construction for w =
   {m, v} over every atom of a bin (its rules as before this builder
   existed); the bound of deq/spectrum_rule.h holds for each
   measure, so for any sum of f_k(s) w_k with f_k of the class stated
   there.  *out = NULL (DEQ_OK) when no bin is worth compressing.  */
#define DEQ_RULE_MAX_WEIGHTS 4
typedef struct deq_weighted_rule {
  size_t n;                          /* atoms of the rule */
  double *s;
  double *w[DEQ_RULE_MAX_WEIGHTS];   /* w[k][j]: atom j's weight in k */
  int nw;
  size_t source, bins, gauss;        /* as in deq_spectrum_rule */
} deq_weighted_rule;

deq_status deq_weighted_rule_build(deq_weighted_rule **out, size_t n,
                                   const double *s, const double *const *w,
                                   int nw, int nodes);
void deq_weighted_rule_free(deq_weighted_rule *rule);

/* sp's bins (DEQ_RULE_NODES nodes), shared: built from its atoms by the
   first call after deq_spectrum_update and kept in its entry until the
   entry changes (the next update, deq_spectrum_set_exact_sums,
   deq_spectrum_free); a spectrum without a rule entry
   (not made by deq_spectrum_alloc, arrays swapped) gets bins of its own.
   *out = NULL when no bin is worth compressing; else the caller holds
   it until deq_rule_bins_release, so an update meanwhile frees nothing
   in use.  */
deq_status deq_spectrum_rule_bins(deq_rule_bins **out,
                                  const deq_spectrum *sp);

/* Drop one holder of bb (NULL: nothing); the last one frees it.  */
void deq_rule_bins_release(deq_rule_bins *bb);

/* A quantity of sp's atoms alone (and of dim, trace: what
   deq_spectrum_update sets), with two parameters.  */
typedef deq_status (*deq_memo_fn)(double *value, const deq_spectrum *sp,
                                  double a, double b);

/* *value = f(sp, a, b), computed by the first call after
   deq_spectrum_update and kept in sp's entry, as the bins, for the last
   few (f, a, b) (8) whose status was DEQ_OK; a later call returns the
   same double.  A spectrum without a rule entry computes it every time.  */
deq_status deq_spectrum_memo(double *value, const deq_spectrum *sp,
                             deq_memo_fn f, double a, double b);

/* 1 if sums over sp may be compressed: sp has a rule entry (made by
   deq_spectrum_alloc and updated), exact sums are not forced, and it has
   at least DEQ_RULE_MIN_ATOMS atoms.  */
int deq_spectrum_rule_allowed(const deq_spectrum *sp);

#endif
