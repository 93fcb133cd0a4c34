/* SPDX-License-Identifier: Apache-2.0 */
/* urun: openat2(2), with its definitions for older headers (path.c,
 * procfs.c).  Callers decide what ENOSYS or a seccomp'd EPERM means. */
#ifndef URUN_OPENAT2_H
#define URUN_OPENAT2_H

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RESOLVE_IN_ROOT
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
struct open_how
{
  unsigned long long flags, mode, resolve;
};
#else
#include <linux/openat2.h>
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* openat2 with these open flags (O_CLOEXEC added) and RESOLVE_* flags */
static inline int
urun_openat2 (int dirfd, const char *path, int flags, unsigned long long resolve)
{
  struct open_how how = { .flags = (unsigned long long) (flags | O_CLOEXEC), .resolve = resolve };
  return (int) syscall (SYS_openat2, dirfd, path, &how, sizeof how);
}

#endif
