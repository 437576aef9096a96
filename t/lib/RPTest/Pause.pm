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
# Three handlers that sleep for the seconds a request header gives (at most
# 5). `handler`, an access handler, for X-RP-Pause: after httpd has mapped
# the URL and before the fixups, the window in which t/serialize.t changes
# the disk under a request, as a slow authentication backend would let
# another client do. `slow_end`, an output filter, for X-RP-Slow-End: it
# holds the end of the handler's response back, and a write holds its
# locks until that end has passed, so a write whose body was spooled (the
# lock engine's short path) holds its locks that long, as a slow disk or
# backend would make it. `linger`, a log handler, for X-RP-Linger: the log
# phase comes after the end, so the locks are free meanwhile.
use strict;
use warnings;

use Apache2::Filter ();
use Apache2::RequestRec ();
use APR::Table ();
use Apache2::Const -compile => qw(DECLINED OK);
use Time::HiRes ();

sub pause_for {
    my ($r, $header) = @_;
    my $s = $r->headers_in->{$header};
    Time::HiRes::sleep($s) if defined $s && $s =~ /^\d+(?:\.\d+)?$/ && $s <= 5;
}

sub handler {
    pause_for(shift, 'X-RP-Pause');
    return Apache2::Const::DECLINED;
}

sub linger {
    pause_for(shift, 'X-RP-Linger');
    return Apache2::Const::OK;
}

sub slow_end {
    my $f = shift;
    while ($f->read(my $buf, 8192)) {
        $f->print($buf);
    }
    pause_for($f->r, 'X-RP-Slow-End') if $f->seen_eos;
    return Apache2::Const::OK;
}

1;
