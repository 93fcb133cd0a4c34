#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# urun features: the spec's Features structure, valid against its schema,
# and true: what it lists is what a config may use.
load helpers

setup() {
    run "$URUN" features
    [ "$status" -eq 0 ]
    FEATURES=$output
}

@test "features validates against the OCI features schema" {
    dir=$(oci_schema_dir)
    [ -n "$dir" ] || skip "OCI runtime-spec schemas not found (../shared/oci-runtime-spec/schema); set URUN_OCI_SCHEMA_DIR"
    echo "$FEATURES" > "$BATS_TEST_TMPDIR/f.json"
    rc=0
    validate_json_schema "$BATS_TEST_TMPDIR/f.json" "$dir/features-schema.json" || rc=$?
    [ "$rc" -ne 2 ] || skip "python3 has no jsonschema module"
    [ "$rc" -eq 0 ]
}

@test "features: versions, hooks, namespaces and what urun does not do" {
    f() { echo "$FEATURES" | jq -c "$1"; }
    [ "$(f .ociVersionMin)" = '"1.0.0"' ]
    [ "$(f .ociVersionMax)" = "\"$("$URUN" --version | sed -n 's/^spec: //p')\"" ]
    [ "$(f .hooks)" = '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]' ]
    [ "$(f '.linux.namespaces | sort')" = '["cgroup","ipc","mount","network","pid","time","user","uts"]' ]
    [ "$(f '.linux.cgroup.v1')" = true ]
    [ "$(f '[.linux.cgroup.v2, .linux.cgroup.systemd, .linux.cgroup.systemdUser, .linux.cgroup.rdma] | all')" = true ]
    [ "$(f '[.linux.intelRdt.enabled, .linux.netDevices.enabled, .linux.mountExtensions.idmap.enabled] | any')" = false ]
    [ "$(f '[.linux.apparmor.enabled, .linux.selinux.enabled] | all')" = true ]
    [ "$(f '.linux.capabilities | index("CAP_SYS_ADMIN") != null')" = true ]
    [ "$(f '.annotations["io.github.seccomp.libseccomp.version"] | test("^[0-9]+\\.[0-9]+\\.[0-9]+$")')" = true ]
}

@test "features: every mount option listed is accepted on a bind mount" {
    setup_bundle true
    mkdir -p "$BATS_TEST_TMPDIR/src"
    i=0
    for o in $(echo "$FEATURES" | jq -r '.mountOptions[]'); do
        # (tmpcopyup is for tmpfs: the tmpcopyup tests in mounts.bats)
        case $o in bind|rbind|tmpcopyup|remount|mand|nomand|shared|rshared|slave|rslave) continue ;; esac
        i=$((i + 1))
        update_config --arg o "$o" --arg s "$BATS_TEST_TMPDIR/src" --arg d "/m$i" \
            '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": ["rbind", $o]}]'
    done
    [ "$i" -gt 20 ]
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "features: every seccomp action, operator, arch and supported flag is accepted" {
    setup_bundle true
    actions=$(echo "$FEATURES" | jq -c '[.linux.seccomp.actions[] | select(. != "SCMP_ACT_NOTIFY")]')
    ops=$(echo "$FEATURES" | jq -c '.linux.seccomp.operators')
    update_config --argjson a "$actions" --argjson o "$ops" \
        --argjson arch "$(echo "$FEATURES" | jq -c .linux.seccomp.archs)" \
        --argjson fl "$(echo "$FEATURES" | jq -c '[.linux.seccomp.supportedFlags[] | select(. != "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")]')" \
        '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": $arch, "flags": $fl,
           "syscalls": ([$a[] | {"names": ["acct"], "action": .}]
                        + [$o[] | {"names": ["acct"], "action": "SCMP_ACT_ERRNO",
                                   "args": [{"index": 0, "value": 7, "valueTwo": 7, "op": .}]}])}'
    [ "$(jq '.linux.seccomp.syscalls | length' config.json)" -ge 14 ]
    run urun run c1
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "features: ociVersion outside 1.x is one error naming it" {
    setup_bundle true
    update_config '.ociVersion = "2.0.0"'
    urun_split run c1
    [ "$status" -eq 1 ]
    assert_one_error_line ociVersion 2.0.0
    assert_no_state
}
