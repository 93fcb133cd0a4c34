/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the protocol's sequence checking: the create, start and
 * exec tables of sync.h driven with good and bad orders of messages, and
 * sync_run over a real socket pair (log lines, errors with their errno,
 * the end of the channel, cancellation). */
#include <config.h>
#include "container_priv.h"
#include "sync.h"
#include "util.h"
#include "unit.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define create_steps create_sequence
#define exec_steps exec_sequence

/* Feed types to a sequence; returns how many were accepted, and whether
 * the sequence ended complete. */
static size_t
feed (const struct sync_step *steps, size_t n, unsigned conds, const enum sync_type *t, size_t nt, bool *complete,
      char **msg)
{
  struct sync_seq q = { steps, n, conds, 0, -1 };
  cleanup_err urun_err err = NULL;
  size_t i;
  for (i = 0; i < nt; i++)
    if (sync_seq_accept (&q, t[i], &err) == NULL)
      break;
  *complete = sync_seq_next (&q) == NULL;
  *msg = err ? xstrdup (err->msg) : NULL;
  return i;
}

#define N(a) (sizeof (a) / sizeof *(a))
#define CREATE(conds, types, ok, done) check_seq (create_steps, create_sequence_len, conds, types, N (types), ok, done, NULL)

static void
check_seq (const struct sync_step *s, size_t n, unsigned conds, const enum sync_type *t, size_t nt, size_t want_ok,
           bool want_complete, const char *want_msg)
{
  bool complete;
  cleanup_free char *msg = NULL;
  size_t ok = feed (s, n, conds, t, nt, &complete, &msg);
  if (ok != want_ok || complete != want_complete || (want_msg && (msg == NULL || strstr (msg, want_msg) == NULL)))
    {
      printf ("# accepted %zu (want %zu), complete %d (want %d), error: %s\n", ok, want_ok, complete, want_complete,
              msg ? msg : "none");
      unit_cur_failed = 1;
    }
}

TEST (create_plain)
{
  enum sync_type t[] = { SYNC_READY };
  CREATE (0, t, 1, true);
}

TEST (create_every_optional_step)
{
  enum sync_type t[] = { SYNC_PID, SYNC_RUN_HOOKS, SYNC_PTY_MASTER, SYNC_SECCOMP_FD, SYNC_READY };
  CREATE (SYNC_IF_FORK | SYNC_IF_HOOKS | SYNC_IF_TERMINAL | SYNC_IF_NOTIFY, t, 5, true);
}

TEST (create_missing_required_step)
{
  /* a fork is planned: READY before PID is out of order */
  enum sync_type t[] = { SYNC_READY };
  check_seq (create_steps, create_sequence_len, SYNC_IF_FORK, t, 1, 0, false, "expected pid (step 3), got ready");
  /* a terminal is planned and the child ends without sending it */
  enum sync_type t2[] = { SYNC_END };
  check_seq (create_steps, create_sequence_len, SYNC_IF_TERMINAL, t2, 1, 0, false, "before step 7");
}

TEST (create_unexpected_step)
{
  /* no hooks in the config: RUN_HOOKS is not expected */
  enum sync_type t[] = { SYNC_RUN_HOOKS, SYNC_READY };
  check_seq (create_steps, create_sequence_len, 0, t, 2, 0, false, "expected ready (step 9), got run-hooks");
}

TEST (create_repeated_step)
{
  enum sync_type t[] = { SYNC_PTY_MASTER, SYNC_PTY_MASTER, SYNC_READY };
  check_seq (create_steps, create_sequence_len, SYNC_IF_TERMINAL, t, 3, 1, false, "got pty-master");
}

TEST (create_wrong_order)
{
  enum sync_type t[] = { SYNC_PTY_MASTER, SYNC_RUN_HOOKS, SYNC_READY };
  check_seq (create_steps, create_sequence_len, SYNC_IF_TERMINAL | SYNC_IF_HOOKS, t, 3, 0, false,
             "expected run-hooks (step 5), got pty-master");
}

TEST (start_sequence)
{
  enum sync_type t[] = { SYNC_END };
  check_seq (start_sequence, start_sequence_len, 0, t, 1, 1, true, NULL);
  /* a notify fd belongs to create (step 8), not to start */
  enum sync_type t2[] = { SYNC_SECCOMP_FD, SYNC_END };
  check_seq (start_sequence, start_sequence_len, SYNC_IF_NOTIFY, t2, 2, 0, false,
             "expected the end of set-up (exec) (step 12), got seccomp-fd");
}

TEST (message_after_the_end)
{
  enum sync_type t[] = { SYNC_READY, SYNC_READY };
  check_seq (create_steps, create_sequence_len, 0, t, 2, 1, true, "after the end");
}

