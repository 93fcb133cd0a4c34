/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the network helper.  urun forks it (no exec) once the container's
 * tap fd has come; it keeps only that fd, a pidfd of the container's
 * process and the pipe it reports on, and runs libslirp between the tap
 * and the host's sockets:
 *   - libslirp (and the glib it needs) is opened here, in the helper, so
 *     no other urun command pays for loading it;
 *   - the published ports are bound first, while it may still have the
 *     caller's capabilities (root: a port below 1024), then every
 *     capability goes, no_new_privs, and a seccomp filter of what a poll
 *     loop over sockets needs;
 *   - "ready" (one byte 0) is written once all of that is done; an error
 *     is one line, and the helper exits;
 *   - it exits when the container's process does (the pidfd), and when
 *     the tap closes;
 *   - a reply from a published UDP port to a client on the host's
 *     127.0.0.1 or ::1 gets through although the host's loopback is
 *     otherwise refused (udp_loopback_reply). */
#include <config.h>
#include "net.h"
#include "log.h"
#include "util.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/capability.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 1024
#define MAX_TIMERS 16
#define MAX_PEERS 64
/* libslirp's own lifetime of a UDP flow with no traffic (SO_EXPIRE) */
#define PEER_TTL_MS 240000

static struct
{
  __typeof__ (slirp_new) *slirp_new;
  __typeof__ (slirp_pollfds_fill) *slirp_pollfds_fill;
  __typeof__ (slirp_pollfds_poll) *slirp_pollfds_poll;
  __typeof__ (slirp_input) *slirp_input;
  __typeof__ (slirp_handle_timer) *slirp_handle_timer;
  __typeof__ (slirp_add_hostxfwd) *slirp_add_hostxfwd;
} sl;

static const char *const sl_names[] = { "slirp_new", "slirp_pollfds_fill", "slirp_pollfds_poll", "slirp_input",
                                        "slirp_handle_timer", "slirp_add_hostxfwd" };

struct timer
{
  bool used, armed;
  SlirpTimerId id;
  void *cb_opaque;
  int64_t expire_ms;
};

/* A client on the host's loopback of a published UDP port, as the
 * container saw it: from the gateway's PEER_PORT to its GUEST_PORT. */
struct udp_peer
{
  bool used, v6;
  uint16_t guest_port, peer_port; /* network order */
  int64_t seen_ms;
};

struct helper
{
  Slirp *slirp;
  const struct net_plan *np;
  int tap, pidfd;
  struct pollfd fds[MAX_FDS];
  size_t n;
  struct timer timers[MAX_TIMERS];
  struct udp_peer peers[MAX_PEERS];
};

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- UDP replies to the host's loopback ---------------------------------- */

/* libslirp gives a datagram that came to a published UDP port from the
 * host's 127.0.0.1 (::1) the gateway's address as its source; the
 * container's reply goes to the gateway, and libslirp sends that to the
 * host's loopback only where the host's loopback is allowed
 * (disable_host_loopback): without allow-host-loopback every such reply
 * was dropped.  So the helper notes each client it sees given to the
 * container that way (cb_send), and a reply from that published port to
 * that client has its destination made 127.0.0.1 (::1) before libslirp
 * reads it: libslirp sends it from the published port's socket to the
 * client.  Nothing else of the gateway's gets to the host's loopback.
 * libslirp then takes 127.0.0.1 for that socket's peer and stops giving
 * the next datagrams from there the gateway's address (the container
 * would drop them, a loopback source on tap0): cb_send does it for
 * them.  Datagrams in fragments are left alone (the MTU is 65520: a
 * datagram needs more only near UDP's own limit). */

#define ETH_HLEN_ 14

struct udp_frame
{
  bool v6;
  uint8_t *src, *dst; /* the IP addresses */
  uint8_t *ip_sum;    /* IPv4: the header's checksum */
  uint8_t *udp;       /* the UDP header */
};

