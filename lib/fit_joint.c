/* fit_joint.c -- the joint scaling law y = L_inf + a x^-p + b z^-q
 * (L(N, t), or the data-limited L(N, P)) by weighted nonlinear least
 * squares with standard errors (scaling_dynamics 1.5 item 5).
 *
 * Variable projection: for fixed (p, q) the law is linear in
 * (L_inf, a, b), so the sum of squares reduces to a function of (p, q)
 * alone; a log-grid scan finds its basin and Nelder-Mead refines it.
 * The powers are referred to the geometric middle of each resource
 * (x/x0)^-p so that the basis stays O(1) over the data and a, b are not
 * correlated with p, q through the units.  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "deq/fit.h"

#define EXP_LO 1e-3
#define EXP_HI 20.0
#define SCAN 49          /* grid points per exponent (log spaced) */
#define NM_MAXIT 4000
#define NM_TOL 1e-10   /* simplex size in log p, log q */

typedef struct jpoints {
  size_t n;
  double *u, *v;   /* log(x/x0), log(z/z0); INFINITY for x or z = inf */
  double *y, *w;
  double x0, z0;
  int nfloor;      /* 1: the floor is a parameter, 0: fixed to 0 */
  int evaluations;
  double lin[3];   /* (floor, a1, b1) of the last evaluation */
} jpoints;

static void jpoints_free(jpoints *p)
{
  free(p->u);
  free(p->v);
  free(p->y);
  free(p->w);
}

/* Inverse of an m x m (m <= 5) symmetric positive definite matrix by
   Gauss-Jordan elimination of its unit-diagonal rescaling (which removes
   the scale differences of the parameters).  0 if it is singular.  */
static int spd_inverse(double *inv, const double *A, int m)
{
  double d[5], B[5][10];
  for (int i = 0; i < m; i++) {
    if (!(A[i * m + i] > 0) || !isfinite(A[i * m + i])) return 0;
    d[i] = 1 / sqrt(A[i * m + i]);
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < 2 * m; j++)
      B[i][j] = j < m ? d[i] * A[i * m + j] * d[j] : (j - m == i);
  for (int c = 0; c < m; c++) {
    /* positive definite: the pivot stays on the diagonal */
    double piv = B[c][c];
    if (!(piv > 1e-14)) return 0;
    for (int j = 0; j < 2 * m; j++) B[c][j] /= piv;
    for (int i = 0; i < m; i++)
      if (i != c) {
        double f = B[i][c];
        for (int j = 0; j < 2 * m; j++) B[i][j] -= f * B[c][j];
      }
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < m; j++) inv[i * m + j] = d[i] * B[i][m + j] * d[j];
  return 1;
}

/* (x/x0)^-p with x = inf giving 0.  */
static double basis(double u, double p)
{
  return isinf(u) ? 0.0 : exp(-p * u);
}

/* Geometric middle of the finite positive values; counts distinct ones.  */
static double middle(const double *x, size_t n, size_t *distinct)
{
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i])) {
      lo = fmin(lo, log(x[i]));
      hi = fmax(hi, log(x[i]));
    }
  *distinct = isfinite(lo) ? (hi > lo ? 2 : 1) : 0;
  return isfinite(lo) ? exp(0.5 * (lo + hi)) : 1.0;
}

static deq_status select_joint(jpoints *p, size_t n, const double *x,
                               const double *z, const double *y,
                               const double *se, size_t need)
{
  memset(p, 0, sizeof *p);
  size_t cap = n ? n : 1;
  double *xs = calloc(cap, sizeof *xs), *zs = calloc(cap, sizeof *zs);
  p->u = malloc(cap * sizeof *p->u);
  p->v = malloc(cap * sizeof *p->v);
  p->y = malloc(cap * sizeof *p->y);
  p->w = malloc(cap * sizeof *p->w);
  deq_status st = DEQ_OK;
  if (!xs || !zs || !p->u || !p->v || !p->y || !p->w) st = DEQ_ENOMEM;
  for (size_t i = 0; st == DEQ_OK && i < n; i++) {
    if (!(x[i] > 0) || !(z[i] > 0) || !isfinite(y[i])) continue;
    if (!se && y[i] == 0) continue;
    if (se && !(isfinite(se[i]) && se[i] > 0)) st = DEQ_EDOM;
    else {
      xs[p->n] = x[i];
      zs[p->n] = z[i];
      p->y[p->n] = y[i];
      p->w[p->n] = se ? 1 / (se[i] * se[i]) : 1 / (y[i] * y[i]);
      p->n++;
    }
  }
  size_t dx = 0, dz = 0;
  if (st == DEQ_OK) {
    p->x0 = middle(xs, p->n, &dx);
    p->z0 = middle(zs, p->n, &dz);
    if (p->n < need || dx < 2 || dz < 2) st = DEQ_EINVAL;
  }
  for (size_t i = 0; st == DEQ_OK && i < p->n; i++) {
    p->u[i] = isinf(xs[i]) ? INFINITY : log(xs[i] / p->x0);
    p->v[i] = isinf(zs[i]) ? INFINITY : log(zs[i] / p->z0);
  }
  free(xs);
  free(zs);
  return st;
}

