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

# A real Prometheus scrapes the endpoint: Debian's /usr/bin/prometheus,
# started here on a free loopback port with its storage in a temporary
# folder, a scrape a second, and the alerting rules of
# conf/prometheus-rules.yml. Known traffic goes to a store of its own; the
# counters are read back through Prometheus's query API, and both alerts
# must react. The server is stopped in every way this file can end: at the
# end, in an END block (die, a failed plan), on INT/TERM, and by the kernel
# when this process is killed outright (setpriv --pdeathsig).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use File::Temp qw(tempdir);
use HTTP::Tiny ();
use IO::Socket::INET ();
use JSON::PP qw(decode_json);
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use RPTest;

my $prometheus = '/usr/bin/prometheus';
my $rules = "$FindBin::Bin/../conf/prometheus-rules.yml";
my $P = 'require_precondition';

# The traffic, and what each series must have gained once scraped.
my @traffic = (
    [ 'unconditional PUT', 3, PUT => '/prom-dav/a.txt', [], 428 ],
    [ 'create with If-None-Match: *', 2, PUT => '/prom-dav/new-%d.txt',
      ['If-None-Match' => '*'], 201 ],
    [ 'update with If-Match', 1, PUT => '/prom-dav/a.txt',
      sub { ['If-Match' => etag_of('/prom-dav/a.txt')] }, 204 ],
    [ 'ReportOnly: unconditional PUT', 1, PUT => '/prom-dav/report/a.txt',
      [], 204 ],
);
# Plus one lock timeout: two If-Match writes, one 503.
my %gain = (
    "${P}_judged_total"                                  => 3 + 2 + 1 + 1 + 2,
    "${P}_missing_total{decision=\"refused\"}"           => 3,
    "${P}_missing_total{decision=\"report_only\"}"       => 1,
    "${P}_passed_total{header=\"if-none-match\"}"        => 2,
    "${P}_passed_total{header=\"if-match\"}"             => 1 + 2,
    "${P}_passed_total{header=\"if-unmodified-since\"}"  => 0,
    "${P}_serialized_total"                              => 2 + 1 + 1 + 1,
    "${P}_lock_timeouts_total"                           => 1,
    "${P}_serialized_waited_total"                       => 0,
);
my @series = sort keys %gain;
my $traffic_tests = 0;
$traffic_tests += $_->[1] for @traffic;

plan tests => 3 + $traffic_tests + 2 + @series + 2 + 2,
    need need_module('dav'),
    { "$prometheus is not installed (Debian package prometheus: make deps)"
          => -x $prometheus };

# Under t/logs: gone with the suite's tree even when this is killed.
my $dir = tempdir('prometheus.XXXXXX', CLEANUP => 1,
                  DIR => Apache::Test::vars('t_logs'));
my $log = Apache::Test::vars('t_logs') . '/prometheus_log';
my $http = HTTP::Tiny->new(timeout => 5);
my $pid;

# Stop the server (TERM, then KILL after 10 s) and reap it; returns
# whether it is gone.
sub stop_prometheus {
    return 1 unless $pid;
    kill 'TERM', $pid;
    for (1 .. 100) {
        if (waitpid($pid, WNOHANG) == $pid) {
            undef $pid;
            return 1;
        }
        sleep 0.1;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
    undef $pid;
    return 0;
}
END { stop_prometheus() }
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);

# A port nobody listens on now.
sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub start_prometheus {
    my ($port, $target) = @_;
    open my $fh, '>', "$dir/prometheus.yml" or die "$dir: $!";
    print $fh <<"YAML";
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - '$rules'
scrape_configs:
  - job_name: require_precondition
    metrics_path: /prom-metrics
    static_configs:
      - targets: ['$target']
YAML
    close $fh;
    my @cmd = ($prometheus, "--config.file=$dir/prometheus.yml",
               "--storage.tsdb.path=$dir/data",
               "--web.listen-address=127.0.0.1:$port");
    unshift @cmd, qw(setpriv --pdeathsig KILL --) if -x '/usr/bin/setpriv';
    $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
}

# Prometheus's answer to an instant query: { 'name{labels}' => value }
# for the series of our job, labels as the endpoint writes them.
sub query {
    my ($base, $q) = @_;
    my $res = $http->get("$base/api/v1/query?"
                         . $http->www_form_urlencode({ query => $q }));
    return {} unless $res->{success};
    my $data = eval { decode_json($res->{content}) } or return {};
    my %v;
    for my $s (@{ $data->{data}{result} || [] }) {
        my %l = %{ $s->{metric} };
        my $name = delete($l{__name__}) // $q;
        delete @l{qw(job instance)};
        my $labels = join ',', map { "$_=\"$l{$_}\"" } sort keys %l;
        $v{$name . ($labels ? "{$labels}" : '')} = $s->{value}[1] + 0;
    }
    return \%v;
}

