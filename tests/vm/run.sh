#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Boots the Debian 12 guest (tests/vm/build-image.sh builds it once) and
# runs one script in it, as root, under systemd as PID 1:
#   tests/vm/run.sh SCRIPT [ARG...]
# SCRIPT is a file of this repository; the guest sees the repository at
# /mnt/urun and the directory of $URUN at /mnt/build (both read-only, 9p),
# with URUN set to the binary there.  Prints the script's output (stdout and
# stderr) and exits with its status.  When the guest does not get that far
# (boot failure, timeout) it says so in one line, then the end of the
# serial console's log, and exits non-zero.
#
# Environment:
#   URUN            the urun binary to share (default: build/urun)
#   URUN_VM_CACHE   where the image is cached (default /var/cache/urun-vm)
#   URUN_VM_ACCEL   kvm, tcg or auto (the default: kvm when /dev/kvm can be
#                   opened and the CPU has vmx or svm, else tcg)
#   URUN_VM_TIMEOUT seconds before qemu is killed (default 300 with kvm,
#                   600 with tcg, where the smoke test takes about 1 min)
#   URUN_VM_CPU     qemu's -cpu (default host,-arch-capabilities with kvm,
#                   qemu64 with tcg)
#   URUN_VM_KEEP    1: keep the run's directory (overlay, serial log)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CACHE=${URUN_VM_CACHE:-/var/cache/urun-vm}
URUN=${URUN:-$top/build/urun}
# the kernel command line: cgroup v2 alone, the console on the serial port,
# a panic ends qemu (with -no-reboot) instead of hanging until the timeout
CMDLINE="root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all panic=-1 urun_vm.job"

say() { printf 'vm: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

kvm_opens() { [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null; }
# KVM for this guest needs hardware virtualization (vmx or svm in the CPU
# flags) besides a /dev/kvm we may open: a /dev/kvm without them is another
# kind (kvm_pvm, which runs only guest kernels built for it), on which a
# stock kernel hangs at its first instructions
hw_virt() { grep -qw -e vmx -e svm /proc/cpuinfo; }

pick_accel() {
    case "${URUN_VM_ACCEL:-auto}" in
        kvm) kvm_opens || die "URUN_VM_ACCEL=kvm but /dev/kvm cannot be opened"; echo kvm ;;
        tcg) echo tcg ;;
        auto)
            if kvm_opens && hw_virt; then echo kvm; else
                kvm_opens && say "/dev/kvm is there but the CPU has no vmx or svm (not hardware KVM): TCG"
                echo tcg
            fi ;;
        *) die "URUN_VM_ACCEL must be kvm, tcg or auto, not ${URUN_VM_ACCEL}" ;;
    esac
}

