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

/* Every error is one line: a control character that reached the message
 * (a config string nobody quoted) is escaped here, \n as the two
 * characters \ and n, others as \xHH.  A backslash is left alone, so a
 * message that went through quote() or through here is unchanged. */
char *
urun_one_line (char *msg)
{
  size_t bad = 0;
  char *out, *o;

  if (msg == NULL)
    return NULL;
  for (const unsigned char *p = (unsigned char *) msg; *p; p++)
    bad += *p < 0x20 || *p == 0x7f;
  if (bad == 0)
    return msg;
  o = out = malloc (strlen (msg) + 3 * bad + 1);
  if (out == NULL)
    {
      /* no room to escape them: blank them */
      for (unsigned char *p = (unsigned char *) msg; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
          *p = ' ';
      return msg;
    }
  for (const unsigned char *p = (unsigned char *) msg; *p; p++)
    {
      if (*p == '\n')
        o += sprintf (o, "\\n");
      else if (*p == '\t')
        o += sprintf (o, "\\t");
      else if (*p == '\r')
        o += sprintf (o, "\\r");
      else if (*p < 0x20 || *p == 0x7f)
        o += sprintf (o, "\\x%02x", *p);
      else
        *o++ = *p;
    }
  *o = '\0';
  free (msg);
  return out;
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
  (*err)->msg = msg ? urun_one_line (msg) : strdup ("out of memory");
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
  (*err)->msg = urun_one_line (strdup (msg ? msg : "unknown error"));
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
      (*err)->msg = urun_one_line (msg);
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
