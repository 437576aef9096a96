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

# The 428 itself: a body that says how to resubmit, in HTML or as an
# RFC 9457 problem document, never stored by caches, and ErrorDocument
# still in charge when the admin set one.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use JSON::PP ();
use RPTest;

my $all = ['If-Match', 'If-None-Match', 'If-Unmodified-Since', 'If'];
# [Accept header or undef, JSON expected?]
my @accept = (
    [undef, 0],
    ['*/*', 0],
    ['text/html', 0],
    ['application/json', 1],
    ['application/problem+json', 1],
    ['application/vnd.api+json', 1],
    ['text/html, application/json;q=0.9', 0],
    ['application/json;q=0.5, text/html;q=0.4', 1],
    ['text/html;q=0.1, application/*', 1],
    ['application/json;q=0', 0],
    ['APPLICATION/JSON', 1],
);
# [location, accepted_headers in the JSON]
my @lists = (
    ['/dav/core/json.txt', $all],
    ['/dav/ifmatch-only/json.txt', ['If-Match']],
    ['/plain/json.txt', ['If-Match']],   # If listed, but no mod_dav there
);

plan tests => 3 * @accept + 8 * @lists + 16, need_module 'dav';

# New files in folders that exist: a PUT under a missing folder is
# mod_dav's 409, which comes before any 428 (t/order.t).
fresh_path($_) for (map { $_->[0] } @lists),
    map { "/dav/$_/a.txt" } qw(errstr errdoc errext);

for my $a (@accept) {
    my ($accept, $json) = @$a;
    my $name = defined $accept ? "Accept: $accept" : 'no Accept';
    my $res = req(PUT => '/dav/core/json.txt',
                  [defined $accept ? (Accept => $accept) : ()], "x");
    ok t_cmp($res->code, 428, "$name: 428");
    ok t_cmp(scalar $res->header('Content-Type'),
             $json ? 'application/problem+json'
                   : qr{^text/html},
             "$name: " . ($json ? 'JSON' : 'HTML'));
    ok t_cmp(scalar $res->header('Cache-Control'), 'no-store',
             "$name: Cache-Control: no-store");
}

for my $l (@lists) {
    my ($uri, $headers) = @$l;
    my $res = req(PUT => $uri, [Accept => 'application/json'], "x");
    my $doc = eval { JSON::PP->new->decode($res->content) };
    ok t_cmp(ref $doc, 'HASH', "$uri: the body is a JSON object") or
        print "# ", $res->content, "\n";
    $doc ||= {};
    ok t_cmp($doc->{type}, qr{^https://}, "$uri: type");
    ok t_cmp($doc->{title}, 'Precondition Required', "$uri: title");
    ok t_cmp($doc->{status}, 428, "$uri: status");
    ok t_cmp($doc->{code}, 'MissingPrecondition', "$uri: code");
    ok t_cmp(join(',', @{ $doc->{accepted_headers} || [] }),
             join(',', @$headers), "$uri: accepted_headers");
    ok t_cmp($doc->{detail}, qr/If-Match with the ETag from your last GET/,
             "$uri: detail says what to send");
    my $html = req(PUT => $uri, [], "x")->content;
    my @named = grep { $html =~ /\b\Q$_\E\b/ } 'If-None-Match',
        'If-Unmodified-Since';
    ok t_cmp(scalar @named, scalar(grep { /If-None|If-Unmod/ } @$headers),
             "$uri: the HTML body names the accepted headers");
}

my $res = req(PUT => '/dav/core/json.txt', [], 'x');
ok t_cmp($res->content, qr/send If-Match with the ETag from your last GET/i,
         'HTML body: If-Match advice');
ok t_cmp($res->content, qr/If-None-Match: \* to create/,
         'HTML body: If-None-Match: * advice');
ok t_cmp(scalar $res->header('Content-Type'), qr{^text/html},
         'HTML body: text/html');

# ErrorDocument wins, even for a client that asks for JSON.
$res = req(PUT => '/dav/errstr/a.txt', [Accept => 'application/json'], 'x');
ok t_cmp($res->code, 428, 'ErrorDocument string: 428');
ok t_cmp($res->content, 'Send If-Match, please.',
         'ErrorDocument string beats the JSON body');
ok t_cmp(scalar $res->header('Content-Type'), qr{^text/html},
         'ErrorDocument string: not labelled JSON');
ok t_cmp(scalar $res->header('Cache-Control'), 'no-store',
         'ErrorDocument string: Cache-Control: no-store');

$res = req(PUT => '/dav/errdoc/a.txt', [Accept => 'application/json'], 'x');
ok t_cmp($res->code, 428, 'ErrorDocument local URL: 428');
ok t_cmp($res->content, qr/custom 428 page/,
         'ErrorDocument local URL beats the JSON body');
ok t_cmp(scalar $res->header('Content-Type'), qr{^text/html},
         'ErrorDocument local URL: its own type');

$res = req(PUT => '/dav/errext/a.txt', [Accept => 'application/json'], 'x');
ok t_cmp($res->code, 302, 'ErrorDocument external URL: a redirect');
ok t_cmp(scalar $res->header('Location'),
         'http://errors.example.invalid/why-428',
         'ErrorDocument external URL: Location');

# The body of a 428 to HEAD-less methods is the same whatever the method.
put_disk('/dav/core/json.txt', "x");    # a DELETE of nothing is a 404
$res = req(DELETE => '/dav/core/json.txt', [Accept => 'application/json']);
ok t_cmp($res->code, 428, 'DELETE: 428');
ok t_cmp(scalar $res->header('Content-Type'), 'application/problem+json',
         'DELETE: JSON body');

# A JSON body to one client does not leak into the next error response.
$res = req(GET => '/dav/core/no-such-file', [Accept => 'application/json']);
ok t_cmp($res->code, 404, 'a later 404');
ok t_cmp(scalar $res->header('Content-Type'), qr{^text/html},
         'a later 404 keeps httpd\'s own type');
