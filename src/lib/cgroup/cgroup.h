/* SPDX-License-Identifier: Apache-2.0 */
/* urun: cgroups, behind one small ops table per manager (cgroup_priv.h).
 * Today: cgroupfs on a cgroup v1 (or hybrid) host, as root: one cgroup per
 * container in each mounted hierarchy, as runc does.  Elsewhere (rootless,
 * a v2 host for now, --cgroup-manager=disabled) the container gets no
 * cgroup of its own, and one warning line names the linux.resources that
 * are then not applied and why.
 *
 * Order (create.c): the cgroup is recorded in the state directory, made
 * and filled with the limits before the container's process exists, and
 * that process is put in it before it runs anything of its own (before
 * the maps are written).  A kill -9 at any step leaves it recorded, so
 * `delete -f` removes it. */
#ifndef URUN_CGROUP_H
#define URUN_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "json.h"
#include "plan.h"
#include "spec.h"

/* --cgroup-manager (crun's spelling; runc's --systemd-cgroup is systemd) */
/* DEFAULT (none given): systemd for an unprivileged caller with a user
 * bus on a cgroup v2 host, cgroupfs for root, none otherwise. */
enum cgroup_manager { CGROUP_MANAGER_DEFAULT, CGROUP_MANAGER_CGROUPFS, CGROUP_MANAGER_SYSTEMD, CGROUP_MANAGER_DISABLED };
/* "cgroupfs", "systemd", "disabled"; -1 for anything else. */
int cgroup_manager_parse (const char *s);

/* CGROUP_V2: one directory, dirs[0] (controllers ""), the container's
 * cgroup on the unified hierarchy, made by cgroupfs or, with unit set,
 * inside the systemd scope `unit` (user_bus: the caller's user manager). */
enum cgroup_kind { CGROUP_NONE, CGROUP_V1, CGROUP_V2 };

struct urun_cgroup_dir
{
  char *controllers; /* "memory", "cpu,cpuacct", ... */
  char *path;        /* the container's directory in that hierarchy */
};

struct urun_cgroup
{
  enum cgroup_kind kind;
  struct urun_cgroup_dir *dirs;
  size_t n;
  char *unit;    /* systemd: the transient scope, stopped by destroy */
  bool user_bus; /* systemd: on the user bus (else the system bus) */
  char *slice;   /* systemd: the slice of the scope (at create only) */
  bool no_devices; /* rootless: no device program (at create only) */
};

/* Which cgroup this container gets: its kind and paths (nothing made
 * yet).  CGROUP_NONE, with one warning line when the config asks for
 * limits, where none is managed.  Errors name the field. */
int cgroup_plan (const struct spec *s, const char *id, const struct plan_host *h, enum cgroup_manager m,
                 struct urun_cgroup *cg, urun_err *err);
/* Before it is recorded: an existing cgroup of it has no process, no
 * sub-cgroup and is not frozen (what is recorded, delete kills and
 * removes); else it is forgotten (CGROUP_NONE) and this fails. */
int cgroup_check_unused (struct urun_cgroup *cg, urun_err *err);
/* Make it and apply linux.resources (and the device rules). */
int cgroup_create (struct urun_cgroup *cg, const struct spec *s, urun_err *err);
/* Put pid in it; pid 0: the caller (single-threaded), the cheap way. */
int cgroup_enter (const struct urun_cgroup *cg, pid_t pid, urun_err *err);
/* An exec'd process (the caller, single-threaded) into the container's
 * cgroup: where the container made cgroups of its own below it and gave
 * them controllers (v2 then takes no process at its top: EBUSY), into its
 * init's, as runc does; rootless, where the caller may not move itself
 * there (the common ancestor is not the user's: a login session's scope),
 * it runs outside, with a warning. */
int cgroup_enter_exec (const struct urun_cgroup *cg, pid_t init, bool rootless, urun_err *err);
/* The container's first process, just cloned and waiting: into its
 * cgroup, made now where the manager makes it around the process
 * (systemd); then the record is written again (what is now known). */
