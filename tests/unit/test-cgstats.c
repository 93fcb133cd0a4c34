/* SPDX-License-Identifier: Apache-2.0 */
/* The stats reader of `urun events` (cgroup/stats.c) on fake cgroup
 * directories: the v1 layout (a directory per controller) and the v2 one
 * (one directory), as runc's stats object. */
#include <config.h>
#include "cgroup/cgroup.h"
#include "json.h"
#include "util.h"
#include "unit.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[] = "/tmp/urun-cgstats.XXXXXX";

static void
put (const char *dir, const char *file, const char *text)
{
  cleanup_err urun_err err = NULL;
  cleanup_free char *d = xasprintf ("%s/%s", tmp, dir), *p = xasprintf ("%s/%s", d, file);
  mkdir (d, 0755);
  cleanup_close int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  CHECK (fd >= 0 && write_all (fd, text, strlen (text)) == 0);
}

static json_node *
stats_of (struct urun_cgroup *cg)
{
  cleanup_err urun_err err = NULL;
  json_writer *w = json_writer_new (false);
  cleanup_free char *text = NULL;
  size_t len;
  cgroup_stats (cg, w);
  text = json_writer_finish (w, false, &len);
  return json_parse (text, len, &err);
}

/* The integer at a path of keys ("memory", "usage", "usage"), -1 if none. */
static long long
num (const json_node *n, const char *a, const char *b, const char *c)
{
  long long v;
  n = json_get (n, a);
  if (b)
    n = json_get (n, b);
  if (c)
    n = json_get (n, c);
  return json_integer (n, &v) ? v : -1;
}

