#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What a container's init leaves behind when it has no pid namespace of
# its own: `run` (a child subreaper) kills and reaps it; with a cgroup,
# kill --all, ps and delete take the processes from the cgroup; a detached
# container with neither a pid namespace nor a cgroup gets one warning.
# Every process a test starts runs `sleep 8642.NN`, a value no other test
# uses, so that it is found by its command line and killed by its pid.
# Container ids start with rp- (other sessions may run containers of
# their own on this host).
load helpers

MARK='sleep 8642\.'

# The pids of this file's sleeps with number NN (a regular expression).
marked() { pgrep -f "^${MARK}$1\$" || true; }

# Wait (bounded: 5 s) until a process `sleep 8642.NN` runs; prints its pid.
wait_marked() {
    local i p
    for i in $(seq 1 100); do
        p=$(marked "$1")
        if [ -n "$p" ]; then echo "$p"; return 0; fi
        sleep 0.05
    done
    echo "no process sleep 8642.$1" >&2
    return 1
}

# Fail when a process `sleep 8642.NN` is left (and kill it, by pid).
assert_none_left() {
    local left
    left=$(marked "$1")
    if [ -n "$left" ]; then
        echo "left behind: sleep 8642.$1: $left" >&2
        kill -9 $left 2>/dev/null || true
        return 1
    fi
}

# The config without a pid namespace.
drop_pid_ns() { update_config '.linux.namespaces |= map(select(.type != "pid"))'; }

# Does the container have a cgroup of its own (a record in its state)?
has_cgroup() { [ -s "$BATS_TEST_TMPDIR/state/$1/cgroup" ]; }

# The number of stderr/log lines of the leftover warning in FILE.
warnings_in() { grep -c 'no pid namespace and no cgroup of its own' "$1" || true; }

# A background sleep of the container, with stdio away from bats's pipes.
bg() { echo "sleep 8642.$1 </dev/null >/dev/null 2>&1 &"; }

teardown() {
    local p
    teardown_containers
    # what a failed test may have left: only this file's own sleeps
    for p in $(pgrep -f "^${MARK}[0-9]+\$" || true) $(pgrep -f 'rp-spam-8642' || true); do
        kill -9 "$p" 2>/dev/null || true
    done
}

@test "reaper: run without a pid namespace: what the init leaves behind does not outlive run; the init's status is run's" {
    # a background child, and a grandchild whose parent exits at once
    setup_bundle sh -c "$(bg 11) ( $(bg 12) ); echo started; exit 3"
    drop_pid_ns
    urun_split run rp-run1
    echo "$out / $err"
    [ "$status" -eq 3 ]
    [ "$out" = started ]
    assert_none_left 11
    assert_none_left 12
    assert_no_state
}

@test "reaper: run without a pid namespace nor a cgroup (the subreaper alone): nothing is left; death by signal is 128+N" {
    setup_bundle sh -c "$(bg 21) ( $(bg 22) ); echo started; kill -9 \$\$"
    drop_pid_ns
    urun_split --cgroup-manager disabled run rp-run2
    echo "$out / $err"
    [ "$status" -eq 137 ]
    [ "$out" = started ]
    assert_none_left 21
    assert_none_left 22
    assert_no_state
}

@test "reaper: run without a pid namespace and with an intermediate fork (time namespace): status and reaping hold" {
    [ -e /proc/self/ns/time ] || skip "this kernel has no time namespaces"
    setup_bundle sh -c "$(bg 31) echo forked; exit 4"
    drop_pid_ns
    update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"monotonic": {"secs": 3600}}'
    urun_split --cgroup-manager disabled run rp-fork
    echo "$out / $err"
    [ "$status" -eq 4 ]
    [ "$out" = forked ]
    assert_none_left 31
    assert_no_state
}

@test "reaper: a process the init leaves while it still runs is reaped, the init's output and status are kept" {
    # the orphan exits by itself before the init does: reaped, no zombie
    setup_bundle sh -c "( true & ); sleep 0.2; echo done; exit 6"
    drop_pid_ns
    urun_split --cgroup-manager disabled run rp-run3
    [ "$status" -eq 6 ]
    [ "$out" = done ]
    assert_no_state
}

