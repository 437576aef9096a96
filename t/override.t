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

# POST with a method-override header is judged as the method it names, since
# the framework behind httpd will act as that method.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use RPTest;

my $u = '/dav/core/override.txt';
my $old = "old\n";
my @cases = (
    { name => 'X-HTTP-Method-Override: PUT', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method-Override' => 'PUT'],
      body => 'x', status => 428, after => 'unchanged' },
    { name => 'X-HTTP-Method: DELETE', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method' => 'DELETE'],
      body => 'x', status => 428, after => 'unchanged' },
    { name => 'X-Method-Override: PATCH', method => 'POST', uri => $u,
      before => $old, headers => ['X-Method-Override' => 'PATCH'],
      body => 'x', status => 428, after => 'unchanged' },
    # Frameworks upper-case the value (Express, Rack): so does the module.
    { name => 'override in lower case: patch', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method-Override' => 'patch'],
      body => 'x', status => 428, after => 'unchanged' },
    { name => 'override with blanks around it', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method-Override' => ' PUT '],
      body => 'x', status => 428, after => 'unchanged' },
    { name => 'one of two override headers guarded', method => 'POST',
      uri => $u, before => $old,
      headers => ['X-HTTP-Method-Override' => 'GET', 'X-HTTP-Method' => 'PUT'],
      body => 'x', status => 428, after => 'unchanged' },
    { name => 'override to PUT, conditional', method => 'POST', uri => $u,
      before => $old, headers => sub { ['X-HTTP-Method-Override' => 'PUT',
                                        'If-Match' => etag_of($u)] },
      body => 'x', status => 200, after => 'unchanged' },
    { name => 'override to an unguarded method', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method-Override' => 'GET'],
      body => 'x', status => 200, after => 'unchanged' },
    { name => 'override to an unknown method', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method-Override' => 'BREW'],
      body => 'x', status => 200, after => 'unchanged' },
    { name => 'override that is not a method', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method-Override' => 'PUT DELETE'],
      body => 'x', status => 200, after => 'unchanged' },
    { name => 'override header on a PUT changes nothing', method => 'PUT',
      uri => $u, before => $old,
      headers => ['X-HTTP-Method-Override' => 'GET'], body => 'x',
      status => 428, after => 'unchanged' },
    { name => 'override on an unguarded location', method => 'POST',
      uri => '/dav/open/override.txt', before => $old,
      headers => ['X-HTTP-Method-Override' => 'PUT'], body => 'x',
      status => 200, after => 'unchanged' },
    # Express-style method-override: a _method query parameter.
    { name => '_method=PUT in the query', method => 'POST',
      uri => "$u?_method=PUT", file => $u, before => $old, body => 'x',
      status => 428, after => 'unchanged' },
    { name => '_method=delete in the query, with others', method => 'POST',
      uri => "$u?a=1&_method=delete", file => $u, before => $old,
      body => 'x', status => 428, after => 'unchanged' },
    { name => '_method=P%55T: decoded as frameworks do', method => 'POST',
      uri => "$u?_method=P%55T", file => $u, before => $old, body => 'x',
      status => 428, after => 'unchanged' },
    { name => '_method=GET in the query', method => 'POST',
      uri => "$u?_method=GET", file => $u, before => $old, body => 'x',
      status => 200, after => 'unchanged' },
    { name => 'a query parameter that only ends in _method', method => 'POST',
      uri => "$u?x_method=PUT", file => $u, before => $old, body => 'x',
      status => 200, after => 'unchanged' },
    { name => '_method on a GET changes nothing', method => 'GET',
      uri => "$u?_method=PUT", file => $u, before => $old,
      status => 200, after => 'unchanged' },
    # Several values. httpd joins two header lines into one, "PUT, GET";
    # Express takes the first value, others the last or the whole: judged
    # as guarded when any value names a guarded method.
    { name => 'X-HTTP-Method-Override: PUT, GET', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method-Override' => 'PUT, GET'],
      body => 'x', status => 428, after => 'unchanged' },
    { name => 'two override header lines, GET then PUT', method => 'POST',
      uri => $u, before => $old,
      headers => ['X-HTTP-Method-Override' => 'GET',
                  'X-HTTP-Method-Override' => 'PUT'],
      body => 'x', status => 428, after => 'unchanged' },
    { name => 'X-HTTP-Method: GET,delete', method => 'POST', uri => $u,
      before => $old, headers => ['X-HTTP-Method' => 'GET,delete'],
      body => 'x', status => 428, after => 'unchanged' },
    { name => 'several unguarded override values', method => 'POST',
      uri => $u, before => $old,
      headers => ['X-HTTP-Method-Override' => 'GET, HEAD'],
      body => 'x', status => 200, after => 'unchanged' },
    # The query's keys as frameworks decode them: %-decoded (all), the last
    # of several kept (PHP), "." and " " in a key read as "_" (PHP).
    { name => '?%5Fmethod=PUT: the key is %-decoded', method => 'POST',
      uri => "$u?%5Fmethod=PUT", file => $u, before => $old, body => 'x',
      status => 428, after => 'unchanged' },
    { name => '?_method=GET&_method=PUT: PHP keeps the last', method => 'POST',
      uri => "$u?_method=GET&_method=PUT", file => $u, before => $old,
      body => 'x', status => 428, after => 'unchanged' },
    { name => '?.method=PUT: PHP reads it as _method', method => 'POST',
      uri => "$u?.method=PUT", file => $u, before => $old, body => 'x',
      status => 428, after => 'unchanged' },
    { name => '?%2Emethod=DELETE', method => 'POST',
      uri => "$u?%2Emethod=DELETE", file => $u, before => $old, body => 'x',
      status => 428, after => 'unchanged' },
    { name => '?+_method=PUT: PHP drops the blanks a key starts with',
      method => 'POST', uri => "$u?+_method=PUT", file => $u, before => $old,
      body => 'x', status => 428, after => 'unchanged' },
    { name => '?_method%00x=PUT: PHP ends a key at a NUL', method => 'POST',
      uri => "$u?_method%00x=PUT", file => $u, before => $old, body => 'x',
      status => 428, after => 'unchanged' },
    { name => '?_method=GET&_method=HEAD', method => 'POST',
      uri => "$u?_method=GET&_method=HEAD", file => $u, before => $old,
      body => 'x', status => 200, after => 'unchanged' },
    # An extension method in the list is reached through override too.
    { name => 'override to a listed extension method', method => 'POST',
      uri => '/dav/ext/override.txt', before => $old,
      headers => ['X-HTTP-Method-Override' => 'FROBNICATE'], body => 'x',
      status => 428, after => 'unchanged' },
);

