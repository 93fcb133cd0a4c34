/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what the commands share: the context (caller and state root),
 * argument checks, and the words the CLI adds to a library error (the
 * library does not know the flags: an error says what it is about, and
 * cmd_explain names the option). */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
cmd_context (struct global_opts *g, struct urun_context *ctx, char **root_buf, urun_err *err)
{
  cleanup_free char *cwd = NULL;
  plan_host_probe (&ctx->host);
  if (g->root && g->root[0] != '/' && (cwd = getcwd (NULL, 0)) == NULL)
    return urun_fail (err, errno, "getcwd");
  if (plan_state_root (&ctx->host, g->root, cwd, root_buf, err) < 0)
    return -1;
  if (g->root == NULL && state_root_check (*root_buf, err) < 0)
    return -1;
  ctx->state_root = *root_buf;
  ctx->cgroup_manager = g->cgroup_manager;
  ctx->notify_socket = getenv ("NOTIFY_SOCKET");
  {
    /* the options' values are checked for every command */
    struct keeper_opts k;
    ctx->keeper = g->keeper;
    ctx->keeper_idle = g->keeper_idle;
    return keeper_opts_parse (g->keeper, g->keeper_idle, false, &k, err);
  }
}

int
cmd_parse_fds (const char *s, int *out, urun_err *err)
{
  unsigned long v;
  if (!parse_ulong (s, &v) || v > 65536)
    return urun_fail (err, 0, "--preserve-fds: `%s` is not a number of fds", s);
  *out = v;
  return 0;
}

int
cmd_require_args (const char *cmd, int argc, int optind_, int want, const char *usage_, urun_err *err)
{
  if (argc - optind_ != want)
    return urun_fail (err, 0, "%s: %s (usage: urun %s %s)", cmd,
                      argc - optind_ < want ? "missing argument" : "too many arguments", cmd, usage_);
  return 0;
}

int
cmd_bad_option (const char *cmd, char **argv, int optopt_, urun_err *err)
{
  const char *arg = argv[optind - 1];
  if (optopt_ && strncmp (arg, "--", 2) != 0)
    return urun_fail (err, 0, "%s: unknown option or missing value `-%c` (see urun-%s(1))", cmd, optopt_, cmd);
  return urun_fail (err, 0, "%s: unknown option or missing value `%s` (see urun-%s(1))", cmd, arg, cmd);
}

void
cmd_explain (urun_err *err)
{
  static const struct
  {
    enum urun_topic topic;
    const char *prefix, *suffix;
  } words[] = {
    { URUN_TOPIC_CONSOLE_SOCKET, "--console-socket: ", NULL },
    { URUN_TOPIC_NEED_CONSOLE, NULL, " (pass --console-socket)" },
    { URUN_TOPIC_PID_FILE, "--pid-file: ", NULL },
    { URUN_TOPIC_STATE_ROOT, NULL, ", or pass --root DIR" },
    { URUN_TOPIC_PIVOT, NULL, " (--no-pivot runs without pivot_root, for a rootfs on ramfs)" },
    { URUN_TOPIC_FORCE, NULL, " or use --force" },
    { URUN_TOPIC_ROOTLESS_SPEC, NULL, " (see `urun spec --rootless`)" },
    { URUN_TOPIC_EXEC_TTY, NULL, " (add --tty)" },
  };
  if (err == NULL || *err == NULL || (*err)->topic == URUN_TOPIC_NONE)
    return;
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (words[i].topic == (*err)->topic)
      {
        char *m = xasprintf ("%s%s%s", words[i].prefix ? words[i].prefix : "", (*err)->msg,
                             words[i].suffix ? words[i].suffix : "");
        free ((*err)->msg);
        (*err)->msg = m;
      }
  (*err)->topic = URUN_TOPIC_NONE;
}
