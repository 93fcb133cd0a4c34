/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources as cgroup v1 files, and the v1 device rules. */
#include <config.h>
#include "cgroup/cgroup_priv.h"
#include "util.h"
#include "unit.h"
#include <stdlib.h>
#include <string.h>

static struct spec *
spec_with (const char *resources_and_devices)
{
  cleanup_err urun_err err = NULL;
  struct spec *s = NULL;
  char *t = xasprintf ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"sh\"], "
                       "\"cwd\": \"/\"}, \"linux\": {%s}}",
                       resources_and_devices);
  if (spec_parse (t, strlen (t), &s, &err) < 0)
    printf ("# parse: %s\n", err->msg);
  free (t);
  return s;
}

/* "ctrl file=value" of write i */
static char *
w_at (const struct cg_writes *w, size_t i)
{
  return i < w->n ? xasprintf ("%s %s=%s", w->v[i].ctrl, w->v[i].file, w->v[i].value) : xstrdup ("(none)");
}

TEST (v1_limits_in_order)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"memory\": {\"limit\": 33554432, \"swap\": 67108864, \"swappiness\": 10,"
                              " \"disableOOMKiller\": true}, \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000,"
                              " \"cpus\": \"0\"}, \"pids\": {\"limit\": 20}}");
  const char *want[] = { "memory memory.limit_in_bytes=33554432", "memory memory.memsw.limit_in_bytes=67108864",
                         "memory memory.swappiness=10", "memory memory.oom_control=1", "cpu cpu.shares=512",
                         "cpu cpu.cfs_period_us=100000", "cpu cpu.cfs_quota_us=50000", "cpuset cpuset.cpus=0",
                         "pids pids.max=20" };
  CHECK (s != NULL);
  CHECK (s && cgroup_v1_writes (s->resources, &w, &err) == 0);
  CHECK (w.n == sizeof want / sizeof *want);
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    {
      char *got = w_at (&w, i);
      CHECK_STR (got, want[i]);
      free (got);
    }
  CHECK (w.not_applied == NULL);
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v1_defaults_are_not_requests)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"memory\": {\"disableOOMKiller\": false}, \"cpu\": {\"shares\": 0},"
                              " \"blockIO\": {\"weight\": 0}, \"pids\": {\"limit\": 0}, \"unified\": {\"memory.high\": \"1\"}}");
  CHECK (s && cgroup_v1_writes (s->resources, &w, &err) == 0);
  /* pids 0 is "no limit": max */
  CHECK (w.n == 1);
  char *got = w_at (&w, 0);
  CHECK_STR (got, "pids pids.max=max");
  free (got);
  CHECK_STR (w.not_applied, "linux.resources.unified");
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v1_bad_fields_name_themselves)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"memory\": {\"limit\": \"lots\"}}");
  CHECK (s && cgroup_v1_writes (s->resources, &w, &err) < 0);
  CHECK (err && strstr (err->msg, "linux.resources.memory.limit"));
  cg_writes_free (&w);
  spec_free (s);
}

TEST (v1_device_rules)
{
  cleanup_err urun_err err = NULL;
  struct cg_writes w;
  struct spec *s = spec_with ("\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                              " {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"}]},"
                              " \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}]");
  CHECK (s && cgroup_v1_device_rules (s, &w, &err) == 0);
  CHECK (w.n > 5);
  char *a = w_at (&w, 0), *b = w_at (&w, 1), *c = w_at (&w, 2), *d = w_at (&w, 3), *e = w_at (&w, 4);
  CHECK_STR (a, "devices devices.deny=a");
  CHECK_STR (b, "devices devices.deny=a");
  CHECK_STR (c, "devices devices.allow=c 10:229 rw");
  CHECK_STR (d, "devices devices.allow=c 10:229 rwm");
  CHECK_STR (e, "devices devices.allow=c *:* m");
  free (a), free (b), free (c), free (d), free (e);
  cg_writes_free (&w);
  spec_free (s);
}

int
main (void)
{
  RUN (v1_limits_in_order);
  RUN (v1_defaults_are_not_requests);
  RUN (v1_bad_fields_name_themselves);
  RUN (v1_device_rules);
  UNIT_DONE ();
}
