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

# The same decisions over HTTP/2 (h2c with prior knowledge), through curl.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use RPTest;

my $mpm = Apache::Test::config()->{server}->{mpm} || '';
my $curl_h2 = `curl -V 2>/dev/null` =~ /\bHTTP2\b/;

plan tests => 16, need need_module('dav', 'http2'),
    { 'curl with HTTP/2' => $curl_h2,
      'mod_http2 is inactive under prefork' => $mpm ne 'prefork' };

my $base = 'http://' . Apache::TestRequest::hostport();
my $u = '/dav/core/h2.txt';

# Returns (status, HTTP version, headers, body) of one h2c request. When a
# handler answers before it has read the body (mod_dav's 412), mod_http2
# resets the stream after the response, as RFC 9113 8.1 allows, and
# curl 7.88 may then report a framing error (exit 92) instead of the
# response: that one is retried, as a client would.
my $tries;
sub h2 {
    my ($method, $uri, @args) = @_;
    my $out;
    for my $try (1 .. 5) {
        $tries = $try;
        $out = `curl -s --http2-prior-knowledge -X $method -D - @args '$base$uri' -w '\\n%{http_version}'`;
        last unless $? >> 8 == 92;
    }
    my ($head, $rest) = split /\r\n\r\n/, $out, 2;
    $rest = '' unless defined $rest;
    my ($body, $version) = $rest =~ /\A(.*)\n([^\n]*)\z/s;
    my ($status) = ($head || '') =~ m{^HTTP/\S+ (\d+)};
    return ($status, $version, $head || '', defined $body ? $body : '');
}

# mod_http2 starts its workers with the child: the first h2c connection
# to a fresh server can be closed unanswered. Wait until one is answered.
put_disk($u, "old\n");
for (1 .. 50) {
    last if ((h2(GET => $u))[1] // '') eq '2';
    select undef, undef, undef, 0.1;
}
my ($s, $v, $h, $b) = h2(PUT => $u, q(--data-binary new));
my $first_tries = $tries;
ok t_cmp($v, '2', 'the request went over HTTP/2');
ok t_cmp($s, 428, 'h2: unconditional PUT: 428');
ok t_cmp(slurp($u), "old\n", 'h2: unconditional PUT: file unchanged');
ok t_cmp($h, qr/^cache-control: no-store\r?$/mi, 'h2: Cache-Control: no-store');
ok t_cmp($b, qr/If-None-Match: \* to create/, 'h2: the HTML body says how');

($s, $v, $h, $b) = h2(PUT => $u, q(-H 'Accept: application/json' --data-binary new));
ok t_cmp($s, 428, 'h2: JSON 428');
ok t_cmp($h, qr{^content-type: application/problem\+json\r?$}mi,
         'h2: problem+json');
ok t_cmp($b, qr/"code": "MissingPrecondition"/, 'h2: the JSON body');
# The module reads a small body before its 428, so the stream is not reset.
ok t_cmp($first_tries, 1, 'h2: the 428 arrived at the first try');
ok t_cmp($tries, 1, 'h2: the JSON 428 arrived at the first try');

($s) = h2(PUT => $u, q(-H 'If-Match: "stale"' --data-binary new));
ok t_cmp($s, 412, 'h2: stale If-Match: httpd\'s 412');
ok t_cmp(slurp($u), "old\n", 'h2: stale If-Match: file unchanged');

my $etag = req(GET => $u)->header('ETag');
($s) = h2(PUT => $u, qq(-H 'If-Match: $etag' --data-binary new));
ok t_cmp($s, 204, 'h2: matching If-Match: 204');
ok t_cmp(slurp($u), 'new', 'h2: matching If-Match: written');

($s) = h2(DELETE => $u);
ok t_cmp($s, 428, 'h2: unconditional DELETE: 428');
ok t_cmp(slurp($u), 'new', 'h2: unconditional DELETE: file still there');
