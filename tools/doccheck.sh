#!/usr/bin/env bash
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

# The docs against the code (make lint), so that they cannot drift:
#   - every RPnnnnn tag quoted in README.md, docs/ and bench/ exists in the
#     code; a quoted line (`RPnnnnn: text`) matches the code's format, and
#     its level where it shows one ([require_precondition:warn]);
#   - docs/operations.md has one row per tag the code logs, with the
#     code's level and a message shape that matches its format;
#   - every directive of a command table (AP_INIT_*) has a box in
#     docs/directives.md and a line in README.md's table, and every box a
#     directive in the code; Context and Override follow the command's
#     req_override, Syntax starts with the name (a flag's is On|Off);
#   - Default: where the code states one, the box says the same. The code
#     states it in the command's help text, "(default X)", "X (default)"
#     or "(default: words)" for a default that is no value (the box then
#     says "none"), or in an RP_DEFAULT_<NAME> define (RP_DEFAULT_METHODS:
#     method bits, RP_DEFAULT_SERIALIZE_TIMEOUT: apr_time_from_sec(n)).
#     A directive whose default the code does not state is reported,
#     not failed: say it in the help text to have it checked;
#   - the counters: no two rows of lib/rp_counters.h share an ?auto key or a
#     series; docs/operations.md's table of ?auto counters names
#     every key of rp_counters.h and no other, its ?auto example shows
#     them all in the order the page prints them, and its table of
#     Prometheus series names every series the endpoint answers and no
#     other, each beside the ?auto key that shows the same value. The rows
#     are read as the build reads them: tools/counter-rows.c, compiled
#     with the C compiler (CC=, cc by default), prints them;
#   - relative links between the pages point at files and headings that
#     exist.
# Prints what it checked and every finding; fails when there is one.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck disable=SC2012,SC2206
code=(${CODE_FILES:-$(ls ./*.c lib/*.c 2>/dev/null | sed 's|^\./||')})
# shellcheck disable=SC2206
docs=(${DOC_FILES:-README.md docs/*.md bench/RESULTS.md})

# The counters' rows (lib/rp_counters.h), through the C preprocessor. Should
# the helper not build, the counters' check fails for want of rows.
scratch=$(mktemp -d /tmp/rp-doccheck.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
RP_COUNTER_ROWS=
if "${CC:-cc}" -std=gnu99 -Wall -Wextra -Werror -I"$top/lib" \
        -o "$scratch/counter-rows" tools/counter-rows.c 2>"$scratch/cc.err"; then
    RP_COUNTER_ROWS=$("$scratch/counter-rows")
else
    sed 's/^/doccheck: tools\/counter-rows.c: /' "$scratch/cc.err" >&2
fi
rm -rf "$scratch"
trap - EXIT
export RP_COUNTER_ROWS

exec perl -I"$top/tools/lib" -MRPCode -e '
use strict;
use warnings;
my ($ncode, @args) = @ARGV;
my @code = splice(@args, 0, $ncode);
my @docs = @args;
my $fail = 0;
my @notes;
sub finding { print STDERR "doccheck: $_[0]\n"; $fail = 1; }
sub slurp { my $f = shift; open my $fh, "<", $f or die "$f: $!"; local $/; return <$fh>; }
# One argument of a C call: balanced parentheses, strings kept whole.

# The arguments of a call whose "(" ends at $pos: split at the commas
# outside parentheses and strings.
sub call_args {
    my ($s, $pos) = @_;
    my ($depth, $cur, @out) = (0, "");
    while ($pos < length $s) {
        my $c = substr($s, $pos++, 1);
        if ($c eq "\"") {
            $s =~ /\G((?:\\.|[^"\\])*")/gc or last;
            pos($s) = $pos;
            $s =~ /\G((?:\\.|[^"\\])*")/g;
            $cur .= $c . $1; $pos = pos($s); next;
        }
        if ($c eq "(") { $depth++ }
        elsif ($c eq ")") { if ($depth-- == 0) { push @out, $cur; last } }
        elsif ($c eq "," && $depth == 0) { push @out, $cur; $cur = ""; next }
        $cur .= $c;
    }
    s/^\s+|\s+$//g for @out;
    return @out;
}
my %src;
$src{$_} = strip_comments(slurp($_)) for @code;
my $all = join("\n", map { $src{$_} } sort keys %src);
my ($version) = join("\n", map { slurp($_) } glob("*.h lib/*.h")) =~ /MOD_REQUIRE_PRECONDITION_VERSION\s+"([^"]+)"/;

# ---- log messages: tag -> level, format as a regular expression -------
my %levels = (EMERG => "emerg", ALERT => "alert", CRIT => "crit", ERR => "error",
              WARNING => "warn", NOTICE => "notice", INFO => "info", DEBUG => "debug");
$levels{"TRACE$_"} = "trace$_" for 1 .. 8;
my %msg;
for my $f (@code) {
    my $s = $src{$f};
    while ($s =~ /\bap_log_[a-z]+\s*\(\s*APLOG_MARK\s*,\s*APLOG_(\w+)\s*,[^;]*?\bRPLOGNO\(\s*(\d+)\s*\)((?:\s*(?:"(?:\\.|[^"\\])*"|[A-Z_][A-Z0-9_]*))*)/gs) {
        my ($lvl, $tag, $fmt) = ($1, "RP$2", $3);
        # The literals joined, a macro between them as \x00NAME\x00; then
        # each conversion ("%s", "%" APR_TIME_T_FMT) is a wildcard.
        my $joined = "";
        while ($fmt =~ /"((?:\\.|[^"\\])*)"|([A-Z_][A-Z0-9_]*)/g) {
            $joined .= defined $1 ? $1 =~ s/\\(.)/$1/gr : "\x00$2\x00";
        }
        my $re = "";
        for my $part (split /(%%|%[-+ #0-9.*]*(?:\x00\w+\x00|(?:hh|h|ll|l|L|z|j|t)?[a-zA-Z])|\x00\w+\x00)/, $joined) {
            if ($part eq "%%") { $re .= "%" }
            elsif ($part =~ /^%/) { $re .= "(?:.*?)" }
            elsif ($part eq "\x00MOD_REQUIRE_PRECONDITION_VERSION\x00" && defined $version) {
                $re .= "(?:" . quotemeta($version) . "|<version>)";
            }
            elsif ($part =~ /^\x00/) { $re .= "(?:.*?)" }
            else { $re .= quotemeta($part) }
        }
        my $line = 1 + (substr($s, 0, $-[0]) =~ tr/\n//);
        $msg{$tag} = { level => $levels{$lvl} // lc $lvl, re => qr/^$re$/s, at => "$f:$line" };
    }
}
finding("no RPLOGNO() message found in @code") unless %msg;

my %text = map { $_ => slurp($_) } @docs;
my ($quoted, $lines) = (0, 0);
for my $d (@docs) {
    my $t = $text{$d};
    while ($t =~ /\bRP(\d{5})\b/g) {
        my $tag = "RP$1";
        $quoted++;
        my $line = 1 + (substr($t, 0, $-[0]) =~ tr/\n//);
        finding("$d:$line: $tag is quoted but the code logs no such tag") unless $msg{$tag};
    }
    # A quoted line: in backticks, or an indented example line.
    while ($t =~ /(?:`|^    (?:\S.*?)?)\b(RP\d{5}): ([^`\n]+)/mg) {
        my ($tag, $said) = ($1, $2);
        my $line = 1 + (substr($t, 0, $-[0]) =~ tr/\n//);
        next unless $msg{$tag};
        $lines++;
        finding("$d:$line: \"$tag: $said\" is not what the code logs ($msg{$tag}{at})")
            unless $said =~ $msg{$tag}{re};
    }
    # A quoted error log line gives the level too.
    while ($t =~ /\[require_precondition:(\w+)\][^\n]*?\b(RP\d{5}):/g) {
        my ($lvl, $tag) = ($1, $2);
        my $line = 1 + (substr($t, 0, $-[0]) =~ tr/\n//);
        finding("$d:$line: $tag is logged at $msg{$tag}{level}, not $lvl ($msg{$tag}{at})")
            if $msg{$tag} && $lvl ne $msg{$tag}{level};
    }
}

# The operations page: one row per tag, with the level and the shape.
my $ops = "docs/operations.md";
my %row;
if (exists $text{$ops}) {
    for (split /\n/, $text{$ops}) {
        next unless /^\|\s*`(RP\d{5})`\s*\|\s*([a-z0-9]+)\s*\|\s*`([^`]+)`\s*\|([^|]*)\|([^|]*)\|\s*$/;
        my ($tag, $lvl, $shape, $means, $todo) = ($1, $2, $3, $4, $5);
        finding("$ops: $tag has two rows") if $row{$tag}++;
        next unless $msg{$tag};
        finding("$ops: $tag is at level $lvl in the table, $msg{$tag}{level} in the code ($msg{$tag}{at})")
            if $lvl ne $msg{$tag}{level};
        finding("$ops: $tag: the shape \"$shape\" does not match the code ($msg{$tag}{at})")
            unless $shape =~ $msg{$tag}{re};
        finding("$ops: $tag: say what it means and what to do")
            unless $means =~ /\S/ && $todo =~ /\S/;
    }
    for my $tag (sort keys %msg) {
        finding("$ops: no row for $tag, which the code logs ($msg{$tag}{at})") unless $row{$tag};
    }
}
else { finding("$ops is missing") }

# ---- counters (lib/rp_counters.h, printed by tools/counter-rows.c) ----------
my $rows_h = "lib/rp_counters.h";
my (@auto, %auto, %series);
for (split /\n/, $ENV{RP_COUNTER_ROWS} // "") {
    my ($what, @f) = split /\t/;
    if ($what eq "auto") {
        finding("$rows_h: two rows have the ?auto key $f[0]") if $auto{$f[0]}++;
        push @auto, $f[0];
    }
    elsif ($what eq "series") {
        finding("$rows_h: two rows make the series $f[0]") if exists $series{$f[0]};
        $series{$f[0]} = $f[1];
    }
}
finding("tools/counter-rows.c printed no counters (see above)") unless @auto && %series;
# The rows of the table whose header row matches $head: a list of cells
# a row, until the first line that is not a row.
sub table_rows {
    my ($t, $head) = @_;
    my ($in, @rows) = (0);
    for (split /\n/, $t) {
        if (!$in) { $in = 1 if /^\|\s*$head\s*\|\s*$/; next }
        next if /^\|[-:| ]+\|\s*$/;
        last unless /^\|(.*)\|\s*$/;
        push @rows, [ map { s/^\s+|\s+$//gr } split /\|/, $1 ];
    }
    return $in ? \@rows : undef;
}
my ($auto_rows, $metric_rows) = (0, 0);
if (exists $text{$ops} && @auto) {
    my $t = $text{$ops};
    # The ?auto example: every key, in the order of the page.
    my @ex = $t =~ /^    RequirePrecondition(\w+): /mg;
    my %ex = map { $_ => 1 } @ex;
    my @missing = grep { !$ex{$_} } @auto;
    my @extra = grep { !$auto{$_} } @ex;
    finding("$ops: the ?auto example lacks " . join(", ", @missing) . ", which the page shows ($rows_h)") if @missing;
    finding("$ops: the ?auto example shows " . join(", ", @extra) . ", which is no row of $rows_h") if @extra;
    finding("$ops: the ?auto example is not in the order of the page: " . join(" ", @auto) . " ($rows_h)")
        if !@missing && !@extra && "@ex" ne "@auto";
    # The table of ?auto counters: the keys in backticks of its first column.
    my $rows = table_rows($t, q{counter\s*\|\s*counts});
    finding("$ops: no table of ?auto counters (| counter | counts |)") unless $rows;
    my %doc;
    for my $r (@{ $rows // [] }) {
        for my $k (($r->[0] // "") =~ /`([^`]+)`/g) {
            $auto_rows++;
            finding("$ops: the table of ?auto counters has two rows for `$k`") if $doc{$k}++;
            finding("$ops: the table of ?auto counters lists `$k`, which is no row of $rows_h") unless $auto{$k};
        }
    }
    for (@auto) {
        finding("$ops: the table of ?auto counters has no row for `$_`, which the page shows ($rows_h)")
            if $rows && !$doc{$_};
    }
    # The table of Prometheus series: the series in backticks of the first
    # column (a label value alone, `"v"`, is the series before it with
    # that value), the ?auto keys in backticks of the second.
    $rows = table_rows($t, q{metric\s*\|\s*`\?auto` key});
    finding("$ops: no table of Prometheus series (| metric | `?auto` key |)") unless $rows;
    my %mdoc;
    for my $r (@{ $rows // [] }) {
        my ($names, $keys) = ($r->[0] // "", $r->[1] // "");
        my ($last, @series);
        for my $item ($names =~ /`([^`]+)`/g) {
            if ($item =~ /^"[^"]*"$/ && defined $last && $last =~ /^(\w+\{\w+=)"/) {
                push @series, "$1$item}";
            }
            elsif ($item =~ /^\w+(?:\{\w+="[^"]*"\})?$/) { push @series, $item; $last = $item }
            else { finding("$ops: the table of Prometheus series: `$item` is not a series") }
        }
        my ($unknown, %want) = (0);
        for my $s (@series) {
            $metric_rows++;
            finding("$ops: the table of Prometheus series has two rows for `$s`") if $mdoc{$s}++;
            if (!exists $series{$s}) {
                finding("$ops: the table of Prometheus series lists `$s`, which the endpoint does not answer ($rows_h)");
                $unknown = 1;
                next;
            }
            $want{$series{$s}} = 1;
        }
        my $said = join(", ", sort map { "`$_`" } $keys =~ /`([^`]+)`/g);
        my $code = join(", ", sort map { "`$_`" } keys %want);
        finding("$ops: the table of Prometheus series says that `$series[0]` is $said on the status page; $rows_h: $code")
            if %want && !$unknown && $said ne $code;
    }
    for (sort keys %series) {
        finding("$ops: the table of Prometheus series has no row for `$_`, which the endpoint answers ($rows_h)")
            if $rows && !$mdoc{$_};
    }
}

# ---- directives --------------------------------------------------------
my %ctx = (RSRC_CONF => "server config, virtual host", ACCESS_CONF => "directory",
           "RSRC_CONF|ACCESS_CONF" => "server config, virtual host, directory");
my %ovr = (OR_FILEINFO => "FileInfo", OR_AUTHCFG => "AuthConfig", OR_LIMIT => "Limit",
           OR_OPTIONS => "Options", OR_INDEXES => "Indexes", OR_ALL => "All");
my (%dir, @order);
for my $f (@code) {
    while ($src{$f} =~ /\bAP_INIT_(\w+)\s*\(/g) {
        my ($type, $pos) = ($1, pos($src{$f}));
        my @a = call_args($src{$f}, $pos);
        next unless @a >= 5 && $a[0] =~ /^"(\w+)"$/;
        my ($name, $fn, $over) = ($1, $a[1], $a[3] =~ s/\s+//gr);
        my $help = join "", $a[4] =~ /"((?:\\.|[^"\\])*)"/g;
        my $line = 1 + (substr($src{$f}, 0, $pos) =~ tr/\n//);
        push @order, $name;
        $dir{$name} = { type => $type, fn => $fn, over => $over, help => $help, at => "$f:$line" };
    }
}
finding("no AP_INIT_* command found in @code") unless %dir;
# The body of a function defined in the code, braces balanced.
sub body_of {
    my $fn = shift;
    pos($all) = 0;              # a //g match goes on from the last one
    return undef unless $all =~ /\b\Q$fn\E\s*\([^;{()]*\)\s*\{/g;
    my ($pos, $depth) = (pos($all), 1);
    my $start = $pos;
    while ($depth && $pos < length $all) {
        my $c = substr($all, $pos++, 1);
        $depth++ if $c eq "{";
        $depth-- if $c eq "}";
    }
    return substr($all, $start, $pos - $start);
}
# Defaults the code states.
my %bits = map { $_ => $_ } qw(GET PUT POST DELETE CONNECT OPTIONS TRACE PATCH PROPFIND
    PROPPATCH MKCOL COPY MOVE LOCK UNLOCK);
sub define_of {
    my $n = shift;
    return $all =~ /#\s*define\s+\Q$n\E\s+((?:[^\n\\]|\\\n)*)/ ? $1 =~ s/\\\n/ /gr : undef;
}
sub code_default {
    my ($name, $d) = @_;
    my @found;
    if ($d->{help} =~ /\(default:\s/) { push @found, ["none", "its help text"] }
    elsif ($d->{help} =~ /\(default ([^()]+?)\)/) { push @found, [$1, "its help text"] }
    elsif ($d->{help} =~ /(\w+) \(default\)/) { push @found, [$1, "its help text"] }
    (my $suffix = $name) =~ s/^RequirePrecondition//;
    $suffix = "MODE" if $suffix eq "";
    $suffix =~ s/(?<=[a-z])(?=[A-Z])/_/g;
    my $def = define_of("RP_DEFAULT_" . uc $suffix);
    if (defined $def) {
        if (my @m = $def =~ /\bM_([A-Z]+)\b/g) { push @found, [join(" ", @m), "RP_DEFAULT_" . uc $suffix] }
        elsif ($def =~ /apr_time_from_sec\(\s*(\d+)\s*\)/) { push @found, [$1, "RP_DEFAULT_" . uc $suffix] }
        elsif ($def =~ /^\s*"([^"]*)"\s*$/ || $def =~ /^\s*\(?\s*(\d+)\s*\)?\s*$/) { push @found, [$1, "RP_DEFAULT_" . uc $suffix] }
    }
    return @found;
}

my $man = "docs/directives.md";
my %box;
if (exists $text{$man}) {
    my @sec = split /^## /m, $text{$man};
    shift @sec;
    for my $sec (@sec) {
        my ($name) = $sec =~ /^(\S+)/;
        my %f;
        $f{$1} = $2 while $sec =~ /^\|\s*(Description|Syntax|Default|Context|Override|Module)\s*\|\s*(.*?)\s*\|\s*$/mg;
        $box{$name} = \%f;
    }
}
else { finding("$man is missing") }
my $readme = $text{"README.md"} // "";
my $checked_defaults = 0;
for my $name (@order) {
    my $d = $dir{$name};
    my $b = $box{$name};
    finding("README.md: no line for $name linking to docs/directives.md")
        unless $readme =~ /\[`\Q$name\E`\]\(docs\/directives\.md#\L$name\E\)/;
    unless ($b) {
        finding("$man: no entry for $name, which the code defines ($d->{at}); add a box (Description / Syntax / Default / Context / Override / Module)");
        next;
    }
    for my $k (qw(Description Syntax Default Context Module)) {
        finding("$man: $name has no $k row") unless defined $b->{$k};
    }
    finding("$man: $name: Module is not mod_require_precondition")
        if defined $b->{Module} && $b->{Module} ne "mod_require_precondition";
    my $syn = $b->{Syntax} // "";
    finding("$man: $name: the Syntax does not start with the name") unless $syn =~ /^`\Q$name\E\b/;
    finding("$man: $name is a flag (AP_INIT_FLAG): its Syntax is `$name On|Off`")
        if $d->{type} eq "FLAG" && $syn !~ /^`\Q$name\E On\\\|Off`$/;
    # Context and Override from req_override.
    my ($want_ctx, $want_ovr);
    if ($d->{over} =~ /^OR_/) {
        $want_ctx = "server config, virtual host, directory, .htaccess";
        $want_ovr = join(" ", map { $ovr{$_} // $_ } split /\|/, $d->{over});
    }
    elsif (exists $ctx{$d->{over}}) {
        $want_ctx = $ctx{$d->{over}};
        # The handler may narrow it: ap_check_cmd_context(cmd, GLOBAL_ONLY).
        $want_ctx = "server config" if (body_of($d->{fn}) // "") =~ /\bGLOBAL_ONLY\b/;
    }
    else { push @notes, "$name: req_override $d->{over}: Context not checked" }
    if (defined $want_ctx && defined $b->{Context}) {
        finding("$man: $name: Context \"$b->{Context}\", the code says \"$want_ctx\" ($d->{over})")
            if $b->{Context} ne $want_ctx;
    }
    if (defined $want_ovr) {
        finding("$man: $name: Override \"" . ($b->{Override} // "") . "\", the code says \"$want_ovr\"")
            if ($b->{Override} // "") ne $want_ovr;
    }
    elsif (defined $want_ctx && defined $b->{Override}) {
        finding("$man: $name: an Override row, but it cannot be used in .htaccess");
    }
    # The default.
    my $doc = $b->{Default} // "";
    my $docval = $doc =~ /^`\Q$name\E\s+(.*?)`$/ ? $1 : $doc =~ /^none\b/ ? "none" : undef;
    finding("$man: $name: Default \"$doc\" is neither `$name value` nor none...")
        unless defined $docval;
    my @cd = code_default($name, $d);
    push @notes, "$name: the code states no default; Default \"$doc\" is not checked (say \"(default ...)\" in its help text, $d->{at})"
        unless @cd;
    for my $c (@cd) {
        $checked_defaults++;
        finding("$man: $name: Default \"" . ($docval // $doc) . "\", the code ($c->[1], $d->{at}) says \"$c->[0]\"")
            if defined $docval && lc $docval ne lc $c->[0];
    }
}
for my $name (sort keys %box) {
    finding("$man: an entry for $name, which no command table defines") unless $dir{$name};
}

# ---- links -------------------------------------------------------------
sub anchors {
    my $t = shift;
    my %a;
    for ($t =~ /^#+\s+(.+?)\s*$/mg) {
        my $h = lc $_;
        $h =~ s/[^\w\- ]//g;
        $h =~ s/ /-/g;
        $a{$h} = 1;
    }
    return \%a;
}
my $links = 0;
for my $d (@docs) {
    (my $dir = $d) =~ s{[^/]*$}{};
    my $t = $text{$d} =~ s/^```.*?^```//msgr;
    while ($t =~ /\]\(([^)\s]+)\)/g) {
        my $l = $1;
        next if $l =~ /^[a-z]+:/;
        $links++;
        my ($path, $frag) = split /#/, $l, 2;
        my $target = $path eq "" ? $d : $dir . $path;
        1 while $target =~ s{(^|/)(?!\.\./)[^/]+/\.\./}{$1};
        if (!-e $target) { finding("$d: the link $l: no $target"); next; }
        next unless defined $frag && $target =~ /\.md$/;
        finding("$d: the link $l: no heading #$frag in $target")
            unless anchors($text{$target} // slurp($target))->{$frag};
    }
}

print "doccheck: note: $_\n" for @notes;
printf "doccheck: %d messages, %d directives (%d defaults compared), %d counters (%d ?auto keys and %d series in the tables), %d tags and %d quoted lines in %d pages, %d links\n",
    scalar(keys %msg), scalar(@order), $checked_defaults, scalar(@auto), $auto_rows, $metric_rows, $quoted, $lines, scalar(@docs), $links;
exit($fail ? 1 : 0);
' -- "${#code[@]}" "${code[@]}" "${docs[@]}"
