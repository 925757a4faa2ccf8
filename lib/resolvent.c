/* resolvent.c -- trace functionals of (Sigma + kappa)^-1 in one fused pass.
 *
 * Per atom, with r = 1/(s+k), a = s r (learned fraction) and b = k r = 1 - a
 * (computed directly, never as 1 - a):
 *   df1 += m a,  df2 += m a^2,  cdf1 += m b [s > 0],  gap12 += m a b,
 *   df3 += m a^2 r,  t1 += v r,  bias += v b^2,  dbias += 2 v a b r.
 * Blocks of DEQ_SUM_BLOCK atoms are summed in 4 SIMD lanes and the block
 * totals with Neumaier compensation.
 *
 * The fast kernel takes one division per atom: 1/(s+k), or with an anchor
 * 1/((s+k0)(s+k)).  That denominator under- or overflows for eigenvalues
 * and kappa beyond about 1e+-154 (or s+k beyond 1e+-300), although every
 * term is a ratio of representable numbers.  The kernel flags such atoms
 * and their block is summed again by a scalar kernel that forms each
 * ratio with its own power-of-two scaling, so the moments are invariant
 * under scaling all eigenvalues and kappa together.  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <string.h>
#include "deq/resolvent.h"
#include "deq/solve.h"
#include "resolvent_impl.h"
#include "spectrum_rule_impl.h"
#include "sum_impl.h"

enum { M_DF1, M_DF2, M_CDF1, M_GAP, M_DF3, M_T1, M_BIAS, M_DBIAS, M_ANCHOR, M_COUNT };

/* The kernel uses GCC/Clang vector extensions (4 doubles per lane group)
   because compilers do not vectorise a multi-variable floating-point
   reduction at -O2 without reassociation flags.  The lanes are partial
   sums of the block, combined at the end: a fixed, thread-independent
   summation order.  */
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));

/* On x86-64 Linux the kernel is also compiled for AVX2 and picked at load
   time (no FMA, so both versions round identically).  */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define DEQ_KERNEL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DEQ_KERNEL_CLONES
#endif

/* The fast kernel's denominators must lie in [SAFE_LO, SAFE_HI], so that
   their reciprocals are normal numbers with room to spare.  */
#define SAFE_LO 0x1p-1000
#define SAFE_HI 0x1p+1000

/* Add the terms of atoms p[0..3] at kappa k (an anchor k0 > 0 adds the
   anchored sum) to the lane sums acc[]; lanes whose denominator is out of
   [SAFE_LO, SAFE_HI] set their bits in the mask `bad`.  */
#define ATOM_TERMS(acc, bad, sp, mp, vp, k, k0)                               \
  do {                                                                      \
    v4d s_, m_, v_, r_, q_, d_ = {0, 0, 0, 0};                              \
    memcpy(&s_, (sp), sizeof s_);                                           \
    memcpy(&m_, (mp), sizeof m_);                                           \
    memcpy(&v_, (vp), sizeof v_);                                           \
    if ((k0) > 0) {                                                         \
      q_ = (s_ + (k0)) * (s_ + (k));                                        \
      d_ = 1.0 / q_; /* one division for both */                           \
      r_ = (s_ + (k0)) * d_;                                                \
    } else {                                                                \
      q_ = s_ + (k);                                                        \
      r_ = 1.0 / q_;                                                        \
    }                                                                       \
    bad |= (v4l)(q_ < SAFE_LO) | (v4l)(q_ > SAFE_HI);                       \
    v4d a_ = s_ * r_, b_ = (k) * r_, ma_ = m_ * a_;                         \
    acc[M_DF1] += ma_;                                                      \
    acc[M_DF2] += ma_ * a_;                                                 \
    acc[M_CDF1] += (v4d)((v4l)(s_ > 0) & (v4l)(m_ * b_)); /* s > 0 only */  \
    acc[M_GAP] += ma_ * b_;                                                 \
    acc[M_DF3] += ma_ * a_ * r_;                                            \
    acc[M_T1] += v_ * r_;                                                   \
    acc[M_BIAS] += v_ * b_ * b_;                                            \
    acc[M_DBIAS] += v_ * a_ * b_ * r_;                                      \
    acc[M_ANCHOR] += m_ * s_ * d_;                                          \
  } while (0)

