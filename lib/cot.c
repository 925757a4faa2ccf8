/* lib/cot.c -- chain of thought as iterative refinement (deq/cot.h, spec
 * icl_cot.md section 4, a reconstruction): the risk e_T against depth,
 * the optimal depth and the phase diagram.
 *
 * The spec's ladder sum
 *   e_T = B_T[I] + (rho/alpha)(tau(S+) - 2 tau(A^T S+) + B_T[S+]),
 *   B_T[Q] = tau(A^2T Q) + sum_{i,j<=T} V_Q[i,j] tau(A^(2T-i-j)),
 *   V_Q[i,j] = sbar [kappa_Q(i+j-2)
 *              + sum_{i'<i,j'<j} V_Q[i',j'] tau(S^2 A^(i-i'+j-j'-2))]
 * is linear in the sources kappa_I(r) = tau(S^2 A^r) and kappa_S+(r) =
 * tau(S A^r), so one V carries both: kappa = kappa_I + (rho/alpha)
 * kappa_S+.  With the MP law replaced by its quadrature nodes
 * (lambda_k, w_k), every trace is a sum over nodes of a_k^r
 * (a_k = 1 - gamma lambda_k), and the geometric box sums
 *   P_k[i,j] = sum_{i'<=i,j'<=j} V[i',j'] a_k^(i-i'+j-j')
 * obey P_k[i,j] = V[i,j] + a_k (P_k[i-1,j] + P_k[i,j-1])
 *                 - a_k^2 P_k[i-1,j-1].
 * Then V[i,j] = sbar sum_k w_k [(lambda_k^2 + (rho/alpha) lambda_k)
 * a_k^(i+j-2) + lambda_k^2 P_k[i-1,j-1]] and the ladder part of e_T is
 * sum_k w_k P_k[T,T] (the atom at 0, for alpha < 1, is one more node
 * with a = 1 and no rung).  V is symmetric, so row i needs columns
 * j <= i only (P[i-1,i] = P[i,i-1]), and e_T comes out after row T: the
 * whole curve in O(T^2 nq), extendable.
 * Nodes: the ladder depends on the law only through the moments
 * int f(lambda) a^r dmu, f = 1, lambda, lambda^2, r <= 2T.  a^r is
 * peaked at the spectrum's edges with a width ~ T^-1/2 in theta
 * (lambda = m + s cos theta), so the midpoint rule in theta needs
 * 16 sqrt(T) nodes (2048 at T = 1e4); Gauss panels of 14 nodes graded
 * geometrically toward both edges (deq_mp_law_init_graded) need about
 * 250, checked against the midpoint rule for every power (t-cot).  The
 * midpoint nodes stay available (cot_impl.h) for the tests.
 * Sweep: blocks of B rows, column by column, every row of the block per
 * column (curve_block): V[i,j] needs P_k[i-1,j-1] (its rung sum is
 * accumulated when that cell is written) and the sources kappa(i+j-2),
 * computed once per r; the block's two columns stay in cache, so the
 * sweep is bound by arithmetic (the cell loop vectorises), not by
 * streaming rows of T nq values from memory.  T = 1e4 in about 10 s of
 * CPU where the recursion never stops (alpha = 1, near tau_c).  Neither
 * the generating function B(u,v) (doc/ch-cot.texi) nor anything else
 * below O(T^2) is used.
 * When the rungs have died out (convergent phases) the recursion stops
 * at row K and P_k[T,T] = a_k^(2(T-K)) P_k[K,K] (curve_try_freeze).
 * The O(T^4) form of the spec is kept as deq_cot_risk_ladder.  */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deq/cot.h"
#include "cot_impl.h"
#include "mp_law_impl.h"

#define COT_NQ_MIN 256        /* the midpoint rule's */
#define COT_PANEL 14          /* Gauss nodes per panel of the graded rule */
#define COT_LEVEL_MIN 256      /* one set of nodes up to T = 256 */
#define COT_BIG 1e300

/* Midpoint nodes for depths up to T (DEQ_COT_RULE_MIDPOINT and the
   O(T^4) ladder): a^2T is peaked at the spectrum's edges with a width
   ~ T^-1/2 in theta, so nq grows like sqrt(T), in powers of two.  */
