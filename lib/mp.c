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
#include "mp_impl.h"

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

/* ============================================================ model twins
 *
 * References for the models built on the same fixed points: the
 * S-transform and the sample-covariance Stieltjes transform (freeprob.h),
 * one layer of isotropic random features (features.h) and ridge with
 * correlated samples (corr.h).  Each unknown is found by geometric
 * bisection on a monotone predicate, one pass over the spectrum per step,
 * down to a relative width 2^-(3 prec/4); then the formulas of the
 * module's header are evaluated with prec bits.  The spectrum's doubles
 * are taken as exact.  Independent of the double-precision solvers.  */

/* Sums at one kappa over every atom (an atom at 0 adds m/kappa to res
   only; its target power is 0 by the spectrum contract).  */
typedef struct mw_sums {
  mpfr_t df1, df2;  /* sum m s/(s+k), sum m s^2/(s+k)^2 */
  mpfr_t t1, tp;    /* sum v/(s+k), sum v/(s+k)^2 */
  mpfr_t res;       /* sum m/(s+k) */
  mpfr_t q, a;      /* scratch */
} mw_sums;

static void mw_init(mw_sums *r, mpfr_prec_t prec)
{
  mpfr_inits2(prec, r->df1, r->df2, r->t1, r->tp, r->res, r->q, r->a,
              (mpfr_ptr)0);
}

static void mw_clear(mw_sums *r)
{
  mpfr_clears(r->df1, r->df2, r->t1, r->tp, r->res, r->q, r->a,
              (mpfr_ptr)0);
}

static void mw_eval(mw_sums *r, const deq_spectrum *sp, mpfr_srcptr k)
{
  mpfr_set_zero(r->df1, 1);
  mpfr_set_zero(r->df2, 1);
  mpfr_set_zero(r->t1, 1);
  mpfr_set_zero(r->tp, 1);
  mpfr_set_zero(r->res, 1);
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i];
    mpfr_set_d(r->q, s, MPFR_RNDN);
    mpfr_add(r->q, r->q, k, MPFR_RNDN);             /* s + k */
    mpfr_d_div(r->a, sp->m[i], r->q, MPFR_RNDN);    /* m/(s+k) */
    mpfr_add(r->res, r->res, r->a, MPFR_RNDN);
    if (s == 0)
      continue;
    mpfr_mul_d(r->a, r->a, s, MPFR_RNDN);           /* m s/(s+k) */
    mpfr_add(r->df1, r->df1, r->a, MPFR_RNDN);
    mpfr_mul_d(r->a, r->a, s, MPFR_RNDN);
    mpfr_div(r->a, r->a, r->q, MPFR_RNDN);          /* m s^2/(s+k)^2 */
    mpfr_add(r->df2, r->df2, r->a, MPFR_RNDN);
    if (sp->v && sp->v[i] != 0) {
      mpfr_d_div(r->a, sp->v[i], r->q, MPFR_RNDN);
      mpfr_add(r->t1, r->t1, r->a, MPFR_RNDN);
      mpfr_div(r->a, r->a, r->q, MPFR_RNDN);
      mpfr_add(r->tp, r->tp, r->a, MPFR_RNDN);
    }
  }
}

typedef deq_mp_pred mw_pred;

static long mw_width_exp(mpfr_prec_t prec)
{
  return -((long)prec - (long)prec / 4);
}

deq_status deq_mp_bisect(mpfr_t lo, mpfr_t hi, deq_mp_pred above, void *ctx,
                         mpfr_prec_t prec, int *iterations)
{
  if (above(lo, ctx) || !above(hi, ctx))
    return DEQ_ENOCONV;
  mpfr_t mid, w;
  mpfr_inits2(prec, mid, w, (mpfr_ptr)0);
  long wexp = mw_width_exp(prec), max_iter = 4 * (long)prec + 2000;
  deq_status st = DEQ_ENOCONV;
  for (long it = 0; it < max_iter; it++) {
    mpfr_div(w, hi, lo, MPFR_RNDN);
    mpfr_sub_ui(w, w, 1, MPFR_RNDN);
    if (mpfr_cmp_si_2exp(w, 1, wexp) < 0) {
      st = DEQ_OK;
      break;
    }
    mpfr_mul(mid, lo, hi, MPFR_RNDN);
    mpfr_sqrt(mid, mid, MPFR_RNDN);
    if (above(mid, ctx))
      mpfr_set(hi, mid, MPFR_RNDN);
    else
      mpfr_set(lo, mid, MPFR_RNDN);
    if (iterations) (*iterations)++;
  }
  mpfr_mul(lo, lo, hi, MPFR_RNDN);
  mpfr_sqrt(lo, lo, MPFR_RNDN);
  mpfr_clears(mid, w, (mpfr_ptr)0);
  return st;
}

