/* t-compress.c -- compressed spectra (deq/spectrum_rule.h): the per-bin
 * Gauss rules against exact sums over every atom and against MPFR, for
 * kappa from 0 to 1e300, on iso, log-uniform, power-law, two-cluster and
 * file spectra with multiplicities; and the solvers' printed quantities
 * (ridge, rf, corr) with and without exact sums.  */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <deq.h>
#include "testutil.h"

/* The target on every printed quantity; the rule's own bound is
   1e-15 (checked below), the rest is rounding in long sums.  */
#define TOL 1e-13
/* Values below this (subnormal ranges) carry no relative accuracy.  */
#define FLOOR 1e-290

static const double kappas[] = {
  0, 1e-300, 1e-200, 1e-100, 1e-30, 1e-16, 1e-12, 1e-9, 1e-6, 1e-4, 1e-2,
  0.3, 1, 7, 1e2, 1e4, 1e8, 1e30, 1e100, 1e200, 1e300
};
#define NKAPPA (sizeof kappas / sizeof kappas[0])

/* ------------------------------------------------------------ spectra */

static uint64_t rng_state;   /* test_uniform's stream */

static deq_spectrum *loguniform(size_t n, double lo, double hi)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, n, lo, hi), DEQ_OK);
  for (size_t i = 0; i < n; i++) sp->v[i] = sqrt(sp->s[i] / hi) / (double)n;
  ck_assert_st(deq_spectrum_update(sp, NULL), DEQ_OK);
  return sp;
}

/* Two clusters (around 1 and 1e-3, 4000 atoms each) with multiplicities
   1..5, random target powers and a few zero eigenvalues.  */
static deq_spectrum *two_cluster(void)
{
  size_t n = 8003;
  double *s = malloc(n * sizeof *s), *m = malloc(n * sizeof *m),
         *v = malloc(n * sizeof *v);
  rng_state = test_seed(17);
  for (size_t i = 0; i < n; i++) {
    double c = i < 4000 ? 1.0 : 1e-3;
    s[i] = i >= 8000 ? 0.0 : c * (0.8 + 0.4 * test_uniform(&rng_state));
    m[i] = 1 + floor(5 * test_uniform(&rng_state));
    v[i] = s[i] > 0 ? test_uniform(&rng_state) * s[i] : 0.0;
  }
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, n, s, m, v, NULL), DEQ_OK);
  free(s);
  free(m);
  free(v);
  return sp;
}

/* A spectrum file of 5000 lines "eigenvalue target multiplicity".  */
static deq_spectrum *from_file(void)
{
  char path[] = "/tmp/t-compress.XXXXXX";
  int fd = mkstemp(path);
  ck_assert(fd >= 0);
  FILE *f = fdopen(fd, "w");
  rng_state = test_seed(5);
  fprintf(f, "# eigenvalue target multiplicity\n");
  for (int i = 0; i < 5000; i++) {
    double s = pow(10.0, -8.0 * test_uniform(&rng_state));
    fprintf(f, "%.17g %.17g %d\n", s, s * test_uniform(&rng_state), 1 + (int)(3 * test_uniform(&rng_state)));
  }
  fclose(f);
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_read_file(&sp, path, NULL), DEQ_OK);
  unlink(path);
  return sp;
}

static deq_spectrum *exact_copy(const deq_spectrum *sp)
{
  deq_spectrum *e = NULL;
  ck_assert_st(deq_spectrum_copy(&e, sp), DEQ_OK);
  ck_assert_st(deq_spectrum_set_exact_sums(e, 1), DEQ_OK);
  ck_assert(deq_spectrum_rule_get(e) == NULL);
  ck_assert_int_eq(deq_spectrum_exact_sums(e), 1);
  return e;
}

/* ------------------------------------------------------------ moments */

static double rel(double a, double b) { return test_reldiff(a, b, FLOOR); }

/* Every moment and the anchored sum, compressed against exact, at every
   kappa ks[j] * scale; returns the worst.  */
