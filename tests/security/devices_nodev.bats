#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Devices: a container reaches no device its config does not grant.  Root
# only (an unprivileged user cannot put a device node in an image, nor
# mknod one): a node of a host loop device placed in the image, and one
# made inside with CAP_MKNOD, cannot be opened; the file behind the loop
# device is unchanged.  A privileged config (allow a *:* rwm) still can.
load ../integration/helpers

setup_loop() {
    is_rootless && skip "root only: an unprivileged user cannot make device nodes"
    BACKING=$BATS_TEST_TMPDIR/backing.img
    dd if=/dev/zero of="$BACKING" bs=1k count=64 status=none
    LOOP=$(losetup -f --show "$BACKING" 2>/dev/null) || skip "no loop device available here (losetup -f failed)"
    LOOP_MAJ=$((0x$(stat -c %t "$LOOP"))); LOOP_MIN=$((0x$(stat -c %T "$LOOP")))
    SUM=$(sha256sum < "$BACKING")
}

teardown() {
    teardown_containers
    [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null || true
}

assert_backing_unchanged() {
    sync
    [ "$(sha256sum < "$BACKING")" = "$SUM" ] || { echo "the file behind $LOOP was written" >&2; return 1; }
}

@test "devices_nodev: a loop device node in the image cannot be opened for writing (default urun spec)" {
    setup_loop
    setup_bundle sh -c 'echo pwned | dd of=/loopnode conv=notrunc 2>&1; echo "dd=$?"; ls -l /loopnode'
    mknod "$BUNDLE/rootfs/loopnode" b "$LOOP_MAJ" "$LOOP_MIN"
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"dd=1"* ]]
    [[ "$output" == *"Permission denied"* || "$output" == *"Operation not permitted"* ]]
    assert_backing_unchanged
}

@test "devices_nodev: with CAP_MKNOD, a node made inside (in /tmp and in /dev) cannot be opened" {
    setup_loop
    # (one line: setup_bundle makes an argument of each line)
    setup_bundle sh -c "mknod /tmp/l b $LOOP_MAJ $LOOP_MIN && echo made-tmp; mknod /dev/l b $LOOP_MAJ $LOOP_MIN && echo made-dev; echo pwned | dd of=/tmp/l conv=notrunc 2>&1; echo \"tmp=\$?\"; echo pwned | dd of=/dev/l conv=notrunc 2>&1; echo \"dev=\$?\""
    update_config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
        | .process.capabilities.permitted += ["CAP_MKNOD"]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *made-tmp* && "$output" == *made-dev* ]]
    [[ "$output" == *"tmp=1"* && "$output" == *"dev=1"* ]]
    assert_backing_unchanged
}

@test "devices_nodev: the devices urun provides still work, and every other mount is nodev" {
    # mountinfo: field 4 is the root of the mount, field 6 its options,
    # the field after " - " the filesystem type
    setup_bundle sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/mynull | wc -c; awk '"'"'{ for (i = 7; $i != "-"; i++); t = $(i + 1) } $6 !~ /(^|,)nodev(,|$)/ && t != "devpts" && !(t == "tmpfs" && $4 ~ /^\/d[0-9]+$/) && t != "devtmpfs" { print "NOT-NODEV " $0 }'"'"' /proc/self/mountinfo'
    # rootless, a device is a bind of the host's node of that path
    if is_rootless; then
        update_config '.linux.devices = [{"path": "/dev/full", "type": "c", "major": 1, "minor": 7, "fileMode": 438}] | .process.args[2] |= sub("mynull"; "null")'
    else
        update_config '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
    fi
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 4 ]
    [ "${lines[1]}" = 0 ]
    # only the binds of urun's own nodes (made in its staging tmpfs as root,
    # the host's own nodes rootless) may allow devices
    [[ "$output" != *NOT-NODEV* ]]
}

@test "devices_nodev: a privileged config (allow a *:* rwm) can use the image's device node" {
    setup_loop
    setup_bundle sh -c 'head -c 1024 /loopnode | wc -c'
    mknod "$BUNDLE/rootfs/loopnode" b "$LOOP_MAJ" "$LOOP_MIN"
    update_config '.linux.resources.devices = [{"allow": true, "access": "rwm"}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *1024* ]]
}