static size_t nq_for(size_t T)
{
  size_t nq = COT_NQ_MIN;
  while ((double)nq < 16 * sqrt((double)T)) nq *= 2;
  return nq;
}

static deq_status cot_check(double alpha, double tau, double rho)
{
  if (!(alpha > 0) || !isfinite(alpha) || !(tau > 1) || isnan(tau)
      || !(rho >= 0) || !isfinite(rho))
    return DEQ_EDOM;
  return DEQ_OK;
}

static double cot_gamma(double alpha, double rho)
{
  return 1 / (1 + (1 + rho) / alpha);
}

static double cot_sbar(double gamma, double tau)
{
  return isinf(tau) ? 0.0 : gamma * (1 - gamma) / (tau - 1);
}

/* ------------------------------------------------------------ the curve */

struct deq_cot_curve {
  double alpha, tau, rho, gamma, sbar, nw;
  int rule;                   /* DEQ_COT_RULE_GRADED or _MIDPOINT */
  size_t level;               /* the nodes serve depths <= level (0: none) */
  deq_mp_law law;
  /* per node: the law's nodes, then the atom (a = 1, no rung), then
     zero padding to nn, a multiple of 4 (curve_block) */
  size_t nn;
  double *a, *a2;             /* a_k = 1 - gamma lambda_k, a_k^2 */
  double *src, *rung, *wl;    /* source, rung and ladder weights */
  double *l1p;                /* log a_k = log1p(-gamma lambda_k) (a_k > 0) */
  double *apow;               /* a_k^nkap */
  double *kap;                /* kappa(r) = sum_k src_k a_k^r, r < nkap */
  size_t nkap, kapcap;
  /* the last row i0 - 1 before the next block, P_k[i0-1, j] at
     [j * nn + k] for j < i0, and S[j] = sum_k rung_k P_k[i0-1, j];
     Pn, Sn receive the block's last row */
  double *Pp, *Pn, *Sp, *Sn;
  size_t rows_cap;            /* columns allocated per row */
  size_t B;                   /* rows per block */
  double *col, *scol;         /* columns j - 1 and j of the block's rows */
  double *e;                  /* e[0..ne-1] */
  size_t ne, ecap;
  int diverged;
  /* The tail: once the rungs V[i,.] have decayed geometrically below
     rounding (convergent phases), the box sums only age: P_k[T,T] =
     a_k^(2(T-K)) P_k[K,K] for the frozen row K.  */
  size_t frozen;              /* K, or 0 while the recursion runs */
  double *Pk;                 /* P_k[K,K] (atom included) */
  double rowmax[16];          /* max_j |V[i,j]| of the last 16 rows */
};

#define COT_BLOCK_MAX 64

static void curve_release(deq_cot_curve *c)
{
  deq_mp_law_free(&c->law);
  double **arr[] = { &c->a, &c->a2, &c->src, &c->rung, &c->wl, &c->l1p,
                     &c->apow, &c->kap, &c->Pp, &c->Pn, &c->Sp, &c->Sn,
                     &c->col, &c->scol, &c->e, &c->Pk };
  for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) {
    free(*arr[i]);
    *arr[i] = NULL;
  }
  c->frozen = c->level = c->nn = 0;
  c->rows_cap = c->ne = c->ecap = c->nkap = c->kapcap = 0;
}

void deq_cot_curve_free(deq_cot_curve *c)
{
  if (!c) return;
  curve_release(c);
  free(c);
}

/* The depth up to which nodes built for depth T serve: the graded rule
   in powers of four (256, 1024, 4096, 16384, ...: a sweep extended on
   demand restarts a few times, at most a fifth of the final cost; each
   level adds one panel at either end), the midpoint rule while
   16 sqrt(T) <= nq.  */
static size_t level_for(int rule, size_t T)
{
  if (rule == DEQ_COT_RULE_MIDPOINT) {
    size_t m = nq_for(T) / 16;
    return m * m;
  }
  size_t L = COT_LEVEL_MIN;
  while (L < T) L *= 4;
  return L;
}

