/* SPDX-License-Identifier: Apache-2.0 */
/* urun pause ID, urun resume ID: freeze and thaw a container's cgroup */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <getopt.h>

static int
pause_or_resume (const char *cmd, bool pause, struct global_opts *g, int argc, char **argv, urun_err *err)
{
  static const struct option opts[] = { { NULL, 0, NULL, 0 } };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  if (getopt_long (argc, argv, "", opts, NULL) != -1)
    return cmd_bad_option (cmd, argv, optopt, err);
  if (cmd_require_args (cmd, argc, optind, 1, "CONTAINER_ID", err) < 0 || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  return container_pause (&ctx, argv[optind], pause, err) < 0 ? -1 : 0;
}

int
cmd_pause (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  return pause_or_resume ("pause", true, g, argc, argv, err);
}

int
cmd_resume (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  return pause_or_resume ("resume", false, g, argc, argv, err);
}
