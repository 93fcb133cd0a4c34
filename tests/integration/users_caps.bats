#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The process's credentials and attributes: user, groups, umask,
# capabilities, no_new_privs, rlimits, oom_score_adj, environment.
load helpers

# set all five capability sets to the JSON array given
set_caps() {
    update_config --argjson c "$1" \
        '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": [], "ambient": []}'
}

@test "process.user: uid, gid and additionalGids" {
    setup_bundle sh -c 'id -u; id -g; id -G; id -un'
    update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 65534]}'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1000 ]
    [ "${lines[1]}" = 1000 ]
    groups=" ${lines[2]} "
    [[ "$groups" = *" 1000 "* ]]
    [[ "$groups" = *" 5 "* ]]
    [[ "$groups" = *" 65534 "* ]]
    [ "${lines[3]}" = tester ]
}

@test "process.user: root has no supplementary groups unless configured" {
    setup_bundle id -G
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = 0 ]
}

@test "process.user.umask is applied" {
    setup_bundle sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
    update_config '.process.user.umask = 63'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0077 ]
    [ "${lines[1]}" = 600 ]
}

@test "capabilities: CapEff and CapBnd match the config" {
    setup_bundle grep -E '^Cap(Eff|Bnd|Prm):' /proc/self/status
    # CAP_CHOWN (0), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
    set_caps '["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *"CapPrm:"*0000000000000421* ]]
    [[ "$output" = *"CapEff:"*0000000000000421* ]]
    [[ "$output" = *"CapBnd:"*0000000000000421* ]]
}

@test "capabilities: all sets empty gives no capabilities" {
    setup_bundle grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status
    update_config '.process.capabilities = {"bounding": [], "effective": [], "permitted": [], "inheritable": [], "ambient": []}'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | wc -l)" -eq 5 ]
    [ "$(echo "$output" | grep -c '0000000000000000$')" -eq 5 ]
}

@test "capabilities: a removed capability is really missing (chown fails)" {
    setup_bundle sh -c 'touch /tmp/f && chown 1000 /tmp/f; echo "rc=$?"'
    set_caps '["CAP_KILL"]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *rc=1* ]]
    set_caps '["CAP_CHOWN"]'
    run urun run c2
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *rc=0* ]]
}

@test "capabilities: ambient capabilities reach a non-root user" {
    setup_bundle grep -E '^Cap(Eff|Amb):' /proc/self/status
    update_config '.process.user = {"uid": 1000, "gid": 1000}
        | .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE"], "effective": ["CAP_NET_BIND_SERVICE"],
                                   "permitted": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"],
                                   "ambient": ["CAP_NET_BIND_SERVICE"]}'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *"CapEff:"*0000000000000400* ]]
    [[ "$output" = *"CapAmb:"*0000000000000400* ]]
}

@test "capabilities: a non-root user without capabilities" {
    setup_bundle grep -E '^Cap(Eff|Bnd):' /proc/self/status
    update_config '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities = {}'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | grep -c '0000000000000000$')" -eq 2 ]
}

@test "capabilities: an unknown capability name is one warning, the known ones apply" {
    setup_bundle grep CapEff /proc/self/status
    set_caps '["CAP_KILL", "CAP_NO_SUCH_THING", "CAP_NO_SUCH_THING"]'
    urun_split run c1
    [ "$status" -eq 0 ]
    # CAP_KILL is bit 5
    [ "$out" = "CapEff:	0000000000000020" ]
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]
    [[ "$err" = "urun: warning: "*CAP_NO_SUCH_THING*ignored* ]]
}

@test "capabilities: with --log the unknown-capability warning goes to the log only" {
    setup_bundle true
    set_caps '["CAP_KILL", "CAP_UNKNOWN"]'
    urun_split --log "$BATS_TEST_TMPDIR/log" --log-format json run c1
    [ "$status" -eq 0 ]
    [ -z "$err" ]
    jq -e 'select(.level == "warning") | .msg | contains("CAP_UNKNOWN")' "$BATS_TEST_TMPDIR/log"
}

@test "noNewPrivileges: true sets NoNewPrivs, false does not" {
    setup_bundle grep NoNewPrivs /proc/self/status
    update_config '.process.noNewPrivileges = true'
    run urun run c1
    [ "$status" -eq 0 ]
    [[ "$output" = NoNewPrivs:*1 ]]
    update_config '.process.noNewPrivileges = false'
    run urun run c2
    [ "$status" -eq 0 ]
    [[ "$output" = NoNewPrivs:*0 ]]
}

@test "rlimits: RLIMIT_NOFILE soft and hard" {
    setup_bundle sh -c 'ulimit -n; grep "Max open files" /proc/self/limits'
    update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 512 ]
    [ "$(echo "${lines[1]}" | awk '{print $4, $5}')" = "512 1000" ]
}

@test "rlimits: an unknown rlimit type is rejected" {
    setup_bundle true
    update_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line RLIMIT_BOGUS
    assert_no_state
}

@test "oomScoreAdj is applied" {
    setup_bundle cat /proc/self/oom_score_adj
    update_config '.process.oomScoreAdj = 500'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = 500 ]
}

