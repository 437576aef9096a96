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

# `make bench`: what RequirePrecondition costs, side by side with the two
# recipes an admin can write without it, both in bench/guards/:
#   mod_rewrite   RewriteCond %{REQUEST_METHOD} ^(PUT|DELETE|PATCH)$, one
#                 RewriteCond %{HTTP:...} ^$ per header, RewriteRule ^ - [R=428]
#   <If>          <If "%{REQUEST_METHOD} in {...} && -z req('If-Match') ...">
#                 Redirect 428 </If>
# Every configuration is the same server (bench/httpd.conf.in: the README's
# quick start, mod_dav and FileETag Digest on /docs/) apart from its guard.
#
#   1. Instructions per request: httpd -X (prefork) under callgrind,
#      collecting only inside ap_process_request, N requests over one
#      keep-alive connection, (Ir after 100+N - Ir after 100) / N, the median
#      of BENCH_CG_REPEAT runs. GET to the guarded location (pass-through)
#      and unconditional PUT (428), for: no module, module, both recipes.
#   2. Throughput with wrk on loopback, event MPM: GET with and without the
#      module, 428s by the module and by the mod_rewrite recipe; rounds of
#      A B then B A, median of the rounds' ratios. A control pits two
#      identical servers against each other: the noise floor.
#   3. Early rejection: body bytes a client sent before its 428 arrived, for
#      a 200 MB PUT with Expect: 100-continue, and without it both paced
#      like a client on a 1 Gbit/s link and as fast as loopback takes it
#      (bench/client.py); and what the server read (%I).
#   4. RequirePreconditionSerialize On vs Off: conditional PUTs (If-Match)
#      to distinct files, when the built module has the directive; with
#      wrk's connections, then with BENCH_SER_WRITERS (64); then in the
#      shape of the outside trial of issue 29: 64 writers on two wrk
#      threads, BENCH_TRIAL_BODY (100) bytes, a file picked at random per
#      PUT (writers meet), Debian's event MPM settings (several children).
#   5. Fairness under contention: BENCH_FAIR_WRITERS (64) writers PUT to one
#      resource for BENCH_FAIR_SECONDS (5), RequirePreconditionSerializeTimeout
#      1: the wait for the lock of every request (the module's note
#      precondition-lock-wait, logged), p50/p99/max, and the 503s.
#   6. The lock file: part 4's PUTs with RequirePreconditionLockFile on local
#      disk vs the anonymous lock file, rounds of A B then B A.
#   7. The spool: conditional PUTs of 4 KB and of 8 MB bodies with
#      RequirePreconditionSpoolLimit 16777216 vs 0 (spool off), one file per
#      wrk connection, rounds of A B then B A; and the disk the spool wrote.
#      Then a slow uploader (400 kB over 3 s) while 4 clients update the
#      same document: their p50/p99 per update and statuses, on vs off.
#   8. DELETE of a large collection: the walk that looks for guarded members
#      (<Files>, .htaccess, ... inside it). The time of one DELETE of a tree
#      (1,000 files in 10 folders; 10,000 in 100, past the walk's bound of
#      10000 entries; 64 and 65 nested folders, at and past its depth
#      bound), no module vs the module with no guarded section vs the
#      module with guarded sections elsewhere; the median of
#      BENCH_DEL_REPEAT runs, each on a tree copied in place and synced
#      before it, outside the timed part. Past a bound the module answers
#      428 and leaves the tree: it is deleted once more with the token of a
#      depth-infinity LOCK in If (and the deep tree so on the server
#      without the module too). A control: a 428 that needs no walk.
#   9. RequirePreconditionEvaluate: conditional PUTs through ProxyPass to
#      a backend that ignores If-*, Backend vs Off; GETs of 1 KB and
#      100 KB JSON, Digest vs Off.
#  10. RequirePreconditionLockServer: part 9's conditional PUTs (Backend)
#      through two gateways whose locks live in etcd (one member on
#      loopback, Debian's etcd-server), wrk on both at once with half the
#      connections each, vs one gateway with its local lock and all the
#      connections; rounds of A B then B A. And the round trips to etcd per
#      write: the calls the gateways made (etcd's grpc_server_started_total
#      for Lock, Unlock, DeleteRange (the unlock) and the Lease calls)
#      over the writes (Lock).
#
# The table goes to stdout; the raw numbers to bench/results/bench-<time>.txt
# and a chart to bench/results/bench-<time>.png (latest.* point at the last
# run). bench/report.py redraws both from a raw file. The figures the
# project quotes live in bench/RESULTS.md, dated, with commit and machine.
#
# Knobs (environment):
#   BENCH_PARTS="1 2 3 4 5 6 7 8 9 10" which parts to run
#   BENCH_CG_REQUESTS=1000  part 1: requests measured per run
#   BENCH_CG_REPEAT=3       part 1: runs per configuration and request kind
#   BENCH_CG_PAUSE_MS=1     part 1: client pause between requests
#   BENCH_CG_KEEP=DIR       part 1: keep the callgrind profiles there
#                           (callgrind_annotate --inclusive=yes DIR/FILE)
#   BENCH_WRK_ROUNDS=16     parts 2 and 4: rounds of A B (or B A)
#   BENCH_WRK_SECONDS=1     parts 2 and 4: seconds per wrk run
#   BENCH_WRK_CONNECTIONS=8
#   BENCH_TRIAL_BODY=100    part 4: body bytes of the trial's shape
#   BENCH_UPLOAD_MB=200     part 3: size of the refused upload
#   BENCH_UPLOAD_TRIES=5    part 3: tries per case (the median is reported)
#   BENCH_UPLOAD_MBIT=1000  part 3: link speed of the paced client, Mbit/s
#   BENCH_DEL_REPEAT=5      part 8: runs per configuration and tree
#   BENCH_DEL_REPEAT_BIG=3  part 8: the same for the tree of 10,000 files
#   BENCH_DEL_TREES="w1000 w10000 deep64 deep65"  part 8: the trees
# Servers listen on 127.0.0.1, ports 18400-18499, and are all stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tools/lib.sh"
libexec=$("$APXS" -q LIBEXECDIR)
client=$here/client.py
python=/usr/bin/python3

