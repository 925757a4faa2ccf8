/* test/t-twopoint.c -- two-point deterministic equivalents (deq/twopoint.h):
 * the isotropic (Marchenko-Pastur) closed form, the resolvent identity
 * for A = I on any spectrum, the reduction to ridge at z1 = z2, symmetry,
 * the complex path (real limit, conjugation, warm starts, a contour
 * integral), the MPFR twin, the interpolation peak, bad input and seeded
 * Monte Carlo.  Every expected value is derived here independently of
 * lib/twopoint.c.  */
#include <complex.h>
#include <float.h>

#include "testutil.h"
#include <deq.h>

typedef double complex cplx;

static deq_spectrum *loguniform(size_t n, double norm)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, n, 0.1, 10), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, norm), DEQ_OK);
  return sp;
}

/* Four atoms, one of them at 0 (rank 120 of N = 140), uneven target.  */
static deq_spectrum *with_null_atom(void)
{
  double s[] = { 2.0, 1.0, 0.5, 0.0 }, m[] = { 30, 50, 40, 20 },
         v[] = { 0.6, 0.3, 0.1, 0.0 };
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_from_arrays(&sp, 4, s, m, v, NULL), DEQ_OK);
  return sp;
}

static int close_c(cplx a, cplx b, double tol)
{
  return cabs(a - b) <= tol * fmax(cabs(a), cabs(b));
}

#define ck_assert_crel(a, b, tol)                                           \
  do {                                                                      \
    cplx a_ = (a), b_ = (b);                                                \
    ck_assert_msg(close_c(a_, b_, (tol)), "%s = %.17g%+.17gi vs %s = "      \
                  "%.17g%+.17gi", #a, creal(a_), cimag(a_), #b, creal(b_),  \
                  cimag(b_));                                               \
  } while (0)

/* ------------------------------------------------------------ isotropic */

/* Sigma = I, q = N/P: kappa^2 + (1 - q - z) kappa - z = 0, the root that
   continues the positive one (spec 1.3).  */
static cplx iso_kappa(double q, cplx z)
{
  cplx b = z + q - 1, d = csqrt(b * b + 4 * z);
  cplx r1 = (b + d) / 2, r2 = (b - d) / 2;
  return creal(r1) >= creal(r2) ? r1 : r2;
}

/* With R_i = 1/(1 + kappa_i) scalars: gamma12 = q r1 r2, cross = N r1 r2,
   trace = N k1 k2 r1 r2 (1 + q r1 r2/(1 - q r1 r2)), form = trace/N times
   the target norm.  */
static void check_iso(double N, double P, cplx z1, cplx z2, int complex_path)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, N, 1.0), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 2.0), DEQ_OK);
  double q = N / P;
  cplx k1 = iso_kappa(q, z1), k2 = iso_kappa(q, z2);
  cplx r12 = 1 / ((1 + k1) * (1 + k2));
  cplx gam = q * r12, tr = N * k1 * k2 * r12 / (1 - gam);
  cplx got_k1, got_k2, got_g, got_x, got_t, got_f;
  if (complex_path) {
    deq_twopoint_cpoint o;
    ck_assert_st(deq_twopoint_solve_c(&o, sp, P, &z1, &z2, NULL, NULL),
                 DEQ_OK);
    got_k1 = o.kappa1, got_k2 = o.kappa2, got_g = o.gamma12;
    got_x = o.cross_trace, got_t = o.trace, got_f = o.form;
  } else {
    deq_twopoint_point o;
    ck_assert_st(deq_twopoint_solve(&o, sp, P, creal(z1), creal(z2), NULL,
                                    NULL), DEQ_OK);
    got_k1 = o.kappa1, got_k2 = o.kappa2, got_g = o.gamma12;
    got_x = o.cross_trace, got_t = o.trace, got_f = o.form;
  }
  ck_assert_crel(got_k1, k1, 1e-13);
  ck_assert_crel(got_k2, k2, 1e-13);
  ck_assert_crel(got_g, gam, 1e-13);
  ck_assert_crel(got_x, N * r12, 1e-13);
  ck_assert_crel(got_t, tr, 1e-12);
  ck_assert_crel(got_f, 2.0 * tr / N, 1e-12);
  deq_spectrum_free(sp);
}

START_TEST(iso_closed_form_real)
{
  double qs[] = { 0.5, 1.0, 2.0 }, zs[] = { 1e-3, 0.05, 0.5, 3.0 };
  for (int i = 0; i < 3; i++)
    for (int a = 0; a < 4; a++)
      for (int b = 0; b < 4; b++)
        check_iso(400, 400 / qs[i], zs[a], zs[b], 0);
}
END_TEST

