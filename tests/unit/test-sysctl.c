/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the linux.sysctl rules: which namespace owns a key, and
 * sysctl_check / sysctl_check_joined against linux.namespaces. */
#include <config.h>
#include "spec.h"
#include "sysctl.h"
#include "util.h"
#include "unit.h"
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* A config with these namespaces (JSON array members), top-level extras
 * and linux.sysctl members; ' for ". */
static struct spec *
config (const char *namespaces, const char *extra, const char *sysctls)
{
  cleanup_free char *t = xasprintf ("{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, %s"
                                    "'linux': {'namespaces': [%s], 'sysctl': {%s}}}",
                                    extra, namespaces, sysctls);
  struct spec *s = NULL;
  cleanup_err urun_err err = NULL;
  for (char *p = t; *p; p++)
    if (*p == '\'')
      *p = '"';
  if (spec_parse (t, strlen (t), &s, &err) < 0)
    printf ("# config did not parse: %s\n", err->msg);
  return s;
}

/* sysctl_check of that config: NULL if it passes, else the message (to free). */
static char *
check (const char *namespaces, const char *extra, const char *sysctls)
{
  struct spec *s = config (namespaces, extra, sysctls);
  cleanup_err urun_err err = NULL;
  char *msg = NULL;
  if (s == NULL)
    return xstrdup ("(config did not parse)");
  if (sysctl_check (s, &err) < 0)
    msg = xstrdup (err && err->msg ? err->msg : "(no message)");
  spec_free (s);
  if (msg && getenv ("UNIT_VERBOSE"))
    printf ("# %s\n", msg);
  return msg;
}

static int
passes (const char *namespaces, const char *extra, const char *sysctls)
{
  cleanup_free char *m = check (namespaces, extra, sysctls);
  if (m)
    printf ("# refused: %s\n", m);
  return m == NULL;
}

/* Refused, with every non-NULL needle in the message. */
static int
refused (const char *namespaces, const char *extra, const char *sysctls, const char *n1, const char *n2)
{
  cleanup_free char *m = check (namespaces, extra, sysctls);
  if (m == NULL)
    {
      printf ("# passed: %s\n", sysctls);
      return 0;
    }
  if ((n1 && strstr (m, n1) == NULL) || (n2 && strstr (m, n2) == NULL))
    {
      printf ("# message `%s` lacks `%s` / `%s`\n", m, n1 ? n1 : "", n2 ? n2 : "");
      return 0;
    }
  return 1;
}

#define IPC "{'type': 'ipc'}"
#define NET "{'type': 'network'}"
#define UTS "{'type': 'uts'}"
#define MNT "{'type': 'mount'}"

TEST (namespace_of)
{
  CHECK (sysctl_namespace_of ("kernel.msgmax") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("kernel.msgmnb") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("kernel.msgmni") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("kernel.sem") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("kernel.shmall") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("kernel.shmmax") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("kernel.shmmni") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("kernel.shm_rmid_forced") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("fs.mqueue.queues_max") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("fs/mqueue/msg_max") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("kernel/shmmax") == CLONE_NEWIPC);
  CHECK (sysctl_namespace_of ("net.ipv4.ip_forward") == CLONE_NEWNET);
  CHECK (sysctl_namespace_of ("net/ipv4/conf/eth0/rp_filter") == CLONE_NEWNET);
  CHECK (sysctl_namespace_of ("net.core.somaxconn") == CLONE_NEWNET);
  CHECK (sysctl_namespace_of ("kernel.hostname") == CLONE_NEWUTS);
  CHECK (sysctl_namespace_of ("kernel.domainname") == CLONE_NEWUTS);
  /* the whole system's */
  CHECK (sysctl_namespace_of ("kernel.printk_ratelimit_burst") == 0);
  CHECK (sysctl_namespace_of ("kernel.core_pattern") == 0);
  CHECK (sysctl_namespace_of ("kernel.modprobe") == 0);
  CHECK (sysctl_namespace_of ("vm.overcommit_memory") == 0);
  CHECK (sysctl_namespace_of ("fs.file-max") == 0);
  CHECK (sysctl_namespace_of ("kernel.msgmax2") == 0);
  CHECK (sysctl_namespace_of ("kernel.sem_next_id") == 0);
  CHECK (sysctl_namespace_of ("fs.mqueue") == 0);
  CHECK (sysctl_namespace_of ("fs.mqueue.") == 0);
  CHECK (sysctl_namespace_of ("net") == 0);
  CHECK (sysctl_namespace_of ("net.") == 0);
  CHECK (sysctl_namespace_of ("network.x") == 0);
  CHECK (sysctl_namespace_of ("kernel.hostname2") == 0);
  CHECK (sysctl_namespace_of ("user.max_user_namespaces") == 0);
}

TEST (not_namespaced_refused)
{
  CHECK (refused (IPC "," NET "," UTS, "", "'kernel.printk_ratelimit_burst': '17'",
                  "`kernel.printk_ratelimit_burst`", "not namespaced"));
  CHECK (refused (IPC "," NET "," UTS, "", "'kernel.core_pattern': '|/tmp/x'", "`kernel.core_pattern`", "host"));
  CHECK (refused (IPC "," NET "," UTS, "", "'vm/overcommit_memory': '1'", "`vm/overcommit_memory`", NULL));
  /* the first bad key of several */
  CHECK (refused (IPC "," NET, "", "'net.ipv4.ip_forward': '1', 'fs.file-max': '10'", "`fs.file-max`", NULL));
}

