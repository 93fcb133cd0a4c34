#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
load helpers

@test "run returns the container's exit code" {
    setup_bundle sh -c 'exit 7'
    run urun run c1
    [ "$status" -eq 7 ]
    assert_no_state
}

@test "run prints output and deletes the container" {
    setup_bundle echo hello
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = hello ]
    assert_no_state
}

@test "run: death by signal gives 128+N" {
    setup_bundle sleep 100
    urun run c1 </dev/null >/dev/null 2>&1 &
    runner=$!
    wait_status c1 running
    urun kill c1 KILL
    rc=0
    wait "$runner" || rc=$?
    [ "$rc" -eq 137 ]
    assert_no_state
}

@test "create, state, start, kill, delete" {
    setup_bundle sleep 100
    urun_create --bundle "$BUNDLE" c1
    run urun state c1
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | jq -r .status)" = created ]
    [ "$(echo "$output" | jq -r .id)" = c1 ]
    [ "$(echo "$output" | jq -r .bundle)" = "$BUNDLE" ]
    pid=$(echo "$output" | jq -r .pid)
    [ "$pid" -gt 0 ]
    kill -0 "$pid"
    run urun start c1
    [ "$status" -eq 0 ]
    wait_status c1 running
    run urun kill c1 KILL
    [ "$status" -eq 0 ]
    wait_status c1 stopped
    run urun delete c1
    [ "$status" -eq 0 ]
    assert_no_state
}

@test "delete -f of a container that does not exist exits 0 (runc, crun); delete without -f fails" {
    run urun delete -f no-such-id
    [ "$status" -eq 0 ]
    run urun delete no-such-id
    [ "$status" -eq 1 ]
    [[ "$output" == *"does not exist"* ]]
}

@test "signals during set-up: SIGTERM and SIGINT stop urun run and kill the child, nothing left" {
    for sig in TERM INT; do
        setup_bundle true
        HOOKDIR=$(make_shared_dir "hook-$sig")
        # a createContainer hook (in the container's process) that hangs
        # (its pid inside is not ours: it is found by its unique sleep)
        local mark=$((515150 + RANDOM % 1000))
        update_config --arg d "$HOOKDIR" --arg m "$mark" '.hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "echo $$ > \($d)/pid; exec sleep \($m)"]}]'
        "$URUN" --root "$BATS_TEST_TMPDIR/state" run c1 </dev/null >"$BATS_TEST_TMPDIR/run.out" 2>&1 &
        local runpid=$!
        wait_file "$HOOKDIR/pid"
        local i
        for i in $(seq 1 100); do pgrep -x -f "sleep $mark" >/dev/null && break; sleep 0.05; done
        pgrep -x -f "sleep $mark" >/dev/null
        kill -s "$sig" "$runpid"
        local rc=0
        wait "$runpid" || rc=$?
        cat "$BATS_TEST_TMPDIR/run.out"
        [ "$rc" -eq 1 ]
        grep -q "interrupted by SIG$sig" "$BATS_TEST_TMPDIR/run.out"
        for i in $(seq 1 100); do pgrep -x -f "sleep $mark" >/dev/null || break; sleep 0.05; done
        if pgrep -x -f "sleep $mark" >/dev/null; then echo "the hook (sleep $mark) is still alive" >&2; false; fi
        assert_no_state
        assert_no_process
        rm -rf "$BUNDLE"
    done
}

@test "signals during set-up: SIGTERM stops a hanging prestart hook (run by urun itself)" {
    setup_bundle true
    HOOKDIR=$(make_shared_dir hook)
    update_config --arg d "$HOOKDIR" '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo $$ > \($d)/pid; exec sleep 1000"]}]'
    "$URUN" --root "$BATS_TEST_TMPDIR/state" run c1 </dev/null >"$BATS_TEST_TMPDIR/run.out" 2>&1 &
    local runpid=$!
    wait_file "$HOOKDIR/pid"
    kill -TERM "$runpid"
    local rc=0
    wait "$runpid" || rc=$?
    cat "$BATS_TEST_TMPDIR/run.out"
    [ "$rc" -eq 1 ]
    wait_pid_gone "$(cat "$HOOKDIR/pid")"
    assert_no_state
    assert_no_process
}