START_TEST(iso_closed_form_complex)
{
  cplx zs[] = { 0.3 + 0.4 * I, 0.05 - 0.2 * I, 2.0 + 1e-3 * I, -0.5 + 0.7 * I };
  double qs[] = { 0.5, 2.0 };
  for (int i = 0; i < 2; i++)
    for (int a = 0; a < 4; a++)
      for (int b = 0; b < 4; b++)
        check_iso(300, 300 / qs[i], zs[a], zs[b], 1);
}
END_TEST

/* ------------------------------------------------------------ A = I on any spectrum */

/* (S+z1)^-1 (S+z2)^-1 = [(S+z1)^-1 - (S+z2)^-1]/(z2 - z1) and the
   one-point equivalence z (S+z)^-1 ~ kappa (Sigma+kappa)^-1 give, for
   z1 != z2, trace = [z2 k1 n(k1) - z1 k2 n(k2)]/(z2 - z1) with n(k) =
   sum m/(s+k), and form = the same with t(k) = sum (v/s)/(s+k).  */
static void one_point(cplx *n, cplx *t, const deq_spectrum *sp, cplx k)
{
  *n = *t = 0;
  for (size_t i = 0; i < sp->n; i++) {
    *n += sp->m[i] / (sp->s[i] + k);
    if (sp->v[i] > 0) *t += sp->v[i] / sp->s[i] / (sp->s[i] + k);
  }
}

static void check_identity(const deq_spectrum *sp, double P, cplx z1,
                           cplx z2)
{
  deq_twopoint_cpoint o;
  ck_assert_st(deq_twopoint_solve_c(&o, sp, P, &z1, &z2, NULL, NULL), DEQ_OK);
  cplx n1, t1, n2, t2;
  one_point(&n1, &t1, sp, o.kappa1);
  one_point(&n2, &t2, sp, o.kappa2);
  cplx tr = (z2 * o.kappa1 * n1 - z1 * o.kappa2 * n2) / (z2 - z1);
  cplx fo = (z2 * o.kappa1 * t1 - z1 * o.kappa2 * t2) / (z2 - z1);
  ck_assert_crel(o.trace, tr, 1e-11);
  ck_assert_crel(o.form, fo, 1e-11);
  ck_assert_crel(o.trace_per_dim, tr / sp->dim, 1e-11);
}

START_TEST(resolvent_identity)
{
  deq_spectrum *a = loguniform(200, 1.0), *b = with_null_atom();
  cplx zs[][2] = { { 0.05, 0.5 }, { 0.3 + 0.2 * I, 1.0 - 0.5 * I },
                   { 1e-2 + 1e-2 * I, -0.2 + 0.1 * I }, { 2.0, 0.4 * I } };
  double Ps[] = { 50, 100, 200, 400 };
  for (int p = 0; p < 4; p++)
    for (int k = 0; k < 4; k++) {
      check_identity(a, Ps[p], zs[k][0], zs[k][1]);
      check_identity(b, Ps[p] * 0.7, zs[k][0], zs[k][1]);
    }
  deq_spectrum_free(a);
  deq_spectrum_free(b);
}
END_TEST

/* ------------------------------------------------------------ ridge */

/* At z1 = z2 = lambda: kappa is the ridge's (bitwise); gamma12 and
   cross_trace (A = Sigma) are df2/P and df2 of a fresh moment pass at
   that kappa to a few ulps; against the ridge point, whose moments are
   carried to its final kappa by a Taylor step, gamma, 1 - gamma,
   dkappa/dlambda and (A = Sigma) the bias B/(1 - gamma) of E_g agree to
   ~1e-14.  */