static deq_status mw_bisect(mpfr_t lo, mpfr_t hi, mw_pred above, void *ctx,
                            mpfr_prec_t prec)
{
  return deq_mp_bisect(lo, hi, above, ctx, prec, NULL);
}

static deq_status mw_grow(mpfr_t hi, mw_pred above, void *ctx)
{
  for (int i = 0; i < 4096; i++) {
    if (above(hi, ctx))
      return DEQ_OK;
    mpfr_mul_2ui(hi, hi, 1, MPFR_RNDN);
  }
  return DEQ_ENOCONV;
}

/* The atoms of a spectrum (target powers optional); dim and rank > 0.  */
static deq_status check_atoms(const deq_spectrum *sp, int need_v)
{
  if (!sp || sp->n == 0 || !sp->s || !sp->m || (need_v && !sp->v))
    return DEQ_EINVAL;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i], v = sp->v ? sp->v[i] : 0;
    if (!isfinite(s) || !isfinite(m) || !isfinite(v)) return DEQ_EDOM;
    if (s < 0 || m <= 0 || v < 0) return DEQ_EDOM;
    if (s == 0 && v != 0) return DEQ_EDOM;
  }
  if (!(sp->dim > 0) || !isfinite(sp->dim) || !(sp->rank > 0)
      || !isfinite(sp->rank) || !(sp->trace > 0) || !isfinite(sp->trace))
    return DEQ_EDOM;
  return DEQ_OK;
}

/* ------------------------------------------------------------ S-transform */

typedef struct mw_ctx {
  const deq_spectrum *sp;
  mw_sums *r;
  mpfr_t target;     /* the df to reach, or P */
  mpfr_t t, u;       /* scratch */
  double lambda, M;  /* ridge, feature count */
  int passes;
} mw_ctx;

static void ctx2_init(mw_ctx *c, const deq_spectrum *sp, mw_sums *r,
                      mpfr_prec_t prec)
{
  c->sp = sp;
  c->r = r;
  c->lambda = c->M = 0;
  c->passes = 0;
  mpfr_inits2(prec, c->target, c->t, c->u, (mpfr_ptr)0);
}

static void ctx2_clear(mw_ctx *c)
{
  mpfr_clears(c->target, c->t, c->u, (mpfr_ptr)0);
}

/* k at or above f(target) (the inverse df) iff df1(k) <= target.  */
static int above_inverse(mpfr_srcptr k, void *vc)
{
  mw_ctx *c = vc;
  mw_eval(c->r, c->sp, k);
  c->passes++;
  return mpfr_cmp(c->r->df1, c->target) <= 0;
}

/* lambda(d) = f(d) with df1(f(d)) = d, 0 < d < rank, into k.  Since
   df1(k) <= trace/k, f(d) <= trace/d.  */
static deq_status mw_inverse_df(mpfr_t k, mw_ctx *c, mpfr_prec_t prec)
{
  mpfr_t lo;
  mpfr_init2(lo, prec);
  mpfr_set_d(k, 2 * c->sp->trace, MPFR_RNDN);
  mpfr_div(k, k, c->target, MPFR_RNDN);
  mpfr_set(lo, k, MPFR_RNDN);
  int i;
  for (i = 0; i < 4096 && above_inverse(lo, c); i++)
    mpfr_div_2ui(lo, lo, 10, MPFR_RNDN);
  deq_status st = i < 4096 ? mw_bisect(lo, k, above_inverse, c, prec)
                           : DEQ_ENOCONV;
  mpfr_set(k, lo, MPFR_RNDN);
  mpfr_clear(lo);
  return st;
}

