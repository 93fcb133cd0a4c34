/* SPDX-License-Identifier: Apache-2.0 */
/* urun: terminals.  The container's pty is made inside the container (its
 * devpts); the master goes to the caller: over --console-socket (the runc
 * protocol: one SCM_RIGHTS message), or to urun itself, which connects it to
 * the caller's terminal. */
#ifndef URUN_TERMINAL_H
#define URUN_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>
#include "error.h"

/* In the container: open a pty from /dev/ptmx (checked to be a devpts),
 * make its slave (TIOCGPTPEER: never by name) the controlling terminal and
 * fds 0-2.  Returns the master. */
int terminal_open_in_container (unsigned rows, unsigned cols, urun_err *err);

/* Send the master over a connected console socket (runc's protocol: the
 * fd with a name as the payload). */
int terminal_send_fd (int sock, int master, urun_err *err);

/* The caller's side: raw mode on our stdin while proxying, restored later. */
struct terminal_saved
{
  bool saved;
  struct termios tio;
};
void terminal_make_raw (int fd, struct terminal_saved *s);
void terminal_restore (int fd, struct terminal_saved *s);
/* Copy the size of `from` to the pty `to`. */
void terminal_copy_size (int from, int to);

#endif
