#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containerd (its runc v2 shim) driving urun through `ctr run --runc-binary
# PATH`, each scenario beside the same with crun.  As root only.  The
# containerd daemon is this file's own: its config, root, state and socket
# in a temporary directory, the CRI plugin off, the native snapshotter;
# the runtime's state root (--runc-root) is under that directory too and
# is checked to be empty after each scenario.  The image is an OCI archive
# made from the busybox rootfs (ctr images import).

load helpers

NS=urun-tests

setup_file() {
    require_root "containerd"
    require_cmd containerd
    require_cmd ctr containerd
    require_cmd containerd-shim-runc-v2 containerd
    # short: the daemon's socket paths must fit in sun_path
    CTRD_DIR=$(mktemp -d /tmp/urun-ctrd.XXXXXX)
    cat > "$CTRD_DIR/config.toml" <<EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$CTRD_DIR/c.sock"
[ttrpc]
  address = "$CTRD_DIR/c.sock.ttrpc"
[debug]
  address = "$CTRD_DIR/debug.sock"
[metrics]
  address = ""
EOF
    containerd --config "$CTRD_DIR/config.toml" > "$CTRD_DIR/containerd.log" 2>&1 &
    CTRD_PID=$!
    export CTRD_DIR CTRD_PID
    if ! wait_until 100 0.1 ctr_ready; then
        echo "# containerd did not come up in 10 s; its log:" >&3
        sed 's/^/# /' "$CTRD_DIR/containerd.log" >&3
        return 1
    fi
    CRUN_WRAPPER=$(make_crun_wrapper "$CTRD_DIR")
    export CRUN_WRAPPER
    make_oci_archive "$CTRD_DIR/image.tar"
    ctr_ images import --snapshotter native "$CTRD_DIR/image.tar" > "$CTRD_DIR/import.log" 2>&1 ||
        { cat "$CTRD_DIR/import.log" >&3; return 1; }
}

teardown_file() {
    [ -n "${CTRD_DIR:-}" ] || return 0
    if [ -n "${CTRD_PID:-}" ]; then
        local t
        for t in $(ctr_ task ls -q 2>/dev/null); do
            ctr_ task kill -s KILL "$t" >/dev/null 2>&1
            wait_until 20 0.25 task_stopped "$t"
            ctr_ task delete "$t" >/dev/null 2>&1
        done
        for t in $(ctr_ containers ls -q 2>/dev/null); do
            ctr_ containers delete "$t" >/dev/null 2>&1
        done
        stop_pid "$CTRD_PID"
    fi
    rm -rf "$CTRD_DIR"
}

ctr_() { bounded ctr --address "$CTRD_DIR/c.sock" --namespace "$NS" "$@"; }
ctr_ready() { ctr_ version >/dev/null 2>&1; }
task_status() { ctr_ task ls 2>/dev/null | awk -v t="$1" '$1 == t { print $3 }'; }
task_stopped() { [ "$(task_status "$1")" = STOPPED ]; }
task_running() { [ "$(task_status "$1")" = RUNNING ]; }

use_runtime() {
    RT_NAME=$1
    RT=$(runtime_path "$1")
    RT_ROOT=$CTRD_DIR/runtime-root-$1
    mkdir -p "$RT_ROOT"
    snapshot_state "$RT_ROOT/$NS"
    CNAME=c$BATS_TEST_NUMBER-$1
}
run_ctr() { ctr_ run --snapshotter native --runc-binary "$RT" --runc-root "$RT_ROOT" "$@"; }
ctr_in() { local line=$1; shift; printf '%s\n' "$line" | ctr_ "$@"; }

# A running task that sleeps, for exec and kill.
start_sleeper() {
    run run_ctr -d "$IMAGE" "$CNAME" sleep 1000
    expect_status 0
    wait_until 40 0.25 task_running "$CNAME"
}

# kill -9 the task, then delete it and its container
remove_sleeper() {
    run ctr_ task kill -s KILL "$CNAME"
    expect_status 0
    wait_until 40 0.25 task_stopped "$CNAME"
    run ctr_ task delete "$CNAME"
    expect_status 0
    run ctr_ containers delete "$CNAME"
    expect_status 0
}

sc_echo() {
    use_runtime "$1"
    # exactly hi: stdout and stderr both, so no warning either
    run run_ctr --rm "$IMAGE" "$CNAME" echo hi
    expect_status 0
    expect_output hi
    assert_no_new_state
}

sc_exit_code() {
    use_runtime "$1"
    run run_ctr --rm "$IMAGE" "$CNAME" sh -c 'exit 3'
    expect_status 3
    expect_output ""
    assert_no_new_state
}

sc_exec() {
    use_runtime "$1"
    start_sleeper
    run ctr_ task exec --exec-id e1 "$CNAME" id -u
    expect_status 0
    expect_output 0
    run ctr_ task exec --exec-id e2 "$CNAME" sh -c 'exit 5'
    expect_status 5
    run ctr_in exec-stdin task exec --exec-id e3 "$CNAME" cat
    expect_status 0
    expect_output exec-stdin
    run in_terminal ctr --address "$CTRD_DIR/c.sock" --namespace "$NS" task exec -t --exec-id e4 "$CNAME" sh -c 'tty; exit 6'
    expect_status 6
    [[ "$output" == *"/dev/pts/"* ]]
    run ctr_ task ps "$CNAME"
    expect_status 0
    [ "${#lines[@]}" -ge 2 ]
    remove_sleeper
    assert_no_new_state
}

sc_kill() {
    use_runtime "$1"
    start_sleeper
    # sleep as pid 1 has no handler for SIGTERM: that one is ignored; KILL is not
    run ctr_ task kill -s TERM "$CNAME"
    expect_status 0
    sleep 0.5
    run task_status "$CNAME"
    expect_output RUNNING
    remove_sleeper
    run ctr_ containers ls -q
    [[ "$output" != *"$CNAME"* ]]
    assert_no_new_state
}

@test "containerd [urun]: ctr run --rm echo hi prints exactly hi" { sc_echo urun; }
@test "containerd [crun]: ctr run --rm echo hi prints exactly hi" { sc_echo crun; }
@test "containerd [urun]: the exit code passes through" { sc_exit_code urun; }
@test "containerd [crun]: the exit code passes through" { sc_exit_code crun; }
@test "containerd [urun]: task exec (id, exit code, stdin, -t), task ps" { sc_exec urun; }
@test "containerd [crun]: task exec (id, exit code, stdin, -t), task ps" { sc_exec crun; }
@test "containerd [urun]: task kill, task delete, container delete" { sc_kill urun; }
@test "containerd [crun]: task kill, task delete, container delete" { sc_kill crun; }
