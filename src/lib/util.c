/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void
cleanup_freep (void *p)
{
  free (*(void **) p);
}

void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

void
cleanup_fclosep (void *f)
{
  FILE **fp = f;
  if (*fp)
    fclose (*fp);
}

void
strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **i = v; *i; i++)
    free (*i);
  free (v);
}

void
cleanup_strvp (void *p)
{
  strv_free (*(char ***) p);
}

size_t
strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

static void
oom (void)
{
  static const char m[] = "urun: out of memory\n";
  if (write (2, m, sizeof m - 1) < 0)
    {
    }
  abort ();
}

void *
xmalloc0 (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (p == NULL)
    oom ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (p == NULL)
    oom ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s ? s : "");
  if (r == NULL)
    oom ();
  return r;
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s ? s : "", n);
  if (r == NULL)
    oom ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s;
  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    oom ();
  va_end (ap);
  return s;
}

int
read_all_fd (int fd, char **out, size_t *len, urun_err *err)
{
  size_t cap = 4096, n = 0;
  char *buf = xmalloc0 (cap + 1);
  for (;;)
    {
      ssize_t r = read (fd, buf + n, cap - n);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          free (buf);
          return urun_fail (err, errno, "read");
        }
      if (r == 0)
        break;
      n += r;
      if (n == cap)
        {
          if (cap >= (64u << 20))
            {
              free (buf);
              return urun_fail (err, EFBIG, "read");
            }
          cap *= 2;
          buf = xrealloc (buf, cap + 1);
        }
    }
  buf[n] = '\0';
  *out = buf;
  if (len)
    *len = n;
  return 0;
}

int
read_file_at (int dirfd, const char *path, char **out, size_t *len, urun_err *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return urun_fail (err, errno, "open `%s`", quote (path));
  if (read_all_fd (fd, out, len, err) < 0)
    return urun_err_wrap (err, "`%s`", quote (path));
  return 0;
}

int
write_all (int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t r = write (fd, p, len);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += r;
      len -= r;
    }
  return 0;
}

int
write_file_at (int dirfd, const char *path, const void *data, size_t len, urun_err *err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return urun_fail (err, errno, "open `%s`", quote (path));
  if (write_all (fd, data, len) < 0)
    return urun_fail (err, errno, "write `%s`", quote (path));
  return 0;
}

int
write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, mode_t mode, urun_err *err)
{
  cleanup_free char *tmp = xasprintf (".%s.tmp", name);
  cleanup_close int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return urun_fail (err, errno, "create `%s`", quote (tmp));
  if (write_all (fd, data, len) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return urun_fail (err, e, "write `%s`", quote (tmp));
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return urun_fail (err, e, "rename `%s` to `%s`", quote (tmp), quote (name));
    }
  return 0;
}

int
mkdir_p (const char *path, mode_t mode, urun_err *err)
{
  cleanup_free char *p = xstrdup (path);
  for (char *s = p + 1;; s++)
    {
      if (*s == '/' || *s == '\0')
        {
          char c = *s;
          *s = '\0';
          if (mkdir (p, mode) < 0 && errno != EEXIST)
            return urun_fail (err, errno, "mkdir `%s`", quote (p));
          *s = c;
          if (c == '\0')
            break;
        }
    }
  return 0;
}

