#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CVE-2025-31133 and CVE-2025-52565 classes: a bind whose source or target
# comes from the image.  The image's /dev/null is a symlink to a /proc/sys
# file (with a config that does not mount its own /dev): masking /proc/keys
# must not bind that file there, and writing /proc/keys must not set the
# host's sysctl.  The image's /dev/console is such a symlink too: the pty
# must not be bound over the sysctl.
load ../integration/helpers

SYSCTL=/proc/sys/kernel/printk_ratelimit_burst

setup() {
    BEFORE=$(cat "$SYSCTL")
}

# a bundle whose config mounts no /dev of its own, and an image /dev with
# the given symlink
setup_evil_dev() {
    setup_bundle "$@"
    update_config '.mounts |= map(select(.destination != "/dev" and .destination != "/dev/pts" and .destination != "/dev/shm" and .destination != "/dev/mqueue"))'
    rm -rf "$BUNDLE/rootfs/dev"
    mkdir -p "$BUNDLE/rootfs/dev"
}

assert_sysctl_unchanged() {
    [ "$(cat "$SYSCTL")" = "$BEFORE" ] || { echo "host $SYSCTL changed to $(cat "$SYSCTL") (was $BEFORE)" >&2; echo "$BEFORE" > "$SYSCTL"; return 1; }
}

@test "masked_symlink: image /dev/null -> /proc/sys file: /proc/keys is not that file, the host sysctl is unchanged" {
    setup_evil_dev sh -c 'echo 77 > /proc/keys; grep " /proc/keys " /proc/self/mountinfo'
    ln -s "$SYSCTL" "$BUNDLE/rootfs/dev/null"
    run urun run c1
    echo "$output"
    assert_sysctl_unchanged
    # /proc/keys is masked by a mount of urun's null device, not of procfs
    [[ "$output" == *" /proc/keys "* ]]
    [[ "$output" != *" /proc/keys "*" - proc "* ]]
}

@test "masked_symlink: the mask of a file is /dev/null on a read-only mount: empty, writes go nowhere" {
    setup_bundle sh -c 'wc -c < /proc/keys; echo x > /proc/keys; wc -c < /proc/keys; grep " /proc/keys " /proc/self/mountinfo; chmod 600 /proc/keys; echo "chmod=$?"'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = 0 ]
    [[ "${lines[2]}" == *" /proc/keys ro,"* ]]
    [[ "$output" == *"chmod=1"* ]]
}

@test "masked_symlink: image /dev/console -> /proc/sys file: the pty is bound on a /dev/console of its own" {
    setup_evil_dev sh -c 'grep -c " /proc/sys/kernel/printk_ratelimit_burst " /proc/self/mountinfo; ls -l /dev/console'
    ln -s "$SYSCTL" "$BUNDLE/rootfs/dev/console"
    # a devpts for the pty, the only /dev mount
    update_config '.process.terminal = true | .mounts += [{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}]'
    ln -s pts/ptmx "$BUNDLE/rootfs/dev/ptmx"
    start_recvtty
    urun_split run --console-socket "$SOCK" c1
    echo "status=$status err=$err"
    finish_recvtty
    [ "$status" -eq 0 ]
    assert_sysctl_unchanged
    [[ "$ttyout" == 0* ]]
    [[ "$ttyout" != *"->"* ]]
}

@test "masked_symlink: image /dev/ptmx that is not a devpts ptmx is refused" {
    setup_evil_dev true
    update_config '.process.terminal = true'
    # a plain file where the ptmx should be
    : > "$BUNDLE/rootfs/dev/ptmx"
    start_recvtty
    urun_split run --console-socket "$SOCK" c1
    echo "status=$status err=$err"
    [ "$status" -eq 1 ]
    [[ "$err" == *ptmx* ]]
    assert_no_state
}