/* An unfragmented UDP datagram over IPv4 or IPv6 (no extension header). */
static bool
udp_frame_parse (uint8_t *f, size_t len, struct udp_frame *u)
{
  uint16_t type;
  if (len < ETH_HLEN_ + 20 + 8)
    return false;
  type = (uint16_t) (f[12] << 8 | f[13]);
  f += ETH_HLEN_;
  len -= ETH_HLEN_;
  if (type == 0x0800)
    {
      size_t ihl = (size_t) (f[0] & 0x0f) * 4;
      if ((f[0] >> 4) != 4 || ihl < 20 || len < ihl + 8 || f[9] != 17 || (f[6] & 0x3f) != 0 || f[7] != 0)
        return false;
      *u = (struct udp_frame){ .v6 = false, .src = f + 12, .dst = f + 16, .ip_sum = f + 10, .udp = f + ihl };
      return true;
    }
  if (type == 0x86dd)
    {
      if (len < 40 + 8 || (f[0] >> 4) != 6 || f[6] != 17)
        return false;
      *u = (struct udp_frame){ .v6 = true, .src = f + 8, .dst = f + 24, .udp = f + 40 };
      return true;
    }
  return false;
}

/* The checksum at sum, for the bytes at from (len, even) becoming to
 * (RFC 1624). */
static void
csum_replace (uint8_t *sum, const uint8_t *from, const uint8_t *to, size_t len, bool udp)
{
  uint32_t s = (uint16_t) ~(sum[0] << 8 | sum[1]);
  for (size_t i = 0; i < len; i += 2)
    {
      s += (uint16_t) ~(from[i] << 8 | from[i + 1]);
      s += (uint16_t) (to[i] << 8 | to[i + 1]);
    }
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  s = ~s & 0xffff;
  if (udp && s == 0)
    s = 0xffff; /* 0 is "no checksum" */
  sum[0] = (uint8_t) (s >> 8);
  sum[1] = (uint8_t) s;
}

/* The container's port of a published UDP port of this family, network order. */
static bool
udp_published (const struct net_plan *np, bool v6, uint16_t port)
{
  for (size_t i = 0; i < np->n_ports; i++)
    if (np->ports[i].udp && (np->ports[i].host.ss_family == AF_INET6) == v6
        && htons ((uint16_t) np->ports[i].guest_port) == port)
      return true;
  return false;
}

static struct udp_peer *
udp_peer_find (struct helper *h, bool v6, uint16_t guest_port, uint16_t peer_port, int64_t now)
{
  for (int i = 0; i < MAX_PEERS; i++)
    {
      struct udp_peer *p = &h->peers[i];
      if (p->used && p->v6 == v6 && p->guest_port == guest_port && p->peer_port == peer_port
          && now - p->seen_ms < PEER_TTL_MS)
        return p;
    }
  return NULL;
}

/* The address at a (4 or 16 bytes) becomes to, the checksums with it. */
static void
udp_frame_readdress (const struct udp_frame *u, uint8_t *a, const void *to)
{
  size_t len = u->v6 ? 16 : 4;
  /* the UDP checksum covers the addresses; 0 is none (IPv4 only) */
  if (u->v6 || u->udp[6] != 0 || u->udp[7] != 0)
    csum_replace (u->udp + 6, a, to, len, true);
  if (!u->v6)
    csum_replace (u->ip_sum, a, to, len, false);
  memcpy (a, to, len);
}

static const struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;

/* A frame to the container: from the host's loopback (as the gateway, or
 * as itself) to a published UDP port?  Noted, and from the gateway.
 * Returns the frame to send: buf, or a copy readdressed. */
