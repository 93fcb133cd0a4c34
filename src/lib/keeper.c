/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the per-user namespace keeper (keeper.h). */
#include <config.h>
#include "keeper.h"
#include "pidfd.h"
#include "fault.h"
#include "log.h"
#include "spare.h"
#include "sync.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The argv area of this process, whose text ps shows (urun.c sets it). */
char *urun_argv_area;
size_t urun_argv_len;

int
keeper_opts_parse (const char *mode, const char *idle, bool env, struct keeper_opts *o, urun_err *err)
{
  const char *what = mode ? "--userns-keeper" : "URUN_USERNS_KEEPER", *spare;
  unsigned long v;
  o->on = true;
  o->idle = KEEPER_IDLE_DEFAULT;
  if (mode == NULL && env)
    mode = getenv ("URUN_USERNS_KEEPER");
  if (mode && strcmp (mode, "on") != 0 && strcmp (mode, "off") != 0)
    return urun_fail (err, 0, "%s: `%s` is not on or off", what, quote (mode));
  o->on = mode == NULL || strcmp (mode, "on") == 0;
  what = idle ? "--userns-keeper-idle" : "URUN_USERNS_KEEPER_IDLE";
  if (idle == NULL && env)
    idle = getenv ("URUN_USERNS_KEEPER_IDLE");
  if (idle && (!parse_ulong (idle, &v) || v == 0 || v > 86400 * 365))
    return urun_fail (err, 0, "%s: `%s` is not a number of seconds (1 or more)", what, quote (idle));
  if (idle)
    o->idle = (unsigned) v;
  /* the spare (spare.h): the environment only, for create and run */
  o->spare = true;
  spare = env ? getenv ("URUN_USERNS_KEEPER_SPARE") : NULL;
  if (spare && strcmp (spare, "on") != 0 && strcmp (spare, "off") != 0)
    return urun_fail (err, 0, "URUN_USERNS_KEEPER_SPARE: `%s` is not on or off", quote (spare));
  o->spare = spare == NULL || strcmp (spare, "on") == 0;
  return 0;
}

/* ---- the record ------------------------------------------------------------ */

struct keeper_rec
{
  pid_t pid;
  unsigned long long start;
  unsigned idle;
  unsigned long long subuid[3], subgid[3]; /* what the maps were made from */
  unsigned long long exe[3];               /* the urun binary it runs */
  struct spec_id_mapping uid[IDMAP_MAX_RANGES + 1], gid[IDMAP_MAX_RANGES + 1];
  size_t n_uid, n_gid;
};

/* A file's identity: modification time, size, inode (all 0 if missing). */
static void
file_id (const char *path, unsigned long long id[3])
{
  struct stat sb;
  memset (id, 0, 3 * sizeof *id);
  if (stat (path, &sb) == 0)
    {
      id[0] = (unsigned long long) sb.st_mtim.tv_sec * 1000000000ULL + (unsigned long long) sb.st_mtim.tv_nsec;
      id[1] = (unsigned long long) sb.st_size;
      id[2] = (unsigned long long) sb.st_ino;
    }
}

static char *
rec_format (const struct keeper_rec *r, size_t *len)
{
  cleanup_free char *u = idmap_format (r->uid, r->n_uid), *g = idmap_format (r->gid, r->n_gid);
  char *t = xasprintf ("pid %d\nstart %llu\nidle %u\nsubuid %llu %llu %llu\nsubgid %llu %llu %llu\nexe %llu %llu %llu\n"
                       "uid_map\n%sgid_map\n%s",
                       (int) r->pid, r->start, r->idle, r->subuid[0], r->subuid[1], r->subuid[2], r->subgid[0],
                       r->subgid[1], r->subgid[2], r->exe[0], r->exe[1], r->exe[2], u, g);
  *len = strlen (t);
  return t;
}

