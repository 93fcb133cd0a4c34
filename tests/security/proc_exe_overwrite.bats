#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CVE-2019-5736: a process inside the container overwrites the runtime's
# binary through /proc/PID/exe while a runtime process (the waiting init of
# a created container, or a `urun exec` on its way in) is visible in the
# container's pid namespace.
#
# The attack runs against a copy of urun owned by the calling user (so that
# container root -- the user itself when rootless -- could write it if the
# runtime let it reach the file); both that copy and $URUN must be unchanged.
load ../integration/helpers

setup_file() {
    export URUN_ORIG=$URUN
    export URUN_ORIG_SUM
    URUN_ORIG_SUM=$(sha256sum < "$URUN_ORIG")
    # a copy the container's root could write if it could reach it
    export URUN_COPY=$BATS_FILE_TMPDIR/urun
    cp "$URUN_ORIG" "$URUN_COPY"
    chmod 0755 "$URUN_COPY"
    export URUN_COPY_SUM
    URUN_COPY_SUM=$(sha256sum < "$URUN_COPY")
}

setup() {
    URUN=$URUN_COPY
}

# The attack, as a script in the rootfs: for every pid given (or every pid
# visible when given none), try to open /proc/PID/exe for writing, and try
# the O_PATH-style trick: open it for reading, then reopen for writing
# through /proc/self/fd.  Prints "TRY ..." for every non-busybox process
# attacked, "WROTE ..." for every write that worked, "READ-OPEN ..." for
# every exe it could open.
write_attack_script() {
    cat > "$BUNDLE/rootfs/attack.sh" <<'EOF'
#!/bin/sh
try() {
    d=/proc/$1
    [ "$1" = "$$" ] && return
    t=$(readlink "$d/exe" 2>/dev/null)
    case "$t" in /bin/busybox|/bin/busybox" (deleted)") return ;; esac
    echo "TRY $d/exe ($t)"
    if ( printf pwn >> "$d/exe" ) 2>/dev/null; then echo "WROTE $d/exe ($t)"; fi
    ( exec 4< "$d/exe" || exit 1
      echo "READ-OPEN $d/exe ($t)"
      if ( printf pwn >> /proc/self/fd/4 ) 2>/dev/null; then echo "WROTE fd-of $d/exe ($t)"; fi ) 2>/dev/null
}
if [ $# -gt 0 ]; then
    for p in "$@"; do try "$p"; done
else
    for d in /proc/[0-9]*; do try "${d#/proc/}"; done
fi
exit 0
EOF
    chmod 755 "$BUNDLE/rootfs/attack.sh"
}

# Rootless with a urun binary the user can write (this file's copy), the
# waiting init is non-dumpable, so an unprivileged `urun exec` cannot reach
# its namespaces before start: urun refuses, saying why.  Checks that and
# returns 0 (the caller then ends the test); returns 1 as root.
created_exec_refused_rootless() {
    is_rootless || return 1
    run urun exec c1 sh -c '/attack.sh 1'
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"protected until \`urun start\`"* ]]
    assert_binaries_unchanged
}

assert_binaries_unchanged() {
    [ "$(sha256sum < "$URUN_COPY")" = "$URUN_COPY_SUM" ] || { echo "the urun copy was modified" >&2; return 1; }
    [ "$(sha256sum < "$URUN_ORIG")" = "$URUN_ORIG_SUM" ] || { echo "\$URUN was modified" >&2; return 1; }
}

@test "proc_exe_overwrite: created container: /proc/1/exe (urun's waiting init) cannot be written" {
    setup_bundle sleep 1000
    write_attack_script
    urun_create --bundle "$BUNDLE" c1
    if created_exec_refused_rootless; then return 0; fi
    # pid 1 is still urun: attack it from a process exec'd into the created container
    run urun exec c1 sh -c 'echo "pid1: $(cat /proc/1/comm)"; /attack.sh 1'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"pid1: urun"* ]]
    [[ "$output" != *WROTE* ]]
    assert_binaries_unchanged
}

@test "proc_exe_overwrite: created container: every visible process's exe, direct and via /proc/self/fd" {
    setup_bundle sleep 1000
    write_attack_script
    urun_create --bundle "$BUNDLE" c1
    if created_exec_refused_rootless; then return 0; fi
    run urun exec c1 /attack.sh
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *WROTE* ]]
    assert_binaries_unchanged
}