static double moments_agree_at(const deq_spectrum *sp, const double *ks,
                               size_t nk, double scale)
{
  deq_spectrum *ex = exact_copy(sp);
  double worst = 0;
  for (size_t j = 0; j < nk; j++) {
    double k = ks[j] * scale;
    if (!isfinite(k) || (k == 0 && ks[j] > 0)) continue;
    if (k == 0 && isinf(sp->rank)) continue;
    deq_moments a, b;
    ck_assert_st(deq_resolvent_moments(&a, sp, k), DEQ_OK);
    ck_assert_st(deq_resolvent_moments(&b, ex, k), DEQ_OK);
    const double *pa = &a.df1, *pb = &b.df1;
    for (int q = 0; q < 8; q++) {
      double r = rel(pa[q], pb[q]);
      ck_assert_msg(r <= TOL, "kappa %g moment %d: %.17g vs exact %.17g (%.3g)",
                    k, q, pa[q], pb[q], r);
      worst = fmax(worst, r);
    }
    if (k > 0) {
      double A, B;
      ck_assert_st(deq_resolvent_anchor(&A, sp, 0.5 * k, 0.5 * k), DEQ_OK);
      ck_assert_st(deq_resolvent_anchor(&B, ex, 0.5 * k, 0.5 * k), DEQ_OK);
      ck_assert_msg(rel(A, B) <= TOL, "anchor at %g: %.17g vs %.17g", k, A, B);
      worst = fmax(worst, rel(A, B));
    }
  }
  deq_spectrum_free(ex);
  return worst;
}

static double moments_agree(const deq_spectrum *sp, double scale)
{
  return moments_agree_at(sp, kappas, NKAPPA, scale);
}

/* df1, df2 and B against the MPFR sums (256 bits, every atom).  */
static void mpfr_agree(const deq_spectrum *sp, double scale)
{
  for (size_t j = 0; j < NKAPPA; j++) {
    double k = kappas[j] * scale;
    if (!isfinite(k) || (k == 0 && kappas[j] > 0)) continue;
    if (k == 0 && isinf(sp->rank)) continue;
    double d1, d2, B, e1, e2, eB;
    ck_assert_st(deq_resolvent_df(&d1, &d2, sp, k), DEQ_OK);
    deq_moments m;
    ck_assert_st(deq_resolvent_moments(&m, sp, k), DEQ_OK);
    B = m.bias;
    ck_assert_st(deq_mp_df(&e1, &e2, &eB, sp, k, 256), DEQ_OK);
    ck_assert_msg(rel(d1, e1) <= TOL, "df1 at %g: %.17g vs MPFR %.17g", k, d1, e1);
    ck_assert_msg(rel(d2, e2) <= TOL, "df2 at %g: %.17g vs MPFR %.17g", k, d2, e2);
    ck_assert_msg(rel(B, eB) <= TOL, "B at %g: %.17g vs MPFR %.17g", k, B, eB);
  }
}

/* The rule is a real compression, carries the whole mass, and its
   nodes stay in the spectrum's range.  */
static void rule_sane(const deq_spectrum *sp)
{
  const deq_spectrum_rule *r = deq_spectrum_rule_get(sp);
  ck_assert_msg(r != NULL, "no rule for %zu atoms", sp->n);
  ck_assert(r->n < sp->n);
  ck_assert(r->gauss > 0 && r->gauss <= r->bins);
  ck_assert_uint_eq(r->source, sp->n);
  double smin = INFINITY, smax = 0, sm = 0, sv = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (sp->s[i] > 0) smin = fmin(smin, sp->s[i]);
    smax = fmax(smax, sp->s[i]);
  }
  for (size_t i = 0; i < r->n; i++) {
    ck_assert(r->s[i] == 0 || (r->s[i] >= smin && r->s[i] <= smax));
    ck_assert(r->m[i] >= 0 && r->v[i] >= 0);
    sm += r->m[i];
    sv += r->v[i];
  }
  if (isfinite(sp->dim)) ck_assert_rel(sm, sp->dim, 1e-14);
  ck_assert_rel(sv, sp->signal, 1e-14);
}

