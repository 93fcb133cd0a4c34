/* SPDX-License-Identifier: Apache-2.0 */
/* urun: cgroups.  One small ops table per manager (cgroupfs v2, systemd,
 * disabled) is the plan; today only the check that tells the user, in one
 * line, when linux.resources cannot be applied here. */
#ifndef URUN_CGROUP_H
#define URUN_CGROUP_H

#include <stdbool.h>
#include "error.h"
#include "spec.h"

/* --cgroup-manager (crun's spelling; runc's --systemd-cgroup is systemd) */
enum cgroup_manager { CGROUP_MANAGER_CGROUPFS, CGROUP_MANAGER_SYSTEMD, CGROUP_MANAGER_DISABLED };
/* "cgroupfs", "systemd", "disabled"; -1 for anything else. */
int cgroup_manager_parse (const char *s);

/* Warn once (one line) if the config asks for resource limits that this
 * host or urun cannot apply; the container runs without them. */
void cgroup_check_resources (const struct spec *s, enum cgroup_manager m);

#endif
