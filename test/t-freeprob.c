/* t-freeprob.c -- Stieltjes transforms, sample-covariance spectra (density,
 * edges, moments), S-transforms and products of free matrices.
 *
 * References are independent of the solver: Marchenko-Pastur in closed
 * form, Narayana polynomials for its moments, the moment formulas of free
 * multiplicative convolution, the ridge solver (deq_ridge_solve), the
 * nested one-layer-at-a-time fixed point for products, exact scaling
 * identities, and 200-bit MPFR bisections for the S-transform and the
 * sample-covariance Stieltjes transform at z = -lambda.  */
#include "config.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <deq.h>
#include "testutil.h"

static deq_spectrum *two_atoms(double s1, double m1, double s2, double m2)
{
  double s[2] = { s1, s2 }, m[2] = { m1, m2 };
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 2, s, m, NULL, NULL), DEQ_OK);
  return sp;
}

/* ---------------------------------------------------------------- MP */

/* Density, edges and atom of the sample covariance of an isotropic
   spectrum agree with the closed form, for q < 1, q = 1 (hard edge) and
   q > 1 (atom at 0), and a scale.  */
START_TEST(test_mp_density)
{
  const double qs[] = { 0.5, 1.0, 2.0, 3.7 };
  for (size_t iq = 0; iq < 4; iq++) {
    double q = qs[iq], N = 300, P = N / q, scale = 2.5;
    deq_spectrum *sp = NULL;
    ck_assert_st(deq_spectrum_iso(&sp, N, scale), DEQ_OK);
    double lo, hi, a0;
    ck_assert_st(deq_freeprob_mp_edges(&lo, &hi, &a0, q, scale), DEQ_OK);
    deq_freeprob_support *s = NULL;
    ck_assert_st(deq_freeprob_sample_support(&s, sp, P), DEQ_OK);
    ck_assert_uint_eq(s->n, 1);
    ck_assert_rel(s->hi[0], hi, 1e-12);
    ck_assert(fabs(s->lo[0] - lo) <= 1e-12 * hi);
    ck_assert(fabs(s->atom0 - a0) <= 1e-15);
    ck_assert(fabs(s->mass[0] + s->atom0 - 1) <= 1e-10);
    enum { NX = 41 };
    double x[NX];
    deq_freeprob_point o[NX];
    for (int i = 0; i < NX; i++)  /* inside, outside and beyond */
      x[i] = -0.5 + (hi + 1) * i / (NX - 1.0);
    ck_assert_st(deq_freeprob_sample_density(o, sp, P, x, NX), DEQ_OK);
    for (int i = 0; i < NX; i++) {
      double r;
      ck_assert_st(deq_freeprob_mp_density(&r, q, scale, x[i]), DEQ_OK);
      ck_assert_msg(fabs(o[i].density - r) <= 1e-10 * (r + 0.01),
                    "q=%g x=%g: %.17g vs %.17g", q, x[i], o[i].density, r);
      ck_assert_int_eq(o[i].status, DEQ_OK);
    }
    deq_freeprob_support_free(s);
    deq_spectrum_free(sp);
  }
}
END_TEST

/* Narayana: m_k = sum_j (1/k) C(k,j) C(k,j-1) q^{j-1} for Sigma = I.  */
static double binom(int n, int k)
{
  double r = 1;
  for (int i = 1; i <= k; i++)
    r = r * (n - k + i) / i;
  return r;
}

START_TEST(test_mp_moments)
{
  const double qs[] = { 0.3, 1.0, 2.5 };
  for (size_t iq = 0; iq < 3; iq++) {
    double q = qs[iq], N = 100;
    deq_spectrum *sp = NULL;
    ck_assert_st(deq_spectrum_iso(&sp, N, 1.0), DEQ_OK);
    double m[9];
    ck_assert_st(deq_freeprob_sample_moments(m, 8, sp, N / q), DEQ_OK);
    ck_assert(m[0] == 1);
    for (int k = 1; k <= 8; k++) {
      double want = 0;
      for (int j = 1; j <= k; j++)
        want += binom(k, j) * binom(k, j - 1) / k * pow(q, j - 1);
      ck_assert_rel(m[k], want, 1e-12);
    }
    deq_spectrum_free(sp);
  }
}
END_TEST

/* Closed-form Stieltjes transform of MP vs the generic solver at complex
   z, at z = -lambda (the spec's g(lambda)) and on the support.  */
START_TEST(test_mp_stieltjes)
{
  double q = 2, N = 200, P = 100;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, N, 1.0), DEQ_OK);
  const double complex zs[] = { 1 + 0.5 * I, 3 + 1e-3 * I, -2.0, 0.1 + 2 * I,
                                7.0, 2.0 };
  for (size_t i = 0; i < 6; i++) {
    double complex gr, z = zs[i];
    ck_assert_st(deq_freeprob_mp_stieltjes(&gr, q, 1.0, z), DEQ_OK);
    deq_freeprob_point o;
    ck_assert_st(deq_freeprob_sample_stieltjes(&o, sp, P, z), DEQ_OK);
    ck_assert_msg(cabs(o.g - gr) <= 1e-11 * cabs(gr), "z=%g%+gi: %g%+gi vs %g%+gi",
                  creal(z), cimag(z), creal(o.g), cimag(o.g), creal(gr), cimag(gr));
    ck_assert(cimag(o.g) >= 0);
  }
  /* spec 1.3: g(lambda) = [sqrt((1-q+l)^2 + 4 q l) - (1-q+l)]/(2 q l) */
  for (double l = 1e-3; l < 10; l *= 7) {
    double b = 1 - q + l, want = (sqrt(b * b + 4 * q * l) - b) / (2 * q * l);
    deq_freeprob_point o;
    ck_assert_st(deq_freeprob_sample_stieltjes(&o, sp, P, -l), DEQ_OK);
    ck_assert_rel(creal(o.g), want, 1e-11);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ---------------------------------------------------------------- general spectra */

/* g(-lambda) = (kappa/lambda) (1/N) sum m/(s + kappa) with kappa from the
   ridge solver (an independent fixed-point code).  */
START_TEST(test_sample_vs_ridge)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, 400, 0.1, 10), DEQ_OK);
  const double Ps[] = { 150, 400, 1000 };
  for (int ip = 0; ip < 3; ip++)
    for (double l = 1e-3; l < 5; l *= 10) {
      deq_ridge_point r;
      ck_assert_st(deq_ridge_solve(&r, sp, Ps[ip], l, 0, NULL), DEQ_OK);
      double sum = 0;
      for (size_t i = 0; i < sp->n; i++)
        sum += sp->m[i] / (sp->s[i] + r.kappa);
      double want = r.kappa / l * sum / sp->dim;
      deq_freeprob_point o;
      ck_assert_st(deq_freeprob_sample_stieltjes(&o, sp, Ps[ip], -l), DEQ_OK);
      ck_assert_rel(creal(o.g), want, 1e-11);
      ck_assert_rel(creal(o.df), r.df1, 1e-11);
    }
  deq_spectrum_free(sp);
}
END_TEST