START_TEST(test_bound)
{
  /* the stated bound: 8.1e-16 at 14 nodes, decreasing in the nodes */
  double b = deq_spectrum_rule_bound(DEQ_RULE_NODES);
  ck_assert_msg(b < 1e-15 && b > 1e-16, "bound %g", b);
  ck_assert(deq_spectrum_rule_bound(12) > b);
  ck_assert(deq_spectrum_rule_bound(16) < b);
  ck_assert(isinf(deq_spectrum_rule_bound(0)));
}
END_TEST

START_TEST(test_iso_not_compressed)
{
  /* one atom: nothing to compress; 600 equal atoms (unmerged): the Gauss
     rule degenerates and the bin stays exact, sums bitwise equal */
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, 1000, 2.0), DEQ_OK);
  ck_assert(deq_spectrum_rule_get(sp) == NULL);
  deq_spectrum_free(sp);
  double s[600], m[600], v[600];
  for (int i = 0; i < 600; i++) { s[i] = 1.5; m[i] = 2; v[i] = 0.01; }
  ck_assert_st(deq_spectrum_from_arrays(&sp, 600, s, m, v, NULL), DEQ_OK);
  ck_assert(deq_spectrum_rule_get(sp) == NULL);
  deq_spectrum_free(sp);
  /* few atoms per bin: exact too */
  ck_assert_st(deq_spectrum_loguniform(&sp, 100, 1e-6, 1), DEQ_OK);
  ck_assert(deq_spectrum_rule_get(sp) == NULL);
  deq_spectrum_free(sp);
  /* fewer than DEQ_RULE_MIN_ATOMS atoms: exact, though compressible */
  ck_assert_st(deq_spectrum_loguniform(&sp, DEQ_RULE_MIN_ATOMS - 1, 0.5, 1),
               DEQ_OK);
  ck_assert(deq_spectrum_rule_get(sp) == NULL);
  deq_spectrum_rule *r = NULL;
  ck_assert_st(deq_spectrum_rule_build(&r, sp, DEQ_RULE_NODES), DEQ_OK);
  ck_assert(r != NULL && r->n == DEQ_RULE_NODES); /* one bin, no target */
  deq_spectrum_rule_free(r);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_loguniform)
{
  deq_spectrum *sp = loguniform(20000, 1e-6, 1);
  rule_sane(sp);
  double w = moments_agree(sp, 1);
  printf("loguniform 2e4 atoms -> %zu: worst %.3g\n",
         deq_spectrum_rule_get(sp)->n, w);
  mpfr_agree(sp, 1);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_extreme_scales)
{
  /* eigenvalues and kappa near both ends of the double range (kappa
     relative to the eigenvalues: beyond, products like (s/(s+k))^2
     leave the double range in the exact sums themselves) */
  double lo[] = {1e-200, 1e250}, hi[] = {1e-190, 1e300};
  double rk[] = {0, 1e-12, 1e-6, 1e-3, 1, 1e3, 1e6, 1e12};
  for (int i = 0; i < 2; i++) {
    deq_spectrum *sp = loguniform(5000, lo[i], hi[i]);
    rule_sane(sp);
    moments_agree_at(sp, rk, sizeof rk / sizeof rk[0], lo[i]);
    moments_agree_at(sp, rk, sizeof rk / sizeof rk[0], hi[i]);
    deq_spectrum_free(sp);
  }
}
END_TEST

