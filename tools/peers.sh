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

# httpd's own test suite (the perl-framework, t/peers/) without
# the module and with it loaded server-wide, compared subtest by subtest
# (make peers; docs/testing.md). Four runs, one after the other, event MPM:
#
#   a  without the module: the baseline
#   b  RequirePrecondition ReportOnly, RequirePreconditionSerialize On
#   c  RequirePrecondition ReportOnly, RequirePreconditionEvaluate Backend
#   d  RequirePrecondition On: its differences are listed, not failed (a
#      write without a precondition gets 428)
#
# A result is a test file's subtest and its outcome, read from the TAP each
# file printed (PERL_TEST_HARNESS_DUMP_TAP): ok, not ok, skip, todo, a
# planned subtest that never ran (missing), a file skipped whole
# (skip_all), a file that did not run at all (absent). A file with a
# difference is run again alone, in both configurations, and only what
# differs twice counts. Exits 1 when b or c differs from a; failures of
# a itself are the machine's, not the module's.
#
#   tools/peers.sh                       # after make all (make peers)
#   tools/peers.sh t/modules/actions.t   # only these files of the suite
#   RP_MODULE=/path/mod_require_precondition.so tools/peers.sh
#   PEERS_RUNS="b"                       # which of b c d (default all)
#   PEERS_TARBALL=/path/httpd-tests-*.tar.gz   PEERS_KEEP=1 (keep the
#                                        work folder and its logs)
#   PEERS_TIMEOUT=1800                   seconds a run may take
#
# Apache::Test refuses root: as root this runs itself as the test account
# (tools/lib.sh, rp_as_test_user), with the tarball and the module staged
# in a folder that account can read.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib.sh
. "$top/tools/lib.sh"
MPM=${MPM:-event}
PEERS_TARBALL=${PEERS_TARBALL:-$top/t/peers/httpd-tests-c80f65f3.tar.gz}
PEERS_RUNS=${PEERS_RUNS:-b c d}
PEERS_KEEP=${PEERS_KEEP:-0}
PEERS_TIMEOUT=${PEERS_TIMEOUT:-1800}
export APXS HTTPD MPM PEERS_TARBALL PEERS_RUNS PEERS_KEEP PEERS_TIMEOUT

# Test files left out, with the reason (patterns of Apache::Test's t/SKIP).
# None: with the apxs wrapper and without core files (below) a whole run
# takes about 3.5 minutes on 2 cores, and no file hangs.
excluded=()

if [ "$(id -u)" = 0 ]; then
    # What the suite needs beyond tools/deps.sh's own list: Apache::Test
    # and LWP (mod_perl's package), HTTP::DAV (t/modules/dav.t), SSL for
    # LWP (t/ssl), FCGI (t/modules/proxy_fcgi.t), DateTime
    # (t/modules/include.t), AnyEvent's WebSocket client
    # (t/modules/proxy_websockets*.t), openssl for the test certificates,
    # ab (t/ab). Only what is missing is installed.
    "$top/tools/deps.sh" libapache2-mod-perl2 libwww-perl libhttp-dav-perl \
        liblwp-protocol-https-perl libio-socket-ssl-perl libnet-ssleay-perl \
        libcrypt-ssleay-perl libfcgi-perl libdatetime-perl libanyevent-perl \
        libanyevent-websocket-client-perl libhtml-parser-perl openssl \
        apache2-utils
fi

if [ -z "${RP_MODULE:-}" ]; then
    rp_need_module tools/peers.sh
    rp_need_plain_build tools/peers.sh
    RP_MODULE=$rp_module_so
fi
[ -f "$RP_MODULE" ] || { echo "tools/peers.sh: no module at $RP_MODULE" >&2; exit 1; }
[ -f "$PEERS_TARBALL" ] || {
    echo "tools/peers.sh: no suite at $PEERS_TARBALL" >&2; exit 1; }
export RP_MODULE

