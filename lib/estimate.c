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
#include "bigmem_impl.h"
#include "estimate_impl.h"

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
  double *VT;        /* r x N, column-major (leading dimension r); NULL on
                        the Gram route, which keeps A instead */
  double *A;         /* P x N centred, scaled design, column-major
                        (Gram route only): V diag(d) = A' U for
                        predictions */
  int route;         /* the DEQ_ESTIMATE_ROUTE_* that built U, d */
  int passes;        /* the feature route's passes (1 or 2), else 0 */
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
  free(p->VT); free(p->A); free(p->c); free(p->lev0);
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

/* 1/s for a power of two s when that reciprocal is a normal double: then
   x * (1/s) and x / s round the same exact value, so the multiplication
   (several times cheaper than a division) gives the same bits.  0 when
   the reciprocal is not exact.  */
static double exact_reciprocal(double s)
{
  double inv = 1.0 / s;
  return isfinite(inv) && inv >= DBL_MIN ? inv : 0.0;
}

/* A strided view of the design: x(i, j) = X[i rs + j cs].  */
typedef struct view {
  const double *X;
  size_t rs, cs;
} view;

static double at(const view *v, size_t i, size_t j)
{
  return v->X[i * v->rs + j * v->cs];
}

/* Mean and standard deviation of column j (its amax given), summed over
   a/2^k (2^k >= amax): no overflow near DBL_MAX, and the same rounding
   as unscaled sums.  */
static void column_stats(const view *v, size_t P, size_t j, double amax,
                         double *mean, double *sd)
{
  double s2 = pow2_above(amax), inv = exact_reciprocal(s2), m = 0.0, ss = 0.0;
  for (size_t i = 0; i < P; i++)
    m += inv > 0.0 ? at(v, i, j) * inv : at(v, i, j) / s2;
  m /= (double)P;
  for (size_t i = 0; i < P; i++) {
    double u = (inv > 0.0 ? at(v, i, j) * inv : at(v, i, j) / s2) - m;
    ss += u * u;
  }
  *mean = m * s2;
  *sd = s2 * sqrt(ss / (double)P);
}

/* The error a design with a non-finite entry gets: columns in order, the
   first non-finite entry of a column, or (standardize) a constant
   column before it, as the messages have always been ordered.  */
static deq_status column_error(const deq_estimate_plan *p, const view *v,
                               int standardize, deq_error *err)
{
  char msg[96];
  for (size_t j = 0; j < p->N; j++) {
    double amax = 0.0;
    for (size_t i = 0; i < p->P; i++) {
      if (!isfinite(at(v, i, j))) {
        snprintf(msg, sizeof msg, "row %zu, feature %zu: value is not finite",
                 i + 1, j + 1);
        return bad_input(err, (long)i + 1, (long)j + 1, msg);
      }
      amax = fmax(amax, fabs(at(v, i, j)));
    }
    double mean, sd;
    column_stats(v, p->P, j, amax, &mean, &sd);
    if (standardize && !(sd > 1e-12 * amax)) {
      snprintf(msg, sizeof msg,
               "feature %zu is constant: it cannot be standardised", j + 1);
      return bad_input(err, 0, (long)j + 1, msg);
    }
  }
  return DEQ_OK;
}

/* Every entry (i, j) of the view: columns in groups (all of them when a
   row is contiguous, 8 otherwise), row after row inside a group.  Each
   column still sees its rows in order, so sums do not depend on the
   layout, and a column-major design is read in 8 contiguous streams
   instead of one cache line per entry.  */
