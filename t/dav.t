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

# The core rules on a guarded mod_dav store: what is refused with 428, what
# is left to httpd and mod_dav (their 412s), and what each did to the file.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use RPTest;

my $u = '/dav/core/doc.txt';
my $old = "version 1\n";
my $new = "version 2\n";
my $etag = sub { ['If-Match' => etag_of($u)] };
my @cases = (
    { name => 'unconditional PUT, no file', method => 'PUT', uri => $u,
      body => $new, status => 428, after => 'absent' },
    { name => 'unconditional PUT over a file', method => 'PUT', uri => $u,
      before => $old, body => $new, status => 428, after => 'unchanged' },
    { name => 'create with If-None-Match: *', method => 'PUT', uri => $u,
      headers => ['If-None-Match' => '*'], body => $new, status => 201,
      after => $new },
    { name => 'If-None-Match: * over a file is httpd\'s 412',
      method => 'PUT', uri => $u, before => $old,
      headers => ['If-None-Match' => '*'], body => $new, status => 412,
      after => 'unchanged' },
    { name => 'update with the matching If-Match', method => 'PUT',
      uri => $u, before => $old, headers => $etag, body => $new,
      status => 204, after => $new },
    { name => 'stale If-Match is httpd\'s 412', method => 'PUT', uri => $u,
      before => $old, headers => ['If-Match' => '"not-the-etag"'],
      body => $new, status => 412, after => 'unchanged' },
    { name => 'If-Match: * does not count', method => 'PUT',
      uri => $u, before => $old, headers => ['If-Match' => '*'],
      body => $new, status => 428, after => 'unchanged' },
    { name => 'stale If-Unmodified-Since is httpd\'s 412', method => 'PUT',
      uri => $u, before => $old,
      headers => ['If-Unmodified-Since' => 'Sun, 06 Nov 1994 08:49:37 GMT'],
      body => $new, status => 412, after => 'unchanged' },
    { name => 'If-Unmodified-Since in the future does not count',
      method => 'PUT', uri => $u, before => $old,
      headers => ['If-Unmodified-Since' => 'Fri, 01 Jan 2100 00:00:00 GMT'],
      body => $new, status => 428, after => 'unchanged' },
    { name => 'If-Unmodified-Since that is not a date', method => 'PUT',
      uri => $u, before => $old,
      headers => ['If-Unmodified-Since' => 'yesterday'],
      body => $new, status => 428, after => 'unchanged' },
    { name => 'blank If-Match', method => 'PUT', uri => $u, before => $old,
      headers => ['If-Match' => ''], body => $new, status => 428,
      after => 'unchanged' },
    { name => 'If-Match of blanks', method => 'PUT', uri => $u,
      before => $old, headers => ['If-Match' => "  \t "], body => $new,
      status => 428, after => 'unchanged' },
    { name => 'blank If-None-Match', method => 'PUT', uri => $u,
      headers => ['If-None-Match' => ' '], body => $new, status => 428,
      after => 'absent' },
    { name => 'an unrelated header is no precondition', method => 'PUT',
      uri => $u, before => $old, headers => ['If-Modified-Since' =>
      'Sun, 06 Nov 1994 08:49:37 GMT', 'If-Range' => '"x"'],
      body => $new, status => 428, after => 'unchanged' },
    { name => 'unconditional DELETE', method => 'DELETE', uri => $u,
      before => $old, status => 428, after => 'unchanged' },
    { name => 'stale DELETE is httpd\'s 412', method => 'DELETE',
      uri => $u, before => $old, headers => ['If-Match' => '"stale"'],
      status => 412, after => 'unchanged' },
    { name => 'DELETE with the matching If-Match', method => 'DELETE',
      uri => $u, before => $old, headers => $etag, status => 204,
      after => 'absent' },
    # mod_dav has no PATCH: it gets mod_dav's 405 first, whatever it sends.
    { name => 'unconditional PATCH is mod_dav\'s 405', method => 'PATCH',
      uri => $u, before => $old, body => $new, status => 405,
      after => 'unchanged' },
    # mod_dav has no PATCH: a conditional one reaches it and gets its 405.
    { name => 'conditional PATCH reaches mod_dav', method => 'PATCH',
      uri => $u, before => $old, headers => $etag, body => $new,
      status => 405, after => 'unchanged' },
    { name => 'GET is not guarded', method => 'GET', uri => $u,
      before => $old, status => 200, after => 'unchanged' },
    { name => 'HEAD is not guarded', method => 'HEAD', uri => $u,
      before => $old, status => 200, after => 'unchanged' },
    { name => 'OPTIONS is not guarded', method => 'OPTIONS', uri => $u,
      before => $old, status => 200, after => 'unchanged' },
    { name => 'POST is not guarded', method => 'POST', uri => $u,
      before => $old, body => 'x', status => 200, after => 'unchanged' },
    # On a mod_dav resource the WebDAV If header counts; mod_dav then
    # evaluates it, and a state token that does not match is its 412.
    { name => 'WebDAV If counts under mod_dav', method => 'PUT', uri => $u,
      before => $old, headers => ['If' => '(<urn:uuid:not-a-lock>)'],
      body => $new, status => 412, after => 'unchanged' },
    { name => 'WebDAV If with the matching ETag', method => 'PUT',
      uri => $u, before => $old,
      headers => sub { ['If' => '([' . etag_of($u) . '])'] },
      body => $new, status => 204, after => $new },
);

