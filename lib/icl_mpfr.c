/* lib/icl_mpfr.c -- MPFR twin of deq_icl_solve (deq/icl.h): the same
 * equations (spec icl_cot.md 1.3) with prec bits, every unknown by
 * geometric bisection on its monotone equation (no Newton, no Brent), so
 * that it is an independent reference for the double-precision solver.  */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "deq/icl.h"

#define RND MPFR_RNDN

typedef struct mctx {
  const deq_icl_tasks *tk;
  mpfr_prec_t prec;
  double kappa;                 /* INFINITY: a = 1 */
  mpfr_t nu, a, da, M, dM;      /* the resolvent at nu */
  mpfr_t q, u, v, s1, s2;       /* scratch */
  long evals;
} mctx;

static void mctx_init(mctx *c, const deq_icl_tasks *tk, double kappa,
                      mpfr_prec_t prec)
{
  c->tk = tk;
  c->prec = prec;
  c->kappa = kappa;
  c->evals = 0;
  mpfr_inits2(prec, c->nu, c->a, c->da, c->M, c->dM, c->q, c->u, c->v, c->s1,
              c->s2, (mpfr_ptr)0);
}

static void mctx_clear(mctx *c)
{
  mpfr_clears(c->nu, c->a, c->da, c->M, c->dM, c->q, c->u, c->v, c->s1, c->s2,
              (mpfr_ptr)0);
}

/* Width exponent: bisect until hi/lo - 1 < 2^-(3 prec/4).  */
static int narrow(mpfr_srcptr lo, mpfr_srcptr hi, mpfr_t tmp, mpfr_prec_t prec)
{
  mpfr_div(tmp, hi, lo, RND);
  mpfr_sub_ui(tmp, tmp, 1, RND);
  return mpfr_cmp_ui(tmp, 0) > 0
         && mpfr_get_exp(tmp) > -(mpfr_exp_t)(3 * prec / 4);
}

/* Sign of a - 1 + (1/kappa) mean(a c/(a c + nu)) at a (in c->u).  */
static int a_sign(mctx *c, mpfr_srcptr a)
{
  mpfr_set_ui(c->s1, 0, RND);
  for (size_t i = 0; i < c->tk->n; i++) {
    mpfr_mul_d(c->u, a, c->tk->c[i], RND);
    mpfr_add(c->q, c->u, c->nu, RND);
    mpfr_div(c->u, c->u, c->q, RND);
    mpfr_mul_d(c->u, c->u, c->tk->w[i], RND);
    mpfr_add(c->s1, c->s1, c->u, RND);
  }
  mpfr_div_d(c->s1, c->s1, c->kappa, RND);
  mpfr_add(c->s1, c->s1, a, RND);
  mpfr_sub_ui(c->s1, c->s1, 1, RND);
  return mpfr_sgn(c->s1);
}

/* Geometric bisection: f(lo) and f(hi) of signs slo, -slo.  */
typedef int (*sign_fn)(void *ctx, mpfr_srcptr x);

static void bisect(mpfr_t lo, mpfr_t hi, int slo, sign_fn f, void *ctx,
                   mpfr_prec_t prec)
{
  mpfr_t mid, tmp;
  mpfr_inits2(prec, mid, tmp, (mpfr_ptr)0);
  while (narrow(lo, hi, tmp, prec)) {
    mpfr_mul(mid, lo, hi, RND);
    mpfr_sqrt(mid, mid, RND);
    int s = f(ctx, mid);
    if (s == 0) {
      mpfr_set(lo, mid, RND);
      mpfr_set(hi, mid, RND);
    } else if (s == slo) {
      mpfr_set(lo, mid, RND);
    } else {
      mpfr_set(hi, mid, RND);
    }
  }
  mpfr_mul(lo, lo, hi, RND);
  mpfr_sqrt(lo, lo, RND);
  mpfr_clears(mid, tmp, (mpfr_ptr)0);
}

static int a_sign_cb(void *ctx, mpfr_srcptr a) { return a_sign(ctx, a); }

