/* lib/ensemble_views.c -- linear-views (feature-subsampled) ridge
 * ensembles: plans (subsets resolved against a diagonal or dense Sigma)
 * and the general formula of spec 4.0 (deq/ensemble_views.h).
 *
 * Per member the kappa and gamma_rr come from the ridge module run on
 * Sigma_r's spectrum, so that K = 1 with the full subset is ridge itself.
 * The bias terms are written in the complements e_r = 1 - s a_r =
 * (eta_r^2 + kappa_r) a_r, a_r = 1/(s + eta_r^2 + kappa_r), which are all
 * non-negative: no cancellation when the target is almost learned.  */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "deq/ridge.h"
#include "deq/spectrum_rule.h"
#include "ensemble_views_impl.h"
#include "rng_impl.h"
#include "spectrum_rule_impl.h"
#include "sum_impl.h"

/* ------------------------------------------------------------ subsets */

/* Uniform integer in [0, k) without modulo bias.  */
static uint64_t uniform_below(deq_rng *rng, uint64_t k)
{
  uint64_t limit = UINT64_MAX - UINT64_MAX % k, x;
  do x = deq_rng_u64(rng); while (x >= limit);
  return x % k;
}

static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* The first n entries of a uniformly random permutation of 0..N-1.  */
static deq_status partial_shuffle(size_t *out, size_t N, size_t n,
                                  uint64_t seed)
{
  size_t *perm = malloc(N * sizeof *perm);
  if (!perm) return DEQ_ENOMEM;
  for (size_t j = 0; j < N; j++) perm[j] = j;
  deq_rng rng;
  deq_rng_seed(&rng, seed, 0);
  for (size_t j = 0; j < n; j++) {
    size_t k = j + (size_t)uniform_below(&rng, (uint64_t)(N - j));
    size_t t = perm[j];
    perm[j] = perm[k];
    perm[k] = t;
  }
  memcpy(out, perm, n * sizeof *out);
  free(perm);
  return DEQ_OK;
}

deq_status deq_views_random_subset(size_t *idx, size_t N, size_t n,
                                   uint64_t seed)
{
  if (!idx) return DEQ_EINVAL;
  if (n < 1 || n > N) return DEQ_EDOM;
  deq_status st = partial_shuffle(idx, N, n, seed);
  if (st == DEQ_OK) qsort(idx, n, sizeof *idx, cmp_size);
  return st;
}

deq_status deq_views_disjoint(size_t *idx, size_t N, size_t K, size_t n,
                              uint64_t seed)
{
  if (!idx) return DEQ_EINVAL;
  if (K < 1 || n < 1 || n > N / K) return DEQ_EDOM;
  deq_status st = partial_shuffle(idx, N, K * n, seed);
  for (size_t r = 0; st == DEQ_OK && r < K; r++)
    qsort(idx + r * n, n, sizeof *idx, cmp_size);
  return st;
}

/* ------------------------------------------------------------ plans */

static void member_name(char *buf, size_t len, const deq_views_member *m,
                        size_t r)
{
  if (m->label) snprintf(buf, len, "%s", m->label);
  else snprintf(buf, len, "member %zu", r + 1);
}

static deq_status fail(deq_error *err, deq_status st,
                       const deq_views_member *m, size_t r, const char *field,
                       const char *fmt, double a, double b)
{
  if (err) {
    char who[128], what[160];
    member_name(who, sizeof who, m, r);
    snprintf(what, sizeof what, fmt, a, b);
    /* the member's label first; a long label truncates the message */
    int used = snprintf(err->message, sizeof err->message, "%s: %s: ", who,
                        field);
    if (used > 0 && (size_t)used < sizeof err->message)
      snprintf(err->message + used, sizeof err->message - (size_t)used, "%s",
               what);
  }
  return st;
}

