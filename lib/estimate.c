/* estimate.c -- training error, df, GCV, exact leave-one-out and CorrGCV
 * of ridge on a data set, from one thin SVD (see deq/estimate.h).
 *
 * Notation: t = P lambda, R = r + intercept is the rank of the fit's hat
 * matrix at t = 0.  Two regimes:
 *   R < P  ("deficient"): 1 - df/P = [(P - R) + sum t/(d^2+t)]/P stays
 *          >= 1/P, so the plain formulas are stable at t = 0;
 *   R = P  ("full"): every quantity carries factors of t that vanish at
 *          t = 0 (residual, 1 - df/P, 1 - H_ii, kappa_K); they are
 *          cancelled analytically, as in mc_ridge.c's GCV.  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "deq/corr.h"
#include "deq/estimate.h"
#include "corr_impl.h"
#include "grid_impl.h"

struct deq_estimate_plan {
  size_t P, N, r;
  int intercept;
  int full;          /* R == P */
  double *mean;      /* N column means (0 without intercept) */
  double *scale;     /* N column scales (1 without standardize) */
  double ybar;       /* mean of y (0 without intercept) */
  /* The SVD and every sum run on X/xs and y/ys (largest entries of size
     1), so that data near the ends of the double range neither overflow
     nor underflow; ridge t = P lambda becomes t/xs^2, risks scale by
     ys^2.  */
  double xs, ys;
  double *yc;        /* P centred labels, over ys */
  double *d;         /* r singular values */
  double *U;         /* P x r, column-major */
  double *U2;        /* U .* U */
  double *VT;        /* r x N, column-major (leading dimension r) */
  double *c;         /* r: U' yc */
  double *lev0;      /* P: 1 - H_ii at t = 0 (deficient case) */
};

static deq_status bad_input(deq_error *err, long line, long column,
                            const char *msg)
{
  if (err) {
    err->line = line;
    err->column = column;
    snprintf(err->message, sizeof err->message, "%s", msg);
  }
  return DEQ_EDOM;
}

void deq_estimate_plan_free(deq_estimate_plan *p)
{
  if (!p) return;
  free(p->mean); free(p->scale); free(p->yc); free(p->d); free(p->U);
  free(p->U2); free(p->VT); free(p->c); free(p->lev0);
  free(p);
}

/* The power of two at or above |x|max (1 for 0): dividing by it is exact,
   so scaled sums round as the unscaled ones would.  */
static double pow2_above(double amax)
{
  int e;
  if (!(amax > 0)) return 1.0;
  frexp(amax, &e);
  return ldexp(1.0, e);
}

/* Column means and scales; the centred/scaled copy of X (column-major
   P x N, like A) goes to A.  */
static deq_status prepare_columns(deq_estimate_plan *p, double *A,
                                  const double *X, int standardize,
                                  deq_error *err)
{
  size_t P = p->P, N = p->N;
  memcpy(A, X, P * N * sizeof *A);
  for (size_t j = 0; j < N; j++) {
    double *a = A + j * P, amax = 0.0;
    for (size_t i = 0; i < P; i++) {
      if (!isfinite(a[i])) {
        char msg[96];
        snprintf(msg, sizeof msg, "row %zu, feature %zu: value is not finite",
                 i + 1, j + 1);
        return bad_input(err, (long)i + 1, (long)j + 1, msg);
      }
      amax = fmax(amax, fabs(a[i]));
    }
    /* Sums over a/2^k (2^k >= amax): no overflow near DBL_MAX, and the
       same rounding as unscaled sums.  */
    double s2 = pow2_above(amax), mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < P; i++) mean += a[i] / s2;
    mean /= (double)P;
    for (size_t i = 0; i < P; i++) {
      double u = a[i] / s2 - mean;
      ss += u * u;
    }
    mean *= s2;
    double sd = s2 * sqrt(ss / (double)P), scale = 1.0;
    if (standardize) {
      /* Identical values can leave a rounding-level spread.  */
      if (!(sd > 1e-12 * amax)) {
        char msg[96];
        snprintf(msg, sizeof msg,
                 "feature %zu is constant: it cannot be standardised", j + 1);
        return bad_input(err, 0, (long)j + 1, msg);
      }
      scale = sd;
    }
    p->mean[j] = p->intercept ? mean : 0.0;
    p->scale[j] = scale;
    for (size_t i = 0; i < P; i++) a[i] = (a[i] - p->mean[j]) / scale;
  }
  /* One scale for the whole design (a common factor keeps the ridge
     problem equivalent: lambda becomes lambda/xs^2).  */
  double xs = 0.0;
  for (size_t i = 0; i < P * N; i++) xs = fmax(xs, fabs(A[i]));
  p->xs = pow2_above(xs);
  for (size_t i = 0; i < P * N; i++) A[i] /= p->xs;
  return DEQ_OK;
}

