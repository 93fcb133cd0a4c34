/* SPDX-License-Identifier: Apache-2.0 */
/* urun: run = create + start (over the set-up socket, steps 11-15) + wait,
 * forwarding signals and the terminal, then delete. */
#include <config.h>
#include "container_priv.h"
#include "fault.h"
#include "log.h"
#include "notify.h"
#include "signals.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <unistd.h>

static void
run_cleanup (struct created *c)
{
  cleanup_state struct container_state *st = NULL;
  cleanup_err urun_err e = NULL;
  if (flock (c->dirfd, LOCK_EX) < 0)
    return;
  if (state_read (c->dirfd, &st, &e) == 0)
    remove_container (c->spec, st, c->rootfd, c->dirfd, net_plan_has_udp (&c->net));
}

/* A foreground run goes on waiting for the container: READY=1 is passed on
 * by a child of ours meanwhile, which dies with us. */
static void
notify_in_child (int nsock, const char *host, const struct container_state *st)
{
  pid_t p = fork ();
  if (p != 0)
    return;
  cleanup_err urun_err e = NULL;
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (null >= 0)
    {
      dup2 (null, 0);
      dup2 (null, 1);
    }
  if (notify_forward (nsock, host, st->pid, st->pid_start_time, &e) < 0)
    urun_warn ("%s", e->msg);
  _exit (0);
}

int
run_wait (struct created *c, urun_err *err)
{
  int status = 0;
  if (signals_wait_forward (c->pid, c->master, &status, err) < 0)
    return -1;
  /* The init has exited.  With a pid namespace of its own the kernel
   * killed the rest; with a cgroup, delete kills what is left in it; with
   * neither, what it left behind was re-parented to us (the subreaper,
   * set before the clone) and is still our child: all of it goes, before
   * the poststop hooks.  The init's status is already ours.  The network
   * helper, ending by itself (the pidfd), is not waited for unless it
   * holds published UDP ports (which must be free when run returns): its
   * exit costs a run some 0.7 ms. */
  if (!procs_kill_children (c->net_pid > 0 && !net_plan_has_udp (&c->net) ? c->net_pid : 0))
    urun_warn ("container `%s`: processes it left behind did not die within 5 s of SIGKILL", c->st.id);
  run_cleanup (c);
  return exit_code_from_status (status);
}

int
container_run (struct urun_context *ctx, const struct create_opts *o, urun_err *err)
{
  struct created c;
  sigset_t old;
  int code = -1;
  cleanup_close int nsock = -1;
  cleanup_free char *host = NULL;

  signals_block_forwarded (&old);
  /* before the clone: a container in a joined pid namespace is our
   * grandchild (plan.fork), and what the init of one without a pid
   * namespace leaves behind is re-parented to us, not to the host's
   * init, so that run_wait can kill and reap it */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (create_container (ctx, o, true, &c, err) < 0)
    goto out;
  /* let other urun commands see the container while it runs */
  flock (c.dirfd, LOCK_UN);
  if (notify_bind (c.dirfd, o->notify_socket, &nsock, &host, err) < 0
      || (!c.start_early && sync_send (c.sync_fd, STEP_START, SYNC_START, c.pid, NULL, -1, err) < 0)
      || start_finish (c.sync_fd, c.spec, &c.st, c.cancel_fd, err) < 0)
    {
      if (flock (c.dirfd, LOCK_EX) == 0)
        created_abort (&c);
      goto out;
    }
  if (o->detach)
    {
      code = nsock >= 0 && notify_forward (nsock, host, c.st.pid, c.st.pid_start_time, err) < 0 ? -1 : 0;
      goto out;
    }
  if (nsock >= 0)
    notify_in_child (nsock, host, &c.st);
  code = run_wait (&c, err);
out:
  sigprocmask (SIG_SETMASK, &old, NULL);
  created_free (&c);
  return code;
}
