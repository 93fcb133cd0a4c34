/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the state root and one directory per container in it: validation of
 * ids, 0700 directories owned by the user, atomic state writes, a lock per
 * container, and the container status (pid + start time, never a recycled pid). */
#ifndef URUN_STATE_H
#define URUN_STATE_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "json.h"

enum container_status { STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_STOPPED, STATUS_PAUSED };

struct container_state
{
  char *id;
  pid_t pid;
  unsigned long long pid_start_time;
  unsigned long long mnt_ns;  /* inode of its mount namespace, 0 if unknown */
  char *bundle;
  char *rootfs;
  char *created;
  uid_t owner;
  bool rootless;
  json_node *doc; /* the state file, for its annotations */
  const json_node *annotations; /* or these, before there is a state file */
};

#define STATE_FILE "state.json"
#define CONFIG_COPY "config.json"
#define EXEC_SOCK "exec.sock" /* from create until start: start connects to it */
/* "PID STARTTIME": the container's process, written as soon as it exists
 * (before it can outlive urun) and again when it is a forked grandchild, so
 * that `delete -f` finds it whatever else is on disk. */
#define INIT_PID_FILE "init.pid"
#define NET_PID_FILE "net.pid" /* the network helper (net/net.h) */
#define FWD_PID_FILE "fwd.pid" /* the TCP port forwarder (net/net.h) */
/* "PID STARTTIME" of the `urun create` or `run` making it. */
#define CREATOR_PID_FILE "creator.pid"

/* Check a state root the plan chose (plan_state_root): under
 * $XDG_RUNTIME_DIR that directory must be the caller's. */
int state_root_check (const char *root, urun_err *err);
/* Create (0700) if needed and open the state root, refusing a symlink or a
 * directory owned by someone else. */
int state_root_open (const char *root, bool create, int *fd, urun_err *err);

/* Container ids: runc's (letters, digits and `_+.-`, not "." or ".."),
 * not starting with '.', 1..1024 bytes. */
int state_validate_id (const char *id, urun_err *err);

/* mkdir ROOT/ID (0700) and lock it; "container ID already exists" if taken. */
int state_dir_create (int rootfd, const char *id, int *dirfd, urun_err *err);
/* Open ROOT/ID, and lock it when `lock` (a reader needs no lock: every
 * file in it is replaced atomically). */
int state_dir_open (int rootfd, const char *id, bool lock, int *dirfd, urun_err *err);
/* Refuse a directory not ours or writable by others (a planted one). */
int state_dir_check (int dirfd, const char *id, urun_err *err);
/* True when someone (a create in progress) holds the directory's lock. */
bool state_dir_busy (int dirfd);
/* Remove one entry at a time (a fault point after each). */
/* Remove ROOT/ID and everything in it. */
int state_dir_remove (int rootfd, const char *id, int dirfd, urun_err *err);

/* init.pid, creator.pid: "PID STARTTIME" */
int state_write_pid_file (int dirfd, const char *name, pid_t pid, unsigned long long start_time, urun_err *err);
/* 0 and *pid = 0 when there is none. */
int state_read_pid_file (int dirfd, const char *name, pid_t *pid, unsigned long long *start_time);

int state_write (int dirfd, const struct container_state *st, const json_node *annotations, urun_err *err);
int state_read (int dirfd, struct container_state **out, urun_err *err);
void state_free (struct container_state *st);
void cleanup_state_freep (struct container_state **st);
#define cleanup_state __attribute__ ((cleanup (cleanup_state_freep)))

/* The inode of pid's mount namespace, 0 when it cannot be seen. */
unsigned long long state_mnt_ns_of (pid_t pid);
/* st->pid is still the container's process: its start time (in clock
 * ticks), and, where it can be seen, its mount namespace match. */
bool state_pid_alive (const struct container_state *st);
enum container_status state_status (int dirfd, const struct container_state *st);
const char *state_status_name (enum container_status s);
/* The spec's state JSON (ociVersion, id, status, pid, bundle, annotations, ...). */
char *state_to_json (const struct container_state *st, enum container_status status, bool pretty, size_t *len);
/* Write one state object into an open writer (used by list --format json). */
void state_write_json (json_writer *w, const struct container_state *st, enum container_status status);

#endif
