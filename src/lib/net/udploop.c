/* SPDX-License-Identifier: Apache-2.0 */
/* urun: UDP replies of a published port to a client on the host's
 * loopback, for the network helper (slirp.c): the frames between libslirp
 * and the tap, readdressed where that is what it takes (below). */
#include <config.h>
#include "udploop.h"
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

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
udp_peer_find (struct udp_peers *h, bool v6, uint16_t guest_port, uint16_t peer_port, int64_t now)
{
  for (int i = 0; i < UDPLOOP_PEERS; i++)
    {
      struct udp_peer *p = &h->v[i];
      if (p->used && p->v6 == v6 && p->guest_port == guest_port && p->peer_port == peer_port
          && now - p->seen_ms < UDPLOOP_TTL_MS)
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
const void *
udploop_to_guest (struct udp_peers *h, const struct net_plan *np, const void *buf, size_t len, int64_t now)
{
  static uint8_t copy[65536 + 64];
  const uint32_t lo4 = htonl (INADDR_LOOPBACK);
  struct udp_frame u;
  uint16_t gport, pport;
  bool loopback;
  struct udp_peer *p, *oldest = &h->v[0];
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
  p = udp_peer_find (h, u.v6, gport, pport, now);
  if (p == NULL)
    {
      for (int i = 0; i < UDPLOOP_PEERS && oldest->used; i++)
        if (!h->v[i].used || h->v[i].seen_ms < oldest->seen_ms)
          oldest = &h->v[i];
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
void
udploop_from_guest (struct udp_peers *h, const struct net_plan *np, uint8_t *buf, size_t len, int64_t now)
{
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
  if (!udp_published (np, u.v6, gport) || udp_peer_find (h, u.v6, gport, pport, now) == NULL)
    return;
  udp_frame_readdress (&u, u.dst, u.v6 ? (const void *) &lo6 : (const void *) &lo4);
}

