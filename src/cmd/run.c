/* SPDX-License-Identifier: Apache-2.0 */
/* urun run [-d] [OPTIONS] ID: create, start, wait, delete */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <stdlib.h>

int
cmd_run (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  struct create_opts o = { 0 };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  int r = -1;
  if (cmd_parse_create_opts ("run", true, argc, argv, &o, err) >= 0 && cmd_context (g, &ctx, &root, err) >= 0)
    r = container_run (&ctx, &o, err);
  free (o.net.ports);
  return r;
}
