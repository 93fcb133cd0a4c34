/* SPDX-License-Identifier: Apache-2.0 */
/* urun: cgroupfs on cgroup v1 hierarchies (root), as runc does on such
 * hosts: a directory per container in each hierarchy, the limits written
 * to its files, the device rules, the freezer for pause. */
#include <config.h>
#include "cgroup_priv.h"
#include "log.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the hierarchies ------------------------------------------------------ */

/* Our own cgroup in the hierarchy whose controllers are ctrls
 * (/proc/self/cgroup: "ID:CONTROLLERS:PATH"). */
static char *
own_path (const char *ctrls)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/cgroup", "re");
  char line[4096];
  while (f && fgets (line, sizeof line, f))
    {
      char *a = strchr (line, ':'), *b = a ? strchr (a + 1, ':') : NULL;
      if (b == NULL)
        continue;
      *b = '\0';
      b[1 + strcspn (b + 1, "\n")] = '\0';
      if (strcmp (a + 1, ctrls) == 0)
        return xstrdup (b + 1);
    }
  return xstrdup ("/");
}

/* The controllers of a v1 cgroup mount, from its super options. */
static char *
mount_controllers (const char *opts)
{
  static const char *const known[] = { "cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer",
                                       "net_cls", "net_prio", "perf_event", "hugetlb", "pids", "rdma", "misc" };
  cleanup_free char *copy = xstrdup (opts);
  char *out = NULL, *save = NULL;
  for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
      if (strcmp (o, known[i]) == 0)
        {
          char *n = out ? xasprintf ("%s,%s", out, o) : xstrdup (o);
          free (out);
          out = n;
        }
  return out;
}

static void
dir_add (struct urun_cgroup *cg, char *ctrls, char *path)
{
  cg->dirs = xrealloc (cg->dirs, (cg->n + 1) * sizeof *cg->dirs);
  cg->dirs[cg->n].controllers = ctrls;
  cg->dirs[cg->n].path = path;
  cg->n++;
}

int
cgroup_v1_paths (const char *rel, struct urun_cgroup *cg, urun_err *err)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  char line[4096];
  if (f == NULL)
    return urun_fail (err, errno, "open /proc/self/mountinfo");
  while (fgets (line, sizeof line, f))
    {
      /* ... MOUNTPOINT OPTS [optional...] - FSTYPE SOURCE SUPEROPTS */
      char mp[1024], fstype[64], super[1024];
      const char *dash = strstr (line, " - ");
      if (dash == NULL || sscanf (line, "%*s %*s %*s %*s %1023s", mp) != 1
          || sscanf (dash, " - %63s %*s %1023s", fstype, super) != 2 || strcmp (fstype, "cgroup") != 0)
        continue;
      char *ctrls = mount_controllers (super);
      if (ctrls == NULL)
        continue; /* name=systemd and other named hierarchies */
      cleanup_free char *own = rel[0] == '/' ? NULL : own_path (ctrls);
      char *path = own ? xasprintf ("%s%s/%s", mp, strcmp (own, "/") == 0 ? "" : own, rel) : xasprintf ("%s%s", mp, rel);
      dir_add (cg, ctrls, path);
    }
  return 0;
}

/* ---- making it ------------------------------------------------------------ */

