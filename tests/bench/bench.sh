#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# urun benchmark harness (`make bench` runs it).
#
# What it is for, restated from the issue:
#   * It installs nothing.  It looks for what it needs and names the Debian
#     package for each missing piece (crun, runc, util-linux's unshare with
#     --map-users, uidmap's newuidmap, GNU time, busybox-static, jq, iperf3,
#     slirp4netns, passt); a missing
#     runtime or tool only drops its rows, with the reason and the apt-get
#     line printed, and the script still exits 0.
#   * It prints one table and writes the same numbers as JSON under the build
#     directory (tests/bench/results.json, or $BENCH_OUT):
#       1. start-to-exit of `run` of /bin/true for urun, crun and runc, both
#          rootless (an unprivileged user with subordinate ranges, the same
#          `urun spec --rootless` config for every runtime, so all of them map
#          the ranges through newuidmap/newgidmap) and as root, next to the
#          floor: `unshare` with the config's namespaces and the same id maps
#          (as root: the same namespaces without the user namespace), and the
#          bare `unshare -Ur` beside it; rootless, urun three ways: with
#          its user namespace keeper warm (the default, row urun), with
#          --userns-keeper=off, and cold (a new state root per run, so
#          every run makes a keeper).  Rows run interleaved
#          (A B C A B C ...), N rounds (BENCH_N, default 50) after warm-up
#          rounds (BENCH_WARMUP, default 5); medians, p10/p90 and MAD, and the
#          ratios urun/crun, urun/runc, urun/floor;
#       2. the create / start / delete split (as in youki's benchmark);
#       3. peak RSS of one run (rootless also with the keeper off), and
#          the keeper's own resident memory;
#       4. `exec` latency into a running container (urun vs crun, runc too);
#       5. scale: BENCH_SCALE (default 50) detached containers started at
#          once, then deleted at once: wall time, failures (must be 0), and
#          memory and processes left per running container;
#       6. podman run --rm through urun and crun (root);
#       7. network throughput (iperf3, TCP): urun's --network slirp against
#          slirp4netns (started as podman starts it, MTU 65520) and pasta,
#          each on a namespace with an iperf3 server inside: the
#          container's client to a server on the host's 127.0.0.1 through
#          10.0.2.2 (host loopback allowed) and back (-R), to a server on
#          a test host (a network namespace the bench makes, behind a veth
#          pair: 198.18.7.2, RFC 2544's benchmarking range) and back (-R),
#          and the host's client through a published port and back (-R); backends
#          interleaved, BENCH_NET_ROUNDS rounds of iperf3 -t
#          BENCH_NET_SECONDS; medians and the ratios urun/slirp4netns and
#          urun/pasta (> 1: urun faster), also in the JSON's summary;
#       8. from `urun run` to the first packet answered (a TCP echo from the
#          host's loopback through 10.0.2.2), start to exit, against
#          unshare + slirp4netns set up the same way and pasta wrapping the
#          same probe, and urun run without a network.
#     A missing iperf3, slirp4netns or pasta (Debian: iperf3, slirp4netns,
#     passt) drops its rows with the reason; rootless, a user who cannot
#     open /dev/net/tun gets a 0666 node of the bench's own bound over it in
#     the bench's private mount namespace (the host's stays as it is), and
#     the rows are skipped if that fails.  pasta as root (passt of Debian
#     12) drops to nobody and cannot join the bench's namespaces: its rows
#     are rootless only.  Every network peer is on the host's loopback or in
#     a namespace the bench made; every process is killed by its pid.
#   * Every sample is one fork+execve+wait4 timed with CLOCK_MONOTONIC by one
#     driver (tests/bench/benchdriver.c); no shell loop and no hyperfine sits
#     inside a measurement.  Absolute times on a shared machine are noisy;
#     only the ratios from one interleaved run mean something.  No test
#     asserts a time.
#
# Peak RSS is wait4()'s ru_maxrss of the runtime process (GNU time's %M is
# the same number): the largest peak RSS among the runtime process and every
# process it (or its descendants) reaped -- for runc that includes its
# `runc init` re-exec, for all of them the container's /bin/true.  It is a
# maximum over processes, not a sum over the tree.
#
# Host quirk handled here: on a cgroup v1 "hybrid" host crun 1.8 refuses to
# run ("hybrid mode not supported").  Every runtime (and the floor) is run
# inside a private mount namespace in which an empty file is bind-mounted
# over /sys/fs/cgroup/unified/cgroup.controllers; the rootless rows drop to
# the user inside that namespace.  The output says when this was done.
#
# As root, the first write to a cgroup.procs after a quiet spell can stall
# ~15 ms; the warm-up rounds (of every row, interleaved) keep all runtimes
# equally warm.
#
# Environment: BENCH_N (50), BENCH_WARMUP (5), BENCH_SCALE (50),
#   BENCH_SCALE_ROUNDS (3), BENCH_USER (urun-test), BENCH_OUT (JSON path),
#   BENCH_NET_ROUNDS (3, or 1 when BENCH_N < 10), BENCH_NET_SECONDS (2, or
#   1 when BENCH_N < 10), BENCH_ONLY (groups to run: run rss split exec
#   scale podman net; all when unset),
#   CRUN, RUNC (other binaries to compare), URUN, BENCHDRIVER, BUILDDIR
#   (set by `make bench`).
#
# Adding a measurement: write one bench_* function that builds driver rows
# with add_row/add_runtime_rows and calls `measure KEY TITLE [driver options]`,
# and call it from the list at the bottom.
set -u

BUILDDIR=${BUILDDIR:-$(pwd)}
URUN=${URUN:-$BUILDDIR/urun}
BENCHDRIVER=${BENCHDRIVER:-$BUILDDIR/tests/bench/benchdriver}
N=${BENCH_N:-50}
WARM=${BENCH_WARMUP:-5}
SCALE=${BENCH_SCALE:-50}
SCALE_ROUNDS=${BENCH_SCALE_ROUNDS:-3}
BENCH_USER=${BENCH_USER:-urun-test}
OUT=${BENCH_OUT:-$BUILDDIR/tests/bench/results.json}

say() { printf '%s\n' "$*"; }

# ---- outside: become root in a private mount namespace ----------------
if [ -z "${BENCH_INNER:-}" ]; then
    URUN=$(cd "$(dirname "$URUN")" && pwd)/$(basename "$URUN")
    BENCHDRIVER=$(cd "$(dirname "$BENCHDRIVER")" 2>/dev/null && pwd)/$(basename "$BENCHDRIVER")
    mkdir -p "$(dirname "$OUT")"
    OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
    skip_all() {
        say "bench: SKIPPED: $1"
        printf '{"skipped": true, "reason": "%s"}\n' "$1" > "$OUT"
        exit 0
    }
    [ "$(id -u)" = 0 ] || skip_all "must run as root (it binds a file in a private mount namespace and drops to $BENCH_USER for the rootless rows); run: sudo make bench"
    [ -x "$URUN" ] || skip_all "no urun binary at $URUN (run make first)"
    [ -x "$BENCHDRIVER" ] || skip_all "no driver at $BENCHDRIVER (run: make tests/bench/benchdriver)"
    command -v unshare >/dev/null || skip_all "unshare not found: apt-get install util-linux"
    command -v jq >/dev/null || skip_all "jq not found (used to edit config.json and write the results): apt-get install jq"
    export URUN BENCHDRIVER OUT BUILDDIR
    exec unshare --mount --propagation private env BENCH_INNER=1 "$0" "$@"
fi

