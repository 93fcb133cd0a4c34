#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Regenerate the seed corpus of the fuzz targets (tests/fuzz/corpus), which
# is kept in the tree: `make fuzz` only ever reads it.
#   tests/fuzz/make-corpus.sh URUN [USER]
# URUN is a built urun.  spec/: `urun spec` (plain, --rootless,
# --seccomp-default), the same edited the way the test suite edits it (jq),
# and process objects for `exec --process`.  state/: the state.json and
# init.pid of real containers, so this part needs root (and busybox-static);
# with USER (a user with subordinate ids in /etc/subuid), a rootless one too.
# Needs jq.  Inputs the fuzzers found (crashes fixed since) are kept in
# corpus/*/regress-* and are not touched here.
set -euo pipefail
URUN=$(realpath "${1:?usage: make-corpus.sh URUN [USER]}")
USER_ROOTLESS=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
spec=$here/corpus/spec state=$here/corpus/state
tmp=$(mktemp -d /tmp/urun-corpus.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$spec" "$state"

# ---- spec/ ----
"$URUN" spec --bundle "$tmp" && mv "$tmp/config.json" "$spec/default.json"
"$URUN" spec --rootless --bundle "$tmp" 2>/dev/null && mv "$tmp/config.json" "$spec/rootless.json"
"$URUN" spec --seccomp-default --bundle "$tmp" && mv "$tmp/config.json" "$spec/seccomp-default.json"
if [ -n "$USER_ROOTLESS" ]; then
    # the user's own rootless config and container: two id mappings
    chmod 755 "$tmp"
    mkdir -p "$tmp/u" && install -m 755 "$URUN" "$tmp/u/urun" && chown "$USER_ROOTLESS:" "$tmp/u"
    runuser -u "$USER_ROOTLESS" -- "$tmp/u/urun" spec --rootless --bundle "$tmp/u" 2>/dev/null
    mv "$tmp/u/config.json" "$spec/rootless-subids.json"
fi

# NAME FILTER: default.json edited by a jq filter (compact: smaller inputs)
edit() {
    jq -c "$2" "$spec/default.json" > "$spec/$1.json"
}
edit minimal '{ociVersion, root: {path: "rootfs"}}'
edit hooks '.hooks = {
    prestart: [{path: "/bin/true"}],
    createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "cat > /tmp/state.json"], env: ["A=1", "PATH=/bin"], timeout: 5}],
    createContainer: [{path: "/bin/true", timeout: 31536000}],
    startContainer: [{path: "/bin/sh", args: ["sh", "-c", "echo startContainer"]}],
    poststart: [{path: "/bin/true", args: ["true"]}, {path: "/bin/false"}],
    poststop: [{path: "/usr/bin/env", env: []}]}'
edit mounts '.mounts += [
    {destination: "/data", type: "bind", source: "/srv/data", options: ["rbind", "ro", "nosuid", "nodev", "noexec", "rslave"]},
    {destination: "/rel", type: "bind", source: "reldata", options: ["bind", "rw", "suid", "dev", "exec", "private"]},
    {destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["mode=1777", "size=64k", "nr_inodes=1k", "noatime", "nodiratime", "strictatime", "sync", "dirsync"]},
    {destination: "/up", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "relatime", "norelatime", "nostrictatime", "atime", "diratime", "async", "mand", "nomand", "remount", "nosymfollow", "symfollow", "shared", "rshared", "unbindable", "runbindable", "rprivate", "slave"]},
    {destination: "/b", source: "/b", options: ["bind"]}]'
edit devices '.linux.devices = [
    {path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 438, uid: 0, gid: 0},
    {path: "/dev/sub/dir/zero2", type: "c", major: 1, minor: 5, fileMode: 416, uid: 1000, gid: 1000},
    {path: "/dev/loop9", type: "b", major: 7, minor: 9},
    {path: "/dev/fifo", type: "p"},
    {path: "/dev/u", type: "u", major: 1048575, minor: 1048575, fileMode: 4294967295}]
  | .linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]'
