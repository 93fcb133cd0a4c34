/* SPDX-License-Identifier: Apache-2.0 */
/* urun: linux.resources as cgroup v2 files (pure: what to write where).
 * The conversions are runc's and crun's: swap is memory+swap in the
 * config and swap alone in memory.swap.max; cpu shares become a weight;
 * blkio weights become io.bfq.weight (io.weight where BFQ is absent, done
 * by the writer). */
#include <config.h>
#include "cgroup_priv.h"
#include "util.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define add cg_add
#define not_here cg_not_here
#define int_field cg_int_field

static char *
limit_text (long long v)
{
  return v < 0 ? xstrdup ("max") : xasprintf ("%lld", v);
}

/* runc's ConvertMemorySwapToCgroupV2Value: the config's swap is memory
 * plus swap; v2's memory.swap.max is the swap alone. */
int
cgroup_v2_swap (long long swap, long long limit, long long *out, urun_err *err)
{
  if (swap == -1 || swap == 0)
    {
      *out = swap;
      return 0;
    }
  if (limit == 0 || limit == -1)
    return urun_fail (err, 0, "`linux.resources.memory.swap`: a swap limit needs a memory limit");
  if (swap < limit)
    return urun_fail (err, 0, "`linux.resources.memory.swap`: memory+swap (%lld) is below the memory limit (%lld)",
                      swap, limit);
  *out = swap - limit;
  return 0;
}

static int
memory (const json_node *m, const struct cg_v2_now *now, struct cg_writes *w, urun_err *err)
{
  bool has_l, has_s, has_r;
  long long limit = 0, swap = 0, res = 0, v;
  if (int_field (m, "limit", "linux.resources.memory.limit", &has_l, &limit, err) < 0
      || int_field (m, "swap", "linux.resources.memory.swap", &has_s, &swap, err) < 0
      || int_field (m, "reservation", "linux.resources.memory.reservation", &has_r, &res, err) < 0)
    return -1;
  if (has_r && (res > 0 || res == -1))
    add (w, "memory", "memory.low", limit_text (res), "linux.resources.memory.reservation");
  if (has_l && (limit > 0 || limit == -1))
    add (w, "memory", "memory.max", limit_text (limit), "linux.resources.memory.limit");
  if (has_s && swap != 0)
    {
      /* update --memory-swap alone: against the limit it has now */
      if (cgroup_v2_swap (swap, has_l ? limit : now ? now->memory_limit : 0, &v, err) < 0)
        return -1;
      add (w, "memory", "memory.swap.max", limit_text (v), "linux.resources.memory.swap");
    }
  /* v1's alone: no v2 file holds them */
  if (json_get (m, "kernel") && json_kind (json_get (m, "kernel")) != JSON_NULL)
    not_here (w, "linux.resources.memory.kernel");
  if (json_get (m, "kernelTCP") && json_kind (json_get (m, "kernelTCP")) != JSON_NULL)
    not_here (w, "linux.resources.memory.kernelTCP");
  if (json_bool (json_get (m, "disableOOMKiller")))
    not_here (w, "linux.resources.memory.disableOOMKiller");
  return 0;
}

/* The linear conversion of cpu shares [2, 262144] to a weight [1, 10000]
 * that crun 1.8 (Debian 12's) and runc before 1.3.2 use: 1024 shares are
 * weight 39.  (Newer crun and runc map 1024 to 100 on a curve; this one
 * is what the engines of this distribution see from crun.) */