# ---- inside the private mount namespace -------------------------------
stage=$(mktemp -d /tmp/urun-bench.XXXXXX)
chmod 755 "$stage"
mkdir -p "$stage/logs" "$stage/json" "$stage/bin"
# A private copy, so a rebuild of the tree during the run does not swap the
# binary under the benchmark.
install -m 755 "$URUN" "$stage/bin/urun" && URUN=$stage/bin/urun
skips=()      # "what|reason" lines, into the table and the JSON
notes=()
skip() { skips+=("$1|$2"); say "bench: skipping $1: $2"; }

# Runtimes and modes that are usable; filled by the checks below.
declare -A RT_BIN=([urun]=$URUN [crun]=${CRUN:-crun} [runc]=${RUNC:-runc})
RUNTIMES=()
MODES=()
declare -A OK      # OK[rt,mode]=1 when the runtime ran once in that mode

cleanup() {
    local rt mode id
    for mode in "${MODES[@]}"; do
        for rt in "${RUNTIMES[@]}"; do
            [ -d "$stage/state/$mode/$rt" ] || continue
            for id in $(as_mode "$mode" "${RT_BIN[$rt]}" --root "$stage/state/$mode/$rt" list -q 2>/dev/null); do
                as_mode "$mode" "${RT_BIN[$rt]}" --root "$stage/state/$mode/$rt" delete -f "$id" >/dev/null 2>&1
            done
        done
    done
    # the user namespace keepers urun made in the bench's state roots (by
    # the pids their records name)
    local rec
    for rec in $(find "$stage/state" -name .userns-keeper 2>/dev/null); do
        kill -9 "$(awk '$1 == "pid" { print $2 }' "$rec")" 2>/dev/null
    done
    # the network rows' processes (by pid) and the bench's own tun node
    local p
    for p in "${NET_PIDS[@]}" "${NET_SERVERS[@]}"; do kill -9 "$p" 2>/dev/null; done
    [ -z "$NET_TH_NS" ] || ip netns del "$NET_TH_NS" 2>/dev/null
    if [ -d "$stage/tun" ]; then umount /dev/net/tun 2>/dev/null; umount "$stage/tun" 2>/dev/null; fi
    umount "$stage/state" 2>/dev/null
    rm -rf "$stage"
}
NET_PIDS=() NET_SERVERS=() NET_TH_NS=
trap cleanup EXIT

# ---- checks: name the Debian package of anything missing ---------------
is_static() {
    if command -v file >/dev/null; then file -L "$1" 2>/dev/null | grep -q 'statically linked'
    else ! ldd "$1" >/dev/null 2>&1; fi
}
busybox=
for b in "$(command -v busybox)" /bin/busybox /usr/bin/busybox; do
    if [ -n "$b" ] && [ -x "$b" ] && is_static "$b"; then busybox=$b; break; fi
done
if [ -z "$busybox" ]; then
    say "bench: SKIPPED: no statically linked busybox for the rootfs: apt-get install busybox-static"
    printf '{"skipped": true, "reason": "no static busybox: apt-get install busybox-static"}\n' > "$OUT"
    exit 0
fi

RUNTIMES=(urun)
for rt in crun runc; do
    if command -v "${RT_BIN[$rt]}" >/dev/null; then RUNTIMES+=("$rt")
    else skip "$rt" "not installed: apt-get install $rt"; fi
done

have_floor=1
if ! unshare --help 2>&1 | grep -q -- '--map-users'; then
    have_floor=0
    skip "unshare floor (rootless)" "this unshare has no --map-users (util-linux >= 2.38 needed): apt-get install util-linux"
fi
GNU_TIME=
if /usr/bin/time --version 2>&1 | grep -q GNU; then GNU_TIME=/usr/bin/time
else skip "GNU time cross-check" "GNU time not installed: apt-get install time"; fi

MODES=(root)
user_uid= user_gid= subuid= subgid=
if ! id "$BENCH_USER" >/dev/null 2>&1; then
    skip "rootless rows" "no user $BENCH_USER; create one with a subordinate range, e.g.: useradd -m -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 urun-bench; echo urun-bench:700000:65536 >> /etc/subuid; echo urun-bench:700000:65536 >> /etc/subgid; then BENCH_USER=urun-bench"
elif ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
    skip "rootless rows" "newuidmap/newgidmap not found: apt-get install uidmap"
else
    user_uid=$(id -u "$BENCH_USER"); user_gid=$(id -g "$BENCH_USER")
    subuid=$(awk -F: -v u="$BENCH_USER" -v i="$user_uid" '($1==u||$1==i)&&$3>=65536{print $2; exit}' /etc/subuid)
    subgid=$(awk -F: -v u="$BENCH_USER" -v i="$user_uid" '($1==u||$1==i)&&$3>=65536{print $2; exit}' /etc/subgid)
    if [ -z "$subuid" ] || [ -z "$subgid" ]; then
        skip "rootless rows" "$BENCH_USER has no subordinate range of 65536 ids in /etc/subuid and /etc/subgid (add e.g. $BENCH_USER:700000:65536 to both)"
    else
        MODES=(rootless root)
        xdg=/run/user/$user_uid
        if [ ! -d "$xdg" ]; then
            mkdir -p "$xdg" && chown "$user_uid:$user_gid" "$xdg" && chmod 700 "$xdg"
            notes+=("created $xdg (0700, owned by $BENCH_USER)")
        fi
        user_home=$(getent passwd "$BENCH_USER" | cut -d: -f6)
    fi
fi

# Run a command as the mode's user (rootless: drop to BENCH_USER).
as_mode() {
    local mode=$1; shift
    if [ "$mode" = rootless ]; then
        setpriv --reuid="$user_uid" --regid="$user_gid" --clear-groups \
            env XDG_RUNTIME_DIR="$xdg" HOME="${user_home:-/}" "$@"
    else
        "$@"
    fi
}

