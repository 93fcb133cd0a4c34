/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the pidfd system calls' numbers, for C libraries that lack them
 * (x86_64's; the kernel gives every architecture the same ones). */
#ifndef URUN_PIDFD_H
#define URUN_PIDFD_H

#include <sys/syscall.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#endif