void deq_views_plan_free(deq_views_plan *p)
{
  if (!p) return;
  for (size_t r = 0; r < p->K; r++) {
    if (p->idx) free(p->idx[r]);
    if (p->msp) deq_spectrum_free(p->msp[r]);
    if (p->d) free(p->d[r]);
    if (p->beta) free(p->beta[r]);
  }
  for (size_t k = 0; p->M && k < p->K * p->K; k++) free(p->M[k]);
  for (size_t k = 0; p->rule && k < p->K * p->K; k++)
    deq_weighted_rule_free(p->rule[k]);
  if (p->rules_allowed) pthread_mutex_destroy(&p->rules_lock);
  free(p->rule);
  free(p->b0);
  free(p->idx);
  free(p->n);
  free(p->msp);
  free(p->d);
  free(p->beta);
  free(p->M);
  free(p->eta);
  free(p->lambda);
  free(p->s);
  free(p->m);
  free(p->u);
  free(p->c);
  free(p->cc);
  free(p->sigma);
  free(p->wbar);
  free(p);
}

size_t deq_views_plan_members(const deq_views_plan *p) { return p ? p->K : 0; }
size_t deq_views_plan_dim(const deq_views_plan *p) { return p ? p->N : 0; }

const size_t *deq_views_plan_subset(const deq_views_plan *p, size_t r,
                                    size_t *n)
{
  if (!p || r >= p->K) return NULL;
  if (n) *n = p->n[r];
  return p->idx[r];
}

/* The common part of both plans: K members' subsets, eta and lambda
   checked and resolved against dimension N.  */
static deq_status plan_members(deq_views_plan **out, size_t N,
                               const deq_views *v, deq_error *err)
{
  if (err) deq_error_clear(err);
  if (!v || !v->member || v->K < 1) {
    if (err) snprintf(err->message, sizeof err->message,
                      "an ensemble needs at least one member (K >= 1)");
    return DEQ_EINVAL;
  }
  deq_views_plan *p = calloc(1, sizeof *p);
  if (!p) return DEQ_ENOMEM;
  size_t K = v->K;
  p->K = K;
  p->N = N;
  p->idx = calloc(K, sizeof *p->idx);
  p->n = calloc(K, sizeof *p->n);
  p->msp = calloc(K, sizeof *p->msp);
  p->eta = calloc(K, sizeof *p->eta);
  p->lambda = calloc(K, sizeof *p->lambda);
  if (!p->idx || !p->n || !p->msp || !p->eta || !p->lambda) {
    deq_views_plan_free(p);
    return DEQ_ENOMEM;
  }
  *out = p;
  for (size_t r = 0; r < K; r++) {
    const deq_views_member *m = &v->member[r];
    if (!(m->eta >= 0) || isinf(m->eta))
      return fail(err, DEQ_EDOM, m, r, "eta", "must be finite and >= 0 (got "
                  "%g)", m->eta, 0);
    if (!(isnan(m->lambda) || (m->lambda >= 0 && isfinite(m->lambda))))
      return fail(err, DEQ_EDOM, m, r, "lambda", "must be finite and >= 0 "
                  "(got %g)", m->lambda, 0);
    p->eta[r] = m->eta;
    p->lambda[r] = m->lambda;
    size_t n = m->n;
    if (!m->idx) {
      if (!(m->fraction > 0 && m->fraction <= 1))
        return fail(err, DEQ_EDOM, m, r, "fraction", "must be in (0, 1] (got "
                    "%g)", m->fraction, 0);
      n = (size_t)nearbyint(m->fraction * (double)N);
      if (n < 1)
        return fail(err, DEQ_EDOM, m, r, "fraction", "%g of N = %g "
                    "coordinates is an empty subset", m->fraction, (double)N);
    }
    if (n < 1)
      return fail(err, DEQ_EDOM, m, r, "subset", "is empty", 0, 0);
    if (!(p->idx[r] = malloc(n * sizeof **p->idx))) return DEQ_ENOMEM;
    p->n[r] = n;
    if (!m->idx) {
      deq_status st = deq_views_random_subset(p->idx[r], N, n, m->seed);
      if (st) return st;
      continue;
    }
    memcpy(p->idx[r], m->idx, n * sizeof *m->idx);
    qsort(p->idx[r], n, sizeof **p->idx, cmp_size);
    if (p->idx[r][n - 1] >= N)
      return fail(err, DEQ_EDOM, m, r, "subset", "index %.0f is beyond "
                  "N = %.0f", (double)p->idx[r][n - 1] + 1, (double)N);
    for (size_t j = 1; j < n; j++)
      if (p->idx[r][j] == p->idx[r][j - 1])
        return fail(err, DEQ_EDOM, m, r, "subset", "index %.0f is repeated",
                    (double)p->idx[r][j] + 1, 0);
  }
  return DEQ_OK;
}

