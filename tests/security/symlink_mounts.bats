#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CVE-2021-30465 and CVE-2019-19921: mount destinations that are symlinks in
# the rootfs (which the image controls) pointing out of it.  Whatever urun
# does (refuse, or resolve the link inside the rootfs), nothing on the host
# may be mounted over, created or changed.
load ../integration/helpers

setup() {
    HOSTDIR=$BATS_TEST_TMPDIR/HOSTDIR
    mkdir -p "$HOSTDIR"
    echo original > "$HOSTDIR/marker"
    awk '{print $5}' /proc/self/mountinfo | sort > "$BATS_TEST_TMPDIR/mounts.before"
}

# Add a mount to the config: add_mount TYPE SOURCE DESTINATION [OPTION...]
add_mount() {
    local type=$1 source=$2 dest=$3 opts
    shift 3
    opts=$(printf '%s\n' "$@" | jq -R . | jq -s 'map(select(. != ""))')
    update_config --arg t "$type" --arg s "$source" --arg d "$dest" --argjson o "$opts" \
        '.mounts += [{type: $t, source: $s, destination: $d, options: $o}]'
}

# Start the container detached; $started is 1 if urun accepted it.  A
# refusal must leave no state.
try_start() {
    started=0
    if urun run -d --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/run.log" 2>&1; then
        started=1
        wait_status c1 running
    else
        echo "urun refused: $(cat "$BATS_TEST_TMPDIR/run.log")"
        assert_no_state
    fi
}

# The host: $HOSTDIR holds exactly its marker, unchanged, and is no mount
# point; no mount point appeared outside the bundle.
assert_host_untouched() {
    local new
    if [ "$(ls -A "$HOSTDIR")" != marker ]; then
        echo "host directory changed: $(ls -A "$HOSTDIR")" >&2
        return 1
    fi
    [ "$(cat "$HOSTDIR/marker")" = original ]
    if mountpoint -q "$HOSTDIR"; then
        echo "host directory is a mount point" >&2
        return 1
    fi
    awk '{print $5}' /proc/self/mountinfo | sort > "$BATS_TEST_TMPDIR/mounts.after"
    new=$(comm -13 "$BATS_TEST_TMPDIR/mounts.before" "$BATS_TEST_TMPDIR/mounts.after" | grep -v "^$BUNDLE/" || true)
    if [ -n "$new" ]; then
        echo "new mounts on the host: $new" >&2
        return 1
    fi
}

# When urun accepted the container, the mount is inside it: the container
# sees a mount at the link's target taken inside its root ($1), and the
# host's marker is not visible there.
assert_mounted_inside() {
    local resolved=$1 fstype=$2
    [ "$started" = 1 ] || return 0
    run urun exec c1 sh -c "grep ' $resolved ' /proc/self/mountinfo; ls -a '$resolved'"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *" $resolved "*" - $fstype "* ]]
    [[ "$output" != *marker* ]]
}

@test "symlink_mounts: tmpfs on an absolute symlink to a host directory" {
    setup_bundle sleep 1000
    ln -s "$HOSTDIR" "$BUNDLE/rootfs/evil"
    add_mount tmpfs tmpfs /evil
    try_start
    assert_mounted_inside "$HOSTDIR" tmpfs
    if [ "$started" = 1 ]; then urun exec c1 sh -c 'echo new > /evil/created_in_container'; fi
    assert_host_untouched
}

@test "symlink_mounts: bind mount on an absolute symlink to a host directory" {
    setup_bundle sleep 1000
    mkdir "$BATS_TEST_TMPDIR/src"
    echo from-src > "$BATS_TEST_TMPDIR/src/srcfile"
    ln -s "$HOSTDIR" "$BUNDLE/rootfs/evil"
    add_mount bind "$BATS_TEST_TMPDIR/src" /evil bind
    try_start
    if [ "$started" = 1 ]; then
        run urun exec c1 sh -c "cat $HOSTDIR/srcfile; ls -a $HOSTDIR"
        echo "$output"
        [[ "$output" == *from-src* ]]
        [[ "$output" != *marker* ]]
    fi
    assert_host_untouched
}

@test "symlink_mounts: tmpfs on a relative ../../.. symlink climbing out of the rootfs" {
    setup_bundle sleep 1000
    ln -s "../../../../../../../../../../../../..$HOSTDIR" "$BUNDLE/rootfs/evil"
    # the link does reach the host directory when followed on the host
    [ -e "$BUNDLE/rootfs/evil/marker" ]
    add_mount tmpfs tmpfs /evil
    try_start
    assert_mounted_inside "$HOSTDIR" tmpfs
    assert_host_untouched
}

@test "symlink_mounts: tmpfs through a chain of several links (relative and absolute)" {
    setup_bundle sleep 1000
    mkdir -p "$BUNDLE/rootfs/sub/deeper"
    ln -s l2 "$BUNDLE/rootfs/l1"
    ln -s sub/deeper/l3 "$BUNDLE/rootfs/l2"
    ln -s "../../../../../../../../../../../../../..$HOSTDIR" "$BUNDLE/rootfs/sub/deeper/l3"
    [ -e "$BUNDLE/rootfs/l1/marker" ]
    add_mount tmpfs tmpfs /l1
    try_start
    assert_mounted_inside "$HOSTDIR" tmpfs
    assert_host_untouched
}

