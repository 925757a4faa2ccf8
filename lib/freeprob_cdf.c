/* freeprob_cdf.c -- interval masses and CDFs of sample covariance and
 * product spectra, and the Kolmogorov-Smirnov distance. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "freeprob_impl.h"
#include "sum_impl.h"

/* Masses and CDF of a sample covariance.  Each support interval is cut
   adaptively into pieces [a, b] (geometrically while b/a > 4, since
   spectra may span many decades).  On a piece, x = X(s), s in [0, 1],
   with X' vanishing linearly at an end that is an edge of the support,
   so that a square-root (or inverse square-root) edge leaves a smooth
   integrand g(s) = rho(X(s)) X'(s); g is expanded in Chebyshev
   polynomials from K samples at s_j = (1 - cos theta_j)/2, theta_j =
   (j + 1/2) pi/K, and integrated term by term.  A piece is split until
   its last four coefficients are below FP_CDF_ABS + FP_CDF_REL times its
   mass.  */
#define FP_CDF_ABS 1e-14
#define FP_CDF_REL 1e-13
#define FP_CDF_DEPTH 60         /* splits of one interval, nested */
#define FP_CDF_MAX_PIECES 65536
#define FP_CDF_NODES 32         /* default coefficients per piece */

/* Which ends of a piece are edges of the support.  */
enum { FP_EDGE_LO = 1, FP_EDGE_HI = 2 };

typedef struct fp_cdf {
  size_t K;            /* coefficients per piece */
  size_t n, cap;       /* pieces, in increasing order of a */
  double *a, *b;       /* piece ends */
  int *edges;          /* FP_EDGE_* of each piece */
  size_t *interval;    /* support interval of each piece */
  double *mass;        /* integral of the density over each piece */
  double *below;       /* mass of the pieces before (atom excluded) */
  double *c;           /* K coefficients per piece */
  int passes;
  int unresolved;      /* pieces accepted at the depth or count limit */
} fp_cdf;

static void cdf_free(fp_cdf *T)
{
  free(T->a);
  free(T->b);
  free(T->edges);
  free(T->interval);
  free(T->mass);
  free(T->below);
  free(T->c);
}

/* x = X(s) on [a, b] and dX/ds: smoothstep with two edges, quadratic
   with one, linear with none.  */
static double piece_x(double a, double b, int edges, double s, double *dx)
{
  double w = b - a;
  switch (edges) {
  case FP_EDGE_LO | FP_EDGE_HI:
    *dx = 6 * w * s * (1 - s);
    return s < 0.5 ? a + w * s * s * (3 - 2 * s)
                   : b - w * (1 - s) * (1 - s) * (1 + 2 * s);
  case FP_EDGE_LO:
    *dx = 2 * w * s;
    return a + w * s * s;
  case FP_EDGE_HI:
    *dx = 2 * w * (1 - s);
    return b - w * (1 - s) * (1 - s);
  default:
    *dx = w;
    return a + w * s;
  }
}

/* The inverse of piece_x, as theta with s = (1 - cos theta)/2 =
   sin^2(theta/2).  */
static double piece_theta(double a, double b, int edges, double x)
{
  double w = b - a, u = fmax(0.0, fmin(1.0, (x - a) / w));
  double v = fmax(0.0, fmin(1.0, (b - x) / w)), s;
  switch (edges) {
  case FP_EDGE_LO | FP_EDGE_HI:  /* 3 s^2 - 2 s^3 = u */
    s = 0.5 - sin(asin(fmax(-1.0, fmin(1.0, 1 - 2 * u))) / 3);
    break;
  case FP_EDGE_LO:
    s = sqrt(u);
    break;
  case FP_EDGE_HI:
    return 2 * acos(sqrt(sqrt(v)));  /* cos^2(theta/2) = 1 - s = sqrt(v) */
  default:
    s = u;
  }
  return 2 * asin(sqrt(fmax(0.0, fmin(1.0, s))));
}

/* Chebyshev coefficients c[0..K-1] of g on the piece [a, b] of a support
   interval: g(s(theta)) = sum c_m cos(m theta).  */
