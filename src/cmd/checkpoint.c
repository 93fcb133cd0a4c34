/* SPDX-License-Identifier: Apache-2.0 */
/* urun checkpoint [OPTIONS] ID: dump a running container with CRIU */
#include <config.h>
#include "commands.h"
#include "criu.h"
#include "util.h"
#include <getopt.h>

int
cmd_parse_criu_option (int c, const char *arg, struct criu_opts *co)
{
  switch (c)
    {
    case CMD_CRIU_IMAGE:
      co->image_path = arg;
      return 1;
    case CMD_CRIU_WORK:
      co->work_path = arg;
      return 1;
    case CMD_CRIU_TCP:
      co->tcp_established = true;
      return 1;
    case CMD_CRIU_LOCKS:
      co->file_locks = true;
      return 1;
    case CMD_CRIU_UNIX:
      co->ext_unix_sk = true;
      return 1;
    case CMD_CRIU_SHELL:
      co->shell_job = true;
      return 1;
    default:
      return 0;
    }
}

int
cmd_checkpoint (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  static const struct option opts[] = {
    CMD_CRIU_OPTIONS,
    { "leave-running", no_argument, NULL, 'R' },
    { NULL, 0, NULL, 0 },
  };
  struct criu_opts co = { 0 };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  int c;
  while ((c = getopt_long (argc, argv, "R", opts, NULL)) != -1)
    {
      if (c == 'R')
        co.leave_running = true;
      else if (!cmd_parse_criu_option (c, optarg, &co))
        return cmd_bad_option ("checkpoint", argv, optopt, err);
    }
  if (cmd_require_args ("checkpoint", argc, optind, 1, "[OPTIONS] CONTAINER_ID", err) < 0
      || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  return container_checkpoint (&ctx, argv[optind], &co, err) < 0 ? -1 : 0;
}