long long
clock_ms (clockid_t clock)
{
  struct timespec ts;
  clock_gettime (clock, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned long long
proc_start_time (pid_t pid)
{
  char path[64], buf[1024];
  cleanup_close int fd = -1;
  ssize_t n;
  char *p;
  unsigned long long v = 0;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* comm may contain spaces and parentheses: fields start after the last ')' */
  p = strrchr (buf, ')');
  if (p == NULL)
    return 0;
  p++;
  /* after ')' come field 3 (state) ... field 22 (starttime) */
  for (int field = 3; field < 22 && p; field++)
    {
      p = strchr (p + 1, ' ');
    }
  if (p == NULL)
    return 0;
  /* a zombie has state Z: treat it as gone */
  {
    char *st = strrchr (buf, ')') + 2;
    if (*st == 'Z' || *st == 'X')
      return 0;
  }
  v = strtoull (p + 1, NULL, 10);
  return v;
}

bool
parse_ulong (const char *s, unsigned long *out)
{
  char *end;
  unsigned long v;
  if (s == NULL || *s < '0' || *s > '9')
    return false;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int
mark_fds_cloexec_from (int from, urun_err *err)
{
  /* close_range(CLOEXEC) is one syscall; fall back to walking /proc/self/fd. */
  if (syscall (SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  for (int fd = from; fd < 65536; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && !(flags & FD_CLOEXEC))
        if (fcntl (fd, F_SETFD, flags | FD_CLOEXEC) < 0)
          return urun_fail (err, errno, "set close-on-exec on fd %d", fd);
    }
  return 0;
}

int
close_fds_from (int from)
{
  struct rlimit rl;
  int top = 65536;
  if (syscall (SYS_close_range, from, ~0U, 0) == 0)
    return 0;
  /* no close_range (before Linux 5.9, or a filter refusing it) */
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t) top)
    top = (int) rl.rlim_cur;
  for (int fd = from; fd < top; fd++)
    close (fd);
  return 0;
}

char *
rfc3339_utc (long long sec, long nsec)
{
  long long days, secs, era, doe, yoe, doy, mp, y, m, d;
  /* UTC by hand: glibc's gmtime_r reads the time zone (/etc/localtime)
   * on every start.  Days to a civil date (proleptic Gregorian): H.
   * Hinnant's civil_from_days. */
  days = sec / 86400;
  secs = sec % 86400;
  if (secs < 0)
    {
      secs += 86400;
      days--;
    }
  days += 719468;
  era = (days >= 0 ? days : days - 146096) / 146097;
  doe = days - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
  return xasprintf ("%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", y, m, d, secs / 3600, secs / 60 % 60, secs % 60,
                    nsec);
}

char *
now_rfc3339 (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return rfc3339_utc ((long long) ts.tv_sec, ts.tv_nsec);
}

int
wait_for_pid (pid_t pid, int *status)
{
  for (;;)
    {
      pid_t r = waitpid (pid, status, __WALL);
      if (r >= 0)
        return r;
      if (errno != EINTR)
        return -1;
    }
}

int
exit_code_from_status (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

size_t
utf8_len (const char *str)
{
  const unsigned char *s = (const unsigned char *) str;
  unsigned char lo = 0x80, hi = 0xbf;
  size_t n;

  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf)
    n = 2;
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    {
      n = 3;
      if (s[0] == 0xe0)
        lo = 0xa0; /* overlong */
      else if (s[0] == 0xed)
        hi = 0x9f; /* surrogates */
    }
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    {
      n = 4;
      if (s[0] == 0xf0)
        lo = 0x90; /* overlong */
      else if (s[0] == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    }
  else
    return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
  /* the second byte has the narrowed range; a NUL stops the check */
  if (s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xbf)
      return 0;
  return n;
}

/* The length of the character at p when it can go into a message as it is,
 * 0 when it must be escaped. */
static size_t
plain_len (const char *p)
{
  const unsigned char *u = (const unsigned char *) p;
  size_t n;
  if (u[0] < 0x20 || u[0] == 0x7f || u[0] == '\\' || u[0] == '`')
    return 0;
  n = utf8_len (p);
  if (n == 2 && u[0] == 0xc2 && u[1] < 0xa0)
    return 0; /* C1 controls (U+0080..U+009F): CSI and friends for a terminal */
  if (n == 3 && u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9))
    return 0; /* U+2028 and U+2029 break lines too */
  return n;
}

#define QUOTE_SLOTS 8

const char *
quote (const char *s)
{
  static char *slots[QUOTE_SLOTS];
  static unsigned next;
  const char *p;
  char *out, *o;
  size_t n = 0;
  int saved;

  if (s == NULL)
    return "(null)";
  for (p = s; *p && (n = plain_len (p)) > 0; p += n)
    ;
  if (*p == '\0')
    return s;
  /* an argument of urun_fail (err, errno, ...): the order in which they are
   * evaluated is unspecified, errno must survive */
  saved = errno;
  o = out = xmalloc0 (strlen (s) * 4 + 1);
  for (p = s; *p; p += n ? n : 1)
    {
      unsigned char c = *p;
      n = plain_len (p);
      if (n > 0)
        o = mempcpy (o, p, n);
      else if (c == '\n')
        o = stpcpy (o, "\\n");
      else if (c == '\t')
        o = stpcpy (o, "\\t");
      else if (c == '\r')
        o = stpcpy (o, "\\r");
      else if (c == '\\' || c == '`')
        {
          *o++ = '\\';
          *o++ = c;
        }
      else
        o += sprintf (o, "\\x%02x", c);
    }
  *o = '\0';
  free (slots[next]);
  slots[next] = out;
  next = (next + 1) % QUOTE_SLOTS;
  errno = saved;
  return out;
}

/* Set KEY=value in an environment array, replacing KEY's entry. */
void
env_set (char ***env, const char *kv)
{
  size_t kl = strcspn (kv, "=");
  size_t n = strv_len (*env);
  for (size_t i = 0; i < n; i++)
    if (strncmp ((*env)[i], kv, kl) == 0 && (*env)[i][kl] == '=')
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (kv);
        return;
      }
  *env = xrealloc (*env, (n + 2) * sizeof (char *));
  (*env)[n] = xstrdup (kv);
  (*env)[n + 1] = NULL;
}
