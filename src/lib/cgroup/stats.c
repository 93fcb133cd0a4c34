/* SPDX-License-Identifier: Apache-2.0 */
/* urun: a cgroup's statistics as runc's `events` prints them (runc's
 * types/events.go: cpu, memory, pids, blkio, hugetlb), and its OOM kills.
 * The files are found by name, for v1 (a directory per controller) and v2
 * (one directory, CGROUP_V2) alike; whatever a file does not say is left
 * out, as runc's omitempty does. */
#include <config.h>
#include "cgroup_priv.h"
#include "util.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define U64_MAX 18446744073709551615ULL

static bool
is_v2 (const struct urun_cgroup *cg)
{
  return cg->kind == CGROUP_V2;
}

/* The text of ctrl's file, NULL when it is not there. */
static char *
read_cg (const struct urun_cgroup *cg, const char *ctrl, const char *file)
{
  const char *dir = cg_dir_of (cg, ctrl);
  cleanup_free char *p = dir ? xasprintf ("%s/%s", dir, file) : NULL;
  cleanup_err urun_err e = NULL;
  char *text = NULL;
  size_t len;
  if (p == NULL || read_file_at (AT_FDCWD, p, &text, &len, &e) < 0)
    return NULL;
  return text;
}

/* One number ("max": U64_MAX). */
static bool
read_u64 (const struct urun_cgroup *cg, const char *ctrl, const char *file, unsigned long long *v)
{
  cleanup_free char *t = read_cg (cg, ctrl, file);
  char *end;
  if (t == NULL)
    return false;
  if (strncmp (t, "max", 3) == 0)
    {
      *v = U64_MAX;
      return true;
    }
  *v = strtoull (t, &end, 10);
  return end != t;
}

/* "KEY VALUE" lines (memory.stat, cpu.stat, memory.events). */
static bool
kv_get (const char *text, const char *key, unsigned long long *v)
{
  size_t n = strlen (key);
  for (const char *l = text; l && *l; l = strchr (l, '\n'), l = l ? l + 1 : NULL)
    if (strncmp (l, key, n) == 0 && l[n] == ' ')
      {
        *v = strtoull (l + n + 1, NULL, 10);
        return true;
      }
  return false;
}

static void
w_u64 (json_writer *w, const char *key, unsigned long long v)
{
  json_w_key (w, key);
  json_w_uint (w, v);
}

/* ---- cpu ------------------------------------------------------------------ */

/* A list of numbers ("1 2 3"), each times mul. */
static void
w_list (json_writer *w, const char *key, const char *text, unsigned long long mul)
{
  char *end;
  json_w_key (w, key);
  json_w_open_array (w);
  for (const char *p = text;; p = end)
    {
      unsigned long long v = strtoull (p, &end, 10);
      if (end == p)
        break;
      json_w_uint (w, v * mul);
    }
  json_w_close_array (w);
}

static void
cpu_v1_usage (const struct urun_cgroup *cg, json_writer *w)
{
  static const char *const lists[][2] = { { "cpuacct.usage_percpu", "percpu" },
                                          { "cpuacct.usage_percpu_sys", "percpu_kernel" },
                                          { "cpuacct.usage_percpu_user", "percpu_user" } };
  cleanup_free char *st = read_cg (cg, "cpuacct", "cpuacct.stat");
  unsigned long long v, hz = (unsigned long long) sysconf (_SC_CLK_TCK);
  if (read_u64 (cg, "cpuacct", "cpuacct.usage", &v))
    w_u64 (w, "total", v);
  for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
    {
      cleanup_free char *t = read_cg (cg, "cpuacct", lists[i][0]);
      if (t)
        w_list (w, lists[i][1], t, 1);
    }
  /* cpuacct.stat counts clock ticks; runc gives nanoseconds */
  if (hz == 0)
    hz = 100;
  w_u64 (w, "kernel", st && kv_get (st, "system", &v) ? v * (1000000000ULL / hz) : 0);
  w_u64 (w, "user", st && kv_get (st, "user", &v) ? v * (1000000000ULL / hz) : 0);
}

