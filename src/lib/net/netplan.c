/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the network plan (pure): annotations and flags to struct net_plan. */
#include <config.h>
#include "net.h"
#include "util.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
annotation (const struct spec *s, const char *key)
{
  for (size_t i = 0; i < s->n_annotations; i++)
    if (strcmp (s->annotations[i].key, key) == 0)
      return s->annotations[i].value;
  return NULL;
}

static bool
parse_port_number (const char *s, size_t n, int *out)
{
  int v = 0;
  if (n == 0 || n > 5)
    return false;
  for (size_t i = 0; i < n; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      v = v * 10 + (s[i] - '0');
    }
  if (v < 1 || v > 65535)
    return false;
  *out = v;
  return true;
}

int
net_port_parse (const char *spec, struct net_port *p, urun_err *err)
{
  cleanup_free char *s = xstrdup (spec), *ip = NULL;
  char *proto = strchr (s, '/'), *last, *hp;
  int hport, gport;
  memset (p, 0, sizeof *p);
  if (proto)
    {
      *proto++ = '\0';
      if (strcmp (proto, "udp") != 0 && strcmp (proto, "tcp") != 0)
        return urun_fail (err, 0, "-p `%s`: the protocol is tcp or udp", quote (spec));
      p->udp = proto[0] == 'u';
    }
  last = strrchr (s, ':');
  if (last == NULL || !parse_port_number (last + 1, strlen (last + 1), &gport))
    return urun_fail (err, 0, "-p `%s`: expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", quote (spec));
  *last = '\0';
  hp = strrchr (s, ':');
  if (hp && s[0] == '[' && hp[-1] != ']')
    hp = NULL; /* [::1] without a port: no */
  if (hp)
    {
      *hp = '\0';
      ip = s[0] == '[' && hp[-1] == ']' ? xstrndup (s + 1, (size_t) (hp - s - 2)) : xstrdup (s);
      /* an IPv6 address only in brackets; an empty one is none */
      if ((s[0] != '[' && strchr (s, ':')) || (s[0] == '[' && *ip == '\0') || hp == s)
        return urun_fail (err, 0, "-p `%s`: expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp], an IPv6 HOSTIP in "
                          "brackets", quote (spec));
      hp++;
    }
  else
    hp = s;
  if (!parse_port_number (hp, strlen (hp), &hport))
    return urun_fail (err, 0, "-p `%s`: expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", quote (spec));
  if (ip == NULL || *ip == '\0' || inet_pton (AF_INET, ip, &((struct sockaddr_in *) &p->host)->sin_addr) == 1)
    {
      struct sockaddr_in *a = (struct sockaddr_in *) &p->host;
      a->sin_family = AF_INET;
      a->sin_port = htons ((uint16_t) hport);
      p->host_len = sizeof *a;
    }
  else if (inet_pton (AF_INET6, ip, &((struct sockaddr_in6 *) &p->host)->sin6_addr) == 1)
    {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *) &p->host;
      a->sin6_family = AF_INET6;
      a->sin6_port = htons ((uint16_t) hport);
      p->host_len = sizeof *a;
    }
  else
    return urun_fail (err, 0, "-p `%s`: `%s` is not an IPv4 address or an IPv6 one in brackets", quote (spec),
                      quote (ip));
  p->guest_port = gport;
  p->spec = xstrdup (spec);
  return 0;
}

static int
host_port (const struct net_port *p)
{
  return p->host.ss_family == AF_INET ? ntohs (((const struct sockaddr_in *) &p->host)->sin_port)
                                      : ntohs (((const struct sockaddr_in6 *) &p->host)->sin6_port);
}

/* "slirp", "none", "slirp:allow-host-loopback" */
static int
parse_mode (const char *m, const char *what, bool *slirp, bool *loopback, urun_err *err)
{
  const char *colon = strchr (m, ':');
  size_t n = colon ? (size_t) (colon - m) : strlen (m);
  *loopback = false;
  if (n == 4 && strncmp (m, "none", 4) == 0 && colon == NULL)
    {
      *slirp = false;
      return 0;
    }
  if (n != 5 || strncmp (m, "slirp", 5) != 0)
    return urun_fail (err, 0, "%s `%s`: expected slirp, slirp:allow-host-loopback or none", what, quote (m));
  *slirp = true;
  if (colon == NULL)
    return 0;
  if (strcmp (colon + 1, "allow-host-loopback") != 0)
    return urun_fail (err, 0, "%s `%s`: the only slirp option is allow-host-loopback", what, quote (m));
  *loopback = true;
  return 0;
}

