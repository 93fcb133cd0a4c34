/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of resolving paths inside a root: lexical cleaning, and both
 * path_open_in_root (openat2 when the kernel has it) and the component walk
 * it falls back to.  Every case runs against both, in a mkdtemp root. */
#include <config.h>
#include "path.h"
#include "util.h"
#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*open_fn) (int rootfd, const char *path, int flags, enum path_create create, urun_err *err);

static const struct
{
  const char *name;
  open_fn fn;
} impls[] = { { "path_open_in_root", path_open_in_root }, { "path_open_in_root_walk", path_open_in_root_walk } };

static char base[4096];
static int n_roots;

/* A fresh root directory for one case of one implementation. */
static char *
new_root (int *fd)
{
  char *p = xasprintf ("%s/root%d", base, n_roots++);
  if (mkdir (p, 0755) < 0)
    printf ("# mkdir %s: %s\n", p, strerror (errno));
  *fd = open (p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  return p;
}

static void
mk (const char *root, const char *rel, bool dir)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);
  if (dir)
    {
      if (mkdir (p, 0755) < 0)
        printf ("# mkdir %s: %s\n", p, strerror (errno));
    }
  else
    {
      int fd = open (p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0)
        printf ("# create %s: %s\n", p, strerror (errno));
      else
        {
          if (write (fd, rel, strlen (rel)) < 0)
            printf ("# write %s: %s\n", p, strerror (errno));
          close (fd);
        }
    }
}

static void
ln (const char *root, const char *rel, const char *target)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);
  if (symlink (target, p) < 0)
    printf ("# symlink %s: %s\n", p, strerror (errno));
}

/* fd refers to the object at root/rel (checked with lstat on the host path). */
static bool
same_inode (int fd, const char *root, const char *rel)
{
  cleanup_free char *p = rel && rel[0] ? xasprintf ("%s/%s", root, rel) : xstrdup (root);
  struct stat a, b;
  if (fd < 0 || fstat (fd, &a) < 0 || lstat (p, &b) < 0)
    return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool
exists (const char *path)
{
  struct stat sb;
  return lstat (path, &sb) == 0;
}

/* ---- path_clean ---- */

static bool
clean_is (const char *in, const char *want)
{
  char *got = path_clean (in);
  bool ok = got && strcmp (got, want) == 0;
  if (!ok)
    printf ("# path_clean (\"%s\") = \"%s\", want \"%s\"\n", in, got ? got : "(null)", want);
  free (got);
  return ok;
}

TEST (clean)
{
  CHECK (clean_is ("/a/../../b", "/b"));
  CHECK (clean_is ("//a/./b/", "/a/b"));
  CHECK (clean_is ("/..", "/"));
  CHECK (clean_is ("/../../..", "/"));
  CHECK (clean_is ("/", "/"));
  CHECK (clean_is ("", "/"));
  CHECK (clean_is ("///", "/"));
  CHECK (clean_is ("/./.", "/"));
  CHECK (clean_is ("a/b", "/a/b"));
  CHECK (clean_is ("/a/b/..", "/a"));
  CHECK (clean_is ("/a/b/../..", "/"));
  CHECK (clean_is ("/dev/../dev", "/dev"));
  CHECK (clean_is ("/a/..b/c.", "/a/..b/c."));
  CHECK (clean_is ("/...", "/..."));
  /* a ".." that drops a component other than the first drops its "/" too */
  CHECK (clean_is ("/a/b/../c", "/a/c"));
  CHECK (clean_is ("/proc/self/../1", "/proc/1"));
  CHECK (clean_is ("/a/b/c/../../d", "/a/d"));
}

/* ---- opening inside a root, each case run for both implementations ---- */

/* Open path with fn (no creation) and check it is root/rel, close-on-exec;
 * closes the fd. */
static bool
opens_to (open_fn fn, int rfd, const char *path, int flags, const char *root, const char *rel)
{
  cleanup_err urun_err e = NULL;
  int fd = fn (rfd, path, flags, PATH_NO_CREATE, &e);
  bool ok = same_inode (fd, root, rel) && (fcntl (fd, F_GETFD) & FD_CLOEXEC);
  if (fd >= 0)
    close (fd);
  return ok;
}

/* Remove what a failing case made outside its root. */
static void
remove_escaped (const char *host)
{
  if (exists (host))
    {
      cleanup_free char *cmd = xasprintf ("rm -rf '%s'", host);
      if (system (cmd) != 0)
        printf ("# could not remove %s\n", host);
    }
}

#define FOR_EACH_IMPL(body)                                                     \
  for (size_t impl_i = 0; impl_i < sizeof impls / sizeof *impls; impl_i++)      \
    {                                                                           \
      open_fn open_in = impls[impl_i].fn;                                       \
      const char *impl_name = impls[impl_i].name;                               \
      int before = unit_cur_failed;                                             \
      unit_cur_failed = 0;                                                      \
      body;                                                                     \
      if (unit_cur_failed)                                                      \
        printf ("# ^ with %s\n", impl_name);                                    \
      unit_cur_failed |= before;                                                \
    }

TEST (plain_paths)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    mk (root, "etc", true);
    mk (root, "etc/marker", false);
    int fd = open_in (rfd, "/etc/marker", O_PATH, PATH_NO_CREATE, &err);
    CHECK (same_inode (fd, root, "etc/marker"));
    CHECK (fd < 0 || (fcntl (fd, F_GETFD) & FD_CLOEXEC));
    if (fd >= 0)
      close (fd);
    /* relative and absolute, with . and // */
    CHECK (opens_to (open_in, rfd, "etc/./marker", O_PATH, root, "etc/marker"));
    CHECK (opens_to (open_in, rfd, "//etc//marker", O_PATH, root, "etc/marker"));
    /* the root itself */
    CHECK (opens_to (open_in, rfd, "/", O_PATH | O_DIRECTORY, root, ""));
    CHECK (opens_to (open_in, rfd, "/etc", O_PATH | O_DIRECTORY, root, "etc"));
    close (rfd);
  });
}

