/* features.c -- deterministic equivalent of linear random-feature ridge and
 * of deep structured Gaussian feature chains (ridge_family.md 2.2-2.4).
 *
 * The unknown is kappa = kappa_Omega; the shared df = df1^Omega(kappa) and
 *     lambda(kappa) = kappa (1 - df/P)(1 - df/N_L) prod_{l>=2} c_l(df)
 * is increasing in kappa (lambda(df) is the inverse df of the empirical
 * feature covariance, decreasing in df).  Every complement n - df is formed
 * as (n - d_max) + e with e = d_max - df computed without cancellation:
 *   d_max = rank Omega:  e = cdf1(kappa) = sum m kappa/(s+kappa)   (plain)
 *   d_max < rank Omega:  kappa = kappa0 + delta, df1(kappa0) = d_max,
 *                        e = delta sum m s/((s+kappa0)(s+kappa0+delta))
 * so that lambda = 1e-14 is as accurate as lambda = 1 (spec section 6,
 * items 2 and 4).  Newton runs on F = log lambda(kappa) - log lambda in
 * u = log kappa (or log delta), one fused pass over Omega per step; layer
 * spectra Sigma_l (l >= 2) are inverted per step (closed form when
 * isotropic).  */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "deq/features.h"
#include "deq/ridge.h"
#include "deq/solve.h"
#include "grid_impl.h"
#include "resolvent_impl.h"

#define NEWTON_ATOL 1e-7  /* in log space; the step taken after it makes
                             the error ~ (1e-7)^2 */
#define MAX_ITER 300
#define MAX_LAYERS 64

/* One layer l >= 2: its normalised spectrum and the last inverse.  */
typedef struct layer_info {
  const deq_spectrum *sp;   /* NULL: identity */
  double iso;               /* > 0: all eigenvalues equal this (closed form) */
  double n_in;              /* N_{l-1}, the dimension it acts in */
  double f;                 /* last inverse df (warm start), or NAN */
  double c, D;              /* c_l and -d log c_l/d df at the last point */
} layer_info;

typedef struct rf_ctx {
  const deq_spectrum *sp;
  const deq_rf_chain *chain;
  double P, lambda;
  double dmax;
  int bottleneck;
  double kappa0;            /* > 0: anchored variable delta = kappa - kappa0 */
  layer_info layer[MAX_LAYERS];
  size_t nlayer;            /* L - 1 */
  /* state at the last evaluation */
  deq_moments mom;
  double e;                 /* d_max - df */
  double delta;             /* kappa - kappa0 at the last anchored pass */
  double logl;              /* log lambda(kappa) */
  double dlogl;             /* d log lambda/d log kappa */
  double kappa_f, D, cP;
  int passes;
  deq_status inner;         /* failure of an inner inversion */
} rf_ctx;

/* ------------------------------------------------------------ inverse df
   kappa with df1(kappa) = d, given also comp = rank - d (INFINITY if the
   rank is infinite): near the rank the complement form cdf1 = comp is
   solved, which keeps every digit of a tiny comp.  Newton in log kappa on
   log(d/df1) or log(cdf1/comp), both close to linear.  */
typedef struct inv_ctx {
  const deq_spectrum *sp;
  double d, comp;
  int complement;
  deq_moments mom;
  int passes;
} inv_ctx;

static deq_status inv_fdf(double u, void *vp, double *f, double *df)
{
  inv_ctx *c = vp;
  deq_moments_pass(&c->mom, NULL, c->sp, exp(u), 0);
  c->passes++;
  if (c->complement) {
    *f = log(c->mom.cdf1) - log(c->comp);
    *df = c->mom.gap12 / c->mom.cdf1;
  } else {
    *f = log(c->d) - log(c->mom.df1);
    *df = c->mom.gap12 / c->mom.df1;
  }
  if (isnan(*f)) *f = c->complement ? -INFINITY : INFINITY;
  return DEQ_OK;
}

/* On success *mom holds the moments at *kappa (one Taylor step after the
   last pass).  */
