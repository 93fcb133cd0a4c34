/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the command-line layer.  Each command parses its own options, calls
 * the library, and prints; errors come back as urun_err for main to print. */
#ifndef URUN_COMMANDS_H
#define URUN_COMMANDS_H

#include <stdbool.h>
#include "container.h"
#include "error.h"

struct global_opts
{
  const char *root;
  const char *log;
  const char *log_format;
  bool debug;
  int cgroup_manager; /* enum cgroup_manager */
  const char *keeper, *keeper_idle; /* --userns-keeper, --userns-keeper-idle */
};

/* Probe the caller and resolve the state root into ctx (cmd/common.c). */
int cmd_context (struct global_opts *g, struct urun_context *ctx, char **root_buf, urun_err *err);
/* Parse N for --preserve-fds. */
int cmd_parse_fds (const char *s, int *out, urun_err *err);
/* Exactly `want` positional arguments after options, else a usage error. */
int cmd_require_args (const char *cmd, int argc, int optind_, int want, const char *usage, urun_err *err);

/* The error for an option getopt did not accept. */
int cmd_bad_option (const char *cmd, char **argv, int optopt_, urun_err *err);
/* Add the command line's words to a library error (the option it is about). */
void cmd_explain (urun_err *err);

/* create/run options; returns optind of the ID or -1. */
int cmd_parse_create_opts (const char *cmd, bool is_run, int argc, char **argv, struct create_opts *o, urun_err *err);

/* The CRIU options checkpoint and restore share (runc's names). */
enum { CMD_CRIU_IMAGE = 400, CMD_CRIU_WORK, CMD_CRIU_TCP, CMD_CRIU_LOCKS, CMD_CRIU_UNIX, CMD_CRIU_SHELL };
#define CMD_CRIU_OPTIONS                                                                                         \
  { "image-path", required_argument, NULL, CMD_CRIU_IMAGE }, { "work-path", required_argument, NULL, CMD_CRIU_WORK }, \
    { "tcp-established", no_argument, NULL, CMD_CRIU_TCP }, { "file-locks", no_argument, NULL, CMD_CRIU_LOCKS },     \
    { "ext-unix-sk", no_argument, NULL, CMD_CRIU_UNIX }, { "shell-job", no_argument, NULL, CMD_CRIU_SHELL }
struct criu_opts;
/* 1 when c is one of them (set in co), else 0. */
int cmd_parse_criu_option (int c, const char *arg, struct criu_opts *co);

/* Each returns the exit status, or -1 with *err set. */
int cmd_spec (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_create (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_start (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_run (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_state (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_kill (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_delete (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_list (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_exec (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_ps (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_features (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_checkpoint (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_restore (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_pause (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_resume (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_update (struct global_opts *g, int argc, char **argv, urun_err *err);
int cmd_events (struct global_opts *g, int argc, char **argv, urun_err *err);

#endif
