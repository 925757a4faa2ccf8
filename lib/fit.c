/* fit.c -- power-law fits with standard errors, local exponents, and the
 * learning-curve exponents that source/capacity exponents predict for
 * ridge (scaling_dynamics.md sections 1.3 and 1.5).
 *
 * A decaying curve y ~ c x^-b has exponent b.  Fits work in u = log x,
 * centred (or referred to the middle of the window) so that the intercept
 * and the slope are nearly uncorrelated and the sums do not cancel.  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include "deq/fit.h"
#include "student_impl.h"
#include "deq/solve.h"

/* ------------------------------------------------------------ points */

/* The points a fit uses: u = log x, the response (log y or y) and the
   weight of each point.  */
typedef struct points {
  size_t n;
  double *u, *y, *w;
  double x_lo, x_hi;
} points;

static void points_free(points *p)
{
  free(p->u);
  free(p->y);
  free(p->w);
}

/* P(|T| < t) for Student's t with nu >= 1 integer degrees of freedom:
   the finite series in theta = atan(t/sqrt(nu)) (Abramowitz & Stegun
   26.7.3-4).  */
double deq_t_two_sided(double t, int nu)
{
  double th = atan(t / sqrt((double)nu)), c = cos(th), c2 = c * c;
  double term = 1, sum = 1;
  if (nu % 2 == 0) {
    for (int k = 2; k <= nu - 2; k += 2) {
      term *= c2 * (k - 1) / k;
      sum += term;
    }
    return sin(th) * sum;
  }
  if (nu == 1) return 2 / M_PI * th;
  for (int k = 3; k <= nu - 2; k += 2) {
    term *= c2 * (k - 1) / k;
    sum += term;
  }
  return 2 / M_PI * (th + sin(th) * c * sum);
}

/* The 97.5% quantile of Student's t with dof degrees of freedom (the
   factor of a two-sided 95% interval): bisection on the exact CDF, and
   the Cornish-Fisher expansion (error < 1e-12) beyond 1000 dof.  */
static double t_quantile_975(double dof)
{
  const double z = 1.959963984540054;
  if (!(dof >= 1)) return NAN;
  if (dof > 1000) {
    double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * dof) + (5 * z5 + 16 * z3 + 3 * z) / (96 * dof * dof)
           + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * dof * dof * dof);
  }
  int nu = (int)dof;
  double lo = z, hi = 13; /* t_{0.975} is 12.71 at 1 dof, > z always */
  for (int it = 0; it < 200 && hi - lo > 4 * DBL_EPSILON * hi; it++) {
    double mid = 0.5 * (lo + hi);
    if (deq_t_two_sided(mid, nu) < 0.95) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* Half-width of the 95% interval for b: the normal quantile when the
   given errors fix the scale, Student's t when it was estimated from the
   residuals (the standard error is then itself uncertain: with 8 points
   1.96 b_se covers only ~90%).  */
static double ci95(const deq_fit *f, int weighted)
{
  int estimated = !weighted || f->birge > 1;
  return (estimated ? t_quantile_975(f->dof) : 1.959963984540054) * f->b_se;
}

static void fit_reset(deq_fit *out)
{
  out->dof = 0;
  out->b_ci95 = NAN;
  out->b = out->b_se = NAN;
  out->c = out->c_se = NAN;
  out->floor = out->floor_se = 0.0;
  out->chi2_dof = NAN;
  out->birge = 1.0;
  out->x_lo = out->x_hi = NAN;
  out->n = 0;
  out->weighted = 0;
  out->iterations = 0;
  out->status = DEQ_OK;
}

static deq_status fit_done(deq_fit *out, deq_status st)
{
  out->status = st;
  return st;
}

static int window_ok(double xlo, double xhi)
{
  return !isnan(xlo) && !isnan(xhi) && xlo <= xhi;
}

/* Select the points inside [xlo, xhi] with x > 0 and finite x, y;
   log_y: the response is log y and y <= 0 is skipped.  Weights:
   log_y: (y/se)^2 (se of log y is se/y); else 1/se^2, or 1/y^2 without
   se (relative residuals; y == 0 is skipped).  A used point with se not
   finite and positive is a domain error.  */
static deq_status select_points(points *p, size_t n, const double *x,
                                const double *y, const double *se,
                                double xlo, double xhi, int log_y)
{
  p->n = 0;
  p->x_lo = INFINITY;
  p->x_hi = -INFINITY;
  p->u = malloc((n ? n : 1) * sizeof *p->u);
  p->y = malloc((n ? n : 1) * sizeof *p->y);
  p->w = malloc((n ? n : 1) * sizeof *p->w);
  if (!p->u || !p->y || !p->w) return DEQ_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    double xi = x[i], yi = y[i];
    if (!isfinite(xi) || !(xi > 0) || xi < xlo || xi > xhi || !isfinite(yi))
      continue;
    if (log_y ? !(yi > 0) : (!se && yi == 0)) continue;
    if (se && !(isfinite(se[i]) && se[i] > 0)) return DEQ_EDOM;
    double w = se ? (log_y ? (yi / se[i]) * (yi / se[i]) : 1 / (se[i] * se[i]))
                  : (log_y ? 1.0 : 1 / (yi * yi));
    p->u[p->n] = log(xi);
    p->y[p->n] = log_y ? log(yi) : yi;
    p->w[p->n] = w;
    p->n++;
    p->x_lo = fmin(p->x_lo, xi);
    p->x_hi = fmax(p->x_hi, xi);
  }
  return DEQ_OK;
}

