#!/usr/bin/env bash
# The Apache License 2.0 header at the top of every source file (LICENSE).
#
#   tools/license.sh --check   list the files without it; fail if any (lint)
#   tools/license.sh --add     put it on those files: after a #! line, above
#                              the comment the file starts with
#
# Source files: what git tracks (or, outside a checkout, what find sees)
# named *.c *.h *.sh *.pl *.pm *.t *.PL *.py *.lua *.gp, Makefile, .ci/run,
# debian/rules and debian/tests/*; not configuration, data or docs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:---check}
cd "$top"

notice=(
    "Copyright 2026 The mod_require_precondition authors"
    ""
    "Licensed under the Apache License, Version 2.0 (the \"License\");"
    "you may not use this file except in compliance with the License."
    "You may obtain a copy of the License at"
    ""
    "    http://www.apache.org/licenses/LICENSE-2.0"
    ""
    "Unless required by applicable law or agreed to in writing, software"
    "distributed under the License is distributed on an \"AS IS\" BASIS,"
    "WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied."
    "See the License for the specific language governing permissions and"
    "limitations under the License."
)

sources() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files
    else
        find . -type f ! -path './.git/*' | sed 's|^\./||'
    fi | grep -E '(\.(c|h|sh|pl|pm|t|PL|py|lua|gp)|^Makefile|^\.ci/run|^debian/rules|^debian/tests/[^/]+)$' \
       | grep -v '^debian/tests/control$' | sort
}

# header FILE: the notice in FILE's comment syntax.
header() {
    local line
    case $1 in
    *.c|*.h)
        echo "/* ${notice[0]}"
        for line in "${notice[@]:1}"; do echo " *${line:+ $line}"; done
        echo " */"
        ;;
    *.lua)
        for line in "${notice[@]}"; do echo "--${line:+ $line}"; done
        ;;
    *)
        for line in "${notice[@]}"; do echo "#${line:+ $line}"; done
        ;;
    esac
}

has() { head -n 20 "$1" | grep -q 'Licensed under the Apache License, Version 2.0'; }

missing=()
while read -r f; do
    [ -f "$f" ] || continue
    has "$f" || missing+=("$f")
done < <(sources)

case $mode in
--check)
    for f in "${missing[@]+"${missing[@]}"}"; do echo "license: $f has no licence header" >&2; done
    [ ${#missing[@]} -eq 0 ]
    ;;
--add)
    for f in "${missing[@]+"${missing[@]}"}"; do
        tmp=$(mktemp "$f.XXXXXX")
        {
            if head -n 1 "$f" | grep -q '^#!'; then
                head -n 1 "$f"; header "$f"; echo; tail -n +2 "$f"
            else
                header "$f"; echo; cat "$f"
            fi
        } > "$tmp"
        chmod --reference="$f" "$tmp"
        mv "$tmp" "$f"
        echo "license: added to $f"
    done
    ;;
*)
    echo "usage: tools/license.sh --check|--add" >&2
    exit 2
    ;;
esac
