/* mp.c -- MPFR reference versions of df1, df2, B and of the ridge
 * deterministic equivalent.
 *
 * Independent of resolvent.c and ridge.c: only the spectrum's arrays are
 * read, taken as exact binary numbers, and every operation is done with
 * `prec` bits.  The kappa equation is solved in cancellation-free form:
 *   rank <= P:  P - df1(k) = (P - rank) + sum m k/(s+k)       (all terms >= 0)
 *   rank >  P:  anchored at the ridgeless root k0 (df1(k0) = P),
 *               P - df1(k0 + d) = d sum m s/((s+k0)(s+k0+d))
 * and P - df2 = (P - df1) + (df1 - df2) with df1 - df2 = sum m s k/(s+k)^2,
 * so 1 - gamma keeps full relative accuracy as lambda -> 0 and P -> rank.
 * Roots are found by safeguarded Newton in log space (geometric bisection
 * when a step leaves the bracket).  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include "deq/mp.h"

/* Constants of one computation (all exact or rounded once to prec bits)
   and per-atom scratch.  */
typedef struct mp_ctx {
  const deq_spectrum *sp;
  mpfr_prec_t prec;
  int passes;       /* spectrum passes so far */
  int anchored;     /* unknown is d = kappa - k0 rather than kappa */
  mpfr_t P, lambda;
  mpfr_t M;         /* sum of m over atoms with s > 0 (the atoms' rank) */
  mpfr_t trace;     /* sum m s */
  mpfr_t minv;      /* sum m/s over s > 0 */
  mpfr_t k0;        /* ridgeless root (anchor) when rank > P */
  mpfr_t s, m, sk, q, t, u;
} mp_ctx;

/* Sums at one kappa.  */
typedef struct mp_sums {
  mpfr_t kappa;
  mpfr_t df1, df2;
  mpfr_t cdf1;      /* sum m k/(s+k) over s > 0 */
  mpfr_t gap12;     /* df1 - df2 = sum m s k/(s+k)^2 */
  mpfr_t anchor;    /* sum m s/((s+k0)(s+k)) when anchored */
  mpfr_t bsum;      /* sum v/(s+k)^2; B = k^2 bsum */
  mpfr_t c1;        /* P - df1, cancellation-free (ridge only) */
} mp_sums;

/* ------------------------------------------------------------ validation */

static deq_status check_prec(long prec)
{
  if (prec < 53 || prec > (long)MPFR_PREC_MAX / 2) return DEQ_EINVAL;
  return DEQ_OK;
}

/* The atoms must satisfy the spectrum contract (spectrum.h).  */
static deq_status check_spectrum(const deq_spectrum *sp)
{
  if (!sp || sp->n == 0 || !sp->s || !sp->m || !sp->v) return DEQ_EINVAL;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i], v = sp->v[i];
    if (!isfinite(s) || !isfinite(m) || !isfinite(v)) return DEQ_EDOM;
    if (s < 0 || m <= 0 || v < 0) return DEQ_EDOM;
    if (s == 0 && v != 0) return DEQ_EDOM;
  }
  return DEQ_OK;
}

/* ------------------------------------------------------------ context */

static void ctx_init(mp_ctx *c, const deq_spectrum *sp, mpfr_prec_t prec)
{
  c->sp = sp;
  c->prec = prec;
  c->passes = 0;
  c->anchored = 0;
  mpfr_inits2(prec, c->P, c->lambda, c->M, c->trace, c->minv, c->k0,
              c->s, c->m, c->sk, c->q, c->t, c->u, (mpfr_ptr)0);
  mpfr_set_zero(c->k0, 1);
}

static void ctx_clear(mp_ctx *c)
{
  mpfr_clears(c->P, c->lambda, c->M, c->trace, c->minv, c->k0,
              c->s, c->m, c->sk, c->q, c->t, c->u, (mpfr_ptr)0);
}