deq_status deq_mp_s_transform(double *S, const deq_spectrum *sp,
                              double delta, long prec)
{
  if (!S) return DEQ_EINVAL;
  *S = NAN;
  deq_status st = check_prec(prec);
  if (st == DEQ_OK) st = check_atoms(sp, 0);
  if (st != DEQ_OK) return st;
  if (!(delta > 0) || !(delta * sp->dim < sp->rank)) return DEQ_EDOM;
  mpfr_prec_t p = (mpfr_prec_t)prec;
  mw_sums r;
  mw_ctx c;
  mpfr_t k, x;
  mw_init(&r, p);
  ctx2_init(&c, sp, &r, p);
  mpfr_inits2(p, k, x, (mpfr_ptr)0);
  mpfr_set_d(c.target, delta, MPFR_RNDN);
  mpfr_mul_d(c.target, c.target, sp->dim, MPFR_RNDN);  /* delta dim */
  st = mw_inverse_df(k, &c, p);
  if (st == DEQ_OK) {           /* S = (1 - delta)/(delta lambda) */
    mpfr_set_d(x, delta, MPFR_RNDN);
    mpfr_mul(k, k, x, MPFR_RNDN);
    mpfr_ui_sub(x, 1, x, MPFR_RNDN);
    mpfr_div(x, x, k, MPFR_RNDN);
    *S = mpfr_get_d(x, MPFR_RNDN);
  }
  mpfr_clears(k, x, (mpfr_ptr)0);
  ctx2_clear(&c);
  mw_clear(&r);
  return st;
}

/* ------------------------------------------------------------ sample covariance */

/* kappa(1 - df1(kappa)/P) increases on the branch df1 < P.  */
static int above_sample(mpfr_srcptr k, void *vc)
{
  mw_ctx *c = vc;
  mw_eval(c->r, c->sp, k);
  c->passes++;
  if (mpfr_cmp(c->r->df1, c->target) >= 0)
    return 0;
  mpfr_div(c->t, c->r->df1, c->target, MPFR_RNDN);
  mpfr_ui_sub(c->t, 1, c->t, MPFR_RNDN);
  mpfr_mul(c->t, c->t, k, MPFR_RNDN);
  return mpfr_cmp_d(c->t, c->lambda) >= 0;
}

deq_status deq_mp_sample_stieltjes(double *g, double *kappa, double *df,
                                   const deq_spectrum *sp, double P,
                                   double lambda, long prec)
{
  if (!g) return DEQ_EINVAL;
  *g = NAN;
  if (kappa) *kappa = NAN;
  if (df) *df = NAN;
  deq_status st = check_prec(prec);
  if (st == DEQ_OK) st = check_atoms(sp, 0);
  if (st != DEQ_OK) return st;
  if (!(P > 0) || !isfinite(P) || !(lambda > 0) || !isfinite(lambda))
    return DEQ_EDOM;
  mpfr_prec_t p = (mpfr_prec_t)prec;
  mw_sums r;
  mw_ctx c;
  mpfr_t lo, hi;
  mw_init(&r, p);
  ctx2_init(&c, sp, &r, p);
  mpfr_inits2(p, lo, hi, (mpfr_ptr)0);
  mpfr_set_d(c.target, P, MPFR_RNDN);
  c.lambda = lambda;
  /* kappa (1 - df1/P) < kappa: kappa = lambda is below the root */
  mpfr_set_d(lo, lambda, MPFR_RNDN);
  mpfr_set_d(hi, 2 * lambda + 1, MPFR_RNDN);
  st = mw_grow(hi, above_sample, &c);
  if (st == DEQ_OK)
    st = mw_bisect(lo, hi, above_sample, &c, p);
  if (st == DEQ_OK) {
    mw_eval(&r, sp, lo);
    if (kappa) *kappa = mpfr_get_d(lo, MPFR_RNDN);
    if (df) *df = mpfr_get_d(r.df1, MPFR_RNDN);
    /* g = (kappa/lambda) (1/N) sum m/(s + kappa) */
    mpfr_mul(r.res, r.res, lo, MPFR_RNDN);
    mpfr_div_d(r.res, r.res, lambda, MPFR_RNDN);
    mpfr_div_d(r.res, r.res, sp->dim, MPFR_RNDN);
    *g = mpfr_get_d(r.res, MPFR_RNDN);
  }
  mpfr_clears(lo, hi, (mpfr_ptr)0);
  ctx2_clear(&c);
  mw_clear(&r);
  return st;
}

/* ------------------------------------------------------------ random features */

/* One layer of M isotropic features: with df = df1(kappa), lambda(kappa) =
   kappa (1 - df/P)(1 - df/M) increases on the physical branch df <
   min(M, P), so "on the branch and lambda(kappa) >= lambda" is false
   below the root and true above it.  */
