#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# OCI hooks: which run when, with the state on stdin; failing and
# timed-out hooks.
load helpers

# HOOKDIR: a directory every hook can write (hooks run as root, the test
# user or the container's root); in the container it is /hookout.
setup_hooks() {
    setup_bundle "$@"
    HOOKDIR=$(make_shared_dir hookout)
    update_config --arg s "$HOOKDIR" \
        '.mounts += [{"destination": "/hookout", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]'
}

# add_hook KIND SCRIPT [EXTRA JSON]: a /bin/sh -c SCRIPT hook of KIND
add_hook() {
    local kind=$1 script=$2 extra=${3:-'{}'}
    update_config --arg k "$kind" --arg s "$script" --argjson x "$extra" \
        '.hooks[$k] += [{"path": "/bin/sh", "args": ["sh", "-c", $s]} + $x]'
}

# a host-side hook saving its stdin and noting its name in order.log
host_hook() {
    add_hook "$1" "cat > $HOOKDIR/$1.json; echo $1 >> $HOOKDIR/order.log"
}

@test "hooks: every kind runs, at its point of the life cycle" {
    setup_hooks sleep 1000
    for k in prestart createRuntime createContainer poststart poststop; do host_hook "$k"; done
    # startContainer runs in the container, after pivot_root: /bin/sh is
    # the rootfs's and the output goes through the /hookout bind mount
    add_hook startContainer 'cat > /hookout/startContainer.json; echo startContainer >> /hookout/order.log; [ -x /bin/busybox ] && echo in-rootfs > /hookout/where'
    urun_create c1
    # at create: the create-time hooks, not the others
    for k in prestart createRuntime createContainer; do [ -s "$HOOKDIR/$k.json" ]; done
    for k in startContainer poststart poststop; do [ ! -e "$HOOKDIR/$k.json" ]; done
    urun start c1
    # poststart has run by the time start returns
    [ -s "$HOOKDIR/poststart.json" ]
    wait_file "$HOOKDIR/startContainer.json"
    wait_file "$HOOKDIR/where"
    [ ! -e "$HOOKDIR/poststop.json" ]
    [ "$(cat "$HOOKDIR/where")" = in-rootfs ]
    urun kill c1 KILL
    wait_status c1 stopped
    urun delete c1
    [ -s "$HOOKDIR/poststop.json" ]
    cat "$HOOKDIR/order.log"
    [ "$(sed -n '$p' "$HOOKDIR/order.log")" = poststop ]
    # createRuntime before createContainer
    [ "$(grep -n createRuntime "$HOOKDIR/order.log" | cut -d: -f1)" -lt "$(grep -n createContainer "$HOOKDIR/order.log" | cut -d: -f1)" ]
    assert_no_state
}

@test "hooks: startContainer has run before start returns and before poststart" {
    setup_hooks sleep 1000
    add_hook startContainer 'sleep 1; echo startContainer >> /hookout/order.log'
    host_hook poststart
    urun_create c1
    urun start c1
    cat "$HOOKDIR/order.log"
    [ "$(cat "$HOOKDIR/order.log")" = "$(printf 'startContainer\npoststart')" ]
}

@test "hooks: the state on stdin has the config's annotations" {
    setup_hooks true
    for k in prestart createRuntime createContainer poststart poststop; do host_hook "$k"; done
    add_hook startContainer 'cat > /hookout/startContainer.json'
    update_config '.annotations = {"org.urun.test": "hooks"}'
    run urun run c1
    [ "$status" -eq 0 ]
    for k in prestart createRuntime createContainer startContainer poststart poststop; do
        echo "$k: $(cat "$HOOKDIR/$k.json")"
        [ "$(jq -r '.annotations["org.urun.test"]' "$HOOKDIR/$k.json")" = hooks ]
    done
}

@test "hooks: each gets the container state on stdin" {
    setup_hooks sleep 1000
    for k in prestart createRuntime createContainer poststart poststop; do host_hook "$k"; done
    add_hook startContainer 'cat > /hookout/startContainer.json'
    urun_create c1
    pid=$(container_pid c1)
    urun start c1
    wait_file "$HOOKDIR/startContainer.json"
    urun delete --force c1
    for k in prestart createRuntime createContainer startContainer poststart poststop; do
        f=$HOOKDIR/$k.json
        echo "$k: $(cat "$f")"
        jq -e . "$f" >/dev/null
        [ "$(jq -r .id "$f")" = c1 ]
        [ -n "$(jq -r .ociVersion "$f")" ]
        [ "$(jq -r .bundle "$f")" = "$BUNDLE" ]
        [ "$k" = poststop ] || [ "$(jq -r .pid "$f")" = "$pid" ]
    done
    [ "$(jq -r .status "$HOOKDIR/poststart.json")" = running ]
    [ "$(jq -r .status "$HOOKDIR/poststop.json")" = stopped ]
}

