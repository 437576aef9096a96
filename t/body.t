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

# A refused write wastes no upload and smuggles nothing: no 100 Continue,
# large and chunked bodies are not drained (the connection is closed), a
# small body is discarded so that keep-alive survives, and a body is never
# read as a request.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use RPTest;

plan tests => 29, need_module 'dav';

my $big = 200 * 1024 * 1024;
my $u = '/dav/core/upload.txt';
my $head = sub {
    my (%h) = @_;
    my $extra = join '', map { "$_: $h{$_}\r\n" } sort keys %h;
    return "PUT $u HTTP/1.1\r\nHost: localhost\r\n$extra\r\n";
};
put_disk($u, "old\n");

# Expect: 100-continue: the 428 instead of 100 Continue, no body byte.
my ($sent, $got, $closed) = upload(
    $head->('Content-Length' => $big, 'Expect' => '100-continue'), $big,
    expect => 1);
ok t_cmp($got, qr{\AHTTP/1\.1 428 }, 'Expect: 428 is the first response');
ok t_cmp($got =~ /100 Continue/ ? 1 : 0, 0, 'Expect: no 100 Continue');
ok t_cmp($sent, 0, 'Expect: no body byte sent');
ok t_cmp($closed, 1, 'Expect: connection closed');

# 200 MB, no Expect: answered at once, connection closed, not drained.
($sent, $got, $closed) = upload($head->('Content-Length' => $big), $big);
ok t_cmp($got, qr{\AHTTP/1\.1 428 }, 'large body: 428');
ok t_cmp($got, qr{^Connection: close\r$}mi, 'large body: Connection: close');
ok t_cmp($closed, 1, 'large body: connection closed');
ok t_cmp($sent < $big / 100 ? 1 : 0, 1,
         "large body: under 1% sent before the 428 ($sent bytes)");
ok t_cmp(slurp($u), "old\n", 'large body: file unchanged');

# Chunked: answered, closed.
($sent, $got, $closed) = upload($head->('Transfer-Encoding' => 'chunked'),
                                $big, chunked => 1);
ok t_cmp($got, qr{\AHTTP/1\.1 428 }, 'chunked body: 428');
ok t_cmp($got, qr{^Connection: close\r$}mi, 'chunked: Connection: close');
ok t_cmp($closed, 1, 'chunked: connection closed');
ok t_cmp($sent < $big / 100 ? 1 : 0, 1, "chunked: under 1% sent ($sent)");

# A small body is discarded and the connection kept: the next request on
# it is served.
my @r = parse_responses(raw_exchange(
    "PUT $u HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n"
    . "0123456789"
    . "GET $u HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
ok t_cmp(scalar @r, 2, 'small body: two responses on one connection');
ok t_cmp($r[0][0], 428, 'small body: 428');
ok t_cmp($r[0][1] =~ /^Connection: close/mi ? 1 : 0, 0,
         'small body: the connection is kept');
ok t_cmp($r[1][0], 200, 'small body: the next request is served');
ok t_cmp($r[1][2], "old\n", 'small body: ... and the file is unchanged');

# The drain limit: 64 KiB exactly is read and discarded, one byte more
# closes the connection.
my $max = 65536;
@r = parse_responses(raw_exchange(
    "PUT $u HTTP/1.1\r\nHost: localhost\r\nContent-Length: $max\r\n\r\n"
    . ('x' x $max)
    . "GET $u HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
ok t_cmp(scalar @r, 2, '64 KiB body: drained, two responses on one connection');
ok t_cmp($r[0][0], 428, '64 KiB body: 428');
ok t_cmp($r[0][1] =~ /^Connection: close/mi ? 1 : 0, 0,
         '64 KiB body: the connection is kept');
@r = parse_responses(raw_exchange(
    "PUT $u HTTP/1.1\r\nHost: localhost\r\nContent-Length: " . ($max + 1)
    . "\r\n\r\n" . ('x' x ($max + 1))
    . "GET $u HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
ok t_cmp(scalar @r, 1, '64 KiB + 1 body: one response');
ok t_cmp($r[0][1], qr/^Connection: close\r?$/mi,
         '64 KiB + 1 body: Connection: close');

# A pipelined PUT whose body is itself a request, then a real GET: exactly
# two responses, and the smuggled request never runs.
my $smuggled = "GET /dav/core/smuggled-$$ HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $mark = log_lines('access_all_log');
@r = parse_responses(raw_exchange(
    "PUT $u HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
    . length($smuggled) . "\r\n\r\n$smuggled"
    . "GET $u HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
ok t_cmp(scalar @r, 2, 'smuggling: exactly two responses');
ok t_cmp($r[0][0], 428, 'smuggling: the PUT is refused');
ok t_cmp($r[1][0], 200, 'smuggling: the real GET is served');
wait_for_log('access_all_log', $mark, qr{GET \Q$u\E 200});
ok t_cmp(scalar(grep { /smuggled/ } log_lines('access_all_log', $mark)), 0,
         'smuggling: the body never ran as a request');

# The server still answers.
my $res = req(GET => $u);
ok t_cmp($res->code, 200, 'the server still answers');
ok t_cmp($res->content, "old\n", 'the file is as it was');
