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

#define MAX_RANGES 16

/* The caller's ranges of one subordinate id file, with a note if none. */
static size_t
rootless_map (const char *file, const char *name, unsigned long uid, unsigned long own, struct spec_id_mapping *out)
{
  struct subid_range r[MAX_RANGES];
  /* shadow-utils finds both files' lines by user name or by uid */
  size_t nr = idmap_read_user_ranges (file, name, uid, r, MAX_RANGES);
  if (nr == 0)
    urun_warn ("no subordinate ids for `%s` in %s: mapping only id %lu to 0 "
               "(add a line like `%s:100000:65536` to %s for a full range)",
               name, file, own, name, file);
  return idmap_rootless_map (own, r, nr, out, MAX_RANGES + 1);
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
  struct spec_id_mapping um[MAX_RANGES + 1], gm[MAX_RANGES + 1];
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
      uid_t uid = geteuid ();
      gid_t gid = getegid ();
      struct passwd *pw = getpwuid (uid);
      cleanup_free char *uname = pw ? xstrdup (pw->pw_name) : xasprintf ("%u", (unsigned) uid);
      o.n_uid_map = rootless_map ("/etc/subuid", uname, uid, uid, um);
      o.n_gid_map = rootless_map ("/etc/subgid", uname, uid, gid, gm);
      o.uid_map = um;
      o.gid_map = gm;
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