/* Weighted linear least squares of y on (1, g1, g2) (or (g1, g2)) for
   fixed exponents; returns chi^2 (DBL_MAX for a singular design).  */
static double reduced_sse(jpoints *p, double pe, double qe)
{
  p->evaluations++;
  int m = p->nfloor + 2;
  double A[3][3] = {{0}}, r[3] = {0}, c[3];
  for (size_t i = 0; i < p->n; i++) {
    double g[3] = {1.0, basis(p->u[i], pe), basis(p->v[i], qe)};
    const double *col = g + (1 - p->nfloor);
    for (int j = 0; j < m; j++) {
      r[j] += p->w[i] * col[j] * p->y[i];
      for (int k = 0; k < m; k++) A[j][k] += p->w[i] * col[j] * col[k];
    }
  }
  double Af[9] = {0}, inv[9];
  for (int j = 0; j < m; j++)
    for (int k = 0; k < m; k++) Af[j * m + k] = A[j][k];
  if (!spd_inverse(inv, Af, m)) return DBL_MAX;
  for (int j = 0; j < m; j++) {
    c[j] = 0;
    for (int k = 0; k < m; k++) c[j] += inv[j * m + k] * r[k];
  }
  p->lin[0] = p->nfloor ? c[0] : 0.0;
  p->lin[1] = c[p->nfloor];
  p->lin[2] = c[p->nfloor + 1];
  double sse = 0;
  for (size_t i = 0; i < p->n; i++) {
    double res = p->y[i] - p->lin[0] - p->lin[1] * basis(p->u[i], pe)
                 - p->lin[2] * basis(p->v[i], qe);
    sse += p->w[i] * res * res;
  }
  return isfinite(sse) ? sse : DBL_MAX;
}

/* The reduced objective in (log p, log q), +inf outside the range.  */
static double objective(jpoints *p, const double lq[2])
{
  double lo = log(EXP_LO), hi = log(EXP_HI);
  for (int k = 0; k < 2; k++)
    if (!(lq[k] >= lo && lq[k] <= hi)) return DBL_MAX;
  return reduced_sse(p, exp(lq[0]), exp(lq[1]));
}

/* Nelder-Mead (standard coefficients) from x with steps h.  */
static void nelder_mead(jpoints *p, double x[2], double h)
{
  double s[3][2] = {{x[0], x[1]}, {x[0] + h, x[1]}, {x[0], x[1] + h}};
  double f[3];
  for (int i = 0; i < 3; i++) f[i] = objective(p, s[i]);
  for (int it = 0; it < NM_MAXIT; it++) {
    /* order: s[0] best, s[2] worst */
    for (int i = 0; i < 3; i++)
      for (int j = i + 1; j < 3; j++)
        if (f[j] < f[i]) {
          double t = f[i]; f[i] = f[j]; f[j] = t;
          for (int k = 0; k < 2; k++) {
            t = s[i][k]; s[i][k] = s[j][k]; s[j][k] = t;
          }
        }
    double size = fmax(fabs(s[1][0] - s[0][0]) + fabs(s[1][1] - s[0][1]),
                       fabs(s[2][0] - s[0][0]) + fabs(s[2][1] - s[0][1]));
    if (size < NM_TOL) break;
    double c[2] = {0.5 * (s[0][0] + s[1][0]), 0.5 * (s[0][1] + s[1][1])};
    double xr[2] = {2 * c[0] - s[2][0], 2 * c[1] - s[2][1]};
    double fr = objective(p, xr);
    if (fr < f[0]) {
      double xe[2] = {3 * c[0] - 2 * s[2][0], 3 * c[1] - 2 * s[2][1]};
      double fe = objective(p, xe);
      int e = fe < fr;
      s[2][0] = e ? xe[0] : xr[0];
      s[2][1] = e ? xe[1] : xr[1];
      f[2] = e ? fe : fr;
    } else if (fr < f[1]) {
      s[2][0] = xr[0];
      s[2][1] = xr[1];
      f[2] = fr;
    } else {
      double xc[2] = {0.5 * (c[0] + s[2][0]), 0.5 * (c[1] + s[2][1])};
      double fc = objective(p, xc);
      if (fc < f[2]) {
        s[2][0] = xc[0];
        s[2][1] = xc[1];
        f[2] = fc;
      } else {  /* shrink towards the best */
        for (int i = 1; i < 3; i++) {
          for (int k = 0; k < 2; k++) s[i][k] = 0.5 * (s[i][k] + s[0][k]);
          f[i] = objective(p, s[i]);
        }
      }
    }
  }
  int best = 0;
  for (int i = 1; i < 3; i++)
    if (f[i] < f[best]) best = i;
  x[0] = s[best][0];
  x[1] = s[best][1];
}