edit namespaces-paths '.linux.namespaces = [
    {type: "pid", path: "/proc/1/ns/pid"}, {type: "network", path: "/var/run/netns/x"}, {type: "ipc", path: "/proc/1/ns/ipc"},
    {type: "uts"}, {type: "mount"}, {type: "cgroup"}, {type: "user", path: "/proc/1/ns/user"}, {type: "time", path: "/proc/1/ns/time"}]
  | .hostname = "h"'
edit userns-mappings '.linux.namespaces += [{type: "user"}]
  | .linux.uidMappings = [{containerID: 0, hostID: 1000, size: 1}, {containerID: 1, hostID: 100000, size: 65536}]
  | .linux.gidMappings = [{containerID: 0, hostID: 4294967295, size: 4294967295}]'
edit seccomp-args '.process.noNewPrivileges = true | .linux.seccomp = {
    defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38,
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "x86_64"],
    flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    syscalls: [
      {names: ["read", "write", "exit_group", "execve", "brk", "mmap", "no_such_syscall"], action: "SCMP_ACT_ALLOW"},
      {names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 0, op: "SCMP_CMP_EQ"}, {index: 0, value: 8, op: "SCMP_CMP_EQ"}, {index: 0, value: 4294967295, op: "SCMP_CMP_EQ"}]},
      {names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ"}]},
      {names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: 1, args: [{index: 0, value: 16, op: "SCMP_CMP_NE"}, {index: 2, value: 9, op: "SCMP_CMP_GE"}]},
      {names: ["kill"], action: "SCMP_ACT_KILL_PROCESS", args: [{index: 1, value: 9, op: "SCMP_CMP_LT"}, {index: 5, value: 18446744073709551615, op: "SCMP_CMP_LE"}]},
      {names: ["ptrace"], action: "SCMP_ACT_TRACE", errnoRet: 3},
      {names: ["uname"], action: "SCMP_ACT_TRAP"},
      {names: ["getpid"], action: "SCMP_ACT_LOG", args: [{index: 3, value: 1, op: "SCMP_CMP_GT"}]},
      {names: ["getppid"], action: "SCMP_ACT_KILL"},
      {names: ["gettid"], action: "SCMP_ACT_KILL_THREAD"}]}'
edit seccomp-notify '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/listener.sock", listenerMetadata: "meta-42",
    flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"],
    syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}, {names: ["capset"], action: "SCMP_ACT_ERRNO"}]}'
edit time-offsets '.linux.namespaces += [{type: "time"}]
  | .linux.timeOffsets = {boottime: {secs: 864000}, monotonic: {secs: -3600, nanosecs: 999999999}}'
edit rlimits '.process.rlimits = [
    {type: "RLIMIT_NOFILE", soft: 3, hard: 3}, {type: "RLIMIT_CORE", soft: 18446744073709551615, hard: 18446744073709551615},
    {type: "RLIMIT_AS", soft: 0, hard: 9223372036854775807}, {type: "RLIMIT_NPROC", soft: 100, hard: 200},
    {type: "RLIMIT_STACK", soft: 8388608, hard: 8388608}, {type: "RLIMIT_RTTIME", soft: 1, hard: 2},
    {type: "RLIMIT_SIGPENDING", soft: 1, hard: 1}, {type: "RLIMIT_MSGQUEUE", soft: 1, hard: 1}]'
edit sysctl-annotations '.linux.namespaces += [{type: "uts"}]
  | .linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1", "fs.mqueue.queues_max": "64"}
  | .annotations = {"org.urun.test": "state", "other": "x", "": ""}
  | .hostname = "urun-test-host" | .domainname = "example.test" | .linux.cgroupsPath = "/urun/c1"
  | .linux.rootfsPropagation = "rslave" | .root.readonly = true
  | .linux.resources = {memory: {limit: 268435456}, pids: {limit: 100}, cpu: {shares: 1024}, devices: []}
  | .linux.maskedPaths += ["/proc/no-such-file-urun"] | .linux.readonlyPaths += ["/proc/sys"]'
edit process-full '.process = {terminal: true, consoleSize: {height: 24, width: 80},
    user: {uid: 1000, gid: 1000, umask: 18, additionalGids: [5, 6, 4294967295]},
    args: ["sh", "-c", "echo \"$X\""], env: ["PATH=/bin", "X=42", "EMPTY="], cwd: "/tmp",
    capabilities: {bounding: ["CAP_KILL", "CAP_SYS_ADMIN", "cap_chown"], effective: ["CAP_KILL"], inheritable: [],
                   permitted: ["CAP_KILL"], ambient: ["CAP_NET_BIND_SERVICE"]},
    noNewPrivileges: true, oomScoreAdj: -1000}'
