#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make fuzz`: run libFuzzer targets, one after the other, each for a bounded
# time, and fail on any finding.
#   run-fuzz.sh SRCDIR OUTDIR TARGET...
# SRCDIR is tests/fuzz of the source tree: corpus/TARGET/ (the seeds) and
# TARGET.dict, only read.  OUTDIR is tests/fuzz of a build configured with
# --enable-fuzz: fuzz-TARGET, and run/TARGET/ where each run works: corpus/
# (a copy of the seeds, plus what earlier runs found), artifacts/ (what
# libFuzzer saves of a crash, leak, timeout or OOM), fuzz.log, tmp/.
# Environment (make fuzz sets them from its variables of the same names):
#   FUZZ_SECONDS  per target (default 60)
#   FUZZ_TIMEOUT  seconds one input may take before it counts as a hang (10)
#   FUZZ_RSS_MB   memory limit, and limit of one malloc (2048)
#   FUZZ_MAX_LEN  longest input libFuzzer makes (65536)
#   FUZZ_VERBOSE  1: libFuzzer's output on the terminal too, not only in fuzz.log
# Exit status 0 when every target ran its time with no finding, 1 otherwise,
# with the report and the path of each reproducer.
set -uo pipefail

src=${1:?usage: run-fuzz.sh SRCDIR OUTDIR TARGET...}
out=${2:?usage: run-fuzz.sh SRCDIR OUTDIR TARGET...}
shift 2
secs=${FUZZ_SECONDS:-60}
timeout=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-2048}
max_len=${FUZZ_MAX_LEN:-65536}
for v in secs timeout rss max_len; do
    if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
        echo "run-fuzz.sh: $v must be a positive number of seconds/MB/bytes, not \`${!v}'" >&2
        exit 2
    fi
done
[ $# -gt 0 ] || { echo "run-fuzz.sh: no target given" >&2; exit 2; }

# Symbolized stack traces need llvm-symbolizer (Debian package llvm-14).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
    for s in llvm-symbolizer-14 llvm-symbolizer /usr/lib/llvm-14/bin/llvm-symbolizer; do
        if p=$(command -v "$s"); then
            export ASAN_SYMBOLIZER_PATH=$p
            break
        fi
    done
    [ -n "${ASAN_SYMBOLIZER_PATH:-}" ] ||
        echo "run-fuzz.sh: no llvm-symbolizer (Debian package llvm-14): reports will show addresses only" >&2
fi
# Leaks are findings (libFuzzer checks after each input that allocated more
# than it freed); any UBSan report stops the run (the build also has
# -fno-sanitize-recover=all).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=0:check_initialization_order=1:strict_string_checks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# leaks of libraries urun cannot fix, each explained there
export LSAN_OPTIONS="suppressions=$src/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

failed=()
for t in "$@"; do
    bin=$out/fuzz-$t run=$out/run/$t
    if [ ! -x "$bin" ] || [ ! -d "$src/corpus/$t" ]; then
        echo "run-fuzz.sh: no target \`$t' ($bin, $src/corpus/$t)" >&2
        exit 2
    fi
    mkdir -p "$run/corpus" "$run/artifacts" "$run/tmp"
    # the seeds, copied: libFuzzer writes what it finds into its first
    # corpus directory, which must not be the source tree's
    cp "$src/corpus/$t"/* "$run/corpus/"
    # this run's artifacts: crash-*, leak-*, timeout-*, oom-* after it
    prefix=$run/artifacts/$(date +%Y%m%d-%H%M%S)-
    args=(-max_total_time="$secs" -timeout="$timeout" -rss_limit_mb="$rss" -malloc_limit_mb="$rss"
          -max_len="$max_len" -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$prefix")
    [ -f "$src/$t.dict" ] && args+=(-dict="$src/$t.dict")
    echo "fuzz-$t: fuzzing for $secs s (log: $run/fuzz.log)"
    start=$(date +%s)
    # libFuzzer stops by itself at -max_total_time and on a hang of one
    # input (-timeout); `timeout` is the guard should it not
    if [ "${FUZZ_VERBOSE:-0}" = 1 ]; then
        TMPDIR=$run/tmp timeout -k 30 $((secs + timeout + 600)) "$bin" "${args[@]}" "$run/corpus" 2>&1 | tee "$run/fuzz.log"
        rc=${PIPESTATUS[0]}
    else
        TMPDIR=$run/tmp timeout -k 30 $((secs + timeout + 600)) "$bin" "${args[@]}" "$run/corpus" > "$run/fuzz.log" 2>&1
        rc=$?
    fi
    took=$(($(date +%s) - start))
    mapfile -t found < <(compgen -G "$prefix*" | grep -v -- "-slow-unit-" | sort)
    logstat() { sed -n "s/^stat::$1: *//p" "$run/fuzz.log" | tail -n 1; }
    if [ "$rc" -eq 0 ] && [ ${#found[@]} -eq 0 ]; then
        cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$run/fuzz.log" | tail -n 1)
        echo "fuzz-$t: ok: $(logstat number_of_executed_units) inputs in ${took} s (${cov:-cov: ?}), peak RSS $(logstat peak_rss_mb) MB"
        continue
    fi
    failed+=("$t")
    # the report: from its first line (sanitizer, libFuzzer or the
    # target's own assertion) to the end, or the end of the log
    if [ "${FUZZ_VERBOSE:-0}" != 1 ]; then
        first=$(grep -n -m 1 -E '^==[0-9]+== ?ERROR|runtime error:|fuzz assertion failed|^fuzz(-state)?: ' "$run/fuzz.log" | cut -d: -f1)
        if [ -n "$first" ]; then tail -n "+$first" "$run/fuzz.log"; else tail -n 80 "$run/fuzz.log"; fi |
            head -n 200 | sed "s/^/fuzz-$t: | /"
    fi
    case $rc in
        124|137) echo "fuzz-$t: FAILED: still running after $((secs + timeout + 600)) s, killed (a hang libFuzzer did not catch)" ;;
        *) echo "fuzz-$t: FAILED (exit status $rc) after ${took} s; log: $run/fuzz.log" ;;
    esac
    for f in "${found[@]}"; do
        echo "fuzz-$t: reproducer: $f"
        echo "fuzz-$t:   run it:      LSAN_OPTIONS=suppressions=$src/lsan.supp $bin $f"
        echo "fuzz-$t:   minimize it: LSAN_OPTIONS=suppressions=$src/lsan.supp $bin -minimize_crash=1 -max_total_time=300 -artifact_prefix=$run/artifacts/min- $f"
    done
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "make fuzz: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "make fuzz: ok: $* ($secs s each)"
