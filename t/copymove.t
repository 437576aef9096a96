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

# COPY and MOVE write their Destination and MOVE removes its source: each
# is judged under its own location's configuration. At the destination,
# Overwrite: F and an If list tagged with it count; If-Match (about the
# source) does not. Every case asserts the status and both files.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use RPTest;

my $src_text = "the source\n";
my $dst_text = "the destination\n";
my $url = sub { Apache::TestRequest::resolve_url(shift) };

# headers: code ref called with (source URI, destination URI) after the
# files are in place, so that it can read their ETags.
my @cases = (
    # A guarded destination, whatever the source.
    { name => 'MOVE onto a guarded document, no precondition',
      method => 'MOVE', src => '/dav/cm/a/tmp.txt', dst => '/dav/cm/a/doc.txt',
      headers => sub { ['Overwrite' => 'T'] },
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'MOVE with the source\'s If-Match only',
      method => 'MOVE', src => '/dav/cm/b/tmp.txt', dst => '/dav/cm/b/doc.txt',
      headers => sub { ['If-Match' => etag_of($_[0])] },
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY with the source\'s If-Match only',
      method => 'COPY', src => '/dav/cm/c/tmp.txt', dst => '/dav/cm/c/doc.txt',
      headers => sub { ['If-Match' => etag_of($_[0])] },
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY from an unguarded store into a guarded one',
      method => 'COPY', src => '/cm-free/d/src.txt', dst => '/dav/cm/d/doc.txt',
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY, untagged If is about the source',
      method => 'COPY', src => '/dav/cm/e/tmp.txt', dst => '/dav/cm/e/doc.txt',
      headers => sub { ['If' => '([' . etag_of($_[0]) . '])'] },
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY, If tagged with the destination but always true',
      method => 'COPY', src => '/cm-free/f/src.txt', dst => '/dav/cm/f/doc.txt',
      headers => sub { ['If' => '<' . $url->($_[1]) . '> (Not <DAV:no-lock>)'] },
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY, Destination %-encoded',
      method => 'COPY', src => '/cm-free/g/src.txt', dst => '/dav/cm/g/doc.txt',
      destination => $url->('/dav/cm/g/d%6fc.txt'),
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY, Destination as a bare path: mod_dav\'s 400',
      method => 'COPY', src => '/cm-free/g2/src.txt', dst => '/dav/cm/g2/doc.txt',
      destination => '/dav/cm/g2/doc.txt',
      status => 400, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY, Overwrite: F onto an existing document is mod_dav\'s 412',
      method => 'COPY', src => '/cm-free/h/src.txt', dst => '/dav/cm/h/doc.txt',
      headers => sub { ['Overwrite' => 'F'] },
      status => 412, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY, Overwrite: F onto a free name',
      method => 'COPY', src => '/cm-free/i/src.txt', dst => '/dav/cm/i/new.txt',
      dst_before => undef, headers => sub { ['Overwrite' => 'F'] },
      status => 201, src_after => 'unchanged', dst_after => 'source' },
    { name => 'COPY, If tagged with the destination\'s ETag',
      method => 'COPY', src => '/cm-free/j/src.txt', dst => '/dav/cm/j/doc.txt',
      headers => sub { ['If' => '<' . $url->($_[1]) . '> (['
                                 . etag_of($_[1]) . '])'] },
      status => 204, src_after => 'unchanged', dst_after => 'source' },
    { name => 'COPY, If tagged with the destination, path form, stale',
      method => 'COPY', src => '/cm-free/k/src.txt', dst => '/dav/cm/k/doc.txt',
      headers => sub { ['If' => "<$_[1]> ([\"stale\"])"] },
      status => 412, src_after => 'unchanged', dst_after => 'unchanged' },
    # The destination as mod_dav finds it, whatever form names it.
    { name => 'COPY, New-uri instead of Destination (Netscape)',
      method => 'COPY', src => '/cm-free/x/src.txt', dst => '/dav/cm/x/doc.txt',
      destination => '', headers => sub { ['New-uri' => $_[1]] },
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'COPY, Destination with a scheme and a relative path',
      method => 'COPY', src => '/dav/cm/y/tmp.txt', dst => '/dav/cm/y/doc.txt',
      destination => 'http:doc.txt',
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'MOVE into a store where <Limit PUT> denies PUT',
      method => 'MOVE', src => '/cm-free/z/src.txt', dst => '/cm-limit/doc.txt',
      status => 428, src_after => 'unchanged', dst_after => 'unchanged' },
    { name => 'MOVE into it with Overwrite: F',
      method => 'MOVE', src => '/cm-free/z2/src.txt', dst => '/cm-limit/new.txt',
      dst_before => undef, headers => sub { ['Overwrite' => 'F'] },
      status => 201, src_after => 'absent', dst_after => 'source' },
    { name => 'COPY, If tagged with the destination, dot segments',
      method => 'COPY', src => '/cm-free/z3/src.txt', dst => '/dav/cm/z3/doc.txt',
      headers => sub { (my $d = $_[1]) =~ s{/z3/}{/z3/./};
                       ['If' => "<$d> ([" . etag_of($_[1]) . '])'] },
      status => 204, src_after => 'unchanged', dst_after => 'source' },
    # MOVE removes its source: judged as a DELETE there.
    { name => 'MOVE out of a guarded store, no precondition',
      method => 'MOVE', src => '/dav/cm/l/tmp.txt', dst => '/cm-free/l/new.txt',
      dst_before => undef,
      status => 428, src_after => 'unchanged', dst_after => 'absent' },
    { name => 'MOVE out of a guarded store with the source\'s If-Match',
      method => 'MOVE', src => '/dav/cm/m/tmp.txt', dst => '/cm-free/m/new.txt',
      dst_before => undef, headers => sub { ['If-Match' => etag_of($_[0])] },
      status => 201, src_after => 'absent', dst_after => 'source' },
    { name => 'MOVE, source If-Match and destination Overwrite: F',
      method => 'MOVE', src => '/dav/cm/n/tmp.txt', dst => '/dav/cm/n/new.txt',
      dst_before => undef,
      headers => sub { ['If-Match' => etag_of($_[0]), 'Overwrite' => 'F'] },
      status => 201, src_after => 'absent', dst_after => 'source' },
    { name => 'MOVE, both tagged in If',
      method => 'MOVE', src => '/dav/cm/o/tmp.txt', dst => '/dav/cm/o/doc.txt',
      headers => sub { ['If' => '<' . $url->($_[0]) . '> (['
                                 . etag_of($_[0]) . ']) <'
                                 . $url->($_[1]) . '> (['
                                 . etag_of($_[1]) . '])'] },
      status => 204, src_after => 'absent', dst_after => 'source' },
    { name => 'MOVE, a stale source If-Match is mod_dav\'s 412',
      method => 'MOVE', src => '/dav/cm/p/tmp.txt', dst => '/dav/cm/p/new.txt',
      dst_before => undef,
      headers => sub { ['If-Match' => '"stale"', 'Overwrite' => 'F'] },
      status => 412, src_after => 'unchanged', dst_after => 'absent' },
    # Neither the destination nor a removed source is guarded: untouched.
    { name => 'COPY out of a guarded store, COPY not listed',
      method => 'COPY', src => '/dav/cm/q/tmp.txt', dst => '/cm-free/q/new.txt',
      dst_before => undef,
      status => 201, src_after => 'unchanged', dst_after => 'source' },
    { name => 'COPY into a location that is Off',
      method => 'COPY', src => '/dav/cm/r/tmp.txt', dst => '/dav/open/cm-r.txt',
      status => 204, src_after => 'unchanged', dst_after => 'source' },
    { name => 'MOVE between unguarded stores',
      method => 'MOVE', src => '/cm-free/s/src.txt', dst => '/cm-free/s/doc.txt',
      status => 204, src_after => 'absent', dst_after => 'source' },
    # COPY listed where the source is: the copy must name what it read.
    { name => 'COPY listed at the source, no precondition',
      method => 'COPY', src => '/dav/cm-listed/src.txt',
      dst => '/cm-free/t/new.txt', dst_before => undef,
      status => 428, src_after => 'unchanged', dst_after => 'absent' },
    { name => 'COPY listed at the source, with its If-Match',
      method => 'COPY', src => '/dav/cm-listed/src2.txt',
      dst => '/cm-free/u/new.txt', dst_before => undef,
      headers => sub { ['If-Match' => etag_of($_[0])] },
      status => 201, src_after => 'unchanged', dst_after => 'source' },
    # ReportOnly at the destination: logged, let through.
    { name => 'COPY onto a ReportOnly destination',
      method => 'COPY', src => '/cm-free/v/src.txt',
      dst => '/dav/cm-report/doc.txt',
      status => 204, src_after => 'unchanged', dst_after => 'source' },
);

