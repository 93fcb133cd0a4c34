/* SPDX-License-Identifier: Apache-2.0 */
/* urun: the default seccomp profile, which `urun spec --seccomp-default`
 * writes as linux.seccomp.  An allow-list of the same class as podman's and
 * Docker's defaults: what ordinary programs and package managers use.
 * Unknown (newer) syscalls get ENOSYS so C libraries fall back; the dangerous
 * known ones get EPERM: new namespaces and mounts, keyrings, bpf, kexec,
 * modules, perf, userfaultfd, open_by_handle_at (the "shocker" escape),
 * reboot, swap, clock setting.  This only writes JSON; compiling and loading
 * a profile is seccomp.c's job. */
#include <config.h>
#include "spec.h"
#include <errno.h>

static const char *const default_allowed[] = {
  "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset",
  "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
  "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
  "close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
  "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
  "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
  "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod",
  "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync",
  "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64",
  "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue",
  "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd",
  "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
  "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
  "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
  "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
  "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
  "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
  "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
  "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill", "landlock_add_rule",
  "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
  "linkat", "listen", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr",
  "lstat", "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
  "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2",
  "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
  "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
  "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
  "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_getfd", "pidfd_open",
  "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll",
  "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
  "process_vm_readv", "process_vm_writev", "pselect6", "pselect6_time64", "ptrace", "pwrite64",
  "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
  "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
  "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
  "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
  "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
  "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
  "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
  "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
  "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
  "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid",
  "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
  "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
  "set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
  "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socket",
  "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink",
  "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
  "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
  "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
  "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname",
  "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice",
  "wait4", "waitid", "waitpid", "write", "writev", "arch_prctl", "modify_ldt", "chroot", NULL,
};

static const char *const default_denied[] = {
  "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "mount_setattr", "move_mount",
  "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "keyctl", "add_key", "request_key", "bpf",
  "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
  "perf_event_open", "userfaultfd", "open_by_handle_at", "reboot", "swapon", "swapoff", "acct",
  "quotactl", "quotactl_fd", "syslog", "settimeofday", "clock_settime", "clock_settime64", "stime",
  "iopl", "ioperm", "lookup_dcookie", "nfsservctl", "vm86", "vm86old", "uselib", "ustat", "sysfs",
  "_sysctl", "fanotify_init", "kcmp", "get_mempolicy", "set_mempolicy", "mbind", "move_pages",
  "migrate_pages", NULL,
};

static void
w_names (json_writer *w, const char *const *names)
{
  json_w_key (w, "names");
  json_w_open_array (w);
  for (; *names; names++)
    json_w_string (w, *names);
  json_w_close_array (w);
}

static void
w_rule (json_writer *w, const char *const *names, const char *action, int errno_ret)
{
  json_w_open_object (w);
  w_names (w, names);
  json_w_key (w, "action");
  json_w_string (w, action);
  if (errno_ret >= 0)
    {
      json_w_key (w, "errnoRet");
      json_w_int (w, errno_ret);
    }
  json_w_close_object (w);
}

/* An SCMP_ACT_ALLOW rule with one condition on the first argument. */
static void
w_rule_arg0 (json_writer *w, const char *const *names, long long value, long long value_two, const char *op)
{
  json_w_open_object (w);
  w_names (w, names);
  json_w_key (w, "action");
  json_w_string (w, "SCMP_ACT_ALLOW");
  json_w_key (w, "args");
  json_w_open_array (w);
  json_w_open_object (w);
  json_w_key (w, "index");
  json_w_int (w, 0);
  json_w_key (w, "value");
  json_w_int (w, value);
  json_w_key (w, "valueTwo");
  json_w_int (w, value_two);
  json_w_key (w, "op");
  json_w_string (w, op);
  json_w_close_object (w);
  json_w_close_array (w);
  json_w_close_object (w);
}

void
spec_default_write_seccomp (json_writer *w)
{
  static const char *const clone_names[] = { "clone", NULL };
  static const char *const clone3_names[] = { "clone3", NULL };
  static const char *const personality_names[] = { "personality", NULL };
  /* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
  const long long ns_flags = 0x7E020000LL;
  static const long long personas[] = { 0, 8, 0x20000, 0x20008, 0xffffffffLL };

  json_w_key (w, "seccomp");
  json_w_open_object (w);
  json_w_key (w, "defaultAction");
  json_w_string (w, "SCMP_ACT_ERRNO");
  json_w_key (w, "defaultErrnoRet");
  json_w_int (w, ENOSYS);
  json_w_key (w, "architectures");
  json_w_open_array (w);
#if defined(__x86_64__)
  json_w_string (w, "SCMP_ARCH_X86_64");
  json_w_string (w, "SCMP_ARCH_X86");
  json_w_string (w, "SCMP_ARCH_X32");
#elif defined(__aarch64__)
  json_w_string (w, "SCMP_ARCH_AARCH64");
  json_w_string (w, "SCMP_ARCH_ARM");
#endif
  json_w_close_array (w);
  json_w_key (w, "syscalls");
  json_w_open_array (w);
  w_rule (w, default_allowed, "SCMP_ACT_ALLOW", -1);
  /* clone, but not into new namespaces */
  w_rule_arg0 (w, clone_names, ns_flags, 0, "SCMP_CMP_MASKED_EQ");
  /* clone3's flags are in memory a filter cannot read: ENOSYS makes the C
   * library fall back to clone */
  w_rule (w, clone3_names, "SCMP_ACT_ERRNO", ENOSYS);
  for (size_t i = 0; i < sizeof personas / sizeof *personas; i++)
    w_rule_arg0 (w, personality_names, personas[i], 0, "SCMP_CMP_EQ");
  w_rule (w, default_denied, "SCMP_ACT_ERRNO", EPERM);
  json_w_close_array (w);
  json_w_close_object (w);
}
