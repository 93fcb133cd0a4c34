/* urun: OCI hooks: each runs with the container state on its stdin, its
 * args and env from the config, and its timeout. */
#ifndef URUN_HOOKS_H
#define URUN_HOOKS_H

#include "error.h"
#include "spec.h"

const char *hooks_kind_name (enum spec_hook_kind k);
/* Run every hook of kind k in order; stop at the first failure. */
int hooks_run (const struct spec *s, enum spec_hook_kind k, const char *state_json, urun_err *err);
/* Run every hook of kind k; failures are warnings (poststop). */
void hooks_run_all_warn (const struct spec *s, enum spec_hook_kind k, const char *state_json);

#endif