# /cm-outer/ is unguarded and holds the guarded /cm-outer/guarded/:
# removing or overwriting /cm-outer/ removes what that one guards. The
# guarded member is what is checked.
my $member = '/cm-outer/guarded/doc.txt';
my @outer = (
    { name => 'DELETE the collection that holds a guarded one',
      method => 'DELETE', uri => '/cm-outer/', status => 428,
      member => 'unchanged' },
    { name => 'MOVE it away', method => 'MOVE', uri => '/cm-outer/',
      dest => '/cm-free/o3/', status => 428, member => 'unchanged' },
    { name => 'COPY a collection over it', method => 'COPY',
      uri => '/cm-free/o4src/', dest => '/cm-outer/', status => 428,
      member => 'unchanged' },
    { name => 'DELETE a sibling of the guarded collection',
      method => 'DELETE', uri => '/cm-outer/other/', status => 204,
      member => 'unchanged' },
    { name => 'DELETE it with the token of a lock on it', method => 'DELETE',
      uri => '/cm-outer/', lock => 1, status => 204, member => 'absent' },
);

# /cm-walk/ is unguarded, and members of its folders are guarded by a
# <Files> section or a sub-folder's .htaccess: a walk of what a DELETE,
# MOVE or COPY would remove finds them. [name, method, uri, destination,
# status, guarded member, after]
my @walk = (
    ['DELETE a folder holding a <Files>-guarded member', 'DELETE',
     '/cm-walk/fl/', undef, 428, '/cm-walk/fl/important.txt', 'unchanged'],
    ['MOVE that folder away', 'MOVE', '/cm-walk/fl/', '/cm-free/w3/', 428,
     '/cm-walk/fl/important.txt', 'unchanged'],
    ['COPY a collection over that folder', 'COPY', '/cm-free/w4src/',
     '/cm-walk/fl/', 428, '/cm-walk/fl/important.txt', 'unchanged'],
    ['DELETE a folder whose sub-folder\'s .htaccess says On', 'DELETE',
     '/cm-walk/ht/', undef, 428, '/cm-walk/ht/sub/a.txt', 'unchanged'],
    ['DELETE a folder holding nothing guarded', 'DELETE', '/cm-walk/plain/',
     undef, 204, '/cm-walk/plain/deep/a.txt', 'absent'],
    ['DELETE a folder holding a ReportOnly member', 'DELETE', '/cm-walk/ro/',
     undef, 204, '/cm-walk/ro/report.txt', 'absent'],
);

