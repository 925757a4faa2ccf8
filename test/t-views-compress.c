/* t-views-compress.c -- the linear-views pair sums on compressed rules
 * (lib/ensemble_views.c, pair_rules) against exact sums over every atom:
 * kappa, gamma, B, E per pair and E_ens, E_diag, E_cross to 1e-13 on
 * power-law, log-uniform and two-cluster spectra of 1e5 atoms with
 * targets, random overlapping and disjoint subsets, eta = 0 and > 0,
 * kappa from 0 (lambda = 0, P below N_r) to 1e300.  Also: the weighted
 * rule builder against exact sums measure by measure, exact sums forced
 * on Sigma reach the members and the pairs, small spectra bitwise
 * unchanged.  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <deq.h>
#include "testutil.h"
#include "../lib/ensemble_views_impl.h" /* the plan's rules (private) */
#include "../lib/spectrum_rule_impl.h"
#include "../lib/sum_impl.h"

#define TOL 1e-13
#define FLOOR 1e-290
#define NA 100000

static uint64_t rng_state;   /* test_uniform's stream */

/* kind 0: power law s = i^-1.5, m = 1; 1: log-uniform on [1e-8, 1],
   m = 1..3; 2: two clusters around 1 and 1e-3, m = 1..5, three zero
   eigenvalues (target 0 there).  Random target powers.  */
static deq_spectrum *spectrum(int kind, size_t n)
{
  double *s = malloc(n * sizeof *s), *m = malloc(n * sizeof *m),
         *v = malloc(n * sizeof *v);
  rng_state = test_seed(29 + (uint64_t)kind);
  for (size_t i = 0; i < n; i++) {
    if (kind == 0) {
      s[i] = pow((double)(i + 1), -1.5);
      m[i] = 1;
    } else if (kind == 1) {
      s[i] = pow(10.0, -8.0 * test_uniform(&rng_state));
      m[i] = 1 + floor(3 * test_uniform(&rng_state));
    } else {
      s[i] = i + 3 >= n ? 0.0 : (i < n / 2 ? 1.0 : 1e-3)
                               * (0.8 + 0.4 * test_uniform(&rng_state));
      m[i] = 1 + floor(5 * test_uniform(&rng_state));
    }
    v[i] = s[i] > 0 ? m[i] * s[i] * test_uniform(&rng_state) : 0.0;
  }
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, n, s, m, v, NULL), DEQ_OK);
  free(s);
  free(m);
  free(v);
  return sp;
}

static deq_spectrum *exact_copy(const deq_spectrum *sp)
{
  deq_spectrum *e = NULL;
  ck_assert_st(deq_spectrum_copy(&e, sp), DEQ_OK);
  ck_assert_st(deq_spectrum_set_exact_sums(e, 1), DEQ_OK);
  return e;
}

static double rel(double a, double b) { return test_reldiff(a, b, FLOOR); }

/* Random overlapping subsets (K = 4, one with its own lambda) or K = 3
   disjoint quarters; eta = 0 and > 0.  */
static deq_views_member overlapping[] = {
  { 0, NULL, 0.25, 11, 0.0, NAN, "a" },
  { 0, NULL, 0.5, 12, 0.1, NAN, "b" },
  { 0, NULL, 0.6, 13, 0.0, 1e-3, "c" },
  { 0, NULL, 0.9, 14, 0.3, NAN, "d" },
};

static deq_views_plan *plan_of(const deq_spectrum *sp, int disjoint,
                               size_t **idx)
{
  deq_views_plan *plan = NULL;
  deq_error err;
  size_t N = (size_t)sp->dim;
  if (!disjoint) {
    deq_views v = { 4, overlapping };
    ck_assert_st(deq_views_plan_diag(&plan, sp, &v, &err), DEQ_OK);
    return plan;
  }
  size_t n = N / 4;
  if (!*idx) {
    *idx = malloc(3 * n * sizeof **idx);
    ck_assert_st(deq_views_disjoint(*idx, N, 3, n, 7), DEQ_OK);
  }
  deq_views_member mem[3];
  for (size_t r = 0; r < 3; r++)
    mem[r] = (deq_views_member){ n, *idx + r * n, 0, 0, r == 1 ? 0.05 : 0,
                                 NAN, NULL };
  deq_views v = { 3, mem };
  ck_assert_st(deq_views_plan_diag(&plan, sp, &v, &err), DEQ_OK);
  return plan;
}

/* Every solve output of the compressed and the exact plan agrees to TOL;
   the compressed plan has used its rules, the exact one has none.  */
