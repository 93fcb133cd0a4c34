/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the network helper.  urun forks it (no exec) once the container's
 * process exists, and hands it the tap once made (tap.c); it keeps only
 * that fd, a pidfd of the container's
 * process and the pipe it reports on, and runs libslirp between the tap
 * and the host's sockets:
 *   - libslirp (and the glib it needs) is opened here, in the helper, so
 *     no other urun command pays for loading it;
 *   - the published UDP ports are bound first (TCP ports are the
 *     forwarder's: fwd.c), while it may still have the caller's
 *     capabilities (root: a port below 1024), then every
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
#include "netproc.h"
#include "udploop.h"
#include "unixsock.h"
#include "fault.h"
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
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/capability.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 1024
#define HELPER_DATA_MAX (256UL << 20)
#define MAX_TIMERS 16

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

struct helper
{
  Slirp *slirp;
  const struct net_plan *np;
  int tap, pidfd;
  struct pollfd fds[MAX_FDS];
  size_t n;
  struct timer timers[MAX_TIMERS];
  struct udp_peers peers; /* udploop.c */
};

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- libslirp's callbacks ------------------------------------------------ */

/* An IPv6 router advertisement (ICMPv6 134, no extension header). */
static bool
router_advert (const uint8_t *f, size_t len)
{
  return len >= 14 + 40 + 4 && f[12] == 0x86 && f[13] == 0xdd && f[14 + 6] == 58 && f[14 + 40] == 134;
}

static ssize_t
cb_send (const void *buf, size_t len, void *opaque)
{
  struct helper *h = opaque;
  ssize_t n;
  /* libslirp advertises fd00::/64 (on a solicitation and on a timer),
   * and the container's kernel would make a second address in it by
   * SLAAC, and a default route through fe80::2; the address is fd00::100
   * alone, routed by urun (tap.c).  The kernel answered fd00::2 from the
   * SLAAC address, so a published UDP port's server's first reply after
   * the advertisement was lost */
  if (router_advert (buf, len))
    return (ssize_t) len;
  buf = udploop_to_guest (&h->peers, h->np, buf, len, now_ns () / 1000000);
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
      if (!p->udp)
        continue; /* TCP: the forwarder's (fwd.c) */
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
  /* socket, openat and ioctl are allowed with the arguments libslirp
   * uses alone (below): no AF_UNIX (the user's bus), no file written */
  static const char *const allowed[] = {
    "read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "recvmmsg", "sendmmsg",
    "connect", "bind", "listen", "accept", "accept4", "getsockopt", "setsockopt", "getsockname",
    "getpeername", "shutdown", "poll", "ppoll", "close", "fcntl", "clock_gettime", "clock_nanosleep",
    "gettimeofday", "futex", "brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "exit", "exit_group",
    "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "getrandom", "newfstatat", "fstat",
    "lseek", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "uname", "restart_syscall",
    "statx", "sched_yield", "nanosleep",
  };
  cap_t none;
  scmp_filter_ctx ctx;
  int r;
  bool limited;
  /* root: nobody from here on (the ports are bound); root of a user
   * namespace without 65534 mapped (urun nested, unshare -Ur) keeps its
   * id, without any capability either */
  if (geteuid () == 0 && setgroups (0, NULL) == 0 && setresgid (65534, 65534, 65534) == 0)
    setresuid (65534, 65534, 65534);
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
  /* reading the host's files: /etc only (files.c) */
  if (net_limit_files (&limited, err) < 0)
    return -1;
  ctx = net_filter_new (allowed, sizeof allowed / sizeof *allowed, &r);
  if (ctx && r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1, SCMP_A0 (SCMP_CMP_EQ, AF_INET));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1, SCMP_A0 (SCMP_CMP_EQ, AF_INET6));
  /* reading (the host's resolv.conf, at a DNS query): nothing written, made or truncated */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (openat), 1,
                          SCMP_A2 (SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE, O_RDONLY));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1, SCMP_A1 (SCMP_CMP_EQ, FIONREAD));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1, SCMP_A1 (SCMP_CMP_EQ, FIONBIO));
  return net_filter_load (ctx, r, "the helper", err);
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
      udploop_from_guest (&h->peers, h->np, buf, (size_t) n, now_ns () / 1000000);
      sl.slirp_input (h->slirp, buf, (int) n);
    }
}

static void __attribute__ ((noreturn))
run_loop (struct helper *h)
{
  /* libslirp's clock is read in slirp_pollfds_poll alone, and a socket
   * made for a frame from the container takes its time of expiry from it:
   * unread before the first frame, it was 0, and the first datagram's
   * socket expired at once (its reply lost).  Read once here (an error
   * pass: no socket is looked at). */
  h->n = 0;
  sl.slirp_pollfds_poll (h->slirp, 1, cb_get_revents, h);
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
      /* after the frames: what they let go (a frame held for the
       * container's ARP answer) goes out at its end (if_start) */
      sl.slirp_pollfds_poll (h->slirp, n < 0, cb_get_revents, h);
      timers_due (h, timeout);
    }
}