/* The unnormalised ridge P lambda in the scaled units of the SVD.  */
static double scaled_t(const deq_estimate_plan *p, double lambda)
{
  return (double)p->P * lambda / p->xs / p->xs;
}

/* A squared-label quantity back in the data's units (v ys^2, which may
   overflow to +Inf only if the true value is beyond the double range).  */
static double unscale2(const deq_estimate_plan *p, double v)
{
  return v * p->ys * p->ys;
}

deq_status deq_estimate_plan_alloc(deq_estimate_plan **out, size_t P,
                                   size_t N, const double *X, const double *y,
                                   const deq_estimate_opts *opts,
                                   deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  deq_error_clear(err);
  if (!X || !y) return DEQ_EINVAL;
  if (N < 1) return bad_input(err, 0, 0, "no feature columns");
  if (P < 3) return bad_input(err, 0, 0, "fewer than 3 rows (samples)");
  if (P > (size_t)INT32_MAX || N > (size_t)INT32_MAX || P > SIZE_MAX / N / 8)
    return bad_input(err, 0, 0, "design matrix too large");
  for (size_t i = 0; i < P; i++)
    if (!isfinite(y[i])) {
      char msg[96];
      snprintf(msg, sizeof msg, "row %zu: label is not finite", i + 1);
      return bad_input(err, (long)i + 1, 0, msg);
    }

  deq_estimate_plan *p = calloc(1, sizeof *p);
  if (!p) return DEQ_ENOMEM;
  p->P = P;
  p->N = N;
  p->intercept = opts && opts->intercept;
  size_t k = P < N ? P : N;
  double *A = malloc(P * N * sizeof *A);
  double *Uk = malloc(P * k * sizeof *Uk);
  double *VTk = malloc(k * N * sizeof *VTk);
  p->mean = malloc(N * sizeof *p->mean);
  p->scale = malloc(N * sizeof *p->scale);
  p->yc = malloc(P * sizeof *p->yc);
  p->d = malloc(k * sizeof *p->d);
  p->lev0 = malloc(P * sizeof *p->lev0);
  deq_status st = DEQ_OK;
  if (!A || !Uk || !VTk || !p->mean || !p->scale || !p->yc || !p->d ||
      !p->lev0) {
    st = DEQ_ENOMEM;
    goto done;
  }
  st = prepare_columns(p, A, X, opts && opts->standardize, err);
  if (st) goto done;
  double ymax = 0.0, ysum = 0.0;
  for (size_t i = 0; i < P; i++) ymax = fmax(ymax, fabs(y[i]));
  double y2 = pow2_above(ymax);
  for (size_t i = 0; i < P; i++) ysum += y[i] / y2;
  p->ybar = p->intercept ? ysum / (double)P * y2 : 0.0;
  for (size_t i = 0; i < P; i++) p->yc[i] = y[i] - p->ybar;
  double ys = 0.0;
  for (size_t i = 0; i < P; i++) ys = fmax(ys, fabs(p->yc[i]));
  p->ys = pow2_above(ys);
  for (size_t i = 0; i < P; i++) p->yc[i] /= p->ys;

  lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)P,
                                   (lapack_int)N, A, (lapack_int)P, p->d, Uk,
                                   (lapack_int)P, VTk, (lapack_int)k);
  if (info != 0) {
    st = info < 0 ? DEQ_EINVAL : DEQ_ELAPACK;
    goto done;
  }
  /* Numerical rank, as in mc_ridge.c.  */
  double thr = p->d[0] * (double)(P > N ? P : N) * DBL_EPSILON;
  size_t r = 0;
  while (r < k && p->d[r] > thr) r++;
  p->r = r;
  p->full = r + (size_t)p->intercept == P;
  size_t rr = r ? r : 1;
  p->U = Uk;   /* keep dgesdd's U: its first r columns */
  Uk = NULL;
  p->U2 = malloc(P * rr * sizeof *p->U2);
  p->VT = malloc(rr * N * sizeof *p->VT);
  p->c = malloc(rr * sizeof *p->c);
  if (!p->U || !p->U2 || !p->VT || !p->c) {
    st = DEQ_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < P * r; i++) p->U2[i] = p->U[i] * p->U[i];
  for (size_t j = 0; j < N; j++)
    for (size_t a = 0; a < r; a++) p->VT[j * r + a] = VTk[j * k + a];
  for (size_t a = 0; a < r; a++)
    p->c[a] = cblas_ddot((int)P, p->U + a * P, 1, p->yc, 1);
  /* 1 - H_ii at t = 0: the leverage left to the complement of span U.  */
  double h1 = p->intercept ? 1.0 / (double)P : 0.0;
  for (size_t i = 0; i < P; i++) p->lev0[i] = 1.0 - h1;
  for (size_t a = 0; a < r; a++)
    for (size_t i = 0; i < P; i++) p->lev0[i] -= p->U2[a * P + i];
  for (size_t i = 0; i < P; i++) p->lev0[i] = fmax(0.0, p->lev0[i]);