/* Two separated atoms: two intervals; masses + atom = 1; each bulk holds
   about its atom's share.  The direct (real-axis) density agrees with the
   upper-half-plane continuation (chain with no layers).  */
START_TEST(test_gaps_and_two_methods)
{
  deq_spectrum *sp = two_atoms(10, 100, 1, 100);
  double P = 2000;
  deq_freeprob_support *s = NULL;
  ck_assert_st(deq_freeprob_sample_support(&s, sp, P), DEQ_OK);
  ck_assert_uint_eq(s->n, 2);
  ck_assert(s->atom0 == 0);
  ck_assert(fabs(s->mass[0] + s->mass[1] - 1) <= 1e-10);
  ck_assert(fabs(s->mass[0] - 0.5) <= 1e-8);  /* separated bulks */
  /* near the separate MP bulks s (1 -+ sqrt(100/2000))^2: [0.6, 1.5], [6, 15] */
  ck_assert(s->hi[0] < 1.6 && s->lo[1] > 5.5 && s->hi[1] < 16);
  enum { NX = 60 };
  double x[NX];
  for (int i = 0; i < NX; i++)
    x[i] = 12.5 * (i + 0.37) / NX;
  deq_freeprob_point a[NX], b[NX];
  ck_assert_st(deq_freeprob_sample_density(a, sp, P, x, NX), DEQ_OK);
  deq_freeprob_chain c = { sp, 0, NULL, NULL, P };
  ck_assert_st(deq_freeprob_chain_density(b, &c, x, NX), DEQ_OK);
  for (int i = 0; i < NX; i++)
    ck_assert_msg(fabs(a[i].density - b[i].density) <= 1e-9 * (a[i].density + 1e-3),
                  "x=%g: direct %.15g ladder %.15g", x[i], a[i].density,
                  b[i].density);
  deq_freeprob_support_free(s);
  deq_spectrum_free(sp);

  /* N > P with a rank-deficient Sigma and three atoms */
  double s3[4] = { 5, 2, 0.5, 0 }, m3[4] = { 50, 80, 70, 40 };
  ck_assert_st(deq_spectrum_from_arrays(&sp, 4, s3, m3, NULL, NULL), DEQ_OK);
  ck_assert_st(deq_freeprob_sample_support(&s, sp, 120), DEQ_OK);
  double tot = s->atom0;
  for (size_t k = 0; k < s->n; k++)
    tot += s->mass[k];
  ck_assert(fabs(tot - 1) <= 1e-10);
  ck_assert(fabs(s->atom0 - (1 - 120.0 / 240)) <= 1e-15);
  deq_freeprob_support_free(s);
  deq_spectrum_free(sp);
}
END_TEST

/* Moments of the density (quadrature in theta over each interval) equal
   the series moments, which equal the free-convolution formulas
   m2 = mu2 + q mu1^2, m3 = mu3 + 3 q mu1 mu2 + q^2 mu1^3.  */