START_TEST(test_subnormal)
{
  /* eigenvalues below the normal range (2^-1060, and a span crossing
     2^-1022): a rule there would lose the nodes' precision, so those
     bins stay exact.  df1 and df2 only: other moments (powers of 1/s
     and of kappa) leave the double range in the exact sums themselves. */
  double rk[] = {1, 10, 1e3, 1e6};
  double lo[] = {0x1p-1061, 1e-320}, hi[] = {0x1p-1059, 1e-290};
  for (int i = 0; i < 2; i++) {
    deq_spectrum *sp = loguniform(5000, lo[i], hi[i]);
    deq_spectrum *ex = exact_copy(sp);
    for (size_t j = 0; j < sizeof rk / sizeof rk[0]; j++) {
      double k = rk[j] * hi[i], a1, a2, b1, b2;
      ck_assert_st(deq_resolvent_df(&a1, &a2, sp, k), DEQ_OK);
      ck_assert_st(deq_resolvent_df(&b1, &b2, ex, k), DEQ_OK);
      ck_assert_msg(rel(a1, b1) <= TOL && rel(a2, b2) <= TOL,
                    "kappa %g: df1 %.17g vs %.17g, df2 %.17g vs %.17g", k,
                    a1, b1, a2, b2);
    }
    deq_spectrum_free(ex);
    deq_spectrum_free(sp);
  }
}
END_TEST

START_TEST(test_subnormal_at_zero)
{
  /* kappa = 0 with a subnormal eigenvalue: sum m/s exceeds DBL_MAX and is
     +Inf (its compensation term used to make it NaN); the solvers' columns
     are their limits, never NaN.  */
  double s[] = {1, 0.5, 1e-320}, m[] = {1, 2, 1}, v[] = {0.5, 0.3, 1e-3};
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 3, s, m, v, NULL), DEQ_OK);
  deq_moments mo;
  ck_assert_st(deq_resolvent_moments(&mo, sp, 0), DEQ_OK);
  ck_assert(mo.df1 == 4 && mo.df2 == 4 && mo.bias == 0);
  ck_assert(isinf(mo.df3) && mo.df3 > 0);   /* 1/1e-320 + 4 */
  ck_assert(isinf(mo.t1) && mo.t1 > 0);     /* 1e-3/1e-320 + 1.1 */
  ck_assert_st(deq_resolvent_moments(&mo, sp, 1e-320), DEQ_OK);
  const double *q = &mo.df1;
  for (int j = 0; j < 8; j++) ck_assert_msg(!isnan(q[j]), "moment %d NaN", j);
  /* rf at lambda = 0 above the rank, M > N: kappa = 0, E_pop = 0 */
  deq_rf_point r;
  ck_assert_st(deq_rf_solve1(&r, sp, 20, 10, 0, 0, NULL), DEQ_OK);
  ck_assert(r.kappa == 0 && r.E_pop == 0 && r.E_g == 0 && r.var_features == 0);
  /* two-point at z = 0 above the rank: trace, form 0; cross_trace = sum
     m/s = +Inf; below the rank form = sum v/s + ... = +Inf */
  deq_twopoint_point t;
  ck_assert_st(deq_twopoint_solve(&t, sp, 10, 0, 0, NULL, NULL), DEQ_OK);
  ck_assert(t.trace == 0 && t.form == 0 && isinf(t.cross_trace));
  ck_assert_rel(t.gamma12, 0.4, 1e-15);
  ck_assert_st(deq_twopoint_solve(&t, sp, 10, 0, 1, NULL, NULL), DEQ_OK);
  ck_assert(t.trace == 0 && t.form == 0 && isfinite(t.cross_trace));
  ck_assert_st(deq_twopoint_solve(&t, sp, 3, 0, 0, NULL, NULL), DEQ_OK);
  ck_assert(isinf(t.form) && t.form > 0 && isfinite(t.trace));
  deq_spectrum_free(sp);
  /* a compressed spectrum of 5000 atoms down to 1e-320 against exact */
  sp = loguniform(5000, 1e-320, 1e-300);
  deq_spectrum *ex = exact_copy(sp);
  deq_moments a, b;
  ck_assert_st(deq_resolvent_moments(&a, sp, 0), DEQ_OK);
  ck_assert_st(deq_resolvent_moments(&b, ex, 0), DEQ_OK);
  ck_assert(isinf(a.df3) && isinf(b.df3) && a.df1 == b.df1);
  ck_assert(!isnan(a.t1) && !isnan(b.t1));
  deq_spectrum_free(ex);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_powerlaw)
{
  deq_spectrum *sp = test_sp_powerlaw(1e6);
  rule_sane(sp);
  const deq_spectrum_rule *r = deq_spectrum_rule_get(sp);
  ck_assert_msg(r->n < 1000, "1e6 atoms -> %zu", r->n);
  double w = moments_agree(sp, 1);
  printf("power law 1e6 atoms -> %zu (%zu of %zu bins by Gauss): worst %.3g\n",
         r->n, r->gauss, r->bins, w);
  deq_spectrum_free(sp);
  sp = test_sp_powerlaw(1e5); /* MPFR on 1e5 atoms */
  mpfr_agree(sp, 1);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_powerlaw_tail)
{
  /* n = inf and n = 1e9: exact head (compressed) + Euler-Maclaurin tail */
  double ns[] = {INFINITY, 1e9};
  for (int i = 0; i < 2; i++) {
    deq_spectrum *sp = test_sp_powerlaw(ns[i]);
    ck_assert(deq_spectrum_rule_get(sp) != NULL);
    moments_agree(sp, 1);
    deq_spectrum_free(sp);
  }
}
END_TEST

