/* SPDX-License-Identifier: Apache-2.0 */
/* nettool: UDP and DNS ends for the network tests (busybox's nc has no
 * UDP and it has no DNS server).  Static: the tests copy it into the
 * busybox rootfs.  Every wait is bounded.
 *
 *   nettool udp-echo PORT [COUNT [SECONDS [ADDR]]]
 *       a socket on ADDR:PORT (:: and dual-stack, if not given) sending
 *       each datagram back as it came; one line "from ADDR PORT: TEXT" on
 *       stdout for each; exits after COUNT datagrams (10) or SECONDS
 *       (30), 0 if any came
 *   nettool udp-send HOST PORT TEXT [SRCPORT]
 *       sends TEXT (from SRCPORT), prints the reply; sent again each
 *       second, 5 s in all (the server may not be up yet); 1 when nothing
 *       came back
 *   nettool udp-send-once HOST PORT TEXT
 *       the same, TEXT sent once only (a lost datagram is not made up
 *       for), the reply waited for 5 s
 *   nettool dns-serve ADDR PORT NAME IPV4 [COUNT [SECONDS]]
 *       a DNS server on ADDR:PORT (UDP): an A query for NAME gets IPV4,
 *       another type for NAME no answer, any other name NXDOMAIN; one
 *       line "query NAME TYPE from ADDR" on stdout for each; "ready" on
 *       stderr once bound; exits after COUNT queries (10) or SECONDS (30)
 *   nettool dns-query SERVER NAME [PORT]
 *       an A query for NAME to SERVER:PORT (53), asked again each second,
 *       5 s in all; prints each address; "NXDOMAIN" and 3 for no such
 *       name, 1 for no answer
 *   nettool landlock
 *       prints the kernel's Landlock ABI version; 1 where it has none */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long
number (const char *s, long min, long max)
{
  char *end;
  long n;
  errno = 0;
  n = strtol (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
    {
      fprintf (stderr, "nettool: bad number `%s`\n", s);
      exit (2);
    }
  return n;
}

/* A numeric address (IPv4 or IPv6) and port (no getaddrinfo: static). */
static socklen_t
address (const char *host, const char *port, struct sockaddr_storage *ss)
{
  struct sockaddr_in *a4 = (struct sockaddr_in *) ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) ss;
  uint16_t p = htons ((uint16_t) number (port, 1, 65535));
  memset (ss, 0, sizeof *ss);
  if (inet_pton (AF_INET, host, &a4->sin_addr) == 1)
    {
      a4->sin_family = AF_INET;
      a4->sin_port = p;
      return sizeof *a4;
    }
  if (inet_pton (AF_INET6, host, &a6->sin6_addr) == 1)
    {
      a6->sin6_family = AF_INET6;
      a6->sin6_port = p;
      return sizeof *a6;
    }
  fprintf (stderr, "nettool: bad address `%s`\n", host);
  exit (2);
}

static void
show (const struct sockaddr_storage *ss, char *buf, size_t size, int *port)
{
  if (ss->ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) ss;
      inet_ntop (AF_INET6, &a->sin6_addr, buf, (socklen_t) size);
      *port = ntohs (a->sin6_port);
    }
  else
    {
      const struct sockaddr_in *a = (const struct sockaddr_in *) ss;
      inet_ntop (AF_INET, &a->sin_addr, buf, (socklen_t) size);
      *port = ntohs (a->sin_port);
    }
}

static void
die (const char *what)
{
  perror (what);
  exit (1);
}

/* Wait for a datagram until deadline (ms, monotonic); its length, or -1. */
static ssize_t
receive (int s, void *buf, size_t size, struct sockaddr_storage *from, int64_t deadline)
{
  for (;;)
    {
      struct pollfd pf = { .fd = s, .events = POLLIN };
      int64_t left = deadline - now_ms ();
      socklen_t flen = sizeof *from;
      ssize_t n;
      if (left <= 0)
        return -1;
      if (poll (&pf, 1, (int) left) <= 0)
        continue;
      n = recvfrom (s, buf, size, 0, (struct sockaddr *) from, &flen);
      /* a connected socket's ICMP error (nobody listens yet): wait on */
      if (n < 0 && (errno == ECONNREFUSED || errno == EINTR))
        continue;
      if (n < 0)
        die ("recvfrom");
      return n;
    }
}

