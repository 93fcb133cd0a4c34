/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what the cgroup managers share (not the rest of urun). */
#ifndef URUN_CGROUP_PRIV_H
#define URUN_CGROUP_PRIV_H

#include "cgroup.h"
#include "json.h"

/* One file to write: controller, file name, value; field: the config
 * field it comes from (for messages). */
struct cg_write
{
  const char *ctrl;
  char *file, *value;
  const char *field;
};

struct cg_writes
{
  struct cg_write *v;
  size_t n;
  char *not_applied; /* requested fields this cgroup version has no file for */
};

void cg_writes_free (struct cg_writes *w);

/* v1_res.c: linux.resources (but devices) as v1 files, in the order to
 * write them.  Errors name the field. */
int cgroup_v1_writes (const json_node *resources, struct cg_writes *w, urun_err *err);
/* v1's device rules: deny all, the config's rules in order, an allow for
 * each linux.devices node, then runc's default devices. */
int cgroup_v1_device_rules (const struct spec *s, struct cg_writes *w, urun_err *err);

/* One manager (v1.c; v2 and systemd come later). */
struct cgroup_ops
{
  int (*create) (struct urun_cgroup *cg, const struct spec *s, urun_err *err);
  int (*enter) (const struct urun_cgroup *cg, pid_t pid, urun_err *err);
  int (*freeze) (const struct urun_cgroup *cg, bool frozen, urun_err *err);
  bool (*frozen) (const struct urun_cgroup *cg);
  int (*destroy) (const struct urun_cgroup *cg, urun_err *err);
  void (*thaw) (const struct urun_cgroup *cg); /* if frozen or freezing, no error */
  /* update: linux.resources given to `urun update` (only its members),
   * in an order the kernel accepts from the current values; NULL: the
   * manager cannot change limits */
  int (*update) (const struct urun_cgroup *cg, const json_node *resources, urun_err *err);
};
extern const struct cgroup_ops cgroup_v1_ops;

/* The v1 hierarchies of this host (mountinfo) with the caller's own
 * cgroup in each (/proc/self/cgroup); the dirs of a container at rel
 * (absolute: from each hierarchy's root; relative: under our own). */
int cgroup_v1_paths (const char *rel, struct urun_cgroup *cg, urun_err *err);
/* Each of them that exists has no process, no sub-cgroup, is not frozen. */
int cgroup_v1_check_unused (const struct urun_cgroup *cg, urun_err *err);

/* The directory holding ctrl's files: v1, the hierarchy with that
 * controller; v2, the one directory; NULL when none. */
const char *cg_dir_of (const struct urun_cgroup *cg, const char *ctrl);

#endif
