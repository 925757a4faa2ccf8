/* ridge.c -- deterministic equivalent of ridge regression.
 *
 * The fixed point lambda = kappa (P - df1(kappa))/P =: G(kappa) is solved
 * with safeguarded Newton in log space inside a bracket (G is convex and
 * increasing on the physical branch; the bracket and the start from above
 * keep Newton there).  P - df1 is always formed without cancellation, so
 * lambda = 1e-14 is as accurate as lambda = 1:
 *   rank <= P:  P - df1 = (P - rank) + sum m kappa/(s+kappa)       (cdf1)
 *   rank >  P:  P - df1 = delta sum m s/((s+kappa0)(s+kappa0+delta)),
 *               delta = kappa - kappa0, df1(kappa0) = P            (anchor)
 * In the second case kappa0 is solved first (reused along a lambda grid,
 * predicted along a P grid by its local exponent) and the unknown is
 * delta.  Newton stops when its step is below NEWTON_XTOL; the moments are
 * then carried to the final kappa by one Taylor step, whose error,
 * O(step^2), is below rounding.  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "deq/ridge.h"
#include "deq/solve.h"
#include "grid_impl.h"
#include "resolvent_impl.h"

#define NEWTON_XTOL 1e-7   /* relative; quadratic convergence: error ~1e-14 */
#define MAX_ITER 200

typedef struct ridge_ctx {
  const deq_spectrum *sp;
  double P, lambda;
  double kappa0;      /* anchor (> 0 in the anchored form) */
  deq_moments mom;    /* moments at the last evaluation */
  double C;           /* P - df1 at the last evaluation */
  double resid;       /* |log G - log lambda| at the last Newton evaluation */
  double gap0;        /* df1 - df2 at kappa0, i.e. P (1 - gamma0) */
  double unit;        /* Newton's variable is u = log(x/unit), x = kappa,
                         delta or kappa0 */
  int passes;
} ridge_ctx;

/* A power of two near x > 0: measuring u in it keeps |u| small, so that
   exp(u) carries full relative precision (log kappa near +-700 would
   lose 700 ulps), and scaling every eigenvalue and lambda by a power of
   two scales kappa exactly.  */
static double unit_near(double x)
{
  return ldexp(1.0, ilogb(x));
}

static double from_log(const ridge_ctx *c, double u)
{
  return c->unit * exp(u);
}

static double to_log(const ridge_ctx *c, double x)
{
  return log(x / c->unit);
}

static int rank_exceeds(const deq_spectrum *sp, double P)
{
  return sp->rank > P;
}

/* tr/P, the scale of kappa: kappa <= lambda + tr/P and kappa0 <= tr/P.
   Formed as smax (sum m s/smax)/P when tr itself overflows; +Inf only if
   tr/P does.  */
static double trace_over_P(const deq_spectrum *sp, double P)
{
  if (isfinite(sp->trace)) return sp->trace / P;
  double smax = 0, t = 0;
  for (size_t i = 0; i < sp->n; i++) smax = fmax(smax, sp->s[i]);
  for (size_t i = 0; i < sp->n; i++) t += sp->m[i] * (sp->s[i] / smax);
  return smax * (t / P);
}

/* P - df1 from moments when rank <= P (the cdf1 form).  */
static double complement_plain(const deq_spectrum *sp, double P,
                               const deq_moments *m)
{
  return (P - sp->rank) + m->cdf1;
}

/* Newton runs in u = log kappa (or u = log delta) on F = log G - log lambda:
   G is close to a power of kappa at both ends (G ~ kappa, kappa^2 at the
   interpolation threshold, kappa - tr/P for large kappa), so F is close to
   linear in u and a cold start needs a handful of steps.  */
/* log(x/y) for x, y > 0: the log of the ratio is exact to rounding when
   the ratio is in range; log x - log y would lose |log x| ulps.  */
static double log_ratio(double x, double y)
{
  double r = x / y;
  return isnormal(r) ? log(r) : log(x) - log(y);
}

static void log_residual(ridge_ctx *c, double kappa, double *f, double *df)
{
  /* Sums of logs, never the product kappa C: it overflows for lambda near
     DBL_MAX / P although every factor is finite.  */
  if (c->C > 0) {
    *f = log_ratio(kappa, c->lambda) + log_ratio(c->C, c->P);
    *df = (c->C + c->mom.gap12) / c->C; /* d log G/d log kappa */
  } else { /* below the physical branch (kappa <= kappa0) */
    *f = -INFINITY;
    *df = NAN;
  }
}

