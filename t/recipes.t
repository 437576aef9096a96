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

# Every configuration the docs show for a backend runs as written: each
# block a page fences as ```apache recipe-NAME, taken from the page with
# only the placeholders the page names replaced, in an apache2 of its own
# (this MPM) in front of the real backend it names (t/backend/app.py on
# TCP, Debian's php-fpm with t/backend/app.php as the front controller, a
# balancer of two app.py over one store); and conf/gateway.conf, a whole
# server, started with apache2 -f as written but for the placeholders its
# comments name. Each gets what the page claims: a GET passes, a write
# without a precondition gets 428 and a stale one 412, both leaving the
# backend's document and record of writes alone, a write with the ETag
# just read changes the document. Every tagged block must have a row here
# and every row its block; a backend configuration outside a tagged block
# fails.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use Cwd qw(abs_path);
use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use RPTest::Counter qw(counter_request);
use RPTest::Recipe;
use RPTest::Servers;

my $top = abs_path("$FindBin::Bin/..");
my @pages = ("$top/README.md", sort glob "$top/docs/*.md");
my $backends = "$top/docs/backends.md";
my $mpm = Apache::Test::config()->{server}->{mpm} || $ENV{MPM} || 'event';
my $apxs = $ENV{APXS} || 'apxs';
chomp(my $libexec = `$apxs -q LIBEXECDIR`);
my $module = "$top/.libs/mod_require_precondition.so";
my ($php_fpm) = grep { -x } glob '/usr/sbin/php-fpm*';
my $scratch = tempdir('/tmp/rp-recipes.XXXXXX', CLEANUP => 1);

# One row a configuration: the block of a page (recipe) or a file (conf);
# its placeholders and what they become ({port}: apache2's, {app0},
# {app1}: the backends' ports, {dir}: the row's folder); the backend it
# names: app.py processes over one store (apps: each one's arguments) or
# php-fpm; the URL of the document and where the backend stores it.
my @rows = (
    { recipe => 'evaluate-backend', page => $backends,
      subst => { '127.0.0.1:8080' => '127.0.0.1:{app0}' },
      apps => [['--etag', 'strong']],
      uri => '/api/doc.json', stored => 'api/doc.json' },
    { recipe => 'evaluate-digest', page => $backends,
      subst => { '127.0.0.1:8080' => '127.0.0.1:{app0}' },
      apps => [['--etag', 'none']],
      uri => '/api/doc.json', stored => 'api/doc.json' },
    { recipe => 'php-fpm', page => $backends, php => 1,
      subst => { '/run/php/php8.2-fpm.sock' => '{dir}/php-fpm.sock',
                 '/var/www/app' => '{dir}/app' },
      uri => '/api/doc.json', stored => 'doc.json' },
    { recipe => 'balancer', page => $backends,
      subst => { '10.0.0.11:8080' => '127.0.0.1:{app0}',
                 '10.0.0.12:8080' => '127.0.0.1:{app1}' },
      apps => [['--etag', 'strong'], ['--etag', 'strong']],
      uri => '/api/doc.json', stored => 'api/doc.json' },
    { conf => 'conf/gateway.conf',
      subst => { '/usr/lib/apache2/modules/' => "$libexec/",
                 '/usr/lib/apache2/modules/mod_require_precondition.so' => $module,
                 'mpm_event' => "mpm_$mpm",
                 'Listen 80' => 'Listen 127.0.0.1:{port}',
                 '127.0.0.1:8080' => '127.0.0.1:{app0}',
                 '/run/apache2-gateway' => '{dir}/run',
                 '/var/log/apache2-gateway' => '{dir}/log' },
      pidfile => '{dir}/run/apache2.pid', error_log => '{dir}/log/error.log',
      apps => [['--etag', 'none']],
      uri => '/doc.json', stored => 'doc.json' },
);

