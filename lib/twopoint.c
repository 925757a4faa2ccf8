/* twopoint.c -- two-point deterministic equivalents (deq/twopoint.h).
 *
 * One complex kernel serves both paths: the real path runs it with zero
 * imaginary parts (a product or reciprocal of reals with zero imaginary
 * parts is exactly the real one, see cinv), so real and complex results
 * agree bitwise on the positive axis (for spectra summed exactly: the
 * real path with A = I or Sigma sums over the compressed rule).  Sums are compensated (Neumaier)
 * in their real and imaginary parts separately.
 *
 * kappa(z) for complex z: Newton on F(kappa) = kappa C(kappa)/P - z with
 * C = P - df1 = (P - rank) + sum m kappa/(s+kappa) and F' = 1 - df2/P =
 * (C + sum m s kappa/(s+kappa)^2)/P, backtracking whenever |F| does not
 * decrease.  Continuation from the real point |z| along the arc |z| =
 * const never meets the negative axis, where kappa has its cut.  */
#include "config.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "deq/ridge.h"
#include "deq/twopoint.h"
#include "spectrum_rule_impl.h"
#include "sum_impl.h"

#define NEWTON_TOL 1e-14      /* relative step that ends Newton */
#define NEWTON_MAX 80
#define HALVINGS 40
#define ARC_STEP 0.02         /* radians per continuation step */

typedef double complex cplx;

/* ------------------------------------------------------------ helpers */

/* 1/w, exactly 1/Re w when Im w = 0 (so the real path is real
   arithmetic); otherwise Smith's scaled formula.  */
static cplx cinv(cplx w)
{
  double x = creal(w), y = cimag(w);
  if (y == 0) return CMPLX(1.0 / x, -y);
  if (fabs(x) >= fabs(y)) {
    double t = y / x, d = x + y * t;
    return CMPLX(1.0 / d, -t / d);
  }
  double t = x / y, d = x * t + y;
  return CMPLX(t / d, -1.0 / d);
}

/* Products of complex numbers written out, so that zero imaginary parts
   give exactly the real products (no library call, no NaN recovery).  */
static cplx cmul(cplx a, cplx b)
{
  double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);
  if (ai == 0 && bi == 0) return CMPLX(ar * br, 0.0);
  return CMPLX(ar * br - ai * bi, ar * bi + ai * br);
}

/* a/b, exactly the real quotient when both are real.  */
static cplx cdiv(cplx a, cplx b)
{
  if (cimag(a) == 0 && cimag(b) == 0) return CMPLX(creal(a) / creal(b), 0.0);
  return cmul(a, cinv(b));
}

static cplx cscale(double x, cplx a)
{
  return CMPLX(x * creal(a), x * cimag(a));
}

typedef struct csum {
  deq_sum re, im;
} csum;

static void csum_init(csum *c)
{
  deq_sum_init(&c->re);
  deq_sum_init(&c->im);
}

static void csum_add(csum *c, cplx x)
{
  deq_sum_add(&c->re, creal(x));
  deq_sum_add(&c->im, cimag(x));
}

static cplx csum_get(const csum *c)
{
  return CMPLX(deq_sum_get(&c->re), deq_sum_get(&c->im));
}

static deq_status check_common(const deq_spectrum *sp, double P,
                               const double *a)
{
  if (!sp || sp->n == 0 || !sp->s || !sp->m || !sp->v) return DEQ_EINVAL;
  if (!(P > 0) || !isfinite(P)) return DEQ_EDOM;
  if (!isfinite(sp->rank)) return DEQ_EUNSUP;
  for (size_t i = 0; a && i < sp->n; i++)
    if (!isfinite(a[i])) return DEQ_EDOM;
  return DEQ_OK;
}

/* z is admissible: finite and not on the negative real axis.  */
static int z_ok(cplx z)
{
  if (!isfinite(creal(z)) || !isfinite(cimag(z))) return 0;
  return !(cimag(z) == 0 && creal(z) < 0);
}

/* ------------------------------------------------------------ the pass */

/* Sums of the two-point functional at (kappa1, kappa2): see the header
   for their roles.  */
