#!/usr/bin/perl
# The backend of t/spool.t: answers with the CONTENT_LENGTH and
# Transfer-Encoding it was given, then the body exactly as it read it.
use strict;
use warnings;
binmode STDIN;
binmode STDOUT;
my $len = $ENV{CONTENT_LENGTH};
my $body = '';
if (defined $len) {
    while (length $body < $len) {
        my $n = read STDIN, my $buf, $len - length $body;
        last unless $n;
        $body .= $buf;
    }
}
my $te = $ENV{HTTP_TRANSFER_ENCODING} // '';
print "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
print 'CL=' . ($len // 'none') . " TE=$te\n", $body;
