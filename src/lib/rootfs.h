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

struct urun_cgroup;

struct rootfs_ctx
{
  const struct spec *spec;
  const char *rootfs;    /* absolute host path */
  bool userns;           /* in a user namespace: no mknod, locked mount flags */
  bool no_pivot;
  bool nodev;            /* every mount nodev (devices.c): not for privileged configs */
  const char *stage_dir; /* where device nodes are made (root): the state directory */
  int rootfd;            /* the rootfs directory, opened by rootfs_mount_all */
  int stage_fd;          /* the staging tmpfs, -1 rootless */
  unsigned n_staged;
  int null_fd;           /* /dev/null (1:3), checked: what masks are made of */
  int procfd;            /* a checked procfs (the host's, opened before pivot) */
  char *labelled_data;   /* mount data with linux.mountLabel (rootfs.c) */
  const struct urun_cgroup *cg; /* the container's own cgroup (or NULL) */
  const int *bind_fds;   /* per mount: its bind source detached by urun (bindsrc.h), or -1; may be NULL */
};

/* True when linux.resources.devices allows every device (privileged). */
bool devices_allow_all (const struct spec *s);
/* Mount the staging tmpfs for device nodes (root; nothing rootless). */
int devices_stage_open (struct rootfs_ctx *c, urun_err *err);

/* Propagation of "/", the rootfs bind on itself, every mount, devices. */
int rootfs_mount_all (struct rootfs_ctx *c, urun_err *err);
/* pivot_root (or MS_MOVE + chroot with no_pivot) and chdir("/"). */
int rootfs_pivot (struct rootfs_ctx *c, urun_err *err);
/* Before pivot (while the staged /dev/null can still be bound): sysctls,
 * masked and read-only paths. */
int rootfs_protect (struct rootfs_ctx *c, urun_err *err);
/* Make a missing process.cwd inside the rootfs (never through a symlink out). */
int rootfs_make_cwd (struct rootfs_ctx *c, const char *cwd, urun_err *err);
/* After pivot: rootfsPropagation, read-only root. */
int rootfs_finalize (struct rootfs_ctx *c, urun_err *err);
/* Bind the pty slave (its fd) over /dev/console (after pivot). */
int rootfs_bind_console (struct rootfs_ctx *c, int slave_fd, urun_err *err);

/* devices.c: default devices (null, zero, full, random, urandom, tty), the
 * config's linux.devices, and the /dev symlinks. */
int devices_create (struct rootfs_ctx *c, bool default_devices, urun_err *err);

/* /sys/fs/cgroup is cgroup2 (a unified host). */
bool rootfs_host_is_cgroup2 (void);

/* Make a mount point read-only, with its sub-mounts when `recursive`. */
int rootfs_remount (const char *target, unsigned long flags, bool recursive, urun_err *err);

#endif
