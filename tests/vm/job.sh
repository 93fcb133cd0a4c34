#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The guest's side of tests/vm/run.sh, started at boot (as root) by
# urun-vm-run.service once the shares are mounted (guest/urun-vm-boot):
# waits for the lingering user's session, runs the job's script once and
# leaves its output and exit status in the results share.  The unit powers
# the guest off when this exits.
# /mnt/results/job.env (written by run.sh) sets URUN_VM_SCRIPT (a path
# under /mnt/urun), URUN_VM_ARGS (an array) and URUN (under /mnt/build).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
results=/mnt/results

say() { printf 'urun-vm job: %s\n' "$*" >&2; }

# user@1000.service is started by logind for the lingering user; the
# scripts run commands in its session, so it and its bus come first
wait_for_user_session() {
    local _
    for _ in $(seq 1 600); do
        if systemctl is-active --quiet user@1000.service && [ -S /run/user/1000/bus ]; then
            return 0
        fi
        sleep 0.2
    done
    say "user@1000.service is not active after 120 s: $(systemctl is-active user@1000.service)"
    return 1
}

main() {
    local rc=0
    URUN_VM_ARGS=()
    # shellcheck disable=SC1091
    . "$results/job.env" || { say "no job.env in the results share"; return 1; }
    export URUN
    if wait_for_user_session; then
        say "running $URUN_VM_SCRIPT"
        (cd / && exec "$URUN_VM_SCRIPT" "${URUN_VM_ARGS[@]}") </dev/null >"$results/output" 2>&1 || rc=$?
    else
        rc=125
    fi
    say "$URUN_VM_SCRIPT exited with status $rc"
    # the status last, by rename: the host reads a whole file or none
    echo "$rc" > "$results/rc.tmp" && mv "$results/rc.tmp" "$results/rc"
}

main