static deq_status inverse_df(double *kappa, deq_moments *mom, int *passes,
                             const deq_spectrum *sp, double d, double comp,
                             double guess)
{
  inv_ctx c = {.sp = sp, .d = d, .comp = comp,
               .complement = isfinite(comp) && comp < d};
  /* df1(k) <= tr/k: the root is below tr/d.  */
  double uhi = log(sp->trace / d), ulo = uhi - 745.0;
  double u0 = (guess > 0 && isfinite(guess)) ? fmin(log(guess), uhi) : uhi;
  deq_root root;
  deq_status st = deq_solve_newton_dir(&root, inv_fdf, &c, ulo, uhi,
                                       fmax(u0, ulo), 1, 0, NEWTON_ATOL,
                                       MAX_ITER);
  *passes += c.passes;
  if (st) return st;
  *kappa = exp(root.x);
  deq_moments_shift(&c.mom, *kappa);
  *mom = c.mom;
  return DEQ_OK;
}

/* ------------------------------------------------------------ chain */

static double width(const deq_rf_chain *ch, size_t l) /* N_l, l = 1..L */
{
  return ch->width[l - 1];
}

deq_status deq_rf_chain_check(const deq_rf_chain *chain)
{
  if (!chain || chain->L == 0 || !chain->width) return DEQ_EINVAL;
  if (chain->L > MAX_LAYERS + 1) return DEQ_EUNSUP;
  for (size_t l = 0; l < chain->L; l++)
    if (!(chain->width[l] > 0)) return DEQ_EDOM;
  for (size_t l = 0; chain->layer && l + 1 < chain->L; l++) {
    const deq_spectrum *sp = chain->layer[l];
    if (!sp) continue;
    if (sp->n == 0 || !sp->s || !sp->m || !isfinite(sp->dim)) return DEQ_EINVAL;
    for (size_t i = 0; i < sp->n; i++)
      if (!(sp->s[i] > 0) || !isfinite(sp->s[i]) || !(sp->m[i] > 0))
        return DEQ_EDOM; /* S_l needs an invertible Sigma_l */
  }
  return DEQ_OK;
}

static void setup_layers(rf_ctx *c)
{
  const deq_rf_chain *ch = c->chain;
  c->nlayer = ch->L - 1;
  for (size_t j = 0; j < c->nlayer; j++) {
    layer_info *li = &c->layer[j];
    li->sp = ch->layer ? ch->layer[j] : NULL;
    li->n_in = width(ch, j + 1);
    li->f = NAN;
    li->iso = 1.0;
    if (li->sp) {
      double s0 = li->sp->s[0];
      for (size_t i = 1; i < li->sp->n && s0 > 0; i++)
        if (li->sp->s[i] != s0) s0 = 0;
      li->iso = s0; /* 0: a general spectrum */
    }
  }
}

/* n - df for a constraint n, exact when n is the bottleneck.  */
static double complement(const rf_ctx *c, double n)
{
  return isinf(n) ? INFINITY : (n - c->dmax) + c->e;
}

/* c_l and D_l = -d log c_l/d df at df, for layer info li.  */
static deq_status layer_factor(rf_ctx *c, layer_info *li, double df)
{
  double n = li->n_in, comp = complement(c, n);
  if (li->iso > 0) { /* c = a (1 - df/n), D = 1/(n - df) */
    li->c = isinf(n) ? li->iso : li->iso * (comp / n);
    li->D = 1.0 / comp;
    return DEQ_OK;
  }
  const deq_spectrum *sp = li->sp;
  double scale = sp->dim / n; /* unnormalised df of Sigma_l at df/n */
  if (isinf(n)) { /* df/n = 0: f d -> mean eigenvalue, D -> 0 */
    li->c = sp->trace / sp->dim;
    li->D = 0;
    return DEQ_OK;
  }
  if (comp <= 0) { /* df = n: f = 0 */
    li->c = 0;
    li->D = INFINITY;
    return DEQ_OK;
  }
  deq_moments m;
  double f;
  int passes = 0;
  deq_status st = inverse_df(&f, &m, &passes, sp, df * scale, comp * scale,
                             li->f);
  if (st) return st;
  li->f = f;
  li->c = f * df / n;
  /* d log f/d df = -scale/gap; d log c/d df = 1/df - scale/gap.  */
  li->D = scale / m.gap12 - 1.0 / df;
  return DEQ_OK;
}

/* log lambda, its derivative in log kappa and the derived factors, from
   c->mom and c->e.  */
