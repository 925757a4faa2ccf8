/* lib/rng_impl.h -- private random number generator for the samplers.
 *
 * xoshiro256** (Blackman & Vigna 2018): 256-bit state, period 2^256 - 1,
 * passes BigCrush.  A state is seeded from a (seed, stream) pair: the two
 * 64-bit words are mixed through splitmix64 into four state words, so
 * every Monte Carlo trial t gets its own stream (seed, t), independent of
 * which thread runs it.  Distinct pairs give unrelated states; two
 * streams overlap within their first 2^64 draws with probability below
 * 2^-128.
 *
 * Every function works on a caller-owned deq_rng: no global state, and
 * distinct states may be used concurrently.  */
#ifndef DEQ_RNG_IMPL_H
#define DEQ_RNG_IMPL_H

#include <stddef.h>
#include <stdint.h>

typedef struct deq_rng {
  uint64_t s[4];     /* xoshiro256** state, never all zero */
  double spare;      /* second normal of the last polar pair */
  int has_spare;     /* 1 if spare holds an unused normal */
} deq_rng;

/* Seed the state of stream `stream` of `seed`.  */
void deq_rng_seed(deq_rng *rng, uint64_t seed, uint64_t stream);

/* Next 64 uniformly random bits.  */
uint64_t deq_rng_u64(deq_rng *rng);

/* Uniform double in the open interval (0, 1) with 53 random bits:
   k 2^-53 for k uniform in [1, 2^53).  */
double deq_rng_uniform(deq_rng *rng);

/* Standard normal N(0, 1) (Marsaglia's polar method; the second value
   of each pair is kept in the state for the next call).  */
double deq_rng_normal(deq_rng *rng);

/* x[0..n-1] = independent standard normals.  Consumes a cached spare
   first, and leaves one cached when n ends inside a pair, so the values
   are the same as n calls of deq_rng_normal.  */
void deq_rng_normals(double *x, size_t n, deq_rng *rng);

#endif
