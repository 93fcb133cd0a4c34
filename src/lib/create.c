/* SPDX-License-Identifier: Apache-2.0 */
/* urun: create, as a checklist of phases: validate, plan, state directory,
 * spawn, parent protocol, record (sync.h has the steps).  The start path
 * forks once and never re-executes urun: the child is a clone of this
 * process, already in its new namespaces (child.c). */
#include <config.h>
#include "container_priv.h"
#include "pidfd.h"
#include "bindsrc.h"
#include "cgroup/cgroup.h"
#include "fault.h"
#include "hooks.h"
#include "idmap.h"
#include "log.h"
#include "notify.h"
#include "path.h"
#include "process.h"
#include "sysctl.h"
#include "terminal.h"
#include "unixsock.h"
#include "util.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
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

/* The descriptors of the parent's side; the child keeps the start socket. */
static void
close_fds (struct created *c, bool in_child)
{
  int *fds[] = { &c->rootfd, &c->dirfd, &c->sync_fd, &c->start_fd, &c->console_sock, &c->cancel_fd, &c->master };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (*fds[i] >= 0 && !(in_child && fds[i] == &c->start_fd))
      close (steal_fd (fds[i]));
}

static void
close_net_ns (struct created *c)
{
  for (int i = 0; i < 2; i++)
    if (c->net_ns[i] >= 0)
      close (steal_fd (&c->net_ns[i]));
}

void
created_free (struct created *c)
{
  bindsrc_close_all (c->bind_fds, c->spec ? c->spec->n_mounts : 0);
  c->bind_fds = NULL;
  spec_free (c->spec);
  free (c->bundle);
  free (c->rootfs);
  free (c->state_dir);
  free (c->config_text);
  close_fds (c, false);
  ns_join_close (&c->join);
  if (c->seq.watch_fd >= 0)
    close (steal_fd (&c->seq.watch_fd));
  free (c->st.created);
  seccomp_filter_free (c->seccomp);
  cgroup_free (&c->cg);
  net_plan_free (&c->net);
  json_free (c->ann_doc);
  c->ann_doc = NULL;
  if (c->net_ready >= 0)
    close (steal_fd (&c->net_ready));
  if (c->fwd_ready >= 0)
    close (steal_fd (&c->fwd_ready));
  close_net_ns (c);
  keeper_use_close (&c->keeper);
  c->spec = NULL;
  c->bundle = c->rootfs = c->config_text = c->st.created = c->state_dir = NULL;
  c->seccomp = NULL;
}

void
created_abort (struct created *c)
{
  cgroup_thaw (&c->cg);
  if (c->pid > 0)
    kill (c->pid, SIGKILL);
  /* it would go with the container's process too (its pidfd) */
  /* and waited for: their ports are free when create fails */
  for (pid_t *h = (pid_t[]){ c->net_pid, c->fwd_pid }, *e = h + 2; h < e; h++)
    if (*h > 0)
      {
        int st;
        kill (*h, SIGKILL);
        wait_for_pid (*h, &st);
      }
  c->net_pid = c->fwd_pid = 0;
  if (c->direct_child > 0)
    {
      int st;
      kill (c->direct_child, SIGKILL);
      wait_for_pid (c->direct_child, &st);
      c->direct_child = -1;
    }
  if (c->state_dir_made)
    {
      cleanup_err urun_err e = NULL;
      if (cgroup_destroy (&c->cg, &e) < 0)
        {
          /* kept, so that `delete -f` tries again */
          urun_warn ("%s (the container's state is kept: `urun delete -f` tries again)", e->msg);
          c->state_dir_made = false;
          return;
        }
      state_dir_remove (c->rootfd, c->st.id, c->dirfd, &e);
      c->state_dir_made = false;
    }
}

/* ---- 1. validate: every check that can fail on input, before any side
 * effect ---------------------------------------------------------------- */

static int
resolve_rootfs (struct created *c, urun_err *err)
{
  char buf[PATH_MAX];
  cleanup_free char *joined = NULL;
  struct stat sb;

  joined = c->spec->root_path[0] == '/' ? xstrdup (c->spec->root_path)
                                        : xasprintf ("%s/%s", c->bundle, c->spec->root_path);
  /* as runc: the rootfs itself is never a symlink (where it leads is not
   * what the bundle says) */
  if (lstat (joined, &sb) == 0 && S_ISLNK (sb.st_mode))
    return urun_fail (err, 0, "`root.path`: `%s` is a symlink: give the directory itself", c->spec->root_path);
  if (realpath (joined, buf) == NULL)
    return urun_fail (err, errno, "`root.path`: rootfs `%s`", joined);
  if (stat (buf, &sb) < 0 || !S_ISDIR (sb.st_mode))
    return urun_fail (err, 0, "`root.path`: rootfs `%s` is not a directory", joined);
  c->rootfs = xstrdup (buf);
  return 0;
}

/* plan_adds_userns: the config again, with a user namespace and the
 * caller's rootless maps; what is recorded (config.json of the state
 * directory, for exec and delete) is that config. */
static int
add_own_userns (const struct plan_host *h, const char *path, struct created *c, urun_err *err)
{
  cleanup_idmap_caller struct idmap_caller m = { 0 };
  char *text;
  size_t len;

  idmap_caller_maps (h->euid, h->egid, &m);
  if (m.n_uid == 1 || m.n_gid == 1)
    urun_warn ("the config has no user namespace: urun makes one, but `%s` has no subordinate %s, so it maps "
               "only the caller's own id to 0 (add a line like `%s:100000:65536` to %s)",
               m.user, m.n_uid == 1 ? "uids" : "gids", m.user, m.n_uid == 1 ? "/etc/subuid" : "/etc/subgid");
  else
    urun_debug ("the config has no user namespace: urun makes one, mapping 0 to uid %u and gid %u and the "
                "subordinate ids of `%s` from 1 (as `urun spec --rootless` writes)",
                (unsigned) h->euid, (unsigned) h->egid, m.user);
  text = spec_text_add_userns (c->spec->doc, m.uid, m.n_uid, m.gid, m.n_gid, &len);
  spec_free (c->spec);
  c->spec = NULL;
  free (c->config_text);
  c->config_text = text;
  c->config_len = len;
  if (spec_parse (c->config_text, c->config_len, &c->spec, err) < 0)
    return urun_err_wrap (err, "%s (with urun's user namespace)", path);
  return 0;
}