/* ------------------------------------------------------------ log-log line */

/* Weighted line v = vbar + slope (u - ubar) from centred sums.  */
typedef struct line_fit {
  double W, ubar, vbar, Suu, slope, chi2;
} line_fit;

static void fit_line(line_fit *L, const points *p)
{
  double W = 0, su = 0, sv = 0;
  for (size_t i = 0; i < p->n; i++) {
    W += p->w[i];
    su += p->w[i] * p->u[i];
    sv += p->w[i] * p->y[i];
  }
  L->W = W;
  L->ubar = su / W;
  L->vbar = sv / W;
  double Suu = 0, Suv = 0;
  for (size_t i = 0; i < p->n; i++) {
    double du = p->u[i] - L->ubar;
    Suu += p->w[i] * du * du;
    Suv += p->w[i] * du * (p->y[i] - L->vbar);
  }
  L->Suu = Suu;
  L->slope = Suv / Suu;
  double chi2 = 0;
  for (size_t i = 0; i < p->n; i++) {
    double r = p->y[i] - L->vbar - L->slope * (p->u[i] - L->ubar);
    chi2 += p->w[i] * r * r;
  }
  L->chi2 = chi2;
}

deq_status deq_fit_powerlaw(deq_fit *out, size_t n, const double *x,
                            const double *y, const double *se,
                            double xlo, double xhi)
{
  if (!out) return DEQ_EINVAL;
  fit_reset(out);
  if ((n && (!x || !y)) || !window_ok(xlo, xhi))
    return fit_done(out, DEQ_EINVAL);
  points p;
  deq_status st = select_points(&p, n, x, y, se, xlo, xhi, 1);
  if (st == DEQ_OK && p.n < 2) st = DEQ_EINVAL;
  if (st) {
    points_free(&p);
    return fit_done(out, st);
  }
  out->n = p.n;
  out->weighted = se != NULL;
  out->x_lo = p.x_lo;
  out->x_hi = p.x_hi;
  line_fit L;
  fit_line(&L, &p);
  points_free(&p);
  if (!(L.Suu > 0)) return fit_done(out, DEQ_EDOM);  /* one distinct x */

  /* log c is the intercept at u = 0: vbar - slope ubar.  */
  double logc = L.vbar - L.slope * L.ubar;
  out->b = -L.slope;
  out->c = exp(logc);
  if (out->n == 2) return fit_done(out, DEQ_OK);  /* exact line, no errors */

  double dof = (double)out->n - 2;
  out->dof = dof;
  out->chi2_dof = L.chi2 / dof;
  /* Weighted: errors from the weights, inflated by the Birge ratio when
     the scatter exceeds them.  Unweighted: from the residual variance.  */
  double scale;
  if (se) {
    out->birge = fmax(1.0, sqrt(out->chi2_dof));
    scale = out->birge * out->birge;
  } else {
    scale = out->chi2_dof;
  }
  /* Centring makes vbar and the slope uncorrelated, so
     var(log c) = var(vbar) + ubar^2 var(slope), var(vbar) = 1/W.  */
  double var_slope = scale / L.Suu;
  double var_logc = scale / L.W + L.ubar * L.ubar * var_slope;
  out->b_se = sqrt(var_slope);
  out->c_se = out->c * sqrt(var_logc);  /* delta method: dc = c dlog c */
  out->b_ci95 = ci95(out, se != NULL);
  return fit_done(out, DEQ_OK);
}

