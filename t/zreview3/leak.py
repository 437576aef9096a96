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
"""Descriptors, timers and memory of the children over many contended
serialized writes. Usage: leak.py PORT PIDFILE [ROUNDS]"""
import sys, os, threading, time, glob
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rp3
port = int(sys.argv[1]); ppid = int(open(sys.argv[2]).read()); rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 300
def kids():
    out = {}
    for p in glob.glob('/proc/[0-9]*/stat'):
        try:
            f = open(p).read().split()
            if int(f[3]) == ppid:
                pid = int(f[0])
                out[pid] = (len(os.listdir('/proc/%d/fd' % pid)),
                            open('/proc/%d/timers' % pid).read().count('ID:'),
                            int([l for l in open('/proc/%d/status' % pid) if l.startswith('VmRSS')][0].split()[1]))
        except Exception: pass
    return out
def worker(i, res):
    for n in range(rounds):
        path = '/dav/leak%d.txt' % (n % 4)
        e = rp3.etag(port, path)
        h = {'If-Match': e} if e else {'If-None-Match': '*'}
        st = rp3.req(port, 'PUT', path, h, b'w%d-%d' % (i, n))[0]
        res[st] = res.get(st, 0) + 1
def run():
    res = {}
    ts = [threading.Thread(target=worker, args=(i, res)) for i in range(8)]
    [t.start() for t in ts]; [t.join() for t in ts]
    return res
print('before', kids())
print('warm', run(), kids())
a = kids()
print('run2', run()); b = kids()
print('run3', run()); c = kids()
print('after run2', b); print('after run3', c)
for pid in c:
    if pid in b and (c[pid][0] > b[pid][0] or c[pid][1] > b[pid][1]):
        print('GROWTH fd/timers pid', pid, b[pid], c[pid])
