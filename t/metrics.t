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

# The Prometheus endpoint, SetHandler require-precondition-metrics: the
# text format 0.0.4 (checked by promtool when it is installed), GET and
# HEAD only, the same numbers as the status page, and each series against
# the requests sent here (a delta), under whatever MPM the suite runs with.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use File::Temp ();
use IO::Socket::INET ();
use Time::HiRes qw(sleep);
use RPTest;

my $promtool = '/usr/bin/promtool';
my $P = 'require_precondition';

# Short names for the series, and the ?auto key (without its
# RequirePrecondition prefix) each one is on the status page.
my @series = (
    [ judged        => "${P}_judged_total", 'Judged' ],
    [ if_match      => "${P}_passed_total{header=\"if-match\"}",
      'PassedIfMatch' ],
    [ if_none_match => "${P}_passed_total{header=\"if-none-match\"}",
      'PassedIfNoneMatch' ],
    [ if_unmodified => "${P}_passed_total{header=\"if-unmodified-since\"}",
      'PassedIfUnmodifiedSince' ],
    [ if            => "${P}_passed_total{header=\"if\"}", 'PassedIf' ],
    [ overwrite     => "${P}_passed_total{header=\"overwrite\"}",
      'PassedOverwrite' ],
    [ refused       => "${P}_missing_total{decision=\"refused\"}",
      'Refused' ],
    [ report_only   => "${P}_missing_total{decision=\"report_only\"}",
      'ReportOnly' ],
    [ serialized    => "${P}_serialized_total", 'Serialized' ],
    [ waited        => "${P}_serialized_waited_total", 'Waited' ],
    [ waits         => "${P}_lock_wait_seconds_count", 'Waited' ],
    [ timeouts      => "${P}_lock_timeouts_total", 'Timeouts' ],
    [ ls_taken      => "${P}_lock_server_total{result=\"taken\"}",
      'LockServerTaken' ],
    [ ls_timed_out  => "${P}_lock_server_total{result=\"timed_out\"}",
      'LockServerTimedOut' ],
    [ ls_failed     => "${P}_lock_server_total{result=\"failed\"}",
      'LockServerFailed' ],
    [ spooled       => "${P}_spooled_total", 'Spooled' ],
    [ spooled_bytes => "${P}_spooled_bytes_total", 'SpooledBytes' ],
    [ lookups => "${P}_lookups_total", 'Lookups' ],
    [ backend_failed => "${P}_backend_failed_total",
      'BackendPreconditionFailed' ],
    [ lookup_failures => "${P}_lookup_failures_total", 'LookupFailures' ],
    [ wait_sum      => "${P}_lock_wait_seconds_sum",
      'WaitMicrosecondsTotal', 1e6 ],
    [ wait_max      => "${P}_lock_wait_max_seconds",
      'WaitMicrosecondsMax', 1e6 ],
    [ start         => "${P}_start_time_seconds", 'CountingSeconds' ],
);
my %name = map { $_->[0] => $_->[1] } @series;
# Not sums of what was sent: compared on their own.
my %apart = map { $_ => 1 } qw(wait_sum wait_max start);

# TRACE is the core's (TraceEnable), answered before any handler.
my @methods = qw(POST PUT DELETE OPTIONS PROPFIND);
my $promtool_tests = 2;
my $ncases = 8;
plan tests => 6 + $promtool_tests + @series + 1 + 2 + @methods * 3 + 1
              + $ncases * 3 + 5 + 4 + 2,
    need_module 'dav', 'status';

# One scrape: [status, headers-text, body].
sub scrape { return raw_get('/rp-metrics') }

# The series of one scrape, by short name.
sub metrics {
    my $v = parse_metrics(scrape()->[2]);
    return { map { $_->[0] => $v->{$_->[1]} } @series };
}

sub auto { return status_counters('/metrics-status?auto') }

