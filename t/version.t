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

# The release number: one in the source, CHANGES and debian/changelog, and
# the server shows it (mod_info's "Server Version", the start-up line).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET_BODY);
use Apache::TestUtil qw(t_cmp);

plan tests => 5, need_module 'info';

my $top = "$FindBin::Bin/..";
sub slurp { my $f = shift; open my $fh, '<', $f or die "$f: $!"; local $/; <$fh> }

my ($version) = slurp("$top/mod_require_precondition.h")
    =~ /^#define MOD_REQUIRE_PRECONDITION_VERSION "([^"]+)"/m;
ok t_cmp($version, qr/^\d+\.\d+\.\d+$/, 'MOD_REQUIRE_PRECONDITION_VERSION');
my ($changes) = slurp("$top/CHANGES")
    =~ /^Changes with mod_require_precondition (\S+)$/m;
ok t_cmp($changes, $version, 'the first entry of CHANGES');
my ($deb) = slurp("$top/debian/changelog") =~ /^\S+ \(([^)-]+)/;
ok t_cmp($deb, $version, 'debian/changelog (upstream part)');

my $info = GET_BODY('/server-info?server');
ok t_cmp($info, qr{Server Version:.*mod_require_precondition/\Q$version\E},
         "mod_info's Server Version");

my $log = slurp(Apache::Test::vars('t_logs') . '/error_log');
ok t_cmp($log, qr{RP\d{5}: mod_require_precondition/\Q$version\E loaded, built against httpd 2\.4\.\d+},
         'the start-up debug line');
