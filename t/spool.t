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

# The spool: a serialized write's body is read before its locks, so a slow
# uploader holds nothing; a write whose precondition fails already gets its
# 412 before any byte of its body (no 100 Continue) when an upload is still
# to come (Expect, chunked, over 64 KiB), and a small stale body the
# handler's 412; the handler (mod_dav, CGI, mod_proxy) gets exactly the
# bytes the client sent.
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

my $mpm = Apache::Test::config()->{server}->{mpm} || '';
my $have_h2 = `curl -V 2>/dev/null` =~ /\bHTTP2\b/ && have_module('http2')
              && $mpm ne 'prefork';
my $have_proxy = have_module('proxy_http') ? 1 : 0;
my $spool_dir = Apache::Test::vars('documentroot') . '/spool-dir';

# ---- Helpers ------------------------------------------------------------

# The spool counters from /rp-status?auto.
sub spooled {
    my ($r) = parse_responses(raw_exchange(
        "GET /rp-status?auto HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n"));
    my %c;
    for (split /\n/, $r ? $r->[2] : '') {
        $c{$1} = $2 if /^RequirePrecondition(\w+): (\d+)$/;
    }
    return \%c;
}

# Open a connection and send $head: [socket].
sub open_req {
    my $head = shift;
    my $sock = IO::Socket::INET->new(
        PeerAddr => Apache::TestRequest::hostport(), Proto => 'tcp',
        Timeout => 5) or die "connect: $!";
    $sock->autoflush(1);
    print $sock $head;
    return $sock;
}

# The head of a PUT of $total bytes, sent later.
sub put_head {
    my ($uri, $total, @h) = @_;
    my $h = join '', map { "$h[2*$_]: $h[2*$_+1]\r\n" } 0 .. @h / 2 - 1;
    return "PUT $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . "Content-Length: $total\r\n$h\r\n";
}

# How many spool files are open (unlinked) in a process of the server.
sub open_spool_files {
    my $n = 0;
    for my $fd (glob '/proc/[0-9]*/fd/*') {
        my $to = readlink $fd;
        $n++ if defined $to && $to =~ m{^\Q$spool_dir\E/rp-spool\.\S+ \(deleted\)$};
    }
    return $n;
}

# Spool files left on disk.
sub spool_files_on_disk { my @f = glob "$spool_dir/rp-spool*"; return scalar @f }

# A read-modify-write of $uri to $content: [status, seconds].
# Only the PUT is timed: under prefork (Apache::Test starts one child, at
# most three) the GET may wait up to a second for a child to be forked
# while the slow upload holds one; that is the MPM, not the lock. The PUT
# then finds the GET's child free.
sub rmw {
    my ($uri, $content) = @_;
    my $etag = etag_of($uri);
    my $t0 = time;
    my $res = req(PUT => $uri, ['If-Match' => $etag], $content);
    return [$res->code, time - $t0];
}

# ---- 1. The cases as data -----------------------------------------------
#
# Each: uri, headers (code: they may need the file's ETag), body, mode
# (cl, chunked, http10), before (undef: no file), status, after ('unchanged'
# or the content; for a CGI, `echo`: what it must answer), spooled (the
# count of spooled writes added), bytes (the spooled bytes added: a number
# or a code that judges it).

