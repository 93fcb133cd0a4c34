/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "plan.h"
#include "idmap.h"
#include "namespaces.h"
#include "rootfs.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The host's initial user namespace maps every id to itself. */
static bool
running_in_userns (void)
{
  cleanup_free char *map = NULL;
  cleanup_err urun_err e = NULL;
  unsigned long a, b, c;
  if (read_file_at (AT_FDCWD, "/proc/self/uid_map", &map, NULL, &e) < 0)
    return false;
  if (sscanf (map, "%lu %lu %lu", &a, &b, &c) != 3)
    return true;
  return !(a == 0 && b == 0 && c == 4294967295UL && strchr (map, '\n') == strrchr (map, '\n'));
}

void
plan_host_probe (struct plan_host *h)
{
  const char *x = getenv ("XDG_RUNTIME_DIR");
  memset (h, 0, sizeof *h);
  h->euid = geteuid ();
  h->egid = getegid ();
  h->in_userns = running_in_userns ();
  h->xdg_runtime_dir = x && *x ? x : NULL;
  h->user = getenv ("USER");
  /* only asked when it matters: an unprivileged caller's binary */
  h->can_write_exe = h->euid == 0 || faccessat (AT_FDCWD, "/proc/self/exe", W_OK, AT_EACCESS) == 0;
}

bool
plan_is_rootless (const struct plan_host *h)
{
  return h->euid != 0 || h->in_userns;
}

bool
plan_adds_userns (const struct spec *s, const struct plan_host *h)
{
  return h->euid != 0 && spec_find_namespace (s, CLONE_NEWUSER) == NULL;
}

int
plan_state_root (const struct plan_host *h, const char *opt_root, const char *cwd, char **out, urun_err *err)
{
  bool use_xdg;
  if (opt_root)
    {
      if (opt_root[0] == '/')
        *out = xstrdup (opt_root);
      else if (cwd == NULL)
        return urun_fail (err, 0, "state root `%s` is relative and the working directory is unknown", opt_root);
      else
        *out = xasprintf ("%s/%s", cwd, opt_root);
      return 0;
    }
  /* runc's shouldHonorXDGRuntimeDir */
  use_xdg = h->xdg_runtime_dir && h->xdg_runtime_dir[0] == '/'
            && (h->euid != 0 || (h->in_userns && (h->user == NULL || strcmp (h->user, "root") != 0)));
  if (use_xdg)
    {
      *out = xasprintf ("%s/urun", h->xdg_runtime_dir);
      return 0;
    }
  if (h->euid == 0)
    {
      *out = xstrdup ("/run/urun");
      return 0;
    }
  urun_fail (err, 0, "XDG_RUNTIME_DIR is not set: set it to a directory owned by you (e.g. export XDG_RUNTIME_DIR=/run/user/%u)",
             (unsigned) h->euid);
  return urun_err_topic (err, URUN_TOPIC_STATE_ROOT);
}

/* The joining order: the user namespace first (it grants the rights to join
 * the others), the mount namespace last (later paths would resolve in it). */
static const int join_order[] = { CLONE_NEWUSER, CLONE_NEWIPC,    CLONE_NEWUTS,  CLONE_NEWNET,
                                  CLONE_NEWCGROUP, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWNS };

