#!/usr/bin/perl
# An application behind httpd (t/override.t): it stores the body it is
# given in record.txt beside it, so that a test sees both whether the
# request reached it and whether the body arrived intact.
use strict;
use warnings;
use File::Basename qw(dirname);
binmode STDIN;
my $len = $ENV{CONTENT_LENGTH} || 0;
my $body = '';
while (length $body < $len) {
    my $n = read STDIN, my $buf, $len - length $body;
    last unless $n;
    $body .= $buf;
}
my $record = dirname($ENV{SCRIPT_FILENAME}) . '/record.txt';
open my $fh, '>', $record or die "$record: $!";
binmode $fh;
print $fh $body;
close $fh;
print "Status: 204 No Content\r\n\r\n";
