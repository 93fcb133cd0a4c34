/* SPDX-License-Identifier: Apache-2.0 */
/* urun: joining namespaces: the config's paths (in the plan's order), and
 * every namespace of a running container (exec).  Which namespaces are made
 * and joined is the plan's business (plan.h). */
#ifndef URUN_NAMESPACES_H
#define URUN_NAMESPACES_H

#include <sys/types.h>
#include "error.h"
#include "plan.h"
#include "spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
/* Bring up lo in the network namespace of the caller (a new one starts
 * with it down). */
int ns_loopback_up (urun_err *err);

#endif

/* Namespaces given by path, opened before any is joined. */
struct ns_join
{
  int fds[SPEC_MAX_NAMESPACES];
  int types[SPEC_MAX_NAMESPACES];
  size_t n;
};

/* Open the paths of the namespaces the plan joins, in its order (in the
 * caller's mount namespace, before anything is joined). */
int ns_open_paths (const struct spec *s, const struct plan *p, struct ns_join *j, urun_err *err);
/* Join them, in that order. */
int ns_join_opened (struct ns_join *j, urun_err *err);
void ns_join_close (struct ns_join *j);
/* True if the join list holds a namespace of this type. */
int ns_join_has (const struct ns_join *j, int type);

/* Join the namespaces `flags` of process pid (exec): through a pidfd in one atomic
 * setns where the kernel can, else one by one through /proc/PID/ns. */
int ns_join_process (pid_t pid, int pidfd, int flags, urun_err *err);

/* Bring up lo in the network namespace of the caller (a new one starts
 * with it down). */
int ns_loopback_up (urun_err *err);

#endif