static const void *
udp_peer_note (struct helper *h, const void *buf, size_t len)
{
  static uint8_t copy[65536 + 64];
  const struct net_plan *np = h->np;
  const uint32_t lo4 = htonl (INADDR_LOOPBACK);
  struct udp_frame u;
  uint16_t gport, pport;
  int64_t now;
  bool loopback;
  struct udp_peer *p, *oldest = &h->peers[0];
  if (np->allow_host_loopback || len > sizeof copy || !udp_frame_parse ((uint8_t *) buf, len, &u))
    return buf;
  if (u.v6 ? memcmp (u.dst, &np->guest6, 16) != 0 : memcmp (u.dst, &np->guest, 4) != 0)
    return buf;
  loopback = u.v6 ? memcmp (u.src, &lo6, 16) == 0 : memcmp (u.src, &lo4, 4) == 0;
  if (!loopback && (u.v6 ? memcmp (u.src, &np->gateway6, 16) != 0 : memcmp (u.src, &np->gateway, 4) != 0))
    return buf;
  memcpy (&pport, u.udp, 2);
  memcpy (&gport, u.udp + 2, 2);
  if (!udp_published (np, u.v6, gport))
    return buf;
  now = now_ns () / 1000000;
  p = udp_peer_find (h, u.v6, gport, pport, now);
  if (p == NULL)
    {
      for (int i = 0; i < MAX_PEERS && oldest->used; i++)
        if (!h->peers[i].used || h->peers[i].seen_ms < oldest->seen_ms)
          oldest = &h->peers[i];
      p = oldest;
      *p = (struct udp_peer){ .used = true, .v6 = u.v6, .guest_port = gport, .peer_port = pport };
    }
  p->seen_ms = now;
  if (!loopback)
    return buf;
  memcpy (copy, buf, len);
  udp_frame_parse (copy, len, &u);
  udp_frame_readdress (&u, u.src, u.v6 ? (const void *) &np->gateway6 : (const void *) &np->gateway);
  return copy;
}

/* A frame from the container: a reply to a noted client?  Then to the
 * host's loopback. */
static void
udp_loopback_reply (struct helper *h, uint8_t *buf, size_t len)
{
  const struct net_plan *np = h->np;
  const uint32_t lo4 = htonl (INADDR_LOOPBACK);
  struct udp_frame u;
  uint16_t gport, pport;
  if (np->allow_host_loopback || !udp_frame_parse (buf, len, &u))
    return;
  if (u.v6 ? memcmp (u.src, &np->guest6, 16) != 0 || memcmp (u.dst, &np->gateway6, 16) != 0
           : memcmp (u.src, &np->guest, 4) != 0 || memcmp (u.dst, &np->gateway, 4) != 0)
    return;
  memcpy (&gport, u.udp, 2);
  memcpy (&pport, u.udp + 2, 2);
  if (!udp_published (np, u.v6, gport) || udp_peer_find (h, u.v6, gport, pport, now_ns () / 1000000) == NULL)
    return;
  udp_frame_readdress (&u, u.dst, u.v6 ? (const void *) &lo6 : (const void *) &lo4);
}

/* ---- libslirp's callbacks ------------------------------------------------ */

static ssize_t
cb_send (const void *buf, size_t len, void *opaque)
{
  struct helper *h = opaque;
  ssize_t n;
  buf = udp_peer_note (h, buf, len);
  n = write (h->tap, buf, len);
  /* a full tap queue drops the frame: TCP sends it again */
  return n < 0 && errno == EAGAIN ? (ssize_t) len : n;
}

static void
cb_guest_error (const char *msg, void *opaque)
{
  (void) msg;
  (void) opaque;
}

static int64_t
cb_clock (void *opaque)
{
  (void) opaque;
  return now_ns ();
}

static void *
cb_timer_new_opaque (SlirpTimerId id, void *cb_opaque, void *opaque)
{
  struct helper *h = opaque;
  for (int i = 0; i < MAX_TIMERS; i++)
    if (!h->timers[i].used)
      {
        h->timers[i] = (struct timer){ .used = true, .id = id, .cb_opaque = cb_opaque };
        return &h->timers[i];
      }
  return NULL;
}

static void
cb_timer_free (void *t, void *opaque)
{
  (void) opaque;
  if (t)
    memset (t, 0, sizeof (struct timer));
}

