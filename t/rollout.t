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

# Report-only rollout and the trail a refused (or would-be refused) request
# leaves: the PRECONDITION_MISSING variable and the precondition-missing note.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use RPTest;

my $old = "old\n";
my $new = "new\n";
my @cases = (
    { name => 'ReportOnly: unconditional PUT goes through', method => 'PUT',
      uri => '/dav/report/a.txt', before => $old, body => $new,
      status => 204, after => $new },
    { name => 'ReportOnly: unconditional create goes through',
      method => 'PUT', uri => '/dav/report/b.txt', body => $new,
      status => 201, after => $new },
    { name => 'ReportOnly: unconditional DELETE goes through',
      method => 'DELETE', uri => '/dav/report/a.txt', before => $old,
      status => 204, after => 'absent' },
    { name => 'ReportOnly: httpd\'s 412 is untouched', method => 'PUT',
      uri => '/dav/report/a.txt', before => $old,
      headers => ['If-Match' => '"stale"'], body => $new, status => 412,
      after => 'unchanged' },
);

plan tests => case_count(@cases) + 13, need_module 'dav';

my $err = log_lines('error_log');
my $miss = log_lines('missing_log');
run_cases(@cases);

my @warn = wait_for_log('error_log', $err,
    qr/require_precondition:warn.*would be refused/, 3);
ok t_cmp(scalar @warn, 3, 'ReportOnly: one warning per would-be refusal');
ok t_cmp($warn[0] || '', qr{PUT /dav/report/a\.txt from 127\.0\.0\.1 would be refused with 428: no usable precondition .*\[ReportOnly\]},
         'ReportOnly: the warning names method, URI and client');
ok t_cmp(join('', @warn), qr{DELETE /dav/report/a\.txt},
         'ReportOnly: DELETE reported too');
my @m = wait_for_log('missing_log', $miss, qr{/dav/report/}, 3);
ok t_cmp(scalar @m, 3,
         'ReportOnly: CustomLog env=PRECONDITION_MISSING logs the three');
ok t_cmp(scalar(grep { m{^PUT /dav/report/a\.txt 204 pm=1$} } @m), 1,
         'ReportOnly: the note is there for LogFormat');
ok t_cmp(join('', @m) =~ /412/ ? 1 : 0, 0,
         'ReportOnly: a conditional request is not logged as missing');
ok t_cmp(scalar(grep { /require_precondition:warn/ && /If-Match.*stale/ }
                log_lines('error_log', $err)), 0, 'no warning for 412');

# On: the same trail for a refused request, none for a conditional one.
$miss = log_lines('missing_log');
put_disk('/dav/core/trail.txt', $old);
my $res = req(PUT => '/dav/core/trail.txt', [], $new);
ok t_cmp($res->code, 428, 'On: refused');
$res = req(PUT => '/dav/core/trail.txt',
          ['If-Match' => etag_of('/dav/core/trail.txt')], $new);
ok t_cmp($res->code, 204, 'On: conditional accepted');
@m = wait_for_log('missing_log', $miss, qr{trail});
ok t_cmp(join('', @m), "PUT /dav/core/trail.txt 428 pm=1\n",
         'On: only the refused request is in the env=PRECONDITION_MISSING log');

# Off (a sub-location) leaves no trail at all.
$miss = log_lines('missing_log');
fresh_path('/dav/open/trail.txt');
$res = req(PUT => '/dav/open/trail.txt', [], $new);
ok t_cmp($res->code, qr/^20[14]$/, 'Off: accepted');
req(GET => '/dav/core/trail.txt');   # a marker request after it
select undef, undef, undef, 0.3;
ok t_cmp(scalar(grep { /open/ } log_lines('missing_log', $miss)), 0,
         'Off: no trail');
ok t_cmp(scalar(grep { /require_precondition:warn/ }
                log_lines('error_log', $err)), 3,
         'On and Off log no warnings');
