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

# The directives in every context they are allowed in, and how inner
# sections inherit from or override outer ones.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use RPTest;
use File::Path ();

my $old = "old\n";
my $new = "new\n";
my $inm = ['If-None-Match' => '*'];

my @cases = (
    # <Location> inside <Location>: RequirePrecondition Off wins.
    { name => 'sub-location Off: unconditional PUT', method => 'PUT',
      uri => '/dav/open/a.txt', before => $old, body => $new,
      status => 204, after => $new },
    { name => 'sub-location Off: unconditional DELETE', method => 'DELETE',
      uri => '/dav/open/a.txt', before => $old, status => 204,
      after => 'absent' },
    # RequirePreconditionMethods: an extension method, PUT left out.
    # mod_dav does not implement it: httpd's 405 comes first (t/order.t).
    { name => 'extension method in the list, unconditional',
      method => 'FROBNICATE', uri => '/dav/ext/a.txt', before => $old,
      status => 405, after => 'unchanged' },
    { name => 'extension method in the list, conditional, reaches httpd',
      method => 'FROBNICATE', uri => '/dav/ext/a.txt', before => $old,
      headers => ['If-Match' => '"x"'], status => 405, after => 'unchanged' },
    { name => 'PUT not in the list there', method => 'PUT',
      uri => '/dav/ext/a.txt', before => $old, body => $new,
      status => 204, after => $new },
    { name => 'DELETE in the list there', method => 'DELETE',
      uri => '/dav/ext/a.txt', before => $old, status => 428,
      after => 'unchanged' },
    { name => 'inherited RequirePrecondition On, methods overridden',
      method => 'PATCH', uri => '/dav/ext/a.txt', before => $old,
      body => $new, status => 405, after => 'unchanged' },
    # RequirePreconditionHeaders If-Match: If-None-Match no longer counts.
    { name => 'headers list: If-None-Match does not count',
      method => 'PUT', uri => '/dav/ifmatch-only/a.txt', headers => $inm,
      body => $new, status => 428, after => 'absent' },
    { name => 'headers list: If-Unmodified-Since does not count',
      method => 'PUT', uri => '/dav/ifmatch-only/a.txt', before => $old,
      headers => ['If-Unmodified-Since' => 'Fri, 01 Jan 2100 00:00:00 GMT'],
      body => $new, status => 428, after => 'unchanged' },
    { name => 'headers list: If-Match counts', method => 'PUT',
      uri => '/dav/ifmatch-only/a.txt', before => $old,
      headers => sub { ['If-Match' => etag_of('/dav/ifmatch-only/a.txt')] },
      body => $new, status => 204,
      after => $new },
    # Without mod_dav nothing evaluates If, so it does not count.
    { name => 'no mod_dav: If does not count', method => 'PUT',
      uri => '/plain/a.txt', before => $old,
      headers => ['If' => '(<urn:uuid:x>)'], body => $new, status => 428,
      after => 'unchanged' },
    { name => 'no mod_dav: If-Match counts (core then says 405)',
      method => 'PUT', uri => '/plain/a.txt', before => $old,
      headers => ['If-Match' => '"x"'], body => $new, status => 405,
      after => 'unchanged' },
    # <Directory>
    { name => '<Directory>: unconditional PUT', method => 'PUT',
      uri => '/dirguard/a.txt', before => $old, body => $new,
      status => 428, after => 'unchanged' },
    { name => '<Directory>: create with If-None-Match', method => 'PUT',
      uri => '/dirguard/a.txt', headers => $inm, body => $new,
      status => 201, after => $new },
    # <If>
    { name => '<If> false: not guarded', method => 'PUT',
      uri => '/dav-if/a.txt', before => $old, body => $new, status => 204,
      after => $new },
    { name => '<If> true: guarded', method => 'PUT', uri => '/dav-if/a.txt',
      before => $old, headers => ['X-Guard' => 1], body => $new,
      status => 428, after => 'unchanged' },
    # .htaccess with AllowOverride FileInfo
    { name => '.htaccess On: unconditional PUT', method => 'PUT',
      uri => '/htaccess/a.txt', before => $old, body => $new,
      status => 428, after => 'unchanged' },
    { name => '.htaccess methods: PATCH not listed', method => 'PATCH',
      uri => '/htaccess/a.txt', before => $old, body => $new,
      status => 405, after => 'unchanged' },
    { name => '.htaccess On: conditional PUT', method => 'PUT',
      uri => '/htaccess/a.txt', before => $old,
      headers => sub { ['If-Match' => etag_of('/htaccess/a.txt')] },
      body => $new, status => 204, after => $new },
    { name => 'nested .htaccess Off', method => 'PUT',
      uri => '/htaccess/open/a.txt', before => $old, body => $new,
      status => 204, after => $new },
    # <LocationMatch> and <Files>
    { name => '<LocationMatch> Off', method => 'PUT',
      uri => '/dav/lm-1/a.txt', before => $old, body => $new,
      status => 204, after => $new },
    { name => 'not matched by <LocationMatch>', method => 'PUT',
      uri => '/dav/lm-x/a.txt', before => $old, body => $new,
      status => 428, after => 'unchanged' },
    { name => '<Files> Off', method => 'PUT', uri => '/dirguard/a.draft',
      before => $old, body => $new, status => 204, after => $new },
    { name => 'not matched by <Files>', method => 'PUT',
      uri => '/dirguard/a.final', before => $old, body => $new,
      status => 428, after => 'unchanged' },
    # The server-wide default is Off.
    { name => 'unguarded location', method => 'PUT',
      uri => '/dav-if/b.txt', body => $new, status => 201, after => $new },
);

