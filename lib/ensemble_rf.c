/* lib/ensemble_rf.c -- random-feature ensembles at one point (deq/ensemble.h):
 * one member's solve (deq_rf_solve1) gives E_diag = E_g and E_cross, and
 * E_K = E_cross + (E_diag - E_cross)/K.  */
#include <config.h>

#include <math.h>
#include <stddef.h>

#include <mpfr.h>

#include "deq/ensemble.h"
#include "deq/mp.h"
#include "ensemble_impl.h"

/* K: an integer >= 1 or +Inf.  */
static int members_ok(double K)
{
  return K >= 1 && (isinf(K) || K == floor(K));
}

deq_status deq_ensemble_rf_check(const deq_spectrum *sp, double K, double M,
                                 double P, double noise)
{
  if (!sp) return DEQ_EINVAL;
  if (!members_ok(K) || !(M > 0) || !(P > 0) || isinf(P) || !(noise >= 0)
      || isinf(noise))
    return DEQ_EDOM;
  return DEQ_OK;
}

/* The ensemble combination of a solved member.  The status: +Inf risk is
   a divergence; a finite E_ens keeps the member's DEQ_EDIVERGE (the
   noiseless limit at the peak) for finite K, while the infinite ensemble
   only inherits a divergence of its cross term (gamma_c = 1).  */
static void combine(deq_ensemble_rf_point *out, const deq_rf_point *m,
                    double K)
{
  out->kappa2 = m->kappa;
  out->kappa_f = m->kappa_f;
  out->df = m->df1;
  out->gamma = m->gamma;
  out->gamma_c = m->gamma_c;
  out->E_diag = m->E_g;
  out->E_cross = m->E_cross;
  if (isinf(K))
    out->E_ens = m->E_cross;
  else if (isinf(m->E_g))
    out->E_ens = INFINITY;
  else if (K == 1)  /* one member is its own risk, bitwise */
    out->E_ens = m->E_g;
  else   /* E_diag - E_cross = var_features, computed without cancellation */
    out->E_ens = m->E_cross + m->var_features / K;
  out->E_test = out->E_ens + out->noise;
  out->iterations = m->iterations;
  if (m != &out->member) out->member = *m;
  deq_status st = m->status;
  if (st == DEQ_EDIVERGE && isinf(K) && m->gamma_c < 1) st = DEQ_OK;
  if (st == DEQ_OK && isinf(out->E_ens)) st = DEQ_EDIVERGE;
  out->status = st;
}

/* Solve the member into *m and combine; out's inputs already set.  */
static deq_status solve_into(deq_ensemble_rf_point *out, deq_rf_point *m,
                             const deq_spectrum *sp, const deq_rf_point *warm)
{
  deq_status st = deq_rf_solve1(m, sp, out->M, out->P, out->lambda,
                                out->noise, warm);
  if (st != DEQ_OK && st != DEQ_EDIVERGE) {
    out->status = st;
    return st;
  }
  combine(out, m, out->K);
  return out->status;
}

void deq_ensemble_rf_set_inputs(deq_ensemble_rf_point *out, double K, double M,
                       double P, double lambda, double noise)
{
  *out = (deq_ensemble_rf_point){ .P = P, .M = M, .K = K, .lambda = lambda,
                                  .noise = noise };
  out->kappa2 = out->kappa_f = out->df = out->gamma = out->gamma_c = NAN;
  out->E_diag = out->E_cross = out->E_ens = out->E_test = NAN;
}

deq_status deq_ensemble_rf_solve(deq_ensemble_rf_point *out,
                                 const deq_spectrum *sp, double K, double M,
                                 double P, double lambda, double noise,
                                 const deq_ensemble_rf_point *warm)
{
  if (!out) return DEQ_EINVAL;
  deq_rf_point w;   /* copied first: warm may alias out */
  int have_warm = warm && warm->member.status == DEQ_OK;
  if (have_warm) w = warm->member;
  deq_ensemble_rf_set_inputs(out, K, M, P, lambda, noise);
  deq_status st = deq_ensemble_rf_check(sp, K, M, P, noise);
  if (st == DEQ_OK && !(lambda >= 0)) st = DEQ_EDOM;
  if (st != DEQ_OK) return out->status = st;
  return solve_into(out, &out->member, sp, have_warm ? &w : NULL);
}

/* ------------------------------------------------------------ MPFR twin */

/* E_ens = E_cross + var_features/K and E_test = E_ens + sigma^2 with prec
   bits from the twin's (double) member risks, rounded once each.  */
static void combine_mp(deq_ensemble_rf_point *out, long prec)
{
  if (!isfinite(out->E_ens) || !isfinite(out->member.var_features)) return;
  mpfr_t e, v;
  mpfr_init2(e, (mpfr_prec_t)prec);
  mpfr_init2(v, (mpfr_prec_t)prec);
  mpfr_set_d(e, out->member.E_cross, MPFR_RNDN);
  if (isfinite(out->K)) {
    mpfr_set_d(v, out->member.var_features, MPFR_RNDN);
    mpfr_div_d(v, v, out->K, MPFR_RNDN);
    mpfr_add(e, e, v, MPFR_RNDN);
  }
  out->E_ens = mpfr_get_d(e, MPFR_RNDN);
  mpfr_add_d(e, e, out->noise, MPFR_RNDN);
  out->E_test = mpfr_get_d(e, MPFR_RNDN);
  mpfr_clear(e);
  mpfr_clear(v);
}

deq_status deq_mp_ensemble_rf(deq_ensemble_rf_point *out,
                              const deq_spectrum *sp, double K, double M,
                              double P, double lambda, double noise,
                              long prec)
{
  if (!out) return DEQ_EINVAL;
  deq_ensemble_rf_set_inputs(out, K, M, P, lambda, noise);
  deq_status st = deq_ensemble_rf_check(sp, K, M, P, noise);
  if (st == DEQ_OK && (!(lambda > 0) || isinf(lambda) || isinf(M)))
    st = DEQ_EDOM;
  if (st != DEQ_OK) return out->status = st;
  st = deq_mp_rf1(&out->member, sp, M, P, lambda, noise, prec);
  if (st != DEQ_OK && st != DEQ_EDIVERGE) return out->status = st;
  combine(out, &out->member, K);
  combine_mp(out, prec);
  return out->status;
}
