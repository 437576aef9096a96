#!/usr/bin/perl
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

# A CGI document store for t/evaluate.t that, like t/backend/app.py,
# ignores every If-* header: /eval-cgi/doc.cgi/NAME is the file NAME in
# $EVAL_CGI_STORE (t/conf/topic/evaluate.conf.in sets it). GET and HEAD
# give a strong ETag ("<sha1 of the content>") and Last-Modified; PUT 201 or
# 204, DELETE 204 or 404, PATCH appends the body (204, 404 when absent).
# Every write applied is appended to $EVAL_CGI_LOG as "METHOD /NAME" before
# the response, and every request to $EVAL_CGI_REQUESTS as "METHOD /NAME
# HEADERS" (the conditional headers it came with, or "-"), as app.py does. Always an explicit Status: without one httpd would evaluate
# a GET's If-* itself against the Last-Modified printed here.
use strict;
use warnings;
use Digest::SHA qw(sha1_hex);
use Fcntl qw(:flock O_WRONLY O_APPEND O_CREAT);

binmode STDIN;
binmode STDOUT;

sub respond {
    my ($status, $headers, $body) = @_;
    $body //= '';
    print "Status: $status\r\n";
    print "$_->[0]: $_->[1]\r\n" for @$headers;
    print 'Content-Length: ' . length($body) . "\r\n" unless $status =~ /^204/;
    print "\r\n";
    print $body if length $body && ($ENV{REQUEST_METHOD} // '') ne 'HEAD';
    exit 0;
}

sub http_date {
    my @t = gmtime shift;
    my @d = qw(Sun Mon Tue Wed Thu Fri Sat);
    my @m = qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec);
    return sprintf '%s, %02d %s %04d %02d:%02d:%02d GMT',
        $d[$t[6]], $t[3], $m[$t[4]], $t[5] + 1900, $t[2], $t[1], $t[0];
}

my $store = $ENV{EVAL_CGI_STORE}
    or respond('500 Internal Server Error', [], "no EVAL_CGI_STORE\n");
my $method = $ENV{REQUEST_METHOD} // '';
my $name = $ENV{PATH_INFO} // '';
respond('400 Bad Request', [], "bad name\n")
    unless $name =~ m{\A/[A-Za-z0-9_-][A-Za-z0-9._-]*\z};
my $file = "$store$name";

if (my $reqlog = $ENV{EVAL_CGI_REQUESTS}) {
    my @present = grep { defined $ENV{'HTTP_' . uc($_ =~ tr/-/_/r)} }
        qw(if-match if-none-match if-modified-since if-unmodified-since
           if-range if range expect);
    if (sysopen my $fh, $reqlog, O_WRONLY | O_APPEND | O_CREAT) {
        syswrite $fh, "$method $name " . (join(',', @present) || '-') . "\n";
        close $fh;
    }
}

my $body = '';
my $len = $ENV{CONTENT_LENGTH} || 0;
while (length $body < $len) {
    my $n = read STDIN, my $buf, $len - length $body;
    last unless $n;
    $body .= $buf;
}

sub content {
    open my $fh, '<', $file or return;
    binmode $fh;
    local $/;
    my $data = <$fh> // '';
    return ($data, (stat $fh)[9]);
}

sub replace {
    my $data = shift;
    my $tmp = "$store/.tmp-$$";
    open my $fh, '>', $tmp or respond('500 Internal Server Error', [], "$tmp: $!\n");
    binmode $fh;
    print $fh $data;
    close $fh or respond('500 Internal Server Error', [], "$tmp: $!\n");
    rename $tmp, $file or respond('500 Internal Server Error', [], "$file: $!\n");
}

sub applied {
    my $log = $ENV{EVAL_CGI_LOG} or return;
    sysopen my $fh, $log, O_WRONLY | O_APPEND | O_CREAT or return;
    syswrite $fh, "$method $name\n";
    close $fh;
}

if ($method eq 'GET' || $method eq 'HEAD') {
    my ($data, $mtime) = content();
    respond('404 Not Found', [['Content-Type', 'text/plain']],
            "no such document\n") unless defined $data;
    respond('200 OK', [['Content-Type', 'text/plain'],
                       ['ETag', '"' . sha1_hex($data) . '"'],
                       ['Last-Modified', http_date($mtime)]], $data);
}

# Writes one at a time, so that the log's order is the store's.
open my $lock, '>>', "$store/.lock" or respond('500 Internal Server Error', [], "lock: $!\n");
flock $lock, LOCK_EX;
if ($method eq 'PUT') {
    my $existed = -f $file;
    replace($body);
    applied();
    respond($existed ? '204 No Content' : '201 Created', []);
}
if ($method eq 'DELETE') {
    respond('404 Not Found', [], "no such document\n") unless -f $file;
    unlink $file;
    applied();
    respond('204 No Content', []);
}
if ($method eq 'PATCH') {
    my ($data) = content();
    respond('404 Not Found', [], "no such document\n") unless defined $data;
    replace($data . $body);
    applied();
    respond('204 No Content', []);
}
respond('405 Method Not Allowed', [['Allow', 'GET, HEAD, PUT, DELETE, PATCH']],
        "not here\n");
