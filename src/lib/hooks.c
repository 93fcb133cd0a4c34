/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "hooks.h"
#include "pidfd.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *
hooks_kind_name (enum spec_hook_kind k)
{
  return spec_hook_name (k);
}

/* The hook's process: a vfork-like clone (no copy of our memory) that dies
 * with whoever started it (urun, or the container's process for the hooks
 * that run inside), so that no hook outlives an aborted start. */
struct spawn_args
{
  const struct spec_hook *h;
  char **argv, **envp;
  int stdin_fd;
  pid_t parent;
  int exec_errno;
};

/* Not instrumented by ASan: it runs on a stack ASan does not know. */
__attribute__ ((no_sanitize_address)) static int
hook_child (void *data)
{
  struct spawn_args *a = data;
  sigset_t none;
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid () != a->parent)
    _exit (127);
  if (dup2 (a->stdin_fd, 0) < 0)
    {
      a->exec_errno = errno;
      _exit (127);
    }
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  execve (a->h->path, a->argv, a->envp);
  a->exec_errno = errno;
  _exit (127);
}

static int
spawn_hook (const struct spec_hook *h, int stdin_fd, pid_t *pid, urun_err *err)
{
  char *default_argv[] = { h->path, NULL };
  struct spawn_args a = { h, h->args && h->args[0] ? h->args : default_argv, h->env ? h->env : environ, stdin_fd,
                          getpid (), 0 };
  size_t stack_size = 64 * 1024;
  char *stack = mmap (NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED)
    return urun_fail (err, errno, "mmap");
  *pid = clone (hook_child, stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
  int e = errno;
  munmap (stack, stack_size);
  if (*pid < 0)
    return urun_fail (err, e, "clone");
  if (a.exec_errno)
    {
      int st;
      wait_for_pid (*pid, &st);
      return urun_fail (err, a.exec_errno, "run `%s`", h->path);
    }
  return 0;
}

/* Feed the state to the hook and wait for it: the timeout covers both, and
 * so does cancel_fd (a signalfd). */
static int
feed_and_wait (pid_t pid, int pidfd, int *wfd, const char *data, int timeout, int cancel_fd, const char *field,
               const char *path, urun_err *err)
{
  long long deadline = timeout > 0 ? clock_ms (CLOCK_MONOTONIC) + timeout * 1000LL : -1;
  size_t left = strlen (data);
  int status;

  if (left == 0)
    close (steal_fd (wfd));
  for (;;)
    {
      struct pollfd p[3] = { { .fd = pidfd, .events = POLLIN },
                             { .fd = *wfd, .events = POLLOUT },
                             { .fd = cancel_fd, .events = POLLIN } };
      long long ms = deadline < 0 ? -1 : deadline - clock_ms (CLOCK_MONOTONIC);
      if (deadline >= 0 && ms <= 0)
        {
          kill (pid, SIGKILL);
          wait_for_pid (pid, &status);
          return urun_fail (err, 0, "%s: `%s` timed out after %d s", field, path, timeout);
        }
      int r = poll (p, 3, ms > 1000000 ? 1000000 : (int) ms);
      if (r < 0 && errno != EINTR)
        return urun_fail (err, errno, "%s: poll", field);
      if (r <= 0)
        continue;
      if (p[2].revents & POLLIN)
        {
          struct signalfd_siginfo si = { 0 };
          if (read (cancel_fd, &si, sizeof si) != sizeof si)
            continue;
          kill (pid, SIGKILL);
          wait_for_pid (pid, &status);
          urun_fail (err, 0, "%s: `%s` stopped: interrupted by SIG%s during set-up", field, path,
                     sigabbrev_np (si.ssi_signo) ? sigabbrev_np (si.ssi_signo) : "?");
          (*err)->errnum = EINTR;
          return -1;
        }
      if (p[1].revents)
        {
          ssize_t n = write (*wfd, data, left);
          if (n < 0 && errno != EAGAIN && errno != EINTR)
            left = 0; /* the hook does not read its stdin (EPIPE): fine */
          else if (n > 0)
            data += n, left -= n;
          if (left == 0)
            close (steal_fd (wfd)); /* end of its stdin */
        }
      if (p[0].revents & POLLIN)
        return 0;
    }
}

static int
run_one (const struct spec_hook *h, const char *field, const char *state_json, int cancel_fd, urun_err *err)
{
  int p[2], status = 0, r;
  pid_t pid = -1;
  cleanup_close int pidfd = -1, wfd = -1;
  void (*old) (int);

  if (pipe2 (p, O_CLOEXEC) < 0)
    return urun_fail (err, errno, "pipe");
  wfd = p[1];
  r = spawn_hook (h, p[0], &pid, err);
  close (p[0]);
  if (r < 0)
    return urun_err_wrap (err, "%s", field);
  pidfd = syscall (SYS_pidfd_open, pid, 0);
  old = signal (SIGPIPE, SIG_IGN);
  if (pidfd >= 0)
    {
      fcntl (wfd, F_SETFL, O_NONBLOCK);
      r = feed_and_wait (pid, pidfd, &wfd, state_json, h->timeout, cancel_fd, field, h->path, err);
    }
  else
    {
      /* no pidfd (before Linux 5.3): no timeout */
      write_all (wfd, state_json, strlen (state_json));
      r = 0;
    }
  signal (SIGPIPE, old);
  if (r < 0)
    return -1;
  if (wfd >= 0)
    close (steal_fd (&wfd));
  if (wait_for_pid (pid, &status) < 0)
    return urun_fail (err, errno, "%s: wait for `%s`", field, h->path);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFSIGNALED (status))
    return urun_fail (err, 0, "%s: `%s` killed by signal %d", field, h->path, WTERMSIG (status));
  return urun_fail (err, 0, "%s: `%s` exited with status %d", field, h->path, WEXITSTATUS (status));
}

int
hooks_run (const struct spec *s, enum spec_hook_kind k, const char *state_json, int cancel_fd, urun_err *err)
{
  for (size_t i = 0; i < s->n_hooks[k]; i++)
    {
      char field[64];
      snprintf (field, sizeof field, "hooks.%s[%zu]", hooks_kind_name (k), i);
      if (run_one (&s->hooks[k][i], field, state_json, cancel_fd, err) < 0)
        return -1;
    }
  return 0;
}

void
hooks_run_all_warn (const struct spec *s, enum spec_hook_kind k, const char *state_json)
{
  for (size_t i = 0; i < s->n_hooks[k]; i++)
    {
      cleanup_err urun_err err = NULL;
      char field[64];
      snprintf (field, sizeof field, "hooks.%s[%zu]", hooks_kind_name (k), i);
      if (run_one (&s->hooks[k][i], field, state_json, -1, &err) < 0)
        urun_warn ("%s", err->msg);
    }
}