@test "proc_exe_overwrite: fd to /proc/1/exe held across start, written after init execs the user program" {
    setup_bundle sleep 1000
    write_attack_script
    urun_create --bundle "$BUNDLE" c1
    if created_exec_refused_rootless; then return 0; fi
    # the holder opens pid 1's exe while pid 1 is urun, waits for the start,
    # then writes through its descriptor (the original exploit's sequence)
    urun exec -d c1 sh -c '
        if command exec 4</proc/1/exe 2>/dev/null; then echo held > /tmp/held; else echo refused > /tmp/held; fi
        i=0
        while [ "$(cat /proc/1/comm)" = urun ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
        if [ -e /proc/self/fd/4 ] && ( printf pwn >> /proc/self/fd/4 ) 2>/dev/null; then r=WROTE; else r=failed; fi
        echo "$r" > /tmp/result' </dev/null >/dev/null 2>&1
    wait_file "$BUNDLE/rootfs/tmp/held"
    urun start c1
    wait_file "$BUNDLE/rootfs/tmp/result"
    echo "held: $(cat "$BUNDLE/rootfs/tmp/held") result: $(cat "$BUNDLE/rootfs/tmp/result")"
    [ "$(cat "$BUNDLE/rootfs/tmp/result")" = failed ]
    assert_binaries_unchanged
}

@test "proc_exe_overwrite: running container: processes of concurrent urun exec cannot be written" {
    # init scans the container's pids over and over while the test runs
    # `urun exec` repeatedly; each exec'd process is urun until it execve()s
    setup_bundle sh -c 'i=0; while [ ! -e /tmp/stop ] && [ $i -lt 400 ]; do /attack.sh >> /tmp/attack.log; i=$((i+1)); done; echo finished >> /tmp/attack.log; sleep 1000'
    write_attack_script
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    local i
    for i in $(seq 1 25); do
        urun exec c1 true
        urun exec c1 sh -c 'echo "self: $(cat /proc/self/comm) ppid=$PPID"; [ "$PPID" = 0 ] || /attack.sh "$PPID"' >> "$BATS_TEST_TMPDIR/exec.log" 2>&1
    done
    touch "$BUNDLE/rootfs/tmp/stop"
    wait_file "$BUNDLE/rootfs/tmp/attack.log"
    for i in $(seq 1 100); do grep -q finished "$BUNDLE/rootfs/tmp/attack.log" && break; sleep 0.05; done
    cat "$BATS_TEST_TMPDIR/exec.log"
    grep -v '^READ-OPEN' "$BUNDLE/rootfs/tmp/attack.log" | sort | uniq -c || true
    echo "# attacker tried $(grep -c '^TRY' "$BUNDLE/rootfs/tmp/attack.log") exe links of non-busybox processes" >&3
    if grep -q WROTE "$BUNDLE/rootfs/tmp/attack.log"; then echo "the attacker wrote an exe (attack.log)" >&2; false; fi
    if grep -q WROTE "$BATS_TEST_TMPDIR/exec.log"; then echo "the attacker wrote an exe (exec.log)" >&2; false; fi
    assert_binaries_unchanged
}

@test "proc_exe_overwrite: exec'd process cannot write its own exe before execve (exe of pid via /proc/self)" {
    setup_bundle sleep 1000
    write_attack_script
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    # the exec'd process attacks its parent if visible, then every visible pid
    run urun exec c1 sh -c '[ "$PPID" = 0 ] || /attack.sh "$PPID"; /attack.sh'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *WROTE* ]]
    assert_binaries_unchanged
}

# Every capability set gets CAP_SYS_PTRACE: non-dumpable is no protection
# against it; what the container can open must not be writable.
add_ptrace_cap() {
    update_config '.process.capabilities.bounding += ["CAP_SYS_PTRACE"] | .process.capabilities.effective += ["CAP_SYS_PTRACE"]
        | .process.capabilities.permitted += ["CAP_SYS_PTRACE"] | .process.capabilities.inheritable += ["CAP_SYS_PTRACE"]'
}

@test "proc_exe_overwrite: with CAP_SYS_PTRACE, /proc/1/exe of the waiting init held across start cannot be written" {
    setup_bundle sleep 1000
    add_ptrace_cap
    write_attack_script
    urun_create --bundle "$BUNDLE" c1
    if created_exec_refused_rootless; then return 0; fi
    urun exec -d c1 sh -c '
        if command exec 4</proc/1/exe 2>/dev/null; then echo held > /tmp/held; else echo refused > /tmp/held; fi
        i=0
        while [ "$(cat /proc/1/comm)" = urun ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
        if [ -e /proc/self/fd/4 ] && ( printf pwn >> /proc/self/fd/4 ) 2>/dev/null; then r=WROTE; else r=failed; fi
        echo "$r" > /tmp/result' </dev/null >/dev/null 2>&1
    wait_file "$BUNDLE/rootfs/tmp/held"
    urun start c1
    wait_file "$BUNDLE/rootfs/tmp/result"
    echo "held: $(cat "$BUNDLE/rootfs/tmp/held") result: $(cat "$BUNDLE/rootfs/tmp/result")"
    [ "$(cat "$BUNDLE/rootfs/tmp/result")" = failed ]
    assert_binaries_unchanged
}

@test "proc_exe_overwrite: with CAP_SYS_PTRACE, the exe of every urun process in the container cannot be written" {
    setup_bundle sh -c 'i=0; while [ ! -e /tmp/stop ] && [ $i -lt 400 ]; do /attack.sh >> /tmp/attack.log; i=$((i+1)); done; echo finished >> /tmp/attack.log; sleep 1000'
    add_ptrace_cap
    write_attack_script
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    local i
    for i in $(seq 1 25); do
        urun exec c1 sh -c '[ "$PPID" = 0 ] || /attack.sh "$PPID"' >> "$BATS_TEST_TMPDIR/exec.log" 2>&1
    done
    touch "$BUNDLE/rootfs/tmp/stop"
    for i in $(seq 1 100); do grep -q finished "$BUNDLE/rootfs/tmp/attack.log" 2>/dev/null && break; sleep 0.05; done
    cat "$BATS_TEST_TMPDIR/exec.log"
    if grep -q WROTE "$BUNDLE/rootfs/tmp/attack.log" "$BATS_TEST_TMPDIR/exec.log"; then
        echo "an exe was written" >&2
        false
    fi
    assert_binaries_unchanged
}

@test "proc_exe_overwrite: as root, urun's processes run from a sealed copy of the binary" {
    is_rootless && skip "rootless, urun's processes are out of the container's reach without a copy (see selfexe.h)"
    setup_bundle sleep 1000
    urun_create --bundle "$BUNDLE" c1
    pid=$(container_pid c1)
    readlink "/proc/$pid/exe"
    [[ "$(readlink "/proc/$pid/exe")" == /memfd:urun* ]]
}
