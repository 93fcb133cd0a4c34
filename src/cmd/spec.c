/* SPDX-License-Identifier: Apache-2.0 */
/* urun spec [--bundle DIR] [--rootless] */
#include <config.h>
#include "commands.h"
#include "idmap.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* No subordinate range in file: only the own id is mapped; say how to
 * get a full range. */
static void
warn_no_ranges (const char *file, const char *name, unsigned long own)
{
  urun_warn ("no subordinate ids for `%s` in %s: mapping only id %lu to 0 "
             "(add a line like `%s:100000:65536` to %s for a full range)",
             name, file, own, name, file);
}

int
cmd_spec (struct global_opts *g, int argc, char **argv, urun_err *err)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, 'r' },
    { "seccomp-default", no_argument, NULL, 's' },
    { NULL, 0, NULL, 0 },
  };
  const char *bundle = ".";
  bool rootless = false;
  cleanup_idmap_caller struct idmap_caller maps = { 0 };
  struct spec_default_opts o = { 0 };
  cleanup_free char *text = NULL, *path = NULL;
  cleanup_close int fd = -1;
  size_t len;
  int c;

  while ((c = getopt_long (argc, argv, "b:", opts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        bundle = optarg;
        break;
      case 'r':
        rootless = true;
        break;
      case 's':
        o.seccomp_default = true;
        break;
      default:
        return cmd_bad_option ("spec", argv, optopt, err);
      }
  if (cmd_require_args ("spec", argc, optind, 0, "[--bundle DIR] [--rootless] [--seccomp-default]", err) < 0)
    return -1;

  o.rootless = rootless;
  if (rootless)
    {
      idmap_caller_maps (geteuid (), getegid (), &maps);
      if (maps.n_uid == 1)
        warn_no_ranges ("/etc/subuid", maps.user, maps.uid[0].host_id);
      if (maps.n_gid == 1)
        warn_no_ranges ("/etc/subgid", maps.user, maps.gid[0].host_id);
      o.n_uid_map = maps.n_uid;
      o.n_gid_map = maps.n_gid;
      o.uid_map = maps.uid;
      o.gid_map = maps.gid;
    }
  text = spec_default_generate (&o, &len);
  path = xasprintf ("%s/config.json", bundle);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      if (errno == EEXIST)
        return urun_fail (err, 0, "spec: `%s` already exists: refusing to overwrite it", path);
      return urun_fail (err, errno, "spec: create `%s`", path);
    }
  if (write_all (fd, text, len) < 0)
    {
      int e = errno;
      unlink (path);
      return urun_fail (err, e, "spec: write `%s`", path);
    }
  (void) g;
  return 0;
}