plan tests => 3 * @cases + 2 * @outer + 2 * @walk + 4, need_module 'dav';

sub expect {
    my ($what, $before, $src_before) = @_;
    return $what eq 'unchanged' ? $before
         : $what eq 'absent'    ? undef
         : $what eq 'source'    ? $src_before
         :                        $what;
}

my $mark = log_lines('error_log');
for my $c (@cases) {
    my $dst_before = exists $c->{dst_before} ? $c->{dst_before} : $dst_text;
    put_disk($c->{src}, $src_text);
    if (defined $dst_before) {
        put_disk($c->{dst}, $dst_before);
    }
    else {
        fresh_path($c->{dst});
    }
    my $headers = $c->{headers} ? $c->{headers}->($c->{src}, $c->{dst}) : [];
    my $dest = defined $c->{destination} ? $c->{destination}
                                         : $url->($c->{dst});
    my $res = req($c->{method}, $c->{src},
                  [(length $dest ? (Destination => $dest) : ()), @$headers]);
    ok t_cmp($res->code, $c->{status}, "$c->{name}: status");
    ok t_cmp(slurp($c->{src}), expect($c->{src_after}, $src_text),
             "$c->{name}: source $c->{src_after}");
    ok t_cmp(slurp($c->{dst}), expect($c->{dst_after}, $dst_before, $src_text),
             "$c->{name}: destination $c->{dst_after}");
}

