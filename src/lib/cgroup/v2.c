/* SPDX-License-Identifier: Apache-2.0 */
/* urun: cgroupfs on the unified hierarchy (cgroup v2): one directory per
 * container, its controllers enabled from the top down, the limits
 * written to its files, the device rules as a BPF program (root), the
 * freezer of cgroup.freeze for pause, cgroup.kill for the end.  The
 * systemd manager (systemd.c) makes the directory inside its scope and
 * then uses these too. */
#include <config.h>
#include "cgroup_priv.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define V2_ROOT "/sys/fs/cgroup"

/* Our own cgroup on the unified hierarchy ("0::PATH" of /proc/self/cgroup). */
char *
cgroup_v2_own (pid_t pid)
{
  char file[64], line[4096];
  snprintf (file, sizeof file, "/proc/%d/cgroup", pid ? (int) pid : (int) getpid ());
  cleanup_fclose FILE *f = fopen (file, "re");
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "0::", 3) == 0)
      {
        line[strcspn (line, "\n")] = '\0';
        return xstrdup (line + 3);
      }
  return NULL;
}

int
cgroup_v2_paths (const char *rel, struct urun_cgroup *cg, urun_err *err)
{
  cleanup_free char *own = rel[0] == '/' ? NULL : cgroup_v2_own (0), *base = NULL;
  char *slash;
  if (rel[0] != '/' && own == NULL)
    return urun_fail (err, 0, "find our own cgroup (no 0:: line in /proc/self/cgroup)");
  /* beside our own cgroup, which has a process (us): v2 puts none in a
   * cgroup whose controllers are enabled for those below it */
  base = own ? xstrdup (own) : xstrdup ("");
  if ((slash = strrchr (base, '/')))
    *slash = '\0';
  cg->dirs = xmalloc0 (sizeof *cg->dirs);
  cg->dirs[0].controllers = xstrdup ("");
  cg->dirs[0].path = rel[0] == '/' ? xasprintf (V2_ROOT "%s", rel) : xasprintf (V2_ROOT "%s/%s", base, rel);
  cg->n = 1;
  return 0;
}

int
cgroup_v2_check_unused (const struct urun_cgroup *cg, urun_err *err)
{
  struct stat sb;
  if (cg->n && stat (cg->dirs[0].path, &sb) == 0)
    return cg_check_unused (cg->dirs[0].path, "cgroup.freeze", "0", err);
  return 0;
}

