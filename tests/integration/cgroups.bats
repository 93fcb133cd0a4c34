#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# cgroups.  As root on a cgroup v1 (or hybrid) host, each container gets
# its own cgroup in every hierarchy (cgroupfs, as runc): limits, the device
# controller, pause/resume through the freezer, and nothing left behind.
# Rootless, or on other hosts, the container has no cgroup of its own and
# a limit asked for is one warning.  (cgroup v2 and the systemd user
# session are tested in the qemu guest: tests/vm.)
load helpers

@test "v1 root: memory and pids limits land in the container's own cgroups, seen inside as its root" {
    need_v1_root
    setup_bundle sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; grep -c . /proc/self/cgroup >/dev/null; awk -F: "\$2 == \"pids\" { print \$3 }" /proc/self/cgroup; sleep 30'
    update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}'
    urun_run_detached c1
    local pids_dir
    pids_dir=$(cgroup_dir c1 pids)
    [ -n "$pids_dir" ]
    [ "$(cat "$pids_dir/pids.max")" = 20 ]
    [ "$(cat "$(cgroup_dir c1 memory)/memory.limit_in_bytes")" = 33554432 ]
    grep -qx "$(container_pid c1)" "$pids_dir/cgroup.procs"
    run urun exec c1 sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; awk -F: "\$2 == \"pids\" { print \$3 }" /proc/self/cgroup'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 33554432 ]
    [ "${lines[1]}" = 20 ]
    # the cgroup namespace was made inside the container's cgroup
    [ "${lines[2]}" = / ]
    # an exec'd process is in the container's cgroup too
    [ "$(wc -l < "$pids_dir/cgroup.procs")" -ge 1 ]
    run urun delete -f c1
    [ "$status" -eq 0 ]
    [ ! -e "$pids_dir" ]
    assert_no_state
}

@test "v1 root: a container with a user namespace is in its cgroup too" {
    need_v1_root
    setup_bundle sh -c 'cat /sys/fs/cgroup/pids/pids.max; awk -F: "\$2 == \"pids\" { print \$3 }" /proc/self/cgroup'
    update_config '.linux.resources.pids = {"limit": 21} | .linux.namespaces += [{"type": "user"}]
        | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 21 ]
    [ "${lines[1]}" = / ]
}

@test "v1 root: the pids limit is enforced" {
    need_v1_root
    setup_bundle sh -c 'i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo all-forked'
    update_config '.linux.resources.pids = {"limit": 20}'
    run urun run c1
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" = *"can't fork"* ]]
    [[ "$output" != *all-forked* ]]
    # nothing of it is left
    assert_no_state
}

@test "v1 root: /sys/fs/cgroup shows only the container's own directories, read-only" {
    need_v1_root
    setup_bundle sh -c 'cat /sys/fs/cgroup/pids/pids.max; find /sys/fs/cgroup/memory /sys/fs/cgroup/pids -mindepth 1 -type d | wc -l; touch /sys/fs/cgroup/pids/x 2>&1; mkdir /sys/fs/cgroup/pids/sub 2>&1; echo end'
    update_config '.linux.resources.pids = {"limit": 33}'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    # its own cgroup, where no other cgroup (the host's, another container's) is
    [ "${lines[0]}" = 33 ]
    [ "${lines[1]}" = 0 ]
    [[ "${lines[2]}" = *"Read-only file system"* ]]
    [[ "${lines[3]}" = *"Read-only file system"* ]]
}

