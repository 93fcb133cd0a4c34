#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# urun update (runc's flags and -r FILE: new limits in the live cgroup and
# in the config copy) and urun events (runc's JSON lines: stats, oom).  As
# root on a cgroup v1 host the container has cgroups of its own; rootless
# here it has none, and both commands say why in one line.  Container ids
# start with ue-: cgroups are named by id, and other test files may run
# on this host at the same time.
load helpers

config_copy() { cat "$BATS_TEST_TMPDIR/state/$1/config.json"; }

@test "update: --memory, --memory-swap, --pids-limit, --cpu-* change the live v1 cgroup and the config copy" {
    need_v1_root
    setup_bundle sleep 60
    update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}'
    urun_run_detached ue-u1
    local mem pids cpu
    mem=$(cgroup_dir ue-u1 memory)
    pids=$(cgroup_dir ue-u1 pids)
    cpu=$(cgroup_dir ue-u1 cpu)
    [ "$(cat "$mem/memory.limit_in_bytes")" = 33554432 ]
    urun_split update --memory 67108864 ue-u1
    [ "$status" -eq 0 ]
    [ -z "$err" ]
    [ "$(cat "$mem/memory.limit_in_bytes")" = 67108864 ]
    # runc's sizes: binary suffixes
    urun_split update --memory 96M ue-u1
    [ "$status" -eq 0 ]
    [ "$(cat "$mem/memory.limit_in_bytes")" = 100663296 ]
    urun_split update --memory 48m --memory-swap 64m --memory-reservation 16m ue-u1
    [ "$status" -eq 0 ]
    [ "$(cat "$mem/memory.limit_in_bytes")" = 50331648 ]
    [ "$(cat "$mem/memory.memsw.limit_in_bytes")" = 67108864 ]
    [ "$(cat "$mem/memory.soft_limit_in_bytes")" = 16777216 ]
    urun_split update --pids-limit 33 --cpu-share 512 --cpu-period 100000 --cpu-quota 50000 ue-u1
    [ "$status" -eq 0 ]
    [ "$(cat "$pids/pids.max")" = 33 ]
    [ "$(cat "$cpu/cpu.shares")" = 512 ]
    [ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ]
    urun_split update --pids-limit -1 --cpu-quota -1 ue-u1
    [ "$status" -eq 0 ]
    [ "$(cat "$pids/pids.max")" = max ]
    [ "$(cat "$cpu/cpu.cfs_quota_us")" = -1 ]
    # kept in the config copy, merged with what was there
    config_copy ue-u1 | jq -e '.linux.resources.memory == {"limit": 50331648, "swap": 67108864, "reservation": 16777216}'
    config_copy ue-u1 | jq -e '.linux.resources.pids.limit == -1 and .linux.resources.cpu.shares == 512'
    config_copy ue-u1 | jq -e '.process.args == ["sleep", "60"]'
    # the container goes on, and delete still reads its config
    [ "$(urun state ue-u1 | jq -r .status)" = running ]
    run urun delete -f ue-u1
    [ "$status" -eq 0 ]
    [ ! -e "$mem" ]
}

@test "update: -r FILE and -r - (stdin) take a linux.resources object" {
    need_v1_root
    setup_bundle sleep 60
    urun_run_detached ue-u2
    local mem pids
    mem=$(cgroup_dir ue-u2 memory)
    pids=$(cgroup_dir ue-u2 pids)
    echo '{"memory": {"limit": 41943040}, "pids": {"limit": 17}}' > "$BATS_TEST_TMPDIR/res.json"
    urun_split update -r "$BATS_TEST_TMPDIR/res.json" ue-u2
    [ "$status" -eq 0 ]
    [ "$(cat "$mem/memory.limit_in_bytes")" = 41943040 ]
    [ "$(cat "$pids/pids.max")" = 17 ]
    run sh -c "echo '{\"pids\": {\"limit\": 18}}' | \"$URUN\" --root \"$BATS_TEST_TMPDIR/state\" update --resources - ue-u2"
    [ "$status" -eq 0 ]
    [ "$(cat "$pids/pids.max")" = 18 ]
    config_copy ue-u2 | jq -e '.linux.resources.pids.limit == 18 and .linux.resources.memory.limit == 41943040'
    # not an object, not JSON, a field of the wrong type: one line each
    echo '[1]' > "$BATS_TEST_TMPDIR/bad.json"
    urun_split update -r "$BATS_TEST_TMPDIR/bad.json" ue-u2
    [ "$status" -eq 1 ]
    assert_one_error_line "--resources" "object"
    echo '{"pids": ' > "$BATS_TEST_TMPDIR/bad.json"
    urun_split update -r "$BATS_TEST_TMPDIR/bad.json" ue-u2
    [ "$status" -eq 1 ]
    assert_one_error_line "--resources"
    echo '{"pids": {"limit": "many"}}' > "$BATS_TEST_TMPDIR/bad.json"
    urun_split update -r "$BATS_TEST_TMPDIR/bad.json" ue-u2
    [ "$status" -eq 1 ]
    assert_one_error_line "linux.resources.pids.limit"
    [ "$(cat "$pids/pids.max")" = 18 ]
    # checkBeforeUpdate: a limit below what it uses now is refused
    echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' > "$BATS_TEST_TMPDIR/low.json"
    urun_split update -r "$BATS_TEST_TMPDIR/low.json" ue-u2
    [ "$status" -eq 1 ]
    assert_one_error_line "linux.resources.memory.limit" "checkBeforeUpdate"
    [ "$(cat "$mem/memory.limit_in_bytes")" = 41943040 ]
}

