/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "sysctl.h"
#include "util.h"
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The IPC namespace's keys besides fs.mqueue.* (runc's list). */
static const char *const ipc_keys[] = {
  "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
  "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* The key with '/' as '.': rootfs.c writes /proc/sys/ + the key with each
 * '.' made '/', so both separate the same path components. */
static char *
dotted (const char *key)
{
  char *k = xstrdup (key);
  for (char *p = k; *p; p++)
    if (*p == '/')
      *p = '.';
  return k;
}

int
sysctl_namespace_of (const char *key)
{
  cleanup_free char *k = dotted (key);

  for (size_t i = 0; i < sizeof ipc_keys / sizeof *ipc_keys; i++)
    if (strcmp (k, ipc_keys[i]) == 0)
      return CLONE_NEWIPC;
  if (strncmp (k, "fs.mqueue.", 10) == 0 && k[10] != '\0')
    return CLONE_NEWIPC;
  if (strncmp (k, "net.", 4) == 0 && k[4] != '\0')
    return CLONE_NEWNET;
  if (strcmp (k, "kernel.hostname") == 0 || strcmp (k, "kernel.domainname") == 0)
    return CLONE_NEWUTS;
  return 0;
}

static const char *
ns_words (int type)
{
  switch (type)
    {
    case CLONE_NEWIPC:
      return "an ipc namespace ({\"type\": \"ipc\"})";
    case CLONE_NEWNET:
      return "a network namespace ({\"type\": \"network\"})";
    default:
      return "a uts namespace ({\"type\": \"uts\"})";
    }
}

/* kernel.hostname and kernel.domainname must not say something else than
 * the config's own field. */
static int
check_uts_field (const struct spec *s, const struct spec_sysctl *sc, const char *k, urun_err *err)
{
  bool host = strcmp (k, "kernel.hostname") == 0;
  bool has = host ? s->has_hostname : s->has_domainname;
  const char *field = host ? "hostname" : "domainname";
  const char *v = host ? s->hostname : s->domainname;

  if (has && strcmp (v ? v : "", sc->value) != 0)
    return urun_fail (err, 0, "`linux.sysctl`: `%s` (`%s`) conflicts with `%s` (`%s`): set only `%s`", quote (sc->key),
                      quote (sc->value), field, quote (v ? v : ""), field);
  return 0;
}

int
sysctl_check (const struct spec *s, urun_err *err)
{
  for (size_t i = 0; i < s->n_sysctls; i++)
    {
      const struct spec_sysctl *sc = &s->sysctls[i];
      cleanup_free char *k = dotted (sc->key);
      int type = sysctl_namespace_of (sc->key);

      if (type == 0)
        return urun_fail (err, 0,
                          "`linux.sysctl`: `%s` is not namespaced: setting it would change the host's value "
                          "(a container may set kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*, "
                          "kernel.hostname and kernel.domainname)",
                          quote (sc->key));
      if (spec_find_namespace (s, type) == NULL)
        return urun_fail (err, 0,
                          "`linux.sysctl`: `%s` needs %s in linux.namespaces: without one it would change the "
                          "host's value",
                          quote (sc->key), ns_words (type));
      if (type == CLONE_NEWUTS && check_uts_field (s, sc, k, err) < 0)
        return -1;
    }
  return 0;
}

/* Is PATH the namespace of this type urun is in? */
static bool
is_own_namespace (const char *path, int type)
{
  char self[64];
  struct stat a, b;
  snprintf (self, sizeof self, "/proc/self/ns/%s",
            type == CLONE_NEWIPC ? "ipc" : type == CLONE_NEWNET ? "net" : "uts");
  if (stat (self, &a) < 0 || stat (path, &b) < 0)
    return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
sysctl_check_joined (const struct spec *s, urun_err *err)
{
  for (size_t i = 0; i < s->n_sysctls; i++)
    {
      const struct spec_sysctl *sc = &s->sysctls[i];
      int type = sysctl_namespace_of (sc->key);
      const struct spec_namespace *ns = type ? spec_find_namespace (s, type) : NULL;

      if (ns == NULL || ns->path == NULL || !is_own_namespace (ns->path, type))
        continue;
      return urun_fail (err, 0,
                        "`linux.sysctl`: `%s` would change the host's value: the %s namespace joined (`%s`) is "
                        "urun's own",
                        quote (sc->key), spec_namespace_name (type), quote (ns->path));
    }
  return 0;
}
