/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "state.h"
#include "cgroup/cgroup.h"
#include "spec.h"
#include "fault.h"
#include "sync.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int
state_root_check (const char *root, urun_err *err)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  size_t l = xdg ? strlen (xdg) : 0;
  struct stat sb;
  /* the default rootless root: say what is wrong with XDG_RUNTIME_DIR */
  if (l == 0 || strncmp (root, xdg, l) != 0 || strcmp (root + l, "/urun") != 0)
    return 0;
  if (stat (xdg, &sb) < 0)
    urun_fail (err, errno, "XDG_RUNTIME_DIR `%s` is not usable (set XDG_RUNTIME_DIR to a directory owned by you)", xdg);
  else if (sb.st_uid != geteuid () || !S_ISDIR (sb.st_mode))
    urun_fail (err, 0, "XDG_RUNTIME_DIR `%s` is not a directory owned by you (set XDG_RUNTIME_DIR)", xdg);
  else
    return 0;
  return urun_err_topic (err, URUN_TOPIC_STATE_ROOT);
}

int
state_root_open (const char *root, bool create, int *fd, urun_err *err)
{
  struct stat sb;
  int r;

  /* made already, mostly: the path is walked once */
  r = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (create && r < 0 && errno == ENOENT)
    {
      cleanup_free char *parent = xstrdup (root);
      char *slash = strrchr (parent, '/');
      if (slash && slash != parent)
        {
          *slash = '\0';
          if (mkdir_p (parent, 0700, err) < 0)
            return urun_err_wrap (err, "state root");
        }
      if (mkdir (root, 0700) < 0 && errno != EEXIST)
        return urun_fail (err, errno, "create state root `%s`", root);
      r = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    }
  if (r < 0)
    {
      if (errno == ELOOP || errno == ENOTDIR)
        return urun_fail (err, 0, "state root `%s` is a symlink or not a directory: refusing it", root);
      return urun_fail (err, errno, "open state root `%s`", root);
    }
  if (fstat (r, &sb) < 0)
    {
      close (r);
      return urun_fail (err, errno, "stat state root `%s`", root);
    }
  /* someone else's directory could be swapped under us: refuse it */
  if (sb.st_uid != geteuid ())
    {
      close (r);
      return urun_fail (err, 0, "state root `%s` is owned by uid %u, not by you (uid %u)", root,
                        (unsigned) sb.st_uid, (unsigned) geteuid ());
    }
  /* others who can write it can plant a container (and its hooks) */
  if (sb.st_mode & 0022)
    {
      close (r);
      return urun_fail (err, 0, "state root `%s` is writable by others (mode %03o): refusing it (chmod 0700 it)", root,
                        (unsigned) (sb.st_mode & 0777));
    }
  if ((sb.st_mode & 0077) != 0 && create)
    fchmod (r, 0700);
  *fd = r;
  return 0;
}

/* runc's ids (^[A-Za-z0-9_+.-]+$, not `.` or `..`), at most 1024 bytes,
 * and not a hidden name: `list` does not show those. */
int
state_dir_check (int dirfd, const char *id, urun_err *err)
{
  struct stat sb;
  if (fstat (dirfd, &sb) < 0)
    return urun_fail (err, errno, "stat the state directory of `%s`", id);
  if (sb.st_uid != geteuid ())
    return urun_fail (err, 0, "the state directory of `%s` is owned by uid %u, not by you: refusing to act on it", id,
                      (unsigned) sb.st_uid);
  if (sb.st_mode & 0022)
    return urun_fail (err, 0, "the state directory of `%s` is writable by others (mode %03o): refusing to act on it",
                      id, (unsigned) (sb.st_mode & 0777));
  return 0;
}

int
state_validate_id (const char *id, urun_err *err)
{
  static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-";
  size_t len = strlen (id), ok = strspn (id, allowed);

  if (len == 0)
    return urun_fail (err, 0, "container ID is empty");
  if (len > 1024)
    return urun_fail (err, 0, "container ID is longer than 1024 bytes");
  if (ok < len)
    {
      char bad[2] = { id[ok], '\0' };
      return urun_fail (err, 0, "invalid container ID `%s`: `%s` is not allowed (only letters, digits and `_+.-`)",
                        quote (id), quote (bad));
    }
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return urun_fail (err, 0, "invalid container ID `%s`", id);
  if (id[0] == '.')
    return urun_fail (err, 0, "invalid container ID `%s`: must not start with `.` (a hidden name in the state root)", id);
  return 0;
}

static int
lock_dir (int fd, const char *id, urun_err *err)
{
  if (flock (fd, LOCK_EX) < 0)
    return urun_fail (err, errno, "lock container `%s`", id);
  return 0;
}

