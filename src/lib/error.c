/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "error.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
vformat (const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    return NULL;
  return s;
}

int
urun_fail (urun_err *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  char *base, *msg = NULL;

  if (err == NULL)
    return -1;
  va_start (ap, fmt);
  base = vformat (fmt, ap);
  va_end (ap);
  if (base && errnum)
    {
      if (asprintf (&msg, "%s: %s", base, strerror (errnum)) < 0)
        msg = NULL;
      free (base);
    }
  else
    msg = base;
  urun_err_free (err);
  *err = calloc (1, sizeof (**err));
  if (*err == NULL)
    {
      free (msg);
      return -1;
    }
  (*err)->errnum = errnum;
  (*err)->msg = msg ? msg : strdup ("out of memory");
  return -1;
}

int
urun_fail_text (urun_err *err, int errnum, const char *msg)
{
  if (err == NULL)
    return -1;
  urun_err_free (err);
  *err = calloc (1, sizeof (**err));
  if (*err == NULL)
    return -1;
  (*err)->errnum = errnum;
  (*err)->msg = strdup (msg ? msg : "unknown error");
  return -1;
}

int
urun_err_topic (urun_err *err, enum urun_topic topic)
{
  if (err && *err)
    (*err)->topic = topic;
  return -1;
}

int
urun_err_wrap (urun_err *err, const char *fmt, ...)
{
  va_list ap;
  char *ctx, *msg = NULL;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  ctx = vformat (fmt, ap);
  va_end (ap);
  if (ctx == NULL)
    return -1;
  if (asprintf (&msg, "%s: %s", ctx, (*err)->msg) >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = msg;
    }
  free (ctx);
  return -1;
}

void
urun_err_free (urun_err *err)
{
  if (err && *err)
    {
      free ((*err)->msg);
      free (*err);
      *err = NULL;
    }
}

void
urun_err_move (urun_err *to, urun_err *from)
{
  urun_err_free (to);
  *to = *from;
  *from = NULL;
}
