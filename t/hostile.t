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

# Hostile and malformed requests against the guarded WebDAV store: each
# case asserts the status (or statuses), that nothing was written, and that
# the server still answers the next request. Raw sockets throughout, since
# LWP would tidy most of these requests up.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use IO::Select ();
use IO::Socket::INET ();
use RPTest;

my $dir = '/dav/hostile';
my $doc = "$dir/doc.txt";          # exists before each case
my $new = "$dir/new.txt";          # does not exist before each case
my $old = "the original\n";
my $alive = "$dir/alive.txt";
my $hp = Apache::TestRequest::hostport();

# A request head; $lines are header lines without CRLF.
sub head {
    my ($method, $uri, @lines) = @_;
    return join('', "$method $uri HTTP/1.1\r\n", "Host: $hp\r\n",
                map({ "$_\r\n" } @lines), "\r\n");
}

# A PUT of $body with Content-Length; @lines are extra header lines.
sub put {
    my ($uri, $body, @lines) = @_;
    return head('PUT', $uri, @lines, 'Content-Length: ' . length($body),
                'Connection: close') . $body;
}

my $stale = '"0000000000000000000000000000000"';
my @past = ('Sun, 06 Nov 1994 08:49:37 GMT',     # IMF-fixdate
            'Sunday, 06-Nov-94 08:49:37 GMT',    # RFC 850
            'Sun Nov  6 08:49:37 1994');         # asctime
my @broken_dates = ('yesterday', '1994-11-06T08:49:37Z',
                    'Sun, 06 Nov 1994 25:49:37 GMT',
                    'Sun, 31 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994',
                    'Sun, 06 Nov 1994 08:49:37 GMT' =~ tr/0-9/x/r,
                    '0', '-1');

