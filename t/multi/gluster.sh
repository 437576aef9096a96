#!/usr/bin/env bash
# Copyright 2026 The mod_require_precondition authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# make test-cluster: the two-server checks of t/multi/run.sh with their
# shared storage on a real distributed filesystem, a one-node GlusterFS
# volume from Debian's packages, mounted twice through FUSE: server A sees
# it through one client at one path, server B through another client at
# another path (other device number, same inode numbers), so that every
# lock has to go through GlusterFS's lock translator to exclude.
#
#   MPMS="event worker prefork" t/multi/gluster.sh     # as root
#
# The volume is made coherent for this use (see docs/several-servers.md):
# the client-side caches off and FUSE attribute/entry caching off, and
# client.strict-locks on. Takes
# about a minute per MPM plus the set-up. Everything it makes is removed at
# the end; a glusterd it started is stopped.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "test-cluster: needs root (glusterd, mount)" >&2
    exit 1
fi
"$top/tools/deps.sh" glusterfs-server glusterfs-client

vol=rptest$$
work=$(mktemp -d /var/tmp/rp-gluster.XXXXXX)
brick=$work/brick
mnt_a=$work/mnt-a
mnt_b=$work/mnt-b
mkdir -p "$brick" "$mnt_a" "$mnt_b"
chmod 755 "$work"
started_glusterd=""
host=$(hostname)
g() { timeout 60 gluster --mode=script "$@"; }

cleanup() {
    set +e
    umount "$mnt_b" 2>/dev/null
    umount "$mnt_a" 2>/dev/null
    g volume stop "$vol" force >/dev/null 2>&1
    g volume delete "$vol" >/dev/null 2>&1
    if [ -n "$started_glusterd" ] && [ -f "$work/glusterd.pid" ]; then
        # The volume's post-delete hook asks glusterd a question: let it.
        for _ in $(seq 1 50); do
            pgrep -f "glusterfind-delete-post --volname=$vol" >/dev/null || break
            sleep 0.2
        done
        kill "$(cat "$work/glusterd.pid")" 2>/dev/null
        # The brick daemon of the volume is gone with the volume stop.
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if ! g volume list >/dev/null 2>&1; then
    echo "test-cluster: starting glusterd"
    glusterd -p "$work/glusterd.pid" --log-file="$work/glusterd.log"
    started_glusterd=1
    for _ in $(seq 1 50); do g volume list >/dev/null 2>&1 && break; sleep 0.2; done
fi
g volume create "$vol" "$host:$brick" force
# Coherence between clients: no client-side caching of data or metadata.
for o in write-behind quick-read io-cache read-ahead stat-prefetch \
         open-behind readdir-ahead; do
    g volume set "$vol" "performance.$o" off >/dev/null
done
# A client that reconnects to a brick does not reopen a file on which it
# held POSIX locks (the brick dropped them at the disconnect): without
# this, another client can take the same lock meanwhile (GlusterFS issue
# #1977).
g volume set "$vol" client.strict-locks on >/dev/null
g volume start "$vol"
opts=attribute-timeout=0,entry-timeout=0,negative-timeout=0,direct-io-mode=enable
mount -t glusterfs -o "$opts" "$host:/$vol" "$mnt_a"
mount -t glusterfs -o "$opts" "$host:/$vol" "$mnt_b"
echo "test-cluster: volume $vol mounted at $mnt_a and $mnt_b"

rc=0
for m in ${MPMS:-event worker prefork}; do
    mkdir -p "$mnt_a/$m"
    echo "== two servers on GlusterFS (two FUSE clients), MPM $m"
    RP_MULTI_DOCROOT="$mnt_a/$m" RP_MULTI_DOCROOT_B="$mnt_b/$m" MPM=$m \
        "$top/t/multi/run.sh" || rc=1
done
[ $rc = 0 ] && echo "test-cluster: PASS" || echo "test-cluster: FAIL"
exit $rc
