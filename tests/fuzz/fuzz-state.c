/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the state file reader.  Each input is written as
 * state.json (and as init.pid) into a directory made once, read back with
 * state_read (and state_read_init_pid), and what was read goes through the
 * writers: state_to_json (what `urun state` prints), whose output must be
 * JSON again, and state_write, whose file must read back the same. */
#include <config.h>
#include "fuzz.h"
#include "json.h"
#include "state.h"
#include "util.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* See fuzz-spec.c: deeper documents are a known crash (no depth limit in
 * json_parse yet), kept out of the way of the rest. */
#ifndef FUZZ_MAX_DEPTH
#define FUZZ_MAX_DEPTH 1000
#endif

static char dir_path[4096];
static int dir_fd = -1;

static void
remove_dir (void)
{
  if (dir_fd >= 0)
    {
      unlinkat (dir_fd, STATE_FILE, 0);
      unlinkat (dir_fd, "." STATE_FILE ".tmp", 0);
      unlinkat (dir_fd, INIT_PID_FILE, 0);
      unlinkat (dir_fd, CREATOR_PID_FILE, 0);
      close (dir_fd);
      dir_fd = -1;
    }
  if (dir_path[0])
    rmdir (dir_path);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *tmp = getenv ("TMPDIR");
  snprintf (dir_path, sizeof dir_path, "%s/urun-fuzz-state.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp (dir_path) == NULL)
    {
      fprintf (stderr, "fuzz-state: mkdtemp %s: %s\n", dir_path, strerror (errno));
      exit (1);
    }
  dir_fd = open (dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      fprintf (stderr, "fuzz-state: open %s: %s\n", dir_path, strerror (errno));
      exit (1);
    }
  atexit (remove_dir);
  return 0;
}

static void
put_file (const char *name, const uint8_t *data, size_t size)
{
  int fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write_all (fd, data, size) < 0)
    {
      fprintf (stderr, "fuzz-state: write %s/%s: %s\n", dir_path, name, strerror (errno));
      abort ();
    }
  close (fd);
}

static void
check_state_json (const struct container_state *st, enum container_status status, bool pretty)
{
  urun_err err = NULL;
  size_t len = 0;
  char *text = state_to_json (st, status, pretty, &len);
  json_node *doc;

  FUZZ_ASSERT (text != NULL && len > 0 && text[len - 1] == '\n' && strlen (text) == len);
  doc = json_parse (text, len, &err);
  if (doc == NULL)
    fprintf (stderr, "fuzz-state: state_to_json wrote what json_parse refuses (%s):\n%s", err->msg, text);
  FUZZ_ASSERT (doc != NULL);
  urun_err_free (&err);
  FUZZ_ASSERT (json_kind (doc) == JSON_OBJECT);
  FUZZ_ASSERT (strcmp (json_string (json_get (doc, "id")), st->id) == 0);
  FUZZ_ASSERT (strcmp (json_string (json_get (doc, "bundle")), st->bundle) == 0);
  FUZZ_ASSERT (strcmp (json_string (json_get (doc, "status")), state_status_name (status)) == 0);
  FUZZ_ASSERT (json_kind (json_get (doc, "annotations")) == JSON_OBJECT);
  json_free (doc);
  free (text);
}

/* The annotations create hands state_write: the config's, which
 * spec_parse accepts only as an object of strings. */
static const json_node *
config_like_annotations (const struct container_state *st)
{
  const json_node *a = json_get (st->doc, "annotations");
  if (json_kind (a) != JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < json_len (a); i++)
    if (json_kind (json_at (a, i)) != JSON_STRING)
      return NULL;
  return a;
}

/* state_write of what was read, then state_read: the same state. */
static void
check_round_trip (const struct container_state *st)
{
  struct container_state *again = NULL;
  urun_err err = NULL;
  int r;

  r = state_write (dir_fd, st, config_like_annotations (st), &err);
  fuzz_check_err (r, &err);
  FUZZ_ASSERT (r == 0);
  r = state_read (dir_fd, &again, &err);
  if (r < 0)
    fprintf (stderr, "fuzz-state: state_write wrote what state_read refuses: %s\n", err->msg);
  fuzz_check_err (r, &err);
  FUZZ_ASSERT (r == 0);
  FUZZ_ASSERT (strcmp (again->id, st->id) == 0);
  FUZZ_ASSERT (strcmp (again->bundle, st->bundle) == 0);
  FUZZ_ASSERT (strcmp (again->rootfs, st->rootfs) == 0);
  FUZZ_ASSERT (strcmp (again->created, st->created) == 0);
  FUZZ_ASSERT (again->pid == st->pid);
  FUZZ_ASSERT (again->pid_start_time == st->pid_start_time);
  FUZZ_ASSERT (again->owner == st->owner);
  FUZZ_ASSERT (again->rootless == st->rootless);
  FUZZ_ASSERT (again->mnt_ns == st->mnt_ns);
  state_free (again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct container_state *st = NULL;
  urun_err err = NULL;
  pid_t pid;
  unsigned long long start_time;
  int r;

  if (fuzz_json_depth (data, size) > FUZZ_MAX_DEPTH)
    return -1; /* not added to the corpus */
  fuzz_fd_baseline ();

  put_file (INIT_PID_FILE, data, size);
  FUZZ_ASSERT (state_read_pid_file (dir_fd, INIT_PID_FILE, &pid, &start_time) == 0);
  FUZZ_ASSERT (pid >= 0 && (pid > 0 || start_time == 0));
  put_file (CREATOR_PID_FILE, data, size);
  FUZZ_ASSERT (state_read_pid_file (dir_fd, CREATOR_PID_FILE, &pid, &start_time) == 0);
  FUZZ_ASSERT (pid >= 0 && (pid > 0 || start_time == 0));

  put_file (STATE_FILE, data, size);
  r = state_read (dir_fd, &st, &err);
  fuzz_check_err (r, &err);
  if (r == 0)
    {
      FUZZ_ASSERT (st && st->doc && st->id && st->bundle && st->rootfs && st->created);
      fuzz_check_err (state_validate_id (st->id, &err), &err);
      /* reads /proc/PID/stat for the pid in the file: any process's */
      FUZZ_ASSERT (state_status (dir_fd, st) <= STATUS_STOPPED);
      for (int s = STATUS_CREATING; s <= STATUS_STOPPED; s++)
        for (int pretty = 0; pretty <= 1; pretty++)
          check_state_json (st, s, pretty);
      check_round_trip (st);
      state_free (st);
    }
  else
    FUZZ_ASSERT (st == NULL);
  fuzz_check_fds ();
  return 0;
}
