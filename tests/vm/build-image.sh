#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian 12 guest that tests/vm/run.sh boots, once:
#   tests/vm/build-image.sh CACHE_DIR
# prints the image's directory (CACHE_DIR/debian12-VERSION, holding
# rootfs.img, vmlinuz and initrd.img) on stdout; everything else goes to
# stderr, debootstrap's own chatter to CACHE_DIR/build.log.
#
# VERSION is a hash of this script and of tests/vm/guest/, so a change to
# either builds a new image, and an image of an older recipe is never used.
# The image is built in a temporary directory beside it and renamed into
# place last: a directory of that name is a complete image.  Needs root
# (debootstrap, chroot) and the Debian mirror of the host's apt sources.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

SUITE=bookworm
# What the guest needs: systemd as PID 1 with a user session (logind, the
# user bus), criu (and the iptables it locks the network with), the tools the tests use, the libraries urun links (or
# dlopens) and Debian's own kernel (6.1, whose criu check passes)
GUEST_PACKAGES=(systemd-sysv dbus dbus-user-session libpam-systemd
  uidmap kmod udev iproute2 busybox-static criu iptables bats jq util-linux procps
  libseccomp2 libyajl2 libslirp0 libcap2 libsystemd0 libglib2.0-0
  linux-image-amd64 initramfs-tools)
# Units that would slow the boot or do work nobody asked for in a guest that
# lives for one test run and has no network
# (getty@tty1: there is no screen; the serial console keeps its getty)
MASKED_UNITS=(apt-daily.timer apt-daily-upgrade.timer man-db.timer
  dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer
  systemd-networkd-wait-online.service systemd-timesyncd.service
  networking.service getty@tty1.service)
MACHINE_ID=7572756e766d30303030303030303031   # fixed: every boot is the same machine
VM_USER=urun-vm
VM_UID=1000