START_TEST(test_moments_general)
{
  double sv[3] = { 3, 1, 0.2 }, mv[3] = { 30, 50, 20 };
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 3, sv, mv, NULL, NULL), DEQ_OK);
  const double Ps[] = { 40, 100, 900 };
  for (int ip = 0; ip < 3; ip++) {
    double P = Ps[ip], N = 100, q = N / P, mu[4] = { 1, 0, 0, 0 };
    for (int k = 1; k <= 3; k++)
      for (int i = 0; i < 3; i++)
        mu[k] += mv[i] * pow(sv[i], k) / N;
    double m[5];
    ck_assert_st(deq_freeprob_sample_moments(m, 4, sp, P), DEQ_OK);
    ck_assert_rel(m[1], mu[1], 1e-14);
    ck_assert_rel(m[2], mu[2] + q * mu[1] * mu[1], 1e-13);
    ck_assert_rel(m[3], mu[3] + 3 * q * mu[1] * mu[2] + q * q * pow(mu[1], 3),
                  1e-13);
    deq_freeprob_support *s = NULL;
    ck_assert_st(deq_freeprob_sample_support(&s, sp, P), DEQ_OK);
    double qm[5] = { s->atom0, 0, 0, 0, 0 };
    enum { K = 256 };
    for (size_t k = 0; k < s->n; k++) {
      double x[K], h = 0.5 * (s->hi[k] - s->lo[k]);
      deq_freeprob_point o[K];
      for (int j = 0; j < K; j++)
        x[j] = 0.5 * (s->lo[k] + s->hi[k]) - h * cos((j + 0.5) * M_PI / K);
      ck_assert_st(deq_freeprob_sample_density(o, sp, P, x, K), DEQ_OK);
      for (int j = 0; j < K; j++) {
        double w = o[j].density * h * sin((j + 0.5) * M_PI / K) * M_PI / K;
        for (int p = 0; p <= 4; p++)
          qm[p] += w * pow(x[j], p);
      }
    }
    for (int p = 0; p <= 4; p++)
      ck_assert_msg(fabs(qm[p] - m[p]) <= 1e-9 * m[p], "P=%g k=%d: %.15g vs %.15g",
                    P, p, qm[p], m[p]);
    deq_freeprob_support_free(s);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* CDF: 0 below 0, atom at 0, 1 above the support, monotone; MP half
   point by symmetry is not available, so compare with the MP density
   integrated by Simpson on a fine grid.  */
START_TEST(test_cdf)
{
  double q = 0.5, N = 100;
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, N, 1.0), DEQ_OK);
  double x[5] = { -1, 0.5, 1.0, 2.0, 10 }, F[5];
  ck_assert_st(deq_freeprob_sample_cdf(F, sp, N / q, x, 5, 0), DEQ_OK);
  ck_assert(F[0] == 0 && F[4] == 1);
  double lo, hi, a0;
  deq_freeprob_mp_edges(&lo, &hi, &a0, q, 1);
  for (int i = 1; i < 4; i++) {
    int n = 200000;
    double acc = 0, h = (x[i] - lo) / n;
    for (int j = 0; j <= n; j++) {
      double r;
      deq_freeprob_mp_density(&r, q, 1, lo + j * h);
      acc += r * h * (j == 0 || j == n ? 1 : (j % 2 ? 4 : 2)) / 3;
    }
    ck_assert_msg(fabs(F[i] - acc) <= 1e-7, "x=%g: %.12g vs %.12g", x[i], F[i], acc);
  }
  deq_spectrum_free(sp);
}
END_TEST

/* ---------------------------------------------------------------- wide spectra */

/* Log-uniform blocks: n_b atoms per block b over [lo_b, hi_b], m = 1.  */
static deq_spectrum *blocks(size_t nb, const size_t *n, const double *lo,
                            const double *hi)
{
  size_t tot = 0;
  for (size_t b = 0; b < nb; b++)
    tot += n[b];
  double *s = malloc(tot * sizeof *s), *m = malloc(tot * sizeof *m);
  ck_assert(s && m);
  size_t i = 0;
  for (size_t b = 0; b < nb; b++)
    for (size_t j = 0; j < n[b]; j++, i++) {
      s[i] = lo[b] == hi[b] ? lo[b]
             : exp(log(lo[b]) + (j + 0.5) / (double)n[b] * log(hi[b] / lo[b]));
      m[i] = 1;
    }
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, tot, s, m, NULL, NULL), DEQ_OK);
  free(s);
  free(m);
  return sp;
}

/* The masses of the continuous part plus the atom at 0 sum to 1 to the
   stated 1e-10 for spectra over 6 and 10 decades, below and above P = N,
   and for mixtures with isolated atoms.  Two log-uniform blocks far apart
   give two intervals whose masses are the blocks' fractions of N (exact
   separation of the sample spectrum).  */
START_TEST(test_mass_wide)
{
  struct { size_t nb, n[3]; double lo[3], hi[3], P; } cs[] = {
    { 1, { 1000 }, { 1e-3 }, { 1e3 }, 2000 },
    { 1, { 1000 }, { 1e-3 }, { 1e3 }, 600 },
    { 1, { 1000 }, { 1e-5 }, { 1e5 }, 500 },
    { 1, { 1000 }, { 1e-5 }, { 1e5 }, 3000 },
    { 3, { 200, 600, 200 }, { 1e-8, 1e-2, 1e5 }, { 1e-8, 1e2, 1e5 }, 600 },
    { 3, { 100, 800, 100 }, { 1e-6, 1e-3, 1e4 }, { 1e-6, 1e3, 1e4 }, 5000 },
  };
  for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
    deq_spectrum *sp = blocks(cs[c].nb, cs[c].n, cs[c].lo, cs[c].hi);
    deq_freeprob_support *s = NULL;
    ck_assert_st(deq_freeprob_sample_support(&s, sp, cs[c].P), DEQ_OK);
    double tot = s->atom0;
    for (size_t k = 0; k < s->n; k++)
      tot += s->mass[k];
    ck_assert_msg(fabs(tot - 1) <= 1e-10, "case %zu (%zu intervals): total "
                  "mass %.17g", c, s->n, tot);
    deq_freeprob_support_free(s);
    deq_spectrum_free(sp);
  }
  /* two blocks of 300 and 700 atoms over 3 decades each, 4 decades apart */
  size_t n[2] = { 300, 700 };
  double lo[2] = { 1e-7, 1e0 }, hi[2] = { 1e-4, 1e3 };
  deq_spectrum *sp = blocks(2, n, lo, hi);
  deq_freeprob_support *s = NULL;
  ck_assert_st(deq_freeprob_sample_support(&s, sp, 2000), DEQ_OK);
  ck_assert_uint_eq(s->n, 2);
  ck_assert_msg(fabs(s->mass[0] - 0.3) <= 1e-10 && fabs(s->mass[1] - 0.7) <= 1e-10,
                "masses %.17g %.17g", s->mass[0], s->mass[1]);
  deq_freeprob_support_free(s);
  deq_spectrum_free(sp);
}
END_TEST

/* Each point alone (Newton from the nearer edge's expansion, decades
   away) against the upper-half-plane continuation of the chain code: on a
   sparse spectrum over 6 decades Newton can land on one of the real roots
   of the axis equation (Im kappa at rounding level, density ~1e-17),
   which must be rejected.  */
