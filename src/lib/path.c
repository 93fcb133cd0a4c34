#include <config.h>
#include "path.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RESOLVE_IN_ROOT
#define RESOLVE_NO_MAGICLINKS 0x02
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
  struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd;
  if (openat2_missing == 1)
    {
      errno = ENOSYS;
      return -1;
    }
  fd = syscall (SYS_openat2, rootfd, path, &how, sizeof how);
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

int
path_open_in_root_walk (int rootfd, const char *path, int flags, enum path_create create, urun_err *err)
{
  int stack[MAX_DEPTH];
  int depth = 0, links = 0, result = -1;
  cleanup_free char *rest = xstrdup (path);
  char *p = rest;

  stack[0] = fcntl (rootfd, F_DUPFD_CLOEXEC, 3);
  if (stack[0] < 0)
    return urun_fail (err, errno, "dup");

  for (;;)
    {
      char *comp, *next;
      int fd;
      struct stat sb;
      bool last;

      while (*p == '/')
        p++;
      if (*p == '\0')
        {
          /* resolved to the current directory itself */
          char self[32];
          path_fd_name (stack[depth], self);
          if ((flags & O_PATH) && !(flags & O_DIRECTORY))
            {
              result = stack[depth];
              stack[depth] = -1;
            }
          else
            {
              result = openat (stack[depth], ".", (flags & ~O_CREAT) | O_CLOEXEC);
              if (result < 0)
                urun_fail (err, errno, "open `%s`", path);
            }
          goto out;
        }
      comp = p;
      next = strchr (p, '/');
      if (next)
        {
          *next = '\0';
          p = next + 1;
        }
      else
        p = comp + strlen (comp);
      last = (next == NULL) || strspn (p, "/") == strlen (p);

      if (strcmp (comp, ".") == 0)
        continue;
      if (strcmp (comp, "..") == 0)
        {
          if (depth > 0)
            close (stack[depth--]);
          continue;
        }
      fd = openat (stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && create != PATH_NO_CREATE)
        {
          int r;
          if (last && create == PATH_CREATE_FILE)
            {
              r = openat (stack[depth], comp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
              if (r >= 0)
                close (r);
            }
          else
            r = mkdirat (stack[depth], comp, 0755);
          if (r < 0 && errno != EEXIST)
            {
              urun_fail (err, errno, "create `%s` in `%s`", comp, path);
              goto out;
            }
          fd = openat (stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
      if (fd < 0)
        {
          urun_fail (err, errno, "open `%s`", path);
          goto out;
        }
      if (fstat (fd, &sb) < 0)
        {
          urun_fail (err, errno, "stat `%s`", path);
          close (fd);
          goto out;
        }
      if (S_ISLNK (sb.st_mode))
        {
          char target[4096];
          ssize_t n = readlinkat (fd, "", target, sizeof target - 1);
          close (fd);
          if (n < 0)
            {
              urun_fail (err, errno, "readlink `%s`", comp);
              goto out;
            }
          target[n] = '\0';
          if (++links > MAX_LINKS)
            {
              urun_fail (err, ELOOP, "resolve `%s`", path);
              goto out;
            }
          /* splice the target in front of what is left; an absolute target
           * restarts at rootfd, never at the host's "/" */
          char *joined = xasprintf ("%s/%s", target, p);
          free (rest);
          rest = joined;
          p = rest;
          if (target[0] == '/')
            while (depth > 0)
              close (stack[depth--]);
          continue;
        }
      if (!last)
        {
          if (!S_ISDIR (sb.st_mode))
            {
              close (fd);
              urun_fail (err, ENOTDIR, "open `%s`", path);
              goto out;
            }
          if (depth + 1 >= MAX_DEPTH)
            {
              close (fd);
              urun_fail (err, ENAMETOOLONG, "open `%s`", path);
              goto out;
            }
          stack[++depth] = fd;
          continue;
        }
      /* the last component, not a symlink */
      if (flags & O_PATH)
        {
          if ((flags & O_DIRECTORY) && !S_ISDIR (sb.st_mode))
            {
              close (fd);
              urun_fail (err, ENOTDIR, "open `%s`", path);
              goto out;
            }
          result = fd;
        }
      else
        {
          char name[32];
          path_fd_name (fd, name);
          /* reopen the object we checked, not the name */
          result = open (name, (flags & ~O_CREAT) | O_CLOEXEC);
          if (result < 0)
            urun_fail (err, errno, "open `%s`", path);
          close (fd);
        }
      goto out;
    }
out:
  for (int i = 0; i <= depth; i++)
    if (stack[i] >= 0)
      close (stack[i]);
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