/* a, a', M, M' at c->nu.  */
static void resolvent(mctx *c)
{
  c->evals++;
  mpfr_set_ui(c->a, 1, RND);
  if (isfinite(c->kappa)) {
    mpfr_t lo, hi;
    mpfr_inits2(c->prec, lo, hi, (mpfr_ptr)0);
    mpfr_set_ui(hi, 1, RND);
    mpfr_set_ui(lo, 1, RND);
    while (a_sign(c, lo) >= 0) mpfr_div_2ui(lo, lo, 1, RND);  /* f(1) > 0 */
    bisect(lo, hi, -1, a_sign_cb, c, c->prec);
    mpfr_set(c->a, lo, RND);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
  }
  /* M = mean 1/q, s1 = mean a c/q^2, s2 = mean c nu/q^2 */
  mpfr_set_ui(c->M, 0, RND);
  mpfr_set_ui(c->s1, 0, RND);
  mpfr_set_ui(c->s2, 0, RND);
  for (size_t i = 0; i < c->tk->n; i++) {
    double ci = c->tk->c[i], wi = c->tk->w[i];
    mpfr_mul_d(c->q, c->a, ci, RND);
    mpfr_add(c->q, c->q, c->nu, RND);
    mpfr_d_div(c->u, wi, c->q, RND);
    mpfr_add(c->M, c->M, c->u, RND);
    mpfr_div(c->u, c->u, c->q, RND);              /* w/q^2 */
    mpfr_mul_d(c->u, c->u, ci, RND);
    mpfr_mul(c->v, c->u, c->a, RND);
    mpfr_add(c->s1, c->s1, c->v, RND);
    mpfr_mul(c->v, c->u, c->nu, RND);
    mpfr_add(c->s2, c->s2, c->v, RND);
  }
  if (isfinite(c->kappa)) {
    mpfr_div_d(c->s1, c->s1, c->kappa, RND);
    mpfr_div_d(c->s2, c->s2, c->kappa, RND);
    mpfr_add_ui(c->s2, c->s2, 1, RND);
    mpfr_div(c->da, c->s1, c->s2, RND);
  } else {
    mpfr_set_ui(c->da, 0, RND);
  }
  mpfr_set_ui(c->dM, 0, RND);
  for (size_t i = 0; i < c->tk->n; i++) {
    double ci = c->tk->c[i];
    mpfr_mul_d(c->q, c->a, ci, RND);
    mpfr_add(c->q, c->q, c->nu, RND);
    mpfr_mul_d(c->u, c->da, ci, RND);
    mpfr_add_ui(c->u, c->u, 1, RND);
    mpfr_mul_d(c->u, c->u, c->tk->w[i], RND);
    mpfr_div(c->u, c->u, c->q, RND);
    mpfr_div(c->u, c->u, c->q, RND);
    mpfr_sub(c->dM, c->dM, c->u, RND);
  }
}

/* ------------------------------------------------------------ xi */

typedef struct xctx {
  mctx *c;
  mpfr_t x;        /* rho_tr/alpha */
  double tau, lambda;
  mpfr_t f;
} xctx;

/* lambda > 0: sign of 1 - tau + tau lambda/xi - xi M(x + xi);
   lambda = 0: sign of xi M(x + xi) - (1 - tau).  */
static int xi_sign(void *p, mpfr_srcptr xi)
{
  xctx *s = p;
  mctx *c = s->c;
  mpfr_add(c->nu, s->x, xi, RND);
  resolvent(c);
  mpfr_mul(s->f, xi, c->M, RND);
  if (s->lambda > 0) {
    mpfr_neg(s->f, s->f, RND);
    mpfr_set_d(c->v, s->tau, RND);
    mpfr_mul_d(c->v, c->v, s->lambda, RND);
    mpfr_div(c->u, c->v, xi, RND);
    mpfr_add(s->f, s->f, c->u, RND);
    mpfr_add_ui(s->f, s->f, 1, RND);
    mpfr_sub_d(s->f, s->f, s->tau, RND);
  } else {
    mpfr_add_d(s->f, s->f, s->tau, RND);
    mpfr_sub_ui(s->f, s->f, 1, RND);
  }
  return mpfr_sgn(s->f);
}