/* (Re)start the curve with nodes for depths up to level: e_0 = 1.  */
static deq_status curve_reset(deq_cot_curve *c, size_t level)
{
  curve_release(c);
  deq_status st = c->rule == DEQ_COT_RULE_MIDPOINT
    ? deq_mp_law_init(&c->law, 1 / c->alpha, nq_for(level))
    : deq_mp_law_init_graded(&c->law, 1 / c->alpha, c->gamma,
                             2.0 * (double)level, COT_PANEL);
  if (st != DEQ_OK) return st;
  size_t n = c->law.n, nn = (n + 4) / 4 * 4;
  c->nn = nn;
  /* a block's two columns, 2 B nn doubles, in about 256 kB of cache */
  c->B = 16384 / nn;
  if (c->B < 4) c->B = 4;
  if (c->B > COT_BLOCK_MAX) c->B = COT_BLOCK_MAX;
  double **arr[] = { &c->a, &c->a2, &c->src, &c->rung, &c->wl, &c->l1p,
                     &c->apow };
  int bad = 0;
  for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
    bad |= !(*arr[i] = malloc(nn * sizeof **arr[i]));
  c->col = malloc(2 * c->B * nn * sizeof *c->col);
  c->scol = malloc(2 * c->B * sizeof *c->scol);
  c->ecap = 64;
  c->e = malloc(c->ecap * sizeof *c->e);
  if (bad || !c->col || !c->scol || !c->e) {
    curve_release(c);
    return DEQ_ENOMEM;
  }
  for (size_t k = 0; k < nn; k++) {
    double l = k < n ? c->law.lambda[k] : 0, w = k < n ? c->law.w[k] : 0;
    c->a[k] = k <= n ? 1 - c->gamma * l : 0;
    c->a2[k] = c->a[k] * c->a[k];
    c->l1p[k] = c->a[k] > 0 ? log1p(-c->gamma * l) : NAN;
    c->src[k] = w * (l * l + c->nw * l);
    c->rung[k] = w * l * l;
    c->wl[k] = k < n ? w : k == n ? c->law.atom : 0;
    c->apow[k] = 1;
  }
  c->level = level;
  c->e[0] = 1;
  c->ne = 1;
  c->diverged = 0;
  c->frozen = 0;
  for (size_t k = 0; k < 16; k++) c->rowmax[k] = INFINITY;
  return DEQ_OK;
}

/* The terms without rungs: tau(A^2T) + (rho/alpha) tau((1 - A^T)^2 S+).  */
static double curve_base(const deq_cot_curve *c, size_t T)
{
  double sum = c->law.atom;
  for (size_t k = 0; k < c->law.n; k++) {
    double l = c->law.lambda[k], a = c->a[k], p, om;
    if (a > 0) {
      double lg = (double)T * c->l1p[k];
      p = exp(lg);
      om = -expm1(lg);
    } else {
      p = pow(a, (double)T);
      om = 1 - p;
    }
    sum += c->law.w[k] * (p * p + c->nw * om * om / l);
  }
  return sum;
}

static deq_status grow(double **p, size_t n)
{
  double *q = realloc(*p, n * sizeof *q);
  if (!q) return DEQ_ENOMEM;
  *p = q;
  return DEQ_OK;
}

/* Room for rows of i + 1 columns, the sources up to 2i and e[i].  */
static deq_status curve_reserve(deq_cot_curve *c, size_t i)
{
  size_t nn = c->nn;
  deq_status st = DEQ_OK;
  if (i + 1 > c->ecap) {
    size_t cap = 2 * c->ecap > i + 1 ? 2 * c->ecap : i + 1;
    if ((st = grow(&c->e, cap)) != DEQ_OK) return st;
    c->ecap = cap;
  }
  if (c->sbar > 0 && !c->frozen && 2 * i + 1 > c->kapcap) {
    size_t cap = 2 * c->kapcap > 2 * i + 1 ? 2 * c->kapcap : 2 * i + 1;
    if (cap < 128) cap = 128;
    if ((st = grow(&c->kap, cap)) != DEQ_OK) return st;
    c->kapcap = cap;
  }
  if (c->sbar > 0 && !c->frozen && i + 1 > c->rows_cap) {
    size_t cap = c->rows_cap ? 2 * c->rows_cap : 64;
    if (cap < i + 1) cap = i + 1;
    if (cap > SIZE_MAX / sizeof(double) / nn) return DEQ_ENOMEM;
    size_t old = c->rows_cap;
    if ((st = grow(&c->Pp, cap * nn)) != DEQ_OK
        || (st = grow(&c->Pn, cap * nn)) != DEQ_OK
        || (st = grow(&c->Sp, cap)) != DEQ_OK
        || (st = grow(&c->Sn, cap)) != DEQ_OK)
      return st;
    if (old == 0) {            /* row 0: no rungs yet */
      memset(c->Pp, 0, nn * sizeof *c->Pp);
      c->Sp[0] = 0;
    }
    c->rows_cap = cap;
  }
  return DEQ_OK;
}

