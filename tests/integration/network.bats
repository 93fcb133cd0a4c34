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
    [ -z "${SRV_PID:-}" ] || kill "$SRV_PID" 2>/dev/null || true
    [ -z "${SECRET_DIR:-}" ] || rm -rf "$SECRET_DIR"
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

assert_udp_port_free() {
    run ss -Huln "sport = :$1"
    [ -z "$output" ]
}

# $BUNDLE with nettool (tests/tools/nettool.c: UDP and DNS ends, static)
# in its /bin.
add_nettool() { cp "$URUN_TOOLS/nettool" "$BUNDLE/rootfs/bin/"; }

# Start a server (nettool ARGS..., in the background as $SRV_PID, its
# output in $BATS_TEST_TMPDIR/srv.log) and wait until it says "ready"
# (dns-serve) or has bound its port (1: the UDP port to look for);
# bounded: 50 tries.  Fails if it ended.
start_server() {
    local udp_port=$1 i
    shift
    "$@" >"$BATS_TEST_TMPDIR/srv.log" 2>&1 &
    SRV_PID=$!
    for i in $(seq 1 50); do
        grep -q '^ready$' "$BATS_TEST_TMPDIR/srv.log" && return 0
        [ -z "$udp_port" ] || [ -z "$(ss -Huln "sport = :$udp_port")" ] || return 0
        kill -0 "$SRV_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$BATS_TEST_TMPDIR/srv.log" >&2
    return 1
}

# urun ARGS... in a mount namespace of its own where the host's
# /etc/resolv.conf is FILE: the network helper (forked by urun) reads it
# there, and libslirp's DNS forwarder (10.0.2.3) asks its first
# nameserver.  As root.
urun_with_resolv_conf() {
    local file=$1
    shift
    unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' _ "$file" \
        "$URUN" --root "$BATS_TEST_TMPDIR/state" "$@"
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

# ip (the host's iproute2: busybox's shows no metric) in the network
# namespace of the running container n1
ip_in_n1() {
    local pid u=()
    pid=$(urun state n1 | jq -r .pid)
    # its user namespace too, where it has one of its own (rootless)
    [ "$(readlink "/proc/$pid/ns/user")" = "$(readlink /proc/self/ns/user)" ] || u=(-U --preserve-credentials)
    nsenter -t "$pid" "${u[@]}" -n ip "$@"
}

@test "network: the routes inside, IPv4 and IPv6, acknowledge each segment at once (quickack); tap0 has fd00::100/64" {
    need_tun
    setup_bundle sleep 100
    urun_run_detached --network slirp n1
    # libslirp scales no window: the container's delayed acknowledgement of
    # every second segment would have it wait at each window's end
    run ip_in_n1 -4 route
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *"default via 10.0.2.2 dev tap0 quickack 1"* ]]
    [[ "$output" = *"10.0.2.0/24 dev tap0 proto kernel scope link src 10.0.2.100 quickack 1"* ]]
    [ "$(grep -c '^10.0.2.0/24 ' <<<"$output")" = 1 ]
    [ "$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null)" = 0 ] || skip "the host has IPv6 disabled"
    run ip_in_n1 -o -6 addr show tap0
    echo "$output"
    [[ "$output" = *"inet6 fd00::100/64 scope global"* ]]
    run ip_in_n1 -6 route
    echo "$output"
    [ "$status" -eq 0 ]
    # each on its own line (a glob across lines would take one's for both)
    grep -q '^fd00::/64 dev tap0 proto kernel .*quickack 1' <<<"$output"
    grep -q '^default via fd00::2 dev tap0 .*quickack 1' <<<"$output"
    [ "$(grep -c '^fd00::/64 ' <<<"$output")" = 1 ]
}

@test "network: the annotation run.urun.network.cidr moves the subnet: the container at .100, the gateway at .2, DNS at .3" {
    need_tun
    local p
    p=$(port 17)
    host_httpd "$p"
    setup_bundle sh -c "ip -o -4 addr show tap0; ip route; cat /etc/resolv.conf; timeout 5 wget -q -O - http://10.77.3.2:$p/index.html"
    update_config '.annotations["run.urun.network.cidr"] = "10.77.3.0/24"'
    run urun run --network slirp:allow-host-loopback n1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" = *"inet 10.77.3.100/24"* ]]
    [[ "$output" = *"default via 10.77.3.2 dev tap0"* ]]
    [[ "$output" = *"10.77.3.0/24 dev tap0"*"src 10.77.3.100"* ]]
    [[ "$output" = *"nameserver 10.77.3.3"* ]]
    [ "${lines[-1]}" = "from the host" ]
}

