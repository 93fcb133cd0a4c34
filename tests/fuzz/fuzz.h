/* SPDX-License-Identifier: Apache-2.0 */
/* urun: what the libFuzzer targets of tests/fuzz share. */
#ifndef URUN_FUZZ_H
#define URUN_FUZZ_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "error.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A property of the code under test does not hold: report and abort, which
 * libFuzzer takes as a crash (and saves the input). */
#define FUZZ_ASSERT(cond)                                                                  \
  do                                                                                       \
    {                                                                                      \
      if (!(cond))                                                                         \
        {                                                                                  \
          fprintf (stderr, "%s:%d: fuzz assertion failed: %s\n", __FILE__, __LINE__, #cond); \
          abort ();                                                                        \
        }                                                                                  \
    }                                                                                      \
  while (0)

/* How deep arrays and objects nest, outside strings (the text need not be
 * valid JSON: this only has to bound what the parser would build). */
static inline size_t
fuzz_json_depth (const uint8_t *data, size_t size)
{
  size_t depth = 0, max = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < size; i++)
    {
      uint8_t c = data[i];
      if (in_string)
        {
          if (escaped)
            escaped = false;
          else if (c == '\\')
            escaped = true;
          else if (c == '"')
            in_string = false;
        }
      else if (c == '"')
        in_string = true;
      else if (c == '[' || c == '{')
        {
          if (++depth > max)
            max = depth;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return max;
}

/* A function that fails says why, one that succeeds leaves no error. */
static inline void
fuzz_check_err (int r, urun_err *err)
{
  if (r < 0)
    FUZZ_ASSERT (*err != NULL && (*err)->msg != NULL && (*err)->msg[0] != '\0');
  else
    FUZZ_ASSERT (*err == NULL);
  urun_err_free (err);
}

/* File descriptors: every input must leave the lowest free one where it
 * found it (a leaked descriptor takes it).  libFuzzer's leak check is
 * about memory only.  Taken anew for each input: between inputs the
 * sanitizers' runtime may open descriptors of its own (LSan starts
 * llvm-symbolizer, on pipes, the first time it checks for a leak). */
static int fuzz_lowest_free_fd = -1; /* at the start of the input */

static inline int
fuzz_lowest_fd (void)
{
  int fd = open ("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      perror ("fuzz: open /");
      abort ();
    }
  close (fd);
  return fd;
}

static inline void
fuzz_fd_baseline (void)
{
  fuzz_lowest_free_fd = fuzz_lowest_fd ();
}

static inline void
fuzz_check_fds (void)
{
  int fd = fuzz_lowest_fd ();
  if (fd != fuzz_lowest_free_fd)
    {
      char link[64], target[4096] = "?";
      ssize_t n;
      snprintf (link, sizeof link, "/proc/self/fd/%d", fuzz_lowest_free_fd);
      n = readlink (link, target, sizeof target - 1);
      if (n > 0)
        target[n] = '\0';
      fprintf (stderr, "fuzz: file descriptor leak: the lowest free descriptor was %d before the input, %d after; %d is %s\n",
               fuzz_lowest_free_fd, fd, fuzz_lowest_free_fd, target);
      abort ();
    }
}

#endif
