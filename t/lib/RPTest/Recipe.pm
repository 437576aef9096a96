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

# Configurations the docs show, run as written (t/recipes.t): the blocks a
# page fences as ```LANG recipe-NAME, taken out as they are, with only
# their placeholders replaced; the lines that configure a backend outside
# such a block. The servers they run in: RPTest::Servers.
package RPTest::Recipe;
use strict;
use warnings FATAL => 'all';

use Exporter 'import';

our @EXPORT = qw(doc_blocks prose_of untagged_backend_lines substitute);

sub slurp_file { my $f = shift; open my $fh, '<', $f or die "$f: $!"; local $/; <$fh> }

# The tagged blocks of the pages: { name, lang, text, file, line } each, in
# page order. A block is ```LANG recipe-NAME up to the next ``` line.
sub doc_blocks {
    my @out;
    for my $file (@_) {
        my ($cur, $n) = (undef, 0);
        for my $line (split /\n/, slurp_file($file)) {
            $n++;
            if (!$cur && $line =~ /^```(\w+)\s+recipe-([\w-]+)\s*$/) {
                $cur = { lang => $1, name => $2, file => $file,
                         line => $n, text => '' };
            } elsif ($cur && $line =~ /^```\s*$/) {
                push @out, $cur;
                $cur = undef;
            } elsif ($cur) {
                $cur->{text} .= "$line\n";
            }
        }
        die "$file: recipe-$cur->{name} (line $cur->{line}) is not closed\n" if $cur;
    }
    return @out;
}

# The text of a page without its tagged blocks: where it says what in
# them is a placeholder.
sub prose_of {
    my $file = shift;
    return slurp_file($file) =~ s/^```\w+\s+recipe-.*?^```\s*$//msgr;
}

# Lines of the pages, outside a tagged block, that configure a backend
# (ProxyPass, ProxyPassMatch, BalancerMember, a proxy: handler): each
# "file:line: text". A configuration shown must be a recipe, run as written.
sub untagged_backend_lines {
    my @out;
    for my $file (@_) {
        my ($fence, $tagged, $n) = (0, 0, 0);
        for my $line (split /\n/, slurp_file($file)) {
            $n++;
            if (!$fence && $line =~ /^```/) {
                ($fence, $tagged) = (1, $line =~ /^```\w+\s+recipe-/ ? 1 : 0);
                next;
            }
            if ($fence && $line =~ /^```\s*$/) {
                ($fence, $tagged) = (0, 0);
                next;
            }
            next if $tagged;
            push @out, "$file:$n: $line"
                if $line =~ /^\s*(?:ProxyPass(?:Match)?\s|BalancerMember\s|SetHandler\s+"?proxy:)/i;
        }
    }
    return @out;
}

# $text with each placeholder (a literal string) replaced; dies when one is
# not in the text, so that a table row cannot go stale against its page.
sub substitute {
    my ($text, $subst, $what) = @_;
    for my $from (sort { length $b <=> length $a } keys %$subst) {
        $text =~ s/\Q$from\E/$subst->{$from}/g
            or die "$what: the placeholder $from is not there\n";
    }
    return $text;
}

1;
