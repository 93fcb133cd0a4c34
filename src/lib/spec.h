/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the OCI configuration (config.json) as C structures.  Parsing checks
 * every field it reads and names it in the error, before any side effect. */
#ifndef URUN_SPEC_H
#define URUN_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "json.h"
#include "procattr.h"

struct spec_id_mapping
{
  uint32_t container_id, host_id, size;
};

struct spec_mount
{
  char *destination, *type, *source;
  char **options;
  unsigned long flags;        /* MS_* to set */
  unsigned long clear_flags;  /* MS_* explicitly cleared (rw, suid, ...) */
  unsigned long propagation;  /* MS_SHARED/MS_SLAVE/... | MS_REC, 0 if none */
  char *data;                 /* options the kernel filesystem parses */
  bool bind;                  /* bind or rbind */
  bool copyup;                /* tmpcopyup: the tmpfs starts with what it covers (copyup.h) */
  char *urun_text;            /* urun's own file, not the config's: its text, bound from a
                               * tmpfs of its own (net/resolv.c); NULL for the config's */
};

struct spec_rlimit
{
  int resource;
  uint64_t soft, hard;
};

enum spec_cap_set { CAPS_BOUNDING, CAPS_EFFECTIVE, CAPS_INHERITABLE, CAPS_PERMITTED, CAPS_AMBIENT, CAPS_N };

/* The largest uid or gid a process can be given (process.user, exec -u,
 * --additional-gids): setresuid (-1) and setgroups of (gid_t) -1 would
 * leave the id as it is (root); runc refuses anything above 2^31-1 too. */
#define SPEC_MAX_ID 2147483647

struct spec_user
{
  uint32_t uid, gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
};

struct spec_process
{
  bool terminal;
  bool has_console_size;
  unsigned console_height, console_width;
  struct spec_user user;
  char **args;
  char **env;
  char *cwd;
  bool has_caps;
  uint64_t caps[CAPS_N]; /* bit N = capability N */
  struct spec_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  struct procattr attr; /* scheduler, ioPriority, execCPUAffinity, LSM labels */
};

enum spec_hook_kind
{
  HOOK_PRESTART,
  HOOK_CREATE_RUNTIME,
  HOOK_CREATE_CONTAINER,
  HOOK_START_CONTAINER,
  HOOK_POSTSTART,
  HOOK_POSTSTOP,
  HOOK_N
};

struct spec_hook
{
  char *path;
  char **args;
  char **env;
  int timeout; /* seconds, 0 = none */
};

struct spec_namespace
{
  int type;   /* CLONE_NEW* */
  char *path; /* join this namespace instead of creating one */
};

struct spec_device
{
  char *path;
  char type; /* c, u, b, p */
  long major, minor;
  bool has_mode, has_uid, has_gid;
  uint32_t mode, uid, gid;
};

struct spec_sysctl
{
  char *key, *value;
};

struct spec_annotation
{
  char *key, *value;
};

struct spec_seccomp_arg
{
  uint32_t index;
  uint64_t value, value_two;
  char *op;
};

struct spec_seccomp_rule
{
  char **names;
  char *action;
  bool has_errno_ret;
  uint32_t errno_ret;
  struct spec_seccomp_arg *args;
  size_t n_args;
};

struct spec_seccomp
{
  char *default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures;
  char **flags;
  char *listener_path;
  char *listener_metadata;
  struct spec_seccomp_rule *rules;
  size_t n_rules;
};

#define SPEC_MAX_NAMESPACES 8

struct spec
{
  json_node *doc; /* the whole parsed document, for modules that read more later */
  char *oci_version;
  char *root_path;
  bool root_readonly;
  char *hostname, *domainname;
  bool has_hostname, has_domainname;
  struct spec_mount *mounts;
  size_t n_mounts;
  struct spec_process *process; /* NULL if absent */
  struct spec_hook *hooks[HOOK_N];
  size_t n_hooks[HOOK_N];
  struct spec_annotation *annotations;
  size_t n_annotations;

