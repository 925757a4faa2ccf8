/* flow.c -- gradient flow of the linear random-feature model
 * (scaling_dynamics 2.1-2.3): the renormalised ridge kappa(s), the
 * two-point function T(s, s') and the inverse Laplace transform on a
 * parabola.  Everything runs in long double: the double contour sums
 * terms of size e^(pi n/6) times the result, so roundoff is amplified by
 * that factor (the sheet measures 2e-7 at best in double precision).  */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "deq/flow.h"

typedef long double ld;
typedef long double complex cld;

#define FLOW_M_DEFAULT 24         /* double contour */
#define FLOW_M_SINGLE_DEFAULT 32  /* single contour: roundoff e^(pi n/12) eps only */
#define FLOW_M_MAX 200

void deq_flow_opts_init(deq_flow_opts *o)
{
  if (!o) return;
  o->M = 0;
  o->mu_scale = 0;
}

/* 1/N with 1/INFINITY = 0.  */
static ld inv(double N) { return isinf(N) ? 0.0L : 1.0L / (ld)N; }

static deq_status check_sizes(const deq_spectrum *sp, double N, double P)
{
  if (!sp || sp->n == 0) return DEQ_EINVAL;
  if (!(N > 0) || !(P > 0)) return DEQ_EDOM;
  if (!(sp->trace > 0) || !isfinite(sp->trace) || !isfinite(sp->signal))
    return DEQ_EUNSUP;
  return DEQ_OK;
}

/* ------------------------------------------------------------ real kappa */

static ld df1_real(const deq_spectrum *sp, ld k)
{
  ld d = 0;
  for (size_t i = 0; i < sp->n; i++)
    if (sp->s[i] > 0) d += sp->m[i] * sp->s[i] / (sp->s[i] + k);
  return d;
}

/* Bisection in log kappa of a decreasing/increasing predicate on
   [lo, hi]: returns the point where up(k) switches from 0 to 1.  */
typedef int (*pred_fn)(const deq_spectrum *sp, ld k, const void *ctx);

static ld log_bisect(const deq_spectrum *sp, ld lo, ld hi, pred_fn up,
                     const void *ctx)
{
  for (int it = 0; it < 400 && hi > lo * (1 + 4 * LDBL_EPSILON); it++) {
    ld mid = sqrtl(lo) * sqrtl(hi);
    if (!(mid > lo && mid < hi)) break;
    if (up(sp, mid, ctx)) hi = mid;
    else lo = mid;
  }
  return 0.5L * (lo + hi);
}

static int df1_below(const deq_spectrum *sp, ld k, const void *ctx)
{
  return df1_real(sp, k) <= *(const ld *)ctx;
}

/* The edge kappa_lo: df1(kappa_lo) = min(N, P) if rank > min(N, P), else 0.  */
static ld kappa_edge(const deq_spectrum *sp, double N, double P)
{
  ld m = (ld)fmin(N, P);
  if (isinf(fmin(N, P)) || !(sp->rank > fmin(N, P))) return 0;
  ld hi = (ld)sp->trace / m, lo = hi;   /* df1(hi) <= tr/hi = m */
  while (df1_real(sp, lo) <= m && lo > LDBL_MIN) lo *= 0.5L;
  return log_bisect(sp, lo, hi, df1_below, &m);
}

typedef struct { double N, P; ld s; } real_ctx;

static int ridge_above(const deq_spectrum *sp, ld k, const void *ctx)
{
  const real_ctx *c = ctx;
  ld d = df1_real(sp, k);
  return k * (1 - d * inv(c->N)) * (1 - d * inv(c->P)) >= c->s;
}

/* kappa(s) for real s > 0 on the branch kappa > kappa_lo, where
   kappa a b increases from 0; kappa lies in [s, s + tr (1/N + 1/P)].  */
static ld kappa_real(const deq_spectrum *sp, double N, double P, ld s,
                     ld edge)
{
  ld lo = fmaxl(s, edge), hi = s + (ld)sp->trace * (inv(N) + inv(P));
  if (hi <= lo) return lo;
  real_ctx c = { N, P, s };
  return log_bisect(sp, lo, hi, ridge_above, &c);
}

deq_status deq_flow_kappa(double *kappa, const deq_spectrum *sp, double N,
                          double P, double s)
{
  if (!kappa) return DEQ_EINVAL;
  deq_status st = check_sizes(sp, N, P);
  if (st) return st;
  if (!(s >= 0) || isinf(s)) return DEQ_EDOM;
  ld edge = kappa_edge(sp, N, P);
  *kappa = (double)(s == 0 ? edge : kappa_real(sp, N, P, s, edge));
  return DEQ_OK;
}

/* ----------------------------------------------------- complex kappa(s) */

