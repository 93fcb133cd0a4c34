/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "bindsrc.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

void
bindsrc_close_all (int *fds, size_t n)
{
  for (size_t i = 0; fds && i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (fds);
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
      unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
      fds[i] = -1;
      if (!m->bind)
        continue;
      fds[i] = (int) syscall (SYS_open_tree, bfd, m->source, flags);
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
