#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# (process.args given to setup_bundle / set_args are one per line: keep
# sh -c scripts on one line.)
# Mounts: bind mounts, tmpfs, masked and read-only paths, read-only root,
# destinations that are symlinks, relative sources.
load helpers

# A host directory with a file in it, writable by whoever the container
# root is.
make_host_dir() {
    HOSTDIR=$(make_shared_dir hostdir)
    echo from-host > "$HOSTDIR/in.txt"
    chmod 666 "$HOSTDIR/in.txt"
}

@test "bind mount of a host directory, read-write" {
    make_host_dir
    setup_bundle sh -c 'cat /mnt/data/in.txt && echo from-container > /mnt/data/out.txt'
    update_config --arg s "$HOSTDIR" \
        '.mounts += [{"destination": "/mnt/data", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = from-host ]
    [ "$(cat "$HOSTDIR/out.txt")" = from-container ]
    # the destination was created inside the rootfs
    [ -d "$BUNDLE/rootfs/mnt/data" ]
}

@test "bind mount of a host directory, read-only" {
    make_host_dir
    setup_bundle sh -c 'cat /mnt/data/in.txt; echo x > /mnt/data/out.txt; echo "rc=$?"; grep " /mnt/data " /proc/self/mounts'
    update_config --arg s "$HOSTDIR" \
        '.mounts += [{"destination": "/mnt/data", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = from-host ]
    [[ "$output" = *"Read-only file system"* ]]
    [[ "$output" = *"rc=1"* ]]
    [[ "$(echo "$output" | grep ' /mnt/data ')" = *" ro,"* || "$(echo "$output" | grep ' /mnt/data ')" = *" ro "* ]]
    [ ! -e "$HOSTDIR/out.txt" ]
}

@test "bind mount of a single file" {
    make_host_dir
    setup_bundle cat /etc/hostfile
    update_config --arg s "$HOSTDIR/in.txt" \
        '.mounts += [{"destination": "/etc/hostfile", "type": "bind", "source": $s, "options": ["bind", "ro"]}]'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = from-host ]
    [ -f "$BUNDLE/rootfs/etc/hostfile" ]
}

@test "tmpfs with options: mode, size, nosuid, nodev" {
    setup_bundle sh -c 'stat -c %a /scratch; grep " /scratch " /proc/self/mounts; dd if=/dev/zero of=/scratch/big bs=1024 count=2048 2>/dev/null; echo "dd=$?"'
    update_config '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                                "options": ["nosuid", "nodev", "mode=1770", "size=1m"]}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1770 ]
    mnt=${lines[1]}
    [[ "$mnt" = "tmpfs /scratch tmpfs "* ]]
    [[ "$mnt" = *nosuid* ]]
    [[ "$mnt" = *nodev* ]]
    [[ "$mnt" = *size=1024k* ]]
    # the size limit holds
    [ "${lines[2]}" = dd=1 ]
}

@test "masked paths: files read empty, directories are empty" {
    setup_bundle sh -c 'for f in /proc/kcore /proc/keys /proc/timer_list; do if [ -e $f ]; then echo "$f:$(cat $f 2>/dev/null | wc -c)"; fi; done; echo "firmware:$(ls -A /sys/firmware | wc -l)"'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    # /proc/keys exists on every kernel with keyrings; check what is there
    [ "${#lines[@]}" -ge 2 ]
    for line in "${lines[@]}"; do
        [ "${line##*:}" = 0 ]
    done
    [ "${lines[-1]}" = firmware:0 ]
    # the host's /sys/firmware is not empty, so the mask did something
    if [ -n "$(ls -A /sys/firmware)" ]; then :; else skip "host /sys/firmware is empty"; fi
}

@test "masked paths: a path listed in maskedPaths that does not exist is ignored" {
    setup_bundle echo ok
    update_config '.linux.maskedPaths += ["/proc/no-such-file-urun"]'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = ok ]
}

@test "readonly paths: /proc/sys cannot be written" {
    setup_bundle sh -c 'echo changed > /proc/sys/kernel/hostname; echo "rc=$?"; hostname'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *"Read-only file system"* ]]
    [[ "$output" = *rc=1* ]]
    [ "${lines[-1]}" = "$(jq -r .hostname "$BUNDLE/config.json")" ]
}

@test "readonly paths: a path added to readonlyPaths is read-only" {
    make_host_dir
    setup_bundle sh -c 'echo x > /mnt/data/new; echo "rc=$?"'
    update_config --arg s "$HOSTDIR" \
        '.mounts += [{"destination": "/mnt/data", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]
         | .linux.readonlyPaths += ["/mnt/data"]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *rc=1* ]]
    [ ! -e "$HOSTDIR/new" ]
}