static int
rec_parse (char *text, struct keeper_rec *r)
{
  char *save = NULL, *l;
  int pid = 0, part = 0;
  memset (r, 0, sizeof *r);
  for (l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      struct spec_id_mapping m;
      if (strcmp (l, "uid_map") == 0 || strcmp (l, "gid_map") == 0)
        part = l[0] == 'u' ? 1 : 2;
      else if (part == 0)
        {
          if (sscanf (l, "pid %d", &pid) != 1 && sscanf (l, "start %llu", &r->start) != 1
              && sscanf (l, "idle %u", &r->idle) != 1
              && sscanf (l, "subuid %llu %llu %llu", &r->subuid[0], &r->subuid[1], &r->subuid[2]) != 3
              && sscanf (l, "subgid %llu %llu %llu", &r->subgid[0], &r->subgid[1], &r->subgid[2]) != 3
              && sscanf (l, "exe %llu %llu %llu", &r->exe[0], &r->exe[1], &r->exe[2]) != 3)
            return -1;
        }
      else if (sscanf (l, "%u %u %u", &m.container_id, &m.host_id, &m.size) == 3)
        {
          size_t *n = part == 1 ? &r->n_uid : &r->n_gid;
          if (*n == IDMAP_MAX_RANGES + 1)
            return -1;
          (part == 1 ? r->uid : r->gid)[(*n)++] = m;
        }
      else
        return -1;
    }
  r->pid = pid;
  return pid > 0 && r->start && r->n_uid && r->n_gid ? 0 : -1;
}

static int
rec_read (int rootfd, struct keeper_rec *r)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  cleanup_close int fd = openat (rootfd, KEEPER_RECORD, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || read_all_fd (fd, &text, NULL, &e) < 0)
    return -1;
  return rec_parse (text, r);
}

/* ---- the keeper process ------------------------------------------------------ */

/* ps shows what this process is (comm, always), and for which state root
 * (name ROOT) where urun's command line had room for that; the rest of
 * urun's command line is gone from it. */
void
keeper_set_name (const char *comm, const char *name, const char *root)
{
  size_t nl = strlen (name) + 1, cl = strlen (comm) + 1;
  prctl (PR_SET_NAME, comm, 0, 0, 0);
  if (urun_argv_area == NULL || urun_argv_len < cl)
    return;
  memset (urun_argv_area, 0, urun_argv_len);
  if (urun_argv_len < nl)
    {
      memcpy (urun_argv_area, comm, cl);
      return;
    }
  memcpy (urun_argv_area, name, nl);
  if (nl + strlen (root) + 1 <= urun_argv_len)
    memcpy (urun_argv_area + nl, root, strlen (root));
}

/* Our record is still there and names us; its modification time (the last
 * use) in *used_ms.  By path: the keeper holds nothing open in the state
 * root, which would keep its file system from being unmounted. */
static bool
still_ours (const char *root, long long *used_ms)
{
  cleanup_close int rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct keeper_rec r;
  struct stat sb;
  if (rootfd < 0 || rec_read (rootfd, &r) < 0 || r.pid != getpid ()
      || fstatat (rootfd, KEEPER_RECORD, &sb, AT_SYMLINK_NOFOLLOW) < 0)
    return false;
  *used_ms = (long long) sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
  return true;
}

/* Idle: our record goes, under the lock (a start that touched it in the
 * meantime keeps us). */
