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

# `make soak`: the module under a minute of mixed load per MPM.
#
# For each MPM: a server from soak/httpd.conf.in on 127.0.0.1 (ports
# 18500-18599), a warm-up with wrk, the RSS of every child, SOAK_SECONDS of
# wrk at SOAK_CONNECTIONS connections with soak/mix.lua (GETs, unconditional
# PUTs and DELETEs, JSON 428s, conditional PUTs that succeed and that fail),
# the RSS again, and the server stopped. During the run of SOAK_GRACEFUL_MPM,
# `apache2 -k graceful` twice, at a third and at two thirds of the run; that
# server runs with KeepAlive Off (see soak/httpd.conf.in for why).
#
# Pass, per MPM: no socket error, no 5xx, every response the status (and
# for 428s the Content-Type) its request must get, and, where the same
# children live through the run, memory flat after the warm-up: the RSS of
# the children, summed, grows by at most SOAK_RSS_MAX_KB over the second
# half of the run. The table also gives the growth from the end of the
# warm-up to the end of the run, in all and for the child that grew most:
# a child can take a one-time step there (an APR allocator keeps up to
# MaxMemFree, 2 MB, of freed blocks), while a leak grows with every
# request, so in both halves and in every child.
# A table at the end; exit status 1 when a run failed.
#
# Knobs (environment):
#   SOAK_MPMS="event worker prefork"
#   SOAK_SECONDS=60          the measured run, per MPM
#   SOAK_WARMUP=20           seconds of load before the first RSS reading
#   SOAK_CONNECTIONS=64
#   SOAK_THREADS=2           wrk threads
#   SOAK_GRACEFUL_MPM=worker the MPM whose run gets two graceful restarts
#                            ("" for none)
#   SOAK_RSS_MAX_KB=1024     growth allowed over the second half, all children
#   SOAK_FILES=64            files under /dav/soak/
#   SOAK_KEEP=1              keep the servers' folders (logs, raw numbers)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tools/lib.sh"
libexec=$("$APXS" -q LIBEXECDIR)
MPMS=${SOAK_MPMS:-event worker prefork}
DURATION=${SOAK_SECONDS:-60}
WARMUP=${SOAK_WARMUP:-20}
CONNS=${SOAK_CONNECTIONS:-64}
THREADS=${SOAK_THREADS:-2}
GRACEFUL_MPM=${SOAK_GRACEFUL_MPM-worker}
RSS_MAX_KB=${SOAK_RSS_MAX_KB:-1024}
export SOAK_FILES=${SOAK_FILES:-64}
PORT_FIRST=18500

module_so=$rp_module_so
rp_need_module soak/run.sh
rp_need_plain_build soak/run.sh
command -v wrk >/dev/null || { echo "soak/run.sh: wrk is missing (make soak installs it)" >&2; exit 1; }

say() { echo "soak: $*" >&2; }

scratch=$(mktemp -d /tmp/rp-soak.XXXXXX)
chmod 755 "$scratch"
server_user=""
if [ "$(id -u)" = 0 ]; then
    server_user=$(rp_test_user)
fi
results=$here/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
report=$results/soak-$stamp.txt

