/* spectrum_quad.c -- build the compressed rule of a spectrum: bins of
 * eigenvalue ratio 2 and the Gauss rule of each large bin's discrete
 * measure (see deq/spectrum_rule.h for the bound).
 *
 * In a bin [a, 2a), a = 2^e, the atoms are mapped exactly to
 * x = s/2^(e-1) - 3 in [-1, 1).  The recurrence of the orthonormal
 * polynomials of sum w_i delta(x_i) comes from the discretised Stieltjes
 * procedure (one pass over the bin per coefficient); the nodes and weights
 * are the eigenvalues and squared first components of the Jacobi matrix.  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "deq/spectrum_rule.h"
#include "spectrum_rule_impl.h"
#include "sum_impl.h"

#define EXP_MIN (-1074)

/* floor(log2 s) for s > 0, from the bits of a normal number.  */
static inline int exponent_of(double s)
{
  uint64_t u;
  memcpy(&u, &s, sizeof u);
  int ex = (int)((u >> 52) & 0x7ff);
  return ex ? ex - 1023 : ilogb(s);
}

/* s * 2^k, exactly (a multiplication when 2^k is a normal number).  */
static inline double times_pow2(double s, int k)
{
  if (k < -1022 || k > 1023) return scalbn(s, k);
  uint64_t u = (uint64_t)(k + 1023) << 52;
  double p;
  memcpy(&p, &u, sizeof p);
  return s * p;
}
#define EXP_COUNT (1024 - EXP_MIN)
#define MAX_NODES 64

/* Eigenvalues d[0..n) and first eigenvector components z[0..n) of the
   symmetric tridiagonal matrix with diagonal d and off-diagonal e[0..n-1)
   (destroyed), by the implicit QL method; z must hold the unit vector e_1
   on entry (rotations act on each row of the eigenvector matrix
   separately, so only its first row is carried).  0 on success.  */
