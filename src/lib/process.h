/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the container's process: look-up of the program, environment,
 * working directory, rlimits, user and groups, capabilities (libcap),
 * noNewPrivileges, oomScoreAdj, and the final execve. */
#ifndef URUN_PROCESS_H
#define URUN_PROCESS_H

#include <stdbool.h>
#include "error.h"
#include "spec.h"

struct process_plan
{
  const struct spec_process *p;
  void *seccomp;          /* compiled filter to load (seccomp.h), or NULL */
  int seccomp_notify_fd;  /* set by process_finalize when the filter notifies */
  char *exe;   /* resolved program path */
  char **env;  /* the config's env, plus HOME if it has none */
  int preserve_fds;
};

/* Before start: find the program in the container's PATH and fill the
 * environment, so a missing program fails `create`, not `start`. */
int process_prepare (struct process_plan *plan, const struct spec_process *p, int preserve_fds, urun_err *err);
void process_plan_free (struct process_plan *plan);

/* Read the system's default rlimits (those of the host's init, from
 * /proc/1/limits) before the container's /proc hides them: rlimits the
 * config does not set are reset to these, so the caller's shell limits do
 * not leak into the container. */
void process_load_default_rlimits (void);

/* oom_score_adj: must run while the process still has its privileges. */
int process_set_oom_score_adj (int procfd, const struct spec_process *p, urun_err *err);
/* rlimits, cwd, groups, uid/gid, capabilities, NNP, umask: the process's
 * final identity, taken before it waits for `start` (as runc does).
 * fds_needed: descriptors the caller still opens afterwards; a
 * RLIMIT_NOFILE that leaves no room for them is an error naming it. */
int process_finalize (struct process_plan *plan, int fds_needed, urun_err *err);
/* Close-on-exec everything but 0-2 and the preserved fds, default signal
 * mask and dispositions, execve.  Returns only on failure. */
int process_execve (struct process_plan *plan, urun_err *err);

/* Parse "SIGTERM", "TERM", "15" into a signal number; -1 if unknown. */
int process_parse_signal (const char *s);

#endif
