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

# The counters in mod_status: /server-status shows a RequirePrecondition
# section and ?auto the same numbers as "Key: value" lines, summed over all
# children and threads. Each count is checked against the requests sent
# here (a delta), under whatever MPM the suite runs with.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use IO::Select ();
use IO::Socket::INET ();
use POSIX qw(strftime);
use Time::HiRes qw(sleep);
use RPTest;

my @keys = qw(Judged PassedIfMatch PassedIfNoneMatch PassedIfUnmodifiedSince
              PassedIf PassedOverwrite Refused ReportOnly Serialized Waited
              Timeouts Spooled SpooledBytes WaitMicrosecondsTotal
              WaitMicrosecondsMax
              CountingSeconds);
my $graceful = !$ENV{RP_SINGLE_PROCESS};

plan tests => @keys + 54 + ($graceful ? 3 : 0),
    need_module 'dav', 'status';

# The counters from /rp-status?auto, without their prefix.
sub counters { return status_counters('/rp-status?auto') }

# What changed between two readings (every key but the two that are not
# sums).
sub delta {
    my ($a, $b) = @_;
    my %d;
    for (@keys) {
        next if /^(WaitMicrosecondsMax|CountingSeconds)$/;
        $d{$_} = ($b->{$_} // 0) - ($a->{$_} // 0);
    }
    return \%d;
}

# Compare a delta with the expected changes: every key not named is 0.
sub expect {
    my ($d, $want, $what) = @_;
    my @bad = map { "$_ $d->{$_} (want " . ($want->{$_} || 0) . ")" }
              grep { !/^WaitMicroseconds/ && $d->{$_} != ($want->{$_} || 0) }
              sort keys %$d;
    ok t_cmp(join(', ', @bad), '', "$what: every counter moved as sent");
}

sub finish { return finish_response(@_)->[0] }

# 1. Both forms are there, with every key.
my $c0 = counters();
ok t_cmp(defined $c0->{$_} ? 1 : 0, 1, "?auto has RequirePrecondition$_")
    for @keys;
my $html = raw_get('/rp-status')->[2];
ok t_cmp($html, qr{<h2>RequirePrecondition</h2>}, 'HTML: the section');
my $c1 = counters();
ok t_cmp($html, qr{refused with 428</td><td>$c1->{Refused}</td>},
         'HTML: the 428 count is the ?auto one');
ok t_cmp($html, qr{guarded writes judged</td><td>$c1->{Judged}</td>},
         'HTML: the judged count is the ?auto one');
my $notable = raw_get('/rp-status?notable')->[2];
ok t_cmp($notable, qr{<dt>refused with 428: $c1->{Refused}</dt>},
         'HTML without tables (?notable): a list');
expect(delta($c0, $c1), {}, 'reading the status');

my $base = 'http://' . Apache::TestRequest::hostport();

# 2. One request of each kind, each checked alone: status, file, counters.
my $old = "old\n";
my $new = "new\n";
my @cases = (
    { name => 'unconditional PUT', method => 'PUT', uri => '/stats/a.txt',
      before => $old, body => $new, status => 428, after => 'unchanged',
      moved => { Judged => 1, Refused => 1 } },
    { name => 'unconditional DELETE', method => 'DELETE',
      uri => '/stats/a.txt', before => $old, status => 428,
      after => 'unchanged', moved => { Judged => 1, Refused => 1 } },
    { name => 'create with If-None-Match: *', method => 'PUT',
      uri => '/stats/b.txt', headers => ['If-None-Match' => '*'],
      body => $new, status => 201, after => $new,
      moved => { Judged => 1, PassedIfNoneMatch => 1, Serialized => 1 } },
    { name => 'update with If-Match: the ETag', method => 'PUT',
      uri => '/stats/a.txt', before => $old, body => $new,
      headers => sub { ['If-Match' => etag_of('/stats/a.txt')] },
      status => 204, after => $new,
      moved => { Judged => 1, PassedIfMatch => 1, Serialized => 1 } },
    { name => 'update with a stale If-Match: 412, still let through',
      method => 'PUT', uri => '/stats/a.txt', before => $old, body => $new,
      headers => ['If-Match' => '"stale"'], status => 412,
      after => 'unchanged',
      moved => { Judged => 1, PassedIfMatch => 1, Serialized => 1 } },
    { name => 'update with If-Unmodified-Since: Last-Modified',
      method => 'PUT', uri => '/stats/a.txt', before => $old, body => $new,
      headers => sub {
          [ 'If-Unmodified-Since' =>
            req(HEAD => '/stats/a.txt')->header('Last-Modified') ] },
      status => 204, after => $new,
      moved => { Judged => 1, PassedIfUnmodifiedSince => 1,
                 Serialized => 1 } },
    { name => 'update with If: the ETag', method => 'PUT',
      uri => '/stats/a.txt', before => $old, body => $new,
      headers => sub { ['If' => '([' . etag_of('/stats/a.txt') . '])'] },
      status => 204, after => $new,
      moved => { Judged => 1, PassedIf => 1, Serialized => 1 } },
    { name => 'COPY with Overwrite: F: the destination is judged',
      method => 'COPY', uri => '/stats/c.txt', before => $old,
      headers => sub { fresh_path('/stats/c2.txt');
                       [ Destination => "$base/stats/c2.txt",
                         Overwrite => 'F' ] },
      status => 201, after => 'unchanged',
      moved => { Judged => 1, PassedOverwrite => 1, Serialized => 1 } },
    { name => 'MOVE: source by If-Match, destination by Overwrite: F',
      method => 'MOVE', uri => '/stats/m.txt', before => $old,
      headers => sub { fresh_path('/stats/m2.txt');
                       [ 'If-Match' => etag_of('/stats/m.txt'),
                         Destination => "$base/stats/m2.txt",
                         Overwrite => 'F' ] },
      status => 201, after => 'absent',
      moved => { Judged => 2, PassedIfMatch => 1, PassedOverwrite => 1,
                 Serialized => 1 } },
    { name => 'MOVE without Overwrite: F: the destination is refused',
      method => 'MOVE', uri => '/stats/m.txt', before => $old,
      headers => sub { fresh_path('/stats/m2.txt');
                       [ 'If-Match' => etag_of('/stats/m.txt'),
                         Destination => "$base/stats/m2.txt" ] },
      status => 428, after => 'unchanged',
      moved => { Judged => 2, PassedIfMatch => 1, Refused => 1 } },
    { name => 'ReportOnly: unconditional PUT goes through', method => 'PUT',
      uri => '/stats/report/a.txt', before => $old, body => $new,
      status => 204, after => $new,
      moved => { Judged => 1, ReportOnly => 1, Serialized => 1 } },
    { name => 'GET: not judged, not counted', method => 'GET',
      uri => '/stats/report/a.txt', before => $old, status => 200,
      after => 'unchanged', moved => {} },
);
for my $c (@cases) {
    my $before = counters();
    run_cases($c);
    expect(delta($before, counters()), $c->{moved}, $c->{name});
}

# 3. Serialized writes that wait: the first PUT holds the lock until its
#    body is complete; the second, sent meanwhile, waits for it.
my $u = '/stats/wait.txt';
my $before;
my ($first, $second) = held_pair($u, '/rp-status',
                                 sub { $before = counters() });
sleep 0.4;
ok t_cmp(finish($first, "a\n"), 204, 'wait: the first write goes through');
ok t_cmp(finish($second), 412,
         'wait: the second one waited and saw the first one\'s change');
ok t_cmp(slurp($u), "aa\n", 'wait: the file is the first write');
my $after = counters();
my $d = delta($before, $after);
expect($d, { Judged => 2, PassedIfMatch => 2, Serialized => 2, Waited => 1 },
       'wait');
ok t_cmp($d->{WaitMicrosecondsTotal} >= 300_000 ? 1 : 0, 1,
         "wait: total wait grew by the time held ($d->{WaitMicrosecondsTotal} us)");
ok t_cmp($after->{WaitMicrosecondsMax} >= $d->{WaitMicrosecondsTotal} ? 1 : 0,
         1, "wait: the longest wait is at least this one "
            . "($after->{WaitMicrosecondsMax} us)");
ok t_cmp($d->{WaitMicrosecondsTotal} < 5_000_000 ? 1 : 0, 1,
         'wait: and less than the timeout');

# 4. A write that gives up waiting: 503, counted as a timeout.
$u = '/stats/short/t.txt';
($first, $second) = held_pair($u, '/rp-status',
                              sub { $before = counters() });
ok t_cmp(finish($second), 503, 'timeout: the second write gets 503');
ok t_cmp(finish($first, "a\n"), 204, 'timeout: the first one goes through');
$after = counters();
$d = delta($before, $after);
expect($d, { Judged => 2, PassedIfMatch => 2, Serialized => 1,
             Timeouts => 1 }, 'timeout');
ok t_cmp($d->{WaitMicrosecondsTotal}, 0, 'timeout: not a wait that ended');

# 5. Many writes from many connections (children and threads alike).
$before = counters();
my $n = 40;
my @socks;
for my $i (1 .. $n) {
    put_disk("/stats/many-$i.txt", "v1\n");    # a DELETE of nothing: 404
    my $s = IO::Socket::INET->new(
        PeerAddr => Apache::TestRequest::hostport(), Proto => 'tcp',
        Timeout => 5) or die "connect: $!";
    print $s "DELETE /stats/many-$i.txt HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n";
    push @socks, $s;
}
my $refused = grep { finish($_) eq '428' } @socks;
ok t_cmp($refused, $n, "many: $n refusals");
$d = delta($before, counters());
expect($d, { Judged => $n, Refused => $n }, 'many');

# 6. A graceful restart keeps the counts.
if ($graceful) {
    my $gen = sub {
        my ($g) = raw_get('/rp-status?auto')->[2] =~ /^ParentServerConfigGeneration: (\d+)$/m;
        return $g // -1;
    };
    my $g0 = $gen->();
    $before = counters();
    open my $fh, '<', Apache::Test::vars('t_logs') . '/httpd.pid' or die $!;
    chomp(my $pid = <$fh>);
    kill 'USR1', $pid;
    my $g1 = $g0;
    for (1 .. 100) {
        sleep 0.1;
        $g1 = eval { $gen->() } // -1;
        last if $g1 > $g0;
    }
    ok t_cmp($g1 > $g0 ? 1 : 0, 1, "graceful restart done ($g0 -> $g1)");
    $after = counters();
    expect(delta($before, $after), {}, 'graceful restart');
    ok t_cmp($after->{Judged} >= $n ? 1 : 0, 1,
             'graceful restart: the counts are still there');
}
