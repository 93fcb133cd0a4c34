# SPDX-License-Identifier: Apache-2.0
# Shared set-up for urun's integration tests.  Each test gets its own state
# root and bundle under $BATS_TEST_TMPDIR; the harness (tests/run-tests.sh)
# runs every file once as root (URUN_TEST_MODE=root) and once as an
# unprivileged user with subordinate ranges (URUN_TEST_MODE=rootless).

URUN=${URUN:?run through tests/run-tests.sh or make check}
URUN_MODE=${URUN_TEST_MODE:-root}

is_rootless() { [ "$URUN_MODE" = rootless ]; }

# urun with a private state root for this test
urun() { "$URUN" --root "$BATS_TEST_TMPDIR/state" "$@"; }

# `urun create` with the container's stdio away from bats's capture pipe
# (the waiting container process holds its stdio open until it exits, and
# bats's `run` waits for the pipe to close).  Output of urun itself goes to
# $BATS_TEST_TMPDIR/create.log and is printed on failure.
urun_create() {
    local rc=0
    urun create "$@" </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 || rc=$?
    [ $rc -eq 0 ] || cat "$BATS_TEST_TMPDIR/create.log" >&2
    return $rc
}

# `urun run -d` likewise.
urun_run_detached() {
    local rc=0
    urun run -d "$@" </dev/null >"$BATS_TEST_TMPDIR/run.log" 2>&1 || rc=$?
    [ $rc -eq 0 ] || cat "$BATS_TEST_TMPDIR/run.log" >&2
    return $rc
}