TEST (exec_sequences)
{
  enum sync_type good[] = { SYNC_PID, SYNC_PTY_MASTER, SYNC_END };
  check_seq (exec_steps, exec_sequence_len, SYNC_IF_TERMINAL, good, 3, 3, true, NULL);
  enum sync_type no_pid[] = { SYNC_END };
  check_seq (exec_steps, exec_sequence_len, 0, no_pid, 1, 0, false, "exited during set-up");
  enum sync_type seccomp[] = { SYNC_PID, SYNC_SECCOMP_FD, SYNC_END };
  check_seq (exec_steps, exec_sequence_len, SYNC_IF_NOTIFY, seccomp, 3, 3, true, NULL);
  check_seq (exec_steps, exec_sequence_len, 0, seccomp, 3, 1, false, "got seccomp-fd");
}

static int handled;
static int
count_handler (void *ctx, const struct sync_msg *m, int fd, urun_err *err)
{
  (void) ctx;
  (void) err;
  if (fd >= 0)
    close (fd);
  handled += m->value;
  return 0;
}

TEST (run_over_a_socket)
{
  static const struct sync_step steps[] = {
    { STEP_EXEC_PID, SYNC_PID, 0, count_handler },
    { STEP_EXEC_END, SYNC_END, 0, NULL },
  };
  struct sync_seq q = { steps, 2, 0, 0, -1 };
  cleanup_err urun_err err = NULL;
  int sv[2];
  CHECK (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  /* a log line is accepted anywhere and does not advance the sequence */
  CHECK (sync_send (sv[1], 0, SYNC_LOG, 3, "a debug line from the child", -1, &err) == 0);
  CHECK (sync_send (sv[1], STEP_EXEC_PID, SYNC_PID, 42, NULL, -1, &err) == 0);
  close (sv[1]);
  handled = 0;
  CHECK (sync_run (sv[0], &q, NULL, -1, &err) == 0);
  CHECK (handled == 42);
  close (sv[0]);
}

TEST (run_error_keeps_errno)
{
  static const struct sync_step steps[] = { { STEP_READY, SYNC_READY, 0, NULL } };
  struct sync_seq q = { steps, 1, 0, 0, -1 };
  cleanup_err urun_err err = NULL, sent = NULL;
  int sv[2];
  CHECK (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  urun_fail (&sent, EACCES, "mount `/proc`");
  sync_send_error (sv[1], sent);
  CHECK (sync_run (sv[0], &q, NULL, -1, &err) < 0);
  CHECK (err && err->errnum == EACCES);
  CHECK (err && strcmp (err->msg, "mount `/proc`: Permission denied") == 0);
  close (sv[0]);
  close (sv[1]);
}

TEST (run_cancelled_by_a_signal)
{
  static const struct sync_step steps[] = { { STEP_READY, SYNC_READY, 0, NULL } };
  struct sync_seq q = { steps, 1, 0, 0, -1 };
  cleanup_err urun_err err = NULL;
  sigset_t s, old;
  int sv[2], sfd;
  sigemptyset (&s);
  sigaddset (&s, SIGTERM);
  sigprocmask (SIG_BLOCK, &s, &old);
  sfd = signalfd (-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
  CHECK (sfd >= 0 && socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  kill (getpid (), SIGTERM);
  CHECK (sync_run (sv[0], &q, NULL, sfd, &err) < 0);
  CHECK (err && err->errnum == EINTR && strstr (err->msg, "TERM"));
  close (sfd);
  close (sv[0]);
  close (sv[1]);
  sigprocmask (SIG_SETMASK, &old, NULL);
}

TEST (child_side_expect)
{
  cleanup_err urun_err err = NULL;
  struct sync_msg m;
  int sv[2];
  CHECK (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  CHECK (sync_send (sv[0], STEP_START, SYNC_START, 7, NULL, -1, &err) == 0);
  CHECK (sync_expect (sv[1], STEP_START, SYNC_START, &m, NULL, &err) == 0 && m.value == 7);
  CHECK (sync_send (sv[0], STEP_START, SYNC_READY, 0, NULL, -1, &err) == 0);
  CHECK (sync_expect (sv[1], STEP_START, SYNC_START, &m, NULL, &err) < 0);
  CHECK (err && strstr (err->msg, "expected start, got ready"));
  close (sv[0]);
  urun_err_free (&err);
  CHECK (sync_expect (sv[1], STEP_START, SYNC_START, &m, NULL, &err) < 0);
  CHECK (err && strstr (err->msg, "urun exited"));
  close (sv[1]);
}

int
main (void)
{
  RUN (create_plain);
  RUN (create_every_optional_step);
  RUN (create_missing_required_step);
  RUN (create_unexpected_step);
  RUN (create_repeated_step);
  RUN (create_wrong_order);
  RUN (start_sequence);
  RUN (message_after_the_end);
  RUN (exec_sequences);
  RUN (run_over_a_socket);
  RUN (run_error_keeps_errno);
  RUN (run_cancelled_by_a_signal);
  RUN (child_side_expect);
  UNIT_DONE ();
}