@test "symlink_mounts: a mount through a link in a parent component (/evil/sub)" {
    setup_bundle sleep 1000
    mkdir "$HOSTDIR/sub"
    echo original > "$HOSTDIR/sub/keep"
    ln -s "../../../../../../../../../../../../..$HOSTDIR" "$BUNDLE/rootfs/evil"
    add_mount tmpfs tmpfs /evil/sub
    try_start
    [ "$(ls -A "$HOSTDIR/sub")" = keep ]
    if mountpoint -q "$HOSTDIR/sub"; then echo "$HOSTDIR/sub is a mount point" >&2; false; fi
    rm -r "$HOSTDIR/sub"
    assert_host_untouched
}

@test "symlink_mounts: dangling links to a host path: nothing is created on the host" {
    setup_bundle sleep 1000
    ln -s "$HOSTDIR/newdir" "$BUNDLE/rootfs/evil_dir"
    ln -s "../../../../../../../../../../../../..$HOSTDIR/newdir2" "$BUNDLE/rootfs/evil_dir2"
    ln -s "$HOSTDIR/newfile" "$BUNDLE/rootfs/evil_file"
    echo from-src > "$BATS_TEST_TMPDIR/srcfile"
    add_mount tmpfs tmpfs /evil_dir
    add_mount tmpfs tmpfs /evil_dir2
    add_mount bind "$BATS_TEST_TMPDIR/srcfile" /evil_file bind
    try_start
    if [ "$started" = 1 ]; then
        run urun exec c1 cat "$HOSTDIR/newfile"
        echo "$output"
        [ "$output" = from-src ]
    fi
    assert_host_untouched
}

@test "symlink_mounts: a destination with .. components stays in the rootfs" {
    setup_bundle sleep 1000
    add_mount tmpfs tmpfs "/../../../../../../../../../../../..$HOSTDIR"
    try_start
    assert_mounted_inside "$HOSTDIR" tmpfs
    assert_host_untouched
}

@test "symlink_mounts: rootfs/proc a symlink to /etc: refused or mounted inside, host /etc not covered" {
    setup_bundle sleep 1000
    local etc_before
    etc_before=$(ls -A /etc | sort)
    rmdir "$BUNDLE/rootfs/proc"
    ln -s /etc "$BUNDLE/rootfs/proc"
    try_start
    if [ "$started" = 1 ]; then
        # procfs is where the container looks for it (the link, resolved in
        # the rootfs, puts it over the container's own /etc)
        run urun exec c1 cat /proc/self/comm
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = cat ]
    fi
    if grep -q ' /etc ' /proc/self/mountinfo; then echo "something is mounted on the host's /etc" >&2; false; fi
    [ "$(ls -A /etc | sort)" = "$etc_before" ]
    [ ! -e /etc/self ]
    [ "$(head -n1 "$BUNDLE/rootfs/etc/passwd")" = "root:x:0:0:root:/root:/bin/sh" ]
    assert_host_untouched
}

@test "symlink_mounts: rootfs/proc a symlink to ../../.. : refused or mounted inside" {
    setup_bundle sleep 1000
    rmdir "$BUNDLE/rootfs/proc"
    ln -s ../../.. "$BUNDLE/rootfs/proc"
    try_start
    if [ "$started" = 1 ]; then
        run urun exec c1 cat /proc/self/comm
        echo "$output"
    fi
    # nothing mounted over the bundle's parents or the host's root: no procfs
    # whose mount point (field 5 of mountinfo) is one of them
    if awk -v a="$BATS_TEST_TMPDIR" -v b="$(dirname "$BATS_TEST_TMPDIR")" '
        { for (i = 7; i <= NF && $i != "-"; i++) ; }
        $(i + 1) == "proc" && ($5 == a || $5 == b || $5 == "/")' /proc/self/mountinfo | grep .; then
        echo "procfs mounted over the bundle's parents or the host's root (above)" >&2
        false
    fi
    [ -d "$BUNDLE/rootfs/bin" ]
    assert_host_untouched
}

@test "symlink_mounts: rootfs/proc a symlink to a host directory" {
    setup_bundle sleep 1000
    rmdir "$BUNDLE/rootfs/proc"
    ln -s "../../../../../../../../../../../../..$HOSTDIR" "$BUNDLE/rootfs/proc"
    try_start
    assert_host_untouched
}

@test "symlink_mounts: rootfs/sys a symlink to a host directory (read-only sysfs)" {
    setup_bundle sleep 1000
    rmdir "$BUNDLE/rootfs/sys"
    ln -s "$HOSTDIR" "$BUNDLE/rootfs/sys"
    try_start
    assert_host_untouched
}
