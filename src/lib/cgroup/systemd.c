/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the systemd manager.  The container's first process, once cloned
 * (it waits for urun before it runs anything of its own), becomes a
 * transient scope of the caller's systemd: the user manager on the user
 * bus for an unprivileged caller, PID 1 on the system bus for root.  The
 * scope has Delegate=yes, so its subtree is ours: the process moves into
 * a sub-cgroup `container` (the scope then has no process of its own and
 * may give its controllers to it), where the limits are written as
 * cgroupfs v2 writes them (v2.c).  The unit's properties get the main
 * limits too, and the config's org.systemd.property.* annotations (as
 * runc passes them).  delete kills the sub-cgroup, then the unit. */
#include <config.h>
#include "cgroup_priv.h"
#include "log.h"
#include "util.h"
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_US (30ULL * 1000000)

/* libsystemd is opened when the systemd manager is used, not linked:
 * linked, its loading cost every urun command 0.9 ms (measured: 1.8 ->
 * 2.6 ms for `urun --version`), a tenth of a rootless `run`. */
static struct
{
  __typeof__ (sd_bus_call) *sd_bus_call;
  __typeof__ (sd_bus_call_method) *sd_bus_call_method;
  __typeof__ (sd_bus_error_free) *sd_bus_error_free;
  __typeof__ (sd_bus_flush_close_unref) *sd_bus_flush_close_unref;
  __typeof__ (sd_bus_match_signal) *sd_bus_match_signal;
  __typeof__ (sd_bus_message_append) *sd_bus_message_append;
  __typeof__ (sd_bus_message_close_container) *sd_bus_message_close_container;
  __typeof__ (sd_bus_message_new_method_call) *sd_bus_message_new_method_call;
  __typeof__ (sd_bus_message_open_container) *sd_bus_message_open_container;
  __typeof__ (sd_bus_message_read) *sd_bus_message_read;
  __typeof__ (sd_bus_message_unref) *sd_bus_message_unref;
  __typeof__ (sd_bus_open_system) *sd_bus_open_system;
  __typeof__ (sd_bus_open_user) *sd_bus_open_user;
  __typeof__ (sd_bus_process) *sd_bus_process;
  __typeof__ (sd_bus_slot_unref) *sd_bus_slot_unref;
  __typeof__ (sd_bus_wait) *sd_bus_wait;
} sdl;

static const char *const sdl_names[] = {
  "sd_bus_call",
  "sd_bus_call_method",
  "sd_bus_error_free",
  "sd_bus_flush_close_unref",
  "sd_bus_match_signal",
  "sd_bus_message_append",
  "sd_bus_message_close_container",
  "sd_bus_message_new_method_call",
  "sd_bus_message_open_container",
  "sd_bus_message_read",
  "sd_bus_message_unref",
  "sd_bus_open_system",
  "sd_bus_open_user",
  "sd_bus_process",
  "sd_bus_slot_unref",
  "sd_bus_wait",
};

