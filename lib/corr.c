/* corr.c -- the deterministic equivalent of ridge with correlated samples.
 *
 * The coupled fixed point df = df1^S(kappa) = df1^K(kappa_K),
 * lambda = kappa kappa_K df/P is solved in the shared df: lambda(df) is
 * strictly decreasing on (0, d_max), d_max = min(rank Sigma, rank K).  The
 * outer unknown is u = log df when the root lies in the lower half of
 * (0, d_max), and u = log(d_max - df) in the upper half, so that the
 * ridgeless end (df -> d_max, lambda -> 0) keeps full relative accuracy:
 * the side whose rank is d_max inverts its df in the complement form
 * cdf1(k) = rank - df, which has no cancellation.  F(u) = log lambda(df)
 * - log lambda is close to linear in u at both ends; safeguarded Newton
 * with the implicit derivative d log kappa/d df = -1/(df1 - df2).
 *
 * Risks use cancellation-free forms (a = df1^S - df2^S, b = df1^K - df2^K):
 *   1 - gamma = (a df2^K + b df)/df^2,
 *   iid training-noise bracket: (c_P b df2^S + e df a)/(P D) with
 *   c_P = P - df, e = c_P - b, D = a df2^K + b df,
 * and K-side sums divided by kappa_K (r1 = cdf1/kappa_K, r2 = b/kappa_K,
 * r3 = e/kappa_K^2 for a full-rank K), finite at kappa_K = 0.  */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "deq/corr.h"
#include "corr_impl.h"
#include "deq/ridge.h"
#include "deq/solve.h"
#include "grid_impl.h"
#include "resolvent_impl.h"
#include "spectrum_rule_impl.h"

#define INNER_ATOL 1e-10   /* last Newton step in log kappa: error ~1e-20 */
#define OUTER_ATOL 1e-11
#define MAX_ITER 200
#define RANK_TOL 1e-9      /* ranks this close (relative) are equal */

/* ------------------------------------------------------------ one side */

typedef struct side {
  const deq_spectrum *sp;
  double rank;        /* sp->rank (finite or +inf) */
  double offset;      /* rank - d_max (0 for a limiting side, inf if rank
                         is infinite) */
  double kappa;       /* last solution (warm start), 0 if none */
  deq_moments mom;    /* moments at kappa */
  int passes;
} side;

typedef struct inv_ctx {
  side *s;
  double d, cc;       /* target df and rank - df */
  int complement;
} inv_ctx;

static deq_status inv_fdf(double u, void *vp, double *f, double *df)
{
  inv_ctx *c = vp;
  deq_moments_pass(&c->s->mom, NULL, c->s->sp, exp(u), 0);
  c->s->passes++;
  const deq_moments *m = &c->s->mom;
  if (c->complement) {
    *f = log(m->cdf1) - log(c->cc);
    *df = m->gap12 / m->cdf1;
  } else {
    *f = log(c->d) - log(m->df1);
    *df = m->gap12 / m->df1;
  }
  if (isnan(*f)) *f = c->complement ? -INFINITY : INFINITY;
  if (!isfinite(*df)) *df = NAN;
  return DEQ_OK;
}

/* kappa > 0 with df1(kappa) = d, given cc = rank - d accurately (used when
   d > rank/2).  On return s->kappa and s->mom are at the root.  */
