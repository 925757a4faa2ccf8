/* parse_double.c -- plain decimal strings to doubles, exactly rounded,
 * without strtod's cost on 17-digit fields (deq's own %.17g output).
 *
 * Two exact paths, and strtod for everything else:
 *   Clinger:      mantissa m <= 2^53 and |e| <= 22: m and 10^|e| are
 *                 exact doubles, so one IEEE multiply or divide rounds
 *                 the exact value once;
 *   Eisel-Lemire: m < 10^19 and 10^e from a table of 128-bit truncated
 *                 mantissas (pow10_table.h): the 64 x 128-bit product
 *                 decides the rounding unless it lies too close to a
 *                 halfway point, and then we return 0 (strtod decides).
 *                 D. Lemire, "Number parsing at a gigabyte per second",
 *                 Software: Practice and Experience 51 (2021); this is
 *                 the formulation of Go's strconv (eisel_lemire.go).
 * test/t-parse.c checks bitwise equality with strtod on edge cases and
 * on a million random strings.  */
#include "config.h"
#include <float.h>
#include <stdint.h>
#include <string.h>
#include "parse_double_impl.h"
#include "pow10_table.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int leading_zeros64(uint64_t x)
{
  return __builtin_clzll(x);   /* x != 0 */
}

/* 64 x 64 -> 128-bit product.  */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
  unsigned __int128 p = (unsigned __int128)a * b;
  *hi = (uint64_t)(p >> 64);
  *lo = (uint64_t)p;
}

/* m * 10^e10 (m != 0) rounded to nearest even, if it is a normal double
   and the 128-bit approximation decides the rounding.  */
static int eisel_lemire(uint64_t man, int e10, int neg, double *x)
{
  if (e10 < DEQ_POW10_MIN || e10 > DEQ_POW10_MAX) return 0;
  const uint64_t *pw = deq_pow10_128[e10 - DEQ_POW10_MIN];
  int clz = leading_zeros64(man);
  man <<= clz;
  /* floor(e10 log2 10) + 64 + bias - clz; 217706/2^16 ~ log2 10 (exact
     floor for |e10| <= 1650 with an arithmetic shift).  */
  uint64_t exp2 = (uint64_t)(((217706 * e10) >> 16) + 64 + 1023) -
                  (uint64_t)clz;
  uint64_t xhi, xlo;
  mul64(man, pw[0], &xhi, &xlo);
  if ((xhi & 0x1FF) == 0x1FF && xlo + man < man) {
    /* The truncation of the table could carry into the kept bits: add
       the low half of 10^e10's mantissa.  */
    uint64_t yhi, ylo;
    mul64(man, pw[1], &yhi, &ylo);
    uint64_t mhi = xhi, mlo = xlo + yhi;
    if (mlo < xlo) mhi++;
    if ((mhi & 0x1FF) == 0x1FF && mlo + 1 == 0 && ylo + man < man) return 0;
    xhi = mhi;
    xlo = mlo;
  }
  uint64_t msb = xhi >> 63;
  uint64_t mant = xhi >> (msb + 9);
  exp2 -= 1 ^ msb;
  /* Exactly halfway between two doubles, or too close to tell.  */
  if (xlo == 0 && (xhi & 0x1FF) == 0 && (mant & 3) == 1) return 0;
  mant += mant & 1;
  mant >>= 1;
  if (mant >> 53) {
    mant >>= 1;
    exp2++;
  }
  if (exp2 - 1 >= 0x7FF - 1) return 0;   /* subnormal, zero or overflow */
  uint64_t bits = exp2 << 52 | (mant & 0x000FFFFFFFFFFFFFu);
  if (neg) bits |= 0x8000000000000000u;
  memcpy(x, &bits, sizeof *x);
  return 1;
}

int deq_parse_decimal(const char *s, double *x)
{
  double v;
  const char *end = deq_parse_decimal_prefix(s, &v);
  if (!end || *end != '\0') return 0;
  *x = v;
  return 1;
}

/* Eight ASCII digits in the 8 bytes of v (first character in the low
   byte), and their value: D. Lemire's SWAR steps (fast_float).  */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DEQ_SWAR_DIGITS 1