START_TEST(test_two_cluster)
{
  deq_spectrum *sp = two_cluster();
  rule_sane(sp);
  double w = moments_agree(sp, 1);
  printf("two clusters, multiplicities 1..5: worst %.3g\n", w);
  mpfr_agree(sp, 1);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_file)
{
  deq_spectrum *sp = from_file();
  rule_sane(sp);
  double w = moments_agree(sp, 1);
  printf("file, 5000 lines with multiplicities: worst %.3g\n", w);
  mpfr_agree(sp, 1);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_target_change)
{
  /* a target set after construction re-forms the target nodes */
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, 5000, 1e-4, 1), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 2.0), DEQ_OK);
  moments_agree(sp, 1);
  double *v = malloc(sp->n * sizeof *v);
  for (size_t i = 0; i < sp->n; i++) v[i] = sp->s[i] * sp->s[i];
  ck_assert_st(deq_spectrum_target_values(sp, sp->n, v, NULL), DEQ_OK);
  moments_agree(sp, 1);
  free(v);
  /* back to the rule after exact sums were forced */
  ck_assert_st(deq_spectrum_set_exact_sums(sp, 1), DEQ_OK);
  ck_assert(deq_spectrum_rule_get(sp) == NULL);
  ck_assert_st(deq_spectrum_set_exact_sums(sp, 0), DEQ_OK);
  ck_assert(deq_spectrum_rule_get(sp) != NULL);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_reused_address)
{
  /* A spectrum made by hand (here on the stack) whose setting was exact
     sums, then given other arrays at the same address: the new atoms are
     another spectrum and get the default (compressed), as its rule does. */
  size_t n = 5000;
  deq_spectrum *a = loguniform(n, 1e-4, 1), *b = loguniform(n, 1e-6, 1);
  deq_spectrum st = *a;
  ck_assert_st(deq_spectrum_update(&st, NULL), DEQ_OK);
  ck_assert(deq_spectrum_rule_get(&st) != NULL);
  ck_assert_st(deq_spectrum_set_exact_sums(&st, 1), DEQ_OK);
  ck_assert_int_eq(deq_spectrum_exact_sums(&st), 1);
  ck_assert(deq_spectrum_rule_get(&st) == NULL);
  st.s = b->s;
  st.m = b->m;
  st.v = b->v;
  ck_assert_int_eq(deq_spectrum_exact_sums(&st), 0);
  ck_assert_st(deq_spectrum_update(&st, NULL), DEQ_OK);
  ck_assert_int_eq(deq_spectrum_exact_sums(&st), 0);
  ck_assert(deq_spectrum_rule_get(&st) != NULL);
  /* and the setting made for the new arrays holds for them */
  ck_assert_st(deq_spectrum_set_exact_sums(&st, 1), DEQ_OK);
  ck_assert_st(deq_spectrum_update(&st, NULL), DEQ_OK);
  ck_assert_int_eq(deq_spectrum_exact_sums(&st), 1);
  ck_assert(deq_spectrum_rule_get(&st) == NULL);
  ck_assert_st(deq_spectrum_set_exact_sums(&st, 0), DEQ_OK);
  deq_spectrum_free(a);
  deq_spectrum_free(b);
}
END_TEST