static deq_status side_inverse(side *s, double d, double cc)
{
  const deq_spectrum *sp = s->sp;
  inv_ctx c = { s, d, cc, isfinite(s->rank) && d > 0.5 * s->rank };
  /* df1(k) <= tr/k, so the root is <= tr/d; cdf1(k) <= k sum m/s puts it
     above cc/sum(m/s) in the complement form.  */
  double uhi = log(sp->trace) - log(d) + 1e-12, ulo = uhi - 700.0;
  if (uhi > log(DBL_MAX)) return DEQ_EUNSUP;   /* kappa beyond DBL_MAX */
  if (c.complement) {
    long double sinv = 0;   /* long double: 1/s overflows a double for
                               subnormal eigenvalues */
    for (size_t i = 0; i < sp->n; i++)
      if (sp->s[i] > 0) sinv += sp->m[i] / (long double)sp->s[i];
    double lo = log(cc) - (double)logl(sinv) - 1e-12;
    if (isfinite(lo) && lo < uhi) ulo = lo;   /* the root is above it */
  }
  double u0 = s->kappa > 0 ? log(s->kappa) : uhi;
  u0 = fmin(fmax(u0, ulo), uhi);
  deq_root root;
  deq_status st = deq_solve_newton_dir(&root, inv_fdf, &c, ulo, uhi, u0, 1,
                                       0, INNER_ATOL, MAX_ITER);
  if (st) return st;
  s->kappa = exp(root.x);
  deq_moments_shift(&s->mom, s->kappa);
  return DEQ_OK;
}

/* ------------------------------------------------------------ outer solve */

enum { VAR_DF = 0, VAR_COMPLEMENT = 1 };

typedef struct corr_ctx {
  side S, K;
  double P, lambda, dmax;
  int var;
  double df, cm;      /* df and d_max - df at the last evaluation */
  int evals;
  deq_status inner;   /* first inner failure */
} corr_ctx;

/* Both inversions at a df given as (df, d_max - df).  */
static deq_status invert_both(corr_ctx *c, double df, double cm)
{
  side *sd[2] = { &c->S, &c->K };
  for (int i = 0; i < 2; i++) {
    side *s = sd[i];
    double cc = isfinite(s->rank) ? (c->var == VAR_COMPLEMENT
                                     ? s->offset + cm : s->rank - df)
                                  : INFINITY;
    deq_status st = side_inverse(s, df, cc);
    if (st) return st;
  }
  c->df = df;
  c->cm = cm;
  return DEQ_OK;
}

static deq_status outer_fdf(double u, void *vp, double *f, double *dfu)
{
  corr_ctx *c = vp;
  double x = exp(u);
  double df = c->var == VAR_DF ? x : c->dmax - x;
  double cm = c->var == VAR_DF ? c->dmax - x : x;
  c->evals++;
  deq_status st = invert_both(c, df, cm);
  if (st) {
    c->inner = st;
    return st;
  }
  double gS = c->S.mom.gap12, gK = c->K.mom.gap12;
  *f = log(c->S.kappa) + log(c->K.kappa) + log(df) - log(c->P)
       - log(c->lambda);
  double slope = 1.0 / df - 1.0 / gS - 1.0 / gK; /* d F/d df < 0 */
  *dfu = c->var == VAR_DF ? x * slope : -x * slope;
  return DEQ_OK;
}

static double F_at(corr_ctx *c, double u, deq_status *st)
{
  double f, d;
  *st = outer_fdf(u, c, &f, &d);
  return f;
}

/* Solve for lambda > 0; on success c->S, c->K, c->df, c->cm are at the
   root.  warm_df > 0 is a starting guess.  */
