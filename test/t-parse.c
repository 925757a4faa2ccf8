/* test/t-parse.c -- lib/parse_double.c gives exactly strtod's doubles.
 *
 * The reference is the C library's strtod (correctly rounded in glibc).
 * Every string the fast path accepts must give the same bits; strings it
 * declines go to strtod in lib/io.c, so declining is always safe.
 * Edge cases: halfway points between doubles (2^53 + 1, the classic
 * 9007199254740993), the largest and smallest normals, the first
 * subnormal (declined), 17 and 19 significant digits, 20 digits
 * (declined), exponents beyond the table, signed zeros, and malformed
 * text.  Random strings: 17-digit round trips of random bit patterns,
 * shorter %.*g forms, and random digit strings with random exponents.
 * The padded form (eight digits at a time) stops where the plain one
 * does, with the same bits, on every one of these strings.
 * The padded form's loop-free path for the %.17g shape [-]D.DDDD (8 to
 * 18 digits after the dot, then a separator): every digit count from 0
 * to 21 after the dot, leading zeros, signs, each kind of separator and
 * of text that is not one (exponents, letters, dots, signs), numbers that
 * end right at the text's end and its zero padding, at random and as
 * %.17g writes normal deviates.  */
#include <config.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include "testutil.h"
#include "../lib/parse_double_impl.h"
#include "../lib/rng_impl.h"

/* The library's source again, without its SSE2 steps (DEQ_PARSE_SCALAR),
   as scalar_*: the portable path, checked on every string against the
   library's (the same on machines without SSE2).  */
const char *scalar_parse_decimal_prefix_padded(const char *s, double *x);
const char *scalar_parse_decimal_prefix(const char *s, double *x);
int scalar_parse_decimal(const char *s, double *x);
#define DEQ_PARSE_SCALAR 1
#define deq_parse_decimal scalar_parse_decimal
#define deq_parse_decimal_prefix scalar_parse_decimal_prefix
#define deq_parse_decimal_prefix_padded scalar_parse_decimal_prefix_padded
#include "../lib/parse_double.c"
#undef deq_parse_decimal
#undef deq_parse_decimal_prefix
#undef deq_parse_decimal_prefix_padded

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* The table reader's eight-digits-at-a-time form must stop where the
   plain prefix form stops, with the same bits, whatever the readable
   bytes after the string's NUL (here digits, which must not be taken).  */
static void check_padded(const char *s)
{
  char buf[128];
  size_t n = strlen(s);
  ck_assert_uint_lt(n + 17, sizeof buf);
  memcpy(buf, s, n + 1);
  memset(buf + n + 1, '9', 16);
  double x = NAN, y = NAN, z = NAN;
  const char *e = deq_parse_decimal_prefix(s, &x);
  const char *f = deq_parse_decimal_prefix_padded(buf, &y);
  const char *g = scalar_parse_decimal_prefix_padded(buf, &z);
  ck_assert_msg((e == NULL) == (f == NULL), "'%s': padded form %s", s,
                f ? "accepts" : "declines");
  ck_assert_msg(f == g, "'%s': scalar padded form differs", s);
  if (e) {
    ck_assert_msg(e - s == f - buf, "'%s': padded form ends elsewhere", s);
    ck_assert_msg(same_bits(x, y), "'%s': %.17g, padded %.17g", s, x, y);
    ck_assert_msg(same_bits(z, y), "'%s': %.17g, scalar %.17g", s, y, z);
  }
}

/* The number num followed by the text after, as the table reader holds
   it: 16 zero bytes after the text, the end of the allocation (so that a
   memory checker sees any read beyond).  Both prefix forms stop at the
   same place with the same bits, and where strtod stops, with its bits;
   also with digits after the text's NUL (check_padded).  1 if accepted.  */
static int check_field(const char *num, const char *after)
{
  size_t n = strlen(num), m = strlen(after);
  char *buf = malloc(n + m + 16);
  ck_assert_ptr_nonnull(buf);
  memcpy(buf, num, n);
  memcpy(buf + n, after, m);
  memset(buf + n + m, 0, 16);
  double x = NAN, y = NAN, z = NAN;
  const char *e = deq_parse_decimal_prefix(buf, &x);
  const char *f = deq_parse_decimal_prefix_padded(buf, &y);
  const char *g = scalar_parse_decimal_prefix_padded(buf, &z);
  ck_assert_msg((e == NULL) == (f == NULL), "'%s%s': padded form %s", num,
                after, f ? "accepts" : "declines");
  ck_assert_msg(f == g && (!f || same_bits(y, z)),
                "'%s%s': scalar padded form differs", num, after);
  if (e) {
    char *end;
    double r = strtod(buf, &end);
    ck_assert_msg(e == f, "'%s%s': padded form ends elsewhere", num, after);
    ck_assert_msg(end == e, "'%s%s': strtod ends elsewhere", num, after);
    ck_assert_msg(same_bits(x, r) && same_bits(y, r),
                  "'%s%s': %.17g, padded %.17g, strtod %.17g", num, after,
                  x, y, r);
  }
  check_padded(buf);
  free(buf);
  return e != NULL;
}