/* "A.B.C.D/N", N from 8 to 25: room for .2, .3 and .100 */
static int
parse_cidr (const char *c, struct net_plan *np, urun_err *err)
{
  char ip[INET_ADDRSTRLEN];
  int prefix;
  const char *slash = strchr (c, '/');
  uint32_t net, mask;
  char *end;
  if (slash == NULL || (size_t) (slash - c) >= sizeof ip || slash[1] < '0' || slash[1] > '9'
      || (prefix = (int) strtol (slash + 1, &end, 10), *end != '\0') || prefix < 8 || prefix > 25)
    return urun_fail (err, 0, "annotation `" NET_ANN_CIDR "`: `%s` is not A.B.C.D/N with N from 8 to 25", quote (c));
  memcpy (ip, c, (size_t) (slash - c));
  ip[slash - c] = '\0';
  if (inet_pton (AF_INET, ip, &np->net) != 1)
    return urun_fail (err, 0, "annotation `" NET_ANN_CIDR "`: `%s` is not an IPv4 address", quote (ip));
  mask = prefix == 0 ? 0 : htonl (~0u << (32 - prefix));
  net = np->net.s_addr & mask;
  /* a subnet of the ordinary kind: not loopback, this host, link-local or multicast */
  {
    uint32_t h = ntohl (net);
    if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 16) == 0xa9fe || (h >> 28) >= 0xe)
      return urun_fail (err, 0, "annotation `" NET_ANN_CIDR "`: `%s` is not a subnet a network can use (loopback, "
                        "0/8, link-local, multicast or reserved)", quote (c));
  }
  np->net.s_addr = net;
  np->mask.s_addr = mask;
  np->prefix = prefix;
  np->gateway.s_addr = net | htonl (2);
  np->dns.s_addr = net | htonl (3);
  np->guest.s_addr = net | htonl (100);
  return 0;
}

static bool
makes_netns (const struct spec *s)
{
  const struct spec_namespace *n = spec_find_namespace (s, CLONE_NEWNET);
  return n && n->path == NULL;
}

static int
plan_ports (const struct spec *s, const struct net_flags *f, int unpriv_start, struct net_plan *np, urun_err *err)
{
  const char *ann = annotation (s, NET_ANN_PORTS);
  cleanup_free char *copy = ann && f->n_ports == 0 ? xstrdup (ann) : NULL;
  char *save = NULL;
  size_t cap = f->n_ports + 8;
  np->ports = xmalloc0 (cap * sizeof *np->ports);
  for (size_t i = 0; i < f->n_ports; i++)
    if (net_port_parse (f->ports[i], &np->ports[np->n_ports], err) < 0)
      return -1;
    else
      np->n_ports++;
  for (char *t = copy ? strtok_r (copy, ",", &save) : NULL; t; t = strtok_r (NULL, ",", &save))
    {
      if (np->n_ports == cap)
        np->ports = xrealloc (np->ports, (cap *= 2) * sizeof *np->ports);
      if (net_port_parse (t, &np->ports[np->n_ports], err) < 0)
        return urun_err_wrap (err, "annotation `" NET_ANN_PORTS "`");
      np->n_ports++;
    }
  if (np->n_ports > NET_MAX_PORTS)
    return urun_fail (err, 0, "-p: %zu ports published; at most %d", np->n_ports, NET_MAX_PORTS);
  for (size_t i = 0; i < np->n_ports; i++)
    {
      if (np->ports[i].host.ss_family == AF_INET6 && !np->ipv6)
        return urun_fail (err, 0, "-p `%s`: this host has IPv6 disabled", np->ports[i].spec);
      if (unpriv_start > 0 && host_port (&np->ports[i]) < unpriv_start)
        return urun_fail (err, 0, "-p `%s`: port %d is privileged for an unprivileged user (below "
                          "net.ipv4.ip_unprivileged_port_start, %d)", np->ports[i].spec, host_port (&np->ports[i]),
                          unpriv_start);
    }
  return 0;
}

