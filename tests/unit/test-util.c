/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the helpers messages rely on: quote(), utf8_len(), and the
 * one-line rule of urun_fail and urun_err_wrap; and of rfc3339_utc. */
#include <config.h>
#include "error.h"
#include "util.h"
#include "unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TEST (utf8_len_rules)
{
  CHECK (utf8_len ("a") == 1);
  CHECK (utf8_len ("") == 1);
  CHECK (utf8_len ("\xc3\xa9") == 2);
  CHECK (utf8_len ("\xe2\x82\xac") == 3);
  CHECK (utf8_len ("\xf0\x9f\x98\x80") == 4);
  CHECK (utf8_len ("\351x") == 0);          /* Latin-1 */
  CHECK (utf8_len ("\x80") == 0);           /* continuation */
  CHECK (utf8_len ("\xc0\xaf") == 0);       /* overlong */
  CHECK (utf8_len ("\xc1\xbf") == 0);       /* overlong */
  CHECK (utf8_len ("\xe0\x9f\xbf") == 0);   /* overlong */
  CHECK (utf8_len ("\xf0\x8f\xbf\xbf") == 0); /* overlong */
  CHECK (utf8_len ("\xed\xa0\x80") == 0);   /* surrogate */
  CHECK (utf8_len ("\xf4\x90\x80\x80") == 0); /* above U+10FFFF */
  CHECK (utf8_len ("\xf5\x80\x80\x80") == 0);
  CHECK (utf8_len ("\xe2\x82") == 0);       /* cut short by the NUL */
}

TEST (quote_leaves_plain_strings)
{
  const char *s = "/usr/bin/some thing-é.€";
  CHECK (quote (s) == s);
  CHECK_STR (quote (""), "");
  CHECK_STR (quote (NULL), "(null)");
}

TEST (quote_escapes)
{
  CHECK_STR (quote ("a\nurun: forged"), "a\\nurun: forged");
  CHECK_STR (quote ("t\tr\rx"), "t\\tr\\rx");
  CHECK_STR (quote ("\x1b[31mred"), "\\x1b[31mred");
  CHECK_STR (quote ("del\x7f"), "del\\x7f");
  CHECK_STR (quote ("back\\slash"), "back\\\\slash");
  CHECK_STR (quote ("`tick`"), "\\`tick\\`");
  CHECK_STR (quote ("b\351x"), "b\\xe9x");
  CHECK_STR (quote ("c1\xc2\x9b" "2J"), "c1\\xc2\\x9b2J");   /* C1 CSI */
  CHECK_STR (quote ("ls\xe2\x80\xa8x"), "ls\\xe2\\x80\\xa8x"); /* U+2028 */
  CHECK_STR (quote ("\xc2\xa0nbsp"), "\xc2\xa0nbsp");           /* U+00A0 is plain */
}

TEST (quote_slots_last)
{
  /* the result of one call is still valid after the next few */
  const char *a = quote ("1\n");
  const char *b = quote ("2\n");
  const char *c = quote ("3\n");
  CHECK_STR (a, "1\\n");
  CHECK_STR (b, "2\\n");
  CHECK_STR (c, "3\\n");
  for (int i = 0; i < 100; i++)
    quote ("again\n");
}

TEST (quote_keeps_errno)
{
  /* quote() may run before errno is read for urun_fail's errnum */
  errno = ENOENT;
  CHECK_STR (quote ("x\ny"), "x\\ny");
  CHECK (errno == ENOENT);
}

TEST (errors_are_one_line)
{
  cleanup_err urun_err e1 = NULL;
  cleanup_err urun_err e2 = NULL;
  cleanup_err urun_err e3 = NULL;
  /* a string nobody quoted cannot split the message */
  urun_fail (&e1, 0, "exec `%s`", "/x\nurun: forged\r\x01");
  CHECK_STR (e1->msg, "exec `/x\\nurun: forged\\r\\x01`");
  urun_err_wrap (&e1, "ctx `%s`", "a\tb");
  CHECK_STR (e1->msg, "ctx `a\\tb`: exec `/x\\nurun: forged\\r\\x01`");
  urun_fail_text (&e2, 0, "from the child\nurun: forged");
  CHECK_STR (e2->msg, "from the child\\nurun: forged");
  /* a quoted string goes through unchanged */
  urun_fail (&e3, 0, "`%s`", quote ("q\n\\"));
  CHECK_STR (e3->msg, "`q\\n\\\\`");
}

/* The hand-made UTC date is what gmtime_r and strftime give, across leap
 * days, century years and the epoch. */
TEST (rfc3339_matches_gmtime)
{
  static const long long fixed[] = { 0, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800, 4107542400LL /* 2100-03-01 */,
                                     1767225599 /* 2025-12-31T23:59:59 */, -1, -86401 };
  char want[64];
  struct tm tm;
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed + 2000; i++)
    {
      long long s = i < sizeof fixed / sizeof *fixed ? fixed[i] : (long long) (i * 7919ULL * 86413ULL % 5000000000ULL);
      time_t t = (time_t) s;
      char *got = rfc3339_utc (s, 5);
      gmtime_r (&t, &tm);
      strftime (want, sizeof want - 16, "%Y-%m-%dT%H:%M:%S", &tm);
      strcat (want, ".000000005Z");
      CHECK_STR (got, want);
      free (got);
    }
}

int
main (void)
{
  RUN (utf8_len_rules);
  RUN (quote_leaves_plain_strings);
  RUN (quote_escapes);
  RUN (quote_slots_last);
  RUN (quote_keeps_errno);
  RUN (errors_are_one_line);
  RUN (rfc3339_matches_gmtime);
  UNIT_DONE ();
}
