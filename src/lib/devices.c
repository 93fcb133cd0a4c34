/* SPDX-License-Identifier: Apache-2.0 */
/* urun: device nodes in the container's /dev. */
#include <config.h>
#include "log.h"
#include "path.h"
#include "rootfs.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

/* In a user namespace mknod is not allowed: bind the host's node onto an
 * empty file instead (the host path is the device's own path). */
static int
bind_device (int parentfd, const char *base, const struct spec_device *d, urun_err *err)
{
  cleanup_close int fd = -1;
  char t[32];
  struct stat sb;

  if (stat (d->path, &sb) < 0)
    return urun_fail (err, errno, "host device `%s` (needed to bind it rootless)", d->path);
  fd = openat (parentfd, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST)
    fd = openat (parentfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return urun_fail (err, errno, "create `%s`", d->path);
  path_fd_name (fd, t);
  if (mount (d->path, t, NULL, MS_BIND, NULL) < 0)
    return urun_fail (err, errno, "bind host `%s`", d->path);
  return 0;
}

static int
make_device (int parentfd, const char *base, const struct spec_device *d, urun_err *err)
{
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  mode_t mode = (d->has_mode ? d->mode : 0666) & 07777;

  if (mknodat (parentfd, base, type | mode, makedev (d->major, d->minor)) < 0)
    {
      if (errno != EEXIST)
        return -1;
      /* an image's own file at this place: replace it */
      if (unlinkat (parentfd, base, 0) < 0 || mknodat (parentfd, base, type | mode, makedev (d->major, d->minor)) < 0)
        return -1;
    }
  /* mknod honours the umask: set the mode the config asks for */
  if (fchmodat (parentfd, base, mode, 0) < 0)
    return urun_fail (err, errno, "chmod `%s`", d->path);
  if ((d->has_uid || d->has_gid)
      && fchownat (parentfd, base, d->has_uid ? d->uid : (uid_t) -1, d->has_gid ? d->gid : (gid_t) -1, AT_SYMLINK_NOFOLLOW) < 0)
    return urun_fail (err, errno, "chown `%s`", d->path);
  return 0;
}

static int
create_one (struct rootfs_ctx *c, const struct spec_device *d, urun_err *err)
{
  cleanup_free char *clean = path_clean (d->path);
  cleanup_free char *dir = xstrdup (clean);
  cleanup_close int parentfd = -1;
  char *slash = strrchr (dir, '/');
  const char *base = strrchr (clean, '/') + 1;

  if (*base == '\0')
    return urun_fail (err, 0, "invalid device path `%s`", d->path);
  *slash = '\0';
  parentfd = path_open_in_root (c->rootfd, dir[0] ? dir : "/", O_PATH | O_DIRECTORY, PATH_CREATE_DIR, err);
  if (parentfd < 0)
    return -1;
  if (!c->userns)
    {
      if (make_device (parentfd, base, d, err) == 0)
        return 0;
      if (errno != EPERM)
        return urun_fail (err, errno, "mknod `%s`", d->path);
    }
  return bind_device (parentfd, base, d, err);
}

int
devices_create (struct rootfs_ctx *c, bool with_defaults, urun_err *err)
{
  const struct spec *s = c->spec;
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
          if (!overridden && create_one (c, &default_devices[i], err) < 0)
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
    if (create_one (c, &s->devices[i], err) < 0)
      return urun_err_wrap (err, "linux.devices[%zu]", i);
  return 0;
}