/* M, trace and sum m/s: the constants that bound the roots.  */
static void ctx_totals(mp_ctx *c)
{
  const deq_spectrum *sp = c->sp;
  mpfr_set_zero(c->M, 1);
  mpfr_set_zero(c->trace, 1);
  mpfr_set_zero(c->minv, 1);
  for (size_t i = 0; i < sp->n; i++) {
    if (sp->s[i] == 0) continue;
    mpfr_set_d(c->s, sp->s[i], MPFR_RNDN);
    mpfr_set_d(c->m, sp->m[i], MPFR_RNDN);
    mpfr_add(c->M, c->M, c->m, MPFR_RNDN);
    mpfr_mul(c->t, c->m, c->s, MPFR_RNDN);
    mpfr_add(c->trace, c->trace, c->t, MPFR_RNDN);
    mpfr_div(c->t, c->m, c->s, MPFR_RNDN);
    mpfr_add(c->minv, c->minv, c->t, MPFR_RNDN);
  }
}

static void sums_init(mp_sums *r, mpfr_prec_t prec)
{
  mpfr_inits2(prec, r->kappa, r->df1, r->df2, r->cdf1, r->gap12, r->anchor,
              r->bsum, r->c1, (mpfr_ptr)0);
}

static void sums_clear(mp_sums *r)
{
  mpfr_clears(r->kappa, r->df1, r->df2, r->cdf1, r->gap12, r->anchor,
              r->bsum, r->c1, (mpfr_ptr)0);
}

/* ------------------------------------------------------------ one pass */

/* Every sum at r->kappa >= 0 in one pass.  Atoms with s = 0 add nothing
   (their v is 0).  With c->anchored, also the anchor sum at c->k0.  */
static void mp_pass(mp_sums *r, mp_ctx *c)
{
  const deq_spectrum *sp = c->sp;
  mpfr_srcptr k = r->kappa;
  mpfr_set_zero(r->df1, 1);
  mpfr_set_zero(r->df2, 1);
  mpfr_set_zero(r->cdf1, 1);
  mpfr_set_zero(r->gap12, 1);
  mpfr_set_zero(r->anchor, 1);
  mpfr_set_zero(r->bsum, 1);
  for (size_t i = 0; i < sp->n; i++) {
    if (sp->s[i] == 0) continue;
    mpfr_set_d(c->s, sp->s[i], MPFR_RNDN);
    mpfr_set_d(c->m, sp->m[i], MPFR_RNDN);
    mpfr_add(c->sk, c->s, k, MPFR_RNDN);
    mpfr_div(c->q, c->s, c->sk, MPFR_RNDN);            /* s/(s+k) */
    mpfr_mul(c->t, c->m, c->q, MPFR_RNDN);
    mpfr_add(r->df1, r->df1, c->t, MPFR_RNDN);
    if (c->anchored) {                                  /* m s/((s+k)(s+k0)) */
      mpfr_add(c->u, c->s, c->k0, MPFR_RNDN);
      mpfr_div(c->u, c->t, c->u, MPFR_RNDN);
      mpfr_add(r->anchor, r->anchor, c->u, MPFR_RNDN);
    }
    mpfr_mul(c->t, c->t, c->q, MPFR_RNDN);
    mpfr_add(r->df2, r->df2, c->t, MPFR_RNDN);
    mpfr_mul(c->t, c->m, k, MPFR_RNDN);                 /* m k/(s+k) */
    mpfr_div(c->t, c->t, c->sk, MPFR_RNDN);
    mpfr_add(r->cdf1, r->cdf1, c->t, MPFR_RNDN);
    mpfr_mul(c->t, c->t, c->q, MPFR_RNDN);
    mpfr_add(r->gap12, r->gap12, c->t, MPFR_RNDN);
    if (sp->v[i] != 0) {
      mpfr_set_d(c->t, sp->v[i], MPFR_RNDN);
      mpfr_div(c->t, c->t, c->sk, MPFR_RNDN);
      mpfr_div(c->t, c->t, c->sk, MPFR_RNDN);
      mpfr_add(r->bsum, r->bsum, c->t, MPFR_RNDN);
    }
  }
  c->passes++;
}

