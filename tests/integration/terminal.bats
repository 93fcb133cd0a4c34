#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# process.terminal: the pty master goes to --console-socket (received by
# $URUN_TOOLS/recvtty); without a socket, create fails.
load helpers

teardown() {
    teardown_containers
    if [ -n "${RECVTTY_PID:-}" ]; then kill "$RECVTTY_PID" 2>/dev/null || true; fi
}

@test "terminal: the process has a pty as its stdio, output reaches the socket's receiver" {
    setup_bundle sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty; [ -t 1 ] && echo stdout-is-a-tty; echo hello from the pty'
    update_config '.process.terminal = true'
    start_recvtty
    urun_split run --console-socket "$SOCK" c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 0 ]
    finish_recvtty
    [[ "$ttyout" =~ /dev/pts/[0-9]+ ]]
    [[ "$ttyout" = *stdin-is-a-tty* ]]
    [[ "$ttyout" = *stdout-is-a-tty* ]]
    [[ "$ttyout" = *"hello from the pty"* ]]
    grep -q '^name: ' "$TTYNAME"
    assert_no_state
}

@test "terminal: input written to the pty master reaches the process" {
    setup_bundle sh -c 'read line; echo "got:$line"'
    update_config '.process.terminal = true'
    start_recvtty $'typed-in\n'
    urun_split run --console-socket "$SOCK" c1
    [ "$status" -eq 0 ]
    finish_recvtty
    [[ "$ttyout" = *got:typed-in* ]]
}

@test "terminal: the pty is the controlling terminal (/dev/tty opens)" {
    setup_bundle sh -c 'echo via-dev-tty > /dev/tty && echo "rc=$?"'
    update_config '.process.terminal = true'
    start_recvtty
    urun_split run --console-socket "$SOCK" c1
    [ "$status" -eq 0 ]
    finish_recvtty
    [[ "$ttyout" = *via-dev-tty* ]]
    [[ "$ttyout" = *rc=0* ]]
}

@test "terminal: process.consoleSize sets the window size" {
    setup_bundle stty size
    update_config '.process.terminal = true | .process.consoleSize = {"height": 25, "width": 100}'
    start_recvtty
    urun_split run --console-socket "$SOCK" c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 0 ]
    finish_recvtty
    [[ "$ttyout" = *"25 100"* ]]
}

@test "terminal: exit code passes through with a terminal" {
    setup_bundle sh -c 'exit 3'
    update_config '.process.terminal = true'
    start_recvtty
    urun_split run --console-socket "$SOCK" c1
    [ "$status" -eq 3 ]
    finish_recvtty
}

@test "terminal: create + start with a console socket" {
    setup_bundle sh -c 'tty; echo started'
    update_config '.process.terminal = true'
    start_recvtty
    urun_create --console-socket "$SOCK" c1
    urun start c1
    wait_status c1 stopped
    finish_recvtty
    [[ "$ttyout" =~ /dev/pts/[0-9]+ ]]
    [[ "$ttyout" = *started* ]]
    urun delete c1
    assert_no_state
}

@test "terminal: create without --console-socket fails clearly" {
    setup_bundle true
    update_config '.process.terminal = true'
    urun_split create c1
    [ "$status" -eq 1 ]
    assert_one_error_line console-socket
    assert_no_state
}

@test "terminal: a console socket that nobody listens on fails clearly" {
    setup_bundle true
    update_config '.process.terminal = true'
    urun_split create --console-socket "$BATS_TEST_TMPDIR/nobody.sock" c1
    [ "$status" -eq 1 ]
    assert_one_error_line nobody.sock
    assert_no_state
}

@test "terminal: exec -t with --console-socket" {
    setup_bundle sleep 1000
    urun_run_detached c1
    wait_status c1 running
    start_recvtty
    urun_split exec -t --console-socket "$SOCK" c1 sh -c 'tty; [ -t 0 ] && echo exec-tty'
    echo "status=$status err=$err"
    [ "$status" -eq 0 ]
    finish_recvtty
    [[ "$ttyout" =~ /dev/pts/[0-9]+ ]]
    [[ "$ttyout" = *exec-tty* ]]
}

@test "terminal: false gives the process the caller's stdio, no tty" {
    setup_bundle sh -c '[ -t 0 ] && echo tty || echo no-tty; tty'
    run urun run c1 </dev/null
    [ "$status" -ne 0 ] # tty(1) fails without a terminal
    [ "${lines[0]}" = no-tty ]
    [[ "$output" = *"not a tty"* ]]
}

@test "terminal: a warning raised in the container's process goes to urun's stderr or --log, not into the pty" {
    setup_bundle sh -c 'echo pty-output'
    # an ambient capability that is not inheritable: the container's own
    # process warns, after its pty became its stdio
    update_config '.process.terminal = true | .process.capabilities.ambient = ["CAP_KILL"] | .process.capabilities.inheritable = []'
    start_recvtty
    urun_split run --console-socket "$SOCK" c1
    echo "status=$status err=$err"
    [ "$status" -eq 0 ]
    finish_recvtty
    [[ "$ttyout" == *pty-output* ]]
    [[ "$ttyout" != *ambient* ]]
    [[ "$err" == *"warning"*"ambient"* ]]
    # with --log, the warning is in the log and nowhere else
    rm -f "$SOCK"
    start_recvtty
    urun_split --log "$BATS_TEST_TMPDIR/urun.log" run --console-socket "$SOCK" c1
    [ "$status" -eq 0 ]
    finish_recvtty
    [[ "$ttyout" != *ambient* ]]
    [ -z "$err" ]
    grep -q ambient "$BATS_TEST_TMPDIR/urun.log"
}
