/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the JSON module: parsing, positions of errors, writing. */
#include <config.h>
#include "json.h"
#include "util.h"
#include "unit.h"
#include <stdlib.h>
#include <string.h>

TEST (parse_object)
{
  const char *t = "{\"a\": \"x\", \"n\": 42, \"b\": true, \"l\": [1, 2]}";
  cleanup_err urun_err err = NULL;
  json_node *n = json_parse (t, strlen (t), &err);
  long long v;
  CHECK (n != NULL);
  CHECK_STR (json_string (json_get (n, "a")), "x");
  CHECK (json_integer (json_get (n, "n"), &v) && v == 42);
  CHECK (json_bool (json_get (n, "b")));
  CHECK (json_kind (json_get (n, "l")) == JSON_ARRAY && json_len (json_get (n, "l")) == 2);
  CHECK (json_get (n, "missing") == NULL);
  json_free (n);
}

TEST (error_has_line_and_column)
{
  const char *t = "{\n  \"a\": 1,\n  \"b\": ]\n}";
  cleanup_err urun_err err = NULL;
  json_node *n = json_parse (t, strlen (t), &err);
  CHECK (n == NULL);
  CHECK (err != NULL && strstr (err->msg, "line 3") != NULL);
  CHECK (err != NULL && strstr (err->msg, "column") != NULL);
  CHECK (err != NULL && strchr (err->msg, '\n') == NULL);
}

TEST (truncated_document)
{
  const char *t = "{\"a\": [1, 2";
  cleanup_err urun_err err = NULL;
  CHECK (json_parse (t, strlen (t), &err) == NULL);
  CHECK (err != NULL && strstr (err->msg, "line 1") != NULL);
}

TEST (big_unsigned_integer)
{
  const char *t = "{\"x\": 18446744073709551615}";
  cleanup_err urun_err err = NULL;
  json_node *n = json_parse (t, strlen (t), &err);
  long long v = 0;
  CHECK (n != NULL);
  CHECK (json_integer (json_get (n, "x"), &v) && (unsigned long long) v == 18446744073709551615ULL);
  json_free (n);
}

TEST (writer_round_trip)
{
  json_writer *w = json_writer_new (false);
  size_t len;
  json_w_open_object (w);
  json_w_key (w, "s");
  json_w_string (w, "a\"b\n");
  json_w_key (w, "i");
  json_w_int (w, -5);
  json_w_close_object (w);
  CHECK_STR (json_writer_text (w, &len), "{\"s\":\"a\\\"b\\n\",\"i\":-5}");
  json_writer_free (w);
}

/* N levels of `open` (each followed by `inner` when it is an object's key),
 * then `leaf`, then N closes. */
static char *
nested (size_t n, char open, const char *leaf)
{
  size_t ll = strlen (leaf);
  const char *key = "\"k\":";
  size_t per = open == '{' ? 1 + strlen (key) : 1;
  char *t = xmalloc0 (n * per + ll + n + 1), *p = t;
  for (size_t i = 0; i < n; i++)
    {
      *p++ = open;
      if (open == '{')
        p = stpcpy (p, key);
    }
  p = stpcpy (p, leaf);
  for (size_t i = 0; i < n; i++)
    *p++ = open == '{' ? '}' : ']';
  return t;
}

TEST (depth_limit_accepts_the_limit)
{
  cleanup_free char *a = nested (JSON_MAX_DEPTH, '[', "1");
  cleanup_free char *o = nested (JSON_MAX_DEPTH, '{', "1");
  cleanup_err urun_err err = NULL;
  json_node *n = json_parse (a, strlen (a), &err);
  CHECK (n != NULL);
  json_free (n);
  n = json_parse (o, strlen (o), &err);
  CHECK (n != NULL);
  json_free (n);
  CHECK (err == NULL);
}

TEST (depth_limit_refuses_one_more)
{
  cleanup_free char *a = nested (JSON_MAX_DEPTH + 1, '[', "1");
  cleanup_err urun_err err = NULL;
  CHECK (json_parse (a, strlen (a), &err) == NULL);
  CHECK (err != NULL && strstr (err->msg, "nested deeper than 100 levels") != NULL);
  /* the bracket that goes one level too deep: column 101 */
  CHECK (err != NULL && strstr (err->msg, "line 1, column 101:") != NULL);
}

TEST (depth_limit_a_million_levels)
{
  /* a complete document, an unterminated one, objects and arrays mixed:
   * an error, not a stack overflow in yajl's tree code */
  cleanup_free char *a = nested (1000000, '[', "1");
  cleanup_free char *o = nested (1000000, '{', "null");
  cleanup_free char *open_only = xmalloc0 (1000001);
  cleanup_err urun_err e1 = NULL;
  cleanup_err urun_err e2 = NULL;
  cleanup_err urun_err e3 = NULL;
  memset (open_only, '[', 1000000);
  CHECK (json_parse (a, strlen (a), &e1) == NULL);
  CHECK (e1 != NULL && strstr (e1->msg, "nested deeper") != NULL && strchr (e1->msg, '\n') == NULL);
  CHECK (json_parse (o, strlen (o), &e2) == NULL);
  CHECK (e2 != NULL && strstr (e2->msg, "nested deeper") != NULL);
  CHECK (json_parse (open_only, strlen (open_only), &e3) == NULL);
  CHECK (e3 != NULL && strstr (e3->msg, "nested deeper") != NULL);
}

