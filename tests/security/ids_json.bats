#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What urun writes as JSON (state.json, state, list --format json) is valid
# JSON whatever bytes the names it holds are made of: a byte that is not
# UTF-8 becomes U+FFFD (as runc, through Go, writes it), so the container
# stays manageable.
load ../integration/helpers

FFFD=$'\xef\xbf\xbd'

# $BUNDLE moved to a directory whose name has the byte \351 (Latin-1 "é"),
# which is not UTF-8
setup_latin1_bundle() {
    setup_bundle "$@"
    cd "$BATS_TEST_TMPDIR"
    mv "$BUNDLE" "$BATS_TEST_TMPDIR/b"$'\351'"x"
    BUNDLE=$BATS_TEST_TMPDIR/b$'\351'x
    cd "$BUNDLE"
}

@test "ids_json: a bundle path that is not UTF-8: state.json, state and list are valid JSON" {
    setup_latin1_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    # the state file itself reads back
    jq -e . "$BATS_TEST_TMPDIR/state/c1/state.json" >/dev/null
    want="$BATS_TEST_TMPDIR/b${FFFD}x"
    run urun state c1
    echo "$output"
    [ "$status" -eq 0 ]
    assert_json '.status == "running"'
    [ "$(echo "$output" | jq -r .bundle)" = "$want" ]
    [ "$(echo "$output" | jq -r .rootfs)" = "$want/rootfs" ]
    run urun list --format json
    echo "$output"
    [ "$status" -eq 0 ]
    assert_json 'length == 1 and .[0].id == "c1" and .[0].status == "running"'
    [ "$(echo "$output" | jq -r '.[0].bundle')" = "$want" ]
    run urun list
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | awk '$1 == "c1" {print $3, $4}')" = "running $want" ]
}

@test "ids_json: a bundle path that is not UTF-8: kill and delete manage the container" {
    setup_latin1_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    pid=$(container_pid c1)
    [ "$pid" -gt 0 ]
    run urun kill c1 KILL
    echo "$output"
    [ "$status" -eq 0 ]
    wait_status c1 stopped
    run urun delete c1
    echo "$output"
    [ "$status" -eq 0 ]
    assert_no_state
    wait_pid_gone "$pid"
    # and delete --force of a running one
    urun_create --bundle "$BUNDLE" c2
    [ "$(urun state c2 | jq -r .status)" = created ]
    run urun delete --force c2
    [ "$status" -eq 0 ]
    assert_no_state
    assert_no_process
}
