#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The per-user namespace keeper (keeper.h): a rootless container whose maps
# need newuidmap/newgidmap is made in a user namespace of its own nested
# under the keeper's, which holds the user's subordinate ranges; its maps
# are written there with no setuid helper.
load helpers

teardown() {
    teardown_containers
    if [ -n "${SUBUID_SAVED:-}" ] && [ -f "$SUBUID_SAVED" ]; then cat "$SUBUID_SAVED" > /etc/subuid; fi
    if [ -n "${SUBGID_SAVED:-}" ] && [ -f "$SUBGID_SAVED" ]; then cat "$SUBGID_SAVED" > /etc/subgid; fi
    if [ -n "${USER2:-}" ]; then
        # the two users' containers, if the test stopped before deleting them
        runuser -u "${URUN_TEST_USER:-urun-test}" -- "$URUN" --root "$KDIR/state" delete -f c1 >/dev/null 2>&1 || true
        runuser -u "$USER2" -- "$URUN" --root "$KDIR2/state" delete -f c2 >/dev/null 2>&1 || true
    fi
    if [ -n "${KDIR2:-}" ]; then
        local k
        k=$(keeper_pid "$KDIR2/state")
        [ -z "$k" ] || { kill "$k" 2>/dev/null; wait_pid_gone "$k"; } || true
        rm -rf "$KDIR2"
    fi
    if [ -n "${USER2:-}" ]; then userdel -r "$USER2" >/dev/null 2>&1 || true; fi
    if [ -n "${KDIR:-}" ]; then
        local k
        k=$(keeper_pid "$KDIR/state")
        [ -z "$k" ] || kill "$k" 2>/dev/null || true
        rm -rf "$KDIR"
    fi
}

need_keeper() {
    if ! is_rootless; then skip "root maps ids itself: no keeper"; fi
    if [ -z "$(subid_start)" ]; then skip "no subordinate ids: the own-id map needs no helper, nor a keeper"; fi
}

# setup_bundle, without user-mode networking (none of this needs it)
setup_kbundle() {
    setup_bundle "$@"
    update_config '.annotations["run.urun.network"] = "none"'
}

# The user namespace inode of process $1 and of its parent namespace.
userns_of() { lsns -n -o NS -t user -p "$1" | tr -d ' '; }
userns_parent_of() { lsns -n -o PNS -t user -p "$1" | tr -d ' '; }

