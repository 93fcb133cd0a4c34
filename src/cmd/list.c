/* SPDX-License-Identifier: Apache-2.0 */
/* urun list [--format table|json] [-q] */
#include <config.h>
#include "commands.h"
#include "json.h"
#include "util.h"
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
by_id (const void *a, const void *b)
{
  const struct container_entry *x = a, *y = b;
  return strcmp (x->st->id, y->st->id);
}

int
cmd_list (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { NULL, 0, NULL, 0 },
  };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  struct container_entry *e = NULL;
  const char *format = "table";
  bool quiet = false;
  size_t n = 0;
  int c;

  while ((c = getopt_long (argc, argv, "f:q", opts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        format = optarg;
        break;
      case 'q':
        quiet = true;
        break;
      default:
        return cmd_bad_option ("list", argv, optopt, err);
      }
  if (strcmp (format, "table") && strcmp (format, "json"))
    return urun_fail (err, 0, "list: --format: `%s` is not table or json", format);
  if (cmd_require_args ("list", argc, optind, 0, "[--format table|json] [-q]", err) < 0
      || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  if (container_list (&ctx, &e, &n, err) < 0)
    return -1;
  if (n > 1)
    qsort (e, n, sizeof *e, by_id);

  if (quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%s\n", e[i].st->id);
  else if (strcmp (format, "json") == 0)
    {
      json_writer *w = json_writer_new (false);
      size_t len;
      json_w_open_array (w);
      for (size_t i = 0; i < n; i++)
        state_write_json (w, e[i].st, e[i].status);
      json_w_close_array (w);
      const char *text = json_writer_text (w, &len);
      fwrite (text, 1, len, stdout);
      putchar ('\n');
      json_writer_free (w);
    }
  else
    {
      printf ("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
      for (size_t i = 0; i < n; i++)
        {
          struct passwd *pw = getpwuid (e[i].st->owner);
          char owner[32];
          if (pw == NULL)
            snprintf (owner, sizeof owner, "#%u", (unsigned) e[i].st->owner);
          printf ("%-20s %-8d %-10s %-40s %-30s %s\n", e[i].st->id,
                  e[i].status == STATUS_STOPPED ? 0 : (int) e[i].st->pid,
                  state_status_name (e[i].status), e[i].st->bundle, e[i].st->created,
                  pw ? pw->pw_name : owner);
        }
    }
  container_list_free (e, n);
  return 0;
}
