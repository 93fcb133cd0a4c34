/* urun: `exec`: a new process in a running container.
 *
 * urun forks an intermediate that joins every namespace of the container
 * (the user namespace first, through one setns on a pidfd), then forks the
 * process, which lands in the container's pid namespace.  urun is a child
 * subreaper, so the process becomes its child when the intermediate exits
 * and its exit status comes back to us. */
#include <config.h>
#include "container.h"
#include "log.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "signals.h"
#include "sync.h"
#include "terminal.h"
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

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int
parse_id_pair (const char *s, struct spec_user *u, urun_err *err)
{
  cleanup_free char *copy = xstrdup (s);
  char *colon = strchr (copy, ':');
  unsigned long v;
  if (colon)
    *colon = '\0';
  if (!parse_ulong (copy, &v) || v > UINT32_MAX)
    return urun_fail (err, 0, "--user: `%s` is not UID[:GID]", s);
  u->uid = v;
  if (colon)
    {
      if (!parse_ulong (colon + 1, &v) || v > UINT32_MAX)
        return urun_fail (err, 0, "--user: `%s` is not UID[:GID]", s);
      u->gid = v;
    }
  return 0;
}

static void
env_set (char ***env, const char *kv)
{
  size_t kl = strcspn (kv, "=");
  size_t n = strv_len (*env);
  for (size_t i = 0; i < n; i++)
    if (strncmp ((*env)[i], kv, kl) == 0 && (*env)[i][kl] == '=')
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (kv);
        return;
      }
  *env = xrealloc (*env, (n + 2) * sizeof (char *));
  (*env)[n] = xstrdup (kv);
  (*env)[n + 1] = NULL;
}