done:
  free(A);
  free(Uk);
  free(VTk);
  if (st) {
    deq_estimate_plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

size_t deq_estimate_rank(const deq_estimate_plan *plan)
{
  return plan ? plan->r : 0;
}

/* ------------------------------------------------------------ residuals */

/* e = y - yhat at t into e (length P); uses the first r of tmp.  In the
   full case e = U (t/(d^2+t) c), which has no cancellation.  */
static void residual(double *e, const deq_estimate_plan *p, double t,
                     double *tmp)
{
  size_t P = p->P, r = p->r;
  if (p->full) {
    for (size_t a = 0; a < r; a++) {
      double d2 = p->d[a] * p->d[a];
      tmp[a] = t / (d2 + t) * p->c[a];
    }
    if (r) cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)r, 1.0, p->U,
                       (int)P, tmp, 1, 0.0, e, 1);
    else memset(e, 0, P * sizeof *e);
    return;
  }
  memcpy(e, p->yc, P * sizeof *e);
  for (size_t a = 0; a < r; a++) {
    double d2 = p->d[a] * p->d[a];
    tmp[a] = d2 / (d2 + t) * p->c[a];
  }
  if (r) cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)r, -1.0, p->U,
                     (int)P, tmp, 1, 1.0, e, 1);
}

deq_status deq_estimate_residuals(double *e, const deq_estimate_plan *p,
                                  double lambda)
{
  if (!e || !p) return DEQ_EINVAL;
  if (!(lambda >= 0.0) || !isfinite(lambda)) return DEQ_EDOM;
  double *tmp = malloc((p->r ? p->r : 1) * sizeof *tmp);
  if (!tmp) return DEQ_ENOMEM;
  residual(e, p, scaled_t(p, lambda), tmp);
  for (size_t i = 0; i < p->P; i++) e[i] *= p->ys;
  free(tmp);
  return DEQ_OK;
}

