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

# The race writer of t/race.t and t/multi/cluster.pl: N PUTs with one
# ETag, each from a process of its own, connected first and then let go at
# one instant (every writer blocks on a pipe that the parent closes). No
# Apache::Test here: t/multi runs its own servers.
package RPTest::Race;

use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

our @EXPORT = qw(race_round);

# race_round(@writers): each writer a hash { hp => 'host:port', host =>
# Host header, uri, etag, body }. Returns their statuses, in order ('err'
# for a writer that could not connect or read an answer).
sub race_round {
    my @w = @_;
    pipe(my $go_r, my $go_w) or die "pipe: $!";
    pipe(my $res_r, my $res_w) or die "pipe: $!";
    my @kids;
    for my $i (0 .. $#w) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $go_w;
            close $res_r;
            my $o = $w[$i];
            my $sock = IO::Socket::INET->new(PeerAddr => $o->{hp},
                                             Proto => 'tcp', Timeout => 10);
            my $req = "PUT $o->{uri} HTTP/1.1\r\nHost: $o->{host}\r\n"
                . "If-Match: $o->{etag}\r\nContent-Length: "
                . length($o->{body}) . "\r\nConnection: close\r\n\r\n$o->{body}";
            sysread($go_r, my $x, 1);           # EOF for all: go
            my $status = 'err';
            if ($sock) {
                syswrite($sock, $req);
                local $/;
                my $resp = <$sock> // '';
                ($status) = $resp =~ m{^HTTP/1\.\d (\d{3})};
                $status //= 'err';
            }
            syswrite($res_w, "$i $status\n");
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    close $go_r;
    close $res_w;
    Time::HiRes::sleep(0.2);                    # every writer connected
    close $go_w;
    my %st = map { /^(\d+) (\S+)/ ? ($1 => $2) : () } <$res_r>;
    waitpid $_, 0 for @kids;
    return map { $st{$_} // 'err' } 0 .. $#w;
}

1;
