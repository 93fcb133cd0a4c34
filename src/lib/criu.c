/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "criu.h"
#include "cgroup/cgroup.h"
#include "log.h"
#include "path.h"
#include "rootfs.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* what the container's stdio were at dump (runc keeps descriptors.json):
 * restore hands its own stdio to the pipes and sockets among them */
#define STDIO_FILE "urun-stdio"

static const char *const default_devices[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                               "/dev/tty" };

/* ---- running criu ------------------------------------------------------ */

struct argv_buf
{
  char **v;
  size_t n;
};

static void
arg (struct argv_buf *a, char *s)
{
  a->v = xrealloc (a->v, (a->n + 2) * sizeof *a->v);
  a->v[a->n++] = s;
  a->v[a->n] = NULL;
}

static void
argv_free (struct argv_buf *a)
{
  for (size_t i = 0; i < a->n; i++)
    free (a->v[i]);
  free (a->v);
}

static char *
find_criu (void)
{
  const char *path = getenv ("PATH");
  cleanup_free char *copy = xstrdup (path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  char *save = NULL;
  for (char *d = strtok_r (copy, ":", &save); d; d = strtok_r (NULL, ":", &save))
    {
      char *p = xasprintf ("%s/criu", d);
      if (access (p, X_OK) == 0)
        return p;
      free (p);
    }
  return NULL;
}

/* What the child does before exec (restore: its own mount namespace). */
struct criu_setup
{
  const char *rootfs; /* bind on itself, nodev unless every device is allowed */
  bool nodev;
  int stdio[3];       /* the fds criu gets as 0-2 (-1: /dev/null) */
  const struct urun_cgroup *cg; /* criu goes in it: what it restores is born there */
};

static void __attribute__ ((noreturn))
criu_child (char **argv, int out, const struct criu_setup *su)
{
  cleanup_err urun_err e = NULL;
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  for (int i = 0; i < 3; i++)
    {
      int fd = i == 0 ? null : out;
      if (su && su->stdio[i] >= 0)
        fd = su->stdio[i];
      if (fd >= 0 && dup2 (fd, i) < 0)
        _exit (126);
    }
  /* nothing of urun's reaches criu (and the container it restores) */
  syscall (SYS_close_range, 3, ~0U, 0);
  if (su && su->cg && cgroup_enter (su->cg, 0, &e) < 0)
    {
      dprintf (out, "Error (urun): enter the container's cgroup: %s\n", e->msg);
      _exit (126);
    }
  if (su && su->rootfs)
    {
      if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0
          || mount (su->rootfs, su->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0
          || (su->nodev && rootfs_remount (su->rootfs, MS_NODEV, true, &e) < 0))
        {
          dprintf (out, "Error (urun): prepare the rootfs for CRIU: %s\n", e ? e->msg : strerror (errno));
          _exit (126);
        }
    }
  execv (argv[0], argv);
  dprintf (out, "Error (urun): exec %s: %s\n", argv[0], strerror (errno));
  _exit (127);
}

/* Run criu with its output to out; its exit status. */
static int
run_criu (char **argv, int out, const struct criu_setup *su, urun_err *err)
{
  int st;
  pid_t pid = fork ();
  if (pid < 0)
    return urun_fail (err, errno, "fork");
  if (pid == 0)
    criu_child (argv, out, su);
  if (wait_for_pid (pid, &st) < 0)
    return urun_fail (err, errno, "wait for criu");
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

/* The first error CRIU wrote ("Error (file:line): message"), or the last
 * line when there is none. */
static char *
first_error (const char *text)
{
  const char *line = NULL, *last = NULL;
  for (const char *p = text; p && *p;)
    {
      const char *nl = strchr (p, '\n');
      if (nl != p)
        last = p;
      /* (with -v4 each line starts with a timestamp) */
      if (line == NULL && strstr (p, "Error (") && (nl == NULL || strstr (p, "Error (") < nl))
        line = strstr (p, "Error (");
      p = nl ? nl + 1 : NULL;
    }
  if (line == NULL)
    line = last;
  if (line == NULL)
    return xstrdup ("no message");
  if (strncmp (line, "Error (", 7) == 0 && strstr (line, "): "))
    line = strstr (line, "): ") + 3;
  return strndup (line, strcspn (line, "\n"));
}

static char *
log_error (const char *log)
{
  cleanup_free char *text = NULL;
  size_t len;
  cleanup_err urun_err e = NULL;
  if (read_file_at (AT_FDCWD, log, &text, &len, &e) < 0)
    return xstrdup ("no log");
  return first_error (text);
}

static int
criu_check (const char *criu, const char *what, urun_err *err)
{
  char *argv[] = { (char *) criu, (char *) "check", NULL };
  cleanup_free char *text = NULL, *msg = NULL;
  size_t len = 0;
  int p[2], rc;
  if (pipe2 (p, O_CLOEXEC) < 0)
    return urun_fail (err, errno, "pipe");
  rc = run_criu (argv, p[1], NULL, err);
  close (p[1]);
  {
    cleanup_close int in = p[0];
    cleanup_err urun_err e = NULL;
    if (read_all_fd (in, &text, &len, &e) < 0)
      text = xstrdup ("");
  }
  if (rc == 0)
    return 0;
  if (rc < 0)
    return -1;
  msg = first_error (text);
  return urun_fail (err, 0, "%s: CRIU cannot work on this kernel: `criu check`: %s", what, msg);
}

int
criu_usable (const struct plan_host *h, const struct spec *s, const char *what, urun_err *err)
{
  cleanup_free char *criu = NULL;
  if (plan_is_rootless (h))
    return urun_fail (err, 0, "%s needs root: CRIU checkpoints and restores only as real root", what);
  for (size_t i = 0; s && i < s->n_namespaces; i++)
    {
      if (s->namespaces[i].type == CLONE_NEWUSER)
        return urun_fail (err, 0, "%s: `linux.namespaces`: a container with a user namespace is not supported", what);
      if (s->namespaces[i].path)
        return urun_fail (err, 0, "%s: `linux.namespaces[%zu].path`: a container that joins a namespace is not supported",
                          what, i);
    }
  if (s && s->process && s->process->terminal)
    return urun_fail (err, 0, "%s: `process.terminal`: a container with a terminal is not supported", what);
  criu = find_criu ();
  if (criu == NULL)
    return urun_fail (err, 0, "%s needs CRIU: `criu` is not in PATH (apt-get install criu)", what);
  return criu_check (criu, what, err);
}

/* ---- external mounts ------------------------------------------------- */

static void
ext_add (struct criu_ext **v, size_t *n, const char *key, char *host)
{
  *v = xrealloc (*v, (*n + 1) * sizeof **v);
  (*v)[*n].key = path_clean (key);
  (*v)[*n].host = host;
  (*n)++;
}

/* CRIU's --external=mnt[KEY]:PATH has no quoting: a key with ']' or ':',
 * or a path with ':', would be read as another one. */
static int
ext_check (const struct criu_ext *v, size_t n, urun_err *err)
{
  for (size_t i = 0; i < n; i++)
    if (strpbrk (v[i].key, "]:") || strchr (v[i].host, ':') || strchr (v[i].key, '\n') || strchr (v[i].host, '\n'))
      return urun_fail (err, 0, "mount `%s` (from `%s`): CRIU cannot be given a path with `]`, `:` or a newline",
                        quote (v[i].key), quote (v[i].host));
  return 0;
}

/* A masked path is a bind of /dev/null where it is a file (a directory is
 * masked with a tmpfs, which CRIU dumps itself); at restore (pid 0) each
 * is named, and CRIU uses those it dumped as binds. */
static bool
masked_file (pid_t pid, const char *path)
{
  char p[PATH_MAX];
  struct stat sb;
  if (pid <= 0)
    return true;
  snprintf (p, sizeof p, "/proc/%d/root%s", (int) pid, path);
  return lstat (p, &sb) == 0 && !S_ISDIR (sb.st_mode);
}

void
criu_externals_free (struct criu_ext *e, size_t n)
{
  for (size_t i = 0; e && i < n; i++)
    {
      free (e[i].key);
      free (e[i].host);
    }
  free (e);
}

/* linux.devices[i] comes back from the host's node at the same path. */
static int
device_ext (const struct spec_device *d, size_t i, struct criu_ext **v, size_t *n, urun_err *err)
{
  struct stat sb;
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  if (stat (d->path, &sb) < 0 || (sb.st_mode & S_IFMT) != type
      || (type != S_IFIFO && sb.st_rdev != makedev (d->major, d->minor)))
    return urun_fail (err, 0, "`linux.devices[%zu]`: CRIU restores `%s` from the host's node at that path, and the "
                      "host has no such device there", i, d->path);
  ext_add (v, n, d->path, xstrdup (d->path));
  return 0;
}

int
criu_externals (const struct spec *s, pid_t pid, const char *bundle, const char *state_dir, struct criu_ext **out,
                size_t *n, urun_err *err)
{
  struct criu_ext *v = NULL;
  bool dev_tmpfs = false;
  *out = NULL;
  *n = 0;
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const struct spec_mount *m = &s->mounts[i];
      cleanup_free char *dest = path_clean (m->destination);
      if (m->bind)
        ext_add (&v, n, dest, m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source));
      else if (strcmp (dest, "/dev") == 0)
        dev_tmpfs = true;
      else if (strncmp (m->type, "cgroup", 6) == 0 && !rootfs_host_is_cgroup2 ())
        ext_add (&v, n, dest, xstrdup ("/sys/fs/cgroup")); /* the host's hierarchies, bound (rootfs.c) */
    }
  if (dev_tmpfs)
    for (size_t i = 0; i < sizeof default_devices / sizeof *default_devices; i++)
      ext_add (&v, n, default_devices[i], xstrdup (default_devices[i]));
  for (size_t i = 0; i < s->n_devices; i++)
    if (device_ext (&s->devices[i], i, &v, n, err) < 0)
      {
        criu_externals_free (v, *n);
        return -1;
      }
  for (size_t i = 0; s->masked_paths && s->masked_paths[i]; i++)
    if (masked_file (pid, s->masked_paths[i]))
      ext_add (&v, n, s->masked_paths[i], xstrdup ("/dev/null"));
  ext_add (&v, n, "/run/notify", xasprintf ("%s/notify", state_dir));
  if (ext_check (v, *n, err) < 0)
    {
      criu_externals_free (v, *n);
      *n = 0;
      return -1;
    }
  *out = v;
  return 0;
}