#define FOR_ENTRIES(v, P, N, i, j) FOR_ROWS(v, 0, P, N, i, j)
#define FOR_ROWS(v, i0, i1, N, i, j)                                     \
  for (size_t j##0 = 0, j##g = (v)->cs == 1 ? (N) : 8; j##0 < (N);       \
       j##0 += j##g)                                                     \
    for (size_t i = (i0); i < (i1); i++)                                 \
      for (size_t j = j##0; j < (N) && j - j##0 < j##g; j++)

/* Rows i0 to i1 - 1 of the centred, scaled design A (column-major,
   P x N) from the view, once the plan's mean, scale and xs are known.  */
static void fill_rows(const deq_estimate_plan *p, double *A, const view *v,
                      size_t i0, size_t i1)
{
  size_t P = p->P, N = p->N;
  double ix = exact_reciprocal(p->xs);
  FOR_ROWS(v, i0, i1, N, i, j) {
    double a = at(v, i, j) - p->mean[j];
    if (p->scale[j] != 1.0) a /= p->scale[j];
    A[i + j * P] = ix > 0.0 ? a * ix : a / p->xs;
  }
}

/* Column means and scales; the centred, scaled design goes to A,
   column-major (A'A and AA' are dsyrk calls on it, and U = A M can
   overwrite it a block of rows at a time).  The passes sweep the
   rows, with one running sum per column; each column's sum runs over
   the rows in order, as it always has, so the numbers do not depend on
   the input's layout.  */
static deq_status prepare_columns(deq_estimate_plan *p, double *A,
                                  const view *v, int standardize,
                                  deq_error *err)
{
  size_t P = p->P, N = p->N;
  double *amax = calloc(4 * N, sizeof *amax), *s2 = amax + N;
  double *inv = s2 + N, *ss = inv + N;
  if (!amax) return DEQ_ENOMEM;
  int finite = 1;
  FOR_ENTRIES(v, P, N, i, j) {
    double a = fabs(at(v, i, j));
    finite &= a <= DBL_MAX;
    amax[j] = a > amax[j] ? a : amax[j];
  }
  if (!finite) {
    free(amax);
    return column_error(p, v, standardize, err);
  }
  /* Sums over a/2^k (2^k >= amax): no overflow near DBL_MAX, and the
     same rounding as unscaled sums.  */
  double *mean = p->mean;
  for (size_t j = 0; j < N; j++) {
    s2[j] = pow2_above(amax[j]);
    inv[j] = exact_reciprocal(s2[j]);
    mean[j] = 0.0;
  }
  FOR_ENTRIES(v, P, N, i, j) {
    double a = at(v, i, j);
    mean[j] += inv[j] > 0.0 ? a * inv[j] : a / s2[j];
  }
  for (size_t j = 0; j < N; j++) mean[j] /= (double)P;
  if (standardize)
    FOR_ENTRIES(v, P, N, i, j) {
      double a = at(v, i, j);
      double u = (inv[j] > 0.0 ? a * inv[j] : a / s2[j]) - mean[j];
      ss[j] += u * u;
    }
  for (size_t j = 0; j < N; j++) {
    mean[j] *= s2[j];
    double sd = s2[j] * sqrt(ss[j] / (double)P), scale = 1.0;
    if (standardize) {
      /* Identical values can leave a rounding-level spread.  */
      if (!(sd > 1e-12 * amax[j])) {
        char msg[96];
        snprintf(msg, sizeof msg,
                 "feature %zu is constant: it cannot be standardised", j + 1);
        free(amax);
        return bad_input(err, 0, (long)j + 1, msg);
      }
      scale = sd;
    }
    if (!p->intercept) mean[j] = 0.0;
    p->scale[j] = scale;
  }
  free(amax);
  /* One scale for the whole design (a common factor keeps the ridge
     problem equivalent: lambda becomes lambda/xs^2): the largest centred
     entry first, then A in one pass.  */
  double xs = 0.0;
  FOR_ENTRIES(v, P, N, i, j) {
    double a = at(v, i, j) - mean[j];
    if (p->scale[j] != 1.0) a /= p->scale[j];
    a = fabs(a);
    xs = a > xs ? a : xs;
  }
  p->xs = pow2_above(xs);
  fill_rows(p, A, v, 0, P);
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

/* The P x P Gram route keeps only eigenvalues >= GRAM_TAU lambda_max:
   the eigendecomposition of AA' is exact for a matrix within about
   eps lambda_max of the true one, so H and every risk carry a relative
   error of about eps / GRAM_TAU (2e-12).  The feature route is a
   backward-stable SVD by CholeskyQR2 (route_features), which needs only
   eps lambda_max / lambda_min << 1.  A design with eigenvalues below
   these (collinear or badly scaled features) goes to the SVD.  */
#define GRAM_TAU 1e-4
#define FEATURES_TAU 1e-10
#define ONE_PASS_ERR 2e-13

/* dsyevd (divide and conquer: orthogonal eigenvectors without the
   caveats of dsyevr's MRRR on clustered eigenvalues) of the n x n upper
   triangle of G: ascending eigenvalues to lam, eigenvectors over G;
   workspace on huge pages (LAPACKE's own is megabytes of fresh small
   pages).  */
static lapack_int eigen_sym(double *G, lapack_int n, double *lam)
{
  double q;
  lapack_int qi;
  lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, G, n,
                                        lam, &q, -1, &qi, -1);
  double *w = info ? NULL : deq_big_malloc((size_t)q * sizeof *w);
  lapack_int *iw = info ? NULL : malloc((size_t)qi * sizeof *iw);
  if (!info && (!w || !iw)) info = LAPACK_WORK_MEMORY_ERROR;
  if (!info)
    info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, G, n, lam, w,
                               (lapack_int)q, iw, qi);
  free(w);
  free(iw);
  return info;
}

static deq_status lapack_status(lapack_int info)
{
  return info == LAPACK_WORK_MEMORY_ERROR ? DEQ_ENOMEM
         : info < 0 ? DEQ_EINVAL : DEQ_ELAPACK;
}

/* Eigendecomposition of the k x k Gram matrix G (upper triangle; its
   eigenvectors overwrite it, ascending eigenvalues go to lam).  skip:
   how many smallest eigenvalues must be zero (the centring's null vector
   1 of AA' with an intercept).  Returns the number r of eigenvalues kept,
   or SIZE_MAX when the spectrum is too ill-conditioned for this route
   (some eigenvalue other than the skipped ones below GRAM_TAU lambda_max,
   or a skipped one not at rounding level).  */
static size_t gram_eigen(double *G, double *lam, size_t k, size_t skip,
                         size_t nsum, double tau, deq_status *st)
{
  lapack_int info = eigen_sym(G, (lapack_int)k, lam);
  if (info != 0) {
    *st = lapack_status(info);
    return SIZE_MAX;
  }
  double lmax = lam[k - 1];
  if (!(lmax > 0.0)) return skip <= k ? 0 : SIZE_MAX;   /* A = 0 */
  /* A zero eigenvalue comes out at rounding level: a sum of nsum terms. */
  double noise = 8.0 * (double)(nsum + k) * DBL_EPSILON * lmax;
  for (size_t a = 0; a < skip; a++)
    if (!(fabs(lam[a]) <= noise)) return SIZE_MAX;
  for (size_t a = skip; a < k; a++)
    if (!(lam[a] >= tau * lmax)) return SIZE_MAX;
  return k - skip;
}

/* dgesdd of the n x n matrix M (overwritten) with its workspace on huge
   pages (LAPACKE's own is megabytes of fresh small pages).  */
static lapack_int svd_square(double *M, lapack_int n, double *s, double *U,
                             double *VT)
{
  double q;
  lapack_int *iw = malloc(8 * (size_t)n * sizeof *iw);
  if (!iw) return LAPACK_WORK_MEMORY_ERROR;
  lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'A', n, n, M, n, s,
                                        U, n, VT, n, &q, -1, iw);
  double *w = info ? NULL : deq_big_malloc((size_t)q * sizeof *w);
  if (!info && !w) info = LAPACK_WORK_MEMORY_ERROR;
  if (!info)
    info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'A', n, n, M, n, s, U, n,
                               VT, n, w, (lapack_int)q, iw);
  free(w);
  free(iw);
  return info;
}

