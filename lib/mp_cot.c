/* lib/mp_cot.c -- MPFR twins of the depth risk and of the chain-of-thought
 * ladder (deq/cot.h).  Independent of icl_depth.c and cot.c: the MP
 * quadrature nodes, the moments and the spec's O(T^4) ladder are all
 * computed with prec bits; by default with twice the double solvers'
 * nodes, so agreement also bounds their quadrature error.  */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <mpfr.h>
#include "deq/cot.h"

#define RND MPFR_RNDN

/* Nodes lambda_k = 1 + q + 2 sqrt(q) cos theta_k and weights
   w_k = 2 sin^2 theta_k/(n lambda_k), theta_k = (k + 1/2) pi/n, for
   q = 1/alpha; *atom = (1 - alpha)_+.  */
static int mp_nodes(mpfr_t *lam, mpfr_t *w, mpfr_t atom, size_t n,
                    double alpha, mpfr_prec_t prec)
{
  mpfr_t q, sq, pi, th, c, s;
  mpfr_inits2(prec, q, sq, pi, th, c, s, (mpfr_ptr)0);
  mpfr_set_d(q, alpha, RND);
  mpfr_ui_div(q, 1, q, RND);
  mpfr_sqrt(sq, q, RND);
  mpfr_const_pi(pi, RND);
  for (size_t k = 0; k < n; k++) {
    mpfr_set_d(th, (double)k + 0.5, RND);
    mpfr_mul(th, th, pi, RND);
    mpfr_div_ui(th, th, (unsigned long)n, RND);
    mpfr_sin_cos(s, c, th, RND);
    mpfr_mul(lam[k], sq, c, RND);
    mpfr_mul_2ui(lam[k], lam[k], 1, RND);
    mpfr_add(lam[k], lam[k], q, RND);
    mpfr_add_ui(lam[k], lam[k], 1, RND);
    mpfr_sqr(w[k], s, RND);
    mpfr_mul_2ui(w[k], w[k], 1, RND);
    mpfr_div_ui(w[k], w[k], (unsigned long)n, RND);
    mpfr_div(w[k], w[k], lam[k], RND);
  }
  if (alpha < 1) {
    mpfr_set_d(atom, alpha, RND);
    mpfr_ui_sub(atom, 1, atom, RND);
  } else {
    mpfr_set_zero(atom, 1);
  }
  mpfr_clears(q, sq, pi, th, c, s, (mpfr_ptr)0);
  return 0;
}

static mpfr_t *mp_vec(size_t n, mpfr_prec_t prec)
{
  mpfr_t *v = malloc((n ? n : 1) * sizeof *v);
  for (size_t i = 0; v && i < n; i++) mpfr_init2(v[i], prec);
  return v;
}

static void mp_vec_free(mpfr_t *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++) mpfr_clear(v[i]);
  free(v);
}

deq_status deq_mp_icl_depth_risk(double *R, double gamma, double layers,
                                 double alpha, double noise, size_t nq,
                                 long prec)
{
  if (!R) return DEQ_EINVAL;
  *R = NAN;
  if (prec < 53 || prec > (long)MPFR_PREC_MAX / 2) return DEQ_EINVAL;
  if (!(alpha > 0) || !isfinite(alpha) || !(noise >= 0) || !isfinite(noise)
      || !(layers >= 1) || layers > 1e9 || layers != floor(layers)
      || !(gamma >= 0) || !isfinite(gamma))
    return DEQ_EDOM;
  if (nq == 0) nq = 1024;
  mpfr_t *lam = mp_vec(nq, prec), *w = mp_vec(nq, prec);
  if (!lam || !w) {
    mp_vec_free(lam, lam ? nq : 0);
    mp_vec_free(w, w ? nq : 0);
    return DEQ_ENOMEM;
  }
  mpfr_t atom, sum, x, p, om, nw, t;
  mpfr_inits2(prec, atom, sum, x, p, om, nw, t, (mpfr_ptr)0);
  mp_nodes(lam, w, atom, nq, alpha, prec);
  mpfr_set_d(nw, noise, RND);
  mpfr_div_d(nw, nw, alpha, RND);
  mpfr_set_d(sum, noise, RND);
  mpfr_add(sum, sum, atom, RND);
  unsigned long L = (unsigned long)layers;
  for (size_t k = 0; k < nq; k++) {
    /* p = (1 - gamma lambda/L)^L */
    mpfr_mul_d(x, lam[k], gamma, RND);
    mpfr_div_ui(x, x, L, RND);
    mpfr_ui_sub(x, 1, x, RND);
    mpfr_pow_ui(p, x, L, RND);
    mpfr_ui_sub(om, 1, p, RND);
    mpfr_sqr(t, p, RND);
    mpfr_sqr(om, om, RND);
    mpfr_mul(om, om, nw, RND);
    mpfr_div(om, om, lam[k], RND);
    mpfr_add(t, t, om, RND);
    mpfr_mul(t, t, w[k], RND);
    mpfr_add(sum, sum, t, RND);
  }
  *R = mpfr_get_d(sum, RND);
  mpfr_clears(atom, sum, x, p, om, nw, t, (mpfr_ptr)0);
  mp_vec_free(lam, nq);
  mp_vec_free(w, nq);
  return isinf(*R) ? DEQ_EDIVERGE : DEQ_OK;
}