/* ---- dump and restore ---------------------------------------------------- */

static int
make_dir (const char *path, urun_err *err)
{
  if (mkdir (path, 0700) < 0 && errno != EEXIST)
    return urun_fail (err, errno, "mkdir `%s`", path);
  return 0;
}

int
criu_dirs (const struct criu_opts *o, char **image, char **work, urun_err *err)
{
  cleanup_free char *cwd = getcwd (NULL, 0);
  const char *img = o->image_path ? o->image_path : "checkpoint";
  if (cwd == NULL)
    return urun_fail (err, errno, "getcwd");
  *image = img[0] == '/' ? xstrdup (img) : xasprintf ("%s/%s", cwd, img);
  *work = o->work_path ? (o->work_path[0] == '/' ? xstrdup (o->work_path) : xasprintf ("%s/%s", cwd, o->work_path))
                       : xstrdup (*image);
  if (make_dir (*image, err) < 0)
    return urun_err_wrap (err, "--image-path");
  if (make_dir (*work, err) < 0)
    return urun_err_wrap (err, "--work-path");
  return 0;
}

/* The arguments both share: directories, log, flags, cgroups left alone. */
static void
common_args (struct argv_buf *a, const char *criu, const char *verb, const char *image, const char *work,
             const char *log, const struct criu_opts *o)
{
  arg (a, xstrdup (criu));
  arg (a, xstrdup (verb));
  arg (a, xasprintf ("--images-dir=%s", image));
  arg (a, xasprintf ("--work-dir=%s", work));
  arg (a, xasprintf ("--log-file=%s", log));
  arg (a, xstrdup ("-v4"));
  arg (a, xstrdup ("--manage-cgroups=ignore"));
  if (o->tcp_established)
    arg (a, xstrdup ("--tcp-established"));
  if (o->file_locks)
    arg (a, xstrdup ("--file-locks"));
  if (o->ext_unix_sk)
    arg (a, xstrdup ("--ext-unix-sk"));
  if (o->shell_job)
    arg (a, xstrdup ("--shell-job"));
}