@test "keeper: a rootless container is made under the keeper; uid_map relative to it; files owned as without it" {
    need_keeper
    local sub k
    sub=$(subid_start)
    setup_kbundle sh -c 'cat /proc/self/uid_map; touch /tmp/f && chown 1000:1000 /tmp/f && echo made; sleep 60'
    update_config '.root.readonly = false'
    urun_run_detached k1
    k=$(keeper_pid)
    echo "keeper: $k"
    [ -n "$k" ]
    # the keeper shows what it is and which state root it serves
    tr '\0' ' ' < "/proc/$k/cmdline" | grep -q "^urun-userns-keeper $BATS_TEST_TMPDIR/state"
    [ "$(userns_parent_of "$(container_pid k1)")" = "$(userns_of "$k")" ]
    # the keeper's own map: the user's id and every subordinate range
    grep -q "^ *0 *$(id -u) *1$" "/proc/$k/uid_map"
    grep -q "^ *1 *$sub " "/proc/$k/uid_map"
    run urun exec k1 cat /proc/self/uid_map
    echo "$output"
    [ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 0 1" ]
    [ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "1 1 65536" ]
    for i in $(seq 1 50); do [ -e "$BUNDLE/rootfs/tmp/f" ] && break; sleep 0.1; done
    [ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/f")" = "$((sub + 999)):$(($(subid_start /etc/subgid) + 999))" ]
    urun delete -f k1
    # the same without a keeper
    rm -f "$BUNDLE/rootfs/tmp/f"
    "$URUN" --root "$BATS_TEST_TMPDIR/state" --userns-keeper=off run -d k2 </dev/null >/dev/null 2>&1
    for i in $(seq 1 50); do [ -e "$BUNDLE/rootfs/tmp/f" ] && break; sleep 0.1; done
    [ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/f")" = "$((sub + 999)):$(($(subid_start /etc/subgid) + 999))" ]
    [ "$(userns_parent_of "$(container_pid k2)")" != "$(userns_of "$k")" ]
}

ns_of() { readlink "/proc/$1/ns/$2"; }

@test "keeper: its spare gives the next container its user and network namespaces, once; URUN_USERNS_KEEPER_SPARE=off takes none" {
    need_keeper
    setup_kbundle sh -c 'cat /sys/class/net/lo/flags; cat /proc/self/uid_map; sleep 60'
    urun_run_detached s1
    local k sp sp2 p2 p3
    k=$(keeper_pid)
    sp=$(wait_spare)
    # the keeper's child, one level below it, mapped one to one onto it
    [ "$(awk '$1 == "PPid:" { print $2 }' "/proc/$sp/status")" = "$k" ]
    [ "$(userns_parent_of "$sp")" = "$(userns_of "$k")" ]
    tr '\0' ' ' < "/proc/$sp/cmdline" | grep -q "^urun-userns-spare $BATS_TEST_TMPDIR/state"
    [ "$(ns_of "$sp" net)" != "$(ns_of "$(container_pid s1)" net)" ]
    local user net
    user=$(ns_of "$sp" user)
    net=$(ns_of "$sp" net)
    urun_run_detached s2
    p2=$(container_pid s2)
    # s2 got both, and the spare is gone: they are s2's alone
    [ "$(ns_of "$p2" user)" = "$user" ]
    [ "$(ns_of "$p2" net)" = "$net" ]
    wait_pid_gone "$sp"
    # as if its own clone had made them: lo up (IFF_UP|IFF_LOOPBACK), the
    # same map inside
    run urun exec s2 cat /sys/class/net/lo/flags
    [ "$output" = 0x9 ]
    run urun exec s2 cat /proc/self/uid_map
    [ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 0 1" ]
    [ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "1 1 65536" ]
    # the next spare is another pair
    sp2=$(wait_spare)
    [ "$sp2" != "$sp" ]
    [ "$(ns_of "$sp2" net)" != "$net" ]
    [ "$(ns_of "$sp2" user)" != "$user" ]
    # off: the container makes its own, and the spare stays for another
    URUN_USERNS_KEEPER_SPARE=off urun_run_detached s3
    p3=$(container_pid s3)
    [ "$(ns_of "$p3" net)" != "$(ns_of "$sp2" net)" ]
    [ "$(spare_pid)" = "$sp2" ]
    [ "$(userns_parent_of "$p3")" = "$(userns_of "$k")" ]
    URUN_USERNS_KEEPER_SPARE=maybe run urun run s4
    [ "$status" -ne 0 ]
    [ "$output" = "urun: URUN_USERNS_KEEPER_SPARE: \`maybe\` is not on or off" ]
    # a config whose network namespace is not new takes no spare
    update_config '.linux.namespaces |= map(select(.type != "network"))'
    urun_run_detached s5
    [ "$(spare_pid)" = "$sp2" ]
}

@test "keeper: two containers made through it are apart: neither can join the other's namespaces, nor see its processes" {
    need_keeper
    setup_kbundle sleep 60
    urun_run_detached kb
    local b
    b=$(container_pid kb)
    update_config --arg ns "/proc/$b/ns" '.mounts += [{"destination": "/bns", "type": "bind", "source": $ns, "options": ["rbind"]}]
        | .process.args = ["sh", "-c", "nsenter --user=/bns/user true 2>&1; echo user=$?; nsenter --net=/bns/net true 2>&1; echo net=$?; ps -o pid,args | grep -c \"[s]leep 60\"; true"]'
    run urun run ka
    echo "$output"
    [ "$status" -eq 0 ]
    # refused at open (the other's /proc entries) or at setns
    [[ "$output" = *"user=1"* ]]
    [[ "$output" = *"net=1"* ]]
    [[ "$output" = *"Permission denied"* || "$output" = *"Operation not permitted"* ]]
    [ "${lines[-1]}" = 0 ]
    # both under the same keeper, each in its own user namespace
    [ "$(userns_parent_of "$b")" = "$(userns_of "$(keeper_pid)")" ]
    # the user itself (the namespaces' owner) may join, which the handle proves usable
    run nsenter --user="/proc/$b/ns/user" --preserve-credentials true
    [ "$status" -eq 0 ]
}

@test "keeper: kill -9 of the keeper while a container runs: exec and delete work; the next run makes a new keeper" {
    need_keeper
    setup_kbundle sleep 60
    urun_run_detached k1
    local k sp
    k=$(keeper_pid)
    [ -n "$k" ]
    sp=$(wait_spare)
    kill -9 "$k"
    wait_pid_gone "$k"
    # its spare ends with it
    wait_pid_gone "$sp"
    run urun exec k1 echo still
    [ "$status" -eq 0 ]
    [ "$output" = still ]
    run urun delete -f k1
    [ "$status" -eq 0 ]
    update_config '.process.args = ["echo", "ran"]'
    run urun run k2
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = ran ]
    [ -n "$(keeper_pid)" ]
    [ "$(keeper_pid)" != "$k" ]
}

@test "keeper: URUN_USERNS_KEEPER_IDLE=2: no keeper remains 5 s after the last container is deleted" {
    need_keeper
    setup_kbundle sleep 60
    URUN_USERNS_KEEPER_IDLE=2 urun_run_detached k1
    local k sp
    k=$(keeper_pid)
    [ -n "$k" ]
    sp=$(wait_spare)
    grep -qx 'idle 2' "$BATS_TEST_TMPDIR/state/.userns-keeper"
    urun delete -f k1
    sleep 5
    wait_pid_gone "$k"
    wait_pid_gone "$sp"
    [ ! -e "$BATS_TEST_TMPDIR/state/.userns-keeper" ]
    [ ! -e "$BATS_TEST_TMPDIR/state/.userns-spare" ]
    [ -z "$(pgrep -f "^urun-userns-(keeper|spare) $BATS_TEST_TMPDIR/state" || true)" ]
    # the container ran on: nothing of it needed the keeper
    update_config '.process.args = ["echo", "ran"]'
    run urun run k2
    [ "$output" = ran ]
}

@test "keeper: --userns-keeper-idle sets the idle time; a state root that goes ends its keeper at once" {
    need_keeper
    setup_kbundle echo ran
    local root=$BATS_TEST_TMPDIR/other k
    run "$URUN" --root "$root" --userns-keeper-idle 600 run k1
    [ "$output" = ran ]
    grep -qx 'idle 600' "$root/.userns-keeper"
    k=$(keeper_pid "$root")
    [ -n "$k" ]
    # the session's end: $XDG_RUNTIME_DIR (the state root's parent) removed
    rm -rf "$root"
    wait_pid_gone "$k"
}

@test "keeper: --userns-keeper=off and URUN_USERNS_KEEPER=off start none; bad values are one line each" {
    need_keeper
    setup_kbundle echo ran
    run urun --userns-keeper=off run k1
    [ "$output" = ran ]
    URUN_USERNS_KEEPER=off run urun run k1
    [ "$output" = ran ]
    [ ! -e "$BATS_TEST_TMPDIR/state/.userns-keeper" ]
    [ -z "$(pgrep -f "^urun-userns-keeper $BATS_TEST_TMPDIR/state" || true)" ]
    # the option wins over the environment
    URUN_USERNS_KEEPER=off run urun --userns-keeper=on run k1
    [ "$output" = ran ]
    [ -n "$(keeper_pid)" ]
    urun_split --userns-keeper=maybe list
    [ "$status" -eq 1 ]
    assert_one_error_line "--userns-keeper" "maybe"
    # the environment's values are read by create and run (list and delete
    # work whatever they say)
    urun_split_env URUN_USERNS_KEEPER_IDLE=0 -- --root "$BATS_TEST_TMPDIR/state" run k2
    [ "$status" -eq 1 ]
    assert_one_error_line "URUN_USERNS_KEEPER_IDLE"
    assert_no_state
    urun_split_env URUN_USERNS_KEEPER=yes -- --root "$BATS_TEST_TMPDIR/state" list
    [ "$status" -eq 0 ]
    # list shows no keeper
    run urun list -q
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "keeper: a gid map of the caller's own gid alone keeps setgroups denied, as without a keeper" {
    need_keeper
    local sub
    sub=$(subid_start)
    setup_kbundle cat /proc/self/setgroups
    update_config --argjson u "$(id -u)" --argjson g "$(id -g)" --argjson s "$sub" '
        .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": 10}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}]'
    run urun run k1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = deny ]
    [ -n "$(keeper_pid)" ]
    run urun --userns-keeper=off run k1
    [ "$output" = deny ]
}

@test "keeper: keepers of two state roots never mix; a single-id map (no subordinate range) needs none" {
    need_keeper
    setup_kbundle sleep 60
    urun_run_detached k1
    "$URUN" --root "$BATS_TEST_TMPDIR/other" run -d k1 </dev/null >/dev/null 2>&1
    local a b
    a=$(keeper_pid)
    b=$(keeper_pid "$BATS_TEST_TMPDIR/other")
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]
    [ "$(userns_parent_of "$(container_pid k1)")" = "$(userns_of "$a")" ]
    [ "$(userns_parent_of "$("$URUN" --root "$BATS_TEST_TMPDIR/other" state k1 | jq -r .pid)")" = "$(userns_of "$b")" ]
    "$URUN" --root "$BATS_TEST_TMPDIR/other" delete -f k1
    # the user's own id alone: written directly, no keeper
    update_config --argjson u "$(id -u)" --argjson g "$(id -g)" '.process.args = ["cat", "/proc/self/uid_map"]
        | .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}]'
    run "$URUN" --root "$BATS_TEST_TMPDIR/single" run k3
    echo "$output"
    [ "$status" -eq 0 ]
    [ ! -e "$BATS_TEST_TMPDIR/single/.userns-keeper" ]
}