PARTS=${BENCH_PARTS:-1 2 3 4 5 6 7 8 9 10}
FAIR_WRITERS=${BENCH_FAIR_WRITERS:-64}
FAIR_SECONDS=${BENCH_FAIR_SECONDS:-5}
CG_WARM=100
CG_N=${BENCH_CG_REQUESTS:-1000}
CG_REPEAT=${BENCH_CG_REPEAT:-3}
CG_PAUSE_MS=${BENCH_CG_PAUSE_MS:-1}
ROUNDS=${BENCH_WRK_ROUNDS:-16}
SECONDS_PER_RUN=${BENCH_WRK_SECONDS:-1}
CONNS=${BENCH_WRK_CONNECTIONS:-8}
UPLOAD_MB=${BENCH_UPLOAD_MB:-200}
UPLOAD_TRIES=${BENCH_UPLOAD_TRIES:-5}
UPLOAD_MBIT=${BENCH_UPLOAD_MBIT:-1000}
DEL_REPEAT=${BENCH_DEL_REPEAT:-5}
DEL_REPEAT_BIG=${BENCH_DEL_REPEAT_BIG:-3}
DEL_TREES=${BENCH_DEL_TREES:-w1000 w10000 deep64 deep65}
SER_FILES=1000
SER_WRITERS=${BENCH_SER_WRITERS:-64}
TRIAL_BODY=${BENCH_TRIAL_BODY:-100}
WRK_THREADS=1
PORT_FIRST=18400
PORT_LAST=18499
# The event MPM as Debian's mods-available/mpm_event.conf sets it.
DEBIAN_EVENT="<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 16
    MinSpareThreads 25
    MaxSpareThreads 75
    ThreadLimit 64
    ThreadsPerChild 25
    MaxRequestWorkers 150
    MaxConnectionsPerChild 0
</IfModule>"

module_so=$rp_module_so
rp_need_module bench/run.sh
rp_need_plain_build bench/run.sh
for tool in valgrind wrk gnuplot "$python"; do
    command -v "$tool" >/dev/null || {
        echo "bench/run.sh: $tool is missing (make bench installs it)" >&2
        exit 1
    }
done

say() { echo "bench: $*" >&2; }
started=$(date +%s)

mkdir -p "$here/results"
stamp=$(date +%Y%m%d-%H%M%S)
raw="$here/results/bench-$stamp.txt"
png="$here/results/bench-$stamp.png"

