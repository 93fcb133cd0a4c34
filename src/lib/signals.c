/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "signals.h"
#include "terminal.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                                 SIGALRM, SIGCONT, SIGPWR, SIGWINCH, SIGCHLD };

static void
forwarded_set (sigset_t *s)
{
  sigemptyset (s);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
    sigaddset (s, forwarded[i]);
}

void
signals_block_forwarded (sigset_t *old)
{
  sigset_t s;
  forwarded_set (&s);
  sigprocmask (SIG_BLOCK, &s, old);
}

/* Copy what is readable from `from` to `to`; false at EOF or error. */
static bool
pump (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  write_all (to, buf, n);
  return true;
}

int
signals_wait_forward (pid_t pid, int pty_master, int *status, urun_err *err)
{
  sigset_t s;
  cleanup_close int sfd = -1;
  struct terminal_saved saved = { 0 };
  bool exited = false, stdin_open = pty_master >= 0, master_open = pty_master >= 0;

  forwarded_set (&s);
  sfd = signalfd (-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    return urun_fail (err, errno, "signalfd");
  if (pty_master >= 0)
    {
      terminal_copy_size (0, pty_master);
      terminal_make_raw (0, &saved);
    }

  while (!exited || master_open)
    {
      struct pollfd p[3] = {
        { .fd = sfd, .events = POLLIN },
        { .fd = master_open ? pty_master : -1, .events = POLLIN },
        { .fd = stdin_open ? 0 : -1, .events = POLLIN },
      };
      /* after the process exited, only drain what the pty still holds */
      int r = poll (p, 3, exited ? 100 : -1);
      if (r < 0 && errno != EINTR)
        {
          terminal_restore (0, &saved);
          return urun_fail (err, errno, "poll");
        }
      if (r == 0 && exited)
        break;
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        if (!pump (pty_master, 1))
          master_open = false;
      if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
        if (!pump (0, pty_master))
          stdin_open = false;
      if (p[0].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          while (read (sfd, &si, sizeof si) == sizeof si)
            {
              if (si.ssi_signo == SIGCHLD)
                {
                  int st;
                  pid_t w;
                  /* reap everything that is ours (we may be a subreaper) */
                  while ((w = waitpid (-1, &st, WNOHANG | __WALL)) > 0)
                    if (w == pid)
                      {
                        *status = st;
                        exited = true;
                      }
                }
              else if (si.ssi_signo == SIGWINCH)
                {
                  if (pty_master >= 0)
                    terminal_copy_size (0, pty_master);
                }
              else
                kill (pid, si.ssi_signo);
            }
        }
    }
  terminal_restore (0, &saved);
  return 0;
}