/* Gauss-Newton covariance of (floor, a1, p, b1, q), unscaled.  */
static int covariance(double cov[DEQ_JOINT_NPAR][DEQ_JOINT_NPAR],
                      const jpoints *p, double pe, double qe)
{
  int off = 1 - p->nfloor, m = DEQ_JOINT_NPAR - off;
  double A[25] = {0}, inv[25];
  for (size_t i = 0; i < p->n; i++) {
    double g1 = basis(p->u[i], pe), g2 = basis(p->v[i], qe);
    double J[5] = {1.0, g1, g1 > 0 ? -p->lin[1] * g1 * p->u[i] : 0.0,
                   g2, g2 > 0 ? -p->lin[2] * g2 * p->v[i] : 0.0};
    for (int j = 0; j < m; j++)
      for (int k = 0; k < m; k++)
        A[j * m + k] += p->w[i] * J[j + off] * J[k + off];
  }
  memset(cov, 0, sizeof(double) * DEQ_JOINT_NPAR * DEQ_JOINT_NPAR);
  if (!spd_inverse(inv, A, m)) return 0;
  for (int j = 0; j < m; j++)
    for (int k = 0; k < m; k++) cov[j + off][k + off] = inv[j * m + k];
  return 1;
}

static void joint_reset(deq_fit_joint *out, int fix_floor)
{
  memset(out, 0, sizeof *out);
  out->floor = out->a = out->p = out->b = out->q = NAN;
  out->floor_se = out->a_se = out->p_se = out->b_se = out->q_se = NAN;
  out->chi2_dof = NAN;
  out->birge = 1;
  out->fixed_floor = fix_floor != 0;
  out->p_drift = out->q_drift = NAN;
  if (fix_floor) out->floor = out->floor_se = 0;
}