TEST (read_contents)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    char buf[64] = "";
    mk (root, "etc", true);
    mk (root, "etc/marker", false);
    /* without O_PATH the fd is readable */
    int fd = open_in (rfd, "/etc/marker", O_RDONLY, PATH_NO_CREATE, &err);
    CHECK (fd >= 0);
    CHECK (fd >= 0 && read (fd, buf, sizeof buf - 1) == (ssize_t) strlen ("etc/marker"));
    CHECK_STR (buf, "etc/marker");
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

TEST (absolute_symlink_stays_in_root)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    cleanup_err urun_err err2 = NULL;
    mk (root, "etc", true);
    mk (root, "etc/marker", false);
    ln (root, "l", "/etc");
    CHECK (opens_to (open_in, rfd, "l/marker", O_PATH, root, "etc/marker"));
    /* the host's /etc/passwd exists, the root's does not */
    int fd = open_in (rfd, "l/passwd", O_PATH, PATH_NO_CREATE, &err2);
    CHECK (fd < 0);
    CHECK (err2 != NULL && err2->errnum == ENOENT);
    if (fd >= 0)
      close (fd);
    /* from a subdirectory, an absolute target still starts at the root */
    mk (root, "sub", true);
    mk (root, "sub/etc", true);
    ln (root, "sub/abs", "/etc/marker");
    urun_err_free (&err);
    CHECK (opens_to (open_in, rfd, "sub/abs", O_PATH, root, "etc/marker"));
    /* the link as the last component resolves to the root's /etc */
    urun_err_free (&err);
    CHECK (opens_to (open_in, rfd, "/l", O_PATH | O_DIRECTORY, root, "etc"));
    close (rfd);
  });
}

TEST (dotdot_chain_stays_at_root)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    cleanup_err urun_err err2 = NULL;
    mk (root, "etc", true);
    mk (root, "etc/marker", false);
    mk (root, "sub", true);
    ln (root, "up", "../../../../..");
    ln (root, "sub/up2", "../../../../../../etc");
    CHECK (opens_to (open_in, rfd, "up", O_PATH, root, ""));
    CHECK (opens_to (open_in, rfd, "up/etc/marker", O_PATH, root, "etc/marker"));
    CHECK (opens_to (open_in, rfd, "sub/up2/marker", O_PATH, root, "etc/marker"));
    /* a literal .. chain too */
    CHECK (opens_to (open_in, rfd, "/../../../etc/../etc/marker", O_PATH, root, "etc/marker"));
    int fd = open_in (rfd, "up/up/up/passwd", O_PATH, PATH_NO_CREATE, &err2);
    CHECK (fd < 0 && err2 != NULL && err2->errnum == ENOENT);
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