/* a^n for a node (a > 0 through its log, so that 1 - a^n is exact).  */
static double node_pow(const deq_cot_curve *c, size_t k, double n)
{
  return c->a[k] > 0 ? exp(n * c->l1p[k]) : pow(c->a[k], n);
}

/* The ladder part of e_T from the frozen row K.  */
static double frozen_ladder(const deq_cot_curve *c, size_t T)
{
  double sum = 0, n = 2.0 * (double)(T - c->frozen);
  for (size_t k = 0; k < c->nn; k++)
    if (c->wl[k] != 0) sum += c->wl[k] * node_pow(c, k, n) * c->Pk[k];
  return sum;
}

/* Max of |V| over rows i-3 .. i (the rows alternate in size when the
   spectrum of A reaches below 0, so blocks of 4 rows are compared).  */
static double block_max(const deq_cot_curve *c, size_t i)
{
  double m = 0;
  for (size_t k = 0; k < 4; k++) m = fmax(m, c->rowmax[(i - k) % 16]);
  return m;
}

/* Freeze after row i if the block maxima of |V| fall geometrically, per
   row by q < 0.995 over the last three blocks, and the bound on every
   later rung, last (i/(1 - q) + 1/(1 - q)^2), is below 1e-17 e_i.  Prow
   holds P_k[i,i]; keep it.  */
static void curve_try_freeze(deq_cot_curve *c, size_t i, const double *Prow,
                             double e)
{
  if (i < 32 || !(e > 0) || !isfinite(e)) return;
  double b0 = block_max(c, i), b1 = block_max(c, i - 4),
         b2 = block_max(c, i - 8);
  if (!(b1 > 0) || !(b2 > 0)) return;
  double q = pow(fmax(b0 / b1, b1 / b2), 0.25);
  if (!(q < 0.995)) return;
  double bound = b0 * ((double)i / (1 - q) + 1 / ((1 - q) * (1 - q)));
  if (!(bound <= 1e-17 * e)) return;
  double *pk = malloc(c->nn * sizeof *pk);
  if (!pk) return;   /* keep running the recursion */
  memcpy(pk, Prow, c->nn * sizeof *pk);
  c->Pk = pk;
  c->frozen = i;
  double **arr[] = { &c->Pp, &c->Pn, &c->Sp, &c->Sn, &c->col, &c->scol,
                     &c->kap };
  for (size_t k = 0; k < sizeof arr / sizeof arr[0]; k++) {
    free(*arr[k]);
    *arr[k] = NULL;
  }
  c->rows_cap = c->kapcap = c->nkap = 0;
}

/* One cell (i, j) over the nodes: P_k[i,j] = V + a_k (P_k[i-1,j] +
   P_k[i,j-1]) - a_k^2 P_k[i-1,j-1] into cur, and returns the rung sum
   sum_k rung_k P_k[i,j].  Four partial sums (nn is a multiple of 4):
   independent chains, and with restrict the compiler vectorises at -O2
   (a row-by-row sweep adds in the same order).  */
