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

# An etcd cluster a test starts by hand (t/etcd.t): N members of Debian's
# etcd-server (/usr/bin/etcd) as this account, on free loopback ports, data
# in a folder of their own; optionally with TLS and client-certificate auth
# on the client URLs (the peers talk plain HTTP). It speaks to the members
# through etcd's JSON gateway (/v3/...), as the module does.
#
#   my $why = RPTest::Etcd::missing();          # a skip reason, or undef
#   my $e = RPTest::Etcd->start(members => 3, tls => 1);
#   $e->urls;  $e->url($i);  $e->leader;  $e->kill_member($i);  $e->stop_all;
#   $e->start_all;  $e->keys_under('/prefix');  $e->leases;  $e->tls->{ca} ...
#
# Every member started here stops when the process that started it ends
# (an END block; and setpriv --pdeathsig where there is one, should the
# test be killed outright); stop_all/start_all in between keep the data.
package RPTest::Etcd;
use strict;
use warnings FATAL => 'all';

use File::Path qw(make_path);
use File::Temp qw(tempdir);
use HTTP::Tiny ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);
use POSIX ();
use RPTest::Servers qw(free_port);
use Time::HiRes qw(time sleep);

our $BIN = $ENV{RP_ETCD} || '/usr/bin/etcd';

my @clusters;      # every cluster started, stopped in END
my $owner = $$;    # a forked child's END must not stop them

# Why a test cannot have an etcd here (undef: it can).
sub missing {
    return "no $BIN (Debian's etcd-server)" unless -x $BIN;
    return 'no openssl (for the TLS certificates)' unless grep { -x "$_/openssl" } split /:/, $ENV{PATH} // '';
    return undef;
}

