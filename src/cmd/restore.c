/* SPDX-License-Identifier: Apache-2.0 */
/* urun restore [OPTIONS] ID: a container from a CRIU checkpoint */
#include <config.h>
#include "commands.h"
#include "criu.h"
#include "util.h"
#include <getopt.h>

int
cmd_restore (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  enum { O_PID_FILE = 300, O_CONSOLE, O_NO_PIVOT, O_NO_SUBREAPER };
  static const struct option opts[] = {
    CMD_CRIU_OPTIONS,
    { "bundle", required_argument, NULL, 'b' },
    { "detach", no_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, O_PID_FILE },
    { "console-socket", required_argument, NULL, O_CONSOLE },
    { "no-pivot", no_argument, NULL, O_NO_PIVOT },
    { "no-subreaper", no_argument, NULL, O_NO_SUBREAPER },
    { NULL, 0, NULL, 0 },
  };
  struct create_opts o = { 0 };
  struct criu_opts co = { 0 };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  int c;
  while ((c = getopt_long (argc, argv, "b:d", opts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        o.bundle = optarg;
        break;
      case 'd':
        o.detach = true;
        break;
      case O_PID_FILE:
        o.pid_file = optarg;
        break;
      case O_CONSOLE:
        o.console_socket = optarg;
        break;
      case O_NO_PIVOT: /* CRIU makes the mount tree: nothing to pivot */
      case O_NO_SUBREAPER:
        break;
      default:
        if (!cmd_parse_criu_option (c, optarg, &co))
          return cmd_bad_option ("restore", argv, optopt, err);
      }
  if (cmd_require_args ("restore", argc, optind, 1, "[OPTIONS] CONTAINER_ID", err) < 0
      || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  o.id = argv[optind];
  return container_restore (&ctx, &o, &co, err);
}