/* Sums at the unknown x (kappa = x, or kappa = k0 + x when anchored) and
   P - df1 in its cancellation-free form.  */
static void ridge_eval(mp_sums *r, mp_ctx *c, mpfr_srcptr x)
{
  if (c->anchored)
    mpfr_add(r->kappa, c->k0, x, MPFR_RNDN);
  else
    mpfr_set(r->kappa, x, MPFR_RNDN);
  mp_pass(r, c);
  if (c->anchored) {
    mpfr_mul(r->c1, x, r->anchor, MPFR_RNDN);
  } else {
    mpfr_sub(r->c1, c->P, c->M, MPFR_RNDN);
    mpfr_add(r->c1, r->c1, r->cdf1, MPFR_RNDN);
  }
}

/* ------------------------------------------------------------ root finding */

/* phi(x) increasing in x with its derivative with respect to log x.  */
typedef void (*mp_phi_fn)(mpfr_t phi, mpfr_t dphi, mp_sums *r, mp_ctx *c,
                          mpfr_srcptr x);

/* Ridgeless root, df1(k) = P, in whichever form is better conditioned.
   With M - P < P: phi = log(sum m k/(s+k) / (M - P)) (the complement sum,
   exact near the rank); otherwise phi = log(P/df1(k)), which does not need
   M - P (M may be astronomically large for a quadrature tail).  In both,
   d phi/d log k = (df1 - df2)/(the sum in the numerator or denominator).  */
static void kappa0_phi(mpfr_t phi, mpfr_t dphi, mp_sums *r, mp_ctx *c,
                       mpfr_srcptr x)
{
  mpfr_set(r->kappa, x, MPFR_RNDN);
  mp_pass(r, c);
  mpfr_sub(c->t, c->M, c->P, MPFR_RNDN);
  if (mpfr_cmp(c->t, c->P) < 0) {
    mpfr_div(phi, r->cdf1, c->t, MPFR_RNDN);
    mpfr_div(dphi, r->gap12, r->cdf1, MPFR_RNDN);
  } else {
    mpfr_div(phi, c->P, r->df1, MPFR_RNDN);
    mpfr_div(dphi, r->gap12, r->df1, MPFR_RNDN);
  }
  mpfr_log(phi, phi, MPFR_RNDN);
}

/* Ridge: phi = log(kappa (P - df1)/(P lambda)), i.e. kappa(1 - df1/P) =
   lambda.  d kappa/d x = 1 and d[kappa(P - df1)]/d kappa = P - df2, so
   d phi/d log x = x (P - df2)/(kappa (P - df1)).  */
static void ridge_phi(mpfr_t phi, mpfr_t dphi, mp_sums *r, mp_ctx *c,
                      mpfr_srcptr x)
{
  ridge_eval(r, c, x);
  mpfr_mul(phi, r->kappa, r->c1, MPFR_RNDN);
  mpfr_div(phi, phi, c->P, MPFR_RNDN);
  mpfr_div(phi, phi, c->lambda, MPFR_RNDN);
  mpfr_log(phi, phi, MPFR_RNDN);
  mpfr_add(dphi, r->c1, r->gap12, MPFR_RNDN);
  mpfr_mul(dphi, dphi, x, MPFR_RNDN);
  mpfr_div(dphi, dphi, r->kappa, MPFR_RNDN);
  mpfr_div(dphi, dphi, r->c1, MPFR_RNDN);
}

/* Widen [lo, hi] (0 < lo < hi) until phi(lo) <= 0 <= phi(hi).  The bounds
   passed in are proven brackets; this only absorbs rounding at the ends.
   Returns 1 and sets x when an end is an exact root.  */
