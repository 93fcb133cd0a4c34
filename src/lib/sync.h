/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the protocol between urun and the processes it starts.
 *
 * Every message is one case of enum sync_type on a SOCK_SEQPACKET socket
 * pair made before the fork.  The socket is close-on-exec: when the
 * container's program starts, the other side reads end-of-file, which is how
 * "it runs" is told.  An error in the child travels as SYNC_ERROR with its
 * errno; a warning or debug line as SYNC_LOG (any step), so urun prints it
 * once, on its stderr or in --log, never into the container's output.
 *
 * The whole sequence.  P = `urun create` or `urun run`; C = the process P
 * clones into the new namespaces; G = C's child when C must fork to be in a
 * joined pid namespace or an unshared pid/time namespace (C then exits and G
 * is the container's process); S = `urun start`, or P itself for `run`.
 * [x] marks a step that happens only when x holds (the plan knows which).
 *
 *  step  who    message       what
 *  create, run
 *   1    P      -             clone C; C's pid and start time go to
 *                             init.pid before C can outlive P
 *   2    P->C   MAPS_DONE     the id maps are written (sent by P's fork
 *                             of step 44 once it wrote them and did
 *                             step 1, where nothing else holds C back:
 *                             create.c)
 *   3    C->P   PID           [fork] value: G's pid; C exits
 *   4    P->G   PID_ACK       [fork] G's pid is in init.pid: go on
 *  14    C->P   NET_TAP       [net] the tap's fd (fd), made in the new
 *                             network namespace: P starts the network
 *                             helper with it, and waits for the helper to
 *                             say the network is up before step 10
 *   5    C->P   RUN_HOOKS     [hooks] mounts done: P runs prestart and
 *                             createRuntime
 *   6    P->C   HOOKS_DONE    [hooks] value: the container's pid, for the
 *                             state createContainer hooks get
 *   7    C->P   PTY_MASTER    [terminal] the pty master (fd)
 *   8    C->P   SECCOMP_FD    [notify] the listener's fd (fd): the filter
 *                             is loaded before the wait for start, so the
 *                             listener has it before the program runs
 *   9    C->P   READY         set up: C waits for start
 *  10    P      -             state.json written; `create` returns
 *  start (create: S connects to exec.sock in the state directory, removes
 *  it, then sends START; run: over the same socket pair; a `run` whose
 *  sequence is steps 1, 2 and 9 alone, with no NOTIFY_SOCKET nor
 *  --pid-file, sends START
 *  right after MAPS_DONE: the child finds it once ready, while P writes
 *  state.json; with the network (its tap made beside C) once the helper
 *  and the forwarder said it is up, if C has said nothing by then)
 *  11    S->C   START         value: the container's pid (startContainer)
 *  12    C->S   (end)         the program runs; or ERROR
 *  13    S      -             poststart hooks ran; `run` waits for the exit
 *  exec (E = `urun exec`, M = its child that joins the container's
 *  namespaces, X = M's child, the new process)
 *  21    E      -             fork M
 *  22    M->E   PID           value: X's pid; M exits
 *  23    X->E   PTY_MASTER    [terminal]
 *  24    X->E   SECCOMP_FD    [notify]
 *  25    X->E   (end)         the program runs; or ERROR
 *  the user namespace keeper (keeper.h; rootless, maps by the helpers)
 *  41    P      -             [no keeper] the keeper forked (K), in its own
 *                             user namespace; K waits for P's byte
 *  42    P      -             K's maps written by newuidmap/newgidmap
 *  43    P      -             K recorded in the state root; P's byte: K
 *                             may outlive P (it reads end-of-file before)
 *  44    P      -             [keeper] step 1 done by a fork of P inside
 *                             K's namespace (CLONE_PARENT: C is P's child),
 *                             which writes C's maps there itself
 *  delete (and the end of `run`)
 *  31    D      -             the container's processes are killed
 *  32    D      -             poststop hooks ran
 *  33    D      -             one file of the state directory removed
 *
 * Each send and receive site names its step; the parent side of each
 * sequence is a table of struct sync_step checked by sync_run, so a message
 * out of order, repeated or missing is an error naming what was expected
 * and what came.  The step numbers are also the fault points (fault.h). */
#ifndef URUN_SYNC_H
#define URUN_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "error.h"

enum sync_type
{
  SYNC_END = 0,      /* not a message: the channel closed (the program runs) */
  SYNC_MAPS_DONE,    /* 2 */
  SYNC_PID,          /* 3, 22 */
  SYNC_PID_ACK,      /* 4 */
  SYNC_RUN_HOOKS,    /* 5 */
  SYNC_HOOKS_DONE,   /* 6 */
  SYNC_PTY_MASTER,   /* 7, 23 */
  SYNC_SECCOMP_FD,   /* 8, 24 */
  SYNC_READY,        /* 9 */
  SYNC_START,        /* 11 */
  SYNC_LOG,          /* any step, child -> parent: value = log level */
  SYNC_NET_TAP,      /* 14 */
  SYNC_ERROR,        /* any step, child -> parent: value = errno */
};

enum sync_step_no
{
  STEP_CLONE = 1,
  STEP_MAPS_DONE = 2,
  STEP_PID = 3,
  STEP_PID_ACK = 4,
  STEP_RUN_HOOKS = 5,
  STEP_HOOKS_DONE = 6,
  STEP_PTY = 7,
  STEP_SECCOMP_EARLY = 8,
  STEP_READY = 9,
  STEP_RECORD = 10,
  STEP_START = 11,
  STEP_EXEC = 12,
  STEP_POSTSTART = 13,
  STEP_NET_TAP = 14,
  STEP_KEEPER_FORK = 41,  /* keeper.c: the keeper forked, not mapped yet */
  STEP_KEEPER_MAPS = 42,  /* its maps written, not recorded */
  STEP_KEEPER_GO = 43,    /* recorded, not told to go on */
  STEP_KEEPER_CLONE = 44, /* create.c: the container cloned in a keeper's namespace */
  STEP_KEEPER_SPARE = 45, /* create.c: the keeper's spare claimed, not joined */
  STEP_EXEC_FORK = 21,
  STEP_EXEC_PID = 22,
  STEP_EXEC_PTY = 23,
  STEP_EXEC_SECCOMP = 24,
  STEP_EXEC_END = 25,
  STEP_DELETE_KILLED = 31,
  STEP_DELETE_POSTSTOP = 32,
  STEP_DELETE_FILE = 33,
};

struct sync_msg
{
  enum sync_type type;
  int value;
  int topic; /* SYNC_ERROR: the error's urun_topic */
  char text[32768];
};

const char *sync_type_name (enum sync_type t);

/* Send a message of `step`; fd >= 0 is passed along with it. */
int sync_send (int sock, int step, enum sync_type type, int value, const char *text, int fd, urun_err *err);
/* Send the error as SYNC_ERROR (best effort: used on a failure path). */
void sync_send_error (int sock, urun_err err);
/* The child's side: receive the message of `step`, which must be `type`.
 * End of file means the parent died. */
int sync_expect (int sock, int step, enum sync_type type, struct sync_msg *msg, int *fd, urun_err *err);

/* The parent's side: one step of a sequence. */
enum
{
  SYNC_IF_FORK = 1 << 0,         /* the child forks into a pid/time namespace */
  SYNC_IF_HOOKS = 1 << 1,        /* create-time hooks */
  SYNC_IF_TERMINAL = 1 << 2,     /* process.terminal */
  SYNC_IF_NOTIFY = 1 << 3,       /* a filter with SCMP_ACT_NOTIFY */
  SYNC_IF_NET = 1 << 4,          /* user-mode networking (net/net.h) */
};

typedef int (*sync_handler) (void *ctx, const struct sync_msg *m, int fd, urun_err *err);

struct sync_step
{
  int step;
  enum sync_type type;   /* SYNC_END: the channel closes */
  unsigned when;         /* SYNC_IF_* bits that must all hold; 0: always */
  sync_handler handle;   /* NULL: nothing to do; takes ownership of fd */
};

struct sync_seq
{
  const struct sync_step *steps;
  size_t n;
  unsigned conds; /* the SYNC_IF_* that hold for this container */
  size_t pos;     /* the next step to match */
  int watch_fd;   /* a pidfd of a process whose exit ends the sequence in
                   * error (one that dies before it forwards its child's
                   * socket end to nobody), or -1; a handler may clear it */
};

/* The next step the sequence waits for, or NULL when it is complete. */
const struct sync_step *sync_seq_next (const struct sync_seq *q);
/* Match an arriving message (or SYNC_END): it must be the next step;
 * returns that step, or NULL with an error naming what was expected. */
const struct sync_step *sync_seq_accept (struct sync_seq *q, enum sync_type t, urun_err *err);

/* Receive messages on sock until the sequence is complete, handling each.
 * SYNC_LOG is printed, SYNC_ERROR ends it with the child's error.  When
 * cancel_fd (a signalfd) becomes readable first, it stops with an error
 * whose errnum is EINTR; when q->watch_fd does, with the exit named. */
int sync_run (int sock, struct sync_seq *q, void *ctx, int cancel_fd, urun_err *err);

/* In a child: send its log messages to the parent over sock. */
void sync_forward_logs (int sock);

#endif
