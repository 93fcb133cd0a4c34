/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the forwarder of published TCP ports.  libslirp would hand the
 * container a connection from the host's loopback as one from 10.0.2.2;
 * the forwarder keeps every client's real address:
 *   - urun forks it (no exec) once the container's namespaces exist; it
 *     listens on the host's ports first (still in the host's network
 *     namespace), then joins the container's user and network namespaces
 *     (setns into the namespace fds urun opened while the container's
 *     process was still dumpable: not its mount or pid namespace, nor its
 *     cgroup);
 *   - each client's connection is made again inside, to the container's
 *     address, from the client's own address and port: 127.0.0.1 or ::1 is
 *     the container's loopback; any other address is bound transparently
 *     (IP_TRANSPARENT) on a socket with urun's mark, and a rule routes what
 *     carries that mark (the server's answers too, tcp_fwmark_accept) to
 *     the local table, so that it comes back to the forwarder;
 *   - the bytes go between the two sockets by splice, never through
 *     user-mode TCP: a published port is as fast as the host's loopback;
 *   - then it keeps CAP_NET_RAW alone (what IP_TRANSPARENT and SO_MARK need),
 *     or nothing when every port is on the host's loopback, as nobody
 *     where it was root, not dumpable, no_new_privs, and a seccomp filter
 *     of its loop; it exits with the container's process (pidfd). */
#include <config.h>
#include "net.h"
#include "netproc.h"
#include "util.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
#endif

#define FWD_NOFILE 4096
/* 6 fds each, and two pipes (16 pages each: 256 connections take half of
 * the user's default pipe-user-pages-soft) */
#define FWD_MAX_CONNS 256
#define FWD_ROUNDS 8      /* splices of one connection per turn: the others get theirs */

enum kind
{
  K_LISTEN,
  K_CONN,
  K_PIDFD,
  K_DEAD /* a closed connection, freed after the turn */
};

struct lsn
{
  enum kind kind;
  int fd;
  const struct net_port *p;
};

struct pump
{
  int from, to;
  int pipe[2];
  size_t held; /* bytes in the pipe */
  bool done;   /* end of file read, passed on */
};

struct conn
{
  enum kind kind;
  int client, inside;
  bool connected, again;
  struct pump up, down;
  struct conn *next_again, *next_dead;
};

struct fwd
{
  const struct net_plan *np;
  int ep;
  struct lsn lsn[NET_MAX_PORTS];
  size_t n_lsn;
  size_t n_conns, max_conns;
  bool transparent; /* a listener not on the host's loopback */
  bool marked; /* SO_MARK and IP_TRANSPARENT work */
  bool paused; /* the listeners, after an accept that failed (no fd left) */
  struct conn *again, *dead;
};

/* ---- set-up --------------------------------------------------------------- */

static int
listen_all (struct fwd *f, urun_err *err)
{
  for (size_t i = 0; i < f->np->n_ports; i++)
    {
      const struct net_port *p = &f->np->ports[i];
      int one = 1, fd;
      if (p->udp)
        continue;
      fd = socket (p->host.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0)
        return urun_fail (err, errno, "network: -p `%s`: socket", p->spec);
      f->lsn[f->n_lsn++] = (struct lsn){ .kind = K_LISTEN, .fd = fd, .p = p };
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (p->host.ss_family == AF_INET6)
        setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      if (bind (fd, (const struct sockaddr *) &p->host, p->host_len) < 0 || listen (fd, 128) < 0)
        {
          if (errno == EADDRINUSE)
            return urun_fail (err, 0, "network: -p `%s`: the host's port is in use", p->spec);
          return urun_fail (err, errno, "network: -p `%s`: cannot listen on the host's port", p->spec);
        }
    }
  return 0;
}

/* Root: nobody from here on, with its capabilities still (to join the
 * namespaces); root of a user namespace without 65534 mapped (urun
 * nested) keeps its id, as the helper does. */
static int
become_nobody (urun_err *err)
{
  cap_t caps;
  int r;
  if (geteuid () != 0)
    return 0;
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups (0, NULL) < 0 || setresgid (65534, 65534, 65534) < 0
      || setresuid (65534, 65534, 65534) < 0)
    return 0;
  /* the change of uid cleared the effective set: again from the permitted */
  caps = cap_get_proc ();
  if (caps == NULL)
    return urun_fail (err, errno, "network: capabilities");
  for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++)
    {
      cap_flag_value_t on = CAP_CLEAR;
      if (cap_get_flag (caps, v, CAP_PERMITTED, &on) == 0 && on == CAP_SET)
        cap_set_flag (caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
    }
  r = cap_set_proc (caps);
  cap_free (caps);
  if (r < 0)
    return urun_fail (err, errno, "network: the port forwarder's capabilities as nobody");
  return 0;
}