@test "an image whose /etc/passwd is a FIFO does not hang set-up (HOME=/)" {
    setup_bundle sh -c 'echo "home=$HOME"'
    rm -f "$BUNDLE/rootfs/etc/passwd"
    mkfifo "$BUNDLE/rootfs/etc/passwd"
    run timeout 20 "$URUN" --root "$BATS_TEST_TMPDIR/state" run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"home=/"* ]]
    assert_no_state
}

# A create that hangs (a prestart hook that never returns, run by urun
# itself): the container's state is readable, and delete -f and kill stop
# it, leaving nothing.
start_stuck_create() {
    setup_bundle sleep 1000
    HOOKDIR=$(make_shared_dir hook)
    update_config --arg d "$HOOKDIR" '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo $$ > \($d)/pid; exec sleep 1000"]}]'
    "$URUN" --root "$BATS_TEST_TMPDIR/state" create c1 </dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 &
    CREATE_PID=$!
    wait_file "$HOOKDIR/pid"
}

@test "a create stuck in set-up: state answers at once; delete -f stops it and leaves nothing" {
    start_stuck_create
    run timeout 5 "$URUN" --root "$BATS_TEST_TMPDIR/state" state c1
    echo "$status $output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"being created"* ]]
    run timeout 5 "$URUN" --root "$BATS_TEST_TMPDIR/state" list
    [[ "$output" == *c1*creating* ]]
    run timeout 20 "$URUN" --root "$BATS_TEST_TMPDIR/state" delete -f c1
    echo "$status $output"
    [ "$status" -eq 0 ]
    wait "$CREATE_PID" || true
    wait_pid_gone "$(cat "$HOOKDIR/pid")"
    assert_no_state
    assert_no_process
}

@test "a create stuck in set-up: kill stops the creation, which cleans up" {
    start_stuck_create
    run timeout 20 "$URUN" --root "$BATS_TEST_TMPDIR/state" kill c1 KILL
    echo "$status $output"
    [ "$status" -eq 0 ]
    local rc=0
    wait "$CREATE_PID" || rc=$?
    cat "$BATS_TEST_TMPDIR/create.out"
    [ "$rc" -eq 1 ]
    wait_pid_gone "$(cat "$HOOKDIR/pid")"
    assert_no_state
    assert_no_process
}

@test "a plain delete of a container being created is refused, naming --force" {
    start_stuck_create
    run timeout 5 "$URUN" --root "$BATS_TEST_TMPDIR/state" delete c1
    echo "$status $output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"being created"*"--force"* ]]
    "$URUN" --root "$BATS_TEST_TMPDIR/state" delete -f c1
    wait "$CREATE_PID" || true
}

@test "run --config FILE (crun's): that file, relative to the cwd; the rootfs still the bundle's" {
    setup_bundle echo from-config.json
    jq '.process.args = ["echo", "from-other"]' config.json > "$BATS_TEST_TMPDIR/other.json"
    cd "$BATS_TEST_TMPDIR"
    run urun run --bundle "$BUNDLE" --config other.json c1
    [ "$status" -eq 0 ]
    [ "$output" = from-other ]
    run urun run -b "$BUNDLE" -f "$BATS_TEST_TMPDIR/other.json" c2
    [ "$status" -eq 0 ]
    [ "$output" = from-other ]
    urun_split run -b "$BUNDLE" --config no-such.json c3
    [ "$status" -eq 1 ]
    assert_one_error_line no-such.json
    assert_no_state
}

@test "--cgroup-manager cgroupfs, systemd and disabled are accepted; anything else is one error" {
    setup_bundle echo hi
    for m in cgroupfs systemd disabled; do
        urun_split --cgroup-manager "$m" run "c-$m"
        [ "$status" -eq 0 ]
        [ "$out" = hi ]
        if [ "$m" = systemd ] && ! is_rootless && [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
            # root on a v1 host: the cgroups are made by cgroupfs, and it says so
            assert_one_error_line "systemd cgroup manager needs cgroup v2"
        else
            [ -z "$err" ]
        fi
    done
    urun_split --cgroup-manager bogus run c1
    [ "$status" -eq 1 ]
    assert_one_error_line cgroup-manager bogus
    assert_no_state
}

@test "--cgroup-manager disabled: asked-for limits are one warning saying so" {
    setup_bundle true
    update_config '.linux.resources.pids = {"limit": 10}'
    urun_split --cgroup-manager disabled run c1
    [ "$status" -eq 0 ]
    [[ "$err" = "urun: warning: linux.resources (pids) not applied: the cgroup manager is disabled"* ]]
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]
}
