/* SPDX-License-Identifier: Apache-2.0 */
/* urun: run = create + start (over the set-up socket, steps 11-15) + wait,
 * forwarding signals and the terminal, then delete. */
#include <config.h>
#include "container_priv.h"
#include "fault.h"
#include "log.h"
#include "signals.h"
#include "util.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <unistd.h>

/* After the container's init exited: its state, then delete. */
static void
run_cleanup (struct created *c)
{
  cleanup_state struct container_state *st = NULL;
  cleanup_err urun_err e = NULL;
  if (flock (c->dirfd, LOCK_EX) < 0)
    return;
  if (state_read (c->dirfd, &st, &e) == 0)
    remove_container (c->spec, st, c->rootfd, c->dirfd);
}

int
container_run (struct urun_context *ctx, const struct create_opts *o, urun_err *err)
{
  struct created c;
  sigset_t old;
  int status = 0, code = -1;

  signals_block_forwarded (&old);
  /* a container in a joined pid namespace is our grandchild: adopt it */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (create_container (ctx, o, true, &c, err) < 0)
    goto out;
  /* let other urun commands see the container while it runs */
  flock (c.dirfd, LOCK_UN);
  if (sync_send (c.sync_fd, STEP_START, SYNC_START, c.pid, NULL, -1, err) < 0
      || start_finish (c.sync_fd, c.spec, &c.st, c.cancel_fd, err) < 0)
    {
      if (flock (c.dirfd, LOCK_EX) == 0)
        created_abort (&c);
      goto out;
    }
  if (o->detach)
    {
      code = 0;
      goto out;
    }
  if (signals_wait_forward (c.pid, c.master, &status, err) < 0)
    goto out;
  code = exit_code_from_status (status);
  run_cleanup (&c);
out:
  sigprocmask (SIG_SETMASK, &old, NULL);
  created_free (&c);
  return code;
}
