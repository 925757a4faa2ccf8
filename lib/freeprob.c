/* freeprob.c -- Stieltjes transforms, sample-covariance and product
 * spectra, S-transforms (see deq/freeprob.h for the conventions).
 *
 * Every spectrum of a product is written through one complex unknown, the
 * renormalised argument kappa of the input spectrum Omega, with
 * d = df1_Omega(kappa) (complex) and
 *   Lambda(kappa) = kappa prod_j (1 - d/W_j) prod_{l>=2} e_l,
 *   e_l = t_l mu_l/(1 - t_l),  t_l = d/N_{l-1},  delta_l(mu_l) = t_l,
 * where W_j runs over the Wishart widths (N_1..N_L and P) and delta_l is
 * the normalised df of the layer covariance Sigma_l (e_l = 1 for an
 * isotropic layer).  The point z corresponds to Lambda(kappa) = -z, and
 * g(z) = -(1 - d/n_out)/z.  The sample covariance is the chain with no
 * layers and a data factor.  */
#include "config.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deq/freeprob.h"
#include "resolvent_impl.h"
#include "deq/resolvent.h"
#include "deq/solve.h"
#include "sum_impl.h"

#define FP_MAX_LAYERS 64
#define FP_MAX_ORDER 64
#define FP_NEWTON_MAX 60
#define FP_ETA_MIN 1e-13       /* relative to the spectral scale */

/* ================================================================ atoms */

/* The positive atoms of a spectrum, padded to a multiple of 4 with
   (s = s_0, m = 0) so that the vector kernel needs no tail.  */
typedef struct fp_atoms {
  size_t n, npad;
  double *s, *m;
  double *zero;   /* n zero target powers: the view rpass hands the kernel */
  double dim, rank, trace, t2, smin, smax;
} fp_atoms;

static void atoms_free(fp_atoms *a)
{
  free(a->s);
  free(a->m);
  free(a->zero);
  a->s = a->m = a->zero = NULL;
}

static deq_status atoms_init(fp_atoms *a, const deq_spectrum *sp)
{
  memset(a, 0, sizeof *a);
  if (!sp || sp->n == 0 || !sp->s || !sp->m)
    return DEQ_EINVAL;
  size_t n = 0;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i];
    if (!(s >= 0) || !isfinite(s) || !(m > 0) || !isfinite(m))
      return DEQ_EDOM;
    if (s > 0)
      n++;
  }
  if (n == 0)
    return DEQ_EDOM;
  a->npad = (n + 3) / 4 * 4;
  a->s = malloc(a->npad * sizeof *a->s);
  a->m = malloc(a->npad * sizeof *a->m);
  a->zero = calloc(a->npad, sizeof *a->zero);
  if (!a->s || !a->m || !a->zero) {
    atoms_free(a);
    return DEQ_ENOMEM;
  }
  deq_sum tr, t2;
  deq_sum_init(&tr);
  deq_sum_init(&t2);
  a->smin = INFINITY;
  for (size_t i = 0, j = 0; i < sp->n; i++) {
    if (!(sp->s[i] > 0))
      continue;
    a->s[j] = sp->s[i];
    a->m[j] = sp->m[i];
    deq_sum_add(&tr, sp->m[i] * sp->s[i]);
    deq_sum_add(&t2, sp->m[i] * sp->s[i] * sp->s[i]);
    a->smin = fmin(a->smin, sp->s[i]);
    a->smax = fmax(a->smax, sp->s[i]);
    a->rank += sp->m[i];
    j++;
  }
  for (size_t j = n; j < a->npad; j++) { /* a real atom's pole: no new one */
    a->s[j] = a->s[0];
    a->m[j] = 0.0;
  }
  a->n = n;
  a->dim = 0;
  for (size_t i = 0; i < sp->n; i++)
    a->dim += sp->m[i];
  a->trace = deq_sum_get(&tr);
  a->t2 = deq_sum_get(&t2);
  return DEQ_OK;
}

/* ================================================================ passes */

typedef double v4d __attribute__((vector_size(32)));

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define FP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FP_CLONES
#endif

/* Complex sums at kappa = kr + i ki over atoms [i0, i1) (multiples of 4):
   out = re/im of df1 = sum m s/(s+k), df2 = sum m s^2/(s+k)^2 and
   h = sum m s/(s+k)^2 (so that d df1/dk = -h).  */
FP_CLONES
static void cblock(double out[6], const double *restrict s,
                   const double *restrict m, size_t i0, size_t i1, double kr,
                   double ki)
{
  v4d a1r = {0}, a1i = {0}, a2r = {0}, a2i = {0}, ahr = {0}, ahi = {0};
  for (size_t i = i0; i < i1; i += 4) {
    v4d s_, m_;
    memcpy(&s_, s + i, sizeof s_);
    memcpy(&m_, m + i, sizeof m_);
    v4d wr = s_ + kr, wi = wr * 0 + ki;
    v4d inv = 1.0 / (wr * wr + wi * wi);
    v4d rr = wr * inv, ri = -wi * inv;         /* r = 1/(s + k) */
    v4d ar = s_ * rr, ai = s_ * ri;            /* a = s r */
    a1r += m_ * ar;
    a1i += m_ * ai;
    a2r += m_ * (ar * ar - ai * ai);
    a2i += m_ * (2.0 * ar * ai);
    ahr += m_ * (ar * rr - ai * ri);
    ahi += m_ * (ar * ri + ai * rr);
  }
  v4d acc[6] = { a1r, a1i, a2r, a2i, ahr, ahi };
  for (int j = 0; j < 6; j++)
    out[j] = (acc[j][0] + acc[j][1]) + (acc[j][2] + acc[j][3]);
}

typedef struct csums {
  double complex df1, df2, h;
} csums;

static void cpass(csums *o, const fp_atoms *a, double complex k)
{
  deq_sum t[6];
  for (int j = 0; j < 6; j++)
    deq_sum_init(&t[j]);
  for (size_t i0 = 0; i0 < a->npad; i0 += DEQ_SUM_BLOCK) {
    size_t i1 = i0 + DEQ_SUM_BLOCK < a->npad ? i0 + DEQ_SUM_BLOCK : a->npad;
    double b[6];
    cblock(b, a->s, a->m, i0, i1, creal(k), cimag(k));
    for (int j = 0; j < 6; j++)
      deq_sum_add(&t[j], b[j]);
  }
  o->df1 = CMPLX(deq_sum_get(&t[0]), deq_sum_get(&t[1]));
  o->df2 = CMPLX(deq_sum_get(&t[2]), deq_sum_get(&t[3]));
  o->h = CMPLX(deq_sum_get(&t[4]), deq_sum_get(&t[5]));
}

