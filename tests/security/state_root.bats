#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The state root and container ids: an id may not name a path outside (or a
# hidden name inside) the state root; the state root and container
# directories are private to the user; a state root that is a symlink or is
# owned by someone else is refused.
load ../integration/helpers

# Everything in $BATS_TEST_TMPDIR (but the bundle) and in the state root.
snapshot_tmpdir() {
    (cd "$BATS_TEST_TMPDIR" && find . -path ./bundle -prune -o -print | sort)
}

# urun create with ID must fail and leave nothing: no state, no file next
# to or above the state root, no container process.
assert_id_refused() {
    local id=$1 before after rc=0
    before=$(snapshot_tmpdir)
    urun create --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 || rc=$?
    echo "id $(printf '%q' "$id" | head -c 80): rc=$rc $(head -c 300 "$BATS_TEST_TMPDIR/create.log")"
    [ "$rc" -ne 0 ]
    assert_no_state
    after=$(snapshot_tmpdir | grep -v '^\./state$' | grep -v '^\./create\.log$')
    before=$(printf '%s\n' "$before" | grep -v '^\./state$' | grep -v '^\./create\.log$')
    if [ "$before" != "$after" ]; then
        echo "files appeared: $(diff <(echo "$before") <(echo "$after"))" >&2
        return 1
    fi
    [ ! -e "$BATS_TEST_TMPDIR/escape" ]
    [ ! -e "$(dirname "$BATS_TEST_TMPDIR")/escape" ]
    [ ! -e /tmp/escape ]
}

@test "state_root: ids with '/' or '..' are refused and create nothing outside" {
    setup_bundle sleep 1000
    local id
    for id in ../escape ../../escape a/b /tmp/escape .. . "x/../../escape" "../state/escape" "a/"; do
        assert_id_refused "$id"
    done
}

@test "state_root: ids with control characters, a leading '.', or empty are refused" {
    setup_bundle sleep 1000
    local id
    for id in $'a\nb' $'a\tb' $'a\x01b' $'a\x7fb' $'\x1b[31mred' .hidden .escape ""; do
        assert_id_refused "$id"
    done
}

@test "state_root: an id longer than 1024 bytes is refused" {
    setup_bundle sleep 1000
    assert_id_refused "$(printf 'a%.0s' $(seq 1 1025))"
    assert_id_refused "$(printf 'a%.0s' $(seq 1 5000))"
}

@test "state_root: other commands with '../' ids touch nothing outside the state root" {
    setup_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    # a directory next to the state root that looks like a container's
    mkdir "$BATS_TEST_TMPDIR/victim"
    cp -a "$BATS_TEST_TMPDIR/state/c1/." "$BATS_TEST_TMPDIR/victim/"
    local before
    before=$(ls -A "$BATS_TEST_TMPDIR/victim")
    local cmd
    for cmd in "state ../victim" "delete ../victim" "delete --force ../victim" "kill ../victim KILL" \
               "kill --all ../victim KILL" "ps ../victim" "start ../victim" "exec ../victim true" \
               "delete --force ../state/c1/../../victim"; do
        # shellcheck disable=SC2086
        run urun $cmd
        echo "urun $cmd: $status $output"
        [ "$status" -ne 0 ]
    done
    [ "$(ls -A "$BATS_TEST_TMPDIR/victim")" = "$before" ]
    # the real container is untouched
    [ "$(urun state c1 | jq -r .status)" = running ]
}

@test "state_root: state root and container directory are mode 0700 and owned by the user" {
    setup_bundle sleep 1000
    urun_create --bundle "$BUNDLE" c1
    local me
    me=$(id -u)
    echo "root: $(stat -c '%a %u' "$BATS_TEST_TMPDIR/state") c1: $(stat -c '%a %u' "$BATS_TEST_TMPDIR/state/c1")"
    [ "$(stat -c %a "$BATS_TEST_TMPDIR/state")" = 700 ]
    [ "$(stat -c %u "$BATS_TEST_TMPDIR/state")" = "$me" ]
    [ "$(stat -c %a "$BATS_TEST_TMPDIR/state/c1")" = 700 ]
    [ "$(stat -c %u "$BATS_TEST_TMPDIR/state/c1")" = "$me" ]
    # nothing in the container directory is writable by others
    if find "$BATS_TEST_TMPDIR/state" -perm -o+w ! -type l | grep .; then echo "writable by others (above)" >&2; false; fi
    ! find "$BATS_TEST_TMPDIR/state" ! -user "$me" | grep .
}

@test "state_root: a state root created under a caller's umask 000 is still 0700" {
    setup_bundle sleep 1000
    (umask 000 && urun create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1)
    [ "$(stat -c %a "$BATS_TEST_TMPDIR/state")" = 700 ]
    [ "$(stat -c %a "$BATS_TEST_TMPDIR/state/c1")" = 700 ]
    ! find "$BATS_TEST_TMPDIR/state" -perm -o+w ! -type l | grep .
}

@test "state_root: a --root that is a symlink is refused" {
    setup_bundle sleep 1000
    mkdir -m 700 "$BATS_TEST_TMPDIR/real"
    ln -s "$BATS_TEST_TMPDIR/real" "$BATS_TEST_TMPDIR/link"
    local rc=0
    "$URUN" --root "$BATS_TEST_TMPDIR/link" create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 || rc=$?
    cat "$BATS_TEST_TMPDIR/create.log"
    if [ "$rc" -eq 0 ]; then
        "$URUN" --root "$BATS_TEST_TMPDIR/link" delete --force c1 || true
    fi
    [ "$rc" -ne 0 ]
    [ -z "$(ls -A "$BATS_TEST_TMPDIR/real")" ]
}