# A bundle of user $1 in directory $2 (made if missing) with that user's
# own maps (`urun spec --rootless`: its subordinate ranges), running $3...
user_bundle() {
    local user=$1 dir=$2 args
    shift 2
    args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
    mkdir -p "$dir"
    cp -a "$URUN_ROOTFS" "$dir/rootfs"
    chown -R "$user": "$dir"
    chmod 755 "$dir"
    runuser -u "$user" -- sh -c "cd '$dir' && '$URUN' spec --rootless"
    jq --argjson a "$args" '.process.terminal = false | .process.args = $a | .annotations["run.urun.network"] = "none"' \
        "$dir/config.json" > "$dir/c" && cat "$dir/c" > "$dir/config.json"
}

@test "keeper (root runs it as the test user): a change to /etc/subuid makes the next start use a new keeper with the new ranges" {
    if is_rootless; then skip "changing /etc/subuid needs root: the root pass runs this as the test user"; fi
    local u=${URUN_TEST_USER:-urun-test} k1 k2 start
    id "$u" >/dev/null 2>&1 || skip "no test user $u"
    grep -q "^$u:" /etc/subuid || skip "$u has no subordinate ids"
    KDIR=$(mktemp -d /tmp/urun-keeper.XXXXXX)
    user_bundle "$u" "$KDIR" true
    as_user() { runuser -u "$u" -- env -i PATH=/usr/bin:/bin "$URUN" --root "$KDIR/state" "$@" </dev/null; }
    as_user run -b "$KDIR" k1
    k1=$(keeper_pid "$KDIR/state")
    [ -n "$k1" ]
    SUBUID_SAVED=$KDIR/subuid.saved
    cp /etc/subuid "$SUBUID_SAVED"
    start=$(awk -F: '{ e = $2 + $3; if (e > m) m = e } END { print m + 100000 }' /etc/subuid)
    printf '%s:%s:1000\n' "$u" "$start" >> /etc/subuid
    as_user run -b "$KDIR" k1
    k2=$(keeper_pid "$KDIR/state")
    echo "keepers: $k1 $k2"
    [ -n "$k2" ] && [ "$k2" != "$k1" ]
    wait_pid_gone "$k1"
    grep -E "^ *[0-9]+ *$start *1000$" "/proc/$k2/uid_map"
    cat "$SUBUID_SAVED" > /etc/subuid
}

