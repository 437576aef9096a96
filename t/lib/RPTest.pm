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

package RPTest;
# Helpers shared by the topic files: requests through LWP or a raw socket,
# the files on disk behind the URIs, and table-driven cases that assert both
# the status and what the request did to the file.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use HTTP::Request ();
use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes qw(time sleep);
use Socket qw(SOL_SOCKET SO_SNDBUF);
use Exporter 'import';

our @EXPORT = qw(disk_path put_disk slurp req etag_of raw_exchange
                 parse_responses run_cases case_count log_lines
                 wait_for_log fresh_path upload finish_response begin_put
                 raw_get parse_metrics status_counters held_pair
                 raw_request);

sub disk_path {
    my $uri = shift;
    return Apache::Test::vars('documentroot') . $uri;
}

# Put a file behind $uri directly on disk (the server runs as we do).
sub put_disk {
    my ($uri, $content) = @_;
    my $path = disk_path($uri);
    make_path(dirname($path));
    open my $fh, '>', $path or die "$path: $!";
    binmode $fh;
    print $fh $content;
    close $fh;
    return $path;
}

# No file behind $uri, but its folder exists: ready for a create.
sub fresh_path {
    my $uri = shift;
    my $path = disk_path($uri);
    make_path(dirname($path));
    unlink $path;
    return $path;
}

# The file behind $uri, or undef when there is none.
sub slurp {
    my $path = disk_path(shift);
    open my $fh, '<', $path or return undef;
    binmode $fh;
    local $/;
    my $data = <$fh>;
    close $fh;
    return $data;
}

# One request through LWP: req(METHOD, URI, [header => value, ...], body).
sub req {
    my ($method, $uri, $headers, $content) = @_;
    my $ua = Apache::TestRequest::user_agent(reset => 1, keep_alive => 0);
    my $url = Apache::TestRequest::resolve_url($uri);
    my $r = HTTP::Request->new($method, $url, $headers || [],
                               defined $content ? $content : '');
    $r->header('Content-Length' => length($content))
        if defined $content && !defined $r->header('Content-Length');
    return $ua->request($r);
}

sub etag_of {
    my $uri = shift;
    my $res = req(GET => $uri);
    return $res->header('ETag');
}