# Each case: name, request (raw bytes), status (one, or a list for a
# pipelined connection), file (the URI that must be left as it was).
my @cases = (
    { name => 'a hundred If-Match values in one header',
      req => put($doc, 'x', 'If-Match: ' . join(', ',
                 map { qq("stale-$_") } 1 .. 100)),
      status => 412 },
    # httpd takes 100 header lines (LimitRequestFields): with Host,
    # Content-Length and Connection that leaves 97 for If-Match. httpd joins
    # them into one list, as RFC 9110 5.3 says.
    { name => '97 If-Match header lines',
      req => put($doc, 'x', map { qq(If-Match: "stale-$_") } 1 .. 97),
      status => 412 },
    { name => 'a hundred If-Match header lines: over LimitRequestFields',
      req => put($doc, 'x', map { qq(If-Match: "stale-$_") } 1 .. 100),
      status => 400 },
    # Blank lines joined make ", , ...": a list with no entity-tag, which
    # names no version of the document, so it does not count.
    { name => '97 blank If-Match header lines',
      req => put($doc, 'x', ('If-Match: ') x 97),
      status => 428 },
    # httpd limits a header line to 8190 bytes (LimitRequestFieldSize).
    { name => 'an 8 KB If-Match', req => put($doc, 'x',
          'If-Match: "' . ('a' x 8190) . '"'),
      status => 400 },
    { name => 'an If-Match just under 8 KB',
      req => put($doc, 'x', 'If-Match: "' . ('a' x 8170) . '"'),
      status => 412 },
    { name => 'duplicate If-Match headers, both stale',
      req => put($doc, 'x', "If-Match: $stale", 'If-Match: "other"'),
      status => 412 },
    { name => 'duplicate If-Match headers, both blank',
      req => put($doc, 'x', 'If-Match:', 'If-Match: '),
      status => 428 },
    { name => 'one blank If-Match header',
      req => put($doc, 'x', 'If-Match: '),
      status => 428 },
    { name => 'duplicate If-None-Match: * on an existing file',
      req => put($doc, 'x', 'If-None-Match: *', 'If-None-Match: *'),
      status => 412 },
    # obs-fold (RFC 9112 5.2): httpd unfolds a continued value into one
    # line, and refuses a continuation line made of blanks alone.
    { name => 'an obs-folded If-Match',
      req => put($doc, 'x', "If-Match: $stale,", ' "other"'),
      status => 412 },
    { name => 'an obs-folded If-Match whose first line is blank',
      req => put($doc, 'x', 'If-Match:', " $stale"),
      status => 412 },
    { name => 'an obs-folded If-Unmodified-Since',
      req => put($doc, 'x', 'If-Unmodified-Since: Sun, 06 Nov',
                 ' 1994 08:49:37 GMT'),
      status => 412 },
    { name => 'an obs-folded blank If-Match',
      req => put($doc, 'x', 'If-Match:', "\t "),
      status => 400 },
    { name => 'an If-Match with UTF-8 in it',
      req => put($doc, 'x', qq(If-Match: "\xc3\xa9t\xc3\xa9")),
      status => 412 },
    { name => 'an If-Match of Latin-1 bytes',
      req => put($doc, 'x', qq(If-Match: "\xe9\xff\x80")),
      status => 412 },
    { name => 'an If-Match with a control character',
      req => put($doc, 'x', qq(If-Match: "a\x01b")),
      status => 400 },
    { name => 'an If-Match with a NUL',
      req => put($doc, 'x', qq(If-Match: "a\x00b")),
      status => 400 },
    { name => 'a WebDAV If with UTF-8 in it',
      req => put($doc, 'x', qq(If: (["\xc3\xa9"]))),
      status => 412 },
    { name => 'a non-ASCII If-Unmodified-Since',
      req => put($doc, 'x', "If-Unmodified-Since: \xc3\xa9t\xc3\xa9"),
      status => 428 },
    (map { my $d = $_;
           { name => "If-Unmodified-Since in the past: $d",
             req => put($doc, 'x', "If-Unmodified-Since: $d"),
             status => 412 } } @past),
    (map { my $d = $_;
           { name => "If-Unmodified-Since broken: $d",
             req => put($doc, 'x', "If-Unmodified-Since: $d"),
             status => 428 } } @broken_dates),
    # httpd's date parser stops at the time zone; what follows is ignored,
    # by httpd too, which then acts on the date.
    { name => 'If-Unmodified-Since with trailing bytes',
      req => put($doc, 'x', "If-Unmodified-Since: $past[0]\xc3\xa9x"),
      status => 412 },
    { name => 'If-Unmodified-Since blank',
      req => put($doc, 'x', 'If-Unmodified-Since: '), status => 428 },
    # Methods are case-sensitive and httpd does not know "put", but an
    # application a proxy forwards it to may upper-case it: it is judged
    # as PUT. A conditional one reaches httpd, which does not handle it.
    { name => 'lower-case put', req => put($doc, 'x') =~ s/^PUT/put/r,
      status => 428 },
    { name => 'mixed-case Put', req => put($doc, 'x') =~ s/^PUT/Put/r,
      status => 428 },
    { name => 'lower-case delete',
      req => head('delete', $doc, 'Connection: close'), status => 428 },
    { name => 'lower-case put, conditional',
      req => put($doc, 'x', "If-Match: $stale") =~ s/^PUT/put/r,
      status => 501 },
    { name => 'a 1 KB method name',
      req => head('P' x 1024, $doc, 'Content-Length: 1',
                  'Connection: close') . 'x',
      status => 501 },
    { name => 'a 1 KB method name that is not a token',
      req => head(('P' x 512) . '(' . ('P' x 511), $doc,
                  'Connection: close'),
      status => 400 },
    # Refused before the body is read; a chunked body closes the connection.
    { name => 'bad chunk size on a refused PUT',
      req => head('PUT', $doc, 'Transfer-Encoding: chunked')
             . "zz\r\nhello\r\n0\r\n\r\n",
      status => 428, closed => 1 },
    { name => 'overflowing chunk size on a refused PUT',
      req => head('PUT', $doc, 'Transfer-Encoding: chunked')
             . ('f' x 40) . "\r\nhello\r\n0\r\n\r\n",
      status => 428, closed => 1 },
    { name => 'negative chunk size on a refused PUT',
      req => head('PUT', $doc, 'Transfer-Encoding: chunked')
             . "-5\r\nhello\r\n0\r\n\r\n",
      status => 428, closed => 1 },
    # httpd reads what is left of the body before it answers 412 on a
    # connection it keeps, and finds the bad chunk: 400.
    { name => 'bad chunk size on a conditional PUT',
      req => head('PUT', $doc, "If-Match: $stale",
                  'Transfer-Encoding: chunked', 'Connection: close')
             . "zz\r\nhello\r\n0\r\n\r\n",
      status => 400 },
    { name => 'bad chunk size on a conditional create',
      req => head('PUT', $new, 'If-None-Match: *',
                  'Transfer-Encoding: chunked', 'Connection: close')
             . "zz\r\nhello\r\n0\r\n\r\n",
      file => $new, status => 400 },
    { name => 'a Content-Length that is not a number',
      req => head('PUT', $doc, 'Content-Length: 12abc', 'Connection: close')
             . 'x', status => 400 },
    # Pipelined: the refused request's small body is read and thrown away,
    # so the requests behind it on the connection are answered.
    { name => 'pipelined: a refused PUT, then good requests',
      req => head('PUT', $doc, 'Content-Length: 5') . 'hello'
             . head('GET', $alive)
             . head('DELETE', $doc)
             . head('PUT', $doc, "If-Match: $stale", 'Content-Length: 3')
             . 'abc'
             . head('GET', $alive, 'Connection: close'),
      status => [428, 200, 428, 412, 200] },
    { name => 'pipelined: a refused chunked PUT closes the connection',
      req => head('PUT', $doc, 'Transfer-Encoding: chunked')
             . "5\r\nhello\r\n0\r\n\r\n"
             . head('PUT', $doc, 'Content-Length: 3') . 'abc'
             . head('GET', $alive, 'Connection: close'),
      status => [428], closed => 1 },
);

