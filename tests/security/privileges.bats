#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Privilege gain inside the container: a setuid-root binary under
# process.noNewPrivileges, and capabilities dropped from all five sets.
load ../integration/helpers

setup_file() {
    # a static helper that prints its real/effective/saved uids, built by
    # make (tests/security/tools/show_ids.c) and staged by the harness
    [ -x "${URUN_TOOLS:?}/show_ids" ] || { echo "no $URUN_TOOLS/show_ids" >&2; return 1; }
}

# The bundle, with /bin/show_ids and /bin/suidbb (busybox, run as
# /suid/id) setuid and owned
# by the container's root: root itself, or (rootless) the user, who is
# container root.
setup_suid_bundle() {
    setup_bundle "$@"
    cp "$URUN_TOOLS/show_ids" "$BUNDLE/rootfs/bin/show_ids"
    cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/bin/suidbb"
    chown "$(host_uid_of_container_root)" "$BUNDLE/rootfs/bin/show_ids" "$BUNDLE/rootfs/bin/suidbb"
    chmod 4755 "$BUNDLE/rootfs/bin/show_ids" "$BUNDLE/rootfs/bin/suidbb"
    # busybox picks the applet by argv[0]: /suid/id runs suidbb as `id`
    mkdir -p "$BUNDLE/rootfs/suid"
    ln -s ../bin/suidbb "$BUNDLE/rootfs/suid/id"
    update_config '.process.user = {uid: 1000, gid: 1000}'
}

# The five capability sets of /proc/self/status in $output: "Inh Prm Eff Bnd Amb"
cap_sets() {
    printf '%s\n' "$output" | awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { printf "%s%s", sep, $2; sep = " " } END { print "" }'
}

@test "privileges: with noNewPrivileges a setuid-root binary gains nothing" {
    setup_suid_bundle sh -c 'grep NoNewPrivs /proc/self/status; /bin/show_ids try; /suid/id -u'
    update_config '.process.noNewPrivileges = true'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"NoNewPrivs:"*1* ]]
    [[ "$output" == *"1000 1000 1000"* ]]
    [[ "$output" == *"setuid0=failed"* ]]
    [ "$(printf '%s\n' "$output" | tail -n 1)" = 1000 ]
}

@test "privileges: control: without noNewPrivileges the same setuid binary does run as root" {
    # shows the attack above is real (the rootfs is not mounted nosuid)
    setup_suid_bundle /bin/show_ids try
    update_config '.process.noNewPrivileges = false'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    if [[ "$output" == "1000 1000 1000"* ]]; then
        skip "setuid bits have no effect here (rootfs on a nosuid mount?): the noNewPrivileges test proves nothing"
    fi
    [[ "$output" == *"1000 0 0"* ]]
}

@test "privileges: exec --no-new-privs -u 1000: a setuid-root binary gains nothing" {
    setup_suid_bundle sleep 1000
    update_config '.process.noNewPrivileges = false | .process.user = {uid: 0, gid: 0}'
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    run urun exec --no-new-privs -u 1000:1000 c1 /bin/show_ids try
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"1000 1000 1000"* ]]
    [[ "$output" == *"setuid0=failed"* ]]
}

@test "privileges: exec of a container with noNewPrivileges keeps it for the exec'd process" {
    setup_suid_bundle sleep 1000
    update_config '.process.noNewPrivileges = true'
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    run urun exec -u 1000:1000 c1 sh -c 'grep NoNewPrivs /proc/self/status; /bin/show_ids try'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"1000 1000 1000"* ]]
    [[ "$output" == *"setuid0=failed"* ]]
}

@test "privileges: an empty capabilities object clears all five sets" {
    setup_bundle cat /proc/self/status
    update_config '.process.capabilities = {}'
    run urun run c1
    echo "$output" | grep '^Cap'
    [ "$status" -eq 0 ]
    [ "$(cap_sets)" = "0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000" ]
}

@test "privileges: with empty sets, container root cannot chown or read others' files" {
    setup_bundle sh -c 'echo secret > /tmp/s; chown 1000 /tmp/s; chmod 600 /tmp/s; ls -ln /tmp/s | awk "{print \$3}"'
    update_config '.process.capabilities = {}'
    run urun run c1
    echo "$output"
    [[ "$output" == *"Operation not permitted"* ]]
    [ "$(printf '%s\n' "$output" | tail -n 1)" = 0 ]
}

@test "privileges: only CAP_NET_BIND_SERVICE listed: every set holds bit 10 only" {
    setup_bundle cat /proc/self/status
    update_config '.process.capabilities = {bounding: ["CAP_NET_BIND_SERVICE"], effective: ["CAP_NET_BIND_SERVICE"],
        permitted: ["CAP_NET_BIND_SERVICE"], inheritable: ["CAP_NET_BIND_SERVICE"], ambient: ["CAP_NET_BIND_SERVICE"]}'
    run urun run c1
    echo "$output" | grep '^Cap'
    [ "$status" -eq 0 ]
    [ "$(cap_sets)" = "0000000000000400 0000000000000400 0000000000000400 0000000000000400 0000000000000400" ]
}

@test "privileges: only CAP_NET_BIND_SERVICE in bounding: CapBnd is bit 10, nothing else is gained" {
    setup_bundle cat /proc/self/status
    update_config '.process.capabilities = {bounding: ["CAP_NET_BIND_SERVICE"]}'
    run urun run c1
    echo "$output" | grep '^Cap'
    [ "$status" -eq 0 ]
    [ "$(cap_sets)" = "0000000000000000 0000000000000000 0000000000000000 0000000000000400 0000000000000000" ]
}

@test "privileges: exec with a process whose capabilities are empty" {
    setup_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    jq -n '{terminal: false, user: {uid: 0, gid: 0}, cwd: "/", args: ["cat", "/proc/self/status"], env: ["PATH=/bin"], capabilities: {}}' \
        > "$BATS_TEST_TMPDIR/process.json"
    run urun exec --process "$BATS_TEST_TMPDIR/process.json" c1
    echo "$output" | grep '^Cap'
    [ "$status" -eq 0 ]
    [ "$(cap_sets)" = "0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000" ]
}

@test "privileges: a non-root user gets no capabilities from the config's effective set without ambient" {
    setup_bundle cat /proc/self/status
    update_config '.process.user = {uid: 1000, gid: 1000} |
        .process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_CHOWN", "CAP_KILL"], permitted: ["CAP_CHOWN", "CAP_KILL"]}'
    run urun run c1
    echo "$output" | grep '^Cap'
    [ "$status" -eq 0 ]
    # bounding keeps the two (bits 0 and 5); the user process ends without
    # them in its effective and ambient sets after exec (no file caps)
    local sets
    sets=$(cap_sets)
    [ "$(echo "$sets" | cut -d' ' -f4)" = 0000000000000021 ]
    [ "$(echo "$sets" | cut -d' ' -f5)" = 0000000000000000 ]
    [ "$(echo "$sets" | cut -d' ' -f1-3)" = "0000000000000000 0000000000000000 0000000000000000" ]
}
