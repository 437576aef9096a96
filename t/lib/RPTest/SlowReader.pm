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

package RPTest::SlowReader;
# A response handler that reads the request's body, and then, whatever the
# read gave, works for the seconds X-RP-Work gives (at most 5) before it
# answers: a handler still busy with a body that failed halfway (httpd has
# answered 400 for a bad chunk meanwhile), as a proxy still sending to its
# backend would be (t/serialize.t 25).
use strict;
use warnings;

use Apache2::RequestRec ();
use Apache2::RequestIO ();
use APR::Table ();
use Apache2::Const -compile => qw(OK);
use Time::HiRes ();

sub handler {
    my $r = shift;
    my $buf;
    eval { 1 while $r->read($buf, 8192) };
    my $s = $r->headers_in->{'X-RP-Work'};
    Time::HiRes::sleep($s) if defined $s && $s =~ /^\d+(?:\.\d+)?$/ && $s <= 5;
    $r->content_type('text/plain');
    $r->print("done\n");
    return Apache2::Const::OK;
}

1;
