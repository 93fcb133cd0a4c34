/* SPDX-License-Identifier: Apache-2.0 */
/* urun: OCI hooks: each runs with the container state on its stdin, its
 * args and env from the config (urun's own environment when the hook has
 * no env, as runc and crun do), and its timeout, which covers feeding it
 * the state too. */
#ifndef URUN_HOOKS_H
#define URUN_HOOKS_H

#include "error.h"
#include "spec.h"

const char *hooks_kind_name (enum spec_hook_kind k);
/* Run every hook of kind k in order; stop at the first failure.  A
 * readable cancel_fd (a signalfd; -1 for none) kills the hook and fails. */
int hooks_run (const struct spec *s, enum spec_hook_kind k, const char *state_json, int cancel_fd, urun_err *err);
/* Run every hook of kind k; failures are warnings (poststop). */
void hooks_run_all_warn (const struct spec *s, enum spec_hook_kind k, const char *state_json);

#endif
