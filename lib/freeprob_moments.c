/* freeprob_moments.c -- moments of a sample covariance spectrum by
 * series reversion of the self-consistent equation. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "freeprob_impl.h"
#include "sum_impl.h"

/* Power series helpers (coefficients 0..K).  */
static void ser_mul(double *out, const double *a, const double *b, size_t K)
{
  for (size_t k = 0; k <= K; k++) {
    double v = 0;
    for (size_t j = 0; j <= k; j++)
      v += a[j] * b[k - j];
    out[k] = v;
  }
}

deq_status deq_freeprob_sample_moments(double *m, size_t order,
                                       const deq_spectrum *sp, double P)
{
  if (!m || !sp || sp->n == 0)
    return DEQ_EINVAL;
  if (order > FP_MAX_ORDER)
    return DEQ_EUNSUP;
  if (!(P > 0) || !isfinite(P) || !(sp->dim > 0) || !isfinite(sp->dim))
    return DEQ_EDOM;
  size_t K = order;
  double smax = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (!(sp->s[i] >= 0) || !isfinite(sp->s[i]))
      return DEQ_EDOM;
    smax = fmax(smax, sp->s[i]);
  }
  if (!(smax > 0))
    return DEQ_EDOM;
  double q = sp->dim / P;
  double mu[FP_MAX_ORDER + 1];   /* scaled population moments */
  for (size_t k = 1; k <= K; k++) {
    deq_sum acc;
    deq_sum_init(&acc);
    for (size_t i = 0; i < sp->n; i++)
      deq_sum_add(&acc, sp->m[i] * pow(sp->s[i] / smax, (double)k));
    mu[k] = deq_sum_get(&acc) / sp->dim;
  }
  /* Dt(u) = sum (-1)^{k-1} mu_k u^k; u = w (1 - q Dt(u)); then
     M_k = (-1)^{k+1} [w^k] Dt(u(w)).  */
  double u[FP_MAX_ORDER + 1], D[FP_MAX_ORDER + 1], pw[FP_MAX_ORDER + 1],
      tmp[FP_MAX_ORDER + 1];
  memset(u, 0, sizeof u);
  if (K >= 1)
    u[1] = 1;
  for (size_t it = 0; it <= K; it++) {
    memset(D, 0, sizeof D);
    memcpy(pw, u, sizeof pw);
    for (size_t k = 1; k <= K; k++) {
      double c = (k % 2 ? 1.0 : -1.0) * mu[k];
      for (size_t j = 0; j <= K; j++)
        D[j] += c * pw[j];
      ser_mul(tmp, pw, u, K);
      memcpy(pw, tmp, sizeof pw);
    }
    if (it == K)
      break;
    /* u = w (1 - q D) */
    double nu[FP_MAX_ORDER + 1];
    memset(nu, 0, sizeof nu);
    if (K >= 1)
      nu[1] = 1;
    for (size_t j = 2; j <= K; j++)
      nu[j] = -q * D[j - 1];
    memcpy(u, nu, sizeof u);
  }
  m[0] = 1;
  for (size_t k = 1; k <= K; k++)
    m[k] = (k % 2 ? 1.0 : -1.0) * D[k] * pow(smax, (double)k);
  return DEQ_OK;
}
