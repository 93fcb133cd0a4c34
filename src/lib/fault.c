/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "fault.h"
#ifdef URUN_FAULT_INJECTION
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char fault_at[16];
static int trace_fd = -1;

void
fault_init (void)
{
  const char *f = getenv ("URUN_FAULT"), *t = getenv ("URUN_FAULT_TRACE");
  if (f && strlen (f) < sizeof fault_at)
    strcpy (fault_at, f);
  if (t && *t)
    {
      int fd = open (t, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      /* far above the fds a container may be given (--preserve-fds) */
      if (fd >= 0)
        {
          trace_fd = fcntl (fd, F_DUPFD_CLOEXEC, 900);
          close (fd);
        }
    }
}

void
fault_point (int step, enum fault_kind kind)
{
  char name[16];
  int n;
  if (step <= 0)
    return;
  n = snprintf (name, sizeof name, "%d%s", step, kind == FAULT_RECV ? "r" : "");
  if (trace_fd >= 0)
    {
      char line[24];
      int l = snprintf (line, sizeof line, "%s\n", name);
      if (write (trace_fd, line, l) < 0)
        {
        }
    }
  if (n > 0 && strcmp (name, fault_at) == 0)
    {
      struct rlimit none = { 0, 0 };
      kill (getpid (), SIGKILL);
      /* still here: the init of a pid namespace ignores its own signals;
       * a fault is forced on it (and leaves no core) */
      setrlimit (RLIMIT_CORE, &none);
      __builtin_trap ();
    }
}

const char *
fault_probe (const char *name)
{
  return getenv (name);
}
#endif