# The script's path in the guest: it must be inside the repository
guest_path() {
    local abs
    abs=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
    case "$abs" in
        "$top"/*) printf '/mnt/urun/%s' "${abs#"$top"/}" ;;
        *) die "$1 is not inside the repository $top (the guest sees only that)" ;;
    esac
}

write_job() {
    local file=$1 script=$2 a
    shift 2
    {
        printf 'URUN_VM_SCRIPT=%q\n' "$script"
        printf 'URUN=%q\n' "/mnt/build/$(basename "$URUN")"
        printf 'URUN_VM_ARGS=('
        for a in "$@"; do printf '%q ' "$a"; done
        printf ')\n'
    } > "$file"
}

qemu_args() {
    local img=$1 run=$2 accel=$3
    local a=(-nodefaults -no-reboot -display none -vga none -nic none
        -machine q35 -smp 2 -m 2048
        -kernel "$img/vmlinuz" -initrd "$img/initrd.img" -append "$CMDLINE"
        -pidfile "$run/qemu.pid"
        # cache=unsafe: the overlay is thrown away, its flushes need not reach the disk
        -drive "file=$run/root.qcow2,format=qcow2,if=virtio,cache=unsafe"
        -device virtio-rng-pci
        -serial "file:$run/serial.log"
        -virtfs "local,path=$top,mount_tag=urun,security_model=none,readonly=on"
        -virtfs "local,path=$(dirname "$URUN"),mount_tag=build,security_model=none,readonly=on"
        -virtfs "local,path=$run/results,mount_tag=results,security_model=none")
    if [ "$accel" = kvm ]; then
        # not arch-capabilities: a nested KVM (this project's machines are
        # VMs) may refuse to set its MSR, and qemu aborts at start
        a+=(-accel kvm -cpu "${URUN_VM_CPU:-host,-arch-capabilities}")
    else
        # qemu64, not max: with max's AVX2 and the like (which glibc then
        # uses) the emulated boot took half as long again (62 s against 46)
        a+=(-accel "tcg,thread=multi" -cpu "${URUN_VM_CPU:-qemu64}")
    fi
    printf '%s\0' "${a[@]}"
}

timeout_pid=
run_dir=
# qemu, if still running (run.sh interrupted): timeout(1), our child, passes
# the TERM on to it; and should timeout be gone, qemu by the pid it wrote
cleanup() {
    local pid
    if [ -n "$timeout_pid" ] && kill -0 "$timeout_pid" 2>/dev/null; then
        kill "$timeout_pid" 2>/dev/null || true
        wait "$timeout_pid" 2>/dev/null || true
    fi
    pid=$(cat "$run_dir/qemu.pid" 2>/dev/null) || pid=
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = qemu-system-x86 ]; then
        kill "$pid" 2>/dev/null || true
    fi
    if [ -n "$run_dir" ]; then
        if [ "${URUN_VM_KEEP:-0}" = 1 ]; then say "kept $run_dir"; else rm -rf "$run_dir"; fi
    fi
}

# The guest's end: its output and status, or one line on why there is none
report() {
    local run=$1 status=$2 timeout=$3 secs=$4
    if [ -f "$run/results/rc" ]; then
        cat "$run/results/output" 2>/dev/null || true
        if [ "$status" = 124 ]; then
            say "the guest's script ended (status $(cat "$run/results/rc")) but the guest did not power off: killed after $timeout s"
        else
            say "the guest's script ended with status $(cat "$run/results/rc"); boot to poweroff $secs s"
        fi
        return "$(cat "$run/results/rc")"
    fi
    if [ "$status" = 124 ]; then
        say "FAILED: timeout: the guest did not finish in $timeout s; the end of its serial log:"
    else
        say "FAILED: the guest stopped after $secs s without a result (qemu exit status $status); the end of its serial log:"
    fi
    # without the colours of systemd's status lines
    tail -n 25 "$run/serial.log" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/^/vm:   /' >&2
    [ -s "$run/serial.log" ] || say "  (empty: the kernel printed nothing, it did not get that far)"
    [ -s "$run/results/output" ] && { say "the script's output so far:"; sed 's/^/vm:   /' "$run/results/output" >&2; }
    return 1
}

main() {
    [ $# -ge 1 ] || { echo "usage: $0 SCRIPT [ARG...]" >&2; exit 2; }
    local script accel img timeout status=0 t0
    command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
    command -v qemu-img >/dev/null || die "qemu-img is missing (apt-get install qemu-utils)"
    [ -x "$URUN" ] || die "no urun binary at $URUN"
    URUN=$(cd "$(dirname "$URUN")" && pwd)/$(basename "$URUN")
    script=$(guest_path "$1"); shift
    accel=$(pick_accel)
    img=$("$here/build-image.sh" "$CACHE") || die "no guest image (tests/vm/build-image.sh failed)"
    if [ "$accel" = kvm ]; then timeout=${URUN_VM_TIMEOUT:-300}; else timeout=${URUN_VM_TIMEOUT:-600}; fi

    trap cleanup EXIT
    trap 'exit 130' INT TERM
    run_dir=$(mktemp -d /var/tmp/urun-vm-run.XXXXXX)
    mkdir "$run_dir/results"
    # a throwaway overlay: the cached base image stays as built
    qemu-img create -q -f qcow2 -b "$img/rootfs.img" -F raw "$run_dir/root.qcow2"
    write_job "$run_dir/results/job.env" "$script" "$@"

    local args=()
    mapfile -d '' args < <(qemu_args "$img" "$run_dir" "$accel")
    say "booting $(basename "$img") ($accel, timeout ${timeout} s)"
    t0=$SECONDS
    # the hard limit: timeout(1) kills its child qemu (TERM, then KILL)
    timeout --kill-after=10 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null >"$run_dir/qemu.out" 2>&1 &
    timeout_pid=$!
    wait "$timeout_pid" || status=$?
    timeout_pid=
    [ -s "$run_dir/qemu.out" ] && sed 's/^/vm: qemu: /' "$run_dir/qemu.out" >&2
    report "$run_dir" "$status" "$timeout" $((SECONDS - t0))
}

main "$@"
