/* parse_number.c -- decimal numbers of text files, fast and correctly
 * rounded.
 *
 * strtod is correctly rounded but slow (big-number arithmetic for every
 * 17-digit input).  Here a plain decimal "[+-]digits[.digits][e[+-]digits]"
 * with at most 19 significant digits is read into an integer w and a
 * power of ten q, and w * 10^q is formed in long double (64-bit
 * significand): w is exact, 10^q is the correctly rounded long double
 * (from strtold, once), so the product is within 1.5 long-double ulps,
 * i.e. 2^-10.4 of a double ulp.  Its rounding to double is the correct
 * rounding unless the product lies within 2^-9 double ulps of a halfway
 * point; that case, anything else (hex, inf, nan, more digits, results
 * outside the normal range) and platforms without a 64-bit long double
 * significand go to strtod.  So the result is always strtod's.  */
#include "config.h"
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse_impl.h"

static int slow(const char *tok, double *x)
{
  char *end;
  errno = 0;
  *x = strtod(tok, &end);
  return end != tok && *end == '\0';
}

#if LDBL_MANT_DIG >= 64

#define QMAX 350  /* 10^q for |q| <= QMAX */
static long double pow10_table[2 * QMAX + 1];
static pthread_once_t pow10_once = PTHREAD_ONCE_INIT;

static void pow10_init(void)
{
  for (int q = -QMAX; q <= QMAX; q++) {
    char buf[16];
    snprintf(buf, sizeof buf, "1e%d", q);
    pow10_table[q + QMAX] = strtold(buf, NULL); /* correctly rounded */
  }
}

/* Is x (a long double within 2^-10.4 double ulps of the true value) safe
   to round to double?  Not near a halfway point, and a normal double
   well inside the range and not at a power of two (where the spacing
   changes).  */
static int rounds_safely(long double x, double *out)
{
  double d = (double)x;
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  uint64_t ex = (b >> 52) & 0x7ff;
  if (ex <= 53 || ex == 0x7ff || (b & 0xfffffffffffffULL) == 0) return 0;
  uint64_t ub = (ex - 52) << 52; /* ulp(d) = 2^(e - 52) */
  double u;
  memcpy(&u, &ub, sizeof u);
  long double frac = fabsl(x - (long double)d) / u; /* in [0, 1/2] */
  if (frac > 0.5L - 0x1p-9L) return 0;
  *out = d;
  return 1;
}

int deq_parse_prefix(const char *tok, const char **end, double *x)
{
  const char *p = tok;
  int neg = 0;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  /* w: the significant digits (unsigned arithmetic wraps harmlessly
     beyond 19 of them, which are refused), q: the power of ten */
  uint64_t w = 0;
  long q = 0;
  const char *start = p;
  while (*p == '0') p++;
  const char *sig = p;
  while (*p >= '0' && *p <= '9') w = 10 * w + (uint64_t)(*p++ - '0');
  long digits = p - sig;
  int any = p > start;
  if (*p == '.') {
    const char *frac = ++p;
    if (w == 0)
      while (*p == '0') p++; /* 0.000ddd: zeros are not significant */
    const char *fsig = p;
    while (*p >= '0' && *p <= '9') w = 10 * w + (uint64_t)(*p++ - '0');
    digits += p - fsig;
    q = -(long)(p - frac);
    any |= p > frac;
  }
  if (digits > 19) return 0;
  if (!any) return 0; /* inf, nan, "." ... */
  if (*p == 'e' || *p == 'E') {
    p++;
    int eneg = 0;
    if (*p == '+' || *p == '-') eneg = *p++ == '-';
    if (!(*p >= '0' && *p <= '9')) return 0;
    long ex = 0;
    for (; *p >= '0' && *p <= '9'; p++)
      if (ex < 100000) ex = 10 * ex + (*p - '0');
    q += eneg ? -ex : ex;
  }
  *end = p;
  if (w == 0) {
    *x = neg ? -0.0 : 0.0;
    return 1;
  }
  if (w < (1ULL << 53) && q >= -22 && q <= 22) { /* both exact doubles */
    double d = (double)w;
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
      1e20, 1e21, 1e22};
    d = q < 0 ? d / p10[-q] : d * p10[q];
    *x = neg ? -d : d;
    return 1;
  }
  if (q < -QMAX || q > QMAX) return 0;
  pthread_once(&pow10_once, pow10_init);
  double d;
  if (!rounds_safely((long double)w * pow10_table[q + QMAX], &d)) return 0;
  *x = neg ? -d : d;
  return 1;
}

#else

int deq_parse_prefix(const char *tok, const char **end, double *x)
{
  (void)tok; (void)end; (void)x;
  return 0;
}

#endif

int deq_parse_double(const char *tok, double *x)
{
  const char *end;
  if (deq_parse_prefix(tok, &end, x) && *end == '\0') return 1;
  return slow(tok, x);
}
