/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "procattr.h"
#include "procfs.h"
#include "spec_get.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <sys/personality.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

struct name_value
{
  const char *name;
  long long value;
};

static int
lookup (const struct name_value *t, size_t n, const char *name, long long *out)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (t[i].name, name) == 0)
      {
        *out = t[i].value;
        return 0;
      }
  return -1;
}

#define N_OF(t) (sizeof (t) / sizeof *(t))

static int
get_u64 (const json_node *n, const char *field, uint64_t *out, urun_err *err)
{
  long long v;
  if (get_int (n, field, 0, INT64_MAX, &v, err) < 0)
    return -1;
  *out = v;
  return 0;
}

static int
parse_sched_flags (const json_node *f, struct procattr *a, urun_err *err)
{
  static const struct name_value flags[] = {
    { "SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK }, { "SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM },
    { "SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN },       { "SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY },
    { "SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS },     { "SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN },
    { "SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX },
  };
  cleanup_strv char **v = NULL;
  if (get_strv (f, "process.scheduler.flags", &v, err) < 0)
    return -1;
  for (size_t i = 0; v[i]; i++)
    {
      long long fl;
      if (lookup (flags, N_OF (flags), v[i], &fl) < 0)
        return urun_fail (err, 0, "`process.scheduler.flags[%zu]`: unknown flag `%s`", i, quote (v[i]));
      a->sched_flags |= fl;
    }
  return 0;
}

static int
parse_scheduler (const json_node *o, struct procattr *a, urun_err *err)
{
  static const struct name_value policies[] = {
    { "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
    { "SCHED_BATCH", SCHED_BATCH }, { "SCHED_IDLE", SCHED_IDLE }, { "SCHED_DEADLINE", SCHED_DEADLINE },
  };
  const json_node *v;
  long long x;
  if (get_object (o, "process.scheduler", err) < 0)
    return -1;
  if ((v = json_get (o, "policy")) == NULL)
    return urun_fail (err, 0, "`process.scheduler.policy`: missing");
  if (json_kind (v) != JSON_STRING)
    return type_error ("process.scheduler.policy", v, "string", err);
  if (lookup (policies, N_OF (policies), json_string (v), &x) < 0)
    return urun_fail (err, 0, "`process.scheduler.policy`: `%s` is not a Linux scheduling policy",
                      quote (json_string (v)));
  a->sched_policy = x;
  a->has_sched = true;
  if ((v = json_get (o, "nice")) && get_int (v, "process.scheduler.nice", -20, 19, &x, err) < 0)
    return -1;
  a->sched_nice = v ? x : 0;
  if ((v = json_get (o, "priority")) && get_int (v, "process.scheduler.priority", 0, 99, &x, err) < 0)
    return -1;
  a->sched_priority = v ? x : 0;
  if ((v = json_get (o, "flags")) && parse_sched_flags (v, a, err) < 0)
    return -1;
  if ((v = json_get (o, "runtime")) && get_u64 (v, "process.scheduler.runtime", &a->sched_runtime, err) < 0)
    return -1;
  if ((v = json_get (o, "deadline")) && get_u64 (v, "process.scheduler.deadline", &a->sched_deadline, err) < 0)
    return -1;
  if ((v = json_get (o, "period")) && get_u64 (v, "process.scheduler.period", &a->sched_period, err) < 0)
    return -1;
  return 0;
}

static int
parse_ioprio (const json_node *o, struct procattr *a, urun_err *err)
{
  static const struct name_value classes[] = {
    { "IOPRIO_CLASS_RT", 1 }, { "IOPRIO_CLASS_BE", 2 }, { "IOPRIO_CLASS_IDLE", 3 } };
  const json_node *v;
  long long cls, level = 0;
  if (get_object (o, "process.ioPriority", err) < 0)
    return -1;
  if ((v = json_get (o, "class")) == NULL)
    return urun_fail (err, 0, "`process.ioPriority.class`: missing");
  if (json_kind (v) != JSON_STRING || lookup (classes, N_OF (classes), json_string (v), &cls) < 0)
    return urun_fail (err, 0, "`process.ioPriority.class`: expected IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or "
                              "IOPRIO_CLASS_IDLE");
  if ((v = json_get (o, "priority")) && get_int (v, "process.ioPriority.priority", 0, 7, &level, err) < 0)
    return -1;
  a->ioprio = (int) (cls << 13 | level);
  a->has_ioprio = true;
  return 0;
}

bool
procattr_parse_cpus (const char *list, uint64_t mask[16])
{
  const char *p = list;
  memset (mask, 0, 16 * sizeof *mask);
  if (*p == '\0')
    return false;
  while (*p)
    {
      char *end;
      unsigned long lo, hi;
      if (*p < '0' || *p > '9')
        return false;
      lo = hi = strtoul (p, &end, 10);
      if (*end == '-')
        {
          if (end[1] < '0' || end[1] > '9')
            return false;
          hi = strtoul (end + 1, &end, 10);
        }
      if (lo > hi || hi >= 1024)
        return false;
      for (unsigned long c = lo; c <= hi; c++)
        mask[c / 64] |= 1ULL << (c % 64);
      if (*end == ',' && end[1])
        end++;
      else if (*end)
        return false;
      p = end;
    }
  return true;
}

static int
parse_cpus (const json_node *o, const char *key, char **out, urun_err *err)
{
  const json_node *v = json_get (o, key);
  uint64_t mask[16];
  char field[64];
  snprintf (field, sizeof field, "process.execCPUAffinity.%s", key);
  if (v == NULL)
    return 0;
  if (get_string (v, field, out, err) < 0)
    return -1;
  if (!procattr_parse_cpus (*out, mask))
    return urun_fail (err, 0, "`%s`: `%s` is not a CPU list (like 0-3,7)", field, quote (*out));
  return 0;
}

/* "" is no label (engines write it so) */
static int
get_label (const json_node *o, const char *key, const char *field, char **out, urun_err *err)
{
  const json_node *v = json_get (o, key);
  if (v == NULL || (json_kind (v) == JSON_STRING && json_string (v)[0] == '\0'))
    return 0;
  return get_string (v, field, out, err);
}

int
procattr_parse_process (const json_node *o, struct procattr *a, urun_err *err)
{
  const json_node *v;
  if ((v = json_get (o, "scheduler")) && parse_scheduler (v, a, err) < 0)
    return -1;
  if ((v = json_get (o, "ioPriority")) && parse_ioprio (v, a, err) < 0)
    return -1;
  if ((v = json_get (o, "execCPUAffinity")))
    {
      if (get_object (v, "process.execCPUAffinity", err) < 0 || parse_cpus (v, "initial", &a->cpus_initial, err) < 0
          || parse_cpus (v, "final", &a->cpus_final, err) < 0)
        return -1;
    }
  if (get_label (o, "apparmorProfile", "process.apparmorProfile", &a->apparmor_profile, err) < 0
      || get_label (o, "selinuxLabel", "process.selinuxLabel", &a->selinux_label, err) < 0)
    return -1;
  return 0;
}

static int
parse_personality (const json_node *o, struct procattr *a, urun_err *err)
{
  static const struct name_value domains[] = { { "LINUX", PER_LINUX }, { "LINUX32", PER_LINUX32 } };
  const json_node *v;
  long long d;
  if (get_object (o, "linux.personality", err) < 0)
    return -1;
  v = json_get (o, "domain");
  if (v == NULL || json_kind (v) != JSON_STRING || lookup (domains, N_OF (domains), json_string (v), &d) < 0)
    return urun_fail (err, 0, "`linux.personality.domain`: expected LINUX or LINUX32");
  if ((v = json_get (o, "flags")) && (json_kind (v) != JSON_ARRAY || json_len (v) > 0))
    return urun_fail (err, 0, "`linux.personality.flags`: no flags are defined; urun takes none");
  a->personality = d;
  a->has_personality = true;
  return 0;
}

int
procattr_parse_linux (const json_node *lx, struct procattr *a, urun_err *err)
{
  static const char *const refused[] = { "intelRdt", "netDevices", "memoryPolicy" };
  const json_node *v;
  for (size_t i = 0; i < N_OF (refused); i++)
    if ((v = json_get (lx, refused[i])) && json_kind (v) != JSON_NULL)
      return urun_fail (err, 0, "`linux.%s`: not supported by urun", refused[i]);
  if ((v = json_get (lx, "personality")) && parse_personality (v, a, err) < 0)
    return -1;
  return get_label (lx, "mountLabel", "linux.mountLabel", &a->mount_label, err);
}

void
procattr_free (struct procattr *a)
{
  free (a->cpus_initial);
  free (a->cpus_final);
  free (a->apparmor_profile);
  free (a->selinux_label);
  free (a->mount_label);
  memset (a, 0, sizeof *a);
}

static char *
dup_or_null (const char *s)
{
  return s ? xstrdup (s) : NULL;
}

void
procattr_copy (struct procattr *dst, const struct procattr *src)
{
  *dst = *src;
  dst->cpus_initial = dup_or_null (src->cpus_initial);
  dst->cpus_final = dup_or_null (src->cpus_final);
  dst->apparmor_profile = dup_or_null (src->apparmor_profile);
  dst->selinux_label = dup_or_null (src->selinux_label);
  dst->mount_label = dup_or_null (src->mount_label);
}

static bool
apparmor_enabled (void)
{
  char c = 0;
  int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  if (read (fd, &c, 1) != 1)
    c = 0;
  close (fd);
  return c == 'Y';
}

static bool
selinux_enabled (void)
{
  struct statfs sf;
  return statfs ("/sys/fs/selinux", &sf) == 0 && sf.f_type == SELINUX_MAGIC;
}

int
procattr_check_host (const struct procattr *p, const struct procattr *lx, urun_err *err)
{
  if (p && p->apparmor_profile && !apparmor_enabled ())
    return urun_fail (err, 0, "`process.apparmorProfile`: AppArmor is not enabled on this host");
  if (p && p->selinux_label && !selinux_enabled ())
    return urun_fail (err, 0, "`process.selinuxLabel`: SELinux is not enabled on this host");
  if (lx && lx->mount_label && !selinux_enabled ())
    return urun_fail (err, 0, "`linux.mountLabel`: SELinux is not enabled on this host");
  return 0;
}

char *
procattr_mount_data (const char *type, const char *data, const char *label)
{
  /* the kernel's own labels for these (runc and crun leave them too) */
  static const char *const unlabelled[] = { "proc", "sysfs", "cgroup", "cgroup2", "mqueue", "bind", NULL };
  if (label == NULL || *label == '\0' || type == NULL)
    return NULL;
  for (size_t i = 0; unlabelled[i]; i++)
    if (strcmp (type, unlabelled[i]) == 0)
      return NULL;
  return data && *data ? xasprintf ("%s,context=\"%s\"", data, label) : xasprintf ("context=\"%s\"", label);
}

/* struct sched_attr of sched_setattr(2) */
struct urun_sched_attr
{
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

static int
apply_cpus (const char *list, urun_err *err)
{
  uint64_t mask[16];
  cpu_set_t set;
  CPU_ZERO (&set);
  procattr_parse_cpus (list, mask);
  for (int c = 0; c < 1024 && c < CPU_SETSIZE; c++)
    if (mask[c / 64] & (1ULL << (c % 64)))
      CPU_SET (c, &set);
  if (sched_setaffinity (0, sizeof set, &set) < 0)
    return urun_fail (err, errno, "process.execCPUAffinity: `%s`", list);
  return 0;
}

static int
apply_lsm (const struct procattr *p, int procfd, urun_err *err)
{
  if (p->apparmor_profile)
    {
      cleanup_free char *cmd = xasprintf ("exec %s", p->apparmor_profile);
      cleanup_err urun_err e = NULL;
      if (procfs_write (procfd, "thread-self/attr/apparmor/exec", cmd, strlen (cmd), &e) < 0
          && procfs_write (procfd, "thread-self/attr/exec", cmd, strlen (cmd), err) < 0)
        return urun_err_wrap (err, "process.apparmorProfile `%s`", quote (p->apparmor_profile));
    }
  if (p->selinux_label
      && procfs_write (procfd, "thread-self/attr/exec", p->selinux_label, strlen (p->selinux_label), err) < 0)
    return urun_err_wrap (err, "process.selinuxLabel `%s`", quote (p->selinux_label));
  return 0;
}

int
procattr_apply (const struct procattr *p, const struct procattr *lx, int procfd, urun_err *err)
{
  if (p && p->has_sched)
    {
      struct urun_sched_attr sa = { .size = sizeof sa, .sched_policy = p->sched_policy, .sched_flags = p->sched_flags,
                                    .sched_nice = p->sched_nice, .sched_priority = p->sched_priority,
                                    .sched_runtime = p->sched_runtime, .sched_deadline = p->sched_deadline,
                                    .sched_period = p->sched_period };
      if (syscall (SYS_sched_setattr, 0, &sa, 0) < 0)
        return urun_fail (err, errno, "process.scheduler");
    }
  if (p && p->has_ioprio && syscall (SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, p->ioprio) < 0)
    return urun_fail (err, errno, "process.ioPriority");
  if (p && (p->cpus_final || p->cpus_initial) && apply_cpus (p->cpus_final ? p->cpus_final : p->cpus_initial, err) < 0)
    return -1;
  if (lx && lx->has_personality && personality (lx->personality) < 0)
    return urun_fail (err, errno, "linux.personality");
  if (p && (p->apparmor_profile || p->selinux_label) && apply_lsm (p, procfd, err) < 0)
    return -1;
  return 0;
}
