#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# with-tun.sh DIR CMD...: run CMD (as root, in a private mount namespace
# made by the caller with `unshare -m --propagation private`) with a
# /dev/net/tun that anyone may open: a node of its own on a small tmpfs at
# DIR, bound over /dev/net/tun.  For the rootless engine tests on a host
# whose /dev/net/tun is 0600 (rootless slirp4netns opens it as the user).
# The host's node is not changed; without /dev/net/tun, CMD runs as it is.
set -e
dir=$1
shift
if [ -c /dev/net/tun ]; then
    mkdir -p "$dir"
    mount -t tmpfs -o mode=755,size=16k urun-tun "$dir"
    mknod -m 666 "$dir/tun" c 10 200
    mount --bind "$dir/tun" /dev/net/tun
fi
exec "$@"
