/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the plan.  Before any side effect, one pure function turns the
 * parsed config and the facts about the caller into what will be done:
 * which namespaces are created by clone, which are joined and in what order,
 * which are unshared after joining a user namespace, whether the container's
 * process is a grandchild (an intermediate fork into a pid or time
 * namespace), how the id maps are written, whether urun's own process must
 * be hidden from the container, and which namespaces `exec` joins.  create,
 * run and exec act on the plan; nothing re-derives these facts from the
 * config.  The facts come from plan_host_probe (or a unit test). */
#ifndef URUN_PLAN_H
#define URUN_PLAN_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

/* What urun knows of its caller and host. */
struct plan_host
{
  uid_t euid;
  gid_t egid;
  bool in_userns;              /* not in the host's initial user namespace */
  bool can_write_exe;          /* the caller may write the urun binary */
  const char *xdg_runtime_dir; /* $XDG_RUNTIME_DIR, NULL if unset or empty */
  const char *user;            /* $USER, NULL if unset */
};

/* Fill h from the running process (a few reads of /proc). */
void plan_host_probe (struct plan_host *h);

/* Rootless is decided as runc does: an unprivileged caller, or root in a
 * user namespace other than the host's (podman runs its runtime so). */
bool plan_is_rootless (const struct plan_host *h);

/* An unprivileged caller whose config has no user namespace gets one of
 * urun's making, with its own rootless maps (crun does the same): without
 * one it could create no namespace at all. */
bool plan_adds_userns (const struct spec *s, const struct plan_host *h);

/* The state root: opt_root (made absolute against cwd) if given; else
 * $XDG_RUNTIME_DIR/urun when rootless and XDG_RUNTIME_DIR is set (for root
 * in a user namespace only when $USER is not root, runc's rule); else
 * /run/urun for root.  *out is allocated. */
int plan_state_root (const struct plan_host *h, const char *opt_root, const char *cwd, char **out, urun_err *err);

enum plan_idmap
{
  PLAN_MAP_NONE,   /* no new user namespace */
  PLAN_MAP_DIRECT, /* written by urun: root may write any map */
  PLAN_MAP_OWN,    /* written by urun: only the caller's own id (gid: after setgroups deny) */
  PLAN_MAP_HELPER, /* newuidmap / newgidmap */
};

struct plan
{
  bool rootless;
  int clone_flags;    /* CLONE_NEW* made by clone3 */
  int unshare_flags;  /* CLONE_NEW* made by unshare in the child (after joining a
                       * user namespace, so that it owns them; a time namespace
                       * with offsets) */
  size_t join[SPEC_MAX_NAMESPACES]; /* indexes into spec->namespaces, in joining order */
  size_t n_join;
  bool joins_userns;
  bool fork;          /* the child forks: its child is the container's process */
  bool new_userns;    /* a user namespace made by clone */
  bool in_userns;     /* the container is in a user namespace not the host's own:
                       * no mknod, mount flags locked */
  enum plan_idmap uid_map, gid_map;
  bool protect_exe;   /* make urun's waiting process non-dumpable */
  bool nodev;         /* every mount nodev: the config does not allow every device */
  int exec_flags;     /* namespaces `exec` joins: those not the caller's own */
};

/* same_as_caller[i]: spec->namespaces[i] has a path naming the caller's own
 * namespace (for exec; NULL for create).  Errors name the config field. */
int plan_build (const struct spec *s, const struct plan_host *h, const bool *same_as_caller, struct plan *p,
                urun_err *err);

/* For exec: which joined namespaces of the config are the caller's own. */
int plan_probe_joined (const struct spec *s, bool same_as_caller[SPEC_MAX_NAMESPACES], urun_err *err);

#endif