# ---- scratch server tree -------------------------------------------------
# Every server started is in pids; whatever happens, they are stopped and
# the scratch tree removed.
scratch=""
pids=()
cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${pids[@]+"${pids[@]}"}"; do
        stop "$pid"
    done
    if [ $rc -ne 0 ] && [ -n "$scratch" ]; then
        for log in "$scratch"/logs/*.log "$scratch"/cg/*.log; do
            [ -s "$log" ] || continue
            echo "---- $log" >&2
            tail -n 15 "$log" >&2
        done
    fi
    [ -z "$scratch" ] || rm -rf "$scratch"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

scratch=$(mktemp -d /tmp/rp-bench.XXXXXX)
chmod 755 "$scratch"
mkdir -p "$scratch"/{conf,run,logs,var,modules,cg,htdocs/docs/ser}
# The servers load a copy: the checkout's folders may be closed to www-data.
cp "$module_so" "$scratch/modules/"
# A 1 KB page, the same bytes on every run.
"$python" -c 'import sys; sys.stdout.write(("".join(chr(97 + i % 26) for i in range(63)) + "\n") * 16)' \
    > "$scratch/htdocs/docs/page.html"
for ((i = 0; i < SER_FILES; i++)); do
    echo "serialize bench" > "$scratch/htdocs/docs/ser/f$i.txt"
done

server_user=""
as_user=()
if [ "$(id -u)" = 0 ]; then
    # httpd drops root for its children (User); the callgrind server runs
    # as that account from the start so that it can write its profile.
    server_user=www-data
    chown -R "$server_user:" "$scratch"
    as_user=(setpriv --reuid="$server_user" --regid="$server_user" --clear-groups)
fi

# render NAME MPM GUARD PORT [EXTRA-LINE]: write $scratch/conf/NAME.conf
render() {
    local name=$1 mpm=$2 guard=$3 port=$4 extra=${5:-} load="" user="" f
    local dconf="" lconf=""
    case $guard in
        module|serialize-*|walk-*)
            load="LoadModule require_precondition_module $scratch/modules/mod_require_precondition.so" ;;
        rewrite)
            load="LoadModule rewrite_module $libexec/mod_rewrite.so" ;;
    esac
    # Only a server started as root switches user; the callgrind one
    # (prefork) is started as the user already.
    if [ -n "$server_user" ] && [ "$mpm" = event ]; then
        user="User $server_user
Group $server_user"
    fi
    f=$here/guards/$guard.directory.conf; [ ! -f "$f" ] || dconf=$(cat "$f")
    f=$here/guards/$guard.location.conf; [ ! -f "$f" ] || lconf=$(cat "$f")
    rp_render "$here/httpd.conf.in" "$scratch/conf/$name.conf" \
        GUARD_DIRECTORY="$dconf" GUARD_LOCATION="$lconf" USER="$user" \
        LOAD="$load" EXTRA="$extra" ROOT="$scratch" NAME="$name" MPM="$mpm" \
        PORT="$port" LIBEXEC="$libexec"
}

# wait_up PID PORT SECONDS: until PORT answers; fail if PID dies first.
wait_up() {
    local pid=$1 port=$2 limit=$3 i
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        "$client" wait "$port" 0.1 2>/dev/null && return 0
    done
    return 1
}

# stop PID [SECONDS]: TERM, then KILL after SECONDS (10).
stop() {
    local pid=$1
    rp_stop "$pid" "${2:-10}"
    local keep=() p
    for p in "${pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    pids=("${keep[@]+"${keep[@]}"}")
}

# start NAME GUARD [EXTRA-LINE]: an event MPM server in the foreground of a
# background job; sets port_of[NAME] and pid_of[NAME].
declare -A port_of pid_of
start() {
    local name=$1 guard=$2 extra=${3:-} port pid try
    for try in 1 2 3; do
        port=$("$client" free "$PORT_FIRST" "$PORT_LAST")
        render "$name" event "$guard" "$port" "$extra"
        rm -f "$scratch/run/$name.pid"
        "$HTTPD" -D FOREGROUND -f "$scratch/conf/$name.conf" \
            >>"$scratch/logs/$name.out.log" 2>&1 &
        pid=$!
        pids+=("$pid")
        if wait_up "$pid" "$port" 30; then
            port_of[$name]=$port
            pid_of[$name]=$pid
            return 0
        fi
        stop "$pid"     # e.g. someone took the port meanwhile
    done
    echo "bench/run.sh: server $name does not start" >&2
    return 1
}

raw_line() { echo "$*" >> "$raw"; }

{
    echo "# mod_require_precondition: make bench, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "meta nproc $(nproc)"
    echo "meta cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "meta httpd $("$HTTPD" -v | sed -n 's/^Server version: //p')"
    echo "meta os $(. /etc/os-release && echo "$PRETTY_NAME") ($(cat /etc/debian_version 2>/dev/null || echo ?))"
    echo "meta valgrind $(valgrind --version)"
    echo "meta wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}')"
    echo "meta cg_warm $CG_WARM"
    echo "meta cg_requests $CG_N"
    echo "meta cg_repeat $CG_REPEAT"
    echo "meta wrk_rounds $ROUNDS"
    echo "meta wrk_seconds $SECONDS_PER_RUN"
    echo "meta wrk_connections $CONNS"
    echo "meta upload_bytes $((UPLOAD_MB * 1024 * 1024))"
    echo "meta upload_tries $UPLOAD_TRIES"
    echo "meta upload_mbit $UPLOAD_MBIT"
    echo "meta ser_files $SER_FILES"
    echo "meta ser_writers $SER_WRITERS"
    echo "meta trial_body $TRIAL_BODY"
    echo "meta fair_writers $FAIR_WRITERS"
    echo "meta fair_seconds $FAIR_SECONDS"
    echo "meta del_repeat $DEL_REPEAT"
    echo "meta del_repeat_big $DEL_REPEAT_BIG"
    echo "meta del_trees $DEL_TREES"
    echo "meta parts $PARTS"
} > "$raw"

part() { [[ " $PARTS " == *" $1 "* ]]; }

# ---- part 1: instructions per request -----------------------------------
# cg_run GUARD KIND N REP STATUSES: one server under callgrind (prefork, -X:
# one process; the synchronous MPM runs each request in ap_process_request),
# N requests over one connection; appends the collected instructions.
cg_run() {
    local guard=$1 kind=$2 n=$3 rep=$4 statuses=$5 port pid dir total
    local name="cg-$guard"
    port=$("$client" free "$PORT_FIRST" "$PORT_LAST")
    render "$name" prefork "$guard" "$port"
    dir="$scratch/cg/$guard-$kind-$n-$rep"
    mkdir -p "$dir"
    [ -z "$server_user" ] || chown "$server_user:" "$dir"
    rm -f "$scratch/run/$name.pid"
    "${as_user[@]}" valgrind --tool=callgrind --vgdb=no --collect-atstart=no \
        --toggle-collect=ap_process_request \
        --callgrind-out-file="$dir/callgrind.%p.out" \
        "$HTTPD" -X -f "$scratch/conf/$name.conf" \
        >"$scratch/cg/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    if ! wait_up "$pid" "$port" 120; then
        echo "bench/run.sh: $name does not start under valgrind" >&2
        return 1
    fi
    "$client" reqs "$port" "$kind" "$n" "$statuses" "$CG_PAUSE_MS" >/dev/null
    # httpd -X can take the TERM in accept() and go back to waiting there:
    # a connection wakes it to exit. Under valgrind on a busy machine the
    # exit and the profile's dump take a while: a KILL would lose it.
    kill -TERM "$pid" 2>/dev/null || true
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || true
    stop "$pid" 120
    # A forked child would leave its own file; count every one.
    total=$(cat "$dir"/callgrind.*.out 2>/dev/null \
            | awk '/^totals:/ { t += $2; seen = 1 } END { if (seen) print t }')
    [ -n "$total" ] || { echo "bench/run.sh: no callgrind profile for $name" >&2; return 1; }
    raw_line "cg $guard $kind $n $rep $total"
    if [ -n "${BENCH_CG_KEEP:-}" ]; then
        mkdir -p "$BENCH_CG_KEEP"
        cp "$dir"/callgrind.*.out "$BENCH_CG_KEEP/$guard-$kind-$n-$rep.out"
    fi
    rm -rf "$dir"
}

if part 1; then
    say "part 1: instructions per request under callgrind ($CG_REPEAT x $CG_N requests per case)"
    for guard in none module rewrite if; do
        for kind in get put; do
            case $guard/$kind in
                */get) statuses=200 ;;
                none/put) statuses=201,204 ;;
                *) statuses=428 ;;
            esac
            say "  $guard $kind"
            cg_run "$guard" "$kind" "$CG_WARM" 0 "$statuses"
            for ((rep = 1; rep <= CG_REPEAT; rep++)); do
                cg_run "$guard" "$kind" $((CG_WARM + CG_N)) "$rep" "$statuses"
            done
        done
    done
