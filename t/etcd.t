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

# The lock of URL-keyed resources taken in etcd
# (RequirePreconditionLockServer), so that gateways that share no lock file
# exclude each other: a real etcd cluster of three members
# (RPTest::Etcd), two apache2 gateways of this MPM, each with a
# ServerRoot and an anonymous lock file of its own, both proxying to one
# store of t/backend/app.py, which ignores every If-* header (so that only
# the gateways can refuse a stale write, and its --log shows every write
# it applied). What must hold:
#   - one ETag, 16 writers spread over both gateways: one write, 15 x 412;
#   - a read-modify-write counter over both gateways (Evaluate Backend and
#     Digest) loses nothing, not even while etcd's leader is killed -9;
#   - etcd down: a write gets 503 with Retry-After and reaches nothing, a
#     read passes, a gateway still starts; etcd back: writes pass again;
#   - a waiter that gives up (SerializeTimeout) gets 503 in about that
#     long and leaves no trace that would hold the next writer;
#   - a gateway killed -9 while it holds a lock holds the others for no
#     longer than its lease (RequirePreconditionLockLease);
#   - TLS with client certificates (RequirePreconditionLockServerTLS);
#   - apache2 -t refuses bad values, naming the directive and the value;
#   - the counters (mod_status ?auto and Prometheus) count all of it.
# Every server started here stops at the end, whatever happens (END).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use Cwd qw(abs_path);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(time sleep);
use RPTest qw(parse_metrics);
use RPTest::Counter qw(counter_until counter_request);
use RPTest::Etcd;
use RPTest::Servers;

my $top = abs_path("$FindBin::Bin/..");
my $mpm = Apache::Test::config()->{server}->{mpm} || $ENV{MPM} || 'event';
my $apxs = $ENV{APXS} || 'apxs';
chomp(my $libexec = `$apxs -q LIBEXECDIR`);
my $module = "$top/.libs/mod_require_precondition.so";
my $scratch = tempdir('/tmp/rp-etcd-t.XXXXXX', CLEANUP => 1);
my $no_etcd = RPTest::Etcd::missing();
my $prefix = '/mod_require_precondition';   # the default prefix=
my $lease = 3;                              # gateway K's lease (case f)

# Whatever happens, nothing started here outlives the test (a child of a
# fork would stop its parent's servers: only the parent stops them;
# RPTest::Etcd stops its members in its own END).
my $main_pid = $$;
END { if ($$ == $main_pid) { my $rc = $?; stop_all(); $? = $rc } }
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);

# ---- helpers -------------------------------------------------------------

sub slurp { my $f = shift; open my $fh, '<', $f or return undef; local $/; <$fh> }
sub spit {
    my ($f, $text) = @_;
    make_path($f =~ s{/[^/]+$}{}r);
    open my $fh, '>', $f or die "$f: $!";
    print $fh $text;
    close $fh;
}

# The configuration of a gateway: this MPM, the proxy, mod_status and the
# module's metrics handler; $o{lock}: its server-config lines
# (RequirePreconditionLockServer ...). /docs/ is evaluated against the
# backend's ETags (Backend), /digest/ by digest (Digest), each with
# SerializeTimeout 5; /docs/e/ waits 1 s, /docs/f/ 15 s.
sub gateway_conf {
    my %o = @_;
    my $dir = $o{dir};
    my $mods = join '', map { "LoadModule ${_}_module $libexec/mod_$_.so\n" }
        ("mpm_$mpm", qw(authz_core proxy proxy_http status));
    my $loc = sub {
        my ($path, $backend, @lines) = @_;
        return "<Location $path>\n"
            . "    ProxyPass http://127.0.0.1:$backend$path retry=0\n"
            . join('', map { "    $_\n" } @lines) . "</Location>\n";
    };
    return "# A gateway of t/etcd.t.\n"
        . "ServerRoot $dir\nListen 127.0.0.1:$o{port}\nServerName localhost\n"
        . "PidFile $dir/httpd.pid\nDefaultRuntimeDir $dir\nErrorLog $dir/error_log\n"
        . "LogLevel info require_precondition:debug\n$mods"
        . "LoadModule require_precondition_module $module\n"
        . join('', map { "$_\n" } @{ $o{lock} })
        . "<Location /server-status>\n    SetHandler server-status\n</Location>\n"
        . "<Location /metrics>\n    SetHandler require-precondition-metrics\n</Location>\n"
        . $loc->('/docs/', $o{strong}, 'RequirePrecondition On',
                 'RequirePreconditionEvaluate Backend',
                 'RequirePreconditionSerializeTimeout 5')
        . $loc->('/docs/e/', $o{strong}, 'RequirePreconditionSerializeTimeout 1')
        . $loc->('/docs/f/', $o{strong}, 'RequirePreconditionSerializeTimeout 15')
        . $loc->('/digest/', $o{none}, 'RequirePrecondition On',
                 'RequirePreconditionEvaluate Digest',
                 'RequirePreconditionSerializeTimeout 5');
}