static int widen_bracket(mpfr_t x, mpfr_t lo, mpfr_t hi, mpfr_t phi,
                         mpfr_t dphi, mp_phi_fn f, mp_sums *r, mp_ctx *c,
                         deq_status *st)
{
  *st = DEQ_OK;
  for (int k = 0;; k++) {
    f(phi, dphi, r, c, lo);
    if (mpfr_zero_p(phi)) { mpfr_set(x, lo, MPFR_RNDN); return 1; }
    if (mpfr_sgn(phi) < 0) break;
    if (k == 64 || mpfr_nan_p(phi)) { *st = DEQ_ENOCONV; return 1; }
    mpfr_div_2ui(lo, lo, 16, MPFR_RNDN);
  }
  for (int k = 0;; k++) {
    f(phi, dphi, r, c, hi);
    if (mpfr_zero_p(phi)) { mpfr_set(x, hi, MPFR_RNDN); return 1; }
    if (mpfr_sgn(phi) > 0) break;
    if (k == 64 || mpfr_nan_p(phi)) { *st = DEQ_ENOCONV; return 1; }
    mpfr_mul_2ui(hi, hi, 4, MPFR_RNDN);
  }
  return 0;
}

/* Safeguarded Newton in log x for the increasing phi, inside [lo, hi],
   starting from hi.  Stops on a relative step below 2^(4-prec), or one
   Newton step after a step below 2^-(prec/2+4) (the error is then
   quadratic in that step, i.e. at rounding level).  */
static deq_status solve_log(mpfr_t x, mpfr_t lo, mpfr_t hi, mp_phi_fn f,
                            mp_sums *r, mp_ctx *c)
{
  mpfr_prec_t prec = c->prec;
  mpfr_t phi, dphi, du, xn, w;
  deq_status st = DEQ_OK;
  mpfr_inits2(prec, phi, dphi, du, xn, w, (mpfr_ptr)0);

  if (widen_bracket(x, lo, hi, phi, dphi, f, r, c, &st)) goto done;

  long max_iter = 100 + 2 * (long)prec;
  long tiny_exp = 4 - (long)prec;            /* |du| < 2^tiny_exp: done */
  long quad_exp = -((long)prec / 2 + 4);     /* one more step then done */
  int last = 0;
  mpfr_set(x, hi, MPFR_RNDN);                /* phi, dphi are still at hi */
  st = DEQ_ENOCONV;
  for (long it = 0; it < max_iter; it++) {
    if (it > 0) f(phi, dphi, r, c, x);
    if (mpfr_zero_p(phi)) { st = DEQ_OK; break; }
    if (!mpfr_number_p(phi) || !mpfr_number_p(dphi)) break;
    if (mpfr_sgn(phi) < 0)
      mpfr_set(lo, x, MPFR_RNDN);
    else
      mpfr_set(hi, x, MPFR_RNDN);

    int newton = mpfr_sgn(dphi) > 0;
    if (newton) {
      mpfr_div(du, phi, dphi, MPFR_RNDN);
      mpfr_neg(du, du, MPFR_RNDN);
      if (mpfr_zero_p(du) || mpfr_get_exp(du) <= tiny_exp) {
        mpfr_exp(w, du, MPFR_RNDN);
        mpfr_mul(x, x, w, MPFR_RNDN);
        st = DEQ_OK;
        break;
      }
      mpfr_exp(w, du, MPFR_RNDN);
      mpfr_mul(xn, x, w, MPFR_RNDN);
      newton = mpfr_cmp(xn, lo) > 0 && mpfr_cmp(xn, hi) < 0;
    }
    if (newton) {
      mpfr_set(x, xn, MPFR_RNDN);
      if (last) { st = DEQ_OK; break; }
      last = mpfr_get_exp(du) <= quad_exp;
    } else {                                   /* geometric bisection */
      last = 0;
      mpfr_mul(x, lo, hi, MPFR_RNDN);
      mpfr_sqrt(x, x, MPFR_RNDN);
      mpfr_div(w, hi, lo, MPFR_RNDN);
      mpfr_sub_ui(w, w, 1, MPFR_RNDN);
      if (mpfr_get_exp(w) <= tiny_exp) { st = DEQ_OK; break; }
    }
  }
done:
  mpfr_clears(phi, dphi, du, xn, w, (mpfr_ptr)0);
  return st;
}

