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

# RequirePreconditionSerialize: a write holds its resource from before the
# precondition is evaluated until the response is complete, so a second
# writer with the same ETag sees the first one's result (412) instead of
# overwriting it.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes qw(time sleep);
use RPTest;

plan tests => 51, need_module 'dav';

# Open a connection and send a PUT's head and the first part of its body.
sub begin_put {
    my ($uri, $headers, $first, $total) = @_;
    my $sock = IO::Socket::INET->new(
        PeerAddr => Apache::TestRequest::hostport(), Proto => 'tcp',
        Timeout => 5) or die "connect: $!";
    $sock->autoflush(1);
    my $h = join '', map { "$headers->[2*$_]: $headers->[2*$_+1]\r\n" }
        0 .. @$headers / 2 - 1;
    print $sock "PUT $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . "Content-Length: $total\r\n$h\r\n$first";
    return $sock;
}

# Has the server answered on $sock within $secs?
sub answered {
    my ($sock, $secs) = @_;
    return IO::Select->new($sock)->can_read($secs) ? 1 : 0;
}

# Send the rest of the body (if any) and read the response to the end.
sub finish {
    my ($sock, $rest) = @_;
    print $sock $rest if defined $rest && length $rest;
    my $got = '';
    while (IO::Select->new($sock)->can_read(10)) {
        my $n = sysread($sock, my $buf, 65536);
        last unless $n;
        $got .= $buf;
    }
    close $sock;
    my ($r) = parse_responses($got);
    return $r || ['none', '', ''];
}

my $etag_hdr = sub { ['If-Match' => etag_of(shift)] };

# 1. The control: without serialization both writers with the same ETag
#    win, and the first write is lost.
my $u = '/dav/core/race-control.txt';
put_disk($u, "v1\n");
my $tag = $etag_hdr->($u);
my $a = begin_put($u, $tag, 'AAAA', 8);
sleep 0.3;
my $b = begin_put($u, $tag, 'BBBBbbbb', 8);
ok t_cmp(answered($b, 3), 1, 'no serialization: B is answered at once');
my $rb = finish($b);
my $ra = finish($a, 'aaaa');
ok t_cmp($rb->[0], 204, 'no serialization: B wins');
ok t_cmp($ra->[0], 204, 'no serialization: A wins too (a lost update)');

# 2. Serialized: B waits for A, then sees A's new ETag and gets 412.
$u = '/dav/serial/w.txt';
put_disk($u, "v1\n");
$tag = $etag_hdr->($u);
$a = begin_put($u, $tag, 'AAAA', 8);
sleep 0.3;
my $t0 = time;
$b = begin_put($u, $tag, 'BBBBbbbb', 8);
ok t_cmp(answered($b, 1.5), 0, 'serialized: B waits while A holds the lock');
$ra = finish($a, 'aaaa');
$rb = finish($b);
ok t_cmp($ra->[0], 204, 'serialized: A wins');
ok t_cmp($rb->[0], 412, 'serialized: B then gets httpd\'s 412');
ok t_cmp(slurp($u), 'AAAAaaaa', 'serialized: A\'s write is kept');
ok t_cmp(time - $t0 >= 1.4 ? 1 : 0, 1, 'serialized: B waited');

