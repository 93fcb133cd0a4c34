/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the config.json parser: fields land in the structures, every
 * error names its field, mount options, the default config, signal names. */
#include <config.h>
#include "spec.h"
#include "log.h"
#include "procattr.h"
#include "process.h"
#include "util.h"
#include "unit.h"
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

/* Configs are written with ' for " to keep them readable. */
static char *
dq (const char *t)
{
  char *s = xstrdup (t);
  for (char *p = s; *p; p++)
    if (*p == '\'')
      *p = '"';
  return s;
}

static int
parse (const char *t, struct spec **out, urun_err *err)
{
  cleanup_free char *s = dq (t);
  *out = NULL;
  return spec_parse (s, strlen (s), out, err);
}

/* Parse must fail and its message must contain every non-NULL needle. */
static int
fails_with (const char *t, const char *needle1, const char *needle2)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  int r = parse (t, &s, &err);
  int ok = 1;
  if (r == 0 || s != NULL)
    {
      printf ("# parse unexpectedly succeeded: %s\n", t);
      spec_free (s);
      return 0;
    }
  if (err == NULL || err->msg == NULL)
    {
      printf ("# parse failed without a message: %s\n", t);
      return 0;
    }
  if (needle1 && strstr (err->msg, needle1) == NULL)
    ok = 0;
  if (needle2 && strstr (err->msg, needle2) == NULL)
    ok = 0;
  if (getenv ("UNIT_VERBOSE"))
    printf ("# error: %s\n", err->msg);
  if (!ok)
    printf ("# message `%s` lacks `%s`%s%s\n", err->msg, needle1 ? needle1 : "",
            needle2 ? " / " : "", needle2 ? needle2 : "");
  return ok;
}

#define MIN_PROCESS "'process': {'args': ['sh'], 'cwd': '/'}"
#define MIN_HEAD "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, "

static const char *const full_config
  = "{"
    "'ociVersion': '1.2.0',"
    "'root': {'path': '/var/lib/c/rootfs', 'readonly': true},"
    "'hostname': 'box', 'domainname': 'example.org',"
    "'process': {"
    "  'terminal': true,"
    "  'consoleSize': {'height': 24, 'width': 80},"
    "  'user': {'uid': 1000, 'gid': 1001, 'umask': 18, 'additionalGids': [5, 6, 7]},"
    "  'args': ['/bin/sh', '-c', 'echo hi'],"
    "  'env': ['PATH=/usr/bin:/bin', 'TERM=xterm', 'EMPTY='],"
    "  'cwd': '/home/user',"
    "  'capabilities': {"
    "    'bounding': ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN'],"
    "    'effective': ['CAP_KILL'],"
    "    'permitted': ['CAP_KILL', 'CAP_CHOWN'],"
    "    'ambient': []},"
    "  'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': 4096},"
    "              {'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 18446744073709551615}],"
    "  'noNewPrivileges': true,"
    "  'oomScoreAdj': -500},"
    "'mounts': ["
    "  {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
    "  {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'strictatime', 'mode=755', 'size=65536k']},"
    "  {'destination': '/data', 'type': 'bind', 'source': '/srv/data', 'options': ['rbind', 'ro', 'rprivate']},"
    "  {'destination': '/etc/hosts', 'source': '/etc/hosts', 'options': ['bind']}],"
    "'hooks': {"
    "  'prestart': [{'path': '/usr/bin/hook', 'args': ['hook', 'pre'], 'env': ['A=1'], 'timeout': 5}],"
    "  'poststop': [{'path': '/usr/bin/stop'}, {'path': '/usr/bin/stop2', 'timeout': 30}]},"
    "'annotations': {'org.example.key': 'value', 'second': ''},"
    "'linux': {"
    "  'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/proc/1/ns/net'},"
    "                 {'type': 'mount'}, {'type': 'uts'}, {'type': 'user'}],"
    "  'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1},"
    "                  {'containerID': 1, 'hostID': 100000, 'size': 65536}],"
    "  'gidMappings': [{'containerID': 0, 'hostID': 1001, 'size': 1}],"
    "  'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229, 'fileMode': 438, 'uid': 0, 'gid': 0},"
    "              {'path': '/dev/myfifo', 'type': 'p'}],"
    "  'maskedPaths': ['/proc/kcore', '/proc/keys'],"
    "  'readonlyPaths': ['/proc/sys'],"
    "  'rootfsPropagation': 'rslave',"
    "  'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.msgmax': '65536'},"
    "  'cgroupsPath': '/urun/box',"
    "  'resources': {'devices': [{'allow': false, 'access': 'rwm'}], 'memory': {'limit': 1048576}}"
    "}}";

TEST (parse_full_config_top_level)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (parse (full_config, &s, &err) == 0);
  if (s == NULL)
    {
      printf ("# %s\n", err ? err->msg : "?");
      return;
    }
  CHECK_STR (s->oci_version, "1.2.0");
  CHECK_STR (s->root_path, "/var/lib/c/rootfs");
  CHECK (s->root_readonly);
  CHECK (s->has_hostname && s->has_domainname);
  CHECK_STR (s->hostname, "box");
  CHECK_STR (s->domainname, "example.org");
  CHECK (s->n_annotations == 2);
  CHECK_STR (s->annotations[0].key, "org.example.key");
  CHECK_STR (s->annotations[0].value, "value");
  CHECK_STR (s->annotations[1].key, "second");
  CHECK_STR (s->annotations[1].value, "");
  CHECK (s->doc != NULL);
  spec_free (s);
}

