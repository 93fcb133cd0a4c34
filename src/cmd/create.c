/* SPDX-License-Identifier: Apache-2.0 */
/* urun create [OPTIONS] ID; also the option parser `run` shares */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* Parse create/run options; returns optind of the ID or -1. */
int
cmd_parse_create_opts (const char *cmd, bool is_run, int argc, char **argv, struct create_opts *o, urun_err *err)
{
  enum { O_PID_FILE = 256, O_NOTIFY, O_CONSOLE, O_PRESERVE, O_NO_PIVOT, O_NO_KEYRING, O_NO_SUBREAPER, O_NETWORK };
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "config", required_argument, NULL, 'f' },
    { "pid-file", required_argument, NULL, O_PID_FILE },
    { "console-socket", required_argument, NULL, O_CONSOLE },
    { "notify-socket", required_argument, NULL, O_NOTIFY },
    { "preserve-fds", required_argument, NULL, O_PRESERVE },
    { "no-pivot", no_argument, NULL, O_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, O_NO_KEYRING },
    { "no-subreaper", no_argument, NULL, O_NO_SUBREAPER },
    { "detach", no_argument, NULL, 'd' },
    { "network", required_argument, NULL, O_NETWORK },
    { "publish", required_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 },
  };
  int c;
  /* -p: at most one per argument */
  o->net.ports = xmalloc0 ((size_t) argc * sizeof *o->net.ports);
  while ((c = getopt_long (argc, argv, is_run ? "b:f:dp:" : "b:f:p:", opts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        o->bundle = optarg;
        break;
      case 'f':
        o->config = optarg;
        break;
      case O_PID_FILE:
        o->pid_file = optarg;
        break;
      case O_CONSOLE:
        o->console_socket = optarg;
        break;
      case O_NOTIFY:
        o->notify_socket = optarg;
        break;
      case O_PRESERVE:
        if (cmd_parse_fds (optarg, &o->preserve_fds, err) < 0)
          return -1;
        break;
      case O_NO_PIVOT:
        o->no_pivot = true;
        break;
      case O_NO_KEYRING:
        o->no_new_keyring = true;
        break;
      case O_NO_SUBREAPER:
        break;
      case O_NETWORK:
        o->net.mode = optarg;
        break;
      case 'p':
        o->net.ports[o->net.n_ports++] = optarg;
        break;
      case 'd':
        if (!is_run)
          return cmd_bad_option (cmd, argv, optopt, err);
        o->detach = true;
        break;
      default:
        return cmd_bad_option (cmd, argv, optopt, err);
      }
  if (cmd_require_args (cmd, argc, optind, 1, "[OPTIONS] CONTAINER_ID", err) < 0)
    return -1;
  o->id = argv[optind];
  if (o->notify_socket == NULL)
    o->notify_socket = getenv ("NOTIFY_SOCKET");
  return optind;
}

int
cmd_create (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  struct create_opts o = { 0 };
  struct urun_context ctx = { 0 };
  cleanup_free char *root = NULL;
  int r = -1;
  if (cmd_parse_create_opts ("create", false, argc, argv, &o, err) >= 0 && cmd_context (g, &ctx, &root, err) >= 0)
    r = container_create (&ctx, &o, err) < 0 ? -1 : 0;
  free (o.net.ports);
  return r;
}