@test "keeper (root runs it as two users): two users' keepers never mix; neither user can use or join the other's" {
    if is_rootless; then skip "a second user needs root: the root pass runs this as two users"; fi
    local u1=${URUN_TEST_USER:-urun-test} k1 k2 p1 p2
    id "$u1" >/dev/null 2>&1 || skip "no test user $u1"
    grep -q "^$u1:" /etc/subuid || skip "$u1 has no subordinate ids"
    USER2=urun-test-b
    userdel -r "$USER2" >/dev/null 2>&1 || true
    useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$USER2"
    KDIR=$(mktemp -d /tmp/urun-keeper.XXXXXX)
    KDIR2=$(mktemp -d /tmp/urun-keeper.XXXXXX)
    SUBUID_SAVED=$KDIR2/subuid.saved
    SUBGID_SAVED=$KDIR2/subgid.saved
    cp /etc/subuid "$SUBUID_SAVED"
    cp /etc/subgid "$SUBGID_SAVED"
    echo "$USER2:900000:65536" >> /etc/subuid
    echo "$USER2:900000:65536" >> /etc/subgid
    chmod 755 "$KDIR" "$KDIR2"
    user_bundle "$u1" "$KDIR/b" sleep 60
    user_bundle "$USER2" "$KDIR2/b" sleep 60
    # each user's state root is its own (0700), as $XDG_RUNTIME_DIR/urun is
    mkdir -m 0700 "$KDIR/state" "$KDIR2/state"
    chown "$u1": "$KDIR/state"
    chown "$USER2": "$KDIR2/state"
    runuser -u "$u1" -- "$URUN" --root "$KDIR/state" run -d -b "$KDIR/b" c1 </dev/null
    runuser -u "$USER2" -- "$URUN" --root "$KDIR2/state" run -d -b "$KDIR2/b" c2 </dev/null
    k1=$(keeper_pid "$KDIR/state")
    k2=$(keeper_pid "$KDIR2/state")
    echo "keepers: $k1 $k2"
    [ -n "$k1" ] && [ -n "$k2" ] && [ "$k1" != "$k2" ]
    # each keeper holds its own user's ranges, and runs as that user
    [ "$(stat -c %U "/proc/$k1")" = "$u1" ]
    [ "$(stat -c %U "/proc/$k2")" = "$USER2" ]
    grep -E "^ *1 +500000 +65536$" "/proc/$k1/uid_map"
    grep -E "^ *1 +900000 +65536$" "/proc/$k2/uid_map"
    run grep -E "900000" "/proc/$k1/uid_map"
    [ "$status" -ne 0 ]
    # each container is made under its own user's keeper
    p1=$(runuser -u "$u1" -- "$URUN" --root "$KDIR/state" state c1 | jq -r .pid)
    p2=$(runuser -u "$USER2" -- "$URUN" --root "$KDIR2/state" state c2 | jq -r .pid)
    [ "$(userns_parent_of "$p1")" = "$(userns_of "$k1")" ]
    [ "$(userns_parent_of "$p2")" = "$(userns_of "$k2")" ]
    # the other user's state root, keeper record and spare are closed to it
    run runuser -u "$USER2" -- "$URUN" --root "$KDIR/state" run -d -b "$KDIR2/b" c3 </dev/null
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Permission denied"* ]]
    [ "$(keeper_pid "$KDIR/state")" = "$k1" ]
    run runuser -u "$USER2" -- cat "$KDIR/state/.userns-keeper"
    [ "$status" -ne 0 ]
    # nor can it join the other's keeper, or the container made under it
    run runuser -u "$USER2" -- nsenter -U -t "$k1" true
    [ "$status" -ne 0 ]
    run runuser -u "$USER2" -- nsenter -U -t "$p1" true
    [ "$status" -ne 0 ]
    runuser -u "$u1" -- "$URUN" --root "$KDIR/state" delete -f c1
    runuser -u "$USER2" -- "$URUN" --root "$KDIR2/state" delete -f c2
}

