/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the namespace plan: root and rootless callers, joined
 * namespaces, time offsets, no pid namespace, the state root, and what
 * exec joins. */
#include <config.h>
#include "plan.h"
#include "namespaces.h"
#include "util.h"
#include "unit.h"
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* A config with these namespaces ("pid", "user:/proc/1/ns/user", ...). */
static struct spec *
make_spec (const char *const *ns, const char *extra)
{
  cleanup_free char *arr = xstrdup ("");
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  for (size_t i = 0; ns[i]; i++)
    {
      const char *colon = strchr (ns[i], ':');
      char *item = colon ? xasprintf ("{\"type\":\"%.*s\",\"path\":\"%s\"}", (int) (colon - ns[i]), ns[i], colon + 1)
                         : xasprintf ("{\"type\":\"%s\"}", ns[i]);
      char *n = xasprintf ("%s%s%s", arr, i ? "," : "", item);
      free (item);
      free (arr);
      arr = n;
    }
  cleanup_free char *doc = xasprintf ("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                                      "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
                                      "\"linux\":{\"namespaces\":[%s]%s%s}}",
                                      arr, extra ? "," : "", extra ? extra : "");
  if (spec_parse (doc, strlen (doc), &s, &err) < 0)
    printf ("# spec_parse: %s\n", err->msg);
  return s;
}

static const struct plan_host root = { .euid = 0, .egid = 0 };
static const struct plan_host user = { .euid = 1000, .egid = 1000, .xdg_runtime_dir = "/run/user/1000" };
static const char *const maps = "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1},"
                                "{\"containerID\":1,\"hostID\":100000,\"size\":65536}],"
                                "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]";

TEST (root_all_new)
{
  static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &root, NULL, &p, &err) == 0);
  CHECK (p.clone_flags == (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP));
  CHECK (p.unshare_flags == 0 && p.n_join == 0 && !p.fork);
  CHECK (!p.new_userns && !p.in_userns && !p.rootless);
  CHECK (p.uid_map == PLAN_MAP_NONE && p.protect_exe);
  CHECK (p.exec_flags == p.clone_flags);
}

TEST (rootless_new_userns_helper_and_own_maps)
{
  static const char *const ns[] = { "pid", "mount", "user", NULL };
  cleanup_spec struct spec *s = make_spec (ns, maps);
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &user, NULL, &p, &err) == 0);
  CHECK (p.rootless && p.new_userns && p.in_userns);
  CHECK (p.clone_flags & CLONE_NEWUSER);
  /* the uid map has subordinate ids: newuidmap; the gid map is only our own */
  CHECK (p.uid_map == PLAN_MAP_HELPER);
  CHECK (p.gid_map == PLAN_MAP_OWN);
  /* the binary is not the user's: no need to hide urun's process */
  CHECK (!p.protect_exe);
  struct plan_host w = user;
  w.can_write_exe = true;
  CHECK (plan_build (s, &w, NULL, &p, &err) == 0 && p.protect_exe);
}

TEST (root_maps_directly)
{
  static const char *const ns[] = { "mount", "user", NULL };
  cleanup_spec struct spec *s = make_spec (ns, maps);
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &root, NULL, &p, &err) == 0);
  CHECK (p.new_userns && p.uid_map == PLAN_MAP_DIRECT && p.gid_map == PLAN_MAP_DIRECT && !p.rootless);
}

TEST (rootless_without_userns_refused)
{
  static const char *const ns[] = { "pid", "mount", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &user, NULL, &p, &err) < 0);
  CHECK (err && strstr (err->msg, "user namespace") && err->topic == URUN_TOPIC_ROOTLESS_SPEC);
}

