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

# A graceful restart across releases (t/upgrade/run.sh starts this).
#
# One httpd whose LoadModule names a link, first to the previous release's
# build, with RequirePreconditionSerialize On over a mod_dav store and
# FileETag Digest; the read-modify-write counter (GET, +1, PUT with
# If-Match, retry on 412) runs from several clients while the link is
# turned to this build and the server restarted gracefully, then again
# (this build onto itself). Every acknowledged increment must be in the
# file, no request may fail (no 5xx, no reset), no child may die of a
# signal, and this release must then be the one running. Then back to the
# previous release, gracefully, without load: it must come up and
# serialize. With the anonymous lock file, and with a named one (which
# works across releases of one lock-file format: 0.3.0 and 0.4.0).
# Prints TAP; exits non-zero when a check fails.
use strict;
use warnings;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/../lib";
use RPTest::Counter;

my ($top, $prev_so, @modes) = @ARGV;
die "usage: upgrade.pl TOP PREVIOUS.so [anonymous] [named]\n"
    unless $top && -f $prev_so;
@modes = qw(anonymous named) unless @modes;
my $new_so = "$top/.libs/mod_require_precondition.so";
my $httpd = $ENV{HTTPD} || '/usr/sbin/apache2';
my $apxs = $ENV{APXS} || 'apxs';
my $mpm = $ENV{MPM} || 'event';
my $clients = $ENV{RP_UPGRADE_CLIENTS} || 6;
chomp(my $libexec = `$apxs -q LIBEXECDIR`);
my $scratch = tempdir('/tmp/rp-upgrade.XXXXXX', CLEANUP => 1);

sub version_of {
    my $file = shift;
    open my $fh, '<', $file or die "$file: $!";
    local $/;
    my ($v) = <$fh> =~ /MOD_REQUIRE_PRECONDITION_VERSION "([^"]+)"/;
    return $v;
}
my $new_version = version_of("$top/mod_require_precondition.h");
(my $prev_top = $prev_so) =~ s{/\.libs/[^/]+$}{};
my $prev_version = version_of("$prev_top/mod_require_precondition.h");

my ($n, $failed) = (0, 0);
sub check {
    my ($ok, $name, $detail) = @_;
    $n++;
    print(($ok ? 'ok' : 'not ok') . " $n - $name\n");
    print "# $detail\n" if !$ok && defined $detail;
    $failed++ unless $ok;
    return $ok;
}

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1:0',
                                  Proto => 'tcp') or die "port: $!";
    return $s->sockport;
}

my %server;
sub ctl {
    my $cmd = shift;
    return system($httpd, '-d', $server{root}, '-f',
                  "$server{root}/httpd.conf", '-k', $cmd) == 0;
}

sub up {
    for (1 .. 100) {
        return 1 if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$server{port}",
                                          Proto => 'tcp', Timeout => 1);
        sleep 0.1;
    }
    return 0;
}

