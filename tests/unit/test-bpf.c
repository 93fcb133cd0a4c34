/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the classic-BPF interpreter (bpf_eval) and of
 * seccomp_filter_action: hand-written programs for every instruction seccomp
 * takes and every program it refuses; filters compiled from linux.seccomp
 * values built here.  Where this process may load filters (seccomp in the
 * kernel, none loaded yet), the same programs are loaded in a child and
 * what the kernel does is compared with what the interpreter said. */
#include <config.h>
#include "bpf_eval.h"
#include "seccomp.h"
#include "spec.h"
#include "util.h"
#include "unit.h"
#include <errno.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define N(a) (sizeof (a) / sizeof *(a))
#define ERRNO(e) (SECCOMP_RET_ERRNO | (uint32_t) (e))
#define STMT(code, k) BPF_STMT ((uint16_t) (code), (k))
#define JUMP(code, k, jt, jf) BPF_JUMP ((uint16_t) (code), (k), (jt), (jf))
#define BAD 0xdeadbeefU /* what run () gives for a refused program */
/* a syscall number no kernel has: the kernel probes pass everything else */
#define PROBE_NR 999

#define CHECK_U32(a, b)                                                                                                \
  do                                                                                                                   \
    {                                                                                                                  \
      uint32_t a_ = (a), b_ = (b);                                                                                     \
      if (a_ != b_)                                                                                                    \
        {                                                                                                              \
          printf ("# %s:%d: %s is 0x%" PRIx32 ", not 0x%" PRIx32 "\n", __FILE__, __LINE__, #a, a_, b_);                \
          unit_cur_failed = 1;                                                                                         \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

#define SAMPLE_ARGS                                                                                                    \
  {                                                                                                                    \
    0x1122334455667788ULL, 0x99aabbccddeeff00ULL, 2, 3, 0xffffffffffffffffULL, 0x8000000000000001ULL                   \
  }
static const uint64_t sample_args[6] = SAMPLE_ARGS;
static struct seccomp_data sample = {
  .nr = 59,
  .arch = 0xc000003e,
  .instruction_pointer = 0x0123456789abcdefULL,
  .args = SAMPLE_ARGS,
};

static uint32_t
run (const struct sock_filter *p, size_t n, const struct seccomp_data *d)
{
  cleanup_err urun_err err = NULL;
  uint32_t r = BAD;
  if (bpf_eval (p, n, d, &r, &err) < 0)
    {
      printf ("# bpf_eval: %s\n", err->msg);
      return BAD;
    }
  return r;
}
#define RUN_PROG(p) run ((p), N (p), &sample)

/* bpf_eval and bpf_eval_check refuse it, and the message has needle. */
static bool
refused (const struct sock_filter *p, size_t n, const char *needle)
{
  cleanup_err urun_err err = NULL, err2 = NULL;
  uint32_t r = BAD;
  if (bpf_eval (p, n, &sample, &r, &err) == 0)
    {
      printf ("# accepted, returned 0x%" PRIx32 "\n", r);
      return false;
    }
  if (r != BAD || err == NULL || strstr (err->msg, needle) == NULL)
    {
      printf ("# `%s` lacks `%s`\n", err ? err->msg : "(no error)", needle);
      return false;
    }
  if (getenv ("UNIT_VERBOSE"))
    printf ("# %s\n", err->msg);
  return bpf_eval_check (p, n, &err2) < 0 && err2 != NULL;
}

/* ---- the kernel's opinion ------------------------------------------- */

static bool kernel_ok; /* may load filters in a child */

struct probe
{
  long nr;
  uint64_t args[6];
  int natural; /* errno when the filter lets it through; 0: succeeds */
};

#define MAX_PROBES 16
struct shared
{
  int load_errno;
  int done; /* probes that returned */
  long ret[MAX_PROBES];
  int err[MAX_PROBES];
  long exit_ret; /* exit_group returned */
  int exit_errno;
  int stuck;
};
static struct shared *shm; /* shared with the children */

static uint32_t
native_arch (void)
{
  uint32_t a = seccomp_arch_native ();
  return a == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : a;
}

static void __attribute__ ((noreturn))
child (const struct sock_fprog *raw, urun_seccomp_filter f, const struct probe *pr, size_t n)
{
  struct rlimit no_core = { 0, 0 };
  int notify_fd = -1;
  long r;

  setrlimit (RLIMIT_CORE, &no_core);
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    {
      shm->load_errno = errno;
      _exit (0);
    }
  if (raw)
    {
      r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, raw);
      shm->load_errno = r < 0 ? errno : 0;
    }
  else
    {
      urun_err err = NULL; /* not freed: free may make syscalls */
      r = seccomp_load_filter (f, &notify_fd, &err);
      shm->load_errno = r < 0 ? err->errnum : 0;
    }
  if (r < 0)
    _exit (0);
  /* the listener gone, SECCOMP_RET_USER_NOTIF fails with ENOSYS */
  if (notify_fd >= 0)
    close (notify_fd);
  for (size_t i = 0; i < n; i++)
    {
      const uint64_t *a = pr[i].args;
      errno = 0;
      r = syscall (pr[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      shm->ret[i] = r;
      shm->err[i] = r < 0 ? errno : 0;
      __atomic_store_n (&shm->done, (int) i + 1, __ATOMIC_RELEASE);
    }
  r = syscall (SYS_exit_group, 0);
  /* the filter kept exit_group from ending the process: wait for SIGKILL */
  shm->exit_ret = r;
  shm->exit_errno = errno;
  __atomic_store_n (&shm->stuck, 1, __ATOMIC_RELEASE);
  for (;;)
    __asm__ volatile("" ::: "memory");
}

/* Load raw or f in a child that makes the probes then exit_group; *status
 * is its wait status.  -1 if it hung. */
static int
kernel_run (const struct sock_fprog *raw, urun_seccomp_filter f, const struct probe *pr, size_t n, int *status)
{
  pid_t pid;

  memset (shm, 0, sizeof *shm);
  shm->load_errno = -1;
  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    child (raw, f, pr, n);
  for (int i = 0; i < 20000; i++)
    {
      if (waitpid (pid, status, WNOHANG) == pid)
        return 0;
      if (__atomic_load_n (&shm->stuck, __ATOMIC_ACQUIRE))
        break;
      usleep (500);
    }
  kill (pid, SIGKILL);
  waitpid (pid, status, 0);
  if (!shm->stuck)
    printf ("# the child hung\n");
  return shm->stuck ? 0 : -1;
}

static bool
kills (uint32_t action)
{
  switch (action & SECCOMP_RET_ACTION_FULL)
    {
    case SECCOMP_RET_ERRNO:
    case SECCOMP_RET_ALLOW:
    case SECCOMP_RET_LOG:
    case SECCOMP_RET_TRACE:
    case SECCOMP_RET_USER_NOTIF:
      return false;
    default: /* KILL_THREAD, KILL_PROCESS, TRAP, unknown */
      return true;
    }
}

/* A syscall that returned ret/e agrees with action. */
static bool
returned_as (uint32_t action, long ret, int e, int natural)
{
  uint32_t data = action & SECCOMP_RET_DATA;
  switch (action & SECCOMP_RET_ACTION_FULL)
    {
    case SECCOMP_RET_ERRNO:
      data = data > 4095 ? 4095 : data;
      return data ? ret == -1 && e == (int) data : ret == 0;
    case SECCOMP_RET_ALLOW:
    case SECCOMP_RET_LOG:
      return natural ? ret == -1 && e == natural : ret >= 0;
    default: /* TRACE without a tracer, USER_NOTIF without a listener */
      return ret == -1 && e == ENOSYS;
    }
}

/* What the kernel did with each probe, and with the final exit_group,
 * is what act[] (the interpreter, act[n] for exit_group) said. */
static bool
kernel_agrees (const struct sock_fprog *raw, urun_seccomp_filter f, const struct probe *pr, size_t n,
               const uint32_t *act, const char *what)
{
  int status = 0;
  if (kernel_run (raw, f, pr, n, &status) < 0)
    return false;
  if (shm->load_errno != 0)
    {
      printf ("# %s: the kernel refused the filter: %s\n", what, strerror (shm->load_errno));
      return false;
    }
  for (size_t i = 0; i <= n; i++)
    {
      bool last = i == n;
      bool ok;
      if (kills (act[i]))
        ok = WIFSIGNALED (status) && WTERMSIG (status) == SIGSYS && shm->done == (int) i;
      else if (last && seccomp_action_lets_through (act[i]))
        ok = WIFEXITED (status) && WEXITSTATUS (status) == 0 && !shm->stuck;
      else if (last)
        ok = shm->stuck && returned_as (act[i], shm->exit_ret, shm->exit_errno, 0);
      else
        ok = shm->done > (int) i && returned_as (act[i], shm->ret[i], shm->err[i], pr[i].natural);
      if (!ok)
        {
          printf ("# %s: %s %ld: the interpreter said 0x%" PRIx32 ", the kernel: ", what,
                  last ? "exit_group" : "syscall", last ? (long) SYS_exit_group : pr[i].nr, act[i]);
          if (shm->done > (int) i && !last)
            printf ("returned %ld, errno %d\n", shm->ret[i], shm->err[i]);
          else
            printf ("wait status 0x%x, %d probes done, stuck %d errno %d\n", status, shm->done, shm->stuck,
                    shm->exit_errno);
          return false;
        }
      if (kills (act[i]))
        break;
    }
  return true;
}

/* The kernel refuses the program with EINVAL. */
static bool
kernel_refuses (const struct sock_filter *p, size_t n)
{
  struct sock_fprog prog = { .len = (unsigned short) n, .filter = (struct sock_filter *) p };
  int status;
  if (kernel_run (&prog, NULL, NULL, 0, &status) < 0)
    return false;
  if (shm->load_errno != EINVAL)
    printf ("# the kernel said %d to a program the interpreter refuses\n", shm->load_errno);
  return shm->load_errno == EINVAL;
}

/* body, run by the kernel for PROBE_NR with args, agrees with the
 * interpreter.  A prefix passes every other syscall (the child's exit). */
static bool
kernel_body (const struct sock_filter *body, size_t n, const uint64_t args[6], const char *what)
{
  struct sock_filter prog[BPF_MAXINSNS] = {
    STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    JUMP (BPF_JMP | BPF_JEQ | BPF_K, PROBE_NR, 1, 0),
    STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = { .len = (unsigned short) (n + 3), .filter = prog };
  struct seccomp_data d = { .nr = PROBE_NR, .arch = native_arch () };
  struct probe pr = { .nr = PROBE_NR, .natural = ENOSYS };
  uint32_t act[2] = { 0, SECCOMP_RET_ALLOW };

  if (!kernel_ok)
    return true;
  memcpy (prog + 3, body, n * sizeof *body);
  memcpy (d.args, args, sizeof d.args);
  memcpy (pr.args, args, sizeof pr.args);
  act[0] = run (prog, n + 3, &d);
  return act[0] != BAD && kernel_agrees (&fprog, NULL, &pr, 1, act, what);
}

/* body computes A and ends with RET A: the kernel sees A in three 12-bit
 * slices, returned as errnos (4095 at most). */
static bool
kernel_value (const struct sock_filter *body, size_t n, const uint64_t args[6], const char *what)
{
  struct sock_filter p[64];
  bool ok = true;
  if (n + 3 > N (p) || body[n - 1].code != (BPF_RET | BPF_A))
    return false;
  for (uint32_t shift = 0; shift < 32 && ok; shift += 12)
    {
      memcpy (p, body, (n - 1) * sizeof *body);
      p[n - 1] = (struct sock_filter) STMT (BPF_ALU | BPF_RSH | BPF_K, shift);
      p[n] = (struct sock_filter) STMT (BPF_ALU | BPF_AND | BPF_K, 0xfff);
      p[n + 1] = (struct sock_filter) STMT (BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO);
      p[n + 2] = (struct sock_filter) STMT (BPF_RET | BPF_A, 0);
      ok = kernel_body (p, n + 3, args, what);
    }
  return ok;
}

static const uint64_t no_args[6];

/* ---- instructions ----------------------------------------------------- */

TEST (load_abs_every_word)
{
  for (uint32_t off = 0; off < sizeof (struct seccomp_data); off += 4)
    {
      struct sock_filter p[] = { STMT (BPF_LD | BPF_W | BPF_ABS, off), STMT (BPF_RET | BPF_A, 0) };
      uint32_t want;
      memcpy (&want, (const char *) &sample + off, sizeof want);
      CHECK_U32 (RUN_PROG (p), want);
      /* the kernel's instruction pointer is not ours to know */
      if (off != offsetof (struct seccomp_data, instruction_pointer)
          && off != offsetof (struct seccomp_data, instruction_pointer) + 4)
        CHECK (kernel_value (p, N (p), sample_args, "ld abs"));
    }
  {
    struct sock_filter nr[]
        = { STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)), STMT (BPF_RET | BPF_A, 0) };
    struct sock_filter arch[]
        = { STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)), STMT (BPF_RET | BPF_A, 0) };
    CHECK_U32 (RUN_PROG (nr), 59);
    CHECK_U32 (RUN_PROG (arch), 0xc000003e);
  }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  {
    /* native order: the low half of args[0] comes first */
    struct sock_filter lo[]
        = { STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[0])), STMT (BPF_RET | BPF_A, 0) };
    struct sock_filter hi[]
        = { STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[0]) + 4), STMT (BPF_RET | BPF_A, 0) };
    CHECK_U32 (RUN_PROG (lo), 0x55667788);
    CHECK_U32 (RUN_PROG (hi), 0x11223344);
  }
