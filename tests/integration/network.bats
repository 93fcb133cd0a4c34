#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# User-mode networking (libslirp) for a container with a network namespace
# of its own: --network slirp (or the run.urun.network annotation), -p.
# The tests talk to the host's loopback and, as root, to a test host in a
# network namespace of their own behind a veth pair; nothing else.
load helpers

# A port of this test run's own, from the bats process's pid.
port() { echo $((20000 + ($$ * 7 + ${1:-0}) % 20000)); }

need_tun() {
    if ! (exec 3<>/dev/net/tun) 2>/dev/null; then
        skip "/dev/net/tun is not usable by $(id -un) (the harness makes it 0666 when run as root)"
    fi
}

# A busybox httpd on the host's loopback, serving $BATS_TEST_TMPDIR/www.
host_httpd() {
    mkdir -p "$BATS_TEST_TMPDIR/www"
    echo "from the host" > "$BATS_TEST_TMPDIR/www/index.html"
    busybox httpd -f -p "127.0.0.1:$1" -h "$BATS_TEST_TMPDIR/www" &
    HTTPD_PID=$!
    local i
    for i in $(seq 1 50); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.05
    done
    return 1
}

# As root: a test host in a network namespace of its own, behind a veth
# pair (10.251.N.1 on the host, 10.251.N.2 in it), with an httpd.
test_host() {
    local n=$(( $$ % 200 + 20 ))
    TNS=urun-nt-$$
    TH=10.251.$n.2
    TG=10.251.$n.1
    ip netns add "$TNS"
    ip link add "ut$$h" type veth peer name "ut$$n"
    ip link set "ut$$n" netns "$TNS"
    ip addr add "$TG/24" dev "ut$$h"
    ip link set "ut$$h" up
    ip -n "$TNS" addr add "$TH/24" dev "ut$$n"
    ip -n "$TNS" link set "ut$$n" up
    ip -n "$TNS" link set lo up
    mkdir -p "$BATS_TEST_TMPDIR/thwww"
    echo "from the test host" > "$BATS_TEST_TMPDIR/thwww/index.html"
    ip netns exec "$TNS" busybox httpd -f -p "$TH:80" -h "$BATS_TEST_TMPDIR/thwww" &
    TH_PID=$!
}

teardown() {
    teardown_containers
    [ -z "${HTTPD_PID:-}" ] || kill "$HTTPD_PID" 2>/dev/null || true
    [ -z "${TH_PID:-}" ] || kill "$TH_PID" 2>/dev/null || true
    if [ -n "${TNS:-}" ]; then
        ip link del "ut$$h" 2>/dev/null || true
        ip netns del "$TNS" 2>/dev/null || true
    fi
}

# curl ARGS... until it answers (the server inside may not listen yet),
# bounded: 50 tries.  Sets $output.
fetch() {
    local i
    for i in $(seq 1 50); do
        output=$("$@" 2>/dev/null) && [ -n "$output" ] && return 0
        sleep 0.1
    done
    return 1
}

# No listener on the port, and the container's network helper gone.
assert_port_free() {
    run ss -Htln "sport = :$1"
    [ -z "$output" ]
}

@test "network: tap0 has 10.0.2.100/24, the default route is via 10.0.2.2, resolv.conf names 10.0.2.3" {
    need_tun
    setup_bundle sh -c 'ip -o -4 addr show tap0; ip route; ip -o link show tap0; cat /etc/resolv.conf'
    run urun run --network slirp n1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" = *"inet 10.0.2.100/24"* ]]
    [[ "$output" = *"default via 10.0.2.2 dev tap0"* ]]
    [[ "$output" = *"mtu 65520"* ]]
    [[ "$output" = *"nameserver 10.0.2.3"* ]]
    # the image's own file is untouched
    [ ! -e "$BUNDLE/rootfs/etc/resolv.conf" ] || [ ! -s "$BUNDLE/rootfs/etc/resolv.conf" ]
}

