/* SPDX-License-Identifier: Apache-2.0 */
/* urun state ID: print the state JSON */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct option no_opts[] = { { NULL, 0, NULL, 0 } };

int
cmd_state (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL, *json = NULL;
  if (getopt_long (argc, argv, "", no_opts, NULL) != -1)
    return cmd_bad_option ("state", argv, optopt, err);
  if (cmd_require_args ("state", argc, optind, 1, "CONTAINER_ID", err) < 0 || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  if (container_state (&ctx, argv[optind], &json, err) < 0)
    return -1;
  fputs (json, stdout);
  return 0;
}
