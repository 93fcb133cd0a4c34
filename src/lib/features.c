/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "features.h"
#include "json.h"
#include "seccomp.h"
#include "spec.h"
#include "util.h"
#include <ctype.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

typedef const char *(*name_at) (size_t i);

static void
w_names (json_writer *w, const char *key, name_at at)
{
  const char *n;
  json_w_key (w, key);
  json_w_open_array (w);
  for (size_t i = 0; (n = at (i)); i++)
    json_w_string (w, n);
  json_w_close_array (w);
}

static const char *
hook_at (size_t i)
{
  return i < HOOK_N ? spec_hook_name ((enum spec_hook_kind) i) : NULL;
}

static const char *
namespace_at (size_t i)
{
  static const int types[] = { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUTS,
                               CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME };
  return i < sizeof types / sizeof *types ? spec_namespace_name (types[i]) : NULL;
}

/* every capability libcap names up to the newest urun was built with */
static void
w_capabilities (json_writer *w)
{
  json_w_key (w, "capabilities");
  json_w_open_array (w);
  for (int c = 0; c <= CAP_LAST_CAP; c++)
    {
      char *n = cap_to_name (c);
      if (n && strncmp (n, "cap_", 4) == 0)
        {
          char up[64];
          size_t i;
          for (i = 0; n[i] && i < sizeof up - 1; i++)
            up[i] = toupper ((unsigned char) n[i]);
          up[i] = '\0';
          json_w_string (w, up);
        }
      cap_free (n);
    }
  json_w_close_array (w);
}

static void
w_seccomp_names (json_writer *w, const char *key, enum seccomp_name_kind k, bool only_supported)
{
  const char *n;
  json_w_key (w, key);
  json_w_open_array (w);
  for (size_t i = 0; (n = seccomp_known_name (k, i)); i++)
    if (!only_supported || seccomp_flag_supported (n))
      json_w_string (w, n);
  json_w_close_array (w);
}

static void
w_seccomp (json_writer *w)
{
  json_w_key (w, "seccomp");
  json_w_open_object (w);
  json_w_key (w, "enabled");
  json_w_bool (w, true);
  w_seccomp_names (w, "actions", SECCOMP_NAME_ACTION, false);
  w_seccomp_names (w, "operators", SECCOMP_NAME_OPERATOR, false);
  w_seccomp_names (w, "archs", SECCOMP_NAME_ARCH, false);
  w_seccomp_names (w, "knownFlags", SECCOMP_NAME_FLAG, false);
  w_seccomp_names (w, "supportedFlags", SECCOMP_NAME_FLAG, true);
  json_w_close_object (w);
}

static void
w_enabled (json_writer *w, const char *key, bool on)
{
  json_w_key (w, key);
  json_w_open_object (w);
  json_w_key (w, "enabled");
  json_w_bool (w, on);
  json_w_close_object (w);
}

static void
w_linux (json_writer *w)
{
  static const char *const cgroup_keys[] = { "v1", "v2", "systemd", "systemdUser", "rdma" };
  json_w_key (w, "linux");
  json_w_open_object (w);
  w_names (w, "namespaces", namespace_at);
  w_capabilities (w);
  /* cgroupfs v1 and v2, systemd (PID 1 and the user's), rdma on v2 (cgroup/) */
  json_w_key (w, "cgroup");
  json_w_open_object (w);
  for (size_t i = 0; i < sizeof cgroup_keys / sizeof *cgroup_keys; i++)
    {
      json_w_key (w, cgroup_keys[i]);
      json_w_bool (w, true);
    }
  json_w_close_object (w);
  w_seccomp (w);
  /* process labels are applied where the LSM is active (procattr.c) */
  w_enabled (w, "apparmor", true);
  w_enabled (w, "selinux", true);
  /* refused when a config asks for them */
  w_enabled (w, "intelRdt", false);
  json_w_key (w, "mountExtensions");
  json_w_open_object (w);
  w_enabled (w, "idmap", false);
  json_w_close_object (w);
  w_enabled (w, "netDevices", false);
  json_w_close_object (w);
}

char *
features_json (size_t *len)
{
  json_writer *w = json_writer_new (true);
  const struct scmp_version *v = seccomp_version ();
  char lsv[64];

  json_w_open_object (w);
  json_w_key (w, "ociVersionMin");
  json_w_string (w, SPEC_OCI_VERSION_MIN);
  json_w_key (w, "ociVersionMax");
  json_w_string (w, SPEC_OCI_VERSION_MAX);
  w_names (w, "hooks", hook_at);
  w_names (w, "mountOptions", spec_mount_option_name);
  w_linux (w);
  json_w_key (w, "annotations");
  json_w_open_object (w);
  json_w_key (w, "io.github.seccomp.libseccomp.version");
  snprintf (lsv, sizeof lsv, "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
  json_w_string (w, lsv);
  json_w_key (w, "org.urun.version");
  json_w_string (w, PACKAGE_VERSION);
  json_w_close_object (w);
  /* urun reads no annotation that changes what it does */
  json_w_key (w, "potentiallyUnsafeConfigAnnotations");
  json_w_open_array (w);
  json_w_close_array (w);
  json_w_close_object (w);
  return json_writer_finish (w, true, len);
}
