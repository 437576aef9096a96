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

# `make test-clients`: the heavier recipes of docs/clients.md,
# with the real clients against a real apache2 (event MPM) on
# 127.0.0.1:$CLIENTS_PORT (default 8431): rclone, davix and, as root where
# FUSE works, davfs2. Each check looks at what the server logged (method,
# URI, status) and at the file on disk. curl, cadaver, git and litmus are
# in make test (t/clients.t).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
PORT=${CLIENTS_PORT:-8431}
HTTPD=${HTTPD:-/usr/sbin/apache2}
APXS=${APXS:-$(command -v apxs || echo /usr/bin/apxs)}
module="$top/.libs/mod_require_precondition.so"
[ -f "$module" ] || { echo "clients/run.sh: build first (make)" >&2; exit 1; }

start=$(date +%s)
root=$(mktemp -d /tmp/rp-clients.XXXXXX)
chmod 755 "$root"
mkdir -p "$root/htdocs/store" "$root/htdocs/report" "$root/htdocs/edits" \
         "$root/var" \
         "$root/src" "$root/mnt" "$root/cache"
user_line=""
if [ "$(id -u)" = 0 ]; then
    user_line="User www-data
Group www-data"
    chown -R www-data: "$root/htdocs" "$root/var"
fi
sed -e "s|@ROOT@|$root|g" -e "s|@PORT@|$PORT|g" \
    -e "s|@LIBEXEC@|$("$APXS" -q LIBEXECDIR)|g" -e "s|@MODULE@|$module|g" \
    "$top/clients/httpd.conf.in" \
    | awk -v u="$user_line" '{ if ($0 == "@USER@") print u; else print }' \
    > "$root/httpd.conf"

