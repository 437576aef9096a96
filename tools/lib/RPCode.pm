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

# What the scripts that read the module's C share (tools/doccheck.sh,
# tools/lognos.sh): perl -I"$top/tools/lib" -MRPCode.
package RPCode;

use strict;
use warnings;
use Exporter 'import';
our @EXPORT = qw(strip_comments);

# The code without its comments (strings kept, comments blanked out with
# their newlines, so that offsets and line numbers stay the same).
sub strip_comments {
    my $s = shift;
    $s =~ s{("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|(/\*.*?\*/|//[^\n]*)}
           {defined $1 ? $1 : ($2 =~ s/[^\n]/ /gr)}gse;
    return $s;
}

1;
