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
/* v1_res.c, for both mappings: one more write; a field this version has
 * no file for; an integer field (has: it is there), or an error naming it. */
void cg_add (struct cg_writes *w, const char *ctrl, const char *file, char *value, const char *field);
void cg_not_here (struct cg_writes *w, const char *field);
int cg_int_field (const json_node *o, const char *key, const char *field, bool *has, long long *v, urun_err *err);
int cg_pids (const json_node *pids, struct cg_writes *w, urun_err *err);
int cg_hugepages (const json_node *limits, const char *suffix, struct cg_writes *w, urun_err *err);

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
  /* the container's first process, just cloned, into a cgroup that is
   * made only now (systemd's scope); NULL: enter */
  int (*place) (struct urun_cgroup *cg, pid_t pid, const struct spec *s, urun_err *err);
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

/* tree.c: a cgroup directory, either version */
void cg_sleep_ms (long ms);
int cg_write (const char *dir, const char *file, const char *value, urun_err *err);
char *cg_read (const char *dir, const char *file); /* NULL when unreadable */
int cg_check_unused (const char *path, const char *freeze_file, const char *thawed, urun_err *err);
bool cg_kill_tree (const char *path, int depth); /* true: it was empty */
int cg_rmdir_tree (const char *path, int depth, urun_err *err);
/* mkdir -p of path below the hierarchy's root (its first root_len
 * characters), made calls each level it made; an existing leaf must be
 * unused (freeze_file not frozen). */
int cg_mkdir_p (const char *path, size_t root_len, const char *freeze_file, const char *thawed,
                int (*made) (const char *dir, urun_err *err), urun_err *err);

/* v2_res.c: linux.resources as v2 files, in the order to write them;
 * ctrl is the controller that must be enabled for each.  Errors name
 * the field. */
int cgroup_v2_writes (const json_node *resources, struct cg_writes *w, urun_err *err);
/* For update: what the cgroup has now, for the fields given alone (a
 * swap total needs the memory limit, a quota the period); -1 / 0: none. */
struct cg_v2_now
{
  long long memory_limit; /* memory.max, -1 for max */
  long long cpu_period;   /* the second field of cpu.max */
};
int cgroup_v2_writes_now (const json_node *resources, const struct cg_v2_now *now, struct cg_writes *w,
                          urun_err *err);
int cgroup_v2_swap (long long swap, long long limit, long long *out, urun_err *err);
unsigned long long cgroup_v2_shares_to_weight (unsigned long long shares);
const char *cgroup_v2_unified_ctrl (const char *key);

/* bpfdev.c: v1's device rules (cgroup_v1_device_rules) as a
 * BPF_CGROUP_DEVICE program attached to the cgroup directory (root). */
int cgroup_v2_attach_devices (const char *path, const struct cg_writes *rules, urun_err *err);
struct bpf_insn;
int cgroup_bpfdev_build (const struct cg_writes *rules, struct bpf_insn **insns, size_t *n, urun_err *err);

/* v2.c: the container's cgroup at rel (absolute: from the root; else
 * beside our own cgroup, as crun places it) */
int cgroup_v2_paths (const char *rel, struct urun_cgroup *cg, urun_err *err);
int cgroup_v2_check_unused (const struct urun_cgroup *cg, urun_err *err);
/* enable the controllers down to it, write the limits and device rules */
int cgroup_v2_fill (const struct urun_cgroup *cg, const struct spec *s, const char *top, urun_err *err);
int cgroup_v2_destroy (const struct urun_cgroup *cg, urun_err *err);
int cgroup_v2_update (const struct urun_cgroup *cg, const json_node *resources, urun_err *err);
/* the cgroup of pid (0: ours) on the unified hierarchy, or NULL */
char *cgroup_v2_own (pid_t pid);
extern const struct cgroup_ops cgroup_v2_ops;
extern const struct cgroup_ops cgroup_systemd_ops;
/* systemd.c: the scope's slice and unit for linux.cgroupsPath (runc's
 * slice:prefix:name, or none: urun-ID.scope); is that bus there? */
int cgroup_systemd_names (const char *path, const char *id, bool user, char **slice, char **unit, urun_err *err);
bool cgroup_systemd_bus_reachable (bool user);
/* The directory holding ctrl's files: v1, the hierarchy with that
 * controller; v2, the one directory; NULL when none. */
const char *cg_dir_of (const struct urun_cgroup *cg, const char *ctrl);

#endif
