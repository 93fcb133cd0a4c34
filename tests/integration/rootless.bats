#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Rootless containers: the generated config, id mappings through
# newuidmap/newgidmap and /etc/sub[ug]id, resource limits without cgroup
# delegation.
load helpers

setup() {
    is_rootless || skip "rootless tests need an unprivileged user (URUN_TEST_MODE=rootless)"
    SUBUID=$(subid_start /etc/subuid)
    SUBGID=$(subid_start /etc/subgid)
}

need_subids() {
    [ -n "$SUBUID" ] && [ -n "$SUBGID" ] || skip "$(id -un) has no ranges in /etc/subuid and /etc/subgid"
}

@test "spec --rootless validates against the OCI config schema" {
    dir=$(oci_schema_dir)
    [ -n "$dir" ] || skip "OCI runtime-spec schemas not found (../shared/oci-runtime-spec/schema); set URUN_OCI_SCHEMA_DIR"
    mkdir "$BATS_TEST_TMPDIR/b"
    "$URUN" spec --rootless --bundle "$BATS_TEST_TMPDIR/b" 2>/dev/null
    rc=0
    validate_json_schema "$BATS_TEST_TMPDIR/b/config.json" "$dir/config-schema.json" || rc=$?
    [ "$rc" -ne 2 ] || skip "python3 has no jsonschema module"
    [ "$rc" -eq 0 ]
}

@test "spec --rootless: user namespace, mappings of the caller and its ranges, no resources" {
    need_subids
    mkdir "$BATS_TEST_TMPDIR/b"
    "$URUN" spec --rootless --bundle "$BATS_TEST_TMPDIR/b"
    c=$BATS_TEST_TMPDIR/b/config.json
    jq -e '.linux.namespaces | any(.type == "user")' "$c"
    [ "$(jq -c '.linux.uidMappings' "$c")" = "[{\"containerID\":0,\"hostID\":$(id -u),\"size\":1},{\"containerID\":1,\"hostID\":$SUBUID,\"size\":65536}]" ]
    [ "$(jq -c '.linux.gidMappings' "$c")" = "[{\"containerID\":0,\"hostID\":$(id -g),\"size\":1},{\"containerID\":1,\"hostID\":$SUBGID,\"size\":65536}]" ]
    [ "$(jq -c '.linux.resources // {} | del(.devices) | length' "$c")" = 0 ]
    [ "$(jq -r '.linux.devices // [] | length' "$c")" = 0 ]
}

@test "uid_map and gid_map: the caller at 0, the subordinate range from 1 (inside, relative to the keeper's namespace)" {
    need_subids
    setup_bundle sleep 60
    urun_run_detached c1
    # from the host: the host's ids
    norm=$(cat "/proc/$(container_pid c1)/uid_map" "/proc/$(container_pid c1)/gid_map" | awk '{print $1, $2, $3}')
    echo "$norm"
    [ "$(echo "$norm" | sed -n 1p)" = "0 $(id -u) 1" ]
    [ "$(echo "$norm" | sed -n 2p)" = "1 $SUBUID 65536" ]
    [ "$(echo "$norm" | sed -n 3p)" = "0 $(id -g) 1" ]
    [ "$(echo "$norm" | sed -n 4p)" = "1 $SUBGID 65536" ]
    # from inside: relative to the user namespace keeper's, which maps the
    # caller's own ids and its ranges the same way
    norm=$(urun exec c1 cat /proc/self/uid_map /proc/self/gid_map | awk '{print $1, $2, $3}')
    echo "$norm"
    [ "$(echo "$norm" | tr '\n' ,)" = "0 0 1,1 1 65536,0 0 1,1 1 65536," ]
    urun delete -f c1
    # without a keeper: the host's ids inside too
    update_config '.process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map"]'
    run urun --userns-keeper=off run c2
    [ "$status" -eq 0 ]
    norm=$(echo "$output" | awk '{print $1, $2, $3}')
    [ "$(echo "$norm" | sed -n 1p)" = "0 $(id -u) 1" ]
    [ "$(echo "$norm" | sed -n 2p)" = "1 $SUBUID 65536" ]
    [ "$(echo "$norm" | sed -n 3p)" = "0 $(id -g) 1" ]
    [ "$(echo "$norm" | sed -n 4p)" = "1 $SUBGID 65536" ]
}

@test "a file chowned to 1000:1000 inside is owned by subuid+999 outside" {
    need_subids
    setup_bundle sh -c 'touch /tmp/owned && chown 1000:1000 /tmp/owned && stat -c "%u %g" /tmp/owned'
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$output" = "1000 1000" ]
    [ "$(stat -c %u "$BUNDLE/rootfs/tmp/owned")" = $((SUBUID + 999)) ]
    [ "$(stat -c %g "$BUNDLE/rootfs/tmp/owned")" = $((SUBGID + 999)) ]
}

@test "container root's files are the caller's outside" {
    setup_bundle touch /tmp/mine
    run urun run c1
    [ "$status" -eq 0 ]
    [ "$(stat -c %u "$BUNDLE/rootfs/tmp/mine")" = "$(id -u)" ]
}

@test "host root's files are the overflow id (nobody) inside" {
    setup_bundle stat -c %u /etc/host-passwd
    update_config '.mounts += [{"destination": "/etc/host-passwd", "type": "bind", "source": "/etc/passwd", "options": ["bind", "ro"]}]'
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$(cat /proc/sys/kernel/overflowuid)" ]
}