/* What restore can hand its own stdio to: a pipe or socket ("pipe:[N]"),
 * or a file outside the container's mounts ("file[MNT:INO]", CRIU's name
 * of an external file, both in hex).  The container chooses the names of
 * its files, never these. */
static bool
is_handed_over (const char *t)
{
  const char *p = strncmp (t, "pipe:[", 6) == 0 ? t + 6 : strncmp (t, "socket:[", 8) == 0 ? t + 8 : NULL;
  size_t digits = p ? strspn (p, "0123456789") : 0;
  if (p)
    return digits > 0 && strcmp (p + digits, "]") == 0;
  if (strncmp (t, "file[", 5) != 0)
    return false;
  p = t + 5;
  digits = strspn (p, "0123456789abcdef");
  if (digits == 0 || p[digits] != ':')
    return false;
  p += digits + 1;
  digits = strspn (p, "0123456789abcdef");
  return digits > 0 && strcmp (p + digits, "]") == 0;
}

/* The mount id of the container's fd (fdinfo), when no mount of the
 * container's has it: a file urun's caller gave it (/dev/null, a log). */
static bool
outside_mount (pid_t pid, int fd, unsigned *mnt_id)
{
  char p[64], line[512];
  cleanup_fclose FILE *f = NULL;
  bool found = false;
  snprintf (p, sizeof p, "/proc/%d/fdinfo/%d", (int) pid, fd);
  if ((f = fopen (p, "re")) == NULL)
    return false;
  while (!found && fgets (line, sizeof line, f))
    found = sscanf (line, "mnt_id: %u", mnt_id) == 1;
  fclose (steal_ptr (&f));
  snprintf (p, sizeof p, "/proc/%d/mountinfo", (int) pid);
  if (!found || (f = fopen (p, "re")) == NULL)
    return false;
  while (fgets (line, sizeof line, f))
    {
      unsigned id;
      if (sscanf (line, "%u", &id) == 1 && id == *mnt_id)
        return false;
    }
  return true;
}