/* Real sums at any real kappa off the poles: df1, df2, df3 = sum m s^2/(s+k)^3. */
typedef struct rsums {
  double df1, df2, df3;
} rsums;

/* The resolvent kernel (lib/resolvent.c) on a view of the positive atoms;
   valid at any real kappa off the poles.  */
static void rpass(rsums *o, const fp_atoms *a, double k)
{
  deq_spectrum view = { .n = a->n, .s = a->s, .m = a->m, .v = a->zero };
  deq_moments mo;
  deq_moments_pass(&mo, NULL, &view, k, 0);
  o->df1 = mo.df1;
  o->df2 = mo.df2;
  o->df3 = mo.df3;
}

/* ================================================================ population */

deq_status deq_freeprob_stieltjes(double complex *g, const deq_spectrum *sp,
                                  double complex z)
{
  if (!g || !sp || sp->n == 0 || !sp->s || !sp->m)
    return DEQ_EINVAL;
  if (!isfinite(creal(z)) || !isfinite(cimag(z)))
    return DEQ_EDOM;
  if (!(sp->dim > 0) || !isfinite(sp->dim))
    return DEQ_EDOM;
  deq_sum re, im;
  deq_sum_init(&re);
  deq_sum_init(&im);
  for (size_t i = 0; i < sp->n; i++) {
    double complex w = sp->s[i] - z;
    if (w == 0)
      return DEQ_EDOM; /* z is an eigenvalue: a pole */
    double complex t = sp->m[i] / w;
    deq_sum_add(&re, creal(t));
    deq_sum_add(&im, cimag(t));
  }
  *g = CMPLX(deq_sum_get(&re), deq_sum_get(&im)) / sp->dim;
  return DEQ_OK;
}

deq_status deq_freeprob_s_transform(double *S, const deq_spectrum *sp,
                                    double delta)
{
  if (!S || !sp || sp->n == 0)
    return DEQ_EINVAL;
  if (!(sp->dim > 0) || !isfinite(sp->dim))
    return DEQ_EDOM;
  if (!(delta > 0) || !(delta * sp->dim < sp->rank))
    return DEQ_EDOM;
  double k;
  deq_status st = deq_resolvent_inverse_df1(&k, sp, delta * sp->dim);
  if (st != DEQ_OK)
    return st;
  *S = (1.0 - delta) / (delta * k);
  return DEQ_OK;
}

deq_status deq_freeprob_s_wishart(double *S, double q, double delta)
{
  if (!S)
    return DEQ_EINVAL;
  if (!(q > 0) || !isfinite(q) || !(delta > 0) || !(delta < 1)
      || !(q * delta < 1))
    return DEQ_EDOM;
  *S = 1.0 / (1.0 - q * delta);
  return DEQ_OK;
}

/* ================================================================ Marchenko-Pastur */

static int mp_bad(double q, double scale)
{
  return !(q > 0) || !isfinite(q) || !(scale > 0) || !isfinite(scale);
}

deq_status deq_freeprob_mp_edges(double *lo, double *hi, double *atom0,
                                 double q, double scale)
{
  if (!lo || !hi || !atom0)
    return DEQ_EINVAL;
  if (mp_bad(q, scale))
    return DEQ_EDOM;
  double r = sqrt(q);
  *lo = scale * (1 - r) * (1 - r);
  *hi = scale * (1 + r) * (1 + r);
  *atom0 = q > 1 ? 1 - 1 / q : 0;
  return DEQ_OK;
}

deq_status deq_freeprob_mp_density(double *rho, double q, double scale,
                                   double x)
{
  if (!rho)
    return DEQ_EINVAL;
  if (mp_bad(q, scale) || isnan(x))
    return DEQ_EDOM;
  double lo, hi, a0;
  deq_freeprob_mp_edges(&lo, &hi, &a0, q, scale);
  if (!(x > lo && x < hi) || x <= 0) {
    *rho = 0;
    return DEQ_OK;
  }
  *rho = sqrt((hi - x) * (x - lo)) / (2 * M_PI * q * scale * x);
  return DEQ_OK;
}

deq_status deq_freeprob_mp_stieltjes(double complex *g, double q,
                                     double scale, double complex z)
{
  if (!g)
    return DEQ_EINVAL;
  if (mp_bad(q, scale) || !isfinite(creal(z)) || !(cimag(z) >= 0)
      || !isfinite(cimag(z)) || z == 0)
    return DEQ_EDOM;
  double lo, hi, a0;
  deq_freeprob_mp_edges(&lo, &hi, &a0, q, scale);
  double complex u = z / scale;
  /* +0 imaginary parts: csqrt then gives the boundary value from above */
  double complex ua = CMPLX(creal(u) - lo / scale, cimag(u) + 0.0);
  double complex ub = CMPLX(creal(u) - hi / scale, cimag(u) + 0.0);
  double complex root = csqrt(ua) * csqrt(ub);
  *g = (-(u + q - 1) + root) / (2 * q * u) / scale;
  return DEQ_OK;
}

/* ================================================================ the model */

/* One chain: Omega's atoms, the Wishart widths W[0..nw-1] (layers then P),
   and the structured layers l >= 2 (lay[l] with n_{l-1} = nprev[l]).  */
typedef struct fp_model {
  fp_atoms omega;
  size_t L, nw;
  double W[FP_MAX_LAYERS + 1];
  double nprev[FP_MAX_LAYERS];
  fp_atoms lay[FP_MAX_LAYERS];
  int structured[FP_MAX_LAYERS];
  double n_out, d_max, scale;
} fp_model;

typedef struct fp_state {
  double complex kappa;
  double complex mu[FP_MAX_LAYERS];
  int have_mu[FP_MAX_LAYERS];
} fp_state;

static void model_free(fp_model *M)
{
  atoms_free(&M->omega);
  for (size_t l = 0; l < M->L; l++)
    if (M->structured[l])
      atoms_free(&M->lay[l]);
}

static deq_status chain_check(const deq_freeprob_chain *c)
{
  if (!c || !c->input || (c->layers > 0 && !c->widths))
    return DEQ_EINVAL;
  if (c->layers > FP_MAX_LAYERS)
    return DEQ_EUNSUP;
  if (!(c->P >= 0) || !isfinite(c->P))
    return DEQ_EDOM;
  if (c->layers == 0 && c->P == 0)
    return DEQ_EINVAL; /* nothing to multiply */
  for (size_t l = 0; l < c->layers; l++)
    if (!(c->widths[l] > 0) || !isfinite(c->widths[l]))
      return DEQ_EDOM;
  if (c->layer && c->layers > 0 && c->layer[0])
    return DEQ_EINVAL; /* fold Sigma_1 into the input */
  if (c->layer)
    for (size_t l = 1; l < c->layers; l++) {
      const deq_spectrum *ls = c->layer[l];
      if (!ls)
        continue;
      if (ls->n == 0 || !isfinite(ls->dim))
        return DEQ_EDOM;
      if (ls->rank < ls->dim)
        return DEQ_EDOM; /* a zero eigenvalue: S is not defined on (0, 1) */
    }
  if (!(c->input->dim > 0) || !isfinite(c->input->dim))
    return DEQ_EDOM;
  return DEQ_OK;
}