TEST (parse_full_config_process)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (parse (full_config, &s, &err) == 0);
  if (s == NULL)
    return;
  struct spec_process *p = s->process;
  CHECK (p != NULL);
  if (p == NULL)
    {
      spec_free (s);
      return;
    }
  CHECK (p->terminal);
  CHECK (p->has_console_size && p->console_height == 24 && p->console_width == 80);
  CHECK (p->user.uid == 1000 && p->user.gid == 1001);
  CHECK (p->user.has_umask && p->user.umask == 18);
  CHECK (p->user.n_additional_gids == 3);
  CHECK (p->user.additional_gids[0] == 5 && p->user.additional_gids[2] == 7);
  CHECK (strv_len (p->args) == 3);
  CHECK_STR (p->args[0], "/bin/sh");
  CHECK_STR (p->args[2], "echo hi");
  CHECK (strv_len (p->env) == 3);
  CHECK_STR (spec_env_get (p->env, "PATH"), "/usr/bin:/bin");
  CHECK_STR (spec_env_get (p->env, "EMPTY"), "");
  CHECK (spec_env_get (p->env, "PAT") == NULL);
  CHECK_STR (p->cwd, "/home/user");
  CHECK (p->has_caps);
  int kill = spec_cap_from_name ("CAP_KILL"), nbs = spec_cap_from_name ("CAP_NET_BIND_SERVICE");
  int sa = spec_cap_from_name ("CAP_SYS_ADMIN"), chown_ = spec_cap_from_name ("CAP_CHOWN");
  CHECK (kill >= 0 && nbs >= 0 && sa >= 0 && chown_ >= 0);
  CHECK (p->caps[CAPS_BOUNDING] == ((1ULL << kill) | (1ULL << nbs) | (1ULL << sa)));
  CHECK (p->caps[CAPS_EFFECTIVE] == (1ULL << kill));
  CHECK (p->caps[CAPS_PERMITTED] == ((1ULL << kill) | (1ULL << chown_)));
  CHECK (p->caps[CAPS_INHERITABLE] == 0);
  CHECK (p->caps[CAPS_AMBIENT] == 0);
  CHECK (p->n_rlimits == 2);
  CHECK (p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 4096);
  CHECK (p->rlimits[1].resource == RLIMIT_CORE && p->rlimits[1].soft == 0);
  CHECK (p->rlimits[1].hard == UINT64_MAX);
  CHECK (p->no_new_privileges);
  CHECK (p->has_oom_score_adj && p->oom_score_adj == -500);
  spec_free (s);
}

TEST (parse_full_config_mounts)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (parse (full_config, &s, &err) == 0);
  if (s == NULL)
    return;
  CHECK (s->n_mounts == 4);
  if (s->n_mounts == 4)
    {
      CHECK_STR (s->mounts[0].destination, "/proc");
      CHECK_STR (s->mounts[0].type, "proc");
      CHECK (!s->mounts[0].bind && s->mounts[0].flags == 0 && s->mounts[0].data == NULL);
      CHECK (s->mounts[1].flags == (MS_NOSUID | MS_STRICTATIME));
      CHECK_STR (s->mounts[1].data, "mode=755,size=65536k");
      CHECK (s->mounts[2].bind);
      CHECK ((s->mounts[2].flags & (MS_BIND | MS_REC | MS_RDONLY)) == (MS_BIND | MS_REC | MS_RDONLY));
      CHECK (s->mounts[2].propagation == (MS_PRIVATE | MS_REC));
      CHECK_STR (s->mounts[2].source, "/srv/data");
      /* no type, but "bind" in the options */
      CHECK (s->mounts[3].bind && s->mounts[3].type == NULL);
      CHECK ((s->mounts[3].flags & (MS_BIND | MS_REC)) == MS_BIND);
    }
  spec_free (s);
}

TEST (parse_full_config_hooks)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (parse (full_config, &s, &err) == 0);
  if (s == NULL)
    return;
  CHECK (s->n_hooks[HOOK_PRESTART] == 1);
  CHECK (s->n_hooks[HOOK_POSTSTOP] == 2);
  CHECK (s->n_hooks[HOOK_CREATE_RUNTIME] == 0 && s->n_hooks[HOOK_POSTSTART] == 0);
  if (s->n_hooks[HOOK_PRESTART] == 1 && s->n_hooks[HOOK_POSTSTOP] == 2)
    {
      struct spec_hook *h = &s->hooks[HOOK_PRESTART][0];
      CHECK_STR (h->path, "/usr/bin/hook");
      CHECK (strv_len (h->args) == 2);
      CHECK_STR (h->args[1], "pre");
      CHECK_STR (h->env[0], "A=1");
      CHECK (h->timeout == 5);
      CHECK_STR (s->hooks[HOOK_POSTSTOP][0].path, "/usr/bin/stop");
      CHECK (s->hooks[HOOK_POSTSTOP][0].timeout == 0);
      CHECK (s->hooks[HOOK_POSTSTOP][1].timeout == 30);
    }
  spec_free (s);
}

