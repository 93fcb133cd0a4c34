/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "seccomp.h"
#include "bpf_eval.h"
#include "json.h"
#include "log.h"
#include "unixsock.h"
#include "util.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int
parse_action (const char *name, bool has_errno, uint32_t errno_ret, uint32_t *out, const char *field, urun_err *err)
{
  uint32_t e = has_errno ? errno_ret : EPERM;
  if (strcmp (name, "SCMP_ACT_KILL") == 0 || strcmp (name, "SCMP_ACT_KILL_THREAD") == 0)
    *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp (name, "SCMP_ACT_KILL_PROCESS") == 0)
    *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (name, "SCMP_ACT_TRAP") == 0)
    *out = SCMP_ACT_TRAP;
  else if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO (e);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE (e);
  else if (strcmp (name, "SCMP_ACT_ALLOW") == 0)
    *out = SCMP_ACT_ALLOW;
  else if (strcmp (name, "SCMP_ACT_LOG") == 0)
    *out = SCMP_ACT_LOG;
  else if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    *out = SCMP_ACT_NOTIFY;
  else
    return urun_fail (err, 0, "`%s`: unknown seccomp action `%s`", field, name);
  return 0;
}

/* every name parse_action knows (features; a unit test parses each) */
static const char *const action_names[] = { "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                            "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
                                            "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", NULL };

static const struct
{
  const char *name;
  enum scmp_compare op;
} ops[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* The flags go to seccomp(2) itself: urun loads the filter libseccomp
 * built, so every flag the kernel knows is available (libseccomp 2.5 has no
 * attribute for WAIT_KILLABLE_RECV). */
static const struct
{
  const char *name;
  unsigned int flag;
} flag_names[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", 1U << 0 },
  { "SECCOMP_FILTER_FLAG_LOG", 1U << 1 },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1U << 2 },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1U << 5 },
};

/* the architectures of the spec's list (features) */
static const char *const arch_names[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
                                          "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
                                          "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
                                          "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
                                          "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
                                          "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", "SCMP_ARCH_PARISC",
                                          "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", NULL };

static int
parse_op (const char *op, enum scmp_compare *out, const char *field, urun_err *err)
{
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (strcmp (ops[i].name, op) == 0)
      {
        *out = ops[i].op;
        return 0;
      }
  return urun_fail (err, 0, "`%s`: unknown seccomp operator `%s`", field, op);
}

/* SCMP_ARCH_X86_64 or x86_64: libseccomp's token, 0 if it has none */
static uint32_t
arch_resolve (const char *name)
{
  char lower[64];
  const char *p = strncmp (name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
  size_t i;
  for (i = 0; p[i] && i < sizeof lower - 1; i++)
    lower[i] = tolower ((unsigned char) p[i]);
  lower[i] = '\0';
  return seccomp_arch_resolve_name (lower);
}

static int
add_arch (scmp_filter_ctx ctx, const char *name, urun_err *err)
{
  uint32_t arch = arch_resolve (name);
  int r;
  if (arch == 0)
    return urun_fail (err, 0, "`linux.seccomp.architectures`: unknown architecture `%s`", name);
  r = seccomp_arch_add (ctx, arch);
  if (r < 0 && r != -EEXIST)
    return urun_fail (err, -r, "`linux.seccomp.architectures`: add `%s`", name);
  return 0;
}

static int
parse_flag (const char *flag, unsigned int *flags, urun_err *err)
{
  for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names; i++)
    if (strcmp (flag_names[i].name, flag) == 0)
      {
        *flags |= flag_names[i].flag;
        return 0;
      }
  return urun_fail (err, 0, "`linux.seccomp.flags`: unknown flag `%s`", flag);
}