static int is_eight_digits(uint64_t v)
{
  return ((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
          (((v + UINT64_C(0x0606060606060606)) &
            UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) ==
         UINT64_C(0x3333333333333333);
}

static uint32_t eight_digits(uint64_t v)
{
  v = (v & UINT64_C(0x0F0F0F0F0F0F0F0F)) * 2561 >> 8;
  v = (v & UINT64_C(0x00FF00FF00FF00FF)) * 6553601 >> 16;
  return (uint32_t)((v & UINT64_C(0x0000FFFF0000FFFF)) *
                    UINT64_C(42949672960001) >> 32);
}
#endif

/* A run of digits from p into man (significant digits counted in ndig,
   leading zeros skipped); *count: the digits consumed.  NULL beyond 19
   significant digits.  padded: 8 bytes from any position in the run are
   readable, so that whole groups of eight digits go in one step (the
   same value as one at a time).  */
static inline const char *digit_run(const char *p, uint64_t *man, int *ndig,
                                    int *count, int padded)
{
  const char *start = p;
  uint64_t m = *man;
  int nd = *ndig;
  for (;;) {
#ifdef DEQ_SWAR_DIGITS
    if (padded && m != 0 && nd <= 11) {   /* m 10^8 + 10^8 < 10^19 */
      uint64_t v;
      memcpy(&v, p, 8);
      if (is_eight_digits(v)) {
        m = m * 100000000u + eight_digits(v);
        nd += 8;
        p += 8;
        continue;
      }
    }
#else
    (void)padded;
#endif
    if (!is_digit(*p)) break;
    if (m != 0 || *p != '0') {   /* not a leading zero */
      if (nd == 19) return NULL;
      m = 10 * m + (uint64_t)(*p - '0');
      nd++;
    }
    p++;
  }
  *man = m;
  *ndig = nd;
  *count = (int)(p - start);
  return p;
}

static inline const char *parse_prefix(const char *s, double *x, int padded)
{
  static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };
  const char *p = s;
  int neg = 0;
  if (*p == '-' || *p == '+') neg = *p++ == '-';
  uint64_t man = 0;
  int ndig = 0;       /* significant digits kept in man */
  int e10 = 0;        /* decimal exponent of man's last digit */
  int nint = 0, nfrac = 0;
  p = digit_run(p, &man, &ndig, &nint, padded);
  if (!p) return NULL;
  if (*p == '.') {
    p = digit_run(p + 1, &man, &ndig, &nfrac, padded);
    if (!p) return NULL;
    e10 = -nfrac;
  }
  if (nint + nfrac == 0) return NULL;   /* no mantissa digit */
  if (*p == 'e' || *p == 'E') {
    p++;
    int eneg = 0;
    if (*p == '-' || *p == '+') eneg = *p++ == '-';
    if (!is_digit(*p)) return NULL;
    int ev = 0;
    for (; is_digit(*p); p++)
      if (ev < 100000) ev = 10 * ev + (*p - '0');   /* saturate */
    e10 += eneg ? -ev : ev;
  }
  /* A letter, digit, dot or sign right after the number: something
     else (1.5x, 1e5e, 0x10, 1.5.2): strtod decides.  */
  if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '.' ||
      *p == '+' || *p == '-' || *p == '_')
    return NULL;
  if (man == 0) {
    *x = neg ? -0.0 : 0.0;
    return p;
  }
#if FLT_EVAL_METHOD == 0
  if (man <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
    double m = (double)man;
    m = e10 < 0 ? m / pow10_exact[-e10] : m * pow10_exact[e10];
    *x = neg ? -m : m;
    return p;
  }
#else
  (void)pow10_exact;
#endif
  return eisel_lemire(man, e10, neg, x) ? p : NULL;
}

const char *deq_parse_decimal_prefix(const char *s, double *x)
{
  return parse_prefix(s, x, 0);
}

const char *deq_parse_decimal_prefix_padded(const char *s, double *x)
{
  return parse_prefix(s, x, 1);
}
