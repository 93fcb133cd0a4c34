/* SPDX-License-Identifier: Apache-2.0 */
/* urun start ID: run the user process of a created container */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct option no_opts[] = { { NULL, 0, NULL, 0 } };

int
cmd_start (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  if (getopt_long (argc, argv, "", no_opts, NULL) != -1)
    return cmd_bad_option ("start", argv, optopt, err);
  if (cmd_require_args ("start", argc, optind, 1, "CONTAINER_ID", err) < 0 || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  return container_start (&ctx, argv[optind], err) < 0 ? -1 : 0;
}
