/* SPDX-License-Identifier: Apache-2.0 */
/* urun: UDP replies of a published port to the host's loopback (udploop.c). */
#ifndef URUN_NET_UDPLOOP_H
#define URUN_NET_UDPLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net.h"

#define UDPLOOP_PEERS 64
/* libslirp's own lifetime of a UDP flow with no traffic (SO_EXPIRE) */
#define UDPLOOP_TTL_MS 240000

/* A client on the host's loopback of a published UDP port, as the
 * container saw it: from the gateway's PEER_PORT to its GUEST_PORT. */
struct udp_peer
{
  bool used, v6;
  uint16_t guest_port, peer_port; /* network order */
  int64_t seen_ms;
};

struct udp_peers
{
  struct udp_peer v[UDPLOOP_PEERS];
};

/* A frame from libslirp to the container (now: ms): the frame to send,
 * buf or a readdressed copy (valid until the next call). */
const void *udploop_to_guest (struct udp_peers *p, const struct net_plan *np, const void *buf, size_t len,
                              int64_t now);
/* A frame from the container to libslirp, readdressed in place where it
 * is a reply to a noted client. */
void udploop_from_guest (struct udp_peers *p, const struct net_plan *np, uint8_t *buf, size_t len, int64_t now);

#endif
