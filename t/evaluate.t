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

# RequirePreconditionEvaluate: httpd evaluates the precondition itself, by a
# look-up of the backend's current version under the resource's lock, in
# front of backends that ignore If-Match and its cousins entirely
# (t/backend/app.py, a CGI store). Each case checks the status, the document
# in the backend's store, the backend's own record of the writes it applied
# (a refused write never reached it) and, where it says so, every request
# the backend saw (the look-up: HEAD, then GET where HEAD gives nothing,
# without the client's conditional headers).
#
# The backend processes (t/conf/topic/evaluate.conf.in names their sockets)
# are started here and stopped however this file ends: at the end, in an END
# block, on INT/TERM, and by the kernel when this is killed outright
# (setpriv --pdeathsig). A failing case prints the error_log lines it caused.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use HTTP::Date qw(time2str);
use IO::Socket::INET ();
use IO::Socket::UNIX ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use RPTest;
use RPTest::Race;

my $python = '/usr/bin/python3';
my $app = "$FindBin::Bin/backend/app.py";
my $hp = Apache::TestRequest::hostport();
my $logs = Apache::Test::vars('t_logs');
my $eval = "$logs/eval";
my $mpm = Apache::Test::config()->{server}->{mpm} || '';
my $curl_h2 = `curl -V 2>/dev/null` =~ /\bHTTP2\b/;

my $old = "old\n";
my $new = "new\n";
my $more = "more\n";
my $big = "old line\n" x 128;
my $long_ago = 'Sat, 01 Jan 2000 00:00:00 GMT';

# What some cases need beyond mod_proxy_http, and why they are skipped.
my %need = (
    cgi      => [(have_module('cgi') || have_module('cgid')) ? 1 : 0,
                 'mod_cgi or mod_cgid is not loaded'],
    deflate  => [have_module('deflate') ? 1 : 0,
                 'mod_deflate is not loaded (t/run.sh)'],
    balancer => [(have_module('proxy_balancer')
                  && have_module('lbmethod_byrequests')) ? 1 : 0,
                 'mod_proxy_balancer or mod_lbmethod_byrequests is not '
                 . 'loaded (t/run.sh)'],
    h2       => [($curl_h2 && $mpm ne 'prefork' && have_module('http2')) ? 1 : 0,
                 'no h2c: curl without HTTP/2, mod_http2 missing or prefork'],
);
sub have { my $n = shift; return !$n || $need{$n}[0] }
sub skip_n { my ($n, $count) = @_; skip("skip $need{$n}[1]", 0) for 1 .. $count }