TEST (relative_symlink_inside)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    mk (root, "a", true);
    mk (root, "a/b", true);
    mk (root, "a/b/f", false);
    mk (root, "c", true);
    ln (root, "c/tob", "../a/b");
    ln (root, "c/tof", "tob/f");
    CHECK (opens_to (open_in, rfd, "c/tob/f", O_PATH, root, "a/b/f"));
    CHECK (opens_to (open_in, rfd, "c/tof", O_PATH, root, "a/b/f"));
    /* ".." after a symlink to a directory goes to the target's parent */
    CHECK (opens_to (open_in, rfd, "c/tob/..", O_PATH | O_DIRECTORY, root, "a"));
    close (rfd);
  });
}

TEST (not_found_and_not_a_directory)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err e1 = NULL;
    cleanup_err urun_err e2 = NULL;
    cleanup_err urun_err e3 = NULL;
    mk (root, "file", false);
    int fd = open_in (rfd, "/missing/x", O_PATH, PATH_NO_CREATE, &e1);
    CHECK (fd < 0 && e1 != NULL && e1->errnum == ENOENT);
    if (fd >= 0)
      close (fd);
    fd = open_in (rfd, "/file/x", O_PATH, PATH_NO_CREATE, &e2);
    CHECK (fd < 0 && e2 != NULL && e2->errnum == ENOTDIR);
    if (fd >= 0)
      close (fd);
    fd = open_in (rfd, "/file", O_PATH | O_DIRECTORY, PATH_NO_CREATE, &e3);
    CHECK (fd < 0 && e3 != NULL && e3->errnum == ENOTDIR);
    if (fd >= 0)
      close (fd);
    /* no create: nothing was made */
    cleanup_free char *m = xasprintf ("%s/missing", root);
    CHECK (!exists (m));
    close (rfd);
  });
}

TEST (create_directories)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    struct stat sb;
    cleanup_free char *abc = xasprintf ("%s/a/b/c", root);
    int fd = open_in (rfd, "/a/b/c", O_PATH, PATH_CREATE_DIR, &err);
    CHECK (fd >= 0);
    CHECK (lstat (abc, &sb) == 0 && S_ISDIR (sb.st_mode));
    CHECK (same_inode (fd, root, "a/b/c"));
    if (fd >= 0)
      close (fd);
    /* again: it exists now, same directory */
    fd = open_in (rfd, "/a/b/c", O_PATH, PATH_CREATE_DIR, &err);
    CHECK (same_inode (fd, root, "a/b/c"));
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

TEST (create_file)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    struct stat sb;
    cleanup_free char *f = xasprintf ("%s/x/y/file", root);
    cleanup_free char *y = xasprintf ("%s/x/y", root);
    int fd = open_in (rfd, "/x/y/file", O_PATH, PATH_CREATE_FILE, &err);
    CHECK (fd >= 0);
    CHECK (lstat (y, &sb) == 0 && S_ISDIR (sb.st_mode));
    CHECK (lstat (f, &sb) == 0 && S_ISREG (sb.st_mode) && sb.st_size == 0);
    CHECK (same_inode (fd, root, "x/y/file"));
    if (fd >= 0)
      close (fd);
    /* an existing file is opened, not replaced or truncated */
    mk (root, "keep", false);
    fd = open_in (rfd, "/keep", O_PATH, PATH_CREATE_FILE, &err);
    CHECK (same_inode (fd, root, "keep"));
    CHECK (fd >= 0 && fstat (fd, &sb) == 0 && sb.st_size == (off_t) strlen ("keep"));
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

TEST (dangling_absolute_link_creates_inside)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    struct stat sb;
    /* a host path that does not exist; as root it could be created */
    cleanup_free char *host = xasprintf ("/urun-unit-dangling-%d-%zu", (int) getpid (), impl_i);
    cleanup_free char *target = xasprintf ("%s/sub", host);
    cleanup_free char *inside = xasprintf ("%s%s/sub", root, host);
    CHECK (!exists (host));
    ln (root, "dang", target);
    int fd = open_in (rfd, "/dang", O_PATH, PATH_CREATE_DIR, &err);
    CHECK (fd >= 0);
    CHECK (!exists (host));
    CHECK (lstat (inside, &sb) == 0 && S_ISDIR (sb.st_mode));
    CHECK (fd >= 0 && fstat (fd, &sb) == 0 && S_ISDIR (sb.st_mode));
    CHECK (same_inode (fd, inside, ""));
    if (fd >= 0)
      close (fd);
    remove_escaped (host);
    close (rfd);
  });
}