static deq_status plain_fdf(double u, void *vp, double *f, double *df)
{
  ridge_ctx *c = vp;
  double kappa = from_log(c, u);
  deq_moments_pass(&c->mom, NULL, c->sp, kappa, 0);
  c->passes++;
  c->C = complement_plain(c->sp, c->P, &c->mom);
  log_residual(c, kappa, f, df);
  return DEQ_OK;
}

/* The same in the anchored variable u = log delta, delta = kappa - kappa0;
   the chain rule adds delta/kappa to the derivative.  */
static deq_status anchored_fdf(double u, void *vp, double *f, double *df)
{
  ridge_ctx *c = vp;
  double A = 0, delta = from_log(c, u), kappa = c->kappa0 + delta;
  deq_moments_pass(&c->mom, &A, c->sp, kappa, c->kappa0);
  c->passes++;
  c->C = delta * A;
  log_residual(c, kappa, f, df);
  *df *= delta / kappa;
  return DEQ_OK;
}

/* kappa0 with df1(kappa0) = P by Newton in u = log kappa, where df1 is
   close to a power of kappa; near the rank the complement cdf1 is used.
   On success c->mom holds the moments at kappa0.  */
typedef struct k0_ctx {
  ridge_ctx *c;
  int complement;
} k0_ctx;

static deq_status kappa0_fdf(double u, void *vp, double *f, double *df)
{
  k0_ctx *k = vp;
  ridge_ctx *c = k->c;
  deq_moments_pass(&c->mom, NULL, c->sp, from_log(c, u), 0);
  c->passes++;
  if (k->complement) {
    *f = log(c->mom.cdf1) - log(c->sp->rank - c->P);
    *df = c->mom.gap12 / c->mom.cdf1;
  } else {
    *f = log(c->P) - log(c->mom.df1);
    *df = c->mom.gap12 / c->mom.df1;
  }
  if (isnan(*f)) *f = k->complement ? -INFINITY : INFINITY; /* df1 -> 0 */
  return DEQ_OK;
}

static deq_status solve_kappa0(ridge_ctx *c, double guess)
{
  const deq_spectrum *sp = c->sp;
  k0_ctx k = {c, isfinite(sp->rank) && c->P > 0.5 * sp->rank};
  /* df1(k) <= tr/k: kappa0 <= tr/P.  Below, df1 -> rank > P.  */
  double khi = trace_over_P(sp, c->P);
  if (!isfinite(khi)) { /* is kappa0 itself beyond DBL_MAX? */
    khi = DBL_MAX;
    deq_moments_pass(&c->mom, NULL, sp, khi, 0);
    c->passes++;
    if (c->mom.df1 > c->P) return DEQ_EUNSUP;
  }
  c->unit = unit_near(khi);
  double uhi = to_log(c, khi), ulo = uhi - 700.0;
  double u0 = (guess > 0 && isfinite(guess)) ? to_log(c, guess) : uhi;
  deq_root root;
  deq_status st = deq_solve_newton_dir(&root, kappa0_fdf, &k, ulo, uhi,
                                       fmin(fmax(u0, ulo), uhi), 1, 0,
                                       NEWTON_XTOL, MAX_ITER);
  if (st) return st;
  c->kappa0 = from_log(c, root.x);
  deq_moments_shift(&c->mom, c->kappa0);
  c->gap0 = c->mom.gap12;
  return DEQ_OK;
}

/* Fill the risk fields from the moments at kappa and P - df1 = C.  */
static void fill_point(deq_ridge_point *out, const ridge_ctx *c)
{
  const deq_moments *m = &c->mom;
  double P = c->P, s2 = out->noise;
  out->kappa = m->kappa;
  out->df1 = m->df1;
  out->df2 = m->df2;
  out->gamma = m->df2 / P;
  out->one_minus_gamma = (c->C + m->gap12) / P;
  out->dkappa_dlambda = 1.0 / out->one_minus_gamma;
  out->bias = m->bias / out->one_minus_gamma;
  out->variance = s2 * out->gamma / out->one_minus_gamma;
  out->E_g = out->bias + out->variance;
  out->E_test = out->E_g + s2;
  double ratio = c->lambda > 0 ? c->lambda / m->kappa : c->C / P; /* lambda/kappa */
  out->E_tr = ratio * ratio * out->E_test;
  out->gcv = out->E_test;
  out->residual = c->resid;
}

