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

# The module in front of a backend (ProxyPass) that does not require a
# precondition itself but evaluates one (mod_dav): an
# unconditional write never reaches the backend; the backend's own 412s and
# 2xx pass through unchanged.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use RPTest;

my $front = '/proxied/p.txt';
my $back = '/backend/p.txt';
my $old = "old\n";
my $new = "new\n";


plan tests => 21, need_module 'dav', 'proxy', 'proxy_http';

sub check {
    my ($name, $method, $headers, $body, $before, $status, $after) = @_;
    defined $before ? put_disk($back, $before) : fresh_path($back);
    my $mark = log_lines('access_all_log');
    my $res = req($method, $front,
                  ref $headers eq 'CODE' ? $headers->() : $headers, $body);
    ok t_cmp($res->code, $status, "$name: status");
    ok t_cmp(slurp($back), $after, "$name: backend file");
    req(GET => '/errors/428.html');     # a marker: logs are in order
    wait_for_log('access_all_log', $mark, qr{^GET /errors/428\.html});
    return (scalar grep { m{^\Q$method\E /backend/p\.txt} }
            log_lines('access_all_log', $mark));
}

my $reached = check('unconditional PUT', PUT => [], $new, $old, 428, $old);
ok t_cmp($reached, 0, 'unconditional PUT never reaches the backend');
$reached = check('unconditional DELETE', DELETE => [], undef, $old, 428, $old);
ok t_cmp($reached, 0, 'unconditional DELETE never reaches the backend');
$reached = check('unconditional create', PUT => [], $new, undef, 428, undef);
ok t_cmp($reached, 0, 'unconditional create never reaches the backend');

$reached = check('stale If-Match: the backend\'s 412', PUT =>
                 ['If-Match' => '"stale"'], $new, $old, 412, $old);
ok t_cmp($reached, 1, 'stale If-Match reached the backend');
$reached = check('If-None-Match: * over a file: the backend\'s 412', PUT =>
                 ['If-None-Match' => '*'], $new, $old, 412, $old);
ok t_cmp($reached, 1, 'If-None-Match reached the backend');
$reached = check('create through the proxy', PUT =>
                 ['If-None-Match' => '*'], $new, undef, 201, $new);
ok t_cmp($reached, 1, 'create reached the backend');
$reached = check('update with the ETag read through the proxy', PUT =>
                 sub { ['If-Match' => scalar req(GET => $front)->header('ETag')] },
                 $new, $old, 204, $new);
ok t_cmp($reached, 1, 'update reached the backend');