static deq_status solve_positive(corr_ctx *c, double warm_df, double *resid)
{
  deq_status st;
  double umid = log(0.5 * c->dmax);
  c->var = VAR_DF;
  double fmid = F_at(c, umid, &st);
  if (st) return st;
  /* F decreasing in df: F(mid) > 0 puts the root above the middle.  */
  c->var = fmid > 0 ? VAR_COMPLEMENT : VAR_DF;
  int dir = c->var == VAR_DF ? -1 : 1;
  /* dir * F(hi) >= 0 at hi = umid; find lo below it with dir * F(lo) <= 0,
     stepping down geometrically.  A warm start narrows the search.  */
  double uhi = umid, ulo = NAN, step = 7.0;
  if (warm_df > 0 && warm_df < c->dmax) {
    double x = c->var == VAR_DF ? warm_df : c->dmax - warm_df;
    if (x > 0 && log(x) < umid) {
      double f0 = F_at(c, log(x), &st);
      if (st) return st;
      if (dir * f0 <= 0) ulo = log(x);
      else uhi = log(x);
      step = 0.5;
    }
  }
  /* The smallest df the search tries (a huge lambda puts the root far
     down; doubling steps must not overshoot the double range): DBL_MIN,
     and no lower than keeps both kappas, at most tr/df, below DBL_MAX.  */
  const double umin = fmax(log(DBL_MIN),
                           fmax(log(c->S.sp->trace), log(c->K.sp->trace))
                           - log(DBL_MAX) + 1e-6);
  for (int i = 0; isnan(ulo); i++) {
    double u = fmax(uhi - step, umin);
    if (i > 80 || uhi <= umin) return DEQ_ENOCONV;
    double f = F_at(c, u, &st);
    if (st) return st;
    if (dir * f <= 0) ulo = u;
    else uhi = u;
    step *= 2;
  }
  deq_root root;
  double u0 = 0.5 * (ulo + uhi);
  st = deq_solve_newton_dir(&root, outer_fdf, c, ulo, uhi, u0, dir, 0,
                            OUTER_ATOL, MAX_ITER);
  if (st) return c->inner ? c->inner : st;
  *resid = fabs(root.f);
  /* Re-evaluate at the returned root (one Newton step past the last).  */
  double x = exp(root.x);
  return invert_both(c, c->var == VAR_DF ? x : c->dmax - x,
                     c->var == VAR_DF ? c->dmax - x : x);
}

/* ------------------------------------------------------------ risks */

/* K-side sums at kappa_K >= 0 over atoms with s > 0, kept in long double:
   at a huge lambda (kappa_K ~ P/df ~ 1e300) r2 and r3 are below the
   double range while the risks built from them are of order 1.  */
typedef struct ksums {
  long double df1, df2, r1, r2, r3;
} ksums;

static ksums k_sums(const deq_spectrum *K, double k)
{
  long double df1 = 0, df2 = 0, r1 = 0, r2 = 0, r3 = 0;
  deq_atoms a = deq_sum_atoms(K); /* resolvent type at k >= 0 */
  for (size_t i = 0; i < a.n; i++) {
    long double s = a.s[i], m = a.m[i];
    if (s <= 0) continue;
    long double q = 1.0L / (s + k);
    df1 += m * s * q;
    df2 += m * s * s * q * q;
    r1 += m * q;
    r2 += m * s * q * q;
    r3 += m * q * q;
  }
  ksums r = { df1, df2, r1, r2, r3 };
  return r;
}

/* Fill out from the fixed point (kappa, kappa_K, df, cm = d_max - df).
   Sigma's moments at kappa in *mS.  */
