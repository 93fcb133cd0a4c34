#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Namespaces: each type is new when listed, shared when not, joined when
# given a path; unknown types are rejected.
load helpers

# Make the config have a namespace of TYPE (added unless present; in root
# mode a user namespace also needs id mappings).
add_namespace() {
    local type=$1
    update_config --arg t "$type" \
        'if any(.linux.namespaces[]; .type == $t) then . else .linux.namespaces += [{"type": $t}] end'
    if [ "$type" = user ] && ! is_rootless; then
        update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]
                     | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]'
    fi
}

del_namespace() {
    update_config --arg t "$1" '.linux.namespaces |= map(select(.type != $t))'
}

# Assert that the container's namespace FILE (net, ipc, ...) differs from
# the host's (this shell's).  (In root mode a new user namespace maps
# the host's ids 0-65535 to themselves, so that the bundle under the
# test's private tmpdir stays reachable.)
assert_new_ns() {
    local file=$1 type=$2
    setup_bundle readlink "/proc/self/ns/$file"
    add_namespace "$type"
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = "$file:["*"]" ]]
    [ "$output" != "$(readlink "/proc/$$/ns/$file")" ]
}

@test "pid namespace: the container process is pid 1" {
    setup_bundle sh -c 'echo $$; readlink /proc/self/ns/pid_for_children'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1 ]
}

@test "uts namespace: hostname from the config, host's unchanged" {
    before=$(hostname)
    setup_bundle hostname
    update_config '.hostname = "urun-test-host"'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = urun-test-host ]
    [ "$(hostname)" = "$before" ]
}

@test "uts namespace: domainname from the config" {
    setup_bundle cat /proc/sys/kernel/domainname
    update_config '.domainname = "example.test"'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = example.test ]
}

@test "ipc namespace is new" {
    assert_new_ns ipc ipc
}

@test "network namespace is new and has only a loopback" {
    assert_new_ns net network
    set_args sh -c 'ls /sys/class/net'
    # without user-mode networking (spec --rootless asks for it: network.bats)
    update_config 'del(.annotations["run.urun.network"])'
    run urun run c2
    [ "$status" -eq 0 ]
    [ "$output" = lo ]
}

@test "mount namespace is new" {
    assert_new_ns mnt mount
}

@test "cgroup namespace is new" {
    [ -e /proc/self/ns/cgroup ] || skip "kernel without cgroup namespaces"
    assert_new_ns cgroup cgroup
}

@test "user namespace is new" {
    assert_new_ns user user
}

@test "time namespace is new" {
    [ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
    # a new time namespace applies to the children of the process that
    # made it: the container process sees it as time_for_children and time
    assert_new_ns time time
}

@test "no network namespace in the config: the host's is shared" {
    setup_bundle readlink /proc/self/ns/net
    del_namespace network
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = "$(readlink /proc/$$/ns/net)" ]
}

@test "a second container joins the first's network namespace by path" {
    setup_bundle sleep 1000
    urun_run_detached c1
    wait_status c1 running
    pid1=$(container_pid c1)
    want=$(readlink "/proc/$pid1/ns/net")
    # the namespace is not the host's
    [ "$want" != "$(readlink /proc/$$/ns/net)" ]

    # c2: same bundle, joining c1's network namespace (and, rootless, its
    # user namespace, which owns that network namespace)
    cp config.json config1.json
    set_args readlink /proc/self/ns/net
    join_namespace network "/proc/$pid1/ns/net"
    if is_rootless; then
        join_namespace user "/proc/$pid1/ns/user"
    fi
    run urun run c2
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$want" ]
}

@test "a second container joins the first's user namespace by path" {
    setup_bundle sleep 1000
    add_namespace user
    # the second container joins the user namespace but has its own uts
    # namespace, where it sets the hostname: that needs CAP_SYS_ADMIN in
    # the namespace the uts namespace belongs to
    urun_run_detached c1
    wait_status c1 running
    pid1=$(container_pid c1)
    want=$(readlink "/proc/$pid1/ns/user")
    [ "$want" != "$(readlink /proc/$$/ns/user)" ]
    set_args sh -c 'readlink /proc/self/ns/user; cat /proc/self/uid_map'
    join_namespace user "/proc/$pid1/ns/user"
    run urun run c2
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$want" ]
    # the same id mapping as the first container, both seen from inside
    # (rootless through the user namespace keeper, relative to its)
    [ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "$(urun exec c1 cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //' | head -n 1)" ]
}

@test "joining a namespace path that does not exist fails" {
    setup_bundle true
    join_namespace network /proc/999999999/ns/net
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line /proc/999999999/ns/net
    assert_no_state
}

@test "unknown namespace type is rejected" {
    setup_bundle true
    update_config '.linux.namespaces += [{"type": "bogusns"}]'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line bogusns
    assert_no_state
}

@test "time namespace: linux.timeOffsets shift boottime, and the process is still pid 1" {
    [ -e /proc/self/ns/time ] || skip "this kernel has no time namespaces"
    setup_bundle sh -c 'echo "pid=$$"; cut -d. -f1 /proc/uptime'
    update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 864000}, "monotonic": {"secs": 3600, "nanosecs": 5}}'
    host=$(cut -d. -f1 /proc/uptime)
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "pid=1" ]
    # ten days ahead of the host's uptime, give or take the run itself
    [ "${lines[1]}" -ge $((host + 864000)) ]
    [ "${lines[1]}" -le $((host + 864000 + 60)) ]
}

@test "time namespace: linux.timeOffsets without a new time namespace is refused" {
    setup_bundle true
    update_config '.linux.timeOffsets = {"boottime": {"secs": 10}}'
    run urun run c1
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"linux.timeOffsets"* ]]
    assert_no_state
}

@test "network namespace: lo is up, and a listener on 127.0.0.1 is reachable inside" {
    setup_bundle sh -c 'ip -o link show lo; (nc -l -p 8642 > /tmp/got &) ; i=0; while ! echo hello | nc 127.0.0.1 8642 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; j=0; while [ ! -s /tmp/got ] && [ $j -lt 50 ]; do sleep 0.1; j=$((j+1)); done; echo "got: $(cat /tmp/got)"'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
    [[ "$output" == *"got: hello"* ]]
}
