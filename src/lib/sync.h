/* urun: the parent/child synchronisation protocol.  Every message between
 * urun and the process it is setting up is one case of this enum; an error in
 * the child travels to the parent as SYNC_ERROR with its text. */
#ifndef URUN_SYNC_H
#define URUN_SYNC_H

#include <sys/types.h>
#include "error.h"

enum sync_type
{
  SYNC_MAPS_DONE = 1, /* parent -> child: uid/gid maps written, go on */
  SYNC_RUN_HOOKS,     /* child -> parent: namespaces and mounts ready, run prestart/createRuntime hooks */
  SYNC_HOOKS_DONE,    /* parent -> child: those hooks succeeded */
  SYNC_PTY_MASTER,    /* child -> parent: the pty master, passed as SCM_RIGHTS */
  SYNC_READY,         /* child -> parent: set up; waiting for start (or about to exec) */
  SYNC_PID,           /* intermediate -> parent: pid of the process that joined a pid namespace (in `value`) */
  SYNC_SECCOMP_FD,    /* child -> parent: the seccomp notify fd, for linux.seccomp.listenerPath;
                       * value 1: the child waits for SYNC_SECCOMP_DONE before it execs */
  SYNC_SECCOMP_DONE,  /* parent -> child: the listener has the fd */
  SYNC_START,         /* parent -> child (run): start the user process now */
  SYNC_ERROR,         /* either way: `text` says what failed */
};

struct sync_msg
{
  enum sync_type type;
  int value;
  char text[32768];
};

/* Send a message; fd >= 0 is passed along with it. */
int sync_send (int sock, enum sync_type type, int value, const char *text, int fd, urun_err *err);
/* Send the error as SYNC_ERROR (best effort: used on a failure path). */
void sync_send_error (int sock, urun_err err);
/* Receive one message; *fd gets a passed descriptor or -1.  EOF is an error:
 * the other side died. */
int sync_recv (int sock, struct sync_msg *msg, int *fd, urun_err *err);
/* Receive and require `type`; a SYNC_ERROR becomes *err. */
int sync_expect (int sock, enum sync_type type, struct sync_msg *msg, int *fd, urun_err *err);

#endif
