/* SPDX-License-Identifier: Apache-2.0 */
/* ptrace_syscall: the attacker of tests/security/waiting_init_proxy.bats.
 *
 *   ptrace_syscall PID NR [ARG0]
 *
 * Attaches to PID (urun's waiting init, from a process exec'd into the
 * container), makes it run syscall NR with ARG0, prints "attach: ERR" when
 * it cannot attach, else "result: R" (the syscall's return value, -errno on
 * failure), restores it and detaches.  x86_64 only (exit 77 elsewhere). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>

int
main (int argc, char **argv)
{
#ifdef __x86_64__
  struct user_regs_struct saved, regs;
  pid_t pid;
  long word;
  int st;

  if (argc < 3)
    {
      fprintf (stderr, "usage: ptrace_syscall PID NR [ARG0]\n");
      return 2;
    }
  pid = atoi (argv[1]);
  if (ptrace (PTRACE_SEIZE, pid, NULL, NULL) < 0 || ptrace (PTRACE_INTERRUPT, pid, NULL, NULL) < 0)
    {
      printf ("attach: %s\n", strerror (errno));
      return 0;
    }
  if (waitpid (pid, &st, __WALL) < 0 || ptrace (PTRACE_GETREGS, pid, NULL, &saved) < 0)
    {
      printf ("attach: %s\n", strerror (errno));
      return 0;
    }
  /* stopped in a blocking syscall: the `syscall` instruction is just before rip */
  errno = 0;
  word = ptrace (PTRACE_PEEKTEXT, pid, (void *) (saved.rip - 2), NULL);
  if (errno || (word & 0xffff) != 0x050f)
    {
      printf ("attach: no syscall instruction before rip\n");
      ptrace (PTRACE_DETACH, pid, NULL, NULL);
      return 0;
    }
  regs = saved;
  regs.rip = saved.rip - 2;
  regs.rax = strtol (argv[2], NULL, 0);
  regs.orig_rax = -1;
  regs.rdi = argc > 3 ? strtoul (argv[3], NULL, 0) : 0;
  regs.rsi = regs.rdx = regs.r10 = regs.r8 = regs.r9 = 0;
  if (ptrace (PTRACE_SETREGS, pid, NULL, &regs) < 0 || ptrace (PTRACE_SINGLESTEP, pid, NULL, NULL) < 0
      || waitpid (pid, &st, __WALL) < 0 || ptrace (PTRACE_GETREGS, pid, NULL, &regs) < 0)
    {
      printf ("attach: inject: %s\n", strerror (errno));
      return 0;
    }
  printf ("result: %lld\n", (long long) regs.rax);
  ptrace (PTRACE_SETREGS, pid, NULL, &saved);
  ptrace (PTRACE_DETACH, pid, NULL, NULL);
  return 0;
#else
  (void) argc;
  (void) argv;
  fprintf (stderr, "ptrace_syscall: x86_64 only\n");
  return 77;
#endif
}
