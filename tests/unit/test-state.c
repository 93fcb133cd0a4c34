/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the state module: container ids, the state root, state
 * directories, state.json round trips and the container status. */
#include <config.h>
#include "state.h"
#include "json.h"
#include "util.h"
#include "unit.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[4096];

/* A fresh directory under the test's temporary directory. */
static char *
fresh_dir (const char *name)
{
  char *p = xasprintf ("%s/%s", tmpdir, name);
  if (mkdir (p, 0700) < 0)
    printf ("# mkdir %s: %s\n", p, strerror (errno));
  return p;
}

static int
id_ok (const char *id)
{
  cleanup_err urun_err err = NULL;
  int r = state_validate_id (id, &err);
  if (r == 0 && err != NULL)
    return 0;
  if (r < 0 && (err == NULL || err->msg == NULL))
    return 0;
  return r == 0;
}

TEST (validate_id_accepts)
{
  CHECK (id_ok ("a"));
  CHECK (id_ok ("mycontainer"));
  CHECK (id_ok ("my-container_1.2"));
  CHECK (id_ok ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  CHECK (id_ok ("a.b"));
  CHECK (id_ok ("UPPER-case_x+y"));
  /* runc's rule accepts these too: no path component can be ".." */
  CHECK (id_ok ("a..b"));
  CHECK (id_ok ("x."));
  CHECK (id_ok ("-x"));
  CHECK (id_ok ("+x"));
  char *max = xmalloc0 (1025);
  memset (max, 'x', 1024);
  CHECK (id_ok (max));
  free (max);
}

TEST (validate_id_rejects)
{
  CHECK (!id_ok (""));
  CHECK (!id_ok ("a/b"));
  CHECK (!id_ok ("/abs"));
  CHECK (!id_ok ("trailing/"));
  CHECK (!id_ok ("."));
  CHECK (!id_ok (".."));
  CHECK (!id_ok ("../x"));
  CHECK (!id_ok (".hidden")); /* runc accepts it, but `list` skips hidden names */
  CHECK (!id_ok ("..."));
  CHECK (!id_ok ("a\nb"));
  CHECK (!id_ok ("\x01"));
  CHECK (!id_ok ("tab\there"));
  CHECK (!id_ok ("del\x7f"));
  /* only runc's characters */
  CHECK (!id_ok ("a b"));
  CHECK (!id_ok ("x;y"));
  CHECK (!id_ok ("bad\377id"));
  CHECK (!id_ok ("caf\xc3\xa9"));
  CHECK (!id_ok ("a,b")); /* runc 1.1 regexp lets , through by mistake (a range +-.); newer runc does not */
  CHECK (!id_ok ("a:b"));
  CHECK (!id_ok ("a@b"));
  CHECK (!id_ok ("$x"));
  CHECK (!id_ok ("a*b"));
  CHECK (!id_ok ("a\\b"));
  CHECK (!id_ok ("a`b"));
  char *big = xmalloc0 (1026);
  memset (big, 'x', 1025);
  CHECK (!id_ok (big));
  free (big);
}

TEST (validate_id_messages)
{
  cleanup_err urun_err e1 = NULL;
  cleanup_err urun_err e2 = NULL;
  cleanup_err urun_err e3 = NULL;
  cleanup_err urun_err e4 = NULL;
  cleanup_err urun_err e5 = NULL;
  CHECK (state_validate_id ("", &e1) < 0 && e1 && strstr (e1->msg, "empty"));
  CHECK (state_validate_id ("a/b", &e2) < 0 && e2 && strstr (e2->msg, "`/` is not allowed"));
  /* the message names the id and the character, quoted: one line */
  CHECK (state_validate_id ("a\nb", &e3) < 0 && e3 && strstr (e3->msg, "`a\\nb`: `\\n` is not allowed"));
  CHECK (e3 && strchr (e3->msg, '\n') == NULL);
  CHECK (state_validate_id ("bad\377id", &e4) < 0 && e4 && strstr (e4->msg, "`bad\\xffid`: `\\xff`"));
  CHECK (state_validate_id (".x", &e5) < 0 && e5 && strstr (e5->msg, "must not start with `.`"));
}

TEST (root_open_creates_0700)
{
  cleanup_free char *root = xasprintf ("%s/a/b/state", tmpdir);
  cleanup_err urun_err err = NULL;
  int fd = -1;
  struct stat sb, fsb;
  mode_t old = umask (0);
  CHECK (state_root_open (root, true, &fd, &err) == 0);
  umask (old);
  CHECK (fd >= 0);
  CHECK (stat (root, &sb) == 0 && S_ISDIR (sb.st_mode));
  CHECK ((sb.st_mode & 07777) == 0700);
  CHECK (sb.st_uid == geteuid ());
  CHECK (fd >= 0 && fstat (fd, &fsb) == 0 && fsb.st_ino == sb.st_ino && fsb.st_dev == sb.st_dev);
  CHECK (fd >= 0 && (fcntl (fd, F_GETFD) & FD_CLOEXEC));
  if (fd >= 0)
    close (fd);
  /* opening it again, without create, finds the same directory */
  fd = -1;
  CHECK (state_root_open (root, false, &fd, &err) == 0 && fd >= 0);
  if (fd >= 0)
    close (fd);
}

TEST (root_open_tightens_mode)
{
  cleanup_free char *root = fresh_dir ("loose");
  cleanup_err urun_err err = NULL;
  struct stat sb;
  int fd = -1;
  chmod (root, 0755);
  CHECK (state_root_open (root, true, &fd, &err) == 0);
  CHECK (stat (root, &sb) == 0 && (sb.st_mode & 07777) == 0700);
  if (fd >= 0)
    close (fd);
}

TEST (root_open_missing_without_create)
{
  cleanup_free char *root = xasprintf ("%s/never-made", tmpdir);
  cleanup_err urun_err err = NULL;
  int fd = -1;
  CHECK (state_root_open (root, false, &fd, &err) < 0);
  CHECK (fd == -1);
  CHECK (err != NULL && err->errnum == ENOENT);
  CHECK (access (root, F_OK) < 0);
}

TEST (root_open_refuses_symlink)
{
  cleanup_free char *target = fresh_dir ("real-root");
  cleanup_free char *link = xasprintf ("%s/link-root", tmpdir);
  cleanup_err urun_err err = NULL;
  cleanup_err urun_err err2 = NULL;
  int fd = -1;
  CHECK (symlink (target, link) == 0);
  CHECK (state_root_open (link, true, &fd, &err) < 0);
  CHECK (fd == -1);
  CHECK (err != NULL && strstr (err->msg, "symlink") != NULL);
  CHECK (state_root_open (link, false, &fd, &err2) < 0);
  CHECK (err2 != NULL && strstr (err2->msg, "symlink") != NULL);
}

TEST (root_open_refuses_foreign_owner)
{
  /* someone else's directory: as root, one chowned away; otherwise "/" */
  cleanup_free char *dir = NULL;
  cleanup_err urun_err err = NULL;
  int fd = -1;
  if (geteuid () == 0)
    {
      dir = fresh_dir ("foreign");
      CHECK (chown (dir, 4242, 4242) == 0);
    }
  else
    dir = xstrdup ("/");
  CHECK (state_root_open (dir, false, &fd, &err) < 0);
  CHECK (fd == -1);
  CHECK (err != NULL && strstr (err->msg, "owned by") != NULL);
}

TEST (dir_create_twice)
{
  cleanup_free char *root = fresh_dir ("dirs");
  cleanup_close int rootfd = open (root, O_RDONLY | O_DIRECTORY);
  cleanup_err urun_err err = NULL;
  cleanup_err urun_err err2 = NULL;
  int d1 = -1, d2 = -1;
  struct stat sb;
  CHECK (state_dir_create (rootfd, "c1", &d1, &err) == 0 && d1 >= 0);
  CHECK (fstatat (rootfd, "c1", &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (sb.st_mode));
  CHECK ((sb.st_mode & 0077) == 0);
  CHECK (state_dir_create (rootfd, "c1", &d2, &err2) < 0);
  CHECK (d2 == -1);
  CHECK (err2 != NULL && strstr (err2->msg, "already exists") != NULL && strstr (err2->msg, "c1") != NULL);
  /* the first directory is untouched by the failed second create */
  CHECK (fstatat (rootfd, "c1", &sb, AT_SYMLINK_NOFOLLOW) == 0);
  if (d1 >= 0)
    close (d1);
}

TEST (dir_open_and_remove)
{
  cleanup_free char *root = fresh_dir ("rm");
  cleanup_close int rootfd = open (root, O_RDONLY | O_DIRECTORY);
  cleanup_err urun_err err = NULL;
  cleanup_err urun_err err2 = NULL;
  int d = -1;
  CHECK (state_dir_open (rootfd, "nope", true, &d, &err2) < 0);
  CHECK (err2 != NULL && strstr (err2->msg, "does not exist") != NULL);
  CHECK (state_dir_create (rootfd, "c", &d, &err) == 0);
  close (d);
  d = -1;
  CHECK (state_dir_open (rootfd, "c", true, &d, &err) == 0 && d >= 0);
  CHECK (write_file_atomic_at (d, "junk", "x", 1, 0600, &err) == 0);
  CHECK (mkfifoat (d, EXEC_SOCK, 0600) == 0);
  CHECK (state_dir_remove (rootfd, "c", d, &err) == 0);
  CHECK (faccessat (rootfd, "c", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
  if (d >= 0)
    close (d);
}

TEST (write_read_round_trip)
{
  cleanup_free char *dir = fresh_dir ("rt");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY);
  cleanup_err urun_err err = NULL;
  const char *ann_text = "{\"org.example/a\": \"1\", \"b\": \"two words\"}";
  cleanup_json json_node *ann = json_parse (ann_text, strlen (ann_text), &err);
  struct container_state st = {
    .id = (char *) "rt-1", .pid = 4321, .pid_start_time = 123456789012ULL,
    .bundle = (char *) "/srv/bundles/rt \"quoted\"", .rootfs = (char *) "/srv/bundles/rt/rootfs",
    .created = (char *) "2024-01-02T03:04:05.000000006Z", .owner = 1000, .rootless = true,
  };
  struct container_state *back = NULL;
  struct stat sb;
  CHECK (ann != NULL);
  CHECK (state_write (dfd, &st, ann, &err) == 0);
  CHECK (fstatat (dfd, STATE_FILE, &sb, 0) == 0 && (sb.st_mode & 07777) == 0600);
  CHECK (state_read (dfd, &back, &err) == 0);
  if (back == NULL)
    return;
  CHECK_STR (back->id, "rt-1");
  CHECK (back->pid == 4321);
  CHECK (back->pid_start_time == 123456789012ULL);
  CHECK_STR (back->bundle, "/srv/bundles/rt \"quoted\"");
  CHECK_STR (back->rootfs, "/srv/bundles/rt/rootfs");
  CHECK_STR (back->created, "2024-01-02T03:04:05.000000006Z");
  CHECK (back->owner == 1000);
  CHECK (back->rootless);
  json_node *a = json_get (back->doc, "annotations");
  CHECK (json_kind (a) == JSON_OBJECT && json_len (a) == 2);
  CHECK_STR (json_string (json_get (a, "org.example/a")), "1");
  CHECK_STR (json_string (json_get (a, "b")), "two words");
  state_free (back);
}

TEST (write_overwrites_and_no_annotations)
{
  cleanup_free char *dir = fresh_dir ("rt2");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY);
  cleanup_err urun_err err = NULL;
  struct container_state st = { .id = (char *) "x", .pid = 1, .bundle = (char *) "/b",
                                .rootfs = (char *) "/b/r", .created = (char *) "now" };
  struct container_state *back = NULL;
  CHECK (state_write (dfd, &st, NULL, &err) == 0);
  st.pid = 2;
  CHECK (state_write (dfd, &st, NULL, &err) == 0);
  CHECK (state_read (dfd, &back, &err) == 0);
  CHECK (back != NULL && back->pid == 2 && !back->rootless);
  CHECK (back != NULL && json_kind (json_get (back->doc, "annotations")) == JSON_OBJECT
         && json_len (json_get (back->doc, "annotations")) == 0);
  state_free (back);
  /* the atomic write leaves only state.json behind */
  int n = 0;
  DIR *d = opendir (dir);
  struct dirent *de;
  while (d && (de = readdir (d)))
    if (de->d_name[0] != '.')
      n++;
  if (d)
    closedir (d);
  CHECK (n == 1);
}

TEST (read_errors)
{
  cleanup_free char *dir = fresh_dir ("bad");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY);
  cleanup_err urun_err e1 = NULL;
  cleanup_err urun_err e2 = NULL;
  cleanup_err urun_err e3 = NULL;
  struct container_state *back = NULL;
  CHECK (state_read (dfd, &back, &e1) < 0 && back == NULL);
  CHECK (e1 != NULL && e1->errnum == ENOENT);
  CHECK (write_file_atomic_at (dfd, STATE_FILE, "{\"id\": ", 7, 0600, &e2) == 0);
  CHECK (state_read (dfd, &back, &e3) < 0 && back == NULL);
  CHECK (e3 != NULL && strstr (e3->msg, "state file") != NULL);
}

static struct container_state
self_state (void)
{
  struct container_state st = { .id = (char *) "self", .pid = getpid (), .bundle = (char *) "/b",
                                .rootfs = (char *) "/b/rootfs", .created = (char *) "t" };
  st.pid_start_time = proc_start_time (getpid ());
  return st;
}

TEST (status_running_created_stopped)
{
  cleanup_free char *dir = fresh_dir ("status");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY);
  struct container_state st = self_state ();
  CHECK (st.pid_start_time != 0);
  CHECK (state_status (dfd, &st) == STATUS_RUNNING);
  /* the same pid with another start time is a recycled pid: stopped */
  st.pid_start_time += 1;
  CHECK (state_status (dfd, &st) == STATUS_STOPPED);
  st.pid_start_time = 0;
  CHECK (state_status (dfd, &st) == STATUS_STOPPED);
  st = self_state ();
  st.pid = 0;
  CHECK (state_status (dfd, &st) == STATUS_STOPPED);
  /* the start socket exists between create and start */
  st = self_state ();
  CHECK (mkfifoat (dfd, EXEC_SOCK, 0600) == 0);
  CHECK (state_status (dfd, &st) == STATUS_CREATED);
  /* a created container whose process died is stopped, not created */
  st.pid_start_time += 1;
  CHECK (state_status (dfd, &st) == STATUS_STOPPED);
  CHECK (unlinkat (dfd, EXEC_SOCK, 0) == 0);
  /* a plain file by that name counts too */
  st = self_state ();
  {
    cleanup_err urun_err err = NULL;
    CHECK (write_file_atomic_at (dfd, EXEC_SOCK, "", 0, 0600, &err) == 0);
  }
  CHECK (state_status (dfd, &st) == STATUS_CREATED);
  CHECK (state_status (dfd, NULL) == STATUS_CREATING);
}

