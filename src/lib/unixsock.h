/* SPDX-License-Identifier: Apache-2.0 */
/* urun: unix sockets: connect by path, and one message with at most one
 * descriptor passed along (SCM_RIGHTS).  The protocol (sync.c), the console
 * socket (terminal.c) and the seccomp listener (seccomp.c) all send fds
 * through these two functions. */
#ifndef URUN_UNIXSOCK_H
#define URUN_UNIXSOCK_H

#include <stddef.h>
#include <sys/types.h>
#include "error.h"

/* Connect a socket of `type` (SOCK_STREAM, SOCK_SEQPACKET) to path; long
 * paths are reached through their directory, so sun_path never limits
 * them. */
int unixsock_connect (const char *path, int type, int *sock, urun_err *err);

/* Send len bytes (one message) and, when fd >= 0, fd with them. */
int unixsock_send (int sock, const void *data, size_t len, int fd, urun_err *err);

/* Receive one message into buf; *fd gets a passed descriptor (close-on-exec)
 * or -1; with fd NULL a passed descriptor is closed.  Returns the bytes
 * received, 0 at end of file, -1 on error. */
ssize_t unixsock_recv (int sock, void *buf, size_t len, int *fd, urun_err *err);

#endif
