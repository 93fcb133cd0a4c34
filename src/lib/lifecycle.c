/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the lifecycle commands on a container that exists: start, kill,
 * delete, state, list.  What they know of it comes from its state directory;
 * which processes are its comes from procs.c. */
#include <config.h>
#include "container_priv.h"
#include "fault.h"
#include "hooks.h"
#include "log.h"
#include "notify.h"
#include "terminal.h"
#include "unixsock.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
container_open_state (struct urun_context *ctx, const char *id, bool lock, int *rootfd, int *dirfd,
                      struct container_state **st, urun_err *err)
{
  *rootfd = *dirfd = -1;
  if (state_validate_id (id, err) < 0)
    return -1;
  if (state_root_open (ctx->state_root, false, rootfd, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          urun_err_free (err);
          urun_fail (err, 0, "container `%s` does not exist", id);
          (*err)->errnum = ENOENT;
        }
      return -1;
    }
  if (state_dir_open (*rootfd, id, lock, dirfd, err) < 0)
    goto fail;
  if (st && state_read (*dirfd, st, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          bool busy = state_dir_busy (*dirfd);
          urun_err_free (err);
          if (busy)
            urun_fail (err, 0, "container `%s` is still being created", id);
          else
            urun_fail (err, 0, "container `%s` was not created completely (its creator died): `urun delete` removes it", id);
        }
      goto fail;
    }
  return 0;
fail:
  if (*dirfd >= 0)
    close (*dirfd);
  close (*rootfd);
  *rootfd = *dirfd = -1;
  return -1;
}

int
load_config_copy (int dirfd, struct spec **out, urun_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (dirfd, CONFIG_COPY, &text, &len, err) < 0)
    return -1;
  return spec_parse (text, len, out, err);
}

unsigned
container_conds (const struct spec *spec, const struct plan *plan, urun_seccomp_filter filter)
{
  unsigned c = 0;
  bool notify = filter ? seccomp_filter_notifies (filter) : spec->seccomp && seccomp_spec_notifies (spec->seccomp);
  if (plan && plan->fork)
    c |= SYNC_IF_FORK;
  if (spec->n_hooks[HOOK_PRESTART] || spec->n_hooks[HOOK_CREATE_RUNTIME] || spec->n_hooks[HOOK_CREATE_CONTAINER])
    c |= SYNC_IF_HOOKS;
  if (spec->process && spec->process->terminal)
    c |= SYNC_IF_TERMINAL;
  if (notify)
    c |= SYNC_IF_NOTIFY;
  return c;
}

int
forward_pty (int console_sock, int *master, int fd, urun_err *err)
{
  int r;
  if (fd < 0)
    return urun_fail (err, 0, "protocol error: no pty master with the message");
  if (console_sock < 0)
    {
      *master = fd;
      return 0;
    }
  r = terminal_send_fd (console_sock, fd, err);
  close (fd);
  return r < 0 ? urun_err_topic (err, URUN_TOPIC_CONSOLE_SOCKET) : 0;
}

int
forward_notify_fd (int fd, const struct spec *spec, const struct container_state *st, enum container_status status,
                   pid_t pid, urun_err *err)
{
  size_t len;
  cleanup_free char *json = NULL;
  int r;
  if (fd < 0)
    return urun_fail (err, 0, "protocol error: no seccomp fd with the message");
  json = state_to_json (st, status, false, &len);
  r = seccomp_send_to_listener (spec->seccomp, fd, pid, json, err);
  close (fd);
  return r;
}

/* ---- start ------------------------------------------------------------ */

const struct sync_step start_sequence[] = {
  { STEP_EXEC, SYNC_END, 0, NULL },
};
const size_t start_sequence_len = sizeof start_sequence / sizeof *start_sequence;

int
start_finish (int sock, const struct spec *spec, const struct container_state *st, int cancel_fd, urun_err *err)
{
  struct sync_seq q = { start_sequence, start_sequence_len, container_conds (spec, NULL, NULL), 0, -1 };
  if (sync_run (sock, &q, NULL, cancel_fd, err) < 0)
    {
      procs_signal_init (st->pid, st->pid_start_time, SIGKILL, NULL);
      return -1;
    }
  if (spec->n_hooks[HOOK_POSTSTART])
    {
      size_t len;
      cleanup_free char *json = state_to_json (st, STATUS_RUNNING, false, &len);
      hooks_run_all_warn (spec, HOOK_POSTSTART, json);
    }
  fault_point (STEP_POSTSTART, FAULT_AT);
  return 0;
}

