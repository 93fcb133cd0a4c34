/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the configuration `urun spec` writes, shaped like runc's. */
#include <config.h>
#include "spec.h"
#include "util.h"
#include <string.h>

static void
w_strv (json_writer *w, const char *key, const char *const *v)
{
  json_w_key (w, key);
  json_w_open_array (w);
  for (; *v; v++)
    json_w_string (w, *v);
  json_w_close_array (w);
}

static void
w_mount (json_writer *w, const char *dest, const char *type, const char *src, const char *const *opts)
{
  json_w_open_object (w);
  json_w_key (w, "destination");
  json_w_string (w, dest);
  json_w_key (w, "type");
  json_w_string (w, type);
  json_w_key (w, "source");
  json_w_string (w, src);
  if (opts)
    w_strv (w, "options", opts);
  json_w_close_object (w);
}

static void
w_maps (json_writer *w, const char *key, const struct spec_id_mapping *m, size_t n)
{
  json_w_key (w, key);
  json_w_open_array (w);
  for (size_t i = 0; i < n; i++)
    {
      json_w_open_object (w);
      json_w_key (w, "containerID");
      json_w_int (w, m[i].container_id);
      json_w_key (w, "hostID");
      json_w_int (w, m[i].host_id);
      json_w_key (w, "size");
      json_w_int (w, m[i].size);
      json_w_close_object (w);
    }
  json_w_close_array (w);
}

/* process: sh on a terminal as uid 0, one rlimit, no new privileges. */
static void
w_process (json_writer *w, bool rootless)
{
  /* runc's default set as root; podman's default set rootless: confined to
   * the user namespace, and what a package manager inside needs to use the
   * mapped ids. */
  static const char *const caps_root[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
  static const char *const caps_rootless[] = { "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
                                               "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",
                                               "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT", NULL };
  static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                     "TERM=xterm", NULL };
  static const char *const args[] = { "sh", NULL };
  const char *const *caps = rootless ? caps_rootless : caps_root;

  json_w_key (w, "process");
  json_w_open_object (w);
  json_w_key (w, "terminal");
  json_w_bool (w, true);
  json_w_key (w, "user");
  json_w_open_object (w);
  json_w_key (w, "uid");
  json_w_int (w, 0);
  json_w_key (w, "gid");
  json_w_int (w, 0);
  json_w_close_object (w);
  w_strv (w, "args", args);
  w_strv (w, "env", env);
  json_w_key (w, "cwd");
  json_w_string (w, "/");
  json_w_key (w, "capabilities");
  json_w_open_object (w);
  w_strv (w, "bounding", caps);
  w_strv (w, "effective", caps);
  w_strv (w, "permitted", caps);
  json_w_close_object (w);
  json_w_key (w, "rlimits");
  json_w_open_array (w);
  json_w_open_object (w);
  json_w_key (w, "type");
  json_w_string (w, "RLIMIT_NOFILE");
  json_w_key (w, "hard");
  json_w_int (w, 1024);
  json_w_key (w, "soft");
  json_w_int (w, 1024);
  json_w_close_object (w);
  json_w_close_array (w);
  json_w_key (w, "noNewPrivileges");
  json_w_bool (w, true);
  json_w_close_object (w);
}

/* root (./rootfs, read-only) and hostname. */
static void
w_root_and_hostname (json_writer *w)
{
  json_w_key (w, "root");
  json_w_open_object (w);
  json_w_key (w, "path");
  json_w_string (w, "rootfs");
  json_w_key (w, "readonly");
  json_w_bool (w, true);
  json_w_close_object (w);

  json_w_key (w, "hostname");
  json_w_string (w, "urun");
}

