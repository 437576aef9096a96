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
