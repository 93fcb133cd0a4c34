/* SPDX-License-Identifier: Apache-2.0 */
/* urun: JSON reading and writing.  This is the only module that knows the
 * JSON library (yajl); everything else sees these opaque types. */
#ifndef URUN_JSON_H
#define URUN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

typedef struct json_node json_node;

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_OBJECT, JSON_ARRAY };

/* Arrays and objects nested deeper than this are refused: yajl's tree
 * code recurses (a million levels would overflow the stack), and yajl's
 * writer holds at most 128 levels, so every document urun reads can be
 * written out again (json_w_node), also inside another. */
#define JSON_MAX_DEPTH 100

/* Parse a document; errors carry the line and column of the fault. */
json_node *json_parse (const char *text, size_t len, urun_err *err);
void json_free (json_node *n);
void cleanup_json_freep (json_node **n);
#define cleanup_json __attribute__ ((cleanup (cleanup_json_freep)))

enum json_kind json_kind (const json_node *n);
const char *json_kind_name (enum json_kind k);
json_node *json_get (const json_node *obj, const char *key); /* NULL if missing or not an object */
size_t json_len (const json_node *n);                          /* object members or array items */
const char *json_key_at (const json_node *obj, size_t i);
json_node *json_at (const json_node *n, size_t i);             /* object value or array item */
const char *json_string (const json_node *n);                  /* NULL if not a string */
bool json_bool (const json_node *n);
/* true if n is an integer number that fits in long long */
bool json_integer (const json_node *n, long long *out);

typedef struct json_writer json_writer;
json_writer *json_writer_new (bool pretty);
void json_writer_free (json_writer *w);
void json_w_open_object (json_writer *w);
void json_w_close_object (json_writer *w);
void json_w_open_array (json_writer *w);
void json_w_close_array (json_writer *w);
void json_w_key (json_writer *w, const char *key);
void json_w_string (json_writer *w, const char *s);
void json_w_int (json_writer *w, long long v);
/* Up to 2^64-1 (cgroup counters, "max" as runc writes it). */
void json_w_uint (json_writer *w, unsigned long long v);
void json_w_bool (json_writer *w, bool v);
void json_w_null (json_writer *w);
/* Copy a parsed node into the writer. */
void json_w_node (json_writer *w, const json_node *n);
/* base with over merged in (JSON merge, without deletion): where both
 * are objects, base's members in order with over's merged into them,
 * then over's new ones; anywhere else over (base when over is NULL). */
void json_w_merged (json_writer *w, const json_node *base, const json_node *over);
/* The text written so far (valid until the writer is freed). */
const char *json_writer_text (json_writer *w, size_t *len);
/* The text, allocated and NUL-terminated (ending in a newline when
 * newline), and the writer freed. */
char *json_writer_finish (json_writer *w, bool newline, size_t *len);

#endif
