/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the container lifecycle, as the CLI sees it.  create.c (the create
 * phases), run.c, child.c (the container process's own side), lifecycle.c
 * (start, kill, delete, state, list), procs.c (finding and signalling the
 * container's processes) and exec.c implement it. */
#ifndef URUN_CONTAINER_H
#define URUN_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cgroup/cgroup.h"
#include "net/net.h"
#include "error.h"
#include "keeper.h"
#include "plan.h"
#include "spec.h"
#include "state.h"

struct urun_context
{
  const char *state_root; /* resolved state root */
  enum cgroup_manager cgroup_manager;
  const char *notify_socket; /* $NOTIFY_SOCKET of the caller, NULL if none */
  struct plan_host host;  /* the caller, probed once */
  const char *keeper, *keeper_idle; /* --userns-keeper, --userns-keeper-idle (keeper.h) */
};

struct create_opts
{
  const char *id;
  const char *bundle;
  const char *config; /* --config: the config file (default BUNDLE/config.json) */
  const char *pid_file;
  const char *console_socket;
  const char *notify_socket; /* --notify-socket, else $NOTIFY_SOCKET (notify.h) */
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  bool detach; /* run -d */
  struct net_flags net; /* --network, -p (net/net.h) */
};

int container_create (struct urun_context *ctx, const struct create_opts *o, urun_err *err);
int container_start (struct urun_context *ctx, const char *id, urun_err *err);
/* Returns the container's exit code (128+N for signal N), or -1. */
int container_run (struct urun_context *ctx, const struct create_opts *o, urun_err *err);
int container_kill (struct urun_context *ctx, const char *id, int sig, bool all, urun_err *err);
int container_delete (struct urun_context *ctx, const char *id, bool force, urun_err *err);
int container_state (struct urun_context *ctx, const char *id, char **json, urun_err *err);
/* pause (freeze its cgroup) or resume (thaw it). */
int container_pause (struct urun_context *ctx, const char *id, bool pause, urun_err *err);

/* update.c: new limits (a linux.resources object, only the members to
 * change) written to its cgroup live and kept in its config copy. */
int container_update (struct urun_context *ctx, const char *id, const json_node *resources, urun_err *err);

/* events.c: runc's event lines ({"type":"stats"|"oom","id":...}), each
 * given to emit with its newline (emit returns -1 to stop, errno set). */
struct events_opts
{
  const char *id;
  bool stats_only;       /* one stats line, then return */
  long long interval_ms; /* between stats lines, > 0 */
};
typedef int (*events_emit_fn) (const char *line, void *arg);
/* Returns 0 once the container's process has ended. */
int container_events (struct urun_context *ctx, const struct events_opts *o, events_emit_fn emit, void *arg,
                      urun_err *err);

/* checkpoint.c, through CRIU (criu.h has the options). */
struct criu_opts;
int container_checkpoint (struct urun_context *ctx, const char *id, const struct criu_opts *o, urun_err *err);
/* Returns the container's exit code in the foreground, 0 with -d, or -1. */
int container_restore (struct urun_context *ctx, const struct create_opts *o, const struct criu_opts *co,
                       urun_err *err);

struct container_entry
{
  struct container_state *st;
  enum container_status status;
};
int container_list (struct urun_context *ctx, struct container_entry **out, size_t *n, urun_err *err);
void container_list_free (struct container_entry *e, size_t n);

/* Pids of every process of the container (through its pid namespace). */
int container_pids (struct urun_context *ctx, const char *id, pid_t **pids, size_t *n, urun_err *err);

/* exec: the values of the command line, already parsed and checked. */
struct exec_opts
{
  const char *id;
  struct spec_process *process; /* --process FILE, parsed; NULL: the container's with changes */
  char **args;                  /* the command (without --process) */
  char **env;                   /* KEY=value, each */
  const char *cwd;              /* absolute */
  bool has_uid, has_gid;
  uint32_t uid, gid;
  bool has_additional_gids;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  uint64_t caps;                /* added to bounding, effective and permitted */
  bool tty, tty_set;
  bool detach;
  bool no_new_privs;
  const char *apparmor_profile; /* --apparmor */
  const char *process_label;    /* --process-label (SELinux) */
  int preserve_fds;
  const char *pid_file;
  const char *console_socket;
};
/* Returns the process's exit code, or -1. */
int container_exec (struct urun_context *ctx, const struct exec_opts *o, urun_err *err);

#endif