@test "update: the config's checkBeforeUpdate holds for a later update given without it (runc's)" {
    need_v1_root
    setup_bundle sleep 60
    update_config '.linux.resources.memory = {"limit": 41943040, "checkBeforeUpdate": true}'
    urun_run_detached ue-cbu
    local mem
    mem=$(cgroup_dir ue-cbu memory)
    urun_split update --memory 4096 ue-cbu
    [ "$status" -eq 1 ]
    assert_one_error_line "linux.resources.memory.limit" "checkBeforeUpdate"
    [ "$(cat "$mem/memory.limit_in_bytes")" = 41943040 ]
    urun_split update --memory 50m ue-cbu
    [ "$status" -eq 0 ]
    [ "$(cat "$mem/memory.limit_in_bytes")" = 52428800 ]
    urun delete -f ue-cbu
}

@test "update: memory and memory+swap are written in the order the kernel accepts, both ways" {
    need_v1_root
    setup_bundle sleep 60
    update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
    urun_run_detached ue-u3
    local mem
    mem=$(cgroup_dir ue-u3 memory)
    # up: the swap total first
    urun_split update --memory 128m --memory-swap 256m ue-u3
    [ "$status" -eq 0 ]
    [ "$(cat "$mem/memory.limit_in_bytes")" = 134217728 ]
    [ "$(cat "$mem/memory.memsw.limit_in_bytes")" = 268435456 ]
    # down below the old limit: the memory limit first
    urun_split update --memory 24m --memory-swap 32m ue-u3
    [ "$status" -eq 0 ]
    [ "$(cat "$mem/memory.limit_in_bytes")" = 25165824 ]
    [ "$(cat "$mem/memory.memsw.limit_in_bytes")" = 33554432 ]
    # one alone that would break memory <= memory+swap: said, nothing written
    urun_split update --memory 64m ue-u3
    [ "$status" -eq 1 ]
    assert_one_error_line "linux.resources.memory.limit" "--memory-swap"
    urun_split update --memory-swap 16m ue-u3
    [ "$status" -eq 1 ]
    assert_one_error_line "linux.resources.memory.swap"
    [ "$(cat "$mem/memory.limit_in_bytes")" = 25165824 ]
    # -1 alone: no limit on either (runc)
    urun_split update --memory -1 ue-u3
    [ "$status" -eq 0 ]
    [ "$(cat "$mem/memory.limit_in_bytes")" -gt 1000000000000 ]
    [ "$(cat "$mem/memory.memsw.limit_in_bytes")" -gt 1000000000000 ]
    # and so says the config copy (the old swap limit would not fit)
    config_copy ue-u3 | jq -e '.linux.resources.memory == {"limit": -1, "swap": -1}'
}

@test "update: bad values, realtime, no flags, a stopped container: one line each; --kernel-memory is a warning" {
    need_v1_root
    setup_bundle sleep 60
    urun_run_detached ue-u4
    urun_split update --memory lots ue-u4
    [ "$status" -eq 1 ]
    assert_one_error_line "--memory" "lots"
    urun_split update --cpu-rt-runtime 1000 ue-u4
    [ "$status" -eq 1 ]
    assert_one_error_line "--cpu-rt-runtime" "realtime"
    urun_split update --blkio-weight 5 ue-u4
    [ "$status" -eq 1 ]
    assert_one_error_line "--blkio-weight"
    urun_split update ue-u4
    [ "$status" -eq 1 ]
    assert_one_error_line "nothing to change"
    urun_split update -r /dev/null --pids-limit 3 ue-u4
    [ "$status" -eq 1 ]
    assert_one_error_line "one or the other"
    urun_split update --pids-limit 3 ue-nothere
    [ "$status" -eq 1 ]
    assert_one_error_line "ue-nothere" "does not exist"
    urun_split update --kernel-memory 64m --pids-limit 9 ue-u4
    [ "$status" -eq 0 ]
    assert_one_error_line "warning" "--kernel-memory" "ignored"
    [ "$(cat "$(cgroup_dir ue-u4 pids)/pids.max")" = 9 ]
    run urun kill ue-u4 KILL
    wait_status ue-u4 stopped
    urun_split update --pids-limit 3 ue-u4
    [ "$status" -eq 1 ]
    assert_one_error_line "stopped"
}