unsigned long long
cgroup_v2_shares_to_weight (unsigned long long shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

static int
cpu (const json_node *c, const struct cg_v2_now *now, struct cg_writes *w, urun_err *err)
{
  bool has_q, has_p, has;
  long long quota = -1, period = 0, v;
  const char *s;
  if (int_field (c, "shares", "linux.resources.cpu.shares", &has, &v, err) < 0)
    return -1;
  if (has && v > 0)
    add (w, "cpu", "cpu.weight", xasprintf ("%llu", cgroup_v2_shares_to_weight ((unsigned long long) v)),
         "linux.resources.cpu.shares");
  if (int_field (c, "quota", "linux.resources.cpu.quota", &has_q, &quota, err) < 0
      || int_field (c, "period", "linux.resources.cpu.period", &has_p, &period, err) < 0)
    return -1;
  if ((has_q && quota != 0) || (has_p && period > 0))
    {
      char q[32] = "max";
      if (has_q && quota > 0)
        snprintf (q, sizeof q, "%lld", quota);
      /* update --cpu-quota alone keeps the period it has */
      add (w, "cpu", "cpu.max",
           xasprintf ("%s %lld", q, period > 0 ? period : now && now->cpu_period > 0 ? now->cpu_period : 100000),
           "linux.resources.cpu.quota");
    }
  if (int_field (c, "burst", "linux.resources.cpu.burst", &has, &v, err) < 0)
    return -1;
  if (has && v >= 0)
    add (w, "cpu", "cpu.max.burst", xasprintf ("%lld", v), "linux.resources.cpu.burst");
  if (int_field (c, "idle", "linux.resources.cpu.idle", &has, &v, err) < 0)
    return -1;
  if (has)
    add (w, "cpu", "cpu.idle", xasprintf ("%lld", v), "linux.resources.cpu.idle");
  if ((s = json_string (json_get (c, "cpus"))) && *s)
    add (w, "cpuset", "cpuset.cpus", xstrdup (s), "linux.resources.cpu.cpus");
  if ((s = json_string (json_get (c, "mems"))) && *s)
    add (w, "cpuset", "cpuset.mems", xstrdup (s), "linux.resources.cpu.mems");
  for (int i = 0; i < 2; i++)
    {
      const char *key = i ? "realtimeRuntime" : "realtimePeriod";
      if (int_field (c, key, key, &has, &v, err) < 0)
        return -1;
      if (has && v > 0)
        return urun_fail (err, 0, "`linux.resources.cpu.%s`: realtime scheduling limits are not supported on cgroup v2",
                          key);
    }
  return 0;
}

/* blockIO device lists: "MAJOR:MINOR KEY=VALUE" lines (io.max) or
 * "MAJOR:MINOR VALUE" (weights). */
static int
block_list (const json_node *b, const char *key, const char *vkey, const char *file, const char *io_key,
            struct cg_writes *w, urun_err *err)
{
  const json_node *a = json_get (b, key);
  for (size_t i = 0; i < json_len (a); i++)
    {
      const json_node *d = json_at (a, i);
      long long maj, min, v;
      if (!json_integer (json_get (d, "major"), &maj) || !json_integer (json_get (d, "minor"), &min)
          || !json_integer (json_get (d, vkey), &v))
        return urun_fail (err, 0, "`linux.resources.blockIO.%s[%zu]`: needs integer major, minor and %s", key, i, vkey);
      add (w, "io", file,
           io_key ? xasprintf ("%lld:%lld %s=%lld", maj, min, io_key, v) : xasprintf ("%lld:%lld %lld", maj, min, v),
           "linux.resources.blockIO");
    }
  return 0;
}

static int
block_io (const json_node *b, struct cg_writes *w, urun_err *err)
{
  bool has;
  long long v;
  if (int_field (b, "weight", "linux.resources.blockIO.weight", &has, &v, err) < 0)
    return -1;
  if (has && v > 0)
    add (w, "io", "io.bfq.weight", xasprintf ("%lld", v), "linux.resources.blockIO.weight");
  if (json_get (b, "leafWeight") && json_kind (json_get (b, "leafWeight")) != JSON_NULL)
    not_here (w, "linux.resources.blockIO.leafWeight");
  if (block_list (b, "weightDevice", "weight", "io.bfq.weight", NULL, w, err) < 0
      || block_list (b, "throttleReadBpsDevice", "rate", "io.max", "rbps", w, err) < 0
      || block_list (b, "throttleWriteBpsDevice", "rate", "io.max", "wbps", w, err) < 0
      || block_list (b, "throttleReadIOPSDevice", "rate", "io.max", "riops", w, err) < 0
      || block_list (b, "throttleWriteIOPSDevice", "rate", "io.max", "wiops", w, err) < 0)
    return -1;
  return 0;
}

/* rdma: {"DEVICE": {"hcaHandles": N, "hcaObjects": N}} as rdma.max lines */
static int
rdma (const json_node *r, struct cg_writes *w, urun_err *err)
{
  for (size_t i = 0; i < json_len (r); i++)
    {
      const char *dev = json_key_at (r, i);
      const json_node *d = json_at (r, i);
      long long h, o;
      char a[48] = "", b[48] = "";
      bool hh = json_integer (json_get (d, "hcaHandles"), &h), ho = json_integer (json_get (d, "hcaObjects"), &o);
      if (dev[0] == '\0' || strpbrk (dev, " \n/") || (!hh && !ho))
        return urun_fail (err, 0, "`linux.resources.rdma.%s`: needs a device name and hcaHandles or hcaObjects", dev);
      if (hh)
        snprintf (a, sizeof a, " hca_handle=%lld", h);
      if (ho)
        snprintf (b, sizeof b, " hca_object=%lld", o);
      add (w, "rdma", "rdma.max", xasprintf ("%s%s%s", dev, a, b), "linux.resources.rdma");
    }
  return 0;
}

/* A key of linux.resources.unified: a file of the container's cgroup, by
 * name only ("memory.high", "hugetlb.2MB.max", "cgroup.max.depth"); its
 * controller ("cgroup" for the core's own files), or NULL.  Never the
 * core files that are urun's to write: procs, threads, kill, freeze,
 * subtree_control, type. */
const char *
cgroup_v2_unified_ctrl (const char *k)
{
  static const char *const ctrls[] = { "memory", "cpu", "cpuset", "io", "pids", "hugetlb", "rdma", "misc", "cgroup" };
  static const char *const urun_s[] = { "cgroup.procs", "cgroup.threads", "cgroup.kill", "cgroup.freeze",
                                        "cgroup.subtree_control", "cgroup.type" };
  size_t n = strcspn (k, ".");
  if (k[n] != '.' || k[n + 1] == '\0' || strlen (k) > 255)
    return NULL;
  for (const char *c = k; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_'
          || *c == '-'))
      return NULL;
  for (size_t i = 0; i < sizeof urun_s / sizeof *urun_s; i++)
    if (strcmp (k, urun_s[i]) == 0)
      return NULL;
  for (size_t i = 0; i < sizeof ctrls / sizeof *ctrls; i++)
    if (strlen (ctrls[i]) == n && strncmp (k, ctrls[i], n) == 0)
      return ctrls[i];
  return NULL;
}

