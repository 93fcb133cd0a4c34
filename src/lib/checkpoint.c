/* SPDX-License-Identifier: Apache-2.0 */
/* urun: checkpoint and restore (runc's commands) over criu.h.
 *
 * checkpoint: a running container is dumped; unless --leave-running, CRIU
 * has killed it and the container is deleted, as runc does.
 * restore: create's first phases (validate, plan, state directory), then
 * CRIU makes the processes instead of a clone; the state records the
 * restored init.  In the foreground urun waits for it and deletes the
 * container, as run does; with -d it returns.  Hooks are not run: the
 * processes were started once already. */
#include <config.h>
#include "container_priv.h"
#include "criu.h"
#include "log.h"
#include "signals.h"
#include "util.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <unistd.h>

int
container_checkpoint (struct urun_context *ctx, const char *id, const struct criu_opts *o, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  cleanup_spec struct spec *spec = NULL;
  cleanup_free char *state_dir = NULL;

  if (container_open_state (ctx, id, false, &rootfd, &dirfd, NULL, err) < 0)
    return -1;
  if (flock (dirfd, LOCK_EX | LOCK_NB) < 0)
    return urun_fail (err, errno == EWOULDBLOCK ? 0 : errno, "container `%s` is %s", id,
                      errno == EWOULDBLOCK ? "being created or changed" : "not lockable");
  if (state_read (dirfd, &st, err) < 0 || load_config_copy (dirfd, &spec, err) < 0)
    return urun_err_wrap (err, "container `%s`", id);
  if (state_status (dirfd, st) != STATUS_RUNNING)
    return urun_fail (err, 0, "container `%s` is not running", id);
  if (criu_usable (&ctx->host, spec, "checkpoint", err) < 0)
    return -1;
  state_dir = xasprintf ("%s/%s", ctx->state_root, id);
  if (criu_dump (st->pid, spec, st->bundle, state_dir, o, err) < 0)
    return urun_err_wrap (err, "checkpoint `%s`", id);
  if (o->leave_running)
    return 0;
  /* CRIU killed the tree; what is left of the container goes */
  if (procs_kill_all (st, err) < 0)
    return -1;
  remove_container (spec, st, rootfd, dirfd, true);
  return 0;
}

static int
restore_into (struct urun_context *ctx, const struct create_opts *o, const struct criu_opts *co, struct created *c,
              urun_err *err)
{
  if (criu_usable (&ctx->host, c->spec, "restore", err) < 0)
    return -1;
  if (criu_restore (c->spec, &c->cg, c->bundle, c->rootfs, c->state_dir, co, &c->pid, err) < 0)
    return urun_err_wrap (err, "restore `%s`", o->id);
  if (state_write_pid_file (c->dirfd, INIT_PID_FILE, c->pid, proc_start_time (c->pid), err) < 0)
    return -1;
  return create_record (o, c, err);
}

int
container_restore (struct urun_context *ctx, const struct create_opts *o, const struct criu_opts *co, urun_err *err)
{
  struct created c;
  sigset_t mask, old;
  int code = -1;

  if (o->console_socket)
    return urun_fail (err, 0, "restore: --console-socket: a container with a terminal is not supported");
  signals_block_forwarded (&old);
  /* the restored init is CRIU's child until CRIU exits: then ours */
  if (!o->detach)
    prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (create_prepare (ctx, o, true, &c, &mask, err) < 0)
    goto out;
  (void) mask; /* the stop signals stay blocked: forwarded, as run does */
  if (restore_into (ctx, o, co, &c, err) < 0)
    {
      if (c.pid > 0)
        kill (c.pid, SIGKILL);
      created_abort (&c);
      goto out;
    }
  if (o->detach)
    {
      create_warn_leftovers (&c);
      code = 0;
      goto out;
    }
  flock (c.dirfd, LOCK_UN);
  code = run_wait (&c, err);
out:
  sigprocmask (SIG_SETMASK, &old, NULL);
  created_free (&c);
  return code;
}