int
state_dir_create (int rootfd, const char *id, int *dirfd, urun_err *err)
{
  int fd;
  if (mkdirat (rootfd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return urun_fail (err, 0, "container ID already exists: `%s`", id);
      if (errno == ENAMETOOLONG)
        return urun_fail (err, 0, "container ID is longer than the %d bytes a state directory name can hold", NAME_MAX);
      return urun_fail (err, errno, "create state directory for `%s`", id);
    }
  fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      int e = errno;
      unlinkat (rootfd, id, AT_REMOVEDIR);
      return urun_fail (err, e, "open state directory for `%s`", id);
    }
  /* who creates it: `delete -f` stops it if it hangs */
  if (lock_dir (fd, id, err) < 0
      || state_write_pid_file (fd, CREATOR_PID_FILE, getpid (), proc_start_time (getpid ()), err) < 0)
    {
      close (fd);
      unlinkat (rootfd, id, AT_REMOVEDIR);
      return -1;
    }
  *dirfd = fd;
  return 0;
}

int
state_dir_open (int rootfd, const char *id, bool lock, int *dirfd, urun_err *err)
{
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        {
          urun_fail (err, 0, "container `%s` does not exist", id);
          (*err)->errnum = ENOENT;
          return -1;
        }
      return urun_fail (err, errno, "open state directory of `%s`", id);
    }
  if (state_dir_check (fd, id, err) < 0 || (lock && lock_dir (fd, id, err) < 0))
    {
      close (fd);
      return -1;
    }
  *dirfd = fd;
  return 0;
}

