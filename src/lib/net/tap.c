/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the container's side of the user-mode network, made inside its new
 * network namespace (with CAP_NET_ADMIN there) from the host's
 * /dev/net/tun: the tap device, its MTU, up, its addresses and the default
 * routes, through rtnetlink.  Made by the tap maker, a vfork of urun that
 * joins the namespaces of the container's process while that process does
 * its mounts; or, where the network namespace is made later than the
 * clone, by the container's process itself, before its root filesystem.
 * The tap's fd goes to urun, whose helper holds it. */
#include <config.h>
#include "fault.h"
#include "net.h"
#include "netproc.h"
#include "sync.h"
#include "unixsock.h"
#include "util.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct nl_req
{
  struct nlmsghdr h;
  union
  {
    struct ifinfomsg link;
    struct ifaddrmsg addr;
    struct rtmsg route;
    struct fib_rule_hdr rule;
  } u;
  char attrs[256];
};

static void
nl_attr (struct nl_req *r, unsigned short type, const void *data, size_t len)
{
  struct rtattr *a = (struct rtattr *) ((char *) r + NLMSG_ALIGN (r->h.nlmsg_len));
  a->rta_type = type;
  a->rta_len = (unsigned short) RTA_LENGTH (len);
  memcpy (RTA_DATA (a), data, len);
  r->h.nlmsg_len = NLMSG_ALIGN (r->h.nlmsg_len) + RTA_ALIGN (a->rta_len);
}

/* Send one request and read its acknowledgement. */
static int
nl_call (int fd, struct nl_req *r, const char *what, urun_err *err)
{
  char buf[4096];
  struct nlmsghdr *h = (struct nlmsghdr *) buf;
  ssize_t n;
  r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (send (fd, r, r->h.nlmsg_len, 0) < 0)
    return urun_fail (err, errno, "network: %s (netlink)", what);
  do
    n = recv (fd, buf, sizeof buf, 0);
  while (n < 0 && errno == EINTR);
  if (n < (ssize_t) sizeof *h || h->nlmsg_type != NLMSG_ERROR)
    return urun_fail (err, n < 0 ? errno : EPROTO, "network: %s: no netlink answer", what);
  if (((struct nlmsgerr *) NLMSG_DATA (h))->error != 0)
    return urun_fail (err, -((struct nlmsgerr *) NLMSG_DATA (h))->error, "network: %s", what);
  return 0;
}