/* Member r's spectrum: eigenvalues ev[j] + eta_r^2 with counts cnt[j]
   (cnt NULL: 1), the count-0 ones left out, target 0.  */
static deq_status member_spectrum(deq_views_plan *p, size_t r,
                                  const double *ev, const double *cnt,
                                  size_t n, deq_error *err,
                                  const deq_views *v)
{
  double *s = malloc((n ? n : 1) * sizeof *s), *m = malloc((n ? n : 1) * sizeof *m);
  size_t k = 0;
  if (!s || !m) {
    free(s);
    free(m);
    return DEQ_ENOMEM;
  }
  for (size_t j = 0; j < n; j++) {
    if (cnt && cnt[j] == 0) continue;
    s[k] = fmax(ev[j], 0.0) + p->eta[r] * p->eta[r];
    m[k++] = cnt ? cnt[j] : 1;
  }
  deq_status st = deq_spectrum_from_arrays(&p->msp[r], k, s, m, NULL, NULL);
  free(s);
  free(m);
  if (st == DEQ_EDOM)
    return fail(err, DEQ_EDOM, &v->member[r], r, "subset", "Sigma_r is zero "
                "(every coordinate has variance 0 and eta = 0)", 0, 0);
  return st;
}

deq_status deq_views_plan_diag(deq_views_plan **out, const deq_spectrum *sp,
                               const deq_views *views, deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (!sp) return DEQ_EINVAL;
  if (!sp->exact || !(sp->dim <= 1e15)) {
    if (err) snprintf(err->message, sizeof err->message, "coordinate subsets "
                      "need a finite spectrum with integer multiplicities");
    return DEQ_EUNSUP;
  }
  deq_views_plan *p = NULL;
  size_t N = (size_t)sp->dim, na = sp->n, K = views ? views->K : 0;
  deq_status st = plan_members(&p, N, views, err);
  if (st) {
    deq_views_plan_free(p);
    return st;
  }
  p->na = na;
  p->signal = sp->signal;
  p->s = malloc(na * sizeof *p->s);
  p->m = malloc(na * sizeof *p->m);
  p->u = malloc(na * sizeof *p->u);
  p->c = calloc(K * na, sizeof *p->c);
  p->cc = K > 1 ? calloc(K * K * na, sizeof *p->cc) : NULL;
  size_t *start = malloc((na + 1) * sizeof *start);
  if (!p->s || !p->m || !p->u || !p->c || (K > 1 && !p->cc) || !start) {
    free(start);
    deq_views_plan_free(p);
    return DEQ_ENOMEM;
  }
  start[0] = 0;
  for (size_t i = 0; i < na; i++) {
    p->s[i] = sp->s[i];
    p->m[i] = sp->m[i];
    p->u[i] = sp->v[i] / sp->m[i];
    start[i + 1] = start[i] + (size_t)sp->m[i];
  }
  /* Each coordinate's atom: walk the sorted subsets alongside start[].  */
  for (size_t r = 0; r < K; r++)
    for (size_t j = 0, i = 0; j < p->n[r]; j++) {
      while (p->idx[r][j] >= start[i + 1]) i++;
      p->c[r * na + i]++;
    }
  for (size_t r = 0; r < K; r++)
    for (size_t q = r + 1; q < K; q++) {
      const size_t *a = p->idx[r], *b = p->idx[q];
      size_t ja = 0, jb = 0, i = 0;
      while (ja < p->n[r] && jb < p->n[q]) {
        if (a[ja] < b[jb]) ja++;
        else if (b[jb] < a[ja]) jb++;
        else {
          while (a[ja] >= start[i + 1]) i++;
          p->cc[(r * K + q) * na + i]++;
          p->cc[(q * K + r) * na + i]++;
          ja++;
          jb++;
        }
      }
    }
  free(start);
  /* Exact sums forced for Sigma (--exact) hold for the members too.  */
  int exact = deq_spectrum_exact_sums(sp);
  for (size_t r = 0; r < K && st == DEQ_OK; r++) {
    st = member_spectrum(p, r, p->s, p->c + r * na, na, err, views);
    if (st == DEQ_OK && exact)
      st = deq_spectrum_set_exact_sums(p->msp[r], 1);
  }
  if (st == DEQ_OK && deq_spectrum_rule_allowed(sp)) {
    if (pthread_mutex_init(&p->rules_lock, NULL)) st = DEQ_ENOMEM;
    else p->rules_allowed = 1;
  }
  if (st) {
    deq_views_plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

/* Sigma[rows S, cols T] into out (|S| x |T|, column-major).  */
static void submatrix(double *out, const double *sigma, size_t N,
                      const size_t *S, size_t nS, const size_t *T, size_t nT)
{
  for (size_t b = 0; b < nT; b++)
    for (size_t a = 0; a < nS; a++)
      out[b * nS + a] = sigma[T[b] * N + S[a]];
}

/* Member r: eigen-decomposition of Sigma[S_r, S_r] into p->d[r] and the
   eigenvectors Q (n x n, returned), beta_r = Q' (Sigma wbar)[S_r].  */
static deq_status dense_member(double **Q, deq_views_plan *p, size_t r,
                               const double *sw)
{
  size_t n = p->n[r];
  double *q = malloc(n * n * sizeof *q);
  p->d[r] = malloc(n * sizeof **p->d);
  p->beta[r] = malloc(n * sizeof **p->beta);
  double *b = malloc(n * sizeof *b);
  if (!q || !p->d[r] || !p->beta[r] || !b) {
    free(q);
    free(b);
    return DEQ_ENOMEM;
  }
  submatrix(q, p->sigma, p->N, p->idx[r], n, p->idx[r], n);
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n,
                                   q, (lapack_int)n, p->d[r]);
  for (size_t j = 0; j < n; j++) {
    b[j] = sw[p->idx[r][j]];
    p->d[r][j] = fmax(p->d[r][j], 0.0);
  }
  if (info == 0)
    cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)n, 1.0, q, (int)n, b,
                1, 0.0, p->beta[r], 1);
  free(b);
  *Q = q;
  return info == 0 ? DEQ_OK : DEQ_ELAPACK;
}

