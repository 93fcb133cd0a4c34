/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "sync.h"
#include "fault.h"
#include "log.h"
#include "unixsock.h"
#include "util.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <stddef.h>
#include <unistd.h>

const char *
sync_type_name (enum sync_type t)
{
  static const char *const names[] = {
    [SYNC_END] = "the end of set-up (exec)", [SYNC_MAPS_DONE] = "maps-done", [SYNC_PID] = "pid",
    [SYNC_PID_ACK] = "pid-ack", [SYNC_RUN_HOOKS] = "run-hooks", [SYNC_HOOKS_DONE] = "hooks-done",
    [SYNC_PTY_MASTER] = "pty-master", [SYNC_SECCOMP_FD] = "seccomp-fd", [SYNC_READY] = "ready",
    [SYNC_START] = "start",
    [SYNC_LOG] = "log", [SYNC_ERROR] = "error", [SYNC_NET_TAP] = "net-tap",
  };
  if ((size_t) t < sizeof names / sizeof *names && names[t])
    return names[t];
  return "an unknown message";
}

static int
send_msg (int sock, int step, enum sync_type type, int value, int topic, const char *text, int fd, urun_err *err)
{
  static struct sync_msg m; /* big: off the stack (each process has one thread) */
  size_t tl = text ? strlen (text) : 0;

  fault_point (step, FAULT_AT);
  m.topic = topic;
  if (tl >= sizeof m.text)
    tl = sizeof m.text - 1;
  m.type = type;
  m.value = value;
  if (text)
    memcpy (m.text, text, tl);
  m.text[tl] = '\0';
  if (unixsock_send (sock, &m, offsetof (struct sync_msg, text) + tl + 1, fd, err) < 0)
    return urun_err_wrap (err, "step %d: %s message", step, sync_type_name (type));
  return 0;
}

int
sync_send (int sock, int step, enum sync_type type, int value, const char *text, int fd, urun_err *err)
{
  return send_msg (sock, step, type, value, 0, text, fd, err);
}

void
sync_send_error (int sock, urun_err err)
{
  send_msg (sock, 0, SYNC_ERROR, err ? err->errnum : 0, err ? (int) err->topic : 0,
            err && err->msg ? err->msg : "unknown error", -1, NULL);
}

/* One message; 0 at end of file. */
static int
recv_msg (int sock, struct sync_msg *msg, int *fd, urun_err *err)
{
  ssize_t r = unixsock_recv (sock, msg, sizeof *msg, fd, err);
  if (r < 0)
    return -1;
  if (r == 0)
    {
      msg->type = SYNC_END;
      return 0;
    }
  if ((size_t) r < offsetof (struct sync_msg, text) + 1)
    {
      if (fd && *fd >= 0)
        close (steal_fd (fd));
      return urun_fail (err, 0, "protocol error: a short message");
    }
  msg->text[sizeof msg->text - 1] = '\0';
  if ((size_t) r < sizeof *msg)
    ((char *) msg)[r - 1] = '\0';
  return 1;
}

int
sync_expect (int sock, int step, enum sync_type type, struct sync_msg *msg, int *fd, urun_err *err)
{
  static struct sync_msg local;
  int r;
  if (msg == NULL)
    msg = &local;
  r = recv_msg (sock, msg, fd, err);
  if (r < 0)
    return urun_err_wrap (err, "step %d", step);
  if (r == 0)
    return urun_fail (err, 0, "step %d: urun exited before %s", step, sync_type_name (type));
  fault_point (step, FAULT_RECV);
  if (msg->type != type)
    {
      if (fd && *fd >= 0)
        close (steal_fd (fd));
      return urun_fail (err, 0, "protocol error at step %d: expected %s, got %s", step, sync_type_name (type),
                        sync_type_name (msg->type));
    }
  return 0;
}

const struct sync_step *
sync_seq_next (const struct sync_seq *q)
{
  for (size_t i = q->pos; i < q->n; i++)
    if ((q->steps[i].when & q->conds) == q->steps[i].when)
      return &q->steps[i];
  return NULL;
}

const struct sync_step *
sync_seq_accept (struct sync_seq *q, enum sync_type t, urun_err *err)
{
  const struct sync_step *next = sync_seq_next (q);
  if (next == NULL)
    return urun_fail (err, 0, "protocol error: %s after the end of the sequence", sync_type_name (t)), NULL;
  if (next->type != t)
    {
      if (t == SYNC_END)
        urun_fail (err, 0, "the container process exited during set-up (before step %d, %s)", next->step,
                   sync_type_name (next->type));
      else
        urun_fail (err, 0, "protocol error: expected %s (step %d), got %s", sync_type_name (next->type), next->step,
                   sync_type_name (t));
      return NULL;
    }
  q->pos = (size_t) (next - q->steps) + 1;
  return next;
}

/* Wait until sock is readable; 1 if cancel_fd fired first or the watched
 * process exited (err is set). */
static int
wait_readable (int sock, int cancel_fd, const struct sync_seq *q, urun_err *err)
{
  struct pollfd p[3] = { { .fd = sock, .events = POLLIN },
                         { .fd = cancel_fd, .events = POLLIN },
                         { .fd = q->watch_fd, .events = POLLIN } };
  for (;;)
    {
      int r = poll (p, 3, -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return urun_fail (err, errno, "poll");
      if (p[0].revents)
        return 0;
      if (p[1].revents & POLLIN)
        {
          struct signalfd_siginfo si = { 0 };
          if (read (cancel_fd, &si, sizeof si) != sizeof si)
            continue;
          urun_fail (err, 0, "interrupted by SIG%s during set-up",
                     sigabbrev_np (si.ssi_signo) ? sigabbrev_np (si.ssi_signo) : "?");
          (*err)->errnum = EINTR;
          return 1;
        }
      if (p[2].revents)
        {
          const struct sync_step *next = sync_seq_next (q);
          urun_fail (err, 0, "the container process exited during set-up (before step %d, %s)", next ? next->step : 0,
                     next ? sync_type_name (next->type) : "the end");
          return 1;
        }
    }
}

int
sync_run (int sock, struct sync_seq *q, void *ctx, int cancel_fd, urun_err *err)
{
  static struct sync_msg m;
  while (sync_seq_next (q))
    {
      const struct sync_step *s;
      int fd = -1, r;
      if ((cancel_fd >= 0 || q->watch_fd >= 0) && (r = wait_readable (sock, cancel_fd, q, err)) != 0)
        return -1;
      if (recv_msg (sock, &m, &fd, err) < 0)
        return -1;
      if (m.type == SYNC_LOG)
        {
          urun_log_emit (m.value, m.text);
          if (fd >= 0)
            close (fd);
          continue;
        }
      if (m.type == SYNC_ERROR)
        {
          if (fd >= 0)
            close (fd);
          urun_fail_text (err, m.value, m.text);
          return urun_err_topic (err, m.topic);
        }
      s = sync_seq_accept (q, m.type, err);
      if (s == NULL)
        {
          if (fd >= 0)
            close (fd);
          return -1;
        }
      fault_point (s->step, FAULT_RECV);
      if (s->handle)
        {
          if (s->handle (ctx, &m, fd, err) < 0)
            return -1;
        }
      else if (fd >= 0)
        close (fd);
    }
  return 0;
}

static void
forward_log (void *data, enum urun_log_level level, const char *msg)
{
  sync_send (*(int *) data, 0, SYNC_LOG, level, msg, -1, NULL);
}

void
sync_forward_logs (int sock)
{
  static int fwd_sock;
  fwd_sock = sock;
  urun_log_set_sink (sock >= 0 ? forward_log : NULL, &fwd_sock);
}
