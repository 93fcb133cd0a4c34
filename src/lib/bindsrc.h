/* SPDX-License-Identifier: Apache-2.0 */
/* urun: bind-mount sources taken with the caller's credentials.
 *
 * The container process mounts inside its user namespace, as the ids that
 * namespace maps: a source under a directory only the caller can traverse
 * (a root-owned 0700 directory, say) is out of its reach.  So, where the
 * caller may (CAP_SYS_ADMIN over its own mount namespace, as root), urun
 * detaches a copy of each source with open_tree(OPEN_TREE_CLONE) before
 * the clone; the child then attaches that copy with move_mount, as crun
 * does.  Where the caller may not (rootless), the child binds by path, as
 * before: it has no credential the caller lacks.  Only for sources whose
 * mount has nothing the kernel would lock (bindsrc.c): elsewhere too the
 * child binds by path. */
#ifndef URUN_BINDSRC_H
#define URUN_BINDSRC_H

#include "error.h"
#include "spec.h"

/* One fd per entry of s->mounts (*out, n_mounts long): a detached copy of
 * each bind source (relative sources against `bundle`), -1 for the others,
 * or *out NULL when the caller cannot open_tree.  A source that cannot be
 * opened is left to the child (-1), which then fails and names it. */
int bindsrc_open_all (const struct spec *s, const char *bundle, int **out, urun_err *err);
void bindsrc_close_all (int *fds, size_t n);

/* Attach the detached tree fd on destfd (an O_PATH fd), as a
 * slave of its source's peers, never a peer: nothing mounted in the
 * container propagates back. */
int bindsrc_attach (int fd, int destfd, urun_err *err);

#endif
