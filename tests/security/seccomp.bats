#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linux.seccomp: errno rules, the default profile of `urun spec
# --seccomp-default`, refusal of unknown actions/arches/operators, skipping
# of unknown syscall names, and SCMP_ACT_NOTIFY with a listener.
load ../integration/helpers

setup_file() {
    # built by make (tests/security/tools/seccomp_listener.c), staged by the harness
    [ -x "${URUN_TOOLS:?}/seccomp_listener" ] || { echo "no $URUN_TOOLS/seccomp_listener" >&2; return 1; }
}

teardown() {
    if [ -n "${LISTENER_PID:-}" ]; then
        kill "$LISTENER_PID" 2>/dev/null || true
        wait "$LISTENER_PID" 2>/dev/null || true
    fi
    teardown_containers
}

# A bundle written by `urun spec --seccomp-default` (with --rootless when
# the test user is unprivileged), process `sh -c SCRIPT`.
setup_default_seccomp_bundle() {
    BUNDLE=$BATS_TEST_TMPDIR/bundle
    mkdir -p "$BUNDLE"
    cp -a "$URUN_ROOTFS" "$BUNDLE/rootfs"
    if is_rootless; then
        "$URUN" spec --seccomp-default --rootless --bundle "$BUNDLE" 2>/dev/null
    else
        "$URUN" spec --seccomp-default --bundle "$BUNDLE"
    fi
    update_config --arg s "$1" '.process.terminal = false | .root.readonly = false | .process.args = ["sh", "-c", $s]'
    cd "$BUNDLE"
}

# A linux.seccomp with defaultAction allow and the given syscalls rules.
set_seccomp() {
    update_config --argjson r "$1" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: $r}'
}

@test "seccomp: SCMP_ACT_ERRNO errnoRet 1 on mkdir/mkdirat gives Operation not permitted" {
    setup_bundle sh -c 'mkdir /tmp/x; echo "rc=$?"; [ -d /tmp/x ] && echo exists || echo absent; touch /tmp/f && echo touched'
    set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"mkdir: can't create directory '/tmp/x': Operation not permitted"* ]]
    [[ "$output" == *"rc=1"* ]]
    [[ "$output" == *absent* ]]
    [[ "$output" == *touched* ]]
}

@test "seccomp: the filter also holds in urun exec" {
    setup_bundle sleep 1000
    set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]'
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    run urun exec c1 mkdir /tmp/y
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Operation not permitted"* ]]
    [ ! -d "$BUNDLE/rootfs/tmp/y" ]
}

@test "seccomp: --seccomp-default: ordinary commands work" {
    setup_default_seccomp_bundle 'ls / >/dev/null && cat /etc/passwd >/dev/null && sh -c "echo sub" && mkdir /tmp/d && [ -d /tmp/d ] && ps >/dev/null && echo x > /tmp/d/f && rm -r /tmp/d && date >/dev/null && echo ALL-OK'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *sub* ]]
    [[ "$output" == *ALL-OK* ]]
}

@test "seccomp: --seccomp-default: unshare -U is denied" {
    setup_default_seccomp_bundle 'unshare -U true; echo "rc=$?"; unshare -m true; echo "rc=$?"'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -c '^rc=0$')" -eq 0 ]
    [ "$(printf '%s\n' "$output" | grep -c '^rc=')" -eq 2 ]
}

@test "seccomp: --seccomp-default: mount -t tmpfs is denied" {
    setup_default_seccomp_bundle 'mount -t tmpfs t /mnt; echo "rc=$?"; grep -c " /mnt " /proc/self/mountinfo'
    mkdir -p "$BUNDLE/rootfs/mnt"
    run urun run c1
    echo "$output"
    [[ "$output" == *"rc=1"* ]]
    [ "$(printf '%s\n' "$output" | tail -n1)" = 0 ]
}

@test "seccomp: --seccomp-default: the filter holds in urun exec too" {
    setup_default_seccomp_bundle 'sleep 1000'
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    run urun exec c1 sh -c 'unshare -U true; echo "rc=$?"; ls / > /dev/null && echo ls-ok'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *"rc=0"* ]]
    [[ "$output" == *ls-ok* ]]
}

# run with a bad seccomp object: one error line naming WORD, no state
assert_refused_naming() {
    local word=$1
    urun_split run --bundle "$BUNDLE" c1
    echo "status=$status out=$out err=$err"
    [ "$status" -ne 0 ]
    assert_one_error_line "$word"
    assert_no_state
    [ ! -e "$BUNDLE/rootfs/tmp/ran" ]
}

@test "seccomp: an unknown action is refused with one line naming it" {
    setup_bundle sh -c 'touch /tmp/ran'
    set_seccomp '[{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]'
    assert_refused_naming SCMP_ACT_BOGUS
}

@test "seccomp: an unknown defaultAction is refused with one line naming it" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_NOPE"}'
    assert_refused_naming SCMP_ACT_NOPE
}

@test "seccomp: an unknown architecture is refused with one line naming it" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_BOGUS"],
        syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"}]}'
    assert_refused_naming SCMP_ARCH_BOGUS
}

@test "seccomp: an unknown argument operator is refused with one line naming it" {
    setup_bundle sh -c 'touch /tmp/ran'
    set_seccomp '[{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_BOGUS"}]}]'
    assert_refused_naming SCMP_CMP_BOGUS
}

@test "seccomp: an unknown flag is refused with one line naming it" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_BOGUS"]}'
    assert_refused_naming SECCOMP_FILTER_FLAG_BOGUS
}