/* Connect to the waiting process, then remove the socket, then wake it:
 * whoever dies at any point, the state says what the process is (created
 * while the socket is there; once it is gone the process either got START
 * and runs, or read end-of-file and exited). */
static int
connect_start_socket (int dirfd, const char *id, int *sock, urun_err *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, EXEC_SOCK);
  *sock = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (*sock < 0)
    return urun_fail (err, errno, "socket");
  if (connect (*sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      if (errno == ECONNREFUSED)
        return urun_fail (err, 0, "cannot start container `%s`: its process has exited", id);
      return urun_fail (err, errno, "connect to the start socket of `%s`", id);
    }
  if (unlinkat (dirfd, EXEC_SOCK, 0) < 0)
    return urun_fail (err, errno, "remove the start socket of `%s`", id);
  return 0;
}

int
container_start (struct urun_context *ctx, const char *id, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1, sock = -1, nsock = -1;
  cleanup_state struct container_state *st = NULL;
  cleanup_spec struct spec *spec = NULL;
  cleanup_free char *host = NULL;
  enum container_status status;

  if (container_open_state (ctx, id, true, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  status = state_status (dirfd, st);
  if (status != STATUS_CREATED)
    return urun_fail (err, 0, "cannot start container `%s`: it is %s, not created", id, state_status_name (status));
  if (load_config_copy (dirfd, &spec, err) < 0)
    return -1;
  if (connect_start_socket (dirfd, id, &sock, err) < 0)
    return -1;
  if (notify_bind (dirfd, ctx->notify_socket, &nsock, &host, err) < 0)
    return -1;
  if (sync_send (sock, STEP_START, SYNC_START, st->pid, NULL, -1, err) < 0
      || start_finish (sock, spec, st, -1, err) < 0)
    return -1;
  if (nsock < 0)
    return 0;
  /* runc's start: returns once the program said READY=1 (or ended); the
   * state is not locked meanwhile */
  flock (dirfd, LOCK_UN);
  return notify_forward (nsock, host, st->pid, st->pid_start_time, err);
}

/* ---- delete, kill ------------------------------------------------------- */

/* The network helper of this state directory, if it still runs (it ends
 * with the container's process by itself, at once; this is for the rest:
 * a container whose process outlived a kill -9 of everything else):
 * killed, and waited for (bounded) when WAIT, so that its ports are free. */
static void
stop_helper (int dirfd, const char *file, bool wait)
{
  pid_t pid;
  unsigned long long start;
  int pidfd;
  if (state_read_pid_file (dirfd, file, &pid, &start) < 0 || pid <= 0)
    return;
  /* the pidfd first: it holds the process, whose start time then tells
   * it is the helper and not a process that got its pid since */
  pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return;
  if (proc_start_time (pid) != start)
    {
      close (pidfd);
      return;
    }
  if (syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0 && wait)
    {
      struct pollfd pf = { .fd = pidfd, .events = POLLIN };
      poll (&pf, 1, 2000);
    }
  close (pidfd);
}

/* The forwarder holds the TCP ports; the helper the UDP ones, if any
 * (helper_ports: whether it may, else its exit is not waited for). */
static void
stop_net_helper (int dirfd, bool helper_ports)
{
  stop_helper (dirfd, NET_PID_FILE, helper_ports);
  stop_helper (dirfd, FWD_PID_FILE, true);
}

void
remove_container (const struct spec *spec, struct container_state *st, int rootfd, int dirfd, bool helper_ports)
{
  cleanup_err urun_err err = NULL;
  if (spec && spec->n_hooks[HOOK_POSTSTOP])
    {
      size_t len;
      cleanup_free char *json = state_to_json (st, STATUS_STOPPED, false, &len);
      hooks_run_all_warn (spec, HOOK_POSTSTOP, json);
    }
  fault_point (STEP_DELETE_POSTSTOP, FAULT_AT);
  stop_net_helper (dirfd, helper_ports);
  /* a cgroup that will not go keeps the state: `delete -f` tries again */
  if (cgroup_destroy_at (dirfd, &err) < 0)
    {
      urun_warn ("container `%s`: %s (its state is kept: `urun delete -f %s` tries again)", st->id, err->msg, st->id);
      return;
    }
  if (state_dir_remove (rootfd, st->id, dirfd, &err) < 0)
    urun_warn ("%s", err->msg);
}

/* No readable state.json: a create that died (we hold its lock), or a
 * state we cannot read.  Whatever init.pid names is killed. */
static int
delete_without_state (int rootfd, int dirfd, const char *id, urun_err *err)
{
  pid_t pid;
  unsigned long long start;
  state_read_pid_file (dirfd, INIT_PID_FILE, &pid, &start);
  cgroup_thaw_at (dirfd);
  if (pid > 0)
    {
      struct container_state st = { .id = (char *) id, .pid = pid, .pid_start_time = start };
      if (procs_kill_all (&st, err) < 0)
        return -1;
    }
  fault_point (STEP_DELETE_KILLED, FAULT_AT);
  stop_net_helper (dirfd, true);
  if (cgroup_destroy_at (dirfd, err) < 0)
    return -1;
  return state_dir_remove (rootfd, id, dirfd, err);
}

/* A container being created (its creator holds the lock) is stopped by
 * signalling its creator and the process init.pid names; then the lock is
 * ours (bounded wait). */
static int
stop_creation (int dirfd, const char *id, int creator_sig, int init_sig, urun_err *err)
{
  pid_t pid;
  unsigned long long start;
  state_read_pid_file (dirfd, CREATOR_PID_FILE, &pid, &start);
  if (pid > 0)
    procs_signal_init (pid, start, creator_sig, NULL);
  state_read_pid_file (dirfd, INIT_PID_FILE, &pid, &start);
  if (pid > 0 && init_sig)
    procs_signal_init (pid, start, init_sig, NULL);
  for (int i = 0; i < 1000; i++)
    {
      if (flock (dirfd, LOCK_EX | LOCK_NB) == 0)
        return 0;
      usleep (10000);
    }
  return urun_fail (err, 0, "container `%s`: its creator still holds it after being killed", id);
}

/* Lock the container for a change; one being created is stopped when
 * `stop` (delete -f), refused otherwise. */
static int
lock_for_change (int dirfd, const char *id, bool stop, urun_err *err)
{
  if (flock (dirfd, LOCK_EX | LOCK_NB) == 0)
    return 0;
  if (errno != EWOULDBLOCK)
    return urun_fail (err, errno, "lock container `%s`", id);
  if (!stop)
    {
      urun_fail (err, 0, "container `%s` is being created", id);
      return urun_err_topic (err, URUN_TOPIC_FORCE);
    }
  return stop_creation (dirfd, id, SIGKILL, SIGKILL, err);
}

int
container_pause (struct urun_context *ctx, const char *id, bool pause, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  enum container_status status;

  if (container_open_state (ctx, id, false, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  status = state_status (dirfd, st);
  /* runc's: a created container may be paused too (its init waits) */
  if (pause && status != STATUS_RUNNING && status != STATUS_CREATED)
    return urun_fail (err, 0, "cannot pause container `%s`: it is %s, not running", id, state_status_name (status));
  if (!pause && status != STATUS_PAUSED)
    return urun_fail (err, 0, "cannot resume container `%s`: it is %s, not paused", id, state_status_name (status));
  {
    struct urun_cgroup cg;
    bool none = cgroup_load (dirfd, &cg) == 0 && cg.kind == CGROUP_NONE;
    cgroup_free (&cg);
    if (none)
      return urun_fail (err, 0, "cannot %s container `%s`: it has no cgroup of its own: %s", pause ? "pause" : "resume",
                        id, cgroup_none_reason (&ctx->host));
  }
  if (cgroup_freeze_at (dirfd, pause, err) < 0)
    return urun_err_wrap (err, "cannot %s container `%s`", pause ? "pause" : "resume", id);
  return 0;
}

int
container_delete (struct urun_context *ctx, const char *id, bool force, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  cleanup_spec struct spec *spec = NULL;
  cleanup_err urun_err e2 = NULL;
  enum container_status status;

  if (container_open_state (ctx, id, false, &rootfd, &dirfd, NULL, err) < 0 || lock_for_change (dirfd, id, force, err) < 0)
    {
      /* runc and crun: forcing the delete of what is not there succeeds */
      if (force && (*err)->errnum == ENOENT)
        {
          urun_err_free (err);
          return 0;
        }
      return -1;
    }
  if (state_read (dirfd, &st, &e2) < 0)
    return delete_without_state (rootfd, dirfd, id, err);
  status = state_status (dirfd, st);
  if ((status == STATUS_RUNNING || status == STATUS_PAUSED) && !force)
    {
      urun_fail (err, 0, "cannot delete container `%s` that is %s: stop it first", id, state_status_name (status));
      return urun_err_topic (err, URUN_TOPIC_FORCE);
    }
  /* a frozen process dies only once thawed (remove_container then kills
   * what is left in its cgroup and removes it) */
  cgroup_thaw_at (dirfd);
  if (status != STATUS_STOPPED && procs_kill_all (st, err) < 0)
    return -1;
  fault_point (STEP_DELETE_KILLED, FAULT_AT);
  urun_err_free (&e2);
  if (load_config_copy (dirfd, &spec, &e2) < 0)
    urun_warn ("container `%s`: %s (poststop hooks not run)", id, e2->msg);
  remove_container (spec, st, rootfd, dirfd, true);
  return 0;
}

/* kill --all: with a cgroup, every process in it and below it (what the
 * init left behind too, pid namespace or not); else those procs.c finds
 * in the init's namespaces. */
static int
kill_all (int dirfd, const struct container_state *st, int sig, urun_err *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n;
  int r = cgroup_kill_at (dirfd, sig, err);
  if (r != 0)
    return r < 0 ? urun_err_wrap (err, "container `%s`", st->id) : 0;
  /* the list first, then the signals: init's death (pid namespace)
   * may take the others with it */
  if (procs_of_container (st, &pids, &n, err) < 0)
    return -1;
  if (procs_signal_init (st->pid, st->pid_start_time, sig, err) < 0)
    return -1;
  for (size_t i = 1; i < n; i++)
    kill (pids[i], sig);
  return 0;
}

int
container_kill (struct urun_context *ctx, const char *id, int sig, bool all, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;

  if (container_open_state (ctx, id, false, &rootfd, &dirfd, NULL, err) < 0)
    return -1;
  /* being created: the signal stops the creation (its creator cleans up) */
  if (flock (dirfd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
    return stop_creation (dirfd, id, SIGTERM, sig, err);
  if (state_read (dirfd, &st, err) < 0)
    return urun_err_wrap (err, "container `%s`", id);
  if (state_status (dirfd, st) == STATUS_STOPPED)
    return urun_fail (err, 0, "container `%s` is not running", id);
  if (all ? kill_all (dirfd, st, sig, err) < 0 : procs_signal_init (st->pid, st->pid_start_time, sig, err) < 0)
    return -1;
  /* runc's: SIGKILL to a paused container kills it (frozen, it would
   * die only at resume) */
  if (sig == SIGKILL)
    cgroup_thaw_at (dirfd);
  return 0;
}

/* ---- state, list: readers take no lock --------------------------------- */

int
container_state (struct urun_context *ctx, const char *id, char **json, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  size_t len;
  if (container_open_state (ctx, id, false, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  *json = state_to_json (st, state_status (dirfd, st), true, &len);
  return 0;
}

/* An entry for a directory without a readable state.json. */
static struct container_state *
incomplete_entry (int dirfd, const char *name, uid_t owner, enum container_status *status)
{
  struct container_state *st = xmalloc0 (sizeof *st);
  st->id = xstrdup (name);
  st->bundle = xstrdup ("");
  st->rootfs = xstrdup ("");
  st->created = xstrdup ("");
  st->owner = owner;
  /* being created while its creator holds the lock; else it was abandoned */
  *status = state_dir_busy (dirfd) ? STATUS_CREATING : STATUS_STOPPED;
  return st;
}

int
container_list (struct urun_context *ctx, struct container_entry **out, size_t *n, urun_err *err)
{
  cleanup_close int rootfd = -1;
  DIR *d;
  struct dirent *de;
  size_t cap = 8;

  *out = NULL;
  *n = 0;
  if (state_root_open (ctx->state_root, false, &rootfd, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return -1;
      urun_err_free (err);
      return 0;
    }
  d = fdopendir (dup (rootfd));
  if (d == NULL)
    return urun_fail (err, errno, "read state root");
  *out = xmalloc0 (cap * sizeof **out);
  while ((de = readdir (d)))
    {
      cleanup_close int dirfd = -1;
      cleanup_err urun_err e2 = NULL;
      struct container_entry e = { 0 };
      if (de->d_name[0] == '.')
        continue;
      dirfd = openat (rootfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (dirfd < 0)
        continue;
      if (state_read (dirfd, &e.st, &e2) == 0)
        e.status = state_status (dirfd, e.st);
      else
        e.st = incomplete_entry (dirfd, de->d_name, ctx->host.euid, &e.status);
      if (*n == cap)
        *out = xrealloc (*out, (cap *= 2) * sizeof **out);
      (*out)[(*n)++] = e;
    }
  closedir (d);
  return 0;
}

void
container_list_free (struct container_entry *e, size_t n)
{
  for (size_t i = 0; i < n; i++)
    state_free (e[i].st);
  free (e);
}
