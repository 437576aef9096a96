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

# Serialization across servers (t/multi/run.sh starts this; see there).
#
# Two httpd servers A and B (own ServerRoot, configuration, port,
# ServerName, MPM) over one DocumentRoot and one RequirePreconditionLockFile:
#   - start-up refusals of bad lock files name the directive and the value;
#   - a write held on one server makes a write to the same file through the
#     other wait, then see the first one's ETag (412);
#   - the race harness (N writers, one ETag, at the same instant) has exactly
#     one winner per round, with the writers spread over both servers;
#   - the read-modify-write counter (GET, +1, PUT with If-Match, retry on
#     412) keeps every acknowledged increment;
#   - a SIGKILLed child on one server releases its locks for the other;
#   - a graceful restart of one server does not stop the exclusion;
#   - a lock file emptied while a server holds a write, and one removed,
#     replaced or emptied under a server: 503, then RP00031 at a restart,
#     until a stop and a start;
#   - the same race and counter in front of a backend that ignores If-*,
#     with RequirePreconditionEvaluate Backend and Digest;
#   - the control: the same servers without the directive lose updates.
# Prints TAP; exits non-zero when a check fails.
use strict;
use warnings;
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/../lib";
use RPTest::Race;

my $top = shift or die "usage: cluster.pl TOP\n";
my $httpd = $ENV{HTTPD} || '/usr/sbin/apache2';
my $apxs = $ENV{APXS} || 'apxs';
my $mpm_a = $ENV{MPM} || 'event';
my %next = (event => 'worker', worker => 'prefork', prefork => 'event');
my $mpm_b = $next{$mpm_a} or die "unknown MPM $mpm_a\n";
my $rounds = $ENV{RP_MULTI_ROUNDS} || 20;
my $writers = $ENV{RP_MULTI_WRITERS} || 8;
my $clients = $ENV{RP_MULTI_CLIENTS} || 6;
my $increments = $ENV{RP_MULTI_INCREMENTS} || 20;

chomp(my $libexec = `$apxs -q LIBEXECDIR`);
my $scratch = tempdir('/tmp/rp-cluster.XXXXXX', CLEANUP => 1);
my $shared = $ENV{RP_MULTI_DOCROOT} || "$scratch/shared";
my $docroot = "$shared/htdocs";
my $lockfile = ($ENV{RP_MULTI_LOCKDIR} || $shared) . "/rp.lock";
# Server B may see the shared storage through another mount (another
# client of a distributed filesystem), at another path.
my $shared_b = $ENV{RP_MULTI_DOCROOT_B} || $shared;
my %paths = (docroot => $docroot, lockfile => $lockfile);
my %paths_b = (docroot => "$shared_b/htdocs",
               lockfile => $ENV{RP_MULTI_DOCROOT_B} ? "$shared_b/rp.lock"
                                                    : $lockfile);
remove_tree($docroot);
make_path("$docroot/dav");
unlink $lockfile;

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

# ---- servers -------------------------------------------------------------