@test "reaper: run -d and create without a pid namespace nor a cgroup: one warning line each, to --log when given" {
    setup_bundle sh -c "exec sleep 8642.41"
    drop_pid_ns
    urun --cgroup-manager disabled run -d rp-w1 </dev/null >"$BATS_TEST_TMPDIR/w1.out" 2>"$BATS_TEST_TMPDIR/w1.err"
    cat "$BATS_TEST_TMPDIR/w1.err"
    [ "$(warnings_in "$BATS_TEST_TMPDIR/w1.err")" -eq 1 ]
    grep 'no pid namespace' "$BATS_TEST_TMPDIR/w1.err" | grep -q 'kill --all'
    urun --log "$BATS_TEST_TMPDIR/w2.log" --cgroup-manager disabled create rp-w2 </dev/null \
        >"$BATS_TEST_TMPDIR/w2.out" 2>"$BATS_TEST_TMPDIR/w2.err"
    [ "$(warnings_in "$BATS_TEST_TMPDIR/w2.err")" -eq 0 ]
    [ "$(warnings_in "$BATS_TEST_TMPDIR/w2.log")" -eq 1 ]
    # a foreground run reaps what is left: no warning
    set_args true
    urun_split --cgroup-manager disabled run rp-w3
    [ "$status" -eq 0 ]
    [[ "$err" != *"no pid namespace"* ]]
}

@test "reaper: a detached container with a pid namespace, or (root) with a cgroup, gets no such warning" {
    setup_bundle sleep 8642.42
    urun_run_detached rp-w4
    [ "$(warnings_in "$BATS_TEST_TMPDIR/run.log")" -eq 0 ]
    drop_pid_ns
    urun_create rp-w5
    if has_cgroup rp-w5; then
        [ "$(warnings_in "$BATS_TEST_TMPDIR/create.log")" -eq 0 ]
    else
        [ "$(warnings_in "$BATS_TEST_TMPDIR/create.log")" -eq 1 ]
    fi
}

@test "reaper: delete -f of a detached container without a pid namespace leaves nothing (init alive; with a cgroup, init gone too)" {
    setup_bundle sh -c "$(bg 51) exec sleep 8642.52"
    drop_pid_ns
    urun_run_detached rp-d1
    wait_marked 51 >/dev/null
    wait_marked 52 >/dev/null
    run urun delete -f rp-d1
    [ "$status" -eq 0 ]
    for p in $(marked 5[12]); do wait_pid_gone "$p"; done
    assert_none_left 51
    assert_none_left 52
    # the init exits first: with a cgroup, delete kills what is left in it
    set_args sh -c "$(bg 53) echo gone"
    urun_run_detached rp-d2
    wait_status rp-d2 stopped
    if ! has_cgroup rp-d2; then
        # the limitation the warning names
        [ "$(warnings_in "$BATS_TEST_TMPDIR/run.log")" -eq 1 ]
        skip "no cgroup of its own (rootless on this host): what its init left is not found"
    fi
    wait_marked 53 >/dev/null
    run urun delete rp-d2
    [ "$status" -eq 0 ]
    for p in $(marked 53); do wait_pid_gone "$p"; done
    assert_none_left 53
    assert_no_state
}

@test "reaper: kill --all ID KILL kills the background processes of a container without a pid namespace" {
    setup_bundle sh -c "$(bg 61) $(bg 62) exec sleep 8642.63"
    drop_pid_ns
    urun_run_detached rp-k1
    local pids p
    pids="$(wait_marked 61) $(wait_marked 62) $(wait_marked 63)"
    echo "pids: $pids"
    run urun kill --all rp-k1 KILL
    [ "$status" -eq 0 ]
    for p in $pids; do wait_pid_gone "$p"; done
    wait_status rp-k1 stopped
}

@test "reaper: kill --all ID TERM reaches every process of a container without a pid namespace" {
    setup_bundle sh -c "$(bg 64) exec sleep 8642.65"
    drop_pid_ns
    urun_run_detached rp-k2
    local pids p
    pids="$(wait_marked 64) $(wait_marked 65)"
    run urun kill --all rp-k2 TERM
    [ "$status" -eq 0 ]
    for p in $pids; do wait_pid_gone "$p"; done
    wait_status rp-k2 stopped
}