TEST (v1_layout)
{
  struct urun_cgroup_dir dirs[] = {
    { "memory", xasprintf ("%s/memory", tmp) }, { "cpu,cpuacct", xasprintf ("%s/cpu", tmp) },
    { "pids", xasprintf ("%s/pids", tmp) },     { "blkio", xasprintf ("%s/blkio", tmp) },
    { "hugetlb", xasprintf ("%s/hugetlb", tmp) },
  };
  struct urun_cgroup cg = { .kind = CGROUP_V1, .dirs = dirs, .n = 5 };
  unsigned long long kills = 9;
  put ("memory", "memory.usage_in_bytes", "4096\n");
  put ("memory", "memory.max_usage_in_bytes", "8192\n");
  put ("memory", "memory.failcnt", "3\n");
  put ("memory", "memory.limit_in_bytes", "33554432\n");
  put ("memory", "memory.memsw.usage_in_bytes", "5000\n");
  put ("memory", "memory.memsw.limit_in_bytes", "9223372036854771712\n");
  put ("memory", "memory.stat", "cache 12\nrss 4000\n");
  put ("memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  put ("cpu", "cpuacct.usage", "123456\n");
  put ("cpu", "cpuacct.usage_percpu", "100000 23456 \n");
  put ("cpu", "cpuacct.stat", "user 2\nsystem 1\n");
  put ("cpu", "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 777\n");
  put ("pids", "pids.current", "3\n");
  put ("pids", "pids.max", "max\n");
  put ("blkio", "blkio.throttle.io_service_bytes_recursive", "8:0 Read 512\n8:0 Write 1024\nTotal 1536\n");
  put ("hugetlb", "hugetlb.2MB.usage_in_bytes", "0\n");
  put ("hugetlb", "hugetlb.2MB.max_usage_in_bytes", "2097152\n");
  put ("hugetlb", "hugetlb.2MB.failcnt", "1\n");
  put ("hugetlb", "hugetlb.2MB.rsvd.usage_in_bytes", "0\n");
  json_node *s = stats_of (&cg);
  long long hz = sysconf (_SC_CLK_TCK);
  CHECK (s != NULL);
  CHECK (num (s, "memory", "usage", "usage") == 4096);
  CHECK (num (s, "memory", "usage", "max") == 8192);
  CHECK (num (s, "memory", "usage", "failcnt") == 3);
  CHECK (num (s, "memory", "usage", "limit") == 33554432);
  CHECK (num (s, "memory", "swap", "usage") == 5000);
  CHECK (num (s, "memory", "cache", NULL) == 12);
  CHECK (num (s, "memory", "raw", "rss") == 4000);
  CHECK (json_get (json_get (s, "memory"), "kernel") == NULL);
  CHECK (num (s, "cpu", "usage", "total") == 123456);
  CHECK (json_len (json_get (json_get (json_get (s, "cpu"), "usage"), "percpu")) == 2);
  CHECK (num (s, "cpu", "usage", "user") == 2 * (1000000000LL / hz));
  CHECK (num (s, "cpu", "usage", "kernel") == 1000000000LL / hz);
  CHECK (num (s, "cpu", "throttling", "periods") == 10);
  CHECK (num (s, "cpu", "throttling", "throttledPeriods") == 4);
  CHECK (num (s, "cpu", "throttling", "throttledTime") == 777);
  CHECK (num (s, "pids", "current", NULL) == 3);
  CHECK (json_get (json_get (s, "pids"), "limit") == NULL);
  const json_node *io = json_get (json_get (s, "blkio"), "ioServiceBytesRecursive");
  CHECK (json_len (io) == 2);
  CHECK_STR (json_string (json_get (json_at (io, 1), "op")), "Write");
  CHECK (num (json_at (io, 1), "value", NULL, NULL) == 1024);
  CHECK (num (json_at (io, 1), "major", NULL, NULL) == 8);
  CHECK (json_len (json_get (s, "hugetlb")) == 1);
  CHECK (num (s, "hugetlb", "2MB", "max") == 2097152);
  CHECK (num (s, "hugetlb", "2MB", "failcnt") == 1);
  CHECK (cgroup_oom_kills (&cg, &kills) && kills == 2);
  json_free (s);
  for (size_t i = 0; i < 5; i++)
    free (dirs[i].path);
}

TEST (v2_layout)
{
  struct urun_cgroup_dir d = { "", xasprintf ("%s/v2", tmp) };
  struct urun_cgroup cg = { .kind = CGROUP_V2, .dirs = &d, .n = 1 };
  unsigned long long kills = 9;
  put ("v2", "memory.current", "4096\n");
  put ("v2", "memory.max", "max\n");
  put ("v2", "memory.peak", "9000\n");
  put ("v2", "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
  put ("v2", "memory.swap.current", "100\n");
  put ("v2", "memory.swap.max", "1000\n");
  put ("v2", "memory.stat", "anon 3000\nfile 77\n");
  put ("v2", "cpu.stat", "usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 2\nnr_throttled 1\nthrottled_usec 3\n");
  put ("v2", "pids.current", "2\n");
  put ("v2", "pids.max", "20\n");
  put ("v2", "io.stat", "8:16 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
  json_node *s = stats_of (&cg);
  CHECK (s != NULL);
  CHECK (num (s, "memory", "usage", "usage") == 4096);
  CHECK (num (s, "memory", "usage", "max") == 9000);
  CHECK (num (s, "memory", "usage", "failcnt") == 5);
  /* "max": 2^64-1, as runc writes it (not a long long) */
  CHECK (num (s, "memory", "usage", "limit") == -1);
  CHECK (json_kind (json_get (json_get (json_get (s, "memory"), "usage"), "limit")) == JSON_NUMBER);
  CHECK (num (s, "memory", "swap", "usage") == 4196);
  CHECK (num (s, "memory", "cache", NULL) == 77);
  CHECK (num (s, "memory", "raw", "anon") == 3000);
  CHECK (num (s, "cpu", "usage", "total") == 10000);
  CHECK (num (s, "cpu", "usage", "user") == 6000);
  CHECK (num (s, "cpu", "usage", "kernel") == 4000);
  CHECK (num (s, "cpu", "throttling", "throttledTime") == 3000);
  CHECK (num (s, "pids", "current", NULL) == 2);
  CHECK (num (s, "pids", "limit", NULL) == 20);
  const json_node *io = json_get (json_get (s, "blkio"), "ioServicedRecursive");
  CHECK (json_len (io) == 2);
  CHECK (num (json_at (io, 0), "minor", NULL, NULL) == 16);
  CHECK (num (json_at (io, 1), "value", NULL, NULL) == 2);
  CHECK (cgroup_oom_kills (&cg, &kills) && kills == 1);
  json_free (s);
  free (d.path);
}

int
main (void)
{
  cleanup_free char *rm = NULL;
  if (mkdtemp (tmp) == NULL)
    return 1;
  RUN (v1_layout);
  RUN (v2_layout);
  rm = xasprintf ("rm -rf %s", tmp);
  if (system (rm) != 0)
    printf ("# could not remove %s\n", tmp);
  UNIT_DONE ();
}