# What every configuration is sent, in order: the If-Match (none, a
# literal, or "read": the ETag of the last GET), and what must follow:
# the status (and a GET's body), the document in the backend's store, the
# writes the backend applied.
my ($v1, $v2, $v3) = map { qq({"n": $_}\n) } 1 .. 3;
my @steps = (
    { name => 'GET passes', method => 'GET',
      status => "200 $v1", doc => $v1, writes => 0 },
    { name => 'PUT without a precondition: 428', method => 'PUT', body => $v2,
      status => 428, doc => $v1, writes => 0 },
    { name => 'DELETE without a precondition: 428', method => 'DELETE',
      status => 428, doc => $v1, writes => 0 },
    { name => 'PUT, If-Match of no version: 412', method => 'PUT',
      if_match => '"stale"', body => $v2, status => 412, doc => $v1, writes => 0 },
    { name => 'PUT, If-Match of the version read: written', method => 'PUT',
      if_match => 'read', body => $v2, status => 204, doc => $v2, writes => 1 },
    { name => 'PUT, If-Match read before that write: 412', method => 'PUT',
      if_match => 'read', body => $v3, status => 412, doc => $v2, writes => 0 },
    { name => 'GET has the write', method => 'GET',
      status => "200 $v2", doc => $v2, writes => 0 },
);
my $per_row = 2 + 3 * @steps;

# Whatever happens, nothing started here outlives the test (a child of a
# fork would stop its parent's servers: only the parent stops them).
my $main_pid = $$;
END { if ($$ == $main_pid) { my $rc = $?; stop_all(); $? = $rc } }
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);

plan tests => 2 + $per_row * @rows,
    need_module('proxy', 'proxy_http', 'proxy_fcgi', 'proxy_balancer');

# ---- every backend configuration of the docs is a recipe with a row ------

my @blocks = doc_blocks(@pages);
my %block = map { $_->{name} => $_ } @blocks;
ok t_cmp(join(' ', sort map { $_->{name} } @blocks),
         join(' ', sort map { $_->{recipe} } grep { $_->{recipe} } @rows),
         'the tagged blocks of the docs are the rows of this test, once each');
my @loose = untagged_backend_lines(@pages);
print "# not in a tagged block: $_\n" for @loose;
ok t_cmp(scalar @loose, 0, 'every backend configuration of the docs is a tagged block');

# ---- one configuration -------------------------------------------------

