/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "idmap.h"
#include "log.h"
#include "procfs.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

size_t
idmap_parse_subid (const char *text, const char *user, unsigned long id,
                   struct subid_range *out, size_t max)
{
  size_t n = 0;
  char idstr[32];
  snprintf (idstr, sizeof idstr, "%lu", id);

  for (const char *line = text; line && *line && n < max;)
    {
      const char *end = strchr (line, '\n');
      size_t len = end ? (size_t) (end - line) : strlen (line);
      char buf[512];

      if (len < sizeof buf && line[0] != '#')
        {
          char *c1, *c2;
          unsigned long start, count;
          memcpy (buf, line, len);
          buf[len] = '\0';
          c1 = strchr (buf, ':');
          c2 = c1 ? strchr (c1 + 1, ':') : NULL;
          if (c1 && c2)
            {
              *c1 = *c2 = '\0';
              if ((strcmp (buf, idstr) == 0 || (user && strcmp (buf, user) == 0))
                  && parse_ulong (c1 + 1, &start) && parse_ulong (c2 + 1, &count) && count > 0
                  /* ids are 32-bit: a range past 2^32-1 is malformed */
                  && start <= 0xffffffffUL && count <= 0xffffffffUL - start + 1)
                {
                  out[n].start = start;
                  out[n].count = count;
                  n++;
                }
            }
        }
      line = end ? end + 1 : NULL;
    }
  return n;
}

size_t
idmap_rootless_map (unsigned long own, const struct subid_range *r, size_t n,
                    struct spec_id_mapping *out, size_t max)
{
  size_t k = 0;
  unsigned long next = 1;
  if (max == 0)
    return 0;
  out[k++] = (struct spec_id_mapping){ .container_id = 0, .host_id = own, .size = 1 };
  for (size_t i = 0; i < n && k < max; i++)
    {
      if (next + r[i].count > 0xffffffffUL)
        break;
      out[k++] = (struct spec_id_mapping){ .container_id = next, .host_id = r[i].start, .size = r[i].count };
      next += r[i].count;
    }
  return k;
}

bool
idmap_is_own_only (const struct spec_id_mapping *m, size_t n, unsigned long own)
{
  return n == 1 && m[0].size == 1 && m[0].host_id == own;
}

/* The parent's line holding host id h, or NULL. */
static const struct spec_id_mapping *
parent_line (unsigned long h, const struct spec_id_mapping *parent, size_t np)
{
  for (size_t i = 0; i < np; i++)
    if (h >= parent[i].host_id && h - parent[i].host_id < parent[i].size)
      return &parent[i];
  return NULL;
}

ssize_t
idmap_translate (const struct spec_id_mapping *m, size_t n, const struct spec_id_mapping *parent,
                 size_t np, struct spec_id_mapping *out, size_t max)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      unsigned long done = 0;
      while (done < m[i].size)
        {
          unsigned long h = (unsigned long) m[i].host_id + done;
          const struct spec_id_mapping *p = parent_line (h, parent, np);
          unsigned long off, len;
          if (p == NULL || k == max)
            return -1;
          off = h - p->host_id;
          len = p->size - off;
          if (len > m[i].size - done)
            len = m[i].size - done;
          out[k++] = (struct spec_id_mapping){ .container_id = (uint32_t) (m[i].container_id + done),
                                               .host_id = (uint32_t) (p->container_id + off),
                                               .size = (uint32_t) len };
          done += len;
        }
    }
  return (ssize_t) k;
}

char *
idmap_format (const struct spec_id_mapping *m, size_t n)
{
  char *out = xstrdup ("");
  for (size_t i = 0; i < n; i++)
    {
      char *s = xasprintf ("%s%u %u %u\n", out, m[i].container_id, m[i].host_id, m[i].size);
      free (out);
      out = s;
    }
  return out;
}

static bool
covered (unsigned long start, unsigned long size, unsigned long own, const struct subid_range *r, size_t nr)
{
  if (size == 1 && start == own)
    return true;
  for (size_t i = 0; i < nr; i++)
    if (start >= r[i].start && start + size <= r[i].start + r[i].count)
      return true;
  return false;
}

