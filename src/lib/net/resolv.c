/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the container's /etc/resolv.conf with user-mode networking: a file
 * on a tmpfs of its own (4 KiB, a few inodes), made by the child with the
 * new mount API and never attached anywhere but over the container's
 * /etc/resolv.conf.  Not a file of urun's state directory: a container
 * with CAP_SYS_ADMIN in its namespaces may remount its mounts read-write,
 * and would then write into the state directory (a tmpfs of the user's
 * session, or /run). */
#include <config.h>
#include "net.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Kernels before 6.x refuse open_tree of a detached mount (EINVAL, seen
 * on Debian 12's 6.1): the tmpfs is attached for a moment at a staging
 * directory of the state directory (in our own mount namespace only),
 * the file taken from there, and the staging mount and directory go. */
static int
tree_via_stage (int mnt, const char *stage_dir, urun_err *err)
{
  cleanup_free char *stage = xasprintf ("%s/.resolv", stage_dir), *file = xasprintf ("%s/.resolv/resolv.conf", stage_dir);
  int tree;
  if (mkdir (stage, 0700) < 0 && errno != EEXIST)
    return urun_fail (err, errno, "network: /etc/resolv.conf: a staging directory");
  if (syscall (SYS_move_mount, mnt, "", AT_FDCWD, stage, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    {
      int e = errno;
      rmdir (stage);
      return urun_fail (err, e, "network: /etc/resolv.conf: attach its tmpfs");
    }
  tree = (int) syscall (SYS_open_tree, AT_FDCWD, file, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    urun_fail (err, errno, "network: /etc/resolv.conf: take the file (open_tree)");
  umount2 (stage, MNT_DETACH);
  rmdir (stage);
  return tree;
}

int
net_resolv_tree (const char *text, const char *stage_dir, urun_err *err)
{
  cleanup_close int fs = (int) syscall (SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), mnt = -1, f = -1;
  int tree;
  if (fs < 0)
    return urun_fail (err, errno, "network: /etc/resolv.conf: a tmpfs for it (fsopen)");
  if (syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0
      || syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_inodes", "8", 0) < 0
      || syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0
      || syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return urun_fail (err, errno, "network: /etc/resolv.conf: make its tmpfs");
  mnt = (int) syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (mnt < 0)
    return urun_fail (err, errno, "network: /etc/resolv.conf: mount its tmpfs");
  f = openat (mnt, "resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (f < 0 || write_all (f, text, strlen (text)) < 0)
    return urun_fail (err, errno, "network: /etc/resolv.conf: write it");
  tree = (int) syscall (SYS_open_tree, mnt, "resolv.conf", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0 && errno == EINVAL && stage_dir)
    return tree_via_stage (mnt, stage_dir, err);
  if (tree < 0)
    return urun_fail (err, errno, "network: /etc/resolv.conf: take the file (open_tree)");
  return tree;
}
