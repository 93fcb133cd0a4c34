/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "bindsrc.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

void
bindsrc_close_all (int *fds, size_t n)
{
  for (size_t i = 0; fds && i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (fds);
}

/* Mounts below path (a directory): an rbind would carry them. */
static bool
has_submounts (const char *path)
{
  char real[PATH_MAX], line[4096];
  cleanup_fclose FILE *f = NULL;
  size_t n;
  if (realpath (path, real) == NULL || (f = fopen ("/proc/self/mountinfo", "re")) == NULL)
    return true;
  n = strlen (real);
  while (fgets (line, sizeof line, f))
    {
      /* id parent major:minor root MOUNTPOINT ... (spaces escaped as \040) */
      char *mp = line;
      for (int i = 0; i < 4 && mp; i++)
        mp = strchr (mp, ' ') ? strchr (mp, ' ') + 1 : NULL;
      if (mp == NULL)
        continue;
      mp[strcspn (mp, " ")] = '\0';
      if (strncmp (mp, real, n) == 0 && mp[n] == '/' && (n > 1 || mp[1] != '\0'))
        return true;
      if (n == 1 && strcmp (mp, "/") != 0)
        return true;
    }
  return false;
}

/* The detached copy is made in the caller's user namespace, so the kernel
 * does not lock it as it locks what a less privileged mount namespace
 * inherits: the container could clear the source mount's ro, nosuid,
 * nodev or noexec, and unmount its submounts to see what they cover.  So
 * it is taken only where there is nothing to lock: no such flag, no
 * submount.  Elsewhere the container binds by path (its copy of the mount
 * is locked). */
static bool
nothing_to_lock (const struct spec_mount *m, const char *source)
{
  struct statvfs sv;
  if (statvfs (source, &sv) < 0 || (sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)))
    return false;
  return !(m->flags & MS_REC) || !has_submounts (source);
}

int
bindsrc_open_all (const struct spec *s, const char *bundle, int **out, urun_err *err)
{
  cleanup_close int bfd = -1;
  int *fds;

  (void) err;
  *out = NULL;
  bfd = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (bfd < 0)
    return 0; /* the child says what is wrong with the bundle */
  fds = xmalloc0 ((s->n_mounts + 1) * sizeof *fds);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const struct spec_mount *m = &s->mounts[i];
      cleanup_free char *source = NULL;
      fds[i] = -1;
      if (!m->bind || m->urun_text)
        continue;
      source = m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source);
      if (!nothing_to_lock (m, source))
        continue;
      /* never AT_RECURSIVE: there is no submount to carry */
      fds[i] = (int) syscall (SYS_open_tree, bfd, m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
      if (fds[i] >= 0)
        continue;
      if (errno == EPERM || errno == ENOSYS)
        {
          /* not ours to do (rootless), or an old kernel: bind by path */
          bindsrc_close_all (fds, i);
          return 0;
        }
      urun_debug ("mount `%s`: open_tree `%s`: %s; the container binds it by path", m->destination, m->source,
                  strerror (errno));
    }
  *out = fds;
  return 0;
}

int
bindsrc_attach (int fd, int destfd, urun_err *err)
{
  char name[32];
  if (syscall (SYS_move_mount, fd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return urun_fail (err, errno, "attach the bind source (move_mount)");
  /* a clone of a shared mount joins its peer group: a slave instead (fd
   * is the mount's root now) */
  snprintf (name, sizeof name, "/proc/self/fd/%d", fd);
  if (mount (NULL, name, NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return urun_fail (err, errno, "make the bind mount a slave");
  return 0;
}