if [ "$(id -u)" = 0 ]; then
    stage=$(mktemp -d /tmp/rp-peers-stage.XXXXXX)
    cp "$RP_MODULE" "$stage/mod_require_precondition.so"
    cp "$PEERS_TARBALL" "$stage/"
    chmod 755 "$stage"; chmod 644 "$stage"/*
    RP_MODULE=$stage/mod_require_precondition.so
    PEERS_TARBALL=$stage/$(basename "$PEERS_TARBALL")
    rc=0
    # A subshell: rp_as_test_user sets its own EXIT trap and exits.
    ( rp_as_test_user tools/peers.sh APXS HTTPD MPM RP_MODULE PEERS_TARBALL \
          PEERS_RUNS PEERS_KEEP PEERS_TIMEOUT -- "$@" ) || rc=$?
    rm -rf "$stage"
    exit $rc
fi

start_all=$SECONDS
work=$(mktemp -d /tmp/rp-peers.XXXXXX)
suite=$work/httpd-tests
export HOME=$work
# Apache::Test raises the core limit (ulimit -c unlimited) unless told it
# is done; a crash is seen in the error_log all the same.
export APACHE_TEST_ULIMIT_SET=1
ulimit -c 0

# The server of a run, if it is still up (interrupted), is stopped: the
# pid of its file, if that process is still this suite's apache2.
stop_server() {
    local pid
    pid=$(cat "$suite/t/logs/httpd.pid" 2>/dev/null) || return 0
    if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" \
            | grep -qF "$suite/t"; then
        rp_stop "$pid" 15
    fi
    rm -f "$suite/t/logs/httpd.pid"
}
# shellcheck disable=SC2317
cleanup() {
    stop_server
    if [ "$PEERS_KEEP" = 1 ]; then
        echo "tools/peers.sh: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tar -C "$work" -xzf "$PEERS_TARBALL"
[ -f "$suite/Makefile.PL" ] || {
    echo "tools/peers.sh: no httpd-tests/Makefile.PL in $PEERS_TARBALL" >&2; exit 1; }
mkdir -p "$work/conf" "$work/logs" "$work/tap" "$work/results"

# Debian's apxs answers `-q PREFIX` with nothing, which Apache::Test does
# not cache: it asks again for every LoadModule of every process, several
# seconds for each test file. The answer here is Debian's ServerRoot.
cat > "$work/apxs" <<WRAP
#!/bin/sh
[ "\$*" = "-q PREFIX" ] && { echo /etc/apache2; exit 0; }
exec '$APXS' "\$@"
WRAP
chmod 755 "$work/apxs"

# The modules: every one with a .load file, as Debian's own run of this
# suite does (apache2's debian/tests), the chosen MPM, and the three
# modules that exist only for tests. Not this module (its package may be
# installed): the baseline runs without it. Not mod_perl: nothing in the
# suite configures it, and loaded it crashes children under the event MPM
# (modperl_config_request_cleanup), which breaks subtests at random.
libexec=$("$APXS" -q LIBEXECDIR)
{
    echo "# generated by tools/peers.sh; MPM=$MPM"
    echo "LoadModule mpm_${MPM}_module $libexec/mod_mpm_$MPM.so"
    for f in /etc/apache2/mods-available/*.load; do
        case $(basename "$f") in
            mpm_*|perl.load|require_precondition.load) continue ;;
        esac
        sed -n 's/^[[:space:]]*LoadModule[[:space:]]\{1,\}//p' "$f" \
            | while read -r name so; do
                  if [ "$name" != require_precondition_module ] && [ -f "$so" ]; then
                      echo "LoadModule $name $so"
                  fi
              done
    done
    for m in bucketeer case_filter case_filter_in; do
        echo "LoadModule ${m}_module $libexec/mod_$m.so"
    done
    echo "TypesConfig /etc/mime.types"
} > "$work/conf/modules.conf"
{
    cat "$work/conf/modules.conf"
    echo "LoadModule require_precondition_module $RP_MODULE"
} > "$work/conf/modules-rp.conf"

# The module's configuration of each run, at server level (the end of
# httpd.conf, Apache::Test's -postamble): every virtual host and section
# of the suite inherits it.
cat > "$work/conf/b.conf" <<'CONF'
RequirePrecondition ReportOnly
RequirePreconditionSerialize On
CONF
cat > "$work/conf/c.conf" <<'CONF'
RequirePrecondition ReportOnly
RequirePreconditionEvaluate Backend
CONF
cat > "$work/conf/d.conf" <<'CONF'
RequirePrecondition On
CONF
declare -A title=(
    [a]="without the module"
    [b]="ReportOnly + Serialize On"
    [c]="ReportOnly + Evaluate Backend"
    [d]="On"
)

cd "$suite"
if ! perl Makefile.PL -apxs "$work/apxs" >"$work/logs/configure.log" 2>&1; then
    tail -n 30 "$work/logs/configure.log"
    exit 1
fi
for p in "${excluded[@]}"; do echo "$p"; done > t/SKIP

# results FILE: one line per result of the TAP in $spool, "file<TAB>
# number<TAB>outcome", sorted; "all" is the number of a whole-file result.
results() {
    perl -MTAP::Parser -MFile::Find -e '
        use strict; use warnings;
        my ($spool) = @ARGV;
        my @files;
        find({ no_chdir => 1, wanted => sub { push @files, $_ if -f } }, $spool);
        my @out;
        for my $path (sort @files) {
            (my $file = $path) =~ s{^\Q$spool\E/}{};
            open my $fh, "<", $path or die "$path: $!";
            my $tap = do { local $/; <$fh> };
            my $p = TAP::Parser->new({ tap => $tap });
            my %seen;
            while (my $r = $p->next) {
                if ($r->is_bailout) { push @out, "$file\tall\tbail out"; next }
                next unless $r->is_test;
                my $s = $r->is_actual_ok ? "ok" : "not ok";
                $s .= " # skip" if $r->has_skip;
                $s .= " # todo" if $r->has_todo;
                $s = "duplicate" if exists $seen{$r->number};
                $seen{$r->number} = $s;
            }
            if ($p->skip_all) { push @out, "$file\tall\tskip_all"; next }
            my $planned = $p->tests_planned;
            push @out, "$file\tall\tno plan" unless defined $planned;
            for my $n (1 .. ($planned // 0)) {
                $seen{$n} //= "missing";
            }
            push @out, map { "$file\t$_\t$seen{$_}" } sort { $a <=> $b } keys %seen;
        }
        print "$_\n" for @out;
    ' "$1"
}

# A base port with 60 free ports above it (the suite's virtual hosts take
# the next free ones), away from 8529 where Apache::Test's -port select
# starts, and where this project's own suite may be running meanwhile.
free_port() {
    perl -MIO::Socket::INET -e '
        for (my $base = 18529; $base < 20000; $base += 100) {
            my $free = 1;
            for my $p ($base .. $base + 59) {
                my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                    LocalPort => $p, Listen => 1, ReuseAddr => 1)
                    or do { $free = 0; last };
                close $s;
            }
            if ($free) { print $base; exit 0 }
        }
        exit 1'
}

# run NAME [TEST FILES...]: the suite in configuration NAME, the TAP in
# $work/tap/NAME, the results in $work/results/NAME, the log in
# $work/logs/NAME.log. NAME is a, b, c, d, or one of them with a suffix.
run() {
    local name=$1 conf=${1:0:1} spool=$work/tap/$1 log=$work/logs/$1.log
    local args port t0=$SECONDS crashes
    shift
    port=$(free_port) || { echo "tools/peers.sh: no free ports" >&2; exit 1; }
    args=(-apxs "$work/apxs" -port "$port")
    if [ "$conf" = a ]; then
        args+=(-httpd_conf "$work/conf/modules.conf")
    else
        args+=(-httpd_conf "$work/conf/modules-rp.conf"
               -postamble "Include $work/conf/$conf.conf")
    fi
    rm -rf "$spool"; mkdir -p "$spool"
    t/TEST -clean >/dev/null 2>&1 || true
    # A hang (a request the module would hold) fails the run, not CI.
    PERL_TEST_HARNESS_DUMP_TAP=$spool timeout -k 30 "$PEERS_TIMEOUT" \
        t/TEST "${args[@]}" "$@" >"$log" 2>&1 || true
    stop_server
    crashes=$(grep -c 'exit signal' t/logs/error_log 2>/dev/null || true)
    cp t/logs/error_log "$work/logs/$name.error_log" 2>/dev/null || true
    if ! grep -qE '^Files=[0-9]+, Tests=[0-9]+' "$log"; then
        echo "tools/peers.sh: run $name (${title[$conf]}) did not run the suite" \
             "(or took over $PEERS_TIMEOUT s):" >&2
        grep -v '^\[.*:trace[0-9]\]' "$log" | tail -n 30 >&2
        exit 1
    fi
    results "$spool" > "$work/results/$name"
    printf '== run %-3s %-30s %5d results, %s, %d crashed children, %d s\n' \
        "$name" "${title[$conf]}" "$(wc -l < "$work/results/$name")" \
        "$(grep -E '^Result:' "$log" | tail -n 1)" "${crashes:-0}" \
        $((SECONDS - t0))
}

# differ A B [FILE...]: the results that differ between $work/results/A
# and B (only these test files, if any named), one line each:
# "file number: A-outcome => B-outcome".
differ() {
    perl -e '
        use strict; use warnings;
        my ($fa, $fb, @only) = @ARGV;
        my %only = map { $_ => 1 } @only;
        my (%a, %b, %keys);
        for my $in ([$fa, \%a], [$fb, \%b]) {
            open my $fh, "<", $in->[0] or die "$in->[0]: $!";
            while (my $line = <$fh>) {
                chomp $line;
                my ($f, $n, $s) = split /\t/, $line;
                next if @only && !$only{$f};
                $in->[1]{"$f\t$n"} = $s; $keys{"$f\t$n"} = 1;
            }
        }
        for my $k (sort { my @x = split /\t/, $a; my @y = split /\t/, $b;
                          $x[0] cmp $y[0] or
                          ($x[1] eq "all" ? -1 : $y[1] eq "all" ? 1 : $x[1] <=> $y[1]) }
                   keys %keys) {
            my ($x, $y) = ($a{$k} // "absent", $b{$k} // "absent");
            next if $x eq $y;
            my ($f, $n) = split /\t/, $k;
            print "$f $n: $x => $y\n";
        }
    ' "$work/results/$1" "$work/results/$2" "${@:3}"
}

files_of() { awk '{ print $1 }' | sort -u; }

run a "$@"
declare -A first
for r in $PEERS_RUNS; do
    case $r in b|c|d) ;; *) echo "tools/peers.sh: no run $r" >&2; exit 1 ;; esac
    run "$r" "$@"
    first[$r]=$(differ a "$r")
done

# The files with a difference, run again alone: the baseline once for all
# of them, then each configuration for its own.
again=$(for r in $PEERS_RUNS; do [ -z "${first[$r]}" ] || echo "${first[$r]}"; done | files_of)
declare -A final
for r in $PEERS_RUNS; do final[$r]=""; done
if [ -n "$again" ]; then
    echo "== again, alone: $(echo "$again" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    run a2 $again
    for r in $PEERS_RUNS; do
        [ -n "${first[$r]}" ] || continue
        mine=$(echo "${first[$r]}" | files_of)
        # shellcheck disable=SC2086
        run "${r}2" $mine
        # What differed both times (the same subtest, either way) counts.
        # shellcheck disable=SC2086
        differ a2 "${r}2" $mine > "$work/results/second-$r"
        echo "${first[$r]}" > "$work/results/first-$r"
        final[$r]=$(awk -F': ' 'NR == FNR { k[$1] = 1; next } $1 in k' \
                        "$work/results/second-$r" "$work/results/first-$r")
        flaky=$(awk -F': ' 'NR == FNR { k[$1] = 1; next } !($1 in k)' \
                        "$work/results/second-$r" "$work/results/first-$r")
        if [ -n "$flaky" ]; then
            echo "-- run $r: differed once, not again (timing), not counted:"
            echo "$flaky" | sed 's/^/   /'
        fi
    done
fi

rc=0
for r in $PEERS_RUNS; do
    n=0
    [ -z "${final[$r]}" ] || n=$(echo "${final[$r]}" | wc -l)
    if [ "$r" = d ]; then
        echo "-- run d (${title[d]}) against a: $n differences (expected: writes" \
             "without a precondition get 428; listed, not failed)"
    elif [ "$n" -gt 0 ]; then
        echo "FAIL run $r (${title[$r]}) against a: $n differences"
        rc=1
    else
        echo "ok   run $r (${title[$r]}) against a: no difference"
    fi
    [ "$n" = 0 ] || echo "${final[$r]}" | sed 's/^/   /'
done
echo "== tools/peers.sh: $((SECONDS - start_all)) s in all"
exit $rc