my $lockbody = '<?xml version="1.0" encoding="utf-8"?>'
    . '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>'
    . '<D:locktype><D:write/></D:locktype></D:lockinfo>';
for my $c (@outer) {
    put_disk($member, $src_text);
    put_disk('/cm-outer/other/x.txt', $src_text);
    put_disk('/cm-free/o4src/x.txt', $src_text);
    fresh_path('/cm-free/o3/x.txt');
    rmdir disk_path('/cm-free/o3');
    my @h;
    if ($c->{lock}) {
        my $res = req(LOCK => $c->{uri}, ['Timeout' => 'Second-60',
                      'Depth' => 'infinity', 'Content-Type' => 'text/xml'],
                      $lockbody);
        my ($token) = ($res->header('Lock-Token') || '') =~ /<([^>]+)>/;
        @h = (If => '<' . $url->($c->{uri}) . "> (<$token>)");
    }
    push @h, Destination => $url->($c->{dest}), Overwrite => 'T'
        if $c->{dest};
    my $res = req($c->{method}, $c->{uri}, \@h);
    ok t_cmp($res->code, $c->{status}, "$c->{name}: status");
    ok t_cmp(slurp($member), $c->{member} eq 'absent' ? undef : $src_text,
             "$c->{name}: the guarded member $c->{member}");
}

for my $c (@walk) {
    my ($name, $method, $uri, $dest, $status, $member, $after) = @$c;
    put_disk('/cm-walk/fl/important.txt', $src_text);
    put_disk('/cm-walk/fl/other.txt', $src_text);
    put_disk('/cm-walk/ht/sub/.htaccess', "RequirePrecondition On\n");
    put_disk('/cm-walk/ht/sub/a.txt', $src_text);
    put_disk('/cm-walk/plain/deep/a.txt', $src_text);
    put_disk('/cm-walk/ro/report.txt', $src_text);
    put_disk('/cm-free/w4src/x.txt', $src_text);
    fresh_path('/cm-free/w3/x.txt');
    rmdir disk_path('/cm-free/w3');
    my $res = req($method, $uri, $dest ? [Destination => $url->($dest),
                                          Overwrite => 'T'] : []);
    ok t_cmp($res->code, $status, "$name: status");
    ok t_cmp(slurp($member), $after eq 'absent' ? undef : $src_text,
             "$name: the guarded member $after");
}
ok t_cmp(req(DELETE => '/cm-walk/fl/important.txt')->code, 428,
         'the <Files>-guarded member itself: 428');
ok t_cmp(scalar wait_for_log('error_log', $mark,
             qr{DELETE /cm-walk/ro/ \(guarded member \S+/cm-walk/ro/report\.txt\) from \S+ would be refused with 428.*\[ReportOnly\]}),
         1, 'ReportOnly member: the warning names it');

ok t_cmp(join('', wait_for_log('error_log', $mark,
             qr{COPY /cm-free/v/src\.txt \(destination /dav/cm-report/doc\.txt\)})),
         qr/would be refused with 428.*accepted: If, Overwrite.*\[ReportOnly\]/,
         'ReportOnly destination: the warning names the destination');
my $res = req(COPY => '/cm-free/w/src.txt',
              [Destination => $url->('/dav/cm/w/doc.txt'),
               Accept => 'application/json']) if put_disk('/cm-free/w/src.txt', 'x');
ok t_cmp($res->content,
         qr/"applies_to": "destination".*"accepted_headers": \["If", "Overwrite"\]/s,
         '428 for a destination says what counts there');