static deq_status model_init(fp_model *M, const deq_freeprob_chain *c)
{
  memset(M, 0, sizeof *M);
  deq_status st = chain_check(c);
  if (st != DEQ_OK)
    return st;
  st = atoms_init(&M->omega, c->input);
  if (st != DEQ_OK)
    return st;
  M->L = c->layers;
  M->d_max = M->omega.rank;
  double prev = M->omega.dim;
  for (size_t l = 0; l < c->layers; l++) {
    M->W[M->nw++] = c->widths[l];
    M->nprev[l] = prev;
    M->d_max = fmin(M->d_max, c->widths[l]);
    prev = c->widths[l];
    if (c->layer && c->layer[l]) {
      st = atoms_init(&M->lay[l], c->layer[l]);
      if (st != DEQ_OK) {
        model_free(M);
        return st;
      }
      M->structured[l] = 1;
    }
  }
  if (c->P > 0) {
    M->W[M->nw++] = c->P;
    M->d_max = fmin(M->d_max, c->P);
  }
  M->n_out = prev;
  /* a bound of the order of the top of the spectrum */
  double sc = M->omega.smax;
  for (size_t j = 0; j < M->nw; j++)
    sc *= (1 + sqrt(fmax(M->omega.dim, prev) / M->W[j]))
          * (1 + sqrt(fmax(M->omega.dim, prev) / M->W[j]));
  for (size_t l = 0; l < M->L; l++)
    if (M->structured[l])
      sc *= M->lay[l].smax;
  M->scale = sc * (1 + sqrt(M->omega.dim / (M->omega.rank)));
  return DEQ_OK;
}

/* Inner solve of a structured layer: delta_l(mu) = t (complex), Newton
   with backtracking from the warm start in *mu.  */
static deq_status layer_mu(double complex *mu, double complex *dmu_dt,
                           const fp_atoms *a, double complex t, int *passes)
{
  double complex x = *mu;
  csums c;
  cpass(&c, a, x);
  (*passes)++;
  double complex f = c.df1 / a->dim - t;
  for (int it = 0; it < 100; it++) {
    double complex fp = -c.h / a->dim;
    double complex step = f / fp;
    if (!isfinite(creal(step)) || !isfinite(cimag(step)))
      return DEQ_ENOCONV;
    double lam = 1;
    double complex xn = x, fn = f;
    csums cn = c;
    int ok = 0;
    for (int b = 0; b < 40; b++) {
      xn = x - lam * step;
      cpass(&cn, a, xn);
      (*passes)++;
      fn = cn.df1 / a->dim - t;
      if (cabs(fn) < cabs(f) || cabs(fn) <= 4 * DBL_EPSILON * cabs(t)) {
        ok = 1;
        break;
      }
      lam *= 0.5;
    }
    if (!ok)
      break;
    int done = cabs(lam * step) <= 1e-15 * cabs(xn);
    x = xn;
    f = fn;
    c = cn;
    if (done)
      break;
  }
  if (!(cabs(f) <= 1e-12 * cabs(t)))
    return DEQ_ENOCONV;
  *mu = x;
  *dmu_dt = 1.0 / (-c.h / a->dim);
  return DEQ_OK;
}

/* F(kappa) = Lambda(kappa) + z and F' = dLambda/dkappa; d = df1(kappa).
   Structured layers update st->mu (warm starts).  */
static deq_status model_eval(double complex *F, double complex *Fp,
                             double complex *dout, double complex *ddout,
                             const fp_model *M,
                             fp_state *st, double complex k, double complex z,
                             int *passes)
{
  csums c;
  cpass(&c, &M->omega, k);
  (*passes)++;
  double complex d = c.df1, dd = -c.h;  /* dd = d d/d kappa */
  /* factors f_j and their d-derivatives */
  size_t nf = 0;
  double complex f[2 * FP_MAX_LAYERS + 1], fd[2 * FP_MAX_LAYERS + 1];
  for (size_t j = 0; j < M->nw; j++) {
    f[nf] = 1.0 - d / M->W[j];
    fd[nf++] = -1.0 / M->W[j];
  }
  for (size_t l = 0; l < M->L; l++) {
    if (!M->structured[l])
      continue;
    const fp_atoms *a = &M->lay[l];
    double np = M->nprev[l];
    double complex t = d / np, mu, dmu;
    if (!st->have_mu[l]) {
      st->mu[l] = (1.0 - t) / t * (a->trace / a->dim);
      st->have_mu[l] = 1;
    }
    mu = st->mu[l];
    deq_status s2 = layer_mu(&mu, &dmu, a, t, passes);
    if (s2 != DEQ_OK)
      return s2;
    st->mu[l] = mu;
    double complex omt = 1.0 - t;
    f[nf] = t * mu / omt;
    /* de/dt = (mu + t mu')/(1 - t) + t mu/(1 - t)^2 */
    fd[nf++] = ((mu + t * dmu) / omt + t * mu / (omt * omt)) / np;
  }
  double complex prod = 1.0, sum = 0.0;
  for (size_t j = 0; j < nf; j++)
    prod *= f[j];
  /* sum_j fd_j prod_{i != j} f_i, without dividing by f_j */
  for (size_t j = 0; j < nf; j++) {
    double complex p = fd[j];
    for (size_t i = 0; i < nf; i++)
      if (i != j)
        p *= f[i];
    sum += p;
  }
  *F = k * prod + z;
  *Fp = prod + k * dd * sum;
  *dout = d;
  *ddout = dd;
  return DEQ_OK;
}

/* Newton on F(kappa; z) from st->kappa, with backtracking on |F|.  With
   lower = 1 the iterates must keep Im kappa < 0 (the physical half plane
   for Im z >= 0 inside the support).  Returns DEQ_OK when a step became
   negligible with a small residual.  */
