/* mp_twopoint.c -- MPFR twin of the two-point deterministic equivalent
 * (deq/twopoint.h), independent of twopoint.c and ridge.c.
 *
 * kappa(z) for z > 0 by geometric bisection on the monotone predicate
 * kappa (P - M + sum m kappa/(s+kappa)) >= P z (M = the atoms' rank): the
 * left side is negative below the ridgeless root and increasing above it,
 * so the predicate switches once, inside [z, z + tr/P].  Bisection stops
 * at a relative width 2^-(3 prec/4).  Then every sum of the header with
 * prec bits, and 1 - gamma12 = (P - sum m a1 a2)/P formed directly (the
 * extra bits absorb its cancellation).  */
#include "config.h"

#include <math.h>
#include <mpfr.h>
#include <string.h>

#include "deq/twopoint.h"
#include "mp_impl.h"

typedef struct mp2 {
  const deq_spectrum *sp;
  mpfr_prec_t prec;
  mpfr_t P, M, s, m, t, u;
  mpfr_srcptr Pz;             /* P z of the kappa being solved */
} mp2;

static void mp2_init(mp2 *c, const deq_spectrum *sp, double P,
                     mpfr_prec_t prec)
{
  c->sp = sp;
  c->prec = prec;
  mpfr_inits2(prec, c->P, c->M, c->s, c->m, c->t, c->u, (mpfr_ptr)0);
  mpfr_set_d(c->P, P, MPFR_RNDN);
  mpfr_set_zero(c->M, 1);
  for (size_t i = 0; i < sp->n; i++)
    if (sp->s[i] > 0) {
      mpfr_set_d(c->m, sp->m[i], MPFR_RNDN);
      mpfr_add(c->M, c->M, c->m, MPFR_RNDN);
    }
}

static void mp2_clear(mp2 *c)
{
  mpfr_clears(c->P, c->M, c->s, c->m, c->t, c->u, (mpfr_ptr)0);
}

/* kappa (P - df1(kappa)) - P z >= 0 ?  */
static int above(mp2 *c, mpfr_srcptr k, mpfr_srcptr Pz)
{
  mpfr_t acc;
  mpfr_init2(acc, c->prec);
  mpfr_sub(acc, c->P, c->M, MPFR_RNDN);
  for (size_t i = 0; i < c->sp->n; i++) {
    if (c->sp->s[i] == 0) continue;
    mpfr_set_d(c->s, c->sp->s[i], MPFR_RNDN);
    mpfr_set_d(c->m, c->sp->m[i], MPFR_RNDN);
    mpfr_add(c->t, c->s, k, MPFR_RNDN);
    mpfr_mul(c->u, c->m, k, MPFR_RNDN);
    mpfr_div(c->u, c->u, c->t, MPFR_RNDN);
    mpfr_add(acc, acc, c->u, MPFR_RNDN);
  }
  mpfr_mul(acc, acc, k, MPFR_RNDN);
  int r = mpfr_cmp(acc, Pz) >= 0;
  mpfr_clear(acc);
  return r;
}

static int above_cb(mpfr_srcptr k, void *c)
{
  return above(c, k, ((mp2 *)c)->Pz);
}

static deq_status kappa_mp(mpfr_t k, mp2 *c, double z, int *steps)
{
  mpfr_t lo, hi, Pz;
  mpfr_inits2(c->prec, lo, hi, Pz, (mpfr_ptr)0);
  mpfr_set_d(lo, z, MPFR_RNDN);
  mpfr_mul(Pz, c->P, lo, MPFR_RNDN);
  mpfr_set_zero(hi, 1);
  for (size_t i = 0; i < c->sp->n; i++) {
    mpfr_set_d(c->s, c->sp->s[i], MPFR_RNDN);
    mpfr_set_d(c->m, c->sp->m[i], MPFR_RNDN);
    mpfr_mul(c->t, c->s, c->m, MPFR_RNDN);
    mpfr_add(hi, hi, c->t, MPFR_RNDN);
  }
  mpfr_div(hi, hi, c->P, MPFR_RNDN);
  mpfr_add(hi, hi, lo, MPFR_RNDN);
  c->Pz = Pz;
  /* z > 0: the predicate is false at kappa = z (df1 > 0) and true at hi */
  deq_status st = deq_mp_bisect(lo, hi, above_cb, c, c->prec, steps);
  mpfr_set(k, lo, MPFR_RNDN);
  mpfr_clears(lo, hi, Pz, (mpfr_ptr)0);
  return st;
}

enum { S_G, S_X, S_S, S_TW, S_FW, S_FV, S_N };