static double cell(double *restrict cur, const double *restrict up,
                   const double *restrict left, const double *restrict diag,
                   const double *restrict a, const double *restrict a2,
                   const double *restrict rung, double V, size_t nn)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t k = 0; k < nn; k += 4) {
    double v0 = V + a[k] * (up[k] + left[k]) - a2[k] * diag[k];
    double v1 = V + a[k + 1] * (up[k + 1] + left[k + 1])
                - a2[k + 1] * diag[k + 1];
    double v2 = V + a[k + 2] * (up[k + 2] + left[k + 2])
                - a2[k + 2] * diag[k + 2];
    double v3 = V + a[k + 3] * (up[k + 3] + left[k + 3])
                - a2[k + 3] * diag[k + 3];
    cur[k] = v0;
    cur[k + 1] = v1;
    cur[k + 2] = v2;
    cur[k + 3] = v3;
    s0 += rung[k] * v0;
    s1 += rung[k + 1] * v1;
    s2 += rung[k + 2] * v2;
    s3 += rung[k + 3] * v3;
  }
  return (s0 + s1) + (s2 + s3);
}

/* Rows i0 = c->ne .. i1 of the recursion (i1 - i0 < B); appends e_i.
   Column by column, every row of the block: the block's two columns
   (2 B nn doubles) stay in cache and the previous row is read once per
   block, so the sweep is bound by arithmetic, not by memory.  Each cell
   does the same operations in the same order as a row-by-row sweep.  */
static void curve_block(deq_cot_curve *c, size_t i1)
{
  size_t i0 = c->ne, nn = c->nn, B = i1 - i0 + 1;
  const double *a = c->a, *a2 = c->a2, *rung = c->rung, *wl = c->wl;
  double ladder[COT_BLOCK_MAX], vmax[COT_BLOCK_MAX];
  int bad[COT_BLOCK_MAX];
  /* the sources kappa(r), r <= 2 i1 - 2, by running powers a_k^r */
  for (; c->nkap <= 2 * i1 - 2; c->nkap++) {
    double s = 0;
    for (size_t k = 0; k < nn; k++) {
      s += c->src[k] * c->apow[k];
      c->apow[k] *= a[k];
    }
    c->kap[c->nkap] = s;
  }
  double *cp = c->col, *cc = c->col + c->B * nn;    /* columns j-1, j */
  double *sp = c->scol, *sc = c->scol + c->B;
  memset(cp, 0, B * nn * sizeof *cp);
  for (size_t b = 0; b < B; b++) {
    sp[b] = 0;
    ladder[b] = vmax[b] = 0;
    bad[b] = 0;
  }
  const double *Pp = c->Pp, *Sp = c->Sp;
  for (size_t j = 1; j <= i1; j++) {
    for (size_t b = j > i0 ? j - i0 : 0; b < B; b++) {
      size_t i = i0 + b;
      /* P[i, j-1], P[i-1, j-1] and P[i-1, j] = P[j, i-1] */
      const double *left = cp + b * nn;
      const double *diag = b ? cp + (b - 1) * nn : Pp + (j - 1) * nn;
      const double *up = j == i ? left : b ? cc + (b - 1) * nn : Pp + j * nn;
      double *cur = cc + b * nn;
      double V = c->sbar * (c->kap[i + j - 2] + (b ? sp[b - 1] : Sp[j - 1]));
      sc[b] = cell(cur, up, left, diag, a, a2, rung, V, nn);
      if (!(fabs(V) < COT_BIG)) bad[b] = 1;
      vmax[b] = fmax(vmax[b], fabs(V));
      if (j == i) {
        double s = 0;
        for (size_t k = 0; k < nn; k++) s += wl[k] * cur[k];
        ladder[b] = s;
      }
    }
    /* the block's last row becomes the next block's previous row */
    memcpy(c->Pn + j * nn, cc + (B - 1) * nn, nn * sizeof *cc);
    c->Sn[j] = sc[B - 1];
    double *t = cp;
    cp = cc;
    cc = t;
    t = sp;
    sp = sc;
    sc = t;
  }
  memset(c->Pn, 0, nn * sizeof *c->Pn);
  c->Sn[0] = 0;
  double *t = c->Pp;
  c->Pp = c->Pn;
  c->Pn = t;
  t = c->Sp;
  c->Sp = c->Sn;
  c->Sn = t;
  double e = 0;
  for (size_t b = 0; b < B; b++) {
    size_t i = i0 + b;
    if (bad[b]) c->diverged = 1;
    e = c->diverged ? INFINITY : curve_base(c, i) + ladder[b];
    if (!(fabs(e) < COT_BIG)) {
      c->diverged = 1;
      e = INFINITY;
    }
    c->rowmax[i % 16] = vmax[b];
    c->e[c->ne++] = e;
  }
  if (!c->diverged) curve_try_freeze(c, i1, c->Pp + i1 * nn, e);
}

