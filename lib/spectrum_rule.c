/* spectrum_rule.c -- attach compressed rules to spectra.
 *
 * The public deq_spectrum struct has no room for the rule (and spectra
 * made on the stack, as views of other arrays, must keep exact sums), so
 * rules live in a table keyed by the spectrum's address and checked
 * against its arrays and size: a spectrum not made by deq_spectrum_alloc,
 * or whose arrays were swapped, finds no rule and sums its atoms.
 * deq_spectrum_update marks the rule due, the first sum that needs it
 * builds it (once, under a lock: concurrent solves on one spectrum wait
 * for it), deq_spectrum_free forgets it.  Spectra never summed on the
 * real axis (Monte Carlo, densities) never pay for it.  The rule's bins
 * (one-pass SGD chooses per bin between nodes and atoms) are kept the
 * same way: built by the first SGD solve after an update, shared by the
 * later ones (a grid of learning rates or schedules), dropped with the
 * rule; so are a few values computed from the atoms (SGD's stability
 * bound per batch and m4, deq_spectrum_memo).  */
#include "config.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "deq/spectrum_rule.h"
#include "spectrum_rule_impl.h"

#define BUCKETS 256
#define MEMO_SLOTS 8

/* A value computed from the atoms: f(sp, a, b).  */
typedef struct memo_slot {
  deq_memo_fn f;
  double a, b, value;
} memo_slot;

typedef struct entry {
  const deq_spectrum *sp;
  const double *s, *m, *v;  /* the arrays the rule was built from */
  size_t n;
  deq_spectrum_rule *rule;  /* may be NULL */
  int exact;                /* exact sums forced */
  int due;                  /* rule to be built on first use */
  deq_rule_bins *bins;      /* may be NULL; one holder: the entry */
  int bins_done;            /* bins built from the current atoms */
  memo_slot memo[MEMO_SLOTS]; /* values of the current atoms */
  unsigned nmemo;           /* values stored (slot nmemo % MEMO_SLOTS next) */
  unsigned gen;             /* changes with the atoms */
  struct entry *next;
} entry;

