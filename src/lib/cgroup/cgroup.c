/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "cgroup_priv.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#define CGROUP_RECORD "cgroup"

int
cgroup_manager_parse (const char *s)
{
  static const char *const names[] = { "cgroupfs", "systemd", "disabled" };
  for (int i = 0; i < 3; i++)
    if (strcmp (s, names[i]) == 0)
      return i + 1;
  return -1;
}

static const struct cgroup_ops *
ops_of (const struct urun_cgroup *cg)
{
  if (cg->kind == CGROUP_V2)
    return cg->unit ? &cgroup_systemd_ops : &cgroup_v2_ops;
  return cg->kind == CGROUP_V1 ? &cgroup_v1_ops : NULL;
}

static bool
host_is_v2 (void)
{
  struct statfs sf;
  /* v1 or hybrid: a tmpfs of hierarchies at /sys/fs/cgroup */
  return statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* No cgroup of its own: one line when the config asked for limits. */
static void
warn_unmanaged (const struct spec *s, const char *why)
{
  cleanup_free char *asked = spec_resource_limits_requested (s);
  if (asked)
    urun_warn ("linux.resources (%s) not applied: %s; the container runs without these limits", asked, why);
}

/* A cgroup path of names: at least one, none empty, "." or "..", none
 * longer than NAME_MAX, no control character.  Never the root of a
 * hierarchy, nor a way out of the one it names: delete kills what is in
 * it and removes it. */
static bool
names_only (const char *p, size_t min_names)
{
  size_t names = 0;
  for (const char *c = p; *c; c++)
    if ((unsigned char) *c < 0x20 || *c == 0x7f)
      return false;
  while (*p == '/')
    p++;
  while (*p)
    {
      size_t n = strcspn (p, "/");
      if (n > NAME_MAX || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return false;
      names++;
      p += n;
      if (*p == '/' && (p[1] == '/' || p[1] == '\0'))
        return false;
      if (*p == '/')
        p++;
    }
  return names >= min_names;
}

/* A slice's path as systemd nests it: a-b-c.slice is
 * /a.slice/a-b.slice/a-b-c.slice (runc's expansion); "-.slice" is the
 * root. */
static char *
slice_path (const char *slice, size_t n)
{
  char *out = xstrdup ("");
  if (n == 7 && strncmp (slice, "-.slice", 7) == 0)
    return out;
  for (size_t i = 0; i + 6 <= n; i++)
    if (slice[i] == '-' || i + 6 == n)
      {
        char *t = xasprintf ("%s/%.*s.slice", out, (int) i, slice);
        free (out);
        out = t;
        if (i + 6 == n)
          break;
      }
  return out;
}

/* runc's systemd form "slice:prefix:name", as the cgroupfs path systemd
 * would give it (/slice.../prefix-name.scope); any other path as it is. */
static char *
systemd_to_path (const char *p)
{
  const char *a = strchr (p, ':'), *b = a ? strchr (a + 1, ':') : NULL;
  cleanup_free char *sp = NULL;
  if (p[0] == '/' || b == NULL || strchr (b + 1, ':'))
    return xstrdup (p);
  sp = a == p ? xstrdup ("/system.slice") : slice_path (p, (size_t) (a - p));
  return xasprintf ("%s/%.*s-%s.scope", sp, (int) (b - a - 1), a + 1, b + 1);
}

/* v1 or hybrid host: cgroupfs as root, as before v2 existed. */
static int
plan_v1 (const struct spec *s, const char *id, const struct plan_host *h, enum cgroup_manager m,
         struct urun_cgroup *cg, urun_err *err)
{
  cleanup_free char *rel = NULL;
  if (plan_is_rootless (h))
    {
      warn_unmanaged (s, "cgroup v1 host: rootless cgroups need v2 (delegated by systemd)");
      return 0;
    }
  if (m == CGROUP_MANAGER_SYSTEMD)
    urun_warn ("the systemd cgroup manager needs cgroup v2; on this v1 host urun makes the cgroups itself (cgroupfs)");
  if (s->cgroups_path && !names_only (s->cgroups_path, 1))
    return urun_fail (err, 0, "`linux.cgroupsPath`: `%s` is not a cgroup path (names, none of them `.` or `..`)",
                      quote (s->cgroups_path));
  /* runc's default: the container's id under our own cgroup */
  rel = s->cgroups_path == NULL                 ? xstrdup (id)
        : m == CGROUP_MANAGER_SYSTEMD ? systemd_to_path (s->cgroups_path)
                                      : xstrdup (s->cgroups_path);
  cg->kind = CGROUP_V1;
  return cgroup_v1_paths (rel, cg, err);
}

/* cgroupfs on v2: root, or an unprivileged caller who asked for it on a
 * tree it may write (a delegated one). */
static int
plan_v2_fs (const struct spec *s, const char *id, const struct plan_host *h, struct urun_cgroup *cg, urun_err *err)
{
  cleanup_free char *parent = NULL;
  char *slash;
  if (s->cgroups_path && !names_only (s->cgroups_path, 1))
    return urun_fail (err, 0, "`linux.cgroupsPath`: `%s` is not a cgroup path (names, none of them `.` or `..`)",
                      quote (s->cgroups_path));
  cg->kind = CGROUP_V2;
  cg->no_devices = plan_is_rootless (h);
  if (cgroup_v2_paths (s->cgroups_path ? s->cgroups_path : id, cg, err) < 0)
    return -1;
  if (!plan_is_rootless (h))
    return 0;
  /* rootless: only where the parent is ours to write */
  parent = xstrdup (cg->dirs[0].path);
  if ((slash = strrchr (parent, '/')))
    *slash = '\0';
  if (access (parent, W_OK) == 0)
    return 0;
  cgroup_free (cg);
  {
    cleanup_free char *why = xasprintf ("cgroup %s is not ours to write (not delegated)", parent);
    warn_unmanaged (s, why);
  }
  return 0;
}

/* The systemd manager: the user's own manager (user bus) or PID 1. */
static int
plan_systemd (const struct spec *s, const char *id, const struct plan_host *h, bool asked, struct urun_cgroup *cg,
              urun_err *err)
{
  bool user = plan_is_rootless (h);
  if (!cgroup_systemd_bus_reachable (user))
    {
      if (asked)
        return urun_fail (err, 0, "the systemd cgroup manager: no %s", user ? "systemd user session (no user bus: is "
                          "XDG_RUNTIME_DIR set, and user@.service running?)" : "systemd system bus");
      warn_unmanaged (s, "no systemd user session (no user bus), which rootless cgroups need");
      return 0;
    }
  if (cgroup_systemd_names (s->cgroups_path, id, user, &cg->slice, &cg->unit, err) < 0)
    return -1;
  cg->kind = CGROUP_V2;
  cg->user_bus = user;
  cg->no_devices = user;
  return 0;
}

int
cgroup_plan (const struct spec *s, const char *id, const struct plan_host *h, enum cgroup_manager m,
             struct urun_cgroup *cg, urun_err *err)
{
  int r;
  memset (cg, 0, sizeof *cg);
  if (m == CGROUP_MANAGER_DISABLED)
    {
      warn_unmanaged (s, "the cgroup manager is disabled");
      return 0;
    }
  if (!host_is_v2 ())
    r = plan_v1 (s, id, h, m, cg, err);
  else if (m == CGROUP_MANAGER_SYSTEMD || (m == CGROUP_MANAGER_DEFAULT && plan_is_rootless (h)))
    r = plan_systemd (s, id, h, m == CGROUP_MANAGER_SYSTEMD, cg, err);
  else
    r = plan_v2_fs (s, id, h, cg, err);
  if (r < 0)
    cgroup_free (cg);
  return r;
}

int
cgroup_check_unused (struct urun_cgroup *cg, urun_err *err)
{
  if ((cg->kind == CGROUP_V1 && cgroup_v1_check_unused (cg, err) < 0)
      || (cg->kind == CGROUP_V2 && cgroup_v2_check_unused (cg, err) < 0))
    {
      /* not ours: nothing may ever kill or remove it */
      cgroup_free (cg);
      return -1;
    }
  return 0;
}

int
cgroup_create (struct urun_cgroup *cg, const struct spec *s, urun_err *err)
{
  const struct cgroup_ops *o = ops_of (cg);
  return o ? o->create (cg, s, err) : 0;
}

int
cgroup_enter (const struct urun_cgroup *cg, pid_t pid, urun_err *err)
{
  const struct cgroup_ops *o = ops_of (cg);
  return o ? o->enter (cg, pid, err) : 0;
}

int
cgroup_enter_exec (const struct urun_cgroup *cg, pid_t init, bool rootless, urun_err *err)
{
  cleanup_free char *own = NULL, *dir = NULL;
  if (cgroup_enter (cg, 0, err) == 0)
    return 0;
  if (cg->kind == CGROUP_V2 && cg->n && (*err)->errnum == EBUSY && (own = cgroup_v2_own (init)))
    {
      size_t n = strlen (cg->dirs[0].path);
      dir = xasprintf ("/sys/fs/cgroup%s", own);
      /* only ever a cgroup of the container's own */
      if (strncmp (dir, cg->dirs[0].path, n) == 0 && dir[n] == '/' && names_only (dir + n, 1))
        {
          urun_err_free (err);
          return cg_write (dir, "cgroup.procs", "0", err);
        }
    }
  if (rootless && ((*err)->errnum == EACCES || (*err)->errnum == EPERM))
    {
      urun_warn ("the process is not in the container's cgroup (%s): it runs without its limits", (*err)->msg);
      urun_err_free (err);
      return 0;
    }
  return -1;
}

int
cgroup_place (struct urun_cgroup *cg, pid_t pid, const struct spec *s, int dirfd, urun_err *err)
{
  const struct cgroup_ops *o = ops_of (cg);
  if (o == NULL)
    return 0;
  if (o->place == NULL)
    return o->enter (cg, pid, err);
  if (o->place (cg, pid, s, err) < 0)
    return -1;
  return cgroup_save (cg, dirfd, err);
}

bool
cgroup_has (const struct urun_cgroup *cg)
{
  return ops_of (cg) != NULL;
}

int
cgroup_clone_fd (const struct urun_cgroup *cg)
{
  if (cg->kind != CGROUP_V2 || cg->unit || cg->n == 0)
    return -1;
  return open (cg->dirs[0].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
cgroup_destroy (const struct urun_cgroup *cg, urun_err *err)
{
  const struct cgroup_ops *o = ops_of (cg);
  return o ? o->destroy (cg, err) : 0;
}

int
cgroup_freeze (const struct urun_cgroup *cg, bool frozen, urun_err *err)
{
  const struct cgroup_ops *o = ops_of (cg);
  if (o == NULL)
    return urun_fail (err, 0, "it has no cgroup of its own");
  return o->freeze (cg, frozen, err);
}

bool
cgroup_frozen (const struct urun_cgroup *cg)
{
  const struct cgroup_ops *o = ops_of (cg);
  return o && o->frozen (cg);
}

void
cgroup_free (struct urun_cgroup *cg)
{
  for (size_t i = 0; i < cg->n; i++)
    {
      free (cg->dirs[i].controllers);
      free (cg->dirs[i].path);
    }
  free (cg->dirs);
  free (cg->unit);
  free (cg->slice);
  memset (cg, 0, sizeof *cg);
}

/* ---- the record ----------------------------------------------------------
 * v1: "v1", then "CONTROLLERS PATH" lines.
 * v2: "v2", then "unified PATH" once it is known and, for the systemd
 * manager, "systemd user|system UNIT" once the unit is started and the
 * process in it.  A kill -9 before leaves a scope whose process dies with
 * urun: systemd collects it. */

int
cgroup_save (const struct urun_cgroup *cg, int dirfd, urun_err *err)
{
  cleanup_free char *text = xstrdup (cg->kind == CGROUP_V2 ? "v2\n" : "v1\n");
  if (cg->kind == CGROUP_NONE)
    return 0;
  for (size_t i = 0; i < cg->n; i++)
    {
      char *t = xasprintf ("%s%s %s\n", text, cg->kind == CGROUP_V2 ? "unified" : cg->dirs[i].controllers,
                           cg->dirs[i].path);
      free (text);
      text = t;
    }
  /* the unit only once it is ours (its job done, the process in it): a
   * name recorded before could be another's unit (a name in use), which
   * delete would kill and stop */
  if (cg->unit && cg->n)
    {
      char *t = xasprintf ("%ssystemd %s %s\n", text, cg->user_bus ? "user" : "system", cg->unit);
      free (text);
      text = t;
    }
  return write_file_atomic_at (dirfd, CGROUP_RECORD, text, strlen (text), 0600, err);
}

static void
load_line (struct urun_cgroup *cg, char *l)
{
  char *sp = strchr (l, ' ');
  if (sp == NULL)
    return;
  *sp = '\0';
  if (cg->kind == CGROUP_V2 && strcmp (l, "systemd") == 0)
    {
      char *name = strchr (sp + 1, ' ');
      size_t n = name ? strlen (name + 1) : 0;
      if (name == NULL || n < 7 || strcmp (name + 1 + n - 6, ".scope") != 0 || strchr (name + 1, '/'))
        return;
      cg->user_bus = strncmp (sp + 1, "user ", 5) == 0;
      free (cg->unit);
      cg->unit = xstrdup (name + 1);
      return;
    }
  /* what delete kills and removes: only ever a cgroup below a
   * hierarchy's root (/sys/fs/cgroup/HIERARCHY/NAME... on v1) */
  if (strncmp (sp + 1, "/sys/fs/cgroup/", 15) != 0 || !names_only (sp + 16, cg->kind == CGROUP_V2 ? 1 : 2)
      || (cg->kind == CGROUP_V2 && (strcmp (l, "unified") != 0 || cg->n)))
    return;
  cg->dirs = xrealloc (cg->dirs, (cg->n + 1) * sizeof *cg->dirs);
  cg->dirs[cg->n].controllers = xstrdup (cg->kind == CGROUP_V2 ? "" : l);
  cg->dirs[cg->n].path = xstrdup (sp + 1);
  cg->n++;
}

int
cgroup_load (int dirfd, struct urun_cgroup *cg)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err e = NULL;
  size_t len;
  char *save = NULL, *l;
  memset (cg, 0, sizeof *cg);
  if (read_file_at (dirfd, CGROUP_RECORD, &text, &len, &e) < 0)
    return 0;
  l = strtok_r (text, "\n", &save);
  if (l == NULL || (strcmp (l, "v1") != 0 && strcmp (l, "v2") != 0))
    return -1;
  cg->kind = l[1] == '2' ? CGROUP_V2 : CGROUP_V1;
  while ((l = strtok_r (NULL, "\n", &save)))
    load_line (cg, l);
  return 0;
}

static int
with_record (int dirfd, bool destroy, bool frozen, urun_err *err)
{
  struct urun_cgroup cg;
  int r;
  if (cgroup_load (dirfd, &cg) < 0)
    return urun_fail (err, 0, "the cgroup record of the container is unreadable");
  r = destroy ? cgroup_destroy (&cg, err) : cgroup_freeze (&cg, frozen, err);
  cgroup_free (&cg);
  return r;
}

void
cgroup_thaw_at (int dirfd)
{
  struct urun_cgroup cg;
  const struct cgroup_ops *o;
  if (cgroup_load (dirfd, &cg) < 0)
    return;
  if ((o = ops_of (&cg)))
    o->thaw (&cg);
  cgroup_free (&cg);
}

void
cgroup_thaw (const struct urun_cgroup *cg)
{
  const struct cgroup_ops *o = ops_of (cg);
  if (o)
    o->thaw (cg);
}

int
cgroup_destroy_at (int dirfd, urun_err *err)
{
  return with_record (dirfd, true, false, err);
}

int
cgroup_freeze_at (int dirfd, bool frozen, urun_err *err)
{
  return with_record (dirfd, false, frozen, err);
}

bool
cgroup_frozen_at (int dirfd)
{
  struct urun_cgroup cg;
  bool f;
  if (faccessat (dirfd, CGROUP_RECORD, F_OK, 0) < 0 || cgroup_load (dirfd, &cg) < 0)
    return false;
  f = cgroup_frozen (&cg);
  cgroup_free (&cg);
  return f;
}

/* ---- update ------------------------------------------------------------ */

/* linux.resources.memory.checkBeforeUpdate (runc's): a new limit below
 * what the container already uses is refused, not left to the OOM killer.
 * The update's own flag, else the container's config's (check). */
static int
check_before_update (const struct urun_cgroup *cg, const json_node *res, bool check, urun_err *err)
{
  const json_node *m = json_get (res, "memory"), *given = json_get (m, "checkBeforeUpdate");
  const char *dir = cg_dir_of (cg, "memory");
  cleanup_free char *cur = NULL;
  long long limit, used;
  if (given)
    check = json_bool (given);
  if (!check || !json_integer (json_get (m, "limit"), &limit) || limit <= 0 || dir == NULL)
    return 0;
  cur = cg_read (dir, cg->kind == CGROUP_V2 ? "memory.current" : "memory.usage_in_bytes");
  if (cur && (used = strtoll (cur, NULL, 10)) > limit)
    return urun_fail (err, 0, "`linux.resources.memory.limit`: %lld is below the memory the container uses now (%lld; "
                      "checkBeforeUpdate)", limit, used);
  return 0;
}

int
cgroup_update (const struct urun_cgroup *cg, const json_node *resources, bool check, urun_err *err)
{
  const struct cgroup_ops *o = ops_of (cg);
  if (o == NULL)
    return urun_fail (err, 0, "it has no cgroup of its own");
  if (check_before_update (cg, resources, check, err) < 0)
    return -1;
  if (o->update == NULL)
    return urun_fail (err, 0, "its cgroup manager cannot change limits yet");
  return o->update (cg, resources, err);
}

/* The same cases as cgroup_plan's. */
const char *
cgroup_none_reason (const struct plan_host *h)
{
  if (host_is_v2 () && plan_is_rootless (h))
    return "rootless cgroups need a systemd user session (a user bus) when the container is created, or "
           "--cgroup-manager=cgroupfs on a delegated tree";
  if (plan_is_rootless (h))
    return "this host's cgroups are v1, and rootless cgroups need cgroup v2 and a systemd user session";
  return "it was created with --cgroup-manager=disabled (the cgroupfs manager, as root, gives it one)";
}

const char *
cg_dir_of (const struct urun_cgroup *cg, const char *ctrl)
{
  size_t n = strlen (ctrl);
  if (cg->kind == CGROUP_V2)
    return cg->n ? cg->dirs[0].path : NULL;
  for (size_t i = 0; cg->kind == CGROUP_V1 && i < cg->n; i++)
    for (const char *p = cg->dirs[i].controllers; p; p = strchr (p, ','), p = p ? p + 1 : NULL)
      if (strncmp (p, ctrl, n) == 0 && (p[n] == ',' || p[n] == '\0'))
        return cg->dirs[i].path;
  return NULL;
}
