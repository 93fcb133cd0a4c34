/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "spec_get.h"
#include "spec.h"
#include "util.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- typed accessors that name the field on error ---- */

int
type_error (const char *field, const json_node *n, const char *want, urun_err *err)
{
  return urun_fail (err, 0, "`%s`: expected %s, got %s", field, want, json_kind_name (json_kind (n)));
}

int
get_string (const json_node *n, const char *field, char **out, urun_err *err)
{
  if (json_kind (n) != JSON_STRING)
    return type_error (field, n, "string", err);
  *out = xstrdup (json_string (n));
  return 0;
}

int
get_bool (const json_node *n, const char *field, bool *out, urun_err *err)
{
  if (json_kind (n) != JSON_BOOL)
    return type_error (field, n, "boolean", err);
  *out = json_bool (n);
  return 0;
}

int
get_u32 (const json_node *n, const char *field, uint32_t *out, urun_err *err)
{
  long long v;
  if (!json_integer (n, &v))
    return type_error (field, n, "integer", err);
  if (v < 0 || v > UINT32_MAX)
    return urun_fail (err, 0, "`%s`: %lld out of range", field, v);
  *out = v;
  return 0;
}

int
get_id (const json_node *n, const char *field, uint32_t *out, urun_err *err)
{
  long long v;
  if (!json_integer (n, &v))
    return type_error (field, n, "integer", err);
  if (v < 0 || v > SPEC_MAX_ID)
    return urun_fail (err, 0, "`%s`: %lld out of range (ids go from 0 to %d)", field, v, SPEC_MAX_ID);
  *out = v;
  return 0;
}

int
get_int (const json_node *n, const char *field, long long lo, long long hi, long long *out, urun_err *err)
{
  long long v;
  if (!json_integer (n, &v))
    return type_error (field, n, "integer", err);
  if (v < lo || v > hi)
    return urun_fail (err, 0, "`%s`: %lld out of range", field, v);
  *out = v;
  return 0;
}

int
get_object (const json_node *n, const char *field, urun_err *err)
{
  if (json_kind (n) != JSON_OBJECT)
    return type_error (field, n, "object", err);
  return 0;
}

int
get_strv (const json_node *n, const char *field, char ***out, urun_err *err)
{
  char **v;
  if (json_kind (n) != JSON_ARRAY)
    return type_error (field, n, "array of strings", err);
  v = xmalloc0 ((json_len (n) + 1) * sizeof *v);
  for (size_t i = 0; i < json_len (n); i++)
    {
      const char *s = json_string (json_at (n, i));
      if (s == NULL)
        {
          strv_free (v);
          return urun_fail (err, 0, "`%s[%zu]`: expected string, got %s", field, i,
                            json_kind_name (json_kind (json_at (n, i))));
        }
      v[i] = xstrdup (s);
    }
  *out = v;
  return 0;
}

