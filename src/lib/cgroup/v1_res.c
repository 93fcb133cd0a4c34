/* SPDX-License-Identifier: Apache-2.0 */
/* urun: linux.resources as cgroup v1 files (pure: what to write where). */
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

/* What both versions' mappings share (v2_res.c uses them too). */
void
cg_add (struct cg_writes *w, const char *ctrl, const char *file, char *value, const char *field)
{
  w->v = xrealloc (w->v, (w->n + 1) * sizeof *w->v);
  w->v[w->n++] = (struct cg_write){ .ctrl = ctrl, .file = xstrdup (file), .value = value, .field = field };
}

void
cg_not_here (struct cg_writes *w, const char *field)
{
  char *n = w->not_applied ? xasprintf ("%s, %s", w->not_applied, field) : xstrdup (field);
  free (w->not_applied);
  w->not_applied = n;
}

void
cg_writes_free (struct cg_writes *w)
{
  for (size_t i = 0; i < w->n; i++)
    {
      free (w->v[i].file);
      free (w->v[i].value);
    }
  free (w->v);
  free (w->not_applied);
  memset (w, 0, sizeof *w);
}

/* An integer field, or a type error naming it. */
int
cg_int_field (const json_node *o, const char *key, const char *field, bool *has, long long *v, urun_err *err)
{
  const json_node *n = json_get (o, key);
  *has = false;
  if (n == NULL || json_kind (n) == JSON_NULL)
    return 0;
  if (!json_integer (n, v))
    return urun_fail (err, 0, "`%s`: expected an integer", field);
  *has = true;
  return 0;
}

static int
memory (const json_node *m, struct cg_writes *w, urun_err *err)
{
  static const struct
  {
    const char *key, *file, *field;
  } f[] = {
    /* the limit before the swap total: memsw may not be below it */
    { "limit", "memory.limit_in_bytes", "linux.resources.memory.limit" },
    { "swap", "memory.memsw.limit_in_bytes", "linux.resources.memory.swap" },
    { "reservation", "memory.soft_limit_in_bytes", "linux.resources.memory.reservation" },
    { "kernel", "memory.kmem.limit_in_bytes", "linux.resources.memory.kernel" },
    { "kernelTCP", "memory.kmem.tcp.limit_in_bytes", "linux.resources.memory.kernelTCP" },
    { "swappiness", "memory.swappiness", "linux.resources.memory.swappiness" },
  };
  for (size_t i = 0; i < sizeof f / sizeof *f; i++)
    {
      bool has;
      long long v;
      if (int_field (m, f[i].key, f[i].field, &has, &v, err) < 0)
        return -1;
      /* swappiness: 0 too (0 to 100); the others: a limit, or -1 */
      if (has && i == 5 && (v < 0 || v > 100))
        return urun_fail (err, 0, "`%s`: %lld is not between 0 and 100", f[i].field, v);
      if (has && (v > 0 || v == -1 || i == 5))
        add (w, "memory", f[i].file, xasprintf ("%lld", v), f[i].field);
    }
  if (json_bool (json_get (m, "disableOOMKiller")))
    add (w, "memory", "memory.oom_control", xstrdup ("1"), "linux.resources.memory.disableOOMKiller");
  /* checkBeforeUpdate: for update only; at create there is nothing to check */
  return 0;
}

static int
cpu (const json_node *c, struct cg_writes *w, urun_err *err)
{
  static const struct
  {
    const char *key, *ctrl, *file, *field;
  } f[] = {
    { "shares", "cpu", "cpu.shares", "linux.resources.cpu.shares" },
    /* the period before the quota */
    { "period", "cpu", "cpu.cfs_period_us", "linux.resources.cpu.period" },
    { "quota", "cpu", "cpu.cfs_quota_us", "linux.resources.cpu.quota" },
    { "burst", "cpu", "cpu.cfs_burst_us", "linux.resources.cpu.burst" },
    { "realtimePeriod", "cpu", "cpu.rt_period_us", "linux.resources.cpu.realtimePeriod" },
    { "realtimeRuntime", "cpu", "cpu.rt_runtime_us", "linux.resources.cpu.realtimeRuntime" },
  };
  const char *s;
  for (size_t i = 0; i < sizeof f / sizeof *f; i++)
    {
      bool has;
      long long v;
      if (int_field (c, f[i].key, f[i].field, &has, &v, err) < 0)
        return -1;
      if (has && (v > 0 || (v == -1 && i == 2)))
        add (w, f[i].ctrl, f[i].file, xasprintf ("%lld", v), f[i].field);
    }
  if ((s = json_string (json_get (c, "cpus"))) && *s)
    add (w, "cpuset", "cpuset.cpus", xstrdup (s), "linux.resources.cpu.cpus");
  if ((s = json_string (json_get (c, "mems"))) && *s)
    add (w, "cpuset", "cpuset.mems", xstrdup (s), "linux.resources.cpu.mems");
  if (json_get (c, "idle"))
    {
      long long v;
      if (json_integer (json_get (c, "idle"), &v) && v != 0)
        not_here (w, "linux.resources.cpu.idle");
    }
  return 0;
}

