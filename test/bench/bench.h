/* test/bench/bench.h -- timing helpers shared by the benchmarks.
 *
 * bench_now() is wall-clock time in seconds (CLOCK_MONOTONIC).  Results
 * are printed one per line as "name value unit", so that the output can
 * be read by a script or pasted into the README.  */
#ifndef DEQ_BENCH_H
#define DEQ_BENCH_H

#include <stdio.h>
#include <time.h>

static inline double bench_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the process in seconds (all threads): on a shared machine
   the wall time alone overstates the cost.  */
static inline double bench_cpu(void)
{
  return (double)clock() / CLOCKS_PER_SEC;
}

/* One result line: "name value unit".  */
static inline void bench_report(const char *name, double value,
                                const char *unit)
{
  printf("%s %.6g %s\n", name, value, unit);
  fflush(stdout);
}

#endif