# Make $BUNDLE: a copy of the busybox rootfs and `urun spec` (--rootless
# when the test user is unprivileged), terminal off, args as given.
setup_bundle() {
    BUNDLE=$BATS_TEST_TMPDIR/bundle
    mkdir -p "$BUNDLE"
    cp -a "$URUN_ROOTFS" "$BUNDLE/rootfs"
    if is_rootless; then
        "$URUN" spec --rootless --bundle "$BUNDLE" 2>/dev/null
    else
        "$URUN" spec --bundle "$BUNDLE"
    fi
    # writable root by default: tests that want it read-only say so
    update_config '.process.terminal = false | .root.readonly = false'
    if [ $# -gt 0 ]; then set_args "$@"; fi
    cd "$BUNDLE"
}

# Apply a jq filter to the bundle's config.json.
update_config() {
    local tmp
    tmp=$(mktemp "$BATS_TEST_TMPDIR/config.XXXXXX")
    jq "$@" "$BUNDLE/config.json" > "$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# Make the config join an existing namespace: TYPE PATH.  Joining a user
# namespace drops the config's own id mappings (the namespace has them).
join_namespace() {
    local type=$1 path=$2
    update_config --arg t "$type" --arg p "$path" \
        '.linux.namespaces |= map(if .type == $t then .path = $p else . end)'
    if [ "$type" = user ]; then
        update_config 'del(.linux.uidMappings) | del(.linux.gidMappings)'
    fi
}

# Set process.args to the given words.
set_args() {
    local json
    json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
    update_config --argjson a "$json" '.process.args = $a'
}

# The test user's first subordinate uid (rootless) or 0.
host_uid_of_container_root() {
    if is_rootless; then id -u; else echo 0; fi
}

# Fail if the state root holds anything (no container left behind).
assert_no_state() {
    local left
    # the user namespace keeper's records (its own, its spare's) are the
    # state root's, not a container's
    left=$(ls -A "$BATS_TEST_TMPDIR/state" 2>/dev/null | grep -v -x -e .userns-keeper -e .userns-keeper.lock -e .userns-spare || true)
    if [ -n "$left" ]; then
        echo "state left behind: $left" >&2
        return 1
    fi
}

# Wait (bounded: 5 s) until the container reaches a status.
wait_status() {
    local id=$1 want=$2 i
    for i in $(seq 1 100); do
        if [ "$(urun state "$id" 2>/dev/null | jq -r .status)" = "$want" ]; then return 0; fi
        sleep 0.05
    done
    echo "container $id never became $want" >&2
    return 1
}

# Remove every container this test made, so no process outlives the test.
teardown_containers() {
    local id
    for id in $(urun list -q 2>/dev/null); do
        urun delete --force "$id" >/dev/null 2>&1 || true
    done
    kill_keepers
}

# The pid a record names (the line "pid N" of file $1), if that process is
# alive and its comm is $2; else nothing.
recorded_pid() {
    local pid
    pid=$(awk '$1 == "pid" { print $2 }' "$1" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then echo "$pid"; fi
}

# The pid of the user namespace keeper recorded in state root $1 (default
# this test's), if that process is alive and is a keeper; else nothing.
keeper_pid() { recorded_pid "${1:-$BATS_TEST_TMPDIR/state}/.userns-keeper" urun-keeper; }

# The keepers urun made for this test (each state root under its
# directory), killed by their recorded pids.
kill_keepers() {
    local rec pid
    for rec in $(find "$BATS_TEST_TMPDIR" -name .userns-keeper 2>/dev/null); do
        pid=$(keeper_pid "${rec%/.userns-keeper}")
        [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    done
}

teardown() { teardown_containers; }

# ---- added for the topic test files ------------------------------------

# The first subordinate id of the calling user in FILE (default
# /etc/subuid), looked up by name or by uid; empty when there is none.
subid_start() {
    local f=${1:-/etc/subuid}
    awk -F: -v u="$(id -un)" -v n="$(id -u)" '$1 == u || $1 == n { print $2; exit }' "$f" 2>/dev/null
}

# Run urun with stdin from /dev/null and stdout and stderr kept apart:
# sets $status, $out (stdout) and $err (stderr).  For commands that do not
# leave a container process holding the descriptors (not create / run -d).
urun_split() {
    status=0
    urun "$@" </dev/null >"$BATS_TEST_TMPDIR/split.out" 2>"$BATS_TEST_TMPDIR/split.err" || status=$?
    out=$(cat "$BATS_TEST_TMPDIR/split.out")
    err=$(cat "$BATS_TEST_TMPDIR/split.err")
}

# Like urun_split but runs the urun binary without --root (for tests of
# the default state root).  Takes env(1) arguments first: urun_split_env
# [VAR=... | -u VAR ...] -- ARGS...
urun_split_env() {
    local envargs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envargs+=("$1"); shift; done
    shift
    status=0
    env "${envargs[@]}" "$URUN" "$@" </dev/null >"$BATS_TEST_TMPDIR/split.out" 2>"$BATS_TEST_TMPDIR/split.err" || status=$?
    out=$(cat "$BATS_TEST_TMPDIR/split.out")
    err=$(cat "$BATS_TEST_TMPDIR/split.err")
}

# Assert that $err (from urun_split) is exactly one line starting "urun: "
# and, when given, containing every further argument.
assert_one_error_line() {
    local word
    if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || [ "${err#urun: }" = "$err" ]; then
        echo "expected one stderr line starting 'urun: ', got: $err" >&2
        return 1
    fi
    for word in "$@"; do
        if [[ "$err" != *"$word"* ]]; then
            echo "stderr does not mention '$word': $err" >&2
            return 1
        fi
    done
}

# The host pid of a container's process (from urun state).
container_pid() { urun state "$1" | jq -r .pid; }

# The inode number of namespace TYPE (net, ipc, ...) of process PID.
ns_inode() { stat -L -c %i "/proc/$1/ns/$2"; }

# Wait (bounded: 5 s) until process PID is gone (or a zombie).
wait_pid_gone() {
    local pid=$1 i
    for i in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then return 0; fi
        if [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; then return 0; fi
        sleep 0.05
    done
    echo "process $pid still alive" >&2
    return 1
}

# The number a container writes again and again into FILE (each write
# truncates it first: an empty read is read again, bounded); 0 if none.
read_number() {
    local c i
    for i in $(seq 1 50); do
        c=$(cat "$1" 2>/dev/null)
        if [ -n "$c" ]; then echo "$c"; return 0; fi
        sleep 0.01
    done
    echo 0
}

# Wait (bounded: 5 s) until FILE exists and is not empty.
wait_file() {
    local f=$1 i
    for i in $(seq 1 100); do
        [ -s "$f" ] && return 0
        sleep 0.05
    done
    echo "$f never appeared" >&2
    return 1
}

# A world-writable scratch directory for files written by hooks or by the
# container (hooks run as the test user, as root, or as container root).
make_shared_dir() {
    local d=$BATS_TEST_TMPDIR/$1
    mkdir -p "$d"
    chmod 777 "$d"
    echo "$d"
}

# Assert that $output is non-empty JSON for which the jq FILTER is true
# (jq -e alone accepts an empty input).
assert_json() {
    local filter=${1:-.}
    if [ -z "${output//[[:space:]]/}" ]; then
        echo "expected JSON, got empty output" >&2
        return 1
    fi
    printf '%s\n' "$output" | jq -e "$filter" >/dev/null
}

# The pid of the keeper's spare recorded in state root $1 (default this
# test's), if that process is alive and is a spare; else nothing.
spare_pid() { recorded_pid "${1:-$BATS_TEST_TMPDIR/state}/.userns-spare" urun-spare; }

# The keeper's spare, once made (bounded: 5 s): its pid.
wait_spare() {
    local i s
    for i in $(seq 1 100); do
        s=$(spare_pid)
        if [ -n "$s" ]; then echo "$s"; return 0; fi
        sleep 0.05
    done
    echo "no spare in $BATS_TEST_TMPDIR/state" >&2
    return 1
}

# The processes with this test's state root on their command line, but
# for the keeper and its spare their records name (which show the root
# they serve).
pids_of_state_root() {
    local k s
    k=$(keeper_pid)
    s=$(spare_pid)
    pgrep -f -- "$BATS_TEST_TMPDIR/state" | grep -v -x -e "${k:-none}" -e "${s:-none}" || true
}

# Fail if any process still has this test's state root on its command
# line (a container process left behind by a failed command: urun's
# container processes keep urun's arguments).
assert_no_process() {
    local left
    left=$(pids_of_state_root)
    if [ -n "$left" ]; then
        ps -o pid,args -p "$(echo $left | tr ' ' ,)" >&2 || true
        return 1
    fi
}

# The directory of the OCI runtime-spec JSON schemas (config-schema.json),
# found as ../shared/oci-runtime-spec/schema next to the repository, or
# $URUN_OCI_SCHEMA_DIR; prints nothing when there is none.  (The harness
# runs a staged copy of the tests, so the repository's own location is
# tried through the known checkout /work/main too.)
oci_schema_dir() {
    local d
    for d in ${URUN_OCI_SCHEMA_DIR:-} \
             "$BATS_TEST_DIRNAME/../../../shared/oci-runtime-spec/schema" \
             "$PWD/../shared/oci-runtime-spec/schema" \
             /work/shared/oci-runtime-spec/schema; do
        if [ -f "$d/config-schema.json" ]; then
            (cd "$d" && pwd)
            return 0
        fi
    done
}

# Validate a JSON FILE against SCHEMA (a file in oci_schema_dir, whose
# relative $refs are resolved against its directory) with python3's
# jsonschema; prints the errors.  Returns 2 when jsonschema is missing.
validate_json_schema() {
    local file=$1 schema=$2
    python3 - "$file" "$schema" <<'PY'
import json, os, sys, warnings
warnings.simplefilter("ignore")
try:
    import jsonschema
except ImportError:
    sys.exit(2)
inst = json.load(open(sys.argv[1]))
schema_path = os.path.abspath(sys.argv[2])
schema = json.load(open(schema_path))
resolver = jsonschema.RefResolver(base_uri="file://" + os.path.dirname(schema_path) + "/", referrer=schema)
cls = jsonschema.validators.validator_for(schema)
errors = list(cls(schema, resolver=resolver).iter_errors(inst))
for e in errors:
    print("%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message))
sys.exit(1 if errors else 0)
PY
}

# ---- console sockets ----------------------------------------------------

# start_recvtty [INPUT]: a receiver on $SOCK; its copy of the pty output
# goes to $TTYOUT and the name line to $TTYNAME.
start_recvtty() {
    SOCK=$BATS_TEST_TMPDIR/console.sock
    TTYOUT=$BATS_TEST_TMPDIR/tty.out
    TTYNAME=$BATS_TEST_TMPDIR/tty.name
    "$URUN_TOOLS/recvtty" "$SOCK" "$@" >"$TTYOUT" 2>"$TTYNAME" </dev/null &
    RECVTTY_PID=$!
    local i
    # listening, not only bound (the file exists from bind(2) on): the
    # listening flag (__SO_ACCEPTCON) of /proc/net/unix
    for i in $(seq 1 100); do
        if [ -S "$SOCK" ] && awk -v p="$SOCK" '$NF == p && $4 == "00010000" { f = 1 } END { exit !f }' /proc/net/unix; then
            return 0
        fi
        sleep 0.05
    done
    echo "recvtty never listened on $SOCK" >&2
    return 1
}

# wait for recvtty to finish (it gives up by itself after 30 s); the pty
# output, without carriage returns, in $ttyout
finish_recvtty() {
    wait "$RECVTTY_PID" || true
    ttyout=$(tr -d '\r' < "$TTYOUT")
    echo "tty output: $ttyout"
}

# ---- seccomp listeners ---------------------------------------------------

# Start the test listener on SOCK, answering N notifications (see
# tools/seccomp_listener.c); waits (bounded) until it listens.
start_listener() {
    local sock=$1 n=$2 i
    "$URUN_TOOLS/seccomp_listener" "$sock" "$BATS_TEST_TMPDIR/listener.json" "$n" \
        > "$BATS_TEST_TMPDIR/listener.log" 2>&1 </dev/null &
    LISTENER_PID=$!
    for i in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.05; done
    [ -S "$sock" ]
}

# cgroups: a v1 (or hybrid) host; the cases that need root there (skipped
# with the reason elsewhere); the container's directory in the hierarchy
# of CONTROLLER, from its record in the state directory.
host_v1() { [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; }

need_v1_root() {
    if is_rootless; then skip "rootless: no cgroup of its own on this host"; fi
    if ! host_v1; then skip "not a cgroup v1 host: tests/vm covers cgroup v2"; fi
}

cgroup_dir() {
    awk -v c="$2" '$1 == c { print $2 }' "$BATS_TEST_TMPDIR/state/$1/cgroup"
}