/* ------------------------------------------------------------ solvers */

#define SAME(field) \
  ck_assert_msg(rel(a.field, b.field) <= TOL, "%s at P %g lambda %g: %.17g vs exact %.17g", \
                #field, P[i], lam[j], a.field, b.field)

static void ridge_agree(const deq_spectrum *sp)
{
  deq_spectrum *ex = exact_copy(sp);
  double P[] = {3, 50, 1000, 30000}, lam[] = {0, 1e-8, 1e-4, 0.1, 10};
  for (size_t i = 0; i < 4; i++)
    for (size_t j = 0; j < 5; j++) {
      if (!(P[i] < sp->rank) && lam[j] == 0) continue; /* interpolation peak */
      deq_ridge_point a, b;
      deq_status sa = deq_ridge_solve(&a, sp, P[i], lam[j], 0.1, NULL);
      deq_status sb = deq_ridge_solve(&b, ex, P[i], lam[j], 0.1, NULL);
      ck_assert_int_eq(sa, sb);
      if (sa) continue;
      SAME(kappa); SAME(df1); SAME(df2); SAME(gamma); SAME(bias);
      SAME(var_noise); SAME(E_g); SAME(E_test); SAME(E_tr); SAME(gcv);
      SAME(dkappa_dlambda); SAME(kappa0);
    }
  deq_spectrum_free(ex);
}

static void rf_agree(const deq_spectrum *sp)
{
  deq_spectrum *ex = exact_copy(sp);
  double P[] = {50, 1000}, lam[] = {0, 1e-4, 0.1}, M[] = {30, 700, 5000};
  for (size_t i = 0; i < 2; i++)
    for (size_t j = 0; j < 3; j++)
      for (size_t q = 0; q < 3; q++) {
        deq_rf_point a, b;
        deq_status sa = deq_rf_solve1(&a, sp, M[q], P[i], lam[j], 0.1, NULL);
        deq_status sb = deq_rf_solve1(&b, ex, M[q], P[i], lam[j], 0.1, NULL);
        ck_assert_int_eq(sa, sb);
        if (sa) continue;
        SAME(kappa); SAME(df1); SAME(rho); SAME(gamma); SAME(E_pop);
        SAME(E_g); SAME(bias); SAME(var_noise); SAME(var_features);
        SAME(E_cross); SAME(E_test); SAME(E_tr); SAME(gcv);
      }
  deq_spectrum_free(ex);
}

static void corr_agree(const deq_spectrum *sp)
{
  /* K: a log-uniform sample correlation of P = 6000 atoms (compressed) */
  deq_spectrum *K = NULL;
  ck_assert_st(deq_spectrum_loguniform(&K, 6000, 0.05, 20), DEQ_OK);
  ck_assert(deq_spectrum_rule_get(K) != NULL);
  deq_spectrum *ex = exact_copy(sp), *Kex = exact_copy(K);
  double P[] = {6000}, lam[] = {1e-6, 1e-3, 0.1, 10};
  size_t i = 0;
  for (size_t j = 0; j < 4; j++)
    for (int model = 0; model < 2; model++) {
      deq_corr_point a, b;
      deq_status sa = deq_corr_solve(&a, sp, K, lam[j], 0.1, model, NULL);
      deq_status sb = deq_corr_solve(&b, ex, Kex, lam[j], 0.1, model, NULL);
      ck_assert_int_eq(sa, sb);
      if (sa) continue;
      SAME(kappa); SAME(kappa_K); SAME(df1); SAME(df2); SAME(df2_K);
      SAME(gamma); SAME(B); SAME(bias); SAME(var_noise); SAME(E_g);
      SAME(E_test); SAME(E_tr); SAME(train_ratio); SAME(gcv); SAME(corrgcv);
    }
  deq_spectrum_free(ex);
  deq_spectrum_free(Kex);
  deq_spectrum_free(K);
}

/* The two-point function at real z1, z2 (two poles -kappa1, -kappa2 <= 0):
   every field against exact sums, for A = I and A = Sigma (passed as
   sp->s, which the rule carries); per-atom weights (which sum every atom
   at the compressed kappas) too.  */
#define SAME_TP(field) \
  ck_assert_msg(rel(a.field, b.field) <= TOL, "twopoint %s at P %g z1 %g " \
                "z2 %g weights %d: %.17g vs exact %.17g", #field, P[i], \
                z[j], z[q], w, a.field, b.field)

static void twopoint_agree(const deq_spectrum *sp)
{
  deq_spectrum *ex = exact_copy(sp);
  double P[] = {3, 1000, 30000};
  double z[] = {0, 1e-9, 1e-3, 1, 1e100, 1e300};
  size_t nz = sizeof z / sizeof z[0];
  double *pa = malloc(sp->n * sizeof *pa);
  for (size_t i = 0; i < sp->n; i++) pa[i] = 1 + (double)(i % 7);
  size_t compared = 0;
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < nz; j++)
      for (size_t q = j; q < nz; q++)
        for (int w = 0; w < 3; w++) {
          const double *wa = w == 0 ? NULL : w == 1 ? sp->s : pa;
          const double *wb = w == 0 ? NULL : w == 1 ? ex->s : pa;
          deq_twopoint_point a, b;
          deq_status sa = deq_twopoint_solve(&a, sp, P[i], z[j], z[q], wa,
                                             NULL);
          deq_status sb = deq_twopoint_solve(&b, ex, P[i], z[j], z[q], wb,
                                             NULL);
          ck_assert_int_eq(sa, sb);
          if (sa != DEQ_OK && sa != DEQ_EDIVERGE) continue;
          SAME_TP(kappa1); SAME_TP(kappa2); SAME_TP(gamma12);
          SAME_TP(one_minus_gamma12); SAME_TP(amplification);
          SAME_TP(cross_trace); SAME_TP(trace); SAME_TP(trace_per_dim);
          SAME_TP(form);
          compared++;
        }
  ck_assert(compared > 100);
  free(pa);
  deq_spectrum_free(ex);
}

