/* freeprob_kernel.c -- the positive atoms of a spectrum and the
 * complex and real passes over them that every freeprob file uses. */
#include "config.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "freeprob_impl.h"
#include "resolvent_impl.h"
#include "sum_impl.h"

void deq_fp_atoms_free(fp_atoms *a)
{
  free(a->s);
  free(a->m);
  free(a->zero);
  a->s = a->m = a->zero = NULL;
}

deq_status deq_fp_atoms_init(fp_atoms *a, const deq_spectrum *sp)
{
  memset(a, 0, sizeof *a);
  if (!sp || sp->n == 0 || !sp->s || !sp->m)
    return DEQ_EINVAL;
  size_t n = 0;
  for (size_t i = 0; i < sp->n; i++) {
    double s = sp->s[i], m = sp->m[i];
    if (!(s >= 0) || !isfinite(s) || !(m > 0) || !isfinite(m))
      return DEQ_EDOM;
    if (s > 0)
      n++;
  }
  if (n == 0)
    return DEQ_EDOM;
  a->npad = (n + 3) / 4 * 4;
  a->s = malloc(a->npad * sizeof *a->s);
  a->m = malloc(a->npad * sizeof *a->m);
  a->zero = calloc(a->npad, sizeof *a->zero);
  if (!a->s || !a->m || !a->zero) {
    deq_fp_atoms_free(a);
    return DEQ_ENOMEM;
  }
  deq_sum tr, t2;
  deq_sum_init(&tr);
  deq_sum_init(&t2);
  a->smin = INFINITY;
  for (size_t i = 0, j = 0; i < sp->n; i++) {
    if (!(sp->s[i] > 0))
      continue;
    a->s[j] = sp->s[i];
    a->m[j] = sp->m[i];
    deq_sum_add(&tr, sp->m[i] * sp->s[i]);
    deq_sum_add(&t2, sp->m[i] * sp->s[i] * sp->s[i]);
    a->smin = fmin(a->smin, sp->s[i]);
    a->smax = fmax(a->smax, sp->s[i]);
    a->rank += sp->m[i];
    j++;
  }
  for (size_t j = n; j < a->npad; j++) { /* a real atom's pole: no new one */
    a->s[j] = a->s[0];
    a->m[j] = 0.0;
  }
  a->n = n;
  a->dim = 0;
  for (size_t i = 0; i < sp->n; i++)
    a->dim += sp->m[i];
  a->trace = deq_sum_get(&tr);
  a->t2 = deq_sum_get(&t2);
  return DEQ_OK;
}

/* ================================================================ passes */

typedef double v4d __attribute__((vector_size(32)));

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define FP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FP_CLONES
#endif

/* Complex sums at kappa = kr + i ki over atoms [i0, i1) (multiples of 4):
   out = re/im of df1 = sum m s/(s+k), df2 = sum m s^2/(s+k)^2 and
   h = sum m s/(s+k)^2 (so that d df1/dk = -h).  */
FP_CLONES
static void cblock(double out[6], const double *restrict s,
                   const double *restrict m, size_t i0, size_t i1, double kr,
                   double ki)
{
  v4d a1r = {0}, a1i = {0}, a2r = {0}, a2i = {0}, ahr = {0}, ahi = {0};
  for (size_t i = i0; i < i1; i += 4) {
    v4d s_, m_;
    memcpy(&s_, s + i, sizeof s_);
    memcpy(&m_, m + i, sizeof m_);
    v4d wr = s_ + kr, wi = wr * 0 + ki;
    v4d inv = 1.0 / (wr * wr + wi * wi);
    v4d rr = wr * inv, ri = -wi * inv;         /* r = 1/(s + k) */
    v4d ar = s_ * rr, ai = s_ * ri;            /* a = s r */
    a1r += m_ * ar;
    a1i += m_ * ai;
    a2r += m_ * (ar * ar - ai * ai);
    a2i += m_ * (2.0 * ar * ai);
    ahr += m_ * (ar * rr - ai * ri);
    ahi += m_ * (ar * ri + ai * rr);
  }
  v4d acc[6] = { a1r, a1i, a2r, a2i, ahr, ahi };
  for (int j = 0; j < 6; j++)
    out[j] = (acc[j][0] + acc[j][1]) + (acc[j][2] + acc[j][3]);
}

void deq_fp_cpass(csums *o, const fp_atoms *a, double complex k)
{
  deq_sum t[6];
  for (int j = 0; j < 6; j++)
    deq_sum_init(&t[j]);
  for (size_t i0 = 0; i0 < a->npad; i0 += DEQ_SUM_BLOCK) {
    size_t i1 = i0 + DEQ_SUM_BLOCK < a->npad ? i0 + DEQ_SUM_BLOCK : a->npad;
    double b[6];
    cblock(b, a->s, a->m, i0, i1, creal(k), cimag(k));
    for (int j = 0; j < 6; j++)
      deq_sum_add(&t[j], b[j]);
  }
  o->df1 = CMPLX(deq_sum_get(&t[0]), deq_sum_get(&t[1]));
  o->df2 = CMPLX(deq_sum_get(&t[2]), deq_sum_get(&t[3]));
  o->h = CMPLX(deq_sum_get(&t[4]), deq_sum_get(&t[5]));
}


/* The resolvent kernel (lib/resolvent.c) on a view of the positive atoms;
   valid at any real kappa off the poles.  */
void deq_fp_rpass(rsums *o, const fp_atoms *a, double k)
{
  deq_spectrum view = { .n = a->n, .s = a->s, .m = a->m, .v = a->zero };
  deq_moments mo;
  deq_moments_pass(&mo, NULL, &view, k, 0);
  o->df1 = mo.df1;
  o->df2 = mo.df2;
  o->df3 = mo.df3;
}