/* f(kappa) = kappa a b - s and f'; a = 1 - d/N, b = 1 - d/P.  */
static void ridge_eq(const deq_spectrum *sp, ld iN, ld iP, cld k, cld s,
                     cld *f, cld *fp)
{
  cld d = 0, e = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (!(sp->s[i] > 0)) continue;
    cld u = 1.0L / ((ld)sp->s[i] + k);
    cld w = (ld)sp->m[i] * (ld)sp->s[i] * u;
    d += w;
    e += w * u;
  }
  cld a = 1 - d * iN, b = 1 - d * iP;
  *f = k * a * b - s;
  *fp = a * b + k * e * (b * iN + a * iP);
}

/* Newton from a predicted kappa; 0 on convergence.  */
static int newton(const deq_spectrum *sp, ld iN, ld iP, cld s, cld *k)
{
  cld k0 = *k;
  for (int it = 0; it < 40; it++) {
    cld f, fp;
    ridge_eq(sp, iN, iP, *k, s, &f, &fp);
    if (!(cabsl(fp) > 0)) return 1;
    cld dk = f / fp;
    *k -= dk;
    if (!(cabsl(*k - k0) <= 0.25L * cabsl(k0))) return 1;  /* jumped */
    if (cabsl(dk) <= 16 * LDBL_EPSILON * cabsl(*k)) return 0;
  }
  return 1;
}

static cld node_s(ld mu, ld u) { cld z = 1 + I * u; return mu * z * z; }

/* kappa along the upper half of the parabola: kap[j] at u = j h,
   j = 0..M, by continuation from the real crossing s = mu, each node
   interval in 4 substeps (halved while Newton fails).  */
static deq_status kappa_path(cld *kap, const deq_spectrum *sp, double N,
                             double P, ld mu, ld h, int M, ld edge)
{
  ld iN = inv(N), iP = inv(P);
  cld k = kappa_real(sp, N, P, mu, edge);
  kap[0] = k;
  ld u = 0;
  for (int j = 1; j <= M; j++) {
    ld target = j * h, du = h / 4;
    while (u < target) {
      ld step = fminl(du, target - u);
      cld f, fp;
      ridge_eq(sp, iN, iP, k, node_s(mu, u), &f, &fp);
      cld ds = 2 * I * mu * (1 + I * u) * step;   /* s'(u) du */
      cld kk = k + ds / fp;                       /* tangent predictor */
      if (newton(sp, iN, iP, node_s(mu, u + step), &kk) == 0) {
        k = kk;
        u += step;
      } else {
        du = step / 2;
        if (du < h * 1e-12L) return DEQ_ENOCONV;
      }
    }
    u = target;
    kap[j] = k;
  }
  return DEQ_OK;
}

/* ---------------------------------------------------- two-point function */

/* Per-node data: kappa, d = df1(kappa), t = sum v/(s_i + kappa).  */
typedef struct { cld k, d; } node_t;

/* Pair sums over atoms for nodes (x, y): A = sum v U U', Bv = sum v s U U',
   T1 = sum m s U U', S2 = sum m s^2 U U', U = 1/(s_i + kappa_x).  */
typedef struct { cld A, Bv, T1, S2; } pair_t;

static pair_t pair_sums(const deq_spectrum *sp, const cld *Ux, const cld *Uy)
{
  pair_t p = { 0, 0, 0, 0 };
  for (size_t i = 0; i < sp->n; i++) {
    cld uu = Ux[i] * Uy[i];
    ld s = sp->s[i], m = sp->m[i], v = sp->v[i];
    p.A += v * uu;
    p.Bv += v * s * uu;
    p.T1 += m * s * uu;
    p.S2 += m * s * s * uu;
  }
  return p;
}

/* T(s, s') of (2.2), written without divided differences:
   kappa_1 - kappa_1' = (kappa - kappa')(1 - gamma_2),
   kappa' - kappa_1' rho = kappa kappa' T1/(P (1 - gamma_2)),
   N gamma_1 = [S2 (1 - d/P) + kappa' d' T1/P]/(1 - gamma_2).  */
static cld two_point(const node_t *x, const node_t *y, const pair_t *p,
                     ld iN, ld iP, ld noise)
{
  cld g2 = p->S2 * iP, omg2 = 1 - g2;
  cld kk = x->k * y->k;
  cld T = kk * p->A / omg2 + noise * g2 / omg2;
  if (iN > 0) {
    cld Ng1 = (p->S2 * (1 - x->d * iP) + y->k * y->d * p->T1 * iP) / omg2;
    cld c = kk * p->T1 * iP / omg2;
    cld Q = p->Bv + c * p->A + noise * p->T1 * iP / omg2;
    T += kk * p->T1 * iN * Q / (omg2 * (1 - Ng1 * iN));
  }
  return T;
}

