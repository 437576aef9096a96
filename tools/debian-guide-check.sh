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

# The admin's guide of README.md and docs/, step by step, on this machine's stock Debian
# apache2 (/etc/apache2, service apache2, port 80): quick start, FileETag
# Digest inside the section, the 409 of a missing folder, the ReportOnly
# log (CustomLog at server level writes nothing, GlobalLog does), counting
# 428s from access.log and from /server-status, and the debug lines.
#
#   sudo tools/debian-guide-check.sh      # after make; not part of make test
#
# It changes the system, so it refuses to run when apache2 is running, and
# puts everything back at the end, however it ends: /etc/apache2 and
# /var/log/apache2 from a copy, the installed module removed, apache2
# stopped. Prints ok/not ok a step; exits non-zero when one failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
[ -x /usr/sbin/apache2ctl ] || { echo "$0: needs Debian's apache2" >&2; exit 1; }
[ -f "$top/.libs/mod_require_precondition.so" ] || { echo "$0: make first" >&2; exit 1; }
if [ -f /var/run/apache2/apache2.pid ] \
        && kill -0 "$(cat /var/run/apache2/apache2.pid)" 2>/dev/null; then
    echo "$0: the system apache2 is running; not touching it" >&2
    exit 1
fi

libexec=$(apxs -q LIBEXECDIR)
so="$libexec/mod_require_precondition.so"
save=$(mktemp -d /tmp/rp-debian.XXXXXX)
tar -C /etc -cpf "$save/etc.tar" apache2
tar -C /var/log -cpf "$save/log.tar" apache2
had_so=0; [ -e "$so" ] && had_so=1 && cp -p "$so" "$save/"
manifest="$libexec/mod_require_precondition.installed"   # make install's list
had_manifest=0; [ -e "$manifest" ] && had_manifest=1 && cp -p "$manifest" "$save/"
had_docs=0; [ -e /var/www/html/docs ] && had_docs=1

restore() {
    trap - INT TERM EXIT
    apache2ctl stop >/dev/null 2>&1 || true
    for _ in $(seq 50); do
        [ -f /var/run/apache2/apache2.pid ] || break
        sleep 0.1
    done
    rm -rf /etc/apache2 && tar -C /etc -xpf "$save/etc.tar"
    rm -rf /var/log/apache2 && tar -C /var/log -xpf "$save/log.tar"
    if [ $had_so = 1 ]; then cp -p "$save/$(basename "$so")" "$so"; else rm -f "$so"; fi
    if [ $had_manifest = 1 ]; then cp -p "$save/$(basename "$manifest")" "$manifest"
    else rm -f "$manifest"; fi
    [ $had_docs = 1 ] || rm -rf /var/www/html/docs
    rm -rf "$save"
    echo "restored /etc/apache2 and /var/log/apache2; apache2 stopped"
}
trap restore INT TERM EXIT