START_TEST(test_density_single_points_wide)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, 100, 1e-3, 1e3), DEQ_OK);
  double P = 200;
  deq_freeprob_support *s = NULL;
  ck_assert_st(deq_freeprob_sample_support(&s, sp, P), DEQ_OK);
  double l0 = log(s->lo[0]), l1 = log(s->hi[0]);
  deq_freeprob_chain c = { sp, 0, NULL, NULL, P };
  for (int i = 0; i < 300; i++) {
    double x = exp(l0 + (l1 - l0) * (i + 0.5) / 300);
    deq_freeprob_point o, r;
    ck_assert_st(deq_freeprob_sample_density(&o, sp, P, &x, 1), DEQ_OK);
    ck_assert_st(deq_freeprob_chain_density(&r, &c, &x, 1), DEQ_OK);
    ck_assert_msg(fabs(o.density - r.density) <= 1e-8 * r.density,
                  "x=%.17g: density %.17g vs continuation %.17g", x,
                  o.density, r.density);
  }
  deq_freeprob_support_free(s);
  deq_spectrum_free(sp);
}
END_TEST

/* Tanh-sinh quadrature of the density over [a, b] (both ends may be
   square-root edges), step 2^-level in t: nodes at a distance
   d = w/(e^{2u} + 1) from the nearer end, u = (pi/2) sinh|t|.  */
static double ts_panel(const deq_spectrum *sp, double P, double a, double b,
                       int level)
{
  enum { TMAX = 4 };
  double h = ldexp(1.0, -level), w = b - a;
  size_t K = (size_t)(TMAX / h);
  size_t n = 2 * K + 1;
  double *x = malloc(n * sizeof *x), *wt = malloc(n * sizeof *wt);
  deq_freeprob_point *o = malloc(n * sizeof *o);
  ck_assert(x && wt && o);
  for (size_t i = 0; i < n; i++) {
    double t = ((double)i - (double)K) * h, u = M_PI_2 * sinh(fabs(t));
    double e = exp(-2 * u), d = w * e / (1 + e);     /* w/(e^{2u} + 1) */
    x[i] = t < 0 ? a + d : (t > 0 ? b - d : a + 0.5 * w);
    /* dx/dt = (w/2) (pi/2) cosh t / cosh^2 u = w pi cosh t e/(1 + e)^2 */
    wt[i] = h * w * M_PI * cosh(t) * e / ((1 + e) * (1 + e));
  }
  ck_assert_st(deq_freeprob_sample_density(o, sp, P, x, n), DEQ_OK);
  double acc = 0;
  for (size_t i = 0; i < n; i++)
    acc += wt[i] * o[i].density;
  free(x);
  free(wt);
  free(o);
  return acc;
}

/* int_lo^x rho over geometric panels (ratio 2) from the lower edge.  */
static double ts_cdf_part(const deq_spectrum *sp, double P, double lo,
                          double x, int level)
{
  double acc = 0, a = lo;
  while (a < x) {
    double b = fmin(x, a > 0 ? 2 * a : x);
    acc += ts_panel(sp, P, a, b, level);
    a = b;
  }
  return acc;
}

/* The CDF across 6 and 10 decades (below and above P = N) against an
   independent computation: tanh-sinh quadrature of the density on
   geometric panels, at two step sizes that must agree to 1e-12.  */
START_TEST(test_cdf_wide)
{
  struct { double lo, hi, P; } cs[] = {
    { 1e-3, 1e3, 800 }, { 1e-5, 1e5, 250 },
  };
  for (size_t c = 0; c < 2; c++) {
    deq_spectrum *sp = NULL;
    ck_assert_st(deq_spectrum_loguniform(&sp, 400, cs[c].lo, cs[c].hi), DEQ_OK);
    double P = cs[c].P;
    deq_freeprob_support *s = NULL;
    ck_assert_st(deq_freeprob_sample_support(&s, sp, P), DEQ_OK);
    ck_assert_uint_eq(s->n, 1);
    double lo = s->lo[0], hi = s->hi[0];
    enum { NX = 6 };
    double x[NX] = { lo * (1 + 1e-6), 3 * lo, 10 * cs[c].lo, 1,
                     0.1 * cs[c].hi, hi * (1 - 1e-6) };
    double F[NX];
    ck_assert_st(deq_freeprob_sample_cdf(F, sp, P, x, NX, 0), DEQ_OK);
    for (int i = 0; i < NX; i++) {
      double r5 = ts_cdf_part(sp, P, lo, x[i], 5);
      double r6 = ts_cdf_part(sp, P, lo, x[i], 6);
      ck_assert_msg(fabs(r5 - r6) <= 1e-12, "reference: %.17g vs %.17g", r5, r6);
      double ref = s->atom0 + r6;
      ck_assert_msg(fabs(F[i] - ref) <= 1e-10, "case %zu x=%g: F %.17g vs "
                    "quadrature %.17g", c, x[i], F[i], ref);
    }
    deq_freeprob_support_free(s);
    deq_spectrum_free(sp);
  }
}
END_TEST

/* ---------------------------------------------------------------- S-transforms */