static int
read_config (const struct plan_host *h, const struct create_opts *o, struct created *c, urun_err *err)
{
  cleanup_free char *path = NULL;
  char buf[PATH_MAX];

  if (realpath (o->bundle ? o->bundle : ".", buf) == NULL)
    return urun_fail (err, errno, "bundle `%s`", o->bundle ? o->bundle : ".");
  c->bundle = xstrdup (buf);
  /* crun's --config: a file of its own, relative to the caller's cwd;
   * the rootfs stays relative to the bundle */
  path = o->config ? xstrdup (o->config) : xasprintf ("%s/config.json", buf);
  if (read_file_at (AT_FDCWD, path, &c->config_text, &c->config_len, err) < 0)
    return -1;
  if (spec_parse (c->config_text, c->config_len, &c->spec, err) < 0)
    return urun_err_wrap (err, "%s", path);
  if (plan_adds_userns (c->spec, h) && add_own_userns (h, path, c, err) < 0)
    return -1;
  if (c->spec->process == NULL)
    return urun_fail (err, 0, "%s: `process`: missing", path);
  if (c->spec->seccomp && seccomp_compile (c->spec->seccomp, &c->seccomp, err) < 0)
    return urun_err_wrap (err, "%s", path);
  if (sysctl_check (c->spec, err) < 0 || sysctl_check_joined (c->spec, err) < 0
      || procattr_check_host (&c->spec->process->attr, &c->spec->linux_attr, err) < 0)
    return urun_err_wrap (err, "%s", path);
  return 0;
}

static int
create_validate (const struct plan_host *h, const struct create_opts *o, bool run_mode, struct created *c,
                 urun_err *err)
{
  bool tty;
  if (state_validate_id (o->id, err) < 0 || read_config (h, o, c, err) < 0 || resolve_rootfs (c, err) < 0)
    return -1;
  tty = c->spec->process->terminal;
  if (o->console_socket && !tty)
    {
      urun_fail (err, 0, "`process.terminal` is false: there is no terminal to send");
      return urun_err_topic (err, URUN_TOPIC_CONSOLE_SOCKET);
    }
  if (tty && !o->console_socket && (!run_mode || o->detach))
    {
      urun_fail (err, 0, "`process.terminal` is true: the terminal needs a console socket to go to");
      return urun_err_topic (err, URUN_TOPIC_NEED_CONSOLE);
    }
  if (o->console_socket && unixsock_connect (o->console_socket, SOCK_STREAM, &c->console_sock, err) < 0)
    return urun_err_topic (err, URUN_TOPIC_CONSOLE_SOCKET);
  if (c->seccomp && seccomp_check_runnable (c->seccomp, c->spec->process->no_new_privileges, !run_mode, err) < 0)
    return urun_err_wrap (err, "linux.seccomp");
  {
    bool v6 = false;
    int unpriv = 1024;
    if (net_plan_may_want (c->spec, &o->net))
      net_host_probe (&v6, &unpriv);
    if (net_plan_build (c->spec, &o->net, v6, h->euid == 0 ? 0 : unpriv, &c->net, err) < 0)
      return -1;
  }
  return 0;
}

/* ---- 2. plan ----------------------------------------------------------- */

static int
create_plan (struct urun_context *ctx, struct created *c, urun_err *err)
{
  if (plan_build (c->spec, &ctx->host, NULL, &c->plan, err) < 0)
    return -1;
  /* the tap is made beside the child when its network namespace is the
   * clone's (and its pid final), else by the child */
  c->tap_outside = c->net.enabled && (c->plan.clone_flags & CLONE_NEWNET) && !(c->plan.unshare_flags & CLONE_NEWNET)
                   && !c->plan.fork;
  c->conds = container_conds (c->spec, &c->plan, c->seccomp) | (c->net.enabled && !c->tap_outside ? SYNC_IF_NET : 0);
  if (ns_open_paths (c->spec, &c->plan, &c->join, err) < 0)
    return -1;
  process_load_default_rlimits ();
  if (cgroup_plan (c->spec, c->st.id, &ctx->host, ctx->cgroup_manager, &c->cg, err) < 0)
    return -1;
  /* a cgroup namespace made once the process is in its cgroup: inside,
   * that cgroup is the root */
  if (c->cg.kind != CGROUP_NONE && (c->plan.clone_flags & CLONE_NEWCGROUP))
    {
      c->plan.clone_flags &= ~CLONE_NEWCGROUP;
      c->plan.unshare_flags |= CLONE_NEWCGROUP;
    }
  return 0;
}

/* ---- 3. the state directory: from here on a failure removes it -------- */

static int
make_start_socket (struct created *c, urun_err *err)
{
  /* `start` connects here; bound through /proc/self/fd so that a long
   * state path does not overflow sun_path */
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", c->dirfd, EXEC_SOCK);
  c->start_fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  /* fchmodat: bind honours the caller's umask, the socket is ours alone */
  if (c->start_fd < 0 || bind (c->start_fd, (struct sockaddr *) &addr, sizeof addr) < 0
      || fchmodat (c->dirfd, EXEC_SOCK, 0600, 0) < 0 || listen (c->start_fd, 1) < 0)
    return urun_fail (err, errno, "create the start socket");
  return 0;
}

