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
 * The table reader's padded form first tries the shape of %.17g text,
 * [-]D.DDDDDDDD... with 8 to 18 digits after the dot (plain_17g): no
 * loop and no data-dependent branch in the common case, Eisel-Lemire
 * alone (the general path decides whatever it declines); about 9 ns a
 * number instead of 17 on x86-64, 10 with the SWAR steps alone instead
 * of SSE2 (test/bench/bench-parse.c).
 * test/t-parse.c checks bitwise equality with strtod on edge cases and
 * on a million random strings.  */
#include "config.h"
#include <float.h>
#include <stdint.h>
#include <string.h>
#include "parse_double_impl.h"
#include "pow10_table.h"

/* Inlined where the compiler would not: the general parse_prefix into
   its two forms (padded constant), the conversion into the fast path
   (no call, no saved registers); the general path out of it.  */
#if defined(__GNUC__)
#define DEQ_INLINE inline __attribute__((always_inline))
#define DEQ_NOINLINE __attribute__((noinline))
#else
#define DEQ_INLINE inline
#define DEQ_NOINLINE
#endif

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

/* floor(e10 log2 10) + 64 + the exponent bias; 217706/2^16 ~ log2 10
   (exact floor for |e10| <= 1650 with an arithmetic shift).  */
#define DEQ_EXP2_OF_10(e10) (((217706 * (e10)) >> 16) + 64 + 1023)

/* m * 10^e10 (m != 0) rounded to nearest even, if it is a normal double
   and the 128-bit approximation decides the rounding; pw: 10^e10's row
   of the table, e2: DEQ_EXP2_OF_10(e10); normal: the caller knows that
   the result is a normal double (no range check).  */
static DEQ_INLINE int eisel_lemire_at(uint64_t man, const uint64_t *pw,
                                      int e2, int neg, int normal,
                                      double *x)
{
  int clz = leading_zeros64(man);
  man <<= clz;
  uint64_t exp2 = (uint64_t)e2 - (uint64_t)clz;
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
  uint64_t mant = xhi >> (msb + 9);   /* 2^53 <= mant < 2^54 */
  exp2 -= 1 ^ msb;
  /* Exactly halfway between two doubles, or too close to tell.  */
  if (xlo == 0 && (xhi & 0x1FF) == 0 && (mant & 3) == 1) return 0;
  mant = (mant + 1) >> 1;   /* rounded: 2^52 <= mant <= 2^53 */
  /* subnormal, zero or overflow (mant = 2^53 adds one to the exponent) */
  if (!normal && exp2 + (mant >> 53) - 1 >= 0x7FF - 1) return 0;
  /* The exponent field exp2 holds the implicit bit 2^52 of mant, or
     its carry 2^53.  */
  uint64_t bits = ((exp2 - 1) << 52) + mant + ((uint64_t)neg << 63);
  memcpy(x, &bits, sizeof *x);
  return 1;
}

static DEQ_INLINE int eisel_lemire(uint64_t man, int e10, int neg, double *x)
{
  if (e10 < DEQ_POW10_MIN || e10 > DEQ_POW10_MAX) return 0;
  return eisel_lemire_at(man, deq_pow10_128[e10 - DEQ_POW10_MIN],
                         DEQ_EXP2_OF_10(e10), neg, 0, x);
}

int deq_parse_decimal(const char *s, double *x)
{
  double v;
  const char *end = deq_parse_decimal_prefix(s, &v);
  if (!end || *end != '\0') return 0;
  *x = v;
  return 1;
}

/* man 10^e10 (man != 0), negated if neg: 1 and the double in *x, or 0
   (strtod decides).  Both paths round exactly when they answer, so the
   order changes neither the result nor which inputs are accepted:
   Eisel-Lemire first, as it answers for nearly all inputs (Clinger's
   condition holds for a varying part of %.17g text, and it divides).  */
static DEQ_INLINE int to_double(uint64_t man, int e10, int neg, double *x)
{
  static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };
  if (eisel_lemire(man, e10, neg, x)) return 1;
#if FLT_EVAL_METHOD == 0
  if (man <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
    double m = (double)(int64_t)man;
    m = e10 < 0 ? m / pow10_exact[-e10] : m * pow10_exact[e10];
    *x = neg ? -m : m;
    return 1;
  }
#else
  (void)pow10_exact;
#endif
  return 0;
}