@test "reaper: ps lists the init and a background process of a container without a pid namespace, and no host process" {
    setup_bundle sh -c "$(bg 71) exec sleep 8642.72"
    drop_pid_ns
    urun_run_detached rp-p1
    sleep 8642.73 </dev/null >/dev/null 2>&1 &
    local host=$! init bgp
    init=$(container_pid rp-p1)
    bgp=$(wait_marked 71)
    wait_marked 72 >/dev/null
    run urun ps -f json rp-p1
    kill -9 "$host"
    echo "$output (init $init, background $bgp, host $host)"
    [ "$status" -eq 0 ]
    assert_json "index($init) != null and index($bgp) != null and index($host) == null"
    run urun ps rp-p1
    [ "$status" -eq 0 ]
    echo "$output" | grep -q 'sleep 8642.71'
    echo "$output" | grep -q 'sleep 8642.72'
}

@test "reaper: with a cgroup, ps and kill --all find a process in a sub-cgroup the container made" {
    is_rootless && skip "no cgroup of its own rootless on this host"
    setup_bundle sh -c "$(bg 81) exec sleep 8642.82"
    drop_pid_ns
    urun_run_detached rp-s1
    has_cgroup rp-s1 || skip "no cgroup of its own on this host"
    local rec dir bgp init p
    rec=$BATS_TEST_TMPDIR/state/rp-s1/cgroup
    # v1: the pids (or memory) hierarchy; v2: the one directory
    dir=$(awk '$1 == "pids" { print $2; exit }' "$rec")
    [ -n "$dir" ] || dir=$(awk '$1 == "memory" { print $2; exit }' "$rec")
    [ -n "$dir" ] || dir=$(awk 'NR == 2 { print $2 }' "$rec")
    [ -d "$dir" ]
    bgp=$(wait_marked 81)
    init=$(container_pid rp-s1)
    mkdir "$dir/rp-sub"
    echo "$bgp" > "$dir/rp-sub/cgroup.procs"
    run urun ps -f json rp-s1
    echo "$output"
    assert_json "index($init) != null and index($bgp) != null"
    run urun kill --all rp-s1 KILL
    [ "$status" -eq 0 ]
    for p in $bgp $init; do wait_pid_gone "$p"; done
    wait_status rp-s1 stopped
    run urun delete rp-s1
    [ "$status" -eq 0 ]
    [ ! -d "$dir/rp-sub" ]
    assert_no_state
}

@test "reaper: exec into a foreground run without a pid namespace returns its own status; run still returns the init's" {
    # the init ends once /tmp/rp-go exists (bounded: 10 s)
    setup_bundle sh -c 'i=0; while [ ! -e /tmp/rp-go ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; exit 5'
    drop_pid_ns
    ( rc=0
      urun --cgroup-manager disabled run rp-e1 </dev/null >"$BATS_TEST_TMPDIR/e1.out" 2>&1 || rc=$?
      echo "$rc" >"$BATS_TEST_TMPDIR/e1.rc" ) &
    wait_status rp-e1 running
    run urun exec rp-e1 sh -c 'echo in; exit 3'
    [ "$status" -eq 3 ]
    [ "$output" = in ]
    run urun exec rp-e1 touch /tmp/rp-go
    [ "$status" -eq 0 ]
    wait_file "$BATS_TEST_TMPDIR/e1.rc"
    wait
    cat "$BATS_TEST_TMPDIR/e1.out"
    [ "$(cat "$BATS_TEST_TMPDIR/e1.rc")" -eq 5 ]
    assert_no_state
}

@test "reaper: run proxying its terminal: a process the init left writing to the pty does not keep run waiting" {
    # the init writes, leaves a writer behind on the pty and exits; run
    # proxies the pty itself (no console socket).  The init is the pty's
    # session leader: its exit hangs the pty up, so the master drains and
    # run goes on to kill the writer.  timeout: a bound only.
    setup_bundle sh -c "sh -c 'while :; do echo rp-spam-8642; sleep 0.01; done' & echo from-init; exit 2"
    drop_pid_ns
    update_config '.process.terminal = true'
    run timeout -s KILL 60 "$URUN" --root "$BATS_TEST_TMPDIR/state" --cgroup-manager disabled run rp-t1 </dev/null
    [ "$status" -eq 2 ]
    [[ "$output" = *from-init* ]]
    run pgrep -f 'rp-spam-8642'
    [ "$status" -ne 0 ]
    assert_no_state
}
