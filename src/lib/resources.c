/* SPDX-License-Identifier: Apache-2.0 */
/* urun: runc's `update` flags as linux.resources, and runc's value
 * syntaxes (resources.h).  Pure: no file, no process. */
#include <config.h>
#include "resources.h"
#include "log.h"
#include "util.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Digits, then optionally '.' and digits: the integer part, the fraction
 * as a numerator over 10^*scale (at most 18 digits are kept).  strict:
 * digits on both sides of the '.' (go-units' sizes; Go's durations take
 * ".5" and "1."). */
static const char *
decimal (const char *p, bool strict, unsigned long long *ip, unsigned long long *frac, unsigned long long *scale)
{
  const char *start = p, *dot;
  *ip = *frac = 0;
  *scale = 1;
  for (; isdigit ((unsigned char) *p); p++)
    if (__builtin_mul_overflow (*ip, 10ULL, ip) || __builtin_add_overflow (*ip, (unsigned) (*p - '0'), ip))
      return NULL;
  if (strict && p == start)
    return NULL;
  if (*p == '.')
    {
      dot = ++p;
      for (; isdigit ((unsigned char) *p); p++)
        if (*scale < 1000000000000000000ULL)
          {
            *frac = *frac * 10 + (unsigned) (*p - '0');
            *scale *= 10;
          }
      if (p - start == 1 || (strict && p == dot))
        return NULL; /* "." alone, or "1." */
    }
  return p == start ? NULL : p;
}

/* ip * mul + frac * mul / scale, truncated (Go's int64(float*mul)); false
 * when above LLONG_MAX. */
static bool
scaled (unsigned long long ip, unsigned long long frac, unsigned long long scale, unsigned long long mul,
        long long *out)
{
  unsigned __int128 v = (unsigned __int128) ip * mul + (unsigned __int128) frac * mul / scale;
  if (v > (unsigned __int128) LLONG_MAX)
    return false;
  *out = (long long) v;
  return true;
}

bool
parse_ram_bytes (const char *s, long long *out)
{
  static const char units[] = "kmgtp";
  unsigned long long ip, frac, scale, mul = 1;
  const char *p, *u;
  if (s == NULL)
    return false;
  if (strcmp (s, "-1") == 0)
    {
      *out = -1;
      return true;
    }
  if ((p = decimal (s, true, &ip, &frac, &scale)) == NULL)
    return false;
  /* docker's go-units: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ */
  if (*p == ' ')
    p++;
  if (*p && (u = strchr (units, tolower ((unsigned char) *p))))
    {
      mul = 1ULL << (10 * (u - units + 1));
      p++;
    }
  if (*p == 'i' || *p == 'I')
    p++;
  if (*p == 'b' || *p == 'B')
    p++;
  return *p == '\0' && scaled (ip, frac, scale, mul, out);
}

bool
parse_go_duration (const char *s, long long *ns)
{
  static const struct
  {
    const char *name;
    unsigned long long ns;
  } units[] = {
    { "ns", 1ULL },           { "us", 1000ULL },          { "\xc2\xb5s", 1000ULL }, { "\xce\xbcs", 1000ULL },
    { "ms", 1000000ULL },     { "s", 1000000000ULL },     { "m", 60000000000ULL },  { "h", 3600000000000ULL },
  };
  long long total = 0;
  const char *p = s;
  if (s == NULL || *s == '\0')
    return false;
  if (*p == '+')
    p++;
  if (strcmp (p, "0") == 0)
    {
      *ns = 0;
      return true;
    }
  if (*p == '\0')
    return false;
  while (*p)
    {
      unsigned long long ip, frac, scale;
      long long v;
      size_t i;
      if ((p = decimal (p, false, &ip, &frac, &scale)) == NULL)
        return false;
      /* in the table's order: "ms" before "m" */
      for (i = 0; i < sizeof units / sizeof *units; i++)
        if (strncmp (p, units[i].name, strlen (units[i].name)) == 0)
          break;
      if (i == sizeof units / sizeof *units)
        return false;
      if (!scaled (ip, frac, scale, units[i].ns, &v) || __builtin_add_overflow (total, v, &total))
        return false;
      p += strlen (units[i].name);
    }
  *ns = total;
  return true;
}

bool
resource_flags_any (const struct resource_flags *f)
{
  const char *const v[] = { f->memory,        f->memory_reservation, f->memory_swap, f->kernel_memory,
                            f->kernel_memory_tcp, f->cpu_shares,     f->cpu_quota,   f->cpu_period,
                            f->cpu_rt_period, f->cpu_rt_runtime,     f->cpuset_cpus, f->cpuset_mems,
                            f->pids_limit,    f->blkio_weight };
  for (size_t i = 0; i < sizeof v / sizeof *v; i++)
    if (v[i])
      return true;
  return false;
}

static bool
parse_ll (const char *s, bool allow_negative, long long *out)
{
  char *end;
  if (s == NULL || *s == '\0' || isspace ((unsigned char) *s) || (!allow_negative && *s == '-'))
    return false;
  errno = 0;
  *out = strtoll (s, &end, 10);
  return errno == 0 && *end == '\0';
}

