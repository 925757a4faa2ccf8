/* corr_spectrum.c -- spectra of sample-correlation matrices K (P x P,
 * tr K = P): AR(1), stationary autocorrelations (exact Toeplitz
 * eigenvalues, or the symbol by FFTW), blocks, equicorrelation, explicit
 * matrices; dense K for the samplers and readers for K files.  */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>
#include <lapacke.h>

#include "deq/corr.h"
#include "fftw_impl.h"

#define SYMBOL_MIN_GRID 1024   /* smallest frequency grid of a symbol */
#define SYM_TOL 1e-12          /* relative asymmetry accepted in a matrix */

static void set_err(deq_error *err, long line, long col, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

static void set_err(deq_error *err, long line, long col, const char *fmt, ...)
{
  if (!err) return;
  err->line = line;
  err->column = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

/* A spectrum from n eigenvalues with weights (NULL: 1), compressed.  */
static deq_status from_eigs(deq_spectrum **K, size_t n, const double *s,
                            const double *w)
{
  deq_status st = deq_spectrum_from_arrays(K, n, s, w, NULL, NULL);
  if (st == DEQ_OK) st = deq_spectrum_compress(*K);
  if (st != DEQ_OK) {
    deq_spectrum_free(*K);
    *K = NULL;
  }
  return st;
}

/* Eigenvalues (ascending) of the symmetric column-major A (destroyed);
   DEQ_EDOM unless every one exceeds P eps max.  */
static deq_status eig_pd(double *w, double *A, size_t P, deq_error *err)
{
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)P,
                                   A, (lapack_int)P, w);
  if (info != 0) return info < 0 ? DEQ_EINVAL : DEQ_ELAPACK;
  if (!(w[0] > (double)P * DBL_EPSILON * w[P - 1])) {
    set_err(err, 0, 0, "K is not positive definite (smallest eigenvalue "
            "%.3g, largest %.3g)", w[0], w[P - 1]);
    return DEQ_EDOM;
  }
  return DEQ_OK;
}

/* Smallest even multiple of P that is >= need.  */
static size_t symbol_grid(size_t P, size_t need)
{
  size_t M = (need + P - 1) / P * P;
  if (M % 2) M += P;
  return M;
}

/* ------------------------------------------------------------ AR(1) */

/* Exact AR(1) eigenvalues in O(P).  (1 - r^2) K^-1 = T is tridiagonal:
   diagonal 1, 1 + r^2, ..., 1 + r^2, 1 and off-diagonal -r.  Its
   eigenvectors are v_j = sin(j theta + phi), j = 1..P: the interior rows
   give mu = 1 - 2 r cos theta + r^2, the first row asks for v_0 = r v_1,
   i.e. tan phi = r sin theta/(1 - r cos theta), and the last row (by the
   persymmetry of T, the same condition seen from the other end) for
   (P + 1) theta + 2 phi = k pi.  With chi = pi/2 - phi =
   atan2(1 - r cos theta, r sin theta) in (0, pi/2) for 0 < r < 1, the
   k-th root solves
       g(theta) = (P + 1) theta - (k - 1) pi - 2 chi(theta) = 0,
   g' = P + 1 + 2 phi' > P (phi' > -r/(1 + r) > -1/2), g < 0 at
   (k - 1) pi/(P + 1) and > 0 at k pi/(P + 1): exactly one root in each of
   those P intervals, P distinct mu, so all of T's eigenvalues.  This form
   has no cancellation near theta = 0 (r -> 1), where phi -> pi/2.  Then
       lambda_k = (1 - r^2)/((1 - r)^2 + 4 r sin^2(theta_k/2)).
   K(-r) = D K(r) D with D = diag((-1)^i): the same eigenvalues.  */
typedef struct ar1_g {
  double g, dg;
} ar1_g;

static ar1_g ar1_secular(double theta, size_t k, size_t P, double r)
{
  double sh = sin(0.5 * theta), s2 = sh * sh;
  double x = (1.0 - r) + 2.0 * r * s2;            /* 1 - r cos theta */
  double den = (1.0 - r) * (1.0 - r) + 4.0 * r * s2;
  double chi = atan2(x, r * sin(theta));
  double dphi = r * ((1.0 - r) - 2.0 * s2) / den;  /* r (cos - r)/den */
  ar1_g o = { (double)(P + 1) * theta - (double)(k - 1) * M_PI - 2.0 * chi,
              (double)(P + 1) + 2.0 * dphi };
  return o;
}