deq_status deq_mp_cot_risk(double *e, size_t T, double alpha, double tau,
                           double rho, size_t nq, long prec)
{
  if (!e) return DEQ_EINVAL;
  *e = NAN;
  if (prec < 53 || prec > (long)MPFR_PREC_MAX / 2) return DEQ_EINVAL;
  if (!(alpha > 0) || !isfinite(alpha) || !(tau > 1) || isnan(tau)
      || !(rho >= 0) || !isfinite(rho))
    return DEQ_EDOM;
  if (T > 64) return DEQ_EUNSUP;
  if (nq == 0) nq = 512;
  size_t R = 2 * T + 1, T1 = T + 1;
  mpfr_t *lam = mp_vec(nq, prec), *w = mp_vec(nq, prec);
  mpfr_t *m0 = mp_vec(R, prec), *m1 = mp_vec(R, prec), *m2 = mp_vec(R, prec);
  mpfr_t *VI = mp_vec(T1 * T1, prec), *VS = mp_vec(T1 * T1, prec);
  deq_status st = lam && w && m0 && m1 && m2 && VI && VS ? DEQ_OK
                                                          : DEQ_ENOMEM;
  mpfr_t atom, gamma, sbar, nw, a, p, t, u, bI, bS;
  mpfr_inits2(prec, atom, gamma, sbar, nw, a, p, t, u, bI, bS, (mpfr_ptr)0);
  if (st == DEQ_OK) {
    mp_nodes(lam, w, atom, nq, alpha, prec);
    /* gamma = 1/(1 + (1 + rho)/alpha), sbar = gamma (1 - gamma)/(tau - 1) */
    mpfr_set_d(gamma, rho, RND);
    mpfr_add_ui(gamma, gamma, 1, RND);
    mpfr_div_d(gamma, gamma, alpha, RND);
    mpfr_add_ui(gamma, gamma, 1, RND);
    mpfr_ui_div(gamma, 1, gamma, RND);
    if (isinf(tau)) {
      mpfr_set_zero(sbar, 1);
    } else {
      mpfr_ui_sub(sbar, 1, gamma, RND);
      mpfr_mul(sbar, sbar, gamma, RND);
      mpfr_set_d(t, tau, RND);
      mpfr_sub_ui(t, t, 1, RND);
      mpfr_div(sbar, sbar, t, RND);
    }
    mpfr_set_d(nw, rho, RND);
    mpfr_div_d(nw, nw, alpha, RND);
    for (size_t r = 0; r < R; r++) {
      mpfr_set(m0[r], atom, RND);
      mpfr_set_zero(m1[r], 1);
      mpfr_set_zero(m2[r], 1);
    }
    for (size_t k = 0; k < nq; k++) {
      mpfr_mul(a, gamma, lam[k], RND);
      mpfr_ui_sub(a, 1, a, RND);
      mpfr_set(p, w[k], RND);
      for (size_t r = 0; r < R; r++) {
        mpfr_add(m0[r], m0[r], p, RND);
        mpfr_mul(t, p, lam[k], RND);
        mpfr_add(m1[r], m1[r], t, RND);
        mpfr_mul(t, t, lam[k], RND);
        mpfr_add(m2[r], m2[r], t, RND);
        mpfr_mul(p, p, a, RND);
      }
    }
    for (size_t i = 1; i <= T; i++)
      for (size_t j = 1; j <= T; j++) {
        mpfr_set(bI, m2[i + j - 2], RND);
        mpfr_set(bS, m1[i + j - 2], RND);
        for (size_t i2 = 1; i2 < i; i2++)
          for (size_t j2 = 1; j2 < j; j2++) {
            mpfr_srcptr k2 = m2[(i - i2) + (j - j2) - 2];
            mpfr_fma(bI, VI[i2 * T1 + j2], k2, bI, RND);
            mpfr_fma(bS, VS[i2 * T1 + j2], k2, bS, RND);
          }
        mpfr_mul(VI[i * T1 + j], bI, sbar, RND);
        mpfr_mul(VS[i * T1 + j], bS, sbar, RND);
      }
    /* e_T = B_T[I] + (rho/alpha)(tau((1 - A^T)^2 S+) + ladder) */
    mpfr_set(bI, m0[2 * T], RND);
    mpfr_set_zero(bS, 1);
    for (size_t k = 0; k < nq; k++) {
      mpfr_mul(a, gamma, lam[k], RND);
      mpfr_ui_sub(a, 1, a, RND);
      mpfr_pow_ui(p, a, (unsigned long)T, RND);
      mpfr_ui_sub(p, 1, p, RND);
      mpfr_sqr(p, p, RND);
      mpfr_mul(p, p, w[k], RND);
      mpfr_div(p, p, lam[k], RND);
      mpfr_add(bS, bS, p, RND);
    }
    for (size_t i = 1; i <= T; i++)
      for (size_t j = 1; j <= T; j++) {
        mpfr_fma(bI, VI[i * T1 + j], m0[2 * T - i - j], bI, RND);
        mpfr_fma(bS, VS[i * T1 + j], m0[2 * T - i - j], bS, RND);
      }
    mpfr_fma(bI, bS, nw, bI, RND);
    *e = mpfr_get_d(bI, RND);
    if (isinf(*e)) st = DEQ_EDIVERGE;
  }
  mpfr_clears(atom, gamma, sbar, nw, a, p, t, u, bI, bS, (mpfr_ptr)0);
  mp_vec_free(lam, lam ? nq : 0);
  mp_vec_free(w, w ? nq : 0);
  mp_vec_free(m0, m0 ? R : 0);
  mp_vec_free(m1, m1 ? R : 0);
  mp_vec_free(m2, m2 ? R : 0);
  mp_vec_free(VI, VI ? T1 * T1 : 0);
  mp_vec_free(VS, VS ? T1 * T1 : 0);
  return st;
}