static int
add_rule (scmp_filter_ctx ctx, uint32_t default_action, const struct spec_seccomp_rule *r, const char *field, urun_err *err)
{
  uint32_t action;
  struct scmp_arg_cmp cmp[6];
  bool repeated_index = false;

  if (parse_action (r->action, r->has_errno_ret, r->errno_ret, &action, field, err) < 0)
    return -1;
  if (r->n_args > 6)
    return urun_fail (err, 0, "`%s.args`: at most 6 arguments", field);
  for (size_t j = 0; j < r->n_args; j++)
    {
      enum scmp_compare op = SCMP_CMP_EQ;
      if (parse_op (r->args[j].op, &op, field, err) < 0)
        return -1;
      if (r->args[j].index > 5)
        return urun_fail (err, 0, "`%s.args[%zu].index`: %u is not 0..5", field, j, r->args[j].index);
      cmp[j] = (struct scmp_arg_cmp){ .arg = r->args[j].index, .op = op, .datum_a = r->args[j].value, .datum_b = r->args[j].value_two };
      for (size_t k = 0; k < j; k++)
        if (cmp[k].arg == cmp[j].arg)
          repeated_index = true;
    }
  if (action == default_action)
    return 0; /* libseccomp refuses rules that repeat the default */
  for (size_t i = 0; r->names[i]; i++)
    {
      int nr = seccomp_syscall_resolve_name (r->names[i]);
      int ret = 0;
      if (nr == __NR_SCMP_ERROR)
        {
          urun_debug ("seccomp: syscall `%s` unknown to libseccomp, skipped", r->names[i]);
          continue;
        }
      /* conditions on the same argument are alternatives (runc's reading):
       * one rule each; otherwise one rule with all of them */
      /* not "exact": libseccomp translates for each architecture (e.g.
       * accept through socketcall on x86) */
      if (repeated_index)
        for (size_t j = 0; j < r->n_args && ret == 0; j++)
          ret = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[j]);
      else
        ret = seccomp_rule_add_array (ctx, action, nr, r->n_args, cmp);
      if (ret < 0)
        return urun_fail (err, -ret, "`%s`: add rule for `%s`", field, r->names[i]);
    }
  return 0;
}

struct urun_seccomp
{
  struct sock_fprog prog;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
};