/* ------------------------------------------------------------ floor fit */

/* Exponent search range and resolution of the starting grid.  */
#define FLOOR_B_LO 1e-3
#define FLOOR_B_HI 20.0
#define FLOOR_GRID 241
#define FLOOR_RTOL 1e-10
#define FLOOR_ATOL 1e-13
#define FLOOR_MAXIT 200

/* For a fixed b the model y = floor + c1 t, t = exp(-b (u - u0)), is
   linear in (floor, c1): solve that weighted LS and return its SSE.  */
typedef struct varpro {
  const points *p;
  double u0;
  double *t;       /* workspace, p->n */
  double floor, c1;
} varpro;

static double varpro_sse(double b, varpro *vp)
{
  const points *p = vp->p;
  double W = 0, st = 0, sy = 0;
  for (size_t i = 0; i < p->n; i++) {
    vp->t[i] = exp(-b * (p->u[i] - vp->u0));
    W += p->w[i];
    st += p->w[i] * vp->t[i];
    sy += p->w[i] * p->y[i];
  }
  double tbar = st / W, ybar = sy / W, Stt = 0, Sty = 0;
  for (size_t i = 0; i < p->n; i++) {
    double dt = vp->t[i] - tbar;
    Stt += p->w[i] * dt * dt;
    Sty += p->w[i] * dt * (p->y[i] - ybar);
  }
  vp->c1 = Sty / Stt;
  vp->floor = ybar - vp->c1 * tbar;
  double sse = 0;
  for (size_t i = 0; i < p->n; i++) {
    double r = p->y[i] - vp->floor - vp->c1 * vp->t[i];
    sse += p->w[i] * r * r;
  }
  /* Overflowing t or a degenerate design: worse than any real fit.  */
  return isfinite(sse) ? sse : DBL_MAX;
}

static double varpro_fn(double b, void *vp)
{
  return varpro_sse(b, vp);
}

/* Scan a log grid of b for the best starting bracket, then refine;
   *iterations counts the Brent steps after the scan.  */
static double minimise_over_b(varpro *vp, double *sse, int *iterations,
                              int *at_edge)
{
  double best = DBL_MAX;
  int k = 0;
  double step = log(FLOOR_B_HI / FLOOR_B_LO) / (FLOOR_GRID - 1);
  for (int i = 0; i < FLOOR_GRID; i++) {
    double f = varpro_sse(FLOOR_B_LO * exp(i * step), vp);
    if (f < best) {
      best = f;
      k = i;
    }
  }
  double a = FLOOR_B_LO * exp((k > 0 ? k - 1 : 0) * step);
  double c = FLOOR_B_LO * exp((k < FLOOR_GRID - 1 ? k + 1 : k) * step);
  if (k == FLOOR_GRID - 1) c = FLOOR_B_HI;
  double x0 = (k > 0 && k < FLOOR_GRID - 1) ? FLOOR_B_LO * exp(k * step)
                                            : a + 0.38196601125010515 * (c - a);
  deq_root r;
  deq_solve_brent_min(&r, varpro_fn, vp, a, c, x0, FLOOR_RTOL, FLOOR_ATOL,
                      FLOOR_MAXIT);
  double b = r.x;
  *sse = r.f;
  *iterations = r.iterations;
  *at_edge = b <= FLOOR_B_LO * (1 + 1e-6) || b >= FLOOR_B_HI * (1 - 1e-6);
  return b;
}