@test "v1 root: pause freezes, resume thaws; delete -f of a paused container" {
    need_v1_root
    counter='i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'
    setup_bundle sh -c "$counter"
    update_config '.root.readonly = false'
    urun_run_detached c1
    sleep 0.3
    run urun pause c1
    [ "$status" -eq 0 ]
    [ "$(urun state c1 | jq -r .status)" = paused ]
    [ "$(cat "$(cgroup_dir c1 freezer)/freezer.state")" = FROZEN ]
    n=$(read_number "$BUNDLE/rootfs/tmp/count")
    sleep 0.3
    [ "$(read_number "$BUNDLE/rootfs/tmp/count")" = "$n" ]
    [ "$(urun list --format json | jq -r '.[0].status')" = paused ]
    run urun resume c1
    [ "$status" -eq 0 ]
    [ "$(urun state c1 | jq -r .status)" = running ]
    sleep 0.3
    [ "$(read_number "$BUNDLE/rootfs/tmp/count")" -gt "$n" ]
    urun_split resume c1
    [ "$status" -eq 1 ]
    assert_one_error_line "not paused"
    run urun pause c1
    [ "$status" -eq 0 ]
    urun_split delete c1
    [ "$status" -eq 1 ]
    assert_one_error_line "paused"
    local pid
    pid=$(container_pid c1)
    run urun delete -f c1
    [ "$status" -eq 0 ]
    wait_pid_gone "$pid"
    assert_no_state
}

@test "v1 root: without a pid namespace, nothing is left after run nor after delete" {
    need_v1_root
    setup_bundle sh -c 'sleep 317 & echo started'
    update_config '.linux.namespaces |= map(select(.type != "pid"))'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = started ]
    run pgrep -x -f "sleep 317"
    [ "$status" -ne 0 ]
    set_args sh -c 'sleep 318 & sleep 319'
    urun_run_detached c2
    run urun delete -f c2
    [ "$status" -eq 0 ]
    run pgrep -f "sleep 31[89]"
    [ "$status" -ne 0 ]
}

@test "v1 root: the device controller: a block device the config denies cannot be opened, even made with CAP_MKNOD" {
    need_v1_root
    setup_bundle sh -c 'mknod /dev/blk7 b 7 0 && echo made; head -c 1 /dev/blk7 >/dev/null 2>&1 && echo opened-made; head -c 1 /img7 >/dev/null 2>&1 && echo opened-image; head -c 1 /dev/zero | wc -c'
    mknod "$BUNDLE/rootfs/img7" b 7 0
    # every device allowed but reading and writing block 7 (loop): no
    # nodev, the controller decides; mknod (m) stays allowed, so the node
    # is made and its open is what is refused
    update_config '.linux.resources.devices = [{"allow": true, "access": "rwm"}, {"allow": false, "type": "b", "major": 7, "access": "rw"}]
        | .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
        | .process.capabilities.permitted += ["CAP_MKNOD"]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = made ]
    [[ "$output" != *opened* ]]
    [ "${lines[-1]}" = 1 ]
}

