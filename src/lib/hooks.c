#include <config.h>
#include "hooks.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *
hooks_kind_name (enum spec_hook_kind k)
{
  static const char *const names[HOOK_N] = { "prestart", "createRuntime", "createContainer",
                                             "startContainer", "poststart", "poststop" };
  return names[k];
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int
run_one (const struct spec_hook *h, const char *field, const char *state_json, urun_err *err)
{
  char *default_argv[] = { h->path, NULL };
  char *empty_env[] = { NULL };
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none;
  int p[2], r, status = 0;
  pid_t pid;
  cleanup_close int pidfd = -1;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return urun_fail (err, errno, "pipe");
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, p[0], 0);
  posix_spawnattr_init (&attr);
  sigemptyset (&none);
  posix_spawnattr_setsigmask (&attr, &none);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK);
  r = posix_spawn (&pid, h->path, &fa, &attr, h->args && h->args[0] ? h->args : default_argv,
                   h->env ? h->env : empty_env);
  posix_spawn_file_actions_destroy (&fa);
  posix_spawnattr_destroy (&attr);
  close (p[0]);
  if (r != 0)
    {
      close (p[1]);
      return urun_fail (err, r, "%s: run `%s`", field, h->path);
    }
  pidfd = syscall (SYS_pidfd_open, pid, 0);
  /* the hook may not read its stdin: ignore EPIPE */
  {
    void (*old) (int) = signal (SIGPIPE, SIG_IGN);
    write_all (p[1], state_json, strlen (state_json));
    signal (SIGPIPE, old);
  }
  close (p[1]);

  if (h->timeout > 0 && pidfd >= 0)
    {
      long long deadline = now_ms () + h->timeout * 1000LL;
      for (;;)
        {
          struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
          long long left = deadline - now_ms ();
          if (left <= 0)
            {
              kill (pid, SIGKILL);
              wait_for_pid (pid, &status);
              return urun_fail (err, 0, "%s: `%s` timed out after %d s", field, h->path, h->timeout);
            }
          r = poll (&pfd, 1, left > 1000000 ? 1000000 : (int) left);
          if (r > 0)
            break;
          if (r < 0 && errno != EINTR)
            break;
        }
    }
  if (wait_for_pid (pid, &status) < 0)
    return urun_fail (err, errno, "%s: wait for `%s`", field, h->path);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFSIGNALED (status))
    return urun_fail (err, 0, "%s: `%s` killed by signal %d", field, h->path, WTERMSIG (status));
  return urun_fail (err, 0, "%s: `%s` exited with status %d", field, h->path, WEXITSTATUS (status));
}

int
hooks_run (const struct spec *s, enum spec_hook_kind k, const char *state_json, urun_err *err)
{
  for (size_t i = 0; i < s->n_hooks[k]; i++)
    {
      char field[64];
      snprintf (field, sizeof field, "hooks.%s[%zu]", hooks_kind_name (k), i);
      if (run_one (&s->hooks[k][i], field, state_json, err) < 0)
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
      if (run_one (&s->hooks[k][i], field, state_json, &err) < 0)
        urun_warn ("%s", err->msg);
    }
}