static int jacobi_eigen(int n, double *d, double *e, double *z)
{
  e[n - 1] = 0;
  for (int l = 0; l < n; l++) {
    int iter = 0, m;
    do {
      for (m = l; m < n - 1; m++) {
        double dd = fabs(d[m]) + fabs(d[m + 1]);
        if (fabs(e[m]) <= DBL_EPSILON * dd) break;
      }
      if (m == l) break;
      if (iter++ == 60) return -1;
      double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
      double r = hypot(g, 1.0);
      g = d[m] - d[l] + e[l] / (g + copysign(r, g));
      double s = 1, c = 1, p = 0;
      int i;
      for (i = m - 1; i >= l; i--) {
        double f = s * e[i], b = c * e[i];
        e[i + 1] = r = hypot(f, g);
        if (r == 0) { /* deflation: restart from l */
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2.0 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        double zf = z[i + 1];
        z[i + 1] = s * z[i] + c * zf;
        z[i] = c * z[i] - s * zf;
      }
      if (r == 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    } while (m != l);
  }
  return 0;
}

/* The `nodes`-point Gauss rule of sum w[i] delta(x[i]) (w >= 0, not all
   0; x in [-1, 1]) into nx, nw.  w is scaled in place; qa, qb: scratch of
   n doubles.  0 on
   success; -1 when the measure has too few distinct points (or the
   recurrence degenerates), so that the bin is better kept as it is.  */
static int gauss_rule(const double *x, double *w, size_t n, int nodes,
                      double *nx, double *nw, double *qa, double *qb)
{
  double wmax = 0;
  for (size_t i = 0; i < n; i++) wmax = w[i] > wmax ? w[i] : wmax;
  deq_sum t0, t1;
  deq_sum_init(&t0);
  deq_sum_init(&t1);
  for (size_t i = 0; i < n; i++) {
    w[i] /= wmax; /* the scale of the weights does not matter */
    deq_sum_add(&t0, w[i]);
    deq_sum_add(&t1, w[i] * x[i]);
  }
  double mu0 = deq_sum_get(&t0), c0 = 1.0 / sqrt(mu0);
  double alpha[MAX_NODES], beta[MAX_NODES], z[MAX_NODES];
  alpha[0] = deq_sum_get(&t1) / mu0;
  beta[0] = 0;
  for (size_t i = 0; i < n; i++) {
    qa[i] = c0; /* q_0, normalised */
    qb[i] = 0;  /* q_-1 */
  }
  double inv = 1.0, bmax = 0;
  for (int j = 0; j + 1 < nodes; j++) {
    /* qa holds beta_j q_j (unnormalised), qb holds q_(j-1).  */
    deq_sum r2, xr2;
    deq_sum_init(&r2);
    deq_sum_init(&xr2);
    double a = alpha[j], b = beta[j];
    for (size_t i0 = 0; i0 < n; i0 += DEQ_SUM_BLOCK) {
      size_t i1 = i0 + DEQ_SUM_BLOCK < n ? i0 + DEQ_SUM_BLOCK : n;
      double p2[4] = {0}, px2[4] = {0}; /* 4 partial sums: no add chain */
      for (size_t i = i0; i < i1; i++) {
        double q = qa[i] * inv, r = (x[i] - a) * q - b * qb[i];
        double wr2 = w[i] * r * r;
        qb[i] = q;
        qa[i] = r;
        p2[i & 3] += wr2;
        px2[i & 3] += wr2 * x[i];
      }
      deq_sum_add(&r2, (p2[0] + p2[1]) + (p2[2] + p2[3]));
      deq_sum_add(&xr2, (px2[0] + px2[1]) + (px2[2] + px2[3]));
    }
    double s2 = deq_sum_get(&r2);
    beta[j + 1] = sqrt(s2);
    bmax = fmax(bmax, beta[j + 1]);
    if (!(beta[j + 1] > 1e-7 * bmax) || !(s2 > 0)) return -1;
    alpha[j + 1] = deq_sum_get(&xr2) / s2;
    inv = 1.0 / beta[j + 1];
  }
  double e[MAX_NODES];
  for (int j = 0; j < nodes; j++) {
    nx[j] = alpha[j];
    e[j] = j + 1 < nodes ? beta[j + 1] : 0;
    z[j] = j == 0;
  }
  if (jacobi_eigen(nodes, nx, e, z)) return -1;
  for (int j = 0; j < nodes; j++) {
    if (!(nx[j] >= -1 && nx[j] <= 1)) return -1; /* nodes lie in the hull */
    nw[j] = wmax * mu0 * z[j] * z[j];
  }
  return 0;
}

typedef struct rule_buf {
  deq_weighted_rule *r;
  size_t cap;
  int sparse;   /* measures built from their own support (add_bin_sparse) */
} rule_buf;

/* Append an atom at s with weights w[0..nw).  */
static int push_atom(rule_buf *b, double s, const double *w)
{
  deq_weighted_rule *r = b->r;
  if (r->n == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 256;
    double *ns = realloc(r->s, cap * sizeof *ns);
    if (!ns) return -1;
    r->s = ns;
    for (int k = 0; k < r->nw; k++) {
      double *nw = realloc(r->w[k], cap * sizeof *nw);
      if (!nw) return -1;
      r->w[k] = nw;
    }
    b->cap = cap;
  }
  r->s[r->n] = s;
  for (int k = 0; k < r->nw; k++) r->w[k][r->n] = w[k];
  r->n++;
  return 0;
}

void deq_weighted_rule_free(deq_weighted_rule *rule)
{
  if (!rule) return;
  free(rule->s);
  for (int k = 0; k < DEQ_RULE_MAX_WEIGHTS; k++) free(rule->w[k]);
  free(rule);
}

void deq_spectrum_rule_free(deq_spectrum_rule *rule)
{
  if (!rule) return;
  free(rule->s);
  free(rule->m);
  free(rule->v);
  free(rule);
}

/* The Gauss rule of a measure of any size.  A Gauss rule depends only on
   the moments of degree < 2 nodes, which the Gauss rules of the parts of
   a measure reproduce; so a large measure is first replaced, chunk by
   chunk (each small enough to stay in cache), by the union of the rules
   of its chunks, and the rule of that union is the rule of the whole.
   Chunks with too few distinct points stay as they are.  */
#define CHUNK 2048

static int measure_rule(const double *x, const double *w, size_t n, int nodes,
                        double *nx, double *nw)
{
  size_t len = n < CHUNK ? n : CHUNK;
  double *buf = malloc((3 * len + 2 * (n > CHUNK ? n : 0)) * sizeof *buf);
  if (!buf) return -2;
  double *wc = buf, *qa = buf + len, *qb = buf + 2 * len;
  int st;
  if (n <= CHUNK) {
    memcpy(wc, w, n * sizeof *w);
    st = gauss_rule(x, wc, n, nodes, nx, nw, qa, qb);
  } else {
    double *rx = buf + 3 * len, *rw = rx + n, cx[MAX_NODES], cw[MAX_NODES];
    size_t k = 0;
    for (size_t c0 = 0; c0 < n; c0 += CHUNK) {
      size_t c1 = c0 + CHUNK < n ? c0 + CHUNK : n, cn = c1 - c0;
      double any = 0;
      for (size_t i = c0; i < c1; i++) any = w[i] > any ? w[i] : any;
      if (any == 0) continue; /* no weight: nothing to represent */
      memcpy(wc, w + c0, cn * sizeof *w);
      if (cn > (size_t)nodes &&
          gauss_rule(x + c0, wc, cn, nodes, cx, cw, qa, qb) == 0) {
        memcpy(rx + k, cx, (size_t)nodes * sizeof *cx);
        memcpy(rw + k, cw, (size_t)nodes * sizeof *cw);
        k += (size_t)nodes;
      } else {
        memcpy(rx + k, x + c0, cn * sizeof *x);
        memcpy(rw + k, w + c0, cn * sizeof *w);
        k += cn;
      }
    }
    st = k < n ? measure_rule(rx, rw, k, nodes, nx, nw) : -1;
  }
  free(buf);
  return st;
}

/* The bin's atoms idx[0..n) unchanged, with all their weights.  */
static int keep_atoms(rule_buf *b, const double *s, const double *const *w,
                      const size_t *idx, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    double wt[DEQ_RULE_MAX_WEIGHTS];
    for (int k = 0; k < b->r->nw; k++) wt[k] = w[k][idx[i]];
    if (push_atom(b, s[idx[i]], wt)) return -1;
  }
  return 0;
}

/* add_bin for measures that vanish on most atoms (the pair sums of
   linear views: coordinates seen by both members, ...): each measure's
   rule is built from the atoms where it has weight only (a Gauss rule
   does not see atoms of weight 0), and a measure with no more such
   atoms than nodes keeps them as they are.  */
static int add_bin_sparse(rule_buf *b, const double *s,
                          const double *const *w, const size_t *idx,
                          size_t n, int e, int nodes, double *work)
{
  int nw = b->r->nw;
  size_t nk[DEQ_RULE_MAX_WEIGHTS], len = 0;
  for (int k = 0; k < nw; k++) {
    nk[k] = 0;
    for (size_t i = 0; i < n; i++) nk[k] += w[k][idx[i]] > 0;
    len += nk[k] < (size_t)nodes ? nk[k] : (size_t)nodes;
  }
  if (!(n > len && e >= DBL_MIN_EXP)) return keep_atoms(b, s, w, idx, n);
  double nx[DEQ_RULE_MAX_WEIGHTS][MAX_NODES];
  double nwt[DEQ_RULE_MAX_WEIGHTS][MAX_NODES];
  double *x = work, *wk = work + n;
  for (int k = 0; k < nw; k++) {
    if (nk[k] <= (size_t)nodes) continue;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
      if (w[k][idx[i]] > 0) {
        x[j] = times_pow2(s[idx[i]], 1 - e) - 3.0; /* exact */
        wk[j++] = w[k][idx[i]];
      }
    int st = measure_rule(x, wk, j, nodes, nx[k], nwt[k]);
    if (st == -2) return -1;
    if (st) return keep_atoms(b, s, w, idx, n);
  }
  double wt[DEQ_RULE_MAX_WEIGHTS] = {0};
  for (int k = 0; k < nw; k++) {
    if (nk[k] <= (size_t)nodes) {
      for (size_t i = 0; i < n; i++) {
        if (!(w[k][idx[i]] > 0)) continue;
        wt[k] = w[k][idx[i]];
        if (push_atom(b, s[idx[i]], wt)) return -1;
      }
    } else {
      for (int j = 0; j < nodes; j++) {
        wt[k] = nwt[k][j];
        if (push_atom(b, times_pow2(nx[k][j] + 3.0, e - 1), wt)) return -1;
      }
    }
    wt[k] = 0;
  }
  b->r->gauss++;
  return 0;
}

/* One bin (atoms idx[0..n), exponent e): the Gauss rule of each of its
   measures sum w[k][i] delta(s_i) that carries weight (nodes with weight
   in that measure only, measure by measure), or its atoms unchanged when
   the rules would not be shorter or cannot be formed.  */
static int add_bin(rule_buf *b, const double *s, const double *const *w,
                   const size_t *idx, size_t n, int e, int nodes,
                   double *work)
{
  if (b->sparse) return add_bin_sparse(b, s, w, idx, n, e, nodes, work);
  int nw = b->r->nw, used[DEQ_RULE_MAX_WEIGHTS], nused = 0;
  double *x = work, *wk = work + n;
  for (int k = 0; k < nw; k++) {
    used[k] = 0;
    for (size_t i = 0; i < n && !used[k]; i++) used[k] = w[k][idx[i]] > 0;
    nused += used[k];
  }
  size_t len = (size_t)nodes * (size_t)nused;
  /* Nodes of a bin below 2^(DBL_MIN_EXP - 1) would be rounded to
     subnormal spacing on the way back: such bins keep their atoms.  */
  if (n > len && e >= DBL_MIN_EXP) {
    double nx[DEQ_RULE_MAX_WEIGHTS][MAX_NODES];
    double nwt[DEQ_RULE_MAX_WEIGHTS][MAX_NODES];
    for (size_t i = 0; i < n; i++)
      x[i] = times_pow2(s[idx[i]], 1 - e) - 3.0; /* exact */
    int st = 0;
    for (int k = 0; k < nw && st == 0; k++) {
      if (!used[k]) continue;
      for (size_t i = 0; i < n; i++) wk[i] = w[k][idx[i]];
      st = measure_rule(x, wk, n, nodes, nx[k], nwt[k]);
    }
    if (st == -2) return -1;
    if (st == 0) {
      double wt[DEQ_RULE_MAX_WEIGHTS] = {0};
      for (int k = 0; k < nw; k++)
        for (int j = 0; used[k] && j < nodes; j++) {
          wt[k] = nwt[k][j];
          if (push_atom(b, times_pow2(nx[k][j] + 3.0, e - 1), wt)) return -1;
          wt[k] = 0;
        }
      b->r->gauss++;
      return 0;
    }
  }
  return keep_atoms(b, s, w, idx, n);
}

static deq_status rule_build(deq_weighted_rule **out, deq_rule_bins *bb,
                             size_t n, const double *s,
                             const double *const *w, int nw, int nodes,
                             int sparse);

/* The spectrum's rule: its measures m and v.  */
static deq_status spectrum_rule(deq_spectrum_rule **out, deq_rule_bins *bb,
                                const deq_spectrum *sp, int nodes)
{
  *out = NULL;
  if (!sp || sp->n == 0) return DEQ_EINVAL;
  const double *w[2] = { sp->m, sp->v };
  deq_weighted_rule *wr = NULL;
  deq_status st = rule_build(&wr, bb, sp->n, sp->s, w, 2, nodes, 0);
  if (st != DEQ_OK || !wr) return st;
  deq_spectrum_rule *r = malloc(sizeof *r);
  if (!r) {
    deq_weighted_rule_free(wr);
    return DEQ_ENOMEM;
  }
  *r = (deq_spectrum_rule){ wr->n, wr->s, wr->w[0], wr->w[1], wr->source,
                            wr->bins, wr->gauss };
  free(wr);
  *out = r;
  return DEQ_OK;
}

deq_status deq_spectrum_rule_build(deq_spectrum_rule **out,
                                   const deq_spectrum *sp, int nodes)
{
  if (!out) return DEQ_EINVAL;
  return spectrum_rule(out, NULL, sp, nodes);
}

deq_status deq_weighted_rule_build(deq_weighted_rule **out, size_t n,
                                   const double *s, const double *const *w,
                                   int nw, int nodes)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (!s || !w || nw < 1 || nw > DEQ_RULE_MAX_WEIGHTS) return DEQ_EINVAL;
  for (int k = 0; k < nw; k++)
    if (!w[k]) return DEQ_EINVAL;
  return rule_build(out, NULL, n, s, w, nw, nodes, 1);
}