/* B = B M in place (B P x N column-major, M N x N), ROWS rows at a time
   through the scratch T (ROWS x N): the product needs no second P x N
   array.  With h (P values, or NULL), h_i = |row i of B M|^2 as well,
   and keep (if not NULL), given a block's first row and size, may
   return 0 to end the product there: the rows before that block are
   done, that block and those after it untouched.  Returns the rows
   done.  */
#define ROWS 256
static size_t times_in_place(double *B, size_t P, size_t N, const double *M,
                             double *T, double *h,
                             int (*keep)(void *, size_t, size_t),
                             void *ctx)
{
  for (size_t i = 0; i < P; i += ROWS) {
    size_t m = P - i < ROWS ? P - i : ROWS;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)N,
                (int)N, 1.0, B + i, (int)P, M, (int)N, 0.0, T, (int)m);
    if (h) {
      for (size_t k = 0; k < m; k++) h[i + k] = 0.0;
      for (size_t a = 0; a < N; a++)
        for (size_t k = 0; k < m; k++) h[i + k] += T[k + a * m] * T[k + a * m];
      if (keep && !keep(ctx, i, m)) return i;
    }
    for (size_t a = 0; a < N; a++)
      memcpy(B + i + a * P, T + a * m, m * sizeof *T);
  }
  return P;
}

/* The leverage test of the one pass (see one_pass) for rows i to
   i + m - 1, whose H_ii are in h.  */
typedef struct leverage {
  const double *h;
  double h1, limit;   /* 1/P with an intercept; the largest H/(1 - H) */
} leverage;

static int leverage_ok(void *ctx, size_t i, size_t m)
{
  const leverage *L = ctx;
  for (size_t k = i; k < i + m; k++) {
    double rest = 1.0 - L->h1 - L->h[k];
    if (!(rest > 0.0 && L->h[k] <= L->limit * rest)) return 0;
  }
  return 1;
}

/* One pass (P > N): from G = A'A = V diag(lam) V' (V over G),
   d = sqrt(lam) descending and U = A V diag(1/d), orthonormal to about
   delta = eps cond(A)^2 (the rounding of G relative to its smallest
   eigenvalue; cond(A)^2 = lam_max/lam_min).  Each H_ii then moves by
   about delta H_ii, and 1 - H_ii (what the leave-one-out divides by) by
   delta H_ii / (1 - H_ii) relative: the pass is kept when delta and
   these stay below ONE_PASS_ERR for every row.  U overwrites A a
   block of rows at a time; when a block fails the test, the rows done
   are refilled from the view and A is as before.  1 when p->U (= A), d
   and VT are filled; 0 when the route needs the second pass; -1 (and
   *st) on a LAPACK or memory failure.  */
