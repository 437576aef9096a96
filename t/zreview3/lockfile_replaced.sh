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
# Finding: servers A and B share RequirePreconditionLockFile; the file is
# replaced (rm, mv, tmpfiles cleaning) while A holds a write; B is
# restarted: B starts on the new file, sees none of A's locks, and both
# writes with one If-Match ETag succeed. Usage: lockfile_replaced.sh [MODE]
# MODE: rm (default) or mv. Ports 18432/18433, dirs /tmp/r3b /tmp/r3c.
set -e
MODE=${1:-rm}
H=$(cd "$(dirname "$0")" && pwd)
L=/tmp/r3lock; A=/tmp/r3b; B=/tmp/r3c
for d in $A $B; do [ -f $d/httpd.conf ] && apache2 -f $d/httpd.conf -k stop 2>/dev/null || true; done
sleep 1; rm -rf $L $A $B; mkdir -p $L $B; chmod 755 $L
trap 'apache2 -f $A/httpd.conf -k stop 2>/dev/null; apache2 -f $B/httpd.conf -k stop 2>/dev/null' EXIT
"$H/srv.sh" $A 18432 event $L/lf
ln -s $A/htdocs $B/htdocs
"$H/srv.sh" $B 18433 event $L/lf
echo v0 > $A/htdocs/dav/doc.txt; chown www-data: $A/htdocs/dav/doc.txt
python3 - "$MODE" <<PY
import sys, time, subprocess, os
sys.path.insert(0, "$H"); import rp3
e0 = rp3.etag(18432, '/dav/doc.txt')
h = rp3.req(18432, 'PUT', '/dav/doc.txt', {'If-Match': e0}, b'from-A', hold=2)
time.sleep(0.5)
if sys.argv[1] == 'rm': os.unlink('$L/lf')
else:
    open('$L/lf.new', 'w').close(); os.rename('$L/lf.new', '$L/lf')
subprocess.run('apache2 -f $B/httpd.conf -k stop; sleep 1.5; apache2 -f $B/httpd.conf -k start; sleep 1', shell=True)
rb = rp3.req(18433, 'PUT', '/dav/doc.txt', {'If-Match': e0}, b'from-B', timeout=15)
ra = rp3.finish(h)
print('A (held during the replace): %d; B after its restart: %d in %.2fs' % (ra[0], rb[0], rb[3]))
print('LOST UPDATE: two 2xx for one ETag' if ra[0] < 300 and rb[0] < 300 else 'held')
PY
grep -h "RP000\|AH00016" $A/logs/error_log $B/logs/error_log | grep -v "debug\|RP00013" | tail -5