static int
udp_echo (int argc, char **argv)
{
  long count = argc > 1 ? number (argv[1], 1, 100000) : 10;
  long seconds = argc > 2 ? number (argv[2], 1, 3600) : 30;
  int64_t deadline = now_ms () + seconds * 1000;
  struct sockaddr_storage a;
  socklen_t alen = address (argc > 3 ? argv[3] : "::", argv[0], &a);
  int off = 0, s = socket (a.ss_family, SOCK_DGRAM, 0);
  long got = 0;
  if (s < 0)
    die ("socket");
  if (a.ss_family == AF_INET6 && setsockopt (s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0)
    die ("IPV6_V6ONLY");
  if (bind (s, (struct sockaddr *) &a, alen) < 0)
    die ("bind");
  setvbuf (stdout, NULL, _IOLBF, 0);
  while (got < count)
    {
      static char buf[65536];
      struct sockaddr_storage from;
      char host[INET6_ADDRSTRLEN];
      int fport;
      ssize_t n = receive (s, buf, sizeof buf - 1, &from, deadline);
      if (n < 0)
        break;
      got++;
      if (sendto (s, buf, (size_t) n, 0, (struct sockaddr *) &from,
                  from.ss_family == AF_INET6 ? sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in))
          < 0)
        perror ("sendto");
      buf[n] = '\0';
      show (&from, host, sizeof host, &fport);
      printf ("from %s %d: %s\n", host, fport, buf);
    }
  return got > 0 ? 0 : 1;
}

/* Send query (len bytes) to the address each second until a reply comes
 * or 5 s pass (once only, if once); the reply's length, or -1. */
static ssize_t
ask (const char *host, const char *port, const char *srcport, const void *query, size_t len, void *reply,
     size_t size, bool once)
{
  struct sockaddr_storage to, from;
  socklen_t tolen = address (host, port, &to);
  int64_t end = now_ms () + 5000;
  int s = socket (to.ss_family, SOCK_DGRAM, 0);
  if (s < 0)
    die ("socket");
  if (srcport)
    {
      struct sockaddr_storage me;
      socklen_t melen = address (to.ss_family == AF_INET6 ? "::" : "0.0.0.0", srcport, &me);
      if (bind (s, (struct sockaddr *) &me, melen) < 0)
        die ("bind");
    }
  if (connect (s, (struct sockaddr *) &to, tolen) < 0)
    die ("connect");
  for (int i = 0; i < 5 && now_ms () < end; i++)
    {
      int64_t next = once ? end : now_ms () + 1000;
      ssize_t n;
      if (send (s, query, len, 0) < 0 && errno != ECONNREFUSED)
        die ("send");
      n = receive (s, reply, size, &from, next < end ? next : end);
      if (n >= 0)
        {
          close (s);
          return n;
        }
    }
  close (s);
  return -1;
}

static int
udp_send (int argc, char **argv, bool once)
{
  static char buf[65536];
  ssize_t n;
  n = ask (argv[0], argv[1], argc > 3 ? argv[3] : NULL, argv[2], strlen (argv[2]), buf, sizeof buf - 1, once);
  if (n < 0)
    {
      fprintf (stderr, "nettool: no reply from %s port %s\n", argv[0], argv[1]);
      return 1;
    }
  buf[n] = '\0';
  printf ("%s\n", buf);
  return 0;
}

/* ---- DNS ------------------------------------------------------------------ */

/* NAME (dotted) as DNS labels at out; their length, or 0 if it does not fit. */
static size_t
encode_name (const char *name, unsigned char *out, size_t size)
{
  size_t o = 0;
  while (*name)
    {
      const char *dot = strchr (name, '.');
      size_t l = dot ? (size_t) (dot - name) : strlen (name);
      if (l == 0 || l > 63 || o + 1 + l + 1 > size)
        return 0;
      out[o++] = (unsigned char) l;
      memcpy (out + o, name, l);
      o += l;
      name += l + (dot ? 1 : 0);
    }
  if (o + 1 > size)
    return 0;
  out[o++] = 0;
  return o;
}

