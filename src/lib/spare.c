/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the user namespace keeper's spare (spare.h). */
#include <config.h>
#include "spare.h"
#include "keeper.h"
#include "namespaces.h"
#include "pidfd.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the record ------------------------------------------------------------ */

struct spare_rec
{
  int pid, keeper;
  unsigned long long start, keeper_start;
};

static int
rec_parse (const char *text, struct spare_rec *r)
{
  memset (r, 0, sizeof *r);
  if (sscanf (text, "pid %d\nstart %llu\nkeeper %d %llu\n", &r->pid, &r->start, &r->keeper, &r->keeper_start) != 4)
    return -1;
  return r->pid > 0 && r->keeper > 0 ? 0 : -1;
}

/* The record's spare pid (by path: the keeper holds nothing open in the
 * state root), or 0. */
static pid_t
rec_pid_at (const char *root)
{
  cleanup_close int dir = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  struct spare_rec r;
  if (dir < 0 || (fd = openat (dir, SPARE_RECORD, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0
      || read_all_fd (fd, &text, NULL, &e) < 0 || rec_parse (text, &r) < 0)
    return 0;
  return r.pid;
}

/* ---- the spare process ------------------------------------------------------ */

/* fd 3: its socket to the keeper.  A user namespace, mapped by the keeper
 * (which has CAP_SETUID and CAP_SETGID over it), then a network namespace
 * of that one with lo up; then it waits for its end: the keeper's closing
 * of the socket (or death), or a claimer's SIGKILL. */
static void __attribute__ ((noreturn))
spare_main (const char *root)
{
  cleanup_err urun_err e = NULL;
  char c = 'e';
  keeper_set_name ("urun-spare", SPARE_NAME, root);
  if (unshare (CLONE_NEWUSER) < 0)
    goto fail;
  if (send (3, "u", 1, MSG_NOSIGNAL) != 1 || recv (3, &c, 1, 0) != 1 || c != 'm')
    _exit (1);
  if (unshare (CLONE_NEWNET) < 0 || ns_loopback_up (&e) < 0)
    goto fail;
  if (send (3, "r", 1, MSG_NOSIGNAL) != 1)
    _exit (1);
  while (recv (3, &c, 1, 0) > 0)
    ;
  _exit (0);
fail:
  send (3, "e", 1, MSG_NOSIGNAL);
  _exit (1);
}

/* The keeper's own map of kind ("uid_map"), one to one: "a a n" for each
 * line "a b n" of it.  Returns the number of lines, 0 if unreadable. */
static size_t
identity_of_own (const char *kind, struct spec_id_mapping *out, size_t max)
{
  char path[64], *save = NULL, *l;
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  cleanup_close int fd = -1;
  size_t n = 0;
  snprintf (path, sizeof path, "/proc/self/%s", kind);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0 || read_all_fd (fd, &text, NULL, &e) < 0)
    return 0;
  for (l = strtok_r (text, "\n", &save); l && n < max; l = strtok_r (NULL, "\n", &save))
    if (sscanf (l, "%u %*u %u", &out[n].container_id, &out[n].size) == 2)
      {
        out[n].host_id = out[n].container_id;
        n++;
      }
  return n;
}

/* The spare's maps, written as the keeper (CAP_SETUID and CAP_SETGID over
 * it): setgroups stays allowed. */
static int
write_maps (pid_t pid)
{
  struct spec_id_mapping u[IDMAP_MAX_RANGES + 1], g[IDMAP_MAX_RANGES + 1];
  cleanup_err urun_err e = NULL;
  size_t nu = identity_of_own ("uid_map", u, IDMAP_MAX_RANGES + 1),
         ng = identity_of_own ("gid_map", g, IDMAP_MAX_RANGES + 1);
  if (nu == 0 || ng == 0)
    return -1;
  return idmap_write_maps_of (pid, u, nu, g, ng, PLAN_MAP_DIRECT, PLAN_MAP_DIRECT, &e);
}

static int
write_record (const char *root, pid_t pid, unsigned long long keeper_start)
{
  cleanup_close int dir = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_err urun_err e = NULL;
  char text[128];
  int n = snprintf (text, sizeof text, "pid %d\nstart %llu\nkeeper %d %llu\n", (int) pid, proc_start_time (pid),
                    (int) getpid (), keeper_start);
  if (dir < 0)
    return -1;
  return write_file_atomic_at (dir, SPARE_RECORD, text, (size_t) n, 0600, &e);
}

/* Fork a spare, map it, see its network namespace made, record it. */
static int
spare_make (struct spares *s, const char *root)
{
  int sv[2], st;
  char c = 0;
  pid_t pid, keeper = getpid ();
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return -1;
  if ((pid = fork ()) == 0)
    {
      /* ends with the keeper, whatever way it ends */
      if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () != keeper || dup2 (sv[1], 3) < 0)
        _exit (1);
      close_fds_from (4);
      spare_main (root);
    }
  close (sv[1]);
  if (pid < 0 || recv (sv[0], &c, 1, 0) != 1 || c != 'u' || write_maps (pid) < 0 || send (sv[0], "m", 1, MSG_NOSIGNAL) != 1 || recv (sv[0], &c, 1, 0) != 1
      || c != 'r' || write_record (root, pid, s->keeper_start) < 0)
    {
      /* 'e' or no answer: this host will not give the spare its
       * namespaces (or the state root is gone): no more tries */
      close (sv[0]);
      if (pid > 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, &st, 0);
        }
      s->failed = true;
      return -1;
    }
  s->cur = (struct spare_proc){ .pid = pid, .sock = sv[0] };
  return 0;
}

