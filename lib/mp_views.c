/* lib/mp_views.c -- MPFR twin of the linear-views ensemble on a diagonal
 * Sigma (deq_mp_views in deq/ensemble_views.h).  Independent of
 * ensemble_views.c's arithmetic and of the ridge module: every kappa_r by
 * geometric bisection on kappa (1 - df1_r(kappa)/P) >= lambda_r (monotone:
 * negative below the ridgeless root, increasing above it), then the
 * spec's sums in their plain (expanded) form with prec bits.  */
#include "config.h"

#include <math.h>
#include <mpfr.h>
#include <stdlib.h>

#include "ensemble_views_impl.h"
#include "mp_impl.h"

typedef struct mv_member {
  const deq_views_plan *p;
  size_t r;
  mpfr_t P, lambda, eta2, t, q;
} mv_member;

/* kappa (1 - df1(kappa)/P) >= lambda, df1 = sum c (s+eta2)/(s+eta2+kappa) */
static int above(mpfr_srcptr k, mv_member *m)
{
  const deq_views_plan *p = m->p;
  mpfr_t df, x;
  mpfr_inits2(mpfr_get_prec(m->t), df, x, (mpfr_ptr)0);
  mpfr_set_ui(df, 0, MPFR_RNDN);
  for (size_t i = 0; i < p->na; i++) {
    double c = p->c[m->r * p->na + i];
    if (c == 0) continue;
    mpfr_set_d(m->t, p->s[i], MPFR_RNDN);
    mpfr_add(m->t, m->t, m->eta2, MPFR_RNDN);      /* s + eta2 */
    mpfr_add(x, m->t, k, MPFR_RNDN);
    mpfr_div(m->t, m->t, x, MPFR_RNDN);
    mpfr_mul_d(m->t, m->t, c, MPFR_RNDN);
    mpfr_add(df, df, m->t, MPFR_RNDN);
  }
  mpfr_div(df, df, m->P, MPFR_RNDN);
  mpfr_ui_sub(df, 1, df, MPFR_RNDN);
  mpfr_mul(df, df, k, MPFR_RNDN);
  int ok = mpfr_cmp(df, m->lambda) >= 0;
  mpfr_clears(df, x, (mpfr_ptr)0);
  return ok;
}

static int above_cb(mpfr_srcptr k, void *m) { return above(k, m); }

static deq_status solve_kappa(mpfr_t kappa, mv_member *m, mpfr_prec_t prec)
{
  const deq_views_plan *p = m->p;
  mpfr_t lo, hi, w;
  mpfr_inits2(prec, lo, hi, w, (mpfr_ptr)0);
  /* bracket [lambda, lambda + tr_r/P] */
  mpfr_set(lo, m->lambda, MPFR_RNDN);
  mpfr_set_ui(hi, 0, MPFR_RNDN);
  for (size_t i = 0; i < p->na; i++) {
    mpfr_set_d(w, p->s[i], MPFR_RNDN);
    mpfr_add(w, w, m->eta2, MPFR_RNDN);
    mpfr_mul_d(w, w, p->c[m->r * p->na + i], MPFR_RNDN);
    mpfr_add(hi, hi, w, MPFR_RNDN);
  }
  mpfr_div(hi, hi, m->P, MPFR_RNDN);
  mpfr_add(hi, hi, m->lambda, MPFR_RNDN);
  mpfr_mul_2ui(hi, hi, 1, MPFR_RNDN);
  deq_status st = DEQ_ENOCONV;
  if (!above(hi, m)) goto done;
  if (above(lo, m)) {   /* kappa = lambda exactly only if df1 = 0 */
    mpfr_set(kappa, lo, MPFR_RNDN);
    st = DEQ_OK;
    goto done;
  }
  st = deq_mp_bisect(lo, hi, above_cb, m, prec, NULL);
  mpfr_set(kappa, lo, MPFR_RNDN);
done:
  mpfr_clears(lo, hi, w, (mpfr_ptr)0);
  return st;
}

