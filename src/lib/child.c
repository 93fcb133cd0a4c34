/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the container process's own side of create and start, from the
 * clone to the execve of the user's program.  Each step of sync.h it takes
 * part in is named where it happens. */
#include <config.h>
#include "container_priv.h"
#include "cgroup/cgroup.h"
#include "fault.h"
#include "hooks.h"
#include "log.h"
#include "namespaces.h"
#include "process.h"
#include "procfs.h"
#include "rootfs.h"
#include "terminal.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Die with urun while urun can still clean up after us (set*id clears it).
 * If urun died before, we are someone else's child now -- unless we are in
 * a new pid namespace, where the parent is always pid 0; then the end of
 * file on our socket tells, and our pid is already in init.pid. */
static void
die_with_parent (pid_t parent)
{
  pid_t pp;
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  pp = getppid ();
  if (pp != 0 && pp != parent)
    _exit (1);
}

/* A session keyring of the container's own, named after it (as runc does):
 * the caller's keys must not be reachable from inside. */
static int
join_session_keyring (const char *id, urun_err *err)
{
  if (syscall (SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, id) >= 0)
    return 0;
  /* no keyctl (an outer seccomp filter, an old kernel): go on, as runc does */
  if (errno == ENOSYS || errno == EPERM || errno == EACCES)
    {
      urun_debug ("session keyring not created: %s", strerror (errno));
      return 0;
    }
  return urun_fail (err, errno, "join a new session keyring");
}

/* Steps 2-4: the maps, the joined and unshared namespaces, and the fork
 * into a pid or time namespace when the plan asks for it. */