static void derive(rf_ctx *c)
{
  const deq_moments *m = &c->mom;
  double df = c->e < 0.5 * c->dmax ? c->dmax - c->e : m->df1;
  double NL = width(c->chain, c->chain->L);
  double cL = complement(c, NL);
  c->cP = complement(c, c->P);
  double logl = log(m->kappa) + log(c->cP / c->P);
  double kf = m->kappa;
  double D = 1.0 / cL;
  if (isfinite(NL)) {
    logl += log(cL / NL);
    kf *= cL / NL;
  }
  for (size_t j = 0; j < c->nlayer; j++) {
    layer_info *li = &c->layer[j];
    deq_status st = layer_factor(c, li, df);
    if (st && !c->inner) c->inner = st;
    logl += log(li->c);
    kf *= li->c;
    D += li->D;
  }
  c->logl = logl;
  c->kappa_f = kf;
  c->D = D;
  /* d log lambda/d log kappa = -gap d log lambda/d df
                              = 1 + gap (1/(P - df) + D)  */
  c->dlogl = 1.0 + m->gap12 * (1.0 / c->cP + D);
}

static deq_status plain_fdf(double u, void *vp, double *f, double *df)
{
  rf_ctx *c = vp;
  deq_moments_pass(&c->mom, NULL, c->sp, exp(u), 0);
  c->passes++;
  c->e = c->mom.cdf1 + (c->sp->rank - c->dmax);
  derive(c);
  if (c->inner) return c->inner;
  *f = c->logl - log(c->lambda);
  *df = c->dlogl;
  if (isnan(*f)) *f = -INFINITY; /* e underflowed to 0 */
  return DEQ_OK;
}

static deq_status anchored_fdf(double u, void *vp, double *f, double *df)
{
  rf_ctx *c = vp;
  double A = 0, delta = exp(u), kappa = c->kappa0 + delta;
  deq_moments_pass(&c->mom, &A, c->sp, kappa, c->kappa0);
  c->passes++;
  c->delta = delta;
  c->e = delta * A;
  derive(c);
  if (c->inner) return c->inner;
  *f = c->logl - log(c->lambda);
  *df = c->dlogl * delta / kappa;
  if (isnan(*f)) *f = -INFINITY;
  return DEQ_OK;
}

/* d_max and which constraint sets it (ties: rank, then P, then layers).  */
static void find_dmax(rf_ctx *c)
{
  c->dmax = c->sp->rank;
  c->bottleneck = DEQ_RF_BOTTLENECK_RANK;
  if (c->P < c->dmax) {
    c->dmax = c->P;
    c->bottleneck = DEQ_RF_BOTTLENECK_SAMPLES;
  }
  for (size_t l = 1; l <= c->chain->L; l++)
    if (width(c->chain, l) < c->dmax) {
      c->dmax = width(c->chain, l);
      c->bottleneck = (int)l;
    }
}

/* var_features = E_g - E_cross at the interpolation peak (lambda = 0,
   d_max = rank Omega = P), where both diverge.  Since gamma = 1 - (1 -
   gamma), E_g - E_cross = sigma^2 [1/(1-gamma) - 1/(1-gamma_c)] + O(kappa)
   = sigma^2 P D gap^2/((1 + gap D)(P - df + rho gap)(P - df + gap)), and
   P - df = cdf1 ~ gap ~ kappa sum m/s as kappa -> 0: the limit is
   sigma^2 P D/4, with D = -d log kappa_f/d df + d log kappa/d df at d_max
   (0 without feature layers: ridge).  D = +Inf (a width equal to P, where
   rho -> 1/2) keeps the difference divergent.  */
static double peak_var_features(const rf_ctx *c, double s2)
{
  if (!(s2 > 0)) return 0.0;
  return isinf(c->D) ? INFINITY : s2 * c->P * c->D / 4.0;
}

/* var_features = E_g - E_cross as a sum of non-negative terms, so that a
   variance small against E_g (rho -> 1: M >> d_max, or lambda -> 0 with
   the rank as the bottleneck) keeps its digits; the difference lost them
   all (ridge_family.md 2.3).  With a = P (1 - gamma) = (P - df) + rho gap,
   c = P (1 - gamma_c) = (P - df) + gap, so c - a = (1 - rho) gap, and
   E_pop = B + (1 - rho) W, W = kappa t1 - B = sum v s kappa/(s+kappa)^2:
       E_g - E_cross = P (1 - rho)/a [(B + sigma^2) gap/c + W].
   a = 0 or c = 0 (lambda = 0 at a rank or width equal to P) keeps the
   divergent forms and the peak limit.  */
