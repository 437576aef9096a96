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

# Real clients against a guarded store, as the README's Clients section
# says they behave: curl with and without a precondition, cadaver's plain
# put/rm and its lock...unlock, git push over WebDAV with objects/ exempt,
# and litmus where nothing is refused. Each client is the Debian package's
# binary (tools/deps.sh installs them); a missing one skips its cases.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use RPTest;

sub have { my $c = shift; return grep { -x "$_/$c" } split /:/, $ENV{PATH} }

my @plan = (curl => 9, cadaver => 10, git => 11, litmus => 9);
my %n = @plan;
my $total = 0;
$total += $n{$_} for keys %n;
plan tests => $total, need_module 'dav';

my $base = 'http://' . Apache::TestRequest::hostport();
my $home = tempdir(CLEANUP => 1);
$ENV{HOME} = $home;
$ENV{GIT_TERMINAL_PROMPT} = 0;
$ENV{GIT_CONFIG_NOSYSTEM} = 1;

# Run a command with a shell, return (exit code, output).
sub run {
    my $cmd = shift;
    my $out = `$cmd 2>&1`;
    return ($? >> 8, $out);
}

sub skip_all_of {
    my ($client, $why) = @_;
    skip "$client: $why", 0 for 1 .. $n{$client};
}

# curl: -T alone is refused; If-None-Match: * creates, If-Match: ETag updates.
if (have('curl')) {
    my $u = '/clients/curl.txt';
    my $file = "$home/upload.txt";
    open my $fh, '>', $file or die $!;
    print $fh "from curl\n";
    close $fh;
    my $code = sub {
        my ($opts, $uri) = @_;
        my (undef, $out) = run("curl -s -o /dev/null -w '%{http_code}' "
                               . "$opts -T $file '$base$uri'");
        return $out;
    };
    put_disk($u, "old\n");
    ok t_cmp($code->('', $u), 428, 'curl -T: refused');
    ok t_cmp(slurp($u), "old\n", 'curl -T: file unchanged');
    fresh_path($u);
    ok t_cmp($code->("-H 'If-None-Match: *'", $u), 201,
             'curl -T -H If-None-Match: *: created');
    ok t_cmp(slurp($u), "from curl\n", 'curl create: file written');
    put_disk($u, "old\n");
    ok t_cmp($code->("-H 'If-None-Match: *'", $u), 412,
             'curl -T -H If-None-Match: * on an existing file: 412');
    ok t_cmp(slurp($u), "old\n", 'curl create-only: nothing overwritten');
    my (undef, $etag) = run("curl -s -o /dev/null -w '%header{etag}' '$base$u'");
    ok t_cmp($etag, qr/^"/, 'curl: an ETag from a GET');
    ok t_cmp($code->("-H 'If-Match: $etag'", $u), 204,
             'curl -T -H If-Match: ETag: updated');
    ok t_cmp(slurp($u), "from curl\n", 'curl update: file written');
}
else {
    skip_all_of('curl', 'not installed');
}

# cadaver: commands on stdin, as a script. It exits 0 whatever happens, so
# what it printed and the file on disk are the result.
if (have('cadaver')) {
    my $cad = sub {
        my $script = shift;
        my $in = "$home/cadaver.in";
        open my $fh, '>', $in or die $!;
        print $fh "$script\nquit\n";
        close $fh;
        my (undef, $out) = run("cd $home && timeout 30 cadaver "
                               . "'$base/clients/' < $in");
        return $out;
    };
    open my $fh, '>', "$home/local.txt" or die $!;
    print $fh "from cadaver\n";
    close $fh;
    my $u = '/clients/cad.txt';
    put_disk($u, "old\n");
    my $out = $cad->('put local.txt cad.txt');
    ok t_cmp($out, qr/failed:\s*428 Precondition Required/,
             'cadaver put: refused with 428');
    ok t_cmp(slurp($u), "old\n", 'cadaver put: file unchanged');
    $out = $cad->('rm cad.txt');
    ok t_cmp($out, qr/failed:\s*428 Precondition Required/,
             'cadaver rm: refused with 428');
    ok t_cmp(slurp($u), "old\n", 'cadaver rm: file still there');
    $out = $cad->('mv cad.txt cad2.txt');
    ok t_cmp($out, qr/failed:\s*428 Precondition Required/,
             'cadaver mv: refused with 428');
    ok t_cmp(slurp('/clients/cad2.txt'), undef, 'cadaver mv: nothing moved');
    $out = $cad->("lock cad.txt\nput local.txt cad.txt\nunlock cad.txt");
    ok t_cmp(scalar(() = $out =~ /succeeded/g), 3,
             'cadaver lock, put, unlock: all three succeed');
    ok t_cmp(slurp($u), "from cadaver\n", 'cadaver put under a lock: written');
    $out = $cad->("lock cad.txt\nrm cad.txt");
    ok t_cmp($out, qr/Deleting `cad\.txt': succeeded/,
             'cadaver rm under a lock: deleted');
    ok t_cmp(slurp($u), undef, 'cadaver rm under a lock: file gone');
}
else {
    skip_all_of('cadaver', 'not installed');
}

# git push over WebDAV (git http-push): objects go to objects/ by PUT and
# MOVE without a precondition; refs/heads/* and info/refs are written with
# the token of a LOCK in If.
if (have('git')) {
    # One connection at a time: git keeps its connections alive, and the
    # few prefork children of Apache::Test would wait out KeepAliveTimeout.
    my $g = "git -c user.name=t -c user.email=t\@localhost "
          . "-c http.maxRequests=1";
    my $bare = sub {
        my $uri = shift;
        my $dir = disk_path($uri);
        remove_tree($dir);
        make_path($dir);
        run("git init -q --bare $dir && git -C $dir update-server-info");
        return $dir;
    };
    my $repo = $bare->('/git/repo.git');
    my $w = "$home/work";
    run("git init -q $w && cd $w && echo 1 > a && git add a "
        . "&& $g commit -qm one");
    my $head = sub { (run("git -C $w rev-parse HEAD"))[1] };
    my $ref = sub { my $f = "$repo/refs/heads/main";
                    open my $fh, '<', $f or return ''; local $/; <$fh> };
    my ($rc, $out) = run("cd $w && $g push $base/git/repo.git "
                         . "HEAD:refs/heads/main");
    ok t_cmp($rc, 0, 'git push: a new branch');
    ok t_cmp($ref->(), $head->(), 'git push: the ref is the pushed commit');
    ok t_cmp((run("git -C $repo fsck --strict"))[0], 0,
             'git push: the repository is whole');
    run("cd $w && echo 2 > a && $g commit -qam two");
    ($rc, $out) = run("cd $w && $g push $base/git/repo.git HEAD:main");
    ok t_cmp($rc, 0, 'git push: a fast-forward');
    ok t_cmp($ref->(), $head->(), 'git push: the ref moved');
    run("cd $w && git reset -q --hard HEAD~1 && echo 3 > a "
        . "&& $g commit -qam three");
    ($rc, $out) = run("cd $w && $g push -f $base/git/repo.git HEAD:main");
    ok t_cmp($rc, 0, 'git push -f: git locks the ref, so it goes through');
    ok t_cmp($ref->(), $head->(), 'git push -f: the ref is the new commit');

    # Anyone else overwriting the ref blindly is refused.
    my $before = $ref->();
    my $res = req(PUT => '/git/repo.git/refs/heads/main', [],
                  ('0' x 40) . "\n");
    ok t_cmp($res->code, 428, 'a blind PUT to a ref: 428');
    ok t_cmp($ref->(), $before, 'a blind PUT to a ref: ref unchanged');

    # Without the objects/ exemption, the push cannot even upload objects.
    my $strict = $bare->('/git-strict/repo.git');
    ($rc, $out) = run("cd $w && $g push $base/git-strict/repo.git "
                      . "HEAD:refs/heads/main");
    ok t_cmp($rc != 0 ? 1 : 0, 1,
             'git push where objects/ is guarded: it fails');
    ok t_cmp(-e "$strict/refs/heads/main" ? 1 : 0, 0,
             'git push where objects/ is guarded: no ref written');
}
else {
    skip_all_of('git', 'not installed');
}

# litmus: the WebDAV conformance suite passes where nothing is refused.
if (have('litmus')) {
    for my $where (qw(off report on)) {
        make_path(disk_path("/litmus-$where"));
    }
    # litmus takes its list of suites from $TESTS, which make exports.
    local $ENV{TESTS} = 'basic copymove props locks http';
    my $err = log_lines('error_log');
    my ($rc, $out) = run("timeout 120 litmus $base/litmus-off/");
    ok t_cmp($rc, 0, 'litmus, RequirePrecondition Off: exit 0');
    ok t_cmp($out =~ /\b[1-9]\d* failed/ ? $out : '', '',
             'litmus, Off: no test failed');
    ($rc, $out) = run("timeout 120 litmus $base/litmus-report/");
    ok t_cmp($rc, 0, 'litmus, ReportOnly: exit 0');
    ok t_cmp($out =~ /\b[1-9]\d* failed/ ? $out : '', '',
             'litmus, ReportOnly: no test failed');
    my @warn = wait_for_log('error_log', $err,
        qr{would be refused with 428.*\[ReportOnly\]});
    ok t_cmp(scalar(grep { m{/litmus-report/} } @warn) > 10 ? 1 : 0, 1,
             'litmus, ReportOnly: its blind writes are reported ('
             . scalar(@warn) . ')');
    ($rc, $out) = run("timeout 120 litmus $base/litmus-on/");
    ok t_cmp($rc != 0 ? 1 : 0, 1, 'litmus, On: it fails');
    ok t_cmp($out, qr/failed: 428 Precondition Required/,
             'litmus, On: because of 428s');
    # Where the write cannot succeed anyway it gets the answer litmus
    # expects, not 428: DELETE of nothing (litmus used to warn "DELETE on
    # null resource gave 428"), PUT without a parent (litmus takes any
    # refusal there). Its mkcol_over_plain is skipped: its PUT gets 428.
    ok t_cmp($out, qr/put_no_parent\.+ *pass/, 'litmus, On: put_no_parent');
    ok t_cmp($out =~ /delete_null\.+ *pass/ && $out !~ /null resource gave/
             ? 'pass' : $out, 'pass', 'litmus, On: delete_null, no warning');
}
else {
    skip_all_of('litmus', 'not installed');
}