# A locked resource: the lock token in If is a usable precondition.
# A name of its own each run: a lock outlives the server in DavLockDB.
my $lu = "/dav/core/locked-$$.txt";
my $token;
my $lockbody = <<'XML';
<?xml version="1.0" encoding="utf-8"?>
<D:lockinfo xmlns:D="DAV:">
  <D:lockscope><D:exclusive/></D:lockscope>
  <D:locktype><D:write/></D:locktype>
  <D:owner>rp tests</D:owner>
</D:lockinfo>
XML
my @lock_cases = (
    { name => 'locked: unconditional PUT', method => 'PUT', uri => $lu,
      before => $old, body => $new, status => 428, after => 'unchanged',
      setup => sub {
          my $res = req(LOCK => $lu, ['Timeout' => 'Second-60',
                                      'Content-Type' => 'text/xml'],
                        $lockbody);
          ($token) = ($res->header('Lock-Token') || '') =~ /<([^>]+)>/;
      } },
    { name => 'locked: If-Match without the token is mod_dav\'s 423',
      method => 'PUT', uri => $lu, before => $old,
      headers => sub { ['If-Match' => etag_of($lu)] }, body => $new,
      status => 423, after => 'unchanged' },
    { name => 'locked: the lock token in If', method => 'PUT', uri => $lu,
      before => $old, headers => sub { ['If' => "(<$token>)"] },
      body => $new, status => 204, after => $new },
);

# PROPPATCH: mod_dav_fs changes neither the ETag nor Last-Modified, so an
# If-Match or If-Unmodified-Since cannot fail there; where PROPPATCH is
# guarded only a lock token (or If-None-Match: *) counts. Each case sets
# the property to v1 through an unguarded Alias, then tries to set v2.
my $proppatch = <<'XML';
<?xml version="1.0" encoding="utf-8"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:rp-test">
  <D:set><D:prop><Z:note>VALUE</Z:note></D:prop></D:set>
</D:propertyupdate>
XML
my $propfind = <<'XML';
<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><Z:note xmlns:Z="urn:rp-test"/></D:prop></D:propfind>
XML
sub set_prop {
    my ($uri, $value, $headers) = @_;
    (my $body = $proppatch) =~ s/VALUE/$value/;
    return req(PROPPATCH => $uri, ['Content-Type' => 'text/xml',
                                   @{ $headers || [] }], $body);
}
sub get_prop {
    (my $open = shift) =~ s{^/dav/props/}{/props-open/};
    my $res = req(PROPFIND => $open, ['Depth' => '0',
                                      'Content-Type' => 'text/xml'], $propfind);
    my ($v) = $res->content =~ m{<(?:\w+:)?note\b[^>/]*>([^<]*)<};
    return $v;
}
my $pu = '/dav/props/p.txt';
my $plu = "/dav/props/locked-$$.txt";
my $ptoken;
my @prop_cases = (
    ['unconditional', $pu, [], 428, 'v1'],
    ['If-Match with its ETag (it stays the same)', $pu,
     sub { ['If-Match' => etag_of($pu)] }, 428, 'v1'],
    ['If-Unmodified-Since its Last-Modified (it stays the same)', $pu,
     sub { ['If-Unmodified-Since' => req(GET => $pu)->header('Last-Modified')] },
     428, 'v1'],
    ['If with its ETag', $pu, sub { ['If' => '([' . etag_of($pu) . '])'] },
     428, 'v1'],
    ['If-None-Match: * over it is mod_dav\'s 412', $pu,
     ['If-None-Match' => '*'], 412, 'v1'],
    ['its lock token in If', $plu, sub {
         my $res = req(LOCK => $plu, ['Timeout' => 'Second-60',
                                      'Content-Type' => 'text/xml'], $lockbody);
         ($ptoken) = ($res->header('Lock-Token') || '') =~ /<([^>]+)>/;
         ['If' => '(<' . ($ptoken || 'none') . '>)'] }, 207, 'v2'],
    ['ReportOnly: If-Match lets it through', '/dav/props/report/r.txt',
     sub { ['If-Match' => etag_of('/dav/props/report/r.txt')] }, 207, 'v2'],
);

plan tests => case_count(@cases, @lock_cases) + 2 * @prop_cases + 2,
    need_module 'dav';

run_cases(@cases);
run_cases(@lock_cases);
ok t_cmp($token, qr/^opaquelocktoken:/, 'LOCK gave a lock token');
req(UNLOCK => $lu, ['Lock-Token' => "<$token>"]) if $token;
unlink disk_path($lu);

my $mark = log_lines('error_log');
for my $c (@prop_cases) {
    my ($name, $uri, $headers, $status, $after) = @$c;
    put_disk($uri, $old);
    set_prop($uri =~ s{^/dav/props/}{/props-open/}r, 'v1');
    my $res = set_prop($uri, 'v2',
                       ref $headers eq 'CODE' ? $headers->() : $headers);
    ok t_cmp($res->code, $status, "PROPPATCH, $name: status");
    ok t_cmp(get_prop($uri), $after, "PROPPATCH, $name: the property");
}
req(UNLOCK => $plu, ['Lock-Token' => "<$ptoken>"]) if $ptoken;
unlink disk_path($plu);
ok t_cmp(scalar wait_for_log('error_log', $mark,
                             qr{PROPPATCH /dav/props/report/r\.txt from \S+ would be refused with 428: no usable precondition \(accepted: If-None-Match, If\)}),
         1, 'ReportOnly logs the PROPPATCH with If-Match as a would-be refusal');
