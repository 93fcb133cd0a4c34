/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "rootfs.h"
#include "bindsrc.h"
#include "cgroup/cgroup.h"
#include "net/net.h"
#include "copyup.h"
#include "procattr.h"
#include "log.h"
#include "path.h"
#include "procfs.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
struct mount_attr
{
  unsigned long long attr_set, attr_clr, propagation, userns_fd;
};
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* Flags a user namespace cannot clear on a mount it did not create: a
 * remount must repeat them or fail with EPERM. */
static unsigned long
locked_flags (const char *target)
{
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs (target, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  if (sv.f_flag & ST_NOATIME)
    f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME)
    f |= MS_RELATIME;
  return f;
}

int
rootfs_remount (const char *target, unsigned long flags, bool recursive, urun_err *err)
{
  unsigned long f = MS_BIND | MS_REMOUNT | flags;
  const unsigned long attrs = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

  if (recursive && (flags & attrs))
    {
      /* mount_setattr sets them on the whole tree; a remount only on the top */
      struct mount_attr a = { .attr_set = ((flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0)
                                          | ((flags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0)
                                          | ((flags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0)
                                          | ((flags & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0) };
      int fd = open (target, O_PATH | O_CLOEXEC);
      if (fd >= 0)
        {
          int r = syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a);
          close (fd);
          if (r == 0 && (flags & ~attrs) == 0)
            return 0;
        }
    }
  if (mount (NULL, target, NULL, f, NULL) == 0)
    return 0;
  if (errno == EPERM)
    {
      /* keep the flags the kernel locked on this mount (rootless) */
      unsigned long locked = locked_flags (target);
      if (locked & MS_RDONLY && !(flags & MS_RDONLY))
        locked &= ~MS_RDONLY;
      if (mount (NULL, target, NULL, f | locked, NULL) == 0)
        return 0;
      /* atime flags are all-or-nothing: drop ours and keep the locked ones */
      f &= ~(MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);
      if (mount (NULL, target, NULL, f | locked, NULL) == 0)
        return 0;
    }
  return urun_fail (err, errno, "remount");
}

/* The source's type: from the detached copy (bindsrc.h) when urun took
 * one, else by path. */
static int
source_stat (const struct spec_mount *m, int srcfd, struct stat *sb)
{
  return srcfd >= 0 ? fstat (srcfd, sb) : stat (m->source, sb);
}

static bool
source_is_dir (const struct spec_mount *m, int srcfd)
{
  struct stat sb;
  return source_stat (m, srcfd, &sb) < 0 || S_ISDIR (sb.st_mode);
}

static int
bind_mount (const char *source, const char *target, unsigned long flags, urun_err *err)
{
  if (mount (source, target, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
    return urun_fail (err, errno, "bind `%s`", source);
  return 0;
}

/* Open a destination again after something was mounted on it: the fd taken
 * before the mount still points at the covered directory. */
static int
reopen_dest (struct rootfs_ctx *c, const char *dest, urun_err *err)
{
  return path_open_in_root (c->rootfd, dest, O_PATH, PATH_NO_CREATE, err);
}

static int
finish_mount (struct rootfs_ctx *c, const struct spec_mount *m, unsigned long extra_flags, urun_err *err)
{
  unsigned long flags = (m->flags | extra_flags) & ~(MS_BIND | MS_REC | MS_REMOUNT);
  if (m->bind && flags)
    {
      cleanup_close int fd = reopen_dest (c, m->destination, err);
      char t[32];
      if (fd < 0)
        return -1;
      path_fd_name (fd, t);
      if (rootfs_remount (t, flags, (m->flags & MS_REC) != 0, err) < 0)
        return -1;
    }
  if (m->propagation)
    {
      cleanup_close int fd = reopen_dest (c, m->destination, err);
      char t[32];
      if (fd < 0)
        return -1;
      path_fd_name (fd, t);
      if (mount (NULL, t, NULL, m->propagation, NULL) < 0)
        return urun_fail (err, errno, "set propagation");
    }
  return 0;
}

bool
rootfs_host_is_cgroup2 (void)
{
  struct statfs sf;
  return statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* MS_NODEV for this mount (devices.c): every one, but devpts (its ptys
 * are made by the kernel, never by the container) and the bind of a
 * device node itself (the config names that device). */
static unsigned long
nodev_for (const struct rootfs_ctx *c, const struct spec_mount *m, int srcfd)
{
  struct stat sb;
  if (!c->nodev || (m->type && strcmp (m->type, "devpts") == 0))
    return 0;
  if (m->bind && source_stat (m, srcfd, &sb) == 0 && (S_ISCHR (sb.st_mode) || S_ISBLK (sb.st_mode)))
    return 0;
  return MS_NODEV;
}

/* On a cgroup v1 host, with a cgroup of its own (root): a tmpfs holding,
 * for each hierarchy, a bind of the container's own directory there (read
 * only unless the config's mount is rw), as runc does; never the host's
 * whole hierarchies. */
static int
mount_own_cgroups (struct rootfs_ctx *c, const struct spec_mount *m, int destfd, urun_err *err)
{
  const unsigned long f = MS_NOSUID | MS_NODEV | MS_NOEXEC, ro = m->flags & MS_RDONLY;
  cleanup_close int top = -1, topdir = -1;
  char target[32];

  path_fd_name (destfd, target);
  if (mount ("cgroup", target, "tmpfs", f, "mode=755") < 0)
    return urun_fail (err, errno, "mount a tmpfs for the cgroup hierarchies");
  if ((top = reopen_dest (c, m->destination, err)) < 0)
    return -1;
  if ((topdir = openat (top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return urun_fail (err, errno, "open the cgroup tmpfs");
  for (size_t i = 0; i < c->cg->n; i++)
    {
      const struct urun_cgroup_dir *d = &c->cg->dirs[i];
      cleanup_close int sub = -1, bound = -1;
      char t[32];
      if (mkdirat (topdir, d->controllers, 0755) < 0
          || (sub = openat (topdir, d->controllers, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return urun_fail (err, errno, "make `%s`", d->controllers);
      path_fd_name (sub, t);
      if (bind_mount (d->path, t, 0, err) < 0)
        return -1;
      if ((bound = openat (topdir, d->controllers, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return urun_fail (err, errno, "open `%s`", d->controllers);
      path_fd_name (bound, t);
      if (rootfs_remount (t, f | ro, false, err) < 0)
        return urun_err_wrap (err, "`%s`", d->controllers);
      /* cpu and cpuacct of a "cpu,cpuacct" hierarchy, as on the host */
      if (strchr (d->controllers, ','))
        {
          cleanup_free char *names = xstrdup (d->controllers);
          char *save = NULL;
          for (char *n = strtok_r (names, ",", &save); n; n = strtok_r (NULL, ",", &save))
            symlinkat (d->controllers, topdir, n);
        }
    }
  path_fd_name (top, target);
  if (ro && mount (NULL, target, NULL, MS_REMOUNT | MS_RDONLY | f, "mode=755") < 0)
    return urun_fail (err, errno, "make the cgroup tmpfs read-only");
  return finish_mount (c, m, 0, err);
}

/* The mount's data, with linux.mountLabel where one applies (valid until
 * the next call). */
static const char *
mount_data (struct rootfs_ctx *c, const struct spec_mount *m)
{
  free (c->labelled_data);
  c->labelled_data = procattr_mount_data (m->type, m->data, c->spec->linux_attr.mount_label);
  return c->labelled_data ? c->labelled_data : m->data;
}

/* A tmpfs with `tmpcopyup`: what it covers (destfd, opened before) is
 * copied into it before anything else sees it (copyup.h). */
static int
mount_copyup (struct rootfs_ctx *c, const struct spec_mount *m, int destfd, unsigned long nodev, urun_err *err)
{
  cleanup_close int covered = openat (destfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int top = -1, topdir = -1;
  char target[32];
  bool keep_mode = m->data && (strncmp (m->data, "mode=", 5) == 0 || strstr (m->data, ",mode="));

  if (covered < 0)
    return urun_fail (err, errno, "tmpcopyup: open the directory it covers");
  path_fd_name (destfd, target);
  /* read-only only once it is filled */
  if (mount (m->source ? m->source : "tmpfs", target, "tmpfs", (m->flags | nodev) & ~(MS_REMOUNT | MS_RDONLY),
             mount_data (c, m)) < 0)
    return urun_fail (err, errno, "mount tmpfs");
  top = reopen_dest (c, m->destination, err);
  if (top < 0)
    return -1;
  topdir = openat (top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (topdir < 0)
    return urun_fail (err, errno, "tmpcopyup: open the new tmpfs");
  if (copyup_tree (covered, topdir, keep_mode, c->userns, err) < 0)
    return -1;
  path_fd_name (top, target);
  if ((m->flags & MS_RDONLY) && mount (NULL, target, NULL, MS_REMOUNT | ((m->flags | nodev) & ~MS_REC), m->data) < 0)
    return urun_fail (err, errno, "tmpcopyup: make the tmpfs read-only");
  return finish_mount (c, m, 0, err);
}

/* One entry of `mounts`; srcfd: its bind source, detached by urun (or -1). */
static int
do_mount (struct rootfs_ctx *c, const struct spec_mount *m, int srcfd, urun_err *err)
{
  cleanup_close int destfd = -1;
  const char *type = m->type;
  unsigned long nodev = nodev_for (c, m, srcfd);
  char target[32];
  bool is_dir = true;

  if (m->bind)
    is_dir = source_is_dir (m, srcfd);
  destfd = path_open_in_root (c->rootfd, m->destination, O_PATH, is_dir ? PATH_CREATE_DIR : PATH_CREATE_FILE, err);
  if (destfd < 0)
    return -1;
  path_fd_name (destfd, target);

  if (m->bind)
    {
      if (srcfd >= 0 ? bindsrc_attach (srcfd, destfd, err) < 0 : bind_mount (m->source, target, m->flags, err) < 0)
        return -1;
      return finish_mount (c, m, nodev, err);
    }

  if (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0)
    {
      /* cgroup2 in our cgroup namespace where the host is unified; else (a
       * cgroup v1 or hybrid host, or not allowed) the host's hierarchy,
       * bound read-only as runc and crun do rootless: read-only whatever
       * the config says, as none of it is the container's own. */
      unsigned long f = (m->flags | nodev) & ~(MS_BIND | MS_REC | MS_REMOUNT);
      if (c->cg && c->cg->kind == CGROUP_V1 && strcmp (type, "cgroup2") != 0)
        return mount_own_cgroups (c, m, destfd, err);
      if ((strcmp (type, "cgroup2") == 0 || rootfs_host_is_cgroup2 ())
          && mount ("cgroup2", target, "cgroup2", f, NULL) == 0)
        return finish_mount (c, m, 0, err);
      if (bind_mount ("/sys/fs/cgroup", target, MS_REC, err) < 0)
        return -1;
      struct spec_mount b = *m;
      b.bind = true;
      b.flags |= MS_BIND | MS_REC;
      return finish_mount (c, &b, nodev | MS_RDONLY | MS_NOSUID | MS_NOEXEC, err);
    }

  if (m->copyup)
    return mount_copyup (c, m, destfd, nodev, err);
  if (mount (m->source ? m->source : type, target, type, (m->flags | nodev) & ~MS_REMOUNT, mount_data (c, m)) == 0)
    return finish_mount (c, m, 0, err);

  if (c->userns && (errno == EPERM || errno == EINVAL))
    {
      int e = errno;
      /* without a network namespace of its own a user namespace cannot
       * mount sysfs, nor mqueue without its ipc namespace: bind the host's
       * (as runc and crun do) */
      /* nor proc without a pid namespace of its own */
      if (strcmp (type, "sysfs") == 0 || strcmp (type, "mqueue") == 0 || strcmp (type, "proc") == 0)
        {
          const char *src = type[0] == 's' ? "/sys" : type[0] == 'p' ? "/proc" : "/dev/mqueue";
          struct spec_mount b = *m;
          if (bind_mount (src, target, MS_REC, err) < 0)
            return -1;
          b.bind = true;
          b.flags |= MS_BIND | MS_REC;
          urun_debug ("mount `%s`: %s, bound the host's %s instead", m->destination, strerror (e), src);
          return finish_mount (c, &b, nodev, err);
        }
      /* gid=5 in devpts options is invalid when gid 5 is not mapped */
      if (strcmp (type, "devpts") == 0 && m->data && strstr (m->data, "gid="))
        {
          cleanup_free char *data = xstrdup (m->data);
          char *g = strstr (data, "gid="), *end = strchr (g, ',');
          if (end)
            memmove (g, end + 1, strlen (end + 1) + 1);
          else
            *(g > data ? g - 1 : g) = '\0';
          if (mount (m->source, target, type, m->flags, data) == 0)
            return finish_mount (c, m, 0, err);
        }
      errno = e;
    }
  return urun_fail (err, errno, "mount %s", type);
}

int
rootfs_mount_all (struct rootfs_ctx *c, urun_err *err)
{
  const struct spec *s = c->spec;
  unsigned long prop = MS_SLAVE | MS_REC;
  bool dev_is_bind = false, dev_mounted = false;

  /* Nothing we mount may propagate back to the host: "/" becomes a slave
   * (or private, if asked) before anything else. */
  if (s->rootfs_propagation & MS_PRIVATE)
    prop = MS_PRIVATE | MS_REC;
  if (mount (NULL, "/", NULL, prop, NULL) < 0)
    return urun_fail (err, errno, "make `/` %s", prop & MS_PRIVATE ? "private" : "slave");

  /* pivot_root needs the new root to be a mount point */
  if (mount (c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return urun_fail (err, errno, "bind rootfs `%s` on itself", c->rootfs);
  /* no device node of the image opens (devices.c) */
  if (c->nodev && rootfs_remount (c->rootfs, MS_NODEV, true, err) < 0)
    return urun_err_wrap (err, "make rootfs `%s` nodev", c->rootfs);
  c->rootfd = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->rootfd < 0)
    return urun_fail (err, errno, "open rootfs `%s`", c->rootfs);

  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const struct spec_mount *m = &s->mounts[i];
      cleanup_free char *dest = path_clean (m->destination);
      if (strcmp (dest, "/dev") == 0)
        {
          dev_mounted = true;
          dev_is_bind = m->bind;
        }
      int srcfd = c->bind_fds ? c->bind_fds[i] : -1;
      int r;
      if (m->urun_text && (srcfd = net_resolv_tree (m->urun_text, c->stage_dir, err)) < 0)
        return -1;
      r = do_mount (c, m, srcfd, err);
      /* attached (or not): the container's program must not get it */
      if (srcfd >= 0)
        close (srcfd);
      if (r < 0)
        return urun_err_wrap (err, "mount `%s`", m->destination);
    }
  free (c->labelled_data);
  c->labelled_data = NULL;

  /* Default devices go into a /dev the runtime made (not a host bind). */
  if (devices_stage_open (c, err) < 0)
    return -1;
  return devices_create (c, dev_mounted && !dev_is_bind, err);
}

int
rootfs_pivot (struct rootfs_ctx *c, urun_err *err)
{
  cleanup_close int oldroot = -1, newroot = -1;

  if (chdir (c->rootfs) < 0)
    return urun_fail (err, errno, "chdir to rootfs `%s`", c->rootfs);
  if (c->no_pivot)
    {
      if (mount (c->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return urun_fail (err, errno, "move rootfs to `/`");
      if (chroot (".") < 0)
        return urun_fail (err, errno, "chroot");
      if (chdir ("/") < 0)
        return urun_fail (err, errno, "chdir `/`");
      return 0;
    }
  oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  newroot = open (c->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0 || newroot < 0)
    return urun_fail (err, errno, "open roots for pivot_root");
  if (fchdir (newroot) < 0)
    return urun_fail (err, errno, "fchdir rootfs");
  /* pivot_root(".", ".") stacks the old root on top of the new one; then
   * detach it.  No directory inside the rootfs is needed for it. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    {
      urun_fail (err, errno, "pivot_root");
      return urun_err_topic (err, URUN_TOPIC_PIVOT);
    }
  if (fchdir (oldroot) < 0)
    return urun_fail (err, errno, "fchdir old root");
  /* the old root must not propagate the unmount to the host */
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return urun_fail (err, errno, "make old root slave");
  if (umount2 (".", MNT_DETACH) < 0)
    return urun_fail (err, errno, "detach old root");
  if (chdir ("/") < 0)
    return urun_fail (err, errno, "chdir `/`");
  close (c->rootfd);
  c->rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->rootfd < 0)
    return urun_fail (err, errno, "open new root");
  return 0;
}

/* CVE-2025-31133: a file is masked with the /dev/null checked on its fd
 * (devices.c), never with a path in the image, and read-only. */
static int
mask_path (struct rootfs_ctx *c, const char *path, urun_err *err)
{
  cleanup_err urun_err e2 = NULL;
  cleanup_close int fd = path_open_in_root (c->rootfd, path, O_PATH, PATH_NO_CREATE, &e2), fd2 = -1;
  struct stat sb;
  char t[32], null[32];

  if (fd < 0)
    {
      if (e2 && (e2->errnum == ENOENT || e2->errnum == ENOTDIR))
        return 0;
      urun_err_move (err, &e2);
      return -1;
    }
  if (fstat (fd, &sb) < 0)
    return urun_fail (err, errno, "stat `%s`", path);
  path_fd_name (fd, t);
  if (S_ISDIR (sb.st_mode))
    {
      if (mount ("tmpfs", t, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k,nr_inodes=1") < 0)
        return urun_fail (err, errno, "mask `%s`", path);
    }
  else
    {
      path_fd_name (c->null_fd, null);
      if (mount (null, t, NULL, MS_BIND, NULL) < 0)
        return urun_fail (err, errno, "mask `%s` with /dev/null", path);
      fd2 = path_open_in_root (c->rootfd, path, O_PATH, PATH_NO_CREATE, err);
      if (fd2 < 0)
        return -1;
      path_fd_name (fd2, t);
      /* (a mask is urun's own /dev/null: not nodev, it must open) */
      if (rootfs_remount (t, MS_RDONLY | MS_NOSUID | MS_NOEXEC, false, err) < 0)
        return urun_err_wrap (err, "make the mask of `%s` read-only", path);
    }
  return 0;
}

static int
readonly_path (int rootfd, const char *path, urun_err *err)
{
  cleanup_err urun_err e2 = NULL;
  cleanup_close int fd = path_open_in_root (rootfd, path, O_PATH, PATH_NO_CREATE, &e2);
  cleanup_close int fd2 = -1;
  char t[32];

  if (fd < 0)
    {
      if (e2 && (e2->errnum == ENOENT || e2->errnum == ENOTDIR))
        return 0;
      urun_err_move (err, &e2);
      return -1;
    }
  path_fd_name (fd, t);
  if (mount (t, t, NULL, MS_BIND | MS_REC, NULL) < 0)
    return urun_fail (err, errno, "bind `%s` read-only", path);
  fd2 = path_open_in_root (rootfd, path, O_PATH, PATH_NO_CREATE, err);
  if (fd2 < 0)
    return -1;
  path_fd_name (fd2, t);
  if (rootfs_remount (t, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, err) < 0)
    return urun_err_wrap (err, "make `%s` read-only", path);
  return 0;
}

/* Through the checked procfs handle (procfs.h): the files of the
 * process's own namespaces. */
static int
apply_sysctls (const struct rootfs_ctx *c, urun_err *err)
{
  const struct spec *s = c->spec;
  for (size_t i = 0; i < s->n_sysctls; i++)
    {
      cleanup_free char *p = xasprintf ("sys/%s", s->sysctls[i].key);
      for (char *q = p + 4; *q; q++)
        if (*q == '.')
          *q = '/';
      if (procfs_write (c->procfd, p, s->sysctls[i].value, strlen (s->sysctls[i].value), err) < 0)
        return urun_err_wrap (err, "sysctl `%s`", s->sysctls[i].key);
    }
  return 0;
}

int
rootfs_protect (struct rootfs_ctx *c, urun_err *err)
{
  const struct spec *s = c->spec;

  /* sysctls first: /proc/sys becomes read-only below; the masks before the
   * read-only paths, so that nothing masked is left writable */
  if (apply_sysctls (c, err) < 0)
    return -1;
  for (size_t i = 0; s->masked_paths && s->masked_paths[i]; i++)
    if (mask_path (c, s->masked_paths[i], err) < 0)
      return urun_err_wrap (err, "linux.maskedPaths");
  for (size_t i = 0; s->readonly_paths && s->readonly_paths[i]; i++)
    if (readonly_path (c->rootfd, s->readonly_paths[i], err) < 0)
      return urun_err_wrap (err, "linux.readonlyPaths");
  return 0;
}

int
rootfs_finalize (struct rootfs_ctx *c, urun_err *err)
{
  const struct spec *s = c->spec;

  if (s->rootfs_propagation && !c->no_pivot)
    if (mount (NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
      return urun_fail (err, errno, "linux.rootfsPropagation");
  if (s->root_readonly)
    /* a remount sets every flag anew: nodev (devices.c) stays */
    if (rootfs_remount ("/", MS_RDONLY | (c->nodev ? MS_NODEV : 0), false, err) < 0)
      return urun_err_wrap (err, "make root read-only");
  return 0;
}

/* A process.cwd missing from the image is made (0755, owned by the
 * container's root), as runc and crun do: walked inside the rootfs, so a
 * symlink of the image cannot lead it out; before the root is read-only. */
int
rootfs_make_cwd (struct rootfs_ctx *c, const char *cwd, urun_err *err)
{
  cleanup_close int fd = -1;
  cleanup_err urun_err e = NULL;
  if (cwd == NULL)
    return 0;
  fd = path_open_in_root (c->rootfd, cwd, O_PATH | O_DIRECTORY, PATH_NO_CREATE, &e);
  /* only what is missing is made; anything else (a magic link, a file) is
   * left to the process's own chdir, which says what is wrong */
  if (fd >= 0 || e->errnum != ENOENT)
    return 0;
  fd = path_open_in_root (c->rootfd, cwd, O_PATH | O_DIRECTORY, PATH_CREATE_DIR, err);
  if (fd < 0)
    return urun_err_wrap (err, "process.cwd `%s`", quote (cwd));
  return 0;
}

/* CVE-2025-52565: the pty is bound from its fd, onto a /dev/console that
 * is no symlink and that is not opened (a node of the image would be). */
int
rootfs_bind_console (struct rootfs_ctx *c, int slave_fd, urun_err *err)
{
  cleanup_close int devfd = path_open_in_root (c->rootfd, "/dev", O_PATH | O_DIRECTORY, PATH_CREATE_DIR, err);
  cleanup_close int fd = -1;
  struct stat sb;
  char src[32], dst[32];
  if (devfd < 0)
    return -1;
  fd = openat (devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 && (fstat (fd, &sb) < 0 || !(S_ISREG (sb.st_mode) || S_ISCHR (sb.st_mode))))
    {
      close (steal_fd (&fd));
      if (unlinkat (devfd, "console", 0) < 0)
        return urun_fail (err, errno, "replace /dev/console");
    }
  if (fd < 0)
    {
      int w = openat (devfd, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (w < 0)
        return urun_fail (err, errno, "create /dev/console");
      close (w);
      fd = openat (devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return urun_fail (err, errno, "open /dev/console");
    }
  path_fd_name (slave_fd, src);
  path_fd_name (fd, dst);
  if (mount (src, dst, NULL, MS_BIND, NULL) < 0)
    return urun_fail (err, errno, "bind the pty to /dev/console");
  return 0;
}