static int above_rf(mpfr_srcptr k, void *vc)
{
  mw_ctx *c = vc;
  mw_eval(c->r, c->sp, k);
  c->passes++;
  if (!(mpfr_cmp_d(c->r->df1, c->M) < 0 && mpfr_cmp(c->r->df1, c->target) < 0))
    return 0;
  mpfr_div(c->t, c->r->df1, c->target, MPFR_RNDN);
  mpfr_ui_sub(c->t, 1, c->t, MPFR_RNDN);
  mpfr_div_d(c->u, c->r->df1, c->M, MPFR_RNDN);
  mpfr_ui_sub(c->u, 1, c->u, MPFR_RNDN);
  mpfr_mul(c->t, c->t, c->u, MPFR_RNDN);
  mpfr_mul(c->t, c->t, k, MPFR_RNDN);
  return mpfr_cmp_d(c->t, c->lambda) >= 0;
}

static void rf_fail(deq_rf_point *o, double P, double lambda, double noise,
                    deq_status st)
{
  double nan = NAN;
  o->P = P;
  o->lambda = lambda;
  o->noise = noise;
  o->kappa = o->kappa0 = o->kappa_f = o->df = o->df_max = nan;
  o->bottleneck = 0;
  o->df2 = o->rho = o->df2_A = o->gamma = o->one_minus_gamma = nan;
  o->gamma_c = o->t1 = o->B = o->E_pop = nan;
  o->bias = o->var_noise = o->var_features = nan;
  o->E_g = o->E_cross = o->E_test = o->E_tr = o->gcv = nan;
  o->iterations = 0;
  o->residual = nan;
  o->status = st;
}

/* The risks of features.h for one layer from the sums at kappa.  */
static void rf_fill(deq_rf_point *o, mw_sums *r, mpfr_srcptr k, double M,
                    double P, double noise, mpfr_prec_t prec)
{
  mpfr_t cM, kf, rho, g, omg, gc, omgc, B, Epop, Eg, Ec, s2, x, y;
  mpfr_inits2(prec, cM, kf, rho, g, omg, gc, omgc, B, Epop, Eg, Ec, s2, x,
              y, (mpfr_ptr)0);
  mpfr_set_d(s2, noise, MPFR_RNDN);
  mpfr_div_d(cM, r->df1, M, MPFR_RNDN);
  mpfr_ui_sub(cM, 1, cM, MPFR_RNDN);              /* 1 - df/M */
  mpfr_mul(kf, k, cM, MPFR_RNDN);                 /* kappa_f */
  mpfr_div_d(x, r->df2, M, MPFR_RNDN);            /* rho = (1 - df1/M)/(1 - df2/M) */
  mpfr_ui_sub(x, 1, x, MPFR_RNDN);
  mpfr_div(rho, cM, x, MPFR_RNDN);
  mpfr_sqr(B, k, MPFR_RNDN);                      /* B = k^2 sum v/(s+k)^2 */
  mpfr_mul(B, B, r->tp, MPFR_RNDN);
  mpfr_ui_sub(x, 1, rho, MPFR_RNDN);              /* E_pop = rho B + (1 - rho) k t */
  mpfr_mul(x, x, k, MPFR_RNDN);
  mpfr_mul(x, x, r->t1, MPFR_RNDN);
  mpfr_mul(y, rho, B, MPFR_RNDN);
  mpfr_add(Epop, x, y, MPFR_RNDN);
  mpfr_sub(x, r->df1, r->df2, MPFR_RNDN);         /* df2_A = df1 - rho (df1 - df2) */
  mpfr_mul(x, rho, x, MPFR_RNDN);
  mpfr_sub(g, r->df1, x, MPFR_RNDN);
  o->df2_A = mpfr_get_d(g, MPFR_RNDN);
  mpfr_div_d(g, g, P, MPFR_RNDN);                 /* gamma = df2_A/P */
  mpfr_ui_sub(omg, 1, g, MPFR_RNDN);
  mpfr_mul(x, s2, g, MPFR_RNDN);                  /* E_g = (E_pop + s2 gamma)/(1 - gamma) */
  mpfr_add(x, x, Epop, MPFR_RNDN);
  mpfr_div(Eg, x, omg, MPFR_RNDN);
  mpfr_div_d(gc, r->df2, P, MPFR_RNDN);           /* gamma_c = df2/P */
  mpfr_ui_sub(omgc, 1, gc, MPFR_RNDN);
  mpfr_mul(x, s2, gc, MPFR_RNDN);                 /* E_cross = (B + s2 gamma_c)/(1 - gamma_c) */
  mpfr_add(x, x, B, MPFR_RNDN);
  mpfr_div(Ec, x, omgc, MPFR_RNDN);

  o->kappa = mpfr_get_d(k, MPFR_RNDN);
  o->kappa_f = mpfr_get_d(kf, MPFR_RNDN);
  o->df = mpfr_get_d(r->df1, MPFR_RNDN);
  o->df2 = mpfr_get_d(r->df2, MPFR_RNDN);
  o->rho = mpfr_get_d(rho, MPFR_RNDN);
  o->gamma = mpfr_get_d(g, MPFR_RNDN);
  o->one_minus_gamma = mpfr_get_d(omg, MPFR_RNDN);
  o->gamma_c = mpfr_get_d(gc, MPFR_RNDN);
  o->t1 = mpfr_get_d(r->t1, MPFR_RNDN);
  o->B = mpfr_get_d(B, MPFR_RNDN);
  o->E_pop = mpfr_get_d(Epop, MPFR_RNDN);
  o->E_g = mpfr_get_d(Eg, MPFR_RNDN);
  o->E_cross = mpfr_get_d(Ec, MPFR_RNDN);
  mpfr_add(x, Eg, s2, MPFR_RNDN);
  o->E_test = mpfr_get_d(x, MPFR_RNDN);
  mpfr_div(x, B, omgc, MPFR_RNDN);                /* bias = B/(1 - gamma_c) */
  o->bias = mpfr_get_d(x, MPFR_RNDN);
  mpfr_mul(x, s2, gc, MPFR_RNDN);                 /* var_noise = s2 gamma_c/(1 - gamma_c) */
  mpfr_div(x, x, omgc, MPFR_RNDN);
  o->var_noise = mpfr_get_d(x, MPFR_RNDN);
  mpfr_sub(x, Eg, Ec, MPFR_RNDN);                 /* var_features = E_g - E_cross */
  o->var_features = mpfr_get_d(x, MPFR_RNDN);
  mpfr_div_d(x, r->df1, P, MPFR_RNDN);            /* E_tr = (1 - df/P)^2 (E_g + s2) */
  mpfr_ui_sub(x, 1, x, MPFR_RNDN);
  mpfr_sqr(x, x, MPFR_RNDN);
  mpfr_add(y, Eg, s2, MPFR_RNDN);
  mpfr_mul(x, x, y, MPFR_RNDN);
  o->E_tr = mpfr_get_d(x, MPFR_RNDN);
  mpfr_clears(cM, kf, rho, g, omg, gc, omgc, B, Epop, Eg, Ec, s2, x, y,
              (mpfr_ptr)0);
}

