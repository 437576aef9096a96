#!/usr/bin/perl
# t/passthrough.t: what a CGI is given. The framing it sees (CONTENT_LENGTH,
# Transfer-Encoding), the method and URL it runs for, then the body read to
# its end (as much as arrives, whatever CONTENT_LENGTH says).
use strict;
use warnings;
binmode STDIN;
binmode STDOUT;
local $/;
my $body = <STDIN>;
$body = '' unless defined $body;
print "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
printf "CL=%s TE=%s METHOD=%s REDIRECT=%s\n", $ENV{CONTENT_LENGTH} // 'none',
    $ENV{HTTP_TRANSFER_ENCODING} // '', $ENV{REQUEST_METHOD},
    $ENV{REDIRECT_URL} // '';
print $body;