my %servers;
sub server_conf {
    my ($s, %o) = @_;
    my $lock = exists $o{lockline} ? $o{lockline}
             : $o{lockfile} ? "RequirePreconditionLockFile $s->{lockfile}" : '';
    my $docroot = $s->{docroot};
    my $mods = join '', map { "LoadModule ${_}_module $libexec/mod_$_.so\n" }
        ("mpm_$s->{mpm}", qw(authz_core dav dav_fs dir proxy proxy_http));
    return <<"CONF";
ServerRoot $s->{root}
Listen 127.0.0.1:$s->{port}
ServerName $s->{name}
PidFile $s->{root}/httpd.pid
DefaultRuntimeDir $s->{root}
ErrorLog $s->{root}/error_log
LogLevel info require_precondition:debug
$mods
LoadModule require_precondition_module $top/.libs/mod_require_precondition.so
StartServers 2
MaxRequestWorkers 32
ServerLimit 16
<IfModule !mpm_prefork_module>
    ThreadsPerChild 16
</IfModule>
KeepAlive Off
DocumentRoot $docroot
DavLockDB $s->{root}/davlock
FileETag Digest
$lock
<Directory $docroot>
    Require all granted
</Directory>
<Location /dav/>
    Dav On
    RequirePrecondition On
    RequirePreconditionSerialize On
    RequirePreconditionSerializeTimeout 10
</Location>
# The holders below hold their lock by holding back their body: no spool
# for their files (the race and the counter run with the spool).
<LocationMatch "^/dav/(x|kill|g|e)\\.txt\$">
    RequirePreconditionSpoolLimit 0
</LocationMatch>
# RequirePreconditionEvaluate in front of a backend that ignores If-*
# (t/backend/app.py; the same backend, store and lock file for A and B).
<Location /api/>
    ProxyPass "unix:$scratch/app-strong.sock|http://strong/"
    RequirePrecondition On
    RequirePreconditionEvaluate Backend
</Location>
<Location /apid/>
    ProxyPass "unix:$scratch/app-none.sock|http://none/"
    RequirePrecondition On
    RequirePreconditionEvaluate Digest
</Location>
@{[ $o{extra} // "" ]}
CONF
}

sub new_server {
    my ($name, $mpm, $paths) = @_;
    my $root = "$scratch/$name";
    make_path($root);
    return $servers{$name} = { name => "$name.test", mpm => $mpm,
                               root => $root, port => free_port(),
                               %{ $paths || \%paths } };
}

sub write_conf {
    my ($s, %o) = @_;
    open my $fh, '>', "$s->{root}/httpd.conf" or die $!;
    print $fh server_conf($s, %o);
    close $fh;
}

sub ctl {
    my ($s, $cmd) = @_;
    return system($httpd, '-d', $s->{root}, '-f', "$s->{root}/httpd.conf",
                  '-k', $cmd) == 0;
}

sub up {
    my $s = shift;
    for (1 .. 100) {
        my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$s->{port}",
                                      Proto => 'tcp', Timeout => 1);
        return 1 if $c;
        sleep 0.1;
    }
    return 0;
}

sub start {
    my $s = shift;
    unlink "$s->{root}/error_log";
    ctl($s, "start") or do { system("cat", "$s->{root}/error_log"); return 0 };
    $s->{running} = 1;
    return up($s);
}

# The processes still running from server $s's configuration.
sub server_processes {
    my $s = shift;
    my $conf = "$s->{root}/httpd.conf";
    my $n = 0;
    opendir my $d, '/proc' or return 0;
    for my $p (grep { /^\d+$/ } readdir $d) {
        open my $fh, '<', "/proc/$p/cmdline" or next;
        my $cmd = <$fh> // '';
        $n++ if index($cmd, $conf) >= 0;
    }
    return $n;
}

sub stop {
    my $s = shift;
    return unless $s->{running};
    my $t0 = time;
    ctl($s, 'stop');
    for my $i (1 .. 300) {
        last unless -e "$s->{root}/httpd.pid";
        if ($i == 30 && $ENV{RP_MULTI_DEBUG}) {
            system("for t in \$(ps -e -o pid=,cmd= | grep '$s->{root}' | grep -v grep | awk '{print \$1}'); do for k in /proc/\$t/task/*; do echo \$k \$(cat \$k/wchan) \$(cut -d' ' -f1 \$k/syscall); done; done | sort | uniq -c -f1 | head -30");
        }
        sleep 0.1;
    }
    # The parent is gone; its children (prefork's, holding locks in the
    # lock file until they exit) may not be yet.
    for (1 .. 200) {
        last unless server_processes($s);
        sleep 0.05;
    }
    printf "# %s stopped after %.1f s\n", $s->{name}, time - $t0;
    $s->{running} = 0;
}

# stop() runs apache2 -k stop through system(), which sets $?: keep the
# exit status the checks gave (it was lost, so a failed check passed).
END { my $rc = $?; stop($_) for values %servers; $? = $rc }
$SIG{INT} = $SIG{TERM} = sub { exit 1 };

# ---- HTTP ----------------------------------------------------------------

sub hp { return "127.0.0.1:$_[0]{port}" }

# Send a request; with $send, only that many body bytes for now.
sub begin {
    my ($s, $method, $uri, $headers, $body, $send) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => hp($s), Proto => 'tcp',
                                     Timeout => 10) or die "connect: $!";
    $sock->autoflush(1);
    $body //= '';
    my $now = defined $send ? substr($body, 0, $send) : $body;
    my @h = @{ $headers || [] };
    my $h = join '', map { "$h[2*$_]: $h[2*$_+1]\r\n" } 0 .. @h / 2 - 1;
    print $sock "$method $uri HTTP/1.1\r\nHost: $s->{name}\r\n"
        . "Connection: close\r\nContent-Length: " . length($body)
        . "\r\n$h\r\n$now";
    return [$sock, substr($body, length $now)];
}