static deq_status piece_series(double *c, const fp_model *M,
                               const deq_freeprob_support *s, double P,
                               double a, double b, int edges, size_t K,
                               int *passes)
{
  double *f = malloc(K * sizeof *f), *dx = malloc(K * sizeof *dx);
  fp_xi *p = calloc(K, sizeof *p);  /* calloc: no maybe-uninitialized */
  deq_freeprob_point *o = malloc(K * sizeof *o);
  deq_status st = DEQ_OK;
  if (!f || !dx || !p || !o) {
    st = DEQ_ENOMEM;
    goto done;
  }
  for (size_t j = 0; j < K; j++) {
    double sj = sin(0.5 * (j + 0.5) * M_PI / (double)K);
    p[j].x = piece_x(a, b, edges, sj * sj, &dx[j]);
    p[j].i = j;
  }
  st = deq_fp_density_sorted(o, M, s, P, p, K);  /* x increases with j */
  for (size_t j = 0; j < K; j++) {
    f[j] = o[j].density * dx[j];
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
  free(dx);
  free(p);
  free(o);
  return st;
}

/* int_0^s g ds' = (1/2) sum c_m int_0^theta cos(m t) sin(t) dt.  */
static double series_integral(const double *c, size_t K, double th)
{
  deq_sum acc;
  deq_sum_init(&acc);
  deq_sum_add(&acc, c[0] * 2 * sin(0.5 * th) * sin(0.5 * th));
  if (K > 1)
    deq_sum_add(&acc, c[1] * 0.5 * sin(th) * sin(th));
  for (size_t m = 2; m < K; m++) {
    double hp = sin(0.5 * (double)(m + 1) * th), hm = sin(0.5 * (double)(m - 1) * th);
    /* (1 - cos(k th))/k = 2 sin^2(k th/2)/k */
    deq_sum_add(&acc, c[m] * (hp * hp / (double)(m + 1) - hm * hm / (double)(m - 1)));
  }
  return 0.5 * deq_sum_get(&acc);
}

static deq_status cdf_append(fp_cdf *T, double a, double b, int edges,
                             size_t k, const double *c)
{
  if (T->n == T->cap) {
    size_t cap = T->cap ? 2 * T->cap : 64;
    double *na = realloc(T->a, cap * sizeof *na);
    if (na) T->a = na;
    double *nb = realloc(T->b, cap * sizeof *nb);
    if (nb) T->b = nb;
    int *ne = realloc(T->edges, cap * sizeof *ne);
    if (ne) T->edges = ne;
    size_t *ni = realloc(T->interval, cap * sizeof *ni);
    if (ni) T->interval = ni;
    double *nm = realloc(T->mass, cap * sizeof *nm);
    if (nm) T->mass = nm;
    double *nl = realloc(T->below, cap * sizeof *nl);
    if (nl) T->below = nl;
    double *nc = realloc(T->c, cap * T->K * sizeof *nc);
    if (nc) T->c = nc;
    if (!na || !nb || !ne || !ni || !nm || !nl || !nc)
      return DEQ_ENOMEM;
    T->cap = cap;
  }
  T->a[T->n] = a;
  T->b[T->n] = b;
  T->edges[T->n] = edges;
  T->interval[T->n] = k;
  T->mass[T->n] = series_integral(c, T->K, M_PI);
  for (size_t m = 0; m < T->K; m++)
    T->c[T->n * T->K + m] = c[m];
  T->n++;
  return DEQ_OK;
}

/* Where to cut [a, b]: geometrically across decades, towards 0 from a
   hard edge at 0, in the middle otherwise.  */
static double split_point(double a, double b)
{
  if (a > 0 && b > 4 * a)
    return sqrt(a) * sqrt(b);
  if (a == 0)
    return b / 16;
  return a + 0.5 * (b - a);
}

/* The tail of the series: its largest last four coefficients.  */
static double series_tail(const double *c, size_t K)
{
  double t = 0;
  for (size_t m = K - 4; m < K; m++)
    t = fmax(t, fabs(c[m]));
  return t;
}

static int piece_edges(const deq_freeprob_support *s, size_t k, double a,
                       double b)
{
  return (a == s->lo[k] ? FP_EDGE_LO : 0) | (b == s->hi[k] ? FP_EDGE_HI : 0);
}

static int small(double err, double mass)
{
  return err <= FP_CDF_ABS + FP_CDF_REL * fabs(mass);
}

/* Resolve the piece [a, b] of interval k (its series in c) into pieces,
   left to right: accepted when the tail of its series is small, else
   each half is resolved in turn.  work holds K coefficients per nesting
   level.  */
static deq_status cdf_refine(fp_cdf *T, const fp_model *M,
                             const deq_freeprob_support *s, double P,
                             size_t k, double a, double b, const double *c,
                             int depth, double *work)
{
  size_t K = T->K;
  double mid = split_point(a, b);
  int resolved = small(series_tail(c, K), series_integral(c, K, M_PI));
  if (resolved || !(depth + 1 < FP_CDF_DEPTH
                    && T->n + 2 <= FP_CDF_MAX_PIECES && mid > a && mid < b)) {
    T->unresolved += !resolved;
    return cdf_append(T, a, b, piece_edges(s, k, a, b), k, c);
  }
  double *ch = work + (size_t)(depth + 1) * K;
  double ends[3] = { a, mid, b };
  deq_status st = DEQ_OK;
  for (int h = 0; h < 2 && st == DEQ_OK; h++) {
    st = piece_series(ch, M, s, P, ends[h], ends[h + 1],
                      piece_edges(s, k, ends[h], ends[h + 1]), K, &T->passes);
    if (st == DEQ_OK)
      st = cdf_refine(T, M, s, P, k, ends[h], ends[h + 1], ch, depth + 1,
                      work);
  }
  return st;
}

/* The table of every support interval of s.  */
static deq_status cdf_build(fp_cdf *T, const fp_model *M,
                            const deq_freeprob_support *s, double P, size_t K)
{
  memset(T, 0, sizeof *T);
  T->K = K;
  double *work = malloc((FP_CDF_DEPTH + 1) * K * sizeof *work);
  if (!work)
    return DEQ_ENOMEM;
  deq_status st = DEQ_OK;
  for (size_t k = 0; st == DEQ_OK && k < s->n; k++) {
    double a = s->lo[k], b = s->hi[k];
    st = piece_series(work, M, s, P, a, b, piece_edges(s, k, a, b), K,
                      &T->passes);
    if (st == DEQ_OK)
      st = cdf_refine(T, M, s, P, k, a, b, work, 0, work);
  }
  free(work);
  if (st == DEQ_OK && T->unresolved > 0)
    st = DEQ_ENOCONV;
  deq_sum acc;
  deq_sum_init(&acc);
  for (size_t j = 0; j < T->n; j++) {
    T->below[j] = deq_sum_get(&acc);
    deq_sum_add(&acc, T->mass[j]);
  }
  return st;
}

/* Continuous part of the CDF at x from the table.  */
static double cdf_eval(const fp_cdf *T, double x)
{
  if (T->n == 0 || !(x > T->a[0]))
    return 0;
  size_t lo = 0, hi = T->n;     /* last piece with a < x */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (T->a[mid] < x)
      lo = mid;
    else
      hi = mid;
  }
  size_t j = lo;
  if (x >= T->b[j])
    return T->below[j] + T->mass[j];
  double th = piece_theta(T->a[j], T->b[j], T->edges[j], x);
  return T->below[j] + series_integral(T->c + j * T->K, T->K, th);
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
  fp_cdf T;
  st = cdf_build(&T, &M, s, P, FP_CDF_NODES);
  if (st == DEQ_OK) {
    deq_sum acc[1];
    for (size_t k = 0, j = 0; k < s->n; k++) {
      deq_sum_init(acc);
      for (; j < T.n && T.interval[j] == k; j++)
        deq_sum_add(acc, T.mass[j]);
      s->mass[k] = deq_sum_get(acc);
    }
    s->passes += T.passes;
  }
  cdf_free(&T);
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
    nodes = FP_CDF_NODES;
  if (nodes < 16)
    return DEQ_EDOM;
  fp_model M;
  deq_freeprob_support *s = NULL;
  deq_status st = deq_fp_sample_setup(&M, &s, sp, P);
  if (st != DEQ_OK)
    return st;
  fp_cdf T;
  st = cdf_build(&T, &M, s, P, nodes);
  for (size_t i = 0; st == DEQ_OK && i < n; i++) {
    double v = (x[i] >= 0 ? s->atom0 : 0.0) + cdf_eval(&T, x[i]);
    F[i] = fmin(1.0, fmax(0.0, v));
  }
  cdf_free(&T);
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