TEST (parse_full_config_linux)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (parse (full_config, &s, &err) == 0);
  if (s == NULL)
    return;
  CHECK (s->n_namespaces == 5);
  const struct spec_namespace *net = spec_find_namespace (s, CLONE_NEWNET);
  const struct spec_namespace *pid = spec_find_namespace (s, CLONE_NEWPID);
  CHECK (net != NULL && net->path != NULL && strcmp (net->path, "/proc/1/ns/net") == 0);
  CHECK (pid != NULL && pid->path == NULL);
  CHECK (spec_find_namespace (s, CLONE_NEWUSER) != NULL);
  CHECK (spec_find_namespace (s, CLONE_NEWIPC) == NULL);
  CHECK (spec_find_namespace (s, CLONE_NEWCGROUP) == NULL);
  CHECK (s->n_uid_mappings == 2 && s->n_gid_mappings == 1);
  CHECK (s->uid_mappings[1].container_id == 1 && s->uid_mappings[1].host_id == 100000
         && s->uid_mappings[1].size == 65536);
  CHECK (s->gid_mappings[0].container_id == 0 && s->gid_mappings[0].host_id == 1001 && s->gid_mappings[0].size == 1);
  CHECK (s->n_devices == 2);
  if (s->n_devices == 2)
    {
      CHECK_STR (s->devices[0].path, "/dev/fuse");
      CHECK (s->devices[0].type == 'c' && s->devices[0].major == 10 && s->devices[0].minor == 229);
      CHECK (s->devices[0].has_mode && s->devices[0].mode == 0666);
      CHECK (s->devices[0].has_uid && s->devices[0].has_gid && s->devices[0].uid == 0);
      CHECK (s->devices[1].type == 'p' && !s->devices[1].has_mode && !s->devices[1].has_uid);
    }
  CHECK (strv_len (s->masked_paths) == 2);
  CHECK_STR (s->masked_paths[1], "/proc/keys");
  CHECK (strv_len (s->readonly_paths) == 1);
  CHECK_STR (s->readonly_paths[0], "/proc/sys");
  CHECK (s->rootfs_propagation == (MS_SLAVE | MS_REC));
  CHECK (s->n_sysctls == 2);
  CHECK_STR (s->sysctls[0].key, "net.ipv4.ip_forward");
  CHECK_STR (s->sysctls[0].value, "1");
  CHECK_STR (s->sysctls[1].key, "kernel.msgmax");
  CHECK_STR (s->cgroups_path, "/urun/box");
  CHECK (s->resources != NULL);
  spec_free (s);
}

TEST (parse_minimal_defaults)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (parse (MIN_HEAD MIN_PROCESS "}", &s, &err) == 0);
  if (s == NULL)
    return;
  CHECK (!s->root_readonly && !s->has_hostname && s->n_mounts == 0 && s->n_namespaces == 0);
  CHECK (s->process && !s->process->terminal && !s->process->has_caps && s->process->n_rlimits == 0);
  CHECK (s->process && s->process->env != NULL && s->process->env[0] == NULL);
  CHECK (s->process && s->process->user.uid == 0 && !s->process->user.has_umask);
  CHECK (s->rootfs_propagation == 0 && s->resources == NULL);
  spec_free (s);
  /* no process at all is valid (create-only bundles) */
  CHECK (parse ("{'ociVersion': '1.0.2', 'root': {'path': 'r'}}", &s, &err) == 0);
  CHECK (s != NULL && s->process == NULL);
  spec_free (s);
}

TEST (namespace_with_path_needs_no_mappings)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  /* joining an existing user namespace: its maps are already written */
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'user', 'path': '/proc/1/ns/user'}]}}", &s, &err) == 0);
  CHECK (s != NULL && s->n_namespaces == 1 && s->namespaces[0].type == CLONE_NEWUSER);
  spec_free (s);
  /* every namespace type is known */
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'network'}, {'type': 'ipc'},"
                " {'type': 'uts'}, {'type': 'mount'}, {'type': 'cgroup'}, {'type': 'time'}]}}", &s, &err) == 0);
  CHECK (s != NULL && s->n_namespaces == 7);
  spec_free (s);
}

TEST (error_malformed_json)
{
  CHECK (fails_with ("{\n'ociVersion': '1.2.0',\n'root': {'path': 'r'},,\n}", "line 3", NULL));
  CHECK (fails_with ("{'ociVersion': ", "line", NULL));
  CHECK (fails_with ("[1, 2]", "object", NULL));
}

TEST (error_missing_oci_version)
{
  CHECK (fails_with ("{'root': {'path': 'r'}, " MIN_PROCESS "}", "ociVersion", "missing"));
  CHECK (fails_with ("{'ociVersion': 1, 'root': {'path': 'r'}}", "ociVersion", "string"));
}

TEST (error_root)
{
  CHECK (fails_with ("{'ociVersion': '1.2.0', " MIN_PROCESS "}", "root", "missing"));
  CHECK (fails_with ("{'ociVersion': '1.2.0', 'root': {}, " MIN_PROCESS "}", "root.path", "missing"));
  CHECK (fails_with ("{'ociVersion': '1.2.0', 'root': {'path': ''}}", "root.path", "empty"));
  CHECK (fails_with ("{'ociVersion': '1.2.0', 'root': {'path': 'r', 'readonly': 'yes'}}", "root.readonly", "boolean"));
  CHECK (fails_with ("{'ociVersion': '1.2.0', 'root': 'r'}", "root", "object"));
}

TEST (error_process_args)
{
  CHECK (fails_with (MIN_HEAD "'process': {'cwd': '/'}}", "process.args", "missing"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': 'sh', 'cwd': '/'}}", "process.args", "array"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': [], 'cwd': '/'}}", "process.args", NULL));
  CHECK (fails_with (MIN_HEAD "'process': {'args': [''], 'cwd': '/'}}", "process.args", NULL));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh', 1], 'cwd': '/'}}", "process.args[1]", "string"));
}

