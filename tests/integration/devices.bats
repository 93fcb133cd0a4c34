#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The /dev of a container: default devices, links, linux.devices, devpts.
load helpers

@test "default devices exist with the right numbers" {
    setup_bundle sh -c 'for d in null zero full random urandom tty; do echo "$d $(stat -c "%F %t:%T" /dev/$d)"; done'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "null character special file 1:3" ]
    [ "${lines[1]}" = "zero character special file 1:5" ]
    [ "${lines[2]}" = "full character special file 1:7" ]
    [ "${lines[3]}" = "random character special file 1:8" ]
    [ "${lines[4]}" = "urandom character special file 1:9" ]
    [ "${lines[5]}" = "tty character special file 5:0" ]
}

@test "/dev/null, /dev/zero, /dev/urandom, /dev/full work" {
    setup_bundle sh -c 'echo x > /dev/null && echo "null=$(cat /dev/null | wc -c)"; echo "zero=$(head -c 16 /dev/zero | od -An -tx1 | tr -d " \n")"; echo "urandom=$(head -c 16 /dev/urandom | wc -c)"; echo x > /dev/full; echo "full=$?"'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *null=0* ]]
    [[ "$output" = *zero=00000000000000000000000000000000* ]]
    [[ "$output" = *urandom=16* ]]
    [[ "$output" = *"No space left on device"* ]]
    [[ "$output" = *full=1* ]]
}

@test "/dev/tty without a terminal: exists, opening it fails (no controlling tty)" {
    setup_bundle sh -c '[ -c /dev/tty ] && echo present; echo x > /dev/tty; echo "rc=$?"'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = present ]
    [[ "$output" = *rc=1* ]]
}

@test "/dev/fd and /dev/std{in,out,err} links" {
    setup_bundle sh -c 'for l in fd stdin stdout stderr; do readlink /dev/$l; done; echo via-stdout > /dev/stdout'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = /proc/self/fd ]
    [ "${lines[1]}" = /proc/self/fd/0 ]
    [ "${lines[2]}" = /proc/self/fd/1 ]
    [ "${lines[3]}" = /proc/self/fd/2 ]
    [ "${lines[4]}" = via-stdout ]
}

@test "host devices that are not configured are absent" {
    setup_bundle sh -c 'ls /dev'
    run urun run c1
    [ "$status" -eq 0 ]
    for d in mem kmem port sda vda loop0 kmsg; do
        if echo "$output" | grep -qx "$d"; then echo "/dev/$d is present" >&2; return 1; fi
    done
}

@test "linux.devices: a configured host device (/dev/kmsg, 1:11) appears" {
    [ -c /dev/kmsg ] || skip "host without /dev/kmsg"
    setup_bundle sh -c 'stat -c "%F %t:%T" /dev/kmsg'
    update_config '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 292, "uid": 0, "gid": 0}]'
    if ! is_rootless; then
        update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "r"}]'
    fi
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "character special file 1:b" ]
}

@test "linux.devices: rootless, a device with no host node of that path fails clearly" {
    is_rootless || skip "as root devices are made with mknod(2)"
    setup_bundle true
    update_config '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line /dev/mynull
    assert_no_state
}

@test "linux.devices: a char device 1:3 named /dev/mynull works" {
    is_rootless && skip "rootless: devices are bind mounts of the host node of the same path, and the host has no /dev/mynull"
    setup_bundle sh -c 'stat -c "%F %t:%T" /dev/mynull; echo discard > /dev/mynull && echo "read=$(cat /dev/mynull | wc -c)"'
    update_config '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 0, "gid": 0}]'
    if ! is_rootless; then
        update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
    fi
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "character special file 1:3" ]
    [ "${lines[1]}" = read=0 ]
}

@test "linux.devices: fileMode, uid and gid are applied (root)" {
    is_rootless && skip "rootless: devices are bind mounts of the host's, which keep the host's mode and owner"
    setup_bundle stat -c '%a %u %g' /dev/mynull
    update_config '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 416, "uid": 1000, "gid": 1000}]
        | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "640 1000 1000" ]
}

@test "linux.devices in a subdirectory of /dev" {
    is_rootless && skip "rootless: devices are bind mounts of the host node of the same path, and the host has no /dev/sub/dir/zero2"
    setup_bundle stat -c '%F %t:%T' /dev/sub/dir/zero2
    update_config '.linux.devices = [{"path": "/dev/sub/dir/zero2", "type": "c", "major": 1, "minor": 5, "fileMode": 438}]'
    if ! is_rootless; then
        update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm"}]'
    fi
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "character special file 1:5" ]
}

@test "/dev/pts is a new devpts instance and /dev/ptmx reaches it" {
    setup_bundle sh -c 'grep " /dev/pts " /proc/self/mounts; ls -A /dev/pts; if [ -L /dev/ptmx ]; then echo "ptmx->$(readlink /dev/ptmx)"; else echo "ptmx $(stat -c "%F %t:%T" /dev/ptmx)"; fi'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" = "devpts /dev/pts devpts "* ]]
    [[ "${lines[0]}" = *ptmxmode=666* ]]
    # a new instance: only ptmx, no pty of the host
    [ "${lines[1]}" = ptmx ]
    [ "${lines[2]}" = "ptmx->pts/ptmx" ] || [ "${lines[2]}" = "ptmx->/dev/pts/ptmx" ] || [ "${lines[2]}" = "ptmx character special file 5:2" ]
}

@test "/dev/shm and /dev/mqueue are mounted" {
    setup_bundle sh -c 'echo x > /dev/shm/f && cat /dev/shm/f; grep -c " /dev/mqueue mqueue " /proc/self/mounts'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = x ]
    [ "${lines[1]}" = 1 ]
}