START_TEST(test_s_transform)
{
  deq_spectrum *iso = NULL, *lu = NULL;
  ck_assert_st(deq_spectrum_iso(&iso, 50, 4.0), DEQ_OK);
  ck_assert_st(deq_spectrum_loguniform(&lu, 300, 0.1, 10), DEQ_OK);
  for (double d = 0.05; d < 1; d += 0.1) {
    double S;
    ck_assert_st(deq_freeprob_s_transform(&S, iso, d), DEQ_OK);
    ck_assert_rel(S, 0.25, 1e-13);   /* lambda(delta) = 4 (1 - delta)/delta */
    ck_assert_st(deq_freeprob_s_wishart(&S, 0.5, d), DEQ_OK);
    ck_assert_rel(S, 1 / (1 - 0.5 * d), 1e-15);
  }
  /* Multiplicativity for the deterministic equivalent of Sigma_hat:
     delta_hat(lambda) = 1 - lambda g(-lambda) from the sample solver, and
     S_hat = (1 - delta)/(delta lambda) = S_Sigma(delta) S_W(delta).  */
  const double Ps[] = { 150, 600 };
  for (int ip = 0; ip < 2; ip++)
    for (double l = 0.01; l < 10; l *= 4) {
      double P = Ps[ip], q = 300 / P;
      deq_freeprob_point o;
      ck_assert_st(deq_freeprob_sample_stieltjes(&o, lu, P, -l), DEQ_OK);
      double delta = 1 - l * creal(o.g);
      double Shat = (1 - delta) / (delta * l), Ss, Sw;
      ck_assert_st(deq_freeprob_s_transform(&Ss, lu, delta), DEQ_OK);
      ck_assert_st(deq_freeprob_s_wishart(&Sw, q, delta), DEQ_OK);
      ck_assert_rel(Shat, Ss * Sw, 1e-10);
      /* the chain API gives the same S */
      deq_freeprob_chain c = { lu, 0, NULL, NULL, P };
      double Sc;
      ck_assert_st(deq_freeprob_chain_s_transform(&Sc, &c, delta), DEQ_OK);
      ck_assert_rel(Sc, Ss * Sw, 1e-11);
    }
  deq_spectrum_free(iso);
  deq_spectrum_free(lu);
}
END_TEST

/* ---------------------------------------------------------------- products */

/* df of G' Omega G (and with data) two ways: S-product and nested fixed
   points, for L = 1, 2, 3.  */
START_TEST(test_chain_df_two_ways)
{
  deq_spectrum *om = NULL;
  ck_assert_st(deq_spectrum_loguniform(&om, 200, 0.1, 10), DEQ_OK);
  const double w[3] = { 300, 120, 250 };
  const double Ps[] = { 0, 80, 500 };
  for (size_t L = 1; L <= 3; L++)
    for (int ip = 0; ip < 3; ip++)
      for (double l = 1e-3; l < 20; l *= 9) {
        deq_freeprob_chain c = { om, L, w, NULL, Ps[ip] };
        double d1, d2, k;
        ck_assert_st(deq_freeprob_chain_df(&d1, &k, &c, l), DEQ_OK);
        ck_assert_st(deq_freeprob_chain_df_nested(&d2, &c, l), DEQ_OK);
        ck_assert_msg(fabs(d1 - d2) <= 1e-10 * d1, "L=%zu P=%g l=%g: %.15g vs %.15g",
                      L, Ps[ip], l, d1, d2);
        double back;
        ck_assert_st(deq_freeprob_chain_lambda(&back, &c, d1), DEQ_OK);
        ck_assert_rel(back, l, 1e-10);
      }
  deq_spectrum_free(om);
}
END_TEST

/* One isotropic layer on Omega = I_N: A = Z'Z/N_1 (N_1 x N_1) is
   Marchenko-Pastur with q = N_1/N and scale N/N_1.  */
START_TEST(test_chain_density_mp)
{
  deq_spectrum *om = NULL;
  ck_assert_st(deq_spectrum_iso(&om, 100, 1.0), DEQ_OK);
  const double w1s[] = { 50, 250 };
  for (int iw = 0; iw < 2; iw++) {
    double w1 = w1s[iw], q = w1 / 100, sc = 100 / w1;
    deq_freeprob_chain c = { om, 1, &w1, NULL, 0 };
    enum { NX = 25 };
    double x[NX];
    deq_freeprob_point o[NX];
    for (int i = 0; i < NX; i++)
      x[i] = 0.05 + 8.0 * i / NX;
    ck_assert_st(deq_freeprob_chain_density(o, &c, x, NX), DEQ_OK);
    for (int i = 0; i < NX; i++) {
      double r;
      deq_freeprob_mp_density(&r, q, sc, x[i]);
      ck_assert_msg(fabs(o[i].density - r) <= 1e-9 * (r + 1e-2), "x=%g %.15g vs %.15g",
                    x[i], o[i].density, r);
    }
    ck_assert(fabs(deq_freeprob_chain_atom0(&c) - fmax(0, 1 - 100 / w1)) < 1e-15);
  }
  deq_spectrum_free(om);
}
END_TEST

/* A structured layer Sigma_2 = c I scales the product by c: df(lambda) =
   df_iso(lambda/c) and rho(x) = rho_iso(x/c)/c.  Exercises the inner
   complex inverse df of the layer.  */