# Poll $cond every 0.2 s for up to $secs; its last result.
sub within {
    my ($secs, $cond) = @_;
    my $until = time + $secs;
    my $got;
    while (1) {
        $got = $cond->();
        return $got if $got || time > $until;
        sleep 0.2;
    }
}

# The end of the server's log, as TAP comments: why it did not start.
sub show_log {
    open my $fh, '<', $log or return;
    my @l = <$fh>;
    print map { "# prometheus: $_" } @l > 20 ? @l[-20 .. -1] : @l;
}

# Up to 30 s for /-/ready; 0 when the server exited (its log says why).
sub wait_ready {
    my $base = shift;
    for (1 .. 150) {
        if (waitpid($pid, WNOHANG) == $pid) {
            undef $pid;
            return 0;
        }
        return 1 if $http->get("$base/-/ready")->{status} == 200;
        sleep 0.2;
    }
    return 0;
}

# 1. The server, scraping the endpoint. The port was free a moment ago;
#    if someone took it meanwhile, the server exits: try another one.
my ($port, $base, $ready);
for (1 .. 3) {
    $port = free_port();
    $base = "http://127.0.0.1:$port";
    start_prometheus($port, '127.0.0.1:' . Apache::Test::vars('port'));
    $ready = wait_ready($base);
    last if $ready || $pid;
}
ok t_cmp($ready ? 1 : 0, 1, "prometheus ready on 127.0.0.1:$port");
my $up = $ready
    && within(20, sub { (query($base, 'up')->{up} // 0) == 1 });
ok t_cmp($up ? 1 : 0, 1, 'the endpoint scraped: up == 1');
show_log() unless $up;

# Prometheus must hold a sample from before the traffic (for increase()).
my $before = parse_metrics(raw_get('/prom-metrics')->[2]);
my $seen = within(10, sub {
    my $v = query($base, "${P}_judged_total");
    return ($v->{"${P}_judged_total"} // -1) == $before->{"${P}_judged_total"};
});
ok t_cmp($seen ? 1 : 0, 1, 'a scrape before the traffic');

# 2. The traffic.
put_disk('/prom-dav/a.txt', "old\n");
put_disk('/prom-dav/report/a.txt', "old\n");
fresh_path("/prom-dav/new-$_.txt") for 1 .. 2;
for my $t (@traffic) {
    my ($name, $n, $method, $uri, $headers, $status) = @$t;
    for my $i (1 .. $n) {
        my $res = req($method, $uri =~ /%d/ ? sprintf($uri, $i) : $uri,
                      ref $headers eq 'CODE' ? $headers->() : $headers,
                      "new\n");
        ok t_cmp($res->code, $status, "$name ($i)");
    }
}
my $u = '/prom-dav/short/t.txt';
my ($first, $second) = held_pair($u, '/prom-metrics');
ok t_cmp(finish_response($second)->[0], 503, 'lock timeout: 503');
ok t_cmp(finish_response($first, "a\n")->[0], 204,
         'lock timeout: the holder goes through');

# 3. The counters, read back through Prometheus once it has scraped them.
my $got = {};
within(15, sub {
    $got = { map { %{ query($base, (/^(\w+)/)[0]) } } @series };
    !grep { ($got->{$_} // -1) != $before->{$_} + $gain{$_} } @series;
});
for (@series) {
    ok t_cmp($got->{$_}, $before->{$_} + $gain{$_},
             "through /api/v1/query: $_ (+$gain{$_})");
}

# 4. The alerts of conf/prometheus-rules.yml: the 503 fires at once, the
#    refusals (3 of 9 writes judged) are pending for their 10 minutes.
sub alert_state {
    my $name = shift;
    my $v = query($base, "ALERTS{alertname=\"$name\"}");
    my ($k) = keys %$v;
    return $k && $k =~ /alertstate="(\w+)"/ ? $1 : 'none';
}
my $state = within(15, sub {
    my $s = alert_state('RequirePreconditionLockTimeout');
    $s eq 'firing' ? $s : 0 }) || alert_state('RequirePreconditionLockTimeout');
ok t_cmp($state, 'firing', 'alert RequirePreconditionLockTimeout fires');
$state = within(15, sub {
    my $s = alert_state('RequirePreconditionRefusalsRising');
    $s eq 'pending' ? $s : 0 }) || alert_state('RequirePreconditionRefusalsRising');
ok t_cmp($state, 'pending',
         'alert RequirePreconditionRefusalsRising pending (for: 10m)');

# 5. Stopped: the process is gone, the port closed.
my $server = $pid;
ok t_cmp(stop_prometheus() ? 1 : 0, 1, 'prometheus stops on TERM');
ok t_cmp(IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                               Timeout => 2) ? 'open' : 'closed', 'closed',
         "its port is closed (pid $server)");