deq_status deq_estimate_predict(double *yhat, const deq_estimate_plan *p,
                                double lambda, size_t M, const double *Xnew)
{
  if (!yhat || !p || (M && !Xnew)) return DEQ_EINVAL;
  if (!(lambda >= 0.0) || !isfinite(lambda)) return DEQ_EDOM;
  size_t N = p->N, r = p->r;
  double t = scaled_t(p, lambda);
  double *w = calloc(N + r + 1, sizeof *w), *g = w + N;
  if (!w) return DEQ_ENOMEM;
  /* w = V diag(d/(d^2+t)) c in standardised units, then raw units.  */
  for (size_t a = 0; a < r; a++)
    g[a] = p->d[a] / (p->d[a] * p->d[a] + t) * p->c[a];
  if (r) cblas_dgemv(CblasColMajor, CblasTrans, (int)r, (int)N, 1.0, p->VT,
                     (int)r, g, 1, 0.0, w, 1);
  double b = p->ybar;
  for (size_t j = 0; j < N; j++) {
    w[j] = w[j] / p->xs * p->ys / p->scale[j];
    b -= p->mean[j] * w[j];
  }
  for (size_t i = 0; i < M; i++) {
    double s = b;
    for (size_t j = 0; j < N; j++) s += Xnew[i + j * M] * w[j];
    yhat[i] = s;
  }
  free(w);
  return DEQ_OK;
}

deq_status deq_estimate_ar1_rho(double *rho, const deq_estimate_plan *p,
                                double lambda)
{
  if (!rho || !p) return DEQ_EINVAL;
  *rho = NAN;
  double *e = malloc(p->P * sizeof *e);
  if (!e) return DEQ_ENOMEM;
  double *tmp = malloc((p->r ? p->r : 1) * sizeof *tmp);
  deq_status st = !tmp ? DEQ_ENOMEM
                  : !(lambda >= 0.0) || !isfinite(lambda) ? DEQ_EDOM : DEQ_OK;
  if (st == DEQ_OK) residual(e, p, scaled_t(p, lambda), tmp);   /* over ys */
  free(tmp);
  if (st == DEQ_OK) {
    double num = 0.0, den = e[0] * e[0];
    for (size_t i = 1; i < p->P; i++) {
      num += e[i - 1] * e[i];
      den += e[i] * e[i];
    }
    if (!(den > 0.0))
      st = DEQ_EDOM;   /* an exact fit leaves nothing to correlate */
    else
      *rho = fmin(0.99, fmax(-0.99, num / den));
  }
  free(e);
  return st;
}

/* ------------------------------------------------------------ CorrGCV */

/* K rescaled to tr K = P.  */
typedef struct kspec {
  const deq_spectrum *sp;
  deq_spectrum *scaled;
} kspec;

/* corrgcv and kappa_K for one point, by corr.c's inversion of df1^K
   (deq_corr_kappa_K: one implementation); corrgcv = train P/(kappa_K b),
   b = df1^K - df2^K.  s = P - df without cancellation.  Full rank: gden =
   sum 1/(d^2+t), gnum = sum c^2/(d^2+t)^2, so that P - df = t gden and
   train P = t^2 gnum; with kappa_K = t u the factors of t cancel:
   corrgcv = gnum/(u b/t).  At t = 0 (or t gden below the normal range),
   u is its limit gden/tr K^-1 and b/t = u tr K^-1.  */
