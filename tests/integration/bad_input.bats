#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Bad configurations, options and ids: exit 1, one line "urun: ..." on
# stderr naming the problem, no state and no process left behind.
load helpers

# run the given urun command; expect the error, mentioning each further
# argument after "--"
expect_error() {
    local args=() words=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    words=("$@")
    urun_split "${args[@]}"
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line "${words[@]}"
    assert_no_state
    assert_no_process
}

@test "malformed JSON: the message gives the line" {
    setup_bundle true
    printf '{\n  "ociVersion": "1.0.2",\n  "process": { , }\n}\n' > config.json
    expect_error run c1 -- config.json line
    [[ "$err" =~ line[^0-9]*3 ]]
}

@test "malformed JSON: truncated file" {
    setup_bundle true
    head -c 200 config.json > c && mv c config.json
    expect_error create c1 -- config.json
}

# N copies of STRING
repeat() { printf "%${1}s" '' | sed "s/ /$2/g"; }

@test "JSON nested a million levels deep: one error line naming the position, no crash" {
    setup_bundle true
    # a complete document: a million arrays, then objects, then unterminated
    { repeat 1000000 '['; repeat 1000000 ']'; echo; } > config.json
    expect_error run c1 -- config.json "line 1, column 101" "nested deeper than 100 levels"
    { repeat 1000000 '{"a":'; echo -n 1; repeat 1000000 '}'; echo; } > config.json
    expect_error run c1 -- config.json "line 1, column 501" "nested deeper"
    { repeat 1000000 '['; echo; } > config.json
    expect_error create c1 -- config.json "nested deeper"
}

@test "JSON nested 100 levels deep is still parsed" {
    setup_bundle true
    # an annotation-free extra member 100 levels deep (the document is level 1)
    update_config --argjson deep "$(repeat 99 '['; repeat 99 ']')" '.x = $deep'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "wrong type: process.args is a string" {
    setup_bundle true
    update_config '.process.args = "sh"'
    expect_error run c1 -- process.args
}

@test "wrong type: process.user.uid is a string" {
    setup_bundle true
    update_config '.process.user.uid = "root"'
    expect_error run c1 -- process.user.uid
}

@test "wrong type: mounts is an object" {
    setup_bundle true
    update_config '.mounts = {"destination": "/x"}'
    expect_error run c1 -- mounts
}

@test "ids above 2147483647 in process.user are refused (setresuid (-1) would keep root)" {
    setup_bundle id
    cp config.json config.orig
    for id in 4294967295 2147483648; do
        update_config --argjson u "$id" '.process.user.uid = $u'
        expect_error run c1 -- process.user.uid "$id" "out of range"
        cp config.orig config.json
        update_config --argjson u "$id" '.process.user.gid = $u'
        expect_error run c1 -- process.user.gid "$id" "out of range"
        cp config.orig config.json
        update_config --argjson u "$id" '.process.user.additionalGids = [0, $u]'
        expect_error run c1 -- "process.user.additionalGids[1]" "$id" "out of range"
        cp config.orig config.json
    done
}

@test "exec: ids above 2147483647 in -u, --additional-gids and --process are refused" {
    setup_bundle sleep 1000
    urun_run_detached c1
    for args in "-u 4294967295" "-u 2147483648" "-u 0:4294967295" "--additional-gids 4294967295" \
                "--additional-gids 5,2147483648"; do
        # shellcheck disable=SC2086
        urun_split exec $args c1 id
        echo "exec $args: status=$status out=$out err=$err"
        [ "$status" -eq 1 ]
        [ -z "$out" ]
        assert_one_error_line "out of range"
    done
    update_config '.process.user.uid = 4294967295 | .process.args = ["id"]'
    jq .process config.json > process.json
    urun_split exec --process process.json c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    [ -z "$out" ]
    assert_one_error_line process.user.uid "out of range"
    # the largest id is fine (as root: rootless, it is not mapped)
    if [ "$URUN_MODE" = root ]; then
        run urun exec -u 2147483647:2147483647 c1 id -u
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = 2147483647 ]
    fi
}

