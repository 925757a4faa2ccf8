/* test/t-icl.c -- linear-attention ICL (deq/icl.h): the unified algorithm
 * against Result 1's closed forms, the spec sheet's tables (sections 1.5
 * and 2.3), section 2 reducing to section 1, the MPFR twin, the exact
 * finite-d error of a Gamma against direct sampling, the divergence at
 * tau = 1, bad input, and a fast seeded Monte Carlo of pretraining.  */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <deq/icl.h>
#include <deq/spectrum.h>
#include "testutil.h"

static deq_spectrum *two_level(double hi, double lo)
{
  deq_spectrum *sp = NULL;
  double s[2] = { hi, lo };
  ck_assert_st(deq_spectrum_from_arrays(&sp, 2, s, NULL, NULL, NULL), DEQ_OK);
  return sp;
}

static deq_icl_tasks *tasks(const deq_spectrum *tr, const deq_spectrum *te)
{
  deq_icl_tasks *tk = NULL;
  ck_assert_st(deq_icl_tasks_alloc(&tk, tr, te, NULL), DEQ_OK);
  return tk;
}

/* ------------------------------------------------------------ section 1 */

/* Result 1 (spec 1.4) against the unified algorithm (1.3), both sides
   of tau = 1, finite and infinite kappa, with and without noise.  */
START_TEST(test_closed_forms)
{
  const double alpha[] = { 0.5, 1.7, 4 }, kappa[] = { 0.3, 0.9, 2, INFINITY };
  const double tau[] = { 0.2, 0.7, 0.97, 1.03, 1.5, 5, 40 }, rho[] = { 0, 0.25 };
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 4; j++)
      for (size_t k = 0; k < 7; k++)
        for (size_t l = 0; l < 2; l++) {
          deq_icl_point p;
          double icl, idg;
          ck_assert_st(deq_icl_solve(&p, NULL, alpha[i], kappa[j], tau[k],
                                     rho[l], 0), DEQ_OK);
          ck_assert_st(deq_icl_closed_form(&icl, &idg, alpha[i], kappa[j],
                                           tau[k], rho[l]), DEQ_OK);
          ck_assert_rel(p.e_icl, icl, 1e-12);
          ck_assert_rel(p.e_idg, idg, 1e-12);
        }
}
END_TEST

/* Spec 1.5, double descent at alpha = 1, kappa = inf, rho = 0.1.  */
START_TEST(test_double_descent_table)
{
  const double tau[] = { 0.5, 0.9, 0.95, 1.05, 1.1, 3, 100 };
  const double ridgeless[] = { 1.485714, 6.285714, 12.500000, 13.100000,
                               6.861905, 0.935714, 0.630111 };
  const double ridge[] = { 1.388418, 1.837650, 1.837456, 1.783882, 1.738879,
                           0.883389, 0.630552 };
  for (size_t i = 0; i < 7; i++) {
    deq_icl_point p;
    ck_assert_st(deq_icl_solve(&p, NULL, 1, INFINITY, tau[i], 0.1, 0), DEQ_OK);
    ck_assert_double_eq_tol(p.e_icl, ridgeless[i], 6e-7);
    ck_assert_st(deq_icl_solve(&p, NULL, 1, INFINITY, tau[i], 0.1, 0.1),
                 DEQ_OK);
    ck_assert_double_eq_tol(p.e_icl, ridge[i], 6e-7);
  }
}
END_TEST

/* Spec 1.5, the task-diversity transition at alpha = tau = 1e4.  */
START_TEST(test_diversity_table)
{
  const double kappa[] = { 0.25, 0.5, 0.9, 1.0, 1.1, 2 };
  const double icl[] = { 0.918243, 0.645549, 0.209289, 0.106302, 0.100234,
                         0.100130 };
  for (size_t i = 0; i < 6; i++) {
    deq_icl_point p;
    ck_assert_st(deq_icl_solve(&p, NULL, 1e4, kappa[i], 1e4, 0.1, 0), DEQ_OK);
    ck_assert_double_eq_tol(p.e_icl, icl[i], 6e-7);
    ck_assert_double_eq_tol(p.e_idg, 0.1000, 5e-4);
  }
}
END_TEST

/* tau -> inf, kappa = inf: the optimal isotropic Gamma, rho + x/(1 + x). */
START_TEST(test_infinite_pretraining)
{
  deq_icl_point p;
  ck_assert_st(deq_icl_solve(&p, NULL, 2, INFINITY, 1e12, 0.3, 0), DEQ_OK);
  double x = 1.3 / 2;
  ck_assert_rel(p.e_icl, 0.3 + x / (1 + x), 1e-10);
}
END_TEST