typedef struct tp_sums {
  cplx G;      /* sum m a1 a2 = P gamma12 */
  cplx g12;    /* sum m a1 b2 */
  cplx g21;    /* sum m a2 b1 */
  cplx X;      /* sum m w s r1 r2: cross */
  cplx S;      /* sum m s b1 b2 = kappa1 kappa2 sum m s r1 r2 (which
                  would overflow as a product for huge kappa) */
  cplx Tw;     /* sum m w b1 b2 (+ m w for s = 0) */
  cplx Fw;     /* sum (v/s) w b1 b2 */
  cplx Fv;     /* sum v b1 b2 */
  cplx B1, B2; /* sum m b_i over s > 0: rank - df1(kappa_i) */
} tp_sums;

/* The weights of A on the atoms summed: a[i] per atom, or (a NULL)
   1 for A = I, or s for A = Sigma.  */
typedef struct tp_weights {
  const double *a;
  int sigma;
} tp_weights;

/* r = 1/(s+k), a = s r and b = k r for s > 0; at k = 0 exactly a = 1 and
   b = 0 (s r would be subnormal times Inf when 1/s overflows).  */
static void fractions(cplx *r, cplx *a, cplx *b, double s, cplx k)
{
  *r = cinv(s + k);
  if (k == 0) {
    *a = 1;
    *b = 0;
    return;
  }
  *a = cscale(s, *r);
  *b = cmul(k, *r);
}

static void tp_pass(tp_sums *out, deq_atoms at, tp_weights wt, cplx k1,
                    cplx k2)
{
  csum G, g12, g21, X, S, Tw, Fw, Fv, B1, B2;
  csum_init(&G); csum_init(&g12); csum_init(&g21); csum_init(&X);
  csum_init(&S); csum_init(&Tw); csum_init(&Fw); csum_init(&Fv);
  csum_init(&B1); csum_init(&B2);
  for (size_t i = 0; i < at.n; i++) {
    double s = at.s[i], m = at.m[i], v = at.v[i];
    double w = wt.a ? wt.a[i] : wt.sigma ? s : 1.0;
    if (s == 0) { /* T = A exactly on Sigma's null space */
      csum_add(&Tw, m * w);
      continue;
    }
    cplx r1, r2, a1, a2, b1, b2;
    fractions(&r1, &a1, &b1, s, k1);
    fractions(&r2, &a2, &b2, s, k2);
    cplx ma1 = cscale(m, a1), bb = cmul(b1, b2), srr = cmul(a1, r2);
    csum_add(&G, cmul(ma1, a2));
    csum_add(&g12, cmul(ma1, b2));
    csum_add(&g21, cmul(cscale(m, a2), b1));
    csum_add(&X, cscale(m * w, srr));
    csum_add(&S, cscale(m * s, bb));
    csum_add(&Tw, cscale(m * w, bb));
    csum_add(&B1, cscale(m, b1));
    csum_add(&B2, cscale(m, b2));
    if (v != 0 && bb != 0) { /* (v/s may overflow for subnormal s) */
      csum_add(&Fw, cscale(v / s * w, bb));
      csum_add(&Fv, cscale(v, bb));
    }
  }
  *out = (tp_sums){ csum_get(&G), csum_get(&g12), csum_get(&g21),
                    csum_get(&X), csum_get(&S), csum_get(&Tw),
                    csum_get(&Fw), csum_get(&Fv), csum_get(&B1),
                    csum_get(&B2) };
}

/* P - df1(kappa_i) without cancellation: (P - rank) + sum m b_i when
   rank <= P (every term >= 0 on the real axis); above the rank, P z/kappa
   at the fixed point (0 at z = 0, kappa = kappa0), as deq_ridge_solve.  */
static cplx complement_at(const deq_spectrum *sp, double P, cplx z, cplx k,
                          cplx sum_b)
{
  if (sp->rank <= P) return (P - sp->rank) + sum_b;
  return z != 0 ? cscale(P, cdiv(z, k)) : CMPLX(0.0, 0.0);
}

/* The atoms and weights of the pass.  On the real axis (every kappa_i
   >= 0) every sum is of resolvent type in s with poles at -kappa1,
   -kappa2 and 0, so the spectrum's compressed rule replaces its atoms
   when A's weights are a function of s the rule carries (A = I, or
   A = Sigma given as sp->s); per-atom weights and complex kappa sum every
   atom.  */
