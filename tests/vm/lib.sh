# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the scripts that tests/vm/run.sh runs in the guest (sourced):
# TAP output, and commands as the lingering user in its systemd session.

VM_USER=urun-vm
VM_UID=1000

# Runs CMD... as the user, in a transient unit of its user manager: in its
# own delegated cgroup, with its session's bus and XDG_RUNTIME_DIR, the way
# a login session's commands run.  stdin, stdout and stderr are passed
# through (--pipe) and so is the exit status (--wait).
as_user() {
    runuser -u "$VM_USER" -- env XDG_RUNTIME_DIR=/run/user/$VM_UID \
        DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$VM_UID/bus \
        systemd-run --user --wait --pipe --quiet "$@"
}

# TAP: tap_plan N, then one tap_check per test
tap_n=0
tap_plan() { echo "1..$1"; }

# tap_check DESCRIPTION CMD...: ok when CMD succeeds; its output is shown
# as TAP comments when it fails
tap_check() {
    local desc=$1 out rc=0
    shift
    tap_n=$((tap_n + 1))
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" = 0 ]; then
        echo "ok $tap_n - $desc"
    else
        echo "not ok $tap_n - $desc"
        [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# /'
        echo "# (exit status $rc)"
    fi
}
