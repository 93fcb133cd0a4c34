/* SPDX-License-Identifier: Apache-2.0 */
/* urun: fault points, for the tests only.  Every step of the start path
 * (the numbers of sync.h) and of delete is a place where a process can die;
 * a test build (configure --enable-fault-injection) makes the process that
 * reaches step N die there by SIGKILL, so the tests can check that whatever
 * is left, `urun delete -f` cleans up.
 *
 *   URUN_FAULT=N    die before sending the message of step N (or at point N)
 *   URUN_FAULT=Nr   die right after receiving the message of step N
 *   URUN_FAULT_TRACE=FILE   append "N" / "Nr" for every point reached
 *
 * In other builds fault_point() is empty and the variables mean nothing. */
#ifndef URUN_FAULT_H
#define URUN_FAULT_H

#include <stddef.h>

enum fault_kind { FAULT_AT, FAULT_RECV };

#ifdef URUN_FAULT_INJECTION
void fault_init (void);
void fault_point (int step, enum fault_kind kind);
/* The value of the environment variable NAME (a test's probe), or NULL. */
const char *fault_probe (const char *name);
#else
static inline const char *
fault_probe (const char *name)
{
  (void) name;
  return NULL;
}
static inline void
fault_init (void)
{
}
static inline void
fault_point (int step, enum fault_kind kind)
{
  (void) step;
  (void) kind;
}
#endif

#endif
