/* freeprob_chain.c -- products of free matrices (chains): inverse df,
 * df by the S-product and by nested fixed points, S-transform, and the
 * complex Stieltjes transform and density. */
#include "config.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "freeprob_impl.h"
#include "deq/resolvent.h"
#include "deq/solve.h"

deq_status deq_freeprob_chain_dims(double *n_out, double *d_max,
                                   const deq_freeprob_chain *c)
{
  fp_model M;
  deq_status st = deq_fp_model_init(&M, c);
  if (st != DEQ_OK)
    return st;
  if (n_out)
    *n_out = M.n_out;
  if (d_max)
    *d_max = M.d_max;
  deq_fp_model_free(&M);
  return DEQ_OK;
}

double deq_freeprob_chain_atom0(const deq_freeprob_chain *c)
{
  double n, d;
  if (deq_freeprob_chain_dims(&n, &d, c) != DEQ_OK)
    return NAN;
  return fmax(0.0, 1.0 - d / n);
}

deq_status deq_freeprob_chain_lambda(double *lambda,
                                     const deq_freeprob_chain *c, double d)
{
  if (!lambda)
    return DEQ_EINVAL;
  double n_out, d_max;
  deq_status st = deq_freeprob_chain_dims(&n_out, &d_max, c);
  if (st != DEQ_OK)
    return st;
  if (!(d > 0) || !(d < d_max))
    return DEQ_EDOM;
  double k;
  st = deq_resolvent_inverse_df1(&k, c->input, d);
  if (st != DEQ_OK)
    return st;
  double prev = c->input->dim;
  for (size_t l = 0; l < c->layers; l++) {
    k *= 1.0 - d / c->widths[l];
    if (c->layer && c->layer[l]) {
      double S;
      st = deq_freeprob_s_transform(&S, c->layer[l], d / prev);
      if (st != DEQ_OK)
        return st;
      k /= S;
    }
    prev = c->widths[l];
  }
  if (c->P > 0)
    k *= 1.0 - d / c->P;
  *lambda = k;
  return DEQ_OK;
}

typedef struct lam_params {
  const deq_freeprob_chain *c;
  double loglam;
  deq_status st;
} lam_params;

/* log lambda_A(d) - log lambda: decreasing in d */
static double lam_f(double d, void *vp)
{
  lam_params *p = vp;
  double l;
  deq_status st = deq_freeprob_chain_lambda(&l, p->c, d);
  if (st != DEQ_OK) {
    p->st = st;
    return NAN;
  }
  return log(l) - p->loglam;
}

deq_status deq_freeprob_chain_df(double *df, double *kappa,
                                 const deq_freeprob_chain *c, double lambda)
{
  if (!df)
    return DEQ_EINVAL;
  double n_out, d_max;
  deq_status st = deq_freeprob_chain_dims(&n_out, &d_max, c);
  if (st != DEQ_OK)
    return st;
  if (!(lambda > 0) || !isfinite(lambda))
    return DEQ_EDOM;
  lam_params p = { c, log(lambda), DEQ_OK };
  double lo = d_max * 1e-3, hi = d_max * (1 - 1e-12);
  while (lam_f(lo, &p) < 0 && lo > 1e-300)
    lo *= 1e-3;
  if (p.st != DEQ_OK)
    return p.st;
  if (lam_f(hi, &p) > 0)
    hi = d_max * (1 - 1e-15);
  deq_root r;
  st = deq_solve_brent(&r, lam_f, &p, lo, hi, 4 * DBL_EPSILON, 0, 300);
  if (p.st != DEQ_OK)
    return p.st;
  if (st != DEQ_OK)
    return st;
  *df = r.x;
  if (kappa)
    return deq_resolvent_inverse_df1(kappa, c->input, r.x);
  return DEQ_OK;
}

/* Nested: level j applies Wishart width W[j] on top of level j-1.  */
typedef struct nest_params {
  const deq_spectrum *sp;
  const double *W;
  size_t level;
  double lambda;
  deq_status st;
} nest_params;

static double nest_df(const deq_spectrum *sp, const double *W, size_t level,
                      double lambda, deq_status *st);

static double nest_f(double d, void *vp)
{
  nest_params *p = vp;
  double inner = nest_df(p->sp, p->W, p->level - 1,
                         p->lambda / (1.0 - d / p->W[p->level - 1]), &p->st);
  return d - inner; /* increasing in d */
}

