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

# Where the decision sits in httpd's request cycle: after authentication,
# across internal redirects, not for subrequests, not twice for an
# ErrorDocument, and for any protocol version and header spelling.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use File::Path ();
use HTTP::Date qw(time2str);
use MIME::Base64 qw(encode_base64);
use RPTest;

my $old = "old\n";
my $new = "new\n";
my $alice = ['Authorization' => 'Basic ' . encode_base64('alice:secret', '')];

my @cases = (
    { name => 'no credentials: 401 before 428', method => 'PUT',
      uri => '/dav/auth/a.txt', before => $old, body => $new,
      status => 401, after => 'unchanged' },
    { name => 'wrong credentials: 401 before 428', method => 'PUT',
      uri => '/dav/auth/a.txt', before => $old, body => $new,
      headers => ['Authorization' => 'Basic ' . encode_base64('alice:x', '')],
      status => 401, after => 'unchanged' },
    { name => 'authenticated, unconditional: 428', method => 'PUT',
      uri => '/dav/auth/a.txt', before => $old, body => $new,
      headers => $alice, status => 428, after => 'unchanged' },
    { name => 'authenticated, conditional', method => 'PUT',
      uri => '/dav/auth/a.txt', before => $old, body => $new,
      headers => sub { [@$alice, 'If-Unmodified-Since' => time2str(time)] },
      status => 204,
      after => $new },
    # A per-directory RewriteRule [PT] is an internal redirect; the target
    # is guarded and must not be reached unconditionally.
    { name => 'RewriteRule [PT] into the guarded store', method => 'PUT',
      uri => '/rw/a.txt', body => $new, status => 428, after => 'absent',
      setup => sub { fresh_path('/dav/rw-target/a.txt');
                     put_disk('/rw/.keep', '') } },
    { name => 'RewriteRule [PT]: the target is untouched', method => 'GET',
      uri => '/dav/rw-target/a.txt', status => 404, after => 'absent' },
    { name => 'RewriteRule [PT], conditional', method => 'PUT',
      uri => '/dav/rw-target/b.txt', body => $new, status => 201,
      headers => ['If-None-Match' => '*'], after => $new },
    { name => 'RewriteRule [PT], conditional, through the rewrite',
      method => 'PUT', uri => '/rw/c.txt', body => $new, status => 201,
      headers => ['If-None-Match' => '*'], after => 'absent',
      setup => sub { fresh_path('/dav/rw-target/c.txt') } },
    # mod_dav looks the COPY destination up with a subrequest of method
    # COPY, guarded there; subrequests are not examined.
    { name => 'COPY into a location that lists COPY: judged there',
      method => 'COPY', uri => '/dav/open/src.txt', before => $old,
      headers => sub { ['Destination' => Apache::TestRequest::resolve_url(
                            '/dav/copyguard/dst.txt')] },
      setup => sub { fresh_path('/dav/copyguard/dst.txt') },
      status => 428, after => 'unchanged' },
    { name => 'COPY where the request itself is guarded', method => 'COPY',
      uri => '/dav/copyguard/src.txt', before => $old,
      headers => sub { ['Destination' => Apache::TestRequest::resolve_url(
                            '/dav/copyguard/dst2.txt')] },
      status => 428, after => 'unchanged' },
);

# A write that cannot succeed whatever its precondition gets the status it
# gets without the module, which httpd or mod_dav can tell before the
# handler (RFC 9110 13.2.1), not 428: each row runs on an unguarded store
# (mod_dav's own answer) and on a guarded one, with the same status.
sub no_parent { File::Path::remove_tree(RPTest::disk_path(shift)) }
my @status_rows = (
    { name => 'DELETE of a missing file: 404', method => 'DELETE',
      uri => 'missing.txt', status => 404, after => 'absent' },
    { name => 'DELETE under a missing folder: 404', method => 'DELETE',
      uri => 'nodir/missing.txt', status => 404, after => 'absent',
      setup => 'nodir' },
    { name => 'PROPPATCH of a missing file: 404', method => 'PROPPATCH',
      uri => 'missing.txt', body => '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"/>',
      headers => ['Content-Type' => 'text/xml'], status => 404,
      after => 'absent' },
    { name => 'MOVE of a missing file: 404', method => 'MOVE',
      uri => 'missing.txt', status => 404, after => 'absent',
      headers => sub { ['Destination' => Apache::TestRequest::resolve_url(
                            $_[0]->{prefix} . 'moved.txt')] } },
    { name => 'PUT under a missing folder: 409', method => 'PUT',
      uri => 'nodir/a.txt', body => $new, status => 409, after => 'absent',
      setup => 'nodir' },
    { name => 'MKCOL under a missing folder: 409', method => 'MKCOL',
      uri => 'nodir/c/x', status => 409, after => 'absent',
      setup => 'nodir' },
    { name => 'MKCOL over a file: 405', method => 'MKCOL', uri => 'doc.txt',
      before => $old, status => 405, after => 'unchanged' },
    { name => 'PUT onto a collection: 409', method => 'PUT', uri => 'coll/',
      file => 'coll/member.txt', before => $old, body => $new,
      status => 409, after => 'unchanged' },
    { name => 'PATCH, which mod_dav does not implement: 405',
      method => 'PATCH', uri => 'doc.txt', before => $old, body => $new,
      status => 405, after => 'unchanged' },
    { name => 'an extension method mod_dav does not implement: 405',
      method => 'FROBNICATE', uri => 'doc.txt', before => $old,
      status => 405, after => 'unchanged' },
    { name => 'PUT with a malformed If: 400', method => 'PUT',
      uri => 'doc.txt', before => $old, body => $new,
      headers => ['If' => '(<urn:x>'], status => 400, after => 'unchanged' },
    { name => 'DELETE with a malformed If: 400', method => 'DELETE',
      uri => 'doc.txt', before => $old, headers => ['If' => 'garbage'],
      status => 400, after => 'unchanged' },
    { name => 'PUT of a new file, unconditional: still 428', method => 'PUT',
      uri => 'new.txt', body => $new, status => 428, after => 'absent' },
    { name => 'DELETE of a file, unconditional: still 428',
      method => 'DELETE', uri => 'doc.txt', before => $old, status => 428,
      after => 'unchanged' },
);
my @status_cases;
for my $prefix ('/dav/status-open/', '/dav/status/') {
    for my $row (@status_rows) {
        my %c = (%$row, prefix => $prefix, uri => $prefix . $row->{uri},
                 name => ($prefix =~ /open/ ? 'unguarded' : 'guarded')
                         . ": $row->{name}");
        next if $prefix =~ /open/ && $c{status} == 428;
        $c{file} = $prefix . $row->{file} if $row->{file};
        if (my $dir = $row->{setup}) {
            $c{setup} = sub { no_parent($prefix . $dir) };
        }
        my $h = $row->{headers};
        $c{headers} = sub { ref $h eq 'CODE' ? $h->(\%c) : $h } if $h;
        push @status_cases, \%c;
    }
}