say() { printf 'build-image: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

image_version() {
    (cd "$here" && cat build-image.sh guest/*) | sha256sum | cut -c1-16
}

# The Debian mirror the host's apt uses for $SUITE: one-line sources
# ("deb [opts] URI SUITE COMPONENT...") and deb822 ones ("URIs:" and
# "Suites:" in one paragraph); deb.debian.org when none names it.
host_mirror() {
    local m
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk -v s="$SUITE" '$1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == s) { print $i; exit }
        }')
    [ -n "$m" ] || m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$SUITE" '
        function flush() {
            if (deb && suite && enabled && uri != "") { print uri; found = 1; exit }
            deb = suite = 0; enabled = 1; uri = ""
        }
        BEGIN { enabled = 1 }
        /^[[:space:]]*$/ { flush(); next }
        /^#/ { next }
        tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
        tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) suite = 1 }
        tolower($1) == "uris:" { uri = $2 }
        tolower($1) == "enabled:" && tolower($2) == "no" { enabled = 0 }
        END { if (!found) flush() }')
    printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# debootstrap in a mount namespace of its own: the /proc, /sys and /dev/pts
# it mounts in the target go away with it, even when it is interrupted, so
# a half-built tree is plain files that rm can remove.
bootstrap() {
    local dir=$1 mirror=$2
    say "debootstrap $SUITE from $mirror (log: $log)"
    unshare --mount --propagation private -- \
        debootstrap --variant=minbase --components=main \
        --include="$(IFS=,; echo "${GUEST_PACKAGES[*]}")" \
        "$SUITE" "$dir" "$mirror" >>"$log" 2>&1 ||
        die "debootstrap failed; the end of $log:$(printf '\n'; tail -n 15 "$log")"
}

configure_system() {
    local dir=$1
    echo urun-vm > "$dir/etc/hostname"
    echo "$MACHINE_ID" > "$dir/etc/machine-id"
    ln -sf /etc/machine-id "$dir/var/lib/dbus/machine-id"
    # no line for the root, which the kernel mounts rw (root=/dev/vda rw):
    # one would make the boot wait for udev to announce dev-vda.device
    # (11 s of a 50 s boot under TCG) for a fsck and a remount it does not need
    printf '# the root (/dev/vda) is mounted by the kernel; nothing else\n' > "$dir/etc/fstab"
    # the journal in /run: nothing to flush to disk at boot, and no
    # guest outlives its run
    mkdir -p "$dir/etc/systemd/journald.conf.d"
    printf '[Journal]\nStorage=volatile\n' > "$dir/etc/systemd/journald.conf.d/volatile.conf"
    chroot "$dir" systemctl mask --quiet "${MASKED_UNITS[@]}"
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*_Packages
}

# The lingering user: its user@1000.service (and the user bus) start at
# boot, with every controller delegated (Debian's user@.service delegates
# only some), and subordinate ids for rootless containers.
configure_user() {
    local dir=$1
    chroot "$dir" useradd -m -u "$VM_UID" -U -s /bin/bash "$VM_USER"
    printf '%s:100000:65536\n' "$VM_USER" > "$dir/etc/subuid"
    printf '%s:100000:65536\n' "$VM_USER" > "$dir/etc/subgid"
    mkdir -p "$dir/var/lib/systemd/linger"
    touch "$dir/var/lib/systemd/linger/$VM_USER"
    mkdir -p "$dir/etc/systemd/system/user@.service.d"
    printf '[Service]\nDelegate=cpu cpuset io memory pids\n' \
        > "$dir/etc/systemd/system/user@.service.d/delegate.conf"
}

# The unit that runs the host's job once and powers off (guest/)
install_runner() {
    local dir=$1
    install -m 755 "$here/guest/urun-vm-boot" "$dir/usr/local/sbin/urun-vm-boot"
    install -m 644 "$here/guest/urun-vm-run.service" "$dir/etc/systemd/system/urun-vm-run.service"
    chroot "$dir" systemctl enable --quiet urun-vm-run.service
}

# An initramfs of the few modules this guest needs (an ext4 root on
# virtio-blk, the 9p shares) instead of Debian's MODULES=most: a fifth of
# the size, and under TCG unpacking the big one took 7 s of every boot.
small_initramfs() {
    local dir=$1
    printf 'MODULES=list\n' > "$dir/etc/initramfs-tools/conf.d/urun-vm.conf"
    printf '%s\n' virtio_pci virtio_blk ext4 9p 9pnet_virtio >> "$dir/etc/initramfs-tools/modules"
    unshare --mount --propagation private -- chroot "$dir" sh -c \
        'mount -t proc proc /proc && update-initramfs -u -k all' >>"$log" 2>&1 ||
        die "update-initramfs failed; the end of $log:$(printf '\n'; tail -n 15 "$log")"
}

# The kernel and its initramfs, beside the image for qemu's -kernel and
# -initrd; the initramfs must mount an ext4 root on virtio-blk and have the
# 9p modules for the shares.
extract_kernel() {
    local dir=$1 out=$2 kver m
    kver=$(basename "$(printf '%s\n' "$dir"/lib/modules/* | sort -V | tail -n 1)")
    cp "$dir/boot/vmlinuz-$kver" "$out/vmlinuz"
    cp "$dir/boot/initrd.img-$kver" "$out/initrd.img"
    local in_initrd; in_initrd=$(chroot "$dir" lsinitramfs "/boot/initrd.img-$kver")
    for m in virtio_pci virtio_blk ext4 9p 9pnet_virtio; do
        grep -q "/$m\.ko" <<<"$in_initrd" || grep -q "/$m\.ko" "$dir/lib/modules/$kver/modules.builtin" ||
            die "the initramfs of $kver has no $m"
    done
    echo "$kver" > "$out/kernel-version"
}

# An ext4 image of the tree, with room for the tests to write (sparse, so
# the room costs no disk until used); inode tables and journal initialized
# now so that the guest does not do it in the background during the tests.
make_rootfs() {
    local dir=$1 img=$2 mb
    mb=$(( $(du -sm "$dir" | cut -f1) + 3072 ))
    mkfs.ext4 -q -L urun-vm -d "$dir" -E lazy_itable_init=0,lazy_journal_init=0 "$img" "${mb}M" >>"$log" 2>&1 ||
        die "mkfs.ext4 failed; the end of $log:$(printf '\n'; tail -n 5 "$log")"
}

# Removes half-built trees (an interrupted build) and images of other
# versions.  --one-file-system: never into anything still mounted.
remove_stale() {
    local cache=$1 keep=$2 d
    for d in "$cache"/.build.* "$cache"/debian12-*; do
        if [ ! -e "$d" ] || [ "$d" = "$keep" ]; then continue; fi
        say "removing $(basename "$d")"
        rm -rf --one-file-system "$d"
    done
}

build() {
    local cache=$1 final=$2 tmp t0=$SECONDS
    tmp=$(mktemp -d "$cache/.build.XXXXXX")
    mkdir "$tmp/tree" "$tmp/image"
    bootstrap "$tmp/tree" "$(host_mirror)"
    configure_system "$tmp/tree"
    configure_user "$tmp/tree"
    install_runner "$tmp/tree"
    small_initramfs "$tmp/tree"
    extract_kernel "$tmp/tree" "$tmp/image"
    say "mkfs.ext4 of the tree"
    make_rootfs "$tmp/tree" "$tmp/image/rootfs.img"
    image_version > "$tmp/image/VERSION"
    sync -f "$tmp/image/rootfs.img"
    mv -T "$tmp/image" "$final"
    rm -rf --one-file-system "$tmp"
    say "built $(basename "$final") in $((SECONDS - t0)) s"
}

main() {
    [ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
    [ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
    local cache=$1 final
    mkdir -p "$cache"
    cache=$(cd "$cache" && pwd)
    log=$cache/build.log
    final=$cache/debian12-$(image_version)
    # one build at a time per cache; a second caller waits and finds it built
    exec 9>"$cache/.lock"
    flock 9
    if [ ! -d "$final" ]; then
        for t in debootstrap mkfs.ext4 unshare flock; do
            command -v "$t" >/dev/null || die "$t is missing (apt-get install debootstrap e2fsprogs util-linux)"
        done
        remove_stale "$cache" "$final"
        : > "$log"
        build "$cache" "$final"
    fi
    printf '%s\n' "$final"
}

main "$@"