static void
plan_namespaces (const struct spec *s, const bool *same, struct plan *p)
{
  int created = 0;
  for (size_t i = 0; i < s->n_namespaces; i++)
    {
      const struct spec_namespace *ns = &s->namespaces[i];
      if (ns->path == NULL)
        created |= ns->type;
      if (ns->path == NULL || !(same && same[i]))
        p->exec_flags |= ns->type;
    }
  for (size_t k = 0; k < sizeof join_order / sizeof *join_order; k++)
    for (size_t i = 0; i < s->n_namespaces; i++)
      if (s->namespaces[i].path && s->namespaces[i].type == join_order[k])
        p->join[p->n_join++] = i;
  p->joins_userns = spec_find_namespace (s, CLONE_NEWUSER) && !(created & CLONE_NEWUSER);
  p->clone_flags = created;
  /* joining a user namespace: the new ones are made inside it, so it owns them */
  if (p->joins_userns)
    {
      p->unshare_flags = created;
      p->clone_flags = 0;
    }
  /* the clocks' offsets must be written before any process is in the new
   * time namespace: it is unshared, and the child forks into it (and into
   * a new pid namespace made with it, whose init that child must be) */
  if ((p->clone_flags & CLONE_NEWTIME) && s->time_offsets)
    {
      p->unshare_flags |= p->clone_flags & (CLONE_NEWTIME | CLONE_NEWPID);
      p->clone_flags &= ~(CLONE_NEWTIME | CLONE_NEWPID);
    }
  p->new_userns = (p->clone_flags & CLONE_NEWUSER) != 0;
  /* a joined pid or time namespace holds the children of who joins it */
  p->fork = (p->unshare_flags & (CLONE_NEWPID | CLONE_NEWTIME)) != 0;
  for (size_t i = 0; i < p->n_join; i++)
    if (s->namespaces[p->join[i]].type & (CLONE_NEWPID | CLONE_NEWTIME))
      p->fork = true;
}

static enum plan_idmap
plan_map (const struct plan_host *h, const struct spec_id_mapping *m, size_t n, unsigned long own)
{
  if (h->euid == 0)
    return PLAN_MAP_DIRECT;
  if (idmap_is_own_only (m, n, own))
    return PLAN_MAP_OWN;
  return PLAN_MAP_HELPER;
}

int
plan_build (const struct spec *s, const struct plan_host *h, const bool *same_as_caller, struct plan *p, urun_err *err)
{
  bool has_userns = spec_find_namespace (s, CLONE_NEWUSER) != NULL;

  memset (p, 0, sizeof *p);
  p->rootless = plan_is_rootless (h);
  if (h->euid != 0 && !has_userns)
    {
      urun_fail (err, 0, "running as an unprivileged user needs a user namespace in `linux.namespaces`");
      return urun_err_topic (err, URUN_TOPIC_ROOTLESS_SPEC);
    }
  if (!spec_find_namespace (s, CLONE_NEWNS))
    return urun_fail (err, 0, "`linux.namespaces`: a mount namespace is required (urun never mounts in the caller's)");
  plan_namespaces (s, same_as_caller, p);
  p->in_userns = has_userns || h->euid != 0 || h->in_userns;
  if (p->new_userns)
    {
      p->uid_map = plan_map (h, s->uid_mappings, s->n_uid_mappings, h->euid);
      p->gid_map = plan_map (h, s->gid_mappings, s->n_gid_mappings, h->egid);
    }
  /* CVE-2019-5736: see child.c; rootless only a binary the user can write
   * is at risk (and hiding it costs unprivileged exec before start) */
  p->protect_exe = h->euid == 0 || h->can_write_exe;
  p->nodev = !devices_allow_all (s);
  return 0;
}

static const char *
proc_ns_file (int type)
{
  switch (type)
    {
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWNET: return "net";
    case CLONE_NEWCGROUP: return "cgroup";
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWTIME: return "time";
    case CLONE_NEWNS: return "mnt";
    }
  return "?";
}

int
plan_probe_joined (const struct spec *s, bool same[SPEC_MAX_NAMESPACES], urun_err *err)
{
  for (size_t i = 0; i < s->n_namespaces; i++)
    {
      const struct spec_namespace *ns = &s->namespaces[i];
      char self[64];
      struct stat a, b;
      same[i] = false;
      if (ns->path == NULL)
        continue;
      snprintf (self, sizeof self, "/proc/self/ns/%s", proc_ns_file (ns->type));
      if (stat (ns->path, &a) < 0)
        return urun_fail (err, errno, "`linux.namespaces`: %s namespace `%s`", spec_namespace_name (ns->type), ns->path);
      same[i] = stat (self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
    }
  return 0;
}
