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

# The race harness: R rounds in which N writers GET the same ETag and PUT
# with it at the same instant. Without serialization several of them win
# (lost updates); with RequirePreconditionSerialize On exactly one does.
#
#   RP_RACE_ROUNDS=100 RP_RACE_WRITERS=8 RP_RACE_PROVE=1 t/run.sh t/race.t
#
# RP_RACE_PROVE=1 also asserts that the unserialized stores lose updates,
# which shows that the harness can see them (t/race.sh, `make race`). Each
# store's figures go to stderr as a "race:" line.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use IO::Socket::INET ();
use RPTest;
use RPTest::Race;

my $rounds = $ENV{RP_RACE_ROUNDS} || 10;
my $writers = $ENV{RP_RACE_WRITERS} || 8;
my $prove = $ENV{RP_RACE_PROVE} ? 1 : 0;
my $mpm = Apache::Test::config()->{server}->{mpm} || '?';

# [store, FileETag, serialized, writers spread over URLs]
# The spread store's writers reach one file three ways: this host, a second
# virtual host with its own port (t/conf/topic/serialize.conf.in), and a
# symlinked folder.
my $vhost = Apache::Test::config()->{vhosts}{rp_serial_vhost}{hostport};
my @stores = (
    ['/race/on/',        'Digest',     1],
    ['/race/on/',        'Digest',     1, 'spread'],
    ['/race/off/',       'Digest',     0],
    ['/race/mtime-on/',  'MTime Size', 1],
    ['/race/mtime-off/', 'MTime Size', 0],
);

plan tests => 2 * @stores + $prove * 2, need_module 'dav';

# One round: returns the statuses of the writers, by writer (1 .. N).
sub round {
    my ($uri, $etag, $n, $spread) = @_;
    my @w;
    for my $i (1 .. $writers) {
        my ($hp, $target) = (Apache::TestRequest::hostport(), $uri);
        if ($spread && $i % 3 == 1) {
            $hp = $vhost;
        }
        elsif ($spread && $i % 3 == 2) {
            $target =~ s{^/race/on/}{/race/on/link/};
        }
        push @w, { hp => $hp, host => 'localhost', uri => $target,
                   etag => $etag, body => "round $n writer $i\n" };
    }
    my @st = race_round(@w);
    return { map { ($_ + 1) => $st[$_] } 0 .. $#st };
}

my %lost;
{
    my $link = disk_path('/race/on/link');
    put_disk('/race/on/doc.txt', "base\n");
    unlink $link;
    symlink '.', $link or die "symlink $link: $!";
}
for my $s (@stores) {
    my ($dir, $fileetag, $serialized, $spread) = @$s;
    my $uri = "${dir}doc.txt";
    my ($exactly_one, $lost_rounds, $winners_total, $strong, $kept) =
        (0, 0, 0, 0, 0);
    for my $n (1 .. $rounds) {
        my $path = put_disk($uri, "round $n base\n");
        # An old mtime: the MTime ETag of a file changed within the last
        # second is weak, and a weak ETag never matches If-Match.
        utime time - 3600, time - 3600, $path;
        my $etag = etag_of($uri) // '';
        $strong++ if $etag =~ /^"/;
        my $st = round($uri, $etag, $n, $spread);
        my @won = grep { $st->{$_} eq '204' } keys %$st;
        $winners_total += @won;
        $exactly_one++ if @won == 1;
        $lost_rounds++ if @won > 1;
        # The content on disk is the (last) winner's.
        my $now = slurp($uri) // '';
        $kept++ if grep { $now eq "round $n writer $_\n" } @won;
    }
    my $mean = $winners_total / $rounds;
    printf STDERR "race: mpm=%s store=%s fileetag=%s serialize=%s rounds=%d "
        . "writers=%d lost_rounds=%d mean_winners=%.2f\n", $mpm,
        $dir . ($spread ? '+vhost+symlink' : ''),
        $fileetag =~ s/ /+/r, $serialized ? 'On' : 'Off', $rounds, $writers,
        $lost_rounds, $mean;
    ok t_cmp($strong, $rounds, "$dir: every round started from a strong ETag");
    if ($serialized) {
        ok t_cmp($exactly_one, $rounds, "$dir" . ($spread ? ' (this host, a '
                 . 'second vhost, a symlink)' : '') . ': exactly one winner each round');
    }
    else {
        ok t_cmp($kept, $rounds, "$dir: the file holds a winner's write");
        $lost{$dir} = $lost_rounds;
    }
}
if ($prove) {
    ok t_cmp($lost{'/race/off/'} > 0 ? 1 : 0, 1,
             'the harness sees lost updates without serialization (Digest)');
    ok t_cmp($lost{'/race/mtime-off/'} > 0 ? 1 : 0, 1,
             'the harness sees lost updates without serialization (MTime)');
}