static double plans_agree(const deq_views_plan *a, const deq_views_plan *b,
                          double Nmin, const char *what)
{
  size_t K = a->K;
  double P[] = { 0.02 * Nmin, 0.5 * Nmin, 3.0 * (double)a->N };
  double lam[] = { 0, 1e-8, 1e-3, 1, 1e300 };
  double worst = 0;
  double *ka = malloc(K * sizeof *ka), *kb = malloc(K * sizeof *kb);
  double *out[2][3];
  for (int t = 0; t < 2; t++)
    for (int k = 0; k < 3; k++) out[t][k] = malloc(K * K * sizeof(double));
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 5; j++) {
      deq_views_point pa, pb;
      deq_status sa = deq_views_solve(&pa, ka, out[0][0], out[0][1],
                                      out[0][2], a, P[i], lam[j], 0.1, 0.01);
      deq_status sb = deq_views_solve(&pb, kb, out[1][0], out[1][1],
                                      out[1][2], b, P[i], lam[j], 0.1, 0.01);
      ck_assert_int_eq(sa, sb);
      if (sa != DEQ_OK) continue;
      const char *name[3] = { "gamma", "B", "E" };
      for (size_t r = 0; r < K; r++) {
        double d = rel(ka[r], kb[r]);
        ck_assert_msg(d <= TOL, "%s P %g lambda %g: kappa[%zu] %.17g vs "
                      "exact %.17g", what, P[i], lam[j], r, ka[r], kb[r]);
        worst = fmax(worst, d);
        for (size_t q = 0; q < K; q++)
          for (int k = 0; k < 3; k++) {
            double x = out[0][k][r * K + q], y = out[1][k][r * K + q];
            d = rel(x, y);
            ck_assert_msg(d <= TOL, "%s P %g lambda %g: %s[%zu,%zu] %.17g "
                          "vs exact %.17g", what, P[i], lam[j], name[k], r,
                          q, x, y);
            worst = fmax(worst, d);
          }
      }
      double xa[3] = { pa.E_ens, pa.E_diag, pa.E_cross };
      double xb[3] = { pb.E_ens, pb.E_diag, pb.E_cross };
      for (int k = 0; k < 3; k++) {
        double d = rel(xa[k], xb[k]);
        ck_assert_msg(d <= TOL, "%s P %g lambda %g: E_ens/diag/cross %d: "
                      "%.17g vs exact %.17g", what, P[i], lam[j], k, xa[k],
                      xb[k]);
        worst = fmax(worst, d);
      }
    }
  /* the compressed plan summed every pair on a rule that compresses */
  ck_assert(a->rules_allowed && a->rules_built && a->rule);
  for (size_t r = 0; r < K; r++)
    for (size_t q = r; q < K; q++) {
      const deq_weighted_rule *R = a->rule[r * K + q];
      ck_assert_msg(R && R->gauss > 0 && R->n * 10 < a->na,
                    "%s: pair %zu,%zu not compressed", what, r, q);
    }
  ck_assert(!b->rules_allowed && !b->rule);
  for (size_t r = 0; r < K; r++)
    ck_assert_int_eq(deq_spectrum_exact_sums(b->msp[r]), 1);
  free(ka);
  free(kb);
  for (int t = 0; t < 2; t++)
    for (int k = 0; k < 3; k++) free(out[t][k]);
  return worst;
}

static void spectrum_agrees(int kind)
{
  static const char *const names[] = { "power law", "log-uniform",
                                       "two clusters" };
  deq_spectrum *sp = spectrum(kind, NA), *ex = exact_copy(sp);
  size_t *idx = NULL;
  for (int disjoint = 0; disjoint < 2; disjoint++) {
    deq_views_plan *a = plan_of(sp, disjoint, &idx);
    deq_views_plan *b = plan_of(ex, disjoint, &idx);
    double Nmin = INFINITY;
    for (size_t r = 0; r < a->K; r++) Nmin = fmin(Nmin, (double)a->n[r]);
    char what[64];
    snprintf(what, sizeof what, "%s, %s", names[kind],
             disjoint ? "disjoint" : "overlapping");
    double w = plans_agree(a, b, Nmin, what);
    printf("%s: worst relative difference %.3g\n", what, w);
    deq_views_plan_free(a);
    deq_views_plan_free(b);
  }
  free(idx);
  deq_spectrum_free(sp);
  deq_spectrum_free(ex);
}

START_TEST(test_powerlaw) { spectrum_agrees(0); }
END_TEST
START_TEST(test_loguniform) { spectrum_agrees(1); }
END_TEST
START_TEST(test_two_clusters) { spectrum_agrees(2); }
END_TEST

/* The builder, measure by measure: sum_j w_k f(s_j) over the rule equals
   the exact sum to 1e-14 for f = s^2 / ((s + k1)(s + k2)) and
   k2 / (s + k2) (measures of full, sparse and s-dependent support).  */