deq_status deq_mp_rf1(deq_rf_point *out, const deq_spectrum *omega,
                      double M, double P, double lambda, double noise,
                      long prec)
{
  if (!out) return DEQ_EINVAL;
  deq_status st = check_prec(prec);
  if (st == DEQ_OK) st = check_atoms(omega, 1);
  if (st == DEQ_OK
      && !(M > 0 && isfinite(M) && P > 0 && isfinite(P) && lambda > 0
           && isfinite(lambda) && noise >= 0 && isfinite(noise)))
    st = DEQ_EDOM;
  rf_fail(out, P, lambda, noise, st);
  if (st != DEQ_OK) return st;
  mpfr_prec_t p = (mpfr_prec_t)prec;
  mw_sums r;
  mw_ctx c;
  mpfr_t lo, hi;
  mw_init(&r, p);
  ctx2_init(&c, omega, &r, p);
  mpfr_inits2(p, lo, hi, (mpfr_ptr)0);
  mpfr_set_d(c.target, P, MPFR_RNDN);
  c.M = M;
  c.lambda = lambda;
  /* lambda(kappa) <= kappa, so kappa = lambda is below the root */
  mpfr_set_d(lo, lambda, MPFR_RNDN);
  mpfr_set_d(hi, 2 * lambda + 1, MPFR_RNDN);
  st = mw_grow(hi, above_rf, &c);
  if (st == DEQ_OK)
    st = mw_bisect(lo, hi, above_rf, &c, p);
  if (st == DEQ_OK) {
    mw_eval(&r, omega, lo);
    rf_fill(out, &r, lo, M, P, noise, p);
    out->df_max = fmin(omega->rank, fmin(M, P));
    out->iterations = c.passes + 1;
  }
  out->status = st;
  mpfr_clears(lo, hi, (mpfr_ptr)0);
  ctx2_clear(&c);
  mw_clear(&r);
  return st;
}