@test "missing root.path" {
    setup_bundle true
    update_config 'del(.root.path)'
    expect_error run c1 -- root.path
}

@test "missing process.args" {
    setup_bundle true
    update_config 'del(.process.args)'
    expect_error run c1 -- process.args
}

@test "empty process.args" {
    setup_bundle true
    update_config '.process.args = []'
    expect_error run c1 -- process.args
}

@test "missing ociVersion" {
    setup_bundle true
    update_config 'del(.ociVersion)'
    expect_error run c1 -- ociVersion
}

@test "unknown namespace type" {
    setup_bundle true
    update_config '.linux.namespaces += [{"type": "bogusns"}]'
    expect_error run c1 -- bogusns
}

@test "the same namespace type twice" {
    setup_bundle true
    update_config '.linux.namespaces += [{"type": "ipc"}]'
    expect_error run c1 -- ipc
}

@test "missing rootfs directory" {
    setup_bundle true
    update_config '.root.path = "no-such-rootfs"'
    expect_error run c1 -- no-such-rootfs
}

@test "missing config.json" {
    setup_bundle true
    rm config.json
    expect_error run c1 -- config.json
}

@test "relative mount destination" {
    setup_bundle true
    update_config '.mounts += [{"destination": "mnt/relative", "type": "tmpfs", "source": "tmpfs"}]'
    expect_error run c1 -- mnt/relative
}

@test "a command that does not exist in the container" {
    setup_bundle /no/such/program
    urun_split run c1
    echo "status=$status err=$err"
    [ "$status" -ne 0 ]
    assert_one_error_line /no/such/program
    assert_no_state
    assert_no_process
}

@test "a command that does not exist: its one line in each of 100 runs (run's START, sent early and unread by the failing child, does not hide it)" {
    local i
    setup_bundle /no/such/program
    # the child may end before it reads START: the socket's reset came
    # first (urun: receive: Connection reset by peer, 2 in 300 here)
    for i in $(seq 1 100); do
        urun_split run "c$i"
        [ "$status" -ne 0 ] || { echo "run $i: status 0" >&2; return 1; }
        assert_one_error_line /no/such/program || { echo "run $i" >&2; return 1; }
    done
    assert_no_state
    assert_no_process
}

@test "unknown global option" {
    expect_error --no-such-global-opt list -- --no-such-global-opt
}

@test "unknown command option" {
    expect_error list --no-such-list-opt -- --no-such-list-opt
}

@test "unknown command" {
    expect_error frobnicate -- frobnicate
}

@test "missing container id" {
    expect_error state
}

@test "bad ids: with /, .., control characters, too long" {
    setup_bundle true
    long=$(head -c 1025 /dev/zero | tr '\0' a)
    for id in "a/b" "/abs" ".." "." "" $'a\tb' $'ctl\001x' $'new\nline' "$long"; do
        echo "id: $(printf '%q' "$id")"
        expect_error run "$id"
        [[ "${err,,}" = *id* ]]
    done
    # a long but acceptable id (1024 bytes) is not rejected for its length
}

@test "bad ids: only runc's characters (letters, digits, _+.-)" {
    setup_bundle true
    for id in $'bad\377id' "a b" "x;y" 'a$b' "a:b" "a@b" "a,b" 'a\b' 'a`b' $'caf\xc3\xa9' '*'; do
        echo "id: $(printf '%q' "$id")"
        expect_error run "$id" -- "container ID" "is not allowed"
        # for every command that takes an id
        expect_error state "$id" -- "container ID"
        expect_error delete --force "$id" -- "container ID"
        expect_error kill "$id" KILL -- "container ID"
    done
    # the message quotes what is not printable
    expect_error run $'bad\377id' -- 'bad\xffid'
    # runc's ids all run
    for id in a-b_c.d+e 0 a..b x. -x; do
        run urun run -- "$id"
        echo "id $id: $status $output"
        [ "$status" -eq 0 ]
    done
    assert_no_state
}