/* Inverse of a symmetric positive definite 3x3 matrix, by cofactors of
   its unit-diagonal rescaling (which removes the scale differences of
   the parameters).  0 if it is singular.  */
static int inverse_spd3(double inv[3][3], const double A[3][3])
{
  double d[3], B[3][3], C[3][3];
  for (int i = 0; i < 3; i++) {
    if (!(A[i][i] > 0) || !isfinite(A[i][i])) return 0;
    d[i] = 1 / sqrt(A[i][i]);
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) B[i][j] = d[i] * A[i][j] * d[j];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      int i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3;
      C[i][j] = B[i1][j1] * B[i2][j2] - B[i1][j2] * B[i2][j1];
    }
  double det = B[0][0] * C[0][0] + B[0][1] * C[0][1] + B[0][2] * C[0][2];
  if (!(det > 0) || !isfinite(det)) return 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) inv[i][j] = d[i] * C[j][i] / det * d[j];
  return 1;
}

/* Gauss-Newton covariance (J'WJ)^-1 of (floor, c1, b) at the optimum.  */
static int floor_covariance(double cov[3][3], const varpro *vp, double b)
{
  const points *p = vp->p;
  double A[3][3] = {{0}};
  for (size_t i = 0; i < p->n; i++) {
    double du = p->u[i] - vp->u0, t = exp(-b * du);
    double J[3] = {1.0, t, -vp->c1 * t * du};
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 3; k++) A[j][k] += p->w[i] * J[j] * J[k];
  }
  return inverse_spd3(cov, A);
}

deq_status deq_fit_powerlaw_floor(deq_fit *out, size_t n, const double *x,
                                  const double *y, const double *se,
                                  double xlo, double xhi)
{
  if (!out) return DEQ_EINVAL;
  fit_reset(out);
  if ((n && (!x || !y)) || !window_ok(xlo, xhi))
    return fit_done(out, DEQ_EINVAL);
  points p;
  deq_status st = select_points(&p, n, x, y, se, xlo, xhi, 0);
  if (st == DEQ_OK && p.n < 4) st = DEQ_EINVAL;
  varpro vp = {&p, 0.0, NULL, 0.0, 0.0};
  if (st == DEQ_OK && !(vp.t = malloc(p.n * sizeof *vp.t))) st = DEQ_ENOMEM;
  if (st) {
    points_free(&p);
    return fit_done(out, st);
  }
  out->n = p.n;
  out->weighted = se != NULL;
  out->x_lo = p.x_lo;
  out->x_hi = p.x_hi;
  if (!(p.x_hi > p.x_lo)) {  /* one distinct x: no exponent */
    free(vp.t);
    points_free(&p);
    return fit_done(out, DEQ_EDOM);
  }
  /* Refer t to the middle of the window so that t stays O(1) there.  */
  vp.u0 = 0.5 * (log(p.x_lo) + log(p.x_hi));

  double sse;
  int at_edge;
  double b = minimise_over_b(&vp, &sse, &out->iterations, &at_edge);
  varpro_sse(b, &vp);  /* floor and c1 at the optimum */
  out->b = b;
  out->floor = vp.floor;
  out->c = vp.c1 * exp(b * vp.u0);  /* c x^-b = c1 (x/x0)^-b */

  double dof = (double)p.n - 3;
  out->dof = dof;
  out->chi2_dof = sse / dof;
  double scale;
  if (se) {
    out->birge = fmax(1.0, sqrt(out->chi2_dof));
    scale = out->birge * out->birge;
  } else {
    scale = out->chi2_dof;  /* weights 1/y^2 only fix the relative scale */
  }
  double cov[3][3];
  if (floor_covariance(cov, &vp, b)) {
    /* c = c1 e^(b u0): dc = e^(b u0) dc1 + c u0 db.  */
    double e = exp(b * vp.u0), g = out->c * vp.u0;
    double var_c = e * e * cov[1][1] + 2 * e * g * cov[1][2] + g * g * cov[2][2];
    out->floor_se = sqrt(scale * cov[0][0]);
    out->c_se = sqrt(scale * fmax(var_c, 0.0));
    out->b_se = sqrt(scale * cov[2][2]);
    out->b_ci95 = ci95(out, se != NULL);
  } else {
    out->floor_se = out->c_se = out->b_se = NAN;
  }
  free(vp.t);
  points_free(&p);
  /* An optimum on the edge of the search range is not a real minimum.  */
  return fit_done(out, at_edge ? DEQ_ENOCONV : DEQ_OK);
}

