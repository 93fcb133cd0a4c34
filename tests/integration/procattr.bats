#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Per-process attributes of the config: process.scheduler, ioPriority,
# execCPUAffinity, linux.personality applied; the LSM labels refused on a
# host without that LSM; fields urun does not implement refused by name.
load helpers

# field N of /proc/self/stat of a `cat` (its comm has no space)
stat_field() { awk -v n="$1" '{ print $n }'; }

@test "process.scheduler: SCHED_BATCH with nice 5, in the container and in exec" {
    setup_bundle sleep 1000
    update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}'
    urun_run_detached c1
    [ "$(stat_field 41 < "/proc/$(container_pid c1)/stat")" = 3 ]
    run urun exec c1 cat /proc/self/stat
    echo "$output"
    [ "$status" -eq 0 ]
    # policy is field 41 (SCHED_BATCH = 3), nice field 19
    [ "$(echo "$output" | stat_field 41)" = 3 ]
    [ "$(echo "$output" | stat_field 19)" = 5 ]
    urun delete -f c1
}

@test "process.ioPriority: IOPRIO_CLASS_IDLE is the process's I/O class" {
    setup_bundle ionice
    update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = idle* ]]
}

@test "process.execCPUAffinity: the final list is the process's CPUs, exec's too" {
    setup_bundle sleep 1000
    update_config '.process.execCPUAffinity = {"initial": "0", "final": "0"}'
    urun_run_detached c1
    run urun exec c1 grep Cpus_allowed_list /proc/self/status
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = "Cpus_allowed_list:"*0 ]]
    urun delete -f c1
}

@test "linux.personality LINUX32: uname -m says a 32-bit machine" {
    [ "$(uname -m)" = x86_64 ] || skip "LINUX32 is checked on x86_64 (this is $(uname -m))"
    setup_bundle uname -m
    update_config '.linux.personality = {"domain": "LINUX32"}'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = i686 ]
}

@test "LSM labels on a host without that LSM: one error naming the field, nothing left" {
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || skip "AppArmor is enabled here"
    [ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
    setup_bundle true
    update_config '.process.apparmorProfile = "urun-test-profile"'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line process.apparmorProfile AppArmor
    update_config 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line process.selinuxLabel SELinux
    update_config 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line linux.mountLabel
    assert_no_state
    # engines write empty labels: no label
    update_config '.linux.mountLabel = "" | .process.apparmorProfile = "" | .process.selinuxLabel = ""'
    run urun run c1
    [ "$status" -eq 0 ]
}

@test "exec -p with an apparmorProfile on a host without AppArmor is refused" {
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || skip "AppArmor is enabled here"
    setup_bundle sleep 1000
    urun_run_detached c1
    echo '{"args": ["true"], "cwd": "/", "apparmorProfile": "p"}' > "$BATS_TEST_TMPDIR/p.json"
    urun_split exec -p "$BATS_TEST_TMPDIR/p.json" c1
    [ "$status" -eq 1 ]
    assert_one_error_line process.apparmorProfile
    urun delete -f c1
}

@test "fields urun does not implement are refused by name; bad values name the field" {
    setup_bundle true
    for f in '.linux.intelRdt = {"closID": "x"}' '.linux.netDevices = {"eth9": {}}' \
             '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'; do
        update_config "$f"
        urun_split run c1
        [ "$status" -eq 1 ]
        assert_one_error_line "$(echo "$f" | sed 's/ =.*//; s/^\.//')" "not supported"
        update_config 'del(.linux.intelRdt, .linux.netDevices, .linux.memoryPolicy)'
    done
    update_config '.process.scheduler = {"policy": "SCHED_ISO"}'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line process.scheduler.policy SCHED_ISO
    update_config '.process.scheduler = {"policy": "SCHED_OTHER"} | .process.execCPUAffinity = {"final": "0-"}'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line process.execCPUAffinity.final
    update_config 'del(.process.execCPUAffinity) | .linux.personality = {"domain": "LINUX64"}'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line linux.personality.domain
    assert_no_state
}

@test "exec --apparmor and --process-label on a host without those LSMs: one error naming it" {
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || skip "AppArmor is enabled here"
    [ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
    setup_bundle sleep 1000
    urun_run_detached c1
    urun_split exec --apparmor some-profile c1 true
    [ "$status" -eq 1 ]
    assert_one_error_line AppArmor
    urun_split exec --process-label system_u:system_r:container_t:s0 c1 true
    [ "$status" -eq 1 ]
    assert_one_error_line SELinux
    # an empty one is none
    run urun exec --apparmor "" c1 true
    [ "$status" -eq 0 ]
    urun delete -f c1
}