/* Pair r < r': M = Q_r' Sigma[S_r, S_r'] Q_r'.  */
static deq_status dense_pair(deq_views_plan *p, size_t r, size_t q,
                             double *const *Q)
{
  size_t nr = p->n[r], nq = p->n[q];
  double *c = malloc(nr * nq * sizeof *c), *t = malloc(nr * nq * sizeof *t);
  double *M = malloc(nr * nq * sizeof *M);
  if (!c || !t || !M) {
    free(c);
    free(t);
    free(M);
    return DEQ_ENOMEM;
  }
  submatrix(c, p->sigma, p->N, p->idx[r], nr, p->idx[q], nq);
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nr, (int)nq,
              (int)nr, 1.0, Q[r], (int)nr, c, (int)nr, 0.0, t, (int)nr);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)nr, (int)nq,
              (int)nq, 1.0, t, (int)nr, Q[q], (int)nq, 0.0, M, (int)nr);
  p->M[r * p->K + q] = M;
  free(c);
  free(t);
  return DEQ_OK;
}

deq_status deq_views_plan_dense(deq_views_plan **out, const double *sigma,
                                const double *wbar, size_t N,
                                const deq_views *views, deq_error *err)
{
  if (!out) return DEQ_EINVAL;
  *out = NULL;
  if (!sigma || !wbar || N < 1 || N > (1u << 20)) return DEQ_EINVAL;
  for (size_t j = 0; j < N * N; j++)
    if (!isfinite(sigma[j]) || sigma[j] != sigma[(j % N) * N + j / N]) {
      if (err) snprintf(err->message, sizeof err->message, "Sigma must be "
                        "finite and symmetric (entry %zu,%zu)", j % N + 1,
                        j / N + 1);
      return DEQ_EDOM;
    }
  deq_views_plan *p = NULL;
  deq_status st = plan_members(&p, N, views, err);
  if (st) {
    deq_views_plan_free(p);
    return st;
  }
  size_t K = p->K;
  p->dense = 1;
  p->sigma = malloc(N * N * sizeof *p->sigma);
  p->wbar = malloc(N * sizeof *p->wbar);
  double *sw = malloc(N * sizeof *sw);
  double **Q = calloc(K, sizeof *Q);
  p->d = calloc(K, sizeof *p->d);
  p->beta = calloc(K, sizeof *p->beta);
  p->M = calloc(K * K, sizeof *p->M);
  st = p->sigma && p->wbar && sw && Q && p->d && p->beta && p->M
       ? DEQ_OK : DEQ_ENOMEM;
  if (st == DEQ_OK) {
    memcpy(p->sigma, sigma, N * N * sizeof *sigma);
    memcpy(p->wbar, wbar, N * sizeof *wbar);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)N, (int)N, 1.0, sigma,
                (int)N, wbar, 1, 0.0, sw, 1);
    p->signal = cblas_ddot((int)N, wbar, 1, sw, 1);
  }
  for (size_t r = 0; r < K && st == DEQ_OK; r++) {
    st = dense_member(&Q[r], p, r, sw);
    if (st == DEQ_OK)
      st = member_spectrum(p, r, p->d[r], NULL, p->n[r], err, views);
  }
  for (size_t r = 0; r < K && st == DEQ_OK; r++)
    for (size_t q = r + 1; q < K && st == DEQ_OK; q++)
      st = dense_pair(p, r, q, Q);
  for (size_t r = 0; Q && r < K; r++) free(Q[r]);
  free(Q);
  free(sw);
  if (st) {
    deq_views_plan_free(p);
    return st;
  }
  *out = p;
  return DEQ_OK;
}