static void
cpu_stats (const struct urun_cgroup *cg, json_writer *w)
{
  cleanup_free char *st = read_cg (cg, "cpu", "cpu.stat");
  unsigned long long v;
  json_w_key (w, "cpu");
  json_w_open_object (w);
  json_w_key (w, "usage");
  json_w_open_object (w);
  if (!is_v2 (cg))
    cpu_v1_usage (cg, w);
  else
    {
      /* microseconds in v2 */
      if (st && kv_get (st, "usage_usec", &v))
        w_u64 (w, "total", v * 1000);
      w_u64 (w, "kernel", st && kv_get (st, "system_usec", &v) ? v * 1000 : 0);
      w_u64 (w, "user", st && kv_get (st, "user_usec", &v) ? v * 1000 : 0);
    }
  json_w_close_object (w);
  json_w_key (w, "throttling");
  json_w_open_object (w);
  if (st && kv_get (st, "nr_periods", &v))
    w_u64 (w, "periods", v);
  if (st && kv_get (st, "nr_throttled", &v))
    w_u64 (w, "throttledPeriods", v);
  if (st && !is_v2 (cg) && kv_get (st, "throttled_time", &v))
    w_u64 (w, "throttledTime", v);
  if (st && is_v2 (cg) && kv_get (st, "throttled_usec", &v))
    w_u64 (w, "throttledTime", v * 1000);
  json_w_close_object (w);
  json_w_close_object (w);
}

/* ---- memory --------------------------------------------------------------- */

/* v1: PREFIX.usage_in_bytes, .max_usage_in_bytes, .failcnt, .limit_in_bytes
 * (PREFIX memory, memory.memsw, memory.kmem, memory.kmem.tcp). */
static void
mem_entry_v1 (const struct urun_cgroup *cg, json_writer *w, const char *key, const char *prefix)
{
  static const char *const f[][2] = {
    { "usage_in_bytes", "usage" }, { "max_usage_in_bytes", "max" }, { "failcnt", "failcnt" }, { "limit_in_bytes", "limit" }
  };
  unsigned long long v;
  cleanup_free char *usage = xasprintf ("%s.usage_in_bytes", prefix);
  if (!read_u64 (cg, "memory", usage, &v))
    return;
  json_w_key (w, key);
  json_w_open_object (w);
  for (size_t i = 0; i < sizeof f / sizeof *f; i++)
    {
      cleanup_free char *file = xasprintf ("%s.%s", prefix, f[i][0]);
      if (read_u64 (cg, "memory", file, &v))
        w_u64 (w, f[i][1], v);
    }
  json_w_close_object (w);
}

/* v2: memory.current, memory.peak, memory.events "max", memory.max; and
 * swap as v1's memory+swap (runc: swap.current plus the memory's). */
static void
mem_v2 (const struct urun_cgroup *cg, json_writer *w)
{
  cleanup_free char *ev = read_cg (cg, "memory", "memory.events");
  cleanup_free char *sev = read_cg (cg, "memory", "memory.swap.events");
  unsigned long long cur, max = U64_MAX, v, scur, smax = U64_MAX;
  if (!read_u64 (cg, "memory", "memory.current", &cur))
    return;
  read_u64 (cg, "memory", "memory.max", &max);
  json_w_key (w, "usage");
  json_w_open_object (w);
  w_u64 (w, "usage", cur);
  if (read_u64 (cg, "memory", "memory.peak", &v))
    w_u64 (w, "max", v);
  w_u64 (w, "failcnt", ev && kv_get (ev, "max", &v) ? v : 0);
  w_u64 (w, "limit", max);
  json_w_close_object (w);
  if (!read_u64 (cg, "memory", "memory.swap.current", &scur))
    return;
  read_u64 (cg, "memory", "memory.swap.max", &smax);
  json_w_key (w, "swap");
  json_w_open_object (w);
  w_u64 (w, "usage", scur + cur);
  w_u64 (w, "failcnt", sev && kv_get (sev, "fail", &v) ? v : 0);
  w_u64 (w, "limit", smax == U64_MAX || max == U64_MAX ? U64_MAX : smax + max);
  json_w_close_object (w);
}

static void
memory_stats (const struct urun_cgroup *cg, json_writer *w)
{
  cleanup_free char *st = read_cg (cg, "memory", "memory.stat");
  unsigned long long v;
  json_w_key (w, "memory");
  json_w_open_object (w);
  /* the page cache: v1 "cache", v2 "file" */
  if (st && kv_get (st, is_v2 (cg) ? "file" : "cache", &v))
    w_u64 (w, "cache", v);
  if (is_v2 (cg))
    mem_v2 (cg, w);
  else
    {
      mem_entry_v1 (cg, w, "usage", "memory");
      mem_entry_v1 (cg, w, "swap", "memory.memsw");
      mem_entry_v1 (cg, w, "kernel", "memory.kmem");
      mem_entry_v1 (cg, w, "kernelTCP", "memory.kmem.tcp");
    }
  if (st)
    {
      json_w_key (w, "raw");
      json_w_open_object (w);
      for (char *l = st, *nl; l && *l; l = nl)
        {
          char *sp = strchr (l, ' ');
          if ((nl = strchr (l, '\n')))
            *nl++ = '\0';
          if (sp == NULL)
            continue;
          *sp = '\0';
          w_u64 (w, l, strtoull (sp + 1, NULL, 10));
        }
      json_w_close_object (w);
    }
  json_w_close_object (w);
}