/* theta_k by Newton, safeguarded by bisection in its bracket.  */
static double ar1_theta(size_t k, size_t P, double r)
{
  double lo = (double)(k - 1) * M_PI / (double)(P + 1);
  double hi = (double)k * M_PI / (double)(P + 1);
  double theta = 0.5 * (lo + hi);
  for (int it = 0; it < 100; it++) {
    ar1_g v = ar1_secular(theta, k, P, r);
    if (v.g == 0) break;
    if (v.g < 0) lo = theta;
    else hi = theta;
    double next = theta - v.g / v.dg;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    double step = fabs(next - theta);
    theta = next;
    if (step <= 2.0 * DBL_EPSILON * theta) break;
  }
  return theta;
}

static deq_status ar1_exact(deq_spectrum **K, size_t P, double rho)
{
  double *w = malloc(P * sizeof *w);
  if (!w) return DEQ_ENOMEM;
  double r = fabs(rho);
  for (size_t k = 1; k <= P; k++) {
    if (r == 0) {
      w[k - 1] = 1.0;
      continue;
    }
    double sh = sin(0.5 * ar1_theta(k, P, r));
    w[k - 1] = (1.0 - r) * (1.0 + r)
               / ((1.0 - r) * (1.0 - r) + 4.0 * r * sh * sh);
  }
  deq_status st = from_eigs(K, P, w, NULL);
  free(w);
  return st;
}

/* Symbol f(w) = (1 - rho^2)/((1 - rho)^2 + 4 rho sin^2(w/2)) on the grid
   w_k = 2 pi k/M, k = 0..M/2 (the rest by symmetry).  */
static deq_status ar1_symbol(deq_spectrum **K, size_t P, double rho)
{
  size_t M = symbol_grid(P, SYMBOL_MIN_GRID), n = M / 2 + 1;
  double *s = malloc(n * sizeof *s), *w = malloc(n * sizeof *w);
  deq_status st = DEQ_OK;
  if (!s || !w) {
    st = DEQ_ENOMEM;
    goto done;
  }
  for (size_t k = 0; k < n; k++) {
    double sn = sin(M_PI * (double)k / (double)M);
    s[k] = (1.0 - rho * rho) / ((1.0 - rho) * (1.0 - rho) + 4.0 * rho * sn * sn);
    w[k] = (k == 0 || k == M / 2 ? 1.0 : 2.0) * (double)P / (double)M;
  }
  st = from_eigs(K, n, s, w);
done:
  free(s);
  free(w);
  return st;
}

deq_status deq_corr_spectrum_ar1(deq_spectrum **K, size_t P, double rho,
                                 deq_corr_method method)
{
  if (!K) return DEQ_EINVAL;
  *K = NULL;
  if (P < 1 || !(fabs(rho) < 1.0)) return DEQ_EDOM;
  if (P > (size_t)INT32_MAX / 2) return DEQ_EUNSUP;
  return method == DEQ_CORR_SYMBOL ? ar1_symbol(K, P, rho)
                                   : ar1_exact(K, P, rho);
}

/* ------------------------------------------------------------ stationary */

/* acf normalised by acf[0] into a[0..n-1]; checks |a_h| <= 1.  */
static deq_status normalise_acf(double *a, const double *acf, size_t n,
                                deq_error *err)
{
  if (!(acf[0] > 0) || !isfinite(acf[0])) {
    set_err(err, 1, 1, "lag-0 autocorrelation must be positive (got %g)",
            acf[0]);
    return DEQ_EDOM;
  }
  for (size_t h = 0; h < n; h++) {
    a[h] = acf[h] / acf[0];
    if (!isfinite(a[h]) || fabs(a[h]) > 1.0) {
      set_err(err, (long)h + 1, 1, "autocorrelation at lag %zu is %g: not a "
              "correlation (|acf[h]| <= acf[0] required)", h, acf[h]);
      return DEQ_EDOM;
    }
  }
  return DEQ_OK;
}

static deq_status acf_exact(deq_spectrum **K, size_t P, const double *a,
                            size_t n, deq_error *err)
{
  double *A = malloc(P * P * sizeof *A), *w = malloc(P * sizeof *w);
  deq_status st = DEQ_ENOMEM;
  if (A && w) {
    for (size_t j = 0; j < P; j++)
      for (size_t i = 0; i < P; i++) {
        size_t h = i > j ? i - j : j - i;
        A[i + j * P] = h < n ? a[h] : 0.0;
      }
    st = eig_pd(w, A, P, err);
    if (st == DEQ_EDOM)
      set_err(err, 0, 0, "the autocorrelation is not positive definite at "
              "P = %zu (smallest eigenvalue of K %.3g)", P, w[0]);
    if (st == DEQ_OK) st = from_eigs(K, P, w, NULL);
  }
  free(A);
  free(w);
  return st;
}

