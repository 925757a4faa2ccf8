/* lib/mp_gd.c -- the MPFR twin of full-batch GD (deq/dynamics.h): R_t
 * from the moments of the deterministic equivalents, with no contour, so
 * it checks gd.c's quadrature (ellipse or lens) as well as its rounding.
 *
 * For integer t the filters are polynomials: (1 - eta s)^t = sum_j
 * (-1)^j g_j s^j with g_j = binom(t, j) eta^j, and h_t(s) = (1 - (1 -
 * eta s)^t)^2/s = sum_l h_l s^l.  With u = 1/z, c = kappa u solves
 *     c = 1 + (u/P) sum_i m_i s_i c e_i,   e_i = 1/(c + s_i u),
 * order by order (c_n needs c_0 .. c_n-1 only).  Then, as series in u,
 *     tr Sigma (Sigma_hat + z)^-1 = (kappa/z) df1 = u c sum m s e_i
 *                                 = sum_l (-1)^l tr[Sigma S^l] u^(l+1),
 *     wbar'(S + z1)^-1 Sigma (S + z2)^-1 wbar = u1 u2 T(u1, u2),
 *     T = c1 c2 sum v e_i(u1) e_i(u2) / (1 - u1 u2 Gamma),
 *     Gamma = (1/P) sum m s^2 e_i(u1) e_i(u2)
 * (deq/twopoint.h with 1/(s + kappa) = u e_i), so that
 *     signal = sum_{j,k <= t} g_j g_k T_jk,
 *     (1/P) tr[Sigma h_t(S)] = (1/P) sum_l h_l [u^l](c sum m s e_i) (-1)^l.
 * T solves T = c1 c2 N + u1 u2 Gamma T coefficient by coefficient:
 * O(t^4 + K t^2) operations.  The alternating sums cancel up to (1 +
 * eta hi)^(2t) <= 3^(2t), so the work precision is prec + 4 t + 64 bits.
 * Any P (P = N, P < N with the atom at 0, a singular Sigma: the moments
 * are polynomial in the atoms); t finite and at most DEQ_MP_GD_MAX_T.  */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "deq/dynamics.h"

#define MAX_T 64
#define MAX_ATOMS 256

typedef struct mpvec {
  size_t n;
  mpfr_t *x;
} mpvec;

static int vec_init(mpvec *v, size_t n, mpfr_prec_t prec)
{
  v->n = n;
  v->x = malloc(n * sizeof *v->x);
  if (!v->x) return 0;
  for (size_t i = 0; i < n; i++) {
    mpfr_init2(v->x[i], prec);
    mpfr_set_zero(v->x[i], 1);
  }
  return 1;
}

static void vec_clear(mpvec *v)
{
  if (!v->x) return;
  for (size_t i = 0; i < v->n; i++) mpfr_clear(v->x[i]);
  free(v->x);
  v->x = NULL;
}

/* Coefficient k of e = 1/g (g_0 != 0), given e_0 .. e_k-1.  */
static void inv_coef(mpfr_t ek, const mpfr_t *g, const mpfr_t *e, size_t k,
                     mpfr_t tmp)
{
  if (k == 0) mpfr_set_ui(ek, 1, MPFR_RNDN);
  else mpfr_set_zero(ek, 1);
  for (size_t j = 1; j <= k; j++) {
    mpfr_mul(tmp, g[j], e[k - j], MPFR_RNDN);
    mpfr_sub(ek, ek, tmp, MPFR_RNDN);
  }
  mpfr_div(ek, ek, g[0], MPFR_RNDN);
}

