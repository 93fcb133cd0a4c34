#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# urun's developer entry point on a fresh Debian 12 machine (run as root):
#   ./dev.sh demo   install dependencies, build, run a demo container as root
#                   and rootless (as a user it creates with subordinate ids)
#   ./dev.sh test   install dependencies, build with -Werror, run every test
#   ./dev.sh deps   only install the Debian packages
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool pkg-config
  libseccomp-dev libyajl-dev libcap-dev libslirp-dev libglib2.0-dev libsystemd-dev
  uidmap busybox-static bats jq python3-jsonschema util-linux procps
  crun runc time criu
  podman conmon slirp4netns catatonit containerd docker.io iproute2
  iperf3 passt
  clang-14 libclang-rt-14-dev llvm-14
  qemu-system-x86 qemu-utils debootstrap"

deps() {
    local missing=()
    for p in $PACKAGES; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "dev.sh: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
    fi
    echo "dev.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # no service may start from a package's install script (docker.io's
    # would start a system dockerd that changes iptables): a policy-rc.d
    # that says no, for the install only, unless the machine has its own
    local policy=/usr/sbin/policy-rc.d own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# dev.sh: no service starts during its install\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        own_policy=1
    fi
    local rc=0
    { apt-get update -q >/dev/null &&
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
    [ "$own_policy" = 0 ] || rm -f "$policy"
    return "$rc"
}

# Out-of-tree builds: build/ (with -Werror), build-asan/ (ASan + UBSan) and
# build-fuzz/ (clang, libFuzzer, ASan + UBSan), all test builds: URUN_FAULT
# makes them die at a step of the start path (tests/integration/faults.bats).
build() {
    local dir=$1; shift
    [ -x configure ] || ./autogen.sh >/dev/null
    if [ -f config.status ]; then
        echo "dev.sh: the source tree is configured in place; cleaning it for out-of-tree builds"
        make distclean >/dev/null
    fi
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/Makefile" ]; then
        (cd "$dir" && ../configure --enable-werror --enable-fault-injection "$@" >/dev/null)
    fi
    make -C "$dir" -j"$(nproc)" >/dev/null
}

demo() {
    local user=urun-demo dir
    deps
    build build
    if ! id "$user" >/dev/null 2>&1; then
        useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$user"
    fi
    for f in /etc/subuid /etc/subgid; do
        touch "$f"
        grep -q "^$user:" "$f" || echo "$user:600000:65536" >> "$f"
    done
    dir=$(mktemp -d /tmp/urun-demo.XXXXXX)
    chmod 755 "$dir"
    install -m 755 build/urun "$dir/urun"
    # the default bundle: a busybox-static rootfs made on the fly
    mkdir -p "$dir/rootfs"/{bin,proc,sys,dev,etc,tmp}
    cp /bin/busybox "$dir/rootfs/bin/busybox"
    for a in sh id cat echo; do ln -s busybox "$dir/rootfs/bin/$a"; done
    local cmd='echo "  id:      $(id)"; echo "  uid_map:"; cat /proc/self/uid_map'

    echo "== as root"
    mkdir -p "$dir/root-bundle" && cp -a "$dir/rootfs" "$dir/root-bundle/"
    (cd "$dir/root-bundle" && "$dir/urun" spec &&
        jq --arg c "$cmd" '.process.terminal=false | .process.args=["sh","-c",$c]' config.json > c && mv c config.json &&
        "$dir/urun" run demo-root)

    echo "== rootless, as $user ($(grep "^$user:" /etc/subuid))"
    mkdir -p "$dir/user-bundle" && cp -a "$dir/rootfs" "$dir/user-bundle/" && chown -R "$user:" "$dir/user-bundle"
    local uid; uid=$(id -u "$user")
    mkdir -p "/run/user/$uid" && chown "$user:" "/run/user/$uid" && chmod 700 "/run/user/$uid"
    runuser -u "$user" -- env XDG_RUNTIME_DIR="/run/user/$uid" PATH=/usr/bin:/bin bash -c "
        cd '$dir/user-bundle' && '$dir/urun' spec --rootless &&
        jq --arg c '$cmd' '.process.terminal=false | .process.args=[\"sh\",\"-c\",\$c]' config.json > c && mv c config.json &&
        '$dir/urun' run demo-user"
    # rootless maps are relative to urun's user namespace keeper, whose own
    # map holds the user's id and subordinate range; the demo's keeper goes
    # with the demo (its binary does)
    local rec=/run/user/$uid/urun/.userns-keeper kpid
    kpid=$(awk '$1 == "pid" { print $2 }' "$rec" 2>/dev/null)
    if [ -n "$kpid" ] && [ "$(cat "/proc/$kpid/comm" 2>/dev/null)" = urun-keeper ]; then
        echo "  the user namespace keeper's uid_map (pid $kpid), seen from the host:"
        cat "/proc/$kpid/uid_map"
        kill "$kpid"
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    deps) deps ;;
    demo) demo ;;
    test)
        deps
        build build
        make -C build check
        # the whole suite again under AddressSanitizer and UBSan: any report
        # makes urun exit non-zero, so a test fails.  Not the engine tests
        # (tests/engines: podman, containerd, docker; about 1.5 min), which
        # the first pass ran: they test how urun meets real clients, not
        # new code paths, and an engine seldom shows urun's stderr.  Nor
        # the VM tests (tests/vm), which test the machine urun meets, and
        # whose guest has no libasan
        build build-asan --enable-asan
        URUN_ENGINES=0 URUN_VM=0 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98 \
            make -C build-asan check
        # the fuzz targets (tests/fuzz) for a short bounded time each, built
        # with clang's libFuzzer and ASan + UBSan: any crash, leak, hang or
        # OOM fails (make fuzz names the reproducer)
        build build-fuzz CC=clang-14 --enable-fuzz
        make -C build-fuzz fuzz FUZZ_SECONDS=30
        # the benchmark harness, tiny, to prove it works (no time is asserted)
        BENCH_N=3 BENCH_SCALE=5 make -C build bench
        ;;
    *)
        echo "usage: ./dev.sh demo|test|deps" >&2
        exit 2
        ;;
esac
