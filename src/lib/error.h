/* SPDX-License-Identifier: Apache-2.0 */
/* urun: one error type carried from the failure site up to the CLI.
 *
 * Functions that can fail take `urun_err *err` last and return a negative
 * value on failure after filling *err.  Callers add context with
 * urun_err_wrap() as the error travels up; the CLI prints it once. */
#ifndef URUN_ERROR_H
#define URUN_ERROR_H

#include <stdarg.h>

/* What the command line should add to an error (the library does not know
 * its flags): the option whose value the error is about, or the option
 * that would help.  src/cmd/common.c turns these into words. */
enum urun_topic
{
  URUN_TOPIC_NONE,
  URUN_TOPIC_CONSOLE_SOCKET, /* about the console socket given */
  URUN_TOPIC_NEED_CONSOLE,   /* a terminal needs a console socket */
  URUN_TOPIC_PID_FILE,       /* about the pid file given */
  URUN_TOPIC_STATE_ROOT,     /* no usable state root: one can be named */
  URUN_TOPIC_PIVOT,          /* pivot_root failed: it can be skipped */
  URUN_TOPIC_FORCE,          /* refused: forcing it would go on */
  URUN_TOPIC_ROOTLESS_SPEC,  /* a rootless config is needed */
  URUN_TOPIC_EXEC_TTY,       /* exec: a terminal was asked for / not asked for */
};

typedef struct urun_error
{
  int errnum;   /* errno at the failure site, 0 if none */
  char *msg;    /* full message, context first */
  enum urun_topic topic;
} *urun_err;

/* Set *err to a message built from fmt; appends ": strerror(errnum)" when
 * errnum != 0.  Always returns -1 so it can be used as `return urun_fail(..)`. */
int urun_fail (urun_err *err, int errnum, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Prefix the existing message with context ("mount `/proc`: ..."). Returns -1. */
int urun_err_wrap (urun_err *err, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* An error whose text was made elsewhere (in the container process): the
 * message as it is, with its errno.  Returns -1. */
int urun_fail_text (urun_err *err, int errnum, const char *msg);

/* Say what the error is about, for the CLI.  Returns -1. */
int urun_err_topic (urun_err *err, enum urun_topic topic);

/* msg (allocated) with its control characters escaped: one line.  Frees
 * msg when it returns another string. */
char *urun_one_line (char *msg);

void urun_err_free (urun_err *err);
/* Move the error out of *from into *to (freeing any old *to). */
void urun_err_move (urun_err *to, urun_err *from);

#define cleanup_err __attribute__ ((cleanup (urun_err_free)))

#endif
