/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "process.h"
#include "log.h"
#include "procfs.h"
#include "seccomp.h"
#include "sync.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static bool
is_executable (const char *path)
{
  struct stat sb;
  return stat (path, &sb) == 0 && S_ISREG (sb.st_mode) && access (path, X_OK) == 0;
}

static char *
lookup_program (const char *name, const char *path_env)
{
  if (strchr (name, '/'))
    return xstrdup (name);
  cleanup_free char *paths = xstrdup (path_env ? path_env : DEFAULT_PATH);
  for (char *save = NULL, *dir = strtok_r (paths, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      char *cand = xasprintf ("%s/%s", *dir ? dir : ".", name);
      if (is_executable (cand))
        return cand;
      free (cand);
    }
  return NULL;
}

/* HOME from the container's /etc/passwd, "/" if the user has no entry.
 * The image owns the file: a FIFO or a device there must not block or feed
 * us, so only a regular file is read. */
static char *
home_for_uid (uid_t uid)
{
  cleanup_fclose FILE *f = NULL;
  struct stat sb;
  char line[1024];
  int fd = open ("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0 && (fstat (fd, &sb) < 0 || !S_ISREG (sb.st_mode)))
    {
      urun_debug ("/etc/passwd in the container is not a regular file: HOME=/");
      close (steal_fd (&fd));
    }
  if (fd >= 0)
    f = fdopen (fd, "re");
  if (fd >= 0 && f == NULL)
    close (fd);
  while (f && fgets (line, sizeof line, f))
    {
      char *fields[7] = { 0 };
      char *p = line;
      int n = 0;
      for (; n < 7 && p; n++)
        {
          fields[n] = p;
          p = strchr (p, ':');
          if (p)
            *p++ = '\0';
        }
      unsigned long id;
      if (n >= 6 && parse_ulong (fields[2], &id) && id == uid && fields[5][0])
        return xstrdup (fields[5]);
    }
  return xstrdup ("/");
}

int
process_prepare (struct process_plan *plan, const struct spec_process *p, int preserve_fds, urun_err *err)
{
  size_t n = strv_len (p->env);
  void *filter = plan->seccomp;
  memset (plan, 0, sizeof *plan);
  plan->p = p;
  plan->seccomp = filter;
  plan->seccomp_notify_fd = -1;
  plan->preserve_fds = preserve_fds;
  plan->exe = lookup_program (p->args[0], spec_env_get (p->env, "PATH"));
  if (plan->exe == NULL)
    return urun_fail (err, 0, "exec `%s`: executable file not found in $PATH", p->args[0]);
  if (strchr (p->args[0], '/') && access (plan->exe, F_OK) < 0)
    return urun_fail (err, errno, "exec `%s`", p->args[0]);
  plan->env = xmalloc0 ((n + 2) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    plan->env[i] = xstrdup (p->env[i]);
  if (spec_env_get (p->env, "HOME") == NULL)
    {
      cleanup_free char *home = home_for_uid (p->user.uid);
      plan->env[n] = xasprintf ("HOME=%s", home);
    }
  return 0;
}

void
process_plan_free (struct process_plan *plan)
{
  free (plan->exe);
  strv_free (plan->env);
  plan->exe = NULL;
  plan->env = NULL;
}

int
process_set_oom_score_adj (int procfd, const struct spec_process *p, urun_err *err)
{
  char buf[16];
  if (!p->has_oom_score_adj)
    return 0;
  snprintf (buf, sizeof buf, "%d", p->oom_score_adj);
  if (procfs_write (procfd, "self/oom_score_adj", buf, strlen (buf), err) < 0)
    return urun_err_wrap (err, "process.oomScoreAdj");
  return 0;
}

#define N_RLIMITS 16 /* RLIMIT_CPU .. RLIMIT_RTTIME, the rows of /proc/PID/limits */
static struct rlimit default_rlimits[N_RLIMITS];
static bool have_default_rlimits;

static rlim_t
parse_limit (const char *s)
{
  if (strncmp (s, "unlimited", 9) == 0)
    return RLIM_INFINITY;
  return strtoull (s, NULL, 10);
}

void
process_load_default_rlimits (void)
{
  cleanup_free char *text = NULL;
  cleanup_err urun_err err = NULL;
  char *line, *save = NULL;
  int row = -1;

  if (read_file_at (AT_FDCWD, "/proc/1/limits", &text, NULL, &err) < 0)
    return;
  /* fixed columns: name (26), soft (21), hard (21), units */
  for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save), row++)
    {
      if (row < 0)
        continue; /* the header */
      if (row >= N_RLIMITS || strlen (line) < 47)
        break;
      default_rlimits[row].rlim_cur = parse_limit (line + 26);
      default_rlimits[row].rlim_max = parse_limit (line + 47);
    }
  have_default_rlimits = row == N_RLIMITS;
}

/* Limits the config does not name go back to the system's defaults (as far
 * as an unprivileged process may raise them: never above its hard limit). */
static void
reset_other_rlimits (const struct spec_process *p)
{
  if (!have_default_rlimits)
    return;
  for (int r = 0; r < N_RLIMITS; r++)
    {
      struct rlimit cur, want = default_rlimits[r];
      bool named = false;
      for (size_t i = 0; i < p->n_rlimits; i++)
        named |= p->rlimits[i].resource == r;
      if (named || getrlimit (r, &cur) < 0)
        continue;
      if (cur.rlim_cur == want.rlim_cur && cur.rlim_max == want.rlim_max)
        continue;
      if (setrlimit (r, &want) < 0)
        {
          /* no CAP_SYS_RESOURCE: keep the hard limit, move the soft one */
          want.rlim_max = cur.rlim_max;
          if (want.rlim_cur > want.rlim_max)
            want.rlim_cur = want.rlim_max;
          setrlimit (r, &want);
        }
    }
}

static int
set_rlimits (const struct spec_process *p, urun_err *err)
{
  reset_other_rlimits (p);
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
      if (setrlimit (p->rlimits[i].resource, &rl) < 0)
        return urun_fail (err, errno, "process.rlimits[%zu]: setrlimit", i);
    }
  return 0;
}

