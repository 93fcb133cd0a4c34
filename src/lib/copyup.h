/* SPDX-License-Identifier: Apache-2.0 */
/* urun: `tmpcopyup` (runc's and crun's mount option, podman sets it): a
 * tmpfs mounted over a directory of the image starts with a copy of what
 * it covers.
 *
 * Security: the tree copied is the image's.  Every name is opened
 * relative to its directory's fd with O_NOFOLLOW: a symlink is copied as
 * a symlink, never followed, so nothing outside the covered directory is
 * read, and nothing is written outside the new tmpfs. */
#ifndef URUN_COPYUP_H
#define URUN_COPYUP_H

#include <stdbool.h>
#include "error.h"

/* Copy the directory tree at src (an fd of the covered directory, opened
 * before the mount) into dst (the new tmpfs's root): regular files,
 * directories, symlinks, fifos and sockets with their modes, owners and
 * times; device nodes where mknod is allowed (not in a user namespace:
 * skipped there, with a debug line).  Hard links become separate files;
 * extended attributes are not copied.  The root takes src's mode unless
 * keep_mode (the mount gave `mode=`), and its owner.  In a user
 * namespace (userns), an owner it does not map (the overflow id) is not
 * given and set-id bits are dropped.  A covered directory on procfs,
 * sysfs or cgroupfs is refused; a mount point inside is copied empty. */
int copyup_tree (int src, int dst, bool keep_mode, bool userns, urun_err *err);

#endif
