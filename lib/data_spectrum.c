/* lib/data_spectrum.c -- kernels, data preparation and the measured
 * spectrum of a data set (deq/data.h).  */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "deq/data.h"

static deq_status kernel_error(deq_error *err, const char *msg)
{
  if (err) {
    deq_error_clear(err);
    snprintf(err->message, sizeof err->message, "%s", msg);
  }
  return DEQ_EDOM;
}

deq_status deq_kernel_check(const deq_kernel *k, deq_error *err)
{
  if (!k) return DEQ_EINVAL;
  switch (k->kind) {
  case DEQ_KERNEL_LINEAR:
    return DEQ_OK;
  case DEQ_KERNEL_RBF:
  case DEQ_KERNEL_LAPLACE:
    if (!(k->gamma > 0) || !isfinite(k->gamma))
      return kernel_error(err, "gamma must be positive and finite");
    return DEQ_OK;
  case DEQ_KERNEL_POLY:
    if (!(k->degree >= 1 && k->degree <= 64) || k->degree != floor(k->degree))
      return kernel_error(err, "degree must be an integer from 1 to 64");
    if (!(k->c >= 0) || !isfinite(k->c))
      return kernel_error(err, "c must be >= 0 and finite");
    return DEQ_OK;
  }
  return kernel_error(err, "unknown kernel");
}

/* ------------------------------------------------------------ prepare */

static deq_status cell_error(deq_error *err, size_t row, size_t col)
{
  if (err) {
    deq_error_clear(err);
    err->line = (long)row + 1;
    err->column = (long)col;
    snprintf(err->message, sizeof err->message, "value is not finite");
  }
  return DEQ_EDOM;
}

static double mean_of(const double *x, size_t n)
{
  long double s = 0;
  for (size_t i = 0; i < n; i++) s += x[i];
  return (double)(s / (long double)n);
}

deq_status deq_data_prepare(double *X, double *y, size_t n, size_t d,
                            const deq_kernel *k, int standardize,
                            deq_error *err)
{
  if (err) deq_error_clear(err);
  if (!X || !y || !k) return DEQ_EINVAL;
  if (n < 2 || d < 1) return DEQ_EDOM;
  deq_status st = deq_kernel_check(k, err);
  if (st) return st;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < d; j++)
      if (!isfinite(X[i + j * n])) return cell_error(err, i, j + 1);
    if (!isfinite(y[i])) return cell_error(err, i, 0);
  }
  double my = mean_of(y, n);
  for (size_t i = 0; i < n; i++) y[i] -= my;
  if (k->kind != DEQ_KERNEL_LINEAR && !standardize) return DEQ_OK;
  for (size_t j = 0; j < d; j++) {
    double *x = X + j * n, m = mean_of(x, n);
    long double ss = 0;
    for (size_t i = 0; i < n; i++) {
      x[i] -= m;
      ss += (long double)x[i] * x[i];
    }
    if (!standardize) continue;
    double sd = sqrt((double)(ss / (long double)n));
    if (!(sd > 0)) {
      if (err) {
        deq_error_clear(err);
        err->column = (long)j + 1;
        snprintf(err->message, sizeof err->message,
                 "constant column: cannot standardize");
      }
      return DEQ_EDOM;
    }
    for (size_t i = 0; i < n; i++) x[i] /= sd;
  }
  return DEQ_OK;
}

/* ------------------------------------------------------------ Gram */

static double kernel_value(const double *X, size_t n, size_t d, size_t a,
                           size_t b, const deq_kernel *k)
{
  double s = 0;
  for (size_t j = 0; j < d; j++) {
    double u = X[a + j * n], v = X[b + j * n];
    switch (k->kind) {
    case DEQ_KERNEL_RBF: s += (u - v) * (u - v); break;
    case DEQ_KERNEL_LAPLACE: s += fabs(u - v); break;
    default: s += u * v; break;
    }
  }
  switch (k->kind) {
  case DEQ_KERNEL_RBF:
  case DEQ_KERNEL_LAPLACE: return exp(-k->gamma * s);
  case DEQ_KERNEL_POLY: return pow(s + k->c, k->degree);
  default: return s;
  }
}

deq_status deq_data_gram(double *G, const double *X, size_t n, size_t d,
                         const deq_kernel *k)
{
  if (!G || !X || !k) return DEQ_EINVAL;
  deq_status st = deq_kernel_check(k, NULL);
  if (st) return st;
  /* Distances from the coordinates directly (no |x|^2 + |x'|^2 - 2x.x'
     cancellation); each entry computed once and mirrored.  */
  for (size_t b = 0; b < n; b++)
    for (size_t a = b; a < n; a++)
      G[a + b * n] = G[b + a * n] = kernel_value(X, n, d, a, b, k);
  return DEQ_OK;
}

/* ------------------------------------------------------------ spectrum */

/* Eigenpairs of the symmetric m x m matrix A (overwritten by the
   eigenvectors), eigenvalues ascending in w.  */
static deq_status sym_eig(double *A, double *w, size_t m)
{
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)m,
                                   A, (lapack_int)m, w);
  return info == 0 ? DEQ_OK : DEQ_ELAPACK;
}

static double sum_squares(const double *x, size_t n)
{
  long double s = 0;
  for (size_t i = 0; i < n; i++) s += (long double)x[i] * x[i];
  return (double)s;
}

/* Atoms from ascending eigenvalues w[0..m-1]: keep those above the
   threshold, in decreasing order, with target powers v.  */
