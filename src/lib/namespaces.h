/* urun: namespaces: which to create, joining existing ones by path, and
 * joining every namespace of a running container (exec). */
#ifndef URUN_NAMESPACES_H
#define URUN_NAMESPACES_H

#include <sys/types.h>
#include "error.h"
#include "spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* CLONE_NEW* flags of the namespaces the config creates (no path). */
int ns_new_flags (const struct spec *s);

/* Namespaces given by path, opened before any is joined. */
struct ns_join
{
  int fds[SPEC_MAX_NAMESPACES];
  int types[SPEC_MAX_NAMESPACES];
  size_t n;
};

/* Open every linux.namespaces[].path (in the caller's mount namespace). */
int ns_open_paths (const struct spec *s, struct ns_join *j, urun_err *err);
/* Join them: the user namespace first (it grants the rights to join the
 * others), the mount namespace last (later paths would resolve in it). */
int ns_join_opened (struct ns_join *j, urun_err *err);
void ns_join_close (struct ns_join *j);
/* True if the join list holds a namespace of this type. */
int ns_join_has (const struct ns_join *j, int type);

/* The namespaces a container made from this config does not share with us,
 * as CLONE_NEW* flags: every new one, and every joined one whose path is not
 * our own.  Read from the config, not /proc/PID/ns: the container's process
 * may be non-dumpable, and then its /proc/PID/ns is not ours to look at. */
int ns_of_container (const struct spec *s, urun_err *err);
/* Join those namespaces of process pid (exec): through a pidfd in one atomic
 * setns where the kernel can, else one by one through /proc/PID/ns. */
int ns_join_process (pid_t pid, int pidfd, int flags, urun_err *err);

#endif