fi

# ---- parts 2 and 4: throughput with wrk ----------------------------------
# wrk_run LABEL CONFIG ROUND URL [SCRIPT]: one wrk run; appends its numbers.
wrk_run() {
    local label=$1 config=$2 round=$3 url=$4 script=${5:-} out rps non2xx errors
    local args=(-t"$WRK_THREADS" -c"$CONNS" -d"${SECONDS_PER_RUN}s" --timeout 10s)
    [ -z "$script" ] || args+=(-s "$script")
    out=$(wrk "${args[@]}" "$url")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
    errors=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' <<<"$out")
    [ -n "$rps" ] || { echo "bench/run.sh: wrk said:" >&2; echo "$out" >&2; return 1; }
    raw_line "wrk $label $config $round $rps ${non2xx:-0} ${errors:-0}"
}

# spool_io NAME: bytes the processes of server NAME wrote to storage
# (write_bytes of /proc/PID/io, summed over its parent and children).
spool_io() {
    local parent=${pid_of[$1]} sum=0 p v
    for p in $parent $(pgrep -P "$parent" 2>/dev/null); do
        v=$(awk '/^write_bytes:/ { print $2 }' "/proc/$p/io" 2>/dev/null || echo 0)
        sum=$((sum + ${v:-0}))
    done
    echo "$sum"
}

# ab_compare LABEL A B PATH [SCRIPT]: rounds of A B, then B A, and so on,
# against running servers A and B, after a warm-up of each.
ab_compare() {
    local label=$1 a=$2 b=$3 path=$4 script=${5:-} r saved=$SECONDS_PER_RUN
    SECONDS_PER_RUN=1
    wrk_run "$label-warmup" "$a" 0 "http://127.0.0.1:${port_of[$a]}$path" "$script"
    wrk_run "$label-warmup" "$b" 0 "http://127.0.0.1:${port_of[$b]}$path" "$script"
    SECONDS_PER_RUN=$saved
    for ((r = 1; r <= ROUNDS; r++)); do
        local order=("$a" "$b") c
        [ $((r % 2)) = 1 ] || order=("$b" "$a")
        for c in "${order[@]}"; do
            wrk_run "$label" "$c" "$r" "http://127.0.0.1:${port_of[$c]}$path" "$script"
        done
    done
}

if part 2; then
    say "part 2: throughput, wrk -t1 -c$CONNS, $ROUNDS rounds of ${SECONDS_PER_RUN} s each way"
    start none none
    start module module
    start rewrite rewrite
    start none-b none
    # Two identical servers: how far apart this machine puts equals.
    say "  control: no module vs no module"
    ab_compare control none none-b /docs/page.html
    say "  GET pass-through: no module vs module"
    ab_compare get none module /docs/page.html
    say "  428 rejections: mod_rewrite recipe vs module"
    ab_compare reject rewrite module /docs/put.txt "$here/put.lua"
    for s in none module rewrite none-b; do stop "${pid_of[$s]}"; done
fi

# ---- part 3: early rejection ---------------------------------------------
if part 3; then
    say "part 3: early rejection of a $UPLOAD_MB MB PUT"
    # %I: what the server read of the request, headers included.
    for guard in module rewrite; do
        start "up-$guard" "$guard" \
            "CustomLog \"$scratch/logs/up-$guard.access.log\" \"%>s %I\""
    done
    size=$((UPLOAD_MB * 1024 * 1024))
    for ((t = 1; t <= UPLOAD_TRIES; t++)); do
        for guard in module rewrite; do
            # expect: Expect: 100-continue; link: no Expect, paced like a
            # client on a link of UPLOAD_MBIT; loopback: no Expect, as fast
            # as the sockets take it.
            for mode in expect link loopback; do
                case $mode in
                    expect) args=(expect 0) ;;
                    link) args=("" "$UPLOAD_MBIT") ;;
                    loopback) args=("" 0) ;;
                esac
                log="$scratch/logs/up-$guard.access.log"
                before=$(wc -l < "$log" 2>/dev/null || echo 0)
                line=$("$client" upload "${port_of[up-$guard]}" \
                       "/docs/upload-$t.bin" "$size" "${args[@]}")
                # The access log line is written when the request is done.
                read_bytes=""
                for ((i = 0; i < 50; i++)); do
                    if [ "$(wc -l < "$log" 2>/dev/null || echo 0)" -gt "$before" ]; then
                        read_bytes=$(tail -n 1 "$log" | awk '{ print $2 }')
                        break
                    fi
                    sleep 0.1
                done
                raw_line "upload $guard $mode $t $line server_read=${read_bytes:-?}"
            done
        done
    done
    for guard in module rewrite; do stop "${pid_of[up-$guard]}"; done
fi

