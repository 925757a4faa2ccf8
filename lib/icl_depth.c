/* lib/icl_depth.c -- L-step in-context gradient descent (deq/cot.h,
 * spec icl_cot.md section 3, a reconstruction): the large-D risk by
 * Marchenko-Pastur quadrature, the optimal learning rate, and the
 * infinite-context risk on a spectrum (section 3.3).  */
#include <config.h>

#include <math.h>
#include <stddef.h>

#include "deq/cot.h"
#include "deq/solve.h"
#include "mp_law_impl.h"

/* The integrand is a polynomial of degree 2L in lambda over the density:
   the rule is exact up to 2 nq - 1, and the powers are smooth (they tend
   to exp(-2 gamma lambda)) beyond that.  */
#define DEPTH_NQ 512
#define DEPTH_MAX_LAYERS 1e9

/* (1 - x)^L and 1 - (1 - x)^L without cancellation for small x.  */
static void pow_pair(double *p, double *one_minus_p, double x, double L)
{
  if (x < 1) {
    double lg = L * log1p(-x);
    *p = exp(lg);
    *one_minus_p = -expm1(lg);
  } else {
    *p = pow(1 - x, L);
    *one_minus_p = 1 - *p;
  }
}

typedef struct depth_ctx {
  const deq_mp_law *law;
  double alpha, noise, L;
} depth_ctx;

static double depth_risk(double gamma, void *p)
{
  const depth_ctx *c = p;
  const deq_mp_law *law = c->law;
  double sum = 0, nw = c->noise / c->alpha;
  for (size_t k = 0; k < law->n; k++) {
    double l = law->lambda[k], pw, om;
    pow_pair(&pw, &om, gamma * l / c->L, c->L);
    sum += law->w[k] * (pw * pw + nw * om * om / l);
  }
  return c->noise + law->atom + sum;
}

static deq_status depth_check(double layers, double alpha, double noise)
{
  if (!(alpha > 0) || !isfinite(alpha) || !(noise >= 0) || !isfinite(noise)
      || !(layers >= 1) || layers > DEPTH_MAX_LAYERS
      || layers != floor(layers))
    return DEQ_EDOM;
  return DEQ_OK;
}

static void depth_fill(deq_icl_depth_point *out, double gamma, double R,
                       double layers, double alpha, double noise)
{
  out->alpha = alpha;
  out->layers = layers;
  out->noise = noise;
  out->gamma = gamma;
  out->E_test = R;
  out->E_g = R - noise;
}

deq_status deq_icl_depth_risk(deq_icl_depth_point *out, double gamma,
                              double layers, double alpha, double noise)
{
  if (!out) return DEQ_EINVAL;
  depth_fill(out, gamma, NAN, layers, alpha, noise);
  out->iterations = 0;
  deq_status st = depth_check(layers, alpha, noise);
  if (st == DEQ_OK && (!(gamma >= 0) || !isfinite(gamma))) st = DEQ_EDOM;
  deq_mp_law law;
  if (st == DEQ_OK) st = deq_mp_law_init(&law, 1 / alpha, DEPTH_NQ);
  if (st == DEQ_OK) {
    depth_ctx c = { &law, alpha, noise, layers };
    double R = depth_risk(gamma, &c);
    depth_fill(out, gamma, R, layers, alpha, noise);
    /* |1 - gamma l/L| > 1 on part of the support makes R grow like a
       power; overflow is a true divergence in the limit of large gamma */
    if (isinf(R)) st = DEQ_EDIVERGE;
    deq_mp_law_free(&law);
  }
  out->status = st;
  return st;
}

/* Minimise f on (0, hi): a scan of ncell cells, then Brent around the
   best node (f is smooth; the scan guards against a second dip).  */
static deq_status scan_min(deq_root *r, deq_func f, void *ctx, double hi)
{
  enum { NCELL = 64 };
  size_t best = 1;
  double fbest = INFINITY;
  for (size_t i = 1; i < NCELL; i++) {
    double v = f(hi * (double)i / NCELL, ctx);
    if (v < fbest) {
      fbest = v;
      best = i;
    }
  }
  double a = hi * (double)(best - 1) / NCELL, b = hi * (double)(best + 1) / NCELL;
  return deq_solve_brent_min(r, f, ctx, a, b, hi * (double)best / NCELL,
                             1e-12, 1e-300, 200);
}

deq_status deq_icl_depth_optimal(deq_icl_depth_point *out, double layers,
                                 double alpha, double noise)
{
  if (!out) return DEQ_EINVAL;
  depth_fill(out, NAN, NAN, layers, alpha, noise);
  out->iterations = 0;
  deq_status st = depth_check(layers, alpha, noise);
  deq_mp_law law;
  if (st == DEQ_OK) st = deq_mp_law_init(&law, 1 / alpha, DEPTH_NQ);
  if (st == DEQ_OK) {
    depth_ctx c = { &law, alpha, noise, layers };
    deq_root r;
    st = scan_min(&r, depth_risk, &c, 2 * layers / law.hi);
    if (st == DEQ_OK) {
      depth_fill(out, r.x, depth_risk(r.x, &c), layers, alpha, noise);
      out->iterations = r.iterations;
    }
    deq_mp_law_free(&law);
  }
  out->status = st;
  return st;
}

typedef struct rrs_ctx {
  const deq_spectrum *sp;
  double L;
} rrs_ctx;

static double rrs_risk(double gamma, void *p)
{
  const rrs_ctx *c = p;
  double sum = 0;
  for (size_t i = 0; i < c->sp->n; i++) {
    double pw, om;
    pow_pair(&pw, &om, gamma * c->sp->s[i] / c->L, c->L);
    sum += c->sp->v[i] * pw * pw;
  }
  return sum;
}

/* The largest eigenvalue that carries target power (0: none).  */
static double rrs_smax(const deq_spectrum *sp)
{
  double smax = 0;
  for (size_t i = 0; i < sp->n; i++)
    if (sp->v[i] > 0 && sp->s[i] > smax) smax = sp->s[i];
  return smax;
}

deq_status deq_icl_depth_rrs_risk(double *R, double gamma,
                                  const deq_spectrum *sp, double layers)
{
  if (!R || !sp) return DEQ_EINVAL;
  *R = NAN;
  if (!(layers >= 1) || layers > DEPTH_MAX_LAYERS || layers != floor(layers)
      || !(gamma >= 0) || !isfinite(gamma) || !(rrs_smax(sp) > 0))
    return DEQ_EDOM;
  rrs_ctx c = { sp, layers };
  *R = rrs_risk(gamma, &c);
  return isinf(*R) ? DEQ_EDIVERGE : DEQ_OK;
}

deq_status deq_icl_depth_rrs(double *R, double *gamma, const deq_spectrum *sp,
                             double layers)
{
  if (!R || !sp) return DEQ_EINVAL;
  *R = NAN;
  if (gamma) *gamma = NAN;
  if (!(layers >= 1) || layers > DEPTH_MAX_LAYERS || layers != floor(layers))
    return DEQ_EDOM;
  double smax = rrs_smax(sp);
  if (!(smax > 0)) return DEQ_EDOM;   /* no target power to learn */
  rrs_ctx c = { sp, layers };
  deq_root r;
  /* a sum of convex functions of gamma: one minimum on (0, 2L/s_max) */
  deq_status st = deq_solve_brent_min(&r, rrs_risk, &c, 0, 2 * layers / smax,
                                      layers / smax, 1e-12, 1e-300, 300);
  if (st != DEQ_OK) return st;
  *R = rrs_risk(r.x, &c);
  if (gamma) *gamma = r.x;
  return DEQ_OK;
}