/* what create does for that caller: a user namespace of urun's making */
TEST (rootless_without_userns_gets_one_added)
{
  static const char *const ns[] = { "pid", "mount", NULL };
  static const struct spec_id_mapping um[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } }, gm[] = { { 0, 1000, 1 } };
  cleanup_spec struct spec *s = make_spec (ns, "\"sysctl\":{\"kernel.shmmax\":\"1\"}");
  cleanup_spec struct spec *s2 = NULL;
  cleanup_err urun_err err = NULL;
  cleanup_free char *text = NULL;
  size_t len;
  struct plan p;
  CHECK (s && plan_adds_userns (s, &user) && !plan_adds_userns (s, &root));
  if (s == NULL)
    return;
  text = spec_text_add_userns (s->doc, um, 2, gm, 1, &len);
  CHECK (strlen (text) == len && spec_parse (text, len, &s2, &err) == 0);
  if (s2 == NULL)
    return;
  CHECK (!plan_adds_userns (s2, &user));
  CHECK (s2->n_namespaces == 3 && s2->n_uid_mappings == 2 && s2->n_gid_mappings == 1);
  CHECK (s2->uid_mappings[1].host_id == 100000 && s2->uid_mappings[1].size == 65536);
  CHECK (s2->n_sysctls == 1 && strcmp (s2->process->args[0], "sh") == 0);
  CHECK (plan_build (s2, &user, NULL, &p, &err) == 0 && p.new_userns && p.rootless);
}

TEST (no_mount_namespace_refused)
{
  static const char *const ns[] = { "pid", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &root, NULL, &p, &err) < 0);
  CHECK (err && strstr (err->msg, "mount namespace"));
}

TEST (joined_userns_unshares_the_rest_inside)
{
  static const char *const ns[] = { "mount", "pid", "network", "user:/proc/1/ns/user", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &root, NULL, &p, &err) == 0);
  CHECK (p.joins_userns && !p.new_userns && p.in_userns);
  CHECK (p.clone_flags == 0);
  CHECK (p.unshare_flags == (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET));
  /* an unshared pid namespace holds our children: the child forks */
  CHECK (p.fork);
  CHECK (p.n_join == 1 && s->namespaces[p.join[0]].type == CLONE_NEWUSER);
}

TEST (join_order_user_first_mount_last)
{
  static const char *const ns[] = { "mount:/m", "network:/n", "user:/u", "ipc:/i", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan p;
  /* a config that joins its mount namespace is planned; the child refuses nothing here */
  CHECK (s && plan_build (s, &root, NULL, &p, &err) == 0);
  CHECK (p.n_join == 4);
  CHECK (s->namespaces[p.join[0]].type == CLONE_NEWUSER);
  CHECK (s->namespaces[p.join[1]].type == CLONE_NEWIPC);
  CHECK (s->namespaces[p.join[2]].type == CLONE_NEWNET);
  CHECK (s->namespaces[p.join[3]].type == CLONE_NEWNS);
}

TEST (joined_pid_namespace_forks)
{
  static const char *const ns[] = { "mount", "pid:/proc/1/ns/pid", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &root, NULL, &p, &err) == 0);
  CHECK (p.fork && p.clone_flags == CLONE_NEWNS && p.unshare_flags == 0);
}

TEST (no_pid_namespace_no_fork)
{
  static const char *const ns[] = { "mount", "uts", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &root, NULL, &p, &err) == 0);
  CHECK (!p.fork && !(p.clone_flags & CLONE_NEWPID) && !(p.exec_flags & CLONE_NEWPID));
}

TEST (time_offsets_unshared_with_pid)
{
  static const char *const ns[] = { "mount", "pid", "time", NULL };
  cleanup_spec struct spec *s = make_spec (ns, "\"timeOffsets\":{\"monotonic\":{\"secs\":100,\"nanosecs\":0}}");
  cleanup_err urun_err err = NULL;
  struct plan p;
  CHECK (s && plan_build (s, &root, NULL, &p, &err) == 0);
  CHECK (!(p.clone_flags & (CLONE_NEWTIME | CLONE_NEWPID)) && (p.clone_flags & CLONE_NEWNS));
  CHECK (p.unshare_flags == (CLONE_NEWTIME | CLONE_NEWPID));
  CHECK (p.fork);
  /* without offsets the time namespace is cloned like the rest */
  cleanup_spec struct spec *s2 = make_spec (ns, NULL);
  CHECK (s2 && plan_build (s2, &root, NULL, &p, &err) == 0);
  CHECK ((p.clone_flags & CLONE_NEWTIME) && (p.clone_flags & CLONE_NEWPID) && !p.fork);
}

