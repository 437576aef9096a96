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


# The read-modify-write counter under load, for a server that is being
# restarted or upgraded meanwhile (t/upgrade/upgrade.pl, tools/deb-test.sh):
# $o{clients} processes each GET $o{uri}, add one to the number in it and
# PUT it back with If-Match, retrying on 412, until the file $o{stop}
# exists. Returns (acknowledged increments, [failed requests as "METHOD
# status"], [Server headers seen, one of each]). Every request is a new
# connection, so that a restart's effect on each shows.
# Optional: $o{hps} (several host:port, client i uses the i-th, round
# robin, instead of $o{hp}); $o{count} (a client stops after that many
# acknowledged increments); $o{deadline} (a time(): every client stops
# then); $o{backoff} (seconds a client sleeps after a failed request,
# 412 aside); $o{during} (code run here once the clients are started,
# before their results are read).
package RPTest::Counter;
use strict;
use warnings;
use Exporter 'import';
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

our @EXPORT = qw(counter_until counter_request);

# One request: (status, ETag, body, Server header, the response's head);
# status 'refused' when no connection could be made, 'none' when no answer
# came.
sub counter_request {
    my ($hp, $host, $method, $uri, $headers, $body) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $hp, Proto => 'tcp',
                                     Timeout => 10) or return ('refused');
    $body //= '';
    my @h = @{ $headers || [] };
    my $h = join '', map { "$h[2*$_]: $h[2*$_+1]\r\n" } 0 .. @h / 2 - 1;
    print $sock "$method $uri HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n"
        . 'Content-Length: ' . length($body) . "\r\n$h\r\n$body";
    my $got = '';
    while (IO::Select->new($sock)->can_read(20)) {
        my $r = sysread($sock, my $buf, 65536);
        last unless $r;
        $got .= $buf;
    }
    close $sock;
    my ($status) = $got =~ m{^HTTP/1\.\d (\d{3})};
    my ($etag) = $got =~ m{^ETag:\s*(\S+)\r?$}mi;
    my ($server) = $got =~ m{^Server:\s*([^\r\n]*)}mi;
    my ($head, $text) = $got =~ m{\A(.*?)\r\n\r\n(.*)\z}s;
    return ($status // 'none', $etag, $text // '', $server // '', $head // $got);
}

sub counter_until {
    my %o = @_;
    pipe(my $res_r, my $res_w) or die "pipe: $!";
    my @kids;
    my @hps = $o{hps} ? @{ $o{hps} } : ($o{hp});
    my $parent = $$;
    for my $c (1 .. $o{clients}) {
        my $hp = $hps[($c - 1) % @hps];
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $res_r;
            my ($acks, @bad, %servers) = (0);
            my $fail = sub {
                push @bad, shift;
                Time::HiRes::sleep($o{backoff}) if $o{backoff};
            };
            # A client whose parent is gone (killed) stops too.
            while (getppid() == $parent && !(defined $o{stop} && -e $o{stop})
                   && !($o{count} && $acks >= $o{count})
                   && !($o{deadline} && Time::HiRes::time() > $o{deadline})) {
                my ($st, $tag, $body, $srv) =
                    counter_request($hp, $o{host}, 'GET', $o{uri});
                if ($st ne '200' || !defined $tag) { $fail->("GET $st"); next }
                $servers{$srv} = 1;
                my ($v) = $body =~ /(\d+)/;
                ($st) = counter_request($hp, $o{host}, 'PUT', $o{uri},
                                        ['If-Match' => $tag], ($v + 1) . "\n");
                if ($st eq '204') { $acks++ }
                elsif ($st ne '412') { $fail->("PUT $st") }
            }
            (my $s = join "\t", keys %servers) =~ s/\n//g;
            syswrite($res_w, join(' ', $acks, @bad) . "\n$s\n");
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    close $res_w;
    $o{during}->() if $o{during};
    my ($acks, @bad, %servers) = (0);
    while (defined(my $line = <$res_r>)) {
        my $srv = <$res_r> // '';
        chomp $srv;
        my ($a, @b) = split ' ', $line;
        $acks += $a;
        push @bad, @b;
        $servers{$_} = 1 for grep { length } split /\t/, $srv;
    }
    waitpid $_, 0 for @kids;
    return ($acks, \@bad, [sort keys %servers]);
}

1;