START_TEST(test_chain_structured_scaling)
{
  deq_spectrum *om = NULL, *lay = NULL;
  ck_assert_st(deq_spectrum_loguniform(&om, 120, 0.2, 5), DEQ_OK);
  ck_assert_st(deq_spectrum_iso(&lay, 90, 3.0), DEQ_OK);
  const double w[2] = { 90, 150 };
  const deq_spectrum *layers[2] = { NULL, lay };
  deq_freeprob_chain cs = { om, 2, w, layers, 200 };
  deq_freeprob_chain ci = { om, 2, w, NULL, 200 };
  for (double l = 0.01; l < 10; l *= 5) {
    double ds, di;
    ck_assert_st(deq_freeprob_chain_df(&ds, NULL, &cs, l), DEQ_OK);
    ck_assert_st(deq_freeprob_chain_df(&di, NULL, &ci, l / 3), DEQ_OK);
    ck_assert_rel(ds, di, 1e-11);
  }
  double x[6] = { 0.5, 1, 2, 4, 8, 16 }, xi[6];
  deq_freeprob_point a[6], b[6];
  for (int i = 0; i < 6; i++)
    xi[i] = x[i] / 3;
  ck_assert_st(deq_freeprob_chain_density(a, &cs, x, 6), DEQ_OK);
  ck_assert_st(deq_freeprob_chain_density(b, &ci, xi, 6), DEQ_OK);
  for (int i = 0; i < 6; i++)
    ck_assert_msg(fabs(a[i].density - b[i].density / 3) <= 1e-8 * (a[i].density + 1e-3),
                  "x=%g: %.15g vs %.15g", x[i], a[i].density, b[i].density / 3);
  /* the df at complex z from the structured chain and the iso one */
  deq_freeprob_point pa, pb;
  ck_assert_st(deq_freeprob_chain_stieltjes(&pa, &cs, 3.0 + 0.7 * I), DEQ_OK);
  ck_assert_st(deq_freeprob_chain_stieltjes(&pb, &ci, 1.0 + 0.7 / 3 * I), DEQ_OK);
  ck_assert(cabs(pa.g - pb.g / 3) <= 1e-10 * cabs(pa.g));
  /* z by address (the C++-callable twin): the same point, bitwise */
  deq_freeprob_point pz;
  deq_complex z = 3.0 + 0.7 * I;
  ck_assert_st(deq_freeprob_chain_stieltjes_zp(&pz, &cs, &z), DEQ_OK);
  ck_assert(memcmp(&pz.g, &pa.g, sizeof pz.g) == 0);
  ck_assert_st(deq_freeprob_chain_stieltjes_zp(&pz, &cs, NULL), DEQ_EINVAL);
  deq_spectrum_free(om);
  deq_spectrum_free(lay);
}
END_TEST

/* ---------------------------------------------------------------- population, KS */

START_TEST(test_population_stieltjes)
{
  deq_spectrum *sp = two_atoms(2, 3, 1, 1);
  double complex g;
  ck_assert_st(deq_freeprob_stieltjes(&g, sp, 0.5 + 0.25 * I), DEQ_OK);
  double complex want = (3 / (2 - (0.5 + 0.25 * I)) + 1 / (1 - (0.5 + 0.25 * I))) / 4;
  ck_assert(cabs(g - want) <= 1e-15 * cabs(want));
  ck_assert_st(deq_freeprob_stieltjes(&g, sp, 3.0), DEQ_OK);
  ck_assert_rel(creal(g), (3 / -1.0 + 1 / -2.0) / 4, 1e-15);
  /* on an atom with zero imaginary part: a pole */
  ck_assert_st(deq_freeprob_stieltjes(&g, sp, 2.0), DEQ_EDOM);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(test_ks)
{
  double x[4] = { 0, 0, 0.5, 0.9 }, F[4] = { 0.5, 0.5, 0.7, 0.95 },
         Fl[4] = { 0, 0, 0.7, 0.95 }, D;
  ck_assert_st(deq_freeprob_ks(&D, x, F, Fl, 4), DEQ_OK);
  /* at 0: F_n = 0.5 vs 0.5; just below 0.5: 0.5 vs 0.7; at 0.5: 0.75 vs 0.7;
     just below 0.9: 0.75 vs 0.95 -> 0.2; at 0.9: 1 vs 0.95 */
  ck_assert(fabs(D - 0.2) < 1e-15);
  double bad[2] = { 1, 0 };
  ck_assert_st(deq_freeprob_ks(&D, bad, F, NULL, 2), DEQ_EINVAL);
}
END_TEST

/* ---------------------------------------------------------------- bad input */

/* Output dimension and largest df of a chain: N_L (N without layers) and
   min(rank Omega, N_1..N_L, P), P = 0 meaning no data factor.  */
START_TEST(test_chain_dims)
{
  deq_spectrum *om = NULL;
  const double s[] = { 3, 2, 0 }, m[] = { 100, 200, 50 };
  ck_assert_int_eq(deq_spectrum_from_arrays(&om, 3, s, m, NULL, NULL), DEQ_OK);
  const double w[] = { 250, 180 };
  double n_out, d_max;
  deq_freeprob_chain c = { om, 2, w, NULL, 100 };
  ck_assert_int_eq(deq_freeprob_chain_dims(&n_out, &d_max, &c), DEQ_OK);
  ck_assert(n_out == 180 && d_max == 100);
  c.P = 0;   /* no data: the narrowest layer */
  ck_assert_int_eq(deq_freeprob_chain_dims(&n_out, &d_max, &c), DEQ_OK);
  ck_assert(n_out == 180 && d_max == 180);
  c.layers = 0;  /* the input alone: dimension 350, rank 300 */
  c.P = 1000;
  ck_assert_int_eq(deq_freeprob_chain_dims(&n_out, &d_max, &c), DEQ_OK);
  ck_assert(n_out == 350 && d_max == 300);
  deq_spectrum_free(om);
}
END_TEST

START_TEST(test_bad_input)
{
  deq_spectrum *sp = NULL, *zero = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, 10, 1.0), DEQ_OK);
  zero = two_atoms(1, 5, 0, 5);
  deq_freeprob_point o;
  double x = 1, S, d;
  ck_assert_st(deq_freeprob_sample_stieltjes(&o, sp, 0, 1.0 + I), DEQ_EDOM);
  ck_assert_st(deq_freeprob_sample_stieltjes(&o, sp, -3, 1.0 + I), DEQ_EDOM);
  ck_assert_st(deq_freeprob_sample_stieltjes(&o, sp, 5, 1.0 - I), DEQ_EDOM);
  ck_assert_st(deq_freeprob_sample_stieltjes(&o, sp, 5, 0.0), DEQ_EDOM);
  ck_assert_st(deq_freeprob_sample_density(&o, sp, 5, (double[]){ NAN }, 1),
               DEQ_EDOM);
  ck_assert_st(deq_freeprob_s_transform(&S, sp, 0), DEQ_EDOM);
  ck_assert_st(deq_freeprob_s_transform(&S, sp, 1), DEQ_EDOM);
  ck_assert_st(deq_freeprob_s_transform(&S, zero, 0.6), DEQ_EDOM);
  ck_assert_st(deq_freeprob_s_wishart(&S, 2, 0.5), DEQ_EDOM);
  ck_assert_st(deq_freeprob_mp_stieltjes(&o.g, 1, 1, 0), DEQ_EDOM);
  ck_assert_st(deq_freeprob_mp_density(&S, -1, 1, x), DEQ_EDOM);
  ck_assert_st(deq_freeprob_sample_moments(&S, 65, sp, 5), DEQ_EUNSUP);
  double w[2] = { 5, 0 };
  deq_freeprob_chain c = { sp, 2, w, NULL, 0 };
  ck_assert_st(deq_freeprob_chain_df(&d, NULL, &c, 1),
               DEQ_EDOM); /* width 0 */
  w[1] = -4;
  ck_assert_st(deq_freeprob_chain_df(&d, NULL, &c, 1), DEQ_EDOM);
  w[1] = 4;
  ck_assert_st(deq_freeprob_chain_df(&d, NULL, &c, 0),
               DEQ_EDOM); /* lambda 0 */
  const deq_spectrum *lay[2] = { NULL, zero };
  c.layer = lay;                       /* a layer with zero eigenvalues */
  ck_assert_st(deq_freeprob_chain_df(&d, NULL, &c, 1), DEQ_EDOM);
  ck_assert_st(deq_freeprob_chain_density(&o, &c, &x, 1), DEQ_EDOM);
  lay[0] = sp;                         /* first-layer structure: fold into Omega */
  lay[1] = NULL;
  ck_assert_st(deq_freeprob_chain_df(&d, NULL, &c, 1), DEQ_EINVAL);
  lay[0] = NULL;
  lay[1] = sp;
  ck_assert_st(deq_freeprob_chain_df_nested(&d, &c, 1), DEQ_EUNSUP);
  deq_freeprob_chain none = { sp, 0, NULL, NULL, 0 };
  ck_assert_st(deq_freeprob_chain_df(&d, NULL, &none, 1), DEQ_EINVAL);
  /* z = 0 when the product has an atom at 0 */
  double w1 = 20;
  deq_freeprob_chain wide = { sp, 1, &w1, NULL, 0 };
  ck_assert_st(deq_freeprob_chain_stieltjes(&o, &wide, 0), DEQ_EDOM);
  deq_spectrum_free(sp);
  deq_spectrum_free(zero);
}
END_TEST