/* The labels at msg+off as a dotted name (no compression: a question);
 * the offset after them, or 0. */
static size_t
decode_name (const unsigned char *msg, size_t len, size_t off, char *name, size_t size)
{
  size_t o = 0;
  while (off < len && msg[off] != 0)
    {
      size_t l = msg[off];
      if (l > 63 || off + 1 + l > len || o + l + 2 > size)
        return 0;
      if (o > 0)
        name[o++] = '.';
      for (size_t i = 0; i < l; i++)
        name[o++] = (char) tolower (msg[off + 1 + i]);
      off += 1 + l;
    }
  if (off >= len)
    return 0;
  name[o] = '\0';
  return off + 1;
}

static int
dns_serve (int argc, char **argv)
{
  const char *want = argv[2];
  struct in_addr ip;
  long count = argc > 4 ? number (argv[4], 1, 100000) : 10;
  long seconds = argc > 5 ? number (argv[5], 1, 3600) : 30;
  int64_t deadline = now_ms () + seconds * 1000;
  struct sockaddr_storage a;
  socklen_t alen;
  int s;
  long got = 0;
  alen = address (argv[0], argv[1], &a);
  if (inet_pton (AF_INET, argv[3], &ip) != 1)
    {
      fprintf (stderr, "nettool: bad IPv4 address `%s`\n", argv[3]);
      return 2;
    }
  s = socket (a.ss_family, SOCK_DGRAM, 0);
  if (s < 0)
    die ("socket");
  if (bind (s, (struct sockaddr *) &a, alen) < 0)
    die ("bind");
  setvbuf (stdout, NULL, _IOLBF, 0);
  fprintf (stderr, "ready\n");
  while (got < count)
    {
      unsigned char q[512], r[512];
      char name[256], host[INET6_ADDRSTRLEN];
      struct sockaddr_storage from;
      int fport;
      size_t end, rlen;
      unsigned qtype;
      ssize_t n = receive (s, q, sizeof q, &from, deadline);
      if (n < 0)
        break;
      /* a query (QR 0, opcode 0) of one question; anything else ignored */
      if (n < 12 || (q[2] & 0xf8) != 0 || q[4] != 0 || q[5] != 1)
        continue;
      end = decode_name (q, (size_t) n, 12, name, sizeof name);
      if (end == 0 || end + 4 > (size_t) n)
        continue;
      got++;
      qtype = (unsigned) q[end] << 8 | q[end + 1];
      show (&from, host, sizeof host, &fport);
      printf ("query %s %u from %s\n", name, qtype, host);
      /* the header and the question back; QR, AA and the query's RD */
      rlen = end + 4;
      memcpy (r, q, rlen);
      r[2] = (unsigned char) (0x84 | (q[2] & 0x01));
      r[3] = 0;
      memset (r + 6, 0, 6);
      if (strcasecmp (name, want) != 0)
        r[3] = 3; /* NXDOMAIN */
      else if (qtype == 1 && q[end + 2] == 0 && q[end + 3] == 1)
        {
          static const unsigned char rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };
          memcpy (r + rlen, rr, sizeof rr);
          memcpy (r + rlen + sizeof rr, &ip, 4);
          rlen += sizeof rr + 4;
          r[7] = 1; /* ANCOUNT */
        }
      if (sendto (s, r, rlen, 0, (struct sockaddr *) &from,
                  from.ss_family == AF_INET6 ? sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in))
          < 0)
        perror ("sendto");
    }
  return got > 0 ? 0 : 1;
}

/* Skip a possibly compressed name; the offset after it, or 0. */
static size_t
skip_name (const unsigned char *m, size_t len, size_t off)
{
  for (int i = 0; i < 128 && off < len; i++)
    {
      if (m[off] == 0)
        return off + 1;
      if ((m[off] & 0xc0) == 0xc0)
        return off + 2 <= len ? off + 2 : 0;
      off += 1 + (size_t) m[off];
    }
  return 0;
}

