/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "unixsock.h"
#include "util.h"
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

union fd_cmsg
{
  char buf[CMSG_SPACE (sizeof (int))];
  struct cmsghdr align;
};

int
unixsock_connect (const char *path, int type, int *sock, urun_err *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = -1, dirfd = -1;

  if (strlen (path) >= sizeof addr.sun_path)
    {
      /* through the directory: /proc/self/fd/N/NAME fits */
      cleanup_free char *dir = xstrdup (path);
      char *slash = strrchr (dir, '/');
      if (slash == NULL || strlen (slash + 1) + 32 >= sizeof addr.sun_path)
        return urun_fail (err, ENAMETOOLONG, "socket `%s`", path);
      *slash = '\0';
      dirfd = open (dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd < 0)
        return urun_fail (err, errno, "socket `%s`: open its directory", path);
      snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, slash + 1);
    }
  else
    strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return urun_fail (err, errno, "socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return urun_fail (err, errno, "connect to `%s`", path);
  *sock = steal_fd (&fd);
  return 0;
}

int
unixsock_send (int sock, const void *data, size_t len, int fd, urun_err *err)
{
  union fd_cmsg u;
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

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
      if (errno == EINTR)
        continue;
      /* a seccomp filter may deny sendmsg but allow write: a message
       * without a descriptor still gets through */
      if (fd < 0 && (errno == EPERM || errno == ENOSYS) && write (sock, data, len) >= 0)
        return 0;
      return urun_fail (err, errno, "send");
    }
}

ssize_t
unixsock_recv (int sock, void *buf, size_t len, int *fd, urun_err *err)
{
  union fd_cmsg u;
  struct iovec iov = { .iov_base = buf, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t r;
  bool reset = false;

  if (fd)
    *fd = -1;
  /* ECONNRESET, once: the peer ended with a message of ours unread (run's
   * START, sent early, to a child that failed first); its own last
   * message, its error, still waits behind that, or the end */
  do
    r = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && (errno == EINTR || (errno == ECONNRESET && !reset && (reset = true))));
  if (r < 0)
    return urun_fail (err, errno, "receive");
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int f;
        memcpy (&f, CMSG_DATA (c), sizeof f);
        if (fd && *fd < 0)
          *fd = f;
        else
          close (f);
      }
  return r;
}