# Through a link from the unguarded /lnk/ into the guarded folder dgd:
# judged under the real file's configuration too, the stricter winning.
my $dg = '/dgd/a.txt';
my @link_cases = (
    { name => 'PUT through a link into a guarded <Directory>', method => 'PUT',
      uri => '/lnk/link/a.txt', file => $dg, before => $old, body => $new,
      status => 428, after => 'unchanged' },
    { name => 'create through the link', method => 'PUT',
      uri => '/lnk/link/new.txt', file => '/dgd/new.txt', body => $new,
      status => 428, after => 'absent' },
    { name => 'DELETE through the link', method => 'DELETE',
      uri => '/lnk/link/a.txt', file => $dg, before => $old, status => 428,
      after => 'unchanged' },
    { name => 'DELETE of the guarded folder through the link',
      method => 'DELETE', uri => '/lnk/link/', file => $dg, before => $old,
      status => 428, after => 'unchanged' },
    { name => 'conditional PUT through the link', method => 'PUT',
      uri => '/lnk/link/a.txt', file => $dg, before => $old, body => $new,
      headers => sub { ['If-Match' => etag_of('/lnk/link/a.txt')] },
      status => 204, after => $new },
    { name => 'PUT through a link into a ReportOnly <Directory>',
      method => 'PUT', uri => '/lnk/rlink/a.txt', file => '/dgr/a.txt',
      before => $old, body => $new, status => 204, after => $new },
    { name => 'PUT beside the link: unguarded', method => 'PUT',
      uri => '/lnk/plain.txt', before => $old, body => $new, status => 204,
      after => $new },
);

plan tests => case_count(@cases, @link_cases) + 1, need_module 'dav';

run_cases(@cases);
File::Path::make_path(map { disk_path($_) } '/dgd', '/dgr', '/lnk');
for my $l (['link', '../dgd'], ['rlink', '../dgr']) {
    my $at = disk_path("/lnk/$l->[0]");
    symlink($l->[1], $at) or die "symlink $at: $!" unless -l $at;
}
my $mark = log_lines('error_log');
run_cases(@link_cases);
ok t_cmp(scalar wait_for_log('error_log', $mark,
             qr{PUT /lnk/rlink/a\.txt \(real file \S+/dgr/a\.txt\) from \S+ would be refused with 428.*\[ReportOnly\]}),
         1, 'ReportOnly through a link: the warning names the real file');
