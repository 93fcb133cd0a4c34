#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# podman driving urun (`--runtime PATH`, no --runtime-flag), each scenario
# beside the same with crun.  Run as root and rootless (the test user).
# podman's configuration is this file's own: containers.conf (cgroupfs, a
# file events log, no default ulimits; as root no network namespace set-up
# by default, so no CNI bridge or iptables rule is made), vfs storage with
# its own graphroot and runroot, and rootless a private XDG_RUNTIME_DIR
# (urun's state root is then $XDG_RUNTIME_DIR/urun, checked after each
# scenario; /run/urun as root).

load helpers

setup_file() {
    require_cmd podman
    require_cmd conmon
    if is_rootless; then
        require_cmd newuidmap uidmap
        grep -q "^$(id -un):" /etc/subuid ||
            skip "$(id -un) has no subordinate uid range in /etc/subuid"
    fi
    PODMAN_DIR=$(mktemp -d /tmp/urun-podman.XXXXXX)
    chmod 755 "$PODMAN_DIR"
    mkdir -p "$PODMAN_DIR/tmp" "$PODMAN_DIR/xdg" "$PODMAN_DIR/home"
    chmod 700 "$PODMAN_DIR/xdg"
    local netns=""
    is_rootless || netns='netns = "none"'
    cat > "$PODMAN_DIR/containers.conf" <<EOF
[containers]
default_ulimits = []
$netns
[engine]
# the runtimes podman hands --log-format=json --log FILE (the README says to
# add urun here, as crun and runc are by default): urun's warnings then go
# to that file, not into the container's output
runtime_supports_json = ["crun", "runc", "urun"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
tmp_dir = "$PODMAN_DIR/tmp"
EOF
    cat > "$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$PODMAN_DIR/graph"
runroot = "$PODMAN_DIR/run"
EOF
    : > "$PODMAN_DIR/registries.conf"
    export PODMAN_DIR CONTAINERS_CONF=$PODMAN_DIR/containers.conf \
        CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf \
        CONTAINERS_REGISTRIES_CONF=$PODMAN_DIR/registries.conf
    # nothing of podman's defaults under the user's own home either
    export HOME=$PODMAN_DIR/home XDG_CONFIG_HOME=$PODMAN_DIR/home/.config \
        XDG_DATA_HOME=$PODMAN_DIR/home/.local/share
    if is_rootless; then
        export XDG_RUNTIME_DIR=$PODMAN_DIR/xdg
    fi
    CRUN_WRAPPER=$(make_crun_wrapper "$PODMAN_DIR")
    export CRUN_WRAPPER
    make_rootfs_tar "$PODMAN_DIR/rootfs.tar"
    bounded podman import --change "ENV=PATH=$IMAGE_PATH" --change 'CMD=["/bin/sh"]' \
        "$PODMAN_DIR/rootfs.tar" "$IMAGE" > "$PODMAN_DIR/import.log" 2>&1 ||
        { cat "$PODMAN_DIR/import.log" >&3; return 1; }
}

teardown_file() {
    [ -n "${PODMAN_DIR:-}" ] || return 0
    bounded podman rm -a -f -t 0 >/dev/null 2>&1
    bounded podman rmi -a -f >/dev/null 2>&1
    if is_rootless; then
        # the image and container files belong to subordinate ids
        bounded podman unshare rm -rf "$PODMAN_DIR/graph" "$PODMAN_DIR/run" 2>/dev/null
        # the pause process rootless podman keeps (its namespaces)
        # (pause.pid is in containers.conf's tmp_dir)
        local f pid
        for f in "$PODMAN_DIR/tmp/pause.pid" "$PODMAN_DIR/xdg/libpod/tmp/pause.pid"; do
            pid=$(cat "$f" 2>/dev/null) || continue
            [ -n "$pid" ] && stop_pid "$pid"
        done
    fi
    rm -rf "$PODMAN_DIR"
}

# pick a runtime for this test: RT (its path), RT_NAME, and a snapshot of
# its state root
use_runtime() {
    RT_NAME=$1
    RT=$(runtime_path "$1")
    snapshot_state "$(state_root_of "$1")"
    CNAME=c$BATS_TEST_NUMBER-$1
}
pm() { bounded podman --runtime "$RT" "$@"; }
# pm with a line on stdin: pm_in LINE ARGS...
pm_in() { local line=$1; shift; printf '%s\n' "$line" | pm "$@"; }
# the container's state as podman sees it
pm_status() { pm inspect --format '{{.State.Status}}' "$1"; }
pm_status_is() { [ "$(pm_status "$1" 2>/dev/null)" = "$2" ]; }
pm_logs_have() { pm logs "$1" 2>&1 | grep -qx "$2"; }

# A detached container that sleeps, for exec/top/stop; started and checked.
start_sleeper() {
    run pm run -d --name "$CNAME" "$IMAGE" sleep 1000
    expect_status 0
    wait_until 40 0.25 pm_status_is "$CNAME" running
}

# ---- scenarios (RUNTIME: urun or crun) ------------------------------------

sc_echo() {
    use_runtime "$1"
    run pm run --rm "$IMAGE" echo hi
    expect_status 0
    expect_output hi
    assert_no_new_state
}

sc_exit_code() {
    use_runtime "$1"
    run pm run --rm "$IMAGE" sh -c 'exit 3'
    expect_status 3
    expect_output ""
    assert_no_new_state
}

sc_stdin() {
    use_runtime "$1"
    run pm_in "from-stdin" run --rm -i "$IMAGE" cat
    expect_status 0
    expect_output from-stdin
    assert_no_new_state
}

sc_tty() {
    use_runtime "$1"
    run in_terminal podman --runtime "$RT" run --rm -t "$IMAGE" sh -c 'tty; [ -t 0 ] && echo stdin-is-tty; exit 7'
    expect_status 7
    [[ "$output" == *"/dev/pts/"* ]]
    [[ "$output" == *"stdin-is-tty"* ]]
    assert_no_new_state
}

sc_exec() {
    use_runtime "$1"
    start_sleeper
    run pm exec "$CNAME" id -u
    expect_status 0
    expect_output 0
    run pm exec "$CNAME" sh -c 'exit 4'
    expect_status 4
    run pm_in "exec-stdin" exec -i "$CNAME" cat
    expect_status 0
    expect_output exec-stdin
    run in_terminal podman --runtime "$RT" exec -t "$CNAME" sh -c 'tty; exit 5'
    expect_status 5
    [[ "$output" == *"/dev/pts/"* ]]
    run pm rm -f -t 0 "$CNAME"
    expect_status 0
    assert_no_new_state
}

sc_top() {
    use_runtime "$1"
    start_sleeper
    run pm top "$CNAME"
    expect_status 0
    [[ "$output" == *"sleep 1000"* ]]
    run pm rm -f -t 0 "$CNAME"
    expect_status 0
    assert_no_new_state
}

sc_logs() {
    use_runtime "$1"
    run pm run -d --name "$CNAME" "$IMAGE" sh -c 'echo out-line; echo err-line >&2; exec sleep 1000'
    expect_status 0
    wait_until 40 0.25 pm_logs_have "$CNAME" err-line
    run pm logs "$CNAME"
    expect_status 0
    # the container's own output, nothing else (sorted: two streams)
    output=$(printf '%s\n' "$output" | sort)
    expect_output "$(printf 'err-line\nout-line')"
    run pm rm -f -t 0 "$CNAME"
    expect_status 0
    assert_no_new_state
}

sc_lifecycle() {
    use_runtime "$1"
    start_sleeper
    # sleep as pid 1 ignores SIGTERM: podman waits 1 s, then SIGKILL
    run pm stop -t 1 "$CNAME"
    expect_status 0
    run pm_status "$CNAME"
    expect_output exited
    run pm start "$CNAME"
    expect_status 0
    wait_until 40 0.25 pm_status_is "$CNAME" running
    run pm exec "$CNAME" echo after-restart
    expect_status 0
    expect_output after-restart
    run pm kill "$CNAME"
    expect_status 0
    run pm wait "$CNAME"
    expect_status 0
    expect_output 137
    run pm rm "$CNAME"
    expect_status 0
    run pm container exists "$CNAME"
    expect_status 1
    assert_no_new_state
}

sc_volume() {
    use_runtime "$1"
    local dir=$BATS_TEST_TMPDIR/hostdir
    mkdir -p "$dir"
    echo from-host > "$dir/in"
    run pm run --rm -v "$dir:/data" "$IMAGE" sh -c 'cat /data/in; echo from-container > /data/out'
    expect_status 0
    expect_output from-host
    [ "$(cat "$dir/out")" = from-container ]
    assert_no_new_state
}

sc_read_only() {
    use_runtime "$1"
    run pm run --rm --read-only "$IMAGE" sh -c 'touch /x 2>&1; echo "rc=$?"; touch /tmp/y && echo tmp-ok'
    expect_status 0
    [[ "$output" == *"Read-only file system"* ]]
    [[ "$output" == *"rc=1"* ]]
    [[ "$output" == *"tmp-ok"* ]]
    assert_no_new_state
}

sc_user() {
    use_runtime "$1"
    run pm run --rm --user 1000 "$IMAGE" sh -c 'id -u; id -g'
    expect_status 0
    expect_output "$(printf '1000\n1000')"
    assert_no_new_state
}

sc_cap_drop() {
    use_runtime "$1"
    run pm run --rm --cap-drop ALL "$IMAGE" sh -c 'grep -E "^Cap(Prm|Eff|Bnd|Amb)" /proc/self/status | cut -f2 | sort -u'
    expect_status 0
    expect_output 0000000000000000
    assert_no_new_state
}

sc_init() {
    use_runtime "$1"
    [ -x /usr/libexec/podman/catatonit ] || skip "podman --init needs catatonit (apt-get install catatonit)"
    run pm run --rm --init "$IMAGE" sh -c 'tr "\0" " " < /proc/1/cmdline; echo; echo "my pid $$"'
    expect_status 0
    [[ "${lines[0]}" == "/run/podman-init -- "* ]]
    [ "${lines[1]}" != "my pid 1" ]
}

sc_keep_id() {
    use_runtime "$1"
    is_rootless || skip "--userns keep-id is for rootless podman (this pass runs as root)"
    run pm run --rm --userns keep-id "$IMAGE" sh -c 'id -u; id -g'
    expect_status 0
    expect_output "$(printf '%s\n%s' "$(id -u)" "$(id -g)")"
    assert_no_new_state
}

sc_network_none() {
    use_runtime "$1"
    # loopback is up, and a listener on 127.0.0.1 answers from inside
    run pm run --rm --network none "$IMAGE" sh -c '
        ip -o link | grep -v " lo:" | grep -q . && echo "a link besides lo"
        # (the listener keeps its stdin open a while: at its EOF busybox nc
        # may close before the line of the client came in)
        (echo pong; sleep 2) | nc -l -p 8080 > /tmp/got & l=$!
        i=0; while [ $i -lt 50 ] && ! netstat -ltn | grep -q ":8080 "; do sleep 0.1; i=$((i+1)); done
        echo ping | nc -w 5 127.0.0.1 8080
        wait $l; cat /tmp/got'
    expect_status 0
    expect_output "$(printf 'pong\nping')"
    assert_no_new_state
}

sc_default_network() {
    use_runtime "$1"
    is_rootless || skip "the default network as root is CNI's bridge (iptables): not set up by these tests"
    require_cmd slirp4netns
    require_cmd ip iproute2
    require_cmd busybox busybox-static
    [ -r /dev/net/tun ] && [ -w /dev/net/tun ] ||
        skip "/dev/net/tun is not usable by $(id -un) (run through tests/run-tests.sh as root)"
    local addr port
    addr=$(ip -4 -o route get 192.0.2.123 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
    [ -n "$addr" ] && [ "$addr" != 127.0.0.1 ] || skip "this host has no non-loopback IPv4 address"
    port=$(free_port)
    # a listener of this test on the host, reached at the host's own address
    # (not loopback: slirp4netns reaches the host's loopback only when
    # allow_host_loopback is set, which the default network does not)
    echo from-host | busybox nc -l -p "$port" > "$BATS_TEST_TMPDIR/got" &
    local lpid=$!
    run pm run --rm "$IMAGE" sh -c "i=0; while [ \$i -lt 20 ]; do echo from-container | nc -w 5 $addr $port && exit 0; i=\$((i+1)); sleep 0.25; done; exit 1"
    wait_until 20 0.25 pid_gone "$lpid" || stop_pid "$lpid"
    expect_status 0
    expect_output from-host
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = from-container ]
    assert_no_new_state
}

# podman --sdnotify=container (a systemd unit's Type=notify): the runtime
# proxies NOTIFY_SOCKET; the program's READY=1 reaches the unit's socket.
sc_sdnotify() {
    use_runtime "$1"
    local sock=$BATS_TEST_TMPDIR/notify.sock
    python3 "$URUN_TOOLS/notify-listener.py" "$sock" "$BATS_TEST_TMPDIR/notified" "$BATS_TEST_TMPDIR/listening" &
    local lpid=$!
    wait_until 20 0.1 test -s "$BATS_TEST_TMPDIR/listening"
    run env NOTIFY_SOCKET="$sock" timeout 60 podman --runtime "$RT" run -d --name "$CNAME" --sdnotify=container \
        -v "$URUN_TOOLS/sdnotify:/sdnotify:ro" "$IMAGE" sh -c '/sdnotify READY=1; sleep 1000'
    expect_status 0
    wait_until 20 0.25 pid_gone "$lpid" || stop_pid "$lpid"
    grep -qx "READY=1" "$BATS_TEST_TMPDIR/notified"
    run pm rm -f -t 0 "$CNAME"
    expect_status 0
    assert_no_new_state
}

# ---- the tests: each scenario with urun, then with crun -------------------

@test "podman [urun]: run --rm echo hi prints exactly hi" { sc_echo urun; }
@test "podman [crun]: run --rm echo hi prints exactly hi" { sc_echo crun; }
@test "podman [urun]: the exit code passes through" { sc_exit_code urun; }
@test "podman [crun]: the exit code passes through" { sc_exit_code crun; }
@test "podman [urun]: run -i passes stdin" { sc_stdin urun; }
@test "podman [crun]: run -i passes stdin" { sc_stdin crun; }
@test "podman [urun]: run -t gives a terminal" { sc_tty urun; }
@test "podman [crun]: run -t gives a terminal" { sc_tty crun; }
@test "podman [urun]: run -d, then exec (id, exit code, -i, -t)" { sc_exec urun; }
@test "podman [crun]: run -d, then exec (id, exit code, -i, -t)" { sc_exec crun; }
@test "podman [urun]: top" { sc_top urun; }
@test "podman [crun]: top" { sc_top crun; }
@test "podman [urun]: logs has the container's output and nothing else" { sc_logs urun; }
@test "podman [crun]: logs has the container's output and nothing else" { sc_logs crun; }
@test "podman [urun]: stop -t 1, start, exec, kill, wait, rm" { sc_lifecycle urun; }
@test "podman [crun]: stop -t 1, start, exec, kill, wait, rm" { sc_lifecycle crun; }
@test "podman [urun]: -v HOSTDIR:/data" { sc_volume urun; }
@test "podman [crun]: -v HOSTDIR:/data" { sc_volume crun; }
@test "podman [urun]: --read-only" { sc_read_only urun; }
@test "podman [crun]: --read-only" { sc_read_only crun; }
@test "podman [urun]: --user 1000" { sc_user urun; }
@test "podman [crun]: --user 1000" { sc_user crun; }
@test "podman [urun]: --cap-drop ALL" { sc_cap_drop urun; }
@test "podman [crun]: --cap-drop ALL" { sc_cap_drop crun; }
@test "podman [urun]: --init" { sc_init urun; }
@test "podman [crun]: --init" { sc_init crun; }
@test "podman [urun]: --userns keep-id runs as the caller" { sc_keep_id urun; }
@test "podman [crun]: --userns keep-id runs as the caller" { sc_keep_id crun; }
@test "podman [urun]: --network none has a working loopback" { sc_network_none urun; }
@test "podman [crun]: --network none has a working loopback" { sc_network_none crun; }
@test "podman [urun]: the default rootless network (slirp4netns) reaches the host" { sc_default_network urun; }
@test "podman [crun]: the default rootless network (slirp4netns) reaches the host" { sc_default_network crun; }
@test "podman [urun]: --sdnotify=container passes the program's READY=1 on" { sc_sdnotify urun; }
@test "podman [crun]: --sdnotify=container passes the program's READY=1 on" { sc_sdnotify crun; }
