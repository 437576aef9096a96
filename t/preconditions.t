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

# What counts as a precondition: only a condition that would fail if
# someone else had changed the document since the client read it. Each row
# asserts the status and the file on a guarded mod_dav store.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use HTTP::Date qw(time2str);
use RPTest;

my $u = '/dav/pc/doc.txt';
my $old = "version 1\n";
my $new = "version 2\n";
my $abs = sub { Apache::TestRequest::resolve_url(shift) };
my $etag = sub { etag_of($u) };
my $lastmod = sub { req(GET => $u)->header('Last-Modified') };
# The file is a minute old, so that a date from a GET is clearly in the
# past and a later write moves its Last-Modified.
my $age = sub { utime time - 60, time - 60, disk_path($u) };

my @put = (method => 'PUT', uri => $u, body => $new);
my @cases = (
    # The header forms that constrain nothing: refused, file untouched.
    { name => 'If-None-Match with an entity-tag', @put, before => $old,
      headers => ['If-None-Match' => '"anything"'],
      status => 428, after => 'unchanged' },
    { name => 'If-None-Match with an entity-tag list', @put, before => $old,
      headers => ['If-None-Match' => '"a", W/"b"'],
      status => 428, after => 'unchanged' },
    { name => 'If-Unmodified-Since after now', @put, before => $old,
      headers => ['If-Unmodified-Since' => 'Thu, 01 Jan 2099 00:00:00 GMT'],
      status => 428, after => 'unchanged' },
    { name => 'If-Unmodified-Since a minute from now', @put, before => $old,
      headers => sub { ['If-Unmodified-Since' => time2str(time + 60)] },
      status => 428, after => 'unchanged' },
    { name => 'If: (Not <DAV:no-lock>)', @put, before => $old,
      headers => ['If' => '(Not <DAV:no-lock>)'],
      status => 428, after => 'unchanged' },
    { name => 'If: (Not ["x"])', @put, before => $old,
      headers => ['If' => '(Not ["x"])'],
      status => 428, after => 'unchanged' },
    { name => 'If tagged with another resource', @put, before => $old,
      headers => ['If' => '</some/other/resource> (["x"])'],
      status => 428, after => 'unchanged' },
    { name => 'If with an always-true alternative', @put, before => $old,
      headers => sub { ['If' => '([' . $etag->() . ']) (Not <DAV:no-lock>)'] },
      status => 428, after => 'unchanged' },
    # mod_dav refuses it whole, before any precondition: its 400.
    { name => 'If that does not parse', @put, before => $old,
      headers => ['If' => '(["x"]'], status => 400, after => 'unchanged' },
    { name => 'If-Match: *', @put, before => $old,
      headers => ['If-Match' => '*'], status => 428, after => 'unchanged' },
    { name => 'If-Match that is not an entity-tag', @put, before => $old,
      headers => ['If-Match' => 'abc'], status => 428, after => 'unchanged' },
    { name => 'DELETE with If-Match: *', method => 'DELETE', uri => $u,
      before => $old, headers => ['If-Match' => '*'],
      status => 428, after => 'unchanged' },
    # The forms that count: httpd and mod_dav then decide.
    { name => 'If-Match with the ETag', @put, before => $old,
      headers => sub { ['If-Match' => $etag->()] },
      status => 204, after => $new },
    { name => 'If-Match with a stale ETag', @put, before => $old,
      headers => ['If-Match' => '"stale"'], status => 412, after => 'unchanged' },
    { name => 'If-None-Match: * to create', @put,
      headers => ['If-None-Match' => '*'], status => 201, after => $new },
    { name => 'If-None-Match: * over a file', @put, before => $old,
      headers => ['If-None-Match' => '*'], status => 412, after => 'unchanged' },
    { name => 'If-Unmodified-Since: the Last-Modified of the GET', @put,
      before => $old, setup => $age,
      headers => sub { ['If-Unmodified-Since' => $lastmod->()] },
      status => 204, after => $new },
    { name => 'If-Unmodified-Since older than the file', @put,
      before => $old, setup => $age,
      headers => sub { ['If-Unmodified-Since' => time2str(time - 3600)] },
      status => 412, after => 'unchanged' },
    { name => 'If-Unmodified-Since from a GET before another write', @put,
      before => $old,
      setup => sub { $age->(); $_[0]{lm} = $lastmod->(); put_disk($u, "other\n") },
      headers => sub { ['If-Unmodified-Since' => $_[0]{lm}] },
      status => 412, after => "other\n" },
    { name => 'DELETE with If-Unmodified-Since from the GET',
      method => 'DELETE', uri => $u, before => $old, setup => $age,
      headers => sub { ['If-Unmodified-Since' => $lastmod->()] },
      status => 204, after => 'absent' },
    { name => 'If with the ETag, untagged', @put, before => $old,
      headers => sub { ['If' => '([' . $etag->() . '])'] },
      status => 204, after => $new },
    { name => 'If tagged with the document, absolute URL', @put,
      before => $old,
      headers => sub { ['If' => '<' . $abs->($u) . '> ([' . $etag->() . '])'] },
      status => 204, after => $new },
    { name => 'If tagged with the document, path form', @put, before => $old,
      headers => sub { ["If" => "<$u> ([" . $etag->() . '])'] },
      status => 204, after => $new },
    { name => 'If with a stale ETag', @put, before => $old,
      headers => ['If' => '(["stale"])'], status => 412, after => 'unchanged' },
    { name => 'If: (Not <DAV:no-lock> [ETag])', @put, before => $old,
      headers => sub { ['If' => '(Not <DAV:no-lock> [' . $etag->() . '])'] },
      status => 204, after => $new },
    # mod_dav cleans a tag (dot segments, %-escapes) before it compares.
    { name => 'If tagged with the document, dot segments', @put,
      before => $old,
      headers => sub { ['If' => '</dav/pc/./x/../doc.txt> (['
                                . $etag->() . '])'] },
      status => 204, after => $new },
    { name => 'an always-true list behind a tag mod_dav cleans', @put,
      before => $old,
      headers => sub { ['If' => '<' . $abs->($u) . '> (["nope"]) '
                                . '</dav/pc/./doc.txt> (Not <DAV:no-lock>)'] },
      status => 428, after => 'unchanged' },
    # A collection's ETag and date do not change when a member does: only
    # a lock protects what is inside. The member is checked.
    { name => 'DELETE a collection with its ETag', method => 'DELETE',
      uri => '/dav/pc/coll1/', file => '/dav/pc/coll1/member.txt',
      before => $old, headers => ['If' => '([W/""])'],
      status => 428, after => 'unchanged' },
    { name => 'DELETE a collection with If-Match', method => 'DELETE',
      uri => '/dav/pc/coll2/', file => '/dav/pc/coll2/member.txt',
      before => $old, headers => ['If-Match' => 'W/""'],
      status => 428, after => 'unchanged' },
    { name => 'DELETE a collection with If-Unmodified-Since',
      method => 'DELETE', uri => '/dav/pc/coll3/',
      file => '/dav/pc/coll3/member.txt', before => $old,
      headers => sub { ['If-Unmodified-Since' => time2str(time)] },
      status => 428, after => 'unchanged' },
    # RequirePreconditionAcceptIfMatchStar On: the admin's choice.
    { name => 'AcceptIfMatchStar: If-Match: * counts', method => 'PUT',
      uri => '/dav/star/doc.txt', before => $old, body => $new,
      headers => ['If-Match' => '*'], status => 204, after => $new },
    { name => 'AcceptIfMatchStar: If-Match: *, no file (412)', method => 'PUT',
      uri => '/dav/star/absent.txt', body => $new,
      headers => ['If-Match' => '*'], status => 412, after => 'absent' },
    { name => 'AcceptIfMatchStar: still no blind write', method => 'PUT',
      uri => '/dav/star/doc.txt', before => $old, body => $new,
      status => 428, after => 'unchanged' },
    { name => 'AcceptIfMatchStar Off inside', method => 'PUT',
      uri => '/dav/star/no/doc.txt', before => $old, body => $new,
      headers => ['If-Match' => '*'], status => 428, after => 'unchanged' },
);

