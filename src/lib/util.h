/* SPDX-License-Identifier: Apache-2.0 */
/* urun: small helpers shared by every module: cleanup attributes, memory,
 * whole-file I/O, atomic writes. */
#ifndef URUN_UTIL_H
#define URUN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include "error.h"

void cleanup_freep (void *p);
void cleanup_closep (int *fd);
void cleanup_fclosep (void *f);
void cleanup_strvp (void *p);

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_fclose __attribute__ ((cleanup (cleanup_fclosep)))
#define cleanup_strv __attribute__ ((cleanup (cleanup_strvp)))

/* Return fd and leave the variable at -1, so cleanup_close does not close it. */
static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

static inline void *
steal_ptr (void *pp)
{
  void **p = pp;
  void *r = *p;
  *p = NULL;
  return r;
}

/* Allocation failures abort: there is nothing sensible to carry up. */
void *xmalloc0 (size_t n);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void strv_free (char **v);
size_t strv_len (char *const *v);
/* Set KEY=value in an environment array (allocated strv), replacing KEY's entry. */
void env_set (char ***env, const char *kv);

/* Read a whole file (at most max bytes) into a NUL-terminated buffer. */
int read_file_at (int dirfd, const char *path, char **out, size_t *len, urun_err *err);
int read_all_fd (int fd, char **out, size_t *len, urun_err *err);
/* Write data to path, replacing it atomically (temp file in the same directory + rename). */
int write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, mode_t mode, urun_err *err);
/* Write data to an existing file (e.g. /proc files). */
int write_file_at (int dirfd, const char *path, const void *data, size_t len, urun_err *err);
int write_all (int fd, const void *data, size_t len);

/* Create every missing directory of an absolute host path with mode. */
int mkdir_p (const char *path, mode_t mode, urun_err *err);

/* The time of `clock` (CLOCK_MONOTONIC, CLOCK_REALTIME) in milliseconds. */
long long clock_ms (clockid_t clock);

/* Process start time (field 22 of /proc/PID/stat), 0 if the process is gone. */
unsigned long long proc_start_time (pid_t pid);

/* Parse a non-negative decimal integer; returns false on garbage or overflow. */
bool parse_ulong (const char *s, unsigned long *out);

/* Close every fd >= from (close_range, else one by one up to the limit). */
int close_fds_from (int from);

/* Set or clear O_CLOEXEC on every fd >= from. */
int mark_fds_cloexec_from (int from, urun_err *err);

/* The length (1 to 4) of the well-formed UTF-8 character at s, 0 if the
 * bytes there are not one: the strict rules of RFC 3629 (no overlong form,
 * no surrogate, nothing above U+10FFFF), as Go and jq apply them.  s is
 * NUL-terminated (a NUL is a character of length 1). */
size_t utf8_len (const char *s);

/* A string from the config or the command line as it can go into a
 * message (between backticks): whatever could end the line, fake a line
 * of its own or the quoting is escaped.  Control characters become \n, \t,
 * \r or \xHH; DEL, bytes that are not UTF-8, C1 controls and U+2028/U+2029
 * \xHH per byte; a backslash and a backtick get a backslash.  Returns s
 * itself when nothing needs escaping, else a string that stays valid until
 * 8 more calls of quote(): use it in the message being built. */
const char *quote (const char *s);

/* RFC 3339 time with nanoseconds, UTC: now, and of SEC seconds since the
 * epoch and NSEC. */
char *now_rfc3339 (void);
char *rfc3339_utc (long long sec, long nsec);

/* Wait for a child, retrying on EINTR; returns the wait status or -1. */
int wait_for_pid (pid_t pid, int *status);
/* Convert a wait status to a shell-like exit code (128+N for signal N). */
int exit_code_from_status (int status);

#endif