TEST (exec_joins_what_is_not_ours)
{
  static const char *const ns[] = { "mount", "pid", "network:/proc/1/ns/net", "ipc:/x/ipc", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan p;
  /* the network path is the caller's own namespace; the ipc one is not */
  bool same[SPEC_MAX_NAMESPACES] = { false, false, true, false };
  CHECK (s && plan_build (s, &root, same, &p, &err) == 0);
  CHECK (p.exec_flags == (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC));
}

TEST (root_in_a_user_namespace_is_rootless)
{
  static const char *const ns[] = { "pid", "mount", NULL };
  cleanup_spec struct spec *s = make_spec (ns, NULL);
  cleanup_err urun_err err = NULL;
  struct plan_host h = { .euid = 0, .in_userns = true, .xdg_runtime_dir = "/run/user/1000", .user = "alice" };
  struct plan p;
  cleanup_free char *rootdir = NULL;
  /* podman's way: uid 0 in its own user namespace, no user namespace in the config */
  CHECK (s && plan_build (s, &h, NULL, &p, &err) == 0);
  CHECK (p.rootless && p.in_userns && !p.new_userns);
  CHECK (plan_state_root (&h, NULL, "/", &rootdir, &err) == 0);
  CHECK_STR (rootdir, "/run/user/1000/urun");
}

TEST (state_root_choice)
{
  cleanup_err urun_err err = NULL;
  char *r = NULL;
  struct plan_host h = user;
  CHECK (plan_state_root (&root, NULL, "/", &r, &err) == 0);
  CHECK_STR (r, "/run/urun");
  free (r);
  /* real root ignores XDG_RUNTIME_DIR (runc keeps /run/runc) */
  struct plan_host rx = root;
  rx.xdg_runtime_dir = "/run/user/0";
  CHECK (plan_state_root (&rx, NULL, "/", &r, &err) == 0);
  CHECK_STR (r, "/run/urun");
  free (r);
  CHECK (plan_state_root (&user, NULL, "/", &r, &err) == 0);
  CHECK_STR (r, "/run/user/1000/urun");
  free (r);
  CHECK (plan_state_root (&user, "rel/dir", "/home/x", &r, &err) == 0);
  CHECK_STR (r, "/home/x/rel/dir");
  free (r);
  CHECK (plan_state_root (&user, "/abs", "/home/x", &r, &err) == 0);
  CHECK_STR (r, "/abs");
  free (r);
  /* root in a user namespace as USER=root: /run/urun, as runc */
  struct plan_host ru = { .euid = 0, .in_userns = true, .xdg_runtime_dir = "/run/user/0", .user = "root" };
  CHECK (plan_state_root (&ru, NULL, "/", &r, &err) == 0);
  CHECK_STR (r, "/run/urun");
  free (r);
  /* an unprivileged user without XDG_RUNTIME_DIR: the error says so */
  h.xdg_runtime_dir = NULL;
  CHECK (plan_state_root (&h, NULL, "/", &r, &err) < 0);
  CHECK (err && strstr (err->msg, "XDG_RUNTIME_DIR") && err->topic == URUN_TOPIC_STATE_ROOT);
}

int
main (void)
{
  RUN (root_all_new);
  RUN (rootless_new_userns_helper_and_own_maps);
  RUN (root_maps_directly);
  RUN (rootless_without_userns_refused);
  RUN (rootless_without_userns_gets_one_added);
  RUN (no_mount_namespace_refused);
  RUN (joined_userns_unshares_the_rest_inside);
  RUN (join_order_user_first_mount_last);
  RUN (joined_pid_namespace_forks);
  RUN (no_pid_namespace_no_fork);
  RUN (time_offsets_unshared_with_pid);
  RUN (exec_joins_what_is_not_ours);
  RUN (root_in_a_user_namespace_is_rootless);
  RUN (state_root_choice);
  UNIT_DONE ();
}