void deq_rule_bins_free(deq_rule_bins *bb)
{
  if (!bb) return;
  deq_spectrum_rule_free(bb->rule);
  free(bb->bin);
  free(bb->idx);
  free(bb);
}

deq_status deq_rule_bins_build(deq_rule_bins **out, const deq_spectrum *sp,
                               int nodes)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  deq_rule_bins *bb = calloc(1, sizeof *bb);
  if (!bb) return DEQ_ENOMEM;
  bb->refs = 1;
  deq_status st = spectrum_rule(&bb->rule, bb, sp, nodes);
  if (st != DEQ_OK || !bb->rule) {
    deq_rule_bins_free(bb);
    return st;
  }
  *out = bb;
  return DEQ_OK;
}

/* The rule of the measures w[0..nw) on the atoms s[0..n); with bb, also
   its bins (bb->rule is not set here).  sparse: each measure from its own
   support (add_bin_sparse); the spectrum's m and v keep add_bin, whose
   rules are those of every release before.  */
static deq_status rule_build(deq_weighted_rule **out, deq_rule_bins *bb,
                             size_t n, const double *s,
                             const double *const *w, int nw, int nodes,
                             int sparse)
{
  *out = NULL;
  if (n == 0 || nodes < 1 || nodes > MAX_NODES) return DEQ_EINVAL;
  size_t *count = calloc(EXP_COUNT + 1, sizeof *count);
  if (!count) return DEQ_ENOMEM;
  size_t zeros = 0, big = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] > 0) count[exponent_of(s[i]) - EXP_MIN + 1]++;
    else zeros++;
  }
  for (int k = 1; k <= EXP_COUNT; k++) big |= count[k] > (size_t)nodes;
  if (!big) { /* nothing to compress */
    free(count);
    return DEQ_OK;
  }
  /* Counting sort of the positive atoms by bin, decreasing eigenvalue.  */
  size_t *start = malloc((EXP_COUNT + 1) * sizeof *start);
  size_t *idx = malloc((n - zeros + 1) * sizeof *idx);
  size_t maxbin = 0, bins = 0;
  for (int k = 1; k <= EXP_COUNT; k++) {
    maxbin = count[k] > maxbin ? count[k] : maxbin;
    bins += count[k] > 0;
  }
  double *work = malloc(2 * maxbin * sizeof *work);
  deq_weighted_rule *r = calloc(1, sizeof *r);
  deq_status st = DEQ_ENOMEM;
  if (!start || !idx || !work || !r) goto done;
  r->nw = nw;
  size_t pos = 0;
  for (int k = EXP_COUNT; k >= 1; k--) {
    start[k] = pos;
    pos += count[k];
  }
  for (size_t i = 0; i < n; i++)
    if (s[i] > 0) idx[start[exponent_of(s[i]) - EXP_MIN + 1]++] = i;
  rule_buf b = {r, 0, sparse};
  r->source = n;
  r->bins = bins;
  if (bb && !(bb->bin = calloc(bins, sizeof *bb->bin))) goto done;
  pos = 0;
  for (int k = EXP_COUNT; k >= 1; k--) {
    if (!count[k]) continue;
    size_t off = r->n, gauss = r->gauss;
    if (add_bin(&b, s, w, idx + pos, count[k], k - 1 + EXP_MIN, nodes, work))
      goto done;
    if (bb) {
      deq_rule_bin *x = &bb->bin[bb->nbins++];
      *x = (deq_rule_bin){ k - 1 + EXP_MIN, r->gauss > gauss, off,
                           r->n - off, pos, count[k], 0, 0 };
      for (size_t i = pos; i < pos + count[k]; i++) {   /* w = {m, v} */
        x->wv += w[1][idx[i]];
        x->wm += w[0][idx[i]];
      }
    }
    pos += count[k];
  }
  if (bb) bb->rest = r->n;
  for (size_t i = 0; i < n; i++) {
    if (s[i] > 0) continue;
    double wt[DEQ_RULE_MAX_WEIGHTS];
    for (int k = 0; k < nw; k++) wt[k] = w[k][i];
    if (push_atom(&b, s[i], wt)) goto done;
  }
  if (r->gauss > 0) {
    *out = r;
    r = NULL;
    if (bb) {
      bb->idx = idx;
      idx = NULL;
    }
  }
  st = DEQ_OK;
done:
  deq_weighted_rule_free(r);
  free(work);
  free(idx);
  free(start);
  free(count);
  return st;
}
double deq_spectrum_rule_bound(int nodes)
{
  if (nodes < 1) return INFINITY;
  /* minimise over rho on a fine grid of (1, 3 + sqrt 8) */
  double best = INFINITY;
  for (int i = 1; i < 4000; i++) {
    double rho = 1.0 + (2.0 + sqrt(8.0)) * i / 4000.0;
    double c = 0.25 * (rho + 1.0 / rho), u = 1.5 + c, l = 1.5 - c;
    if (!(l > 0)) break;
    double b = 4.0 * u * u * pow(2.0 / l, 3) * pow(rho, 1.0 - 2.0 * nodes)
               / (rho - 1.0);
    if (b < best) best = b;
  }
  return best;
}
