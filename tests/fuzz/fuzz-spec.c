/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the config parser.  Each input is parsed as a whole
 * config.json (spec_parse) and as the process object of `exec --process`
 * (spec_parse_process); a config that parses has its linux.seccomp
 * compiled (seccomp_compile) and checked the way create checks it, since
 * the compiler consumes config data too.  Everything is freed: libFuzzer's
 * leak check (on by default under ASan) fails the run on any leak. */
#include <config.h>
#include "fuzz.h"
#include "seccomp.h"
#include "spec.h"
#include <seccomp.h>
#include <string.h>
#include <sys/syscall.h>

/* Deeper nesting is refused here, not fed to the parser: json_parse has
 * no depth limit yet, and a valid document nested about 500 000 deep (1 MB
 * of brackets) overflows the 8 MB stack in yajl's recursive yajl_tree_free
 * (json_free), as urun's recursive json_w_node would.  A depth limit in
 * json_parse (src/lib/json.c) is being added separately; until then this
 * keeps the fuzzer on the parser's logic instead of on that one known
 * crash (-max_len alone keeps it out of reach only as long as -max_len is
 * small).  Real configs nest fewer than 10 levels. */
#ifndef FUZZ_MAX_DEPTH
#define FUZZ_MAX_DEPTH 1000
#endif

/* libseccomp's allocations are out of LeakSanitizer's sight (lsan.supp):
 * the contexts seccomp_compile makes are counted here instead, through
 * -Wl,--wrap=seccomp_init,--wrap=seccomp_release (Makefile.am), and every
 * one must be released. */
scmp_filter_ctx __real_seccomp_init (uint32_t def_action);
void __real_seccomp_release (scmp_filter_ctx ctx);
scmp_filter_ctx __wrap_seccomp_init (uint32_t def_action);
void __wrap_seccomp_release (scmp_filter_ctx ctx);
static long seccomp_contexts;

scmp_filter_ctx
__wrap_seccomp_init (uint32_t def_action)
{
  scmp_filter_ctx ctx = __real_seccomp_init (def_action);
  if (ctx)
    seccomp_contexts++;
  return ctx;
}

void
__wrap_seccomp_release (scmp_filter_ctx ctx)
{
  if (ctx)
    seccomp_contexts--;
  __real_seccomp_release (ctx);
}

static void
fuzz_seccomp (const struct spec *s)
{
  urun_seccomp_filter f = NULL;
  urun_err err = NULL;
  int r;

  r = seccomp_compile (s->seccomp, &f, &err);
  fuzz_check_err (r, &err);
  FUZZ_ASSERT (seccomp_contexts == 0);
  if (r < 0)
    return;
  (void) seccomp_spec_notifies (s->seccomp);
  (void) seccomp_filter_notifies (f);
  /* what create asks of a filter, loaded last or not */
  for (int last = 0; last <= 1; last++)
    for (int waits = 0; waits <= 1; waits++)
      fuzz_check_err (seccomp_check_runnable (f, last, waits, &err), &err);
  {
    static const long nrs[] = { SYS_read, SYS_write, SYS_openat, SYS_mkdirat, SYS_execve, -1, 0x7fffffff };
    const uint64_t args[6] = { 0, 1, 2, 3, 4, UINT64_MAX };
    for (size_t i = 0; i < sizeof nrs / sizeof *nrs; i++)
      {
        uint32_t action;
        fuzz_check_err (seccomp_filter_action (f, nrs[i], args, &action, &err), &err);
        fuzz_check_err (seccomp_filter_action (f, nrs[i], NULL, &action, &err), &err);
        (void) seccomp_action_lets_through (action);
      }
  }
  seccomp_filter_free (f);
}

static void
fuzz_config (const char *text, size_t len)
{
  struct spec *s = NULL;
  urun_err err = NULL;
  int r = spec_parse (text, len, &s, &err);

  fuzz_check_err (r, &err);
  if (r < 0)
    {
      FUZZ_ASSERT (s == NULL);
      return;
    }
  FUZZ_ASSERT (s != NULL && s->doc != NULL && s->oci_version != NULL && s->root_path != NULL);
  /* what the rest of urun reads of a parsed config */
  free (spec_resource_limits_requested (s));
  for (size_t i = 0; i < s->n_namespaces; i++)
    FUZZ_ASSERT (spec_find_namespace (s, s->namespaces[i].type) == &s->namespaces[i]);
  if (s->process)
    {
      FUZZ_ASSERT (s->process->args && s->process->args[0] && s->process->env);
      (void) spec_env_get (s->process->env, "PATH");
      (void) spec_env_get (s->process->env, "");
    }
  if (s->seccomp)
    fuzz_seccomp (s);
  spec_free (s);
}

static void
fuzz_process (const char *text, size_t len)
{
  struct spec_process *p = NULL;
  urun_err err = NULL;
  int r = spec_parse_process (text, len, &p, &err);

  fuzz_check_err (r, &err);
  if (r < 0)
    {
      FUZZ_ASSERT (p == NULL);
      return;
    }
  FUZZ_ASSERT (p != NULL && p->args && p->args[0] && p->env);
  spec_process_free (p);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (fuzz_json_depth (data, size) > FUZZ_MAX_DEPTH)
    return -1; /* not added to the corpus */
  fuzz_fd_baseline ();
  fuzz_config ((const char *) data, size);
  fuzz_process ((const char *) data, size);
  fuzz_check_fds ();
  return 0;
}