static int
sdl_load (urun_err *err)
{
  static void *lib;
  void **slots = (void **) &sdl;
  if (lib)
    return 0;
  lib = dlopen ("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL)
    return urun_fail (err, 0, "the systemd cgroup manager needs libsystemd.so.0 (Debian: libsystemd0): %s", dlerror ());
  for (size_t i = 0; i < sizeof sdl_names / sizeof *sdl_names; i++)
    if ((slots[i] = dlsym (lib, sdl_names[i])) == NULL)
      {
        dlclose (lib);
        lib = NULL;
        return urun_fail (err, 0, "libsystemd.so.0 has no %s", sdl_names[i]);
      }
  return 0;
}

static void
bus_unrefp (sd_bus **b)
{
  if (*b)
    sdl.sd_bus_flush_close_unref (*b);
}

static void
msg_unrefp (sd_bus_message **m)
{
  if (*m)
    sdl.sd_bus_message_unref (*m);
}

static int
bus_open (bool user, sd_bus **bus, urun_err *err)
{
  int r;
  if (sdl_load (err) < 0)
    return -1;
  r = user ? sdl.sd_bus_open_user (bus) : sdl.sd_bus_open_system (bus);
  if (r < 0)
    return urun_fail (err, -r, "systemd: connect to the %s bus", user ? "user" : "system");
  return 0;
}

/* ---- properties ---------------------------------------------------------- */

/* An annotation's value, in GVariant's text form as runc reads it:
 * true/false, 'text' or "text", TYPE NUMBER (uint64 5, int32 -1, double
 * 0.5, ...), a bare integer (as uint64, or int64 when negative). */
static int
append_variant (sd_bus_message *m, const char *name, const char *v, urun_err *err)
{
  static const struct
  {
    const char *word, *sig;
  } types[] = { { "byte ", "y" },  { "int16 ", "n" },  { "uint16 ", "q" }, { "int32 ", "i" },
                { "uint32 ", "u" }, { "int64 ", "x" }, { "uint64 ", "t" }, { "double ", "d" } };
  size_t n = strlen (v);
  char *end;
  if (strcmp (v, "true") == 0 || strcmp (v, "false") == 0)
    return sdl.sd_bus_message_append (m, "v", "b", v[0] == 't');
  if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0])
    {
      cleanup_free char *s = xstrndup (v + 1, n - 2);
      return sdl.sd_bus_message_append (m, "v", "s", s);
    }
  for (size_t i = 0; i < sizeof types / sizeof *types; i++)
    if (strncmp (v, types[i].word, strlen (types[i].word)) == 0)
      {
        const char *num = v + strlen (types[i].word), *sig = types[i].sig;
        errno = 0;
        if (sig[0] == 'd')
          {
            double d = strtod (num, &end);
            if (*num && *end == '\0' && errno == 0)
              return sdl.sd_bus_message_append (m, "v", "d", d);
          }
        else
          {
            bool neg = *num == '-';
            long long x = neg ? strtoll (num, &end, 0) : 0;
            unsigned long long ux = neg ? 0 : strtoull (num, &end, 0);
            static const long long lo[] = { ['y'] = 0, ['n'] = -32768, ['q'] = 0, ['i'] = INT32_MIN, ['u'] = 0,
                                            ['x'] = INT64_MIN, ['t'] = 0 };
            static const unsigned long long hi[] = { ['y'] = 255, ['n'] = 32767, ['q'] = 65535, ['i'] = INT32_MAX,
                                                     ['u'] = UINT32_MAX, ['x'] = INT64_MAX, ['t'] = UINT64_MAX };
            if (!neg)
              x = (long long) ux;
            if (*num && *end == '\0' && errno == 0
                && (neg ? x >= lo[(unsigned char) sig[0]] : ux <= hi[(unsigned char) sig[0]]))
              {
                uint64_t u = neg ? (uint64_t) x : (uint64_t) ux;
                switch (sig[0])
                  {
                  case 'y': return sdl.sd_bus_message_append (m, "v", "y", (uint8_t) u);
                  case 'n': return sdl.sd_bus_message_append (m, "v", "n", (int16_t) x);
                  case 'q': return sdl.sd_bus_message_append (m, "v", "q", (uint16_t) u);
                  case 'i': return sdl.sd_bus_message_append (m, "v", "i", (int32_t) x);
                  case 'u': return sdl.sd_bus_message_append (m, "v", "u", (uint32_t) u);
                  case 'x': return sdl.sd_bus_message_append (m, "v", "x", (int64_t) x);
                  default: return sdl.sd_bus_message_append (m, "v", "t", u);
                  }
              }
          }
        break;
      }
  errno = 0;
  long long x = strtoll (v, &end, 10);
  if (*v && *end == '\0' && errno == 0)
    return x < 0 ? sdl.sd_bus_message_append (m, "v", "x", (int64_t) x) : sdl.sd_bus_message_append (m, "v", "t", (uint64_t) x);
  urun_fail (err, 0, "annotation `org.systemd.property.%s`: `%s` is not a value urun can pass (true, false, "
             "'text', a number, or TYPE NUMBER such as uint64 5)", name, quote (v));
  return -EINVAL;
}