/* One block [i0, i1) at kappa > 0; out[j] receives the j-th moment.
   Returns 0 if some atom's denominator was out of the safe range (out is
   then unusable).  */
DEQ_KERNEL_CLONES
static int block_sums(double *out, const double *restrict s,
                      const double *restrict m, const double *restrict v,
                      size_t i0, size_t i1, double k, double k0)
{
  v4d acc[M_COUNT];
  v4l bad = {0, 0, 0, 0};
  memset(acc, 0, sizeof acc);
  size_t i = i0;
  for (; i + 4 <= i1; i += 4) ATOM_TERMS(acc, bad, s + i, m + i, v + i, k, k0);
  if (i < i1) { /* pad the last atoms with s = 1, m = v = 0: exact zeros */
    double ps[4] = {1, 1, 1, 1}, pm[4] = {0}, pv[4] = {0};
    for (size_t j = 0; i + j < i1; j++) {
      ps[j] = s[i + j];
      pm[j] = m[i + j];
      pv[j] = v[i + j];
    }
    /* a padding lane is out of range only if k or k0 is */
    ATOM_TERMS(acc, bad, ps, pm, pv, k, k0);
  }
  for (int j = 0; j < M_COUNT; j++)
    out[j] = (acc[j][0] + acc[j][1]) + (acc[j][2] + acc[j][3]);
  return !(bad[0] | bad[1] | bad[2] | bad[3]);
}

/* x/(x+y) and y/(x+y) for x, y >= 0 not both 0, scaled by a power of
   two so that x+y neither over- nor underflows; *inv = 1/(x+y) (which
   may itself be out of range: that is its true value).  */
static void ratios(double x, double y, double *xr, double *yr, double *inv)
{
  int e = ilogb(fmax(x, y));
  double X = scalbn(x, -e), Y = scalbn(y, -e), r = 1.0 / (X + Y);
  *xr = X * r;
  *yr = Y * r;
  if (inv) *inv = scalbn(r, -e);
}

/* The same sums as block_sums, one atom at a time, every term a product
   of ratios formed in range.  */
static void block_sums_scaled(double *out, const double *s, const double *m,
                              const double *v, size_t i0, size_t i1,
                              double k, double k0)
{
  for (int j = 0; j < M_COUNT; j++) out[j] = 0;
  for (size_t i = i0; i < i1; i++) {
    double a, b, r, a0 = 0, b0;
    ratios(s[i], k, &a, &b, &r);
    if (k0 > 0) ratios(s[i], k0, &a0, &b0, NULL);
    double ma = m[i] * a;
    out[M_DF1] += ma;
    out[M_DF2] += ma * a;
    out[M_CDF1] += s[i] > 0 ? m[i] * b : 0.0;
    out[M_GAP] += ma * b;
    out[M_DF3] += ma * a * r;
    out[M_T1] += v[i] * r;
    out[M_BIAS] += v[i] * b * b;
    out[M_DBIAS] += v[i] * a * b * r;
    out[M_ANCHOR] += m[i] * a0 * r; /* m s/((s+k0)(s+k)) */
  }
}

/* The rule's atoms hold only where every pole -kappa is <= 0.  */
static deq_atoms sum_atoms(const deq_spectrum *sp, double kappa, double kappa0)
{
  if (kappa >= 0 && kappa0 >= 0) return deq_sum_atoms(sp);
  return (deq_atoms){sp->n, sp->s, sp->m, sp->v};
}