TEST (error_wrong_types)
{
  CHECK (fails_with (MIN_HEAD "'process': {'terminal': 'yes', 'args': ['sh'], 'cwd': '/'}}", "process.terminal", "boolean"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'user': {'uid': '0'}}}", "process.user.uid", "integer"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'user': {'uid': -1}}}", "process.user.uid", "range"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'user': {'uid': 4294967296}}}", "process.user.uid", "range"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'noNewPrivileges': 1}}", "process.noNewPrivileges", NULL));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'oomScoreAdj': 1001}}", "process.oomScoreAdj", "range"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'env': ['NOEQUALS']}}", "process.env[0]", NULL));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'env': ['=x']}}", "process.env[0]", NULL));
  CHECK (fails_with (MIN_HEAD "'process': 'sh'}", "process", "object"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'hostname': 5}", "hostname", "string"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'annotations': {'a': 1}}", "annotations.a", NULL));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'mounts': {}}", "mounts", "array"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'sysctl': {'a.b': 1}}}", "linux.sysctl", NULL));
}

/* ids above 2^31-1 would run as root (setresuid (-1) changes nothing) */
TEST (error_user_ids_out_of_range)
{
#define U(x) MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'user': " x "}}"
  CHECK (fails_with (U ("{'uid': 4294967295}"), "`process.user.uid`", "4294967295 out of range"));
  CHECK (fails_with (U ("{'uid': 2147483648}"), "`process.user.uid`", "0 to 2147483647"));
  CHECK (fails_with (U ("{'gid': 4294967295}"), "`process.user.gid`", "out of range"));
  CHECK (fails_with (U ("{'gid': 2147483648}"), "`process.user.gid`", "out of range"));
  CHECK (fails_with (U ("{'additionalGids': [5, 4294967295]}"), "`process.user.additionalGids[1]`", "out of range"));
  CHECK (fails_with (U ("{'additionalGids': [2147483648]}"), "`process.user.additionalGids[0]`", "out of range"));
  CHECK (fails_with (U ("{'additionalGids': [-1]}"), "`process.user.additionalGids[0]`", "out of range"));
  CHECK (fails_with (U ("{'additionalGids': ['5']}"), "`process.user.additionalGids[0]`", "integer"));
  /* the largest id is fine */
  {
    struct spec *sp = NULL;
    cleanup_err urun_err err = NULL;
    CHECK (parse (U ("{'uid': 2147483647, 'gid': 2147483647, 'additionalGids': [2147483647, 0]}"), &sp, &err) == 0);
    CHECK (sp && sp->process->user.uid == 2147483647 && sp->process->user.gid == 2147483647);
    CHECK (sp && sp->process->user.n_additional_gids == 2 && sp->process->user.additional_gids[0] == 2147483647);
    spec_free (sp);
  }
  /* exec --process is parsed by the same code */
  {
    const char *t = "{\"args\": [\"id\"], \"user\": {\"uid\": 4294967295}}";
    struct spec_process *p = NULL;
    cleanup_err urun_err err = NULL;
    CHECK (spec_parse_process (t, strlen (t), &p, &err) < 0);
    CHECK (err != NULL && strstr (err->msg, "process.user.uid") != NULL);
    spec_process_free (p);
  }
#undef U
}

TEST (error_process_cwd)
{
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh']}}", "process.cwd", "missing"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': 'home'}}", "process.cwd", "absolute"));
}

TEST (error_namespaces)
{
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'bogus'}]}}", "linux.namespaces[0].type", "bogus"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'ipc'}, {'type': 'pid'}]}}",
                     "linux.namespaces[2]", "duplicate"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'path': '/x'}]}}", "linux.namespaces[0].type", NULL));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'net', 'path': 'x'}]}}", "linux.namespaces[0]", NULL));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'network', 'path': 'proc/1/ns/net'}]}}",
                     "linux.namespaces[0]", "absolute"));
}

TEST (error_mounts)
{
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'mounts': [{'destination': 'proc', 'type': 'proc'}]}", "mounts[0]", "absolute"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'mounts': [{'destination': '/proc', 'type': 'proc'}, {'type': 'tmpfs'}]}",
                     "mounts[1].destination", "missing"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'mounts': [{'destination': '/x', 'options': ['bind']}]}", "mounts[0].source", NULL));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'mounts': [{'destination': '/x', 'source': 'y'}]}", "mounts[0].type", "missing"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'mounts': [{'destination': '/x', 'type': 'bind', 'source': '/y', 'options': ['idmap']}]}",
                     "mounts[0]", "idmap"));
}

TEST (error_capabilities_and_rlimits)
{
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'capabilities': {'effective': 'CAP_KILL'}}}",
                     "process.capabilities.effective", "array"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'rlimits': [{'type': 'RLIMIT_BOGUS', 'soft': 1, 'hard': 1}]}}",
                     "process.rlimits[0].type", "RLIMIT_BOGUS"));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1}]}}",
                     "process.rlimits[0].soft", NULL));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1},"
                     " {'type': 'RLIMIT_NOFILE', 'soft': 2, 'hard': 2}]}}",
                     "process.rlimits[1].type", "duplicate"));
}

static int warnings;
static char last_warning[256];
static void
count_warning (void *data, enum urun_log_level level, const char *msg)
{
  (void) data;
  if (level == URUN_LOG_WARNING)
    {
      warnings++;
      snprintf (last_warning, sizeof last_warning, "%s", msg);
    }
}

