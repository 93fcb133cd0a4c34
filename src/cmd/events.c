/* SPDX-License-Identifier: Apache-2.0 */
/* urun events [--stats] [--interval DURATION] ID: runc's JSON event lines
 * (stats every interval, oom at each OOM) until the container stops */
#include <config.h>
#include "commands.h"
#include "resources.h"
#include "util.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* One line, out at once (a reader follows it live). */
static int
print_line (const char *line, void *arg)
{
  FILE *f = arg;
  if (fputs (line, f) == EOF || fflush (f) == EOF)
    return -1;
  return 0;
}

int
cmd_events (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  enum { O_STATS = 300, O_INTERVAL };
  static const struct option opts[] = {
    { "stats", no_argument, NULL, O_STATS },
    { "interval", required_argument, NULL, O_INTERVAL },
    { NULL, 0, NULL, 0 },
  };
  struct urun_context ctx = { 0 };
  struct events_opts o = { .interval_ms = 5000 };
  cleanup_free char *root = NULL;
  long long ns;
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    {
      if (c == O_STATS)
        o.stats_only = true;
      else if (c == O_INTERVAL)
        {
          if (!parse_go_duration (optarg, &ns) || ns <= 0)
            return urun_fail (err, 0, "events: --interval: `%s` is not a duration above 0 (5s, 500ms, 1m)",
                              quote (optarg));
          /* at least a millisecond: poll's unit */
          o.interval_ms = ns < 1000000 ? 1 : ns / 1000000;
        }
      else
        return cmd_bad_option ("events", argv, optopt, err);
    }
  if (cmd_require_args ("events", argc, optind, 1, "[--stats] [--interval DURATION] CONTAINER_ID", err) < 0
      || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  o.id = argv[optind];
  return container_events (&ctx, &o, print_line, stdout, err) < 0 ? -1 : 0;
}