/* Eight bytes at a time, the first character in the low byte.  */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DEQ_SWAR_DIGITS 1
#if defined(__SSE2__) && !defined(DEQ_PARSE_SCALAR)
#define DEQ_PARSE_SSE2 1
#include <emmintrin.h>
#endif
static uint64_t load8(const char *p)
{
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* 0x80 in the first byte of v (the lowest) that is not an ASCII digit,
   and none before it (after it, a borrow or carry from it may mark a
   digit): v + 0x46 sets the high bit of bytes above '9' (and of most
   above 0x7F), v - 0x30 of bytes below '0' (and of the others above
   0x7F).  fast_float's test for eight digits.  */
static uint64_t non_digits(uint64_t v)
{
  return ((v + UINT64_C(0x4646464646464646)) |
          (v - UINT64_C(0x3030303030303030))) & UINT64_C(0x8080808080808080);
}

static int is_eight_digits(uint64_t v)
{
  return non_digits(v) == 0;
}

/* The value of eight ASCII digits in the 8 bytes of v (or of zero bytes
   in front of fewer): D. Lemire's SWAR steps (fast_float).  */
static uint32_t eight_digits(uint64_t v)
{
  v = (v & UINT64_C(0x0F0F0F0F0F0F0F0F)) * 2561 >> 8;
  v = (v & UINT64_C(0x00FF00FF00FF00FF)) * 6553601 >> 16;
  return (uint32_t)((v & UINT64_C(0x0000FFFF0000FFFF)) *
                    UINT64_C(42949672960001) >> 32);
}

/* The value of the sixteen ASCII digits at p, a and b (their two halves,
   loaded): SSE2 where it exists (on every x86-64), else the SWAR steps;
   DEQ_PARSE_SCALAR forces those (test/t-parse.c checks both).  */
static DEQ_INLINE uint64_t sixteen_digits(const char *p, uint64_t a,
                                          uint64_t b)
{
#ifdef DEQ_PARSE_SSE2
  /* Pairs of digits (16-bit lanes: 10 first + second), pairs of pairs
     (32-bit lanes: 100 first + second), packed to 16 bits (< 10^4) and
     paired again: the two halves' values in the low 64 bits.  */
  (void)a;
  (void)b;
  __m128i v = _mm_and_si128(_mm_loadu_si128((const __m128i *)(const void *)p),
                            _mm_set1_epi8(0x0F));
  __m128i x = _mm_add_epi16(
    _mm_mullo_epi16(_mm_and_si128(v, _mm_set1_epi16(0xFF)),
                    _mm_set1_epi16(10)),
    _mm_srli_epi16(v, 8));
  x = _mm_madd_epi16(x, _mm_set1_epi32(100 + (1 << 16)));
  x = _mm_packs_epi32(x, x);
  x = _mm_madd_epi16(x, _mm_set1_epi32(10000 + (1 << 16)));
  uint64_t r = (uint64_t)_mm_cvtsi128_si64(x);
  return (r & 0xFFFFFFFFu) * 100000000u + (r >> 32);
#else
  (void)p;
  return (uint64_t)eight_digits(a) * 100000000u + eight_digits(b);
#endif
}

/* A separator after a number: anything before '+' in ASCII, or a comma
   (not a letter, digit, dot, sign or underscore, which strtod must
   judge; an exponent, 1.5e-05, goes the long way too).  */
static int ends_number(unsigned char t)
{
  return t < '+' || t == ',';
}

/* The shape of nearly every %.17g number, [-]D.DDDDDDDD... with 8 to 18
   digits after the dot and a separator after them, without a loop: the
   eight digits after the dot, then the next eight bytes: either the
   number ends among them (where their first non-digit is), or they are
   eight digits more and 0 to 2 digits follow in the eight bytes after.
   In that, the common case, the end (where the next number's parse
   starts, so the step that the reader's speed depends on) comes from
   the bytes at s + 18 alone, not from the sign: it is their first
   non-digit (the second group of eight ends at s + 17 or, after a sign,
   s + 18).  NULL for any other text (then the general parse_prefix
   decides, from the start); else the same man and e10 as its digit
   runs.  Reads 8 bytes at p + 2, p + 10 and p + 18 (p: past the sign)
   and at s + 18, each a position inside the number or just past it, and
   the 16 digits at p + 2 again once they are known to be digits.  */
static DEQ_INLINE const char *plain_17g(const char *s, double *x)
{
  static const uint64_t pow10[9] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000
  };
  static const uint64_t tens[3] = {0, 1, 10};
  /* DEQ_EXP2_OF_10(-8 - n) for the n digits after the first eight */
  static const int e2[11] = {
    DEQ_EXP2_OF_10(-8), DEQ_EXP2_OF_10(-9), DEQ_EXP2_OF_10(-10),
    DEQ_EXP2_OF_10(-11), DEQ_EXP2_OF_10(-12), DEQ_EXP2_OF_10(-13),
    DEQ_EXP2_OF_10(-14), DEQ_EXP2_OF_10(-15), DEQ_EXP2_OF_10(-16),
    DEQ_EXP2_OF_10(-17), DEQ_EXP2_OF_10(-18)
  };
  unsigned char s0 = (unsigned char)s[0];
  int neg = s0 == '-';
  const char *p = s + (neg | (s0 == '+'));   /* no branch on the sign */
  unsigned d = (unsigned)(unsigned char)p[0] - '0';
  if (d > 9 || p[1] != '.') return NULL;
  uint64_t a = load8(p + 2);
  if (!is_eight_digits(a)) return NULL;
  uint64_t man, b = load8(p + 10), stop = non_digits(b);
  unsigned n;            /* digits after the first eight */
  const char *end;
  if (stop == 0) {
    uint64_t c = load8(s + 18);
    stop = non_digits(c) & UINT64_C(0x80808080);
    if (stop == 0) return NULL;
    unsigned i = (unsigned)__builtin_ctzll(stop) >> 3;  /* c[i] ends it */
    unsigned k = i - (unsigned)(p - s);  /* digits after the 16: c[0] is
                                            one after a sign, so i >= p - s */
    /* more would be a 20th significant digit (d > 0), or rare */
    if (k > 2 || !ends_number((unsigned char)(c >> (8 * i)))) return NULL;
    /* The k digits' values, the first in the low byte, zeros after them;
       tens[k] weighs the first (a table, not a branch: k varies).  */
    uint64_t y = load8(p + 18) & 0x0F0Fu & ((1u << (8 * k)) - 1);
    man = (d * UINT64_C(10000000000000000) + sixteen_digits(p + 2, a, b)) *
          pow10[k] + (y & 0xF) * tens[k] + (y >> 8);
    n = 8 + k;
    end = s + 18 + i;
  } else {
    /* 0 to 7 digits, moved to the top of the word so that eight_digits
       reads them with zeros in front (b << (64 - 8n) without the
       undefined shift by 64 for n = 0).  */
    n = (unsigned)__builtin_ctzll(stop) >> 3;
    if (!ends_number((unsigned char)(b >> (8 * n)))) return NULL;
    man = (d * UINT64_C(100000000) + eight_digits(a)) * pow10[n] +
          eight_digits(b << 1 << (63 - 8 * n));
    end = p + 10 + n;
  }
  if (man == 0) {
    *x = neg ? -0.0 : 0.0;
    return end;
  }
  /* Eisel-Lemire alone: in the rare case where it cannot decide, the
     general path tries Clinger's too.  man < 10^19 times 10^-8 to
     10^-18 is a normal double.  */
  return eisel_lemire_at(man, deq_pow10_128[-8 - (int)n - DEQ_POW10_MIN],
                         e2[n], neg, 1, x) ? end : NULL;
}
#endif

