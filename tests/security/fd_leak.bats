#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CVE-2024-21626: a descriptor of the runtime's (to a host directory) leaks
# into the container; process.cwd (or exec --cwd) /proc/self/fd/N then puts
# the container process in a host directory, outside its root.
load ../integration/helpers

# Every descriptor of the process, by a shell glob: "N -> TARGET" lines.
# (The glob's own directory descriptor is closed once it is expanded, so
# entries that are gone by then are not listed.)
LIST_FDS='for f in /proc/self/fd/*; do [ -L "$f" ] || continue; echo "${f##*/} -> $(readlink "$f")"; done'

# Print the names in the process's cwd and in each of its ancestors (up to
# 12 levels): a cwd outside the container shows host names (the markers, the
# test's temporary directories).
WALK_UP='echo "pwd=$(pwd)"; d=.; i=0; while [ $i -lt 12 ]; do ls -a "$d" 2>/dev/null; d=$d/..; i=$((i+1)); done'

# Host names the container must never see.
make_markers() {
    touch "$BATS_TEST_TMPDIR/HOSTMARKER_tmpdir" "$BUNDLE/HOSTMARKER_bundle"
}

# $output (of WALK_UP) shows nothing of the host, and the cwd is inside.
assert_inside() {
    local pwd_line
    pwd_line=$(printf '%s\n' "$output" | grep '^pwd=' | head -n1)
    if [[ "$pwd_line" != pwd=/* ]] || [[ "$pwd_line" == *unreachable* ]]; then
        echo "cwd outside the container: $pwd_line" >&2
        return 1
    fi
    if printf '%s\n' "$output" | grep -E 'HOSTMARKER|bats-run|urun-tests|urun-sec|^bundle$|^state$|^config\.json$'; then
        echo "host directory visible from the container's cwd" >&2
        return 1
    fi
}

@test "fd_leak: run: only 0, 1, 2 (and ls's own) are open in the container" {
    setup_bundle sh -c "ls /proc/self/fd; echo ---; $LIST_FDS"
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    # ls: 0 1 2 and the directory it reads
    local ls_fds glob_fds
    ls_fds=$(printf '%s\n' "$output" | sed '/^---$/,$d' | tr '\n' ' ')
    [[ "$ls_fds" == "0 1 2 " || "$ls_fds" == "0 1 2 3 " ]]
    glob_fds=$(printf '%s\n' "$output" | sed '1,/^---$/d' | awk '{print $1}' | tr '\n' ' ')
    [ "$glob_fds" = "0 1 2 " ]
}

@test "fd_leak: exec: only 0, 1, 2 (and ls's own) are open in the exec'd process" {
    setup_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    run urun exec c1 ls /proc/self/fd
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$(echo $output)" == "0 1 2" || "$(echo $output)" == "0 1 2 3" ]]
    run urun exec c1 sh -c "$LIST_FDS"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | awk '{print $1}' | tr '\n' ' ')" = "0 1 2 " ]
    # the container's init has nothing more either
    run urun exec c1 ls /proc/1/fd
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = "0 1 2" ]
}

@test "fd_leak: run --preserve-fds 2 passes exactly fds 3 and 4" {
    setup_bundle sh -c "ls /proc/self/fd; echo ---; $LIST_FDS; echo ---; cat <&3; cat <&4"
    echo one > "$BATS_TEST_TMPDIR/f3"
    echo two > "$BATS_TEST_TMPDIR/f4"
    run urun run --preserve-fds 2 c1 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$BATS_TEST_TMPDIR/f3"
    echo "$output"
    [ "$status" -eq 0 ]
    local ls_fds glob_fds
    ls_fds=$(printf '%s\n' "$output" | sed '/^---$/,$d' | tr '\n' ' ')
    [[ "$ls_fds" == "0 1 2 3 4 " || "$ls_fds" == "0 1 2 3 4 5 " ]]
    glob_fds=$(printf '%s\n' "$output" | sed -n '/^---$/,/^---$/p' | grep -v '^---$' | awk '{print $1}' | tr '\n' ' ')
    [ "$glob_fds" = "0 1 2 3 4 " ]
    [ "$(printf '%s\n' "$output" | tail -n 2 | tr '\n' ' ')" = "one two " ]
}

@test "fd_leak: run --preserve-fds 20 with none of them open passes none of urun's own" {
    # urun's descriptors that land in the range (a gap: nothing was
    # inherited there) stay close-on-exec; a bind source urun detached too
    setup_bundle sh -c "$LIST_FDS"
    local src
    src=$(make_shared_dir src)
    update_config --arg s "$src" '.mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind"]}]'
    if ! is_rootless; then
        update_config '.linux.namespaces += [{"type": "user"}]
            | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]
            | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]'
    fi
    # (bats's own descriptors closed: what is left in 3-22 is urun's)
    run urun run --preserve-fds 20 c1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- 10>&- 11>&- 12>&- 13>&- 14>&- 15>&- 16>&- 17>&- 18>&- 19>&- 20>&- 21>&- 22>&-
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | awk '{print $1}' | tr '\n' ' ')" = "0 1 2 " ]
}

@test "fd_leak: exec --preserve-fds 2 passes exactly fds 3 and 4" {
    setup_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    echo one > "$BATS_TEST_TMPDIR/f3"
    run urun exec --preserve-fds 2 c1 sh -c "$LIST_FDS" 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f3" 5<"$BATS_TEST_TMPDIR/f3"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | awk '{print $1}' | tr '\n' ' ')" = "0 1 2 3 4 " ]
}

@test "fd_leak: process.cwd /proc/self/fd/3 .. /proc/self/fd/10 never leaves the container" {
    setup_bundle sh -c "$WALK_UP"
    make_markers
    local n ran=0
    for n in 3 4 5 6 7 8 9 10; do
        update_config --arg c "/proc/self/fd/$n" '.process.cwd = $c'
        run urun run "c$n"
        echo "== cwd /proc/self/fd/$n: status $status"
        echo "$output"
        if [ "$status" -eq 0 ]; then
            ran=$((ran + 1))
            assert_inside
        fi
        # failed or not, nothing is left behind
        run urun state "c$n"
        [ "$status" -ne 0 ]
    done
    echo "ran with $ran of the 8 cwds"
}

@test "fd_leak: process.cwd /proc/self/fd/N with create + start never leaves the container" {
    setup_bundle sh -c "$WALK_UP > /tmp/walk 2>&1"
    make_markers
    local n
    for n in 3 4 5 6 7 8 9 10; do
        rm -f "$BUNDLE/rootfs/tmp/walk"
        update_config --arg c "/proc/self/fd/$n" '.process.cwd = $c'
        if urun create --bundle "$BUNDLE" "c$n" </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1; then
            urun start "c$n"
            wait_file "$BUNDLE/rootfs/tmp/walk"
            wait_status "c$n" stopped
            output=$(cat "$BUNDLE/rootfs/tmp/walk")
            echo "== cwd /proc/self/fd/$n"
            echo "$output"
            assert_inside
            urun delete "c$n"
        else
            echo "== cwd /proc/self/fd/$n refused: $(cat "$BATS_TEST_TMPDIR/create.log")"
        fi
    done
    assert_no_state
}

@test "fd_leak: exec --cwd /proc/self/fd/N never leaves the container" {
    setup_bundle sleep 1000
    make_markers
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    local n
    for n in 3 4 5 6 7 8 9 10; do
        run urun exec --cwd "/proc/self/fd/$n" c1 sh -c "$WALK_UP"
        echo "== exec --cwd /proc/self/fd/$n: status $status"
        echo "$output"
        if [ "$status" -eq 0 ]; then
            assert_inside
        fi
    done
    # the same through --process
    for n in 3 5 7 9; do
        jq -n --arg c "/proc/self/fd/$n" --arg s "$WALK_UP" \
            '{terminal: false, user: {uid: 0, gid: 0}, cwd: $c, args: ["sh", "-c", $s], env: ["PATH=/bin"]}' \
            > "$BATS_TEST_TMPDIR/process.json"
        run urun exec --process "$BATS_TEST_TMPDIR/process.json" c1
        echo "== exec --process cwd /proc/self/fd/$n: status $status"
        echo "$output"
        if [ "$status" -eq 0 ]; then
            assert_inside
        fi
    done
}