START_TEST(reduces_to_ridge)
{
  deq_spectrum *sps[] = { loguniform(200, 1.0), with_null_atom() };
  double Ps[] = { 50, 100, 120, 200, 400 }, ls[] = { 1e-12, 1e-4, 0.05, 1.0 };
  for (int j = 0; j < 2; j++)
    for (int p = 0; p < 5; p++)
      for (int l = 0; l < 4; l++) {
        const deq_spectrum *sp = sps[j];
        deq_ridge_point r;
        deq_twopoint_point t;
        ck_assert_st(deq_ridge_solve(&r, sp, Ps[p], ls[l], 0, NULL), DEQ_OK);
        ck_assert_st(deq_twopoint_solve(&t, sp, Ps[p], ls[l], ls[l], sp->s,
                                        NULL), DEQ_OK);
        ck_assert(t.kappa1 == r.kappa && t.kappa2 == r.kappa);
        deq_moments mo;
        ck_assert_st(deq_resolvent_moments(&mo, sp, r.kappa), DEQ_OK);
        ck_assert_rel(t.gamma12, mo.df2 / Ps[p], 4 * DBL_EPSILON);
        ck_assert_rel(t.cross_trace, mo.df2, 4 * DBL_EPSILON);
        ck_assert_rel(t.gamma12, r.gamma, 1e-14);
        ck_assert_rel(t.one_minus_gamma12, r.one_minus_gamma, 1e-14);
        ck_assert_rel(t.amplification, r.dkappa_dlambda, 1e-14);
        ck_assert_rel(t.form, r.bias, 1e-14);
      }
  deq_spectrum_free(sps[0]);
  deq_spectrum_free(sps[1]);
}
END_TEST

