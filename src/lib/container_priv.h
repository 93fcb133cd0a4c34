/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what the lifecycle files share among themselves (not the CLI). */
#ifndef URUN_CONTAINER_PRIV_H
#define URUN_CONTAINER_PRIV_H

#include <signal.h>
#include "container.h"
#include "cgroup/cgroup.h"
#include "namespaces.h"
#include "seccomp.h"
#include "sync.h"

/* ---- child.c: the container process, from clone to execve ------------ */

/* Everything the child needs, set before the clone. */
struct child_ctx
{
  const struct spec *spec;
  const struct plan *plan;
  const struct container_state *st; /* the state hooks get (the pid comes in messages) */
  const char *bundle, *rootfs, *id;
  const char *state_dir; /* where device nodes are staged (devices.c) */
  int procfd;        /* the host's procfs, from the clone until the wait */
  int sync_fd;       /* the child's end of the socket pair */
  int start_fd;      /* create: the listening start socket; -1 for run */
  pid_t parent;      /* urun, which must be alive */
  bool no_pivot, no_new_keyring;
  int preserve_fds;
  const int *bind_fds; /* bindsrc.h: detached bind sources, per mount (or NULL) */
  const struct urun_cgroup *cg; /* its cgroup, for the /sys/fs/cgroup mount */
  bool cg_self;      /* the child moves itself into cg (host credentials) */
  const struct net_plan *net; /* the tap to make here (else the tap maker's), or NULL */
  struct ns_join join;
  urun_seccomp_filter seccomp;
  unsigned conds;    /* the SYNC_IF_* of this container */
  sigset_t sigmask;  /* the caller's signal mask, restored in the child */
};

void child_main (struct child_ctx *c) __attribute__ ((noreturn));

/* ---- create.c: the phases of create, and the first half of run ----- */

struct created
{
  struct spec *spec;
  struct plan plan;
  char *bundle, *rootfs, *state_dir;
  char *config_text;
  size_t config_len;
  int rootfd, dirfd;
  int sync_fd;
  int start_fd;      /* create: the start socket, until the child has it */
  int console_sock;  /* --console-socket, connected */
  int cancel_fd;     /* signalfd: SIGINT, SIGTERM, SIGHUP, SIGQUIT stop set-up */
  int master;        /* pty master kept for run, -1 otherwise */
  pid_t pid;         /* the container process */
  pid_t direct_child; /* our child (differs from pid after the intermediate fork) */
  struct container_state st;
  bool state_dir_made;
  unsigned conds;    /* SYNC_IF_* */
  struct sync_seq seq; /* the parent protocol (seq.watch_fd: C, until it forks) */
  struct ns_join join;
  urun_seccomp_filter seccomp;
  int *bind_fds;     /* bindsrc.h: until the child has them */
  struct urun_cgroup cg; /* cgroup/cgroup.h: recorded and made before the clone */
  struct net_plan net;   /* net/net.h */
  pid_t net_pid;         /* the network helper, 0 if none */
  int net_ready;         /* its report, until read; -1 */
  json_node *ann_doc;    /* the annotations with --network/-p's, if given */
  pid_t fwd_pid;         /* the TCP port forwarder (net/fwd.c), 0 if none */
  int fwd_ready;         /* its report, until read; -1 */
  struct keeper_opts keeper_opts; /* keeper.h */
  struct keeper_use keeper; /* the keeper the container is made in (pidfd -1: none) */
  bool keeper_mapped;    /* its maps were written there */
  bool maps_sent;        /* and MAPS_DONE sent from there (spawn_in_keeper) */
  bool start_early;      /* run: START goes with MAPS_DONE, or was sent early (create_protocol) */
  bool start_on_net;     /* run: START may go once the network is up (net_up_first) */
  bool tap_outside;      /* the tap made by the tap maker, not the child */
  int net_ns[2];         /* the child's user and network namespaces, once a tap is made (net_ns_open) */
};

/* validate, plan, state directory, spawn, parent protocol, record.  On
 * failure nothing is left (no process, no state directory). */