TEST (dangling_relative_link_creates_inside)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    struct stat sb;
    /* points at the host's temporary directory (writable by anyone) through .. */
    const char *tmp = getenv ("TMPDIR");
    cleanup_free char *name = xasprintf ("urun-unit-escape-%d-%zu", (int) getpid (), impl_i);
    cleanup_free char *host = xasprintf ("%s/%s", tmp && tmp[0] == '/' ? tmp : "/tmp", name);
    cleanup_free char *target = xasprintf ("../../../../../../../../..%s/x", host);
    cleanup_free char *inside = xasprintf ("%s%s/x", root, host);
    CHECK (!exists (host));
    mk (root, "d", true);
    ln (root, "d/esc", target);
    int fd = open_in (rfd, "d/esc/y/z", O_PATH, PATH_CREATE_DIR, &err);
    CHECK (fd >= 0);
    CHECK (!exists (host));
    cleanup_free char *inside_z = xasprintf ("%s/y/z", inside);
    CHECK (lstat (inside_z, &sb) == 0 && S_ISDIR (sb.st_mode));
    CHECK (same_inode (fd, inside_z, ""));
    if (fd >= 0)
      close (fd);
    remove_escaped (host);
    close (rfd);
  });
}

TEST (dangling_link_create_file)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    struct stat sb;
    cleanup_free char *host = xasprintf ("/urun-unit-dangling-file-%d-%zu", (int) getpid (), impl_i);
    cleanup_free char *inside = xasprintf ("%s%s", root, host);
    ln (root, "f", host);
    int fd = open_in (rfd, "f", O_PATH, PATH_CREATE_FILE, &err);
    CHECK (fd >= 0);
    CHECK (!exists (host));
    CHECK (lstat (inside, &sb) == 0 && S_ISREG (sb.st_mode));
    CHECK (same_inode (fd, inside, ""));
    if (fd >= 0)
      close (fd);
    if (exists (host))
      unlink (host);
    close (rfd);
  });
}

TEST (symlink_loop)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err e1 = NULL;
    cleanup_err urun_err e2 = NULL;
    cleanup_err urun_err e3 = NULL;
    ln (root, "loop1", "loop2");
    ln (root, "loop2", "/loop1");
    ln (root, "self", "self");
    int fd = open_in (rfd, "loop1", O_PATH, PATH_NO_CREATE, &e1);
    CHECK (fd < 0 && e1 != NULL && e1->errnum == ELOOP);
    if (fd >= 0)
      close (fd);
    fd = open_in (rfd, "self/x", O_PATH, PATH_NO_CREATE, &e2);
    CHECK (fd < 0 && e2 != NULL && e2->errnum == ELOOP);
    if (fd >= 0)
      close (fd);
    /* creating does not break a loop either */
    fd = open_in (rfd, "loop2/new", O_PATH, PATH_CREATE_DIR, &e3);
    CHECK (fd < 0 && e3 != NULL && e3->errnum == ELOOP);
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

TEST (symlink_limit)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    mk (root, "etc", true);
    /* k0 -> k1 -> ... -> k40 -> etc: from k1 that is 40 links, from k0 41 */
    for (int i = 0; i < 40; i++)
      {
        cleanup_free char *name = xasprintf ("k%d", i);
        cleanup_free char *next = xasprintf ("k%d", i + 1);
        ln (root, name, next);
      }
    ln (root, "k40", "/etc");
    CHECK (opens_to (open_in, rfd, "k1", O_PATH | O_DIRECTORY, root, "etc"));
    int fd = open_in (rfd, "k0", O_PATH, PATH_NO_CREATE, &err);
    CHECK (fd < 0 && err != NULL && err->errnum == ELOOP);
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

