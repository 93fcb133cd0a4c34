/* SPDX-License-Identifier: Apache-2.0 */
/* urun: which linux.sysctl keys a container may set.  /proc/sys is only
 * partly namespaced: a key no namespace owns, or one of a namespace the
 * container shares with urun, would change the host's value.  The rules
 * are runc's (libcontainer/configs/validate, sysctl): IPC keys need an ipc
 * namespace, net.* a network namespace, kernel.hostname and
 * kernel.domainname a uts namespace; every other key is refused. */
#ifndef URUN_SYSCTL_H
#define URUN_SYSCTL_H

#include "error.h"
#include "spec.h"

/* The namespace (CLONE_NEWIPC, CLONE_NEWNET or CLONE_NEWUTS) that owns the
 * sysctl KEY, '.' or '/' separated as in linux.sysctl; 0 when none does:
 * the key is the whole system's. */
int sysctl_namespace_of (const char *key);

/* Every key of linux.sysctl against linux.namespaces, hostname and
 * domainname: 0, or -1 with an error naming the key and the reason.  Pure
 * (it reads only the spec): for create's validate phase.  A namespace
 * joined by path counts as the container's own here; sysctl_check_joined
 * is the check of those paths. */
int sysctl_check (const struct spec *s, urun_err *err);

/* For each namespace a key of linux.sysctl relies on that is joined by
 * path: refuse it when it is urun's own (stat of the path and of
 * /proc/self/ns/TYPE: same device and inode), as runc does for the network
 * namespace, so that the sysctl would not change the host's value.  A path
 * that cannot be stat'ed is left to the join to report.  Reads the
 * system: call it in the validate phase, after sysctl_check and before any
 * namespace is created or joined. */
int sysctl_check_joined (const struct spec *s, urun_err *err);

#endif