@test "network: the annotation asks for it too; none and no annotation leave loopback only" {
    need_tun
    setup_bundle sh -c 'ip -o link | grep -c tap0 || true'
    update_config '.annotations["run.urun.network"] = "slirp"'
    run urun run n1
    [ "$status" -eq 0 ]
    [ "$output" = 1 ]
    run urun run --network none n1
    [ "$status" -eq 0 ]
    [ "$output" = 0 ]
    update_config 'del(.annotations["run.urun.network"])'
    run urun run n1
    [ "$status" -eq 0 ]
    [ "$output" = 0 ]
}

@test "network: the host's loopback is refused through 10.0.2.2, and reachable with allow-host-loopback" {
    need_tun
    local p
    p=$(port 1)
    host_httpd "$p"
    setup_bundle sh -c "timeout 5 wget -q -O - http://10.0.2.2:$p/index.html"
    run urun run --network slirp n1
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *"from the host"* ]]
    run urun run --network slirp:allow-host-loopback n1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "from the host" ]
}

@test "network: wget reaches a test host in a network namespace of the test's own" {
    need_tun
    if is_rootless; then skip "rootless: the test host (a veth pair) is made as root"; fi
    test_host
    setup_bundle sh -c "timeout 5 wget -q -O - http://$TH/index.html"
    run urun run --network slirp n1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "from the test host" ]
}

@test "network: -p publishes TCP on IPv4 and IPv6 (loopback); delete -f leaves no listener and no helper" {
    need_tun
    local p4 p6 helper
    p4=$(port 2)
    p6=$(port 3)
    setup_bundle sh -c 'mkdir -p /tmp/www && echo from-the-container > /tmp/www/index.html && exec httpd -f -vv -p 80 -h /tmp/www'
    urun_run_detached --network slirp -p "127.0.0.1:$p4:80" -p "[::1]:$p6:80" n1
    fetch curl -s -m 5 "http://127.0.0.1:$p4/index.html"
    [ "$output" = from-the-container ]
    fetch curl -s -m 5 -g "http://[::1]:$p6/index.html"
    [ "$output" = from-the-container ]
    helper=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n1/net.pid")
    [ -n "$helper" ]
    # the helper: no capability, no gaining one, its own seccomp filter,
    # nobody when urun is root; its fds: stdio on /dev/null, the tap, the
    # pidfd, the two listeners
    grep -qx $'CapEff:\t0000000000000000' "/proc/$helper/status"
    grep -qx $'CapPrm:\t0000000000000000' "/proc/$helper/status"
    grep -qx $'NoNewPrivs:\t1' "/proc/$helper/status"
    grep -qx $'Seccomp:\t2' "/proc/$helper/status"
    if ! is_rootless; then grep -q $'^Uid:\t65534\t' "/proc/$helper/status"; fi
    run ls "/proc/$helper/fd"
    [ "${#lines[@]}" -eq 7 ]
    [ "$(readlink "/proc/$helper/fd/1")" = /dev/null ]
    run urun delete -f n1
    [ "$status" -eq 0 ]
    assert_port_free "$p4"
    assert_port_free "$p6"
    wait_pid_gone "$helper"
}

@test "network: -p keeps a non-loopback client's address" {
    need_tun
    if is_rootless; then skip "rootless: the test host (a veth pair) is made as root"; fi
    test_host
    local p
    p=$(port 4)
    setup_bundle sh -c 'mkdir -p /tmp/www && echo hi > /tmp/www/index.html; exec httpd -f -vv -p 80 -h /tmp/www 2>/tmp/httpd.log'
    urun_run_detached --network slirp -p "$TG:$p:80" n1
    fetch ip netns exec "$TNS" curl -s -m 5 "http://$TG:$p/index.html"
    [ "$output" = hi ]
    run urun exec n1 cat /tmp/httpd.log
    echo "$output"
    [[ "$output" = *"$TH"* ]]
}

