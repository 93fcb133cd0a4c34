/* SPDX-License-Identifier: Apache-2.0 */
/* urun exec [OPTIONS] ID [COMMAND [ARG...]]: the options become typed
 * values here; the library never sees a flag's text. */
#include <config.h>
#include "commands.h"
#include "util.h"
#include <fcntl.h>
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

static bool
parse_id (const char *s, uint32_t *out)
{
  unsigned long v;
  if (!parse_ulong (s, &v) || v > UINT32_MAX)
    return false;
  *out = v;
  return true;
}

/* An id above SPEC_MAX_ID would run as root: setresuid (-1) changes nothing. */
static int
check_id_range (const char *opt, const char *what, uint32_t id, urun_err *err)
{
  if (id > SPEC_MAX_ID)
    return urun_fail (err, 0, "exec: %s: %s %u out of range (ids go from 0 to %d)", opt, what, id, SPEC_MAX_ID);
  return 0;
}

/* -u UID[:GID] */
static int
parse_user (const char *s, struct exec_opts *o, urun_err *err)
{
  cleanup_free char *copy = xstrdup (s);
  char *colon = strchr (copy, ':');
  if (colon)
    *colon = '\0';
  if (!parse_id (copy, &o->uid) || (colon && !parse_id (colon + 1, &o->gid)))
    return urun_fail (err, 0, "exec: --user: `%s` is not UID[:GID]", quote (s));
  if (check_id_range ("--user", "uid", o->uid, err) < 0 || (colon && check_id_range ("--user", "gid", o->gid, err) < 0))
    return -1;
  o->has_uid = true;
  o->has_gid = colon != NULL;
  return 0;
}

/* --additional-gids G[,G...] (repeatable) */
static int
parse_gids (char *list, struct exec_opts *o, urun_err *err)
{
  for (char *save = NULL, *g = strtok_r (list, ",", &save); g; g = strtok_r (NULL, ",", &save))
    {
      uint32_t v;
      if (!parse_id (g, &v))
        return urun_fail (err, 0, "exec: --additional-gids: `%s` is not a gid", quote (g));
      if (check_id_range ("--additional-gids", "gid", v, err) < 0)
        return -1;
      o->additional_gids = xrealloc (o->additional_gids, (o->n_additional_gids + 1) * sizeof (uint32_t));
      o->additional_gids[o->n_additional_gids++] = v;
    }
  o->has_additional_gids = true;
  return 0;
}

/* --cap NAME (CAP_ optional, any case) */
static int
parse_cap (const char *s, uint64_t *caps, urun_err *err)
{
  cleanup_free char *name = strncasecmp (s, "CAP_", 4) ? xasprintf ("CAP_%s", s) : xstrdup (s);
  int c;
  for (char *p = name; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p -= 'a' - 'A';
  c = spec_cap_from_name (name);
  if (c < 0)
    return urun_fail (err, 0, "exec: --cap: unknown capability `%s`", quote (s));
  *caps |= 1ULL << c;
  return 0;
}

static int
check_env (const char *kv, urun_err *err)
{
  if (strchr (kv, '=') == NULL || kv[0] == '=')
    return urun_fail (err, 0, "exec: --env: `%s` is not KEY=value", quote (kv));
  return 0;
}

/* --process FILE: the process object, parsed. */
static int
read_process (const char *file, struct spec_process **out, urun_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, file, &text, &len, err) < 0 || spec_parse_process (text, len, out, err) < 0)
    return urun_err_wrap (err, "exec: --process `%s`", quote (file));
  return 0;
}

enum { O_CWD = 256, O_GIDS, O_NNP, O_PRESERVE, O_PID_FILE, O_CONSOLE, O_APPARMOR, O_LABEL, O_CGROUP };

static int
exec_option (int c, struct exec_opts *o, char ***env, const char **process_file, char **argv, urun_err *err)
{
  switch (c)
    {
    case 't':
      o->tty = o->tty_set = true;
      return 0;
    case 'd':
      o->detach = true;
      return 0;
    case 'p':
      *process_file = optarg;
      return 0;
    case 'e':
      strv_push (env, optarg);
      return check_env (optarg, err);
    case O_CWD:
      o->cwd = optarg;
      return optarg[0] == '/' ? 0 : urun_fail (err, 0, "exec: --cwd: `%s` is not an absolute path", quote (optarg));
    case 'u':
      return parse_user (optarg, o, err);
    case O_GIDS:
      return parse_gids (optarg, o, err);
    case 'c':
      return parse_cap (optarg, &o->caps, err);
    case O_NNP:
      o->no_new_privs = true;
      return 0;
    case O_PRESERVE:
      return cmd_parse_fds (optarg, &o->preserve_fds, err);
    case O_PID_FILE:
      o->pid_file = optarg;
      return 0;
    case O_CONSOLE:
      o->console_socket = optarg;
      return 0;
    case O_APPARMOR:
      o->apparmor_profile = optarg;
      return 0;
    case O_LABEL:
      o->process_label = optarg;
      return 0;
    case O_CGROUP:
      return 0;
    default:
      return cmd_bad_option ("exec", argv, optopt, err);
    }
}

int
cmd_exec (struct global_opts *g, int argc, char **argv, urun_err *err)
{
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
  cleanup_free uint32_t *gids = NULL;
  cleanup_strv char **env = NULL;
  const char *process_file = NULL;
  int c, r = -1;

  /* "+": options end at the container id; what follows is the command */
  while ((c = getopt_long (argc, argv, "+tdp:e:u:c:", opts, NULL)) != -1)
    if (exec_option (c, &o, &env, &process_file, argv, err) < 0)
      {
        free (o.additional_gids);
        return -1;
      }
  gids = o.additional_gids;
  if (optind >= argc)
    return urun_fail (err, 0, "exec: missing container id (usage: urun exec [OPTIONS] CONTAINER_ID [COMMAND [ARG...]])");
  o.id = argv[optind];
  o.args = argv + optind + 1;
  o.env = env;
  if (process_file && o.args[0])
    return urun_fail (err, 0, "exec: give either --process or a command, not both");
  if (!process_file && !o.args[0])
    return urun_fail (err, 0, "exec: no command given (pass COMMAND or --process FILE)");
  if (process_file && read_process (process_file, &o.process, err) < 0)
    return -1;
  if (cmd_context (g, &ctx, &root, err) == 0)
    r = container_exec (&ctx, &o, err);
  spec_process_free (o.process);
  return r;
}
