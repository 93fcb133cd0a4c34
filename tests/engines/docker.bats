#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# docker driving urun (`dockerd --add-runtime urun=PATH`, `docker run
# --runtime urun`), each scenario beside the same with crun.  As root only.
# The daemon is this file's own: --iptables=false --bridge=none (no host
# network change), vfs storage, its own data root, exec root, pid file and
# socket in a temporary directory; the containerd it starts is its child
# and goes with it.  The image is a docker archive made from the busybox
# rootfs (docker load).  The client is the packaged /usr/bin/docker unless
# URUN_DOCKER names another.

load helpers

DOCKER=${URUN_DOCKER:-/usr/bin/docker}

setup_file() {
    require_root "dockerd"
    require_cmd dockerd docker.io
    [ -x "$DOCKER" ] || skip "no docker client at $DOCKER (apt-get install docker.io)"
    require_cmd containerd
    DK_DIR=$(mktemp -d /tmp/urun-dk.XXXXXX)
    CRUN_WRAPPER=$(make_crun_wrapper "$DK_DIR")
    export DK_DIR CRUN_WRAPPER
    # no daemon.json: an empty one, so that /etc/docker/daemon.json is not read
    echo '{}' > "$DK_DIR/daemon.json"
    dockerd --config-file "$DK_DIR/daemon.json" \
        --iptables=false --ip6tables=false --bridge=none --userland-proxy=false \
        --storage-driver vfs --data-root "$DK_DIR/data" --exec-root "$DK_DIR/exec" \
        --pidfile "$DK_DIR/dockerd.pid" --host "unix://$DK_DIR/d.sock" \
        --add-runtime "urun=$URUN" --add-runtime "crun=$CRUN_WRAPPER" \
        > "$DK_DIR/dockerd.log" 2>&1 &
    DK_PID=$!
    export DK_PID
    if ! wait_until 150 0.2 dk_ready; then
        echo "# dockerd did not come up in 30 s; its log:" >&3
        tail -n 30 "$DK_DIR/dockerd.log" | sed 's/^/# /' >&3
        return 1
    fi
    make_docker_archive "$DK_DIR/image.tar"
    dk load -i "$DK_DIR/image.tar" > "$DK_DIR/load.log" 2>&1 ||
        { cat "$DK_DIR/load.log" >&3; return 1; }
}

teardown_file() {
    [ -n "${DK_DIR:-}" ] || return 0
    if [ -n "${DK_PID:-}" ]; then
        local ids
        ids=$(dk ps -aq 2>/dev/null)
        # shellcheck disable=SC2086
        [ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1
        stop_pid "$DK_PID"
    fi
    # the data root holds vfs layers; its mounts went with the daemon
    rm -rf "$DK_DIR"
}

dk() { bounded "$DOCKER" --host "unix://$DK_DIR/d.sock" "$@"; }
dk_ready() { dk version >/dev/null 2>&1; }
dk_in() { local line=$1; shift; printf '%s\n' "$line" | dk "$@"; }
dk_status_is() { [ "$(dk inspect --format '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ]; }
dk_logs_have() { dk logs "$1" 2>&1 | grep -qx "$2"; }

use_runtime() {
    RT_NAME=$1
    RT=$(runtime_path "$1")   # skips when the runtime is missing
    CNAME=c$BATS_TEST_NUMBER-$1
}

sc_echo() {
    use_runtime "$1"
    run dk run --rm --runtime "$RT_NAME" "$IMAGE" echo hi
    expect_status 0
    expect_output hi
}

sc_exit_code() {
    use_runtime "$1"
    run dk run --rm --runtime "$RT_NAME" "$IMAGE" sh -c 'exit 3'
    expect_status 3
    expect_output ""
}

sc_tty() {
    use_runtime "$1"
    run in_terminal "$DOCKER" --host "unix://$DK_DIR/d.sock" run --rm -it --runtime "$RT_NAME" "$IMAGE" \
        sh -c 'tty; [ -t 0 ] && echo stdin-is-tty; exit 7'
    expect_status 7
    [[ "$output" == *"/dev/pts/"* ]]
    [[ "$output" == *"stdin-is-tty"* ]]
}

sc_exec_logs() {
    use_runtime "$1"
    run dk run -d --name "$CNAME" --runtime "$RT_NAME" "$IMAGE" sh -c 'echo out-line; echo err-line >&2; exec sleep 1000'
    expect_status 0
    wait_until 40 0.25 dk_status_is "$CNAME" running
    run dk exec "$CNAME" id -u
    expect_status 0
    expect_output 0
    run dk exec "$CNAME" sh -c 'exit 4'
    expect_status 4
    run dk_in exec-stdin exec -i "$CNAME" cat
    expect_status 0
    expect_output exec-stdin
    run in_terminal "$DOCKER" --host "unix://$DK_DIR/d.sock" exec -it "$CNAME" sh -c 'tty; exit 5'
    expect_status 5
    [[ "$output" == *"/dev/pts/"* ]]
    wait_until 40 0.25 dk_logs_have "$CNAME" err-line
    run dk logs "$CNAME"
    expect_status 0
    output=$(printf '%s\n' "$output" | sort)
    expect_output "$(printf 'err-line\nout-line')"
    run dk rm -f "$CNAME"
    expect_status 0
}

@test "docker [urun]: run --rm echo hi prints exactly hi" { sc_echo urun; }
@test "docker [crun]: run --rm echo hi prints exactly hi" { sc_echo crun; }
@test "docker [urun]: the exit code passes through" { sc_exit_code urun; }
@test "docker [crun]: the exit code passes through" { sc_exit_code crun; }
@test "docker [urun]: run -it gives a terminal" { sc_tty urun; }
@test "docker [crun]: run -it gives a terminal" { sc_tty crun; }
@test "docker [urun]: exec (id, exit code, -i, -it) and logs" { sc_exec_logs urun; }
@test "docker [crun]: exec (id, exit code, -i, -it) and logs" { sc_exec_logs crun; }
