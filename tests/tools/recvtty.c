/* SPDX-License-Identifier: Apache-2.0 */
/* recvtty: the test suite's console-socket receiver (the runc protocol).
 *
 *   recvtty SOCKET [INPUT]
 *
 * Listens on SOCKET, accepts one connection, receives the pty master sent
 * with SCM_RIGHTS, prints the name sent with it on stderr as "name: NAME",
 * writes INPUT (if given) to the pty, and copies everything the pty says to
 * stdout until the other side closes it.  Gives up after 30 seconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int ls, cs, master = -1;
  char name[256] = "";
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };

  if (argc < 2 || strlen (argv[1]) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "usage: recvtty SOCKET [INPUT]\n");
      return 2;
    }
  strcpy (addr.sun_path, argv[1]);
  ls = socket (AF_UNIX, SOCK_STREAM, 0);
  unlink (argv[1]);
  if (ls < 0 || bind (ls, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (ls, 1) < 0)
    {
      perror ("recvtty: listen");
      return 1;
    }
  alarm (30);
  cs = accept (ls, NULL, NULL);
  if (cs < 0)
    {
      perror ("recvtty: accept");
      return 1;
    }
  if (recvmsg (cs, &mh, 0) < 0)
    {
      perror ("recvtty: recvmsg");
      return 1;
    }
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&master, CMSG_DATA (c), sizeof master);
  if (master < 0)
    {
      fprintf (stderr, "recvtty: no fd received\n");
      return 1;
    }
  fprintf (stderr, "name: %s\n", name);
  close (cs);
  close (ls);
  unlink (argv[1]);
  if (argc > 2)
    {
      size_t l = strlen (argv[2]);
      if (write (master, argv[2], l) != (ssize_t) l)
        perror ("recvtty: write");
    }
  for (;;)
    {
      char buf[4096];
      ssize_t n = read (master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; /* EIO: every slave fd is closed */
      fwrite (buf, 1, n, stdout);
      fflush (stdout);
    }
  return 0;
}