# process objects, as `exec --process FILE` reads them (tests/integration/exec_ps.bats)
jq -n -c '{terminal: false, user: {uid: 1000, gid: 1000}, args: ["sh", "-c", "echo \"from-process $X $(pwd) $(id -u)\""],
    env: ["PATH=/bin", "X=42"], cwd: "/tmp", capabilities: {bounding: ["CAP_KILL"]}}' > "$spec/process-exec.json"
jq -n -c '{user: {uid: 1000, gid: 1000}, args: ["sh"], env: ["PATH=/bin"], cwd: "/",
    rlimits: [{type: "RLIMIT_NOFILE", soft: 1024, hard: 1024}], oomScoreAdj: 1000}' > "$spec/process-exec-user.json"

# ---- state/ ----
if [ "$(id -u)" != 0 ]; then
    echo "make-corpus.sh: not root: state/ left as it is" >&2
    exit 0
fi
mkdir -p "$tmp/b/rootfs"/{bin,proc,sys,dev,etc,tmp}
cp /bin/busybox "$tmp/b/rootfs/bin/busybox"
ln -s busybox "$tmp/b/rootfs/bin/sleep"
jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$spec/default.json" > "$tmp/b/config.json"
# NAME ID [JQ]: create a container, keep its state.json (and init.pid)
container() {
    local name=$1 id=$2 f=${3:-.}
    jq "$f" "$tmp/b/config.json" > "$tmp/b/c.json" && mv "$tmp/b/c.json" "$tmp/b/config.json"
    "$URUN" --root "$tmp/state" create --bundle "$tmp/b" "$id" </dev/null >/dev/null 2>&1
    cp "$tmp/state/$id/state.json" "$state/$name.json"
    cp "$tmp/state/$id/init.pid" "$state/$name.init.pid"
    "$URUN" --root "$tmp/state" delete -f "$id"
}
container created c1
container annotations my-container_1.2 '.annotations = {"org.urun.test": "state", "other": "x", "org.opencontainers.image.title": "t\"\\\n\u00e9"}'
# by hand, as state_write writes them: a stopped container, limits of the fields
printf '{"id":"%s","pid":0,"pidStartTime":0,"bundle":"/b","rootfs":"/b/rootfs","created":"2024-01-01T00:00:00.000000000Z","owner":0,"rootless":false,"annotations":{}}' \
    stopped > "$state/stopped.json"
printf '{"id":"%s","pid":4194303,"pidStartTime":18446744073709551615,"bundle":"","rootfs":"","created":"","owner":4294967295,"rootless":true,"annotations":{"a":"b"}}' \
    "$(printf 'x%.0s' $(seq 1024))" > "$state/limits.json"
printf '4194303 18446744073709551615\n' > "$state/limits.init.pid"
if [ -n "$USER_ROOTLESS" ]; then
    uid=$(id -u "$USER_ROOTLESS")
    mkdir -p "/run/user/$uid" && chown "$USER_ROOTLESS:" "/run/user/$uid" && chmod 700 "/run/user/$uid"
    mkdir -p "$tmp/u/b" && cp -a "$tmp/b/rootfs" "$tmp/u/b/" && chown -R "$USER_ROOTLESS:" "$tmp/u/b"
    runuser -u "$USER_ROOTLESS" -- env XDG_RUNTIME_DIR="/run/user/$uid" bash -c "
        set -e; cd '$tmp/u/b' && ../urun spec --rootless 2>/dev/null
        jq '.process.terminal = false | .process.args = [\"sleep\", \"1000\"]' config.json > c.json && mv c.json config.json
        ../urun create u1 </dev/null >/dev/null 2>&1
        cp /run/user/$uid/urun/u1/state.json ../rootless.json; ../urun delete -f u1"
    mv "$tmp/u/rootless.json" "$state/rootless.json"
fi
owner=$(stat -c %u:%g "$here")
chown "$owner" "$spec"/* "$state"/* && chmod 644 "$spec"/* "$state"/*
