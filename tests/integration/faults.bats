#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Every process of the start path can die at any step.  A test build
# (configure --enable-fault-injection) kills the process that reaches step
# N of sync.h (URUN_FAULT=N before a send or at a point, N r after a
# receive).  For each command, the steps it reaches are read from a trace of
# a normal run (URUN_FAULT_TRACE), then the command is killed at each one in
# turn; afterwards `urun delete -f ID` exits 0, no process of the container
# is left, no state directory, no mount in our namespace, and the same id
# can be created again.
load helpers

setup() {
    MARK=$((424200 + BATS_TEST_NUMBER))
    setup_bundle sleep "$MARK"
    TRACE=$BATS_TEST_TMPDIR/trace
    : > "$TRACE"
    chmod 666 "$TRACE"
    # is this a fault-injection build?
    URUN_FAULT_TRACE=$TRACE "$URUN" --root "$BATS_TEST_TMPDIR/probe" create -b "$BUNDLE" probe </dev/null >/dev/null 2>&1 || true
    "$URUN" --root "$BATS_TEST_TMPDIR/probe" delete -f probe >/dev/null 2>&1 || true
    if [ ! -s "$TRACE" ]; then
        skip "urun was built without --enable-fault-injection (./dev.sh builds the tested urun with it)"
    fi
}

teardown() {
    teardown_containers
    if [ -n "${RECVTTY_PID:-}" ]; then kill "$RECVTTY_PID" 2>/dev/null || true; fi
    if [ -n "${LISTENER_PID:-}" ]; then kill "$LISTENER_PID" 2>/dev/null || true; fi
}

# The distinct fault points (N and Nr) a command reaches.
steps_of() {
    : > "$TRACE"
    URUN_FAULT_TRACE=$TRACE "$@" </dev/null >/dev/null 2>&1 || true
    sort -u "$TRACE" | sort -n
}

# Wait (bounded: 5 s) until no process of this test's container is left:
# urun's own (they keep its arguments, with this test's state root) and
# the container's program (sleep $MARK).
assert_no_container_process() {
    local i
    for i in $(seq 1 100); do
        if [ -z "$(pids_of_state_root)" ] && ! pgrep -x -f "sleep $MARK" >/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    ps -o pid,stat,args -p "$( (pids_of_state_root; pgrep -x -f "sleep $MARK") | tr '\n' , | sed 's/,$//')" >&2 || true
    return 1
}

# After a kill at step $2 of command $1: everything a user expects.
assert_clean() {
    local what=$1 step=$2
    run urun delete -f c1
    if [ "$status" -ne 0 ]; then
        echo "after $what killed at step $step: delete -f exited $status: $output" >&2
        return 1
    fi
    assert_no_container_process || { echo "after $what killed at step $step: a process is left" >&2; return 1; }
    if [ -e "$BATS_TEST_TMPDIR/state/c1" ]; then
        echo "after $what killed at step $step: the state directory is left: $(ls -A "$BATS_TEST_TMPDIR/state/c1")" >&2
        return 1
    fi
    if grep -q -- "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
        echo "after $what killed at step $step: a mount is left in our namespace" >&2
        grep -- "$BATS_TEST_TMPDIR" /proc/self/mountinfo >&2
        return 1
    fi
    "${RECREATE:-create_c1}" || { echo "after $what killed at step $step: c1 cannot be created again" >&2; return 1; }
    urun delete -f c1
}

# fault_each STEPS CMD...: run CMD killed at each step in turn, with
# PREPARE (a function name, or :) run before each.
fault_each() {
    local prepare=$1; shift
    local steps=$1; shift
    local step n=0
    [ -n "$steps" ] || { echo "no fault point reached by: $*" >&2; return 1; }
    for step in $steps; do
        "$prepare"
        URUN_FAULT=$step "$@" </dev/null >/dev/null 2>&1 || true
        assert_clean "$*" "$step"
        n=$((n + 1))
    done
    echo "# $*: killed at $n steps: $(echo $steps)" >&3
}