bool
state_dir_busy (int dirfd)
{
  char p[32];
  cleanup_close int fd = -1;
  /* a lock of our own on another open file description would not conflict
   * with one we hold, but it does with a create's */
  snprintf (p, sizeof p, "/proc/self/fd/%d", dirfd);
  fd = open (p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  return flock (fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

int
state_write_pid_file (int dirfd, const char *name, pid_t pid, unsigned long long start_time, urun_err *err)
{
  char buf[64];
  int n = snprintf (buf, sizeof buf, "%d %llu\n", (int) pid, start_time);
  return write_file_atomic_at (dirfd, name, buf, n, 0600, err);
}

int
state_read_pid_file (int dirfd, const char *name, pid_t *pid, unsigned long long *start_time)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  long p = 0;
  unsigned long long t = 0;
  *pid = 0;
  *start_time = 0;
  if (read_file_at (dirfd, name, &text, NULL, &e) < 0)
    return 0;
  if (sscanf (text, "%ld %llu", &p, &t) == 2 && p > 0 && p < (1L << 22))
    {
      *pid = p;
      *start_time = t;
    }
  return 0;
}

/* A directory of the state directory (notify/: the sd_notify socket), one
 * level deep; errno set on failure. */
static int
remove_subdir (int parent, const char *name)
{
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  while ((de = readdir (d)))
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
      unlinkat (dirfd (d), de->d_name, 0);
  closedir (d);
  return unlinkat (parent, name, AT_REMOVEDIR);
}

int
state_dir_remove (int rootfd, const char *id, int dirfd, urun_err *err)
{
  int fd = dup (dirfd);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return urun_fail (err, errno, "read state directory of `%s`", id);
    }
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (unlinkat (dirfd, de->d_name, 0) < 0 && errno != ENOENT
          && !(errno == EISDIR && remove_subdir (dirfd, de->d_name) == 0))
        {
          int e = errno;
          closedir (d);
          return urun_fail (err, e, "remove `%s` of container `%s`", de->d_name, id);
        }
      fault_point (STEP_DELETE_FILE, FAULT_AT);
    }
  closedir (d);
  if (unlinkat (rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return urun_fail (err, errno, "remove state directory of `%s`", id);
  return 0;
}

int
state_write (int dirfd, const struct container_state *st, const json_node *annotations, urun_err *err)
{
  json_writer *w = json_writer_new (false);
  const char *text;
  size_t len;
  int r;

  json_w_open_object (w);
  json_w_key (w, "id");
  json_w_string (w, st->id);
  json_w_key (w, "pid");
  json_w_int (w, st->pid);
  json_w_key (w, "pidStartTime");
  json_w_int (w, (long long) st->pid_start_time);
  json_w_key (w, "mntNs");
  json_w_int (w, (long long) st->mnt_ns);
  json_w_key (w, "bundle");
  json_w_string (w, st->bundle);
  json_w_key (w, "rootfs");
  json_w_string (w, st->rootfs);
  json_w_key (w, "created");
  json_w_string (w, st->created);
  json_w_key (w, "owner");
  json_w_int (w, st->owner);
  json_w_key (w, "rootless");
  json_w_bool (w, st->rootless);
  json_w_key (w, "annotations");
  if (annotations)
    json_w_node (w, annotations);
  else
    {
      json_w_open_object (w);
      json_w_close_object (w);
    }
  json_w_close_object (w);
  text = json_writer_text (w, &len);
  r = write_file_atomic_at (dirfd, STATE_FILE, text, len, 0600, err);
  json_writer_free (w);
  return r;
}

int
state_read (int dirfd, struct container_state **out, urun_err *err)
{
  cleanup_free char *text = NULL;
  cleanup_state struct container_state *st = NULL;
  size_t len;
  long long v;

  if (read_file_at (dirfd, STATE_FILE, &text, &len, err) < 0)
    return -1;
  st = xmalloc0 (sizeof *st);
  st->doc = json_parse (text, len, err);
  if (st->doc == NULL)
    return urun_err_wrap (err, "state file");
  st->id = xstrdup (json_string (json_get (st->doc, "id")));
  st->bundle = xstrdup (json_string (json_get (st->doc, "bundle")));
  st->rootfs = xstrdup (json_string (json_get (st->doc, "rootfs")));
  st->created = xstrdup (json_string (json_get (st->doc, "created")));
  if (json_integer (json_get (st->doc, "pid"), &v))
    st->pid = v;
  if (json_integer (json_get (st->doc, "pidStartTime"), &v))
    st->pid_start_time = v;
  if (json_integer (json_get (st->doc, "mntNs"), &v))
    st->mnt_ns = v;
  if (json_integer (json_get (st->doc, "owner"), &v))
    st->owner = v;
  st->rootless = json_bool (json_get (st->doc, "rootless"));
  *out = steal_ptr (&st);
  return 0;
}

void
state_free (struct container_state *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  json_free (st->doc);
  free (st);
}

void
cleanup_state_freep (struct container_state **st)
{
  state_free (*st);
}

unsigned long long
state_mnt_ns_of (pid_t pid)
{
  char p[64];
  struct stat sb;
  snprintf (p, sizeof p, "/proc/%d/ns/mnt", (int) pid);
  return stat (p, &sb) == 0 ? (unsigned long long) sb.st_ino : 0;
}

bool
state_pid_alive (const struct container_state *st)
{
  unsigned long long ns;
  if (st->pid <= 0 || proc_start_time (st->pid) != st->pid_start_time)
    return false;
  /* a pid recycled within the same clock tick is not in our namespace */
  ns = st->mnt_ns ? state_mnt_ns_of (st->pid) : 0;
  return ns == 0 || ns == st->mnt_ns;
}

enum container_status
state_status (int dirfd, const struct container_state *st)
{
  struct stat sb;
  if (st == NULL)
    return STATUS_CREATING;
  if (!state_pid_alive (st))
    return STATUS_STOPPED;
  /* its cgroup frozen (urun pause; a created one too, as runc allows) */
  if (cgroup_frozen_at (dirfd))
    return STATUS_PAUSED;
  /* the start socket exists from create until start */
  if (fstatat (dirfd, EXEC_SOCK, &sb, AT_SYMLINK_NOFOLLOW) == 0)
    return STATUS_CREATED;
  return STATUS_RUNNING;
}

const char *
state_status_name (enum container_status s)
{
  static const char *const names[] = { "creating", "created", "running", "stopped", "paused" };
  return names[s];
}

void
state_write_json (json_writer *w, const struct container_state *st, enum container_status status)
{
  const json_node *ann = st->annotations ? st->annotations : json_get (st->doc, "annotations");
  json_w_open_object (w);
  json_w_key (w, "ociVersion");
  json_w_string (w, SPEC_OCI_VERSION_MAX);
  json_w_key (w, "id");
  json_w_string (w, st->id);
  json_w_key (w, "status");
  json_w_string (w, state_status_name (status));
  json_w_key (w, "pid");
  json_w_int (w, status == STATUS_STOPPED ? 0 : st->pid);
  json_w_key (w, "bundle");
  json_w_string (w, st->bundle);
  json_w_key (w, "rootfs");
  json_w_string (w, st->rootfs);
  json_w_key (w, "created");
  json_w_string (w, st->created);
  json_w_key (w, "owner");
  {
    cleanup_free char *o = xasprintf ("%u", (unsigned) st->owner);
    json_w_string (w, o);
  }
  json_w_key (w, "annotations");
  /* a map of strings, as the config's are (spec_parse checks them): only
   * those of a state file.  Copying whatever it holds would nest as deep
   * as the file does, and past YAJL_MAX_DEPTH (128) yajl's writer writes
   * out of bounds of its state array (over its print callback). */
  json_w_open_object (w);
  for (size_t i = 0; json_kind (ann) == JSON_OBJECT && i < json_len (ann); i++)
    if (json_kind (json_at (ann, i)) == JSON_STRING)
      {
        json_w_key (w, json_key_at (ann, i));
        json_w_string (w, json_string (json_at (ann, i)));
      }
  json_w_close_object (w);
  json_w_close_object (w);
}

char *
state_to_json (const struct container_state *st, enum container_status status, bool pretty, size_t *len)
{
  json_writer *w = json_writer_new (pretty);
  state_write_json (w, st, status);
  return json_writer_finish (w, true, len);
}