sub answered {
    my ($req, $secs) = @_;
    return IO::Select->new($req->[0])->can_read($secs) ? 1 : 0;
}

# Finish a request: (status, ETag, body).
sub finish {
    my $req = shift;
    my $sock = $req->[0];
    print $sock $req->[1] if length $req->[1];
    my $got = '';
    while (IO::Select->new($sock)->can_read(20)) {
        my $r = sysread($sock, my $buf, 65536);
        last unless $r;
        $got .= $buf;
    }
    close $sock;
    my ($status) = $got =~ m{^HTTP/1\.\d (\d{3})};
    my ($etag) = $got =~ m{^ETag:\s*(\S+)\r?$}mi;
    my ($body) = $got =~ m{\r\n\r\n(.*)\z}s;
    return ($status // 'none', $etag, $body // '');
}

sub request { return finish(begin(@_)) }

sub put_file {
    my ($path, $content) = @_;
    open my $fh, '>', "$docroot$path" or die "$docroot$path: $!";
    print $fh $content;
    close $fh;
}

sub slurp {
    open my $fh, '<', "$docroot$_[0]" or return undef;
    local $/;
    return scalar <$fh>;
}

sub etag { return (request($_[0], 'GET', $_[1]))[1] }

# ---- the harnesses ------------------------------------------------------

# Race rounds: $writers PUTs with one ETag at one instant, spread over the
# servers. Returns the rounds with more than one winner.
sub race {
    my ($uri, @on) = @_;
    my $lost = 0;
    my $bad = 0;
    for my $round (1 .. $rounds) {
        put_file($uri, "round $round base\n");
        my $tag = etag($on[0], $uri) // '';
        my @st = race_round(map {
            my $s = $on[$_ % @on];
            +{ hp => hp($s), host => $s->{name}, uri => $uri, etag => $tag,
              body => "round $round writer $_\n" }
        } 1 .. $writers);
        my $won = grep { $_ eq '204' } @st;
        $lost++ if $won > 1;
        $bad++ if grep { $_ ne '204' && $_ ne '412' } @st;
    }
    return ($lost, $bad);
}

# The children of a server.
sub children {
    my $s = shift;
    open my $fh, '<', "$s->{root}/httpd.pid" or return ();
    chomp(my $ppid = <$fh> // '');
    my @kids;
    opendir my $d, '/proc' or return ();
    for my $p (grep { /^\d+$/ } readdir $d) {
        open my $st, '<', "/proc/$p/stat" or next;
        my $line = <$st> // '';
        push @kids, $p if $line =~ /^\d+ \(.*\) \S (\d+)/ && $1 == $ppid;
    }
    return @kids;
}

# The read-modify-write counter. Returns (acknowledged, final, errors).
sub counter {
    my ($uri, @on) = @_;
    my $increments = $increments;
    $increments = pop @on if !ref $on[-1];
    put_file($uri, "0\n");
    pipe(my $res_r, my $res_w) or die $!;
    my @kids;
    for my $c (1 .. $clients) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $res_r;
            my $s = $on[$c % @on];
            my ($acks, $errors) = (0, 0);
            for (1 .. $increments) {
                for my $try (1 .. 200) {
                    my ($st, $tag, $body) = request($s, 'GET', $uri);
                    if ($st ne '200' || !defined $tag) { $errors++; next }
                    my ($v) = $body =~ /(\d+)/;
                    ($st) = request($s, 'PUT', $uri, ['If-Match' => $tag],
                                    ($v + 1) . "\n");
                    if ($st eq '204') { $acks++; last }
                    next if $st eq '412';
                    $errors++;
                }
            }
            syswrite($res_w, "$acks $errors\n");
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    close $res_w;
    my ($acks, $errors) = (0, 0);
    while (<$res_r>) {
        my ($a, $e) = split;
        $acks += $a;
        $errors += $e;
    }
    waitpid $_, 0 for @kids;
    my ($final) = (slurp($uri) // '') =~ /(\d+)/;
    return ($acks, $final // -1, $errors);
}

# ---- 1. start-up refusals -------------------------------------------------

my $t = new_server('refuse', $mpm_a);
my $closed = "$scratch/closed";
make_path($closed);
chmod 0500, $closed;
put_file('/dav/data.txt', "someone's data, not a lock file\n");
my @refusals = (
    ['a relative path', 'RequirePreconditionLockFile rp.lock', 'rp.lock'],
    ['a directory', "RequirePreconditionLockFile $scratch", $scratch],
    ['a directory (trailing slash)', "RequirePreconditionLockFile $scratch/",
     "$scratch/"],
    ['an unwritable folder', "RequirePreconditionLockFile $closed/rp.lock",
     "$closed/rp.lock"],
    ['a file that is not a lock file',
     "RequirePreconditionLockFile $docroot/dav/data.txt",
     "$docroot/dav/data.txt"],
    # The children could not reach /proc/self/fd, or the file, after it.
    ['ChrootDir and the anonymous lock file',
     "ChrootDir $closed", $closed],
    ['ChrootDir and a lock file outside it',
     "ChrootDir $closed\nRequirePreconditionLockFile $scratch/outside.lock",
     "$scratch/outside.lock"],
);
for my $r (@refusals) {
    my ($what, $line, $value) = @$r;
    write_conf($t, lockline => $line);
    my $out = `$httpd -t -d $t->{root} -f $t->{root}/httpd.conf 2>&1`;
    my $rc = $? >> 8;
    check($rc != 0 && $out =~ /RequirePreconditionLockFile/
          && index($out, $value) >= 0,
          "refused at start-up: $what, naming the directive and the value",
          "rc=$rc: $out");
}
write_conf($t, lockline => '',
           extra => "<VirtualHost 127.0.0.1:$t->{port}>\n"
                  . "    RequirePreconditionLockFile $lockfile\n</VirtualHost>");
my $out = `$httpd -t -d $t->{root} -f $t->{root}/httpd.conf 2>&1`;
check($? != 0 && $out =~ /RequirePreconditionLockFile/,
      'refused: RequirePreconditionLockFile inside a VirtualHost', $out);
write_conf($t, lockfile => 1);
$out = `$httpd -t -d $t->{root} -f $t->{root}/httpd.conf 2>&1`;
check($? == 0, 'a good lock file passes apache2 -t', "rc=$?: $out");
check(!-e $lockfile, 'apache2 -t creates no lock file (a start does)');
chmod 0700, $closed;

# ---- 2. two servers, one lock file --------------------------------------

# The backends of RequirePreconditionEvaluate: stores under the shared
# document root, so that the harnesses' put_file and slurp see them.
my @apps;
for my $app (['strong', 'api'], ['none', 'apid']) {
    my ($etag, $dir) = @$app;
    make_path("$docroot/$dir");
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        { exec '/usr/bin/python3', "$top/t/backend/app.py",
              '--socket', "$scratch/app-$etag.sock",
              '--store', "$docroot/$dir", '--etag', $etag };
        POSIX::_exit(127);
    }
    push @apps, $pid;
}
END { my $rc = $?; kill 'TERM', @apps if @apps; waitpid $_, 0 for @apps; $? = $rc }
for (1 .. 100) {
    last if -S "$scratch/app-strong.sock" && -S "$scratch/app-none.sock";
    sleep 0.1;
}

my $a = new_server('a', $mpm_a);
my $b = new_server('b', $mpm_b, \%paths_b);
write_conf($_, lockfile => 1) for $a, $b;
check(start($a) && start($b), "servers A ($mpm_a) and B ($mpm_b) start with "
      . 'one lock file') or exit 1;
my @st = stat $lockfile;
check(@st && ($st[2] & 07777) == 0600, 'the lock file is made with mode 0600',
      sprintf('mode %o', $st[2] // 0));
print "# A: $a->{docroot}, $a->{lockfile}\n# B: $b->{docroot}, $b->{lockfile}\n";

# A write held on A: the same file through B waits, then gets 412.
put_file('/dav/x.txt', "v1\n");
my $tag = etag($a, '/dav/x.txt');
my $hold = begin($a, 'PUT', '/dav/x.txt', ['If-Match' => $tag], 'AAAAaaaa', 4);
sleep 0.3;
my $second = begin($b, 'PUT', '/dav/x.txt', ['If-Match' => $tag], 'BBBBbbbb');
check(!answered($second, 1.5), 'B waits while A holds the file');
my ($sa) = finish($hold);
my ($sb) = finish($second);
check($sa eq '204' && $sb eq '412', 'A wins, B then gets 412', "A $sa, B $sb");
check((slurp('/dav/x.txt') // '') eq 'AAAAaaaa', "A's write is kept");

my $t0 = time;
my ($lost, $bad) = race('/dav/race.txt', $a, $b);
printf "# race: %d rounds of %d writers over A and B: %d lost rounds (%.1f s)\n",
    $rounds, $writers, $lost, time - $t0;
check($lost == 0 && $bad == 0, 'race over two servers: one winner a round',
      "lost $lost, other statuses $bad");

$t0 = time;
my ($acks, $final, $errors) = counter('/dav/counter.txt', $a, $b);
printf "# counter: %d clients x %d increments over A and B: %d acknowledged, "
    . "%d in the file, %d errors (%.1f s)\n", $clients, $increments, $acks,
    $final, $errors, time - $t0;
check($acks == $clients * $increments && $final == $acks && $errors == 0,
      'counter over two servers: every acknowledged increment is there');

# The same in front of a backend that ignores If-*: httpd judges for it,
# against its ETags (Backend) or digests of its answers (Digest).
for my $e (['Backend', '/api/'], ['Digest', '/apid/']) {
    my ($mode, $dir) = @$e;
    ($lost, $bad) = race("${dir}race.txt", $a, $b);
    check($lost == 0 && $bad == 0, "Evaluate $mode, race over two servers: "
          . 'one winner a round', "lost $lost, other statuses $bad");
    $t0 = time;
    ($acks, $final, $errors) = counter("${dir}counter.txt", $a, $b);
    printf "# Evaluate %s counter: %d clients x %d increments over A and B: "
        . "%d acknowledged, %d in the file, %d errors (%.1f s)\n", $mode,
        $clients, $increments, $acks, $final, $errors, time - $t0;
    check($acks == $clients * $increments && $final == $acks && $errors == 0,
          "Evaluate $mode, counter over two servers: every acknowledged "
          . 'increment is there');
}

# The counter again while a child of A is SIGKILLed and B restarts
# gracefully: requests cut off may fail (and be retried), but every
# acknowledged increment is in the file, and only a cut-off PUT can have
# added one without an acknowledgement.
my $chaos = fork // die "fork: $!";
if (!$chaos) {
    sleep 0.3;
    my @kids = children($a);
    kill 'KILL', $kids[0] if @kids;
    sleep 0.3;
    ctl($b, 'graceful');
    sleep 0.3;
    @kids = children($a);
    kill 'KILL', $kids[-1] if @kids;
    POSIX::_exit(0);
}
$t0 = time;
($acks, $final, $errors) = counter('/dav/counter-chaos.txt', $a, $b, 60);
waitpid $chaos, 0;
up($b);
printf "# counter under SIGKILL and graceful: %d clients x 60: %d acknowledged, "
    . "%d in the file, %d failed tries (%.1f s)\n", $clients, $acks, $final,
    $errors, time - $t0;
check($acks > 0 && $final >= $acks && $final <= $acks + $errors,
      'counter while a child is killed and a server restarts: no acknowledged '
      . 'increment lost');

# A SIGKILLed child of A releases its locks for B.
put_file('/dav/kill.txt', "v1\n");
$tag = etag($a, '/dav/kill.txt');
open my $log, '<', "$a->{root}/error_log" or die $!;
seek $log, 0, 2;
$hold = begin($a, 'PUT', '/dav/kill.txt', ['If-Match' => $tag], 'AAAAaaaa', 4);
my $pid;
for (1 .. 50) {
    while (my $l = <$log>) {
        ($pid) = $l =~ /\[pid (\d+).*PUT \/dav\/kill\.txt: serialized/
            if $l =~ /kill\.txt: serialized/;
    }
    last if $pid;
    sleep 0.1;
    seek $log, 0, 1;
}
check($pid && kill('KILL', $pid), "a child of A holding a lock is killed",
      'no pid in the debug line');
close $hold->[0];
sleep 0.3;
$t0 = time;
my ($sk) = request($b, 'PUT', '/dav/kill.txt', ['If-Match' => $tag], 'BBBBbbbb');
# "At once" against B's 10 s timeout: the kernel drops the dead child's
# locks when its last thread is gone, which on a busy 2-core machine has
# taken up to 1.3 s; a lock that outlived the child would hold B for 10 s.
check($sk eq '204' && time - $t0 < 3, 'B gets the lock at once after the kill',
      sprintf('%s after %.2f s', $sk, time - $t0));
check((slurp('/dav/kill.txt') // '') eq 'BBBBbbbb', 'and writes');

# A graceful restart of one server does not stop the exclusion: held on B
# while A restarts, then held on A across its own restart.
for my $case ([$b, $a, 'held on B, A restarts gracefully'],
              [$a, $b, 'held on A across its graceful restart']) {
    my ($holder, $other, $what) = @$case;
    put_file('/dav/g.txt', "v1\n");
    $tag = etag($holder, '/dav/g.txt');
    $hold = begin($holder, 'PUT', '/dav/g.txt', ['If-Match' => $tag],
                  'AAAAaaaa', 4);
    sleep 0.3;
    ctl($a, 'graceful');
    sleep 1;
    up($a);
    $second = begin($other, 'PUT', '/dav/g.txt', ['If-Match' => $tag],
                    'BBBBbbbb');
    check(!answered($second, 1.5), "$what: the other server's writer waits");
    ($sa) = finish($hold);
    ($sb) = finish($second);
    check($sa eq '204' && $sb eq '412', "$what: then gets 412", "$sa, $sb");
}
check(!system("grep -q 'resuming normal operations' $a->{root}/error_log"),
      'A did restart gracefully');
($lost) = race('/dav/race2.txt', $a, $b);
check($lost == 0, 'race after the restarts: one winner a round', "lost $lost");
my @err = grep { /require_precondition:(error|crit)|AH00052|segfault/ }
    map { open my $f, '<', "$_->{root}/error_log"; <$f> } $a, $b;
check(!@err, 'no errors in the servers\' logs', join '', grep { defined } @err[0 .. 2]);

# ---- 2b. the lock file emptied while A holds a write (issue 17.4) -------
# B, restarted, would write a new key and lock other bytes than A's
# writers: it must refuse to start while A is running, saying why.
put_file('/dav/e.txt', "v1\n");
$tag = etag($a, '/dav/e.txt');
$hold = begin($a, 'PUT', '/dav/e.txt', ['If-Match' => $tag], 'AAAAaaaa', 4);
sleep 0.3;
stop($b);
truncate($lockfile, 0) or die "truncate $lockfile: $!";
# What apache2 -k start says: on the console and, once the logs are open,
# in the error log.
sub start_says {
    my $s = shift;
    unlink "$s->{root}/error_log";
    my $out = `$httpd -d $s->{root} -f $s->{root}/httpd.conf -k start 2>&1`;
    my $rc = $? >> 8;
    $s->{running} = 1 if $rc == 0 && up($s);
    if (open my $f, '<', "$s->{root}/error_log") { local $/; $out .= <$f> }
    return ($rc, $out);
}
my ($brc, $bout) = start_says($b);
check(($brc != 0 && $bout =~ /RequirePreconditionLockFile \S+: .*locks are held/)
      ? 1 : 0,
      'lock file emptied while A holds a write: B refuses to start, saying why',
      "rc=$brc: $bout");
my ($se) = request($a, 'PUT', '/dav/e.txt', ['If-Match' => $tag], 'CCCCcccc');
check($se eq '503', 'emptied: A refuses new writes rather than lock other bytes',
      $se);
($sa) = finish($hold);
check(($sa eq '204' && (slurp('/dav/e.txt') // '') eq 'AAAAaaaa') ? 1 : 0,
      "emptied: A's held write is not hurt", $sa);
stop($_) for $a, $b;

# ---- 2c. servers that serialize other sections (issue 17.9) ---------------
check(start($a), 'A starts on the emptied file once nothing holds it');
write_conf($b, lockfile => 1, extra => "<Location /dav/unserialized/>\n"
           . "    RequirePreconditionSerialize Off\n</Location>");
($brc, $bout) = start_says($b);
check(($b->{running} && $bout =~ /RP00030: .*\Q$a->{root}\E.*share it but/) ? 1 : 0,
      'B, which serializes other sections than A, warns at start-up', $bout);
stop($b);
write_conf($b, lockfile => 1);
($brc, $bout) = start_says($b);
check(($b->{running} && $bout !~ /RP00030/) ? 1 : 0,
      'B with the same configuration as A does not', $bout);
($lost) = race('/dav/race4.txt', $a, $b);
check($lost == 0, 'race after a new key: one winner a round', "lost $lost");
stop($_) for $a, $b;
system("grep -v 'debug\\]' $a->{root}/error_log | tail -n 25") if $ENV{RP_MULTI_DEBUG};

# ---- 2d. the lock file removed, replaced or emptied under a server --------
# A server keeps the lock file it started with, also across a restart: once
# the file at its path is another, or none, every serialized write answers
# 503 (RP00019), a graceful restart or a restart says so at once (RP00031,
# with the reason), and a stop and a start mend it. Rows: what is done to
# the file, how, the restart, the reason RP00031 gives.
my @gone = (
    ['removed', sub { unlink $a->{lockfile} or die "unlink: $!" }, 'graceful',
     qr/cannot open it by its path/],
    ['replaced by another file', sub {
         open my $fh, '>', "$a->{lockfile}.new" or die "create: $!";
         close $fh;
         rename "$a->{lockfile}.new", $a->{lockfile} or die "rename: $!";
     }, 'restart', qr/no longer the file the server started with/],
    ['emptied', sub { truncate $a->{lockfile}, 0 or die "truncate: $!" },
     'graceful', qr/no longer the file the server started with/],
);
write_conf($a, lockfile => 1);
my $gone_n = 0;
my $gone_put = sub {
    return (request($a, 'PUT', '/dav/gone' . ++$gone_n . '.txt',
                    ['If-None-Match' => '*'], "x\n"))[0];
};
for my $g (@gone) {
    my ($what, $do, $restart, $why) = @$g;
    check(start($a), "lock file $what: A starts") or next;
    my $before = $gone_put->();
    $do->();
    my $after = $gone_put->();
    check("$before $after" eq '201 503',
          "lock file $what under A: its writes answer 503",
          "before $before, after $after");
    ctl($a, $restart);
    my $said;
    for (1 .. 100) {
        if (open my $f, '<', "$a->{root}/error_log") {
            ($said) = grep { /RP00031/ } <$f>;
        }
        last if $said;
        sleep 0.1;
    }
    up($a);
    check(($said // '') =~ $why ? 1 : 0,
          "lock file $what: -k $restart says so (RP00031) with the reason",
          $said // 'no RP00031 line');
    my $still = $gone_put->();
    check($still eq '503', "lock file $what: writes still answer 503 after "
          . "-k $restart", $still);
    stop($a);
    check(start($a) && $gone_put->() eq '201',
          "lock file $what: after a stop and a start writes pass");
    stop($a);
}

# ---- 3. the control: the same without the directive ----------------------

write_conf($_) for $a, $b;
check(start($a) && start($b), 'A and B start without the lock file') or exit 1;
($lost) = race('/dav/race3.txt', $a, $b);
my ($cacks, $cfinal) = counter('/dav/counter3.txt', $a, $b);
printf "# control (anonymous lock per server): %d lost rounds of %d; counter "
    . "%d acknowledged, %d in the file\n", $lost, $rounds, $cacks, $cfinal;
check($lost > 0 || $cfinal < $cacks,
      'without RequirePreconditionLockFile the harnesses see lost updates');
stop($_) for $a, $b;

print "1..$n\n";
print $failed ? "# $failed of $n failed\n" : "# all $n passed\n";
exit($failed ? 1 : 0);