static double var_features(rf_ctx *c, const deq_rf_point *out,
                           double rho, double one_minus_rho)
{
  const deq_moments *m = &c->mom;
  double s2 = out->noise, gap = m->gap12;
  double a = c->cP + rho * gap, cc = c->cP + gap;
  if (!(a > 0 && cc > 0)) {
    if (isinf(out->E_g) && isinf(out->E_cross))
      return peak_var_features(c, s2);
    return out->E_g - out->E_cross;
  }
  if (one_minus_rho == 0) return 0.0;
  /* kappa t1 - B keeps its digits while B <= kappa t1/2; beyond, one
     more pass sums W directly */
  double kt = m->kappa * m->t1, W = kt - m->bias;
  if (!(2 * m->bias <= kt)) {
    W = deq_moments_signal_gap(c->sp, m->kappa);
    c->passes++;
  }
  return c->P * one_minus_rho / a * ((m->bias + s2) * (gap / cc) + W);
}

/* Fill the point from the state at the solution.  */
static deq_status fill_point(deq_rf_point *out, rf_ctx *c)
{
  const deq_moments *m = &c->mom;
  double P = c->P, s2 = out->noise;
  double df = c->e < 0.5 * c->dmax ? c->dmax - c->e : m->df1;
  double gap = m->gap12;
  out->kappa = m->kappa;
  out->kappa_f = c->kappa_f;
  out->df = df;
  out->df2 = m->df2;
  out->t1 = m->t1;
  out->B = m->bias;
  /* rho = 1/(1 + gap D); D = Inf (a width bottleneck at lambda = 0) is 0. */
  double rho = isinf(c->D) ? 0.0 : 1.0 / (1.0 + gap * c->D);
  /* 1 - rho without cancellation: rho -> 1 when N < M, P and lambda -> 0 */
  double one_minus_rho = isinf(c->D) ? 1.0 : gap * c->D / (1.0 + gap * c->D);
  out->rho = rho;
  /* kappa t1 = sum v kappa/(s+kappa) -> 0 at kappa = 0, where t1 = sum
     v/s may be +Inf (subnormal eigenvalues): the limit, not 0 Inf */
  double kappa_t1 = m->kappa > 0 ? m->kappa * m->t1 : 0.0;
  out->E_pop = one_minus_rho * kappa_t1 + rho * m->bias;
  out->df2_A = df - rho * gap;
  out->gamma = out->df2_A / P;
  out->one_minus_gamma = (c->cP + rho * gap) / P;
  out->gamma_c = m->df2 / P;
  double omg_c = (c->cP + gap) / P;
  deq_status st = DEQ_OK;
  double num = out->E_pop + s2 * out->gamma;
  if (out->one_minus_gamma > 0) {
    out->E_g = num / out->one_minus_gamma;
  } else {  /* interpolation peak at lambda = 0 */
    out->E_g = num > 0 ? INFINITY : 0.0;
    st = DEQ_EDIVERGE;
  }
  if (omg_c > 0) {
    out->bias = m->bias / omg_c;
    out->var_noise = s2 * out->gamma_c / omg_c;
  } else {
    out->bias = 0; /* B = O(kappa) -> 0 at the rank */
    out->var_noise = s2 > 0 ? INFINITY : 0.0;
    st = DEQ_EDIVERGE;
  }
  out->E_cross = out->bias + out->var_noise;
  out->var_features = var_features(c, out, rho, one_minus_rho);
  out->E_test = out->E_g + s2;
  double r = c->cP / P;
  out->E_tr = r == 0 ? 0.0 : r * r * out->E_test;
  out->gcv = out->E_test;
  return st;
}

static deq_status check_args(const deq_rf_point *out, const deq_spectrum *sp,
                             const deq_rf_chain *chain, double P,
                             double lambda, double noise)
{
  if (!out || !sp || sp->n == 0) return DEQ_EINVAL;
  deq_status st = deq_rf_chain_check(chain);
  if (st) return st;
  if (!(P > 0) || !isfinite(P)) return DEQ_EDOM;
  if (!(lambda >= 0) || !isfinite(lambda)) return DEQ_EDOM;
  if (!(noise >= 0) || !isfinite(noise)) return DEQ_EDOM;
  return DEQ_OK;
}

/* kappa0 (anchor) when d_max < rank; c->mom then holds its moments.  */
static deq_status solve_anchor(rf_ctx *c, const deq_rf_point *w)
{
  if (!(c->dmax < c->sp->rank)) {
    c->kappa0 = 0;
    return DEQ_OK;
  }
  if (w && w->status == DEQ_OK && w->df_max == c->dmax && w->kappa0 > 0) {
    c->kappa0 = w->kappa0; /* same d_max: reuse along a lambda grid */
    return DEQ_OK;
  }
  double guess = w && w->kappa0 > 0 ? w->kappa0 : NAN;
  return inverse_df(&c->kappa0, &c->mom, &c->passes, c->sp, c->dmax,
                    c->sp->rank - c->dmax, guess);
}