@test "environment comes only from the config" {
    export URUN_HOST_ONLY_VAR=leaked
    setup_bundle env
    update_config '.process.env = ["PATH=/bin:/usr/bin", "FROM_CONFIG=yes"]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *FROM_CONFIG=yes* ]]
    [[ "$output" != *URUN_HOST_ONLY_VAR* ]]
    [[ "$output" != *leaked* ]]
}

@test "HOME is set from /etc/passwd when the config has none" {
    setup_bundle sh -c 'echo "$HOME"'
    update_config '.process.env = ["PATH=/bin"]'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = /root ]
    update_config '.process.user = {"uid": 1000, "gid": 1000}'
    run urun run c2
    [ "$status" -eq 0 ]
    [ "$output" = /home/tester ]
}

@test "HOME from the config is kept" {
    setup_bundle sh -c 'echo "$HOME"'
    update_config '.process.env = ["PATH=/bin", "HOME=/custom"]'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = /custom ]
}

@test "process.cwd is the working directory" {
    setup_bundle pwd
    update_config '.process.cwd = "/tmp"'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = /tmp ]
}

@test "process.cwd missing from the image is made inside the rootfs, also with a read-only root" {
    setup_bundle sh -c 'pwd; stat -c "%u %a" .'
    update_config '.process.cwd = "/work/a/b" | .root.readonly = true'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = /work/a/b ]
    [ "${lines[1]}" = "0 755" ]
    [ -d "$BUNDLE/rootfs/work/a/b" ]
}

@test "process.cwd is made through the image's symlinks only inside the rootfs" {
    local outside=$BATS_TEST_TMPDIR/outside
    mkdir -p "$outside"
    setup_bundle pwd
    ln -s "/../../../../../../..$outside" "$BUNDLE/rootfs/abs"
    ln -s "../../../../../../../..$outside" "$BUNDLE/rootfs/rel"
    update_config '.process.cwd = "/abs/made"'
    run urun run c1
    [ "$status" -eq 0 ]
    update_config '.process.cwd = "/rel/made2"'
    run urun run c2
    [ "$status" -eq 0 ]
    # nothing made on the host, both made under the rootfs
    [ -z "$(ls -A "$outside")" ]
    [ -d "$BUNDLE/rootfs$outside/made" ]
    [ -d "$BUNDLE/rootfs$outside/made2" ]
}

@test "process.cwd that is a file is one error naming it" {
    setup_bundle pwd
    touch "$BUNDLE/rootfs/afile"
    update_config '.process.cwd = "/afile"'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line process.cwd /afile
    assert_no_state
}

@test "exec: --cap adds a capability, --no-new-privs sets the flag" {
    setup_bundle sleep 1000
    set_caps '["CAP_KILL"]'
    update_config '.process.noNewPrivileges = false'
    urun_run_detached c1
    wait_status c1 running
    run urun exec --cap CAP_CHOWN --no-new-privs c1 grep -E '^(CapEff|NoNewPrivs):' /proc/self/status
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" = *"CapEff:"*0000000000000021* ]]
    [[ "$output" = *"NoNewPrivs:"*1* ]]
}

@test "exec: --additional-gids adds supplementary groups" {
    setup_bundle sleep 1000
    urun_run_detached c1
    wait_status c1 running
    run urun exec -u 1000:1000 --additional-gids 5 --additional-gids 65534 c1 id -G
    echo "$output"
    [ "$status" -eq 0 ]
    groups=" $output "
    [[ "$groups" = *" 5 "* ]]
    [[ "$groups" = *" 65534 "* ]]
}

# A user namespace mapping ids 0..65535 only (rootless: the config's own,
# 0 and the test user's 65536 subordinate ids, so 0..65536).
map_ids_below_65536() {
    if is_rootless; then return 0; fi
    update_config '.linux.namespaces += [{"type": "user"}]
        | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]
        | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]'
}

@test "process.user: an unmapped id is named in the error" {
    setup_bundle id
    map_ids_below_65536
    cp config.json config.orig
    update_config '.process.user.additionalGids = [5, 70000, 6]'
    urun_split run c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    [ -z "$out" ]
    assert_one_error_line "process.user.additionalGids: gid 70000 is not mapped in the user namespace"
    assert_no_state
    cp config.orig config.json
    update_config '.process.user.gid = 70001'
    urun_split run c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line "process.user.gid: gid 70001 is not mapped in the user namespace"
    cp config.orig config.json
    update_config '.process.user.uid = 70002'
    urun_split run c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line "process.user.uid: uid 70002 is not mapped in the user namespace"
    assert_no_state
    assert_no_process
}

@test "exec: an unmapped gid in --additional-gids or -u is named in the error" {
    setup_bundle sleep 1000
    map_ids_below_65536
    urun_run_detached c1
    urun_split exec --additional-gids 5,70000 c1 id
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    [ -z "$out" ]
    assert_one_error_line "gid 70000 is not mapped in the user namespace"
    urun_split exec -u 70003 c1 id
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line "uid 70003 is not mapped in the user namespace"
    # the container is still there and a mapped gid works
    run urun exec --additional-gids 5 c1 id -G
    echo "$output"
    [ "$status" -eq 0 ]
    [[ " $output " = *" 5 "* ]]
}
