/* SPDX-License-Identifier: Apache-2.0 */
/* urun: main.  Global options, then one function per command. */
#include <config.h>
#include "cmd/commands.h"
#include "fault.h"
#include "keeper.h"
#include "log.h"
#include "plan.h"
#include "selfexe.h"
#include "state.h"
#include "util.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const struct
{
  const char *name;
  int (*fn) (struct global_opts *, int, char **, urun_err *);
  const char *help;
  bool sealed; /* its processes are seen by the container (selfexe.h) */
} commands[] = {
  { "spec", cmd_spec, "write a new config.json", false },
  { "create", cmd_create, "create a container", true },
  { "start", cmd_start, "start the user process of a created container", false },
  { "run", cmd_run, "create and start a container", true },
  { "state", cmd_state, "print the state of a container", false },
  { "kill", cmd_kill, "send a signal to a container", false },
  { "delete", cmd_delete, "delete a container", false },
  { "list", cmd_list, "list containers", false },
  { "exec", cmd_exec, "run a process in a running container", true },
  { "ps", cmd_ps, "list the processes of a container", false },
  { "features", cmd_features, "print the features this urun implements (JSON)", false },
  { "pause", cmd_pause, "suspend the processes of a container (its cgroup)", false },
  { "resume", cmd_resume, "resume the processes of a paused container", false },
  { "update", cmd_update, "change the cgroup limits of a container", false },
  { "events", cmd_events, "print cgroup statistics and OOM events of a container (JSON)", false },
  { "checkpoint", cmd_checkpoint, "checkpoint a running container with CRIU", false },
  { "restore", cmd_restore, "restore a container from a CRIU checkpoint", true },
};

/* As real root, run from a sealed copy of the binary (selfexe.h): never
 * silently without that protection. */
static int
protect_binary (char **argv, urun_err *err)
{
  struct plan_host h;
  if (geteuid () != 0)
    return 0;
  plan_host_probe (&h);
  if (h.in_userns)
    return 0;
  if (selfexe_is_sealed ())
    {
      /* its name as ps shows it, not "memfd:urun" */
      prctl (PR_SET_NAME, "urun", 0, 0, 0);
      return 0;
    }
  if (selfexe_reexec_sealed (argv, err) < 0)
    return urun_err_wrap (err, "CVE-2019-5736: the container must not reach urun's binary, and urun cannot run from "
                               "a sealed copy");
  return 0;
}

