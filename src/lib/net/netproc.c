/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the network's own processes: fork, filter, report (netproc.h). */
#include <config.h>
#include "netproc.h"
#include "net.h"
#include "pidfd.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* In the child: its fds, its signals, its session. */
static void
child_setup (int sock, const int *keep, size_t n, pid_t parent)
{
  sigset_t none;
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC), k[NET_KEEP_MAX];
  /* moved above 3 + n first: none may be overwritten by another's dup2 */
  int s = fcntl (sock, F_DUPFD_CLOEXEC, 4 + (int) n);
  if (null < 0 || s < 0 || n > NET_KEEP_MAX)
    _exit (1);
  for (size_t i = 0; i < n; i++)
    if ((k[i] = fcntl (keep[i], F_DUPFD_CLOEXEC, 4 + (int) n)) < 0)
      _exit (1);
  if (dup2 (s, 3) < 0)
    _exit (1);
  for (size_t i = 0; i < n; i++)
    if (dup2 (k[i], 4 + (int) i) < 0)
      _exit (1);
  for (int i = 0; i < 3; i++)
    dup2 (null, i);
  syscall (SYS_close_range, 4U + (unsigned) n, ~0U, 0U);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_IGN);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid () != parent)
    _exit (1);
  setsid ();
}

pid_t
net_fork (const int *keep, size_t n, const char *what, int *sock, urun_err *err)
{
  int sv[2];
  pid_t pid, parent = getpid ();
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return urun_fail (err, errno, "network: socketpair");
  pid = fork ();
  if (pid == 0)
    {
      child_setup (sv[1], keep, n, parent);
      return 0;
    }
  close (sv[1]);
  if (pid < 0)
    {
      close (sv[0]);
      return urun_fail (err, errno, "network: fork %s", what);
    }
  *sock = sv[0];
  return pid;
}

scmp_filter_ctx
net_filter_new (const char *const *allowed, size_t n, int *r)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ERRNO (EPERM));
  *r = 0;
  if (ctx == NULL)
    return NULL;
  for (size_t i = 0; i < n && *r == 0; i++)
    {
      int nr = seccomp_syscall_resolve_name (allowed[i]);
      if (nr != __NR_SCMP_ERROR)
        *r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, nr, 0);
    }
  /* sigaltstack: asked, not changed, by ASan before a call that does not
   * return (the loops); an alternative signal stack is the process's own */
  if (*r == 0)
    *r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (sigaltstack), 0);
  /* prctl only to drop the death signal, once ready */
  if (*r == 0)
    *r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (prctl), 2, SCMP_A0 (SCMP_CMP_EQ, PR_SET_PDEATHSIG),
                           SCMP_A1 (SCMP_CMP_EQ, 0));
  return ctx;
}

int
net_filter_load (scmp_filter_ctx ctx, int r, const char *who, urun_err *err)
{
  if (ctx == NULL)
    return urun_fail (err, 0, "network: seccomp_init");
  if (r == 0)
    r = seccomp_load (ctx);
  seccomp_release (ctx);
  if (r < 0)
    return urun_fail (err, -r, "network: load %s's seccomp filter", who);
  return 0;
}

int
net_enter (const int *ns, const char *who, urun_err *err)
{
  /* EINVAL: the container is in the caller's own user namespace */
  if ((setns (ns[0], CLONE_NEWUSER) == 0 || errno == EINVAL) && setns (ns[1], CLONE_NEWNET) == 0)
    return 0;
  return urun_fail (err, errno, "network: %s cannot join the container's network namespace", who);
}

int
net_ns_open (pid_t pid, int ns[2], urun_err *err)
{
  static const char *const names[] = { "user", "net" };
  char p[64];
  for (int i = 0; i < 2; i++)
    {
      snprintf (p, sizeof p, "/proc/%d/ns/%s", (int) pid, names[i]);
      if ((ns[i] = open (p, O_RDONLY | O_CLOEXEC)) < 0)
        {
          int e = errno;
          if (i)
            close (steal_fd (&ns[0]));
          return urun_fail (err, e, "network: the container's %s namespace", names[i]);
        }
    }
  return 0;
}

#ifndef PIDFD_GET_NET_NAMESPACE
#define PIDFD_GET_NET_NAMESPACE _IO (0xFF, 4)
#endif
#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO (0xb7, 0x1)
#endif

int
net_ns_of_pidfd (int pidfd, pid_t pid, int ns[2])
{
  cleanup_close int net = (int) ioctl (pidfd, PIDFD_GET_NET_NAMESPACE, 0);
  int user;
  if (net < 0)
    {
      char p[64];
      snprintf (p, sizeof p, "/proc/%d/ns/net", (int) pid);
      net = open (p, O_RDONLY | O_CLOEXEC);
      /* the pid was the spare's throughout if it is alive after the open */
      if (net >= 0 && syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
        return -1;
    }
  /* the network namespace's owner: the spare's user namespace */
  if (net < 0 || (user = ioctl (net, NS_GET_USERNS)) < 0)
    return -1;
  ns[0] = user;
  ns[1] = steal_fd (&net);
  return 0;
}

int
net_report_up (int sock, const char *note)
{
  char buf[512] = "";
  size_t n = 0;
  if (note)
    {
      snprintf (buf + 1, sizeof buf - 1, "%s", note);
      n = strnlen (buf + 1, sizeof buf - 1);
    }
  return write (sock, buf, 1 + n) < 1 ? -1 : 0;
}
