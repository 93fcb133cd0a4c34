/* SPDX-License-Identifier: Apache-2.0 */
/* urun: device nodes in the container.
 *
 * Security (as bubblewrap does it): a container reaches no device its
 * config does not grant, whatever is in its image and whatever it can
 * mknod.  Every filesystem urun mounts for the container is nodev
 * (rootfs.c), so a node in the image or one made inside (CAP_MKNOD) opens
 * nothing.  The nodes urun provides come from a place the container cannot
 * reach: as root they are made in a staging tmpfs mounted over the
 * container's state directory in urun's own mount namespace (gone from the
 * container's view after pivot_root) and bound one by one onto empty files;
 * rootless they are binds of the host's nodes.  Each bind keeps the dev
 * permission of its source.  A config that allows every device
 * (`linux.resources.devices` ending with allow a *:* rwm: privileged
 * containers) gets no nodev. */
#include <config.h>
#include "json.h"
#include "log.h"
#include "path.h"
#include "rootfs.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct spec_device default_devices[] = {
  { .path = (char *) "/dev/null", .type = 'c', .major = 1, .minor = 3, .has_mode = true, .mode = 0666 },
  { .path = (char *) "/dev/zero", .type = 'c', .major = 1, .minor = 5, .has_mode = true, .mode = 0666 },
  { .path = (char *) "/dev/full", .type = 'c', .major = 1, .minor = 7, .has_mode = true, .mode = 0666 },
  { .path = (char *) "/dev/random", .type = 'c', .major = 1, .minor = 8, .has_mode = true, .mode = 0666 },
  { .path = (char *) "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .has_mode = true, .mode = 0666 },
  { .path = (char *) "/dev/tty", .type = 'c', .major = 5, .minor = 0, .has_mode = true, .mode = 0666 },
};