static void
w_mounts (json_writer *w, bool rootless)
{
  static const char *const o_dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const o_pts_root[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
  /* gid 5 (tty) is not mapped in a rootless container unless the ranges cover it */
  static const char *const o_pts_rootless[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL };
  static const char *const o_shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
  static const char *const o_mq[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const o_sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const o_cg[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };

  json_w_key (w, "mounts");
  json_w_open_array (w);
  w_mount (w, "/proc", "proc", "proc", NULL);
  w_mount (w, "/dev", "tmpfs", "tmpfs", o_dev);
  w_mount (w, "/dev/pts", "devpts", "devpts", rootless ? o_pts_rootless : o_pts_root);
  w_mount (w, "/dev/shm", "tmpfs", "shm", o_shm);
  w_mount (w, "/dev/mqueue", "mqueue", "mqueue", o_mq);
  w_mount (w, "/sys", "sysfs", "sysfs", o_sys);
  w_mount (w, "/sys/fs/cgroup", "cgroup", "cgroup", o_cg);
  json_w_close_array (w);
}

/* linux.resources as root: one device rule, denying all access (as runc writes). */
static void
w_resources_deny_devices (json_writer *w)
{
  json_w_key (w, "resources");
  json_w_open_object (w);
  json_w_key (w, "devices");
  json_w_open_array (w);
  json_w_open_object (w);
  json_w_key (w, "allow");
  json_w_bool (w, false);
  json_w_key (w, "access");
  json_w_string (w, "rwm");
  json_w_close_object (w);
  json_w_close_array (w);
  json_w_close_object (w);
}

static void
w_namespaces (json_writer *w, bool rootless)
{
  static const char *const ns_root[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
  static const char *const ns_rootless[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", "user", NULL };

  json_w_key (w, "namespaces");
  json_w_open_array (w);
  for (const char *const *n = rootless ? ns_rootless : ns_root; *n; n++)
    {
      json_w_open_object (w);
      json_w_key (w, "type");
      json_w_string (w, *n);
      json_w_close_object (w);
    }
  json_w_close_array (w);
}

/* linux: the id mappings rootless, the device rule as root; namespaces, the
 * seccomp profile if asked for, masked and read-only paths. */
static void
w_linux (json_writer *w, const struct spec_default_opts *o)
{
  static const char *const masked[] = { "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi", "/sys/devices/virtual/powercap", NULL };
  static const char *const ro[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

  json_w_key (w, "linux");
  json_w_open_object (w);
  if (o->rootless)
    {
      w_maps (w, "uidMappings", o->uid_map, o->n_uid_map);
      w_maps (w, "gidMappings", o->gid_map, o->n_gid_map);
    }
  else
    w_resources_deny_devices (w);
  w_namespaces (w, o->rootless);
  if (o->seccomp_default)
    spec_default_write_seccomp (w);
  w_strv (w, "maskedPaths", masked);
  w_strv (w, "readonlyPaths", ro);
  json_w_close_object (w);
}

char *
spec_default_generate (const struct spec_default_opts *o, size_t *len)
{
  json_writer *w = json_writer_new (true);

  json_w_open_object (w);
  json_w_key (w, "ociVersion");
  /* the version runc writes: every runtime (crun 1.8 too) accepts it */
  json_w_string (w, "1.0.2-dev");
  w_process (w, o->rootless);
  w_root_and_hostname (w);
  w_mounts (w, o->rootless);
  w_linux (w, o);
  if (o->rootless)
    {
      /* a rootless container reaches the network through urun's own
       * user-mode stack (net/net.h); without a usable /dev/net/tun it
       * runs with loopback only, saying so once */
      json_w_key (w, "annotations");
      json_w_open_object (w);
      json_w_key (w, "run.urun.network");
      json_w_string (w, "slirp");
      json_w_close_object (w);
    }
  json_w_close_object (w);
  return json_writer_finish (w, true, len);
}

/* linux, with the user namespace and the maps added */
static void
w_linux_with_userns (json_writer *w, const json_node *lx, const struct spec_id_mapping *um, size_t nu,
                     const struct spec_id_mapping *gm, size_t ng)
{
  const json_node *ns = lx ? json_get (lx, "namespaces") : NULL;
  json_w_open_object (w);
  for (size_t i = 0; lx && i < json_len (lx); i++)
    if (strcmp (json_key_at (lx, i), "namespaces") != 0)
      {
        json_w_key (w, json_key_at (lx, i));
        json_w_node (w, json_at (lx, i));
      }
  json_w_key (w, "namespaces");
  json_w_open_array (w);
  for (size_t i = 0; ns && json_kind (ns) == JSON_ARRAY && i < json_len (ns); i++)
    json_w_node (w, json_at (ns, i));
  json_w_open_object (w);
  json_w_key (w, "type");
  json_w_string (w, "user");
  json_w_close_object (w);
  json_w_close_array (w);
  /* spec_parse refuses maps without a user namespace: there are none */
  w_maps (w, "uidMappings", um, nu);
  w_maps (w, "gidMappings", gm, ng);
  json_w_close_object (w);
}

char *
spec_text_add_userns (const json_node *doc, const struct spec_id_mapping *um, size_t nu,
                      const struct spec_id_mapping *gm, size_t ng, size_t *len)
{
  json_writer *w = json_writer_new (false);
  const json_node *lx = json_get (doc, "linux");

  json_w_open_object (w);
  for (size_t i = 0; i < json_len (doc); i++)
    if (strcmp (json_key_at (doc, i), "linux") != 0)
      {
        json_w_key (w, json_key_at (doc, i));
        json_w_node (w, json_at (doc, i));
      }
  json_w_key (w, "linux");
  w_linux_with_userns (w, lx, um, nu, gm, ng);
  json_w_close_object (w);
  return json_writer_finish (w, false, len);
}
