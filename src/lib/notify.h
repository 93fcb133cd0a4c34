/* SPDX-License-Identifier: Apache-2.0 */
/* urun: NOTIFY_SOCKET (systemd's sd_notify) through the container, as runc
 * and crun do it.  create makes STATE/notify/, binds it read-only at
 * /run/notify in the container and sets the process's NOTIFY_SOCKET to
 * /run/notify/notify.sock; start (and run) bind that socket before the
 * program runs, wait for its READY=1 (or its end), and pass READY=1 and
 * MAINPID=<the container's pid> on to the host's socket. */
#ifndef URUN_NOTIFY_H
#define URUN_NOTIFY_H

#include <sys/types.h>
#include "error.h"
#include "spec.h"

#define NOTIFY_DIR "notify"
#define NOTIFY_HOST_FILE "notify.host" /* the host socket, as create got it */
#define NOTIFY_IN_CONTAINER "/run/notify/notify.sock"

/* create: the directory, the host socket's name, the mount and the env. */
int notify_prepare (struct spec *s, int dirfd, const char *state_dir, const char *host, urun_err *err);

/* start/run: bind STATE/notify/notify.sock; *sock = -1 when the container
 * was created without a notify socket.  *host: the host socket to pass
 * READY to (the caller's, else the one create recorded; allocated). */
int notify_bind (int dirfd, const char *caller_host, int *sock, char **host, urun_err *err);

/* Wait for READY= from the container (or for pid to be gone), then send
 * it, MAINPID and a BARRIER to host. */
int notify_forward (int sock, const char *host, pid_t pid, unsigned long long start_time, urun_err *err);

#endif
