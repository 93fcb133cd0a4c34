/* SPDX-License-Identifier: Apache-2.0 */
/* urun: waiting for a container process while forwarding our signals to
 * it and, with a terminal, copying between the caller's tty and the pty. */
#ifndef URUN_SIGNALS_H
#define URUN_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

/* Block the forwarded signals (before forking, so none is lost); the child
 * restores an empty mask before exec. */
void signals_block_forwarded (sigset_t *old);
/* Wait for pid to exit; returns its wait status in *status.  pty_master >= 0:
 * proxy it to our stdin/stdout. */
int signals_wait_forward (pid_t pid, int pty_master, int *status, urun_err *err);

#endif
