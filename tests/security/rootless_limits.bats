#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What an unprivileged user may not do through urun: map ids outside the
# ranges /etc/subuid and /etc/subgid grant, or mount host paths it cannot
# read.  Refusals are clean: one message naming the cause, no state, no
# process left.
load ../integration/helpers

setup() {
    is_rootless || skip "rootless only: root may map any id and mount any path"
}

# `urun run` (foreground: a refusal is expected) with stderr kept apart
run_refused() {
    urun_split run --bundle "$BUNDLE" c1
    echo "status=$status out=$out err=$err"
    [ "$status" -ne 0 ]
    assert_no_state
    # the container's program never ran
    [ ! -e "$BUNDLE/rootfs/tmp/ran" ]
}

@test "rootless_limits: a uid mapping of host id 1 (not the user's) is refused, naming /etc/subuid" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config --argjson u "$(id -u)" '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: 1, size: 1}]'
    run_refused
    [[ "$err" == *"/etc/subuid"* ]]
}

@test "rootless_limits: a uid mapping of host id 400000 (outside the user's 500000:65536) is refused" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config --argjson u "$(id -u)" '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: 400000, size: 1000}]'
    run_refused
    [[ "$err" == *"/etc/subuid"* ]]
}

@test "rootless_limits: a mapping that runs past the end of the user's range is refused" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config --argjson u "$(id -u)" '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: 565000, size: 1000}]'
    run_refused
    [[ "$err" == *"/etc/subuid"* ]]
}

@test "rootless_limits: mapping container root to host root (hostID 0) is refused" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}]'
    run_refused
    [[ "$err" == *"/etc/subuid"* ]]
}

@test "rootless_limits: a gid mapping of host id 1 is refused, naming /etc/subgid" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config --argjson g "$(id -g)" '.linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: 1, size: 1}]'
    run_refused
    [[ "$err" == *"/etc/subgid"* ]]
}

@test "rootless_limits: a gid mapping of host id 400000 is refused, naming /etc/subgid" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config --argjson g "$(id -g)" '.linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: 400000, size: 10}]'
    run_refused
    [[ "$err" == *"/etc/subgid"* ]]
}

@test "rootless_limits: the refusal is the same through create" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config --argjson u "$(id -u)" '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: 1, size: 1}]'
    local rc=0
    urun create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 || rc=$?
    cat "$BATS_TEST_TMPDIR/create.log"
    [ "$rc" -ne 0 ]
    grep -q /etc/subuid "$BATS_TEST_TMPDIR/create.log"
    assert_no_state
}

@test "rootless_limits: a bind mount of a host path the user cannot reach fails cleanly" {
    # /root is 0700: nothing below it can even be looked up by the user
    local src=/root/urun-no-such-dir
    [ -d /root ] && [ ! -x /root ] || skip "/root is searchable by $(id -un) here: nothing to attack"
    setup_bundle sh -c 'touch /tmp/ran; ls /mnt'
    update_config --arg s "$src" '.mounts += [{type: "bind", source: $s, destination: "/mnt", options: ["rbind", "ro"]}]'
    run_refused
    # the message names the mount (its source or destination)
    [[ "$err" == *"$src"* || "$err" == *"/mnt"* ]]
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]
}

@test "rootless_limits: a bind mount of a file inside an unreadable directory fails cleanly" {
    local src=/root/.bashrc
    [ -d /root ] && [ ! -x /root ] || skip "/root is searchable by $(id -un) here: nothing to attack"
    setup_bundle sh -c 'touch /tmp/ran; cat /mnt-file'
    touch "$BUNDLE/rootfs/mnt-file"
    update_config --arg s "$src" '.mounts += [{type: "bind", source: $s, destination: "/mnt-file", options: ["bind"]}]'
    run_refused
    [[ "$err" == *"$src"* || "$err" == *"/mnt-file"* ]]
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]
}

@test "rootless_limits: a bind mount of the unreadable directory itself shows nothing of it" {
    # the kernel lets a user bind a directory it can look up but not read
    # (runc behaves the same); what matters is that its contents stay out
    # of reach: refused, or mounted and unreadable
    [ -d /root ] && [ ! -r /root ] || skip "/root is readable by $(id -un) here"
    setup_bundle sh -c 'ls -a /mnt 2>/dev/null; cat /mnt/.bashrc /mnt/.profile 2>/dev/null; echo end'
    update_config '.mounts += [{type: "bind", source: "/root", destination: "/mnt", options: ["rbind"]}]'
    urun_split run --bundle "$BUNDLE" c1
    echo "status=$status out=$out err=$err"
    if [ "$status" -eq 0 ]; then
        [ "$out" = end ]
    else
        [[ "$err" == *"/root"* || "$err" == *"/mnt"* ]]
    fi
    assert_no_state
}
