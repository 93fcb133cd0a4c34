/* SPDX-License-Identifier: Apache-2.0 */
/* urun: `exec`: a new process in a running container (steps 21-26 of
 * sync.h).
 *
 * urun forks an intermediate (M) that joins every namespace of the
 * container the caller does not share (the user namespace first, through
 * one setns on a pidfd), then forks the process (X), which lands in the
 * container's pid namespace.  urun is a child subreaper, so X becomes its
 * child when M exits and its exit status comes back to us. */
#include <config.h>
#include "container_priv.h"
#include "pidfd.h"
#include "cgroup/cgroup.h"
#include "fault.h"
#include "log.h"
#include "process.h"
#include "procfs.h"
#include "signals.h"
#include "terminal.h"
#include "unixsock.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char **
strv_copy (char *const *v)
{
  size_t n = strv_len (v);
  char **r = xmalloc0 ((n + 1) * sizeof *r);
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

static void *
memdup (const void *p, size_t n)
{
  void *r = xmalloc0 (n ? n : 1);
  if (n)
    memcpy (r, p, n);
  return r;
}

/* The container's process with the command and nothing of its terminal. */
static struct spec_process *
process_from_container (const struct exec_opts *o, const struct spec_process *base)
{
  struct spec_process *p = xmalloc0 (sizeof *p);
  p->args = strv_copy (o->args);
  p->env = strv_copy (base ? base->env : NULL);
  p->cwd = xstrdup (base && base->cwd ? base->cwd : "/");
  if (base == NULL)
    return p;
  p->user = base->user;
  p->user.additional_gids = memdup (base->user.additional_gids, base->user.n_additional_gids * sizeof (uint32_t));
  p->has_caps = base->has_caps;
  memcpy (p->caps, base->caps, sizeof p->caps);
  p->no_new_privileges = base->no_new_privileges;
  p->rlimits = memdup (base->rlimits, base->n_rlimits * sizeof *p->rlimits);
  p->n_rlimits = base->n_rlimits;
  procattr_copy (&p->attr, &base->attr);
  return p;
}

/* The process to run: --process, or the container's with the command
 * line's changes applied. */
static struct spec_process *
build_process (const struct exec_opts *o, const struct spec *spec)
{
  struct spec_process *p;
  if (o->process)
    {
      p = o->process;
      if (p->cwd == NULL)
        p->cwd = xstrdup ("/");
    }
  else
    p = process_from_container (o, spec->process);
  for (size_t i = 0; o->env && o->env[i]; i++)
    env_set (&p->env, o->env[i]);
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  if (o->has_uid)
    p->user.uid = o->uid;
  if (o->has_gid)
    p->user.gid = o->gid;
  if (o->has_additional_gids)
    {
      free (p->user.additional_gids);
      p->user.additional_gids = memdup (o->additional_gids, o->n_additional_gids * sizeof (uint32_t));
      p->user.n_additional_gids = o->n_additional_gids;
    }
  if (o->caps)
    {
      p->has_caps = true;
      p->caps[CAPS_BOUNDING] |= o->caps;
      p->caps[CAPS_EFFECTIVE] |= o->caps;
      p->caps[CAPS_PERMITTED] |= o->caps;
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor_profile)
    {
      free (p->attr.apparmor_profile);
      p->attr.apparmor_profile = o->apparmor_profile[0] ? xstrdup (o->apparmor_profile) : NULL;
    }
  if (o->process_label)
    {
      free (p->attr.selinux_label);
      p->attr.selinux_label = o->process_label[0] ? xstrdup (o->process_label) : NULL;
    }
  if (o->tty_set)
    p->terminal = o->tty;
  return p;
}

/* X: set up and exec, or report why not (steps 23, 24, 26). */
static void __attribute__ ((noreturn))
exec_child (int sock, const struct spec_process *p, const struct procattr *lx, int preserve_fds,
            urun_seccomp_filter filter)
{
  cleanup_err urun_err err = NULL;
  struct process_plan plan = { .seccomp = filter };
  cleanup_close int procfd = -1;

  if (p->terminal)
    {
      int master = terminal_open_in_container (p->console_height, p->console_width, &err);
      if (master < 0 || sync_send (sock, STEP_EXEC_PTY, SYNC_PTY_MASTER, 0, NULL, master, &err) < 0)
        goto fail;
      close (master);
    }
  else if (setsid () < 0 && errno != EPERM)
    {
      urun_fail (&err, errno, "setsid");
      goto fail;
    }
  /* a checked /proc of the container for the LSM label */
  if ((p->attr.apparmor_profile || p->attr.selinux_label) && (procfd = procfs_open_root (&err)) < 0)
    goto fail;
  if (procattr_apply (&p->attr, lx, procfd, &err) < 0)
    goto fail;
  if (procfd >= 0)
    close (steal_fd (&procfd));
  if (process_prepare (&plan, p, preserve_fds, &err) < 0 || process_finalize (&plan, 0, &err) < 0)
    goto fail;
  if (plan.seccomp_notify_fd >= 0
      && sync_send (sock, STEP_EXEC_SECCOMP, SYNC_SECCOMP_FD, 0, NULL, plan.seccomp_notify_fd, &err) < 0)
    goto fail;
  process_execve (&plan, &err);
fail:
  sync_send_error (sock, err);
  _exit (127);
}

struct exec_run
{
  const struct exec_opts *o;
  const struct spec *spec;
  const struct container_state *st;
  const struct spec_process *p;
  urun_seccomp_filter filter;
  int exec_flags;
  int pidfd, console_sock, sock, master;
  pid_t mid, pid;
  struct sync_seq seq; /* seq.watch_fd: M, until it says X's pid */
  struct urun_cgroup cg; /* the container's: M enters it, X is born in it */
};

/* M: join the container, fork X, say its pid (step 22). */
static void __attribute__ ((noreturn))
exec_intermediate (struct exec_run *x, int child_sock)
{
  cleanup_err urun_err e = NULL;
  pid_t child;
  close (x->sock);
  if (x->console_sock >= 0)
    close (x->console_sock);
  sync_forward_logs (child_sock);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* CVE-2019-5736: a non-dumpable process's /proc/PID/exe cannot be
   * opened by the container's processes, whatever their capabilities in
   * the container's user namespace */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (cgroup_enter_exec (&x->cg, x->st->pid, x->st->rootless, &e) < 0)
    {
      sync_send_error (child_sock, e);
      _exit (1);
    }
  if (ns_join_process (x->st->pid, x->pidfd, x->exec_flags, &e) < 0)
    {
      if (e->errnum == EACCES || e->errnum == EPERM)
        urun_err_wrap (&e, "the container's process is protected until `urun start` "
                           "(it is still urun, whose binary you can write)");
      sync_send_error (child_sock, e);
      _exit (1);
    }
  child = fork ();
  if (child < 0)
    {
      urun_fail (&e, errno, "fork into the container");
      sync_send_error (child_sock, e);
      _exit (1);
    }
  if (child == 0)
    exec_child (child_sock, x->p, &x->spec->linux_attr, x->o->preserve_fds, x->filter);
  sync_send (child_sock, STEP_EXEC_PID, SYNC_PID, child, NULL, -1, NULL);
  _exit (0);
}

static int
on_exec_pid (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  struct exec_run *x = ctx;
  int s;
  if (fd >= 0)
    close (fd);
  wait_for_pid (x->mid, &s);
  x->mid = -1;
  if (x->seq.watch_fd >= 0)
    close (steal_fd (&x->seq.watch_fd));
  if (m->value <= 0)
    return urun_fail (err, 0, "protocol error: pid %d", m->value);
  x->pid = m->value;
  return 0;
}

static int
on_exec_pty (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  struct exec_run *x = ctx;
  (void) m;
  return forward_pty (x->console_sock, &x->master, fd, err);
}

static int
on_exec_seccomp (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  struct exec_run *x = ctx;
  (void) m;
  return forward_notify_fd (fd, x->spec, x->st, STATUS_RUNNING, x->pid, err);
}

const struct sync_step exec_sequence[] = {
  { STEP_EXEC_PID, SYNC_PID, 0, on_exec_pid },
  { STEP_EXEC_PTY, SYNC_PTY_MASTER, SYNC_IF_TERMINAL, on_exec_pty },
  { STEP_EXEC_SECCOMP, SYNC_SECCOMP_FD, SYNC_IF_NOTIFY, on_exec_seccomp },
  { STEP_EXEC_END, SYNC_END, 0, NULL },
};
const size_t exec_sequence_len = sizeof exec_sequence / sizeof *exec_sequence;

/* Fork M and follow the protocol until X runs. */
static int
exec_spawn (struct exec_run *x, urun_err *err)
{
  struct sync_seq *q = &x->seq;
  int sv[2];

  *q = (struct sync_seq){ exec_sequence, exec_sequence_len, 0, 0, -1 };
  if (x->p->terminal)
    q->conds |= SYNC_IF_TERMINAL;
  if (x->filter && seccomp_filter_notifies (x->filter))
    q->conds |= SYNC_IF_NOTIFY;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return urun_fail (err, errno, "socketpair");
  x->sock = sv[0];
  if (mark_fds_cloexec_from (3 + x->o->preserve_fds, err) < 0)
    {
      close (sv[1]);
      return -1;
    }
  fault_point (STEP_EXEC_FORK, FAULT_AT);
  x->mid = fork ();
  if (x->mid < 0)
    {
      close (sv[1]);
      return urun_fail (err, errno, "fork");
    }
  if (x->mid == 0)
    exec_intermediate (x, sv[1]);
  close (sv[1]);
  /* M forks X, which holds the socket too: M's death must not go unseen */
  q->watch_fd = syscall (SYS_pidfd_open, x->mid, 0);
  if (sync_run (x->sock, q, x, -1, err) == 0)
    return 0;
  if (q->watch_fd >= 0)
    close (steal_fd (&q->watch_fd));
  if (x->pid > 0)
    kill (x->pid, SIGKILL);
  /* M, and X if M died before naming it (we are X's subreaper then) */
  procs_kill_children (0);
  return -1;
}

/* What can be checked before anything is started. */
static int
exec_prepare (struct urun_context *ctx, struct exec_run *x, struct spec_process **p, urun_err *err)
{
  const struct exec_opts *o = x->o;
  bool same[SPEC_MAX_NAMESPACES];
  struct plan plan;

  if (o->process == NULL && (o->args == NULL || o->args[0] == NULL))
    return urun_fail (err, 0, "exec: no command given");
  *p = build_process (o, x->spec);
  x->p = *p;
  process_load_default_rlimits ();
  if (plan_probe_joined (x->spec, same, err) < 0 || plan_build (x->spec, &ctx->host, same, &plan, err) < 0)
    return -1;
  x->exec_flags = plan.exec_flags;
  if (procattr_check_host (&(*p)->attr, NULL, err) < 0)
    return -1;
  /* the container's filter applies to every process in it */
  if (x->spec->seccomp && seccomp_compile (x->spec->seccomp, &x->filter, err) < 0)
    return -1;
  if (x->filter && seccomp_check_runnable (x->filter, (*p)->no_new_privileges, false, err) < 0)
    return urun_err_wrap (err, "linux.seccomp");
  if (o->console_socket && !(*p)->terminal)
    {
      urun_fail (err, 0, "a console socket was given for a process without a terminal");
      return urun_err_topic (err, URUN_TOPIC_EXEC_TTY);
    }
  if ((*p)->terminal && o->detach && !o->console_socket)
    {
      urun_fail (err, 0, "a detached process with a terminal needs a console socket for it");
      return urun_err_topic (err, URUN_TOPIC_NEED_CONSOLE);
    }
  if (o->console_socket && unixsock_connect (o->console_socket, SOCK_STREAM, &x->console_sock, err) < 0)
    return urun_err_topic (err, URUN_TOPIC_CONSOLE_SOCKET);
  x->pidfd = syscall (SYS_pidfd_open, x->st->pid, 0);
  if (!state_pid_alive (x->st))
    return urun_fail (err, 0, "cannot exec in container `%s`: it is stopped", o->id);
  return 0;
}

/* The process runs: its pid file, then wait unless detached. */
static int
exec_follow (struct exec_run *x, urun_err *err)
{
  int wstatus = 0;
  if (x->o->pid_file && write_pid_file (x->o->pid_file, x->pid, err) < 0)
    {
      kill (x->pid, SIGKILL);
      return -1;
    }
  if (x->o->detach)
    return 0;
  if (signals_wait_forward (x->pid, x->master, &wstatus, err) < 0)
    return -1;
  return exit_code_from_status (wstatus);
}

int
container_exec (struct urun_context *ctx, const struct exec_opts *o, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  cleanup_spec struct spec *spec = NULL;
  struct exec_run x = { .o = o, .pidfd = -1, .console_sock = -1, .sock = -1, .master = -1, .mid = -1, .pid = -1 };
  struct spec_process *p = NULL;
  enum container_status status;
  sigset_t old;
  int ret = -1;

  if (container_open_state (ctx, o->id, false, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  status = state_status (dirfd, st);
  if (status != STATUS_RUNNING && status != STATUS_CREATED)
    return urun_fail (err, 0, "cannot exec in container `%s`: it is %s", o->id, state_status_name (status));
  if (load_config_copy (dirfd, &spec, err) < 0)
    return urun_err_wrap (err, "container `%s`", o->id);
  x.spec = spec;
  x.st = st;
  cgroup_load (dirfd, &x.cg);
  if (exec_prepare (ctx, &x, &p, err) == 0)
    {
      signals_block_forwarded (&old);
      prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
      if (exec_spawn (&x, err) == 0)
        ret = exec_follow (&x, err);
      sigprocmask (SIG_SETMASK, &old, NULL);
    }
  {
    int fds[] = { x.pidfd, x.console_sock, x.sock, x.master };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
      if (fds[i] >= 0)
        close (fds[i]);
  }
  if (p != o->process)
    spec_process_free (p);
  seccomp_filter_free (x.filter);
  cgroup_free (&x.cg);
  return ret;
}
