/* SPDX-License-Identifier: Apache-2.0 */
/* urun: `urun features`, the spec's Features structure (features.md):
 * exactly what this build of urun implements, from the same tables the
 * config parser and the seccomp compiler use. */
#ifndef URUN_FEATURES_H
#define URUN_FEATURES_H

#include <stddef.h>

/* The document, pretty-printed, allocated. */
char *features_json (size_t *len);

#endif
