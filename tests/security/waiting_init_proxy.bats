#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The waiting init as a proxy: a process exec'd into a created (not yet
# started) container ptraces urun's waiting init and makes it run a syscall
# the container's seccomp filter denies (unshare(CLONE_NEWUSER) under `urun
# spec --seccomp-default`).  The init is filtered, capped and without new
# privileges before it waits, so the syscall fails as it would in the
# container.
load ../integration/helpers

setup() {
    [ -x "${URUN_TOOLS:?}/ptrace_syscall" ] || { echo "no $URUN_TOOLS/ptrace_syscall" >&2; return 1; }
    [ "$(uname -m)" = x86_64 ] || skip "the ptrace tool is written for x86_64"
    BUNDLE=$BATS_TEST_TMPDIR/bundle
    mkdir -p "$BUNDLE"
    cp -a "$URUN_ROOTFS" "$BUNDLE/rootfs"
    if is_rootless; then
        "$URUN" spec --seccomp-default --rootless --bundle "$BUNDLE" 2>/dev/null
    else
        "$URUN" spec --seccomp-default --bundle "$BUNDLE"
    fi
    update_config '.process.terminal = false | .root.readonly = false | .process.args = ["sleep", "1000"]
        | .process.capabilities.bounding += ["CAP_SYS_PTRACE"] | .process.capabilities.effective += ["CAP_SYS_PTRACE"]
        | .process.capabilities.permitted += ["CAP_SYS_PTRACE"]'
    cp "$URUN_TOOLS/ptrace_syscall" "$BUNDLE/rootfs/bin/ptrace_syscall"
    cd "$BUNDLE"
}

@test "waiting_init_proxy: the waiting init cannot be made to unshare a user namespace" {
    urun_create c1
    # 272 = SYS_unshare, 0x10000000 = CLONE_NEWUSER (x86_64)
    run urun exec c1 /bin/ptrace_syscall 1 272 0x10000000
    echo "status=$status output=$output"
    # the attacker can attach (root: CAP_SYS_PTRACE; rootless: the same
    # user, and the init is dumpable so that `urun exec` can join it)
    [[ "$output" == result:* ]]
    # -EPERM (the default profile's answer), never 0
    [ "${output#result: }" = -1 ]
}
