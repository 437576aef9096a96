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

package RPTest::Pause;
# An access handler that sleeps for the seconds in X-RP-Pause (at most 5),
# after httpd has mapped the URL and before the fixups: the window in which
# t/serialize.t changes the disk under a request, as a slow authentication
# backend would let another client do.
use strict;
use warnings;

use Apache2::RequestRec ();
use APR::Table ();
use Apache2::Const -compile => qw(DECLINED);
use Time::HiRes ();

sub handler {
    my $r = shift;
    my $s = $r->headers_in->{'X-RP-Pause'};
    Time::HiRes::sleep($s) if defined $s && $s =~ /^\d+(?:\.\d+)?$/ && $s <= 5;
    return Apache2::Const::DECLINED;
}

1;
