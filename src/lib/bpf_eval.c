/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "bpf_eval.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* One bit a scratch word, in the memory check below. */
typedef uint16_t mem_mask;
_Static_assert(BPF_MEMWORDS <= 16, "one bit a scratch word");

static int refuse (urun_err *err, size_t pc, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

/* Fail, naming the instruction. */
static int
refuse (urun_err *err, size_t pc, const char *fmt, ...)
{
  char what[256];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  return urun_fail (err, 0, "seccomp filter: instruction %zu: %s", pc, what);
}

/* The checks of bpf_check_classic and seccomp_check_filter for the
 * instruction at pc, in isolation. */
static int
check_insn (const struct sock_filter *prog, size_t len, size_t pc, urun_err *err)
{
  const struct sock_filter *in = &prog[pc];
  uint32_t k = in->k;
  size_t after = len - pc - 1; /* instructions after this one */

  switch (in->code)
    {
    case BPF_LD | BPF_W | BPF_ABS:
      if (k >= sizeof (struct seccomp_data) || k % 4)
        return refuse (err, pc, "load at offset %" PRIu32 ": outside seccomp_data (%zu bytes) or not 32-bit aligned", k,
                       sizeof (struct seccomp_data));
      return 0;
    case BPF_LD | BPF_MEM:
    case BPF_LDX | BPF_MEM:
    case BPF_ST:
    case BPF_STX:
      if (k >= BPF_MEMWORDS)
        return refuse (err, pc, "scratch word %" PRIu32 " outside 0..%d", k, BPF_MEMWORDS - 1);
      return 0;
    case BPF_ALU | BPF_DIV | BPF_K:
      if (k == 0)
        return refuse (err, pc, "division by zero");
      return 0;
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU | BPF_RSH | BPF_K:
      if (k >= 32)
        return refuse (err, pc, "shift by %" PRIu32, k);
      return 0;
    case BPF_JMP | BPF_JA:
      if (k >= after)
        return refuse (err, pc, "jump by %" PRIu32 " past the end (%zu instructions after it)", k, after);
      return 0;
    case BPF_JMP | BPF_JEQ | BPF_K:
    case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K:
    case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K:
    case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K:
    case BPF_JMP | BPF_JSET | BPF_X:
      if (in->jt >= after || in->jf >= after)
        return refuse (err, pc, "jump past the end (jt %u, jf %u, %zu instructions after it)", in->jt, in->jf, after);
      return 0;
    case BPF_LD | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_LD | BPF_IMM:
    case BPF_LDX | BPF_IMM:
    case BPF_MISC | BPF_TAX:
    case BPF_MISC | BPF_TXA:
    case BPF_ALU | BPF_ADD | BPF_K:
    case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU | BPF_SUB | BPF_K:
    case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU | BPF_MUL | BPF_K:
    case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU | BPF_AND | BPF_K:
    case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU | BPF_OR | BPF_K:
    case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU | BPF_XOR | BPF_K:
    case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU | BPF_NEG:
    case BPF_RET | BPF_K:
    case BPF_RET | BPF_A:
      return 0;
    case BPF_ALU | BPF_MOD | BPF_K:
    case BPF_ALU | BPF_MOD | BPF_X:
      return refuse (err, pc, "BPF_MOD is not allowed in a seccomp filter");
    default:
      return refuse (err, pc, "opcode 0x%x is not allowed in a seccomp filter", in->code);
    }
}

/* The kernel's check_load_and_stores: a scratch word may be read only when
 * every path to the read stored it.  Jumps go forward only, so one pass
 * carries the words known stored; a jump target gets the intersection
 * over the paths into it.  Runs after check_insn: indices and targets are
 * in range. */
static int
check_scratch (const struct sock_filter *prog, size_t len, urun_err *err)
{
  mem_mask at[BPF_MAXINSNS]; /* stored on every jump into pc */
  mem_mask stored = 0;

  memset (at, 0xff, len * sizeof *at);
  for (size_t pc = 0; pc < len; pc++)
    {
      const struct sock_filter *in = &prog[pc];
      stored &= at[pc];
      switch (in->code)
        {
        case BPF_ST:
        case BPF_STX:
          stored |= (mem_mask) (1U << in->k);
          break;
        case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_MEM:
          if (!(stored & (1U << in->k)))
            return refuse (err, pc, "scratch word %" PRIu32 " read where a path to it did not store it", in->k);
          break;
        case BPF_JMP | BPF_JA:
          at[pc + 1 + in->k] &= stored;
          stored = (mem_mask) ~0U;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
        case BPF_JMP | BPF_JEQ | BPF_X:
        case BPF_JMP | BPF_JGT | BPF_K:
        case BPF_JMP | BPF_JGT | BPF_X:
        case BPF_JMP | BPF_JGE | BPF_K:
        case BPF_JMP | BPF_JGE | BPF_X:
        case BPF_JMP | BPF_JSET | BPF_K:
        case BPF_JMP | BPF_JSET | BPF_X:
          at[pc + 1 + in->jt] &= stored;
          at[pc + 1 + in->jf] &= stored;
          stored = (mem_mask) ~0U;
          break;
        }
    }
  return 0;
}

int
bpf_eval_check (const struct sock_filter *prog, size_t len, urun_err *err)
{
  if (prog == NULL || len == 0)
    return urun_fail (err, 0, "seccomp filter: no instruction");
  if (len > BPF_MAXINSNS)
    return urun_fail (err, 0, "seccomp filter: %zu instructions, the kernel takes at most %d", len, BPF_MAXINSNS);
  for (size_t pc = 0; pc < len; pc++)
    if (check_insn (prog, len, pc, err) < 0)
      return -1;
  if (prog[len - 1].code != (BPF_RET | BPF_K) && prog[len - 1].code != (BPF_RET | BPF_A))
    return refuse (err, len - 1, "the last instruction is not a return: the program can run past its end");
  return check_scratch (prog, len, err);
}

/* A op v, for the operations check_insn lets through; v is K or X. */
static uint32_t
alu (uint16_t op, uint32_t a, uint32_t v)
{
  switch (op)
    {
    case BPF_ADD:
      return a + v;
    case BPF_SUB:
      return a - v;
    case BPF_MUL:
      return a * v;
    case BPF_DIV:
      return a / v; /* v != 0: the caller handles X == 0 */
    case BPF_AND:
      return a & v;
    case BPF_OR:
      return a | v;
    case BPF_XOR:
      return a ^ v;
    case BPF_LSH:
      return a << (v & 31);
    case BPF_RSH:
      return a >> (v & 31);
    case BPF_NEG:
    default:
      return 0U - a;
    }
}

static bool
jump_taken (uint16_t op, uint32_t a, uint32_t v)
{
  switch (op)
    {
    case BPF_JEQ:
      return a == v;
    case BPF_JGT:
      return a > v;
    case BPF_JGE:
      return a >= v;
    case BPF_JSET:
    default:
      return (a & v) != 0;
    }
}

int
bpf_eval (const struct sock_filter *prog, size_t len, const struct seccomp_data *data, uint32_t *ret, urun_err *err)
{
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
  size_t pc = 0;

  if (bpf_eval_check (prog, len, err) < 0)
    return -1;
  /* checked: every jump goes forward and stays inside, the last
   * instruction returns; the bounds below are a second line */
  for (size_t steps = 0; steps < len && pc < len; steps++)
    {
      const struct sock_filter *in = &prog[pc++];
      uint32_t k = in->k, v = BPF_SRC (in->code) == BPF_X ? x : k;

      switch (in->code)
        {
        case BPF_LD | BPF_W | BPF_ABS:
          memcpy (&a, (const unsigned char *) data + k, sizeof a);
          break;
        case BPF_LD | BPF_W | BPF_LEN:
          a = sizeof *data;
          break;
        case BPF_LDX | BPF_W | BPF_LEN:
          x = sizeof *data;
          break;
        case BPF_LD | BPF_IMM:
          a = k;
          break;
        case BPF_LDX | BPF_IMM:
          x = k;
          break;
        case BPF_LD | BPF_MEM:
          a = mem[k];
          break;
        case BPF_LDX | BPF_MEM:
          x = mem[k];
          break;
        case BPF_ST:
          mem[k] = a;
          break;
        case BPF_STX:
          mem[k] = x;
          break;
        case BPF_MISC | BPF_TAX:
          x = a;
          break;
        case BPF_MISC | BPF_TXA:
          a = x;
          break;
        case BPF_RET | BPF_K:
          *ret = k;
          return 0;
        case BPF_RET | BPF_A:
          *ret = a;
          return 0;
        case BPF_JMP | BPF_JA:
          pc += k;
          break;
        default:
          if (BPF_CLASS (in->code) == BPF_JMP)
            pc += jump_taken (BPF_OP (in->code), a, v) ? in->jt : in->jf;
          else if (BPF_OP (in->code) == BPF_DIV && v == 0)
            {
              *ret = 0; /* the kernel's answer to A / X with X == 0 */
              return 0;
            }
          else
            a = alu (BPF_OP (in->code), a, v);
          break;
        }
    }
  return urun_fail (err, 0, "seccomp filter: the program ran past its end");
}