/* ---- the keeper's care ----------------------------------------------------- */

void
spares_init (struct spares *s)
{
  memset (s, 0, sizeof *s);
  s->cur.sock = -1;
  s->keeper_start = proc_start_time (getpid ());
}

static void
end_proc (struct spare_proc *p)
{
  if (p->sock >= 0)
    close (p->sock);
  p->sock = -1;
  p->pid = 0;
}

static void
drop_claimed (struct spares *s, size_t i)
{
  end_proc (&s->claimed[i]);
  s->claimed[i] = s->claimed[--s->n_claimed];
}

int
spares_tend (struct spares *s, const char *root)
{
  long long now = clock_ms (CLOCK_MONOTONIC), next = -1;
  pid_t dead;
  int st;
  while ((dead = waitpid (-1, &st, WNOHANG)) > 0)
    {
      if (dead == s->cur.pid)
        end_proc (&s->cur); /* its record names a dead process: not taken */
      for (size_t i = 0; i < s->n_claimed; i++)
        if (s->claimed[i].pid == dead)
          drop_claimed (s, i--);
    }
  /* its record gone: a start took it (and kills it), or our end nears */
  if (s->cur.pid && rec_pid_at (root) != s->cur.pid)
    {
      if (s->n_claimed == SPARE_MAX_CLAIMED)
        drop_claimed (s, 0);
      s->cur.deadline = now + SPARE_GRACE_MS;
      s->claimed[s->n_claimed++] = s->cur;
      s->cur = (struct spare_proc){ .sock = -1 };
    }
  for (size_t i = 0; i < s->n_claimed; i++)
    if (s->claimed[i].deadline <= now)
      drop_claimed (s, i--); /* its claimer died before it ended it */
  if (s->cur.pid == 0 && !s->failed)
    spare_make (s, root);
  for (size_t i = 0; i < s->n_claimed; i++)
    if (next < 0 || s->claimed[i].deadline - now < next)
      next = s->claimed[i].deadline - now;
  return next < 0 ? -1 : next > 0 ? (int) next : 1;
}

void
spares_end (struct spares *s, const char *root)
{
  if (s->cur.pid && rec_pid_at (root) == s->cur.pid)
    {
      cleanup_close int dir = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dir >= 0)
        unlinkat (dir, SPARE_RECORD, 0);
    }
  end_proc (&s->cur);
  while (s->n_claimed)
    drop_claimed (s, 0);
}

/* ---- a start's side ------------------------------------------------------- */

static bool
one_to_one (const struct spec_id_mapping *m, size_t n, const struct spec_id_mapping *k, size_t kn)
{
  if (n != kn)
    return false;
  for (size_t i = 0; i < n; i++)
    if (m[i].container_id != k[i].container_id || m[i].host_id != k[i].container_id || m[i].size != k[i].size)
      return false;
  return true;
}

bool
spare_fits (const struct spec_id_mapping *um, size_t nu, const struct spec_id_mapping *gm, size_t ng,
            const struct spec_id_mapping *kum, size_t knu, const struct spec_id_mapping *kgm, size_t kng)
{
  return one_to_one (um, nu, kum, knu) && one_to_one (gm, ng, kgm, kng);
}

int
spare_claim (int rootfd, pid_t keeper, unsigned long long keeper_start, pid_t *pid)
{
  cleanup_close int fd = openat (rootfd, SPARE_RECORD, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), pidfd = -1;
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  struct spare_rec r;
  struct stat sb;
  /* one claimer: it unlinks the record under its lock, and a later holder
   * of the lock sees the file it opened unlinked */
  if (fd < 0 || flock (fd, LOCK_EX) < 0 || fstat (fd, &sb) < 0 || sb.st_nlink == 0)
    return -1;
  if (read_all_fd (fd, &text, NULL, &e) < 0 || unlinkat (rootfd, SPARE_RECORD, 0) < 0 || rec_parse (text, &r) < 0
      || r.keeper != keeper || r.keeper_start != keeper_start)
    return -1;
  pidfd = (int) syscall (SYS_pidfd_open, r.pid, 0);
  if (pidfd < 0 || proc_start_time (r.pid) != r.start)
    return -1;
  *pid = r.pid;
  return steal_fd (&pidfd);
}