static void
cb_timer_mod (void *t, int64_t expire_ms, void *opaque)
{
  (void) opaque;
  if (t)
    {
      ((struct timer *) t)->armed = true;
      ((struct timer *) t)->expire_ms = expire_ms;
    }
}

static void
cb_nop_fd (int fd, void *opaque)
{
  (void) fd;
  (void) opaque;
}

static void
cb_notify (void *opaque)
{
  (void) opaque;
}

static int
cb_add_poll (int fd, int events, void *opaque)
{
  struct helper *h = opaque;
  short e = 0;
  if (h->n == MAX_FDS)
    return -1;
  e |= events & SLIRP_POLL_IN ? POLLIN : 0;
  e |= events & SLIRP_POLL_OUT ? POLLOUT : 0;
  e |= events & SLIRP_POLL_PRI ? POLLPRI : 0;
  h->fds[h->n] = (struct pollfd){ .fd = fd, .events = e };
  return (int) h->n++;
}

static int
cb_get_revents (int idx, void *opaque)
{
  struct helper *h = opaque;
  short r = idx >= 0 && (size_t) idx < h->n ? h->fds[idx].revents : 0;
  return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) | (r & POLLPRI ? SLIRP_POLL_PRI : 0)
         | (r & POLLERR ? SLIRP_POLL_ERR : 0) | (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

static const SlirpCb callbacks = {
  .send_packet = cb_send,
  .guest_error = cb_guest_error,
  .clock_get_ns = cb_clock,
  .timer_free = cb_timer_free,
  .timer_mod = cb_timer_mod,
  .register_poll_fd = cb_nop_fd,
  .unregister_poll_fd = cb_nop_fd,
  .notify = cb_notify,
  .timer_new_opaque = cb_timer_new_opaque,
};

/* ---- set-up ---------------------------------------------------------------- */

static int
load_slirp (urun_err *err)
{
  void **slots = (void **) &sl;
  void *lib = dlopen ("libslirp.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL)
    return urun_fail (err, 0, "network: libslirp.so.0 (Debian: libslirp0) cannot be loaded: %s", dlerror ());
  for (size_t i = 0; i < sizeof sl_names / sizeof *sl_names; i++)
    if ((slots[i] = dlsym (lib, sl_names[i])) == NULL)
      return urun_fail (err, 0, "network: libslirp.so.0 has no %s (4.5 or later is needed)", sl_names[i]);
  return 0;
}

static int
make_slirp (struct helper *h, const struct net_plan *np, urun_err *err)
{
  SlirpConfig cfg = { 0 };
  cfg.version = 4;
  cfg.in_enabled = true;
  cfg.vnetwork = np->net;
  cfg.vnetmask = np->mask;
  cfg.vhost = np->gateway;
  cfg.vdhcp_start = np->guest;
  cfg.vnameserver = np->dns;
  cfg.in6_enabled = np->ipv6;
  cfg.vprefix_addr6 = np->net6;
  cfg.vprefix_len = 64;
  cfg.vhost6 = np->gateway6;
  cfg.vnameserver6 = np->dns6;
  cfg.if_mtu = (size_t) np->mtu;
  cfg.if_mru = (size_t) np->mtu;
  /* 10.0.2.2 is not the host's 127.0.0.1 unless asked (slirp4netns's default) */
  cfg.disable_host_loopback = !np->allow_host_loopback;
  h->slirp = sl.slirp_new (&cfg, &callbacks, h);
  if (h->slirp == NULL)
    return urun_fail (err, 0, "network: libslirp could not be set up");
  return 0;
}

static int
publish (struct helper *h, const struct net_plan *np, urun_err *err)
{
  for (size_t i = 0; i < np->n_ports; i++)
    {
      const struct net_port *p = &np->ports[i];
      struct sockaddr_storage g = { 0 };
      socklen_t glen;
      int flags = p->udp ? SLIRP_HOSTFWD_UDP : 0;
      if (p->host.ss_family == AF_INET6)
        {
          struct sockaddr_in6 *a = (struct sockaddr_in6 *) &g;
          a->sin6_family = AF_INET6;
          a->sin6_addr = np->guest6;
          a->sin6_port = htons ((uint16_t) p->guest_port);
          glen = sizeof *a;
          flags |= SLIRP_HOSTFWD_V6ONLY;
        }
      else
        {
          struct sockaddr_in *a = (struct sockaddr_in *) &g;
          a->sin_family = AF_INET;
          a->sin_addr = np->guest;
          a->sin_port = htons ((uint16_t) p->guest_port);
          glen = sizeof *a;
        }
      errno = 0;
      if (sl.slirp_add_hostxfwd (h->slirp, (const struct sockaddr *) &p->host, p->host_len, (struct sockaddr *) &g,
                                 glen, flags)
          < 0)
        return urun_fail (err, errno, "network: -p `%s`: %s", p->spec,
                          errno == EADDRINUSE ? "the host's port is in use" : "cannot listen on the host's port");
    }
  return 0;
}

/* No capability, no gaining any, and only the system calls of the loop. */
static int
confine (urun_err *err)
{
  static const char *const allowed[] = {
    "read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "recvmmsg", "sendmmsg",
    "socket", "connect", "bind", "listen", "accept", "accept4", "getsockopt", "setsockopt", "getsockname",
    "getpeername", "shutdown", "poll", "ppoll", "close", "fcntl", "ioctl", "clock_gettime", "clock_nanosleep",
    "gettimeofday", "futex", "brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "exit", "exit_group",
    "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "getrandom", "openat", "open", "newfstatat", "fstat", "stat",
    "lseek", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "uname", "restart_syscall",
    "eventfd2", "pipe2", "dup", "statx", "sched_yield", "nanosleep",
  };
  cap_t none;
  scmp_filter_ctx ctx;
  int r = 0;
  /* root: nobody from here on (the ports are bound) */
  if (geteuid () == 0 && (setgroups (0, NULL) < 0 || setresgid (65534, 65534, 65534) < 0
                          || setresuid (65534, 65534, 65534) < 0))
    return urun_fail (err, errno, "network: become nobody");
  none = cap_init ();
  if (none == NULL || cap_set_proc (none) < 0)
    {
      if (none)
        cap_free (none);
      return urun_fail (err, errno, "network: drop capabilities");
    }
  cap_free (none);
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return urun_fail (err, errno, "network: no_new_privs");
  ctx = seccomp_init (SCMP_ACT_ERRNO (EPERM));
  if (ctx == NULL)
    return urun_fail (err, 0, "network: seccomp_init");
  for (size_t i = 0; i < sizeof allowed / sizeof *allowed && r == 0; i++)
    {
      int nr = seccomp_syscall_resolve_name (allowed[i]);
      if (nr != __NR_SCMP_ERROR)
        r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, nr, 0);
    }
  if (r == 0)
    r = seccomp_load (ctx);
  seccomp_release (ctx);
  if (r < 0)
    return urun_fail (err, -r, "network: load the helper's seccomp filter");
  return 0;
}

/* ---- the loop ------------------------------------------------------------ */

static uint32_t
timers_due (struct helper *h, uint32_t timeout)
{
  int64_t now = now_ns () / 1000000;
  for (int i = 0; i < MAX_TIMERS; i++)
    {
      struct timer *t = &h->timers[i];
      if (!t->used || !t->armed)
        continue;
      if (t->expire_ms <= now)
        {
          t->armed = false;
          sl.slirp_handle_timer (h->slirp, t->id, t->cb_opaque);
        }
      else if ((uint64_t) (t->expire_ms - now) < timeout)
        timeout = (uint32_t) (t->expire_ms - now);
    }
  return timeout;
}

static void
tap_read (struct helper *h)
{
  static uint8_t buf[65536 + 64];
  /* a bounded batch: the sockets get their turn */
  for (int i = 0; i < 64; i++)
    {
      ssize_t n = read (h->tap, buf, sizeof buf);
      if (n <= 0)
        {
          if (n == 0 || (errno != EAGAIN && errno != EINTR))
            _exit (0);
          return;
        }
      udp_loopback_reply (h, buf, (size_t) n);
      sl.slirp_input (h->slirp, buf, (int) n);
    }
}

static void __attribute__ ((noreturn))
run_loop (struct helper *h)
{
  for (;;)
    {
      uint32_t timeout = 10000;
      int n;
      h->n = 0;
      cb_add_poll (h->tap, SLIRP_POLL_IN, h);
      cb_add_poll (h->pidfd, SLIRP_POLL_IN, h);
      sl.slirp_pollfds_fill (h->slirp, &timeout, cb_add_poll, h);
      timeout = timers_due (h, timeout);
      n = poll (h->fds, h->n, (int) timeout);
      if (n > 0 && h->fds[1].revents)
        _exit (0); /* the container's process is gone */
      if (n > 0 && h->fds[0].revents & POLLIN)
        tap_read (h);
      else if (n > 0 && h->fds[0].revents & (POLLHUP | POLLERR))
        _exit (0);
      sl.slirp_pollfds_poll (h->slirp, n < 0, cb_get_revents, h);
      timers_due (h, timeout);
    }
}

static void __attribute__ ((noreturn))
helper_main (const struct net_plan *np, int tap, int pidfd, int ready)
{
  static struct helper h;
  cleanup_err urun_err err = NULL;
  h.np = np;
  h.tap = tap;
  h.pidfd = pidfd;
  fcntl (tap, F_SETFL, fcntl (tap, F_GETFL) | O_NONBLOCK);
  if (load_slirp (&err) < 0 || make_slirp (&h, np, &err) < 0 || publish (&h, np, &err) < 0 || confine (&err) < 0)
    {
      dprintf (ready, "%s", err->msg);
      _exit (1);
    }
  if (write (ready, "", 1) != 1)
    _exit (1);
  close (ready);
  run_loop (&h);
}

pid_t
net_helper_start (const struct net_plan *np, int tap, pid_t init, int *ready_fd, urun_err *err)
{
  int p[2], pidfd = (int) syscall (SYS_pidfd_open, init, 0);
  pid_t pid;
  if (pidfd < 0)
    return urun_fail (err, errno, "network: pidfd of the container's process");
  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      close (pidfd);
      return urun_fail (err, errno, "network: pipe");
    }
  pid = fork ();
  if (pid < 0)
    {
      close (pidfd), close (p[0]), close (p[1]);
      return urun_fail (err, errno, "network: fork the helper");
    }
  if (pid == 0)
    {
      sigset_t none;
      /* only these three: nothing of urun's state directory, lock or
       * sockets stays open in the helper */
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (null < 0 || dup2 (tap, 3) < 0 || dup2 (pidfd, 4) < 0 || dup2 (p[1], 5) < 0)
        _exit (1);
      /* not the container's stdio either (an engine's pipes stay its own) */
      for (int i = 0; i < 3; i++)
        dup2 (null, i);
      syscall (SYS_close_range, 6U, ~0U, 0U);
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      /* not in the caller's process group: a ^C at `urun run` is for the container */
      setsid ();
      helper_main (np, 3, 4, 5);
    }
  close (pidfd);
  close (p[1]);
  *ready_fd = p[0];
  return pid;
}

int
net_helper_wait (int ready_fd, urun_err *err)
{
  char buf[1024];
  struct pollfd pf = { .fd = ready_fd, .events = POLLIN };
  ssize_t n;
  /* bounded: libslirp's set-up is quick; 10 s means something is wrong */
  if (poll (&pf, 1, 10000) <= 0)
    return urun_fail (err, ETIMEDOUT, "network: the helper did not come up");
  n = read (ready_fd, buf, sizeof buf - 1);
  if (n == 1 && buf[0] == '\0')
    return 0;
  if (n <= 0)
    return urun_fail (err, 0, "network: the helper ended before the network was up");
  buf[n] = '\0';
  return urun_fail (err, 0, "%s", buf);
}
