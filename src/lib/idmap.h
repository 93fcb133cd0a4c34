/* SPDX-License-Identifier: Apache-2.0 */
/* urun: user namespace id maps: /etc/subuid and /etc/subgid parsing, the
 * rootless default map, and writing the maps of a child process (directly or
 * through newuidmap/newgidmap). */
#ifndef URUN_IDMAP_H
#define URUN_IDMAP_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "plan.h"
#include "spec.h"

struct subid_range
{
  unsigned long start, count;
};

/* Ranges of /etc/subuid-format text that belong to `user` (by name) or `id`
 * (by number).  Malformed lines are ignored, as shadow-utils does. */
size_t idmap_parse_subid (const char *text, const char *user, unsigned long id,
                          struct subid_range *out, size_t max);

/* The rootless default: own id -> 0, then each range -> 1, 1+count, ... */
size_t idmap_rootless_map (unsigned long own, const struct subid_range *r, size_t n,
                           struct spec_id_mapping *out, size_t max);

/* True when the map holds only `own` (writable without a setuid helper). */
bool idmap_is_own_only (const struct spec_id_mapping *m, size_t n, unsigned long own);

/* A map of host ids (m: container -> host) as the same map relative to a
 * parent user namespace whose own map is `parent` (parent id -> host):
 * what a process in that parent writes for a child.  A line of m may become
 * several, as each written line must lie inside one line of the parent's
 * map.  Returns the lines written to out, or -1 when some host id of m is
 * not in `parent` (or out has no room). */
ssize_t idmap_translate (const struct spec_id_mapping *m, size_t n, const struct spec_id_mapping *parent,
                         size_t np, struct spec_id_mapping *out, size_t max);

/* The /proc/PID/uid_map text for a map. */
char *idmap_format (const struct spec_id_mapping *m, size_t n);

/* Lines missing from a subid file for the map to be allowed (NULL if none):
 * e.g. "alice:500000:65536". */
char *idmap_missing_lines (const struct spec_id_mapping *m, size_t n, unsigned long own,
                           const char *user, const struct subid_range *r, size_t nr);

/* Write the uid and gid maps of pid, each as the plan says: directly, or
 * through newuidmap / newgidmap. */
int idmap_write_maps (pid_t pid, const struct spec *s, enum plan_idmap uid_how, enum plan_idmap gid_how, urun_err *err);
int idmap_write_maps_of (pid_t pid, const struct spec_id_mapping *um, size_t nu, const struct spec_id_mapping *gm,
                         size_t ng, enum plan_idmap uid_how, enum plan_idmap gid_how, urun_err *err);

/* Read the calling user's ranges from /etc/subuid or /etc/subgid. */
size_t idmap_read_user_ranges (const char *file, const char *user, unsigned long id,
                               struct subid_range *out, size_t max);

/* The rootless maps of the calling user (what `urun spec --rootless`
 * writes, and what urun gives an unprivileged caller whose config has no
 * user namespace): its own uid and gid -> 0, then its /etc/subuid and
 * /etc/subgid ranges (found by name or by uid) from 1 on. */
#define IDMAP_MAX_RANGES 16
struct idmap_caller
{
  char *user; /* the caller's name, or its uid as digits */
  struct spec_id_mapping uid[IDMAP_MAX_RANGES + 1], gid[IDMAP_MAX_RANGES + 1];
  size_t n_uid, n_gid; /* 1: no subordinate range, only the own id */
};
void idmap_caller_maps (uid_t uid, gid_t gid, struct idmap_caller *out);
void idmap_caller_free (struct idmap_caller *c);
#define cleanup_idmap_caller __attribute__ ((cleanup (idmap_caller_free)))

#endif
