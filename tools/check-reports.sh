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

# Look through the reports a sanitizer or valgrind run left in a folder
# (t/run.sh SANITIZE=1 / VALGRIND=1) and fail when there is one.
#
#   tools/check-reports.sh DIR
#
# ASan, LSan and UBSan write DIR/sanitizer.PID, only when they have
# something to say. valgrind writes DIR/valgrind.PID.log always; an error
# is one counted in its ERROR SUMMARY (what tools/valgrind.supp suppresses
# is not counted). Prints one summary line, and the reports when failing.
set -euo pipefail

dir=$1
fail=0
shopt -s nullglob

san=("$dir"/sanitizer.*)
if [ ${#san[@]} -gt 0 ]; then
    fail=1
    for f in "${san[@]}"; do
        echo "---- $(basename "$f") ----"
        head -n 60 "$f"
    done
fi

vg=("$dir"/valgrind.*.log)
if [ ${#vg[@]} -gt 0 ]; then
    errors=0 ours=0 supp=0
    for f in "${vg[@]}"; do
        e=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
        s=$(sed -n 's/.*ERROR SUMMARY: .*suppressed: \([0-9]*\) from.*/\1/p' "$f" | tail -1)
        if [ -z "$e" ]; then
            echo "valgrind: $(basename "$f") has no ERROR SUMMARY (killed?)"
            fail=1
            continue
        fi
        errors=$((errors + e))
        supp=$((supp + ${s:-0}))
        if [ "$e" -gt 0 ]; then
            fail=1
            echo "---- $(basename "$f") ----"
            grep -E '^==[0-9]+== ' "$f" | sed -n '/Memcheck, a memory error/,$p' \
                | grep -vE 'Copyright|Using Valgrind|Command:|Parent PID' | head -n 150
        fi
        if grep -qE 'mod_require_precondition|rp_[a-z0-9_]+\.c' \
                <(sed -n '/^==[0-9]*== [A-Z].*\(Invalid\|uninitialised\|definitely lost\|Mismatched\|overlap\)/,/^==[0-9]*== $/p' "$f"); then
            ours=$((ours + 1))
        fi
    done
    echo "valgrind: ${#vg[@]} server process(es), $errors error(s), $ours in the module's code, $supp suppressed (tools/valgrind.supp)"
fi

if [ ${#san[@]} -eq 0 ] && [ ${#vg[@]} -eq 0 ]; then
    echo "sanitizers: no report"
elif [ ${#san[@]} -gt 0 ]; then
    echo "sanitizers: ${#san[@]} report file(s) in $dir"
fi
exit $fail
