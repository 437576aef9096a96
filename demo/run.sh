#!/usr/bin/env bash
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

# `make run`: a demo httpd in the foreground on 127.0.0.1:$PORT with mod_dav
# serving a scratch folder at /docs/, guarded by RequirePrecondition On.
# Ctrl-C stops it and removes the scratch folder.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"
PORT=${PORT:-8428}
module=$rp_module_so
rp_need_module demo/run.sh

# A port someone listens on: say so and stop, rather than print the
# walk-through for a server that cannot start.
taken=$(ss -ltnpH "( sport = :$PORT )" 2>/dev/null || true)
if [ -n "$taken" ] || (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "demo/run.sh: port $PORT is taken; stop what listens there or pick" \
         "another port: make run PORT=$((PORT + 1))" >&2
    [ -z "$taken" ] || echo "$taken" >&2
    exit 1
fi

root=$(mktemp -d /tmp/rp-demo.XXXXXX)
chmod 755 "$root"
mkdir -p "$root/htdocs/docs" "$root/var"
user_line=""
if [ "$(id -u)" = 0 ]; then
    # httpd drops root for its workers; they must own the scratch folder.
    user_line="User www-data
Group www-data"
    chown -R www-data: "$root/htdocs" "$root/var"
fi
rp_render "$top/conf/demo.conf.in" "$root/httpd.conf" ROOT="$root" PORT="$PORT" \
    LIBEXEC="$("$APXS" -q LIBEXECDIR)" MODULE="$module" USER="$user_line"

pid=""
tailpid=""
cleanup() {
    trap - INT TERM EXIT
    [ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null || true
    [ -z "$pid" ] || rp_stop "$pid" 10
    rm -rf "$root"
    echo "demo stopped"
}
stopping=""
trap 'stopping=1; cleanup' INT TERM
trap cleanup EXIT

"$HTTPD" -t -f "$root/httpd.conf" >/dev/null
u="http://127.0.0.1:$PORT/docs/note.txt"
cat <<TXT
mod_require_precondition demo on http://127.0.0.1:$PORT/docs/ (Ctrl-C stops it)

Try this in another terminal:

  # 1. An unconditional write is refused: 428 Precondition Required
  curl -i -X PUT --data-binary 'draft 1' $u

  # 2. Create it, on condition that it does not exist yet: 201 Created
  curl -i -X PUT -H 'If-None-Match: *' --data-binary 'draft 1' $u

  # 3. Read it and keep its ETag
  etag=\$(curl -s -D - -o /dev/null $u | tr -d '\\r' | sed -n 's/^ETag: //Ip')
  echo "\$etag"

  # 4. A stale ETag is httpd's own 412 Precondition Failed; nothing is written
  curl -i -X PUT -H 'If-Match: "stale"' --data-binary 'draft 2' $u

  # 5. The ETag you read: 204 No Content, and the update is in
  curl -i -X PUT -H "If-Match: \$etag" --data-binary 'draft 2' $u
  curl -s $u

  # A client that prefers JSON gets an RFC 9457 problem document
  curl -i -X PUT -H 'Accept: application/json' --data-binary 'x' $u

Access log and the module's debug lines follow.
TXT
# The logs are files in the scratch folder (httpd cannot always reopen
# this terminal as /dev/stderr); follow them here.
touch "$root/var/error_log" "$root/var/access_log"
tail -qF "$root/var/error_log" "$root/var/access_log" 2>/dev/null &
tailpid=$!
"$HTTPD" -D FOREGROUND -f "$root/httpd.conf" &
pid=$!
rc=0
wait "$pid" || rc=$?
if [ $rc -ne 0 ] && [ -z "$stopping" ]; then
    sleep 0.2   # the tail above shows why
    echo "demo/run.sh: apache2 exited with status $rc" >&2
    exit $rc
fi