TEST (depth_limit_on_later_lines)
{
  /* the position is counted in lines and columns of the text */
  cleanup_free char *deep = nested (JSON_MAX_DEPTH + 10, '[', "1");
  cleanup_free char *t = xasprintf ("{\n  \"a\": 1,\n  \"b\": %s\n}\n", deep);
  cleanup_err urun_err err = NULL;
  CHECK (json_parse (t, strlen (t), &err) == NULL);
  /* "b" is at depth 1, its array opens at column 8 of line 3: the
   * bracket one level too deep is JSON_MAX_DEPTH - 1 columns further */
  cleanup_free char *where = xasprintf ("line 3, column %d:", 8 + JSON_MAX_DEPTH - 1);
  CHECK (err != NULL && strstr (err->msg, where) != NULL);
}

TEST (depth_limit_ignores_strings_and_comments)
{
  /* brackets inside strings and comments are not nesting */
  cleanup_free char *many = xmalloc0 (2001);
  memset (many, '[', 2000);
  cleanup_free char *t = xasprintf ("/* %s */ {\"s\": \"%s\", \"t\": \"\\\"%s\"} // %s\n", many, many, many, many);
  cleanup_err urun_err err = NULL;
  json_node *n = json_parse (t, strlen (t), &err);
  CHECK (n != NULL);
  CHECK (n != NULL && strlen (json_string (json_get (n, "s"))) == 2000);
  json_free (n);
}

TEST (syntax_error_after_a_comment)
{
  /* the check accepts comments as the tree parser does: the error found is
   * the real one */
  const char *t = "{ /* c */ \"a\": 1,\n \"b\": x }";
  cleanup_err urun_err err = NULL;
  CHECK (json_parse (t, strlen (t), &err) == NULL);
  CHECK (err != NULL && strstr (err->msg, "line 2") != NULL);
}

/* The string as the writer puts it out, the quotes dropped. */
static char *
written (const char *s)
{
  json_writer *w = json_writer_new (false);
  size_t len;
  const char *t;
  char *out;
  json_w_string (w, s);
  t = json_writer_text (w, &len);
  out = xmalloc0 (len);
  memcpy (out, t + 1, len - 2);
  json_writer_free (w);
  return out;
}

#define CHECK_WRITTEN(in, want)                 \
  do                                            \
    {                                           \
      cleanup_free char *got_ = written (in);   \
      CHECK_STR (got_, want);                   \
    }                                           \
  while (0)

#define FFFD "\xef\xbf\xbd"

TEST (writer_keeps_valid_utf8)
{
  CHECK_WRITTEN ("plain", "plain");
  CHECK_WRITTEN ("caf\xc3\xa9", "caf\xc3\xa9");                    /* é */
  CHECK_WRITTEN ("\xe2\x82\xac", "\xe2\x82\xac");                  /* € */
  CHECK_WRITTEN ("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");          /* U+1F600 */
  CHECK_WRITTEN ("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");          /* U+10FFFF */
  CHECK_WRITTEN ("\xed\x9f\xbf", "\xed\x9f\xbf");                  /* U+D7FF */
  CHECK_WRITTEN ("", "");
}

TEST (writer_replaces_invalid_utf8)
{
  /* one U+FFFD per byte that does not begin a character, as Go writes it */
  CHECK_WRITTEN ("b\351x", "b" FFFD "x");                  /* Latin-1 é */
  CHECK_WRITTEN ("\377\376", FFFD FFFD);
  CHECK_WRITTEN ("a\x80z", "a" FFFD "z");                  /* lone continuation */
  CHECK_WRITTEN ("\xc3", FFFD);                            /* truncated at the end */
  CHECK_WRITTEN ("\xe2\x82z", FFFD FFFD "z");              /* truncated in the middle */
  CHECK_WRITTEN ("\xc0\xaf", FFFD FFFD);                   /* overlong / */
  CHECK_WRITTEN ("\xe0\x80\xaf", FFFD FFFD FFFD);          /* overlong / */
  CHECK_WRITTEN ("\xed\xa0\x80", FFFD FFFD FFFD);          /* surrogate U+D800 */
  CHECK_WRITTEN ("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* above U+10FFFF */
  CHECK_WRITTEN ("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD);
  /* escapes still apply around the replacement */
  CHECK_WRITTEN ("\"\351\n", "\\\"" FFFD "\\n");
}

TEST (writer_output_reads_back)
{
  /* a state-like object with bytes that are not UTF-8 in a key and values:
   * the text is valid JSON and parses */
  json_writer *w = json_writer_new (true);
  const char *t;
  size_t len;
  cleanup_err urun_err err = NULL;
  json_node *n;
  json_w_open_object (w);
  json_w_key (w, "bundle");
  json_w_string (w, "/tmp/b\351x");
  json_w_key (w, "k\377");
  json_w_string (w, "v");
  json_w_close_object (w);
  t = json_writer_text (w, &len);
  n = json_parse (t, len, &err);
  CHECK (n != NULL);
  CHECK_STR (json_string (json_get (n, "bundle")), "/tmp/b" FFFD "x");
  CHECK_STR (json_string (json_get (n, "k" FFFD)), "v");
  json_free (n);
  json_writer_free (w);
}

int
main (void)
{
  RUN (parse_object);
  RUN (error_has_line_and_column);
  RUN (truncated_document);
  RUN (big_unsigned_integer);
  RUN (writer_round_trip);
  RUN (depth_limit_accepts_the_limit);
  RUN (depth_limit_refuses_one_more);
  RUN (depth_limit_a_million_levels);
  RUN (depth_limit_on_later_lines);
  RUN (depth_limit_ignores_strings_and_comments);
  RUN (syntax_error_after_a_comment);
  RUN (writer_keeps_valid_utf8);
  RUN (writer_replaces_invalid_utf8);
  RUN (writer_output_reads_back);
  UNIT_DONE ();
}