static void
usage (FILE *f)
{
  fprintf (f, "Usage: urun [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
              "A rootless-first OCI container runtime.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf (f, "  %-8s %s\n", commands[i].name, commands[i].help);
  fprintf (f, "\nGlobal options:\n"
              "  --root DIR             state directory (default $XDG_RUNTIME_DIR/urun, /run/urun as root)\n"
              "  --log FILE             write warnings and errors to FILE instead of stderr\n"
              "  --log-format text|json format of --log\n"
              "  --log-level LEVEL      error, warning, info or debug\n"
              "  --debug                print debug messages\n"
              "  --systemd-cgroup       the same as --cgroup-manager systemd\n"
              "  --cgroup-manager cgroupfs|systemd|disabled  the cgroup manager\n"
              "  --rootless true|false|auto  accepted for runc compatibility\n"
              "  --userns-keeper on|off  rootless: keep a user namespace with the subordinate ids\n"
              "                         (default on; $URUN_USERNS_KEEPER)\n"
              "  --userns-keeper-idle SECONDS  how long an unused keeper stays (default 300;\n"
              "                         $URUN_USERNS_KEEPER_IDLE)\n"
              "  -v, --version          print the version\n"
              "  -h, --help             print this help\n\n"
              "See urun(1) and urun-COMMAND(1).\n");
}

/* The global options into g; returns -1 to go on, else the exit code. */
static int
parse_global (int argc, char **argv, struct global_opts *g, const char **log_level)
{
  int c;
  enum { O_ROOT = 256, O_LOG, O_LOG_FORMAT, O_LOG_LEVEL, O_DEBUG, O_SYSTEMD, O_CGROUP_MANAGER, O_ROOTLESS, O_CRIU,
         O_KEEPER, O_KEEPER_IDLE };
  static const struct option opts[] = {
    { "root", required_argument, NULL, O_ROOT },
    { "log", required_argument, NULL, O_LOG },
    { "log-format", required_argument, NULL, O_LOG_FORMAT },
    { "log-level", required_argument, NULL, O_LOG_LEVEL },
    { "debug", no_argument, NULL, O_DEBUG },
    { "systemd-cgroup", no_argument, NULL, O_SYSTEMD },
    { "cgroup-manager", required_argument, NULL, O_CGROUP_MANAGER },
    { "rootless", required_argument, NULL, O_ROOTLESS },
    { "criu", required_argument, NULL, O_CRIU },
    { "userns-keeper", required_argument, NULL, O_KEEPER },
    { "userns-keeper-idle", required_argument, NULL, O_KEEPER_IDLE },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };

  opterr = 0;
  while ((c = getopt_long (argc, argv, "+vh", opts, NULL)) != -1)
    {
      switch (c)
        {
        case O_ROOT:
          g->root = optarg;
          break;
        case O_LOG:
          g->log = optarg;
          break;
        case O_LOG_FORMAT:
          g->log_format = optarg;
          break;
        case O_LOG_LEVEL:
          *log_level = optarg;
          break;
        case O_DEBUG:
          g->debug = true;
          break;
        case O_SYSTEMD:
          g->cgroup_manager = CGROUP_MANAGER_SYSTEMD;
          break;
        case O_CGROUP_MANAGER:
          if ((g->cgroup_manager = cgroup_manager_parse (optarg)) < 0)
            {
              fprintf (stderr, "urun: --cgroup-manager: `%s` is not cgroupfs, systemd or disabled\n", quote (optarg));
              return 1;
            }
          break;
        case O_ROOTLESS:
          if (strcmp (optarg, "true") && strcmp (optarg, "false") && strcmp (optarg, "auto"))
            {
              fprintf (stderr, "urun: --rootless: `%s` is not true, false or auto\n", quote (optarg));
              return 1;
            }
          break;
        case O_CRIU:
          break;
        case O_KEEPER:
          g->keeper = optarg;
          break;
        case O_KEEPER_IDLE:
          g->keeper_idle = optarg;
          break;
        case 'v':
          printf ("urun version %s\nspec: %s\n", PACKAGE_VERSION, SPEC_OCI_VERSION_MAX);
          return 0;
        case 'h':
          usage (stdout);
          return 0;
        default:
          fprintf (stderr, "urun: unknown global option `%s` (see urun --help)\n", quote (argv[optind - 1]));
          return 1;
        }
    }
  if (g->log_format && strcmp (g->log_format, "text") && strcmp (g->log_format, "json"))
    {
      fprintf (stderr, "urun: --log-format: `%s` is not text or json\n", quote (g->log_format));
      return 1;
    }
  return -1;
}

int
main (int argc, char **argv)
{
  struct global_opts g = { 0 };
  cleanup_err urun_err err = NULL;
  enum urun_log_level level = URUN_LOG_WARNING;
  const char *log_level = NULL;
  int r;

  fault_init ();
  if (argc > 0)
    {
      /* where ps reads our command line (the keeper renames itself there) */
      urun_argv_area = argv[0];
      urun_argv_len = (size_t) (argv[argc - 1] + strlen (argv[argc - 1]) + 1 - argv[0]);
    }
  if ((r = parse_global (argc, argv, &g, &log_level)) >= 0)
    return r;
  if (log_level && urun_log_parse_level (log_level, &level) < 0)
    {
      fprintf (stderr, "urun: --log-level: unknown level `%s`\n", quote (log_level));
      return 1;
    }
  if (g.debug)
    level = URUN_LOG_DEBUG;
  if (urun_log_init (g.log, g.log_format && strcmp (g.log_format, "json") == 0, level) < 0)
    return 1;
  if (optind >= argc)
    {
      usage (stderr);
      return 1;
    }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp (argv[optind], commands[i].name) == 0)
      {
        if (commands[i].sealed && protect_binary (argv, &err) < 0)
          {
            urun_error_msg ("%s", err->msg);
            return 1;
          }
        int cargc = argc - optind;
        char **cargv = argv + optind;
        optind = 0; /* reset getopt for the command's own options */
        r = commands[i].fn (&g, cargc, cargv, &err);
        if (r < 0)
          {
            cmd_explain (&err);
            urun_error_msg ("%s", err && err->msg ? err->msg : "unknown error");
            return 1;
          }
        fflush (stdout);
        return r;
      }
  urun_error_msg ("unknown command `%s` (see urun --help)", quote (argv[optind]));
  return 1;
}