int cgroup_place (struct urun_cgroup *cg, pid_t pid, const struct spec *s, int dirfd, urun_err *err);
/* Whether the container has a cgroup of its own (a manager places it). */
bool cgroup_has (const struct urun_cgroup *cg);
/* A directory fd for clone3's CLONE_INTO_CGROUP, or -1 where the cgroup
 * is not made before the clone (v1, systemd) or there is none. */
int cgroup_clone_fd (const struct urun_cgroup *cg);
/* Kill what is in it (thawed first), wait for it to be empty (bounded),
 * remove it.  Nothing to do for CGROUP_NONE. */
int cgroup_destroy (const struct urun_cgroup *cg, urun_err *err);
/* Freeze or thaw, returning once the kernel says it is done. */
int cgroup_freeze (const struct urun_cgroup *cg, bool frozen, urun_err *err);
bool cgroup_frozen (const struct urun_cgroup *cg);

/* The state directory's record ("cgroup"): written before anything is
 * made; read back by delete, kill, pause, resume, exec and state.  A missing record
 * is CGROUP_NONE. */
int cgroup_save (const struct urun_cgroup *cg, int dirfd, urun_err *err);
int cgroup_load (int dirfd, struct urun_cgroup *cg);
void cgroup_free (struct urun_cgroup *cg);

/* Thaw it if it is frozen or freezing (what kill needs: a frozen process
 * dies only once thawed); nothing to say when it cannot. */
void cgroup_thaw (const struct urun_cgroup *cg);
void cgroup_thaw_at (int dirfd);
/* The same, for the cgroup recorded in a state directory. */
int cgroup_destroy_at (int dirfd, urun_err *err);
int cgroup_freeze_at (int dirfd, bool frozen, urun_err *err);
/* Is the container of this state directory frozen (paused)? */
bool cgroup_frozen_at (int dirfd);

/* procs.c: the processes in it and in every cgroup below it, for either
 * kind (v1: each hierarchy's, once each), sorted; none (n = 0, *pids
 * NULL) for CGROUP_NONE.  The _at forms read the state directory's
 * record; no record is CGROUP_NONE. */
int cgroup_pids (const struct urun_cgroup *cg, pid_t **pids, size_t *n, urun_err *err);
int cgroup_pids_at (int dirfd, pid_t **pids, size_t *n, urun_err *err);
/* Send sig to every process in it and below it (v2 with SIGKILL:
 * cgroup.kill, where the kernel has it).  1: done; 0: no cgroup, or an
 * empty one, so nothing was signalled (the caller finds the processes
 * another way); -1: it failed. */
int cgroup_kill (const struct urun_cgroup *cg, int sig, urun_err *err);
int cgroup_kill_at (int dirfd, int sig, urun_err *err);
/* `urun update`: write linux.resources (only the members present, as
 * create maps them; not the device rules) to the live cgroup, through the
 * manager's update op.  Errors name the field; fails for CGROUP_NONE.
 * check: the config's memory.checkBeforeUpdate, for an update without one. */
int cgroup_update (const struct urun_cgroup *cg, const json_node *resources, bool check, urun_err *err);
/* Why a container of this caller on this host has no cgroup of its own
 * and what would give it one (for messages: one clause, no period). */
const char *cgroup_none_reason (const struct plan_host *h);

/* stats.c, for `urun events`: runc's stats object (cpu, memory, pids,
 * blkio, hugetlb, as in runc's types/events.go) read from the cgroup's
 * files, v1 (a directory per controller) or v2 (one directory), written
 * as one object into w.  A file that is not there leaves its member out. */
void cgroup_stats (const struct urun_cgroup *cg, json_writer *w);
/* The OOM kills so far (v1 memory.oom_control, v2 memory.events:
 * oom_kill); false when the kernel does not count them. */
bool cgroup_oom_kills (const struct urun_cgroup *cg, unsigned long long *n);
/* A non-blocking fd that becomes readable at an OOM in the cgroup (v1:
 * an eventfd on memory.oom_control through cgroup.event_control; v2:
 * inotify on memory.events, which also changes for other events); -1
 * when there is none.  cgroup_oom_drain reads what is pending: true
 * when the cgroup is still there (v1's eventfd fires at its removal). */
int cgroup_oom_watch (const struct urun_cgroup *cg);
bool cgroup_oom_drain (const struct urun_cgroup *cg, int fd);

#endif