/* ---------------------------------------------------------------- MPFR references */

/* Independent 200-bit references for freeprob.h's conventions
 * (lib/mp.c): the S-transform in the df parametrisation S(delta) =
 * (1 - delta)/(delta lambda(delta)), lambda the inverse of the normalised
 * df (1/n) sum m s/(s + lambda); and the sample covariance at z = -lambda,
 * (1/N) tr (Sigma_hat + lambda)^-1 = (kappa/lambda) (1/N) tr (Sigma +
 * kappa)^-1 with kappa = lambda/(1 - df1(kappa)/P).  Both by geometric
 * bisection; the spectrum's doubles are taken as exact.  */
#define MR_PREC 200

static double mr_s_transform(const deq_spectrum *sp, double delta)
{
  double S;
  ck_assert_st(deq_mp_s_transform(&S, sp, delta, MR_PREC), DEQ_OK);
  return S;
}

typedef struct mr_sample { double g, kappa, df; } mr_sample;

static mr_sample mr_sample_stieltjes(const deq_spectrum *sp, double P,
                                     double lambda)
{
  mr_sample o;
  ck_assert_st(deq_mp_sample_stieltjes(&o.g, &o.kappa, &o.df, sp, P, lambda,
                                       MR_PREC), DEQ_OK);
  return o;
}

static deq_spectrum *mr_spectra(int which, const char **name)
{
  deq_spectrum *sp = NULL;
  if (which == 0) {
    *name = "loguniform";
    ck_assert_st(deq_spectrum_loguniform(&sp, 100, 0.1, 10), DEQ_OK);
  } else if (which == 1) {
    deq_powerlaw pl;
    deq_powerlaw_init(&pl);
    pl.alpha = 1.5;
    pl.n = 100;
    pl.amp = 0;   /* no target */
    *name = "powerlaw";
    ck_assert_st(deq_spectrum_powerlaw(&sp, &pl), DEQ_OK);
  } else {
    /* rank 30 of 60: an atom at 0 */
    double s[3] = { 2.0, 0.5, 0.0 }, m[3] = { 10, 20, 30 };
    *name = "zero-atom";
    ck_assert_st(deq_spectrum_from_arrays(&sp, 3, s, m, NULL, NULL), DEQ_OK);
  }
  return sp;
}

/* deq_freeprob_s_transform against the 200-bit inverse of the normalised
   df, across (0, rank/dim) including both ends; the reference itself is
   checked on an isotropic spectrum (S = 1/scale exactly).  */
