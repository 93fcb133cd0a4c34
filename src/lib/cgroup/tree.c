/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what both cgroupfs managers (v1.c, v2.c) do to a cgroup
 * directory: write a file, check that nobody uses it, kill what is in it
 * and below, remove it. */
#include <config.h>
#include "cgroup_priv.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void
cg_sleep_ms (long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

int
cg_write (const char *dir, const char *file, const char *value, urun_err *err)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write_all (fd, value, strlen (value)) < 0)
    return urun_fail (err, errno, "write `%s` to %s", value, p);
  return 0;
}

char *
cg_read (const char *dir, const char *file)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  cleanup_err urun_err e = NULL;
  char *text = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, p, &text, &len, &e) < 0)
    return NULL;
  return text;
}

static bool
has_subdir (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *de;
  bool sub = false;
  while (d && !sub && (de = readdir (d)))
    sub = de->d_type == DT_DIR && strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0;
  if (d)
    closedir (d);
  return sub;
}

int
cg_mkdir_p (const char *path, size_t root_len, const char *freeze_file, const char *thawed,
            int (*made) (const char *dir, urun_err *err), urun_err *err)
{
  cleanup_free char *p = NULL;
  /* the parent is there, mostly: one mkdir */
  if (mkdir (path, 0755) == 0)
    return made ? made (path, err) : 0;
  if (errno == EEXIST)
    return cg_check_unused (path, freeze_file, thawed, err);
  p = xstrdup (path);
  for (char *s = strchr (p + root_len + 1, '/');; s = strchr (s + 1, '/'))
    {
      if (s)
        *s = '\0';
      if (mkdir (p, 0755) == 0)
        {
          if (made && made (p, err) < 0)
            return -1;
        }
      else if (errno != EEXIST)
        return urun_fail (err, errno, "mkdir %s", p);
      if (s == NULL)
        break;
      *s = '/';
    }
  return 0;
}

/* An existing cgroup is taken only when nothing uses it: no process, no
 * sub-cgroup, not frozen (freeze_file does not start with thawed).  Else
 * the limits would land on others, and delete would kill them and remove
 * it. */
int
cg_check_unused (const char *path, const char *freeze_file, const char *thawed, urun_err *err)
{
  cleanup_free char *procs = cg_read (path, "cgroup.procs"), *fz = cg_read (path, freeze_file);
  if (procs && procs[0])
    return urun_fail (err, 0, "`linux.cgroupsPath`: cgroup %s has processes: a container gets a cgroup of its own", path);
  if (fz && strncmp (fz, thawed, strlen (thawed)) != 0)
    return urun_fail (err, 0, "`linux.cgroupsPath`: cgroup %s is frozen", path);
  if (has_subdir (path))
    return urun_fail (err, 0, "`linux.cgroupsPath`: cgroup %s has sub-cgroups: a container gets a cgroup of its own",
                      path);
  return 0;
}

/* How deep the container's own cgroups are followed: a container may
 * make its own tree (a rw cgroup mount), and whatever is in it must be
 * killed and removed.  Walked by fd (no path grows past PATH_MAX), one fd
 * a level. */
#define TREE_DEPTH 256

static DIR *
open_sub (int dfd, const char *name)
{
  int fd = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (fd >= 0 && d == NULL)
    close (fd);
  return d;
}

static bool
is_sub (const struct dirent *de)
{
  return de->d_type == DT_DIR && strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0;
}

static bool
kill_at (DIR *d, int depth)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  struct dirent *de;
  bool empty = true;
  char *save = NULL;
  size_t len;
  while (depth < TREE_DEPTH && (de = readdir (d)))
    if (is_sub (de))
      {
        DIR *sub = open_sub (dirfd (d), de->d_name);
        if (sub)
          {
            empty = kill_at (sub, depth + 1) && empty;
            closedir (sub);
          }
      }
  if (read_file_at (dirfd (d), "cgroup.procs", &text, &len, &e) < 0)
    return empty;
  for (char *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      kill ((pid_t) atoi (l), SIGKILL);
      empty = false;
    }
  return empty;
}

/* SIGKILL to every process of path and of the cgroups below it (the
 * container may have made some); true when none was left. */
bool
cg_kill_tree (const char *path, int depth)
{
  DIR *d = opendir (path);
  bool empty;
  if (d == NULL)
    return true;
  empty = kill_at (d, depth);
  closedir (d);
  return empty;
}

/* rmdir of each cgroup below d, deepest first; EBUSY (a process still
 * leaving) waited for, bounded. */
static int
rmdir_below (DIR *d, int depth, const char *top, urun_err *err)
{
  struct dirent *de;
  int r = 0;
  while (depth < TREE_DEPTH && (de = readdir (d)))
    if (is_sub (de))
      {
        DIR *sub = open_sub (dirfd (d), de->d_name);
        if (sub)
          {
            if (rmdir_below (sub, depth + 1, top, err) < 0)
              r = -1;
            closedir (sub);
          }
        for (int t = 0; r == 0 && unlinkat (dirfd (d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT; t++)
          {
            if (errno != EBUSY || t == 500)
              r = urun_fail (err, errno, "remove a cgroup below %s", top);
            else
              cg_sleep_ms (2);
          }
      }
  return r;
}

int
cg_rmdir_tree (const char *path, int depth, urun_err *err)
{
  DIR *d = opendir (path);
  int r = 0;
  if (d)
    {
      r = rmdir_below (d, depth, path, err);
      closedir (d);
    }
  for (int t = 0; r == 0 && rmdir (path) < 0 && errno != ENOENT; t++)
    {
      if (errno != EBUSY || t == 500)
        return urun_fail (err, errno, "remove cgroup %s", path);
      cg_sleep_ms (2);
    }
  return r;
}