create_c1() { urun_create -b "$BUNDLE" c1; }

# linux.seccomp with a notify rule (on a call `sleep` never makes) and a
# new listener for it; NNP=true loads the filter last (steps 12-13)
new_listener() {
    if [ -n "${LISTENER_PID:-}" ]; then kill "$LISTENER_PID" 2>/dev/null || true; wait "$LISTENER_PID" 2>/dev/null || true; fi
    rm -f "$BATS_TEST_TMPDIR/listener.sock"
    start_listener "$BATS_TEST_TMPDIR/listener.sock" 1
}

add_notify() {
    update_config --arg s "$BATS_TEST_TMPDIR/listener.sock" --argjson nnp "$1" '.process.noNewPrivileges = $nnp |
        .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
                          syscalls: [{names: ["mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
}

add_hooks() {
    update_config '.hooks = {"prestart": [{"path": "/bin/true"}], "createRuntime": [{"path": "/bin/true"}],
        "createContainer": [{"path": "/bin/true"}], "startContainer": [{"path": "/bin/true"}],
        "poststart": [{"path": "/bin/true"}], "poststop": [{"path": "/bin/true"}]}'
}

@test "faults: create killed at every step, plain config" {
    local steps
    steps=$(steps_of urun create -b "$BUNDLE" c1)
    urun delete -f c1
    fault_each : "$steps" urun create -b "$BUNDLE" c1
}

@test "faults: create killed at every step, with hooks and a time namespace (intermediate fork)" {
    add_hooks
    if [ -e /proc/self/ns/time ]; then
        update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"monotonic": {"secs": 10}}'
    fi
    local steps
    steps=$(steps_of urun create -b "$BUNDLE" c1)
    urun delete -f c1
    if [ -e /proc/self/ns/time ]; then
        [[ " $(echo $steps) " == *" 3 "* ]] || { echo "the intermediate fork (step 3) was not reached: $steps" >&2; false; }
    fi
    fault_each : "$steps" urun create -b "$BUNDLE" c1
}

new_recvtty() {
    if [ -n "${RECVTTY_PID:-}" ]; then kill "$RECVTTY_PID" 2>/dev/null || true; wait "$RECVTTY_PID" 2>/dev/null || true; fi
    rm -f "$BATS_TEST_TMPDIR/console.sock"
    start_recvtty
}

create_tty_c1() {
    new_recvtty
    urun_create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/console.sock" c1
}

@test "faults: create killed at every step, with a terminal" {
    update_config '.process.terminal = true'
    RECREATE=create_tty_c1
    new_recvtty
    local steps
    steps=$(steps_of urun create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/console.sock" c1)
    urun delete -f c1
    [[ " $(echo $steps) " == *" 7 "* ]] || { echo "the pty step (7) was not reached: $steps" >&2; false; }
    fault_each new_recvtty "$steps" urun create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/console.sock" c1
}

@test "faults: run -d killed at every step" {
    add_hooks
    local steps
    steps=$(steps_of urun run -d -b "$BUNDLE" c1)
    urun delete -f c1
    fault_each : "$steps" urun run -d -b "$BUNDLE" c1
}

@test "faults: run (foreground, the program exits) killed at every step" {
    set_args true
    add_hooks
    local steps
    steps=$(steps_of urun run -b "$BUNDLE" c1)
    [[ " $(echo $steps) " == *" 33 "* ]] || { echo "run's own delete (step 33) was not reached: $steps" >&2; false; }
    fault_each : "$steps" urun run -b "$BUNDLE" c1
}

@test "faults: start killed at every step" {
    add_hooks
    local steps
    create_c1
    steps=$(steps_of urun start c1)
    urun delete -f c1
    fault_each create_c1 "$steps" urun start c1
}

@test "faults: run (foreground, no hooks: start goes with the maps) killed at every step" {
    set_args true
    local steps
    steps=$(steps_of urun run -b "$BUNDLE" c1)
    [[ " $(echo $steps) " == *" 11 "* ]] || { echo "the start step (11) was not reached: $steps" >&2; false; }
    fault_each : "$steps" urun run -b "$BUNDLE" c1
}

# a published port of its own, on the host's loopback: a forwarder left
# behind keeps it, and the next run fails
NET_PORT=$((30000 + ($$ * 7) % 20000))
run_net_c1() { urun_run_detached --network slirp -p "127.0.0.1:$NET_PORT:80" -b "$BUNDLE" c1; }

@test "faults: run -d with user-mode networking and a published port killed at every step (tap maker, helper, forwarder)" {
    if ! (exec 3<>/dev/net/tun) 2>/dev/null; then
        skip "/dev/net/tun is not usable by $(id -un) (the harness makes it 0666 when run as root)"
    fi
    RECREATE=run_net_c1
    local steps
    steps=$(steps_of urun run -d --network slirp -p "127.0.0.1:$NET_PORT:80" -b "$BUNDLE" c1)
    urun delete -f c1
    [[ " $(echo $steps) " == *" 14 "* ]] || { echo "the tap step (14) was not reached: $steps" >&2; false; }
    fault_each : "$steps" urun run -d --network slirp -p "127.0.0.1:$NET_PORT:80" -b "$BUNDLE" c1
}

run_c1() { urun_run_detached -b "$BUNDLE" c1; }

@test "faults: exec killed at every step" {
    local steps
    run_c1
    steps=$(steps_of urun exec c1 true)
    urun delete -f c1
    fault_each run_c1 "$steps" urun exec c1 true
}

@test "faults: exec with a terminal killed at every step" {
    local steps
    run_c1
    new_recvtty
    steps=$(steps_of urun exec -t --console-socket "$BATS_TEST_TMPDIR/console.sock" c1 true)
    urun delete -f c1
    [[ " $(echo $steps) " == *" 23 "* ]] || { echo "the pty step (23) was not reached: $steps" >&2; false; }
    prep() { run_c1; new_recvtty; }
    fault_each prep "$steps" urun exec -t --console-socket "$BATS_TEST_TMPDIR/console.sock" c1 true
}

@test "faults: delete -f killed at every step" {
    add_hooks
    local steps
    run_c1
    steps=$(steps_of urun delete -f c1)
    fault_each run_c1 "$steps" urun delete -f c1
}

listener_create_c1() { new_listener; urun_create -b "$BUNDLE" c1; }
listener_run_c1() { new_listener; urun_run_detached -b "$BUNDLE" c1; }

@test "faults: create and exec with a seccomp listener, without noNewPrivileges, killed at every step" {
    add_notify false
    RECREATE=listener_create_c1
    new_listener
    local steps
    steps=$(steps_of urun create -b "$BUNDLE" c1)
    urun delete -f c1
    [[ " $(echo $steps) " == *" 8 "* ]] || { echo "the notify step (8) was not reached: $steps" >&2; false; }
    fault_each new_listener "$steps" urun create -b "$BUNDLE" c1
    listener_run_c1
    new_listener
    steps=$(steps_of urun exec c1 true)
    urun delete -f c1
    [[ " $(echo $steps) " == *" 24 "* ]] || { echo "the notify step (24) was not reached: $steps" >&2; false; }
    prep() { listener_run_c1; new_listener; }
    fault_each prep "$steps" urun exec c1 true
}

@test "faults: run -d and exec with a seccomp listener, with noNewPrivileges, killed at every step" {
    add_notify true
    RECREATE=listener_create_c1
    new_listener
    local steps
    steps=$(steps_of urun run -d -b "$BUNDLE" c1)
    urun delete -f c1
    [[ " $(echo $steps) " == *" 8 "* ]] || { echo "the notify step (8) was not reached: $steps" >&2; false; }
    fault_each new_listener "$steps" urun run -d -b "$BUNDLE" c1
    listener_run_c1
    new_listener
    steps=$(steps_of urun exec c1 true)
    urun delete -f c1
    [[ " $(echo $steps) " == *" 24 "* ]] || { echo "the notify step (24) was not reached: $steps" >&2; false; }
    prep() { listener_run_c1; new_listener; }
    fault_each prep "$steps" urun exec c1 true
}

@test "faults: kill -9 of create after the child is ready, before state.json: delete -f cleans up" {
    # step 9r: urun has the child's READY, and dies before it records the state
    URUN_FAULT=9r urun create -b "$BUNDLE" c1 </dev/null >/dev/null 2>&1 || true
    [ -e "$BATS_TEST_TMPDIR/state/c1/init.pid" ]
    [ ! -e "$BATS_TEST_TMPDIR/state/c1/state.json" ]
    # the container's process is alive, waiting for a start that never comes
    pid=$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/state/c1/init.pid")
    kill -0 "$pid"
    # list shows it as what it is: nobody creates it any more
    run urun list
    echo "$output"
    [[ "$output" == *"c1"*"stopped"* ]]
    assert_clean "create" 9r
}

@test "faults: start killed after waking the container, before it finishes: the state says running, and it is" {
    create_c1
    # 12r: the program runs, start dies before its poststart step
    URUN_FAULT=12r urun start c1 </dev/null >/dev/null 2>&1 || true
    [ "$(urun state c1 | jq -r .status)" = running ]
    pgrep -x -f "sleep $MARK" >/dev/null
    # a plain delete refuses a running container; -f removes it
    run urun delete c1
    [ "$status" -eq 1 ]
    assert_clean start 12r
}

@test "faults: start killed after connecting, before waking the container: the container stops, state says so" {
    create_c1
    URUN_FAULT=11 urun start c1 </dev/null >/dev/null 2>&1 || true
    wait_status c1 stopped
    run urun delete c1
    [ "$status" -eq 0 ]
    assert_no_state
}

# No keeper in this test's state root (the next rootless create makes one).
no_keeper() {
    local k
    k=$(keeper_pid)
    if [ -n "$k" ]; then
        kill "$k"
        wait_pid_gone "$k"
    fi
    rm -f "$BATS_TEST_TMPDIR/state/.userns-keeper"
}

@test "faults: rootless create killed at every step of making a user namespace keeper and of making the container in it" {
    if ! is_rootless; then skip "root maps ids itself: no keeper"; fi
    no_keeper
    local steps keeper_steps
    steps=$(steps_of urun create -b "$BUNDLE" c1)
    urun delete -f c1
    keeper_steps=$(printf '%s\n' $steps | grep -x -e 41 -e 42 -e 43 -e 44 | tr '\n' ' ')
    echo "keeper steps: $keeper_steps"
    [ "$keeper_steps" = "41 42 43 44 " ]
    # each time a keeper to make: killed while making it, nothing is left
    # untracked (a keeper alive is the one its record names) and the next
    # create makes one again
    fault_each no_keeper "$keeper_steps" urun create -b "$BUNDLE" c1
    # and with one alive: killed right after the container was made in it
    fault_each : 44 urun create -b "$BUNDLE" c1
    [ -n "$(keeper_pid)" ]
    # and between claiming the keeper's spare and joining it: the spare,
    # recorded no more, is ended by the keeper within its grace (2 s; the
    # check waits 5 s for no process of the state root but the keeper and
    # its next spare)
    wait_spare >/dev/null
    steps=$(steps_of urun create -b "$BUNDLE" c1)
    urun delete -f c1
    printf '%s\n' $steps | grep -qx 45
    fault_each spare_ready 45 urun create -b "$BUNDLE" c1
}
spare_ready() { wait_spare >/dev/null; }