static deq_status newton(fp_state *st, double complex *Fp_out,
                         double complex *d_out, const fp_model *M,
                         double complex z, int lower, int *passes)
{
  fp_state cur = *st, trial;
  double complex F, Fp, d, dd;
  deq_status s = model_eval(&F, &Fp, &d, &dd, M, &cur, cur.kappa, z, passes);
  if (s != DEQ_OK)
    return s;
  double zs = cabs(z) + M->scale;
  for (int it = 0; it < FP_NEWTON_MAX; it++) {
    double complex step = F / Fp;
    if (!isfinite(creal(step)) || !isfinite(cimag(step)))
      return DEQ_ENOCONV;
    /* Quadratic convergence: once the step is below 1e-9 |kappa| the next
       one is below rounding, so take it and update d to first order
       (error O(step^2)) instead of paying one more pass.  */
    if (cabs(step) <= 1e-9 * cabs(cur.kappa)
        && (!lower || cimag(cur.kappa - step) < 0)) {
      cur.kappa -= step;
      *st = cur;
      *Fp_out = Fp;
      *d_out = d - dd * step;
      return DEQ_OK;
    }
    double lam = 1;
    int ok = 0;
    double complex Fn = F, Fpn = Fp, dn = d, ddn = dd, kn = cur.kappa;
    for (int b = 0; b < 40; b++) {
      kn = cur.kappa - lam * step;
      if (lower && !(cimag(kn) < 0)) {
        lam *= 0.5;
        continue;
      }
      trial = cur;
      s = model_eval(&Fn, &Fpn, &dn, &ddn, M, &trial, kn, z, passes);
      if (s == DEQ_OK && isfinite(cabs(Fn))
          && (cabs(Fn) < cabs(F) || cabs(Fn) <= 1e-14 * zs)) {
        ok = 1;
        break;
      }
      lam *= 0.5;
    }
    if (!ok)
      break;
    double sz = cabs(lam * step);
    trial.kappa = kn;
    cur = trial;
    F = Fn;
    Fp = Fpn;
    d = dn;
    dd = ddn;
    if (sz <= 1e-15 * cabs(kn) || cabs(F) == 0) {
      if (cabs(F) <= 1e-10 * zs) {
        *st = cur;
        *Fp_out = Fp;
        *d_out = d;
        return DEQ_OK;
      }
      break;
    }
  }
  return DEQ_ENOCONV;
}

static void fill_point(deq_freeprob_point *o, const fp_model *M,
                       double complex z, double complex kappa,
                       double complex d, double eta)
{
  o->z = z;
  o->kappa = kappa;
  o->df = d;
  o->eta = eta;
  double complex zz = CMPLX(creal(z), cimag(z) > 0 ? cimag(z) : eta);
  o->g = -(1.0 - d / M->n_out) / zz;
  if (cimag(z) == 0 && eta == 0 && cimag(o->g) < 0)
    o->g = creal(o->g); /* a real root: rounding only */
  double dens = cimag(o->g) / M_PI;
  if (eta == 0 && creal(z) != 0)  /* Im d/(pi n x): no cancellation */
    dens = cimag(d) / (M_PI * M->n_out * creal(z));
  o->density = dens > 0 ? dens : 0.0;
}

/* From far away (x + iH) down to Im z (or to eta_min and then onto the
   axis when Im z = 0), Newton at each level of a geometric ladder.  */
static deq_status ladder(deq_freeprob_point *o, const fp_model *M,
                         double complex z, int *passes)
{
  double x = creal(z), y = cimag(z);
  double H = 4 * (M->scale + fabs(x));
  double eta_min = FP_ETA_MIN * M->scale;
  double target = y > 0 ? y : eta_min;
  fp_state st;
  memset(&st, 0, sizeof st);
  double complex Fp, d;
  double eta = fmax(H, target);
  st.kappa = -CMPLX(x, eta);
  deq_status s = newton(&st, &Fp, &d, M, CMPLX(x, eta), 1, passes);
  if (s != DEQ_OK)
    return s;
  double factor = 4;
  while (eta > target) {
    double next = fmax(eta / factor, target);
    fp_state t = st;
    s = newton(&t, &Fp, &d, M, CMPLX(x, next), 1, passes);
    if (s != DEQ_OK) {
      if (factor < 1.05)
        return s;
      factor = sqrt(factor);
      continue;
    }
    st = t;
    eta = next;
    if (factor < 4)
      factor = fmin(4, factor * factor);
  }
  if (y > 0) {
    fill_point(o, M, z, st.kappa, d, 0);
    o->eta = 0;
    return DEQ_OK;
  }
  /* onto the axis: any root (a real kappa outside the support) */
  fp_state t = st;
  double complex d0;
  if (newton(&t, &Fp, &d0, M, CMPLX(x, 0), 0, passes) == DEQ_OK
      && cimag(t.kappa) <= 1e-12 * cabs(t.kappa)) {
    if (cimag(t.kappa) > 0) /* rounding: real root */
      t.kappa = creal(t.kappa);
    fill_point(o, M, CMPLX(x, 0), t.kappa, d0, 0);
    return DEQ_OK;
  }
  fill_point(o, M, CMPLX(x, 0), st.kappa, d, eta);
  return DEQ_OK;
}

/* ================================================================ chains: real */

deq_status deq_freeprob_chain_dims(double *n_out, double *d_max,
                                   const deq_freeprob_chain *c)
{
  fp_model M;
  deq_status st = model_init(&M, c);
  if (st != DEQ_OK)
    return st;
  if (n_out)
    *n_out = M.n_out;
  if (d_max)
    *d_max = M.d_max;
  model_free(&M);
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
  deq_status st = chain_check(c);
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
  deq_status st = model_init(&M, c);
  if (st != DEQ_OK)
    return out->status = st;
  if (z == 0 && M.d_max < M.n_out) {
    model_free(&M);
    return out->status = DEQ_EDOM; /* the atom at 0 is a pole */
  }
  int passes = 0;
  st = ladder(out, &M, z, &passes);
  out->iterations = passes;
  out->status = st;
  model_free(&M);
  return st;
}

/* Sort helper: indices of x in increasing order (qsort with a global-free
   pair array).  */
typedef struct xi {
  double x;
  size_t i;
} xi;

static int cmp_xi(const void *a, const void *b)
{
  double u = ((const xi *)a)->x, v = ((const xi *)b)->x;
  return (u > v) - (u < v);
}

static xi *sorted_points(const double *x, size_t n)
{
  xi *p = malloc((n ? n : 1) * sizeof *p);
  if (!p)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    p[i].x = x[i];
    p[i].i = i;
  }
  qsort(p, n, sizeof *p, cmp_xi);
  return p;
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
  deq_status st = model_init(&M, c);
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
    st = ladder(o, &M, CMPLX(x[i], 0), &passes);
    o->iterations = passes;
    o->status = st;
    if (st != DEQ_OK && worst == DEQ_OK)
      worst = st;
  }
  model_free(&M);
  return worst;
}

