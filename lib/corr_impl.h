/* corr_impl.h -- the CorrGCV inversion of corr.c, shared with estimate.c
 * (one implementation of kappa_K).  */
#ifndef DEQ_CORR_IMPL_H
#define DEQ_CORR_IMPL_H

#include "deq/spectrum.h"
#include "deq/status.h"

/* kappa_K > 0 with df1^K(kappa_K) = df (0 < df <= rank K), df given also
   as its complement cdf = rank K - df > 0, which the caller may know more
   accurately than the difference (df near the rank).  b = df1^K - df2^K
   = kappa_K sum m s/(s + kappa_K)^2 at the root (long double sums), so
   that the CorrGCV factor is dim K/(kappa_K b).  */
deq_status deq_corr_kappa_K(double *kappa_K, double *b,
                            const deq_spectrum *K, double df, double cdf);

#endif
