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


# The start-up warning RP00095 (t/conf/topic/proxy.conf.in): a location
# whose writes RequirePreconditionSerialize orders but mod_proxy forwards
# with RequirePreconditionEvaluate off. A row: what, the name the line
# gives, and whether it is named (once per start or restart) or never.
my @rp95 = (
    ['ProxyPass in the <Location>', qr{<Location /rp95/inside/> \(}, 1],
    ['a server-level ProxyPass covers the <Location>',
     qr{<Location /rp95/server/> \(}, 1],
    ['SetHandler proxy:...', qr{<Location /rp95/handler/> \(}, 1],
    ['Serialize from an enclosing <Location>',
     qr{<Location /rp95/outer/api/> \(}, 1],
    ['a server-level ProxyPass under a serialized <Location>',
     qr{ProxyPass /rp95/tree/api/ http\S+ \(}, 1],
    ['in a virtual host', qr{<Location /rp95/vhost/> \(}, 1],
    ['with Evaluate Backend', qr{/rp95/eval/}, 0],
    ['with Evaluate Digest from an enclosing <Location>', qr{/rp95/evtree/}, 0],
    ['excluded from the proxy (ProxyPass !)', qr{/rp95x/}, 0],
    ['Serialize Off', qr{/rp95/plain/}, 0],
    ['not serialized', qr{<Location /proxied/>}, 0],
    ['serialized, not proxied', qr{<Location /rp95/tree/>}, 0],
    ['a ProxyPass of a <Location> named is not named again',
     qr{ProxyPass /rp95/(?:server|vhost)/ }, 0],
);

plan tests => 21 + @rp95 + 1, need_module 'dav', 'proxy', 'proxy_http';

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

# The start-up warning, read from the server's error log: every start and
# graceful restart says it once for each.
{
    my @log = log_lines('error_log', 0);
    my $starts = grep { /configured -- resuming normal operations/ } @log;
    my @said = grep { /RP00095: / } @log;
    for my $row (@rp95) {
        my ($what, $re, $named) = @$row;
        my $n = grep { /$re/ } @said;
        ok t_cmp($n, $named ? $starts : 0,
                 "RP00095, $what: " . ($named ? 'named once a start' : 'not named'));
    }
    ok t_cmp(join('', grep { m{<Location /rp95/inside/>} } @said),
             qr{\[require_precondition:warn\].*RP00095: <Location /rp95/inside/> \(\S+:\d+\): RequirePreconditionSerialize On orders the writes mod_proxy forwards from here, but with RequirePreconditionEvaluate Off the backend judges their preconditions, and one that ignores If-Match refuses none; set RequirePreconditionEvaluate Backend \(or Digest\) here},
             'RP00095: a warning that names the section, its file and line, and the fix');
}