@test "events --stats: one runc stats line: pids, memory, cpu" {
    need_v1_root
    setup_bundle sh -c 'sleep 60 & sleep 60'
    update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}'
    urun_run_detached ue-e1
    urun_split events --stats ue-e1
    echo "$out $err"
    [ "$status" -eq 0 ]
    [ -z "$err" ]
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
    printf '%s' "$out" | jq -e '.type == "stats" and .id == "ue-e1"'
    printf '%s' "$out" | jq -e '.data.pids.current >= 2 and .data.pids.limit == 20'
    printf '%s' "$out" | jq -e '.data.memory.usage.usage > 0 and .data.memory.usage.limit == 33554432'
    printf '%s' "$out" | jq -e '.data.memory.raw | has("rss")'
    printf '%s' "$out" | jq -e '.data.cpu.usage.total > 0 and (.data.cpu.usage.percpu | length) >= 1'
    printf '%s' "$out" | jq -e '.data.cpu.throttling | type == "object"'
    printf '%s' "$out" | jq -e '.data.blkio | type == "object"'
}

@test "events --interval 1s: stats lines until the container is killed, then exit 0" {
    need_v1_root
    setup_bundle sleep 60
    urun_run_detached ue-e2
    local out=$BATS_TEST_TMPDIR/events.out pid i
    timeout 30 "$URUN" --root "$BATS_TEST_TMPDIR/state" events --interval 1s ue-e2 > "$out" 2>&1 &
    pid=$!
    for i in $(seq 1 50); do [ "$(wc -l < "$out")" -ge 2 ] && break; sleep 0.1; done
    run urun kill ue-e2 KILL
    [ "$status" -eq 0 ]
    local rc=0
    wait "$pid" || rc=$?
    cat "$out"
    [ "$rc" -eq 0 ]
    [ "$(wc -l < "$out")" -ge 2 ]
    jq -s -e 'all(.type == "stats" and .id == "ue-e2")' "$out"
    # a bad interval, a stopped container
    urun_split events --interval 0s ue-e2
    [ "$status" -eq 1 ]
    assert_one_error_line "--interval"
    urun_split events ue-e2
    [ "$status" -eq 1 ]
    assert_one_error_line "not running"
}

@test "events: an OOM kill in the container is an oom line" {
    need_v1_root
    setup_bundle sleep 60
    # no swap to spill into: the 32 MiB are all it has
    update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
    urun_run_detached ue-e3
    local out=$BATS_TEST_TMPDIR/events.out pid i
    timeout 60 "$URUN" --root "$BATS_TEST_TMPDIR/state" events --interval 10s ue-e3 > "$out" 2>&1 &
    pid=$!
    for i in $(seq 1 50); do [ -s "$out" ] && break; sleep 0.1; done
    # a string doubling until the OOM killer ends it
    run urun exec ue-e3 sh -c 'a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done'
    [ "$status" -ne 0 ]
    for i in $(seq 1 50); do grep -q '"oom"' "$out" && break; sleep 0.1; done
    run urun kill ue-e3 KILL
    local rc=0
    wait "$pid" || rc=$?
    cat "$out"
    [ "$rc" -eq 0 ]
    [ "$(grep -c '^{"type":"oom","id":"ue-e3"}$' "$out")" -ge 1 ]
    head -n 1 "$out" | jq -e '.type == "stats"'
}

@test "without a cgroup of its own: update and events say why in one line" {
    if ! is_rootless && host_v1; then
        # root here: a container made with the cgroup manager disabled
        setup_bundle sleep 60
        "$URUN" --root "$BATS_TEST_TMPDIR/state" --cgroup-manager disabled run -d ue-n1 </dev/null \
            >"$BATS_TEST_TMPDIR/run.log" 2>&1
    else
        setup_bundle sleep 60
        urun_run_detached ue-n1
    fi
    urun_split update --memory 64m ue-n1
    [ "$status" -eq 1 ]
    assert_one_error_line "ue-n1" "no cgroup of its own"
    if is_rootless && host_v1; then assert_one_error_line "rootless cgroups need cgroup v2"; fi
    urun_split events --stats ue-n1
    [ "$status" -eq 1 ]
    assert_one_error_line "ue-n1" "no cgroup of its own"
    urun_split events --interval 1s ue-n1
    [ "$status" -eq 1 ]
    assert_one_error_line "no cgroup of its own"
}
