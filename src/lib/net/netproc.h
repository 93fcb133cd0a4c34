/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what the network's own processes (the helper, slirp.c; the
 * forwarder, fwd.c) share: how they are forked, their seccomp filters'
 * common part, and their report to urun. */
#ifndef URUN_NETPROC_H
#define URUN_NETPROC_H

#include <seccomp.h>
#include <stddef.h>
#include <sys/types.h>
#include "error.h"

/* Fork one: in the child, fd 3 is its socket to urun and fds 4 on are the
 * N (at most NET_KEEP_MAX) of KEEP; stdio is /dev/null and every other fd
 * is closed (nothing of urun's state directory, lock or other sockets, nor
 * the container's stdio: an engine's pipes stay its own); no signal is blocked and SIGPIPE is
 * ignored (a peer that closed makes a send EPIPE, not the end of the
 * process); it dies with urun (PR_SET_PDEATHSIG, checked against a urun
 * already gone) and is in a session of its own (a ^C at `urun run` is for
 * the container).  Returns its pid and *sock (urun's end) in urun, 0 in
 * the child.  WHAT names it in errors. */
#define NET_KEEP_MAX 3
pid_t net_fork (const int *keep, size_t n, const char *what, int *sock, urun_err *err);

/* A filter failing every system call with EPERM but the ALLOWED ones (by
 * name; those this architecture lacks are skipped), sigaltstack and
 * prctl(PR_SET_PDEATHSIG, 0), to add rules of its own to; *r: libseccomp's
 * first error, 0 if none.  NULL if none could be made. */
scmp_filter_ctx net_filter_new (const char *const *allowed, size_t n, int *r);
/* Load it (when R is still 0) and release it; WHO names the process. */
int net_filter_load (scmp_filter_ctx ctx, int r, const char *who, urun_err *err);

/* Into the network namespace of the container's process, and its user
 * namespace where it has one of its own (then the caller has
 * CAP_NET_ADMIN there): NS, those two namespaces (net_ns_open); WHO names
 * the caller in errors. */
int net_enter (const int *ns, const char *who, urun_err *err);

/* Up: a byte 0, then NOTE (a warning urun prints; NULL: none).  -1 when
 * urun is gone. */
int net_report_up (int sock, const char *note);

#endif