static deq_status joint_fit(deq_fit_joint *out, size_t n, const double *x,
                            const double *z, const double *y,
                            const double *se, int fix_floor)
{
  if (!out) return DEQ_EINVAL;
  joint_reset(out, fix_floor);
  if (n && (!x || !z || !y)) return out->status = DEQ_EINVAL;
  jpoints p;
  size_t npar = fix_floor ? 4 : 5;
  deq_status st = select_joint(&p, n, x, z, y, se, npar + 1);
  out->n = p.n;
  if (st) {
    jpoints_free(&p);
    return out->status = st;
  }
  p.nfloor = !fix_floor;
  out->n = p.n;
  out->weighted = se != NULL;

  /* Scan the grid of (log p, log q), then refine from its best point.  */
  double lo = log(EXP_LO), step = (log(EXP_HI) - lo) / (SCAN - 1);
  double best = DBL_MAX, lq[2] = {lo, lo};
  for (int i = 0; i < SCAN; i++)
    for (int j = 0; j < SCAN; j++) {
      double g[2] = {lo + i * step, lo + j * step};
      double f = objective(&p, g);
      if (f < best) {
        best = f;
        lq[0] = g[0];
        lq[1] = g[1];
      }
    }
  nelder_mead(&p, lq, 0.5 * step);
  nelder_mead(&p, lq, 0.05 * step);  /* restart: guards against collapse */
  double pe = exp(lq[0]), qe = exp(lq[1]);
  double sse = reduced_sse(&p, pe, qe);
  out->evaluations = p.evaluations;

  out->p = pe;
  out->q = qe;
  out->floor = p.lin[0];
  out->a = p.lin[1] * pow(p.x0, pe);   /* a1 (x/x0)^-p = a x^-p */
  out->b = p.lin[2] * pow(p.z0, qe);
  out->dof = (double)p.n - (double)npar;
  out->chi2_dof = sse / out->dof;
  double scale;
  if (se) {
    out->birge = fmax(1.0, sqrt(out->chi2_dof));
    scale = out->birge * out->birge;
  } else {
    scale = out->chi2_dof;
  }
  double c1[DEQ_JOINT_NPAR][DEQ_JOINT_NPAR];
  if (covariance(c1, &p, pe, qe)) {
    /* (floor, a1, p, b1, q) -> (floor, a, p, b, q): a = a1 x0^p.  */
    double T[DEQ_JOINT_NPAR][DEQ_JOINT_NPAR] = {{0}};
    for (int k = 0; k < DEQ_JOINT_NPAR; k++) T[k][k] = 1;
    T[DEQ_JOINT_A][DEQ_JOINT_A] = pow(p.x0, pe);
    T[DEQ_JOINT_A][DEQ_JOINT_P] = out->a * log(p.x0);
    T[DEQ_JOINT_B][DEQ_JOINT_B] = pow(p.z0, qe);
    T[DEQ_JOINT_B][DEQ_JOINT_Q] = out->b * log(p.z0);
    for (int i = 0; i < DEQ_JOINT_NPAR; i++)
      for (int j = 0; j < DEQ_JOINT_NPAR; j++) {
        double s = 0;
        for (int k = 0; k < DEQ_JOINT_NPAR; k++)
          for (int l = 0; l < DEQ_JOINT_NPAR; l++)
            s += T[i][k] * c1[k][l] * T[j][l];
        out->cov[i][j] = scale * s;
      }
    double *se_out[DEQ_JOINT_NPAR] = {&out->floor_se, &out->a_se, &out->p_se,
                                      &out->b_se, &out->q_se};
    for (int k = 0; k < DEQ_JOINT_NPAR; k++)
      *se_out[k] = sqrt(fmax(out->cov[k][k], 0.0));
  }
  jpoints_free(&p);
  /* An exponent on the edge of the search range is not a real optimum.  */
  double edge = 1e-6;
  int at_edge = fabs(lq[0] - lo) < edge || fabs(lq[1] - lo) < edge
                || fabs(lq[0] - log(EXP_HI)) < edge
                || fabs(lq[1] - log(EXP_HI)) < edge;
  return out->status = at_edge ? DEQ_ENOCONV : DEQ_OK;
}

/* The exponent of one resource fitted on the lower or the upper half
   (in log) of that resource's finite range, rows where it is inf kept.  */
static double half_exponent(size_t n, const double *x, const double *z,
                            const double *y, const double *se, int fix_floor,
                            int which_x, int upper, double mid, double *buf)
{
  const double *r = which_x ? x : z;
  double *bx = buf, *bz = buf + n, *by = buf + 2 * n, *bs = buf + 3 * n;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(isinf(r[i]) || (upper ? r[i] >= mid : r[i] <= mid))) continue;
    bx[m] = x[i];
    bz[m] = z[i];
    by[m] = y[i];
    bs[m] = se ? se[i] : 1;
    m++;
  }
  deq_fit_joint h;
  deq_status st = joint_fit(&h, m, bx, bz, by, se ? bs : NULL, fix_floor);
  return st == DEQ_OK ? (which_x ? h.p : h.q) : NAN;
}

static double geometric_middle(size_t n, const double *x)
{
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i]) && x[i] > 0) {
      lo = fmin(lo, log(x[i]));
      hi = fmax(hi, log(x[i]));
    }
  return exp(0.5 * (lo + hi));
}

deq_status deq_fit_joint_law(deq_fit_joint *out, size_t n, const double *x,
                             const double *z, const double *y,
                             const double *se, int fix_floor)
{
  deq_status st = joint_fit(out, n, x, z, y, se, fix_floor);
  if (st != DEQ_OK && st != DEQ_ENOCONV) return st;
  double *buf = malloc(4 * (n ? n : 1) * sizeof *buf);
  if (!buf) return st;
  double mx = geometric_middle(n, x), mz = geometric_middle(n, z);
  out->p_drift = fabs(half_exponent(n, x, z, y, se, fix_floor, 1, 0, mx, buf)
                      - half_exponent(n, x, z, y, se, fix_floor, 1, 1, mx, buf));
  out->q_drift = fabs(half_exponent(n, x, z, y, se, fix_floor, 0, 0, mz, buf)
                      - half_exponent(n, x, z, y, se, fix_floor, 0, 1, mz, buf));
  free(buf);
  return st;
}

