/* SPDX-License-Identifier: Apache-2.0 */
/* urun: runc's `update` flags as a linux.resources object, and the value
 * syntaxes runc's commands take: sizes ("64m", docker's RAMInBytes:
 * binary multiples) and Go durations ("5s", "1m30s", "500ms").  Pure. */
#ifndef URUN_RESOURCES_H
#define URUN_RESOURCES_H

#include <stdbool.h>
#include "error.h"
#include "json.h"

/* Each as given on the command line, NULL when not given. */
struct resource_flags
{
  const char *memory, *memory_reservation, *memory_swap, *kernel_memory, *kernel_memory_tcp;
  const char *cpu_shares, *cpu_quota, *cpu_period, *cpu_rt_period, *cpu_rt_runtime;
  const char *cpuset_cpus, *cpuset_mems;
  const char *pids_limit, *blkio_weight;
};

/* Was any flag given (kernel memory counts: it is warned about)? */
bool resource_flags_any (const struct resource_flags *f);

/* The flags as a linux.resources object (only what was given); errors
 * name the flag.  Kernel memory is accepted and ignored with a warning
 * (the kernel deprecated it, runc ignores it too); realtime is refused. */
int resources_from_flags (const struct resource_flags *f, json_node **out, urun_err *err);

/* A size in bytes: "67108864", "64m", "64M", "64MiB", "1.5g", "512 kb";
 * k, m, g, t, p are powers of 1024 (runc's units.RAMInBytes).  "-1" is -1
 * (no limit).  false on anything else or overflow. */
bool parse_ram_bytes (const char *s, long long *out);

/* A Go duration ("5s", "1m30s", "1.5s", "250ms", "10us", "0") in
 * nanoseconds; false on anything else, overflow, or a negative one. */
bool parse_go_duration (const char *s, long long *ns);

#endif