sub slurp { my $f = shift; open my $fh, '<', $f or return undef; local $/; <$fh> }
sub lines_of { my $t = slurp(shift) // ''; return scalar(() = $t =~ /\n/g) }

# Where a row's placeholders are declared: the page's prose, in backticks,
# or the file's comments.
sub declared {
    my $row = shift;
    my $where = $row->{recipe} ? prose_of($row->{page})
              : join "\n", grep { /^\s*#/ } split /\n/, slurp("$top/$row->{conf}");
    my @missing = grep { $row->{recipe} ? index($where, "`$_`") < 0
                                        : index($where, $_) < 0 }
                  sort keys %{ $row->{subst} };
    return @missing ? 'not declared: ' . join(', ', @missing) : 'declared';
}

# Start the row's backend; returns (store folder, writes log, ports).
sub start_backend {
    my ($row, $dir) = @_;
    if ($row->{php}) {
        make_path("$dir/app/data");
        copy("$FindBin::Bin/backend/app.php", "$dir/app/index.php") or die "copy: $!";
        start_php_fpm(dir => $dir, sock => "$dir/php-fpm.sock");
        return ("$dir/app/data", "$dir/app/data/.writes");
    }
    my @ports;
    for my $i (0 .. $#{ $row->{apps} }) {
        push @ports, start_app(name => "app$i", dir => $dir,
                               app => "$FindBin::Bin/backend/app.py",
                               store => "$dir/store", log => "$dir/writes",
                               args => $row->{apps}[$i]);
    }
    return ("$dir/store", "$dir/writes", @ports);
}

# One check of a row: counted, and remembered when it fails.
sub check {
    my ($row, $got, $want, $what) = @_;
    $row->{done}++;
    ok t_cmp($got, $want, $what) or $row->{failed}++;
}

sub run_row {
    my $row = shift;
    my $name = $row->{recipe} ? "recipe-$row->{recipe}" : $row->{conf};
    my $dir = "$scratch/" . ($row->{recipe} || 'gateway');
    make_path($dir);
    my ($store, $writes, @ports) = start_backend($row, $dir);
    my $port = free_port();
    my %val = (port => $port, dir => $dir,
               map { ("app$_" => $ports[$_]) } 0 .. $#ports);
    my %subst = map { my $v = $row->{subst}{$_};
                      $v =~ s/\{(\w+)\}/$val{$1}/g; ($_ => $v) } keys %{ $row->{subst} };
    my ($conf, $pidfile, $error_log);
    if ($row->{recipe}) {
        my $b = $block{$row->{recipe}} or die "no block recipe-$row->{recipe} in the docs\n";
        my $mods = join '', map { "LoadModule ${_}_module $libexec/mod_$_.so\n" }
            ("mpm_$mpm", qw(authz_core proxy proxy_http proxy_fcgi
                            proxy_balancer slotmem_shm lbmethod_byrequests));
        ($pidfile, $error_log) = ("$dir/httpd.pid", "$dir/error_log");
        $conf = "# The server around a recipe of the docs (t/recipes.t).\n"
            . "ServerRoot $dir\nListen 127.0.0.1:$port\nServerName localhost\n"
            . "PidFile $pidfile\nDefaultRuntimeDir $dir\nErrorLog $error_log\n"
            . "LogLevel info require_precondition:debug\n$mods"
            . "LoadModule require_precondition_module $module\n"
            . "# $b->{file} line $b->{line}, as written but for its placeholders:\n"
            . substitute($b->{text}, \%subst, $name);
    } else {
        make_path("$dir/run", "$dir/log");
        ($pidfile, $error_log) = map { s/\{(\w+)\}/$val{$1}/gr } @$row{qw(pidfile error_log)};
        $conf = substitute(slurp("$top/$row->{conf}"), \%subst, $name);
    }
    $row->{error_log} = $error_log;
    check($row, declared($row), 'declared', "$name: its placeholders are declared");
    my $server = start_httpd(root => $dir, conf => $conf, port => $port,
                             pidfile => $pidfile);
    my ($ok_t, $out) = httpd_check($server->{conf});
    check($row, $ok_t ? 'passes' : $out, 'passes', "$name: apache2 -t -f");

    my $file = "$store/$row->{stored}";
    make_path($file =~ s{/[^/]+$}{}r);
    open my $fh, '>', $file or die "$file: $!";
    print $fh $v1;
    close $fh;
    my $read;
    for my $s (@steps) {
        my $before = lines_of($writes);
        my $im = !defined $s->{if_match} ? undef
               : $s->{if_match} eq 'read' ? $read : $s->{if_match};
        my ($status, $etag, $body) = counter_request(
            "127.0.0.1:$port", 'localhost', $s->{method}, $row->{uri},
            [defined $im ? ('If-Match' => $im) : ()], $s->{body});
        $read = $etag if $s->{method} eq 'GET';
        check($row, $s->{method} eq 'GET' ? "$status $body" : $status,
              $s->{status}, "$name: $s->{name}: status");
        check($row, slurp($file), $s->{doc}, "$name: $s->{name}: the backend's document");
        check($row, lines_of($writes) - $before, $s->{writes},
              "$name: $s->{name}: writes the backend applied");
    }
}

for my $row (@rows) {
    if ($row->{php} && !$php_fpm) {
        skip "skip no php-fpm (Debian's php-fpm package)", 0 for 1 .. $per_row;
        next;
    }
    $row->{done} = 0;
    if (!eval { run_row($row); 1 }) {
        print "# $_\n" for split /\n/, $@;
        ok 0 for $row->{done} + 1 .. $per_row;
        $row->{failed}++;
    }
    # A failure shows the server's and the backend's last lines.
    if ($row->{failed}) {
        for my $log (grep { defined } $row->{error_log},
                     glob("$scratch/" . ($row->{recipe} || 'gateway') . '/*.{log,out}')) {
            my @l = split /\n/, slurp($log) // '';
            print "# ---- $log\n", map { "#   $_\n" } @l[($#l > 20 ? $#l - 20 : 0) .. $#l];
        }
    }
    stop_all();
}