TEST (status_of_dead_child_is_stopped)
{
  cleanup_free char *dir = fresh_dir ("dead");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY);
  struct container_state st = self_state ();
  pid_t pid = fork ();
  if (pid == 0)
    {
      pause ();
      _exit (0);
    }
  CHECK (pid > 0);
  if (pid < 0)
    return;
  st.pid = pid;
  st.pid_start_time = proc_start_time (pid);
  CHECK (st.pid_start_time != 0);
  CHECK (state_status (dfd, &st) == STATUS_RUNNING);
  kill (pid, SIGKILL);
  int status;
  CHECK (wait_for_pid (pid, &status) == pid);
  CHECK (state_status (dfd, &st) == STATUS_STOPPED);
}

TEST (status_names)
{
  CHECK_STR (state_status_name (STATUS_CREATING), "creating");
  CHECK_STR (state_status_name (STATUS_CREATED), "created");
  CHECK_STR (state_status_name (STATUS_RUNNING), "running");
  CHECK_STR (state_status_name (STATUS_STOPPED), "stopped");
}

TEST (to_json)
{
  cleanup_free char *dir = fresh_dir ("json");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY);
  cleanup_err urun_err err = NULL;
  const char *ann_text = "{\"k\": \"v\"}";
  cleanup_json json_node *ann = json_parse (ann_text, strlen (ann_text), &err);
  struct container_state st = self_state ();
  struct container_state *back = NULL;
  size_t len = 0;
  long long v;

  CHECK (state_write (dfd, &st, ann, &err) == 0);
  CHECK (state_read (dfd, &back, &err) == 0);
  if (back == NULL)
    return;
  cleanup_free char *text = state_to_json (back, STATUS_RUNNING, false, &len);
  CHECK (text != NULL && len == strlen (text) && text[len - 1] == '\n');
  CHECK (strstr (text, "\"ociVersion\"") != NULL);
  CHECK (strstr (text, "\"status\":\"running\"") != NULL);
  /* it is valid JSON with the fields of the OCI state */
  cleanup_json json_node *doc = json_parse (text, len, &err);
  CHECK (doc != NULL);
  CHECK_STR (json_string (json_get (doc, "id")), "self");
  CHECK_STR (json_string (json_get (doc, "status")), "running");
  CHECK (json_integer (json_get (doc, "pid"), &v) && v == getpid ());
  CHECK_STR (json_string (json_get (doc, "bundle")), "/b");
  CHECK_STR (json_string (json_get (json_get (doc, "annotations"), "k")), "v");

  /* a stopped container reports pid 0 */
  cleanup_free char *stopped = state_to_json (back, STATUS_STOPPED, true, &len);
  cleanup_json json_node *sdoc = json_parse (stopped, len, &err);
  CHECK (sdoc != NULL);
  CHECK_STR (json_string (json_get (sdoc, "status")), "stopped");
  CHECK (json_integer (json_get (sdoc, "pid"), &v) && v == 0);
  CHECK (strchr (stopped, '\n') < stopped + len - 1); /* pretty: several lines */
  state_free (back);
}