static double nest_df(const deq_spectrum *sp, const double *W, size_t level,
                      double lambda, deq_status *st)
{
  if (level == 0) {
    double d1;
    deq_status s = deq_resolvent_df(&d1, NULL, sp, lambda);
    if (s != DEQ_OK)
      *st = s;
    return d1;
  }
  double cap = fmin(W[level - 1], sp->rank);
  for (size_t j = 0; j + 1 < level; j++)
    cap = fmin(cap, W[j]);
  nest_params p = { sp, W, level, lambda, DEQ_OK };
  deq_root r;
  deq_status s = deq_solve_brent(&r, nest_f, &p, 0.0, cap * (1 - 1e-15),
                                 2 * DBL_EPSILON, 0, 400);
  if (p.st != DEQ_OK)
    *st = p.st;
  else if (s != DEQ_OK)
    *st = s;
  return r.x;
}

deq_status deq_freeprob_chain_df_nested(double *df,
                                        const deq_freeprob_chain *c,
                                        double lambda)
{
  if (!df)
    return DEQ_EINVAL;
  deq_status st = deq_fp_chain_check(c);
  if (st != DEQ_OK)
    return st;
  if (!(lambda > 0) || !isfinite(lambda))
    return DEQ_EDOM;
  if (c->layer)
    for (size_t l = 0; l < c->layers; l++)
      if (c->layer[l])
        return DEQ_EUNSUP;
  /* data innermost (A = G' Sigma_hat G), then the layers */
  double W[FP_MAX_LAYERS + 1];
  size_t nw = 0;
  if (c->P > 0)
    W[nw++] = c->P;
  for (size_t l = 0; l < c->layers; l++)
    W[nw++] = c->widths[l];
  st = DEQ_OK;
  double d = nest_df(c->input, W, nw, lambda, &st);
  if (st != DEQ_OK)
    return st;
  *df = d;
  return DEQ_OK;
}

deq_status deq_freeprob_chain_s_transform(double *S,
                                          const deq_freeprob_chain *c,
                                          double delta)
{
  if (!S)
    return DEQ_EINVAL;
  double n_out, d_max;
  deq_status st = deq_freeprob_chain_dims(&n_out, &d_max, c);
  if (st != DEQ_OK)
    return st;
  if (!(delta > 0) || !(delta * n_out < d_max))
    return DEQ_EDOM;
  double lam;
  st = deq_freeprob_chain_lambda(&lam, c, delta * n_out);
  if (st != DEQ_OK)
    return st;
  *S = (1.0 - delta) / (delta * lam);
  return DEQ_OK;
}

/* ================================================================ chains: complex */

static int z_bad(double complex z)
{
  return !isfinite(creal(z)) || !isfinite(cimag(z)) || !(cimag(z) >= 0);
}

deq_status deq_freeprob_chain_stieltjes(deq_freeprob_point *out,
                                        const deq_freeprob_chain *c,
                                        double complex z)
{
  if (!out)
    return DEQ_EINVAL;
  memset(out, 0, sizeof *out);
  out->z = z;
  if (z_bad(z))
    return out->status = DEQ_EDOM;
  fp_model M;
  deq_status st = deq_fp_model_init(&M, c);
  if (st != DEQ_OK)
    return out->status = st;
  if (z == 0 && M.d_max < M.n_out) {
    deq_fp_model_free(&M);
    return out->status = DEQ_EDOM; /* the atom at 0 is a pole */
  }
  int passes = 0;
  st = deq_fp_ladder(out, &M, z, &passes);
  out->iterations = passes;
  out->status = st;
  deq_fp_model_free(&M);
  return st;
}

deq_status deq_freeprob_chain_density(deq_freeprob_point *out,
                                      const deq_freeprob_chain *c,
                                      const double *x, size_t n)
{
  if (!out || !x)
    return DEQ_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return DEQ_EDOM;
  fp_model M;
  deq_status st = deq_fp_model_init(&M, c);
  if (st != DEQ_OK)
    return st;
  deq_status worst = DEQ_OK;
  for (size_t i = 0; i < n; i++) {
    deq_freeprob_point *o = &out[i];
    memset(o, 0, sizeof *o);
    o->z = x[i];
    int passes = 0;
    if (x[i] == 0 && M.d_max < M.n_out) {
      o->g = NAN;
      o->density = 0;  /* the atom at 0 is not part of the density */
      o->status = DEQ_OK;
      continue;
    }
    st = deq_fp_ladder(o, &M, CMPLX(x[i], 0), &passes);
    o->iterations = passes;
    o->status = st;
    if (st != DEQ_OK && worst == DEQ_OK)
      worst = st;
  }
  deq_fp_model_free(&M);
  return worst;
}
