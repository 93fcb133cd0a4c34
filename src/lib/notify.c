/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "notify.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int
notify_prepare (struct spec *s, int dirfd, const char *state_dir, const char *host, urun_err *err)
{
  static const char *const opts[] = { "bind", "nosuid", "noexec", "nodev", "ro", NULL };
  struct spec_mount *m;

  if (host == NULL || host[0] == '\0')
    return 0;
  if (mkdirat (dirfd, NOTIFY_DIR, 0755) < 0 || fchmodat (dirfd, NOTIFY_DIR, 0755, 0) < 0)
    return urun_fail (err, errno, "NOTIFY_SOCKET: make the socket directory");
  if (write_file_atomic_at (dirfd, NOTIFY_HOST_FILE, host, strlen (host), 0600, err) < 0)
    return urun_err_wrap (err, "NOTIFY_SOCKET");
  /* runc's mount: the directory, read-only, at /run/notify */
  s->mounts = xrealloc (s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
  m = &s->mounts[s->n_mounts++];
  memset (m, 0, sizeof *m);
  m->destination = xstrdup ("/run/notify");
  m->type = xstrdup ("bind");
  m->source = xasprintf ("%s/%s", state_dir, NOTIFY_DIR);
  m->options = xmalloc0 (sizeof opts);
  for (size_t i = 0; opts[i]; i++)
    m->options[i] = xstrdup (opts[i]);
  if (spec_mount_parse_options (m, "NOTIFY_SOCKET mount", err) < 0)
    return -1;
  env_set (&s->process->env, "NOTIFY_SOCKET=" NOTIFY_IN_CONTAINER);
  return 0;
}

/* sockaddr of a socket path; "@name" is abstract */
static int
notify_addr (const char *path, struct sockaddr_un *a, socklen_t *len, urun_err *err)
{
  size_t n = strlen (path);
  memset (a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof a->sun_path)
    return urun_fail (err, 0, "NOTIFY_SOCKET `%s`: not a usable socket name", quote (path));
  memcpy (a->sun_path, path, n);
  if (path[0] == '@')
    a->sun_path[0] = '\0';
  *len = offsetof (struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1);
  return 0;
}

int
notify_bind (int dirfd, const char *caller_host, int *sock, char **host, urun_err *err)
{
  cleanup_close int dfd = openat (dirfd, NOTIFY_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_err urun_err e = NULL;
  struct sockaddr_un a;
  socklen_t len;
  char name[64];

  *sock = -1;
  *host = NULL;
  if (dfd < 0)
    return 0;
  if (caller_host && caller_host[0])
    *host = xstrdup (caller_host);
  else if (read_file_at (dirfd, NOTIFY_HOST_FILE, host, NULL, &e) < 0)
    return urun_fail (err, 0, "NOTIFY_SOCKET: the container was created with one, and none is known now");
  /* bound through /proc/self/fd: the state path may be long */
  snprintf (name, sizeof name, "/proc/self/fd/%d/notify.sock", dfd);
  unlinkat (dfd, "notify.sock", 0);
  if (notify_addr (name, &a, &len, err) < 0)
    return -1;
  *sock = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (*sock < 0 || bind (*sock, (struct sockaddr *) &a, len) < 0)
    return urun_fail (err, errno, "NOTIFY_SOCKET: bind the container's socket");
  /* the container's process may run as any user */
  if (fchmodat (dfd, "notify.sock", 0777, 0) < 0)
    return urun_fail (err, errno, "NOTIFY_SOCKET: chmod the container's socket");
  return 0;
}

static bool
still_there (pid_t pid, unsigned long long start_time)
{
  return kill (pid, 0) == 0 && proc_start_time (pid) == start_time;
}

/* BARRIER=1 with a pipe: the manager closes it once it has read what came
 * before (sd_notify_barrier); waited for at most 5 s. */
static void
notify_barrier (int sock)
{
  int p[2];
  char cmsg[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = (void *) "BARRIER=1", .iov_len = 9 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cmsg, .msg_controllen = sizeof cmsg };
  struct cmsghdr *c = CMSG_FIRSTHDR (&mh);
  struct pollfd pf;
  if (pipe2 (p, O_CLOEXEC) < 0)
    return;
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &p[1], sizeof (int));
  if (sendmsg (sock, &mh, MSG_NOSIGNAL) < 0)
    urun_debug ("NOTIFY_SOCKET: BARRIER: %s", strerror (errno));
  close (p[1]);
  pf = (struct pollfd) { .fd = p[0], .events = POLLIN };
  if (poll (&pf, 1, 5000) == 0)
    urun_debug ("NOTIFY_SOCKET: no answer to BARRIER=1 in 5 s");
  close (p[0]);
}

static int
send_to_host (const char *host, const char *ready, pid_t pid, urun_err *err)
{
  cleanup_close int s = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  cleanup_free char *msg = xasprintf ("%s\nMAINPID=%d\n", ready, (int) pid);
  struct sockaddr_un a;
  socklen_t len;
  if (notify_addr (host, &a, &len, err) < 0)
    return -1;
  if (s < 0 || connect (s, (struct sockaddr *) &a, len) < 0 || send (s, msg, strlen (msg), MSG_NOSIGNAL) < 0)
    return urun_fail (err, errno, "NOTIFY_SOCKET `%s`", quote (host));
  notify_barrier (s);
  return 0;
}

int
notify_forward (int sock, const char *host, pid_t pid, unsigned long long start_time, urun_err *err)
{
  char buf[4096];
  while (still_there (pid, start_time))
    {
      struct pollfd pf = { .fd = sock, .events = POLLIN };
      ssize_t n;
      if (poll (&pf, 1, 100) <= 0)
        continue;
      n = recv (sock, buf, sizeof buf - 1, 0);
      if (n <= 0)
        continue;
      buf[n] = '\0';
      /* one datagram of KEY=value lines; READY= is what is passed on */
      for (char *line = strtok (buf, "\n"); line; line = strtok (NULL, "\n"))
        if (strncmp (line, "READY=", 6) == 0)
          return send_to_host (host, line, pid, err);
    }
  return 0;
}