/* ================================================================ sample covariance */

static deq_status sample_model(fp_model *M, const deq_spectrum *sp, double P)
{
  if (!sp)
    return DEQ_EINVAL;
  if (!(P > 0) || !isfinite(P))
    return DEQ_EDOM;
  deq_freeprob_chain c = { sp, 0, NULL, NULL, P };
  return model_init(M, &c);
}

deq_status deq_freeprob_sample_stieltjes(deq_freeprob_point *out,
                                         const deq_spectrum *sp, double P,
                                         double complex z)
{
  if (!out || !sp)
    return DEQ_EINVAL;
  if (!(P > 0) || !isfinite(P))
    return DEQ_EDOM;
  deq_freeprob_chain c = { sp, 0, NULL, NULL, P };
  return deq_freeprob_chain_stieltjes(out, &c, z);
}

/* ---------------------------------------------------------------- edges */

typedef struct edge_params {
  const fp_atoms *a;
  double P;
  int passes;
} edge_params;

/* 1/sqrt(df2) - 1/sqrt(P): nearly linear near the poles.  */
static double edge_h(double k, void *vp)
{
  edge_params *p = vp;
  rsums r;
  rpass(&r, p->a, k);
  p->passes++;
  return 1.0 / sqrt(r.df2) - 1.0 / sqrt(p->P);
}

static double edge_df3(double k, void *vp)
{
  edge_params *p = vp;
  rsums r;
  rpass(&r, p->a, k);
  p->passes++;
  return r.df3;
}

static double xmap(const fp_atoms *a, double P, double k)
{
  rsums r;
  rpass(&r, a, k);
  return -k * (1.0 - r.df1 / P);
}

typedef struct gap {
  double xlo, xhi, klo, khi;  /* x(k2) < x(k1): klo = k2 (upper edge of
                                 the interval below), khi = k1 */
} gap;

static int cmp_gap(const void *a, const void *b)
{
  double u = ((const gap *)a)->xlo, v = ((const gap *)b)->xlo;
  return (u > v) - (u < v);
}

static int cmp_desc(const void *a, const void *b)
{
  double u = *(const double *)a, v = *(const double *)b;
  return (u < v) - (u > v);
}

void deq_freeprob_support_free(deq_freeprob_support *s)
{
  if (!s)
    return;
  free(s->lo);
  free(s->hi);
  free(s->mass);
  free(s->klo);
  free(s->khi);
  free(s);
}

static deq_status brent_root(double *x, deq_func f, edge_params *p, double lo,
                             double hi)
{
  deq_root r;
  deq_status st = deq_solve_brent(&r, f, p, lo, hi, 4 * DBL_EPSILON, 0, 300);
  *x = r.x;
  return st;
}

/* The support without masses.  */
static deq_status support_edges(deq_freeprob_support **out, const fp_atoms *a,
                                double P, double dim)
{
  *out = NULL;
  edge_params p = { a, P, 0 };
  deq_status st;
  double kL, kU, c = 2 * sqrt(a->t2 / P);
  double eps = 1e-15;
  /* lower: kappa in (-s_min, inf), h increasing */
  st = brent_root(&kL, edge_h, &p, -a->smin * (1 - eps), c);
  if (st != DEQ_OK)
    return st;
  /* upper: kappa in (-inf, -s_max), h decreasing */
  st = brent_root(&kU, edge_h, &p, -a->smax - c, -a->smax * (1 + eps));
  if (st != DEQ_OK)
    return st;
  /* distinct positive eigenvalues with their multiplicities, descending */
  double *u = malloc(2 * a->n * sizeof *u);
  gap *gaps = malloc(a->n * sizeof *gaps);
  if (!u || !gaps) {
    free(u);
    free(gaps);
    return DEQ_ENOMEM;
  }
  for (size_t i = 0; i < a->n; i++) {
    u[2 * i] = a->s[i];
    u[2 * i + 1] = a->m[i];
  }
  qsort(u, a->n, 2 * sizeof *u, cmp_desc);
  size_t nd = 0;
  for (size_t i = 0; i < a->n; i++) {
    if (nd > 0 && u[2 * (nd - 1)] == u[2 * i]) {
      u[2 * (nd - 1) + 1] += u[2 * i + 1];
      continue;
    }
    u[2 * nd] = u[2 * i];
    u[2 * nd + 1] = u[2 * i + 1];
    nd++;
  }
  size_t ng = 0;
  for (size_t i = 0; i + 1 < nd && st == DEQ_OK; i++) {
    double s1 = u[2 * i], s2 = u[2 * i + 2], w = s1 - s2;
    double A = cbrt(u[2 * i + 1] * s1 * s1), B = cbrt(u[2 * i + 3] * s2 * s2);
    /* two-atom lower bound of min df2 on the gap: (a^2/3 + b^2/3)^3/w^2 */
    if ((A + B) * (A + B) * (A + B) / (w * w) >= P)
      continue;
    double lo = -s1 + w * 1e-13, hi = -s2 - w * 1e-13, km;
    st = brent_root(&km, edge_df3, &p, lo, hi);
    if (st != DEQ_OK)
      break;
    rsums r;
    rpass(&r, a, km);
    if (!(r.df2 < P))
      continue;
    double k1, k2;
    st = brent_root(&k1, edge_h, &p, lo, km);
    if (st == DEQ_OK)
      st = brent_root(&k2, edge_h, &p, km, hi);
    if (st != DEQ_OK)
      break;
    gaps[ng].xlo = xmap(a, P, k2);
    gaps[ng].xhi = xmap(a, P, k1);
    gaps[ng].klo = k2;
    gaps[ng].khi = k1;
    ng++;
  }
  free(u);
  if (st != DEQ_OK) {
    free(gaps);
    return st;
  }
  qsort(gaps, ng, sizeof *gaps, cmp_gap);
  deq_freeprob_support *s = calloc(1, sizeof *s);
  size_t cap = ng + 1;
  if (s) {
    s->lo = malloc(cap * sizeof *s->lo);
    s->hi = malloc(cap * sizeof *s->hi);
    s->mass = calloc(cap, sizeof *s->mass);
    s->klo = malloc(cap * sizeof *s->klo);
    s->khi = malloc(cap * sizeof *s->khi);
  }
  if (!s || !s->lo || !s->hi || !s->mass || !s->klo || !s->khi) {
    deq_freeprob_support_free(s);
    free(gaps);
    return DEQ_ENOMEM;
  }
  double start = xmap(a, P, kL), kstart = kL, xU = xmap(a, P, kU);
  if (kL == 0)
    start = 0;
  for (size_t g = 0; g < ng; g++) {
    if (!(gaps[g].xlo > start) || !(gaps[g].xhi < xU))
      continue; /* numerically degenerate */
    s->lo[s->n] = start;
    s->klo[s->n] = kstart;
    s->hi[s->n] = gaps[g].xlo;
    s->khi[s->n] = gaps[g].klo;
    s->n++;
    start = gaps[g].xhi;
    kstart = gaps[g].khi;
  }
  s->lo[s->n] = start;
  s->klo[s->n] = kstart;
  s->hi[s->n] = xU;
  s->khi[s->n] = kU;
  s->n++;
  free(gaps);
  s->atom0 = fmax(0.0, 1.0 - fmin(P, a->rank) / dim);
  s->passes = p.passes;
  *out = s;
  return DEQ_OK;
}

