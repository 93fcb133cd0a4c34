/* SPDX-License-Identifier: Apache-2.0 */
/* urun: checkpoint and restore through CRIU's command line (Debian's
 * `criu`), with runc's options.
 *
 * CRIU restores what it dumped: the process tree, its namespaces and its
 * mount tree.  What it cannot find in the container's own mounts is
 * named to it as an external mount, on both sides, keyed by the path in
 * the container: the config's bind mounts (their sources), the device
 * nodes urun binds (the host's nodes at the same path), masked files (the
 * host's /dev/null) and the notify directory.  Root only: CRIU needs real
 * root (rootless containers and user namespaces are refused), and a
 * container with a terminal or one that joins namespaces is refused too. */
#ifndef URUN_CRIU_H
#define URUN_CRIU_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "plan.h"
#include "spec.h"

struct criu_opts
{
  const char *image_path; /* default ./checkpoint */
  const char *work_path;  /* default: the image path */
  bool leave_running, tcp_established, file_locks, ext_unix_sk, shell_job;
};

/* One external mount: the path in the container, and where it comes from
 * on the host (restore). */
struct criu_ext
{
  char *key, *host;
};

/* Can CRIU work for this caller and config?  One line for each reason it
 * cannot (`what`: "checkpoint" or "restore"): rootless, a user namespace,
 * a terminal, joined namespaces, no criu, `criu check` failing. */
int criu_usable (const struct plan_host *h, const struct spec *s, const char *what, urun_err *err);

/* The external mounts of a container of this config (pid: its init at a
 * dump, 0 at a restore; bundle: for relative sources; state_dir: its
 * notify directory).  Errors name the field or the path. */
int criu_externals (const struct spec *s, pid_t pid, const char *bundle, const char *state_dir, struct criu_ext **out,
                    size_t *n, urun_err *err);
void criu_externals_free (struct criu_ext *e, size_t n);

/* The image and work directories of o, made (0700) when missing; allocated. */
int criu_dirs (const struct criu_opts *o, char **image, char **work, urun_err *err);

/* criu dump of the tree at pid.  Without leave_running CRIU kills it. */
int criu_dump (pid_t pid, const struct spec *s, const char *bundle, const char *state_dir, const struct criu_opts *o,
               urun_err *err);

/* criu restore into rootfs, detached; *pid: the restored init (a child of
 * ours when we are a subreaper).  CRIU runs in a mount namespace of its
 * own, where the rootfs is bound on itself (CRIU's --root must be a mount
 * point): nothing is left mounted in ours.  CRIU runs in the container's
 * cgroup (cg), so what it restores is born there. */
struct urun_cgroup;
int criu_restore (const struct spec *s, const struct urun_cgroup *cg, const char *bundle, const char *rootfs,
                  const char *state_dir, const struct criu_opts *o, pid_t *pid, urun_err *err);

#endif
