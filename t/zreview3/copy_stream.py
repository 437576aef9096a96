#!/usr/bin/env python3
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
"""Writers inside a collection against a stream of collection COPYs (the
source is locked exclusively) and DELETEs of its copies. Usage:
copy_stream.py PORT DAVDIR [SECONDS]"""
import sys, os, time, threading, subprocess
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rp3
port = int(sys.argv[1]); dav = sys.argv[2]; secs = float(sys.argv[3]) if len(sys.argv) > 3 else 8
subprocess.run('rm -rf %s/big; mkdir -p %s/big; for i in $(seq 200); do echo $i > %s/big/f$i.txt; done; chown -R www-data: %s/big' % ((dav,)*4), shell=True, check=True)
stop = time.time() + secs
copies = {}
def copier(i):
    n = 0
    while time.time() < stop:
        st = rp3.req(port, 'COPY', '/dav/big/', {'Destination': 'http://127.0.0.1:%d/dav/c%d-%d/' % (port, i, n), 'Overwrite': 'F', 'Depth': 'infinity'}, None)[0]
        subprocess.run(['rm', '-rf', '%s/c%d-%d' % (dav, i, n)])
        copies[st] = copies.get(st, 0) + 1; n += 1
waits = []; codes = {}
def writer():
    while time.time() < stop:
        e = rp3.etag(port, '/dav/big/f1.txt')
        st, _, _, t = rp3.req(port, 'PUT', '/dav/big/f1.txt', {'If-Match': e}, b'x')
        waits.append(t); codes[st] = codes.get(st, 0) + 1
        time.sleep(0.05)
ts = [threading.Thread(target=copier, args=(i,)) for i in range(3)] + [threading.Thread(target=writer)]
[t.start() for t in ts]; [t.join() for t in ts]
waits.sort()
print('COPY codes', copies, 'PUT codes', codes)
print('PUT inside: n=%d p50 %.3f p90 %.3f max %.3f s' % (len(waits), waits[len(waits)//2], waits[int(len(waits)*.9)], waits[-1]))
