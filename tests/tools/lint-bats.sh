#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# lint-bats.sh FILE.bats...
#
# Rejects a `! cmd` assertion that is not the last command of its @test
# block.  bats runs a test with `set -e`, and errexit ignores the status of
# a command negated with `!`, so such a line can never fail the test; only
# the last command of the block counts (it is the block's status).
#
# Prints "FILE:LINE: ..." for each offence and exits 1 when there is any,
# 2 when a file cannot be read, 0 otherwise.
#
# What is a command line: comment and blank lines are not, nor the body of
# a heredoc, nor the lines that continue a command (a trailing backslash or
# a quoted string spanning lines), nor the `}` that closes the @test.
# Accepted forms: a `!` command that is the block's last command, and
# `! cmd || false` (also `|| return ...`, `|| exit ...`, `|| fail ...`).
set -u

if [ $# -eq 0 ]; then
    echo "usage: $0 FILE.bats..." >&2
    exit 2
fi

rc=0
for f in "$@"; do
    if [ ! -r "$f" ]; then
        echo "$f: cannot read" >&2
        rc=2
        continue
    fi
    awk -v file="$f" '
    # Scan one line of shell, carrying the quoting state across lines.
    # Sets: sq/dq (inside a single- or double-quoted string at the end of
    # the line), cont (a trailing backslash), code (the line without its
    # comment), and queues the delimiters of heredocs the line opens.
    function scan(line,    i, n, c, prev, rest, m, d, strip) {
        code = ""; cont = 0
        n = length(line)
        prev = " "
        for (i = 1; i <= n; i++) {
            c = substr(line, i, 1)
            if (sq) {
                if (c == "\047") sq = 0
            } else if (c == "\\") {
                if (i == n) { cont = 1; break }
                code = code c; i++; c = substr(line, i, 1)
            } else if (dq) {
                if (c == "\"") dq = 0
            } else if (c == "\047") {
                sq = 1
            } else if (c == "\"") {
                dq = 1
            } else if (c == "#" && prev ~ /[[:space:];&|()]/) {
                break                           # a comment to the end of the line
            } else if (c == "<" && substr(line, i, 2) == "<<" && substr(line, i, 3) != "<<<") {
                rest = substr(line, i + 2)
                strip = 0
                if (substr(rest, 1, 1) == "-") { strip = 1; rest = substr(rest, 2) }
                if (match(rest, /^[[:space:]]*["\047]?[A-Za-z_][A-Za-z0-9_]*["\047]?/)) {
                    d = substr(rest, 1, RLENGTH)
                    gsub(/[[:space:]"\047]/, "", d)
                    nhd++; hd[nhd] = d; hds[nhd] = strip
                    m = 2 + strip + RLENGTH
                    code = code substr(line, i, m)
                    i += m - 1; prev = "x"
                    continue
                }
            }
            code = code c
            prev = c
        }
    }
    function offence(l) {
        printf "%s:%d: \"!\" assertion is not the last command of its @test: bats ignores its status there (use `run` and check $status, `! cmd || false`, or `if cmd; then ...; false; fi`)\n", file, l
        bad++
    }
    BEGIN { intest = 0; sq = 0; dq = 0; cont = 0; nhd = 0; hdi = 1; bad = 0 }
    {
        line = $0
        sub(/\r$/, "", line)
        # the body of a heredoc: only its delimiter line ends it
        if (hdi <= nhd) {
            t = line
            if (hds[hdi]) sub(/^\t+/, "", t)
            if (t == hd[hdi]) hdi++
            if (hdi > nhd) { nhd = 0; hdi = 1 }
            next
        }
        # a line continuing the previous command (backslash or open quote)
        if (sq || dq || cont) {
            scan(line)
            if (intest && bang && !(sq || dq || cont) && code ~ /\|\|[[:space:]]*(false|return|exit|fail)([[:space:]].*)?[[:space:];]*$/)
                bang = 0
            next
        }
        if (!intest) {
            if (line ~ /^[[:space:]]*@test[[:space:]].*\{[[:space:]]*$/) { intest = 1; bang = 0; next }
            scan(line)
            next
        }
        # inside a @test block
        if (line ~ /^}[[:space:]]*$/) { intest = 0; bang = 0; next }   # its last command may be a "!"
        if (line ~ /^[[:space:]]*(#.*)?$/) next
        # a new command line: a "!" before it did not end the block
        if (bang) offence(bangline)
        bang = 0
        scan(line)
        if (line ~ /^[[:space:]]*![[:space:]]/) {
            if (!(sq || dq || cont) && code ~ /\|\|[[:space:]]*(false|return|exit|fail)([[:space:]].*)?[[:space:];]*$/)
                next
            bang = 1; bangline = NR
        }
    }
    END { exit bad ? 1 : 0 }
    ' "$f"
    st=$?
    if [ $st -eq 1 ]; then [ $rc -eq 0 ] && rc=1; elif [ $st -ne 0 ]; then rc=2; fi
done
exit $rc
