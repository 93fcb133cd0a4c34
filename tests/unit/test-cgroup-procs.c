/* SPDX-License-Identifier: Apache-2.0 */
/* The processes of a cgroup (src/lib/cgroup/procs.c), on a tree of plain
 * directories shaped like cgroupfs: every cgroup.procs, recursively, each
 * pid once; v2's cgroup.kill. */
#include <config.h>
#include "cgroup/cgroup_priv.h"
#include "util.h"
#include "unit.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[64];

static void
put (const char *rel, const char *text)
{
  char *p = xasprintf ("%s/%s", top, rel);
  char *dir = xstrdup (p);
  int fd;
  *strrchr (dir, '/') = '\0';
  for (char *s = strchr (dir + strlen (top) + 1, '/');; s = strchr (s + 1, '/'))
    {
      if (s)
        *s = '\0';
      mkdir (dir, 0755);
      if (s == NULL)
        break;
      *s = '/';
    }
  fd = open (p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write_all (fd, text, strlen (text)) < 0)
    printf ("# cannot write %s\n", p);
  if (fd >= 0)
    close (fd);
  free (dir);
  free (p);
}

static void
fake_cg_add (struct urun_cgroup *cg, const char *ctrls, const char *rel)
{
  cg->dirs = xrealloc (cg->dirs, (cg->n + 1) * sizeof *cg->dirs);
  cg->dirs[cg->n].controllers = xstrdup (ctrls);
  cg->dirs[cg->n].path = xasprintf ("%s/%s", top, rel);
  cg->n++;
}

TEST (v1_every_hierarchy_and_below_once_each)
{
  cleanup_err urun_err err = NULL;
  struct urun_cgroup cg = { .kind = CGROUP_V1 };
  pid_t *pids = NULL;
  size_t n = 0;
  put ("memory/c/cgroup.procs", "5\n3\n");
  put ("memory/c/sub/cgroup.procs", "7\n");
  put ("memory/c/sub/deeper/cgroup.procs", "3\n");
  put ("pids/c/cgroup.procs", "5\n9\n");
  fake_cg_add (&cg, "memory", "memory/c");
  fake_cg_add (&cg, "pids", "pids/c");
  /* a hierarchy where it was never made has none of it */
  fake_cg_add (&cg, "freezer", "freezer/c");
  CHECK (cgroup_pids (&cg, &pids, &n, &err) == 0);
  CHECK (n == 4);
  if (n == 4)
    CHECK (pids[0] == 3 && pids[1] == 5 && pids[2] == 7 && pids[3] == 9);
  free (pids);
  cgroup_free (&cg);
}

TEST (none_and_empty)
{
  cleanup_err urun_err err = NULL;
  struct urun_cgroup cg = { .kind = CGROUP_NONE };
  pid_t *pids = (pid_t *) 1;
  size_t n = 1;
  CHECK (cgroup_pids (&cg, &pids, &n, &err) == 0 && n == 0 && pids == NULL);
  /* nothing to signal: the caller finds the processes another way */
  CHECK (cgroup_kill (&cg, 0, &err) == 0);
  cg.kind = CGROUP_V2;
  put ("empty/cgroup.procs", "");
  fake_cg_add (&cg, "", "empty");
  CHECK (cgroup_pids (&cg, &pids, &n, &err) == 0 && n == 0);
  free (pids);
  CHECK (cgroup_kill (&cg, 0, &err) == 0);
  cgroup_free (&cg);
}

TEST (a_directory_without_cgroup_procs_fails)
{
  cleanup_err urun_err err = NULL;
  struct urun_cgroup cg = { .kind = CGROUP_V2 };
  pid_t *pids = NULL;
  size_t n = 0;
  put ("bare/x", "");
  fake_cg_add (&cg, "", "bare");
  CHECK (cgroup_pids (&cg, &pids, &n, &err) < 0);
  CHECK (err && strstr (err->msg, "cgroup.procs"));
  free (pids);
  cgroup_free (&cg);
}

TEST (v2_kill_file_for_sigkill)
{
  cleanup_err urun_err err = NULL;
  cleanup_free char *text = NULL;
  struct urun_cgroup cg = { .kind = CGROUP_V2 };
  char *kf;
  /* above any pid_max (2^22): were cgroup.kill not used, the SIGKILL
   * would reach no process */
  put ("v2/cgroup.procs", "4194305\n");
  put ("v2/cgroup.kill", "");
  fake_cg_add (&cg, "", "v2");
  CHECK (cgroup_kill (&cg, SIGKILL, &err) == 1);
  kf = xasprintf ("%s/v2/cgroup.kill", top);
  CHECK (read_file_at (AT_FDCWD, kf, &text, NULL, &err) == 0);
  CHECK_STR (text, "1");
  free (kf);
  cgroup_free (&cg);
}

TEST (signal_each_pid)
{
  cleanup_err urun_err err = NULL;
  struct urun_cgroup cg = { .kind = CGROUP_V2 };
  char *self = xasprintf ("%d\n", (int) getpid ());
  /* signal 0 to ourselves: checks the pid, sends nothing */
  put ("sig/cgroup.procs", self);
  fake_cg_add (&cg, "", "sig");
  CHECK (cgroup_kill (&cg, 0, &err) == 1);
  free (self);
  cgroup_free (&cg);
}

TEST (no_record_is_none)
{
  cleanup_err urun_err err = NULL;
  char *d = xasprintf ("%s/state", top);
  int dfd;
  pid_t *pids = NULL;
  size_t n = 7;
  mkdir (d, 0700);
  dfd = open (d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK (dfd >= 0);
  CHECK (cgroup_pids_at (dfd, &pids, &n, &err) == 0 && n == 0 && pids == NULL);
  CHECK (cgroup_kill_at (dfd, 0, &err) == 0);
  close (dfd);
  free (d);
}

int
main (void)
{
  char cmd[128];
  snprintf (top, sizeof top, "/tmp/urun-unit-cgprocs.XXXXXX");
  if (mkdtemp (top) == NULL)
    return 1;
  RUN (v1_every_hierarchy_and_below_once_each);
  RUN (none_and_empty);
  RUN (a_directory_without_cgroup_procs_fails);
  RUN (v2_kill_file_for_sigkill);
  RUN (signal_each_pid);
  RUN (no_record_is_none);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", top);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", top);
  UNIT_DONE ();
}