/* blockIO device lists: "major:minor value" lines. */
static int
block_list (const json_node *b, const char *key, const char *vkey, const char *file, struct cg_writes *w,
            urun_err *err)
{
  const json_node *a = json_get (b, key);
  for (size_t i = 0; i < json_len (a); i++)
    {
      const json_node *d = json_at (a, i);
      long long maj, min, v;
      if (!json_integer (json_get (d, "major"), &maj) || !json_integer (json_get (d, "minor"), &min)
          || !json_integer (json_get (d, vkey), &v))
        return urun_fail (err, 0, "`linux.resources.blockIO.%s[%zu]`: needs integer major, minor and %s", key, i, vkey);
      add (w, "blkio", file, xasprintf ("%lld:%lld %lld", maj, min, v), "linux.resources.blockIO");
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
    add (w, "blkio", "blkio.weight", xasprintf ("%lld", v), "linux.resources.blockIO.weight");
  if (int_field (b, "leafWeight", "linux.resources.blockIO.leafWeight", &has, &v, err) < 0)
    return -1;
  if (has && v > 0)
    add (w, "blkio", "blkio.leaf_weight", xasprintf ("%lld", v), "linux.resources.blockIO.leafWeight");
  if (block_list (b, "weightDevice", "weight", "blkio.weight_device", w, err) < 0
      || block_list (b, "throttleReadBpsDevice", "rate", "blkio.throttle.read_bps_device", w, err) < 0
      || block_list (b, "throttleWriteBpsDevice", "rate", "blkio.throttle.write_bps_device", w, err) < 0
      || block_list (b, "throttleReadIOPSDevice", "rate", "blkio.throttle.read_iops_device", w, err) < 0
      || block_list (b, "throttleWriteIOPSDevice", "rate", "blkio.throttle.write_iops_device", w, err) < 0)
    return -1;
  return 0;
}

/* pids.limit, the same file in both versions: 0 is a limit (the spec:
 * runtimes SHOULD take it so); -1, none */
int
cg_pids (const json_node *pids, struct cg_writes *w, urun_err *err)
{
  bool has;
  long long v;
  if (int_field (pids, "limit", "linux.resources.pids.limit", &has, &v, err) < 0)
    return -1;
  if (has)
    add (w, "pids", "pids.max", v >= 0 ? xasprintf ("%lld", v) : xstrdup ("max"), "linux.resources.pids.limit");
  return 0;
}

/* hugepageLimits as hugetlb.SIZE.SUFFIX (v1: limit_in_bytes, v2: max) */
int
cg_hugepages (const json_node *a, const char *suffix, struct cg_writes *w, urun_err *err)
{
  for (size_t i = 0; i < json_len (a); i++)
    {
      const json_node *h = json_at (a, i);
      const char *size = json_string (json_get (h, "pageSize"));
      long long v;
      if (size == NULL || !json_integer (json_get (h, "limit"), &v) || strchr (size, '/') || strchr (size, '.'))
        return urun_fail (err, 0, "`linux.resources.hugepageLimits[%zu]`: needs a pageSize and an integer limit", i);
      char *file = xasprintf ("hugetlb.%s.%s", size, suffix);
      add (w, "hugetlb", file, xasprintf ("%lld", v), "linux.resources.hugepageLimits");
      free (file);
    }
  return 0;
}

int
cgroup_v1_writes (const json_node *res, struct cg_writes *w, urun_err *err)
{
  const json_node *n;
  long long v;
  bool has;
  memset (w, 0, sizeof *w);
  if ((n = json_get (res, "memory")) && memory (n, w, err) < 0)
    return -1;
  if ((n = json_get (res, "cpu")) && cpu (n, w, err) < 0)
    return -1;
  if ((n = json_get (res, "pids")) && cg_pids (n, w, err) < 0)
    return -1;
  if ((n = json_get (res, "blockIO")) && block_io (n, w, err) < 0)
    return -1;
  if ((n = json_get (res, "hugepageLimits")) && cg_hugepages (n, "limit_in_bytes", w, err) < 0)
    return -1;
  if ((n = json_get (res, "network")))
    {
      if (int_field (n, "classID", "linux.resources.network.classID", &has, &v, err) < 0)
        return -1;
      if (has)
        add (w, "net_cls", "net_cls.classid", xasprintf ("%lld", v), "linux.resources.network.classID");
      if (json_len (json_get (n, "priorities")))
        not_here (w, "linux.resources.network.priorities");
    }
  if (json_len (json_get (res, "rdma")))
    not_here (w, "linux.resources.rdma");
  if (json_len (json_get (res, "unified")))
    not_here (w, "linux.resources.unified");
  return 0;
}

/* ---- devices ------------------------------------------------------------- */

/* runc's: what every container may use, after the config's own rules */
static const char *const default_rules[] = {
  "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm",
  "c 1:9 rwm", "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
};

static void
rule_add (struct cg_writes *w, bool allow, char *rule)
{
  add (w, "devices", allow ? "devices.allow" : "devices.deny", rule, "linux.resources.devices");
}

static char *
rule_text (char type, bool has_maj, long long maj, bool has_min, long long min, const char *access)
{
  char a[16], b[16];
  snprintf (a, sizeof a, has_maj && maj >= 0 ? "%lld" : "*", maj);
  snprintf (b, sizeof b, has_min && min >= 0 ? "%lld" : "*", min);
  if (type == 'a')
    return xstrdup ("a");
  return xasprintf ("%c %s:%s %s", type, a, b, access && *access ? access : "rwm");
}

int
cgroup_v1_device_rules (const struct spec *s, struct cg_writes *w, urun_err *err)
{
  const json_node *d = json_get (s->resources, "devices");
  memset (w, 0, sizeof *w);
  /* nothing but what is allowed below */
  rule_add (w, false, xstrdup ("a"));
  for (size_t i = 0; i < json_len (d); i++)
    {
      const json_node *r = json_at (d, i);
      const char *t = json_string (json_get (r, "type")), *acc = json_string (json_get (r, "access"));
      long long maj = -1, min = -1;
      bool hm = json_integer (json_get (r, "major"), &maj), hn = json_integer (json_get (r, "minor"), &min);
      char type = t ? t[0] : 'a';
      /* absent or -1: any; else a device number, never one that wraps into another */
      if ((hm && (maj < -1 || maj > 0xffffffffLL)) || (hn && (min < -1 || min > 0xffffffffLL)))
        return urun_fail (err, 0, "`linux.resources.devices[%zu]`: major and minor are from 0 to 4294967295 "
                          "(absent or -1: any)", i);
      if ((t && (strlen (t) != 1 || !strchr ("acbu", type))) || (acc && strspn (acc, "rwm") != strlen (acc)))
        return urun_fail (err, 0, "`linux.resources.devices[%zu]`: type must be a, c, b or u, access of r, w, m", i);
      rule_add (w, json_bool (json_get (r, "allow")), rule_text (type == 'u' ? 'c' : type, hm, maj, hn, min, acc));
    }
  for (size_t i = 0; i < s->n_devices; i++)
    {
      const struct spec_device *dv = &s->devices[i];
      if (dv->type != 'p')
        rule_add (w, true, rule_text (dv->type == 'u' ? 'c' : dv->type, true, dv->major, true, dv->minor, "rwm"));
    }
  for (size_t i = 0; i < sizeof default_rules / sizeof *default_rules; i++)
    rule_add (w, true, xstrdup (default_rules[i]));
  return 0;
}
