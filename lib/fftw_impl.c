/* fftw_impl.c -- the library's one FFTW planner mutex (fftw_impl.h).  */
#include "config.h"

#include <pthread.h>

#include "fftw_impl.h"

static pthread_mutex_t planner = PTHREAD_MUTEX_INITIALIZER;

void deq_fftw_lock(void)
{
  pthread_mutex_lock(&planner);
}

void deq_fftw_unlock(void)
{
  pthread_mutex_unlock(&planner);
}