static void fill_point(deq_corr_point *out, const deq_moments *mS,
                       const deq_spectrum *K, double kappa, double kK,
                       double df_, double P_)
{
  /* Long double throughout: df^2, r2 and kappa_K^2 r2 leave the double
     range at a huge lambda (df ~ 1e-298) while every result is finite.  */
  ksums ks = k_sums(K, kK);
  long double s2 = out->noise, df = df_, P = P_, k = kK;
  long double def = P - K->rank;            /* rank deficit of K */
  if (fabsl(def) <= RANK_TOL * P) def = 0;
  long double a = mS->gap12, d2S = mS->df2, b = k * ks.r2, d2K = ks.df2;
  long double D = a * d2K + b * df;
  long double cP = def + k * ks.r1;         /* P - df */
  long double omg = D / (df * df);
  long double bias = mS->bias / omg;
  long double gamma = d2S * d2K / (df * df);
  long double E_g, E_test = (mS->bias + s2) / omg;   /* noise K; iid below */
  long double red, extra = 0;
  /* E_tr = kK^2 red + extra, with extra = 0 for a full-rank K.  */
  if (out->model == DEQ_CORR_NOISE_K) {
    E_g = (mS->bias + s2 * gamma) / omg;
    red = ks.r2 / P * E_test;
  } else {
    E_g = bias + s2 * d2S * ks.r2 / D;
    E_test = E_g + s2;
    red = ks.r2 / P * bias
          + s2 * (ks.r1 * ks.r2 * d2S + ks.r3 * df * a) / (P * D);
    if (def > 0) extra = s2 * def * (k * ks.r2 * d2S + df * a) / (P * D);
  }
  long double E_tr = k * k * red + extra;
  out->kappa = kappa;
  out->kappa_K = kK;
  out->df1 = df_;
  out->df2 = mS->df2;
  out->df2_K = (double)d2K;
  out->gamma = (double)gamma;
  out->one_minus_gamma = (double)omg;
  out->dkappa_dlambda = (double)(P * ks.r2 / D);
  out->B = mS->bias;
  out->bias = (double)bias;
  out->E_g = (double)E_g;
  out->E_test = (double)E_test;
  out->train_ratio = (double)(k * k * ks.r2 / P);
  out->var_noise = (double)(E_g - bias);
  out->E_tr = (double)E_tr;
  if (def == 0) {
    out->gcv = (double)(P * P * red / (ks.r1 * ks.r1));
    out->corrgcv = (double)(P * red / ks.r2);
  } else {
    out->gcv = (double)(P * P * E_tr / (cP * cP));
    out->corrgcv = extra > 0 && kK == 0 ? INFINITY
                   : (double)(P * red / ks.r2
                              + (extra > 0 ? P * extra / (k * k * ks.r2) : 0));
  }
}

/* lambda = 0 with rank Sigma = rank K: the variance diverges.  Every
   field is its lambda -> 0 limit (+Inf where that diverges), never NaN.
   kappa, kappa_K, a, b -> 0 at the same rate, so B/(1 - gamma) = O(kappa)
   -> 0 and the iid extra term of E_tr tends to sigma^2 def/P (def = P -
   rank K: the noise outside K's range); the rest of E_tr is O(kappa_K).
   The fit interpolates inside K's range: E_tr, train_ratio -> 0 there.  */
static deq_status fill_peak(deq_corr_point *out, double rank)
{
  double s2 = out->noise, P = out->P;
  double def = P - rank;
  if (fabs(def) <= RANK_TOL * P) def = 0;
  double inf_or_0 = s2 > 0 ? INFINITY : 0.0;
  out->kappa = out->kappa_K = 0;
  out->df = out->df2 = out->df2_K = rank;
  out->gamma = 1;
  out->one_minus_gamma = 0;
  out->dkappa_dlambda = INFINITY;
  out->B = out->bias = 0;
  out->variance = out->E_g = inf_or_0;
  out->E_test = out->E_g + s2;
  out->train_ratio = 0;
  int iid_outside = out->model == DEQ_CORR_NOISE_IID && def > 0;
  out->E_tr = iid_outside ? s2 * def / P : 0.0;
  /* gcv_naive = E_tr/(1 - df/P)^2: E_test times a finite factor when K
     has full rank (for K = I exactly E_test, the ridge GCV limit).  */
  out->gcv_naive = def == 0 ? out->E_test : P * P * out->E_tr / (def * def);
  out->corrgcv = inf_or_0;
  return DEQ_EDIVERGE;
}

/* K = I exactly (every atom at 1, full rank): the model is plain ridge,
   and the point is deq_ridge_solve's, field by field.  */
static int is_identity(const deq_spectrum *K)
{
  for (size_t i = 0; i < K->n; i++)
    if (K->s[i] != 1.0) return 0;
  return K->rank == K->dim;
}

/* The corr point of plain ridge r (K = I): kappa_K = (P - df)/df, i.e.
   P lambda/(kappa df) for lambda > 0; lambda/kappa = kappa_K df/P is the
   ratio E_tr/E_test = (lambda/kappa)^2 of ridge.  */