# ---- the cgroup v1 hybrid workaround for crun --------------------------
: > "$stage/empty"
cgroup_note="none needed"
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] && [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
    if mount --bind "$stage/empty" /sys/fs/cgroup/unified/cgroup.controllers; then
        cgroup_note="cgroup v1 hybrid host: every runtime runs in a private mount namespace with an empty file bind-mounted over /sys/fs/cgroup/unified/cgroup.controllers (crun refuses hybrid mode otherwise)"
    else
        cgroup_note="cgroup v1 hybrid host, but binding over /sys/fs/cgroup/unified/cgroup.controllers failed; crun may refuse to run"
    fi
elif [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
    cgroup_note="cgroup v1 host (no unified hierarchy)"
fi
say "bench: $cgroup_note"

# ---- the bundles ------------------------------------------------------
rootfs=$stage/rootfs
mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp "$busybox" "$rootfs/bin/busybox"
for applet in true false sh sleep cat ls; do ln -s busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\n' > "$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"

# bundle MODE NAME ARGS-JSON: $stage/bundles/MODE/NAME/config.json
make_bundle() {
    local mode=$1 name=$2 args=$3 dir=$stage/bundles/$1/$2 tmp
    mkdir -p "$dir"
    [ "$mode" = rootless ] && chown "$user_uid:$user_gid" "$dir"
    if [ "$mode" = rootless ]; then
        (cd "$dir" && as_mode rootless "$URUN" spec --rootless) || return 1
    else
        (cd "$dir" && "$URUN" spec) || return 1
    fi
    # no user-mode networking (`urun spec --rootless` asks for it by the
    # annotation run.urun.network): the other runtimes have none, and the
    # network rows ask for it with --network
    tmp=$(jq --arg r "$rootfs" --argjson a "$args" \
        '.process.terminal=false | .process.args=$a | .root.path=$r
         | del(.annotations["run.urun.network"]) | if .annotations == {} then del(.annotations) else . end' \
        "$dir/config.json") || return 1
    printf '%s\n' "$tmp" > "$dir/config.json"
}
# Every runtime's state roots on a tmpfs, as /run and $XDG_RUNTIME_DIR are
# on a usual host (here / is ext4 with discard: each state file removed
# cost a synchronous discard); in the bench's own mount namespace.
mkdir -p "$stage/state"
if mount -t tmpfs -o mode=0755 urun-bench-state "$stage/state"; then
    notes+=("state roots on a tmpfs of the bench's own (as /run and \$XDG_RUNTIME_DIR usually are)")
fi
for mode in "${MODES[@]}"; do
    mkdir -p "$stage/state/$mode"
    make_bundle "$mode" true '["/bin/true"]' && make_bundle "$mode" sleep '["/bin/sleep","3600"]' || {
        say "bench: cannot write the $mode bundle with '$URUN spec'"; exit 0; }
    for rt in "${RUNTIMES[@]}" urun-off cold; do
        mkdir -p "$stage/state/$mode/$rt"
        [ "$mode" = rootless ] && chown "$user_uid:$user_gid" "$stage/state/$mode/$rt"
    done
done

# try MODE CMD...: run it with its output in a file (a detached container
# keeps what it inherits open, so no pipe); the last lines land in $err.
try() {
    local mode=$1 rc; shift
    as_mode "$mode" "$@" </dev/null >"$stage/try.out" 2>&1; rc=$?
    err="exit status $rc: $(tail -n 3 "$stage/try.out" | tr '\n' ' ')"
    return $rc
}

rt_cmd() { printf '%s\n' "${RT_BIN[$1]}" --root "$stage/state/$2/$1"; }

# Check each runtime once per mode; one that fails is reported, not timed.
for mode in "${MODES[@]}"; do
    for rt in "${RUNTIMES[@]}"; do
        mapfile -t cmd < <(rt_cmd "$rt" "$mode")
        if try "$mode" "${cmd[@]}" run -b "$stage/bundles/$mode/true" "check-$rt"; then
            OK[$rt,$mode]=1
        else
            skip "$rt ($mode)" "a check run failed: $err"
            as_mode "$mode" "${cmd[@]}" delete -f "check-$rt" >/dev/null 2>&1
        fi
    done
done

# ---- measuring --------------------------------------------------------
ROWS=()     # driver arguments being built
RATIOS=()
TABLE=$stage/table.txt
: > "$TABLE"
MEASURED=()

add_row() { ROWS+=(--row "$@"); }
# add_runtime_rows MODE PREFIX-ID STEP-SPEC...: one row per runtime usable in
# MODE; each STEP-SPEC is "STEPNAME|ARGS" where ARGS is a runtime sub-command
# line (words, @ID@ is replaced with the container id PREFIX-ID-@N@).
add_runtime_rows() {
    local mode=$1 idp=$2 rt spec name args; shift 2
    for rt in "${RUNTIMES[@]}"; do
        [ -n "${OK[$rt,$mode]:-}" ] || continue
        local row=(--row "$rt")
        for spec in "$@"; do
            name=${spec%%|*}; args=${spec#*|}
            row+=(--step "$name")
            mapfile -t base < <(rt_cmd "$rt" "$mode")
            row+=("${base[@]}")
            local w
            for w in $args; do row+=("${w//@ID@/$idp-$rt-@N@}"); done
        done
        ROWS+=("${row[@]}")
    done
}
has_row() { local x; for x in "${ROWS[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }
ratio() { has_row "$1" && has_row "$2" && RATIOS+=(-r "$1/$2"); return 0; }

# measure MODE KEY TITLE [DRIVER OPTIONS]: run the driver over ROWS.
measure() {
    local mode=$1 key=$2 title=$3; shift 3
    local env=() user=()
    if [ "$mode" = rootless ]; then
        env=(XDG_RUNTIME_DIR="$xdg" HOME="${user_home:-/}")
        user=(-u "$user_uid:$user_gid")
    fi
    if [ "${#ROWS[@]}" -eq 0 ]; then
        say "$title: no usable rows" | tee -a "$TABLE"
    else
        local r=()
        [ "${#RATIOS[@]}" -gt 0 ] && r=("${RATIOS[@]}")
        mkdir -p "$stage/logs/$key"
        env "${env[@]}" "$BENCHDRIVER" "${user[@]}" "$@" "${r[@]}" -t "$title" \
            -l "$stage/logs/$key" -o "$stage/json/$key.json" "${ROWS[@]}" | tee -a "$TABLE"
        [ -s "$stage/json/$key.json" ] && MEASURED+=("$key")
    fi
    say | tee -a "$TABLE"
    ROWS=(); RATIOS=()
}

# 1. run /bin/true, start to exit, next to the unshare floor.
bench_run() {
    local mode=$1 b=$stage/bundles/$1/true
    add_runtime_rows "$mode" "r$mode" "run|run -b $b @ID@"
    if [ "$mode" = rootless ]; then
        [ "$have_floor" = 1 ] && add_row floor unshare -U --map-user=0 --map-users="$subuid,1,65536" \
            --map-group=0 --map-groups="$subgid,1,65536" \
            --pid --mount --uts --ipc --net --cgroup --fork --root="$rootfs" /bin/true
    else
        add_row floor unshare --pid --mount --uts --ipc --net --cgroup --fork --root="$rootfs" /bin/true
    fi
    add_row "unshare-Ur" unshare -Ur /bin/true
    if [ "$mode" = rootless ] && [ -n "${OK[urun,rootless]:-}" ]; then
        # the user namespace keeper (urun above: warm, made by the check
        # run): off, and cold (a new state root each time, so each run
        # makes a keeper; it goes 1 s after)
        add_row urun-keeper-off "${RT_BIN[urun]}" --root "$stage/state/rootless/urun-off" --userns-keeper=off \
            run -b "$b" "roff-@N@"
        add_row urun-cold "${RT_BIN[urun]}" --root "$stage/state/rootless/cold/@N@" --userns-keeper-idle 1 \
            run -b "$b" "rcold-@N@"
    fi
    ratio urun crun; ratio urun runc; ratio urun floor; ratio crun floor; ratio runc floor
    ratio urun-keeper-off crun; ratio urun-keeper-off floor; ratio urun-cold crun; ratio urun urun-keeper-off
    local floor_desc="unshare with the config's namespaces and id maps (newuidmap), --root=rootfs"
    [ "$mode" = root ] && floor_desc="unshare --pid --mount --uts --ipc --net --cgroup --fork --root=rootfs (no user ns)"
    measure "$mode" "run_$mode" "[1] run /bin/true, start to exit, $mode (N=$N, warm-up $WARM, interleaved); floor = $floor_desc" \
        -n "$N" -w "$WARM" -m
}

# 2. create / start / delete split.
bench_split() {
    local mode=$1 b=$stage/bundles/$1/true
    add_runtime_rows "$mode" "s$mode" "create|create -b $b @ID@" "start|start @ID@" "delete|delete -f @ID@"
    ratio urun crun; ratio urun runc
    measure "$mode" "split_$mode" "[2] create / start / delete of /bin/true, $mode (N=$N, interleaved; delete -f)" \
        -n "$N" -w "$WARM"
}

# 3. peak RSS of one run, cross-checked with GNU time's %M (the run table
#    above already lists the median ru_maxrss over all its runs).
bench_rss() {
    local mode=$1 rt out
    [ -n "$GNU_TIME" ] || return 0
    say "[3] peak RSS of one 'run /bin/true', $mode, GNU time %M (KiB; max over the runtime and the processes it reaped)" | tee -a "$TABLE"
    for rt in "${RUNTIMES[@]}"; do
        [ -n "${OK[$rt,$mode]:-}" ] || continue
        mapfile -t cmd < <(rt_cmd "$rt" "$mode")
        try "$mode" "$GNU_TIME" -f 'MAXRSS %M' "${cmd[@]}" run -b "$stage/bundles/$mode/true" "m$mode-$rt"
        out=$(sed -n 's/^MAXRSS //p' "$stage/try.out")
        printf '  %-34s %9s\n' "$rt" "${out:--}" | tee -a "$TABLE"
        printf '{"mode": "%s", "runtime": "%s", "gnu_time_maxrss_kib": %s}\n' "$mode" "$rt" "${out:-null}" >> "$stage/json/rss.jsonl"
    done
    if [ "$mode" = rootless ] && [ -n "${OK[urun,rootless]:-}" ]; then
        local k rss
        mapfile -t cmd < <(rt_cmd urun rootless)
        try rootless "$GNU_TIME" -f 'MAXRSS %M' "${cmd[@]}" --userns-keeper=off run -b "$stage/bundles/$mode/true" "moff"
        out=$(sed -n 's/^MAXRSS //p' "$stage/try.out")
        printf '  %-34s %9s\n' "urun --userns-keeper=off" "${out:--}" | tee -a "$TABLE"
        printf '{"mode": "%s", "runtime": "urun-keeper-off", "gnu_time_maxrss_kib": %s}\n' "$mode" "${out:-null}" >> "$stage/json/rss.jsonl"
        # the keeper's own resident memory (it is a fork of urun: mostly
        # pages it shares with every other urun process)
        k=$(awk '$1 == "pid" { print $2 }' "$stage/state/rootless/urun/.userns-keeper" 2>/dev/null)
        rss=$( [ -n "$k" ] && awk '$1 == "VmRSS:" { print $2 }' "/proc/$k/status" 2>/dev/null)
        printf '  %-34s %9s\n' "the user namespace keeper (VmRSS)" "${rss:--}" | tee -a "$TABLE"
        printf '{"mode": "%s", "runtime": "urun-userns-keeper", "vmrss_kib": %s}\n' "$mode" "${rss:-null}" >> "$stage/json/rss.jsonl"
    fi
    say | tee -a "$TABLE"
}

# Where a runtime put the container process: in cgroups of its own, or left
# in the caller's (which makes its runs cheaper; worth knowing beside them).
CGROUP_LINES=()
cgroup_placement() {
    local mode=$1 rt=$2 id=$3 pid own=0 total=0 line ours
    mapfile -t cmd < <(rt_cmd "$rt" "$mode")
    pid=$(as_mode "$mode" "${cmd[@]}" state "$id" 2>/dev/null | jq -r '.pid // empty' 2>/dev/null)
    [ -n "$pid" ] && [ -r "/proc/$pid/cgroup" ] || return 0
    while IFS= read -r line; do
        total=$((total + 1))
        ours=$(grep -F -m1 "${line%%:/*}:" /proc/self/cgroup)
        [ "$line" != "$ours" ] && own=$((own + 1))
    done < "/proc/$pid/cgroup"
    CGROUP_LINES+=("$rt ($mode): container process in a cgroup of its own in $own of $total hierarchies")
}

# 4. exec /bin/true into a running container.
bench_exec() {
    local mode=$1 rt started=()
    for rt in "${RUNTIMES[@]}"; do
        [ -n "${OK[$rt,$mode]:-}" ] || continue
        mapfile -t cmd < <(rt_cmd "$rt" "$mode")
        if try "$mode" "${cmd[@]}" run -d -b "$stage/bundles/$mode/sleep" "x$mode-$rt"; then
            started+=("$rt")
            cgroup_placement "$mode" "$rt" "x$mode-$rt"
            ROWS+=(--row "$rt" "${cmd[@]}" exec "x$mode-$rt" /bin/true)
        else
            skip "$rt exec ($mode)" "run -d of the sleep container failed: $err"
        fi
    done
    ratio urun crun; ratio urun runc
    measure "$mode" "exec_$mode" "[4] exec /bin/true into a running container, $mode (N=$N, interleaved)" -n "$N" -w "$WARM"
    for rt in "${started[@]}"; do
        mapfile -t cmd < <(rt_cmd "$rt" "$mode")
        as_mode "$mode" "${cmd[@]}" delete -f "x$mode-$rt" >/dev/null 2>&1
    done
}

# 5. scale: SCALE detached containers started at once, then deleted at once.
bench_scale() {
    local mode=$1 b=$stage/bundles/$1/sleep
    add_runtime_rows "$mode" "c$mode" "start|run -d -b $b @ID@" "delete|delete -f @ID@"
    measure "$mode" "scale_$mode" "[5] scale: $SCALE detached 'sleep' containers run -d at once, then delete -f at once, $mode ($SCALE_ROUNDS rounds; KiB/ctr = rise of used memory (free(1): total-free-buffers-cache) per container, procs/ctr = processes per container, after each phase)" \
        -P "$SCALE" -n "$SCALE_ROUNDS" -w 0
}

# 6. podman run --rm IMG /bin/true through urun and through crun (root;
# podman's own storage, config and image under $stage; no network).
bench_podman() {
    local d=$stage/podman rt n=${BENCH_PODMAN_N:-$(( N < 20 ? N : 20 ))}
    if ! command -v podman >/dev/null; then
        skip "podman run" "podman is not installed (apt-get install podman conmon)"
        return 0
    fi
    mkdir -p "$d/tmp"
    printf '%s\n' '[containers]' 'default_ulimits = []' 'netns = "none"' '[engine]' \
        'runtime_supports_json = ["crun", "runc", "urun"]' 'cgroup_manager = "cgroupfs"' 'events_logger = "file"' \
        "events_logfile_path = \"$d/events.log\"" "tmp_dir = \"$d/tmp\"" > "$d/containers.conf"
    printf '%s\n' '[storage]' 'driver = "vfs"' "graphroot = \"$d/graph\"" "runroot = \"$d/run\"" > "$d/storage.conf"
    : > "$d/registries.conf"
    local envs=(env CONTAINERS_CONF="$d/containers.conf" CONTAINERS_STORAGE_CONF="$d/storage.conf"
                CONTAINERS_REGISTRIES_CONF="$d/registries.conf")
    if ! tar -C "$rootfs" -cf "$d/rootfs.tar" . || ! "${envs[@]}" podman import "$d/rootfs.tar" localhost/urun-bench \
            > "$d/import.log" 2>&1; then
        skip "podman run" "podman import of the bench rootfs failed: $(tail -n 1 "$d/import.log")"
        return 0
    fi
    for rt in urun crun; do
        [ -n "${OK[$rt,root]:-}" ] || continue
        add_row "podman-$rt" "${envs[@]}" podman --runtime "${RT_BIN[$rt]}" run --rm localhost/urun-bench /bin/true
    done
    ratio podman-urun podman-crun
    measure root podman "[6] podman run --rm IMG /bin/true, through each runtime, root (N=$n, interleaved; vfs storage, no network)" \
        -n "$n" -w 1
    "${envs[@]}" podman rm -a -f >/dev/null 2>&1
    "${envs[@]}" podman rmi -a -f >/dev/null 2>&1
}

# ---- 7, 8: user-mode networking ----------------------------------------
# urun's own (--network slirp:allow-host-loopback, -p) against slirp4netns
# started the way podman starts it (--configure --mtu=65520
# --enable-sandbox --enable-seccomp --enable-ipv6, ready fd; host loopback
# allowed, so no --disable-host-loopback; ports through its API socket's
# add_hostfwd) on a namespace made by unshare, and pasta (--config-net,
# 10.0.2.100/24 via 10.0.2.2, MTU 65520, the gateway mapped to the host's
# loopback) attached to such a namespace by pid.  Every peer is on the
# host's loopback (127.0.0.1, reached from inside as 10.0.2.2) or in a
# namespace made here; every wait is bounded; every process is ours, killed
# by pid.  iperf3 runs from the host's /usr: urun's containers get a "host
# rootfs" bundle (the host's /usr and /etc bound read-only), the others see
# the host's file system anyway; the client inside is started with
# `nsenter -t PID -n` for every backend alike.
NET_ROUNDS=${BENCH_NET_ROUNDS:-$(( N >= 10 ? 3 : 1 ))}
NET_SECONDS=${BENCH_NET_SECONDS:-$(( N >= 10 ? 2 : 1 ))}
# NET_PIDS: every process of a sandbox, NET_SERVERS: the host's servers
# (both killed by pid, in cleanup too)
net_kill() {       # net_kill PID...: TERM, a bounded wait, then KILL
    local p i
    for p in "$@"; do kill "$p" 2>/dev/null; done
    for p in "$@"; do
        for i in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    return 0
}
# until CMD... succeeds: 100 tries, 50 ms apart (5 s)
net_until() { local i; for i in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
net_listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
ns_listening() { [ -n "$(nsenter -t "$1" -n ss -Hltn "sport = :$2" 2>/dev/null)" ]; }

NET_OK=0
declare -A NET_MODE_OK   # NET_MODE_OK[mode]=1 when the mode's user can open /dev/net/tun
NET_HAVE_S4N=0 NET_HAVE_PASTA=0 NET_HAVE_IPERF=0
net_checks() {
    local m
    if [ ! -c /dev/net/tun ]; then
        skip "network rows" "no /dev/net/tun (modprobe tun)"; return 0
    fi
    for t in nsenter ss; do
        command -v "$t" >/dev/null || { skip "network rows" "$t not found: apt-get install $( [ $t = ss ] && echo iproute2 || echo util-linux)"; return 0; }
    done
    NET_OK=1
    command -v iperf3 >/dev/null && NET_HAVE_IPERF=1 ||
        skip "network throughput [7]" "iperf3 not installed: apt-get install iperf3"
    command -v slirp4netns >/dev/null && NET_HAVE_S4N=1 ||
        skip "slirp4netns network rows" "slirp4netns not installed: apt-get install slirp4netns"
    command -v pasta >/dev/null && NET_HAVE_PASTA=1 ||
        skip "pasta network rows" "pasta not installed: apt-get install passt"
    # rootless, the user opens /dev/net/tun (urun's child, slirp4netns,
    # pasta): a 0666 node of the bench's own, bound over the host's in this
    # private mount namespace (the host's is left as it is, as
    # tests/engines/with-tun.sh does), always: a test harness elsewhere may
    # chmod the host's between 0600 and 0666 during the run
    for m in "${MODES[@]}"; do
        if [ "$m" = rootless ]; then
            mkdir -p "$stage/tun" &&
                mount -t tmpfs -o mode=755,size=16k urun-bench-tun "$stage/tun" &&
                mknod -m 666 "$stage/tun/tun" c 10 200 &&
                mount --bind "$stage/tun/tun" /dev/net/tun &&
                notes+=("/dev/net/tun: a 0666 node of the bench's own bound over the host's in its private mount namespace, for the rootless network rows")
        fi
        if as_mode "$m" sh -c 'exec 3<>/dev/net/tun' 2>/dev/null; then NET_MODE_OK[$m]=1
        else skip "network rows ($m)" "$( [ "$m" = rootless ] && echo "$BENCH_USER" || echo root) cannot open /dev/net/tun ($(ls -l /dev/net/tun | cut -d' ' -f1)): chmod 0666 /dev/net/tun"; fi
    done
    # ports of this run's own on the host's loopback, all free
    local base=$(( 30000 + ($$ * 13) % 20000 )) i
    for i in 0 1 2 3 4; do
        if net_listening $((base + i)); then skip "network rows" "port $((base + i)) on 127.0.0.1 is in use; run again"; NET_OK=0; return 0; fi
    done
    NET_PORT_IPERF=$base NET_PORT_ECHO=$((base + 1))
    declare -gA NET_PUB=([urun]=$((base + 2)) [slirp4netns]=$((base + 3)) [pasta]=$((base + 4)))
}

# The host rootfs: empty mount points, the host's /bin-like symlinks (or
# binds where they are directories), /usr and /etc bound read-only, the
# bench's binaries (benchdriver) at /bench, a tmpfs /tmp (iperf3 keeps its
# buffer in a file there).
make_host_bundle() {
    local mode=$1 name=$2 args=$3 dir=$stage/bundles/$1/$2 hr=$stage/hostroot d tmp
    if [ ! -d "$hr" ]; then
        mkdir -p "$hr"/{usr,etc,proc,sys,dev,tmp,bench}
        for d in bin sbin lib lib32 lib64 libx32; do
            if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$hr/$d"
            elif [ -d "/$d" ]; then mkdir -p "$hr/$d"; fi
        done
    fi
    make_bundle "$mode" "$name" "$args" || return 1
    local binds=(usr etc)
    for d in bin sbin lib lib32 lib64 libx32; do [ -d "/$d" ] && [ ! -L "/$d" ] && binds+=("$d"); done
    tmp=$(jq --arg r "$hr" --arg b "$stage/bin" --args '.root.path=$r | .root.readonly=true
        | .mounts += ([$ARGS.positional[] | {destination: ("/" + .), type: "bind", source: ("/" + .),
                       options: ["rbind", "ro", "nosuid", "nodev"]}]
           + [{destination: "/bench", type: "bind", source: $b, options: ["bind", "ro", "nosuid", "nodev"]},
              {destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=65536k"]}])' \
        "${binds[@]}" < "$dir/config.json") || return 1
    printf '%s\n' "$tmp" > "$dir/config.json"
}

# The sandboxes for [7], one per backend: an iperf3 server on port 5201
# inside; NET_PID[backend] = a process in its network namespace.
declare -A NET_PID
# net_fifo_wait FD [-n 1]: a line (or one character: slirp4netns writes
# "1" with no newline) within 5 s on FD, a FIFO the caller opened
# read-write before starting the writer (so no open blocks), in $NET_WORD;
# FD is closed then
net_fifo_wait() {
    local fd=$1; shift
    NET_WORD=
    read -r -t 5 "$@" NET_WORD <&"$fd"
    eval "exec $fd>&-"
    [ -n "$NET_WORD" ]
}
# in_other_netns PID: PID is a process in a network namespace not ours (so
# slirp4netns --configure or pasta never touch the host's)
in_other_netns() {
    local t; t=$(readlink "/proc/$1/ns/net" 2>/dev/null)
    [ -n "$t" ] && [ "$t" != "$(readlink /proc/self/ns/net)" ]
}
net_up() {
    local mode=$1 be=$2 d=$stage/net/$1/$2 uns=(-n) p
    mkdir -p "$d" && chmod 777 "$d"
    mkfifo -m 666 "$d/in" "$d/ready" || return 1
    [ "$mode" = rootless ] && uns=(--user --map-root-user --net)
    if [ "$be" = urun ]; then
        mapfile -t cmd < <(rt_cmd urun "$mode")
        try "$mode" "${cmd[@]}" run -d --network slirp:allow-host-loopback -p "127.0.0.1:${NET_PUB[urun]}:5201" \
            -b "$stage/bundles/$mode/iperf-server" "net-$mode" || { err="urun run -d: $err"; return 1; }
        p=$(as_mode "$mode" "${cmd[@]}" state "net-$mode" | jq -r '.pid // empty')
        [ -n "$p" ] || { err="no pid in urun state"; return 1; }
        in_other_netns "$p" || { err="the container ($p) is not in a network namespace of its own"; return 1; }
        NET_PID[urun]=$p
    else
        # the namespace: a shell in it says its pid (as_mode's $! is a
        # subshell's in the host's namespace), then becomes the server
        local infd readyfd
        exec {infd}<>"$d/in" {readyfd}<>"$d/ready" || return 1
        as_mode "$mode" unshare "${uns[@]}" sh -c 'echo $$ > "$1"; exec iperf3 -s -p 5201' _ "$d/in" \
            </dev/null >"$d/ns.log" 2>&1 &
        NET_PIDS+=("$!")
        net_fifo_wait "$infd" || { err="the namespace did not come up: $(tail -n 2 "$d/ns.log" | tr '\n' ' ')"; return 1; }
        p=$NET_WORD
        [[ "$p" =~ ^[0-9]+$ ]] && in_other_netns "$p" || { err="no process in a namespace of its own ($p)"; return 1; }
        NET_PIDS+=("$p"); NET_PID[$be]=$p
        [ "$be" = slirp4netns ] || eval "exec $readyfd>&-"
        if [ "$be" = slirp4netns ]; then
            as_mode "$mode" sh -c 'echo $$ > "$1"; shift; exec "$@"' _ "$d/helper.pid" \
                slirp4netns --configure --mtu=65520 --enable-sandbox --enable-seccomp --enable-ipv6 \
                --api-socket "$d/api.sock" -r 3 "$p" tap0 3>"$d/ready" </dev/null >"$d/helper.log" 2>&1 &
            NET_PIDS+=("$!")
            net_until test -s "$d/helper.pid" && NET_PIDS+=("$(cat "$d/helper.pid")")
            net_fifo_wait "$readyfd" -n 1 || { err="slirp4netns not ready: $(tail -n 2 "$d/helper.log" | tr '\n' ' ')"; return 1; }
            as_mode "$mode" "$stage/bin/benchdriver" unix-request "$d/api.sock" \
                "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"tcp\", \"host_addr\": \"127.0.0.1\", \"host_port\": ${NET_PUB[slirp4netns]}, \"guest_port\": 5201}}" \
                >"$d/api.log" 2>&1 || { err="add_hostfwd: $(cat "$d/api.log")"; return 1; }
        else
            as_mode "$mode" sh -c 'echo $$ > "$1"; shift; exec "$@"' _ "$d/helper.pid" \
                pasta --config-net -f -q -4 -I tap0 -a 10.0.2.100 -n 24 -g 10.0.2.2 -m 65520 \
                -t "127.0.0.1/${NET_PUB[pasta]}:5201" -u none -T none -U none --no-dhcp "$p" \
                </dev/null >"$d/helper.log" 2>&1 &
            NET_PIDS+=("$!")
            net_until test -s "$d/helper.pid" && NET_PIDS+=("$(cat "$d/helper.pid")")
            net_until nsenter -t "$p" -n sh -c 'ip -4 -o addr show tap0 | grep -q 10.0.2.100' ||
                { err="pasta did not configure tap0: $(grep -av syslog "$d/helper.log" | tail -n 2 | tr '\n' ' ')"; return 1; }
        fi
    fi
    net_until ns_listening "${NET_PID[$be]}" 5201 || { err="the iperf3 server inside does not listen"; return 1; }
    net_until net_listening "${NET_PUB[$be]}" || { err="port ${NET_PUB[$be]} is not published"; return 1; }
}
net_down() {
    local mode=$1 p
    mapfile -t cmd < <(rt_cmd urun "$mode")
    as_mode "$mode" "${cmd[@]}" delete -f "net-$mode" >/dev/null 2>&1
    [ "${#NET_PIDS[@]}" -gt 0 ] && net_kill "${NET_PIDS[@]}"
    NET_PIDS=(); NET_PID=()
}

# 7. TCP throughput, NET_ROUNDS rounds of the six directions, backends
#    interleaved: the container's client to the host's server through
#    10.0.2.2 (and -R), the host's client to the container's server
#    through the published port (and -R); iperf3's receiver-side rate.
NET_DIRS=("out|ctr -> host, to 10.0.2.2" "out-R|host -> ctr, to 10.0.2.2 (-R)"
          "th|ctr -> test host (veth)" "th-R|test host -> ctr (veth, -R)"
          "in|host -> ctr, published port" "in-R|ctr -> host, published port (-R)")
bench_net_throughput() {
    local mode=$1 be bes=() r spec dir args out bps jl=$stage/json/net_throughput_$mode.jsonl
    [ "$NET_HAVE_IPERF" = 1 ] || return 0
    bes=(urun)
    [ "$NET_HAVE_S4N" = 1 ] && bes+=(slirp4netns)
    if [ "$NET_HAVE_PASTA" = 1 ]; then
        if [ "$mode" = root ]; then
            skip "pasta throughput (root)" "pasta run as root drops to nobody and cannot attach to a namespace the bench made; it is measured rootless"
        else bes+=(pasta); fi
    fi
    make_host_bundle "$mode" iperf-server '["iperf3","-s","-p","5201"]' || { skip "network throughput ($mode)" "cannot write the host-rootfs bundle"; return 0; }
    local up=()
    for be in "${bes[@]}"; do
        if net_up "$mode" "$be"; then up+=("$be")
        else skip "$be throughput ($mode)" "$err"; fi
    done
    : > "$jl"
    for r in $(seq 1 "$NET_ROUNDS"); do
        for spec in "${NET_DIRS[@]}"; do
            dir=${spec%%|*}
            [[ "$dir" != th* ]] || [ -n "$NET_TH_NS" ] || continue
            for be in "${up[@]}"; do
                args=(-t "$NET_SECONDS" -J); [ "${dir#*-}" = R ] && args+=(-R)
                case $dir in
                    out*) out=$(timeout -k 2 $((NET_SECONDS + 15)) nsenter -t "${NET_PID[$be]}" -n \
                                iperf3 -c 10.0.2.2 -p "$NET_PORT_IPERF" "${args[@]}" 2>&1) ;;
                    th*)  out=$(timeout -k 2 $((NET_SECONDS + 15)) nsenter -t "${NET_PID[$be]}" -n \
                                iperf3 -c "$NET_TH_ADDR" -p "$NET_PORT_IPERF" "${args[@]}" 2>&1) ;;
                    in*)  out=$(timeout -k 2 $((NET_SECONDS + 15)) iperf3 -c 127.0.0.1 -p "${NET_PUB[$be]}" "${args[@]}" 2>&1) ;;
                esac
                bps=$(jq -r '.end.sum_received.bits_per_second // empty' <<<"$out" 2>/dev/null)
                jq -cn --arg b "$be" --arg d "$dir" --argjson r "$r" --arg bps "$bps" \
                    --arg e "$(jq -r '.error // empty' <<<"$out" 2>/dev/null || printf '%s' "${out:0:200}")" \
                    '{backend: $b, dir: $d, round: $r, gbps: (if $bps == "" then null else ($bps | tonumber / 1e9) end),
                      error: (if $bps == "" then (if $e == "" then "no result" else $e end) else null end)}' >> "$jl"
            done
        done
    done
    net_down "$mode"
    # the table and the JSON from the samples
    local dirs_json; dirs_json=$(for spec in "${NET_DIRS[@]}"; do jq -cn --arg k "${spec%%|*}" --arg t "${spec#*|}" '{key: $k, title: $t}'; done | jq -sc .)
    jq -s --argjson dirs "$dirs_json" --arg title "[7] TCP throughput, $mode, iperf3 -t $NET_SECONDS, $NET_ROUNDS round(s), backends interleaved (Gbit/s, receiver side; median of rounds)" \
          --argjson secs "$NET_SECONDS" --argjson rounds "$NET_ROUNDS" --args '
        def med: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
                 else (.[length / 2 - 1] + .[length / 2]) / 2 end;
        . as $s | ($ARGS.positional) as $bes
        | {title: $title, unit: "Gbit/s", seconds: $secs, rounds: $rounds, backends: $bes,
           directions: [$dirs[] | .key as $k | {name: $k, title: .title,
             rows: (reduce $bes[] as $b ({}; .[$b] = ([$s[] | select(.backend == $b and .dir == $k)] as $x
                    | {median_gbps: ([$x[] | .gbps | select(. != null)] | med),
                       samples_gbps: [$x[] | .gbps], errors: [$x[] | .error | select(. != null)]})))}
             | .ratios = (.rows as $r | reduce ("slirp4netns", "pasta") as $o ({};
                  if ($r.urun.median_gbps != null) and ($r[$o].median_gbps // null) != null and $r[$o].median_gbps > 0
                  then .["urun/" + $o] = ($r.urun.median_gbps / $r[$o].median_gbps) else . end))]}' \
        "${up[@]}" < "$jl" > "$stage/json/net_throughput_$mode.json" || return 0
    MEASURED+=("net_throughput_$mode")
    jq -r '.title, ("  " + ("(Gbit/s)" | .[0:34] + " " * (34 - length)) + ([.backends[] | (" " * (12 - length)) + .] | join(""))
                 + "   urun/slirp4netns  urun/pasta"),
           (.directions[] | "  " + (.title | .[0:34] + " " * ([34 - length, 0] | max))
              + ([.rows[] | (.median_gbps | if . == null then "-" else (. * 100 | round / 100 | tostring) end) | (" " * (12 - length)) + .] | join(""))
              + "   " + (.ratios["urun/slirp4netns"] // null | if . == null then "-" else (. * 1000 | round / 1000 | tostring) end | (" " * (16 - length)) + .)
              + "  " + (.ratios["urun/pasta"] // null | if . == null then "-" else (. * 1000 | round / 1000 | tostring) end | (" " * (10 - length)) + .)
              + ([.rows | to_entries[] | select(.value.errors | length > 0) | "  " + .key + ": " + .value.errors[0]] | join(""))),
           "  ratios > 1: urun faster"' "$stage/json/net_throughput_$mode.json" | tee -a "$TABLE"
    say | tee -a "$TABLE"
}

# 8. from `urun run` to the first packet answered: the container's one
#    program connects to an echo server on the host's loopback through
#    10.0.2.2, sends a byte and exits when it comes back; start to exit of
#    the whole, against unshare + slirp4netns set up the same way (a
#    script: the namespace, slirp4netns with its ready fd, then the same
#    probe inside, slirp4netns killed once it ends) and pasta wrapping the
#    probe; and urun run of /bin/true from the same bundle without a
#    network, for what the network adds.
bench_net_first() {
    local mode=$1 d=$stage/net/$1/first
    mkdir -p "$d" && chmod 777 "$d"
    make_host_bundle "$mode" probe "[\"/bench/benchdriver\",\"probe\",\"10.0.2.2\",\"$NET_PORT_ECHO\"]" &&
        make_host_bundle "$mode" true-host '["/bin/true"]' || { skip "network first packet ($mode)" "cannot write the host-rootfs bundle"; return 0; }
    # only urun has --network: its row alone
    ROWS+=(--row urun "${RT_BIN[urun]}" --root "$stage/state/$mode/urun" run --network slirp:allow-host-loopback \
        -b "$stage/bundles/$mode/probe" "f$mode-@N@")
    if [ "$NET_HAVE_S4N" = 1 ]; then
        local uns="-n"; [ "$mode" = rootless ] && uns="--user --map-root-user --net"
        cat > "$d/unshare-slirp4netns.sh" <<EOF
#!/bin/bash
# made by bench.sh: unshare + slirp4netns (as podman starts it), then the probe inside
d=\$(mktemp -d "$d/run.XXXXXX") || exit 1
mkfifo "\$d/in" "\$d/go" "\$d/ready" || exit 1
exec 4<>"\$d/in" 5<>"\$d/go" 6<>"\$d/ready"
unshare $uns sh -c 'echo \$\$ >&4; read x <&5; exec "\$0" probe 10.0.2.2 $NET_PORT_ECHO' "$stage/bin/benchdriver" &
ns=\$!
read -r -t 5 p <&4 || { kill -9 \$ns; exit 1; }
# never the host's namespace: the pid it said is ours, in another one
[ "\$p" = "\$ns" ] && [ "\$(readlink /proc/\$ns/ns/net)" != "\$(readlink /proc/self/ns/net)" ] || { kill -9 \$ns; exit 1; }
slirp4netns --configure --mtu=65520 --enable-sandbox --enable-seccomp --enable-ipv6 -r 6 \$ns tap0 >/dev/null 2>&1 &
s=\$!
read -r -t 5 -n 1 x <&6 || { kill -9 \$ns \$s; exit 1; }
echo go >&5
wait \$ns; rc=\$?
kill \$s; wait \$s
rm -rf "\$d"
exit \$rc
EOF
        chmod 755 "$d/unshare-slirp4netns.sh"
        add_row unshare-slirp4netns "$d/unshare-slirp4netns.sh"
    fi
    if [ "$NET_HAVE_PASTA" = 1 ] && [ "$mode" = rootless ]; then
        add_row pasta pasta --config-net -f -q -4 -I tap0 -a 10.0.2.100 -n 24 -g 10.0.2.2 -m 65520 \
            -t none -u none -T none -U none --no-dhcp -- "$stage/bin/benchdriver" probe 10.0.2.2 "$NET_PORT_ECHO"
    fi
    local b=$stage/bundles/$mode/true-host
    ROWS+=(--row urun-no-network "${RT_BIN[urun]}" --root "$stage/state/$mode/urun" run -b "$b" "fn$mode-@N@")
    ratio urun unshare-slirp4netns; ratio urun pasta; ratio urun urun-no-network
    measure "$mode" "net_first_packet_$mode" "[8] run to the first packet answered (TCP connect + 1 byte echoed by 127.0.0.1 via 10.0.2.2), start to exit, $mode (N=$N, interleaved; urun-no-network: run /bin/true, same bundle)" \
        -n "$N" -w "$WARM"
}

# The test host of [7]: a network namespace of the bench's own behind a
# veth pair (198.18.7.1 here, 198.18.7.2 there: RFC 2544's benchmarking
# range, skipped where the host already uses it), an iperf3 server there;
# NET_TH_NS is set once it answers (the rows are skipped otherwise).
NET_TH_ADDR=198.18.7.2
net_test_host() {
    local ns=urun-bench-th-$$ h=ubth$$ err=
    if ip -4 addr show 2>/dev/null | grep -q ' 198\.18\.'; then
        skip "network throughput to a test host [7]" "the host has an address in 198.18.0.0/15 already"; return 0
    fi
    ip netns add "$ns" || { skip "network throughput to a test host [7]" "ip netns add failed"; return 0; }
    NET_TH_NS=$ns
    { ip link add "$h" type veth peer name eth0 netns "$ns" &&
      ip addr add 198.18.7.1/30 dev "$h" && ip link set "$h" mtu 65520 up &&
      ip -n "$ns" addr add "$NET_TH_ADDR/30" dev eth0 && ip -n "$ns" link set eth0 mtu 65520 up &&
      ip -n "$ns" link set lo up; } 2>"$stage/logs/test-host.log" || err="the veth pair: $(tail -n 1 "$stage/logs/test-host.log")"
    if [ -z "$err" ]; then
        ip netns exec "$ns" iperf3 -s -B "$NET_TH_ADDR" -p "$NET_PORT_IPERF" </dev/null >"$stage/logs/iperf3-test-host.log" 2>&1 &
        NET_SERVERS+=("$!")
        net_until ip netns exec "$ns" sh -c "ss -Hltn 'sport = :$NET_PORT_IPERF' | grep -q ." || err="its iperf3 server did not listen"
    fi
    if [ -n "$err" ]; then
        skip "network throughput to a test host [7]" "$err"
        ip netns del "$ns" 2>/dev/null; NET_TH_NS=
    fi
    return 0
}

bench_net() {
    local mode
    [ "$NET_OK" = 1 ] || return 0
    install -m 755 "$BENCHDRIVER" "$stage/bin/benchdriver"
    if [ "$NET_HAVE_IPERF" = 1 ]; then
        iperf3 -s -B 127.0.0.1 -p "$NET_PORT_IPERF" </dev/null >"$stage/logs/iperf3-server.log" 2>&1 &
        NET_SERVERS+=("$!")
        net_until net_listening "$NET_PORT_IPERF" || { skip "network throughput [7]" "the host's iperf3 server did not listen"; NET_HAVE_IPERF=0; }
    fi
    [ "$NET_HAVE_IPERF" = 1 ] && net_test_host
    "$stage/bin/benchdriver" echo-server 127.0.0.1 "$NET_PORT_ECHO" 3600 </dev/null >"$stage/logs/echo-server.log" 2>&1 &
    NET_SERVERS+=("$!")
    net_until net_listening "$NET_PORT_ECHO" || { skip "network first packet [8]" "the echo server did not listen"; }
    for mode in "${MODES[@]}"; do
        [ -n "${NET_MODE_OK[$mode]:-}" ] && [ -n "${OK[urun,$mode]:-}" ] || continue
        bench_net_throughput "$mode"
        bench_net_first "$mode"
    done
    net_kill "${NET_SERVERS[@]}"
    NET_SERVERS=()
    [ -z "$NET_TH_NS" ] || ip netns del "$NET_TH_NS"
    NET_TH_NS=
}

# BENCH_ONLY="run net ...": only these groups (run, rss, split, exec, scale,
# podman, net); all when unset
want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
START=$(date +%s)
want net && net_checks
{
    say "urun benchmark: $(uname -r), $(nproc) CPUs, N=$N warm-up=$WARM scale=$SCALE x $SCALE_ROUNDS rounds"
    say "  urun: $("$URUN" --version 2>&1 | head -n 1)"
    for rt in "${RUNTIMES[@]:1}"; do say "  $rt: $("${RT_BIN[$rt]}" --version 2>&1 | head -n 1)"; done
    say "  $(unshare --version)"
    say "  $cgroup_note"
    [ "${#MODES[@]}" -gt 1 ] && say "  rootless = user $BENCH_USER ($user_uid), subordinate ids $subuid:65536 / $subgid:65536, same 'urun spec --rootless' config for every runtime"
    for n in "${notes[@]}"; do say "  note: $n"; done
    say "  network: iperf3 $(iperf3 --version 2>/dev/null | head -n 1 | cut -d' ' -f2), $(slirp4netns --version 2>/dev/null | head -n 1), pasta $(dpkg-query -W -f '${Version}' passt 2>/dev/null); throughput $NET_ROUNDS round(s) of iperf3 -t $NET_SECONDS"
    say "  times in ms; only ratios within one interleaved table are meaningful"
    say
} | tee -a "$TABLE"

for mode in "${MODES[@]}"; do
    want run && bench_run "$mode"
    want rss && bench_rss "$mode"
done
want split && for mode in "${MODES[@]}"; do bench_split "$mode"; done
want exec && for mode in "${MODES[@]}"; do bench_exec "$mode"; done
want scale && for mode in "${MODES[@]}"; do bench_scale "$mode"; done
want podman && bench_podman
want net && bench_net

if [ "${#CGROUP_LINES[@]}" -gt 0 ]; then
    say "cgroups (seen from the exec containers; /proc/PID/cgroup against the harness's own):" | tee -a "$TABLE"
    for l in "${CGROUP_LINES[@]}"; do say "  $l" | tee -a "$TABLE"; done
    say | tee -a "$TABLE"
fi
if [ "${#skips[@]}" -gt 0 ]; then
    say "skipped:" | tee -a "$TABLE"
    for s in "${skips[@]}"; do say "  ${s%%|*}: ${s#*|}" | tee -a "$TABLE"; done
fi

# ---- the JSON ---------------------------------------------------------
{
    for k in "${MEASURED[@]}"; do jq -c --arg k "$k" '{($k): .}' "$stage/json/$k.json"; done
} | jq -s 'add // {}' > "$stage/json/all.json"
cgroups_json=$(for l in "${CGROUP_LINES[@]}"; do jq -cn --arg l "$l" '$l'; done | jq -s .)
skips_json=$(for s in "${skips[@]}"; do jq -cn --arg w "${s%%|*}" --arg r "${s#*|}" '{what: $w, reason: $r}'; done | jq -s .)
rss_json=$( [ -s "$stage/json/rss.jsonl" ] && jq -s . "$stage/json/rss.jsonl" || echo '[]')
jq -n --argjson m "$(cat "$stage/json/all.json")" --argjson s "$skips_json" --argjson rss "$rss_json" \
    --argjson cgroups "$cgroups_json" \
    --arg kernel "$(uname -r)" --arg cg "$cgroup_note" --argjson n "$N" --argjson w "$WARM" \
    --argjson scale "$SCALE" --argjson sr "$SCALE_ROUNDS" --arg user "$BENCH_USER" \
    --arg urun "$("$URUN" --version 2>&1 | head -n 1)" \
    --arg crun "$("${RT_BIN[crun]}" --version 2>/dev/null | head -n 1)" \
    --arg runc "$("${RT_BIN[runc]}" --version 2>/dev/null | head -n 1)" \
    --argjson cpus "$(nproc)" --rawfile table "$TABLE" \
    --argjson nr "$NET_ROUNDS" --argjson ns "$NET_SECONDS" \
    --arg iperf3 "$(iperf3 --version 2>/dev/null | head -n 1)" \
    --arg s4n "$(slirp4netns --version 2>/dev/null | head -n 1)" \
    --arg pasta "$(dpkg-query -W -f '${Version}' passt 2>/dev/null)" \
    '{meta: {kernel: $kernel, cpus: $cpus, n: $n, warmup: $w, scale: $scale, scale_rounds: $sr,
             rootless_user: $user, cgroup: $cg,
             versions: {urun: $urun, crun: $crun, runc: $runc, iperf3: $iperf3, slirp4netns: $s4n, passt: $pasta},
             network: {throughput_rounds: $nr, iperf3_seconds: $ns},
             units: {time: "ms", rss: "KiB", throughput: "Gbit/s"}},
      summary: {network_throughput_ratios: ($m | with_entries(select(.key | startswith("net_throughput_")))
                  | with_entries(.key |= ltrimstr("net_throughput_")
                                 | .value |= ([.directions[] | {key: .name, value: .ratios}] | from_entries))),
                network_first_packet_ratios: ($m | with_entries(select(.key | startswith("net_first_packet_")))
                  | with_entries(.key |= ltrimstr("net_first_packet_")
                                 | .value |= ([.ratios[] | {key: .name, value: .ratio_of_medians}] | from_entries)))},
      skipped: $s, cgroup_placement: $cgroups, gnu_time_rss: $rss, measurements: $m, table: $table}' > "$OUT"
say "bench: results written to $OUT ($(( $(date +%s) - START ))s)"
exit 0
