/* lib/msgd_impl.h -- private plumbing of multi-pass SGD (deq/msgd.h):
 * the one-point contour and its series (lib/msgd_kernels.c).  */
#ifndef DEQ_MSGD_IMPL_H
#define DEQ_MSGD_IMPL_H

#include <complex.h>
#include <stddef.h>

#include "deq/msgd.h"

/* Upper-half nodes z[0..n-1] and the weights omega = dz kappa/z times
   (T0 less the atom at 0), df1 and V (three blocks of n); n = 0 at P =
   +Inf (atom sums).  */
typedef struct msgd_contour {
  size_t n;
  double complex *z, *omega;
  double P, eta;
  int wedge;        /* the lens through z = 0 (wedge_impl.h) */
  double atom0;     /* N - P for P < N (the trace's pole at 0), else 0 */
} msgd_contour;

void deq_msgd_set_err(deq_error *err, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
deq_status deq_msgd_contour_build(msgd_contour *c, const deq_spectrum *sp,
                                  double P, double eta, deq_error *err);
void deq_msgd_contour_free(msgd_contour *c);
/* trace: over the nonzero sample spectrum (without c->atom0).  */
deq_status deq_msgd_series(double *K_L, double *K_R, double *signal,
                           double *trace, const msgd_contour *c,
                           const deq_spectrum *sp, size_t t0, size_t T);
/* DEQ_OK if eta is stable for (P, B); else DEQ_EDOM with the bound in
   err (or DEQ_EUNSUP for an unsupported P, message in err).  */
deq_status deq_msgd_check_eta(const deq_spectrum *sp, double P, double eta,
                              double batch, deq_error *err);

#endif