/* ---------------------------------------------------------------- density */

/* Interval of x (lo < x < hi), or -1.  */
static long find_interval(const deq_freeprob_support *s, double x)
{
  size_t lo = 0, hi = s->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->hi[mid] <= x)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < s->n && x > s->lo[lo] && x < s->hi[lo])
    return (long)lo;
  return -1;
}

/* Real physical root outside the support (bracketed from the edges).  */
typedef struct real_params {
  const fp_atoms *a;
  double P, x;
  int passes;
} real_params;

static deq_status real_fdf(double k, void *vp, double *f, double *df)
{
  real_params *p = vp;
  rsums r;
  rpass(&r, p->a, k);
  p->passes++;
  *f = k * (1.0 - r.df1 / p->P) + p->x;   /* Lambda(k) + x */
  *df = 1.0 - r.df2 / p->P;
  return DEQ_OK;
}

static void outside_point(deq_freeprob_point *o, const fp_model *M,
                          const deq_freeprob_support *s, double x, double P)
{
  o->z = x;
  o->density = 0;
  o->eta = 0;
  o->status = DEQ_OK;
  if (x == 0 && s->atom0 > 0) {
    o->g = NAN;
    o->df = NAN;
    o->kappa = NAN;
    return;
  }
  double lo, hi;
  int dir; /* Lambda(k) + x = x - X(k): X decreasing on the branch */
  size_t k;
  for (k = 0; k < s->n && !(x < s->lo[k]); k++)
    ;
  if (k == 0) {          /* below the support */
    lo = s->klo[0];
    hi = fmax(lo, 0) + fabs(x) + M->omega.trace / P + M->scale;
  } else if (k == s->n) { /* above */
    hi = s->khi[s->n - 1];
    lo = fmin(-x, hi) - M->scale;
  } else {                /* in a gap between intervals k-1 and k */
    lo = s->klo[k];
    hi = s->khi[k - 1];
  }
  int at_edge = 0;
  for (size_t e = 0; e < s->n && !at_edge; e++) {
    if (x == s->lo[e]) {
      o->kappa = s->klo[e];
      at_edge = 1;
    } else if (x == s->hi[e]) {
      o->kappa = s->khi[e];
      at_edge = 1;
    }
  }
  if (!at_edge) {
    real_params rp = { &M->omega, P, x, 0 };
    deq_root r;
    dir = 1; /* f(lo) = x - X(lo) <= 0 <= f(hi) */
    deq_status st = deq_solve_newton_dir(&r, real_fdf, &rp, lo, hi,
                                         0.5 * (lo + hi), dir, 1e-15, 0, 400);
    o->iterations += rp.passes;
    o->kappa = r.x;
    o->status = st;
  }
  rsums rs;
  rpass(&rs, &M->omega, creal(o->kappa));
  o->df = rs.df1;
  if (x != 0)
    o->g = -(1.0 - rs.df1 / M->n_out) / x;
  else /* kappa = 0: g(0) = (1/N) tr Sigma^-1/(1 - N/P) (full rank) */
    o->g = NAN;
}

/* Densities at sorted points p[0..n-1] with a support s.  */
static deq_status density_sorted(deq_freeprob_point *out, const fp_model *M,
                                 const deq_freeprob_support *s, double P,
                                 const xi *p, size_t n)
{
  long prev_k = -1;
  double prev_x = 0;
  double complex prev_kappa = 0, prev_Fp = 1;
  deq_status worst = DEQ_OK;
  for (size_t j = 0; j < n; j++) {
    double x = p[j].x;
    deq_freeprob_point *o = &out[p[j].i];
    memset(o, 0, sizeof *o);
    long k = find_interval(s, x);
    if (k < 0) {
      outside_point(o, M, s, x, P);
      prev_k = -1;
      if (o->status != DEQ_OK && worst == DEQ_OK)
        worst = o->status;
      continue;
    }
    fp_state st;
    memset(&st, 0, sizeof st);
    if (k == prev_k) {
      st.kappa = prev_kappa - (x - prev_x) / prev_Fp;  /* predictor */
      if (!(cimag(st.kappa) < 0))
        st.kappa = CMPLX(creal(st.kappa), 0.5 * cimag(prev_kappa));
    } else {
      /* square-root expansion at the nearer edge:
         Lambda ~ Lambda_e + Lambda''_e (k - k_e)^2/2, Lambda'' = 2 df3/P */
      int upper = x - s->lo[k] > s->hi[k] - x;
      double ke = upper ? s->khi[k] : s->klo[k];
      double xe = upper ? s->hi[k] : s->lo[k];
      rsums r;
      rpass(&r, &M->omega, ke);
      double c = 2 * (xe - x) / (2 * r.df3 / P);
      st.kappa = CMPLX(ke, -sqrt(fabs(c)));
    }
    int passes = 0;
    double complex Fp, d;
    deq_status ns = newton(&st, &Fp, &d, M, CMPLX(x, 0), 1, &passes);
    if (ns == DEQ_OK && cimag(st.kappa) < 0) {
      fill_point(o, M, CMPLX(x, 0), st.kappa, d, 0);
      o->iterations = passes;
      o->status = DEQ_OK;
      prev_k = k;
      prev_x = x;
      prev_kappa = st.kappa;
      prev_Fp = Fp;
      continue;
    }
    /* fallback: continuation from far away in the upper half plane */
    ns = ladder(o, M, CMPLX(x, 0), &passes);
    o->iterations = passes;
    o->status = ns;
    prev_k = -1;
    if (ns != DEQ_OK && worst == DEQ_OK)
      worst = ns;
  }
  return worst;
}

