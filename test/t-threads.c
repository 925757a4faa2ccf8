/* test/t-threads.c -- libdeq called from several threads at once.
 *
 * FFTW-planning constructors (the ACF symbol of deq_corr_spectrum_acf, the
 * circulant sampler plan and its free) run in a loop in some pthreads
 * while others run Monte Carlo executes (correlated samples through the
 * circulant sampler, and plain ridge; plans made beforehand), each with
 * two OpenMP trial threads.  Every result
 * must equal the one computed serially beforehand, bitwise; afterwards
 * OpenBLAS's process-wide thread count must be what it was before (the
 * executes bracket their trial loops with a reference count).  */
#include <config.h>
#include <deq/corr.h>
#include <deq/mc.h>
#include <deq/sampler.h>
#include <deq/spectrum.h>
#include <pthread.h>
#include "testutil.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

enum { P = 96, N = 48, NLAM = 3, TRIALS = 24, PLANS = 12, MC_THREADS = 3,
       BUILDERS = 2, ROUNDS = 2 };
static const double LAM[NLAM] = { 1e-3, 0.1, 1 };
/* lags 0..P (zero beyond 3): the circulant embedding needs them */
static const double ACF[P + 1] = { 1.0, 0.6, 0.3, 0.1 };

typedef struct reference {
  deq_spectrum *symbol;          /* deq_corr_spectrum_acf, SYMBOL */
  double *X;                     /* deq_sampler_execute, circulant */
  deq_mc_corr_row corr[NLAM];
  deq_mc_ridge_row ridge[NLAM];
} reference;

static deq_spectrum *sigma(void)
{
  deq_spectrum *sp = NULL;
  ck_assert_st(deq_spectrum_loguniform(&sp, N, 0.1, 10), DEQ_OK);
  ck_assert_st(deq_spectrum_target_iso(sp, 1.0), DEQ_OK);
  return sp;
}

static deq_status symbol(deq_spectrum **K)
{
  return deq_corr_spectrum_acf(K, P, ACF, P + 1, DEQ_CORR_SYMBOL, NULL);
}

static deq_status sample(double *X)
{
  deq_sampler_plan *plan = NULL;
  deq_status st = deq_sampler_plan_acf(&plan, ACF, P + 1, P, NULL);
  if (st == DEQ_OK) st = deq_sampler_execute(X, P, 5, NULL, plan, 7, 3);
  deq_sampler_plan_free(plan);
  return st;
}

static const deq_corr_model ACF_MODEL = { .kind = DEQ_CORR_ACF, .acf = ACF,
                                          .nacf = P + 1 };

/* Monte Carlo plans are made serially: their LAPACK work (dsyevd of K for
   CorrGCV) rounds according to OpenBLAS's thread count, which the
   executes of other threads set to 1 while they run.  The executes run
   concurrently.  */
static deq_mc_corr_plan *corr_plan(const deq_spectrum *sp)
{
  deq_mc_corr_plan *plan = NULL;
  ck_assert_st(deq_mc_corr_plan_alloc(&plan, sp, &ACF_MODEL, P, 0, NLAM, 2),
               DEQ_OK);
  return plan;
}

static deq_mc_ridge_plan *ridge_plan(const deq_spectrum *sp)
{
  deq_mc_ridge_plan *plan = NULL;
  ck_assert_st(deq_mc_ridge_plan_alloc(&plan, sp, P, NLAM, 2), DEQ_OK);
  return plan;
}

static deq_status mc_corr(deq_mc_corr_row *rows, deq_mc_corr_plan *plan)
{
  return deq_mc_corr_execute(rows, plan, LAM, 0.2, DEQ_CORR_NOISE_K, TRIALS,
                             11);
}

static deq_status mc_ridge(deq_mc_ridge_row *rows, deq_mc_ridge_plan *plan)
{
  return deq_mc_ridge_execute(rows, plan, LAM, 0.2, TRIALS, 13);
}