/* "N TARGET" lines for urun-stdio; the external files CRIU must be told
 * of at the dump go to ext (--external=file[...] arguments). */
static int
save_stdio (pid_t pid, const char *image, struct argv_buf *ext, urun_err *err)
{
  char buf[256];
  size_t len = 0;
  cleanup_close int dfd = open (image, O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (int i = 0; i < 3; i++)
    {
      char p[64], t[80];
      struct stat sb;
      unsigned mnt;
      ssize_t n;
      snprintf (p, sizeof p, "/proc/%d/fd/%d", (int) pid, i);
      n = readlink (p, t, sizeof t - 1);
      t[n < 0 ? 0 : n] = '\0';
      if (n > 0 && t[0] == '/' && stat (p, &sb) == 0 && outside_mount (pid, i, &mnt))
        {
          snprintf (t, sizeof t, "file[%x:%llx]", mnt, (unsigned long long) sb.st_ino);
          arg (ext, xasprintf ("--external=%s", t));
        }
      if (n > 0 && is_handed_over (t))
        len += snprintf (buf + len, sizeof buf - len, "%d %s\n", i, t);
    }
  if (dfd < 0)
    return urun_fail (err, errno, "open `%s`", image);
  return write_file_atomic_at (dfd, STDIO_FILE, buf, len, 0600, err);
}

static int
criu_failed (const char *verb, int rc, const char *log, urun_err *err)
{
  cleanup_free char *msg = log_error (log);
  return urun_fail (err, 0, "criu %s failed (status %d): %s (log: %s)", verb, rc, msg, log);
}

int
criu_dump (pid_t pid, const struct spec *s, const char *bundle, const char *state_dir, const struct criu_opts *o,
           urun_err *err)
{
  cleanup_free char *criu = find_criu (), *image = NULL, *work = NULL, *log = NULL;
  struct criu_ext *ext = NULL;
  struct argv_buf a = { 0 };
  size_t n = 0;
  int rc = -1;
  cleanup_close int out = -1;

  if (criu == NULL)
    return urun_fail (err, 0, "checkpoint needs CRIU: `criu` is not in PATH (apt-get install criu)");
  if (criu_dirs (o, &image, &work, err) < 0 || criu_externals (s, pid, bundle, state_dir, &ext, &n, err) < 0)
    goto out;
  log = xasprintf ("%s/dump.log", work);
  common_args (&a, criu, "dump", image, work, log, o);
  if (save_stdio (pid, image, &a, err) < 0)
    goto out;
  arg (&a, xasprintf ("--tree=%d", (int) pid));
  if (o->leave_running)
    arg (&a, xstrdup ("--leave-running"));
  for (size_t i = 0; i < n; i++)
    arg (&a, xasprintf ("--external=mnt[%s]:%s", ext[i].key, ext[i].key));
  out = open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  rc = run_criu (a.v, out, NULL, err);
  if (rc > 0)
    rc = criu_failed ("dump", rc, log, err);
out:
  criu_externals_free (ext, n);
  argv_free (&a);
  return rc;
}

/* Mount points for the config's bind mounts, where a fresh copy of the
 * rootfs lacks them (create made them in the one that was dumped). */
static int
make_mountpoints (const struct spec *s, const char *bundle, const char *rootfs, urun_err *err)
{
  cleanup_close int rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return urun_fail (err, errno, "open rootfs `%s`", rootfs);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const struct spec_mount *m = &s->mounts[i];
      cleanup_free char *src = NULL;
      struct stat sb;
      bool dir;
      int fd;
      if (!m->bind)
        continue;
      src = m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source);
      dir = stat (src, &sb) < 0 || S_ISDIR (sb.st_mode);
      fd = path_open_in_root (rootfd, m->destination, O_PATH, dir ? PATH_CREATE_DIR : PATH_CREATE_FILE, err);
      if (fd < 0)
        return urun_err_wrap (err, "mount `%s`", m->destination);
      close (fd);
    }
  return 0;
}