# 2b. FileETag MTime Size: the ETag B is checked against is made after B
#     got the lock, not from what httpd saw of the file before it waited.
$u = '/race/mtime-on/w.txt';
my $path = put_disk($u, "v1\n");
utime time - 3600, time - 3600, $path;      # a strong MTime ETag
$tag = $etag_hdr->($u);
ok t_cmp($tag->[1], qr/^"/, 'MTime Size: a strong ETag to start from');
$a = begin_put($u, $tag, 'AAAA', 8);
sleep 0.3;
$b = begin_put($u, $tag, 'BBBBbbbb', 8);
ok t_cmp(answered($b, 1), 0, 'MTime Size: B waits');
$ra = finish($a, 'aaaa');
$rb = finish($b);
ok t_cmp($ra->[0], 204, 'MTime Size: A wins');
ok t_cmp($rb->[0], 412, 'MTime Size: B sees A\'s write and gets 412');
ok t_cmp(slurp($u), 'AAAAaaaa', 'MTime Size: A\'s write is kept');

# 3. The wait has a limit: 503 with Retry-After.
$u = '/dav/serial/short/t.txt';
put_disk($u, "v1\n");
$tag = $etag_hdr->($u);
$a = begin_put($u, $tag, 'AAAA', 8);
sleep 0.3;
$t0 = time;
$b = begin_put($u, $tag, 'BBBBbbbb', 8);
$rb = finish($b);
my $waited = time - $t0;
ok t_cmp($rb->[0], 503, 'timeout: 503');
ok t_cmp(slurp($u), "v1\n", 'timeout: nothing written by the time of the 503');
ok t_cmp($rb->[1], qr/^Retry-After: 1\r?$/mi, 'timeout: Retry-After');
ok t_cmp($waited >= 0.7 && $waited < 4 ? 1 : 0, 1,
         sprintf('timeout: after about 0.8 s (%.2f s)', $waited));
$ra = finish($a, 'aaaa');
ok t_cmp($ra->[0], 204, 'timeout: A, which held the lock, is not hurt');
ok t_cmp(slurp($u), 'AAAAaaaa', 'timeout: B wrote nothing');

# 4. A client that aborts mid-upload releases the lock at once.
$u = '/dav/serial/short/abort.txt';
put_disk($u, "v1\n");
$tag = $etag_hdr->($u);
$a = begin_put($u, $tag, 'AAAA', 8);
sleep 0.3;
close $a;
$t0 = time;
$rb = finish(begin_put($u, $tag, 'BBBBbbbb', 8));
ok t_cmp($rb->[0], 204, 'abort: the next writer gets the lock');
ok t_cmp(time - $t0 < 0.8 ? 1 : 0, 1, 'abort: without waiting it out');
ok t_cmp(slurp($u), 'BBBBbbbb', 'abort: and writes');

# 5. Different resources do not wait for each other.
$a = begin_put('/dav/serial/x1.txt', ['If-Match' => '*'], 'AAAA', 8);
put_disk('/dav/serial/x1.txt', "v1\n");
sleep 0.3;
fresh_path('/dav/serial/x2.txt');
$b = begin_put('/dav/serial/x2.txt', ['If-None-Match' => '*'], 'BBBBbbbb', 8);
ok t_cmp(answered($b, 1.5), 1, 'another resource: answered at once');
ok t_cmp(finish($b)->[0], 201, 'another resource: written');
finish($a, 'aaaa');

# 6. Reads, and refusals with 428, take no lock.
$u = '/dav/serial/g.txt';
put_disk($u, "v1\n");
$a = begin_put($u, ['If-Match' => '*'], 'AAAA', 8);
sleep 0.3;
$t0 = time;
my $res = req(GET => $u);
ok t_cmp($res->code, 200, 'a GET during a held lock');
ok t_cmp(time - $t0 < 1 ? 1 : 0, 1, 'a GET does not wait');
$t0 = time;
$res = req(PUT => $u, [], 'x');
ok t_cmp($res->code, 428, 'an unconditional PUT during a held lock: 428');
ok t_cmp(time - $t0 < 1 ? 1 : 0, 1, 'a 428 does not wait');
ok t_cmp(finish($a, 'aaaa')->[0], 204, 'the lock holder finishes');

# 7. It works with RequirePrecondition Off too.
$u = '/dav/serial/unguarded/u.txt';
put_disk($u, "v1\n");
$a = begin_put($u, [], 'AAAA', 8);
sleep 0.3;
$b = begin_put($u, [], 'BBBBbbbb', 8);
ok t_cmp(answered($b, 1.5), 0, 'RequirePrecondition Off: B still waits');
ok t_cmp(finish($a, 'aaaa')->[0], 204, 'RequirePrecondition Off: A');
ok t_cmp(finish($b)->[0], 204, 'RequirePrecondition Off: B after A');
ok t_cmp(slurp($u), 'BBBBbbbb', 'RequirePrecondition Off: B wrote last');

# 8. A handler error releases the lock too.
$u = '/dav/serial/short/no-such-dir/x.txt';
$res = req(PUT => $u, ['If-None-Match' => '*'], 'x');
ok t_cmp($res->code, 409, 'handler error: 409');
$t0 = time;
$res = req(PUT => $u, ['If-None-Match' => '*'], 'x');
ok t_cmp($res->code, 409, 'handler error: the next one is not locked out');
ok t_cmp(time - $t0 < 0.8 ? 1 : 0, 1, 'handler error: no wait');

# 9. A child killed while it holds a lock releases it. Not when the server
#    is one process (make valgrind sets RP_SINGLE_PROCESS): that process is
#    the server, and killing it would end the run.
$u = '/dav/serial/short/kill.txt';
put_disk($u, "v1\n");
$tag = $etag_hdr->($u);
my $mark = log_lines('error_log');
if ($ENV{RP_SINGLE_PROCESS}) {
    skip('one server process: no child to kill', 0) for 1 .. 6;
    # Section 11 looks for a serialized write after $mark.
    finish(begin_put($u, $tag, 'CCCCcccc', 8));
}
else {
    $a = begin_put($u, $tag, 'AAAA', 8);
    my ($line) = wait_for_log('error_log', $mark,
                              qr{PUT /dav/serial/short/kill\.txt: serialized});
    my ($pid) = ($line || '') =~ /\[pid (\d+)/;
    ok t_cmp($pid, qr/^\d+$/, 'kill: the debug line names the child');
    ok t_cmp(kill(KILL => $pid), 1, 'kill: the child holding the lock is killed');
    close $a;
    sleep 0.3;
    $t0 = time;
    $rb = finish(begin_put($u, $tag, 'BBBBbbbb', 8));
    ok t_cmp($rb->[0], 204, 'kill: the next writer gets the lock');
    ok t_cmp(time - $t0 < 0.8 ? 1 : 0, 1, 'kill: without waiting it out');
    ok t_cmp(slurp($u), 'BBBBbbbb', 'kill: and writes');
    ok t_cmp(req(GET => '/errors/428.html')->code, 200, 'the server still serves');
}

# 10. The lock is the file's: an Alias gives the same file a second URL.
$u = '/dav/serial/alias.txt';
put_disk($u, "v1\n");
$a = begin_put($u, ['If-Match' => '*'], 'AAAA', 8);
sleep 0.3;
$b = begin_put('/serial-alias/alias.txt', ['If-Match' => '*'], 'BBBBbbbb', 8);
ok t_cmp(answered($b, 1.5), 0, 'one file, two URLs (Alias): B waits');
ok t_cmp(finish($a, 'aaaa')->[0], 204, 'one file, two URLs: A');
ok t_cmp(finish($b)->[0], 204, 'one file, two URLs: B after A');
ok t_cmp(slurp($u), 'BBBBbbbb', 'one file, two URLs: B wrote last');

# 11. A write redirected internally to the same resource does not wait for
#     the lock its own request holds.
$t0 = time;
$res = req(PUT => '/serial-redirect/x.txt', ['If-Match' => '*'], 'x');
ok t_cmp($res->code, 200, 'redirect to the same resource: no 503');
ok t_cmp($res->content, "inner\n", 'redirect to the same resource: served');
ok t_cmp(time - $t0 < 0.7 ? 1 : 0, 1, 'redirect to the same resource: no wait');

# 12. The debug line says how long the lock took.
ok t_cmp(join('', log_lines('error_log', $mark)),
         qr{require_precondition:debug.*serialized: lock taken after \d+ ms},
         'debug line for a serialized write');
ok t_cmp(join('', log_lines('error_log', 0)),
         qr{require_precondition:warn.*503: another write to this resource held it for longer than 800 ms},
         'warning for a 503');
