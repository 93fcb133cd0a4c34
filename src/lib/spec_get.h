/* SPDX-License-Identifier: Apache-2.0 */
/* urun: typed accessors of config fields, for the config's parsers
 * (spec.c, procattr.c): each names the field on error. */
#ifndef URUN_SPEC_GET_H
#define URUN_SPEC_GET_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "json.h"

int type_error (const char *field, const json_node *n, const char *want, urun_err *err);
int get_string (const json_node *n, const char *field, char **out, urun_err *err);
int get_bool (const json_node *n, const char *field, bool *out, urun_err *err);
int get_u32 (const json_node *n, const char *field, uint32_t *out, urun_err *err);
/* a uid or gid: 0 to SPEC_MAX_ID */
int get_id (const json_node *n, const char *field, uint32_t *out, urun_err *err);
int get_int (const json_node *n, const char *field, long long lo, long long hi, long long *out, urun_err *err);
int get_object (const json_node *n, const char *field, urun_err *err);
int get_strv (const json_node *n, const char *field, char ***out, urun_err *err);

#endif
