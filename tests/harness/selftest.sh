#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The test harness's own test: runs tests/run-tests.sh over the bats files
# of tests/harness/fixtures/ (URUN_SUITES; no unit tests, one pass, a stub
# urun) and over fake bats commands (URUN_BATS), and checks that what must
# fail is reported failed (non-zero exit, and a counts line that says so,
# with the reason) and that a set of passing tests is reported passed.
# Also runs tests/tools/lint-bats.sh on the fixtures directly.
#
# Prints TAP (the plan last); exits non-zero when a check fails.
# tests/run-tests.sh runs it first (unless URUN_SELFTEST=0).
set -u
here=$(cd "$(dirname "$0")" && pwd)
tests=$(cd "$here/.." && pwd)
top=$(cd "$tests/.." && pwd)
fx=$here/fixtures
lint=$tests/tools/lint-bats.sh
tmp=$(mktemp -d /tmp/urun-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0

# The one pass the inner runs make: as root when we are root, else rootless
# (as ourselves).
if [ "$(id -u)" = 0 ]; then pass=root; else pass=rootless; fi

# The fixtures need no urun: a stub stands in for it.
printf '#!/bin/sh\necho "urun stub of the harness self-test" >&2\nexit 1\n' > "$tmp/urun"
# Fake bats commands, each given "--tap FILE" like bats.
printf '#!/bin/sh\necho "ok 1 a result and no plan"\n' > "$tmp/bats-noplan"
printf '#!/bin/sh\necho "1..2"\necho "ok 1 the first of two"\n' > "$tmp/bats-short"
printf '#!/bin/sh\necho "1..1"\necho "ok 1 all good, but the exit status is 1"\nexit 1\n' > "$tmp/bats-badexit"
chmod 755 "$tmp/urun" "$tmp"/bats-*
mkdir "$tmp/empty"

# harness NAME [VAR=VALUE...]: run the harness into $tmp/NAME.out; its exit
# status in $tmp/NAME.rc.
harness() {
    local name=$1
    shift
    env URUN="$tmp/urun" BUILDDIR="$tmp" UNIT_TESTS= TEST_TOOLS= URUN_SELFTEST=0 \
        URUN_PASSES=$pass "$@" "$tests/run-tests.sh" > "$tmp/$name.out" 2>&1 </dev/null
    echo $? > "$tmp/$name.rc"
}
rc_of() { cat "$tmp/$1.rc"; }
counts_of() { grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$tmp/$1.out" | tail -n 1; }
last_line_of() { tail -n 1 "$tmp/$1.out"; }

# check DESCRIPTION NAME COMMAND...: one TAP result; on failure, the
# output of run NAME (if any) as diagnostics.
check() {
    local desc=$1 name=$2
    shift 2
    n=$((n + 1))
    if "$@"; then
        echo "ok $n $desc"
    else
        echo "not ok $n $desc"
        bad=$((bad + 1))
        if [ -n "$name" ] && [ -e "$tmp/$name.out" ]; then
            echo "# exit status $(rc_of "$name"); output of run-tests.sh:"
            sed 's/^/#   /' "$tmp/$name.out"
        fi
    fi
}

# was_failed NAME: exit status non-zero, counts line last, saying failed.
was_failed() {
    [ "$(rc_of "$1")" -ne 0 ] &&
        [ "$(last_line_of "$1")" = "$(counts_of "$1")" ] &&
        counts_of "$1" | grep -Eq ', [1-9][0-9]* failed,'
}
says() { grep -qF -- "$2" "$tmp/$1.out"; }

# ---- the lint alone ---------------------------------------------------------
# lint_marked FILE: the lint exits 1 and reports exactly the lines of FILE
# marked LINT-OFFENCE.
lint_marked() {
    local expected got lrc got_lines
    expected=$(grep -n '^[[:space:]]*!.*# LINT-OFFENCE' "$1" | cut -d: -f1 | sed "s|^|$1:|" | tr '\n' ' ')
    got=$("$lint" "$1" 2>&1); lrc=$?
    got_lines=$(printf '%s\n' "$got" | grep -oE '^[^:]+:[0-9]+' | tr '\n' ' ')
    if [ "$lrc" -eq 1 ] && [ -n "$expected" ] && [ "$got_lines" = "$expected" ]; then return 0; fi
    echo "# lint exit status $lrc; expected $expected; reported:"
    printf '%s\n' "$got" | sed 's/^/#   /'
    return 1
}
check "lint: reports exactly the LINT-OFFENCE lines of fixtures/lint/bang.bats, exits 1" "" \
    lint_marked "$fx/lint/bang.bats"
check "lint: accepts the other fixtures (a final !, ! ... || false)" "" \
    "$lint" "$fx/pass/pass.bats" "$fx/fail/fail.bats" "$fx/crash/crash.bats" "$fx/skiponly/skip.bats"

# ---- passing tests only: passed ----------------------------------------------
harness pass URUN_SUITES="$fx/pass"
check "only passing fixtures: exit status 0" pass [ "$(rc_of pass)" -eq 0 ]
check "only passing fixtures: the last line is '2 passed, 0 failed, 1 skipped'" pass \
    [ "$(last_line_of pass)" = "2 passed, 0 failed, 1 skipped" ]

# ---- a failing test and a lint offence: failed -------------------------------
harness mixed URUN_SUITES="$fx/pass $fx/fail $fx/lint"
check "failing test + lint offences: reported failed (exit status, counts line)" mixed was_failed mixed
check "failing test + lint offences: '7 passed, 3 failed, 1 skipped' (1 test, 2 offences)" mixed \
    [ "$(last_line_of mixed)" = "7 passed, 3 failed, 1 skipped" ]
check "failing test + lint offences: the failing test is reported" mixed \
    says mixed "not ok 2 fixture fail: this one fails on purpose"
for l in $(grep -n '^[[:space:]]*!.*# LINT-OFFENCE' "$fx/lint/bang.bats" | cut -d: -f1); do
    check "failing test + lint offences: the offence at bang.bats:$l is reported" mixed \
        says mixed "[lint] tests/harness/fixtures/lint/bang.bats:$l: "
done

# ---- a bats run that dies mid-file: failed -----------------------------------
harness crash URUN_SUITES="$fx/pass $fx/crash"
check "a crash mid-file: reported failed" crash was_failed crash
check "a crash mid-file: the unmet plan is reported" crash says crash "the TAP plan is 1..3 but"

# ---- fake bats: no plan, a short stream, a bad exit status: failed ------------
harness noplan URUN_SUITES="$fx/pass" URUN_BATS="$tmp/bats-noplan"
check "no TAP plan: reported failed" noplan was_failed noplan
check "no TAP plan: said" noplan says noplan "no TAP plan"
harness short URUN_SUITES="$fx/pass" URUN_BATS="$tmp/bats-short"
check "a plan of 2 and 1 result: reported failed" short was_failed short
check "a plan of 2 and 1 result: said" short says short "the TAP plan is 1..2 but 1 results"
harness badexit URUN_SUITES="$fx/pass" URUN_BATS="$tmp/bats-badexit"
check "bats exits 1 with every test ok: reported failed" badexit was_failed badexit
check "bats exits 1 with every test ok: said" badexit says badexit "exited with status 1 but reported no failing test"

# ---- bats missing: failed ---------------------------------------------------
harness nobats URUN_SUITES="$fx/pass" URUN_BATS="$tmp/no-such-bats"
check "bats not installed: reported failed" nobats was_failed nobats
check "bats not installed: said" nobats says nobats "bats is not installed"

# ---- no test ran: failed ------------------------------------------------------
harness skiponly URUN_SUITES="$fx/skiponly"
check "only a skipped test: reported failed" skiponly was_failed skiponly
check "only a skipped test: the pass that ran no test is said" skiponly says skiponly "[$pass] this pass ran no test"
check "only a skipped test: 'no test ran at all' is said" skiponly says skiponly "no test ran at all"
harness empty URUN_SUITES="$tmp/empty"
check "a suite without bats files: reported failed" empty was_failed empty
check "a suite without bats files: the pass that ran no test is said" empty says empty "[$pass] this pass ran no test"

echo "1..$n"
[ "$bad" -eq 0 ]
