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

# Shared by the scripts that build servers: t/run.sh, bench/run.sh,
# soak/run.sh, demo/run.sh. Source it (`. "$top/tools/lib.sh"`) after
# `set -euo pipefail`; it defines nothing else that runs.
#
#   HTTPD, APXS           defaults: /usr/sbin/apache2, apxs from PATH
#   rp_top                the checkout
#   rp_module_so          the module `make` builds
#   rp_need_module WHO    exit 1 unless the module is built
#   rp_need_plain_build WHO   exit 1 if it is built with sanitizers
#   rp_test_user          the unprivileged account (RP_TEST_USER, default
#                         rptest), created when missing; prints its name
#   rp_render IN OUT NAME=VALUE...   copy IN to OUT with @NAME@ replaced by
#                         VALUE; a line that is only @NAME@ becomes VALUE,
#                         which may span lines, or goes when VALUE is empty
#   rp_as_test_user SCRIPT VAR... [-- ARGS...]   as root: copy the checkout to
#                         a fresh folder that the test user owns and run
#                         SCRIPT (relative to the checkout) there as that
#                         user with the named environment variables, then
#                         exit with its status (Apache::Test refuses root)
#   rp_stop PID [SECONDS] SIGTERM, then SIGKILL after SECONDS (default 10)
#   rp_wait_gone PID [SECONDS]   until PID has exited (default 10 s)

rp_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HTTPD=${HTTPD:-/usr/sbin/apache2}
APXS=${APXS:-$(command -v apxs || echo /usr/bin/apxs)}
rp_module_so=$rp_top/.libs/mod_require_precondition.so

rp_need_module() {
    [ -f "$rp_module_so" ] || { echo "$1: build first (make)" >&2; exit 1; }
}

rp_need_plain_build() {
    if grep -qs sanitize "$rp_top/.libs/build-flags"; then
        echo "$1: the module is built with sanitizers; make all SANITIZE=0" >&2
        exit 1
    fi
}

rp_test_user() {
    local user=${RP_TEST_USER:-rptest}
    if ! id -u "$user" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin "$user"
    fi
    echo "$user"
}

rp_as_test_user() {
    local script=$1 user work rc=0 vars=() v
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        vars+=("$1=${!1:-}")
        shift
    done
    [ $# -eq 0 ] || shift
    user=$(rp_test_user)
    work=$(mktemp -d /tmp/rp-test.XXXXXX)
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT
    tar -C "$rp_top" --exclude=./.git --exclude=./t/logs -cf - . \
        | tar -C "$work" -xf -
    chown -R "$user:" "$work"
    chmod 755 "$work"
    runuser -u "$user" -- env HOME="$work" PATH="$PATH" "${vars[@]}" \
        bash "$work/$script" "$@" || rc=$?
    exit $rc
}

rp_render() {
    local in=$1 out=$2 kv names=()
    shift 2
    for kv in "$@"; do
        names+=("${kv%%=*}")
        export "RP_RENDER_${kv%%=*}=${kv#*=}"
    done
    # The values go through the environment: awk -v would expand escapes.
    RP_RENDER_NAMES="${names[*]}" awk '
        BEGIN {
            n = split(ENVIRON["RP_RENDER_NAMES"], names, " ")
            for (i = 1; i <= n; i++) val[i] = ENVIRON["RP_RENDER_" names[i]]
        }
        {
            for (i = 1; i <= n; i++)
                if ($0 == "@" names[i] "@") { if (val[i] != "") print val[i]; next }
            line = $0
            for (i = 1; i <= n; i++) {
                key = "@" names[i] "@"; done = ""
                while ((p = index(line, key)) > 0) {
                    done = done substr(line, 1, p - 1) val[i]
                    line = substr(line, p + length(key))
                }
                line = done line
            }
            print line
        }' "$in" > "$out"
    for kv in "${names[@]}"; do unset "RP_RENDER_$kv"; done
}

rp_wait_gone() {
    local pid=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

rp_stop() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    rp_wait_gone "$pid" "${2:-10}" || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
