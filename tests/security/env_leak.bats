#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What the caller's process state must not carry into the container: its
# environment, its umask, its resource limits (beyond what the config says).
load ../integration/helpers

setup() {
    export FOO_SECRET=1
    export URUN_SEC_TOKEN=s3cr3t-value
}

@test "env_leak: a host environment variable is not visible in urun run" {
    setup_bundle sh -c 'env; echo ---; tr "\0" "\n" < /proc/1/environ'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *FOO_SECRET* ]]
    [[ "$output" != *s3cr3t-value* ]]
    # only what the config gives (and what sh itself sets)
    [[ "$output" == *PATH=/usr/local/sbin* ]]
}

@test "env_leak: a host environment variable is not visible in urun exec" {
    setup_bundle sleep 1000
    unset FOO_SECRET URUN_SEC_TOKEN
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    export FOO_SECRET=1 URUN_SEC_TOKEN=s3cr3t-value
    run urun exec c1 sh -c 'env; tr "\0" "\n" < /proc/self/environ'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *FOO_SECRET* ]]
    [[ "$output" != *s3cr3t-value* ]]
    # exec -e is the way in
    run urun exec -e FOO_SECRET=given c1 sh -c 'echo "$FOO_SECRET"'
    [ "$output" = given ]
}

@test "env_leak: the environment of urun create is not that of the container's start" {
    setup_bundle sh -c 'env > /tmp/env'
    unset FOO_SECRET URUN_SEC_TOKEN
    urun_create --bundle "$BUNDLE" c1
    FOO_SECRET=1 URUN_SEC_TOKEN=s3cr3t-value urun start c1
    wait_file "$BUNDLE/rootfs/tmp/env"
    wait_status c1 stopped
    cat "$BUNDLE/rootfs/tmp/env"
    if grep -q FOO_SECRET "$BUNDLE/rootfs/tmp/env"; then echo "FOO_SECRET reached the container" >&2; false; fi
    ! grep -q s3cr3t "$BUNDLE/rootfs/tmp/env"
}

@test "env_leak: umask inside is 0022 even when the caller's is 077 (run)" {
    setup_bundle sh -c 'umask; touch /tmp/f; mkdir /tmp/d; stat -c %a /tmp/f /tmp/d'
    umask 077
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = "0022 644 755" ]
}

@test "env_leak: umask inside is 0022 even when the caller's is 077 (exec)" {
    setup_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    umask 077
    run urun exec c1 sh -c umask
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = 0022 ]
}

@test "env_leak: process.user.umask is honoured (run and exec)" {
    setup_bundle sh -c 'umask; sleep 1000'
    update_config '.process.user.umask = 23'   # 0027
    umask 077
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    run urun exec c1 sh -c umask
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = 0027 ]
    # and the init itself
    [ "$(awk '/^Umask:/ {print $2}' "/proc/$(container_pid c1)/status")" = 0027 ]
}

@test "env_leak: process.user.umask with urun run in the foreground" {
    setup_bundle sh -c 'umask'
    update_config '.process.user.umask = 63'   # 0077
    umask 000
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = 0077 ]
}

@test "env_leak: RLIMIT_NOFILE from the config is honoured (run and exec)" {
    setup_bundle sh -c 'echo "$(ulimit -Sn) $(ulimit -Hn)"; sleep 1000'
    update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 321, hard: 654}]'
    # the caller's limits differ
    ulimit -Sn 200
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    run urun exec c1 sh -c 'echo "$(ulimit -Sn) $(ulimit -Hn)"; grep "open files" /proc/1/limits'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | head -n1)" = "321 654" ]
    [[ "$(printf '%s\n' "$output" | tail -n1)" == *"321"*"654"* ]]
}

@test "env_leak: an rlimit the config does not set (report only)" {
    # what a container gets for RLIMIT_CORE and RLIMIT_NPROC when the config
    # is silent: the caller's (as runc and crun do) or something else.
    # Reported, not asserted.
    setup_bundle sh -c 'echo "core=$(ulimit -Sc)/$(ulimit -Hc) nproc=$(ulimit -Su)/$(ulimit -Hu) stack=$(ulimit -Ss)"'
    local caller
    ulimit -Sc 0
    caller="core=$(ulimit -Sc)/$(ulimit -Hc) nproc=$(ulimit -Su)/$(ulimit -Hu) stack=$(ulimit -Ss)"
    run urun run c1
    [ "$status" -eq 0 ]
    echo "# caller:    $caller" >&3
    echo "# container: $output" >&3
}

@test "env_leak: an rlimit above the caller's hard limit is refused, or not granted" {
    is_rootless || skip "as root any hard limit can be raised"
    setup_bundle sh -c 'echo "$(ulimit -Hn)"'
    local hard
    hard=$(ulimit -Hn)
    update_config --argjson h "$((hard * 2))" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 64, hard: $h}]'
    urun_split run --bundle "$BUNDLE" c1
    echo "status=$status out=$out err=$err"
    if [ "$status" -eq 0 ]; then
        [ "$out" -le "$hard" ]
    else
        [[ "$err" == *RLIMIT_NOFILE* || "$err" == *rlimits* ]]
    fi
    assert_no_state
}