/* ------------------------------------------------------------ solve */

/* 1/(s + eta^2 + kappa), and 0 for a zero eigenvalue at kappa = 0 (the
   minimum-norm fit leaves that direction alone).  */
static double inv_shift(double s, double eta2, double kappa)
{
  double den = s + eta2 + kappa;
  return den > 0 ? 1 / den : 0;
}

/* 1 - s a = (eta^2 + kappa) a, and 1 where a = 0.  */
static double complement(double s, double eta2, double kappa)
{
  double den = s + eta2 + kappa;
  return den > 0 ? (eta2 + kappa) / den : 1;
}

/* ------------------------------------------------------------ pair rules

   On a large diagonal Sigma every pair sum is compressed.  For r != q,
     P gamma = sum cc s^2 a_r a_q,
     B = b0 + sum u cc x_r x_q + sum u (c_r - cc) x_r + sum u (c_q - cc) x_q,
     b0 = sum u (m - c_r - c_q + cc),
   and for r = q, B = b0 + sum u c_r (x_r^2 + s eta_r^2 a_r^2), b0 = sum
   u (m - c_r), with a = 1/(s + eta^2 + kappa), x = (eta^2 + kappa) a.
   Each sum is a non-negative measure on Sigma's eigenvalues (the weights
   in front) times s^p / prod (s + kappa_j), p <= 2, at most 2 factors,
   every kappa_j = eta^2 + kappa >= 0: the class of deq/spectrum_rule.h,
   so each measure's per-bin Gauss rule has relative error <= 8.1e-16 for
   every kappa, and so has B, a sum of non-negative terms.  The rules
   (one per pair, four measures; one for r = q) depend on the plan only
   and are built by the first solve.  */