/* The symbol on w_k = 2 pi k/M by one DCT-I of length M/2 + 1:
   Y_k = c_0 + (-1)^k c_{M/2} + 2 sum_{0<h<M/2} c_h cos(2 pi h k/M).  */
static deq_status acf_symbol(deq_spectrum **K, size_t P, const double *a,
                             size_t n, deq_error *err)
{
  size_t M = symbol_grid(P, n * 2 > SYMBOL_MIN_GRID ? 2 * n : SYMBOL_MIN_GRID);
  size_t L = M / 2 + 1;
  if (L > (size_t)INT32_MAX) return DEQ_EUNSUP;
  double *x = fftw_malloc(L * sizeof *x), *y = fftw_malloc(L * sizeof *y);
  double *w = malloc(L * sizeof *w);
  deq_status st = DEQ_OK;
  if (!x || !y || !w) {
    st = DEQ_ENOMEM;
    goto done;
  }
  for (size_t h = 0; h < L; h++) x[h] = h < n ? a[h] : 0.0;
  deq_fftw_lock();
  fftw_plan plan = fftw_plan_r2r_1d((int)L, x, y, FFTW_REDFT00, FFTW_ESTIMATE);
  deq_fftw_unlock();
  if (!plan) {
    st = DEQ_ENOMEM;
    goto done;
  }
  fftw_execute(plan);
  deq_fftw_lock();
  fftw_destroy_plan(plan);
  deq_fftw_unlock();
  double fmax = 0, fmin = INFINITY;
  size_t kmin = 0;
  for (size_t k = 0; k < L; k++) {
    fmax = fmax > y[k] ? fmax : y[k];
    if (y[k] < fmin) {
      fmin = y[k];
      kmin = k;
    }
    w[k] = (k == 0 || k == L - 1 ? 1.0 : 2.0) * (double)P / (double)M;
  }
  if (!(fmin > 1e-14 * fmax)) {
    set_err(err, 0, 0, "the autocorrelation is not positive definite: its "
            "symbol is %.3g at frequency 2 pi %zu/%zu", fmin, kmin, M);
    st = DEQ_EDOM;
    goto done;
  }
  st = from_eigs(K, L, y, w);
done:
  fftw_free(x);
  fftw_free(y);
  free(w);
  return st;
}

deq_status deq_corr_spectrum_acf(deq_spectrum **K, size_t P,
                                 const double *acf, size_t nacf,
                                 deq_corr_method method, deq_error *err)
{
  if (err) deq_error_clear(err);
  if (!K) return DEQ_EINVAL;
  *K = NULL;
  if (!acf || nacf < 1) return DEQ_EINVAL;
  if (P < 1) return DEQ_EDOM;
  if (method != DEQ_CORR_SYMBOL && P > 46340) return DEQ_EUNSUP;
  double *a = malloc(nacf * sizeof *a);
  if (!a) return DEQ_ENOMEM;
  deq_status st = normalise_acf(a, acf, nacf, err);
  if (st == DEQ_OK)
    st = method == DEQ_CORR_SYMBOL ? acf_symbol(K, P, a, nacf, err)
                                   : acf_exact(K, P, a, nacf, err);
  free(a);
  return st;
}

/* ------------------------------------------------------------ blocks */

deq_status deq_corr_spectrum_blocks(deq_spectrum **K, size_t P, size_t m,
                                    double c)
{
  if (!K) return DEQ_EINVAL;
  *K = NULL;
  if (P < 1 || m < 1 || P % m != 0 || !isfinite(c)) return DEQ_EDOM;
  if (m == 1) c = 0;   /* a block of one: no correlation */
  if (!(c < 1.0) || !(c > -1.0 / (double)(m - 1) || m == 1)) return DEQ_EDOM;
  double nb = (double)(P / m);
  double s[2] = { 1.0 + (double)(m - 1) * c, 1.0 - c };
  double w[2] = { nb, (double)P - nb };
  return from_eigs(K, m > 1 ? 2 : 1, s, w);
}