/* The BPF program libseccomp generated, through a memfd. */
static int
export_bpf (scmp_filter_ctx ctx, struct sock_fprog *prog, urun_err *err)
{
  cleanup_close int fd = memfd_create ("urun-seccomp", MFD_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t len;
  int r;

  if (fd < 0)
    return urun_fail (err, errno, "memfd_create");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return urun_fail (err, -r, "export the seccomp filter");
  if (lseek (fd, 0, SEEK_SET) < 0 || read_all_fd (fd, &buf, &len, err) < 0)
    return urun_fail (err, errno, "read the seccomp filter");
  if (len == 0 || len % sizeof (struct sock_filter) || len / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return urun_fail (err, 0, "linux.seccomp: the filter has %zu instructions, the kernel takes at most %d",
                      len / sizeof (struct sock_filter), BPF_MAXINSNS);
  prog->len = len / sizeof (struct sock_filter);
  prog->filter = steal_ptr (&buf);
  return 0;
}

bool
seccomp_spec_notifies (const struct spec_seccomp *s)
{
  if (strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0)
    return true;
  for (size_t i = 0; i < s->n_rules; i++)
    if (strcmp (s->rules[i].action, "SCMP_ACT_NOTIFY") == 0)
      return true;
  return false;
}

int
seccomp_compile (const struct spec_seccomp *s, urun_seccomp_filter *out, urun_err *err)
{
  struct urun_seccomp *f;
  unsigned int flags = 0;
  uint32_t def;
  scmp_filter_ctx ctx;
  int r = -1;

  if (parse_action (s->default_action, s->has_default_errno_ret, s->default_errno_ret, &def,
                    "linux.seccomp.defaultAction", err) < 0)
    return -1;
  for (size_t i = 0; s->flags && s->flags[i]; i++)
    if (parse_flag (s->flags[i], &flags, err) < 0)
      return -1;
  /* WAIT_KILLABLE_RECV is about the listener: without one the kernel
   * refuses it, and it has nothing to change */
  if (!seccomp_spec_notifies (s) && (flags & (1U << 5)))
    {
      urun_debug ("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY rule");
      flags &= ~(1U << 5);
    }
  if (seccomp_spec_notifies (s))
    {
      if (s->listener_path == NULL)
        return urun_fail (err, 0, "`linux.seccomp.listenerPath`: needed by SCMP_ACT_NOTIFY");
      flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      /* TSYNC and a listener go together only with TSYNC_ESRCH */
      if (flags & SECCOMP_FILTER_FLAG_TSYNC)
        flags |= 1U << 4;
    }
  ctx = seccomp_init (def);
  if (ctx == NULL)
    return urun_fail (err, 0, "`linux.seccomp.defaultAction`: seccomp_init failed");
  for (size_t i = 0; s->architectures && s->architectures[i]; i++)
    if (add_arch (ctx, s->architectures[i], err) < 0)
      goto out;
  for (size_t i = 0; i < s->n_rules; i++)
    {
      char field[64];
      snprintf (field, sizeof field, "linux.seccomp.syscalls[%zu]", i);
      if (add_rule (ctx, def, &s->rules[i], field, err) < 0)
        goto out;
    }
  f = xmalloc0 (sizeof *f);
  f->flags = flags;
  if (export_bpf (ctx, &f->prog, err) < 0)
    {
      free (f);
      goto out;
    }
  *out = f;
  r = 0;
out:
  seccomp_release (ctx);
  return r;
}

void
seccomp_filter_free (urun_seccomp_filter filter)
{
  struct urun_seccomp *f = filter;
  if (f)
    {
      free (f->prog.filter);
      free (f);
    }
}

bool
seccomp_filter_notifies (urun_seccomp_filter filter)
{
  struct urun_seccomp *f = filter;
  return f && (f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

int
seccomp_load_filter (urun_seccomp_filter filter, int *notify_fd, urun_err *err)
{
  struct urun_seccomp *f = filter;
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &f->prog);
  *notify_fd = -1;
  if (r < 0)
    {
      if (errno == EINVAL && f->flags)
        return urun_fail (err, errno, "load the seccomp filter (does this kernel know every flag in linux.seccomp.flags?)");
      return urun_fail (err, errno, "load the seccomp filter");
    }
  if (f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
    *notify_fd = r;
  return 0;
}

/* seccomp_data.arch for this process's syscalls.  libseccomp's
 * architecture tokens are the AUDIT_ARCH_* values, but for x32: the kernel
 * reports an x32 syscall as AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT in the
 * number (the numbers of <sys/syscall.h> and of libseccomp's resolver
 * carry the bit already). */
static uint32_t
native_audit_arch (void)
{
  uint32_t arch = seccomp_arch_native ();
#ifdef SCMP_ARCH_X32
  if (arch == SCMP_ARCH_X32)
    return AUDIT_ARCH_X86_64;
#endif
  return arch;
}

int
seccomp_filter_action (urun_seccomp_filter filter, long syscall_nr, const uint64_t args[6], uint32_t *action,
                       urun_err *err)
{
  struct urun_seccomp *f = filter;
  struct seccomp_data data = { 0 };

  if (syscall_nr < INT_MIN || syscall_nr > INT_MAX)
    return urun_fail (err, 0, "seccomp: syscall number %ld out of range", syscall_nr);
  data.nr = (int) syscall_nr;
  data.arch = native_audit_arch ();
  if (args)
    memcpy (data.args, args, sizeof data.args);
  if (bpf_eval (f->prog.filter, f->prog.len, &data, action, err) < 0)
    return urun_err_wrap (err, "linux.seccomp");
  return 0;
}

bool
seccomp_action_lets_through (uint32_t action)
{
  switch (action & SECCOMP_RET_ACTION_FULL)
    {
    case SECCOMP_RET_ALLOW:
    case SECCOMP_RET_LOG:
      return true;
    default:
      /* the kill actions, TRAP, ERRNO; USER_NOTIF and TRACE: see seccomp.h;
       * the kernel takes an unknown action for KILL_PROCESS */
      return false;
    }
}

/* What the filter does with `name` (zero arguments): 1 lets it through,
 * 2 hands it to the listener, 0 anything else (denies, kills, traps). */
static int
filter_verdict (urun_seccomp_filter f, const char *name, urun_err *err)
{
  int nr = seccomp_syscall_resolve_name (name);
  uint32_t action;
  if (nr == __NR_SCMP_ERROR)
    return 1; /* not a syscall of this architecture */
  if (seccomp_filter_action (f, nr, NULL, &action, err) < 0)
    return -1;
  if (seccomp_action_lets_through (action))
    return 1;
  return (action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF ? 2 : 0;
}

/* Each name must be let through (or, with notify_ok, be the listener's). */
static int
require_calls (urun_seccomp_filter f, const char *const *names, bool notify_ok, const char *when, urun_err *err)
{
  for (; *names; names++)
    {
      int v = filter_verdict (f, *names, err);
      if (v < 0)
        return -1;
      if (v == 1 || (v == 2 && notify_ok))
        continue;
      return urun_fail (err, 0, "the filter %s `%s`, which urun calls %s", v == 2 ? "sends to the listener" : "denies",
                        *names, when);
    }
  return 0;
}

int
seccomp_check_runnable (urun_seccomp_filter f, bool nnp, bool waits_for_start, urun_err *err)
{
  /* exit_group: a process that cannot exit cannot even fail */
  static const char *const always[] = { "exit_group", NULL };
  /* without noNewPrivileges the filter is loaded before the user, groups
   * and capabilities are set */
  static const char *const identity[] = { "chdir", "getcwd", "capset", "setgroups", "setresgid", "setresuid", "umask",
                                          NULL };
  /* between loading it and handing the listener its fd (step 8) nothing
   * may wait on the listener; then the wait for start and the execve */
  static const char *const before_fd[] = { "prctl", "sendmsg", "close", NULL };
  static const char *const after_fd[] = { "recvmsg", "fcntl", "rt_sigprocmask", "rt_sigaction", "execve", NULL };
  static const char *const accept[] = { "accept4", NULL };

  if (require_calls (f, always, false, "to exit", err) < 0)
    return -1;
  if (!nnp && require_calls (f, identity, false, "after loading it without process.noNewPrivileges (set that, and "
                                                 "the filter is loaded after the process's user and capabilities)",
                             err) < 0)
    return -1;
  if (require_calls (f, before_fd, false, "after loading it, before the listener can answer", err) < 0
      || require_calls (f, after_fd, true, "to wait for start and run the program", err) < 0)
    return -1;
  return waits_for_start ? require_calls (f, accept, true, "to wait for start", err) : 0;
}

int
seccomp_send_to_listener (const struct spec_seccomp *s, int notify_fd, pid_t pid, const char *state_json, urun_err *err)
{
  cleanup_close int sock = -1;
  cleanup_json json_node *state = NULL;
  json_writer *w;
  const char *text;
  size_t len;
  int r;

  if (s->listener_path == NULL)
    return urun_fail (err, 0, "`linux.seccomp.listenerPath`: needed by SCMP_ACT_NOTIFY");
  if (unixsock_connect (s->listener_path, SOCK_STREAM, &sock, err) < 0)
    return urun_err_wrap (err, "linux.seccomp.listenerPath");
  state = json_parse (state_json, strlen (state_json), err);
  if (state == NULL)
    return -1;
  /* the spec's "Container Process State" */
  w = json_writer_new (false);
  json_w_open_object (w);
  json_w_key (w, "ociVersion");
  json_w_string (w, SPEC_OCI_VERSION_MAX);
  json_w_key (w, "fds");
  json_w_open_array (w);
  json_w_string (w, "seccompFd");
  json_w_close_array (w);
  json_w_key (w, "pid");
  json_w_int (w, pid);
  json_w_key (w, "metadata");
  json_w_string (w, s->listener_metadata ? s->listener_metadata : "");
  json_w_key (w, "state");
  json_w_node (w, state);
  json_w_close_object (w);
  text = json_writer_text (w, &len);
  r = unixsock_send (sock, text, len, notify_fd, err);
  json_writer_free (w);
  return r < 0 ? urun_err_wrap (err, "linux.seccomp.listenerPath") : 0;
}

/* ---- what urun knows (features) ---- */

/* arch_names[j] can be in a filter here: libseccomp knows it and can add
 * it beside the native one (not one of the other byte order) */
static bool
arch_usable (size_t j)
{
  static uint64_t usable, probed;
  if (!(probed & (1ULL << j)))
    {
      uint32_t a = arch_resolve (arch_names[j]);
      scmp_filter_ctx ctx = a ? seccomp_init (SCMP_ACT_ALLOW) : NULL;
      int r = ctx ? seccomp_arch_add (ctx, a) : -1;
      if (r == 0 || r == -EEXIST)
        usable |= 1ULL << j;
      probed |= 1ULL << j;
      if (ctx)
        seccomp_release (ctx);
    }
  return usable & (1ULL << j);
}

const char *
seccomp_known_name (enum seccomp_name_kind k, size_t i)
{
  const size_t nops = sizeof ops / sizeof *ops, nflags = sizeof flag_names / sizeof *flag_names;
  switch (k)
    {
    case SECCOMP_NAME_ACTION:
      return i < sizeof action_names / sizeof *action_names ? action_names[i] : NULL;
    case SECCOMP_NAME_OPERATOR:
      return i < nops ? ops[i].name : NULL;
    case SECCOMP_NAME_FLAG:
      return i < nflags ? flag_names[i].name : NULL;
    case SECCOMP_NAME_ARCH:
      for (size_t j = 0; arch_names[j]; j++)
        if (arch_usable (j) && i-- == 0)
          return arch_names[j];
      return NULL;
    }
  return NULL;
}

bool
seccomp_flag_supported (const char *name)
{
  for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names; i++)
    if (strcmp (flag_names[i].name, name) == 0)
      {
        /* an unknown flag is EINVAL; a known one fails on the NULL program
         * (WAIT_KILLABLE_RECV is valid only with a listener) */
        unsigned int f = flag_names[i].flag;
        if (f == 1U << 5)
          f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, NULL) < 0 && errno == EFAULT;
      }
  return false;
}
