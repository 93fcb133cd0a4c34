#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linux.sysctl: a container sets only keys of a namespace it has of its own
# (runc's rules); a key no namespace owns, or one of a namespace shared
# with the host, is refused before anything runs, and the host's value
# never changes.
load ../integration/helpers

PRINTK=/proc/sys/kernel/printk_ratelimit_burst
MQ=/proc/sys/fs/mqueue/queues_max
FWD=/proc/sys/net/ipv4/ip_forward
DOM=/proc/sys/kernel/domainname

setup() {
    host_printk=$(cat $PRINTK)
    host_mq=$(cat $MQ)
    host_fwd=$(cat $FWD)
    host_dom=$(cat $DOM)
}

teardown() {
    teardown_containers
    # had urun written a host value (the bug these tests are about), put
    # it back: as root only, the only one who could have changed it
    if [ "$(id -u)" = 0 ]; then
        [ "$(cat $PRINTK)" = "$host_printk" ] || echo "$host_printk" > $PRINTK
        [ "$(cat $MQ)" = "$host_mq" ] || echo "$host_mq" > $MQ
        [ "$(cat $FWD)" = "$host_fwd" ] || echo "$host_fwd" > $FWD
        [ "$(cat $DOM)" = "$host_dom" ] || echo "$host_dom" > $DOM
    fi
}

# set linux.sysctl.KEY = VALUE
set_sysctl() { update_config --arg k "$1" --arg v "$2" '.linux.sysctl[$k] = $v'; }
# drop the namespace of TYPE from the config
drop_namespace() { update_config --arg t "$1" '.linux.namespaces |= map(select(.type != $t))'; }

# run c1 must fail with one error line mentioning each argument, and leave
# nothing behind
expect_refused() {
    urun_split run c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    [ -z "$out" ]
    assert_one_error_line "$@"
    assert_no_state
    assert_no_process
}

@test "sysctl: a key no namespace owns is refused, the host's value unchanged" {
    local v=17
    [ "$host_printk" != 17 ] || v=18
    setup_bundle cat $PRINTK
    cp config.json config.orig
    set_sysctl kernel.printk_ratelimit_burst "$v"
    expect_refused linux.sysctl kernel.printk_ratelimit_burst "not namespaced"
    [ "$(cat $PRINTK)" = "$host_printk" ]
    # written with '/' it is the same key
    cp config.orig config.json
    set_sysctl kernel/printk_ratelimit_burst "$v"
    expect_refused kernel/printk_ratelimit_burst "not namespaced"
    [ "$(cat $PRINTK)" = "$host_printk" ]
}

@test "sysctl: fs.mqueue.* without a new ipc namespace is refused, the host's value unchanged" {
    setup_bundle cat $MQ
    drop_namespace ipc
    set_sysctl fs.mqueue.queues_max $((host_mq + 1))
    expect_refused linux.sysctl fs.mqueue.queues_max "ipc namespace"
    [ "$(cat $MQ)" = "$host_mq" ]
}

@test "sysctl: fs.mqueue.* with a new ipc namespace applies inside only" {
    local v=$((host_mq + 1))
    setup_bundle cat $MQ
    set_sysctl fs.mqueue.queues_max "$v"
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$v" ]
    [ "$(cat $MQ)" = "$host_mq" ]
}

@test "sysctl: net.* with a new network namespace applies inside only" {
    local v=$((1 - host_fwd))
    setup_bundle cat $FWD
    set_sysctl net.ipv4.ip_forward "$v"
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$v" ]
    [ "$(cat $FWD)" = "$host_fwd" ]
}

@test "sysctl: net.* without a network namespace, or in the one urun is in, is refused" {
    local v=$((1 - host_fwd))
    setup_bundle cat $FWD
    cp config.json config.orig
    drop_namespace network
    set_sysctl net.ipv4.ip_forward "$v"
    expect_refused net.ipv4.ip_forward "network namespace"
    [ "$(cat $FWD)" = "$host_fwd" ]
    # joining the host's own (this shell's) network namespace by path
    cp config.orig config.json
    join_namespace network "/proc/$$/ns/net"
    set_sysctl net.ipv4.ip_forward "$v"
    expect_refused net.ipv4.ip_forward "/proc/$$/ns/net"
    [ "$(cat $FWD)" = "$host_fwd" ]
}

@test "sysctl: kernel.domainname with a uts namespace applies; kernel.hostname may not contradict hostname" {
    setup_bundle cat $DOM
    cp config.json config.orig
    # rootless, the kernel's uts files belong to the initial user
    # namespace's root: the write is denied (EACCES), nothing else
    if [ "$URUN_MODE" = root ]; then
        set_sysctl kernel.domainname example.test
        run urun run c1
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = example.test ]
        [ "$(cat $DOM)" = "$host_dom" ]
        cp config.orig config.json
    fi
    update_config '.hostname = "box"'
    set_sysctl kernel.hostname other
    expect_refused kernel.hostname "conflicts with \`hostname\`"
    cp config.orig config.json
    drop_namespace uts
    update_config 'del(.hostname) | del(.domainname)'
    set_sysctl kernel.domainname example.test
    expect_refused kernel.domainname "uts namespace"
    [ "$(cat $DOM)" = "$host_dom" ]
}