static void pass_atoms(deq_atoms *at, tp_weights *wt, const deq_spectrum *sp,
                       const double *a, int real_axis)
{
  *at = (deq_atoms){sp->n, sp->s, sp->m, sp->v};
  *wt = (tp_weights){a, 0};
  if (!real_axis || (a && a != sp->s)) return;
  deq_atoms r = deq_sum_atoms(sp);
  if (r.s == sp->s) return; /* no rule */
  *at = r;
  *wt = (tp_weights){NULL, a != NULL};
}

/* c S, and 0 when every term of S vanished (kappa_i = 0: c, of order
   sum m/s, may be +Inf for subnormal eigenvalues, but c S -> 0).  */
static cplx times_sum(cplx c, cplx S)
{
  return S == 0 ? 0 : cmul(c, S);
}

static void eval_point(deq_twopoint_cpoint *o, const deq_spectrum *sp,
                       double P, const double *a, int real_axis)
{
  tp_sums t;
  deq_atoms at;
  tp_weights wt;
  pass_atoms(&at, &wt, sp, a, real_axis);
  tp_pass(&t, at, wt, o->kappa1, o->kappa2);
  cplx C1 = complement_at(sp, P, o->z1, o->kappa1, t.B1);
  cplx C2 = complement_at(sp, P, o->z2, o->kappa2, t.B2);
  o->gamma12 = t.G / P;
  o->one_minus_gamma12 = ((C1 + t.g12) + (C2 + t.g21)) / (2.0 * P);
  o->cross_trace = t.X;
  if (o->one_minus_gamma12 == 0) {
    /* z1 = z2 = 0 at rank = P: kappa1 = kappa2 = 0 and the second terms
       vanish in the limit (kappa^2/(1 - gamma) ~ kappa).  */
    o->amplification = INFINITY;
    o->trace = t.Tw;
    o->form = t.Fw;
    o->status = DEQ_EDIVERGE;
  } else {
    cplx c = o->cross_trace / (P * o->one_minus_gamma12);
    o->amplification = cinv(o->one_minus_gamma12);
    o->trace = t.Tw + times_sum(c, t.S);
    o->form = t.Fw + times_sum(c, t.Fv);
    o->status = DEQ_OK;
  }
  o->trace_per_dim = o->trace / sp->dim;
  o->iterations++;
}

deq_status deq_twopoint_eval_c(deq_twopoint_cpoint *out,
                               const deq_spectrum *sp, double P,
                               const deq_complex *z1, const deq_complex *z2,
                               const deq_complex *kappa1,
                               const deq_complex *kappa2, const double *a)
{
  if (!out || !z1 || !z2 || !kappa1 || !kappa2) return DEQ_EINVAL;
  deq_status st = check_common(sp, P, a);
  if (st) return st;
  if (!z_ok(*z1) || !z_ok(*z2)) return DEQ_EDOM;
  memset(out, 0, sizeof *out);
  out->P = P;
  out->z1 = *z1;
  out->z2 = *z2;
  out->kappa1 = *kappa1;
  out->kappa2 = *kappa2;
  eval_point(out, sp, P, a, 0);
  return out->status;
}

/* ------------------------------------------------------------ kappa(z) */

typedef struct kap_eval {
  cplx F;      /* kappa C/P - z */
  cplx dF;     /* 1 - df2/P */
} kap_eval;

/* F and F' at kappa; 0 if kappa sits on a pole (s + kappa = 0).  */
static int kappa_fdf(kap_eval *e, const deq_spectrum *sp, double P, cplx z,
                     cplx k)
{
  csum cd, gap;
  csum_init(&cd);
  csum_init(&gap);
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i];
    if (s == 0) continue;
    cplx den = s + k;
    if (den == 0) return 0;
    cplx r = cinv(den), mb = cscale(m, cmul(k, r));
    csum_add(&cd, mb);
    csum_add(&gap, cmul(mb, cscale(s, r)));
  }
  cplx C = (P - sp->rank) + csum_get(&cd);
  e->F = cmul(k, C) / P - z;
  e->dF = (C + csum_get(&gap)) / P;
  return isfinite(creal(e->F)) && isfinite(cimag(e->F))
         && isfinite(creal(e->dF)) && isfinite(cimag(e->dF));
}

