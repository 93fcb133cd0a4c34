/* SPDX-License-Identifier: Apache-2.0 */
/* urun kill [--all] ID [SIGNAL] */
#include <config.h>
#include "commands.h"
#include "process.h"
#include "util.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_kill (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  bool all = false;
  int c, sig = 15;
  while ((c = getopt_long (argc, argv, "a", opts, NULL)) != -1)
    {
      if (c != 'a')
        return cmd_bad_option ("kill", argv, optopt, err);
      all = true;
    }
  if (argc - optind == 2)
    {
      sig = process_parse_signal (argv[optind + 1]);
      if (sig < 0)
        return urun_fail (err, 0, "kill: unknown signal `%s`", argv[optind + 1]);
    }
  else if (cmd_require_args ("kill", argc, optind, 1, "[--all] CONTAINER_ID [SIGNAL]", err) < 0)
    return -1;
  if (cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  return container_kill (&ctx, argv[optind], sig, all, err) < 0 ? -1 : 0;
}
