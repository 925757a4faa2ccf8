/* test/t-status.c -- status codes, error text, error records, version.  */
#include <config.h>
#include <deq/status.h>
#include "testutil.h"

/* Every code the header declares, in order.  */
static const deq_status all_codes[] = {
  DEQ_OK, DEQ_EINVAL, DEQ_EDOM, DEQ_ENOCONV, DEQ_EDIVERGE,
  DEQ_ENOMEM, DEQ_EIO, DEQ_EPARSE, DEQ_ELAPACK, DEQ_EUNSUP
};
#define NCODES (sizeof all_codes / sizeof all_codes[0])

/* Success must be 0 so that `if (st)` means "failed"; the other values are
   part of the ABI (the CLI maps them to exit codes).  */
START_TEST(test_code_values)
{
  ck_assert_int_eq(DEQ_OK, 0);
  for (size_t i = 0; i < NCODES; i++)
    ck_assert_int_eq((int)all_codes[i], (int)i);
}
END_TEST

START_TEST(test_strerror_nonempty)
{
  for (size_t i = 0; i < NCODES; i++) {
    const char *t = deq_strerror(all_codes[i]);
    ck_assert_msg(t != NULL, "deq_strerror(%d) is NULL", (int)all_codes[i]);
    ck_assert_msg(t[0] != '\0', "deq_strerror(%d) is empty", (int)all_codes[i]);
  }
}
END_TEST

START_TEST(test_strerror_distinct)
{
  for (size_t i = 0; i < NCODES; i++)
    for (size_t j = i + 1; j < NCODES; j++)
      ck_assert_msg(strcmp(deq_strerror(all_codes[i]),
                           deq_strerror(all_codes[j])) != 0,
                    "codes %zu and %zu share the text \"%s\"", i, j,
                    deq_strerror(all_codes[i]));
}
END_TEST

/* Texts are constant: two calls give the same string, and the text is a
   single line (the CLI prints it after "deq: ").  */
START_TEST(test_strerror_stable_one_line)
{
  for (size_t i = 0; i < NCODES; i++) {
    const char *a = deq_strerror(all_codes[i]);
    const char *b = deq_strerror(all_codes[i]);
    ck_assert_str_eq(a, b);
    ck_assert_msg(strchr(a, '\n') == NULL, "text of %zu has a newline", i);
  }
}
END_TEST

/* Codes outside the enum (a corrupted value, a code from a newer version)
   still get a usable text, and not one that claims success.  */
START_TEST(test_strerror_unknown)
{
  const int bad[] = { -1, (int)NCODES, 99, 1 << 20 };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    const char *t = deq_strerror((deq_status)bad[k]);
    ck_assert_msg(t != NULL && t[0] != '\0', "no text for code %d", bad[k]);
    ck_assert_msg(strcmp(t, deq_strerror(DEQ_OK)) != 0,
                  "unknown code %d described as success", bad[k]);
  }
}
END_TEST

START_TEST(test_error_clear)
{
  deq_error e;
  memset(&e, 0x5a, sizeof e);
  e.line = 17;
  e.column = -3;
  deq_error_clear(&e);
  ck_assert_int_eq(e.line, 0);
  ck_assert_int_eq(e.column, 0);
  ck_assert_int_eq(e.message[0], '\0');
}
END_TEST

/* "MAJOR.MINOR.PATCH", and the same version configure was given.  */
START_TEST(test_version)
{
  const char *v = deq_version();
  ck_assert_ptr_nonnull(v);
  ck_assert_msg(v[0] != '\0', "empty version");
  unsigned a, b, c;
  char tail;
  ck_assert_msg(sscanf(v, "%u.%u.%u%c", &a, &b, &c, &tail) == 3,
                "version \"%s\" is not MAJOR.MINOR.PATCH", v);
  ck_assert_str_eq(v, PACKAGE_VERSION);
}
END_TEST

static Suite *status_suite(void)
{
  Suite *s = suite_create("status");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_code_values);
  tcase_add_test(tc, test_strerror_nonempty);
  tcase_add_test(tc, test_strerror_distinct);
  tcase_add_test(tc, test_strerror_stable_one_line);
  tcase_add_test(tc, test_strerror_unknown);
  tcase_add_test(tc, test_error_clear);
  tcase_add_test(tc, test_version);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep output of failing forks */
  return test_run(status_suite());
}
