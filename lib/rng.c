/* lib/rng.c -- xoshiro256** streams seeded by (seed, stream), uniform and
 * normal variates.  See rng_impl.h.  */
#include "config.h"

#include <math.h>

#include "rng_impl.h"

static const uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;

/* splitmix64's output function: a bijection of 64-bit words with full
   avalanche.  */
static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* The first two words are a bijection of (seed, stream), so distinct
   pairs always give distinct states; the other two mix both inputs.
   Each word is a splitmix64 step with its own increment.  */
void deq_rng_seed(deq_rng *rng, uint64_t seed, uint64_t stream)
{
  uint64_t *s = rng->s;
  s[0] = mix64(seed + golden_gamma);
  s[1] = mix64((stream ^ s[0]) + 2 * golden_gamma);
  s[2] = mix64(s[0] + s[1] + 3 * golden_gamma);
  s[3] = mix64(s[1] ^ rotl(s[2], 29) ^ (4 * golden_gamma));
  if ((s[0] | s[1] | s[2] | s[3]) == 0)   /* the one forbidden state */
    s[0] = golden_gamma;
  rng->spare = 0.0;
  rng->has_spare = 0;
}

uint64_t deq_rng_u64(deq_rng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double deq_rng_uniform(deq_rng *rng)
{
  /* k 2^-53 for the top 53 bits k, redrawn in the 2^-53 chance that
     k = 0.  (k + 1/2) 2^-53 would round to 1 for k = 2^53 - 1.  */
  uint64_t k;
  do
    k = deq_rng_u64(rng) >> 11;
  while (k == 0);
  return (double)k * 0x1p-53;
}

/* One polar pair: (u, v) uniform in the unit disc minus the origin.  */
static void polar_pair(deq_rng *rng, double *a, double *b)
{
  double u, v, s;
  do {
    u = 2.0 * deq_rng_uniform(rng) - 1.0;
    v = 2.0 * deq_rng_uniform(rng) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = sqrt(-2.0 * log(s) / s);
  *a = u * f;
  *b = v * f;
}

double deq_rng_normal(deq_rng *rng)
{
  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  double a, b;
  polar_pair(rng, &a, &b);
  rng->spare = b;
  rng->has_spare = 1;
  return a;
}

void deq_rng_normals(double *x, size_t n, deq_rng *rng)
{
  size_t i = 0;
  if (n > 0 && rng->has_spare) {
    x[i++] = rng->spare;
    rng->has_spare = 0;
  }
  for (; i + 1 < n; i += 2)
    polar_pair(rng, &x[i], &x[i + 1]);
  if (i < n)
    x[i] = deq_rng_normal(rng);
}