plan tests => case_count(@cases) + 4, need_module 'dav';

run_cases(@cases);

# A depth-infinity lock on the collection: its token counts.
my $lockbody = <<'XML';
<?xml version="1.0" encoding="utf-8"?>
<D:lockinfo xmlns:D="DAV:">
  <D:lockscope><D:exclusive/></D:lockscope>
  <D:locktype><D:write/></D:locktype>
</D:lockinfo>
XML
my $cu = "/dav/pc/locked-$$/";
put_disk("${cu}member.txt", $old);
my $lres = req(LOCK => $cu, ['Timeout' => 'Second-60', 'Depth' => 'infinity',
                             'Content-Type' => 'text/xml'], $lockbody);
my ($token) = ($lres->header('Lock-Token') || '') =~ /<([^>]+)>/;
ok t_cmp($token, qr/^opaquelocktoken:/, 'LOCK on the collection: a token');
$lres = req(DELETE => $cu, ['If' => '<' . $abs->($cu) . "> (<$token>)"]);
ok t_cmp($lres->code . ' ' . (defined slurp("${cu}member.txt") ? 'there' : 'gone'),
         '204 gone', 'DELETE a locked collection with its lock token');

# The 428 body names only what works here.
put_disk($u, $old);
my $res = req(PUT => $u, [Accept => 'application/json'], $new);
ok t_cmp($res->content,
         qr/"accepted_headers": \["If-Match", "If-None-Match", "If-Unmodified-Since", "If"\]/,
         '428 body: the headers that count here');
$res = req(PUT => '/dav/star/doc.txt', [], $new);
ok t_cmp($res->content, qr/If-Match: \* to overwrite/,
         '428 body: If-Match: * named where it counts');