deq_status deq_corr_spectrum_equi(deq_spectrum **K, size_t P, double c)
{
  if (!K) return DEQ_EINVAL;
  *K = NULL;
  if (P < 1) return DEQ_EDOM;
  return deq_corr_spectrum_blocks(K, P, P, c);
}

/* ------------------------------------------------------------ matrices */

deq_status deq_corr_spectrum_matrix(deq_spectrum **K, size_t P,
                                    const double *Kmat, deq_error *err)
{
  if (err) deq_error_clear(err);
  if (!K) return DEQ_EINVAL;
  *K = NULL;
  if (!Kmat) return DEQ_EINVAL;
  if (P < 1) return DEQ_EDOM;
  if (P > 46340) return DEQ_EUNSUP;
  double tr = 0;
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i < P; i++) {
      double x = Kmat[i + j * P], y = Kmat[j + i * P];
      if (!isfinite(x)) {
        set_err(err, (long)i + 1, (long)j + 1, "K[%zu][%zu] is not finite",
                i + 1, j + 1);
        return DEQ_EDOM;
      }
      double scale = fmax(fabs(Kmat[i + i * P]), fabs(Kmat[j + j * P]));
      if (fabs(x - y) > SYM_TOL * scale) {
        set_err(err, (long)i + 1, (long)j + 1, "K is not symmetric: K[%zu]"
                "[%zu] = %g, K[%zu][%zu] = %g", i + 1, j + 1, x, j + 1, i + 1,
                y);
        return DEQ_EDOM;
      }
    }
  for (size_t i = 0; i < P; i++) tr += Kmat[i + i * P];
  if (!(tr > 0)) {
    set_err(err, 0, 0, "K has a non-positive trace");
    return DEQ_EDOM;
  }
  double *A = malloc(P * P * sizeof *A), *w = malloc(P * sizeof *w);
  deq_status st = DEQ_ENOMEM;
  if (A && w) {
    for (size_t i = 0; i < P * P; i++) A[i] = Kmat[i] * ((double)P / tr);
    st = eig_pd(w, A, P, err);
    if (st == DEQ_OK) st = from_eigs(K, P, w, NULL);
  }
  free(A);
  free(w);
  return st;
}

deq_status deq_corr_spectrum(deq_spectrum **K, const deq_corr_model *model,
                             size_t P, deq_corr_method method,
                             deq_error *err)
{
  if (err) deq_error_clear(err);
  if (!K || !model) return DEQ_EINVAL;
  *K = NULL;
  switch (model->kind) {
  case DEQ_CORR_AR1: return deq_corr_spectrum_ar1(K, P, model->rho, method);
  case DEQ_CORR_ACF:
    return deq_corr_spectrum_acf(K, P, model->acf, model->nacf, method, err);
  case DEQ_CORR_BLOCKS:
    return deq_corr_spectrum_blocks(K, P, model->m, model->c);
  case DEQ_CORR_EQUI: return deq_corr_spectrum_equi(K, P, model->c);
  case DEQ_CORR_MATRIX:
    if (P != model->size) {
      set_err(err, 0, 0, "K is %zu x %zu but P = %zu", model->size,
              model->size, P);
      return DEQ_EDOM;
    }
    return deq_corr_spectrum_matrix(K, P, model->K, err);
  }
  return DEQ_EINVAL;
}

deq_status deq_corr_matrix(double **Kmat, const deq_corr_model *model,
                           size_t P)
{
  if (!Kmat || !model) return DEQ_EINVAL;
  *Kmat = NULL;
  if (P < 1) return DEQ_EDOM;
  if (model->kind == DEQ_CORR_MATRIX && P != model->size) return DEQ_EDOM;
  if (model->kind == DEQ_CORR_ACF && (!model->acf || model->nacf < 1))
    return DEQ_EINVAL;
  if (model->kind == DEQ_CORR_BLOCKS && (model->m < 1 || P % model->m))
    return DEQ_EDOM;
  if (P > SIZE_MAX / sizeof(double) / P) return DEQ_ENOMEM;
  double *A = malloc(P * P * sizeof *A);
  if (!A) return DEQ_ENOMEM;
  for (size_t j = 0; j < P; j++)
    for (size_t i = 0; i < P; i++) {
      size_t h = i > j ? i - j : j - i;
      double x = 0;
      switch (model->kind) {
      case DEQ_CORR_AR1: x = pow(model->rho, (double)h); break;
      case DEQ_CORR_ACF:
        x = h < model->nacf ? model->acf[h] / model->acf[0] : 0.0;
        break;
      case DEQ_CORR_BLOCKS:
        x = h == 0 ? 1.0 : (i / model->m == j / model->m ? model->c : 0.0);
        break;
      case DEQ_CORR_EQUI: x = h == 0 ? 1.0 : model->c; break;
      case DEQ_CORR_MATRIX: x = model->K[i + j * P]; break;
      default:
        free(A);
        return DEQ_EINVAL;
      }
      A[i + j * P] = x;
    }
  *Kmat = A;
  return DEQ_OK;
}

