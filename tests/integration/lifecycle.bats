#!/usr/bin/env bats
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
