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
# Start a throwaway apache2 with the module: srv.sh DIR PORT MPM [LOCKFILE] [extra conf file]
# Stop: apache2 -f DIR/httpd.conf -k stop
set -e
D=$1; PORT=$2; MPM=${3:-event}; LF=${4:-}; EXTRA=${5:-}
MOD=$(cd "$(dirname "$0")/../.." && pwd)/.libs/mod_require_precondition.so
mkdir -p "$D/htdocs/dav" "$D/logs" "$D/davlock"
chown -R www-data:www-data "$D/htdocs" "$D/davlock"
M=/usr/lib/apache2/modules
cat > "$D/httpd.conf" <<C
ServerRoot $D
PidFile $D/logs/pid
ErrorLog $D/logs/error_log
LogLevel warn require_precondition:debug
Listen 127.0.0.1:$PORT
ServerName 127.0.0.1
User www-data
Group www-data
LoadModule mpm_${MPM}_module $M/mod_mpm_${MPM}.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule mime_module $M/mod_mime.so
LoadModule alias_module $M/mod_alias.so
LoadModule dav_module $M/mod_dav.so
LoadModule dav_fs_module $M/mod_dav_fs.so
LoadModule require_precondition_module $MOD
TypesConfig /etc/mime.types
DocumentRoot $D/htdocs
DavLockDB $D/davlock/db
FileETag Digest
StartServers 2
MaxRequestWorkers 300
ServerLimit 16
ThreadsPerChild 25
C
[ "$MPM" = prefork ] && sed -i 's/^ThreadsPerChild.*//; s/^ServerLimit.*/ServerLimit 300/; s/^StartServers.*/StartServers 5/' "$D/httpd.conf"
[ -n "$LF" ] && echo "RequirePreconditionLockFile $LF" >> "$D/httpd.conf"
cat >> "$D/httpd.conf" <<C
<Directory $D/htdocs/dav>
  Dav On
  Options FollowSymLinks
  Require all granted
  RequirePrecondition On
  RequirePreconditionSerialize On
</Directory>
C
[ -n "$EXTRA" ] && cat "$EXTRA" >> "$D/httpd.conf"
apache2 -f "$D/httpd.conf" -k start
sleep 0.5