static void from_ridge(deq_corr_point *out, const deq_ridge_point *r)
{
  double P = r->P, df = r->df1;
  double ratio = r->lambda > 0 ? r->lambda / r->kappa
                 : (r->kappa0 > 0 ? 0.0 : (P - df) / P);
  if (r->status == DEQ_EDIVERGE) ratio = 0;
  out->kappa = r->kappa;
  out->kappa_K = ratio * P / df;
  out->df = df;
  out->df2 = r->df2;
  out->df2_K = df * df / P;
  out->gamma = r->gamma;
  out->one_minus_gamma = r->one_minus_gamma;
  out->dkappa_dlambda = r->dkappa_dlambda;
  out->B = r->bias * r->one_minus_gamma;
  out->bias = r->bias;
  out->variance = r->variance;
  out->E_g = r->E_g;
  out->E_test = r->E_test;
  out->E_tr = r->E_tr;
  out->train_ratio = ratio * ratio;
  out->gcv_naive = out->corrgcv = r->gcv;
  out->iterations = r->iterations;
  out->residual = r->residual;
  out->status = r->status;
}

static deq_status check_args(const deq_corr_point *out, const deq_spectrum *sp,
                             const deq_spectrum *K, double lambda,
                             double noise, deq_corr_noise model)
{
  if (!out || !sp || !K || sp->n == 0 || K->n == 0) return DEQ_EINVAL;
  if (model != DEQ_CORR_NOISE_K && model != DEQ_CORR_NOISE_IID)
    return DEQ_EINVAL;
  if (!(K->dim > 0) || !isfinite(K->dim) || !(K->rank > 0)) return DEQ_EDOM;
  if (!(lambda >= 0) || !isfinite(lambda)) return DEQ_EDOM;
  if (!(noise >= 0) || !isfinite(noise)) return DEQ_EDOM;
  if (!(sp->trace > 0) || !isfinite(sp->trace)) return DEQ_EDOM;
  return DEQ_OK;
}

/* lambda = 0: the side with the smaller rank is saturated (kappa = 0).  */
static deq_status solve_ridgeless(corr_ctx *c)
{
  side *lim = c->S.offset == 0 ? &c->S : &c->K;
  side *oth = lim == &c->S ? &c->K : &c->S;
  deq_status st = deq_resolvent_moments(&lim->mom, lim->sp, 0);
  if (st) return st;
  lim->kappa = 0;
  c->var = VAR_COMPLEMENT;
  st = side_inverse(oth, c->dmax, oth->offset);
  if (st) return st;
  c->df = c->dmax;
  return DEQ_OK;
}

deq_status deq_corr_solve(deq_corr_point *out, const deq_spectrum *sp,
                          const deq_spectrum *K, double lambda, double noise,
                          deq_corr_noise model, const deq_corr_point *warm)
{
  deq_status st = check_args(out, sp, K, lambda, noise, model);
  if (st) {
    if (out) out->status = st;   /* a grid point carries its own status */
    return st;
  }
  deq_corr_point w = { 0 };
  if (warm) w = *warm;   /* warm may alias out */
  memset(out, 0, sizeof *out);
  out->P = K->dim;
  out->lambda = lambda;
  out->noise = noise;
  out->model = model;
  if (is_identity(K)) {
    deq_ridge_point r;
    st = deq_ridge_solve(&r, sp, K->dim, lambda, noise, NULL);
    if (st != DEQ_OK && st != DEQ_EDIVERGE) {
      out->status = st;
      return st;
    }
    from_ridge(out, &r);
    return st;
  }
  corr_ctx c = { .P = K->dim, .lambda = lambda };
  c.S = (side){ .sp = sp, .rank = sp->rank };
  c.K = (side){ .sp = K, .rank = K->rank };
  c.dmax = fmin(sp->rank, K->rank);
  int equal = isfinite(sp->rank)
              && fabs(sp->rank - K->rank) <= RANK_TOL * c.dmax;
  c.S.offset = equal ? 0 : sp->rank - c.dmax;
  c.K.offset = equal ? 0 : K->rank - c.dmax;
  int usable = warm && w.status == DEQ_OK && w.P == out->P;
  if (usable) {
    c.S.kappa = w.kappa;
    c.K.kappa = w.kappa_K;
  }
  double resid = 0;
  if (lambda == 0 && equal) {
    st = fill_peak(out, c.dmax);
  } else {
    st = lambda == 0 ? solve_ridgeless(&c)
                     : solve_positive(&c, usable ? w.df : 0, &resid);
    if (!st) {
      if (c.S.kappa == 0) deq_resolvent_moments(&c.S.mom, sp, 0);
      fill_point(out, &c.S.mom, K, c.S.kappa, c.K.kappa, c.df, c.P);
    }
  }
  out->iterations = c.evals;
  out->residual = resid;
  out->status = st;
  return st;
}