static deq_status pair_rule(deq_views_plan *p, size_t r, size_t q,
                            double *w)
{
  size_t na = p->na, K = p->K;
  const double *cr = p->c + r * na, *cq = p->c + q * na;
  const double *cc = r == q ? cr : p->cc + (r * K + q) * na;
  double *w0 = w, *w1 = w + na, *w2 = w + 2 * na, *w3 = w + 3 * na;
  deq_sum b0;
  deq_sum_init(&b0);
  for (size_t i = 0; i < na; i++) {
    double u = p->u[i];
    if (r == q) {
      w0[i] = u * cr[i];
      deq_sum_add(&b0, u * (p->m[i] - cr[i]));
      continue;
    }
    w0[i] = cc[i];
    w1[i] = u * cc[i];
    w2[i] = u * (cr[i] - cc[i]);
    w3[i] = u * (cq[i] - cc[i]);
    deq_sum_add(&b0, u * (p->m[i] - cr[i] - cq[i] + cc[i]));
  }
  const double *wk[4] = { w0, w1, w2, w3 };
  p->b0[r * K + q] = deq_sum_get(&b0);
  return deq_weighted_rule_build(&p->rule[r * K + q], na, p->s, wk,
                                 r == q ? 1 : 4, DEQ_RULE_NODES);
}

/* Build the plan's pair rules once (a cache: the plan is otherwise
   read-only, so concurrent solves wait for the first).  Without memory
   the sums stay exact.  */