# A request as raw bytes: $o{mode} cl (default), chunked (chunks of
# $o{chunk} bytes) or http10; $o{cl} a Content-Length as written.
sub raw_request {
    my ($method, $uri, $headers, $body, %o) = @_;
    my $mode = $o{mode} || 'cl';
    my $proto = $mode eq 'http10' ? 'HTTP/1.0' : 'HTTP/1.1';
    my $h = join '', map { "$headers->[2*$_]: $headers->[2*$_+1]\r\n" }
        0 .. @$headers / 2 - 1;
    my $framed = $body;
    if ($mode eq 'chunked') {
        my $n = $o{chunk} || 7000;
        $framed = join('', map { sprintf("%x\r\n%s\r\n", length, $_) }
                       unpack("(a$n)*", $body)) . "0\r\n\r\n";
        $h .= "Transfer-Encoding: chunked\r\n";
    }
    else {
        $h .= 'Content-Length: ' . ($o{cl} // length($body)) . "\r\n";
    }
    return "$method $uri $proto\r\nHost: localhost\r\nConnection: close\r\n"
        . "$h\r\n$framed";
}

# Write $data to a fresh connection as it is and read until the server
# closes it or stays silent for $opt{timeout} seconds (default 5).
# Returns what was read; with $opt{closed} a scalar ref that is set to 1
# when the server closed the connection.
sub raw_exchange {
    my ($data, %opt) = @_;
    my $timeout = $opt{timeout} || 5;
    my $sock = IO::Socket::INET->new(
        PeerAddr => Apache::TestRequest::hostport(),
        Proto    => 'tcp',
        Timeout  => 5,
    ) or die "connect: $!";
    $sock->autoflush(1);
    print $sock $data if length $data;
    my $sel = IO::Select->new($sock);
    my $got = '';
    my $closed = 0;
    while ($sel->can_read($timeout)) {
        my $n = sysread($sock, my $buf, 65536);
        if (!$n) {
            $closed = 1;
            last;
        }
        $got .= $buf;
    }
    ${ $opt{closed} } = $closed if $opt{closed};
    close $sock;
    return $got;
}

# Send $head, then up to $total body bytes in 64 KiB writes, as a client
# that watches for a response while it uploads and stops when one arrives
# (curl does). With $opt{expect}, wait up to 3 s for 100 Continue before
# sending any body byte, as curl does. $opt{chunked} frames the body in
# chunks. Returns (body bytes written, what was read, closed by server).
sub upload {
    my ($head, $total, %opt) = @_;
    my $sock = IO::Socket::INET->new(
        PeerAddr => Apache::TestRequest::hostport(),
        Proto    => 'tcp',
        Timeout  => 5,
    ) or die "connect: $!";
    # Loopback buffers take megabytes before anyone reads them; a 256 KiB
    # send buffer stands for the bytes in flight on a real network path.
    setsockopt($sock, SOL_SOCKET, SO_SNDBUF, 256 * 1024);
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);
    my ($sent, $got, $closed) = (0, '', 0);
    my $pending = $head;
    my $chunk = "\0" x 65536;
    my $may_send = !$opt{expect};
    my $start = time;
    my $expect_until = $start + 3;
    while (time - $start < 30) {
        my ($r, $w) = IO::Select->select($sel, $sel, undef, 0.2);
        if ($r && @$r) {
            my $n = sysread($sock, my $buf, 65536);
            if (!$n) {
                $closed = 1 if defined $n;
                $closed = 1 if !defined $n && !$!{EAGAIN};
                last if $closed;
            }
            else {
                $got .= $buf;
                if ($got =~ m{\AHTTP/1\.1 100[^\r]*\r\n\r\n}) {
                    $got = '';
                    $may_send = 1;
                }
                elsif ($got =~ m{\r\n\r\n}) {
                    # A final response: stop uploading, read what follows.
                    my $until = time + 3;
                    while (time < $until && $sel->can_read(0.5)) {
                        my $m = sysread($sock, $buf, 65536);
                        if (defined $m && $m == 0) { $closed = 1; last }
                        $got .= $buf if $m;
                        last if !defined $m && !$!{EAGAIN};
                    }
                    last;
                }
            }
        }
        $may_send = 1 if $opt{expect} && time > $expect_until;
        next unless $w && @$w;
        if (!length $pending) {
            last if $sent >= $total && !$opt{chunked};
            next unless $may_send;
            my $n = $total - $sent < 65536 ? $total - $sent : 65536;
            if ($n <= 0) {
                $pending = "0\r\n\r\n" if $opt{chunked} && $sent == $total;
                $sent++ if $opt{chunked};
                next;
            }
            $pending = $opt{chunked} ? sprintf("%x\r\n", $n)
                                       . substr($chunk, 0, $n) . "\r\n"
                                     : substr($chunk, 0, $n);
            $sent += $n;
        }
        my $w_n = syswrite($sock, $pending);
        if (!defined $w_n) {
            last unless $!{EAGAIN};
            next;
        }
        substr($pending, 0, $w_n, '');
    }
    # Bytes still queued in $pending were never written.
    $sent -= length $pending if $sent >= length $pending;
    close $sock;
    return ($sent, $got, $closed);
}