/* the spec: a runtime SHOULD NOT fail on a capability it cannot grant */
TEST (unknown_capability_warns_once)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  urun_log_set_sink (count_warning, NULL);
  warnings = 0;
  CHECK (parse (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'capabilities': {'bounding': ['CAP_KILL', 'CAP_BOGUS',"
                " 'CAP_BOGUS'], 'effective': ['CAP_BOGUS', 'KILL']}}}",
                &s, &err)
         == 0);
  urun_log_set_sink (NULL, NULL);
  CHECK (warnings == 2);
  CHECK (strstr (last_warning, "process.capabilities.effective") && strstr (last_warning, "KILL"));
  if (s)
    {
      CHECK (s->process->caps[CAPS_BOUNDING] == 1ULL << 5);
      CHECK (s->process->caps[CAPS_EFFECTIVE] == 0);
      spec_free (s);
    }
}

TEST (oci_versions)
{
  static const char *const good[] = { "1.0.0", "1.0.2-dev", "1.2.0", "1.3.0+dev", "1.10.11", "1.0.0-rc.1", NULL };
  static const char *const bad[] = { "", "1", "1.0", "2.0.0", "0.9.0", "1.0.0.0", "v1.0.0", "01.0.0", "1.0.0-",
                                     "1.0.x", "1..0", " 1.0.0", "1.0.0 ", "99999999999999999999.0.0", NULL };
  for (size_t i = 0; good[i]; i++)
    CHECK (spec_version_supported (good[i]));
  for (size_t i = 0; bad[i]; i++)
    CHECK (!spec_version_supported (bad[i]));
  CHECK (fails_with ("{'ociVersion': '2.0.0', 'root': {'path': 'r'}, " MIN_PROCESS "}", "ociVersion", "2.0.0"));
  CHECK (spec_version_supported (SPEC_OCI_VERSION_MIN) && spec_version_supported (SPEC_OCI_VERSION_MAX));
}

TEST (process_attributes)
{
  uint64_t m[16];
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (procattr_parse_cpus ("0-3,7", m) && m[0] == 0x8f && m[1] == 0);
  CHECK (procattr_parse_cpus ("1023", m) && m[15] == 1ULL << 63);
  CHECK (!procattr_parse_cpus ("", m) && !procattr_parse_cpus ("3-1", m) && !procattr_parse_cpus ("1024", m));
  CHECK (!procattr_parse_cpus ("0,", m) && !procattr_parse_cpus ("a", m) && !procattr_parse_cpus ("0-", m));
  CHECK (parse (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'scheduler': {'policy': 'SCHED_FIFO', 'priority': 10,"
                " 'flags': ['SCHED_FLAG_RESET_ON_FORK']}, 'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 4},"
                " 'apparmorProfile': ''}, 'linux': {'namespaces': [{'type': 'mount'}], 'personality': {'domain': 'LINUX'}}}",
                &s, &err)
         == 0);
  if (s)
    {
      const struct procattr *a = &s->process->attr;
      CHECK (a->has_sched && a->sched_policy == SCHED_FIFO && a->sched_priority == 10 && a->sched_flags == 1);
      CHECK (a->has_ioprio && a->ioprio == (2 << 13 | 4) && a->apparmor_profile == NULL);
      CHECK (s->linux_attr.has_personality && s->linux_attr.personality == 0);
      spec_free (s);
    }
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'ioPriority': {'class': 'IOPRIO_CLASS_BE', "
                     "'priority': 8}}}", "process.ioPriority.priority", NULL));
  CHECK (fails_with (MIN_HEAD "'process': {'args': ['sh'], 'cwd': '/', 'scheduler': {'nice': 1}}}",
                     "process.scheduler.policy", "missing"));
}

TEST (cap_and_rlimit_names)
{
  CHECK (spec_cap_from_name ("CAP_CHOWN") == 0);
  CHECK (spec_cap_from_name ("CAP_KILL") == 5);
  CHECK (spec_cap_from_name ("CAP_SYS_ADMIN") == 21);
  CHECK (spec_cap_from_name ("cap_kill") == 5);
  CHECK (spec_cap_from_name ("KILL") == -1);
  CHECK (spec_cap_from_name ("CAP_NOPE") == -1);
  CHECK (spec_cap_from_name ("") == -1);
  CHECK (spec_rlimit_from_name ("RLIMIT_NOFILE") == RLIMIT_NOFILE);
  CHECK (spec_rlimit_from_name ("RLIMIT_STACK") == RLIMIT_STACK);
  CHECK (spec_rlimit_from_name ("NOFILE") == -1);
  CHECK (spec_namespace_type ("network") == CLONE_NEWNET);
  CHECK (spec_namespace_type ("net") == -1);
  CHECK_STR (spec_namespace_name (CLONE_NEWUTS), "uts");
}

TEST (error_cross_field_rules)
{
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'hostname': 'box'}", "hostname", "uts"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'hostname': 'box', 'linux': {'namespaces': [{'type': 'pid'}]}}", "hostname", "uts"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'user'}]}}", "uidMappings", NULL));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'user'}],"
                     " 'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}}", "gidMappings", NULL));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
                     " 'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}}", "user namespace", NULL));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'namespaces': [{'type': 'user'}],"
                     " 'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 0}],"
                     " 'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}}", "linux.uidMappings[0].size", NULL));
  /* an empty hostname needs no uts namespace */
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'hostname': ''}", &s, &err) == 0);
  spec_free (s);
}