/* The tap and the pidfd, sent by urun once the tap is made
 * (net_helper_give). */
static int
receive_fds (int sock, int *tap, int *pidfd, urun_err *err)
{
  char byte, cbuf[CMSG_SPACE (2 * sizeof (int))];
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm;
  ssize_t n;
  do
    n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  cm = n > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN (2 * sizeof (int)))
    return urun_fail (err, 0, "network: no tap came from urun");
  memcpy (tap, CMSG_DATA (cm), sizeof *tap);
  memcpy (pidfd, (char *) CMSG_DATA (cm) + sizeof (int), sizeof *pidfd);
  return 0;
}

/* VmData of /proc/self/status, in bytes (0 if unknown). */
static rlim_t
data_now (void)
{
  char line[128];
  unsigned long long kb = 0;
  FILE *f = fopen ("/proc/self/status", "re");
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "VmData: %llu kB", &kb) == 1)
      break;
  if (f)
    fclose (f);
  return (rlim_t) kb * 1024;
}

static void __attribute__ ((noreturn))
helper_main (const struct net_plan *np, int sock)
{
  static struct helper h;
  cleanup_err urun_err err = NULL;
  h.np = np;
  /* a container must not make its helper take the host's memory (IP
   * fragments kept for reassembly, many connections): past this, the
   * helper fails, and the container has no network; and no more sockets
   * than the loop can poll */
  {
    /* beyond what it has at the fork (under ASan, a large shadow) */
    rlim_t data = data_now () + HELPER_DATA_MAX;
    setrlimit (RLIMIT_DATA, &(struct rlimit){ data, data });
  }
  setrlimit (RLIMIT_NOFILE, &(struct rlimit){ MAX_FDS - 8, MAX_FDS - 8 });
  /* all of it while the container is being made: the network costs the
   * start only what is left when the container is ready */
  if (load_slirp (&err) < 0 || make_slirp (&h, np, &err) < 0 || publish (&h, np, &err) < 0 || confine (&err) < 0
      || receive_fds (sock, &h.tap, &h.pidfd, &err) < 0)
    {
      /* urun gone (end of file): nothing to say, to no one */
      if (write (sock, err->msg, strlen (err->msg)) < 0)
        _exit (1);
      _exit (1);
    }
  fcntl (h.tap, F_SETFL, fcntl (h.tap, F_GETFL) | O_NONBLOCK);
  /* from here it goes with the container's process, not with urun's
   * (create returns; the container runs on) */
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  {
    /* test builds: what opening a file gives now (files.c) */
    cleanup_free char *note = NULL;
    const char *probe = fault_probe ("URUN_FAULT_NET_OPEN");
    if (probe)
      {
        int fd = open (probe, O_RDONLY | O_CLOEXEC);
        note = xasprintf ("network helper: open %s: %s", probe, fd >= 0 ? "ok" : strerror (errno));
        if (fd >= 0)
          close (fd);
      }
    if (net_report_up (sock, note) < 0)
      _exit (1);
  }
  close (sock);
  run_loop (&h);
}

pid_t
net_helper_start (const struct net_plan *np, int *sock, urun_err *err)
{
  /* it dies with urun until it has the container's pidfd (helper_main) */
  pid_t pid = net_fork (NULL, 0, "the helper", sock, err);
  if (pid == 0)
    helper_main (np, 3);
  return pid;
}

int
net_helper_give (int sock, int tap, pid_t init, urun_err *err)
{
  int fds[2] = { tap, (int) syscall (SYS_pidfd_open, init, 0) };
  char cbuf[CMSG_SPACE (sizeof fds)] = { 0 };
  struct iovec iov = { .iov_base = (char *) "t", .iov_len = 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
  int r;
  if (fds[1] < 0)
    return urun_fail (err, errno, "network: pidfd of the container's process");
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof fds);
  memcpy (CMSG_DATA (cm), fds, sizeof fds);
  r = sendmsg (sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
  close (fds[1]);
  /* EPIPE: the helper ended; its report says why (net_helper_wait) */
  if (r < 0 && r != -EPIPE)
    return urun_fail (err, -r, "network: hand the tap to the helper");
  return 0;
}

int
net_helper_wait (int sock, const char *who, urun_err *err)
{
  char buf[1024];
  struct pollfd pf = { .fd = sock, .events = POLLIN };
  cleanup_err urun_err e = NULL;
  ssize_t n;
  /* bounded: libslirp's set-up is quick; 10 s means something is wrong */
  if (poll (&pf, 1, 10000) <= 0)
    return urun_fail (err, ETIMEDOUT, "network: %s did not come up", who);
  /* (one that ended with our message unread: its own comes next) */
  n = unixsock_recv (sock, buf, sizeof buf - 1, NULL, &e);
  if (n >= 1 && buf[0] == '\0')
    {
      /* up, with something to say */
      buf[n] = '\0';
      if (n > 1)
        urun_warn ("%s", buf + 1);
      return 0;
    }
  if (n <= 0)
    return urun_fail (err, 0, "network: %s ended before the network was up", who);
  buf[n] = '\0';
  return urun_fail (err, 0, "%s", buf);
}