/* ------------------------------------------------------------ grid */

typedef struct corr_grid_ctx {
  const deq_spectrum *sp, *K;
  double noise;
  deq_corr_noise model;
} corr_grid_ctx;

static deq_status corr_grid_point(void *point, const void *ctx, void *ws,
                                  const double *x, const void *warm,
                                  deq_error *err)
{
  (void)ws;
  (void)err;
  const corr_grid_ctx *c = ctx;
  return deq_corr_solve(point, c->sp, c->K, x[0], c->noise, c->model, warm);
}

deq_status deq_corr_grid(deq_corr_point *out, const deq_spectrum *sp,
                         const deq_spectrum *K, const double *lambda,
                         size_t nlambda, double noise, deq_corr_noise model)
{
  if (!out || !lambda || nlambda == 0) return DEQ_EINVAL;
  corr_grid_ctx c = { sp, K, noise, model };
  deq_model_axis axis = { lambda, nlambda };
  deq_grid_spec g = { .point_size = sizeof *out, .naxes = 1, .warm_axes = 1,
                      .axes = &axis, .ctx = &c, .solve = corr_grid_point,
                      .chunk = DEQ_GRID_CHUNK };
  return deq_grid_run(out, &g, NULL);
}

/* ------------------------------------------------------------ CorrGCV */

deq_status deq_corr_kappa_K(double *kappa_K, double *b,
                            const deq_spectrum *K, double df, double cdf)
{
  if (!kappa_K || !b || !K || K->n == 0) return DEQ_EINVAL;
  if (!(df > 0) || !(df <= K->rank) || !(cdf > 0)) return DEQ_EDOM;
  side s = { .sp = K, .rank = K->rank };
  deq_status st = side_inverse(&s, df, cdf);
  if (st) return st;
  long double k = s.kappa, r2 = 0;
  deq_atoms a = deq_sum_atoms(K); /* resolvent type at k >= 0 */
  for (size_t i = 0; i < a.n; i++) {
    long double si = a.s[i];
    if (si > 0) r2 += a.m[i] * si / ((si + k) * (si + k));
  }
  *kappa_K = s.kappa;
  *b = (double)(k * r2);
  return DEQ_OK;
}

deq_status deq_corr_gcv_factor(double *factor, double *kappa_K,
                               const deq_spectrum *K, double df)
{
  if (!factor || !K || K->n == 0) return DEQ_EINVAL;
  if (!(df > 0) || !(df < K->rank)) return DEQ_EDOM;
  double kK, b;
  deq_status st = deq_corr_kappa_K(&kK, &b, K, df, K->rank - df);
  if (st) return st;
  *factor = K->dim / (kK * b);
  if (kappa_K) *kappa_K = kK;
  return DEQ_OK;
}

/* ------------------------------------------------------------ forecasting */