static deq_status corrgcv_point(deq_estimate_point *pt,
                                const deq_estimate_plan *p, const kspec *K,
                                double t, double s, double gden, double gnum)
{
  double P = (double)p->P;
  if (pt->df <= 0.0) {   /* no fitted direction at all */
    pt->kappa_K = INFINITY;
    pt->corrgcv = pt->train;
    return DEQ_OK;
  }
  double kK, b;
  if (!p->full) {
    deq_status st = deq_corr_kappa_K(&kK, &b, K->scaled, pt->df, s);
    if (st) return st;
    pt->kappa_K = kK;
    pt->corrgcv = pt->train * (P / (kK * b));
    return DEQ_OK;
  }
  double u, b_over_t, cdf = t * gden;
  if (cdf >= DBL_MIN) {
    deq_status st = deq_corr_kappa_K(&kK, &b, K->scaled, pt->df, cdf);
    if (st) return st;
    u = kK / t;
    b_over_t = b / t;
  } else {
    long double inv = 0;
    for (size_t i = 0; i < K->scaled->n; i++)
      inv += (long double)K->scaled->m[i] / K->scaled->s[i];
    u = (double)(gden / inv);
    b_over_t = (double)(gden);   /* u tr K^-1 */
  }
  pt->kappa_K = t * u;
  pt->corrgcv = gnum / (u * b_over_t);
  return DEQ_OK;
}

static deq_status kspec_init(kspec *K, const deq_spectrum *sp, size_t P)
{
  K->sp = sp;
  K->scaled = NULL;
  if (!sp) return DEQ_OK;
  if (!(fabs(sp->dim - (double)P) < 0.5) || !isfinite(sp->trace) ||
      !(sp->trace > 0.0))
    return DEQ_EDOM;
  for (size_t i = 0; i < sp->n; i++)
    if (!(sp->s[i] > 0.0)) return DEQ_EDOM;   /* K must be positive definite */
  deq_status st = deq_spectrum_copy(&K->scaled, sp);
  if (st) return st;
  double f = (double)P / sp->trace;
  for (size_t i = 0; i < sp->n; i++) {
    K->scaled->s[i] *= f;
    K->scaled->v[i] = 0.0;
  }
  return deq_spectrum_update(K->scaled, NULL);
}

/* ------------------------------------------------------------ execute */

/* work: 2 P + 2 max(r, 1) doubles.  */
static deq_status one_point(deq_estimate_point *pt,
                            const deq_estimate_plan *p, const kspec *K,
                            double lambda, double *work)
{
  size_t P = p->P, r = p->r;
  double Pd = (double)P, t = scaled_t(p, lambda);
  double *e = work, *hv = e + P, *va = hv + P, *vb = va + (r ? r : 1);
  double df = p->intercept ? 1.0 : 0.0, fsum = 0.0, gden = 0.0, gnum = 0.0;
  for (size_t a = 0; a < r; a++) {
    double d2 = p->d[a] * p->d[a], den = d2 + t;
    df += d2 / den;
    fsum += t / den;
    gden += 1.0 / den;
    gnum += (p->c[a] / den) * (p->c[a] / den);
  }
  double R = (double)r + (p->intercept ? 1.0 : 0.0);
  double s = (Pd - R) + fsum;   /* P - df without cancellation */
  pt->lambda = lambda;
  pt->df = df;
  pt->corrgcv = pt->kappa_K = NAN;
  pt->status = DEQ_OK;

  residual(e, p, t, va);
  double rss = cblas_ddot((int)P, e, 1, e, 1);
  pt->train = rss / Pd;

  double loo = 0.0;
  int loo_inf = 0;
  if (p->full) {
    /* t cancels: (1/P) |y - yhat|^2 / (1 - df/P)^2 = P gnum / gden^2, and
       e_i / (1 - H_ii) = [U (c/(d^2+t))]_i / [U2 (1/(d^2+t))]_i.  */
    pt->gcv = Pd * gnum / (gden * gden);
    for (size_t a = 0; a < r; a++) {
      double den = p->d[a] * p->d[a] + t;
      va[a] = p->c[a] / den;
      vb[a] = 1.0 / den;
    }
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)r, 1.0, p->U,
                (int)P, va, 1, 0.0, e, 1);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)r, 1.0, p->U2,
                (int)P, vb, 1, 0.0, hv, 1);
    for (size_t i = 0; i < P; i++) {
      double q = e[i] / hv[i];
      loo += q * q;
    }
  } else {
    double one_minus = s / Pd;
    pt->gcv = pt->train / (one_minus * one_minus);
    for (size_t a = 0; a < r; a++) {
      double den = p->d[a] * p->d[a] + t;
      vb[a] = t / den;
    }
    memcpy(hv, p->lev0, P * sizeof *hv);
    if (r) cblas_dgemv(CblasColMajor, CblasNoTrans, (int)P, (int)r, 1.0, p->U2,
                       (int)P, vb, 1, 1.0, hv, 1);
    for (size_t i = 0; i < P; i++) {
      double h = hv[i];
      /* 1 - H_ii at rounding level: point i is interpolated exactly.  */
      if (!(h > 16.0 * Pd * DBL_EPSILON)) {
        loo_inf = 1;
        break;
      }
      double q = e[i] / h;
      loo += q * q;
    }
  }
  pt->loo = loo_inf ? INFINITY : loo / Pd;
  if (loo_inf) pt->status = DEQ_EDIVERGE;
  if (K->sp) {
    deq_status st = corrgcv_point(pt, p, K, t, s, gden, gnum);
    if (st) pt->status = st;
  }
  /* Computed on y/ys: back to the data's units.  */
  pt->train = unscale2(p, pt->train);
  pt->gcv = unscale2(p, pt->gcv);
  pt->loo = unscale2(p, pt->loo);
  pt->corrgcv = unscale2(p, pt->corrgcv);
  return pt->status;
}

