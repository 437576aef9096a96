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

# The log message tags, as httpd's APLOGNO (rp_module.h):
# every message the module logs starts with RPLOGNO(nnnnn), a number used
# once in the whole project, so that an admin can grep for it.
#
#   tools/lognos.sh --check   fail on a number used twice, on an empty
#                             RPLOGNO(), and on an ap_log_error,
#                             ap_log_rerror, ap_log_perror, ap_log_cerror or
#                             ap_log_cserror call without a tag (make lint)
#   tools/lognos.sh --fill    give every empty RPLOGNO() the next free
#                             number, in file and line order
#   tools/lognos.sh --tag     put an RPLOGNO() in front of the format of
#                             every log call that has no tag, then --fill
#   tools/lognos.sh --list    number, file:line, one a line
#
# Files: the module's *.c and *.h, the glue's at the top of the tree and the
# engine's in lib/ (FILES= to choose).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:---check}
cd "$top"
# shellcheck disable=SC2206
files=(${FILES:-$(ls ./*.c ./*.h lib/*.c lib/*.h 2>/dev/null | sed 's|^\./||')})

exec perl -I"$top/tools/lib" -MRPCode -e '
use strict;
use warnings;
my ($mode, @files) = @ARGV;
my (%seen, @list, $fail);
my $max = 0;
my %text;

# The macro definition itself, not a use.
sub is_define {
    my ($s, $pos) = @_;
    my $start = rindex($s, "\n", $pos - 1) + 1;
    return substr($s, $start, $pos - $start) =~ /^\s*#\s*define\s+$/;
}
sub line_of { my ($s, $pos) = @_; return 1 + (substr($s, 0, $pos) =~ tr/\n//); }

for my $f (@files) {
    open my $fh, "<", $f or die "$f: $!";
    local $/;
    $text{$f} = <$fh>;
    my $code = strip_comments($text{$f});
    while ($code =~ /\bRPLOGNO\(\s*(\d*)\s*\)/g) {
        my ($n, $line) = ($1, line_of($code, $-[0]));
        next if is_define($code, $-[0]);
        if ($n eq "") {
            push @list, ["", "$f:$line"];
            next;
        }
        $max = $n if $n > $max;
        push @{$seen{$n}}, "$f:$line";
        push @list, [$n, "$f:$line"];
    }
    # Every log call carries a tag among its arguments.
    my @insert;
    while ($code =~ /\b(ap_log_(?:error|rerror|perror|cerror|cserror))\s*(\((?:[^()"]++|"(?:\\.|[^"\\])*"|(?2))*\))/g) {
        my ($fn, $args, $pos, $argpos) = ($1, $2, $-[0], $-[2]);
        next if $args =~ /\bRPLOGNO\(/;
        if ($mode eq "--tag") {
            # The format: the argument after APLOG_MARK, level, status and
            # the server, request, pool or connection (ap_log_cserror: 6th).
            my $want = $fn eq "ap_log_cserror" ? 5 : 4;
            my ($depth, $commas, $i) = (0, 0, 1);
            while ($i < length($args) && $commas < $want) {
                my $ch = substr($args, $i, 1);
                if ($ch eq "\"") { $i++ while ($i < length($args) && (substr($args, $i, 1) ne "\"" || substr($args, $i - 1, 1) eq "\\")); }
                elsif ($ch =~ /[([]/) { $depth++ }
                elsif ($ch =~ /[)\]]/) { $depth-- }
                elsif ($ch eq "," && $depth == 0) { $commas++ }
                $i++;
            }
            $i++ while substr($args, $i, 1) =~ /\s/;
            if (substr($args, $i, 1) eq "\"") {
                push @insert, $argpos + $i;
                next;
            }
        }
        print STDERR "lognos: ", "$f:", line_of($code, $pos), ": $fn without RPLOGNO()\n";
        $fail = 1;
    }
    # As httpd places APLOGNO: in front of the format when the line stays
    # within 79 columns once numbered, else at the end of the line before
    # (when the format starts a line), else on a line of its own.
    for my $at (reverse @insert) {
        my $t = $text{$f};
        my $bol = rindex($t, "\n", $at - 1) + 1;
        my $eol = index($t, "\n", $at);
        $eol = length($t) if $eol < 0;
        my $before = substr($t, $bol, $at - $bol);
        if ($eol - $bol + 15 <= 79) {
            substr($text{$f}, $at, 0) = "RPLOGNO() ";
        }
        elsif ($before =~ /^\s*$/ && $bol > 0
               && $bol - 1 - (rindex($t, "\n", $bol - 2) + 1) + 15 <= 79) {
            substr($text{$f}, $bol - 1, 0) = " RPLOGNO()";
        }
        elsif ($before =~ /^\s*$/) {
            substr($text{$f}, $bol, 0) = "${before}RPLOGNO()\n";
        }
        else {
            my $open = index($t, "(", $bol);
            my $indent = " " x ($open - $bol + 1);
            my ($space) = $before =~ /(\s*)$/;
            substr($text{$f}, $at - length($space), length($space))
                = " RPLOGNO()\n$indent";
        }
    }
    if (@insert) {
        open my $out, ">", $f or die "$f: $!";
        print $out $text{$f};
        close $out or die "$f: $!";
        print "lognos: $f: tagged ", scalar(@insert), " log calls\n";
    }
}
$mode = "--fill" if $mode eq "--tag";

if ($mode eq "--list") {
    printf "%-6s %s\n", $_->[0] eq "" ? "()" : $_->[0], $_->[1] for @list;
    exit 0;
}
if ($mode eq "--fill") {
    my $next = $max;
    my $filled = 0;
    for my $f (@files) {
        my $t = $text{$f};
        my $code = strip_comments($t);
        my @at;
        while ($code =~ /\bRPLOGNO\(\s*\)/g) {
            next if is_define($code, $-[0]);
            push @at, [$-[0], $+[0] - $-[0]];
        }
        next unless @at;
        my @num = map { sprintf "%05d", ++$next } @at;
        print "lognos: $f:", line_of($t, $at[$_][0]), ": RPLOGNO($num[$_])\n" for 0 .. $#at;
        for my $i (reverse 0 .. $#at) {
            substr($t, $at[$i][0], $at[$i][1]) = "RPLOGNO($num[$i])";
        }
        $filled += @at;
        open my $out, ">", $f or die "$f: $!";
        print $out $t;
        close $out or die "$f: $!";
    }
    print "lognos: filled $filled, the last number is ", sprintf("%05d", $next), "\n";
    exit 0;
}
for my $n (sort keys %seen) {
    next if @{$seen{$n}} < 2;
    print STDERR "lognos: RPLOGNO($n) used more than once: @{$seen{$n}}\n";
    $fail = 1;
}
for (grep { $_->[0] eq "" } @list) {
    print STDERR "lognos: $_->[1]: empty RPLOGNO(): run tools/lognos.sh --fill\n";
    $fail = 1;
}
exit($fail ? 1 : 0);
' -- "$mode" "${files[@]}"
