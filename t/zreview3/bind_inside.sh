#!/bin/sh
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
# A collection DELETE does not wait for a write inside a folder that is
# bind-mounted *inside* the collection (it locks the collection's identity;
# the writer reached the mounted folder by its own path, whose ancestors
# are not the collection). Needs a server from srv.sh with
# cgi_extra.conf's /free/ section (Dav On, unguarded): server dir $1, port $2.
set -e
D=${1:-/tmp/r3a}; P=${2:-18431}; H=$(cd "$(dirname "$0")" && pwd)
cd $D/htdocs; rm -rf free/D dav/other; mkdir -p free/D/mnt dav/other
echo v0 > dav/other/x.txt; chown -R www-data: free dav/other
mount --bind $D/htdocs/dav/other $D/htdocs/free/D/mnt
trap "umount $D/htdocs/free/D/mnt 2>/dev/null || true" EXIT
python3 - <<PY
import sys, time; sys.path.insert(0, "$H"); import rp3
e0 = rp3.etag($P, '/dav/other/x.txt')
h = rp3.req($P, 'PUT', '/dav/other/x.txt', {'If-Match': e0}, b'written-by-W', hold=2)
time.sleep(0.3)
d = rp3.req($P, 'DELETE', '/free/D/', {}, None, timeout=15)
w = rp3.finish(h)
print('DELETE /free/D/ (D/mnt = bind of dav/other): %d after %.2fs while the PUT held its lock; PUT If-Match: %d' % (d[0], d[3], w[0]))
print('NOT EXCLUDED' if d[3] < 0.25 else 'waited')
PY
ls -la $D/htdocs/dav/other