START_TEST(test_divergence)
{
  deq_icl_point p;
  ck_assert_st(deq_icl_solve(&p, NULL, 1, 2, 1, 0.1, 0), DEQ_EDIVERGE);
  ck_assert(isinf(p.e_icl) && p.e_icl > 0);
  ck_assert(isinf(p.e_idg) && p.e_idg > 0);
  ck_assert_int_eq(p.status, DEQ_EDIVERGE);
  double a, b;
  ck_assert_st(deq_icl_closed_form(&a, &b, 1, 2, 1, 0.1), DEQ_EDIVERGE);
  ck_assert(isinf(a) && isinf(b));
  /* a ridge removes the peak */
  ck_assert_st(deq_icl_solve(&p, NULL, 1, 2, 1, 0.1, 0.01), DEQ_OK);
  ck_assert(isfinite(p.e_icl));
}
END_TEST

START_TEST(test_bad_input)
{
  deq_icl_point p;
  const double bad[][5] = { { 0, 1, 1, 0, 0 }, { -1, 1, 2, 0, 0 },
                            { 1, 0, 2, 0, 0 }, { 1, -1, 2, 0, 0 },
                            { 1, 1, 0, 0, 0 }, { 1, 1, -2, 0, 0 },
                            { 1, 1, 2, -0.1, 0 }, { 1, 1, 2, 0, -1 },
                            { NAN, 1, 2, 0, 0 }, { 1, 1, INFINITY, 0, 0 } };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const double *b = bad[i];
    ck_assert_st(deq_icl_solve(&p, NULL, b[0], b[1], b[2], b[3], b[4]),
                 DEQ_EDOM);
    ck_assert(isnan(p.e_icl) && isnan(p.e_idg));
    if (b[4] == 0)
      ck_assert_st(deq_icl_closed_form(NULL, NULL, b[0], b[1], b[2], b[3]),
                   DEQ_EDOM);
  }
  ck_assert_st(deq_icl_solve(NULL, NULL, 1, 1, 2, 0, 0), DEQ_EINVAL);
  /* incompatible task spectra: dimensions 2 and 3 */
  deq_spectrum *a = two_level(1.5, 0.5), *c = NULL;
  ck_assert_st(deq_spectrum_iso(&c, 3, 1), DEQ_OK);
  deq_icl_tasks *tk = NULL;
  deq_error err;
  deq_error_clear(&err);
  ck_assert_st(deq_icl_tasks_alloc(&tk, a, c, &err), DEQ_EDOM);
  ck_assert_ptr_null(tk);
  ck_assert(strstr(err.message, "incompatible") != NULL);
  deq_spectrum_free(a);
  deq_spectrum_free(c);
}
END_TEST

/* ------------------------------------------------------------ section 2 */

/* Spec 2.3: C_tr two-level (1.5, 0.5), tau = 3, alpha = 2, kappa = 1,
   rho = 0.1: aligned, isotropic and anti-aligned tests, and IDG.  */
START_TEST(test_alignment_table)
{
  deq_spectrum *tr = two_level(1.5, 0.5), *anti = two_level(0.5, 1.5);
  deq_spectrum *iso = two_level(1, 1);
  const deq_spectrum *te[3] = { NULL, iso, anti };
  const double want[2][4] = {
    { 0.81875606, 0.91030635, 1.00185663, 0.53090274 },
    { 0.72120839, 0.80217976, 0.88315112, 0.46217533 } };
  const double align0[3] = { 0.45840844, 0.54995873, 0.64150901 };
  for (int l = 0; l < 2; l++)
    for (int k = 0; k < 3; k++) {
      deq_icl_tasks *tk = tasks(tr, te[k]);
      deq_icl_point p;
      ck_assert_st(deq_icl_solve(&p, tk, 2, 1, 3, 0.1, l ? 0.2 : 0), DEQ_OK);
      ck_assert_double_eq_tol(p.e_icl, want[l][k], 6e-9);
      ck_assert_double_eq_tol(p.e_idg, want[l][3], 6e-9);
      ck_assert_rel(p.e_pretrain + p.e_align, p.e_icl, 1e-14);
      if (l == 0) {
        ck_assert_double_eq_tol(p.e_pretrain, 0.36034762, 6e-9);
        ck_assert_double_eq_tol(p.e_align, align0[k], 6e-9);
      }
      deq_icl_tasks_free(tk);
    }
  deq_spectrum_free(tr);
  deq_spectrum_free(anti);
  deq_spectrum_free(iso);
}
END_TEST

