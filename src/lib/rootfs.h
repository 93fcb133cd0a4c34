/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the container's root filesystem: mounts in config order, devices,
 * pivot_root, masked and read-only paths.  Runs in the container process, in
 * its mount namespace.  Every destination is resolved inside the rootfs
 * (path.h): a container-controlled symlink never leads a mount out of it. */
#ifndef URUN_ROOTFS_H
#define URUN_ROOTFS_H

#include <stdbool.h>
#include "error.h"
#include "spec.h"

struct rootfs_ctx
{
  const struct spec *spec;
  const char *rootfs; /* absolute host path */
  bool userns;        /* in a user namespace: no mknod, locked mount flags */
  bool no_pivot;
  int rootfd;         /* the rootfs directory, opened by rootfs_mount_all */
};

/* Propagation of "/", the rootfs bind on itself, every mount, devices. */
int rootfs_mount_all (struct rootfs_ctx *c, urun_err *err);
/* pivot_root (or MS_MOVE + chroot with no_pivot) and chdir("/"). */
int rootfs_pivot (struct rootfs_ctx *c, urun_err *err);
/* After pivot: sysctls, masked and read-only paths, rootfsPropagation,
 * read-only root. */
int rootfs_finalize (struct rootfs_ctx *c, urun_err *err);
/* Bind the pty slave over /dev/console (after pivot). */
int rootfs_bind_console (const char *slave, urun_err *err);

/* devices.c: default devices (null, zero, full, random, urandom, tty), the
 * config's linux.devices, and the /dev symlinks. */
int devices_create (struct rootfs_ctx *c, bool default_devices, urun_err *err);

/* Make a mount point read-only, with its sub-mounts when `recursive`. */
int rootfs_remount (const char *target, unsigned long flags, bool recursive, urun_err *err);

#endif