my (%app, %gw);   # the backends' ports (strong, none); the gateways by name

# Start gateway $name with the lock lines @lock: { name, hp, dir,
# error_log, ... } (RPTest::Servers' server).
sub gateway {
    my ($name, @lock) = @_;
    my $dir = "$scratch/$name";
    make_path($dir);
    my $port = free_port();
    my $s = start_httpd(root => $dir, port => $port, pidfile => "$dir/httpd.pid",
                        conf => gateway_conf(dir => $dir, port => $port, lock => \@lock,
                                             strong => $app{strong}, none => $app{none}));
    @$s{qw(name hp error_log)} = ($name, "127.0.0.1:$port", "$dir/error_log");
    return $gw{$name} = $s;
}

sub lock_line { return join ' ', 'RequirePreconditionLockServer etcd', @_ }

# One request to a gateway: { status, etag, body, h (headers, lower-case
# names), secs }.
sub request {
    my ($g, $method, $uri, $headers, $body) = @_;
    my $t0 = time;
    my ($st, $etag, $text, undef, $head) =
        counter_request($g->{hp}, 'localhost', $method, $uri, $headers, $body);
    my %h = map { /^([^:\s]+):\s*(.*?)\s*$/ ? (lc $1 => $2) : () } split /\r?\n/, $head // '';
    return { status => $st, etag => $etag, body => $text, h => \%h, secs => time - $t0 };
}

sub etag_via { my ($g, $uri) = @_; my $r = request($g, 'GET', $uri); return $r->{etag} }