TEST (error_other_linux_fields)
{
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'devices': [{'path': '/dev/x', 'type': 'x', 'major': 1, 'minor': 1}]}}",
                     "linux.devices[0].type", NULL));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'devices': [{'path': 'dev/x', 'type': 'c', 'major': 1, 'minor': 1}]}}",
                     "linux.devices[0]", "absolute"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'maskedPaths': ['proc/kcore']}}", "linux.maskedPaths", "absolute"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'readonlyPaths': ['/ok', 'rel']}}", "linux.readonlyPaths", "absolute"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'rootfsPropagation': 'sideways'}}", "linux.rootfsPropagation", "sideways"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'linux': {'sysctl': {'../../etc/passwd': 'x'}}}", "linux.sysctl", "invalid key"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'hooks': {'prestart': [{'path': 'rel'}]}}", "hooks.prestart[0]", "absolute"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'hooks': {'poststop': [{'args': []}]}}", "hooks.poststop[0].path", "missing"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'hooks': {'prestart': [{'path': '/h', 'timeout': 0}]}}", "hooks.prestart[0]", "timeout"));
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'hooks': {'prestart': [{'path': '/h', 'timeout': 'x'}]}}", "hooks.prestart[0]", "timeout"));
}

static void
mount_opts (struct spec_mount *m, const char *const *opts)
{
  size_t n = 0;
  while (opts[n])
    n++;
  memset (m, 0, sizeof *m);
  m->options = xmalloc0 ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    m->options[i] = xstrdup (opts[i]);
}

static void
mount_clear (struct spec_mount *m)
{
  strv_free (m->options);
  free (m->data);
  memset (m, 0, sizeof *m);
}

TEST (mount_options_flags)
{
  static const char *const o[] = { "ro", "nosuid", "nodev", "noexec", "noatime", "nodiratime", "relatime", NULL };
  struct spec_mount m;
  cleanup_err urun_err err = NULL;
  mount_opts (&m, o);
  CHECK (spec_mount_parse_options (&m, "mounts[0]", &err) == 0);
  CHECK (m.flags == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME));
  CHECK (m.clear_flags == 0 && m.propagation == 0 && !m.bind && m.data == NULL);
  mount_clear (&m);
}

TEST (mount_options_rw_clears)
{
  static const char *const ro_rw[] = { "ro", "nosuid", "rw", NULL };
  static const char *const rw_ro[] = { "rw", "ro", NULL };
  static const char *const suid[] = { "nosuid", "suid", "exec", "dev", NULL };
  struct spec_mount m;
  cleanup_err urun_err err = NULL;
  mount_opts (&m, ro_rw);
  CHECK (spec_mount_parse_options (&m, "mounts[0]", &err) == 0);
  CHECK (m.flags == MS_NOSUID);
  CHECK (m.clear_flags == MS_RDONLY);
  mount_clear (&m);
  mount_opts (&m, rw_ro);
  CHECK (spec_mount_parse_options (&m, "mounts[0]", &err) == 0);
  CHECK (m.flags == MS_RDONLY && m.clear_flags == 0);
  mount_clear (&m);
  mount_opts (&m, suid);
  CHECK (spec_mount_parse_options (&m, "mounts[0]", &err) == 0);
  CHECK (m.flags == 0);
  CHECK (m.clear_flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV));
  mount_clear (&m);
}

TEST (mount_options_bind_and_propagation)
{
  static const char *const bind[] = { "bind", NULL };
  static const char *const rbind[] = { "rbind", "rprivate", NULL };
  static const char *const shared[] = { "shared", NULL };
  static const char *const runbind[] = { "runbindable", NULL };
  struct spec_mount m;
  cleanup_err urun_err err = NULL;
  mount_opts (&m, bind);
  CHECK (spec_mount_parse_options (&m, "m", &err) == 0);
  CHECK (m.bind && m.flags == MS_BIND && m.propagation == 0);
  mount_clear (&m);
  mount_opts (&m, rbind);
  CHECK (spec_mount_parse_options (&m, "m", &err) == 0);
  CHECK (m.bind && m.flags == (MS_BIND | MS_REC));
  CHECK (m.propagation == (MS_PRIVATE | MS_REC));
  CHECK (m.data == NULL);
  mount_clear (&m);
  mount_opts (&m, shared);
  CHECK (spec_mount_parse_options (&m, "m", &err) == 0);
  CHECK (!m.bind && m.flags == 0 && m.propagation == MS_SHARED);
  mount_clear (&m);
  mount_opts (&m, runbind);
  CHECK (spec_mount_parse_options (&m, "m", &err) == 0);
  CHECK (m.propagation == (MS_UNBINDABLE | MS_REC));
  mount_clear (&m);
}

TEST (mount_options_data)
{
  static const char *const o[] = { "nosuid", "mode=755", "strictatime", "size=65536k", "tmpcopyup", NULL };
  static const char *const idm[] = { "bind", "idmap", NULL };
  struct spec_mount m;
  cleanup_err urun_err err = NULL;
  mount_opts (&m, o);
  CHECK (spec_mount_parse_options (&m, "m", &err) == 0);
  CHECK_STR (m.data, "mode=755,size=65536k");
  CHECK (m.flags == (MS_NOSUID | MS_STRICTATIME));
  /* parsing again replaces the data, it does not append */
  CHECK (spec_mount_parse_options (&m, "m", &err) == 0);
  CHECK_STR (m.data, "mode=755,size=65536k");
  mount_clear (&m);
  mount_opts (&m, idm);
  CHECK (spec_mount_parse_options (&m, "mounts[3]", &err) < 0);
  CHECK (err != NULL && strstr (err->msg, "mounts[3].options") != NULL && strstr (err->msg, "idmap") != NULL);
  mount_clear (&m);
}

