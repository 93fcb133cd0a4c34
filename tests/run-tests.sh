#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# urun's whole test suite: the harness's own self-test (tests/harness/), the
# C unit tests, a lint of the bats files (tests/tools/lint-bats.sh), then
# every integration test (tests/integration/*.bats) and every security test
# (tests/security/*.bats) as root and as an unprivileged user with
# subordinate id ranges (created here when run as root).  Each bats file is
# its own bats run, and its TAP plan must match the results it printed.
# Ends with one line "N passed, N failed, N skipped"; the exit status is
# non-zero when anything failed, including the harness itself: bats
# missing, a run whose plan is missing or does not match (a crash), a run
# that exits non-zero with no failing test, a pass that ran no test, no
# test at all, a lint offence.
#
# Environment (set by `make check`): URUN, UNIT_TESTS, TEST_TOOLS, BUILDDIR.
#   URUN          the urun binary
#   UNIT_TESTS    unit test programs, relative to BUILDDIR (empty: none)
#   TEST_TOOLS    helper programs, relative to BUILDDIR, staged into the
#                 tests' $URUN_TOOLS (recvtty, seccomp_listener, show_ids,
#                 nettool, ...)
# Overrides (the self-test uses them):
#   URUN_SUITES   directories of bats files to run instead of
#                 tests/integration and tests/security
#   URUN_PASSES   the passes to run: "root rootless" (default), "root" or
#                 "rootless"
#   URUN_SELFTEST 0: do not run the harness self-test first
#   URUN_BATS     the bats command (default: bats)
#   URUN_ONLY     file names (space-separated, shell patterns): run only these
#                 bats files (for working on a few; CI never sets it)
#   URUN_ENGINES  1: after the passes above, the engine tests (tests/engines:
#                 podman, containerd and docker driving urun, each scenario
#                 beside crun): every file as root, podman.bats also as the
#                 unprivileged user; 0: not them.  Default 1, 0 when
#                 URUN_SUITES is set (the self-test).  dev.sh sets 0 for the
#                 ASan pass.  URUN_ONLY filters these files too.
#   URUN_VM       1: last, the VM tests: a Debian 12 guest (qemu, KVM when
#                 the CPU has vmx or svm, else TCG) with systemd as PID 1 and
#                 cgroup v2 and a working criu, which the host may not have,
#                 boots and runs tests/vm/suite.sh (tests/vm/run.sh): the
#                 smoke checks and the bats files that need that machine;
#                 needs root, qemu and debootstrap (the image is built once:
#                 tests/vm/build-image.sh).  0: not them.  Default 1, 0 when
#                 URUN_SUITES is set.  URUN_ONLY filters them too (by the
#                 name suite.sh).
#   URUN_VM_CACHE where the guest image is kept (default /var/cache/urun-vm)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILDDIR=${BUILDDIR:-$(pwd)}
URUN=${URUN:-$BUILDDIR/urun}
TEST_TOOLS=${TEST_TOOLS-tests/tools/recvtty tests/security/tools/seccomp_listener tests/security/tools/show_ids tests/security/tools/ptrace_syscall tests/tools/sdnotify tests/tools/nettool}
TEST_USER=${URUN_TEST_USER:-urun-test}
SUITES=${URUN_SUITES:-$here/integration $here/security}
PASSES=${URUN_PASSES:-root rootless}
BATS=${URUN_BATS:-bats}
if [ -n "${URUN_SUITES:-}" ]; then ENGINES=${URUN_ENGINES:-0}; else ENGINES=${URUN_ENGINES:-1}; fi
if [ -n "${URUN_SUITES:-}" ]; then VM=${URUN_VM:-0}; else VM=${URUN_VM:-1}; fi
VM_SCRIPT=$here/vm/suite.sh
VM_CACHE=${URUN_VM_CACHE:-/var/cache/urun-vm}
ENGINE_SUITE=$here/engines
# the engine tests that also run rootless (the others need root)
ENGINE_ROOTLESS="podman.bats"
passed=0 failed=0 skipped=0
ran=0   # results of the unit tests and of the bats passes (not the self-test)
failures=()   # every failing result, said again at the end (CI shows a run's tail)

say() { printf '%s\n' "$*"; }
# A failure of the harness (not of one test): said, and counted.
harness_fail() {
    say "[harness] FAILED: $*"; failed=$((failed + 1))
    failures+=("[harness] FAILED: $*")
}