static void node_fill(node_t *nd, cld *U, const deq_spectrum *sp, cld k)
{
  cld d = 0;
  for (size_t i = 0; i < sp->n; i++) {
    U[i] = 1.0L / ((ld)sp->s[i] + k);
    d += (ld)sp->m[i] * (ld)sp->s[i] * U[i];
  }
  nd->k = k;
  nd->d = d;
}

/* ------------------------------------------------------------ static risk */

static deq_status static_risk(double *E, const deq_spectrum *sp, double N,
                              double P, double noise, double lambda)
{
  ld edge = kappa_edge(sp, N, P);
  ld k = lambda > 0 ? kappa_real(sp, N, P, lambda, edge) : edge;
  if (k == 0) {
    /* rank <= min(N, P): the features span the data space and the
       ridgeless flow is ordinary least squares on it; T -> sigma^2
       rank/(P - rank) as kappa -> 0 (the other terms vanish).  */
    double r = sp->rank;
    if (noise == 0 || isinf(P)) { *E = 0; return DEQ_OK; }
    if (!(r < P)) { *E = INFINITY; return DEQ_EDIVERGE; }
    *E = noise * r / (P - r);
    return DEQ_OK;
  }
  cld *U = malloc(sp->n * sizeof *U);
  if (!U) return DEQ_ENOMEM;
  node_t nd;
  node_fill(&nd, U, sp, k);
  pair_t p = pair_sums(sp, U, U);
  free(U);
  ld iN = inv(N), iP = inv(P);
  ld g2 = creall(p.S2) * iP;
  ld g1 = creall((p.S2 * (1 - nd.d * iP) + k * nd.d * p.T1 * iP) / (1 - g2))
          * iN;
  if (!(g2 < 1 - 64 * LDBL_EPSILON) || !(g1 < 1 - 64 * LDBL_EPSILON)) {
    *E = INFINITY;
    return DEQ_EDIVERGE;
  }
  *E = (double)creall(two_point(&nd, &nd, &p, iN, iP, noise));
  return isfinite(*E) ? DEQ_OK : DEQ_EDIVERGE;
}

deq_status deq_flow_static(double *E, const deq_spectrum *sp, double N,
                           double P, double noise, double lambda)
{
  if (!E) return DEQ_EINVAL;
  deq_status st = check_sizes(sp, N, P);
  if (st) return st;
  if (!(noise >= 0) || isinf(noise) || !(lambda >= 0) || isinf(lambda))
    return DEQ_EDOM;
  return static_risk(E, sp, N, P, noise, lambda);
}

/* --------------------------------------------------------------- contour */

typedef struct {
  int M;
  ld h, mu;
  cld *kap;      /* M + 1 upper-half kappas */
} contour_t;

static deq_status opts_get(const deq_flow_opts *opt, int Mdef, int *M, ld *f)
{
  *M = opt && opt->M ? opt->M : Mdef;
  *f = opt && opt->mu_scale ? (ld)opt->mu_scale : 1.0L;
  if (*M < 1 || *M > FLOW_M_MAX || !(*f > 0) || !isfinite((double)*f))
    return DEQ_EDOM;
  return DEQ_OK;
}

static ld node_u(const contour_t *c, int j) { return j * c->h; }

/* c_j = h s'(u_j)/(2 pi i) = h mu (1 + i u_j)/pi.  */
static cld node_w(const contour_t *c, int j)
{
  return c->h * c->mu * (1 + I * node_u(c, j)) / (ld)M_PI;
}

static deq_status loss_one(double *L, const deq_spectrum *sp, double N,
                           double P, double noise, double t, int M, ld f,
                           ld edge)
{
  int n = 2 * M + 1, J = M + 1;
  contour_t c = { M, 3.0L / n, f * (ld)M_PI * n / (12.0L * t), NULL };
  size_t K = sp->n;
  cld *kap = malloc(J * sizeof *kap);
  cld *U = malloc((size_t)n * K * sizeof *U);
  node_t *nd = malloc((size_t)n * sizeof *nd);
  deq_status st = DEQ_ENOMEM;
  if (!kap || !U || !nd) goto done;
  st = kappa_path(kap, sp, N, P, c.mu, c.h, M, edge);
  if (st) goto done;
  /* node index j = -M..M stored at j + M; lower half by conjugation */
  for (int j = -M; j <= M; j++) {
    cld k = j >= 0 ? kap[j] : conjl(kap[-j]);
    node_fill(&nd[j + M], U + (size_t)(j + M) * K, sp, k);
  }
  ld iN = inv(N), iP = inv(P);
  /* sum over all (j, l) of z_jl = c_j c_l e^((s_j+s_l)t) T/(s_j s_l);
     z_{-j,-l} = conj z_jl, so sum j >= 0 with weight 2 for j > 0.  */
  ld sum = 0;
  for (int j = 0; j <= M; j++) {
    cld sj = node_s(c.mu, node_u(&c, j));
    cld wj = node_w(&c, j) * cexpl(sj * t) / sj;
    cld row = 0;
    for (int l = -M; l <= M; l++) {
      ld ul = node_u(&c, l);
      cld sl = node_s(c.mu, ul);
      cld wl = c.h * c.mu * (1 + I * ul) / (ld)M_PI * cexpl(sl * t) / sl;
      pair_t p = pair_sums(sp, U + (size_t)(j + M) * K,
                           U + (size_t)(l + M) * K);
      row += wl * two_point(&nd[j + M], &nd[l + M], &p, iN, iP, noise);
    }
    sum += (j ? 2 : 1) * creall(wj * row);
  }
  *L = (double)sum;
  st = isfinite(*L) ? DEQ_OK : DEQ_ENOCONV;
done:
  free(kap);
  free(U);
  free(nd);
  return st;
}

