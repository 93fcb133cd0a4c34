/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the processes of a container: finding them in its cgroup or in
 * /proc and signalling them, never a pid that was recycled; and the
 * subreaper's end, which kills and reaps what is left below urun. */
#include <config.h>
#include "container_priv.h"
#include "pidfd.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static bool
same_ns (const char *ns, pid_t a, pid_t b)
{
  char pa[64], pb[64];
  struct stat sa, sb;
  snprintf (pa, sizeof pa, "/proc/%d/ns/%s", (int) a, ns);
  snprintf (pb, sizeof pb, "/proc/%d/ns/%s", (int) b, ns);
  return stat (pa, &sa) == 0 && stat (pb, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

int
procs_of_container (const struct container_state *st, pid_t **out, size_t *n, urun_err *err)
{
  DIR *d = opendir ("/proc");
  struct dirent *de;
  size_t cap = 16;
  /* every container has a mount namespace of its own, and `urun exec`
   * joins it: where the pid namespace is ours, that is what tells */
  const char *ns = same_ns ("pid", st->pid, getpid ()) ? "mnt" : "pid";
  pid_t *v;

  *n = 0;
  if (d == NULL)
    return urun_fail (err, errno, "open /proc");
  v = xmalloc0 (cap * sizeof *v);
  v[(*n)++] = st->pid;
  while ((de = readdir (d)))
    {
      unsigned long p;
      if (!parse_ulong (de->d_name, &p) || (pid_t) p == st->pid)
        continue;
      if (!same_ns (ns, p, st->pid))
        continue;
      if (*n == cap)
        v = xrealloc (v, (cap *= 2) * sizeof *v);
      v[(*n)++] = p;
    }
  closedir (d);
  *out = v;
  return 0;
}

int
container_pids (struct urun_context *ctx, const char *id, pid_t **pids, size_t *n, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  if (container_open_state (ctx, id, false, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  if (state_status (dirfd, st) == STATUS_STOPPED)
    {
      *pids = NULL;
      *n = 0;
      return 0;
    }
  /* with a cgroup, what is in it: the processes its init left behind
   * too, which no namespace tells where it has no pid namespace */
  if (cgroup_pids_at (dirfd, pids, n, err) < 0)
    return urun_err_wrap (err, "container `%s`", id);
  if (*n > 0)
    return 0;
  free (*pids);
  *pids = NULL;
  return procs_of_container (st, pids, n, err);
}

int
procs_signal_init (pid_t pid, unsigned long long start_time, int sig, urun_err *err)
{
  /* a pidfd pins the process: check its start time after opening it so a
   * recycled pid is never signalled */
  int pidfd = syscall (SYS_pidfd_open, pid, 0);
  if (pidfd >= 0)
    {
      int r = 0;
      if (proc_start_time (pid) != start_time)
        r = urun_fail (err, 0, "container is not running");
      else if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
        r = urun_fail (err, errno, "send signal %d", sig);
      close (pidfd);
      return r;
    }
  if (proc_start_time (pid) != start_time)
    return urun_fail (err, 0, "container is not running");
  if (kill (pid, sig) < 0)
    return urun_fail (err, errno, "send signal %d", sig);
  return 0;
}

/* Wait (bounded) for a process that is not our child to disappear. */
static void
wait_gone (pid_t pid, unsigned long long start_time, int timeout_ms)
{
  int pidfd = syscall (SYS_pidfd_open, pid, 0);
  if (pidfd >= 0)
    {
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      if (proc_start_time (pid) == start_time)
        poll (&p, 1, timeout_ms);
      close (pidfd);
      return;
    }
  for (int i = 0; i < timeout_ms / 10 && proc_start_time (pid) == start_time; i++)
    usleep (10000);
}

int
procs_kill_all (const struct container_state *st, urun_err *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (!state_pid_alive (st))
    return 0;
  if (procs_of_container (st, &pids, &n, err) < 0)
    return -1;
  for (size_t i = n; i-- > 1;)
    kill (pids[i], SIGKILL);
  procs_signal_init (st->pid, st->pid_start_time, SIGKILL, NULL);
  wait_gone (st->pid, st->pid_start_time, 10000);
  if (proc_start_time (st->pid) == st->pid_start_time)
    return urun_fail (err, 0, "container `%s`: process %d did not die after SIGKILL", st->id, (int) st->pid);
  return 0;
}

/* Processes of /proc whose PPid is ours (field 4 of /proc/PID/stat,
 * after the command name's closing parenthesis). */
static void
children_from_proc (pid_t **out, size_t *n)
{
  DIR *d = opendir ("/proc");
  struct dirent *de;
  size_t cap = 0;
  pid_t me = getpid ();
  while (d && (de = readdir (d)))
    {
      char path[64];
      cleanup_free char *text = NULL;
      cleanup_err urun_err e = NULL;
      unsigned long p;
      int ppid;
      char *rp;
      if (!parse_ulong (de->d_name, &p))
        continue;
      snprintf (path, sizeof path, "/proc/%lu/stat", p);
      if (read_file_at (AT_FDCWD, path, &text, NULL, &e) < 0 || (rp = strrchr (text, ')')) == NULL
          || sscanf (rp + 1, " %*c %d", &ppid) != 1 || ppid != me)
        continue;
      if (*n == cap)
        *out = xrealloc (*out, (cap = cap ? cap * 2 : 16) * sizeof **out);
      (*out)[(*n)++] = (pid_t) p;
    }
  if (d)
    closedir (d);
}

/* Our children: each thread's /proc/self/task/TID/children; without
 * that file (a kernel without CONFIG_PROC_CHILDREN), the processes of
 * /proc whose parent we are.  Zombies included (until reaped). */
static void
own_children (pid_t **out, size_t *n)
{
  size_t cap = 0;
  bool listed = false;
  DIR *d = opendir ("/proc/self/task");
  struct dirent *de;
  *out = NULL;
  *n = 0;
  while (d && (de = readdir (d)))
    {
      char path[64];
      cleanup_free char *text = NULL;
      cleanup_err urun_err e = NULL;
      char *save = NULL;
      unsigned long tid;
      if (!parse_ulong (de->d_name, &tid))
        continue;
      snprintf (path, sizeof path, "/proc/self/task/%lu/children", tid);
      if (read_file_at (AT_FDCWD, path, &text, NULL, &e) < 0)
        continue;
      listed = true;
      for (char *t = strtok_r (text, " \n", &save); t; t = strtok_r (NULL, " \n", &save))
        {
          unsigned long p;
          if (!parse_ulong (t, &p))
            continue;
          if (*n == cap)
            *out = xrealloc (*out, (cap = cap ? cap * 2 : 16) * sizeof **out);
          (*out)[(*n)++] = (pid_t) p;
        }
    }
  if (d)
    closedir (d);
  if (!listed)
    children_from_proc (out, n);
}

/* Until PID has exited (it need not be reaped) or END (clock_ms) passed. */
static void
wait_one_exit (pid_t pid, long long end)
{
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  long long left = end - clock_ms (CLOCK_MONOTONIC);
  if (fd < 0)
    {
      usleep (1000);
      return;
    }
  struct pollfd pf = { .fd = fd, .events = POLLIN };
  poll (&pf, 1, left < 0 ? 0 : left > 100 ? 100 : (int) left);
  close (fd);
}

/* The subreaper's end (run, exec): every process that is still our child
 * is the container's (or exec's) or was orphaned below us, and goes.  A
 * killed process's own children become ours in turn (we are their
 * subreaper), so the list is read again until it is empty, bounded (5 s,
 * 5000 rounds).  Killing by pid is safe here: a child of ours keeps its
 * pid until we reap it, and only we do. */
bool
procs_kill_children (pid_t spare)
{
  long long end = clock_ms (CLOCK_MONOTONIC) + 5000;
  for (int round = 0; round < 5000; round++)
    {
      cleanup_free pid_t *v = NULL;
      size_t n;
      int st, reaped = 0;
      while (waitpid (-1, &st, WNOHANG | __WALL) > 0)
        reaped++;
      own_children (&v, &n);
      /* SPARE: killed, not waited for */
      for (size_t i = 0; spare > 0 && i < n; i++)
        if (v[i] == spare)
          {
            kill (spare, SIGKILL);
            v[i--] = v[--n];
          }
      if (n == 0)
        return true;
      for (size_t i = 0; i < n; i++)
        kill (v[i], SIGKILL);
      if (clock_ms (CLOCK_MONOTONIC) > end)
        break;
      /* dying takes a moment: reap what did, else wait for one of them
       * (its pidfd; bounded) */
      while (waitpid (-1, &st, WNOHANG | __WALL) > 0)
        reaped++;
      if (reaped == 0)
        wait_one_exit (v[0], end);
    }
  return false;
}