/* Extend the curve through depth T (rows in blocks, never past the
   level its nodes serve).  */
static deq_status curve_extend(deq_cot_curve *c, size_t T)
{
  while (c->ne <= T) {
    size_t i0 = c->ne, i1 = i0 + c->B - 1;
    if (i1 > c->level) i1 = c->level;
    deq_status st = curve_reserve(c, i1);
    if (st != DEQ_OK) return st;
    if (c->diverged || c->frozen || c->sbar == 0) {
      for (size_t i = i0; i <= i1; i++) {
        double e = c->diverged ? INFINITY
                   : curve_base(c, i) + (c->frozen ? frozen_ladder(c, i) : 0);
        if (!(fabs(e) < COT_BIG)) {
          c->diverged = 1;
          e = INFINITY;
        }
        c->e[c->ne++] = e;
      }
    } else {
      curve_block(c, i1);
    }
  }
  return DEQ_OK;
}

deq_status deq_cot_curve_alloc(deq_cot_curve **out, double alpha, double tau,
                               double rho)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  deq_status st = cot_check(alpha, tau, rho);
  if (st != DEQ_OK) return st;
  deq_cot_curve *c = calloc(1, sizeof *c);
  if (!c) return DEQ_ENOMEM;
  c->alpha = alpha;
  c->tau = tau;
  c->rho = rho;
  c->gamma = cot_gamma(alpha, rho);
  c->sbar = cot_sbar(c->gamma, tau);
  c->nw = rho / alpha;
  c->rule = DEQ_COT_RULE_GRADED;
  *out = c;
  return DEQ_OK;
}

deq_status deq_cot_curve_at(double *e, deq_cot_curve *c, size_t T)
{
  if (!e || !c) return DEQ_EINVAL;
  *e = NAN;
  deq_status st = DEQ_OK;
  size_t level = level_for(c->rule, T);
  if (c->level < level && (st = curve_reset(c, level)) != DEQ_OK) return st;
  if (c->sbar == 0) {          /* tau = Inf: no ladder, each T directly */
    *e = T ? curve_base(c, T) : 1;
    return isinf(*e) ? DEQ_EDIVERGE : DEQ_OK;
  }
  if ((st = curve_extend(c, T)) != DEQ_OK) return st;
  *e = c->e[T];
  return isinf(*e) ? DEQ_EDIVERGE : DEQ_OK;
}

deq_status deq_cot_risk_curve_rule(double *e, size_t tmax, double alpha,
                                   double tau, double rho, int rule)
{
  if (!e) return DEQ_EINVAL;
  deq_cot_curve *c;
  deq_status st = deq_cot_curve_alloc(&c, alpha, tau, rho), ret = DEQ_OK;
  if (st != DEQ_OK) return st;
  /* one set of nodes for the whole curve: that of its deepest point */
  c->rule = rule;
  st = curve_reset(c, level_for(rule, tmax));
  if (st == DEQ_OK && c->sbar > 0) st = curve_extend(c, tmax);
  for (size_t T = 0; st == DEQ_OK && T <= tmax; T++) {
    e[T] = c->sbar > 0 ? c->e[T] : T ? curve_base(c, T) : 1;
    if (isinf(e[T])) ret = DEQ_EDIVERGE;
  }
  deq_cot_curve_free(c);
  return st != DEQ_OK ? st : ret;
}

deq_status deq_cot_risk_curve(double *e, size_t tmax, double alpha,
                              double tau, double rho)
{
  return deq_cot_risk_curve_rule(e, tmax, alpha, tau, rho,
                                 DEQ_COT_RULE_GRADED);
}