static int
child_enter_namespaces (struct child_ctx *c, urun_err *err)
{
  const struct plan *p = c->plan;

  if (sync_expect (c->sync_fd, STEP_MAPS_DONE, SYNC_MAPS_DONE, NULL, NULL, err) < 0)
    return -1;
  if (p->new_userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return urun_fail (err, errno, "become root in the user namespace (is id 0 mapped?)");
  die_with_parent (c->parent);
  if (ns_join_opened (&c->join, err) < 0)
    return -1;
  if (p->joins_userns)
    {
      /* root of the joined user namespace, whose caps the rest needs */
      if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
        return urun_fail (err, errno, "become root in the joined user namespace (is id 0 mapped in it?)");
      die_with_parent (c->parent);
    }
  if (p->unshare_flags && unshare (p->unshare_flags) < 0)
    return urun_fail (err, errno, "create namespaces after the user namespace");
  /* the clocks' offsets, before any process is in the new time namespace */
  if ((p->unshare_flags & CLONE_NEWTIME) && c->spec->time_offsets
      && procfs_write (c->procfd, "self/timens_offsets", c->spec->time_offsets, strlen (c->spec->time_offsets), err)
             < 0)
    return urun_err_wrap (err, "linux.timeOffsets");
  if (p->fork)
    {
      pid_t pid = fork ();
      if (pid < 0)
        return urun_fail (err, errno, "fork into the pid namespace");
      if (pid > 0)
        {
          /* step 3: tell urun which pid is the container, and go */
          sync_send (c->sync_fd, STEP_PID, SYNC_PID, pid, NULL, -1, NULL);
          _exit (0);
        }
      /* step 4: wait until urun has recorded our pid (its death, before,
       * is end-of-file here); our parent exits, so no death signal */
      prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
      if (sync_expect (c->sync_fd, STEP_PID_ACK, SYNC_PID_ACK, NULL, NULL, err) < 0)
        return -1;
    }
  return 0;
}

static int
child_identity (struct child_ctx *c, urun_err *err)
{
  const struct spec *s = c->spec;
  if (((c->plan->clone_flags | c->plan->unshare_flags) & CLONE_NEWNET) && ns_loopback_up (err) < 0)
    return -1;
  if (!c->no_new_keyring && join_session_keyring (c->id, err) < 0)
    return -1;
  if (s->has_hostname && s->hostname && sethostname (s->hostname, strlen (s->hostname)) < 0)
    return urun_fail (err, errno, "hostname: sethostname");
  if (s->has_domainname && s->domainname && setdomainname (s->domainname, strlen (s->domainname)) < 0)
    return urun_fail (err, errno, "domainname: setdomainname");
  return 0;
}

/* Steps 5-6 and createContainer: the mounts, the create-time hooks with
 * the state as urun records it, then pivot_root. */
static int
child_rootfs (struct child_ctx *c, struct rootfs_ctx *rc, urun_err *err)
{
  const struct spec *s = c->spec;

  /* relative mount sources are relative to the bundle */
  if (chdir (c->bundle) < 0)
    return urun_fail (err, errno, "chdir to bundle `%s`", c->bundle);
  if (rootfs_mount_all (rc, err) < 0)
    return -1;
  if (c->conds & SYNC_IF_HOOKS)
    {
      static struct sync_msg m;
      struct container_state st = *c->st;
      cleanup_free char *json = NULL;
      size_t len;
      if (sync_send (c->sync_fd, STEP_RUN_HOOKS, SYNC_RUN_HOOKS, 0, NULL, -1, err) < 0
          || sync_expect (c->sync_fd, STEP_HOOKS_DONE, SYNC_HOOKS_DONE, &m, NULL, err) < 0)
        return -1;
      st.pid = m.value;
      json = state_to_json (&st, STATUS_CREATING, false, &len);
      if (hooks_run (s, HOOK_CREATE_CONTAINER, json, -1, err) < 0)
        return -1;
    }
  if (rootfs_make_cwd (rc, s->process->cwd, err) < 0 || rootfs_protect (rc, err) < 0)
    return -1;
  return rootfs_pivot (rc, err);
}

/* Step 7: a pty made in the container's devpts, its master to urun. */
static int
child_terminal (struct child_ctx *c, struct rootfs_ctx *rc, urun_err *err)
{
  const struct spec_process *p = c->spec->process;
  cleanup_close int master = -1;

  if (!p->terminal)
    {
      if (setsid () < 0 && errno != EPERM)
        return urun_fail (err, errno, "setsid");
      return 0;
    }
  master = terminal_open_in_container (p->console_height, p->console_width, err);
  if (master < 0)
    return -1;
  if (rootfs_bind_console (rc, 0, err) < 0)
    return -1;
  return sync_send (c->sync_fd, STEP_PTY, SYNC_PTY_MASTER, 0, NULL, master, err);
}

/* The descriptors the process still opens after its rlimits are set: the
 * start connection, a startContainer hook's pipe and pidfd (a notify fd
 * process_finalize counts itself). */
static int
fds_still_needed (const struct child_ctx *c)
{
  return (c->start_fd >= 0 ? 1 : 0) + (c->spec->n_hooks[HOOK_START_CONTAINER] ? 3 : 0);
}

/* Step 8 and the process's final identity (process.c). */
static int
child_process (struct child_ctx *c, struct rootfs_ctx *rc, struct process_plan *pp, urun_err *err)
{
  const struct spec_process *p = c->spec->process;

  if (rootfs_finalize (rc, err) < 0)
    return -1;
  if (process_set_oom_score_adj (c->procfd, p, err) < 0
      || procattr_apply (&p->attr, &c->spec->linux_attr, c->procfd, err) < 0)
    return -1;
  /* nothing of the host stays open in the process that waits for start */
  {
    int *fds[] = { &rc->rootfd, &rc->stage_fd, &rc->null_fd, &c->procfd };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
      if (*fds[i] >= 0)
        close (steal_fd (fds[i]));
  }
  pp->seccomp = c->seccomp;
  if (process_prepare (pp, p, c->preserve_fds, err) < 0)
    return -1;
  /* the final user and capabilities, before the wait for start (runc's
   * order): a bad user or capability set fails `create`, not `start` */
  if (process_finalize (pp, fds_still_needed (c), err) < 0)
    return -1;
  if (pp->seccomp_notify_fd >= 0)
    {
      int r = sync_send (c->sync_fd, STEP_SECCOMP_EARLY, SYNC_SECCOMP_FD, 0, NULL, pp->seccomp_notify_fd, err);
      close (steal_fd (&pp->seccomp_notify_fd));
      if (r < 0)
        return -1;
    }
  return 0;
}

/* Step 14, where the network namespace is not the clone's (else the tap
 * maker makes it meanwhile: tap.c): the tap, made here in the new network
 * namespace (where we have CAP_NET_ADMIN), before the root filesystem
 * hides the host's /dev/net/tun; its fd goes to urun's network helper. */
static int
child_network (struct child_ctx *c, urun_err *err)
{
  int fd, r;
  if (c->net == NULL || !c->net->enabled)
    return 0;
  if ((fd = net_tap_setup (c->net, err)) < 0)
    {
      if (c->net->asked)
        return -1;
      /* asked for by the config's annotation alone (urun spec --rootless
       * writes it): the container runs, with one line saying why it has
       * loopback only; urun gets no tap, and starts no helper */
      urun_warn ("%s; the container has loopback only (annotation " NET_ANN_MODE ")", (*err)->msg);
      urun_err_free (err);
    }
  r = sync_send (c->sync_fd, STEP_NET_TAP, SYNC_NET_TAP, 0, NULL, fd, err);
  if (fd >= 0)
    close (fd);
  return r;
}

static int
child_setup (struct child_ctx *c, struct process_plan *pp, urun_err *err)
{
  struct rootfs_ctx rc = { .spec = c->spec, .rootfs = c->rootfs, .userns = c->plan->in_userns,
                           .no_pivot = c->no_pivot, .nodev = c->plan->nodev, .stage_dir = c->state_dir,
                           .rootfd = -1, .stage_fd = -1, .null_fd = -1, .procfd = c->procfd,
                           .bind_fds = c->bind_fds, .cg = c->cg };
  /* first of all, in its cgroup (else urun put it there: create.c) */
  if (c->cg_self && cgroup_enter (c->cg, 0, err) < 0)
    return -1;
  if (child_enter_namespaces (c, err) < 0 || child_identity (c, err) < 0 || child_network (c, err) < 0
      || child_rootfs (c, &rc, err) < 0
      || child_terminal (c, &rc, err) < 0 || child_process (c, &rc, pp, err) < 0)
    return -1;
  return 0;
}

/* Steps 10-11: a connection on the start socket (create) or the message
 * on our socket (run).  Returns the channel to report on; if `start` died
 * before START, so do we: the state then says stopped, which is true. */
static int
child_wait_start (struct child_ctx *c, int *pid, urun_err *err)
{
  static struct sync_msg m;
  int sock = c->sync_fd;
  if (c->start_fd >= 0)
    {
      do
        sock = accept4 (c->start_fd, NULL, NULL, SOCK_CLOEXEC);
      while (sock < 0 && errno == EINTR);
      if (sock < 0)
        return urun_fail (err, errno, "accept on the start socket");
      close (steal_fd (&c->start_fd));
      close (steal_fd (&c->sync_fd));
      sync_forward_logs (sock);
    }
  if (sync_expect (sock, STEP_START, SYNC_START, &m, NULL, err) < 0)
    return -1;
  *pid = m.value;
  return sock;
}

/* The container process: never returns. */
void
child_main (struct child_ctx *c)
{
  cleanup_err urun_err err = NULL;
  struct process_plan pp = { 0 };
  struct container_state st;
  cleanup_free char *json = NULL;
  size_t len;
  int sock, pid = 0;

  sync_forward_logs (c->sync_fd);
  sigprocmask (SIG_SETMASK, &c->sigmask, NULL);
  die_with_parent (c->parent);
  /* the host's procfs, checked, for every write into procfs (procfs.h) */
  c->procfd = procfs_open_root (&err);
  if (c->procfd < 0 || child_setup (c, &pp, &err) < 0)
    {
      sync_send_error (c->sync_fd, err);
      _exit (1);
    }
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  /* CVE-2019-5736: from now on processes in the container (urun exec) can
   * see us, and we are still the urun binary: a non-dumpable process's
   * /proc/PID/exe cannot be opened by them (it needs CAP_SYS_PTRACE in the
   * user namespace urun was started in).  execve makes the user's program
   * dumpable again.  The plan says when (plan.c). */
  if (c->plan->protect_exe)
    prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* step 9: our pid is on disk (init.pid), so we may outlive urun now */
  if (sync_send (c->sync_fd, STEP_READY, SYNC_READY, 0, NULL, -1, &err) < 0)
    _exit (1);

  sock = child_wait_start (c, &pid, &err);
  if (sock < 0)
    _exit (1); /* nobody is left to tell */
  st = *c->st;
  st.pid = pid;
  json = state_to_json (&st, STATUS_CREATED, false, &len);
  if (hooks_run (c->spec, HOOK_START_CONTAINER, json, -1, &err) == 0)
    process_execve (&pp, &err);
  /* step 14: the error instead of the end of the channel */
  sync_send_error (sock, err);
  _exit (127);
}
