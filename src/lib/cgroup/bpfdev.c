/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the device rules on cgroup v2, where the device controller is a
 * BPF_CGROUP_DEVICE program attached to the cgroup (as runc and crun do).
 * The rules are v1's (v1_res.c: deny all, the config's, linux.devices,
 * runc's defaults), in order, the last matching one deciding: the program
 * checks them from the last to the first and the first match returns;
 * no match denies. */
#include <config.h>
#include "cgroup_priv.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 4096

struct prog
{
  struct bpf_insn v[MAX_INSNS];
  size_t n;
};

static void
emit (struct prog *p, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
  if (p->n < MAX_INSNS)
    p->v[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* One rule, "a" or "TYPE MAJOR:MINOR ACCESS" (v1's syntax), parsed. */
struct dev_rule
{
  int type; /* 0: any, BPF_DEVCG_DEV_CHAR or _BLOCK */
  long long major, minor; /* -1: any */
  int access;             /* BPF_DEVCG_ACC_* bits */
};

static int
parse_rule (const char *text, struct dev_rule *r)
{
  char t, maj[16], min[16], acc[8];
  memset (r, 0, sizeof *r);
  r->major = r->minor = -1;
  r->access = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  if (strcmp (text, "a") == 0)
    return 0;
  if (sscanf (text, "%c %15[^:]:%15s %7s", &t, maj, min, acc) != 4 || (t != 'c' && t != 'b'))
    return -1;
  r->type = t == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
  r->major = strcmp (maj, "*") == 0 ? -1 : atoll (maj);
  r->minor = strcmp (min, "*") == 0 ? -1 : atoll (min);
  r->access = (strchr (acc, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) | (strchr (acc, 'r') ? BPF_DEVCG_ACC_READ : 0)
              | (strchr (acc, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
  return 0;
}

/* r3 = type, r4 = access, r5 = major, r6 = minor (the prologue); each
 * test jumps past the rule's own return when it does not hold.  An allow
 * takes an access within its own; a deny, any access that has one of its
 * own (a deny of w refuses rw too, as v1 does).  The numbers are compared
 * as the 32 bits they are (JMP32). */
static void
emit_rule (struct prog *p, const struct dev_rule *r, bool allow)
{
  size_t jumps[4], nj = 0;
  const int all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  if (r->type)
    {
      jumps[nj++] = p->n;
      emit (p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_3, 0, 0, r->type);
    }
  if (r->access != all)
    {
      emit (p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_4, 0, 0);
      emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_7, 0, 0, allow ? ~r->access & all : r->access);
      jumps[nj++] = p->n;
      emit (p, BPF_JMP32 | (allow ? BPF_JNE : BPF_JEQ) | BPF_K, BPF_REG_7, 0, 0, 0);
    }
  if (r->major >= 0)
    {
      jumps[nj++] = p->n;
      emit (p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (__s32) (uint32_t) r->major);
    }
  if (r->minor >= 0)
    {
      jumps[nj++] = p->n;
      emit (p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_6, 0, 0, (__s32) (uint32_t) r->minor);
    }
  emit (p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, allow ? 1 : 0);
  emit (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  for (size_t i = 0; i < nj && p->n < MAX_INSNS; i++)
    p->v[jumps[i]].off = (__s16) (p->n - jumps[i] - 1);
}

int
cgroup_bpfdev_build (const struct cg_writes *rules, struct bpf_insn **out, size_t *n, urun_err *err)
{
  cleanup_free struct prog *p = xmalloc0 (sizeof *p);
  /* struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; } */
  emit (p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
  emit (p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
  emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_3, 0, 0, 0xffff);
  emit (p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0);
  emit (p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_4, 0, 0, 16);
  emit (p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 4, 0);
  emit (p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_6, BPF_REG_1, 8, 0);
  bool decided = false;
  for (size_t i = rules->n; i-- > 0 && !decided;)
    {
      struct dev_rule r;
      if (parse_rule (rules->v[i].value, &r) < 0)
        return urun_fail (err, 0, "`linux.resources.devices`: rule `%s` is not TYPE MAJOR:MINOR ACCESS",
                          rules->v[i].value);
      emit_rule (p, &r, strcmp (rules->v[i].file, "devices.allow") == 0);
      /* a rule for every device decides all that is left: what would
       * follow is unreachable, which the verifier refuses */
      decided = r.type == 0 && r.major < 0 && r.minor < 0 && r.access == 7;
    }
  if (!decided)
    {
      emit (p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
      emit (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }
  if (p->n >= MAX_INSNS)
    return urun_fail (err, 0, "`linux.resources.devices`: too many rules");
  *n = p->n;
  *out = xmalloc0 (p->n * sizeof **out);
  memcpy (*out, p->v, p->n * sizeof **out);
  return 0;
}

int
cgroup_v2_attach_devices (const char *path, const struct cg_writes *rules, urun_err *err)
{
  cleanup_free struct bpf_insn *insns = NULL;
  cleanup_close int dirfd = -1, prog = -1;
  union bpf_attr a;
  size_t n;
  if (cgroup_bpfdev_build (rules, &insns, &n, err) < 0)
    return -1;
  memset (&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (__u64) (uintptr_t) insns;
  a.insn_cnt = (__u32) n;
  a.license = (__u64) (uintptr_t) "Apache-2.0";
  prog = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
  if (prog < 0 && errno == EINVAL)
    {
      /* the verifier's reason, for the message */
      cleanup_free char *log = xmalloc0 (65536);
      int e;
      a.log_buf = (__u64) (uintptr_t) log;
      a.log_size = 65536;
      a.log_level = 1;
      prog = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
      e = errno;
      if (prog < 0)
        {
          log[strcspn (log, "\n")] = '\0';
          return urun_fail (err, e, "`linux.resources.devices`: the kernel refused the device program (%s)", log);
        }
    }
  if (prog < 0)
    return urun_fail (err, errno, "`linux.resources.devices`: load the device program");
  if ((dirfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return urun_fail (err, errno, "open cgroup %s", path);
  memset (&a, 0, sizeof a);
  a.target_fd = (__u32) dirfd;
  a.attach_bpf_fd = (__u32) prog;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall (SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
    return urun_fail (err, errno, "`linux.resources.devices`: attach the device program to %s", path);
  return 0;
}
