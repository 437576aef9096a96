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

# Serialization edge cases an adversarial review found (each fixed): a
# COPY or DELETE from a location without Serialize onto or above a
# serialized resource, If-Unmodified-Since compared after the wait, a
# per-directory RewriteRule into a serialized store, and a front controller
# reached through RewriteRule [PT].
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
use HTTP::Date qw(time2str);
use RPTest;

my $hp = Apache::TestRequest::hostport();
my $docroot = Apache::Test::vars('documentroot');

sub begin_req {
    my (%o) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $hp, Proto => 'tcp', Timeout => 5)
        or die "connect: $!";
    $sock->autoflush(1);
    my $body = defined $o{body} ? $o{body} : '';
    my $now = defined $o{send} ? substr($body, 0, $o{send}) : $body;
    my @h = @{ $o{headers} || [] };
    my $h = join '', map { "$h[2*$_]: $h[2*$_+1]\r\n" } 0 .. @h / 2 - 1;
    print $sock "$o{method} $o{uri} HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\nContent-Length: " . length($body) . "\r\n$h\r\n$now";
    return [$sock, substr($body, length $now)];
}
sub answered { my ($s, $t) = @_; IO::Select->new($s->[0])->can_read($t) ? 1 : 0 }
sub finish {
    my $s = shift;
    return finish_response(@$s)->[0];
}

plan tests => 17, need_module 'dav';

# A. If-Unmodified-Since after a wait: r->mtime is the pre-lock one.
{
    my $u = '/dav/zr/ius.txt';
    my $p = put_disk($u, "v1\n");
    utime time - 3600, time - 3600, $p;
    my $lm = req(GET => $u)->header('Last-Modified');
    my $a = begin_req(method => 'PUT', uri => $u, headers => ['If-Unmodified-Since' => $lm],
                      body => 'AAAAaaaa', send => 4);
    sleep 0.3;
    my $b = begin_req(method => 'PUT', uri => $u, headers => ['If-Unmodified-Since' => $lm],
                      body => 'BBBBbbbb');
    ok t_cmp(answered($b, 1), 0, 'A: B waits');
    my $sa = finish($a);
    my $sb = finish($b);
    ok t_cmp($sa, 204, 'A: holder 204');
    ok t_cmp($sb, 412, 'A: B (same If-Unmodified-Since) must get 412');
    ok t_cmp(slurp($u), 'AAAAaaaa', 'A: holder\'s write kept');
}

# B. COPY from a location without Serialize onto a serialized document.
{
    my $u = '/dav/zr/cp.txt';
    put_disk($u, "v1\n");
    put_disk('/dav/zrplain/src.txt', "src\n");
    my $e = etag_of($u);
    my $a = begin_req(method => 'PUT', uri => $u, headers => ['If-Match' => $e],
                      body => 'AAAAaaaa', send => 4);
    sleep 0.3;
    my $b = begin_req(method => 'COPY', uri => '/dav/zrplain/src.txt',
                      headers => [Destination => "http://$hp$u", Overwrite => 'T',
                                  If => "<http://$hp$u> ([$e])"]);
    ok t_cmp(answered($b, 1), 0, 'B: COPY onto a held document waits');
    my $sa = finish($a);
    my $sb = finish($b);
    ok t_cmp("$sa $sb", qr/^(204 412|412 204)$/, 'B: only one of PUT/COPY with the same ETag wins');
}

# C. Per-directory rewrite (internal redirect) onto the serialized store.
{
    mkdir "$docroot/zrw";
    my $u = '/dav/zr/rw.txt';
    put_disk($u, "v1\n");
    my $e = etag_of($u);
    my $a = begin_req(method => 'PUT', uri => $u, headers => ['If-Match' => $e],
                      body => 'AAAAaaaa', send => 4);
    sleep 0.3;
    my $b = begin_req(method => 'PUT', uri => '/zrw/rw.txt', headers => ['If-Match' => $e],
                      body => 'BBBBbbbb');
    ok t_cmp(answered($b, 1), 0, 'C: write through a rewrite waits');
    my $sa = finish($a);
    my $sb = finish($b);
    ok t_cmp("$sa $sb", '204 412', 'C: only one wins');
}