static deq_status sample_setup(fp_model *M, deq_freeprob_support **s,
                               const deq_spectrum *sp, double P)
{
  deq_status st = sample_model(M, sp, P);
  if (st != DEQ_OK)
    return st;
  st = support_edges(s, &M->omega, P, M->omega.dim);
  if (st != DEQ_OK)
    model_free(M);
  return st;
}

deq_status deq_freeprob_sample_density(deq_freeprob_point *out,
                                       const deq_spectrum *sp, double P,
                                       const double *x, size_t n)
{
  if (!out || !x)
    return DEQ_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return DEQ_EDOM;
  fp_model M;
  deq_freeprob_support *s = NULL;
  deq_status st = sample_setup(&M, &s, sp, P);
  if (st != DEQ_OK)
    return st;
  xi *p = sorted_points(x, n);
  if (!p)
    st = DEQ_ENOMEM;
  else
    st = density_sorted(out, &M, s, P, p, n);
  free(p);
  deq_freeprob_support_free(s);
  model_free(&M);
  return st;
}

/* ---------------------------------------------------------------- masses, CDF */

/* Cosine-series coefficients c[0..K-1] of the even periodic integrand
   f(theta) = rho(x(theta)) x'(theta) on interval k, sampled at the
   midpoints theta_j = (j + 1/2) pi/K, so that the integral from the lower
   edge to theta is c0 theta + sum c_j sin(j theta)/j.  */
static deq_status interval_series(double *c, const fp_model *M,
                                  const deq_freeprob_support *s, size_t k,
                                  double P, size_t K, int *passes)
{
  double lo = s->lo[k], hi = s->hi[k], h = 0.5 * (hi - lo);
  double *f = malloc(K * sizeof *f);
  xi *p = malloc(K * sizeof *p);
  deq_freeprob_point *o = malloc(K * sizeof *o);
  deq_status st = DEQ_OK;
  if (!f || !p || !o) {
    st = DEQ_ENOMEM;
    goto done;
  }
  for (size_t j = 0; j < K; j++) {
    double th = (j + 0.5) * M_PI / (double)K;
    p[j].x = 0.5 * (lo + hi) - h * cos(th);
    p[j].i = j;
  }
  st = density_sorted(o, M, s, P, p, K);  /* x increases with theta */
  for (size_t j = 0; j < K; j++) {
    double th = (j + 0.5) * M_PI / (double)K;
    f[j] = o[j].density * h * sin(th);
    *passes += o[j].iterations;
  }
  for (size_t m = 0; m < K; m++) {
    deq_sum acc;
    deq_sum_init(&acc);
    for (size_t j = 0; j < K; j++)
      deq_sum_add(&acc, f[j] * cos((double)m * (j + 0.5) * M_PI / (double)K));
    c[m] = deq_sum_get(&acc) * (m == 0 ? 1.0 : 2.0) / (double)K;
  }
done:
  free(f);
  free(p);
  free(o);
  return st;
}

static double series_integral(const double *c, size_t K, double th)
{
  double v = c[0] * th;
  for (size_t m = 1; m < K; m++)
    v += c[m] * sin((double)m * th) / (double)m;
  return v;
}

deq_status deq_freeprob_sample_support(deq_freeprob_support **out,
                                       const deq_spectrum *sp, double P)
{
  if (!out)
    return DEQ_EINVAL;
  *out = NULL;
  fp_model M;
  deq_freeprob_support *s = NULL;
  deq_status st = sample_setup(&M, &s, sp, P);
  if (st != DEQ_OK)
    return st;
  size_t K = 128;
  double *c = malloc(K * sizeof *c);
  if (!c)
    st = DEQ_ENOMEM;
  for (size_t k = 0; st == DEQ_OK && k < s->n; k++) {
    st = interval_series(c, &M, s, k, P, K, &s->passes);
    s->mass[k] = c ? c[0] * M_PI : NAN;
  }
  free(c);
  model_free(&M);
  if (st != DEQ_OK) {
    deq_freeprob_support_free(s);
    return st;
  }
  *out = s;
  return DEQ_OK;
}

deq_status deq_freeprob_sample_cdf(double *F, const deq_spectrum *sp,
                                   double P, const double *x, size_t n,
                                   size_t nodes)
{
  if (!F || !x)
    return DEQ_EINVAL;
  if (nodes == 0)
    nodes = 512;
  if (nodes < 16)
    return DEQ_EDOM;
  fp_model M;
  deq_freeprob_support *s = NULL;
  deq_status st = sample_setup(&M, &s, sp, P);
  if (st != DEQ_OK)
    return st;
  double *c = malloc(s->n * nodes * sizeof *c);
  int passes = 0;
  if (!c)
    st = DEQ_ENOMEM;
  for (size_t k = 0; st == DEQ_OK && k < s->n; k++)
    st = interval_series(c + k * nodes, &M, s, k, P, nodes, &passes);
  for (size_t i = 0; st == DEQ_OK && i < n; i++) {
    double v = x[i] >= 0 ? s->atom0 : 0.0;
    for (size_t k = 0; k < s->n; k++) {
      const double *ck = c + k * nodes;
      if (x[i] >= s->hi[k]) {
        v += ck[0] * M_PI;
      } else if (x[i] > s->lo[k]) {
        double h = 0.5 * (s->hi[k] - s->lo[k]);
        double cs = (0.5 * (s->lo[k] + s->hi[k]) - x[i]) / h;
        double th = acos(fmax(-1.0, fmin(1.0, cs)));
        v += series_integral(ck, nodes, th);
      }
    }
    F[i] = fmin(1.0, fmax(0.0, v));
  }
  free(c);
  deq_freeprob_support_free(s);
  model_free(&M);
  return st;
}

/* ---------------------------------------------------------------- moments */

/* Power series helpers (coefficients 0..K).  */
static void ser_mul(double *out, const double *a, const double *b, size_t K)
{
  for (size_t k = 0; k <= K; k++) {
    double v = 0;
    for (size_t j = 0; j <= k; j++)
      v += a[j] * b[k - j];
    out[k] = v;
  }
}