/* lambda = 0 at P = rank: kappa = 0 and gamma = 1, the fixed point is
   singular.  Finite limits are reported (bias, E_tr -> 0; E_g -> 0 when
   noiseless); the variance is +Inf when sigma^2 > 0.  Always
   DEQ_EDIVERGE, since dkappa/dlambda is infinite.  */
static deq_status fill_peak(deq_ridge_point *out, ridge_ctx *c)
{
  out->kappa = 0;
  out->df1 = out->df2 = c->sp->rank;
  out->gamma = 1;
  out->one_minus_gamma = 0;
  out->dkappa_dlambda = INFINITY;
  out->bias = 0;  /* B(kappa)/(1-gamma) = O(kappa) -> 0 */
  out->E_tr = 0;  /* (lambda/kappa)^2 E_test = O(sqrt(lambda)) -> 0 */
  out->residual = 0;
  double inf_or_0 = out->noise > 0 ? INFINITY : 0.0;
  out->variance = out->E_g = inf_or_0;
  out->E_test = out->gcv = out->E_g + out->noise;
  return DEQ_EDIVERGE;
}

static deq_status check_args(const deq_ridge_point *out, const deq_spectrum *sp,
                             double P, double lambda, double noise)
{
  if (!out || !sp || sp->n == 0) return DEQ_EINVAL;
  if (!(P > 0) || !isfinite(P)) return DEQ_EDOM;
  if (!(lambda >= 0) || !isfinite(lambda)) return DEQ_EDOM;
  if (!(noise >= 0) || !isfinite(noise)) return DEQ_EDOM;
  return DEQ_OK;
}

/* Starting guess for kappa from a solved neighbour, by the implicit
   derivatives dkappa/dlambda = 1/(1-gamma), dkappa/dP = -kappa df1/(P^2 (1-gamma)).  */
static double predict_kappa(const deq_ridge_point *w, double P, double lambda)
{
  if (!w || (w->status != DEQ_OK) || !(w->kappa > 0) || !(w->P > 0))
    return NAN;
  double g = w->dkappa_dlambda;
  double k = w->kappa + g * (lambda - w->lambda)
             - w->kappa * w->df1 / (w->P * w->P) * g * (P - w->P);
  return k > 0 ? k : NAN;
}

static deq_status solve_plain(ridge_ctx *c, double guess)
{
  double lo = c->lambda, hi = c->lambda + trace_over_P(c->sp, c->P);
  /* lambda = kappa (P - df1)/P >= kappa (P - rank)/P */
  if (!isfinite(hi) && c->sp->rank < c->P)
    hi = c->lambda * (c->P / (c->P - c->sp->rank));
  if (!isfinite(hi)) return DEQ_EUNSUP; /* kappa may exceed DBL_MAX */
  double x0 = (guess > lo && guess < hi) ? guess : hi;
  deq_root root;
  c->unit = unit_near(hi);
  deq_status st = deq_solve_newton_dir(&root, plain_fdf, c, to_log(c, lo),
                                       to_log(c, hi), to_log(c, x0), 1, 0,
                                       NEWTON_XTOL, MAX_ITER);
  if (st) return st;
  c->resid = fabs(root.f);
  /* kappa >= lambda exactly (df1 >= 0); rounding could put it an ulp
     below when lambda dominates.  */
  deq_moments_shift(&c->mom, fmax(from_log(c, root.x), c->lambda));
  c->C = complement_plain(c->sp, c->P, &c->mom);
  return DEQ_OK;
}