static deq_status check_times(const double *t, size_t nt)
{
  if (!t || nt == 0) return DEQ_EINVAL;
  for (size_t i = 0; i < nt; i++)
    if (!(t[i] >= 0)) return DEQ_EDOM;
  return DEQ_OK;
}

deq_status deq_flow_loss(double *L, const deq_spectrum *sp, double N,
                         double P, double noise, const double *t, size_t nt,
                         const deq_flow_opts *opt)
{
  if (!L) return DEQ_EINVAL;
  deq_status st = check_sizes(sp, N, P);
  if (st) return st;
  if ((st = check_times(t, nt))) return st;
  if (!(noise >= 0) || isinf(noise)) return DEQ_EDOM;
  int M;
  ld f;
  if ((st = opts_get(opt, FLOW_M_DEFAULT, &M, &f))) return st;
  ld edge = kappa_edge(sp, N, P);
  deq_status worst = DEQ_OK;
  for (size_t i = 0; i < nt; i++) {
    if (t[i] == 0) {
      L[i] = sp->signal;
      continue;
    }
    st = isinf(t[i]) ? static_risk(&L[i], sp, N, P, noise, 0)
                     : loss_one(&L[i], sp, N, P, noise, t[i], M, f, edge);
    if (st == DEQ_EDIVERGE) { if (!worst) worst = st; }
    else if (st) return st;
  }
  return worst;
}

/* ---------------------------------------------------- single integral */

static deq_status single_one(double *L, const deq_spectrum *sp, double N,
                             double t, int M, ld f, ld edge)
{
  ld tau = 2.0L * t;
  int n = 2 * M + 1;
  contour_t c = { M, 3.0L / n, f * (ld)M_PI * n / (12.0L * tau), NULL };
  cld *kap = malloc((size_t)(M + 1) * sizeof *kap);
  if (!kap) return DEQ_ENOMEM;
  deq_status st = kappa_path(kap, sp, N, INFINITY, c.mu, c.h, M, edge);
  if (st) { free(kap); return st; }
  ld sum = 0;
  for (int j = 0; j <= M; j++) {
    cld s = node_s(c.mu, node_u(&c, j)), k = kap[j], tk = 0;
    for (size_t i = 0; i < sp->n; i++) tk += (ld)sp->v[i] / ((ld)sp->s[i] + k);
    sum += (j ? 2 : 1) * creall(node_w(&c, j) * cexpl(s * tau) * k * tk / s);
  }
  free(kap);
  *L = (double)sum;
  return isfinite(*L) ? DEQ_OK : DEQ_ENOCONV;
}

deq_status deq_flow_loss_single(double *L, const deq_spectrum *sp, double N,
                                const double *t, size_t nt,
                                const deq_flow_opts *opt)
{
  if (!L) return DEQ_EINVAL;
  deq_status st = check_sizes(sp, N, INFINITY);
  if (st) return st;
  if ((st = check_times(t, nt))) return st;
  int M;
  ld f;
  if ((st = opts_get(opt, FLOW_M_SINGLE_DEFAULT, &M, &f))) return st;
  ld edge = kappa_edge(sp, N, INFINITY);
  for (size_t i = 0; i < nt; i++) {
    if (t[i] == 0) { L[i] = sp->signal; continue; }
    if (isinf(t[i])) {
      /* residue at s = 0: kappa_0 sum v/(s_i + kappa_0) */
      ld tk = 0;
      for (size_t k = 0; k < sp->n; k++)
        tk += edge > 0 ? (ld)sp->v[k] / ((ld)sp->s[k] + edge) : 0;
      L[i] = (double)(edge * tk);
      continue;
    }
    if ((st = single_one(&L[i], sp, N, t[i], M, f, edge))) return st;
  }
  return DEQ_OK;
}