static entry *table[BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;
static int default_exact;

static size_t bucket_of(const deq_spectrum *sp)
{
  uintptr_t u = (uintptr_t)sp;
  return (size_t)((u >> 4) ^ (u >> 12)) % BUCKETS;
}

/* The entry of sp, or NULL; the lock must be held.  */
static entry **find(const deq_spectrum *sp)
{
  entry **e = &table[bucket_of(sp)];
  while (*e && (*e)->sp != sp) e = &(*e)->next;
  return e;
}

static int matches(const entry *e, const deq_spectrum *sp)
{
  return e->s == sp->s && e->m == sp->m && e->v == sp->v && e->n == sp->n;
}

/* Forget what was computed from e's atoms, bins and values (the lock is
   held): *dead to be released after it.  */
static void forget_derived(entry *e, deq_rule_bins **dead)
{
  *dead = e->bins;
  e->bins = NULL;
  e->bins_done = 0;
  e->nmemo = 0;
  e->gen++;
}

/* Replace sp's entry by (rule, exact, due); rule is owned by the table.  */
static deq_status store(const deq_spectrum *sp, deq_spectrum_rule *rule,
                        int exact, int due)
{
  deq_rule_bins *dead = NULL;
  pthread_mutex_lock(&lock);
  entry **e = find(sp);
  if (!*e) {
    *e = calloc(1, sizeof **e);
    if (!*e) {
      pthread_mutex_unlock(&lock);
      deq_spectrum_rule_free(rule);
      return DEQ_ENOMEM;
    }
    (*e)->sp = sp;
  }
  forget_derived(*e, &dead);
  deq_spectrum_rule_free((*e)->rule);
  (*e)->rule = rule;
  (*e)->exact = exact;
  (*e)->due = due;
  (*e)->s = sp->s;
  (*e)->m = sp->m;
  (*e)->v = sp->v;
  (*e)->n = sp->n;
  pthread_mutex_unlock(&lock);
  deq_rule_bins_release(dead);
  return DEQ_OK;
}

/* The setting is the spectrum's only while its arrays are the ones it was
   given for: an entry left by a spectrum that was never freed (one on the
   stack) must not pass its setting to whatever is later at its address.  */
int deq_spectrum_exact_sums(const deq_spectrum *sp)
{
  if (!sp) return 0;
  pthread_mutex_lock(&lock);
  entry *e = *find(sp);
  int exact = e && matches(e, sp)
              ? e->exact : __atomic_load_n(&default_exact, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&lock);
  return exact;
}

int deq_spectrum_rule_allowed(const deq_spectrum *sp)
{
  if (!sp || sp->n < DEQ_RULE_MIN_ATOMS) return 0;
  pthread_mutex_lock(&lock);
  entry *e = *find(sp);
  int ok = e && matches(e, sp) && !e->exact;
  pthread_mutex_unlock(&lock);
  return ok;
}

deq_status deq_spectrum_rule_attach(deq_spectrum *sp)
{
  int exact = deq_spectrum_exact_sums(sp);
  return store(sp, NULL, exact, !exact && sp->n >= DEQ_RULE_MIN_ATOMS);
}

/* Build sp's due rule (the table lock is not held).  */
static const deq_spectrum_rule *build_due(const deq_spectrum *sp)
{
  pthread_mutex_lock(&build_lock);
  pthread_mutex_lock(&lock);
  entry *e = *find(sp);
  int due = e && e->due && matches(e, sp);
  const deq_spectrum_rule *r = e && matches(e, sp) ? e->rule : NULL;
  pthread_mutex_unlock(&lock);
  if (due) { /* nobody built it meanwhile */
    deq_spectrum_rule *rule = NULL;
    if (deq_spectrum_rule_build(&rule, sp, DEQ_RULE_NODES)) rule = NULL;
    pthread_mutex_lock(&lock); /* (no memory: exact sums) */
    e = *find(sp);
    if (e && e->due && matches(e, sp)) {
      e->rule = rule;
      e->due = 0;
      rule = NULL;
    }
    r = e && matches(e, sp) ? e->rule : NULL;
    pthread_mutex_unlock(&lock);
    deq_spectrum_rule_free(rule);
  }
  pthread_mutex_unlock(&build_lock);
  return r;
}

void deq_spectrum_rule_drop(const deq_spectrum *sp)
{
  deq_rule_bins *dead_bins = NULL;
  pthread_mutex_lock(&lock);
  entry *e = *find(sp);
  deq_spectrum_rule *dead = e ? e->rule : NULL;
  if (e) {
    e->rule = NULL;
    e->due = 0;
    forget_derived(e, &dead_bins);
  }
  pthread_mutex_unlock(&lock);
  deq_spectrum_rule_free(dead);
  deq_rule_bins_release(dead_bins);
}

void deq_spectrum_rule_detach(const deq_spectrum *sp)
{
  pthread_mutex_lock(&lock);
  entry **e = find(sp), *dead = *e;
  if (dead) *e = dead->next;
  pthread_mutex_unlock(&lock);
  if (dead) {
    deq_spectrum_rule_free(dead->rule);
    deq_rule_bins_release(dead->bins);
    free(dead);
  }
}

deq_status deq_spectrum_rule_copy(deq_spectrum *to, const deq_spectrum *from)
{
  int exact = deq_spectrum_exact_sums(from);
  if (exact) return store(to, NULL, 1, 0);
  return deq_spectrum_rule_attach(to);
}

const deq_spectrum_rule *deq_spectrum_rule_get(const deq_spectrum *sp)
{
  if (!sp) return NULL;
  pthread_mutex_lock(&lock);
  entry *e = *find(sp);
  int ok = e && matches(e, sp), due = ok && e->due;
  const deq_spectrum_rule *r = ok ? e->rule : NULL;
  pthread_mutex_unlock(&lock);
  return due ? build_due(sp) : r;
}

void deq_rule_bins_release(deq_rule_bins *bb)
{
  if (bb && __atomic_sub_fetch(&bb->refs, 1, __ATOMIC_ACQ_REL) == 0)
    deq_rule_bins_free(bb);
}

/* e's bins with a holder for the caller (the lock is held).  */
static deq_rule_bins *hold_bins(const entry *e)
{
  if (e->bins) __atomic_add_fetch(&e->bins->refs, 1, __ATOMIC_RELAXED);
  return e->bins;
}

deq_status deq_spectrum_rule_bins(deq_rule_bins **out, const deq_spectrum *sp)
{
  if (!out || !sp) return DEQ_EINVAL;
  *out = NULL;
  pthread_mutex_lock(&lock);
  entry *e = *find(sp);
  int ok = e && matches(e, sp), done = ok && e->bins_done;
  if (done) *out = hold_bins(e);
  pthread_mutex_unlock(&lock);
  if (!ok) return deq_rule_bins_build(out, sp, DEQ_RULE_NODES);
  if (done) return DEQ_OK;
  /* built once, as build_due builds the rule */
  deq_status st = DEQ_OK;
  pthread_mutex_lock(&build_lock);
  pthread_mutex_lock(&lock);
  e = *find(sp);
  ok = e && matches(e, sp);
  done = ok && e->bins_done;
  if (done) *out = hold_bins(e);
  unsigned gen = ok ? e->gen : 0;
  pthread_mutex_unlock(&lock);
  if (!done) {
    st = deq_rule_bins_build(out, sp, DEQ_RULE_NODES);
    pthread_mutex_lock(&lock);
    e = *find(sp);
    /* not if the atoms were updated meanwhile (as deq_spectrum_memo) */
    if (st == DEQ_OK && ok && e && matches(e, sp) && e->gen == gen
        && !e->bins_done) {
      e->bins = *out; /* the build's holder, and the caller's: */
      hold_bins(e);
      e->bins_done = 1;
    }
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_unlock(&build_lock);
  return st;
}

/* e's value of (f, a, b) into *value, 1 if it has one (the lock is held).  */
static int memo_find(const entry *e, deq_memo_fn f, double a, double b,
                     double *value)
{
  unsigned n = e->nmemo < MEMO_SLOTS ? e->nmemo : MEMO_SLOTS;
  for (unsigned k = 0; k < n; k++)
    if (e->memo[k].f == f && e->memo[k].a == a && e->memo[k].b == b) {
      *value = e->memo[k].value;
      return 1;
    }
  return 0;
}

deq_status deq_spectrum_memo(double *value, const deq_spectrum *sp,
                             deq_memo_fn f, double a, double b)
{
  pthread_mutex_lock(&lock);
  entry *e = *find(sp);
  int ok = e && matches(e, sp), done = ok && memo_find(e, f, a, b, value);
  pthread_mutex_unlock(&lock);
  if (!ok) return f(value, sp, a, b);
  if (done) return DEQ_OK;
  /* computed once, as build_due builds the rule */
  deq_status st = DEQ_OK;
  pthread_mutex_lock(&build_lock);
  pthread_mutex_lock(&lock);
  e = *find(sp);
  ok = e && matches(e, sp);
  done = ok && memo_find(e, f, a, b, value);
  unsigned gen = ok ? e->gen : 0;
  pthread_mutex_unlock(&lock);
  if (!done) {
    st = f(value, sp, a, b);
    pthread_mutex_lock(&lock);
    e = *find(sp);
    /* not if the atoms were updated meanwhile */
    if (st == DEQ_OK && ok && e && matches(e, sp) && e->gen == gen)
      e->memo[e->nmemo++ % MEMO_SLOTS] = (memo_slot){ f, a, b, *value };
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_unlock(&build_lock);
  return st;
}

deq_status deq_spectrum_set_exact_sums(deq_spectrum *sp, int exact)
{
  if (!sp || sp->n == 0) return DEQ_EINVAL;
  if (exact) return store(sp, NULL, 1, 0);
  deq_status st = store(sp, NULL, 0, 0);
  return st ? st : deq_spectrum_rule_attach(sp);
}

void deq_spectrum_exact_sums_default(int exact)
{
  __atomic_store_n(&default_exact, exact != 0, __ATOMIC_RELAXED);
}