deq_status deq_cot_optimal_depth(size_t *tstar, double *estar,
                                 int *overthinking, size_t tmax, double alpha,
                                 double tau, double rho)
{
  if (!tstar || !estar) return DEQ_EINVAL;
  *tstar = 0;
  *estar = NAN;
  if (overthinking) *overthinking = 0;
  if (tmax < 1) return DEQ_EINVAL;
  if (tmax > SIZE_MAX / sizeof(double) - 1) return DEQ_ENOMEM;
  double *e = malloc((tmax + 1) * sizeof *e);
  if (!e) return DEQ_ENOMEM;
  deq_status st = deq_cot_risk_curve(e, tmax, alpha, tau, rho);
  if (st == DEQ_OK || st == DEQ_EDIVERGE) {
    size_t best = 1;   /* T = 0 is no reasoning at all */
    for (size_t T = 2; T <= tmax; T++)
      if (e[T] < e[best]) best = T;
    *tstar = best;
    *estar = e[best];
    /* rising again by tmax (relative margin above rounding) */
    if (overthinking)
      *overthinking = e[tmax] > e[best] * (1 + 1e-10);
    st = DEQ_OK;
  }
  free(e);
  return st;
}

/* ------------------------------------------------------------ the spec's ladder */

deq_status deq_cot_risk_ladder(double *e, size_t tmax, double alpha,
                               double tau, double rho)
{
  if (!e) return DEQ_EINVAL;
  deq_status st = cot_check(alpha, tau, rho);
  if (st != DEQ_OK) return st;
  if (tmax > 200) return DEQ_EUNSUP;
  deq_mp_law law;
  if ((st = deq_mp_law_init(&law, 1 / alpha, nq_for(tmax))) != DEQ_OK)
    return st;
  double gamma = cot_gamma(alpha, rho), sbar = cot_sbar(gamma, tau);
  double nw = rho / alpha;
  size_t R = 2 * tmax + 1, T1 = tmax + 1;
  double *m0 = calloc(R, sizeof *m0), *m1 = calloc(R, sizeof *m1);
  double *m2 = calloc(R, sizeof *m2);
  double *VI = calloc(T1 * T1, sizeof *VI), *VS = calloc(T1 * T1, sizeof *VS);
  if (!m0 || !m1 || !m2 || !VI || !VS) st = DEQ_ENOMEM;
  for (size_t k = 0; st == DEQ_OK && k < law.n; k++) {
    double l = law.lambda[k], a = 1 - gamma * l, p = law.w[k];
    for (size_t r = 0; r < R; r++, p *= a) {
      m0[r] += p;
      m1[r] += p * l;
      m2[r] += p * l * l;
    }
  }
  for (size_t r = 0; st == DEQ_OK && r < R; r++) m0[r] += law.atom;
  /* V_Q[i][j], i, j = 1..tmax */
  for (size_t i = 1; st == DEQ_OK && i <= tmax; i++)
    for (size_t j = 1; j <= tmax; j++) {
      double sI = m2[i + j - 2], sS = m1[i + j - 2];
      for (size_t i2 = 1; i2 < i; i2++)
        for (size_t j2 = 1; j2 < j; j2++) {
          double k2 = m2[(i - i2) + (j - j2) - 2];
          sI += VI[i2 * T1 + j2] * k2;
          sS += VS[i2 * T1 + j2] * k2;
        }
      VI[i * T1 + j] = sbar * sI;
      VS[i * T1 + j] = sbar * sS;
    }
  for (size_t T = 0; st == DEQ_OK && T <= tmax; T++) {
    double bI = m0[2 * T], bS = 0;
    for (size_t k = 0; k < law.n; k++) {
      double l = law.lambda[k], om = 1 - pow(1 - gamma * l, (double)T);
      bS += law.w[k] * om * om / l;
    }
    for (size_t i = 1; i <= T; i++)
      for (size_t j = 1; j <= T; j++) {
        bI += VI[i * T1 + j] * m0[2 * T - i - j];
        bS += VS[i * T1 + j] * m0[2 * T - i - j];
      }
    e[T] = bI + nw * bS;
    if (!isfinite(e[T])) {
      e[T] = INFINITY;
      st = DEQ_EDIVERGE;
    }
  }
  free(m0);
  free(m1);
  free(m2);
  free(VI);
  free(VS);
  deq_mp_law_free(&law);
  return st;
}

/* ------------------------------------------------------------ phases */

