/* fftw_impl.h -- FFTW's planner (plan creation and destruction, wisdom)
 * is not thread-safe, while executing a plan on new arrays is.  Every
 * planner call in libdeq is bracketed by deq_fftw_lock/unlock, one mutex
 * for the whole library, so that libdeq's functions may be called from
 * several threads at once.  (A program that also plans FFTW transforms
 * itself, concurrently with libdeq, must serialise those on its own.)  */
#ifndef DEQ_FFTW_IMPL_H
#define DEQ_FFTW_IMPL_H

void deq_fftw_lock(void);
void deq_fftw_unlock(void);

#endif