/* ---- pids, blkio, hugetlb -------------------------------------------------- */

static void
pids_stats (const struct urun_cgroup *cg, json_writer *w)
{
  unsigned long long v;
  json_w_key (w, "pids");
  json_w_open_object (w);
  if (read_u64 (cg, "pids", "pids.current", &v))
    w_u64 (w, "current", v);
  /* no limit: left out (runc's 0, omitted) */
  if (read_u64 (cg, "pids", "pids.max", &v) && v != U64_MAX)
    w_u64 (w, "limit", v);
  json_w_close_object (w);
}

static void
blkio_entry (json_writer *w, unsigned maj, unsigned min, const char *op, unsigned long long v)
{
  json_w_open_object (w);
  w_u64 (w, "major", maj);
  w_u64 (w, "minor", min);
  json_w_key (w, "op");
  json_w_string (w, op);
  w_u64 (w, "value", v);
  json_w_close_object (w);
}

/* v1: "MAJ:MIN OP VALUE" lines (and a "Total N" one, left out). */
static void
blkio_v1 (const struct urun_cgroup *cg, json_writer *w, const char *key, const char *file, const char *throttle)
{
  cleanup_free char *t = read_cg (cg, "blkio", file);
  bool any = false;
  /* the CFQ/BFQ file when it has devices, else the throttle one (runc) */
  if (t == NULL || strchr (t, ':') == NULL)
    {
      free (t);
      t = read_cg (cg, "blkio", throttle);
    }
  for (char *l = t, *nl; l && *l; l = nl)
    {
      unsigned maj, min;
      unsigned long long v;
      char op[32];
      if ((nl = strchr (l, '\n')))
        *nl++ = '\0';
      if (sscanf (l, "%u:%u %31s %llu", &maj, &min, op, &v) != 4)
        continue;
      if (!any)
        {
          json_w_key (w, key);
          json_w_open_array (w);
          any = true;
        }
      blkio_entry (w, maj, min, op, v);
    }
  if (any)
    json_w_close_array (w);
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." lines. */
static void
blkio_v2 (const struct urun_cgroup *cg, json_writer *w, const char *key, const char *rkey, const char *wkey)
{
  cleanup_free char *t = read_cg (cg, "io", "io.stat");
  bool any = false;
  for (char *l = t, *nl; l && *l; l = nl)
    {
      unsigned maj, min;
      char *r, *wr;
      if ((nl = strchr (l, '\n')))
        *nl++ = '\0';
      if (sscanf (l, "%u:%u", &maj, &min) != 2 || (r = strstr (l, rkey)) == NULL || (wr = strstr (l, wkey)) == NULL)
        continue;
      if (!any)
        {
          json_w_key (w, key);
          json_w_open_array (w);
          any = true;
        }
      blkio_entry (w, maj, min, "Read", strtoull (r + strlen (rkey), NULL, 10));
      blkio_entry (w, maj, min, "Write", strtoull (wr + strlen (wkey), NULL, 10));
    }
  if (any)
    json_w_close_array (w);
}

static void
blkio_stats (const struct urun_cgroup *cg, json_writer *w)
{
  json_w_key (w, "blkio");
  json_w_open_object (w);
  if (is_v2 (cg))
    {
      blkio_v2 (cg, w, "ioServiceBytesRecursive", " rbytes=", " wbytes=");
      blkio_v2 (cg, w, "ioServicedRecursive", " rios=", " wios=");
    }
  else
    {
      blkio_v1 (cg, w, "ioServiceBytesRecursive", "blkio.io_service_bytes_recursive",
                "blkio.throttle.io_service_bytes_recursive");
      blkio_v1 (cg, w, "ioServicedRecursive", "blkio.io_serviced_recursive", "blkio.throttle.io_serviced_recursive");
    }
  json_w_close_object (w);
}

/* One page size: v1 hugetlb.SIZE.usage_in_bytes, .max_usage_in_bytes,
 * .failcnt; v2 hugetlb.SIZE.current and hugetlb.SIZE.events "max". */
static void
hugetlb_size (const struct urun_cgroup *cg, json_writer *w, const char *size)
{
  unsigned long long v;
  cleanup_free char *usage = xasprintf ("hugetlb.%s.%s", size, is_v2 (cg) ? "current" : "usage_in_bytes");
  cleanup_free char *max = xasprintf ("hugetlb.%s.max_usage_in_bytes", size);
  cleanup_free char *fail = xasprintf ("hugetlb.%s.failcnt", size), *events = xasprintf ("hugetlb.%s.events", size);
  cleanup_free char *ev = is_v2 (cg) ? read_cg (cg, "hugetlb", events) : NULL;
  json_w_key (w, size);
  json_w_open_object (w);
  if (read_u64 (cg, "hugetlb", usage, &v))
    w_u64 (w, "usage", v);
  if (!is_v2 (cg) && read_u64 (cg, "hugetlb", max, &v))
    w_u64 (w, "max", v);
  if (is_v2 (cg))
    w_u64 (w, "failcnt", ev && kv_get (ev, "max", &v) ? v : 0);
  else
    w_u64 (w, "failcnt", read_u64 (cg, "hugetlb", fail, &v) ? v : 0);
  json_w_close_object (w);
}

static void
hugetlb_stats (const struct urun_cgroup *cg, json_writer *w)
{
  const char *dir = cg_dir_of (cg, "hugetlb");
  const char *suffix = is_v2 (cg) ? ".current" : ".usage_in_bytes";
  DIR *d = dir ? opendir (dir) : NULL;
  struct dirent *de;
  json_w_key (w, "hugetlb");
  json_w_open_object (w);
  while (d && (de = readdir (d)))
    {
      size_t n = strlen (de->d_name), s = strlen (suffix);
      /* hugetlb.2MB.usage_in_bytes (not .rsvd.) */
      if (strncmp (de->d_name, "hugetlb.", 8) != 0 || n <= 8 + s || strcmp (de->d_name + n - s, suffix) != 0)
        continue;
      cleanup_free char *size = xasprintf ("%.*s", (int) (n - 8 - s), de->d_name + 8);
      if (strchr (size, '.') == NULL)
        hugetlb_size (cg, w, size);
    }
  if (d)
    closedir (d);
  json_w_close_object (w);
}

void
cgroup_stats (const struct urun_cgroup *cg, json_writer *w)
{
  json_w_open_object (w);
  cpu_stats (cg, w);
  memory_stats (cg, w);
  pids_stats (cg, w);
  blkio_stats (cg, w);
  hugetlb_stats (cg, w);
  json_w_close_object (w);
}

/* ---- OOM ------------------------------------------------------------------ */

bool
cgroup_oom_kills (const struct urun_cgroup *cg, unsigned long long *n)
{
  cleanup_free char *t = read_cg (cg, "memory", is_v2 (cg) ? "memory.events" : "memory.oom_control");
  /* v1's oom_kill: kernel 4.13 and later */
  return t && kv_get (t, "oom_kill", n);
}

int
cgroup_oom_watch (const struct urun_cgroup *cg)
{
  const char *dir = cg_dir_of (cg, "memory");
  cleanup_free char *p = NULL;
  cleanup_close int fd = -1, ctl = -1;
  char line[64];
  if (dir == NULL)
    return -1;
  if (is_v2 (cg))
    {
      p = xasprintf ("%s/memory.events", dir);
      fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
      if (fd < 0 || inotify_add_watch (fd, p, IN_MODIFY) < 0)
        return -1;
      return steal_fd (&fd);
    }
  /* v1: "EVENTFD OOM_CONTROL_FD" to cgroup.event_control; the kernel keeps
   * only the eventfd, which also fires when the cgroup is removed */
  p = xasprintf ("%s/memory.oom_control", dir);
  cleanup_close int ofd = open (p, O_RDONLY | O_CLOEXEC);
  free (p);
  p = xasprintf ("%s/cgroup.event_control", dir);
  fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  ctl = open (p, O_WRONLY | O_CLOEXEC);
  if (ofd < 0 || fd < 0 || ctl < 0)
    return -1;
  snprintf (line, sizeof line, "%d %d", fd, ofd);
  if (write_all (ctl, line, strlen (line)) < 0)
    return -1;
  return steal_fd (&fd);
}

bool
cgroup_oom_drain (const struct urun_cgroup *cg, int fd)
{
  const char *dir = cg_dir_of (cg, "memory");
  char buf[4096];
  struct stat sb;
  while (fd >= 0 && read (fd, buf, sizeof buf) > 0)
    ;
  return dir && stat (dir, &sb) == 0;
}