static char **
strv_copy (char *const *v)
{
  size_t n = strv_len (v);
  char **r = xmalloc0 ((n + 1) * sizeof *r);
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

/* The process to run: --process FILE, or the container's process with the
 * command line's changes. */
static int
build_process (const struct exec_opts *o, const struct spec *spec, struct spec_process **out, urun_err *err)
{
  struct spec_process *p;
  const struct spec_process *base = spec->process;

  if (o->process_file)
    {
      cleanup_free char *text = NULL;
      size_t len;
      if (read_file_at (AT_FDCWD, o->process_file, &text, &len, err) < 0)
        return urun_err_wrap (err, "--process");
      if (spec_parse_process (text, len, &p, err) < 0)
        return urun_err_wrap (err, "--process `%s`", o->process_file);
      if (p->cwd == NULL)
        p->cwd = xstrdup ("/");
    }
  else
    {
      if (o->args == NULL || o->args[0] == NULL)
        return urun_fail (err, 0, "exec: no command given (pass COMMAND or --process FILE)");
      p = xmalloc0 (sizeof *p);
      p->args = strv_copy (o->args);
      p->env = strv_copy (base ? base->env : NULL);
      p->cwd = xstrdup (base && base->cwd ? base->cwd : "/");
      if (base)
        {
          p->user = base->user;
          p->user.additional_gids = NULL;
          if (base->user.n_additional_gids)
            {
              p->user.additional_gids = xmalloc0 (base->user.n_additional_gids * sizeof (uint32_t));
              memcpy (p->user.additional_gids, base->user.additional_gids, base->user.n_additional_gids * sizeof (uint32_t));
            }
          p->has_caps = base->has_caps;
          memcpy (p->caps, base->caps, sizeof p->caps);
          p->no_new_privileges = base->no_new_privileges;
          p->terminal = false;
          if (base->n_rlimits)
            {
              p->rlimits = xmalloc0 (base->n_rlimits * sizeof *p->rlimits);
              memcpy (p->rlimits, base->rlimits, base->n_rlimits * sizeof *p->rlimits);
              p->n_rlimits = base->n_rlimits;
            }
        }
    }
  *out = p;

  for (size_t i = 0; o->env && o->env[i]; i++)
    {
      if (strchr (o->env[i], '=') == NULL || o->env[i][0] == '=')
        return urun_fail (err, 0, "--env: `%s` is not KEY=value", o->env[i]);
      env_set (&p->env, o->env[i]);
    }
  if (o->cwd)
    {
      if (o->cwd[0] != '/')
        return urun_fail (err, 0, "--cwd: `%s` is not an absolute path", o->cwd);
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  if (o->user && parse_id_pair (o->user, &p->user, err) < 0)
    return -1;
  if (o->additional_gids && o->additional_gids[0])
    {
      size_t n = strv_len (o->additional_gids);
      free (p->user.additional_gids);
      p->user.additional_gids = xmalloc0 (n * sizeof (uint32_t));
      p->user.n_additional_gids = n;
      for (size_t i = 0; i < n; i++)
        {
          unsigned long g;
          if (!parse_ulong (o->additional_gids[i], &g) || g > UINT32_MAX)
            return urun_fail (err, 0, "--additional-gids: `%s` is not a gid", o->additional_gids[i]);
          p->user.additional_gids[i] = g;
        }
    }
  for (size_t i = 0; o->caps && o->caps[i]; i++)
    {
      cleanup_free char *name = strncasecmp (o->caps[i], "CAP_", 4) ? xasprintf ("CAP_%s", o->caps[i]) : xstrdup (o->caps[i]);
      int c = spec_cap_from_name (name);
      if (c < 0)
        return urun_fail (err, 0, "--cap: unknown capability `%s`", o->caps[i]);
      p->has_caps = true;
      p->caps[CAPS_BOUNDING] |= 1ULL << c;
      p->caps[CAPS_EFFECTIVE] |= 1ULL << c;
      p->caps[CAPS_PERMITTED] |= 1ULL << c;
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->tty_set)
    p->terminal = o->tty;
  return 0;
}

static struct sync_msg exec_msg;

/* The process in the container: set up and exec, or report why not. */
static void __attribute__ ((noreturn))
exec_child (int sock, const struct spec_process *p, int preserve_fds, urun_seccomp_filter filter)
{
  cleanup_err urun_err err = NULL;
  struct process_plan plan = { .seccomp = filter };

  if (p->terminal)
    {
      cleanup_free char *slave = NULL;
      int master = terminal_open_in_container (p->console_height, p->console_width, &slave, &err);
      if (master < 0 || sync_send (sock, SYNC_PTY_MASTER, 0, NULL, master, &err) < 0)
        goto fail;
      close (master);
    }
  else if (setsid () < 0 && errno != EPERM)
    {
      urun_fail (&err, errno, "setsid");
      goto fail;
    }
  if (process_prepare (&plan, p, preserve_fds, &err) < 0 || process_finalize (&plan, &err) < 0)
    goto fail;
  if (plan.seccomp_notify_fd >= 0 && sync_send (sock, SYNC_SECCOMP_FD, 0, NULL, plan.seccomp_notify_fd, &err) < 0)
    goto fail;
  plan.notify_sock = sock;
  process_execve (&plan, &err);
fail:
  sync_send_error (sock, err);
  _exit (127);
}

int
container_exec (struct urun_context *ctx, const struct exec_opts *o, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1, pidfd = -1, console_sock = -1;
  cleanup_close int sock = -1;
  cleanup_state struct container_state *st = NULL;
  cleanup_spec struct spec *spec = NULL;
  struct spec_process *p = NULL;
  urun_seccomp_filter filter = NULL;
  enum container_status status;
  cleanup_free char *config_text = NULL;
  size_t config_len;
  sigset_t old;
  pid_t mid, pid = -1;
  int sv[2], master = -1, ret = -1, wstatus = 0, ns_flags;

  if (container_open_state (ctx, o->id, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  status = state_status (dirfd, st);
  if (status != STATUS_RUNNING && status != STATUS_CREATED)
    return urun_fail (err, 0, "cannot exec in container `%s`: it is %s", o->id, state_status_name (status));
  if (read_file_at (dirfd, CONFIG_COPY, &config_text, &config_len, err) < 0
      || spec_parse (config_text, config_len, &spec, err) < 0)
    return urun_err_wrap (err, "container `%s`", o->id);
  /* the lock is for lifecycle changes; an exec must not hold off `kill` */
  close (steal_fd (&dirfd));

  if (build_process (o, spec, &p, err) < 0)
    goto out;
  process_load_default_rlimits ();
  ns_flags = ns_of_container (spec, err);
  if (ns_flags < 0)
    goto out;
  /* the container's filter applies to every process in it */
  if (spec->seccomp && seccomp_compile (spec->seccomp, &filter, err) < 0)
    goto out;
  if (o->console_socket && !p->terminal)
    {
      urun_fail (err, 0, "--console-socket given without --tty");
      goto out;
    }
  if (p->terminal && o->detach && !o->console_socket)
    {
      urun_fail (err, 0, "--tty with --detach needs --console-socket");
      goto out;
    }
  if (o->console_socket && terminal_connect_socket (o->console_socket, &console_sock, err) < 0)
    {
      urun_err_wrap (err, "--console-socket");
      goto out;
    }

  pidfd = syscall (SYS_pidfd_open, st->pid, 0);
  if (proc_start_time (st->pid) != st->pid_start_time)
    {
      urun_fail (err, 0, "cannot exec in container `%s`: it is stopped", o->id);
      goto out;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      urun_fail (err, errno, "socketpair");
      goto out;
    }
  sock = sv[0];
  if (mark_fds_cloexec_from (3 + o->preserve_fds, err) < 0)
    {
      close (sv[1]);
      goto out;
    }

  signals_block_forwarded (&old);
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  mid = fork ();
  if (mid < 0)
    {
      urun_fail (err, errno, "fork");
      close (sv[1]);
      goto out_mask;
    }
  if (mid == 0)
    {
      cleanup_err urun_err e = NULL;
      pid_t child;
      close (sock);
      close (rootfd);
      if (console_sock >= 0)
        close (console_sock);
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      /* CVE-2019-5736: a non-dumpable process's /proc/PID/exe cannot be
       * opened by the container's processes, whatever their capabilities in
       * the container's user namespace */
      prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
      if (ns_join_process (st->pid, pidfd, ns_flags, &e) < 0)
        {
          if (e->errnum == EACCES || e->errnum == EPERM)
            urun_err_wrap (&e, "the container's process is protected until `urun start` "
                               "(it is still urun, whose binary you can write)");
          sync_send_error (sv[1], e);
          _exit (1);
        }
      child = fork ();
      if (child < 0)
        {
          urun_fail (&e, errno, "fork into the container");
          sync_send_error (sv[1], e);
          _exit (1);
        }
      if (child == 0)
        exec_child (sv[1], p, o->preserve_fds, filter);
      sync_send (sv[1], SYNC_PID, child, NULL, -1, NULL);
      _exit (0);
    }
  close (sv[1]);
  {
    int s;
    cleanup_err urun_err e = NULL;
    if (sync_expect (sock, SYNC_PID, &exec_msg, NULL, err) < 0)
      {
        wait_for_pid (mid, &s);
        goto out_mask;
      }
    pid = exec_msg.value;
    wait_for_pid (mid, &s);
  }
  /* the process's messages until it execs (EOF) */
  for (;;)
    {
      int fd = -1;
      cleanup_err urun_err e = NULL;
      if (sync_recv (sock, &exec_msg, &fd, &e) < 0)
        break; /* EOF: exec'd */
      if (exec_msg.type == SYNC_ERROR)
        {
          int s;
          urun_fail (err, 0, "%s", exec_msg.text);
          wait_for_pid (pid, &s);
          goto out_mask;
        }
      if (exec_msg.type == SYNC_SECCOMP_FD)
        {
          if (container_forward_notify_fd (sock, fd, exec_msg.value == 1, spec, st, STATUS_RUNNING, pid, err) < 0)
            {
              kill (pid, SIGKILL);
              goto out_mask;
            }
        }
      else if (exec_msg.type == SYNC_PTY_MASTER)
        {
          if (console_sock >= 0)
            {
              int r = terminal_send_fd (console_sock, fd, err);
              close (fd);
              if (r < 0)
                {
                  kill (pid, SIGKILL);
                  goto out_mask;
                }
            }
          else
            master = fd;
        }
      else if (fd >= 0)
        close (fd);
    }
  if (o->pid_file && write_pid_file (o->pid_file, pid, err) < 0)
    {
      kill (pid, SIGKILL);
      goto out_mask;
    }
  if (o->detach)
    {
      ret = 0;
      goto out_mask;
    }
  if (signals_wait_forward (pid, master, &wstatus, err) < 0)
    goto out_mask;
  ret = exit_code_from_status (wstatus);

out_mask:
  sigprocmask (SIG_SETMASK, &old, NULL);
out:
  if (master >= 0)
    close (master);
  spec_process_free (p);
  seccomp_filter_free (filter);
  return ret;
}
