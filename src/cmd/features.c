/* SPDX-License-Identifier: Apache-2.0 */
/* urun features: the spec's Features structure (features.md) */
#include <config.h>
#include "commands.h"
#include "features.h"
#include "util.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int
cmd_features (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  static const struct option no_opts[] = { { NULL, 0, NULL, 0 } };
  cleanup_free char *json = NULL;
  size_t len;
  (void) g;
  if (getopt_long (argc, argv, "", no_opts, NULL) != -1)
    return cmd_bad_option ("features", argv, optopt, err);
  if (cmd_require_args ("features", argc, optind, 0, "", err) < 0)
    return -1;
  json = features_json (&len);
  if (fwrite (json, 1, len, stdout) != len)
    return urun_fail (err, 0, "features: write to stdout");
  return 0;
}