/* runc's rule: a property named ...xSec (x a lowercase letter) is given in
 * seconds and passed as ...xUSec, in microseconds.  Returns the new name
 * (and *usec), NULL if the rule does not apply, or "" for a bad value. */
static char *
sec_to_usec (const char *k, const char *v, uint64_t *usec)
{
  size_t n = strlen (k);
  const char *num = strchr (v, ' ') ? strchr (v, ' ') + 1 : v;
  char *end;
  double d;
  if (n < 4 || strcmp (k + n - 3, "Sec") != 0 || k[n - 4] < 'a' || k[n - 4] > 'z')
    return NULL;
  errno = 0;
  d = strtod (num, &end);
  if (*num == '\0' || *end != '\0' || errno != 0 || !(d >= 0 && d * 1e6 < 18446744073709551615.0))
    return xstrdup ("");
  *usec = (uint64_t) (d * 1e6);
  return xasprintf ("%.*sUSec", (int) (n - 3), k);
}

static int
append_annotations (sd_bus_message *m, const struct spec *s, urun_err *err)
{
  const json_node *a = json_get (s->doc, "annotations");
  static const char prefix[] = "org.systemd.property.";
  for (size_t i = 0; i < json_len (a); i++)
    {
      const char *k = json_key_at (a, i), *v = json_string (json_at (a, i));
      int r;
      if (strncmp (k, prefix, sizeof prefix - 1) != 0 || v == NULL)
        continue;
      k += sizeof prefix - 1;
      if (strcmp (k, "PIDs") == 0 || strcmp (k, "Delegate") == 0 || strcmp (k, "Slice") == 0
          || strcmp (k, "Description") == 0)
        return urun_fail (err, 0, "annotation `org.systemd.property.%s`: urun sets this property itself", k);
      if (*k == '\0' || strspn (k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != strlen (k))
        return urun_fail (err, 0, "annotation `org.systemd.property.%s`: not a property name", k);
      {
        uint64_t usec = 0;
        cleanup_free char *us = sec_to_usec (k, v, &usec);
        if (us && *us == '\0')
          return urun_fail (err, 0, "annotation `org.systemd.property.%s`: `%s` is not a number of seconds", k,
                            quote (v));
        if ((r = sdl.sd_bus_message_open_container (m, 'r', "sv")) < 0
            || (r = sdl.sd_bus_message_append (m, "s", us ? us : k)) < 0)
          return urun_fail (err, -r, "systemd: build the unit's properties");
        if (us)
          r = sdl.sd_bus_message_append (m, "v", "t", usec);
        else if ((r = append_variant (m, k, v, err)) < 0 && *err)
          return -1;
        if (r < 0)
          return urun_fail (err, -r, "systemd: build the unit's properties");
      }
      if ((r = sdl.sd_bus_message_close_container (m)) < 0)
        return urun_fail (err, -r, "systemd: build the unit's properties");
    }
  return 0;
}

/* runc's CPUQuotaPerSecUSec: per second, rounded up to systemd's 10 ms
 * steps. */
static uint64_t
quota_per_sec (unsigned long long quota, unsigned long long period)
{
  unsigned long long q = quota * 1000000ULL / period;
  if (q % 10000)
    q = (q / 10000 + 1) * 10000;
  return q;
}

/* The main limits as the unit's own properties (the sub-cgroup gets them
 * as files too: what the container sees inside). */
static int
append_limits (sd_bus_message *m, const struct spec *s)
{
  const json_node *mem = json_get (s->resources, "memory"), *pids = json_get (s->resources, "pids"),
                  *cpu = json_get (s->resources, "cpu");
  long long v, period = 100000;
  int r = 0;
  if (json_integer (json_get (mem, "limit"), &v) && v > 0)
    r = sdl.sd_bus_message_append (m, "(sv)", "MemoryMax", "t", (uint64_t) v);
  if (r >= 0 && json_integer (json_get (pids, "limit"), &v) && v >= -1)
    r = sdl.sd_bus_message_append (m, "(sv)", "TasksMax", "t", v == -1 ? UINT64_MAX : (uint64_t) v);
  if (r >= 0 && json_integer (json_get (cpu, "shares"), &v) && v > 0)
    r = sdl.sd_bus_message_append (m, "(sv)", "CPUWeight", "t", (uint64_t) cgroup_v2_shares_to_weight ((unsigned long long) v));
  json_integer (json_get (cpu, "period"), &period);
  if (r >= 0 && json_integer (json_get (cpu, "quota"), &v) && v > 0 && period > 0)
    r = sdl.sd_bus_message_append (m, "(sv)", "CPUQuotaPerSecUSec", "t",
                                   quota_per_sec ((unsigned long long) v, (unsigned long long) period));
  return r;
}

static int
start_message (sd_bus *bus, const struct urun_cgroup *cg, const struct spec *s, pid_t pid, sd_bus_message **out,
               urun_err *err)
{
  sd_bus_message *m = NULL;
  int r = sdl.sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
  if (r >= 0)
    r = sdl.sd_bus_message_append (m, "ss", cg->unit, "fail");
  if (r >= 0)
    r = sdl.sd_bus_message_open_container (m, 'a', "(sv)");
  if (r >= 0)
    r = sdl.sd_bus_message_append (m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", "urun container", "PIDs", "au", 1,
                               (uint32_t) pid, "Delegate", "b", 1, "DefaultDependencies", "b", 0, "CollectMode", "s",
                               "inactive-or-failed");
  if (r >= 0 && cg->slice)
    r = sdl.sd_bus_message_append (m, "(sv)", "Slice", "s", cg->slice);
  if (r >= 0)
    r = append_limits (m, s);
  if (r < 0)
    {
      sdl.sd_bus_message_unref (m);
      return urun_fail (err, -r, "systemd: build the StartTransientUnit call");
    }
  if (append_annotations (m, s, err) < 0)
    {
      sdl.sd_bus_message_unref (m);
      return -1;
    }
  if ((r = sdl.sd_bus_message_close_container (m)) < 0 || (r = sdl.sd_bus_message_append (m, "a(sa(sv))", 0)) < 0)
    {
      sdl.sd_bus_message_unref (m);
      return urun_fail (err, -r, "systemd: build the StartTransientUnit call");
    }
  *out = m;
  return 0;
}

/* ---- jobs ------------------------------------------------------------------ */

struct job_wait
{
  const char *path;
  char *result;
};

static int
on_job_removed (sd_bus_message *m, void *data, sd_bus_error *e)
{
  struct job_wait *w = data;
  const char *path, *unit, *result;
  uint32_t id;
  (void) e;
  if (sdl.sd_bus_message_read (m, "uoss", &id, &path, &unit, &result) >= 0 && w->path && strcmp (path, w->path) == 0)
    w->result = xstrdup (result);
  return 0;
}

static uint64_t
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Call METHOD (its reply: a job's path) and wait for that job to end. */
static int
call_job (sd_bus *bus, sd_bus_message *call, const char *what, char **result, urun_err *err)
{
  sd_bus_slot *slot = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *reply = NULL;
  struct job_wait w = { 0 };
  uint64_t deadline = now_us () + JOB_TIMEOUT_US;
  int r = sdl.sd_bus_match_signal (bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
  if (r < 0)
    return urun_fail (err, -r, "systemd: listen for the end of the job");
  r = sdl.sd_bus_call (bus, call, JOB_TIMEOUT_US, &e, &reply);
  if (r < 0)
    {
      urun_fail (err, -r, "systemd: %s: %s", what, e.message ? e.message : strerror (-r));
      sdl.sd_bus_error_free (&e);
      sdl.sd_bus_slot_unref (slot);
      return -1;
    }
  if ((r = sdl.sd_bus_message_read (reply, "o", &w.path)) < 0)
    {
      sdl.sd_bus_slot_unref (slot);
      return urun_fail (err, -r, "systemd: %s: no job in the reply", what);
    }
  while (w.result == NULL && now_us () < deadline)
    {
      r = sdl.sd_bus_process (bus, NULL);
      if (r < 0)
        break;
      if (r == 0)
        sdl.sd_bus_wait (bus, deadline - now_us ());
    }
  sdl.sd_bus_slot_unref (slot);
  if (w.result == NULL)
    return urun_fail (err, r < 0 ? -r : ETIMEDOUT, "systemd: %s: the job did not end", what);
  *result = w.result;
  return 0;
}

/* ---- the manager --------------------------------------------------------- */

static int
sd_place (struct urun_cgroup *cg, pid_t pid, const struct spec *s, urun_err *err)
{
  __attribute__ ((cleanup (bus_unrefp))) sd_bus *bus = NULL;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *m = NULL;
  cleanup_free char *result = NULL, *own = NULL, *what = xasprintf ("start %s", cg->unit);
  char v[32];
  if (bus_open (cg->user_bus, &bus, err) < 0 || start_message (bus, cg, s, pid, &m, err) < 0
      || call_job (bus, m, what, &result, err) < 0)
    return -1;
  if (strcmp (result, "done") != 0)
    return urun_fail (err, 0, "systemd: starting %s ended with `%s`", cg->unit, result);
  /* the scope's cgroup is where systemd put the process */
  if ((own = cgroup_v2_own (pid)) == NULL)
    return urun_fail (err, 0, "systemd: the cgroup of %s (pid %d) is not known", cg->unit, (int) pid);
  cg->dirs = xmalloc0 (sizeof *cg->dirs);
  cg->dirs[0].controllers = xstrdup ("");
  cg->dirs[0].path = xasprintf ("/sys/fs/cgroup%s/container", own);
  cg->n = 1;
  snprintf (v, sizeof v, "%d", (int) pid);
  if (mkdir (cg->dirs[0].path, 0755) < 0 && errno != EEXIST)
    return urun_fail (err, errno, "systemd: make %s in the delegated scope", cg->dirs[0].path);
  if (cg_write (cg->dirs[0].path, "cgroup.procs", v, err) < 0)
    return urun_err_wrap (err, "systemd: move the container into its sub-cgroup");
  {
    /* the scope is ours to enable controllers in; what is above, systemd's */
    cleanup_free char *scope = xasprintf ("/sys/fs/cgroup%s", own);
    return cgroup_v2_fill (cg, s, scope, err);
  }
}

/* Stop the unit (its processes are gone by now: the sub-cgroup was
 * killed; a cut-short create may have left them in the scope itself, so
 * the unit is killed first).  A unit already gone is fine. */
static int
sd_destroy (const struct urun_cgroup *cg, urun_err *err)
{
  __attribute__ ((cleanup (bus_unrefp))) sd_bus *bus = NULL;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *m = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  cleanup_free char *result = NULL, *what = NULL;
  cleanup_err urun_err stop = NULL;
  int r;
  /* not placed (its start failed, or never came): the unit of that name,
   * if any, is not ours */
  if (cg->n == 0)
    return 0;
  if (cgroup_v2_destroy (cg, err) < 0)
    return -1;
  if (cg->unit == NULL || bus_open (cg->user_bus, &bus, err) < 0)
    return cg->unit ? -1 : 0;
  r = sdl.sd_bus_call_method (bus, SD_DEST, SD_PATH, SD_MANAGER, "KillUnit", &e, NULL, "ssi", cg->unit, "all", 9);
  sdl.sd_bus_error_free (&e);
  r = sdl.sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit");
  if (r >= 0)
    r = sdl.sd_bus_message_append (m, "ss", cg->unit, "replace");
  if (r < 0)
    return urun_fail (err, -r, "systemd: build the StopUnit call");
  what = xasprintf ("stop %s", cg->unit);
  if (call_job (bus, m, what, &result, &stop) < 0)
    {
      /* NoSuchUnit: it went with its last process */
      if (strstr (stop->msg, "not loaded") || strstr (stop->msg, "NoSuchUnit") || strstr (stop->msg, "not found"))
        return 0;
      *err = steal_ptr (&stop);
      return -1;
    }
  return 0;
}

static int
sd_create (struct urun_cgroup *cg, const struct spec *s, urun_err *err)
{
  (void) cg;
  (void) s;
  (void) err;
  /* the scope is made around the process itself, once it exists (place) */
  return 0;
}

static int
sd_enter (const struct urun_cgroup *cg, pid_t pid, urun_err *err)
{
  return cgroup_v2_ops.enter (cg, pid, err);
}

static int
sd_freeze (const struct urun_cgroup *cg, bool frozen, urun_err *err)
{
  return cgroup_v2_ops.freeze (cg, frozen, err);
}

static bool
sd_frozen (const struct urun_cgroup *cg)
{
  return cgroup_v2_ops.frozen (cg);
}

static void
sd_thaw (const struct urun_cgroup *cg)
{
  cgroup_v2_ops.thaw (cg);
}

/* A limit file of the sub-cgroup as systemd's number ("max": infinity). */
static bool
leaf_limit (const char *leaf, const char *file, uint64_t *v, uint64_t *second)
{
  cleanup_free char *t = cg_read (leaf, file);
  char *end;
  if (t == NULL)
    return false;
  if (strncmp (t, "max", 3) == 0)
    {
      *v = UINT64_MAX;
      end = t + 3;
    }
  else
    {
      errno = 0;
      *v = strtoull (t, &end, 10);
      if (errno != 0 || end == t)
        return false;
    }
  if (second)
    *second = strtoull (end, NULL, 10);
  return true;
}

/* The scope's own properties for the limits an update changed, as the
 * sub-cgroup has them now: the scope got them at its start (append_limits)
 * and, as the parent, caps what the sub-cgroup may have.  Returns how many
 * it appended, or < 0. */
static int
scope_limits (sd_bus_message *m, const char *leaf, const json_node *res)
{
  const json_node *mem = json_get (res, "memory"), *cpu = json_get (res, "cpu");
  uint64_t v, period = 0;
  int r = 0, n = 0;
  if (json_get (mem, "limit") && leaf_limit (leaf, "memory.max", &v, NULL) && ++n)
    r = sdl.sd_bus_message_append (m, "(sv)", "MemoryMax", "t", v);
  if (r >= 0 && json_get (json_get (res, "pids"), "limit") && leaf_limit (leaf, "pids.max", &v, NULL) && ++n)
    r = sdl.sd_bus_message_append (m, "(sv)", "TasksMax", "t", v);
  if (r >= 0 && json_get (cpu, "shares") && leaf_limit (leaf, "cpu.weight", &v, NULL) && ++n)
    r = sdl.sd_bus_message_append (m, "(sv)", "CPUWeight", "t", v);
  if (r >= 0 && (json_get (cpu, "quota") || json_get (cpu, "period")) && leaf_limit (leaf, "cpu.max", &v, &period)
      && period > 0 && ++n)
    r = sdl.sd_bus_message_append (m, "(sv)", "CPUQuotaPerSecUSec", "t",
                                   v == UINT64_MAX ? v : quota_per_sec (v, period));
  return r < 0 ? r : n;
}

/* update: the sub-cgroup's files (what the container sees), then the
 * scope's properties to match, or a raised limit would stay capped by the
 * scope's old one (runc sets both too). */
static int
sd_update (const struct urun_cgroup *cg, const json_node *res, urun_err *err)
{
  __attribute__ ((cleanup (bus_unrefp))) sd_bus *bus = NULL;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *m = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int r, n;
  if (cgroup_v2_update (cg, res, err) < 0)
    return -1;
  if (cg->unit == NULL)
    return 0;
  if (bus_open (cg->user_bus, &bus, err) < 0)
    return urun_err_wrap (err, "the limits of %s", cg->unit);
  r = sdl.sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
  if (r >= 0)
    r = sdl.sd_bus_message_append (m, "sb", cg->unit, 1);
  if (r >= 0)
    r = sdl.sd_bus_message_open_container (m, 'a', "(sv)");
  if (r >= 0 && (r = n = scope_limits (m, cg->dirs[0].path, res)) >= 0)
    r = sdl.sd_bus_message_close_container (m);
  if (r < 0)
    return urun_fail (err, -r, "systemd: build the SetUnitProperties call");
  if (n == 0)
    return 0;
  if ((r = sdl.sd_bus_call (bus, m, JOB_TIMEOUT_US, &e, NULL)) < 0)
    {
      urun_fail (err, -r, "systemd: set the limits of %s: %s", cg->unit, e.message ? e.message : strerror (-r));
      sdl.sd_bus_error_free (&e);
      return -1;
    }
  return 0;
}

const struct cgroup_ops cgroup_systemd_ops = {
  .create = sd_create,
  .enter = sd_enter,
  .freeze = sd_freeze,
  .frozen = sd_frozen,
  .destroy = sd_destroy,
  .thaw = sd_thaw,
  .place = sd_place,
  .update = sd_update,
};

/* ---- names --------------------------------------------------------------- */

static bool
unit_chars (const char *s, size_t n)
{
  static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:_.-\\@";
  if (n == 0 || n > 200)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!strchr (ok, s[i]) || s[i] == '\0')
      return false;
  return true;
}

int
cgroup_systemd_names (const char *path, const char *id, bool user, char **slice, char **unit, urun_err *err)
{
  const char *a, *b;
  if (path == NULL || *path == '\0')
    {
      *slice = xstrdup (user ? "user.slice" : "system.slice");
      *unit = xasprintf ("urun-%s.scope", id);
      return unit_chars (*unit, strlen (*unit)) ? 0 : urun_fail (err, 0, "the id `%s` is not a systemd unit name", id);
    }
  /* runc's "slice:prefix:name" */
  a = strchr (path, ':');
  b = a ? strchr (a + 1, ':') : NULL;
  if (b == NULL || strchr (b + 1, ':'))
    return urun_fail (err, 0, "`linux.cgroupsPath`: `%s`: the systemd cgroup manager takes slice:prefix:name",
                      quote (path));
  if ((a != path && (!unit_chars (path, (size_t) (a - path)) || (size_t) (a - path) < 7
                     || strncmp (a - 6, ".slice", 6) != 0))
      || !unit_chars (a + 1, (size_t) (b - a - 1)) || !unit_chars (b + 1, strlen (b + 1)))
    return urun_fail (err, 0, "`linux.cgroupsPath`: `%s`: not a slice (NAME.slice), a prefix and a name",
                      quote (path));
  *slice = a == path ? xstrdup (user ? "user.slice" : "system.slice") : xstrndup (path, (size_t) (a - path));
  *unit = xasprintf ("%.*s-%s.scope", (int) (b - a - 1), a + 1, b + 1);
  return 0;
}

bool
cgroup_systemd_bus_reachable (bool user)
{
  const char *addr = getenv ("DBUS_SESSION_BUS_ADDRESS"), *xdg = getenv ("XDG_RUNTIME_DIR");
  cleanup_free char *p = NULL;
  struct stat sb;
  if (!user)
    return stat ("/run/systemd/private", &sb) == 0 || stat ("/run/dbus/system_bus_socket", &sb) == 0;
  if (addr && strncmp (addr, "unix:path=", 10) == 0)
    p = xstrndup (addr + 10, strcspn (addr + 10, ","));
  else if (xdg && *xdg)
    p = xasprintf ("%s/bus", xdg);
  return p && stat (p, &sb) == 0 && S_ISSOCK (sb.st_mode);
}