static int
unified (const json_node *u, struct cg_writes *w, urun_err *err)
{
  for (size_t i = 0; i < json_len (u); i++)
    {
      const char *k = json_key_at (u, i), *v = json_string (json_at (u, i)), *ctrl = cgroup_v2_unified_ctrl (k);
      if (ctrl == NULL)
        return urun_fail (err, 0, "`linux.resources.unified`: `%s` is not a controller's file of the container's cgroup",
                          quote (k));
      if (v == NULL)
        return urun_fail (err, 0, "`linux.resources.unified.%s`: expected a string", k);
      add (w, ctrl, k, xstrdup (v), "linux.resources.unified");
    }
  return 0;
}

int
cgroup_v2_writes (const json_node *res, struct cg_writes *w, urun_err *err)
{
  return cgroup_v2_writes_now (res, NULL, w, err);
}

int
cgroup_v2_writes_now (const json_node *res, const struct cg_v2_now *now, struct cg_writes *w, urun_err *err)
{
  const json_node *n;
  memset (w, 0, sizeof *w);
  if ((n = json_get (res, "memory")) && memory (n, now, w, err) < 0)
    return -1;
  if ((n = json_get (res, "cpu")) && cpu (n, now, w, err) < 0)
    return -1;
  if ((n = json_get (res, "pids")) && cg_pids (n, w, err) < 0)
    return -1;
  if ((n = json_get (res, "blockIO")) && block_io (n, w, err) < 0)
    return -1;
  if ((n = json_get (res, "hugepageLimits")) && cg_hugepages (n, "max", w, err) < 0)
    return -1;
  if ((n = json_get (res, "rdma")) && rdma (n, w, err) < 0)
    return -1;
  if ((n = json_get (res, "network")) && json_len (n))
    not_here (w, "linux.resources.network");
  if ((n = json_get (res, "unified")) && unified (n, w, err) < 0)
    return -1;
  return 0;
}