# ---- part 4: serialization ---------------------------------------------
if part 4; then
    say "part 4: RequirePreconditionSerialize On vs Off"
    render ser-probe event serialize-on "$PORT_FIRST"
    if probe=$("$HTTPD" -t -f "$scratch/conf/ser-probe.conf" 2>&1); then
        raw_line "serialize available"
        start ser-off serialize-off
        start ser-on serialize-on
        etag=$("$client" etag "${port_of[ser-off]}" /docs/ser/f0.txt)
        etag_on=$("$client" etag "${port_of[ser-on]}" /docs/ser/f0.txt)
        [ "$etag" = "$etag_on" ] || {
            echo "bench/run.sh: the two servers give different ETags" >&2; exit 1; }
        raw_line "serialize etag $etag"
        export RP_ETAG=$etag RP_FILES=$SER_FILES     # for put-etag.lua
        ab_compare serialize ser-off ser-on /docs/ser/ "$here/put-etag.lua"
        stop "${pid_of[ser-off]}"
        stop "${pid_of[ser-on]}"
        # The same with SER_WRITERS (64) writers, a thread for each: the
        # kernel scans every lock of the lock file on each lock operation.
        threads=$((SER_WRITERS + 16))
        many="<IfModule mpm_event_module>
    ThreadLimit $threads
    ThreadsPerChild $threads
    MaxRequestWorkers $threads
    MaxSpareThreads $threads
</IfModule>"
        start ser64-off serialize-off "$many"
        start ser64-on serialize-on "$many"
        saved_conns=$CONNS
        CONNS=$SER_WRITERS
        ab_compare serialize64 ser64-off ser64-on /docs/ser/ "$here/put-etag.lua"
        stop "${pid_of[ser64-off]}"
        stop "${pid_of[ser64-on]}"
        # The trial's shape (issue 29): 64 keep-alive writers from two
        # client threads, 100-byte bodies, each PUT to a file picked at
        # random (two writers meet on one file now and then: serialized,
        # the second waits), and the event MPM as Debian ships it (children
        # of 25 threads, started and stopped as the load moves).
        start sertrial-off serialize-off "$DEBIAN_EVENT"
        start sertrial-on serialize-on "$DEBIAN_EVENT"
        trial_body=$(printf "%${TRIAL_BODY}s" "" | tr ' ' t)
        for ((i = 0; i < SER_FILES; i++)); do
            printf '%s' "$trial_body" > "$scratch/htdocs/docs/ser/f$i.txt"
        done
        etag=$("$client" etag "${port_of[sertrial-off]}" /docs/ser/f0.txt)
        [ "$etag" = "$("$client" etag "${port_of[sertrial-on]}" /docs/ser/f0.txt)" ] || {
            echo "bench/run.sh: the two servers give different ETags" >&2; exit 1; }
        raw_line "serialize trial_etag $etag"
        export RP_ETAG=$etag RP_BODY=$trial_body RP_PICK=random
        WRK_THREADS=2
        ab_compare serializetrial sertrial-off sertrial-on /docs/ser/ "$here/put-etag.lua"
        WRK_THREADS=1
        unset RP_BODY RP_PICK
        CONNS=$saved_conns
        stop "${pid_of[sertrial-off]}"
        stop "${pid_of[sertrial-on]}"
    else
        reason=$(grep -m1 -o "Invalid command '[A-Za-z]*'" <<<"$probe" \
                 || head -n 1 <<<"$probe")
        raw_line "serialize unavailable $reason"
    fi
fi

# ---- part 5: fairness under contention ------------------------------------
if part 5; then
    say "part 5: $FAIR_WRITERS writers on one resource for $FAIR_SECONDS s, timeout 1 s"
    echo "fair" > "$scratch/htdocs/docs/fair.txt"
    [ -z "$server_user" ] || chown "$server_user:" "$scratch/htdocs/docs/fair.txt"
    # A thread for every writer, and spares: the waits are for the lock.
    threads=$((FAIR_WRITERS + 16))
    start fair serialize-fair "<IfModule mpm_event_module>
    ThreadLimit $threads
    ThreadsPerChild $threads
    MaxRequestWorkers $threads
    MaxSpareThreads $threads
</IfModule>
LogFormat \"%>s %{precondition-lock-wait}n\" rpwait
CustomLog \"$scratch/logs/fair.wait.log\" rpwait"
    wrk -t2 -c"$FAIR_WRITERS" -d"${FAIR_SECONDS}s" --timeout 10s \
        -s "$here/put-one.lua" "http://127.0.0.1:${port_of[fair]}/" >/dev/null
    stop "${pid_of[fair]}"
    [ -z "${BENCH_FAIR_KEEP:-}" ] || cp "$scratch/logs/fair.wait.log" "$BENCH_FAIR_KEEP"
    # status wait-in-microseconds, one line a request
    raw_line "fair $("$python" -c '
import sys
st, waits = {}, []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 2:
        continue
    st[f[0]] = st.get(f[0], 0) + 1
    if f[1].isdigit():
        waits.append(int(f[1]))
waits.sort()
q = lambda p: waits[min(len(waits) - 1, int(p * len(waits)))] if waits else -1
print("n=%d p50=%d p99=%d max=%d %s" % (len(waits), q(0.5), q(0.99),
      waits[-1] if waits else -1,
      " ".join("s%s=%d" % kv for kv in sorted(st.items()))))
' "$scratch/logs/fair.wait.log")"
fi

# ---- part 6: the lock file on local disk vs the anonymous one -------------
if part 6; then
    say "part 6: RequirePreconditionLockFile (local disk) vs the anonymous lock file"
    start ser-anon serialize-on
    start ser-file serialize-on "RequirePreconditionLockFile $scratch/var/rp.lock"
    etag=$("$client" etag "${port_of[ser-anon]}" /docs/ser/f0.txt)
    export RP_ETAG=$etag RP_FILES=$SER_FILES
    ab_compare lockfile ser-anon ser-file /docs/ser/ "$here/put-etag.lua"
    stop "${pid_of[ser-anon]}"
    stop "${pid_of[ser-file]}"
fi