/* lambda = 0: kappa = kappa0 (or 0 at the rank), e = 0.  */
static deq_status solve_ridgeless(rf_ctx *c)
{
  if (c->kappa0 > 0) {
    if (c->mom.kappa != c->kappa0) {
      deq_moments_pass(&c->mom, NULL, c->sp, c->kappa0, 0);
      c->passes++;
    }
  } else {
    deq_status st = deq_resolvent_moments(&c->mom, c->sp, 0);
    if (st) return st;
  }
  c->e = 0;
  derive(c);
  return c->inner;
}

/* Upper end of the bracket: lambda(hi) >= lambda.  With isotropic layers
   lambda(kappa) >= kappa - tr (1/P + sum 1/N_l), so hi below is enough;
   otherwise it is checked and widened.  */
static deq_status upper_bound(rf_ctx *c, double *hi)
{
  double sum = 1.0 / c->P;
  for (size_t l = 1; l <= c->chain->L; l++) sum += 1.0 / width(c->chain, l);
  *hi = c->lambda + c->sp->trace * sum;
  if (c->kappa0 > 0 && !(*hi > c->kappa0)) *hi = 2 * c->kappa0;
  int general = 0;
  for (size_t j = 0; j < c->nlayer; j++) general |= !(c->layer[j].iso == 1.0);
  if (!general) return DEQ_OK;
  for (int i = 0; i < 200; i++) {
    double f, df;
    deq_status st = c->kappa0 > 0
        ? anchored_fdf(log(*hi - c->kappa0), c, &f, &df)
        : plain_fdf(log(*hi), c, &f, &df);
    if (st) return st;
    if (f >= 0) return DEQ_OK;
    *hi = c->kappa0 + 8.0 * (*hi - c->kappa0);
  }
  return DEQ_ENOCONV;
}

static deq_status solve_positive(rf_ctx *c, double guess)
{
  double hi;
  deq_status st = upper_bound(c, &hi);
  if (st) return st;
  double k0 = c->kappa0, xhi = log(hi - k0);
  double x0 = (guess > k0 && guess < hi) ? log(guess - k0) : xhi;
  deq_root root;
  st = deq_solve_newton_dir(&root, k0 > 0 ? anchored_fdf : plain_fdf, c,
                            xhi - 745.0, xhi, x0, 1, 0, NEWTON_ATOL, MAX_ITER);
  if (c->inner) return c->inner;
  if (st) return st;
  /* Move the state to the root by one Taylor step (the last step was
     < 1e-7 in log kappa): de = -d df = gap dkappa/kappa.  */
  double x = exp(root.x), kappa = k0 + x;
  /* h in the solve variable: kappa0 + delta has lost delta's low digits */
  double h = k0 > 0 ? x - c->delta : x - c->mom.kappa;
  c->e += c->mom.gap12 * h / c->mom.kappa;
  deq_moments_shift(&c->mom, kappa);
  derive(c);
  c->mom.kappa = kappa;
  return c->inner;
}

/* Starting guess: a solved neighbour's kappa.  */
static double predict_kappa(const deq_rf_point *w)
{
  if (!w || w->status != DEQ_OK || !(w->kappa > 0)) return NAN;
  return w->kappa;
}

/* Infinitely wide identity layers only: the features change nothing and
   the model is plain ridge.  */
static int chain_is_ridge(const deq_rf_chain *ch)
{
  for (size_t l = 0; l < ch->L; l++)
    if (!isinf(ch->width[l])) return 0;
  for (size_t l = 0; ch->layer && l + 1 < ch->L; l++)
    if (ch->layer[l]) return 0;
  return 1;
}

/* The rf point of plain ridge r: rho = 1, kappa_f = kappa, df2_A = df2,
   E_pop = B, E_cross = E_g, var_features = 0.  t1 and B need one pass at
   kappa (ridge does not report them).  */
