/* lib/mp_sgd.c -- the MPFR twin of the SGD recursion and its averages
 * (deq/dynamics.h): the same per-atom recursions with every operation
 * at prec bits; the schedule's eta_t and B_t and the spectrum's doubles
 * are taken as exact binary numbers.  Each reported step replays its
 * trajectory from step 0, so the cost is O(sum T * n_atoms): a reference
 * for tests and --certify at small sizes.  */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "deq/dynamics.h"
#include "sgd_impl.h"

typedef struct mp_traj {
  size_t n;
  mpfr_t *u, *M, *Q;
  mpfr_t R, Rbar, a, b, d, f, tmp, keep;
} mp_traj;

static int traj_init(mp_traj *p, size_t n, mpfr_prec_t prec)
{
  p->n = n;
  p->u = malloc(3 * n * sizeof *p->u);
  if (!p->u) return 0;
  p->M = p->u + n;
  p->Q = p->M + n;
  for (size_t i = 0; i < 3 * n; i++) mpfr_init2(p->u[i], prec);
  mpfr_inits2(prec, p->R, p->Rbar, p->a, p->b, p->d, p->f, p->tmp, p->keep,
              (mpfr_ptr)0);
  return 1;
}

static void traj_clear(mp_traj *p)
{
  for (size_t i = 0; i < 3 * p->n; i++) mpfr_clear(p->u[i]);
  free(p->u);
  mpfr_clears(p->R, p->Rbar, p->a, p->b, p->d, p->f, p->tmp, p->keep,
              (mpfr_ptr)0);
}

static void sum(mpfr_t out, mpfr_t *x, size_t n)
{
  mpfr_set_zero(out, 1);
  for (size_t i = 0; i < n; i++) mpfr_add(out, out, x[i], MPFR_RNDN);
}

/* One step: u, then the average with rho (avg != NONE).  */
static void mp_step(mp_traj *p, const deq_spectrum *sp, double noise,
                    double m4, double eta, double B, int average, double rho)
{
  /* f = eta^2/B (R + sigma^2) */
  mpfr_add_d(p->f, p->R, noise, MPFR_RNDN);
  mpfr_mul_d(p->f, p->f, eta, MPFR_RNDN);
  mpfr_mul_d(p->f, p->f, eta, MPFR_RNDN);
  mpfr_div_d(p->f, p->f, B, MPFR_RNDN);
  mpfr_set_d(p->keep, 1.0, MPFR_RNDN);
  mpfr_sub_d(p->keep, p->keep, rho, MPFR_RNDN);
  for (size_t i = 0; i < p->n; i++) {
    double s = sp->s[i];
    /* d = 1 - eta s; a = d^2 + (m4 - 2) eta^2 s^2/B */
    mpfr_set_d(p->d, eta, MPFR_RNDN);
    mpfr_mul_d(p->d, p->d, s, MPFR_RNDN);
    mpfr_d_sub(p->d, 1.0, p->d, MPFR_RNDN);
    mpfr_set_d(p->tmp, eta, MPFR_RNDN);
    mpfr_mul_d(p->tmp, p->tmp, s, MPFR_RNDN);
    mpfr_sqr(p->tmp, p->tmp, MPFR_RNDN);
    mpfr_mul_d(p->tmp, p->tmp, m4 - 2, MPFR_RNDN);
    mpfr_div_d(p->tmp, p->tmp, B, MPFR_RNDN);
    mpfr_sqr(p->a, p->d, MPFR_RNDN);
    mpfr_add(p->a, p->a, p->tmp, MPFR_RNDN);
    /* u = a u + f m s^2 */
    mpfr_mul(p->u[i], p->u[i], p->a, MPFR_RNDN);
    mpfr_set_d(p->b, sp->m[i], MPFR_RNDN);
    mpfr_mul_d(p->b, p->b, s, MPFR_RNDN);
    mpfr_mul_d(p->b, p->b, s, MPFR_RNDN);
    mpfr_mul(p->b, p->b, p->f, MPFR_RNDN);
    mpfr_add(p->u[i], p->u[i], p->b, MPFR_RNDN);
    if (!average) continue;
    /* M = keep^2 M + 2 rho keep d Q + rho^2 u;  Q = keep d Q + rho u */
    mpfr_mul(p->tmp, p->keep, p->d, MPFR_RNDN);
    mpfr_mul(p->Q[i], p->Q[i], p->tmp, MPFR_RNDN);       /* keep d Q */
    mpfr_sqr(p->tmp, p->keep, MPFR_RNDN);
    mpfr_mul(p->M[i], p->M[i], p->tmp, MPFR_RNDN);
    mpfr_mul_d(p->tmp, p->Q[i], 2 * rho, MPFR_RNDN);
    mpfr_add(p->M[i], p->M[i], p->tmp, MPFR_RNDN);
    mpfr_mul_d(p->tmp, p->u[i], rho, MPFR_RNDN);
    mpfr_add(p->Q[i], p->Q[i], p->tmp, MPFR_RNDN);
    mpfr_mul_d(p->tmp, p->tmp, rho, MPFR_RNDN);
    mpfr_add(p->M[i], p->M[i], p->tmp, MPFR_RNDN);
  }
  sum(p->R, p->u, p->n);
  if (average) sum(p->Rbar, p->M, p->n);
  else mpfr_set(p->Rbar, p->R, MPFR_RNDN);
}