# A client that goes away in the middle of its body.
my @disconnects = (
    { name => 'disconnect mid-body: refused PUT', uri => $doc,
      lines => [], status => 428 },
    { name => 'disconnect mid-body: conditional PUT', uri => $doc,
      lines => [sub { 'If-Match: ' . etag_of($doc) }], status => undef },
    { name => 'disconnect mid-body: conditional create', uri => $new,
      lines => ['If-None-Match: *'], status => undef, file => $new },
);

plan tests => 3 * @cases + 3 * @disconnects + 2 + 1,
    need_module 'dav';

sub reset_files {
    put_disk($doc, $old);
    put_disk($alive, "alive\n");
    unlink disk_path($new);
}

sub file_ok {
    my ($c) = @_;
    my $uri = $c->{file} || $doc;
    my $want = $uri eq $new ? undef : $old;
    ok t_cmp(slurp($uri), $want,
             "$c->{name}: nothing written to $uri");
}

sub alive_ok {
    my ($name) = @_;
    my $res = req(GET => $alive);
    ok t_cmp($res->code . ' ' . $res->content, "200 alive\n",
             "$name: the server answers the next request");
}

for my $c (@cases) {
    reset_files();
    my $closed = 0;
    my $got = raw_exchange($c->{req}, timeout => 3, closed => \$closed);
    my @st = map { $_->[0] } parse_responses($got);
    my $want = ref $c->{status} ? $c->{status} : [$c->{status}];
    my $ok = "@st" eq "@$want" && (!$c->{closed} || $closed);
    ok t_cmp("@st" . ($c->{closed} ? ($closed ? ' closed' : ' open') : ''),
             "@$want" . ($c->{closed} ? ' closed' : ''),
             "$c->{name}: status");
    file_ok($c);
    alive_ok($c->{name});
}

# Announce 1 MB, send 64 KB, read for a moment, and go away.
for my $c (@disconnects) {
    reset_files();
    my $sock = IO::Socket::INET->new(PeerAddr => $hp, Proto => 'tcp',
                                     Timeout => 5) or die "connect: $!";
    $sock->autoflush(1);
    my @lines = map { ref $_ ? $_->() : $_ } @{ $c->{lines} };
    print $sock head('PUT', $c->{uri}, @lines,
                     'Content-Length: 1048576');
    print $sock 'x' x 65536;
    my $got = '';
    my $sel = IO::Select->new($sock);
    while ($sel->can_read(1)) {
        my $n = sysread($sock, my $buf, 65536);
        last unless $n;
        $got .= $buf;
    }
    close $sock;
    my ($res) = parse_responses($got);
    ok t_cmp($res ? $res->[0] : undef, $c->{status}, "$c->{name}: status");
    # mod_dav_fs writes to a temporary file and renames it at the end:
    # give it a moment to notice the client is gone.
    select undef, undef, undef, 0.5;
    file_ok($c);
    alive_ok($c->{name});
}

# No temporary file of an aborted upload is left behind.
my @left = glob(disk_path($dir) . '/.DAV* ' . disk_path($dir) . '/*.tmp*');
ok t_cmp(scalar @left, 0, 'no temporary file left behind');
my @names = sort map { s{.*/}{}r } glob(disk_path($dir) . '/*');
ok t_cmp("@names", 'alive.txt doc.txt', 'no other file in the folder');

# Still refusing and still writing after all that.
my $res = req(PUT => $doc, ['If-Match' => etag_of($doc)], "final\n");
ok t_cmp($res->code . ' ' . (slurp($doc) // 'none'), "204 final\n",
         'a good conditional PUT still writes');