TEST (ipc_keys_need_an_ipc_namespace)
{
  CHECK (passes (IPC, "", "'kernel.msgmax': '65536', 'kernel.shm_rmid_forced': '1', 'fs.mqueue.queues_max': '77'"));
  CHECK (passes ("{'type': 'ipc', 'path': '/proc/1234/ns/ipc'}", "", "'kernel.sem': '1 2 3 4'"));
  CHECK (refused (NET "," UTS "," MNT, "", "'fs.mqueue.queues_max': '77'", "`fs.mqueue.queues_max`",
                  "needs an ipc namespace"));
  CHECK (refused (NET, "", "'kernel.shmmax': '1'", "`kernel.shmmax`", "ipc"));
  CHECK (refused ("", "", "'kernel/msgmnb': '1'", "`kernel/msgmnb`", "ipc"));
}

TEST (net_keys_need_a_network_namespace)
{
  CHECK (passes (NET, "", "'net.ipv4.ip_forward': '1', 'net.core.somaxconn': '256'"));
  CHECK (passes ("{'type': 'network', 'path': '/var/run/netns/x'}", "", "'net.ipv4.ip_forward': '1'"));
  CHECK (refused (IPC "," UTS, "", "'net.ipv4.ip_forward': '1'", "`net.ipv4.ip_forward`", "needs a network namespace"));
}

TEST (uts_keys)
{
  CHECK (passes (UTS, "", "'kernel.hostname': 'box', 'kernel.domainname': 'example.org'"));
  CHECK (refused (IPC, "", "'kernel.domainname': 'example.org'", "`kernel.domainname`", "needs a uts namespace"));
  CHECK (refused (NET, "", "'kernel.hostname': 'box'", "`kernel.hostname`", "uts"));
  /* the same value as the field is no conflict; another one is */
  CHECK (passes (UTS, "'hostname': 'box', ", "'kernel.hostname': 'box'"));
  CHECK (passes (UTS, "'domainname': 'example.org', ", "'kernel.domainname': 'example.org'"));
  CHECK (refused (UTS, "'hostname': 'box', ", "'kernel.hostname': 'other'", "`kernel.hostname`", "conflicts with `hostname`"));
  CHECK (refused (UTS, "'domainname': 'a.org', ", "'kernel.domainname': 'b.org'", "`kernel.domainname`",
                  "conflicts with `domainname`"));
  /* hostname does not constrain domainname */
  CHECK (passes (UTS, "'hostname': 'box', ", "'kernel.domainname': 'b.org'"));
}

TEST (no_sysctls)
{
  CHECK (passes ("", "", ""));
}

TEST (messages_are_quoted)
{
  cleanup_free char *m = check (IPC, "", "'kernel.x\\nurun: forged': '1'");
  CHECK (m != NULL && strstr (m, "kernel.x\\nurun: forged") != NULL && strchr (m, '\n') == NULL);
}

TEST (joined_namespace_of_our_own)
{
  struct spec *s;
  cleanup_err urun_err e1 = NULL;
  cleanup_err urun_err e2 = NULL;
  cleanup_err urun_err e3 = NULL;
  /* joining urun's own network namespace: the host's value would change */
  s = config ("{'type': 'network', 'path': '/proc/self/ns/net'}", "", "'net.ipv4.ip_forward': '1'");
  CHECK (s && sysctl_check (s, &e1) == 0);
  CHECK (s && sysctl_check_joined (s, &e1) < 0);
  CHECK (e1 && strstr (e1->msg, "`net.ipv4.ip_forward`") && strstr (e1->msg, "network namespace")
         && strstr (e1->msg, "/proc/self/ns/net"));
  spec_free (s);
  s = config ("{'type': 'ipc', 'path': '/proc/self/ns/ipc'}", "", "'fs.mqueue.msg_max': '20'");
  CHECK (s && sysctl_check_joined (s, &e2) < 0 && e2 && strstr (e2->msg, "ipc namespace"));
  spec_free (s);
  /* a path that is not ours (here: none at all) is the join's to report */
  s = config ("{'type': 'network', 'path': '/nonexistent/ns/net'}", "", "'net.ipv4.ip_forward': '1'");
  CHECK (s && sysctl_check_joined (s, &e3) == 0 && e3 == NULL);
  spec_free (s);
  /* our own namespace joined, but no sysctl of it: fine */
  s = config ("{'type': 'network', 'path': '/proc/self/ns/net'}," IPC, "", "'kernel.msgmax': '1'");
  CHECK (s && sysctl_check_joined (s, &e3) == 0);
  spec_free (s);
  /* new namespaces: nothing to stat */
  s = config (NET, "", "'net.ipv4.ip_forward': '1'");
  CHECK (s && sysctl_check_joined (s, &e3) == 0);
  spec_free (s);
}

int
main (void)
{
  RUN (namespace_of);
  RUN (not_namespaced_refused);
  RUN (ipc_keys_need_an_ipc_namespace);
  RUN (net_keys_need_a_network_namespace);
  RUN (uts_keys);
  RUN (no_sysctls);
  RUN (messages_are_quoted);
  RUN (joined_namespace_of_our_own);
  UNIT_DONE ();
}
