/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources as cgroup v1 files, and the v1 device rules. */
#include <config.h>
#include "cgroup/cgroup_priv.h"
#include "util.h"
#include "unit.h"
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

static struct spec *
spec_with (const char *resources_and_devices)
{
  cleanup_err urun_err err = NULL;
  struct spec *s = NULL;
  char *t = xasprintf ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"sh\"], "
                       "\"cwd\": \"/\"}, \"linux\": {%s}}",
                       resources_and_devices);
  if (spec_parse (t, strlen (t), &s, &err) < 0)
    printf ("# parse: %s\n", err->msg);
  free (t);
  return s;
}

/* "ctrl file=value" of write i */
static char *
w_at (const struct cg_writes *w, size_t i)
{
  return i < w->n ? xasprintf ("%s %s=%s", w->v[i].ctrl, w->v[i].file, w->v[i].value) : xstrdup ("(none)");
}

TEST (v1_limits_in_order)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"memory\": {\"limit\": 33554432, \"swap\": 67108864, \"swappiness\": 10,"
                              " \"disableOOMKiller\": true}, \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000,"
                              " \"cpus\": \"0\"}, \"pids\": {\"limit\": 20}}");
  const char *want[] = { "memory memory.limit_in_bytes=33554432", "memory memory.memsw.limit_in_bytes=67108864",
                         "memory memory.swappiness=10", "memory memory.oom_control=1", "cpu cpu.shares=512",
                         "cpu cpu.cfs_period_us=100000", "cpu cpu.cfs_quota_us=50000", "cpuset cpuset.cpus=0",
                         "pids pids.max=20" };
  CHECK (s != NULL);
  CHECK (s && cgroup_v1_writes (s->resources, &w, &err) == 0);
  CHECK (w.n == sizeof want / sizeof *want);
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    {
      char *got = w_at (&w, i);
      CHECK_STR (got, want[i]);
      free (got);
    }
  CHECK (w.not_applied == NULL);
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v1_defaults_are_not_requests)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"memory\": {\"disableOOMKiller\": false}, \"cpu\": {\"shares\": 0},"
                              " \"blockIO\": {\"weight\": 0}, \"pids\": {\"limit\": 0}, \"unified\": {\"memory.high\": \"1\"}}");
  CHECK (s && cgroup_v1_writes (s->resources, &w, &err) == 0);
  /* pids 0 is a limit of 0 (the spec: runtimes SHOULD take it so) */
  CHECK (w.n == 1);
  char *got = w_at (&w, 0);
  CHECK_STR (got, "pids pids.max=0");
  free (got);
  CHECK_STR (w.not_applied, "linux.resources.unified");
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v1_bad_fields_name_themselves)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"memory\": {\"limit\": \"lots\"}}");
  CHECK (s && cgroup_v1_writes (s->resources, &w, &err) < 0);
  CHECK (err && strstr (err->msg, "linux.resources.memory.limit"));
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v1_device_rules)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                              " {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"}]},"
                              " \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}]");
  CHECK (s && cgroup_v1_device_rules (s, &w, &err) == 0);
  CHECK (w.n > 5);
  char *a = w_at (&w, 0), *b = w_at (&w, 1), *c = w_at (&w, 2), *d = w_at (&w, 3), *e = w_at (&w, 4);
  CHECK_STR (a, "devices devices.deny=a");
  CHECK_STR (b, "devices devices.deny=a");
  CHECK_STR (c, "devices devices.allow=c 10:229 rw");
  CHECK_STR (d, "devices devices.allow=c 10:229 rwm");
  CHECK_STR (e, "devices devices.allow=c *:* m");
  free (a), free (b), free (c), free (d), free (e);
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v2_limits_and_conversions)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"memory\": {\"limit\": 33554432, \"swap\": 67108864, \"reservation\": 1048576},"
                              " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\"},"
                              " \"pids\": {\"limit\": 20}, \"blockIO\": {\"weight\": 500, \"throttleReadBpsDevice\":"
                              " [{\"major\": 8, \"minor\": 0, \"rate\": 1000}]}, \"unified\": {\"memory.high\": \"30000000\"}}");
  const char *want[] = { "memory memory.low=1048576", "memory memory.max=33554432",
                         /* memory+swap 64 MiB: 32 MiB of swap */
                         "memory memory.swap.max=33554432", "cpu cpu.weight=39", "cpu cpu.max=50000 100000",
                         "cpuset cpuset.cpus=0", "pids pids.max=20", "io io.bfq.weight=500", "io io.max=8:0 rbps=1000",
                         "memory memory.high=30000000" };
  CHECK (s != NULL);
  CHECK (s && cgroup_v2_writes (s->resources, &w, &err) == 0);
  CHECK (w.n == sizeof want / sizeof *want);
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    {
      char *got = w_at (&w, i);
      CHECK_STR (got, want[i]);
      free (got);
    }
  CHECK (w.not_applied == NULL);
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v2_update_uses_what_it_has)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct cg_v2_now now = { .memory_limit = 33554432, .cpu_period = 250000 };
  struct spec *s = spec_with ("\"resources\": {\"memory\": {\"swap\": 67108864}, \"cpu\": {\"quota\": 50000}}");
  char *a, *b;
  CHECK (s && cgroup_v2_writes_now (s->resources, &now, &w, &err) == 0 && w.n == 2);
  a = w_at (&w, 0);
  b = w_at (&w, 1);
  CHECK_STR (a, "memory memory.swap.max=33554432");
  CHECK_STR (b, "cpu cpu.max=50000 250000");
  free (a);
  free (b);
  cg_writes_free (&w);
  /* at create there is nothing yet: a swap total needs the limit */
  CHECK (cgroup_v2_writes (s->resources, &w, &err) < 0);
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v2_conversions)
{
  cleanup_err urun_err err = NULL;
  long long v;
  CHECK (cgroup_v2_shares_to_weight (2) == 1);
  CHECK (cgroup_v2_shares_to_weight (262144) == 10000);
  CHECK (cgroup_v2_shares_to_weight (0) == 0);
  CHECK (cgroup_v2_swap (-1, 100, &v, &err) == 0 && v == -1);
  CHECK (cgroup_v2_swap (300, 100, &v, &err) == 0 && v == 200);
  CHECK (cgroup_v2_swap (50, 100, &v, &err) < 0 && strstr (err->msg, "memory.swap"));
  urun_err_free (&err);
  CHECK (cgroup_v2_swap (50, 0, &v, &err) < 0);
  CHECK (cgroup_v2_unified_ctrl ("memory.high") != NULL);
  CHECK (cgroup_v2_unified_ctrl ("cgroup.procs") == NULL);
  CHECK (cgroup_v2_unified_ctrl ("cgroup.freeze") == NULL);
  CHECK (cgroup_v2_unified_ctrl ("hugetlb.2MB.max") != NULL);
  CHECK (cgroup_v2_unified_ctrl ("cgroup.max.depth") != NULL);
  CHECK (cgroup_v2_unified_ctrl ("../x.y") == NULL);
  CHECK (cgroup_v2_unified_ctrl ("memory") == NULL);
  CHECK (cgroup_v2_unified_ctrl ("nosuch.file") == NULL);
}

