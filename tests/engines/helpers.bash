# SPDX-License-Identifier: Apache-2.0
# Shared set-up for the engine tests (tests/engines/*.bats): real clients
# (podman, containerd's ctr, docker) driving urun, and the same scenario
# with crun (or runc) beside it, so that a difference is visible.
#
# tests/run-tests.sh runs podman.bats as root and as the unprivileged test
# user, containerd.bats and docker.bats as root only; URUN_ENGINES=0 turns
# them all off.  Every engine gets its own configuration, storage, state and
# socket under a temporary directory; images come from the busybox-static
# rootfs the harness stages ($URUN_ROOTFS), never from a registry.  Every
# command an engine runs is bounded in time (engine_timeout), every daemon a
# file starts is stopped by its pid, and host quirks are handled here, never
# by urun:
#   - crun 1.8.1 refuses a cgroup v1 hybrid layout whose unified hierarchy
#     has no controllers: it runs through a wrapper that binds an empty file
#     over /sys/fs/cgroup/unified/cgroup.controllers in a private mount
#     namespace (make_crun_wrapper); urun runs as it is.
#   - /dev/net/tun may be 0600 (rootless slirp4netns cannot open it): the
#     harness runs the rootless pass in a private mount namespace with a
#     0666 node of its own bound over it (tests/engines/with-tun.sh).

URUN=${URUN:?run through tests/run-tests.sh or make check}
URUN_MODE=${URUN_TEST_MODE:-root}
ENGINE_TIMEOUT=${URUN_ENGINE_TIMEOUT:-60}
IMAGE=localhost/urun-busybox:latest
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

is_rootless() { [ "$URUN_MODE" = rootless ]; }

# A command bounded in time: SIGTERM after $ENGINE_TIMEOUT s, SIGKILL 5 s
# later (a hung engine fails its test instead of the whole run).
bounded() { timeout -k 5 "$ENGINE_TIMEOUT" "$@"; }

# Skip (the whole file when called from setup_file) unless CMD exists.
require_cmd() {
    local cmd=$1 pkg=${2:-$1}
    command -v "$cmd" >/dev/null 2>&1 ||
        skip "$cmd is not installed (apt-get install $pkg)"
}

require_root() {
    [ "$(id -u)" = 0 ] || skip "$1 needs root (this pass runs as $(id -un))"
}

# wait_until TRIES DELAY CMD...: run CMD until it succeeds, at most TRIES
# times DELAY seconds apart; the status of the last try.
wait_until() {
    local tries=$1 delay=$2 i
    shift 2
    for ((i = 0; i < tries; i++)); do
        "$@" && return 0
        sleep "$delay"
    done
    return 1
}

# stop_pid PID: SIGTERM, up to 15 s for it to go, then SIGKILL (a daemon
# this file started; never a process found by name).
pid_gone() { ! kill -0 "$1" 2>/dev/null; }
stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    wait_until 75 0.2 pid_gone "$pid" && return 0
    echo "# pid $pid still there 15 s after SIGTERM: SIGKILL" >&3
    kill -KILL "$pid" 2>/dev/null
    wait_until 25 0.2 pid_gone "$pid"
}

# The image: a tarball of the staged busybox rootfs (root-owned entries).
make_rootfs_tar() {
    tar -C "$URUN_ROOTFS" --numeric-owner --owner=0 --group=0 -cf "$1" .
}

# The crun wrapper (see above) in DIR; prints its path.
make_crun_wrapper() {
    local dir=$1
    : > "$dir/empty"
    chmod 644 "$dir/empty"
    cat > "$dir/crun-hybrid" <<EOF
#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# crun 1.8.1 refuses a cgroup v1 hybrid layout whose unified hierarchy has
# no controllers: hide its cgroup.controllers in a private mount namespace.
f=/sys/fs/cgroup/unified/cgroup.controllers
if [ -e "\$f" ]; then
    exec unshare -m --propagation private sh -c 'mount --bind "\$0" "\$1" 2>/dev/null; shift; exec crun "\$@"' "$dir/empty" "\$f" "\$@"
fi
exec crun "\$@"
EOF
    chmod 755 "$dir/crun-hybrid"
    printf '%s\n' "$dir/crun-hybrid"
}

# The binary for a runtime name (urun, crun, runc); skips when it is missing.
# CRUN_WRAPPER must have been made (make_crun_wrapper) for crun.
runtime_path() {
    case "$1" in
        urun) printf '%s\n' "$URUN" ;;
        crun) command -v crun >/dev/null || skip "crun is not installed (apt-get install crun)"
              printf '%s\n' "${CRUN_WRAPPER:?}" ;;
        runc) command -v runc >/dev/null || skip "runc is not installed (apt-get install runc)"
              command -v runc ;;
        *) echo "unknown runtime $1" >&2; return 1 ;;
    esac
}

# The default state root of a runtime name, as an engine that passes no
# --root uses it.
state_root_of() {
    local rt=$1
    if is_rootless; then
        printf '%s/%s\n' "${XDG_RUNTIME_DIR:?}" "$rt"
    else
        printf '/run/%s\n' "$rt"
    fi
}