static deq_status solve_anchored(ridge_ctx *c, double guess)
{
  /* kappa <= lambda + tr/P, and G is convex in delta with G'(0) = 1 -
     gamma0, so delta <= lambda/(1 - gamma0), with equality to first order
     in lambda: the start when no better guess is known.  */
  double hi = c->lambda + trace_over_P(c->sp, c->P) - c->kappa0;
  /* (lambda + tr/P) - kappa0 cancels when kappa0 ~ tr/P >> lambda.  */
  if (!(hi > 0) || !isfinite(hi)) hi = INFINITY;
  if (c->gap0 > 0) hi = fmin(hi, c->lambda * (c->P / c->gap0));
  if (!isfinite(hi)) return DEQ_EUNSUP; /* kappa may exceed DBL_MAX */
  double d0 = guess - c->kappa0;
  if (!(d0 > 0 && d0 < hi)) d0 = hi;
  deq_root root;
  c->unit = unit_near(hi);
  double uhi = to_log(c, hi);
  deq_status st = deq_solve_newton_dir(&root, anchored_fdf, c, uhi - 745.0,
                                       uhi, to_log(c, d0), 1, 0, NEWTON_XTOL,
                                       MAX_ITER);
  if (st) return st;
  c->resid = fabs(root.f);
  /* At the root P - df1 = P lambda/kappa exactly; the other moments move
     to the root by one Taylor step (the last Newton step was < 1e-7).  */
  double kappa = fmax(c->kappa0 + from_log(c, root.x), c->lambda);
  deq_moments_shift(&c->mom, kappa);
  c->C = c->P * (c->lambda / kappa); /* P lambda may overflow */
  return DEQ_OK;
}

/* rank <= P: the cdf1 form is exact; lambda = 0 gives kappa = 0.  */
static deq_status solve_under(ridge_ctx *c, double guess)
{
  if (c->lambda > 0) return solve_plain(c, guess);
  deq_resolvent_moments(&c->mom, c->sp, 0);
  c->C = c->P - c->sp->rank;
  return DEQ_OK;
}

/* kappa0 at P from a neighbour, by its local exponent.  */
static double predict_kappa0(const deq_ridge_point *w, double P)
{
  if (!w || w->status != DEQ_OK || !(w->kappa0 > 0)) return NAN;
  return w->kappa0 * pow(P / w->P, w->kappa0_exponent);
}

/* rank > P: kappa = kappa0 + delta.  */
static deq_status solve_over(ridge_ctx *c, double guess,
                             const deq_ridge_point *w)
{
  deq_status st = DEQ_OK;
  if (w && w->P == c->P && w->kappa0 > 0 && w->kappa0_exponent < 0) {
    c->kappa0 = w->kappa0; /* along a lambda grid */
    c->gap0 = -c->P / w->kappa0_exponent;
  } else {
    st = solve_kappa0(c, predict_kappa0(w, c->P));
  }
  if (st) return st;
  if (c->lambda > 0) return solve_anchored(c, guess);
  if (c->mom.kappa != c->kappa0) {
    deq_moments_pass(&c->mom, NULL, c->sp, c->kappa0, 0);
    c->passes++;
  }
  c->C = 0;
  return DEQ_OK;
}

deq_status deq_ridge_solve(deq_ridge_point *out, const deq_spectrum *sp,
                           double P, double lambda, double noise,
                           const deq_ridge_point *warm)
{
  deq_status st = check_args(out, sp, P, lambda, noise);
  if (st) return st;
  deq_ridge_point w = {0}; /* copy: warm may alias out */
  if (warm) w = *warm;
  memset(out, 0, sizeof *out);
  out->P = P;
  out->lambda = lambda;
  out->noise = noise;
  ridge_ctx c = {.sp = sp, .P = P, .lambda = lambda};
  const deq_ridge_point *wp = warm ? &w : NULL;
  double guess = predict_kappa(wp, P, lambda);
  int over = rank_exceeds(sp, P);

  if (!over && lambda == 0 && sp->rank == P) {
    st = fill_peak(out, &c);
  } else {
    st = over ? solve_over(&c, guess, wp) : solve_under(&c, guess);
    if (!st) fill_point(out, &c);
  }
  out->kappa0 = over ? c.kappa0 : 0;
  out->kappa0_exponent = over && c.gap0 > 0 ? -P / c.gap0 : 0;
  out->iterations = c.passes;
  out->status = st;
  return st;
}

typedef struct ridge_grid_ctx {
  const deq_spectrum *sp;
  double noise;
} ridge_grid_ctx;

static deq_status ridge_grid_point(void *point, const void *ctx, void *ws,
                                   const double *x, const void *warm,
                                   deq_error *err)
{
  (void)ws;
  (void)err;
  const ridge_grid_ctx *c = ctx;
  return deq_ridge_solve(point, c->sp, x[0], x[1], c->noise, warm);
}