/* k0 > 0 with df1(k0) = P, for M > P.  Since sum m k/(s+k) <= k sum m/s,
   k0 >= (M - P)/sum(m/s); since df1(k) <= trace/k, k0 <= trace/P.  */
static deq_status solve_kappa0(mp_ctx *c, mp_sums *r)
{
  mpfr_t lo, hi;
  mpfr_inits2(c->prec, lo, hi, (mpfr_ptr)0);
  mpfr_sub(lo, c->M, c->P, MPFR_RNDN);
  mpfr_div(lo, lo, c->minv, MPFR_RNDN);
  mpfr_div(hi, c->trace, c->P, MPFR_RNDN);
  if (mpfr_cmp(hi, lo) <= 0) mpfr_mul_2ui(hi, lo, 1, MPFR_RNDN);
  c->anchored = 0;
  deq_status st = solve_log(c->k0, lo, hi, kappa0_phi, r, c);
  mpfr_clears(lo, hi, (mpfr_ptr)0);
  return st;
}

/* The unknown of the ridge equation for lambda > 0, left in x.
   Unanchored: kappa in [lambda, lambda + trace/P].  Anchored (k0 set):
   d = kappa - k0 in [min(k0, lambda/2), lambda + trace/P - k0]; the lower
   end works because P - df1(k0 + d) <= d P/k0, so for d <= k0 the left
   side kappa(1 - df1/P) <= 2d.  */
static deq_status solve_ridge(mpfr_t x, mp_ctx *c, mp_sums *r)
{
  mpfr_t lo, hi;
  mpfr_inits2(c->prec, lo, hi, (mpfr_ptr)0);
  mpfr_div(hi, c->trace, c->P, MPFR_RNDN);
  mpfr_add(hi, hi, c->lambda, MPFR_RNDN);
  if (c->anchored) {
    mpfr_sub(hi, hi, c->k0, MPFR_RNDN);
    mpfr_div_2ui(lo, c->lambda, 1, MPFR_RNDN);
    mpfr_min(lo, lo, c->k0, MPFR_RNDN);
  } else {
    mpfr_set(lo, c->lambda, MPFR_RNDN);
  }
  if (mpfr_cmp(hi, lo) <= 0) mpfr_mul_2ui(hi, lo, 1, MPFR_RNDN);
  deq_status st = solve_log(x, lo, hi, ridge_phi, r, c);
  mpfr_clears(lo, hi, (mpfr_ptr)0);
  return st;
}

/* ------------------------------------------------------------ outputs */

static void point_fail(deq_ridge_point *out, double P, double lambda,
                       double noise, deq_status st)
{
  out->P = P;
  out->lambda = lambda;
  out->noise = noise;
  out->kappa = out->df1 = out->df2 = NAN;
  out->gamma = out->one_minus_gamma = out->dkappa_dlambda = NAN;
  out->bias = out->variance = NAN;
  out->E_g = out->E_test = out->E_tr = out->gcv = NAN;
  out->iterations = 0;
  out->residual = NAN;
  out->status = st;
}

/* The interpolation peak (lambda = 0, P = rank): kappa = 0, gamma = 1.
   Limits along lambda -> 0+: B(kappa)/(1 - gamma) ~ kappa -> 0 and
   E_tr ~ lambda^(1/2) -> 0; the variance is +Inf unless noise = 0.  */
