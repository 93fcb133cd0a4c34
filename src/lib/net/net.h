/* SPDX-License-Identifier: Apache-2.0 */
/* urun: user-mode networking (libslirp) for a container that creates its
 * own network namespace.
 *
 *   plan (netplan.c, pure)   annotations and --network/-p -> struct net_plan
 *   tap (tap.c)              in the child, inside the new network namespace:
 *                            tap0 made, addressed, routed; its fd goes to urun
 *   helper (slirp.c)         a process of urun's own, forked by urun, with
 *                            the tap fd and the host's sockets only: libslirp
 *                            between them, no capabilities, its own seccomp
 *                            filter, gone with the container (pidfd)
 *
 * Annotations (the flags of run/create win):
 *   run.urun.network           slirp | none, options after a colon:
 *                              slirp:allow-host-loopback
 *   run.urun.network.ports     -p specs, comma-separated
 *   run.urun.network.ifname    the interface inside (tap0)
 *   run.urun.network.cidr      the IPv4 subnet (10.0.2.0/24): gateway .2,
 *                              DNS .3, the container .100 */
#ifndef URUN_NET_H
#define URUN_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

#define NET_ANN_MODE "run.urun.network"
#define NET_ANN_PORTS "run.urun.network.ports"
#define NET_ANN_IFNAME "run.urun.network.ifname"
#define NET_ANN_CIDR "run.urun.network.cidr"
/* published ports, at most (the helper polls about a thousand sockets) */
#define NET_MAX_PORTS 256

struct net_port
{
  bool udp;
  struct sockaddr_storage host; /* the host's address and port */
  socklen_t host_len;
  int guest_port;
  char *spec; /* as given, for messages */
};

struct net_plan
{
  bool enabled;
  bool asked;      /* by --network or -p: a failure fails; by annotation alone, it is a warning */
  bool allow_host_loopback;
  bool ipv6;
  char ifname[IFNAMSIZ];
  int mtu;
  struct in_addr net, mask, gateway, dns, guest;
  int prefix;
  struct in6_addr net6, gateway6, dns6, guest6;
  struct net_port *ports;
  size_t n_ports;
};

/* What the caller asked for on the command line (NULL/0: nothing). */
struct net_flags
{
  const char *mode;   /* --network */
  char **ports;       /* -p, each */
  size_t n_ports;
};

/* The plan for this config: enabled only where the config makes a new
 * network namespace and slirp is asked for.  host_ipv6: the host has
 * IPv6; unprivileged_port_start: the host's, for an unprivileged caller
 * (0: any port).  Errors name the flag or annotation. */
int net_plan_build (const struct spec *s, const struct net_flags *f, bool host_ipv6, int unprivileged_port_start,
                    struct net_plan *np, urun_err *err);
void net_plan_free (struct net_plan *np);
/* One -p spec: [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]; HOSTIP in
 * brackets for IPv6 ([::1]:8080:80). */
int net_port_parse (const char *spec, struct net_port *p, urun_err *err);
/* The host's IPv6 (not disabled) and its lowest unprivileged port. */
void net_host_probe (bool *ipv6, int *unprivileged_port_start);
/* Whether the flags or the config ask anything of the network (else the
 * plan is disabled, and the host need not be probed). */
bool net_plan_may_want (const struct spec *s, const struct net_flags *f);

/* tap.c: make the interface in the current network namespace, bring it
 * and lo up, address and route it.  Returns its fd. */
int net_tap_setup (const struct net_plan *np, urun_err *err);
/* The tap made by the tap maker, a vfork of urun, once the container's
 * process has its network namespace: it joins NS (net_ns_open) and makes
 * the tap there, while that process goes on with its mounts.  Returns the
 * tap's fd, or -1 with the maker's error. */
int net_tap_make (const struct net_plan *np, const int *ns, urun_err *err);

/* resolv.c, in the child: TEXT as a file on a tmpfs of its own, as a
 * detached mount (open_tree) to attach over /etc/resolv.conf; stage_dir
 * (the state directory) for kernels that take no file of a detached
 * mount. */
int net_resolv_tree (const char *text, const char *stage_dir, urun_err *err);

/* slirp.c: fork the helper, before the container's process exists: it
 * loads libslirp, binds the ports and confines itself meanwhile.  Returns
 * its pid and *sock, the socket it waits on; net_helper_give hands it the
 * tap and a pidfd of the container's process; net_helper_wait reads its
 * report: one byte 0 once the network is up, or an error line. */
pid_t net_helper_start (const struct net_plan *np, int *sock, urun_err *err);
int net_helper_give (int sock, int tap, pid_t init, urun_err *err);
int net_helper_wait (int sock, const char *who, urun_err *err);
/* files.c, in the helper: from here on, only files beneath /etc (and the
 * directory /etc/resolv.conf leads to) can be opened, for reading
 * (Landlock); *done false where the kernel has no Landlock. */
int net_limit_files (bool *done, urun_err *err);

/* fwd.c: the forwarder of published TCP ports, forked by urun once the
 * container's process INIT has its namespaces: it listens on the host's
 * ports, joins the container's user and network namespaces and connects
 * each client from its own address.  It waits for one byte on *sock
 * (urun has recorded its pid), then reports as the helper does, to
 * net_helper_wait.  net_plan_has_tcp/udp: there is a TCP/UDP port. */
bool net_plan_has_tcp (const struct net_plan *np);
bool net_plan_has_udp (const struct net_plan *np);
pid_t net_fwd_start (const struct net_plan *np, pid_t init, const int *ns, int *sock, urun_err *err);
/* netproc.c: NS[0] and NS[1], the user and network namespaces of process
 * PID, opened while it is still dumpable (a setns by pidfd into a process
 * that is not is refused, and the child makes itself so before it is
 * ready); the forwarder (NS, its pidfd taken of INIT) and the tap maker
 * join those. */
int net_ns_open (pid_t pid, int ns[2], urun_err *err);
/* The same of a process that holds both, by its pidfd (and pid, for
 * kernels before 6.11, whose pidfds give no namespace): the keeper's
 * spare, whose pair becomes the container's, before the container's
 * process exists.  Returns -1 (errno), NS untouched, where they cannot be
 * had. */
int net_ns_of_pidfd (int pidfd, pid_t pid, int ns[2]);
/* tap.c, in the container's network namespace: what the forwarder's
 * transparent sockets need: packets with NET_FWD_MARK go to the local
 * table NET_FWD_TABLE (rule NET_FWD_PREF), and an accepted connection
 * takes its first packet's mark (tcp_fwmark_accept). */
#define NET_FWD_MARK 0x75726eU /* "urn" */
#define NET_FWD_TABLE 117
#define NET_FWD_PREF 100
int net_mark_routes (const struct net_plan *np, urun_err *err);

#endif
