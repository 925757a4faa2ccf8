/* freeprob_density.c -- the Stieltjes transform and the density of a
 * sample covariance on the real axis: Newton from an edge expansion or
 * the previous point inside the support, the real root outside. */
#include "config.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "freeprob_impl.h"
#include "deq/solve.h"

static int cmp_xi(const void *a, const void *b)
{
  double u = ((const fp_xi *)a)->x, v = ((const fp_xi *)b)->x;
  return (u > v) - (u < v);
}

fp_xi *deq_fp_sorted_points(const double *x, size_t n)
{
  fp_xi *p = malloc((n ? n : 1) * sizeof *p);
  if (!p)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    p[i].x = x[i];
    p[i].i = i;
  }
  qsort(p, n, sizeof *p, cmp_xi);
  return p;
}

static deq_status sample_model(fp_model *M, const deq_spectrum *sp, double P)
{
  if (!sp)
    return DEQ_EINVAL;
  if (!(P > 0) || !isfinite(P))
    return DEQ_EDOM;
  deq_freeprob_chain c = { sp, 0, NULL, NULL, P };
  return deq_fp_model_init(M, &c);
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
  deq_fp_rpass(&r, p->a, k);
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
  deq_fp_rpass(&rs, &M->omega, creal(o->kappa));
  o->df = rs.df1;
  if (x != 0)
    o->g = -(1.0 - rs.df1 / M->n_out) / x;
  else /* kappa = 0: g(0) = (1/N) tr Sigma^-1/(1 - N/P) (full rank) */
    o->g = NAN;
}

/* Densities at sorted points p[0..n-1] with a support s.  */
deq_status deq_fp_density_sorted(deq_freeprob_point *out, const fp_model *M,
                                 const deq_freeprob_support *s, double P,
                                 const fp_xi *p, size_t n)
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
      st.kappa = prev_kappa;
      if (isfinite(creal(prev_Fp)))
        st.kappa -= (x - prev_x) / prev_Fp;  /* predictor */
      if (!(cimag(st.kappa) < 0))
        st.kappa = CMPLX(creal(st.kappa), 0.5 * cimag(prev_kappa));
    } else {
      /* square-root expansion at the nearer edge:
         Lambda ~ Lambda_e + Lambda''_e (k - k_e)^2/2, Lambda'' = 2 df3/P */
      int upper = x - s->lo[k] > s->hi[k] - x;
      double ke = upper ? s->khi[k] : s->klo[k];
      double xe = upper ? s->hi[k] : s->lo[k];
      rsums r;
      deq_fp_rpass(&r, &M->omega, ke);
      double c = 2 * (xe - x) / (2 * r.df3 / P);
      st.kappa = CMPLX(ke, -sqrt(fabs(c)));
    }
    int passes = 0;
    double complex Fp, d;
    deq_status ns = deq_fp_newton(&st, &Fp, &d, M, CMPLX(x, 0), 1, &passes);
    /* Inside the support the equation has one pair of complex roots, the
       rest are real; a root with Im kappa near rounding may be a real
       one.  The complex pair comes near the axis only where two real
       roots almost meet, at a critical point of Lambda, and there
       Lambda' = Fp is nearly imaginary; at a real root it is real.  */
    if (ns == DEQ_OK && cimag(st.kappa) < 0
        && (cimag(st.kappa) < -FP_COMPLEX_ROOT * cabs(st.kappa)
            || fabs(cimag(Fp)) > fabs(creal(Fp)))) {
      deq_fp_fill_point(o, M, CMPLX(x, 0), st.kappa, d, 0);
      o->iterations = passes;
      o->status = DEQ_OK;
      prev_k = k;
      prev_x = x;
      prev_kappa = st.kappa;
      prev_Fp = Fp;
      continue;
    }
    /* fallback: continuation from far away in the upper half plane */
    ns = deq_fp_ladder(o, M, CMPLX(x, 0), &passes);
    o->iterations = passes;
    o->status = ns;
    prev_k = -1;
    if (ns == DEQ_OK && o->eta == 0 && cimag(o->kappa) < 0) {
      prev_k = k;   /* a root on the axis: the next point starts from it */
      prev_x = x;
      prev_kappa = o->kappa;
      prev_Fp = NAN;
    }
    if (ns != DEQ_OK && worst == DEQ_OK)
      worst = ns;
  }
  return worst;
}

deq_status deq_fp_sample_setup(fp_model *M, deq_freeprob_support **s,
                               const deq_spectrum *sp, double P)
{
  deq_status st = sample_model(M, sp, P);
  if (st != DEQ_OK)
    return st;
  st = deq_fp_support_edges(s, &M->omega, P, M->omega.dim);
  if (st != DEQ_OK)
    deq_fp_model_free(M);
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
  deq_status st = deq_fp_sample_setup(&M, &s, sp, P);
  if (st != DEQ_OK)
    return st;
  fp_xi *p = deq_fp_sorted_points(x, n);
  if (!p)
    st = DEQ_ENOMEM;
  else
    st = deq_fp_density_sorted(out, &M, s, P, p, n);
  free(p);
  deq_freeprob_support_free(s);
  deq_fp_model_free(&M);
  return st;
}
