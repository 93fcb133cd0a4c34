/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the processes in a container's cgroup, for `kill --all` and `ps`:
 * the cgroup is what tells which processes are the container's, whatever
 * namespaces it has (without a pid namespace, /proc cannot tell a process
 * its init left behind from any other of the host's).  For either kind:
 * v1, every hierarchy's directory (a process may have moved itself into a
 * sub-cgroup of one hierarchy only); v2, the one unified directory. */
#include <config.h>
#include "cgroup_priv.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* as deep as destroy goes (tree.c) */
#define MAX_DEPTH 256

struct pid_list
{
  pid_t *v;
  size_t n, cap;
};

static void
list_add (struct pid_list *l, pid_t p)
{
  if (l->n == l->cap)
    l->v = xrealloc (l->v, (l->cap = l->cap ? l->cap * 2 : 16) * sizeof *l->v);
  l->v[l->n++] = p;
}

/* The pids of cgroup.procs in the directory dfd, then of every cgroup
 * below it.  Only the top directory's own cgroup.procs must be readable
 * (a sub-cgroup may go away meanwhile). */
static int
collect (int dfd, int depth, struct pid_list *l, urun_err *err)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  char *save = NULL;
  DIR *d;
  struct dirent *de;
  int sub;
  if (read_file_at (dfd, "cgroup.procs", &text, NULL, depth == 0 ? err : &e) < 0)
    return depth == 0 ? -1 : 0;
  for (char *t = strtok_r (text, "\n", &save); t; t = strtok_r (NULL, "\n", &save))
    {
      unsigned long p;
      if (parse_ulong (t, &p) && p > 0)
        list_add (l, (pid_t) p);
    }
  if (depth >= MAX_DEPTH)
    return 0;
  sub = fcntl (dfd, F_DUPFD_CLOEXEC, 0);
  if (sub < 0 || (d = fdopendir (sub)) == NULL)
    {
      if (sub >= 0)
        close (sub);
      return 0;
    }
  while ((de = readdir (d)))
    {
      cleanup_close int child = -1;
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      child = openat (dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child >= 0)
        collect (child, depth + 1, l, NULL);
    }
  closedir (d);
  return 0;
}

static int
by_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return x < y ? -1 : x > y;
}

int
cgroup_pids (const struct urun_cgroup *cg, pid_t **pids, size_t *n, urun_err *err)
{
  struct pid_list l = { 0 };
  size_t out = 0;
  *pids = NULL;
  *n = 0;
  for (size_t i = 0; i < cg->n; i++)
    {
      cleanup_close int dfd = open (cg->dirs[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      /* a hierarchy where it was never made (or is gone) has none of it */
      if (dfd < 0 && errno == ENOENT)
        continue;
      if (dfd < 0)
        {
          free (l.v);
          return urun_fail (err, errno, "open cgroup %s", cg->dirs[i].path);
        }
      if (collect (dfd, 0, &l, err) < 0)
        {
          free (l.v);
          return urun_err_wrap (err, "cgroup %s", cg->dirs[i].path);
        }
    }
  /* v1: the same process is in each hierarchy; once each */
  if (l.n > 1)
    qsort (l.v, l.n, sizeof *l.v, by_pid);
  for (size_t i = 0; i < l.n; i++)
    if (out == 0 || l.v[out - 1] != l.v[i])
      l.v[out++] = l.v[i];
  *pids = l.v;
  *n = out;
  return 0;
}

int
cgroup_pids_at (int dirfd, pid_t **pids, size_t *n, urun_err *err)
{
  struct urun_cgroup cg;
  int r;
  *pids = NULL;
  *n = 0;
  if (cgroup_load (dirfd, &cg) < 0)
    return urun_fail (err, 0, "the cgroup record of the container is unreadable");
  r = cgroup_pids (&cg, pids, n, err);
  cgroup_free (&cg);
  return r;
}

/* cgroup v2 (kernel 5.14 on): cgroup.kill SIGKILLs the cgroup and every
 * cgroup below it at once, forks racing with it included.  1: done; 0:
 * there is no such file (an older kernel); -1: it failed. */
static int
v2_kill_file (const struct urun_cgroup *cg, urun_err *err)
{
  cleanup_free char *p = xasprintf ("%s/cgroup.kill", cg->dirs[0].path);
  cleanup_close int fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0 || write_all (fd, "1", 1) < 0)
    return urun_fail (err, errno, "write `1` to %s", p);
  return 1;
}

int
cgroup_kill (const struct urun_cgroup *cg, int sig, urun_err *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  int r;
  if (cg->kind == CGROUP_NONE)
    return 0;
  if (cg->kind == CGROUP_V2 && cg->n > 0 && sig == SIGKILL && (r = v2_kill_file (cg, err)) != 0)
    return r;
  /* the whole list first, then the signals: a process may leave or die
   * (with the init of a pid namespace) meanwhile; a pid read from the
   * cgroup is one of its processes, not a recycled one, unless it died
   * between the read and the kill (the same window as a /proc scan) */
  if (cgroup_pids (cg, &pids, &n, err) < 0)
    return -1;
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    kill (pids[i], sig);
  return 1;
}

int
cgroup_kill_at (int dirfd, int sig, urun_err *err)
{
  struct urun_cgroup cg;
  int r;
  if (cgroup_load (dirfd, &cg) < 0)
    return urun_fail (err, 0, "the cgroup record of the container is unreadable");
  r = cgroup_kill (&cg, sig, err);
  cgroup_free (&cg);
  return r;
}