# apache2 -k stop reads the configuration, which a release may refuse
# (another release's lock file): then the parent is told by its pid.
sub stop {
    return unless $server{running};
    my $pidfile = "$server{root}/httpd.pid";
    if (!ctl('stop') && open my $fh, '<', $pidfile) {
        chomp(my $pid = <$fh> // '');
        kill 'TERM', $pid if $pid =~ /^\d+$/;
    }
    for (1 .. 300) {
        last unless -e $pidfile;
        sleep 0.1;
    }
    $server{running} = 0;
}
# stop() runs apache2 through system(), which sets $?: keep the exit status.
END { my $rc = $?; stop(); $? = $rc }
$SIG{INT} = $SIG{TERM} = sub { exit 1 };

# The link LoadModule names, turned to a build.
sub load {
    my $so = shift;
    unlink "$server{root}/module.so.new";
    symlink $so, "$server{root}/module.so.new" or die "symlink: $!";
    rename "$server{root}/module.so.new", "$server{root}/module.so"
        or die "rename: $!";
}

sub start_server {
    my ($name, $lockline) = @_;
    my $root = "$scratch/$name";
    my $docroot = "$root/htdocs";
    make_path("$docroot/dav");
    %server = (root => $root, docroot => $docroot, port => free_port());
    my $mods = join '', map { "LoadModule ${_}_module $libexec/mod_$_.so\n" }
        ("mpm_$mpm", qw(authz_core dav dav_fs dir));
    open my $fh, '>', "$root/httpd.conf" or die $!;
    print $fh <<"CONF";
ServerRoot $root
Listen 127.0.0.1:$server{port}
ServerName upgrade.test
ServerTokens Full
PidFile $root/httpd.pid
DefaultRuntimeDir $root
ErrorLog $root/error_log
LogLevel info require_precondition:debug
$mods
LoadModule require_precondition_module $root/module.so
StartServers 2
MaxRequestWorkers 32
ServerLimit 16
<IfModule !mpm_prefork_module>
    ThreadsPerChild 16
</IfModule>
KeepAlive Off
DocumentRoot $docroot
DavLockDB $root/davlock
FileETag Digest
$lockline
<Directory $docroot>
    Require all granted
</Directory>
<Location /dav/>
    Dav On
    RequirePrecondition On
    RequirePreconditionSerialize On
    RequirePreconditionSerializeTimeout 10
</Location>
CONF
    close $fh;
    load($prev_so);
    ctl('start') or return 0;
    $server{running} = 1;
    return up();
}

sub request {
    return counter_request("127.0.0.1:$server{port}", 'upgrade.test', @_);
}

# The counter from $clients processes until $stop exists: (acknowledged,
# in the file, failed requests).
sub counter {
    my ($uri, $stop) = @_;
    my $file = "$server{docroot}$uri";
    open my $fh, '>', $file or die "$file: $!";
    print $fh "0\n";
    close $fh;
    my ($acks, $bad) = counter_until(hp => "127.0.0.1:$server{port}",
                                     host => 'upgrade.test', uri => $uri,
                                     clients => $clients, stop => $stop);
    open $fh, '<', $file or die "$file: $!";
    my ($final) = (<$fh> // '') =~ /(\d+)/;
    return ($acks, $final // -1, @$bad);
}

sub log_text {
    open my $fh, '<', "$server{root}/error_log" or return '';
    local $/;
    return <$fh>;
}

sub graceful_to {
    my $so = shift;
    load($so);
    ctl('graceful') or return 0;
    sleep 0.3;
    return up();
}

my %lockline = (anonymous => '',
                named => "RequirePreconditionLockFile $scratch/named.lock");
for my $name (@modes) {
    my $lockline = $lockline{$name} // die "unknown mode $name\n";
    if (!check(start_server($name, $lockline),
               "$name: $prev_version starts")) {
        print STDERR log_text();
        next;
    }
    my $stop = "$server{root}/stop";
    my $load = fork // die "fork: $!";
    if (!$load) {
        sleep 1;
        graceful_to($new_so);
        sleep 1.5;
        graceful_to($new_so);   # this release onto itself
        sleep 1.5;
        open my $fh, '>', $stop;
        POSIX::_exit(0);
    }
    my $t0 = time;
    my ($acks, $final, @bad) = counter('/dav/counter.txt', $stop);
    waitpid $load, 0;
    printf "# %s, %s: %d clients, %d acknowledged, %d in the file, %.1f s\n",
        $name, $mpm, $clients, $acks, $final, time - $t0;
    check($acks > 0 && $final == $acks,
          "$name: graceful $prev_version -> $new_version -> $new_version "
          . 'under load: every acknowledged increment is in the file',
          "acknowledged $acks, in the file $final");
    check(!@bad, "$name: no request failed during the restarts",
          join(' ', @bad[0 .. ($#bad < 9 ? $#bad : 9)]));
    my $log = log_text();
    my @signals = $log =~ /(exit signal [^\n]*)/g;
    check(!@signals, "$name: no child died of a signal", $signals[0]);
    my (undef, undef, undef, $srv) = request('GET', '/dav/counter.txt');
    check(index($srv, "mod_require_precondition/$new_version") >= 0,
          "$name: $new_version runs", "Server: $srv");
    if (!$lockline) {
        check(scalar($log =~ /RP00083/),
              "$name: the new generation waited for the previous one's "
              . 'writers (RP00083)');
    }
    # Back to the previous release, gracefully, without load.
    check(graceful_to($prev_so), "$name: graceful back to $prev_version");
    sleep 1;
    my ($st, $tag) = request('GET', '/dav/counter.txt');
    my ($st1) = request('PUT', '/dav/counter.txt', ['If-Match' => $tag // '"x"'],
                        "1\n");
    my ($st2) = request('PUT', '/dav/counter.txt', ['If-Match' => $tag // '"x"'],
                        "2\n");
    (undef, undef, undef, $srv) = request('GET', '/dav/counter.txt');
    check("$st1 $st2" eq '204 412'
          && index($srv, "mod_require_precondition/$prev_version") >= 0,
          "$name: $prev_version runs again and serializes",
          "$st1 $st2, Server: $srv");
    @signals = log_text() =~ /(exit signal [^\n]*)/g;
    check(!@signals, "$name: no child died of a signal after the way back",
          $signals[0]);
    stop();
}

print "1..$n\n";
exit($failed ? 1 : 0);
