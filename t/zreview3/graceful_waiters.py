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
"""A holder and queued waiters across a graceful restart: the waiters are
served (no 503, one winner) after the holder ends. Usage:
graceful_waiters.py PORT CONF"""
import sys, os, time, threading, subprocess
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rp3
port = int(sys.argv[1]); conf = sys.argv[2]
rp3.req(port, 'PUT', '/dav/g.txt', {'If-None-Match': '*'}, b'v0')
e0 = rp3.etag(port, '/dav/g.txt')
h = rp3.req(port, 'PUT', '/dav/g.txt', {'If-Match': e0}, b'holder', hold=2)
time.sleep(0.3)
res = []
def w(i):
    res.append(rp3.req(port, 'PUT', '/dav/g.txt', {'If-Match': e0}, b'w%d' % i, timeout=20)[0])
ts = [threading.Thread(target=w, args=(i,)) for i in range(6)]
[t.start() for t in ts]; time.sleep(0.5)
subprocess.run(['apache2', '-f', conf, '-k', 'graceful']); time.sleep(1.5)
late = rp3.req(port, 'PUT', '/dav/g.txt', {'If-Match': e0}, b'late', hold=1)  # new generation, must wait too
time.sleep(0.5)
r = rp3.finish(h); [t.join() for t in ts]
rl = rp3.finish(late)
print('holder', r[0], 'old-generation waiters', sorted(res), 'new-generation writer', rl[0], 'content', rp3.req(port, 'GET', '/dav/g.txt', body=None)[2])
codes = [r[0]] + res + [rl[0]]
print('OK: one winner' if sum(c < 300 for c in codes) == 1 and 503 not in codes else 'PROBLEM')
