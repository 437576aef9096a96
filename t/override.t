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
    # An extension method in the list is reached through override too.
    { name => 'override to a listed extension method', method => 'POST',
      uri => '/dav/ext/override.txt', before => $old,
      headers => ['X-HTTP-Method-Override' => 'FROBNICATE'], body => 'x',
      status => 428, after => 'unchanged' },
);

plan tests => case_count(@cases) + 1, need_module 'dav';

my $mark = log_lines('error_log');
run_cases(@cases);
ok t_cmp(join('', wait_for_log('error_log', $mark, qr/method override/)),
         qr{POST /dav/core/override\.txt: refused with 428.*\[method override\]},
         'the debug line says the method override decided');
