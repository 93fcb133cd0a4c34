#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# cgroup v2, with no cgroup flag given: as an unprivileged user urun asks
# the user's systemd (user bus) for a transient scope with Delegate=yes and
# puts the container in a sub-cgroup of it; as root it makes the cgroup
# itself (cgroupfs) beside its own, or asks PID 1 for a scope with
# --systemd-cgroup.  This host's kind (systemd as PID 1, cgroup v2 alone,
# a lingering user) is the qemu guest's: tests/vm/suite.sh runs this file
# there as root and as that user in its session.
load helpers

need_v2() {
    if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        skip "not a cgroup v2 host: the qemu guest (tests/vm) runs these"
    fi
    if is_rootless && [ ! -S "${XDG_RUNTIME_DIR:-/nonexistent}/bus" ]; then
        skip "no systemd user session (no user bus): the qemu guest's user has one"
    fi
    if ! is_rootless && [ "$(cat /proc/1/comm)" != systemd ]; then
        skip "systemd is not PID 1"
    fi
}

# The container's cgroup directory (its record in the state directory).
cg_dir() { awk '$1 == "unified" { print $2 }' "$BATS_TEST_TMPDIR/state/$1/cgroup"; }
cg_unit() { awk '$1 == "systemd" { print $3 }' "$BATS_TEST_TMPDIR/state/$1/cgroup"; }

# systemctl for the manager the container's scope belongs to
sctl() {
    if is_rootless; then systemctl --user "$@"; else systemctl "$@"; fi
}

