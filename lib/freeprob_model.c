/* freeprob_model.c -- the chain model and its complex solver: Newton on
 * Lambda(kappa) + z (with the inner solves of structured layers) and the
 * continuation down a ladder of eta (see freeprob_impl.h). */
#include "config.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "freeprob_impl.h"

void deq_fp_model_free(fp_model *M)
{
  deq_fp_atoms_free(&M->omega);
  for (size_t l = 0; l < M->L; l++)
    if (M->structured[l])
      deq_fp_atoms_free(&M->lay[l]);
}

deq_status deq_fp_chain_check(const deq_freeprob_chain *c)
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

deq_status deq_fp_model_init(fp_model *M, const deq_freeprob_chain *c)
{
  memset(M, 0, sizeof *M);
  deq_status st = deq_fp_chain_check(c);
  if (st != DEQ_OK)
    return st;
  st = deq_fp_atoms_init(&M->omega, c->input);
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
      st = deq_fp_atoms_init(&M->lay[l], c->layer[l]);
      if (st != DEQ_OK) {
        deq_fp_model_free(M);
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
  deq_fp_cpass(&c, a, x);
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
      deq_fp_cpass(&cn, a, xn);
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
  deq_fp_cpass(&c, &M->omega, k);
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
deq_status deq_fp_newton(fp_state *st, double complex *Fp_out,
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

void deq_fp_fill_point(deq_freeprob_point *o, const fp_model *M,
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
deq_status deq_fp_ladder(deq_freeprob_point *o, const fp_model *M,
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
  deq_status s = deq_fp_newton(&st, &Fp, &d, M, CMPLX(x, eta), 1, passes);
  if (s != DEQ_OK)
    return s;
  double factor = 4;
  while (eta > target) {
    double next = fmax(eta / factor, target);
    fp_state t = st;
    s = deq_fp_newton(&t, &Fp, &d, M, CMPLX(x, next), 1, passes);
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
    deq_fp_fill_point(o, M, z, st.kappa, d, 0);
    o->eta = 0;
    return DEQ_OK;
  }
  /* onto the axis: any root (a real kappa outside the support) */
  fp_state t = st;
  double complex d0;
  if (deq_fp_newton(&t, &Fp, &d0, M, CMPLX(x, 0), 0, passes) == DEQ_OK
      && cimag(t.kappa) <= 1e-12 * cabs(t.kappa)) {
    if (cimag(t.kappa) > 0) /* rounding: real root */
      t.kappa = creal(t.kappa);
    deq_fp_fill_point(o, M, CMPLX(x, 0), t.kappa, d0, 0);
    return DEQ_OK;
  }
  deq_fp_fill_point(o, M, CMPLX(x, 0), st.kappa, d, eta);
  return DEQ_OK;
}