# A folder for the data: in memory where there is room (etcd syncs every
# write: on a disk a lock costs milliseconds; a member takes about 130 MB,
# its write-ahead log preallocated), else /tmp.
sub scratch {
    my ($free) = -d '/dev/shm' && -w '/dev/shm'
        ? (`df -Pk /dev/shm 2>/dev/null` =~ /\n\S+\s+\d+\s+\d+\s+(\d+)/) : ();
    my $base = ($free // 0) > 1024 * 1024 ? '/dev/shm' : '/tmp';
    return tempdir("$base/rp-etcd.XXXXXX", CLEANUP => 1);
}

# Start a cluster and wait until it is healthy. Options: members (3), tls
# (0: http://; 1: https:// with --client-cert-auth), dir (a folder, made
# when missing; default a fresh one removed at exit), heartbeat (ms, 100),
# election (ms, 1000), timeout (s to become healthy, 30).
sub start {
    my ($class, %o) = @_;
    my $self = bless {
        n => $o{members} // 3, dir => $o{dir} // scratch(),
        heartbeat => $o{heartbeat} // 100, election => $o{election} // 1000,
        token => "rp-test-$$-" . scalar(@clusters), members => [],
    }, $class;
    make_path($self->{dir});
    $self->{tls} = make_certs("$self->{dir}/tls") if $o{tls};
    my $scheme = $o{tls} ? 'https' : 'http';
    for my $i (0 .. $self->{n} - 1) {
        push @{ $self->{members} }, {
            name => "m$i", client => free_port(), peer => free_port(),
            data => "$self->{dir}/m$i.etcd", log => "$self->{dir}/m$i.log",
        };
        $self->{members}[$i]{url} = "$scheme://127.0.0.1:$self->{members}[$i]{client}";
    }
    push @clusters, $self;
    $self->start_member($_) for 0 .. $self->{n} - 1;
    $self->wait_healthy($o{timeout} // 30);
    return $self;
}

sub size { return $_[0]{n} }
sub dir  { return $_[0]{dir} }
sub urls { return map { $_->{url} } @{ $_[0]{members} } }
sub url  { return $_[0]{members}[$_[1]]{url} }
sub log_of { return $_[0]{members}[$_[1]]{log} }
# The TLS files (undef without tls): ca, server_cert, server_key,
# client_cert, client_key, and rogue_cert/rogue_key: a client certificate
# that another CA signed, which the members refuse.
sub tls  { return $_[0]{tls} }
sub running { my ($self, $i) = @_; return defined $self->{members}[$i]{pid} }

sub start_member {
    my ($self, $i) = @_;
    my $m = $self->{members}[$i];
    return if defined $m->{pid};
    my $peers = join ',', map { "$_->{name}=http://127.0.0.1:$_->{peer}" } @{ $self->{members} };
    my @cmd = ($BIN, '--name', $m->{name}, '--data-dir', $m->{data},
        '--listen-client-urls', $m->{url}, '--advertise-client-urls', $m->{url},
        '--listen-peer-urls', "http://127.0.0.1:$m->{peer}",
        '--initial-advertise-peer-urls', "http://127.0.0.1:$m->{peer}",
        '--initial-cluster', $peers, '--initial-cluster-state', 'new',
        '--initial-cluster-token', $self->{token},
        '--heartbeat-interval', $self->{heartbeat},
        '--election-timeout', $self->{election},
        '--logger', 'zap', '--log-outputs', 'stderr');
    if (my $t = $self->{tls}) {
        push @cmd, '--client-cert-auth', '--trusted-ca-file', $t->{ca},
            '--cert-file', $t->{server_cert}, '--key-file', $t->{server_key};
    }
    unshift @cmd, qw(setpriv --pdeathsig KILL --) if -x '/usr/bin/setpriv';
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $m->{log} or POSIX::_exit(1);
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(1);
    }
    $m->{pid} = $pid;
}

# Wait for a member to be gone after a signal; true when it is.
sub reap {
    my ($m, $secs) = @_;
    my $until = time + $secs;
    while (time < $until) {
        return 1 if waitpid($m->{pid}, POSIX::WNOHANG()) != 0;
        sleep 0.05;
    }
    return 0;
}

# kill -9 member $i (and reap it): no goodbye to its peers or clients.
sub kill_member {
    my ($self, $i) = @_;
    my $m = $self->{members}[$i];
    return unless defined $m->{pid};
    CORE::kill 'KILL', $m->{pid};
    waitpid $m->{pid}, 0;
    delete $m->{pid};
}

# Stop member $i (SIGTERM; SIGKILL after 10 s).
sub stop {
    my ($self, $i) = @_;
    my $m = $self->{members}[$i];
    return unless defined $m->{pid};
    CORE::kill 'TERM', $m->{pid};
    if (!reap($m, 10)) { CORE::kill 'KILL', $m->{pid}; waitpid $m->{pid}, 0 }
    delete $m->{pid};
}

sub stop_all {
    my $self = shift;
    # The followers first, then the leader: a leader stopped while it has
    # followers tries for 7 s to hand its leadership over.
    my $l = $self->leader // -1;
    $self->stop($_) for (grep { $_ != $l } 0 .. $self->{n} - 1), ($l >= 0 ? $l : ());
}

# Start every member that is not running (on its ports and data) and wait
# until the cluster is healthy; (timeout => 0): do not wait.
sub start_all {
    my ($self, %o) = @_;
    $self->start_member($_) for 0 .. $self->{n} - 1;
    $self->wait_healthy($o{timeout} // 30) if $o{timeout} // 1;
}

# An HTTP client for the members (with the client certificate under TLS).
sub http {
    my ($self, %o) = @_;
    my $t = $self->{tls};
    return HTTP::Tiny->new(timeout => $o{timeout} // 3, keep_alive => 0,
        $t ? (verify_SSL => 1,
              SSL_options => { SSL_ca_file => $t->{ca},
                               SSL_cert_file => $t->{client_cert},
                               SSL_key_file => $t->{client_key} }) : ());
}

# POST $body (a hash) as JSON to $path of member $i: the decoded answer,
# or undef (and $self->{error} says why).
sub call {
    my ($self, $i, $path, $body, %o) = @_;
    my $m = $self->{members}[$i];
    my $res = $self->http(%o)->post("$m->{url}$path", {
        headers => { 'Content-Type' => 'application/json' },
        content => JSON::PP::encode_json($body // {}) });
    if (!$res->{success}) {
        $self->{error} = "$m->{url}$path: $res->{status} $res->{reason} "
            . substr($res->{content} // '', 0, 200);
        return undef;
    }
    my $json = eval { JSON::PP::decode_json($res->{content}) };
    $self->{error} = "$m->{url}$path: not JSON: $res->{content}" unless $json;
    return $json;
}

# Member $i's /v3/maintenance/status (member_id and leader as strings:
# the gateway writes 64-bit numbers so), or undef.
sub status { my ($self, $i) = @_; return $self->call($i, '/v3/maintenance/status', {}, timeout => 1) }

# The index of the leader, as the running members see it (undef: none
# that all of them agree on).
sub leader {
    my $self = shift;
    my (%ids, %leaders);
    for my $i (grep { $self->running($_) } 0 .. $self->{n} - 1) {
        my $s = $self->status($i) or return undef;
        $ids{ $s->{header}{member_id} } = $i;
        $leaders{ $s->{leader} // 0 } = 1;
    }
    my @l = CORE::keys %leaders;
    return undef unless @l == 1;
    return $ids{ $l[0] };
}

# Healthy: a leader that every running member names, and a quorum read
# (a linearizable range) answered.
sub healthy {
    my $self = shift;
    my $l = $self->leader;
    return 0 unless defined $l;
    return defined $self->call($l, '/v3/kv/range', { key => encode_base64('health', '') },
                               timeout => 2);
}

sub wait_healthy {
    my ($self, $secs) = @_;
    my $until = time + $secs;
    while (time < $until) {
        return 1 if $self->healthy;
        for my $m (@{ $self->{members} }) {
            next unless defined $m->{pid} && waitpid($m->{pid}, POSIX::WNOHANG()) != 0;
            delete $m->{pid};
            die "etcd $m->{name} exited; its log $m->{log}:\n" . tail($m->{log}, 20);
        }
        sleep 0.2;
    }
    die "etcd did not become healthy in $secs s ("
        . ($self->{error} // 'no leader') . "); the first member's log:\n"
        . tail($self->{members}[0]{log}, 20);
}

sub tail {
    my ($file, $n) = @_;
    open my $fh, '<', $file or return "($file: $!)\n";
    my @l = <$fh>;
    return join '', @l[($#l >= $n ? $#l - $n + 1 : 0) .. $#l];
}

# A running member to ask: the leader when known, else the first running.
sub any_member {
    my $self = shift;
    my $l = $self->leader;
    return $l if defined $l;
    my ($i) = grep { $self->running($_) } 0 .. $self->{n} - 1;
    return $i;
}

# The keys under $prefix (every key starting with it), sorted; undef when
# the cluster does not answer.
sub keys_under {
    my ($self, $prefix) = @_;
    my $i = $self->any_member // return undef;
    my $end = $prefix;
    substr($end, -1, 1) = chr(ord(substr($end, -1)) + 1);
    my $r = $self->call($i, '/v3/kv/range', {
        key => encode_base64($prefix, ''), range_end => encode_base64($end, ''),
        keys_only => JSON::PP::true }) // return undef;
    return [sort map { decode_base64($_->{key}) } @{ $r->{kvs} || [] }];
}

# The leases: [{ id, ttl (s left), granted (s) }], or undef.
sub leases {
    my $self = shift;
    my $i = $self->any_member // return undef;
    my $r = $self->call($i, '/v3/lease/leases', {}) // return undef;
    my @out;
    for my $l (@{ $r->{leases} || [] }) {
        my $t = $self->call($i, '/v3/lease/timetolive', { ID => $l->{ID} }) // next;
        push @out, { id => $l->{ID}, ttl => $t->{TTL}, granted => $t->{grantedTTL} };
    }
    return \@out;
}

# Put a key (for a test that wants one there): true when written.
sub put {
    my ($self, $key, $value) = @_;
    my $i = $self->any_member // return 0;
    return defined $self->call($i, '/v3/kv/put', {
        key => encode_base64($key, ''), value => encode_base64($value, '') });
}

# A CA, a server certificate for 127.0.0.1 and localhost, a client
# certificate it signed, and a client certificate of another CA, in $dir.
sub make_certs {
    my $dir = shift;
    make_path($dir);
    my %f = map { ($_ => "$dir/$_.pem") }
        qw(ca ca_key server_cert server_key client_cert client_key
           rogue_ca rogue_ca_key rogue_cert rogue_key);
    my $run = sub {
        my $out = `openssl @_ 2>&1`;
        die "openssl @_: $out" if $?;
    };
    my $ext = "$dir/ext.cnf";
    open my $fh, '>', $ext or die "$ext: $!";
    print $fh "[server]\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n",
        "extendedKeyUsage = serverAuth, clientAuth\n",
        "[client]\nextendedKeyUsage = clientAuth\n";
    close $fh;
    my $key = '-newkey rsa:2048 -nodes';
    for my $ca (['ca', 'ca_key', 'rp-test-ca'], ['rogue_ca', 'rogue_ca_key', 'rp-rogue-ca']) {
        $run->("req -x509 $key -days 2 -subj /CN=$ca->[2] -keyout $f{$ca->[1]} -out $f{$ca->[0]}");
    }
    for my $c (['server_cert', 'server_key', '127.0.0.1', 'server', 'ca'],
               ['client_cert', 'client_key', 'rp-gateway', 'client', 'ca'],
               ['rogue_cert', 'rogue_key', 'rp-gateway', 'client', 'rogue_ca']) {
        my ($cert, $k, $cn, $section, $ca) = @$c;
        my $ca_key = $f{"${ca}_key"};
        $run->("req $key -subj /CN=$cn -keyout $f{$k} -out $dir/$cert.csr");
        $run->("x509 -req -in $dir/$cert.csr -CA $f{$ca} -CAkey $ca_key"
               . " -CAcreateserial -days 2 -extfile $ext -extensions $section -out $f{$cert}");
    }
    return \%f;
}

END {
    if ($$ == $owner) {
        my $rc = $?;
        $_->stop_all for splice @clusters;
        $? = $rc;
    }
}

1;
