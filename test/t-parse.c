/* t-parse.c -- the fast number parser of the text readers
 * (lib/parse_number.c) gives strtod's double, bit for bit.  */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/parse_impl.h"
#include "testutil.h"

static uint64_t state;
static uint64_t next(void) /* splitmix64 */
{
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Both parsers agree on acceptance and on every bit of the value.  */
static void same_as_strtod(const char *tok)
{
  char *end;
  double want = strtod(tok, &end), got = 12345;
  int ok_want = end != tok && *end == '\0';
  int ok_got = deq_parse_double(tok, &got);
  ck_assert_msg(ok_got == ok_want, "'%s': accepted %d, strtod %d", tok,
                ok_got, ok_want);
  if (ok_want)
    ck_assert_msg(memcmp(&got, &want, sizeof got) == 0 || (isnan(got) && isnan(want)),
                  "'%s': %a, strtod %a", tok, got, want);
}

START_TEST(test_printed_doubles)
{
  /* random doubles printed with 17, 16, 15 and 6 digits, fixed and
     exponent notation, over the whole range */
  state = test_seed(3);
  static const char *fmt[] = {"%.17g", "%.16g", "%.15g", "%.6e", "%.17e",
                              "%.20g", "%.10f", "%.3g"};
  char buf[400];
  for (int i = 0; i < 200000; i++) {
    uint64_t b = next();
    double x;
    if (i % 2) {
      memcpy(&x, &b, sizeof x);
      if (!isfinite(x)) continue;
    } else {
      x = ldexp((double)(b >> 11) * 0x1p-53, (int)(next() % 120) - 60);
    }
    snprintf(buf, sizeof buf, fmt[i % 8], x);
    same_as_strtod(buf);
  }
}
END_TEST

START_TEST(test_random_digit_strings)
{
  /* 1..22 random digits, a random point and exponent: many near-halfway
     and hard cases */
  state = test_seed(4);
  char buf[64];
  for (int i = 0; i < 200000; i++) {
    int nd = 1 + (int)(next() % 22), pt = (int)(next() % (nd + 1)), k = 0;
    if (next() % 4 == 0) buf[k++] = '-';
    for (int j = 0; j < nd; j++) {
      if (j == pt && next() % 2) buf[k++] = '.';
      buf[k++] = (char)('0' + next() % 10);
    }
    if (next() % 2) k += snprintf(buf + k, sizeof buf - (size_t)k, "e%d",
                                  (int)(next() % 660) - 330);
    buf[k] = '\0';
    same_as_strtod(buf);
  }
  /* halfway points between neighbouring doubles, exactly and nearly */
  for (int i = 0; i < 50000; i++) {
    double x = ldexp(1 + (double)(next() >> 12) * 0x1p-52, (int)(next() % 200) - 100);
    long double h = (long double)x + (long double)(nextafter(x, INFINITY) - x) / 2;
    snprintf(buf, sizeof buf, "%.21Lg", h);
    same_as_strtod(buf);
    snprintf(buf, sizeof buf, "%.19Lg", h);
    same_as_strtod(buf);
  }
}
END_TEST

START_TEST(test_odd_tokens)
{
  static const char *tok[] = {
    "0", "-0", "+0", "00", "0.", ".0", ".", "-", "+", "e5", "1e", "1e+",
    "1e-", "1.5x", "0x10", "0x1p-3", "inf", "-inf", "nan", "infinity",
    "1e400", "1e-400", "4.9e-324", "2.2250738585072014e-308",
    "2.2250738585072011e-308", "1.7976931348623157e308",
    "1.7976931348623159e308", "9007199254740993", "123456789012345678901",
    "0.000000000000000000000000000001", "1,5", " 1", "1 ", "",
    "00000000000000000000000001.5", "1.00000000000000000000000000",
    "9999999999999999999", "18446744073709551615", "18446744073709551616e-5",
  };
  for (size_t i = 0; i < sizeof tok / sizeof tok[0]; i++) same_as_strtod(tok[i]);
}
END_TEST

static Suite *parse_suite(void)
{
  Suite *s = suite_create("parse");
  TCase *tc = tcase_create("strtod");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_printed_doubles);
  tcase_add_test(tc, test_random_digit_strings);
  tcase_add_test(tc, test_odd_tokens);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  return test_run(parse_suite());
}
