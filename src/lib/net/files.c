/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what files the network helper may still open, by Landlock (Linux
 * 5.13 and later, where the kernel has it on).  libslirp reads the host's
 * /etc/resolv.conf at each DNS query; nothing else.  Its seccomp filter
 * already allows no write; this keeps a helper taken over by what the
 * container sends from reading the user's own files (their home, their
 * keys): only files beneath /etc and beneath the directory
 * /etc/resolv.conf's link leads to (systemd-resolved's
 * /run/systemd/resolve) can be read, no directory listed, nothing run. */
#include <config.h>
#include "net.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* Every file-system right the kernel's Landlock (version ABI) knows. */
static __u64
all_rights (long abi)
{
  __u64 r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0-12 */
  if (abi >= 2)
    r |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    r |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5)
    r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return r;
}

static int
allow_read_beneath (int ruleset, const char *dir)
{
  struct landlock_path_beneath_attr pb = { .allowed_access = LANDLOCK_ACCESS_FS_READ_FILE };
  int r;
  pb.parent_fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (pb.parent_fd < 0)
    return errno == ENOENT ? 0 : -1;
  r = (int) syscall (SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
  close (pb.parent_fd);
  return r;
}

int
net_limit_files (bool *done, urun_err *err)
{
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  struct landlock_ruleset_attr ra = { 0 };
  cleanup_close int ruleset = -1;
  char target[PATH_MAX];
  *done = false;
  /* no Landlock here (not built, or not on): seccomp alone */
  if (abi < 1)
    return 0;
  ra.handled_access_fs = all_rights (abi);
  ruleset = (int) syscall (SYS_landlock_create_ruleset, &ra, sizeof ra, 0);
  if (ruleset < 0)
    return urun_fail (err, errno, "network: landlock ruleset");
  if (allow_read_beneath (ruleset, "/etc") < 0)
    return urun_fail (err, errno, "network: landlock rule for /etc");
  if (realpath ("/etc/resolv.conf", target) != NULL && allow_read_beneath (ruleset, dirname (target)) < 0)
    return urun_fail (err, errno, "network: landlock rule for the directory of /etc/resolv.conf");
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall (SYS_landlock_restrict_self, ruleset, 0) < 0)
    return urun_fail (err, errno, "network: landlock");
  *done = true;
  return 0;
}