plan tests => case_count(@cases, @status_cases) + 17, need_module 'dav',
    'rewrite', 'auth_basic';

run_cases(@cases);
run_cases(@status_cases);
ok t_cmp(slurp('/dav/rw-target/c.txt'), $new,
         'RewriteRule [PT], conditional: written at the target');
ok t_cmp(slurp('/dav/copyguard/dst.txt'), undef, 'COPY refused: no copy made');

# ErrorDocument: a local URL, a string, and a GET-guarded location whose
# ErrorDocument redirect (a GET) must not be refused a second time.
put_disk('/dav/errdoc/a.txt', $old);
my $res = req(PUT => '/dav/errdoc/a.txt', [], $new);
ok t_cmp($res->code, 428, 'ErrorDocument local URL: status');
ok t_cmp($res->content, qr/custom 428 page/, 'ErrorDocument local URL: body');
ok t_cmp(slurp('/dav/errdoc/a.txt'), $old, 'ErrorDocument local URL: file');

fresh_path('/dav/errstr/a.txt');    # its folder: else mod_dav's 409
$res = req(PUT => '/dav/errstr/a.txt', [], $new);
ok t_cmp($res->code, 428, 'ErrorDocument string: status');
ok t_cmp($res->content, 'Send If-Match, please.', 'ErrorDocument string: body');

put_disk('/dav/errget/a.txt', $old);
$res = req(GET => '/dav/errget/a.txt');
ok t_cmp($res->code, 428, 'GET guarded: 428');
ok t_cmp($res->content, qr/errget document/,
         'GET guarded: the ErrorDocument is served, not refused again');
ok t_cmp($res->content !~ /Additionally/ ? 1 : 0, 1,
         'GET guarded: no second error');

# HTTP/1.0 and header names in lower case, on a raw connection.
my $lc = '/dav/core/lower.txt';
fresh_path($lc);
my @r = parse_responses(raw_exchange(
    "PUT $lc HTTP/1.0\r\nContent-Length: 4\r\n\r\n$new"));
ok t_cmp($r[0][0], 428, 'HTTP/1.0 unconditional PUT');
ok t_cmp(slurp($lc), undef, 'HTTP/1.0 unconditional PUT: nothing written');
@r = parse_responses(raw_exchange(
    "PUT $lc HTTP/1.0\r\nif-none-match: *\r\ncontent-length: 4\r\n\r\n$new"));
ok t_cmp($r[0][0], 201, 'HTTP/1.0, lower-case if-none-match');
@r = parse_responses(raw_exchange(
    "PUT $lc HTTP/1.1\r\nhost: localhost\r\nif-match: " . etag_of($lc) . "\r\n"
    . "content-length: 4\r\nconnection: close\r\n\r\nnext"));
ok t_cmp($r[0][0], 204, 'HTTP/1.1, lower-case if-match');
ok t_cmp(slurp($lc), 'next', 'lower-case if-match: written');

# The debug line says what was decided and why.
my $mark = log_lines('error_log');
req(PUT => '/dav/core/logged.txt', [], $new);
ok t_cmp(join('', wait_for_log('error_log', $mark,
             qr/require_precondition:debug.*PUT \/dav\/core\/logged\.txt: refused/)),
         qr/no usable precondition \(accepted: If-Match, If-None-Match, If-Unmodified-Since, If\)/,
         'debug log line for a refusal');
$mark = log_lines('error_log');
req(PUT => '/dav/core/logged.txt', ['If-None-Match' => '*'], $new);
ok t_cmp(scalar wait_for_log('error_log', $mark,
             qr/require_precondition:debug.*PUT \/dav\/core\/logged\.txt: let through: If-None-Match counts/),
         1, 'debug log line for a conditional request');
unlink disk_path('/dav/core/logged.txt');
