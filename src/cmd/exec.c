/* urun exec [OPTIONS] ID [COMMAND [ARG...]] */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void
strv_push (char ***v, const char *s)
{
  size_t n = strv_len (*v);
  *v = xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

int
cmd_exec (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  enum { O_CWD = 256, O_GIDS, O_NNP, O_PRESERVE, O_PID_FILE, O_CONSOLE, O_APPARMOR, O_LABEL, O_CGROUP };
  static const struct option opts[] = {
    { "tty", no_argument, NULL, 't' },
    { "detach", no_argument, NULL, 'd' },
    { "process", required_argument, NULL, 'p' },
    { "env", required_argument, NULL, 'e' },
    { "cwd", required_argument, NULL, O_CWD },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, O_GIDS },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, O_NNP },
    { "preserve-fds", required_argument, NULL, O_PRESERVE },
    { "pid-file", required_argument, NULL, O_PID_FILE },
    { "console-socket", required_argument, NULL, O_CONSOLE },
    { "apparmor", required_argument, NULL, O_APPARMOR },
    { "process-label", required_argument, NULL, O_LABEL },
    { "cgroup", required_argument, NULL, O_CGROUP },
    { NULL, 0, NULL, 0 },
  };
  struct urun_context ctx = { 0 };
  struct exec_opts o = { 0 };
  cleanup_free char *root = NULL;
  cleanup_strv char **env = NULL, **gids = NULL, **caps = NULL;
  int c, r;

  /* "+": options end at the container id; what follows is the command */
  while ((c = getopt_long (argc, argv, "+tdp:e:u:c:", opts, NULL)) != -1)
    switch (c)
      {
      case 't':
        o.tty = o.tty_set = true;
        break;
      case 'd':
        o.detach = true;
        break;
      case 'p':
        o.process_file = optarg;
        break;
      case 'e':
        strv_push (&env, optarg);
        break;
      case O_CWD:
        o.cwd = optarg;
        break;
      case 'u':
        o.user = optarg;
        break;
      case O_GIDS:
        for (char *save = NULL, *s = strtok_r (optarg, ",", &save); s; s = strtok_r (NULL, ",", &save))
          strv_push (&gids, s);
        break;
      case 'c':
        strv_push (&caps, optarg);
        break;
      case O_NNP:
        o.no_new_privs = true;
        break;
      case O_PRESERVE:
        if (cmd_parse_fds (optarg, &o.preserve_fds, err) < 0)
          return -1;
        break;
      case O_PID_FILE:
        o.pid_file = optarg;
        break;
      case O_CONSOLE:
        o.console_socket = optarg;
        break;
      case O_APPARMOR:
      case O_LABEL:
        return urun_fail (err, 0, "exec: %s is not supported by urun", argv[optind - 1]);
      case O_CGROUP:
        break;
      default:
        return cmd_bad_option ("exec", argv, optopt, err);
      }
  if (optind >= argc)
    return urun_fail (err, 0, "exec: missing container id (usage: urun exec [OPTIONS] CONTAINER_ID [COMMAND [ARG...]])");
  o.id = argv[optind];
  o.args = argv + optind + 1;
  if (o.process_file && o.args[0])
    return urun_fail (err, 0, "exec: give either --process or a command, not both");
  o.env = env;
  o.additional_gids = gids;
  o.caps = caps;
  if (cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  r = container_exec (&ctx, &o, err);
  return r;
}