static deq_status atoms_from(deq_spectrum **out, size_t *modes,
                             const double *w, const double *v, size_t m,
                             double thr)
{
  size_t kept = 0;
  for (size_t i = 0; i < m; i++) kept += w[i] > thr;
  *modes = kept;
  if (kept == 0) return DEQ_EDOM;
  deq_status st = deq_spectrum_alloc(out, kept);
  if (st) return st;
  size_t a = 0;
  for (size_t i = m; i-- > 0;)
    if (w[i] > thr) {
      (*out)->s[a] = w[i];
      (*out)->v[a] = v[i];
      a++;
    }
  deq_error err;
  st = deq_spectrum_update(*out, &err);
  if (st) {
    deq_spectrum_free(*out);
    *out = NULL;
  }
  return st;
}

/* Linear kernel: covariance C = X'X/n, b = X'y/n, v_k = (V_k'b)^2/s_k;
   the residual of the best linear predictor is formed explicitly.  */
static deq_status linear_spectrum(deq_spectrum **out, deq_data_info *info,
                                  const double *X, const double *y, size_t n,
                                  size_t d)
{
  double *C = malloc(d * d * sizeof *C), *w = malloc(d * sizeof *w),
         *b = malloc(d * sizeof *b), *p = malloc(d * sizeof *p),
         *v = malloc(d * sizeof *v), *beta = calloc(d, sizeof *beta),
         *r = malloc(n * sizeof *r);
  deq_status st = DEQ_ENOMEM;
  if (!C || !w || !b || !p || !v || !beta || !r) goto done;
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)d, (int)n,
              1.0 / (double)n, X, (int)n, 0.0, C, (int)d);
  cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)d, 1.0 / (double)n, X,
              (int)n, y, 1, 0.0, b, 1);
  if ((st = sym_eig(C, w, d)) != DEQ_OK) goto done;
  double smax = fmax(w[d - 1], 0.0);
  double thr = smax * (double)(n > d ? n : d) * DBL_EPSILON;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)d, (int)d, 1.0, C, (int)d, b,
              1, 0.0, p, 1);
  for (size_t k = 0; k < d; k++) {
    v[k] = w[k] > thr ? p[k] * (p[k] / w[k]) : 0.0;
    if (w[k] > thr)   /* beta = sum_k V_k p_k/s_k */
      cblas_daxpy((int)d, p[k] / w[k], C + k * d, 1, beta, 1);
  }
  memcpy(r, y, n * sizeof *r);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)d, -1.0, X, (int)n,
              beta, 1, 1.0, r, 1);
  info->noise = sum_squares(r, n) / (double)n;
  st = atoms_from(out, &info->modes, w, v, d, thr);
done:
  free(C); free(w); free(b); free(p); free(v); free(beta); free(r);
  return st;
}

/* Other kernels: G/n = U diag(eta) U', v_k = (u_k'y)^2/n; the label's
   part outside the kept eigenvectors is the noise.  */
static deq_status kernel_spectrum(deq_spectrum **out, deq_data_info *info,
                                  const double *X, const double *y, size_t n,
                                  size_t d, const deq_kernel *k)
{
  if (n > DEQ_DATA_MAX_ROWS) return DEQ_EUNSUP;
  double *G = malloc(n * n * sizeof *G), *w = malloc(n * sizeof *w),
         *c = malloc(n * sizeof *c), *v = malloc(n * sizeof *v),
         *r = malloc(n * sizeof *r);
  deq_status st = DEQ_ENOMEM;
  if (!G || !w || !c || !v || !r) goto done;
  if ((st = deq_data_gram(G, X, n, d, k)) != DEQ_OK) goto done;
  for (size_t i = 0; i < n * n; i++) G[i] /= (double)n;
  if ((st = sym_eig(G, w, n)) != DEQ_OK) goto done;
  double thr = fmax(w[n - 1], 0.0) * (double)(n > d ? n : d) * DBL_EPSILON;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)n, 1.0, G, (int)n, y, 1,
              0.0, c, 1);
  memcpy(r, y, n * sizeof *r);
  for (size_t j = 0; j < n; j++) {
    v[j] = w[j] > thr ? c[j] * c[j] / (double)n : 0.0;
    if (w[j] > thr)
      cblas_daxpy((int)n, -c[j], G + j * n, 1, r, 1);
  }
  info->noise = sum_squares(r, n) / (double)n;
  st = atoms_from(out, &info->modes, w, v, n, thr);
done:
  free(G); free(w); free(c); free(v); free(r);
  return st;
}

deq_status deq_data_spectrum(deq_spectrum **out, deq_data_info *info,
                             const double *X, const double *y, size_t n,
                             size_t d, const deq_kernel *k)
{
  if (!out || !info || !X || !y || !k) return DEQ_EINVAL;
  *out = NULL;
  memset(info, 0, sizeof *info);
  if (n < 2 || d < 1) return DEQ_EDOM;
  deq_status st = deq_kernel_check(k, NULL);
  if (st) return st;
  info->n = n;
  info->d = d;
  info->y_var = sum_squares(y, n) / (double)n;
  st = k->kind == DEQ_KERNEL_LINEAR ? linear_spectrum(out, info, X, y, n, d)
                                    : kernel_spectrum(out, info, X, y, n, d, k);
  if (st == DEQ_OK) info->explained = (*out)->signal;
  return st;
}