static void pair_rules(const deq_views_plan *cp)
{
  deq_views_plan *p = (deq_views_plan *)cp;
  if (!p->rules_allowed
      || __atomic_load_n(&p->rules_built, __ATOMIC_ACQUIRE))
    return;
  pthread_mutex_lock(&p->rules_lock);
  if (!p->rules_built) {
    size_t K = p->K;
    double *w = malloc(4 * p->na * sizeof *w);
    p->rule = calloc(K * K, sizeof *p->rule);
    p->b0 = calloc(K * K, sizeof *p->b0);
    deq_status st = w && p->rule && p->b0 ? DEQ_OK : DEQ_ENOMEM;
    for (size_t r = 0; r < K && st == DEQ_OK; r++)
      for (size_t q = r; q < K && st == DEQ_OK; q++)
        st = pair_rule(p, r, q, w);
    free(w);
    if (st != DEQ_OK && p->rule) {
      for (size_t k = 0; k < K * K; k++) deq_weighted_rule_free(p->rule[k]);
      free(p->rule);
      p->rule = NULL;
    }
    __atomic_store_n(&p->rules_built, 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&p->rules_lock);
}

/* Diagonal Sigma: gamma and B of pair (r, q) on its rule R (see above).  */
static void rule_pair(double *gamma, double *B, const deq_views_plan *p,
                      const deq_weighted_rule *R, const double *kappa,
                      size_t r, size_t q, double P)
{
  double er = p->eta[r] * p->eta[r], eq = p->eta[q] * p->eta[q];
  deq_sum g, b;
  deq_sum_init(&g);
  deq_sum_init(&b);
  deq_sum_add(&b, p->b0[r * p->K + q]);
  for (size_t j = 0; j < R->n; j++) {
    double s = R->s[j];
    double ar = inv_shift(s, er, kappa[r]), xr = complement(s, er, kappa[r]);
    if (r == q) {
      deq_sum_add(&b, R->w[0][j] * (xr * xr + s * er * ar * ar));
      continue;
    }
    double aq = inv_shift(s, eq, kappa[q]), xq = complement(s, eq, kappa[q]);
    deq_sum_add(&g, R->w[0][j] * (s * ar) * (s * aq));
    deq_sum_add(&b, R->w[1][j] * xr * xq + R->w[2][j] * xr
                    + R->w[3][j] * xq);
  }
  *gamma = r == q ? 0 : deq_sum_get(&g) / P;
  *B = deq_sum_get(&b);
}

/* Diagonal Sigma: gamma and B of pair (r, q), r != q, or B of r = q.  */
static void diag_pair(double *gamma, double *B, const deq_views_plan *p,
                      const double *kappa, size_t r, size_t q, double P)
{
  size_t na = p->na, K = p->K;
  const deq_weighted_rule *R = p->rule ? p->rule[r <= q ? r * K + q
                                                        : q * K + r] : NULL;
  if (R) {
    rule_pair(gamma, B, p, R, kappa, r <= q ? r : q, r <= q ? q : r, P);
    return;
  }
  double er = p->eta[r] * p->eta[r], eq = p->eta[q] * p->eta[q];
  const double *cr = p->c + r * na, *cq = p->c + q * na;
  const double *cc = r == q ? cr : p->cc + (r * K + q) * na;
  /* Blocks of plain sums fed to compensated totals (exact sums over a
     large spectrum stay within rounding of the rule's); a small spectrum
     is one block, which is its plain sum bit for bit.  */
  size_t block = na < DEQ_RULE_MIN_ATOMS ? na : DEQ_SUM_BLOCK;
  deq_sum gt, bt;
  deq_sum_init(&gt);
  deq_sum_init(&bt);
  for (size_t i0 = 0; i0 < na; i0 += block) {
    size_t i1 = i0 + block < na ? i0 + block : na;
    double g = 0, b = 0;
    for (size_t i = i0; i < i1; i++) {
      double s = p->s[i], u = p->u[i];
      double ar = inv_shift(s, er, kappa[r]), aq = inv_shift(s, eq, kappa[q]);
      double xr = complement(s, er, kappa[r]), xq = complement(s, eq, kappa[q]);
      if (r == q) {
        /* 1 - 2 s a + s (s + eta^2) a^2 = e^2 + s eta^2 a^2 */
        b += u * ((p->m[i] - cr[i]) + cr[i] * (xr * xr + s * er * ar * ar));
        continue;
      }
      g += cc[i] * (s * ar) * (s * aq);
      b += u * ((p->m[i] - cr[i] - cq[i] + cc[i]) + cc[i] * xr * xq
                + (cr[i] - cc[i]) * xr + (cq[i] - cc[i]) * xq);
    }
    deq_sum_add(&gt, g);
    deq_sum_add(&bt, b);
  }
  *gamma = deq_sum_get(&gt) / P;
  *B = deq_sum_get(&bt);
}

/* Dense Sigma: the same in member eigenbases.  */
static void dense_pair_eval(double *gamma, double *B, const deq_views_plan *p,
                            const double *kappa, size_t r, size_t q, double P)
{
  double er = p->eta[r] * p->eta[r], eq = p->eta[q] * p->eta[q];
  const double *dr = p->d[r], *br = p->beta[r];
  size_t nr = p->n[r];
  double b = p->signal;
  if (r == q) {
    /* signal - sum beta^2 a (1 + kappa a) */
    for (size_t j = 0; j < nr; j++) {
      double a = inv_shift(dr[j], er, kappa[r]);
      b -= br[j] * br[j] * a * (1 + kappa[r] * a);
    }
    *gamma = NAN;
    *B = b;
    return;
  }
  size_t lo = r < q ? r : q, hi = r < q ? q : r;
  const double *M = p->M[lo * p->K + hi];
  size_t n1 = p->n[lo], n2 = p->n[hi];
  double e1 = lo == r ? er : eq, e2 = lo == r ? eq : er;
  double g = 0, cross = 0, t1 = 0, t2 = 0;
  for (size_t k = 0; k < n2; k++) {
    double a2 = inv_shift(p->d[hi][k], e2, kappa[hi]);
    double w2 = a2 * p->beta[hi][k];
    double gk = 0, ck = 0;
    for (size_t j = 0; j < n1; j++) {
      double a1 = inv_shift(p->d[lo][j], e1, kappa[lo]);
      double mjk = M[k * n1 + j];
      gk += a1 * mjk * mjk;
      ck += a1 * p->beta[lo][j] * mjk;
    }
    g += gk * a2;
    cross += ck * w2;
    t2 += a2 * p->beta[hi][k] * p->beta[hi][k];
  }
  for (size_t j = 0; j < n1; j++)
    t1 += inv_shift(p->d[lo][j], e1, kappa[lo]) * p->beta[lo][j]
          * p->beta[lo][j];
  *gamma = g / P;
  *B = cross - t1 - t2 + b;
}

/* E = (B + sigma^2 gamma)/(1 - gamma), +Inf where 1 - gamma = 0 (0 in the
   noiseless limit B + sigma^2 gamma = 0, as ridge reports it).  */
static double pair_risk(double B, double gamma, double omg, double noise,
                        int *diverged)
{
  double num = B + noise * gamma;
  if (omg > 0) return num / omg;
  *diverged = 1;
  return num > 0 ? INFINITY : 0;
}

deq_status deq_views_solve(deq_views_point *out, double *kappa_out,
                           double *gamma_out, double *B_out, double *E_out,
                           const deq_views_plan *p, double P, double lambda,
                           double noise, double readout_noise)
{
  if (!out || !p) return DEQ_EINVAL;
  size_t K = p->K;
  *out = (deq_views_point){ P, lambda, noise, readout_noise, (double)K,
                            NAN, NAN, NAN, NAN, DEQ_EDOM };
  int need_common = 0;
  for (size_t r = 0; r < K; r++) need_common |= isnan(p->lambda[r]);
  if (!(P > 0) || isinf(P) || !(noise >= 0) || !(readout_noise >= 0)
      || (need_common && !(lambda >= 0 && isfinite(lambda))))
    return DEQ_EDOM;
  double *kappa = malloc(K * sizeof *kappa), *omg = malloc(K * sizeof *omg);
  double *g = malloc(K * K * sizeof *g), *Bm = malloc(K * K * sizeof *Bm);
  double *E = malloc(K * K * sizeof *E);
  deq_status st = kappa && omg && g && Bm && E ? DEQ_OK : DEQ_ENOMEM;
  int diverged = 0;
  for (size_t r = 0; r < K && st == DEQ_OK; r++) {
    deq_ridge_point rp;
    double lr = isnan(p->lambda[r]) ? lambda : p->lambda[r];
    deq_status rs = deq_ridge_solve(&rp, p->msp[r], P, lr, 0, NULL);
    if (rs != DEQ_OK && rs != DEQ_EDIVERGE) st = rs;
    kappa[r] = rp.kappa;
    g[r * K + r] = rp.gamma;
    omg[r] = rs == DEQ_EDIVERGE ? 0 : rp.one_minus_gamma;
  }
  if (st == DEQ_OK && !p->dense) pair_rules(p);
  for (size_t r = 0; r < K && st == DEQ_OK; r++)
    for (size_t q = r; q < K; q++) {
      double gam, b;
      if (p->dense) dense_pair_eval(&gam, &b, p, kappa, r, q, P);
      else diag_pair(&gam, &b, p, kappa, r, q, P);
      if (r != q) g[r * K + q] = g[q * K + r] = gam;
      Bm[r * K + q] = Bm[q * K + r] = b;
      double om = r == q ? omg[r] : 1 - gam;
      E[r * K + q] = E[q * K + r] = pair_risk(b, g[r * K + q], om, noise,
                                              &diverged);
    }
  if (st == DEQ_OK) {
    double sd = 0, sc = 0;
    for (size_t r = 0; r < K; r++)
      for (size_t q = 0; q < K; q++)
        if (r == q) sd += E[r * K + q];
        else sc += E[r * K + q];
    out->E_diag = sd / (double)K;
    out->E_cross = K > 1 ? sc / ((double)K * (double)(K - 1)) : NAN;
    out->E_ens = (sd + sc) / ((double)K * (double)K)
                 + readout_noise / (double)K;
    out->E_test = out->E_ens + noise;
    st = diverged ? DEQ_EDIVERGE : DEQ_OK;
    if (kappa_out) memcpy(kappa_out, kappa, K * sizeof *kappa);
    if (gamma_out) memcpy(gamma_out, g, K * K * sizeof *g);
    if (B_out) memcpy(B_out, Bm, K * K * sizeof *Bm);
    if (E_out) memcpy(E_out, E, K * K * sizeof *E);
  }
  out->status = st;
  free(kappa);
  free(omg);
  free(g);
  free(Bm);
  free(E);
  return st;
}