static deq_status solve_xi(mpfr_t xi, xctx *s)
{
  mpfr_prec_t prec = s->c->prec;
  mpfr_t lo, hi;
  mpfr_inits2(prec, lo, hi, (mpfr_ptr)0);
  mpfr_set_ui(lo, 1, RND);
  mpfr_set_ui(hi, 1, RND);
  int slo = s->lambda > 0 ? 1 : -1, k = 0;
  deq_status st = DEQ_OK;
  while (xi_sign(s, lo) != slo && k++ < 4000) mpfr_div_2ui(lo, lo, 1, RND);
  for (k = 0; xi_sign(s, hi) == slo && k < 4000; k++)
    mpfr_mul_2ui(hi, hi, 1, RND);
  if (k >= 4000) st = DEQ_ENOCONV;
  if (st == DEQ_OK) bisect(lo, hi, slo, xi_sign, s, prec);
  mpfr_set(xi, lo, RND);
  mpfr_clears(lo, hi, (mpfr_ptr)0);
  return st;
}

/* ------------------------------------------------------------ the point */

/* Steps 4-6 of spec 1.3 with prec bits; t = the test variances (or the
   pool's: r1 = 1 - nu M, r2 = M + nu M' for IDG).  */
static void fill(deq_icl_point *o, mctx *c, mpfr_srcptr xi)
{
  mpfr_prec_t p = c->prec;
  const deq_icl_tasks *tk = c->tk;
  mpfr_t D, den, g, core, r1, r2, t1, t2, e, pre;
  mpfr_inits2(p, D, den, g, core, r1, r2, t1, t2, e, pre, (mpfr_ptr)0);
  mpfr_srcptr nu = c->nu, M = c->M, dM = c->dM;
  /* core = 1 - 2 nu M - nu^2 M' */
  mpfr_mul(t1, nu, M, RND);
  mpfr_mul_2ui(t1, t1, 1, RND);
  mpfr_mul(t2, nu, nu, RND);
  mpfr_mul(t2, t2, dM, RND);
  mpfr_ui_sub(core, 1, t1, RND);
  mpfr_sub(core, core, t2, RND);
  /* D = rho + nu - nu^2 M - xi core */
  mpfr_mul(t1, nu, nu, RND);
  mpfr_mul(t1, t1, M, RND);
  mpfr_add_d(D, nu, o->noise, RND);
  mpfr_sub(D, D, t1, RND);
  mpfr_mul(t1, xi, core, RND);
  mpfr_sub(D, D, t1, RND);
  /* den = 1 - 2 xi M - xi^2 M' - tau */
  mpfr_mul(t1, xi, M, RND);
  mpfr_mul_2ui(t1, t1, 1, RND);
  mpfr_mul(t2, xi, xi, RND);
  mpfr_mul(t2, t2, dM, RND);
  mpfr_ui_sub(den, 1, t1, RND);
  mpfr_sub(den, den, t2, RND);
  mpfr_sub_d(den, den, o->tau, RND);
  mpfr_div(g, D, den, RND);
  mpfr_neg(g, g, RND);
  /* core += g (M + xi M') */
  mpfr_mul(t1, xi, dM, RND);
  mpfr_add(t1, t1, M, RND);
  mpfr_mul(t1, t1, g, RND);
  mpfr_add(core, core, t1, RND);
  /* r1, r2 over the test variances */
  mpfr_set_ui(r1, 0, RND);
  mpfr_set_ui(r2, 0, RND);
  for (size_t i = 0; i < tk->n; i++) {
    double ci = tk->c[i], wt = tk->w[i] * tk->t[i];
    mpfr_mul_d(t1, c->a, ci, RND);
    mpfr_add(t1, t1, nu, RND);               /* q */
    mpfr_d_div(t2, wt, t1, RND);
    mpfr_add(r1, r1, t2, RND);
    mpfr_div(t2, t2, t1, RND);
    mpfr_mul_d(t1, c->da, ci, RND);
    mpfr_add_ui(t1, t1, 1, RND);
    mpfr_mul(t2, t2, t1, RND);
    mpfr_add(r2, r2, t2, RND);
  }
  /* w2 = nu^2 - g xi, in t2 */
  mpfr_mul(t2, nu, nu, RND);
  mpfr_mul(t1, g, xi, RND);
  mpfr_sub(t2, t2, t1, RND);
  /* e_pretrain = rho + (T + rho)/alpha core */
  mpfr_set_d(pre, tk->mean_t, RND);
  mpfr_add_d(pre, pre, o->noise, RND);
  mpfr_div_d(pre, pre, o->alpha, RND);
  mpfr_mul(pre, pre, core, RND);
  mpfr_add_d(pre, pre, o->noise, RND);
  o->e_pretrain = mpfr_get_d(pre, RND);
  mpfr_mul(e, g, r1, RND);
  mpfr_mul(t1, t2, r2, RND);
  mpfr_add(e, e, t1, RND);
  o->e_align = mpfr_get_d(e, RND);
  mpfr_add(e, e, pre, RND);
  o->e_icl = mpfr_get_d(e, RND);
  o->alignment = mpfr_get_d(r1, RND);
  /* IDG: T = mean c, r1 = 1 - nu M, r2 = M + nu M' */
  mpfr_set_d(pre, tk->mean_c, RND);
  mpfr_add_d(pre, pre, o->noise, RND);
  mpfr_div_d(pre, pre, o->alpha, RND);
  mpfr_mul(pre, pre, core, RND);
  mpfr_add_d(pre, pre, o->noise, RND);
  mpfr_mul(r1, nu, M, RND);
  mpfr_ui_sub(r1, 1, r1, RND);
  mpfr_mul(r2, nu, dM, RND);
  mpfr_add(r2, r2, M, RND);
  mpfr_mul(e, g, r1, RND);
  mpfr_mul(t1, t2, r2, RND);
  mpfr_add(e, e, t1, RND);
  mpfr_add(e, e, pre, RND);
  o->e_idg = mpfr_get_d(e, RND);
  o->a = mpfr_get_d(c->a, RND);
  o->da = mpfr_get_d(c->da, RND);
  o->M = mpfr_get_d(M, RND);
  o->dM = mpfr_get_d(dM, RND);
  o->nu = mpfr_get_d(nu, RND);
  o->xi = mpfr_get_d(xi, RND);
  o->g = mpfr_get_d(g, RND);
  mpfr_clears(D, den, g, core, r1, r2, t1, t2, e, pre, (mpfr_ptr)0);
}

