#!/usr/bin/env bash
# The log message tags, as httpd's APLOGNO (mod_require_precondition.h):
# every message the module logs starts with RPLOGNO(nnnnn), a number used
# once in the whole project, so that an admin can grep for it.
#
#   tools/lognos.sh --check   fail on a number used twice, on an empty
#                             RPLOGNO(), and on an ap_log_error,
#                             ap_log_rerror, ap_log_perror, ap_log_cerror or
#                             ap_log_cserror call without a tag (make lint)
#   tools/lognos.sh --fill    give every empty RPLOGNO() the next free
#                             number, in file and line order
#   tools/lognos.sh --list    number, file:line, one a line
#
# Files: the module's *.c and *.h at the top of the tree (FILES= to choose).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:---check}
cd "$top"
# shellcheck disable=SC2206
files=(${FILES:-$(ls ./*.c ./*.h 2>/dev/null | sed 's|^\./||')})

exec perl -e '
use strict;
use warnings;
my ($mode, @files) = @ARGV;
my (%seen, @list, $fail);
my $max = 0;
my %text;

# The code without its comments (strings kept, comments blanked out with
# their newlines, so that offsets and line numbers stay the same).
sub strip {
    my $s = shift;
    $s =~ s{("(?:\\.|[^"\\])*"|\x27(?:\\.|[^\x27\\])*\x27)|(/\*.*?\*/|//[^\n]*)}
           {defined $1 ? $1 : ($2 =~ s/[^\n]/ /gr)}gse;
    return $s;
}
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
    my $code = strip($text{$f});
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
    while ($code =~ /\b(ap_log_(?:error|rerror|perror|cerror|cserror))\s*(\((?:[^()"]++|"(?:\\.|[^"\\])*"|(?2))*\))/g) {
        my ($fn, $args, $pos) = ($1, $2, $-[0]);
        next if $args =~ /\bRPLOGNO\(/;
        print STDERR "lognos: ", "$f:", line_of($code, $pos), ": $fn without RPLOGNO()\n";
        $fail = 1;
    }
}

if ($mode eq "--list") {
    printf "%-6s %s\n", $_->[0] eq "" ? "()" : $_->[0], $_->[1] for @list;
    exit 0;
}
if ($mode eq "--fill") {
    my $next = $max;
    my $filled = 0;
    for my $f (@files) {
        my $t = $text{$f};
        my $code = strip($t);
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