# ---- part 7: the spool on vs off -------------------------------------------
# spool_files SIZE: RP_FILES files of SIZE bytes under /docs/sp<SIZE>/ and
# the body file; exports what bench/put-size.lua reads.
spool_files() {
    local size=$1 i
    mkdir -p "$scratch/htdocs/docs/sp$size"
    head -c "$size" /dev/zero | tr '\0' 's' > "$scratch/var/body-$size"
    for ((i = 0; i < CONNS; i++)); do
        cp "$scratch/var/body-$size" "$scratch/htdocs/docs/sp$size/f$i.txt"
    done
    [ -z "$server_user" ] || chown -R "$server_user:" "$scratch/htdocs/docs/sp$size"
    export RP_FILES=$CONNS RP_PREFIX=/docs/sp$size/f RP_BODY=$scratch/var/body-$size
}
if part 7; then
    say "part 7: RequirePreconditionSpoolLimit 16777216 vs 0: PUT 4 KB and 8 MB"
    mkdir -p "$scratch/var/spool"
    [ -z "$server_user" ] || chown "$server_user:" "$scratch/var/spool"
    start sp-off serialize-on "RequirePreconditionSpoolLimit 0"
    start sp-on serialize-on "RequirePreconditionSpoolLimit 16777216
RequirePreconditionSpoolDir $scratch/var/spool"
    saved_seconds=$SECONDS_PER_RUN saved_conns=$CONNS
    for size in 4096 8388608; do
        # 8 MB PUTs: 2 connections and runs of 5 s, or none completes on a
        # 2-core machine where wrk and the server share the cores.
        if [ "$size" -ge 1048576 ]; then SECONDS_PER_RUN=5 CONNS=2; fi
        spool_files "$size"
        RP_ETAG=$("$client" etag "${port_of[sp-off]}" "/docs/sp$size/f0.txt")
        export RP_ETAG
        # What each server wrote to storage (mod_dav's files, and the spool).
        on0=$(spool_io sp-on); off0=$(spool_io sp-off)
        ab_compare "spool$size" sp-off sp-on / "$here/put-size.lua"
        SECONDS_PER_RUN=$saved_seconds CONNS=$saved_conns
        raw_line "spoolio $size $(( $(spool_io sp-on) - on0 )) $(( $(spool_io sp-off) - off0 ))"
    done
    # The slow uploader: 400 kB over 3 s while 4 clients update the same
    # document; the writers' time per update, with the spool and without.
    for c in sp-off sp-on; do
        echo "slow" > "$scratch/htdocs/docs/slow.txt"
        [ -z "$server_user" ] || chown "$server_user:" "$scratch/htdocs/docs/slow.txt"
        raw_line "spoolslow $c $("$client" slow "${port_of[$c]}" /docs/slow.txt 409600 3 4)"
    done
    stop "${pid_of[sp-off]}"
    stop "${pid_of[sp-on]}"
fi

# ---- part 8: DELETE of a large collection ----------------------------------
# make_tree DIR wide FOLDERS FILES | DIR deep LEVELS FILES: FOLDERS folders
# of FILES files each, or LEVELS folders nested in one another with FILES
# files in each; prints the number of entries (files and folders).
make_tree() {
    "$python" - "$@" <<'EOF'
import os, sys
top, kind, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(top)
p = top
for i in range(1, a + 1):
    p = os.path.join(top if kind == "wide" else p, "d%d" % i)
    os.mkdir(p)
    for j in range(1, b + 1):
        with open(os.path.join(p, "f%d.txt" % j), "w") as f:
            f.write("walk bench\n")
print(a + a * b)
EOF
}
# fresh_tree NAME TARGET: tree NAME at TARGET, on disk: the one a 428 left
# intact when there is one (a copy costs seconds at 10,000 files), else a
# new copy.
fresh_tree() {
    if [ -d "$scratch/var/spare/$1" ]; then
        mv "$scratch/var/spare/$1" "$2"
    else
        cp -a "$scratch/var/trees/$1" "$2"
        sync -f "$2"
    fi
}
if part 8; then
    say "part 8: DELETE of a collection, $DEL_REPEAT runs per tree and configuration ($DEL_REPEAT_BIG at 10,000 files)"
    # name kind a b: the trees (make_tree), and the runs of each.
    shapes=()
    for sh in "w1000 wide 10 100 $DEL_REPEAT" "w10000 wide 100 100 $DEL_REPEAT_BIG" \
              "deep64 deep 64 10 $DEL_REPEAT" "deep65 deep 65 10 $DEL_REPEAT"; do
        [[ " $DEL_TREES " != *" ${sh%% *} "* ]] || shapes+=("$sh")
    done
    mkdir -p "$scratch/var/spare"
    for sh in "${shapes[@]}"; do
        read -r name kind a b _ <<<"$sh"
        raw_line "deltree $name $kind $a $b $(make_tree "$scratch/var/trees/$name" "$kind" "$a" "$b")"
    done
    sync -f "$scratch/var/trees"
    mkdir -p "$scratch/htdocs/docs/walk" "$scratch/htdocs/docs/ser/guarded"
    [ -z "$server_user" ] || chown -R "$server_user:" "$scratch/var/trees" \
        "$scratch/var/spare" "$scratch/htdocs/docs/walk" "$scratch/htdocs/docs/ser"
    # The module's debug lines name the member a refusal is for.
    debug="LogLevel warn require_precondition:debug"
    start del-none none
    start del-bare walk-bare "$debug"
    # Guarded sections outside the collection: a <Location> and a
    # <Directory> (which adds a realpath to every write).
    start del-guarded walk-guarded "$debug
<Location /docs/ser/>
    RequirePrecondition On
</Location>
<Directory \"$scratch/htdocs/docs/ser/guarded\">
    RequirePrecondition On
