/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "procfs.h"
#include "openat2.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>


static bool
is_procfs (int fd)
{
  struct statfs sf;
  return fstatfs (fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

int
procfs_open_root (urun_err *err)
{
  int fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return urun_fail (err, errno, "open /proc");
  if (!is_procfs (fd))
    {
      close (fd);
      return urun_fail (err, 0, "/proc is not a procfs");
    }
  return fd;
}

/* "self/x": the pid this procfs gives us, so that no symlink is followed. */
static char *
resolve_self (int procfd, const char *rel, urun_err *err)
{
  char pid[32];
  ssize_t n;
  if (strncmp (rel, "self/", 5) != 0)
    return xstrdup (rel);
  n = readlinkat (procfd, "self", pid, sizeof pid - 1);
  if (n <= 0)
    return urun_fail (err, errno, "readlink /proc/self"), NULL;
  pid[n] = '\0';
  return xasprintf ("%s/%s", pid, rel + 5);
}

/* Without openat2: every component with O_NOFOLLOW, the last checked. */
static int
open_walk (int procfd, const char *rel, int flags)
{
  cleanup_free char *copy = xstrdup (rel);
  int dir = fcntl (procfd, F_DUPFD_CLOEXEC, 3), fd = -1;
  char *save = NULL, *c = strtok_r (copy, "/", &save);
  while (dir >= 0 && c)
    {
      char *next = strtok_r (NULL, "/", &save);
      if (strcmp (c, "..") == 0 || strcmp (c, ".") == 0)
        {
          errno = EXDEV;
          break;
        }
      fd = openat (dir, c, (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
      close (dir);
      dir = -1;
      if (fd < 0 || !is_procfs (fd))
        break;
      if (!next)
        return fd;
      dir = steal_fd (&fd);
      c = next;
    }
  if (fd >= 0)
    {
      close (fd);
      errno = EXDEV;
    }
  if (dir >= 0)
    close (dir);
  return -1;
}

int
procfs_open (int procfd, const char *rel, int flags, urun_err *err)
{
  cleanup_free char *path = resolve_self (procfd, rel, err);
  int fd;
  if (path == NULL)
    return -1;
  fd = urun_openat2 (procfd, path, flags | O_NOFOLLOW,
                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS);
  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    fd = open_walk (procfd, path, flags);
  if (fd < 0)
    return urun_fail (err, errno, "open /proc/%s", rel);
  return fd;
}

int
procfs_write (int procfd, const char *rel, const char *data, size_t len, urun_err *err)
{
  cleanup_close int fd = procfs_open (procfd, rel, O_WRONLY, err);
  if (fd < 0)
    return -1;
  if (write_all (fd, data, len) < 0)
    return urun_fail (err, errno, "write /proc/%s", rel);
  return 0;
}