/* With user-mode networking, and no /etc/resolv.conf of the config's (nor
 * a mount over /etc): one naming slirp's DNS forwarder, bound read-only
 * over the image's (which stays as it is) from a tmpfs of its own that the
 * child makes (net/resolv.c).  An image whose /etc/resolv.conf is a
 * directory keeps it, with a warning. */
static int
add_resolv_conf (struct created *c, urun_err *err)
{
  struct spec *s = c->spec;
  struct spec_mount *m;
  struct stat sb;
  char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
  static const char *const opts[] = { "rbind", "ro", "nosuid", "nodev", "noexec" };
  cleanup_free char *etc_resolv = NULL;
  if (!c->net.enabled)
    return 0;
  etc_resolv = xasprintf ("%s/etc/resolv.conf", c->rootfs);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      cleanup_free char *d = path_clean (s->mounts[i].destination);
      if (strcmp (d, "/etc/resolv.conf") == 0 || strcmp (d, "/etc") == 0 || strcmp (d, "/") == 0)
        return 0;
    }
  if (fstatat (AT_FDCWD, etc_resolv, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (sb.st_mode))
    {
      urun_warn ("network: the image's /etc/resolv.conf is a directory: it is left as it is");
      return 0;
    }
  inet_ntop (AF_INET, &c->net.dns, a4, sizeof a4);
  inet_ntop (AF_INET6, &c->net.dns6, a6, sizeof a6);
  s->mounts = xrealloc (s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
  m = &s->mounts[s->n_mounts++];
  memset (m, 0, sizeof *m);
  m->urun_text = c->net.ipv6 ? xasprintf ("nameserver %s\nnameserver %s\n", a4, a6) : xasprintf ("nameserver %s\n", a4);
  m->destination = xstrdup ("/etc/resolv.conf");
  m->type = xstrdup ("bind");
  m->source = xstrdup ("tmpfs");
  m->options = xmalloc0 ((sizeof opts / sizeof *opts + 1) * sizeof *m->options);
  for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
    m->options[i] = xstrdup (opts[i]);
  return spec_mount_parse_options (m, "mounts (/etc/resolv.conf)", err);
}

/* What --network and -p chose, in the annotations the state shows (and
 * hooks get), as if the config had said it: run.urun.network and
 * run.urun.network.ports. */
static int
net_annotations (const struct create_opts *o, struct created *c, urun_err *err)
{
  const json_node *ann = c->st.annotations;
  json_writer *w;
  char *text;
  size_t len;
  if (o->net.mode == NULL && o->net.n_ports == 0)
    return 0;
  w = json_writer_new (false);
  json_w_open_object (w);
  /* the config's own, but those the flags set */
  for (size_t i = 0; json_kind (ann) == JSON_OBJECT && i < json_len (ann); i++)
    {
      const char *k = json_key_at (ann, i);
      if ((o->net.mode && strcmp (k, NET_ANN_MODE) == 0) || (o->net.n_ports && strcmp (k, NET_ANN_PORTS) == 0))
        continue;
      json_w_key (w, k);
      json_w_node (w, json_at (ann, i));
    }
  if (o->net.mode)
    {
      json_w_key (w, NET_ANN_MODE);
      json_w_string (w, !c->net.enabled ? "none" : c->net.allow_host_loopback ? "slirp:allow-host-loopback" : "slirp");
    }
  if (o->net.n_ports)
    {
      cleanup_free char *ports = NULL;
      for (size_t i = 0; i < o->net.n_ports; i++)
        {
          char *next = xasprintf ("%s%s%s", ports ? ports : "", ports ? "," : "", o->net.ports[i]);
          free (ports);
          ports = next;
        }
      json_w_key (w, NET_ANN_PORTS);
      json_w_string (w, ports);
    }
  json_w_close_object (w);
  text = json_writer_finish (w, false, &len);
  c->ann_doc = json_parse (text, len, err);
  free (text);
  if (c->ann_doc == NULL)
    return -1;
  c->st.annotations = c->ann_doc;
  return 0;
}

static int
create_state_dir (struct urun_context *ctx, const struct create_opts *o, bool run_mode, struct created *c,
                  urun_err *err)
{
  if (state_root_open (ctx->state_root, true, &c->rootfd, err) < 0)
    return -1;
  if (state_dir_create (c->rootfd, o->id, &c->dirfd, err) < 0)
    return -1;
  c->state_dir_made = true;
  c->state_dir = xasprintf ("%s/%s", ctx->state_root, o->id);
  if (write_file_atomic_at (c->dirfd, CONFIG_COPY, c->config_text, c->config_len, 0600, err) < 0
      || notify_prepare (c->spec, c->dirfd, c->state_dir, o->notify_socket, err) < 0)
    return -1;
  if ((!run_mode && make_start_socket (c, err) < 0) || add_resolv_conf (c, err) < 0)
    return -1;
  /* recorded before it is made: `delete -f` finds it after a kill -9 */
  if (cgroup_check_unused (&c->cg, err) < 0 || cgroup_save (&c->cg, c->dirfd, err) < 0
      || cgroup_create (&c->cg, c->spec, err) < 0)
    return -1;
  c->st.bundle = c->bundle;
  c->st.rootfs = c->rootfs;
  c->st.created = now_rfc3339 ();
  c->st.owner = ctx->host.euid;
  c->st.annotations = json_get (c->spec->doc, "annotations");
  c->st.rootless = c->plan.rootless;
  return net_annotations (o, c, err);
}

/* ---- 4. spawn ------------------------------------------------------------ */

/* cgfd >= 0: born in that cgroup (CLONE_INTO_CGROUP, 5.7), which costs
 * no migration; *into says whether it was. */
static long long
clone_child (int flags, int cgfd, bool *into)
{
  /* CLONE_PARENT (clone_in_keeper): the child gets our exit signal, and
   * clone3 wants none given */
  struct clone_args ca = { .flags = (unsigned long long) flags, .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD };
  long long r;
  *into = false;
  if (cgfd >= 0)
    {
      ca.flags |= CLONE_INTO_CGROUP;
      ca.cgroup = (unsigned long long) cgfd;
      r = syscall (SYS_clone3, &ca, sizeof ca);
      if (r >= 0 || (errno != EINVAL && errno != E2BIG && errno != ENOSYS))
        {
          *into = r >= 0;
          return r;
        }
      ca.flags &= ~(unsigned long long) CLONE_INTO_CGROUP;
      ca.cgroup = 0;
    }
  r = syscall (SYS_clone3, &ca, sizeof ca);
  if (r < 0 && errno == ENOSYS && !(flags & CLONE_NEWTIME))
    r = syscall (SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL, 0);
  return r;
}

/* The container's process made inside the keeper's user namespace
 * (keeper.h) by a short-lived fork of ours: its clone has CLONE_PARENT, so
 * the container is our child as ever, and it writes the container's maps
 * there, which needs no setuid helper. */
struct in_keeper
{
  long long pid;
  int into, errnum, gone, mapped, spare, maps_sent;
  char msg[256];
};

/* Into the keeper's spare's user and network namespaces, which become the
 * container's (mapped already), or else into the keeper's, where the
 * container's clone makes both.  Returns the clone flags left, or -1. */
static int
join_keeper (struct created *c, struct in_keeper *r)
{
  int flags = c->plan.clone_flags | CLONE_PARENT;
  if (c->keeper.spare_pidfd >= 0 && setns (c->keeper.spare_pidfd, CLONE_NEWUSER | CLONE_NEWNET) == 0)
    {
      r->spare = 1;
      return flags & ~(CLONE_NEWUSER | CLONE_NEWNET);
    }
  if (setns (c->keeper.pidfd, CLONE_NEWUSER) < 0)
    {
      /* gone since it was found (ESRCH), or not joinable: the old way */
      r->errnum = errno;
      r->gone = 1;
      return -1;
    }
  return flags;
}

/* Step 1's record: the container's pid and start time in init.pid. */
static int
record_init (pid_t pid, struct created *c, urun_err *err)
{
  c->st.pid_start_time = proc_start_time (pid);
  return state_write_pid_file (c->dirfd, INIT_PID_FILE, pid, c->st.pid_start_time, err);
}

/* Whether MAPS_DONE may go as soon as the maps are written (with the pid
 * recorded first), there being nothing else the child must wait for:
 * no cgroup to be put in after the clone (create_spawn), and no network
 * namespace for the tap maker to open while it is still dumpable
 * (create_protocol): none, or the spare's, opened before the clone
 * (spare_net_ns). */
static bool
maps_done_here (const struct created *c, const struct child_ctx *cc, bool into, bool spare)
{
  return (!c->tap_outside || (spare && c->net_ns[1] >= 0)) && (into || cc->cg_self || !cgroup_has (&c->cg));
}

/* The tap maker's namespaces where the spare's become the container's:
 * had now, from the spare (before the clone), the child need not wait
 * for them after its maps. */
static void
spare_net_ns (struct created *c)
{
  /* (where they cannot be had, create_protocol opens the child's) */
  if (c->tap_outside && c->keeper.spare_pidfd >= 0)
    (void) net_ns_of_pidfd (c->keeper.spare_pidfd, c->keeper.spare_pid, c->net_ns);
}

/* The fork's part (it shares our memory: vfork); never returns. */
static void __attribute__ ((noreturn, noinline))
spawn_in_keeper (struct created *c, int cgfd, struct child_ctx *cc, struct in_keeper *r)
{
  urun_err e = NULL;
  bool in = false;
  int flags;
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if ((flags = join_keeper (c, r)) < 0)
    _exit (0);
  if ((r->pid = clone_child (flags, cgfd, &in)) == 0)
    {
      /* the container's process, with memory of its own */
      keeper_use_close (&c->keeper);
      close_fds (c, true);
      child_main (cc);
    }
  else if (r->pid < 0)
    r->errnum = errno;
  else if (r->spare)
    r->mapped = 1;
  else if (keeper_write_maps ((pid_t) r->pid, &c->keeper, c->plan.gid_map, &e) < 0)
    {
      /* e's text names the errno already */
      snprintf (r->msg, sizeof r->msg, "in the user namespace keeper: %s", e->msg);
      urun_err_free (&e);
      kill ((pid_t) r->pid, SIGKILL);
      r->pid = -1;
    }
  else
    r->mapped = 1;
  r->into = in;
  /* step 2 from here, the moment the maps are: where nothing else waits
   * for it (create_protocol), the child's mounts start some 0.15 ms
   * sooner than after our exit and the parent's send.  Step 1 first: the
   * child may outlive us once it goes on (its death signal is not armed
   * throughout, and in a pid namespace it cannot tell its parent died),
   * so `delete -f` must find it already */
  if (r->mapped && maps_done_here (c, cc, in, r->spare) && record_init ((pid_t) r->pid, c, NULL) == 0
      && sync_send (c->sync_fd, STEP_MAPS_DONE, SYNC_MAPS_DONE, 0, NULL, -1, NULL) == 0)
    r->maps_sent = 1;
  _exit (0);
}

/* Returns the pid as clone_child, or -2 when the keeper is gone (the
 * caller maps the old way).  vfork: no page tables copied for a process
 * that only clones once more, and we go on once it has exited, its
 * findings in r. */
static long long
clone_in_keeper (struct created *c, int cgfd, bool *into, struct child_ctx *cc, urun_err *err)
{
  static struct in_keeper r;
  int st;
  pid_t s;
  memset (&r, 0, sizeof r);
  r.pid = -1;
  spare_net_ns (c);
  if ((s = vfork ()) == 0)
    spawn_in_keeper (c, cgfd, cc, &r);
  if (s < 0)
    return urun_fail (err, errno, "fork into the user namespace keeper");
  wait_for_pid (s, &st);
  /* the spare's namespaces are the container's alone now (or unused) */
  keeper_spare_done (&c->keeper);
  /* not joined: the container's namespaces are new ones, opened later */
  if (!r.spare)
    close_net_ns (c);
  if (r.spare && r.pid > 0)
    urun_debug ("the container's user and network namespaces: the user namespace keeper's spare");
  *into = r.into;
  c->maps_sent = r.maps_sent;
  if (r.gone)
    {
      urun_debug ("the user namespace keeper cannot be joined (%s): mapped without it", strerror (r.errnum));
      return -2;
    }
  if (r.pid < 0 && r.msg[0])
    return urun_fail (err, 0, "%s", r.msg);
  if (r.pid > 0 && !r.mapped)
    {
      /* the fork died between the clone and the maps */
      kill ((pid_t) r.pid, SIGKILL);
      wait_for_pid ((pid_t) r.pid, &st);
      return urun_fail (err, 0, "in the user namespace keeper: the fork that maps the container ended first");
    }
  errno = r.errnum;
  return r.pid;
}

/* Rootless maps that would need newuidmap and newgidmap: through the
 * keeper, if one serves. */
static long long
clone_container (struct created *c, int cgfd, bool *into, struct child_ctx *cc, urun_err *err)
{
  long long pid;
  int k;
  if (c->plan.new_userns && !c->plan.joins_userns
      && (c->plan.uid_map == PLAN_MAP_HELPER || c->plan.gid_map == PLAN_MAP_HELPER))
    {
      /* the spare holds a new network namespace, and its gid map allows
       * setgroups */
      bool spare = (c->plan.clone_flags & CLONE_NEWNET) && c->plan.gid_map != PLAN_MAP_OWN;
      if ((k = keeper_for (c->rootfd, c->spec, &c->keeper_opts, spare, &c->keeper, err)) < 0)
        return -3;
      if (c->keeper.spare_pidfd >= 0)
        fault_point (STEP_KEEPER_SPARE, FAULT_AT);
      if (k > 0 && (pid = clone_in_keeper (c, cgfd, into, cc, err)) != -2)
        {
          c->keeper_mapped = pid > 0;
          if (pid > 0)
            fault_point (STEP_KEEPER_CLONE, FAULT_AT);
          return pid < 0 && *err ? -3 : pid;
        }
      keeper_use_close (&c->keeper);
    }
  return clone_child (c->plan.clone_flags, cgfd, into);
}

static void
fill_child_ctx (const struct create_opts *o, struct created *c, int child_sock, const sigset_t *mask,
                struct child_ctx *cc)
{
  memset (cc, 0, sizeof *cc);
  cc->spec = c->spec;
  cc->plan = &c->plan;
  cc->st = &c->st;
  cc->bundle = c->bundle;
  cc->rootfs = c->rootfs;
  cc->id = o->id;
  cc->state_dir = c->state_dir;
  cc->procfd = -1;
  cc->sync_fd = child_sock;
  cc->start_fd = c->start_fd;
  cc->parent = getpid ();
  cc->no_pivot = o->no_pivot;
  cc->no_new_keyring = o->no_new_keyring;
  cc->preserve_fds = o->preserve_fds;
  cc->bind_fds = c->bind_fds;
  cc->cg = &c->cg;
  cc->net = c->tap_outside ? NULL : &c->net;
  /* v1 with the host's credentials: the child moves itself, the cheap way
   * (v1.c); v2 is born in it; systemd's scope is made around it */
  cc->cg_self = c->cg.kind == CGROUP_V1 && !(c->plan.clone_flags & CLONE_NEWUSER);
  cc->join = c->join;
  cc->seccomp = c->seccomp;
  cc->conds = c->conds;
  cc->sigmask = *mask;
}

/* The helper, forked once the container's process is: it loads libslirp
 * and binds the ports while the container is being made.  Its pid is
 * recorded for delete. */
static int
start_net_helper (struct created *c, urun_err *err)
{
  pid_t pid;
  if (!c->net.enabled)
    return 0;
  if ((pid = net_helper_start (&c->net, &c->net_ready, err)) < 0)
    return -1;
  c->net_pid = pid;
  return state_write_pid_file (c->dirfd, NET_PID_FILE, pid, proc_start_time (pid), err);
}

static int
create_spawn (const struct create_opts *o, struct created *c, const sigset_t *mask, urun_err *err)
{
  cleanup_close int child_sock = -1, cgfd = -1;
  struct child_ctx cc;
  long long pid;
  bool into;
  int sv[2];

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return urun_fail (err, errno, "socketpair");
  c->sync_fd = sv[0];
  child_sock = sv[1];
  if (mark_fds_cloexec_from (3 + o->preserve_fds, err) < 0)
    return -1;
  /* in a user namespace the child could not reach every source the caller can */
  if (c->plan.in_userns && bindsrc_open_all (c->spec, c->bundle, &c->bind_fds, err) < 0)
    return -1;
  fill_child_ctx (o, c, child_sock, mask, &cc);
  cgfd = cgroup_clone_fd (&c->cg);
  pid = clone_container (c, cgfd, &into, &cc, err);
  if (pid == -3)
    return -1;
  if (pid < 0)
    return urun_fail (err, errno, "clone the container process with namespaces (%s)",
                      c->plan.rootless ? "are unprivileged user namespaces enabled?" : "flags 0x%x");
  if (pid == 0)
    {
      /* the child: drop what is the parent's (the lock above all) */
      close_fds (c, true);
      child_main (&cc);
    }
  c->pid = c->direct_child = pid;
  fault_point (STEP_CLONE, FAULT_AT);
  /* in its cgroup before it runs anything of its own (it waits for the
   * maps); unless it was born there or moves itself (child.c) */
  if (!into && !cc.cg_self && cgroup_place (&c->cg, (pid_t) pid, c->spec, c->dirfd, err) < 0)
    return -1;
  /* C forks G, which holds the socket too: C's death must not go unseen */
  if (c->plan.fork)
    c->seq.watch_fd = syscall (SYS_pidfd_open, pid, 0);
  /* step 1: before the child can outlive us, `delete -f` must find it
   * (recorded already where MAPS_DONE went from the keeper's fork) */
  if (!c->maps_sent && record_init ((pid_t) c->pid, c, err) < 0)
    return -1;
  if (c->start_fd >= 0)
    close (steal_fd (&c->start_fd));
  ns_join_close (&c->join);
  bindsrc_close_all (c->bind_fds, c->spec->n_mounts);
  c->bind_fds = NULL;
  return 0;
}

/* ---- 5. the parent protocol (steps 2-9) --------------------------------- */

static int
on_pid (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  struct created *c = ctx;
  int st;
  if (fd >= 0)
    close (fd);
  if (m->value <= 0)
    return urun_fail (err, 0, "protocol error: pid %d", m->value);
  /* C exits after telling us; G is the container's process */
  wait_for_pid (c->direct_child, &st);
  c->direct_child = -1;
  if (c->seq.watch_fd >= 0)
    close (steal_fd (&c->seq.watch_fd));
  c->pid = m->value;
  c->st.pid_start_time = proc_start_time (c->pid);
  if (state_write_pid_file (c->dirfd, INIT_PID_FILE, c->pid, c->st.pid_start_time, err) < 0)
    return -1;
  return sync_send (c->sync_fd, STEP_PID_ACK, SYNC_PID_ACK, 0, NULL, -1, err);
}

static int
on_run_hooks (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  struct created *c = ctx;
  cleanup_free char *json = NULL;
  size_t len;
  (void) m;
  if (fd >= 0)
    close (fd);
  c->st.pid = c->pid;
  json = state_to_json (&c->st, STATUS_CREATING, false, &len);
  if (hooks_run (c->spec, HOOK_PRESTART, json, c->cancel_fd, err) < 0
      || hooks_run (c->spec, HOOK_CREATE_RUNTIME, json, c->cancel_fd, err) < 0)
    return -1;
  /* the pid createContainer hooks report */
  return sync_send (c->sync_fd, STEP_HOOKS_DONE, SYNC_HOOKS_DONE, c->pid, NULL, -1, err);
}

static int
on_pty (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  struct created *c = ctx;
  (void) m;
  return forward_pty (c->console_sock, &c->master, fd, err);
}

static int
on_seccomp (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  struct created *c = ctx;
  c->st.pid = c->pid;
  (void) m;
  return forward_notify_fd (fd, c->spec, &c->st, STATUS_CREATING, c->pid, err);
}

/* Step 14: the network helper, with the tap; its pid recorded for delete
 * (it also ends with the container's process, whose pidfd it holds).  No
 * tap (fd -1): the container runs without (a warning said why), and the
 * helper, seeing the end of its socket, goes. */
static int
net_attach (struct created *c, int fd, urun_err *err)
{
  int r;
  if (fd < 0)
    {
      if (c->net_pid > 0)
        kill (c->net_pid, SIGKILL);
      close (steal_fd (&c->net_ready));
      return 0;
    }
  r = net_helper_give (c->net_ready, fd, c->pid, err);
  close (fd);
  if (r < 0 || !net_plan_has_tcp (&c->net))
    return r;
  /* the TCP ports: the forwarder joins the namespaces the tap is in */
  if ((c->fwd_pid = net_fwd_start (&c->net, c->pid, c->net_ns, &c->fwd_ready, err)) < 0)
    {
      c->fwd_pid = 0;
      return -1;
    }
  if (state_write_pid_file (c->dirfd, FWD_PID_FILE, c->fwd_pid, proc_start_time (c->fwd_pid), err) < 0)
    return -1;
  /* recorded: it may outlive us from now on (it waits for this); EPIPE:
   * it ended, and net_helper_wait says so */
  if (send (c->fwd_ready, "g", 1, MSG_NOSIGNAL) != 1 && errno != EPIPE)
    return urun_fail (err, errno, "network: start the port forwarder");
  return 0;
}

/* The child's tap (where it makes it: tap.c); its namespaces, for the
 * forwarder, opened while it is still dumpable (it is setting up) */
static int
on_net_tap (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  struct created *c = ctx;
  (void) m;
  if (fd < 0 && c->net.asked)
    return urun_fail (err, 0, "protocol error: no tap with the message");
  if (fd >= 0 && net_ns_open (c->pid, c->net_ns, err) < 0)
    {
      close (fd);
      return -1;
    }
  return net_attach (c, fd, err);
}

/* The child is ready: the tap maker's failure now.  A tap asked for by
 * the config's annotation alone (urun spec --rootless writes it) that
 * could not be made is one line, and the container has loopback only. */
static int
net_settle (struct created *c, bool made, urun_err *net_err, urun_err *err)
{
  if (*net_err == NULL)
    return 0;
  if (made || c->net.asked)
    {
      *err = *net_err;
      *net_err = NULL;
      return -1;
    }
  urun_warn ("%s; the container has loopback only (annotation " NET_ANN_MODE ")", (*net_err)->msg);
  return net_attach (c, -1, err);
}

const struct sync_step create_sequence[] = {
  { STEP_PID, SYNC_PID, SYNC_IF_FORK, on_pid },
  { STEP_NET_TAP, SYNC_NET_TAP, SYNC_IF_NET, on_net_tap },
  { STEP_RUN_HOOKS, SYNC_RUN_HOOKS, SYNC_IF_HOOKS, on_run_hooks },
  { STEP_PTY, SYNC_PTY_MASTER, SYNC_IF_TERMINAL, on_pty },
  { STEP_SECCOMP_EARLY, SYNC_SECCOMP_FD, SYNC_IF_NOTIFY, on_seccomp },
  { STEP_READY, SYNC_READY, 0, NULL },
};
const size_t create_sequence_len = sizeof create_sequence / sizeof *create_sequence;

/* The report of one of the network's processes, if it has one to read. */
static int
wait_ready (int *fd, const char *who, urun_err *err)
{
  int r;
  if (*fd < 0)
    return 0;
  r = net_helper_wait (*fd, who, err);
  close (steal_fd (fd));
  return r;
}

/* With the network, START may go before the child is ready (as
 * start_early) once the network is up: whether it is, the helper and
 * the forwarder having said so, before the child has anything to say (a
 * child that fails meanwhile says why itself: its error comes first, the
 * network's is kept for net_settle, as a failed tap's).  Then the child
 * finds START waiting, and goes on to its program without a round trip
 * through us. */
static bool
net_up_first (struct created *c, urun_err *net_err)
{
  int *fds[] = { &c->net_ready, &c->fwd_ready };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    {
      /* (a signal to stop, or anything from the child: the usual order) */
      struct pollfd p[3] = { { .fd = *fds[i], .events = POLLIN },
                             { .fd = c->sync_fd, .events = POLLIN },
                             { .fd = c->cancel_fd, .events = POLLIN } };
      int r;
      if (*fds[i] < 0)
        continue;
      do
        r = poll (p, 3, 10000);
      while (r < 0 && errno == EINTR);
      if (r <= 0 || p[1].revents || p[2].revents || !p[0].revents)
        return false;
      if (wait_ready (fds[i], i == 0 ? "the network helper" : "the port forwarder", net_err) < 0)
        return false;
    }
  return true;
}

/* START, the network being up.  A send that fails (the child failed just
 * now: its error waits on the socket) is not ours to report: sync_run
 * reads the child's. */
static void
start_once_up (struct created *c)
{
  cleanup_err urun_err e = NULL;
  if (sync_send (c->sync_fd, STEP_START, SYNC_START, c->pid, NULL, -1, &e) < 0)
    return;
  c->start_early = true;
  urun_debug ("the network is up before the container's process is ready: start sent");
}

/* The helper and the tap maker's tap, while the child does its mounts.
 * What fails of the tap is kept in *net_err for net_settle: a child that
 * failed meanwhile (its namespaces gone with it) says why itself.  With
 * a published port the helper comes first (its ports bound while the tap
 * is made) and START waits for both (net_up_first).  With none, START
 * goes once the tap is made, and the helper is forked after it: what the
 * program sends meanwhile waits in the tap's queue for the helper, whose
 * report is read before create returns (create_protocol).  Where the
 * child makes the tap (a step of the sequence), or START does not go
 * early (create; run with hooks, a pid file...), the helper is first. */
static int
net_begin (struct created *c, bool *made, urun_err *net_err, urun_err *err)
{
  bool helper_first = c->net.n_ports > 0 || !c->tap_outside || !c->start_on_net;
  int fd;
  *made = false;
  if (helper_first && start_net_helper (c, err) < 0)
    return -1;
  if (!c->tap_outside)
    return 0;
  fd = net_tap_make (&c->net, c->net_ns, net_err);
  *made = fd >= 0;
  if (!helper_first)
    {
      if (*made)
        start_once_up (c);
      if (start_net_helper (c, err) < 0)
        {
          if (fd >= 0)
            close (fd);
          return -1;
        }
    }
  if (*made)
    net_attach (c, fd, net_err);
  if (helper_first && c->start_on_net && *made && *net_err == NULL && net_up_first (c, net_err))
    start_once_up (c);
  return 0;
}

static int
create_protocol (struct created *c, urun_err *err)
{
  cleanup_err urun_err net_err = NULL;
  bool made;
  if (c->plan.new_userns && !c->keeper_mapped
      && idmap_write_maps (c->pid, c->spec, c->plan.uid_map, c->plan.gid_map, err) < 0)
    return -1;
  /* its namespaces for the tap maker and the forwarder, while it waits
   * for the maps (still dumpable: it is not by the time it is ready) */
  if (c->tap_outside && c->net_ns[1] < 0 && net_ns_open (c->pid, c->net_ns, err) < 0)
    return -1;
  if (!c->maps_sent && sync_send (c->sync_fd, STEP_MAPS_DONE, SYNC_MAPS_DONE, 0, NULL, -1, err) < 0)
    return -1;
  /* run: the child finds START waiting once it is ready, and goes on to
   * its program while we record it (its pid is on disk already: step 1) */
  if (c->start_early && sync_send (c->sync_fd, STEP_START, SYNC_START, c->pid, NULL, -1, err) < 0)
    return -1;
  if (net_begin (c, &made, &net_err, err) < 0)
    return -1;
  c->seq.steps = create_sequence;
  c->seq.n = create_sequence_len;
  c->seq.conds = c->conds;
  if (sync_run (c->sync_fd, &c->seq, c, c->cancel_fd, err) < 0 || net_settle (c, made, &net_err, err) < 0)
    return -1;
  /* the network is up before the container's program runs */
  if (wait_ready (&c->net_ready, "the network helper", err) < 0)
    return -1;
  return wait_ready (&c->fwd_ready, "the port forwarder", err);
}

/* ---- 6. record ------------------------------------------------------------ */

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
    urun_fail (err, errno, "open directory `%s`", dir);
  else if (write_file_atomic_at (dfd, slash ? slash + 1 : path, buf, n, 0644, err) == 0)
    return 0;
  return urun_err_topic (err, URUN_TOPIC_PID_FILE);
}