deq_status deq_mp_sgd(deq_sgd_point *out, const deq_spectrum *sp,
                      double noise, double m4, const deq_sgd_schedule *sched,
                      const deq_sgd_average *avg, const double *T, size_t n,
                      long prec)
{
  if (!out || !sp || !sched || !T || n == 0) return DEQ_EINVAL;
  if (prec < 53 || prec > 100000) return DEQ_EINVAL;
  if (!(noise >= 0 && isfinite(noise)) || !(m4 >= 1 && isfinite(m4)))
    return DEQ_EDOM;
  if (deq_sgd_schedule_check(sched, NULL) != DEQ_OK) return DEQ_EDOM;
  deq_sgd_average none = { DEQ_AVG_NONE, 0 };
  if (!avg) avg = &none;
  mp_traj p;
  if (!traj_init(&p, sp->n, (mpfr_prec_t)prec)) return DEQ_ENOMEM;
  deq_status st = DEQ_OK;
  for (size_t k = 0; k < n; k++) {
    if (!(T[k] >= 0 && T[k] == floor(T[k]) && T[k] < 1e9)) {
      st = DEQ_EDOM;
      break;
    }
    double start = deq_sgd_tail_start(avg, T[k]), used = 0, eta, B;
    for (size_t i = 0; i < sp->n; i++) {
      mpfr_set_d(p.u[i], sp->v[i], MPFR_RNDN);
      mpfr_set(p.M[i], p.u[i], MPFR_RNDN);
      mpfr_set(p.Q[i], p.u[i], MPFR_RNDN);
    }
    sum(p.R, p.u, p.n);
    mpfr_set(p.Rbar, p.R, MPFR_RNDN);
    for (double t = 0; t < T[k]; t += 1) {
      deq_sgd_schedule_at(&eta, &B, sched, t, used);
      mp_step(&p, sp, noise, m4, eta, B, avg->kind != DEQ_AVG_NONE,
              deq_sgd_rho(avg, start, t));
      used += B;
    }
    deq_sgd_schedule_at(&eta, &B, sched, T[k], used);
    double R = mpfr_get_d(p.R, MPFR_RNDN), Rbar = mpfr_get_d(p.Rbar, MPFR_RNDN);
    deq_status ps = isinf(R) || isinf(Rbar) ? DEQ_EDIVERGE : DEQ_OK;
    out[k] = (deq_sgd_point){ T[k], eta, B, used, R, R + noise, Rbar, ps };
    if (ps != DEQ_OK) st = ps;
  }
  traj_clear(&p);
  return st;
}
