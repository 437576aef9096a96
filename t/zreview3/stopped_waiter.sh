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
# A waiter in the middle of a queue is stopped (SIGSTOP of its prefork
# child) for longer than the timeout: do the waiters behind it 503 although
# the lock is free? Usage: stopped_waiter.sh [STOP|KILL]  (port 18434,
# /tmp/r3d); KILL: the ones behind must go on as soon as the holder ends.
# With KILL the waiter is killed instead: the ones behind must go on at once.
H=$(cd "$(dirname "$0")" && pwd); D=/tmp/r3d; SIG=${1:-STOP}
[ -f $D/httpd.conf ] && apache2 -f $D/httpd.conf -k stop 2>/dev/null; sleep 1; rm -rf $D
printf '<Directory %s/htdocs/dav>\nRequirePreconditionSerializeTimeout 3\n</Directory>\n' $D > /tmp/r3d.extra
"$H/srv.sh" $D 18434 prefork "" /tmp/r3d.extra
echo v0 > $D/htdocs/dav/q.txt; chown www-data: $D/htdocs/dav/q.txt
python3 - <<PY
import sys, time, subprocess, os, threading, re
sys.path.insert(0, "$H"); import rp3
P = 18434
def pid_of(sock):
    lp = sock.getsockname()[1]
    out = subprocess.run(['ss', '-tnpH', 'state', 'established', '( sport = :%d and dport = :%d )' % (P, lp)], capture_output=True, text=True).stdout
    return int(re.search(r'pid=(\d+)', out).group(1))
h = rp3.req(P, 'PUT', '/dav/q.txt', {'If-Match': '"nomatch"'}, b'holder', hold=2)
time.sleep(0.3)
w1 = rp3.req(P, 'PUT', '/dav/q.txt', {'If-Match': '"nomatch"'}, b'w1', hold=2)   # queued: headers sent
time.sleep(0.3)
pid = pid_of(w1[0]); os.kill(pid, 9 if "$SIG" == "KILL" else 19)
res = []
def later(i):
    res.append((i,) + rp3.req(P, 'PUT', '/dav/q.txt', {'If-Match': '"nomatch"'}, b'w', timeout=20)[0::3])
ts = [threading.Thread(target=later, args=(i,)) for i in range(3)]
[t.start() or time.sleep(0.1) for t in ts]
time.sleep(0.3)
r = rp3.finish(h); print('holder', r[0])
time.sleep(5)
"$SIG" == "KILL" or os.kill(pid, 18)
[t.join() for t in ts]
print('waiters behind the stopped one:', sorted(res))
"$SIG" == "KILL" or print("w1", rp3.finish(w1)[0])
PY
grep -h "RP00020" $D/logs/error_log | tail -3
apache2 -f $D/httpd.conf -k stop
