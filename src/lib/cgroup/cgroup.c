/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "cgroup.h"
#include "log.h"
#include "util.h"
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

void
cgroup_check_resources (const struct spec *s, enum cgroup_manager m)
{
  cleanup_free char *asked = spec_resource_limits_requested (s);
  struct statfs sf;
  const char *why;

  if (asked == NULL)
    return;
  if (m == CGROUP_MANAGER_DISABLED)
    {
      urun_warn ("linux.resources (%s) not applied: the cgroup manager is disabled", asked);
      return;
    }
  if (statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    why = "urun does not manage cgroups yet";
  else
    why = "this host has no cgroup v2 hierarchy with controllers (cgroup v1 or hybrid layout)";
  urun_warn ("linux.resources (%s) not applied: %s; the container runs without these limits", asked, why);
}

int
cgroup_manager_parse (const char *s)
{
  static const char *const names[] = { "cgroupfs", "systemd", "disabled" };
  for (int i = 0; i < 3; i++)
    if (strcmp (s, names[i]) == 0)
      return i;
  return -1;
}
