#include <config.h>
#include "terminal.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
terminal_open_in_container (unsigned rows, unsigned cols, char **slave_name, urun_err *err)
{
  cleanup_close int master = -1, slave = -1;
  char name[64];

  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return urun_fail (err, errno, "open /dev/ptmx (is devpts mounted at /dev/pts?)");
  if (unlockpt (master) < 0)
    return urun_fail (err, errno, "unlockpt");
  if (ptsname_r (master, name, sizeof name) != 0)
    return urun_fail (err, errno, "ptsname");
  slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return urun_fail (err, errno, "open `%s`", name);
  if (rows && cols)
    {
      struct winsize ws = { .ws_row = rows, .ws_col = cols };
      ioctl (slave, TIOCSWINSZ, &ws);
    }
  if (setsid () < 0 && errno != EPERM)
    return urun_fail (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return urun_fail (err, errno, "make `%s` the controlling terminal", name);
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return urun_fail (err, errno, "dup2 pty to %d", fd);
  *slave_name = xstrdup (name);
  return steal_fd (&master);
}

int
terminal_connect_socket (const char *path, int *sock, urun_err *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = -1;
  if (strlen (path) >= sizeof addr.sun_path)
    return urun_fail (err, 0, "socket path `%s` too long", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return urun_fail (err, errno, "socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return urun_fail (err, errno, "connect to `%s`", path);
  *sock = steal_fd (&fd);
  return 0;
}

int
terminal_send_fd_with (int sock, int fd, const void *data, size_t len, urun_err *err)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c;

  memset (&u, 0, sizeof u);
  c = CMSG_FIRSTHDR (&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  while (sendmsg (sock, &mh, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return urun_fail (err, errno, "send fd over the socket");
  return 0;
}

int
terminal_send_fd (int sock, int master, urun_err *err)
{
  /* runc sends the pty's name as the payload with the fd */
  static const char payload[] = "/dev/ptmx";
  if (terminal_send_fd_with (sock, master, payload, sizeof payload - 1, err) < 0)
    return urun_fail (err, errno, "send the terminal to the console socket");
  return 0;
}

int
terminal_send_to_socket (const char *path, int master, urun_err *err)
{
  cleanup_close int sock = -1;
  if (terminal_connect_socket (path, &sock, err) < 0)
    return -1;
  return terminal_send_fd (sock, master, err);
}

void
terminal_make_raw (int fd, struct terminal_saved *s)
{
  struct termios raw;
  s->saved = false;
  if (!isatty (fd) || tcgetattr (fd, &s->tio) < 0)
    return;
  raw = s->tio;
  cfmakeraw (&raw);
  raw.c_oflag &= ~OPOST;
  if (tcsetattr (fd, TCSANOW, &raw) == 0)
    s->saved = true;
}

void
terminal_restore (int fd, struct terminal_saved *s)
{
  if (s->saved)
    tcsetattr (fd, TCSANOW, &s->tio);
  s->saved = false;
}

void
terminal_copy_size (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}