/* The container's stdio that were pipes or sockets are ours now. */
static void
inherit_stdio (struct argv_buf *a, const char *image)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  size_t len;
  char *save = NULL;
  if (read_file_at (AT_FDCWD, image, &text, &len, &e) < 0)
    return;
  for (char *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    if ((l[0] == '0' || l[0] == '1' || l[0] == '2') && l[1] == ' ' && is_handed_over (l + 2))
      arg (a, xasprintf ("--inherit-fd=fd[%c]:%s", l[0], l + 2));
}

static int
read_pid (const char *path, pid_t *pid, urun_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  unsigned long v;
  if (read_file_at (AT_FDCWD, path, &text, &len, err) < 0)
    return urun_err_wrap (err, "criu's pid file");
  text[strcspn (text, "\n")] = '\0';
  if (!parse_ulong (text, &v) || v == 0 || v > INT_MAX)
    return urun_fail (err, 0, "criu's pid file `%s`: not a pid", path);
  *pid = (pid_t) v;
  return 0;
}

int
criu_restore (const struct spec *s, const struct urun_cgroup *cg, const char *bundle, const char *rootfs,
              const char *state_dir, const struct criu_opts *o, pid_t *pid, urun_err *err)
{
  cleanup_free char *criu = find_criu (), *image = NULL, *work = NULL, *log = NULL, *pidfile = NULL, *stdio = NULL;
  struct criu_setup su = { .rootfs = rootfs, .nodev = !devices_allow_all (s), .stdio = { 0, 1, 2 }, .cg = cg };
  struct criu_ext *ext = NULL;
  struct argv_buf a = { 0 };
  cleanup_close int out = -1;
  size_t n = 0;
  int rc = -1;

  if (criu == NULL)
    return urun_fail (err, 0, "restore needs CRIU: `criu` is not in PATH (apt-get install criu)");
  if (criu_dirs (o, &image, &work, err) < 0 || criu_externals (s, 0, bundle, state_dir, &ext, &n, err) < 0
      || make_mountpoints (s, bundle, rootfs, err) < 0)
    goto out;
  log = xasprintf ("%s/restore.log", work);
  pidfile = xasprintf ("%s/criu.pid", state_dir);
  stdio = xasprintf ("%s/%s", image, STDIO_FILE);
  common_args (&a, criu, "restore", image, work, log, o);
  arg (&a, xasprintf ("--root=%s", rootfs));
  arg (&a, xstrdup ("--restore-detached"));
  arg (&a, xasprintf ("--pidfile=%s", pidfile));
  for (size_t i = 0; i < n; i++)
    arg (&a, xasprintf ("--external=mnt[%s]:%s", ext[i].key, ext[i].host));
  inherit_stdio (&a, stdio);
  out = open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  rc = run_criu (a.v, out, &su, err);
  if (rc > 0)
    rc = criu_failed ("restore", rc, log, err);
  else if (rc == 0)
    rc = read_pid (pidfile, pid, err);
out:
  criu_externals_free (ext, n);
  argv_free (&a);
  return rc;
}