static int
dns_query (int argc, char **argv)
{
  unsigned char q[512] = { 0 }, r[512];
  uint16_t id = (uint16_t) (getpid () ^ now_ms ());
  size_t qlen, off;
  ssize_t n;
  unsigned ancount, found = 0;
  q[0] = (unsigned char) (id >> 8), q[1] = (unsigned char) id;
  q[2] = 0x01; /* RD */
  q[5] = 1;    /* QDCOUNT */
  qlen = encode_name (argv[1], q + 12, sizeof q - 16);
  if (qlen == 0)
    {
      fprintf (stderr, "nettool: bad name `%s`\n", argv[1]);
      return 2;
    }
  qlen += 12;
  q[qlen++] = 0, q[qlen++] = 1; /* A */
  q[qlen++] = 0, q[qlen++] = 1; /* IN */
  n = ask (argv[0], argc > 2 ? argv[2] : "53", NULL, q, qlen, r, sizeof r, false);
  if (n < 0)
    {
      fprintf (stderr, "nettool: no answer from %s\n", argv[0]);
      return 1;
    }
  if (n < 12 || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80))
    {
      fprintf (stderr, "nettool: not an answer to the query\n");
      return 1;
    }
  if ((r[3] & 0x0f) == 3)
    {
      printf ("NXDOMAIN\n");
      return 3;
    }
  if ((r[3] & 0x0f) != 0)
    {
      fprintf (stderr, "nettool: rcode %d\n", r[3] & 0x0f);
      return 1;
    }
  ancount = (unsigned) r[6] << 8 | r[7];
  off = 12;
  /* past the question(s): a name, type and class */
  for (unsigned i = 0; i < ((unsigned) r[4] << 8 | r[5]) && off; i++)
    {
      off = skip_name (r, (size_t) n, off);
      off = off && off + 4 <= (size_t) n ? off + 4 : 0;
    }
  for (unsigned i = 0; i < ancount && off; i++)
    {
      unsigned type, rdlen;
      off = skip_name (r, (size_t) n, off);
      if (off == 0 || off + 10 > (size_t) n)
        break;
      type = (unsigned) r[off] << 8 | r[off + 1];
      rdlen = (unsigned) r[off + 8] << 8 | r[off + 9];
      off += 10;
      if (off + rdlen > (size_t) n)
        break;
      if (type == 1 && rdlen == 4)
        {
          char buf[INET_ADDRSTRLEN];
          inet_ntop (AF_INET, r + off, buf, sizeof buf);
          printf ("%s\n", buf);
          found++;
        }
      off += rdlen;
    }
  if (found == 0)
    {
      fprintf (stderr, "nettool: no A record for %s\n", argv[1]);
      return 1;
    }
  return 0;
}

static int
landlock_abi (void)
{
  /* landlock_create_ruleset (NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) */
  long v = syscall (444, NULL, 0, 1U);
  if (v < 1)
    return 1;
  printf ("%ld\n", v);
  return 0;
}

int
main (int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "";
  int n = argc - 2;
  if (strcmp (cmd, "udp-echo") == 0 && n >= 1 && n <= 4)
    return udp_echo (n, argv + 2);
  if (strcmp (cmd, "udp-send") == 0 && n >= 3 && n <= 4)
    return udp_send (n, argv + 2, false);
  if (strcmp (cmd, "udp-send-once") == 0 && n == 3)
    return udp_send (n, argv + 2, true);
  if (strcmp (cmd, "dns-serve") == 0 && n >= 4 && n <= 6)
    return dns_serve (n, argv + 2);
  if (strcmp (cmd, "dns-query") == 0 && n >= 2 && n <= 3)
    return dns_query (n, argv + 2);
  if (strcmp (cmd, "landlock") == 0 && n == 0)
    return landlock_abi ();
  fprintf (stderr, "usage: nettool udp-echo PORT [COUNT [SECONDS [ADDR]]]\n"
                   "       nettool udp-send HOST PORT TEXT [SRCPORT]\n"
                   "       nettool udp-send-once HOST PORT TEXT\n"
                   "       nettool dns-serve ADDR PORT NAME IPV4 [COUNT [SECONDS]]\n"
                   "       nettool dns-query SERVER NAME [PORT]\n"
                   "       nettool landlock\n");
  return 2;
}