char *
idmap_missing_lines (const struct spec_id_mapping *m, size_t n, unsigned long own,
                     const char *user, const struct subid_range *r, size_t nr)
{
  char *out = NULL;
  for (size_t i = 0; i < n; i++)
    {
      if (covered (m[i].host_id, m[i].size, own, r, nr))
        continue;
      char *s = xasprintf ("%s%s%s:%u:%u", out ? out : "", out ? ", " : "", user, m[i].host_id, m[i].size);
      free (out);
      out = s;
    }
  return out;
}

size_t
idmap_read_user_ranges (const char *file, const char *user, unsigned long id,
                        struct subid_range *out, size_t max)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err err = NULL;
  if (read_file_at (AT_FDCWD, file, &text, NULL, &err) < 0)
    return 0;
  return idmap_parse_subid (text, user, id, out, max);
}

void
idmap_caller_maps (uid_t uid, gid_t gid, struct idmap_caller *out)
{
  struct subid_range r[IDMAP_MAX_RANGES];
  struct passwd *pw = getpwuid (uid);
  size_t nr;

  out->user = pw ? xstrdup (pw->pw_name) : xasprintf ("%u", (unsigned) uid);
  /* shadow-utils finds both files' lines by user name or by uid */
  nr = idmap_read_user_ranges ("/etc/subuid", out->user, uid, r, IDMAP_MAX_RANGES);
  out->n_uid = idmap_rootless_map (uid, r, nr, out->uid, IDMAP_MAX_RANGES + 1);
  nr = idmap_read_user_ranges ("/etc/subgid", out->user, uid, r, IDMAP_MAX_RANGES);
  out->n_gid = idmap_rootless_map (gid, r, nr, out->gid, IDMAP_MAX_RANGES + 1);
}

void
idmap_caller_free (struct idmap_caller *c)
{
  free (c->user);
  c->user = NULL;
}

/* A helper being run: newuidmap or newgidmap, with its stderr captured. */
struct helper
{
  pid_t pid;
  int err_fd;
  const char *name;
};

static int
spawn_helper (struct helper *h, const char *name, pid_t target, const struct spec_id_mapping *m, size_t n, urun_err *err)
{
  size_t argc = 2 + 3 * n + 1;
  cleanup_strv char **argv = xmalloc0 (argc * sizeof (char *));
  posix_spawn_file_actions_t fa;
  int p[2], r;

  argv[0] = xstrdup (name);
  argv[1] = xasprintf ("%d", (int) target);
  for (size_t i = 0; i < n; i++)
    {
      argv[2 + 3 * i] = xasprintf ("%u", m[i].container_id);
      argv[3 + 3 * i] = xasprintf ("%u", m[i].host_id);
      argv[4 + 3 * i] = xasprintf ("%u", m[i].size);
    }
  if (pipe2 (p, O_CLOEXEC) < 0)
    return urun_fail (err, errno, "pipe");
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, p[1], 2);
  posix_spawn_file_actions_adddup2 (&fa, p[1], 1);
  r = posix_spawnp (&h->pid, name, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (p[1]);
  if (r != 0)
    {
      close (p[0]);
      if (r == ENOENT)
        return urun_fail (err, 0, "%s not found: install the uidmap package (apt-get install uidmap)", name);
      return urun_fail (err, r, "run %s", name);
    }
  h->err_fd = p[0];
  h->name = name;
  return 0;
}

