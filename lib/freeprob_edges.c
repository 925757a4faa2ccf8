/* freeprob_edges.c -- the support of the spectrum of a sample
 * covariance: its intervals, edges x(kappa) at the real critical points
 * df2(kappa) = P. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "freeprob_impl.h"
#include "deq/solve.h"

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
  deq_fp_rpass(&r, p->a, k);
  p->passes++;
  return 1.0 / sqrt(r.df2) - 1.0 / sqrt(p->P);
}

static double edge_df3(double k, void *vp)
{
  edge_params *p = vp;
  rsums r;
  deq_fp_rpass(&r, p->a, k);
  p->passes++;
  return r.df3;
}

static double xmap(const fp_atoms *a, double P, double k)
{
  rsums r;
  deq_fp_rpass(&r, a, k);
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
deq_status deq_fp_support_edges(deq_freeprob_support **out, const fp_atoms *a,
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
    deq_fp_rpass(&r, a, km);
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