# ---- The backends --------------------------------------------------------
#
# One app.py a socket, t/logs/be-NAME.sock; documents in
# t/logs/eval/store-STORE, writes applied in NAME.writes, requests seen in
# NAME.requests. bal1 and bal2 share one store.
my %proc = (
    strong => { args => [qw(--etag strong)] },
    weak   => { args => [qw(--etag weak)] },
    none   => { args => [qw(--etag none)] },
    h405   => { args => [qw(--etag strong --head 405)] },
    bare   => { args => [qw(--etag strong --head-bare)] },
    bal1   => { args => [qw(--etag strong)], store => 'bal' },
    bal2   => { args => [qw(--etag strong)], store => 'bal' },
);
sub sock_of { return "$logs/be-" . shift() . '.sock' }
sub store_of_proc { my $n = shift; return "$eval/store-" . ($proc{$n}{store} // $n) }

# The locations (evaluate.conf.in): the URL prefix, the backend processes
# behind it, the folder it maps to on them.
my %L = (
    strong => { uri => '/ev/strong/', be => ['strong'], dir => '/strong/' },
    weak   => { uri => '/ev/weak/',   be => ['weak'],   dir => '/weak/' },
    none   => { uri => '/ev/none/',   be => ['none'],   dir => '/none/' },
    h405   => { uri => '/ev/h405/',   be => ['h405'],   dir => '/h405/' },
    bare   => { uri => '/ev/bare/',   be => ['bare'],   dir => '/bare/' },
    down   => { uri => '/ev/down/',   be => [],         dir => '/down/',
                store => "$eval/store-down" },
    slow   => { uri => '/ev/slow/',   be => ['strong'], dir => '/slow/head-sleep/' },
    off    => { uri => '/ev/off/',    be => ['strong'], dir => '/off/' },
    report => { uri => '/ev/report/', be => ['strong'], dir => '/report/' },
    gz     => { uri => '/ev/gz/',     be => ['strong'], dir => '/gz/', need => 'deflate' },
    dnone  => { uri => '/ev/dnone/',  be => ['none'],   dir => '/dnone/' },
    dweak  => { uri => '/ev/dweak/',  be => ['weak'],   dir => '/dweak/' },
    dsmall => { uri => '/ev/dsmall/', be => ['none'],   dir => '/dsmall/' },
    bal    => { uri => '/ev/bal/',    be => ['bal1', 'bal2'], dir => '/bal/',
                need => 'balancer' },
    cgi    => { uri => '/eval-cgi/doc.cgi/', be => ['cgi'], dir => '/',
                store => "$eval/cgi", need => 'cgi' },
    # Front controllers (.htaccess RewriteRules) in front of the CGI store,
    # under Backend and under Digest: the look-up is redirected too.
    fc     => { uri => '/eval-fc/', be => ['cgi'], dir => '/',
                store => "$eval/cgi", need => 'cgi' },
    fcd    => { uri => '/eval-fcd/', be => ['cgi'], dir => '/',
                store => "$eval/cgi", need => 'cgi' },
);
sub store_of { my $l = shift; return $l->{store} // store_of_proc($l->{be}[0]) }
sub file_of { my ($l, $doc) = @_; return store_of($l) . $l->{dir} . $doc }
sub writes_logs { return map { "$eval/$_.writes" } @{ shift->{be} } }
sub request_logs { return map { "$eval/$_.requests" } @{ shift->{be} } }

# A document is made a minute old (If-Unmodified-Since cannot tell apart
# changes within a second: a date of this second or the last one fails),
# unless $fresh.
sub set_doc {
    my ($l, $doc, $content, $fresh) = @_;
    my $f = file_of($l, $doc);
    if (!defined $content) {
        unlink $f;
        return;
    }
    make_path(dirname($f));
    open my $fh, '>', $f or die "$f: $!";
    binmode $fh;
    print $fh $content;
    close $fh;
    utime(time - 60, time - 60, $f) unless $fresh;
}

sub get_doc {
    my ($l, $doc) = @_;
    open my $fh, '<', file_of($l, $doc) or return undef;
    binmode $fh;
    local $/;
    return scalar <$fh>;
}

# The sizes of some logs now; then the lines added since.
sub mark { return { map { $_ => (-s $_ || 0) } @_ } }
sub added {
    my $m = shift;
    my @lines;
    for my $f (sort keys %$m) {
        open my $fh, '<', $f or next;
        seek $fh, $m->{$f}, 0;
        push @lines, <$fh>;
    }
    chomp @lines;
    return @lines;
}

my %pid;
sub start_backends {
    remove_tree($eval);
    make_path($eval, "$eval/cgi", "$eval/store-down");
    unlink sock_of('down');
    for my $n (sort keys %proc) {
        my @cmd = ($python, $app, '--socket', sock_of($n),
                   '--store', store_of_proc($n), '--log', "$eval/$n.writes",
                   '--requests', "$eval/$n.requests", @{ $proc{$n}{args} });
        unshift @cmd, qw(setpriv --pdeathsig KILL --) if -x '/usr/bin/setpriv';
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            open STDIN, '<', '/dev/null';
            open STDOUT, '>', "$eval/$n.out" or POSIX::_exit(127);
            open STDERR, '>&', \*STDOUT;
            exec @cmd or POSIX::_exit(127);
        }
        $pid{$n} = $pid;
    }
    # Up to 10 s for every socket to answer a connection.
    my %up;
    my $until = time + 10;
    while (time < $until && keys %up < keys %proc) {
        for my $n (keys %proc) {
            next if $up{$n};
            $up{$n} = 1 if IO::Socket::UNIX->new(Peer => sock_of($n));
        }
        sleep 0.1 if keys %up < keys %proc;
    }
    for my $n (sort keys %proc) {
        next if $up{$n};
        print "# backend $n did not come up; its output:\n";
        if (open my $fh, '<', "$eval/$n.out") { print map { "#   $_" } <$fh> }
    }
    return join ' ', grep { $up{$_} } sort keys %proc;
}

# SIGTERM each, up to 10 s, then SIGKILL. Returns the names of those that
# did not exit 0 on SIGTERM or left their socket behind.
sub stop_backends {
    my @bad;
    kill 'TERM', $_ for values %pid;
    for my $n (sort keys %pid) {
        my $until = time + 10;
        my $st;
        while (time < $until) {
            if (waitpid($pid{$n}, WNOHANG) == $pid{$n}) { $st = $?; last }
            sleep 0.05;
        }
        if (!defined $st) {
            kill 'KILL', $pid{$n};
            waitpid($pid{$n}, 0);
            $st = -1;
        }
        push @bad, $n if $st != 0 || -e sock_of($n);
        delete $pid{$n};
    }
    return @bad;
}
my $main_pid = $$;
END { stop_backends() if %pid && $$ == $main_pid }
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);

# ---- Requests ------------------------------------------------------------

# The current validators of a document, read through its location (with
# gzip: as a client that accepts it). { code, etag, lm, ce }
sub cur {
    my ($loc, $doc, %o) = @_;
    my $r = req(GET => $L{$loc}{uri} . $doc,
                $o{gzip} ? ['Accept-Encoding' => 'gzip'] : []);
    return { code => $r->code, etag => scalar $r->header('ETag'),
             lm => scalar $r->header('Last-Modified'),
             ce => scalar $r->header('Content-Encoding') // '' };
}

# One request over h2c through curl. Returns (status, HTTP version, head,
# body). Exit 92 (a stream reset after a response sent before the body
# was read, see t/h2.t) is retried.
sub h2 {
    my ($method, $uri, $headers, $body) = @_;
    my ($hf, $bf, $in) = map { "$eval/h2.$_" } qw(head body in);
    my @cmd = ('curl', '-s', '--http2-prior-knowledge', '-X', $method,
               '-D', $hf, '-o', $bf, '-w', '%{http_code} %{http_version}');
    my @h = @{ $headers || [] };
    push @cmd, '-H', "$h[2*$_]: $h[2*$_+1]" for 0 .. @h / 2 - 1;
    if (defined $body) {
        open my $fh, '>', $in or die "$in: $!";
        binmode $fh;
        print $fh $body;
        close $fh;
        push @cmd, '--data-binary', "\@$in";
    }
    push @cmd, "http://$hp$uri";
    my $out = '';
    for (1 .. 5) {
        unlink $hf, $bf;
        open my $p, '-|', @cmd or die "curl: $!";
        $out = do { local $/; <$p> } // '';
        close $p;
        last unless $? >> 8 == 92;
    }
    my ($code, $ver) = split ' ', $out;
    my $slurp = sub { open my $fh, '<', shift or return ''; local $/; <$fh> // '' };
    return ($code // 'none', $ver // '', $slurp->($hf), $slurp->($bf));
}

# The error_log lines (no trace) written since $mark, as TAP comments.
sub show_error_log {
    my $mark = shift;
    my @l = grep { !/:trace\d\]/ } log_lines('error_log', $mark);
    @l = @l[-30 .. -1] if @l > 30;
    print map { "#   error_log: $_" } @l;
}

# ---- The table -----------------------------------------------------------
#
# A case: name, loc (a key of %L), doc (made up when not given), method,
# headers (a list, or code given the case returning one: it may read the
# document's current validators, before the logs are marked), body, before
# (the document before: content or undef for none), status (a number or a
# pattern), after ('unchanged', 'absent' or the content), writes (the
# methods the backend's record must have gained for this document, in
# order: [] for a request that never reached it), seen (optional: every
# request the backend must have seen, in order, each "METHOD" or "METHOD
# HEADERS", HEADERS the conditional ones it carried or "-"), like (optional:
# patterns the response body must match), unlike (optional: patterns it
# must not match), h2 (over h2c), need (a key of %need).

my $docs = 0;
sub rows {
    my ($loc, @rows) = @_;
    for my $r (@rows) {
        $r->{loc} = $loc;
        $r->{doc} = ($r->{doc} // '') . sprintf('d%03d.txt', ++$docs)
            if !defined $r->{doc} || $r->{doc} =~ m{/$};
        $r->{need} //= $L{$loc}{need};
    }
    return @rows;
}
sub checks_of {
    my $c = shift;
    return 3 + (defined $c->{seen} ? 1 : 0) + @{ $c->{like} || [] }
        + @{ $c->{unlike} || [] };
}

# Header lists made of the document's current validators, read through its
# location just before the request. The validator must match $o{want} (any,
# by default): when it does not, the case is not what it says, and its
# status check fails with what the GET gave (bad_setup).
sub current {
    my ($c, $what, %o) = @_;
    my $v = cur($c->{loc}, $c->{doc}, %o)->{$what};
    my $want = $o{want} || qr/./;
    if (!defined $v || $v !~ $want) {
        $c->{bad_setup} = "the GET gave $what " . ($v // '(none)')
            . ", not one like $want";
        return '"none-from-GET"';
    }
    return $v;
}
sub IM_cur {
    my %o = @_;
    return sub {
        my $e = current($_[0], 'etag', %o);
        return ['If-Match' => $e, $o{inm} ? ('If-None-Match' => $e) : (),
                @{ $o{also} || [] }];
    };
}
sub IUS_cur { return sub { ['If-Unmodified-Since' => current($_[0], 'lm')] } }
sub IM_list { my %o = @_; return sub { ['If-Match' => '"stale", ' . current($_[0], 'etag', %o)] } }
sub IM_unweak {
    my %o = @_;
    return sub {
        my $e = current($_[0], 'etag', %o);
        $e =~ s{^W/}{};
        return ['If-Match' => $e];
    };
}

my @IM_stale = ('If-Match' => '"stale"');
my $sha1_tag = qr/\A"[0-9a-f]{40}"\z/;
my $rpd_tag = qr/\A"rpd-[^"]+"\z/;
my $gzip_tag = qr/\A"[0-9a-f]{40}-gzip"\z/;
my @INM_star = ('If-None-Match' => '*');
my $weak_says = [qr/weak/i, qr/RequirePreconditionEvaluate Digest/];
# A 412 under Backend where the backend gave no validators at all says so
# and points to Digest; one where they decided nothing must not.
my $none_text = qr/neither an ETag nor a Last-Modified/;
my $none_says = [$none_text, qr/RequirePreconditionEvaluate Digest/];
my @json = ('Accept' => 'application/json');

# The cases every kind of location shares. %f: match (the current ETag
# matches If-Match), lm (there is a Last-Modified), look / look0 (what the
# backend sees of the look-up of an existing / an absent document), fwd (the
# conditional headers a forwarded write must carry: '-' for none, undef for
# any).
sub matrix {
    my ($loc, %f) = @_;
    my @look = @{ $f{look} };
    my @look0 = @{ $f{look0} // $f{look} };
    my %w = (want => $f{want});
    my $fw = sub { my $m = shift; return defined $f{fwd} ? "$m $f{fwd}" : $m };
    my @r = (
        { name => 'unconditional PUT', method => 'PUT', headers => [],
          body => $new, before => $old, status => 428, after => 'unchanged',
          writes => [], seen => [] },
        { name => 'unconditional DELETE', method => 'DELETE', headers => [],
          before => $old, status => 428, after => 'unchanged',
          writes => [], seen => [] },
        { name => 'unconditional PATCH', method => 'PATCH', headers => [],
          body => $more, before => $old, status => 428, after => 'unchanged',
          writes => [], seen => [] },
        { name => 'unconditional create', method => 'PUT', headers => [],
          body => $new, before => undef, status => 428, after => 'absent',
          writes => [], seen => [] },
        { name => 'stale If-Match', method => 'PUT', headers => [@IM_stale],
          body => $new, before => $old, status => 412, after => 'unchanged',
          writes => [], seen => [@look], unlike => [$none_text] },
        { name => 'If-None-Match: * over a document', method => 'PUT',
          headers => [@INM_star], body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [], seen => [@look] },
        { name => 'If-Unmodified-Since long ago', method => 'PUT',
          headers => ['If-Unmodified-Since' => $long_ago], body => $new,
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => [@look], unlike => [$none_text] },
        { name => 'stale DELETE', method => 'DELETE', headers => [@IM_stale],
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => [@look] },
        { name => 'stale PATCH', method => 'PATCH', headers => [@IM_stale],
          body => $more, before => $old, status => 412, after => 'unchanged',
          writes => [], seen => [@look] },
        { name => 'If-Match on an absent document', method => 'PUT',
          headers => [@IM_stale], body => $new, before => undef, status => 412,
          after => 'absent', writes => [], seen => [@look0] },
        { name => 'PATCH with If-Match on an absent document', method => 'PATCH',
          headers => [@IM_stale], body => $more, before => undef, status => 412,
          after => 'absent', writes => [], seen => [@look0] },
        { name => 'create with If-None-Match: *', method => 'PUT',
          headers => [@INM_star], body => $new, before => undef, status => 201,
          after => $new, writes => ['PUT'], seen => [@look0, $fw->('PUT')] },
        { name => 'If-None-Match with an ETag alone: no precondition',
          method => 'PUT', headers => ['If-None-Match' => '"other"'],
          body => $new, before => $old, status => 428, after => 'unchanged',
          writes => [], seen => [] },
        { name => "PATCH, If-None-Match: *, absent: the backend's 404 passes",
          method => 'PATCH', headers => [@INM_star], body => $more,
          before => undef, status => 404, after => 'absent', writes => [],
          seen => [@look0, $fw->('PATCH')] },
    );
    if ($f{match}) {
        push @r,
        { name => 'PUT with the current ETag', method => 'PUT',
          headers => IM_cur(%w), body => $new, before => $old, status => 204,
          after => $new, writes => ['PUT'], seen => [@look, $fw->('PUT')] },
        { name => 'DELETE with the current ETag', method => 'DELETE',
          headers => IM_cur(%w), before => $old, status => 204, after => 'absent',
          writes => ['DELETE'], seen => [@look, $fw->('DELETE')] },
        { name => 'PATCH with the current ETag', method => 'PATCH',
          headers => IM_cur(%w), body => $more, before => $old, status => 204,
          after => $old . $more, writes => ['PATCH'],
          seen => [@look, $fw->('PATCH')] },
        { name => 'If-Match: a list with the current ETag', method => 'PUT',
          headers => IM_list(%w), body => $new, before => $old, status => 204,
          after => $new, writes => ['PUT'], seen => [@look, $fw->('PUT')] },
        { name => 'If-Match and If-None-Match, both the current ETag',
          method => 'PUT', headers => IM_cur(%w, inm => 1), body => $new,
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => [@look] },
        { name => 'If-Match: the current ETag, If-None-Match: another',
          method => 'PUT',
          headers => IM_cur(%w, also => ['If-None-Match' => '"other"']),
          body => $new, before => $old, status => 204, after => $new,
          writes => ['PUT'], seen => [@look, $fw->('PUT')] };
    }
    else {
        push @r,
        { name => 'PUT with the current (weak) ETag: 412 that says why',
          method => 'PUT', headers => IM_cur(%w), body => $new, before => $old,
          status => 412, after => 'unchanged', writes => [], seen => [@look],
          like => $weak_says },
        { name => 'DELETE with the current (weak) ETag', method => 'DELETE',
          headers => IM_cur(%w), before => $old, status => 412,
          after => 'unchanged', writes => [], seen => [@look],
          like => $weak_says },
        { name => 'the weak ETag without its W/', method => 'PUT',
          headers => IM_unweak(%w), body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [], seen => [@look] },
        { name => 'If-Match: a list with the weak ETag', method => 'PUT',
          headers => IM_list(%w), body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [], seen => [@look] };
    }
    if ($f{lm}) {
        push @r,
        { name => 'If-Unmodified-Since: the Last-Modified', method => 'PUT',
          headers => IUS_cur(), body => $new, before => $old, status => 204,
          after => $new, writes => ['PUT'], seen => [@look, $fw->('PUT')] },
        { name => 'If-Unmodified-Since: the Last-Modified of this second: '
                  . 'another change may hide in it', method => 'PUT',
          headers => IUS_cur(), body => $new, before => $old, fresh => 1,
          status => 412, after => 'unchanged', writes => [], seen => [@look],
          like => [qr/changed within the last second: send If-Match/] };
    }
    return rows($loc, @r);
}

my @cases = (
    # Evaluate Backend: a strong, a weak backend; the CGI store.
    # An absent document is asked for again with GET (a HEAD 404 is not
    # trusted: some frameworks give it for a route that serves GET).
    matrix('strong', match => 1, lm => 1, look => ['HEAD -'],
           look0 => ['HEAD -', 'GET -'], want => $sha1_tag),
    matrix('weak',   match => 0, lm => 1, look => ['HEAD -'],
           look0 => ['HEAD -', 'GET -'], want => qr{\AW/"[0-9a-f]{40}"\z}),
    matrix('cgi',    match => 1, lm => 1, look => ['HEAD -'],
           look0 => ['HEAD -', 'GET -'], want => $sha1_tag),
    matrix('fc',     match => 1, lm => 1, look => ['HEAD -'],
           look0 => ['HEAD -', 'GET -'], want => $sha1_tag),
    matrix('fcd',    match => 1, lm => 0, look => ['GET -'], fwd => '-',
           want => $rpd_tag),
    # Evaluate Digest in front of a backend without validators.
    matrix('dnone',  match => 1, lm => 0, look => ['GET -'], fwd => '-', want => $rpd_tag),

    # A strong ETag that is simply another one: httpd's 412, nothing about
    # validators, whatever the client accepts.
    rows('strong',
        { name => 'strong ETag, another one, JSON: nothing about validators',
          method => 'PUT', headers => [@IM_stale, @json], body => $new,
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => ['HEAD -'], unlike => [$none_text, qr/Digest/] }),

    # The control: without evaluation the backend writes whatever it gets.
    rows('off',
        { name => 'control, Evaluate Off: the backend applies a stale write',
          method => 'PUT', headers => [@IM_stale], body => $new,
          before => $old, status => 204, after => $new, writes => ['PUT'],
          seen => ['PUT if-match'] },
        { name => 'control, Evaluate Off: still 428 without a precondition',
          method => 'PUT', headers => [], body => $new, before => $old,
          status => 428, after => 'unchanged', writes => [], seen => [] }),
    rows('report',
        { name => 'ReportOnly: an unconditional write passes',
          method => 'PUT', headers => [], body => $new, before => $old,
          status => 204, after => $new, writes => ['PUT'] },
        { name => 'ReportOnly: a stale write is refused',
          method => 'PUT', headers => [@IM_stale], body => $new,
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => ['HEAD -'] }),

    # Without validators on HEAD, or without HEAD: the look-up is a GET.
    rows('none',
        { name => 'no validators: stale If-Match: 412 that says why',
          method => 'PUT', headers => [@IM_stale], body => $new,
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => ['HEAD -', 'GET -'],
          like => [qr{<h1>Precondition Failed</h1>}, @$none_says] },
        { name => 'no validators: stale If-Match, JSON: 412 that says why',
          method => 'PUT', headers => [@IM_stale, @json], body => $new,
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => ['HEAD -', 'GET -'],
          like => [qr/\A\{"type":"about:blank".*"status":412/s, @$none_says] },
        { name => 'no validators: stale DELETE, JSON', method => 'DELETE',
          headers => [@IM_stale, @json], before => $old, status => 412,
          after => 'unchanged', writes => [], seen => ['HEAD -', 'GET -'],
          like => [qr/"detail":"[^"]*neither an ETag/] },
        { name => 'no validators: If-None-Match: * over a document: '
                  . 'the validators decided nothing, nothing said',
          method => 'PUT', headers => [@INM_star], body => $new,
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => ['HEAD -', 'GET -'], unlike => [$none_text] },
        { name => 'no validators: If-Unmodified-Since long ago: 412 that '
                  . 'says why', method => 'PUT',
          headers => ['If-Unmodified-Since' => $long_ago], body => $new,
          before => $old, status => 412, after => 'unchanged', writes => [],
          seen => ['HEAD -', 'GET -'],
          like => $none_says, unlike => [qr/send If-Match/] },
        { name => 'no validators: If-Match on an absent document: '
                  . 'nothing said', method => 'PUT', headers => [@IM_stale, @json],
          body => $new, before => undef, status => 412, after => 'absent',
          writes => [], seen => ['HEAD -', 'GET -'], unlike => [$none_text] },
        { name => 'no validators: create', method => 'PUT',
          headers => [@INM_star], body => $new, before => undef, status => 201,
          after => $new, writes => ['PUT'], seen => ['HEAD -', 'GET -', 'PUT'] }),
    (map {
        my ($loc, $what, $look0) = @$_;
        rows($loc,
        { name => "$what: PUT with the current ETag", method => 'PUT',
          headers => IM_cur(want => $sha1_tag), body => $new, before => $old, status => 204,
          after => $new, writes => ['PUT'], seen => ['HEAD -', 'GET -', 'PUT'] },
        { name => "$what: stale If-Match", method => 'PUT',
          headers => [@IM_stale], body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [], seen => ['HEAD -', 'GET -'] },
        { name => "$what: stale DELETE", method => 'DELETE',
          headers => [@IM_stale], before => $old, status => 412,
          after => 'unchanged', writes => [], seen => ['HEAD -', 'GET -'] },
        { name => "$what: If-None-Match: * over a document", method => 'PUT',
          headers => [@INM_star], body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [], seen => ['HEAD -', 'GET -'] },
        { name => "$what: If-Unmodified-Since: the Last-Modified",
          method => 'PUT', headers => IUS_cur(), body => $new, before => $old,
          status => 204, after => $new, writes => ['PUT'],
          seen => ['HEAD -', 'GET -', 'PUT'] },
        { name => "$what: create", method => 'PUT', headers => [@INM_star],
          body => $new, before => undef, status => 201, after => $new,
          writes => ['PUT'], seen => [@$look0, 'PUT'] });
    } ['h405', 'HEAD refused with 405', ['HEAD -', 'GET -']],
      ['bare', 'HEAD without validators', ['HEAD -', 'GET -']]),
    rows('strong',
        { name => 'HEAD refused with 501: PUT with the current ETag',
          doc => 'head-501/', method => 'PUT', headers => IM_cur(want => $sha1_tag),
          body => $new, before => $old, status => 204, after => $new,
          writes => ['PUT'], seen => ['HEAD -', 'GET -', 'PUT'] },
        { name => 'HEAD refused with 501: stale If-Match',
          doc => 'head-501/', method => 'PUT', headers => [@IM_stale],
          body => $new, before => $old, status => 412, after => 'unchanged',
          writes => [], seen => ['HEAD -', 'GET -'] }),

    # The look-up fails: 5xx, nothing forwarded, even a write that would
    # have matched.
    (map {
        my $code = $_;
        rows('strong',
        { name => "look-up answered $code: PUT with the current ETag",
          doc => "head-$code/", method => 'PUT', headers => IM_cur(want => $sha1_tag),
          body => $new, before => $old, status => 502, after => 'unchanged',
          writes => [], seen => ['HEAD -'] },
        { name => "look-up answered $code: create",
          doc => "head-$code/", method => 'PUT', headers => [@INM_star],
          body => $new, before => undef, status => 502, after => 'absent',
          writes => [], seen => ['HEAD -'] });
    } 401, 403, 302, 400),
    rows('down',
        { name => 'backend down: If-Match', method => 'PUT',
          headers => [@IM_stale], body => $new, before => $old, status => 503,
          after => 'unchanged', writes => [] },
        { name => 'backend down: create', method => 'PUT',
          headers => [@INM_star], body => $new, before => undef, status => 503,
          after => 'absent', writes => [] }),
    rows('slow',
        { name => 'look-up times out: PUT with the current ETag',
          method => 'PUT', headers => IM_cur(want => $sha1_tag), body => $new, before => $old,
          status => 504, after => 'unchanged', writes => [],
          seen => ['HEAD -'] }),

    # mod_deflate: the ETag a gzip client got ends in -gzip. (It leaves
    # alone a response it takes for too small to gain: the documents here
    # are 1 KB.)
    rows('gz',
        { name => 'gzip: PUT with the -gzip ETag', method => 'PUT',
          headers => IM_cur(gzip => 1, want => $gzip_tag), body => $new, before => $big,
          status => 204, after => $new, writes => ['PUT'],
          seen => ['HEAD -', 'PUT'] },
        { name => 'gzip: PUT with the -gzip ETag, accepting gzip',
          method => 'PUT',
          headers => IM_cur(gzip => 1, want => $gzip_tag, also => ['Accept-Encoding' => 'gzip']),
          body => $new, before => $big, status => 204, after => $new,
          writes => ['PUT'], seen => ['HEAD -', 'PUT'] },
        { name => 'gzip: DELETE with the -gzip ETag', method => 'DELETE',
          headers => IM_cur(gzip => 1, want => $gzip_tag), before => $big, status => 204,
          after => 'absent', writes => ['DELETE'], seen => ['HEAD -', 'DELETE'] },
        { name => 'gzip: PUT with the plain ETag', method => 'PUT',
          headers => IM_cur(want => $sha1_tag), body => $new, before => $big, status => 204,
          after => $new, writes => ['PUT'], seen => ['HEAD -', 'PUT'] },
        { name => 'gzip: a stale -gzip ETag', method => 'PUT',
          headers => ['If-Match' => '"stale-gzip"'], body => $new,
          before => $big, status => 412, after => 'unchanged', writes => [],
          seen => ['HEAD -'] }),

    # Digest in front of a weak backend: its own ETags are replaced.
    rows('dweak',
        { name => 'Digest over weak: PUT with the digest ETag', method => 'PUT',
          headers => IM_cur(want => $rpd_tag), body => $new, before => $old, status => 204,
          after => $new, writes => ['PUT'], seen => ['GET -', 'PUT -'] },
        { name => "Digest over weak: the backend's own weak ETag",
          method => 'PUT',
          headers => ['If-Match' => 'W/"' . sha1_hex($old) . '"'],
          body => $new, before => $old, status => 412, after => 'unchanged',
          writes => [], seen => ['GET -'] },
        { name => "Digest over weak: the backend's ETag made strong",
          method => 'PUT',
          headers => ['If-Match' => '"' . sha1_hex($old) . '"'],
          body => $new, before => $old, status => 412, after => 'unchanged',
          writes => [], seen => ['GET -'] },
        { name => 'Digest over weak: stale If-Match', method => 'PUT',
          headers => [@IM_stale], body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [], seen => ['GET -'] },
        { name => 'Digest over weak: create', method => 'PUT',
          headers => [@INM_star], body => $new, before => undef, status => 201,
          after => $new, writes => ['PUT'], seen => ['GET -', 'PUT -'] }),

    # RequirePreconditionDigestLimit 64: at the limit and one byte over.
    rows('dsmall',
        { name => 'Digest limit: 64 bytes, PUT with the digest ETag',
          method => 'PUT', headers => IM_cur(want => $rpd_tag), body => $new,
          before => 'x' x 64, status => 204, after => $new, writes => ['PUT'] },
        { name => 'Digest limit: 65 bytes, If-Match with the digest the same '
                  . 'bytes have elsewhere', method => 'PUT',
          headers => sub { ['If-Match' => digest_elsewhere('y' x 65)] },
          body => $new, before => 'y' x 65, status => 412,
          after => 'unchanged', writes => [],
          like => [qr/RequirePreconditionDigestLimit/] },
        { name => 'Digest limit: 65 bytes, stale If-Match', method => 'PUT',
          headers => [@IM_stale], body => $new, before => 'z' x 65,
          status => 412, after => 'unchanged', writes => [],
          like => [qr/RequirePreconditionDigestLimit/] },
        { name => 'Digest limit: 65 bytes, If-Unmodified-Since: now',
          method => 'PUT',
          headers => sub { ['If-Unmodified-Since' => time2str(time)] },
          body => $new, before => 'w' x 65, status => 412,
          after => 'unchanged', writes => [],
          like => [qr/RequirePreconditionDigestLimit/] },
        { name => 'Digest limit: 65 bytes, DELETE', method => 'DELETE',
          headers => [@IM_stale], before => 'v' x 65, status => 412,
          after => 'unchanged', writes => [] },
        { name => 'Digest limit: create', method => 'PUT',
          headers => [@INM_star], body => 'u' x 100, before => undef,
          status => 201, after => 'u' x 100, writes => ['PUT'] }),

    # The balancer: two processes, one store.
    rows('bal',
        { name => 'balancer: PUT with the current ETag', method => 'PUT',
          headers => IM_cur(want => $sha1_tag), body => $new, before => $old, status => 204,
          after => $new, writes => ['PUT'] },
        { name => 'balancer: stale If-Match', method => 'PUT',
          headers => [@IM_stale], body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [] }),

    # Over h2c.
    (map { $_->{h2} = 1; $_->{need} = 'h2'; $_ } (
    rows('strong',
        { name => 'h2: unconditional PUT', method => 'PUT', headers => [],
          body => $new, before => $old, status => 428, after => 'unchanged',
          writes => [], seen => [] },
        { name => 'h2: stale If-Match', method => 'PUT',
          headers => [@IM_stale], body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [], seen => ['HEAD -'] },
        { name => 'h2: PUT with the current ETag', method => 'PUT',
          headers => IM_cur(want => $sha1_tag), body => $new, before => $old, status => 204,
          after => $new, writes => ['PUT'], seen => ['HEAD -', 'PUT'] },
        { name => 'h2: create', method => 'PUT', headers => [@INM_star],
          body => $new, before => undef, status => 201, after => $new,
          writes => ['PUT'], seen => ['HEAD -', 'GET -', 'PUT'] }),
    rows('dnone',
        { name => 'h2, Digest: PUT with the digest ETag', method => 'PUT',
          headers => IM_cur(want => $rpd_tag), body => $new, before => $old, status => 204,
          after => $new, writes => ['PUT'], seen => ['GET -', 'PUT -'] },
        { name => 'h2, Digest: stale If-Match', method => 'PUT',
          headers => [@IM_stale], body => $new, before => $old, status => 412,
          after => 'unchanged', writes => [], seen => ['GET -'] }))),
);

# The digest ETag the same bytes get under another Digest location.
sub digest_elsewhere {
    my $content = shift;
    set_doc($L{dnone}, 'elsewhere.txt', $content);
    return cur('dnone', 'elsewhere.txt')->{etag} // '"none-from-GET"';
}

sub sha1_hex { require Digest::SHA; return Digest::SHA::sha1_hex(shift) }

sub run_case {
    my $c = shift;
    my $l = $L{ $c->{loc} };
    my $bp = $l->{dir} . $c->{doc};
    set_doc($l, $c->{doc}, $c->{before}, $c->{fresh});
    my $headers = ref $c->{headers} eq 'CODE' ? $c->{headers}->($c)
                                              : $c->{headers};
    my $wm = mark(writes_logs($l));
    my $rm = mark(request_logs($l));
    my $em = log_lines('error_log');
    my ($code, $body);
    if ($c->{h2}) {
        my ($s, $v, $h, $b) = h2($c->{method}, $l->{uri} . $c->{doc},
                                 $headers, $c->{body});
        ($code, $body) = ($v eq '2' ? $s : "$s over HTTP/$v", $b);
    }
    else {
        my $r = req($c->{method}, $l->{uri} . $c->{doc}, $headers, $c->{body});
        ($code, $body) = ($r->code, $r->content);
    }
    my $pass = 1;
    $pass = ok(t_cmp($c->{bad_setup} ? "bad set-up: $c->{bad_setup}" : $code,
                     $c->{status}, "$c->{name}: status")) && $pass;
    my $want = $c->{after} eq 'unchanged' ? $c->{before}
             : $c->{after} eq 'absent'    ? undef
             :                              $c->{after};
    $pass = ok(t_cmp(get_doc($l, $c->{doc}), $want,
                       "$c->{name}: the document $c->{after}")) && $pass;
    $pass = ok(t_cmp(join(' | ', added($wm)),
                       join(' | ', map { "$_ $bp" } @{ $c->{writes} }),
                       "$c->{name}: the backend applied "
                       . (join(', ', @{ $c->{writes} }) || 'nothing'))) && $pass;
    my @seen = added($rm);
    if (defined $c->{seen}) {
        my $re = join ' \| ', map {
            my ($m, $h) = split / /, $_, 2;
            quotemeta("$m $bp") . ' ' . (defined $h ? quotemeta($h) : '\S+');
        } @{ $c->{seen} };
        $pass = ok(t_cmp(join(' | ', @seen), qr/\A$re\z/,
                           "$c->{name}: the backend saw "
                           . (join(', ', @{ $c->{seen} }) || 'nothing'))) && $pass;
    }
    for my $re (@{ $c->{like} || [] }) {
        $pass = ok(t_cmp($body, $re, "$c->{name}: the body says $re")) && $pass;
    }
    for my $re (@{ $c->{unlike} || [] }) {
        $pass = ok(t_cmp($body =~ $re ? "says $re" : 'does not', 'does not',
                         "$c->{name}: the body does not say $re")) && $pass;
    }
    if (!$pass) {
        print "#   request: $c->{method} $l->{uri}$c->{doc} "
            . join(' ', map { "[$_]" } @{ $headers || [] })
            . ($c->{h2} ? ' over h2c' : '') . "\n";
        print "#   backend saw: $_\n" for @seen;
        print map { "#   body: $_\n" } grep { length } split /\n/, substr($body // '', 0, 600);
        show_error_log($em);
    }
}

# ---- Beyond the table ------------------------------------------------------

# Statuses of $n writers that all PUT with one ETag at one instant
# (RPTest::Race); returns (2xx count, 412 count, others as text).
sub race {
    my ($loc, $doc, $n) = @_;
    my $l = $L{$loc};
    set_doc($l, $doc, "race base\n");
    my $etag = cur($loc, $doc)->{etag} // '"none-from-GET"';
    my $wm = mark(writes_logs($l));
    my @st = race_round(map {
        { hp => $hp, host => 'localhost', uri => $l->{uri} . $doc,
          etag => $etag, body => "writer $_\n" } } 1 .. $n);
    my @won = grep { $st[$_ - 1] =~ /^2/ } 1 .. $n;
    my $refused = grep { $_ eq '412' } @st;
    my @other = grep { !/^2/ && $_ ne '412' } @st;
    return (scalar @won, $refused, "@other", scalar(added($wm)),
            get_doc($l, $doc), [map { "writer $_\n" } @won]);
}

# A raw HTTP/1.1 request on a connection of its own: [status, head, body].
sub raw {
    my ($method, $uri, $headers, $body) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $hp, Proto => 'tcp',
                                     Timeout => 20) or return ['err', '', ''];
    $body //= '';
    my $h = join '', map { "$headers->[2*$_]: $headers->[2*$_+1]\r\n" }
        0 .. @$headers / 2 - 1;
    print $sock "$method $uri HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\nContent-Length: " . length($body)
        . "\r\n$h\r\n$body";
    local $/;
    my $got = <$sock> // '';
    close $sock;
    my ($r) = parse_responses($got);
    return $r || ['err', '', ''];
}

# One client's increments: returns (done, retries on 412); what else it
# got goes to @$bad.
sub count_up {
    my ($uri, $rounds, $bad) = @_;
    my ($done, $retries) = (0, 0);
    for (1 .. $rounds) {
        for my $try (1 .. 100) {
            my $g = raw(GET => $uri, []);
            if ($g->[0] ne '200') { push @$bad, "GET:$g->[0]"; next }
            my ($etag) = $g->[1] =~ /^ETag:\s*(.+?)\s*$/mi;
            if (!defined $etag) { push @$bad, 'GET:no-ETag'; next }
            if ($g->[2] !~ /\A\d+\z/) { push @$bad, 'GET:not-a-number'; next }
            my $p = raw(PUT => $uri, ['If-Match' => $etag], $g->[2] + 1);
            if ($p->[0] =~ /^2/) { $done++; last }
            if ($p->[0] eq '412') { $retries++; next }
            push @$bad, "PUT:$p->[0]";
        }
    }
    return ($done, $retries);
}

# $clients processes each add 1 to a counter $rounds times: GET it, PUT
# the next value with If-Match, and on 412 start again. Returns (the
# counter at the end, writes the backend applied, increments done,
# retries, unexpected statuses as text).
sub counter {
    my ($loc, $doc, $clients, $rounds) = @_;
    my $l = $L{$loc};
    set_doc($l, $doc, "0");
    my $uri = $l->{uri} . $doc;
    my $wm = mark(writes_logs($l));
    pipe(my $rd, my $wr) or die "pipe: $!";
    my @kids;
    for my $k (1 .. $clients) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $rd;
            my ($done, $retries, @bad) = (0, 0);
            eval { ($done, $retries) = count_up($uri, $rounds, \@bad); 1 }
                or push @bad, 'died';
            @bad = (@bad[0 .. 4], '...') if @bad > 5;
            syswrite $wr, "$done $retries " . (join(',', @bad) || '-') . "\n";
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    close $wr;
    my @res = <$rd>;
    close $rd;
    waitpid $_, 0 for @kids;
    my ($done, $retries, @bad) = (0, 0);
    for (@res) {
        my ($d, $r, $b) = split ' ';
        $done += $d;
        $retries += $r;
        push @bad, $b if $b ne '-';
    }
    push @bad, 'a client did not report' if @res != $clients;
    # The writes applied, each "MEMBER METHOD path".
    my @w;
    for my $f (sort keys %$wm) {
        my ($member) = $f =~ m{([^/]+)\.writes$};
        push @w, map { "$member $_" } added({ $f => $wm->{$f} });
    }
    return (get_doc($l, $doc), scalar(@w), $done, $retries,
            join(',', @bad) || 'none', \@w);
}

# ---- The plan ------------------------------------------------------------

my $table = 0;
$table += checks_of($_) for @cases;
my @counters = (['strong', 'Backend'], ['dnone', 'Digest'], ['bal', 'balancer']);
my @races = (['strong', 'Backend'], ['dnone', 'Digest']);
plan tests => 2 + $table + 2 + 13 + 3 + 4 + 4 * @races + 3 + 4 * @counters + 2 + 4 + 3 + 3 + 1,
    need need_module('proxy', 'proxy_http'),
    { "$python is not installed (make deps)" => -x $python };

my $up = start_backends();
ok t_cmp($up, join(' ', sort keys %proc), 'every backend answers on its socket');

# The evaluate locations exist (their <IfDirective> kept them).
set_doc($L{strong}, 'hello.txt', "hello\n");
my $hello = cur('strong', 'hello.txt');
ok t_cmp("$hello->{code} " . ($hello->{etag} // 'no ETag'),
         '200 "' . sha1_hex("hello\n") . '"',
         'a GET through /ev/strong/ reaches the backend (the module knows '
         . 'RequirePreconditionEvaluate)');

for my $c (@cases) {
    if (!have($c->{need})) {
        skip_n($c->{need}, checks_of($c));
        next;
    }
    run_case($c);
}

# ---- The operator's side of a 412 for a backend without validators (2) ----
# RP00094, a warning once per child process: in the log after the rows of
# /ev/none/, and never for the strong backend.
{
    my @l = log_lines('error_log', 0);
    ok t_cmp(scalar(grep { /\[require_precondition:warn\].*RP00094: \S+ \/ev\/none\/\S+: 412: .*neither ETag nor Last-Modified.*set RequirePreconditionEvaluate Digest for this location/ } @l) ? 1 : 0,
             1, 'RP00094 (warn) names the fix for the backend without validators');
    ok t_cmp(join('', grep { /RP00094: \S+ \/ev\/(?!none\/)/ } @l), '',
             'RP00094 only for the backend without validators');
}

# ---- Digest: the ETag of GET and HEAD (13) ---------------------------------
{
    my $l = $L{dnone};
    set_doc($l, 'dg1.txt', "digest me\n");
    set_doc($l, 'dg2.txt', "digest me\n");
    set_doc($l, 'dg3.txt', "something else\n");
    set_doc($L{dweak}, 'dg4.txt', "digest me\n");
    my $em = log_lines('error_log');
    my $e1 = cur('dnone', 'dg1.txt')->{etag} // 'no ETag';
    my $fail = 0;
    $fail++ unless ok t_cmp($e1, qr/\A"rpd-[^"]+"\z/, 'Digest: GET gives a strong "rpd-" ETag');
    my $head = req(HEAD => '/ev/dnone/dg1.txt');
    $fail++ unless ok t_cmp($head->header('ETag') // 'no ETag', $e1, 'Digest: HEAD gives the same ETag');
    $fail++ unless ok t_cmp(cur('dnone', 'dg2.txt')->{etag} // 'no ETag', $e1,
             'Digest: the same bytes at another URL: the same ETag');
    $fail++ unless ok t_cmp(cur('dweak', 'dg4.txt')->{etag} // 'no ETag', $e1,
             'Digest: the same bytes through another location and backend: the same ETag');
    my $e3 = cur('dnone', 'dg3.txt')->{etag} // 'no ETag';
    $fail++ unless ok t_cmp($e3 ne $e1 && $e3 =~ /\A"rpd-/ ? 1 : 0, 1,
             "Digest: other bytes, another ETag ($e3)");

    my $rm = mark(request_logs($l));
    my $r = req(GET => '/ev/dnone/dg1.txt', ['If-None-Match' => $e1]);
    $fail++ unless ok t_cmp($r->code, 304, 'Digest: If-None-Match with the current ETag: 304');
    $fail++ unless ok t_cmp($r->content, '', 'Digest: the 304 has no body');
    $fail++ unless ok t_cmp(join(' | ', added($rm)), 'GET /dnone/dg1.txt -',
             'Digest: the backend got the GET without If-None-Match');
    $r = req(GET => '/ev/dnone/dg1.txt', ['If-None-Match' => '"rpd-stale"']);
    $fail++ unless ok t_cmp($r->code . ' ' . $r->content, "200 digest me\n",
             'Digest: If-None-Match with another ETag: 200 and the body');
    $rm = mark(request_logs($l));
    $r = req(GET => '/ev/dnone/dg1.txt',
             ['If-Match' => '"rpd-stale"', 'If-Modified-Since' => $long_ago,
              'If-Range' => '"rpd-stale"', 'Range' => 'bytes=0-1']);
    $fail++ unless ok t_cmp(join(' | ', added($rm)), 'GET /dnone/dg1.txt -',
             'Digest: no If-*, If-Range or Range reaches the backend on a GET');
    my $w = cur('dweak', 'dg4.txt')->{etag} // 'no ETag';
    $fail++ unless ok t_cmp($w =~ m{^W/} ? 'weak' : 'strong', 'strong',
             'Digest over a weak backend: its W/ ETag is replaced');

    set_doc($L{dsmall}, 'at.txt', 'a' x 64);
    set_doc($L{dsmall}, 'over.txt', 'a' x 65);
    $fail++ unless ok t_cmp(cur('dsmall', 'at.txt')->{etag} // 'no ETag', qr/\A"rpd-/,
             'Digest limit 64: 64 bytes get an ETag');
    my $over = cur('dsmall', 'over.txt');
    $fail++ unless ok t_cmp(($over->{etag} // 'no ETag') . " $over->{code}", 'no ETag 200',
             'Digest limit 64: 65 bytes are served, without an ETag');
    show_error_log($em) if $fail;
}

# ---- gzip: what the client got (3) -----------------------------------------
if (have('deflate')) {
    my $text = "compress me\n" x 100;
    set_doc($L{gz}, 'setup.txt', $text);
    my $g = cur('gz', 'setup.txt', gzip => 1);
    ok t_cmp($g->{ce}, 'gzip', 'gzip: the response is compressed');
    ok t_cmp($g->{etag} // 'no ETag', '"' . sha1_hex($text) . '-gzip"',
             'gzip: the ETag is the backend\'s with -gzip');
    my $p = cur('gz', 'setup.txt');
    ok t_cmp($p->{etag} // 'no ETag', '"' . sha1_hex($text) . '"',
             'gzip: without Accept-Encoding the ETag is the backend\'s');
}
else {
    skip_n('deflate', 3);
}

# ---- The weak 412 body, the HEAD retry, what a write carries (4) -----------
{
    # Evaluate Backend forwards the write itself; Digest strips its If-*.
    my $l = $L{dnone};
    set_doc($l, 'strip.txt', $old);
    my $e = cur('dnone', 'strip.txt')->{etag} // '"none-from-GET"';
    my $rm = mark(request_logs($l));
    my $r = req(PUT => '/ev/dnone/strip.txt',
                ['If-Match' => $e, 'If-Unmodified-Since' => 'Fri, 01 Jan 2100 00:00:00 GMT'], $new);
    ok t_cmp($r->code, 204, 'Digest: a write with If-Match and If-Unmodified-Since');
    ok t_cmp(join(' | ', grep { /^PUT/ } added($rm)), 'PUT /dnone/strip.txt -',
             'Digest: the write reaches the backend without If-*');
    # A HEAD of the client's own through Evaluate Backend is the backend's.
    set_doc($L{strong}, 'head.txt', $old);
    $r = req(HEAD => '/ev/strong/head.txt');
    ok t_cmp($r->header('ETag') // 'no ETag', '"' . sha1_hex($old) . '"',
             'Backend: a client\'s HEAD gets the backend\'s ETag');
    # A conditional GET under Backend is the backend's business: it ignores it.
    $r = req(GET => '/ev/strong/head.txt', ['If-None-Match' => '"' . sha1_hex($old) . '"']);
    ok t_cmp($r->code, 200, 'Backend: a conditional GET is not evaluated by httpd');
}

# ---- 16 writers with one ETag: exactly one wins (4 each, 3 control) --------
for my $s (@races) {
    my ($loc, $what) = @$s;
    my $em = log_lines('error_log');
    my ($won, $refused, $other, $applied, $now, $winners) =
        race($loc, 'race.txt', 16);
    my $p = 1;
    $p = ok(t_cmp($won, 1, "$what race: exactly one of 16 writers wins")) && $p;
    $p = ok(t_cmp($refused, 15, "$what race: the 15 others get 412"
                   . ($other ? " (others: $other)" : ''))) && $p;
    $p = ok(t_cmp($applied, 1, "$what race: the backend applied one write")) && $p;
    $p = ok(t_cmp((grep { defined $now && $now eq $_ } @$winners) ? 1 : 0, 1,
                   "$what race: the document is the winner's")) && $p;
    show_error_log($em) unless $p;
}
{
    # The control: without evaluation all 16 land, one over the other.
    my ($won, $refused, $other, $applied) = race('off', 'race.txt', 16);
    ok t_cmp($won, 16, 'control race, Evaluate Off: all 16 writers "win"');
    ok t_cmp($applied, 16, 'control race: the backend applied all 16');
    ok t_cmp($refused, 0, 'control race: no 412');
}

# ---- A read-modify-write counter, 4 clients x 20 (4 each) ------------------
for my $s (@counters) {
    my ($loc, $what) = @$s;
    if (!have($L{$loc}{need})) {
        skip_n($L{$loc}{need}, 4);
        next;
    }
    my $em = log_lines('error_log');
    my $t0 = time;
    my ($end, $applied, $done, $retries, $bad, $w) = counter($loc, 'counter.txt', 4, 20);
    printf "# %s counter: %d increments, %d retries on 412, %.1f s\n",
        $what, $done, $retries, time - $t0;
    my $p = 1;
    $p = ok(t_cmp($end, 80, "$what counter: 4 clients x 20 increments end at 80")) && $p;
    $p = ok(t_cmp($applied, 80, "$what counter: the backend applied 80 writes")) && $p;
    $p = ok(t_cmp($bad, 'none', "$what counter: no status but 200, 2xx, 412")) && $p;
    if ($loc eq 'bal') {
        # Both members applied some of the writes: the store is shared.
        my $m1 = grep { /^bal1 / } @$w;
        my $m2 = grep { /^bal2 / } @$w;
        $p = ok(t_cmp($m1 > 0 && $m2 > 0 ? 1 : 0, 1,
                        "balancer counter: both members wrote ($m1, $m2)")) && $p;
    }
    else {
        $p = ok(t_cmp($retries > 0 ? 1 : 0, 1,
                        "$what counter: the clients did collide ($retries retries)")) && $p;
    }
    show_error_log($em) unless $p;
}

# ---- h2c: Digest GET (2) ------------------------------------------------------
if (have('h2')) {
    set_doc($L{dnone}, 'h2.txt', "over h2\n");
    my ($s, $v, $h) = h2(GET => '/ev/dnone/h2.txt');
    my ($e) = $h =~ /^etag:\s*(.+?)\s*$/mi;
    ok t_cmp("$s $v " . ($e // 'no ETag'), qr/\A200 2 "rpd-[^"]+"\z/,
             'h2, Digest: GET gives an "rpd-" ETag');
    ($s, $v) = h2(GET => '/ev/dnone/h2.txt', ['If-None-Match' => $e // '"x"']);
    ok t_cmp("$s $v", '304 2', 'h2, Digest: If-None-Match with it: 304');
}
else {
    skip_n('h2', 2);
}

# ---- The path as the client sent it: nocanon, %2F (3) ----------------------
{
    Apache::TestRequest::module('rp_eval_raw');
    my $u = "/ev/raw/a%2Fb$$.txt";
    my $created = req(PUT => $u, [@INM_star], $old)->code;
    my $again = req(PUT => $u, [@INM_star], $new)->code;
    my $e = req(GET => $u)->header('ETag') // '"none"';
    my $updated = req(PUT => $u, ['If-Match' => $e], $new)->code;
    Apache::TestRequest::module('default');
    ok t_cmp($created, 201, 'nocanon, %2F: created');
    ok t_cmp($again, 412, 'nocanon, %2F: If-None-Match: * over it: 412 '
             . '(the look-up named the document the write would replace)');
    ok t_cmp($updated, 204, 'nocanon, %2F: with its current ETag: 204');
}

# ---- mod_cache answering from its cache (4) --------------------------------
SKIP: {
    skip 'mod_cache_disk is not loaded', 4 unless have_module('cache_disk');
    my $doc = "cached$$.txt";
    my $l = { uri => '/ev/cached/', be => ['strong'], dir => '/cached/' };
    my @host = ('Host' => 'localhost');     # the look-up's cache key
    make_path("$logs/eval-cache");
    set_doc($l, $doc, $old);
    my ($tag, $hit);
    for (1 .. 3) {
        my $r = req(GET => "/ev/cached/$doc", [@host]);
        $tag = $r->header('ETag');
        $hit = $r->header('X-Cache') // '';
    }
    set_doc($l, $doc, $new);                # changed behind the cache
    my $r = req(PUT => "/ev/cached/$doc", [@host, 'If-Match' => $tag // '"x"'],
                $more);
    ok t_cmp($hit, qr/HIT/, 'mod_cache: the reads came from its cache');
    ok t_cmp($r->code, qr/^(412|502)$/, "mod_cache: a write with the cached "
             . "(stale) ETag is refused, the look-up not judged from the cache");
    ok t_cmp(get_doc($l, $doc), $new, 'mod_cache: the document is unchanged');
    ok t_cmp(index($r->content, $old) < 0 ? 1 : 0, 1,
             'mod_cache: nothing of the cached answer reached the client');
}

# ---- The counters: look-ups, 412s for a backend, failed look-ups (3) -------
{
    my $metrics = sub { parse_metrics(req(GET => '/rp-metrics')->content) };
    my $p = 'require_precondition';
    set_doc($L{strong}, 'count.txt', $old);
    my $before = $metrics->();
    req(PUT => "$L{strong}{uri}count.txt", [@IM_stale], $new);
    req(PUT => "$L{strong}{uri}count.txt",
        ['If-Match' => cur('strong', 'count.txt')->{etag} // '"none"'], $new);
    req(PUT => "$L{down}{uri}count.txt", [@IM_stale], $new);
    my $after = $metrics->();
    my $d = sub { ($after->{"${p}_$_[0]_total"} // 0) - ($before->{"${p}_$_[0]_total"} // 0) };
    ok t_cmp($d->('lookups'), 3, 'counters: three look-ups');
    ok t_cmp($d->('backend_failed'), 1, 'counters: one 412 decided for the backend');
    ok t_cmp($d->('lookup_failures'), 1, 'counters: one failed look-up');
}

# ---- The backends stop cleanly (1) -----------------------------------------
my @bad = stop_backends();
ok t_cmp("@bad", '', 'every backend exits 0 on SIGTERM and removes its socket');
