/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "terminal.h"
#include "unixsock.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

int
terminal_open_in_container (unsigned rows, unsigned cols, urun_err *err)
{
  cleanup_close int master = -1, slave = -1;
  struct statfs sf;

  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return urun_fail (err, errno, "open /dev/ptmx (is devpts mounted at /dev/pts?)");
  /* the image may have put something else at /dev/ptmx */
  if (fstatfs (master, &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC)
    return urun_fail (err, 0, "/dev/ptmx is not the ptmx of a devpts");
  if (unlockpt (master) < 0)
    return urun_fail (err, errno, "unlockpt");
  /* the slave from the master itself, not by a name in the container */
  slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return urun_fail (err, errno, "open the pty's slave (TIOCGPTPEER)");
  if (rows && cols)
    {
      struct winsize ws = { .ws_row = rows, .ws_col = cols };
      ioctl (slave, TIOCSWINSZ, &ws);
    }
  if (setsid () < 0 && errno != EPERM)
    return urun_fail (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return urun_fail (err, errno, "make the pty the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return urun_fail (err, errno, "dup2 pty to %d", fd);
  return steal_fd (&master);
}

int
terminal_send_fd (int sock, int master, urun_err *err)
{
  /* runc sends the pty's name as the payload with the fd */
  static const char payload[] = "/dev/ptmx";
  if (unixsock_send (sock, payload, sizeof payload - 1, master, err) < 0)
    return urun_err_wrap (err, "send the terminal to the console socket");
  return 0;
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