static int one_pass(deq_estimate_plan *p, double *A, const view *v,
                    double *G, double *M, deq_status *st)
{
  size_t P = p->P, N = p->N;
  double *lam = malloc(N * sizeof *lam), *h = malloc(P * sizeof *h);
  double *T = deq_scratch_malloc(ROWS * N * sizeof *T);
  int ok = -1;
  if (!lam || !h || !T) {
    *st = DEQ_ENOMEM;
    goto done;
  }
  lapack_int info = eigen_sym(G, (lapack_int)N, lam);
  if (info) {   /* no convergence: the second pass decides */
    ok = info > 0 ? 0 : -1;
    if (ok) *st = lapack_status(info);
    goto done;
  }
  double cond2 = lam[N - 1] / lam[0];
  ok = lam[0] > 0.0 && DBL_EPSILON * cond2 <= ONE_PASS_ERR;
  if (!ok) goto done;
  for (size_t a = 0; a < N; a++) {
    size_t k = N - 1 - a;
    p->d[a] = sqrt(lam[k]);
    for (size_t j = 0; j < N; j++) {
      M[j + a * N] = G[j + k * N] / p->d[a];
      p->VT[j * N + a] = G[j + k * N];   /* VT[j r + a] = V[j][a] */
    }
  }
  leverage L = {h, p->intercept ? 1.0 / (double)P : 0.0,
                ONE_PASS_ERR / (DBL_EPSILON * cond2)};
  size_t done = times_in_place(A, P, N, M, T, h, leverage_ok, &L);
  ok = done == P;
  if (ok) p->U = A;
  else fill_rows(p, A, v, 0, done);
done:
  free(lam);
  free(h);
  free(T);
  return ok;
}

/* Feature route (P > N): a thin SVD of A from G = A'A.  First one pass
   (above) when A is well conditioned; otherwise Cholesky QR twice
   (CholeskyQR2, backward stable): G = R1'R1, Q1 = A R1^-1 (orthonormal
   to about eps cond(A)^2), C = Q1'Q1 = R2'R2, Q = Q1 R2^-1 orthonormal
   to rounding and A = Q R with R = R2 R1, whose SVD R = Ur S Vr' gives
   U = Q1 (R2^-1 Ur).  That needs cond(A)^2 well below 1/eps: R1's
   condition estimate (dpocon) must pass before Q1 is formed, and the
   singular values must span at most 1/FEATURES_TAU in d^2 (as the SVD
   route would find them); otherwise SIZE_MAX and the SVD, on A, which
   this route then leaves as it was.  Fills p->d, p->U (P x r: A itself
   after one pass), p->VT; returns r = N or SIZE_MAX.  */
static size_t route_features(deq_estimate_plan *p, double *A, const view *v,
                             deq_status *st)
{
  size_t P = p->P, N = p->N, r = SIZE_MAX;
  lapack_int n = (lapack_int)N, info;
  /* R1, R2, Ur, VrT in one block (huge pages once N is a few hundred) */
  double *R1 = deq_big_malloc(4 * N * N * sizeof *R1), *Q1 = NULL, *T = NULL;
  p->VT = malloc(N * N * sizeof *p->VT);
  if (!R1 || !p->VT) {
    *st = DEQ_ENOMEM;
    goto done;
  }
  double *R2 = R1 + N * N, *Ur = R2 + N * N, *VrT = Ur + N * N;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)N, (int)P, 1.0, A,
              (int)P, 0.0, R1, (int)N);
  memcpy(R2, R1, N * N * sizeof *R2);
  int one = one_pass(p, A, v, R2, VrT, st);
  if (one) {
    if (one > 0) r = N;
    p->passes = 1;
    goto done;
  }
  p->passes = 2;
  double anorm = LAPACKE_dlansy(LAPACK_COL_MAJOR, '1', 'U', n, R1, n), rcond;
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, R1, n) != 0) goto done;
  /* cond(G) = cond(A)^2: dpocon's estimate is within a modest factor
     (1-norm, a lower bound on |G^-1|), so cond(A)^2 <~ 1e12 N here, well
     inside CholeskyQR2's cond(A)^2 << 1/eps; the singular values are
     checked again below.  */
  if (LAPACKE_dpocon(LAPACK_COL_MAJOR, 'U', n, R1, n, anorm, &rcond) != 0
      || !(rcond >= FEATURES_TAU))
    goto done;
  for (size_t j = 0; j < N; j++)   /* potrf leaves the lower parts */
    for (size_t i = j + 1; i < N; i++) R1[i + j * N] = R2[i + j * N] = 0.0;
  Q1 = deq_big_malloc(P * N * sizeof *Q1);
  T = deq_scratch_malloc(ROWS * N * sizeof *T);
  if (!Q1 || !T) {
    *st = DEQ_ENOMEM;
    goto done;
  }
  memcpy(Q1, A, P * N * sizeof *Q1);
  /* In blocks of rows: one solve over all P rows would pack them into
     OpenBLAS's work buffer at once, first-touching megabytes of it
     (thousands of page faults, as much time as the solve).  */
  for (size_t i = 0; i < P; i += ROWS) {
    size_t m = P - i < ROWS ? P - i : ROWS;
    cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans,
                CblasNonUnit, (int)m, (int)N, 1.0, R1, (int)N, Q1 + i,
                (int)P);
  }
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)N, (int)P, 1.0, Q1,
              (int)P, 0.0, R2, (int)N);
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, R2, n) != 0) goto done;
  /* R = R2 R1 (upper triangular), then its SVD; R1 becomes R.  */
  cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans,
              CblasNonUnit, (int)N, (int)N, 1.0, R2, (int)N, R1, (int)N);
  info = svd_square(R1, n, p->d, Ur, VrT);
  if (info != 0) {
    *st = lapack_status(info);
    goto done;
  }
  if (!(p->d[N - 1] * p->d[N - 1] >= FEATURES_TAU * p->d[0] * p->d[0]))
    goto done;
  /* U = Q1 (R2^-1 Ur), in Q1's place.  */
  cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans,
              CblasNonUnit, (int)N, (int)N, 1.0, R2, (int)N, Ur, (int)N);
  times_in_place(Q1, P, N, Ur, T, NULL, NULL, NULL);
  for (size_t j = 0; j < N; j++)   /* VT[j r + a] = V[j][a] = VrT[a][j] */
    for (size_t a = 0; a < N; a++) p->VT[j * N + a] = VrT[a + j * N];
  p->U = Q1;
  Q1 = NULL;
  r = N;