/* ------------------------------------------------------------ files */

deq_status deq_corr_read_acf(double **acf, size_t *nacf, const char *path,
                             deq_error *err)
{
  if (err) deq_error_clear(err);
  if (!acf || !nacf || !path) return DEQ_EINVAL;
  FILE *f = fopen(path, "r");
  if (!f) {
    set_err(err, 0, 0, "%s", strerror(errno));
    return DEQ_EIO;
  }
  deq_status st = deq_read_column(acf, nacf, f, err);
  fclose(f);
  if (st == DEQ_OK && *nacf == 0) {
    set_err(err, 0, 0, "no autocorrelations in the file");
    free(*acf);
    *acf = NULL;
    st = DEQ_EPARSE;
  }
  return st;
}

/* Fields of one line into row[] (growing); returns the count or -1 with
   err set.  */
static long parse_row(double **row, size_t *cap, char *line, long lineno,
                      deq_error *err)
{
  char *hash = strchr(line, '#');
  if (hash) *hash = '\0';
  long n = 0;
  char *p = line;
  for (;;) {
    while (*p && (isspace((unsigned char)*p) || *p == ',')) p++;
    if (!*p) break;
    char *end;
    errno = 0;
    double x = strtod(p, &end);
    if (end == p || (*end && !isspace((unsigned char)*end) && *end != ',')) {
      set_err(err, lineno, n + 1, "not a number");
      return -1;
    }
    if ((size_t)n == *cap) {
      size_t nc = *cap ? 2 * *cap : 64;
      double *r = realloc(*row, nc * sizeof *r);
      if (!r) {
        set_err(err, lineno, n + 1, "out of memory");
        return -1;
      }
      *row = r;
      *cap = nc;
    }
    (*row)[n++] = x;
    p = end;
  }
  return n;
}

deq_status deq_corr_read_matrix(double **Kmat, size_t *P, const char *path,
                                deq_error *err)
{
  if (err) deq_error_clear(err);
  if (!Kmat || !P || !path) return DEQ_EINVAL;
  *Kmat = NULL;
  *P = 0;
  FILE *f = fopen(path, "r");
  if (!f) {
    set_err(err, 0, 0, "%s", strerror(errno));
    return DEQ_EIO;
  }
  char *line = NULL;
  size_t lcap = 0, rcap = 0, n = 0, rows = 0;
  double *row = NULL, *A = NULL;
  long lineno = 0;
  deq_status st = DEQ_OK;
  while (getline(&line, &lcap, f) != -1) {
    lineno++;
    long k = parse_row(&row, &rcap, line, lineno, err);
    if (k < 0) {
      st = DEQ_EPARSE;
      break;
    }
    if (k == 0) continue;
    if (n == 0) {
      n = (size_t)k;
      A = malloc(n * n * sizeof *A);
      if (!A) {
        st = DEQ_ENOMEM;
        break;
      }
    }
    if ((size_t)k != n || rows == n) {
      set_err(err, lineno, (long)((size_t)k < n ? k + 1 : (long)n + 1),
              rows == n ? "more rows than columns (K must be square)"
                        : "row has %ld fields, the first row %zu", k, n);
      st = DEQ_EPARSE;
      break;
    }
    for (size_t j = 0; j < n; j++) A[rows + j * n] = row[j];
    rows++;
  }
  if (st == DEQ_OK && ferror(f)) {
    set_err(err, lineno, 0, "read error");
    st = DEQ_EIO;
  }
  if (st == DEQ_OK && (n == 0 || rows != n)) {
    set_err(err, lineno, 0, n == 0 ? "no matrix in the file"
            : "K must be square: %zu rows of %zu columns", rows, n);
    st = DEQ_EPARSE;
  }
  fclose(f);
  free(line);
  free(row);
  if (st != DEQ_OK) {
    free(A);
    return st;
  }
  *Kmat = A;
  *P = n;
  return DEQ_OK;
}
