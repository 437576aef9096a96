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

# A body the module reads (a form's _method, the spool) reaches the handler
# as it would without the module: through mod_actions, an .htaccess front
# controller, ErrorDocument, DirectoryIndex, DEFLATE and PHP under php-fpm,
# over HTTP/1.1 and h2c. Each request goes to four virtual hosts that share
# one tree (t/conf/topic/passthrough.conf.in): rp_pt_plain has none of the
# module's directives; under ReportOnly (with Serialize, with Evaluate
# Backend) the answer must be the same, byte for byte; under On too, but
# for the writes without a precondition, which get 428.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use File::Temp qw(tempfile);
use IO::Compress::Gzip qw(gzip $GzipError);
use RPTest;
use RPTest::Servers qw(start_php_fpm stop_all);

my $form = 'application/x-www-form-urlencoded';
my $logs = Apache::Test::vars('t_logs');
my $mpm = Apache::Test::config()->{server}->{mpm} || '';
my ($php_fpm) = grep { -x } glob '/usr/sbin/php-fpm*';
my $curl_h2 = `curl -V 2>/dev/null` =~ /\bHTTP2\b/;

sub gz { my $in = shift; gzip(\$in => \my $out) or die $GzipError; $out }

my $plain = 'rp_pt_plain';
my @module = qw(rp_pt_serialize rp_pt_backend rp_pt_on);

# What some cases need, and why they are skipped without it.
my %need = (
    actions => [have_module('actions'), 'mod_actions is not loaded'],
    deflate => [have_module('deflate'), 'mod_deflate is not loaded'],
    php     => [$php_fpm && have_module('proxy_fcgi'),
                'no php-fpm, or mod_proxy_fcgi is not loaded'],
    h2      => [$curl_h2 && $mpm ne 'prefork' && have_module('http2'),
                'no h2c: curl without HTTP/2, mod_http2 missing or prefork'],
);