@test "network: the annotation run.urun.network.ifname names the interface" {
    need_tun
    setup_bundle sh -c 'ip -o -4 addr show eth0; ip route; ip -o link | grep -c tap0 || true'
    update_config '.annotations["run.urun.network.ifname"] = "eth0"'
    run urun run --network slirp n1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" = *"eth0"*"inet 10.0.2.100/24"* ]]
    [[ "$output" = *"default via 10.0.2.2 dev eth0"* ]]
    [ "${lines[-1]}" = 0 ]
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

@test "network: a host peer that closes with data unread (EPIPE in the helper) leaves the network up" {
    need_tun
    local p
    p=$(port 13)
    host_httpd "$p"
    # httpd answers the POST and closes with most of the body unread: the
    # helper's next send() is EPIPE (SIGPIPE killed it once); then a wget
    # must still get through
    setup_bundle sh -c "{ printf 'POST /index.html HTTP/1.0\r\nContent-Length: 999999999\r\n\r\n'; dd if=/dev/zero bs=65536 count=2000 2>/dev/null; } | timeout 10 nc 10.0.2.2 $p >/dev/null; timeout 5 wget -q -O - http://10.0.2.2:$p/index.html"
    run urun run --network slirp:allow-host-loopback n13
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"from the host"* ]]
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