static deq_status rf_from_ridge(deq_rf_point *out, const deq_spectrum *sp,
                                const deq_ridge_point *r)
{
  deq_moments m;
  deq_status st = deq_resolvent_moments(&m, sp, r->kappa);
  if (st) return st;
  int under = !(sp->rank > r->P);
  out->kappa = r->kappa;
  out->kappa0 = r->kappa0;
  out->kappa_f = r->kappa;
  out->df = r->df1;
  out->df_max = under ? sp->rank : r->P;
  out->bottleneck = under ? DEQ_RF_BOTTLENECK_RANK : DEQ_RF_BOTTLENECK_SAMPLES;
  out->df2 = r->df2;
  out->rho = 1;
  out->df2_A = r->df2;
  out->gamma = out->gamma_c = r->gamma;
  out->one_minus_gamma = r->one_minus_gamma;
  out->t1 = m.t1;
  out->B = r->status == DEQ_EDIVERGE ? 0.0 : m.bias;
  out->E_pop = out->B;
  out->bias = r->bias;
  out->var_noise = r->variance;
  out->var_features = 0;
  out->E_g = out->E_cross = r->E_g;
  out->E_test = r->E_test;
  out->E_tr = r->E_tr;
  out->gcv = r->gcv;
  out->iterations = r->iterations + 1;
  out->residual = r->residual;
  out->status = r->status;
  return r->status;
}

deq_status deq_rf_solve(deq_rf_point *out, const deq_spectrum *omega,
                        const deq_rf_chain *chain, double P, double lambda,
                        double noise, const deq_rf_point *warm)
{
  deq_status st = check_args(out, omega, chain, P, lambda, noise);
  if (st) {
    if (out) out->status = st;   /* a grid point carries its own status */
    return st;
  }
  deq_rf_point w = {0};
  if (warm) w = *warm; /* warm may alias out */
  const deq_rf_point *wp = warm ? &w : NULL;
  memset(out, 0, sizeof *out);
  out->P = P;
  out->lambda = lambda;
  out->noise = noise;
  if (chain_is_ridge(chain)) {
    deq_ridge_point r;
    st = deq_ridge_solve(&r, omega, P, lambda, noise, NULL);
    if (st == DEQ_OK || st == DEQ_EDIVERGE) st = rf_from_ridge(out, omega, &r);
    out->status = st;
    return st;
  }
  rf_ctx *c = calloc(1, sizeof *c);
  if (!c) return DEQ_ENOMEM;
  c->sp = omega;
  c->chain = chain;
  c->P = P;
  c->lambda = lambda;
  setup_layers(c);
  find_dmax(c);
  st = solve_anchor(c, wp);
  if (!st) {
    if (lambda == 0) {
      st = solve_ridgeless(c);
    } else {
      st = solve_positive(c, predict_kappa(wp));
    }
  }
  out->kappa0 = c->kappa0;
  out->df_max = c->dmax;
  out->bottleneck = c->bottleneck;
  if (!st) {
    st = fill_point(out, c);
    out->residual = lambda > 0 ? fabs(c->logl - log(lambda)) : 0;
  }
  out->iterations = c->passes;
  out->status = st;
  free(c);
  return st;
}

deq_status deq_rf_solve1(deq_rf_point *out, const deq_spectrum *omega,
                         double M, double P, double lambda, double noise,
                         const deq_rf_point *warm)
{
  deq_rf_chain ch = {1, &M, NULL};
  return deq_rf_solve(out, omega, &ch, P, lambda, noise, warm);
}

/* ------------------------------------------------------------ grid */
typedef struct rf_grid_ctx {
  const deq_spectrum *omega;
  const deq_rf_chain *chain;
  double noise;
} rf_grid_ctx;

static deq_status rf_grid_point(void *point, const void *ctx, void *ws,
                                const double *x, const void *warm,
                                deq_error *err)
{
  (void)ws;
  (void)err;
  const rf_grid_ctx *c = ctx;
  return deq_rf_solve(point, c->omega, c->chain, x[0], x[1], c->noise, warm);
}

deq_status deq_rf_grid(deq_rf_point *out, const deq_spectrum *omega,
                       const deq_rf_chain *chain, const double *P, size_t nP,
                       const double *lambda, size_t nlambda, double noise)
{
  if (!out || !omega || !P || !lambda || nP == 0 || nlambda == 0)
    return DEQ_EINVAL;
  rf_grid_ctx c = { omega, chain, noise };
  deq_model_axis axes[2] = { { P, nP }, { lambda, nlambda } };
  deq_grid_spec g = { .point_size = sizeof *out, .naxes = 2, .warm_axes = 2,
                      .axes = axes, .ctx = &c, .solve = rf_grid_point,
                      .chunk = DEQ_GRID_CHUNK };
  return deq_grid_run(out, &g, NULL);
}