TEST (default_spec_root_round_trip)
{
  struct spec_default_opts o = { .rootless = false };
  size_t len = 0;
  char *text = spec_default_generate (&o, &len);
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (text != NULL && len == strlen (text) && len > 0 && text[len - 1] == '\n');
  CHECK (spec_parse (text, len, &s, &err) == 0);
  free (text);
  if (s == NULL)
    {
      printf ("# %s\n", err ? err->msg : "?");
      return;
    }
  CHECK_STR (s->root_path, "rootfs");
  CHECK (s->root_readonly);
  CHECK_STR (s->hostname, "urun");
  CHECK (spec_find_namespace (s, CLONE_NEWUSER) == NULL);
  CHECK (spec_find_namespace (s, CLONE_NEWUTS) != NULL);
  CHECK (spec_find_namespace (s, CLONE_NEWNS) != NULL && spec_find_namespace (s, CLONE_NEWPID) != NULL);
  CHECK (s->n_uid_mappings == 0 && s->n_gid_mappings == 0);
  CHECK (s->process != NULL && s->process->terminal && s->process->no_new_privileges);
  CHECK (s->process != NULL && strcmp (s->process->args[0], "sh") == 0);
  CHECK (s->process != NULL && s->process->caps[CAPS_BOUNDING] == (1ULL << spec_cap_from_name ("CAP_KILL")
                                                                   | 1ULL << spec_cap_from_name ("CAP_AUDIT_WRITE")
                                                                   | 1ULL << spec_cap_from_name ("CAP_NET_BIND_SERVICE")));
  CHECK (s->n_mounts == 7);
  CHECK (s->resources != NULL);
  /* the root default only restricts devices: no cgroup limit is requested */
  CHECK (spec_resource_limits_requested (s) == NULL);
  spec_free (s);
}

TEST (default_spec_rootless_round_trip)
{
  struct spec_id_mapping u[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
  struct spec_id_mapping g[] = { { 0, 1001, 1 }, { 1, 200000, 1000 } };
  struct spec_default_opts o = { .rootless = true, .uid_map = u, .gid_map = g, .n_uid_map = 2, .n_gid_map = 2 };
  size_t len = 0;
  char *text = spec_default_generate (&o, &len);
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (spec_parse (text, len, &s, &err) == 0);
  free (text);
  if (s == NULL)
    {
      printf ("# %s\n", err ? err->msg : "?");
      return;
    }
  const struct spec_namespace *user = spec_find_namespace (s, CLONE_NEWUSER);
  CHECK (user != NULL && user->path == NULL);
  CHECK (s->n_uid_mappings == 2 && s->n_gid_mappings == 2);
  CHECK (s->n_uid_mappings == 2 && memcmp (s->uid_mappings, u, sizeof u) == 0);
  CHECK (s->n_gid_mappings == 2 && memcmp (s->gid_mappings, g, sizeof g) == 0);
  CHECK (s->resources == NULL && spec_resource_limits_requested (s) == NULL);
  CHECK (s->process != NULL && (s->process->caps[CAPS_BOUNDING] & (1ULL << spec_cap_from_name ("CAP_SETUID"))));
  /* rootless: the devpts mount does not ask for gid 5 */
  for (size_t i = 0; i < s->n_mounts; i++)
    if (strcmp (s->mounts[i].destination, "/dev/pts") == 0)
      CHECK (s->mounts[i].data != NULL && strstr (s->mounts[i].data, "gid=") == NULL);
  spec_free (s);
}

TEST (resource_limits_requested)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  char *names;
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'linux': {'resources': {'devices': [{'allow': false, 'access': 'rwm'}]}}}", &s, &err) == 0);
  CHECK (s != NULL && spec_resource_limits_requested (s) == NULL);
  spec_free (s);
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'linux': {'resources': {'devices': [], 'memory': {'limit': 1048576},"
                " 'cpu': {}, 'hugepageLimits': [], 'blockIO': null, 'pids': {'limit': 10}}}}", &s, &err) == 0);
  names = s ? spec_resource_limits_requested (s) : NULL;
  CHECK_STR (names, "memory, pids");
  free (names);
  spec_free (s);
  CHECK (parse (MIN_HEAD MIN_PROCESS "}", &s, &err) == 0);
  CHECK (s != NULL && spec_resource_limits_requested (s) == NULL);
  spec_free (s);
  /* the defaults docker and ctr write ask for nothing */
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'linux': {'resources': {'memory': {'disableOOMKiller': false},"
                " 'cpu': {'shares': 0}, 'blockIO': {'weight': 0}}}}", &s, &err) == 0);
  CHECK (s != NULL && spec_resource_limits_requested (s) == NULL);
  spec_free (s);
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'linux': {'resources': {'cpu': {'shares': 1024}}}}", &s, &err) == 0);
  CHECK (s != NULL && spec_resource_limits_requested (s) == NULL);
  spec_free (s);
  /* but a real share, or the OOM killer off, do */
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'linux': {'resources': {'cpu': {'shares': 512}, 'memory': {'disableOOMKiller': true}}}}",
                &s, &err) == 0);
  names = s ? spec_resource_limits_requested (s) : NULL;
  CHECK_STR (names, "cpu, memory");
  free (names);
  spec_free (s);
}