deq_status deq_mp_icl(deq_icl_point *out, const deq_icl_tasks *tk,
                      double alpha, double kappa, double tau, double noise,
                      double lambda, long prec)
{
  if (!out) return DEQ_EINVAL;
  deq_icl_point o = { alpha, kappa, tau, noise, lambda, NAN, NAN, NAN, NAN,
                      NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, DEQ_OK };
  *out = o;
  if (prec < 53 || prec > 100000) return out->status = DEQ_EINVAL;
  if (!(alpha > 0 && isfinite(alpha) && kappa > 0 && tau > 0 && isfinite(tau)
        && noise >= 0 && isfinite(noise) && lambda >= 0 && isfinite(lambda)))
    return out->status = DEQ_EDOM;
  deq_icl_tasks iso = { 1, (double[]){ 1 }, (double[]){ 1 }, (double[]){ 1 },
                        INFINITY, 1, 1 };
  if (!tk) tk = &iso;
  if (lambda == 0 && tau == 1) {
    out->e_icl = out->e_idg = INFINITY;
    return out->status = DEQ_EDIVERGE;
  }
  mctx c;
  mctx_init(&c, tk, kappa, (mpfr_prec_t)prec);
  xctx s = { .c = &c, .tau = tau, .lambda = lambda };
  mpfr_inits2((mpfr_prec_t)prec, s.x, s.f, (mpfr_ptr)0);
  mpfr_set_d(s.x, tk->mean_c, RND);
  mpfr_add_d(s.x, s.x, noise, RND);
  mpfr_div_d(s.x, s.x, alpha, RND);
  mpfr_t xi;
  mpfr_init2(xi, (mpfr_prec_t)prec);
  mpfr_set_ui(xi, 0, RND);
  deq_status st = DEQ_OK;
  if (lambda > 0 || tau < 1) st = solve_xi(xi, &s);
  if (st == DEQ_OK) {
    mpfr_add(c.nu, s.x, xi, RND);
    resolvent(&c);
    fill(out, &c, xi);
  }
  out->iterations = (int)c.evals;
  mpfr_clears(s.x, s.f, xi, (mpfr_ptr)0);
  mctx_clear(&c);
  if (st == DEQ_OK && !(isfinite(out->e_icl) && isfinite(out->e_idg)))
    st = DEQ_ENOCONV;
  return out->status = st;
}
