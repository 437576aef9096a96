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

# `make race`: the race harness (t/race.t) under each MPM, with many rounds,
# asserting that serialization leaves exactly one winner per round and that
# without it the harness does see lost updates. Prints a table.
#   RP_RACE_ROUNDS (default 100), RP_RACE_WRITERS (8), MPMS (event worker prefork)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export RP_RACE_ROUNDS=${RP_RACE_ROUNDS:-100} RP_RACE_WRITERS=${RP_RACE_WRITERS:-8}
export RP_RACE_PROVE=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
for m in ${MPMS:-event worker prefork}; do
    MPM=$m "$top/t/run.sh" t/race.t >"$out.$m" 2>&1 || rc=1
    grep '^race:' "$out.$m" >>"$out"
    grep -q '^Result: PASS' "$out.$m" || { rc=1; grep -v '^\[' "$out.$m" | tail -20; }
    rm -f "$out.$m"
done
printf '%-8s %-26s %-10s %-9s %7s %7s %12s %13s\n' MPM store FileETag Serialize rounds writers lost_rounds mean_winners
sed -E 's/race: mpm=(\S+) store=(\S+) fileetag=(\S+) serialize=(\S+) rounds=(\S+) writers=(\S+) lost_rounds=(\S+) mean_winners=(\S+)/\1 \2 \3 \4 \5 \6 \7 \8/' "$out" \
    | while read -r m st f s r w l mw; do
        printf '%-8s %-26s %-10s %-9s %7s %7s %12s %13s\n' "$m" "$st" "$f" "$s" "$r" "$w" "$l" "$mw"
    done
[ $rc -eq 0 ] && echo "race: PASS" || echo "race: FAIL"
exit $rc
