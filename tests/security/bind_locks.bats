#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A bind mount keeps what the host's mount locks: a container root with
# CAP_SYS_ADMIN in its user namespace cannot make a read-only host mount
# writable, nor unmount a mount below the source to see what it covers.
# (The kernel locks what a less privileged mount namespace inherits; a
# copy urun detached itself would not be locked: bindsrc.c takes one only
# where there is nothing to lock.)
load ../integration/helpers

teardown() {
    teardown_containers
    if [ -n "${SRC:-}" ]; then
        umount "$SRC/hide" 2>/dev/null || true
        umount "$SRC" 2>/dev/null || true
        rm -rf "$SRC"
    fi
}

@test "bind_locks: a read-only host mount with a submount stays read-only and covered" {
    if is_rootless; then skip "root only: the host mounts are made by root"; fi
    # where the container root may reach it by path (the test's tmpdir is 0700)
    SRC=$(mktemp -d /tmp/urun-rosrc.XXXXXX)
    chmod 755 "$SRC"
    mkdir -p "$SRC/hide"
    echo orig > "$SRC/file"
    chown 100000:100000 "$SRC/file"
    echo under > "$SRC/hide/secret"
    mount --bind "$SRC" "$SRC"
    mount -o remount,bind,ro,nosuid "$SRC"
    mount -t tmpfs cover "$SRC/hide"
    setup_bundle sh -c 'mount -o remount,bind,rw /data && echo remounted; echo pwn > /data/file && echo wrote; umount /data/hide && echo unmounted; cat /data/hide/secret 2>/dev/null; echo end'
    # the bundle where uid 100000 can reach it (the test's own tmpdir is 0700)
    BUNDLE=$(mktemp -d /tmp/urun-locks.XXXXXX)
    chmod 755 "$BUNDLE"
    cp -a "$BATS_TEST_TMPDIR/bundle/." "$BUNDLE/"
    mkdir "$BUNDLE/rootfs/data"
    update_config --arg s "$SRC" '.linux.namespaces += [{"type": "user"}]
        | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        | .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
        | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]
        | .mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind"]}]'
    run urun run --bundle "$BUNDLE" c1
    rm -rf "$BUNDLE"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *remounted* ]]
    [[ "$output" != *wrote* ]]
    [[ "$output" != *unmounted* ]]
    [[ "$output" != *under* ]]
    [ "${lines[-1]}" = end ]
    [ "$(cat "$SRC/file")" = orig ]
}
