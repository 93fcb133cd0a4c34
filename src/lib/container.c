/* urun: create/start/run/kill/delete/state/list.
 *
 * The start path forks once and never re-executes urun: the child is a
 * clone of this process, already in its new namespaces, and talks to us
 * through the typed messages of sync.h until it execs the user's program. */
#include <config.h>
#include "container.h"
#include "cgroup/cgroup.h"
#include "hooks.h"
#include "idmap.h"
#include "log.h"
#include "namespaces.h"
#include "process.h"
#include "rootfs.h"
#include "seccomp.h"
#include "signals.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"
#include <dirent.h>
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* ------------------------------------------------------------------ */
/* what the child needs; everything is set before the fork            */

struct child_ctx
{
  const struct spec *spec;
  const char *bundle;
  const char *rootfs;
  int sync_fd;
  int start_fd;      /* create: listening socket `start` connects to; -1 for run */
  bool new_userns;
  bool in_userns;
  bool no_pivot;
  bool no_new_keyring;
  const char *id;
  int preserve_fds;
  struct ns_join join;
  urun_seccomp_filter seccomp;
  bool protect_exe;
  int unshare_flags; /* new namespaces made after joining a user namespace */
};

static struct sync_msg child_msg; /* big: keep it off the stack */

/* A session keyring of the container's own, named after it (as runc does):
 * the caller's keys must not be reachable from inside. */
static int
join_session_keyring (const char *id, urun_err *err)
{
  if (syscall (SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, id) >= 0)
    return 0;
  /* no keyctl (an outer seccomp filter, an old kernel): go on, as runc does */
  if (errno == ENOSYS || errno == EPERM || errno == EACCES)
    {
      urun_debug ("session keyring not created: %s", strerror (errno));
      return 0;
    }
  return urun_fail (err, errno, "join a new session keyring");
}

