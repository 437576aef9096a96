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

# A graceful restart from an earlier release to this one under load, and
# back: each is built from the commit CHANGES names for it ("Release
# commit"); the checks are in t/upgrade/upgrade.pl. The previous release
# with the anonymous and a named lock file; the one before (0.2.0, another
# lock-file format) with the anonymous one.
#
#   MPM=event t/upgrade/run.sh
#
# As root it runs itself as the test account, as t/run.sh does.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/lib.sh"
MPM=${MPM:-event}
export HTTPD APXS MPM

# The releases' trees, as tars on stdin (RP_PREV_TAR=-) for the test
# account, which cannot read the repository's history.
if [ -z "${RP_PREV_TAR:-}" ]; then
    commits=$(sed -n 's/^  Release commit \([0-9a-f]*\) .*/\1/p' \
              "$top/CHANGES" | head -2)
    for c in $commits; do
        git -C "$top" cat-file -e "$c^{commit}" 2>/dev/null || {
            echo "t/upgrade/run.sh: release commit $c is not in this" \
                 "checkout" >&2; exit 1; }
    done
    [ "$(echo "$commits" | wc -w)" = 2 ] || {
        echo "t/upgrade/run.sh: CHANGES names no two release commits" >&2
        exit 1; }
    archive() {
        local c
        for c in $commits; do
            git -C "$top" archive --format=tar --prefix="$c/" "$c"
        done
    }
    if [ "$(id -u)" = 0 ]; then
        export RP_PREV_TAR=-
        archive | rp_as_test_user t/upgrade/run.sh MPM HTTPD APXS RP_PREV_TAR \
            -- "$@"
        exit 0                  # a failure above has ended it (pipefail)
    fi
    RP_PREV_TAR=$(mktemp /tmp/rp-prev.XXXXXX)
    # shellcheck disable=SC2064
    trap "rm -f '$RP_PREV_TAR'" EXIT
    archive > "$RP_PREV_TAR"
fi

prev=$(mktemp -d /tmp/rp-prev.XXXXXX)
# shellcheck disable=SC2064
trap "rm -rf '$prev' ${RP_PREV_TAR#-}" EXIT
tar -C "$prev" -i -xf "$RP_PREV_TAR"   # -i: one archive per release
rc=0
modes=(anonymous named)
# The newest release first (CHANGES lists it first).
for d in $(sed -n 's/^  Release commit \([0-9a-f]*\) .*/\1/p' \
               "$top/CHANGES" | head -2); do
    make -C "$prev/$d" all APXS="$APXS" >"$prev/$d/build.log" 2>&1 \
        || { tail -n 20 "$prev/$d/build.log"; exit 1; }
    echo "# from release commit $d (${modes[*]})"
    perl "$top/t/upgrade/upgrade.pl" "$top" \
        "$prev/$d/.libs/mod_require_precondition.so" "${modes[@]}" || rc=1
    modes=(anonymous)
done
exit $rc
