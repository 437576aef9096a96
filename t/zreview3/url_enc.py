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
"""Finding: a non-file-backed writer (CGI, proxy) is keyed by the URL as the
client sent it, so two spellings of one resource do not exclude each other.
Needs a server from srv.sh with cgi_extra.conf (ScriptAlias /w/ -> w.cgi).
Usage: url_enc.py PORT"""
import sys, time, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rp3
port = int(sys.argv[1])
H = {'If-Match': '"x"'}
pairs = [('/w/a!b', '/w/a%21b'), ('/w/a;b', '/w/a%3Bb'), ('/w/a/b', '/w/a%2Fb'),
         ('/w/ab', '/w/a%62'), ('/w/a//b', '/w/a/b'), ('/w/a/./b', '/w/a/b'),
         ('/w/ab', '/w/ab?x=1'), ('/w/a+b', '/w/a%2Bb'), ('/w/a b', '/w/a%20b')]
bad = 0
for p1, p2 in pairs:
    if ' ' in p1: p1 = p1.replace(' ', '%20')
    s = rp3.req(port, 'PUT', p1, H, b'0123456789', hold=5)
    time.sleep(0.3)
    st, hd, b, secs = rp3.req(port, 'PUT', p2, H, b'0123456789', timeout=3)
    st1, _, b1, _ = rp3.finish(s)
    same = b.strip() == b1.strip()
    waited = secs > 0.25
    print('%-10s %-12s holder %s %-20r second %s %-20r in %.2fs: %s' % (p1, p2, st1, b1.strip().decode(), st, b.strip().decode(), secs,
          'same PATH_INFO, NOT serialized' if same and not waited else ('waited' if waited else 'different resources')))
    bad += same and not waited
sys.exit(1 if bad else 0)