@test "network: a port in use, a privileged port rootless, bad specs: one line each, nothing left" {
    need_tun
    local p
    p=$(port 6)
    busybox nc -l -p "$p" </dev/null >/dev/null &
    HTTPD_PID=$!
    sleep 0.2
    setup_bundle sleep 30
    urun_split run -d --network slirp -p "127.0.0.1:$p:80" n1
    [ "$status" -eq 1 ]
    assert_one_error_line "network" "$p" "in use"
    assert_no_state
    if is_rootless; then
        urun_split run -d --network slirp -p 80:80 n1
        [ "$status" -eq 1 ]
        assert_one_error_line "privileged" "ip_unprivileged_port_start"
        assert_no_state
    fi
    for bad in 80 abc:80 1:2:3:4 "[::1]:80" 8080:80/sctp 70000:80 "nothost:8080:80"; do
        urun_split run --network slirp -p "$bad" n1
        [ "$status" -eq 1 ]
        assert_one_error_line "-p"
    done
    urun_split run --network bogus n1
    [ "$status" -eq 1 ]
    assert_one_error_line "--network" "bogus"
    # without the annotation (spec --rootless writes it) nor the flag
    update_config 'del(.annotations["run.urun.network"])'
    urun_split run -p 8080:80 n1
    [ "$status" -eq 1 ]
    assert_one_error_line "-p" "--network slirp"
    assert_no_state
}

@test "network: a config without a network namespace of its own is left alone; --network slirp there is refused" {
    need_tun
    setup_bundle sh -c 'ip -o link | grep -c tap0 || true'
    update_config '.linux.namespaces |= map(select(.type != "network")) | .annotations["run.urun.network"] = "slirp"'
    run urun run n1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = 0 ]
    urun_split run --network slirp n1
    [ "$status" -eq 1 ]
    assert_one_error_line "--network slirp" "network namespace"
}

@test "network: nothing is left after the container exits, after kill, and after kill -9 of urun run" {
    need_tun
    local p helper
    p=$(port 7)
    setup_bundle true
    run urun run --network slirp -p "127.0.0.1:$p:80" n1
    [ "$status" -eq 0 ]
    assert_port_free "$p"
    assert_no_state
    set_args sleep 60
    urun_run_detached --network slirp -p "127.0.0.1:$p:80" n2
    helper=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n2/net.pid")
    run urun kill n2 KILL
    wait_status n2 stopped
    # the helper goes with the container's process (its pidfd)
    wait_pid_gone "$helper"
    assert_port_free "$p"
    run urun delete n2
    [ "$status" -eq 0 ]
    # kill -9 of a foreground run: delete -f cleans what is left
    "$URUN" --root "$BATS_TEST_TMPDIR/state" run --network slirp -p "127.0.0.1:$p:80" n3 </dev/null >/dev/null 2>&1 &
    local runpid=$! i
    for i in $(seq 1 100); do [ -s "$BATS_TEST_TMPDIR/state/n3/net.pid" ] && [ -e "$BATS_TEST_TMPDIR/state/n3/state.json" ] && break; sleep 0.05; done
    helper=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n3/net.pid")
    kill -9 "$runpid"
    wait "$runpid" || true
    run urun delete -f n3
    [ "$status" -eq 0 ]
    wait_pid_gone "$helper"
    assert_port_free "$p"
    assert_no_state
}

@test "network: /dev/net/tun missing: one line naming the fix; by annotation alone, a warning and loopback only" {
    if is_rootless; then skip "rootless: the device is hidden in a mount namespace made as root"; fi
    setup_bundle sh -c 'ip -o link | grep -c tap0 || true'
    # a mount namespace where /dev/net has no tun (a tmpfs over it)
    hide_tun() { unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /dev/net && exec "$@"' sh "$@"; }
    run hide_tun "$URUN" --root "$BATS_TEST_TMPDIR/state" run --network slirp n1
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" = "urun: network: /dev/net/tun is missing (load the tun module: modprobe tun)"* ]]
    assert_no_state
    update_config '.annotations["run.urun.network"] = "slirp"'
    run hide_tun "$URUN" --root "$BATS_TEST_TMPDIR/state" run n1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" = "urun: warning: network: /dev/net/tun is missing"*"loopback only"* ]]
    [ "${lines[1]}" = 0 ]
}

@test "network: urun spec --rootless asks for it (the annotation)" {
    local d=$BATS_TEST_TMPDIR/specdir
    mkdir -p "$d"
    "$URUN" spec --rootless --bundle "$d"
    [ "$(jq -r '.annotations["run.urun.network"]' "$d/config.json")" = slirp ]
    rm "$d/config.json"
    "$URUN" spec --bundle "$d"
    [ "$(jq -r '.annotations["run.urun.network"] // "none"' "$d/config.json")" = none ]
}