@test "v1 root: linux.cgroupsPath naming a hierarchy's root, '.', '..' or a cgroup in use is refused; nothing is touched" {
    need_v1_root
    setup_bundle true
    local p
    for p in / // . ./ a/../b /a/./b 'a
b'; do
        update_config --arg p "$p" '.linux.cgroupsPath = $p'
        urun_split run c1
        [ "$status" -eq 1 ]
        assert_one_error_line "linux.cgroupsPath"
        assert_no_state
    done
    # a cgroup with a process of someone else's: not joined, not limited, not killed
    local victim=/sys/fs/cgroup/pids/urun-test-victim-$$
    mkdir "$victim"
    sleep 60 &
    local pid=$!
    echo "$pid" > "$victim/cgroup.procs"
    update_config --arg p "/urun-test-victim-$$" '.linux.cgroupsPath = $p | .linux.resources.pids = {"limit": 5}'
    urun_split run c1
    local max
    max=$(cat "$victim/pids.max")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    rmdir "$victim"
    for d in /sys/fs/cgroup/*/urun-test-victim-$$; do [ ! -d "$d" ] || rmdir "$d"; done
    [ "$status" -eq 1 ]
    assert_one_error_line "linux.cgroupsPath" "has processes"
    [ "$max" = max ]
    assert_no_state
}

@test "v1 root: kill -9 of a paused container kills it" {
    need_v1_root
    setup_bundle sleep 60
    urun_run_detached c1
    local pid
    pid=$(container_pid c1)
    run urun pause c1
    [ "$status" -eq 0 ]
    run urun kill c1 KILL
    [ "$status" -eq 0 ]
    wait_pid_gone "$pid"
    wait_status c1 stopped
    run urun delete c1
    [ "$status" -eq 0 ]
    assert_no_state
}

@test "rootless or without a cgroup: pause says why in one line" {
    if ! is_rootless && host_v1; then skip "root on a cgroup v1 host: the container has a cgroup"; fi
    setup_bundle sleep 30
    urun_run_detached c1
    urun_split pause c1
    [ "$status" -eq 1 ]
    assert_one_error_line "cannot pause container \`c1\`" "no cgroup of its own"
    [ "$(urun state c1 | jq -r .status)" = running ]
}

@test "--cgroup-manager disabled as root: no cgroup, pause says why; the host's hierarchies inside are read-only even when the config's mount is rw" {
    if is_rootless; then skip "rootless: never a cgroup on this host"; fi
    setup_bundle sleep 30
    update_config '(.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= (map(select(. != "ro")) + ["rw"])'
    jq -c '.mounts[] | select(.destination == "/sys/fs/cgroup")' "$BUNDLE/config.json"
    urun --cgroup-manager disabled run -d c1 </dev/null >/dev/null 2>&1
    [ ! -e "$BATS_TEST_TMPDIR/state/c1/cgroup" ]
    urun_split pause c1
    [ "$status" -eq 1 ]
    assert_one_error_line "no cgroup of its own" "--cgroup-manager=disabled"
    local h
    for h in pids memory unified; do
        [ -d "/sys/fs/cgroup/$h" ] || continue
        run urun exec c1 mkdir "/sys/fs/cgroup/$h/urun-escape"
        echo "$h: $output"
        [ "$status" -ne 0 ]
        [[ "$output" = *"Read-only file system"* ]]
        [ ! -e "/sys/fs/cgroup/$h/urun-escape" ]
    done
    urun delete -f c1
}

@test "v1 root: runc's systemd form of linux.cgroupsPath with --systemd-cgroup: one warning, nested slices as systemd names them" {
    need_v1_root
    setup_bundle true
    update_config '.linux.cgroupsPath = "urun-a-b.slice:urun:c1" | .linux.resources.pids = {"limit": 22}'
    "$URUN" --root "$BATS_TEST_TMPDIR/state" --systemd-cgroup create c1 </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1
    cat "$BATS_TEST_TMPDIR/create.log"
    [ "$(grep -c 'urun: warning:' "$BATS_TEST_TMPDIR/create.log")" = 1 ]
    grep -q 'systemd cgroup manager needs cgroup v2' "$BATS_TEST_TMPDIR/create.log"
    local dir
    dir=$(cgroup_dir c1 pids)
    [[ "$dir" = */urun.slice/urun-a.slice/urun-a-b.slice/urun-c1.scope ]]
    [ "$(cat "$dir/pids.max")" = 22 ]
    # a created container may be paused, as with runc
    run urun pause c1
    [ "$status" -eq 0 ]
    [ "$(urun state c1 | jq -r .status)" = paused ]
    urun_split start c1
    [ "$status" -eq 1 ]
    assert_one_error_line "paused"
    run urun resume c1
    [ "$status" -eq 0 ]
    [ "$(urun state c1 | jq -r .status)" = created ]
    local all d
    all=$(awk 'NR > 1 { print $2 }' "$BATS_TEST_TMPDIR/state/c1/cgroup")
    run urun delete -f c1
    [ "$status" -eq 0 ]
    [ ! -e "$dir" ]
    # the slices it made stay, as systemd's would; they are empty
    for d in $all; do rmdir "${d%/*}" "${d%/*/*}" "${d%/*/*/*}"; done
}
