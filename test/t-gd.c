/* test/t-gd.c -- full-batch gradient descent (deq/dynamics.h, deq_gd_*):
 * the contour's mass, t = 0 (the signal sum v), t -> infinity (the
 * ridgeless static risk of deq_ridge_solve), the isotropic case against
 * a direct quadrature of the Marchenko-Pastur density (closed form,
 * written here), early stopping against a scan of deq_gd_run, bad input,
 * and a seeded Monte Carlo of GD run step by step on sampled data.  */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <deq.h>
#include "testutil.h"

static deq_spectrum *loguniform(size_t n)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, n, 0.1, 10), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 1.0), DEQ_OK);
  return sp;
}

static double half_bound(const deq_spectrum *sp, double P)
{
  double b;
  ck_assert_st(deq_gd_lr_bound(&b, sp, P), DEQ_OK);
  return b / 2;     /* eta = 1/hi, as in spec 5.2 */
}

/* ------------------------------------------------------------ contour */

START_TEST(test_contour_mass)
{
  deq_spectrum *sp = loguniform(100);
  double P[] = { 400, 200, 120 }, frac[] = { 0.5, 0.9, 0.99 };
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 3; j++) {
      double mass;
      size_t nodes;
      double eta = 2 * half_bound(sp, P[i]) * frac[j];
      ck_assert_st(deq_gd_contour_mass(&mass, &nodes, sp, P[i], eta, NULL),
                   DEQ_OK);
      ck_assert_msg(fabs(mass - 1) < 1e-12, "P %g eta frac %g: mass %.17g "
                    "(%zu nodes)", P[i], frac[j], mass, nodes);
    }
  /* P < N: the contour encloses the nonzero eigenvalues only, mass P/N */
  double Pu[] = { 80, 50, 20 };
  for (size_t i = 0; i < 3; i++) {
    double mass;
    ck_assert_st(deq_gd_contour_mass(&mass, NULL, sp, Pu[i],
                                     half_bound(sp, Pu[i]), NULL), DEQ_OK);
    ck_assert_msg(fabs(mass - Pu[i] / 100) < 1e-12, "P %g: mass %.17g",
                  Pu[i], mass);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ limits */

START_TEST(test_t0_is_signal)
{
  deq_spectrum *sp = loguniform(100);
  double T[] = { 0 }, P[] = { 300, 60, 25 };
  for (size_t i = 0; i < 3; i++) {   /* P < N: the null-space residues */
    deq_gd_point o;
    ck_assert_st(deq_gd_run(&o, sp, P[i], 0.7, half_bound(sp, P[i]), T, 1,
                            NULL), DEQ_OK);
    ck_assert_rel(o.signal, sp->signal, 1e-12);
    ck_assert(fabs(o.variance) < 1e-14);
    ck_assert_rel(o.E_test, o.E_g + 0.7, 1e-15);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* t = +Inf is least squares: E_g = sigma^2 gamma/(1 - gamma), the
   ridgeless risk; a large finite t converges to it.  */
START_TEST(test_t_inf_is_ridgeless)
{
  deq_spectrum *sp = loguniform(100);
  /* both sides of N; 101 and 99: the lens, converged only for t >>
     1/(eta lo) ~ 1e7 */
  double P[] = { 400, 150, 60, 30, 101, 99 }, noise = 0.5;
  for (size_t i = 0; i < 6; i++) {
    deq_ridge_point r;
    ck_assert_st(deq_ridge_solve(&r, sp, P[i], 0, noise, NULL), DEQ_OK);
    double eta = half_bound(sp, P[i]);
    double T[] = { INFINITY, i < 4 ? 200000 : 1e10 };
    deq_gd_point o[2];
    ck_assert_st(deq_gd_run(o, sp, P[i], noise, eta, T, 2, NULL), DEQ_OK);
    if (P[i] > 100) ck_assert(fabs(o[0].signal) < 1e-14);
    else ck_assert_rel(o[0].signal, r.bias, 1e-12);   /* null-space bias */
    ck_assert_rel(o[0].E_g, r.E_g, 1e-12);
    ck_assert_rel(o[1].E_g, r.E_g, 1e-10);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ isotropic */

/* Sigma = I, q = N/P: the MP density sqrt((hi - x)(x - lo))/(2 pi q
   x) on [lo, hi] = [(1 - sqrt q)^2, (1 + sqrt q)^2].  With x = c + f cos
   phi the integral of g against it is a smooth periodic integral in phi,
   summed by the midpoint rule; for q > 1 it has mass 1/q and the rest,
   1 - 1/q, is an atom at 0 where GD does not move.  signal = |wbar|^2
   (atom + int (1 - eta x)^(2t)), variance = sigma^2 q int (1 - (1 - eta
   x)^t)^2/x (the atom adds nothing).  */
static double mp_integral(double q, double eta, double t, int which)
{
  double lo = pow(1 - sqrt(q), 2), hi = pow(1 + sqrt(q), 2);
  double c = (lo + hi) / 2, f = (hi - lo) / 2, sum = 0;
  int n = 4000;
  for (int k = 0; k < n; k++) {
    double phi = (k + 0.5) * M_PI / n, x = c + f * cos(phi);
    double dens = f * f * sin(phi) * sin(phi) / (2 * M_PI * q * x);
    double p = pow(1 - eta * x, t);
    double g = which ? (1 - p) * (1 - p) / x : p * p;
    sum += g * dens;
  }
  return sum * M_PI / n;
}

START_TEST(test_isotropic_quadrature)
{
  /* q = 0.4, 2.5 (the ellipse), 1 (P = N: the hard edge), 1 -+ 1%
     (the lens), and either side of the switch lo = 1e-3 hi at P =
     113.48 (113.3: the lens, 113.7: the ellipse)  */
  double Ps[] = { 250, 40, 100, 101, 99, 113.3, 113.7 };
  double N = 100, P = Ps[_i], q = N / P, noise = 0.3, norm = 2;
  double atom = q > 1 ? 1 - 1 / q : 0;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, N, 1.0), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, norm), DEQ_OK);
  double hi = pow(1 + sqrt(q), 2), eta = 1.6 / hi;
  double T[] = { 1, 3, 10, 40, 150 };
  deq_gd_point o[5];
  ck_assert_st(deq_gd_run(o, sp, P, noise, eta, T, 5, NULL), DEQ_OK);
  for (size_t i = 0; i < 5; i++) {
    double sig = norm * (atom + mp_integral(q, eta, T[i], 0));
    double var = noise * q * mp_integral(q, eta, T[i], 1);
    ck_assert_rel(o[i].signal, sig, 1e-11);
    ck_assert_rel(o[i].variance, var, 1e-11);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ P = N */

/* At P = N the sample spectrum reaches 0 (density ~ s^-1/2): R_t is
   finite at every finite t, continuous in P across N, and the variance
   grows like sqrt(t) (the interpolation peak); t = +Inf is +Inf with
   DEQ_EDIVERGE (noise > 0), or 0 without noise.  */
START_TEST(test_critical)
{
  deq_spectrum *sp = loguniform(100);
  double N = 100, d = 1e-3, noise = 0.5;
  double T[] = { 10, 100, 1000, 1e8, 4e8, INFINITY };
  deq_gd_point lo[6], mid[6], hi[6];
  double eta = half_bound(sp, N);
  ck_assert_st(deq_gd_run(lo, sp, N * (1 - d), noise, eta, T, 5, NULL),
               DEQ_OK);
  ck_assert_st(deq_gd_run(hi, sp, N * (1 + d), noise, eta, T, 5, NULL),
               DEQ_OK);
  ck_assert_st(deq_gd_run(mid, sp, N, noise, eta, T, 6, NULL), DEQ_EDIVERGE);
  for (size_t i = 0; i < 3; i++) {
    double up = hi[i].E_g - mid[i].E_g, down = mid[i].E_g - lo[i].E_g;
    /* continuous, and smooth: the one-sided slopes agree */
    ck_assert_msg(fabs(up) < 1e-2 * mid[i].E_g && fabs(down) < 1e-2 *
                  mid[i].E_g && fabs(up - down) < 0.02 * fabs(up + down),
                  "t = %g: %.12g %.12g %.12g", T[i], lo[i].E_g, mid[i].E_g,
                  hi[i].E_g);
    ck_assert(mid[i].status == DEQ_OK);
  }
  /* variance ~ sqrt(t) far out: (1/P) tr Sigma h_t ~ c sqrt(eta t) */
  ck_assert_rel(mid[4].variance / mid[3].variance, 2.0, 2e-3);
  ck_assert(mid[5].signal == 0 && mid[5].variance == INFINITY);
  ck_assert(mid[5].E_g == INFINITY && mid[5].status == DEQ_EDIVERGE);
  deq_gd_point z;
  ck_assert_st(deq_gd_run(&z, sp, N, 0, eta, T + 5, 1, NULL), DEQ_OK);
  ck_assert(z.E_g == 0);
  /* the contour mass on the lens: 1 at P >= N, P/N below */
  double mass;
  ck_assert_st(deq_gd_contour_mass(&mass, NULL, sp, N, eta, NULL), DEQ_OK);
  ck_assert(fabs(mass - 1) < 1e-12);
  ck_assert_st(deq_gd_contour_mass(&mass, NULL, sp, 99, eta, NULL), DEQ_OK);
  ck_assert(fabs(mass - 0.99) < 1e-12);
  deq_spectrum_free(sp);
}
END_TEST

/* Zero eigenvalues of Sigma (no target power on them) change nothing
   but N: the run equals the one on the nonzero atoms, on both sides of
   rank = 80 and at it.  */
START_TEST(test_singular_sigma)
{
  double s[] = { 0, 0.5, 2 }, m[] = { 20, 40, 40 }, v[] = { 0, 0.3, 0.7 };
  deq_spectrum *sp = NULL, *nz = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 3, s, m, v, NULL), DEQ_OK);
  ck_assert_st(deq_spectrum_from_arrays(&nz, 2, s + 1, m + 1, v + 1, NULL),
               DEQ_OK);
  double P[] = { 50, 80, 130 }, T[] = { 0, 7, 300, INFINITY };
  for (size_t i = 0; i < 3; i++) {
    double eta = half_bound(sp, P[i]), eta2 = half_bound(nz, P[i]);
    ck_assert(eta == eta2);
    deq_gd_point a[4], b[4];
    deq_status sa = deq_gd_run(a, sp, P[i], 0.2, eta, T, 4, NULL);
    deq_status sb = deq_gd_run(b, nz, P[i], 0.2, eta, T, 4, NULL);
    ck_assert(sa == sb && sa == (P[i] == 80 ? DEQ_EDIVERGE : DEQ_OK));
    for (size_t k = 0; k < 4; k++)
      ck_assert(a[k].E_g == b[k].E_g && a[k].signal == b[k].signal);
    ck_assert_rel(a[0].signal, 1.0, 1e-12);
  }
  deq_spectrum_free(sp);
  deq_spectrum_free(nz);
}
END_TEST

/* ------------------------------------------------------------ MPFR twin */

/* deq_mp_gd (moments as power series in 1/z, no contour) against the
   contour (ellipse or lens) at t <= 40, on both sides of N, at P = N and
   for a singular Sigma; t = 1 for Sigma = I in closed form.  */
START_TEST(test_mp_twin)
{
  deq_spectrum *sp = loguniform(30);
  double P[] = { 15, 29, 30, 31, 90 }, T[] = { 0, 1, 3, 17, 40 };
  for (size_t i = 0; i < 5; i++) {
    double eta = half_bound(sp, P[i]);
    deq_gd_point o[5], m;
    ck_assert_st(deq_gd_run(o, sp, P[i], 0.4, eta, T, 5, NULL), DEQ_OK);
    for (size_t k = 0; k < 5; k++) {
      ck_assert_st(deq_mp_gd(&m, sp, P[i], 0.4, eta, T[k], 200), DEQ_OK);
      ck_assert_msg(fabs(m.signal - o[k].signal) <= 1e-13 * m.signal
                    && fabs(m.variance - o[k].variance) <= 1e-13 * m.E_g,
                    "P %g t %g: signal %.17g vs %.17g, variance %.17g vs "
                    "%.17g", P[i], T[k], o[k].signal, m.signal,
                    o[k].variance, m.variance);
    }
  }
  deq_gd_point m;
  ck_assert_st(deq_mp_gd(&m, sp, 30, 0.4, 0.05, INFINITY, 200), DEQ_EUNSUP);
  ck_assert_st(deq_mp_gd(&m, sp, 30, 0.4, 0.05, 65, 200), DEQ_EUNSUP);
  ck_assert_st(deq_mp_gd(&m, sp, 30, 0.4, 0.05, 2.5, 200), DEQ_EDOM);
  ck_assert_st(deq_mp_gd(&m, sp, 30, 0.4, 0.05, 2, 20), DEQ_EINVAL);
  deq_spectrum_free(sp);
  /* Sigma = I, q = N/P: t = 1 signal |wbar|^2 (1 - 2 eta + eta^2 (1 +
     q)), variance sigma^2 q eta^2; and a singular Sigma  */
  ck_assert_st(deq_spectrum_iso(&sp, 100, 1.0), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 2.0), DEQ_OK);
  ck_assert_st(deq_mp_gd(&m, sp, 100, 0.3, 0.25, 1, 200), DEQ_OK);
  ck_assert_rel(m.signal, 2 * (1 - 0.5 + 0.0625 * 2), 1e-15);
  ck_assert_rel(m.variance, 0.3 * 0.0625, 1e-15);
  deq_spectrum_free(sp);
  double s[] = { 0, 0.5, 2 }, mu[] = { 20, 40, 40 }, v[] = { 0, 0.3, 0.7 };
  ck_assert_st(deq_spectrum_from_arrays(&sp, 3, s, mu, v, NULL), DEQ_OK);
  double T2[] = { 9 };
  deq_gd_point o;
  ck_assert_st(deq_gd_run(&o, sp, 80, 0.2, 0.2, T2, 1, NULL), DEQ_OK);
  ck_assert_st(deq_mp_gd(&m, sp, 80, 0.2, 0.2, 9, 200), DEQ_OK);
  ck_assert_rel(o.E_g, m.E_g, 1e-13);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ early stop */

START_TEST(test_early_stop)
{
  deq_spectrum *sp = loguniform(60);
  double P = 120, noise = 1.0, eta = half_bound(sp, P);
  enum { TM = 300 };
  double T[TM + 1];
  for (int t = 0; t <= TM; t++) T[t] = t;
  deq_gd_point all[TM + 1], best;
  ck_assert_st(deq_gd_run(all, sp, P, noise, eta, T, TM + 1, NULL), DEQ_OK);
  ck_assert_st(deq_gd_early_stop(&best, sp, P, noise, eta, TM, NULL),
               DEQ_OK);
  size_t arg = 0;
  for (size_t t = 1; t <= TM; t++)
    if (all[t].E_g < all[arg].E_g) arg = t;
  ck_assert(arg > 0 && arg < TM);          /* an interior optimum */
  ck_assert(best.step == (double) arg);
  ck_assert_rel(best.E_g, all[arg].E_g, 1e-12);
  deq_spectrum_free(sp);
}
END_TEST

/* A plan gives deq_gd_run's numbers bitwise, in any order of steps.  */
START_TEST(test_plan)
{
  deq_spectrum *sp = loguniform(40);
  double P = 90, eta = half_bound(sp, P), T[] = { 30, 0, 7, INFINITY };
  deq_gd_point run[4], one;
  ck_assert_st(deq_gd_run(run, sp, P, 0.2, eta, T, 4, NULL), DEQ_OK);
  deq_gd_plan *plan = NULL;
  ck_assert_st(deq_gd_plan_alloc(&plan, sp, P, eta, NULL), DEQ_OK);
  for (size_t i = 0; i < 4; i++) {
    ck_assert_st(deq_gd_plan_eval(&one, plan, 0.2, T[i], NULL), DEQ_OK);
    ck_assert(one.E_g == run[i].E_g && one.signal == run[i].signal);
  }
  ck_assert_st(deq_gd_plan_eval(&one, plan, 0.2, 0.5, NULL), DEQ_EDOM);
  ck_assert_st(deq_gd_plan_eval(&one, plan, -1, 3, NULL), DEQ_EDOM);
  deq_gd_plan_free(plan);
  deq_gd_plan_free(NULL);
  ck_assert_st(deq_gd_plan_alloc(&plan, sp, P, 2 * eta, NULL), DEQ_EDOM);
  ck_assert(plan == NULL);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_bad_input)
{
  deq_spectrum *sp = loguniform(50);
  deq_gd_point o;
  deq_error err;
  double T[] = { 5 }, bad[] = { 2.5 }, neg[] = { -1 }, bound;
  ck_assert_st(deq_gd_lr_bound(&bound, sp, 200), DEQ_OK);
  /* unstable step: DEQ_EDOM naming the bound */
  ck_assert_st(deq_gd_run(&o, sp, 200, 0, bound, T, 1, &err), DEQ_EDOM);
  ck_assert(strstr(err.message, "stability bound") != NULL);
  ck_assert_st(deq_gd_run(&o, sp, 200, 0, 1.5 * bound, T, 1, &err),
               DEQ_EDOM);
  ck_assert_st(deq_gd_run(&o, sp, 200, 0, 0, T, 1, &err), DEQ_EDOM);
  ck_assert_st(deq_gd_run(&o, sp, 200, -1, bound / 2, T, 1, &err), DEQ_EDOM);
  ck_assert_st(deq_gd_run(&o, sp, 200, 0, bound / 2, bad, 1, &err),
               DEQ_EDOM);
  ck_assert_st(deq_gd_run(&o, sp, 200, 0, bound / 2, neg, 1, &err),
               DEQ_EDOM);
  /* eta within 1e-7 of the bound: either contour would need too many
     nodes (P = 400: the ellipse; P = N: the lens) */
  double Pb[] = { 400, 50 };
  for (size_t i = 0; i < 2; i++) {
    ck_assert_st(deq_gd_lr_bound(&bound, sp, Pb[i]), DEQ_OK);
    ck_assert_st(deq_gd_run(&o, sp, Pb[i], 0, bound * (1 - 1e-7), T, 1,
                            &err), DEQ_EUNSUP);
    ck_assert(strstr(err.message, "too close") != NULL);
  }
  ck_assert_st(deq_gd_run(NULL, sp, 200, 0, 0.01, T, 1, &err), DEQ_EINVAL);
  ck_assert_st(deq_gd_early_stop(&o, sp, 200, 0, 0.01, 0.5, &err),
               DEQ_EDOM);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ Monte Carlo */

static uint64_t sm_state;
static uint64_t splitmix(void)
{
  uint64_t z = (sm_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static double gauss(void)
{
  double u1 = ((splitmix() >> 11) + 0.5) * 0x1p-53;
  double u2 = (splitmix() >> 11) * 0x1p-53;
  return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* GD run step by step: w <- w - eta (S w - X'y/P) in Sigma's eigenbasis,
   R_t = sum_k s_k (w_k - wbar_k)^2 at the steps T (increasing).  */
static void gd_trial(double *R, const deq_spectrum *sp, size_t P,
                     double noise, double eta, const double *T, size_t nT)
{
  size_t N = sp->n;   /* one atom per direction (loguniform) */
  double *X = malloc(P * N * sizeof *X), *S = calloc(N * N, sizeof *S);
  double *r = calloc(N, sizeof *r), *w = calloc(N, sizeof *w);
  double *wb = malloc(N * sizeof *wb), *g = malloc(N * sizeof *g);
  for (size_t k = 0; k < N; k++) wb[k] = sqrt(sp->v[k] / sp->s[k]);
  for (size_t mu = 0; mu < P; mu++) {
    double *x = X + mu * N, y = 0;
    for (size_t k = 0; k < N; k++) {
      x[k] = sqrt(sp->s[k]) * gauss();
      y += x[k] * wb[k];
    }
    y += sqrt(noise) * gauss();
    for (size_t k = 0; k < N; k++) {
      r[k] += x[k] * y / P;
      for (size_t l = 0; l < N; l++) S[k * N + l] += x[k] * x[l] / P;
    }
  }
  size_t i = 0;
  for (double t = 0; i < nT; t++) {
    if (t == T[i]) {
      double e = 0;
      for (size_t k = 0; k < N; k++)
        e += sp->s[k] * (w[k] - wb[k]) * (w[k] - wb[k]);
      R[i++] = e;
    }
    for (size_t k = 0; k < N; k++) {
      double sw = 0;
      for (size_t l = 0; l < N; l++) sw += S[k * N + l] * w[l];
      g[k] = sw - r[k];
    }
    for (size_t k = 0; k < N; k++) w[k] -= eta * g[k];
  }
  free(X), free(S), free(r), free(w), free(wb), free(g);
}

START_TEST(test_monte_carlo)
{
  size_t Ps[] = { 320, 40, 80 };   /* P > N, P < N, P = N */
  size_t N = 80, P = Ps[_i], trials = 150;
  deq_spectrum *sp = loguniform(N);
  double noise = 0.5, eta = half_bound(sp, (double) P);
  double T[] = { 5, 20, 50, 100, 200 };
  enum { NT = 5 };
  deq_gd_point o[NT];
  ck_assert_st(deq_gd_run(o, sp, (double) P, noise, eta, T, NT, NULL),
               DEQ_OK);
  sm_state = test_seed(20261202);
  double sum[NT] = { 0 }, sum2[NT] = { 0 }, R[NT];
  for (size_t tr = 0; tr < trials; tr++) {
    gd_trial(R, sp, P, noise, eta, T, NT);
    for (size_t i = 0; i < NT; i++) sum[i] += R[i], sum2[i] += R[i] * R[i];
  }
  for (size_t i = 0; i < NT; i++) {
    double mean = sum[i] / trials;
    double var = (sum2[i] - trials * mean * mean) / (trials - 1);
    double z = (mean - o[i].E_g) / sqrt(var / trials);
    ck_assert_msg(fabs(z) < 4, "t = %g: theory %.6g, MC %.6g, z = %.2f",
                  T[i], o[i].E_g, mean, z);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* deq_mc_gd_run (GD exactly through the SVD of X) against the theory and
   the same estimates bitwise on 1 and 2 threads; P < N and P > N.  */
START_TEST(test_mc_gd_run)
{
  deq_spectrum *sp = loguniform(40);
  double P = _i ? 80 : 20, noise = 0.5, eta = half_bound(sp, P);
  double T[] = { 0, 3, 30, INFINITY };
  deq_gd_point o[4];
  ck_assert_st(deq_gd_run(o, sp, P, noise, eta, T, 4, NULL), DEQ_OK);
  deq_mc_estimate e1[4], e2[4];
  uint64_t seed = test_seed(20261203);
  ck_assert_st(deq_mc_gd_run(e1, sp, P, noise, eta, T, 4, 300, seed, 1),
               DEQ_OK);
  ck_assert_st(deq_mc_gd_run(e2, sp, P, noise, eta, T, 4, 300, seed, 2),
               DEQ_OK);
  ck_assert_rel(e1[0].mean, sp->signal, 1e-13);
  for (size_t q = 0; q < 4; q++) {
    ck_assert(e1[q].mean == e2[q].mean && e1[q].se == e2[q].se);
    if (q == 0) continue;
    double z = (e1[q].mean - o[q].E_g) / e1[q].se;
    ck_assert_msg(fabs(z) < 4, "P %g t = %g: theory %.6g, MC %.6g +- %.2g",
                  P, T[q], o[q].E_g, e1[q].mean, e1[q].se);
  }
  double bad[] = { 2.5 };
  ck_assert_st(deq_mc_gd_run(e1, sp, P, noise, eta, bad, 1, 10, 1, 1),
               DEQ_EDOM);
  ck_assert_st(deq_mc_gd_run(e1, sp, P + 0.5, noise, eta, T, 4, 10, 1, 1),
               DEQ_EDOM);
  ck_assert_st(deq_mc_gd_run(e1, sp, P, noise, eta, T, 4, 1, 1, 1),
               DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

static Suite *gd_suite(void)
{
  Suite *s = suite_create("gd");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_contour_mass);
  tcase_add_test(tc, test_t0_is_signal);
  tcase_add_test(tc, test_t_inf_is_ridgeless);
  tcase_add_loop_test(tc, test_isotropic_quadrature, 0, 7);
  tcase_add_test(tc, test_critical);
  tcase_add_test(tc, test_singular_sigma);
  tcase_add_test(tc, test_mp_twin);
  tcase_add_test(tc, test_early_stop);
  tcase_add_test(tc, test_plan);
  tcase_add_test(tc, test_bad_input);
  tcase_add_loop_test(tc, test_monte_carlo, 0, 3);
  tcase_add_loop_test(tc, test_mc_gd_run, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(gd_suite());
}