# D. DELETE of the parent collection of a serialized folder.
{
    my $u = '/dav/zranc/sub/m.txt';
    put_disk($u, "v1\n");
    my $a = begin_req(method => 'PUT', uri => $u, headers => ['If-Match' => '*'],
                      body => 'AAAAaaaa', send => 4);
    sleep 0.3;
    my $b = begin_req(method => 'DELETE', uri => '/dav/zranc/');
    ok t_cmp(answered($b, 1), 0, 'D: DELETE of the ancestor waits');
    my $sa = finish($a);
    my $sb = finish($b);
    ok t_cmp($sa, qr/^20[14]$/, "D: the member write is not failed (DELETE $sb)");
}

# E. A timed-out wait, then more requests on the same keep-alive connection.
{
    my $u = '/dav/zr/to.txt';
    put_disk($u, "v1\n");
    my $a = begin_req(method => 'PUT', uri => $u, headers => ['If-Match' => '*'],
                      body => 'AAAAaaaa', send => 4);
    sleep 0.3;
    my $t0 = time;
    my $r = req(PUT => $u, ['If-Match' => '*'], 'B');
    my $w = time - $t0;
    ok t_cmp($r->code, 503, 'E: timeout 503');
    ok t_cmp($r->header('Retry-After'), qr/^\d+$/, 'E: Retry-After');
    ok t_cmp($w > 2.5 && $w < 4.5 ? 1 : 0, 1, sprintf 'E: about 3 s (%.2f)', $w);
    finish($a);
    # many quick serialized writes afterwards: no stray signal/EINTR
    my $bad = 0;
    for my $i (1 .. 40) {
        my $c = req(PUT => "/dav/zr/after$i.txt", ['If-None-Match' => '*'], 'x')->code;
        $bad++ unless $c == 201 || $c == 204;
    }
    ok t_cmp($bad, 0, 'E: writes after a timeout are fine');
}

# F. Server-context RewriteRule [PT] to a front controller: two URLs.
{
    my $a = begin_req(method => 'PUT', uri => '/zpt/items/1', body => 'AAAAaaaa', send => 4);
    sleep 0.3;
    my $b = begin_req(method => 'PUT', uri => '/zpt/items/2', body => 'BBBBbbbb');
    ok t_cmp(answered($b, 1), 1, 'F: /zpt/items/2 does not wait for /zpt/items/1');
    finish($b); finish($a);
}

# G. COPY and MOVE of a collection onto a member of itself, while a member
#    is being written: no deadlock, answered by the timeout at the latest.
{
    put_disk('/dav/zr/self/m.txt', "v1\n");
    my $a = begin_req(method => 'PUT', uri => '/dav/zr/self/m.txt', headers => ['If-Match' => '*'],
                      body => 'AAAAaaaa', send => 4);
    sleep 0.3;
    my $t0 = time;
    my $b = begin_req(method => 'COPY', uri => '/dav/zr/self/',
                      headers => [Destination => "http://$hp/dav/zr/self/sub/", Depth => 'infinity']);
    my $c = begin_req(method => 'MOVE', uri => '/dav/zr/self/',
                      headers => [Destination => "http://$hp/dav/zr/self/sub2/"]);
    sleep 0.5;
    my $sa = finish($a);
    my ($sb, $sc) = (finish($b), finish($c));
    ok t_cmp($sa, 204, "G: the member write (COPY $sb, MOVE $sc)");
    ok t_cmp(time - $t0 < 2.5 ? 1 : 0, 1, sprintf 'G: no timeout (%.2f s)', time - $t0);
}
