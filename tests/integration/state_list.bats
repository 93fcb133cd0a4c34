#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# urun state, list, kill, delete and the errors of the life cycle.
load helpers

# init that notes SIGTERM in /tmp/term and exits; bounded (60 s)
TRAP_SCRIPT='trap "echo got-term > /tmp/term; exit 0" TERM; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done'

@test "list: table header and one row per container" {
    setup_bundle sleep 1000
    urun_create c1
    urun_run_detached c2
    run urun list
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo "${lines[0]}" | awk '{print $1, $2, $3, $4, $5, $6}')" = "ID PID STATUS BUNDLE CREATED OWNER" ]
    [ "${#lines[@]}" -eq 3 ]
    row1=$(echo "$output" | awk '$1 == "c1"')
    row2=$(echo "$output" | awk '$1 == "c2"')
    [ "$(echo "$row1" | awk '{print $2, $3, $4}')" = "$(container_pid c1) created $BUNDLE" ]
    [ "$(echo "$row2" | awk '{print $2, $3, $4}')" = "$(container_pid c2) running $BUNDLE" ]
}

@test "list: with no containers, only the header" {
    run urun list
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" = ID* ]]
}

@test "list -q: only the ids" {
    setup_bundle sleep 1000
    urun_create c1
    urun_create c2
    run urun list -q
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "c1 c2 " ]
}

@test "list --format json: an array of objects with id, status, pid" {
    setup_bundle sleep 1000
    urun_create c1
    urun_run_detached c2
    run urun list --format json
    echo "$output"
    [ "$status" -eq 0 ]
    assert_json 'type == "array" and length == 2'
    [ "$(echo "$output" | jq -r '.[] | select(.id == "c1") | .status')" = created ]
    [ "$(echo "$output" | jq -r '.[] | select(.id == "c2") | .status')" = running ]
    [ "$(echo "$output" | jq -r '.[] | select(.id == "c1") | .pid')" = "$(container_pid c1)" ]
    [ "$(echo "$output" | jq -r '.[] | select(.id == "c2") | .pid')" = "$(container_pid c2)" ]
}

@test "list --format json with no containers is an empty array" {
    run urun list --format json
    [ "$status" -eq 0 ]
    assert_json 'type == "array" and length == 0'
}

@test "state: the OCI fields and the config's annotations" {
    setup_bundle sleep 1000
    update_config '.annotations = {"org.urun.test": "state", "other": "x"}'
    urun_create c1
    run urun state c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ -n "$(echo "$output" | jq -r .ociVersion | grep -E '^[0-9]+\.[0-9]+\.[0-9]+')" ]
    [ "$(echo "$output" | jq -r .id)" = c1 ]
    [ "$(echo "$output" | jq -r .status)" = created ]
    [ "$(echo "$output" | jq -r .bundle)" = "$BUNDLE" ]
    [ "$(echo "$output" | jq -r '.annotations["org.urun.test"]')" = state ]
    [ "$(echo "$output" | jq -r '.annotations.other')" = x ]
    pid=$(echo "$output" | jq -r .pid)
    [ "$pid" -gt 0 ]
    kill -0 "$pid"
}

@test "state: stopped container" {
    setup_bundle true
    urun_create c1
    urun start c1
    wait_status c1 stopped
    run urun state c1
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | jq -r .status)" = stopped ]
}

@test "state of a container that does not exist fails" {
    urun_split state nosuch
    [ "$status" -eq 1 ]
    [ -z "$out" ]
    assert_one_error_line nosuch
}

@test "--pid-file holds the container's pid (create and run -d)" {
    setup_bundle sleep 1000
    urun_create --pid-file "$BATS_TEST_TMPDIR/c1.pid" c1
    [ "$(cat "$BATS_TEST_TMPDIR/c1.pid")" = "$(container_pid c1)" ]
    urun_run_detached --pid-file "$BATS_TEST_TMPDIR/c2.pid" c2
    [ "$(cat "$BATS_TEST_TMPDIR/c2.pid")" = "$(container_pid c2)" ]
    tr '\0' ' ' < "/proc/$(cat "$BATS_TEST_TMPDIR/c2.pid")/cmdline" | grep -q '^sleep 1000'
}

