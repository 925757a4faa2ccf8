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
 * sum_k w_k P_k[T,T] (+ the atom's plain box sum).  V is symmetric, so
 * row i needs columns j <= i only (P[i-1,i] = P[i,i-1]), and e_T comes
 * out after row T: the whole curve in O(T^2 nq), extendable row by row.
 * One pass per row: V[i,j] needs only row i-1 (its rung sums
 * sum_k rung_k P_k[i-1,j-1] are accumulated while row i-1 is written)
 * and the sources kappa(i+j-2), precomputed once per r (about 1.5x
 * fewer cycles than two passes; the cost is still O(T^2 nq), memory
 * bound at large T: the generating-function diagonal that would avoid
 * the T^2 table is not implemented).
 * When the rungs have died out (convergent phases) the recursion stops
 * at row K and P_k[T,T] = a_k^(2(T-K)) P_k[K,K] (curve_try_freeze).
 * The O(T^4) form of the spec is kept as deq_cot_risk_ladder.  */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deq/cot.h"
#include "mp_law_impl.h"

#define COT_NQ_MIN 256
#define COT_BIG 1e300

/* Quadrature nodes for depths up to T: a^2T is peaked at the spectrum's
   edges with a width ~ T^-1/2 in theta, so nq grows like sqrt(T); in
   powers of two so that a sweep restarts only a few times.  */
static size_t nq_for(size_t T)   /* a multiple of 4 (curve_row) */
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
  deq_mp_law law;
  double *a, *src, *rung;     /* per node: a_k, source and rung weights */
  double *l1p;                /* log a_k = log1p(-gamma lambda_k) (a_k > 0) */
  double *apow;               /* a_k^(i-1) for the next row i */
  double *Pp, *Pc;            /* rows i-1 and i: [j * nq + k], j = 0..i */
  double *Qp, *Qc;            /* the atom's box sums (a = 1) */
  double *a2;                 /* a_k^2 */
  double *kap;                /* kappa(r) = sum_k src_k a_k^r, r < nkap */
  size_t nkap, kapcap;
  double *sdp, *sdc;          /* sum_k rung_k P_k[i-1, j-1] for row i (sdp)
                                 and for row i + 1 (sdc), by column j */
  size_t rows_cap;            /* columns allocated per row */
  double *e;                  /* e[0..ne-1] */
  size_t ne, ecap;
  int diverged;
  /* The tail: once the rungs V[i,.] have decayed geometrically below
     rounding (convergent phases), the box sums only age: P_k[T,T] =
     a_k^(2(T-K)) P_k[K,K] for the frozen row K.  */
  size_t frozen;              /* K, or 0 while the recursion runs */
  double *Pk, Qk;             /* P_k[K,K] and the atom's */
  double rowmax[16];          /* max_j |V[i,j]| of the last 16 rows */
};

static void curve_release(deq_cot_curve *c)
{
  deq_mp_law_free(&c->law);
  free(c->a);
  free(c->src);
  free(c->rung);
  free(c->l1p);
  free(c->apow);
  free(c->a2);
  free(c->kap);
  free(c->sdp);
  free(c->sdc);
  free(c->Pp);
  free(c->Pc);
  free(c->Qp);
  free(c->Qc);
  free(c->e);
  free(c->Pk);
  c->Pk = NULL;
  c->frozen = 0;
  c->a = c->src = c->rung = c->l1p = c->apow = c->a2 = NULL;
  c->kap = c->sdp = c->sdc = NULL;
  c->Pp = c->Pc = c->Qp = c->Qc = c->e = NULL;
  c->rows_cap = c->ne = c->ecap = c->nkap = c->kapcap = 0;
}

void deq_cot_curve_free(deq_cot_curve *c)
{
  if (!c) return;
  curve_release(c);
  free(c);
}