# Send $rest (what is left of a body held back) on $sock, read until the
# server closes it or stays silent for 10 s, and close it. Returns the first
# response as [status, headers-text, body], or ['none', '', ''].
sub finish_response {
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

# Open a connection and send a PUT's head ([header => value, ...] besides
# Content-Length: $total) and the first part of its body: a write that,
# serialized, holds its resource's lock until finish_response sends the
# rest.
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

# A GET on a connection of its own that is closed at once: LWP keeps its
# last connection open, and under prefork (one child at the start, at most
# three under Apache::Test) a child that lingers on it is not there for the
# second of two writes. Answered only when a worker is free: after the
# first of two writes, it waits until prefork has started a second child.
# Returns [status, headers-text, body].
sub raw_get {
    my $uri = shift;
    my ($r) = parse_responses(raw_exchange(
        "GET $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
    return $r || ['none', '', ''];
}

# The module's counters in a mod_status ?auto page ($uri), without their
# prefix: { Judged => n, ... }.
sub status_counters {
    my $uri = shift;
    my %c;
    for (split /\n/, raw_get($uri)->[2]) {
        $c{$1} = $2 if /^RequirePrecondition(\w+): (\d+)$/;
    }
    return \%c;
}

# The count of serialized writes (locks taken) that $page shows: a
# Prometheus page of the module's metrics handler, or mod_status's.
sub serialized_count {
    my $page = shift;
    return parse_metrics(raw_get($page)->[2])
               ->{require_precondition_serialized_total} // 0
        if $page =~ /metrics/;
    return status_counters("$page?auto")->{Serialized} // 0;
}

# Two serialized writes to $uri, the second waiting for the first: the
# file is put ("v1\n"), $ready (a code, optional) runs, then a PUT with its
# ETag sends 1 byte of 3 and so holds the lock until finish_response sends
# "a\n"; once $wake (the module's counters, served once a second worker is
# there) shows that it holds its lock, a second PUT with the same ETag
# ("bb\n"). Returns the two sockets.
sub held_pair {
    my ($uri, $wake, $ready) = @_;
    put_disk($uri, "v1\n");
    my ($etag) = raw_get($uri)->[1] =~ /^ETag: (.*?)\r?$/mi;
    $ready->() if $ready;
    my $locks = serialized_count($wake);
    my $first = begin_put($uri, ['If-Match' => $etag], 'a', 3);
    # Not a fixed sleep: a busy machine may take longer to lock.
    my $until = time + 10;
    sleep 0.05 while serialized_count($wake) <= $locks && time < $until;
    my $second = begin_put($uri, ['If-Match' => $etag], "bb\n", 3);
    return ($first, $second);
}

# Split raw HTTP/1.x responses (Content-Length or chunked framed, as httpd
# sends them) into a list of [status, headers-text, body].
sub parse_responses {
    my $raw = shift;
    my @out;
    while ($raw =~ s{\A(HTTP/\d\.\d (\d{3})[^\r\n]*\r\n(.*?)\r\n\r\n)}{}s) {
        my ($status, $head) = ($2, $3);
        my $body = '';
        if ($head =~ /^Content-Length:\s*(\d+)/mi) {
            $body = substr($raw, 0, $1, '');
        }
        elsif ($head =~ /^Transfer-Encoding:\s*chunked/mi) {
            while ($raw =~ s{\A([0-9a-fA-F]+)[^\r\n]*\r\n}{}) {
                my $len = hex $1;
                $body .= substr($raw, 0, $len, '');
                $raw =~ s{\A\r\n}{};
                last if $len == 0;
            }
            $raw =~ s{\A\r\n}{};
        }
        push @out, [$status, $head, $body];
    }
    return @out;
}

# The samples of a Prometheus text exposition: { 'name{labels}' => value },
# the series named as the text has them (labels as written, no spaces).
sub parse_metrics {
    my $text = shift;
    my %v;
    for (split /\n/, $text) {
        next if /^#/ || !/\S/;
        $v{$1} = $2 + 0 if /^(\w+(?:\{[^}]*\})?) (\S+)$/;
    }
    return \%v;
}

# Table-driven cases. Each is a hash:
#   name, method, uri, headers (array ref, or code returning one), body,
#   file    => the URI whose file is checked, when not uri (a query),
#   before  => content the file has before (undef: no file),
#   status  => expected status,
#   after   => 'unchanged' | 'absent' | the expected content.
# Two assertions a case: the status and the file.
sub case_count { return 2 * scalar @_ }

sub run_cases {
    for my $c (@_) {
        my $file = $c->{file} || $c->{uri};
        if (defined $c->{before}) {
            put_disk($file, $c->{before});
        }
        else {
            make_path(dirname(disk_path($file)));
            unlink disk_path($file);
        }
        $c->{setup}->($c) if $c->{setup};
        my $res = req($c->{method}, $c->{uri},
                      ref $c->{headers} eq 'CODE' ? $c->{headers}->($c)
                                                   : $c->{headers},
                      $c->{body});
        ok t_cmp($res->code, $c->{status}, "$c->{name}: status");
        my $after = $c->{after};
        my $want = $after eq 'unchanged' ? $c->{before}
                 : $after eq 'absent'    ? undef
                 :                         $after;
        ok t_cmp(slurp($file), $want, "$c->{name}: file $after");
    }
}

# Lines of a log in t/logs that were written since $mark (a byte offset
# returned by log_lines itself when called with no mark).
sub log_lines {
    my ($log, $mark) = @_;
    my $path = Apache::Test::vars('t_logs') . "/$log";
    open my $fh, '<', $path or return wantarray ? () : 0;
    if (!defined $mark) {
        seek $fh, 0, 2;
        return tell $fh;
    }
    seek $fh, $mark, 0;
    my @lines = <$fh>;
    return @lines;
}

# httpd writes the access log after the response: give it a moment, until
# at least $min lines (default 1) match. Requests answered one after the
# other may be logged in another order.
sub wait_for_log {
    my ($log, $mark, $re, $min) = @_;
    my @hits;
    for (1 .. 50) {
        @hits = grep { /$re/ } log_lines($log, $mark);
        return @hits if @hits >= ($min || 1);
        select undef, undef, undef, 0.1;
    }
    return @hits;
}

1;
