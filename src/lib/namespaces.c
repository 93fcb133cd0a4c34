/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "namespaces.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct
{
  int type;
  const char *proc_name;
} ns_files[] = {
  /* user first: joining it grants the capabilities needed for the others */
  { CLONE_NEWUSER, "user" }, { CLONE_NEWIPC, "ipc" },       { CLONE_NEWUTS, "uts" },
  { CLONE_NEWNET, "net" },   { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWPID, "pid_for_children" },
  { CLONE_NEWTIME, "time_for_children" }, { CLONE_NEWNS, "mnt" },
};

int
ns_open_paths (const struct spec *s, const struct plan *p, struct ns_join *j, urun_err *err)
{
  j->n = 0;
  for (size_t k = 0; k < p->n_join; k++)
    {
      const struct spec_namespace *ns = &s->namespaces[p->join[k]];
      int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          urun_fail (err, errno, "`linux.namespaces`: open %s namespace `%s`", spec_namespace_name (ns->type), ns->path);
          ns_join_close (j);
          return -1;
        }
      j->fds[j->n] = fd;
      j->types[j->n] = ns->type;
      j->n++;
    }
  return 0;
}

int
ns_join_opened (struct ns_join *j, urun_err *err)
{
  for (size_t i = 0; i < j->n; i++)
    if (setns (j->fds[i], j->types[i]) < 0)
      return urun_fail (err, errno, "join %s namespace", spec_namespace_name (j->types[i]));
  return 0;
}

void
ns_join_close (struct ns_join *j)
{
  for (size_t i = 0; i < j->n; i++)
    close (j->fds[i]);
  j->n = 0;
}

int
ns_join_has (const struct ns_join *j, int type)
{
  for (size_t i = 0; i < j->n; i++)
    if (j->types[i] == type)
      return 1;
  return 0;
}

static const char *
proc_ns_name (int type)
{
  switch (type)
    {
    case CLONE_NEWPID:
      return "pid";
    case CLONE_NEWTIME:
      return "time";
    default:
      for (size_t k = 0; k < sizeof ns_files / sizeof *ns_files; k++)
        if (ns_files[k].type == type)
          return ns_files[k].proc_name;
    }
  return "?";
}

int
ns_join_process (pid_t pid, int pidfd, int flags, urun_err *err)
{
  if (flags == 0)
    return 0;
  /* setns(pidfd, flags) (Linux 5.8) joins all of them at once, in the right order */
  if (pidfd >= 0 && setns (pidfd, flags) == 0)
    return 0;
  for (size_t k = 0; k < sizeof ns_files / sizeof *ns_files; k++)
    {
      char p[64];
      int fd;
      if (!(flags & ns_files[k].type))
        continue;
      snprintf (p, sizeof p, "/proc/%d/ns/%s", (int) pid, proc_ns_name (ns_files[k].type));
      fd = open (p, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return urun_fail (err, errno, "open `%s`", p);
      if (setns (fd, ns_files[k].type) < 0)
        {
          int e = errno;
          close (fd);
          return urun_fail (err, e, "join %s namespace of pid %d", proc_ns_name (ns_files[k].type), (int) pid);
        }
      close (fd);
    }
  return 0;
}

/* A network namespace urun made starts with lo down: 127.0.0.1 must work
 * (runc and crun bring it up too). */
int
ns_loopback_up (urun_err *err)
{
  struct ifreq ifr = { 0 };
  cleanup_close int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return urun_fail (err, errno, "bring up lo: socket");
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return urun_fail (err, errno, "bring up lo");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    return urun_fail (err, errno, "bring up lo");
  return 0;
}