/* One integer member; its flag in the error. */
static int
w_int_flag (json_writer *w, const char *key, const char *flag, const char *val, bool negative, urun_err *err)
{
  long long v;
  if (!parse_ll (val, negative, &v))
    return urun_fail (err, 0, "update: %s: `%s` is not %s integer", flag, quote (val),
                      negative ? "an" : "a non-negative");
  json_w_key (w, key);
  json_w_int (w, v);
  return 0;
}

static int
w_size_flag (json_writer *w, const char *key, const char *flag, const char *val, urun_err *err)
{
  long long v;
  if (!parse_ram_bytes (val, &v))
    return urun_fail (err, 0, "update: %s: `%s` is not a size (bytes, or with a unit: 64m, 1g; -1: no limit)", flag,
                      quote (val));
  json_w_key (w, key);
  json_w_int (w, v);
  return 0;
}

static int
memory_flags (const struct resource_flags *f, json_writer *w, urun_err *err)
{
  if (f->kernel_memory)
    urun_warn ("update: --kernel-memory is ignored: kernel memory limits are deprecated by the kernel (as runc)");
  if (f->kernel_memory_tcp)
    urun_warn ("update: --kernel-memory-tcp is ignored: kernel memory limits are deprecated by the kernel (as runc)");
  if (!f->memory && !f->memory_reservation && !f->memory_swap)
    return 0;
  json_w_key (w, "memory");
  json_w_open_object (w);
  if ((f->memory && w_size_flag (w, "limit", "--memory", f->memory, err) < 0)
      || (f->memory_reservation && w_size_flag (w, "reservation", "--memory-reservation", f->memory_reservation, err) < 0)
      || (f->memory_swap && w_size_flag (w, "swap", "--memory-swap", f->memory_swap, err) < 0))
    return -1;
  json_w_close_object (w);
  return 0;
}

static bool
cpu_list (const char *s)
{
  return *s && strspn (s, "0123456789,-") == strlen (s);
}

static int
cpu_flags (const struct resource_flags *f, json_writer *w, urun_err *err)
{
  if (f->cpu_rt_period || f->cpu_rt_runtime)
    return urun_fail (err, 0, "update: %s: realtime scheduling (cpu.rt_*) is not supported by urun",
                      f->cpu_rt_period ? "--cpu-rt-period" : "--cpu-rt-runtime");
  if (!f->cpu_shares && !f->cpu_quota && !f->cpu_period && !f->cpuset_cpus && !f->cpuset_mems)
    return 0;
  json_w_key (w, "cpu");
  json_w_open_object (w);
  if ((f->cpu_shares && w_int_flag (w, "shares", "--cpu-share", f->cpu_shares, false, err) < 0)
      || (f->cpu_quota && w_int_flag (w, "quota", "--cpu-quota", f->cpu_quota, true, err) < 0)
      || (f->cpu_period && w_int_flag (w, "period", "--cpu-period", f->cpu_period, false, err) < 0))
    return -1;
  if (f->cpuset_cpus && !cpu_list (f->cpuset_cpus))
    return urun_fail (err, 0, "update: --cpuset-cpus: `%s` is not a cpu list (0-3,5)", quote (f->cpuset_cpus));
  if (f->cpuset_mems && !cpu_list (f->cpuset_mems))
    return urun_fail (err, 0, "update: --cpuset-mems: `%s` is not a node list (0-1)", quote (f->cpuset_mems));
  if (f->cpuset_cpus)
    {
      json_w_key (w, "cpus");
      json_w_string (w, f->cpuset_cpus);
    }
  if (f->cpuset_mems)
    {
      json_w_key (w, "mems");
      json_w_string (w, f->cpuset_mems);
    }
  json_w_close_object (w);
  return 0;
}

static int
other_flags (const struct resource_flags *f, json_writer *w, urun_err *err)
{
  if (f->pids_limit)
    {
      json_w_key (w, "pids");
      json_w_open_object (w);
      if (w_int_flag (w, "limit", "--pids-limit", f->pids_limit, true, err) < 0)
        return -1;
      json_w_close_object (w);
    }
  if (f->blkio_weight)
    {
      long long v;
      if (!parse_ll (f->blkio_weight, false, &v) || v < 10 || v > 1000)
        return urun_fail (err, 0, "update: --blkio-weight: `%s` is not a weight from 10 to 1000", quote (f->blkio_weight));
      json_w_key (w, "blockIO");
      json_w_open_object (w);
      json_w_key (w, "weight");
      json_w_int (w, v);
      json_w_close_object (w);
    }
  return 0;
}

int
resources_from_flags (const struct resource_flags *f, json_node **out, urun_err *err)
{
  json_writer *w = json_writer_new (false);
  cleanup_free char *text = NULL;
  size_t len;
  *out = NULL;
  json_w_open_object (w);
  if (memory_flags (f, w, err) < 0 || cpu_flags (f, w, err) < 0 || other_flags (f, w, err) < 0)
    {
      json_writer_free (w);
      return -1;
    }
  json_w_close_object (w);
  text = json_writer_finish (w, false, &len);
  *out = json_parse (text, len, err);
  return *out ? 0 : -1;
}
