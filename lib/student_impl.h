/* lib/student_impl.h -- Student's t distribution, shared by the fits
 * (lib/fit.c: interval half-widths) and Monte Carlo z-scores
 * (lib/mc_common.c: their tail probability).  Not installed.  */
#ifndef DEQ_STUDENT_IMPL_H
#define DEQ_STUDENT_IMPL_H

/* P(|T| < t) for Student's t with nu >= 1 integer degrees of freedom
   (exact finite series, O(nu) terms).  */
double deq_t_two_sided(double t, int nu);

#endif