deq_status deq_mp_gd(deq_gd_point *out, const deq_spectrum *sp, double P,
                     double noise, double eta, double t, long prec)
{
  if (!out || !sp || prec < 53 || prec > 100000) return DEQ_EINVAL;
  out->step = t;
  out->signal = out->variance = out->E_g = out->E_test = NAN;
  out->status = DEQ_EUNSUP;
  if (!(P > 0) || !isfinite(P) || !(noise >= 0) || !isfinite(noise)
      || !(eta > 0) || !isfinite(eta) || !(t >= 0) || t != floor(t))
    return t == INFINITY ? DEQ_EUNSUP : DEQ_EDOM;
  if (t > MAX_T || sp->n > MAX_ATOMS || !isfinite(sp->dim)) return DEQ_EUNSUP;
  size_t T = (size_t) t, D = 2 * T + 1, K = sp->n;   /* u^0 .. u^(D-1) */
  mpfr_prec_t wp = prec + 4 * (mpfr_prec_t) T + 64;
  mpvec c = { 0 }, g = { 0 }, e = { 0 }, sc = { 0 }, tw = { 0 };
  mpvec gam = { 0 }, nn = { 0 }, coef = { 0 };
  mpvec *ev = calloc(K, sizeof *ev);   /* e_i, D coefficients each */
  size_t W = T + 1;
  int ok = ev != NULL;
  ok = ok && vec_init(&c, D, wp) && vec_init(&g, D, wp)
       && vec_init(&sc, D, wp) && vec_init(&tw, W * W, wp)
       && vec_init(&gam, W * W, wp) && vec_init(&nn, W * W, wp)
       && vec_init(&coef, W, wp) && vec_init(&e, 1, wp);
  for (size_t i = 0; ok && i < K; i++) ok = vec_init(&ev[i], D, wp);
  if (!ok) {
    vec_clear(&c), vec_clear(&g), vec_clear(&e), vec_clear(&sc);
    vec_clear(&tw), vec_clear(&gam), vec_clear(&nn), vec_clear(&coef);
    for (size_t i = 0; ev && i < K; i++) vec_clear(&ev[i]);
    free(ev);
    return DEQ_ENOMEM;
  }
  mpfr_t tmp, acc, P_;
  mpfr_inits2(wp, tmp, acc, P_, (mpfr_ptr)0);
  mpfr_set_d(P_, P, MPFR_RNDN);

  /* c and every e_i, order by order */
  mpfr_set_ui(c.x[0], 1, MPFR_RNDN);
  for (size_t k = 0; k < D; k++) {
    if (k > 0) {   /* c_k = (1/P) sum m s [c e_i]_(k-1) */
      mpfr_set_zero(acc, 1);
      for (size_t i = 0; i < K; i++) {
        mpfr_set_zero(e.x[0], 1);
        for (size_t j = 0; j < k; j++) {
          mpfr_mul(tmp, c.x[j], ev[i].x[k - 1 - j], MPFR_RNDN);
          mpfr_add(e.x[0], e.x[0], tmp, MPFR_RNDN);
        }
        mpfr_mul_d(e.x[0], e.x[0], sp->m[i] * 1.0, MPFR_RNDN);
        mpfr_mul_d(e.x[0], e.x[0], sp->s[i], MPFR_RNDN);
        mpfr_add(acc, acc, e.x[0], MPFR_RNDN);
      }
      mpfr_div(c.x[k], acc, P_, MPFR_RNDN);
    }
    for (size_t i = 0; i < K; i++) {   /* e_i = 1/(c + s_i u) */
      for (size_t j = 0; j <= k; j++) mpfr_set(g.x[j], c.x[j], MPFR_RNDN);
      if (k >= 1) mpfr_add_d(g.x[1], c.x[1], sp->s[i], MPFR_RNDN);
      inv_coef(ev[i].x[k], g.x, ev[i].x, k, tmp);
    }
  }

  /* Y = c sum m s e_i: the one-point moments */
  for (size_t k = 0; k < D; k++) {
    mpfr_set_zero(sc.x[k], 1);
    for (size_t i = 0; i < K; i++) {
      mpfr_set_zero(acc, 1);
      for (size_t j = 0; j <= k; j++) {
        mpfr_mul(tmp, c.x[j], ev[i].x[k - j], MPFR_RNDN);
        mpfr_add(acc, acc, tmp, MPFR_RNDN);
      }
      mpfr_mul_d(acc, acc, sp->m[i], MPFR_RNDN);
      mpfr_mul_d(acc, acc, sp->s[i], MPFR_RNDN);
      mpfr_add(sc.x[k], sc.x[k], acc, MPFR_RNDN);
    }
  }

  /* Gamma and c1 c2 N on (T+1)^2: a_i = c e_i (univariate, in g) */
  for (size_t i = 0; i < K; i++) {
    for (size_t k = 0; k < W; k++) {
      mpfr_set_zero(g.x[k], 1);
      for (size_t j = 0; j <= k; j++) {
        mpfr_mul(tmp, c.x[j], ev[i].x[k - j], MPFR_RNDN);
        mpfr_add(g.x[k], g.x[k], tmp, MPFR_RNDN);
      }
    }
    for (size_t a = 0; a < W; a++)
      for (size_t b = 0; b < W; b++) {
        mpfr_mul(tmp, g.x[a], g.x[b], MPFR_RNDN);
        mpfr_mul_d(tmp, tmp, sp->v[i], MPFR_RNDN);
        mpfr_add(nn.x[a * W + b], nn.x[a * W + b], tmp, MPFR_RNDN);
        mpfr_mul(tmp, ev[i].x[a], ev[i].x[b], MPFR_RNDN);
        mpfr_mul_d(tmp, tmp, sp->m[i], MPFR_RNDN);
        mpfr_mul_d(tmp, tmp, sp->s[i], MPFR_RNDN);
        mpfr_mul_d(tmp, tmp, sp->s[i], MPFR_RNDN);
        mpfr_div(tmp, tmp, P_, MPFR_RNDN);
        mpfr_add(gam.x[a * W + b], gam.x[a * W + b], tmp, MPFR_RNDN);
      }
  }
  /* T_jk = N_jk + sum_{a < j, b < k} Gamma_ab T_(j-1-a)(k-1-b) */
  for (size_t j = 0; j < W; j++)
    for (size_t k = 0; k < W; k++) {
      mpfr_set(acc, nn.x[j * W + k], MPFR_RNDN);
      for (size_t a = 0; a < j; a++)
        for (size_t b = 0; b < k; b++) {
          mpfr_mul(tmp, gam.x[a * W + b], tw.x[(j - 1 - a) * W + (k - 1 - b)],
                   MPFR_RNDN);
          mpfr_add(acc, acc, tmp, MPFR_RNDN);
        }
      mpfr_set(tw.x[j * W + k], acc, MPFR_RNDN);
    }

  /* g_j = binom(t, j) eta^j; signal = sum g_j g_k T_jk */
  for (size_t j = 0; j < W; j++) {
    mpfr_set_d(acc, eta, MPFR_RNDN);
    mpfr_pow_ui(acc, acc, j, MPFR_RNDN);
    mpfr_set_ui(coef.x[j], 1, MPFR_RNDN);
    for (size_t r = 0; r < j; r++) {   /* binom(t, j) exactly */
      mpfr_mul_ui(coef.x[j], coef.x[j], T - r, MPFR_RNDN);
      mpfr_div_ui(coef.x[j], coef.x[j], r + 1, MPFR_RNDN);
    }
    mpfr_mul(coef.x[j], coef.x[j], acc, MPFR_RNDN);
  }
  mpfr_t sig, var;
  mpfr_inits2(wp, sig, var, (mpfr_ptr)0);
  mpfr_set_zero(sig, 1);
  for (size_t j = 0; j < W; j++)
    for (size_t k = 0; k < W; k++) {
      mpfr_mul(tmp, coef.x[j], coef.x[k], MPFR_RNDN);
      mpfr_mul(tmp, tmp, tw.x[j * W + k], MPFR_RNDN);
      mpfr_add(sig, sig, tmp, MPFR_RNDN);
    }
  /* p(s) = (1 - (1 - eta s)^t)/s = sum_{j < t} (-1)^j g_(j+1) s^j;
     h = s p^2: h_l = sum_{a + b = l - 1} p_a p_b, l = 1 .. 2t - 1;
     variance = (1/P) sum_l h_l (-1)^l Y_l  */
  mpfr_set_zero(var, 1);
  for (size_t l = 1; l + 1 <= 2 * T; l++) {
    mpfr_set_zero(acc, 1);
    for (size_t a = 0; a < T && a <= l - 1; a++) {
      size_t b = l - 1 - a;
      if (b >= T) continue;
      mpfr_mul(tmp, coef.x[a + 1], coef.x[b + 1], MPFR_RNDN);
      if ((a + b) & 1) mpfr_neg(tmp, tmp, MPFR_RNDN);
      mpfr_add(acc, acc, tmp, MPFR_RNDN);
    }
    mpfr_mul(acc, acc, sc.x[l], MPFR_RNDN);
    if (l & 1) mpfr_neg(acc, acc, MPFR_RNDN);
    mpfr_add(var, var, acc, MPFR_RNDN);
  }
  mpfr_div(var, var, P_, MPFR_RNDN);
  out->signal = mpfr_get_d(sig, MPFR_RNDN);
  double V = mpfr_get_d(var, MPFR_RNDN);
  out->variance = noise > 0 ? noise * V : 0;
  out->E_g = out->signal + out->variance;
  out->E_test = out->E_g + noise;
  out->status = DEQ_OK;

  mpfr_clears(sig, var, tmp, acc, P_, (mpfr_ptr)0);
  vec_clear(&c), vec_clear(&g), vec_clear(&e), vec_clear(&sc);
  vec_clear(&tw), vec_clear(&gam), vec_clear(&nn), vec_clear(&coef);
  for (size_t i = 0; i < K; i++) vec_clear(&ev[i]);
  free(ev);
  return DEQ_OK;
}
