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