int
create_record (const struct create_opts *o, struct created *c, urun_err *err)
{
  /* its start time: read when init.pid was written (restore's process,
   * CRIU's, has none yet) */
  if (c->st.pid_start_time == 0)
    c->st.pid_start_time = proc_start_time (c->pid);
  c->st.pid = c->pid;
  c->st.mnt_ns = state_mnt_ns_of (c->pid);
  if (state_write (c->dirfd, &c->st, c->st.annotations, err) < 0)
    return -1;
  fault_point (STEP_RECORD, FAULT_AT);
  if (o->pid_file && write_pid_file (o->pid_file, c->pid, err) < 0)
    return -1;
  return 0;
}

/* The signals that stop set-up, read through a signalfd while they are
 * blocked (mask gets the caller's mask, for the child). */
static int
block_cancel_signals (struct created *c, sigset_t *mask, urun_err *err)
{
  sigset_t s;
  sigemptyset (&s);
  sigaddset (&s, SIGINT);
  sigaddset (&s, SIGTERM);
  sigaddset (&s, SIGHUP);
  sigaddset (&s, SIGQUIT);
  sigprocmask (SIG_BLOCK, &s, mask);
  c->cancel_fd = signalfd (-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
  if (c->cancel_fd < 0)
    return urun_fail (err, errno, "signalfd");
  return 0;
}

/* Set-up failed: a stop signal that came meanwhile was the reason, or is
 * answered by the failure; it must not kill us when unblocked. */
static void
drain_cancel_signals (struct created *c)
{
  struct signalfd_siginfo si;
  while (c->cancel_fd >= 0 && read (c->cancel_fd, &si, sizeof si) == sizeof si)
    ;
}

/* A failure after the state directory was made: nothing is left. */
static void
create_fail (struct created *c, const sigset_t *mask)
{
  created_abort (c);
  drain_cancel_signals (c);
  sigprocmask (SIG_SETMASK, mask, NULL);
}

int
create_prepare (struct urun_context *ctx, const struct create_opts *o, bool run_mode, struct created *c,
                sigset_t *mask, urun_err *err)
{
  memset (c, 0, sizeof *c);
  c->rootfd = c->dirfd = c->sync_fd = c->start_fd = c->console_sock = c->cancel_fd = c->master = c->net_ready = c->fwd_ready = -1;
  c->seq.watch_fd = c->net_ns[0] = c->net_ns[1] = -1;
  c->keeper.pidfd = c->keeper.spare_pidfd = -1;
  c->st.id = (char *) o->id;

  if (keeper_opts_parse (ctx->keeper, ctx->keeper_idle, true, &c->keeper_opts, err) < 0
      || create_validate (&ctx->host, o, run_mode, c, err) < 0 || create_plan (ctx, c, err) < 0)
    return -1;
  if (block_cancel_signals (c, mask, err) < 0)
    return -1;
  if (create_state_dir (ctx, o, run_mode, c, err) < 0)
    {
      create_fail (c, mask);
      return -1;
    }
  return 0;
}

void
create_warn_leftovers (const struct created *c)
{
  /* a joined pid namespace is one too: kill --all and ps find what is
   * in it */
  if (c->cg.kind != CGROUP_NONE || spec_find_namespace (c->spec, CLONE_NEWPID))
    return;
  urun_warn ("container `%s` has no pid namespace and no cgroup of its own: processes its init leaves behind when "
             "it exits keep running, and neither `urun kill --all` nor `urun delete` finds them",
             c->st.id);
}

int
create_container (struct urun_context *ctx, const struct create_opts *o, bool run_mode, struct created *c,
                  urun_err *err)
{
  sigset_t mask;
  bool early;
  if (create_prepare (ctx, o, run_mode, c, &mask, err) < 0)
    return -1;
  /* nothing of ours comes between ready and start, and nothing that can
   * still fail: no step of the sequence but ready (hooks answer the
   * child; the pid of a fork is not known yet; a seccomp listener or a
   * console socket that refuses must stop the container before its
   * program runs), no NOTIFY_SOCKET (bound before start), no --pid-file
   * (written before start: one that cannot be stops it), no network (up
   * first) */
  early = run_mode && c->conds == 0 && !c->plan.fork && !(o->notify_socket && o->notify_socket[0])
          && !(o->pid_file && o->pid_file[0]);
  c->start_early = early && !c->net.enabled;
  /* with the network: once it is up (net_up_first), where the tap maker
   * makes the tap (else the tap is a step of the sequence) */
  c->start_on_net = early && c->net.enabled && c->tap_outside;
  if (create_spawn (o, c, &mask, err) < 0 || create_protocol (c, err) < 0 || create_record (o, c, err) < 0)
    {
      create_fail (c, &mask);
      return -1;
    }
  /* run keeps them blocked (it forwards them); create is done */
  if (!run_mode)
    sigprocmask (SIG_SETMASK, &mask, NULL);
  if (!run_mode || o->detach)
    create_warn_leftovers (c);
  return 0;
}

int
container_create (struct urun_context *ctx, const struct create_opts *o, urun_err *err)
{
  struct created c;
  /* the container outlives us: its process is not ours to reap */
  int r = create_container (ctx, o, false, &c, err);
  created_free (&c);
  return r;
}