# Each case: what is sent (method POST, a form unless headers say
# otherwise; mode cl or chunked), what the handler must be given without
# the module (seen: a regex on rp_pt_plain's answer), and where the
# module's answer is a status of its own (want: vhost => status) or is not
# compared (skip: Evaluate Backend judges a conditional write against the
# backend's validators, which the echo has none of: a 412 by design).
my $big = 'title=' . ('x' x 300_000);
my $chunky = 'a=1&b=' . ('y' x 100_000);
my $over = 'title=' . ('z' x 5000);
my $text = join '', map { "line $_ of a document\n" } 1 .. 2400;
my @cases = (
    { name => 'form POST to a CGI', uri => '/pt/echo.cgi',
      body => 'a=1&b=2', seen => qr/^CL=7 TE= METHOD=POST .*\na=1&b=2\z/ },
    { name => 'form POST through mod_actions (Action)', need => 'actions',
      uri => '/pt/action/x.form', body => 'a=1&b=2',
      seen => qr{REDIRECT=/pt/action/x\.form\na=1&b=2\z} },
    { name => 'chunked form POST through mod_actions', need => 'actions',
      uri => '/pt/action/x.form', mode => 'chunked',
      body => $chunky, seen => qr/\n\Q$chunky\E\z/ },
    { name => 'form POST through an .htaccess front controller',
      uri => '/pt/fc/items/7', body => 'title=new',
      seen => qr{REDIRECT=/pt/fc/items/7\ntitle=new\z} },
    { name => '300 KB form POST through a front controller',
      uri => '/pt/fc/items/7', body => $big, seen => qr/\n\Q$big\E\z/ },
    # httpd throws away the body of a request it answers with an error: the
    # error document runs as a GET and reads none, with or without us.
    { name => 'form POST to a missing page: ErrorDocument runs a CGI',
      uri => '/pt/err/missing', body => 'a=1',
      seen => qr{^CL=3 TE= METHOD=GET REDIRECT=/pt/err/missing\n(?:a=1)?\z} },
    { name => 'form POST to a folder: DirectoryIndex', uri => '/pt/',
      body => 'a=1', seen => qr/\na=1\z/ },
    # httpd reads "000" as no body (httpd's t/apache/contentlength.t).
    { name => 'form POST with Content-Length: 0000', uri => '/pt/echo.cgi',
      body => '', cl => '0000', seen => qr/^CL=0000 TE= METHOD=POST .*\n\z/ },
    { name => 'gzip form through DEFLATE', need => 'deflate',
      uri => '/pt/echo.cgi/deflate', headers => ['Content-Encoding' => 'gzip'],
      body => gz('a=1&b=2'), seen => qr/\na=1&b=2\z/ },
    { name => 'gzip form naming _method=PUT: judged as uncompressed',
      need => 'deflate', uri => '/pt/echo.cgi/deflate',
      headers => ['Content-Encoding' => 'gzip'], body => gz('a=1&_method=PUT'),
      seen => qr/\na=1&_method=PUT\z/, want => { rp_pt_on => 428 } },
    { name => 'form naming _method=PUT without a precondition',
      uri => '/pt/echo.cgi', body => 'a=1&_method=PUT',
      seen => qr/\na=1&_method=PUT\z/, want => { rp_pt_on => 428 } },
    { name => 'form naming _method=PUT with If-Match: serialized, intact',
      uri => '/pt/echo.cgi', headers => ['If-Match' => '"v1"'],
      body => '_method=PUT&a=1', seen => qr/\n_method=PUT&a=1\z/,
      skip => ['rp_pt_backend'] },
    { name => 'chunked gzip PUT through DEFLATE, spooled: no CONTENT_LENGTH',
      need => 'deflate', method => 'PUT', uri => '/pt/echo.cgi/deflate',
      mode => 'chunked', headers => ['Content-Type' => 'text/plain',
          'Content-Encoding' => 'gzip', 'If-Match' => '"v1"'],
      body => gz($text), seen => qr/^CL=none TE=chunked .*\n\Q$text\E\z/s,
      skip => ['rp_pt_backend'] },
    { name => 'form over RequirePreconditionSpoolLimit',
      uri => '/pt/echo.cgi/small', body => $over,
      seen => qr/\n\Q$over\E\z/, want => { rp_pt_on => 428 } },
    { name => 'form POST through a PHP front controller (php-fpm)',
      need => 'php', uri => '/pt/php/items/7', body => 'title=new&tag=a',
      seen => qr/^CL=15 METHOD=POST\nPOST=title=new&tag=a\ntitle=new&tag=a\z/ },
    { name => '300 KB form through a PHP front controller', need => 'php',
      uri => '/pt/php/items/7', body => $big,
      seen => qr/\nPOST=\Q$big\E\n\Q$big\E\z/ },
    # What PHP reads as _method though the key does not say so at once:
    # blanks before it (dropped by PHP, and by Rack after "&"), a NUL in it
    # (PHP ends the key there).
    { name => 'PHP: a blank before _method', need => 'php',
      uri => '/pt/php/items/7', body => 'a=1&+_method=PUT',
      seen => qr/\nPOST=a=1&_method=PUT\n/, want => { rp_pt_on => 428 } },
    { name => 'PHP: 300 blanks before .method', need => 'php',
      uri => '/pt/php/items/7', body => 'a=1&' . ('+' x 300) . '.method=PUT',
      seen => qr/\nPOST=a=1&_method=PUT\n/, want => { rp_pt_on => 428 } },
    { name => 'PHP: a NUL in the key', need => 'php', uri => '/pt/php/items/7',
      body => '_method%00' . ('x' x 300) . '=PUT',
      seen => qr/\nPOST=_method=PUT\n/, want => { rp_pt_on => 428 } },
    # Two Content-Type lines: PHP and Rack read the first.
    { name => 'PHP: a form type followed by another', need => 'php',
      uri => '/pt/php/items/7',
      headers => ['Content-Type' => "$form, text/plain"],
      body => '_method=PUT', seen => qr/\nPOST=_method=PUT\n/,
      want => { rp_pt_on => 428 } },
    # LimitRequestBody is not applied by HTTP_IN to a body mod_proxy reads:
    # under ReportOnly the form is only watched as PHP reads it, so the
    # answer is the same; under On the module reads it first (413).
    { name => 'PHP: a form over the script\'s LimitRequestBody', need => 'php',
      uri => '/pt/php/index.php', body => $over, seen => qr/\nPOST=\Q$over\E\n/,
      skip => ['rp_pt_on'] },
);
# Over h2c: the same, but for the framing HTTP/2 does not have (chunked, a
# Content-Length as written).
my @h2_cases = grep { ($_->{mode} // '') ne 'chunked' && !defined $_->{cl} }
               @cases;

sub have { my $n = shift; return !$n || $need{$n}[0] }

# The answer of virtual host $vhost to case $c: [status, body].
sub exchange {
    my ($vhost, $c) = @_;
    Apache::TestRequest::module($vhost);
    my $headers = [@{ $c->{headers} || [] }];
    push @$headers, 'Content-Type' => $form
        unless grep { lc eq 'content-type' } @$headers;
    my ($r) = parse_responses(raw_exchange(
        raw_request($c->{method} || 'POST', $c->{uri}, $headers, $c->{body},
                    mode => $c->{mode}, cl => $c->{cl}), timeout => 10));
    Apache::TestRequest::module('default');
    return $r ? [$r->[0], $r->[2]] : ['no answer', ''];
}

# The same over h2c with prior knowledge (curl): [status, body].
sub exchange_h2 {
    my ($vhost, $c) = @_;
    Apache::TestRequest::module($vhost);
    my $hp = Apache::TestRequest::hostport();
    Apache::TestRequest::module('default');
    my ($fh, $file) = tempfile(UNLINK => 1);
    binmode $fh;
    print $fh $c->{body};
    close $fh;
    my %h = (@{ $c->{headers} || [] });
    $h{'Content-Type'} //= $form;
    open my $curl, '-|', 'curl', '-s', '--http2-prior-knowledge',
        '-X', $c->{method} || 'POST', '--data-binary', "\@$file",
        (map { ('-H', "$_: $h{$_}") } sort keys %h),
        '-w', '\n%{http_code}', "http://$hp$c->{uri}" or die "curl: $!";
    binmode $curl;
    local $/;
    my $out = <$curl> // '';
    close $curl;
    my ($body, $status) = $out =~ /\A(.*)\n(\d{3})\z/s;
    return defined $status ? [$status, $body] : ['no answer', $out];
}

# One check per module host and case, and one that the case's body
# arrived without the module.
sub check_case {
    my ($c, $via, $exchange) = @_;
    my $base = $exchange->($plain, $c);
    ok t_cmp("$base->[0] " . ($base->[1] =~ $c->{seen} ? 'as sent'
                                                       : "got: " . substr($base->[1], 0, 80)),
             '200 as sent', "$c->{name} ($via): without the module");
    for my $vhost (@module) {
        if (grep { $_ eq $vhost } @{ $c->{skip} || [] }) {
            skip "skip $vhost: " . ($vhost eq 'rp_pt_on'
                 ? 'On reads the form before the handler, by design'
                 : 'Evaluate Backend judges If-Match against the echo, '
                   . 'which has no validators'), 0;
            next;
        }
        my $got = $exchange->($vhost, $c);
        my $want = $c->{want}{$vhost};
        if ($want) {
            ok t_cmp($got->[0], $want, "$c->{name} ($via): $vhost");
            next;
        }
        my $same = $got->[0] eq $base->[0] && $got->[1] eq $base->[1];
        ok t_cmp($same ? 'the same' : "$got->[0]: " . substr($got->[1], 0, 80),
                 'the same', "$c->{name} ($via): $vhost as without the module");
    }
}

my $per_case = 1 + @module;
my $main_pid = $$;
END { if ($$ == $main_pid) { my $rc = $?; stop_all(); $? = $rc } }
plan tests => $per_case * (@cases + @h2_cases) + 2 + @module,
    need need_cgi, need_module('rewrite', 'status');

# php-fpm on the socket passthrough.conf.in names, as this account.
start_php_fpm(dir => $logs, sock => "$logs/php-fpm.sock") if have('php');

for my $c (@cases) {
    if (!have($c->{need})) {
        skip "skip $need{$c->{need}}[1]", 0 for 1 .. $per_case;
        next;
    }
    check_case($c, 'HTTP/1.1', \&exchange);
}
for my $c (@h2_cases) {
    if (!have('h2') || !have($c->{need})) {
        my $n = have('h2') ? $c->{need} : 'h2';
        skip "skip $need{$n}[1]", 0 for 1 .. $per_case;
        next;
    }
    check_case($c, 'h2c', \&exchange_h2);
}

# ReportOnly with Serialize On delays nothing for a form that names no
# guarded method: a 70 KB form is read and judged by what it says, and one
# over the spool limit, judged as a write, is only reported.
my $before = status_counters('/rp-status?auto')->{Serialized} // 0;
my $r70 = exchange('rp_pt_serialize', { uri => '/pt/echo.cgi',
                                        body => 'title=' . ('w' x 70_000) });
my $rbig = exchange('rp_pt_serialize', { uri => '/pt/echo.cgi/small',
                                         body => 'title=' . ('v' x 5000) });
ok t_cmp("$r70->[0] $rbig->[0]", '200 200',
         'ReportOnly + Serialize: the forms are answered');
ok t_cmp((status_counters('/rp-status?auto')->{Serialized} // 0) - $before, 0,
         'ReportOnly + Serialize: no form that names nothing is serialized');

# Under ReportOnly nothing of a form is read ahead of the handler (no 100
# Continue of the module's, no LimitRequestBody of the first URL's): the
# spool counts no body; under On each is read first.
sub spooled { return status_counters('/rp-status?auto')->{Spooled} // 0 }
my @forms = ({ uri => '/pt/echo.cgi', body => 'a=1&_method=PUT' },
             { uri => '/pt/fc/items/7', body => $big },
             { uri => '/pt/echo.cgi/deflate', body => gz('a=1&b=2'),
               headers => ['Content-Encoding' => 'gzip'] });
for my $vhost (@module) {
    my $before = spooled();
    exchange($vhost, $_) for @forms;
    my $read = spooled() - $before;
    ok t_cmp($read, $vhost eq 'rp_pt_on' ? scalar @forms : 0,
             "$vhost: forms read ahead of the handler");
}
