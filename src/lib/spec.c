/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "spec.h"
#include "spec_get.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static int
require_absolute (const char *path, const char *field, urun_err *err)
{
  if (path[0] != '/')
    return urun_fail (err, 0, "`%s`: `%s` is not an absolute path", field, quote (path));
  return 0;
}

/* ---- names ---- */

static const struct
{
  const char *name;
  int type;
} ns_names[] = {
  { "user", CLONE_NEWUSER }, { "mount", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
  { "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },  { "network", CLONE_NEWNET },
  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int
spec_namespace_type (const char *name)
{
  for (size_t i = 0; i < sizeof ns_names / sizeof *ns_names; i++)
    if (strcmp (ns_names[i].name, name) == 0)
      return ns_names[i].type;
  return -1;
}

const char *
spec_namespace_name (int type)
{
  for (size_t i = 0; i < sizeof ns_names / sizeof *ns_names; i++)
    if (ns_names[i].type == type)
      return ns_names[i].name;
  return "?";
}

const struct spec_namespace *
spec_find_namespace (const struct spec *s, int type)
{
  for (size_t i = 0; i < s->n_namespaces; i++)
    if (s->namespaces[i].type == type)
      return &s->namespaces[i];
  return NULL;
}

int
spec_cap_from_name (const char *name)
{
  cap_value_t v;
  if (strncasecmp (name, "CAP_", 4) != 0)
    return -1;
  if (cap_from_name (name, &v) < 0 || v < 0 || v > 63)
    return -1;
  return v;
}

static const struct
{
  const char *name;
  int res;
} rlimit_names[] = {
  { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int
spec_rlimit_from_name (const char *name)
{
  for (size_t i = 0; i < sizeof rlimit_names / sizeof *rlimit_names; i++)
    if (strcmp (rlimit_names[i].name, name) == 0)
      return rlimit_names[i].res;
  return -1;
}

const char *
spec_env_get (char *const *env, const char *key)
{
  size_t kl = strlen (key);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], key, kl) == 0 && env[i][kl] == '=')
      return env[i] + kl + 1;
  return NULL;
}

/* ---- mounts ---- */

static const struct
{
  const char *name;
  bool clear;
  unsigned long flag;
} mount_flags[] = {
  { "ro", false, MS_RDONLY },         { "rw", true, MS_RDONLY },
  { "nosuid", false, MS_NOSUID },     { "suid", true, MS_NOSUID },
  { "nodev", false, MS_NODEV },       { "dev", true, MS_NODEV },
  { "noexec", false, MS_NOEXEC },     { "exec", true, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },   { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },     { "nomand", true, MS_MANDLOCK },
  { "atime", true, MS_NOATIME },      { "noatime", false, MS_NOATIME },
  { "diratime", true, MS_NODIRATIME }, { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME }, { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME }, { "nostrictatime", true, MS_STRICTATIME },
  { "nosymfollow", false, MS_NOSYMFOLLOW }, { "symfollow", true, MS_NOSYMFOLLOW },
};

static const struct
{
  const char *name;
  unsigned long flag;
} propagation_flags[] = {
  { "private", MS_PRIVATE },   { "rprivate", MS_PRIVATE | MS_REC },
  { "shared", MS_SHARED },     { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },       { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* MAJOR.MINOR.PATCH with major 1, then nothing, -PRERELEASE or +BUILD
 * (semver, as the spec's versions are: "1.0.2-dev", "1.2.0") */
bool
spec_version_supported (const char *v)
{
  unsigned long part[3];
  for (int i = 0; i < 3; i++)
    {
      char *end;
      if (*v < '0' || *v > '9' || (*v == '0' && v[1] >= '0' && v[1] <= '9'))
        return false;
      errno = 0;
      part[i] = strtoul (v, &end, 10);
      if (errno || (i < 2 && *end != '.'))
        return false;
      v = i < 2 ? end + 1 : end;
    }
  if (*v && *v != '-' && *v != '+')
    return false;
  if (*v && v[1] == '\0')
    return false;
  return part[0] == 1;
}

const char *
spec_mount_option_name (size_t i)
{
  static const char *const ours[] = { "bind", "rbind", "tmpcopyup" };
  const size_t no = sizeof ours / sizeof *ours, nf = sizeof mount_flags / sizeof *mount_flags,
               np = sizeof propagation_flags / sizeof *propagation_flags;
  if (i < no)
    return ours[i];
  i -= no;
  if (i < nf)
    return mount_flags[i].name;
  i -= nf;
  return i < np ? propagation_flags[i].name : NULL;
}

static unsigned long
propagation_from_name (const char *name)
{
  for (size_t i = 0; i < sizeof propagation_flags / sizeof *propagation_flags; i++)
    if (strcmp (propagation_flags[i].name, name) == 0)
      return propagation_flags[i].flag;
  return 0;
}

int
spec_mount_parse_options (struct spec_mount *m, const char *field, urun_err *err)
{
  size_t dlen = 0;
  char *data = NULL;

  m->flags = m->clear_flags = m->propagation = 0;
  m->bind = m->copyup = false;
  for (size_t i = 0; m->options && m->options[i]; i++)
    {
      const char *o = m->options[i];
      bool known = false;
      unsigned long p;

      if (strcmp (o, "bind") == 0 || strcmp (o, "rbind") == 0)
        {
          m->bind = true;
          m->flags |= MS_BIND | (o[0] == 'r' ? MS_REC : 0);
          continue;
        }
      if ((p = propagation_from_name (o)) != 0)
        {
          m->propagation = p;
          continue;
        }
      if (strcmp (o, "idmap") == 0 || strcmp (o, "ridmap") == 0)
        {
          free (data);
          return urun_fail (err, 0, "`%s.options`: `%s` mounts are not supported", field, quote (o));
        }
      if (strcmp (o, "tmpcopyup") == 0)
        {
          m->copyup = true;
          continue;
        }
      for (size_t j = 0; j < sizeof mount_flags / sizeof *mount_flags; j++)
        if (strcmp (mount_flags[j].name, o) == 0)
          {
            if (mount_flags[j].clear)
              {
                m->flags &= ~mount_flags[j].flag;
                m->clear_flags |= mount_flags[j].flag;
              }
            else
              {
                m->flags |= mount_flags[j].flag;
                m->clear_flags &= ~mount_flags[j].flag;
              }
            known = true;
            break;
          }
      if (known)
        continue;
      /* anything else is filesystem data: mode=755, size=64k, ... */
      size_t ol = strlen (o);
      data = xrealloc (data, dlen + ol + 2);
      if (dlen)
        data[dlen++] = ',';
      memcpy (data + dlen, o, ol + 1);
      dlen += ol;
    }
  free (m->data);
  m->data = data;
  return 0;
}

static int
parse_mounts (const json_node *arr, struct spec *s, urun_err *err)
{
  if (json_kind (arr) != JSON_ARRAY)
    return type_error ("mounts", arr, "array", err);
  s->n_mounts = json_len (arr);
  s->mounts = xmalloc0 (s->n_mounts * sizeof *s->mounts + 1);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const json_node *o = json_at (arr, i);
      struct spec_mount *m = &s->mounts[i];
      char field[64];
      json_node *v;

      snprintf (field, sizeof field, "mounts[%zu]", i);
      if (get_object (o, field, err) < 0)
        return -1;
      v = json_get (o, "destination");
      if (v == NULL)
        return urun_fail (err, 0, "`%s.destination`: missing", field);
      if (get_string (v, "mounts[].destination", &m->destination, err) < 0)
        return urun_err_wrap (err, "%s", field);
      if (require_absolute (m->destination, "mounts[].destination", err) < 0)
        return urun_err_wrap (err, "%s", field);
      if ((v = json_get (o, "type")) && get_string (v, "mounts[].type", &m->type, err) < 0)
        return urun_err_wrap (err, "%s", field);
      if ((v = json_get (o, "source")) && get_string (v, "mounts[].source", &m->source, err) < 0)
        return urun_err_wrap (err, "%s", field);
      if ((v = json_get (o, "options")) && get_strv (v, "mounts[].options", &m->options, err) < 0)
        return urun_err_wrap (err, "%s", field);
      if (json_get (o, "uidMappings") || json_get (o, "gidMappings"))
        return urun_fail (err, 0, "`%s.uidMappings`: id-mapped mounts are not supported", field);
      if (spec_mount_parse_options (m, field, err) < 0)
        return -1;
      if (m->type && strcmp (m->type, "bind") == 0)
        {
          m->bind = true;
          m->flags |= MS_BIND;
        }
      if (m->bind && m->source == NULL)
        return urun_fail (err, 0, "`%s.source`: missing for a bind mount", field);
      if (!m->bind && m->type == NULL)
        return urun_fail (err, 0, "`%s.type`: missing", field);
      if (m->copyup && (m->bind || strcmp (m->type, "tmpfs") != 0))
        return urun_fail (err, 0, "`%s.options`: `tmpcopyup` is for tmpfs mounts only", field);
    }
  return 0;
}

/* ---- process ---- */

/* name appears in the capability sets before sets[i][j] (it was warned
 * about there) */
static bool
named_before (const json_node *o, const char *const *sets, int i, size_t j, const char *name)
{
  for (int k = 0; k <= i; k++)
    {
      const json_node *a = json_get (o, sets[k]);
      size_t n = k < i && a && json_kind (a) == JSON_ARRAY ? json_len (a) : k == i ? j : 0;
      for (size_t m = 0; m < n; m++)
        {
          const char *s = json_string (json_at (a, m));
          if (s && strcmp (s, name) == 0)
            return true;
        }
    }
  return false;
}

static int
parse_caps (const json_node *o, struct spec_process *p, urun_err *err)
{
  static const char *const sets[CAPS_N] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
  if (get_object (o, "process.capabilities", err) < 0)
    return -1;
  p->has_caps = true;
  for (int i = 0; i < CAPS_N; i++)
    {
      json_node *a = json_get (o, sets[i]);
      char field[64];
      snprintf (field, sizeof field, "process.capabilities.%s", sets[i]);
      if (a == NULL)
        continue;
      if (json_kind (a) != JSON_ARRAY)
        return type_error (field, a, "array of strings", err);
      for (size_t j = 0; j < json_len (a); j++)
        {
          const char *name = json_string (json_at (a, j));
          int c;
          if (name == NULL)
            return urun_fail (err, 0, "`%s[%zu]`: expected string", field, j);
          c = spec_cap_from_name (name);
          if (c >= 0)
            p->caps[i] |= 1ULL << c;
          else if (!named_before (o, sets, i, j, name))
            /* the spec: a runtime SHOULD NOT fail on a capability it
             * cannot grant (runc and crun warn) */
            urun_warn ("`%s`: unknown capability `%s`, ignored", field, quote (name));
        }
    }
  return 0;
}

static int
parse_rlimits (const json_node *a, struct spec_process *p, urun_err *err)
{
  if (json_kind (a) != JSON_ARRAY)
    return type_error ("process.rlimits", a, "array", err);
  p->rlimits = xmalloc0 (json_len (a) * sizeof *p->rlimits + 1);
  for (size_t i = 0; i < json_len (a); i++)
    {
      const json_node *o = json_at (a, i);
      const char *type;
      long long soft, hard;
      char field[64];

      snprintf (field, sizeof field, "process.rlimits[%zu]", i);
      if (get_object (o, field, err) < 0)
        return -1;
      type = json_string (json_get (o, "type"));
      if (type == NULL)
        return urun_fail (err, 0, "`%s.type`: missing or not a string", field);
      int r = spec_rlimit_from_name (type);
      if (r < 0)
        return urun_fail (err, 0, "`%s.type`: unknown rlimit `%s`", field, quote (type));
      if (!json_integer (json_get (o, "soft"), &soft))
        return urun_fail (err, 0, "`%s.soft`: missing or not an integer", field);
      if (!json_integer (json_get (o, "hard"), &hard))
        return urun_fail (err, 0, "`%s.hard`: missing or not an integer", field);
      for (size_t j = 0; j < p->n_rlimits; j++)
        if (p->rlimits[j].resource == r)
          return urun_fail (err, 0, "`%s.type`: duplicate rlimit `%s`", field, quote (type));
      p->rlimits[p->n_rlimits].resource = r;
      p->rlimits[p->n_rlimits].soft = (uint64_t) soft;
      p->rlimits[p->n_rlimits].hard = (uint64_t) hard;
      p->n_rlimits++;
    }
  return 0;
}

static int
parse_process (const json_node *o, struct spec_process **out, bool require_cwd, urun_err *err)
{
  struct spec_process *p;
  json_node *v;

  if (get_object (o, "process", err) < 0)
    return -1;
  p = xmalloc0 (sizeof *p);
  *out = p;
  if ((v = json_get (o, "terminal")) && get_bool (v, "process.terminal", &p->terminal, err) < 0)
    return -1;
  if ((v = json_get (o, "consoleSize")))
    {
      if (get_object (v, "process.consoleSize", err) < 0
          || get_u32 (json_get (v, "height"), "process.consoleSize.height", &p->console_height, err) < 0
          || get_u32 (json_get (v, "width"), "process.consoleSize.width", &p->console_width, err) < 0)
        return -1;
      p->has_console_size = true;
    }
  v = json_get (o, "user");
  if (v)
    {
      json_node *g;
      if (get_object (v, "process.user", err) < 0)
        return -1;
      if (json_get (v, "uid") && get_id (json_get (v, "uid"), "process.user.uid", &p->user.uid, err) < 0)
        return -1;
      if (json_get (v, "gid") && get_id (json_get (v, "gid"), "process.user.gid", &p->user.gid, err) < 0)
        return -1;
      if (json_get (v, "umask"))
        {
          if (get_u32 (json_get (v, "umask"), "process.user.umask", &p->user.umask, err) < 0)
            return -1;
          p->user.has_umask = true;
        }
      if ((g = json_get (v, "additionalGids")))
        {
          if (json_kind (g) != JSON_ARRAY)
            return type_error ("process.user.additionalGids", g, "array of integers", err);
          p->user.n_additional_gids = json_len (g);
          p->user.additional_gids = xmalloc0 (json_len (g) * sizeof (uint32_t) + 1);
          for (size_t i = 0; i < json_len (g); i++)
            {
              char f[64];
              snprintf (f, sizeof f, "process.user.additionalGids[%zu]", i);
              if (get_id (json_at (g, i), f, &p->user.additional_gids[i], err) < 0)
                return -1;
            }
        }
      if (json_get (v, "username"))
        return urun_fail (err, 0, "`process.user.username`: only supported on Windows");
    }
  v = json_get (o, "args");
  if (v == NULL)
    return urun_fail (err, 0, "`process.args`: missing");
  if (get_strv (v, "process.args", &p->args, err) < 0)
    return -1;
  if (p->args[0] == NULL || p->args[0][0] == '\0')
    return urun_fail (err, 0, "`process.args`: must name a program to run");
  if ((v = json_get (o, "env")))
    {
      if (get_strv (v, "process.env", &p->env, err) < 0)
        return -1;
      for (size_t i = 0; p->env[i]; i++)
        if (strchr (p->env[i], '=') == NULL || p->env[i][0] == '=')
          return urun_fail (err, 0, "`process.env[%zu]`: `%s` is not KEY=value", i, quote (p->env[i]));
    }
  else
    p->env = xmalloc0 (sizeof (char *));
  v = json_get (o, "cwd");
  if (v == NULL && require_cwd)
    return urun_fail (err, 0, "`process.cwd`: missing");
  if (v)
    {
      if (get_string (v, "process.cwd", &p->cwd, err) < 0)
        return -1;
      if (require_absolute (p->cwd, "process.cwd", err) < 0)
        return -1;
    }
  if ((v = json_get (o, "capabilities")) && parse_caps (v, p, err) < 0)
    return -1;
  if ((v = json_get (o, "rlimits")) && parse_rlimits (v, p, err) < 0)
    return -1;
  if ((v = json_get (o, "noNewPrivileges")) && get_bool (v, "process.noNewPrivileges", &p->no_new_privileges, err) < 0)
    return -1;
  if ((v = json_get (o, "oomScoreAdj")))
    {
      long long x;
      if (get_int (v, "process.oomScoreAdj", -1000, 1000, &x, err) < 0)
        return -1;
      p->oom_score_adj = x;
      p->has_oom_score_adj = true;
    }
  return procattr_parse_process (o, &p->attr, err);
}

/* ---- hooks ---- */

static const char *const hook_names[HOOK_N] = { "prestart", "createRuntime", "createContainer",
                                                "startContainer", "poststart", "poststop" };

const char *
spec_hook_name (enum spec_hook_kind k)
{
  return hook_names[k];
}

static int
parse_hooks (const json_node *o, struct spec *s, urun_err *err)
{
  const char *const *names = hook_names;
  if (get_object (o, "hooks", err) < 0)
    return -1;
  for (int k = 0; k < HOOK_N; k++)
    {
      json_node *a = json_get (o, names[k]);
      char field[64];
      snprintf (field, sizeof field, "hooks.%s", names[k]);
      if (a == NULL)
        continue;
      if (json_kind (a) != JSON_ARRAY)
        return type_error (field, a, "array", err);
      s->hooks[k] = xmalloc0 (json_len (a) * sizeof (struct spec_hook) + 1);
      s->n_hooks[k] = json_len (a);
      for (size_t i = 0; i < json_len (a); i++)
        {
          const json_node *h = json_at (a, i);
          struct spec_hook *hk = &s->hooks[k][i];
          json_node *v;
          snprintf (field, sizeof field, "hooks.%s[%zu]", names[k], i);
          if (get_object (h, field, err) < 0)
            return -1;
          v = json_get (h, "path");
          if (v == NULL)
            return urun_fail (err, 0, "`%s.path`: missing", field);
          if (get_string (v, "hooks[].path", &hk->path, err) < 0 || require_absolute (hk->path, "hooks[].path", err) < 0)
            return urun_err_wrap (err, "%s", field);
          if ((v = json_get (h, "args")) && get_strv (v, "hooks[].args", &hk->args, err) < 0)
            return urun_err_wrap (err, "%s", field);
          if ((v = json_get (h, "env")) && get_strv (v, "hooks[].env", &hk->env, err) < 0)
            return urun_err_wrap (err, "%s", field);
          if ((v = json_get (h, "timeout")))
            {
              long long t;
              if (get_int (v, "hooks[].timeout", 1, 86400 * 365, &t, err) < 0)
                return urun_err_wrap (err, "%s", field);
              hk->timeout = t;
            }
        }
    }
  return 0;
}

/* ---- linux ---- */

static int
parse_id_mappings (const json_node *a, const char *field, struct spec_id_mapping **out, size_t *n, urun_err *err)
{
  if (json_kind (a) != JSON_ARRAY)
    return type_error (field, a, "array", err);
  *n = json_len (a);
  *out = xmalloc0 (*n * sizeof **out + 1);
  for (size_t i = 0; i < *n; i++)
    {
      const json_node *o = json_at (a, i);
      char f[64];
      snprintf (f, sizeof f, "%s[%zu]", field, i);
      if (get_object (o, f, err) < 0)
        return -1;
      if (get_u32 (json_get (o, "containerID"), "containerID", &(*out)[i].container_id, err) < 0
          || get_u32 (json_get (o, "hostID"), "hostID", &(*out)[i].host_id, err) < 0
          || get_u32 (json_get (o, "size"), "size", &(*out)[i].size, err) < 0)
        return urun_err_wrap (err, "%s", f);
      if ((*out)[i].size == 0)
        return urun_fail (err, 0, "`%s.size`: must be greater than 0", f);
    }
  return 0;
}

static int
parse_devices (const json_node *a, struct spec *s, urun_err *err)
{
  if (json_kind (a) != JSON_ARRAY)
    return type_error ("linux.devices", a, "array", err);
  s->n_devices = json_len (a);
  s->devices = xmalloc0 (s->n_devices * sizeof *s->devices + 1);
  for (size_t i = 0; i < s->n_devices; i++)
    {
      const json_node *o = json_at (a, i);
      struct spec_device *d = &s->devices[i];
      const char *t;
      long long x;
      char f[64];
      json_node *v;

      snprintf (f, sizeof f, "linux.devices[%zu]", i);
      if (get_object (o, f, err) < 0)
        return -1;
      if (json_get (o, "path") == NULL)
        return urun_fail (err, 0, "`%s.path`: missing", f);
      if (get_string (json_get (o, "path"), "path", &d->path, err) < 0 || require_absolute (d->path, "path", err) < 0)
        return urun_err_wrap (err, "%s", f);
      t = json_string (json_get (o, "type"));
      if (t == NULL || strlen (t) != 1 || strchr ("cubp", t[0]) == NULL)
        return urun_fail (err, 0, "`%s.type`: must be one of c, u, b, p", f);
      d->type = t[0];
      if (d->type != 'p')
        {
          if (get_int (json_get (o, "major"), "major", 0, 0xfffff, &x, err) < 0)
            return urun_err_wrap (err, "%s", f);
          d->major = x;
          if (get_int (json_get (o, "minor"), "minor", 0, 0xfffff, &x, err) < 0)
            return urun_err_wrap (err, "%s", f);
          d->minor = x;
        }
      if ((v = json_get (o, "fileMode")))
        {
          if (get_u32 (v, "fileMode", &d->mode, err) < 0)
            return urun_err_wrap (err, "%s", f);
          d->has_mode = true;
        }
      if ((v = json_get (o, "uid")))
        {
          if (get_u32 (v, "uid", &d->uid, err) < 0)
            return urun_err_wrap (err, "%s", f);
          d->has_uid = true;
        }
      if ((v = json_get (o, "gid")))
        {
          if (get_u32 (v, "gid", &d->gid, err) < 0)
            return urun_err_wrap (err, "%s", f);
          d->has_gid = true;
        }
    }
  return 0;
}

static int
parse_paths (const json_node *a, const char *field, char ***out, urun_err *err)
{
  if (get_strv (a, field, out, err) < 0)
    return -1;
  for (size_t i = 0; (*out)[i]; i++)
    if (require_absolute ((*out)[i], field, err) < 0)
      return -1;
  return 0;
}

static int
parse_seccomp (const json_node *o, struct spec *s, urun_err *err)
{
  struct spec_seccomp *sc;
  json_node *v;

  if (get_object (o, "linux.seccomp", err) < 0)
    return -1;
  sc = s->seccomp = xmalloc0 (sizeof *sc);
  if ((v = json_get (o, "defaultAction")) == NULL)
    return urun_fail (err, 0, "`linux.seccomp.defaultAction`: missing");
  if (get_string (v, "linux.seccomp.defaultAction", &sc->default_action, err) < 0)
    return -1;
  if ((v = json_get (o, "defaultErrnoRet")))
    {
      if (get_u32 (v, "linux.seccomp.defaultErrnoRet", &sc->default_errno_ret, err) < 0)
        return -1;
      sc->has_default_errno_ret = true;
    }
  if ((v = json_get (o, "architectures")) && get_strv (v, "linux.seccomp.architectures", &sc->architectures, err) < 0)
    return -1;
  if ((v = json_get (o, "flags")) && get_strv (v, "linux.seccomp.flags", &sc->flags, err) < 0)
    return -1;
  if ((v = json_get (o, "listenerPath")))
    {
      if (get_string (v, "linux.seccomp.listenerPath", &sc->listener_path, err) < 0
          || require_absolute (sc->listener_path, "linux.seccomp.listenerPath", err) < 0)
        return -1;
    }
  if ((v = json_get (o, "listenerMetadata"))
      && get_string (v, "linux.seccomp.listenerMetadata", &sc->listener_metadata, err) < 0)
    return -1;
  if ((v = json_get (o, "syscalls")))
    {
      if (json_kind (v) != JSON_ARRAY)
        return type_error ("linux.seccomp.syscalls", v, "array", err);
      sc->n_rules = json_len (v);
      sc->rules = xmalloc0 (sc->n_rules * sizeof *sc->rules + 1);
      for (size_t i = 0; i < sc->n_rules; i++)
        {
          const json_node *r = json_at (v, i);
          struct spec_seccomp_rule *rule = &sc->rules[i];
          json_node *a;
          char f[64];
          snprintf (f, sizeof f, "linux.seccomp.syscalls[%zu]", i);
          if (get_object (r, f, err) < 0)
            return -1;
          if ((a = json_get (r, "names")) == NULL)
            return urun_fail (err, 0, "`%s.names`: missing", f);
          if (get_strv (a, "names", &rule->names, err) < 0)
            return urun_err_wrap (err, "%s", f);
          if ((a = json_get (r, "action")) == NULL)
            return urun_fail (err, 0, "`%s.action`: missing", f);
          if (get_string (a, "action", &rule->action, err) < 0)
            return urun_err_wrap (err, "%s", f);
          if ((a = json_get (r, "errnoRet")))
            {
              if (get_u32 (a, "errnoRet", &rule->errno_ret, err) < 0)
                return urun_err_wrap (err, "%s", f);
              rule->has_errno_ret = true;
            }
          if ((a = json_get (r, "args")))
            {
              if (json_kind (a) != JSON_ARRAY)
                return type_error ("args", a, "array", err);
              rule->n_args = json_len (a);
              rule->args = xmalloc0 (rule->n_args * sizeof *rule->args + 1);
              for (size_t j = 0; j < rule->n_args; j++)
                {
                  const json_node *arg = json_at (a, j);
                  struct spec_seccomp_arg *sa = &rule->args[j];
                  long long x;
                  char af[96];
                  snprintf (af, sizeof af, "%s.args[%zu]", f, j);
                  if (get_object (arg, af, err) < 0)
                    return -1;
                  if (get_u32 (json_get (arg, "index"), "index", &sa->index, err) < 0)
                    return urun_err_wrap (err, "%s", af);
                  if (!json_integer (json_get (arg, "value"), &x))
                    return urun_fail (err, 0, "`%s.value`: missing or not an integer", af);
                  sa->value = (uint64_t) x;
                  if (json_get (arg, "valueTwo"))
                    {
                      if (!json_integer (json_get (arg, "valueTwo"), &x))
                        return urun_fail (err, 0, "`%s.valueTwo`: not an integer", af);
                      sa->value_two = (uint64_t) x;
                    }
                  if (json_get (arg, "op") == NULL)
                    return urun_fail (err, 0, "`%s.op`: missing", af);
                  if (get_string (json_get (arg, "op"), "op", &sa->op, err) < 0)
                    return urun_err_wrap (err, "%s", af);
                }
            }
        }
    }
  return 0;
}

static void
seccomp_free (struct spec_seccomp *sc)
{
  if (sc == NULL)
    return;
  free (sc->default_action);
  strv_free (sc->architectures);
  strv_free (sc->flags);
  free (sc->listener_path);
  free (sc->listener_metadata);
  for (size_t i = 0; i < sc->n_rules; i++)
    {
      strv_free (sc->rules[i].names);
      free (sc->rules[i].action);
      for (size_t j = 0; j < sc->rules[i].n_args; j++)
        free (sc->rules[i].args[j].op);
      free (sc->rules[i].args);
    }
  free (sc->rules);
  free (sc);
}

/* linux.timeOffsets into the text of /proc/PID/timens_offsets. */
static int
parse_time_offsets (const json_node *o, struct spec *s, urun_err *err)
{
  char *text = xstrdup ("");
  if (get_object (o, "linux.timeOffsets", err) < 0)
    {
      free (text);
      return -1;
    }
  for (size_t i = 0; i < json_len (o); i++)
    {
      const char *clock = json_key_at (o, i);
      const json_node *v = json_at (o, i);
      long long secs = 0, nsecs = 0;
      char f[96], *next;
      snprintf (f, sizeof f, "linux.timeOffsets.%s", quote (clock));
      if (strcmp (clock, "monotonic") != 0 && strcmp (clock, "boottime") != 0)
        {
          free (text);
          return urun_fail (err, 0, "`%s`: unknown clock (monotonic or boottime)", f);
        }
      if (get_object (v, f, err) < 0
          || (json_get (v, "secs") && get_int (json_get (v, "secs"), "secs", INT64_MIN, INT64_MAX, &secs, err) < 0)
          || (json_get (v, "nanosecs") && get_int (json_get (v, "nanosecs"), "nanosecs", 0, 999999999, &nsecs, err) < 0))
        {
          free (text);
          return urun_err_wrap (err, "%s", f);
        }
      next = xasprintf ("%s%s %lld %lld\n", text, clock, secs, nsecs);
      free (text);
      text = next;
    }
  s->time_offsets = text;
  return 0;
}

static int
parse_linux (const json_node *o, struct spec *s, urun_err *err)
{
  json_node *v;
  if (get_object (o, "linux", err) < 0 || procattr_parse_linux (o, &s->linux_attr, err) < 0)
    return -1;
  if ((v = json_get (o, "namespaces")))
    {
      if (json_kind (v) != JSON_ARRAY)
        return type_error ("linux.namespaces", v, "array", err);
      for (size_t i = 0; i < json_len (v); i++)
        {
          const json_node *n = json_at (v, i);
          const char *type;
          int t;
          char f[64];
          snprintf (f, sizeof f, "linux.namespaces[%zu]", i);
          if (get_object (n, f, err) < 0)
            return -1;
          type = json_string (json_get (n, "type"));
          if (type == NULL)
            return urun_fail (err, 0, "`%s.type`: missing or not a string", f);
          t = spec_namespace_type (type);
          if (t < 0)
            return urun_fail (err, 0, "`%s.type`: unknown namespace type `%s`", f, quote (type));
          if (spec_find_namespace (s, t))
            return urun_fail (err, 0, "`%s.type`: duplicate namespace `%s`", f, quote (type));
          struct spec_namespace *ns = &s->namespaces[s->n_namespaces++];
          ns->type = t;
          if (json_get (n, "path"))
            {
              if (get_string (json_get (n, "path"), "path", &ns->path, err) < 0
                  || require_absolute (ns->path, "path", err) < 0)
                return urun_err_wrap (err, "%s", f);
            }
        }
    }
  if ((v = json_get (o, "uidMappings")) && parse_id_mappings (v, "linux.uidMappings", &s->uid_mappings, &s->n_uid_mappings, err) < 0)
    return -1;
  if ((v = json_get (o, "gidMappings")) && parse_id_mappings (v, "linux.gidMappings", &s->gid_mappings, &s->n_gid_mappings, err) < 0)
    return -1;
  if ((v = json_get (o, "devices")) && parse_devices (v, s, err) < 0)
    return -1;
  if ((v = json_get (o, "maskedPaths")) && parse_paths (v, "linux.maskedPaths", &s->masked_paths, err) < 0)
    return -1;
  if ((v = json_get (o, "readonlyPaths")) && parse_paths (v, "linux.readonlyPaths", &s->readonly_paths, err) < 0)
    return -1;
  if ((v = json_get (o, "rootfsPropagation")))
    {
      const char *p = json_string (v);
      if (p == NULL)
        return type_error ("linux.rootfsPropagation", v, "string", err);
      s->rootfs_propagation = propagation_from_name (p);
      if (s->rootfs_propagation == 0)
        return urun_fail (err, 0, "`linux.rootfsPropagation`: unknown propagation `%s`", quote (p));
    }
  if ((v = json_get (o, "sysctl")))
    {
      if (get_object (v, "linux.sysctl", err) < 0)
        return -1;
      s->n_sysctls = json_len (v);
      s->sysctls = xmalloc0 (s->n_sysctls * sizeof *s->sysctls + 1);
      for (size_t i = 0; i < s->n_sysctls; i++)
        {
          const char *k = json_key_at (v, i);
          s->sysctls[i].key = xstrdup (k);
          if (get_string (json_at (v, i), "linux.sysctl", &s->sysctls[i].value, err) < 0)
            return urun_err_wrap (err, "`linux.sysctl.%s`", quote (k));
          if (k[0] == '\0' || strstr (k, "..") || k[0] == '/' || k[0] == '.')
            return urun_fail (err, 0, "`linux.sysctl`: invalid key `%s`", quote (k));
        }
    }
  if ((v = json_get (o, "seccomp")) && parse_seccomp (v, s, err) < 0)
    return -1;
  if ((v = json_get (o, "timeOffsets")) && parse_time_offsets (v, s, err) < 0)
    return -1;
  if ((v = json_get (o, "cgroupsPath")) && get_string (v, "linux.cgroupsPath", &s->cgroups_path, err) < 0)
    return -1;
  if ((v = json_get (o, "resources")))
    {
      if (get_object (v, "linux.resources", err) < 0)
        return -1;
      s->resources = v;
    }
  return 0;
}

/* Engines write defaults that ask for nothing: docker's
 * memory.disableOOMKiller false, cpu.shares 0, blockIO.weight 0, ctr's
 * cpu.shares 1024; null, false, 0 and empty values of any field. */
static bool
is_default_value (const char *group, const char *key, const json_node *v)
{
  long long n;
  switch (json_kind (v))
    {
    case JSON_NULL:
      return true;
    case JSON_BOOL:
      return !json_bool (v);
    case JSON_STRING:
      return json_string (v)[0] == '\0';
    case JSON_OBJECT:
    case JSON_ARRAY:
      return json_len (v) == 0;
    case JSON_NUMBER:
      if (!json_integer (v, &n))
        return false;
      return n == 0 || (strcmp (group, "cpu") == 0 && strcmp (key, "shares") == 0 && n == 1024);
    }
  return false;
}

static bool
requests_something (const char *group, const json_node *v)
{
  if (json_kind (v) != JSON_OBJECT)
    return !is_default_value (group, "", v);
  for (size_t i = 0; i < json_len (v); i++)
    if (!is_default_value (group, json_key_at (v, i), json_at (v, i)))
      return true;
  return false;
}

char *
spec_resource_limits_requested (const struct spec *s)
{
  char *out = NULL;
  for (size_t i = 0; i < json_len (s->resources); i++)
    {
      const char *k = json_key_at (s->resources, i);
      json_node *v = json_at (s->resources, i);
      if (strcmp (k, "devices") == 0 || !requests_something (k, v))
        continue;
      char *n = out ? xasprintf ("%s, %s", out, k) : xstrdup (k);
      free (out);
      out = n;
    }
  return out;
}

/* ---- top level ---- */

static int
parse_root (const json_node *doc, struct spec *s, urun_err *err)
{
  json_node *v, *root = json_get (doc, "root");
  if ((v = json_get (doc, "ociVersion")) == NULL)
    return urun_fail (err, 0, "`ociVersion`: missing");
  if (get_string (v, "ociVersion", &s->oci_version, err) < 0)
    return -1;
  if (!spec_version_supported (s->oci_version))
    return urun_fail (err, 0, "`ociVersion`: `%s` is not a version urun understands (1.x.y)", quote (s->oci_version));
  if (root == NULL)
    return urun_fail (err, 0, "`root`: missing");
  if (get_object (root, "root", err) < 0)
    return -1;
  if ((v = json_get (root, "path")) == NULL)
    return urun_fail (err, 0, "`root.path`: missing");
  if (get_string (v, "root.path", &s->root_path, err) < 0)
    return -1;
  if (s->root_path[0] == '\0')
    return urun_fail (err, 0, "`root.path`: empty");
  if ((v = json_get (root, "readonly")) && get_bool (v, "root.readonly", &s->root_readonly, err) < 0)
    return -1;
  return 0;
}

int
spec_parse (const char *text, size_t len, struct spec **out, urun_err *err)
{
  cleanup_spec struct spec *s = xmalloc0 (sizeof *s);
  json_node *v;

  s->doc = json_parse (text, len, err);
  if (s->doc == NULL)
    return -1;
  if (json_kind (s->doc) != JSON_OBJECT)
    return urun_fail (err, 0, "expected a JSON object at the top level, got %s", json_kind_name (json_kind (s->doc)));
  if (parse_root (s->doc, s, err) < 0)
    return -1;
  if ((v = json_get (s->doc, "hostname")))
    {
      if (get_string (v, "hostname", &s->hostname, err) < 0)
        return -1;
      s->has_hostname = true;
    }
  if ((v = json_get (s->doc, "domainname")))
    {
      if (get_string (v, "domainname", &s->domainname, err) < 0)
        return -1;
      s->has_domainname = true;
    }
  if ((v = json_get (s->doc, "mounts")) && parse_mounts (v, s, err) < 0)
    return -1;
  if ((v = json_get (s->doc, "process")) && parse_process (v, &s->process, true, err) < 0)
    return -1;
  if ((v = json_get (s->doc, "hooks")) && parse_hooks (v, s, err) < 0)
    return -1;
  if ((v = json_get (s->doc, "annotations")))
    {
      if (get_object (v, "annotations", err) < 0)
        return -1;
      s->n_annotations = json_len (v);
      s->annotations = xmalloc0 (s->n_annotations * sizeof *s->annotations + 1);
      for (size_t i = 0; i < s->n_annotations; i++)
        {
          s->annotations[i].key = xstrdup (json_key_at (v, i));
          if (get_string (json_at (v, i), "annotations", &s->annotations[i].value, err) < 0)
            return urun_err_wrap (err, "`annotations.%s`", quote (json_key_at (v, i)));
        }
    }
  if ((v = json_get (s->doc, "linux")) && parse_linux (v, s, err) < 0)
    return -1;

  /* cross-field rules */
  if (s->hostname && s->hostname[0] && !(spec_find_namespace (s, CLONE_NEWUTS)))
    return urun_fail (err, 0, "`hostname`: needs a new uts namespace (add {\"type\": \"uts\"} to linux.namespaces)");
  if (s->time_offsets && !(spec_find_namespace (s, CLONE_NEWTIME) && !spec_find_namespace (s, CLONE_NEWTIME)->path))
    return urun_fail (err, 0, "`linux.timeOffsets`: needs a new time namespace in linux.namespaces");
  if ((s->n_uid_mappings || s->n_gid_mappings) && !spec_find_namespace (s, CLONE_NEWUSER))
    return urun_fail (err, 0, "`linux.uidMappings`: set without a user namespace in linux.namespaces");
  {
    const struct spec_namespace *u = spec_find_namespace (s, CLONE_NEWUSER);
    if (u && u->path == NULL && (s->n_uid_mappings == 0 || s->n_gid_mappings == 0))
      return urun_fail (err, 0, "`linux.%s`: a new user namespace needs uid and gid mappings",
                        s->n_uid_mappings == 0 ? "uidMappings" : "gidMappings");
  }
  *out = steal_ptr (&s);
  return 0;
}

int
spec_parse_process (const char *text, size_t len, struct spec_process **out, urun_err *err)
{
  cleanup_json json_node *doc = json_parse (text, len, err);
  struct spec_process *p = NULL;
  if (doc == NULL)
    return -1;
  if (parse_process (doc, &p, false, err) < 0)
    {
      spec_process_free (p);
      return -1;
    }
  *out = p;
  return 0;
}

int
spec_load_file (const char *path, struct spec **out, urun_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (-100 /* AT_FDCWD */, path, &text, &len, err) < 0)
    return -1;
  if (spec_parse (text, len, out, err) < 0)
    return urun_err_wrap (err, "%s", quote (path));
  return 0;
}

void
spec_process_free (struct spec_process *p)
{
  if (p == NULL)
    return;
  free (p->user.additional_gids);
  strv_free (p->args);
  strv_free (p->env);
  free (p->cwd);
  free (p->rlimits);
  procattr_free (&p->attr);
  free (p);
}

void
spec_free (struct spec *s)
{
  if (s == NULL)
    return;
  json_free (s->doc);
  procattr_free (&s->linux_attr);
  free (s->oci_version);
  free (s->root_path);
  free (s->hostname);
  free (s->domainname);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      free (s->mounts[i].destination);
      free (s->mounts[i].type);
      free (s->mounts[i].source);
      strv_free (s->mounts[i].options);
      free (s->mounts[i].data);
      free (s->mounts[i].urun_text);
    }
  free (s->mounts);
  spec_process_free (s->process);
  for (int k = 0; k < HOOK_N; k++)
    {
      for (size_t i = 0; i < s->n_hooks[k]; i++)
        {
          free (s->hooks[k][i].path);
          strv_free (s->hooks[k][i].args);
          strv_free (s->hooks[k][i].env);
        }
      free (s->hooks[k]);
    }
  for (size_t i = 0; i < s->n_annotations; i++)
    {
      free (s->annotations[i].key);
      free (s->annotations[i].value);
    }
  free (s->annotations);
  for (size_t i = 0; i < s->n_namespaces; i++)
    free (s->namespaces[i].path);
  free (s->uid_mappings);
  free (s->gid_mappings);
  for (size_t i = 0; i < s->n_devices; i++)
    free (s->devices[i].path);
  free (s->devices);
  strv_free (s->masked_paths);
  strv_free (s->readonly_paths);
  for (size_t i = 0; i < s->n_sysctls; i++)
    {
      free (s->sysctls[i].key);
      free (s->sysctls[i].value);
    }
  free (s->sysctls);
  free (s->cgroups_path);
  free (s->time_offsets);
  seccomp_free (s->seccomp);
  free (s);
}

void
cleanup_spec_freep (struct spec **s)
{
  spec_free (*s);
}
