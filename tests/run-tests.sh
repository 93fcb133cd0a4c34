#!/bin/bash
# urun's whole test suite: the C unit tests, then every integration test
# (tests/integration/*.bats) as root and as an unprivileged user with
# subordinate id ranges (created here when run as root), then the security
# tests.  Ends with one line "N passed, N failed".
#
# Environment (set by `make check`): URUN, RECVTTY, UNIT_TESTS, BUILDDIR.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${BUILDDIR:-$(pwd)}
URUN=${URUN:-$BUILDDIR/urun}
RECVTTY=${RECVTTY:-$BUILDDIR/tests/tools/recvtty}
TEST_USER=${URUN_TEST_USER:-urun-test}
passed=0 failed=0 skipped=0

say() { printf '%s\n' "$*"; }

# ---- unit tests -------------------------------------------------------
for t in ${UNIT_TESTS:-}; do
    out=$("$BUILDDIR/$t" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    printf '%s\n' "$out" | sed "s|^|[unit $(basename "$t")] |"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; say "[unit $(basename "$t")] exited with $rc"; fi
    passed=$((passed + p)); failed=$((failed + f))
done

# ---- a staging area every test user can read ---------------------------
stage=$(mktemp -d /tmp/urun-tests.XXXXXX)
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/rootfs"
install -m 755 "$URUN" "$stage/bin/urun"
install -m 755 "$RECVTTY" "$stage/bin/recvtty"
cp -r "$here/integration" "$here/security" "$stage/" 2>/dev/null || cp -r "$here/integration" "$stage/"
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
cp "$busybox" "$stage/rootfs/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$stage/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\ntester:x:1000:1000:tester:/home/tester:/bin/sh\n' > "$stage/rootfs/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\ntester:x:1000:\n' > "$stage/rootfs/etc/group"
chmod 1777 "$stage/rootfs/tmp"

# ---- integration tests -------------------------------------------------
# Count a bats TAP stream: "ok N ..." (with "# skip" = skipped), "not ok N".
count_tap() {
    local label=$1 line
    while IFS= read -r line; do
        printf '[%s] %s\n' "$label" "$line"
        case "$line" in
            "not ok "*) failed=$((failed + 1)) ;;
            "ok "*"# skip"*) skipped=$((skipped + 1)) ;;
            "ok "*) passed=$((passed + 1)) ;;
        esac
    done
}

suites="$stage/integration"
[ -d "$stage/security" ] && suites="$suites $stage/security"

run_as_root() {
    count_tap root < <(URUN="$stage/bin/urun" URUN_TOOLS="$stage/bin" URUN_ROOTFS="$stage/rootfs" \
        URUN_TEST_MODE=root bats --tap $suites 2>&1)
}

run_as_user() {
    local user=$1 uid
    uid=$(id -u "$user")
    local xdg=/run/user/$uid
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$xdg" && chown "$user:" "$xdg" && chmod 700 "$xdg"
    fi
    count_tap rootless < <(cd "$stage" && runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
        HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" LOGNAME="$user" XDG_RUNTIME_DIR="$xdg" \
        URUN="$stage/bin/urun" URUN_TOOLS="$stage/bin" URUN_ROOTFS="$stage/rootfs" URUN_TEST_MODE=rootless \
        URUN_OCI_SCHEMA_DIR="${URUN_OCI_SCHEMA_DIR:-}" ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
        TMPDIR=/tmp bats --tap $suites 2>&1)
}

if [ "$(id -u)" = 0 ]; then
    # the unprivileged user, with subordinate ranges of its own
    if ! id "$TEST_USER" >/dev/null 2>&1; then
        useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$TEST_USER" ||
            { say "cannot create test user $TEST_USER"; failed=$((failed + 1)); }
    fi
    # exactly one range, 500000:65536, which the tests expect
    for f in /etc/subuid /etc/subgid; do
        touch "$f"
        if ! grep -qx "$TEST_USER:500000:65536" "$f" || [ "$(grep -c "^$TEST_USER:" "$f")" != 1 ]; then
            sed -i "/^$TEST_USER:/d" "$f"
            echo "$TEST_USER:500000:65536" >> "$f"
        fi
    done
    run_as_root
    run_as_user "$TEST_USER"
else
    say "[root] skipped: the root pass of the integration tests needs root (run make check as root)"
    skipped=$((skipped + 1))
    count_tap rootless < <(URUN="$stage/bin/urun" URUN_TOOLS="$stage/bin" URUN_ROOTFS="$stage/rootfs" \
        URUN_TEST_MODE=rootless bats --tap $suites 2>&1)
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
