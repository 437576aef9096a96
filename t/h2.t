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

plan tests => 14, need need_module('dav', 'http2'),
    { 'curl with HTTP/2' => $curl_h2,
      'mod_http2 is inactive under prefork' => $mpm ne 'prefork' };

my $base = 'http://' . Apache::TestRequest::hostport();
my $u = '/dav/core/h2.txt';

# Returns (status, HTTP version, headers, body) of one h2c request.
sub h2 {
    my ($method, $uri, @args) = @_;
    my $out = `curl -s --http2-prior-knowledge -X $method -D - @args '$base$uri' -w '\\n%{http_version}'`;
    my ($head, $rest) = split /\r\n\r\n/, $out, 2;
    $rest = '' unless defined $rest;
    my ($body, $version) = $rest =~ /\A(.*)\n([^\n]*)\z/s;
    my ($status) = ($head || '') =~ m{^HTTP/\S+ (\d+)};
    return ($status, $version, $head || '', defined $body ? $body : '');
}

put_disk($u, "old\n");
my ($s, $v, $h, $b) = h2(PUT => $u, q(--data-binary new));
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