@test "v2: memory and pids limits in the container's own cgroup, seen inside as its root" {
    need_v2
    setup_bundle sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /proc/self/cgroup; sleep 60'
    update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}'
    urun_run_detached v2lim
    local dir
    dir=$(cg_dir v2lim)
    echo "cgroup: $dir"
    [ -n "$dir" ]
    [ "$(cat "$dir/memory.max")" = 33554432 ]
    [ "$(cat "$dir/pids.max")" = 20 ]
    grep -qx "$(container_pid v2lim)" "$dir/cgroup.procs"
    if is_rootless; then
        # the user's own manager's scope, delegated
        [[ "$dir" = */user@$(id -u).service/*/urun-v2lim.scope/container ]]
        [ "$(cg_unit v2lim)" = urun-v2lim.scope ]
        [ "$(sctl show -P Delegate urun-v2lim.scope)" = yes ]
        [ "$(sctl show -P MemoryMax urun-v2lim.scope)" = 33554432 ]
    fi
    run urun exec v2lim sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /proc/self/cgroup'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 33554432 ]
    [ "${lines[1]}" = 20 ]
    [ "${lines[2]}" = 0::/ ]
    run urun delete -f v2lim
    [ "$status" -eq 0 ]
    [ ! -e "$dir" ]
    if is_rootless; then
        run sctl is-active urun-v2lim.scope
        [ "$output" != active ]
        [ ! -e "${dir%/container}" ]
    fi
    assert_no_state
}

@test "v2: past the memory limit the process is OOM-killed" {
    need_v2
    setup_bundle sh -c 'a=xxxxxxxxxxxxxxxx; i=0; while [ $i -lt 30 ]; do a="$a$a"; i=$((i+1)); done; echo survived'
    update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
    run urun run v2oom
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *survived* ]]
}

@test "v2: the pids limit is enforced" {
    need_v2
    setup_bundle sh -c 'i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo all-forked'
    update_config '.linux.resources.pids = {"limit": 20}'
    run urun run v2pids
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" = *"can't fork"* ]]
    [[ "$output" != *all-forked* ]]
    assert_no_state
}

@test "v2: cpu quota and period become cpu.max, shares a weight" {
    need_v2
    setup_bundle sh -c 'cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight'
    update_config '.linux.resources.cpu = {"quota": 50000, "period": 100000, "shares": 1024}'
    run urun run v2cpu
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "50000 100000" ]
    # crun's conversion: 1 + (1024 - 2) * 9999 / 262142
    [ "${lines[1]}" = 39 ]
}

@test "v2: pause freezes (frozen 1), resume thaws (frozen 0)" {
    need_v2
    setup_bundle sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'
    urun_run_detached v2fz
    local dir n
    dir=$(cg_dir v2fz)
    sleep 0.3
    run urun pause v2fz
    [ "$status" -eq 0 ]
    [ "$(urun state v2fz | jq -r .status)" = paused ]
    grep -x 'frozen 1' "$dir/cgroup.events"
    n=$(read_number "$BUNDLE/rootfs/tmp/count")
    sleep 0.3
    [ "$(read_number "$BUNDLE/rootfs/tmp/count")" = "$n" ]
    run urun resume v2fz
    [ "$status" -eq 0 ]
    [ "$(urun state v2fz | jq -r .status)" = running ]
    grep -x 'frozen 0' "$dir/cgroup.events"
    sleep 0.3
    [ "$(read_number "$BUNDLE/rootfs/tmp/count")" -gt "$n" ]
    run urun pause v2fz
    [ "$status" -eq 0 ]
    run urun delete -f v2fz
    [ "$status" -eq 0 ]
    [ ! -e "$dir" ]
}

@test "v2 root: a device the config denies cannot be opened (the BPF device program)" {
    need_v2
    if is_rootless; then skip "rootless: no device program (the container can make no device node)"; fi
    setup_bundle sh -c 'head -c0 /dev/lc && echo lc-open || echo lc-denied'
    update_config '.mounts += [{"destination": "/dev/lc", "type": "bind", "source": "/dev/loop-control", "options": ["bind"]}]'
    run urun run v2dev
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *lc-denied* ]]
    update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rw"}]'
    run urun run v2dev
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = lc-open ]
    # in PID 1's scope too: urun's program is on the sub-cgroup systemd
    # delegated (systemd's own DeviceAllow is not used)
    update_config '.linux.resources.devices = [] | .linux.cgroupsPath = "system.slice:urun-test:v2dev"'
    run urun --systemd-cgroup run v2dev
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *lc-denied* ]]
}

@test "v2 root: --systemd-cgroup puts the container in a scope of PID 1 under system.slice" {
    need_v2
    if is_rootless; then skip "rootless: the default is the user's manager (the first test)"; fi
    setup_bundle sh -c 'cat /sys/fs/cgroup/pids.max; sleep 60'
    update_config '.linux.resources.pids = {"limit": 25} | .linux.cgroupsPath = "system.slice:urun-test:v2sd"'
    "$URUN" --root "$BATS_TEST_TMPDIR/state" --systemd-cgroup run -d v2sd </dev/null >"$BATS_TEST_TMPDIR/run.log" 2>&1
    cat "$BATS_TEST_TMPDIR/run.log"
    local dir
    dir=$(cg_dir v2sd)
    cat "${dir%/container}/cgroup.subtree_control" "$dir/cgroup.controllers"
    [ "$dir" = /sys/fs/cgroup/system.slice/urun-test-v2sd.scope/container ]
    [ "$(cat "$dir/pids.max")" = 25 ]
    [ "$(systemctl show -P TasksMax urun-test-v2sd.scope)" = 25 ]
    run urun update --pids-limit 40 --memory 67108864 v2sd
    [ "$status" -eq 0 ]
    [ "$(cat "$dir/pids.max")" = 40 ]
    [ "$(systemctl show -P TasksMax urun-test-v2sd.scope)" = 40 ]
    [ "$(systemctl show -P MemoryMax urun-test-v2sd.scope)" = 67108864 ]
    run urun delete -f v2sd
    [ "$status" -eq 0 ]
    [ ! -e /sys/fs/cgroup/system.slice/urun-test-v2sd.scope ]
}

@test "v2: a bad systemd cgroupsPath is one line naming the field, and nothing is left" {
    need_v2
    setup_bundle true
    update_config '.linux.cgroupsPath = "no-slice:x:y"'
    urun_split --systemd-cgroup run v2bad
    [ "$status" -eq 1 ]
    assert_one_error_line "linux.cgroupsPath"
    assert_no_state
}

@test "v2: update changes memory.max and pids.max live; events --stats reads the cgroup" {
    need_v2
    setup_bundle sleep 60
    update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}'
    urun_run_detached v2up
    local dir out
    dir=$(cg_dir v2up)
    run urun update --memory 67108864 --pids-limit 30 v2up
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(cat "$dir/memory.max")" = 67108864 ]
    [ "$(cat "$dir/pids.max")" = 30 ]
    run urun exec v2up cat /sys/fs/cgroup/memory.max
    [ "$output" = 67108864 ]
    if is_rootless; then
        # the scope around the sub-cgroup was raised too: its old limits
        # would still cap the container
        [ "$(sctl show -P MemoryMax "$(cg_unit v2up)")" = 67108864 ]
        [ "$(sctl show -P TasksMax "$(cg_unit v2up)")" = 30 ]
    fi
    # 26 processes: past the old limit, within the new one
    run urun exec v2up sh -c 'i=0; while [ $i -lt 24 ]; do sleep 30 & i=$((i+1)); done; echo started'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = started ]
    out=$(urun events --stats v2up)
    echo "$out"
    printf '%s' "$out" | jq -e '.type == "stats" and .id == "v2up"'
    printf '%s' "$out" | jq -e '.data.pids.current >= 1 and .data.pids.limit == 30'
    printf '%s' "$out" | jq -e '.data.memory.usage.usage > 0 and .data.memory.usage.limit == 67108864'
    printf '%s' "$out" | jq -e '.data.cpu.usage.total > 0'
    urun delete -f v2up
}

@test "v2: urun events reports an OOM kill" {
    need_v2
    setup_bundle sleep 60
    update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
    urun_run_detached v2ev
    local out=$BATS_TEST_TMPDIR/events.out pid i rc=0
    timeout 60 "$URUN" --root "$BATS_TEST_TMPDIR/state" events --interval 10s v2ev > "$out" 2>&1 &
    pid=$!
    for i in $(seq 1 50); do [ -s "$out" ] && break; sleep 0.1; done
    run urun exec v2ev sh -c 'a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done'
    [ "$status" -ne 0 ]
    grep -E '^oom_kill [1-9]' "$(cg_dir v2ev)/memory.events"
    for i in $(seq 1 50); do grep -q '"oom"' "$out" && break; sleep 0.1; done
    run urun kill v2ev KILL
    wait "$pid" || rc=$?
    cat "$out"
    [ "$rc" -eq 0 ]
    [ "$(grep -c '^{"type":"oom","id":"v2ev"}$' "$out")" -ge 1 ]
}

@test "v2: org.systemd.property.* annotations are the scope's properties (runc's ...Sec in seconds as ...USec)" {
    need_v2
    setup_bundle sleep 60
    update_config '.annotations["org.systemd.property.TimeoutStopSec"] = "uint64 15"
        | .annotations["org.systemd.property.CPUWeight"] = "uint64 42"'
    local flags=() unit=urun-v2prop.scope
    if ! is_rootless; then
        # root: PID 1's scope (the default as root is cgroupfs)
        update_config '.linux.cgroupsPath = "system.slice:urun-test:v2prop"'
        flags=(--systemd-cgroup)
        unit=urun-test-v2prop.scope
    fi
    "$URUN" --root "$BATS_TEST_TMPDIR/state" "${flags[@]}" run -d v2prop </dev/null >"$BATS_TEST_TMPDIR/run.log" 2>&1 \
        || { cat "$BATS_TEST_TMPDIR/run.log"; false; }
    [ "$(cg_unit v2prop)" = "$unit" ]
    [ "$(sctl show -P TimeoutStopUSec "$unit")" = 15s ]
    [ "$(sctl show -P CPUWeight "$unit")" = 42 ]
    run urun delete -f v2prop
    [ "$status" -eq 0 ]
    # not a number of seconds: one line naming the annotation, nothing left
    update_config '.annotations["org.systemd.property.TimeoutStopSec"] = "soon"'
    urun_split "${flags[@]}" run v2prop
    echo "$err"
    [ "$status" -ne 0 ]
    assert_one_error_line "org.systemd.property.TimeoutStopSec"
    assert_no_state
    run sctl is-active "$unit"
    [ "$output" != active ]
}

@test "v2 rootless: without a user bus, the limits are not applied: the container runs, one warning saying why" {
    need_v2
    if ! is_rootless; then skip "rootless only: root's manager is cgroupfs"; fi
    setup_bundle echo ran
    update_config '.linux.resources.memory = {"limit": 33554432}'
    mkdir "$BATS_TEST_TMPDIR/nobus"
    urun_split_env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/nobus" -- \
        --root "$BATS_TEST_TMPDIR/state" run v2nobus
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 0 ]
    [ "$out" = ran ]
    assert_one_error_line "warning" "linux.resources (memory) not applied" "no systemd user session"
}

@test "v2: hugepageLimits: hugetlb.SIZE.max as root; rootless, where hugetlb is not delegated, one warning naming it" {
    need_v2
    setup_bundle sh -c 'cat /sys/fs/cgroup/hugetlb.2MB.max 2>/dev/null || echo none'
    update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
    if is_rootless; then
        # the guest delegates cpu, cpuset, io, memory and pids (tests/vm)
        urun_split run v2huge
        echo "status=$status out=$out err=$err"
        [ "$status" -eq 0 ]
        [ "$out" = none ]
        assert_one_error_line "warning" "hugepageLimits" "controller hugetlb not delegated"
        return
    fi
    if ! grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers; then
        skip "this kernel has no hugetlb controller"
    fi
    run urun run v2huge
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = 4194304 ]
}

@test "v2: cpu burst and idle, and blockIO throttles as io.max lines of the disk" {
    need_v2
    local dev maj min
    dev=$(lsblk -dn -o MAJ:MIN "$(findmnt -n -o SOURCE /)" 2>/dev/null | tr -d ' ')
    [ -n "$dev" ] || dev=$(cat /sys/block/vda/dev 2>/dev/null || true)
    [ -n "$dev" ] || skip "no block device under / to throttle"
    maj=${dev%:*} min=${dev#*:}
    # io.max takes a whole disk, not a partition
    if [ -e "/sys/dev/block/$dev/partition" ]; then
        dev=$(cat "/sys/dev/block/$dev/../dev")
        maj=${dev%:*} min=${dev#*:}
    fi
    setup_bundle sh -c 'cat /sys/fs/cgroup/cpu.max.burst /sys/fs/cgroup/cpu.idle; cat /sys/fs/cgroup/io.max'
    update_config --argjson ma "$maj" --argjson mi "$min" '.linux.resources.cpu = {"quota": 50000, "period": 100000, "burst": 20000, "idle": 1}
        | .linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": $ma, "minor": $mi, "rate": 10485760}],
                                      "throttleWriteIOPSDevice": [{"major": $ma, "minor": $mi, "rate": 100}]}'
    run urun run v2io
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 20000 ]
    [ "${lines[1]}" = 1 ]
    [[ "${lines[2]}" = "$maj:$min rbps=10485760 wbps=max riops=max wiops=100"* ]]
}

@test "v2 rootless: --cgroup-manager cgroupfs on the user's delegated tree: the cgroup beside urun's own, limits applied, removed at delete" {
    need_v2
    if ! is_rootless; then skip "root: cgroupfs is the default (the first tests)"; fi
    setup_bundle sh -c 'cat /sys/fs/cgroup/pids.max; sleep 60'
    update_config '.linux.resources.pids = {"limit": 23}'
    "$URUN" --root "$BATS_TEST_TMPDIR/state" --cgroup-manager cgroupfs run -d v2fs </dev/null >"$BATS_TEST_TMPDIR/run.log" 2>&1 \
        || { cat "$BATS_TEST_TMPDIR/run.log"; false; }
    cat "$BATS_TEST_TMPDIR/run.log"
    local dir own
    dir=$(cg_dir v2fs)
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    echo "cgroup: $dir (ours: $own)"
    [ "$dir" = "/sys/fs/cgroup${own%/*}/v2fs" ]
    [[ "$dir" = */user@$(id -u).service/* ]]
    [ -z "$(cg_unit v2fs)" ]
    [ "$(cat "$dir/pids.max")" = 23 ]
    run urun exec v2fs cat /sys/fs/cgroup/pids.max
    [ "$output" = 23 ]
    run urun delete -f v2fs
    [ "$status" -eq 0 ]
    [ ! -e "$dir" ]
}