static int
link_up (int fd, int index, int mtu, urun_err *err)
{
  struct nl_req r = { .h = { .nlmsg_len = NLMSG_LENGTH (sizeof (struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK } };
  unsigned int m = (unsigned int) mtu;
  r.u.link.ifi_family = AF_UNSPEC;
  r.u.link.ifi_index = index;
  r.u.link.ifi_flags = IFF_UP;
  r.u.link.ifi_change = IFF_UP;
  nl_attr (&r, IFLA_MTU, &m, sizeof m);
  return nl_call (fd, &r, "bring the interface up", err);
}

/* The address, with no route of its prefix made for it: routes_add makes
 * that one, with its metrics. */
static int
addr_add (int fd, int family, int index, const void *addr, int prefix, urun_err *err)
{
  struct nl_req r = { .h = { .nlmsg_len = NLMSG_LENGTH (sizeof (struct ifaddrmsg)), .nlmsg_type = RTM_NEWADDR,
                             .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
  size_t len = family == AF_INET ? 4 : 16;
  /* no duplicate address detection: the address is usable at once */
  uint32_t flags = IFA_F_NOPREFIXROUTE | (family == AF_INET6 ? IFA_F_NODAD : 0);
  r.u.addr.ifa_family = (unsigned char) family;
  r.u.addr.ifa_prefixlen = (unsigned char) prefix;
  r.u.addr.ifa_index = (unsigned) index;
  nl_attr (&r, IFA_LOCAL, addr, len);
  nl_attr (&r, IFA_ADDRESS, addr, len);
  nl_attr (&r, IFA_FLAGS, &flags, sizeof flags);
  return nl_call (fd, &r, family == AF_INET ? "add the IPv4 address" : "add the IPv6 address", err);
}

struct route
{
  int family;
  unsigned char table, type, dst_len;
  const void *dst, *gw, *src; /* NULL: none (dst: 0/0) */
  int oif;
  bool quickack;
};

/* ip route add [DST/DST_LEN | default] [via GW] [src SRC] dev OIF
 * [table TABLE] [quickack 1], of TYPE: the prefix's route, the default
 * route (RTN_UNICAST), or the forwarder's local one (RTN_LOCAL, scope
 * host). */
static int
route_add (int fd, const struct route *rt, const char *what, urun_err *err)
{
  struct nl_req r = { .h = { .nlmsg_len = NLMSG_LENGTH (sizeof (struct rtmsg)), .nlmsg_type = RTM_NEWROUTE,
                             .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
  size_t alen = rt->family == AF_INET ? 4 : 16;
  struct
  {
    struct rtattr a;
    uint32_t v;
  } metric = { { RTA_LENGTH (sizeof (uint32_t)), RTAX_QUICKACK }, 1 };
  r.u.route.rtm_family = (unsigned char) rt->family;
  r.u.route.rtm_table = rt->table;
  r.u.route.rtm_protocol = rt->dst ? RTPROT_KERNEL : RTPROT_BOOT;
  r.u.route.rtm_scope = rt->type == RTN_LOCAL ? RT_SCOPE_HOST : rt->dst ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  r.u.route.rtm_type = rt->type;
  r.u.route.rtm_dst_len = rt->dst_len;
  if (rt->dst)
    nl_attr (&r, RTA_DST, rt->dst, alen);
  if (rt->gw)
    nl_attr (&r, RTA_GATEWAY, rt->gw, alen);
  if (rt->src)
    nl_attr (&r, RTA_PREFSRC, rt->src, alen);
  nl_attr (&r, RTA_OIF, &rt->oif, sizeof rt->oif);
  if (rt->quickack)
    nl_attr (&r, RTA_METRICS, &metric, sizeof metric);
  return nl_call (fd, &r, what, err);
}

/* The prefix's route and the default route through the tap, each with
 * quickack: the container's TCP acknowledges each segment from libslirp
 * at once.  libslirp scales no window, so the container's window is
 * 64 KiB at most as libslirp reads it, two segments of 32 KiB (ss -ti:
 * rcvmss 32768), and Linux's delayed acknowledgement of every second
 * segment had libslirp wait for each window's end: with quickack, data
 * from the host through 10.0.2.2 flows some 1.6 times as fast. */
static int
routes_add (int fd, int family, int index, const struct net_plan *np, urun_err *err)
{
  bool v4 = family == AF_INET;
  struct route link = { .family = family, .table = RT_TABLE_MAIN, .type = RTN_UNICAST,
                        .dst_len = (unsigned char) (v4 ? np->prefix : 64),
                        .dst = v4 ? (const void *) &np->net : &np->net6,
                        .src = v4 ? (const void *) &np->guest : NULL, .oif = index, .quickack = true };
  struct route dflt = { .family = family, .table = RT_TABLE_MAIN, .type = RTN_UNICAST,
                        .gw = v4 ? (const void *) &np->gateway : &np->gateway6, .oif = index, .quickack = true };
  if (route_add (fd, &link, v4 ? "add the route of the IPv4 prefix" : "add the route of the IPv6 prefix", err) < 0)
    return -1;
  return route_add (fd, &dflt, v4 ? "add the default route" : "add the IPv6 default route", err);
}

/* ip rule add fwmark NET_FWD_MARK lookup NET_FWD_TABLE pref NET_FWD_PREF */
static int
rule_mark (int fd, int family, urun_err *err)
{
  struct nl_req r = { .h = { .nlmsg_len = NLMSG_LENGTH (sizeof (struct fib_rule_hdr)), .nlmsg_type = RTM_NEWRULE,
                             .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
  uint32_t mark = NET_FWD_MARK, pref = NET_FWD_PREF;
  r.u.rule.family = (unsigned char) family;
  r.u.rule.table = NET_FWD_TABLE;
  r.u.rule.action = FR_ACT_TO_TBL;
  nl_attr (&r, FRA_FWMARK, &mark, sizeof mark);
  nl_attr (&r, FRA_PRIORITY, &pref, sizeof pref);
  return nl_call (fd, &r, "add the rule of the port forwarder's mark", err);
}

int
net_mark_routes (const struct net_plan *np, urun_err *err)
{
  cleanup_close int nl = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int lo = (int) if_nametoindex ("lo");
  if (nl < 0)
    return urun_fail (err, errno, "network: netlink socket");
  /* and: ip route add local default dev lo table NET_FWD_TABLE */
  for (int v6 = 0; v6 <= (np->ipv6 ? 1 : 0); v6++)
    if (rule_mark (nl, v6 ? AF_INET6 : AF_INET, err) < 0
        || route_add (nl,
                      &(struct route){ .family = v6 ? AF_INET6 : AF_INET, .table = NET_FWD_TABLE,
                                       .type = RTN_LOCAL, .oif = lo },
                      "add the port forwarder's local route", err)
               < 0)
      return -1;
  /* an accepted connection has the mark of its first packet, so do the
   * server's answers, and so does a reset or ICMP error that answers a
   * packet (a refused connection); this network namespace's own settings */
  if (write_file_at (AT_FDCWD, "/proc/sys/net/ipv4/tcp_fwmark_accept", "1", 1, err) < 0
      || write_file_at (AT_FDCWD, "/proc/sys/net/ipv4/fwmark_reflect", "1", 1, err) < 0)
    return -1;
  return np->ipv6 ? write_file_at (AT_FDCWD, "/proc/sys/net/ipv6/fwmark_reflect", "1", 1, err) : 0;
}

static int
open_tap (const char *name, urun_err *err)
{
  struct ifreq ifr = { 0 };
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return urun_fail (err, errno, "network: /dev/net/tun is missing (load the tun module: modprobe tun)");
  if (fd < 0 && (errno == EACCES || errno == EPERM))
    return urun_fail (err, errno, "network: /dev/net/tun cannot be opened by this user (make it usable by all, "
                      "as Debian's udev rule does: chmod 0666 /dev/net/tun)");
  if (fd < 0)
    return urun_fail (err, errno, "network: open /dev/net/tun");
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
  /* persistent: the device goes with the network namespace (the kernel's
   * own clean-up, in the background), not with the helper's last close,
   * whose unregistering of it would make every stop wait some 20 ms */
  if (ioctl (fd, TUNSETIFF, &ifr) < 0 || ioctl (fd, TUNSETPERSIST, 1) < 0)
    {
      int e = errno;
      close (fd);
      return urun_fail (err, e, "network: make the tap device %s", name);
    }
  return fd;
}

int
net_tap_setup (const struct net_plan *np, urun_err *err)
{
  cleanup_close int tap = open_tap (np->ifname, err), nl = -1;
  int index;
  if (tap < 0)
    return -1;
  if ((index = (int) if_nametoindex (np->ifname)) == 0)
    return urun_fail (err, errno, "network: the tap device %s is not there", np->ifname);
  nl = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0)
    return urun_fail (err, errno, "network: netlink socket");
  if (np->ipv6 && addr_add (nl, AF_INET6, index, &np->guest6, 64, err) < 0)
    return -1;
  if (link_up (nl, index, np->mtu, err) < 0 || addr_add (nl, AF_INET, index, &np->guest, np->prefix, err) < 0
      || routes_add (nl, AF_INET, index, np, err) < 0)
    return -1;
  if (np->ipv6 && routes_add (nl, AF_INET6, index, np, err) < 0)
    return -1;
  return steal_fd (&tap);
}

/* The tap maker, a vfork of urun (urun waits meanwhile; the container's
 * process does its mounts): into the namespaces of the container's
 * process, the tap made there, its fd sent on SOCK ("\0"), or "\1" and
 * the error. */
static void __attribute__ ((noreturn, noinline))
tap_maker (const struct net_plan *np, const int *ns, int sock)
{
  urun_err e = NULL;
  char msg[512] = "";
  int fd = -1;
  if (net_enter (ns, "the tap maker", &e) == 0)
    fd = net_tap_setup (np, &e);
  fault_point (STEP_NET_TAP, FAULT_AT);
  if (fd < 0)
    snprintf (msg, sizeof msg, "\1%s", e->msg);
  urun_err_free (&e);
  unixsock_send (sock, msg, fd < 0 ? strlen (msg) : 1, fd, &e);
  urun_err_free (&e);
  _exit (0);
}

int
net_tap_make (const struct net_plan *np, const int *ns, urun_err *err)
{
  cleanup_close int a = -1, b = -1;
  char buf[512];
  int sv[2], fd = -1, st;
  ssize_t n;
  pid_t pid;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return urun_fail (err, errno, "network: socketpair");
  a = sv[0];
  b = sv[1];
  /* vfork: no page tables copied for a process that makes one device */
  if ((pid = vfork ()) == 0)
    tap_maker (np, ns, b);
  if (pid < 0)
    return urun_fail (err, errno, "network: fork the tap maker");
  wait_for_pid (pid, &st);
  close (steal_fd (&b));
  n = unixsock_recv (a, buf, sizeof buf - 1, &fd, err);
  if (n < 0)
    return -1;
  if (fd >= 0)
    return fd;
  if (n <= 1)
    return urun_fail (err, 0, "network: the tap maker ended without making the tap");
  buf[n] = '\0';
  return urun_fail (err, 0, "%s", buf + 1);
}