# A request in a child process: collect its { status, secs } with
# finish().
sub in_background {
    my @args = @_;
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $r;
        my $res = eval { request(@args) } || { status => 'died', secs => 0 };
        syswrite $w, "$res->{status} $res->{secs}\n";
        POSIX::_exit(0);
    }
    close $w;
    return { pid => $pid, fh => $r };
}
sub finish {
    my $b = shift;
    my $fh = $b->{fh};
    my $line = <$fh> // '';
    waitpid $b->{pid}, 0;
    my ($st, $secs) = split ' ', $line;
    return { status => $st // 'none', secs => $secs // 0 };
}

# The requests @reqs ([gateway, method, uri, headers, body] each), each
# from a process of its own, released at once: their statuses, in order.
sub together {
    my @reqs = @_;
    pipe(my $go_r, my $go_w) or die "pipe: $!";
    pipe(my $res_r, my $res_w) or die "pipe: $!";
    my @kids;
    for my $i (0 .. $#reqs) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $go_w;
            close $res_r;
            sysread $go_r, my $x, 1;    # end of file: all go
            my $res = eval { request(@{ $reqs[$i] }) } || { status => 'died' };
            syswrite $res_w, "$i $res->{status}\n";
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    close $go_r;
    close $res_w;
    sleep 0.3;
    close $go_w;
    my @st = ('none') x @reqs;
    while (defined(my $l = <$res_r>)) { my ($i, $s) = split ' ', $l; $st[$i] = $s }
    waitpid $_, 0 for @kids;
    return @st;
}

# The writes the backend applied to $path (its --log lines).
sub writes_to {
    my $path = shift;
    return scalar grep { $_ eq $path || / \Q$path\E$/ } split /\n/, slurp("$scratch/writes") // '';
}

# A gateway's counters in mod_status ?auto, without their prefix.
sub counters {
    my $g = shift;
    my $r = request($g, 'GET', '/server-status?auto');
    return { map { /^RequirePrecondition(\w+): (\d+)$/ ? ($1 => $2) : () } split /\n/, $r->{body} };
}
sub delta {
    my ($before, $after, $key) = @_;
    return ($after->{$key} // 0) - ($before->{$key} // 0);
}

# What a gateway's error_log says from byte $mark on.
sub log_size { return -s $_[0]{error_log} // 0 }
sub log_since {
    my ($g, $mark) = @_;
    my $t = slurp($g->{error_log}) // '';
    return substr($t, $mark < length $t ? $mark : length $t);
}

# Until $cond is true or $secs have passed: true when it came.
sub wait_until {
    my ($secs, $cond) = @_;
    my $until = time + $secs;
    while (time < $until) { return 1 if $cond->(); sleep 0.05 }
    return $cond->();
}

# The lock keys the cluster $e holds under $p (default: the default
# prefix): a list (['no answer'] when the cluster does not answer).
sub lock_keys {
    my ($e, $p) = @_;
    my $k = $e->keys_under($p // $prefix);
    return $k ? @$k : ('no answer');
}

# How many lock keys $e holds under $p (-1: no answer).
sub key_count { my $k = $_[0]->keys_under($_[1] // $prefix); return $k ? scalar @$k : -1 }

# Whether pid $pid is gone (or a zombie nobody reaps yet).
sub gone {
    my $pid = shift;
    my $stat = slurp("/proc/$pid/stat") // return 1;
    return $stat =~ /^\d+ \(.*\) Z/s;
}

# ---- the sections ----------------------------------------------------------

# Each section: a name, its number of checks, and code that runs them with
# check(); a section that dies fails its remaining checks and shows the
# gateways' last log lines.
my $section;
sub check {
    my ($got, $want, $what) = @_;
    $section->{done}++;
    ok t_cmp($got, $want, "$section->{name}: $what") or $section->{failed}++;
}

my ($etcd, $tls_etcd);
my @sections;
sub section { push @sections, { name => $_[0], n => $_[1], code => $_[2] } }

# h. Bad values stop apache2 -t, naming the directive and the value.
my $tlsdir = "$scratch/tls-h";
my @bad = (
    [lock_line() =~ s/etcd//r, qr/RequirePreconditionLockServer\b.*(?:URL|url|engine|argument)/],
    ['RequirePreconditionLockServer redis http://127.0.0.1:2379',
     qr/RequirePreconditionLockServer\b[^\n]*'redis'/],
    [lock_line(), qr/RequirePreconditionLockServer\b[^\n]*(?:URL|url|argument)/],
    [lock_line('127.0.0.1:2379'), qr/RequirePreconditionLockServer\b[^\n]*'127\.0\.0\.1:2379'/],
    [lock_line('ftp://127.0.0.1:2379'), qr/RequirePreconditionLockServer\b[^\n]*'ftp:\/\/127\.0\.0\.1:2379'/],
    [lock_line('http://127.0.0.1'), qr/RequirePreconditionLockServer\b[^\n]*'http:\/\/127\.0\.0\.1'/],
    [lock_line('http://127.0.0.1:port'), qr/RequirePreconditionLockServer\b[^\n]*'http:\/\/127\.0\.0\.1:port'/],
    [lock_line('http://127.0.0.1:2379', 'junk'), qr/RequirePreconditionLockServer\b[^\n]*'junk'/],
    [lock_line('http://127.0.0.1:2379', 'prefix=rp'), qr/RequirePreconditionLockServer\b[^\n]*'prefix=rp'/],
    [lock_line('http://127.0.0.1:2379', 'prefix=/rp/'), qr/RequirePreconditionLockServer\b[^\n]*'prefix=\/rp\/'/],
    [lock_line('http://127.0.0.1:2379', 'https://127.0.0.1:2380'),
     qr/RequirePreconditionLockServer\b[^\n]*http:\/\/ and https:\/\//],
    ['RequirePreconditionLockLease 5', qr/RequirePreconditionLockLease\b[^\n]*RequirePreconditionLockServer/],
    (map { [lock_line('http://127.0.0.1:2379') . "\nRequirePreconditionLockLease $_",
            qr/RequirePreconditionLockLease\b[^\n]*'\Q$_\E'/] } qw(0 1 abc 99999 3601 -5)),
    [lock_line('https://127.0.0.1:2379')
         . "\nRequirePreconditionLockServerTLS $tlsdir/none.pem $tlsdir/client_key.pem $tlsdir/ca.pem",
     qr/RequirePreconditionLockServerTLS\b[^\n]*none\.pem/],
    [lock_line('https://127.0.0.1:2379')
         . "\nRequirePreconditionLockServerTLS $tlsdir/client_cert.pem $tlsdir/none.key $tlsdir/ca.pem",
     qr/RequirePreconditionLockServerTLS\b[^\n]*none\.key/],
    [lock_line('https://127.0.0.1:2379')
         . "\nRequirePreconditionLockServerTLS $tlsdir/client_cert.pem $tlsdir/client_key.pem $tlsdir/none-ca.pem",
     qr/RequirePreconditionLockServerTLS\b[^\n]*none-ca\.pem/],
    [lock_line('http://127.0.0.1:2379')
         . "\nRequirePreconditionLockServerTLS $tlsdir/client_cert.pem $tlsdir/client_key.pem $tlsdir/ca.pem",
     qr/RequirePreconditionLockServerTLS\b[^\n]*https/],
    ["<Location /x/>\n" . lock_line('http://127.0.0.1:2379') . "\n</Location>",
     qr/RequirePreconditionLockServer not allowed in <Location> context/],
    ["<Location /x/>\nRequirePreconditionLockLease 5\n</Location>",
     qr/RequirePreconditionLockLease not allowed in <Location> context/],
);
my @good = (
    lock_line('http://127.0.0.1:2379'),
    lock_line(map { "http://127.0.0.1:$_" } 2379, 22379, 32379) . ' prefix=/rp/test',
    lock_line('http://localhost:2379'),
    lock_line('https://127.0.0.1:2379'),
    lock_line('https://127.0.0.1:2379')
        . "\nRequirePreconditionLockServerTLS $tlsdir/client_cert.pem $tlsdir/client_key.pem $tlsdir/ca.pem",
    lock_line('http://127.0.0.1:2379') . "\nRequirePreconditionLockLease 2",
    lock_line('http://127.0.0.1:2379') . "\nRequirePreconditionLockLease 3600",
);
section('h. apache2 -t', 2 * @bad + @good, sub {
    RPTest::Etcd::make_certs($tlsdir);
    my $n = 0;
    my $try = sub {
        my $line = shift;
        $n++;
        my $dir = "$scratch/h";
        make_path($dir);
        my $mods = join '', map { "LoadModule ${_}_module $libexec/mod_$_.so\n" }
            ("mpm_$mpm", 'authz_core');
        spit("$dir/c$n.conf", "ServerRoot $dir\nListen 127.0.0.1:1\nServerName localhost\n"
             . "PidFile $dir/c$n.pid\nErrorLog $dir/c$n.error_log\n$mods"
             . "LoadModule require_precondition_module $module\n$line\n");
        return httpd_check("$dir/c$n.conf");
    };
    for my $b (@bad) {
        my ($ok, $out) = $try->($b->[0]);
        (my $one = $b->[0]) =~ s/\n/ | /g;
        check(($ok ? 'accepted' : 'refused') . ($out =~ /Invalid command/ ? ' (unknown directive)' : ''),
              'refused', "refuses: $one");
        check($out, $b->[1], "message for: $one");
    }
    for my $g (@good) {
        my ($ok, $out) = $try->($g);
        (my $one = $g) =~ s/\n/ | /g;
        check($ok ? 'accepted' : $out, 'accepted', "accepts: $one");
    }
});

# The cluster, the backends, gateways A and B (the default lease).
section('setup', 3, sub {
    $etcd = RPTest::Etcd->start(members => 3);
    check(scalar(() = $etcd->urls), 3, 'an etcd cluster of three members is healthy');
    $app{$_->[0]} = start_app(name => "app-$_->[0]", dir => $scratch,
                              app => "$FindBin::Bin/backend/app.py",
                              store => "$scratch/store", log => "$scratch/writes",
                              args => ['--etag', $_->[0]])
        for ['strong'], ['none'];
    check(join(' ', map { $app{$_} ? 'up' : 'down' } qw(strong none)), 'up up', 'the backends');
    gateway($_, lock_line($etcd->urls)) for qw(A B);
    check(join(' ', sort keys %gw), 'A B', 'gateways A and B start');
    $_->{mark} = log_size($_) for values %gw;
});

# a. One ETag, 16 writers over both gateways, released together. Each
# body is 2 MiB (spooled before the lock): forwarding the winner's takes
# long enough that, without a lock the gateways share, the first writer
# of the other gateway would pass its look-up meanwhile.
my $big = '.' x (2 << 20);
my %before;   # counters before a, per gateway
section('a. 16 writers, one ETag', 6, sub {
    die "no setup\n" unless $gw{B};
    my $path = '/docs/a/doc';
    spit("$scratch/store$path", "v0\n");
    my $etag = etag_via($gw{A}, $path) // die "no ETag for $path\n";
    %before = map { ($_ => counters($gw{$_})) } qw(A B);
    my @st = together(map { [$gw{$_ % 2 ? 'B' : 'A'}, 'PUT', $path,
                             ['If-Match' => $etag], "w$_\n$big"] } 0 .. 15);
    my %n;
    $n{$_ =~ /^2/ ? '2xx' : $_}++ for @st;
    check(join(' ', map { "$_:$n{$_}" } sort keys %n), '2xx:1 412:15',
          'one write succeeds, 15 get 412');
    check(writes_to($path), 1, 'the backend applied one write');
    my ($winner) = grep { $st[$_] =~ /^2/ } 0 .. $#st;
    check((split /\n/, slurp("$scratch/store$path") // '')[0] // 'none',
          defined $winner ? "w$winner" : 'a winner', "the document is the winner's");
    check(join(' ', lock_keys($etcd)), '', 'no lock key left in etcd');
    my %after = map { ($_ => counters($gw{$_})) } qw(A B);
    check(delta($before{A}, $after{A}, 'LockServerTaken') + delta($before{B}, $after{B}, 'LockServerTaken'),
          16, 'RequirePreconditionLockServerTaken counts 16 locks (A + B)');
    check(join(' ', map { delta($before{$_}, $after{$_}, 'LockServerFailed') } qw(A B)), '0 0',
          'RequirePreconditionLockServerFailed: none');
});

# b, c. The read-modify-write counter over both gateways: 8 clients, 10
# increments each, retrying on 412 (and on 503, which c allows).
my ($clients, $each) = (8, 10);
sub counter_case {
    my ($path, %o) = @_;
    spit("$scratch/store$path", "0\n");
    my $t0 = time;
    my ($acks, $bad) = counter_until(clients => $clients, count => $each,
        hps => [$gw{A}{hp}, $gw{B}{hp}], host => 'localhost', uri => $path,
        deadline => time + 60, backoff => 0.1, during => $o{during});
    my ($value) = (slurp("$scratch/store$path") // '') =~ /(\d+)/;
    # counter_until hands the failures over as words: "PUT 503" is two.
    my %bad;
    $bad{$_}++ for "@$bad" =~ /(\S+ \S+)/g;
    printf "# %s: %d increments in %.1f s; failed requests: %s\n", $path, $acks,
        time - $t0, join(', ', map { "$_ x $bad{$_}" } sort keys %bad) || 'none';
    check($acks, $clients * $each, "every client made its $each increments");
    check($value // 'none', $acks, 'the counter is the increments acknowledged');
    check(writes_to($path), $acks, 'the backend applied as many writes');
    check(join(', ', grep { $_ ne 'PUT 503' } sort keys %bad), '',
          'no failure but 503 on a write');
}
section('b. counter, Evaluate Backend', 4, sub {
    die "no setup\n" unless $gw{B};
    counter_case('/docs/b/counter');
});
section('b. counter, Evaluate Digest', 4, sub {
    die "no setup\n" unless $gw{B};
    counter_case('/digest/b/counter');
});
# While etcd is healthy (a, b), the gateways have nothing to warn about.
section('quiet', 1, sub {
    die "no setup\n" unless $gw{B};
    check(join('', map { grep { /\[require_precondition:(?:warn|error|crit|alert|emerg)\]/ }
                         split /^/, log_since($gw{$_}, $gw{$_}{mark}) } qw(A B)),
          '', "no warning or error in A's and B's error_log during a and b");
});

section('c. counter, etcd leader killed -9', 6, sub {
    die "no setup\n" unless $gw{B};
    my $path = '/docs/c/counter';
    my ($killed, $at) = (undef, 0);
    counter_case($path, during => sub {
        wait_until(20, sub { (((slurp("$scratch/store$path") // '') =~ /(\d+)/)[0] // 0) >= 15 });
        $at = ((slurp("$scratch/store$path") // '') =~ /(\d+)/)[0] // 0;
        $killed = $etcd->leader;
        $etcd->kill_member($killed) if defined $killed;
        print "# killed etcd member $killed (the leader) at counter $at\n" if defined $killed;
    });
    check(defined $killed && $at > 0 && $at < $clients * $each ? 'mid-run' : "at $at",
          'mid-run', 'the leader was killed while the clients ran');
    $etcd->start_all;
    check(defined $etcd->leader ? 'healthy' : 'not', 'healthy',
          'the killed member is back, the cluster healthy');
});

# e. A waiter that gives up: A holds /docs/e/... 3 s (its HEAD look-up);
# B, waiting at most 1 s there, gets 503 after about 1 s; once A is done,
# B's next write there takes the lock at once.
section('e. a waiter that gives up', 10, sub {
    die "no setup\n" unless $gw{B};
    my $path = '/docs/e/head-sleep/doc';
    spit("$scratch/store$path", "v0\n");
    my $etag = etag_via($gw{A}, $path) // die "no ETag for $path\n";
    my $b0 = counters($gw{B});
    my $holder = in_background($gw{A}, 'PUT', $path, ['If-Match' => $etag], "a\n");
    check(wait_until(2.5, sub { key_count($etcd) > 0 }) ? 'held' : 'no key', 'held',
          "A's write holds a lock key in etcd");
    my $w = request($gw{B}, 'PUT', $path, ['If-Match' => $etag], "b\n");
    check($w->{status}, 503, "B's write, waiting at most 1 s: 503");
    check($w->{h}{'retry-after'} // 'none', qr/^\d+$/, 'with Retry-After');
    check(sprintf('%.1f', $w->{secs}), qr/^(?:0\.[89]|1\.\d|2\.0)$/, 'after about 1 s');
    my $held = finish($holder);
    check($held->{status}, 204, "A's write: 204");
    check(join(' ', lock_keys($etcd)), '', 'no lock key left (the waiter that gave up left none)');
    my $etag2 = etag_via($gw{B}, $path) // 'none';
    my $next = request($gw{B}, 'PUT', $path, ['If-Match' => $etag2], "c\n");
    check($next->{status}, 204, "B's next write: 204");
    # Its HEAD look-up takes 3 s; the lock, no time.
    check(sprintf('%.1f', $next->{secs} - 3), qr/^-?0\.[0-7]$/, 'it took the lock at once (secs beyond the 3 s look-up)');
    check(writes_to($path), 2, "the backend applied A's and B's next write, not the one that gave up");
    check(delta($b0, counters($gw{B}), 'LockServerTimedOut'), 1,
          "B's RequirePreconditionLockServerTimedOut counts the one that gave up");
});

# d. All of etcd stopped: a write gets 503 with Retry-After and reaches
# nothing, a read passes, a gateway still starts (K, used in f); etcd
# back: writes pass again.
section('d. etcd down', 11, sub {
    die "no setup\n" unless $gw{B};
    my $path = '/docs/d/doc';
    spit("$scratch/store$path", "v0\n");
    my $etag = etag_via($gw{A}, $path) // die "no ETag for $path\n";
    my %port = map { ($_ => ($_ =~ /:(\d+)$/)[0]) } $etcd->urls;
    my $members = join '|', values %port;
    $etcd->stop_all;
    my $k = eval { gateway('K', lock_line($etcd->urls), "RequirePreconditionLockLease $lease") };
    print "# $@" unless $k;
    check($k ? 'started' : 'failed', 'started', 'a gateway starts while etcd is down');
    check($k ? slurp($k->{error_log}) // '' : '', qr/:warn\].*(?:etcd|127\.0\.0\.1:(?:$members))/,
          'and warns');
    my $a0 = counters($gw{A});
    my $mark = log_size($gw{A});
    my $w = request($gw{A}, 'PUT', $path, ['If-Match' => $etag], "d1\n");
    check($w->{status}, 503, 'a write: 503');
    check($w->{h}{'retry-after'} // 'none', qr/^\d+$/, 'with Retry-After');
    check(writes_to($path), 0, 'nothing reached the backend');
    check(log_since($gw{A}, $mark), qr/127\.0\.0\.1:(?:$members)/,
          "A's error_log names an etcd member");
    my $r = request($gw{A}, 'GET', $path);
    check("$r->{status} $r->{body}", "200 v0\n", 'a read passes');
    check(delta($a0, counters($gw{A}), 'LockServerFailed'), 1,
          "A's RequirePreconditionLockServerFailed counts the write");
    $etcd->start_all;
    my $t0 = time;
    my $st;
    wait_until(15, sub {
        $st = request($gw{A}, 'PUT', $path, ['If-Match' => $etag], "d2\n")->{status};
        sleep 0.2 if $st ne '204';
        $st eq '204';
    });
    printf "# etcd back: a write passed after %.1f s\n", time - $t0;
    check($st, 204, 'etcd back: a write passes again');
    check(writes_to($path), 1, 'the backend applied that one');
    my $kw = $k ? request($k, 'PUT', $path, ['If-Match' => etag_via($k, $path) // 'none'], "d3\n") : {};
    check($kw->{status} // 'no K', 204, 'the gateway started while etcd was down writes too');
});

# f. Gateway K (lease 3 s) killed -9 while it holds a lock (its 3 s HEAD
# look-up of /docs/f/...): B, waiting at most 15 s, gets through once K's
# lease ends.
section('f. a gateway killed -9 while it holds a lock', 6, sub {
    my $k = $gw{K} or die "no gateway K (d)\n";
    my $path = '/docs/f/head-sleep/doc';
    spit("$scratch/store$path", "v0\n");
    my $etag = etag_via($gw{B}, $path) // die "no ETag for $path\n";
    my $holder = in_background($k, 'PUT', $path, ['If-Match' => $etag], "k\n");
    check(wait_until(2.5, sub { key_count($etcd) > 0 }) ? 'held' : 'no key', 'held',
          "K's write holds a lock key in etcd");
    my @granted = map { $_->{granted} } @{ $etcd->leases // [] };
    check(join(' ', sort { $a <=> $b } @granted), qr/(?:^| )$lease(?: |$)/,
          "a lease of $lease s (K's RequirePreconditionLockLease) among the leases");
    chomp(my $ppid = slurp($k->{pidfile}) // '');
    die "no pid for K\n" unless $ppid =~ /^\d+$/;
    my @pids = ($ppid, split ' ', `pgrep -P $ppid`);
    kill 'KILL', @pids;
    my $t0 = time;
    unlink $k->{pidfile};
    my $w = in_background($gw{B}, 'PUT', $path, ['If-Match' => $etag], "b\n");
    check(wait_until(3, sub { !grep { !gone($_) } @pids }) ? 'gone' : 'alive', 'gone',
          "K's processes (@pids) are gone");
    finish($holder);
    my $res = finish($w);
    printf "# B's write answered %s after %.1f s\n", $res->{status}, $res->{secs};
    check($res->{status}, 204, "B's write: 204");
    # Its own HEAD look-up: 3 s; the lock: at most the lease, and slack.
    check($res->{secs} <= 3 + $lease + 2 ? 'in time' : sprintf('%.1f s', $res->{secs}), 'in time',
          "B got the lock within K's lease ($lease s) and 2 s, not its 15 s timeout");
    check(writes_to($path), 1, "the backend applied B's write only");
});

# g. TLS with client certificates: one member on https:// with
# --client-cert-auth; T1 with the client certificate its CA signed (and
# prefix=/rp-tls), T2 with one of another CA, T3 without
# RequirePreconditionLockServerTLS (the system's CAs).
section('g. TLS', 10, sub {
    die "no setup\n" unless $gw{B};
    $tls_etcd = RPTest::Etcd->start(members => 1, tls => 1);
    my $t = $tls_etcd->tls;
    my $url = $tls_etcd->url(0);
    check($url, qr{^https://}, 'an etcd with client-certificate auth');
    my $t1 = gateway('T1', lock_line($url, 'prefix=/rp-tls'),
                     "RequirePreconditionLockServerTLS $t->{client_cert} $t->{client_key} $t->{ca}");
    my $t2 = gateway('T2', lock_line($url),
                     "RequirePreconditionLockServerTLS $t->{rogue_cert} $t->{rogue_key} $t->{ca}");
    my $t3 = gateway('T3', lock_line($url));
    my $path = '/docs/g/head-sleep/doc';
    spit("$scratch/store$path", "v0\n");
    my $etag = etag_via($t1, $path) // die "no ETag for $path\n";
    my $holder = in_background($t1, 'PUT', $path, ['If-Match' => $etag], "t1\n");
    check(wait_until(2.5, sub { key_count($tls_etcd, '/rp-tls') > 0 }) ? 'held' : 'no key', 'held',
          'T1 holds a lock key under prefix=/rp-tls');
    check(finish($holder)->{status}, 204, 'T1 (client certificate of the CA): a write passes');
    my $path2 = '/docs/g/doc';
    spit("$scratch/store$path2", "v0\n");
    $etag = etag_via($t2, $path2) // die "no ETag for $path2\n";
    my $mark = log_size($t2);
    my $w = request($t2, 'PUT', $path2, ['If-Match' => $etag], "t2\n");
    printf "# T2's write: %s after %.1f s\n", $w->{status}, $w->{secs};
    check("$w->{status} " . ($w->{h}{'retry-after'} // 'none'), qr/^503 \d+$/,
          "T2 (a certificate of another CA): 503 with Retry-After");
    check(log_since($t2, $mark), qr/\Q$url\E/, "T2's error_log names the member");
    # A refused handshake is no election to wait out: at once, not after
    # the SerializeTimeout.
    check($w->{secs} < 2 ? 'at once' : sprintf('%.1f s', $w->{secs}), 'at once',
          'T2: the 503 comes at once');
    $w = request($t3, 'PUT', $path2, ['If-Match' => $etag], "t3\n");
    printf "# T3's write: %s after %.1f s\n", $w->{status}, $w->{secs};
    check("$w->{status} " . ($w->{h}{'retry-after'} // 'none'), qr/^503 \d+$/,
          'T3 (no client certificate, system CAs): 503 with Retry-After');
    check($w->{secs} < 2 ? 'at once' : sprintf('%.1f s', $w->{secs}), 'at once',
          'T3: the 503 comes at once');
    check(writes_to($path2), 0, 'neither reached the backend');
    check(writes_to($path), 1, "the backend applied T1's write");
});

# i. The counters in Prometheus' text are those of ?auto.
section('i. Prometheus', 3, sub {
    die "no setup\n" unless $gw{A};
    my $auto = counters($gw{A});
    my $m = parse_metrics(request($gw{A}, 'GET', '/metrics')->{body});
    for (['taken', 'LockServerTaken'], ['timed_out', 'LockServerTimedOut'],
         ['failed', 'LockServerFailed']) {
        check($m->{qq(require_precondition_lock_server_total{result="$_->[0]"})} // 'none',
              $auto->{ $_->[1] } // 'none', "require_precondition_lock_server_total{result=\"$_->[0]\"}");
    }
});

my $total = 0;
$total += $_->{n} for @sections;
plan tests => $total, need need_module('proxy', 'proxy_http', 'status'),
    { ($no_etcd // 'etcd-server') => !$no_etcd };

for my $s (@sections) {
    $section = $s;
    $s->{done} = 0;
    my $t0 = time;
    if (!eval { $s->{code}->(); 1 }) {
        print "# $s->{name}: $_\n" for split /\n/, $@;
        $s->{failed}++;
    }
    print "# $s->{name}: checks ", $s->{done} + 1, "..$s->{n} not reached\n" if $s->{done} < $s->{n};
    ok 0 for $s->{done} + 1 .. $s->{n};
    printf "# %s: %.1f s\n", $s->{name}, time - $t0;
    next unless $s->{failed};
    for my $g (sort { $a->{name} cmp $b->{name} } values %gw) {
        my @l = grep { !/:trace\d\]/ } split /\n/, slurp($g->{error_log}) // '';
        print "# ---- gateway $g->{name}: $g->{error_log}\n",
            map { "#   $_\n" } @l[($#l > 15 ? $#l - 15 : 0) .. $#l];
    }
}