#endif
}

TEST (load_len_imm_and_moves)
{
  struct sock_filter len_a[] = { STMT (BPF_LD | BPF_W | BPF_LEN, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter len_x[]
      = { STMT (BPF_LDX | BPF_W | BPF_LEN, 0), STMT (BPF_MISC | BPF_TXA, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter imm_x[] = { STMT (BPF_LDX | BPF_IMM, 7), STMT (BPF_MISC | BPF_TXA, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter tax[] = { STMT (BPF_LD | BPF_IMM, 9), STMT (BPF_MISC | BPF_TAX, 0), STMT (BPF_LD | BPF_IMM, 0),
                               STMT (BPF_MISC | BPF_TXA, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter init_a[] = { STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter init_x[] = { STMT (BPF_MISC | BPF_TXA, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter ret_k[] = { STMT (BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS) };

  CHECK_U32 (RUN_PROG (len_a), sizeof (struct seccomp_data));
  CHECK_U32 (RUN_PROG (len_x), 64);
  CHECK_U32 (RUN_PROG (imm_x), 7);
  CHECK_U32 (RUN_PROG (tax), 9);
  CHECK_U32 (RUN_PROG (init_a), 0);
  CHECK_U32 (RUN_PROG (init_x), 0);
  CHECK_U32 (RUN_PROG (ret_k), SECCOMP_RET_KILL_PROCESS);
  CHECK (kernel_value (len_a, N (len_a), no_args, "ld len"));
  CHECK (kernel_value (len_x, N (len_x), no_args, "ldx len"));
  CHECK (kernel_value (imm_x, N (imm_x), no_args, "ldx imm"));
  CHECK (kernel_value (tax, N (tax), no_args, "tax"));
  CHECK (kernel_value (init_x, N (init_x), no_args, "x starts at 0"));
}

TEST (scratch_memory)
{
  struct sock_filter p[] = {
    STMT (BPF_LD | BPF_IMM, 5),  STMT (BPF_ST, 0),
    STMT (BPF_LDX | BPF_IMM, 6), STMT (BPF_STX, 15),
    STMT (BPF_LD | BPF_MEM, 15), STMT (BPF_MISC | BPF_TAX, 0),
    STMT (BPF_LD | BPF_MEM, 0),  STMT (BPF_ALU | BPF_ADD | BPF_X, 0),
    STMT (BPF_RET | BPF_A, 0),
  };
  struct sock_filter ldx[] = {
    STMT (BPF_LD | BPF_IMM, 3),   STMT (BPF_ST, 7),          STMT (BPF_LD | BPF_IMM, 0), STMT (BPF_LDX | BPF_MEM, 7),
    STMT (BPF_MISC | BPF_TXA, 0), STMT (BPF_RET | BPF_A, 0),
  };
  /* both paths store word 4 before the read: accepted */
  struct sock_filter paths[] = {
    STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    JUMP (BPF_JMP | BPF_JEQ | BPF_K, 59, 0, 2),
    STMT (BPF_LD | BPF_IMM, 10),
    JUMP (BPF_JMP | BPF_JA, 1, 0, 0),
    STMT (BPF_LD | BPF_IMM, 20),
    STMT (BPF_ST, 4),
    STMT (BPF_LD | BPF_MEM, 4),
    STMT (BPF_RET | BPF_A, 0),
  };
  struct seccomp_data other = sample;
  other.nr = 60;

  CHECK_U32 (RUN_PROG (p), 11);
  CHECK_U32 (RUN_PROG (ldx), 3);
  CHECK_U32 (RUN_PROG (paths), 10);
  CHECK_U32 (run (paths, N (paths), &other), 20);
  CHECK (kernel_value (p, N (p), no_args, "scratch memory"));
  CHECK (kernel_value (ldx, N (ldx), no_args, "ldx mem"));
  CHECK (kernel_value (paths, N (paths), no_args, "scratch memory on two paths"));
}

static const struct
{
  uint16_t op;
  uint32_t a, v, want;
  bool x_only; /* a constant this large is refused */
} alu_cases[] = {
  { BPF_ADD, 7, 5, 12 },
  { BPF_ADD, 0xffffffff, 2, 1 },
  { BPF_SUB, 7, 5, 2 },
  { BPF_SUB, 1, 2, 0xffffffff },
  { BPF_MUL, 6, 7, 42 },
  { BPF_MUL, 0x10001, 0x10001, 0x20001 },
  { BPF_DIV, 7, 2, 3 },
  { BPF_DIV, 0xffffffff, 0x10, 0x0fffffff },
  { BPF_DIV, 3, 7, 0 },
  { BPF_AND, 0xff00ff00, 0x0ff00ff0, 0x0f000f00 },
  { BPF_OR, 0xff00ff00, 0x0ff00ff0, 0xfff0fff0 },
  { BPF_XOR, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0 },
  { BPF_LSH, 1, 31, 0x80000000 },
  { BPF_LSH, 0x12345678, 4, 0x23456780 },
  { BPF_RSH, 0x80000000, 31, 1 },
  { BPF_RSH, 0x87654321, 4, 0x08765432 }, /* logical */
  { BPF_LSH, 1, 33, 2, true },            /* X modulo 32 */
  { BPF_LSH, 5, 32, 5, true },
  { BPF_RSH, 0x80000000, 63, 1, true },
};

TEST (alu_k_and_x)
{
  for (size_t i = 0; i < N (alu_cases); i++)
    {
      struct sock_filter k[] = { STMT (BPF_LD | BPF_IMM, alu_cases[i].a),
                                 STMT (BPF_ALU | alu_cases[i].op | BPF_K, alu_cases[i].v), STMT (BPF_RET | BPF_A, 0) };
      struct sock_filter x[] = { STMT (BPF_LD | BPF_IMM, alu_cases[i].a), STMT (BPF_LDX | BPF_IMM, alu_cases[i].v),
                                 STMT (BPF_ALU | alu_cases[i].op | BPF_X, 0), STMT (BPF_RET | BPF_A, 0) };
      char what[64];
      snprintf (what, sizeof what, "alu case %zu", i);
      if (!alu_cases[i].x_only)
        {
          CHECK_U32 (RUN_PROG (k), alu_cases[i].want);
          CHECK (kernel_value (k, N (k), no_args, what));
        }
      CHECK_U32 (RUN_PROG (x), alu_cases[i].want);
      CHECK (kernel_value (x, N (x), no_args, what));
    }
}

TEST (alu_neg_and_division_by_x_zero)
{
  struct sock_filter neg[] = { STMT (BPF_LD | BPF_IMM, 5), STMT (BPF_ALU | BPF_NEG, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter neg0[] = { STMT (BPF_ALU | BPF_NEG, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter negmin[]
      = { STMT (BPF_LD | BPF_IMM, 0x80000000), STMT (BPF_ALU | BPF_NEG, 0), STMT (BPF_RET | BPF_A, 0) };
  /* the kernel's rule: A / X with X == 0 ends the program, returning 0 */
  struct sock_filter div0[] = { STMT (BPF_LD | BPF_IMM, 7), STMT (BPF_LDX | BPF_IMM, 0),
                                STMT (BPF_ALU | BPF_DIV | BPF_X, 0), STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
  /* on arguments: args[2] + args[3] */
  struct sock_filter sum[]
      = { STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[3])), STMT (BPF_MISC | BPF_TAX, 0),
          STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[2])), STMT (BPF_ALU | BPF_ADD | BPF_X, 0),
          STMT (BPF_RET | BPF_A, 0) };

  CHECK_U32 (RUN_PROG (neg), 0xfffffffb);
  CHECK_U32 (RUN_PROG (neg0), 0);
  CHECK_U32 (RUN_PROG (negmin), 0x80000000);
  CHECK_U32 (RUN_PROG (div0), SECCOMP_RET_KILL_THREAD);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  CHECK_U32 (RUN_PROG (sum), 5);
#endif
  CHECK (kernel_value (neg, N (neg), no_args, "neg"));
  CHECK (kernel_value (negmin, N (negmin), no_args, "neg"));
  CHECK (kernel_body (div0, N (div0), no_args, "division by X == 0"));
  CHECK (kernel_value (sum, N (sum), sample_args, "sum of arguments"));
}

static const struct
{
  uint16_t op;
  uint32_t a, v;
  bool taken;
} jump_cases[] = {
  { BPF_JEQ, 5, 5, true },
  { BPF_JEQ, 5, 6, false },
  { BPF_JGT, 6, 5, true },
  { BPF_JGT, 5, 5, false },
  { BPF_JGT, 0xffffffff, 1, true }, /* unsigned */
  { BPF_JGT, 1, 0xffffffff, false },
  { BPF_JGE, 5, 5, true },
  { BPF_JGE, 4, 5, false },
  { BPF_JGE, 0x80000000, 0x7fffffff, true },
  { BPF_JSET, 6, 2, true },
  { BPF_JSET, 6, 1, false },
  { BPF_JSET, 0, 0xffffffff, false },
};

TEST (jumps_k_and_x)
{
  for (size_t i = 0; i < N (jump_cases); i++)
    {
      uint32_t want = jump_cases[i].taken ? ERRNO (1) : ERRNO (2);
      struct sock_filter k[] = { STMT (BPF_LD | BPF_IMM, jump_cases[i].a),
                                 JUMP (BPF_JMP | jump_cases[i].op | BPF_K, jump_cases[i].v, 1, 0),
                                 STMT (BPF_RET | BPF_K, ERRNO (2)), STMT (BPF_RET | BPF_K, ERRNO (1)) };
      /* other offsets: taken skips two */
      struct sock_filter x[] = { STMT (BPF_LD | BPF_IMM, jump_cases[i].a),
                                 STMT (BPF_LDX | BPF_IMM, jump_cases[i].v),
                                 JUMP (BPF_JMP | jump_cases[i].op | BPF_X, 0, 2, 0),
                                 STMT (BPF_RET | BPF_K, ERRNO (2)),
                                 STMT (BPF_RET | BPF_K, ERRNO (3)),
                                 STMT (BPF_RET | BPF_K, ERRNO (1)) };
      char what[64];
      snprintf (what, sizeof what, "jump case %zu", i);
      CHECK_U32 (RUN_PROG (k), want);
      CHECK_U32 (RUN_PROG (x), want);
      CHECK (kernel_body (k, N (k), no_args, what));
      CHECK (kernel_body (x, N (x), no_args, what));
    }
}

TEST (jump_always)
{
  struct sock_filter ja[]
      = { JUMP (BPF_JMP | BPF_JA, 1, 0, 0), STMT (BPF_RET | BPF_K, ERRNO (1)), STMT (BPF_RET | BPF_K, ERRNO (2)) };
  struct sock_filter ja0[] = { JUMP (BPF_JMP | BPF_JA, 0, 7, 7), STMT (BPF_RET | BPF_K, ERRNO (3)) };
  /* jt and jf both away from the next instruction */
  struct sock_filter both[]
      = { STMT (BPF_LD | BPF_IMM, 1), JUMP (BPF_JMP | BPF_JEQ | BPF_K, 2, 1, 2), STMT (BPF_RET | BPF_K, ERRNO (1)),
          STMT (BPF_RET | BPF_K, ERRNO (2)), STMT (BPF_RET | BPF_K, ERRNO (3)) };
  /* a return value of no known action: the kernel kills the process */
  struct sock_filter unknown[] = { STMT (BPF_RET | BPF_K, 0x12340000) };

  CHECK_U32 (RUN_PROG (ja), ERRNO (2));
  CHECK_U32 (RUN_PROG (ja0), ERRNO (3));
  CHECK_U32 (RUN_PROG (both), ERRNO (3));
  CHECK_U32 (RUN_PROG (unknown), 0x12340000);
  CHECK (kernel_body (ja, N (ja), no_args, "ja"));
  CHECK (kernel_body (ja0, N (ja0), no_args, "ja 0"));
  CHECK (kernel_body (both, N (both), no_args, "jt and jf"));
  CHECK (kernel_body (unknown, N (unknown), no_args, "unknown action"));
}

/* ---- programs seccomp refuses ------------------------------------------ */

#define REFUSED(p, needle)                                                                                             \
  do                                                                                                                   \
    {                                                                                                                  \
      CHECK (refused ((p), N (p), (needle)));                                                                          \
      CHECK (!kernel_ok || kernel_refuses ((p), N (p)));                                                               \
    }                                                                                                                  \
  while (0)

TEST (refuses_bad_length)
{
  static struct sock_filter many[BPF_MAXINSNS + 1];
  struct sock_filter one[] = { STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
  for (size_t i = 0; i < N (many); i++)
    many[i] = one[0];
  CHECK (refused (one, 0, "no instruction"));
  CHECK (refused (NULL, 1, "no instruction"));
  CHECK (refused (many, N (many), "at most 4096"));
  CHECK (run (many, BPF_MAXINSNS, &sample) == SECCOMP_RET_ALLOW);
  CHECK (!kernel_ok || kernel_refuses (one, 0));
  CHECK (!kernel_ok || kernel_refuses (many, N (many)));
}

TEST (refuses_unknown_opcodes)
{
  static const uint16_t codes[] = {
    BPF_LD | BPF_H | BPF_ABS,
    BPF_LD | BPF_B | BPF_ABS,
    BPF_LD | BPF_W | BPF_IND,
    BPF_LDX | BPF_B | BPF_MSH,
    BPF_LD | BPF_B | BPF_IMM,
    BPF_RET | BPF_X,
    BPF_ALU | BPF_NEG | BPF_X,
    BPF_MISC | 0x10,
    BPF_JMP | 0x60,
    BPF_ALU | 0xb0 | BPF_K,
    0x07 | 0x100,
    0xffff,
  };
  for (size_t i = 0; i < N (codes); i++)
    {
      struct sock_filter p[] = { STMT (codes[i], 0), STMT (BPF_RET | BPF_A, 0) };
      REFUSED (p, "not allowed in a seccomp filter");
    }
  {
    struct sock_filter k[]
        = { STMT (BPF_LD | BPF_IMM, 7), STMT (BPF_ALU | BPF_MOD | BPF_K, 2), STMT (BPF_RET | BPF_A, 0) };
    struct sock_filter x[] = { STMT (BPF_LD | BPF_IMM, 7), STMT (BPF_LDX | BPF_IMM, 2),
                               STMT (BPF_ALU | BPF_MOD | BPF_X, 0), STMT (BPF_RET | BPF_A, 0) };
    REFUSED (k, "BPF_MOD");
    REFUSED (x, "BPF_MOD");
  }
}

TEST (refuses_bad_operands)
{
  struct sock_filter div0[]
      = { STMT (BPF_LD | BPF_IMM, 7), STMT (BPF_ALU | BPF_DIV | BPF_K, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter lsh[] = { STMT (BPF_ALU | BPF_LSH | BPF_K, 32), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter rsh[] = { STMT (BPF_ALU | BPF_RSH | BPF_K, 0xffffffff), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter outside[]
      = { STMT (BPF_LD | BPF_W | BPF_ABS, sizeof (struct seccomp_data)), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter unaligned[] = { STMT (BPF_LD | BPF_W | BPF_ABS, 2), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter ancillary[] = { STMT (BPF_LD | BPF_W | BPF_ABS, 0xfffff000), STMT (BPF_RET | BPF_A, 0) };
  static const uint16_t mem_codes[] = { BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX };

  REFUSED (div0, "division by zero");
  REFUSED (lsh, "shift by 32");
  REFUSED (rsh, "shift by 4294967295");
  REFUSED (outside, "outside seccomp_data");
  REFUSED (unaligned, "not 32-bit aligned");
  REFUSED (ancillary, "outside seccomp_data");
  for (size_t i = 0; i < N (mem_codes); i++)
    {
      struct sock_filter p[] = { STMT (BPF_ST, 0), STMT (mem_codes[i], BPF_MEMWORDS), STMT (BPF_RET | BPF_A, 0) };
      REFUSED (p, "scratch word 16 outside 0..15");
    }
}

TEST (refuses_scratch_read_before_store)
{
  struct sock_filter never[] = { STMT (BPF_LD | BPF_MEM, 0), STMT (BPF_RET | BPF_A, 0) };
  struct sock_filter other_word[] = { STMT (BPF_ST, 1), STMT (BPF_LDX | BPF_MEM, 0), STMT (BPF_RET | BPF_A, 0) };
  /* the path with jf skips the store: refused even for data that takes jt */
  struct sock_filter one_path[] = {
    STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    JUMP (BPF_JMP | BPF_JEQ | BPF_K, 59, 0, 1),
    STMT (BPF_ST, 3),
    STMT (BPF_LD | BPF_MEM, 3),
    STMT (BPF_RET | BPF_A, 0),
  };
  REFUSED (never, "scratch word 0 read");
  REFUSED (other_word, "scratch word 0 read");
  REFUSED (one_path, "instruction 3: scratch word 3 read");
}

TEST (refuses_jumps_and_falling_off)
{
  struct sock_filter ja[] = { JUMP (BPF_JMP | BPF_JA, 1, 0, 0), STMT (BPF_RET | BPF_K, 0) };
  struct sock_filter ja_huge[] = { JUMP (BPF_JMP | BPF_JA, 0xffffffff, 0, 0), STMT (BPF_RET | BPF_K, 0) };
  struct sock_filter jt[] = { JUMP (BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), STMT (BPF_RET | BPF_K, 0) };
  struct sock_filter jf[] = { JUMP (BPF_JMP | BPF_JSET | BPF_X, 0, 0, 255), STMT (BPF_RET | BPF_K, 0) };
  struct sock_filter last_jump[] = { STMT (BPF_RET | BPF_K, 0), JUMP (BPF_JMP | BPF_JGE | BPF_K, 0, 0, 0) };
  struct sock_filter no_ret[] = { STMT (BPF_LD | BPF_IMM, 1) };
  /* returns on every path the data can take, but the end has no return */
  struct sock_filter dead_end[] = { STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW), STMT (BPF_LD | BPF_IMM, 1) };

  REFUSED (ja, "past the end");
  REFUSED (ja_huge, "past the end");
  REFUSED (jt, "past the end");
  REFUSED (jf, "past the end");
  REFUSED (last_jump, "past the end");
  REFUSED (no_ret, "not a return");
  REFUSED (dead_end, "instruction 1: the last instruction is not a return");
}

/* ---- filters compiled from linux.seccomp ------------------------------ */

static urun_seccomp_filter
compile (const struct spec_seccomp *s)
{
  urun_seccomp_filter f = NULL;
  cleanup_err urun_err err = NULL;
  if (seccomp_compile (s, &f, &err) < 0)
    {
      printf ("# seccomp_compile: %s\n", err->msg);
      return NULL;
    }
  return f;
}

static uint32_t
action (urun_seccomp_filter f, long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
  const uint64_t args[6] = { a0, a1, a2 };
  cleanup_err urun_err err = NULL;
  uint32_t act = BAD;
  if (f == NULL)
    return BAD;
  if (seccomp_filter_action (f, nr, args, &act, &err) < 0)
    {
      printf ("# seccomp_filter_action: %s\n", err->msg);
      return BAD;
    }
  return act;
}

/* The probes, each run by the interpreter and by the kernel. */
static bool
kernel_filter (urun_seccomp_filter f, const struct probe *pr, size_t n, const char *what)
{
  uint32_t act[MAX_PROBES + 1];
  cleanup_err urun_err err = NULL;
  if (!kernel_ok)
    return true;
  if (f == NULL || n > MAX_PROBES)
    return false;
  for (size_t i = 0; i < n; i++)
    if (seccomp_filter_action (f, pr[i].nr, pr[i].args, &act[i], &err) < 0)
      return false;
  if (seccomp_filter_action (f, SYS_exit_group, NULL, &act[n], &err) < 0)
    return false;
  return kernel_agrees (NULL, f, pr, n, act, what);
}

/* harmless whether the filter lets them through or not */
#define P_GETPPID(a0, a1, a2)                                                                                          \
  {                                                                                                                    \
    SYS_getppid, { a0, a1, a2 }, 0                                                                                     \
  }
#define P_SENDMSG                                                                                                      \
  {                                                                                                                    \
    SYS_sendmsg, { (uint64_t) -1, 0, 0 }, EBADF                                                                        \
  }
#define P_EXECVE                                                                                                       \
  {                                                                                                                    \
    SYS_execve, { (uint64_t) (uintptr_t) "", 0, 0 }, ENOENT                                                            \
  }

TEST (errno_default_without_rules)
{
  /* {"defaultAction": "SCMP_ACT_ERRNO"}: urun's own last syscalls are denied */
  struct spec_seccomp s = { .default_action = "SCMP_ACT_ERRNO" };
  struct spec_seccomp enosys
      = { .default_action = "SCMP_ACT_ERRNO", .has_default_errno_ret = true, .default_errno_ret = ENOSYS };
  static const long nrs[] = { SYS_execve, SYS_exit_group, SYS_exit, SYS_sendmsg, SYS_getppid };
  const struct probe pr[] = { P_GETPPID (0, 0, 0), P_SENDMSG, P_EXECVE };
  urun_seccomp_filter f = compile (&s), g = compile (&enosys);

  for (size_t i = 0; i < N (nrs); i++)
    {
      CHECK_U32 (action (f, nrs[i], 0, 0, 0), ERRNO (EPERM));
      CHECK_U32 (action (g, nrs[i], 1, 2, 3), ERRNO (ENOSYS));
      CHECK (!seccomp_action_lets_through (action (f, nrs[i], 0, 0, 0)));
    }
  {
    uint32_t act = BAD;
    cleanup_err urun_err err = NULL;
    CHECK (seccomp_filter_action (f, SYS_exit_group, NULL, &act, &err) == 0 && act == ERRNO (EPERM));
    CHECK (seccomp_filter_action (f, 1L << 40, NULL, &act, &err) < 0 && err && strstr (err->msg, "out of range"));
  }
  /* the kernel: exit_group fails with EPERM and the process lives on */
  CHECK (kernel_filter (f, pr, N (pr), "ERRNO default"));
  CHECK (kernel_filter (g, pr, N (pr), "ERRNO(ENOSYS) default"));
  seccomp_filter_free (f);
  seccomp_filter_free (g);
}

TEST (allow_default_one_errno_rule)
{
  struct spec_seccomp_rule rules[] = { { .names = (char *[]){ "unshare", NULL }, .action = "SCMP_ACT_ERRNO" } };
  struct spec_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .rules = rules, .n_rules = N (rules) };
  const struct probe pr[] = { { SYS_unshare, { 0 }, 0 }, P_GETPPID (0, 0, 0), P_SENDMSG };
  urun_seccomp_filter f = compile (&s);

  CHECK_U32 (action (f, SYS_unshare, CLONE_NEWUSER, 0, 0), ERRNO (EPERM));
  CHECK_U32 (action (f, SYS_execve, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK_U32 (action (f, SYS_exit_group, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK_U32 (action (f, SYS_sendmsg, 3, 0, 0), SECCOMP_RET_ALLOW);
  CHECK (seccomp_action_lets_through (action (f, SYS_execve, 0, 0, 0)));
  CHECK (kernel_filter (f, pr, N (pr), "ALLOW default, one ERRNO rule"));
  seccomp_filter_free (f);
}

#define ARG(i, op_, v, v2)                                                                                             \
  {                                                                                                                    \
    .index = (i), .value = (v), .value_two = (v2), .op = "SCMP_CMP_" #op_                                              \
  }
#define RULE(name, act, args_)                                                                                         \
  {                                                                                                                    \
    .names = (char *[]){ name, NULL }, .action = "SCMP_ACT_" #act, .args = args_, .n_args = N (args_)                  \
  }

TEST (allow_list_with_argument_conditions)
{
  /* getppid, getpid, gettid and getuid ignore their arguments: harmless
   * probes of conditions on them */
  struct spec_seccomp_arg masked[] = { ARG (0, MASKED_EQ, 0xff00, 0x1200) };
  struct spec_seccomp_arg eq64_and[] = { ARG (0, EQ, 0x100000005ULL, 0), ARG (1, EQ, 7, 0) };
  struct spec_seccomp_arg gt[] = { ARG (2, GT, 100, 0) };
  struct spec_seccomp_arg either[] = { ARG (0, EQ, 1, 0), ARG (0, EQ, 2, 0) }; /* same index: alternatives */
  struct spec_seccomp_arg query[] = { ARG (0, EQ, 0xffffffff, 0) };
  struct spec_seccomp_arg no_ns[] = { ARG (0, MASKED_EQ, 0x7E020000, 0) };
  struct spec_seccomp_rule rules[] = {
    { .names = (char *[]){ "exit_group", NULL }, .action = "SCMP_ACT_ALLOW" },
    RULE ("getppid", ALLOW, masked),
    RULE ("getpid", ALLOW, eq64_and),
    RULE ("gettid", ALLOW, gt),
    RULE ("write", ALLOW, gt),
    RULE ("getuid", ALLOW, either),
    RULE ("personality", ALLOW, query),
    RULE ("clone", ALLOW, no_ns),
  };
  struct spec_seccomp s = { .default_action = "SCMP_ACT_ERRNO",
                            .has_default_errno_ret = true,
                            .default_errno_ret = EHWPOISON,
                            .rules = rules,
                            .n_rules = N (rules) };
  const uint32_t deny = ERRNO (EHWPOISON), allow = SECCOMP_RET_ALLOW;
  const struct probe pr[] = {
    P_GETPPID (0x1234, 0, 0),
    P_GETPPID (0x1300, 0, 0),
    P_GETPPID (0xffffffff000012ffULL, 0, 0),
    { SYS_getpid, { 0x100000005ULL, 7 }, 0 },
    { SYS_getpid, { 5, 7 }, 0 },
    { SYS_getpid, { 0x100000005ULL, 8 }, 0 },
    { SYS_gettid, { 0, 0, 101 }, 0 },
    { SYS_gettid, { 0, 0, 100 }, 0 },
    { SYS_gettid, { 0, 0, 1ULL << 32 }, 0 },
    { SYS_getuid, { 2 }, 0 },
    { SYS_getuid, { 3 }, 0 },
    { SYS_write, { (uint64_t) -1, 0, 101 }, EBADF },
    { SYS_write, { (uint64_t) -1, 0, 5 }, EBADF },
    { SYS_personality, { 0xffffffff }, 0 },
    { SYS_personality, { 8 }, 0 },
    P_EXECVE,
  };
  urun_seccomp_filter f = compile (&s);

  CHECK_U32 (action (f, SYS_getppid, 0x1234, 0, 0), allow);
  CHECK_U32 (action (f, SYS_getppid, 0xffffffff000012ffULL, 0, 0), allow);
  CHECK_U32 (action (f, SYS_getppid, 0x1300, 0, 0), deny);
  CHECK_U32 (action (f, SYS_getpid, 0x100000005ULL, 7, 0), allow);
  CHECK_U32 (action (f, SYS_getpid, 5, 7, 0), deny); /* the high half counts */
  CHECK_U32 (action (f, SYS_getpid, 0x100000005ULL, 8, 0), deny);
  CHECK_U32 (action (f, SYS_gettid, 0, 0, 101), allow);
  CHECK_U32 (action (f, SYS_gettid, 0, 0, 100), deny);
  CHECK_U32 (action (f, SYS_gettid, 0, 0, 1ULL << 32), allow);
  CHECK_U32 (action (f, SYS_gettid, 0, 0, UINT64_MAX), allow); /* unsigned */
  CHECK_U32 (action (f, SYS_write, 1, 0, 101), allow);
  CHECK_U32 (action (f, SYS_write, 1, 0, 5), deny);
  CHECK_U32 (action (f, SYS_getuid, 1, 0, 0), allow);
  CHECK_U32 (action (f, SYS_getuid, 2, 0, 0), allow);
  CHECK_U32 (action (f, SYS_getuid, 3, 0, 0), deny);
  CHECK_U32 (action (f, SYS_personality, 0xffffffff, 0, 0), allow);
  CHECK_U32 (action (f, SYS_personality, 8, 0, 0), deny);
  CHECK_U32 (action (f, SYS_clone, SIGCHLD, 0, 0), allow);
  CHECK_U32 (action (f, SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0), deny);
  CHECK_U32 (action (f, SYS_exit_group, 0, 0, 0), allow);
  CHECK_U32 (action (f, SYS_execve, 0, 0, 0), deny);
  CHECK_U32 (action (f, SYS_sendmsg, 0, 0, 0), deny);
  CHECK (kernel_filter (f, pr, N (pr), "allow-list with conditions"));
  seccomp_filter_free (f);
}

TEST (kill_trap_and_kill_process)
{
  struct spec_seccomp_rule rules[] = {
    { .names = (char *[]){ "getppid", NULL }, .action = "SCMP_ACT_KILL_PROCESS" },
    { .names = (char *[]){ "getpid", NULL }, .action = "SCMP_ACT_KILL" },
    { .names = (char *[]){ "gettid", NULL }, .action = "SCMP_ACT_TRAP" },
  };
  struct spec_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .rules = rules, .n_rules = N (rules) };
  struct spec_seccomp kill_all = { .default_action = "SCMP_ACT_KILL_PROCESS" };
  const struct probe first[] = { P_SENDMSG, P_GETPPID (0, 0, 0) };
  const struct probe second[] = { { SYS_getpid, { 0 }, 0 } };
  const struct probe third[] = { { SYS_gettid, { 0 }, 0 } };
  urun_seccomp_filter f = compile (&s), g = compile (&kill_all);

  CHECK_U32 (action (f, SYS_getppid, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
  CHECK_U32 (action (f, SYS_getpid, 0, 0, 0), SECCOMP_RET_KILL_THREAD);
  CHECK_U32 (action (f, SYS_gettid, 0, 0, 0), SECCOMP_RET_TRAP);
  CHECK_U32 (action (f, SYS_sendmsg, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK_U32 (action (g, SYS_exit_group, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
  CHECK_U32 (action (g, SYS_execve, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
  CHECK (kernel_filter (f, first, N (first), "KILL_PROCESS rule"));
  CHECK (kernel_filter (f, second, N (second), "KILL rule"));
  CHECK (kernel_filter (f, third, N (third), "TRAP rule"));
  CHECK (kernel_filter (g, first, N (first), "KILL_PROCESS default"));
  seccomp_filter_free (f);
  seccomp_filter_free (g);
}

TEST (notify_trace_and_log)
{
  struct spec_seccomp_rule rules[] = {
    { .names = (char *[]){ "getppid", NULL }, .action = "SCMP_ACT_NOTIFY" },
    { .names = (char *[]){ "getuid", NULL }, .action = "SCMP_ACT_TRACE", .has_errno_ret = true, .errno_ret = 42 },
    { .names = (char *[]){ "gettid", NULL }, .action = "SCMP_ACT_LOG" },
  };
  struct spec_seccomp s = { .default_action = "SCMP_ACT_ALLOW",
                            .listener_path = "/nonexistent/urun-listener",
                            .rules = rules,
                            .n_rules = N (rules) };
  const struct probe pr[] = { P_SENDMSG, P_GETPPID (0, 0, 0), { SYS_getuid, { 0 }, 0 }, { SYS_gettid, { 0 }, 0 } };
  urun_seccomp_filter f = compile (&s);

  CHECK_U32 (action (f, SYS_getppid, 0, 0, 0), SECCOMP_RET_USER_NOTIF);
  CHECK_U32 (action (f, SYS_getuid, 0, 0, 0), SECCOMP_RET_TRACE | 42);
  CHECK_U32 (action (f, SYS_gettid, 0, 0, 0), SECCOMP_RET_LOG);
  CHECK_U32 (action (f, SYS_sendmsg, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK (!seccomp_action_lets_through (action (f, SYS_getppid, 0, 0, 0)));
  CHECK (!seccomp_action_lets_through (action (f, SYS_getuid, 0, 0, 0)));
  CHECK (seccomp_action_lets_through (action (f, SYS_gettid, 0, 0, 0)));
  /* the child closes the listener: NOTIFY and TRACE (no tracer) give ENOSYS */
  CHECK (kernel_filter (f, pr, N (pr), "NOTIFY, TRACE and LOG rules"));
  seccomp_filter_free (f);
}

TEST (unknown_syscall_name_skipped)
{
  struct spec_seccomp_rule rules[] = {
    { .names = (char *[]){ "urun_no_such_syscall", "getppid", NULL },
      .action = "SCMP_ACT_ERRNO",
      .has_errno_ret = true,
      .errno_ret = 77 },
    { .names = (char *[]){ "urun_no_such_syscall_either", NULL }, .action = "SCMP_ACT_KILL_PROCESS" },
  };
  struct spec_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .rules = rules, .n_rules = N (rules) };
  const struct probe pr[] = { P_GETPPID (0, 0, 0), P_SENDMSG };
  urun_seccomp_filter f = compile (&s);

  CHECK (f != NULL);
  CHECK_U32 (action (f, SYS_getppid, 0, 0, 0), ERRNO (77));
  CHECK_U32 (action (f, SYS_getpid, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK_U32 (action (f, SYS_exit_group, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK (kernel_filter (f, pr, N (pr), "unknown name"));
  seccomp_filter_free (f);
}

TEST (default_profile)
{
  struct spec_default_opts o = { .seccomp_default = true };
  size_t len = 0;
  char *text = spec_default_generate (&o, &len);
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  const struct probe pr[] = { P_GETPPID (0, 0, 0), P_SENDMSG, { PROBE_NR, { 0 }, ENOSYS }, { SYS_unshare, { 0 }, 0 } };
  urun_seccomp_filter f;

  CHECK (spec_parse (text, len, &s, &err) == 0);
  free (text);
  if (s == NULL || s->seccomp == NULL)
    {
      printf ("# %s\n", err ? err->msg : "no linux.seccomp");
      spec_free (s);
      return;
    }
  f = compile (s->seccomp);
  CHECK_U32 (action (f, SYS_execve, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK_U32 (action (f, SYS_exit_group, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK_U32 (action (f, SYS_sendmsg, 0, 0, 0), SECCOMP_RET_ALLOW);
  CHECK_U32 (action (f, SYS_clone, SIGCHLD, 0, 0), SECCOMP_RET_ALLOW);
  /* not the clone rule's condition: the default, ENOSYS */
  CHECK_U32 (action (f, SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0), ERRNO (ENOSYS));
#ifdef SYS_clone3
  CHECK_U32 (action (f, SYS_clone3, 0, 0, 0), ERRNO (ENOSYS));
#endif
  CHECK_U32 (action (f, SYS_unshare, 0, 0, 0), ERRNO (EPERM));
  CHECK_U32 (action (f, PROBE_NR, 0, 0, 0), ERRNO (ENOSYS));
  CHECK (kernel_filter (f, pr, N (pr), "urun spec --seccomp-default"));
  seccomp_filter_free (f);
  spec_free (s);
}

TEST (lets_through)
{
  CHECK (seccomp_action_lets_through (SECCOMP_RET_ALLOW));
  CHECK (seccomp_action_lets_through (SECCOMP_RET_ALLOW | 5));
  CHECK (seccomp_action_lets_through (SECCOMP_RET_LOG));
  CHECK (!seccomp_action_lets_through (SECCOMP_RET_ERRNO));
  CHECK (!seccomp_action_lets_through (ERRNO (EPERM)));
  CHECK (!seccomp_action_lets_through (SECCOMP_RET_KILL_PROCESS));
  CHECK (!seccomp_action_lets_through (SECCOMP_RET_KILL_THREAD));
  CHECK (!seccomp_action_lets_through (SECCOMP_RET_TRAP));
  CHECK (!seccomp_action_lets_through (SECCOMP_RET_TRACE));
  CHECK (!seccomp_action_lets_through (SECCOMP_RET_USER_NOTIF));
  CHECK (!seccomp_action_lets_through (0x12340000));
  CHECK (!seccomp_action_lets_through (SECCOMP_RET_ALLOW | 0x80000000U));
}

/* Filters may be loaded in children: seccomp is there and this process
 * has none yet (one would change what the children see).
 * URUN_TEST_NO_SECCOMP_LOAD=1 skips the comparisons. */
static bool
can_load_filters (void)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/status", "re");
  char line[256];
  if (getenv ("URUN_TEST_NO_SECCOMP_LOAD"))
    return false;
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "Seccomp:", 8) == 0)
      return strtol (line + 8, NULL, 10) == 0;
  return false;
}

int
main (void)
{
  shm = mmap (NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  kernel_ok = shm != MAP_FAILED && can_load_filters ();
  if (!kernel_ok)
    printf ("# no comparison with the kernel: this process may not load seccomp filters\n");
  RUN (load_abs_every_word);
  RUN (load_len_imm_and_moves);
  RUN (scratch_memory);
  RUN (alu_k_and_x);
  RUN (alu_neg_and_division_by_x_zero);
  RUN (jumps_k_and_x);
  RUN (jump_always);
  RUN (refuses_bad_length);
  RUN (refuses_unknown_opcodes);
  RUN (refuses_bad_operands);
  RUN (refuses_scratch_read_before_store);
  RUN (refuses_jumps_and_falling_off);
  RUN (errno_default_without_rules);
  RUN (allow_default_one_errno_rule);
  RUN (allow_list_with_argument_conditions);
  RUN (kill_trap_and_kill_process);
  RUN (notify_trace_and_log);
  RUN (unknown_syscall_name_skipped);
  RUN (default_profile);
  RUN (lets_through);
  UNIT_DONE ();
}