START_TEST(test_solvers_loguniform)
{
  deq_spectrum *sp = loguniform(20000, 1e-6, 1);
  ridge_agree(sp);
  rf_agree(sp);
  corr_agree(sp);
  twopoint_agree(sp);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_solvers_powerlaw)
{
  deq_spectrum *sp = test_sp_powerlaw(2e5);
  ridge_agree(sp);
  rf_agree(sp);
  corr_agree(sp);
  twopoint_agree(sp);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_solvers_cluster_file)
{
  deq_spectrum *sp = two_cluster();
  ridge_agree(sp);
  rf_agree(sp);
  corr_agree(sp);
  twopoint_agree(sp);
  deq_spectrum_free(sp);
  sp = from_file();
  ridge_agree(sp);
  rf_agree(sp);
  twopoint_agree(sp);
  deq_spectrum_free(sp);
}
END_TEST

static Suite *compress_suite(void)
{
  Suite *s = suite_create("compress");
  TCase *tc = tcase_create("rule");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_bound);
  tcase_add_test(tc, test_iso_not_compressed);
  tcase_add_test(tc, test_loguniform);
  tcase_add_test(tc, test_extreme_scales);
  tcase_add_test(tc, test_subnormal);
  tcase_add_test(tc, test_subnormal_at_zero);
  tcase_add_test(tc, test_powerlaw);
  tcase_add_test(tc, test_powerlaw_tail);
  tcase_add_test(tc, test_two_cluster);
  tcase_add_test(tc, test_file);
  tcase_add_test(tc, test_target_change);
  tcase_add_test(tc, test_reused_address);
  suite_add_tcase(s, tc);
  tc = tcase_create("solvers");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_solvers_loguniform);
  tcase_add_test(tc, test_solvers_powerlaw);
  tcase_add_test(tc, test_solvers_cluster_file);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  return test_run(compress_suite());
}