@test "root.readonly=true makes / read-only, /dev stays writable" {
    setup_bundle sh -c 'touch /newfile; echo "root=$?"; touch /dev/shm/x; echo "shm=$?"'
    update_config '.root.readonly = true'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *"Read-only file system"* ]]
    [[ "$output" = *root=1* ]]
    [[ "$output" = *shm=0* ]]
    [ ! -e "$BUNDLE/rootfs/newfile" ]
}

@test "root.readonly=false: / is writable and writes land in the rootfs" {
    setup_bundle sh -c 'echo hi > /newfile'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$(cat "$BUNDLE/rootfs/newfile")" = hi ]
}

@test "a mount destination that is a symlink to a host path stays inside the rootfs" {
    make_host_dir
    evil=$BATS_TEST_TMPDIR/hostdir
    setup_bundle sh -c 'ls /evil; echo pwned > /evil/pwned'
    mkdir -p "$BUNDLE/payload"
    echo payload > "$BUNDLE/payload/payload.txt"
    ln -s "$evil" "$BUNDLE/rootfs/evil"
    update_config '.mounts += [{"destination": "/evil", "type": "bind", "source": "payload", "options": ["rbind", "rw"]}]'
    before=$(ls -A "$evil")
    urun_split run c1
    echo "status=$status out=$out err=$err"
    if [ "$status" -eq 0 ]; then
        # the symlink was resolved inside the rootfs
        [[ "$out" = *payload.txt* ]]
    else
        [ "$status" -eq 1 ]
        assert_one_error_line
    fi
    # the host directory is untouched and is not a mount point
    [ "$(ls -A "$evil")" = "$before" ]
    [ ! -e "$evil/pwned" ]
    [ ! -e "$evil/payload.txt" ]
    if mountpoint -q "$evil"; then echo "$evil is a mount point" >&2; false; fi
    if grep -q " $evil " /proc/self/mountinfo; then echo "$evil is in /proc/self/mountinfo" >&2; false; fi
    assert_no_state
}

@test "a mount destination with .. does not leave the rootfs" {
    make_host_dir
    setup_bundle sh -c 'echo pwned > /x/pwned; echo done'
    # /../../../..<hostdir> is <hostdir> inside the rootfs
    update_config --arg d "/../../../../../../..$BATS_TEST_TMPDIR/hostdir" \
        '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]'
    urun_split run c1
    echo "status=$status out=$out err=$err"
    [ ! -e "$BATS_TEST_TMPDIR/hostdir/pwned" ]
    if mountpoint -q "$BATS_TEST_TMPDIR/hostdir"; then echo "the host directory is a mount point" >&2; false; fi
    [ "$(ls -A "$BATS_TEST_TMPDIR/hostdir")" = in.txt ]
}

@test "a relative mount source is resolved against the bundle" {
    setup_bundle cat /mnt/rel/file.txt
    mkdir -p "$BUNDLE/reldata"
    echo relative > "$BUNDLE/reldata/file.txt"
    update_config '.mounts += [{"destination": "/mnt/rel", "type": "bind", "source": "reldata", "options": ["rbind", "ro"]}]'
    # from another directory, with --bundle
    cd "$BATS_TEST_TMPDIR"
    run urun run --bundle "$BUNDLE" c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = relative ]
}

@test "a bind mount whose source does not exist fails and names it" {
    setup_bundle true
    update_config '.mounts += [{"destination": "/mnt/x", "type": "bind", "source": "/no/such/urun-src", "options": ["rbind"]}]'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line /no/such/urun-src
    assert_no_state
}

# Bind sources are taken with the caller's credentials (bindsrc.h): root
# binds a directory that lies under one only root may enter into a
# container whose root is another id; unprivileged, the caller has no
# credential to lend, so the container binds by path as before.
@test "root: a bind source under a directory only root may enter reaches a user-namespaced container" {
    if is_rootless; then skip "rootless: the caller lends no credential the container lacks"; fi
    local secret=$BATS_TEST_TMPDIR/secret
    # (a source on a mount with ro, nosuid, nodev or noexec is bound by path:
    # bindsrc.c; security/bind_locks.bats)
    if [[ ",$(findmnt -no OPTIONS -T "$BATS_TEST_TMPDIR")," =~ ,(ro|nosuid|nodev|noexec), ]]; then
        skip "$BATS_TEST_TMPDIR is on a mount with ro, nosuid, nodev or noexec"
    fi
    mkdir -p "$secret/pub"
    chmod 700 "$secret"
    echo hidden-path > "$secret/pub/file"
    chmod 755 "$secret/pub" && chmod 644 "$secret/pub/file"
    setup_bundle sh -c 'cat /data/file; cat /proc/self/uid_map'
    # the bundle where uid 100000 can reach it (the test's own tmpdir is 0700)
    BUNDLE=$(mktemp -d /tmp/urun-bindsrc.XXXXXX)
    chmod 755 "$BUNDLE"
    cp -a "$BATS_TEST_TMPDIR/bundle/." "$BUNDLE/"
    mkdir "$BUNDLE/rootfs/data"  # the rootfs is root's: uid 100000 could not make it
    update_config --arg s "$secret/pub" '.linux.namespaces += [{"type": "user"}]
        | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        | .mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]'
    run urun run --bundle "$BUNDLE" c1
    rm -rf "$BUNDLE"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = hidden-path ]
    [[ "${lines[1]}" =~ ^[[:space:]]*0[[:space:]]+100000[[:space:]]+65536$ ]]
}