deq_status deq_ridge_grid(deq_ridge_point *out, const deq_spectrum *sp,
                          const double *P, size_t nP, const double *lambda,
                          size_t nlambda, double noise)
{
  if (!out || !sp || !P || !lambda || nP == 0 || nlambda == 0)
    return DEQ_EINVAL;
  ridge_grid_ctx c = { sp, noise };
  deq_model_axis axes[2] = { { P, nP }, { lambda, nlambda } };
  deq_grid_spec g = { .point_size = sizeof *out, .naxes = 2, .warm_axes = 2,
                      .axes = axes, .ctx = &c, .solve = ridge_grid_point,
                      .chunk = DEQ_GRID_CHUNK };
  return deq_grid_run(out, &g, NULL);
}

deq_status deq_ridge_learned(double *frac, const deq_spectrum *sp, double kappa)
{
  if (!frac || !sp) return DEQ_EINVAL;
  if (!(kappa >= 0) || !isfinite(kappa)) return DEQ_EDOM;
  for (size_t i = 0; i < sp->n; i++)
    frac[i] = sp->s[i] > 0 ? sp->s[i] / (sp->s[i] + kappa) : 0.0;
  return DEQ_OK;
}

deq_status deq_ridge_kappa0(double *kappa0, const deq_spectrum *sp, double P)
{
  if (!kappa0 || !sp || sp->n == 0) return DEQ_EINVAL;
  if (!(P > 0) || !isfinite(P)) return DEQ_EDOM;
  *kappa0 = 0;
  if (!rank_exceeds(sp, P)) return DEQ_OK;
  ridge_ctx c = {.sp = sp, .P = P};
  deq_status st = solve_kappa0(&c, NAN);
  if (!st) *kappa0 = c.kappa0;
  return st;
}

/* ---------------------------------------------------------------- optimum
   E_test(kappa) = (B + sigma^2)/(1 - gamma) along the solution curve
   lambda(kappa) = kappa (P - df1)/P, which is increasing, so minimising
   over lambda >= 0 is minimising over kappa >= kappa_min (kappa0 or 0).
   dE/dkappa has the sign of
     N(kappa) = B'(1 - gamma) - 2 (B + sigma^2) df3/P.
   A log-spaced scan locates the best sign change; Brent refines it.  */
typedef struct opt_ctx {
  const deq_spectrum *sp;
  double P, noise, kappa0;
} opt_ctx;

/* Moments at kappa and P - df1 in the cancellation-free form.  */
static double moments_and_complement(deq_moments *m, const opt_ctx *o,
                                     double kappa)
{
  if (o->kappa0 > 0) {
    double A;
    deq_moments_pass(m, &A, o->sp, kappa, o->kappa0);
    return (kappa - o->kappa0) * A;
  }
  deq_moments_pass(m, NULL, o->sp, kappa, 0);
  return (o->P - o->sp->rank) + m->cdf1;
}

static double opt_slope(double u, void *vp)
{
  const opt_ctx *o = vp;
  deq_moments m;
  double C = moments_and_complement(&m, o, exp(u));
  double one_minus_gamma = (C + m.gap12) / o->P;
  return m.dbias * one_minus_gamma - 2.0 * (m.bias + o->noise) * m.df3 / o->P;
}

/* lambda(kappa) for a kappa on the physical branch.  */
static double lambda_of_kappa(const opt_ctx *o, double kappa)
{
  deq_moments m;
  return kappa * (moments_and_complement(&m, o, kappa) / o->P);
}

/* The optimum is the limit lambda -> infinity (w = 0, the null
   predictor): fill the limit values, keeping kappa0 from the ridgeless
   point at0.  */
static deq_status fill_null_predictor(deq_ridge_point *out,
                                      const deq_spectrum *sp,
                                      const deq_ridge_point *at0)
{
  double P = at0->P, noise = at0->noise;
  memset(out, 0, sizeof *out);
  out->P = P;
  out->noise = noise;
  out->lambda = out->kappa = INFINITY;
  out->kappa0 = at0->kappa0;
  out->kappa0_exponent = at0->kappa0_exponent;
  out->one_minus_gamma = out->dkappa_dlambda = 1;
  out->bias = out->E_g = sp->signal;
  out->E_test = out->E_tr = out->gcv = sp->signal + noise;
  out->iterations = at0->iterations;
  return out->status = DEQ_OK;
}