  struct spec_namespace namespaces[SPEC_MAX_NAMESPACES];
  size_t n_namespaces;
  struct spec_id_mapping *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct spec_device *devices;
  size_t n_devices;
  char **masked_paths;
  char **readonly_paths;
  unsigned long rootfs_propagation; /* 0 = default (rprivate) */
  struct spec_sysctl *sysctls;
  size_t n_sysctls;
  char *cgroups_path;
  char *time_offsets; /* linux.timeOffsets as /proc/PID/timens_offsets text, NULL if none */
  struct spec_seccomp *seccomp; /* NULL if absent */
  json_node *resources; /* linux.resources, for the cgroup managers */
  struct procattr linux_attr; /* linux.personality, linux.mountLabel */
};

int spec_parse (const char *text, size_t len, struct spec **out, urun_err *err);
/* Read and parse BUNDLE/config.json, with the file name in errors. */
int spec_load_file (const char *path, struct spec **out, urun_err *err);
/* Parse a standalone process object (for `exec --process`). */
int spec_parse_process (const char *text, size_t len, struct spec_process **out, urun_err *err);
void spec_free (struct spec *s);
void spec_process_free (struct spec_process *p);
void cleanup_spec_freep (struct spec **s);
#define cleanup_spec __attribute__ ((cleanup (cleanup_spec_freep)))

/* The versions of the runtime spec urun takes: 1.0.0 to 1.x (features'
 * ociVersionMin, ociVersionMax: the newest it is written against). */
#define SPEC_OCI_VERSION_MIN "1.0.0"
#define SPEC_OCI_VERSION_MAX "1.2.0"
/* ociVersion is one urun understands: 1.x.y[-pre][+build] */
bool spec_version_supported (const char *v);
/* "prestart", "createRuntime", ... */
const char *spec_hook_name (enum spec_hook_kind k);
/* The i-th mount option urun knows (flags, propagation, bind), NULL past
 * the last (features). */
const char *spec_mount_option_name (size_t i);
/* The namespace of this type in the config, or NULL. */
const struct spec_namespace *spec_find_namespace (const struct spec *s, int type);
const char *spec_namespace_name (int type);
int spec_namespace_type (const char *name); /* -1 if unknown */
/* Capability helpers (names with the CAP_ prefix). */
int spec_cap_from_name (const char *name); /* -1 if unknown */
int spec_rlimit_from_name (const char *name); /* -1 if unknown */
/* Names of the linux.resources fields that ask for limits (not devices), NULL if none. */
char *spec_resource_limits_requested (const struct spec *s);
/* Parse one mount option list into flags/data (exposed for unit tests). */
int spec_mount_parse_options (struct spec_mount *m, const char *field, urun_err *err);
/* Lookup "KEY" in an env array ("KEY=value"). */
const char *spec_env_get (char *const *env, const char *key);

/* `urun spec`: the default configuration document. */
struct spec_default_opts
{
  bool rootless;
  bool seccomp_default;
  const struct spec_id_mapping *uid_map, *gid_map;
  size_t n_uid_map, n_gid_map;
};
char *spec_default_generate (const struct spec_default_opts *o, size_t *len);
/* The config document again, with {"type": "user"} added to
 * linux.namespaces and these uidMappings and gidMappings (a config
 * without a user namespace has none): urun's own user namespace for an unprivileged caller whose
 * config has none (as crun makes one).  Allocated, NUL-terminated. */
char *spec_text_add_userns (const json_node *doc, const struct spec_id_mapping *um, size_t nu,
                            const struct spec_id_mapping *gm, size_t ng, size_t *len);
/* `urun spec --seccomp-default`: write the default profile as linux.seccomp
 * (spec_default_seccomp.c).  Declared here, with the rest of what `urun spec`
 * writes, rather than in seccomp.h: it only emits JSON, needs no libseccomp,
 * and seccomp.h is about compiling and loading filters. */
void spec_default_write_seccomp (json_writer *w);

#endif