void deq_moments_pass(deq_moments *out, double *anchor, const deq_spectrum *sp,
                      double kappa, double kappa0)
{
  deq_sum tot[M_COUNT];
  for (int j = 0; j < M_COUNT; j++) deq_sum_init(&tot[j]);
  deq_atoms a = sum_atoms(sp, kappa, kappa0);
  for (size_t i0 = 0; i0 < a.n; i0 += DEQ_SUM_BLOCK) {
    size_t i1 = i0 + DEQ_SUM_BLOCK < a.n ? i0 + DEQ_SUM_BLOCK : a.n;
    double acc[M_COUNT];
    if (!block_sums(acc, a.s, a.m, a.v, i0, i1, kappa, kappa0))
      block_sums_scaled(acc, a.s, a.m, a.v, i0, i1, kappa, kappa0);
    for (int j = 0; j < M_COUNT; j++) deq_sum_add(&tot[j], acc[j]);
  }
  out->kappa = kappa;
  out->df1 = deq_sum_get(&tot[M_DF1]);
  out->df2 = deq_sum_get(&tot[M_DF2]);
  out->cdf1 = deq_sum_get(&tot[M_CDF1]);
  out->gap12 = deq_sum_get(&tot[M_GAP]);
  out->df3 = deq_sum_get(&tot[M_DF3]);
  out->t1 = deq_sum_get(&tot[M_T1]);
  out->bias = deq_sum_get(&tot[M_BIAS]);
  out->dbias = 2.0 * deq_sum_get(&tot[M_DBIAS]);
  if (kappa0 > 0 && anchor) *anchor = deq_sum_get(&tot[M_ANCHOR]);
}

/* kappa -> 0+ limits: only atoms with s > 0 contribute.  */
static void moments_at_zero(deq_moments *out, const deq_spectrum *sp)
{
  deq_sum df3, t1;
  deq_sum_init(&df3);
  deq_sum_init(&t1);
  deq_atoms a = sum_atoms(sp, 0, 0);
  for (size_t i = 0; i < a.n; i++) {
    if (a.s[i] > 0) {
      deq_sum_add(&df3, a.m[i] / a.s[i]);
      deq_sum_add(&t1, a.v[i] / a.s[i]);
    }
  }
  out->kappa = 0;
  out->df1 = out->df2 = sp->rank;
  out->cdf1 = out->gap12 = 0;
  out->df3 = deq_sum_get(&df3);
  out->t1 = deq_sum_get(&t1);
  out->bias = out->dbias = 0;
}

/* W(k) = k t(k) - B(k) = sum v s k/(s+k)^2 >= 0, summed directly: the
   difference k t1 - B loses every digit when k >> s (both tend to sum v).
   One pass, ratios formed in range as in block_sums_scaled.  */
double deq_moments_signal_gap(const deq_spectrum *sp, double kappa)
{
  if (!(kappa > 0)) return 0.0;
  deq_atoms a = sum_atoms(sp, kappa, 0);
  deq_sum tot;
  deq_sum_init(&tot);
  for (size_t i0 = 0; i0 < a.n; i0 += DEQ_SUM_BLOCK) {
    size_t i1 = i0 + DEQ_SUM_BLOCK < a.n ? i0 + DEQ_SUM_BLOCK : a.n;
    double acc = 0;
    for (size_t i = i0; i < i1; i++) {
      double q = a.s[i] + kappa, sa, kb;
      if (q >= SAFE_LO && q <= SAFE_HI) {
        double r = 1.0 / q;
        sa = a.s[i] * r;
        kb = kappa * r;
      } else {
        ratios(a.s[i], kappa, &sa, &kb, NULL);
      }
      acc += a.v[i] * sa * kb;
    }
    deq_sum_add(&tot, acc);
  }
  return deq_sum_get(&tot);
}

void deq_moments_shift(deq_moments *m, double kappa)
{
  double h = kappa - m->kappa, k = m->kappa;
  if (h == 0) return;
  /* d df1 = -gap/k, d df2 = -2 df3, d cdf1 = +gap/k, d B = dbias.  */
  double ddf1 = -m->gap12 / k * h;
  m->df1 += ddf1;
  m->cdf1 -= ddf1;
  m->df2 -= 2.0 * m->df3 * h;
  m->gap12 += ddf1 + 2.0 * m->df3 * h;
  m->t1 -= m->bias / k / k * h; /* dt1/dk = -sum v r^2 = -B/k^2; k*k may underflow */
  m->bias += m->dbias * h;
  m->kappa = kappa;
}

