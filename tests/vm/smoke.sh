#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Run in the guest by tests/vm/run.sh: is this the machine the VM tests
# need?  systemd as PID 1, cgroup v2 alone, a lingering user whose
# user@1000.service has every controller delegated, a working criu, and the
# host-built urun running a rootless container in that user's session.
# Prints TAP.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

user_service=/sys/fs/cgroup/user.slice/user-$VM_UID.slice/user@$VM_UID.service

pid1_is_systemd() { [ "$(cat /proc/1/comm)" = systemd ] || { cat /proc/1/comm; false; }; }

only_cgroup2() {
    local fs mounts
    fs=$(stat -fc %T /sys/fs/cgroup)
    mounts=$(awk '$3 == "cgroup" || $3 == "cgroup2"' /proc/mounts)
    echo "$mounts"
    [ "$fs" = cgroup2fs ] && [ "$(wc -l <<<"$mounts")" = 1 ]
}

user_in_own_cgroup() {
    local cg
    cg=$(as_user cat /proc/self/cgroup) || return 1
    echo "$cg"
    [[ $cg == "0::/user.slice/user-$VM_UID.slice/user@$VM_UID.service/"* ]]
}

controllers_delegated() {
    local c have
    have=$(cat "$user_service/cgroup.controllers") || return 1
    echo "cgroup.controllers: $have"
    for c in memory pids cpu io cpuset; do
        [[ " $have " == *" $c "* ]] || return 1
    done
}

# A bundle of busybox-static and a few applets, made by the user in its
# home (as dev.sh's demo makes one)
make_bundle() {
    local b=/home/$VM_USER/bundle
    as_user sh -ec "
        rm -rf $b && mkdir -p $b/rootfs/bin $b/rootfs/proc $b/rootfs/sys $b/rootfs/dev $b/rootfs/tmp
        cp /bin/busybox $b/rootfs/bin/busybox
        for a in sh id cat echo; do ln -s busybox $b/rootfs/bin/\$a; done
        cd $b && '$URUN' spec --rootless
        jq '.process.terminal=false | .process.args=[\"id\",\"-u\"]' config.json > c && mv c config.json"
}

rootless_run() {
    local out
    make_bundle || return 1
    out=$(as_user sh -c "cd /home/$VM_USER/bundle && '$URUN' run smoke" 2>&1) || { echo "$out"; return 1; }
    echo "$out"
    [ "$out" = 0 ]
}

echo "# kernel $(uname -r), $(nproc) CPUs, urun $URUN"
tap_plan 7
tap_check "PID 1 is systemd" pid1_is_systemd
tap_check "/sys/fs/cgroup is cgroup2, the only cgroup mount" only_cgroup2
tap_check "the lingering user's commands run under user@$VM_UID.service" user_in_own_cgroup
tap_check "user@$VM_UID.service has memory, pids, cpu, io and cpuset delegated" controllers_delegated
tap_check "criu check passes (as root)" criu check
tap_check "the shared urun binary runs (urun --version)" "$URUN" --version
tap_check "a rootless container runs as the user (id -u prints 0)" rootless_run