START_TEST(test_weighted_rule)
{
  deq_spectrum *sp = spectrum(1, NA);
  size_t n = sp->n;
  double *w[3];
  rng_state = test_seed(3);
  for (int k = 0; k < 3; k++) {
    w[k] = malloc(n * sizeof *w[k]);
    for (size_t i = 0; i < n; i++)
      w[k][i] = k == 0 ? 1.0 : k == 1 ? (test_uniform(&rng_state) < 0.3 ? 2.0 : 0.0)
                                      : test_uniform(&rng_state) * sp->s[i];
  }
  deq_weighted_rule *R = NULL;
  const double *wk[3] = { w[0], w[1], w[2] };
  ck_assert_st(deq_weighted_rule_build(&R, n, sp->s, wk, 3, DEQ_RULE_NODES),
               DEQ_OK);
  ck_assert(R && R->gauss > 0 && R->nw == 3 && R->n < n / 20);
  static const double ks[] = { 0, 1e-12, 1e-6, 1e-3, 1, 1e300 };
  for (size_t a = 0; a < 6; a++)
    for (size_t c = 0; c < 6; c++)
      for (int k = 0; k < 3; k++) {
        deq_sum e1, e2, r1, r2;
        deq_sum_init(&e1); deq_sum_init(&e2);
        deq_sum_init(&r1); deq_sum_init(&r2);
        double k1 = ks[a], k2 = ks[c];
        for (size_t i = 0; i < n; i++) {
          double s = sp->s[i];
          deq_sum_add(&e1, w[k][i] * (s / (s + k1)) * (s / (s + k2)));
          deq_sum_add(&e2, w[k][i] * (k2 / (s + k2)));
        }
        for (size_t j = 0; j < R->n; j++) {
          double s = R->s[j];
          deq_sum_add(&r1, R->w[k][j] * (s / (s + k1)) * (s / (s + k2)));
          deq_sum_add(&r2, R->w[k][j] * (k2 / (s + k2)));
        }
        double d1 = rel(deq_sum_get(&r1), deq_sum_get(&e1));
        double d2 = rel(deq_sum_get(&r2), deq_sum_get(&e2));
        ck_assert_msg(d1 <= 1e-14 && d2 <= 1e-14, "measure %d k1 %g k2 %g: "
                      "%.3g %.3g", k, k1, k2, d1, d2);
      }
  deq_weighted_rule_free(R);
  for (int k = 0; k < 3; k++) free(w[k]);
  deq_spectrum_free(sp);
}
END_TEST

/* Below DEQ_RULE_MIN_ATOMS no rule: the same bits as exact sums.  */
START_TEST(test_small_bitwise)
{
  deq_spectrum *sp = spectrum(1, DEQ_RULE_MIN_ATOMS - 1), *ex = exact_copy(sp);
  size_t *idx = NULL;
  deq_views_plan *a = plan_of(sp, 0, &idx), *b = plan_of(ex, 0, &idx);
  double Ea[16], Eb[16];
  deq_views_point pa, pb;
  ck_assert_st(deq_views_solve(&pa, NULL, NULL, NULL, Ea, a, 300, 1e-3, 0.1,
                               0), DEQ_OK);
  ck_assert_st(deq_views_solve(&pb, NULL, NULL, NULL, Eb, b, 300, 1e-3, 0.1,
                               0), DEQ_OK);
  ck_assert(!a->rules_allowed && !a->rule);
  ck_assert(memcmp(Ea, Eb, sizeof Ea) == 0);
  ck_assert(memcmp(&pa.E_ens, &pb.E_ens, sizeof pa.E_ens) == 0);
  deq_views_plan_free(a);
  deq_views_plan_free(b);
  deq_spectrum_free(sp);
  deq_spectrum_free(ex);
}
END_TEST

/* The process-wide default (the CLI's --exact) reaches the views too.  */
START_TEST(test_exact_default)
{
  deq_spectrum_exact_sums_default(1);
  deq_spectrum *sp = spectrum(0, 10000);
  size_t *idx = NULL;
  deq_views_plan *a = plan_of(sp, 0, &idx);
  deq_views_point pa;
  ck_assert_st(deq_views_solve(&pa, NULL, NULL, NULL, NULL, a, 300, 1e-3,
                               0.1, 0), DEQ_OK);
  ck_assert(!a->rules_allowed && !a->rule);
  for (size_t r = 0; r < a->K; r++)
    ck_assert_int_eq(deq_spectrum_exact_sums(a->msp[r]), 1);
  deq_views_plan_free(a);
  deq_spectrum_free(sp);
  deq_spectrum_exact_sums_default(0);
}
END_TEST

static Suite *views_compress_suite(void)
{
  Suite *s = suite_create("views-compress");
  TCase *tc = tcase_create("pairs");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_weighted_rule);
  tcase_add_test(tc, test_small_bitwise);
  tcase_add_test(tc, test_exact_default);
  tcase_add_test(tc, test_powerlaw);
  tcase_add_test(tc, test_loguniform);
  tcase_add_test(tc, test_two_clusters);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  return test_run(views_compress_suite());
}