@test "network: -p publishes TCP on IPv4 and IPv6 (loopback), the server sees 127.0.0.1 and ::1; delete -f leaves no listener, no helper, no forwarder" {
    need_tun
    local p4 p6 helper fwd
    p4=$(port 2)
    p6=$(port 3)
    setup_bundle sh -c 'mkdir -p /tmp/www && echo from-the-container > /tmp/www/index.html && exec httpd -f -vv -p 80 -h /tmp/www 2>/tmp/httpd.log'
    urun_run_detached --network slirp -p "127.0.0.1:$p4:80" -p "[::1]:$p6:80" n1
    fetch curl -s -m 5 "http://127.0.0.1:$p4/index.html"
    [ "$output" = from-the-container ]
    fetch curl -s -m 5 -g "http://[::1]:$p6/index.html"
    [ "$output" = from-the-container ]
    # state and list show what the flags chose, in the annotations
    run urun state n1
    [ "$(jq -r '.annotations["run.urun.network"]' <<<"$output")" = slirp ]
    [ "$(jq -r '.annotations["run.urun.network.ports"]' <<<"$output")" = "127.0.0.1:$p4:80,[::1]:$p6:80" ]
    run urun list --format json
    [ "$(jq -r '.[0].annotations["run.urun.network.ports"]' <<<"$output")" = "127.0.0.1:$p4:80,[::1]:$p6:80" ]
    # the clients' real addresses, not the gateway's
    run urun exec n1 cat /tmp/httpd.log
    echo "$output"
    [[ "$output" = *"[::ffff:127.0.0.1]:"*"url:/index.html"* ]]
    [[ "$output" = *"[::1]:"*"url:/index.html"* ]]
    [[ "$output" != *10.0.2.2* ]]
    helper=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n1/net.pid")
    [ -n "$helper" ]
    # the helper: no capability, no gaining one, its own seccomp filter,
    # nobody when urun is root; its fds: stdio on /dev/null, the tap, the
    # pidfd, sockets
    grep -qx $'CapEff:\t0000000000000000' "/proc/$helper/status"
    grep -qx $'CapPrm:\t0000000000000000' "/proc/$helper/status"
    grep -qx $'NoNewPrivs:\t1' "/proc/$helper/status"
    grep -qx $'Seccomp:\t2' "/proc/$helper/status"
    if ! is_rootless; then grep -q $'^Uid:\t65534\t' "/proc/$helper/status"; fi
    # bounded: memory (a flood of fragments cannot take the host's) and fds
    grep -E '^Max data size +[0-9]+ +[0-9]+ +bytes' "/proc/$helper/limits"
    grep -E '^Max open files +1016 +1016' "/proc/$helper/limits"
    # its fds: /dev/null on 0-2, the tap, the pidfd, sockets; no file of the state directory
    local fd l
    for fd in /proc/"$helper"/fd/*; do
        l=$(readlink "$fd")
        echo "$fd -> $l"
        [[ "$l" = /dev/null || "$l" = */net/tun || "$l" = "anon_inode:[pidfd]" || "$l" = socket:* ]]
    done
    [ "$(readlink "/proc/$helper/fd/1")" = /dev/null ]
    [ "$(ls "/proc/$helper/fd" | wc -l)" -le 8 ]
    # the TCP forwarder: no capability (both ports are on the host's
    # loopback: no transparent socket), its seccomp filter, nobody as
    # root; in the container's network namespace, not its mount or pid
    # namespace; fds: /dev/null, the pidfd, the two listeners, its epoll.
    # Not dumpable (a container sharing the host's pid namespace cannot
    # ptrace it): its fds and namespaces are root's to look at.
    fwd=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n1/fwd.pid")
    [ -n "$fwd" ]
    grep -qx $'CapEff:\t0000000000000000' "/proc/$fwd/status"
    grep -qx $'CapPrm:\t0000000000000000' "/proc/$fwd/status"
    grep -qx $'NoNewPrivs:\t1' "/proc/$fwd/status"
    grep -qx $'Seccomp:\t2' "/proc/$fwd/status"
    if ! is_rootless; then
        grep -q $'^Uid:\t65534\t' "/proc/$fwd/status"
        local cpid
        cpid=$(container_pid n1)
        [ "$(readlink "/proc/$fwd/ns/net")" = "$(readlink "/proc/$cpid/ns/net")" ]
        [ "$(readlink "/proc/$fwd/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]
        [ "$(readlink "/proc/$fwd/ns/pid")" = "$(readlink /proc/self/ns/pid)" ]
        for fd in /proc/"$fwd"/fd/*; do
            l=$(readlink "$fd")
            echo "$fd -> $l"
            [[ "$l" = /dev/null || "$l" = "anon_inode:[pidfd]" || "$l" = "anon_inode:[eventpoll]" || "$l" = socket:* ]]
        done
        [ "$(ls "/proc/$fwd/fd" | wc -l)" -eq 7 ]
    else
        run ls "/proc/$fwd/fd"
        [ "$status" -ne 0 ]
    fi
    run urun delete -f n1
    [ "$status" -eq 0 ]
    assert_port_free "$p4"
    assert_port_free "$p6"
    wait_pid_gone "$helper"
    wait_pid_gone "$fwd"
}

@test "network: -p TCP: 8 MiB each way arrive whole; a port nothing listens on inside is closed at once" {
    need_tun
    local p q
    p=$(port 8)
    q=$(port 9)
    # the server inside keeps its stdin open: busybox nc ends at either end of file
    setup_bundle sh -c 'mkdir -p /tmp/www; dd if=/dev/urandom of=/tmp/www/big bs=1M count=8 2>/dev/null; md5sum /tmp/www/big > /tmp/www/big.md5; sleep 1000 | nc -l -p 81 > /tmp/up & exec httpd -f -p 80 -h /tmp/www'
    urun_run_detached --network slirp -p "127.0.0.1:$p:80" -p "127.0.0.1:$q:81" -p "127.0.0.1:$((q + 1)):82" n1
    fetch curl -s -m 5 "http://127.0.0.1:$p/big.md5"
    local want
    want=${output%% *}
    run sh -c "curl -s -m 20 http://127.0.0.1:$p/big | md5sum"
    [ "${output%% *}" = "$want" ]
    # up: what the client sends, then its end of file (the server's nc
    # ends), reach the server
    head -c 8388608 /dev/urandom > "$BATS_TEST_TMPDIR/up"
    timeout 20 busybox nc 127.0.0.1 "$q" < "$BATS_TEST_TMPDIR/up"
    want=$(md5sum < "$BATS_TEST_TMPDIR/up" | cut -d' ' -f1)
    local i
    for i in $(seq 1 50); do
        run urun exec n1 sh -c 'pidof nc >/dev/null || md5sum /tmp/up'
        [ "${output%% *}" = "$want" ] && break
        sleep 0.1
    done
    [ "${output%% *}" = "$want" ]
    # 82: no server inside: the client's connection ends (no hang)
    run timeout 10 curl -s -m 8 "http://127.0.0.1:$((q + 1))/"
    [ "$status" -ne 0 ]
    [ "$status" -ne 124 ]
    [ "$status" -ne 28 ]
}

@test "network: -p keeps a non-loopback client's address" {
    need_tun
    if is_rootless; then skip "rootless: the test host (a veth pair) is made as root"; fi
    test_host
    local p
    p=$(port 4)
    setup_bundle sh -c 'mkdir -p /tmp/www && echo hi > /tmp/www/index.html; exec httpd -f -vv -p 80 -h /tmp/www 2>/tmp/httpd.log'
    # and over IPv6 (fd77:N::/64 on the same pair)
    local n=$(( $$ % 200 + 20 ))
    ip addr add "fd77:$n::1/64" dev "ut$$h" nodad
    ip -n "$TNS" addr add "fd77:$n::2/64" dev "ut$$n" nodad
    urun_run_detached --network slirp -p "$TG:$p:80" -p "[fd77:$n::1]:$p:80" -p "$TG:$((p + 1)):82" n1
    fetch ip netns exec "$TNS" curl -s -m 5 "http://$TG:$p/index.html"
    [ "$output" = hi ]
    fetch ip netns exec "$TNS" curl -s -m 5 -g "http://[fd77:$n::1]:$p/index.html"
    [ "$output" = hi ]
    run urun exec n1 cat /tmp/httpd.log
    echo "$output"
    [[ "$output" = *"[::ffff:$TH]:"* ]]
    [[ "$output" = *"[fd77:$n::2]:"* ]]
    [[ "$output" != *10.0.2.* ]]
    # the rule that brings the answers back, inside
    run urun exec n1 ip rule
    [[ "$output" = *"fwmark 0x75726e lookup 117"* ]]
    # the forwarder keeps CAP_NET_RAW (bit 13) alone, for the transparent sockets
    local fwd
    fwd=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n1/fwd.pid")
    grep -qx $'CapEff:\t0000000000002000' "/proc/$fwd/status"
    # nothing listens on 82 inside: the test host's client is refused at
    # once (the reset comes back through the mark), not after a timeout
    run ip netns exec "$TNS" curl -s -m 8 "http://$TG:$((p + 1))/"
    [ "$status" -ne 0 ]
    [ "$status" -ne 28 ]
}

@test "network: -p HOSTPORT:CONTAINERPORT/udp: a UDP server inside gets datagrams from the host's loopback (IPv4, IPv6) and its replies come back" {
    need_tun
    local p4 p6 i
    p4=$(port 8)
    p6=$(port 9)
    setup_bundle sh -c 'exec nettool udp-echo 7 30 60 >/tmp/echo.log 2>&1'
    add_nettool
    urun_run_detached --network slirp -p "127.0.0.1:$p4:7/udp" -p "[::1]:$p6:7/udp" n1
    # a new client (port) each time, one after another on each address
    for i in 1 2 3; do
        run "$URUN_TOOLS/nettool" udp-send 127.0.0.1 "$p4" "four-$i"
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "four-$i" ]
        run "$URUN_TOOLS/nettool" udp-send ::1 "$p6" "six-$i"
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "six-$i" ]
    done
    # the host's loopback is the gateway inside
    run urun exec n1 cat /tmp/echo.log
    echo "$output"
    [[ "$output" = *"from ::ffff:10.0.2.2 "*": four-1"* ]]
    [[ "$output" = *"from fd00::2 "*": six-3"* ]]
    run urun delete -f n1
    [ "$status" -eq 0 ]
    assert_udp_port_free "$p4"
    assert_udp_port_free "$p6"
}

# quiet_udp_server SPEC: n1, a UDP echo server on port 7 published as
# SPEC, that has sent nothing for 8 s: the helper learns the container's
# address from its answer to the helper's own question (ARP, NDP) about
# the first reply, held meanwhile for 1 s at most
quiet_udp_server() {
    setup_bundle nettool udp-echo 7 10 60
    add_nettool
    urun_run_detached --network slirp -p "$1" n1
    sleep 8
}
# answered_once HOST PORT TEXT: one datagram, sent once, is echoed; n1 deleted
answered_once() {
    run "$URUN_TOOLS/nettool" udp-send-once "$1" "$2" "$3"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$3" ]
    run urun delete -f n1
    [ "$status" -eq 0 ]
}

@test "network: -p HOSTPORT:CONTAINERPORT/udp: a quiet server's first datagram, sent once after 8 s, is answered (IPv4)" {
    need_tun
    local p4
    p4=$(port 15)
    quiet_udp_server "127.0.0.1:$p4:7/udp"
    answered_once 127.0.0.1 "$p4" four
}

@test "network: -p HOSTPORT:CONTAINERPORT/udp: a quiet server's first datagram, sent once after 8 s, is answered (IPv6)" {
    need_tun
    local p6
    p6=$(port 16)
    quiet_udp_server "[::1]:$p6:7/udp"
    # libslirp's router advertisements do not reach the container: no
    # address of its own by SLAAC (the server answered from it, and the
    # reply was lost), no route of theirs
    run ip_in_n1 -o -6 addr show tap0 scope global
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" = 1 ]
    [[ "${lines[0]}" = *"inet6 fd00::100/64"* ]]
    run ip_in_n1 -6 route
    echo "$output"
    [[ "$output" != *"proto ra"* ]]
    answered_once ::1 "$p6" six
}

@test "network: UDP to the host's loopback through 10.0.2.2 is refused, from a published UDP port too, and reachable with allow-host-loopback" {
    need_tun
    local p q
    p=$(port 10)
    q=$(port 11)
    start_server "$q" "$URUN_TOOLS/nettool" udp-echo "$q" 10 60 127.0.0.1
    # from the published port (its replies to loopback clients get
    # through) and from another: neither reaches a server there
    setup_bundle sh -c "nettool udp-send 10.0.2.2 $q from-seven 7 2>/dev/null; echo rc=\$?; nettool udp-send 10.0.2.2 $q from-any 2>/dev/null; echo rc=\$?"
    add_nettool
    run urun run --network slirp -p "127.0.0.1:$p:7/udp" n1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = $'rc=1\nrc=1' ]
    run cat "$BATS_TEST_TMPDIR/srv.log"
    [ -z "$output" ]
    set_args nettool udp-send 10.0.2.2 "$q" allowed
    run urun run --network slirp:allow-host-loopback n1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = allowed ]
}

@test "network: the program's first datagram goes out: sent once, as the program's first act, it is answered by a host server through 10.0.2.2 (five runs)" {
    need_tun
    local q i
    q=$(port 14)
    start_server "$q" "$URUN_TOOLS/nettool" udp-echo "$q" 10 60 127.0.0.1
    # no retry: a datagram the network was not ready for is lost
    setup_bundle nettool udp-send-once 10.0.2.2 "$q" first
    add_nettool
    for i in 1 2 3 4 5; do
        run urun run --network slirp:allow-host-loopback n1
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = first ]
    done
}

@test "network: -p HOSTPORT:CONTAINERPORT/udp on every address: a client on a test host keeps its address, loopback clients before and after it get replies" {
    need_tun
    if is_rootless; then skip "rootless: the test host (a veth pair) is made as root"; fi
    test_host
    local p
    p=$(port 12)
    setup_bundle sh -c 'exec nettool udp-echo 7 30 60 >/tmp/echo.log 2>&1'
    add_nettool
    urun_run_detached --network slirp -p "$p:7/udp" n1
    run "$URUN_TOOLS/nettool" udp-send 127.0.0.1 "$p" one
    [ "$status" -eq 0 ]
    [ "$output" = one ]
    run ip netns exec "$TNS" "$URUN_TOOLS/nettool" udp-send "$TG" "$p" two
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = two ]
    run "$URUN_TOOLS/nettool" udp-send 127.0.0.1 "$p" three
    [ "$status" -eq 0 ]
    [ "$output" = three ]
    run urun exec n1 cat /tmp/echo.log
    echo "$output"
    [[ "$output" = *"from ::ffff:$TH "*": two"* ]]
    [[ "$output" = *"from ::ffff:10.0.2.2 "*": three"* ]]
}

@test "network: DNS: 10.0.2.3 forwards to the first nameserver of the host's resolv.conf (a test host's)" {
    need_tun
    if is_rootless; then skip "rootless: the test host (a veth pair) and the mount namespace with the host's resolv.conf are made as root"; fi
    [ -e /etc/resolv.conf ] || skip "no /etc/resolv.conf on this host to bind a file over"
    test_host
    start_server "" ip netns exec "$TNS" "$URUN_TOOLS/nettool" dns-serve "$TH" 53 web.urun.test 192.0.2.7 20 60
    echo "nameserver $TH" > "$BATS_TEST_TMPDIR/resolv.conf"
    chmod 644 "$BATS_TEST_TMPDIR/resolv.conf"
    setup_bundle sh -c 'nettool dns-query 10.0.2.3 web.urun.test; nettool dns-query 10.0.2.3 nope.urun.test; echo "rc=$?"; nslookup web.urun.test'
    add_nettool
    run urun_with_resolv_conf "$BATS_TEST_TMPDIR/resolv.conf" run --network slirp n1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 192.0.2.7 ]
    [ "${lines[1]}" = NXDOMAIN ]
    [ "${lines[2]}" = rc=3 ]
    # busybox's resolver, with the container's resolv.conf (10.0.2.3)
    [[ "$output" = *"Address: 192.0.2.7"* ]]
    # asked by the helper, from the host's side of the veth pair
    run cat "$BATS_TEST_TMPDIR/srv.log"
    echo "$output"
    [[ "$output" = *"query web.urun.test 1 from $TG"* ]]
    [[ "$output" = *"query nope.urun.test 1 from $TG"* ]]
}

@test "network: DNS: a resolver on the host's loopback (127.0.0.53, as systemd-resolved's) answers through 10.0.2.3, the host's loopback refused or not" {
    need_tun
    if is_rootless; then skip "rootless: port 53 is privileged, and the mount namespace with the host's resolv.conf is made as root"; fi
    [ -e /etc/resolv.conf ] || skip "no /etc/resolv.conf on this host to bind a file over"
    run ss -Hunl "sport = :53"
    [ -z "$output" ] || skip "something listens on UDP port 53 on this host already: $output"
    start_server "" "$URUN_TOOLS/nettool" dns-serve 127.0.0.53 53 web.urun.test 192.0.2.8 20 60
    echo "nameserver 127.0.0.53" > "$BATS_TEST_TMPDIR/resolv.conf"
    chmod 644 "$BATS_TEST_TMPDIR/resolv.conf"
    setup_bundle sh -c 'nettool dns-query 10.0.2.3 web.urun.test; nettool dns-query 10.0.2.3 nope.urun.test; echo "rc=$?"'
    add_nettool
    for net in slirp slirp:allow-host-loopback; do
        run urun_with_resolv_conf "$BATS_TEST_TMPDIR/resolv.conf" run --network "$net" n1
        echo "$net: $output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 192.0.2.8 ]
        [ "${lines[1]}" = NXDOMAIN ]
        [ "${lines[2]}" = rc=3 ]
    done
    run grep -c "query web.urun.test 1 from 127." "$BATS_TEST_TMPDIR/srv.log"
    [ "$output" -ge 2 ]
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

@test "network: the helper can read no file of the user's, only beneath /etc (Landlock)" {
    need_tun
    if ! "$URUN_TOOLS/nettool" landlock >/dev/null; then
        skip "the kernel has no Landlock: the helper has its seccomp filter alone"
    fi
    # a file the helper's user may read (the user's own; as root, the
    # helper is nobody: world-readable, in a directory all may enter)
    SECRET_DIR=$(mktemp -d /tmp/urun-landlock.XXXXXX)
    chmod 755 "$SECRET_DIR"
    echo secret > "$SECRET_DIR/secret"
    chmod 644 "$SECRET_DIR/secret"
    setup_bundle true
    urun_split_env URUN_FAULT_NET_OPEN="$SECRET_DIR/secret" -- --root "$BATS_TEST_TMPDIR/state" run --network slirp n1
    echo "$err"
    if [[ "$err" != *"network helper: open"* ]]; then
        skip "urun was built without --enable-fault-injection (the probe is a test build's)"
    fi
    [ "$status" -eq 0 ]
    [[ "$err" = *"open $SECRET_DIR/secret: Permission denied"* ]]
    urun_split_env URUN_FAULT_NET_OPEN=/etc/resolv.conf -- --root "$BATS_TEST_TMPDIR/state" run --network slirp n1
    [[ "$err" = *"open /etc/resolv.conf: ok"* ]]
}

@test "network: --network none over the annotation: loopback only, and the state says none (the config's other annotations kept)" {
    need_tun
    setup_bundle sh -c 'ip -o link | grep -c tap0 || true'
    update_config '.annotations["run.urun.network"] = "slirp" | .annotations["org.example.kept"] = "yes"'
    set_args sleep 30
    urun_run_detached --network none n1
    run urun state n1
    echo "$output"
    [ "$(jq -r '.annotations["run.urun.network"]' <<<"$output")" = none ]
    [ "$(jq -r '.annotations["org.example.kept"]' <<<"$output")" = yes ]
    run urun exec n1 sh -c 'ip -o link | grep -c tap0 || true'
    [ "$output" = 0 ]
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
    local p helper fwd
    p=$(port 7)
    setup_bundle true
    run urun run --network slirp -p "127.0.0.1:$p:80" n1
    [ "$status" -eq 0 ]
    assert_port_free "$p"
    assert_no_state
    set_args sleep 60
    urun_run_detached --network slirp -p "127.0.0.1:$p:80" n2
    helper=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n2/net.pid")
    fwd=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n2/fwd.pid")
    [ -n "$fwd" ]
    run urun kill n2 KILL
    wait_status n2 stopped
    # the helper and the forwarder go with the container's process (pidfd)
    wait_pid_gone "$helper"
    wait_pid_gone "$fwd"
    assert_port_free "$p"
    run urun delete n2
    [ "$status" -eq 0 ]
    # kill -9 of a foreground run: delete -f cleans what is left
    "$URUN" --root "$BATS_TEST_TMPDIR/state" run --network slirp -p "127.0.0.1:$p:80" n3 </dev/null >/dev/null 2>&1 &
    local runpid=$! i
    for i in $(seq 1 100); do [ -s "$BATS_TEST_TMPDIR/state/n3/fwd.pid" ] && [ -e "$BATS_TEST_TMPDIR/state/n3/state.json" ] && break; sleep 0.05; done
    helper=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n3/net.pid")
    fwd=$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/state/n3/fwd.pid")
    kill -9 "$runpid"
    wait "$runpid" || true
    run urun delete -f n3
    [ "$status" -eq 0 ]
    wait_pid_gone "$helper"
    wait_pid_gone "$fwd"
    assert_port_free "$p"
    assert_no_state
}

@test "network: a helper that cannot come up after START went (no published port): one line, the program stopped, nothing left" {
    need_tun
    local lib=$BATS_TEST_TMPDIR/badlib
    # with no published port, run sends START once the tap is made and
    # forks the helper after; a libslirp that cannot be loaded fails it
    # (most often before the program runs: the helper fails in a few ms)
    mkdir -p "$lib"
    : > "$lib/libslirp.so.0"
    setup_bundle sh -c 'sleep 3; touch /tmp/survived'
    LD_LIBRARY_PATH=$lib run urun run --network slirp n1
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" = 1 ]
    [[ "${lines[0]}" = "urun: network: libslirp.so.0 (Debian: libslirp0) cannot be loaded: $lib/libslirp.so.0: "* ]]
    assert_no_state
    sleep 4
    [ ! -e "$BUNDLE/rootfs/tmp/survived" ]
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

@test "network: /etc/resolv.conf remounted read-write by the container writes nothing of urun's" {
    need_tun
    setup_bundle sh -c 'mount -o remount,bind,rw /etc/resolv.conf && echo nameserver 6.6.6.6 >> /etc/resolv.conf; cat /etc/resolv.conf; sleep 30'
    update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
        | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
    urun_run_detached --network slirp n1
    local i
    for i in $(seq 1 50); do grep -q 6.6.6.6 "$BATS_TEST_TMPDIR/run.log" && break; sleep 0.1; done
    cat "$BATS_TEST_TMPDIR/run.log"
    # what it wrote is in its own small tmpfs: no file of the state directory, nor the image's
    [ ! -e "$BATS_TEST_TMPDIR/state/n1/resolv.conf" ]
    run grep -rs 6.6.6.6 "$BUNDLE/rootfs/etc"
    [ "$status" -ne 0 ]
    run urun exec n1 sh -c 'dd if=/dev/zero of=/etc/resolv.conf bs=1k count=64 2>&1; wc -c < /etc/resolv.conf'
    echo "$output"
    [ "${lines[-1]}" -le 4096 ]
}