static int
child_setup (struct child_ctx *c, struct process_plan *plan, urun_err *err)
{
  const struct spec *s = c->spec;
  const struct spec_process *p = s->process;
  struct rootfs_ctx rc = { .spec = s, .rootfs = c->rootfs, .userns = c->in_userns, .no_pivot = c->no_pivot, .rootfd = -1 };

  /* the parent writes our id maps, then sends the state (for hooks) */
  if (sync_expect (c->sync_fd, SYNC_MAPS_DONE, &child_msg, NULL, err) < 0)
    return -1;
  if (c->new_userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return urun_fail (err, errno, "become root in the user namespace (is id 0 mapped?)");
  /* die with urun during set-up (cleared by set*id, so set it after) */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

  if (ns_join_opened (&c->join, err) < 0)
    return -1;
  if (ns_join_has (&c->join, CLONE_NEWUSER))
    {
      /* root of the joined user namespace, whose caps the rest needs */
      if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
        return urun_fail (err, errno, "become root in the joined user namespace (is id 0 mapped in it?)");
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    }
  /* namespaces to create inside a joined user namespace, so that it owns them */
  if (c->unshare_flags && unshare (c->unshare_flags) < 0)
    return urun_fail (err, errno, "create namespaces after the user namespace");
  /* the clocks' offsets must be set before any process is in the new time
   * namespace: so it is unshared, not cloned, and we fork into it below */
  if ((c->unshare_flags & CLONE_NEWTIME) && s->time_offsets
      && write_file_at (AT_FDCWD, "/proc/self/timens_offsets", s->time_offsets, strlen (s->time_offsets), err) < 0)
    return urun_err_wrap (err, "linux.timeOffsets");
  if (ns_join_has (&c->join, CLONE_NEWPID) || ns_join_has (&c->join, CLONE_NEWTIME)
      || (c->unshare_flags & (CLONE_NEWPID | CLONE_NEWTIME)))
    {
      /* a joined or unshared pid namespace holds our children, not us: fork
       * into it and tell the parent which pid is the container */
      pid_t pid = fork ();
      if (pid < 0)
        return urun_fail (err, errno, "fork into the joined pid namespace");
      if (pid > 0)
        {
          sync_send (c->sync_fd, SYNC_PID, pid, NULL, -1, NULL);
          _exit (0);
        }
      /* no parent-death signal here: our parent exits right away */
      prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
    }

  if (!c->no_new_keyring && join_session_keyring (c->id, err) < 0)
    return -1;
  if (s->has_hostname && s->hostname && sethostname (s->hostname, strlen (s->hostname)) < 0)
    return urun_fail (err, errno, "hostname: sethostname");
  if (s->has_domainname && s->domainname && setdomainname (s->domainname, strlen (s->domainname)) < 0)
    return urun_fail (err, errno, "domainname: setdomainname");

  /* relative mount sources are relative to the bundle */
  if (chdir (c->bundle) < 0)
    return urun_fail (err, errno, "chdir to bundle `%s`", c->bundle);
  if (!spec_find_namespace (s, CLONE_NEWNS))
    return urun_fail (err, 0, "`linux.namespaces`: a mount namespace is required");
  if (rootfs_mount_all (&rc, err) < 0)
    return -1;

  if (s->n_hooks[HOOK_PRESTART] || s->n_hooks[HOOK_CREATE_RUNTIME])
    {
      if (sync_send (c->sync_fd, SYNC_RUN_HOOKS, 0, NULL, -1, err) < 0)
        return -1;
      if (sync_expect (c->sync_fd, SYNC_HOOKS_DONE, NULL, NULL, err) < 0)
        return -1;
    }
  if (hooks_run (s, HOOK_CREATE_CONTAINER, child_msg.text, err) < 0)
    return -1;

  if (rootfs_pivot (&rc, err) < 0)
    return -1;

  if (p->terminal)
    {
      cleanup_free char *slave = NULL;
      cleanup_close int master = terminal_open_in_container (p->console_height, p->console_width, &slave, err);
      if (master < 0)
        return -1;
      if (rootfs_bind_console (slave, err) < 0)
        return -1;
      if (sync_send (c->sync_fd, SYNC_PTY_MASTER, 0, NULL, master, err) < 0)
        return -1;
    }
  else if (setsid () < 0 && errno != EPERM)
    return urun_fail (err, errno, "setsid");

  if (rootfs_finalize (&rc, err) < 0)
    return -1;
  if (rc.rootfd >= 0)
    close (rc.rootfd);
  if (process_set_oom_score_adj (p, err) < 0)
    return -1;
  plan->seccomp = c->seccomp;
  if (process_prepare (plan, p, c->preserve_fds, err) < 0)
    return -1;
  /* the process's final user and capabilities, before it waits for start:
   * a bad user or capability set fails `create`, not `start` */
  if (process_finalize (plan, err) < 0)
    return -1;
  if (plan->seccomp_notify_fd >= 0)
    {
      int r = sync_send (c->sync_fd, SYNC_SECCOMP_FD, 0, NULL, plan->seccomp_notify_fd, err);
      close (plan->seccomp_notify_fd);
      if (r < 0)
        return -1;
    }
  return 0;
}

/* The container process: never returns. */
static void __attribute__ ((noreturn))
child_main (struct child_ctx *c)
{
  cleanup_err urun_err err = NULL;
  struct process_plan plan = { 0 };

  if (child_setup (c, &plan, &err) < 0)
    {
      sync_send_error (c->sync_fd, err);
      _exit (1);
    }
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  /* CVE-2019-5736: from now on processes in the container (urun exec) can
   * see us, and we are still the urun binary: a non-dumpable process's
   * /proc/PID/exe cannot be opened by them (it needs CAP_SYS_PTRACE in
   * the user namespace urun was started in).  execve makes the user's
   * program dumpable again.  The price: an unprivileged `urun exec` cannot
   * reach our namespaces either until start; so rootless, where the
   * container can write only what the user can, protect only a binary the
   * user can write (a urun installed by root is out of its reach). */
  if (c->protect_exe)
    prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (sync_send (c->sync_fd, SYNC_READY, 0, NULL, -1, &err) < 0)
    _exit (1);

  /* wait for `start`: a connection on the start socket (create), or
   * SYNC_START (run).  Either way the channel is close-on-exec, so the
   * other side sees EOF exactly when the user's program is running, and an
   * error message otherwise. */
  int reply = c->sync_fd;
  if (c->start_fd >= 0)
    {
      char b;
      ssize_t r;
      reply = accept4 (c->start_fd, NULL, NULL, SOCK_CLOEXEC);
      if (reply < 0)
        _exit (1);
      close (c->start_fd);
      do
        r = read (reply, &b, 1);
      while (r < 0 && errno == EINTR);
      if (r != 1)
        _exit (1);
    }
  else if (sync_expect (c->sync_fd, SYNC_START, NULL, NULL, &err) < 0)
    _exit (1);

  plan.notify_sock = reply;
  if (hooks_run (c->spec, HOOK_START_CONTAINER, child_msg.text, &err) == 0)
    process_execve (&plan, &err);
  sync_send_error (reply, err);
  _exit (127);
}

/* ------------------------------------------------------------------ */
/* the parent side of create                                          */

struct created
{
  struct spec *spec;
  char *bundle, *rootfs;
  int rootfd, dirfd;
  int sync_fd;
  int master;        /* pty master kept for run, -1 otherwise */
  pid_t pid;         /* the container process */
  pid_t direct_child; /* our child (differs from pid when a pid ns was joined) */
  struct container_state st;
  bool state_dir_made;
  urun_seccomp_filter seccomp;
};

static void
created_free (struct created *c)
{
  spec_free (c->spec);
  free (c->bundle);
  free (c->rootfs);
  if (c->rootfd >= 0)
    close (c->rootfd);
  if (c->dirfd >= 0)
    close (c->dirfd);
  if (c->sync_fd >= 0)
    close (c->sync_fd);
  if (c->master >= 0)
    close (c->master);
  free (c->st.created);
  seccomp_filter_free (c->seccomp);
}

/* Undo a failed create: no process, no state directory is left behind. */
static void
created_abort (struct created *c)
{
  if (c->pid > 0)
    kill (c->pid, SIGKILL);
  if (c->direct_child > 0)
    {
      int st;
      kill (c->direct_child, SIGKILL);
      wait_for_pid (c->direct_child, &st);
    }
  if (c->state_dir_made)
    {
      cleanup_err urun_err e = NULL;
      state_dir_remove (c->rootfd, c->st.id, c->dirfd, &e);
    }
}

static int
resolve_bundle (const char *bundle, char **out, urun_err *err)
{
  char buf[PATH_MAX];
  if (realpath (bundle ? bundle : ".", buf) == NULL)
    return urun_fail (err, errno, "bundle `%s`", bundle ? bundle : ".");
  *out = xstrdup (buf);
  return 0;
}

static int
resolve_rootfs (const char *bundle, const char *root_path, char **out, urun_err *err)
{
  cleanup_free char *joined = root_path[0] == '/' ? xstrdup (root_path) : xasprintf ("%s/%s", bundle, root_path);
  char buf[PATH_MAX];
  struct stat sb;
  if (realpath (joined, buf) == NULL)
    return urun_fail (err, errno, "`root.path`: rootfs `%s`", joined);
  if (stat (buf, &sb) < 0 || !S_ISDIR (sb.st_mode))
    return urun_fail (err, 0, "`root.path`: rootfs `%s` is not a directory", joined);
  *out = xstrdup (buf);
  return 0;
}

static char *
state_json_for_hooks (const struct created *c, enum container_status status)
{
  size_t len;
  return state_to_json (&c->st, status, false, &len);
}

static int
send_maps_done (struct created *c, urun_err *err)
{
  cleanup_free char *json = state_json_for_hooks (c, STATUS_CREATING);
  return sync_send (c->sync_fd, SYNC_MAPS_DONE, 0, json, -1, err);
}

static long long
clone_child (int flags)
{
  struct clone_args ca = { .flags = (unsigned long long) flags, .exit_signal = SIGCHLD };
  long long r = syscall (SYS_clone3, &ca, sizeof ca);
  if (r < 0 && errno == ENOSYS && !(flags & CLONE_NEWTIME))
    r = syscall (SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL, 0);
  return r;
}

/* Everything `create` does, and the first half of `run`. */
static int
create_internal (struct urun_context *ctx, const struct create_opts *o, bool run_mode, struct created *c, urun_err *err)
{
  cleanup_free char *config_path = NULL, *config_text = NULL;
  cleanup_close int console_sock = -1, start_fd = -1, child_sock = -1;
  struct child_ctx cc = { 0 };
  size_t config_len;
  int sv[2], flags;
  bool wants_tty;

  memset (c, 0, sizeof *c);
  c->rootfd = c->dirfd = c->sync_fd = c->master = -1;
  c->st.id = (char *) o->id;

  /* 1. every check that can fail on input, before any side effect */
  if (state_validate_id (o->id, err) < 0)
    return -1;
  if (resolve_bundle (o->bundle, &c->bundle, err) < 0)
    return -1;
  config_path = xasprintf ("%s/config.json", c->bundle);
  if (read_file_at (AT_FDCWD, config_path, &config_text, &config_len, err) < 0)
    return -1;
  if (spec_parse (config_text, config_len, &c->spec, err) < 0)
    return urun_err_wrap (err, "%s", config_path);
  if (c->spec->process == NULL)
    return urun_fail (err, 0, "%s: `process`: missing", config_path);
  if (resolve_rootfs (c->bundle, c->spec->root_path, &c->rootfs, err) < 0)
    return -1;
  if (geteuid () != 0 && !spec_find_namespace (c->spec, CLONE_NEWUSER))
    return urun_fail (err, 0, "running as an unprivileged user needs a user namespace in `linux.namespaces` (see `urun spec --rootless`)");
  wants_tty = c->spec->process->terminal;
  if (o->console_socket && !wants_tty)
    return urun_fail (err, 0, "--console-socket given but `process.terminal` is false");
  if (wants_tty && !o->console_socket && (!run_mode || o->detach))
    return urun_fail (err, 0, "`process.terminal` is true: pass --console-socket to receive the terminal");
  if (o->console_socket && terminal_connect_socket (o->console_socket, &console_sock, err) < 0)
    return urun_err_wrap (err, "--console-socket");
  process_load_default_rlimits ();
  if (c->spec->seccomp && seccomp_compile (c->spec->seccomp, &c->seccomp, err) < 0)
    return urun_err_wrap (err, "%s", config_path);
  if (ns_open_paths (c->spec, &cc.join, err) < 0)
    return -1;
  cgroup_check_resources (c->spec, ctx->systemd_cgroup);

  /* 2. the state directory: from here on a failure removes it */
  if (state_root_open (ctx->state_root, true, &c->rootfd, err) < 0)
    goto fail;
  if (state_dir_create (c->rootfd, o->id, &c->dirfd, err) < 0)
    goto fail;
  c->state_dir_made = true;
  if (write_file_atomic_at (c->dirfd, CONFIG_COPY, config_text, config_len, 0600, err) < 0)
    goto fail;
  if (!run_mode)
    {
      /* `start` connects here; bound through /proc/self/fd so that a long
       * state path does not overflow sun_path */
      struct sockaddr_un addr = { .sun_family = AF_UNIX };
      snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", c->dirfd, EXEC_SOCK);
      start_fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
      /* fchmodat: bind honours the caller's umask, the socket is ours alone */
      if (start_fd < 0 || bind (start_fd, (struct sockaddr *) &addr, sizeof addr) < 0
          || fchmodat (c->dirfd, EXEC_SOCK, 0600, 0) < 0 || listen (start_fd, 1) < 0)
        {
          urun_fail (err, errno, "create the start socket");
          goto fail;
        }
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      urun_fail (err, errno, "socketpair");
      goto fail;
    }
  c->sync_fd = sv[0];
  child_sock = sv[1];
  c->st.bundle = c->bundle;
  c->st.rootfs = c->rootfs;
  c->st.created = now_rfc3339 ();
  c->st.owner = geteuid ();
  c->st.annotations = json_get (c->spec->doc, "annotations");
  c->st.rootless = geteuid () != 0;

  /* 3. the container process */
  flags = ns_new_flags (c->spec);
  /* joining a user namespace: create the others after it, inside it */
  if (spec_find_namespace (c->spec, CLONE_NEWUSER) && !(flags & CLONE_NEWUSER))
    {
      cc.unshare_flags = flags;
      flags = 0;
    }
  /* a time namespace with offsets is made by unshare in the child, and so
   * is a new pid namespace: the child forks into both, and its child must
   * be the pid namespace's init */
  if ((flags & CLONE_NEWTIME) && c->spec->time_offsets)
    {
      cc.unshare_flags |= flags & (CLONE_NEWTIME | CLONE_NEWPID);
      flags &= ~(CLONE_NEWTIME | CLONE_NEWPID);
    }
  cc.spec = c->spec;
  cc.bundle = c->bundle;
  cc.rootfs = c->rootfs;
  cc.sync_fd = child_sock;
  cc.start_fd = start_fd;
  cc.new_userns = (flags & CLONE_NEWUSER) != 0;
  cc.in_userns = spec_find_namespace (c->spec, CLONE_NEWUSER) != NULL || geteuid () != 0;
  cc.no_pivot = o->no_pivot;
  cc.no_new_keyring = o->no_new_keyring;
  cc.id = o->id;
  cc.seccomp = c->seccomp;
  cc.protect_exe = geteuid () == 0 || faccessat (AT_FDCWD, "/proc/self/exe", W_OK, AT_EACCESS) == 0;
  cc.preserve_fds = o->preserve_fds;
  if (mark_fds_cloexec_from (3 + o->preserve_fds, err) < 0)
    goto fail;

  {
    long long pid = clone_child (flags);
    if (pid < 0)
      {
        urun_fail (err, errno, "clone the container process with namespaces (%s)",
                   geteuid () ? "are unprivileged user namespaces enabled?" : "flags 0x%x");
        goto fail;
      }
    if (pid == 0)
      {
        /* the child: drop what is the parent's (the lock above all) */
        close (c->dirfd);
        close (c->rootfd);
        close (c->sync_fd);
        if (console_sock >= 0)
          close (console_sock);
        child_main (&cc);
      }
    c->pid = c->direct_child = pid;
  }
  close (steal_fd (&child_sock));
  if (start_fd >= 0)
    close (steal_fd (&start_fd));
  ns_join_close (&cc.join);

  /* 4. maps, then the child's messages until it is ready */
  if (cc.new_userns && idmap_write_maps (c->pid, c->spec, geteuid () == 0, err) < 0)
    goto fail;
  c->st.pid = c->pid;
  if (send_maps_done (c, err) < 0)
    goto fail;
  for (;;)
    {
      static struct sync_msg m;
      int fd = -1;
      if (sync_recv (c->sync_fd, &m, &fd, err) < 0)
        goto fail;
      if (m.type == SYNC_ERROR)
        {
          urun_fail (err, 0, "%s", m.text);
          goto fail;
        }
      if (m.type == SYNC_PID)
        {
          int st;
          wait_for_pid (c->direct_child, &st);
          c->direct_child = -1;
          c->pid = c->st.pid = m.value;
        }
      else if (m.type == SYNC_RUN_HOOKS)
        {
          cleanup_free char *json = state_json_for_hooks (c, STATUS_CREATING);
          if (hooks_run (c->spec, HOOK_PRESTART, json, err) < 0 || hooks_run (c->spec, HOOK_CREATE_RUNTIME, json, err) < 0)
            goto fail;
          if (sync_send (c->sync_fd, SYNC_HOOKS_DONE, 0, NULL, -1, err) < 0)
            goto fail;
        }
      else if (m.type == SYNC_PTY_MASTER)
        {
          if (console_sock >= 0)
            {
              int r = terminal_send_fd (console_sock, fd, err);
              close (fd);
              if (r < 0)
                goto fail;
            }
          else
            c->master = fd;
        }
      else if (m.type == SYNC_SECCOMP_FD)
        {
          if (container_forward_notify_fd (c->sync_fd, fd, m.value == 1, c->spec, &c->st, STATUS_CREATING, c->pid, err) < 0)
            goto fail;
        }
      else if (m.type == SYNC_READY)
        break;
      else
        {
          if (fd >= 0)
            close (fd);
          urun_fail (err, 0, "protocol error: unexpected message %d from the container process", m.type);
          goto fail;
        }
    }

  /* 5. record the state */
  c->st.pid_start_time = proc_start_time (c->pid);
  if (state_write (c->dirfd, &c->st, json_get (c->spec->doc, "annotations"), err) < 0)
    goto fail;
  if (o->pid_file && write_pid_file (o->pid_file, c->pid, err) < 0)
    goto fail;
  return 0;

fail:
  ns_join_close (&cc.join);
  created_abort (c);
  return -1;
}

int
write_pid_file (const char *path, pid_t pid, urun_err *err)
{
  char buf[32];
  cleanup_free char *dir = NULL;
  cleanup_close int dfd = -1;
  const char *slash = strrchr (path, '/');
  int n = snprintf (buf, sizeof buf, "%d", (int) pid);

  dir = slash ? (slash == path ? xstrdup ("/") : strndup (path, slash - path)) : xstrdup (".");
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return urun_fail (err, errno, "--pid-file: open directory `%s`", dir);
  if (write_file_atomic_at (dfd, slash ? slash + 1 : path, buf, n, 0644, err) < 0)
    return urun_err_wrap (err, "--pid-file");
  return 0;
}

int
container_create (struct urun_context *ctx, const struct create_opts *o, urun_err *err)
{
  struct created c;
  /* the container outlives us: its process is not ours to reap */
  int r = create_internal (ctx, o, false, &c, err);
  created_free (&c);
  return r;
}

/* ------------------------------------------------------------------ */

int
container_open_state (struct urun_context *ctx, const char *id, int *rootfd, int *dirfd,
                      struct container_state **st, urun_err *err)
{
  *rootfd = *dirfd = -1;
  if (state_validate_id (id, err) < 0)
    return -1;
  if (state_root_open (ctx->state_root, false, rootfd, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          urun_err_free (err);
          return urun_fail (err, 0, "container `%s` does not exist", id);
        }
      return -1;
    }
  if (state_dir_open (*rootfd, id, dirfd, err) < 0)
    goto fail;
  if (st && state_read (*dirfd, st, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          urun_err_free (err);
          urun_fail (err, 0, "container `%s` is still being created", id);
        }
      goto fail;
    }
  return 0;
fail:
  if (*dirfd >= 0)
    close (*dirfd);
  close (*rootfd);
  *rootfd = *dirfd = -1;
  return -1;
}

static int
load_config_copy (int dirfd, struct spec **out, urun_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (dirfd, CONFIG_COPY, &text, &len, err) < 0)
    return -1;
  return spec_parse (text, len, out, err);
}