/* e_align is linear in C_te: the isotropic test is the mean of the
   aligned and anti-aligned ones (any C_tr, any point).  */
START_TEST(test_alignment_linear)
{
  deq_spectrum *tr = two_level(2.5, 0.2), *anti = two_level(0.2, 2.5);
  deq_spectrum *mid = two_level(1.35, 1.35);
  deq_icl_tasks *a = tasks(tr, NULL), *b = tasks(tr, anti), *m = tasks(tr, mid);
  deq_icl_point pa, pb, pm;
  ck_assert_st(deq_icl_solve(&pa, a, 0.8, 0.6, 0.4, 0.3, 0.05), DEQ_OK);
  ck_assert_st(deq_icl_solve(&pb, b, 0.8, 0.6, 0.4, 0.3, 0.05), DEQ_OK);
  ck_assert_st(deq_icl_solve(&pm, m, 0.8, 0.6, 0.4, 0.3, 0.05), DEQ_OK);
  ck_assert_rel(pm.e_align, (pa.e_align + pb.e_align) / 2, 1e-13);
  ck_assert_rel(pm.e_pretrain, pa.e_pretrain, 1e-14);   /* same trace */
  ck_assert_rel(pm.e_idg, pa.e_idg, 1e-14);             /* IDG ignores C_te */
  ck_assert(pa.e_icl < pm.e_icl && pm.e_icl < pb.e_icl);
  deq_icl_tasks_free(a);
  deq_icl_tasks_free(b);
  deq_icl_tasks_free(m);
  deq_spectrum_free(tr);
  deq_spectrum_free(anti);
  deq_spectrum_free(mid);
}
END_TEST

/* Section 2 with C_te = C_tr is section 1: an explicit equal test
   spectrum changes nothing, and C_tr = I (any dimension) is the
   isotropic model.  */
START_TEST(test_alignment_reduces)
{
  deq_spectrum *tr = two_level(1.7, 0.4), *iso = NULL;
  ck_assert_st(deq_spectrum_iso(&iso, 50, 1), DEQ_OK);
  deq_icl_tasks *a = tasks(tr, NULL), *b = tasks(tr, tr), *c = tasks(iso, iso);
  const double tau[] = { 0.4, 2.5 }, lambda[] = { 0, 0.3 };
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      deq_icl_point pa, pb, pc, p0;
      ck_assert_st(deq_icl_solve(&pa, a, 1.3, 0.7, tau[i], 0.2, lambda[j]),
                   DEQ_OK);
      ck_assert_st(deq_icl_solve(&pb, b, 1.3, 0.7, tau[i], 0.2, lambda[j]),
                   DEQ_OK);
      ck_assert_double_eq(pa.e_icl, pb.e_icl);
      ck_assert_double_eq(pa.e_idg, pb.e_idg);
      ck_assert_st(deq_icl_solve(&pc, c, 1.3, 0.7, tau[i], 0.2, lambda[j]),
                   DEQ_OK);
      ck_assert_st(deq_icl_solve(&p0, NULL, 1.3, 0.7, tau[i], 0.2, lambda[j]),
                   DEQ_OK);
      ck_assert_rel(pc.e_icl, p0.e_icl, 1e-15);
      ck_assert_rel(pc.e_idg, p0.e_idg, 1e-15);
    }
  deq_icl_tasks_free(a);
  deq_icl_tasks_free(b);
  deq_icl_tasks_free(c);
  deq_spectrum_free(tr);
  deq_spectrum_free(iso);
}
END_TEST

/* Atoms of different multiplicities pair by direction: train (3 x 2.0,
   1 x 0.5) against test (1 x 1.0, 3 x 0.2) gives joint atoms
   (2, 1) 1/4, (2, 0.2) 1/2, (0.5, 0.2) 1/4.  */
