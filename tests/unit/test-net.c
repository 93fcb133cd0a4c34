/* SPDX-License-Identifier: Apache-2.0 */
/* The network plan: -p specs, --network modes, the annotations. */
#include <config.h>
#include "net/net.h"
#include "util.h"
#include "unit.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static struct spec *
spec_with (const char *namespaces, const char *annotations)
{
  cleanup_err urun_err err = NULL;
  struct spec *s = NULL;
  char *t = xasprintf ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"sh\"], "
                       "\"cwd\": \"/\"}, \"annotations\": {%s}, \"linux\": {\"namespaces\": [%s]}}",
                       annotations, namespaces);
  if (spec_parse (t, strlen (t), &s, &err) < 0)
    printf ("# parse: %s\n", err->msg);
  free (t);
  return s;
}

static char *
host_of (const struct net_port *p)
{
  char a[INET6_ADDRSTRLEN];
  int port;
  if (p->host.ss_family == AF_INET)
    {
      inet_ntop (AF_INET, &((const struct sockaddr_in *) &p->host)->sin_addr, a, sizeof a);
      port = ntohs (((const struct sockaddr_in *) &p->host)->sin_port);
    }
  else
    {
      inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) &p->host)->sin6_addr, a, sizeof a);
      port = ntohs (((const struct sockaddr_in6 *) &p->host)->sin6_port);
    }
  return xasprintf ("%s %d->%d%s", a, port, p->guest_port, p->udp ? "/udp" : "");
}

TEST (port_specs)
{
  const char *ok[][2] = {
    { "8080:80", "0.0.0.0 8080->80" },
    { "127.0.0.1:18080:80", "127.0.0.1 18080->80" },
    { "[::1]:18081:80", "::1 18081->80" },
    { "5353:53/udp", "0.0.0.0 5353->53/udp" },
    { "[::]:443:8443/tcp", ":: 443->8443" },
  };
  const char *bad[] = { "80", "abc:80", "1:2:3:4", "[::1]:80", "8080:80/sctp", "70000:80", "0:80", "nothost:8080:80",
                        "8080:", ":80", "[]:8080:80", ":8080:80", "::1:8080:80" };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    {
      cleanup_err urun_err err = NULL;
      struct net_port p;
      CHECK (net_port_parse (ok[i][0], &p, &err) == 0);
      if (err == NULL)
        {
          char *got = host_of (&p);
          CHECK_STR (got, ok[i][1]);
          free (got);
          free (p.spec);
        }
    }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      cleanup_err urun_err err = NULL;
      struct net_port p;
      CHECK (net_port_parse (bad[i], &p, &err) < 0);
      CHECK (err && strstr (err->msg, "-p"));
    }
}

TEST (plan_modes)
{
  struct net_flags none = { 0 }, slirp = { .mode = "slirp" }, bogus = { .mode = "slirpy" };
  char *ports[] = { "80:80", "127.0.0.1:18080:80" };
  struct net_flags priv = { .mode = "slirp", .ports = ports, .n_ports = 1 };
  struct net_flags ok = { .mode = "slirp", .ports = ports + 1, .n_ports = 1 };
  struct net_flags no_mode = { .ports = ports + 1, .n_ports = 1 };
  struct spec *own = spec_with ("{\"type\": \"network\"}", "\"run.urun.network\": \"slirp:allow-host-loopback\"");
  struct spec *joined = spec_with ("{\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}", "");
  struct spec *plain = spec_with ("{\"type\": \"network\"}", "\"run.urun.network.cidr\": \"10.9.0.0/16\"");
  struct net_plan np;
  char a[INET_ADDRSTRLEN];
  cleanup_err urun_err err = NULL;
  CHECK (own && joined && plain);
  /* the annotation, with its option */
  CHECK (net_plan_build (own, &none, true, 1024, &np, &err) == 0 && np.enabled && np.allow_host_loopback);
  CHECK_STR (np.ifname, "tap0");
  CHECK (np.mtu == 65520);
  inet_ntop (AF_INET, &np.guest, a, sizeof a);
  CHECK_STR (a, "10.0.2.100");
  net_plan_free (&np);
  /* the flag wins over the annotation */
  CHECK (net_plan_build (own, &(struct net_flags){ .mode = "none" }, true, 1024, &np, &err) == 0 && !np.enabled);
  /* no annotation, no flag: nothing */
  CHECK (net_plan_build (plain, &none, true, 1024, &np, &err) == 0 && !np.enabled);
  /* the subnet annotation */
  CHECK (net_plan_build (plain, &slirp, true, 1024, &np, &err) == 0 && np.enabled);
  inet_ntop (AF_INET, &np.gateway, a, sizeof a);
  CHECK_STR (a, "10.9.0.2");
  net_plan_free (&np);
  /* a joined network namespace: the flag is refused */
  CHECK (net_plan_build (joined, &slirp, true, 1024, &np, &err) < 0 && strstr (err->msg, "joins one"));
  urun_err_free (&err);
  CHECK (net_plan_build (plain, &bogus, true, 1024, &np, &err) < 0 && strstr (err->msg, "--network"));
  urun_err_free (&err);
  CHECK (net_plan_build (plain, &priv, true, 1024, &np, &err) < 0 && strstr (err->msg, "privileged"));
  urun_err_free (&err);
  /* root (0: any port) */
  CHECK (net_plan_build (plain, &priv, true, 0, &np, &err) == 0 && np.n_ports == 1);
  net_plan_free (&np);
  CHECK (net_plan_build (plain, &ok, true, 1024, &np, &err) == 0 && np.n_ports == 1);
  /* TCP: the forwarder's; no UDP port: the helper holds no host port */
  CHECK (net_plan_has_tcp (&np) && !net_plan_has_udp (&np));
  net_plan_free (&np);
  {
    char *udp[] = { "127.0.0.1:18080:80/udp" };
    struct net_flags u = { .mode = "slirp", .ports = udp, .n_ports = 1 };
    CHECK (net_plan_build (plain, &u, true, 1024, &np, &err) == 0 && !net_plan_has_tcp (&np) && net_plan_has_udp (&np));
    net_plan_free (&np);
  }
  CHECK (net_plan_build (plain, &no_mode, true, 1024, &np, &err) < 0 && strstr (err->msg, "--network slirp"));
  urun_err_free (&err);
  /* odd subnets and names */
  {
    const char *bad[] = { "\"run.urun.network.cidr\": \"10.0.2.0/24junk\"", "\"run.urun.network.cidr\": \"127.0.0.0/8\"",
                          "\"run.urun.network.cidr\": \"224.0.0.0/24\"", "\"run.urun.network.cidr\": \"10.0.0.0/ 24\"",
                          "\"run.urun.network.ifname\": \"eth%d\"" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
      {
        struct spec *b = spec_with ("{\"type\": \"network\"}", bad[i]);
        CHECK (b && net_plan_build (b, &slirp, true, 1024, &np, &err) < 0 && strstr (err->msg, "annotation"));
        urun_err_free (&err);
        spec_free (b);
      }
  }
  spec_free (own);
  spec_free (joined);
  spec_free (plain);
}

int
main (void)
{
  RUN (port_specs);
  RUN (plan_modes);
  UNIT_DONE ();
}
