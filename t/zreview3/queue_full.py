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
"""More waiters than a queue has slots (256) behind one holder; then the
holder ends: all must be served (412 here) soon after, none 503.
Usage: queue_full.py PORT [N]"""
import sys, os, time, threading
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rp3
port = int(sys.argv[1]); n = int(sys.argv[2]) if len(sys.argv) > 2 else 270
rp3.req(port, 'PUT', '/dav/qf.txt', {'If-None-Match': '*'}, b'v0')
h = rp3.req(port, 'PUT', '/dav/qf.txt', {'If-Match': '"no"'}, b'holder', hold=2)
time.sleep(0.3)
res = []; lock = threading.Lock()
def w():
    r = rp3.req(port, 'PUT', '/dav/qf.txt', {'If-Match': '"no"'}, b'w', timeout=30)
    with lock: res.append((r[0], time.time()))
ts = [threading.Thread(target=w) for _ in range(n)]
for t in ts: t.start(); time.sleep(0.005)
time.sleep(1.5)
t0 = time.time(); print('holder', rp3.finish(h)[0])
[t.join() for t in ts]
codes = {}
for c, _ in res: codes[c] = codes.get(c, 0) + 1
print('waiters', codes, 'last answered %.2fs after the release' % (max(t for _, t in res) - t0))