# Every server this script started is stopped, whatever happens.
pids=()
cleanup() {
    local pid
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do
        rp_stop "$pid" 5
    done
    if [ "${SOAK_KEEP:-0}" = 1 ]; then say "kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Children of the server and their RSS in KB: "pid rss" lines.
child_rss() {
    ps --ppid "$1" -o pid=,rss= | awk '{print $1, $2}' | sort -n
}

rows=()
status=0
i=0
for mpm in $MPMS; do
    port=$((PORT_FIRST + i)); i=$((i + 1))
    [ $port -le 18599 ] || { say "out of ports"; exit 1; }
    root=$scratch/$mpm
    mkdir -p "$root/htdocs/dav/soak"
    for f in $(seq 0 $((SOAK_FILES - 1))); do
        printf 'soak file %d\n' "$f" > "$root/htdocs/dav/soak/f$f.txt"
    done
    [ -z "$server_user" ] || chown -R "$server_user:" "$root"
    user_line=""
    [ -z "$server_user" ] || user_line="User $server_user
Group $(id -gn "$server_user")"
    rp_render "$here/httpd.conf.in" "$root/httpd.conf" USER="$user_line" \
        ROOT="$root" PORT="$port" MPM="$mpm" LIBEXEC="$libexec" MODULE="$module_so"

    defines=()
    [ "$mpm" != "$GRACEFUL_MPM" ] || defines=(-D SoakNoKeepAlive)
    say "$mpm: starting on 127.0.0.1:$port ${defines[*]}"
    "$HTTPD" -f "$root/httpd.conf" "${defines[@]}" -k start
    pid=""
    for _ in $(seq 1 100); do
        pid=$(cat "$root/httpd.pid" 2>/dev/null || true)
        [ -n "$pid" ] && curl -fsS -o /dev/null "http://127.0.0.1:$port/dav/soak/f0.txt" \
            && break
        sleep 0.1
    done
    [ -n "$pid" ] || { say "$mpm: the server did not start"; tail "$root/error_log"; exit 1; }
    pids+=("$pid")
    url=http://127.0.0.1:$port

    say "$mpm: warm-up, ${WARMUP}s"
    SOAK_RESULT=$root/warmup.txt wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" \
        --timeout 10s -s "$here/mix.lua" "$url" >/dev/null
    child_rss "$pid" > "$root/rss.before"

    graceful="-"
    say "$mpm: measured run, ${DURATION}s at $CONNS connections"
    SOAK_RESULT=$root/run.txt wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" \
        --timeout 10s --latency -s "$here/mix.lua" "$url" > "$root/wrk.txt" &
    wrk_pid=$!
    if [ "$mpm" = "$GRACEFUL_MPM" ]; then
        graceful=0
        for _ in 1 2; do
            sleep $((DURATION / 3))
            "$HTTPD" -f "$root/httpd.conf" -k graceful
            graceful=$((graceful + 1))
            say "$mpm: apache2 -k graceful ($graceful)"
        done
    else
        sleep $((DURATION / 2))
        child_rss "$pid" > "$root/rss.mid"
    fi
    wait "$wrk_pid"
    child_rss "$pid" > "$root/rss.after"

    # The numbers of this run.
    get() { sed -n "s/^$1 //p" "$root/run.txt" | head -1; }
    requests=$(get requests); sockerr=$(get socket_errors)
    fivexx=$(get fivexx); unexpected=$(get unexpected_total)
    secs=$(awk -v us="$(get duration_us)" 'BEGIN { printf "%.1f", us / 1e6 }')
    rps=$(awk -v n="$requests" -v us="$(get duration_us)" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
    p99=$(get latency_p99_ms)
    # RSS: the children that lived through the run, then all of them.
    grow() {
        join "$1" "$2" | awk '{ g = $3 - $2; n++; s += g; if (n == 1 || g > m) m = g }
                              END { printf "%d %d %d\n", n, n ? m : 0, s }'
    }
    read -r nsame maxgrow sumgrow < <(grow "$root/rss.before" "$root/rss.after")
    half="-"
    [ ! -f "$root/rss.mid" ] || read -r _ _ half < <(grow "$root/rss.mid" "$root/rss.after")
    before=$(awk '{ s += $2 } END { print s + 0 }' "$root/rss.before")
    after=$(awk '{ s += $2 } END { print s + 0 }' "$root/rss.after")
    nbefore=$(wc -l < "$root/rss.before"); nafter=$(wc -l < "$root/rss.after")

    verdict=ok
    why=()
    [ "$sockerr" = 0 ] || why+=("socket errors: $(get errors)")
    [ "$fivexx" = 0 ] || why+=("$fivexx 5xx")
    [ "$unexpected" = 0 ] || why+=("$unexpected unexpected statuses")
    if [ "$graceful" = "-" ]; then
        [ "$nsame" -gt 0 ] || why+=("no child lived through the run")
        [ "$half" -le "$RSS_MAX_KB" ] || why+=("the children grew by ${half} KB in the second half")
    fi
    if [ ${#why[@]} -gt 0 ]; then
        verdict=FAIL; status=1
        say "$mpm: FAIL: ${why[*]}"
        grep '^unexpected ' "$root/run.txt" >&2 || true
        grep -E '\[(error|crit|alert|emerg)\]' "$root/error_log" | tail -n 20 >&2 || true
    fi
    if [ "$graceful" = "-" ]; then
        growth="$sumgrow KB ($nsame children, most $maxgrow KB)"
        half="$half KB"
    else
        growth="$((after - before)) KB (children replaced)"
    fi
    rows+=("$mpm|$secs|$requests|$rps|$p99|$sockerr|$fivexx|$unexpected|$nbefore: $before KB|$nafter: $after KB|$growth|$half|$graceful|$verdict")
    {
        echo "== $mpm"
        cat "$root/run.txt"
        echo "-- rss before (pid KB)"; cat "$root/rss.before"
        [ ! -f "$root/rss.mid" ] || { echo "-- rss mid (pid KB)"; cat "$root/rss.mid"; }
        echo "-- rss after (pid KB)"; cat "$root/rss.after"
        echo "-- wrk"; cat "$root/wrk.txt"
    } >> "$report"

    "$HTTPD" -f "$root/httpd.conf" -k stop || true
    rp_wait_gone "$pid" 10 || true
    if grep -E '\[(crit|alert|emerg)\]|AH00052|Segmentation' "$root/error_log" >&2; then
        say "$mpm: FAIL: the error log has a crash or worse"
        status=1
    fi
done

{
    echo
    echo "Soak: wrk -t$THREADS -c$CONNS, ${DURATION}s per MPM after a ${WARMUP}s warm-up, soak/mix.lua"
    echo
    echo "| MPM | s | requests | req/s | p99 ms | socket errors | 5xx | unexpected | children RSS after warm-up | at the end | growth | growth, 2nd half | graceful | result |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for r in "${rows[@]}"; do
        echo "| ${r//|/ | } |"
    done
    echo
    echo "Per kind (all MPMs): $(cat "$scratch"/*/run.txt | awk '/^count / { c[$2 " " $3] += $4 }
        END { for (k in c) printf "%s=%d ", k, c[k] }')"
} | tee -a "$report"
ln -sf "$(basename "$report")" "$results/latest.txt"
exit $status
