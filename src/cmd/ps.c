/* SPDX-License-Identifier: Apache-2.0 */
/* urun ps [--format table|json] ID */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The command line of a process, spaces between arguments. */
static char *
cmdline (pid_t pid)
{
  char path[64];
  cleanup_free char *buf = NULL;
  cleanup_err urun_err err = NULL;
  size_t len;
  snprintf (path, sizeof path, "/proc/%d/cmdline", (int) pid);
  if (read_file_at (AT_FDCWD, path, &buf, &len, &err) < 0 || len == 0)
    {
      snprintf (path, sizeof path, "/proc/%d/comm", (int) pid);
      urun_err_free (&err);
      if (read_file_at (AT_FDCWD, path, &buf, &len, &err) < 0)
        return xstrdup ("?");
      buf[strcspn (buf, "\n")] = '\0';
      return xasprintf ("[%s]", buf);
    }
  for (size_t i = 0; i + 1 < len; i++)
    if (buf[i] == '\0')
      buf[i] = ' ';
  return steal_ptr (&buf);
}

static int
by_pid (const void *a, const void *b)
{
  return *(const pid_t *) a - *(const pid_t *) b;
}

int
cmd_ps (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  cleanup_free pid_t *pids = NULL;
  const char *format = "table";
  size_t n;
  int c;

  while ((c = getopt_long (argc, argv, "f:", opts, NULL)) != -1)
    {
      if (c != 'f')
        return cmd_bad_option ("ps", argv, optopt, err);
      format = optarg;
    }
  if (strcmp (format, "table") && strcmp (format, "json"))
    return urun_fail (err, 0, "ps: --format: `%s` is not table or json", format);
  if (cmd_require_args ("ps", argc, optind, 1, "[--format table|json] CONTAINER_ID", err) < 0
      || cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  if (container_pids (&ctx, argv[optind], &pids, &n, err) < 0)
    return -1;
  if (n > 1)
    qsort (pids, n, sizeof *pids, by_pid);
  if (strcmp (format, "json") == 0)
    {
      putchar ('[');
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int) pids[i]);
      printf ("]\n");
      return 0;
    }
  printf ("%-8s %-8s %s\n", "UID", "PID", "CMD");
  for (size_t i = 0; i < n; i++)
    {
      char path[64];
      struct stat sb;
      cleanup_free char *cmd = cmdline (pids[i]);
      snprintf (path, sizeof path, "/proc/%d", (int) pids[i]);
      if (stat (path, &sb) < 0)
        continue;
      printf ("%-8u %-8d %s\n", (unsigned) sb.st_uid, (int) pids[i], cmd);
    }
  return 0;
}