mounted=0
cleanup() {
    trap - INT TERM EXIT
    if [ $mounted = 1 ]; then umount "$root/mnt" 2>/dev/null || true; fi
    if [ -f "$root/httpd.pid" ]; then
        pid=$(cat "$root/httpd.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$root"
}
trap cleanup INT TERM EXIT

"$HTTPD" -t -f "$root/httpd.conf" >/dev/null 2>&1 \
    || { "$HTTPD" -t -f "$root/httpd.conf"; exit 1; }
"$HTTPD" -k start -f "$root/httpd.conf"
base="http://127.0.0.1:$PORT"
for _ in $(seq 50); do
    curl -s -o /dev/null "$base/" && break
    sleep 0.1
done

pass=0
fail=0
ok() {
    if [ "$2" = "$3" ]; then
        pass=$((pass + 1)); echo "ok - $1"
    else
        fail=$((fail + 1)); echo "not ok - $1: want '$2', got '$3'"
    fi
}
# The status of the last "METHOD URI" the server logged.
logged() {
    awk -v m="$1" -v u="$2" '$1 == m && $2 == u { s = $3 } END { print s }' \
        "$root/var/access_log"
}
disk() { cat "$root/htdocs$1" 2>/dev/null || echo absent; }
rc() { "$@" >>"$root/var/clients.log" 2>&1 && echo 0 || echo fail; }
etag() { curl -s -o /dev/null -w '%header{etag}' "$base$1"; }

# rclone: a plain PUT and DELETE, MOVE with Overwrite: F but nothing for
# its source. Refused under On;
# fine under ReportOnly; create-only (--header-upload 'If-None-Match: *')
# works under On and never overwrites.
if command -v rclone >/dev/null; then
    export RCLONE_CONFIG_S_TYPE=webdav RCLONE_CONFIG_S_URL="$base/" \
           RCLONE_CONFIG_S_VENDOR=other
    touch "$root/rclone.conf"
    rcl=(rclone --config "$root/rclone.conf" --retries 1
         --low-level-retries 1 -q)
    echo v1 > "$root/src/a.txt"
    ok "rclone copy, On: fails" fail "$(rc "${rcl[@]}" copy "$root/src" S:store/r)"
    ok "rclone copy, On: the PUT is refused" 428 "$(logged PUT /store/r/a.txt)"
    ok "rclone copy, On: nothing written" absent "$(disk /store/r/a.txt)"
    ok "rclone copy, ReportOnly: works" 0 "$(rc "${rcl[@]}" copy "$root/src" S:report/r)"
    ok "rclone copy, ReportOnly: written" v1 "$(disk /report/r/a.txt)"
    ok "rclone copy, ReportOnly: reported" 1 \
       "$(grep -c 'PUT /report/r/a.txt from .* would be refused' "$root/var/error_log")"
    ok "rclone copy --header-upload If-None-Match: *, On: works" 0 \
       "$(rc "${rcl[@]}" copy --header-upload 'If-None-Match: *' "$root/src" S:store/r)"
    ok "rclone create-only: created" 201 "$(logged PUT /store/r/a.txt)"
    ok "rclone create-only: written" v1 "$(disk /store/r/a.txt)"
    echo v2-changed > "$root/src/a.txt"
    ok "rclone create-only, changed file: fails" fail \
       "$(rc "${rcl[@]}" copy --header-upload 'If-None-Match: *' "$root/src" S:store/r)"
    ok "rclone create-only, changed file: 412" 412 "$(logged PUT /store/r/a.txt)"
    ok "rclone create-only, changed file: not overwritten" v1 "$(disk /store/r/a.txt)"
    ok "rclone moveto, On: fails" fail \
       "$(rc "${rcl[@]}" moveto S:store/r/a.txt S:store/r/b.txt)"
    ok "rclone moveto, On: the MOVE is refused at its source" 428 \
       "$(logged MOVE /store/r/a.txt)"
    ok "rclone moveto, On: nothing moved" v1 "$(disk /store/r/a.txt)"
    ok "rclone delete, On: fails" fail "$(rc "${rcl[@]}" delete S:store/r)"
    ok "rclone delete, On: refused" 428 "$(logged DELETE /store/r/a.txt)"
    ok "rclone delete, On: still there" v1 "$(disk /store/r/a.txt)"
else
    echo "skip - rclone: not installed"
fi

# davix: sends nothing of its own; -H adds the precondition.
if command -v davix-put >/dev/null; then
    echo d1 > "$root/d1.txt"
    echo d2 > "$root/d2.txt"
    ok "davix-put, On: fails" fail "$(rc davix-put "$root/d1.txt" "$base/store/d.txt")"
    ok "davix-put, On: refused" 428 "$(logged PUT /store/d.txt)"
    ok "davix-put, On: nothing written" absent "$(disk /store/d.txt)"
    ok "davix-put -H If-None-Match: *: works" 0 \
       "$(rc davix-put -H 'If-None-Match: *' "$root/d1.txt" "$base/store/d.txt")"
    ok "davix-put -H If-None-Match: *: written" d1 "$(disk /store/d.txt)"
    ok "davix-put -H If-Match: ETag: works" 0 \
       "$(rc davix-put -H "If-Match: $(etag /store/d.txt)" "$root/d2.txt" "$base/store/d.txt")"
    ok "davix-put -H If-Match: ETag: updated" d2 "$(disk /store/d.txt)"
    ok "davix-rm, On: fails" fail "$(rc davix-rm "$base/store/d.txt")"
    ok "davix-rm, On: refused" 428 "$(logged DELETE /store/d.txt)"
    ok "davix-rm -H If-Match: ETag: works" 0 \
       "$(rc davix-rm -H "If-Match: $(etag /store/d.txt)" "$base/store/d.txt")"
    ok "davix-rm -H If-Match: ETag: deleted" absent "$(disk /store/d.txt)"
else
    echo "skip - davix: not installed"
fi

# davfs2: a file system, so it can only be mounted as root with FUSE.
# Edits send If-None-Match: * or If-Match with the lock token in If; rm
# sends a plain DELETE, mv a plain MOVE (Overwrite: T).
if ! command -v mount.davfs >/dev/null; then
    echo "skip - davfs2: not installed"
elif [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
    echo "skip - davfs2: needs root and /dev/fuse"
else
    # As Debian makes /var/cache/davfs2: root:davfs2, group-writable.
    chown root:davfs2 "$root/cache" 2>/dev/null || true
    chmod 775 "$root/cache"
    printf 'use_locks 1\nask_auth 0\ndelay_upload 0\ncache_dir %s\n' \
        "$root/cache" > "$root/davfs2.conf"
    if mount -t davfs -o "conf=$root/davfs2.conf" "$base/store/" "$root/mnt" \
            </dev/null >>"$root/var/clients.log" 2>&1; then
        mounted=1
        upload() {   # wait until what davfs2 wrote is on the server
            for _ in $(seq 100); do
                [ "$(disk "$1")" = "$2" ] && break
                sleep 0.1
            done
            disk "$1"
        }
        echo one > "$root/mnt/f.txt"; sync "$root/mnt/f.txt"
        ok "davfs2 create: written" one "$(upload /store/f.txt one)"
        ok "davfs2 create: 201" 201 "$(logged PUT /store/f.txt)"
        echo two > "$root/mnt/f.txt"; sync "$root/mnt/f.txt"
        ok "davfs2 edit: written" two "$(upload /store/f.txt two)"
        ok "davfs2 edit: 204" 204 "$(logged PUT /store/f.txt)"
        ok "davfs2 edit: sent If-Match" 1 \
           "$(grep -c '^PUT /store/f.txt 204 if-match=\[[^-]' "$root/var/access_log")"
        ok "davfs2 mv: fails" fail "$(rc mv "$root/mnt/f.txt" "$root/mnt/g.txt")"
        ok "davfs2 mv: refused" 428 "$(logged MOVE /store/f.txt)"
        ok "davfs2 mv: nothing moved" two "$(disk /store/f.txt)"
        ok "davfs2 rm: fails" fail "$(rc rm "$root/mnt/f.txt")"
        ok "davfs2 rm: refused" 428 "$(logged DELETE /store/f.txt)"
        ok "davfs2 rm: still there" two "$(disk /store/f.txt)"
        umount "$root/mnt" && mounted=0
        # Only PUT and PATCH guarded: rm works; mv is judged at its
        # destination as a PUT, and Overwrite: T does not count there.
        if mount -t davfs -o "conf=$root/davfs2.conf" "$base/edits/" \
                "$root/mnt" </dev/null >>"$root/var/clients.log" 2>&1; then
            mounted=1
            echo one > "$root/mnt/e.txt"; sync "$root/mnt/e.txt"
            ok "davfs2, PUT PATCH guarded: create" one "$(upload /edits/e.txt one)"
            ok "davfs2, PUT PATCH guarded: mv fails" fail \
               "$(rc mv "$root/mnt/e.txt" "$root/mnt/e2.txt")"
            ok "davfs2, PUT PATCH guarded: mv refused at its destination" 428 \
               "$(logged MOVE /edits/e.txt)"
            ok "davfs2, PUT PATCH guarded: rm works" 0 "$(rc rm "$root/mnt/e.txt")"
            ok "davfs2, PUT PATCH guarded: rm deleted" 204 "$(logged DELETE /edits/e.txt)"
            ok "davfs2, PUT PATCH guarded: gone" absent "$(disk /edits/e.txt)"
            umount "$root/mnt" && mounted=0
        fi
    else
        echo "skip - davfs2: mount failed ($(tail -n 1 "$root/var/clients.log"))"
    fi
fi

echo "test-clients: $pass passed, $fail failed, $(( $(date +%s) - start )) s"
if [ $fail != 0 ]; then
    echo "---- access log ----"; cat "$root/var/access_log"
    echo "---- client output ----"; tail -n 40 "$root/var/clients.log"
fi
[ $fail = 0 ]