my $cur = sub { ['If-Match' => etag_of($_[0]{uri})] };
my $big = join '', map { chr(($_ * 7) % 251) } 0 .. 299_999;
my $doc = '/dav/spool/t.txt';
# A current If-Match PUT over "old\n" that goes through: 204, the body on
# disk; spooled (1 or 0) and bytes spooled, and any other field.
sub written {
    my ($name, $uri, $body, $spooled, $bytes, %more) = @_;
    return { name => $name, uri => $uri, headers => $cur, body => $body,
             before => "old\n", status => 204, after => $body,
             spooled => $spooled, bytes => $bytes, %more };
}
my @cases = (
    written('small body: in memory', $doc, 'a' x 1000, 1, 1000),
    written('body over 64 KiB: in a file', $doc, substr($big, 0, 200_000),
            1, 200_000),
    written('chunked body', $doc, substr($big, 0, 150_000), 1, 150_000,
            mode => 'chunked'),
    written('HTTP/1.0 body', $doc, 'b' x 5000, 1, 5000, mode => 'http10'),
    { name => 'create with If-None-Match: *', uri => $doc,
      headers => ['If-None-Match' => '*'], body => 'new', before => undef,
      status => 201, after => 'new', spooled => 1, bytes => 3 },
    # Judged before the upload where one is still to come: a body over
    # the 64 KiB the spool keeps in memory, or chunked (of unknown size).
    { name => 'stale If-Match: 412, body not read', uri => $doc,
      headers => ['If-Match' => '"stale"'], body => 'c' x 100_000,
      before => "old\n", status => 412, after => 'unchanged', spooled => 0,
      bytes => 0 },
    { name => 'If-None-Match: * over a file: 412, body not read', uri => $doc,
      headers => ['If-None-Match' => '*'], body => 'c' x 100_000,
      before => "old\n", status => 412, after => 'unchanged', spooled => 0,
      bytes => 0 },
    { name => 'old If-Unmodified-Since: 412, body not read', uri => $doc,
      headers => ['If-Unmodified-Since' => 'Sat, 01 Jan 2000 00:00:00 GMT'],
      body => 'c' x 100_000, before => "old\n", status => 412,
      after => 'unchanged', spooled => 0, bytes => 0 },
    { name => 'If-Match of a file that is not there: 412', uri => $doc,
      headers => ['If-Match' => '"gone"'], body => 'c' x 100_000,
      before => undef, status => 412, after => 'unchanged', spooled => 0,
      bytes => 0 },
    { name => 'stale If-Match, chunked: 412, body not read', uri => $doc,
      headers => ['If-Match' => '"stale"'], mode => 'chunked', chunk => 500,
      body => 'c' x 1000, before => "old\n", status => 412,
      after => 'unchanged', spooled => 0, bytes => 0 },
    # A small body came with the headers: read into memory, then the
    # handler's own 412 under the lock (not a second look at the file).
    { name => 'stale If-Match, small body: the handler\'s 412', uri => $doc,
      headers => ['If-Match' => '"stale"'], body => 'c' x 1000,
      before => "old\n", status => 412, after => 'unchanged', spooled => 1,
      bytes => 1000 },
    { name => 'If-None-Match: * over a file, small body: the handler\'s 412',
      uri => $doc, headers => ['If-None-Match' => '*'], body => 'c' x 1000,
      before => "old\n", status => 412, after => 'unchanged', spooled => 1,
      bytes => 1000 },
    { name => 'stale If-Match, 64 KiB: in memory, the handler\'s 412',
      uri => $doc, headers => ['If-Match' => '"stale"'],
      body => 'c' x 65_536, before => "old\n", status => 412,
      after => 'unchanged', spooled => 1, bytes => 65_536 },
    { name => 'stale If-Match, 64 KiB and a byte: 412, body not read',
      uri => $doc, headers => ['If-Match' => '"stale"'],
      body => 'c' x 65_537, before => "old\n", status => 412,
      after => 'unchanged', spooled => 0, bytes => 0 },
    { name => 'If-Match of a file that is not there, small body: 412',
      uri => $doc, headers => ['If-Match' => '"gone"'], body => 'c' x 1000,
      before => undef, status => 412, after => 'unchanged', spooled => 1,
      bytes => 1000 },
    written('a body at RequirePreconditionSpoolLimit: spooled',
            '/dav/spool/small/t.txt', 'd' x 1000, 1, 1000),
    written('one byte over the limit: locked before the upload',
            '/dav/spool/small/t.txt', 'e' x 1001, 0, 0),
    { name => 'chunked over the limit: what was read, then the rest',
      uri => '/dav/spool/small/t.txt', headers => $cur, mode => 'chunked',
      chunk => 500, body => substr($big, 0, 3000), before => "old\n",
      status => 204, after => substr($big, 0, 3000), spooled => 1,
      bytes => sub { $_[0] > 1000 && $_[0] < 3000 } },
    { name => 'LimitRequestBody: 413', uri => '/dav/spool/lrb/t.txt',
      headers => $cur, body => 'f' x 2000, before => "old\n", status => 413,
      after => 'unchanged', spooled => 0, bytes => 0 },
    { name => 'LimitRequestBody, chunked: 413', uri => '/dav/spool/lrb/t.txt',
      headers => $cur, mode => 'chunked', chunk => 500, body => 'f' x 2000,
      before => "old\n", status => 413, after => 'unchanged', spooled => 0,
      bytes => 0 },
    written('RequirePreconditionSpoolLimit 0: not spooled',
            '/dav/spool/off/t.txt', 'g' x 5000, 0, 0),
    # The handler gets what it gets without the module (`plain`: the same
    # request where nothing is serialized): the framing headers as sent.
    { name => 'CGI, chunked: the framing and bytes as without the module',
      uri => '/spool-cgi/echo.cgi', plain => '/spool-backend/echo.cgi',
      headers => [], mode => 'chunked', body => substr($big, 0, 100_000),
      status => 200, spooled => 1, bytes => 100_000 },
    { name => 'CGI, 300 kB: CONTENT_LENGTH and the exact bytes',
      uri => '/spool-cgi/echo.cgi', plain => '/spool-backend/echo.cgi',
      headers => [], body => $big, status => 200,
      echo => "CL=300000 TE=\n$big", spooled => 1, bytes => 300_000 },
    ($have_proxy ? (
    { name => 'ProxyPass, chunked: as without the module',
      uri => '/spool-proxied/echo.cgi', plain => '/spool-plain/echo.cgi',
      headers => [], mode => 'chunked', body => substr($big, 0, 100_000),
      status => 200, spooled => 1, bytes => 100_000 },
    { name => 'ProxyPass, 300 kB: the exact bytes',
      uri => '/spool-proxied/echo.cgi', plain => '/spool-plain/echo.cgi',
      headers => [], body => $big, status => 200,
      echo => "CL=300000 TE=\n$big", spooled => 1, bytes => 300_000 },
    ) : ()),
);