static deq_status point_peak(deq_ridge_point *out, const mp_ctx *c,
                             double noise)
{
  out->kappa = 0;
  out->df1 = out->df2 = mpfr_get_d(c->M, MPFR_RNDN);
  out->gamma = 1;
  out->one_minus_gamma = 0;
  out->dkappa_dlambda = INFINITY;
  out->bias = 0;
  out->variance = noise > 0 ? INFINITY : 0;
  out->E_g = out->bias + out->variance;
  out->E_test = out->E_g + noise;
  out->E_tr = 0;
  out->gcv = out->E_test;
  out->iterations = c->passes;
  out->residual = 0;
  out->status = DEQ_EDIVERGE;
  return DEQ_EDIVERGE;
}

/* Every output from the sums at the solution (r->c1 = P - df1).  */
static void point_fill(deq_ridge_point *out, mp_sums *r, mp_ctx *c,
                       double noise)
{
  mpfr_prec_t prec = c->prec;
  mpfr_t c2, sig, b, var, eg, et, w;
  mpfr_inits2(prec, c2, sig, b, var, eg, et, w, (mpfr_ptr)0);
  mpfr_set_d(sig, noise, MPFR_RNDN);

  mpfr_add(c2, r->c1, r->gap12, MPFR_RNDN);            /* P - df2 */
  out->kappa = mpfr_get_d(r->kappa, MPFR_RNDN);
  out->df1 = mpfr_get_d(r->df1, MPFR_RNDN);
  out->df2 = mpfr_get_d(r->df2, MPFR_RNDN);
  mpfr_div(w, r->df2, c->P, MPFR_RNDN);
  out->gamma = mpfr_get_d(w, MPFR_RNDN);
  mpfr_div(w, c2, c->P, MPFR_RNDN);
  out->one_minus_gamma = mpfr_get_d(w, MPFR_RNDN);
  mpfr_div(w, c->P, c2, MPFR_RNDN);
  out->dkappa_dlambda = mpfr_get_d(w, MPFR_RNDN);

  mpfr_sqr(b, r->kappa, MPFR_RNDN);                    /* B P/(P - df2) */
  mpfr_mul(b, b, r->bsum, MPFR_RNDN);
  mpfr_mul(b, b, c->P, MPFR_RNDN);
  mpfr_div(b, b, c2, MPFR_RNDN);
  mpfr_mul(var, sig, r->df2, MPFR_RNDN);               /* sigma^2 df2/(P - df2) */
  mpfr_div(var, var, c2, MPFR_RNDN);
  mpfr_add(eg, b, var, MPFR_RNDN);
  mpfr_add(et, eg, sig, MPFR_RNDN);
  out->bias = mpfr_get_d(b, MPFR_RNDN);
  out->variance = mpfr_get_d(var, MPFR_RNDN);
  out->E_g = mpfr_get_d(eg, MPFR_RNDN);
  out->E_test = mpfr_get_d(et, MPFR_RNDN);
  out->gcv = out->E_test;
  mpfr_div(w, r->c1, c->P, MPFR_RNDN);                 /* lambda/kappa */
  mpfr_sqr(w, w, MPFR_RNDN);
  mpfr_mul(w, w, et, MPFR_RNDN);
  out->E_tr = mpfr_get_d(w, MPFR_RNDN);

  mpfr_mul(w, r->kappa, r->c1, MPFR_RNDN);             /* residual */
  mpfr_div(w, w, c->P, MPFR_RNDN);
  mpfr_sub(w, w, c->lambda, MPFR_RNDN);
  mpfr_abs(w, w, MPFR_RNDN);
  mpfr_div_d(w, w, fmax(mpfr_get_d(c->lambda, MPFR_RNDN), DBL_MIN),
             MPFR_RNDN);
  out->residual = mpfr_get_d(w, MPFR_RNDN);
  out->iterations = c->passes;
  mpfr_clears(c2, sig, b, var, eg, et, w, (mpfr_ptr)0);
}

/* ------------------------------------------------------------ public */

