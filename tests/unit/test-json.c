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

int
main (void)
{
  RUN (parse_object);
  RUN (error_has_line_and_column);
  RUN (truncated_document);
  RUN (big_unsigned_integer);
  RUN (writer_round_trip);
  UNIT_DONE ();
}