plan tests => 4 * @cases + 6 + 9 + 6 + 4 + ($have_h2 ? 6 : 0),
    need_module 'dav', 'status';

for my $c (@cases) {
    my $file = $c->{uri};
    if ($c->{plain} && !defined $c->{echo}) {
        my ($p) = parse_responses(raw_exchange(
            raw_request(PUT => $c->{plain}, $c->{headers}, $c->{body},
                        mode => $c->{mode}, chunk => $c->{chunk})));
        $c->{echo} = $p ? $p->[2] : 'no answer without the module';
    }
    if (!$c->{echo}) {
        defined $c->{before} ? put_disk($file, $c->{before})
                             : fresh_path($file);
    }
    my $headers = ref $c->{headers} eq 'CODE' ? $c->{headers}->($c)
                                              : $c->{headers};
    my $c0 = spooled();
    my ($r) = parse_responses(raw_exchange(
        raw_request(PUT => $c->{uri}, $headers, $c->{body},
                    mode => $c->{mode}, chunk => $c->{chunk})));
    $r ||= ['none', '', ''];
    my $c1 = spooled();
    ok t_cmp($r->[0], $c->{status}, "$c->{name}: status");
    if ($c->{echo}) {
        ok t_cmp($r->[2] eq $c->{echo} ? 'same' : substr($r->[2], 0, 40),
                 'same', "$c->{name}: the handler got the exact body");
    }
    else {
        my $want = $c->{after} eq 'unchanged' ? $c->{before} : $c->{after};
        my $got = slurp($file);
        ok t_cmp((defined $got && defined $want && $got eq $want)
                 || (!defined $got && !defined $want) ? 'as expected'
                 : 'differs', 'as expected', "$c->{name}: file");
    }
    my $n = ($c1->{Spooled} // 0) - ($c0->{Spooled} // 0);
    my $b = ($c1->{SpooledBytes} // 0) - ($c0->{SpooledBytes} // 0);
    ok t_cmp($n, $c->{spooled}, "$c->{name}: spooled writes counted");
    my $bytes_ok = ref $c->{bytes} ? $c->{bytes}->($b) : $b == $c->{bytes};
    ok t_cmp($bytes_ok ? $b : "$b (unexpected)", $b,
             "$c->{name}: spooled bytes counted");
}

# ---- 2. Expect: 100-continue --------------------------------------------

# The status line of the first response head the server sends within 3 s
# (a 100 Continue or the final one), read to its end.
sub first_line {
    my $sock = shift;
    my $head = '';
    while (IO::Select->new($sock)->can_read(3)) {
        my $n = sysread($sock, my $buf, 1);
        last unless $n;
        $head .= $buf;
        last if $head =~ /\r\n\r\n\z/;
    }
    my ($line) = $head =~ /\A([^\r\n]*)/;
    return $line;
}

put_disk($doc, "old\n");
my $sock = open_req(put_head($doc, 100_000, 'If-Match' => '"stale"',
                             'Expect' => '100-continue'));
ok t_cmp(first_line($sock), qr{^HTTP/1\.1 412 },
         'stale If-Match with Expect: 412 first, no 100 Continue');
close $sock;
ok t_cmp(slurp($doc), "old\n", 'stale If-Match with Expect: file unchanged');
# A small body too: the client waits for the 100, so the 412 spares it.
my $s0 = spooled();
$sock = open_req(put_head($doc, 1000, 'If-Match' => '"stale"',
                          'Expect' => '100-continue'));
ok t_cmp(first_line($sock), qr{^HTTP/1\.1 412 },
         'stale If-Match with Expect, 1000 bytes: 412 first, no 100');
close $sock;
ok t_cmp(spooled()->{Spooled} - $s0->{Spooled}, 0,
         'stale If-Match with Expect, 1000 bytes: nothing spooled');
$sock = open_req(put_head($doc, 100_000, 'If-Match' => etag_of($doc),
                          'Expect' => '100-continue'));
ok t_cmp(first_line($sock), qr{^HTTP/1\.1 100 },
         'current If-Match with Expect: 100 Continue when the spool reads');
ok t_cmp(finish_response($sock, 'h' x 100_000)->[0], 204,
         'current If-Match with Expect: then 204');

# ---- 3. A slow uploader holds nothing -----------------------------------
#
# The slow upload starts current (its If-Match is the ETag of the moment),
# sends 200 kB over about 2 s (the serialize timeout is 2 s); three
# read-modify-write updates of the same document run meanwhile.

put_disk($doc, "v0\n");
my $w0 = spooled();
$sock = open_req(put_head($doc, 200_000, 'If-Match' => etag_of($doc)));
my (@fast, $seen_file, $early);
for my $i (1 .. 10) {
    print $sock 'S' x 20_000;
    sleep 0.2;
    $seen_file = open_spool_files() if $i == 5;
    if ($i % 3 == 0) {
        push @fast, rmw($doc, "fast $i\n");
        $early ||= IO::Select->new($sock)->can_read(0) ? 1 : 0;
    }
}
my $slow = finish_response($sock);
my $w1 = spooled();
for my $k (0 .. 2) {
    ok t_cmp("$fast[$k][0] " . ($fast[$k][1] < 1 ? 'at once' : "$fast[$k][1] s"),
             '204 at once', "writer " . ($k + 1) . " during the slow upload");
}
ok t_cmp($early, 0, 'the slow upload was not answered while they wrote');
ok t_cmp($seen_file, 1, 'the slow upload spooled into an unlinked file');
ok t_cmp($slow->[0], 412, 'the slow upload, stale when complete: 412');
ok t_cmp(slurp($doc), "fast 9\n", 'the slow upload did not land');
# A write may meet the one before it still releasing its lock (a busy
# machine), but no wait comes near the 2 s upload: the lock wait counts
# the wait for the lock, never the upload.
my $waited_us = ($w1->{WaitMicrosecondsTotal} // 0)
                - ($w0->{WaitMicrosecondsTotal} // 0);
ok t_cmp($waited_us < 500_000 ? 'short' : "$waited_us us", 'short',
         'the writers\' lock waits: none for the upload');
ok t_cmp(($w1->{Timeouts} // 0) - ($w0->{Timeouts} // 0), 0, 'no 503');

# ---- 4. A client that gives up mid-upload -------------------------------

put_disk($doc, "before\n");
$sock = open_req(put_head($doc, 300_000, 'If-Match' => etag_of($doc)));
print $sock 'A' x 150_000;
sleep 0.5;
ok t_cmp(open_spool_files(), 1, 'mid-upload: the body is in a spool file');
close $sock;
sleep 0.5;
ok t_cmp(open_spool_files(), 0, 'after the disconnect: no spool file open');
ok t_cmp(spool_files_on_disk(), 0, 'no spool file left in the folder');
ok t_cmp(slurp($doc), "before\n", 'nothing of the abandoned body landed');
my $after = rmw($doc, "after\n");
ok t_cmp("$after->[0] " . ($after->[1] < 1 ? 'at once' : "$after->[1] s"),
         '204 at once', 'the next write: no lock left behind');
ok t_cmp(slurp($doc), "after\n", 'the next write landed');

# ---- 5. A spool that cannot be written ----------------------------------
#
# The spool folder closed (as a full or broken disk would refuse): a body
# that needs a file gets a 5xx, nothing is written, and no lock is held.

put_disk($doc, "kept\n");
chmod 0555, $spool_dir or die "chmod $spool_dir: $!";
my ($failed) = parse_responses(raw_exchange(
    raw_request(PUT => $doc, ['If-Match' => etag_of($doc)], 'F' x 100_000)));
chmod 0755, $spool_dir;
ok t_cmp($failed ? $failed->[0] : 'none', qr/^50[07]$/,
         'a spool that cannot be written: 500 or 507');
ok t_cmp(slurp($doc), "kept\n", 'a spool that cannot be written: nothing written');
$after = rmw($doc, "next\n");
ok t_cmp("$after->[0] " . ($after->[1] < 1 ? 'at once' : "$after->[1] s"),
         '204 at once', 'a spool that cannot be written: no lock held');
ok t_cmp(spool_files_on_disk(), 0, 'a spool that cannot be written: no file left');

# ---- 6. HTTP/2 (h2c) ----------------------------------------------------

if ($have_h2) {
    my $base = 'http://' . Apache::TestRequest::hostport();
    my $tmp = "$spool_dir/spool-h2-body";
    open my $fh, '>', $tmp or die "$tmp: $!";
    print $fh substr($big, 0, 100_000);
    close $fh;
    my $h2 = sub {
        my ($args, $stdin) = @_;
        my $out;
        for (1 .. 5) {
            $out = `curl -s -o /dev/null --http2-prior-knowledge -X PUT $args -w '%{http_code} %{http_version}' '$base$doc' $stdin`;
            last unless $? >> 8 == 92;
        }
        return $out;
    };
    # mod_http2 starts its workers with the child: wait for one answer.
    for (1 .. 50) {
        last if `curl -s -o /dev/null --http2-prior-knowledge -w '%{http_version}' '$base/dav/'` eq '2';
        sleep 0.1;
    }
    put_disk($doc, "old\n");
    my $e = etag_of($doc);
    ok t_cmp($h2->(qq(-H 'If-Match: $e' --data-binary \@$tmp), ''), '204 2',
             'h2: spooled write with Content-Length: 204');
    ok t_cmp(slurp($doc) eq substr($big, 0, 100_000) ? 1 : 0, 1,
             'h2: the exact bytes');
    $e = etag_of($doc);
    my $c0 = spooled();
    ok t_cmp($h2->(qq(-H 'If-Match: $e' -T -), "< $tmp"), '204 2',
             'h2: a body of unknown length: 204');
    ok t_cmp(slurp($doc) eq substr($big, 0, 100_000) ? 1 : 0, 1,
             'h2: unknown length: the exact bytes');
    ok t_cmp(spooled()->{Spooled} - $c0->{Spooled}, 1,
             'h2: unknown length: spooled');
    # A small body with its length: read into memory, then mod_dav's 412
    # (a body left unread gets its stream reset, and curl then reports
    # that instead of the 412: see t/h2.t).
    ok t_cmp($h2->(q(-H 'If-Match: "stale"' --data-binary stale), ''),
             '412 2', 'h2: stale If-Match: 412');
    unlink $tmp;
}
