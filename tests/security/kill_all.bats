#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# No process of a container may survive `urun kill --all ... KILL` or
# `urun delete --force`: not the init's children, not a detached
# `urun exec -d` process.  Processes are marked by a unique sleep argument
# and looked for on the host.
load ../integration/helpers

# Host pids whose command line is exactly "sleep MARKER" (zombies, whose
# command line is empty, are not listed).
marker_pids() { pgrep -x -f "sleep $1" || true; }

# Wait (bounded: 5 s) until no process has the marker.
wait_marker_gone() {
    local i
    for i in $(seq 1 100); do
        [ -z "$(marker_pids "$1")" ] && return 0
        sleep 0.05
    done
    echo "still running with marker $1: $(marker_pids "$1")" >&2
    ps -o pid,ppid,stat,args -p "$(marker_pids "$1" | tr '\n' ',' | sed 's/,$//')" >&2 || true
    return 1
}

# Wait (bounded: 5 s) until N processes have the marker.
wait_marker_count() {
    local i
    for i in $(seq 1 100); do
        [ "$(marker_pids "$1" | wc -l)" -ge "$2" ] && return 0
        sleep 0.05
    done
    echo "expected $2 processes 'sleep $1', found: $(marker_pids "$1")" >&2
    return 1
}

# A container c1: sh spawning two sleeps (one in its own process group,
# one a grandchild) and waiting, plus a detached exec'd sleep.
start_busy_container() {
    local m=$1
    setup_bundle sh -c "sleep $m & setsid sleep $m & sh -c 'sleep $m & wait' & wait"
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    urun exec -d c1 sleep "$m" </dev/null >/dev/null 2>&1
    urun exec -d c1 sh -c "trap '' TERM HUP INT; sleep $m & wait" </dev/null >/dev/null 2>&1
    wait_marker_count "$m" 5
}

@test "kill_all: kill --all KILL leaves no process of the container" {
    local m=471101 pids p
    start_busy_container $m
    run urun ps --format json c1
    echo "$output"
    [ "$status" -eq 0 ]
    pids=$(printf '%s\n' "$output" | jq -r '.[]')
    [ "$(echo "$pids" | wc -w)" -ge 7 ]
    urun kill --all c1 KILL
    for p in $pids; do
        wait_pid_gone "$p"
    done
    wait_marker_gone $m
    wait_status c1 stopped
    urun delete c1
    assert_no_state
}

@test "kill_all: kill --all TERM reaches every process, not only the init" {
    # init is pid 1 of its namespace: it ignores TERM; the sleeps die of it
    local m=471102 init
    start_busy_container $m
    init=$(container_pid c1)
    urun kill --all c1 TERM
    # all but the exec'd shell that traps TERM (and its sleep) die
    local i
    for i in $(seq 1 100); do
        [ "$(marker_pids $m | wc -l)" -le 1 ] && break
        sleep 0.05
    done
    echo "left: $(marker_pids $m)"
    [ "$(marker_pids $m | wc -l)" -le 1 ]
    kill -0 "$init"
    urun kill --all c1 KILL
    wait_marker_gone $m
    wait_pid_gone "$init"
}

@test "kill_all: delete --force of a running container leaves no process" {
    local m=471103 pids p
    start_busy_container $m
    pids=$(urun ps --format json c1 | jq -r '.[]')
    urun delete --force c1
    for p in $pids; do
        wait_pid_gone "$p"
    done
    wait_marker_gone $m
    assert_no_state
    run urun state c1
    [ "$status" -ne 0 ]
}

@test "kill_all: delete --force of a created container leaves no process" {
    local m=471104 pid
    setup_bundle sleep $m
    urun_create --bundle "$BUNDLE" c1
    pid=$(container_pid c1)
    urun exec -d c1 sleep $m </dev/null >/dev/null 2>&1 || true
    urun delete --force c1
    wait_pid_gone "$pid"
    wait_marker_gone $m
    assert_no_state
}

@test "kill_all: a process that forks quickly does not escape kill --all" {
    # a fork loop (bounded: it stops after 200 rounds) racing the kill
    local m=471105
    setup_bundle sh -c "i=0; while [ \$i -lt 200 ]; do sleep $m & i=\$((i+1)); done; wait"
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    urun exec -d c1 sh -c "while :; do sleep $m & sleep 0.01; done" </dev/null >/dev/null 2>&1
    wait_marker_count $m 5
    urun kill --all c1 KILL
    wait_marker_gone $m
    wait_status c1 stopped
}

@test "kill_all: a container without its own pid namespace: kill --all still gets every process" {
    local m=471106 pids p
    setup_bundle sh -c "sleep $m & sleep $m & wait"
    update_config '.linux.namespaces |= map(select(.type != "pid"))'
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    urun exec -d c1 sleep $m </dev/null >/dev/null 2>&1
    wait_marker_count $m 3
    run urun ps --format json c1
    echo "$output"
    [ "$status" -eq 0 ]
    pids=$(printf '%s\n' "$output" | jq -r '.[]')
    urun kill --all c1 KILL
    for p in $pids; do
        wait_pid_gone "$p"
    done
    wait_marker_gone $m
}