@test "run --pid-file that cannot be written: the program never runs, nothing is left" {
    setup_bundle sh -c 'echo ran'
    local i
    # the pid file is written before start: tried twenty times, as a start
    # sent early let the program run in about one of twenty here
    for i in $(seq 1 20); do
        run urun run --pid-file "$BATS_TEST_TMPDIR/no-such-dir/c1.pid" c1
        echo "$output"
        [ "$status" -ne 0 ]
        [[ "$output" != *ran* ]]
        [[ "$output" = *--pid-file* ]]
        assert_no_state
    done
}

@test "create: a second container with the same id fails, the first is intact" {
    setup_bundle sleep 1000
    urun_create c1
    pid=$(container_pid c1)
    urun_split create c1
    [ "$status" -eq 1 ]
    assert_one_error_line c1 "already exists"
    [ "$(container_pid c1)" = "$pid" ]
    [ "$(urun state c1 | jq -r .status)" = created ]
    kill -0 "$pid"
}

@test "start twice fails" {
    setup_bundle sleep 1000
    urun_create c1
    urun start c1
    wait_status c1 running
    urun_split start c1
    [ "$status" -eq 1 ]
    assert_one_error_line c1
    [ "$(urun state c1 | jq -r .status)" = running ]
}

@test "delete of a running container without --force fails" {
    setup_bundle sleep 1000
    urun_run_detached c1
    pid=$(container_pid c1)
    urun_split delete c1
    [ "$status" -eq 1 ]
    assert_one_error_line c1
    [ "$(urun state c1 | jq -r .status)" = running ]
    kill -0 "$pid"
}

@test "delete --force kills a running container and removes it" {
    setup_bundle sleep 1000
    urun_run_detached c1
    pid=$(container_pid c1)
    run urun delete --force c1
    [ "$status" -eq 0 ]
    wait_pid_gone "$pid"
    assert_no_state
    urun_split state c1
    [ "$status" -eq 1 ]
}

@test "delete of a created container kills its waiting process" {
    setup_bundle sleep 1000
    urun_create c1
    pid=$(container_pid c1)
    run urun delete c1
    [ "$status" -eq 0 ]
    wait_pid_gone "$pid"
    assert_no_state
}

@test "kill: SIGTERM, TERM and 15 all deliver SIGTERM; no signal means SIGTERM" {
    setup_bundle sh -c "$TRAP_SCRIPT"
    i=0
    for sig in SIGTERM TERM 15 ""; do
        i=$((i + 1))
        rm -f "$BUNDLE/rootfs/tmp/term"
        urun_run_detached "k$i"
        # wait until the trap is installed (the shell runs its loop)
        wait_status "k$i" running
        for _ in $(seq 1 100); do
            grep -q sleep "/proc/$(urun ps -f json "k$i" | jq '.[-1]')/cmdline" 2>/dev/null && break
            sleep 0.05
        done
        if [ -n "$sig" ]; then urun kill "k$i" "$sig"; else urun kill "k$i"; fi
        wait_status "k$i" stopped
        [ "$(cat "$BUNDLE/rootfs/tmp/term")" = got-term ]
        urun delete "k$i"
    done
}

@test "kill: an unknown signal fails" {
    setup_bundle sleep 1000
    urun_run_detached c1
    urun_split kill c1 SIGNOPE
    [ "$status" -eq 1 ]
    assert_one_error_line SIGNOPE
    [ "$(urun state c1 | jq -r .status)" = running ]
}

@test "kill --all reaches every process of the container" {
    setup_bundle sh -c 'sleep 1001 & sleep 1002 & wait'
    urun_run_detached c1
    wait_status c1 running
    urun exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" c1 sleep 1003 </dev/null >/dev/null 2>&1
    # wait (bounded) until the init's two children and the exec'd one are there
    for _ in $(seq 1 100); do
        [ "$(urun ps -f json c1 | jq length)" -ge 4 ] && break
        sleep 0.05
    done
    pids=$(urun ps -f json c1 | jq -r '.[]')
    echo "pids: $pids"
    [ "$(echo "$pids" | wc -l)" -ge 4 ]
    run urun kill --all c1 KILL
    [ "$status" -eq 0 ]
    for p in $pids; do wait_pid_gone "$p"; done
    wait_status c1 stopped
}

@test "kill of a stopped container fails" {
    setup_bundle true
    urun_create c1
    urun start c1
    wait_status c1 stopped
    urun_split kill c1 KILL
    [ "$status" -eq 1 ]
    assert_one_error_line c1
}
