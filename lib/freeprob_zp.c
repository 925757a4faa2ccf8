/* lib/freeprob_zp.c -- the complex-argument functions of deq/freeprob.h
 * with z passed by address (C++ and any caller whose ABI passes a complex
 * differently from C).  */
#include <config.h>

#include "deq/freeprob.h"
/* The by-value functions with z passed by address (C++ and any caller
   whose ABI passes a complex differently from C): freeprob.h.  */
deq_status deq_freeprob_stieltjes_zp(deq_complex *g, const deq_spectrum *sp,
                                     const deq_complex *z)
{
  if (!z) return DEQ_EINVAL;
  return deq_freeprob_stieltjes(g, sp, *z);
}

deq_status deq_freeprob_mp_stieltjes_zp(deq_complex *g, double q,
                                        double scale, const deq_complex *z)
{
  if (!z) return DEQ_EINVAL;
  return deq_freeprob_mp_stieltjes(g, q, scale, *z);
}

deq_status deq_freeprob_sample_stieltjes_zp(deq_freeprob_point *out,
                                            const deq_spectrum *sp, double P,
                                            const deq_complex *z)
{
  if (!z) return DEQ_EINVAL;
  return deq_freeprob_sample_stieltjes(out, sp, P, *z);
}

deq_status deq_freeprob_chain_stieltjes_zp(deq_freeprob_point *out,
                                           const deq_freeprob_chain *c,
                                           const deq_complex *z)
{
  if (!z) return DEQ_EINVAL;
  return deq_freeprob_chain_stieltjes(out, c, *z);
}