static bool
word_in (const char *list, const char *w)
{
  size_t n = strlen (w);
  for (const char *p = list; p && (p = strstr (p, w)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
      return true;
  return false;
}

/* Each level from top (NULL: the hierarchy's root) down to the parent of
 * leaf gives its children every controller it has (errors ignored: a
 * level not ours, or one the kernel refuses; what the leaf then lacks is
 * said by fill).  Under systemd, top is the delegated scope: the levels
 * above are systemd's to write. */
static void
enable_controllers (const char *leaf, const char *top)
{
  cleanup_free char *p = xstrdup (leaf);
  size_t root_len = top && strncmp (top, leaf, strlen (top)) == 0 ? strlen (top) : strlen (V2_ROOT);
  for (char *s = p + root_len;; s = strchr (s + 1, '/'))
    {
      cleanup_free char *have = NULL, *on = NULL;
      char *save = NULL, saved;
      if (s == NULL)
        break;
      saved = *s;
      *s = '\0';
      have = cg_read (p, "cgroup.controllers");
      on = cg_read (p, "cgroup.subtree_control");
      for (char *c = have ? strtok_r (have, " \n", &save) : NULL; c; c = strtok_r (NULL, " \n", &save))
        if (!word_in (on, c))
          {
            char plus[64];
            snprintf (plus, sizeof plus, "+%s", c);
            cg_write (p, "cgroup.subtree_control", plus, NULL);
          }
      *s = saved;
    }
}

/* runc's conversion of a blkio weight [10, 1000] to io.weight [1, 10000]
 * where the kernel has no BFQ (io.bfq.weight takes the old range). */
static int
write_one (const char *dir, const struct cg_write *w, urun_err *err)
{
  unsigned long long v;
  char *end, conv[64];
  if (cg_write (dir, w->file, w->value, err) == 0)
    return 0;
  if ((*err)->errnum != ENOENT || strcmp (w->file, "io.bfq.weight") != 0)
    return -1;
  urun_err_free (err);
  v = strtoull (w->value, &end, 10);
  if (*end == '\0')
    snprintf (conv, sizeof conv, "%llu", 1 + (v < 10 ? 0 : (v - 10) * 9999 / 990));
  else
    {
      /* "MAJ:MIN W", the weight converted the same way */
      const char *sp = strchr (w->value, ' ');
      unsigned long long dw = sp ? strtoull (sp + 1, NULL, 10) : 0;
      snprintf (conv, sizeof conv, "%.*s %llu", sp ? (int) (sp - w->value) : 0, w->value,
                1 + (dw < 10 ? 0 : (dw - 10) * 9999 / 990));
    }
  return cg_write (dir, "io.weight", conv, err);
}

/* The leaf's controllers, once each one the writes need is there or a
 * while has passed: right after systemd's job for a scope ends, PID 1 may
 * still be realizing the cgroups above it (seen once in the guest: pids
 * missing from a fresh scope), so enabling is tried again, bounded. */
static char *
leaf_controllers (const char *leaf, const char *top, const struct cg_writes *w)
{
  for (int t = 0;; t++)
    {
      char *have = cg_read (leaf, "cgroup.controllers");
      bool all = true;
      for (size_t i = 0; all && i < w->n; i++)
        all = strcmp (w->v[i].ctrl, "cgroup") == 0 || word_in (have, w->v[i].ctrl);
      if (all || t == 10)
        return have;
      free (have);
      cg_sleep_ms (10);
      enable_controllers (leaf, top);
    }
}

static int
apply (const char *leaf, const char *top, const struct cg_writes *w, urun_err *err)
{
  cleanup_free char *have = leaf_controllers (leaf, top, w), *missing = NULL, *fields = NULL;
  for (size_t i = 0; i < w->n; i++)
    {
      bool here = strcmp (w->v[i].ctrl, "cgroup") == 0 || word_in (have, w->v[i].ctrl);
      /* the spec: a unified key whose controller is not there MUST fail */
      if (!here && strcmp (w->v[i].field, "linux.resources.unified") == 0)
        return urun_fail (err, 0, "`linux.resources.unified.%s`: controller %s is not enabled for cgroup %s",
                          w->v[i].file, w->v[i].ctrl, leaf);
      if (!here)
        {
          char *m = missing == NULL ? xstrdup (w->v[i].ctrl)
                    : word_in (missing, w->v[i].ctrl) ? xstrdup (missing)
                                                      : xasprintf ("%s %s", missing, w->v[i].ctrl);
          char *f = fields && strstr (fields, w->v[i].field) ? xstrdup (fields)
                    : fields ? xasprintf ("%s, %s", fields, w->v[i].field)
                             : xstrdup (w->v[i].field);
          free (missing);
          free (fields);
          missing = m;
          fields = f;
          continue;
        }
      if (write_one (leaf, &w->v[i], err) < 0)
        return urun_err_wrap (err, "`%s`", w->v[i].field);
    }
  if (missing)
    urun_warn ("linux.resources (%s) not applied: controller %s not delegated to cgroup %s", fields, missing, leaf);
  return 0;
}

int
cgroup_v2_fill (const struct urun_cgroup *cg, const struct spec *s, const char *top, urun_err *err)
{
  struct cg_writes w = { 0 }, dev = { 0 };
  int r = -1;
  enable_controllers (cg->dirs[0].path, top);
  if (cgroup_v2_writes (s->resources, &w, err) < 0)
    goto out;
  if (w.not_applied)
    urun_warn ("linux.resources (%s) not applied: cgroup v2 has no such files", w.not_applied);
  if (apply (cg->dirs[0].path, top, &w, err) < 0)
    goto out;
  /* the device controller of v2 is a BPF program, which root alone may
   * attach; rootless, the container can make no device node anyway */
  if (!cg->no_devices
      && (cgroup_v1_device_rules (s, &dev, err) < 0 || cgroup_v2_attach_devices (cg->dirs[0].path, &dev, err) < 0))
    goto out;
  r = 0;
out:
  cg_writes_free (&w);
  cg_writes_free (&dev);
  return r;
}

static int
v2_create (struct urun_cgroup *cg, const struct spec *s, urun_err *err)
{
  if (cg_mkdir_p (cg->dirs[0].path, strlen (V2_ROOT), "cgroup.freeze", "0", NULL, err) < 0)
    return -1;
  return cgroup_v2_fill (cg, s, NULL, err);
}

static int
v2_enter (const struct urun_cgroup *cg, pid_t pid, urun_err *err)
{
  char v[32];
  snprintf (v, sizeof v, "%d", (int) pid);
  return cg->n ? cg_write (cg->dirs[0].path, "cgroup.procs", v, err) : 0;
}

/* ---- using it ------------------------------------------------------------- */

/* "frozen 1" or "frozen 0" in cgroup.events */
static int
events_frozen (const char *path)
{
  cleanup_free char *ev = cg_read (path, "cgroup.events");
  const char *f = ev ? strstr (ev, "frozen ") : NULL;
  return f ? f[7] == '1' : -1;
}

static bool
v2_frozen (const struct urun_cgroup *cg)
{
  cleanup_free char *f = cg->n ? cg_read (cg->dirs[0].path, "cgroup.freeze") : NULL;
  return f && f[0] == '1';
}

static int
v2_freeze (const struct urun_cgroup *cg, bool frozen, urun_err *err)
{
  const char *path = cg->n ? cg->dirs[0].path : NULL;
  if (path == NULL)
    return urun_fail (err, 0, "its cgroup is not known (a create cut short)");
  if (cg_write (path, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  /* the kernel says when every task is frozen (or thawed): at most 5 s */
  for (int i = 0; i < 500; i++)
    {
      if (events_frozen (path) == (frozen ? 1 : 0))
        return 0;
      cg_sleep_ms (10);
    }
  if (frozen)
    cg_write (path, "cgroup.freeze", "0", NULL);
  return urun_fail (err, 0, "the cgroup did not become %s within 5 s", frozen ? "frozen" : "thawed");
}

static void
v2_thaw (const struct urun_cgroup *cg)
{
  cleanup_err urun_err e = NULL;
  if (v2_frozen (cg) && v2_freeze (cg, false, &e) < 0)
    urun_warn ("%s", e->msg);
}

static bool
populated (const char *path)
{
  cleanup_free char *ev = cg_read (path, "cgroup.events");
  const char *p = ev ? strstr (ev, "populated ") : NULL;
  return p && p[10] == '1';
}

int
cgroup_v2_destroy (const struct urun_cgroup *cg, urun_err *err)
{
  const char *path = cg->n ? cg->dirs[0].path : NULL;
  struct stat sb;
  if (path == NULL || stat (path, &sb) < 0)
    return 0;
  v2_thaw (cg);
  /* cgroup.kill (5.14) takes the whole subtree at once, forks racing it too */
  if (cg_write (path, "cgroup.kill", "1", NULL) < 0)
    cg_kill_tree (path, 0);
  for (int i = 0; i < 500 && populated (path); i++)
    {
      if (i % 50 == 49)
        cg_kill_tree (path, 0);
      cg_sleep_ms (2);
    }
  return cg_rmdir_tree (path, 0, err);
}

/* `urun update`: the writes of create for what is given (v2's files are
 * independent of each other: no order to keep). */
int
cgroup_v2_update (const struct urun_cgroup *cg, const json_node *resources, urun_err *err)
{
  struct cg_writes w = { 0 };
  int r = -1;
  if (cg->n == 0)
    return urun_fail (err, 0, "its cgroup is not known (a create cut short)");
  {
    cleanup_free char *mem = cg_read (cg->dirs[0].path, "memory.max"), *cpu = cg_read (cg->dirs[0].path, "cpu.max");
    struct cg_v2_now now = { .memory_limit = mem && mem[0] != 'm' ? strtoll (mem, NULL, 10) : -1 };
    const char *sp = cpu ? strchr (cpu, ' ') : NULL;
    now.cpu_period = sp ? strtoll (sp + 1, NULL, 10) : 0;
    if (cgroup_v2_writes_now (resources, &now, &w, err) < 0)
      goto out;
  }
  if (w.not_applied)
    urun_warn ("linux.resources (%s) not applied: cgroup v2 has no such files", w.not_applied);
  {
    /* systemd's scope (the parent of the leaf) and below are ours */
    const char *leaf = cg->dirs[0].path, *slash = strrchr (leaf, '/');
    cleanup_free char *top = cg->unit && slash ? xstrndup (leaf, (size_t) (slash - leaf)) : NULL;
    r = apply (leaf, top, &w, err);
  }
out:
  cg_writes_free (&w);
  return r;
}

const struct cgroup_ops cgroup_v2_ops = {
  .create = v2_create,
  .enter = v2_enter,
  .freeze = v2_freeze,
  .frozen = v2_frozen,
  .destroy = cgroup_v2_destroy,
  .thaw = v2_thaw,
  .update = cgroup_v2_update,
};