int
container_forward_notify_fd (int sock, int fd, bool wants_done, const struct spec *spec,
                             const struct container_state *st, enum container_status status,
                             pid_t pid, urun_err *err)
{
  size_t len;
  cleanup_free char *json = state_to_json (st, status, false, &len);
  int r = seccomp_send_to_listener (spec->seccomp, fd, pid, json, err);
  close (fd);
  if (r == 0 && wants_done)
    r = sync_send (sock, SYNC_SECCOMP_DONE, 0, NULL, -1, err);
  return r;
}

/* After start: the container process's messages until it execs (EOF, the
 * channel is close-on-exec): a late seccomp notify fd to pass on to the
 * listener, or the error that stopped it. */
static int
await_exec (int sock, const struct spec *spec, const struct container_state *st, urun_err *err)
{
  static struct sync_msg m;
  for (;;)
    {
      cleanup_err urun_err eof = NULL;
      int fd = -1;
      if (sync_recv (sock, &m, &fd, &eof) < 0)
        return 0;
      if (m.type == SYNC_ERROR)
        return urun_fail (err, 0, "%s", m.text);
      if (m.type == SYNC_SECCOMP_FD && fd >= 0)
        {
          if (container_forward_notify_fd (sock, fd, m.value == 1, spec, st, STATUS_RUNNING, st->pid, err) < 0)
            return -1;
        }
      else if (fd >= 0)
        close (fd);
    }
}

