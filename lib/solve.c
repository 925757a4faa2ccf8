/* solve.c -- scalar root finding: safeguarded Newton and Brent.  */
#include "config.h"
#include <float.h>
#include <math.h>
#include "deq/solve.h"

static int valid_bracket(double lo, double hi)
{
  return isfinite(lo) && isfinite(hi) && lo <= hi;
}

/* Midpoint of a bracket: geometric when it spans more than a factor 4 of
   positive numbers, so a root near 1e-300 is reached in ~10 halvings of
   the exponent rather than ~1000 halvings of the value.  */
static double bisect(double lo, double hi)
{
  if (lo > 0 && hi > 4 * lo) return sqrt(lo) * sqrt(hi);
  if (hi < 0 && lo < 4 * hi) return -sqrt(-lo) * sqrt(-hi);
  return lo + 0.5 * (hi - lo);
}

static int converged(double step, double x, double xtol, double atol)
{
  return fabs(step) <= xtol * fabs(x) + atol;
}

/* The bracket has shrunk to adjacent doubles (or to atol around 0).  */
static int bracket_collapsed(double lo, double hi, double atol)
{
  return hi - lo <= 4 * DBL_EPSILON * fmax(fabs(lo), fabs(hi)) + atol;
}

deq_status deq_solve_newton_dir(deq_root *out, deq_fdf fdf, void *params,
                                double lo, double hi, double x0, int dir,
                                double xtol, double atol, int max_iter)
{
  if (!out || !fdf || (dir != 1 && dir != -1) || max_iter < 1 ||
      !(xtol >= 0) || !(atol >= 0))
    return DEQ_EINVAL;
  if (!valid_bracket(lo, hi) || isnan(x0)) return DEQ_EDOM;
  double x = fmin(fmax(x0, lo), hi), f = NAN, df;
  double fnewton = INFINITY; /* |f| before the last Newton step */
  int inf_lo = 0, inf_hi = 0; /* f was infinite at that end of the bracket */
  out->iterations = 0;
  out->status = DEQ_ENOCONV;
  for (int it = 1; it <= max_iter; it++) {
    deq_status st = fdf(x, params, &f, &df);
    out->iterations = it;
    if (st) {
      out->status = st;
      break;
    }
    if (isnan(f)) {
      out->status = DEQ_EDOM;
      break;
    }
    if (f == 0) {
      out->status = DEQ_OK;
      break;
    }
    if (dir * f < 0) {
      lo = x;
      inf_lo = isinf(f);
    } else {
      hi = x;
      inf_hi = isinf(f);
    }
    double xn = (df != 0 && isfinite(df)) ? x - f / df : NAN;
    /* A Newton step that no longer moves x: x is the root to rounding.  */
    if (xn == x) {
      out->status = DEQ_OK;
      break;
    }
    /* Newton must stay inside the bracket and, after a Newton step, at
       least halve |f|; otherwise bisect.  */
    int newton = xn >= lo && xn <= hi && fabs(f) <= 0.5 * fnewton;
    if (newton) {
      fnewton = fabs(f);
      if (converged(xn - x, xn, xtol, atol)) {
        x = xn;
        out->status = DEQ_OK;
        break;
      }
      x = xn;
    } else {
      fnewton = INFINITY;
      x = bisect(lo, hi);
      /* A collapsed bracket is a root only if f is finite at both ends;
         an infinite f there is a jump (e.g. an overflow), not a root.  */
      if (bracket_collapsed(lo, hi, atol)) {
        out->status = inf_lo || inf_hi ? DEQ_ENOCONV : DEQ_OK;
        break;
      }
    }
  }
  out->x = x;
  out->f = f;
  out->lo = lo;
  out->hi = hi;
  return out->status;
}

deq_status deq_solve_newton(deq_root *out, deq_fdf fdf, void *params,
                            double lo, double hi, double x0, double xtol,
                            double atol, int max_iter)
{
  if (!out || !fdf) return DEQ_EINVAL;
  if (!valid_bracket(lo, hi)) return DEQ_EDOM;
  double flo, fhi, d;
  deq_status st = fdf(lo, params, &flo, &d);
  if (!st) st = fdf(hi, params, &fhi, &d);
  if (st) return st;
  out->lo = lo;
  out->hi = hi;
  out->iterations = 2;
  if (flo == 0 || fhi == 0) {
    out->x = flo == 0 ? lo : hi;
    out->f = 0;
    out->status = DEQ_OK;
    return DEQ_OK;
  }
  if (!(flo * fhi < 0)) return DEQ_EDOM;
  st = deq_solve_newton_dir(out, fdf, params, lo, hi, x0, flo < 0 ? 1 : -1,
                            xtol, atol, max_iter);
  out->iterations += 2;
  return st;
}