@test "memory and pids limits: the container runs, one warning line on stderr" {
    setup_bundle echo ran
    update_config '.linux.resources.memory = {"limit": 268435456} | .linux.resources.pids = {"limit": 100}'
    urun_split run c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 0 ]
    [ "$out" = ran ]
    if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        assert_one_error_line "warning" "linux.resources (memory, pids) not applied" \
            "cgroup v1 host: rootless cgroups need v2"
    else
        assert_one_error_line "warning" "linux.resources (memory, pids) not applied"
    fi
}

@test "the defaults engines write (docker's, ctr's) ask for no limit: no warning" {
    setup_bundle echo ran
    update_config '.linux.resources.memory = {"disableOOMKiller": false} | .linux.resources.cpu = {"shares": 0}
        | .linux.resources.blockIO = {"weight": 0}'
    urun_split run c1
    echo "status=$status out=$out err=$err"
    [ "$status" -eq 0 ]
    [ "$out" = ran ]
    [ -z "$err" ]
    update_config '.linux.resources = {"cpu": {"shares": 1024}}'
    urun_split run c1
    [ "$status" -eq 0 ]
    [ -z "$err" ]
}

@test "a uid mapping of ids the user does not own fails, naming /etc/subuid" {
    setup_bundle true
    update_config --argjson u "$(id -u)" \
        '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": 3000000000, "size": 1000}]'
    urun_split run c1
    echo "status=$status err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line /etc/subuid
    assert_no_state
    assert_no_process
}

@test "a gid mapping of ids the user does not own fails, naming /etc/subgid" {
    setup_bundle true
    update_config --argjson g "$(id -g)" \
        '.linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": 3000000000, "size": 1000}]'
    urun_split run c1
    echo "status=$status err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line /etc/subgid
    assert_no_state
    assert_no_process
}

@test "a process uid outside the mappings fails" {
    setup_bundle true
    update_config '.process.user.uid = 70000'
    urun_split run c1
    echo "status=$status err=$err"
    [ "$status" -eq 1 ]
    assert_one_error_line 70000
    assert_no_state
}

@test "default state root is \$XDG_RUNTIME_DIR/urun, mode 0700" {
    [ -n "${XDG_RUNTIME_DIR:-}" ] || skip "XDG_RUNTIME_DIR is not set"
    setup_bundle sleep 1000
    id="urun-bats-$$-$BATS_TEST_NUMBER"
    rc=0
    "$URUN" create "$id" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" || rc=$?
    cat "$BATS_TEST_TMPDIR/err"
    d=$XDG_RUNTIME_DIR/urun/$id
    ok=0
    [ "$rc" -eq 0 ] && [ -d "$d" ] && [ "$(stat -c %a "$d")" = 700 ] && [ -f "$d/state.json" ] && ok=1
    "$URUN" delete --force "$id" >/dev/null 2>&1 || true
    [ "$ok" -eq 1 ]
    [ ! -e "$d" ]
}

# crun's behaviour: an unprivileged caller whose config has no user
# namespace (a plain `runc spec` / `urun spec` bundle) gets one of urun's
# making, with the maps `spec --rootless` would write.
root_config_bundle() {
    BUNDLE=$BATS_TEST_TMPDIR/bundle
    mkdir -p "$BUNDLE"
    cp -a "$URUN_ROOTFS" "$BUNDLE/rootfs"
    "$URUN" spec --bundle "$BUNDLE"
    update_config '.process.terminal = false | .root.readonly = false'
    set_args "$@"
    cd "$BUNDLE"
    if jq -e '.linux.namespaces | any(.type == "user")' config.json >/dev/null; then return 1; fi
}

@test "a config without a user namespace runs: urun makes one, uid 0 inside is the caller" {
    need_subids
    root_config_bundle sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map'
    # the host's ids inside: no user namespace keeper (keeper.bats)
    urun_split --userns-keeper=off run c1
    echo "$out$err"
    [ "$status" -eq 0 ]
    [ -z "$err" ]
    [ "$(echo "$out" | sed -n 1p)" = 0 ]
    norm=$(echo "$out" | awk '{print $1, $2, $3}')
    [ "$(echo "$norm" | sed -n 2p)" = "0 $(id -u) 1" ]
    [ "$(echo "$norm" | sed -n 3p)" = "1 $SUBUID 65536" ]
    [ "$(echo "$norm" | sed -n 4p)" = "0 $(id -g) 1" ]
    [ "$(echo "$norm" | sed -n 5p)" = "1 $SUBGID 65536" ]
    # the bundle's config is not changed
    run jq -e '.linux.namespaces | any(.type == "user")' config.json
    [ "$status" -ne 0 ]
}

@test "urun's own user namespace: one debug line says so, exec joins it, delete cleans up" {
    need_subids
    root_config_bundle sleep 1000
    urun --debug --log "$BATS_TEST_TMPDIR/log" run -d c1 </dev/null
    grep -q "no user namespace: urun makes one" "$BATS_TEST_TMPDIR/log"
    [ "$(urun state c1 | jq -r .status)" = running ]
    run urun exec c1 sh -c 'id -u; readlink /proc/self/ns/user'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = "$(readlink "/proc/$(container_pid c1)/ns/user")" ]
    [ "${lines[1]}" != "$(readlink /proc/self/ns/user)" ]
    urun delete -f c1
    assert_no_state
}
