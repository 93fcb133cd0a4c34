/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the per-user namespace keeper.
 *
 * A rootless container whose id maps need newuidmap and newgidmap (the
 * user's subordinate ranges) gets them from two setuid helpers at every
 * start.  The keeper makes that once per user and state root: a small
 * process of urun's own, in a user namespace holding the user's own ids
 * and all of its /etc/subuid and /etc/subgid ranges (written by the
 * helpers once).  A later start makes the container's own user namespace
 * inside the keeper's -- one level below it, so containers stay apart --
 * and writes its maps there directly: a process in a user namespace may
 * map any id that namespace maps, with no helper.
 *
 * The record is KEEPER_RECORD in the state root (pid, start time, the
 * files and maps it was made from); every use touches it, and the keeper
 * exits once it has not been used for its idle time, when its record is
 * gone or names another keeper, or when the state root goes (the user's
 * session ends).  Nothing that runs needs it: killing it breaks no
 * container, the next start makes a new one. */
#ifndef URUN_KEEPER_H
#define URUN_KEEPER_H

#include "error.h"
#include "idmap.h"
#include "plan.h"
#include "spec.h"
#include <stdbool.h>
#include <sys/types.h>

#define KEEPER_RECORD ".userns-keeper"
#define KEEPER_LOCK ".userns-keeper.lock"
#define KEEPER_NAME "urun-userns-keeper"
#define KEEPER_IDLE_DEFAULT 300
#define KEEPER_MAX_LINES 64

/* The argv area of this process (main sets it): the keeper writes its
 * name there, which is what ps and /proc/PID/cmdline show. */
extern char *urun_argv_area;
extern size_t urun_argv_len;

/* This process's name in ps: comm, and name ROOT as its command line
 * where that fits in urun's (the keeper's and its spare's). */
void keeper_set_name (const char *comm, const char *name, const char *root);

struct keeper_opts
{
  bool on;
  unsigned idle; /* seconds */
  bool spare;    /* URUN_USERNS_KEEPER_SPARE: claim the keeper's spare */
};

/* --userns-keeper / URUN_USERNS_KEEPER (on|off; the option wins) and
 * --userns-keeper-idle / URUN_USERNS_KEEPER_IDLE (seconds, 1 or more);
 * the environment only with env (create and run read it, so that a bad
 * value there does not stop list or delete); URUN_USERNS_KEEPER_SPARE
 * (on|off, the environment only) too. */
int keeper_opts_parse (const char *mode, const char *idle, bool env, struct keeper_opts *o, urun_err *err);

/* A keeper to make the container's user namespace in, with the config's
 * maps as they are written there (relative to the keeper's). */
struct keeper_use
{
  int pidfd;       /* the keeper's: setns (pidfd, CLONE_NEWUSER); -1: none */
  int spare_pidfd; /* its spare's, claimed (spare.h): setns (fd, CLONE_NEWUSER
                      | CLONE_NEWNET) gives the container both, mapped */
  pid_t pid, spare_pid;
  struct spec_id_mapping uid[KEEPER_MAX_LINES], gid[KEEPER_MAX_LINES];
  size_t n_uid, n_gid;
};

/* For a rootless config whose maps need the setuid helpers: the keeper of
 * the state root rootfd (alive, or made now under KEEPER_LOCK, replacing
 * one whose subordinate id files changed).  Returns 1 with k filled, 0 when
 * no keeper serves (off, no subordinate range, a map outside its ranges,
 * a keeper that could not be made: said in a debug line) and the caller
 * maps as before, -1 on an error of the state root.  want_spare: the
 * config makes a network namespace too, and setgroups is not to be
 * denied: the keeper's spare is claimed where the maps are its own. */
int keeper_for (int rootfd, const struct spec *s, const struct keeper_opts *o, bool want_spare, struct keeper_use *k,
                urun_err *err);
void keeper_use_close (struct keeper_use *k);
/* The claimed spare ended (its namespaces are the container's now, or
 * unused), its pidfd closed. */
void keeper_spare_done (struct keeper_use *k);

/* Write the translated maps of a child of the keeper's namespace; called
 * by a process inside that namespace (which has CAP_SETUID and CAP_SETGID
 * there).  gid_how: the plan's, so that setgroups is denied where it
 * would be without a keeper. */
int keeper_write_maps (pid_t pid, const struct keeper_use *k, enum plan_idmap gid_how, urun_err *err);

#endif