struct deq_corr_forecast {
  deq_corr_kind kind;
  size_t P, tau;
  double rho;        /* AR1 */
  double s2;         /* 1 - k_*' K^-1 k_* */
  double *alpha;     /* K^-1 k_* (P) */
  double *lam;       /* ACF: eigenvalues of K (P) */
  double *beta2;     /* ACF: (U' alpha)_j^2 (P) */
};

void deq_corr_forecast_free(deq_corr_forecast *f)
{
  if (!f) return;
  free(f->alpha);
  free(f->lam);
  free(f->beta2);
  free(f);
}

/* ACF: alpha by Cholesky, the eigenpairs of K by dsyevd.  */
static deq_status forecast_acf(deq_corr_forecast *f, const deq_corr_model *m)
{
  size_t P = f->P;
  double *K = NULL, *L = NULL, *ks = malloc(P * sizeof *ks);
  deq_status st = deq_corr_matrix(&K, m, P);
  if (st == DEQ_OK && !ks) st = DEQ_ENOMEM;
  if (st == DEQ_OK) {
    L = malloc(P * P * sizeof *L);
    f->lam = malloc(P * sizeof *f->lam);
    f->beta2 = malloc(P * sizeof *f->beta2);
    if (!L || !f->lam || !f->beta2) st = DEQ_ENOMEM;
  }
  if (st == DEQ_OK) {
    for (size_t mu = 0; mu < P; mu++) {
      size_t h = P + f->tau - 1 - mu;
      ks[mu] = h < m->nacf ? m->acf[h] / m->acf[0] : 0.0;
      f->alpha[mu] = ks[mu];
    }
    memcpy(L, K, P * P * sizeof *L);
    lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (lapack_int)P, 1,
                                    L, (lapack_int)P, f->alpha, (lapack_int)P);
    if (info > 0) st = DEQ_EDOM;
    else if (info < 0) st = DEQ_ELAPACK;
  }
  if (st == DEQ_OK) {
    long double q = 0;
    for (size_t mu = 0; mu < P; mu++) q += (long double)ks[mu] * f->alpha[mu];
    f->s2 = fmax(0.0, (double)(1.0L - q));
    lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)P,
                                     K, (lapack_int)P, f->lam);
    if (info != 0) st = DEQ_ELAPACK;
  }
  if (st == DEQ_OK) {
    for (size_t j = 0; j < P; j++) {
      long double b = 0;
      for (size_t i = 0; i < P; i++) b += (long double)K[i + j * P] * f->alpha[i];
      f->beta2[j] = (double)(b * b);
    }
  }
  free(K);
  free(L);
  free(ks);
  return st;
}

deq_status deq_corr_forecast_alloc(deq_corr_forecast **out,
                                   const deq_corr_model *model, size_t P,
                                   size_t tau)
{
  if (!out || !model) return DEQ_EINVAL;
  *out = NULL;
  if (P < 1 || tau < 1) return DEQ_EDOM;
  if (model->kind != DEQ_CORR_AR1 && model->kind != DEQ_CORR_ACF)
    return DEQ_EUNSUP;
  if (model->kind == DEQ_CORR_AR1 && !(fabs(model->rho) < 1)) return DEQ_EDOM;
  if (model->kind == DEQ_CORR_ACF) {
    if (!model->acf || model->nacf < 1) return DEQ_EINVAL;
    if (!(model->acf[0] > 0)) return DEQ_EDOM;
    if (P > 46340) return DEQ_EUNSUP;
  }
  deq_corr_forecast *f = calloc(1, sizeof *f);
  if (!f) return DEQ_ENOMEM;
  f->kind = model->kind;
  f->P = P;
  f->tau = tau;
  f->alpha = calloc(P, sizeof *f->alpha);
  deq_status st = f->alpha ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK && model->kind == DEQ_CORR_AR1) {
    f->rho = model->rho;
    double rt = pow(model->rho, (double)tau);
    f->alpha[P - 1] = rt;
    /* 1 - rho^(2 tau) without cancellation for rho near 0 */
    f->s2 = model->rho == 0 ? 1.0
            : -expm1(2.0 * (double)tau * log(fabs(model->rho)));
  } else if (st == DEQ_OK) {
    st = forecast_acf(f, model);
  }
  if (st != DEQ_OK) {
    deq_corr_forecast_free(f);
    return st;
  }
  *out = f;
  return DEQ_OK;
}