/* ------------------------------------------------------------ correlated samples */

/* k with df1(k) = d (0 < d < rank): Newton in log k inside a bisection
   bracket; k holds a warm start or 0 on entry.  Since df1(k) <= trace/k,
   df1(2 trace/d) <= d/2.  */
static deq_status mw_inv_newton(mpfr_t k, const deq_spectrum *sp,
                                mpfr_srcptr d, mw_sums *r, mpfr_prec_t prec,
                                int *passes)
{
  mpfr_t lo, hi, st;
  mpfr_inits2(prec, lo, hi, st, (mpfr_ptr)0);
  mpfr_set_d(hi, 2 * sp->trace, MPFR_RNDN);
  mpfr_div(hi, hi, d, MPFR_RNDN);
  mpfr_set_zero(lo, 1);
  if (!(mpfr_sgn(k) > 0 && mpfr_cmp(k, hi) < 0))
    mpfr_div_2ui(k, hi, 1, MPFR_RNDN);
  long stop = -((long)prec - 30), it;
  for (it = 0; it < 2000; it++) {
    mw_eval(r, sp, k);
    (*passes)++;
    mpfr_sub(st, r->df1, d, MPFR_RNDN);
    if (mpfr_zero_p(st)) break;
    if (mpfr_sgn(st) > 0) mpfr_set(lo, k, MPFR_RNDN);
    else mpfr_set(hi, k, MPFR_RNDN);
    /* d df1/d log k = -(df1 - df2): Newton step in log k */
    mpfr_sub(r->a, r->df1, r->df2, MPFR_RNDN);
    mpfr_div(st, st, r->a, MPFR_RNDN);
    if (mpfr_cmpabs_ui(st, 1) < 0 && mpfr_get_exp(st) < stop) break;
    mpfr_exp(st, st, MPFR_RNDN);
    mpfr_mul(k, k, st, MPFR_RNDN);
    if (mpfr_cmp(k, hi) >= 0 || mpfr_cmp(k, lo) <= 0 || !mpfr_number_p(k)) {
      if (mpfr_zero_p(lo)) mpfr_div_2ui(k, hi, 16, MPFR_RNDN);
      else {
        mpfr_mul(k, lo, hi, MPFR_RNDN);
        mpfr_sqrt(k, k, MPFR_RNDN);
      }
    }
  }
  mpfr_clears(lo, hi, st, (mpfr_ptr)0);
  return it < 2000 ? DEQ_OK : DEQ_ENOCONV;
}

static void corr_fail(deq_corr_point *o, double P, double lambda,
                      double noise, deq_corr_noise model, deq_status st)
{
  double nan = NAN;
  o->P = P;
  o->lambda = lambda;
  o->noise = noise;
  o->model = model;
  o->kappa = o->kappa_K = o->df = o->df2 = o->df2_K = nan;
  o->gamma = o->one_minus_gamma = o->dkappa_dlambda = o->B = nan;
  o->bias = o->variance = o->E_g = o->E_test = o->E_tr = nan;
  o->train_ratio = o->gcv_naive = o->corrgcv = nan;
  o->iterations = 0;
  o->residual = nan;
  o->status = st;
}

/* The formulas of corr.h at df, kappa, kappa_K (r holds Sigma's sums at
   kappa, df2K = df2 of K at kappa_K).  */
