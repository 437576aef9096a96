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

# Servers a test starts by hand, beside Apache::Test's: an apache2 of its
# own (own configuration, ServerRoot, port, pid file), t/backend/app.py on
# TCP, php-fpm on a Unix socket, each as this account. stop_all() stops
# every one still running; call it from an END block (keeping $?), so that
# nothing outlives a check that dies.
package RPTest::Servers;
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use Apache::Test ();
use File::Path qw(make_path);
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes qw(sleep);

our @EXPORT = qw(free_port start_httpd httpd_check start_app start_php_fpm
                 stop_all);

# The apache2 Apache::Test was given: under make test SANITIZE=1 (t/run.sh)
# a wrapper that preloads the sanitizers and collects their reports, which
# a module built with them needs.
sub httpd_bin {
    my $cfg = eval { Apache::Test::config() };
    my $given = $cfg && $cfg->{vars} ? $cfg->{vars}{httpd} : undef;
    return $given || $ENV{HTTPD} || '/usr/sbin/apache2';
}

sub slurp_file { my $f = shift; open my $fh, '<', $f or die "$f: $!"; local $/; <$fh> }

my (@httpds, @pids);

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1:0',
                                  Proto => 'tcp') or die "port: $!";
    return $s->sockport;
}

# apache2 -t -f $conf: (ok, output).
sub httpd_check {
    my $conf = shift;
    my $out = `${\ httpd_bin()} -t -f '$conf' 2>&1`;
    return ($? == 0, $out);
}

# Start apache2 on the configuration text $o{conf}, written to
# $o{root}/httpd.conf; $o{pidfile} and $o{port} as the text says them.
# Returns the server (root, conf, port, pidfile, error log) or dies with
# the error log.
sub start_httpd {
    my %o = @_;
    make_path($o{root});
    my $conf = "$o{root}/httpd.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh $o{conf};
    close $fh;
    my $s = { %o, conf => $conf };
    my $out = `${\ httpd_bin()} -f '$conf' -k start 2>&1`;
    die "apache2 -f $conf -k start failed: $out\n" if $?;
    push @httpds, $s;
    for (1 .. 100) {
        return $s if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$o{port}",
                                           Proto => 'tcp', Timeout => 1);
        sleep 0.1;
    }
    die "apache2 -f $conf does not answer on port $o{port}\n";
}

sub stop_httpd {
    my $s = shift;
    system(httpd_bin() . " -f '$s->{conf}' -k stop >/dev/null 2>&1");
    for (1 .. 100) {
        return unless -e $s->{pidfile};
        sleep 0.1;
    }
    # The configuration no longer parses, or the parent hangs: by its pid.
    if (open my $fh, '<', $s->{pidfile}) {
        chomp(my $pid = <$fh> // '');
        kill 'KILL', $pid if $pid =~ /^\d+$/;
        unlink $s->{pidfile};
    }
}

sub spawn {
    my ($log, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>>', $log or POSIX::_exit(1);
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(1);
    }
    push @pids, $pid;
    return $pid;
}

sub wait_for { my $ok = shift; for (1 .. 100) { return 1 if $ok->(); sleep 0.1 } 0 }

# t/backend/app.py on 127.0.0.1 (a free port), storing under $o{store}:
# returns its port. $o{args}: more arguments (--etag none).
sub start_app {
    my %o = @_;
    my $ready = "$o{dir}/$o{name}.port";
    unlink $ready;
    spawn("$o{dir}/$o{name}.out", 'python3', $o{app}, '--listen', '127.0.0.1:0',
          '--ready', $ready, '--store', $o{store}, '--log', $o{log},
          @{ $o{args} || [] });
    wait_for(sub { -s $ready }) or die "app.py $o{name} did not come up\n";
    return 0 + slurp_file($ready);
}

# php-fpm as this account, one static pool listening on $o{sock}, without
# php.ini (its defaults: cgi.fix_pathinfo=1).
sub start_php_fpm {
    my %o = @_;
    my ($fpm) = grep { -x } glob '/usr/sbin/php-fpm*';
    die "no php-fpm\n" unless $fpm;
    my $conf = "$o{dir}/php-fpm.conf";
    unlink $o{sock};
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh "[global]\nerror_log = $o{dir}/php-fpm.log\ndaemonize = no\n",
        "[app]\nlisten = $o{sock}\npm = static\npm.max_children = 2\n",
        "catch_workers_output = yes\n";
    close $fh;
    spawn("$o{dir}/php-fpm.log", $fpm, '-n', '-y', $conf, '-F');
    wait_for(sub { -S $o{sock} }) or die "php-fpm did not come up\n";
}

# Every server and process started here, the servers first (they hold
# connections to the backends).
sub stop_all {
    stop_httpd($_) for splice @httpds;
    for my $pid (splice @pids) {
        kill 'TERM', $pid;
        my $gone = wait_for(sub { waitpid($pid, POSIX::WNOHANG()) != 0 });
        if (!$gone) { kill 'KILL', $pid; waitpid $pid, 0 }
    }
}

1;
