/* SPDX-License-Identifier: Apache-2.0 */
/* urun update [FLAGS] ID: new cgroup limits for a container (runc's flags,
 * or -r FILE: a linux.resources object, `-` for stdin) */
#include <config.h>
#include "commands.h"
#include "resources.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

enum
{
  O_MEMORY = 300, O_MEMORY_RES, O_MEMORY_SWAP, O_KMEM, O_KMEM_TCP, O_CPU_SHARES, O_CPU_QUOTA, O_CPU_PERIOD,
  O_RT_PERIOD, O_RT_RUNTIME, O_CPUSET_CPUS, O_CPUSET_MEMS, O_PIDS, O_BLKIO
};

static const struct option opts[] = {
  { "resources", required_argument, NULL, 'r' },
  { "memory", required_argument, NULL, O_MEMORY },
  { "memory-reservation", required_argument, NULL, O_MEMORY_RES },
  { "memory-swap", required_argument, NULL, O_MEMORY_SWAP },
  { "kernel-memory", required_argument, NULL, O_KMEM },
  { "kernel-memory-tcp", required_argument, NULL, O_KMEM_TCP },
  /* runc's spelling is --cpu-share; --cpu-shares as docker says it */
  { "cpu-share", required_argument, NULL, O_CPU_SHARES },
  { "cpu-shares", required_argument, NULL, O_CPU_SHARES },
  { "cpu-quota", required_argument, NULL, O_CPU_QUOTA },
  { "cpu-period", required_argument, NULL, O_CPU_PERIOD },
  { "cpu-rt-period", required_argument, NULL, O_RT_PERIOD },
  { "cpu-rt-runtime", required_argument, NULL, O_RT_RUNTIME },
  { "cpuset-cpus", required_argument, NULL, O_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, O_CPUSET_MEMS },
  { "pids-limit", required_argument, NULL, O_PIDS },
  { "blkio-weight", required_argument, NULL, O_BLKIO },
  { NULL, 0, NULL, 0 },
};

static const char **
flag_slot (struct resource_flags *f, int c)
{
  switch (c)
    {
    case O_MEMORY: return &f->memory;
    case O_MEMORY_RES: return &f->memory_reservation;
    case O_MEMORY_SWAP: return &f->memory_swap;
    case O_KMEM: return &f->kernel_memory;
    case O_KMEM_TCP: return &f->kernel_memory_tcp;
    case O_CPU_SHARES: return &f->cpu_shares;
    case O_CPU_QUOTA: return &f->cpu_quota;
    case O_CPU_PERIOD: return &f->cpu_period;
    case O_RT_PERIOD: return &f->cpu_rt_period;
    case O_RT_RUNTIME: return &f->cpu_rt_runtime;
    case O_CPUSET_CPUS: return &f->cpuset_cpus;
    case O_CPUSET_MEMS: return &f->cpuset_mems;
    case O_PIDS: return &f->pids_limit;
    case O_BLKIO: return &f->blkio_weight;
    default: return NULL;
    }
}

/* -r FILE: a linux.resources object */
static json_node *
read_resources (const char *path, urun_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  json_node *n;
  if (strcmp (path, "-") == 0 ? read_all_fd (STDIN_FILENO, &text, &len, err) < 0
                              : read_file_at (AT_FDCWD, path, &text, &len, err) < 0)
    {
      urun_err_wrap (err, "update: --resources");
      return NULL;
    }
  if ((n = json_parse (text, len, err)) == NULL)
    {
      urun_err_wrap (err, "update: --resources: %s", strcmp (path, "-") == 0 ? "stdin" : quote (path));
      return NULL;
    }
  if (json_kind (n) != JSON_OBJECT)
    {
      urun_fail (err, 0, "update: --resources: expected a linux.resources object, got %s",
                 json_kind_name (json_kind (n)));
      json_free (n);
      return NULL;
    }
  return n;
}

int
cmd_update (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  struct urun_context ctx = { 0 };
  struct resource_flags f = { 0 };
  cleanup_free char *root = NULL;
  cleanup_json json_node *res = NULL;
  const char *file = NULL;
  int c;
  while ((c = getopt_long (argc, argv, "r:", opts, NULL)) != -1)
    {
      const char **slot = flag_slot (&f, c);
      if (c == 'r')
        file = optarg;
      else if (slot)
        *slot = optarg;
      else
        return cmd_bad_option ("update", argv, optopt, err);
    }
  if (cmd_require_args ("update", argc, optind, 1, "[OPTIONS] CONTAINER_ID", err) < 0)
    return -1;
  if (file && resource_flags_any (&f))
    return urun_fail (err, 0, "update: --resources and the limit flags: give one or the other");
  if (!file && !resource_flags_any (&f))
    return urun_fail (err, 0, "update: nothing to change: give limit flags or --resources FILE (see urun-update(1))");
  if (file ? (res = read_resources (file, err)) == NULL : resources_from_flags (&f, &res, err) < 0)
    return -1;
  if (cmd_context (g, &ctx, &root, err) < 0)
    return -1;
  return container_update (&ctx, argv[optind], res, err) < 0 ? -1 : 0;
}