deq_status deq_estimate_execute(deq_estimate_point *out,
                                const deq_estimate_plan *p, size_t nlambda,
                                const double *lambda, const deq_spectrum *K)
{
  if (!out || !p || (nlambda && !lambda)) return DEQ_EINVAL;
  for (size_t l = 0; l < nlambda; l++)
    if (!(lambda[l] >= 0.0) || !isfinite(lambda[l])) return DEQ_EDOM;
  kspec ks;
  deq_status st = kspec_init(&ks, K, p->P);
  if (st) {
    deq_spectrum_free(ks.scaled);
    return st;
  }
  /* Scratch per call, so that threads may share one plan.  */
  double *work = malloc((2 * p->P + 2 * (p->r ? p->r : 1)) * sizeof *work);
  if (!work) {
    deq_spectrum_free(ks.scaled);
    return DEQ_ENOMEM;
  }
  deq_status worst = DEQ_OK;
  for (size_t l = 0; l < nlambda; l++)
    worst = deq_grid_status(worst, one_point(&out[l], p, &ks, lambda[l], work));
  free(work);
  deq_spectrum_free(ks.scaled);
  return worst;
}

deq_status deq_estimate_select(size_t sel[DEQ_ESTIMATE_NCRIT],
                               const deq_estimate_point *pts, size_t n)
{
  if (!sel || (n && !pts)) return DEQ_EINVAL;
  for (int c = 0; c < DEQ_ESTIMATE_NCRIT; c++) {
    size_t best = n;
    double bv = INFINITY;
    for (size_t l = 0; l < n; l++) {
      double v = c == DEQ_ESTIMATE_GCV ? pts[l].gcv
               : c == DEQ_ESTIMATE_LOO ? pts[l].loo : pts[l].corrgcv;
      if (isfinite(v) && (best == n || v < bv)) {
        best = l;
        bv = v;
      }
    }
    sel[c] = best;
  }
  return DEQ_OK;
}

/* ------------------------------------------------------------ K spectra
   The exact K spectra of corr_spectrum.c: one implementation.  */

deq_status deq_estimate_K_ar1(deq_spectrum **out, size_t P, double rho)
{
  return deq_corr_spectrum_ar1(out, P, rho, DEQ_CORR_EXACT);
}

deq_status deq_estimate_K_acf(deq_spectrum **out, size_t P, const double *acf,
                              size_t nacf)
{
  return deq_corr_spectrum_acf(out, P, acf, nacf, DEQ_CORR_EXACT, NULL);
}

deq_status deq_estimate_K_matrix(deq_spectrum **out, size_t P,
                                 const double *K)
{
  return deq_corr_spectrum_matrix(out, P, K, NULL);
}