done:
  free(R1);
  free(Q1);
  free(T);
  return r;
}

/* Gram route (P <= N): G = AA' (P x P) = U diag(d^2) U'; with an
   intercept the centred design has the null vector 1, skipped.  Fills
   p->d, p->U; V is A'U/d, applied through A in predictions.  */
static size_t route_gram(deq_estimate_plan *p, const double *A,
                         deq_status *st)
{
  size_t P = p->P, N = p->N;
  double *G = deq_big_malloc(P * P * sizeof *G);
  double *lam = malloc(P * sizeof *lam);
  size_t r = SIZE_MAX;
  if (!G || !lam) {
    *st = DEQ_ENOMEM;
    goto done;
  }
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)P, (int)N, 1.0,
              A, (int)P, 0.0, G, (int)P);
  r = gram_eigen(G, lam, P, p->intercept ? 1 : 0, N, GRAM_TAU, st);
  if (r == SIZE_MAX || r == 0) goto done;
  p->U = deq_big_malloc(P * r * sizeof *p->U);
  if (!p->U) {
    *st = DEQ_ENOMEM;
    r = SIZE_MAX;
    goto done;
  }
  for (size_t a = 0; a < r; a++) {
    p->d[a] = sqrt(lam[P - 1 - a]);
    memcpy(p->U + a * P, G + (P - 1 - a) * P, P * sizeof *p->U);
  }
done:
  free(G);
  free(lam);
  return r;
}

/* SVD route: one dgesdd of A (destroyed); rank as in mc_ridge.c.  */
static size_t route_svd(deq_estimate_plan *p, double *A, deq_status *st)
{
  size_t P = p->P, N = p->N, k = P < N ? P : N;
  double *Uk = deq_big_malloc(P * k * sizeof *Uk), *VTk = malloc(k * N * sizeof *VTk);
  size_t r = SIZE_MAX;
  if (!Uk || !VTk) {
    *st = DEQ_ENOMEM;
    goto done;
  }
  lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)P,
                                   (lapack_int)N, A, (lapack_int)P, p->d, Uk,
                                   (lapack_int)P, VTk, (lapack_int)k);
  if (info != 0) {
    *st = info < 0 ? DEQ_EINVAL : DEQ_ELAPACK;
    goto done;
  }
  double thr = p->d[0] * (double)(P > N ? P : N) * DBL_EPSILON;
  r = 0;
  while (r < k && p->d[r] > thr) r++;
  size_t rr = r ? r : 1;
  p->U = Uk;   /* keep dgesdd's U: its first r columns */
  Uk = NULL;
  p->VT = malloc(rr * N * sizeof *p->VT);
  if (!p->VT) {
    *st = DEQ_ENOMEM;
    r = SIZE_MAX;
    goto done;
  }
  for (size_t j = 0; j < N; j++)
    for (size_t a = 0; a < r; a++) p->VT[j * r + a] = VTk[j * k + a];
done:
  free(Uk);
  free(VTk);
  return r;
}