@test "state_root: a --root whose parent component is a symlink to someone else's directory is refused or stays private" {
    setup_bundle sleep 1000
    mkdir -m 700 "$BATS_TEST_TMPDIR/real"
    ln -s "$BATS_TEST_TMPDIR/real" "$BATS_TEST_TMPDIR/link"
    local rc=0
    "$URUN" --root "$BATS_TEST_TMPDIR/link/state" create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 || rc=$?
    cat "$BATS_TEST_TMPDIR/create.log"
    if [ "$rc" -eq 0 ]; then
        # accepted: the directory it made is the user's and private
        [ "$(stat -c %a "$BATS_TEST_TMPDIR/real/state")" = 700 ]
        "$URUN" --root "$BATS_TEST_TMPDIR/link/state" delete --force c1
    fi
}

@test "state_root: a --root owned by another user is refused" {
    setup_bundle sleep 1000
    local other rc=0
    if is_rootless; then
        # a directory owned by root that the test user can write into
        other=
        for d in /var/tmp /tmp; do
            if [ -d "$d" ] && [ "$(stat -c %u "$d")" = 0 ] && [ -w "$d" ]; then other=$d; break; fi
        done
        [ -n "$other" ] || skip "no root-owned directory writable by $(id -un) (tried /var/tmp, /tmp)"
        local id=urun-sec-$$-$RANDOM
        "$URUN" --root "$other" create --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 || rc=$?
        cat "$BATS_TEST_TMPDIR/create.log"
        if [ "$rc" -eq 0 ]; then
            "$URUN" --root "$other" delete --force "$id" || true
            rm -rf "${other:?}/$id"
        fi
        [ "$rc" -ne 0 ]
        [ ! -e "$other/$id" ]
    else
        other=$BATS_TEST_TMPDIR/other
        mkdir -m 700 "$other"
        chown nobody "$other"
        "$URUN" --root "$other" create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 || rc=$?
        cat "$BATS_TEST_TMPDIR/create.log"
        if [ "$rc" -eq 0 ]; then
            "$URUN" --root "$other" delete --force c1 || true
        fi
        [ "$rc" -ne 0 ]
        [ -z "$(ls -A "$other")" ]
    fi
}

@test "state_root: a --root writable by others is refused, or the container directory in it stays private" {
    setup_bundle sleep 1000
    local other=$BATS_TEST_TMPDIR/open rc=0
    mkdir "$other"
    chmod 0777 "$other"
    "$URUN" --root "$other" create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 || rc=$?
    cat "$BATS_TEST_TMPDIR/create.log"
    if [ "$rc" -eq 0 ]; then
        echo "accepted; root $(stat -c %a "$other"), c1 $(stat -c %a "$other/c1")"
        [ "$(stat -c %a "$other/c1")" = 700 ]
        [ "$(stat -c %u "$other/c1")" = "$(id -u)" ]
        "$URUN" --root "$other" delete --force c1
    fi
    [ -z "$(ls -A "$other")" ]
}

@test "state_root: a container directory replaced by a symlink is not followed by delete" {
    setup_bundle sleep 1000
    urun_create --bundle "$BUNDLE" c1
    urun delete --force c1
    # someone plants c2 as a symlink to a directory of the user's
    mkdir "$BATS_TEST_TMPDIR/victim"
    echo keep > "$BATS_TEST_TMPDIR/victim/keep"
    ln -s "$BATS_TEST_TMPDIR/victim" "$BATS_TEST_TMPDIR/state/c2"
    run urun delete --force c2
    echo "$status $output"
    [ "$(cat "$BATS_TEST_TMPDIR/victim/keep")" = keep ]
    run urun state c2
    echo "$status $output"
    [ "$(cat "$BATS_TEST_TMPDIR/victim/keep")" = keep ]
    rm -f "$BATS_TEST_TMPDIR/state/c2"
}

@test "state_root: a world-writable state root is refused by list and delete (and create)" {
    setup_bundle sleep 1000
    urun_create --bundle "$BUNDLE" c1
    chmod 0777 "$BATS_TEST_TMPDIR/state"
    for cmd in "list" "delete -f c1" "state c1" "kill c1 KILL"; do
        run urun $cmd
        echo "$cmd: $status $output"
        [ "$status" -eq 1 ]
        [[ "$output" == *"writable by others"* ]]
    done
    chmod 0700 "$BATS_TEST_TMPDIR/state"
    urun delete -f c1
}

@test "state_root: a planted container directory owned by another user is never acted on" {
    [ "$(id -u)" = 0 ] || skip "planting a directory owned by another user needs root"
    setup_bundle true
    urun_create --bundle "$BUNDLE" c0
    urun delete -f c0
    # nobody plants c2 in our state root, with a poststop hook that would run as us
    mkdir "$BATS_TEST_TMPDIR/state/c2"
    printf '{"id":"c2","pid":1,"pidStartTime":0,"bundle":"/","rootfs":"/","created":"","owner":0}' > "$BATS_TEST_TMPDIR/state/c2/state.json"
    printf '{"ociVersion":"1.0.2","process":{"args":["true"],"cwd":"/"},"root":{"path":"/"},"hooks":{"poststop":[{"path":"/bin/sh","args":["sh","-c","touch %s/PWNED"]}]},"linux":{"namespaces":[{"type":"mount"}]}}' "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/state/c2/config.json"
    chown -R nobody "$BATS_TEST_TMPDIR/state/c2"
    run urun delete c2
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"not by you"* ]]
    run urun delete -f c2
    [ "$status" -eq 1 ]
    run urun kill c2 KILL
    [ "$status" -eq 1 ]
    [ ! -e "$BATS_TEST_TMPDIR/PWNED" ]
    [ -d "$BATS_TEST_TMPDIR/state/c2" ]
    rm -rf "$BATS_TEST_TMPDIR/state/c2"
}