TEST (parse_process_standalone)
{
  const char *t = "{\"args\": [\"ls\"], \"env\": [\"A=b\"], \"terminal\": false}";
  struct spec_process *p = NULL;
  cleanup_err urun_err err = NULL;
  /* exec --process: cwd may be omitted */
  CHECK (spec_parse_process (t, strlen (t), &p, &err) == 0);
  CHECK (p != NULL && p->cwd == NULL && strcmp (p->args[0], "ls") == 0);
  spec_process_free (p);
  p = NULL;
  t = "{\"args\": []}";
  CHECK (spec_parse_process (t, strlen (t), &p, &err) < 0);
  CHECK (err != NULL && strstr (err->msg, "process.args") != NULL);
}

TEST (parse_signal)
{
  CHECK (process_parse_signal ("SIGTERM") == SIGTERM);
  CHECK (process_parse_signal ("TERM") == SIGTERM);
  CHECK (process_parse_signal ("term") == SIGTERM);
  CHECK (process_parse_signal ("sigkill") == SIGKILL);
  CHECK (process_parse_signal ("KILL") == SIGKILL);
  CHECK (process_parse_signal ("15") == 15);
  CHECK (process_parse_signal ("9") == SIGKILL);
  CHECK (process_parse_signal ("SIGWINCH") == SIGWINCH);
  CHECK (process_parse_signal ("RTMIN") == SIGRTMIN);
  CHECK (process_parse_signal ("RTMIN+1") == SIGRTMIN + 1);
  CHECK (process_parse_signal ("SIGRTMIN+3") == SIGRTMIN + 3);
  CHECK (process_parse_signal ("RTMAX") == SIGRTMAX);
  CHECK (process_parse_signal ("RTMAX-2") == SIGRTMAX - 2);
  CHECK (process_parse_signal ("RTMIN-1") == -1);
  CHECK (process_parse_signal ("RTMAX+1") == -1);
  CHECK (process_parse_signal ("RTMINX") == -1);
  CHECK (process_parse_signal ("BOGUS") == -1);
  CHECK (process_parse_signal ("SIGBOGUS") == -1);
  CHECK (process_parse_signal ("SIG") == -1);
  CHECK (process_parse_signal ("") == -1);
  CHECK (process_parse_signal ("0") == -1);
  CHECK (process_parse_signal ("-9") == -1);
  CHECK (process_parse_signal ("15x") == -1);
  CHECK (process_parse_signal ("65") == -1);
  CHECK (process_parse_signal ("64") == 64);
}

TEST (mount_label_data)
{
  char *d;
  CHECK (procattr_mount_data ("tmpfs", "size=1m", NULL) == NULL);
  CHECK (procattr_mount_data ("tmpfs", "size=1m", "") == NULL);
  CHECK (procattr_mount_data ("proc", NULL, "system_u:object_r:container_file_t:s0") == NULL);
  CHECK (procattr_mount_data ("mqueue", NULL, "l") == NULL);
  d = procattr_mount_data ("tmpfs", "size=1m,mode=755", "system_u:object_r:container_file_t:s0:c1,c2");
  CHECK_STR (d, "size=1m,mode=755,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
  free (d);
  d = procattr_mount_data ("devpts", NULL, "l");
  CHECK_STR (d, "context=\"l\"");
  free (d);
}

TEST (tmpcopyup_only_on_tmpfs)
{
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  CHECK (parse (MIN_HEAD MIN_PROCESS ", 'mounts': [{'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs', "
                "'options': ['tmpcopyup', 'size=1m']}]}", &s, &err) == 0);
  CHECK (s != NULL && s->n_mounts == 1 && s->mounts[0].copyup);
  CHECK_STR (s ? s->mounts[0].data : NULL, "size=1m");
  spec_free (s);
  CHECK (fails_with (MIN_HEAD MIN_PROCESS ", 'mounts': [{'destination': '/m', 'type': 'bind', 'source': '/tmp', "
                     "'options': ['rbind', 'tmpcopyup']}]}", "mounts[0].options", "tmpcopyup"));
}

int
main (void)
{
  RUN (parse_full_config_top_level);
  RUN (parse_full_config_process);
  RUN (parse_full_config_mounts);
  RUN (parse_full_config_hooks);
  RUN (parse_full_config_linux);
  RUN (parse_minimal_defaults);
  RUN (namespace_with_path_needs_no_mappings);
  RUN (error_malformed_json);
  RUN (error_missing_oci_version);
  RUN (error_root);
  RUN (error_process_args);
  RUN (error_wrong_types);
  RUN (error_user_ids_out_of_range);
  RUN (error_process_cwd);
  RUN (error_namespaces);
  RUN (error_mounts);
  RUN (error_capabilities_and_rlimits);
  RUN (unknown_capability_warns_once);
  RUN (oci_versions);
  RUN (mount_label_data);
  RUN (tmpcopyup_only_on_tmpfs);
  RUN (process_attributes);
  RUN (cap_and_rlimit_names);
  RUN (error_cross_field_rules);
  RUN (error_other_linux_fields);
  RUN (mount_options_flags);
  RUN (mount_options_rw_clears);
  RUN (mount_options_bind_and_propagation);
  RUN (mount_options_data);
  RUN (default_spec_root_round_trip);
  RUN (default_spec_rootless_round_trip);
  RUN (resource_limits_requested);
  RUN (parse_process_standalone);
  RUN (parse_signal);
  UNIT_DONE ();
}