/* ------------------------------------------------ closed-form frontier */

static int law_ok(const deq_fit_joint *f)
{
  return f->a > 0 && f->b > 0 && f->p > 0 && f->q > 0 && isfinite(f->a)
         && isfinite(f->b) && isfinite(f->p) && isfinite(f->q);
}

deq_status deq_frontier_law(deq_frontier_point *out, const deq_fit_joint *f,
                            double C, double k)
{
  if (!out || !f) return DEQ_EINVAL;
  out->C = C;
  out->N = out->t = out->E_g = NAN;
  out->evaluations = 0;
  if (!(C > 0) || !isfinite(C) || !(k > 0) || !isfinite(k) || !law_ok(f))
    return out->status = DEQ_EDOM;
  double pq = f->p + f->q, Ck = C / k;
  /* log x* = [log(p a/(q b)) + q log(C/k)]/(p + q), in logs for range */
  double lx = (log(f->p * f->a / (f->q * f->b)) + f->q * log(Ck)) / pq;
  out->N = exp(lx);
  out->t = exp(log(Ck) - lx);
  out->E_g = f->floor + f->a * exp(-f->p * lx)
             + f->b * exp(-f->q * (log(Ck) - lx));
  return out->status = DEQ_OK;
}

deq_status deq_frontier_law_exponents(deq_frontier_exponents *out,
                                      const deq_fit_joint *f)
{
  if (!out || !f) return DEQ_EINVAL;
  double p = f->p, q = f->q, s = p + q, s2 = s * s;
  out->N = q / s;
  out->t = p / s;
  out->L = p * q / s;
  double vpp = f->cov[DEQ_JOINT_P][DEQ_JOINT_P];
  double vqq = f->cov[DEQ_JOINT_Q][DEQ_JOINT_Q];
  double vpq = f->cov[DEQ_JOINT_P][DEQ_JOINT_Q];
  /* gradients: N: (-q, p)/s^2, t: (q, -p)/s^2, L: (q^2, p^2)/s^2 */
  double vN = (q * q * vpp - 2 * p * q * vpq + p * p * vqq) / (s2 * s2);
  double vL = (q * q * q * q * vpp + 2 * p * p * q * q * vpq
               + p * p * p * p * vqq) / (s2 * s2);
  out->N_se = out->t_se = sqrt(fmax(vN, 0.0));
  out->L_se = sqrt(fmax(vL, 0.0));
  if (!(p > 0) || !(q > 0)) return DEQ_EDOM;
  return DEQ_OK;
}

/* ------------------------------------------------ predictions (2.4) */

deq_status deq_fit_predict_flow(deq_flow_exponents *out, double alpha,
                                double r)
{
  if (!out) return DEQ_EINVAL;
  out->time = out->model = out->data = NAN;
  out->L = out->N = out->t = out->L_paper = NAN;
  out->regime = 0;
  if (!(alpha > 1) || !isfinite(alpha) || !(r > 0) || !isfinite(r))
    return DEQ_EDOM;
  double ar2 = 2 * alpha * r;
  out->time = 2 * r;
  out->model = fmin(ar2, alpha);
  out->data = fmin(ar2, 2 * alpha);
  out->regime = r < 0.5 ? -1 : (r > 0.5 ? 1 : 0);
  if (r <= 0.5) {
    /* a N^-2 alpha r + b t^-2r balanced: the closed form with p = 2 alpha r,
       q = 2 r (at r = 1/2 both rows agree, up to logarithms) */
    out->L = ar2 / (1 + alpha);
    out->N = 1 / (1 + alpha);
    out->t = alpha / (1 + alpha);
  } else {
    /* t^-2r against the cross term t^-(1 - 1/alpha)/N */
    out->L = ar2 / (ar2 + 1);
    out->N = (ar2 - alpha + 1) / (ar2 + 1);
    out->t = alpha / (ar2 + 1);
  }
  double a1 = ar2, b = alpha, m = fmin(a1, 2 * b);
  out->L_paper = a1 * m / (a1 + b * m);
  return DEQ_OK;
}