/* Best local minimum of E_g in (u0, u1), where the slope changes sign
   from - to +: refine by Brent and keep it if lower than *best_E.  */
static deq_status try_minimum(double *best_u, double *best_E, int *passes,
                              const opt_ctx *o, double u0, double u1)
{
  deq_root r;
  deq_status st = deq_solve_brent(&r, opt_slope, (void *)o, u0, u1, 1e-13,
                                  0, 200);
  *passes += r.iterations;
  if (st) return st;
  deq_ridge_point pt;
  double lam = lambda_of_kappa(o, exp(r.x));
  if (deq_ridge_solve(&pt, o->sp, o->P, lam, o->noise, NULL) == DEQ_OK &&
      pt.E_g < *best_E) {
    *best_E = pt.E_g;
    *best_u = r.x;
  }
  return DEQ_OK;
}

deq_status deq_ridge_optimal(deq_ridge_point *out, const deq_spectrum *sp,
                             double P, double noise)
{
  deq_status st = check_args(out, sp, P, 0, noise);
  if (st) return st;
  double k0;
  st = deq_ridge_kappa0(&k0, sp, P);
  if (st) return st;
  /* The boundary lambda = 0: at the interpolation peak it is a valid
     candidate only without noise (E_g -> 0 there; its status stays
     DEQ_EDIVERGE, as from deq_ridge_solve).  */
  deq_ridge_point at0;
  deq_status st0 = deq_ridge_solve(&at0, sp, P, 0, noise, NULL);
  int at0_ok = st0 == DEQ_OK || (st0 == DEQ_EDIVERGE && isfinite(at0.E_g));
  /* Without signal E_g = sigma^2 gamma/(1 - gamma) decreases in lambda all
     the way to 0: the optimum is lambda = infinity.  */
  if (sp->signal == 0 && noise > 0) return fill_null_predictor(out, sp, &at0);
  opt_ctx o = {sp, P, noise, k0};
  double smax = 0;
  for (size_t i = 0; i < sp->n; i++) smax = fmax(smax, sp->s[i]);
  /* Scan kappa from just above kappa_min to far beyond the spectrum.  */
  enum { NSCAN = 96 };
  double ulo = log(k0 > 0 ? k0 * (1 + 1e-9) : 1e-14 * smax);
  double uhi = log(1e6 * (smax + trace_over_P(sp, P) + noise));
  if (!isfinite(uhi)) uhi = log(DBL_MAX);
  double best_u = NAN, best_E = INFINITY, prev_u = ulo, prev_N = opt_slope(ulo, &o);
  int passes = 1;
  /* Every sign change - to + of N is a local minimum; keep the lowest.  */
  for (int j = 1; j <= NSCAN; j++) {
    double u = ulo + (uhi - ulo) * j / NSCAN, N = opt_slope(u, &o);
    passes++;
    if (prev_N < 0 && N >= 0) {
      st = try_minimum(&best_u, &best_E, &passes, &o, prev_u, u);
      if (st) return st;
    }
    prev_u = u;
    prev_N = N;
  }
  /* E_g still decreasing beyond the scan (a weak signal in strong noise
     has its minimum at kappa ~ sigma^2 tr Sigma^2/(P sum v s)): go on in
     steps of 1e3 while kappa stays finite.  */
  const double step = log(1e3), umax = log(DBL_MAX) - step;
  while (prev_N < 0 && prev_u < umax) {
    double u = prev_u + step, N = opt_slope(u, &o);
    passes++;
    if (N > 0) {
      st = try_minimum(&best_u, &best_E, &passes, &o, prev_u, u);
      if (st) return st;
      break;
    }
    prev_u = u;
    prev_N = N;
  }
  double lam = 0;
  if (!(at0_ok && at0.E_g <= best_E) && isfinite(best_u))
    lam = lambda_of_kappa(&o, exp(best_u));
  else if (!at0_ok && !isfinite(best_u))
    return DEQ_ENOCONV;
  st = deq_ridge_solve(out, sp, P, lam, noise, NULL);
  out->iterations += passes;
  return st;
}
