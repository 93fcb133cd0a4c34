/* SPDX-License-Identifier: Apache-2.0 */
/* sdnotify MESSAGE: send MESSAGE as one datagram to $NOTIFY_SOCKET, as
 * sd_notify(3) does (copied into containers by the tests: static). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  int s;
  if (argc != 2 || path == NULL || strlen (path) >= sizeof a.sun_path)
    {
      fprintf (stderr, "usage: NOTIFY_SOCKET=PATH sdnotify MESSAGE\n");
      return 2;
    }
  strcpy (a.sun_path, path);
  s = socket (AF_UNIX, SOCK_DGRAM, 0);
  if (s < 0 || sendto (s, argv[1], strlen (argv[1]), 0, (struct sockaddr *) &a, sizeof a) < 0)
    {
      perror ("sdnotify");
      return 1;
    }
  return 0;
}