int create_container (struct urun_context *ctx, const struct create_opts *o, bool run_mode, struct created *c,
                      urun_err *err);
void created_free (struct created *c);
/* Phases 1-3 alone (restore: CRIU makes the process): validate, plan, the
 * state directory; the stop signals are blocked (*mask: the caller's).
 * On failure nothing is left and the mask is back. */
int create_prepare (struct urun_context *ctx, const struct create_opts *o, bool run_mode, struct created *c,
                    sigset_t *mask, urun_err *err);
/* Phase 6: state.json for c->pid, and --pid-file. */
int create_record (const struct create_opts *o, struct created *c, urun_err *err);
/* A container that outlives urun (create, run -d, restore -d) with neither
 * a pid namespace nor a cgroup: one warning line, saying that what its
 * init leaves behind will not be found (run reaps it: run.c). */
void create_warn_leftovers (const struct created *c);
/* Kill what was started and remove the state directory. */
void created_abort (struct created *c);
/* --pid-file: written atomically. */
int write_pid_file (const char *path, pid_t pid, urun_err *err);

/* run.c: the foreground end of run (and restore): wait for the init,
 * forwarding signals (and the terminal), then delete the container.  Its
 * exit code (128+N for signal N), or -1. */
int run_wait (struct created *c, urun_err *err);

/* ---- lifecycle.c ---------------------------------------------------- */

/* Open the state root and the container's directory (locked when `lock`),
 * and read its state when st is not NULL. */
int container_open_state (struct urun_context *ctx, const char *id, bool lock, int *rootfd, int *dirfd,
                          struct container_state **st, urun_err *err);
int load_config_copy (int dirfd, struct spec **out, urun_err *err);
/* poststop hooks, then the state directory goes. */
/* helper_ports: the network helper may hold published UDP ports (true
 * unless known otherwise): its exit is waited for, so that they are free */
void remove_container (const struct spec *spec, struct container_state *st, int rootfd, int dirfd, bool helper_ports);
/* Steps 12-13 on sock after START: the end (the program runs), then
 * poststart hooks.  Kills the container on failure. */
int start_finish (int sock, const struct spec *spec, const struct container_state *st, int cancel_fd, urun_err *err);
/* The SYNC_IF_* that hold for this config and plan. */
unsigned container_conds (const struct spec *spec, const struct plan *plan, urun_seccomp_filter filter);

/* A SYNC_PTY_MASTER: the master goes to the console socket when there is
 * one (and is closed here), else into *master for urun to proxy. */
int forward_pty (int console_sock, int *master, int fd, urun_err *err);

/* A SYNC_SECCOMP_FD: pass fd (closed here) and the state to
 * linux.seccomp.listenerPath. */
int forward_notify_fd (int fd, const struct spec *spec, const struct container_state *st, enum container_status status,
                       pid_t pid, urun_err *err);

/* The parent's side of each sequence of sync.h, as tables (create.c,
 * lifecycle.c, exec.c); exported for the unit tests. */
extern const struct sync_step create_sequence[], start_sequence[], exec_sequence[];
extern const size_t create_sequence_len, start_sequence_len, exec_sequence_len;

/* ---- procs.c: the container's processes ------------------------------ */

/* Every process of the container: those in its pid namespace, or, where it
 * shares ours, those in its mount namespace.  The init is first.  (With a
 * cgroup, kill --all and ps take what is in it instead: cgroup.h.) */
int procs_of_container (const struct container_state *st, pid_t **out, size_t *n, urun_err *err);
/* Signal the container's init, never a recycled pid. */
int procs_signal_init (pid_t pid, unsigned long long start_time, int sig, urun_err *err);
/* Kill and reap every child of ours (the subreaper's orphans too), again
 * until none is left, bounded; false when some were still there.  SPARE
 * (if > 0) is killed but not waited for. */
bool procs_kill_children (pid_t spare);
/* Kill every process of the container and wait (bounded) for the init. */
int procs_kill_all (const struct container_state *st, urun_err *err);

#endif
