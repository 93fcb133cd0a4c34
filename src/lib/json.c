/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "json.h"
#include "util.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

/* json_node is yajl_val under another name. */
#define V(n) ((yajl_val) (n))

static void
line_col (const char *text, size_t off, size_t *line, size_t *col)
{
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++)
    {
      if (text[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else
        (*col)++;
    }
}

/* The event parser's error as one line: "lexical error: invalid char in
 * json text.\n..." keeps its first line, without the final dot. */
static char *
yajl_error_line (yajl_handle h)
{
  unsigned char *e = yajl_get_error (h, 0, NULL, 0);
  char *msg = xstrdup (e ? (char *) e : "syntax error");
  size_t l;
  yajl_free_error (h, e);
  msg[strcspn (msg, "\n")] = '\0';
  l = strlen (msg);
  while (l > 0 && (msg[l - 1] == '.' || msg[l - 1] == ' '))
    msg[--l] = '\0';
  return msg;
}

/* Nesting depth, counted by the event parser's callbacks: it keeps its own
 * state on the heap, where yajl's tree parser (and yajl_tree_free) recurse. */
struct depth_count
{
  size_t depth;
  bool too_deep;
};

static int
depth_open (void *ctx)
{
  struct depth_count *d = ctx;
  if (++d->depth > JSON_MAX_DEPTH)
    {
      d->too_deep = true;
      return 0; /* cancels the parse where it stands */
    }
  return 1;
}

static int
depth_close (void *ctx)
{
  ((struct depth_count *) ctx)->depth--;
  return 1;
}

static const yajl_callbacks depth_callbacks = {
  .yajl_start_map = depth_open,
  .yajl_end_map = depth_close,
  .yajl_start_array = depth_open,
  .yajl_end_array = depth_close,
};

/* Check the whole text with the event parser, configured as
 * yajl_tree_parse configures its own (comments allowed), before the tree
 * parser sees it: a syntax error or a nesting deeper than JSON_MAX_DEPTH
 * is reported with its line and column, and only a text that passes
 * reaches the (recursive) tree code. */
static int
check_text (const char *text, size_t len, urun_err *err)
{
  struct depth_count d = { 0, false };
  yajl_handle h = yajl_alloc (&depth_callbacks, NULL, &d);
  yajl_status st;
  size_t off = len, line, col;
  cleanup_free char *msg = NULL;

  if (h == NULL)
    return urun_fail (err, ENOMEM, "parse JSON");
  yajl_config (h, yajl_allow_comments, 1);
  st = yajl_parse (h, (const unsigned char *) text, len);
  if (st == yajl_status_ok)
    st = yajl_complete_parse (h);
  else
    off = yajl_get_bytes_consumed (h);
  if (st != yajl_status_ok && !d.too_deep)
    msg = yajl_error_line (h);
  yajl_free (h);
  if (st == yajl_status_ok)
    return 0;
  /* the offset is just past the token at fault: point at it */
  if (off > 0 && off < len)
    off--;
  line_col (text, off, &line, &col);
  if (d.too_deep)
    return urun_fail (err, 0, "invalid JSON at line %zu, column %zu: nested deeper than %d levels", line, col,
                      JSON_MAX_DEPTH);
  return urun_fail (err, 0, "invalid JSON at line %zu, column %zu: %s", line, col, msg);
}

json_node *
json_parse (const char *text, size_t len, urun_err *err)
{
  char ebuf[256] = "";
  cleanup_free char *copy = NULL;
  yajl_val v;

  /* yajl_tree_parse needs a NUL-terminated string with no embedded NUL */
  if (memchr (text, '\0', len) != NULL)
    {
      size_t line, col;
      line_col (text, (const char *) memchr (text, '\0', len) - text, &line, &col);
      urun_fail (err, 0, "invalid JSON at line %zu, column %zu: NUL byte in text", line, col);
      return NULL;
    }
  if (check_text (text, len, err) < 0)
    return NULL;
  copy = xmalloc0 (len + 1);
  memcpy (copy, text, len);
  v = yajl_tree_parse (copy, ebuf, sizeof ebuf);
  if (v == NULL)
    {
      /* the event parser accepted it: only memory can be short here */
      ebuf[strcspn (ebuf, "\n")] = '\0';
      urun_fail (err, 0, "invalid JSON: %s", ebuf[0] ? ebuf : "the parser failed");
      return NULL;
    }
  return (json_node *) v;
}

void
json_free (json_node *n)
{
  if (n)
    yajl_tree_free (V (n));
}

void
cleanup_json_freep (json_node **n)
{
  json_free (*n);
}

enum json_kind
json_kind (const json_node *n)
{
  switch (n ? V (n)->type : yajl_t_null)
    {
    case yajl_t_string:
      return JSON_STRING;
    case yajl_t_number:
      return JSON_NUMBER;
    case yajl_t_object:
      return JSON_OBJECT;
    case yajl_t_array:
      return JSON_ARRAY;
    case yajl_t_true:
    case yajl_t_false:
      return JSON_BOOL;
    default:
      return JSON_NULL;
    }
}

const char *
json_kind_name (enum json_kind k)
{
  static const char *const names[] = { "null", "boolean", "number", "string", "object", "array" };
  return names[k];
}

json_node *
json_get (const json_node *obj, const char *key)
{
  if (obj == NULL || V (obj)->type != yajl_t_object)
    return NULL;
  for (size_t i = 0; i < V (obj)->u.object.len; i++)
    if (strcmp (V (obj)->u.object.keys[i], key) == 0)
      return (json_node *) V (obj)->u.object.values[i];
  return NULL;
}

size_t
json_len (const json_node *n)
{
  if (n == NULL)
    return 0;
  if (V (n)->type == yajl_t_object)
    return V (n)->u.object.len;
  if (V (n)->type == yajl_t_array)
    return V (n)->u.array.len;
  return 0;
}

const char *
json_key_at (const json_node *obj, size_t i)
{
  return V (obj)->u.object.keys[i];
}

json_node *
json_at (const json_node *n, size_t i)
{
  if (V (n)->type == yajl_t_object)
    return (json_node *) V (n)->u.object.values[i];
  return (json_node *) V (n)->u.array.values[i];
}

const char *
json_string (const json_node *n)
{
  return n && V (n)->type == yajl_t_string ? V (n)->u.string : NULL;
}

bool
json_bool (const json_node *n)
{
  return n && V (n)->type == yajl_t_true;
}

bool
json_integer (const json_node *n, long long *out)
{
  if (n == NULL || V (n)->type != yajl_t_number)
    return false;
  if (!(V (n)->u.number.flags & YAJL_NUMBER_INT_VALID))
    {
      /* yajl cannot hold integers above LLONG_MAX (e.g. RLIM_INFINITY as
       * 18446744073709551615): accept them when they are plain digits */
      const char *r = V (n)->u.number.r;
      if (r && *r >= '0' && *r <= '9' && strspn (r, "0123456789") == strlen (r))
        {
          errno = 0;
          unsigned long long u = strtoull (r, NULL, 10);
          if (errno == 0)
            {
              *out = (long long) u;
              return true;
            }
        }
      return false;
    }
  *out = V (n)->u.number.i;
  return true;
}

struct json_writer
{
  yajl_gen g;
};

json_writer *
json_writer_new (bool pretty)
{
  json_writer *w = xmalloc0 (sizeof *w);
  w->g = yajl_gen_alloc (NULL);
  if (w->g == NULL)
    abort ();
  yajl_gen_config (w->g, yajl_gen_beautify, pretty ? 1 : 0);
  if (pretty)
    yajl_gen_config (w->g, yajl_gen_indent_string, "\t");
  yajl_gen_config (w->g, yajl_gen_validate_utf8, 0);
  return w;
}

void
json_writer_free (json_writer *w)
{
  if (w)
    {
      yajl_gen_free (w->g);
      free (w);
    }
}

void json_w_open_object (json_writer *w) { yajl_gen_map_open (w->g); }
void json_w_close_object (json_writer *w) { yajl_gen_map_close (w->g); }
void json_w_open_array (json_writer *w) { yajl_gen_array_open (w->g); }
void json_w_close_array (json_writer *w) { yajl_gen_array_close (w->g); }
void json_w_key (json_writer *w, const char *k) { json_w_string (w, k); }
void json_w_int (json_writer *w, long long v) { yajl_gen_integer (w->g, v); }
void json_w_bool (json_writer *w, bool v) { yajl_gen_bool (w->g, v); }

void
json_w_uint (json_writer *w, unsigned long long v)
{
  char b[24];
  int n = snprintf (b, sizeof b, "%llu", v);
  yajl_gen_number (w->g, b, (size_t) n);
}
void json_w_null (json_writer *w) { yajl_gen_null (w->g); }

/* A copy of s where each byte that does not begin a well-formed UTF-8
 * character is U+FFFD, NULL if there is none: what Go's encoding/json
 * writes (runc's state files). */
static char *
utf8_replace_invalid (const char *s)
{
  size_t bad = 0, n;
  char *out, *o;

  for (const char *p = s; *p; p += n ? n : 1)
    if ((n = utf8_len (p)) == 0)
      bad++;
  if (bad == 0)
    return NULL;
  o = out = xmalloc0 (strlen (s) + 2 * bad + 1);
  for (const char *p = s; *p; p += n ? n : 1)
    {
      n = utf8_len (p);
      if (n == 0)
        o = stpcpy (o, "\xef\xbf\xbd");
      else
        o = mempcpy (o, p, n);
    }
  *o = '\0';
  return out;
}

/* Only valid JSON goes out: yajl_gen_validate_utf8 would refuse a string
 * that is not UTF-8 (and the writer has no error to give), without it
 * yajl copies the bytes as they are.  Ids and paths can hold any byte. */
void
json_w_string (json_writer *w, const char *s)
{
  cleanup_free char *fixed = utf8_replace_invalid (s ? s : "");
  s = fixed ? fixed : s ? s : "";
  yajl_gen_string (w->g, (const unsigned char *) s, strlen (s));
}

void
json_w_node (json_writer *w, const json_node *n)
{
  switch (json_kind (n))
    {
    case JSON_NULL:
      json_w_null (w);
      break;
    case JSON_BOOL:
      json_w_bool (w, json_bool (n));
      break;
    case JSON_NUMBER:
      {
        const char *r = V (n)->u.number.r;
        yajl_gen_number (w->g, r, strlen (r));
        break;
      }
    case JSON_STRING:
      json_w_string (w, json_string (n));
      break;
    case JSON_OBJECT:
      json_w_open_object (w);
      for (size_t i = 0; i < json_len (n); i++)
        {
          json_w_key (w, json_key_at (n, i));
          json_w_node (w, json_at (n, i));
        }
      json_w_close_object (w);
      break;
    case JSON_ARRAY:
      json_w_open_array (w);
      for (size_t i = 0; i < json_len (n); i++)
        json_w_node (w, json_at (n, i));
      json_w_close_array (w);
      break;
    }
}

char *
json_writer_finish (json_writer *w, bool newline, size_t *len)
{
  size_t l;
  const char *text = json_writer_text (w, &l);
  char *out = xmalloc0 (l + 2);
  memcpy (out, text, l);
  if (newline && (l == 0 || out[l - 1] != '\n'))
    out[l++] = '\n';
  json_writer_free (w);
  if (len)
    *len = l;
  return out;
}

void
json_w_merged (json_writer *w, const json_node *base, const json_node *over)
{
  if (over == NULL || base == NULL || json_kind (base) != JSON_OBJECT || json_kind (over) != JSON_OBJECT)
    {
      json_w_node (w, over ? over : base);
      return;
    }
  json_w_open_object (w);
  for (size_t i = 0; i < json_len (base); i++)
    {
      json_w_key (w, json_key_at (base, i));
      json_w_merged (w, json_at (base, i), json_get (over, json_key_at (base, i)));
    }
  for (size_t i = 0; i < json_len (over); i++)
    if (json_get (base, json_key_at (over, i)) == NULL)
      {
        json_w_key (w, json_key_at (over, i));
        json_w_node (w, json_at (over, i));
      }
  json_w_close_object (w);
}

const char *
json_writer_text (json_writer *w, size_t *len)
{
  const unsigned char *buf;
  size_t l;
  yajl_gen_get_buf (w->g, &buf, &l);
  if (len)
    *len = l;
  return (const char *) buf;
}
