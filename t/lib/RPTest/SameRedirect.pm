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

package RPTest::SameRedirect;
# A response handler that redirects a request internally to its own URI,
# once: the redirected request must not wait for the lock that the request
# it came from already holds (t/serialize.t).
use strict;
use warnings;

use Apache2::RequestRec ();
use Apache2::RequestIO ();
use Apache2::SubRequest ();
use Apache2::Const -compile => qw(OK);

sub handler {
    my $r = shift;
    if (!$r->prev) {
        $r->internal_redirect($r->uri . '?inner');
        return Apache2::Const::OK;
    }
    $r->content_type('text/plain');
    $r->print("inner\n");
    return Apache2::Const::OK;
}

1;