/* AR(1): (K (K+k)^-2)_{PP} = e_P' T (I + k T)^-2 e_P with T = K^-1 = A'A
   tridiagonal (A the whitening map z_1 = x_1, z_t = (x_t - rho x_{t-1})
   /sqrt(1 - rho^2)); = |A v|^2 with (I + k T) v = e_P (Thomas).  */
static deq_status ar1_edge(double *out, size_t P, double rho, double k)
{
  double q = 1.0 - rho * rho;
  double *cp = malloc(P * sizeof *cp), *v = malloc(P * sizeof *v);
  if (!cp || !v) {
    free(cp);
    free(v);
    return DEQ_ENOMEM;
  }
  double off = -k * rho / q;
  for (size_t i = 0; i < P; i++) {
    double Tii = P == 1 ? 1.0 : (i == 0 || i + 1 == P ? 1.0 / q
                                                     : (1.0 + rho * rho) / q);
    double diag = 1.0 + k * Tii - (i ? off * cp[i - 1] : 0.0);
    double rhs = (i + 1 == P ? 1.0 : 0.0) - (i ? off * v[i - 1] : 0.0);
    cp[i] = off / diag;
    v[i] = rhs / diag;
  }
  for (size_t i = P - 1; i-- > 0;) v[i] -= cp[i] * v[i + 1];
  long double s = (long double)v[0] * v[0];
  for (size_t t = 1; t < P; t++) {
    long double z = v[t] - rho * v[t - 1];
    s += z * z / q;
  }
  *out = (double)s;
  free(cp);
  free(v);
  return DEQ_OK;
}

deq_status deq_corr_forecast_factor(double *factor,
                                    const deq_corr_forecast *f,
                                    double kappa_K)
{
  if (!factor || !f) return DEQ_EINVAL;
  if (!(kappa_K >= 0) || !isfinite(kappa_K)) return DEQ_EDOM;
  double k = kappa_K;
  if (f->kind == DEQ_CORR_AR1) {
    double e = 0;
    if (k > 0) {
      deq_status st = ar1_edge(&e, f->P, f->rho, k);
      if (st) return st;
    }
    double a = f->alpha[f->P - 1];
    *factor = f->s2 + a * a * k * k * e;
    return DEQ_OK;
  }
  long double s = 0;
  for (size_t j = 0; j < f->P; j++) {
    long double l = f->lam[j], r = l / ((l + k) * (l + k));
    s += f->beta2[j] * r;
  }
  *factor = f->s2 + (double)((long double)k * k * s);
  return DEQ_OK;
}

deq_status deq_corr_forecast_risk(double *E_star, const deq_corr_forecast *f,
                                  const deq_corr_point *pt)
{
  if (!E_star || !f || !pt) return DEQ_EINVAL;
  if (pt->model != DEQ_CORR_NOISE_K) return DEQ_EUNSUP;
  if (pt->P != (double)f->P) return DEQ_EDOM;
  double fac;
  deq_status st = deq_corr_forecast_factor(&fac, f, pt->kappa_K);
  if (st) return st;
  *E_star = pt->E_test * fac;
  return DEQ_OK;
}

deq_status deq_corr_forecast_alpha(double *alpha, double *s2,
                                   const deq_corr_forecast *f)
{
  if (!f) return DEQ_EINVAL;
  if (alpha) memcpy(alpha, f->alpha, f->P * sizeof *alpha);
  if (s2) *s2 = f->s2;
  return DEQ_OK;
}
