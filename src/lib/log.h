/* urun: the one place that prints diagnostics.  Errors and warnings go to
 * stderr as `urun: ...`; with --log they also go to that file, as text or as
 * JSON lines (`{"level":"error","msg":"...","time":"..."}`, read by podman). */
#ifndef URUN_LOG_H
#define URUN_LOG_H

#include <stdbool.h>

enum urun_log_level { URUN_LOG_ERROR, URUN_LOG_WARNING, URUN_LOG_INFO, URUN_LOG_DEBUG };

/* Returns -1 with a message on stderr if the log file cannot be opened. */
int urun_log_init (const char *path, bool json, enum urun_log_level level);
int urun_log_parse_level (const char *s, enum urun_log_level *out);
void urun_log (enum urun_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#define urun_warn(...) urun_log (URUN_LOG_WARNING, __VA_ARGS__)
#define urun_debug(...) urun_log (URUN_LOG_DEBUG, __VA_ARGS__)
#define urun_error_msg(...) urun_log (URUN_LOG_ERROR, __VA_ARGS__)

#endif