/* Brent's method (after Brent 1973, "zero"): inverse quadratic
   interpolation or secant, falling back to bisection.  */
deq_status deq_solve_brent(deq_root *out, deq_func f, void *params,
                           double lo, double hi, double xtol, double atol,
                           int max_iter)
{
  if (!out || !f || max_iter < 1 || !(xtol >= 0) || !(atol >= 0))
    return DEQ_EINVAL;
  if (!valid_bracket(lo, hi)) return DEQ_EDOM;
  double a = lo, b = hi, fa = f(a, params), fb = f(b, params);
  out->iterations = 2;
  out->status = DEQ_ENOCONV;
  if (isnan(fa) || isnan(fb)) return out->status = DEQ_EDOM;
  if ((fa > 0 && fb > 0) || (fa < 0 && fb < 0)) return out->status = DEQ_EDOM;
  double c = a, fc = fa, d = b - a, e = d;
  for (int it = 0; it < max_iter; it++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a; fc = fa; d = e = b - a;
    }
    if (fabs(fc) < fabs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    double tol = 2 * 1.1102230246251565e-16 * fabs(b) + 0.5 * (xtol * fabs(b) + atol);
    double m = 0.5 * (c - b);
    if (fabs(m) <= tol || fb == 0) {
      out->status = DEQ_OK;
      break;
    }
    if (fabs(e) >= tol && fabs(fa) > fabs(fb)) {
      double s = fb / fa, p, q;
      if (a == c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        double qq = fa / fc, r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q; else p = -p;
      if (2 * p < fmin(3 * m * q - fabs(tol * q), fabs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += fabs(d) > tol ? d : (m > 0 ? tol : -tol);
    fb = f(b, params);
    out->iterations++;
    if (isnan(fb)) {
      out->status = DEQ_EDOM;
      break;
    }
  }
  out->x = b;
  out->f = fb;
  out->lo = fmin(b, c);
  out->hi = fmax(b, c);
  return out->status;
}

/* Brent's minimiser (golden section + parabolic interpolation, after
   Brent 1973, "localmin").  */
deq_status deq_solve_brent_min(deq_root *out, deq_func f, void *params,
                               double a, double b, double x, double xtol,
                               double atol, int max_iter)
{
  if (!out || !f || max_iter < 1 || !(xtol >= 0) || !(atol > 0))
    return DEQ_EINVAL;
  if (!valid_bracket(a, b) || !(x >= a && x <= b)) return DEQ_EDOM;
  const double cgold = 0.38196601125010515;
  double w = x, v = x, fx = f(x, params), fw = fx, fv = fx;
  double d = 0, e = 0;
  out->status = DEQ_ENOCONV;
  int it;
  for (it = 0; it < max_iter; it++) {
    double xm = 0.5 * (a + b);
    double tol1 = xtol * fabs(x) + atol, tol2 = 2 * tol1;
    if (fabs(x - xm) <= tol2 - 0.5 * (b - a)) {
      out->status = DEQ_OK;
      break;
    }
    int golden = 1;
    if (fabs(e) > tol1) {
      double r = (x - w) * (fx - fv), q = (x - v) * (fx - fw);
      double p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p; else q = -q;
      double etemp = e;
      /* Written so that a NaN falls back to golden section.  */
      if (fabs(p) < fabs(0.5 * q * etemp) && p > q * (a - x) && p < q * (b - x)) {
        e = d;
        d = p / q;
        double u = x + d;
        if (u - a < tol2 || b - u < tol2) d = copysign(tol1, xm - x);
        golden = 0;
      }
    }
    if (golden) {
      e = x >= xm ? a - x : b - x;
      d = cgold * e;
    }
    double u = fabs(d) >= tol1 ? x + d : x + copysign(tol1, d);
    double fu = f(u, params);
    if (fu <= fx) {
      if (u >= x) a = x; else b = x;
      v = w; fv = fw;
      w = x; fw = fx;
      x = u; fx = fu;
    } else {
      if (u < x) a = u; else b = u;
      if (fu <= fw || w == x) {
        v = w; fv = fw;
        w = u; fw = fu;
      } else if (fu <= fv || v == x || v == w) {
        v = u; fv = fu;
      }
    }
  }
  out->x = x;
  out->f = fx;
  out->lo = a;
  out->hi = b;
  out->iterations = it;
  return out->status;
}