</Directory>"
    for sh in "${shapes[@]}"; do
        read -r name _ _ _ reps <<<"$sh"
        for ((rep = 1; rep <= reps; rep++)); do
            order=(del-none del-bare del-guarded)
            [ $((rep % 2)) = 1 ] || order=(del-guarded del-bare del-none)
            for c in "${order[@]}"; do
                target="$scratch/htdocs/docs/walk/$c-$name-$rep"
                # Each tree is deleted unconditionally (plain); past the
                # walk's bounds, where the module answers 428, the guarded
                # server deletes it once more with the token of a
                # depth-infinity LOCK in If (lock), and so does the server
                # without the module on the deep tree (what mod_dav's own
                # checks of the lock cost). The module with no guarded
                # section only where it answers 428 (that it walks there
                # too is what it shows; elsewhere it is the guarded one).
                case $name/$c in
                    w1000/del-bare|deep64/del-bare) continue ;;
                    w10000/del-guarded|deep65/del-guarded|deep65/del-none)
                        hows="plain lock" ;;
                    *) hows=plain ;;
                esac
                for how in $hows; do
                    [ -d "$target" ] || fresh_tree "$name" "$target"
                    line=$("$client" delete "${port_of[$c]}" \
                           "/docs/walk/${target##*/}/" "${how/plain/}")
                    # What is left of the tree: nothing after a 204, all
                    # of it after a 428.
                    left=0
                    [ ! -d "$target" ] || left=$(find "$target" -mindepth 1 | wc -l)
                    raw_line "delete $c $name $how $rep $line left=$left"
                done
                # A tree a plain 428 left is whole: the next run takes it.
                if [ -d "$target" ] && [ "$how" = plain ] && [[ $line == status=428* ]] \
                   && [ ! -d "$scratch/var/spare/$name" ]; then
                    mv "$target" "$scratch/var/spare/$name"
                else
                    rm -rf "$target"
                fi
            done
        done
        rm -rf "${scratch:?}/var/spare/$name"
    done
    # The control: a 428 with no walk, for a collection inside a guarded
    # <Location> (judged under it).
    for ((rep = 1; rep <= DEL_REPEAT; rep++)); do
        raw_line "delete del-guarded nowalk plain $rep $("$client" delete \
                  "${port_of[del-guarded]}" /docs/ser/guarded/ "") left=0"
    done
    for c in del-bare del-guarded; do
        m=$(grep -m1 "past the walk's bounds" "$scratch/logs/$c.error.log" \
            | sed 's/.*\] \(RP[0-9]*: \)/\1/' || true)
        [ -z "$m" ] || raw_line "delbound $c $m"
    done
    for c in del-none del-bare del-guarded; do stop "${pid_of[$c]}"; done
fi

# ---- part 9: RequirePreconditionEvaluate -----------------------------------
# The backend of t/evaluate.t (a document store that ignores If-*) on a
# Unix socket, behind three servers that differ only in Evaluate.
evaluate_conf() {
    echo "LoadModule proxy_module $libexec/mod_proxy.so
LoadModule proxy_http_module $libexec/mod_proxy_http.so
<Location /api/>
    ProxyPass \"unix:$scratch/run/app.sock|http://app/\"
    RequirePrecondition On
    RequirePreconditionEvaluate $1
</Location>"
}
# app_backend: t/backend/app.py on $scratch/run/app.sock, once, with the
# documents parts 9 and 10 write: /api/ev/{f,a,b}<i>.txt, and GETs of 1 KB
# and 100 KB JSON.
app_backend() {
    [ ! -S "$scratch/run/app.sock" ] || return 0
    mkdir -p "$scratch/var/store/ev"
    echo '{"n":0}' > "$scratch/var/body-json"
    for ((i = 0; i < CONNS; i++)); do
        for f in f a b; do
            cp "$scratch/var/body-json" "$scratch/var/store/ev/$f$i.txt"
        done
    done
    for size in 1024 102400; do
        "$python" -c 'import sys, json; n = int(sys.argv[1]); items = []
while len(json.dumps(items)) < n - 40: items.append({"id": len(items), "name": "item %d" % len(items), "ok": True})
sys.stdout.write(json.dumps({"items": items})[:n])' "$size" > "$scratch/var/store/ev/get$size.json"
    done
    [ -z "$server_user" ] || chown -R "$server_user:" "$scratch/var/store"
    "${as_user[@]}" "$python" "$top/t/backend/app.py" --socket "$scratch/run/app.sock" \
        --store "$scratch/var/store" --etag strong >>"$scratch/logs/app.out.log" 2>&1 &
    pids+=($!)
    for ((i = 0; i < 100; i++)); do
        [ ! -S "$scratch/run/app.sock" ] || break
        sleep 0.1
    done
}
if part 9; then
    say "part 9: RequirePreconditionEvaluate: PUT Backend vs Off, GET Digest vs Off (1 KB and 100 KB JSON)"
    # The documents PUT back with their own bytes (bench/put-size.lua): the
    # backend's ETag of them stays current.
    app_backend
    start ev-off module "$(evaluate_conf Off)"
    start ev-backend module "$(evaluate_conf Backend)"
    start ev-digest module "$(evaluate_conf Digest)"
    RP_ETAG=$("$client" etag "${port_of[ev-off]}" /api/ev/f0.txt)
    export RP_ETAG RP_FILES=$CONNS RP_PREFIX=/api/ev/f RP_BODY=$scratch/var/body-json
    ab_compare evalput ev-off ev-backend / "$here/put-size.lua"
    for size in 1024 102400; do
        ab_compare "evalget$size" ev-off ev-digest "/api/ev/get$size.json"
    done
    for s in ev-off ev-backend ev-digest; do stop "${pid_of[$s]}"; done
fi