START_TEST(test_tasks_merge)
{
  double s1[2] = { 2.0, 0.5 }, m1[2] = { 3, 1 }, s2[2] = { 1.0, 0.2 },
         m2[2] = { 1, 3 };
  deq_spectrum *a = NULL, *b = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&a, 2, s1, m1, NULL, NULL), DEQ_OK);
  ck_assert_st(deq_spectrum_from_arrays(&b, 2, s2, m2, NULL, NULL), DEQ_OK);
  deq_icl_tasks *tk = tasks(a, b);
  ck_assert_uint_eq(tk->n, 3);
  const double c[3] = { 2, 2, 0.5 }, t[3] = { 1, 0.2, 0.2 },
               w[3] = { 0.25, 0.5, 0.25 };
  for (int i = 0; i < 3; i++) {
    ck_assert_double_eq(tk->c[i], c[i]);
    ck_assert_double_eq(tk->t[i], t[i]);
    ck_assert_double_eq_tol(tk->w[i], w[i], 1e-15);
  }
  ck_assert_double_eq_tol(tk->mean_c, 1.625, 1e-15);
  ck_assert_double_eq_tol(tk->mean_t, 0.4, 1e-15);
  deq_icl_tasks_free(tk);
  deq_spectrum_free(a);
  deq_spectrum_free(b);
}
END_TEST

/* ------------------------------------------------------------ MPFR twin */

START_TEST(test_mpfr)
{
  deq_spectrum *tr = two_level(1.5, 0.5), *anti = two_level(0.5, 1.5);
  deq_icl_tasks *tk = tasks(tr, anti);
  const deq_icl_tasks *which[2] = { NULL, tk };
  const double pts[][5] = { { 1, INFINITY, 0.5, 0.1, 0 }, { 2, 1, 3, 0.1, 0 },
                            { 2, 1, 3, 0.1, 0.2 }, { 0.7, 0.4, 0.6, 0, 0 },
                            { 3, 0.3, 1.2, 0.5, 1e-3 }, { 1, 5, 1, 0.2, 0.05 } };
  for (int w = 0; w < 2; w++)
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
      const double *x = pts[i];
      deq_icl_point p, q;
      ck_assert_st(deq_icl_solve(&p, which[w], x[0], x[1], x[2], x[3], x[4]),
                   DEQ_OK);
      ck_assert_st(deq_mp_icl(&q, which[w], x[0], x[1], x[2], x[3], x[4], 200),
                   DEQ_OK);
      ck_assert_rel(p.e_icl, q.e_icl, 1e-12);
      ck_assert_rel(p.e_idg, q.e_idg, 1e-12);
      ck_assert_rel(p.e_align, q.e_align, 1e-12);
      ck_assert_rel(p.alignment, q.alignment, 1e-12);
      ck_assert_rel(p.nu, q.nu, 1e-12);
      ck_assert_rel(p.a, q.a, 1e-12);
    }
  deq_icl_point q;
  ck_assert_st(deq_mp_icl(&q, NULL, 1, 2, 1, 0.1, 0, 200), DEQ_EDIVERGE);
  ck_assert(isinf(q.e_icl));
  ck_assert_st(deq_mp_icl(&q, NULL, 1, 2, -1, 0.1, 0, 200), DEQ_EDOM);
  deq_icl_tasks_free(tk);
  deq_spectrum_free(tr);
  deq_spectrum_free(anti);
}
END_TEST

/* ------------------------------------------------------------ finite d */

/* The optimal isotropic Gamma = I/(1 + x), x = d(1 + rho)/ell, s column
   0: e = rho + x/(1 + x) + 1/(ell (1 + x)^2) exactly.  */
START_TEST(test_gamma_error_iso)
{
  size_t d = 7;
  double ell = 5, rho = 0.3, x = (double)d * (1 + rho) / ell;
  double G[7 * 8] = { 0 };
  for (size_t i = 0; i < d; i++) G[i * 8 + i] = 1 / (1 + x);
  double e;
  ck_assert_st(deq_icl_gamma_error_gaussian(&e, G, 8, d, ell, rho, NULL, 0),
               DEQ_OK);
  ck_assert_rel(e, rho + x / (1 + x) + 1 / (ell * (1 + x) * (1 + x)), 1e-14);
  double C[49] = { 0 };
  for (size_t i = 0; i < d; i++) C[i * 7 + i] = 1;
  double e2;
  ck_assert_st(deq_icl_gamma_error_gaussian(&e2, G, 8, d, ell, rho, C, 7),
               DEQ_OK);
  ck_assert_rel(e2, e, 1e-14);
  ck_assert_st(deq_icl_gamma_error_gaussian(&e, G, 7, d, ell, rho, NULL, 0),
               DEQ_EINVAL);
  ck_assert_st(deq_icl_gamma_error_gaussian(&e, G, 8, d, ell, -1, NULL, 0),
               DEQ_EDOM);
}
END_TEST

