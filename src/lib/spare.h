/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the user namespace keeper's spare (keeper.h).
 *
 * Making a network namespace is the dearest part of a rootless start (the
 * kernel registers every per-network subsystem: about 1 ms here), and it
 * cannot be made before the container's user namespace, which must own it.
 * So the keeper makes the next container's pair ahead: a spare, a process
 * of its own in a new user namespace (mapped one to one onto the keeper's
 * ranges) and a new network namespace of that one, lo up.  A start whose
 * config wants exactly those maps and a new network namespace claims it
 * (the record SPARE_RECORD in the state root, taken by one start only),
 * joins both namespaces, makes the container's others there, and kills
 * the spare: the two namespaces are the container's alone, as if its own
 * clone had made them.  The keeper then makes the next spare.  A spare
 * claimed by a start that died before it killed it is ended by the keeper
 * after SPARE_GRACE_MS; every spare ends with its keeper. */
#ifndef URUN_SPARE_H
#define URUN_SPARE_H

#include "idmap.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SPARE_RECORD ".userns-spare"
#define SPARE_NAME "urun-userns-spare"
#define SPARE_GRACE_MS 2000
#define SPARE_MAX_CLAIMED 8

/* ---- the keeper's side ---------------------------------------------------- */

struct spare_proc
{
  pid_t pid;
  int sock;           /* its lifeline: closed, the spare exits */
  long long deadline; /* claimed: ended then (CLOCK_MONOTONIC ms) */
};

struct spares
{
  struct spare_proc cur, claimed[SPARE_MAX_CLAIMED];
  size_t n_claimed;
  bool failed; /* the namespaces could not be made here: no more tries */
  unsigned long long keeper_start;
};

void spares_init (struct spares *s);
/* A spare made if there is none; one whose record is gone (claimed) kept
 * until its grace ends; the dead reaped.  Returns the ms until the next
 * grace ends, or -1. */
int spares_tend (struct spares *s, const char *root);
/* The keeper's end: every spare ends, its record goes. */
void spares_end (struct spares *s, const char *root);

/* ---- a start's side ------------------------------------------------------- */

/* Whether the translated maps of a config (um, gm: relative to the
 * keeper's namespace) are the spare's, one to one onto each line of the
 * keeper's own (kum, kgm). */
bool spare_fits (const struct spec_id_mapping *um, size_t nu, const struct spec_id_mapping *gm, size_t ng,
                 const struct spec_id_mapping *kum, size_t knu, const struct spec_id_mapping *kgm, size_t kng);

/* Claim the spare of the keeper (pid, start) in the state root rootfd:
 * its pidfd (setns (fd, CLONE_NEWUSER | CLONE_NEWNET)) and *pid, or -1
 * when there is none to take (none made yet, another start took it, a
 * stale one). */
int spare_claim (int rootfd, pid_t keeper, unsigned long long keeper_start, pid_t *pid);

#endif
