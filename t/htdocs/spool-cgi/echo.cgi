#!/usr/bin/perl
# The backend of t/spool.t: answers with the CONTENT_LENGTH and
# Transfer-Encoding it was given, then the body read to its end (a script
# that leaves part of a body unread makes httpd reset the connection).
use strict;
use warnings;
binmode STDIN;
binmode STDOUT;
local $/;
my $body = <STDIN> // '';
my $len = $ENV{CONTENT_LENGTH};
my $te = $ENV{HTTP_TRANSFER_ENCODING} // '';
print "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
print 'CL=' . ($len // 'none') . " TE=$te\n", $body;