static bool
retire (const char *root, unsigned idle)
{
  cleanup_close int rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC), lock = -1;
  long long used;
  if (rootfd < 0)
    return true;
  if ((lock = openat (rootfd, KEEPER_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0)
    flock (lock, LOCK_EX);
  if (still_ours (root, &used) && used + idle * 1000LL > clock_ms (CLOCK_REALTIME))
    return false;
  if (still_ours (root, &used))
    unlinkat (rootfd, KEEPER_RECORD, 0);
  return true;
}

/* An inotify event that says the state root itself went (deleted,
 * moved, unmounted). */
static bool
root_went (int in)
{
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  ssize_t n;
  while ((n = read (in, buf, sizeof buf)) > 0)
    for (char *q = buf; q < buf + n; q += sizeof (struct inotify_event) + ((struct inotify_event *) q)->len)
      if (((struct inotify_event *) q)->mask & (IN_UNMOUNT | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
        return true;
  return false;
}

/* Until idle, replaced, or the state root is gone (inotify: the directory
 * deleted, moved or unmounted; an entry of it deleted or renamed, which
 * may be our record or our spare's, spare.h); tending the spare. */
static void
keeper_wait (const char *root, unsigned idle)
{
  struct spares sp;
  int in = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (in >= 0 && inotify_add_watch (in, root, IN_ONLYDIR | IN_DELETE_SELF | IN_MOVE_SELF | IN_DELETE | IN_MOVED_FROM
                                                  | IN_MOVED_TO) < 0)
    {
      close (in);
      in = -1;
    }
  spares_init (&sp);
  for (;;)
    {
      struct pollfd p = { .fd = in, .events = POLLIN };
      long long used, left;
      int wait, next;
      if (!still_ours (root, &used))
        break;
      left = used + idle * 1000LL - clock_ms (CLOCK_REALTIME);
      if (left <= 0 && retire (root, idle))
        break;
      next = spares_tend (&sp, root);
      wait = left <= 0 ? 1000 : left > INT_MAX ? INT_MAX : (int) left;
      if (next >= 0 && next < wait)
        wait = next;
      if (poll (&p, 1, wait) > 0 && root_went (in))
        break;
    }
  spares_end (&sp, root);
}

/* The keeper: fd 3 its socket to urun. */
static void __attribute__ ((noreturn))
keeper_main (const char *root, unsigned idle)
{
  sigset_t none;
  int e = 0, msg;
  char go;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  keeper_set_name ("urun-keeper", KEEPER_NAME, root);
  if (unshare (CLONE_NEWUSER) < 0)
    e = errno;
  /* our pid (or -errno: why there is no namespace), then urun's byte once
   * we are recorded; urun's end before it (it died): we go too */
  msg = e ? -e : getpid ();
  if (send (3, &msg, sizeof msg, MSG_NOSIGNAL) != sizeof msg || e || recv (3, &go, 1, 0) != 1)
    _exit (1);
  close (3);
  /* nothing of a start waits for us from here on: what we do (the spare
   * above all, spare.h) takes only time no one else wants */
  sched_setscheduler (0, SCHED_IDLE, &(struct sched_param){ 0 });
  setsid ();
  if (chdir ("/") < 0)
    _exit (1);
  keeper_wait (root, idle);
  _exit (0);
}

/* Fork the keeper away from us: through a child that exits at once, with
 * our subreaper flag off meanwhile (run's), so that it is init's (or the
 * session's reaper's) and no end of ours kills it.  Returns its socket. */
static int
keeper_fork (const char *root, unsigned idle, urun_err *err)
{
  int sv[2], was = 0, st;
  pid_t mid;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return urun_fail (err, errno, "socketpair");
  prctl (PR_GET_CHILD_SUBREAPER, &was, 0, 0, 0);
  if (was)
    prctl (PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  mid = fork ();
  if (mid == 0)
    {
      if (fork () == 0)
        {
          int s = fcntl (sv[1], F_DUPFD, 10), nul = open ("/dev/null", O_RDWR);
          if (s < 0 || nul < 0 || dup2 (nul, 0) < 0 || dup2 (nul, 1) < 0 || dup2 (nul, 2) < 0 || dup2 (s, 3) < 0)
            _exit (1);
          /* nothing of urun's (its locks above all) stays open here */
          close_fds_from (4);
          keeper_main (root, idle);
        }
      _exit (0);
    }
  close (sv[1]);
  if (mid > 0)
    wait_for_pid (mid, &st);
  if (was)
    prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (mid < 0)
    {
      close (sv[0]);
      return urun_fail (err, errno, "fork the user namespace keeper");
    }
  return sv[0];
}

/* ---- making one --------------------------------------------------------------- */

static void
kill_keeper (pid_t pid, unsigned long long start)
{
  cleanup_close int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd >= 0 && proc_start_time (pid) == start)
    syscall (SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
}

/* Under the lock: a new keeper with the user's ranges, mapped by the
 * helpers, recorded, then told to go on.  Returns 1, 0 (none: said in a
 * debug line), -1. */
static int
keeper_make (int rootfd, const char *root, unsigned idle, struct keeper_rec *r, urun_err *err)
{
  cleanup_idmap_caller struct idmap_caller me = { 0 };
  cleanup_close int sock = -1;
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  size_t len;
  int pid = 0;

  /* the files' identity first: a change after it makes the next start
   * replace this keeper, never keep one made from older ranges */
  memset (r, 0, sizeof *r);
  file_id ("/etc/subuid", r->subuid);
  file_id ("/etc/subgid", r->subgid);
  file_id ("/proc/self/exe", r->exe);
  idmap_caller_maps (getuid (), getgid (), &me);
  if (me.n_uid == 1 && me.n_gid == 1)
    return 0; /* no subordinate range: the own-id map needs no helper */
  if ((sock = keeper_fork (root, idle, err)) < 0)
    return -1;
  fault_point (STEP_KEEPER_FORK, FAULT_AT);
  if (recv (sock, &pid, sizeof pid, 0) != sizeof pid || pid <= 0)
    {
      urun_debug ("no user namespace keeper: it could not make its namespace (%s)", pid < 0 ? strerror (-pid) : "gone");
      return 0;
    }
  r->pid = pid;
  r->start = proc_start_time (pid);
  r->idle = idle;
  memcpy (r->uid, me.uid, me.n_uid * sizeof *me.uid);
  memcpy (r->gid, me.gid, me.n_gid * sizeof *me.gid);
  r->n_uid = me.n_uid;
  r->n_gid = me.n_gid;
  if (idmap_write_maps_of (pid, r->uid, r->n_uid, r->gid, r->n_gid, PLAN_MAP_HELPER, PLAN_MAP_HELPER, &e) < 0)
    {
      /* the container's own maps, written as before, say it again; the
       * keeper reads the end of its socket and goes */
      urun_debug ("no user namespace keeper: %s", e->msg);
      return 0;
    }
  fault_point (STEP_KEEPER_MAPS, FAULT_AT);
  text = rec_format (r, &len);
  if (write_file_atomic_at (rootfd, KEEPER_RECORD, text, len, 0600, err) < 0)
    return -1;
  fault_point (STEP_KEEPER_GO, FAULT_AT);
  /* recorded: it may outlive us now */
  if (send (sock, "g", 1, MSG_NOSIGNAL) != 1)
    {
      unlinkat (rootfd, KEEPER_RECORD, 0);
      return 0;
    }
  return 1;
}

/* ---- using one ---------------------------------------------------------------- */

enum found { FOUND_NONE, FOUND_STALE, FOUND_NOT_FOR_THESE, FOUND };

/* The keeper of the record, when it is alive and was made from the subid
 * files as they are, with the config's maps through its own. */
static enum found
keeper_take (const struct keeper_rec *r, const struct spec *s, struct keeper_use *k)
{
  unsigned long long uid_now[3], gid_now[3], exe_now[3];
  ssize_t nu, ng;
  file_id ("/etc/subuid", uid_now);
  file_id ("/etc/subgid", gid_now);
  /* and a keeper of another urun binary (an upgrade) is replaced too */
  file_id ("/proc/self/exe", exe_now);
  if (memcmp (uid_now, r->subuid, sizeof uid_now) != 0 || memcmp (gid_now, r->subgid, sizeof gid_now) != 0
      || memcmp (exe_now, r->exe, sizeof exe_now) != 0)
    return FOUND_STALE;
  k->pidfd = (int) syscall (SYS_pidfd_open, r->pid, 0);
  if (k->pidfd < 0 || proc_start_time (r->pid) != r->start)
    {
      keeper_use_close (k);
      return FOUND_STALE;
    }
  nu = idmap_translate (s->uid_mappings, s->n_uid_mappings, r->uid, r->n_uid, k->uid, KEEPER_MAX_LINES);
  ng = idmap_translate (s->gid_mappings, s->n_gid_mappings, r->gid, r->n_gid, k->gid, KEEPER_MAX_LINES);
  if (nu < 0 || ng < 0)
    {
      urun_debug ("the user namespace keeper's ranges do not hold the config's maps: mapped without it");
      keeper_use_close (k);
      return FOUND_NOT_FOR_THESE;
    }
  k->pid = r->pid;
  k->n_uid = (size_t) nu;
  k->n_gid = (size_t) ng;
  return FOUND;
}

/* The record's keeper, touched when it serves (its last use). */
static enum found
keeper_find (int rootfd, const struct spec *s, struct keeper_use *k, struct keeper_rec *r)
{
  enum found f;
  if (rec_read (rootfd, r) < 0)
    return FOUND_NONE;
  if ((f = keeper_take (r, s, k)) == FOUND)
    utimensat (rootfd, KEEPER_RECORD, NULL, AT_SYMLINK_NOFOLLOW);
  return f;
}

/* Serving: with the spare's pair of namespaces too, where the config
 * wants those (spare.h). */
static int
served (int rootfd, const struct keeper_rec *r, bool want_spare, bool o_spare, struct keeper_use *k)
{
  if (want_spare && o_spare && spare_fits (k->uid, k->n_uid, k->gid, k->n_gid, r->uid, r->n_uid, r->gid, r->n_gid))
    k->spare_pidfd = spare_claim (rootfd, r->pid, r->start, &k->spare_pid);
  return 1;
}

int
keeper_for (int rootfd, const struct spec *s, const struct keeper_opts *o, bool want_spare, struct keeper_use *k,
            urun_err *err)
{
  cleanup_close int lock = -1;
  char root[PATH_MAX], fdpath[64];
  struct keeper_rec r;
  enum found f;
  ssize_t n;
  int got;

  k->pidfd = k->spare_pidfd = -1;
  if (!o->on)
    return 0;
  if ((f = keeper_find (rootfd, s, k, &r)) == FOUND || f == FOUND_NOT_FOR_THESE)
    return f == FOUND ? served (rootfd, &r, want_spare, o->spare, k) : 0;
  /* none, or stale: one maker at a time, and maybe another made it */
  lock = openat (rootfd, KEEPER_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lock < 0 || flock (lock, LOCK_EX) < 0)
    return urun_fail (err, errno, "lock the state root's %s", KEEPER_LOCK);
  if ((f = keeper_find (rootfd, s, k, &r)) == FOUND || f == FOUND_NOT_FOR_THESE)
    return f == FOUND ? served (rootfd, &r, want_spare, o->spare, k) : 0;
  if (f == FOUND_STALE)
    {
      /* another range, or a dead one: replaced (its spare goes with it) */
      kill_keeper (r.pid, r.start);
      unlinkat (rootfd, KEEPER_RECORD, 0);
    }
  snprintf (fdpath, sizeof fdpath, "/proc/self/fd/%d", rootfd);
  if ((n = readlink (fdpath, root, sizeof root - 1)) < 0)
    n = 0;
  root[n] = '\0';
  if ((got = keeper_make (rootfd, root, o->idle, &r, err)) <= 0)
    return got;
  /* a new keeper has no spare yet: it makes one now, for the next start */
  return keeper_take (&r, s, k) == FOUND;
}

void
keeper_use_close (struct keeper_use *k)
{
  if (k->pidfd >= 0)
    close (steal_fd (&k->pidfd));
  keeper_spare_done (k);
}

void
keeper_spare_done (struct keeper_use *k)
{
  if (k->spare_pidfd >= 0)
    {
      syscall (SYS_pidfd_send_signal, k->spare_pidfd, SIGKILL, NULL, 0);
      close (steal_fd (&k->spare_pidfd));
    }
}

int
keeper_write_maps (pid_t pid, const struct keeper_use *k, enum plan_idmap gid_how, urun_err *err)
{
  /* as without a keeper: a gid map of the caller's own gid alone comes
   * with setgroups denied (PLAN_MAP_OWN) */
  return idmap_write_maps_of (pid, k->uid, k->n_uid, k->gid, k->n_gid, PLAN_MAP_DIRECT,
                              gid_how == PLAN_MAP_OWN ? PLAN_MAP_OWN : PLAN_MAP_DIRECT, err);
}