const char *deq_cot_phase_name(deq_cot_phase phase)
{
  switch (phase) {
  case DEQ_COT_EXPONENTIAL: return "exponential";
  case DEQ_COT_POLYNOMIAL: return "polynomial";
  case DEQ_COT_SATURATION: return "saturation";
  case DEQ_COT_AMPLIFICATION: return "amplification";
  }
  return "?";
}

/* tau(S^2 (z - A)^-2) = gamma^-2 int lambda^2/(lambda - zeta)^2 dmu with
   zeta = (1 - z)/gamma: 1 + 2 zeta g + zeta^2 g' (the atom at 0 drops
   out), for real z outside spec(A).  */
static double ladder_kernel(double q, double gamma, double z)
{
  double zeta = (1 - z) / gamma, g, dg;
  if (zeta == 0) return q > 1 ? 1 / (q * gamma * gamma) : 1 / (gamma * gamma);
  deq_mp_law_stieltjes(&g, &dg, q, zeta);
  return (1 + 2 * zeta * g + zeta * zeta * dg) / (gamma * gamma);
}

/* The outlier of the ladder beyond the edge `edge` of spec(A) on side
   dir (+1 right, -1 left): the z with sbar kernel(z) = 1, or the edge
   itself if the kernel stays below 1/sbar there.  */
static double outlier(double q, double gamma, double sbar, double edge,
                      int dir)
{
  double tiny = 1e-13 * (1 + fabs(edge));
  if (!(sbar * ladder_kernel(q, gamma, edge + dir * tiny) >= 1)) return edge;
  double lo = tiny, hi = 1;
  while (sbar * ladder_kernel(q, gamma, edge + dir * hi) >= 1 && hi < 1e300)
    hi *= 2;
  for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
    double mid = sqrt(lo * hi);
    if (sbar * ladder_kernel(q, gamma, edge + dir * mid) >= 1)
      lo = mid;
    else
      hi = mid;
  }
  return edge + dir * 0.5 * (lo + hi);
}

deq_status deq_cot_phase_info(deq_cot_info *out, double alpha, double tau,
                              double rho)
{
  if (!out) return DEQ_EINVAL;
  out->gamma = out->sbar = out->r = out->tau_c = out->e_inf = NAN;
  out->phase = DEQ_COT_EXPONENTIAL;
  deq_status st = cot_check(alpha, tau, rho);
  out->status = st;
  if (st != DEQ_OK) return st;
  double q = 1 / alpha, sq = sqrt(q);
  double lo = (1 - sq) * (1 - sq), hi = (1 + sq) * (1 + sq);
  double gamma = cot_gamma(alpha, rho), sbar = cot_sbar(gamma, tau);
  out->gamma = gamma;
  out->sbar = sbar;
  /* tau_c: the outlier reaches |z| = 1 at z = +1 or z = -1 */
  double at_plus = fmin(alpha, 1.0) / (gamma * gamma);
  double at_minus = 2 - gamma * hi > 0 ? ladder_kernel(q, gamma, -1)
                                       : INFINITY;
  out->tau_c = 1 + gamma * (1 - gamma) * fmax(at_plus, at_minus);
  /* spec(A): the continuous part [1 - gamma hi, 1 - gamma lo], and 1 (the
     null space) when alpha < 1 */
  double a_lo = 1 - gamma * hi, a_hi = 1 - gamma * lo;
  double r = fmax(fabs(a_lo), fabs(a_hi));
  if (alpha < 1) r = fmax(r, 1.0);
  if (sbar > 0) {
    r = fmax(r, fabs(outlier(q, gamma, sbar, a_hi, +1)));
    r = fmax(r, fabs(outlier(q, gamma, sbar, a_lo, -1)));
  }
  out->r = r;
  if (alpha > 1) out->e_inf = rho / (alpha - 1);
  if (tau < out->tau_c)
    out->phase = DEQ_COT_AMPLIFICATION;
  else if (alpha < 1)
    out->phase = DEQ_COT_SATURATION;
  else if (alpha == 1)
    out->phase = DEQ_COT_POLYNOMIAL;
  else
    out->phase = DEQ_COT_EXPONENTIAL;
  return DEQ_OK;
}
