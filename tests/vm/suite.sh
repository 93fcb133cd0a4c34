#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Run in the guest (as root) by tests/vm/run.sh, for tests/run-tests.sh:
# the smoke checks of the machine (smoke.sh), then the integration tests
# that need what the CI host lacks: as root, checkpoint.bats (a kernel
# where `criu check` passes) and cgroups_v2.bats (cgroup v2, systemd as
# PID 1); as the lingering user in its session (as_user: a transient unit
# of its manager), cgroups_v2.bats.  One TAP stream, numbered on across
# them, the plan last.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
. "$here/lib.sh"
top=$(cd "$here/../.." && pwd)
n=0

# The TAP of CMD... with its results numbered on from ours, prefixed with
# a label; its own plan dropped, comments passed through.
relay() {
    local label=$1 line rest
    shift
    while IFS= read -r line; do
        case "$line" in
            "not ok "*) rest=${line#not ok }; n=$((n + 1)); echo "not ok $n $label${rest#* }" ;;
            "ok "*) rest=${line#ok }; n=$((n + 1)); echo "ok $n $label${rest#* }" ;;
            1..*) ;;
            *) echo "$line" ;;
        esac
    done < <("$@" 2>&1)
}

# The rootfs the integration tests copy (as tests/run-tests.sh makes it).
make_rootfs() {
    local r=$1 a
    mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,root,home,var,run}
    cp /bin/busybox "$r/bin/busybox"
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' > "$r/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
    chmod 1777 "$r/tmp"
}

stage=$(mktemp -d /tmp/urun-vm-tests.XXXXXX)
chmod 755 "$stage"
make_rootfs "$stage/rootfs"
relay "smoke: " "$here/smoke.sh"
for f in checkpoint.bats cgroups_v2.bats; do
    relay "root $f: " env URUN="$URUN" URUN_TOOLS="$stage" URUN_ROOTFS="$stage/rootfs" URUN_TEST_MODE=root \
        bats --tap "$top/tests/integration/$f"
done
for f in cgroups_v2.bats; do
    relay "rootless $f: " as_user env URUN="$URUN" URUN_TOOLS="$stage" URUN_ROOTFS="$stage/rootfs" \
        URUN_TEST_MODE=rootless bats --tap "$top/tests/integration/$f"
done
rm -rf "$stage"
echo "1..$n"