/* Newton from k (updated in place) with backtracking on |F|.  */
static deq_status newton_c(cplx *k, int *passes, const deq_spectrum *sp,
                           double P, cplx z)
{
  kap_eval e, en;
  if (!kappa_fdf(&e, sp, P, z, *k)) return DEQ_ENOCONV;
  (*passes)++;
  for (int it = 0; it < NEWTON_MAX; it++) {
    if (e.F == 0) return DEQ_OK;
    if (e.dF == 0) return DEQ_ENOCONV;
    cplx step = -e.F / e.dF, kn = *k + step;
    int h = 0, ok;
    while (!(ok = kappa_fdf(&en, sp, P, z, kn)) || cabs(en.F) > cabs(e.F)) {
      (*passes)++;
      if (++h > HALVINGS) break;
      step *= 0.5;
      kn = *k + step;
    }
    (*passes) += ok && h <= HALVINGS;
    if (h > HALVINGS) /* no decrease: converged to rounding, or stuck */
      return cabs(e.F) <= 1e-13 * (cabs(z) + cabs(*k)) ? DEQ_OK : DEQ_ENOCONV;
    *k = kn;
    e = en;
    if (cabs(step) <= NEWTON_TOL * cabs(kn)) return DEQ_OK;
  }
  return DEQ_ENOCONV;
}

/* On the physical branch Im kappa has the sign of Im z.  */
static int on_branch(cplx k, cplx z)
{
  double iz = cimag(z), ik = cimag(k);
  return iz == 0 || (iz > 0 ? ik > 0 : ik < 0);
}

static deq_status kappa_real(cplx *k, int *passes, const deq_spectrum *sp,
                             double P, double z)
{
  deq_ridge_point pt;
  deq_status st = deq_ridge_solve(&pt, sp, P, z, 0, NULL);
  *passes += pt.iterations;
  if (st != DEQ_OK && st != DEQ_EDIVERGE) return st;
  *k = CMPLX(pt.kappa, 0.0);
  return DEQ_OK;
}

/* Follow the branch from |z| along the arc to z.  */
static deq_status kappa_arc(cplx *k, int *passes, const deq_spectrum *sp,
                            double P, cplx z)
{
  double r = cabs(z), theta = carg(z);
  deq_status st = kappa_real(k, passes, sp, P, r);
  if (st) return st;
  int n = (int)ceil(fabs(theta) / ARC_STEP);
  cplx zprev = r;
  for (int j = 1; j <= n && !st; j++) {
    cplx zj = j == n ? z : r * cexp(CMPLX(0.0, theta * j / n));
    kap_eval e;
    if (kappa_fdf(&e, sp, P, zprev, *k) && e.dF != 0)
      *k += (zj - zprev) / e.dF;   /* tangent predictor */
    (*passes)++;
    st = newton_c(k, passes, sp, P, zj);
    zprev = zj;
  }
  if (!st && !on_branch(*k, z)) st = DEQ_ENOCONV;
  return st;
}

deq_status deq_twopoint_kappa_c(deq_complex *kappa, int *iterations,
                                const deq_spectrum *sp, double P,
                                const deq_complex *z, const deq_complex *warm)
{
  if (!kappa || !z) return DEQ_EINVAL;
  deq_status st = check_common(sp, P, NULL);
  if (st) return st;
  cplx zz = *z, k = NAN;
  if (!z_ok(zz)) return DEQ_EDOM;
  int passes = 0;
  if (cimag(zz) == 0) {
    st = kappa_real(&k, &passes, sp, P, creal(zz));
  } else {
    st = DEQ_ENOCONV;
    if (warm && isfinite(creal(*warm)) && isfinite(cimag(*warm))) {
      k = *warm;
      st = newton_c(&k, &passes, sp, P, zz);
      if (!st && !on_branch(k, zz)) st = DEQ_ENOCONV;
    }
    if (st) st = kappa_arc(&k, &passes, sp, P, zz);
  }
  *kappa = st ? NAN : k;
  if (iterations) *iterations = passes;
  return st;
}

/* ------------------------------------------------------------ points */