# _method in an application/x-www-form-urlencoded body (Rack::MethodOverride,
# Laravel, Symfony): the body is read before deciding and handed to the
# application intact. record.cgi stores the body it was given.
my $app = '/ovr/record.cgi';
my $rec = '/ovr/record.txt';
my $none = "none\n";
my $form = 'application/x-www-form-urlencoded';
my $big = 'title=' . ('x' x 70000) . '&_method=GET';
my @form_cases = (
    { name => 'form body _method=PUT', method => 'POST', uri => $app,
      file => $rec, before => $none, headers => ['Content-Type' => $form],
      body => 'title=new&_method=PUT', status => 428, after => 'unchanged' },
    { name => 'form body %5Fmethod=delete, with a charset', method => 'POST',
      uri => $app, file => $rec, before => $none,
      headers => ['Content-Type' => "$form; charset=UTF-8"],
      body => '%5Fmethod=delete&title=new', status => 428,
      after => 'unchanged' },
    { name => 'form body _method=GET: reaches the application intact',
      method => 'POST', uri => $app, file => $rec, before => $none,
      headers => ['Content-Type' => $form],
      body => 'title=new&_method=GET', status => 204,
      after => 'title=new&_method=GET' },
    { name => 'form body _method=PUT with If-Match: intact', method => 'POST',
      uri => $app, file => $rec, before => $none,
      headers => ['Content-Type' => $form, 'If-Match' => '"v1"'],
      body => '_method=PUT&title=new', status => 204,
      after => '_method=PUT&title=new' },
    { name => 'form body over 64 KiB: read, judged by its _method=GET',
      method => 'POST', uri => $app, file => $rec, before => $none,
      headers => ['Content-Type' => $form], body => $big, status => 204,
      after => $big },
    { name => 'form body over 64 KiB, _method=PUT at its end',
      method => 'POST', uri => $app, file => $rec, before => $none,
      headers => ['Content-Type' => $form], body => "$big&_method=PUT",
      status => 428, after => 'unchanged' },
    { name => 'form body over RequirePreconditionSpoolLimit: judged as '
              . 'guarded', method => 'POST', uri => "$app/small", file => $rec,
      before => $none, headers => ['Content-Type' => $form],
      body => 'title=' . ('y' x 2000), status => 428, after => 'unchanged' },
    { name => 'form body over 64 KiB with If-Match: intact', method => 'POST',
      uri => $app, file => $rec, before => $none,
      headers => ['Content-Type' => $form, 'If-Match' => '"v1"'],
      body => $big, status => 204, after => $big },
    { name => 'a text/plain body is no form', method => 'POST', uri => $app,
      file => $rec, before => $none, headers => ['Content-Type' => 'text/plain'],
      body => '_method=PUT', status => 204, after => '_method=PUT' },
);