TEST (v2_refusals_name_the_field)
{
  const char *bad[][2] = {
    { "\"resources\": {\"cpu\": {\"realtimeRuntime\": 1000}}", "realtimeRuntime" },
    { "\"resources\": {\"unified\": {\"cgroup.procs\": \"1\"}}", "linux.resources.unified" },
    { "\"resources\": {\"unified\": {\"memory.high\": 5}}", "linux.resources.unified.memory.high" },
    { "\"resources\": {\"memory\": {\"swap\": 1000}}", "linux.resources.memory.swap" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      cleanup_err urun_err err = NULL;
      struct cg_writes w;
      struct spec *s = spec_with (bad[i][0]);
      CHECK (s && cgroup_v2_writes (s->resources, &w, &err) < 0);
      CHECK (err && strstr (err->msg, bad[i][1]));
      cg_writes_free (&w);
      spec_free (s);
    }
}

/* Runs the device program on one access: the few instructions bpfdev.c
 * emits, interpreted. */
static long long
run_dev_prog (const struct bpf_insn *p, size_t n, unsigned type, unsigned access, unsigned major, unsigned minor)
{
  unsigned long long r[11] = { 0 };
  unsigned ctx[3] = { (access << 16) | type, major, minor };
  for (size_t pc = 0; pc < n; pc++)
    {
      const struct bpf_insn *i = &p[pc];
      switch (i->code)
        {
        case BPF_LDX | BPF_W | BPF_MEM: r[i->dst_reg] = ctx[i->off / 4]; break;
        case BPF_ALU64 | BPF_MOV | BPF_X: r[i->dst_reg] = r[i->src_reg]; break;
        case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = (unsigned long long) (long long) i->imm; break;
        case BPF_ALU | BPF_AND | BPF_K: r[i->dst_reg] = (unsigned) (r[i->dst_reg] & (unsigned) i->imm); break;
        case BPF_ALU | BPF_RSH | BPF_K: r[i->dst_reg] = (unsigned) r[i->dst_reg] >> i->imm; break;
        case BPF_JMP32 | BPF_JNE | BPF_K:
          if ((unsigned) r[i->dst_reg] != (unsigned) i->imm)
            pc += (size_t) i->off;
          break;
        case BPF_JMP32 | BPF_JEQ | BPF_K:
          if ((unsigned) r[i->dst_reg] == (unsigned) i->imm)
            pc += (size_t) i->off;
          break;
        case BPF_JMP | BPF_EXIT: return (long long) r[0];
        default: return -1;
        }
    }
  return -2; /* fell off the end */
}

TEST (v2_device_program)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct bpf_insn *p = NULL;
  size_t n = 0;
  const unsigned C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK, R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE,
                 M = BPF_DEVCG_ACC_MKNOD;
  struct spec *s = spec_with ("\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                              " {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 237, \"access\": \"r\"},"
                              " {\"allow\": true, \"type\": \"b\", \"major\": 7, \"access\": \"rw\"}]}");
  CHECK (s && cgroup_v1_device_rules (s, &w, &err) == 0);
  CHECK (cgroup_bpfdev_build (&w, &p, &n, &err) == 0);
  CHECK (run_dev_prog (p, n, C, R | W, 1, 3) == 1);  /* /dev/null: runc's defaults */
  CHECK (run_dev_prog (p, n, C, R, 10, 237) == 1);   /* the config's, read */
  CHECK (run_dev_prog (p, n, C, W, 10, 237) == 0);   /* not write */
  CHECK (run_dev_prog (p, n, B, R | W, 7, 4) == 1);  /* any minor of 7 */
  CHECK (run_dev_prog (p, n, B, R, 8, 0) == 0);      /* a disk */
  CHECK (run_dev_prog (p, n, B, M, 8, 0) == 1);      /* mknod of any: runc's "b *:* m" */
  CHECK (run_dev_prog (p, n, C, R, 1, 11) == 0);     /* /dev/kmsg */
  CHECK (run_dev_prog (p, n, C, R | W, 136, 5) == 1); /* a pty */
  free (p);
  cg_writes_free (&w);
  spec_free (s);
  /* a narrow deny after a wide allow: rw asked for is refused, r is not */
  s = spec_with ("\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                 " {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rwm\"},"
                 " {\"allow\": false, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"w\"}]}");
  CHECK (s && cgroup_v1_device_rules (s, &w, &err) == 0);
  CHECK (cgroup_bpfdev_build (&w, &p, &n, &err) == 0);
  CHECK (run_dev_prog (p, n, C, R | W, 10, 229) == 0);
  CHECK (run_dev_prog (p, n, C, W, 10, 229) == 0);
  CHECK (run_dev_prog (p, n, C, R, 10, 229) == 1);
  free (p);
  cg_writes_free (&w);
  spec_free (s);
  /* numbers that would wrap into another device are refused */
  s = spec_with ("\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": 4294967306,"
                 " \"minor\": 229, \"access\": \"rwm\"}]}");
  CHECK (s && cgroup_v1_device_rules (s, &w, &err) < 0 && strstr (err->msg, "linux.resources.devices[0]"));
  urun_err_free (&err);
  cg_writes_free (&w);
  spec_free (s);
  s = spec_with ("\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": -7, \"access\": \"r\"}]}");
  CHECK (s && cgroup_v1_device_rules (s, &w, &err) < 0);
  cg_writes_free (&w);
  spec_free (s);
}

int
main (void)
{
  RUN (v2_limits_and_conversions);
  RUN (v2_conversions);
  RUN (v2_update_uses_what_it_has);
  RUN (v2_refusals_name_the_field);
  RUN (v2_device_program);
  RUN (v1_limits_in_order);
  RUN (v1_defaults_are_not_requests);
  RUN (v1_bad_fields_name_themselves);
  RUN (v1_device_rules);
  UNIT_DONE ();
}