static deq_status check(const deq_spectrum *sp, double kappa)
{
  if (!sp || sp->n == 0) return DEQ_EINVAL;
  if (!(kappa >= 0) || !isfinite(kappa)) return DEQ_EDOM;
  return DEQ_OK;
}

deq_status deq_resolvent_moments(deq_moments *out, const deq_spectrum *sp,
                                 double kappa)
{
  if (!out) return DEQ_EINVAL;
  deq_status st = check(sp, kappa);
  if (st) return st;
  if (kappa == 0) {
    if (isinf(sp->rank)) return DEQ_EDIVERGE; /* df1(0+) is infinite */
    moments_at_zero(out, sp);
  } else {
    deq_moments_pass(out, NULL, sp, kappa, 0);
  }
  return DEQ_OK;
}

deq_status deq_resolvent_df(double *df1, double *df2, const deq_spectrum *sp,
                            double kappa)
{
  deq_moments m;
  deq_status st = deq_resolvent_moments(&m, sp, kappa);
  if (st) return st;
  if (df1) *df1 = m.df1;
  if (df2) *df2 = m.df2;
  return DEQ_OK;
}

deq_status deq_resolvent_anchor(double *A, const deq_spectrum *sp, double k0,
                                double d)
{
  if (!A) return DEQ_EINVAL;
  deq_status st = check(sp, k0);
  if (st) return st;
  if (!(d >= 0) || !isfinite(d)) return DEQ_EDOM;
  if (k0 == 0) return DEQ_EDOM;
  deq_moments m;
  deq_moments_pass(&m, A, sp, k0 + d, k0);
  return DEQ_OK;
}

/* Inverse df: solve df1(k) = d.  Near the rank the equation is written as
   cdf1(k) = rank - d, which has no cancellation.  */
typedef struct inv_params {
  const deq_spectrum *sp;
  double d;
  int complement;
} inv_params;

static deq_status inv_fdf(double k, void *vp, double *f, double *df)
{
  const inv_params *p = vp;
  deq_moments m;
  deq_moments_pass(&m, NULL, p->sp, k, 0);
  /* f increasing in k in both forms: d - df1(k), or cdf1(k) - (rank - d) */
  if (p->complement)
    *f = m.cdf1 - (p->sp->rank - p->d);
  else
    *f = p->d - m.df1;
  *df = m.gap12 / k;
  return DEQ_OK;
}

deq_status deq_resolvent_inverse_df1(double *kappa, const deq_spectrum *sp,
                                     double d)
{
  if (!kappa) return DEQ_EINVAL;
  deq_status st = check(sp, 0);
  if (st) return st;
  if (!(d > 0) || !(d < sp->rank)) return DEQ_EDOM;
  inv_params p = {sp, d, isfinite(sp->rank) && d > 0.5 * sp->rank};
  /* df1(k) <= tr/k, so df1(2 tr/d) <= d/2 < d; shrink lo until df1 > d.  */
  double hi = 2.0 * sp->trace / d, lo = hi, f, df;
  if (!isfinite(hi)) return DEQ_EUNSUP; /* the trace overflows */
  for (int i = 0; i < 4000; i++) {
    lo *= 1e-3;
    inv_fdf(lo, &p, &f, &df);
    if (f < 0 || lo == 0) break;
  }
  if (!(lo > 0) || !(f < 0)) return DEQ_ENOCONV;
  deq_root root;
  st = deq_solve_newton_dir(&root, inv_fdf, &p, lo, hi, sqrt(lo) * sqrt(hi),
                            1, 1e-15, 0, 400);
  *kappa = root.x;
  return st;
}
