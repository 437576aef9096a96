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
# One server with RequirePreconditionLockFile; the file is removed (rm,
# systemd-tmpfiles) or emptied; then the admin's usual checks: apache2 -t,
# -k graceful, -k restart. Which of them tell, which recover?
# Usage: lockfile_gone_graceful.sh rm|truncate  (port 18435, /tmp/r3e)
H=$(cd "$(dirname "$0")" && pwd); D=/tmp/r3e; L=/tmp/r3elock
MODE=${1:-rm}
[ -f $D/httpd.conf ] && apache2 -f $D/httpd.conf -k stop 2>/dev/null; sleep 1; rm -rf $D $L; mkdir -p $L
"$H/srv.sh" $D 18435 event $L/lf
put() { curl -s -o /dev/null -w "$1: %{http_code}\n" -T /etc/hostname -H 'If-None-Match: *' http://127.0.0.1:18435/dav/n$2.txt; }
put before 0
if [ $MODE = rm ]; then rm $L/lf; else truncate -s 0 $L/lf; fi
put after-$MODE 1
apache2 -f $D/httpd.conf -t; echo "apache2 -t: rc=$?"; ls -l $L
put after-t 2
apache2 -f $D/httpd.conf -k graceful; sleep 2; put after-graceful 3
apache2 -f $D/httpd.conf -k restart; sleep 2; put after-restart 4
grep -h "RP000" $D/logs/error_log | grep -v "debug\|RP00013" | sed 's/.*\] RP/RP/' | sort | uniq -c
apache2 -f $D/httpd.conf -k stop; sleep 1; apache2 -f $D/httpd.conf -k start; sleep 1; put after-stop-start 5
apache2 -f $D/httpd.conf -k stop
