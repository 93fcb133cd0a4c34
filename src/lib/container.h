/* urun: the container lifecycle.  Orchestration only: each step is a call
 * into the module that owns it. */
#ifndef URUN_CONTAINER_H
#define URUN_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"
#include "state.h"

struct urun_context
{
  const char *state_root; /* resolved state root */
  bool systemd_cgroup;
};

struct create_opts
{
  const char *id;
  const char *bundle;
  const char *pid_file;
  const char *console_socket;
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  bool detach; /* run -d */
};

int container_create (struct urun_context *ctx, const struct create_opts *o, urun_err *err);
int container_start (struct urun_context *ctx, const char *id, urun_err *err);
/* Returns the container's exit code (128+N for signal N), or -1. */
int container_run (struct urun_context *ctx, const struct create_opts *o, urun_err *err);
int container_kill (struct urun_context *ctx, const char *id, int sig, bool all, urun_err *err);
int container_delete (struct urun_context *ctx, const char *id, bool force, urun_err *err);
int container_state (struct urun_context *ctx, const char *id, char **json, urun_err *err);

struct container_entry
{
  struct container_state *st;
  enum container_status status;
};
int container_list (struct urun_context *ctx, struct container_entry **out, size_t *n, urun_err *err);
void container_list_free (struct container_entry *e, size_t n);

/* Pids of every process of the container (through its pid namespace). */
int container_pids (struct urun_context *ctx, const char *id, pid_t **pids, size_t *n, urun_err *err);

struct exec_opts
{
  const char *id;
  const char *process_file;
  char **args;
  char **env;          /* -e K=V */
  const char *cwd;
  const char *user;    /* UID[:GID] */
  char **additional_gids;
  char **caps;
  bool tty, tty_set;
  bool detach;
  bool no_new_privs;
  int preserve_fds;
  const char *pid_file;
  const char *console_socket;
};
/* Returns the process's exit code, or -1. */
int container_exec (struct urun_context *ctx, const struct exec_opts *o, urun_err *err);

/* internal, shared by container.c and exec.c */
int container_open_state (struct urun_context *ctx, const char *id, int *rootfd, int *dirfd,
                          struct container_state **st, urun_err *err);
int write_pid_file (const char *path, pid_t pid, urun_err *err);
/* A SYNC_SECCOMP_FD from a container process: pass fd (closed here) and
 * the state to linux.seccomp.listenerPath, then, when the process waits for
 * it (the message's value is 1), tell it the listener has the fd. */
int container_forward_notify_fd (int sock, int fd, bool wants_done, const struct spec *spec,
                                 const struct container_state *st, enum container_status status,
                                 pid_t pid, urun_err *err);

#endif