int
container_start (struct urun_context *ctx, const char *id, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1, sock = -1;
  cleanup_state struct container_state *st = NULL;
  cleanup_spec struct spec *spec = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  enum container_status status;

  if (container_open_state (ctx, id, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  status = state_status (dirfd, st);
  if (status != STATUS_CREATED)
    return urun_fail (err, 0, "cannot start container `%s`: it is %s, not created", id, state_status_name (status));
  if (load_config_copy (dirfd, &spec, err) < 0)
    return -1;
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, EXEC_SOCK);
  sock = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return urun_fail (err, errno, "socket");
  if (connect (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      if (errno == ECONNREFUSED)
        return urun_fail (err, 0, "cannot start container `%s`: its process has exited", id);
      return urun_fail (err, errno, "connect to the start socket of `%s`", id);
    }
  if (write (sock, "s", 1) != 1)
    return urun_fail (err, errno, "start container `%s`", id);
  unlinkat (dirfd, EXEC_SOCK, 0);
  if (await_exec (sock, spec, st, err) < 0)
    {
      kill (st->pid, SIGKILL);
      return -1;
    }
  if (spec->n_hooks[HOOK_POSTSTART])
    {
      size_t len;
      cleanup_free char *json = state_to_json (st, STATUS_RUNNING, false, &len);
      hooks_run_all_warn (spec, HOOK_POSTSTART, json);
    }
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

static void
remove_container (struct spec *spec, struct container_state *st, int rootfd, int dirfd)
{
  cleanup_err urun_err err = NULL;
  if (spec && spec->n_hooks[HOOK_POSTSTOP])
    {
      size_t len;
      cleanup_free char *json = state_to_json (st, STATUS_STOPPED, false, &len);
      hooks_run_all_warn (spec, HOOK_POSTSTOP, json);
    }
  if (state_dir_remove (rootfd, st->id, dirfd, &err) < 0)
    urun_warn ("%s", err->msg);
}

int
container_run (struct urun_context *ctx, const struct create_opts *o, urun_err *err)
{
  struct created c;
  sigset_t old;
  int status = 0, code;

  signals_block_forwarded (&old);
  /* a container in a joined pid namespace is our grandchild: adopt it */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (create_internal (ctx, o, true, &c, err) < 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      created_free (&c);
      return -1;
    }
  /* let other urun commands see the container while it runs */
  flock (c.dirfd, LOCK_UN);
  if (sync_send (c.sync_fd, SYNC_START, 0, NULL, -1, err) < 0)
    goto fail;
  if (await_exec (c.sync_fd, c.spec, &c.st, err) < 0)
    goto fail;
  if (c.spec->n_hooks[HOOK_POSTSTART])
    {
      size_t len;
      cleanup_free char *json = state_to_json (&c.st, STATUS_RUNNING, false, &len);
      hooks_run_all_warn (c.spec, HOOK_POSTSTART, json);
    }
  if (o->detach)
    {
      created_free (&c);
      return 0;
    }
  if (signals_wait_forward (c.pid, c.master, &status, err) < 0)
    goto fail;
  code = exit_code_from_status (status);
  if (flock (c.dirfd, LOCK_EX) == 0)
    {
      cleanup_state struct container_state *st = NULL;
      cleanup_err urun_err e2 = NULL;
      if (state_read (c.dirfd, &st, &e2) == 0)
        remove_container (c.spec, st, c.rootfd, c.dirfd);
    }
  sigprocmask (SIG_SETMASK, &old, NULL);
  created_free (&c);
  return code;

fail:
  if (flock (c.dirfd, LOCK_EX) == 0)
    created_abort (&c);
  sigprocmask (SIG_SETMASK, &old, NULL);
  created_free (&c);
  return -1;
}

/* ------------------------------------------------------------------ */

static bool
same_ns (const char *ns, pid_t a, pid_t b)
{
  char pa[64], pb[64];
  struct stat sa, sb;
  snprintf (pa, sizeof pa, "/proc/%d/ns/%s", (int) a, ns);
  snprintf (pb, sizeof pb, "/proc/%d/ns/%s", (int) b, ns);
  return stat (pa, &sa) == 0 && stat (pb, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/* Every process of a container: those in its pid namespace; where it
 * shares ours, those in its mount namespace (every container has its own,
 * and `urun exec` joins it). */
static int
pids_of (const struct container_state *st, pid_t **out, size_t *n, urun_err *err)
{
  DIR *d = opendir ("/proc");
  struct dirent *de;
  size_t cap = 16;
  const char *ns = same_ns ("pid", st->pid, getpid ()) ? "mnt" : "pid";
  pid_t *v = xmalloc0 (cap * sizeof *v);

  *n = 0;
  if (d == NULL)
    {
      free (v);
      return urun_fail (err, errno, "open /proc");
    }
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
  enum container_status status;
  if (container_open_state (ctx, id, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  status = state_status (dirfd, st);
  if (status == STATUS_STOPPED)
    {
      *pids = NULL;
      *n = 0;
      return 0;
    }
  return pids_of (st, pids, n, err);
}

static int
signal_init (const struct container_state *st, int sig, urun_err *err)
{
  /* a pidfd pins the process: check its start time after opening it so a
   * recycled pid is never signalled */
  int pidfd = syscall (SYS_pidfd_open, st->pid, 0);
  if (pidfd >= 0)
    {
      int r = 0;
      if (proc_start_time (st->pid) != st->pid_start_time)
        r = urun_fail (err, 0, "container is not running");
      else if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
        r = urun_fail (err, errno, "send signal %d", sig);
      close (pidfd);
      return r;
    }
  if (kill (st->pid, sig) < 0)
    return urun_fail (err, errno, "send signal %d", sig);
  return 0;
}

int
container_kill (struct urun_context *ctx, const char *id, int sig, bool all, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  enum container_status status;

  if (container_open_state (ctx, id, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  status = state_status (dirfd, st);
  if (status == STATUS_STOPPED)
    return urun_fail (err, 0, "container `%s` is not running", id);
  if (all)
    {
      cleanup_free pid_t *pids = NULL;
      size_t n;
      /* the list first, then the signals: init's death (pid namespace)
       * may take the others with it */
      if (pids_of (st, &pids, &n, err) < 0)
        return -1;
      if (signal_init (st, sig, err) < 0)
        return -1;
      for (size_t i = 1; i < n; i++)
        kill (pids[i], sig);
      return 0;
    }
  return signal_init (st, sig, err);
}

int
container_delete (struct urun_context *ctx, const char *id, bool force, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  cleanup_spec struct spec *spec = NULL;
  cleanup_err urun_err e2 = NULL;
  enum container_status status;

  if (container_open_state (ctx, id, &rootfd, &dirfd, NULL, err) < 0)
    return -1;
  if (state_read (dirfd, &st, &e2) < 0)
    {
      /* we hold the lock, so whoever was creating it died: clean up */
      if (state_dir_remove (rootfd, id, dirfd, err) < 0)
        return -1;
      return 0;
    }
  status = state_status (dirfd, st);
  if (status == STATUS_RUNNING && !force)
    return urun_fail (err, 0, "cannot delete container `%s` that is running: stop it first or use --force", id);
  if (status != STATUS_STOPPED)
    {
      cleanup_free pid_t *pids = NULL;
      size_t n = 0;
      if (pids_of (st, &pids, &n, err) < 0)
        return -1;
      for (size_t i = n; i-- > 1;)
        kill (pids[i], SIGKILL);
      signal_init (st, SIGKILL, &e2);
      wait_gone (st->pid, st->pid_start_time, 10000);
      if (proc_start_time (st->pid) == st->pid_start_time)
        return urun_fail (err, 0, "container `%s`: process %d did not die after SIGKILL", id, (int) st->pid);
    }
  urun_err_free (&e2);
  if (load_config_copy (dirfd, &spec, &e2) < 0)
    urun_warn ("container `%s`: %s (poststop hooks not run)", id, e2->msg);
  remove_container (spec, st, rootfd, dirfd);
  return 0;
}

int
container_state (struct urun_context *ctx, const char *id, char **json, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  size_t len;
  if (container_open_state (ctx, id, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  *json = state_to_json (st, state_status (dirfd, st), true, &len);
  return 0;
}

int
container_list (struct urun_context *ctx, struct container_entry **out, size_t *n, urun_err *err)
{
  cleanup_close int rootfd = -1;
  DIR *d;
  struct dirent *de;
  size_t cap = 8;

  *out = NULL;
  *n = 0;
  if (state_root_open (ctx->state_root, false, &rootfd, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          urun_err_free (err);
          return 0;
        }
      return -1;
    }
  d = fdopendir (dup (rootfd));
  if (d == NULL)
    return urun_fail (err, errno, "read state root");
  *out = xmalloc0 (cap * sizeof **out);
  while ((de = readdir (d)))
    {
      cleanup_close int dirfd = -1;
      cleanup_err urun_err e2 = NULL;
      struct container_state *st = NULL;
      if (de->d_name[0] == '.')
        continue;
      dirfd = openat (rootfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (dirfd < 0)
        continue;
      if (state_read (dirfd, &st, &e2) < 0)
        {
          /* being created: show it as such */
          st = xmalloc0 (sizeof *st);
          st->id = xstrdup (de->d_name);
          st->bundle = xstrdup ("");
          st->rootfs = xstrdup ("");
          st->created = xstrdup ("");
          st->owner = geteuid ();
        }
      if (*n == cap)
        *out = xrealloc (*out, (cap *= 2) * sizeof **out);
      (*out)[*n].st = st;
      (*out)[*n].status = st->pid ? state_status (dirfd, st) : STATUS_CREATING;
      (*n)++;
    }
  closedir (d);
  return 0;
}

void
container_list_free (struct container_entry *e, size_t n)
{
  for (size_t i = 0; i < n; i++)
    state_free (e[i].st);
  free (e);
}