# ReportOnly: each form is let through and logged as a would-be refusal.
my $ro = '/dav/report-override/o.txt';
my @report_cases = (
    { name => 'ReportOnly: override PUT, GET', method => 'POST', uri => $ro,
      before => $old, headers => ['X-HTTP-Method-Override' => 'GET, PUT'],
      body => 'x', status => 200, after => 'unchanged' },
    { name => 'ReportOnly: ?.method=PUT', method => 'POST',
      uri => "$ro?.method=PUT", file => $ro, before => $old, body => 'x',
      status => 200, after => 'unchanged' },
    { name => 'ReportOnly: form body _method=PUT', method => 'POST',
      uri => "$app/report", file => $rec, before => $none,
      headers => ['Content-Type' => $form], body => '_method=PUT',
      status => 204, after => '_method=PUT' },
    { name => 'ReportOnly: form over RequirePreconditionSpoolLimit, intact',
      method => 'POST', uri => "$app/report/small", file => $rec,
      before => $none, headers => ['Content-Type' => $form],
      body => 'title=' . ('z' x 2000), status => 204,
      after => 'title=' . ('z' x 2000) },
);

plan tests => case_count(@cases, @form_cases, @report_cases) + 4,
    need_module 'dav', need_cgi;

my $mark = log_lines('error_log');
run_cases(@cases, @form_cases);
my $ro_mark = log_lines('error_log');
run_cases(@report_cases);
my @warn = wait_for_log('error_log', $ro_mark,
                        qr/would be refused with 428.*\[ReportOnly\]/, 3);
for my $w (["POST $ro ", 'header'], ["POST $ro ", 'query'],
           ["POST $app/report ", 'form body']) {
    ok t_cmp(scalar(grep { index($_, $w->[0]) >= 0
                           && /\[method override: [^\]]*\Q$w->[1]\E/ } @warn),
             1, "ReportOnly logs the $w->[1] override as a would-be refusal");
}
ok t_cmp(join('', wait_for_log('error_log', $mark, qr/method override/)),
         qr{POST /dav/core/override\.txt: refused with 428.*\[method override: header X-HTTP-Method-Override\]},
         'the debug line says the method override decided');