/* A state file's annotations deeper than yajl's writer goes (128) made
 * state_to_json write out of bounds and print invalid JSON (found with
 * tests/fuzz/fuzz-state): only string annotations are printed. */
TEST (to_json_deep_annotations)
{
  cleanup_free char *dir = fresh_dir ("deep");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY);
  cleanup_err urun_err err = NULL;
  struct container_state *back = NULL;
  size_t len = 0, n = 200;
  char *p, *file = xmalloc0 (2 * n + 128);

  p = file + sprintf (file, "{\"id\":\"deep\",\"annotations\":{\"k\":\"v\",\"deep\":");
  memset (p, '[', n);
  p[n] = '0';
  memset (p + n + 1, ']', n);
  strcpy (p + 2 * n + 1, "}}");
  CHECK (write_file_atomic_at (dfd, STATE_FILE, file, strlen (file), 0600, &err) == 0);
  free (file);
  /* a reader with a depth limit may refuse it: then there is nothing to print */
  if (state_read (dfd, &back, &err) < 0)
    {
      CHECK (err != NULL && err->msg != NULL);
      return;
    }
  for (int pretty = 0; pretty <= 1; pretty++)
    {
      cleanup_free char *text = state_to_json (back, STATUS_STOPPED, pretty, &len);
      cleanup_json json_node *doc = json_parse (text, len, &err);
      CHECK (doc != NULL);
      CHECK_STR (json_string (json_get (json_get (doc, "annotations"), "k")), "v");
      CHECK (json_get (json_get (doc, "annotations"), "deep") == NULL);
    }
  state_free (back);
}

int
main (void)
{
  const char *base = getenv ("TMPDIR");
  snprintf (tmpdir, sizeof tmpdir, "%s/urun-test-state.XXXXXX", base && base[0] ? base : "/tmp");
  if (mkdtemp (tmpdir) == NULL)
    {
      perror ("mkdtemp");
      return 1;
    }
  RUN (validate_id_accepts);
  RUN (validate_id_rejects);
  RUN (validate_id_messages);
  RUN (root_open_creates_0700);
  RUN (root_open_tightens_mode);
  RUN (root_open_missing_without_create);
  RUN (root_open_refuses_symlink);
  RUN (root_open_refuses_foreign_owner);
  RUN (dir_create_twice);
  RUN (dir_open_and_remove);
  RUN (write_read_round_trip);
  RUN (write_overwrites_and_no_annotations);
  RUN (read_errors);
  RUN (status_running_created_stopped);
  RUN (status_of_dead_child_is_stopped);
  RUN (status_names);
  RUN (to_json);
  RUN (to_json_deep_annotations);
  {
    char *cmd = xasprintf ("rm -rf '%s'", tmpdir);
    if (system (cmd) != 0)
      printf ("# could not remove %s\n", tmpdir);
    free (cmd);
  }
  UNIT_DONE ();
}
