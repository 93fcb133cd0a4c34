/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "copyup.h"
#include "log.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* deeper trees are refused: each level holds two fds */
#define COPYUP_MAX_DEPTH 128

struct copyup
{
  dev_t dev;          /* the covered directory's filesystem: the copy stays on it */
  bool userns;        /* owners the namespace does not map show as the overflow ids */
  uid_t overflow_uid;
  gid_t overflow_gid;
};

static int copy_dir (const struct copyup *cu, int src, int dst, int depth, urun_err *err);

static int
copy_data (int in, int out, off_t size)
{
  while (size > 0)
    {
      ssize_t n = sendfile (out, in, NULL, size > (1 << 30) ? (1 << 30) : (size_t) size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break; /* the file shrank meanwhile */
      size -= n;
    }
  return 0;
}

static int
copy_file (int src, int dst, const char *name, const struct stat *sb, urun_err *err)
{
  cleanup_close int in = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  cleanup_close int out = -1;
  struct stat now;
  if (in < 0)
    return urun_fail (err, errno, "open `%s`", name);
  /* still the file that was looked at, not one swapped in since */
  if (fstat (in, &now) < 0 || !S_ISREG (now.st_mode) || now.st_dev != sb->st_dev || now.st_ino != sb->st_ino)
    return urun_fail (err, 0, "`%s` changed while it was copied", name);
  out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0 || copy_data (in, out, sb->st_size) < 0)
    return urun_fail (err, errno, "copy `%s`", name);
  return 0;
}

/* The entry's owner, mode and times, as in the image (after chown, which
 * clears set-id bits).  An owner the user namespace does not map cannot
 * be given: the entry keeps ours. */