deq_status deq_mp_icl_depth_rrs_risk(double *R, double gamma,
                                     const deq_spectrum *sp, double layers,
                                     long prec)
{
  if (!R || !sp) return DEQ_EINVAL;
  *R = NAN;
  if (prec < 53 || prec > (long)MPFR_PREC_MAX / 2) return DEQ_EINVAL;
  int has_target = 0;
  for (size_t i = 0; i < sp->n; i++)
    if (sp->v[i] > 0 && sp->s[i] > 0) has_target = 1;
  if (!(layers >= 1) || layers > 1e9 || layers != floor(layers)
      || !(gamma >= 0) || !isfinite(gamma) || !has_target)
    return DEQ_EDOM;
  unsigned long L = (unsigned long)layers;
  mpfr_t sum, x, t;
  mpfr_inits2(prec, sum, x, t, (mpfr_ptr)0);
  mpfr_set_zero(sum, 1);
  for (size_t i = 0; i < sp->n; i++) {
    /* v_i (1 - gamma s_i/L)^(2L) */
    mpfr_set_d(x, gamma, RND);
    mpfr_mul_d(x, x, sp->s[i], RND);
    mpfr_div_ui(x, x, L, RND);
    mpfr_ui_sub(x, 1, x, RND);
    mpfr_pow_ui(t, x, 2 * L, RND);
    mpfr_mul_d(t, t, sp->v[i], RND);
    mpfr_add(sum, sum, t, RND);
  }
  *R = mpfr_get_d(sum, RND);
  mpfr_clears(sum, x, t, (mpfr_ptr)0);
  return isinf(*R) ? DEQ_EDIVERGE : DEQ_OK;
}