@test "config strings with a newline cannot forge a second error line" {
    setup_bundle true
    cp config.json config.orig
    local forged=$'\nurun: forged'
    # refused by the config's checks
    update_config --arg d "mnt$forged" '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]'
    expect_error run c1 -- mounts 'mnt\nurun: forged'
    cp config.orig config.json
    update_config --arg e "NOEQUALS$forged" '.process.env += [$e]'
    expect_error run c1 -- process.env 'NOEQUALS\nurun: forged'
    # refused while the container is set up
    cp config.orig config.json
    update_config --arg d "/mnt$forged"$'\t\e[2J' '.mounts += [{"destination": $d, "type": "nosuchfs", "source": "none"}]'
    expect_error run c1 -- 'mnt\nurun: forged'
    [[ "$err" != *$'\e'* ]]
    cp config.orig config.json
    update_config --arg a "/no/such$forged" '.process.args = [$a]'
    expect_error run c1 -- 'such\nurun: forged'
    # and on the command line
    expect_error exec --cwd "rel$forged" c1 true -- 'rel\nurun: forged'
}

@test "--log FILE --log-format json: an error line with level error" {
    urun_split --log "$BATS_TEST_TMPDIR/urun.log" --log-format json state nosuch
    [ "$status" -eq 1 ]
    cat "$BATS_TEST_TMPDIR/urun.log"
    line=$(grep '"error"' "$BATS_TEST_TMPDIR/urun.log" | tail -n 1)
    [ -n "$line" ]
    [ "$(echo "$line" | jq -r .level)" = error ]
    [[ "$(echo "$line" | jq -r .msg)" = *nosuch* ]]
    # every line of the file is JSON
    jq -e . "$BATS_TEST_TMPDIR/urun.log" >/dev/null
}

@test "--log FILE (text): the error goes to the file, and only there" {
    urun_split --log "$BATS_TEST_TMPDIR/urun.log" state nosuch
    [ "$status" -eq 1 ]
    grep -q nosuch "$BATS_TEST_TMPDIR/urun.log"
    # engines hand urun the container's own stderr: nothing of urun's there
    [ -z "$err" ]
}

@test "RLIMIT_NOFILE at 3: create fails naming the limit, nothing left" {
    setup_bundle sleep 1000
    update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 3, "hard": 3}]'
    expect_error create c1 -- RLIMIT_NOFILE 3
}

@test "seccomp that lets nothing through: one line naming seccomp, not a crash" {
    setup_bundle true
    update_config '.process.noNewPrivileges = true | .linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO"}'
    expect_error run c1 -- linux.seccomp exit_group
    # loaded before the wait (no noNewPrivileges): the same
    update_config '.process.noNewPrivileges = false'
    expect_error run c1 -- linux.seccomp
}

@test "seccomp that denies what urun needs after loading it early: names the call and the way out" {
    setup_bundle true
    update_config '.process.noNewPrivileges = false | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["capset"], "action": "SCMP_ACT_ERRNO"}]}'
    expect_error run c1 -- linux.seccomp capset noNewPrivileges
    # with noNewPrivileges it is loaded after capset: the same filter is fine
    update_config '.process.noNewPrivileges = true'
    run urun run c1
    [ "$status" -eq 0 ]
}

@test "--log-format with an unknown format fails" {
    expect_error --log-format yaml list -- yaml
}

@test "unprivileged, no XDG_RUNTIME_DIR and no --root: error names XDG_RUNTIME_DIR" {
    is_rootless || skip "as root the default state root is /run/urun, XDG_RUNTIME_DIR is not needed"
    urun_split_env -u XDG_RUNTIME_DIR -- list
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line XDG_RUNTIME_DIR
}

@test "root.path that is a symlink is refused (as runc)" {
    setup_bundle true
    mv "$BUNDLE/rootfs" "$BUNDLE/realroot"
    ln -s realroot "$BUNDLE/rootfs"
    expect_error run c1 -- root.path symlink
}