static void corr_fill(deq_corr_point *o, mw_sums *r, mpfr_srcptr df,
                      mpfr_srcptr k, mpfr_srcptr kK, mpfr_srcptr df2K,
                      double P_d, double noise, deq_corr_noise model,
                      mpfr_prec_t prec)
{
  mpfr_t P, a, b, g, omg, B, s2, rK, t, x, y, bias, Eg, Et, Etr;
  mpfr_inits2(prec, P, a, b, g, omg, B, s2, rK, t, x, y, bias, Eg, Et, Etr,
              (mpfr_ptr)0);
  mpfr_set_d(P, P_d, MPFR_RNDN);
  mpfr_sqr(B, k, MPFR_RNDN);
  mpfr_mul(B, B, r->tp, MPFR_RNDN);               /* kappa^2 sum v/(s+k)^2 */
  mpfr_set_d(s2, noise, MPFR_RNDN);
  mpfr_sub(a, df, r->df2, MPFR_RNDN);
  mpfr_sub(b, df, df2K, MPFR_RNDN);
  mpfr_mul(g, r->df2, df2K, MPFR_RNDN);           /* gamma = df2^S df2^K/df^2 */
  mpfr_div(g, g, df, MPFR_RNDN);
  mpfr_div(g, g, df, MPFR_RNDN);
  mpfr_ui_sub(omg, 1, g, MPFR_RNDN);
  mpfr_mul(rK, kK, b, MPFR_RNDN);                 /* train ratio kappa_K b/P */
  mpfr_div(rK, rK, P, MPFR_RNDN);
  o->kappa = mpfr_get_d(k, MPFR_RNDN);
  o->kappa_K = mpfr_get_d(kK, MPFR_RNDN);
  o->df = mpfr_get_d(df, MPFR_RNDN);
  o->df2 = mpfr_get_d(r->df2, MPFR_RNDN);
  o->df2_K = mpfr_get_d(df2K, MPFR_RNDN);
  o->gamma = mpfr_get_d(g, MPFR_RNDN);
  o->one_minus_gamma = mpfr_get_d(omg, MPFR_RNDN);
  o->B = mpfr_get_d(B, MPFR_RNDN);
  o->train_ratio = mpfr_get_d(rK, MPFR_RNDN);
  /* dkappa/dlambda = (kappa/lambda) (1/a)/(1/a + 1/b - 1/df), lambda
     recomputed from the state */
  mpfr_ui_div(x, 1, a, MPFR_RNDN);
  mpfr_ui_div(y, 1, b, MPFR_RNDN);
  mpfr_add(y, y, x, MPFR_RNDN);
  mpfr_ui_div(t, 1, df, MPFR_RNDN);
  mpfr_sub(y, y, t, MPFR_RNDN);
  mpfr_div(x, x, y, MPFR_RNDN);
  mpfr_mul(y, kK, df, MPFR_RNDN);
  mpfr_div(y, y, P, MPFR_RNDN);                   /* lambda/kappa */
  mpfr_div(x, x, y, MPFR_RNDN);
  o->dkappa_dlambda = mpfr_get_d(x, MPFR_RNDN);
  mpfr_div(t, df, P, MPFR_RNDN);                  /* 1 - df/P */
  mpfr_ui_sub(t, 1, t, MPFR_RNDN);
  mpfr_div(bias, B, omg, MPFR_RNDN);
  if (model == DEQ_CORR_NOISE_K) {
    /* E_g = (B + s2 gamma)/(1 - gamma), E_tr = (kappa_K b/P) E_test */
    mpfr_mul(x, s2, g, MPFR_RNDN);
    mpfr_add(x, x, B, MPFR_RNDN);
    mpfr_div(Eg, x, omg, MPFR_RNDN);
    mpfr_add(Et, Eg, s2, MPFR_RNDN);
    mpfr_mul(Etr, rK, Et, MPFR_RNDN);
  } else {
    /* E_g = B/(1-gamma) + s2 df2^S b/(kappa_K df^2 (1-gamma)) */
    mpfr_mul(x, s2, r->df2, MPFR_RNDN);
    mpfr_mul(x, x, b, MPFR_RNDN);
    mpfr_sqr(y, df, MPFR_RNDN);
    mpfr_mul(y, y, kK, MPFR_RNDN);
    mpfr_mul(y, y, omg, MPFR_RNDN);
    mpfr_div(x, x, y, MPFR_RNDN);
    mpfr_add(Eg, bias, x, MPFR_RNDN);
    mpfr_add(Et, Eg, s2, MPFR_RNDN);
    /* E_tr = (kappa_K b/P) B/(1-gamma) + s2 [1 - df/P - a b/(P df (1-gamma))] */
    mpfr_mul(x, a, b, MPFR_RNDN);
    mpfr_mul(y, P, df, MPFR_RNDN);
    mpfr_mul(y, y, omg, MPFR_RNDN);
    mpfr_div(x, x, y, MPFR_RNDN);
    mpfr_sub(x, t, x, MPFR_RNDN);
    mpfr_mul(x, x, s2, MPFR_RNDN);
    mpfr_mul(y, rK, bias, MPFR_RNDN);
    mpfr_add(Etr, x, y, MPFR_RNDN);
  }
  o->bias = mpfr_get_d(bias, MPFR_RNDN);
  mpfr_sub(x, Eg, bias, MPFR_RNDN);
  o->variance = mpfr_get_d(x, MPFR_RNDN);
  o->E_g = mpfr_get_d(Eg, MPFR_RNDN);
  o->E_test = mpfr_get_d(Et, MPFR_RNDN);
  o->E_tr = mpfr_get_d(Etr, MPFR_RNDN);
  mpfr_sqr(x, t, MPFR_RNDN);                      /* gcv_naive = E_tr/(1 - df/P)^2 */
  mpfr_div(x, Etr, x, MPFR_RNDN);
  o->gcv_naive = mpfr_get_d(x, MPFR_RNDN);
  mpfr_div(x, Etr, rK, MPFR_RNDN);                /* corrgcv = E_tr P/(kappa_K b) */
  o->corrgcv = mpfr_get_d(x, MPFR_RNDN);
  mpfr_clears(P, a, b, g, omg, B, s2, rK, t, x, y, bias, Eg, Et, Etr,
              (mpfr_ptr)0);
}