/* A small generator for the sampling check (xorshift64*, Box-Muller).  */
typedef struct trng { uint64_t s; } trng;
static double tu(trng *r)
{
  r->s ^= r->s >> 12; r->s ^= r->s << 25; r->s ^= r->s >> 27;
  return ((r->s * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}
static double tn(trng *r)
{
  double u = tu(r), v = tu(r);
  return sqrt(-2 * log(u + 0x1.0p-60)) * cos(2 * M_PI * v);
}

/* The exact error of a random Gamma over two given tasks against direct
   sampling of contexts and queries.  */
START_TEST(test_gamma_error_sampled)
{
  enum { D = 3, ELL = 4, K = 2 };
  trng r = { test_seed(12345) | 1 };
  double G[D * (D + 1)], W[K * D];
  for (int i = 0; i < D * (D + 1); i++) G[i] = 0.6 * tn(&r);
  for (int i = 0; i < K * D; i++) W[i] = tn(&r);
  double rho = 0.2, want;
  ck_assert_st(deq_icl_gamma_error_tasks(&want, G, D + 1, D, ELL, rho, W, D, K),
               DEQ_OK);
  size_t n = 400000;
  double mean = 0, m2 = 0, xs = 1 / sqrt((double)D);
  for (size_t t = 0; t < n; t++) {
    const double *w = W + (t % K) * D;
    double h[D] = { 0 }, s = 0, x[D], y = 0;
    for (int i = 0; i <= ELL; i++) {
      y = 0;
      for (int j = 0; j < D; j++) {
        x[j] = xs * tn(&r);
        y += w[j] * x[j];
      }
      y += sqrt(rho) * tn(&r);
      if (i == ELL) break;
      for (int j = 0; j < D; j++) h[j] += (double)D / ELL * y * x[j];
      s += y * y / ELL;
    }
    double pred = 0;
    for (int i = 0; i < D; i++) {
      double gv = G[i * (D + 1) + D] * s;
      for (int j = 0; j < D; j++) gv += G[i * (D + 1) + j] * h[j];
      pred += x[i] * gv;
    }
    double e = (y - pred) * (y - pred), dlt = e - mean;
    mean += dlt / (double)(t + 1);
    m2 += dlt * (e - mean);
  }
  double se = sqrt(m2 / (double)(n - 1) / (double)n);
  ck_assert_msg(fabs(mean - want) < 4 * se, "sampled %g +- %g vs exact %g "
                "(seed %llu)", mean, se, want,
                (unsigned long long)test_seed(12345));
}
END_TEST

/* ------------------------------------------------------------ Monte Carlo */

START_TEST(test_mc_threads)
{
  double lambda[2] = { 0, 0.1 };
  deq_mc_icl_row a[2], b[2];
  /* dual (tau < 1) and primal (tau > 1) paths */
  const double tau[2] = { 0.5, 2 };
  for (int i = 0; i < 2; i++) {
    ck_assert_st(deq_mc_icl_run(a, NULL, 8, 1, 0.5, tau[i], 0.1, lambda, 2, 6,
                                7, 1), DEQ_OK);
    ck_assert_st(deq_mc_icl_run(b, NULL, 8, 1, 0.5, tau[i], 0.1, lambda, 2, 6,
                                7, 2), DEQ_OK);
    for (int l = 0; l < 2; l++) {
      ck_assert(memcmp(&a[l], &b[l], sizeof a[l]) == 0);
      ck_assert(isfinite(a[l].e_icl.mean) && a[l].e_icl.se > 0);
    }
  }
  ck_assert_st(deq_mc_icl_run(a, NULL, 8, 1, 0.5, 2, 0.1, lambda, 2, 1, 7, 1),
               DEQ_EINVAL);
  ck_assert_st(deq_mc_icl_run(a, NULL, 8, 0, 0.5, 2, 0.1, lambda, 2, 4, 7, 1),
               DEQ_EDOM);
  ck_assert_st(deq_mc_icl_run(a, NULL, 8, 1, 0.5, 2, -0.1, lambda, 2, 4, 7, 1),
               DEQ_EDOM);
  /* a two-level spectrum needs an even d */
  deq_spectrum *tr = two_level(1.5, 0.5);
  deq_icl_tasks *tk = tasks(tr, NULL);
  ck_assert_st(deq_mc_icl_run(a, tk, 7, 1, 0.5, 2, 0.1, lambda, 2, 4, 7, 1),
               DEQ_EDOM);
  deq_icl_tasks_free(tk);
  deq_spectrum_free(tr);
}
END_TEST

/* Seeded Monte Carlo at d = 8, 16: the gap to theory shrinks like 1/d,
   and the extrapolation 2 e(16) - e(8) is within 4 standard errors of
   the theory (z of the extrapolated value).  A dual case (tau < 1,
   aligned two-level tasks against an anti-aligned test) and a primal
   one (tau > 1, isotropic).  */
static void mc_trend(const deq_icl_tasks *tk, double alpha, double kappa,
                     double tau, double rho, double lambda, size_t trials)
{
  uint64_t seed = test_seed(20261202);
  deq_icl_point th;
  ck_assert_st(deq_icl_solve(&th, tk, alpha, kappa, tau, rho, lambda), DEQ_OK);
  deq_mc_icl_row r8, r16;
  ck_assert_st(deq_mc_icl_run(&r8, tk, 8, alpha, kappa, tau, rho, &lambda, 1,
                              trials, seed, 0), DEQ_OK);
  ck_assert_st(deq_mc_icl_run(&r16, tk, 16, alpha, kappa, tau, rho, &lambda, 1,
                              trials, seed + 1, 0), DEQ_OK);
  const deq_mc_estimate *e8[2] = { &r8.e_icl, &r8.e_idg };
  const deq_mc_estimate *e16[2] = { &r16.e_icl, &r16.e_idg };
  const double want[2] = { th.e_icl, th.e_idg };
  for (int q = 0; q < 2; q++) {
    double g8 = e8[q]->mean - want[q], g16 = e16[q]->mean - want[q];
    double ext = 2 * e16[q]->mean - e8[q]->mean;
    double se = sqrt(4 * e16[q]->se * e16[q]->se + e8[q]->se * e8[q]->se);
    double z = (ext - want[q]) / se;
    ck_assert_msg(fabs(z) < 4, "%s: d=8 %g, d=16 %g, extrapolated %g +- %g, "
                  "theory %g: z = %g (seed %llu)", q ? "e_IDG" : "e_ICL",
                  e8[q]->mean, e16[q]->mean, ext, se, want[q], z,
                  (unsigned long long)seed);
    ck_assert_msg(fabs(g16) < fabs(g8) + 2 * e8[q]->se, "%s gap %g -> %g "
                  "(seed %llu)", q ? "e_IDG" : "e_ICL", g8, g16,
                  (unsigned long long)seed);
  }
}

START_TEST(test_mc_trend_dual)
{
  deq_spectrum *tr = two_level(1.5, 0.5), *anti = two_level(0.5, 1.5);
  deq_icl_tasks *tk = tasks(tr, anti);
  mc_trend(tk, 1, 0.5, 0.5, 0.1, 0.1, 200);
  deq_icl_tasks_free(tk);
  deq_spectrum_free(tr);
  deq_spectrum_free(anti);
}
END_TEST

START_TEST(test_mc_trend_primal)
{
  mc_trend(NULL, 1, 0.5, 2, 0.1, 0.1, 60);
}
END_TEST

static Suite *icl_suite(void)
{
  Suite *s = suite_create("icl");
  TCase *tc = tcase_create("theory");
  tcase_add_test(tc, test_closed_forms);
  tcase_add_test(tc, test_double_descent_table);
  tcase_add_test(tc, test_diversity_table);
  tcase_add_test(tc, test_infinite_pretraining);
  tcase_add_test(tc, test_divergence);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_alignment_table);
  tcase_add_test(tc, test_alignment_linear);
  tcase_add_test(tc, test_alignment_reduces);
  tcase_add_test(tc, test_tasks_merge);
  tcase_add_test(tc, test_mpfr);
  suite_add_tcase(s, tc);
  TCase *tf = tcase_create("finite_d");
  tcase_set_timeout(tf, 120);
  tcase_add_test(tf, test_gamma_error_iso);
  tcase_add_test(tf, test_gamma_error_sampled);
  tcase_add_test(tf, test_mc_threads);
  tcase_add_test(tf, test_mc_trend_dual);
  tcase_add_test(tf, test_mc_trend_primal);
  suite_add_tcase(s, tf);
  return s;
}

int main(void)
{
  printf("t-icl: seed %llu (DEQ_TEST_SEED)\n",
         (unsigned long long)test_seed(20261202));
  return test_run(icl_suite());
}
