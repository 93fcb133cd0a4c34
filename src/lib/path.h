/* SPDX-License-Identifier: Apache-2.0 */
/* urun: resolving paths inside a root directory without ever leaving it.
 *
 * Security: a container image controls every symlink in its rootfs; a mount
 * destination like /proc -> /etc/.. or a symlink swapped during set-up must
 * never put a mount on a host path (CVE-2021-30465, CVE-2019-19921).  Every
 * path is resolved as if rootfd were "/": ".." and absolute symlinks stop at
 * rootfd.  openat2(RESOLVE_IN_ROOT) does this in the kernel; where it is
 * missing we walk the components one by one with O_NOFOLLOW. */
#ifndef URUN_PATH_H
#define URUN_PATH_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

enum path_create { PATH_NO_CREATE, PATH_CREATE_DIR, PATH_CREATE_FILE };

/* Open `path` inside rootfd with open flags (O_PATH etc.; O_CLOEXEC is added).
 * With `create`, missing directories are made (0755) and the last component
 * is made a directory or an empty file.  Returns the fd or -1. */
int path_open_in_root (int rootfd, const char *path, int flags, enum path_create create, urun_err *err);

/* The same, always by the component walk (exposed so tests cover the fallback). */
int path_open_in_root_walk (int rootfd, const char *path, int flags, enum path_create create, urun_err *err);

/* Lexically clean an absolute path: collapse "//", ".", and ".." (never above "/"). */
char *path_clean (const char *path);

/* "/proc/self/fd/N": a name for an O_PATH fd that mount(2) accepts. */
void path_fd_name (int fd, char buf[static 32]);

#endif
