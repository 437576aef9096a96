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

package RPTest::Linger;
# A log handler that sleeps for the seconds in X-RP-Linger (at most 5):
# the request's pool, and with it the locks it holds, lives on until the
# log phase ends, so a write whose body was spooled (the lock engine's
# short path) holds its locks that long, as a slow disk would make it.
use strict;
use warnings;

use Apache2::RequestRec ();
use APR::Table ();
use Apache2::Const -compile => qw(OK);
use Time::HiRes ();

sub handler {
    my $r = shift;
    my $s = $r->headers_in->{'X-RP-Linger'};
    Time::HiRes::sleep($s) if defined $s && $s =~ /^\d+(?:\.\d+)?$/ && $s <= 5;
    return Apache2::Const::OK;
}

1;
