/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what files the network helper may still open, by Landlock (Linux
 * 5.13 and later, where the kernel has it on).  libslirp reads the host's
 * /etc/resolv.conf at each DNS query; nothing else.  Its seccomp filter
 * already allows no write; this keeps a helper taken over by what the
 * container sends from reading the user's own files (their home, their
 * keys): only files beneath /etc and beneath the directory
 * /etc/resolv.conf's link leads to (systemd-resolved's
 * /run/systemd/resolve; the file alone if that is not a resolver's
 * directory) can be read, no directory listed, nothing run. */
#include <config.h>
#include "net.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdio.h>
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

/* Reading of the files beneath DIR (or of DIR itself, a file). */
static int
allow_read_beneath (int ruleset, const char *dir)
{
  struct landlock_path_beneath_attr pb = { .allowed_access = LANDLOCK_ACCESS_FS_READ_FILE };
  int r;
  pb.parent_fd = open (dir, O_PATH | O_CLOEXEC);
  if (pb.parent_fd < 0)
    return errno == ENOENT ? 0 : -1;
  r = (int) syscall (SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
  close (pb.parent_fd);
  return r;
}

/* A directory where a resolver's manager keeps the file (systemd-resolved's
 * /run/systemd/resolve, NetworkManager's, resolvconf's) may be read whole:
 * the file may be replaced there later.  Anywhere else (/, /tmp, a home),
 * the file alone. */
static bool
resolver_dir (const char *dir)
{
  static const char *const homes[] = { "/run/", "/var/run/", "/var/lib/", "/etc/" };
  for (size_t i = 0; i < sizeof homes / sizeof *homes; i++)
    if (strncmp (dir, homes[i], strlen (homes[i])) == 0)
      return true;
  return false;
}

/* Where /etc/resolv.conf leads (a link to a file that may not be there
 * yet: its directory, if that is).  Beneath /etc needs nothing more. */
static int
allow_resolv_target (int ruleset)
{
  char link[PATH_MAX], cand[PATH_MAX + 8], dir[PATH_MAX];
  ssize_t n = readlink ("/etc/resolv.conf", link, sizeof link - 1);
  if (n <= 0)
    return 0;
  link[n] = '\0';
  snprintf (cand, sizeof cand, "%s%s", link[0] == '/' ? "" : "/etc/", link);
  if (realpath (dirname (cand), dir) == NULL)
    return 0;
  if (resolver_dir (dir))
    return allow_read_beneath (ruleset, dir);
  /* the file itself, resolved (links within links) */
  snprintf (cand, sizeof cand, "%s%s", link[0] == '/' ? "" : "/etc/", link);
  return realpath (cand, dir) != NULL ? allow_read_beneath (ruleset, dir) : 0;
}

int
net_limit_files (bool *done, urun_err *err)
{
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  struct landlock_ruleset_attr ra = { 0 };
  cleanup_close int ruleset = -1;
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
  if (allow_resolv_target (ruleset) < 0)
    return urun_fail (err, errno, "network: landlock rule for where /etc/resolv.conf leads");
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall (SYS_landlock_restrict_self, ruleset, 0) < 0)
    return urun_fail (err, errno, "network: landlock");
  *done = true;
  return 0;
}
