/* SPDX-License-Identifier: Apache-2.0 */
/* urun: linux.seccomp, built with libseccomp.  The filter is compiled by the
 * parent before anything is created (so a bad profile fails cleanly) and
 * loaded by the container process before it waits for start: with
 * noNewPrivileges once its user and capabilities are final, without it
 * before it drops the capabilities loading needs (runc's order).  Never
 * later: the waiting process is visible in the container, and a process
 * there that could ptrace it must find it filtered already. */
#ifndef URUN_SECCOMP_H
#define URUN_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "json.h"
#include "spec.h"

typedef void *urun_seccomp_filter;

/* Compile; unknown actions, architectures, operators and flags are errors
 * naming the field; syscall names libseccomp does not know are skipped. */
int seccomp_compile (const struct spec_seccomp *s, urun_seccomp_filter *out, urun_err *err);
void seccomp_filter_free (urun_seccomp_filter f);
/* Whether the config / the compiled filter hands a listener an fd. */
bool seccomp_spec_notifies (const struct spec_seccomp *s);
bool seccomp_filter_notifies (urun_seccomp_filter f);
/* Refuse a filter under which urun could not finish starting the process
 * or report why it failed: what urun itself calls after loading it (the
 * filter is loaded before the wait for start: without noNewPrivileges
 * before the user and capabilities are set, with it after) must pass. */
int seccomp_check_runnable (urun_seccomp_filter f, bool nnp, bool waits_for_start, urun_err *err);
/* Load into the calling process; *notify_fd gets the listener fd when the
 * profile uses SCMP_ACT_NOTIFY, else -1. */
int seccomp_load_filter (urun_seccomp_filter f, int *notify_fd, urun_err *err);
/* What the compiled filter returns for syscall_nr with these arguments
 * (NULL: all 0) when the calling process makes it on its native
 * architecture: *action gets the SECCOMP_RET_* value with its data (for
 * SECCOMP_RET_ERRNO the errno; the kernel caps it at 4095).  Asked before
 * loading, so urun knows whether its own last syscalls get through.  The
 * instruction pointer is 0 (libseccomp's filters never read it). */
int seccomp_filter_action (urun_seccomp_filter f, long syscall_nr, const uint64_t args[6], uint32_t *action,
                           urun_err *err);
/* True when the syscall runs: SECCOMP_RET_ALLOW and SECCOMP_RET_LOG.  Not
 * SECCOMP_RET_USER_NOTIF: the syscall waits for the listener's answer, and
 * the listener gets its fd only from urun after loading (a sendmsg that
 * waits for the listener would wait for itself), nor SECCOMP_RET_TRACE:
 * without a tracer the kernel fails the syscall with ENOSYS, with one the
 * tracer decides. */
bool seccomp_action_lets_through (uint32_t action);
/* The names urun knows, i from 0 until NULL (features). */
enum seccomp_name_kind { SECCOMP_NAME_ACTION, SECCOMP_NAME_OPERATOR, SECCOMP_NAME_ARCH, SECCOMP_NAME_FLAG };
const char *seccomp_known_name (enum seccomp_name_kind k, size_t i);
/* The running kernel takes this SECCOMP_FILTER_FLAG_*. */
bool seccomp_flag_supported (const char *name);
/* Send the notify fd and the "Container Process State" to listenerPath. */
int seccomp_send_to_listener (const struct spec_seccomp *s, int notify_fd, pid_t pid,
                              const char *state_json, urun_err *err);

#endif
