#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The default configuration (urun spec, or spec --rootless) masks the
# kernel's sensitive /proc and /sys files and makes /proc/sys,
# /proc/sysrq-trigger and /sys read-only.  Writes are attempted with opens
# that write nothing (`true >> FILE`), so nothing is changed even when one
# wrongly succeeds.
load ../integration/helpers

# A bundle whose process is `sh -c SCRIPT` (the script may span lines,
# which set_args would split).
setup_script() {
    setup_bundle
    update_config --arg s "$1" '.process.args = ["sh", "-c", $s]'
}

@test "masked_readonly: /proc/kcore, /proc/keys, /proc/timer_list read empty or not at all" {
    setup_script 'for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats /proc/timer_stats; do
        [ -e "$f" ] || { echo "$f absent"; continue; }
        n=$(head -c 4096 "$f" 2>/dev/null | wc -c); echo "$f $n"; done'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    local f n
    for f in /proc/kcore /proc/keys /proc/timer_list; do
        n=$(printf '%s\n' "$output" | awk -v f="$f" '$1 == f { print $2 }')
        [ "$n" = 0 ] || [ "$n" = absent ]
    done
    # none of the other masked ones has content either
    ! printf '%s\n' "$output" | awk '$2 ~ /^[0-9]+$/ && $2 > 0' | grep .
}

@test "masked_readonly: masked files cannot be unmasked, and writes to them change nothing" {
    # (masking binds /dev/null over them: a write may "succeed" into /dev/null)
    setup_script 'for f in /proc/keys /proc/timer_list; do umount "$f" 2>/dev/null && echo "UNMOUNTED $f"
        echo x 2>/dev/null > "$f"; echo "$f $(head -c 4096 "$f" 2>/dev/null | wc -c)"; done'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *UNMOUNTED* ]]
    [ "$(echo $output)" = "/proc/keys 0 /proc/timer_list 0" ]
}

@test "masked_readonly: /sys/firmware lists empty" {
    setup_script 'ls -A /sys/firmware; echo "rc=$?"; touch /sys/firmware/x 2>/dev/null && echo created; true'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    # empty, or not listable at all
    [ "$output" = "rc=0" ] || [[ "$output" == *"rc=1"* && "$output" != *created* ]]
}

@test "masked_readonly: writing /proc/sys/kernel/hostname fails" {
    local host_before
    host_before=$(cat /proc/sys/kernel/hostname)
    setup_script 'echo pwned 2>/dev/null > /proc/sys/kernel/hostname && echo WROTE; echo "rc=$?"; hostname'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *WROTE* ]]
    [[ "$output" != *pwned* ]]
    [ "$(cat /proc/sys/kernel/hostname)" = "$host_before" ]
}

@test "masked_readonly: no file under /proc/sys can be opened for writing" {
    # every regular file in /proc/sys (bounded by its size: a few thousand)
    setup_script 'n=0; w=0; for f in $(find /proc/sys -type f 2>/dev/null); do n=$((n+1))
        if true 2>/dev/null >> "$f"; then echo "WRITABLE $f"; w=$((w+1)); fi; done; echo "checked=$n writable=$w"'
    run urun run c1
    echo "$output" | tail -n 20
    [ "$status" -eq 0 ]
    [[ "$output" == *"writable=0"* ]]
    # and it did look at files
    local n
    n=$(printf '%s\n' "$output" | sed -n 's/^checked=\([0-9]*\) .*/\1/p')
    [ "$n" -gt 50 ]
}

@test "masked_readonly: /proc/sys cannot be remounted read-write" {
    setup_script 'mount -o remount,rw /proc/sys 2>/dev/null && echo REMOUNTED; true 2>/dev/null >> /proc/sys/kernel/hostname && echo WRITABLE; echo done'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = done ]
}

@test "masked_readonly: /proc/sysrq-trigger is not writable" {
    setup_script 'if [ ! -e /proc/sysrq-trigger ]; then echo absent; elif true 2>/dev/null >> /proc/sysrq-trigger; then echo WRITABLE; else echo "refused"; fi'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    if [ "$output" = absent ]; then
        # this kernel has no sysrq-trigger (CONFIG_MAGIC_SYSRQ off): nothing to attack
        [ ! -e /proc/sysrq-trigger ]
    else
        [ "$output" = refused ]
    fi
}

@test "masked_readonly: /sys is read-only" {
    setup_script 'touch /sys/x 2>/dev/null && echo CREATED-x; mkdir /sys/kernel/y 2>/dev/null && echo CREATED-y
        for f in /sys/kernel/uevent_helper /sys/kernel/profiling /sys/power/state; do
            [ -e "$f" ] || continue; true 2>/dev/null >> "$f" && echo "WRITABLE $f"; done
        grep " /sys " /proc/self/mountinfo; echo done'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *CREATED* ]]
    [[ "$output" != *WRITABLE* ]]
    [[ "$output" == *done ]]
    # /sys itself is mounted read-only
    printf '%s\n' "$output" | grep ' /sys ' | awk '{print $6}' | grep -qE '(^|,)ro(,|$)'
}

@test "masked_readonly: the same holds in a urun exec process" {
    setup_bundle sleep 1000
    urun_run_detached --bundle "$BUNDLE" c1
    wait_status c1 running
    run urun exec c1 sh -c 'head -c 16 /proc/keys 2>/dev/null | wc -c; ls -A /sys/firmware; true 2>/dev/null >> /proc/sysrq-trigger && echo W1
        true 2>/dev/null >> /proc/sys/kernel/hostname && echo W2; touch /sys/x 2>/dev/null && echo W3; echo done'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = "0 done" ]
}