pass=0; fail=0
ok() {
    if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok - $1"
    else fail=$((fail + 1)); echo "not ok - $1: want '$2', got '$3'"; fi
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
b=http://localhost
logs=/var/log/apache2
# httpd writes a log line after the response: give it a moment.
settle() { sleep 0.5; }

echo "# 1. quick start"
# access.log may have lines from before: count from here on.
seen=$(cat $logs/access.log 2>/dev/null | wc -l)
make -C "$top" install >/dev/null
a2enmod -q dav dav_fs require_precondition
cat > /etc/apache2/conf-available/docs-dav.conf <<'EOF'
<IfModule mod_require_precondition.c>
    <Location /docs/>
        Dav On
        FileETag Digest
        RequirePrecondition On
    </Location>
    LogLevel warn require_precondition:debug
</IfModule>
EOF
a2enconf -q docs-dav
install -d -o www-data -g www-data /var/www/html/docs
ok "apache2ctl configtest" "Syntax OK" "$(apache2ctl configtest 2>&1 | tail -n 1)"
service apache2 start >/dev/null
for _ in $(seq 50); do [ "$(code $b/)" = 200 ] && break; sleep 0.1; done
ok "blind PUT: 428" 428 "$(code -T /etc/hostname $b/docs/note.txt)"
ok "create with If-None-Match: *: 201" 201 \
   "$(code -T /etc/hostname -H 'If-None-Match: *' $b/docs/note.txt)"
ok "owned by www-data" www-data "$(stat -c %U /var/www/html/docs/note.txt)"
etag=$(curl -s -o /dev/null -w '%header{etag}' $b/docs/note.txt)
ok "FileETag Digest in the section: a strong digest ETag" 1 \
   "$(printf '%s' "$etag" | grep -cE '^"[A-Za-z0-9+/]{27}="$' || true)"
other=$(curl -s -o /dev/null -w '%header{etag}' $b/index.html)
ok "outside the section: httpd's default ETag" 1 \
   "$(printf '%s' "$other" | grep -cE '^"[0-9a-f]+-[0-9a-f]+"$' || true)"
ok "update with If-Match: ETag: 204" 204 \
   "$(code -T /etc/hostname -H "If-Match: $etag" $b/docs/note.txt)"
ok "stale If-Match: 412" 412 \
   "$(code -T /etc/hostname -H 'If-Match: "stale"' $b/docs/note.txt)"
ok "missing parent folder: 409" 409 \
   "$(code -T /etc/hostname -H 'If-None-Match: *' $b/docs/no/such/x.txt)"
ok "blind DELETE: 428" 428 "$(code -X DELETE $b/docs/note.txt)"
settle

echo "# 2. counting refusals"
ok "access.log: awk '\$9 == 428' counts 2" 2 \
   "$(tail -n +$((seen + 1)) $logs/access.log | awk '$9 == 428' | wc -l)"
ok "server-status?auto: RequirePreconditionRefused: 2" \
   "RequirePreconditionRefused: 2" \
   "$(curl -s "$b/server-status?auto" | grep '^RequirePreconditionRefused:')"
ok "server-status: the HTML section" 1 \
   "$(curl -s $b/server-status | grep -c '<h2>RequirePrecondition</h2>')"

echo "# 3. debug lines in error.log"
for re in 'refused with 428: no usable precondition' \
          'let through: If-None-Match counts as a precondition'; do
    ok "error.log: $re" 1 \
       "$(grep -c "require_precondition:debug.*$re" $logs/error.log | awk '{print ($1 > 0)}')"
done

echo "# 4. ReportOnly: a server-level CustomLog writes nothing for 000-default"
cat > /etc/apache2/conf-available/docs-dav.conf <<'EOF'
<IfModule mod_require_precondition.c>
    <Location /docs/>
        Dav On
        FileETag Digest
        RequirePrecondition ReportOnly
        RequirePreconditionSerialize On
    </Location>
    LogLevel warn require_precondition:debug
    LogFormat "%t %h \"%r\" %>s \"%{User-Agent}i\"" precondition
    CustomLog ${APACHE_LOG_DIR}/precondition-missing.log precondition env=PRECONDITION_MISSING
</IfModule>
EOF
service apache2 reload >/dev/null
sleep 1
ok "ReportOnly: blind PUT goes through" 204 "$(code -T /etc/hostname $b/docs/note.txt)"
settle
ok "CustomLog at server level: no line" 0 \
   "$(cat $logs/precondition-missing.log 2>/dev/null | wc -l)"
sed -i 's/^    CustomLog /    GlobalLog /' /etc/apache2/conf-available/docs-dav.conf
service apache2 reload >/dev/null
sleep 1
ok "ReportOnly: blind PUT goes through" 204 "$(code -T /etc/hostname $b/docs/note.txt)"
settle
ok "GlobalLog: one line" 1 "$(cat $logs/precondition-missing.log | wc -l)"
ok "GlobalLog: the line" 1 \
   "$(grep -c '"PUT /docs/note.txt HTTP/1.1" 204 "curl/' $logs/precondition-missing.log)"
ok "error.log: the ReportOnly warning" 1 \
   "$(grep -c 'require_precondition:warn.*PUT /docs/note.txt from .* would be refused with 428.*\[ReportOnly\]' $logs/error.log | awk '{print ($1 > 0)}')"
ok "error.log: the serialized line" 1 \
   "$(grep -c 'require_precondition:debug.*serialized: lock taken after' $logs/error.log | awk '{print ($1 > 0)}')"
ok "server-status?auto after two reloads: the counts are kept" \
   "RequirePreconditionRefused: 2" \
   "$(curl -s "$b/server-status?auto" | grep '^RequirePreconditionRefused:')"
ok "server-status?auto: RequirePreconditionReportOnly: 2" \
   "RequirePreconditionReportOnly: 2" \
   "$(curl -s "$b/server-status?auto" | grep '^RequirePreconditionReportOnly:')"

echo "# the module's lines in error.log:"
grep 'require_precondition:' $logs/error.log | sed 's/^/#   /' | head -n 20
echo "debian-guide-check: $pass passed, $fail failed"
[ $fail = 0 ]