/* The complex path at real z is the real path, bitwise.  */
START_TEST(complex_path_on_real_axis)
{
  deq_spectrum *sp = with_null_atom();
  deq_twopoint_point t;
  deq_twopoint_cpoint c;
  cplx z1 = 0.05, z2 = 0.7;
  ck_assert_st(deq_twopoint_solve(&t, sp, 100, 0.05, 0.7, NULL, NULL), DEQ_OK);
  ck_assert_st(deq_twopoint_solve_c(&c, sp, 100, &z1, &z2, NULL, NULL), DEQ_OK);
  ck_assert(creal(c.kappa1) == t.kappa1 && creal(c.kappa2) == t.kappa2);
  ck_assert(creal(c.trace) == t.trace && cimag(c.trace) == 0);
  ck_assert(creal(c.form) == t.form && creal(c.gamma12) == t.gamma12);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(symmetric_in_z1_z2)
{
  deq_spectrum *sp = with_null_atom();
  double w[] = { 0.3, -1.0, 2.0, 5.0 };
  deq_twopoint_point a, b;
  ck_assert_st(deq_twopoint_solve(&a, sp, 90, 0.02, 0.9, w, NULL), DEQ_OK);
  ck_assert_st(deq_twopoint_solve(&b, sp, 90, 0.9, 0.02, w, NULL), DEQ_OK);
  ck_assert(a.kappa1 == b.kappa2 && a.kappa2 == b.kappa1);
  ck_assert_rel(a.gamma12, b.gamma12, 2e-16);
  ck_assert_rel(a.trace, b.trace, 1e-15);
  ck_assert_rel(a.form, b.form, 1e-15);
  ck_assert_rel(a.cross_trace, b.cross_trace, 1e-15);
  cplx z1 = 0.1 + 0.3 * I, z2 = 2.0 - 0.1 * I;
  deq_twopoint_cpoint c, d;
  ck_assert_st(deq_twopoint_solve_c(&c, sp, 90, &z1, &z2, w, NULL), DEQ_OK);
  ck_assert_st(deq_twopoint_solve_c(&d, sp, 90, &z2, &z1, w, NULL), DEQ_OK);
  ck_assert_crel(c.trace, d.trace, 1e-15);
  ck_assert_crel(c.form, d.form, 1e-15);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ complex */

START_TEST(small_imaginary_part_and_conjugation)
{
  deq_spectrum *sp = loguniform(200, 1.0);
  double Ps[] = { 100, 400 }, xs[] = { 1e-3, 0.1, 2.0 };
  for (int p = 0; p < 2; p++)
    for (int i = 0; i < 3; i++) {
      deq_twopoint_point r;
      ck_assert_st(deq_twopoint_solve(&r, sp, Ps[p], xs[i], 0.3, NULL, NULL),
                   DEQ_OK);
      cplx z1 = xs[i] + 1e-12 * I, z2 = 0.3 - 1e-12 * I, w1 = conj(z1),
           w2 = conj(z2);
      deq_twopoint_cpoint c, d;
      ck_assert_st(deq_twopoint_solve_c(&c, sp, Ps[p], &z1, &z2, NULL, NULL),
                   DEQ_OK);
      ck_assert_st(deq_twopoint_solve_c(&d, sp, Ps[p], &w1, &w2, NULL, NULL),
                   DEQ_OK);
      /* first order in Im z: |kappa'| 1e-12/|kappa| <= 1e-9 here */
      ck_assert_crel(c.kappa1, r.kappa1, 1e-8);
      ck_assert_crel(c.trace, r.trace, 1e-8);
      ck_assert_crel(c.form, r.form, 1e-8);
      ck_assert_crel(d.kappa1, conj(c.kappa1), 1e-14);
      ck_assert_crel(d.kappa2, conj(c.kappa2), 1e-14);
      ck_assert_crel(d.trace, conj(c.trace), 1e-13);
      ck_assert(cimag(c.kappa1) > 0 && cimag(c.kappa2) < 0);
    }
  deq_spectrum_free(sp);
}
END_TEST

/* (1/2 pi i) closed contour of (1/N) tr (S + z)^-1 dz = 1 around the
   sample spectrum (on -[edge_lo, edge_hi]), with (1/N) tr (S + z)^-1 ~
   (kappa/z) (1/N) sum m/(s + kappa) (spec 6.6).  P > N: no pole at 0, so
   the ellipse may cross the positive axis (at z = 1, far from the edge:
   the trapezoid rule converges fast); it crosses the negative axis at
   -1.25 edge_hi.  Midpoint nodes keep every node off the real axis;
   every kappa is warm-started from the previous node, and the warm path
   must agree with cold starts.  */
START_TEST(contour_integral_is_one)
{
  deq_spectrum *sp = loguniform(200, 1.0);
  double P = 400, q = 200 / P;
  double hi = 10 * (1 + sqrt(q)) * (1 + sqrt(q));
  double c = (1.0 - 1.25 * hi) / 2, a = (1.0 + 1.25 * hi) / 2;
  double b = 0.35 * hi;
  enum { NODES = 4000 };
  cplx sum = 0, k = 0, *warm = NULL;
  for (int j = 0; j < NODES; j++) {
    double th = 2 * M_PI * (j + 0.5) / NODES;
    cplx z = c + a * cos(th) + I * b * sin(th);
    cplx dz = -a * sin(th) + I * b * cos(th);
    ck_assert_st(deq_twopoint_kappa_c(&k, NULL, sp, P, &z, warm), DEQ_OK);
    if (j % 397 == 0) {
      cplx cold;
      ck_assert_st(deq_twopoint_kappa_c(&cold, NULL, sp, P, &z, NULL), DEQ_OK);
      ck_assert_crel(k, cold, 1e-12);
    }
    warm = &k;
    cplx n = 0;
    for (size_t i = 0; i < sp->n; i++) n += sp->m[i] / (sp->s[i] + k);
    sum += k / z * n / sp->dim * dz;
  }
  cplx integral = sum * (2 * M_PI / NODES) / (2 * M_PI * I);
  ck_assert_msg(cabs(integral - 1) < 1e-10, "contour integral %.15g%+.15gi",
                creal(integral), cimag(integral));
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ MPFR */

START_TEST(mpfr_twin_agrees)
{
  deq_spectrum *sps[] = { loguniform(100, 1.0), with_null_atom() };
  double Ps[] = { 40, 100, 300 };
  double zz[][2] = { { 0.05, 0.5 }, { 1e-3, 1e-3 }, { 2.0, 0.01 } };
  double rnd[100];
  for (int i = 0; i < 100; i++) rnd[i] = 0.5 + 0.37 * ((i * 7919) % 13) - 1.0;
  for (int j = 0; j < 2; j++)
    for (int p = 0; p < 3; p++)
      for (int k = 0; k < 3; k++)
        for (int w = 0; w < 3; w++) {
          const deq_spectrum *sp = sps[j];
          const double *a = w == 0 ? NULL : w == 1 ? sp->s : rnd;
          deq_twopoint_point d, m;
          ck_assert_st(deq_twopoint_solve(&d, sp, Ps[p], zz[k][0], zz[k][1],
                                          a, NULL), DEQ_OK);
          ck_assert_st(deq_mp_twopoint(&m, sp, Ps[p], zz[k][0], zz[k][1], a,
                                       200), DEQ_OK);
          ck_assert_rel(d.kappa1, m.kappa1, 1e-13);
          ck_assert_rel(d.kappa2, m.kappa2, 1e-13);
          ck_assert_rel(d.gamma12, m.gamma12, 1e-13);
          ck_assert_rel(d.amplification, m.amplification, 1e-12);
          ck_assert_rel(d.cross_trace, m.cross_trace, 1e-12);
          ck_assert_rel(d.trace, m.trace, 1e-12);
          ck_assert_rel(d.form, m.form, 1e-12);
        }
  deq_spectrum_free(sps[0]);
  deq_spectrum_free(sps[1]);
}
END_TEST

/* Huge ridges: kappa1 kappa2 beyond DBL_MAX used to make trace NaN
   (Inf times an underflowed sum).  For z >> s, T -> A: trace -> tr A
   (N = 140 for A = I, tr Sigma = 130 for A = Sigma) and form ->
   wbar' A wbar (sum v/s = 0.8, sum v = 1), up to O(s/z).  */
START_TEST(huge_ridges_without_nan)
{
  deq_spectrum *sp = with_null_atom();
  double zz[][2] = { { 1e100, 1e300 }, { 1e300, 1e300 }, { 1e200, 1e100 } };
  double tr[] = { 140, 130 }, form[] = { 0.8, 1.0 };
  for (int k = 0; k < 3; k++)
    for (int w = 0; w < 2; w++) {
      deq_twopoint_point d;
      ck_assert_st(deq_twopoint_solve(&d, sp, 100, zz[k][0], zz[k][1],
                                      w ? sp->s : NULL, NULL), DEQ_OK);
      ck_assert_rel(d.trace, tr[w], 1e-14);
      ck_assert_rel(d.form, form[w], 1e-14);
    }
  deq_twopoint_point d;
  ck_assert_st(deq_twopoint_solve(&d, sp, 100, 1e-3, 1e300, NULL, NULL),
               DEQ_OK);
  ck_assert(isfinite(d.trace) && d.trace > 0 && isfinite(d.form));
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ peak, bad input */

START_TEST(interpolation_peak_diverges_without_nan)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_iso(&sp, 100, 1.0), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 1.0), DEQ_OK);
  deq_twopoint_point t;
  ck_assert_st(deq_twopoint_solve(&t, sp, 100, 0, 0, NULL, NULL),
               DEQ_EDIVERGE);
  ck_assert(isinf(t.amplification) && t.amplification > 0);
  ck_assert(t.gamma12 == 1 && t.one_minus_gamma12 == 0);
  ck_assert(t.trace == 0 && t.form == 0 && t.cross_trace == 100);
  /* just off the peak: finite, and close to the limit */
  ck_assert_st(deq_twopoint_solve(&t, sp, 100, 1e-12, 1e-12, NULL, NULL),
               DEQ_OK);
  ck_assert(isfinite(t.amplification) && t.amplification > 1e5);
  ck_assert(fabs(t.trace) < 1e-4 && !isnan(t.form));
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(bad_input)
{
  deq_spectrum *sp = with_null_atom();
  deq_twopoint_point t;
  deq_twopoint_cpoint c;
  double bad_w[] = { 1, NAN, 1, 1 };
  cplx neg = -0.5, ok = 0.5 + 0.1 * I, nanz = NAN + 0 * I;
  ck_assert_st(deq_twopoint_solve(&t, sp, 100, -0.1, 0.5, NULL, NULL),
               DEQ_EDOM);
  ck_assert(t.status == DEQ_EDOM);
  ck_assert_st(deq_twopoint_solve(&t, sp, 100, 0.1, -1e-300, NULL, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_twopoint_solve(&t, sp, 0, 0.1, 0.1, NULL, NULL), DEQ_EDOM);
  ck_assert_st(deq_twopoint_solve(&t, sp, -3, 0.1, 0.1, NULL, NULL), DEQ_EDOM);
  ck_assert_st(deq_twopoint_solve(&t, sp, 100, 0.1, 0.1, bad_w, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_twopoint_solve(NULL, sp, 100, 0.1, 0.1, NULL, NULL),
               DEQ_EINVAL);
  ck_assert_st(deq_twopoint_solve(&t, NULL, 100, 0.1, 0.1, NULL, NULL),
               DEQ_EINVAL);
  ck_assert_st(deq_twopoint_solve_c(&c, sp, 100, &neg, &ok, NULL, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_twopoint_solve_c(&c, sp, 100, &ok, &nanz, NULL, NULL),
               DEQ_EDOM);
  ck_assert_st(deq_twopoint_solve_c(&c, sp, 100, &ok, NULL, NULL, NULL),
               DEQ_EINVAL);
  cplx k;
  ck_assert_st(deq_twopoint_kappa_c(&k, NULL, sp, 100, &neg, NULL), DEQ_EDOM);
  ck_assert_st(deq_mp_twopoint(&t, sp, 100, -1, 0.5, NULL, 200), DEQ_EDOM);
  ck_assert_st(deq_mp_twopoint(&t, sp, 100, 0, 0.5, NULL, 200), DEQ_EUNSUP);
  deq_mc_twopoint_row row;
  double z2 = 0.1, zneg = -0.1;
  ck_assert_st(deq_mc_twopoint_run(&row, sp, 50, -0.1, &z2, 1, NULL, 10, 1, 1),
               DEQ_EDOM);
  ck_assert_st(deq_mc_twopoint_run(&row, sp, 50, 0.1, &zneg, 1, NULL, 10, 1,
                                   1), DEQ_EDOM);
  ck_assert_st(deq_mc_twopoint_run(&row, sp, 0, 0.1, &z2, 1, NULL, 10, 1, 1),
               DEQ_EDOM);
  ck_assert_st(deq_mc_twopoint_run(&row, sp, 50, 0.1, &z2, 1, NULL, 1, 1, 1),
               DEQ_EINVAL);
  deq_spectrum_free(sp);
}
END_TEST

/* ------------------------------------------------------------ Monte Carlo */

static void mc_against_theory(const deq_spectrum *sp, size_t P, double z1,
                              const double *a, size_t trials, uint64_t seed)
{
  double z2[] = { 0.0, 0.05, 0.5, 2.0 };
  deq_mc_twopoint_row rows[4];
  ck_assert_st(deq_mc_twopoint_run(rows, sp, P, z1, z2, 4, a, trials, seed, 2),
               DEQ_OK);
  for (int j = 0; j < 4; j++) {
    deq_twopoint_point t;
    deq_status st = deq_twopoint_solve(&t, sp, (double)P, z1, z2[j], a, NULL);
    ck_assert(st == DEQ_OK);
    double zt = deq_mc_z(&rows[j].trace, t.trace);
    double zf = deq_mc_z(&rows[j].form, t.form);
    /* the trace self-averages: its O(1/N) bias is resolved, so it is
       checked by its relative gap instead of its z-score */
    ck_assert_msg(fabs(rows[j].trace.mean - t.trace)
                  <= 0.02 * fabs(t.trace) + 1e-10 * sp->dim,
                  "seed %llu z2 %g: trace %g vs %g", (unsigned long long)seed,
                  z2[j], rows[j].trace.mean, t.trace);
    ck_assert_msg(fabs(zf) < 4, "seed %llu P %zu z1 %g z2 %g: form z = %g "
                  "(trace z = %g)", (unsigned long long)seed, P, z1, z2[j], zf,
                  zt);
  }
}

START_TEST(mc_agrees)
{
  uint64_t seed = test_seed(20261202);
  printf("t-twopoint mc_agrees: seed %llu\n", (unsigned long long)seed);
  deq_spectrum *sp = loguniform(100, 1.0);
  mc_against_theory(sp, 50, 0.05, NULL, 200, seed);
  mc_against_theory(sp, 200, 0.3, sp->s, 200, seed + 1);
  deq_spectrum_free(sp);
}
END_TEST

START_TEST(mc_thread_invariant)
{
  deq_spectrum *sp = with_null_atom();
  double z2[] = { 0.0, 0.1, 1.0 };
  deq_mc_twopoint_row a[3], b[3];
  ck_assert_st(deq_mc_twopoint_run(a, sp, 60, 0.2, z2, 3, sp->s, 37, 7, 1),
               DEQ_OK);
  ck_assert_st(deq_mc_twopoint_run(b, sp, 60, 0.2, z2, 3, sp->s, 37, 7, 3),
               DEQ_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  deq_spectrum_free(sp);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("twopoint");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, iso_closed_form_real);
  tcase_add_test(tc, iso_closed_form_complex);
  tcase_add_test(tc, resolvent_identity);
  tcase_add_test(tc, reduces_to_ridge);
  tcase_add_test(tc, complex_path_on_real_axis);
  tcase_add_test(tc, symmetric_in_z1_z2);
  tcase_add_test(tc, small_imaginary_part_and_conjugation);
  tcase_add_test(tc, contour_integral_is_one);
  tcase_add_test(tc, mpfr_twin_agrees);
  tcase_add_test(tc, huge_ridges_without_nan);
  tcase_add_test(tc, interpolation_peak_diverges_without_nan);
  tcase_add_test(tc, bad_input);
  tcase_add_test(tc, mc_agrees);
  tcase_add_test(tc, mc_thread_invariant);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return test_run(suite());
}