deq_status deq_twopoint_solve_c(deq_twopoint_cpoint *out,
                                const deq_spectrum *sp, double P,
                                const deq_complex *z1, const deq_complex *z2,
                                const double *a,
                                const deq_twopoint_cpoint *warm)
{
  if (!out || !z1 || !z2) return DEQ_EINVAL;
  deq_status st = check_common(sp, P, a);
  if (st) return st;
  if (!z_ok(*z1) || !z_ok(*z2)) return DEQ_EDOM;
  deq_twopoint_cpoint w;
  if (warm) w = *warm; /* warm may alias out */
  memset(out, 0, sizeof *out);
  out->P = P;
  out->z1 = *z1;
  out->z2 = *z2;
  int n1 = 0, n2 = 0;
  st = deq_twopoint_kappa_c(&out->kappa1, &n1, sp, P, z1,
                            warm ? &w.kappa1 : NULL);
  if (!st && *z2 == *z1) out->kappa2 = out->kappa1;
  else if (!st)
    st = deq_twopoint_kappa_c(&out->kappa2, &n2, sp, P, z2,
                              warm ? &w.kappa2 : NULL);
  out->iterations = n1 + n2;
  if (st) {
    out->status = st;
    return st;
  }
  eval_point(out, sp, P, a, 0);
  return out->status;
}

/* A ridge warm start from a solved two-point neighbour.  */
static const deq_ridge_point *ridge_warm(deq_ridge_point *w, double P,
                                         double z, double kappa,
                                         const deq_twopoint_point *tp)
{
  if (!tp || tp->status != DEQ_OK || tp->P != P || !(kappa > 0)) return NULL;
  memset(w, 0, sizeof *w);
  w->P = P;
  w->lambda = z;
  w->kappa = kappa;
  w->dkappa_dlambda = 1.0; /* >= 1: a conservative predictor */
  w->status = DEQ_OK;
  return w;
}

deq_status deq_twopoint_solve(deq_twopoint_point *out, const deq_spectrum *sp,
                              double P, double z1, double z2, const double *a,
                              const deq_twopoint_point *warm)
{
  if (!out) return DEQ_EINVAL;
  deq_twopoint_point w0;
  if (warm) w0 = *warm; /* warm may alias out */
  memset(out, 0, sizeof *out);
  out->P = P;
  out->z1 = z1;
  out->z2 = z2;
  deq_status st = check_common(sp, P, a);
  if (!st && (!(z1 >= 0) || !(z2 >= 0) || !isfinite(z1) || !isfinite(z2)))
    st = DEQ_EDOM;
  if (st) return out->status = st;
  const deq_twopoint_point *wp = warm ? &w0 : NULL;
  deq_ridge_point r1, r2, h1, h2;
  st = deq_ridge_solve(&r1, sp, P, z1, 0,
                       wp ? ridge_warm(&h1, P, wp->z1, wp->kappa1, wp) : NULL);
  if (st == DEQ_EDIVERGE) st = DEQ_OK; /* kappa = 0 at the peak is valid */
  if (!st && z2 == z1) r2 = r1;
  else if (!st) {
    st = deq_ridge_solve(&r2, sp, P, z2, 0,
                         wp ? ridge_warm(&h2, P, wp->z2, wp->kappa2, wp)
                            : NULL);
    if (st == DEQ_EDIVERGE) st = DEQ_OK;
  }
  if (st) {
    out->status = st;
    return st;
  }
  deq_twopoint_cpoint c = { .P = P, .z1 = z1, .z2 = z2, .kappa1 = r1.kappa,
                            .kappa2 = r2.kappa,
                            .iterations = r1.iterations
                                          + (z2 == z1 ? 0 : r2.iterations) };
  eval_point(&c, sp, P, a, 1);
  out->kappa1 = r1.kappa;
  out->kappa2 = r2.kappa;
  out->gamma12 = creal(c.gamma12);
  out->one_minus_gamma12 = creal(c.one_minus_gamma12);
  out->amplification = creal(c.amplification);
  out->cross_trace = creal(c.cross_trace);
  out->trace = creal(c.trace);
  out->trace_per_dim = creal(c.trace_per_dim);
  out->form = creal(c.form);
  out->iterations = c.iterations;
  out->status = c.status;
  return c.status;
}
