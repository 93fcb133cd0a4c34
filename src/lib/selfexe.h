/* SPDX-License-Identifier: Apache-2.0 */
/* urun: CVE-2019-5736.  A container's processes can see urun's own
 * processes while they set the container up (its waiting init, an exec's
 * process before its execve) and open their /proc/PID/exe.  Non-dumpable is
 * not enough against root with CAP_SYS_PTRACE, so as root urun first
 * re-executes itself from a sealed memfd copy of its binary: every urun
 * process a container can see then has an exe no one can write, whatever
 * capabilities they hold.  Rootless, the container's processes have no
 * capability over urun's (its memory belongs to the host's user
 * namespace), and non-dumpable holds (plan.c decides); there is no
 * re-exec. */
#ifndef URUN_SELFEXE_H
#define URUN_SELFEXE_H

#include <stdbool.h>
#include "error.h"

/* True when this process runs from a sealed memfd copy. */
bool selfexe_is_sealed (void);
/* Re-execute argv from a sealed copy of /proc/self/exe; returns only on
 * failure. */
int selfexe_reexec_sealed (char **argv, urun_err *err);

#endif
