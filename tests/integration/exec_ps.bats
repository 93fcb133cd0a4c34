#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# urun exec and urun ps against a running container.
load helpers

# A running container c1 whose init is `sleep 1000`.
start_c1() {
    setup_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
}

@test "exec: runs a command as container root" {
    start_c1
    run urun exec c1 id -u
    [ "$status" -eq 0 ]
    [ "$output" = 0 ]
}

@test "exec: returns the exit code of the process" {
    start_c1
    run urun exec c1 sh -c 'exit 5'
    [ "$status" -eq 5 ]
    # the container is still running afterwards
    [ "$(urun state c1 | jq -r .status)" = running ]
}

@test "exec: death by signal gives 128+N" {
    start_c1
    run urun exec c1 sh -c 'kill -9 $$'
    [ "$status" -eq 137 ]
}

@test "exec: -e sets an environment variable" {
    start_c1
    run urun exec -e FOO=bar -e BAZ=two c1 sh -c 'echo "$FOO-$BAZ"'
    [ "$status" -eq 0 ]
    [ "$output" = bar-two ]
}

@test "exec: --cwd sets the working directory" {
    start_c1
    run urun exec --cwd /tmp c1 pwd
    [ "$status" -eq 0 ]
    [ "$output" = /tmp ]
}

@test "exec: -u UID:GID sets the user and group" {
    start_c1
    run urun exec -u 1000:1000 c1 sh -c 'echo "$(id -u) $(id -g)"'
    [ "$status" -eq 0 ]
    [ "$output" = "1000 1000" ]
    run urun exec -u 65534 c1 id -u
    [ "$status" -eq 0 ]
    [ "$output" = 65534 ]
}

@test "exec: --process FILE describes the process" {
    start_c1
    cat > "$BATS_TEST_TMPDIR/process.json" <<'JSON'
{
  "terminal": false,
  "user": { "uid": 1000, "gid": 1000 },
  "args": ["sh", "-c", "echo \"from-process $X $(pwd) $(id -u)\""],
  "env": ["PATH=/bin", "X=42"],
  "cwd": "/tmp",
  "capabilities": { "bounding": ["CAP_KILL"] }
}
JSON
    run urun exec --process "$BATS_TEST_TMPDIR/process.json" c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "from-process 42 /tmp 1000" ]
}

@test "exec: --process FILE for a non-root user without capabilities" {
    start_c1
    cat > "$BATS_TEST_TMPDIR/process.json" <<'JSON'
{
  "user": { "uid": 1000, "gid": 1000 },
  "args": ["sh", "-c", "id -u; grep CapBnd /proc/self/status"],
  "env": ["PATH=/bin"],
  "cwd": "/"
}
JSON
    run urun exec --process "$BATS_TEST_TMPDIR/process.json" c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1000 ]
    [[ "${lines[1]}" = *0000000000000000 ]]
}

@test "exec: -d with --pid-file leaves the process running" {
    start_c1
    urun exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" c1 sleep 777 </dev/null >/dev/null 2>&1
    [ -s "$BATS_TEST_TMPDIR/exec.pid" ]
    pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
    [[ "$pid" =~ ^[0-9]+$ ]]
    kill -0 "$pid"
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'sleep 777'
    # it is in the container's pid namespace, not the host's
    init=$(container_pid c1)
    [ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$init/ns/pid")" ]
}

@test "ps: lists the init and an exec'd process" {
    start_c1
    urun exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" c1 sleep 778 </dev/null >/dev/null 2>&1
    init=$(container_pid c1)
    pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
    run urun ps c1
    [ "$status" -eq 0 ]
    echo "$output"
    # a header and one row per process
    [ "$(echo "$output" | wc -l)" -ge 3 ]
    echo "$output" | grep -Eq "(^|[^0-9])$init([^0-9]|$)"
    echo "$output" | grep -Eq "(^|[^0-9])$pid([^0-9]|$)"
    echo "$output" | grep -q 'sleep 778'
}

@test "ps --format json: a JSON array of ints holding every process" {
    start_c1
    urun exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" c1 sleep 779 </dev/null >/dev/null 2>&1
    init=$(container_pid c1)
    pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
    run urun ps --format json c1
    [ "$status" -eq 0 ]
    echo "$output"
    assert_json 'type == "array" and length >= 2 and all(.[]; type == "number" and . == floor)'
    assert_json "index($init) != null"
    assert_json "index($pid) != null"
}

@test "exec into a stopped container fails" {
    setup_bundle true
    urun_create --bundle "$BUNDLE" c1
    urun start c1
    wait_status c1 stopped
    urun_split exec c1 echo hi
    [ "$status" -eq 1 ]
    [ -z "$out" ]
    assert_one_error_line
}

@test "exec into a container that does not exist fails" {
    urun_split exec nosuch echo hi
    [ "$status" -eq 1 ]
    assert_one_error_line nosuch
}

@test "exec --preserve-fds passes fd 3 to the process" {
    start_c1
    echo through-fd-3 > "$BATS_TEST_TMPDIR/fd3.txt"
    run urun exec --preserve-fds 1 c1 sh -c 'cat <&3' 3<"$BATS_TEST_TMPDIR/fd3.txt"
    [ "$status" -eq 0 ]
    [ "$output" = through-fd-3 ]
}

@test "run --preserve-fds passes fd 3; without it fd 3 is closed" {
    setup_bundle sh -c 'cat <&3'
    echo through-fd-3 > "$BATS_TEST_TMPDIR/fd3.txt"
    run urun run --preserve-fds 1 c1 3<"$BATS_TEST_TMPDIR/fd3.txt"
    [ "$status" -eq 0 ]
    [ "$output" = through-fd-3 ]
    run urun run c2 3<"$BATS_TEST_TMPDIR/fd3.txt"
    [ "$status" -ne 0 ]
    [[ "$output" != *through-fd-3* ]]
}

@test "exec: the process joins every namespace of the container" {
    start_c1
    init=$(container_pid c1)
    run urun exec c1 sh -c 'for n in ipc mnt net pid uts cgroup user; do [ -e /proc/self/ns/$n ] && readlink /proc/self/ns/$n; done'
    [ "$status" -eq 0 ]
    for l in "${lines[@]}"; do
        n=${l%%:*}
        [ "$n" = mnt ] || [ "$n" = ipc ] || [ "$n" = net ] || [ "$n" = pid ] || [ "$n" = uts ] || [ "$n" = cgroup ] || [ "$n" = user ]
        [ "$l" = "$(readlink "/proc/$init/ns/$n")" ]
    done
}
