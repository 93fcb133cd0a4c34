#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# NOTIFY_SOCKET (systemd's sd_notify, podman --sdnotify=container): the
# container gets /run/notify/notify.sock; its READY=1 reaches the caller's
# socket with MAINPID = the container's pid, as runc and crun pass it on.
load helpers

# A stand-in for systemd's socket on $HOSTSOCK (tests/tools/notify-listener.py):
# what it gets goes to $BATS_TEST_TMPDIR/got.
start_host_listener() {
    HOSTSOCK=$BATS_TEST_TMPDIR/host.sock
    : > "$BATS_TEST_TMPDIR/got"
    python3 "$URUN_TOOLS/notify-listener.py" "$HOSTSOCK" "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/listening" &
    LISTENER=$!
    wait_file "$BATS_TEST_TMPDIR/listening"
}

notify_bundle() {
    setup_bundle "$@"
    cp "$URUN_TOOLS/sdnotify" "$BUNDLE/rootfs/bin/sdnotify"
}

teardown() {
    [ -z "${LISTENER:-}" ] || kill "$LISTENER" 2>/dev/null || true
    teardown_containers
}

@test "NOTIFY_SOCKET: create/start: the program's READY=1 reaches the host socket with MAINPID" {
    start_host_listener
    notify_bundle sh -c 'echo "$NOTIFY_SOCKET" > /tmp/env; sdnotify "STATUS=starting"; sdnotify READY=1; sleep 1000'
    NOTIFY_SOCKET=$HOSTSOCK urun_create c1
    # start returns once READY=1 came (runc's behaviour)
    run env NOTIFY_SOCKET="$HOSTSOCK" "$URUN" --root "$BATS_TEST_TMPDIR/state" start c1
    [ "$status" -eq 0 ]
    pid=$(container_pid c1)
    for _ in $(seq 50); do grep -q MAINPID "$BATS_TEST_TMPDIR/got" && break; sleep 0.1; done
    cat "$BATS_TEST_TMPDIR/got"
    grep -qx "READY=1" "$BATS_TEST_TMPDIR/got"
    grep -qx "MAINPID=$pid" "$BATS_TEST_TMPDIR/got"
    # STATUS= is not passed on, only READY=
    run grep -c STATUS "$BATS_TEST_TMPDIR/got"
    [ "$output" = 0 ]
    [ "$(cat "$BUNDLE/rootfs/tmp/env")" = /run/notify/notify.sock ]
    urun delete -f c1
    assert_no_state
}

@test "NOTIFY_SOCKET: run -d and --notify-socket; the socket directory is read-only inside" {
    start_host_listener
    notify_bundle sh -c 'touch /run/notify/x 2>/dev/null && echo writable; sdnotify READY=1; sleep 1000'
    urun_run_detached --notify-socket "$HOSTSOCK" c1
    for _ in $(seq 50); do grep -q MAINPID "$BATS_TEST_TMPDIR/got" && break; sleep 0.1; done
    grep -qx "MAINPID=$(container_pid c1)" "$BATS_TEST_TMPDIR/got"
    [ ! -e "$BATS_TEST_TMPDIR/state/c1/notify/x" ]
    urun delete -f c1
    assert_no_state
}

@test "NOTIFY_SOCKET: a program that ends without READY=1 lets start return" {
    start_host_listener
    notify_bundle true
    NOTIFY_SOCKET=$HOSTSOCK urun_create c1
    run env NOTIFY_SOCKET="$HOSTSOCK" timeout 20 "$URUN" --root "$BATS_TEST_TMPDIR/state" start c1
    [ "$status" -eq 0 ]
    [ ! -s "$BATS_TEST_TMPDIR/got" ]
    urun delete -f c1
}

@test "NOTIFY_SOCKET: foreground run passes READY=1 on while it waits" {
    start_host_listener
    notify_bundle sh -c 'sdnotify READY=1; sleep 1; echo done'
    run env NOTIFY_SOCKET="$HOSTSOCK" timeout 20 "$URUN" --root "$BATS_TEST_TMPDIR/state" run c1
    [ "$status" -eq 0 ]
    [ "$output" = done ]
    grep -qx "READY=1" "$BATS_TEST_TMPDIR/got"
    assert_no_state
}
