/* urun: one error type carried from the failure site up to the CLI.
 *
 * Functions that can fail take `urun_err *err` last and return a negative
 * value on failure after filling *err.  Callers add context with
 * urun_err_wrap() as the error travels up; the CLI prints it once. */
#ifndef URUN_ERROR_H
#define URUN_ERROR_H

#include <stdarg.h>

typedef struct urun_error
{
  int errnum;   /* errno at the failure site, 0 if none */
  char *msg;    /* full message, context first */
} *urun_err;

/* Set *err to a message built from fmt; appends ": strerror(errnum)" when
 * errnum != 0.  Always returns -1 so it can be used as `return urun_fail(..)`. */
int urun_fail (urun_err *err, int errnum, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Prefix the existing message with context ("mount `/proc`: ..."). Returns -1. */
int urun_err_wrap (urun_err *err, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

void urun_err_free (urun_err *err);
/* Move the error out of *from into *to (freeing any old *to). */
void urun_err_move (urun_err *to, urun_err *from);

#define cleanup_err __attribute__ ((cleanup (urun_err_free)))

#endif
