/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the one place that prints diagnostics.  Errors and warnings go to
 * stderr as `urun: ...`, or, with --log, only to that file (as text or as
 * JSON lines `{"level":"error","msg":"...","time":"..."}`, read by podman
 * and containerd): engines give urun the container's own stderr, so nothing
 * of urun's may appear there.  A process urun forked on its way into a
 * container sends its messages to urun over the set-up channel instead
 * (urun_log_set_sink), so they are printed once, by urun. */
#ifndef URUN_LOG_H
#define URUN_LOG_H

#include <stdbool.h>

enum urun_log_level { URUN_LOG_ERROR, URUN_LOG_WARNING, URUN_LOG_INFO, URUN_LOG_DEBUG };

/* Returns -1 with a message on stderr if the log file cannot be opened. */
int urun_log_init (const char *path, bool json, enum urun_log_level level);
int urun_log_parse_level (const char *s, enum urun_log_level *out);
void urun_log (enum urun_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Print a message that was already filtered by level (from a child). */
void urun_log_emit (enum urun_log_level level, const char *msg);

/* In a forked child: hand every message to sink instead of printing it
 * (NULL: print again). */
typedef void (*urun_log_sink) (void *data, enum urun_log_level level, const char *msg);
void urun_log_set_sink (urun_log_sink sink, void *data);

#define urun_warn(...) urun_log (URUN_LOG_WARNING, __VA_ARGS__)
#define urun_debug(...) urun_log (URUN_LOG_DEBUG, __VA_ARGS__)
#define urun_error_msg(...) urun_log (URUN_LOG_ERROR, __VA_ARGS__)

#endif