deq_status deq_mp_views(deq_views_point *out, double *kappa_out,
                        double *gamma_out, double *B_out, double *E_out,
                        const deq_views_plan *p, double P, double lambda,
                        double noise, double readout_noise, long prec)
{
  if (!out || !p || prec < 53 || prec > 100000) return DEQ_EINVAL;
  size_t K = p->K, na = p->na;
  *out = (deq_views_point){ P, lambda, noise, readout_noise, (double)K, NAN,
                            NAN, NAN, NAN, DEQ_EUNSUP };
  if (p->dense) return DEQ_EUNSUP;
  if (!(P > 0) || isinf(P) || !(noise >= 0) || !(readout_noise >= 0))
    return out->status = DEQ_EDOM;
  for (size_t r = 0; r < K; r++) {
    double l = isnan(p->lambda[r]) ? lambda : p->lambda[r];
    if (!(l > 0) || isinf(l)) return DEQ_EUNSUP;
  }
  mpfr_t *kap = malloc(K * sizeof *kap), *a = malloc(2 * sizeof *a);
  if (!kap || !a) {
    free(kap);
    free(a);
    return DEQ_ENOMEM;
  }
  mpfr_t g, b, s, u, x, y, e, sd, sc, tmp;
  mpfr_inits2(prec, g, b, s, u, x, y, e, sd, sc, tmp, a[0], a[1], (mpfr_ptr)0);
  deq_status st = DEQ_OK;
  for (size_t r = 0; r < K; r++) {
    mpfr_init2(kap[r], prec);
    mv_member m = { .p = p, .r = r };
    mpfr_inits2(prec, m.P, m.lambda, m.eta2, m.t, m.q, (mpfr_ptr)0);
    mpfr_set_d(m.P, P, MPFR_RNDN);
    mpfr_set_d(m.lambda, isnan(p->lambda[r]) ? lambda : p->lambda[r],
               MPFR_RNDN);
    mpfr_set_d(m.eta2, p->eta[r], MPFR_RNDN);
    mpfr_sqr(m.eta2, m.eta2, MPFR_RNDN);
    deq_status ks = solve_kappa(kap[r], &m, (mpfr_prec_t)prec);
    if (ks != DEQ_OK) st = ks;
    if (kappa_out) kappa_out[r] = mpfr_get_d(kap[r], MPFR_RNDN);
    mpfr_clears(m.P, m.lambda, m.eta2, m.t, m.q, (mpfr_ptr)0);
  }
  mpfr_set_ui(sd, 0, MPFR_RNDN);
  mpfr_set_ui(sc, 0, MPFR_RNDN);
  int diverged = 0;
  for (size_t r = 0; r < K && st == DEQ_OK; r++)
    for (size_t q = 0; q < K; q++) {
      /* gamma = (1/P) sum cc s_r s_q a_r a_q, with s_r = s + eta_r^2 on the
         diagonal (C_rr = Sigma_r); B = sum u [cc s^2 a_r a_q (+ c eta^2 s
         a^2 on the diagonal) - c_r s a_r - c_q s a_q + m]  */
      mpfr_set_ui(g, 0, MPFR_RNDN);
      mpfr_set_ui(b, 0, MPFR_RNDN);
      const double *cc = r == q ? p->c + r * na : p->cc + (r * K + q) * na;
      for (size_t i = 0; i < na; i++) {
        size_t who[2] = { r, q };
        mpfr_set_d(s, p->s[i], MPFR_RNDN);
        mpfr_set_d(u, p->u[i], MPFR_RNDN);
        for (int k = 0; k < 2; k++) {
          mpfr_set_d(tmp, p->eta[who[k]], MPFR_RNDN);
          mpfr_sqr(tmp, tmp, MPFR_RNDN);
          mpfr_add(tmp, tmp, s, MPFR_RNDN);
          mpfr_add(tmp, tmp, kap[who[k]], MPFR_RNDN);
          mpfr_ui_div(a[k], 1, tmp, MPFR_RNDN);
        }
        /* x = the C entry product factor, y = bias bracket */
        if (r == q) {
          mpfr_set_d(tmp, p->eta[r], MPFR_RNDN);
          mpfr_sqr(tmp, tmp, MPFR_RNDN);
          mpfr_add(x, s, tmp, MPFR_RNDN);            /* s + eta^2 */
          mpfr_mul(x, x, a[0], MPFR_RNDN);
          mpfr_sqr(x, x, MPFR_RNDN);
          mpfr_mul_d(x, x, cc[i], MPFR_RNDN);
          mpfr_add(g, g, x, MPFR_RNDN);
          mpfr_add(y, s, tmp, MPFR_RNDN);
          mpfr_mul(y, y, s, MPFR_RNDN);
          mpfr_mul(y, y, a[0], MPFR_RNDN);
          mpfr_mul(y, y, a[0], MPFR_RNDN);           /* s (s+eta^2) a^2 */
          mpfr_mul(x, s, a[0], MPFR_RNDN);
          mpfr_mul_2ui(x, x, 1, MPFR_RNDN);
          mpfr_sub(y, y, x, MPFR_RNDN);
          mpfr_mul_d(y, y, cc[i], MPFR_RNDN);
        } else {
          mpfr_mul(x, s, a[0], MPFR_RNDN);
          mpfr_mul(e, s, a[1], MPFR_RNDN);
          mpfr_mul(y, x, e, MPFR_RNDN);
          mpfr_mul_d(y, y, cc[i], MPFR_RNDN);
          mpfr_add(g, g, y, MPFR_RNDN);
          mpfr_mul_d(x, x, p->c[r * na + i], MPFR_RNDN);
          mpfr_mul_d(e, e, p->c[q * na + i], MPFR_RNDN);
          mpfr_sub(y, y, x, MPFR_RNDN);
          mpfr_sub(y, y, e, MPFR_RNDN);
        }
        mpfr_add_d(y, y, p->m[i], MPFR_RNDN);
        mpfr_mul(y, y, u, MPFR_RNDN);
        mpfr_add(b, b, y, MPFR_RNDN);
      }
      mpfr_div_d(g, g, P, MPFR_RNDN);
      /* E = (B + sigma^2 gamma)/(1 - gamma) */
      mpfr_mul_d(e, g, noise, MPFR_RNDN);
      mpfr_add(e, e, b, MPFR_RNDN);
      mpfr_ui_sub(x, 1, g, MPFR_RNDN);
      if (mpfr_sgn(x) > 0) mpfr_div(e, e, x, MPFR_RNDN);
      else {
        diverged = 1;
        mpfr_set_inf(e, 1);
      }
      if (gamma_out) gamma_out[r * K + q] = mpfr_get_d(g, MPFR_RNDN);
      if (B_out) B_out[r * K + q] = mpfr_get_d(b, MPFR_RNDN);
      if (E_out) E_out[r * K + q] = mpfr_get_d(e, MPFR_RNDN);
      mpfr_add(r == q ? sd : sc, r == q ? sd : sc, e, MPFR_RNDN);
    }
  if (st == DEQ_OK) {
    mpfr_add(e, sd, sc, MPFR_RNDN);
    mpfr_div_d(e, e, (double)K * (double)K, MPFR_RNDN);
    mpfr_set_d(x, readout_noise, MPFR_RNDN);
    mpfr_div_d(x, x, (double)K, MPFR_RNDN);
    mpfr_add(e, e, x, MPFR_RNDN);
    out->E_ens = mpfr_get_d(e, MPFR_RNDN);
    mpfr_add_d(e, e, noise, MPFR_RNDN);
    out->E_test = mpfr_get_d(e, MPFR_RNDN);
    mpfr_div_d(sd, sd, (double)K, MPFR_RNDN);
    out->E_diag = mpfr_get_d(sd, MPFR_RNDN);
    if (K > 1) {
      mpfr_div_d(sc, sc, (double)K * (double)(K - 1), MPFR_RNDN);
      out->E_cross = mpfr_get_d(sc, MPFR_RNDN);
    }
    st = diverged ? DEQ_EDIVERGE : DEQ_OK;
  }
  out->status = st;
  for (size_t r = 0; r < K; r++) mpfr_clear(kap[r]);
  mpfr_clears(g, b, s, u, x, y, e, sd, sc, tmp, a[0], a[1], (mpfr_ptr)0);
  free(kap);
  free(a);
  return st;
}