# ---- part 10: RequirePreconditionLockServer ---------------------------------
# etcd_calls PORT: the calls gateways make, and the Locks, so far.
etcd_calls() {
    curl -s "http://127.0.0.1:$1/metrics" | awk '
        /^grpc_server_started_total/ && /grpc_method="(Lock|Unlock|DeleteRange|LeaseGrant|LeaseKeepAlive|LeaseRevoke)"/ {
            calls += $NF; if ($0 ~ /grpc_method="Lock"/) locks += $NF }
        END { print calls + 0, locks + 0 }'
}
# wrk_pair LABEL ROUND A B: wrk on gateways A and B at once, half the
# connections each, each on its own documents; their req/s summed.
wrk_pair() {
    local label=$1 round=$2 a=$3 b=$4 out_a out_b half=$((CONNS / 2))
    out_a=$(mktemp "$scratch/var/wrk.XXXXXX")
    out_b=$(mktemp "$scratch/var/wrk.XXXXXX")
    RP_FILES=$half RP_PREFIX=/api/ev/a wrk -t1 -c"$half" -d"${SECONDS_PER_RUN}s" \
        --timeout 10s -s "$here/put-size.lua" "http://127.0.0.1:${port_of[$a]}/" > "$out_a" &
    RP_FILES=$half RP_PREFIX=/api/ev/b wrk -t1 -c"$half" -d"${SECONDS_PER_RUN}s" \
        --timeout 10s -s "$here/put-size.lua" "http://127.0.0.1:${port_of[$b]}/" > "$out_b"
    wait $!
    raw_line "wrk $label $a+$b $round $(cat "$out_a" "$out_b" | awk '
        /^Requests\/sec:/ { rps += $2 }
        /Non-2xx or 3xx responses:/ { bad += $NF }
        /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
        END { print rps + 0, bad + 0, err + 0 }')"
    rm -f "$out_a" "$out_b"
}
if part 10; then
    say "part 10: RequirePreconditionLockServer: two gateways over etcd vs one with its local lock"
    command -v etcd >/dev/null || { echo "bench/run.sh: etcd is missing (make bench installs etcd-server)" >&2; exit 1; }
    app_backend
    etcd_client=$("$client" free "$PORT_FIRST" "$PORT_LAST")
    etcd_peer=$("$client" free "$((etcd_client + 1))" "$PORT_LAST")
    mkdir -p "$scratch/var/etcd"
    etcd --name bench --data-dir "$scratch/var/etcd/data" \
        --listen-client-urls "http://127.0.0.1:$etcd_client" \
        --advertise-client-urls "http://127.0.0.1:$etcd_client" \
        --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-cluster "bench=http://127.0.0.1:$etcd_peer" \
        >>"$scratch/logs/etcd.log" 2>&1 &
    pids+=($!)
    for ((i = 0; i < 100; i++)); do
        curl -sf "http://127.0.0.1:$etcd_client/health" >/dev/null && break
        sleep 0.1
    done
    ls_conf="RequirePreconditionLockServer etcd http://127.0.0.1:$etcd_client
$(evaluate_conf Backend)"
    start ls-local module "$(evaluate_conf Backend)"
    start ls-a module "$ls_conf"
    start ls-b module "$ls_conf"
    RP_ETAG=$("$client" etag "${port_of[ls-local]}" /api/ev/f0.txt)
    export RP_ETAG RP_FILES=$CONNS RP_PREFIX=/api/ev/f RP_BODY=$scratch/var/body-json
    SECONDS_PER_RUN=1
    wrk_run lockserver-warmup ls-local 0 "http://127.0.0.1:${port_of[ls-local]}/" "$here/put-size.lua"
    wrk_pair lockserver-warmup 0 ls-a ls-b
    SECONDS_PER_RUN=${BENCH_WRK_SECONDS:-1}
    read -r calls0 locks0 < <(etcd_calls "$etcd_client")
    for ((r = 1; r <= ROUNDS; r++)); do
        if [ $((r % 2)) = 1 ]; then
            wrk_run lockserver ls-local "$r" "http://127.0.0.1:${port_of[ls-local]}/" "$here/put-size.lua"
            wrk_pair lockserver "$r" ls-a ls-b
        else
            wrk_pair lockserver "$r" ls-a ls-b
            wrk_run lockserver ls-local "$r" "http://127.0.0.1:${port_of[ls-local]}/" "$here/put-size.lua"
        fi
    done
    read -r calls1 locks1 < <(etcd_calls "$etcd_client")
    raw_line "lockserver calls $((calls1 - calls0)) locks $((locks1 - locks0))"
    for s in ls-local ls-a ls-b; do stop "${pid_of[$s]}"; done
fi

# What the servers logged at level error or worse: a measurement of a
# server that was failing would be worthless.
for log in "$scratch"/logs/*.error.log; do
    [ -f "$log" ] || continue
    n=$(grep -cE '\[[a-z_0-9]*:(error|crit|alert|emerg)\]' "$log" || true)
    [ "$n" = 0 ] || raw_line "errorlog $(basename "$log" .error.log) $n $(grep -m1 -E '\[[a-z_0-9]*:(error|crit|alert|emerg)\]' "$log" | cut -c1-200)"
done

raw_line "meta seconds $(( $(date +%s) - started ))"

# ---- report ----------------------------------------------------------------
"$python" "$here/report.py" "$raw" "$png"
ln -sfn "$(basename "$raw")" "$here/results/latest.txt"
[ ! -f "$png" ] || ln -sfn "$(basename "$png")" "$here/results/latest.png"
say "raw numbers: ${raw#$top/}; chart: ${png#$top/}; $(( $(date +%s) - started )) s"
# bench/RESULTS.md keeps the figures of the last run, with what they were
# measured on: the lines to put at its top.
say "for bench/RESULTS.md: date $(date -u +%F); commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$top" diff --quiet HEAD 2>/dev/null || echo ' (modified)'); machine $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(. /etc/os-release && echo "$PRETTY_NAME"), $("$HTTPD" -v | sed -n 's/^Server version: //p')"