# The state each hook saw: its pid is the one `urun state` reports (never
# an intermediate process) and its status is that of its moment.
assert_hook_states() {
    local pid=$1 k f
    declare -A want=([prestart]=creating [createRuntime]=creating [createContainer]=creating
                     [startContainer]=created [poststart]=running)
    for k in "${!want[@]}"; do
        f=$HOOKDIR/$k.json
        echo "$k: $(cat "$f")"
        [ "$(jq -r .pid "$f")" = "$pid" ] || { echo "$k got pid $(jq -r .pid "$f"), urun state says $pid" >&2; return 1; }
        [ "$(jq -r .status "$f")" = "${want[$k]}" ] || { echo "$k got status $(jq -r .status "$f"), not ${want[$k]}" >&2; return 1; }
    done
}

setup_state_hooks() {
    setup_hooks sleep 1000
    for k in prestart createRuntime createContainer poststart; do host_hook "$k"; done
    add_hook startContainer 'cat > /hookout/startContainer.json'
}

@test "hooks: every hook's state has urun state's pid and the status of its moment" {
    setup_state_hooks
    urun_create c1
    pid=$(container_pid c1)
    [ "$(urun state c1 | jq -r .status)" = created ]
    urun start c1
    wait_file "$HOOKDIR/startContainer.json"
    assert_hook_states "$pid"
}

@test "hooks: with an intermediate fork (time namespace), hooks still get the container's pid" {
    [ -e /proc/self/ns/time ] || skip "this kernel has no time namespaces"
    setup_state_hooks
    update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"monotonic": {"secs": 3600}}'
    urun_create c1
    pid=$(container_pid c1)
    urun start c1
    wait_file "$HOOKDIR/startContainer.json"
    assert_hook_states "$pid"
}

@test "hooks: a hook without env gets urun's environment (PATH)" {
    export URUN_HOST_VAR=seen
    setup_hooks true
    update_config --arg d "$HOOKDIR" '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "env > \($d)/env"]}]'
    run urun run c1
    [ "$status" -eq 0 ]
    grep -q '^PATH=' "$HOOKDIR/env"
    grep -qx URUN_HOST_VAR=seen "$HOOKDIR/env"
}

@test "hooks: a hook gets its args and only its own env" {
    export URUN_HOST_ONLY_VAR=leaked
    setup_hooks true
    update_config --arg d "$HOOKDIR" \
        '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo \"$0 $1\" > \($d)/args; env > \($d)/env", "first", "second"], "env": ["HOOKVAR=hv"]}]'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$(cat "$HOOKDIR/args")" = "first second" ]
    grep -qx HOOKVAR=hv "$HOOKDIR/env"
    ! grep -q URUN_HOST_ONLY_VAR "$HOOKDIR/env"
}

@test "hooks: a failing createRuntime hook makes create fail and leaves nothing" {
    setup_hooks sleep 1000
    add_hook createRuntime "jq -r .pid > $HOOKDIR/pid 2>/dev/null || sed 's/.*\"pid\": *\\([0-9]*\\).*/\\1/' > $HOOKDIR/pid; exit 3"
    urun_split create c1
    echo "status=$status err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line createRuntime
    assert_no_state
    # the container process the hook saw is gone
    pid=$(cat "$HOOKDIR/pid")
    [[ "$pid" =~ ^[0-9]+$ ]]
    wait_pid_gone "$pid"
}

@test "hooks: a failing prestart hook makes run fail; the process never runs" {
    setup_hooks sh -c 'echo ran > /hookout/ran'
    add_hook prestart 'exit 1'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line prestart
    [ ! -e "$HOOKDIR/ran" ]
    assert_no_state
}

@test "hooks: a hook that does not exist fails create" {
    setup_hooks true
    update_config '.hooks.createRuntime = [{"path": "/no/such/hook-urun"}]'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line /no/such/hook-urun
    assert_no_state
}

@test "hooks: a hook that outlives its timeout is killed and fails create" {
    setup_hooks sleep 1000
    add_hook createRuntime "echo \$\$ > $HOOKDIR/hookpid; exec sleep 1000" '{"timeout": 1}'
    urun_split create c1
    echo "status=$status err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line createRuntime
    assert_no_state
    hookpid=$(cat "$HOOKDIR/hookpid")
    wait_pid_gone "$hookpid"
}

@test "hooks: a failing poststop hook does not stop delete" {
    setup_hooks true
    add_hook poststop "echo ran > $HOOKDIR/poststop; exit 1"
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(cat "$HOOKDIR/poststop")" = ran ]
    assert_no_state
}

@test "hooks: the timeout covers writing the state: a 200 KB state to a hook that never reads fails after ~2 s" {
    setup_hooks true
    head -c 200000 /dev/zero | tr '\0' a > "$BATS_TEST_TMPDIR/big"
    update_config --rawfile big "$BATS_TEST_TMPDIR/big" '.annotations = {"big": $big}'
    add_hook prestart 'exec sleep 1000' '{"timeout": 2}'
    # (timeout 60: a urun that waits for the write forever fails here, 124)
    run timeout 60 "$URUN" --root "$BATS_TEST_TMPDIR/state" run c1
    echo "status=$status output=$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"prestart"*"timed out after 2 s"* ]]
    assert_no_state
}