# Compare what changed with the expected changes: every series not named
# (and not apart) is 0.
sub expect {
    my ($a, $b, $want, $what) = @_;
    my @bad;
    for (map { $_->[0] } @series) {
        next if $apart{$_};
        my $d = ($b->{$_} // 0) - ($a->{$_} // 0);
        push @bad, "$_ $d (want " . ($want->{$_} || 0) . ")"
            if $d != ($want->{$_} || 0);
    }
    ok t_cmp(join(', ', @bad), '', "$what: every series moved as sent");
}

# 1. The answer's form.
my $r = scrape();
my $body = $r->[2];
ok t_cmp($r->[0], 200, 'GET: 200');
ok t_cmp(($r->[1] =~ /^Content-Type: (.*?)\r?$/mi)[0],
         'text/plain; version=0.0.4', 'GET: the text format 0.0.4');
my (%help, %type, @order, @bad);
for (split /\n/, $body) {
    if (/^# (HELP|TYPE) (\w+) (.+)$/) {
        ($1 eq 'HELP' ? \%help : \%type)->{$2}++;
        push @order, $2 if $1 eq 'TYPE';
        next;
    }
    if (!/^(${P}_\w+)(\{\w+="[^"\\]*"\})? \d+(\.\d+)?$/) {
        push @bad, $_;
        next;
    }
    my $family = $1;
    $family =~ s/_(sum|count)$// unless $type{$family};
    push @bad, "$_ (no # TYPE before)" unless $type{$family};
}
ok t_cmp(join(' | ', @bad), '', 'GET: every line a sample or # HELP/# TYPE');
ok t_cmp(join(' ', grep { $help{$_} != 1 || ($type{$_} // 0) != 1 }
                   keys %help, keys %type), '',
         'GET: one # HELP and one # TYPE a family');
ok t_cmp(join(' ', grep { !/_total$/ } grep { $body =~ /^# TYPE $_ counter$/m }
                   @order), '', 'GET: counters are named _total');
my $v = parse_metrics($body);
ok t_cmp(join(' ', sort grep { my $s = $_; !grep { $_->[1] eq $s } @series }
                   keys %$v), '',
         'GET: every series is one this test knows (and maps)');

# 2. promtool, the parser of Prometheus itself.
SKIP: {
    skip "$promtool is not installed (Debian package prometheus, make deps)",
        $promtool_tests unless -x $promtool;
    my $tmp = File::Temp->new;
    print $tmp $body;
    close $tmp;
    my $out = `$promtool check metrics < '$tmp' 2>&1`;
    ok t_cmp($? >> 8, 0, 'promtool check metrics: exit 0');
    ok t_cmp($out, '', 'promtool check metrics: no finding');
}

# 3. The status page shows the same numbers: read between two ?auto
#    readings that agree (nothing was written meanwhile).
my ($a0, $m, $a1);
for (1 .. 5) {
    ($a0, $m, $a1) = (auto(), metrics(), auto());
    last if join(',', map { $a0->{$_} // '' } grep { $_ ne 'CountingSeconds' }
                 sort keys %$a0)
         eq join(',', map { $a1->{$_} // '' } grep { $_ ne 'CountingSeconds' }
                 sort keys %$a1);
}
for (@series) {
    my ($short, $series, $key, $scale) = @$_;
    my $want = $a1->{$key};
    my $got = $m->{$short};
    if ($short eq 'start') {
        # CountingSeconds is the age of the counters: now - start, to the
        # second (a whole second may pass between the readings).
        $got = defined $got ? time - $got : undef;
        ok t_cmp(defined $got && abs($got - $want) <= 2 ? 1 : 0, 1,
                 "$series: $key ($want) is now - start");
        next;
    }
    $got = sprintf '%.0f', $got * $scale if defined $got && $scale;
    ok t_cmp($got, $want, "$series is $key");
}
my @unmapped = grep { my $k = $_; !grep { $_->[2] eq $k } @series }
               sort keys %$a1;
ok t_cmp("@unmapped", '', 'every ?auto counter has its series');

# 4. HEAD: the headers alone; any other method: 405 with Allow.
my ($head) = parse_responses(raw_exchange(
    "HEAD /rp-metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
ok t_cmp($head->[0], 200, 'HEAD: 200');
ok t_cmp(($head->[1] =~ /^Content-Type: (.*?)\r?$/mi)[0],
         'text/plain; version=0.0.4', 'HEAD: the same type');
for my $method (@methods) {
    my $before = metrics();
    my $res = req($method, '/rp-metrics', [], 'x');
    ok t_cmp($res->code, 405, "$method: 405");
    ok t_cmp(join(',', sort map { s/^\s+|\s+$//gr }
                  split /,/, $res->header('Allow') // ''),
             qr/^GET,HEAD(,TRACE)?$/, "$method: Allow: GET, HEAD");
    expect($before, metrics(), {}, "$method on the endpoint");
}
ok t_cmp(raw_get('/rp-metrics')->[0], 200, 'still answering after those');

# 5. One request of each kind, each checked alone: status, file, series.
my $base = 'http://' . Apache::TestRequest::hostport();
my $old = "old\n";
my $new = "new\n";
my @cases = (
    { name => 'unconditional PUT', method => 'PUT', uri => '/metrics-dav/a.txt',
      before => $old, body => $new, status => 428, after => 'unchanged',
      moved => { judged => 1, refused => 1 } },
    { name => 'create with If-None-Match: *', method => 'PUT',
      uri => '/metrics-dav/b.txt', headers => ['If-None-Match' => '*'],
      body => $new, status => 201, after => $new,
      moved => { judged => 1, if_none_match => 1, serialized => 1 } },
    { name => 'update with If-Match: the ETag', method => 'PUT',
      uri => '/metrics-dav/a.txt', before => $old, body => $new,
      headers => sub { ['If-Match' => etag_of('/metrics-dav/a.txt')] },
      status => 204, after => $new,
      moved => { judged => 1, if_match => 1, serialized => 1 } },
    { name => 'update with If-Unmodified-Since: Last-Modified',
      method => 'PUT', uri => '/metrics-dav/a.txt', before => $old,
      body => $new,
      headers => sub {
          [ 'If-Unmodified-Since' =>
            req(HEAD => '/metrics-dav/a.txt')->header('Last-Modified') ] },
      status => 204, after => $new,
      moved => { judged => 1, if_unmodified => 1, serialized => 1 } },
    { name => 'update with If: the ETag', method => 'PUT',
      uri => '/metrics-dav/a.txt', before => $old, body => $new,
      headers => sub { ['If' => '([' . etag_of('/metrics-dav/a.txt') . '])'] },
      status => 204, after => $new,
      moved => { judged => 1, if => 1, serialized => 1 } },
    { name => 'COPY with Overwrite: F', method => 'COPY',
      uri => '/metrics-dav/c.txt', before => $old,
      headers => sub { fresh_path('/metrics-dav/c2.txt');
                       [ Destination => "$base/metrics-dav/c2.txt",
                         Overwrite => 'F' ] },
      status => 201, after => 'unchanged',
      moved => { judged => 1, overwrite => 1, serialized => 1 } },
    { name => 'ReportOnly: unconditional PUT goes through', method => 'PUT',
      uri => '/metrics-dav/report/a.txt', before => $old, body => $new,
      status => 204, after => $new,
      moved => { judged => 1, report_only => 1, serialized => 1 } },
    { name => 'GET: not judged, not counted', method => 'GET',
      uri => '/metrics-dav/a.txt', before => $old, status => 200,
      after => 'unchanged', moved => {} },
);
die "the plan counts $ncases cases" unless @cases == $ncases;
for my $c (@cases) {
    my $before = metrics();
    run_cases($c);
    expect($before, metrics(), $c->{moved}, $c->{name});
}

# 6. A serialized write that waits: the first PUT holds the lock until its
#    body is complete; the second, sent meanwhile, waits for it.
my $before = metrics();
my ($first, $second) = held_pair('/metrics-dav/wait.txt', '/rp-metrics');
sleep 0.4;
ok t_cmp(finish_response($first, "a\n")->[0], 204,
         'wait: the first write goes through');
ok t_cmp(finish_response($second)->[0], 412,
         'wait: the second one waited and saw the first one\'s change');
my $after = metrics();
expect($before, $after, { judged => 2, if_match => 2, serialized => 2,
                          waited => 1, waits => 1 }, 'wait');
my $waited = $after->{wait_sum} - $before->{wait_sum};
ok t_cmp($waited >= 0.3 && $waited < 5 ? 1 : 0, 1,
         "wait: _sum grew by the time held, in seconds ($waited)");
ok t_cmp($after->{wait_max} >= $waited - 1e-6 ? 1 : 0, 1,
         "wait: the max gauge is at least this wait ($after->{wait_max})");

# 7. A write that gives up waiting: 503, a lock timeout, not a wait.
$before = metrics();
($first, $second) = held_pair('/metrics-dav/short/t.txt', '/rp-metrics');
ok t_cmp(finish_response($second)->[0], 503, 'timeout: the second gets 503');
ok t_cmp(finish_response($first, "a\n")->[0], 204,
         'timeout: the first one goes through');
$after = metrics();
expect($before, $after, { judged => 2, if_match => 2, serialized => 1,
                          timeouts => 1 }, 'timeout');
ok t_cmp($after->{wait_sum} - $before->{wait_sum}, 0,
         'timeout: the wait _sum did not move');

# 8. Many refusals at once, from many connections: children and threads
#    add to the same series.
$before = metrics();
my $n = 30;
my @socks;
# Existing files: a DELETE of a missing one gets its 404, not a 428.
put_disk("/metrics-dav/many-$_.txt", "v1\n") for 1 .. $n;
for my $i (1 .. $n) {
    my $s = IO::Socket::INET->new(
        PeerAddr => Apache::TestRequest::hostport(), Proto => 'tcp',
        Timeout => 5) or die "connect: $!";
    print $s "DELETE /metrics-dav/many-$i.txt HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n";
    push @socks, $s;
}
my $refused = grep { finish_response($_)->[0] eq '428' } @socks;
ok t_cmp($refused, $n, "many: $n refusals");
expect($before, metrics(), { judged => $n, refused => $n }, 'many');
