/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp_listener: a minimal seccomp notify agent for tests/security/
 * seccomp.bats.
 *
 *   seccomp_listener SOCKET JSONFILE N
 *
 * Listens on the unix socket SOCKET, accepts one connection from urun,
 * receives its message (the "container process state" JSON) with the
 * seccomp notify descriptor (SCM_RIGHTS), writes the JSON to JSONFILE,
 * then answers N notifications: the first with the error EDOM, the others
 * with success and return value 0 (the syscall is not performed).  One
 * line per event on standard output.  Gives up after 30 seconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void
die (const char *what)
{
  printf ("error: %s: %s\n", what, strerror (errno));
  fflush (stdout);
  exit (1);
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char buf[65536];
  char cbuf[CMSG_SPACE (sizeof (int) * 4)];
  struct iovec iov = { buf, sizeof buf - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct seccomp_notif_sizes sizes;
  int lfd, cfd, nfd = -1, nfds = 0, n, i;
  ssize_t len;
  FILE *f;

  if (argc != 4)
    {
      fprintf (stderr, "usage: %s SOCKET JSONFILE N\n", argv[0]);
      return 2;
    }
  n = atoi (argv[3]);
  setvbuf (stdout, NULL, _IOLBF, 0);
  alarm (30);

  lfd = socket (AF_UNIX, SOCK_STREAM, 0);
  if (lfd < 0)
    die ("socket");
  if (strlen (argv[1]) >= sizeof addr.sun_path)
    {
      errno = ENAMETOOLONG;
      die ("socket path");
    }
  strcpy (addr.sun_path, argv[1]);
  if (bind (lfd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind");
  if (listen (lfd, 1) < 0)
    die ("listen");
  printf ("listening\n");

  cfd = accept (lfd, NULL, NULL);
  if (cfd < 0)
    die ("accept");
  len = recvmsg (cfd, &msg, 0);
  if (len < 0)
    die ("recvmsg");
  buf[len] = '\0';
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int k = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
        memcpy (&nfd, CMSG_DATA (c), sizeof (int));
        nfds += k;
      }
  close (cfd);
  f = fopen (argv[2], "w");
  if (f == NULL)
    die ("open JSONFILE");
  fwrite (buf, 1, len, f);
  fclose (f);
  printf ("received %zd bytes, %d fd(s)\n", len, nfds);
  if (nfd < 0)
    {
      errno = EBADF;
      die ("no descriptor received");
    }

  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    die ("SECCOMP_GET_NOTIF_SIZES");
  for (i = 0; i < n; i++)
    {
      struct seccomp_notif *req = calloc (1, sizes.seccomp_notif);
      struct seccomp_notif_resp *resp = calloc (1, sizes.seccomp_notif_resp);
      if (req == NULL || resp == NULL)
        die ("calloc");
      if (ioctl (nfd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
        die ("SECCOMP_IOCTL_NOTIF_RECV");
      resp->id = req->id;
      if (i == 0)
        {
          resp->error = -EDOM;
          resp->val = 0;
        }
      else
        {
          resp->error = 0;
          resp->val = 0;
        }
      resp->flags = 0;
      if (ioctl (nfd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0)
        die ("SECCOMP_IOCTL_NOTIF_SEND");
      printf ("notification %d: syscall %d from pid %u: answered %s\n", i + 1, req->data.nr, req->pid,
              i == 0 ? "EDOM" : "success 0");
      free (req);
      free (resp);
    }
  printf ("done\n");
  return 0;
}