/* A run of digits from p appended to *man; *count: the digits consumed.
   NULL at a 20th significant digit (*man >= 10^18 before one more): a
   leading zero leaves *man at 0, so *man's decimal digits are the
   significant ones.  padded: 8 bytes from any position in the run are
   readable, so that whole groups of eight digits go in one step (the
   same value as one at a time).  */
static inline const char *digit_run(const char *p, uint64_t *man,
                                    int *count, int padded)
{
  const char *start = p;
  uint64_t m = *man;
  for (;;) {
#ifdef DEQ_SWAR_DIGITS
    if (padded && m < UINT64_C(100000000000)) {  /* m 10^8 + 10^8 <= 10^19 */
      uint64_t v = load8(p);
      if (is_eight_digits(v)) {
        m = m * 100000000u + eight_digits(v);
        p += 8;
        continue;
      }
    }
#else
    (void)padded;
#endif
    if (!is_digit(*p)) break;
    if (m >= UINT64_C(1000000000000000000)) return NULL;
    m = 10 * m + (uint64_t)(*p - '0');
    p++;
  }
  *man = m;
  *count = (int)(p - start);
  return p;
}

static DEQ_INLINE const char *parse_prefix(const char *s, double *x, int padded)
{
  const char *p = s;
  int neg = 0;
  if (*p == '-' || *p == '+') neg = *p++ == '-';
  uint64_t man = 0;
  int e10 = 0;        /* decimal exponent of man's last digit */
  int nint = 0, nfrac = 0;
  p = digit_run(p, &man, &nint, padded);
  if (!p) return NULL;
  if (*p == '.') {
    p = digit_run(p + 1, &man, &nfrac, padded);
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
  return to_double(man, e10, neg, x) ? p : NULL;
}

const char *deq_parse_decimal_prefix(const char *s, double *x)
{
  return parse_prefix(s, x, 0);
}

static DEQ_NOINLINE const char *parse_prefix_padded(const char *s, double *x)
{
  return parse_prefix(s, x, 1);
}

const char *deq_parse_decimal_prefix_padded(const char *s, double *x)
{
#ifdef DEQ_SWAR_DIGITS
  const char *end = plain_17g(s, x);
  if (end) return end;
#endif
  return parse_prefix_padded(s, x);
}