@test "tmpcopyup: a tmpfs starts with a copy of the image directory it covers" {
    setup_bundle sh -c 'stat -f -c %T /seed; stat -c %a /seed; cat /seed/a /seed/sub/b; readlink /seed/link; stat -c %a /seed/sub/b; echo new > /seed/new && echo wrote'
    mkdir -p "$BUNDLE/rootfs/seed/sub"
    echo one > "$BUNDLE/rootfs/seed/a"
    echo two > "$BUNDLE/rootfs/seed/sub/b"
    chmod 640 "$BUNDLE/rootfs/seed/sub/b"
    chmod 750 "$BUNDLE/rootfs/seed"
    # copied as a link, never followed
    ln -s /etc/passwd "$BUNDLE/rootfs/seed/link"
    update_config '.mounts += [{"destination": "/seed", "type": "tmpfs", "source": "tmpfs",
                                "options": ["tmpcopyup", "nosuid", "size=1m"]}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = tmpfs ]
    [ "${lines[1]}" = 750 ]
    [ "${lines[2]}" = one ]
    [ "${lines[3]}" = two ]
    [ "${lines[4]}" = /etc/passwd ]
    [ "${lines[5]}" = 640 ]
    [ "${lines[6]}" = wrote ]
    # the image is untouched
    [ ! -e "$BUNDLE/rootfs/seed/new" ]
}

@test "tmpcopyup with ro: filled, then read-only" {
    setup_bundle sh -c 'cat /seed/a; echo x > /seed/b; echo "rc=$?"'
    mkdir -p "$BUNDLE/rootfs/seed"
    echo one > "$BUNDLE/rootfs/seed/a"
    update_config '.mounts += [{"destination": "/seed", "type": "tmpfs", "source": "tmpfs",
                                "options": ["tmpcopyup", "ro", "mode=755"]}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = one ]
    [[ "$output" = *"Read-only file system"* ]]
    [[ "$output" = *"rc=1"* ]]
}

@test "tmpcopyup on a bind mount is refused, naming the field" {
    setup_bundle true
    update_config '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["rbind", "tmpcopyup"]}]'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line 'tmpcopyup'
    [[ "$err" = *"mounts["*"].options"* ]]
    assert_no_state
}

@test "root: tmpcopyup in a user namespace gives no set-id bit to a file of an owner it does not map" {
    if is_rootless; then skip "rootless: every file of the image has a mapped owner"; fi
    setup_bundle sh -c 'stat -c "%a %u" /seed/e /seed/mine'
    BUNDLE=$(mktemp -d /tmp/urun-copyup.XXXXXX)
    chmod 755 "$BUNDLE"
    cp -a "$BATS_TEST_TMPDIR/bundle/." "$BUNDLE/"
    mkdir -p "$BUNDLE/rootfs/seed"
    cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/seed/e"
    chmod 4755 "$BUNDLE/rootfs/seed/e"  # host root's: unmapped below
    cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/seed/mine"
    chown 100005:100005 "$BUNDLE/rootfs/seed/mine"
    chmod 4755 "$BUNDLE/rootfs/seed/mine"  # the container's uid 5: its own
    update_config '.linux.namespaces += [{"type": "user"}]
        | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        | .mounts += [{"destination": "/seed", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]'
    run urun run --bundle "$BUNDLE" c1
    rm -rf "$BUNDLE"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "755 0" ]
    [ "${lines[1]}" = "4755 5" ]
}

@test "tmpcopyup over a directory a symlink of the image leads into /proc is refused" {
    setup_bundle true
    rm -rf "$BUNDLE/rootfs/seed"
    ln -s /proc/sys/kernel/random "$BUNDLE/rootfs/seed"
    update_config '.mounts += [{"destination": "/seed", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line "tmpcopyup" "procfs"
    assert_no_state
}

@test "the host's root is gone before the program runs: one mount at /, the rootfs, and no process of urun's inside" {
    setup_bundle sh -c 'cut -d" " -f4,5 /proc/self/mountinfo | grep " /$"; cat /proc/[0-9]*/comm | sort -u | tr "\n" " "'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    # field 4 is where the mount's root is in its filesystem: the rootfs
    [[ "${lines[0]}" == */bundle/rootfs" /" ]]
    # the old root's detach (a process of urun's own) ended before exec
    [[ " ${lines[1]}" != *" urun "* ]]
    [[ " ${lines[1]}" == *" sh "* ]]
}