deq_status deq_mp_df(double *df1, double *df2, double *bias,
                     const deq_spectrum *sp, double kappa, long prec)
{
  if (!df1 || !df2) return DEQ_EINVAL;
  deq_status st = check_prec(prec);
  if (st == DEQ_OK) st = check_spectrum(sp);
  if (st == DEQ_OK && !(isfinite(kappa) && kappa >= 0)) st = DEQ_EDOM;
  if (st != DEQ_OK) {
    *df1 = *df2 = NAN;
    if (bias) *bias = NAN;
    return st;
  }
  mp_ctx c;
  mp_sums r;
  ctx_init(&c, sp, (mpfr_prec_t)prec);
  sums_init(&r, (mpfr_prec_t)prec);
  mpfr_set_d(r.kappa, kappa, MPFR_RNDN);
  mp_pass(&r, &c);
  *df1 = mpfr_get_d(r.df1, MPFR_RNDN);
  *df2 = mpfr_get_d(r.df2, MPFR_RNDN);
  if (bias) {
    mpfr_sqr(c.t, r.kappa, MPFR_RNDN);
    mpfr_mul(c.t, c.t, r.bsum, MPFR_RNDN);
    *bias = mpfr_get_d(c.t, MPFR_RNDN);
  }
  sums_clear(&r);
  ctx_clear(&c);
  return DEQ_OK;
}

static deq_status check_ridge_args(const deq_spectrum *sp, double P,
                                   double lambda, double noise, long prec)
{
  deq_status st = check_prec(prec);
  if (st == DEQ_OK) st = check_spectrum(sp);
  if (st != DEQ_OK) return st;
  if (!(isfinite(P) && P > 0)) return DEQ_EDOM;
  if (!(isfinite(lambda) && lambda >= 0)) return DEQ_EDOM;
  if (!(isfinite(noise) && noise >= 0)) return DEQ_EDOM;
  return DEQ_OK;
}

deq_status deq_mp_ridge(deq_ridge_point *out, const deq_spectrum *sp,
                        double P, double lambda, double noise, long prec)
{
  if (!out) return DEQ_EINVAL;
  deq_status st = check_ridge_args(sp, P, lambda, noise, prec);
  if (st != DEQ_OK) {
    point_fail(out, P, lambda, noise, st);
    return st;
  }
  point_fail(out, P, lambda, noise, DEQ_OK);

  mp_ctx c;
  mp_sums r;
  mpfr_t x;
  ctx_init(&c, sp, (mpfr_prec_t)prec);
  sums_init(&r, (mpfr_prec_t)prec);
  mpfr_init2(x, (mpfr_prec_t)prec);
  mpfr_set_d(c.P, P, MPFR_RNDN);
  mpfr_set_d(c.lambda, lambda, MPFR_RNDN);
  ctx_totals(&c);

  /* Over-parameterised when the rank exceeds P (always for an infinite
     rank); then the atoms themselves must be able to reach df1 = P.  */
  int cmp = mpfr_cmp(c.M, c.P);
  int over = isinf(sp->rank) || cmp > 0;
  if (over && cmp <= 0) {
    st = DEQ_EDOM;
  } else if (!over && cmp == 0 && lambda == 0) {
    st = point_peak(out, &c, noise);
  } else {
    if (over) st = solve_kappa0(&c, &r);
    if (st == DEQ_OK) {
      c.anchored = over;
      mpfr_set_zero(x, 1);                 /* lambda = 0: kappa = k0 or 0 */
      if (lambda > 0) st = solve_ridge(x, &c, &r);
      ridge_eval(&r, &c, x);
      point_fill(out, &r, &c, noise);
      out->status = st;
    }
  }
  if (st == DEQ_EDOM)
    point_fail(out, P, lambda, noise, st);
  out->status = st;

  mpfr_clear(x);
  sums_clear(&r);
  ctx_clear(&c);
  return st;
}