/* CAP_NET_RAW alone where a client may need a transparent socket, else
 * nothing. */
static int
drop_caps (bool keep_raw, urun_err *err)
{
  cap_value_t raw = CAP_NET_RAW;
  cap_t caps;
  int r;
  caps = cap_init ();
  if (caps == NULL)
    return urun_fail (err, errno, "network: capabilities");
  r = !keep_raw || (cap_set_flag (caps, CAP_PERMITTED, 1, &raw, CAP_SET) == 0
                    && cap_set_flag (caps, CAP_EFFECTIVE, 1, &raw, CAP_SET) == 0)
          ? cap_set_proc (caps)
          : -1;
  cap_free (caps);
  if (r < 0)
    return urun_fail (err, errno, "network: the port forwarder cannot drop its capabilities");
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return urun_fail (err, errno, "network: no_new_privs");
  return 0;
}

static int
confine (urun_err *err)
{
  static const char *const allowed[] = {
    "read", "write", "close", "accept4", "bind", "connect", "getsockopt", "getpeername", "shutdown",
    "splice", "pipe2", "epoll_wait", "epoll_pwait", "epoll_ctl", "clock_gettime", "futex", "brk", "mmap",
    "munmap", "mremap", "madvise", "exit", "exit_group", "rt_sigreturn", "rt_sigprocmask", "restart_syscall",
    "getpid", "gettid",
  };
  /* setsockopt: what a socket inside needs, nothing else */
  static const int opts[][2] = { { SOL_SOCKET, SO_MARK }, { SOL_SOCKET, SO_LINGER }, { SOL_IP, IP_TRANSPARENT },
                                 { SOL_IPV6, IPV6_TRANSPARENT } };
  int r;
  scmp_filter_ctx ctx = net_filter_new (allowed, sizeof allowed / sizeof *allowed, &r);
  if (ctx == NULL)
    return net_filter_load (ctx, r, "the port forwarder", err);
  /* TCP sockets alone: no raw socket, whatever CAP_NET_RAW allows */
  for (int fam = 0; fam < 2 && r == 0; fam++)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 3, SCMP_A0 (SCMP_CMP_EQ, fam ? AF_INET6 : AF_INET),
                          SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM), SCMP_A2 (SCMP_CMP_EQ, 0));
  for (size_t i = 0; i < sizeof opts / sizeof *opts && r == 0; i++)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (setsockopt), 2, SCMP_A1 (SCMP_CMP_EQ, opts[i][0]),
                          SCMP_A2 (SCMP_CMP_EQ, opts[i][1]));
  return net_filter_load (ctx, r, "the port forwarder", err);
}

/* ---- the connections --------------------------------------------------------- */

/* Accepting again (or not, while no fd is left: a failing accept would
 * wake the loop at once, forever). */
static void
listeners_on (struct fwd *f, bool on)
{
  for (size_t i = 0; i < f->n_lsn; i++)
    {
      struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = &f->lsn[i] };
      epoll_ctl (f->ep, EPOLL_CTL_MOD, f->lsn[i].fd, &ev);
    }
  f->paused = !on;
}

static void
conn_close (struct fwd *f, struct conn *c)
{
  int fds[] = { c->client, c->inside, c->up.pipe[0], c->up.pipe[1], c->down.pipe[0], c->down.pipe[1] };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  f->n_conns--;
  if (f->paused)
    listeners_on (f, true);
  /* events of this turn may still name it: freed after the turn */
  c->kind = K_DEAD;
  c->next_dead = f->dead;
  f->dead = c;
}

/* This direction is over: what it holds cannot be delivered.  The other
 * direction goes on (a server's answer to a client whose upload it
 * refused still reaches the client). */
static int
pump_end (struct pump *p)
{
  p->done = true;
  p->held = 0;
  shutdown (p->to, SHUT_WR);
  shutdown (p->from, SHUT_RD);
  return 1;
}