static bool
setgroups_denied (void)
{
  char buf[16] = "";
  cleanup_close int fd = open ("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  if (read (fd, buf, sizeof buf - 1) < 0)
    return false;
  return strncmp (buf, "deny", 4) == 0;
}

/* setgroups failed with EINVAL: more groups than the kernel takes, or a gid
 * the user namespace does not map.  Which one: setgroups of it alone fails
 * the same way (the process is about to fail anyway). */
static int
groups_error (const gid_t *g, size_t n, urun_err *err)
{
  long max = sysconf (_SC_NGROUPS_MAX);
  if (max > 0 && n > (size_t) max)
    return urun_fail (err, 0, "process.user.additionalGids: %zu groups, more than the kernel's limit of %ld", n, max);
  for (size_t i = 0; i < n; i++)
    if (setgroups (1, &g[i]) < 0 && errno == EINVAL)
      return urun_fail (err, 0, "process.user.additionalGids: gid %u is not mapped in the user namespace (linux.gidMappings)",
                        (unsigned) g[i]);
  return urun_fail (err, EINVAL, "process.user.additionalGids: setgroups");
}

static int
set_user (const struct spec_user *u, urun_err *err)
{
  if (u->n_additional_gids > 0)
    {
      cleanup_free gid_t *g = xmalloc0 (u->n_additional_gids * sizeof *g);
      for (size_t i = 0; i < u->n_additional_gids; i++)
        g[i] = u->additional_gids[i];
      if (setgroups (u->n_additional_gids, g) < 0)
        {
          int e = errno;
          if (e == EINVAL)
            return groups_error (g, u->n_additional_gids, err);
          if (e == EPERM && setgroups_denied ())
            return urun_fail (err, 0, "process.user.additionalGids: setgroups is denied in this user namespace (a single-id gid map): map a range through /etc/subgid");
          return urun_fail (err, e, "process.user.additionalGids: setgroups");
        }
    }
  else if (setgroups (0, NULL) < 0 && errno != EPERM)
    return urun_fail (err, errno, "setgroups");
  /* EINVAL: the id has no mapping in the user namespace */
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    {
      if (errno == EINVAL)
        return urun_fail (err, 0, "process.user.gid: gid %u is not mapped in the user namespace (linux.gidMappings)", u->gid);
      return urun_fail (err, errno, "process.user.gid: setgid %u", u->gid);
    }
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    {
      if (errno == EINVAL)
        return urun_fail (err, 0, "process.user.uid: uid %u is not mapped in the user namespace (linux.uidMappings)", u->uid);
      return urun_fail (err, errno, "process.user.uid: setuid %u", u->uid);
    }
  return 0;
}

static int
last_cap (void)
{
  static int last = -1;
  /* libcap found it as it started (PR_CAPBSET_READ): no file to read */
  if (last < 0 && cap_max_bits () > 0 && cap_max_bits () <= 64)
    last = (int) cap_max_bits () - 1;
  if (last < 0)
    {
      cleanup_free char *s = NULL;
      cleanup_err urun_err e = NULL;
      unsigned long v;
      if (read_file_at (AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &s, NULL, &e) == 0)
        {
          s[strcspn (s, "\n")] = '\0';
          if (parse_ulong (s, &v) && v < 64)
            last = v;
        }
      if (last < 0)
        last = CAP_LAST_CAP;
    }
  return last;
}

static int
drop_bounding (const struct spec_process *p, urun_err *err)
{
  int last = last_cap ();
  for (int c = 0; c <= last; c++)
    if (!(p->caps[CAPS_BOUNDING] & (1ULL << c)))
      if (prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
        return urun_fail (err, errno, "drop capability %d from the bounding set", c);
  return 0;
}

static int
set_caps (const struct spec_process *p, urun_err *err)
{
  int last = last_cap ();
  cap_t caps = cap_init ();
  int r = 0;

  if (caps == NULL)
    return urun_fail (err, errno, "cap_init");
  for (int c = 0; c <= last; c++)
    {
      cap_value_t v = c;
      if (p->caps[CAPS_EFFECTIVE] & (1ULL << c))
        cap_set_flag (caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
      if (p->caps[CAPS_PERMITTED] & (1ULL << c))
        cap_set_flag (caps, CAP_PERMITTED, 1, &v, CAP_SET);
      if (p->caps[CAPS_INHERITABLE] & (1ULL << c))
        cap_set_flag (caps, CAP_INHERITABLE, 1, &v, CAP_SET);
    }
  if (cap_set_proc (caps) < 0)
    r = urun_fail (err, errno, "process.capabilities: set capabilities");
  cap_free (caps);
  if (r < 0)
    return r;
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return urun_fail (err, errno, "clear ambient capabilities");
  for (int c = 0; c <= last; c++)
    if (p->caps[CAPS_AMBIENT] & (1ULL << c))
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
        /* runc and crun go on without it too */
        urun_warn ("process.capabilities.ambient: capability %d not raised: it must be permitted and inheritable", c);
  return 0;
}

/* After the rlimits are set: can `need` more descriptors still be opened? */
static int
check_fd_room (int need, urun_err *err)
{
  int fds[8], n = 0, e = 0;
  struct rlimit rl;
  for (; n < need && n < 8; n++)
    if ((fds[n] = fcntl (0, F_DUPFD_CLOEXEC, 0)) < 0 && (fds[n] = open ("/", O_PATH | O_CLOEXEC)) < 0)
      {
        e = errno;
        break;
      }
  for (int i = 0; i < n; i++)
    close (fds[i]);
  if (e == 0)
    return 0;
  getrlimit (RLIMIT_NOFILE, &rl);
  return urun_fail (err, 0, "process.rlimits: RLIMIT_NOFILE soft limit %llu leaves urun no descriptor for the %d it "
                            "still opens before the program starts: raise it",
                    (unsigned long long) rl.rlim_cur, need);
}

static int
finalize_identity (struct process_plan *plan, urun_err *err);

int
process_finalize (struct process_plan *plan, int fds_needed, urun_err *err)
{
  const struct spec_process *p = plan->p;
  bool early = plan->seccomp && !p->no_new_privileges;

  if (set_rlimits (p, err) < 0)
    return -1;
  if (check_fd_room (fds_needed + (plan->seccomp && seccomp_filter_notifies (plan->seccomp) ? 1 : 0), err) < 0)
    return -1;
  /* without noNewPrivileges loading a filter needs CAP_SYS_ADMIN: load it
   * now, while we have it (runc's order) */
  if (early && seccomp_load_filter (plan->seccomp, &plan->seccomp_notify_fd, err) < 0)
    return urun_err_wrap (err, "linux.seccomp");
  if (finalize_identity (plan, err) < 0)
    return early ? urun_err_wrap (err, "after loading linux.seccomp (does it deny what urun needs?)") : -1;
  /* with noNewPrivileges, once the process is what it will be, and before
   * it waits for start: a process of the container that could ptrace the
   * waiting process finds it filtered, capped and without new privileges
   * already, so it cannot run through it what the filter denies */
  if (plan->seccomp && !early && seccomp_load_filter (plan->seccomp, &plan->seccomp_notify_fd, err) < 0)
    return urun_err_wrap (err, "linux.seccomp");
  return 0;
}

/* cwd, user, groups, capabilities, noNewPrivileges, umask. */
static int
finalize_identity (struct process_plan *plan, urun_err *err)
{
  const struct spec_process *p = plan->p;
  cleanup_free struct spec_process *caps_p = NULL;

  if (p->cwd && chdir (p->cwd) < 0 && errno != EACCES)
    return urun_fail (err, errno, "process.cwd: chdir `%s`", p->cwd);

  /* keep the permitted set across setuid; drop the bounding set while
   * CAP_SETPCAP is still ours */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return urun_fail (err, errno, "prctl(PR_SET_KEEPCAPS)");
  /* no capabilities object: the process gets none.  The bounding set goes
   * first, while CAP_SETPCAP is still ours. */
  if (!p->has_caps)
    {
      caps_p = xmalloc0 (sizeof *caps_p);
      *caps_p = *p;
      memset (caps_p->caps, 0, sizeof caps_p->caps);
    }
  if (drop_bounding (caps_p ? caps_p : p, err) < 0)
    return -1;
  if (set_user (&p->user, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return urun_fail (err, errno, "prctl(PR_SET_KEEPCAPS)");
  /* the cwd again: it may be readable only by the process's own user */
  if (p->cwd && chdir (p->cwd) < 0)
    return urun_fail (err, errno, "process.cwd: chdir `%s`", p->cwd);
  {
    /* CVE-2024-21626: a cwd reached through a leaked host fd
     * (/proc/self/fd/N) would be outside the container's root */
    char buf[PATH_MAX];
    if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
      return urun_fail (err, 0, "process.cwd: `%s` is outside the container", p->cwd ? p->cwd : "");
  }
  if (set_caps (caps_p ? caps_p : p, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return urun_fail (err, errno, "process.noNewPrivileges");
  umask (p->user.has_umask ? p->user.umask : 0022);
  return 0;
}

int
process_execve (struct process_plan *plan, urun_err *err)
{
  const struct spec_process *p = plan->p;
  sigset_t none;

  /* only 0-2 and --preserve-fds reach the program.  The preserved ones
   * came to urun through an exec, so they are not close-on-exec; urun's
   * own fds among them (in a gap of the range) are, and stay so. */
  if (mark_fds_cloexec_from (3 + plan->preserve_fds, err) < 0)
    return -1;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      signal (s, SIG_DFL);
  execve (plan->exe, p->args, plan->env);
  return urun_fail (err, errno, "exec `%s`", p->args[0]);
}

int
process_parse_signal (const char *s)
{
  static const struct
  {
    const char *name;
    int sig;
  } sigs[] = {
    { "HUP", SIGHUP },   { "INT", SIGINT },   { "QUIT", SIGQUIT }, { "ILL", SIGILL },     { "TRAP", SIGTRAP },
    { "ABRT", SIGABRT }, { "IOT", SIGIOT },   { "BUS", SIGBUS },   { "FPE", SIGFPE },     { "KILL", SIGKILL },
    { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },
    { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
    { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },     { "XCPU", SIGXCPU },
    { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
    { "POLL", SIGPOLL }, { "PWR", SIGPWR },   { "SYS", SIGSYS },
  };
  unsigned long n;
  if (parse_ulong (s, &n))
    return n > 0 && n < (unsigned long) NSIG ? (int) n : -1;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
    if (strcasecmp (sigs[i].name, s) == 0)
      return sigs[i].sig;
  if (strncasecmp (s, "RTMIN", 5) == 0 || strncasecmp (s, "RTMAX", 5) == 0)
    {
      int base = toupper (s[2]) == 'M' && toupper (s[3]) == 'I' ? SIGRTMIN : SIGRTMAX;
      long off = 0;
      if (s[5] == '+' || s[5] == '-')
        {
          char *end;
          off = strtol (s + 5, &end, 10);
          if (*end || end == s + 6)
            return -1;
        }
      else if (s[5])
        return -1;
      int r = base + off;
      return r >= SIGRTMIN && r <= SIGRTMAX ? r : -1;
    }
  return -1;
}