static const struct
{
  const char *target, *link;
} default_links[] = {
  { "/proc/self/fd", "/dev/fd" },     { "/proc/self/fd/0", "/dev/stdin" },
  { "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
  { "pts/ptmx", "/dev/ptmx" },
};

/* One rule of linux.resources.devices: allow a *:* rwm? */
static bool
rule_allows_all (const json_node *r)
{
  const json_node *t = json_get (r, "type"), *a = json_get (r, "access");
  long long v;
  if (!json_bool (json_get (r, "allow")))
    return false;
  if (t && json_string (t) && strcmp (json_string (t), "a") != 0)
    return false;
  if ((json_integer (json_get (r, "major"), &v) && v != -1) || (json_integer (json_get (r, "minor"), &v) && v != -1))
    return false;
  if (a && json_string (a))
    return strchr (json_string (a), 'r') && strchr (json_string (a), 'w') && strchr (json_string (a), 'm');
  return true;
}

bool
devices_allow_all (const struct spec *s)
{
  const json_node *d = json_get (s->resources, "devices");
  bool all = false;
  /* the last rule that concerns every device decides */
  for (size_t i = 0; i < json_len (d); i++)
    {
      const json_node *r = json_at (d, i);
      const json_node *t = json_get (r, "type");
      long long v;
      bool every = (t == NULL || (json_string (t) && strcmp (json_string (t), "a") == 0))
                   && !(json_integer (json_get (r, "major"), &v) && v != -1)
                   && !(json_integer (json_get (r, "minor"), &v) && v != -1);
      if (rule_allows_all (r))
        all = true;
      else if (every || !json_bool (json_get (r, "allow")))
        all = false;
    }
  return all;
}

/* The staging tmpfs (root): over the state directory, in our own mount
 * namespace only, where no container process will ever look. */
int
devices_stage_open (struct rootfs_ctx *c, urun_err *err)
{
  cleanup_close int fd = -1;
  struct stat sb;
  char t[32];
  if (c->userns || c->stage_dir == NULL)
    return 0;
  fd = open (c->stage_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return urun_fail (err, errno, "open the state directory to stage devices");
  path_fd_name (fd, t);
  if (mount ("tmpfs", t, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0700,size=64k,nr_inodes=256") < 0)
    return urun_fail (err, errno, "mount a tmpfs to make device nodes in");
  c->stage_fd = open (c->stage_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (c->stage_fd < 0 || fstat (c->stage_fd, &sb) < 0)
    return urun_fail (err, errno, "open the device staging tmpfs");
  return 0;
}

/* The node of d in the staging tmpfs (root); the fd is O_PATH. */
static int
make_staged (struct rootfs_ctx *c, const struct spec_device *d, urun_err *err)
{
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  mode_t mode = (d->has_mode ? d->mode : 0666) & 07777;
  char name[32];
  snprintf (name, sizeof name, "d%u", c->n_staged++);
  if (mknodat (c->stage_fd, name, type | mode, makedev (d->major, d->minor)) < 0)
    return urun_fail (err, errno, "mknod `%s`", d->path);
  /* mknod honours the umask: set the mode the config asks for */
  if (fchmodat (c->stage_fd, name, mode, 0) < 0)
    return urun_fail (err, errno, "chmod `%s`", d->path);
  if ((d->has_uid || d->has_gid)
      && fchownat (c->stage_fd, name, d->has_uid ? d->uid : (uid_t) -1, d->has_gid ? d->gid : (gid_t) -1,
                   AT_SYMLINK_NOFOLLOW) < 0)
    return urun_fail (err, errno, "chown `%s`", d->path);
  int fd = openat (c->stage_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return urun_fail (err, errno, "open `%s`", d->path);
  return fd;
}

/* The host's node of d (rootless), checked to be what the config says. */
static int
open_host_node (const struct spec_device *d, urun_err *err)
{
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  struct stat sb;
  int fd = open (d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return urun_fail (err, errno, "host device `%s` (needed to bind it rootless)", d->path);
  if (fstat (fd, &sb) < 0 || (sb.st_mode & S_IFMT) != type
      || (type != S_IFIFO && (major (sb.st_rdev) != (unsigned) d->major || minor (sb.st_rdev) != (unsigned) d->minor)))
    {
      close (fd);
      return urun_fail (err, 0, "host device `%s` is not %c %ld:%ld", d->path, d->type, d->major, d->minor);
    }
  return fd;
}

/* An empty regular file at base in parentfd to bind a node onto; whatever
 * the image has there is replaced, never opened (a node of the image must
 * not be opened, a symlink not followed). */
static int
bind_target (int parentfd, const char *base, const char *path, urun_err *err)
{
  /* the usual case, a fresh /dev: one call */
  int fd = openat (parentfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  struct stat sb;
  if (fd >= 0)
    return fd;
  fd = openat (parentfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 && fstat (fd, &sb) == 0 && (S_ISREG (sb.st_mode) || S_ISCHR (sb.st_mode) || S_ISBLK (sb.st_mode)))
    return fd;
  if (fd >= 0)
    {
      close (fd);
      if (unlinkat (parentfd, base, 0) < 0 && errno != ENOENT)
        return urun_fail (err, errno, "replace `%s`", path);
    }
  fd = openat (parentfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return urun_fail (err, errno, "create `%s`", path);
  close (fd);
  fd = openat (parentfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return urun_fail (err, errno, "open `%s`", path);
  return fd;
}

/* devfd: the container's /dev, open already (or -1) */
static int
create_one (struct rootfs_ctx *c, const struct spec_device *d, int devfd, urun_err *err)
{
  cleanup_free char *clean = path_clean (d->path);
  cleanup_free char *dir = xstrdup (clean);
  cleanup_close int own = -1, node = -1, target = -1;
  int parentfd;
  char *slash = strrchr (dir, '/');
  const char *base = strrchr (clean, '/') + 1;
  char src[32], dst[32];

  if (*base == '\0')
    return urun_fail (err, 0, "invalid device path `%s`", d->path);
  *slash = '\0';
  if (devfd >= 0 && strcmp (dir, "/dev") == 0)
    parentfd = devfd;
  else if ((parentfd = own = path_open_in_root (c->rootfd, dir[0] ? dir : "/", O_PATH | O_DIRECTORY, PATH_CREATE_DIR,
                                                err))
           < 0)
    return -1;
  node = c->stage_fd >= 0 ? make_staged (c, d, err) : open_host_node (d, err);
  if (node < 0 && c->stage_fd >= 0 && (*err)->errnum == EPERM)
    {
      /* root without CAP_MKNOD (nested in a container): the host's node */
      urun_err_free (err);
      node = open_host_node (d, err);
    }
  if (node < 0)
    return -1;
  target = bind_target (parentfd, base, d->path, err);
  if (target < 0)
    return -1;
  path_fd_name (node, src);
  path_fd_name (target, dst);
  if (mount (src, dst, NULL, MS_BIND, NULL) < 0)
    return urun_fail (err, errno, "bind device `%s`", d->path);
  return 0;
}

/* The node masks are made of: /dev/null, checked to be the char device
 * 1:3 on the fd that will be bound (never a path in the image). */
static int
open_null (struct rootfs_ctx *c, urun_err *err)
{
  static const struct spec_device null_dev = { .path = (char *) "/dev/null", .type = 'c', .major = 1, .minor = 3,
                                               .has_mode = true, .mode = 0666 };
  struct stat sb;
  c->null_fd = c->stage_fd >= 0 ? make_staged (c, &null_dev, err) : open_host_node (&null_dev, err);
  if (c->null_fd < 0)
    return -1;
  if (fstat (c->null_fd, &sb) < 0 || !S_ISCHR (sb.st_mode) || sb.st_rdev != makedev (1, 3))
    return urun_fail (err, 0, "the node to mask paths with is not /dev/null (1:3)");
  return 0;
}

int
devices_create (struct rootfs_ctx *c, bool with_defaults, urun_err *err)
{
  const struct spec *s = c->spec;
  if (open_null (c, err) < 0)
    return -1;
  if (with_defaults)
    {
      cleanup_close int devfd = path_open_in_root (c->rootfd, "/dev", O_PATH | O_DIRECTORY, PATH_NO_CREATE, err);
      if (devfd < 0)
        return -1;
      for (size_t i = 0; i < sizeof default_devices / sizeof *default_devices; i++)
        {
          bool overridden = false;
          for (size_t j = 0; j < s->n_devices; j++)
            if (strcmp (s->devices[j].path, default_devices[i].path) == 0)
              overridden = true;
          if (!overridden && create_one (c, &default_devices[i], devfd, err) < 0)
            return urun_err_wrap (err, "default device");
        }
      for (size_t i = 0; i < sizeof default_links / sizeof *default_links; i++)
        {
          const char *name = default_links[i].link + 5; /* below /dev/ */
          if (symlinkat (default_links[i].target, devfd, name) < 0 && errno != EEXIST)
            return urun_fail (err, errno, "symlink `%s`", default_links[i].link);
        }
    }
  for (size_t i = 0; i < s->n_devices; i++)
    if (create_one (c, &s->devices[i], -1, err) < 0)
      return urun_err_wrap (err, "linux.devices[%zu]", i);
  return 0;
}