TEST (create_fails)
{
  FOR_EACH_IMPL ({
    /* procfs refuses new entries: the walk reports the component it could not make */
    cleanup_err urun_err err = NULL;
    int rfd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = open_in (rfd, "/urun-unit-no/x", O_PATH, PATH_CREATE_DIR, &err);
    CHECK (fd < 0 && err != NULL && err->errnum != 0);
    CHECK (err != NULL && strncmp (err->msg, "create `urun-unit-no` in `/urun-unit-no/x`", 42) == 0);
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

/* "d/d/.../d", n components. */
static char *
deep_path (int n)
{
  char *p = xmalloc0 (2 * n);
  for (int i = 0; i < n; i++)
    memcpy (p + 2 * i, "d/", i < n - 1 ? 2 : 1);
  return p;
}

TEST (depth_limit)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    cleanup_free char *ok_path = deep_path (200);
    cleanup_free char *too_deep = deep_path (300);
    int fd = open_in (rfd, ok_path, O_PATH, PATH_CREATE_DIR, &err);
    CHECK (fd >= 0);
    if (fd >= 0)
      close (fd);
    /* the walk keeps one fd per directory: past its stack it refuses */
    urun_err_free (&err);
    fd = open_in (rfd, too_deep, O_PATH, PATH_CREATE_DIR, &err);
    CHECK (fd < 0 && err != NULL && err->errnum == ENAMETOOLONG);
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

/* Names of root/etc (commas would split the FOR_EACH_IMPL argument). */
static const char *const etc_names[] = { "/etc", "/etc/.", "etc/../etc" };

TEST (readable_directory)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    mk (root, "etc", true);
    mk (root, "etc/marker", false);
    /* without O_PATH, both at the last component and at "." */
    for (size_t i = 0; i < sizeof etc_names / sizeof *etc_names; i++)
      {
        int fd = open_in (rfd, etc_names[i], O_RDONLY | O_DIRECTORY, PATH_NO_CREATE, &err);
        CHECK (same_inode (fd, root, "etc"));
        CHECK (fd >= 0 && (fcntl (fd, F_GETFL) & O_PATH) == 0);
        CHECK (fd >= 0 && (fcntl (fd, F_GETFD) & FD_CLOEXEC));
        CHECK (fd >= 0 && lseek (fd, 0, SEEK_SET) == 0); /* O_PATH fds cannot seek */
        if (fd >= 0)
          close (fd);
      }
    CHECK (opens_to (open_in, rfd, "/", O_RDONLY | O_DIRECTORY, root, ""));
    close (rfd);
  });
}

TEST (create_through_dot_and_dotdot)
{
  FOR_EACH_IMPL ({
    int rfd;
    cleanup_free char *root = new_root (&rfd);
    cleanup_err urun_err err = NULL;
    cleanup_free char *ab = xasprintf ("%s/a/b", root);
    cleanup_free char *ac = xasprintf ("%s/a/c", root);
    int fd = open_in (rfd, "/a/./b/../c", O_PATH, PATH_CREATE_FILE, &err);
    struct stat sb;
    CHECK (same_inode (fd, root, "a/c"));
    CHECK (lstat (ab, &sb) == 0 && S_ISDIR (sb.st_mode));
    CHECK (lstat (ac, &sb) == 0 && S_ISREG (sb.st_mode));
    if (fd >= 0)
      close (fd);
    close (rfd);
  });
}

TEST (fd_name)
{
  char buf[32];
  path_fd_name (7, buf);
  CHECK_STR (buf, "/proc/self/fd/7");
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");
  snprintf (base, sizeof base, "%s/urun-test-path.XXXXXX", t && t[0] == '/' ? t : "/tmp");
  if (mkdtemp (base) == NULL)
    {
      perror ("mkdtemp");
      return 1;
    }
  RUN (clean);
  RUN (plain_paths);
  RUN (read_contents);
  RUN (absolute_symlink_stays_in_root);
  RUN (dotdot_chain_stays_at_root);
  RUN (relative_symlink_inside);
  RUN (not_found_and_not_a_directory);
  RUN (create_directories);
  RUN (create_file);
  RUN (dangling_absolute_link_creates_inside);
  RUN (dangling_relative_link_creates_inside);
  RUN (dangling_link_create_file);
  RUN (symlink_loop);
  RUN (symlink_limit);
  RUN (create_fails);
  RUN (depth_limit);
  RUN (readable_directory);
  RUN (create_through_dot_and_dotdot);
  RUN (fd_name);
  {
    char *cmd = xasprintf ("rm -rf '%s'", base);
    if (system (cmd) != 0)
      printf ("# could not remove %s\n", base);
    free (cmd);
  }
  UNIT_DONE ();
}
