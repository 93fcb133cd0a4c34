#include <config.h>
#include "sync.h"
#include "util.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <stddef.h>
#include <unistd.h>

static const char *
sync_type_name (enum sync_type t)
{
  switch (t)
    {
    case SYNC_MAPS_DONE: return "maps-done";
    case SYNC_RUN_HOOKS: return "run-hooks";
    case SYNC_HOOKS_DONE: return "hooks-done";
    case SYNC_PTY_MASTER: return "pty-master";
    case SYNC_READY: return "ready";
    case SYNC_PID: return "pid";
    case SYNC_START: return "start";
    case SYNC_SECCOMP_FD: return "seccomp-fd";
    case SYNC_SECCOMP_DONE: return "seccomp-done";
    case SYNC_ERROR: return "error";
    }
  return "unknown";
}

int
sync_send (int sock, enum sync_type type, int value, const char *text, int fd, urun_err *err)
{
  struct sync_msg m = { .type = type, .value = value };
  size_t tl = text ? strlen (text) : 0;
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov;
  struct msghdr mh = { 0 };

  if (tl >= sizeof m.text)
    tl = sizeof m.text - 1;
  if (text)
    memcpy (m.text, text, tl);
  m.text[tl] = '\0';
  iov.iov_base = &m;
  iov.iov_len = offsetof (struct sync_msg, text) + tl + 1;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (fd >= 0)
    {
      struct cmsghdr *c;
      memset (&u, 0, sizeof u);
      mh.msg_control = u.buf;
      mh.msg_controllen = sizeof u.buf;
      c = CMSG_FIRSTHDR (&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &fd, sizeof (int));
    }
  for (;;)
    {
      if (sendmsg (sock, &mh, MSG_NOSIGNAL) >= 0)
        return 0;
      if (errno != EINTR)
        return urun_fail (err, errno, "send %s message", sync_type_name (type));
    }
}

void
sync_send_error (int sock, urun_err err)
{
  sync_send (sock, SYNC_ERROR, err ? err->errnum : 0, err && err->msg ? err->msg : "unknown error", -1, NULL);
}

int
sync_recv (int sock, struct sync_msg *msg, int *fd, urun_err *err)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t r;

  if (fd)
    *fd = -1;
  do
    r = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return urun_fail (err, errno, "receive from container process");
  if (r == 0)
    return urun_fail (err, 0, "container process exited during set-up");
  if ((size_t) r < offsetof (struct sync_msg, text) + 1)
    return urun_fail (err, 0, "short message from container process");
  msg->text[sizeof msg->text - 1] = '\0';
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int f;
        memcpy (&f, CMSG_DATA (c), sizeof f);
        if (fd)
          *fd = f;
        else
          close (f);
      }
  return 0;
}

int
sync_expect (int sock, enum sync_type type, struct sync_msg *msg, int *fd, urun_err *err)
{
  struct sync_msg local;
  if (msg == NULL)
    msg = &local;
  if (sync_recv (sock, msg, fd, err) < 0)
    return -1;
  if (msg->type == SYNC_ERROR)
    return urun_fail (err, 0, "%s", msg->text);
  if (msg->type != type)
    return urun_fail (err, 0, "protocol error: expected %s, got %s", sync_type_name (type), sync_type_name (msg->type));
  return 0;
}