int
net_plan_build (const struct spec *s, const struct net_flags *f, bool host_ipv6, int unpriv_start,
                struct net_plan *np, urun_err *err)
{
  const char *mode = f->mode ? f->mode : annotation (s, NET_ANN_MODE), *ifname = annotation (s, NET_ANN_IFNAME);
  const char *cidr = annotation (s, NET_ANN_CIDR);
  bool slirp = false, loopback = false;
  memset (np, 0, sizeof *np);
  if (mode && parse_mode (mode, f->mode ? "--network" : "annotation `" NET_ANN_MODE "`", &slirp, &loopback, err) < 0)
    return -1;
  if ((f->n_ports || (annotation (s, NET_ANN_PORTS) && slirp)) && !slirp)
    return urun_fail (err, 0, "-p: publishing a port needs --network slirp");
  if (!slirp)
    return 0;
  /* a network of the config's own (joined) or the host's: left alone */
  if (!makes_netns (s))
    {
      if (f->mode || f->n_ports)
        return urun_fail (err, 0, "--network slirp: the config makes no network namespace of its own (it %s)",
                          spec_find_namespace (s, CLONE_NEWNET) ? "joins one" : "uses the host's");
      return 0;
    }
  np->enabled = true;
  np->asked = f->mode || f->n_ports;
  np->allow_host_loopback = loopback;
  np->ipv6 = host_ipv6;
  np->mtu = 65520;
  if (ifname && (*ifname == '\0' || strlen (ifname) >= IFNAMSIZ || strpbrk (ifname, "/ :%\t\n")))
    return urun_fail (err, 0, "annotation `" NET_ANN_IFNAME "`: `%s` is not an interface name", quote (ifname));
  snprintf (np->ifname, sizeof np->ifname, "%s", ifname ? ifname : "tap0");
  if (parse_cidr (cidr ? cidr : "10.0.2.0/24", np, err) < 0)
    return -1;
  inet_pton (AF_INET6, "fd00::", &np->net6);
  inet_pton (AF_INET6, "fd00::2", &np->gateway6);
  inet_pton (AF_INET6, "fd00::3", &np->dns6);
  inet_pton (AF_INET6, "fd00::100", &np->guest6);
  if (plan_ports (s, f, unpriv_start, np, err) < 0)
    {
      net_plan_free (np);
      return -1;
    }
  return 0;
}

bool
net_plan_may_want (const struct spec *s, const struct net_flags *f)
{
  return f->mode || f->n_ports || annotation (s, NET_ANN_MODE) || annotation (s, NET_ANN_PORTS);
}

void
net_plan_free (struct net_plan *np)
{
  for (size_t i = 0; i < np->n_ports; i++)
    free (np->ports[i].spec);
  free (np->ports);
  np->ports = NULL;
  np->n_ports = 0;
}

void
net_host_probe (bool *ipv6, int *unpriv_start)
{
  cleanup_free char *v6 = NULL, *port = NULL;
  cleanup_err urun_err e = NULL, e2 = NULL;
  size_t len;
  *ipv6 = read_file_at (AT_FDCWD, "/proc/sys/net/ipv6/conf/all/disable_ipv6", &v6, &len, &e) == 0 && v6[0] == '0';
  *unpriv_start = 1024;
  if (read_file_at (AT_FDCWD, "/proc/sys/net/ipv4/ip_unprivileged_port_start", &port, &len, &e2) == 0)
    *unpriv_start = atoi (port);
}

bool
net_plan_has_tcp (const struct net_plan *np)
{
  for (size_t i = 0; i < np->n_ports; i++)
    if (!np->ports[i].udp)
      return true;
  return false;
}

bool
net_plan_has_udp (const struct net_plan *np)
{
  for (size_t i = 0; i < np->n_ports; i++)
    if (np->ports[i].udp)
      return true;
  return false;
}