@test "keeper: urun inside a container made through the keeper runs a container of its own (single-id map, no keeper there)" {
    need_keeper
    setup_kbundle /urun --root /tmp/state run -b /inner in1
    # the host's libraries for the inner urun; nothing masked in /proc and
    # /sys, whose fresh mounts a nested user namespace may make only then
    local lib
    mkdir -p "$BUNDLE/rootfs/usr" "$BUNDLE/rootfs/inner"
    touch "$BUNDLE/rootfs/urun"
    cp -a "$URUN_ROOTFS" "$BUNDLE/rootfs/inner/rootfs"
    for lib in lib lib64 lib32 libx32; do [ -L "/$lib" ] && ln -s "usr/$lib" "$BUNDLE/rootfs/$lib"; done
    update_config --arg urun "$URUN" '.root.readonly = false | .linux.maskedPaths = [] | .linux.readonlyPaths = []
        | .mounts += [{"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]},
                      {"destination": "/urun", "type": "bind", "source": $urun, "options": ["bind", "ro"]}]'
    # inside, uid 0 has no subordinate range: its own id alone
    jq '.process.args = ["cat", "/proc/self/uid_map"] | .root.path = "rootfs"
        | .mounts |= map(select(.destination != "/urun" and .destination != "/usr"))
        | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]' "$BUNDLE/config.json" > "$BUNDLE/rootfs/inner/config.json"
    run urun run outer
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | tail -n 1 | tr -s ' ' | sed 's/^ //')" = "0 0 1" ]
    [ -n "$(keeper_pid)" ]
}