# snapshot_state ROOT / assert_no_new_state: the entries of a state root
# before a scenario, and a check that the scenario left none of its own
# (bounded wait: an engine's clean-up may still be running).
snapshot_state() {
    STATE_ROOT=$1
    STATE_BEFORE=$(ls -A "$STATE_ROOT" 2>/dev/null | sort)
}
new_state_entries() {
    comm -13 <(printf '%s\n' "$STATE_BEFORE") <(ls -A "$STATE_ROOT" 2>/dev/null | sort) | grep -v '^$'
}
no_new_state() { [ -z "$(new_state_entries)" ]; }
assert_no_new_state() {
    wait_until 20 0.25 no_new_state && return 0
    echo "# state left under $STATE_ROOT:" >&2
    new_state_entries | sed 's/^/#   /' >&2
    return 1
}

# A command under script(1), so that it has a terminal; prints what the
# terminal showed (carriage returns, NULs and escape sequences removed).
# Status: the command's.
in_terminal() {
    local cmd="" a rc=0
    for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
    bounded script -qefc "$cmd" /dev/null </dev/null > "$BATS_TEST_TMPDIR/tty.out" 2>&1 || rc=$?
    tr -d '\r\000' < "$BATS_TEST_TMPDIR/tty.out" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
    return $rc
}

# Print a mismatch clearly: expect_output EXPECTED (bats's $output).
expect_output() {
    if [ "$output" != "$1" ]; then
        printf '# expected output: %q\n# actual output:   %q\n' "$1" "$output" >&2
        return 1
    fi
}
expect_status() {
    if [ "$status" -ne "$1" ]; then
        printf '# expected status %s, got %s; output:\n%s\n' "$1" "$status" "$output" >&2
        return 1
    fi
}

# A free TCP port on this host (best effort: an ephemeral-range pick that
# nothing listens on now).
free_port() {
    local p i
    for ((i = 0; i < 50; i++)); do
        p=$((20000 + RANDOM % 20000))
        if ! (ss -Hltn 2>/dev/null | awk '{print $4}' | grep -q ":$p\$"); then
            printf '%s\n' "$p"
            return 0
        fi
    done
    return 1
}

# ---- image archives, made by hand from the staged rootfs (no registry, and
# no engine needed to make them) ----------------------------------------

_sha256() { sha256sum "$1" | cut -d' ' -f1; }
_size() { stat -c %s "$1"; }
_arch() {
    case "$(uname -m)" in
        x86_64) echo amd64 ;; aarch64) echo arm64 ;; armv7l) echo arm ;;
        ppc64le) echo ppc64le ;; s390x) echo s390x ;; riscv64) echo riscv64 ;;
        *) uname -m ;;
    esac
}

# make_image_config FILE LAYER_DIGEST: the image configuration (PATH set,
# sh as the default command).
make_image_config() {
    jq -n --arg arch "$(_arch)" --arg path "PATH=$IMAGE_PATH" --arg diff "sha256:$2" \
        '{architecture: $arch, os: "linux",
          config: {Env: [$path], Cmd: ["/bin/sh"]},
          rootfs: {type: "layers", diff_ids: [$diff]}}' > "$1"
}

# make_oci_archive OUT: an OCI image layout tarball (for `ctr images
# import`) holding $IMAGE.
make_oci_archive() {
    local out=$1 d l c m
    d=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/oci.XXXXXX")
    mkdir -p "$d/blobs/sha256"
    make_rootfs_tar "$d/layer.tar"
    l=$(_sha256 "$d/layer.tar")
    make_image_config "$d/config.json" "$l"
    c=$(_sha256 "$d/config.json")
    jq -n --arg c "sha256:$c" --argjson cs "$(_size "$d/config.json")" \
        --arg l "sha256:$l" --argjson ls "$(_size "$d/layer.tar")" \
        '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
          layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' \
        > "$d/manifest.json"
    m=$(_sha256 "$d/manifest.json")
    mv "$d/layer.tar" "$d/blobs/sha256/$l"
    mv "$d/config.json" "$d/blobs/sha256/$c"
    jq -n --arg m "sha256:$m" --argjson ms "$(_size "$d/manifest.json")" --arg name "$IMAGE" \
        '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: $m, size: $ms,
          annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": "latest"}}]}' \
        > "$d/index.json"
    mv "$d/manifest.json" "$d/blobs/sha256/$m"
    echo '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
    tar -C "$d" -cf "$out" oci-layout index.json blobs
    rm -rf "$d"
}

# make_docker_archive OUT: a `docker save` style tarball (for `docker
# load`) holding $IMAGE.
make_docker_archive() {
    local out=$1 d l c
    d=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/dkr.XXXXXX")
    make_rootfs_tar "$d/layer.tar"
    l=$(_sha256 "$d/layer.tar")
    mkdir "$d/$l"
    mv "$d/layer.tar" "$d/$l/layer.tar"
    make_image_config "$d/config.json" "$l"
    c=$(_sha256 "$d/config.json")
    mv "$d/config.json" "$d/$c.json"
    jq -n --arg c "$c.json" --arg l "$l/layer.tar" --arg tag "$IMAGE" \
        '[{Config: $c, RepoTags: [$tag], Layers: [$l]}]' > "$d/manifest.json"
    tar -C "$d" -cf "$out" manifest.json "$c.json" "$l"
    rm -rf "$d"
}