/* (Re)start the curve with nq nodes: e_0 = 1.  */
static deq_status curve_reset(deq_cot_curve *c, size_t nq)
{
  curve_release(c);
  deq_status st = deq_mp_law_init(&c->law, 1 / c->alpha, nq);
  if (st != DEQ_OK) return st;
  c->a = malloc(nq * sizeof *c->a);
  c->src = malloc(nq * sizeof *c->src);
  c->rung = malloc(nq * sizeof *c->rung);
  c->l1p = malloc(nq * sizeof *c->l1p);
  c->apow = malloc(nq * sizeof *c->apow);
  c->a2 = malloc(nq * sizeof *c->a2);
  c->ecap = 64;
  c->e = malloc(c->ecap * sizeof *c->e);
  if (!c->a || !c->src || !c->rung || !c->l1p || !c->apow || !c->a2 || !c->e) {
    curve_release(c);
    return DEQ_ENOMEM;
  }
  for (size_t k = 0; k < nq; k++) {
    double l = c->law.lambda[k], w = c->law.w[k];
    c->a[k] = 1 - c->gamma * l;
    c->a2[k] = c->a[k] * c->a[k];
    c->l1p[k] = c->a[k] > 0 ? log1p(-c->gamma * l) : NAN;
    c->src[k] = w * (l * l + c->nw * l);
    c->rung[k] = w * l * l;
    c->apow[k] = 1;
  }
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

/* Room for rows of i + 1 columns and for e[i].  */
static deq_status curve_reserve(deq_cot_curve *c, size_t i)
{
  size_t nq = c->law.n;
  deq_status st = DEQ_OK;
  if (i + 1 > c->ecap) {
    size_t cap = 2 * c->ecap > i + 1 ? 2 * c->ecap : i + 1;
    if ((st = grow(&c->e, cap)) != DEQ_OK) return st;
    c->ecap = cap;
  }
  if (c->sbar > 0 && !c->frozen && 2 * i + 1 > c->kapcap) {
    size_t cap = 2 * c->kapcap > 2 * i + 1 ? 2 * c->kapcap : 2 * i + 1;
    if (cap < 128) cap = 128;
    if ((st = grow(&c->kap, cap)) != DEQ_OK
        || (st = grow(&c->sdp, cap / 2 + 2)) != DEQ_OK
        || (st = grow(&c->sdc, cap / 2 + 2)) != DEQ_OK)
      return st;
    c->kapcap = cap;
  }
  if (c->sbar > 0 && !c->frozen && i + 1 > c->rows_cap) {
    size_t cap = c->rows_cap ? 2 * c->rows_cap : 64;
    if (cap < i + 1) cap = i + 1;
    if (cap > SIZE_MAX / sizeof(double) / nq) return DEQ_ENOMEM;
    size_t old = c->rows_cap;
    if ((st = grow(&c->Pp, cap * nq)) != DEQ_OK
        || (st = grow(&c->Pc, cap * nq)) != DEQ_OK
        || (st = grow(&c->Qp, cap)) != DEQ_OK
        || (st = grow(&c->Qc, cap)) != DEQ_OK)
      return st;
    if (old == 0) {            /* row 0: no rungs yet */
      memset(c->Pp, 0, nq * sizeof *c->Pp);
      c->Qp[0] = 0;
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
  double sum = c->law.atom * c->Qk, n = 2.0 * (double)(T - c->frozen);
  for (size_t k = 0; k < c->law.n; k++)
    sum += c->law.w[k] * node_pow(c, k, n) * c->Pk[k];
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
   holds P_k[i,.]; keep P_k[i,i].  */
static void curve_try_freeze(deq_cot_curve *c, size_t i, const double *Prow,
                             double Qii, double e)
{
  if (i < 32 || !(e > 0) || !isfinite(e)) return;
  double b0 = block_max(c, i), b1 = block_max(c, i - 4),
         b2 = block_max(c, i - 8);
  if (!(b1 > 0) || !(b2 > 0)) return;
  double q = pow(fmax(b0 / b1, b1 / b2), 0.25);
  if (!(q < 0.995)) return;
  double bound = b0 * ((double)i / (1 - q) + 1 / ((1 - q) * (1 - q)));
  if (!(bound <= 1e-17 * e)) return;
  double *pk = malloc(c->law.n * sizeof *pk);
  if (!pk) return;   /* keep running the recursion */
  for (size_t k = 0; k < c->law.n; k++) pk[k] = Prow[k];
  c->Pk = pk;
  c->Qk = Qii;
  c->frozen = i;
  free(c->Pp);
  free(c->Pc);
  c->Pp = c->Pc = NULL;
  c->rows_cap = 0;
}

/* Row i = c->ne of the recursion; appends e_i.  */
static deq_status curve_row(deq_cot_curve *c)
{
  size_t i = c->ne, nq = c->law.n;
  deq_status st = curve_reserve(c, i);
  if (st != DEQ_OK) return st;
  if (c->diverged) {
    c->e[c->ne++] = INFINITY;
    return DEQ_EDIVERGE;
  }
  double ladder = 0, vmax = 0;
  if (c->frozen) {
    ladder = frozen_ladder(c, i);
  } else if (c->sbar > 0) {
    double *Pp = c->Pp, *Pc = c->Pc, *Qp = c->Qp, *Qc = c->Qc;
    const double *a = c->a, *a2 = c->a2, *rung = c->rung;
    /* the sources kappa(r), r <= 2i - 2, by running powers a_k^r */
    for (; c->nkap <= 2 * i - 2; c->nkap++) {
      double s = 0;
      for (size_t k = 0; k < nq; k++) {
        s += c->src[k] * c->apow[k];
        c->apow[k] *= a[k];
      }
      c->kap[c->nkap] = s;
    }
    /* sdp[j] = sum_k rung_k P_k[i-1, j-1] came from row i - 1 (0 for
       j = 1 and on row 1); row i leaves the next row's sums in sdc */
    c->sdp[1] = 0;
    for (size_t k = 0; k < nq; k++) Pc[k] = 0;
    Qc[0] = 0;
    for (size_t j = 1; j <= i; j++) {
      const double *up = j < i ? Pp + j * nq : Pc + (i - 1) * nq;
      double upQ = j < i ? Qp[j] : Qc[i - 1];
      const double *diag = Pp + (j - 1) * nq, *left = Pc + (j - 1) * nq;
      double *cur = Pc + j * nq;
      double V = c->sbar * (c->kap[i + j - 2] + c->sdp[j]);
      /* four partial sums (nq is a multiple of 4): independent chains
         the compiler can pipeline and vectorise */
      double sd[4] = { 0, 0, 0, 0 };
      for (size_t k = 0; k < nq; k += 4)
        for (size_t m = 0; m < 4; m++) {
          double v = V + a[k + m] * (up[k + m] + left[k + m])
                     - a2[k + m] * diag[k + m];
          cur[k + m] = v;
          sd[m] += rung[k + m] * v;
        }
      c->sdc[j + 1] = (sd[0] + sd[1]) + (sd[2] + sd[3]);
      Qc[j] = V + upQ + Qc[j - 1] - Qp[j - 1];
      if (!(fabs(V) < COT_BIG)) c->diverged = 1;
      vmax = fmax(vmax, fabs(V));
    }
    for (size_t k = 0; k < nq; k++)
      ladder += c->law.w[k] * Pc[i * nq + k];
    ladder += c->law.atom * Qc[i];
    double *t = c->sdp;
    c->sdp = c->sdc;
    c->sdc = t;
    c->Pp = Pc;
    c->Pc = Pp;
    c->Qp = Qc;
    c->Qc = Qp;
  }
  double e = curve_base(c, i) + ladder;
  if (c->diverged || !(fabs(e) < COT_BIG)) {
    c->diverged = 1;
    e = INFINITY;
  }
  if (c->sbar > 0 && !c->frozen) {
    c->rowmax[i % 16] = vmax;
    /* after the swap, row i is in Pp and Qp */
    curve_try_freeze(c, i, c->Pp + i * nq, c->Qp[i], e);
  }
  c->e[c->ne++] = e;
  return c->diverged ? DEQ_EDIVERGE : DEQ_OK;
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
  *out = c;
  return DEQ_OK;
}

deq_status deq_cot_curve_at(double *e, deq_cot_curve *c, size_t T)
{
  if (!e || !c) return DEQ_EINVAL;
  *e = NAN;
  size_t nq = nq_for(T);
  deq_status st = DEQ_OK;
  if (c->sbar == 0) {          /* tau = Inf: no ladder, each T directly */
    if (c->law.n != nq && (st = curve_reset(c, nq)) != DEQ_OK) return st;
    *e = curve_base(c, T);
    return isinf(*e) ? DEQ_EDIVERGE : DEQ_OK;
  }
  if (c->law.n < nq && (st = curve_reset(c, nq)) != DEQ_OK) return st;
  while (c->ne <= T) {
    st = curve_row(c);
    if (st != DEQ_OK && st != DEQ_EDIVERGE) return st;
  }
  *e = c->e[T];
  return isinf(*e) ? DEQ_EDIVERGE : DEQ_OK;
}

deq_status deq_cot_risk_curve(double *e, size_t tmax, double alpha,
                              double tau, double rho)
{
  if (!e) return DEQ_EINVAL;
  deq_cot_curve *c;
  deq_status st = deq_cot_curve_alloc(&c, alpha, tau, rho), ret = DEQ_OK;
  if (st != DEQ_OK) return st;
  /* one node count for the whole curve: that of its deepest point */
  if (c->sbar > 0) st = curve_reset(c, nq_for(tmax));
  for (size_t T = 0; st == DEQ_OK && T <= tmax; T++) {
    if (c->sbar == 0) {
      if (c->law.n == 0) st = curve_reset(c, nq_for(tmax));
      if (st != DEQ_OK) break;
      e[T] = curve_base(c, T);
      if (isinf(e[T])) ret = DEQ_EDIVERGE;
      continue;
    }
    while (st == DEQ_OK && c->ne <= T) {
      deq_status s = curve_row(c);
      if (s != DEQ_OK && s != DEQ_EDIVERGE) st = s;
    }
    e[T] = c->e[T];
    if (isinf(e[T])) ret = DEQ_EDIVERGE;
  }
  deq_cot_curve_free(c);
  return st != DEQ_OK ? st : ret;
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
