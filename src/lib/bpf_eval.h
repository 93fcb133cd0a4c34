/* SPDX-License-Identifier: Apache-2.0 */
/* urun: an interpreter of classic BPF as seccomp runs it.  A profile can
 * deny the syscalls urun itself still makes after loading the filter
 * (execve, sendmsg of an error, exit_group); the container process would
 * then die without a word.  With this module urun asks, before loading,
 * what the filter returns for a given seccomp_data.
 *
 * The program is first checked as seccomp(2) checks it (bpf_check_classic,
 * then seccomp_check_filter): a program the kernel would refuse is an error
 * here too, whatever path the data takes.  Then it runs as the kernel runs
 * it:
 *   - A, X and the 16 scratch words start at 0; all arithmetic is unsigned
 *     32-bit and wraps;
 *   - BPF_LD|BPF_W|BPF_ABS reads a 32-bit word of seccomp_data in native
 *     byte order (the kernel reads the structure in place), so the low half
 *     of args[i] is at offsetof (args[i]) on a little-endian machine;
 *   - BPF_LEN is sizeof (struct seccomp_data);
 *   - a shift by X uses X modulo 32 (the kernel's interpreter and JITs);
 *     a shift by a constant >= 32 is refused;
 *   - a division by X == 0 ends the program with 0, SECCOMP_RET_KILL_THREAD
 *     (the kernel's rule); a division by the constant 0 is refused;
 *   - BPF_MOD is classic BPF but not on seccomp's list: refused, as is any
 *     opcode not on it (BPF_IND, half-word and byte loads, BPF_RET|BPF_X...).
 * Pure: no syscalls, no allocation, no global state. */
#ifndef URUN_BPF_EVAL_H
#define URUN_BPF_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "error.h"

/* 0 if seccomp(2) would accept the program, else -1 with *err naming the
 * first instruction it refuses: no instruction or more than BPF_MAXINSNS,
 * an opcode seccomp does not take, a load outside seccomp_data or not
 * 32-bit aligned, a scratch word outside 0..15 or read before every path to
 * it stored it, a division by the constant 0, a shift by 32 or more, a jump
 * past the end, a last instruction that is not a return. */
int bpf_eval_check (const struct sock_filter *prog, size_t len, urun_err *err);

/* Check the program (bpf_eval_check) and run it on *data: *ret gets the
 * value it returns, a SECCOMP_RET_* action with its data. */
int bpf_eval (const struct sock_filter *prog, size_t len, const struct seccomp_data *data, uint32_t *ret,
              urun_err *err);

#endif
