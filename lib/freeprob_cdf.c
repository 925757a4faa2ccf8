/* freeprob_cdf.c -- interval masses and CDFs of sample covariance and
 * product spectra, and the Kolmogorov-Smirnov distance. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "freeprob_impl.h"
#include "sum_impl.h"

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
  fp_xi *p = malloc(K * sizeof *p);
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
  st = deq_fp_density_sorted(o, M, s, P, p, K);  /* x increases with theta */
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
  deq_status st = deq_fp_sample_setup(&M, &s, sp, P);
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
  deq_fp_model_free(&M);
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
  deq_status st = deq_fp_sample_setup(&M, &s, sp, P);
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
  deq_fp_model_free(&M);
  return st;
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
    return deq_fp_chain_check(c) ? deq_fp_chain_check(c) : DEQ_EINVAL;
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
