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

# The README's quick start, run as extracted from README.md (the block
# fenced as ```sh quickstart), so that the README cannot give a command
# that fails. A line ending in `#=> X` must print exactly X. Runs as root
# on this machine's Debian apache2, which must be stopped: it is what a new
# admin starts from. Afterwards it stops apache2 and removes what the
# commands made, and disables the modules they enabled (not the module
# itself when the package enabled it before).
#
#   tools/quickstart.sh            extract, run, check, clean up
#   tools/quickstart.sh --print    print the script it would run
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
readme=${README:-$top/README.md}
say() { echo "quickstart: $*"; }
fail() { echo "quickstart: FAIL: $*" >&2; exit 1; }

# The block between ```sh quickstart and the next ```, each `#=> X` line
# turned into a check of its output. Heredoc bodies are left as they are.
extract() {
    awk '
        /^```sh quickstart[[:space:]]*$/ { inblock = 1; found = 1; next }
        inblock && /^```[[:space:]]*$/ { inblock = 0; exit }
        !inblock { next }
        heredoc != "" { print; if ($0 == heredoc) heredoc = ""; next }
        match($0, /<<-?[[:space:]]*\x27?[A-Za-z_]+\x27?/) {
            heredoc = substr($0, RSTART, RLENGTH)
            gsub(/<<-?[[:space:]]*|\x27/, "", heredoc)
            print; next
        }
        match($0, /[[:space:]]+#=>[[:space:]]*/) {
            cmd = substr($0, 1, RSTART - 1)
            want = substr($0, RSTART + RLENGTH)
            gsub(/\x27/, "\x27\\\x27\x27", want)
            printf "qs_expect \x27%s\x27 \"$(%s)\" %d\n", want, cmd, NR
            next
        }
        { print }
        END { if (!found) exit 3 }
    ' "$readme"
}

script=$(extract) || fail "no \`\`\`sh quickstart block in ${readme#"$top"/}"
[ -n "$script" ] || fail "the quickstart block of ${readme#"$top"/} is empty"
# shellcheck disable=SC2016  # expanded by the script it writes
prologue='set -euo pipefail
trap '\''echo "quickstart: FAIL: exit $? at: $BASH_COMMAND" >&2'\'' ERR
qs_expect() {
    if [ "$2" != "$1" ]; then
        echo "quickstart: FAIL: README line $3 printed \"$2\", not \"$1\"" >&2
        exit 1
    fi
    echo "quickstart: README line $3: $1"
}
set -x'
if [ "${1:-}" = --print ]; then
    printf '%s\n%s\n' "$prologue" "$script"
    exit 0
fi

[ "$(id -u)" = 0 ] || fail "run as root: the quick start configures the system's apache2"
pidfile=/run/apache2/apache2.pid
running() { [ -s $pidfile ] && kill -0 "$(cat $pidfile)" 2>/dev/null; }
running && fail "the system apache2 is running; the quick start starts from a stopped one"
for f in /etc/apache2/conf-available/docs-dav.conf /var/www/html/docs \
         /var/log/apache2/precondition-missing.log; do
    [ ! -e "$f" ] || fail "$f exists already; not overwriting it"
done
enabled() { a2query -q -m "$1"; }
had=()
for m in dav dav_fs require_precondition; do enabled $m && had+=("$m"); done

scratch=$(mktemp -d /tmp/rp-quickstart.XXXXXX)
cleanup() {
    local rc=$?
    trap - EXIT
    [ $rc = 0 ] || { echo "---- apache2 error log" >&2;
                     tail -n 20 /var/log/apache2/error.log >&2 || true; }
    apache2ctl stop >/dev/null 2>&1 || true
    for _ in $(seq 100); do running || break; sleep 0.1; done
    a2disconf -q -p docs-dav >/dev/null 2>&1 || true
    rm -f /etc/apache2/conf-available/docs-dav.conf \
          /var/log/apache2/precondition-missing.log
    rm -rf /var/www/html/docs "$scratch"
    for m in dav_fs dav require_precondition; do
        case " ${had[*]-} " in *" $m "*) ;; *) a2dismod -q -p "$m" >/dev/null 2>&1 || true ;; esac
    done
    exit $rc
}
trap cleanup EXIT

printf '%s\n%s\n' "$prologue" "$script" > "$scratch/quickstart.sh"
say "running the quick start of ${readme#"$top"/} ($(printf '%s\n' "$script" | wc -l) lines)"
(cd "$scratch" && bash "$scratch/quickstart.sh")
say PASS