deq_status deq_freeprob_sample_moments(double *m, size_t order,
                                       const deq_spectrum *sp, double P)
{
  if (!m || !sp || sp->n == 0)
    return DEQ_EINVAL;
  if (order > FP_MAX_ORDER)
    return DEQ_EUNSUP;
  if (!(P > 0) || !isfinite(P) || !(sp->dim > 0) || !isfinite(sp->dim))
    return DEQ_EDOM;
  size_t K = order;
  double smax = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (!(sp->s[i] >= 0) || !isfinite(sp->s[i]))
      return DEQ_EDOM;
    smax = fmax(smax, sp->s[i]);
  }
  if (!(smax > 0))
    return DEQ_EDOM;
  double q = sp->dim / P;
  double mu[FP_MAX_ORDER + 1];   /* scaled population moments */
  for (size_t k = 1; k <= K; k++) {
    deq_sum acc;
    deq_sum_init(&acc);
    for (size_t i = 0; i < sp->n; i++)
      deq_sum_add(&acc, sp->m[i] * pow(sp->s[i] / smax, (double)k));
    mu[k] = deq_sum_get(&acc) / sp->dim;
  }
  /* Dt(u) = sum (-1)^{k-1} mu_k u^k; u = w (1 - q Dt(u)); then
     M_k = (-1)^{k+1} [w^k] Dt(u(w)).  */
  double u[FP_MAX_ORDER + 1], D[FP_MAX_ORDER + 1], pw[FP_MAX_ORDER + 1],
      tmp[FP_MAX_ORDER + 1];
  memset(u, 0, sizeof u);
  if (K >= 1)
    u[1] = 1;
  for (size_t it = 0; it <= K; it++) {
    memset(D, 0, sizeof D);
    memcpy(pw, u, sizeof pw);
    for (size_t k = 1; k <= K; k++) {
      double c = (k % 2 ? 1.0 : -1.0) * mu[k];
      for (size_t j = 0; j <= K; j++)
        D[j] += c * pw[j];
      ser_mul(tmp, pw, u, K);
      memcpy(pw, tmp, sizeof pw);
    }
    if (it == K)
      break;
    /* u = w (1 - q D) */
    double nu[FP_MAX_ORDER + 1];
    memset(nu, 0, sizeof nu);
    if (K >= 1)
      nu[1] = 1;
    for (size_t j = 2; j <= K; j++)
      nu[j] = -q * D[j - 1];
    memcpy(u, nu, sizeof u);
  }
  m[0] = 1;
  for (size_t k = 1; k <= K; k++)
    m[k] = (k % 2 ? 1.0 : -1.0) * D[k] * pow(smax, (double)k);
  return DEQ_OK;
}

/* ---------------------------------------------------------------- chain CDF */

deq_status deq_freeprob_chain_cdf(double *F, const deq_freeprob_chain *c,
                                  const double *x, size_t n, size_t nodes)
{
  if (!F || !x || !c)
    return DEQ_EINVAL;
  if (c->layers == 0 && c->P > 0)
    return deq_freeprob_sample_cdf(F, c->input, c->P, x, n, 0);
  if (nodes == 0)
    nodes = 4000;
  if (nodes < 16)
    return DEQ_EDOM;
  double xmax = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]))
      return DEQ_EDOM;
    xmax = fmax(xmax, x[i]);
  }
  double a0 = deq_freeprob_chain_atom0(c);
  if (isnan(a0))
    return chain_check(c) ? chain_check(c) : DEQ_EINVAL;
  double *g = malloc((nodes + 1) * sizeof *g), *cum = malloc((nodes + 1) * sizeof *cum);
  deq_freeprob_point *o = malloc((nodes + 1) * sizeof *o);
  deq_status st = DEQ_OK;
  if (!g || !cum || !o) {
    st = DEQ_ENOMEM;
    goto done;
  }
  /* x = xmax u^2 with u uniform: a 1/sqrt(x) hard edge at 0 and steep
     edges near 0 become smooth in u */
  double h = 1.0 / (double)nodes;
  for (size_t j = 0; j < nodes; j++) {
    double u = h * (double)(j + 1);
    g[j] = xmax * u * u;
  }
  if (xmax > 0)
    st = deq_freeprob_chain_density(o, c, g, nodes);
  if (st == DEQ_OK) {
    cum[0] = 0;
    for (size_t j = 1; j <= nodes; j++) {
      double u1 = h * (double)j, u0 = u1 - h;
      double f1 = xmax > 0 ? o[j - 1].density * 2 * xmax * u1 : 0;
      double f0 = j == 1 ? f1 : o[j - 2].density * 2 * xmax * u0;
      cum[j] = cum[j - 1] + 0.5 * (f0 + f1) * h;
    }
    for (size_t i = 0; i < n; i++) {
      double v = x[i] >= 0 ? a0 : 0;
      if (x[i] > 0 && xmax > 0) {
        double t = sqrt(x[i] / xmax) / h;
        size_t j = (size_t)t;
        if (j >= nodes)
          v += cum[nodes];
        else
          v += cum[j] + (t - (double)j) * (cum[j + 1] - cum[j]);
      }
      F[i] = fmin(1.0, fmax(0.0, v));
    }
  }
done:
  free(g);
  free(cum);
  free(o);
  return st;
}

/* ---------------------------------------------------------------- KS */

deq_status deq_freeprob_ks(double *D, const double *x, const double *F,
                           const double *Fleft, size_t n)
{
  if (!D || !x || !F || n == 0)
    return DEQ_EINVAL;
  double d = 0, N = (double)n;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j + 1 < n && x[j + 1] == x[i])
      j++;
    if (j + 1 < n && x[j + 1] < x[i])
      return DEQ_EINVAL; /* not sorted */
    double fl = Fleft ? Fleft[i] : F[i];
    d = fmax(d, fabs((double)i / N - fl));          /* just below x_i */
    d = fmax(d, fabs((double)(j + 1) / N - F[j]));  /* at x_i */
    i = j + 1;
  }
  *D = d;
  return DEQ_OK;
}

/* ------------------------------------------------------------ z by address */

/* The by-value functions with z passed by address (C++ and any caller
   whose ABI passes a complex differently from C): freeprob.h.  */
deq_status deq_freeprob_stieltjes_zp(deq_complex *g, const deq_spectrum *sp,
                                     const deq_complex *z)
{
  if (!z) return DEQ_EINVAL;
  return deq_freeprob_stieltjes(g, sp, *z);
}

deq_status deq_freeprob_mp_stieltjes_zp(deq_complex *g, double q,
                                        double scale, const deq_complex *z)
{
  if (!z) return DEQ_EINVAL;
  return deq_freeprob_mp_stieltjes(g, q, scale, *z);
}

deq_status deq_freeprob_sample_stieltjes_zp(deq_freeprob_point *out,
                                            const deq_spectrum *sp, double P,
                                            const deq_complex *z)
{
  if (!z) return DEQ_EINVAL;
  return deq_freeprob_sample_stieltjes(out, sp, P, *z);
}

deq_status deq_freeprob_chain_stieltjes_zp(deq_freeprob_point *out,
                                           const deq_freeprob_chain *c,
                                           const deq_complex *z)
{
  if (!z) return DEQ_EINVAL;
  return deq_freeprob_chain_stieltjes(out, c, *z);
}
