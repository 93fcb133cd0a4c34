#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# urun benchmark harness (`make bench` runs it).
#
# What it is for, restated from the issue:
#   * It installs nothing.  It looks for what it needs and names the Debian
#     package for each missing piece (crun, runc, util-linux's unshare with
#     --map-users, uidmap's newuidmap, GNU time, busybox-static, jq); a missing
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
#          bare `unshare -Ur` beside it.  Rows run interleaved
#          (A B C A B C ...), N rounds (BENCH_N, default 50) after warm-up
#          rounds (BENCH_WARMUP, default 5); medians, p10/p90 and MAD, and the
#          ratios urun/crun, urun/runc, urun/floor;
#       2. the create / start / delete split (as in youki's benchmark);
#       3. peak RSS of one run;
#       4. `exec` latency into a running container (urun vs crun, runc too);
#       5. scale: BENCH_SCALE (default 50) detached containers started at
#          once, then deleted at once: wall time, failures (must be 0), and
#          memory and processes left per running container.
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
    rm -rf "$stage"
}
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
    tmp=$(jq --arg r "$rootfs" --argjson a "$args" \
        '.process.terminal=false | .process.args=$a | .root.path=$r' "$dir/config.json") || return 1
    printf '%s\n' "$tmp" > "$dir/config.json"
}
for mode in "${MODES[@]}"; do
    mkdir -p "$stage/state/$mode"
    make_bundle "$mode" true '["/bin/true"]' && make_bundle "$mode" sleep '["/bin/sleep","3600"]' || {
        say "bench: cannot write the $mode bundle with '$URUN spec'"; exit 0; }
    for rt in "${RUNTIMES[@]}"; do
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
    ratio urun crun; ratio urun runc; ratio urun floor; ratio crun floor; ratio runc floor
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

START=$(date +%s)
{
    say "urun benchmark: $(uname -r), $(nproc) CPUs, N=$N warm-up=$WARM scale=$SCALE x $SCALE_ROUNDS rounds"
    say "  urun: $("$URUN" --version 2>&1 | head -n 1)"
    for rt in "${RUNTIMES[@]:1}"; do say "  $rt: $("${RT_BIN[$rt]}" --version 2>&1 | head -n 1)"; done
    say "  $(unshare --version)"
    say "  $cgroup_note"
    [ "${#MODES[@]}" -gt 1 ] && say "  rootless = user $BENCH_USER ($user_uid), subordinate ids $subuid:65536 / $subgid:65536, same 'urun spec --rootless' config for every runtime"
    for n in "${notes[@]}"; do say "  note: $n"; done
    say "  times in ms; only ratios within one interleaved table are meaningful"
    say
} | tee -a "$TABLE"

for mode in "${MODES[@]}"; do
    bench_run "$mode"
    bench_rss "$mode"
done
for mode in "${MODES[@]}"; do bench_split "$mode"; done
for mode in "${MODES[@]}"; do bench_exec "$mode"; done
for mode in "${MODES[@]}"; do bench_scale "$mode"; done
bench_podman

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
    '{meta: {kernel: $kernel, cpus: $cpus, n: $n, warmup: $w, scale: $scale, scale_rounds: $sr,
             rootless_user: $user, cgroup: $cg, versions: {urun: $urun, crun: $crun, runc: $runc},
             units: {time: "ms", rss: "KiB"}},
      skipped: $s, cgroup_placement: $cgroups, gnu_time_rss: $rss, measurements: $m, table: $table}' > "$OUT"
say "bench: results written to $OUT ($(( $(date +%s) - START ))s)"
exit 0