deq_status deq_estimate_plan_alloc(deq_estimate_plan **out, size_t P,
                                   size_t N, const double *X, const double *y,
                                   const deq_estimate_opts *opts,
                                   deq_error *err)
{
  return deq_estimate_plan_alloc_route(out, P, N, X, y, opts,
                                       DEQ_ESTIMATE_ROUTE_AUTO, err);
}

deq_status deq_estimate_plan_alloc_route(deq_estimate_plan **out, size_t P,
                                         size_t N, const double *X,
                                         const double *y,
                                         const deq_estimate_opts *opts,
                                         int route, deq_error *err)
{
  return deq_estimate_plan_alloc_strided(out, P, N, X, 1, P, y, 1, opts,
                                         route, err);
}

deq_status deq_estimate_plan_alloc_strided(deq_estimate_plan **out,
                                           size_t P, size_t N,
                                           const double *X, size_t rs,
                                           size_t cs, const double *y,
                                           size_t yinc,
                                           const deq_estimate_opts *opts,
                                           int route, deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  deq_error_clear(err);
  if (!X || !y || rs < 1 || cs < 1 || yinc < 1) return DEQ_EINVAL;
  if (route < DEQ_ESTIMATE_ROUTE_AUTO || route > DEQ_ESTIMATE_ROUTE_SVD)
    return DEQ_EINVAL;
  if (N < 1) return bad_input(err, 0, 0, "no feature columns");
  if (P < 3) return bad_input(err, 0, 0, "fewer than 3 rows (samples)");
  if (P > (size_t)INT32_MAX || N > (size_t)INT32_MAX || P > SIZE_MAX / N / 8)
    return bad_input(err, 0, 0, "design matrix too large");
  for (size_t i = 0; i < P; i++)
    if (!isfinite(y[i * yinc])) {
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
  double *A = deq_big_malloc(P * N * sizeof *A);
  p->mean = malloc(N * sizeof *p->mean);
  p->scale = malloc(N * sizeof *p->scale);
  p->yc = malloc(P * sizeof *p->yc);
  p->d = malloc(k * sizeof *p->d);
  p->lev0 = malloc(P * sizeof *p->lev0);
  deq_status st = DEQ_OK;
  if (!A || !p->mean || !p->scale || !p->yc || !p->d || !p->lev0) {
    st = DEQ_ENOMEM;
    goto done;
  }
  view v = {X, rs, cs};
  st = prepare_columns(p, A, &v, opts && opts->standardize, err);
  if (st) goto done;
  double ymax = 0.0, ysum = 0.0;
  for (size_t i = 0; i < P; i++) ymax = fmax(ymax, fabs(y[i * yinc]));
  double y2 = pow2_above(ymax);
  for (size_t i = 0; i < P; i++) ysum += y[i * yinc] / y2;
  p->ybar = p->intercept ? ysum / (double)P * y2 : 0.0;
  for (size_t i = 0; i < P; i++) p->yc[i] = y[i * yinc] - p->ybar;
  double ys = 0.0;
  for (size_t i = 0; i < P; i++) ys = fmax(ys, fabs(p->yc[i]));
  p->ys = pow2_above(ys);
  for (size_t i = 0; i < P; i++) p->yc[i] /= p->ys;

  /* Auto: the N x N feature Gram when P > N (as scikit-learn's RidgeCV
     picks its covariance route), else the P x P Gram; either falls back
     to the SVD when the eigenvalues span more than 1/GRAM_TAU.  */
  if (route == DEQ_ESTIMATE_ROUTE_AUTO)
    route = P > N ? DEQ_ESTIMATE_ROUTE_FEATURES : DEQ_ESTIMATE_ROUTE_GRAM;
  /* A Gram route needs the full rank it can resolve: N <= P - 1 for the
     features, N >= P - 1 (with an intercept; N >= P without) for AA'.  */
  size_t R0 = P - (size_t)p->intercept;
  if ((route == DEQ_ESTIMATE_ROUTE_FEATURES && N > R0) ||
      (route == DEQ_ESTIMATE_ROUTE_GRAM && N < R0))
    route = DEQ_ESTIMATE_ROUTE_SVD;
  size_t r = SIZE_MAX;
  if (route == DEQ_ESTIMATE_ROUTE_FEATURES)
    r = route_features(p, A, &v, &st);
  else if (route == DEQ_ESTIMATE_ROUTE_GRAM) {
    r = route_gram(p, A, &st);
    if (r != SIZE_MAX && r > 0) {
      p->A = A;   /* V diag(d) = A'U for predictions */
      A = NULL;
    }
  }
  if (st) goto done;
  if (r == SIZE_MAX || r == 0) {
    /* Ill-conditioned for a Gram route (or a zero design): the SVD.  */
    free(p->U);
    free(p->VT);
    p->U = p->VT = NULL;
    route = DEQ_ESTIMATE_ROUTE_SVD;
    p->passes = 0;
    r = route_svd(p, A, &st);
    if (st) goto done;
  }
  p->route = route;
  p->r = r;
  if (p->U == A) A = NULL;   /* the one pass wrote U over A */
  p->full = r + (size_t)p->intercept == P;
  size_t rr = r ? r : 1;
  if (!p->U) p->U = deq_big_malloc(P * rr * sizeof *p->U);
  p->c = malloc(rr * sizeof *p->c);
  if (!p->U || !p->c) {
    st = DEQ_ENOMEM;
    goto done;
  }
  if (r) cblas_dgemv(CblasColMajor, CblasTrans, (int)P, (int)r, 1.0, p->U,
                     (int)P, p->yc, 1, 0.0, p->c, 1);
  /* 1 - H_ii at t = 0: the leverage left to the complement of span U.  */
  double h1 = p->intercept ? 1.0 / (double)P : 0.0;
  for (size_t i = 0; i < P; i++) p->lev0[i] = 1.0 - h1;
  for (size_t a = 0; a < r; a++)
    for (size_t i = 0; i < P; i++)
      p->lev0[i] -= p->U[a * P + i] * p->U[a * P + i];
  for (size_t i = 0; i < P; i++) p->lev0[i] = fmax(0.0, p->lev0[i]);
done:
  free(A);
  if (st) {
    deq_estimate_plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

int deq_estimate_route(const deq_estimate_plan *plan)
{
  return plan ? plan->route : DEQ_ESTIMATE_ROUTE_AUTO;
}

int deq_estimate_feature_passes(const deq_estimate_plan *plan)
{
  return plan ? plan->passes : 0;
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
  /* w = V diag(d/(d^2+t)) c in standardised units, then raw units; on
     the Gram route V diag(d) = A'U, so w = A' U (c/(d^2+t)).  */
  if (p->VT) {
    for (size_t a = 0; a < r; a++)
      g[a] = p->d[a] / (p->d[a] * p->d[a] + t) * p->c[a];
    if (r) cblas_dgemv(CblasColMajor, CblasTrans, (int)r, (int)N, 1.0, p->VT,
                       (int)r, g, 1, 0.0, w, 1);
  } else if (r) {
    double *u = malloc(p->P * sizeof *u);
    if (!u) {
      free(w);
      return DEQ_ENOMEM;
    }
    for (size_t a = 0; a < r; a++)
      g[a] = p->c[a] / (p->d[a] * p->d[a] + t);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)p->P, (int)r, 1.0, p->U,
                (int)p->P, g, 1, 0.0, u, 1);
    cblas_dgemv(CblasColMajor, CblasTrans, (int)p->P, (int)N, 1.0, p->A,
                (int)p->P, u, 1, 0.0, w, 1);   /* A' u */
    free(u);
  }
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

/* Lambdas evaluated together: their O(P r) products become two dgemm
   calls of width BLOCK instead of 3 BLOCK matrix-vector products that
   each stream U from memory.  */
#define BLOCK 32

/* The coefficients of one lambda for the two products E = U ca and
   HV = U2 cb (r each; U2 = U .* U).  Full rank: ca = c/(d^2+t), cb =
   1/(d^2+t), so that e = t E and 1 - H_ii = t HV, and t cancels from
   e_i/(1 - H_ii).  Deficient: ca = d^2/(d^2+t) c, cb = t/(d^2+t), with
   e = yc - E and 1 - H_ii = lev0 + HV.  */
static void point_coefficients(double *ca, double *cb,
                               const deq_estimate_plan *p, double t)
{
  for (size_t a = 0; a < p->r; a++) {
    double d2 = p->d[a] * p->d[a], den = d2 + t;
    ca[a] = p->full ? p->c[a] / den : d2 / den * p->c[a];
    cb[a] = p->full ? 1.0 / den : t / den;
  }
}

/* One lambda's sums over the rows, added a block of rows at a time in
   row order (the same sums as over all rows at once).  */
typedef struct row_sums {
  double rss, loo;
  int loo_inf;   /* some 1 - H_ii at rounding level */
} row_sums;

static void add_rows(row_sums *z, const deq_estimate_plan *p, double t,
                     const double *E, const double *HV, size_t m)
{
  double Pd = (double)p->P;
  if (p->full) {
    /* e_i / (1 - H_ii) = [U (c/(d^2+t))]_i / [U2 (1/(d^2+t))]_i */
    for (size_t i = 0; i < m; i++) {
      double e = t * E[i], q = E[i] / HV[i];
      z->rss += e * e;
      z->loo += q * q;
    }
    return;
  }
  for (size_t i = 0; i < m; i++) z->rss += E[i] * E[i];
  for (size_t i = 0; i < m && !z->loo_inf; i++) {
    double h = HV[i];
    /* 1 - H_ii at rounding level: point i is interpolated exactly.  */
    if (!(h > 16.0 * Pd * DBL_EPSILON)) {
      z->loo_inf = 1;
      break;
    }
    double q = E[i] / h;
    z->loo += q * q;
  }
}

/* One row of the output from its row sums.  */
static deq_status one_point(deq_estimate_point *pt,
                            const deq_estimate_plan *p, const kspec *K,
                            double lambda, const row_sums *z)
{
  size_t P = p->P, r = p->r;
  double Pd = (double)P, t = scaled_t(p, lambda);
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
  pt->train = z->rss / Pd;
  if (p->full) {
    /* t cancels: (1/P) |y - yhat|^2 / (1 - df/P)^2 = P gnum / gden^2 */
    pt->gcv = Pd * gnum / (gden * gden);
  } else {
    double one_minus = s / Pd;
    pt->gcv = pt->train / (one_minus * one_minus);
  }
  pt->loo = z->loo_inf ? INFINITY : z->loo / Pd;
  if (z->loo_inf) pt->status = DEQ_EDIVERGE;
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

/* Scratch of execute: the coefficients CA, CB (r x nb each) and, for a
   block of m rows, U2 (m x r), E and HV (m x nb).  m is what fits in one
   huge page (2 MiB: one page fault, and it stays in cache), at least 8
   rows.  */
typedef struct scratch {
  double *CA, *CB, *U2, *E, *HV;
  size_t m;
} scratch;

static double *scratch_alloc(scratch *w, const deq_estimate_plan *p,
                             size_t nb)
{
  size_t r = p->r ? p->r : 1, page = (size_t)2 << 20;   /* one huge page */
  size_t fixed = 2 * r * nb, per_row = r + 2 * nb;
  size_t m = page / sizeof(double) > fixed
             ? (page / sizeof(double) - fixed) / per_row : 0;
  m = m < 8 ? 8 : m > p->P ? p->P : m;
  size_t bytes = (fixed + m * per_row) * sizeof(double);
  double *base = deq_scratch_malloc(bytes);
  if (!base) return NULL;
  w->CA = base;
  w->CB = w->CA + r * nb;
  w->U2 = w->CB + r * nb;
  w->E = w->U2 + m * r;
  w->HV = w->E + m * nb;
  w->m = m;
  return base;
}

/* The row sums z[0..nb) of nb lambdas: E = U CA and HV = U2 CB (P x nb)
   a block of rows at a time, U2's rows squared on the way.  */
static void block_sums(row_sums *z, scratch *w, const deq_estimate_plan *p,
                       size_t nb, const double *lambda)
{
  size_t P = p->P, r = p->r;
  for (size_t j = 0; j < nb; j++) {
    point_coefficients(w->CA + j * r, w->CB + j * r, p, scaled_t(p, lambda[j]));
    z[j] = (row_sums){0.0, 0.0, 0};
  }
  double beta = p->full ? 0.0 : 1.0, sign = p->full ? 1.0 : -1.0;
  for (size_t i0 = 0; i0 < P; i0 += w->m) {
    size_t m = P - i0 < w->m ? P - i0 : w->m;
    if (!p->full)
      for (size_t j = 0; j < nb; j++) {
        memcpy(w->E + j * m, p->yc + i0, m * sizeof *w->E);
        memcpy(w->HV + j * m, p->lev0 + i0, m * sizeof *w->HV);
      }
    if (r) {
      for (size_t a = 0; a < r; a++)
        for (size_t k = 0; k < m; k++) {
          double u = p->U[i0 + k + a * P];
          w->U2[k + a * m] = u * u;
        }
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)nb,
                  (int)r, sign, p->U + i0, (int)P, w->CA, (int)r, beta, w->E,
                  (int)m);
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)nb,
                  (int)r, 1.0, w->U2, (int)m, w->CB, (int)r, beta, w->HV,
                  (int)m);
    }   /* r = 0 only when deficient (P >= 3): E = yc, HV = lev0 */
    for (size_t j = 0; j < nb; j++)
      add_rows(&z[j], p, scaled_t(p, lambda[j]), w->E + j * m, w->HV + j * m,
               m);
  }
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
  size_t nb_max = nlambda < BLOCK ? (nlambda ? nlambda : 1) : BLOCK;
  scratch w;
  row_sums z[BLOCK];
  double *base = scratch_alloc(&w, p, nb_max);
  if (!base) {
    deq_spectrum_free(ks.scaled);
    return DEQ_ENOMEM;
  }
  deq_status worst = DEQ_OK;
  for (size_t l0 = 0; l0 < nlambda; l0 += nb_max) {
    size_t nb = nlambda - l0 < nb_max ? nlambda - l0 : nb_max;
    block_sums(z, &w, p, nb, lambda + l0);
    for (size_t j = 0; j < nb; j++)
      worst = deq_grid_status(worst, one_point(&out[l0 + j], p, &ks,
                                               lambda[l0 + j], &z[j]));
  }
  free(base);
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