/* 1 if accepted; then its value must equal strtod's (whole string).  */
static int check_one(const char *s)
{
  double x = NAN;
  check_padded(s);
  int ok = deq_parse_decimal(s, &x);
  if (ok) {
    char *end;
    double r = strtod(s, &end);
    ck_assert_msg(*end == '\0', "'%s' accepted but strtod stops early", s);
    ck_assert_msg(same_bits(x, r), "'%s': %.17g, strtod %.17g", s, x, r);
  }
  return ok;
}

START_TEST(test_edges)
{
  static const char *accepted[] = {
    "0", "-0", "+0", "0.0", "-0.0e5", "0e999999", "1", "-1", "+1.5", "1.",
    ".5", "-.5", "1e0", "1E+2", "1e-2", "123456789012345678",
    "1234567890123456789", "0.1", "0.30000000000000004",
    "9007199254740992", "9007199254740994", "1.7976931348623157e308",
    "2.2250738585072014e-308",
    "1e-307", "1e308",
    "1e22", "9.999999999999999e22", "8.98846567431158e307",
    "0.000000000000000000000000000000000000000001",
    "123.456e-5", "3.14159265358979323", "7.2057594037927933e16",
    "4.9406564584124654e-300", "00000000000000000000001.5",
    NULL };
  for (int k = 0; accepted[k]; k++)
    ck_assert_msg(check_one(accepted[k]), "'%s' declined", accepted[k]);
  /* Exactly halfway between two doubles, or at the top of the range:
     the fast path may decline (strtod decides) but never differs.  */
  static const char *either[] = {
    "9007199254740993", "9007199254740995", "4503599627370497.5",
    "1.7976931348623158e308", "1.7976931348623157e308", "9007199254740993e-5", "1e23",
    "1.00000000000000011102230246251565404236316680908203125", NULL };
  for (int k = 0; either[k]; k++) check_one(either[k]);
  /* Declined: strtod decides (subnormals, overflow, inf/nan, hex, more
     than 19 significant digits, malformed or partial numbers).  */
  static const char *declined[] = {
    "", "-", "+", ".", "e5", "1e", "1e+", "--1", "1.5x", "1.5.2", "0x10",
    "inf", "-Inf", "nan", "NaN", "infinity", "4.9406564584124654e-324",
    "2.2250738585072009e-308", "2.2250738585072011e-308", "1e-320", "1e309", "1.8e308", "1e400",
    "12345678901234567890", "0.12345678901234567890", "0.1000000000000000055511151231257827", " 1", "1 ", "1,5",
    "1e5e", "1_000", NULL };
  for (int k = 0; declined[k]; k++) {
    double x = 42.0;
    check_padded(declined[k]);
    ck_assert_msg(!deq_parse_decimal(declined[k], &x),
                  "'%s' accepted as %.17g", declined[k], x);
    ck_assert(x == 42.0);
  }
  /* The prefix form stops at a separator and refuses a glued letter.  */
  double x;
  const char *e = deq_parse_decimal_prefix("2.5,3", &x);
  ck_assert(e && *e == ',' && x == 2.5);
  e = deq_parse_decimal_prefix("-7e1\t1", &x);
  ck_assert(e && *e == '\t' && x == -70.0);
  ck_assert(deq_parse_decimal_prefix("2.5e", &x) == NULL);
  ck_assert(deq_parse_decimal_prefix("2.5x", &x) == NULL);
}
END_TEST

START_TEST(test_random)
{
  uint64_t seed = test_seed(5);
  deq_rng rng;
  deq_rng_seed(&rng, seed, 0);
  long accepted = 0, n = 400000;
  char buf[80];
  for (long k = 0; k < n; k++) {
    uint64_t u = deq_rng_u64(&rng);
    int mode = (int)(k % 4);
    if (mode < 2) {   /* a random finite double, 17 or fewer digits */
      double d;
      memcpy(&d, &u, sizeof d);
      if (!isfinite(d)) continue;
      int prec = mode == 0 ? 17 : 1 + (int)(deq_rng_u64(&rng) % 17);
      snprintf(buf, sizeof buf, "%.*g", prec, d);
    } else {          /* random digits, a dot somewhere, any exponent */
      int nd = 1 + (int)(u % 19), dot = (int)((u >> 8) % (unsigned)(nd + 1));
      char *p = buf;
      if (u >> 63) *p++ = '-';
      for (int i = 0; i < nd; i++) {
        if (mode == 3 && i == dot) *p++ = '.';
        *p++ = (char)('0' + deq_rng_u64(&rng) % 10);
      }
      snprintf(p, (size_t)(buf + sizeof buf - p), "e%d",
               (int)(deq_rng_u64(&rng) % 700) - 350);
    }
    accepted += check_one(buf);
  }
  /* Nearly all of them take the fast path (the rest: subnormal or out
     of range).  */
  ck_assert_msg(accepted > n * 8 / 10, "only %ld of %ld accepted", accepted, n);
}
END_TEST