/* Move what there is; 1 once this direction has nothing more to do for
 * now (would block, or done), 0 to go on. */
static int
pump_step (struct pump *p)
{
  ssize_t n;
  if (p->done)
    return 1;
  if (p->held == 0)
    {
      n = splice (p->from, NULL, p->pipe[1], NULL, 1 << 20, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n == 0)
        {
          p->done = true;
          shutdown (p->to, SHUT_WR);
          return 1;
        }
      if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 1 : pump_end (p);
      p->held = (size_t) n;
    }
  n = splice (p->pipe[0], NULL, p->to, NULL, p->held, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? 1 : pump_end (p);
  p->held -= (size_t) n;
  return 0;
}

/* The client's connection ends with a reset, as a refused one would. */
static void
conn_refuse (struct fwd *f, struct conn *c)
{
  struct linger l = { .l_onoff = 1, .l_linger = 0 };
  setsockopt (c->client, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  conn_close (f, c);
}

/* Both directions, a bounded number of rounds; a connection that could
 * do more goes on the list for the next turn. */
static void
conn_run (struct fwd *f, struct conn *c)
{
  if (!c->connected)
    {
      int e = 0;
      socklen_t len = sizeof e;
      if (getsockopt (c->inside, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0)
        {
          conn_refuse (f, c);
          return;
        }
      struct sockaddr_storage peer;
      len = sizeof peer;
      if (getpeername (c->inside, (struct sockaddr *) &peer, &len) < 0)
        return; /* still connecting */
      c->connected = true;
    }
  for (int round = 0; round < FWD_ROUNDS; round++)
    {
      int a = pump_step (&c->up), b = pump_step (&c->down);
      if (c->up.done && c->down.done)
        {
          conn_close (f, c);
          return;
        }
      if (a == 1 && b == 1)
        return;
    }
  if (!c->again)
    {
      c->again = true;
      c->next_again = f->again;
      f->again = c;
    }
}

/* The client's address, for the socket inside: the same (transparently,
 * where it is not loopback), or nothing bound if that cannot be. */
static void
bind_as_client (struct fwd *f, int fd, struct sockaddr_storage *peer, socklen_t len)
{
  static const uint32_t mark = NET_FWD_MARK;
  int one = 1;
  bool loop = peer->ss_family == AF_INET
                  ? (ntohl (((struct sockaddr_in *) peer)->sin_addr.s_addr) >> 24) == 127
                  : IN6_IS_ADDR_LOOPBACK (&((struct sockaddr_in6 *) peer)->sin6_addr);
  if (!loop)
    {
      if (!f->marked || setsockopt (fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0
          || (peer->ss_family == AF_INET ? setsockopt (fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one)
                                         : setsockopt (fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one))
                 < 0)
        return;
    }
  if (bind (fd, (struct sockaddr *) peer, len) == 0)
    return;
  /* the client's port is taken inside: its address, another port */
  if (peer->ss_family == AF_INET)
    ((struct sockaddr_in *) peer)->sin_port = 0;
  else
    ((struct sockaddr_in6 *) peer)->sin6_port = 0;
  bind (fd, (struct sockaddr *) peer, len);
}

static int
inside_socket (struct fwd *f, const struct net_port *p, struct sockaddr_storage *peer, socklen_t len)
{
  struct sockaddr_storage to = { 0 };
  socklen_t tolen;
  int fd = socket (peer->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  bind_as_client (f, fd, peer, len);
  if (peer->ss_family == AF_INET)
    {
      struct sockaddr_in *a = (struct sockaddr_in *) &to;
      a->sin_family = AF_INET, a->sin_addr = f->np->guest, a->sin_port = htons ((uint16_t) p->guest_port);
      tolen = sizeof *a;
    }
  else
    {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *) &to;
      a->sin6_family = AF_INET6, a->sin6_addr = f->np->guest6, a->sin6_port = htons ((uint16_t) p->guest_port);
      tolen = sizeof *a;
    }
  if (connect (fd, (struct sockaddr *) &to, tolen) < 0 && errno != EINPROGRESS)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static bool
pipes (struct conn *c)
{
  if (pipe2 (c->up.pipe, O_NONBLOCK | O_CLOEXEC) < 0)
    return false;
  return pipe2 (c->down.pipe, O_NONBLOCK | O_CLOEXEC) == 0;
}

static void
accept_one (struct fwd *f, struct lsn *l, int client, struct sockaddr_storage *peer, socklen_t len)
{
  struct conn *c;
  struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
  if ((c = calloc (1, sizeof *c)) == NULL)
    {
      close (client);
      return;
    }
  f->n_conns++;
  *c = (struct conn){ .kind = K_CONN, .client = client, .inside = -1 };
  c->up.pipe[0] = c->up.pipe[1] = c->down.pipe[0] = c->down.pipe[1] = -1;
  ev.data.ptr = c;
  if (!pipes (c) || (c->inside = inside_socket (f, l->p, peer, len)) < 0
      || epoll_ctl (f->ep, EPOLL_CTL_ADD, client, &ev) < 0 || epoll_ctl (f->ep, EPOLL_CTL_ADD, c->inside, &ev) < 0)
    {
      conn_close (f, c);
      return;
    }
  c->up = (struct pump){ .from = client, .to = c->inside, .pipe = { c->up.pipe[0], c->up.pipe[1] } };
  c->down = (struct pump){ .from = c->inside, .to = client, .pipe = { c->down.pipe[0], c->down.pipe[1] } };
}

static void
accept_all (struct fwd *f, struct lsn *l)
{
  for (int i = 0; i < 64; i++)
    {
      struct sockaddr_storage peer;
      socklen_t len = sizeof peer;
      int fd = accept4 (l->fd, (struct sockaddr *) &peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          /* no fd or memory left: not again until a connection ends, or
           * for a moment (fwd_loop) */
          if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS)
            listeners_on (f, false);
          return;
        }
      accept_one (f, l, fd, &peer, len);
      /* at the cap, the next clients wait in the backlog */
      if (f->n_conns >= f->max_conns)
        {
          listeners_on (f, false);
          return;
        }
    }
}

static void __attribute__ ((noreturn))
fwd_loop (struct fwd *f)
{
  struct epoll_event evs[64];
  for (;;)
    {
      int n = epoll_wait (f->ep, evs, 64, f->again ? 0 : f->paused ? 100 : -1);
      struct conn *list = f->again;
      f->again = NULL;
      if (n == 0 && f->paused && f->n_conns < f->max_conns)
        listeners_on (f, true);
      for (int i = 0; i < n; i++)
        {
          enum kind *k = evs[i].data.ptr;
          if (*k == K_PIDFD)
            _exit (0); /* the container's process is gone */
          if (*k == K_LISTEN)
            accept_all (f, (struct lsn *) k);
          else if (*k == K_CONN && !((struct conn *) k)->again)
            conn_run (f, (struct conn *) k);
        }
      /* those that had more to do (and had no event of their own meanwhile) */
      while (list)
        {
          struct conn *c = list;
          list = c->next_again;
          c->again = false;
          if (c->kind == K_CONN)
            conn_run (f, c);
        }
      while (f->dead)
        {
          struct conn *c = f->dead;
          f->dead = c->next_dead;
          free (c);
        }
    }
}

/* SO_MARK and IP_TRANSPARENT with the capabilities left (before 5.17,
 * SO_MARK needs CAP_NET_ADMIN). */
static bool
mark_works (urun_err *warn)
{
  static const uint32_t mark = NET_FWD_MARK;
  int one = 1, fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool ok = fd >= 0 && setsockopt (fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) == 0
            && setsockopt (fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one) == 0;
  if (!ok)
    urun_fail (warn, errno, "network: the port forwarder cannot mark its sockets (SO_MARK, IP_TRANSPARENT)");
  if (fd >= 0)
    close (fd);
  return ok;
}

/* A listener not on the host's loopback: its clients need a transparent
 * socket inside. */
static bool
any_transparent (const struct fwd *f)
{
  for (size_t i = 0; i < f->n_lsn; i++)
    {
      const struct sockaddr_storage *a = &f->lsn[i].p->host;
      if (a->ss_family == AF_INET ? (ntohl (((const struct sockaddr_in *) a)->sin_addr.s_addr) >> 24) != 127
                                  : !IN6_IS_ADDR_LOOPBACK (&((const struct sockaddr_in6 *) a)->sin6_addr))
        return true;
    }
  return false;
}

static int
fwd_setup (struct fwd *f, int pidfd, const int *ns, pid_t parent, urun_err *warn, urun_err *err)
{
  static enum kind pid_kind = K_PIDFD;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &pid_kind };
  if (listen_all (f, err) < 0 || become_nobody (err) < 0 || net_enter (ns, "the port forwarder", err) < 0)
    return -1;
  /* joined: the namespaces' fds are of no more use */
  for (int i = 0; i < 2; i++)
    close (ns[i]);
  f->transparent = any_transparent (f);
  /* the rule and route that bring marked packets back (net_mark_routes) */
  f->marked = f->transparent && net_mark_routes (f->np, warn) == 0;
  if (drop_caps (f->marked, err) < 0)
    return -1;
  /* before 5.17 SO_MARK wants CAP_NET_ADMIN: then nothing is kept */
  if (f->marked && !mark_works (warn))
    {
      f->marked = false;
      if (drop_caps (false, err) < 0)
        return -1;
    }
  /* new credentials reset these: again (the death signal until ready) */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid () != parent)
    _exit (1);
  if ((f->ep = epoll_create1 (EPOLL_CLOEXEC)) < 0 || epoll_ctl (f->ep, EPOLL_CTL_ADD, pidfd, &ev) < 0)
    return urun_fail (err, errno, "network: epoll");
  for (size_t i = 0; i < f->n_lsn; i++)
    {
      struct epoll_event lev = { .events = EPOLLIN, .data.ptr = &f->lsn[i] };
      if (epoll_ctl (f->ep, EPOLL_CTL_ADD, f->lsn[i].fd, &lev) < 0)
        return urun_fail (err, errno, "network: epoll");
    }
  return confine (err);
}

static void __attribute__ ((noreturn))
fwd_main (const struct net_plan *np, int sock, int pidfd, const int *ns, pid_t parent)
{
  static struct fwd f;
  cleanup_err urun_err err = NULL;
  cleanup_err urun_err warn = NULL;
  struct rlimit nofile = { 0, 0 };
  char go;
  f.np = np;
  /* as many fds as the user may have, up to FWD_NOFILE; the connections
   * fit in them (6 each, besides the listeners) */
  getrlimit (RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max < FWD_NOFILE ? nofile.rlim_max : FWD_NOFILE;
  setrlimit (RLIMIT_NOFILE, &nofile);
  getrlimit (RLIMIT_NOFILE, &nofile);
  f.max_conns = nofile.rlim_cur > NET_MAX_PORTS + 16 ? (nofile.rlim_cur - NET_MAX_PORTS - 16) / 6 : 1;
  if (f.max_conns > FWD_MAX_CONNS)
    f.max_conns = FWD_MAX_CONNS;
  /* the container's processes must not ptrace it where they see it */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (fwd_setup (&f, pidfd, ns, parent, &warn, &err) < 0)
    {
      /* the error, once urun's byte is read: a byte left unread at our
       * end would make urun's read fail (ECONNRESET) instead */
      const char *msg = err ? err->msg : "network: the port forwarder could not be set up";
      if (read (sock, &go, 1) < 0 || write (sock, msg, strlen (msg)) < 0)
        _exit (1);
      _exit (1);
    }
  /* urun has recorded its pid (fwd.pid): from here on it outlives urun */
  if (read (sock, &go, 1) != 1)
    _exit (1);
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  /* ready, with a warning if the clients' addresses cannot be kept */
  {
    cleanup_free char *note = warn ? xasprintf ("%s: a client not on the host's loopback is seen inside as the "
                                                "container's own address", warn->msg)
                                   : NULL;
    if (net_report_up (sock, note) < 0)
      _exit (1);
  }
  close (sock);
  fwd_loop (&f);
}

pid_t
net_fwd_start (const struct net_plan *np, pid_t init, const int *ns, int *sock, urun_err *err)
{
  pid_t pid, parent = getpid ();
  int pidfd = (int) syscall (SYS_pidfd_open, init, 0);
  if (pidfd < 0)
    return urun_fail (err, errno, "network: pidfd of the container's process");
  pid = net_fork ((int[]){ pidfd, ns[0], ns[1] }, 3, "the port forwarder", sock, err);
  if (pid == 0)
    fwd_main (np, 3, 4, (int[]){ 5, 6 }, parent);
  close (pidfd);
  return pid;
}