static int
copy_attrs (const struct copyup *cu, int dst, const char *name, const struct stat *sb, urun_err *err)
{
  const struct timespec times[2] = { sb->st_atim, sb->st_mtim };
  mode_t mode = sb->st_mode & 07777;
  /* An owner the user namespace does not map shows as the overflow id: it
   * is not given (the copy stays the container root's), and neither are
   * set-id bits, which would make the copy run as someone the image file
   * never ran as. */
  bool uid_unmapped = cu->userns && sb->st_uid == cu->overflow_uid;
  bool gid_unmapped = cu->userns && sb->st_gid == cu->overflow_gid;
  if (uid_unmapped || gid_unmapped)
    mode &= ~(mode_t) (S_ISUID | S_ISGID);
  if (fchownat (dst, name, uid_unmapped ? (uid_t) -1 : sb->st_uid, gid_unmapped ? (gid_t) -1 : sb->st_gid,
                AT_SYMLINK_NOFOLLOW) < 0
      && errno != EINVAL)
    return urun_fail (err, errno, "chown `%s`", name);
  if (!S_ISLNK (sb->st_mode) && fchmodat (dst, name, mode, 0) < 0)
    return urun_fail (err, errno, "chmod `%s`", name);
  if (utimensat (dst, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return urun_fail (err, errno, "set the times of `%s`", name);
  return 0;
}

static int
copy_subdir (const struct copyup *cu, int src, int dst, const char *name, int depth, urun_err *err)
{
  cleanup_close int s = -1, d = -1;
  if (depth >= COPYUP_MAX_DEPTH)
    return urun_fail (err, 0, "`%s`: more than %d directory levels", name, COPYUP_MAX_DEPTH);
  if (mkdirat (dst, name, 0700) < 0)
    return urun_fail (err, errno, "mkdir `%s`", name);
  s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  d = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s < 0 || d < 0)
    return urun_fail (err, errno, "open `%s`", name);
  if (copy_dir (cu, s, d, depth + 1, err) < 0)
    return urun_err_wrap (err, "%s", name);
  return 0;
}

static int
copy_entry (const struct copyup *cu, int src, int dst, const char *name, int depth, urun_err *err)
{
  struct stat sb;
  int r = 0;
  if (fstatat (src, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
    return urun_fail (err, errno, "stat `%s`", name);
  /* a mount point inside: what is mounted there is not the image's */
  if (S_ISDIR (sb.st_mode) && sb.st_dev != cu->dev)
    {
      urun_debug ("tmpcopyup: `%s` is another filesystem: copied empty", name);
      if (mkdirat (dst, name, 0700) < 0)
        return urun_fail (err, errno, "mkdir `%s`", name);
      return copy_attrs (cu, dst, name, &sb, err);
    }
  switch (sb.st_mode & S_IFMT)
    {
    case S_IFDIR:
      r = copy_subdir (cu, src, dst, name, depth, err);
      break;
    case S_IFREG:
      r = copy_file (src, dst, name, &sb, err);
      break;
    case S_IFLNK:
      {
        char target[PATH_MAX + 1];
        ssize_t n = readlinkat (src, name, target, PATH_MAX);
        if (n < 0)
          return urun_fail (err, errno, "readlink `%s`", name);
        target[n] = '\0';
        if (symlinkat (target, dst, name) < 0)
          return urun_fail (err, errno, "symlink `%s`", name);
        break;
      }
    default: /* fifo, socket, device */
      if (mknodat (dst, name, sb.st_mode & (S_IFMT | 0600), sb.st_rdev) < 0)
        {
          if ((errno == EPERM || errno == EACCES) && (S_ISCHR (sb.st_mode) || S_ISBLK (sb.st_mode)))
            {
              urun_debug ("tmpcopyup: device node `%s` not copied: %s", name, strerror (errno));
              return 0;
            }
          return urun_fail (err, errno, "mknod `%s`", name);
        }
    }
  if (r < 0)
    return -1;
  return copy_attrs (cu, dst, name, &sb, err);
}

static int
copy_dir (const struct copyup *cu, int src, int dst, int depth, urun_err *err)
{
  int fd = dup (src);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *e;
  int r = 0;
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return urun_fail (err, errno, "read a directory");
    }
  while (r == 0 && (errno = 0, e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      r = copy_entry (cu, src, dst, e->d_name, depth, err);
  if (r == 0 && errno != 0)
    r = urun_fail (err, errno, "read a directory");
  closedir (d);
  return r;
}

static unsigned long
read_id (const char *path, unsigned long dflt)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  size_t len;
  unsigned long v;
  if (read_file_at (AT_FDCWD, path, &text, &len, &e) < 0)
    return dflt;
  text[strcspn (text, "\n")] = '\0';
  return parse_ulong (text, &v) ? v : dflt;
}

int
copyup_tree (int src, int dst, bool keep_mode, bool userns, urun_err *err)
{
  struct stat sb;
  struct statfs sf;
  struct copyup cu = { .userns = userns };
  if (fstat (src, &sb) < 0 || fstatfs (src, &sf) < 0)
    return urun_fail (err, errno, "tmpcopyup: stat");
  /* an image symlink can lead the destination into /proc or /sys: reading
   * the kernel's files there as the runtime is no copy of the image */
  if (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC || sf.f_type == CGROUP_SUPER_MAGIC
      || sf.f_type == CGROUP2_SUPER_MAGIC)
    return urun_fail (err, 0, "tmpcopyup: the directory it covers is on procfs, sysfs or cgroupfs");
  cu.dev = sb.st_dev;
  cu.overflow_uid = (uid_t) read_id ("/proc/sys/kernel/overflowuid", 65534);
  cu.overflow_gid = (gid_t) read_id ("/proc/sys/kernel/overflowgid", 65534);
  if (copy_dir (&cu, src, dst, 0, err) < 0)
    return urun_err_wrap (err, "tmpcopyup");
  {
    bool uid_unmapped = userns && sb.st_uid == cu.overflow_uid, gid_unmapped = userns && sb.st_gid == cu.overflow_gid;
    if (fchown (dst, uid_unmapped ? (uid_t) -1 : sb.st_uid, gid_unmapped ? (gid_t) -1 : sb.st_gid) < 0 && errno != EINVAL)
      return urun_fail (err, errno, "tmpcopyup: chown");
  }
  if (!keep_mode && fchmod (dst, sb.st_mode & 07777) < 0)
    return urun_fail (err, errno, "tmpcopyup: chmod");
  return 0;
}
