/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "log.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_fd = -1;
static bool log_json;
static enum urun_log_level log_level = URUN_LOG_WARNING;

static urun_log_sink log_sink;
static void *log_sink_data;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int
urun_log_parse_level (const char *s, enum urun_log_level *out)
{
  for (size_t i = 0; i < sizeof level_names / sizeof *level_names; i++)
    if (strcmp (s, level_names[i]) == 0 || (i == URUN_LOG_WARNING && strcmp (s, "warn") == 0))
      {
        *out = i;
        return 0;
      }
  return -1;
}

int
urun_log_init (const char *path, bool json, enum urun_log_level level)
{
  log_json = json;
  log_level = level;
  if (path)
    {
      log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (log_fd < 0)
        {
          fprintf (stderr, "urun: open log file `%s`: %s\n", path, strerror (errno));
          return -1;
        }
    }
  return 0;
}

static void
json_escape (FILE *f, const char *s)
{
  for (; *s; s++)
    {
      unsigned char c = *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", f);
      else if (c == '\t')
        fputs ("\\t", f);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
}

void
urun_log_set_sink (urun_log_sink sink, void *data)
{
  log_sink = sink;
  log_sink_data = data;
}

static void
write_log_line (enum urun_log_level level, const char *msg)
{
  char *line = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&line, &len);
  cleanup_free char *now = NULL;

  if (f == NULL)
    return;
  now = now_rfc3339 ();
  if (log_json)
    {
      fprintf (f, "{\"level\":\"%s\",\"msg\":\"", level_names[level]);
      json_escape (f, msg);
      fprintf (f, "\",\"time\":\"%s\"}\n", now);
    }
  else
    fprintf (f, "%s %s: %s\n", now, level_names[level], msg);
  fclose (f);
  if (write_all (log_fd, line, len) < 0)
    {
      /* nowhere left to say it */
    }
  free (line);
}

void
urun_log_emit (enum urun_log_level level, const char *raw)
{
  int saved = errno;
  /* one line, whatever a config string put in it (a forged "urun:" line) */
  cleanup_free char *msg = urun_one_line (xstrdup (raw));
  if (level > URUN_LOG_DEBUG)
    level = URUN_LOG_DEBUG;
  if (log_sink)
    log_sink (log_sink_data, level, msg);
  else if (log_fd >= 0)
    write_log_line (level, msg);
  else if (level == URUN_LOG_ERROR)
    fprintf (stderr, "urun: %s\n", msg);
  else
    fprintf (stderr, "urun: %s: %s\n", level_names[level], msg);
  errno = saved;
}

void
urun_log (enum urun_log_level level, const char *fmt, ...)
{
  va_list ap;
  cleanup_free char *msg = NULL;
  int saved = errno;

  if (level > log_level)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg)
    urun_log_emit (level, msg);
  errno = saved;
}