deq_status deq_mp_corr(deq_corr_point *out, const deq_spectrum *sp,
                       const deq_spectrum *K, double lambda, double noise,
                       deq_corr_noise model, long prec)
{
  if (!out) return DEQ_EINVAL;
  double Pd = K ? K->dim : NAN;
  deq_status st = check_prec(prec);
  if (st == DEQ_OK) st = check_atoms(sp, 1);
  if (st == DEQ_OK) st = check_atoms(K, 0);
  if (st == DEQ_OK && model != DEQ_CORR_NOISE_K && model != DEQ_CORR_NOISE_IID)
    st = DEQ_EINVAL;
  if (st == DEQ_OK && !(lambda > 0 && isfinite(lambda) && noise >= 0
                        && isfinite(noise)))
    st = DEQ_EDOM;
  corr_fail(out, Pd, lambda, noise, model, st);
  if (st != DEQ_OK) return st;
  mpfr_prec_t p = (mpfr_prec_t)prec;
  mw_sums r;
  mpfr_t lam, lo, hi, mid, k, kK, x, P, w, df2K;
  mw_init(&r, p);
  mpfr_inits2(p, lam, lo, hi, mid, k, kK, x, P, w, df2K, (mpfr_ptr)0);
  mpfr_set_d(lam, lambda, MPFR_RNDN);
  mpfr_set_d(P, Pd, MPFR_RNDN);
  mpfr_set_zero(k, 1);
  mpfr_set_zero(kK, 1);
  mpfr_set_zero(lo, 1);
  mpfr_set_d(hi, fmin(sp->rank, K->rank), MPFR_RNDN);
  mpfr_mul_2si(w, hi, -((long)prec - 40), MPFR_RNDN);
  int passes = 0;
  /* lambda(df) = kappa kappa_K df/P decreases in df: bisection on df */
  while (st == DEQ_OK) {
    mpfr_sub(x, hi, lo, MPFR_RNDN);
    if (mpfr_cmp(x, w) <= 0) break;
    mpfr_add(mid, lo, hi, MPFR_RNDN);
    mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
    st = mw_inv_newton(k, sp, mid, &r, p, &passes);
    if (st == DEQ_OK) st = mw_inv_newton(kK, K, mid, &r, p, &passes);
    mpfr_mul(x, k, kK, MPFR_RNDN);
    mpfr_mul(x, x, mid, MPFR_RNDN);
    mpfr_div(x, x, P, MPFR_RNDN);
    if (mpfr_cmp(x, lam) > 0) mpfr_set(lo, mid, MPFR_RNDN);
    else mpfr_set(hi, mid, MPFR_RNDN);
  }
  if (st == DEQ_OK) {
    mpfr_add(mid, lo, hi, MPFR_RNDN);              /* df */
    mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
    st = mw_inv_newton(kK, K, mid, &r, p, &passes);
    mpfr_set(df2K, r.df2, MPFR_RNDN);
    if (st == DEQ_OK) st = mw_inv_newton(k, sp, mid, &r, p, &passes);
    if (st == DEQ_OK) {
      corr_fill(out, &r, mid, k, kK, df2K, Pd, noise, model, p);
      out->iterations = passes;
    }
  }
  out->status = st;
  mpfr_clears(lam, lo, hi, mid, k, kK, x, P, w, df2K, (mpfr_ptr)0);
  mw_clear(&r);
  return st;
}