/* Text that may follow a number: separators (accepted), the end of the
   text, and text that continues it or that strtod must judge.  */
static const char *const afters[] = {
  ",", ",2.5", "\t", " ", "\n", "\r\n", "", ";", "/", ")", "e-05", "E+3",
  "e", "x", ".", ".5", "+", "-", "_", "0", NULL };

START_TEST(test_shape_17g)
{
  /* Every count of digits after the dot from 0 to 21, after each digit
     and sign, with and without leading zeros, before each kind of text.  */
  static const char *const signs[] = {"", "-", "+"};
  const char *digits = "2718281828459045235360287", *zeros =
    "0000000000000000000000000";
  char num[64];
  long accepted = 0, tried = 0;
  for (int sg = 0; sg < 3; sg++)
    for (int d = 0; d <= 9; d++)
      for (int n = 0; n <= 21; n++)
        for (int lead = 0; lead <= 4; lead += 2) {
          int z = lead < n ? lead : n;   /* leading zeros after the dot */
          snprintf(num, sizeof num, "%s%d.%.*s%.*s", signs[sg], d, z, zeros,
                   n - z, digits);
          for (int a = 0; afters[a]; a++) {
            int ok = check_field(num, afters[a]);
            accepted += ok;
            tried++;
            /* Up to 19 significant digits and a separator after: taken
               (by one path or the other).  */
            int sig = (d ? 1 + n : n - z);
            if (sig <= 19 && (afters[a][0] == ',' || afters[a][0] == '\t' ||
                              afters[a][0] == ' ' || afters[a][0] == '\n' ||
                              afters[a][0] == '\0'))
              ck_assert_msg(ok, "'%s%s' declined", num, afters[a]);
          }
        }
  ck_assert(accepted > tried / 4);
  /* Zeros in the shape (man = 0), and the largest digit runs.  */
  static const char *const special[] = {
    "0.00000000", "-0.0000000000000000", "+0.000000000000000000",
    "-0.00000000000000000000", "9.99999999", "9.999999999999999",
    "9.9999999999999999", "9.99999999999999999", "9.999999999999999999",
    "0.9999999999999999999", "0.99999999999999999999",
    "-0.0000000000000000001", "1.0000000000000000", "1.00000000000000001",
    "8.9999999999999999", NULL };
  for (int k = 0; special[k]; k++)
    for (int a = 0; afters[a]; a++) check_field(special[k], afters[a]);
  /* The padded form may read 8 bytes past the number: a padded copy.  */
  char text[40] = "-0.0000000000000000,";
  double x;
  ck_assert(deq_parse_decimal_prefix_padded(text, &x) && same_bits(x, -0.0));
}
END_TEST

START_TEST(test_random_17g)
{
  uint64_t seed = test_seed(7);
  deq_rng rng;
  deq_rng_seed(&rng, seed, 0);
  char num[64];
  long accepted = 0, n = 300000;
  for (long k = 0; k < n; k++) {
    uint64_t u = deq_rng_u64(&rng);
    const char *after = afters[u % (sizeof afters / sizeof *afters - 1)];
    if (k % 2 == 0) {   /* %.17g of a deviate on a random scale */
      double g = sqrt(-2.0 * log((double)((u >> 11) + 1) * 0x1p-53)) *
                 cos((double)(deq_rng_u64(&rng) >> 11) * 0x1p-53 * 6.28);
      g *= ldexp(1.0, (int)(deq_rng_u64(&rng) % 24) - 16);
      snprintf(num, sizeof num, "%.17g", g);
    } else {            /* [-]D.DDDD with 0 to 21 random digits */
      char *p = num;
      uint64_t v = deq_rng_u64(&rng);
      if (v & 1) *p++ = '-';
      *p++ = (char)('0' + (v >> 1) % 10);
      *p++ = '.';
      int nd = (int)((v >> 8) % 22), zeros = (int)((v >> 16) % 4) * ((v >> 20) & 1);
      for (int i = 0; i < nd; i++)
        *p++ = i < zeros ? '0' : (char)('0' + deq_rng_u64(&rng) % 10);
      *p = '\0';
    }
    accepted += check_field(num, after);
  }
  ck_assert_msg(accepted > n / 2, "only %ld of %ld accepted", accepted, n);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("parse");
  TCase *tc = tcase_create("parse");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_edges);
  tcase_add_test(tc, test_random);
  tcase_add_test(tc, test_shape_17g);
  tcase_add_test(tc, test_random_17g);
  suite_add_tcase(s, tc);
  return test_run(s);
}
