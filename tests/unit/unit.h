/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny TAP unit-test helper: CHECK(cond) records a failure with its line;
 * TEST(name) { ... } functions are run by RUN(name) and print "ok N - name"
 * or "not ok N - name"; main returns non-zero if any failed. */
#ifndef URUN_UNIT_H
#define URUN_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n __attribute__ ((unused)), unit_failed __attribute__ ((unused)), unit_cur_failed __attribute__ ((unused));

#define CHECK(cond)                                                            \
  do                                                                           \
    {                                                                          \
      if (!(cond))                                                             \
        {                                                                      \
          printf ("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
          unit_cur_failed = 1;                                                 \
        }                                                                      \
    }                                                                          \
  while (0)

#define CHECK_STR(a, b)                                                        \
  do                                                                           \
    {                                                                          \
      const char *a_ = (a), *b_ = (b);                                         \
      if (a_ == NULL || b_ == NULL || strcmp (a_, b_) != 0)                    \
        {                                                                      \
          printf ("# %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,           \
                  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                     \
          unit_cur_failed = 1;                                                 \
        }                                                                      \
    }                                                                          \
  while (0)

#define TEST(name) static void test_##name (void)

#define RUN(name)                                                              \
  do                                                                           \
    {                                                                          \
      unit_cur_failed = 0;                                                     \
      test_##name ();                                                          \
      unit_n++;                                                                \
      printf ("%sok %d - %s\n", unit_cur_failed ? "not " : "", unit_n, #name); \
      unit_failed += unit_cur_failed;                                          \
    }                                                                          \
  while (0)

#define UNIT_DONE()                                                            \
  do                                                                           \
    {                                                                          \
      printf ("1..%d\n", unit_n);                                              \
      return unit_failed ? 1 : 0;                                              \
    }                                                                          \
  while (0)

#endif