START_TEST(test_mpfr_s_transform)
{
  const double frac[] = { 1e-6, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999,
                          1 - 1e-6 };
  double maxrel = 0, edge = 0;
  for (int w = 0; w < 3; w++) {
    const char *name;
    deq_spectrum *sp = mr_spectra(w, &name);
    for (size_t i = 0; i < sizeof frac / sizeof *frac; i++) {
      double delta = frac[i] * sp->rank / sp->dim, S;
      ck_assert_st(deq_freeprob_s_transform(&S, sp, delta), DEQ_OK);
      double want = mr_s_transform(sp, delta), d = test_reldiff(S, want, 0);
      /* Next to the rank the problem is ill-conditioned: one rounding of
         d = delta dim in double moves lambda(delta) by d/(rank - d) ulps
         (measured: 4.4e-12 at 1 - 1e-6).  The MPFR side uses d exactly. */
      double cond = delta * sp->dim / (sp->rank - delta * sp->dim);
      double tol = 1e-12 + 0x1p-52 * cond;
      if (frac[i] <= 0.99) maxrel = fmax(maxrel, d);
      else edge = fmax(edge, d);
      ck_assert_msg(d <= tol, "%s delta=%.17g: S %.17g vs mpfr %.17g (rel "
                    "%.3g > %.3g)", name, delta, S, want, d, tol);
    }
    deq_spectrum_free(sp);
  }
  deq_spectrum *iso = NULL;
  ck_assert_st(deq_spectrum_iso(&iso, 50, 4.0), DEQ_OK);
  for (size_t i = 0; i < sizeof frac / sizeof *frac; i++)
    ck_assert_rel(mr_s_transform(iso, frac[i]), 0.25, 1e-15);
  deq_spectrum_free(iso);
  printf("freeprob S-transform vs MPFR (200 bits): max rel diff %.3g "
         "(delta/delta_max <= 0.99), %.3g (0.999, 1 - 1e-6)\n", maxrel, edge);
}
END_TEST

/* deq_freeprob_sample_stieltjes at z = -lambda (real, below the support)
   against the 200-bit ridge fixed point: g, kappa and df, with P below,
   at and above N, lambda in {1e-6, 0.05, 1}.  The reference is checked
   against the Marchenko-Pastur closed form (spec 1.3) on Sigma = I.  */
START_TEST(test_mpfr_sample_stieltjes)
{
  const double Pr[] = { 0.5, 1.0, 4.0 }, lams[] = { 1e-6, 0.05, 1.0 };
  double maxrel = 0, gcanc = 0;
  for (int w = 0; w < 3; w++) {
    const char *name;
    deq_spectrum *sp = mr_spectra(w, &name);
    for (int ip = 0; ip < 3; ip++)
      for (int il = 0; il < 3; il++) {
        double P = Pr[ip] * sp->dim, lam = lams[il];
        mr_sample r = mr_sample_stieltjes(sp, P, lam);
        deq_freeprob_point o;
        ck_assert_st(deq_freeprob_sample_stieltjes(&o, sp, P, -lam), DEQ_OK);
        double d[3] = { test_reldiff(creal(o.g), r.g, 0),
                        test_reldiff(creal(o.kappa), r.kappa, 0),
                        test_reldiff(creal(o.df), r.df, 0) };
        /* lib/freeprob.c forms g = -(1 - df/N)/z by subtraction, which
           loses df/(N - df) ulps when P > N and lambda -> 0 (measured
           3.5e-12 at P = 4N, lambda = 1e-6); allowed for g only, and
           recorded separately.  */
        double gtol = 1e-12 + 0x1p-52 * r.df / (sp->dim - r.df);
        for (int k = 0; k < 3; k++) {
          double tol = k == 0 ? gtol : 1e-12;
          if (k == 0 && d[k] > 1e-12) gcanc = fmax(gcanc, d[k]);
          else maxrel = fmax(maxrel, d[k]);
          ck_assert_msg(d[k] <= tol, "%s P=%g lambda=%g: g %.17g/%.17g "
                        "kappa %.17g/%.17g df %.17g/%.17g (lib/mpfr)", name,
                        P, lam, creal(o.g), r.g, creal(o.kappa), r.kappa,
                        creal(o.df), r.df);
        }
        ck_assert(fabs(cimag(o.g)) <= 1e-12 * fabs(creal(o.g)));
      }
    deq_spectrum_free(sp);
  }
  /* the reference on Marchenko-Pastur: g = [sqrt((1-q+l)^2 + 4ql) -
     (1-q+l)]/(2ql), evaluated where it does not cancel */
  deq_spectrum *iso = NULL;
  ck_assert_st(deq_spectrum_iso(&iso, 100, 1.0), DEQ_OK);
  const double qs[] = { 0.25, 2.0 };
  for (int iq = 0; iq < 2; iq++)
    for (int il = 1; il < 3; il++) {
      double q = qs[iq], l = lams[il], b = 1 - q + l;
      double mp = (sqrt(b * b + 4 * q * l) - b) / (2 * q * l);
      ck_assert_rel(mr_sample_stieltjes(iso, 100 / q, l).g, mp, 1e-13);
    }
  deq_spectrum_free(iso);
  printf("freeprob sample Stieltjes vs MPFR (200 bits): max rel diff %.3g "
         "(g where 1 - df/N cancels: %.3g)\n", maxrel, gcanc);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("freeprob");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_mp_density);
  tcase_add_test(tc, test_mp_moments);
  tcase_add_test(tc, test_mp_stieltjes);
  tcase_add_test(tc, test_sample_vs_ridge);
  tcase_add_test(tc, test_gaps_and_two_methods);
  tcase_add_test(tc, test_moments_general);
  tcase_add_test(tc, test_cdf);
  tcase_add_test(tc, test_mass_wide);
  tcase_add_test(tc, test_cdf_wide);
  tcase_add_test(tc, test_density_single_points_wide);
  tcase_add_test(tc, test_s_transform);
  tcase_add_test(tc, test_chain_df_two_ways);
  tcase_add_test(tc, test_chain_density_mp);
  tcase_add_test(tc, test_chain_structured_scaling);
  tcase_add_test(tc, test_population_stieltjes);
  tcase_add_test(tc, test_ks);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_chain_dims);
  tcase_add_test(tc, test_mpfr_s_transform);
  tcase_add_test(tc, test_mpfr_sample_stieltjes);
  suite_add_tcase(s, tc);
  return test_run(s);
}
