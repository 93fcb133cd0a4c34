/* SPDX-License-Identifier: Apache-2.0 */
/* urun: writing procfs files safely (CVE-2025-52881 class).  Every write
 * urun makes into procfs (id maps, setgroups, timens_offsets,
 * oom_score_adj, sysctls) goes through a handle on a procfs checked with
 * fstatfs, and each file is opened beneath it with openat2
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV): a symlink or
 * a mount that a container (or a race) put in the way is refused, never
 * followed.  Without openat2 each component is opened with O_NOFOLLOW and
 * the file checked to be on procfs. */
#ifndef URUN_PROCFS_H
#define URUN_PROCFS_H

#include <stddef.h>
#include <sys/types.h>
#include "error.h"

/* Open /proc and check that it is a procfs. */
int procfs_open_root (urun_err *err);
/* Open REL (e.g. "sys/net/ipv4/ip_forward", "1234/uid_map") beneath the
 * procfs handle; "self/..." is this process, resolved by the handle's own
 * pid namespace. */
int procfs_open (int procfd, const char *rel, int flags, urun_err *err);
/* Write data to REL beneath the handle. */
int procfs_write (int procfd, const char *rel, const char *data, size_t len, urun_err *err);

#endif
