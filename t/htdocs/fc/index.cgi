#!/usr/bin/perl
# A front controller (t/serialize.t): every URL under /fc/ is rewritten to
# this script, which reads the body and answers 204, as an application that
# stores /items/N would.
use strict;
use warnings;
binmode STDIN;
my $len = $ENV{CONTENT_LENGTH} || 0;
my $body = '';
while (length $body < $len) {
    my $n = read STDIN, my $buf, $len - length $body;
    last unless $n;
    $body .= $buf;
}
print "Status: 204 No Content\r\n\r\n";