@test "seccomp: an unknown syscall name is skipped, the known ones still apply" {
    setup_bundle sh -c 'echo running; mkdir /tmp/z 2>&1; echo "rc=$?"'
    set_seccomp '[{"names": ["no_such_syscall_urun", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *running* ]]
    [[ "$output" == *"Operation not permitted"* ]]
    [[ "$output" == *"rc=1"* ]]
}

@test "seccomp: SCMP_ACT_NOTIFY: the listener gets the state and fd, and its answers reach the container" {
    local sock=$BATS_TEST_TMPDIR/listener.sock
    start_listener "$sock" 2

    setup_bundle sh -c 'mkdir /tmp/a; echo "rc=$?"; mkdir /tmp/b; echo "rc=$?"; [ -d /tmp/b ] && echo b-exists || echo b-absent'
    update_config --arg p "$sock" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p, listenerMetadata: "meta-42",
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
    run urun run c1
    echo "$output"
    echo "listener:"; cat "$BATS_TEST_TMPDIR/listener.log"
    echo "json:"; cat "$BATS_TEST_TMPDIR/listener.json"; echo
    [ "$status" -eq 0 ]
    # the first mkdir: EDOM from the listener
    [[ "$output" == *"/tmp/a"*"out of domain"* ]]
    # the second: "success" without the directory being made
    [ "$(printf '%s\n' "$output" | grep '^rc=' | tr '\n' ' ')" = "rc=1 rc=0 " ]
    [[ "$output" == *b-absent* ]]
    grep -q 'received .* 1 fd(s)' "$BATS_TEST_TMPDIR/listener.log"
    grep -q '^done$' "$BATS_TEST_TMPDIR/listener.log"
    # the message: the container process state of the spec
    local j=$BATS_TEST_TMPDIR/listener.json
    [ "$(jq -c .fds "$j")" = '["seccompFd"]' ]
    [ "$(jq -r .metadata "$j")" = meta-42 ]
    [ "$(jq -r '.pid | type' "$j")" = number ]
    [ "$(jq -r .pid "$j")" -gt 0 ]
    [ "$(jq -r .state.id "$j")" = c1 ]
    [ "$(jq -r '.state | has("status") and has("bundle") and has("pid")' "$j")" = true ]
    echo "# listener message: $(jq -c '{fds, pid, metadata, state: {id: .state.id, status: .state.status}}' "$j")" >&3
}

@test "seccomp: SCMP_ACT_NOTIFY with no listener at listenerPath fails cleanly: the program never runs" {
    setup_bundle sh -c 'touch /tmp/ran'
    update_config --arg p "$BATS_TEST_TMPDIR/nobody-listens.sock" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
        syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}'
    # a race (the program going on while urun fails at the listener) shows
    # in a few tries of twenty: each try must leave no trace of it
    local i
    for i in $(seq 20); do
        urun_split run --bundle "$BUNDLE" c1
        echo "try $i: status=$status err=$err"
        [ "$status" -ne 0 ]
        [[ "$err" == *listenerPath* || "$err" == *nobody-listens.sock* ]]
        assert_no_state
        [ ! -e "$BUNDLE/rootfs/tmp/ran" ]
    done
}

@test "seccomp: every flag of the spec is taken (TSYNC, LOG, SPEC_ALLOW, WAIT_KILLABLE_RECV) and the rules hold" {
    setup_bundle sh -c 'mkdir /tmp/x; echo "rc=$?"'
    update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
    urun_split run c1
    echo "status=$status out=$out err=$err"
    if [[ "$err" == *"does this kernel know every flag"* ]]; then
        skip "this kernel ($(uname -r)) lacks one of these seccomp flags"
    fi
    [ "$status" -eq 0 ]
    [[ "$out" == *"rc=1"* ]]
    [[ "$err" == *"Operation not permitted"* ]]
}

@test "seccomp: argument conditions: kill is refused for SIGUSR1 only" {
    setup_bundle sh -c 'kill -0 $$ && echo zero-ok; kill -USR1 $$; echo "usr1=$?"'
    set_seccomp '[{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                   "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *zero-ok* ]]
    [[ "$output" == *"usr1=1"* ]]
}

@test "seccomp: SCMP_ACT_KILL_PROCESS ends the container by SIGSYS (exit 159)" {
    setup_bundle sh -c 'mkdir /tmp/x; echo survived'
    # pid 1 itself makes the call (a child would die alone)
    set_args mkdir /tmp/x
    set_seccomp '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 159 ]
    [[ "$output" != *survived* ]]
}

@test "seccomp: SCMP_ACT_NOTIFY without noNewPrivileges, through create and start" {
    local sock=$BATS_TEST_TMPDIR/listener.sock
    start_listener "$sock" 1
    setup_bundle sh -c 'mkdir /tmp/a 2>/tmp/a.err; echo "rc=$?" > /tmp/rc'
    update_config --arg p "$sock" '.process.noNewPrivileges = false | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        listenerPath: $p, flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
    urun_create c1
    urun start c1
    wait_file "$BUNDLE/rootfs/tmp/rc"
    cat "$BATS_TEST_TMPDIR/listener.log"
    [ "$(cat "$BUNDLE/rootfs/tmp/rc")" = rc=1 ]
    grep -q "out of domain" "$BUNDLE/rootfs/tmp/a.err"
    [ "$(jq -c .fds "$BATS_TEST_TMPDIR/listener.json")" = '["seccompFd"]' ]
}