# A file's name for messages: relative to the repository when inside it.
show() { case "$1" in "$top"/*) printf '%s' "${1#"$top"/}" ;; *) printf '%s' "$1" ;; esac; }

# Run a command that prints TAP and count its results: "ok N ..." (with
# "# skip" = skipped), "not ok N ...".  Every line is printed prefixed
# with [LABEL].  The stream must have exactly one plan "1..N" (first or
# last) and N result lines; a command that exits non-zero must have
# reported a failing result.  Each violation counts as one failure.
# Sets run_p, run_f, run_s (this run's counts).
run_tap() {
    local label=$1 line plan="" plans=0 results=0 rc rcf
    shift
    rcf=$(mktemp /tmp/urun-tap-rc.XXXXXX)
    run_p=0 run_f=0 run_s=0
    while IFS= read -r line; do
        printf '[%s] %s\n' "$label" "$line"
        if [[ $line =~ ^1\.\.([0-9]+)([[:space:]].*)?$ ]]; then
            plan=${BASH_REMATCH[1]}; plans=$((plans + 1))
            continue
        fi
        case "$line" in
            "not ok "*) run_f=$((run_f + 1)); results=$((results + 1))
                failures+=("[$label] $line") ;;
            "ok "*"# skip"*|"ok "*"# SKIP"*) run_s=$((run_s + 1)); results=$((results + 1)) ;;
            "ok "*) run_p=$((run_p + 1)); results=$((results + 1)) ;;
        esac
    done < <("$@" 2>&1; echo "$?" > "$rcf")
    # the status, from the process substitution itself: `wait $!` on it
    # could find it already reaped (seen: "status -1" of a passing run)
    rc=$(cat "$rcf" 2>/dev/null); rc=${rc:-1}
    rm -f "$rcf"
    passed=$((passed + run_p)); failed=$((failed + run_f)); skipped=$((skipped + run_s))
    if [ "$plans" -eq 0 ]; then
        harness_fail "[$label] no TAP plan (1..N) in the output: the run did not complete (exit status $rc)"
    elif [ "$plans" -gt 1 ]; then
        harness_fail "[$label] $plans TAP plans in one run"
    elif [ "$plan" -ne "$results" ]; then
        harness_fail "[$label] the TAP plan is 1..$plan but $results results were printed: the run crashed or stopped early (exit status $rc)"
    fi
    if [ "$rc" -ne 0 ] && [ "$run_f" -eq 0 ]; then
        harness_fail "[$label] exited with status $rc but reported no failing test"
    fi
}

# ---- the harness's own self-test ------------------------------------------
if [ "${URUN_SELFTEST:-1}" != 0 ]; then
    run_tap harness env -u URUN_ONLY "$here/harness/selftest.sh"
fi

# ---- unit tests -------------------------------------------------------
for t in ${UNIT_TESTS:-}; do
    run_tap "unit $(basename "$t")" "$BUILDDIR/$t"
    ran=$((ran + run_p + run_f))
done

# ---- the bats files to run, and their lint --------------------------------
# URUN_ONLY's choice: is this file to run?
selected() {
    local pat
    [ -n "${URUN_ONLY:-}" ] || return 0
    for pat in $URUN_ONLY; do
        # shellcheck disable=SC2254
        case "$(basename "$1")" in $pat) return 0 ;; esac
    done
    return 1
}
bats_files=()
for d in $SUITES; do
    if [ ! -d "$d" ]; then harness_fail "suite directory $d does not exist"; continue; fi
    n=0
    for f in "$d"/*.bats; do
        [ -e "$f" ] || continue
        selected "$f" || continue
        bats_files+=("$f"); n=$((n + 1))
    done
    [ "$n" -gt 0 ] || say "[harness] note: $(show "$d") has no bats file"
done
engine_files=()
if [ "$ENGINES" != 0 ]; then
    for f in "$ENGINE_SUITE"/*.bats; do
        [ -e "$f" ] || continue
        selected "$f" || continue
        engine_files+=("$f")
    done
fi
vm_scripts=()
if [ "$VM" != 0 ] && selected "$VM_SCRIPT"; then vm_scripts+=("$VM_SCRIPT"); fi

if [ $((${#bats_files[@]} + ${#engine_files[@]})) -gt 0 ]; then
    shown=()
    for f in "${bats_files[@]}" "${engine_files[@]}"; do shown+=("$(show "$f")"); done
    lint_out=$(cd "$top" && "$here/tools/lint-bats.sh" "${shown[@]}" 2>&1); lint_rc=$?
    offences=0
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        say "[lint] $line"
        case "$line" in *:[0-9]*:\ *) offences=$((offences + 1)) ;; esac
    done <<< "$lint_out"
    if [ "$offences" -gt 0 ]; then
        say "[lint] FAILED: $offences \"!\" assertion(s) that bats would never check (each counted as a failure)"
        failed=$((failed + offences))
    elif [ "$lint_rc" -ne 0 ]; then
        harness_fail "[lint] tests/tools/lint-bats.sh exited with status $lint_rc"
    fi
fi

# ---- bats -----------------------------------------------------------------
BATS_BIN=$(command -v "$BATS" 2>/dev/null)
if [ -z "$BATS_BIN" ]; then
    harness_fail "bats is not installed ($BATS not found): no integration or security test can run (apt-get install bats)"
fi

# ---- a staging area every test user can read ---------------------------
stage=$(mktemp -d /tmp/urun-tests.XXXXXX)
chmod 755 "$stage"
# /dev/net/tun for the rootless pass's user-mode networking (network.bats):
# Debian's udev rule makes it 0666; a host where it is 0600 has that mode
# back at the end (tun_mode)
tun_mode=
trap 'rm -rf "$stage"; [ -z "$tun_mode" ] || chmod "$tun_mode" /dev/net/tun' EXIT
mkdir -p "$stage/bin" "$stage/rootfs"
if [ -x "$URUN" ]; then
    install -m 755 "$URUN" "$stage/bin/urun"
else
    harness_fail "no urun binary at $URUN (build it first: make)"
fi
for t in $TEST_TOOLS; do
    case "$t" in /*) p=$t ;; *) p=$BUILDDIR/$t ;; esac
    if [ -x "$p" ]; then
        install -m 755 "$p" "$stage/bin/$(basename "$t")"
    else
        harness_fail "no test tool $p (make check builds it)"
    fi
done
declare -A staged_as=()
for d in $SUITES; do
    [ -d "$d" ] || continue
    b=$(basename "$d")
    if [ -n "${staged_as[$b]:-}" ]; then
        harness_fail "two suites named $b: $(show "${staged_as[$b]}") and $(show "$d")"
        continue
    fi
    staged_as[$b]=$d
    cp -r "$d" "$stage/$b"
done
if [ "${#engine_files[@]}" -gt 0 ]; then
    if [ -n "${staged_as[engines]:-}" ]; then
        harness_fail "a suite named engines ($(show "${staged_as[engines]}")) and the engine tests"
    else
        cp -r "$ENGINE_SUITE" "$stage/engines"
    fi
fi
# the security tests load ../integration/helpers
[ -e "$stage/integration" ] || { [ -d "$here/integration" ] && cp -r "$here/integration" "$stage/integration"; }
for f in "$here"/tools/*.py "$here"/tools/*.sh; do [ -e "$f" ] && cp "$f" "$stage/bin/"; done
# the OCI schemas (shared/ beside the repository), for the spec validation test
for d in "${URUN_OCI_SCHEMA_DIR:-}" "$here/../../shared/oci-runtime-spec/schema"; do
    if [ -n "$d" ] && [ -f "$d/config-schema.json" ]; then
        cp -r "$d" "$stage/schema"
        export URUN_OCI_SCHEMA_DIR=$stage/schema
        break
    fi
done

# The rootfs every test copies: busybox-static and its applets.
busybox=$(command -v busybox)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
    for b in /bin/busybox /usr/bin/busybox; do [ -x "$b" ] && busybox=$b; done
fi
mkdir -p "$stage/rootfs"/{bin,sbin,etc,proc,sys,dev,tmp,root,home,var,run}
if [ -n "$busybox" ] && [ -x "$busybox" ]; then
    cp "$busybox" "$stage/rootfs/bin/busybox"
    for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$stage/rootfs/bin/$applet"
    done
else
    harness_fail "no busybox for the tests' rootfs (apt-get install busybox-static)"
fi
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\ntester:x:1000:1000:tester:/home/tester:/bin/sh\n' > "$stage/rootfs/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\ntester:x:1000:\n' > "$stage/rootfs/etc/group"
chmod 1777 "$stage/rootfs/tmp"

# The staged copy of a bats file (its suite directory's name and its own).
staged() { printf '%s/%s/%s' "$stage" "$(basename "$(dirname "$1")")" "$(basename "$1")"; }
# Its label: PASS SUITE/FILE.
label_of() { printf '%s %s/%s' "$1" "$(basename "$(dirname "$2")")" "$(basename "$2")"; }

bats_as_root() {
    URUN="$stage/bin/urun" URUN_TOOLS="$stage/bin" URUN_ROOTFS="$stage/rootfs" \
        URUN_TEST_MODE=root "$BATS_BIN" --tap "$1"
}

bats_as_user() {
    local user=$1 file=$2 uid xdg
    uid=$(id -u "$user")
    xdg=/run/user/$uid
    cd "$stage" && "${USER_WRAP[@]}" runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
        HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" LOGNAME="$user" XDG_RUNTIME_DIR="$xdg" \
        URUN="$stage/bin/urun" URUN_TOOLS="$stage/bin" URUN_ROOTFS="$stage/rootfs" URUN_TEST_MODE=rootless \
        URUN_OCI_SCHEMA_DIR="${URUN_OCI_SCHEMA_DIR:-}" ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
        TMPDIR=/tmp "$BATS_BIN" --tap "$file"
}

# A command to run runuser under (bats_as_user): the engine tests' private
# /dev/net/tun (tests/engines/with-tun.sh).  Empty: none.
USER_WRAP=()

bats_as_self_rootless() {
    URUN="$stage/bin/urun" URUN_TOOLS="$stage/bin" URUN_ROOTFS="$stage/rootfs" \
        URUN_TEST_MODE=rootless "$BATS_BIN" --tap "$1"
}

# One pass (root or rootless): every bats file with the given runner.  A
# pass in which no test passed or failed counts as a failure.
run_pass() {
    local pass=$1 runner=$2 f pp=0 pf=0
    shift 2
    for f in "${bats_files[@]}"; do
        run_tap "$(label_of "$pass" "$f")" "$runner" "$@" "$(staged "$f")"
        pp=$((pp + run_p)); pf=$((pf + run_f))
    done
    ran=$((ran + pp + pf))
    say "[$pass] $pp passed, $pf failed in ${#bats_files[@]} bats files"
    if [ $((pp + pf)) -eq 0 ]; then
        harness_fail "[$pass] this pass ran no test"
    fi
}

setup_test_user() {
    # the unprivileged user, with subordinate ranges of its own
    if ! id "$TEST_USER" >/dev/null 2>&1; then
        useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$TEST_USER" ||
            { harness_fail "cannot create test user $TEST_USER"; return 1; }
    fi
    # exactly one range, 500000:65536, which the tests expect
    local f uid
    for f in /etc/subuid /etc/subgid; do
        touch "$f"
        if ! grep -qx "$TEST_USER:500000:65536" "$f" || [ "$(grep -c "^$TEST_USER:" "$f")" != 1 ]; then
            sed -i "/^$TEST_USER:/d" "$f"
            echo "$TEST_USER:500000:65536" >> "$f"
        fi
    done
    uid=$(id -u "$TEST_USER")
    mkdir -p "/run/user/$uid" && chown "$TEST_USER:" "/run/user/$uid" && chmod 700 "/run/user/$uid"
    if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ] && [ -z "$tun_mode" ]; then
        tun_mode=$(stat -c %a /dev/net/tun)
        chmod 0666 /dev/net/tun &&
            say "[rootless] /dev/net/tun made 0666 for user-mode networking (it was $tun_mode; it is again at the end)"
    fi
}

# (URUN_ONLY naming engine files or the VM script only: no integration pass)
if [ -n "$BATS_BIN" ] && { [ "${#bats_files[@]}" -gt 0 ] || [ $((${#engine_files[@]} + ${#vm_scripts[@]})) -eq 0 ]; }; then
    for pass in $PASSES; do
        case "$pass" in
            root)
                if [ "$(id -u)" = 0 ]; then
                    run_pass root bats_as_root
                else
                    say "[root] skipped: the root pass of the integration tests needs root (run make check as root)"
                    skipped=$((skipped + 1))
                fi ;;
            rootless)
                if [ "$(id -u)" = 0 ]; then
                    if setup_test_user; then
                        run_pass rootless bats_as_user "$TEST_USER"
                    fi
                else
                    run_pass rootless bats_as_self_rootless
                fi ;;
            *) harness_fail "unknown pass '$pass' in URUN_PASSES (root, rootless)" ;;
        esac
    done
fi

# ---- the engine tests -----------------------------------------------------
bats_as_test_user() { bats_as_user "$TEST_USER" "$1"; }

# One pass of engine files: run_engine_pass PASS RUNNER FILE...
run_engine_pass() {
    local pass=$1 runner=$2 f pp=0 pf=0 ps=0 t0=$SECONDS
    shift 2
    for f in "$@"; do
        run_tap "$(label_of "$pass" "$f")" "$runner" "$(staged "$f")"
        pp=$((pp + run_p)); pf=$((pf + run_f)); ps=$((ps + run_s))
    done
    ran=$((ran + pp + pf))
    say "[$pass engines] $pp passed, $pf failed, $ps skipped in $# bats files ($((SECONDS - t0)) s)"
}

if [ -n "$BATS_BIN" ] && [ "${#engine_files[@]}" -gt 0 ]; then
    for pass in $PASSES; do
        case "$pass" in
            root)
                if [ "$(id -u)" = 0 ]; then
                    run_engine_pass root bats_as_root "${engine_files[@]}"
                else
                    say "[root engines] skipped: the engine tests' root pass needs root"
                    skipped=$((skipped + 1))
                fi ;;
            rootless)
                rootless_engines=()
                for f in "${engine_files[@]}"; do
                    case " $ENGINE_ROOTLESS " in *" $(basename "$f") "*) rootless_engines+=("$f") ;; esac
                done
                [ "${#rootless_engines[@]}" -gt 0 ] || continue
                if [ "$(id -u)" = 0 ]; then
                    setup_test_user || continue
                    # rootless slirp4netns opens /dev/net/tun as the user: when
                    # the host's is not world-usable, a private one
                    if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
                        USER_WRAP=(unshare -m --propagation private "$stage/engines/with-tun.sh" "$stage/tun")
                    fi
                    run_engine_pass rootless bats_as_test_user "${rootless_engines[@]}"
                    USER_WRAP=()
                else
                    run_engine_pass rootless bats_as_self_rootless "${rootless_engines[@]}"
                fi ;;
        esac
    done
fi

# ---- the VM tests -----------------------------------------------------------
vm_skip() { say "[vm] skipped: $*"; skipped=$((skipped + 1)); }

# What the VM tests need on the host; says what is missing and fails
vm_can_run() {
    local t
    if [ "$(id -u)" != 0 ]; then
        vm_skip "the VM tests need root (to build the guest image with debootstrap)"
        return 1
    fi
    for t in qemu-system-x86_64 qemu-img debootstrap; do
        if ! command -v "$t" >/dev/null; then
            vm_skip "$t is missing (apt-get install qemu-system-x86 qemu-utils debootstrap)"
            return 1
        fi
    done
}

# The image first (a few minutes, once per cache), so that its failure is
# told as such and not as a TAP run that printed nothing
run_vm() {
    local t0=$SECONDS out
    vm_can_run || return 0
    say "[vm] the guest image (built once, in $VM_CACHE)"
    if ! out=$("$here/vm/build-image.sh" "$VM_CACHE" 2>&1 >/dev/null); then
        printf '%s\n' "$out" | sed 's/^/[vm] /'
        harness_fail "[vm] tests/vm/build-image.sh could not build the guest image"
        return 0
    fi
    [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/[vm] /'
    run_tap vm env URUN="$URUN" URUN_VM_CACHE="$VM_CACHE" "$here/vm/run.sh" "$VM_SCRIPT"
    ran=$((ran + run_p + run_f))
    say "[vm] $run_p passed, $run_f failed, $run_s skipped ($((SECONDS - t0)) s)"
}

if [ "${#vm_scripts[@]}" -gt 0 ]; then
    run_vm
fi

if [ "$ran" -eq 0 ]; then
    harness_fail "no test ran at all (0 passed, 0 failed)"
fi

echo
if [ "${#failures[@]}" -gt 0 ]; then
    say "what failed (each is printed in full above):"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
