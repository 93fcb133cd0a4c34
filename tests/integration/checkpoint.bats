#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# checkpoint and restore through CRIU, as root.  Where `criu check` fails
# (the CI host's kernel does), the cases that need a working CRIU skip,
# saying so, and the refusals are tested; the qemu guest (tests/vm) runs
# this file where CRIU works.
load helpers

criu_works() { command -v criu >/dev/null && criu check >/dev/null 2>&1; }

need_criu() {
    if is_rootless; then skip "rootless: CRIU works only as root"; fi
    if ! command -v criu >/dev/null; then skip "criu is not installed"; fi
    if ! criu check >/dev/null 2>&1; then
        skip "criu check fails on this kernel ($(criu check 2>&1 | grep -m1 Error | cut -c1-80)): tests/vm runs this in a guest"
    fi
}

# A container that counts, ten times a second, into /tmp/count.
counter_bundle() {
    setup_bundle sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done'
}

# Wait (bounded: 10 s) until the count has reached N.
wait_count() {
    local n=$1 i c
    for i in $(seq 1 200); do
        c=$(cat "$BUNDLE/rootfs/tmp/count" 2>/dev/null || echo 0)
        if [ "${c:-0}" -ge "$n" ] 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "the count never reached $n (at ${c:-nothing})" >&2
    return 1
}

@test "rootless: checkpoint and restore say they need root, and change nothing" {
    if ! is_rootless; then skip "root: the rootless refusal is for unprivileged callers"; fi
    counter_bundle
    urun_run_detached c1
    urun_split checkpoint --image-path "$BATS_TEST_TMPDIR/img" c1
    [ "$status" -eq 1 ]
    assert_one_error_line "checkpoint needs root"
    [ "$(urun state c1 | jq -r .status)" = running ]
    urun_split restore --image-path "$BATS_TEST_TMPDIR/img" c2
    [ "$status" -eq 1 ]
    assert_one_error_line "restore needs root"
    [ "$(urun list -q)" = c1 ]
}

@test "checkpoint and restore where CRIU cannot work: one line, and the container runs on" {
    if is_rootless; then skip "rootless: refused before CRIU is asked"; fi
    if criu_works; then skip "criu check passes here: the cases that use CRIU run instead"; fi
    counter_bundle
    urun_run_detached c1
    urun_split checkpoint --image-path "$BATS_TEST_TMPDIR/img" c1
    [ "$status" -eq 1 ]
    if command -v criu >/dev/null; then
        assert_one_error_line "checkpoint: CRIU cannot work on this kernel: \`criu check\`:"
    else
        assert_one_error_line "apt-get install criu"
    fi
    [ "$(urun state c1 | jq -r .status)" = running ]
    urun_split restore --image-path "$BATS_TEST_TMPDIR/img" c2
    [ "$status" -eq 1 ]
    assert_one_error_line "restore"
    [ "$(urun list -q)" = c1 ]
}

@test "checkpoint without criu in PATH names the package" {
    if is_rootless; then skip "rootless: refused before CRIU is looked for"; fi
    counter_bundle
    urun_run_detached c1
    urun_split_env PATH=/nonexistent -- --root "$BATS_TEST_TMPDIR/state" checkpoint c1
    [ "$status" -eq 1 ]
    assert_one_error_line "\`criu\` is not in PATH (apt-get install criu)"
    [ "$(urun state c1 | jq -r .status)" = running ]
}

@test "checkpoint of a container that is not running is refused" {
    counter_bundle
    urun_create c1
    urun_split checkpoint c1
    [ "$status" -eq 1 ]
    assert_one_error_line "container \`c1\` is not running"
    urun_split checkpoint no-such
    [ "$status" -eq 1 ]
    assert_one_error_line "does not exist"
}

@test "checkpoint, then restore -d: the count goes on, exec and delete work" {
    need_criu
    counter_bundle
    urun_run_detached c1
    wait_count 3
    run urun checkpoint --image-path "$BATS_TEST_TMPDIR/img" c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ -e "$BATS_TEST_TMPDIR/img/inventory.img" ]
    # the container is gone, and counts no more
    [ -z "$(urun list -q)" ]
    n=$(read_number "$BUNDLE/rootfs/tmp/count")
    sleep 0.5
    [ "$(read_number "$BUNDLE/rootfs/tmp/count")" = "$n" ]
    urun restore -d --image-path "$BATS_TEST_TMPDIR/img" c1 </dev/null >"$BATS_TEST_TMPDIR/restore.log" 2>&1 ||
        { cat "$BATS_TEST_TMPDIR/restore.log" "$BATS_TEST_TMPDIR/img/restore.log" | tail -40; false; }
    [ "$(urun state c1 | jq -r .status)" = running ]
    wait_count $((n + 3))
    # the same processes: pid 1 of its pid namespace is the counting shell
    run urun exec c1 cat /proc/1/cmdline
    [ "$status" -eq 0 ]
    [[ "$output" = sh* ]]
    run urun delete -f c1
    [ "$status" -eq 0 ]
    assert_no_state
}

@test "checkpoint --leave-running: the container runs on" {
    need_criu
    counter_bundle
    urun_run_detached c1
    wait_count 2
    run urun checkpoint --leave-running --image-path "$BATS_TEST_TMPDIR/img" --work-path "$BATS_TEST_TMPDIR/work" c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ -e "$BATS_TEST_TMPDIR/img/inventory.img" ]
    [ -s "$BATS_TEST_TMPDIR/work/dump.log" ]
    [ "$(urun state c1 | jq -r .status)" = running ]
    n=$(read_number "$BUNDLE/rootfs/tmp/count")
    wait_count $((n + 2))
}

@test "restore in the foreground: the container's output reaches restore's stdout, and its exit code passes through" {
    need_criu
    setup_bundle sh -c 'i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done; echo done-$i; exit 3'
    # its stdout a pipe, as an engine gives it
    (urun run -d c1 </dev/null 2>/dev/null | cat > "$BATS_TEST_TMPDIR/first.out") &
    wait_count 2
    run urun checkpoint --image-path "$BATS_TEST_TMPDIR/img" c1
    echo "$output"
    [ "$status" -eq 0 ]
    wait
    run urun restore --image-path "$BATS_TEST_TMPDIR/img" c1
    echo "$output"
    [ "$status" -eq 3 ]
    [ "$output" = done-40 ]
    [ ! -s "$BATS_TEST_TMPDIR/first.out" ]
    assert_no_state
}
