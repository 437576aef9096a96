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
"""Writes through a symlinked *file* (the last component) against writes to
its target. Usage: symlink_file.py PORT DAVDIR (DAVDIR: the folder served as /dav/)"""
import sys, time, os, subprocess
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rp3
port = int(sys.argv[1]); dav = sys.argv[2]
def sh(c): subprocess.run(c, shell=True, check=True)
bad = 0
# D1: If-Match through the link vs the target
for first, second in (('ln.txt', 'real.txt'), ('real.txt', 'ln.txt')):
    sh('rm -f %s/real.txt %s/ln.txt; echo v0 > %s/real.txt; ln -s real.txt %s/ln.txt; chown -h www-data: %s/*' % ((dav,)*5))
    e0 = rp3.etag(port, '/dav/real.txt')
    h = rp3.req(port, 'PUT', '/dav/' + first, {'If-Match': e0}, b'first-wins', hold=3)
    time.sleep(0.3)
    import threading
    res = {}
    t = threading.Thread(target=lambda: res.setdefault('s', rp3.req(port, 'PUT', '/dav/' + second, {'If-Match': e0}, b'second-wins')))
    t.start(); time.sleep(0.5)
    r1 = rp3.finish(h); t.join()
    r2 = res['s']
    print('If-Match %s then %s: %d, %d (second took %.2fs); real.txt=%r ln is link: %s' % (first, second, r1[0], r2[0], r2[3],
          open(dav + '/real.txt').read(), os.path.islink(dav + '/ln.txt')))
    if r1[0] < 300 and r2[0] < 300 and os.path.islink(dav + '/ln.txt'):
        bad += 1; print('  LOST UPDATE')
# D2: creators through a dangling link and its target
sh('rm -f %s/new.txt %s/dl.txt; ln -s new.txt %s/dl.txt; chown -h www-data: %s/dl.txt' % ((dav,)*4))
h = rp3.req(port, 'PUT', '/dav/dl.txt', {'If-None-Match': '*'}, b'via-link', hold=3)
time.sleep(0.3)
r2 = rp3.req(port, 'PUT', '/dav/new.txt', {'If-None-Match': '*'}, b'direct', timeout=5)
r1 = rp3.finish(h)
print('If-None-Match: * dl.txt (dangling -> new.txt) and new.txt: %d, %d (%.2fs); new.txt=%r, dl.txt link: %s' % (r1[0], r2[0], r2[3],
      open(dav + '/new.txt').read() if os.path.exists(dav + '/new.txt') else None, os.path.islink(dav + '/dl.txt')))
if r1[0] < 300 and r2[0] < 300 and os.path.islink(dav + '/dl.txt'):
    bad += 1; print('  LOST UPDATE (two creators of one file)')
sys.exit(1 if bad else 0)