static int
finish_helper (struct helper *h, const char *file, const struct spec_id_mapping *m, size_t n, urun_err *err)
{
  cleanup_free char *out = NULL;
  cleanup_err urun_err rerr = NULL;
  int status = 0;

  if (read_all_fd (h->err_fd, &out, NULL, &rerr) < 0)
    out = xstrdup ("");
  close (h->err_fd);
  if (wait_for_pid (h->pid, &status) < 0)
    return urun_fail (err, errno, "wait for %s", h->name);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;

  /* Say which line of /etc/subuid would make this map allowed. */
  {
    size_t l = strlen (out);
    while (l > 0 && (out[l - 1] == '\n' || out[l - 1] == ' '))
      out[--l] = '\0';
    struct passwd *pw = getpwuid (getuid ());
    const char *user = pw ? pw->pw_name : "USER";
    unsigned long own = strcmp (file, "/etc/subuid") == 0 ? getuid () : getgid ();
    struct subid_range r[64];
    size_t nr = idmap_read_user_ranges (file, user, own, r, 64);
    cleanup_free char *missing = idmap_missing_lines (m, n, own, user, r, nr);
    if (missing)
      return urun_fail (err, 0, "%s failed: %s (add `%s` to %s)", h->name, out[0] ? out : "no message", missing, file);
    return urun_fail (err, 0, "%s failed: %s", h->name, out[0] ? out : "no message");
  }
}

static int
write_map_file (int procfd, pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n, urun_err *err)
{
  char path[64];
  cleanup_free char *text = idmap_format (m, n);
  snprintf (path, sizeof path, "%d/%s", (int) pid, file);
  if (procfs_write (procfd, path, text, strlen (text), err) < 0)
    return urun_err_wrap (err, "write %s", file);
  return 0;
}

int
idmap_write_maps (pid_t pid, const struct spec *s, enum plan_idmap uid_how, enum plan_idmap gid_how, urun_err *err)
{
  return idmap_write_maps_of (pid, s->uid_mappings, s->n_uid_mappings, s->gid_mappings, s->n_gid_mappings, uid_how,
                              gid_how, err);
}

int
idmap_write_maps_of (pid_t pid, const struct spec_id_mapping *um, size_t nu, const struct spec_id_mapping *gm,
                     size_t ng, enum plan_idmap uid_how, enum plan_idmap gid_how, urun_err *err)
{
  bool uid_direct = uid_how != PLAN_MAP_HELPER;
  bool gid_direct = gid_how != PLAN_MAP_HELPER;
  bool privileged = gid_how == PLAN_MAP_DIRECT;
  struct helper hu = { .pid = -1, .err_fd = -1 }, hg = { .pid = -1, .err_fd = -1 };
  cleanup_close int procfd = -1;
  int ret = 0;

  if ((uid_direct || gid_direct) && (procfd = procfs_open_root (err)) < 0)
    return -1;
  /* newuidmap and newgidmap run at the same time: each is a setuid exec of
   * about a millisecond and they touch different files. */
  if (!uid_direct && spawn_helper (&hu, "newuidmap", pid, um, nu, err) < 0)
    return -1;
  if (!gid_direct && spawn_helper (&hg, "newgidmap", pid, gm, ng, err) < 0)
    ret = -1;

  if (ret == 0 && gid_direct)
    {
      if (!privileged)
        {
          /* an unprivileged writer of gid_map must first give up setgroups */
          char path[64];
          snprintf (path, sizeof path, "%d/setgroups", (int) pid);
          if (procfs_write (procfd, path, "deny", 4, err) < 0)
            ret = -1;
        }
      if (ret == 0)
        ret = write_map_file (procfd, pid, "gid_map", gm, ng, err);
    }
  if (ret == 0 && uid_direct)
    ret = write_map_file (procfd, pid, "uid_map", um, nu, err);

  if (hu.pid > 0)
    {
      cleanup_err urun_err e2 = NULL;
      if (finish_helper (&hu, "/etc/subuid", um, nu, &e2) < 0 && ret == 0)
        {
          urun_err_move (err, &e2);
          ret = -1;
        }
    }
  if (hg.pid > 0)
    {
      cleanup_err urun_err e2 = NULL;
      if (finish_helper (&hg, "/etc/subgid", gm, ng, &e2) < 0 && ret == 0)
        {
          urun_err_move (err, &e2);
          ret = -1;
        }
    }
  return ret;
}