/* The sums of the header at kappa1, kappa2 (MPFR).  */
static void sums_mp(mpfr_t *sum, mp2 *c, const double *a, mpfr_srcptr k1,
                    mpfr_srcptr k2)
{
  const deq_spectrum *sp = c->sp;
  mpfr_t r1, r2, b12, w, q;
  mpfr_inits2(c->prec, r1, r2, b12, w, q, (mpfr_ptr)0);
  for (int j = 0; j < S_N; j++) mpfr_set_zero(sum[j], 1);
  for (size_t i = 0; i < sp->n; i++) {
    mpfr_set_d(c->m, sp->m[i], MPFR_RNDN);
    mpfr_set_d(w, a ? a[i] : 1.0, MPFR_RNDN);
    mpfr_mul(w, w, c->m, MPFR_RNDN);                    /* m w */
    if (sp->s[i] == 0) {
      mpfr_add(sum[S_TW], sum[S_TW], w, MPFR_RNDN);
      continue;
    }
    mpfr_set_d(c->s, sp->s[i], MPFR_RNDN);
    mpfr_add(r1, c->s, k1, MPFR_RNDN);
    mpfr_ui_div(r1, 1, r1, MPFR_RNDN);
    mpfr_add(r2, c->s, k2, MPFR_RNDN);
    mpfr_ui_div(r2, 1, r2, MPFR_RNDN);
    mpfr_mul(q, r1, r2, MPFR_RNDN);
    mpfr_mul(q, q, c->s, MPFR_RNDN);                    /* s r1 r2 */
    mpfr_mul(c->t, q, c->m, MPFR_RNDN);
    mpfr_add(sum[S_S], sum[S_S], c->t, MPFR_RNDN);
    mpfr_mul(c->t, c->t, c->s, MPFR_RNDN);              /* m s^2 r1 r2 */
    mpfr_add(sum[S_G], sum[S_G], c->t, MPFR_RNDN);
    mpfr_mul(c->t, q, w, MPFR_RNDN);
    mpfr_add(sum[S_X], sum[S_X], c->t, MPFR_RNDN);
    mpfr_mul(b12, k1, k2, MPFR_RNDN);
    mpfr_mul(b12, b12, r1, MPFR_RNDN);
    mpfr_mul(b12, b12, r2, MPFR_RNDN);                  /* b1 b2 */
    mpfr_mul(c->t, b12, w, MPFR_RNDN);
    mpfr_add(sum[S_TW], sum[S_TW], c->t, MPFR_RNDN);
    if (sp->v[i] != 0) {
      mpfr_set_d(c->u, sp->v[i], MPFR_RNDN);
      mpfr_mul(c->t, b12, c->u, MPFR_RNDN);
      mpfr_add(sum[S_FV], sum[S_FV], c->t, MPFR_RNDN);
      mpfr_div(c->t, c->t, c->s, MPFR_RNDN);
      mpfr_div(c->t, c->t, c->m, MPFR_RNDN);
      mpfr_mul(c->t, c->t, w, MPFR_RNDN);               /* (v/s) w b1 b2 */
      mpfr_add(sum[S_FW], sum[S_FW], c->t, MPFR_RNDN);
    }
  }
  mpfr_clears(r1, r2, b12, w, q, (mpfr_ptr)0);
}

deq_status deq_mp_twopoint(deq_twopoint_point *out, const deq_spectrum *sp,
                           double P, double z1, double z2, const double *a,
                           long prec)
{
  if (!out || !sp || sp->n == 0 || !sp->s || !sp->m || !sp->v)
    return DEQ_EINVAL;
  if (prec < 53 || prec > (long)MPFR_PREC_MAX / 2) return DEQ_EINVAL;
  memset(out, 0, sizeof *out);
  out->P = P;
  out->z1 = z1;
  out->z2 = z2;
  if (!(P > 0) || !isfinite(P) || !(z1 >= 0) || !(z2 >= 0) || !isfinite(z1)
      || !isfinite(z2))
    return out->status = DEQ_EDOM;
  for (size_t i = 0; a && i < sp->n; i++)
    if (!isfinite(a[i])) return out->status = DEQ_EDOM;
  if (z1 == 0 || z2 == 0) return out->status = DEQ_EUNSUP;
  mpfr_prec_t pr = (mpfr_prec_t)prec;
  mp2 c;
  mp2_init(&c, sp, P, pr);
  mpfr_t k1, k2, sum[S_N], omg, cc, x;
  mpfr_inits2(pr, k1, k2, omg, cc, x, (mpfr_ptr)0);
  for (int j = 0; j < S_N; j++) mpfr_init2(sum[j], pr);
  int steps = 0;
  deq_status ks = kappa_mp(k1, &c, z1, &steps);
  if (z2 == z1) mpfr_set(k2, k1, MPFR_RNDN);
  else if (ks == DEQ_OK) ks = kappa_mp(k2, &c, z2, &steps);
  sums_mp(sum, &c, a, k1, k2);

  mpfr_sub(omg, c.P, sum[S_G], MPFR_RNDN);             /* P (1 - gamma12) */
  out->kappa1 = mpfr_get_d(k1, MPFR_RNDN);
  out->kappa2 = mpfr_get_d(k2, MPFR_RNDN);
  mpfr_div(x, sum[S_G], c.P, MPFR_RNDN);
  out->gamma12 = mpfr_get_d(x, MPFR_RNDN);
  mpfr_div(x, omg, c.P, MPFR_RNDN);
  out->one_minus_gamma12 = mpfr_get_d(x, MPFR_RNDN);
  mpfr_ui_div(x, 1, x, MPFR_RNDN);
  out->amplification = mpfr_get_d(x, MPFR_RNDN);
  out->cross_trace = mpfr_get_d(sum[S_X], MPFR_RNDN);
  mpfr_div(cc, sum[S_X], omg, MPFR_RNDN);               /* cross/(P(1-g)) */
  mpfr_mul(x, k1, k2, MPFR_RNDN);
  mpfr_mul(x, x, cc, MPFR_RNDN);
  mpfr_mul(x, x, sum[S_S], MPFR_RNDN);
  mpfr_add(x, x, sum[S_TW], MPFR_RNDN);
  out->trace = mpfr_get_d(x, MPFR_RNDN);
  mpfr_div_d(x, x, sp->dim, MPFR_RNDN);
  out->trace_per_dim = mpfr_get_d(x, MPFR_RNDN);
  mpfr_mul(x, cc, sum[S_FV], MPFR_RNDN);
  mpfr_add(x, x, sum[S_FW], MPFR_RNDN);
  out->form = mpfr_get_d(x, MPFR_RNDN);
  out->iterations = steps + 1;
  out->status = ks;

  for (int j = 0; j < S_N; j++) mpfr_clear(sum[j]);
  mpfr_clears(k1, k2, omg, cc, x, (mpfr_ptr)0);
  mp2_clear(&c);
  return ks;
}
