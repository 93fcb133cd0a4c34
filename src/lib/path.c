/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "path.h"
#include "openat2.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>


void
path_fd_name (int fd, char buf[static 32])
{
  snprintf (buf, 32, "/proc/self/fd/%d", fd);
}

char *
path_clean (const char *path)
{
  size_t len = strlen (path);
  char *out = xmalloc0 (len + 2);
  size_t o = 0;
  const char *p = path;

  out[o++] = '/';
  while (*p)
    {
      const char *start;
      size_t cl;
      while (*p == '/')
        p++;
      start = p;
      while (*p && *p != '/')
        p++;
      cl = p - start;
      if (cl == 0 || (cl == 1 && start[0] == '.'))
        continue;
      if (cl == 2 && start[0] == '.' && start[1] == '.')
        {
          /* drop the last component, never above "/" */
          while (o > 1 && out[o - 1] != '/')
            o--;
          if (o > 1)
            o--; /* and the slash before it */
          continue;
        }
      if (o > 1)
        out[o++] = '/';
      memcpy (out + o, start, cl);
      o += cl;
    }
  if (o > 1 && out[o - 1] == '/')
    o--;
  out[o] = '\0';
  return out;
}

static int openat2_missing = -1;

static int
try_openat2 (int rootfd, const char *path, int flags)
{
  int fd;
  if (openat2_missing == 1)
    {
      errno = ENOSYS;
      return -1;
    }
  fd = urun_openat2 (rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (fd < 0 && (errno == ENOSYS || errno == EPERM /* seccomp'd outer runtime */))
    {
      openat2_missing = 1;
      errno = ENOSYS;
    }
  return fd;
}

/* One component walk.  `stack` holds the fds of the directories from rootfd
 * down to the current one, so ".." pops and never goes above rootfd. */
#define MAX_DEPTH 256
#define MAX_LINKS 40

struct walk
{
  int stack[MAX_DEPTH]; /* stack[0] is a dup of rootfd, stack[depth] the current directory */
  int depth;
  int links;            /* symlinks followed so far, at most MAX_LINKS */
  char *rest;           /* owned: what is left to resolve, rewritten by each symlink */
  char *p;              /* the next component, inside rest */
  const char *path;     /* as the caller gave it, for messages */
  int flags;
  enum path_create create;
};

/* ".." (and an absolute symlink, repeatedly): never above stack[0]. */
static void
walk_up (struct walk *w)
{
  if (w->depth > 0)
    close (w->stack[w->depth--]);
}

/* Cut the next component out of w->p (which starts at it, no leading '/')
 * and advance past it; *last says nothing but slashes follows it. */
static char *
walk_cut_component (struct walk *w, bool *last)
{
  char *comp = w->p;
  char *next = strchr (comp, '/');
  if (next)
    {
      *next = '\0';
      w->p = next + 1;
    }
  else
    w->p = comp + strlen (comp);
  *last = (next == NULL) || strspn (w->p, "/") == strlen (w->p);
  return comp;
}

/* The path resolved to the current directory itself. */
static int
walk_finish_at_dir (struct walk *w, urun_err *err)
{
  int fd;
  if ((w->flags & O_PATH) && !(w->flags & O_DIRECTORY))
    {
      fd = w->stack[w->depth];
      w->stack[w->depth] = -1;
      return fd;
    }
  fd = openat (w->stack[w->depth], ".", (w->flags & ~O_CREAT) | O_CLOEXEC);
  if (fd < 0)
    urun_fail (err, errno, "open `%s`", w->path);
  return fd;
}

/* Make the missing `comp` in the current directory: an empty file when it is
 * the last component and a file is asked for, else a directory.  EEXIST
 * (made meanwhile) is fine: the caller opens it again without following. */
static int
walk_create_missing (struct walk *w, const char *comp, bool last, urun_err *err)
{
  int r;
  if (last && w->create == PATH_CREATE_FILE)
    {
      r = openat (w->stack[w->depth], comp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (r >= 0)
        close (r);
    }
  else
    r = mkdirat (w->stack[w->depth], comp, 0755);
  if (r < 0 && errno != EEXIST)
    return urun_fail (err, errno, "create `%s` in `%s`", comp, w->path);
  return 0;
}

/* An O_PATH fd for `comp` itself (a symlink is not followed), made first if
 * it is missing and creating was asked for. */
static int
walk_open_component (struct walk *w, const char *comp, bool last, urun_err *err)
{
  int fd = openat (w->stack[w->depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && w->create != PATH_NO_CREATE)
    {
      if (walk_create_missing (w, comp, last, err) < 0)
        return -1;
      fd = openat (w->stack[w->depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
  if (fd < 0)
    return urun_fail (err, errno, "open `%s`", w->path);
  return fd;
}

/* `comp` (open as linkfd, which this closes) is a symlink: splice its target
 * in front of what is left.  An absolute target restarts at rootfd, never at
 * the host's "/"; more than MAX_LINKS links is ELOOP. */
static int
walk_splice_link (struct walk *w, int linkfd, const char *comp, urun_err *err)
{
  char target[4096];
  char *joined;
  ssize_t n = readlinkat (linkfd, "", target, sizeof target - 1);
  close (linkfd);
  if (n < 0)
    return urun_fail (err, errno, "readlink `%s`", comp);
  target[n] = '\0';
  if (++w->links > MAX_LINKS)
    return urun_fail (err, ELOOP, "resolve `%s`", w->path);
  /* comp points into rest: done with it */
  joined = xasprintf ("%s/%s", target, w->p);
  free (w->rest);
  w->rest = joined;
  w->p = w->rest;
  if (target[0] == '/')
    while (w->depth > 0)
      walk_up (w);
  return 0;
}

/* A component before the last: it must be a directory, pushed on the stack
 * (which takes fd, or closes it on failure). */
static int
walk_descend (struct walk *w, int fd, const struct stat *sb, urun_err *err)
{
  int e = 0;
  if (!S_ISDIR (sb->st_mode))
    e = ENOTDIR;
  else if (w->depth + 1 >= MAX_DEPTH)
    e = ENAMETOOLONG;
  if (e)
    {
      close (fd);
      return urun_fail (err, e, "open `%s`", w->path);
    }
  w->stack[++w->depth] = fd;
  return 0;
}

/* The last component, not a symlink, open as fd (which this takes): the
 * result itself for O_PATH, else the object we checked reopened through
 * /proc/self/fd, never the name again. */
static int
walk_finish_last (struct walk *w, int fd, const struct stat *sb, urun_err *err)
{
  char name[32];
  int result;
  if (w->flags & O_PATH)
    {
      if ((w->flags & O_DIRECTORY) && !S_ISDIR (sb->st_mode))
        {
          close (fd);
          return urun_fail (err, ENOTDIR, "open `%s`", w->path);
        }
      return fd;
    }
  path_fd_name (fd, name);
  result = open (name, (w->flags & ~O_CREAT) | O_CLOEXEC);
  if (result < 0)
    urun_fail (err, errno, "open `%s`", w->path);
  close (fd);
  return result;
}

/* One step of the walk: the next component.  Returns true when the walk is
 * over, with *result the fd or -1 (err set); false to go on. */
static bool
walk_step (struct walk *w, int *result, urun_err *err)
{
  struct stat sb;
  char *comp;
  bool last;
  int fd;

  while (*w->p == '/')
    w->p++;
  if (*w->p == '\0')
    {
      *result = walk_finish_at_dir (w, err);
      return true;
    }
  comp = walk_cut_component (w, &last);
  if (strcmp (comp, ".") == 0)
    return false;
  if (strcmp (comp, "..") == 0)
    {
      walk_up (w);
      return false;
    }
  *result = -1;
  fd = walk_open_component (w, comp, last, err);
  if (fd < 0)
    return true;
  if (fstat (fd, &sb) < 0)
    {
      urun_fail (err, errno, "stat `%s`", w->path);
      close (fd);
      return true;
    }
  if (S_ISLNK (sb.st_mode))
    return walk_splice_link (w, fd, comp, err) < 0;
  if (!last)
    return walk_descend (w, fd, &sb, err) < 0;
  *result = walk_finish_last (w, fd, &sb, err);
  return true;
}

int
path_open_in_root_walk (int rootfd, const char *path, int flags, enum path_create create, urun_err *err)
{
  struct walk w = { .path = path, .flags = flags, .create = create };
  int result = -1;

  w.stack[0] = fcntl (rootfd, F_DUPFD_CLOEXEC, 3);
  if (w.stack[0] < 0)
    return urun_fail (err, errno, "dup");
  w.rest = xstrdup (path);
  w.p = w.rest;
  while (!walk_step (&w, &result, err))
    ;
  for (int i = 0; i <= w.depth; i++)
    if (w.stack[i] >= 0)
      close (w.stack[i]);
  free (w.rest);
  return result;
}

int
path_open_in_root (int rootfd, const char *path, int flags, enum path_create create, urun_err *err)
{
  int fd = try_openat2 (rootfd, path, flags & ~O_CREAT);
  if (fd >= 0)
    return fd;
  if (errno == ENOSYS || (errno == ENOENT && create != PATH_NO_CREATE) || errno == EXDEV || errno == EAGAIN)
    return path_open_in_root_walk (rootfd, path, flags, create, err);
  return urun_fail (err, errno, "open `%s`", path);
}
