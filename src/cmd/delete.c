/* SPDX-License-Identifier: Apache-2.0 */
/* urun delete [--force] ID */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_delete (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  bool force = false;
  int c;
  while ((c = getopt_long (argc, argv, "f", opts, NULL)) != -1)
    {
      if (c != 'f')
        return cmd_bad_option ("delete", argv, optopt, err);
      force = true;
    }
  if (cmd_require_args ("delete", argc, optind, 1, "[--force] CONTAINER_ID", err) < 0 || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  return container_delete (&ctx, argv[optind], force, err) < 0 ? -1 : 0;
}