typedef struct job {
  int kind;                      /* 0: builder, 1: corr MC, 2: ridge MC */
  const reference *ref;
  deq_mc_corr_plan *cplan;
  deq_mc_ridge_plan *rplan;
  pthread_barrier_t *start;
  int ok;
} job;

static int same_spectrum(const deq_spectrum *a, const deq_spectrum *b)
{
  if (a->n != b->n) return 0;
  return !memcmp(a->s, b->s, a->n * sizeof *a->s)
         && !memcmp(a->m, b->m, a->n * sizeof *a->m);
}

static void *run_job(void *vp)
{
  job *j = vp;
  pthread_barrier_wait(j->start);
  j->ok = 1;
  if (j->kind == 0) {
    double *X = malloc(P * 5 * sizeof *X);
    for (int i = 0; i < PLANS && j->ok; i++) {
      deq_spectrum *K = NULL;
      j->ok = symbol(&K) == DEQ_OK && same_spectrum(K, j->ref->symbol)
              && sample(X) == DEQ_OK
              && !memcmp(X, j->ref->X, P * 5 * sizeof *X);
      deq_spectrum_free(K);
    }
    free(X);
  } else if (j->kind == 1) {
    deq_mc_corr_row rows[NLAM];
    j->ok = mc_corr(rows, j->cplan) == DEQ_OK
            && !memcmp(rows, j->ref->corr, sizeof rows);
  } else {
    deq_mc_ridge_row rows[NLAM];
    j->ok = mc_ridge(rows, j->rplan) == DEQ_OK
            && !memcmp(rows, j->ref->ridge, sizeof rows);
  }
  return NULL;
}

START_TEST(concurrent_equals_serial)
{
  int blas_before = -1;
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  openblas_set_num_threads(2);
  blas_before = openblas_get_num_threads();
#endif
  deq_spectrum *sp = sigma();
  reference ref;
  ck_assert_st(symbol(&ref.symbol), DEQ_OK);
  ref.X = malloc(P * 5 * sizeof *ref.X);
  ck_assert_st(sample(ref.X), DEQ_OK);
  enum { NJOBS = BUILDERS + MC_THREADS };
  deq_mc_corr_plan *cplan[NJOBS];
  deq_mc_ridge_plan *rplan[NJOBS];
  for (int i = 0; i < NJOBS; i++) {
    cplan[i] = corr_plan(sp);
    rplan[i] = ridge_plan(sp);
  }
  ck_assert_st(mc_corr(ref.corr, cplan[0]), DEQ_OK);
  ck_assert_st(mc_ridge(ref.ridge, rplan[0]), DEQ_OK);
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  ck_assert_int_eq(openblas_get_num_threads(), blas_before);
#endif
  for (int r = 0; r < ROUNDS; r++) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, NJOBS);
    job jobs[NJOBS];
    pthread_t tid[NJOBS];
    for (int i = 0; i < NJOBS; i++) {
      jobs[i] = (job){ .kind = i < BUILDERS ? 0 : 1 + (i - BUILDERS) % 2,
                       .ref = &ref, .cplan = cplan[i], .rplan = rplan[i],
                       .start = &start };
      ck_assert_int_eq(pthread_create(&tid[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int i = 0; i < NJOBS; i++) pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < NJOBS; i++)
      ck_assert_msg(jobs[i].ok, "round %d, job %d (kind %d) differs from "
                    "the serial result", r, i, jobs[i].kind);
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    ck_assert_msg(openblas_get_num_threads() == blas_before,
                  "round %d: OpenBLAS threads %d, was %d", r,
                  openblas_get_num_threads(), blas_before);
#endif
  }
  (void)blas_before;
  for (int i = 0; i < NJOBS; i++) {
    deq_mc_corr_plan_free(cplan[i]);
    deq_mc_ridge_plan_free(rplan[i]);
  }
  deq_spectrum_free(ref.symbol);
  free(ref.X);
  deq_spectrum_free(sp);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, concurrent_equals_serial);
  suite_add_tcase(s, tc);
  return test_run(s);
}