/* ------------------------------------------------------------ local slopes */

static int strictly_monotone_positive(size_t n, const double *x)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]) || !(x[i] > 0)) return 0;
  int up = x[1] > x[0];
  for (size_t i = 1; i < n; i++)
    if (up ? !(x[i] > x[i - 1]) : !(x[i] < x[i - 1])) return 0;
  return 1;
}

static double log_slope(double x0, double y0, double x1, double y1)
{
  if (!(y0 > 0) || !(y1 > 0) || !isfinite(y0) || !isfinite(y1)) return NAN;
  return -(log(y1) - log(y0)) / (log(x1) - log(x0));
}

deq_status deq_fit_local_slopes(double *b, size_t n, const double *x,
                                const double *y)
{
  if (!b || !x || !y || n < 2) return DEQ_EINVAL;
  if (!strictly_monotone_positive(n, x)) return DEQ_EDOM;
  for (size_t i = 0; i < n; i++) {
    size_t lo = i > 0 ? i - 1 : 0, hi = i + 1 < n ? i + 1 : n - 1;
    int ok = y[i] > 0 && isfinite(y[i]);
    b[i] = ok ? log_slope(x[lo], y[lo], x[hi], y[hi]) : NAN;
  }
  return DEQ_OK;
}

/* ------------------------------------------------------------ predictions */

/* The exponent table of scaling_dynamics.md 1.3, with ap = 2 alpha r':
   the bias of a ridgeless fit decays as P^-ap, the variance of a fit with
   lambda = P^-ell as P^-(1 - ell/alpha), a fixed ridge approaches B(lambda)
   as 1/P.  */
deq_status deq_fit_predict_ridge(deq_exponent *out, double alpha, double r,
                                 deq_ridge_regime regime, double ell,
                                 int noisy)
{
  if (!out) return DEQ_EINVAL;
  out->b = NAN;
  out->floor = 0;
  out->lambda_b = NAN;
  if ((int)regime < (int)DEQ_REGIME_RIDGELESS ||
      (int)regime > (int)DEQ_REGIME_OPTIMAL)
    return DEQ_EINVAL;
  if (!isfinite(alpha) || !(alpha > 1) || !(r > 0)) return DEQ_EDOM;
  if (regime == DEQ_REGIME_SCALED && !(ell > 0 && isfinite(ell)))
    return DEQ_EDOM;
  double rp = fmin(r, 1.0), ap = 2 * alpha * rp;

  switch (regime) {
  case DEQ_REGIME_RIDGELESS:
    break;  /* shared with the noisy SCALED case below */
  case DEQ_REGIME_FIXED:
    /* E_g -> B(lambda) > 0; variance-limited 1/P approach.  */
    out->floor = 1;
    out->b = 1;
    return DEQ_OK;
  case DEQ_REGIME_SCALED:
    if (!noisy) {
      out->b = 2 * rp * fmin(ell, alpha);
      return DEQ_OK;
    }
    if (ell < alpha) {
      out->b = fmin(2 * rp * ell, 1 - ell / alpha);
      return DEQ_OK;
    }
    break;  /* ridge below kappa0: as ridgeless */
  case DEQ_REGIME_OPTIMAL:
    out->b = noisy ? ap / (ap + 1) : ap;
    if (noisy) out->lambda_b = alpha / (ap + 1);
    return DEQ_OK;
  }
  /* Ridgeless: noiseless E_g ~ P^-ap; noisy E_g -> sigma^2 (alpha - 1)
     with the bias (P^-ap) and O(1/P) corrections on top.  */
  if (noisy) {
    out->floor = 1;
    out->b = fmin(ap, 1.0);
  } else {
    out->b = ap;
  }
  return DEQ_OK;
}
