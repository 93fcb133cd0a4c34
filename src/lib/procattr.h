/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what the kernel keeps per process besides its identity, as the
 * config asks for it: process.scheduler, process.ioPriority,
 * process.execCPUAffinity, linux.personality, and the LSM labels
 * (process.apparmorProfile, process.selinuxLabel, linux.mountLabel).
 * Parsed with the config (pure), checked against the host before anything
 * is made (an LSM label on a host without that LSM is refused, as runc
 * and crun do), applied by the container's process before its seccomp
 * filter is loaded. */
#ifndef URUN_PROCATTR_H
#define URUN_PROCATTR_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "json.h"

struct procattr
{
  bool has_sched;
  int sched_policy;
  int sched_nice, sched_priority;
  uint64_t sched_flags, sched_runtime, sched_deadline, sched_period;
  bool has_ioprio;
  int ioprio; /* IOPRIO_PRIO_VALUE (class, level) */
  char *cpus_initial, *cpus_final; /* execCPUAffinity lists, "0-3,7" */
  bool has_personality;
  unsigned long personality;
  char *apparmor_profile, *selinux_label, *mount_label;
};

/* The process object's fields (field names "process.scheduler", ...). */
int procattr_parse_process (const json_node *process, struct procattr *a, urun_err *err);
/* linux.personality and linux.mountLabel; linux.intelRdt,
 * linux.netDevices and linux.memoryPolicy are refused, naming them. */
int procattr_parse_linux (const json_node *lx, struct procattr *a, urun_err *err);
void procattr_free (struct procattr *a);
/* A deep copy (exec's process inherits the container's). */
void procattr_copy (struct procattr *dst, const struct procattr *src);

/* Parse a CPU list ("0-3,7") into a mask; false if malformed. */
bool procattr_parse_cpus (const char *list, uint64_t mask[16]);

/* Refuse what this host cannot do: an LSM label without that LSM. */
int procattr_check_host (const struct procattr *process, const struct procattr *lx, urun_err *err);
/* The data of a mount of `type` with linux.mountLabel: data plus
 * context="label" (allocated), or NULL when it stays as it is (no label,
 * or a filesystem the kernel labels itself: proc, sysfs, cgroup, mqueue). */
char *procattr_mount_data (const char *type, const char *data, const char *label);

/* In the container's process: scheduler, I/O priority, CPU affinity
 * (final, else initial), personality; the LSM label its execve takes,
 * written through procfd (a checked /proc, procfs.h). */
int procattr_apply (const struct procattr *process, const struct procattr *lx, int procfd, urun_err *err);

#endif