static bool
has_ctrl (const char *ctrls, const char *c)
{
  size_t n = strlen (c);
  for (const char *p = ctrls; p && *p; p = strchr (p, ',') ? strchr (p, ',') + 1 : NULL)
    if (strncmp (p, c, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

static const struct urun_cgroup_dir *
dir_of (const struct urun_cgroup *cg, const char *ctrl)
{
  for (size_t i = 0; i < cg->n; i++)
    if (has_ctrl (cg->dirs[i].controllers, ctrl))
      return &cg->dirs[i];
  return NULL;
}

/* A new cpuset is empty: each level takes its parent's cpus and mems. */
static int
cpuset_fill (const char *path, urun_err *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  cleanup_free char *parent = xstrdup (path);
  char *slash = strrchr (parent, '/');
  if (slash)
    *slash = '\0';
  for (int i = 0; i < 2; i++)
    {
      cleanup_free char *mine = NULL, *theirs = NULL;
      size_t len;
      cleanup_err urun_err e = NULL;
      cleanup_free char *pm = xasprintf ("%s/%s", path, files[i]), *pp = xasprintf ("%s/%s", parent, files[i]);
      if (read_file_at (AT_FDCWD, pm, &mine, &len, &e) < 0 || strspn (mine, " \n") != len)
        continue;
      if (read_file_at (AT_FDCWD, pp, &theirs, &len, err) < 0)
        return -1;
      if (cg_write (path, files[i], theirs, err) < 0)
        return -1;
    }
  return 0;
}

int
cgroup_v1_check_unused (const struct urun_cgroup *cg, urun_err *err)
{
  struct stat sb;
  for (size_t i = 0; i < cg->n; i++)
    if (stat (cg->dirs[i].path, &sb) == 0 && cg_check_unused (cg->dirs[i].path, "freezer.state", "THAWED", err) < 0)
      return -1;
  return 0;
}

/* mkdir -p, filling each new cpuset level; an existing leaf must be unused. */
static int
make_dir (const struct urun_cgroup_dir *d, urun_err *err)
{
  return cg_mkdir_p (d->path, 0, "freezer.state", "THAWED", has_ctrl (d->controllers, "cpuset") ? cpuset_fill : NULL,
                     err);
}

static int
write_one (const char *dir, const struct cg_write *w, urun_err *err)
{
  if (cg_write (dir, w->file, w->value, err) == 0)
    return 0;
  /* BFQ hosts have blkio.bfq.weight instead (runc's fallback) */
  if ((*err)->errnum != ENOENT || strcmp (w->file, "blkio.weight") != 0)
    return -1;
  urun_err_free (err);
  return cg_write (dir, "blkio.bfq.weight", w->value, err);
}

static int
apply (const struct urun_cgroup *cg, const struct cg_writes *w, urun_err *err)
{
  for (size_t i = 0; i < w->n; i++)
    {
      const struct urun_cgroup_dir *d = dir_of (cg, w->v[i].ctrl);
      if (d == NULL)
        {
          urun_warn ("`%s` not applied: this host has no %s cgroup hierarchy", w->v[i].field, w->v[i].ctrl);
          continue;
        }
      if (write_one (d->path, &w->v[i], err) < 0)
        return urun_err_wrap (err, "`%s`", w->v[i].field);
    }
  return 0;
}

static int
v1_create (struct urun_cgroup *cg, const struct spec *s, urun_err *err)
{
  struct cg_writes w = { 0 }, dev = { 0 };
  int r = -1;
  for (size_t i = 0; i < cg->n; i++)
    if (make_dir (&cg->dirs[i], err) < 0)
      return -1;
  if (cgroup_v1_writes (s->resources, &w, err) < 0 || cgroup_v1_device_rules (s, &dev, err) < 0)
    goto out;
  if (w.not_applied)
    urun_warn ("linux.resources (%s) not applied: this host's cgroups are v1, which has no such files",
               w.not_applied);
  r = apply (cg, &w, err) < 0 || apply (cg, &dev, err) < 0 ? -1 : 0;
out:
  cg_writes_free (&w);
  cg_writes_free (&dev);
  return r;
}

/* pid 0: the caller itself, a single thread, through `tasks`: the kernel
 * then moves it without the global threadgroup lock, whose first taking
 * waits for an RCU grace period (5-10 ms, measured here; one per start). */
static int
v1_enter (const struct urun_cgroup *cg, pid_t pid, urun_err *err)
{
  char v[32];
  snprintf (v, sizeof v, "%d", (int) pid);
  for (size_t i = 0; i < cg->n; i++)
    if (cg_write (cg->dirs[i].path, pid == 0 ? "tasks" : "cgroup.procs", v, err) < 0)
      return -1;
  return 0;
}

/* ---- using it ------------------------------------------------------------- */

static char *
freezer_state (const struct urun_cgroup *cg)
{
  const struct urun_cgroup_dir *d = dir_of (cg, "freezer");
  cleanup_free char *p = d ? xasprintf ("%s/freezer.state", d->path) : NULL;
  cleanup_err urun_err e = NULL;
  char *text = NULL;
  size_t len;
  if (p == NULL || read_file_at (AT_FDCWD, p, &text, &len, &e) < 0)
    return NULL;
  text[strcspn (text, "\n")] = '\0';
  return text;
}

static bool
v1_frozen (const struct urun_cgroup *cg)
{
  cleanup_free char *s = freezer_state (cg);
  return s && strcmp (s, "FROZEN") == 0;
}

static int v1_freeze (const struct urun_cgroup *cg, bool frozen, urun_err *err);

static void
thaw_quietly (const struct urun_cgroup *cg)
{
  cleanup_free char *s = freezer_state (cg);
  cleanup_err urun_err e = NULL;
  /* FROZEN, or FREEZING (a pause cut short): a frozen task dies only once thawed */
  if (s && strcmp (s, "THAWED") != 0 && v1_freeze (cg, false, &e) < 0)
    urun_warn ("%s", e->msg);
}

static int
v1_freeze (const struct urun_cgroup *cg, bool frozen, urun_err *err)
{
  const struct urun_cgroup_dir *d = dir_of (cg, "freezer");
  const char *want = frozen ? "FROZEN" : "THAWED";
  if (d == NULL)
    return urun_fail (err, 0, "this host has no freezer cgroup hierarchy");
  /* FREEZING can stay so while a task is in an uninterruptible sleep:
   * ask again, for at most 5 s */
  for (int i = 0; i < 500; i++)
    {
      cleanup_free char *s = NULL;
      if (i % 50 == 0 && cg_write (d->path, "freezer.state", want, err) < 0)
        return -1;
      s = freezer_state (cg);
      if (s && strcmp (s, want) == 0)
        return 0;
      cg_sleep_ms (10);
    }
  /* a pause cut short is undone, not left half frozen */
  if (frozen)
    cg_write (d->path, "freezer.state", "THAWED", NULL);
  return urun_fail (err, 0, "the freezer did not become %s within 5 s", want);
}

static int
v1_destroy (const struct urun_cgroup *cg, urun_err *err)
{
  int r = 0;
  thaw_quietly (cg);
  for (int i = 0; i < 500; i++)
    {
      bool empty = true;
      for (size_t j = 0; j < cg->n; j++)
        empty = cg_kill_tree (cg->dirs[j].path, 0) && empty;
      if (empty)
        break;
      cg_sleep_ms (2);
    }
  /* every hierarchy, even after one failed */
  for (size_t i = 0; i < cg->n; i++)
    if (cg_rmdir_tree (cg->dirs[i].path, 0, r < 0 ? NULL : err) < 0)
      r = -1;
  return r;
}

/* ---- update --------------------------------------------------------------- */

static bool
read_ll (const char *dir, const char *file, long long *v)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file), *text = NULL;
  cleanup_err urun_err e = NULL;
  size_t len;
  char *end;
  if (read_file_at (AT_FDCWD, p, &text, &len, &e) < 0)
    return false;
  *v = strtoll (text, &end, 10);
  return end != text;
}

static ssize_t
find_write (const struct cg_writes *w, const char *file)
{
  for (size_t i = 0; i < w->n; i++)
    if (strcmp (w->v[i].file, file) == 0)
      return (ssize_t) i;
  return -1;
}

/* memory.limit_in_bytes may never be above memory.memsw.limit_in_bytes:
 * when both change, the one that keeps that true goes first (runc's
 * order: the swap total first when it grows past the current limit); a
 * limit of -1 alone takes the swap total to -1 too (runc).  One alone
 * that would break it is refused with both values named (the kernel
 * says only EINVAL). */
static int
order_memory (const struct urun_cgroup *cg, struct cg_writes *w, urun_err *err)
{
  const struct urun_cgroup_dir *d = dir_of (cg, "memory");
  ssize_t li = find_write (w, "memory.limit_in_bytes"), si = find_write (w, "memory.memsw.limit_in_bytes");
  long long cur_limit, cur_sw, limit = li >= 0 ? atoll (w->v[li].value) : 0, sw = si >= 0 ? atoll (w->v[si].value) : 0;
  bool has_sw = d && read_ll (d->path, "memory.memsw.limit_in_bytes", &cur_sw);
  if (d == NULL || !read_ll (d->path, "memory.limit_in_bytes", &cur_limit))
    return 0; /* apply says what it cannot write */
  if (li >= 0 && si < 0 && limit == -1 && has_sw)
    {
      w->v = xrealloc (w->v, (w->n + 1) * sizeof *w->v);
      memmove (&w->v[li + 1], &w->v[li], (w->n - (size_t) li) * sizeof *w->v);
      w->v[li] = (struct cg_write){ "memory", xstrdup ("memory.memsw.limit_in_bytes"), xstrdup ("-1"),
                                    "linux.resources.memory.swap" };
      w->n++;
      return 0;
    }
  if (li >= 0 && si >= 0)
    {
      if ((sw == -1 || cur_limit < sw) && si > li)
        {
          struct cg_write t = w->v[li];
          w->v[li] = w->v[si];
          w->v[si] = t;
        }
      return 0;
    }
  if (li >= 0 && has_sw && limit != -1 && limit > cur_sw)
    return urun_fail (err, 0, "`linux.resources.memory.limit`: %lld is above the memory+swap limit %lld: raise the swap "
                      "limit with it (--memory-swap)", limit, cur_sw);
  if (si >= 0 && sw != -1 && sw < cur_limit)
    return urun_fail (err, 0, "`linux.resources.memory.swap`: %lld is below the memory limit %lld: lower the memory "
                      "limit with it (--memory)", sw, cur_limit);
  return 0;
}

/* The writes of create (v1_res.c) for what is given, in an order the
 * current values allow. */
static int
v1_update (const struct urun_cgroup *cg, const json_node *resources, urun_err *err)
{
  struct cg_writes w = { 0 };
  int r = -1;
  if (cgroup_v1_writes (resources, &w, err) < 0)
    goto out;
  if (w.not_applied)
    urun_warn ("linux.resources (%s) not applied: this host's cgroups are v1, which has no such files",
               w.not_applied);
  r = order_memory (cg, &w, err) < 0 || apply (cg, &w, err) < 0 ? -1 : 0;
out:
  cg_writes_free (&w);
  return r;
}

const struct cgroup_ops cgroup_v1_ops = {
  .create = v1_create,
  .enter = v1_enter,
  .freeze = v1_freeze,
  .frozen = v1_frozen,
  .destroy = v1_destroy,
  .thaw = thaw_quietly,
  .update = v1_update,
};
